"""``youwei robust SPEC --out DIR``: every package on every sampled world, then regret,
robustness and a planner's report.

::

    youwei robust experiments/robust/specs/demo.toml --out results/robust [--workers 2]
                  [--scheduler tcp://host:8786] [--resume] [--lang zh|en]

The spec format is in :mod:`experiments.robust.spec`, the folder layout and
resume in :mod:`experiments.robust.engine`, the tables in
:mod:`experiments.robust.tables`, the report in :mod:`experiments.robust.report`.

Exit codes: 0 written; 2 bad input (one line on stderr, nothing run); 3 some
runs failed (tables written without them); 4 stopped early (a worker died:
rerun with ``--resume``); 130 interrupted (likewise).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from experiments.common.errors import InputError
from experiments.common.runner import start_early
from experiments.sweep.command import (
    EXIT_FAILED_RUNS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_STOPPED,
    report_error,
)


def run_robust(spec: Path, *, out: Path, workers: int | None = None,
               scheduler: str | None = None, resume: bool = False, lang: str = "zh",
               command: Sequence[str] | None = None, progress_bar: bool | None = None) -> int:
    """Run a robust experiment (or the rest of one) and write its folder; return the exit code.

    Parameters
    ----------
    spec : Path
        The robust spec (TOML).
    out : Path
        The robust folder: created, or with ``resume`` an earlier run of this spec.
    workers : int, optional
        Local worker processes (1: this process); default one per core.
    scheduler : str, optional
        A Dask scheduler address instead of local processes.
    resume : bool
        Continue the experiment in ``out``.
    lang : {"zh", "en"}
        Language of the report and figures.
    command : sequence of str, optional
        Recorded in ``manifest.json``.
    """
    start_early(workers, scheduler)
    from experiments.robust.spec import SpecError, load_robust_spec, spec_summary

    try:
        loaded = load_robust_spec(spec)
    except SpecError as error:
        return report_error(str(error))
    from experiments.robust.engine import run_packages
    from experiments.robust.report import write_robust_report
    from experiments.sweep.engine import SweepInterrupted

    print(f"robust {loaded.name} ({loaded.short_hash}): {spec_summary(loaded)}", flush=True)
    try:
        outcome = run_packages(loaded, Path(out), workers=workers, scheduler=scheduler,
                               resume=resume, command=command, progress_bar=progress_bar)
        lines = write_robust_report(loaded, Path(out), lang)
    except InputError as error:
        return report_error(str(error))
    except OSError as error:
        return report_error(f"cannot write {out}: {error.strerror or error}")
    except SweepInterrupted as error:
        print(f"youwei: stopped: {error}; finished runs are saved in {out}: rerun with --resume",
              file=sys.stderr)
        return EXIT_STOPPED
    except KeyboardInterrupt:
        print(f"youwei: interrupted; finished runs are saved in {out}: rerun with --resume",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"{outcome.finished:,} of {outcome.total:,} runs finished, {outcome.failed:,} failed; "
          f"{outcome.workers}")
    for line in lines:
        print(line)
    print(f"wrote {out} (results.parquet, regret.csv, robustness.csv, regret.png, outcomes.png, "
          f"report.html, manifest.json, packages/)")
    if outcome.failed:
        print(f"youwei: {outcome.failed:,} runs failed: see failures.parquet in each folder "
              f"under {Path(out) / 'packages'}", file=sys.stderr)
        return EXIT_FAILED_RUNS
    return EXIT_OK
