"""Sweep specifications: a TOML file saying which scenario to vary, how, and what to measure.

A spec names a base scenario, the parameters to vary (dotted paths into the
scenario, each with a range or levels), the design that places the points, the
replications, years and outputs, and the root seed::

    name = "tolerance"
    scenario = "baseline"              # a bundled name, or a file relative to this spec
    years = 10                         # default: the scenario's
    replications = 2                   # runs per point, each with its own seed
    seed = 20240601                    # root seed of the design and of every run
    outputs = ["mean_effort", "punished_honest_share"]   # reporters of sim.metrics
    summary = "mean"                   # a run's output: "mean" over its years, or "last"

    [parameters]
    "policy.tolerance.excuse_rate" = { range = [0.0, 1.0] }
    "policy.tolerance.discrimination" = { range = [0.5, 1.0] }
    "policy.promotion.rule" = { levels = ["seniority", "merit", "blend"] }

    [design]
    method = "sobol"                   # grid | lhs | sobol | morris | list
    samples = 64                       # lhs: points; sobol: base samples N (a power of 2);
                                       # morris: trajectories
    # second_order = false             # sobol only
    # num_levels = 4                   # morris only (even)

A ``range`` is continuous for a number field (``low + u (high - low)``) and
uniform over the integers ``low .. high`` for an integer field; ``levels`` are
taken in equal-width bins of ``u``. ``grid`` takes every combination of the
levels and of ``points`` evenly spaced values of each range (an integer range
without ``points``: every integer). ``list`` takes the points written out::

    [design]
    method = "list"
    points = [
        { "policy.tolerance.excuse_rate" = 0.0, "policy.promotion.rule" = "seniority" },
        { "policy.tolerance.excuse_rate" = 0.8, "policy.promotion.rule" = "merit" },
    ]

Validation happens once, here, before anything runs (a pydantic model, frozen,
unknown keys rejected, strict types, as for scenarios): every parameter path
must exist in :class:`scenarios.Scenario` and hold a value; a range's ends and
every level must be valid values of that field (the field's own bounds from the
schema); and every point of the design must make a valid scenario (cross-field
checks such as ``age_min < age_max``). So no run fails validation at run time.
Two parameters naming one value (``organisation.rank_quota.1`` and
``organisation.rank_quota.01``) are refused. A design has at most
:data:`MAX_POINTS` points and :data:`MAX_RUNS` runs; a larger one is refused
with its count before any point is made (a grid of 10^15 points, an LHS of
10^6). Every problem is one :class:`SpecError` line naming the file, the key
and what was allowed::

    tol.toml, key 'parameters."policy.tolerance.excuse_rate".range':
        expected a number in [0, 1], got 1.5
    tol.toml, key 'parameters."policy.tolerence.excuse_rate"':
        unknown scenario key 'policy.tolerence' (did you mean 'tolerance'? allowed: ...)

(each one line; wrapped here).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from functools import cached_property, partial
from pathlib import Path
from typing import Any, get_origin

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from experiments.sweep.designs import (
    DEFAULT_MORRIS_LEVELS,
    SAMPLED,
    DesignMethod,
    design_seed,
    design_size,
    grid_design,
    unit_design,
)
from scenarios import Scenario, ScenarioError, load_scenario
from scenarios.loader import (
    HASH_DISPLAY_CHARS,
    describe_type,
    describe_value,
    find_scenario_file,
    read_toml,
    scenario_error,
    schema_node,
    unknown_key_problem,
)
from scenarios.schema import OrganisationKind

MAX_POINTS = 100_000
"""Most points a design may have. Checking each distinct point against the schema
takes about 0.5 ms, so a design at the limit is checked in about a minute; larger
ones are refused before any point is made, with their count."""

MAX_RUNS = 1_000_000
"""Largest sweep accepted (points x replications): at the model's 0.05-0.5 s a run,
days of computing on a small cluster."""

NOT_SWEPT = {
    "name": "the runs are named by the sweep",
    "description": "the runs are described by the sweep",
    "years": "set the spec's 'years' instead",
    "seed": "every run's seed comes from the spec's 'seed'",
    "organisation.kind": "a county and a pyramid report different outputs",
}
"""Scenario paths a sweep may not vary, and why."""

_PATH = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")


class SpecError(Exception):
    """A sweep spec that cannot be run as written.

    ``str(error)`` is one line: ``"<file>[ line N][, key 'k']: <problem>"``,
    as :class:`scenarios.ScenarioError` writes it.

    Parameters
    ----------
    file : str or Path
        The spec file (messages show its name only).
    problem : str
        What is wrong, in words.
    key : str, optional
        The spec key (``'parameters."policy.tolerance.excuse_rate".range'``).
    line : int, optional
        Line of a TOML syntax error.
    """

    def __init__(self, file: str | Path, problem: str, *, key: str | None = None,
                 line: int | None = None) -> None:
        self.path = Path(file)
        self.file = self.path.name or str(file)
        self.problem = " ".join(str(problem).split())
        self.key = key
        self.line = line
        super().__init__(self._message())

    def __reduce__(self):
        return partial(type(self), key=self.key, line=self.line), (self.path, self.problem)

    def _message(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.key is not None:
            where += f", key {self.key!r}"
        return f"{where}: {self.problem}"


class OutputSummary(StrEnum):
    """How a run's yearly series of an output becomes the run's one value."""

    MEAN = "mean"  # mean over the run's years (years where the output is undefined skipped)
    LAST = "last"  # the last year's value


# --------------------------------------------------------------------------- the file's schema


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ParameterTable(_Table):
    """One ``[parameters]`` entry: a ``range`` or ``levels`` (``{}`` only in a list design)."""

    range: list[int | float] | None = Field(None, min_length=2, max_length=2,
                                            description="[low, high]")
    levels: list[Any] | None = Field(None, min_length=1)
    points: int | None = Field(None, ge=2, le=100_000, description="grid: values of a range")


class DesignTable(_Table):
    """The ``[design]`` table."""

    method: DesignMethod
    samples: int | None = Field(None, ge=1, le=MAX_RUNS)
    second_order: bool | None = None
    num_levels: int | None = Field(None, ge=2, le=1000)
    points: list[dict[str, Any]] | None = Field(None, min_length=1)


class SpecTable(_Table):
    """A sweep spec file, as written (before the checks against the scenario)."""

    name: str | None = Field(None, pattern=r"^[a-z0-9_]+$")
    description: str = ""
    scenario: str = Field(min_length=1)
    years: int | None = Field(None, ge=1, le=10_000)
    seed: int = Field(ge=0, le=2**63 - 1)
    replications: int = Field(1, ge=1, le=100_000)
    outputs: list[str] = Field(min_length=1)
    summary: OutputSummary = OutputSummary.MEAN
    parameters: dict[str, ParameterTable] = Field(default_factory=dict)
    design: DesignTable


# --------------------------------------------------------------------------- the resolved spec


@dataclass(frozen=True)
class Parameter:
    """One varied scenario value.

    Attributes
    ----------
    path : str
        Dotted path into the scenario (``"policy.tolerance.excuse_rate"``).
    low, high : int or float, optional
        A range (ints for an integer field).
    levels : tuple, optional
        Discrete values (floats for a number field).
    points : int, optional
        Grid only: evenly spaced values of the range.
    integer : bool
        The field is an integer.
    real : bool
        The field is a (float) number: integer values written in the spec are
        taken as floats, so a column of values has one type.
    """

    path: str
    low: int | float | None = None
    high: int | float | None = None
    levels: tuple | None = None
    points: int | None = None
    integer: bool = False
    real: bool = False

    def coerce(self, value: Any) -> Any:
        """``value`` as the field's type: ints to floats for a number field."""
        if self.real and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    def value_at(self, u: float) -> Any:
        """The value at unit coordinate ``u`` in ``[0, 1]``.

        A float range: ``low + u (high - low)``; an integer range: ``low +
        floor(u (high - low + 1))`` capped at ``high`` (each integer equally
        likely under uniform ``u``); levels: ``levels[floor(u k)]`` capped at
        the last (k equal-width bins).
        """
        u = float(u)
        if self.levels is not None:
            return self.levels[min(int(math.floor(u * len(self.levels))), len(self.levels) - 1)]
        if self.integer:
            span = int(self.high) - int(self.low)
            return int(self.low) + min(int(math.floor(u * (span + 1))), span)
        return float(self.low + u * (self.high - self.low))

    def grid_count(self) -> int:
        """How many values a grid design takes (without making them)."""
        if self.levels is not None:
            return len(self.levels)
        if self.integer and self.points is None:
            return int(self.high) - int(self.low) + 1
        return int(self.points)

    def grid_values(self) -> list:
        """The values a grid design takes."""
        if self.levels is not None:
            return list(self.levels)
        if self.integer and self.points is None:
            return list(range(int(self.low), int(self.high) + 1))
        values = np.linspace(self.low, self.high, self.points)
        if self.integer:
            return [int(v) for v in np.unique(np.rint(values))]
        return [float(v) for v in values]

    def canonical(self) -> dict:
        """A JSON-able description (spec hash, manifest)."""
        entry: dict[str, Any] = {"path": self.path}
        if self.levels is not None:
            entry["levels"] = [_json_value(v) for v in self.levels]
        elif self.low is not None:
            entry["range"] = [self.low, self.high]
        if self.points is not None:
            entry["points"] = self.points
        return entry


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the base scenario, the parameters and every point of the design.

    Attributes
    ----------
    path : Path
        The spec file.
    name, description : str
    scenario : Scenario
        The base scenario, with ``years`` and ``seed`` set to the spec's.
    scenario_source : str
        The file the base scenario came from.
    years, seed, replications : int
    outputs : tuple of str
        Reporter names (``sim.metrics``).
    summary : OutputSummary
    parameters : tuple of Parameter
    method : DesignMethod
    samples : int or None
        As written (``None`` for grid and list).
    second_order : bool
    num_levels : int
    points : tuple of tuple
        ``(n_points, n_parameters)``: each point's values, in ``parameters`` order.
    unit : (n_points, n_parameters) float or None
        The sampler's unit-hypercube coordinates (lhs, sobol, morris), for the analysers.
    """

    path: Path
    name: str
    description: str
    scenario: Scenario
    scenario_source: str
    years: int
    seed: int
    replications: int
    outputs: tuple[str, ...]
    summary: OutputSummary
    parameters: tuple[Parameter, ...]
    method: DesignMethod
    samples: int | None
    second_order: bool
    num_levels: int
    points: tuple[tuple, ...] = field(repr=False)
    unit: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p.path for p in self.parameters)

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replications

    def canonical(self) -> dict:
        """Everything that determines the sweep's results, as plain JSON values.

        The resolved base scenario (not its file name), the parameters, the
        design, replications, years, outputs, summary and seed. ``name`` and
        ``description`` are left out: renaming a spec does not change its runs.
        """
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "years": self.years,
            "seed": self.seed,
            "replications": self.replications,
            "outputs": list(self.outputs),
            "summary": self.summary.value,
            "parameters": [p.canonical() for p in self.parameters],
            "design": {
                "method": self.method.value,
                "samples": self.samples,
                "second_order": self.second_order,
                "num_levels": self.num_levels,
                "points": ([[_json_value(v) for v in point] for point in self.points]
                           if self.method is DesignMethod.LIST else None),
            },
        }

    @cached_property
    def hash(self) -> str:
        """SHA-256 of :meth:`canonical` as sorted, compact JSON (64 hex characters)."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=True, allow_nan=False)
        return hashlib.sha256(text.encode("ascii")).hexdigest()

    @property
    def short_hash(self) -> str:
        return self.hash[:HASH_DISPLAY_CHARS]


