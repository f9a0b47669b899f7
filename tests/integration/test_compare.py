"""``youwei compare`` end to end on small scenario files: outputs, provenance, statistics,
seeds and worker counts, bad input."""

import contextlib
import io
import json
import re
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from experiments.simulation.compare import (
    PROVENANCE_COLUMNS,
    replication_tasks,
    run_replications,
)
from experiments.simulation.compare_cmd import DATA_FILES, plan_comparison, run_compare
from experiments.simulation.compare_report import FIGURE_FILES
from scenarios import load_scenario, scenario_hash
from sim.metrics import COUNTY_REPORTERS
from tests.scenario_fixtures import SMALL_COUNTY

# The baseline rules on a small county (58 cadres): a comparison of 3 scenarios x 4
# replications x 3 years takes a few seconds, figures included.
SMALL = SMALL_COUNTY
# Tolerance that tells honest errors apart, merit promotion and a large bonus: every lever
# of the effort equation pushes up (docs/model.md section 3, step 1).
ENGAGED = """\
extends = "small.toml"
name = "engaged"
description = "Tolerance & merit <b>for all</b>"

[policy.promotion]
rule = "merit"

[policy.tolerance]
excuse_rate = 0.9
discrimination = 0.9
publicity = 1.0

[policy.bonus]
top_share = 0.3
amount = 2.0
"""
REPLICATIONS, YEARS, SEED = 4, 3, 3


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scenarios")
    paths = {}
    for name, text in (("small", SMALL), ("engaged", ENGAGED)):
        paths[name] = folder / f"{name}.toml"
        paths[name].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def compared(files, tmp_path_factory):
    """small vs engaged vs small again: (out folder, console output)."""
    out = tmp_path_factory.mktemp("compare") / "out"
    sources = [str(files["small"]), str(files["engaged"]), str(files["small"])]
    command = ["youwei", "compare", *sources, "--out", str(out)]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = run_compare(sources, replications=REPLICATIONS, years=YEARS, seed=SEED,
                           out=out, command=command)
    assert code == 0
    return out, stdout.getvalue()


def summary_row(summary: pd.DataFrame, metric: str, statistic: str, scenario: str) -> pd.Series:
    rows = summary[(summary["metric"] == metric) & (summary["statistic"] == statistic)
                   & (summary["scenario"] == scenario)]
    assert len(rows) == 1
    return rows.iloc[0]


