"""The one executor layer: every experiment hands its runs to :func:`run_tasks`.

``youwei compare``, ``youwei sweep`` and every later experiment (calibration,
robust experiments, policy search) submit work here and get results back; none
starts its own pool. Three executors give the same results:

- **serial** (``workers=1``): in this process, one task at a time;
- **a local process pool** (``workers=N``, the default one per core): processes
  start from a fork server (POSIX) that has already imported the model, never by
  ``fork`` of this process (it may hold threads, and forking a threaded process
  can deadlock); ``spawn`` where there is no fork server. Workers end with this
  process on every path, even ``kill -9`` (:func:`exit_with_parent`);
- **a Dask cluster** (``scheduler="tcp://host:8786"``) through
  ``Client.get_executor(pure=False)`` (``pure=False``: identical calls are
  still separate runs). Tasks and results travel as pickles: use only a
  cluster you trust.

Usage, from any product::

    from experiments.common.runner import TaskFailure, open_runner

    with open_runner(workers=None, scheduler=None) as runner:   # bad options raise here
        for task, outcome in runner.map(simulate, tasks, label="compare"):
            if isinstance(outcome, TaskFailure):
                ...  # outcome.error (one line), outcome.traceback
            else:
                ...  # what simulate(task) returned

or :func:`run_tasks` for both steps at once. The contract:

- ``fn`` is a module-level function (it pickles by name); each task is plain,
  picklable data carrying everything the run needs, its seed included. Results
  then depend only on the task, never on the executor, the number of workers,
  the order runs finish in, or the chunking.
- Tasks go to workers in chunks sized by :class:`ChunkSizer` to take about a
  second each, so per-task overhead (about 0.3 ms in a process pool, 3-5 ms on
  Dask) stays small while enough chunks remain to balance the workers at the end;
  and, whatever the task times, the work goes in at most about
  :data:`CHUNKS_PER_SLOT` chunks per worker slot (a chunk at most
  :data:`MAX_CHUNK_SECONDS` long), so that a caller committing results per chunk
  (the sweep's Parquet parts) writes few files, even on a loaded machine where
  every task takes longer than the target.
- A task that raises gives a :class:`TaskFailure` (the error in one line and
  its traceback) and the others go on; a chunk lost as a whole (a Dask worker
  killed) fails each of its tasks. A local worker process that dies breaks the
  pool: :class:`WorkersLost` is raised, since which task killed it is unknown.
- Results come as they finish (``ordered=False``) or in task order
  (``ordered=True``, held back until their turn).
- Progress is shown on stderr (:mod:`experiments.common.progress`): a bar on a
  terminal, a line every ~10 s elsewhere.
- Resume is the caller's: it passes only the tasks still to do, and
  ``done_before`` for the progress count (the sweep engine keeps finished runs
  in Parquet part files).
- On Dask, a cluster with no live worker for ``no_workers_seconds`` (default
  :data:`DASK_NO_WORKERS_SECONDS`), a lost scheduler, an address that is not
  one, or a port that does not speak Dask (a dashboard's HTTP port) ends the
  work with one :class:`~experiments.common.errors.InputError` line, quickly.

Native threads: every process that runs tasks (this one, each pool worker, each Dask
worker) lets BLAS and OpenMP use :func:`blas_threads` threads, one unless the user
sets ``YOUWEI_BLAS_THREADS`` (an integer >= 1). numpy's OpenBLAS otherwise starts
a thread per core that spins while the model runs, and in a pool of one worker
per core each worker would bring one more: CPU time grows, runs do not go faster.
The limit is applied with threadpoolctl where the libraries are already loaded,
and through ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and their kin for those
loaded later (:func:`limit_native_threads`; the CLI calls it before any command
runs).

Warnings inside a task follow Python's default action, whatever filters the
calling process set (a test run's ``error``, say), so a task behaves the same
in this process, a pool process and a Dask worker.

Scripts that call the runner with more than one local worker must guard their
entry point with ``if __name__ == "__main__":``, as for any ``multiprocessing``
code: the fork server imports the main module again.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import multiprocessing.connection
import os
import re
import socket
import sys
import threading
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from experiments.common.errors import InputError
from experiments.common.progress import Progress, ProgressMode

TARGET_TASK_SECONDS = 1.0
"""Aim of a chunk's duration: long against per-task overhead, short for steady progress."""

TASKS_PER_WORKER = 2
"""Chunks kept submitted per worker slot: one running, one ready behind it."""