# --------------------------------------------------------------------------- scenario variants


def with_value(scenario: Scenario, dotted_path: str, value: Any) -> Scenario:
    """``scenario`` with the value at ``dotted_path`` replaced, validated again.

    Parameters
    ----------
    scenario : Scenario
    dotted_path : str
        ``"policy.tolerance.excuse_rate"``; table keys and array indexes are
        parts too (``"organisation.frontline.posts.2"``, ``"organisation.rank_quota.1"``).
    value : JSON-able value

    Returns
    -------
    Scenario
        A new scenario; ``scenario`` is unchanged.

    Raises
    ------
    pydantic.ValidationError
        The value is out of the field's range or of the wrong type, or breaks a
        cross-field check (the schema's ``check_*``).
    KeyError, IndexError
        The path does not exist in the scenario.
    """
    return with_values(scenario, (dotted_path,), (value,))


def with_values(scenario: Scenario, paths: Sequence[str], values: Sequence) -> Scenario:
    """:func:`with_value` for several paths at once (one validation)."""
    data = scenario.model_dump(mode="json")
    for path, value in zip(paths, values, strict=True):
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = _json_value(value)
        else:
            node[last] = _json_value(value)
    return Scenario.model_validate_json(json.dumps(data, allow_nan=False), strict=True)


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


