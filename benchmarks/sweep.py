"""Sweep benchmark: runs per second serially, in a local process pool, on a Dask cluster,
and with Mesa's ``batch_run`` on the same work.

    python benchmarks/sweep.py [--quick] [--runs N] [--workers 2] [--repeat 2]
    python benchmarks/sweep.py --parts [SPEC] [--workers 2]

One spec of small runs (the baseline rules on a 58-cadre county, 3 years: about
15 ms a run, where per-task overhead matters most), a Latin hypercube over two
parameters with 2 replications, run four ways in this one invocation:

1. serial: ``--workers 1``, every run in this process;
2. a local process pool of ``--workers`` processes (the default executor);
3. a Dask ``LocalCluster`` of ``--workers`` single-threaded worker processes,
   through ``--scheduler`` (``Client.get_executor(pure=False)``);
4. Mesa's ``batch_run(number_processes=workers)`` on the same points,
   replications and years, with a ``CadreModel`` subclass built from each point
   (its own multiprocessing: a ``Pool`` forced to the spawn start method, one
   run per task). ``batch_run`` sets the start method of the whole process and
   is gone in Mesa 4, so it runs in a child process of this script, never in
   the library.

Every row is timed as a user sees it: a fresh Python process from start to
exit, its imports included, running the sweep as ``youwei sweep`` does (start
the local workers early, load and check the spec, run, stream every task's
part files to disk, consolidate) into a fresh folder; workers' start-up (a new
fork server importing the model; Dask workers importing it on their first
task) is in the time. "first result" is when the first task's part file was
on disk. Mesa's row is a fresh process running ``batch_run`` likewise. A fresh
Dask LocalCluster is started for each Dask sweep before the clock starts, as
a running cluster would be; nothing else is. Rows 1-4 are repeated
``--repeat`` times, interleaved, and the best time kept (other load on the
machine only ever slows a run down). The rows "one run
per task" run the same sweep once without chunking, to show what chunking
saves. All the sweeps' tables must be identical byte for byte (checked and
printed).

``--parts`` measures instead how many Parquet parts a sweep writes (default spec
``experiments/sweep/specs/morris_levers.toml``, 200 runs of 10 years) in a process pool
of ``--workers``, with the runner's chunks sized by time alone (as before the chunk
floor: on a loaded machine a run takes longer than the chunk target, so every chunk
holds one run and every run ends in a part of its own) and as the runner sizes them
now (at most ``runner.CHUNKS_PER_SLOT`` chunks per worker after the first); both in
fresh processes, same run, tables compared byte for byte.

Targets: the process pool >= 1.7x serial with 2 workers; Dask within 15% of the
pool (Dask / pool >= 0.85). Timings depend on the machine and its load (the load
average is printed before and after); nothing here asserts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from experiments.common.runner import default_workers  # noqa: E402
from experiments.sweep.engine import FAILURES, RUNS, SERIES  # noqa: E402
from experiments.sweep.spec import load_spec, spec_summary, with_values  # noqa: E402
from sim import CadreModel  # noqa: E402

POOL_TARGET = 1.7
DASK_TARGET = 0.85
YEARS = 3

SMALL = """\
extends = "baseline.toml"
name = "small_county"
years = 3

[organisation.organs]
count = 2
establishment = 10

[organisation.frontline]
count = 3
establishment = 10

[organisation.key_projects]
count = 1
establishment = 8
"""

SPEC = """\
name = "bench_small_runs"
scenario = "small.toml"
years = {years}
seed = 2024
replications = 2
outputs = ["mean_effort", "punished_honest_share", "efficiency"]

[parameters]
"policy.tolerance.excuse_rate" = {{ range = [0.0, 1.0] }}
"policy.promotion.rule" = {{ levels = ["seniority", "blend", "merit"] }}

[design]
method = "lhs"
samples = {samples}
"""


class SweepPointModel(CadreModel):
    """A ``CadreModel`` built from a sweep point, for Mesa's ``batch_run`` (keyword arguments
    only, as ``batch_run`` passes them)."""

    def __init__(self, scenario=None, paths=(), point=(), rng=None):
        super().__init__(with_values(scenario, paths, point), rng=rng)


def write_spec(folder: Path, runs: int) -> Path:
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    path = folder / "bench.toml"
    path.write_text(SPEC.format(years=YEARS, samples=max(1, runs // 2)), encoding="utf-8")
    return path


# A sweep as ``youwei sweep`` runs it (``experiments.sweep.command.run_sweep``: start the local
# workers early, load the spec, sweep), with the task size as an option.
SWEEP_CHILD = """\
import json, sys
from pathlib import Path
from experiments.common.runner import start_early
options = json.loads(sys.argv[3])
start_early(options["workers"], options["scheduler"])
from experiments.sweep.spec import load_spec
from experiments.sweep.engine import sweep
spec = load_spec(sys.argv[1])
outcome = sweep(spec, Path(sys.argv[2]), progress_bar=False, **options)
assert outcome.finished == spec.n_runs and outcome.failed == 0, outcome
"""


# A sweep as ``timed_sweep`` runs it, counting the parts the engine writes; "time_only" sizes
# chunks by time alone, as the runner did before its chunk floor.
PARTS_CHILD = """\
import json, sys
from pathlib import Path
from experiments.common import runner
options = json.loads(sys.argv[3])
if options["time_only"]:
    runner.CHUNKS_PER_SLOT = sys.maxsize