CHUNKS_PER_SLOT = 16
"""Chunks per worker slot the whole work is cut into at most (after the first, timing
chunks): few result parts, and the last chunk of a slot is 1/16 of its work at most."""

MAX_CHUNK_SECONDS = 60.0
"""... unless a chunk would then run longer than this (progress, and what a crash loses)."""

WORKER_PRELOAD = ("sim",)
"""Modules the fork server imports once, so that every worker starts with them loaded."""

DASK_CONNECT_SECONDS = 10.0
"""Time allowed to reach a Dask scheduler."""

DASK_HANDSHAKE_SECONDS = 5.0
"""Time allowed for a Dask scheduler's first words (it speaks as soon as a connection opens)."""

DASK_NO_WORKERS_SECONDS = 60.0
"""A Dask cluster without a single live worker for this long ends the work (an error)."""

POLL_SECONDS = 0.5
"""How often the runner looks at the cluster and the progress while waiting for results."""

ERROR_CHARS = 500
"""Longest one-line error kept in a :class:`TaskFailure`."""

DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")

BLAS_THREADS_VARIABLE = "YOUWEI_BLAS_THREADS"
"""Environment variable: threads BLAS/OpenMP may use in each youwei process (default 1)."""

NATIVE_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                           "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
"""What native libraries read when they load: set for the libraries not loaded yet."""

NATIVE_MODULES = ("numpy", "scipy", "sklearn")
"""Python modules whose native libraries threadpoolctl can limit once they are loaded."""


# --------------------------------------------------------------------------- native threads


def blas_threads() -> int:
    """Threads BLAS and OpenMP may use in a process running youwei's work.

    ``YOUWEI_BLAS_THREADS`` when set (an integer >= 1), else 1: the model's
    arrays are small, and the parallelism is in the runs (one worker per core).

    Raises
    ------
    InputError
        ``YOUWEI_BLAS_THREADS`` set to anything but an integer >= 1.
    """
    text = os.environ.get(BLAS_THREADS_VARIABLE, "").strip()
    if not text:
        return 1
    if not text.isdigit() or int(text) < 1:
        raise InputError(BLAS_THREADS_VARIABLE, "an integer >= 1 (threads for BLAS/OpenMP)",
                         got=repr(text))
    return int(text)


def limit_native_threads(threads: int) -> None:
    """Let BLAS and OpenMP use ``threads`` threads in this process, from now on.

    Libraries already loaded are limited with threadpoolctl (only when numpy or
    another :data:`NATIVE_MODULES` is imported, so a light command imports
    nothing); the environment (:data:`NATIVE_THREAD_VARIABLES`) limits those
    loaded later, here and in processes started from here (the fork server and
    its workers).
    """
    for name in NATIVE_THREAD_VARIABLES:
        os.environ[name] = str(threads)
    if any(name in sys.modules for name in NATIVE_MODULES):
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads)


_threads_limited: int | None = None
"""Threads this process was last limited to by :func:`limit_worker_threads`."""


def limit_worker_threads(threads: int) -> None:
    """:func:`limit_native_threads` once per process (a worker runs many chunks)."""
    global _threads_limited
    if _threads_limited != threads:
        limit_native_threads(threads)
        _threads_limited = threads


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class TaskFailure:
    """A task that raised (or was lost with its worker), as data.

    Attributes
    ----------
    error : str
        ``"IndexError: list index out of range"``: one line, at most
        :data:`ERROR_CHARS` characters.
    traceback : str
        The full traceback, as Python prints it.
    """

    error: str
    traceback: str

    @classmethod
    def from_exception(cls, error: BaseException) -> TaskFailure:
        return cls(one_line(error), "".join(traceback.format_exception(error)))


def one_line(error: BaseException) -> str:
    """``"<Type>: <message>"`` on one line, cut to :data:`ERROR_CHARS`."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS - 3] + "..."


class WorkersLost(Exception):
    """A local worker process died (killed, out of memory): the pool is broken.

    What finished before is with the caller; the rest did not run.
    """


def run_chunk(fn: Callable[[Any], Any], tasks: Sequence,
              threads: int = 1) -> tuple[list, float]:
    """Run ``fn`` on each task (in a worker); return the outcomes and the time taken.

    BLAS/OpenMP are limited to ``threads`` first (:func:`limit_worker_threads`:
    a Dask worker was started without our environment). An exception becomes a
    :class:`TaskFailure` for that task only.
    """
    limit_worker_threads(threads)
    outcomes: list = []
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        for task in tasks:
            try:
                outcomes.append(fn(task))
            except Exception as error:  # noqa: BLE001 - a failed task is data, the rest go on
                outcomes.append(TaskFailure.from_exception(error))
    return outcomes, time.perf_counter() - start


# --------------------------------------------------------------------------- executors


class SerialExecutor(Executor):
    """Runs each task in this process when it is submitted (``workers=1``).

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


