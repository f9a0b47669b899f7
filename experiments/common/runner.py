"""Where the runs of a sweep execute: in this process, a local process pool, or a Dask cluster.

Each is a :class:`concurrent.futures.Executor`, so the sweep engine submits
work and waits for it the same way everywhere:

- :class:`SerialExecutor`: in this process, one task at a time (``--workers 1``);
- :class:`concurrent.futures.ProcessPoolExecutor` with ``workers`` processes
  (the default: one per core). Processes start from a fork server (POSIX) that
  has already imported the model, never by ``fork`` of this process: this
  process may hold threads (progress bar, Arrow's pool), and forking a threaded
  process can deadlock. ``spawn`` where there is no fork server (Windows).
  :func:`start_early` starts the fork server while the spec is still being
  checked, so the workers' imports overlap this process's. Workers exit when
  this process dies, even by ``kill -9`` (:func:`exit_with_parent`);
- a Dask ``distributed`` cluster (``--scheduler tcp://host:8786``) through
  ``Client.get_executor(pure=False)``: ``pure=False`` because ``client.submit``
  otherwise treats identical calls as one task and runs it once.

Tasks are chunks of runs sized by :class:`ChunkSizer` to take about a second,
so per-task overhead (about 0.3 ms in a process pool, 3-5 ms on Dask) stays
small, while enough chunks remain to balance the workers at the end.
Chunking never changes results: every run has its own seed.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass

from experiments.common.errors import InputError

TARGET_TASK_SECONDS = 1.0
"""Aim of a task's duration: long against per-task overhead, short for a steady progress bar."""

TASKS_PER_WORKER = 2
"""Tasks kept submitted per worker: one running, one ready behind it."""

WORKER_PRELOAD = ("experiments.sweep.engine", "sim")
"""Modules the fork server imports once, so that every worker starts with them loaded."""

DASK_CONNECT_SECONDS = 20.0


class SerialExecutor(Executor):
    """Runs each task in this process when it is submitted (``--workers 1``).

    The future returned is already done; an exception raised by the task is
    set on the future, as a pool would do.
    """

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(error)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


@dataclass(frozen=True)
class Workers:
    """An open executor and what it is.

    Attributes
    ----------
    executor : concurrent.futures.Executor
    slots : int
        Tasks that can run at once (processes, or the cluster's worker threads).
    description : str
        For people: ``"2 local processes"``, ``"Dask at tcp://...: 4 threads"``.
    """

    executor: Executor
    slots: int
    description: str


