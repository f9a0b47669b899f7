"""The statistics of ``youwei compare`` against cases with a known answer."""

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from experiments.simulation.compare import (
    Statistic,
    add_derived_metrics,
    excludes_zero,
    paired_difference,
    pairwise_differences,
    replication_seed,
    replication_values,
    summarise,
    t_interval,
    unique_labels,
    year_bands,
)
from experiments.simulation.compare_report import (
    MetricView,
    console_table,
    flatten,
    format_setting,
    planner_summary,
    policy_differences,
)

# ----------------------------------------------------------------------------- intervals


def test_t_interval_of_one_to_five_is_the_textbook_answer():
    # mean 3, s = sqrt(2.5) = 1.5811, t_{0.975, 4} = 2.776445, half-width 1.963243
    interval = t_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert interval.n == 5
    assert interval.mean == 3.0
    assert_allclose([interval.low, interval.high], [1.036757, 4.963243], atol=1e-6)


def test_t_interval_drops_nan_and_needs_two_values():
    assert t_interval([1.0, np.nan, 3.0]) == t_interval([1.0, 3.0])
    single = t_interval([4.0, np.nan])
    assert (single.mean, single.n) == (4.0, 1)
    assert math.isnan(single.low) and math.isnan(single.high)
    empty = t_interval([np.nan])
    assert empty.n == 0 and math.isnan(empty.mean)


def test_t_interval_of_constant_values_is_a_point():
    interval = t_interval([0.7] * 6)
    assert interval.n == 6
    assert_allclose([interval.mean, interval.low, interval.high], [0.7] * 3, rtol=1e-15)


def test_t_interval_covers_the_true_mean_95_percent_of_the_time():
    # 4,000 samples of 10 draws from N(2, 3^2): coverage is binomial(4000, 0.95),
    # sd 0.0034; the band below is about +-4 sd.
    rng = np.random.default_rng(20240601)
    samples = rng.normal(2.0, 3.0, size=(4000, 10))
    covered = [(i.low <= 2.0 <= i.high) for i in map(t_interval, samples)]
    assert 0.935 <= np.mean(covered) <= 0.965


def test_paired_difference_of_a_constant_shift_is_exact():
    reference = np.array([0.3, 1.7, -0.4, 2.2, 0.9])
    shifted = paired_difference(reference, reference + 0.25)
    assert_allclose([shifted.mean, shifted.low, shifted.high], [0.25] * 3, atol=1e-12)
    assert shifted.excludes_zero


def test_paired_difference_of_a_sample_with_itself_is_zero_and_not_significant():
    reference = np.array([0.3, 1.7, -0.4, 2.2, 0.9])
    same = paired_difference(reference, reference.copy())
    assert (same.mean, same.low, same.high, same.n) == (0.0, 0.0, 0.0, 5)
    assert not same.excludes_zero


def test_pairing_removes_the_shared_noise():
    # Common random numbers: both scenarios share a large replication effect (sd 5); the
    # true difference is 0.3, with independent noise of sd 0.1 on top. Over 1,000
    # experiments of 20 replications the paired interval covers 0.3 about 95% of the
    # time (binomial sd 0.007) and always excludes zero (0.3 is 9 standard errors).
    rng = np.random.default_rng(7)
    shared = rng.normal(0.0, 5.0, size=(1000, 20))
    reference = shared + rng.normal(0.0, 0.1, size=shared.shape)
    other = shared + 0.3 + rng.normal(0.0, 0.1, size=shared.shape)
    paired = [paired_difference(r, o) for r, o in zip(reference, other, strict=True)]
    assert 0.92 <= np.mean([d.low <= 0.3 <= d.high for d in paired]) <= 0.98
    assert all(d.excludes_zero for d in paired)
    # Unpaired, the two means' intervals overlap: the difference would be missed.
    a, b = t_interval(reference[0]), t_interval(other[0])
    assert a.high > b.low and b.high > a.low


def test_paired_difference_drops_pairs_with_a_nan_and_rejects_unequal_lengths():
    d = paired_difference([1.0, np.nan, 3.0], [2.0, 5.0, 4.0])
    assert (d.mean, d.n) == (1.0, 2)
    with pytest.raises(ValueError, match="differ in length"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize(("low", "high", "expected"), [
    (0.1, 0.5, True), (-0.5, -0.1, True), (-0.1, 0.1, False), (0.0, 0.4, False),
    (0.0, 0.0, False), (math.nan, math.nan, False),
])
def test_excludes_zero(low, high, expected):
    assert excludes_zero(low, high) is expected


# ----------------------------------------------------------------------------- seeds, labels


def test_replication_seed_is_the_spawned_child():
    children = np.random.SeedSequence(42).spawn(5)
    for k, child in enumerate(children):
        assert np.array_equal(replication_seed(42, k).generate_state(4), child.generate_state(4))
    # a fresh object each time: spawning from one does not change the next
    replication_seed(42, 1).spawn(3)
    assert np.array_equal(replication_seed(42, 1).generate_state(4),
                          children[1].generate_state(4))


def test_unique_labels_number_repeats():
    assert unique_labels(["a", "b", "a", "a"]) == ["a", "b", "a_2", "a_3"]


# ----------------------------------------------------------------------------- tables


def tidy(values: dict[str, np.ndarray], metric: str = "x") -> pd.DataFrame:
    """A tidy table from {scenario: (replications, years) array}."""
    rows = []
    for scenario, table in values.items():
        for k, series in enumerate(table):
            for year, value in enumerate(series, start=1):
                rows.append({"scenario": scenario, "scenario_hash": "h", "seed": 1,
                             "replication": k, "year": year, metric: value})
    return pd.DataFrame(rows)


def test_replication_values_final_is_the_last_year_even_when_undefined():
    series = tidy({"a": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, np.nan]])})
    values = replication_values(series).set_index(["statistic", "replication"])["value"]
    assert values[(Statistic.FINAL, 0)] == 3.0
    assert math.isnan(values[(Statistic.FINAL, 1)])  # not 5.0, the last defined year
    assert values[(Statistic.MEAN, 0)] == 2.0
    assert values[(Statistic.MEAN, 1)] == 4.5  # undefined years skipped


