"""Robust specs: a world, the policy packages to test, the uncertainties, what to measure.

A robust experiment runs every package on every sampled world (a point of the
design over the uncertainties), ``replications`` times, with common random
numbers: replication r of world i runs from the same seed under every package
(``SeedSequence(seed, spawn_key=(i, r))``), so differences between packages in
a world are the packages' doing::

    name = "demo_robust"
    world = "baseline"                 # the scenario whose world is used (bundled name or file)
    years = 8
    seed = 7
    replications = 2
    summary = "mean"                   # a run's value: "mean" over its years, or "last"

    [packages]                         # name = the policy of a scenario, or lever values
    baseline = "baseline"
    ordos = "ordos"
    tolerant = { "policy.tolerance.excuse_rate" = 0.8, "policy.promotion.rule" = "merit" }

    [uncertainties]                    # what the world does: ranges sampled by the design
    "behaviour.sanction_cost" = { range = [2.0, 8.0] }
    "behaviour.error_slope" = { range = [0.03, 0.08] }

    [design]
    method = "lhs"                     # lhs (scipy.stats.qmc) | sobol | morris (SALib) | grid
    samples = 16

    [outcomes.mean_effort]             # a reporter of sim.metrics
    direction = "max"                  # "max": more is better; "min": less is better
    threshold = 0.5                    # optional: the level a package should meet

    [outcomes.punished_honest_share]
    direction = "min"

    [budget]                           # optional: packages costing more are marked
    cost = "total_cost"                # bonus_cost | subsidy_cost | total_cost (万元 a year)
    max = 100.0

Every problem is one :class:`experiments.sweep.spec.SpecError` line naming the
file and the key (an unknown lever, an inverted range, an outcome that is not
a reporter, a budget on a cost no package has, ...). Validation reuses the
sweep spec's checks, and each package becomes one sweep
(:func:`package_sweeps`) of the same design and seed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from experiments.robust.measures import Direction
from experiments.sweep.designs import DEFAULT_MORRIS_LEVELS, DesignMethod
from experiments.sweep.spec import (
    MAX_RUNS,
    DesignTable,
    OutputSummary,
    Parameter,
    ParameterTable,
    SpecError,
    SweepSpec,
    _json_value,
    base_scenario,
    check_design_options,
    check_outputs,
    check_parameter,
    check_path,
    check_points,
    check_value,
    expand_design,
    pydantic_spec_error,
    read_spec_table,
    with_values,
)
from scenarios import Scenario
from scenarios.loader import HASH_DISPLAY_CHARS, scenario_error

LEVER_PREFIX = "policy."
"""Levers (what the government chooses) live under ``policy``; the rest is the world."""


class Cost(StrEnum):
    """What a package costs a year, in 万元 (reporters of ``sim.metrics``, and their sum)."""

    BONUS = "bonus_cost"
    SUBSIDY = "subsidy_cost"
    TOTAL = "total_cost"


COST_REPORTERS = (Cost.BONUS.value, Cost.SUBSIDY.value)
"""Reporters every robust experiment records, so that each package's cost is known."""


# --------------------------------------------------------------------------- the file's schema


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OutcomeTable(_Table):
    direction: Direction
    threshold: float | None = None


class BudgetTable(_Table):
    cost: Cost
    max: float = Field(ge=0)


class RobustTable(_Table):
    """A robust spec file as written."""

    name: str | None = Field(None, pattern=r"^[a-z0-9_]+$")
    description: str = ""
    world: str = Field(min_length=1)
    years: int | None = Field(None, ge=1, le=10_000)
    seed: int = Field(ge=0, le=2**63 - 1)
    replications: int = Field(1, ge=1, le=100_000)
    summary: OutputSummary = OutputSummary.MEAN
    packages: dict[str, str | dict[str, Any]] = Field(min_length=2)
    uncertainties: dict[str, ParameterTable] = Field(min_length=1)
    design: DesignTable
    outcomes: dict[str, OutcomeTable] = Field(min_length=1)
    budget: BudgetTable | None = None


# --------------------------------------------------------------------------- the resolved spec


@dataclass(frozen=True)
class Outcome:
    """A reporter to compare packages on, which way is better, and an optional threshold."""

    name: str
    direction: Direction
    threshold: float | None = None


@dataclass(frozen=True)
class Budget:
    cost: Cost
    max: float