# --------------------------------------------------------------------------- loading


def load_spec(path: str | Path) -> SweepSpec:
    """Read, validate and expand a sweep spec.

    Parameters
    ----------
    path : str or Path
        The spec TOML file.

    Returns
    -------
    SweepSpec
        Every point of the design computed and checked against the scenario schema.

    Raises
    ------
    SpecError
        Any problem, as one line naming the file and the key.
    """
    path = Path(path)
    return resolve_spec(path, read_spec_table(path, SpecTable, pydantic_spec_error))


def read_spec_table(path: Path, table_type: type[BaseModel], describe_error) -> BaseModel:
    """A spec file read and validated against ``table_type`` (strict; unknown keys are errors).

    ``describe_error(path, pydantic_error_dict)`` turns the first validation error into a
    :class:`SpecError`; a missing file or a TOML syntax error is one line too.
    """
    if not path.is_file():
        raise SpecError(path, "no such file" if not path.exists() else "expected a file")
    try:
        data = read_toml(path)
    except ScenarioError as error:
        raise SpecError(path, error.problem, key=error.key, line=error.line) from None
    try:
        return table_type.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as error:
        raise describe_error(path, error.errors()[0]) from None


def resolve_spec(path: Path, table: SpecTable) -> SweepSpec:
    """Check a parsed spec against its scenario and expand its design (see :func:`load_spec`)."""
    base, source = base_scenario(path, table.scenario)
    years = base.years if table.years is None else table.years
    base = with_values(base, ("years", "seed"), (years, table.seed))
    outputs = check_outputs(path, table.outputs, base)
    design = table.design
    check_design_options(path, design)
    declared = table.parameters
    if design.method is DesignMethod.LIST:
        declared = list_parameters(path, design.points, declared)
    if not declared:
        raise SpecError(path, "expected at least one parameter to vary", key="parameters")
    parameters = tuple(check_parameter(path, name, entry, base, design.method)
                       for name, entry in declared.items())
    check_aliases(path, [p.path for p in parameters], base)
    points, unit = expand_design(path, design, parameters, table.seed)
    if len(points) * table.replications > MAX_RUNS:
        raise SpecError(path, f"the design has {len(points):,} points x {table.replications:,} "
                              f"replications = {len(points) * table.replications:,} runs, "
                              f"more than {MAX_RUNS:,}", key="design")
    check_points(path, base, parameters, points, unit is None)
    return SweepSpec(
        path=path, name=table.name or _name_from_stem(path), description=table.description,
        scenario=base, scenario_source=str(source), years=years, seed=table.seed,
        replications=table.replications, outputs=outputs, summary=table.summary,
        parameters=parameters, method=design.method, samples=design.samples,
        second_order=bool(design.second_order),
        num_levels=design.num_levels or DEFAULT_MORRIS_LEVELS,
        points=tuple(points), unit=unit,
    )


