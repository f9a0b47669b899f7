"""The sweep engine: run every point of a design, stream results to disk, resume after a crash.

A sweep folder (``--out``) holds::

    manifest.json      the spec as resolved, its SHA-256, the seeds and how runs derive
                       theirs, software versions, the model code's SHA-256, the commands,
                       the status and counts, and the signature {"youwei_output": "sweep"}
    design.parquet     one row per point: sample, each parameter's value (and the
                       sampler's unit coordinates, unit:<path>, for the analysers)
    runs.parquet       one row per finished run: run_id, sample, replication, seed, the
                       parameters, the outputs
    series.parquet     one row per (run_id, year), every model reporter
    failures.parquet   one row per failed run: run_id, sample, replication, seed, the
                       parameters, error, traceback

While the sweep runs, results stream to ``parts/``, a pair of files every few
seconds (``p000012-series.parquet``: the yearly reporters of the runs
finished since the last pair; ``p000012-runs.parquet``: one row per run, status
ok or failed, the outputs, or the error and its traceback). After a sweep that
went through, the parts are compacted into the three tables and ``parts/`` is
removed. The folder is locked while a sweep runs in it
(:func:`experiments.common.folders.lock_folder`): a second sweep on it refuses
at once, naming the holder.

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
their runs file, turns final tables found in the folder back into one part (a
compacted sweep, or one killed while compacting), reads the run ids of the runs
files, and runs only the others (failed runs are tried again). The final
tables are built from the committed parts alone, one row per run id (a
finished row beats a failed one; its series rows come from the same part),
sorted by run id: whatever was interrupted and resumed, nothing is lost or
duplicated, and the tables equal those of an uninterrupted sweep. A resume
refuses a folder made by another spec, other software versions or other model
code. The runs go through the shared executor (:mod:`experiments.common.runner`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from experiments.common.errors import InputError
from experiments.common.folders import check_out_folder, lock_folder, output_signature
from experiments.common.progress import ProgressMode
from experiments.common.provenance import (
    SIMULATION_SOFTWARE,
    command_line,
    software_versions,
    to_json_safe,
)
from experiments.common.runner import (
    TARGET_TASK_SECONDS,
    TaskFailure,
    WorkersLost,
    open_runner,
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
class RunTask:
    """One run, with everything a worker needs (picklable plain data).

    The runner sends tasks in chunks; a chunk is pickled as one object, so the
    base scenario its tasks share travels once per chunk.
    """

    scenario: Scenario
    paths: tuple[str, ...]
    years: int
    seed: int
    outputs: tuple[str, ...]
    summary: OutputSummary
    order: RunOrder


@dataclass(frozen=True)
class RunResult:
    """What a run sends back.

    Attributes
    ----------
    values : tuple of float
        One value per output, in the spec's order.
    series : pandas.DataFrame
        ``run_id``, then the model reporters, one row per year.
    """

    values: tuple[float, ...]
    series: pd.DataFrame


def run_one(task: RunTask) -> RunResult:
    """Run one run of a sweep (in a worker); an exception is the runner's to record."""
    from sim import CadreModel  # imported once per worker process

    order = task.order
    scenario = with_values(task.scenario, task.paths, order.values)
    model = CadreModel(scenario, rng=run_seed(task.seed, order.sample, order.replication))
    frame = model.run(task.years).reset_index(drop=True)
    values = summarise(frame, task.outputs, task.summary)
    frame.insert(0, "run_id", order.run_id)
    return RunResult(tuple(values[name] for name in task.outputs), frame)


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


def runs_part_schema(outputs: Sequence[str]) -> pa.Schema:
    """Columns of a runs part file (fixed types, so parts always concatenate)."""
    return pa.schema([
        ("run_id", pa.string()), ("sample", pa.int64()), ("replication", pa.int64()),
        ("status", pa.string()),
        *[(name, pa.float64()) for name in outputs],
        ("error", pa.string()), ("traceback", pa.string()),
    ])


class PartBuffer:
    """Outcomes of runs not yet written to a part."""

    def __init__(self, outputs: Sequence[str]) -> None:
        self.outputs = tuple(outputs)
        self.names = runs_part_schema(self.outputs).names
        self.clear()

    def clear(self) -> None:
        self.rows: dict[str, list] = {name: [] for name in self.names}
        self.frames: list[pd.DataFrame] = []

    def __len__(self) -> int:
        return len(self.rows["run_id"])

    def add(self, order: RunOrder, outcome: RunResult | TaskFailure) -> bool:
        """Record a run's outcome; True when it failed."""
        rows = self.rows
        rows["run_id"].append(order.run_id)
        rows["sample"].append(order.sample)
        rows["replication"].append(order.replication)
        failed = isinstance(outcome, TaskFailure)
        rows["status"].append((RunStatus.FAILED if failed else RunStatus.OK).value)
        for index, name in enumerate(self.outputs):
            rows[name].append(float("nan") if failed else outcome.values[index])
        rows["error"].append(outcome.error if failed else None)
        rows["traceback"].append(outcome.traceback if failed else None)
        if not failed:
            self.frames.append(outcome.series)
        return failed

    def series(self) -> pd.DataFrame:
        return pd.concat(self.frames, ignore_index=True) if self.frames else pd.DataFrame()


