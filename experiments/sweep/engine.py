"""The sweep engine: run every point of a design, stream results to disk, resume after a crash.

A sweep folder (``--out``) holds::

    manifest.json      the spec as resolved, its SHA-256, the seeds and how runs derive
                       theirs, software versions, the model code's SHA-256, the commands,
                       the status and counts
    design.parquet     one row per point: sample, each parameter's value (and the
                       sampler's unit coordinates, unit:<path>, for the analysers)
    parts/             results as they finish, one pair of files per task:
      p000012-series.parquet   the yearly reporters of the task's finished runs
      p000012-runs.parquet     one row per run of the task: status ok or failed,
                               the outputs, or the error and its traceback
    runs.parquet       at the end: one row per finished run: run_id, sample,
                       replication, seed, the parameters, the outputs
    series.parquet     at the end: one row per (run_id, year), every model reporter
    failures.parquet   at the end: one row per failed run: run_id, sample, replication,
                       seed, the parameters, error, traceback

Run ids are ``<first 12 hex of the spec's SHA-256>-<sample>-<replication>``
(zero-padded, so sorting by id sorts by sample and replication); the seed of a
run is ``numpy.random.SeedSequence(seed, spawn_key=(sample, replication))``,
which is ``SeedSequence(seed).spawn(n_points)[sample].spawn(replications)[replication]``.
Neither depends on the order runs finish in, on the executor or on chunking,
so the same spec gives the same tables serially, in a process pool or on Dask.

Crash safety. Every part file is written to a temporary name, flushed to disk
and renamed (``os.replace``, atomic), the series file first and the runs file
last: a run counts as done only once its runs file exists, and the runs file
exists only once its series file is complete. ``--resume`` (after Ctrl-C, a
crash or ``kill -9``) deletes temporary files and series files left without
their runs file, reads the run ids of the runs files, and runs only the others
(failed runs are tried again). The final tables are built from the committed
parts alone, one row per run id (a finished row beats a failed one; its series
rows come from the same part), sorted by run id: whatever was interrupted and
resumed, nothing is lost or duplicated, and the tables equal those of an
uninterrupted sweep. A resume refuses a folder
made by another spec, other software versions or other model code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import traceback
import uuid
import warnings
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from experiments.common.errors import InputError
from experiments.common.provenance import (
    SIMULATION_SOFTWARE,
    check_out_dir,
    command_line,
    software_versions,
    to_json_safe,
)
from experiments.common.runner import (
    TARGET_TASK_SECONDS,
    TASKS_PER_WORKER,
    ChunkSizer,
    Workers,
    open_workers,
)
from experiments.sweep.designs import design_seed
from experiments.sweep.spec import OutputSummary, SweepSpec, with_values
from scenarios import Scenario, scenario_hash

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
PARTS = "parts"
RUNS = "runs.parquet"
SERIES = "series.parquet"
FAILURES = "failures.parquet"
ANALYSIS = "analysis"
OWNED = (MANIFEST, DESIGN, PARTS, RUNS, SERIES, FAILURES, ANALYSIS)
"""Everything a sweep folder may hold."""

SWEEP_SOFTWARE = (*SIMULATION_SOFTWARE, "scipy", "SALib")
"""Packages whose versions shape a sweep's results (the model's and the samplers')."""

MODEL_CODE = ("sim", "optimize", "scenarios")
"""Packages whose source is hashed into the manifest (with this module)."""

RUN_COLUMNS = ("run_id", "sample", "replication")
UNIT_PREFIX = "unit:"
ERROR_CHARS = 500

SEED_DERIVATION = ("numpy.random.SeedSequence(seed, spawn_key=(sample, replication)), "
                   "i.e. SeedSequence(seed).spawn(n_points)[sample].spawn(replications)"
                   "[replication]; the design's sampler is seeded with "
                   "SeedSequence(seed).generate_state(1, uint32)[0]")


class RunStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"


