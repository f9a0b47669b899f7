"""Reporters (docs/model.md section 7.13) recomputed from the year's record."""

import numpy as np
import pytest
from scipy import stats

from scenarios.schema import PromotionRule, Scenario
from sim import CadreModel, metrics
from sim.state import ErrorOutcome


@pytest.fixture(scope="module")
def model() -> CadreModel:
    s = Scenario(years=3)
    s = s.model_copy(update=dict(policy=s.policy.model_copy(update=dict(
        promotion=s.policy.promotion.model_copy(update=dict(rule=PromotionRule.MERIT)),
        tolerance=s.policy.tolerance.model_copy(update=dict(excuse_rate=0.5, discrimination=0.7)),
        subsidy=s.policy.subsidy.model_copy(update=dict(frontline_premium=0.2)),
    ))))
    m = CadreModel(s, rng=4)
    m.run()
    return m


def test_efficiency_weighs_performance_by_responsibility(model):
    rec = model.record
    weight = np.where(rec.worked.post >= 0, 1 + model.organisation.post_level[rec.worked.post], 1)
    expected = np.sum(weight * rec.performance) / weight.sum()
    assert metrics.efficiency(model) == pytest.approx(expected)


def test_responsibility_index(model):
    rec = model.record
    punished = np.count_nonzero(rec.review.outcome == ErrorOutcome.PUNISHED_HONEST)
    expected = 100 * rec.worked.effort.mean() * (1 - punished / len(rec.worked))
    assert metrics.responsibility_index(model) == pytest.approx(expected)
    assert 0 <= expected <= 100


def test_merit_promotion_correlation_is_spearman(model):
    rec = model.record
    promoted = rec.allocation.promoted(len(rec.candidates))
    expected = stats.spearmanr(rec.candidates.merit, promoted).statistic
    assert metrics.merit_promotion_correlation(model) == pytest.approx(expected)
    assert expected > 0.1  # merit promotion: the better rise


def test_promotion_shares(model):
    rec = model.record
    promoted = rec.allocation.promoted(len(rec.candidates))
    frontline = model.organisation.unit_frontline[rec.candidates.unit]
    assert metrics.promotion_frontline_share(model) == pytest.approx(frontline[promoted].mean())
    top = rec.candidate_performance >= np.quantile(rec.candidate_performance, 0.8)
    assert metrics.promotion_top_quintile_share(model) == pytest.approx(top[promoted].mean(),
                                                                        abs=0.02)
    assert metrics.promotions_count(model) == promoted.sum()


def test_costs(model):
    frontline = np.count_nonzero(model.organisation.unit_frontline[model.record.worked.unit])
    assert metrics.subsidy_cost(model) == pytest.approx(frontline * 12.0 * 0.2)
    assert metrics.bonus_cost(model) == 0.0