# --------------------------------------------------------------------------- the folder


class SweepFolderError(InputError):
    """An ``--out`` folder that cannot take this sweep (exit code 2)."""


@dataclass
class Counts:
    """Runs of a sweep: in all, finished before this run, finished now, failed."""

    total: int
    done_before: int = 0
    done_now: int = 0
    failed: int = 0

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

        The caller holds the folder's lock. A previous sweep is recognised by its
        manifest's signature, never by file names.

        Raises
        ------
        SweepFolderError
            A folder holding something else, a sweep without ``--resume``, or
            for ``--resume`` a sweep of another spec, other software or model code.
        """
        try:
            previous = check_out_folder(self.root, "sweep", files=OWNED, keep_others=True)
        except InputError as error:
            raise SweepFolderError(self.root, "a sweep folder", reason=error.problem()) from None
        design = design_table(self.spec)
        if previous is not None:
            if not resume:
                raise SweepFolderError(self.root, "a new folder", reason=(
                    "holds a sweep already (manifest.json): add --resume to continue it, "
                    "or choose another --out"))
            self.check_resumable(previous, design)
            commands = [*previous.get("commands", []), command_line(command)]
        else:
            commands = [command_line(command)]
        self.root.mkdir(parents=True, exist_ok=True)
        self.write_manifest(commands, SweepStatus.RUNNING)  # first: it marks the folder ours
        self.parts.mkdir(exist_ok=True)
        if not (self.root / DESIGN).exists():
            write_parquet(design, self.root / DESIGN)
        self.clean_parts()
        complete = previous is not None and previous.get("status") == SweepStatus.COMPLETE.value
        self.unpack_tables(complete)
        return self.done_ids()

    def read_manifest(self) -> dict:
        try:
            return json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SweepFolderError(self.root / MANIFEST, "a sweep manifest",
                                   reason=f"cannot be read ({error})") from None

    def unpack_tables(self, complete: bool) -> None:
        """Turn the final tables of a compacted sweep back into one part, for a resume.

        Final tables count only when the manifest said ``complete`` (they were
        all written before it); otherwise they are the torn output of a sweep
        killed while compacting, and the parts, removed only after, hold
        everything: the tables are deleted.
        """
        finals = [self.root / name for name in (RUNS, FAILURES, SERIES)]
        if complete and all(path.exists() for path in finals):
            ok = pd.read_parquet(self.root / RUNS)
            failed = pd.read_parquet(self.root / FAILURES)
            frame = pd.concat([
                ok.assign(status=RunStatus.OK.value, error=None, traceback=None),
                failed.assign(status=RunStatus.FAILED.value,
                              **{name: float("nan") for name in self.spec.outputs}),
            ], ignore_index=True)
            name = f"p{self._next_part:06d}"
            self._next_part += 1
            series = pq.read_table(self.root / SERIES)
            if len(series):
                write_arrow(series, self.parts / f"{name}-series.parquet")
            runs = pa.Table.from_pandas(frame[self.schema.names], schema=self.schema,
                                        preserve_index=False)
            write_arrow(runs, self.parts / f"{name}-runs.parquet")
        for path in finals:
            path.unlink(missing_ok=True)

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

    def write_part(self, buffer: PartBuffer) -> None:
        """Commit the buffered outcomes as one part: the series file, then the runs file."""
        name = f"p{self._next_part:06d}"
        self._next_part += 1
        series = buffer.series()
        if len(series):
            write_parquet(series, self.parts / f"{name}-series.parquet")
        table = pa.table(buffer.rows, schema=self.schema)
        write_arrow(table, self.parts / f"{name}-runs.parquet")
        buffer.clear()

    def compact(self) -> None:
        """Remove the parts once the final tables and the complete manifest are written."""
        shutil.rmtree(self.parts, ignore_errors=True)

    def write_manifest(self, commands: list, status: SweepStatus,
                       progress: Counts | None = None) -> None:
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
                   progress: Counts | None) -> dict:
    """The content of ``manifest.json`` (no timestamps, no executor: results do not
    depend on them)."""
    counts = None
    if progress is not None:
        counts = {"total": progress.total, "finished": progress.finished,
                  "failed": progress.failed}
    return to_json_safe({
        **output_signature("sweep"),
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


WORKER_PRELOAD = ("sim", "experiments.sweep.engine")
"""What the local workers import before their first run."""

PART_SECONDS = 2.0
"""A part is written at least this often while runs finish (what a kill -9 may lose)."""

PART_RUNS = 5_000
"""... and whenever this many runs are buffered."""


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
          chunk_seconds: float | None = None,
          no_workers_seconds: float | None = None) -> SweepOutcome:
    """Run every run of ``spec`` not yet in ``out``, then write the final tables.

    Parameters
    ----------
    spec : SweepSpec
    out : Path
        The sweep folder (created; with ``resume``, an earlier sweep of this spec).
        Locked while the sweep runs.
    workers : int, optional
        Local processes (1: this process); default one per core.
    scheduler : str, optional
        A Dask scheduler address (instead of local processes).
    resume : bool
        Continue the sweep in ``out``.
    command : sequence of str, optional
        Recorded in the manifest.
    progress_bar : bool, optional
        True: a bar on stderr; False: no progress; default a bar when stderr is
        a terminal, else a line every ~10 s.
    chunk_seconds : float, optional
        Aimed duration of one chunk of runs (default ``runner.TARGET_TASK_SECONDS``).
    no_workers_seconds : float, optional
        Dask: how long the cluster may have no live worker (default
        ``runner.DASK_NO_WORKERS_SECONDS``).

    Returns
    -------
    SweepOutcome

    Raises
    ------
    InputError
        Bad ``workers`` or ``scheduler``, an unusable ``out`` or one another run
        holds (nothing run), or a Dask cluster that lost its workers (finished
        runs saved for ``--resume``).
    SweepInterrupted
        A worker process died; what finished is saved for ``--resume``.
    KeyboardInterrupt
        Likewise saved.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SweepFolderError(out, "a folder for --out", got="a file")
    folder = SweepFolder(out, spec)
    orders = run_orders(spec)
    options = {} if no_workers_seconds is None else {"no_workers_seconds": no_workers_seconds}
    started = time.perf_counter()
    with (open_runner(workers, scheduler, preload=WORKER_PRELOAD,
                      chunk_seconds=chunk_seconds or TARGET_TASK_SECONDS, **options) as runner,
          lock_folder(out, what=f"sweep {spec.name}")):
        done = folder.open(resume=resume, command=command)
        pending = [order for order in orders if order.run_id not in done]
        counts = Counts(total=len(orders), done_before=len(orders) - len(pending))
        commands = folder.read_manifest()["commands"]
        try:
            execute(spec, folder, runner, pending, counts, progress_bar)
        except WorkersLost as error:
            folder.write_manifest(commands, SweepStatus.INCOMPLETE, counts)
            raise SweepInterrupted(str(error)) from error
        except BaseException:
            folder.write_manifest(commands, SweepStatus.INCOMPLETE, counts)
            raise
        finished, failed = folder.consolidate()
        counts.failed = failed
        folder.write_manifest(commands, SweepStatus.COMPLETE, counts)
        folder.compact()
    return SweepOutcome(total=len(orders), done_before=counts.done_before,
                        done_now=finished - counts.done_before, finished=finished,
                        failed=failed, seconds=time.perf_counter() - started,
                        workers=runner.description)


