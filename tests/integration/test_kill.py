"""kill -9 of a command running on worker processes leaves no worker behind."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.common.folders import clean_stale_staging
from tests.processes import kill_when, processes_in_group
from tests.scenario_fixtures import SMALL_COUNTY


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_compare_killed_with_sigkill_leaves_no_worker_processes(tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_COUNTY, encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "experiments.cli", "compare", str(scenario), str(scenario),
               "--replications", "40", "--years", "5", "--workers", "2", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)  # its own group: compare and workers
    kill_when(process, lambda: len(processes_in_group(process.pid)) >= 4,  # compare, fork
              120, "worker processes", settle=1.0,  # server, 2 workers running replications
              workers_exit=True)
    assert process.returncode == -signal.SIGKILL
    assert not out.exists()
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert left and all(name.startswith(".out.") for name in left)  # its staging folder
    assert clean_stale_staging(out)  # what the next run on --out does first
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
