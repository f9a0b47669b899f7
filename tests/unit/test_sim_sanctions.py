"""Phases 4-6: error review (容错纠错), discipline, assessment, bonuses, 能下, 召回."""

from dataclasses import replace

import numpy as np
import pytest

from scenarios.schema import Demotion, Discipline, Policy, Scenario, Tolerance
from sim.generate import build_organisation, build_population
from sim.phases.assessment import assess
from sim.phases.behaviour import Errors
from sim.phases.sanctions import (
    adjust_ineffective,
    apply_discipline,
    award_bonuses,
    demote_and_recall,
    flag_units,
    review_errors,
    top_in_units,
)
from sim.state import ErrorOutcome, MoveReason, Severity


def all_detected(n: int, honest_share: float = 0.5) -> Errors:
    honest = np.arange(n) < int(honest_share * n)
    return Errors(occurred=np.ones(n, bool), honest=honest, detected=np.ones(n, bool))


@pytest.mark.parametrize(("discrimination", "excuse"), [(1.0, 1.0), (0.5, 1.0), (0.9, 0.5)])
def test_review_excuses_by_discrimination_and_excuse_rate(discrimination, excuse):
    n = 40_000
    errors = all_detected(n)
    review = review_errors(errors, Tolerance(excuse_rate=excuse, discrimination=discrimination),
                           Discipline(), np.random.default_rng(0))
    honest, selfish = errors.honest, ~errors.honest
    excused_h = np.mean(review.outcome[honest] == ErrorOutcome.EXCUSED_HONEST)
    excused_s = np.mean(review.outcome[selfish] == ErrorOutcome.EXCUSED_SELF_SERVING)
    assert abs(excused_h - discrimination * excuse) < 0.015
    assert abs(excused_s - (1 - discrimination) * excuse) < 0.015
    assert np.all(review.punished == np.isin(review.outcome, [ErrorOutcome.PUNISHED_HONEST,
                                                              ErrorOutcome.PUNISHED_SELF_SERVING]))


def test_no_tolerance_punishes_every_detected_error_and_skips_the_rest():
    errors = Errors(occurred=np.array([True, True, False]), honest=np.array([True, False, False]),
                    detected=np.array([True, False, False]))
    review = review_errors(errors, Tolerance(), Discipline(), np.random.default_rng(0))
    assert review.outcome.tolist() == [ErrorOutcome.PUNISHED_HONEST, ErrorOutcome.UNDETECTED, -1]
    assert review.severity[0] >= 0 and review.severity[1] == -1 and review.severity[2] == -1


def test_dismissal_only_for_self_serving_errors_punished_by_demotion():
    d = Discipline(severity_honest=[0, 0, 0, 1], severity_self_serving=[0, 0, 0, 1],
                   dismissal_share=1.0)
    errors = all_detected(10)
    review = review_errors(errors, Tolerance(), d, np.random.default_rng(0))
    assert np.all(review.severity == Severity.DEMOTION)
    assert np.array_equal(review.dismissed, ~errors.honest)


def scenario_world(seed=0):
    s = Scenario()
    org = build_organisation(s)
    return s, org, build_population(org, s, np.random.default_rng(seed))