@dataclass
class Workers:
    """An open executor and what it is.

    Attributes
    ----------
    executor : concurrent.futures.Executor
    slots : int
        Tasks that can run at once (processes, or the cluster's worker threads).
    description : str
        For people: ``"2 local processes"``, ``"Dask at tcp://...: 4 worker threads"``.
    serial : bool
        Runs in this process.
    client : distributed.Client, optional
        The Dask client, to watch the cluster.
    """

    executor: Executor
    slots: int
    description: str
    serial: bool = False
    client: Any = None
    address: str | None = None
    _no_workers_since: float | None = field(default=None, repr=False)

    def check_alive(self, no_workers_seconds: float) -> None:
        """Raise :class:`InputError` when a Dask cluster has lost its scheduler, or had no
        live worker for ``no_workers_seconds``. Local executors are always alive."""
        if self.client is None:
            return
        status = self.client.status
        if status not in ("running", "connecting"):
            raise InputError("--scheduler", "a live Dask scheduler",
                             reason=f"lost the Dask scheduler at {self.address} "
                                    f"(client {status})")
        # While reconnecting, the last known list of workers is stale: count it as none.
        if status == "running" and self.client.scheduler_info().get("workers"):
            self._no_workers_since = None
            return
        now = time.monotonic()
        if self._no_workers_since is None:
            self._no_workers_since = now
        elif now - self._no_workers_since >= no_workers_seconds:
            raise InputError("--scheduler", "a cluster with workers",
                             reason=f"the Dask cluster at {self.address} has had no live "
                                    f"worker for {no_workers_seconds:.0f} s: start workers "
                                    f"(dask worker {self.address}) and rerun")


def default_workers() -> int:
    """Cores this process may use (``os.sched_getaffinity`` where it exists).

    The default of ``--workers`` for every command that runs simulations.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def open_workers(workers: int | None = None, scheduler: str | None = None, *,
                 preload: Sequence[str] = WORKER_PRELOAD) -> Iterator[Workers]:
    """An executor, shut down on exit (the layer under :func:`open_runner`).

    Parameters
    ----------
    workers : int >= 1, optional
        Local processes; 1 runs in this process; default :func:`default_workers`.
        Not allowed with ``scheduler``.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``).
    preload : sequence of str
        Modules the local workers import before their first task.

    Raises
    ------
    InputError
        ``workers`` < 1; both ``workers`` and ``scheduler``; Dask not installed;
        a scheduler that cannot be reached, does not speak Dask, or has no workers.
    """
    if scheduler is not None:
        if workers is not None:
            raise InputError("--workers", "no --workers with --scheduler",
                             reason="cannot be combined with --scheduler (the Dask cluster's "
                                    "own workers run the work)")
        with dask_workers(scheduler) as opened:
            yield opened
        return
    count = default_workers() if workers is None else workers
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InputError("--workers", "an integer >= 1", got=str(workers))
    if count == 1:
        executor = SerialExecutor()
        yield Workers(executor, 1, "this process", serial=True)
        executor.shutdown()
        return
    context = worker_context(preload)
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
    """Worker initializer: exit as soon as the main process is gone.

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


def start_early(workers: int | None = None, scheduler: str | None = None, *,
                preload: Sequence[str] = WORKER_PRELOAD) -> None:
    """Start the fork server now when a local pool will run the work.

    The fork server imports the model (about 1.5 s) in its own process; started
    before this process validates its inputs (which imports the model too), the
    two imports overlap and the workers are ready when the first task is
    submitted. Does nothing for ``workers=1``, for ``scheduler``, or where
    there is no fork server.
    """
    count = default_workers() if workers is None else workers
    if scheduler is not None or not isinstance(count, int) or count < 2:
        return
    if worker_context(preload).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def worker_context(preload: Sequence[str] = WORKER_PRELOAD) -> multiprocessing.context.BaseContext:
    """A fork-server context preloading ``preload`` (POSIX), else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")


# --------------------------------------------------------------------------- Dask


def check_dask_address(address: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a Dask address, or an :class:`InputError`.

    Accepts ``tcp://host:port`` (and ``tls://``, ``ws://``, ``wss://``,
    ``ucx://``), or ``host:port`` (TCP).
    """
    text = address.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    match = re.fullmatch(r"\[?([A-Za-z0-9_.\-:]+?)\]?:(\d{1,5})/?", rest)
    if scheme not in DASK_SCHEMES or scheme == "inproc" or match is None \
            or not 0 < int(match.group(2)) < 65536:
        raise InputError("--scheduler", "a Dask scheduler address",
                         reason=f"expected a Dask scheduler address such as "
                                f"tcp://host:8786, got {address!r}")
    return scheme, match.group(1), int(match.group(2))