def test_summarise_gives_known_means_and_paired_differences():
    base = np.array([[1.0, 2.0], [3.0, 6.0], [2.0, 1.0], [5.0, 4.0]])
    series = tidy({"ref": base, "plus_one": base + 1.0, "same": base.copy()})
    summary = summarise(replication_values(series)).set_index(["statistic", "scenario"])

    final = t_interval(base[:, -1])
    ref = summary.loc[(Statistic.FINAL, "ref")]
    assert_allclose([ref["mean"], ref["ci_low"], ref["ci_high"]],
                    [final.mean, final.low, final.high])
    assert math.isnan(ref["diff"]) and not ref["significant"]
    assert (summary["reference"] == "ref").all()

    plus = summary.loc[(Statistic.MEAN, "plus_one")]
    assert plus["mean"] == pytest.approx(base.mean() + 1.0)
    assert_allclose([plus["diff"], plus["diff_ci_low"], plus["diff_ci_high"]], [1.0] * 3)
    assert plus["significant"]

    same = summary.loc[(Statistic.FINAL, "same")]
    assert (same["diff"], same["diff_ci_low"], same["diff_ci_high"]) == (0.0, 0.0, 0.0)
    assert not same["significant"]


def test_year_bands_are_t_intervals_per_year():
    values = np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 30.0]])
    bands = year_bands(tidy({"a": values}), "x")
    assert bands["year"].tolist() == [1, 2]
    for year, column in zip((1, 2), values.T, strict=True):
        expected = t_interval(column)
        row = bands[bands["year"] == year].iloc[0]
        assert_allclose([row["mean"], row["low"], row["high"]],
                        [expected.mean, expected.low, expected.high])
        assert row["n"] == 3


def test_derived_metrics_sum_exits_and_divide_by_headcount():
    frame = pd.DataFrame({"headcount": [100, 50], "voluntary_exits_organ": [1, 2],
                          "voluntary_exits_frontline": [3, 0], "punished_honest": [5, 1]})
    out = add_derived_metrics(frame)
    assert out["voluntary_exits"].tolist() == [4.0, 2.0]
    assert_allclose(out["voluntary_exit_rate"], [0.04, 0.04])
    assert_allclose(out["punished_honest_rate"], [0.05, 0.02])
    assert "excused_honest_rate" not in out  # its reporter is absent
    assert list(add_derived_metrics(pd.DataFrame({"efficiency": [1.0]})).columns) == [
        "efficiency"]


# ----------------------------------------------------------------------------- presentation


def test_metric_view_formats_shares_in_percent_and_differences_in_points():
    view = MetricView("s", "share", 100.0, 1, "%", " pp")
    assert view.value(0.256) == "25.6%"
    assert view.diff(0.05) == "+5.0 pp"
    assert view.interval(0.01, 0.09, signed=True) == "[+1.0 pp, +9.0 pp]"
    assert view.value(math.nan) == "n/a"


def test_console_table_marks_only_significant_differences():
    base = np.array([[0.2], [0.3], [0.25], [0.35]])
    series = tidy({"ref": base, "up": base + 0.1, "same": base.copy()}, metric="mean_effort")
    text = console_table(summarise(replication_values(series)))
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ")
             and line.split()}
    assert lines["up"].endswith("*")
    assert "+0.100 [+0.100, +0.100]" in lines["up"]
    assert not lines["same"].endswith("*")
    assert "difference from ref" in text.splitlines()[0]


def test_policy_differences_lists_levers_first_and_only_what_differs():
    a = {"name": "a", "years": 15, "organisation": {"organs": {"count": 8, "posts": {"1": 2}}},
         "policy": {"tolerance": {"excuse_rate": 0.0, "publicity": 0.0}}}
    b = {"name": "b", "years": 15, "organisation": {"organs": {"count": 12, "posts": {"1": 2}}},
         "policy": {"tolerance": {"excuse_rate": 0.6, "publicity": 0.0}}}
    c = {**b, "name": "c", "organisation": {"organs": {"count": 12, "posts": {"2": 1}}}}
    table = policy_differences({"a": a, "b": b, "c": c})
    assert table.index.tolist() == ["policy.tolerance.excuse_rate", "organisation.organs.count",
                                    "organisation.organs.posts.1",
                                    "organisation.organs.posts.2"]
    assert table.loc["organisation.organs.posts.2"].tolist() == [None, None, 1]
    assert policy_differences({"a": a, "a_2": a}).empty


