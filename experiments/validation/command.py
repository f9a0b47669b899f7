"""``youwei validate-model``: how far to trust the model, from one command.

::

    youwei validate-model --out DIR [--seeds N] [--workers N | --scheduler ADDR] [--quick]

Writes ``validation.md`` (for people, in English), ``validation.zh.md`` (the same report
in Chinese) and ``validation.json`` (the same numbers, for programs) in ``--out``, with
five sections, each from its module of ``experiments.validation``:

1. the stylised facts 1-4 as paired differences with 95% CIs (``facts``);
2. every calibration target (``scenarios/targets/*.toml``) against the model's mean
   and 95% CI on seeds that are not the calibration's (``targets``);
3. the Peter table of Pluchino et al. (2010) through ``CadreModel`` (``peter``);
4. the stationarity check of every county scenario (``stationarity``);
5. the robustness table: each pairwise order of the bundled policy packages on the
   baseline world, on five key results, and the share of a Latin hypercube sample over
   the assumption ranges in which it holds (``robustness``).

``--seeds N`` sets the replications of each scenario in sections 1, 2 and the
nominal point of 5 (default 20, and each targets file's own for 2). ``--quick`` runs
every section at a size for a smoke test (the report says so; its numbers are not
evidence). All runs go to the shared runner (``experiments.common.runner``).

Exit codes: 0 written; 2 bad option (one line on stderr, nothing written); 4 a run
failed or a worker process died (nothing written).
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from experiments.validation import stationarity as _stationarity

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_STOPPED = 4


@dataclass(frozen=True)
class Sizes:
    """How much each section runs."""

    fact_seeds: int = 20
    target_seeds: int | None = None  # None: each targets file's own
    peter_runs: int = 20
    peter_years: int = 300
    stationarity_seeds: int = _stationarity.SEEDS
    stationarity_years: int = _stationarity.YEARS
    robust_points: int = 128
    robust_reps: int = 4
    robust_nominal_seeds: int = 20


FULL = Sizes()
QUICK = Sizes(fact_seeds=3, target_seeds=2, peter_runs=2, peter_years=20,
              stationarity_seeds=2, stationarity_years=12, robust_points=3, robust_reps=2,
              robust_nominal_seeds=3)


def sizes_for(quick: bool, seeds: int | None) -> Sizes:
    """The sizes of a full or ``--quick`` run, with ``--seeds`` applied."""
    sizes = QUICK if quick else FULL
    if seeds is not None:
        sizes = replace(sizes, fact_seeds=seeds, target_seeds=seeds,
                        robust_nominal_seeds=seeds)
    return sizes


def report_error(message: str) -> int:
    print(f"youwei: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_validate_model(out: Path, *, seeds: int | None = None, workers: int | None = None,
                       scheduler: str | None = None, quick: bool = False,
                       command: list[str] | None = None) -> int:
    """Run the five sections and write the reports and ``validation.json`` to ``out``.

    Parameters
    ----------
    out : Path
        Output folder (created; ``validation.json`` and the reports of
        :data:`~experiments.validation.report.REPORT_FILES` there are replaced).
    seeds : int >= 2, optional
        Replications per scenario in the facts, the targets and the nominal point of the
        robustness table (default: :data:`FULL`'s or :data:`QUICK`'s).
    workers, scheduler
        Where the runs go (``experiments.common.runner.open_runner``).
    quick : bool
        Smoke-test sizes (:data:`QUICK`).
    """
    from experiments.common.errors import InputError

    if seeds is not None and seeds < 2:
        return report_error(f"--seeds: expected an integer >= 2 (a confidence interval "
                            f"needs two replications), got {seeds}")
    if out.exists() and not out.is_dir():
        return report_error(f"--out: {out} exists and is not a folder")
    sizes = sizes_for(quick, seeds)

    from experiments.common.runner import WorkersLost, open_runner
    from experiments.validation import facts, peter, robustness, stationarity, targets

    sections: dict[str, dict] = {}
    seconds: dict[str, float] = {}
    try:
        with open_runner(workers, scheduler) as runner:
            steps = (
                ("stylised_facts", lambda: facts.measure_facts(runner, sizes.fact_seeds)),
                ("calibration_targets", lambda: targets.measure_targets(
                    runner, sizes.target_seeds)),
                ("peter", lambda: peter.measure_peter(runner, sizes.peter_runs,
                                                      sizes.peter_years)),
                ("stationarity", lambda: stationarity.measure_stationarity(
                    runner, sizes.stationarity_years, sizes.stationarity_seeds)),
                ("robustness", lambda: robustness.measure_robustness(
                    runner, sizes.robust_points, sizes.robust_reps,
                    sizes.robust_nominal_seeds)),
            )
            for name, step in steps:
                start = time.perf_counter()
                sections[name] = step()
                seconds[name] = round(time.perf_counter() - start, 1)
                print(f"validate-model: {name} done in {seconds[name]:.0f} s", flush=True)
            used = runner.description
    except InputError as error:
        return report_error(str(error))
    except (RuntimeError, WorkersLost) as error:
        print(f"youwei: stopped: {' '.join(str(error).split())}", file=sys.stderr)
        return EXIT_STOPPED
    result = assemble(sections, sizes, quick, seconds, workers, scheduler, used, command)
    write_outputs(Path(out), result)
    print(f"wrote {Path(out) / 'validation.md'}, validation.zh.md and validation.json")
    return EXIT_OK


def assemble(sections: dict, sizes: Sizes, quick: bool, seconds: dict, workers, scheduler,
             used, command) -> dict:
    from datetime import UTC, datetime

    from experiments.common.provenance import command_line, software_versions

    return {
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command_line(command),
        "software": software_versions(),
        "quick": quick,
        "sizes": asdict(sizes),
        "executor": {"workers": workers, "scheduler": scheduler, "used": used},
        "seconds": seconds,
        **sections,
    }


def write_outputs(out: Path, result: dict) -> None:
    import json

    from experiments.validation.report import REPORT_FILES, validation_markdown

    reports = {name: validation_markdown(result, lang) for lang, name in REPORT_FILES.items()}
    out.mkdir(parents=True, exist_ok=True)
    (out / "validation.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1, allow_nan=False) + "\n",
        encoding="utf-8")
    for name, markdown in reports.items():
        (out / name).write_text(markdown, encoding="utf-8")
