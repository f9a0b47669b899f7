"""Who may take which move: the eligible (candidate, post) and (candidate, pool-rank) pairs.

Variables of the integer program exist only for these pairs, so the program is
as sparse as the rules make it. The same rules, one at a time, explain why a
candidate was not eligible (``post_rule_failures``, ``rank_rule_failures``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimize.problem import AllocationProblem
from optimize.rules import Mobility


@dataclass(frozen=True)
class EligiblePairs:
    """Sparse eligibility, sorted by candidate then target.

    Attributes
    ----------
    post_candidate, post_post : (n_post_pairs,) int
        Candidate i may take post j.
    rank_candidate, rank_pool : (n_rank_pairs,) int
        Candidate i may be promoted one rank in pool-rank row k of ``problem.pools``.
    relieved : (n_candidates,) bool
        Candidates whose minimum years were relieved (竞岗 top performers).
    """

    post_candidate: np.ndarray
    post_post: np.ndarray
    rank_candidate: np.ndarray
    rank_pool: np.ndarray
    relieved: np.ndarray

    @property
    def n_post_pairs(self) -> int:
        return len(self.post_candidate)

    @property
    def n_rank_pairs(self) -> int:
        return len(self.rank_candidate)


def relieved_candidates(problem: AllocationProblem) -> np.ndarray:
    """``(n,) bool``: the first ceil(relief_top_share * n) candidates by score, ties by id."""
    rules, c = problem.rules.eligibility, problem.candidates
    n = len(c)
    n_relieved = math.ceil(rules.relief_top_share * n - 1e-9)
    out = np.zeros(n, bool)
    if rules.min_years_relief <= 0 or n_relieved <= 0:
        return out
    order = np.lexsort((c.id.astype(str), -c.score))
    out[order[:n_relieved]] = True
    return out


def effective_years(problem: AllocationProblem, relieved: np.ndarray) -> np.ndarray:
    """``(n,) float``: years in grade plus relief plus the 优秀 bonus.

    years + relief (relieved candidates) + excellent_bonus_years * excellent_years
    (并行规定 第十九条: each 优秀 year counts half a year extra when the bonus is 0.5).
    """
    rules = problem.rules.eligibility
    return (problem.candidates.years_in_grade + np.where(relieved, rules.min_years_relief, 0.0)
            + excellent_bonus(problem))


def excellent_bonus(problem: AllocationProblem) -> np.ndarray:
    """``(n,) float``: years credited for 优秀 years (0 when the column is not given)."""
    years = problem.regulations.excellent_years
    if len(years) == 0:
        return np.zeros(problem.n_candidates)
    return problem.rules.eligibility.excellent_bonus_years * years


def regulation_bars(problem: AllocationProblem, cand: np.ndarray, post: np.ndarray
                    ) -> dict[str, np.ndarray]:
    """For pairs ``(cand, post)``: which regulation bars each, ``{rule: (k,) bool}``.

    - ``birthplace`` (地域回避): a principal (正职) post in the candidate's 成长地 county;
    - ``tenure`` (任期): a post in the candidate's own unit after ``max_terms_in_post``
      consecutive terms in a post or ``max_years_at_level`` years at one level.
    """
    reg, rules = problem.regulations, problem.rules.eligibility
    out = {}
    if len(reg.birthplace) and len(reg.post_county) and len(reg.post_principal):
        home = reg.birthplace[cand]
        out["birthplace"] = (reg.post_principal[post] & (home != "")
                             & (reg.post_county[post] == home))
    long_served = np.zeros(problem.n_candidates, bool)
    if len(reg.terms_in_post):
        long_served |= reg.terms_in_post >= rules.max_terms_in_post
    if len(reg.years_at_level):
        long_served |= reg.years_at_level >= rules.max_years_at_level - 1e-9
    if long_served.any():
        out["tenure"] = long_served[cand] & (
            problem.candidates.unit[cand] == problem.posts.unit[post])
    return out


def rank_target_rows(problem: AllocationProblem) -> np.ndarray:
    """``(n,) int``: each candidate's pool-rank row (its pool, rank + 1), or -1 if none."""
    c, q = problem.candidates, problem.pools
    stride = int(max(q.rank.max(initial=0), c.rank.max(initial=0))) + 2
    keys = q.pool * stride + q.rank
    order = np.argsort(keys)
    wanted = c.pool * stride + c.rank + 1
    at = np.minimum(np.searchsorted(keys[order], wanted), max(len(keys) - 1, 0))
    if len(keys) == 0:
        return np.full(len(c), -1)
    found = keys[order][at] == wanted
    return np.where(found, order[at], -1)


