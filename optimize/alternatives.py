r"""Other proposals: alternatives, ties, a 差额 shortlist, and "why not this person".

All of them re-solve the program of ``optimize.formulation`` with a few rows
added:

- **alternatives** (方案二, 方案三 ...): the best proposal that differs from
  every earlier one in at least one move, by exact no-good cuts. For an earlier
  proposal with chosen columns S,

  .. math:: \sum_{c \in S} x_c - \sum_{c \notin S} x_c \le |S| - 1

  excludes exactly that proposal and nothing else (all columns are binary).
  An alternative with zero loss is a **tie**: an equally good proposal.
- **forcing** a candidate in (onto a post, or onto any move) or out (no move):
  one row ``x_ij >= 1`` or upper bounds of 0; the loss is what the decision
  would cost and the difference in moves says who else moves.
- **shortlist** (考察对象建议名单): for each post, the holder and the K - 1
  eligible candidates who could take it at the smallest loss (each verified by
  forcing), ranked by that loss.
- **passed over**: every eligible candidate with a higher score than the
  holder of a post, with the reason: they moved elsewhere, the scoring rule
  values them lower for this post, or a rule or quota forces it (the loss of
  forcing them in).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimize.formulation import Formulation
from optimize.problem import AllocationProblem
from optimize.proposal import PassedOver, Reason, ShortlistEntry
from optimize.solve import ResultStatus, reduced_costs, solve_program

LOSS_TOL = 1e-7
PASSED_OVER_MAX = 30  # forced re-solves spent on "why not" questions per proposal


@dataclass(frozen=True)
class Program:
    """A ``LinearProgram`` (see ``optimize.solve``) built from a formulation plus rows."""

    cost: np.ndarray
    matrix: sp.csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray


@dataclass(frozen=True)
class Change:
    """How another solution differs: columns added and removed, and the objective loss."""

    feasible: bool
    objective: float
    loss: float
    added: np.ndarray  # (k,) columns chosen here and not in the base solution
    removed: np.ndarray  # (k,) columns of the base solution not chosen here
    x: np.ndarray | None = None


def chosen(x: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.asarray(x) > 0.5)


def program_with_rows(form: Formulation, rows: list[tuple[np.ndarray, np.ndarray, float, float]],
                      zero_columns: np.ndarray | None = None) -> Program:
    """``form`` plus rows ``(columns, coefficients, lower, upper)`` and some columns fixed at 0."""
    col_upper = np.array(form.col_upper, float)
    if zero_columns is not None and len(zero_columns):
        col_upper[zero_columns] = 0.0
    if not rows:
        return Program(form.cost, form.matrix, form.row_lower, form.row_upper, col_upper,
                       form.integer)
    r = np.concatenate([np.full(len(c), k) for k, (c, _, _, _) in enumerate(rows)])
    c = np.concatenate([np.asarray(c, np.int64) for c, _, _, _ in rows])
    v = np.concatenate([np.asarray(v, float) for _, v, _, _ in rows])
    extra = sp.csc_array((v, (r, c)), shape=(len(rows), form.n_cols))
    return Program(
        form.cost,
        sp.csc_array(sp.vstack([form.matrix, extra], format="csc")),
        np.concatenate([form.row_lower, [lo for _, _, lo, _ in rows]]),
        np.concatenate([form.row_upper, [up for _, _, _, up in rows]]),
        col_upper,
        form.integer,
    )


def no_good_row(form: Formulation, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The cut that excludes exactly the solution ``x`` (see the module docstring)."""
    coef = np.where(np.asarray(x) > 0.5, 1.0, -1.0)
    return np.arange(form.n_cols), coef, -np.inf, float(len(chosen(x)) - 1)


def change(form: Formulation, base_x: np.ndarray, program: Program,
           time_limit: float | None = None) -> Change:
    """Solve ``program`` and compare with ``base_x``."""
    result = solve_program(program, time_limit=time_limit)
    base_objective = float(form.cost @ base_x)
    if result.x is None or result.status is ResultStatus.INFEASIBLE:
        empty = np.zeros(0, np.int64)
        return Change(False, float("nan"), float("nan"), empty, empty)
    x = result.x
    base, new = set(chosen(base_x).tolist()), set(chosen(x).tolist())
    loss = base_objective - float(form.cost @ x)
    return Change(True, float(form.cost @ x), 0.0 if abs(loss) < LOSS_TOL else loss,
                  np.array(sorted(new - base), np.int64), np.array(sorted(base - new), np.int64),
                  x)


def alternatives(form: Formulation, x: np.ndarray, count: int,
                 time_limit: float | None = None) -> tuple[Change, ...]:
    """Up to ``count`` further proposals, each the best one differing from all earlier ones."""
    found: list[Change] = []
    cuts = [no_good_row(form, x)]
    for _ in range(count):
        alt = change(form, x, program_with_rows(form, cuts), time_limit)
        if not alt.feasible:
            break
        found.append(alt)
        cuts.append(no_good_row(form, alt.x))
    return tuple(found)