def base_scenario(spec_path: Path, reference: str) -> tuple[Scenario, Path]:
    """The base scenario: a file relative to the spec, else what ``load_scenario`` finds."""
    candidate = Path(reference)
    if not candidate.is_absolute() and (spec_path.parent / candidate).is_file():
        candidate = spec_path.parent / candidate
    else:
        candidate = Path(reference)
    try:
        source = find_scenario_file(candidate)
        return load_scenario(source), source
    except ScenarioError as error:
        raise SpecError(spec_path, str(error), key="scenario") from None


def check_outputs(path: Path, outputs: Sequence[str], base: Scenario) -> tuple[str, ...]:
    """The outputs, each a reporter of the base scenario's kind of organisation."""
    from sim.metrics import COUNTY_REPORTERS, PYRAMID_REPORTERS

    pyramid = base.organisation.kind is OrganisationKind.PYRAMID
    reporters = [name for name in (PYRAMID_REPORTERS if pyramid else COUNTY_REPORTERS)
                 if name != "year"]
    seen = set()
    for index, name in enumerate(outputs):
        key = f"outputs[{index}]"
        if name in seen:
            raise SpecError(path, f"{name!r} is listed twice", key=key)
        seen.add(name)
        if name not in reporters:
            close = difflib.get_close_matches(name, reporters, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise SpecError(path, f"unknown output {name!r} ({hint}the reporters of sim.metrics "
                                  f"are: {', '.join(reporters)})", key=key)
    return tuple(outputs)


def check_design_options(path: Path, design: DesignTable) -> None:
    """Each ``[design]`` key is one the method uses, and the ones it needs are there."""
    method = design.method
    used = {
        "samples": SAMPLED,
        "second_order": (DesignMethod.SOBOL,),
        "num_levels": (DesignMethod.MORRIS,),
        "points": (DesignMethod.LIST,),
    }
    for key, methods in used.items():
        if getattr(design, key) is not None and method not in methods:
            names = [repr(m.value) for m in methods]
            users = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
            raise SpecError(path, f"not used by design {method.value!r} (only by {users})",
                            key=f"design.{key}")
    if method in SAMPLED and design.samples is None:
        what = {DesignMethod.LHS: "the number of points",
                DesignMethod.SOBOL: "the base sample N, a power of 2",
                DesignMethod.MORRIS: "the number of trajectories"}[method]
        raise SpecError(path, f"expected a value here ({what})", key="design.samples")
    if method is DesignMethod.SOBOL and design.samples & (design.samples - 1):
        raise SpecError(path, f"expected a power of 2 for a Sobol' design (Saltelli's "
                              f"estimators need it), got {design.samples}", key="design.samples")
    if method is DesignMethod.MORRIS:
        if design.samples < 2:
            raise SpecError(path, "expected at least 2 trajectories, got 1", key="design.samples")
        if (design.num_levels or DEFAULT_MORRIS_LEVELS) % 2:
            raise SpecError(path, f"expected an even number of levels (Morris' step is "
                                  f"p / (2 (p - 1))), got {design.num_levels}",
                            key="design.num_levels")
    if method is DesignMethod.LIST and design.points is None:
        raise SpecError(path, "expected a value here (the points, an array of tables)",
                        key="design.points")


def list_parameters(path: Path, points: Sequence[Mapping],
                    declared: Mapping[str, ParameterTable]) -> dict[str, ParameterTable]:
    """The parameters of a list design: the keys every point sets.

    ``[parameters]`` may be left out; when given, its paths must be exactly the
    points' keys, and its ranges and levels constrain the points' values.
    """
    names = list(points[0])
    if not names:
        raise SpecError(path, "expected a table of parameter values, got an empty table",
                        key="design.points[0]")
    for index, point in enumerate(points):
        if set(point) != set(names):
            missing = sorted(set(names) - set(point))
            extra = sorted(set(point) - set(names))
            problem = (f"sets {', '.join(extra)} which the first point does not" if extra
                       else f"does not set {', '.join(missing)}")
            raise SpecError(path, f"every point must set the same parameters; this one "
                                  f"{problem}", key=f"design.points[{index}]")
    if declared and set(declared) != set(names):
        raise SpecError(path, f"expected the parameters the points set "
                              f"({', '.join(names)}), got {', '.join(declared)}",
                        key="parameters")
    return {name: declared.get(name, ParameterTable()) for name in names}


def check_parameter(path: Path, name: str, entry: ParameterTable, base: Scenario,
                    method: DesignMethod) -> Parameter:
    """One ``[parameters]`` entry checked against the scenario schema and the design."""
    key = f"parameters.{_quoted(name)}"
    base_type, metadata = check_path(path, key, name, base)
    integer = base_type is int
    real = base_type is float
    numeric = integer or real
    if entry.range is not None and entry.levels is not None:
        raise SpecError(path, "expected a range or levels, not both", key=key)
    if entry.range is None and entry.levels is None and method is not DesignMethod.LIST:
        raise SpecError(path, "expected a range = [low, high] or levels = [...]", key=key)
    if entry.points is not None and (method is not DesignMethod.GRID or entry.range is None):
        raise SpecError(path, "points is used only with a range in a grid design",
                        key=f"{key}.points")
    if entry.range is not None:
        if not numeric:
            raise SpecError(path, f"a range needs a number field; {name} takes "
                                  f"{describe_type(base_type, metadata)}: use levels",
                            key=f"{key}.range")
        low, high = entry.range
        for end in (low, high):
            check_value(path, f"{key}.range", base, name, end)
        if not low < high:
            raise SpecError(path, f"expected low < high, got {describe_value(list(entry.range))}",
                            key=f"{key}.range")
        if method is DesignMethod.GRID and entry.points is None and not integer:
            raise SpecError(path, "a grid needs the number of points of a number range "
                                  "(points = 5)", key=key)
        low, high = (int(low), int(high)) if integer else (float(low), float(high))
        return Parameter(name, low=low, high=high, points=entry.points, integer=integer,
                         real=real)
    if entry.levels is not None:
        levels = []
        for index, level in enumerate(entry.levels):
            check_value(path, f"{key}.levels[{index}]", base, name, level)
            levels.append(level)
        repeated = [v for i, v in enumerate(levels) if v in levels[:i]]
        if repeated:
            raise SpecError(path, f"level {describe_value(repeated[0])} is listed twice",
                            key=f"{key}.levels")
        coerce = Parameter(name, real=real).coerce
        return Parameter(name, levels=tuple(coerce(v) for v in levels), integer=integer,
                         real=real)
    return Parameter(name, integer=integer, real=real)


def check_path(path: Path, key: str, name: str, base: Scenario) -> tuple[Any, list]:
    """The type and constraints at a parameter's path; a :class:`SpecError` if it has none."""
    if not _PATH.match(name):
        raise SpecError(path, f"expected a dotted path into the scenario such as "
                              f"'policy.tolerance.excuse_rate', got {name!r}", key=key)
    for prefix, reason in NOT_SWEPT.items():
        if name == prefix or name.startswith(prefix + "."):
            raise SpecError(path, f"{prefix} cannot be swept ({reason})", key=key)
    parts = name.split(".")
    data: Any = base.model_dump(mode="json")
    loc: list = []
    for part in parts:
        node, _ = schema_node(tuple(loc))
        if isinstance(node, type) and issubclass(node, BaseModel):
            if part not in node.model_fields:
                problem = unknown_key_problem((*loc, part))
                raise SpecError(path, f"unknown scenario key {_dotted(loc, part)!r} "
                                      f"{problem.removeprefix('unknown key ')}", key=key)
        elif get_origin(node) is list:
            if not part.isdigit() or int(part) >= len(data or ()):
                size = len(data or ())
                raise SpecError(path, f"{_dotted(loc)} has {size} entries in the base "
                                      f"scenario: expected an index 0 .. {size - 1}, got "
                                      f"{part!r}", key=key)
            part = int(part)
        elif get_origin(node) is not dict:
            raise SpecError(path, f"{_dotted(loc)} is a value: it has no key {part!r}", key=key)
        if isinstance(data, list):
            data = data[part]
        else:
            data = data.get(str(part)) if isinstance(data, dict) else None
        loc.append(part)
    node, metadata = schema_node(tuple(loc))
    if isinstance(node, type) and issubclass(node, BaseModel) or get_origin(node) is dict:
        raise SpecError(path, f"{name} is a table of the scenario: expected the path of one "
                              f"value in it", key=key)
    return node, metadata


def canonical_path(name: str, base: Scenario) -> str:
    """The one spelling of a (valid) dotted path: array indexes as plain integers.

    ``organisation.rank_quota.01`` and ``organisation.rank_quota.1`` both name
    ``organisation.rank_quota.1``.
    """
    data: Any = base.model_dump(mode="json")
    parts = []
    for part in name.split("."):
        if isinstance(data, list) and part.isdigit():
            part = str(int(part))
            data = data[int(part)] if int(part) < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
        parts.append(part)
    return ".".join(parts)


def check_aliases(path: Path, names: Sequence[str], base: Scenario) -> None:
    """Refuse two parameters that name one value (``rank_quota.1`` and ``rank_quota.01``):
    the model would take only one of them, and the tables would record both."""
    seen: dict[str, str] = {}
    for name in names:
        canonical = canonical_path(name, base)
        if canonical in seen:
            raise SpecError(path, f"{seen[canonical]!r} and {name!r} name the same value "
                                  f"({canonical}): keep one", key=f"parameters.{_quoted(name)}")
        seen[canonical] = name


def check_value(path: Path, key: str, base: Scenario, name: str, value: Any) -> None:
    """A value the field at ``name`` accepts (its type and range), else a :class:`SpecError`."""
    try:
        with_value(base, name, value)
    except ValidationError as error:
        problem = scenario_error(path, error.errors()[0], {})
        where = "" if problem.key == name else f" ({problem.key})"
        raise SpecError(path, f"{problem.problem}{where}", key=key) from None


def expand_design(path: Path, design: DesignTable, parameters: Sequence[Parameter],
                  seed: int) -> tuple[list[tuple], np.ndarray | None]:
    """Every point of the design as parameter values, and the unit coordinates if sampled."""
    method = design.method
    if method is DesignMethod.GRID:
        counts = [p.grid_count() for p in parameters]
        size = math.prod(counts)
        if size > MAX_POINTS:
            raise SpecError(path, f"the grid would have {size:,} points "
                                  f"({' x '.join(f'{c:,}' for c in counts)}), more than "
                                  f"{MAX_POINTS:,}: use fewer values, or an lhs design",
                            key="design")
        return grid_design([p.grid_values() for p in parameters]), None
    if method is DesignMethod.LIST:
        points = []
        for index, point in enumerate(design.points):
            values = []
            for p in parameters:
                value = point[p.path]
                check_listed(path, f"design.points[{index}]", p, value)
                values.append(p.coerce(value))
            points.append(tuple(values))
        return points, None
    names = [p.path for p in parameters]
    size = design_size(method, len(names), design.samples, second_order=bool(design.second_order))
    if size > MAX_POINTS:
        raise SpecError(path, f"the design would have {size:,} points, more than "
                              f"{MAX_POINTS:,}", key="design.samples")
    unit = unit_design(method, names, design.samples, design_seed(seed),
                       second_order=bool(design.second_order),
                       num_levels=design.num_levels or DEFAULT_MORRIS_LEVELS)
    points = [tuple(p.value_at(u) for p, u in zip(parameters, row, strict=True)) for row in unit]
    return points, unit


def check_listed(path: Path, key: str, parameter: Parameter, value: Any) -> None:
    """A list design's value lies in its parameter's declared range or levels."""
    if parameter.levels is not None and value not in parameter.levels:
        raise SpecError(path, f"{parameter.path} = {describe_value(value)} is not one of its "
                              f"levels {describe_value(list(parameter.levels))}", key=key)
    if parameter.low is not None and not (
            isinstance(value, int | float) and not isinstance(value, bool)
            and parameter.low <= value <= parameter.high):
        raise SpecError(path, f"{parameter.path} = {describe_value(value)} is outside its range "
                              f"[{parameter.low}, {parameter.high}]", key=key)


def check_points(path: Path, base: Scenario, parameters: Sequence[Parameter],
                 points: Sequence[tuple], named: bool) -> None:
    """Every distinct point makes a valid scenario (types, ranges, cross-field checks).

    ``named``: points written out (a list design) are named by index; sampled
    ones by their values.
    """
    paths = [p.path for p in parameters]
    seen: set = set()
    for index, point in enumerate(points):
        marker = json.dumps([_json_value(v) for v in point], sort_keys=True)
        if marker in seen:
            continue
        seen.add(marker)
        try:
            with_values(base, paths, point)
        except ValidationError as error:
            problem = scenario_error(path, error.errors()[0], {})
            shown = ", ".join(f"{p} = {describe_value(_json_value(v))}"
                              for p, v in zip(paths, point, strict=True))
            where = f" ({problem.key})" if problem.key else ""
            key = f"design.points[{index}]" if named else "design"
            raise SpecError(path, f"point {index} ({shown}) is not a valid scenario: "
                                  f"{problem.problem}{where}", key=key) from None


# --------------------------------------------------------------------------- messages


def pydantic_spec_error(path: Path, error: Mapping) -> SpecError:
    """One pydantic error on the spec file as a :class:`SpecError` naming its key."""
    loc = tuple(error["loc"])
    while len(loc) > 1 and isinstance(loc[-2], int) and loc[-1] in ("int", "float"):
        loc = loc[:-1]  # the member of a union (``int | float``) pydantic tried last
    kind = error["type"]
    key = spec_key(loc) if loc else None
    if kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.7)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return SpecError(path, f"unknown key ({hint}allowed: {', '.join(allowed)})", key=key)
    if kind == "missing":
        return SpecError(path, "expected a value here (required)", key=key)
    if kind in ("value_error", "assertion_error"):
        return SpecError(path, str(error["msg"]).removeprefix("Value error, "), key=key)
    got = describe_value(error.get("input"))
    if loc and loc[-1] == "range" or (len(loc) > 1 and loc[-2] == "range"):
        return SpecError(path, f"expected an array of two numbers [low, high], got {got}",
                         key=spec_key(loc[:-1]) if loc[-1] != "range" else key)
    if kind == "string_pattern_mismatch":
        expected = "a name of lower-case letters, digits and '_'"
    else:
        base, metadata = _spec_node(loc)
        expected = (describe_type(base, metadata) if base is not None
                    else str(error["msg"]).lower())
        if kind in ("too_short", "too_long") and "ctx" in error:
            expected += f" (at least {error['ctx'].get('min_length', 1)})" \
                if kind == "too_short" else f" (at most {error['ctx'].get('max_length')})"
    return SpecError(path, f"expected {expected}, got {got}", key=key)