runner.start_early(options["workers"], None)
from experiments.sweep import engine
from experiments.sweep.spec import load_spec
written = []
write_part = engine.SweepFolder.write_part
def counted(self, buffer):
    written.append(len(buffer))
    write_part(self, buffer)
engine.SweepFolder.write_part = counted
spec = load_spec(sys.argv[1])
outcome = engine.sweep(spec, Path(sys.argv[2]), progress_bar=False, workers=options["workers"])
assert outcome.finished == spec.n_runs and outcome.failed == 0, outcome
print(json.dumps(written))
"""

MORRIS_SPEC = REPO / "experiments" / "sweep" / "specs" / "morris_levers.toml"


def counted_parts(spec_path: Path, out: Path, workers: int, *, time_only: bool
                  ) -> tuple[list[int], float]:
    """Runs per part the sweep wrote, and its wall seconds, in a fresh process."""
    shutil.rmtree(out, ignore_errors=True)
    options = {"workers": workers, "time_only": time_only}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PARTS_CHILD, str(spec_path), str(out),
                           json.dumps(options)], check=True, cwd=REPO, capture_output=True,
                          text=True)
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - start


def report_parts(spec_path: Path, workers: int) -> int:
    """``--parts``: parts written with chunks sized by time alone and as the runner does now."""
    spec = load_spec(spec_path)
    load_before = os.getloadavg()[0]
    print(f"Sweep parts: {spec_summary(spec)}; {workers} workers on {default_workers()} "
          f"usable cores; load average {load_before:.2f}")
    rows, digests = [], set()
    with tempfile.TemporaryDirectory(prefix="youwei-bench-parts-") as tmp:
        for label, time_only in (("chunks by time alone (before)", True),
                                 ("chunk floor (now)", False)):
            out = Path(tmp) / ("time" if time_only else "floor")
            written, seconds = counted_parts(spec_path, out, workers, time_only=time_only)
            digests.add(digest(out))
            rows.append((label, len(written), max(written), seconds))
    width = max(len(r[0]) for r in rows)
    print(f"{'chunk sizing':<{width}}  {'parts':>5}  {'most runs in a part':>19}  {'wall s':>7}")
    for label, parts, most, seconds in rows:
        print(f"{label:<{width}}  {parts:5d}  {most:19d}  {seconds:7.2f}")
    print(f"tables identical: {'yes' if len(digests) == 1 else 'NO'}; load average after "
          f"{os.getloadavg()[0]:.2f}")
    return 0


def timed_sweep(spec_path: Path, out: Path, *, workers: int | None = None,
                scheduler: str | None = None, chunk_seconds: float | None = None
                ) -> tuple[float, float]:
    """Run one sweep in a fresh Python process, as ``youwei sweep`` would; return the
    process's wall seconds (start-up and imports included) and the seconds until the first
    task's results were on disk."""
    shutil.rmtree(out, ignore_errors=True)
    options = {"workers": workers, "scheduler": scheduler, "chunk_seconds": chunk_seconds}
    start_wall, start = time.time(), time.perf_counter()
    subprocess.run([sys.executable, "-c", SWEEP_CHILD, str(spec_path), str(out),
                    json.dumps(options)], check=True, cwd=REPO)
    seconds = time.perf_counter() - start
    first = min(p.stat().st_mtime for p in (out / "parts").glob("*-runs.parquet")) - start_wall
    return seconds, first


def digest(folder: Path) -> str:
    hashed = hashlib.sha256()
    for name in (RUNS, SERIES, FAILURES):
        hashed.update((folder / name).read_bytes())
    return hashed.hexdigest()