@dataclass(frozen=True)
class RobustSpec:
    """A validated robust experiment.

    Attributes
    ----------
    path : Path
    name, description : str
    world : Scenario
        The world scenario, ``years`` and ``seed`` set.
    world_source : str
    packages : dict of str -> Scenario
        The world under each package's policy, in the spec's order.
    package_sources : dict of str -> str
        A scenario file, or ``"levers"`` for lever values written in the spec.
    parameters : tuple of Parameter
        The uncertainties.
    outcomes : tuple of Outcome
    budget : Budget or None
    points : tuple of tuple
        ``(n_worlds, n_uncertainties)``.
    unit : (n_worlds, n_uncertainties) float or None
    """

    path: Path
    name: str
    description: str
    world: Scenario
    world_source: str
    packages: dict[str, Scenario]
    package_sources: dict[str, str]
    years: int
    seed: int
    replications: int
    summary: OutputSummary
    parameters: tuple[Parameter, ...]
    method: DesignMethod
    samples: int | None
    second_order: bool
    num_levels: int
    outcomes: tuple[Outcome, ...]
    budget: Budget | None
    points: tuple[tuple, ...] = field(repr=False)
    unit: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p.path for p in self.parameters)

    @property
    def n_worlds(self) -> int:
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replications * len(self.packages)

    @property
    def outputs(self) -> tuple[str, ...]:
        """Reporters recorded per run: the outcomes, then the costs."""
        names = [o.name for o in self.outcomes]
        return (*names, *(c for c in COST_REPORTERS if c not in names))

    def canonical(self) -> dict:
        """Everything that determines the results, as plain JSON values."""
        return {
            "world": self.world.model_dump(mode="json"),
            "packages": {label: s.model_dump(mode="json")["policy"]
                         for label, s in self.packages.items()},
            "years": self.years, "seed": self.seed, "replications": self.replications,
            "summary": self.summary.value,
            "uncertainties": [p.canonical() for p in self.parameters],
            "design": {"method": self.method.value, "samples": self.samples,
                       "second_order": self.second_order, "num_levels": self.num_levels},
            "outcomes": [{"name": o.name, "direction": o.direction.value,
                          "threshold": o.threshold} for o in self.outcomes],
            "budget": (None if self.budget is None
                       else {"cost": self.budget.cost.value, "max": self.budget.max}),
        }

    @cached_property
    def hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=True, allow_nan=False)
        return hashlib.sha256(text.encode("ascii")).hexdigest()

    @property
    def short_hash(self) -> str:
        return self.hash[:HASH_DISPLAY_CHARS]


def load_robust_spec(path: str | Path) -> RobustSpec:
    """Read, validate and expand a robust spec.

    Raises
    ------
    SpecError
        Any problem, as one line naming the file and the key.
    """
    path = Path(path)
    table = read_spec_table(path, RobustTable, robust_pydantic_error)
    return resolve_robust_spec(path, table)


def robust_pydantic_error(path: Path, error: dict) -> SpecError:
    """A pydantic error on the robust spec as one :class:`SpecError` line."""
    loc = tuple(error["loc"])
    key = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc) or None
    kind = error["type"]
    if kind == "extra_forbidden":
        return SpecError(path, "unknown key", key=key)
    if kind == "missing":
        return SpecError(path, "expected a value here (required)", key=key)
    if loc and loc[0] == "design":
        return pydantic_spec_error(path, error)
    if loc and loc[0] == "packages" and len(loc) > 2:
        key = ".".join(str(p) for p in loc[:2])
        return SpecError(path, "expected a scenario (name or file) whose policy is the "
                               "package, or a table of lever values", key=key)
    message = str(error["msg"]).removeprefix("Value error, ")
    return SpecError(path, f"{message[0].lower()}{message[1:]}, got {error.get('input')!r}",
                     key=key)


def resolve_robust_spec(path: Path, table: RobustTable) -> RobustSpec:
    """Check a parsed robust spec against its world and packages; expand the design."""
    world, source = _scenario(path, table.world, "world")
    years = world.years if table.years is None else table.years
    world = with_values(world, ("years", "seed"), (years, table.seed))
    outcome_names = list(table.outcomes)
    try:
        check_outputs(path, outcome_names, world)
    except SpecError as error:
        index = int(str(error.key).removeprefix("outputs[").removesuffix("]"))
        raise SpecError(path, error.problem.replace("output", "outcome", 1),
                        key=f"outcomes.{outcome_names[index]}") from None
    design = table.design
    if design.method is DesignMethod.LIST:
        raise SpecError(path, "expected 'lhs', 'sobol', 'morris' or 'grid' (the worlds are "
                              "sampled over the uncertainties' ranges)", key="design.method")
    check_design_options(path, design)
    parameters = []
    for name, entry in table.uncertainties.items():
        key = f'uncertainties."{name}"'
        if name.startswith(LEVER_PREFIX):
            raise SpecError(path, f"{name} is a lever (under policy): levers are set by the "
                                  f"packages; uncertainties are what the world does", key=key)
        try:
            parameters.append(check_parameter(path, name, entry, world, design.method))
        except SpecError as error:
            raise SpecError(path, error.problem, key=_rekey(error.key, "uncertainties")) from None
    parameters = tuple(parameters)
    points, unit = expand_design(path, design, parameters, table.seed)
    packages, sources = {}, {}
    for label, entry in table.packages.items():
        packages[label], sources[label] = _package(path, label, entry, world)
    runs = len(points) * table.replications * len(packages)
    if runs > MAX_RUNS:
        raise SpecError(path, f"{runs:,} runs, more than {MAX_RUNS:,}", key="design")
    for label, scenario in packages.items():
        try:
            check_points(path, scenario, parameters, points, False)
        except SpecError as error:
            raise SpecError(path, f"under package {label}: {error.problem}",
                            key=error.key) from None
    budget = None
    if table.budget is not None:
        budget = Budget(table.budget.cost, table.budget.max)
        check_budget(path, budget, packages)
    return RobustSpec(
        path=path, name=table.name or _name(path), description=table.description,
        world=world, world_source=str(source), packages=packages, package_sources=sources,
        years=years, seed=table.seed, replications=table.replications, summary=table.summary,
        parameters=parameters, method=design.method, samples=design.samples,
        second_order=bool(design.second_order),
        num_levels=design.num_levels or DEFAULT_MORRIS_LEVELS,
        outcomes=tuple(Outcome(name, o.direction, o.threshold)
                       for name, o in table.outcomes.items()),
        budget=budget, points=tuple(points), unit=unit,
    )


