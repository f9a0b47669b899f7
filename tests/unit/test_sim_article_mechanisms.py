"""The seed articles' mechanisms: 派往 (dispatch), 后备干部库 (reserve), 核增编制 for
long-serving frontline staff, and the reporters that count them."""

from dataclasses import replace

import numpy as np
import pytest

from scenarios.schema import Reserve, Scenario
from sim.generate import build_organisation, build_population
from sim.model import CadreModel
from sim.phases.allocation import allocate, headcount, rank_headroom
from sim.phases.dispatch import dispatch
from sim.phases.establishment import hire_frontline_staff, open_staff_slots
from sim.phases.reserve import leave_on_promotion, update_reserve
from sim.state import MoveReason, UnitKind
from tests.scenario_fixtures import county, with_policy


def world(s: Scenario, seed: int = 0):
    org = build_organisation(s)
    return org, build_population(org, s, np.random.default_rng(seed))


def free_frontline_slots(pop, org, leave: int, rng):
    """``pop`` without ``leave`` random frontline cadres without a post (free slots)."""
    rows = np.flatnonzero(org.unit_frontline[pop.unit] & (pop.post < 0))
    gone = rng.choice(rows, leave, replace=False)
    keep = np.ones(len(pop), bool)
    keep[gone] = False
    return pop.take(keep)


def test_dispatch_is_one_way_into_free_frontline_slots():
    s = with_policy(county((4, 30), (4, 30), (1, 10)), dispatch=dict(share=0.5))
    org, pop = world(s)
    pop = free_frontline_slots(pop, org, 6, np.random.default_rng(1))
    new, moves = dispatch(pop, org, s, np.random.default_rng(2))
    assert len(moves) == 6  # half the eligible organ cadres would be ~50: the 6 free slots cap it
    assert np.all(moves.reason == MoveReason.DISPATCH)
    rows = np.flatnonzero(np.isin(pop.id, moves.cadre_id))
    assert np.all(org.unit_kind[pop.unit[rows]] == UnitKind.ORGAN) and np.all(pop.post[rows] < 0)
    assert np.all(org.unit_frontline[new.unit[rows]])
    assert np.all(headcount(new, org) <= org.unit_establishment)
    assert np.all(rank_headroom(new, org)[:, 1:] >= 0)
    # nobody comes back: organs lost six, the frontline gained six
    organ = org.unit_kind == UnitKind.ORGAN
    assert headcount(pop, org)[organ].sum() - headcount(new, org)[organ].sum() == 6


def test_dispatch_count_follows_the_share():
    s = with_policy(county((4, 30), (4, 30), (1, 10)), dispatch=dict(share=0.02))
    org, pop = world(s)
    pop = free_frontline_slots(pop, org, 30, np.random.default_rng(1))
    eligible = np.count_nonzero((org.unit_kind[pop.unit] == UnitKind.ORGAN) & (pop.post < 0))
    counts = [len(dispatch(pop, org, s, np.random.default_rng(k))[1]) for k in range(400)]
    assert np.mean(counts) == pytest.approx(0.02 * eligible, rel=0.1)
    assert len(dispatch(pop, org, county((4, 30), (4, 30), (1, 10)),
                        np.random.default_rng(0))[1]) == 0


def test_reserve_lists_the_considered_whom_the_inspection_confirms():
    s = county((4, 30), (4, 30), (1, 10))
    org, pop = world(s)
    pop = replace(pop, rank=np.maximum(pop.rank, 1))
    rng = np.random.default_rng(3)
    performance = rng.normal(size=len(pop))
    score = performance + rng.normal(size=len(pop))
    none = np.zeros(len(pop), bool)
    exact = update_reserve(pop, performance, performance, none, org,
                           Reserve(consider_share=0.1, inspection_noise=0.0), rng)
    assert exact.considered.sum() == pytest.approx(0.1 * len(pop), abs=2)
    assert np.array_equal(exact.listed, exact.considered)  # a perfect second look confirms all
    noisy = [update_reserve(pop, performance, score, none, org,
                            Reserve(consider_share=0.1, inspection_noise=1.0), rng)
             for _ in range(20)]
    share = np.mean([u.listed.sum() / u.considered.sum() for u in noisy])
    assert 0.2 < share < 0.7  # regression to the mean: a noisy top score is often not confirmed
    listed = noisy[0]
    assert np.array_equal(listed.population.reserve, listed.listed)
    # members leave when punished, and when promoted to a post
    punished = listed.population.reserve.copy()
    again = update_reserve(listed.population, performance, score, punished, org,
                           Reserve(consider_share=1e-9, term_years=20), rng)  # list kept
    assert not (again.population.reserve & punished).any()
    rows = np.flatnonzero(listed.population.reserve)
    assert not leave_on_promotion(listed.population, rows).reserve.any()


