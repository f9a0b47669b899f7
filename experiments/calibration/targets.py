"""The targets file: counts from the seed articles and the free parameters fitted to them.

::

    scenario = "zhangdian"          # the scenario the targets belong to (bundled name or file)
    seeds = 16                      # replications whose mean is compared with each target

    [[parameter]]
    path = "policy.demotion.bottom_share"   # dotted path into the scenario
    min = 0.0
    max = 0.2

    [[target]]
    name = "performance_removals"          # a reporter of sim.metrics (a column of series.csv)
    article = "003_a65b12f7cd87895d.txt"   # the seed article (docs/seeds/)
    quote = "免职5人"                       # verbatim from the article
    value = 5.0                            # the article's number
    scale = 0.24                           # article -> scenario
    per = "year"                           # how the number is spread over time
    tolerance = 0.25                       # relative, at most 0.25

The model value of a target is the mean over seeds of the reporter's per-year
mean over the scenario's years; it is met when within ``tolerance`` of
``value * scale``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from experiments.common.errors import InputError

MAX_TOLERANCE = 0.25


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Parameter(_Entry):
    """A free parameter: a dotted path into the scenario and its range."""

    path: str = Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)+$")
    min: float
    max: float
    note: str = ""

    @model_validator(mode="after")
    def check_range(self) -> Parameter:
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self


class Target(_Entry):
    """One count from an article, scaled to the scenario."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    article: str = Field(pattern=r"^[0-9]{3}_[0-9a-f]{16}\.txt$")
    quote: str = Field(min_length=2)
    value: float = Field(gt=0)
    scale: float = Field(gt=0)
    per: str = Field(min_length=1)
    tolerance: float = Field(gt=0, le=MAX_TOLERANCE)

    @property
    def goal(self) -> float:
        """``value * scale``: what the model's mean should be."""
        return self.value * self.scale


class TargetSet(_Entry):
    """A targets file."""

    scenario: str = Field(min_length=1)
    seeds: int = Field(16, ge=2, le=10_000)
    parameter: list[Parameter] = Field(default_factory=list)
    target: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def check_unique(self) -> TargetSet:
        paths = [p.path for p in self.parameter]
        if len(set(paths)) != len(paths):
            raise ValueError("a parameter path appears twice")
        names = [t.name for t in self.target]
        if len(set(names)) != len(names):
            raise ValueError("a target name appears twice")
        return self

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.target]


def read_targets(path: Path, reporters: set[str] | None = None) -> TargetSet:
    """Read and validate a targets file.

    Parameters
    ----------
    path : Path
    reporters : set of str, optional
        Known reporter names; every target's ``name`` must be one.

    Raises
    ------
    InputError
        Unreadable file, bad TOML, a key that does not validate (named), or a
        target naming no reporter.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(path, "a readable targets file", reason=f"cannot read: "
                         f"{error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(path, "TOML", reason=f"not valid TOML: {error}") from None
    try:
        targets = TargetSet.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or None
        raise InputError(path, "a targets file", key=key,
                         reason=first["msg"].removeprefix("Value error, ")) from None
    if reporters is not None:
        for i, target in enumerate(targets.target):
            if target.name not in reporters:
                raise InputError(path, "a reporter name", key=f"target.{i}.name",
                                 got=repr(target.name))
    return targets
