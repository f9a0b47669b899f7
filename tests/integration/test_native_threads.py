"""BLAS/OpenMP threads: one per process running youwei's work unless YOUWEI_BLAS_THREADS asks
for more, in the CLI's own process and in every worker of the shared runner (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.common.errors import InputError
from experiments.common.progress import ProgressMode
from experiments.common.runner import (
    BLAS_THREADS_VARIABLE,
    NATIVE_THREAD_VARIABLES,
    blas_threads,
    default_workers,
    run_tasks,
)
from tests.scenario_fixtures import tiny_scenario

ROOT = Path(__file__).resolve().parents[2]

PROBE = """\
import json, sys
import experiments.cli as c
code = c.main(json.loads(sys.argv[1]))
from threadpoolctl import threadpool_info
print(json.dumps({"code": code, "threads": sorted({p["num_threads"] for p in threadpool_info()})}))
"""


def native_threads(_task: int) -> list[int]:
    """The BLAS/OpenMP thread counts of the process running the task (module level: pickles)."""
    import numpy  # noqa: F401 - load OpenBLAS, as every model run does
    from threadpoolctl import threadpool_info

    return sorted({pool["num_threads"] for pool in threadpool_info()})




POOL_PROBE = """\
import json
from experiments.common.progress import ProgressMode
from experiments.common.runner import run_tasks
from tests.integration.test_native_threads import native_threads
if __name__ == "__main__":
    outcomes = run_tasks(native_threads, range(4), workers=2, progress=ProgressMode.SILENT)
    print(json.dumps([threads for _, threads in outcomes]))
"""


def clean_environment(environment: dict[str, str]) -> dict[str, str]:
    """This environment without any thread setting (an earlier in-process ``cli.main`` of
    the test run may have set them), plus ``environment``."""
    unset = {BLAS_THREADS_VARIABLE, *NATIVE_THREAD_VARIABLES}
    return {k: v for k, v in os.environ.items() if k not in unset} | environment


def cli_threads(argv: list[str], environment: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], cwd=ROOT,
                          env=clean_environment(environment), capture_output=True, text=True,
                          timeout=300, check=False)
    return {**json.loads(done.stdout.rstrip("\n").split("\n")[-1]), "stderr": done.stderr}


@pytest.mark.slow
@pytest.mark.parametrize(("environment", "expected"), [
    ({}, [1]),
    ({BLAS_THREADS_VARIABLE: "2"}, [min(2, default_workers())]),  # OpenBLAS: at most the cores
])
def test_a_command_runs_with_one_blas_thread_unless_asked(environment, expected, tmp_path):
    argv = ["run", str(tiny_scenario(tmp_path)), "--years", "1", "--out", str(tmp_path / "o")]
    result = cli_threads(argv, environment)
    assert result["code"] == 0, result["stderr"]
    assert result["threads"] == expected


def test_a_bad_thread_count_is_one_line_and_exit_2(tmp_path):
    argv = ["run", str(tiny_scenario(tmp_path)), "--years", "1", "--out", str(tmp_path / "o")]
    done = subprocess.run([sys.executable, "-m", "experiments.cli", *argv], cwd=ROOT,
                          env=clean_environment({BLAS_THREADS_VARIABLE: "many"}),
                          capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == ("youwei: error: YOUWEI_BLAS_THREADS: expected an integer >= 1 "
                           "(threads for BLAS/OpenMP), got 'many'\n")
    assert not (tmp_path / "o").exists()


def test_the_thread_count_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(BLAS_THREADS_VARIABLE, raising=False)
    assert blas_threads() == 1
    monkeypatch.setenv(BLAS_THREADS_VARIABLE, "3")
    assert blas_threads() == 3
    monkeypatch.setenv(BLAS_THREADS_VARIABLE, "0")
    with pytest.raises(InputError, match="expected an integer >= 1"):
        blas_threads()


@pytest.mark.slow
def test_pool_workers_run_with_one_blas_thread(tmp_path):
    script = tmp_path / "pool_probe.py"
    script.write_text(POOL_PROBE, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False,
                          env=clean_environment({"PYTHONPATH": str(ROOT)}))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [[1]] * 4


@pytest.mark.slow
def test_dask_workers_run_with_one_blas_thread():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  protocol="tcp", dashboard_address=":0") as cluster:
        outcomes = run_tasks(native_threads, range(2), scheduler=cluster.scheduler_address,
                             progress=ProgressMode.SILENT)
        assert [threads for _, threads in outcomes] == [[1]] * 2