def _spec_node(loc: Sequence) -> tuple[Any, list]:
    """The type expected at ``loc`` of :class:`SpecTable`, and its constraints."""
    return schema_node(tuple(loc), root=SpecTable)


def _fields_at(loc: Sequence) -> list[str]:
    node, _ = _spec_node(loc)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def spec_key(loc: Sequence) -> str:
    """``("parameters", "policy.x", "range", 1)`` -> ``'parameters."policy.x".range[1]'``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + _quoted(str(part))
    return text


def _quoted(part: str) -> str:
    return part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else json.dumps(part)


def _dotted(loc: Sequence, *more) -> str:
    return ".".join(str(p) for p in (*loc, *more))


def _name_from_stem(path: Path) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_") or "sweep"


def spec_summary(spec: SweepSpec) -> str:
    """``"sobol design, 320 points x 2 replications = 640 runs of 10 years"``."""
    return (f"{spec.method.value} design, {spec.n_points:,} points x {spec.replications:,} "
            f"replication{'s' if spec.replications != 1 else ''} = {spec.n_runs:,} runs of "
            f"{spec.years} year{'s' if spec.years != 1 else ''}")


__all__ = [
    "OutputSummary",
    "Parameter",
    "SpecError",
    "SweepSpec",
    "load_spec",
    "spec_summary",
    "with_value",
    "with_values",
]