def hidden(folder: Path) -> list[str]:
    """Temporary folders the atomic writer may have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ----------------------------------------------------------------------------- outputs


def test_compare_writes_every_file(compared):
    out, _ = compared
    assert sorted(p.name for p in out.iterdir()) == sorted([*DATA_FILES, *FIGURE_FILES])
    assert hidden(out.parent) == []
    for name in FIGURE_FILES:
        assert (out / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_series_is_tidy_with_provenance(compared, files):
    out, _ = compared
    series = pd.read_parquet(out / "series.parquet")
    assert list(series.columns[:4]) == list(PROVENANCE_COLUMNS)
    assert len(series) == 3 * REPLICATIONS * YEARS
    assert set(COUNTY_REPORTERS) <= set(series.columns)
    assert {"voluntary_exits", "voluntary_exit_rate", "punished_honest_rate"} <= set(
        series.columns)
    assert pd.unique(series["scenario"]).tolist() == ["small_county", "engaged",
                                                      "small_county_2"]
    assert (series["seed"] == SEED).all()
    counts = series.groupby(["scenario", "replication"]).size()
    assert (counts == YEARS).all() and len(counts) == 3 * REPLICATIONS
    run = load_scenario(files["small"]).model_copy(update={"years": YEARS, "seed": SEED})
    assert set(series.loc[series["scenario"] == "small_county", "scenario_hash"]) == {
        scenario_hash(run)}
    metadata = json.loads(pq.read_schema(out / "series.parquet").metadata[b"youwei"])
    assert metadata["seed"] == SEED and metadata["replications"] == REPLICATIONS
    assert metadata["software"]["youwei"]
    assert metadata["scenarios"]["small_county"] == scenario_hash(run)


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(compared):
    out, _ = compared
    series = pd.read_parquet(out / "series.parquet")
    metrics = series.columns[5:]
    first = series[series["scenario"] == "small_county"][metrics].reset_index(drop=True)
    again = series[series["scenario"] == "small_county_2"][metrics].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, again)  # common random numbers: same seeds

    summary = pd.read_csv(out / "summary.csv")
    same = summary[summary["scenario"] == "small_county_2"]
    defined = same.dropna(subset=["diff", "diff_ci_low", "diff_ci_high"])  # n >= 2
    assert len(defined) > 0.9 * len(same)
    assert (defined[["diff", "diff_ci_low", "diff_ci_high"]] == 0).all().all()
    assert not same["significant"].any()


def test_a_variant_known_to_raise_effort_shows_a_significant_rise(compared):
    out, _ = compared
    summary = pd.read_csv(out / "summary.csv")
    for statistic in ("final", "mean"):
        row = summary_row(summary, "mean_effort", statistic, "engaged")
        assert row["diff"] > 0 and row["diff_ci_low"] > 0 and row["significant"]
        assert row["diff_ci_low"] <= row["diff"] <= row["diff_ci_high"]


def test_summary_has_a_row_per_metric_statistic_and_scenario_with_provenance(compared):
    out, _ = compared
    summary = pd.read_csv(out / "summary.csv")
    n_metrics = summary["metric"].nunique()
    assert len(summary) == n_metrics * 2 * 3
    assert set(summary["statistic"]) == {"final", "mean"}
    assert (summary["reference"] == "small_county").all()
    reference = summary[summary["scenario"] == "small_county"]
    assert reference["diff"].isna().all() and not reference["significant"].any()
    assert (summary["seed"] == SEED).all() and (summary["replications"] == REPLICATIONS).all()
    assert summary["scenario_hash"].str.fullmatch("[0-9a-f]{64}").all()
    assert summary["youwei_version"].notna().all()
    effort = summary_row(summary, "mean_effort", "final", "small_county")
    assert effort["n"] == REPLICATIONS
    assert effort["ci_low"] <= effort["mean"] <= effort["ci_high"]


def test_manifest_records_scenarios_seed_and_versions(compared, files):
    out, _ = compared
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in manifest["scenarios"]] == ["small_county", "engaged",
                                                           "small_county_2"]
    assert manifest["scenarios"][0]["source"] == str(files["small"])
    assert manifest["scenarios"][1]["resolved"]["policy"]["tolerance"]["excuse_rate"] == 0.9
    assert manifest["scenarios"][1]["resolved_toml"].startswith("# Resolved scenario 'engaged'")
    assert (manifest["seed"], manifest["replications"], manifest["years"]) == (
        SEED, REPLICATIONS, YEARS)
    assert manifest["reference"] == "small_county"
    assert manifest["software"]["youwei"] and manifest["software"]["mesa"]
    assert manifest["command"][:2] == ["youwei", "compare"]
    assert sorted(manifest["files"]) == sorted([*DATA_FILES, *FIGURE_FILES])


def test_report_is_one_self_contained_escaped_page(compared):
    out, _ = compared
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Scenario comparison: small_county vs engaged vs small_county_2" in page
    assert len(re.findall(r'src="data:image/png;base64,', page)) == len(FIGURE_FILES)
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing fetched from elsewhere
    assert "Tolerance &amp; merit &lt;b&gt;for all&lt;/b&gt;" in page
    assert "<b>for all</b>" not in page
    assert "policy.tolerance.excuse_rate" in page  # the policy differences table
    assert "organisation.organs.count" not in page  # the world is the same
    assert "not forecasts" in page
    assert scenario_hash(load_scenario(
        json.loads((out / "manifest.json").read_text())["scenarios"][1]["source"]
    ).model_copy(update={"years": YEARS, "seed": SEED})) in page


def test_a_chinese_report_describes_a_scenario_in_chinese_when_it_can():
    from experiments.simulation.compare_report import described

    both = {"description": "Ordos", "description_zh": "鄂尔多斯"}
    assert (described(both, "zh"), described(both, "en")) == ("鄂尔多斯", "Ordos")
    assert described({"description": "Ordos", "description_zh": ""}, "zh") == "Ordos"


def test_console_shows_key_metrics_with_significance_marks(compared):
    _, text = compared
    assert "mean effort" in text and "voluntary exits" in text
    engaged = [line for line in text.splitlines() if line.strip().startswith("engaged")]
    assert engaged[0].rstrip().endswith("*")  # mean effort: a significant rise
    assert f"{REPLICATIONS} replications x {YEARS} years, seed {SEED}" in text


def test_the_same_comparison_again_replaces_it_with_the_same_bytes(compared, files, capsys):
    out, _ = compared
    before = {name: (out / name).read_bytes() for name in (*DATA_FILES, *FIGURE_FILES)}
    sources = [str(files["small"]), str(files["engaged"]), str(files["small"])]
    command = ["youwei", "compare", *sources, "--out", str(out)]
    assert run_compare(sources, replications=REPLICATIONS, years=YEARS, seed=SEED, out=out,
                       command=command) == 0
    capsys.readouterr()
    after = {name: (out / name).read_bytes() for name in before}
    assert [name for name in before if before[name] != after[name]] == []
    assert hidden(out.parent) == []


# ----------------------------------------------------------------------------- seeds, workers


def test_results_do_not_depend_on_the_number_of_workers(files):
    plan = plan_comparison([str(files["small"]), str(files["engaged"])], replications=2,
                           years=2, seed=11)
    tasks = replication_tasks(plan.scenarios, plan.labels, replications=2, seed=11)
    serial = pd.concat(list(run_replications(tasks, workers=1)), ignore_index=True)
    parallel = pd.concat(list(run_replications(tasks, workers=2)), ignore_index=True)
    pd.testing.assert_frame_equal(serial, parallel)
    other_seed = replication_tasks(plan.scenarios, plan.labels, replications=2, seed=12)
    different = pd.concat(list(run_replications(other_seed[:1])), ignore_index=True)
    assert not different["mean_effort"].equals(serial["mean_effort"].iloc[:2])


# ----------------------------------------------------------------------------- bad input


def fails_cleanly(capsys, out: Path, *words: str, **kwargs) -> None:
    """run_compare returns 2, prints one error line naming ``words``, writes nothing."""
    defaults = {"replications": 3, "years": 2, "seed": 1, "out": out}
    assert run_compare(**{**defaults, **kwargs}) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("youwei: error: ")
    for word in words:
        assert word in lines[0]
    assert captured.out == ""
    assert not out.exists()
    assert hidden(out.parent) == []


def test_fewer_than_two_scenarios_is_an_error(files, tmp_path, capsys):
    fails_cleanly(capsys, tmp_path / "out", "at least 2 scenarios",
                  scenarios=[str(files["small"])])


def test_fewer_than_two_replications_is_an_error(files, tmp_path, capsys):
    fails_cleanly(capsys, tmp_path / "out", "--replications", "at least 2 replications",
                  scenarios=[str(files["small"]), str(files["engaged"])], replications=1)


def test_an_unknown_scenario_is_an_error(files, tmp_path, capsys):
    fails_cleanly(capsys, tmp_path / "out", "no_such_scenario", "bundled",
                  scenarios=[str(files["small"]), "no_such_scenario"])


def test_a_malformed_scenario_names_file_and_key(files, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "baseline.toml"\n[policy.tolerance]\nexcuse_rate = 1.5\n',
                   encoding="utf-8")
    fails_cleanly(capsys, tmp_path / "out", "bad.toml", "policy.tolerance.excuse_rate", "1.5",
                  scenarios=[str(files["small"]), str(bad)])


def test_bad_years_seed_and_workers_are_errors(files, tmp_path, capsys):
    both = [str(files["small"]), str(files["engaged"])]
    fails_cleanly(capsys, tmp_path / "out", "--years", scenarios=both, years=0)
    fails_cleanly(capsys, tmp_path / "out", "--seed", scenarios=both, seed=-1)
    fails_cleanly(capsys, tmp_path / "out", "--workers", scenarios=both, workers=0)


def test_scenarios_with_different_years_need_years(files, tmp_path, capsys):
    longer = tmp_path / "longer.toml"
    longer.write_text(f'extends = "{files["small"]}"\nname = "longer"\nyears = 5\n',
                      encoding="utf-8")
    fails_cleanly(capsys, tmp_path / "out", "longer.toml", "'years'", "--years",
                  scenarios=[str(files["small"]), str(longer)], years=None)


def test_a_pyramid_cannot_be_compared_with_a_county(files, tmp_path, capsys):
    fails_cleanly(capsys, tmp_path / "out", "peter_principle", "county",
                  scenarios=[str(files["small"]), "peter_principle"])


def test_an_out_folder_with_other_files_is_left_alone(files, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert run_compare([str(files["small"]), str(files["engaged"])], replications=2, years=1,
                       seed=1, out=out) == 2
    err = capsys.readouterr().err
    assert err.startswith("youwei: error: ") and "notes.txt" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("own", [
    {"report.md": "# my notes\n"},
    {"summary.csv": "a,b\n1,2\n"},
    {"manifest.json": '{"files": ["manifest.json"]}\n'},  # ours by name, not by signature
])
def test_a_users_file_with_one_of_our_names_survives(files, tmp_path, capsys, own):
    out = tmp_path / "mine"
    out.mkdir()
    for name, text in own.items():
        (out / name).write_text(text, encoding="utf-8")
    assert run_compare([str(files["small"]), str(files["engaged"])], replications=2, years=1,
                       seed=1, out=out, workers=1) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds files youwei did not write" in err
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == own


# ----------------------------------------------------------------------------- the runner


@pytest.mark.slow
def test_a_dask_cluster_gives_a_byte_identical_summary(files, tmp_path):
    distributed = pytest.importorskip("distributed")
    sources = [str(files["small"]), str(files["engaged"])]
    settings = {"replications": 2, "years": 2, "seed": 5}
    serial, dask = tmp_path / "serial", tmp_path / "dask"
    with contextlib.redirect_stdout(io.StringIO()):
        assert run_compare(sources, out=serial, workers=1, **settings) == 0
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=":0") as cluster:
            assert run_compare(sources, out=dask, scheduler=cluster.scheduler_address,
                               **settings) == 0
    assert (dask / "summary.csv").read_bytes() == (serial / "summary.csv").read_bytes()
    assert (dask / "series.parquet").read_bytes() == (serial / "series.parquet").read_bytes()


def test_a_scheduler_that_is_not_an_address_is_one_line_at_once(files, tmp_path, capsys):
    start = time.monotonic()
    fails_cleanly(capsys, tmp_path / "out", "--scheduler", "expected a Dask scheduler address",
                  "'not-an-address'", scenarios=[str(files["small"]), str(files["engaged"])],
                  scheduler="not-an-address")
    assert time.monotonic() - start < 5