def test_discipline_blocks_demotes_and_stigmatises():
    s, org, pop = scenario_world()
    holder = int(np.flatnonzero(pop.post >= 0)[0])
    severity = np.full(len(pop), -1)
    severity[holder] = Severity.DEMOTION
    severity[holder + 1] = Severity.WARNING
    from sim.phases.sanctions import Review

    review = Review(outcome=np.where(severity >= 0, ErrorOutcome.PUNISHED_HONEST, -1),
                    classified_honest=np.zeros(len(pop), bool), severity=severity,
                    dismissed=np.zeros(len(pop), bool))
    new, moves = apply_discipline(pop, review, Discipline(), year=5)
    assert new.rank[holder] == max(pop.rank[holder] - 1, 0) and new.post[holder] == -1
    assert new.block_until[holder] == pytest.approx(5 - 0.5 + 2.0)  # 24 months from mid-year
    assert new.block_until[holder + 1] == pytest.approx(5.0)  # a warning ends by the allocation
    assert new.stigma[holder] and new.stigma[holder + 1] and new.disciplined[holder]
    assert moves.reason.tolist() == [MoveReason.DISCIPLINARY_DEMOTION]
    # 后半篇文章: with rehabilitation the stigma ends with the impact period
    rehab, _ = apply_discipline(pop, review, Discipline(rehabilitation=True), year=5)
    assert rehab.stigma[holder] and not rehab.stigma[holder + 1]
    later, _ = apply_discipline(replace(rehab, stigma=rehab.stigma),
                                replace(review, severity=np.full(len(pop), -1)),
                                Discipline(rehabilitation=True), year=7)
    assert not later.stigma[holder]


def test_assessment_grades_within_units():
    s, org, pop = scenario_world()
    perf = np.random.default_rng(0).normal(size=len(pop))
    a = assess(pop, perf, org, s.policy, np.random.default_rng(1))
    for u in range(org.n_units):
        in_unit = pop.unit == u
        share = a.excellent[in_unit].mean()
        assert abs(share - s.policy.assessment.excellent_share) <= 1 / in_unit.sum() + 1e-9
    memory = s.policy.assessment.merit_memory
    np.testing.assert_allclose(a.merit, memory * pop.merit + (1 - memory) * a.score)


def test_frontline_observation_is_less_noisy():
    s, org, pop = scenario_world()
    policy = s.policy.model_copy(update=dict(
        assessment=s.policy.assessment.model_copy(update=dict(frontline_noise_factor=0.2))))
    perf = np.zeros(len(pop))
    a = assess(pop, perf, org, policy, np.random.default_rng(0))
    frontline = org.unit_frontline[pop.unit]
    assert a.score[frontline].std() < 0.4 * a.score[~frontline].std()


def test_bonuses_go_to_the_top_share_of_each_unit():
    s, org, pop = scenario_world()
    policy = s.policy.model_copy(update=dict(bonus=s.policy.bonus.model_copy(
        update=dict(top_share=0.1, amount=1.5))))
    rng = np.random.default_rng(0)
    pct = assess(pop, np.zeros(len(pop)), org, policy, rng).percentile
    recipients, cost = award_bonuses(pop, pct, org, policy, rng)
    assert cost == 1.5 * recipients.sum()
    size = np.bincount(pop.unit, minlength=org.n_units)
    given = np.bincount(pop.unit[recipients], minlength=org.n_units)
    # floor or ceiling of 10% of each unit, and always its best-assessed cadres
    assert np.all((given == np.floor(0.1 * size)) | (given == np.ceil(0.1 * size)))
    for u in np.flatnonzero(given):
        in_unit = pop.unit == u
        assert pct[in_unit & recipients].min() > pct[in_unit & ~recipients].max()
    none, zero = award_bonuses(pop, pct, org, Policy(), rng)
    assert not none.any() and zero == 0.0


def test_bonus_share_is_met_in_expectation_in_small_units():
    """A six-person unit at a 3% share: a bonus in 18% of years, none by a percentile cut."""
    unit = np.zeros(6, np.int64)
    pct = (np.arange(6) + 0.5) / 6
    rng = np.random.default_rng(1)
    counts = [top_in_units(unit, pct, 0.03, 1, rng).sum() for _ in range(4000)]
    assert np.mean(counts) == pytest.approx(0.18, abs=0.02)


