"""``youwei robust`` and ``youwei discover`` end to end on a small county.

Three packages on eight sampled worlds, two replications, three years: 48 runs
of a 58-cadre county, a few seconds in one process.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.robust.command import run_robust
from experiments.robust.spec import load_robust_spec
from experiments.sweep.command import run_sweep
from tests.processes import kill_when
from tests.scenario_fixtures import SMALL_COUNTY, write

SPEC = """\
name = "small_robust"
world = "small.toml"
years = 3
seed = 11
replications = 2

[packages]
baseline = "baseline"
same_as_baseline = { "policy.tolerance.excuse_rate" = 0.0 }
tolerant = { "policy.tolerance.excuse_rate" = 0.8, "policy.promotion.rule" = "merit" }

[uncertainties]
"behaviour.sanction_cost" = { range = [2.0, 8.0] }
"behaviour.error_slope" = { range = [0.03, 0.08] }

[design]
method = "lhs"
samples = 8

[outcomes.mean_effort]
direction = "max"
threshold = 0.5

[outcomes.punished_honest_share]
direction = "min"
"""

KILL_SCRIPT = """\
import sys
from pathlib import Path

from experiments.robust.command import run_robust

if __name__ == "__main__":
    sys.exit(run_robust(Path(sys.argv[1]), out=Path(sys.argv[2]), workers=2, lang="en"))
