"""The regulations' data beyond the core arrays: attributes, conflicts, locks, teams.

Everything here is optional (empty arrays mean "not given") and plain: the
reader of the input files builds it once; the eligibility filter and the row
families of ``optimize.formulation`` read it.

- ``attributes``: extra candidate columns (性别, 民族, 政治面貌 ...) used by the
  composition and team targets, ``{name: (n_candidates,) str}``.
- ``birthplace`` (成长地) against posts' ``county`` and ``principal`` flag:
  地域回避, no 正职 post in one's own county.
- ``terms_in_post`` / ``years_at_level``: 任期, no post in the same unit after
  the limits of ``rules.eligibility``.
- ``excellent_years``: 优秀 years, credited toward the minimum-years rules.
- ``conflicts``: 任职回避 pairs (``ConflictKind``).
- ``locks``: decisions already taken (this person to this post; that person not).
- ``team_*``: current members of each unit's leadership team, with attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class ConflictKind(StrEnum):
    """A 任职回避 relation between two cadres.

    ``SAME_UNIT``: neither may be appointed to a post in the unit where the
    other will be after the moves. ``SUPERVISE``: neither may be appointed to a
    post in the other's current unit.
    """

    SAME_UNIT = "same_unit"
    SUPERVISE = "supervise"


class LockKind(StrEnum):
    """A decision already taken: the move must happen, or must not."""

    MUST = "must"
    FORBID = "forbid"


def _ints(n: int = 0) -> np.ndarray:
    return np.zeros(n, np.int64)


@dataclass(frozen=True)
class Conflicts:
    """Pairs under a 任职回避 rule (arrays ``(n_pairs,)``).

    ``a`` is a candidate index; ``b`` a candidate index, or -1 when the other
    cadre is not a candidate (an incumbent), whose unit is then ``b_unit``.
    """

    a: np.ndarray = field(default_factory=_ints)
    b: np.ndarray = field(default_factory=_ints)
    b_unit: np.ndarray = field(default_factory=_ints)
    kind: tuple[ConflictKind, ...] = ()

    def __len__(self) -> int:
        return len(self.a)


@dataclass(frozen=True)
class Locks:
    """Decisions already taken (arrays ``(n_locks,)``).

    ``post`` is a post index or -1; ``pool`` a pool code or -1 (a rank
    promotion in that pool); both -1 means any move at all.
    """

    candidate: np.ndarray = field(default_factory=_ints)
    post: np.ndarray = field(default_factory=_ints)
    pool: np.ndarray = field(default_factory=_ints)
    kind: tuple[LockKind, ...] = ()

    def __len__(self) -> int:
        return len(self.candidate)


@dataclass(frozen=True)
class Regulations:
    """Optional data of the regulations' rules; every part may be empty."""

    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    birthplace: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    post_county: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    post_principal: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    terms_in_post: np.ndarray = field(default_factory=_ints)
    years_at_level: np.ndarray = field(default_factory=lambda: np.zeros(0))
    excellent_years: np.ndarray = field(default_factory=lambda: np.zeros(0))
    conflicts: Conflicts = field(default_factory=Conflicts)
    locks: Locks = field(default_factory=Locks)
    team_unit: np.ndarray = field(default_factory=_ints)
    team_attributes: dict[str, np.ndarray] = field(default_factory=dict)

    def attribute(self, name: str, n: int) -> np.ndarray:
        """``(n,) str``: a candidate attribute column ("" for everyone when absent)."""
        values = self.attributes.get(name)
        return np.full(n, "", object) if values is None else values

    def team_count(self, name: str, value: str, n_units: int) -> np.ndarray:
        """``(n_units,) int``: current team members of each unit with ``name == value``."""
        values = self.team_attributes.get(name)
        if values is None or len(self.team_unit) == 0:
            return np.zeros(n_units, np.int64)
        return np.bincount(self.team_unit[values == value], minlength=n_units)


def check_regulations(reg: Regulations, n_candidates: int, n_posts: int) -> str | None:
    """The first inconsistency of ``reg`` against the problem's sizes, in words, or None."""
    per_candidate = {
        "birthplace": reg.birthplace, "terms_in_post": reg.terms_in_post,
        "years_at_level": reg.years_at_level, "excellent_years": reg.excellent_years,
        **{f"attributes[{k}]": v for k, v in reg.attributes.items()},
    }
    for name, values in per_candidate.items():
        if len(values) not in (0, n_candidates):
            return f"regulations.{name} has {len(values)} rows, expected {n_candidates}"
    for name, values in (("post_county", reg.post_county),
                         ("post_principal", reg.post_principal)):
        if len(values) not in (0, n_posts):
            return f"regulations.{name} has {len(values)} rows, expected {n_posts}"
    c, lk = reg.conflicts, reg.locks
    if not (len(c.a) == len(c.b) == len(c.b_unit) == len(c.kind)):
        return "regulations.conflicts arrays differ in length"
    if not (len(lk.candidate) == len(lk.post) == len(lk.pool) == len(lk.kind)):
        return "regulations.locks arrays differ in length"
    if len(c) and (c.a.min() < 0 or c.a.max() >= n_candidates or c.b.max() >= n_candidates):
        return "regulations.conflicts refers to a candidate out of range"
    if len(lk) and (lk.candidate.min() < 0 or lk.candidate.max() >= n_candidates
                    or lk.post.max() >= n_posts):
        return "regulations.locks refers to a candidate or post out of range"
    for name, values in reg.team_attributes.items():
        if len(values) != len(reg.team_unit):
            return f"regulations.team_attributes[{name}] differs in length from team_unit"
    if len(reg.years_at_level) and np.any(reg.years_at_level < 0):
        return "regulations.years_at_level must be >= 0"
    if len(reg.excellent_years) and np.any(reg.excellent_years < 0):
        return "regulations.excellent_years must be >= 0"
    return None