def eligible_pairs(problem: AllocationProblem, *, candidates: np.ndarray | None = None,
                   posts: np.ndarray | None = None) -> EligiblePairs:
    """All eligible pairs under ``problem.rules`` (vectorised over groups of identical posts).

    ``candidates`` ``(n_candidates,) bool`` and ``posts`` ``(n_posts,) bool`` keep only the
    pairs of those candidates and posts (rank pairs: those candidates), as if the others
    were filtered out afterwards: relief (竞岗) still ranks every candidate.
    """
    relieved = relieved_candidates(problem)
    years = effective_years(problem, relieved)
    post_cand, post_post = _post_pairs(problem, years, candidates, posts)
    rank_cand, rank_pool = _rank_pairs(problem, years)
    if candidates is not None:
        keep = np.asarray(candidates, bool)[rank_cand]
        rank_cand, rank_pool = rank_cand[keep], rank_pool[keep]
    return EligiblePairs(post_cand, post_post, rank_cand, rank_pool, relieved)


def _post_pairs(problem: AllocationProblem, years: np.ndarray, only_candidates: np.ndarray | None,
                only_posts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    c, p, rules = problem.candidates, problem.posts, problem.rules
    within_unit = rules.eligibility.mobility is Mobility.WITHIN_UNIT
    open_to_posts = (~c.blocked) & (c.age <= rules.eligibility.max_age)
    if only_candidates is not None:
        open_to_posts &= np.asarray(only_candidates, bool)
    # Posts that share (level, min_rank[, unit]) have the same eligible candidates.
    unit_key = p.unit if within_unit else np.zeros(len(p), np.int64)
    group_keys = np.stack([p.level, p.min_rank, unit_key], axis=1)
    if len(p) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    groups, group_of_post = np.unique(group_keys, axis=0, return_inverse=True)
    group_of_post = group_of_post.ravel()
    posts_by_group = np.argsort(group_of_post, kind="stable")
    bounds = np.searchsorted(group_of_post[posts_by_group], np.arange(len(groups) + 1))
    by_unit = np.argsort(c.unit, kind="stable")
    unit_bounds = np.searchsorted(c.unit[by_unit], np.arange(len(problem.unit_names) + 1))
    cand_parts, post_parts = [], []
    for g, (level, min_rank, unit) in enumerate(groups):
        members = by_unit[unit_bounds[unit] : unit_bounds[unit + 1]] if within_unit else None
        idx = np.arange(len(c)) if members is None else members
        ok = (
            open_to_posts[idx]
            & (c.rank[idx] >= min_rank)
            & (c.post_level[idx] < level)
            & (years[idx] >= rules.min_years_post_for(int(level)) - 1e-9)
        )
        cands = idx[ok]
        posts = posts_by_group[bounds[g] : bounds[g + 1]]
        if only_posts is not None:
            posts = posts[np.asarray(only_posts, bool)[posts]]
        if len(cands) and len(posts):
            cand_parts.append(np.repeat(cands, len(posts)))
            post_parts.append(np.tile(posts, len(cands)))
    if not cand_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cand = np.concatenate(cand_parts)
    post = np.concatenate(post_parts)
    barred = np.zeros(len(cand), bool)
    for mask in regulation_bars(problem, cand, post).values():
        barred |= mask
    cand, post = cand[~barred], post[~barred]
    order = np.lexsort((post, cand))
    return cand[order], post[order]


def _rank_pairs(problem: AllocationProblem, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c, q = problem.candidates, problem.pools
    row = rank_target_rows(problem)
    has_row = row >= 0
    min_years = np.array([problem.rules.min_years_rank_for(int(r)) for r in q.rank], dtype=float)
    needed = np.where(has_row, min_years[np.maximum(row, 0)] if len(q) else 0.0, np.inf)
    ok = has_row & (~c.blocked) & (years >= needed - 1e-9)
    cand = np.flatnonzero(ok)
    return cand, row[cand]


def post_rule_failure_counts(
    problem: AllocationProblem, i: int, relieved: np.ndarray
) -> dict[str, int]:
    """For candidate ``i``: each failed post rule, in words, with the number of posts it bars."""
    c, p, rules = problem.candidates, problem.posts, problem.rules
    years = _candidate_years(problem, i, relieved)
    needed = np.array([rules.min_years_post_for(int(level)) for level in p.level])
    masks = {
        f"rank {c.rank[i]} below the posts' minimum rank": c.rank[i] < p.min_rank,
        f"already holds a level-{c.post_level[i]} post": c.post_level[i] >= p.level,
        f"years in grade {_years_text(problem, i, relieved)} below the minimum for the level": years
        < needed - 1e-9,
        "under a disciplinary impact period": np.full(len(p), bool(c.blocked[i])),
        f"age {c.age[i]} above the age limit {rules.eligibility.max_age}": np.full(
            len(p), c.age[i] > rules.eligibility.max_age
        ),
    }
    if rules.eligibility.mobility is Mobility.WITHIN_UNIT:
        masks["post in another unit (mobility within_unit)"] = p.unit != c.unit[i]
    bars = regulation_bars(problem, np.full(len(p), i), np.arange(len(p)))
    for rule, mask in bars.items():
        masks[REGULATION_TEXT[rule]] = mask
    return {text: int(mask.sum()) for text, mask in masks.items() if mask.any()}


REGULATION_TEXT = {
    "birthplace": "principal post in the candidate's home county (地域回避)",
    "tenure": "post in the own unit after the term or years-at-level limit (任期)",
}


def post_rule_failures(
    problem: AllocationProblem, i: int, j: int, relieved: np.ndarray
) -> list[str]:
    """The rules that keep candidate ``i`` from post ``j``, in words (empty if eligible)."""
    c, p, rules = problem.candidates, problem.posts, problem.rules
    needed = rules.min_years_post_for(int(p.level[j]))
    out = []
    if c.rank[i] < p.min_rank[j]:
        out.append(f"rank {c.rank[i]} < minimum rank {p.min_rank[j]}")
    if c.post_level[i] >= p.level[j]:
        out.append(f"already holds a level-{c.post_level[i]} post (post is level {p.level[j]})")
    if _candidate_years(problem, i, relieved) < needed - 1e-9:
        out.append(f"years in grade {_years_text(problem, i, relieved)} < {needed:g} required")
    if c.blocked[i]:
        out.append("under a disciplinary impact period")
    if c.age[i] > rules.eligibility.max_age:
        out.append(f"age {c.age[i]} > age limit {rules.eligibility.max_age}")
    if rules.eligibility.mobility is Mobility.WITHIN_UNIT and c.unit[i] != p.unit[j]:
        out.append("post is in another unit (mobility within_unit)")
    bars = regulation_bars(problem, np.array([i]), np.array([j]))
    out += [REGULATION_TEXT[rule] for rule, mask in bars.items() if mask[0]]
    return out


def rank_rule_failures(problem: AllocationProblem, i: int, relieved: np.ndarray) -> list[str]:
    """The rules that keep candidate ``i`` from a rank promotion, in words."""
    c = problem.candidates
    row = int(rank_target_rows(problem)[i])
    if row < 0:
        pool = problem.pool_names[c.pool[i]]
        return [f"pool {pool} has no slot row for rank {c.rank[i] + 1}"]
    out = []
    needed = problem.rules.min_years_rank_for(int(c.rank[i]) + 1)
    if _candidate_years(problem, i, relieved) < needed - 1e-9:
        out.append(f"years in grade {_years_text(problem, i, relieved)} < {needed:g} required")
    if c.blocked[i]:
        out.append("under a disciplinary impact period")
    return out


def _candidate_years(problem: AllocationProblem, i: int, relieved: np.ndarray) -> float:
    relief = problem.rules.eligibility.min_years_relief if relieved[i] else 0.0
    return float(problem.candidates.years_in_grade[i]) + relief + float(excellent_bonus(problem)[i])


def _years_text(problem: AllocationProblem, i: int, relieved: np.ndarray) -> str:
    actual = float(problem.candidates.years_in_grade[i])
    if relieved[i]:
        return f"{actual:g} (+{problem.rules.eligibility.min_years_relief:g} relief)"
    return f"{actual:g}"
