"""Regret and robustness metrics on a table small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.robust.measures import (
    Direction,
    Metric,
    agreed,
    choices,
    disagreement,
    meets,
    regret,
    robustness,
)

PACKAGES = ("A", "B", "C")
# Outcome to maximise; rows: packages, columns: four worlds.
VALUES = np.array([
    [10.0, 10.0, 10.0, 10.0],  # A: never good, never bad
    [14.0, 12.0, 7.0, 14.0],   # B: best in two worlds, poor in the third
    [12.0, 13.0, 9.0, 8.0],    # C
])
# Best per world: 14, 13, 10, 14.
REGRET = np.array([
    [4.0, 3.0, 0.0, 4.0],
    [0.0, 1.0, 3.0, 0.0],
    [2.0, 0.0, 1.0, 6.0],
])


def test_regret_is_the_shortfall_from_the_best_package_of_each_world():
    np.testing.assert_array_equal(regret(VALUES, Direction.MAXIMISE), REGRET)


def test_regret_of_an_outcome_to_minimise_is_the_excess_over_the_least():
    # Negating the outcome and minimising gives the same regrets.
    np.testing.assert_array_equal(regret(-VALUES, Direction.MINIMISE), REGRET)


def test_scores_by_hand():
    scores = {s.package: s for s in robustness(VALUES, PACKAGES, Direction.MAXIMISE,
                                               threshold=11.0)}
    assert [scores[p].worst for p in PACKAGES] == [10.0, 7.0, 8.0]
    assert [scores[p].max_regret for p in PACKAGES] == [4.0, 3.0, 6.0]
    assert [scores[p].mean_regret for p in PACKAGES] == [2.75, 1.0, 2.25]
    # B's regrets sorted 0, 0, 1, 3: the 0.9 quantile at position 2.7 is 1 + 0.7 x 2.
    assert scores["B"].p90_regret == pytest.approx(2.4)
    # Worlds with at least 11: A none, B three of four, C two of four.
    assert [scores[p].share_meeting for p in PACKAGES] == [0.0, 0.75, 0.5]
    assert [scores[p].mean for p in PACKAGES] == [10.0, 11.75, 10.5]


def test_the_metrics_choose_differently_and_say_so():
    chosen = choices(robustness(VALUES, PACKAGES, Direction.MAXIMISE, threshold=11.0),
                     Direction.MAXIMISE)
    assert chosen == {Metric.MAXIMIN: ("A",), Metric.MINIMAX_REGRET: ("B",),
                      Metric.SATISFICING: ("B",)}
    assert disagreement(chosen)


def test_minimising_picks_the_least_bad_worst_case():
    # Costs: A at most 5, B at most 9, C at most 6.
    costs = np.array([[5.0, 4.0], [1.0, 9.0], [6.0, 2.0]])
    scores = robustness(costs, PACKAGES, Direction.MINIMISE, threshold=5.0)
    assert [s.worst for s in scores] == [5.0, 9.0, 6.0]
    assert [s.share_meeting for s in scores] == [1.0, 0.5, 0.5]
    chosen = choices(scores, Direction.MINIMISE)
    # Regrets: A [4, 2], B [0, 7], C [5, 0]: minimax regret A (4).
    assert chosen == {Metric.MAXIMIN: ("A",), Metric.MINIMAX_REGRET: ("A",),
                      Metric.SATISFICING: ("A",)}
    assert not disagreement(chosen)


def test_ties_are_all_reported_and_no_threshold_means_no_satisficing():
    scores = robustness(np.array([[1.0, 2.0], [2.0, 1.0]]), ("A", "B"), Direction.MAXIMISE)
    chosen = choices(scores, Direction.MAXIMISE)
    assert chosen == {Metric.MAXIMIN: ("A", "B"), Metric.MINIMAX_REGRET: ("A", "B")}
    assert np.isnan(scores[0].share_meeting)
    assert agreed(chosen) == ("A", "B") and not disagreement(chosen)


def test_metrics_agree_when_one_package_is_chosen_by_all_even_through_a_tie():
    chosen = {Metric.MAXIMIN: ("A", "B"), Metric.MINIMAX_REGRET: ("B",)}
    assert agreed(chosen) == ("B",) and not disagreement(chosen)
    assert disagreement({Metric.MAXIMIN: ("A",), Metric.MINIMAX_REGRET: ("B",)})


def test_meets_is_inclusive_in_the_direction_of_better():
    assert meets(np.array([1.0, 2.0, 3.0]), Direction.MAXIMISE, 2.0).tolist() == [
        False, True, True]
    assert meets(np.array([1.0, 2.0, 3.0]), Direction.MINIMISE, 2.0).tolist() == [
        True, True, False]


def test_a_table_that_is_not_packages_by_worlds_is_refused():
    with pytest.raises(ValueError, match="packages, worlds"):
        regret(np.array([1.0, 2.0]), Direction.MAXIMISE)
    with pytest.raises(ValueError, match="no worlds"):
        robustness(np.empty((2, 0)), ("A", "B"), Direction.MAXIMISE)
