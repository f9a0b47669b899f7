"""The regulations' rule families: hand-solvable instances, both backends, properties.

Each instance below is small enough to solve on paper; the comment gives the
arithmetic (values are score * weight unless stated). Every family is checked
on both backends. The properties restate every rule plainly (per-pair Python,
nothing from ``optimize.eligibility`` or ``optimize.formulation``) and compare
the optimum with brute force on tiny random problems.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize import AllocationProblem, Backend, MoveKind, SolveStatus, allocate
from optimize.problem import Candidates, Posts, RankPools
from optimize.regulations import ConflictKind, Conflicts, LockKind, Locks, Regulations
from optimize.rules import Composition, Eligibility, Over, Rules, Team
from tests.strategies import allocation_problems
from tests.unit.test_allocation_properties import move_value

backends = pytest.mark.parametrize("backend", [Backend.FAST, Backend.PULP])
NO_YEARS = Eligibility(min_years_post={})
UNITS = ("镇A", "镇B", "局C")


def problem_of(scores, units, posts, *, rules=None, regulations=None, ranks=None,
               years=None, post_levels=None, headroom=0) -> AllocationProblem:
    """Candidates by score and unit code, posts as (unit, level) with weight 1."""
    n = len(scores)
    return AllocationProblem(
        Candidates.build(id=np.array([f"c{i}" for i in range(n)], dtype=object),
                         unit=units, rank=ranks or [1] * n, age=[40] * n,
                         years_in_grade=years or [5.0] * n, score=scores,
                         post_level=post_levels),
        Posts.build(id=np.array([f"p{j}" for j in range(len(posts))], dtype=object),
                    unit=[u for u, _ in posts], level=[lv for _, lv in posts],
                    min_rank=[0] * len(posts)),
        RankPools(pool=[0], rank=[2], headroom=[headroom]),
        rules or Rules(eligibility=NO_YEARS),
        unit_names=UNITS, pool_names=("县",),
        regulations=regulations or Regulations(),
    )


def holders(proposal) -> dict[str, str]:
    """``{post id: candidate id}`` of the post moves."""
    m = proposal.moves
    return {f"p{t}": f"c{i}" for i, kind, t in zip(m.candidate.tolist(), m.kind,
                                                   m.target.tolist(), strict=True)
            if kind is MoveKind.POST}


def text_array(*values) -> np.ndarray:
    return np.array(values, dtype=object)


# --- hand-solvable instances -------------------------------------------------------------


@backends
def test_excellent_years_count_half_a_year_each(backend):
    # p0 (level 1) needs 2 years. c0 (score 9) has 1.5 years and one 优秀 year: 1.5 + 0.5 = 2,
    # eligible; without the bonus c1 (score 5, 3 years) takes it.
    rules = Rules(eligibility=Eligibility(min_years_post={1: 2.0}, excellent_bonus_years=0.5))
    reg = Regulations(excellent_years=np.array([1.0, 0.0]))
    problem = problem_of([9, 5], [0, 0], [(0, 1)], years=[1.5, 3.0], rules=rules,
                         regulations=reg)
    assert holders(allocate(problem, backend=backend)) == {"p0": "c0"}
    without = problem_of([9, 5], [0, 0], [(0, 1)], years=[1.5, 3.0],
                         rules=Rules(eligibility=Eligibility(min_years_post={1: 2.0})),
                         regulations=reg)
    assert holders(allocate(without, backend=backend)) == {"p0": "c1"}


@backends
def test_no_principal_post_in_the_home_county(backend):
    # p0 is a 正职 in county 甲, c0 (score 9) grew up in 甲: c1 (5) takes p0, c0 takes p1.
    reg = Regulations(birthplace=text_array("甲", "乙"), post_county=text_array("甲", "甲"),
                      post_principal=np.array([True, False]))
    problem = problem_of([9, 5], [0, 1], [(0, 2), (0, 1)], regulations=reg,
                         post_levels=[0, 0])
    result = allocate(problem, backend=backend)
    assert holders(result) == {"p0": "c1", "p1": "c0"}
    assert result.objective == pytest.approx(14.0)


@backends
def test_long_serving_cadres_are_not_promoted_in_their_own_unit(backend):
    # c0 has served two terms: not p0 (its own unit 镇A) but p1 (镇B); c1 gets p0.
    reg = Regulations(terms_in_post=np.array([2, 0]))
    problem = problem_of([9, 5], [0, 0], [(0, 1), (1, 1)], regulations=reg)
    assert holders(allocate(problem, backend=backend)) == {"p0": "c1", "p1": "c0"}
    # 15 years at one level does the same.
    reg = Regulations(years_at_level=np.array([15.0, 3.0]))
    problem = problem_of([9, 5], [0, 0], [(0, 1)], regulations=reg)
    assert holders(allocate(problem, backend=backend)) == {"p0": "c1"}


@backends
def test_must_lock_puts_a_lower_scorer_on_the_post(backend):
    # Without the lock c0 (9) takes p0; locked, c1 (5) takes it: total 5 instead of 9.
    locks = Locks(np.array([1]), np.array([0]), np.array([-1]), (LockKind.MUST,))
    problem = problem_of([9, 5], [0, 0], [(0, 1)], regulations=Regulations(locks=locks))
    result = allocate(problem, backend=backend)
    assert holders(result) == {"p0": "c1"}
    assert result.status is SolveStatus.OPTIMAL and result.objective == pytest.approx(5.0)


@backends
def test_forbid_lock_keeps_a_candidate_out(backend):
    # c0 "not this year" (any move): it gets neither p0 nor the rank slot; c1 (5) takes one
    # of them (5 either way) instead of c0 taking p0 and c1 the slot (14).
    locks = Locks(np.array([0]), np.array([-1]), np.array([-1]), (LockKind.FORBID,))
    problem = problem_of([9, 5], [0, 0], [(0, 1)], regulations=Regulations(locks=locks),
                         headroom=1)
    result = allocate(problem, backend=backend)
    assert result.moves.candidate.tolist() == [1]
    assert result.objective == pytest.approx(5.0)


@backends
def test_must_lock_that_breaks_a_rule_is_reported(backend):
    # c1 must take p0 and must take p1: one move each, so one lock cannot be met.
    locks = Locks(np.array([1, 1]), np.array([0, 1]), np.array([-1, -1]),
                  (LockKind.MUST, LockKind.MUST))
    problem = problem_of([9, 5], [0, 0], [(0, 1), (1, 1)], regulations=Regulations(locks=locks))
    result = allocate(problem, backend=backend)
    assert result.status is SolveStatus.RELAXED
    assert [r.rule for r in result.relaxations] == ["lock"]
    assert "must lock c1 -> post p" in result.relaxations[0].text


@backends
def test_relatives_do_not_end_up_in_the_same_unit(backend):
    # c0 (9) and c1 (8) are relatives; both would take the two posts of 镇B (17).
    # Same unit forbidden: c0 and c2 (3) take them, 12.
    conflicts = Conflicts(np.array([0]), np.array([1]), np.array([-1]),
                          (ConflictKind.SAME_UNIT,))
    problem = problem_of([9, 8, 3], [0, 0, 0], [(1, 1), (1, 1)],
                         regulations=Regulations(conflicts=conflicts))
    result = allocate(problem, backend=backend)
    assert result.objective == pytest.approx(12.0)
    assert set(holders(result).values()) == {"c0", "c2"}


@backends
def test_no_appointment_into_a_relative_s_unit_who_stays(backend):
    # c1 stays in 镇B (nothing for it); c0 may not take p0 in 镇B: c2 does.
    conflicts = Conflicts(np.array([0]), np.array([1]), np.array([-1]),
                          (ConflictKind.SAME_UNIT,))
    problem = problem_of([9, 1, 3], [0, 1, 0], [(1, 1)], post_levels=[0, 1, 0],
                         regulations=Regulations(conflicts=conflicts))
    assert holders(allocate(problem, backend=backend)) == {"p0": "c2"}


@backends
def test_supervise_and_incumbent_conflicts(backend):
    # supervise: c0 may not take a post in c1's current unit 镇B (p0); it takes p1 in 局C.
    conflicts = Conflicts(np.array([0]), np.array([1]), np.array([-1]),
                          (ConflictKind.SUPERVISE,))
    problem = problem_of([9, 5], [0, 1], [(1, 1), (2, 1)], post_levels=[0, 1],
                         regulations=Regulations(conflicts=conflicts))
    assert holders(allocate(problem, backend=backend)) == {"p1": "c0"}
    # an incumbent relative in 局C (not a candidate): c0 may not take p1 there.
    conflicts = Conflicts(np.array([0]), np.array([-1]), np.array([2]),
                          (ConflictKind.SAME_UNIT,))
    problem = problem_of([9, 5], [0, 0], [(2, 1)],
                         regulations=Regulations(conflicts=conflicts))
    assert holders(allocate(problem, backend=backend)) == {"p0": "c1"}


@backends
def test_composition_count_brings_a_woman_in(backend):
    # Two posts; men c0 (9), c1 (8), woman c2 (4). At least one woman among post moves:
    # c0 and c2, 13 (instead of 17).
    rules = Rules(eligibility=NO_YEARS, composition=(
        Composition(attribute="gender", value="女", min_count=1),))
    reg = Regulations(attributes={"gender": text_array("男", "男", "女")})
    problem = problem_of([9, 8, 4], [0, 0, 0], [(1, 1), (1, 1)], rules=rules, regulations=reg)
    result = allocate(problem, backend=backend)
    assert result.status is SolveStatus.OPTIMAL
    assert set(holders(result).values()) == {"c0", "c2"}
    assert result.objective == pytest.approx(13.0)


@backends
def test_composition_share_over_all_moves(backend):
    # One post, one rank slot; men c0 (9), c1 (8), woman c2 (2, rank 1 so eligible for both).
    # >= 50% women over all moves: c0 + c2 = 11.
    rules = Rules(eligibility=NO_YEARS, composition=(
        Composition(attribute="gender", value="女", over=Over.ALL, min_share=0.5),))
    reg = Regulations(attributes={"gender": text_array("男", "男", "女")})
    problem = problem_of([9, 8, 2], [0, 0, 0], [(1, 1)], rules=rules, regulations=reg,
                         headroom=1)
    result = allocate(problem, backend=backend)
    assert result.objective == pytest.approx(11.0)
    assert sorted(result.moves.candidate.tolist()) == [0, 2]


@backends
def test_composition_at_a_level_counts_only_that_level(backend):
    # Posts p0 (level 1) and p1 (level 3); the young c2 (4) must take a level-3 post: c2 on
    # p1, c0 (9) on p0 = 13. A young appointee at level 1 would not count (c2 on p0 and c0
    # on p1 scores 13 too, so the level decides which post c2 gets).
    rules = Rules(eligibility=NO_YEARS, composition=(
        Composition(attribute="young", value="1", min_count=1, levels=(3,)),))
    reg = Regulations(attributes={"young": text_array("0", "0", "1")})
    problem = problem_of([9, 8, 4], [0, 0, 0], [(1, 1), (1, 3)], rules=rules,
                         regulations=reg)
    result = allocate(problem, backend=backend)
    assert result.status is SolveStatus.OPTIMAL
    assert holders(result) == {"p0": "c0", "p1": "c2"}
    assert result.objective == pytest.approx(13.0)


def test_composition_levels_count_posts_only():
    with pytest.raises(ValueError, match="levels counts post appointments only"):
        Composition(attribute="young", value="1", over=Over.ALL, levels=(3,))


@backends
def test_composition_that_cannot_be_met_is_reported(backend):
    # Nobody is 女: the target is missed by one person and the best proposal is kept.
    rules = Rules(eligibility=NO_YEARS, composition=(
        Composition(attribute="gender", value="女", min_count=1),))
    reg = Regulations(attributes={"gender": text_array("男", "男")})
    problem = problem_of([9, 8], [0, 0], [(1, 1)], rules=rules, regulations=reg)
    result = allocate(problem, backend=backend)
    assert result.status is SolveStatus.RELAXED
    assert holders(result) == {"p0": "c0"}
    assert [(r.rule, r.shortfall) for r in result.relaxations] == [("composition", 1.0)]


@backends
def test_team_needs_a_minority_member(backend):
    # 镇B's team has no 回族 member: its post goes to c1 (回族, 5), c0 (9) takes 局C's post.
    # With a 回族 incumbent already in 镇B's team, c0 takes... the better post: both are
    # weight 1, so the total is 14 either way and the team rule adds nothing.
    rules = Rules(eligibility=NO_YEARS, team=(
        Team(attribute="ethnicity", value="回族", min_count=1, units=("镇B",)),))
    reg = Regulations(attributes={"ethnicity": text_array("汉族", "回族")})
    problem = problem_of([9, 5], [0, 0], [(1, 1)], rules=rules, regulations=reg)
    result = allocate(problem, backend=backend)
    assert holders(result) == {"p0": "c1"}
    served = Regulations(attributes=reg.attributes, team_unit=np.array([1]),
                         team_attributes={"ethnicity": text_array("回族")})
    problem = problem_of([9, 5], [0, 0], [(1, 1)], rules=rules, regulations=served)
    assert holders(allocate(problem, backend=backend)) == {"p0": "c0"}


# --- properties ----------------------------------------------------------------------------

GENDERS = ("女", "男")
COUNTIES = ("", "甲", "乙")


@st.composite
def regulated_problems(draw):
    """Tiny problems with every regulation drawn: attributes, conflicts, locks, targets."""
    base = draw(allocation_problems(max_candidates=4, max_posts=3))
    n, m, n_units = base.n_candidates, base.n_posts, len(base.unit_names)
    pick = st.integers(0, n - 1)
    gender = np.array(draw(st.lists(st.sampled_from(GENDERS), min_size=n, max_size=n)), object)
    conflicts = draw(st.lists(st.tuples(pick, st.integers(-1, n - 1), st.integers(0, n_units - 1),
                                        st.sampled_from(ConflictKind)), max_size=2))
    conflicts = [c for c in conflicts if c[0] != c[1]]
    locks = draw(st.lists(st.tuples(pick, st.integers(-1, m - 1), st.sampled_from(LockKind)),
                          max_size=2))
    regulations = Regulations(
        attributes={"gender": gender},
        birthplace=np.array(draw(st.lists(st.sampled_from(COUNTIES), min_size=n, max_size=n)),
                            object),
        post_county=np.array(draw(st.lists(st.sampled_from(COUNTIES[1:]), min_size=m,
                                           max_size=m)), object),
        post_principal=np.array(draw(st.lists(st.booleans(), min_size=m, max_size=m)), bool),
        terms_in_post=np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))),
        excellent_years=np.array(draw(st.lists(st.sampled_from((0.0, 1.0, 2.0)), min_size=n,
                                               max_size=n))),
        conflicts=Conflicts(np.array([a for a, _, _, _ in conflicts], np.int64),
                            np.array([b for _, b, _, _ in conflicts], np.int64),
                            np.array([u if b < 0 else -1 for _, b, u, _ in conflicts], np.int64),
                            tuple(k for _, _, _, k in conflicts)),
        locks=Locks(np.array([i for i, _, _ in locks], np.int64),
                    np.array([j for _, j, _ in locks], np.int64),
                    np.full(len(locks), -1, np.int64), tuple(k for _, _, k in locks)),
        team_unit=np.array([0]), team_attributes={"gender": text_array("女")},
    )
    over = draw(st.sampled_from(Over))
    composition = draw(st.lists(st.builds(
        Composition, attribute=st.just("gender"), value=st.sampled_from(GENDERS),
        over=st.just(over), min_share=st.sampled_from((0.0, 0.5)),
        min_count=st.sampled_from((0, 1)),
        levels=st.just(()) if over is Over.ALL else st.sampled_from(((), (2,), (2, 3)))),
        max_size=1))
    team = draw(st.lists(st.builds(Team, attribute=st.just("gender"), value=st.just("女"),
                                   min_count=st.integers(1, 2)), max_size=1))
    eligibility = base.rules.eligibility.model_copy(update={
        "excellent_bonus_years": draw(st.sampled_from((0.0, 0.5))),
        "max_terms_in_post": 2})
    rules = base.rules.model_copy(update={"eligibility": eligibility,
                                          "composition": tuple(composition),
                                          "team": tuple(team)})
    return AllocationProblem(base.candidates, base.posts, base.pools, rules, base.fit,
                             base.unit_names, base.pool_names, regulations)


def plain_years(problem, i) -> float:
    e, c = problem.rules.eligibility, problem.candidates
    count = math.ceil(round(e.relief_top_share * len(c), 9)) if e.min_years_relief > 0 else 0
    ranked = sorted(range(len(c)), key=lambda k: (-float(c.score[k]), str(c.id[k])))
    relief = e.min_years_relief if i in ranked[:count] else 0.0
    return (float(c.years_in_grade[i]) + relief
            + e.excellent_bonus_years * float(problem.regulations.excellent_years[i]))


def options(problem, i) -> list[tuple]:
    """Every move the plain rules let candidate i make (None = no move)."""
    c, p, q, e = problem.candidates, problem.posts, problem.pools, problem.rules.eligibility
    reg = problem.regulations
    out = [None]
    for j in range(len(p)):
        ok = (not c.blocked[i] and c.age[i] <= e.max_age and c.rank[i] >= p.min_rank[j]
              and c.post_level[i] < p.level[j]
              and plain_years(problem, i) >= e.min_years_post.get(int(p.level[j]), 0) - 1e-9
              and (e.mobility.value != "within_unit" or c.unit[i] == p.unit[j])
              and not (reg.post_principal[j] and reg.birthplace[i] != ""
                       and reg.birthplace[i] == reg.post_county[j])
              and not (reg.terms_in_post[i] >= e.max_terms_in_post and c.unit[i] == p.unit[j]))
        if ok:
            out.append(("post", j))
    for k in range(len(q)):
        if (q.pool[k] == c.pool[i] and q.rank[k] == c.rank[i] + 1 and not c.blocked[i]
                and plain_years(problem, i)
                >= e.min_years_rank.get(int(c.rank[i]) + 1, 0) - 1e-9):
            out.append(("rank", k))
    return out


def violations(problem, plan) -> tuple[list[str], list[str]]:
    """(hard rules broken, targets missed) by ``plan`` (one option per candidate)."""
    c, p, q, rules, reg = (problem.candidates, problem.posts, problem.pools, problem.rules,
                           problem.regulations)
    hard, soft = [], []
    posts = [t for move in plan if move and move[0] == "post" for t in [move[1]]]
    if len(posts) != len(set(posts)):
        hard.append("post twice")
    for k in range(len(q)):
        if sum(1 for move in plan if move == ("rank", k)) > q.headroom[k]:
            hard.append("headroom")
    limit = rules.limits.max_outflow_per_unit
    if limit >= 0:
        for u in range(len(problem.unit_names)):
            if sum(1 for i, move in enumerate(plan) if move and move[0] == "post"
                   and c.unit[i] == u and p.unit[move[1]] != u) > limit:
                hard.append("outflow")

    def final_unit(i):
        return p.unit[plan[i][1]] if plan[i] and plan[i][0] == "post" else c.unit[i]

    def appointed_to(i, u):
        return plan[i] is not None and plan[i][0] == "post" and p.unit[plan[i][1]] == u

    for a, b, b_unit, kind in zip(reg.conflicts.a, reg.conflicts.b, reg.conflicts.b_unit,
                                  reg.conflicts.kind, strict=True):
        pairs = [(a, b)] + ([(b, a)] if b >= 0 else [])
        for i, k in pairs:
            if kind is ConflictKind.SUPERVISE:
                other = c.unit[k] if k >= 0 else b_unit
            else:
                other = final_unit(k) if k >= 0 else b_unit
            if appointed_to(i, other):
                hard.append("conflict")
    for i, j, kind in zip(reg.locks.candidate, reg.locks.post, reg.locks.kind, strict=True):
        hit = plan[i] is not None and (j < 0 or plan[i] == ("post", j))
        if kind is LockKind.FORBID and hit:
            hard.append("forbid lock")
        if kind is LockKind.MUST and not hit:
            soft.append("must lock")
    filled = set(posts)
    soft += ["must fill" for j in range(len(p)) if p.must_fill[j] and j not in filled]
    movers = [i for i, move in enumerate(plan) if move]
    post_movers = [i for i, move in enumerate(plan) if move and move[0] == "post"]
    t = rules.targets
    if sum(c.age[i] <= t.young_age_max for i in post_movers) < \
            t.young_share_min * len(post_movers) - 1e-9:
        soft.append("young")
    if sum(c.frontline[i] for i in movers) < t.frontline_share_min * len(movers) - 1e-9:
        soft.append("frontline")
    for rule in rules.composition:
        attribute = reg.attributes[rule.attribute]
        counted = ([i for i in post_movers
                    if not rule.levels or p.level[plan[i][1]] in rule.levels]
                   if rule.over is Over.POSTS else movers)
        group = sum(attribute[i] == rule.value for i in counted)
        if group < rule.min_share * len(counted) - 1e-9 or group < rule.min_count:
            soft.append("composition")
    for rule in rules.team:
        attribute = reg.attributes[rule.attribute]
        for u in sorted(set(p.unit.tolist())):
            have = sum(1 for unit, g in zip(reg.team_unit, reg.team_attributes[rule.attribute],
                                            strict=True) if unit == u and g == rule.value)
            have += sum(1 for i in post_movers
                        if appointed_to(i, u) and attribute[i] == rule.value)
            if have < rule.min_count:
                soft.append("team")
    return hard, soft


def plan_of(problem, proposal) -> list:
    plan = [None] * problem.n_candidates
    for i, kind, target in zip(proposal.moves.candidate.tolist(), proposal.moves.kind,
                               proposal.moves.target.tolist(), strict=True):
        plan[i] = ("post" if kind is MoveKind.POST else "rank", target)
    return plan


def brute_force(problem) -> float | None:
    """The best value over every plan that breaks no rule; None if none does."""
    best = None
    choices = [options(problem, i) for i in range(problem.n_candidates)]
    for plan in itertools.product(*choices):
        hard, soft = violations(problem, list(plan))
        if hard or soft:
            continue
        value = sum(move_value(problem, (i, MoveKind.POST if mv[0] == "post" else MoveKind.RANK,
                                         mv[1])) for i, mv in enumerate(plan) if mv)
        best = value if best is None else max(best, value)
    return best


regulated = settings(max_examples=120, deadline=None, derandomize=True)


@pytest.mark.slow
@regulated
@given(problem=regulated_problems())
def test_no_rule_broken_and_optimum_equals_brute_force(problem):
    proposal = allocate(problem, explain=False)
    hard, soft = violations(problem, plan_of(problem, proposal))
    assert hard == []
    best = brute_force(problem)
    if best is None:
        assert proposal.status is SolveStatus.RELAXED and proposal.relaxations
    else:
        assert proposal.status is SolveStatus.OPTIMAL and soft == []
        assert proposal.objective == pytest.approx(best, rel=1e-6, abs=1e-9)


@pytest.mark.slow
@settings(regulated, max_examples=60)
@given(problem=regulated_problems())
def test_backends_agree_on_regulated_problems(problem):
    fast = allocate(problem, backend=Backend.FAST, explain=False)
    pulp = allocate(problem, backend=Backend.PULP, explain=False)
    assert fast.status is pulp.status
    assert fast.objective == pytest.approx(pulp.objective, rel=1e-6, abs=1e-9)


@pytest.mark.slow
def test_column_generation_path_reaches_the_whole_program_optimum():
    """Above ``SIFTING_MIN_COLUMNS`` the fast path prices columns in from a seed, with the
    regulations' rows lazy; its optimum is the optimum of the whole program."""
    import dataclasses

    from experiments.allocation.synthetic import draw_people, synthetic_county
    from optimize.allocate import SIFTING_MIN_COLUMNS
    from optimize.formulation import build_formulation
    from optimize.solve import solve_program

    county = synthetic_county(1500, 60, 4, seed=7)
    people = draw_people(county, 8)
    rng = np.random.default_rng(9)
    pairs = rng.choice(county.n_candidates, size=(300, 2), replace=False)
    regulations = Regulations(
        attributes={"gender": people.gender, "ethnicity": people.ethnicity},
        conflicts=Conflicts(pairs[:, 0], pairs[:, 1], np.full(300, -1),
                            tuple(rng.choice(list(ConflictKind), 300))),
        team_unit=np.zeros(0, np.int64), team_attributes={"gender": text_array()},
    )
    rules = county.rules.model_copy(update={
        "composition": (Composition(attribute="gender", value="女", min_share=0.5),
                        Composition(attribute="ethnicity", value="回族", over=Over.ALL,
                                    min_count=3)),
        "team": (Team(attribute="gender", value="女", min_count=1),)})
    problem = dataclasses.replace(county, rules=rules, regulations=regulations)
    form = build_formulation(problem)
    assert form.n_cols > SIFTING_MIN_COLUMNS
    whole = solve_program(form)
    proposal = allocate(problem, explain=False)
    assert proposal.status is SolveStatus.OPTIMAL
    assert proposal.objective == pytest.approx(whole.objective, rel=1e-9)
    hard, soft = violations(problem, plan_of(problem, proposal))
    assert hard == [] and soft == []
