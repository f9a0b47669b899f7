"""The shared runner (experiments.common.runner): one API, three executors, the same results;
failures as data; progress lines; clear, quick errors for a scheduler that is not one."""

from __future__ import annotations

import contextlib
import http.server
import io
import socket
import threading
import time
import warnings

import numpy as np
import pytest

from experiments.common.errors import InputError
from experiments.common.progress import Progress, ProgressMode
from experiments.common.runner import (
    TaskFailure,
    check_dask_address,
    open_runner,
    run_tasks,
)

TASKS = list(range(12))


def draw(task: int) -> float:
    """A seeded draw per task, failing for every fifth task (module level: it pickles)."""
    if task % 5 == 3:
        raise ValueError(f"task {task} fails")
    if task == 0:  # the test run's filterwarnings=error does not reach into a task
        warnings.warn("a warning inside a task is not an error", UserWarning, stacklevel=1)
    return float(np.random.default_rng(np.random.SeedSequence(7, spawn_key=(task,))).random())


def slow(task: int) -> int:
    time.sleep(0.2)
    return task


def outcomes(**options) -> dict:
    results = run_tasks(draw, TASKS, progress=ProgressMode.SILENT, **options)
    return {task: outcome for task, outcome in results}


@pytest.fixture(scope="module")
def serial() -> dict:
    return outcomes(workers=1)


def test_failures_are_data_and_the_other_tasks_go_on(serial):
    failed = {task: o for task, o in serial.items() if isinstance(o, TaskFailure)}
    assert sorted(failed) == [3, 8]
    assert failed[3].error == "ValueError: task 3 fails"
    assert failed[3].traceback.startswith("Traceback (most recent call last):")
    assert "in draw" in failed[3].traceback
    assert all(isinstance(serial[task], float) for task in TASKS if task not in failed)


def test_ordered_results_come_in_task_order(serial):
    ordered = list(run_tasks(draw, TASKS, workers=1, ordered=True,
                             progress=ProgressMode.SILENT))
    assert [task for task, _ in ordered] == TASKS


@pytest.mark.slow
def test_a_process_pool_gives_the_same_results(serial):
    pooled = outcomes(workers=2, chunk_seconds=0.01)
    assert pooled.keys() == serial.keys()
    for task, outcome in serial.items():
        assert pooled[task] == outcome  # floats bit for bit; failures equal as data


def test_a_dask_cluster_gives_the_same_results(serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", dashboard_address=":0") as cluster:
        on_dask = outcomes(scheduler=cluster.scheduler_address)
    assert on_dask == serial


def test_progress_lines_off_a_terminal():
    stream = io.StringIO()
    progress = Progress(10, label="sweep demo", done_before=4, mode=ProgressMode.LINES,
                        stream=stream, line_seconds=0.0)
    progress.update(2, failed=1)
    line = stream.getvalue().strip()
    assert line.startswith("youwei: sweep demo: 6 of 10 runs (60%), 1 failed, ")
    assert line.endswith(" left") and "runs/s, about " in line
    quiet = io.StringIO()
    Progress(10, label="x", mode=ProgressMode.LINES, stream=quiet).update(3)
    assert quiet.getvalue() == ""  # the first line only after 10 s


# --------------------------------------------------------------------------- bad schedulers


@pytest.mark.parametrize("address", ["not-an-address", "http://host:8786", "tcp://host",
                                     "tcp://host:99999"])
def test_a_scheduler_that_is_not_an_address_fails_at_once(address):
    start = time.monotonic()
    with pytest.raises(InputError, match=r"^--scheduler: expected a Dask scheduler address "
                                         r"such as tcp://host:8786, got "):
        with open_runner(scheduler=address):
            pass
    assert time.monotonic() - start < 1


def test_addresses_dask_takes():
    assert check_dask_address("tcp://10.0.0.5:8786") == ("tcp", "10.0.0.5", 8786)
    assert check_dask_address("scheduler.lan:8786") == ("tcp", "scheduler.lan", 8786)
    assert check_dask_address("tls://[::1]:8786") == ("tls", "::1", 8786)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_closed_port_fails_at_once():
    pytest.importorskip("distributed")
    start = time.monotonic()
    with pytest.raises(InputError, match=r"^--scheduler: cannot reach a Dask scheduler at "):
        with open_runner(scheduler=f"tcp://127.0.0.1:{free_port()}"):
            pass
    assert time.monotonic() - start < 5


@pytest.mark.slow
def test_a_port_that_speaks_http_is_not_taken_for_dask():
    """The dashboard's port (HTTP) made ``distributed.Client`` wait past its timeout."""
    pytest.importorskip("distributed")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        start = time.monotonic()
        with pytest.raises(InputError, match=r"^--scheduler: tcp://127\.0\.0\.1:\d+ does not "
                                             r"speak Dask \(it said nothing within"):
            with open_runner(scheduler=f"tcp://127.0.0.1:{server.server_address[1]}"):
                pass
        assert time.monotonic() - start < 15
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_cluster_without_workers_fails_after_the_stated_time():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp",
                                  dashboard_address=":0") as cluster:
        start = time.monotonic()
        with pytest.raises(InputError, match=r"has no workers \(waited 1 s\): start some with "
                                             r"dask worker tcp://"):
            with open_runner(scheduler=cluster.scheduler_address, no_workers_seconds=1):
                pass
        assert time.monotonic() - start < 10


def test_a_cluster_that_loses_every_worker_mid_run_ends_with_an_error():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp", dashboard_address=":0") as cluster:
        results = run_tasks(slow, range(40), scheduler=cluster.scheduler_address,
                            no_workers_seconds=2, progress=ProgressMode.SILENT)
        with contextlib.closing(results):
            next(results)
            cluster.scale(0)  # every worker gone; the tasks wait on the scheduler
            start = time.monotonic()
            with pytest.raises(InputError, match=r"has had no live worker for 2 s"):
                for _ in results:
                    pass
            assert time.monotonic() - start < 20
