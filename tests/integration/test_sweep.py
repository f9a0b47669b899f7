"""``run_sweep`` end to end on a small county: tables, resume after kill -9, failed runs
tried again, executors, the folder lock against concurrent runs.

The runs are small (58 cadres, 3 years); the rest is starting worker processes,
subprocesses and a Dask LocalCluster.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.sweep.command import run_sweep
from experiments.sweep.engine import FAILURES, MANIFEST, RUNS, SERIES
from experiments.sweep.spec import load_spec
from sim.metrics import COUNTY_REPORTERS
from tests.processes import kill_when
from tests.scenario_fixtures import SMALL_COUNTY, write

# The baseline rules on a small county (2 organs x 10, 3 towns x 10, 1 project x 8 = 58 cadres).
SMALL = SMALL_COUNTY

# 24 points x 2 replications = 48 runs.
SPEC = """\
name = "small_sweep"
scenario = "small.toml"
years = 3
seed = 11
replications = 2
outputs = ["mean_effort", "punished_honest_share", "promotions_count"]

[parameters]
"policy.tolerance.excuse_rate" = { range = [0.0, 1.0] }
"policy.promotion.rule" = { levels = ["seniority", "merit"] }

[design]
method = "lhs"
samples = 24
"""

KILL_SCRIPT = """\
import sys
from pathlib import Path

from experiments.sweep.command import run_sweep

if __name__ == "__main__":
    sys.exit(run_sweep(Path(sys.argv[1]), out=Path(sys.argv[2]), workers=2, scheduler=None,
                       resume=False, command=["kill-test"]))