def batch_run_seconds(spec_path: Path, workers: int) -> float:
    """Mesa's batch_run on the spec's work in a fresh Python process (it sets the spawn start
    method for the whole process): the process's wall seconds, start-up and imports included,
    like the sweeps'."""
    start = time.perf_counter()
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--batch-run-child",
                    str(spec_path), str(workers)], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def batch_run_child(spec_path: Path, workers: int) -> None:
    """The child: batch_run over every point, one rng per replication, the spec's years."""
    import warnings

    from mesa.batchrunner import batch_run

    spec = load_spec(spec_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # not ours to fix; Mesa 4 drops it
        results = batch_run(
            SweepPointModel,
            parameters={"scenario": [spec.scenario], "paths": [spec.paths],
                        "point": list(spec.points)},
            number_processes=workers,
            rng=list(range(spec.replications)),
            max_steps=spec.years,
            data_collection_period=-1,
            display_progress=False,
        )
    assert len(results) == spec.n_runs, len(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (200 runs)")
    parser.add_argument("--runs", type=int, default=1200, help="runs in the sweep")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="best of this many (default 2)")
    parser.add_argument("--parts", nargs="?", type=Path, const=MORRIS_SPEC, metavar="SPEC",
                        help="count the Parquet parts a sweep of SPEC writes, chunks sized by "
                        "time alone and as now (default spec: morris_levers)")
    parser.add_argument("--batch-run-child", nargs=2, metavar=("SPEC", "WORKERS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.parts:
        return report_parts(args.parts, args.workers)
    if args.batch_run_child:
        batch_run_child(Path(args.batch_run_child[0]), int(args.batch_run_child[1]))
        return 0
    from distributed import LocalCluster

    runs = 200 if args.quick else args.runs
    repeat = 1 if args.quick else args.repeat
    workers = args.workers
    load_before = os.getloadavg()
    seconds: dict[str, float] = {}
    first: dict[str, float] = {}

    def keep(key: str, measured: tuple[float, float]) -> None:
        if key not in seconds or measured[0] < seconds[key]:
            seconds[key], first[key] = measured

    with tempfile.TemporaryDirectory(prefix="youwei-bench-sweep-") as tmp:
        folder = Path(tmp)
        spec_path = write_spec(folder, runs)
        spec = load_spec(spec_path)
        print(f"Sweep benchmark: {spec_summary(spec)}; {spec.scenario.name} (58 cadres); "
              f"{workers} workers on {default_workers()} usable cores "
              f"(os.cpu_count() = {os.cpu_count()}); best of {repeat}")
        digests = set()

        def cluster() -> LocalCluster:  # a fresh one each time: its workers start cold
            return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                dashboard_address=None)

        for _ in range(repeat):
            keep("serial", timed_sweep(spec_path, folder / "serial", workers=1))
            keep("pool", timed_sweep(spec_path, folder / "pool", workers=workers))
            with cluster() as dask:
                keep("dask", timed_sweep(spec_path, folder / "dask",
                                         scheduler=dask.scheduler_address))
            keep("mesa", (batch_run_seconds(spec_path, workers), float("nan")))
            digests |= {digest(folder / name) for name in ("serial", "pool", "dask")}
        keep("pool1", timed_sweep(spec_path, folder / "pool1", workers=workers,
                                  chunk_seconds=1e-9))
        with cluster() as dask:
            keep("dask1", timed_sweep(spec_path, folder / "dask1",
                                      scheduler=dask.scheduler_address, chunk_seconds=1e-9))
        digests |= {digest(folder / name) for name in ("pool1", "dask1")}

    rate = {name: spec.n_runs / value for name, value in seconds.items()}
    pool_ratio, dask_ratio = rate["pool"] / rate["serial"], rate["dask"] / rate["pool"]
    rows = [
        ("serial (this process)", "serial", ""),
        (f"process pool, {workers} workers", "pool",
         f"target >= {POOL_TARGET}x: {'met' if pool_ratio >= POOL_TARGET else 'NOT met'}"),
        ("  one run per task", "pool1", ""),
        (f"Dask LocalCluster, {workers} workers", "dask",
         f"Dask / pool {dask_ratio:.2f}, target >= {DASK_TARGET}: "
         f"{'met' if dask_ratio >= DASK_TARGET else 'NOT met'}"),
        ("  one run per task", "dask1", ""),
        (f"mesa batch_run, {workers} processes", "mesa",
         f"ours (pool) / batch_run {rate['pool'] / rate['mesa']:.2f}x"),
    ]
    width = max(len(label) for label, _, _ in rows)
    print(f"{'executor':<{width}}  {'wall s':>7}  {'first result s':>14}  {'runs/s':>7}  "
          f"{'vs serial':>9}")
    for label, key, note in rows:
        shown = "-" if first[key] != first[key] else f"{first[key]:.2f}"
        print(f"{label:<{width}}  {seconds[key]:7.2f}  {shown:>14}  {rate[key]:7.1f}  "
              f"{rate[key] / rate['serial']:8.2f}x  {note}".rstrip())
    print(f"tables identical (serial, pool, Dask, one run per task): "
          f"{'yes' if len(digests) == 1 else 'NO'}")
    load_after = os.getloadavg()
    print(f"load average (1, 5, 15 min) before {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} "
          f"{load_after[2]:.2f}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
