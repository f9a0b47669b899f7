"""What the optimiser returns: an allocation proposal with its reasons.

Plain frozen data; candidates, posts and pool-rank rows are referred to by their
index in the ``AllocationProblem`` (the writer maps them to ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class SolveStatus(StrEnum):
    """How the proposal was reached.

    OPTIMAL     proven optimal for the rules as stated.
    RELAXED     the rules as stated are infeasible; this is the closest feasible
                proposal (fewest violations, then best objective); see ``relaxations``.
    TIME_LIMIT  the solver stopped at its time limit with a feasible proposal; see ``gap``.
    """

    OPTIMAL = "optimal"
    RELAXED = "relaxed"
    TIME_LIMIT = "time_limit"


class MoveKind(StrEnum):
    POST = "post"  # a leadership post (职务)
    RANK = "rank"  # a rank slot (职级), one rank up in the candidate's pool


class Backend(StrEnum):
    """Which builder/solver path: both state the same program and reach the same optimum."""

    FAST = "fast"  # sparse matrix built with numpy/scipy, HiGHS in-process (highspy)
    PULP = "pulp"  # named pulp model solved by pulp.HiGHS; exportable to .lp/.mps


@dataclass(frozen=True)
class Moves:
    """The chosen moves, one entry each (arrays ``(n_moves,)``), posts first.

    ``value = fit * weight * score * frontline_factor * hardship_factor`` is the
    move's term in the objective; ``target`` is a post index for post moves and a
    pool-rank row index for rank moves.
    """

    candidate: np.ndarray
    kind: tuple[MoveKind, ...]
    target: np.ndarray
    value: np.ndarray
    score: np.ndarray
    frontline_factor: np.ndarray
    hardship_factor: np.ndarray
    weight: np.ndarray
    fit: np.ndarray

    def __len__(self) -> int:
        return len(self.candidate)

    @property
    def is_post(self) -> np.ndarray:
        return np.array([k is MoveKind.POST for k in self.kind], bool)


@dataclass(frozen=True)
class Price:
    """Marginal value of a quota or rule, from the dual of the LP relaxation.

    ``dual`` is the change in the optimal objective per unit of the row's
    right-hand side (one more slot, one more holder, one more leaver allowed).
    For share rules, ``per_point`` converts it to one percentage point of the target.
    """

    family: str
    entity: int
    name: str
    dual: float
    binding: bool
    per_point: float | None = None
    text: str = ""
    next_candidate: int = -1  # pool quotas: the best waiting candidate one more slot would take
    next_value: float = float("nan")  # ... and the value of that promotion


@dataclass(frozen=True)
class Relaxation:
    """A rule the proposal could not meet, and by how much."""

    rule: str
    entity: int
    shortfall: float
    text: str


@dataclass(frozen=True)
class PostOutcome:
    """Who got a post, who came next and by how much (values are objective terms)."""

    post: int
    holder: int  # -1 = left vacant
    holder_value: float
    runner_up: int  # -1 = nobody else eligible
    runner_up_value: float
    margin: float
    note: str


@dataclass(frozen=True)
class LeftOut:
    """A strong candidate who got no move, and why."""

    candidate: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ShareOutcome:
    """A composition rule: achieved share against its target."""

    rule: str
    achieved: float
    target: float
    count: int
    of: int


@dataclass(frozen=True)
class Explanation:
    posts: tuple[PostOutcome, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    shares: tuple[ShareOutcome, ...] = ()


@dataclass(frozen=True)
class ShortlistEntry:
    """One candidate on the shortlist of a post (``loss`` 0 for the holder)."""

    post: int
    candidate: int
    column: int
    value: float
    loss: float
    holder: bool


class Reason:
    """Why a higher-scoring eligible candidate did not get a post."""

    MOVED_ELSEWHERE = "moved_elsewhere"  # got another move (column ``other_column``)
    LOWER_VALUE = "lower_value"  # the scoring rule values them lower for this post
    RULE = "rule"  # a rule or quota forces it: ``loss`` is the cost of forcing them in


@dataclass(frozen=True)
class PassedOver:
    """A candidate passed over for post ``post`` held by ``holder``."""

    post: int
    candidate: int
    holder: int
    reason: str
    value: float  # the candidate's value on this post
    holder_value: float
    other_column: int = -1
    loss: float = float("nan")
    binding: tuple[str, ...] = ()  # row families whose rules bind in the LP


@dataclass(frozen=True)
class MoveRef:
    """A move by indices: ``target`` is a post index or a pool-rank row index."""

    candidate: int
    kind: MoveKind
    target: int


@dataclass(frozen=True)
class Alternative:
    """Another proposal (方案二, 方案三 ...): its value, its loss, and its differences.

    ``loss = objective of the proposal - objective of this one`` (>= 0); a
    zero loss is a tie. ``added`` are moves made here and not in the proposal,
    ``removed`` the proposal's moves not made here.
    """

    objective: float
    loss: float
    added: tuple[MoveRef, ...]
    removed: tuple[MoveRef, ...]

    @property
    def is_tie(self) -> bool:
        return self.loss <= 1e-7 * max(1.0, abs(self.objective))


@dataclass(frozen=True)
class Proposal:
    """The allocation proposal for one problem.

    ``objective`` is the proposal's value; ``bound`` the best proven upper bound
    (equal to ``objective`` when optimal); ``gap = (bound - objective) / max(1, |objective|)``.
    """

    status: SolveStatus
    moves: Moves
    objective: float
    bound: float
    gap: float
    solve_seconds: float
    backend: Backend
    method: str  # "lp-integral", "count-branch" (no MIP), "mip", "matching", "lagrangian", ...
    n_variables: int
    n_constraints: int
    prices: tuple[Price, ...] = ()
    relaxations: tuple[Relaxation, ...] = ()
    explanation: Explanation = field(default_factory=Explanation)
    alternatives: tuple[Alternative, ...] = ()
    shortlist: tuple[ShortlistEntry, ...] = ()
    passed_over: tuple[PassedOver, ...] = ()
    binding: tuple[str, ...] = ()  # names of the RowFamily values whose rules bind (LP duals)
    pruned_pairs: int = 0  # eligible pairs left out before the build (optimize.presolve)