class SweepStatus(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


# --------------------------------------------------------------------------- runs and seeds


def run_seed(seed: int, sample: int, replication: int) -> np.random.SeedSequence:
    """The seed of one run: child ``(sample, replication)`` of the root seed.

    Equal to ``SeedSequence(seed).spawn(n)[sample].spawn(m)[replication]`` for any
    ``n > sample`` and ``m > replication``, and independent of which runs exist.
    """
    return np.random.SeedSequence(seed, spawn_key=(sample, replication))


@dataclass(frozen=True)
class RunOrder:
    """One run to do: its id, point, replication and the point's parameter values."""

    run_id: str
    sample: int
    replication: int
    values: tuple


def run_orders(spec: SweepSpec) -> list[RunOrder]:
    """Every run of the sweep, sorted by run id (sample, then replication)."""
    prefix = spec.short_hash
    sample_width = len(str(max(spec.n_points - 1, 0)))
    replication_width = len(str(max(spec.replications - 1, 0)))
    return [
        RunOrder(f"{prefix}-{sample:0{sample_width}d}-{replication:0{replication_width}d}",
                 sample, replication, point)
        for sample, point in enumerate(spec.points)
        for replication in range(spec.replications)
    ]


@dataclass(frozen=True)
class ChunkTask:
    """Runs executed as one task on a worker (everything a worker needs, picklable)."""

    scenario: Scenario
    paths: tuple[str, ...]
    years: int
    seed: int
    outputs: tuple[str, ...]
    summary: OutputSummary
    runs: tuple[RunOrder, ...]


@dataclass(frozen=True)
class ChunkResult:
    """What a task sends back.

    Attributes
    ----------
    runs : dict of lists
        One entry per run of the task: ``run_id``, ``sample``, ``replication``,
        ``status``, each output, ``error``, ``traceback`` (see :func:`runs_part_schema`).
    series : pandas.DataFrame
        ``run_id``, then the model reporters, one row per year of each finished run.
    seconds : float
        Time spent running the model (for chunk sizing; not stored).
    """

    runs: dict
    series: pd.DataFrame
    seconds: float = 0.0


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run every run of ``task``; a run that raises is recorded, not propagated.

    Warnings follow Python's default action here whatever filters the calling
    process set (a test run's ``error``, say), so that a run behaves the same in
    this process, a pool process and a Dask worker.
    """
    from sim import CadreModel  # imported once per worker process

    rows: dict[str, list] = {name: [] for name in runs_part_schema(task.outputs).names}
    frames = []
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        for order in task.runs:
            rows["run_id"].append(order.run_id)
            rows["sample"].append(order.sample)
            rows["replication"].append(order.replication)
            try:
                scenario = with_values(task.scenario, task.paths, order.values)
                model = CadreModel(scenario, rng=run_seed(task.seed, order.sample,
                                                          order.replication))
                frame = model.run(task.years).reset_index(drop=True)
                values = summarise(frame, task.outputs, task.summary)
            except Exception as error:  # noqa: BLE001 - a failed run is data, the sweep goes on
                record_failure(rows, task.outputs, error)
                continue
            rows["status"].append(RunStatus.OK.value)
            for name in task.outputs:
                rows[name].append(values[name])
            rows["error"].append(None)
            rows["traceback"].append(None)
            frame.insert(0, "run_id", order.run_id)
            frames.append(frame)
    series = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return ChunkResult(rows, series, time.perf_counter() - start)


def summarise(frame: pd.DataFrame, outputs: Sequence[str], summary: OutputSummary) -> dict:
    """One value per output from a run's yearly frame (NaN where never defined)."""
    values = {}
    for name in outputs:
        column = frame[name].astype(float)
        if summary is OutputSummary.LAST:
            values[name] = float(column.iloc[-1]) if len(column) else float("nan")
        else:
            values[name] = float(column.mean())  # skips NaN; NaN if every year is NaN
    return values


def record_failure(rows: dict, outputs: Sequence[str], error: BaseException) -> None:
    """Append a failed run's status, NaN outputs, one-line error and full traceback."""
    rows["status"].append(RunStatus.FAILED.value)
    for name in outputs:
        rows[name].append(float("nan"))
    rows["error"].append(one_line(error))
    rows["traceback"].append("".join(traceback.format_exception(error)))


def one_line(error: BaseException) -> str:
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS - 3] + "..."


def runs_part_schema(outputs: Sequence[str]) -> pa.Schema:
    """Columns of a runs part file (fixed types, so parts always concatenate)."""
    return pa.schema([
        ("run_id", pa.string()), ("sample", pa.int64()), ("replication", pa.int64()),
        ("status", pa.string()),
        *[(name, pa.float64()) for name in outputs],
        ("error", pa.string()), ("traceback", pa.string()),
    ])


def failed_chunk(task: ChunkTask, error: BaseException) -> ChunkResult:
    """A task that failed as a whole (a worker lost, a result that would not unpickle):
    every run of it is recorded as failed with that error."""
    rows: dict[str, list] = {name: [] for name in runs_part_schema(task.outputs).names}
    for order in task.runs:
        rows["run_id"].append(order.run_id)
        rows["sample"].append(order.sample)
        rows["replication"].append(order.replication)
        record_failure(rows, task.outputs, error)
    return ChunkResult(rows, pd.DataFrame())


# --------------------------------------------------------------------------- the folder


class SweepFolderError(InputError):
    """An ``--out`` folder that cannot take this sweep (exit code 2)."""


@dataclass
class Progress:
    """Counts of a sweep in progress."""

    total: int
    done_before: int = 0
    done_now: int = 0
    failed: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def finished(self) -> int:
        return self.done_before + self.done_now


class SweepFolder:
    """The ``--out`` folder of one sweep: manifest, design, part files and final tables.

    Only the main process writes here; workers return their results.
    """

    def __init__(self, root: Path, spec: SweepSpec) -> None:
        self.root = Path(root)
        self.parts = self.root / PARTS
        self.spec = spec
        self.schema = runs_part_schema(spec.outputs)
        self._next_part = 0

    # ---------------------------------------------------------------- opening

    def open(self, *, resume: bool, command: Sequence[str] | None) -> set[str]:
        """Create the folder, or check it for ``--resume``; return the run ids already done.

        Raises
        ------
        SweepFolderError
            A folder holding something else, a sweep without ``--resume``, or
            for ``--resume`` a sweep of another spec, other software or model code.
        """
        manifest_path = self.root / MANIFEST
        design = design_table(self.spec)
        if manifest_path.exists():
            if not resume:
                raise SweepFolderError(self.root, "a new folder", reason=(
                    "holds a sweep already (manifest.json): add --resume to continue it, "
                    "or choose another --out"))
            previous = self.read_manifest()
            self.check_resumable(previous, design)
            commands = [*previous.get("commands", []), command_line(command)]
        else:
            if self.root.is_dir():  # a first attempt killed before its manifest was written
                for leftover in self.root.glob(f".{MANIFEST}.*.tmp"):
                    leftover.unlink(missing_ok=True)
            check_out_dir(self.root, (), what="a sweep")
            commands = [command_line(command)]
        self.root.mkdir(parents=True, exist_ok=True)
        self.write_manifest(commands, SweepStatus.RUNNING)  # first: it marks the folder ours
        self.parts.mkdir(exist_ok=True)
        if not (self.root / DESIGN).exists():
            write_parquet(design, self.root / DESIGN)
        self.clean_parts()
        return self.done_ids()

    def read_manifest(self) -> dict:
        try:
            return json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SweepFolderError(self.root / MANIFEST, "a sweep manifest",
                                   reason=f"cannot be read ({error})") from None

    def check_resumable(self, previous: dict, design: pd.DataFrame) -> None:
        """Refuse to mix this sweep's runs with another's."""
        before = previous.get("sweep", {}).get("sha256")
        if before != self.spec.hash:
            raise SweepFolderError(self.root, "a sweep of this spec", reason=(
                f"holds a sweep of another spec (sha256 {str(before)[:12]}, this spec "
                f"{self.spec.short_hash}): resume with the spec it was started with, or "
                f"choose another --out"))
        now = software_versions(SWEEP_SOFTWARE)
        changed = [f"{name} {previous['software'].get(name)} -> {version}"
                   for name, version in now.items()
                   if previous.get("software", {}).get(name) != version]
        if changed:
            raise SweepFolderError(self.root, "the same software", reason=(
                f"was started with other software ({', '.join(changed)}): its runs would mix "
                f"two versions; choose another --out"))
        if previous.get("model_code_sha256") != model_code_hash():
            raise SweepFolderError(self.root, "the same model code", reason=(
                "was started with other model code (the source of sim, optimize, scenarios "
                "or the sweep engine changed): its runs would mix two models; choose another "
                "--out"))
        path = self.root / DESIGN
        if path.exists() and not pq.read_table(path).equals(
                pa.Table.from_pandas(design, preserve_index=False)):
            raise SweepFolderError(path, "the design of this spec",
                                   reason="differs from the design of this spec")

    def clean_parts(self) -> None:
        """Delete what an interrupted write left: temporary files, series without runs."""
        for leftover in [*self.parts.glob(".*.tmp"), *self.root.glob(".*.tmp")]:
            leftover.unlink(missing_ok=True)
        committed = set(self.committed_parts())
        for series in self.parts.glob("*-series.parquet"):
            if series.name.removesuffix("-series.parquet") not in committed:
                series.unlink()
        numbers = [int(name[1:]) for name in committed if name[1:].isdigit()]
        self._next_part = max(numbers, default=-1) + 1

    def committed_parts(self) -> list[str]:
        """Names (``p000012``) of the parts whose runs file exists, in order."""
        return sorted(p.name.removesuffix("-runs.parquet")
                      for p in self.parts.glob("*-runs.parquet"))

    def read_runs_parts(self) -> pd.DataFrame:
        """Every runs part, with a ``part`` column naming its file."""
        tables = []
        for name in self.committed_parts():
            table = pq.read_table(self.parts / f"{name}-runs.parquet", schema=self.schema)
            tables.append(table.append_column("part", pa.array([name] * len(table), pa.string())))
        if not tables:
            return self.schema.empty_table().append_column(
                "part", pa.array([], pa.string())).to_pandas()
        return pa.concat_tables(tables).to_pandas()

    def done_ids(self) -> set[str]:
        """Run ids finished (status ok) in some committed part."""
        runs = self.read_runs_parts()
        return set(runs.loc[runs["status"] == RunStatus.OK.value, "run_id"])

    # ---------------------------------------------------------------- writing

    def write_part(self, result: ChunkResult) -> None:
        """Commit one task's results: the series file, then the runs file."""
        name = f"p{self._next_part:06d}"
        self._next_part += 1
        if len(result.series):
            write_parquet(result.series, self.parts / f"{name}-series.parquet")
        table = pa.table(result.runs, schema=self.schema)
        write_arrow(table, self.parts / f"{name}-runs.parquet")

    def write_manifest(self, commands: list, status: SweepStatus,
                       progress: Progress | None = None) -> None:
        manifest = sweep_manifest(self.spec, commands, status, progress)
        text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        write_atomic(text.encode("utf-8"), self.root / MANIFEST)

    def consolidate(self) -> tuple[int, int]:
        """Write ``runs.parquet``, ``series.parquet`` and ``failures.parquet`` from the parts.

        One row per run id: a finished row wins over failed ones, and among
        rows of one status the latest part wins (a failure retried by a resume
        that failed again). Returns ``(finished, failed)``.
        """
        spec = self.spec
        runs = self.read_runs_parts()
        runs["_ok"] = runs["status"] == RunStatus.OK.value
        runs = (runs.sort_values(["run_id", "_ok", "part"], ascending=[True, False, False])
                .drop_duplicates("run_id", keep="first"))
        design = pd.read_parquet(self.root / DESIGN)
        values = design[["sample", *spec.paths]]
        ok = runs[runs["_ok"]]
        failed = runs[~runs["_ok"]]
        first = ["run_id", "sample", "replication"]
        finished = (ok[[*first, *spec.outputs]].merge(values, on="sample", how="left")
                    .assign(seed=spec.seed))
        finished = finished[[*first, "seed", *spec.paths, *spec.outputs]]
        failures = (failed[[*first, "error", "traceback"]].merge(values, on="sample", how="left")
                    .assign(seed=spec.seed))
        failures = failures[[*first, "seed", *spec.paths, "error", "traceback"]]
        write_parquet(finished.sort_values("run_id").reset_index(drop=True), self.root / RUNS)
        write_parquet(failures.sort_values("run_id").reset_index(drop=True),
                      self.root / FAILURES)
        self.consolidate_series(ok)
        return len(finished), len(failures)

    def consolidate_series(self, ok: pd.DataFrame) -> None:
        """``series.parquet``: the series rows of each finished run, from the part that
        recorded it finished, sorted by run id and year."""
        tables = []
        for name, ids in ok.groupby("part")["run_id"]:
            table = pq.read_table(self.parts / f"{name}-series.parquet")
            tables.append(table.filter(pc.is_in(table["run_id"], value_set=pa.array(list(ids)))))
        if tables:
            series = pa.concat_tables(tables).sort_by([("run_id", "ascending"),
                                                       ("year", "ascending")])
            write_arrow(series.combine_chunks(), self.root / SERIES)
        else:
            write_parquet(pd.DataFrame({"run_id": pd.Series([], dtype=str)}), self.root / SERIES)


def design_table(spec: SweepSpec) -> pd.DataFrame:
    """One row per point: ``sample``, each parameter's value, and ``unit:<path>`` coordinates."""
    columns: dict[str, object] = {"sample": np.arange(spec.n_points, dtype=np.int64)}
    for index, path in enumerate(spec.paths):
        columns[path] = [point[index] for point in spec.points]
    if spec.unit is not None:
        for index, path in enumerate(spec.paths):
            columns[UNIT_PREFIX + path] = spec.unit[:, index].astype(float)
    return pd.DataFrame(columns)


def model_code_hash() -> str:
    """SHA-256 over the source of the model packages and this module (paths and bytes)."""
    digest = hashlib.sha256()
    files = [Path(__file__).resolve()]
    for package in MODEL_CODE:
        module = sys.modules.get(package) or __import__(package)
        files += sorted(Path(module.__file__).resolve().parent.rglob("*.py"))
    for path in files:
        digest.update(f"{path.parent.name}/{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def sweep_manifest(spec: SweepSpec, commands: list, status: SweepStatus,
                   progress: Progress | None) -> dict:
    """The content of ``manifest.json`` (no timestamps, no executor: results do not
    depend on them)."""
    counts = None
    if progress is not None:
        counts = {"total": progress.total, "finished": progress.finished,
                  "failed": progress.failed}
    return to_json_safe({
        "sweep": {"name": spec.name, "description": spec.description,
                  "source": str(spec.path), "sha256": spec.hash},
        "spec": {"name": spec.name, "description": spec.description, **spec.canonical()},
        "scenario": {"name": spec.scenario.name, "source": spec.scenario_source,
                     "sha256": scenario_hash(spec.scenario)},
        "design": {"method": spec.method.value, "points": spec.n_points,
                   "replications": spec.replications, "runs": spec.n_runs,
                   "parameters": list(spec.paths)},
        "seeds": {"root": spec.seed, "design": design_seed(spec.seed),
                  "derivation": SEED_DERIVATION},
        "run_id": "<first 12 hex of sweep.sha256>-<sample>-<replication>, zero-padded",
        "outputs": list(spec.outputs),
        "summary": spec.summary.value,
        "software": software_versions(SWEEP_SOFTWARE),
        "model_code_sha256": model_code_hash(),
        "commands": commands,
        "status": status.value,
        "runs": counts,
        "files": list(OWNED),
    })


# --------------------------------------------------------------------------- atomic writes


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as Parquet atomically (temporary file, fsync, rename)."""
    write_arrow(pa.Table.from_pandas(frame, preserve_index=False), path)


def write_arrow(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        pq.write_table(table, tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(data: bytes, path: Path) -> None:
    """Write bytes atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


# --------------------------------------------------------------------------- the loop


class SweepInterrupted(Exception):
    """The sweep stopped before its end (a worker process died); parts are kept."""


@dataclass(frozen=True)
class SweepOutcome:
    """What a sweep did."""

    total: int
    done_before: int
    done_now: int
    finished: int
    failed: int
    seconds: float
    workers: str


def sweep(spec: SweepSpec, out: Path, *, workers: int | None = None,
          scheduler: str | None = None, resume: bool = False,
          command: Sequence[str] | None = None, progress_bar: bool | None = None,
          chunk_seconds: float | None = None) -> SweepOutcome:
    """Run every run of ``spec`` not yet in ``out``, then write the final tables.

    Parameters
    ----------
    spec : SweepSpec
    out : Path
        The sweep folder (created; with ``resume``, an earlier sweep of this spec).
    workers : int, optional
        Local processes (1: this process); default one per core.
    scheduler : str, optional
        A Dask scheduler address (instead of local processes).
    resume : bool
        Continue the sweep in ``out``.
    command : sequence of str, optional
        Recorded in the manifest.
    progress_bar : bool, optional
        Show a progress bar on stderr; default only when stderr is a terminal.
    chunk_seconds : float, optional
        Aimed duration of one task (default ``executors.TARGET_TASK_SECONDS``).

    Returns
    -------
    SweepOutcome

    Raises
    ------
    InputError
        Bad ``workers`` or ``scheduler``, or an unusable ``out`` (nothing run).
    SweepInterrupted
        A worker process died; what finished is saved for ``--resume``.
    KeyboardInterrupt
        Likewise saved.
    """
    folder = SweepFolder(out, spec)
    orders = run_orders(spec)
    with open_workers(workers, scheduler) as pool:
        done = folder.open(resume=resume, command=command)
        pending = deque(order for order in orders if order.run_id not in done)
        progress = Progress(total=len(orders), done_before=len(orders) - len(pending))
        commands = folder.read_manifest()["commands"]
        try:
            execute(spec, folder, pool, pending, progress, progress_bar, chunk_seconds)
        except BaseException:
            folder.write_manifest(commands, SweepStatus.INCOMPLETE, progress)
            raise
    finished, failed = folder.consolidate()
    progress.failed = failed
    folder.write_manifest(commands, SweepStatus.COMPLETE, progress)
    return SweepOutcome(total=len(orders), done_before=progress.done_before,
                        done_now=finished - progress.done_before, finished=finished,
                        failed=failed, seconds=time.perf_counter() - progress.started,
                        workers=pool.description)


def execute(spec: SweepSpec, folder: SweepFolder, pool: Workers, pending: deque,
            progress: Progress, progress_bar: bool | None,
            chunk_seconds: float | None) -> None:
    """Submit chunks of ``pending`` runs, keeping every worker busy, and commit each
    result as it arrives."""
    sizer = ChunkSizer(pool.slots, chunk_seconds or TARGET_TASK_SECONDS)
    show = _is_terminal(sys.stderr) if progress_bar is None else progress_bar
    in_flight: dict[Future, ChunkTask] = {}
    with tqdm(total=progress.total, initial=progress.done_before, unit="run",
              desc=spec.name, file=sys.stderr, disable=not show, dynamic_ncols=True) as bar:
        bar.set_postfix(failed=progress.failed)
        try:
            while pending or in_flight:
                while pending and len(in_flight) < TASKS_PER_WORKER * pool.slots:
                    task = chunk_task(spec, [pending.popleft()
                                             for _ in range(sizer.size(len(pending)))])
                    in_flight[pool.executor.submit(run_chunk, task)] = task
                finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for future in finished:
                    task = in_flight.pop(future)
                    result = chunk_result(future, task)
                    folder.write_part(result)
                    sizer.observe(len(task.runs), result.seconds)
                    failed = result.runs["status"].count(RunStatus.FAILED.value)
                    progress.done_now += len(task.runs) - failed
                    progress.failed += failed
                    bar.update(len(task.runs))
                    bar.set_postfix(failed=progress.failed)
        finally:
            for future in in_flight:
                future.cancel()


def chunk_task(spec: SweepSpec, orders: Iterable[RunOrder]) -> ChunkTask:
    return ChunkTask(scenario=spec.scenario, paths=spec.paths, years=spec.years, seed=spec.seed,
                     outputs=spec.outputs, summary=spec.summary, runs=tuple(orders))


def chunk_result(future: Future, task: ChunkTask) -> ChunkResult:
    """The task's result; a task that failed as a whole fails each of its runs.

    A dead local worker breaks the whole pool: that stops the sweep
    (:class:`SweepInterrupted`), since which run killed it is unknown.
    """
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise SweepInterrupted(f"a worker process died ({error})") from error
    except Exception as error:  # noqa: BLE001 - e.g. distributed.KilledWorker
        return failed_chunk(task, error)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