def test_flatten_and_format_setting():
    assert flatten({"a": {"b": 1, "c": {"1": 2}}, "d": [1, 2], "e": {}}) == {
        "a.b": 1, "a.c.1": 2, "d": [1, 2], "e": {}}
    assert format_setting([0.6, 0.3]) == "0.6, 0.3"
    assert format_setting(True) == "yes"
    assert format_setting(None) == "-"


# ----------------------------------------------------------------------------- planner summary


def two_metrics(values: dict[str, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """A tidy table with mean_effort and total_cost from {scenario: (effort, cost)}."""
    effort = tidy({s: e for s, (e, _) in values.items()}, metric="mean_effort")
    cost = tidy({s: c for s, (_, c) in values.items()}, metric="total_cost")
    return effort.merge(cost, on=["scenario", "scenario_hash", "seed", "replication", "year"])


NOISE = np.array([[0.0, 0.01], [0.02, -0.01], [-0.01, 0.0], [0.01, 0.02]])
PACKAGES = {
    "ref": (0.30 + NOISE, np.zeros((4, 2))),
    "mid": (0.40 + NOISE + np.array([[0.0, 0.003]] * 4), np.full((4, 2), 10.0)),
    "top": (0.50 + NOISE, np.full((4, 2), 50.0)),
}


def test_pairwise_differences_cover_every_pair_with_paired_intervals():
    values = replication_values(two_metrics(PACKAGES))
    pairs = pairwise_differences(values, metrics=["mean_effort"])
    final = pairs[pairs["statistic"] == Statistic.FINAL]
    assert list(zip(final["first"], final["second"], strict=True)) == [
        ("ref", "mid"), ("ref", "top"), ("mid", "top")]
    row = final.set_index(["first", "second"]).loc[("mid", "top")]
    # top - mid = 0.1 - 0.003 in every replication: a paired interval of zero width.
    assert_allclose([row["diff"], row["diff_ci_low"], row["diff_ci_high"]], [0.097] * 3)
    assert row["significant"] and row["n"] == 4


def test_the_summary_names_the_best_package_its_margin_and_the_cost_per_effect():
    values = replication_values(two_metrics(PACKAGES))
    summary = summarise(values)
    pairs = pairwise_differences(values)
    lines = planner_summary(summary, pairs, "en")
    assert lines[0].startswith("mean effort (0-1) (higher is better): top is best, 0.097 "
                               "higher than mid [95% CI +0.097 to +0.097].")
    assert lines[1].startswith("cost (bonus + subsidy), 10,000 yuan a year (lower is better): "
                               "ref is best, 10.0 lower than mid")
    assert "Cost: ref 0.0 万元 a year, mid 10.0 万元 a year, top 50.0 万元 a year." in lines
    # mid: +0.103 effort for 10 万元: 10 / 10.3 per +0.01; top: 50 / 20.
    assert lines[-1] == ("Cost per unit of effect against ref: mid 1.0 万元 a year per +0.01 "
                         "mean effort, top 2.5 万元 a year per +0.01 mean effort.")
    chinese = planner_summary(summary, pairs, "zh")
    assert chinese[0].startswith("平均努力程度（0-1）（越高越好）：top 最好，比 mid 高 0.097")


def test_no_package_is_called_best_when_the_interval_includes_zero():
    same = {"a": (0.3 + NOISE, np.zeros((4, 2))), "b": (0.3 + NOISE[::-1], np.zeros((4, 2)))}
    values = replication_values(two_metrics(same))
    line = planner_summary(summarise(values), pairwise_differences(values), "en")[0]
    assert "no package is clearly best" in line


def test_counts_per_100_cadres_stand_beside_the_share_they_explain():
    from experiments.simulation.compare_report import KEY_METRICS, results_table

    shares = [v for v in KEY_METRICS if v.unit == "%" and v.beside is not None]
    assert [v.column for v in shares] == ["punished_honest_share",
                                          "excused_self_serving_share"]
    assert not any(v.column.endswith("_rate") and v.column != "voluntary_exit_rate"
                   for v in KEY_METRICS)  # counts only beside their share
    base = np.array([[0.5, 0.4], [0.6, 0.5], [0.4, 0.5], [0.5, 0.6]])
    series = tidy({"a": base, "b": base - 0.2}, metric="punished_honest_share")
    series["punished_honest_rate"] = series["punished_honest_share"] / 10
    html = results_table(summarise(replication_values(series)), Statistic.FINAL)
    assert "share of honest errors punished (reverse punishment) — beside it: honest errors " \
           "punished, per 100 cadres a year" in html
    assert ">5.00<" in html  # a's final-year count, 0.05 per cadre = 5.00 per 100
