"""CadreModel end to end: regulatory invariants under several policies, determinism, views.

The invariants are checked after every year of small runs over a few seeds:
no promotion before the minimum years in grade (beyond any relief), none inside
a disciplinary block, rank quotas never exceeded, no unit above its
establishment, every post held by at most one cadre of sufficient rank.
"""

import numpy as np
import pandas as pd
import pytest

from scenarios.schema import Mobility, PromotionRule, Scenario
from sim import CadreModel
from sim.generate import rank_caps
from sim.metrics import COUNTY_REPORTERS
from sim.state import ErrorOutcome, MoveReason
from tests.scenario_fixtures import county, with_policy

YEARS = 10
SEEDS = (0, 1, 2)


def small(years: int = YEARS, **behaviour) -> Scenario:
    return county((3, 20), (4, 25), (1, 12), years, **behaviour)


POLICIES = {
    "baseline": small(),
    "merit_unified_targets": with_policy(
        small(), promotion=dict(rule=PromotionRule.MERIT, mobility=Mobility.UNIFIED,
                                frontline_weight=2.0, hardship_exponent=1.0, young_share_min=0.3,
                                frontline_share_min=0.5, min_years_relief=1.0,
                                relief_top_share=0.1, max_outflow_per_unit=1),
        tolerance=dict(excuse_rate=0.8, discrimination=0.8, publicity=1.0),
        bonus=dict(top_share=0.15, amount=1.0), subsidy=dict(frontline_premium=0.2),
    ),
    "blend_within_unit_everything": with_policy(
        small(), promotion=dict(rule=PromotionRule.BLEND, mobility=Mobility.WITHIN_UNIT,
                                rank_only=False, max_age=50),
        rotation=dict(share=0.2), demotion=dict(bottom_share=0.1, consecutive_years=1),
        recall=dict(bottom_share=0.05, consecutive_years=2), unit_pressure=dict(bottom_units=2),
        establishment=dict(added_frontline=9),
    ).model_copy(update=dict(organisation=small().organisation.model_copy(
        update=dict(pools="single")))),
    "harsh_discipline": with_policy(
        small(error_slope=0.3, error_base=0.05),
        promotion=dict(rule=PromotionRule.MERIT, min_years_rank={1: 1.0, 2: 2.0, 3: 3.0}),
        discipline=dict(block_months=[12, 24, 36, 48], rehabilitation=True),
        rotation=dict(share=0.1),
    ),
}


def check_year(model: CadreModel) -> None:
    """Every regulatory invariant for the year just completed."""
    s, org, rec = model.scenario, model.organisation, model.record
    promotion = s.policy.promotion
    alloc, cand = rec.allocation, rec.candidates
    rows = alloc.row
    # one move per cadre
    assert len(rows) == len(np.unique(rows))
    # minimum years in grade (relief at most min_years_relief, only when relief is on)
    relief = promotion.min_years_relief if promotion.relief_top_share > 0 else 0.0
    levels = org.post_level[alloc.post[alloc.is_post]]
    needed_post = np.array([promotion.min_years_post.get(int(v), 0.0) for v in levels])
    needed_rank = np.array([promotion.min_years_rank.get(int(r), 0.0)
                            for r in alloc.new_rank[~alloc.is_post]])
    years = cand.years_in_grade
    assert np.all(years[rows[alloc.is_post]] + relief >= needed_post - 1e-9)
    assert np.all(years[rows[~alloc.is_post]] + relief >= needed_rank - 1e-9)
    # no promotion inside a disciplinary block
    assert np.all(cand.block_until[rows] <= model.year)
    # rank moves are one rank up; posts only when rank-only is off
    assert np.all(alloc.new_rank[~alloc.is_post] == cand.rank[rows[~alloc.is_post]] + 1)
    if not promotion.rank_only:
        assert alloc.is_post.all()
    if promotion.max_age < 200:
        assert np.all(cand.age[rows[alloc.is_post]] <= promotion.max_age)
    # state at the end of the year
    pop = model.population
    counts = np.bincount(pop.unit, minlength=org.n_units)
    assert np.all(counts <= org.unit_establishment)
    caps = rank_caps(org)
    pool = org.unit_pool[pop.unit]
    for r in range(1, len(org.rank_quota)):
        assert np.all(np.bincount(pool[pop.rank >= r], minlength=len(caps)) <= caps[:, r])
    holders = pop.post[pop.post >= 0]
    assert len(np.unique(holders)) == len(holders)
    assert np.all(pop.rank[pop.post >= 0] >= org.post_min_rank[holders])
    assert np.all(pop.unit[pop.post >= 0] == org.post_unit[holders])
    assert len(np.unique(pop.id)) == len(pop)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(POLICIES))
