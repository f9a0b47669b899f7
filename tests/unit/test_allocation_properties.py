"""Properties of ``optimize.allocate`` on small random problems, on both backends.

Every rule is checked here again from the raw columns and ``problem.rules``,
with plain per-pair Python loops and nothing from ``optimize.eligibility`` or
``optimize.formulation``, so that a bug there shows up as a broken rule or as an
optimum that differs from brute force.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings

from optimize import AllocationProblem, Backend, Mobility, MoveKind, Proposal, SolveStatus, allocate
from tests.strategies import allocation_problems, rules

Move = tuple[int, MoveKind, int]  # (candidate, kind, post index or pool-rank row)

YEARS_TOL = 1e-9  # the documented tolerance on minimum years
SHARE_TOL = 1e-9
OBJECTIVE_RTOL = 1e-6

properties = settings(max_examples=120, deadline=None, derandomize=True)
backends = pytest.mark.parametrize("backend", [Backend.FAST, Backend.PULP])


# --- the rules, stated plainly -------------------------------------------------------------


def relieved(problem: AllocationProblem) -> set[int]:
    """The top ceil(relief_top_share * n) candidates by score (ties by id), if relief > 0."""
    e, c = problem.rules.eligibility, problem.candidates
    if e.min_years_relief <= 0:
        return set()
    count = math.ceil(round(e.relief_top_share * len(c), 9))
    ranked = sorted(range(len(c)), key=lambda i: (-float(c.score[i]), str(c.id[i])))
    return set(ranked[:count])


def years(problem: AllocationProblem, i: int, relief: set[int]) -> float:
    bonus = problem.rules.eligibility.min_years_relief if i in relief else 0.0
    return float(problem.candidates.years_in_grade[i]) + bonus


def may_take_post(problem: AllocationProblem, i: int, j: int, relief: set[int]) -> bool:
    c, p, e = problem.candidates, problem.posts, problem.rules.eligibility
    needed = e.min_years_post.get(int(p.level[j]), 0.0)
    return bool(
        not c.blocked[i]
        and c.age[i] <= e.max_age
        and c.rank[i] >= p.min_rank[j]
        and c.post_level[i] < p.level[j]
        and years(problem, i, relief) >= needed - YEARS_TOL
        and (e.mobility is not Mobility.WITHIN_UNIT or c.unit[i] == p.unit[j])
    )


def rank_row(problem: AllocationProblem, i: int) -> int | None:
    """The pool-rank row one rank above candidate ``i`` in its own pool."""
    c, q = problem.candidates, problem.pools
    for k in range(len(q)):
        if q.pool[k] == c.pool[i] and q.rank[k] == c.rank[i] + 1:
            return k
    return None


def may_take_rank(problem: AllocationProblem, i: int, relief: set[int]) -> bool:
    c, e = problem.candidates, problem.rules.eligibility
    needed = e.min_years_rank.get(int(c.rank[i]) + 1, 0.0)
    return bool(
        rank_row(problem, i) is not None
        and not c.blocked[i]
        and years(problem, i, relief) >= needed - YEARS_TOL
    )


def move_value(problem: AllocationProblem, move: Move) -> float:
    """fit * weight * score * frontline_weight**F * hardship**eta (fit, weight 1 for rank moves)."""
    i, kind, target = move
    c, w = problem.candidates, problem.rules.weights
    value = float(c.score[i]) * (w.frontline_weight if c.frontline[i] else 1.0)
    value *= float(c.hardship[i]) ** w.hardship_exponent
    if kind is MoveKind.POST:
        f = problem.fit
        listed = [float(f.fit[k]) for k in range(len(f.fit))
                  if f.candidate[k] == i and f.post[k] == target]
        value *= (listed[0] if listed else 1.0) * float(problem.posts.weight[target])
    return value


def hard_violations(problem: AllocationProblem, moves: list[Move]) -> list[str]:
    """Rules no proposal may break: one move, one holder, headroom, outflow, eligibility."""
    c, p, q = problem.candidates, problem.posts, problem.pools
    relief = relieved(problem)
    out = [f"candidate {i} moves {n} times" for i, n in Counter(m[0] for m in moves).items()
           if n > 1]
    post_moves = [m for m in moves if m[1] is MoveKind.POST]
    rank_moves = [m for m in moves if m[1] is MoveKind.RANK]
    out += [f"post {j} has {n} holders" for j, n in Counter(m[2] for m in post_moves).items()
            if n > 1]
    out += [f"pool row {k}: {n} promotions > headroom {q.headroom[k]}"
            for k, n in Counter(m[2] for m in rank_moves).items() if n > q.headroom[k]]
    limit = problem.rules.limits.max_outflow_per_unit
    leavers = Counter(int(c.unit[i]) for i, _, j in post_moves if c.unit[i] != p.unit[j])
    if limit >= 0:
        out += [f"unit {u} loses {n} > {limit}" for u, n in leavers.items() if n > limit]
    out += [f"candidate {i} may not take post {j}" for i, _, j in post_moves
            if not may_take_post(problem, i, j, relief)]
    out += [f"candidate {i} may not be promoted in row {k}" for i, _, k in rank_moves
            if k != rank_row(problem, i) or not may_take_rank(problem, i, relief)]
    return out


def target_violations(problem: AllocationProblem, moves: list[Move]) -> list[str]:
    """Rules only a RELAXED proposal may miss: must-fill posts and the share targets."""
    c, t = problem.candidates, problem.rules.targets
    filled = {j for _, kind, j in moves if kind is MoveKind.POST}
    out = [f"must-fill post {j} left vacant" for j in range(problem.n_posts)
           if problem.posts.must_fill[j] and j not in filled]
    post_movers = [i for i, kind, _ in moves if kind is MoveKind.POST]
    n_young = sum(int(c.age[i] <= t.young_age_max) for i in post_movers)
    if n_young < t.young_share_min * len(post_movers) - SHARE_TOL:
        out.append(f"young share {n_young}/{len(post_movers)} < {t.young_share_min}")
    n_front = sum(int(c.frontline[i]) for i, _, _ in moves)
    if n_front < t.frontline_share_min * len(moves) - SHARE_TOL:
        out.append(f"frontline share {n_front}/{len(moves)} < {t.frontline_share_min}")
    return out


def brute_force(problem: AllocationProblem) -> float | None:
    """Best objective over every assignment (each candidate: nothing, an eligible post, or
    its rank slot) that meets every rule; None if no assignment does."""
    c, p, q = problem.candidates, problem.posts, problem.pools
    relief = relieved(problem)
    options: list[list[Move]] = []
    for i in range(len(c)):
        mine = [(i, MoveKind.POST, j) for j in range(len(p))
                if may_take_post(problem, i, j, relief)]
        if may_take_rank(problem, i, relief):
            mine.append((i, MoveKind.RANK, rank_row(problem, i)))
        options.append(mine)
    limit = problem.rules.limits.max_outflow_per_unit
    taken: set[int] = set()
    promoted: Counter[int] = Counter()
    leavers: Counter[int] = Counter()
    chosen: list[Move] = []
    best: list[float] = []

    def search(i: int) -> None:
        if i == len(c):
            if not target_violations(problem, chosen):
                best.append(sum(move_value(problem, m) for m in chosen))
            return
        search(i + 1)
        for move in options[i]:
            _, kind, target = move
            leaving = kind is MoveKind.POST and c.unit[i] != p.unit[target]
            if kind is MoveKind.POST and target in taken:
                continue
            if kind is MoveKind.RANK and promoted[target] >= q.headroom[target]:
                continue
            if leaving and 0 <= limit <= leavers[int(c.unit[i])]:
                continue
            taken.update([target] if kind is MoveKind.POST else [])
            promoted[target] += kind is MoveKind.RANK
            leavers[int(c.unit[i])] += leaving
            chosen.append(move)
            search(i + 1)
            chosen.pop()
            leavers[int(c.unit[i])] -= leaving
            promoted[target] -= kind is MoveKind.RANK
            taken.discard(target) if kind is MoveKind.POST else None

    search(0)
    return max(best) if best else None


def moves_of(proposal: Proposal) -> list[Move]:
    m = proposal.moves
    rows = zip(m.candidate.tolist(), m.kind, m.target.tolist(), strict=True)
    return [(int(i), kind, int(t)) for i, kind, t in rows]


def close(a: float, b: float) -> bool:
    return abs(a - b) <= OBJECTIVE_RTOL * max(1.0, abs(a), abs(b))


# --- the properties ------------------------------------------------------------------------


@backends
@properties
@given(problem=allocation_problems())
def test_no_proposal_breaks_a_hard_rule(problem, backend):
    proposal = allocate(problem, backend=backend)
    moves = moves_of(proposal)
    assert hard_violations(problem, moves) == []
    assert close(proposal.objective, sum(move_value(problem, m) for m in moves))
    if proposal.status is SolveStatus.RELAXED:
        assert proposal.relaxations, "a relaxed proposal must name the rules it misses"


@settings(properties, max_examples=200)
@given(problem=allocation_problems())
def test_optimum_equals_brute_force(problem):
    best = brute_force(problem)
    proposal = allocate(problem, explain=False)
    if best is None:
        assert proposal.status is SolveStatus.RELAXED
    else:
        assert proposal.status is SolveStatus.OPTIMAL
        assert close(proposal.objective, best), (proposal.objective, best)


@settings(properties, max_examples=80)
@given(problem=allocation_problems())
def test_backends_reach_the_same_optimum(problem):
    fast = allocate(problem, backend=Backend.FAST, explain=False)
    pulp = allocate(problem, backend=Backend.PULP, explain=False)
    assert fast.status is pulp.status
    assert close(fast.objective, pulp.objective), (fast.objective, pulp.objective)


@backends
@properties
@given(problem=allocation_problems(rules_strategy=rules(share_targets=True)))
def test_targets_met_when_optimal(problem, backend):
    proposal = allocate(problem, backend=backend, explain=False)
    if proposal.status is SolveStatus.OPTIMAL:
        assert target_violations(problem, moves_of(proposal)) == []
    else:
        assert proposal.status is SolveStatus.RELAXED
        assert proposal.relaxations


@settings(properties, max_examples=60)
@given(problem=allocation_problems(max_candidates=5, max_posts=3))
def test_brute_force_agrees_with_the_eligibility_module(problem):
    """The plain predicate above and ``optimize.eligibility`` name the same pairs."""
    from optimize.eligibility import eligible_pairs

    relief = relieved(problem)
    pairs = eligible_pairs(problem)
    c = problem.candidates
    plain_posts = {(i, j) for i in range(len(c)) for j in range(problem.n_posts)
                   if may_take_post(problem, i, j, relief)}
    plain_ranks = {(i, rank_row(problem, i)) for i in range(len(c))
                   if may_take_rank(problem, i, relief)}
    post_pairs = zip(pairs.post_candidate.tolist(), pairs.post_post.tolist(), strict=True)
    rank_pairs = zip(pairs.rank_candidate.tolist(), pairs.rank_pool.tolist(), strict=True)
    assert set(post_pairs) == plain_posts
    assert set(rank_pairs) == plain_ranks
    assert {int(i) for i in pairs.relieved.nonzero()[0]} == relief
