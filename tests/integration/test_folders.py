"""Output folders lose nothing: the folder lock, previous outputs known by their manifest,
staging folders of killed runs cleaned (experiments.common.folders), with real processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments.cli import main
from experiments.common.errors import InputError
from experiments.common.folders import (
    LOCK_FILE,
    FolderInUse,
    check_out_folder,
    clean_stale_staging,
    lock_folder,
)
from experiments.simulation.run import run_run
from tests.integration.test_cli_allocate import write_inputs
from tests.scenario_fixtures import SMALL_COUNTY

HOLD_LOCK = """\
import sys, time
from pathlib import Path
from experiments.common.folders import lock_folder

with lock_folder(Path(sys.argv[1]), what="a test"):
    print("locked", flush=True)
    time.sleep(600)
"""

# What a command does while it writes its output (experiments.allocation.output.write_proposal
# writes through atomic_dir): a staging folder beside --out, renamed to --out at the end.
HOLD_STAGING = """\
import sys, time
from pathlib import Path
from experiments.common.provenance import atomic_dir

with atomic_dir(Path(sys.argv[1])) as staging:
    (staging / "proposal.csv").write_text("half", encoding="utf-8")
    print("staging", flush=True)
    time.sleep(600)
"""


@contextlib.contextmanager
def holding(script: str, folder: Path, tmp_path: Path, ready: str):
    """A subprocess running ``script`` on ``folder``, once it printed ``ready``."""
    path = tmp_path / "hold.py"
    path.write_text(script, encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(path), str(folder)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.strip() == ready, process.stderr.read()
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.communicate(timeout=30)


def test_a_second_holder_is_refused_at_once_naming_the_first(tmp_path):
    folder = tmp_path / "sweep"
    with holding(HOLD_LOCK, folder, tmp_path, "locked") as process:
        start = time.monotonic()
        with pytest.raises(FolderInUse) as caught:
            with lock_folder(folder):
                pass
        assert time.monotonic() - start < 2
        message = str(caught.value)
        assert message.startswith(f"sweep: is in use by another youwei run (pid {process.pid} "
                                  f"on {socket.gethostname()}, started ")
        assert message.endswith("UTC): wait for it to end, or choose another --out")
        os.kill(process.pid, signal.SIGKILL)  # the system releases its lock
        process.wait(timeout=30)
    with lock_folder(folder):
        holder = json.loads((folder / LOCK_FILE).read_text(encoding="utf-8"))
        assert holder["pid"] == os.getpid()
    assert not (folder / LOCK_FILE).exists()


def test_a_killed_writers_staging_folder_is_removed_by_the_next_run(tmp_path, capsys):
    out = tmp_path / "result"
    args = write_inputs(tmp_path)
    with holding(HOLD_STAGING, out, tmp_path, "staging") as process:
        staging = [p for p in tmp_path.iterdir() if p.name.startswith(".result.")
                   and p.name.endswith(".partial")]
        assert len(staging) == 1
        assert clean_stale_staging(out) == []  # alive: its staging is left alone
        assert staging[0].exists()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert staging[0].exists()  # what kill -9 leaves behind
    assert main([*args, "--out", str(out)]) == 0  # youwei allocate on the same --out
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert (out / "proposal.json").is_file()


# --------------------------------------------------------------------------- by the manifest


@pytest.mark.parametrize("own", [
    {"report.md": "# 我的笔记\n"},
    {"proposal.json": '{"status": "mine"}'},
    {"manifest.json": '{"files": ["manifest.json"]}'},
])
def test_allocate_leaves_a_users_files_alone(tmp_path, capsys, own):
    out = tmp_path / "result"
    out.mkdir()
    for name, text in own.items():
        (out / name).write_text(text, encoding="utf-8")
    assert main([*write_inputs(tmp_path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds files youwei did not write" in err
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == own


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(SMALL_COUNTY, encoding="utf-8")
    return path


@pytest.mark.parametrize("own", ["report.md", "series.csv", "manifest.json"])
def test_run_leaves_a_users_file_alone(small, tmp_path, capsys, own):
    out = tmp_path / "run"
    out.mkdir()
    (out / own).write_text('{"mine": true}', encoding="utf-8")
    assert run_run(str(small), years=1, seed=1, out=out, plot=False) == 2
    assert "holds files youwei did not write" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == [own]
    assert (out / own).read_text(encoding="utf-8") == '{"mine": true}'


def test_a_previous_run_is_replaced_but_not_with_a_users_file_beside_it(small, tmp_path,
                                                                         capsys):
    out = tmp_path / "run"
    assert run_run(str(small), years=1, seed=1, out=out, plot=False) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["youwei_output"] == "run"
    assert run_run(str(small), years=1, seed=2, out=out, plot=False) == 0  # ours: replaced
    (out / "report.md").write_text("mine", encoding="utf-8")
    assert run_run(str(small), years=1, seed=3, out=out, plot=False) == 2
    err = capsys.readouterr().err
    assert "holds a previous youwei run and files it did not write (report.md)" in err
    assert (out / "report.md").read_text(encoding="utf-8") == "mine"
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 2


def test_a_file_named_as_out_is_refused(tmp_path):
    out = tmp_path / "out"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="expected a folder for --out, got a file"):
        check_out_folder(out, "run")
