"""Search specs: which levers to search over, on which fixed worlds, for which objectives::

    name = "demo_search"
    world = "baseline"                # the world (bundled scenario name or file)
    package = "baseline"              # the policy the levers change (default: the world's)
    years = 6
    seed = 5
    replications = 1                  # per world
    worlds = 4                        # a fixed Latin hypercube over the uncertainties
    trials = 40                       # candidate policies evaluated
    batch = 8                         # candidates asked at a time (NSGA-II: its population)
    sampler = "tpe"                   # "tpe" (multi-objective TPE, for few evaluations) or
                                      # "nsga2"; the first `batch` TPE candidates are random

    [levers]                          # what the search chooses (keys under policy)
    "policy.tolerance.excuse_rate" = { range = [0.0, 1.0] }
    "policy.bonus.top_share" = { range = [0.0, 0.1] }
    "policy.promotion.rule" = { levels = ["seniority", "merit"] }

    [uncertainties]                   # what the world does (optional)
    "behaviour.sanction_cost" = { range = [2.5, 7.5] }

    [objectives.mean_effort]
    direction = "max"
    [objectives.punished_honest_share]
    direction = "min"

    [budget]                          # optional: candidates costing more are infeasible
    cost = "total_cost"               # bonus_cost | subsidy_cost | total_cost (万元 a year)
    max = 300.0

Each candidate runs on the same worlds with the same seeds (common random
numbers): replication r of world i from ``SeedSequence(seed, spawn_key=(i, r))``.
Every problem is one line naming the file and the key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from experiments.robust.measures import Direction
from experiments.robust.spec import (
    LEVER_PREFIX,
    BudgetTable,
    Cost,
    _name,
    _rekey,
    _scenario,
    has_cost,
    robust_pydantic_error,
)
from experiments.search.loop import Lever
from experiments.sweep.designs import DesignMethod
from experiments.sweep.spec import (
    DesignTable,
    Parameter,
    ParameterTable,
    SpecError,
    check_outputs,
    check_parameter,
    check_points,
    expand_design,
    read_spec_table,
    with_values,
)
from scenarios import Scenario
from scenarios.loader import HASH_DISPLAY_CHARS


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ObjectiveTable(_Table):
    direction: Direction


class SearchTable(_Table):
    name: str | None = Field(None, pattern=r"^[a-z0-9_]+$")
    description: str = ""
    world: str = Field(min_length=1)
    package: str | None = None
    years: int | None = Field(None, ge=1, le=10_000)
    seed: int = Field(ge=0, le=2**63 - 1)
    replications: int = Field(1, ge=1, le=1000)
    worlds: int = Field(1, ge=1, le=10_000)
    trials: int = Field(ge=2, le=100_000)
    batch: int = Field(8, ge=2, le=10_000)
    sampler: Literal["nsga2", "tpe"] = "tpe"
    levers: dict[str, ParameterTable] = Field(min_length=1)
    uncertainties: dict[str, ParameterTable] = Field(default_factory=dict)
    objectives: dict[str, ObjectiveTable] = Field(min_length=2)
    budget: BudgetTable | None = None


@dataclass(frozen=True)
class SearchSpec:
    """A validated search (see the module docstring)."""

    path: Path
    name: str
    description: str
    scenario: Scenario
    years: int
    seed: int
    replications: int
    trials: int
    batch: int
    sampler: str
    levers: tuple[Parameter, ...]
    uncertainties: tuple[Parameter, ...]
    objectives: tuple[tuple[str, Direction], ...]
    budget: tuple[Cost, float] | None
    worlds: tuple[tuple, ...] = field(repr=False)

    @property
    def outputs(self) -> tuple[str, ...]:
        """Reporters each run records: the objectives (but total_cost), then the costs."""
        names = [n for n, _ in self.objectives if n != Cost.TOTAL.value]
        return (*names, *(c for c in (Cost.BONUS.value, Cost.SUBSIDY.value) if c not in names))

    @property
    def search_levers(self) -> list[Lever]:
        return [Lever(p.path, p.low, p.high, p.levels, p.integer) for p in self.levers]

    def canonical(self) -> dict:
        return {
            "scenario": self.scenario.model_dump(mode="json"), "years": self.years,
            "seed": self.seed, "replications": self.replications, "batch": self.batch,
            "sampler": self.sampler,
            "levers": [p.canonical() for p in self.levers],
            "uncertainties": [p.canonical() for p in self.uncertainties],
            "worlds": [list(w) for w in self.worlds],
            "objectives": [[n, d.value] for n, d in self.objectives],
            "budget": None if self.budget is None else [self.budget[0].value, self.budget[1]],
        }

    @cached_property
    def hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"),
                          allow_nan=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def short_hash(self) -> str:
        return self.hash[:HASH_DISPLAY_CHARS]


def load_search_spec(path: str | Path) -> SearchSpec:
    """Read and validate a search spec; any problem is one :class:`SpecError` line."""
    path = Path(path)
    table = read_spec_table(path, SearchTable, robust_pydantic_error)
    world, _ = _scenario(path, table.world, "world")
    if table.package is not None:
        source, _ = _scenario(path, table.package, "package")
        data = world.model_dump(mode="json")
        data["policy"] = source.model_dump(mode="json")["policy"]
        world = Scenario.model_validate(data)
    years = world.years if table.years is None else table.years
    base = with_values(world, ("years", "seed"), (years, table.seed))
    names = [n for n in table.objectives if n != Cost.TOTAL.value]
    try:
        check_outputs(path, names, base)
    except SpecError as error:
        index = int(str(error.key).removeprefix("outputs[").removesuffix("]"))
        raise SpecError(path, error.problem.replace("output", "objective", 1),
                        key=f"objectives.{names[index]}") from None
    levers = tuple(_parameter(path, "levers", name, entry, base, lever=True)
                   for name, entry in table.levers.items())
    uncertainties = tuple(_parameter(path, "uncertainties", name, entry, base, lever=False)
                          for name, entry in table.uncertainties.items())
    worlds: list[tuple] = [()]
    if uncertainties:
        design = DesignTable(method=DesignMethod.LHS, samples=table.worlds)
        worlds, _ = expand_design(path, design, uncertainties, table.seed)
        check_points(path, base, uncertainties, worlds, False)
    budget = None
    if table.budget is not None:
        budget = (table.budget.cost, table.budget.max)
        check_search_budget(path, table.budget.cost, base, levers)
    return SearchSpec(
        path=path, name=table.name or _name(path), description=table.description,
        scenario=base, years=years, seed=table.seed, replications=table.replications,
        trials=table.trials, batch=table.batch, sampler=table.sampler, levers=levers,
        uncertainties=uncertainties,
        objectives=tuple((n, o.direction) for n, o in table.objectives.items()),
        budget=budget, worlds=tuple(tuple(w) for w in worlds))


def _parameter(path: Path, top: str, name: str, entry: ParameterTable, base: Scenario, *,
               lever: bool) -> Parameter:
    key = f'{top}."{name}"'
    if lever and not name.startswith(LEVER_PREFIX):
        raise SpecError(path, f"unknown lever {name!r}: levers are the keys under policy "
                              f"(such as 'policy.tolerance.excuse_rate')", key=key)
    if not lever and name.startswith(LEVER_PREFIX):
        raise SpecError(path, f"{name} is a lever (under policy): search it under [levers]",
                        key=key)
    try:
        return check_parameter(path, name, entry, base, DesignMethod.LHS)
    except SpecError as error:
        problem = error.problem
        if lever:
            problem = problem.replace("unknown scenario key", "unknown lever", 1)
        raise SpecError(path, problem, key=_rekey(error.key, top)) from None


COST_LEVERS = {
    Cost.BONUS: ("policy.bonus.top_share", "policy.bonus.amount"),
    Cost.SUBSIDY: ("policy.subsidy.frontline_premium",),
}


def check_search_budget(path: Path, cost: Cost, base: Scenario,
                        levers: tuple[Parameter, ...]) -> None:
    """A budget must bind on a cost the base policy has or a searched lever can create."""
    kinds = (Cost.BONUS, Cost.SUBSIDY) if cost is Cost.TOTAL else (cost,)
    searched = {p.path for p in levers}
    if has_cost(base, cost) or any(searched & set(COST_LEVERS[k]) for k in kinds):
        return
    spending = ", ".join(lever for kind in kinds for lever in COST_LEVERS[kind])
    raise SpecError(path, f"neither the package nor the levers searched have {cost.value} "
                          f"(levers that spend: {spending})", key="budget.cost")