def test_comparable_ranking_adjusts_the_bottom_share_of_post_holders():
    s, org, pop = scenario_world()
    holders = np.flatnonzero(pop.post >= 0)
    score = np.random.default_rng(2).normal(size=len(pop))
    demotion = Demotion(bottom_share=0.25, consecutive_years=1, ranking="comparable",
                        transfer_share=0.5)
    result = adjust_ineffective(pop, score, org, demotion, np.random.default_rng(3))
    new = result.population
    adjusted = np.r_[result.removals.cadre_id, result.transfers.cadre_id]
    assert 0.15 * len(holders) <= len(adjusted) <= 0.35 * len(holders)
    assert len(result.transfers) > 0 and len(result.removals) > 0
    rows = np.flatnonzero(np.isin(pop.id, adjusted))
    assert np.all(pop.post[rows] >= 0) and np.all(new.post[rows] == -1)
    # the adjusted are the lowest of their group (unit kind, post level)
    level = org.post_level[pop.post[holders]]
    group = org.unit_kind[pop.unit[holders]] * 10 + level
    for g in np.unique(group):
        members = holders[group == g]
        out = np.isin(pop.id[members], adjusted)
        if out.any() and (~out).any():
            assert score[members[out]].max() < score[members[~out]].min()
    # transfers move to another unit by swapping with a cadre of the same rank: headcounts hold
    moved = np.flatnonzero(np.isin(pop.id, result.transfers.cadre_id))
    assert np.all(new.unit[moved] != pop.unit[moved])
    assert np.array_equal(np.bincount(new.unit, minlength=org.n_units),
                          np.bincount(pop.unit, minlength=org.n_units))
    partners = np.flatnonzero(np.isin(pop.id, result.partners.cadre_id))
    assert len(partners) == len(moved)
    assert sorted(pop.rank[partners]) == sorted(pop.rank[moved])
    assert np.all(pop.post[partners] == -1)
    # the within-unit rule stays off under comparable ranking
    policy = s.policy.model_copy(update=dict(demotion=demotion))
    _, within, _ = demote_and_recall(replace(pop, low_years=np.full(len(pop), 5)),
                                     np.full(len(pop), 0.01), policy)
    assert len(within) == 0


def test_comparable_ranking_needs_one_year():
    with pytest.raises(ValueError, match="consecutive_years must be 1"):
        Demotion(bottom_share=0.1, consecutive_years=2, ranking="comparable")


def test_yellow_cards_go_to_the_lowest_frontline_units():
    s, org, pop = scenario_world()
    score = -org.unit_kind[pop.unit].astype(float) + 0.01 * pop.unit  # key projects lowest
    policy = s.policy.model_copy(update=dict(
        unit_pressure=s.policy.unit_pressure.model_copy(update=dict(bottom_units=2))))
    flagged = flag_units(pop, score, org, policy)
    assert flagged.sum() == 2
    assert np.all(org.unit_frontline[flagged])  # organs are never flagged
    assert set(np.flatnonzero(flagged)) == set(np.flatnonzero(org.unit_kind == 2))


def test_demotion_and_recall_need_consecutive_low_years():
    s, org, pop = scenario_world()
    policy = s.policy.model_copy(update=dict(
        demotion=s.policy.demotion.model_copy(update=dict(bottom_share=0.1, consecutive_years=2)),
        recall=s.policy.recall.model_copy(update=dict(bottom_share=0.1, consecutive_years=3,
                                                      retraining_gain=0.5)),
    ))
    holders = np.flatnonzero(pop.post >= 0)[:3]
    plain = np.flatnonzero(pop.post < 0)[:2]
    low_years = np.zeros(len(pop), np.int64)
    low_years[holders] = [1, 2, 3]
    low_years[plain] = [2, 3]
    pct = np.full(len(pop), 0.5)
    pct[np.r_[holders, plain]] = 0.05
    new, demoted, recalled = demote_and_recall(replace(pop, low_years=low_years), pct, policy)
    assert new.post[holders[0]] == pop.post[holders[0]]  # one low year: kept
    assert new.post[holders[1]] == -1 and new.post[holders[2]] == -1
    assert sorted(demoted.cadre_id) == sorted(pop.id[holders[1:]])
    assert recalled.cadre_id.tolist() == [pop.id[plain[1]]]
    assert new.ability[plain[1]] == pytest.approx(pop.ability[plain[1]] + 0.5)
    assert new.low_years[plain[1]] == 0