def probe_dask_scheduler(address: str, timeout: float = DASK_HANDSHAKE_SECONDS) -> None:
    """Check that a TCP address answers like a Dask scheduler, within ``timeout``.

    A Dask server sends its handshake (a msgpack frame naming ``compression``,
    ``python`` and ``pickle-protocol``) as soon as a connection opens; an HTTP
    server (the dashboard's port) or anything else waits or says something
    else. ``distributed.Client`` would instead wait past its own timeout.
    """
    scheme, host, port = check_dask_address(address)
    if scheme != "tcp":
        return  # TLS and the others negotiate first: leave them to the client
    heard, connected = b"", False
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            connected = True
            deadline = time.monotonic() + timeout
            while b"pickle-protocol" not in heard and len(heard) < 4096:
                conn.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = conn.recv(4096)
                if not chunk:
                    break
                heard += chunk
    except TimeoutError:
        pass  # judged by what was heard
    except OSError as error:
        raise InputError("--scheduler", "a Dask scheduler address",
                         reason=f"cannot reach a Dask scheduler at {address}: "
                                f"{error.strerror or error}") from None
    if not connected:
        raise InputError("--scheduler", "a Dask scheduler address",
                         reason=f"cannot reach a Dask scheduler at {address}: no answer "
                                f"within {timeout:.0f} s")
    if b"pickle-protocol" not in heard:
        said = "said nothing" if not heard else f"answered {heard[:20]!r}"
        raise InputError("--scheduler", "a Dask scheduler",
                         reason=f"{address} does not speak Dask (it {said} within "
                                f"{timeout:.0f} s; is it the dashboard's port? the scheduler "
                                f"listens on 8786 by default)")