def test_posts_are_filled_from_the_reserve_first():
    s = with_policy(county((3, 20), (3, 20), (1, 8)), promotion=dict(rule="merit"),
                    reserve=dict(consider_share=0.05, posts_from_reserve=True))
    org, pop = world(s)
    pop = replace(pop, post=np.full(len(pop), -1), years_in_grade=pop.years_in_grade + 10)
    free = with_policy(s, reserve=dict(posts_from_reserve=False))
    ungated = allocate(pop, org, free, 1, np.random.default_rng(5))
    # a long list: every post goes to a member, whatever the merit of the others
    members = np.random.default_rng(4).random(len(pop)) < 0.6
    listed = replace(pop, reserve=members)
    allocation = allocate(listed, org, s, 1, np.random.default_rng(5))
    post_rows = allocation.row[allocation.is_post]
    assert len(post_rows) > 0 and np.all(members[post_rows])
    assert not np.all(members[ungated.row[ungated.is_post]])
    assert (~allocation.is_post).any()  # rank slots stay open to everyone
    # an empty list: the best others make up the shortfall, no post is left empty for it
    empty = replace(pop, reserve=np.zeros(len(pop), bool))
    allocation = allocate(empty, org, s, 1, np.random.default_rng(5))
    assert allocation.is_post.sum() == ungated.is_post.sum()


def test_added_slots_go_to_experienced_frontline_staff():
    s = with_policy(county((2, 10), (3, 20), (1, 8)),
                    establishment=dict(added_frontline=12, reserved_for_staff=True,
                                       staff_years_min=5.0))
    org, pop = world(s)
    assert open_staff_slots(s, 0) == 12 and open_staff_slots(s, 9) == 3
    assert open_staff_slots(with_policy(s, establishment=dict(reserved_for_staff=False)), 0) == 0
    hires, moves = hire_frontline_staff(pop, org, s, 1, 10_000, 12, np.random.default_rng(6))
    assert len(hires) == 12 and np.all(moves.reason == MoveReason.STAFF_HIRE)
    assert np.all(org.unit_frontline[hires.unit])
    assert np.all((hires.frontline_years >= 5) & (hires.frontline_years <= 10))
    assert hires.age.mean() > s.population.recruit_age_mean + 5
    assert np.all(hires.rank == 0) and np.all(hires.post == -1)


def test_model_counts_the_article_mechanisms():
    s = with_policy(
        county((3, 20), (4, 20), (2, 8), years=4),
        promotion=dict(rule="merit"),
        demotion=dict(bottom_share=0.2, consecutive_years=1, ranking="comparable",
                      transfer_share=0.5),
        dispatch=dict(share=0.05),
        reserve=dict(consider_share=0.1, posts_from_reserve=True),
        establishment=dict(added_frontline=6, reserved_for_staff=True),
        bonus=dict(top_share=0.1, amount=1.0),
    )
    s = s.model_copy(update=dict(history=s.history.model_copy(
        update=dict(years_min=0, years_max=0))))
    model = CadreModel(s, rng=7)
    frame = model.run()
    moves = model.moves_frame()
    per_year = moves.groupby(["year", "reason"], observed=False).size().unstack(fill_value=0)
    assert np.array_equal(frame.performance_transfers, per_year["PERFORMANCE_TRANSFER"])
    assert np.array_equal(frame.frontline_dispatches, per_year["DISPATCH"])
    assert np.array_equal(frame.staff_hires, per_year["STAFF_HIRE"])
    assert frame.staff_hires.iloc[0] > 0  # the reserved slots fill as frontline slots free up
    assert np.all(frame.staff_hires_serving <= 6) and frame.staff_hires_serving.max() == 6
    assert frame.performance_transfers.sum() > 0 and frame.performance_removals.sum() > 0
    assert frame.reserve_entries.sum() > 0
    assert np.all(frame.reserve_entries <= frame.reserve_considered)
    ungated = CadreModel(with_policy(s, reserve=dict(posts_from_reserve=False)), rng=7).run()
    assert (frame.post_promotion_reserve_share.mean()
            > ungated.post_promotion_reserve_share.mean())
    assert np.all(frame.bonus_recipients > 0)