def test_regulatory_invariants_hold_every_year(name, seed):
    model = CadreModel(POLICIES[name], rng=seed)
    for _ in range(YEARS):
        model.step()
        check_year(model)
    frame = model.model_frame()
    assert len(frame) == YEARS and model.year == YEARS and model.steps == YEARS
    assert frame.promotions_count.sum() > 0


def test_policies_exercise_their_mechanisms():
    """The invariant runs are not vacuous: each policy's mechanism fires."""
    m = CadreModel(POLICIES["blend_within_unit_everything"], rng=0)
    m.run()
    reasons = set(m.moves_frame().reason.astype(str))
    assert {"POST_PROMOTION", "ROTATION", "PERFORMANCE_DEMOTION", "RECRUITMENT"} <= reasons
    assert "RANK_PROMOTION" not in reasons
    h = CadreModel(POLICIES["harsh_discipline"], rng=0)
    frame = h.run()
    assert frame.disciplined_count.sum() > 20 and frame.rehabilitated_promoted_count.sum() > 0
    u = CadreModel(POLICIES["merit_unified_targets"], rng=0)
    frame = u.run()
    assert frame.excused_honest.sum() > 0 and frame.bonus_cost.gt(0).all()
    assert frame.subsidy_cost.gt(0).all()


def test_same_seed_same_run_and_different_seed_different_run():
    s = POLICIES["merit_unified_targets"]
    a, b, c = (CadreModel(s, rng=seed) for seed in (7, 7, 8))
    fa, fb, fc = a.run(), b.run(), c.run()
    pd.testing.assert_frame_equal(fa, fb)
    pd.testing.assert_frame_equal(a.moves_frame(), b.moves_frame())
    pd.testing.assert_frame_equal(a.population_frame(), b.population_frame())
    assert not fa.equals(fc)


def test_seed_defaults_to_the_scenario_and_accepts_a_seed_sequence():
    s = small(years=3).model_copy(update=dict(seed=11))
    pd.testing.assert_frame_equal(CadreModel(s).run(), CadreModel(s, rng=11).run())
    child = np.random.SeedSequence(5).spawn(2)[1]
    again = np.random.SeedSequence(5).spawn(2)[1]
    pd.testing.assert_frame_equal(CadreModel(s, rng=child).run(), CadreModel(s, rng=again).run())


def test_reporters_are_named_functions_and_frames_agree_with_them():
    model = CadreModel(POLICIES["merit_unified_targets"], rng=3)
    frame = model.run()
    assert list(frame.columns) == list(COUNTY_REPORTERS)
    assert all(f.__name__ == name for name, f in COUNTY_REPORTERS.items())
    errors = model.errors_frame()
    per_year = errors.groupby(["year", "outcome"], observed=False).size().unstack(fill_value=0)
    for outcome, column in [(ErrorOutcome.PUNISHED_HONEST, "punished_honest"),
                            (ErrorOutcome.EXCUSED_HONEST, "excused_honest"),
                            (ErrorOutcome.EXCUSED_SELF_SERVING, "excused_self_serving")]:
        np.testing.assert_array_equal(per_year[outcome.name].to_numpy(), frame[column].to_numpy())
    moves = model.moves_frame()
    promotions = moves[moves.reason.isin(["POST_PROMOTION", "RANK_PROMOTION"])]
    per_year_promotions = promotions.groupby("year").size().reindex(frame.year, fill_value=0)
    np.testing.assert_array_equal(per_year_promotions, frame.promotions_count)
    quits = moves[moves.reason == MoveReason.VOLUNTARY_EXIT.name]
    assert len(quits) == frame.voluntary_exits_organ.sum() + frame.voluntary_exits_frontline.sum()
    assert frame.mean_effort.between(0, 1).all()
    assert frame.responsibility_index.between(0, 100).all()
    assert frame.promotion_frontline_share.between(0, 1).all()


def test_population_frame_is_readable():
    model = CadreModel(small(years=2), rng=0)
    model.run()
    frame = model.population_frame()
    assert len(frame) == len(model.population)
    assert {"id", "unit_name", "unit_kind", "pool", "post_level", "effort", "belief_merit",
            "belief_tolerance"} <= set(frame.columns)
    assert set(frame.unit_kind) == {"ORGAN", "FRONTLINE", "KEY_PROJECT"}
    assert frame.unit_name.str.match(r"^(organ|town|project)_\d\d$").all()
    assert (frame.post_level > 0).sum() == (model.population.post >= 0).sum()


def test_run_stops_when_not_running():
    model = CadreModel(small(years=5), rng=0)
    model.running = False
    assert len(model.run()) == 0