"""

TABLES = ("results.parquet", "regret.csv", "robustness.csv")


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("robust_spec")
    write(folder, "small.toml", SMALL_COUNTY)
    return write(folder, "robust.toml", SPEC)


@pytest.fixture(scope="module")
def reference(spec_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("robust") / "out"
    assert run_robust(spec_file, out=out, workers=1, lang="zh", command=["youwei", "robust"]) == 0
    return out


def digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in TABLES}


def test_every_package_runs_on_every_world_with_common_random_numbers(reference):
    results = pd.read_parquet(reference / "results.parquet")
    assert len(results) == 3 * 8 * 2
    assert list(results["package"].unique()) == ["baseline", "same_as_baseline", "tolerant"]
    assert {"behaviour.sanction_cost", "behaviour.error_slope", "mean_effort",
            "punished_honest_share", "bonus_cost", "subsidy_cost", "total_cost"} <= set(
        results.columns)
    by = {p: g.sort_values(["sample", "replication"]).reset_index(drop=True)
          for p, g in results.groupby("package")}
    # Same worlds under every package ...
    for package in ("same_as_baseline", "tolerant"):
        pd.testing.assert_series_equal(by[package]["behaviour.sanction_cost"],
                                       by["baseline"]["behaviour.sanction_cost"])
    # ... and the same random numbers: a package equal to baseline gives equal runs.
    np.testing.assert_array_equal(by["same_as_baseline"]["mean_effort"],
                                  by["baseline"]["mean_effort"])
    assert not np.array_equal(by["tolerant"]["mean_effort"], by["baseline"]["mean_effort"])


def test_regret_and_robustness_tables(reference):
    regret = pd.read_csv(reference / "regret.csv")
    assert (regret["regret"] >= 0).all()
    assert len(regret) == 2 * 3 * 8
    # Regret is the shortfall from the best package of the world.
    effort = regret[regret["outcome"] == "mean_effort"]
    np.testing.assert_allclose(effort["regret"], effort["best"] - effort["value"])
    assert effort.groupby("sample")["regret"].min().eq(0).all()
    robustness = pd.read_csv(reference / "robustness.csv")
    assert len(robustness) == 2 * 3
    row = robustness.set_index(["outcome", "package"]).loc[("mean_effort", "tolerant")]
    values = effort[effort["package"] == "tolerant"]
    assert row["max_regret"] == pytest.approx(values["regret"].max())
    assert row["share_meeting"] == pytest.approx((values["value"] >= 0.5).mean())
    assert robustness["chosen_by"].notna().any()


def test_the_report_opens_with_a_summary_in_chinese_and_in_english(reference, spec_file):
    report = (reference / "report.html").read_text(encoding="utf-8")
    assert report.index("摘要") < report.index("各方案在各项结果上的稳健性")
    assert "后悔值" in report and "万元" in report
    # The small county is not the world of the validation robustness table: one line says so.
    assert report.count("模型校验稳健性表只覆盖 baseline 基础情景") == 1
    from experiments.robust.report import write_robust_report

    english = reference.parent / "english"
    import shutil

    shutil.copytree(reference, english)
    write_robust_report(load_robust_spec(spec_file), english, "en")
    text = (english / "report.html").read_text(encoding="utf-8")
    assert text.index("Summary") < text.index("Robustness of each package")
    assert "minimax regret" in text and "摘要" not in text


def test_resume_of_a_finished_experiment_changes_nothing_and_a_rerun_is_refused(
        reference, spec_file, capsys):
    before = digests(reference)
    assert run_robust(spec_file, out=reference, workers=1, resume=True) == 0
    assert digests(reference) == before
    capsys.readouterr()
    assert run_robust(spec_file, out=reference, workers=1) == 2
    assert "add --resume" in capsys.readouterr().err


@pytest.mark.slow
def test_a_process_pool_and_dask_give_the_same_tables(reference, spec_file, tmp_path):
    pool = tmp_path / "pool"
    assert run_robust(spec_file, out=pool, workers=2) == 0
    assert digests(pool) == digests(reference)
    distributed = pytest.importorskip("distributed")
    dask = tmp_path / "dask"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert run_robust(spec_file, out=dask, scheduler=cluster.scheduler_address) == 0
    assert digests(dask) == digests(reference)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="kills a process group")
def test_resume_after_kill_9_gives_the_same_tables(reference, spec_file, tmp_path):
    out = tmp_path / "killed"
    script = write(tmp_path, "robust_script.py", KILL_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), str(spec_file), str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    second = out / "packages" / "same_as_baseline" / "parts"
    # the first package done, the second begun
    kill_when(process, lambda: bool(list(second.glob("*-runs.parquet"))), 90, "results")
    assert not (out / "results.parquet").exists(), "finished before it was killed"
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["status"] == "running"
    assert run_robust(spec_file, out=out, workers=1, resume=True) == 0
    assert digests(out) == digests(reference)


# --------------------------------------------------------------------------- bad specs


@pytest.mark.parametrize(("change", "expected"), [
    (('"policy.tolerance.excuse_rate" = 0.8,', '"policy.tolerance.excuse_rat" = 0.8,'),
     "robust.toml, key 'packages.tolerant.\"policy.tolerance.excuse_rat\"': unknown lever"),
    (('"behaviour.sanction_cost" = { range = [2.0, 8.0] }',
      '"behaviour.sanction_cost" = { range = [8.0, 2.0] }'),
     "robust.toml, key 'uncertainties.\"behaviour.sanction_cost\".range': expected low < high"),
    (("[outcomes.punished_honest_share]", "[outcomes.reverse_punishment]"),
     "robust.toml, key 'outcomes.reverse_punishment': unknown outcome 'reverse_punishment'"),
    (('direction = "min"', 'direction = "min"\n\n[budget]\ncost = "subsidy_cost"\nmax = 10.0'),
     "robust.toml, key 'budget.cost': no package has subsidy_cost"),
    (('"behaviour.error_slope" = { range = [0.03, 0.08] }',
      '"policy.tolerance.discrimination" = { range = [0.5, 1.0] }'),
     "robust.toml, key 'uncertainties.\"policy.tolerance.discrimination\"': "
     "policy.tolerance.discrimination is a lever"),
])
def test_a_bad_spec_is_one_line_exit_2_and_nothing_written(spec_file, tmp_path, capsys, change,
                                                           expected):
    assert change[0] in SPEC
    folder = tmp_path / "spec"
    folder.mkdir()
    write(folder, "small.toml", SMALL_COUNTY)
    path = write(folder, "robust.toml", SPEC.replace(*change))
    out = tmp_path / "out"
    assert main(["robust", str(path), "--out", str(out), "--workers", "1"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"youwei: error: {expected}"), error
    assert error.count("\n") == 1
    assert not out.exists()


# --------------------------------------------------------------------------- discover


def test_discover_on_a_robust_folder_writes_the_box_and_the_report_lists_it(
        reference, spec_file, tmp_path, capsys):
    folder = tmp_path / "copy"
    import shutil

    shutil.copytree(reference, folder)
    results = pd.read_parquet(folder / "results.parquet")
    effort = results[results["package"] == "baseline"].groupby("sample")["mean_effort"].mean()
    value = float(effort.median())
    assert main(["discover", str(folder), "--outcome", "mean_effort", "--below", f"{value}",
                 "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "mean_effort below" in out and "coverage" in out
    [found] = list((folder / "discovery").iterdir())
    box = json.loads((found / "box.json").read_text(encoding="utf-8"))
    assert box["package"] == "baseline" and box["cases"] == 8
    assert box["cases_of_interest"] == int((effort < value).sum())
    trajectory = pd.read_csv(found / "trajectory.csv")
    assert trajectory["coverage"].iloc[0] == 1.0
    assert (found / "peeling.png").stat().st_size > 0
    from experiments.robust.report import write_robust_report

    write_robust_report(load_robust_spec(spec_file), folder, "en")
    assert "Where it fails: Where mean effort" in (folder / "report.html").read_text(
        encoding="utf-8")


def test_discover_on_a_sweep_folder(spec_file, tmp_path, capsys):
    sweep_spec = write(spec_file.parent, "sweep.toml", """\
name = "tiny"
scenario = "small.toml"
years = 2
seed = 3
outputs = ["mean_effort"]

[parameters]
"behaviour.sanction_cost" = { range = [0.0, 10.0] }
"policy.promotion.rule" = { levels = ["seniority", "merit"] }

[design]
method = "lhs"
samples = 12
""")
    out = tmp_path / "sweep"
    assert run_sweep(sweep_spec, out=out, workers=1, scheduler=None, resume=False) == 0
    effort = pd.read_parquet(out / "runs.parquet")["mean_effort"]
    assert main(["discover", str(out), "--outcome", "mean_effort", "--above",
                 f"{effort.median()}"]) == 0
    assert "mean_effort above" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "expected"), [
    (["--outcome", "mean_effrt", "--below", "0.5"], "--outcome: expected one of mean_effort"),
    (["--outcome", "mean_effort", "--below", "-1"], "--below: no world has mean_effort below -1"),
    (["--outcome", "mean_effort", "--below", "0.5", "--package", "nope"],
     "--package: expected one of baseline, same_as_baseline, tolerant"),
])
def test_discover_bad_options_are_one_line_exit_2(reference, capsys, args, expected):
    assert main(["discover", str(reference), *args]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"youwei: error: {expected}") and error.count("\n") == 1