def execute(spec: SweepSpec, folder: SweepFolder, runner, pending: Sequence[RunOrder],
            counts: Counts, progress_bar: bool | None) -> None:
    """Hand the ``pending`` runs to the runner and commit their outcomes in parts.

    Outcomes are buffered and written as a part every :data:`PART_SECONDS`
    (or :data:`PART_RUNS` runs), and once more on the way out, whatever stops
    the loop (Ctrl-C, a lost worker).
    """
    tasks = [RunTask(scenario=spec.scenario, paths=spec.paths, years=spec.years,
                     seed=spec.seed, outputs=spec.outputs, summary=spec.summary, order=order)
             for order in pending]
    mode = None if progress_bar is None else (
        ProgressMode.BAR if progress_bar else ProgressMode.SILENT)
    buffer = PartBuffer(spec.outputs)
    written = time.monotonic()
    try:
        for task, outcome in runner.map(run_one, tasks, label=f"sweep {spec.name}",
                                        done_before=counts.done_before, progress=mode):
            if buffer.add(task.order, outcome):
                counts.failed += 1
            else:
                counts.done_now += 1
            if len(buffer) >= PART_RUNS or time.monotonic() - written >= PART_SECONDS:
                folder.write_part(buffer)
                written = time.monotonic()
    finally:
        if len(buffer):
            folder.write_part(buffer)