"""

TABLES = (RUNS, SERIES, FAILURES)


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("spec")
    write(folder, "small.toml", SMALL)
    return write(folder, "sweep.toml", SPEC)


@pytest.fixture(scope="module")
def reference(spec_file, tmp_path_factory) -> Path:
    """The uninterrupted sweep, in this process."""
    out = tmp_path_factory.mktemp("reference") / "sweep"
    assert run_sweep(spec_file, out=out, workers=1, scheduler=None, resume=False,
                     command=["youwei", "sweep"]) == 0
    return out


def digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in TABLES}


def assert_same_tables(folder: Path, reference: Path) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(folder / name),
                                      pd.read_parquet(reference / name))
    assert digests(folder) == digests(reference)  # byte for byte


# --------------------------------------------------------------------------- tables


def test_runs_and_series_tables(reference, spec_file):
    spec = load_spec(spec_file)
    runs = pd.read_parquet(reference / RUNS)
    assert list(runs.columns) == ["run_id", "sample", "replication", "seed",
                                  "policy.tolerance.excuse_rate", "policy.promotion.rule",
                                  "mean_effort", "punished_honest_share", "promotions_count"]
    assert len(runs) == 48 and runs["run_id"].is_unique
    assert runs["run_id"].is_monotonic_increasing
    assert runs["run_id"].iloc[0] == f"{spec.short_hash}-00-0"
    assert (runs["seed"] == 11).all()
    assert runs.groupby("sample").size().eq(2).all()
    first = runs.iloc[0]
    assert (first["policy.tolerance.excuse_rate"], first["policy.promotion.rule"]) == \
        spec.points[0]
    series = pd.read_parquet(reference / SERIES)
    assert list(series.columns) == ["run_id", *COUNTY_REPORTERS]
    assert len(series) == 48 * 3
    assert set(series["run_id"]) == set(runs["run_id"])
    by_run = series.groupby("run_id")
    assert by_run["year"].apply(lambda years: list(years) == [1, 2, 3]).all()
    means = by_run["mean_effort"].mean().loc[runs["run_id"]].to_numpy()
    assert means == pytest.approx(runs["mean_effort"].to_numpy(), rel=1e-12)
    assert len(pd.read_parquet(reference / FAILURES)) == 0
    assert not (reference / "parts").exists()  # compacted into the tables


def test_the_manifest_records_spec_seeds_software_and_status(reference, spec_file):
    manifest = json.loads((reference / MANIFEST).read_text(encoding="utf-8"))
    spec = load_spec(spec_file)
    assert manifest["sweep"]["sha256"] == spec.hash
    assert manifest["status"] == "complete"
    assert manifest["runs"] == {"total": 48, "finished": 48, "failed": 0}
    assert manifest["seeds"]["root"] == 11
    assert "spawn_key=(sample, replication)" in manifest["seeds"]["derivation"]
    assert {"python", "numpy", "mesa", "SALib", "scipy"} <= set(manifest["software"])
    assert len(manifest["model_code_sha256"]) == 64
    assert manifest["commands"] == [["youwei", "sweep"]]
    assert manifest["spec"]["parameters"][1] == {"path": "policy.promotion.rule",
                                                 "levels": ["seniority", "merit"]}


# --------------------------------------------------------------------------- resume


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_resume_after_kill_9_loses_and_duplicates_nothing(reference, spec_file, tmp_path,
                                                          capsys):
    out = tmp_path / "killed"
    script = write(tmp_path, "sweep_script.py", KILL_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), str(spec_file), str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)  # its own group: the sweep and workers
    kill_when(process, lambda: bool(list((out / "parts").glob("*-runs.parquet"))),  # some
              60, "results from the sweep", workers_exit=True)                  # runs done
    assert process.returncode == -signal.SIGKILL
    assert not (out / RUNS).exists(), "the sweep finished before it was killed"
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["status"] == "running"
    # What a kill in the middle of a write leaves behind (the write order makes these the
    # only two cases): a temporary file, and a series file whose runs file never came.
    parts = out / "parts"
    (parts / ".p000099-runs.parquet.0123456789ab.tmp").write_bytes(b"torn")
    committed = sorted(parts.glob("*-series.parquet"))[0]
    orphan = parts / "p099999-series.parquet"
    orphan.write_bytes(committed.read_bytes())
    capsys.readouterr()

    assert run_sweep(spec_file, out=out, workers=1, scheduler=None, resume=True,
                     command=["youwei", "sweep", "--resume"]) == 0
    printed = capsys.readouterr().out
    assert "from before" in printed
    assert not orphan.exists() and not list(parts.glob(".*.tmp"))
    assert_same_tables(out, reference)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["commands"] == [["kill-test"], ["youwei", "sweep", "--resume"]]
    assert manifest["status"] == "complete"

    # Resuming a finished sweep runs nothing and writes the same tables.
    assert run_sweep(spec_file, out=out, workers=1, scheduler=None, resume=True) == 0
    assert "(0 now, 48 from before)" in capsys.readouterr().out
    assert_same_tables(out, reference)


def test_a_folder_holding_a_sweep_needs_resume_and_the_same_spec(reference, spec_file,
                                                                 tmp_path, capsys):
    before = digests(reference)
    assert run_sweep(spec_file, out=reference, workers=1, scheduler=None, resume=False) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "holds a sweep already (manifest.json): add --resume" \
        in error
    other = write(spec_file.parent, "other.toml", SPEC.replace("seed = 11", "seed = 12"))
    assert run_sweep(other, out=reference, workers=1, scheduler=None, resume=True) == 2
    error = capsys.readouterr().err
    assert error.startswith("youwei: error: ") and "holds a sweep of another spec" in error
    assert digests(reference) == before


# --------------------------------------------------------------------------- failures


def test_failed_runs_of_a_compacted_sweep_are_tried_again_on_resume(reference, spec_file,
                                                                   tmp_path, capsys):
    """A compacted sweep keeps no parts: its tables become one part again on resume.

    The schema now refuses every scenario the model cannot run, so no run fails
    for real here (the runner's own tests raise in a task); the failures are
    written in, as a sweep whose runs failed would have left them.
    """
    out = tmp_path / "failed"
    shutil.copytree(reference, out)
    assert not (out / "parts").exists()  # compacted
    runs = pd.read_parquet(out / RUNS)
    lost = runs.iloc[[3, 40]]
    lost[["run_id", "sample", "replication", "seed", "policy.tolerance.excuse_rate",
          "policy.promotion.rule"]].assign(
        error="IndexError: lost", traceback="Traceback (most recent call last): ...").to_parquet(
        out / FAILURES, index=False)
    runs.drop(index=lost.index).to_parquet(out / RUNS, index=False)
    (out / "notes.md").write_text("mine", encoding="utf-8")  # a resume writes beside it
    assert run_sweep(spec_file, out=out, workers=1, scheduler=None, resume=True) == 0
    assert "46 from before" in capsys.readouterr().out
    assert_same_tables(out, reference)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MANIFEST, "design.parquet", RUNS, SERIES, FAILURES, "notes.md"])
    assert (out / "notes.md").read_text(encoding="utf-8") == "mine"


# --------------------------------------------------------------------------- executors


def test_a_process_pool_gives_the_same_tables(reference, spec_file, tmp_path):
    out = tmp_path / "pool"
    assert run_sweep(spec_file, out=out, workers=2, scheduler=None, resume=False) == 0
    assert_same_tables(out, reference)


def test_a_dask_cluster_gives_the_same_tables(reference, spec_file, tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        assert run_sweep(spec_file, out=out, workers=None, scheduler=cluster.scheduler_address,
                         resume=False) == 0
    assert_same_tables(out, reference)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("change", "workers", "scheduler", "expected"), [
    (('range = [0.0, 1.0]', 'range = [0.0, 2.0]'), 1, None,
     "youwei: error: bad.toml, key 'parameters.\"policy.tolerance.excuse_rate\".range': "
     "expected a number in [0, 1], got 2.0"),
    (("samples = 24", "sample = 24"), 1, None,
     "youwei: error: bad.toml, key 'design.sample': unknown key (did you mean 'samples'?"),
    (("", ""), 0, None, "youwei: error: --workers: expected an integer >= 1, got 0"),
    (("", ""), 2, "tcp://127.0.0.1:1", "youwei: error: --workers: cannot be combined with "
                                       "--scheduler"),
    (("", ""), None, "not-an-address", "youwei: error: --scheduler: expected a Dask scheduler "
                                       "address such as tcp://host:8786, got 'not-an-address'"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(spec_file, tmp_path, capsys, change,
                                                          workers, scheduler, expected):
    bad = write(spec_file.parent, "bad.toml", SPEC.replace(*change))
    out = tmp_path / "out"
    assert run_sweep(bad, out=out, workers=workers, scheduler=scheduler, resume=False) == 2
    error = capsys.readouterr().err
    assert error.startswith(expected) and error.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize("own", ["report.md", "series.parquet", "manifest.json"])
def test_a_users_file_with_one_of_our_names_survives(spec_file, tmp_path, capsys, own):
    out = tmp_path / "mine"
    out.mkdir()
    (out / own).write_text('{"files": []}', encoding="utf-8")
    assert run_sweep(spec_file, out=out, workers=1, scheduler=None, resume=True) == 2
    assert "holds files youwei did not write" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == [own]
    assert (out / own).read_text(encoding="utf-8") == '{"files": []}'


def test_a_folder_of_other_files_is_refused(spec_file, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert run_sweep(spec_file, out=out, workers=1, scheduler=None, resume=True) == 2
    assert "holds files youwei did not write (notes.txt; it has no manifest.json of a youwei " \
        "sweep)" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]



# --------------------------------------------------------------------------- the lock


TINY = SPEC.replace("samples = 24", "samples = 5")


@pytest.mark.slow
def test_concurrent_resumes_are_refused_or_complete_the_same_tables(spec_file, tmp_path):
    """Three ``youwei sweep --resume`` on one folder at once: the lock lets one run at a time;
    the others refuse at once naming the holder, or (after it) find the sweep complete."""
    tiny = write(spec_file.parent, "tiny.toml", TINY)
    reference = tmp_path / "reference"
    assert run_sweep(tiny, out=reference, workers=1, scheduler=None, resume=False) == 0
    out = tmp_path / "shared"
    command = [sys.executable, "-m", "experiments.cli", "sweep", str(tiny), "--out", str(out),
               "--resume", "--workers", "1"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(3)]
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        results.append((process.returncode, stdout, stderr))
    for code, stdout, stderr in results:
        if code == 2:
            assert stderr.count("\n") == 1, stderr
            assert "shared: is in use by another youwei run (pid " in stderr
            assert ", started " in stderr and "UTC)" in stderr
        else:
            assert code == 0, stderr
            assert "10 of 10 runs finished" in stdout
    assert sum(code == 0 for code, _, _ in results) >= 1
    assert_same_tables(out, reference)
    assert not (out / ".youwei.lock").exists()
