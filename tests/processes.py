"""Processes seen from /proc, for the kill -9 tests."""

from pathlib import Path


def processes_in_group(group: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _, pgid = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgid) == group and state != "Z":
            alive.append(int(entry.name))
    return alive


def kill_when(process, ready, seconds: float, what: str, *, settle: float = 0.0,
              workers_exit: bool = False) -> None:
    """SIGKILL ``process`` (its main process only, as ``kill -9 PID`` does) as soon as
    ``ready()`` holds (and ``settle`` seconds more), then its whole group (it was started
    with ``start_new_session``).

    Fails when the process ends before it is killed (with its stderr), when ``ready()``
    does not hold within ``seconds`` (``what`` names what it waited for), or, with
    ``workers_exit``, when processes of its group outlive it by 20 s (its workers must
    notice that it died and exit on their own).
    """
    import contextlib
    import os
    import signal
    import time

    try:
        deadline = time.monotonic() + seconds
        while not ready():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, f"no {what} within {seconds:g} s"
            time.sleep(0.002)
        time.sleep(settle)
        assert process.poll() is None, "it finished before it was killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 20
        while workers_exit and processes_in_group(process.pid):
            assert time.monotonic() < deadline, "worker processes outlived the main process"
            time.sleep(0.05)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        process.stderr.close()
