"""The planner's summaries cite the model's validation robustness table where it covers a
conclusion, and say in one line when it does not."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from experiments.robust.support import (
    VALIDATION_JSON,
    coverage,
    read_robustness_table,
    report_line,
    support_clause,
)
from scenarios.loader import load_scenario
from tests.scenario_fixtures import SMALL_COUNTY

TABLE = {
    "world": "baseline",
    "packages": ["baseline", "ordos", "zhangdian"],
    "metrics": [{
        "metric": "mean_effort",
        "pairs": [
            {"higher": "ordos", "lower": "zhangdian", "relation": ">", "share_holds": 0.75},
            {"higher": "ordos", "lower": "baseline", "relation": ">", "share_holds": 1.0},
            {"higher": "zhangdian", "lower": "baseline", "relation": "=", "share_holds": 0.5},
        ],
    }],
}


def on_baseline(package: str) -> dict:
    return load_scenario(package, world="baseline").model_dump(mode="json")


@pytest.fixture(scope="module")
def cover():
    # Labels other than the bundled names: packages are recognised by their policy.
    return coverage({"north": on_baseline("ordos"), "south": on_baseline("zhangdian"),
                     "old": on_baseline("baseline")}, TABLE)


def test_packages_are_recognised_by_content_and_the_share_is_cited(cover):
    assert cover.world and cover.packages == {"north": "ordos", "south": "zhangdian",
                                              "old": "baseline"}
    assert report_line(cover, "zh") is None
    assert support_clause(cover, "mean_effort", "north", "south", "zh") == \
        "模型校验：在假设取值范围的 75% 样本中成立。"
    assert "holds in 75% of the samples" in support_clause(cover, "mean_effort", "north",
                                                           "south", "en")
    reversed_ = support_clause(cover, "mean_effort", "south", "north", "zh")
    assert "结论相反" in reversed_ and "75%" in reversed_
    assert "50%" in support_clause(cover, "mean_effort", "old", "south", "en")


def test_an_outcome_or_package_outside_the_table_is_said_to_be_uncovered(cover):
    assert "表中无此项结果" in support_clause(cover, "efficiency", "north", "south", "zh")
    edited = on_baseline("ordos")
    edited["policy"]["tolerance"]["excuse_rate"] = 0.123
    partly = coverage({"north": edited, "south": on_baseline("zhangdian"),
                       "old": on_baseline("baseline")}, TABLE)
    assert partly.packages == {"south": "zhangdian", "old": "baseline"}
    assert "north" in support_clause(partly, "mean_effort", "north", "south", "en")


def test_another_world_or_a_missing_file_is_one_line(tmp_path):
    # The small county extends the baseline but has another organisation: another world.
    small = tmp_path / "small.toml"
    small.write_text(SMALL_COUNTY, encoding="utf-8")
    county = load_scenario(str(small)).model_dump(mode="json")
    other = coverage({"a": county, "b": county}, TABLE)
    assert support_clause(other, "mean_effort", "a", "b", "en") is None
    assert "baseline world only" in report_line(other, "en")
    assert read_robustness_table(tmp_path / "absent.json") is None
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    assert read_robustness_table(tmp_path / "broken.json") is None
    missing = coverage({"a": county}, None)
    assert "未找到模型校验稳健性表" in report_line(missing, "zh")


def test_the_repository_table_has_the_keys_the_summaries_read():
    table = read_robustness_table(VALIDATION_JSON)
    assert table is not None and table["world"] == "baseline"
    for metric in table["metrics"]:
        assert {"metric", "pairs"} <= set(metric)
        for pair in metric["pairs"]:
            assert {"higher", "lower", "relation", "share_holds"} <= set(pair)
    assert json.loads(VALIDATION_JSON.read_text(encoding="utf-8"))["robustness"] == table


def test_the_compare_summary_cites_the_share_beside_its_conclusion(cover):
    from experiments.simulation.compare import pairwise_differences, summarise
    from experiments.simulation.compare_report import planner_summary

    rng = np.random.default_rng(0)
    rows = [("mean_effort", statistic, label, r, base + 0.01 * rng.standard_normal())
            for statistic in ("final", "mean")
            for label, base in (("north", 0.7), ("south", 0.6), ("old", 0.2))
            for r in range(6)]
    values = pd.DataFrame(rows, columns=["metric", "statistic", "scenario", "replication",
                                         "value"])
    lines = planner_summary(summarise(values), pairwise_differences(values), "zh",
                            cover=cover)
    [effort] = [line for line in lines if line.startswith("平均努力程度")]
    assert "north 最好" in effort and effort.endswith("模型校验：在假设取值范围的 75% 样本中成立。")


def test_the_robust_summary_cites_the_share_for_its_best_package_by_mean(cover):
    from experiments.robust.measures import Direction
    from experiments.robust.report import support_sentence
    from experiments.robust.tables import Verdict

    robustness = pd.DataFrame({"outcome": "mean_effort", "package": ["old", "south", "north"],
                               "mean": [0.2, 0.6, 0.7]})
    verdict = Verdict("mean_effort", Direction.MAXIMISE, None, {}, False, 3, 0)
    assert support_sentence(robustness, verdict, cover, "en") == (
        " north ahead of south: Validation: over the ranges of the model's assumptions this "
        "holds in 75% of the samples.")
    lower = Verdict("mean_effort", Direction.MINIMISE, None, {}, False, 3, 0)
    tie = support_sentence(robustness, lower, cover, "zh")  # old before south: a tie there
    assert tie.startswith("old 优于 south：") and "无差别" in tie and "50%" in tie