def _rekey(key: str | None, top: str) -> str | None:
    return None if key is None else key.replace("parameters.", f"{top}.", 1)


def _name(path: Path) -> str:
    import re

    return re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_") or "robust"


def _scenario(path: Path, reference: str, key: str) -> tuple[Scenario, Path]:
    try:
        return base_scenario(path, reference)
    except SpecError as error:
        raise SpecError(path, error.problem, key=key) from None


def _package(path: Path, label: str, entry: str | dict, world: Scenario
             ) -> tuple[Scenario, str]:
    """The world under one package's policy, and where the package came from."""
    key = f"packages.{label}"
    if isinstance(entry, str):
        source_scenario, source = _scenario(path, entry, key)
        data = world.model_dump(mode="json")
        data["policy"] = source_scenario.model_dump(mode="json")["policy"]
        try:
            return Scenario.model_validate(data), str(source)
        except ValidationError as error:
            problem = scenario_error(path, error.errors()[0], {})
            raise SpecError(path, f"the policy of {entry} does not fit the world: "
                                  f"{problem.problem} ({problem.key})", key=key) from None
    if not entry:
        raise SpecError(path, "expected lever values (a table of policy.* = value)", key=key)
    for name, value in entry.items():
        lever_key = f'{key}."{name}"'
        if not name.startswith(LEVER_PREFIX):
            raise SpecError(path, f"unknown lever {name!r}: levers are the keys under "
                                  f"policy (such as 'policy.tolerance.excuse_rate')",
                            key=lever_key)
        try:
            check_path(path, lever_key, name, world)
            check_value(path, lever_key, world, name, value)
        except SpecError as error:
            problem = error.problem.replace("unknown scenario key", "unknown lever", 1)
            raise SpecError(path, problem, key=lever_key) from None
    try:
        return with_values(world, list(entry), [_json_value(v) for v in entry.values()]), "levers"
    except ValidationError as error:
        problem = scenario_error(path, error.errors()[0], {})
        raise SpecError(path, f"these levers do not make a valid scenario: {problem.problem} "
                              f"({problem.key})", key=key) from None


def has_cost(scenario: Scenario, cost: Cost) -> bool:
    """Whether a package's policy spends anything on ``cost``."""
    policy = scenario.policy
    bonus = policy.bonus.top_share > 0 and policy.bonus.amount > 0
    subsidy = policy.subsidy.frontline_premium > 0
    return {Cost.BONUS: bonus, Cost.SUBSIDY: subsidy, Cost.TOTAL: bonus or subsidy}[cost]


def check_budget(path: Path, budget: Budget, packages: dict[str, Scenario]) -> None:
    """A budget must bind on a cost some package has."""
    if not any(has_cost(s, budget.cost) for s in packages.values()):
        what = {Cost.BONUS: "a bonus (policy.bonus.top_share and amount > 0)",
                Cost.SUBSIDY: "a frontline subsidy (policy.subsidy.frontline_premium > 0)",
                Cost.TOTAL: "a bonus or a frontline subsidy"}[budget.cost]
        raise SpecError(path, f"no package has {budget.cost.value}: none of "
                              f"{', '.join(packages)} pays {what}", key="budget.cost")


def package_sweeps(spec: RobustSpec) -> dict[str, SweepSpec]:
    """One sweep per package: same design, seed and replications (common random numbers)."""
    sweeps = {}
    for label, scenario in spec.packages.items():
        sweeps[label] = SweepSpec(
            path=spec.path, name=f"{spec.name}_{label}", description=spec.description,
            scenario=scenario, scenario_source=spec.package_sources[label], years=spec.years,
            seed=spec.seed, replications=spec.replications, outputs=spec.outputs,
            summary=spec.summary, parameters=spec.parameters, method=spec.method,
            samples=spec.samples, second_order=spec.second_order, num_levels=spec.num_levels,
            points=spec.points, unit=spec.unit)
    return sweeps


def spec_summary(spec: RobustSpec) -> str:
    """``"3 packages x 16 worlds (lhs) x 2 replications = 96 runs of 8 years"``."""
    return (f"{len(spec.packages)} packages x {spec.n_worlds:,} worlds ({spec.method.value}) x "
            f"{spec.replications} replication{'s' if spec.replications != 1 else ''} = "
            f"{spec.n_runs:,} runs of {spec.years} years")


__all__ = ["Budget", "Cost", "Outcome", "RobustSpec", "load_robust_spec", "package_sweeps",
           "spec_summary"]
