"""``youwei sweep`` and ``youwei analyze``: run a parameter sweep, then its sensitivity analysis.

::

    youwei sweep experiments/sweep/specs/tolerance.toml --out results/tol/ [--workers 2]
                 [--scheduler tcp://host:8786] [--resume]
    youwei analyze results/tol/

The spec format is in :mod:`experiments.sweep.spec`, the folder layout, the
lock and the resume guarantees in :mod:`experiments.sweep.engine`, the
executors in :mod:`experiments.common.runner` (``--workers`` defaults to one
per core, as for ``youwei compare``), the analysis in
:mod:`experiments.sweep.analyze`. Progress goes to stderr: a bar on a
terminal, a line every ~10 s elsewhere.

Exit codes of ``youwei sweep``
------------------------------
0  every run finished; ``runs.parquet``, ``series.parquet`` (and an empty
   ``failures.parquet``) written.
2  bad input (a spec that does not validate, bad ``--workers``/``--scheduler``,
   an unusable ``--out``, or one another sweep is running in): one line on
   stderr, nothing run. Also a Dask cluster that stays without a live worker
   for 60 s in the middle of the sweep: finished runs are saved for ``--resume``.
3  the sweep went through, but some runs failed: the tables are written and
   ``failures.parquet`` holds each failed run's error and traceback.
4  stopped early (a worker process died): finished runs are saved; rerun with
   ``--resume``.
130  interrupted (Ctrl-C): likewise saved for ``--resume``.

Exit codes of ``youwei analyze``: 0 written; 2 not a finished sweep folder.

Calling :func:`run_sweep` from a script of your own with more than one local
worker: guard the call with ``if __name__ == "__main__":``, as for any
``multiprocessing`` code. Worker processes start from a fork server that
imports the main module again (see :mod:`experiments.common.runner`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from experiments.common.errors import InputError
from experiments.common.runner import start_early

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_FAILED_RUNS = 3
EXIT_STOPPED = 4
EXIT_INTERRUPTED = 130


def run_sweep(spec: Path, *, out: Path, workers: int | None, scheduler: str | None,
              resume: bool, command: list[str] | None = None) -> int:
    """Run a sweep (or the rest of one) and write its folder; return the exit code.

    Parameters
    ----------
    spec : Path
        The sweep spec (TOML).
    out : Path
        The sweep folder: created, or with ``resume`` an earlier sweep of this spec.
    workers : int, optional
        Local worker processes (1: run in this process); default one per core.
    scheduler : str, optional
        Address of a Dask scheduler; its workers run the sweep instead.
    resume : bool
        Continue the sweep in ``out``: finished runs are skipped.
    command : list of str, optional
        The command line, recorded in ``manifest.json``.

    Returns
    -------
    int
        See the module docstring.
    """
    # Local workers import the model while the spec loads (preload as engine.WORKER_PRELOAD).
    start_early(workers, scheduler, preload=("sim", "experiments.sweep.engine"))
    from experiments.sweep.spec import SpecError, load_spec, spec_summary

    try:
        loaded = load_spec(spec)
    except SpecError as error:
        return report_error(str(error))
    from experiments.sweep.engine import SweepInterrupted, sweep

    print(f"sweep {loaded.name} ({loaded.short_hash}): {spec_summary(loaded)}", flush=True)
    try:
        outcome = sweep(loaded, Path(out), workers=workers, scheduler=scheduler, resume=resume,
                        command=command)
    except InputError as error:
        return report_error(str(error))
    except OSError as error:
        return report_error(f"cannot write {out}: {error.strerror or error}")
    except SweepInterrupted as error:
        print(f"youwei: stopped: {error}; finished runs are saved in {out}: rerun with --resume "
              f"to do the rest", file=sys.stderr)
        return EXIT_STOPPED
    except KeyboardInterrupt:
        print(f"youwei: interrupted; finished runs are saved in {out}: rerun with --resume to "
              f"do the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    rate = outcome.done_now / outcome.seconds if outcome.seconds > 0 else float("nan")
    before = f", {outcome.done_before:,} from before" if outcome.done_before else ""
    print(f"{outcome.finished:,} of {outcome.total:,} runs finished ({outcome.done_now:,} "
          f"now{before}), {outcome.failed:,} failed; {outcome.workers}, {rate:,.1f} runs/s")
    print(f"wrote {out} (runs.parquet, series.parquet, failures.parquet, design.parquet, "
          f"manifest.json)")
    if outcome.failed:
        print(f"youwei: {outcome.failed:,} run{'s' if outcome.failed != 1 else ''} failed: "
              f"their errors and tracebacks are in {Path(out) / 'failures.parquet'}",
              file=sys.stderr)
        return EXIT_FAILED_RUNS
    return EXIT_OK


def run_analyze(folder: Path, *, command: Sequence[str] | None = None) -> int:
    """Sensitivity analysis of a finished sweep: indices, tables and figures in
    ``<folder>/analysis``; return the exit code.

    Parameters
    ----------
    folder : Path
        A sweep folder written by :func:`run_sweep` (complete).
    command : sequence of str, optional
        The command line, recorded in ``analysis/analysis.json``.

    Returns
    -------
    int
        0 when written; 2 when ``folder`` is not a finished sweep (one line on stderr).
    """
    from experiments.sweep.analyze import (
        AnalysisError,
        analyze_sweep,
        console_table,
        write_analysis,
    )

    try:
        analysis = analyze_sweep(Path(folder))
        written = write_analysis(analysis, Path(folder), command=command)
    except AnalysisError as error:
        return report_error(str(error))
    except OSError as error:
        return report_error(f"cannot write {Path(folder) / 'analysis'}: {error.strerror or error}")
    print(console_table(analysis))
    print(f"wrote {written} ({', '.join(analysis.files)})")
    return EXIT_OK


def report_error(message: str) -> int:
    """Print ``youwei: error: <line>`` on stderr for each problem (line) of ``message``."""
    for line in message.splitlines() or [message]:
        print(f"youwei: error: {' '.join(line.split())}", file=sys.stderr)
    return EXIT_BAD_INPUT
