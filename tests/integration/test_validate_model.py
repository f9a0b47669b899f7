"""``youwei validate-model`` end to end at its smoke-test size (``--quick --seeds 2``):
the English and Chinese reports and validation.json written, validation.json has every
section with the structure the report and the README read, and a bad option is one line
and exit code 2 with nothing written."""

import json

import pytest

from experiments import cli
from experiments.validation.robustness import METRICS, assumptions, package_names


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    code = cli.main(["validate-model", "--out", str(out), "--quick", "--seeds", "2",
                     "--workers", "1"])
    assert code == 0
    return out


@pytest.mark.slow  # about 25 s: every section at its smoke-test size
def test_writes_both_reports_and_says_it_is_quick(report):
    assert sorted(p.name for p in report.iterdir()) == [
        "validation.json", "validation.md", "validation.zh.md"]
    markdown = (report / "validation.md").read_text(encoding="utf-8")
    for heading in ("## 1. Stylised facts", "## 2. Calibration targets",
                    "## 3. The Peter table", "## 4. Stationarity",
                    "## 5. Robustness of the package comparisons"):
        assert heading in markdown
    assert "--quick: smoke-test sizes" in markdown
    chinese = (report / "validation.zh.md").read_text(encoding="utf-8")
    for heading in ("## 1. 程式化事实", "## 2. 校准目标", "## 3. 彼得表", "## 4. 稳态检验",
                    "## 5. 政策方案比较的稳健性"):
        assert heading in chinese
    assert "--quick：冒烟测试规模" in chinese


@pytest.mark.slow
def test_json_has_every_section_with_its_structure(report):
    result = json.loads((report / "validation.json").read_text(encoding="utf-8"))
    assert result["quick"] is True
    assert result["sizes"]["fact_seeds"] == 2 and result["sizes"]["target_seeds"] == 2
    assert result["command"][:2] == ["youwei", "validate-model"]

    facts = result["stylised_facts"]
    assert facts["seeds"] == 2 and len(facts["rows"]) == 10
    assert {r["fact"] for r in facts["rows"]} == {1, 2, 3, 4}
    for row in facts["rows"]:
        assert row["ci_low"] <= row["mean"] <= row["ci_high"]
        assert isinstance(row["holds"], bool)

    targets = result["calibration_targets"]
    assert len(targets["files"]) >= 4 and targets["count"] >= 8
    assert targets["met"] == sum(t["met"] for f in targets["files"] for t in f["targets"])
    for f in targets["files"]:
        assert f["seeds"] == 2
        for t in f["targets"]:
            assert t["goal"] == pytest.approx(t["value"] * t["scale"])

    peter = result["peter"]
    assert {(c["hypothesis"], c["rule"]) for c in peter["cells"]} == {
        (h, r) for h in ("common_sense", "peter") for r in ("best", "worst", "random")}
    assert peter["runs"] == 2

    stationarity = result["stationarity"]
    assert "baseline" in {r["scenario"] for r in stationarity["rows"]}
    assert all(0 <= r["bound_share"] <= 1 for r in stationarity["rows"])

    robust = result["robustness"]
    packages = package_names()
    assert robust["packages"] == packages and robust["world"] == "baseline"
    assert [(a["path"], a["low"], a["high"]) for a in robust["assumptions"]] == list(
        assumptions())
    assert [m["metric"] for m in robust["metrics"]] == list(METRICS)
    n_pairs = len(packages) * (len(packages) - 1) // 2
    for metric in robust["metrics"]:
        assert sorted(metric["ranking"]) == sorted(packages)
        assert len(metric["pairs"]) == n_pairs
        for pair in metric["pairs"]:
            assert 0.0 <= pair["share_holds"] <= 1.0
            assert pair["relation"] in (">", "=")
            # the conclusion is the nominal order: the higher package comes first
            ranking = metric["ranking"]
            assert ranking.index(pair["higher"]) < ranking.index(pair["lower"])


def test_a_bad_option_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["validate-model", "--out", str(out), "--seeds", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("youwei: error: --seeds: expected an integer >= 2")
    assert not out.exists()