@contextlib.contextmanager
def dask_workers(address: str, *, connect_seconds: float = DASK_CONNECT_SECONDS,
                 no_workers_seconds: float = DASK_NO_WORKERS_SECONDS) -> Iterator[Workers]:
    """A Dask client on ``address`` and its ``concurrent.futures`` executor (``pure=False``)."""
    check_dask_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler", "Dask", reason="needs Dask: install youwei with the "
                         "cluster extra (pip install 'youwei[cluster]')") from None
    probe_dask_scheduler(address)
    try:
        client = Client(address, timeout=connect_seconds, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError("--scheduler", "a Dask scheduler address",
                         reason=f"cannot reach a Dask scheduler at {address}: "
                                f"{' '.join(str(error).split()) or type(error).__name__}") from None
    try:
        try:
            client.wait_for_workers(1, timeout=no_workers_seconds)
        except TimeoutError:
            raise InputError("--scheduler", "a scheduler with workers",
                             reason=f"the Dask scheduler at {address} has no workers "
                                    f"(waited {no_workers_seconds:.0f} s): start some with "
                                    f"dask worker {address}") from None
        slots = max(1, sum(client.nthreads().values()))
        executor = client.get_executor(pure=False)
        try:
            yield Workers(executor, slots, f"Dask at {address}: {slots} worker threads",
                          client=client, address=address)
        finally:
            executor.shutdown(wait=False)
    finally:
        client.close()


# --------------------------------------------------------------------------- chunks


class ChunkSizer:
    """Tasks per chunk, from the task times seen so far and the size of the work.

    Until a task time is known, chunks hold one task. Then a chunk holds
    ``target_seconds / mean task time`` tasks, but no more than a share of what
    is left to submit, so that the last chunks are small and the workers finish
    together. With ``total`` given, a chunk holds at least ``total /
    (CHUNKS_PER_SLOT x slots)`` tasks (fewer only where that would take longer than
    :data:`MAX_CHUNK_SECONDS`, or more than is left): the work goes in a bounded
    number of chunks whatever the machine's load, since a task's wall time grows
    with the load and the time-sized chunks would shrink to one task each.

    Parameters
    ----------
    slots : int
        Chunks that run at once.
    target_seconds : float
        Aimed duration of one chunk.
    total : int, optional
        Tasks in the whole work; without it, chunks are sized by time alone.

    Examples
    --------
    >>> sizer = ChunkSizer(slots=2, target_seconds=1.0, total=200)
    >>> sizer.observe(runs=4, seconds=6.0)  # 1.5 s a task on a loaded machine
    >>> sizer.size(196)  # by time alone: 1
    7
    """

    def __init__(self, slots: int, target_seconds: float = TARGET_TASK_SECONDS,
                 total: int | None = None) -> None:
        self.slots = max(1, slots)
        self.target_seconds = target_seconds
        self.floor = 1 if total is None else max(1, math.ceil(total / (CHUNKS_PER_SLOT
                                                                       * self.slots)))
        self.run_seconds = 0.0
        self.runs_timed = 0

    def observe(self, runs: int, seconds: float) -> None:
        """Record ``runs`` tasks that took ``seconds`` in all (measured where they ran)."""
        self.runs_timed += runs
        self.run_seconds += seconds

    def size(self, remaining: int) -> int:
        """Tasks for the next chunk, with ``remaining`` tasks not yet submitted (>= 1)."""
        if self.runs_timed == 0:
            return 1
        mean = max(self.run_seconds / self.runs_timed, 1e-6)
        by_time = max(1, int(self.target_seconds / mean))
        balanced = max(1, math.ceil(remaining / (TASKS_PER_WORKER * self.slots)))
        floor = min(self.floor, max(1, int(MAX_CHUNK_SECONDS / mean)))
        return min(max(min(by_time, balanced), floor), remaining)


# --------------------------------------------------------------------------- the runner


class Runner:
    """Open workers that take tasks (made by :func:`open_runner`)."""

    def __init__(self, workers: Workers, *, chunk_seconds: float = TARGET_TASK_SECONDS,
                 no_workers_seconds: float = DASK_NO_WORKERS_SECONDS,
                 threads: int = 1) -> None:
        self.workers = workers
        self.chunk_seconds = chunk_seconds
        self.no_workers_seconds = no_workers_seconds
        self.threads = threads

    @property
    def description(self) -> str:
        """``"this process"``, ``"2 local processes"``, ``"Dask at ...: 4 worker threads"``."""
        return self.workers.description

    @property
    def slots(self) -> int:
        return self.workers.slots

    def map(self, fn: Callable[[Any], Any], tasks: Iterable, *, label: str = "tasks",
            unit: str = "run", done_before: int = 0, ordered: bool = False,
            progress: ProgressMode | None = None) -> Iterator[tuple[Any, Any]]:
        """Run ``fn`` on every task; yield ``(task, outcome)`` as each finishes.

        Parameters
        ----------
        fn : callable
            A module-level function of one task.
        tasks : iterable
            Picklable plain data, one per run.
        label : str
            Named in the progress bar or lines (``"sweep tolerance"``).
        unit : str
            One task, for people (``"run"``, ``"replication"``).
        done_before : int >= 0
            Tasks already done by an earlier run (progress counts them as done).
        ordered : bool
            Yield in the order of ``tasks`` instead of as they finish.
        progress : ProgressMode, optional
            Default a bar on a terminal, lines elsewhere; ``SILENT`` for none.

        Yields
        ------
        (task, outcome)
            ``outcome`` is ``fn(task)``, or a :class:`TaskFailure`.

        Raises
        ------
        WorkersLost
            A local worker process died.
        InputError
            A Dask cluster without workers for ``no_workers_seconds``, or its
            scheduler lost.
        """
        items = list(tasks)
        pending = deque(enumerate(items))
        executor = self.workers.executor
        sizer = ChunkSizer(self.slots, self.chunk_seconds, total=len(items))
        in_flight: dict[Future, list[tuple[int, Any]]] = {}
        held: dict[int, tuple[Any, Any]] = {}
        next_index = 0
        limit = TASKS_PER_WORKER * self.slots
        with Progress(done_before + len(items), label=label, done_before=done_before,
                      unit=unit, mode=progress) as shown:
            try:
                while pending or in_flight:
                    while pending and len(in_flight) < limit:
                        size = 1 if self.workers.serial else sizer.size(len(pending))
                        chunk = [pending.popleft() for _ in range(size)]
                        future = executor.submit(run_chunk, fn, [task for _, task in chunk],
                                                 self.threads)
                        in_flight[future] = chunk
                    finished, _ = wait(list(in_flight), timeout=POLL_SECONDS,
                                       return_when=FIRST_COMPLETED)
                    if not finished:
                        self.workers.check_alive(self.no_workers_seconds)
                        shown.tick()
                        continue
                    for future in finished:
                        chunk = in_flight.pop(future)
                        outcomes, seconds = self.chunk_outcomes(future, len(chunk))
                        sizer.observe(len(chunk), seconds)
                        for (index, task), outcome in zip(chunk, outcomes, strict=True):
                            shown.update(1, failed=int(isinstance(outcome, TaskFailure)))
                            if not ordered:
                                yield task, outcome
                                continue
                            held[index] = (task, outcome)
                            while next_index in held:
                                yield held.pop(next_index)
                                next_index += 1
            finally:
                for future in in_flight:
                    future.cancel()

    def chunk_outcomes(self, future: Future, size: int) -> tuple[list, float]:
        """The outcomes of a chunk; a chunk lost as a whole fails each of its tasks."""
        try:
            return future.result()
        except BrokenProcessPool as error:
            raise WorkersLost(f"a worker process died ({error})") from error
        except Exception as error:  # noqa: BLE001 - e.g. distributed.KilledWorker
            self.workers.check_alive(0.0 if self.workers.client is None
                                     else self.no_workers_seconds)
            return [TaskFailure.from_exception(error)] * size, 0.0


@contextlib.contextmanager
def open_runner(workers: int | None = None, scheduler: str | None = None, *,
                preload: Sequence[str] = WORKER_PRELOAD,
                chunk_seconds: float = TARGET_TASK_SECONDS,
                no_workers_seconds: float = DASK_NO_WORKERS_SECONDS,
                threads: int | None = None) -> Iterator[Runner]:
    """Open the executor for some work; bad options fail here, before anything runs.

    Parameters
    ----------
    workers : int >= 1, optional
        Local processes (1: this process); default :func:`default_workers`.
    scheduler : str, optional
        A Dask scheduler address (``tcp://host:8786``), instead of ``workers``.
        Tasks and results travel as pickles: a trusted cluster only.
    preload : sequence of str
        Modules the local workers import before their first task.
    chunk_seconds : float > 0
        Aimed duration of one chunk of tasks.
    no_workers_seconds : float > 0
        Dask: how long to wait for a first worker, and how long a cluster may
        run without any live worker before the work ends with an error.
    threads : int >= 1, optional
        BLAS/OpenMP threads in each process running tasks; default
        :func:`blas_threads` (``YOUWEI_BLAS_THREADS``, else 1).

    Yields
    ------
    Runner

    Raises
    ------
    InputError
        Bad ``workers``/``scheduler`` or ``YOUWEI_BLAS_THREADS`` (one line, for the user).
    """
    threads = blas_threads() if threads is None else threads
    options = {"chunk_seconds": chunk_seconds, "no_workers_seconds": no_workers_seconds,
               "threads": threads}
    if scheduler is not None and workers is None:
        check_dask_address(scheduler)  # before importing Dask: a typo fails at once
        with dask_workers(scheduler, no_workers_seconds=no_workers_seconds) as opened:
            yield Runner(opened, **options)
        return
    with open_workers(workers, scheduler, preload=preload) as opened:
        yield Runner(opened, **options)


def run_tasks(fn: Callable[[Any], Any], tasks: Iterable, *, workers: int | None = None,
              scheduler: str | None = None, label: str = "tasks", unit: str = "run",
              ordered: bool = False, progress: ProgressMode | None = None,
              preload: Sequence[str] = WORKER_PRELOAD,
              chunk_seconds: float = TARGET_TASK_SECONDS,
              no_workers_seconds: float = DASK_NO_WORKERS_SECONDS,
              ) -> Iterator[tuple[Any, Any]]:
    """:func:`open_runner` and :meth:`Runner.map` in one generator.

    The workers open when iteration starts (so a bad ``scheduler`` raises at the
    first ``next``) and close when it ends or the generator is closed (use
    ``contextlib.closing`` when stopping early).

    Examples
    --------
    >>> from experiments.common.runner import run_tasks
    >>> [outcome for _, outcome in run_tasks(abs, [-1, 2, -3], workers=1, ordered=True,
    ...                                      progress=ProgressMode.SILENT)]
    [1, 2, 3]
    """
    with open_runner(workers, scheduler, preload=preload, chunk_seconds=chunk_seconds,
                     no_workers_seconds=no_workers_seconds) as runner:
        yield from runner.map(fn, tasks, label=label, unit=unit, ordered=ordered,
                              progress=progress)
