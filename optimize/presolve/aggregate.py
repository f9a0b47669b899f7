r"""Interchangeable posts as one target: an exact reformulation of the yearly program.

Under unified mobility the simulation's yearly program has a column for every
eligible cadre and every open post: at 100,000 cadres, 96,000 candidates x 1,646
posts = 44 million pairs, although the posts come in three kinds (副科, 正科, 副处:
one level, minimum rank and weight each). Two posts that every rule treats alike
are interchangeable: swapping their holders changes no row and no value. So the
posts of a *class* (equal in everything the program reads about a post) become
one target with capacity = the class's size, like a pool-rank's headroom, and
each candidate has one column per class instead of one per post.

What the program reads about a post, and so the class key:

- level, minimum rank and weight (eligibility, composition levels, the value);
- the unit, when a rule reads it: mobility within units, the outflow limit,
  team rules, 任职回避 conflicts, the tenure bar (a post in the candidate's
  own unit);
- everything else makes a post a class of its own: must-fill (its row has a
  lower bound), a fit entry (its value depends on the pair), a lock naming it;
  and when the regulations give posts a county or principal flag (the
  birthplace bar), nothing is aggregated.

Exactness. Every proposal of the whole program gives one of the aggregated
program (count each class's appointees) with the same rows and value, and
every proposal of the aggregated program gives one of the whole program
(:meth:`Aggregation.disaggregate` hands each class's appointees its posts),
again with the same rows and value, since nothing the rows or the value read
differs between the posts of a class. The two optima are equal, and one is
infeasible exactly when the other is.

Which post of a class each appointee takes is not decided by the program (all
ways are optimal, as are the solver's tie-breaks on the whole program). It is
drawn at random with a seed computed from the class's posts and appointees
(CRC-32 of their ids), so the same inputs give the same answer in every
process, and no order of the inputs (the unit order of the posts, say) favours
anyone. Only the optimum is exact: prices, alternatives and explanations read
per-post columns, so ``optimize.allocate(aggregate=True)`` requires
``explain=False`` and none of them.
"""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np

from optimize.formulation import Formulation, RowFamily
from optimize.problem import AllocationProblem, Posts
from optimize.proposal import MoveKind, Moves
from optimize.rules import Mobility


@dataclasses.dataclass(frozen=True)
class Aggregation:
    """The program over post classes.

    Attributes
    ----------
    problem : AllocationProblem
        The problem with one representative post per class (the class's first post).
    post_class : (n_posts,) int
        Class of each post of the original problem.
    size : (n_classes,) int
        Posts per class: the capacity of the class's row.
    """

    problem: AllocationProblem
    post_class: np.ndarray
    size: np.ndarray

    @property
    def n_classes(self) -> int:
        return len(self.size)

    def disaggregate(self, moves: Moves, original: AllocationProblem) -> Moves:
        """``moves`` with each post move's target a post of its class (see the module)."""
        is_post = np.array([k is MoveKind.POST for k in moves.kind], bool)
        target = moves.target.copy()
        posts_of = np.argsort(self.post_class, kind="stable")
        starts = np.searchsorted(self.post_class[posts_of], np.arange(self.n_classes + 1))
        for k in np.unique(moves.target[is_post]).tolist():
            at = np.flatnonzero(is_post & (moves.target == k))
            posts = posts_of[starts[k]:starts[k + 1]]
            seed = zlib.crc32("\x1f".join(
                [*original.posts.id[posts].astype(str),
                 *original.candidates.id[moves.candidate[at]].astype(str)]).encode())
            target[at] = np.random.default_rng(seed).permutation(posts)[:len(at)]
        return dataclasses.replace(moves, target=target)


def unit_matters(problem: AllocationProblem) -> bool:
    """Whether any rule reads the unit of a post."""
    rules, reg = problem.rules, problem.regulations
    return (rules.eligibility.mobility is Mobility.WITHIN_UNIT
            or rules.limits.max_outflow_per_unit >= 0
            or bool(rules.team)
            or len(reg.conflicts.a) > 0
            or len(reg.terms_in_post) > 0 or len(reg.years_at_level) > 0)


def post_classes(problem: AllocationProblem) -> np.ndarray | None:
    """``(n_posts,) int``: class of each post (dense codes, in order of first post), or
    ``None`` when posts cannot be aggregated here (the regulations' county flags)."""
    reg, posts = problem.regulations, problem.posts
    if len(reg.post_county) or len(reg.post_principal):
        return None
    n = len(posts)
    alone = posts.must_fill.copy()
    alone[problem.fit.post] = True
    alone[reg.locks.post[reg.locks.post >= 0]] = True
    columns = [posts.level.astype(float), posts.min_rank.astype(float), posts.weight,
               np.where(alone, np.arange(n), -1).astype(float)]
    if unit_matters(problem):
        columns.append(posts.unit.astype(float))
    _, first, code = np.unique(np.stack(columns, axis=1), axis=0, return_index=True,
                               return_inverse=True)
    code = code.reshape(-1)
    order = np.argsort(first, kind="stable")  # classes numbered in order of their first post
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[code]


def aggregate_posts(problem: AllocationProblem) -> Aggregation | None:
    """The problem over post classes, or ``None`` when no two posts aggregate."""
    post_class = post_classes(problem)
    if post_class is None or len(post_class) == 0 or post_class.max() + 1 == len(post_class):
        return None
    size = np.bincount(post_class)
    first = np.searchsorted(post_class[np.argsort(post_class, kind="stable")],
                            np.arange(len(size)))
    representative = np.argsort(post_class, kind="stable")[first]
    p = problem.posts
    posts = Posts(id=p.id[representative], unit=p.unit[representative],
                  level=p.level[representative], min_rank=p.min_rank[representative],
                  weight=p.weight[representative], must_fill=p.must_fill[representative])
    fit = problem.fit
    if len(fit.post):
        new_index = np.full(len(p), -1)
        new_index[representative] = np.arange(len(size))
        fit = dataclasses.replace(fit, post=new_index[fit.post])
    reg = problem.regulations
    if len(reg.locks.post):
        new_index = np.full(len(p), -1)
        new_index[representative] = np.arange(len(size))
        locks = dataclasses.replace(reg.locks, post=np.where(
            reg.locks.post >= 0, new_index[np.maximum(reg.locks.post, 0)], -1))
        reg = dataclasses.replace(reg, locks=locks)
    return Aggregation(dataclasses.replace(problem, posts=posts, fit=fit, regulations=reg),
                       post_class, size)


def with_class_capacity(form: Formulation, size: np.ndarray) -> Formulation:
    """``form`` (built over the classes) with each class's row allowing ``size`` holders."""
    rows = form.rows_of(RowFamily.POST)
    upper = form.row_upper.copy()
    upper[rows] = size[form.row_entity[rows]]
    return dataclasses.replace(form, row_upper=upper)