def force(form: Formulation, x: np.ndarray, candidate: int, *, post: int | None = None,
          into: bool = True, time_limit: float | None = None) -> Change:
    """The best proposal with ``candidate`` forced onto ``post`` (any move if None), or out."""
    cand = form.column_candidate()
    if into:
        cols = np.flatnonzero(cand == candidate)
        if post is not None:
            cols = cols[cols < form.n_post_cols]
            cols = cols[form.pairs.post_post[cols] == post]
        if len(cols) == 0:
            empty = np.zeros(0, np.int64)
            return Change(False, float("nan"), float("nan"), empty, empty)
        return change(form, x, program_with_rows(form, [(cols, np.ones(len(cols)), 1.0,
                                                          np.inf)]), time_limit)
    cols = np.flatnonzero(cand == candidate)
    if post is not None:
        cols = cols[cols < form.n_post_cols]
        cols = cols[form.pairs.post_post[cols] == post]
    return change(form, x, program_with_rows(form, [], zero_columns=cols), time_limit)


def post_column(form: Formulation, candidate: int, post: int) -> int:
    """The column of (candidate, post), -1 if the pair is not eligible."""
    cols = np.flatnonzero((form.pairs.post_candidate == candidate) & (form.pairs.post_post == post))
    return int(cols[0]) if len(cols) else -1


def shortlist(form: Formulation, x: np.ndarray, row_dual: np.ndarray | None, size: int,
              time_limit: float | None = None) -> tuple[ShortlistEntry, ...]:
    """For each post: the holder and the best ``size - 1`` others by the loss of forcing them.

    Candidates are screened by the LP bound on that loss (minus the reduced
    cost, a lower bound; then by value) and the ``size - 1`` best are re-solved exactly.
    """
    if size <= 0:
        return ()
    n_post = form.n_post_cols
    x_post = np.asarray(x[:n_post]) > 0.5
    bound = np.zeros(form.n_cols)
    if row_dual is not None:
        bound = np.maximum(0.0, -reduced_costs(form, row_dual))
    post, cand = form.pairs.post_post, form.pairs.post_candidate
    out = []
    for j in np.unique(post).tolist():
        cols = np.flatnonzero(post == j)
        held = cols[x_post[cols]]
        entries = [ShortlistEntry(j, int(cand[c]), int(c), float(form.cost[c]), 0.0, True)
                   for c in held]
        others = cols[~x_post[cols]]
        others = others[np.lexsort((cand[others], -form.cost[others], bound[others]))]
        for c in others[: size - len(entries)]:
            forced = change(form, x, program_with_rows(form, [(np.array([c]), np.ones(1), 1.0,
                                                                np.inf)]), time_limit)
            if forced.feasible:
                entries.append(ShortlistEntry(j, int(cand[c]), int(c), float(form.cost[c]),
                                              forced.loss, False))
        entries.sort(key=lambda e: (not e.holder, e.loss, -e.value, e.candidate))
        out += entries[:size]
    return tuple(out)


def passed_over(problem: AllocationProblem, form: Formulation, x: np.ndarray,
                binding: tuple[int, ...], time_limit: float | None = None,
                limit: int = PASSED_OVER_MAX) -> tuple[PassedOver, ...]:
    """Every eligible candidate scoring higher than a post's holder, with the reason.

    At most ``limit`` forced re-solves are spent (the highest scores first);
    beyond that the reason is ``RULE`` without a loss.
    """
    n_post = form.n_post_cols
    score = problem.candidates.score
    post, cand = form.pairs.post_post, form.pairs.post_candidate
    col_of_move = np.full(problem.n_candidates, -1)
    picked = chosen(x)
    col_of_move[form.column_candidate()[picked]] = picked
    out = []
    solves = 0
    for h_col in picked[picked < n_post].tolist():
        j, h = int(post[h_col]), int(cand[h_col])
        cols = np.flatnonzero((post == j) & (score[cand] > score[h]))
        cols = cols[np.lexsort((cand[cols], -score[cand[cols]]))]
        for c in cols.tolist():
            i = int(cand[c])
            common = dict(post=j, candidate=i, holder=h, value=float(form.cost[c]),
                          holder_value=float(form.cost[h_col]))
            if col_of_move[i] >= 0:
                out.append(PassedOver(reason=Reason.MOVED_ELSEWHERE,
                                      other_column=int(col_of_move[i]), **common))
            elif form.cost[c] < form.cost[h_col] - LOSS_TOL:
                out.append(PassedOver(reason=Reason.LOWER_VALUE, **common))
            else:
                loss = float("nan")
                if solves < limit:
                    solves += 1
                    forced = change(form, x, program_with_rows(
                        form, [(np.array([c]), np.ones(1), 1.0, np.inf)]), time_limit)
                    loss = forced.loss if forced.feasible else float("inf")
                out.append(PassedOver(reason=Reason.RULE, loss=loss, binding=binding, **common))
    return tuple(out)


def moves_of(form: Formulation, cols: np.ndarray) -> list[tuple[int, bool, int]]:
    """``(candidate, is_post, target)`` of each column (post index or pool-rank row)."""
    n_post = form.n_post_cols
    cand = form.column_candidate()
    out = []
    for c in np.asarray(cols, np.int64).tolist():
        if c < n_post:
            out.append((int(cand[c]), True, int(form.pairs.post_post[c])))
        else:
            out.append((int(cand[c]), False, int(form.pairs.rank_pool[c - n_post])))
    return out


def without_x(change_: Change) -> Change:
    """The change without its solution vector (for storing in a frozen proposal)."""
    return dataclasses.replace(change_, x=None)