def default_workers() -> int:
    """Cores this process may use (``os.sched_getaffinity`` where it exists)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def open_workers(workers: int | None = None, scheduler: str | None = None) -> Iterator[Workers]:
    """An executor for a sweep, shut down on exit.

    Parameters
    ----------
    workers : int >= 1, optional
        Local processes; 1 runs in this process; default :func:`default_workers`.
        Not allowed with ``scheduler``.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``).

    Yields
    ------
    Workers

    Raises
    ------
    InputError
        ``workers`` < 1; both ``workers`` and ``scheduler``; Dask not installed;
        the scheduler cannot be reached or has no workers.
    """
    if scheduler is not None:
        if workers is not None:
            raise InputError("--workers", "no --workers with --scheduler",
                             reason="cannot be combined with --scheduler (the Dask cluster's "
                                    "own workers run the sweep)")
        with dask_workers(scheduler) as opened:
            yield opened
        return
    count = default_workers() if workers is None else workers
    if count < 1:
        raise InputError("--workers", "an integer >= 1", got=str(workers))
    if count == 1:
        executor = SerialExecutor()
        yield Workers(executor, 1, "this process")
        executor.shutdown()
        return
    context = worker_context()
    # Workers hold the reading end of a pipe whose only writer is this process: if this
    # process dies (kill -9), they read end-of-file and exit instead of living on, blocked.
    lifeline, keep_alive = context.Pipe(duplex=False)
    pool = ProcessPoolExecutor(max_workers=count, mp_context=context,
                               initializer=exit_with_parent, initargs=(lifeline,))
    try:
        yield Workers(pool, count, f"{count} local processes")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        keep_alive.close()
        lifeline.close()


def exit_with_parent(lifeline: multiprocessing.connection.Connection) -> None:
    """Worker initializer: exit as soon as the sweep's main process is gone.

    A pool worker whose parent was killed would otherwise wait forever on the
    task queue, or on writing a result nobody reads.
    """

    def watch() -> None:
        try:
            lifeline.recv_bytes()  # nothing is ever sent: this returns only at end-of-file
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=watch, name="youwei-lifeline", daemon=True).start()


def start_early(workers: int | None = None, scheduler: str | None = None) -> None:
    """Start the fork server now when a local pool will run the sweep.

    The fork server imports the model (about 1.5 s) in its own process; started
    before this process validates the spec (which imports the model too), the
    two imports overlap and the workers are ready when the first task is
    submitted. Does nothing for ``--workers 1``, for ``--scheduler``, or where
    there is no fork server.
    """
    count = default_workers() if workers is None else workers
    if scheduler is not None or count < 2:
        return
    if worker_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def worker_context() -> multiprocessing.context.BaseContext:
    """A fork-server context preloading the model (POSIX), else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(WORKER_PRELOAD))
        return context
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def dask_workers(address: str) -> Iterator[Workers]:
    """A Dask client on ``address`` and its ``concurrent.futures`` executor (``pure=False``)."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler", "Dask", reason="needs Dask: install youwei with the "
                         "cluster extra (pip install 'youwei[cluster]')") from None
    try:
        client = Client(address, timeout=DASK_CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError("--scheduler", "a Dask scheduler address",
                         reason=f"cannot reach a Dask scheduler at {address}: "
                                f"{' '.join(str(error).split()) or type(error).__name__}") from None
    try:
        try:
            client.wait_for_workers(1, timeout=DASK_CONNECT_SECONDS)
        except TimeoutError:
            raise InputError("--scheduler", "a scheduler with workers",
                             reason=f"the Dask scheduler at {address} has no workers "
                                    f"(waited {DASK_CONNECT_SECONDS:.0f} s)") from None
        slots = max(1, sum(client.nthreads().values()))
        executor = client.get_executor(pure=False)
        try:
            yield Workers(executor, slots, f"Dask at {address}: {slots} worker threads")
        finally:
            executor.shutdown(wait=False)
    finally:
        client.close()


class ChunkSizer:
    """Runs per task, from the run times seen so far.

    Until a run time is known, tasks hold one run. Then a task holds
    ``TARGET_TASK_SECONDS / mean run time`` runs, but no more than a share of
    what is left to submit, so that the last tasks are small and the workers
    finish together.

    Parameters
    ----------
    slots : int
        Tasks that run at once.
    target_seconds : float
        Aimed duration of one task.
    """

    def __init__(self, slots: int, target_seconds: float = TARGET_TASK_SECONDS) -> None:
        self.slots = max(1, slots)
        self.target_seconds = target_seconds
        self.run_seconds = 0.0
        self.runs_timed = 0

    def observe(self, runs: int, seconds: float) -> None:
        """Record ``runs`` runs that took ``seconds`` in all (measured where they ran)."""
        self.runs_timed += runs
        self.run_seconds += seconds

    def size(self, remaining: int) -> int:
        """Runs for the next task, with ``remaining`` runs not yet submitted (>= 1)."""
        if self.runs_timed == 0:
            return 1
        mean = max(self.run_seconds / self.runs_timed, 1e-6)
        by_time = max(1, int(self.target_seconds / mean))
        balanced = max(1, math.ceil(remaining / (TASKS_PER_WORKER * self.slots)))
        return min(by_time, balanced, remaining)
