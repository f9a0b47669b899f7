"""``youwei calibrate``: fit a scenario's free parameters to the articles' counts.

::

    youwei calibrate zhangdian --targets scenarios/targets/zhangdian.toml --out results/cal/
                     [--seeds N] [--design N] [--refine N] [--method M] [--seed S]
                     [--workers N | --scheduler tcp://host:8786]

Outputs in ``--out``: ``fitted.json`` (the fitted parameters, the objective, every
target against the model's mean and 95% interval over seeds, provenance),
``targets.csv`` and ``report.md`` (the same table), ``targets.png`` (each target's
model mean and interval relative to the target, with the tolerance band) and
``journal.jsonl`` (every evaluation; rerunning the same command in the same
folder resumes from it).

Exit codes: 0 written and every target met; 2 bad input (one line on stderr,
nothing run); 3 written, but some targets are not met at the fit; 4 stopped: a run
raised or a worker process died (finished evaluations are kept: rerun to resume).
The runs go to the shared runner (``experiments.common.runner.open_runner``).
"""

from __future__ import annotations

import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path

from experiments.common.errors import InputError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_NOT_MET = 3
EXIT_STOPPED = 4
DEFAULT_DESIGN = 8
DEFAULT_REFINE = 24
DEFAULT_ROOT_SEED = 20170410  # the date of seed 003, the first article with counts


def report_error(message: str) -> int:
    """Print ``youwei: error: <line>`` on stderr for each problem (line) of ``message``."""
    for line in message.splitlines() or [message]:
        print(f"youwei: error: {' '.join(line.split())}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_calibrate(
    scenario: str, *, targets: Path, out: Path, seeds: int | None = None,
    design: int = DEFAULT_DESIGN, refine: int = DEFAULT_REFINE,
    seed: int = DEFAULT_ROOT_SEED, method: str = "nelder-mead", workers: int | None = None,
    scheduler: str | None = None, command: list[str] | None = None,
) -> int:
    """Calibrate ``scenario`` to ``targets`` and write ``out``; return the exit code.

    Parameters
    ----------
    scenario : str
        A scenario file or bundled name.
    targets : Path
        The targets file (``experiments.calibration.targets``).
    out : Path
        Output folder; a folder holding this calibration's journal is resumed.
    seeds : int, optional
        Replications per evaluation (default: the targets file's ``seeds``).
    design, refine : int
        Sobol design points, then at most this many local-search evaluations.
    seed : int
        Root seed of the replications and of the design.
    method : {"nelder-mead", "powell"}
        The local search (``experiments.calibration.smm.METHODS``).
    workers, scheduler
        Where the runs go (``experiments.common.runner.open_runner``).
    """
    from scenarios import ScenarioError, load_scenario

    try:
        loaded = load_scenario(scenario)
        target_set = read_targets_checked(Path(targets))
        n_seeds = target_set.seeds if seeds is None else seeds
        if n_seeds < 2:
            raise InputError("--seeds", "an integer >= 2", got=str(n_seeds))
        if design < 1:
            raise InputError("--design", "an integer >= 1", got=str(design))
        if refine < 0:
            raise InputError("--refine", "an integer >= 0", got=str(refine))
        if method not in ("nelder-mead", "powell"):
            raise InputError("--method", "nelder-mead or powell", got=repr(method))
        check_parameters(loaded, target_set, Path(targets))
    except (InputError, ScenarioError) as error:
        return report_error(str(error))
    except OSError as error:
        return report_error(f"{scenario}: {error.strerror or error}")

    from experiments.calibration.smm import (
        JOURNAL,
        Calibration,
        Journal,
        RunFailed,
        calibration_header,
        fit,
        seed_children,
    )
    from experiments.common.folders import FolderInUse, lock_folder
    from experiments.common.runner import WorkersLost, open_runner

    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return report_error(f"cannot create {out}: {error.strerror or error}")
    lock = contextlib.ExitStack()
    try:  # one calibration at a time on a folder: a second run refuses, naming the holder
        lock.enter_context(lock_folder(out, what=f"calibration {loaded.name}"))
    except FolderInUse as error:
        return report_error(str(error))
    with lock:
        header = calibration_header(loaded, target_set, n_seeds, seed, design, refine, method)
        try:
            journal = Journal(out / JOURNAL, header)
        except ValueError:
            return report_error(f"{out / JOURNAL}: belongs to another calibration (other "
                                f"scenario, targets, seeds or search settings); use another --out")
        resumed = len(journal.done)
        print(f"calibrate {loaded.name}: {len(target_set.parameter)} parameters, "
              f"{len(target_set.target)} targets, {n_seeds} seeds per evaluation"
              + (f"; resuming after {resumed} evaluations" if resumed else ""), flush=True)

        def progress(evaluation) -> None:
            values = ", ".join(f"{p.path.rsplit('.', 1)[-1]}={v:.4g}" for p, v in zip(
                target_set.parameter, evaluation.values, strict=True))
            print(f"  J = {evaluation.objective:9.3f}  {values}", flush=True)

        try:
            with open_runner(workers, scheduler) as runner:
                calibration = Calibration(loaded, target_set, seed_children(seed, n_seeds),
                                          runner, journal, progress)
                best = fit(calibration, design_points=design, refine_evaluations=refine,
                           root_seed=seed, method=method)
        except InputError as error:
            return report_error(str(error))
        except (RunFailed, WorkersLost) as error:
            print(f"youwei: stopped: a run failed ({' '.join(str(error).split())}); finished "
                  f"evaluations are in {out / JOURNAL}: rerun to resume", file=sys.stderr)
            return EXIT_STOPPED
        result = fit_result(loaded, target_set, best, n_seeds, seed, len(journal.done),
                            Path(targets), method, command)
        write_outputs(out, result)
        met = sum(t["met"] for t in result["targets"])
        fitted = ", ".join(f"{k} = {v:.4g}" for k, v in result["parameters"].items())
        print(f"fitted: {fitted or 'no free parameter'}; {met} of {len(result['targets'])} targets "
              f"met; wrote {out}")
        return EXIT_OK if met == len(result["targets"]) else EXIT_NOT_MET


def read_targets_checked(path: Path):
    """The targets file, every target naming a county reporter."""
    from experiments.calibration.targets import read_targets
    from sim.metrics import COUNTY_REPORTERS

    return read_targets(path, set(COUNTY_REPORTERS))


def check_parameters(scenario, targets, path: Path) -> None:
    """Each parameter path exists in the scenario and both ends of its range validate."""
    from pydantic import ValidationError

    from experiments.calibration.smm import with_parameters

    for i, parameter in enumerate(targets.parameter):
        for end in (parameter.min, parameter.max):
            values = [end if j == i else p.min for j, p in enumerate(targets.parameter)]
            try:
                with_parameters(scenario, targets, values)
            except (KeyError, IndexError, TypeError):
                raise InputError(path, "a path into the scenario", key=f"parameter.{i}.path",
                                 got=repr(parameter.path)) from None
            except ValidationError as error:
                raise InputError(path, "a range the scenario accepts",
                                 key=f"parameter.{i}", reason=f"{parameter.path} = {end}: "
                                 f"{error.errors()[0]['msg']}") from None


def fit_result(scenario, targets, best, n_seeds: int, root_seed: int, evaluations: int,
               targets_path: Path, method: str, command: list[str] | None) -> dict:
    """The fit as a JSON-able dict: parameters, objective, targets, provenance."""
    from experiments.common.provenance import command_line, software_versions

    rows = target_rows(targets, best.runs)
    return {
        "scenario": scenario.name,
        "targets_file": str(targets_path),
        "parameters": {p.path: v for p, v in zip(targets.parameter, best.values, strict=True)},
        "objective": best.objective,
        "evaluations": evaluations,
        "seeds": n_seeds, "root_seed": root_seed,
        "method": f"simulated method of moments on common random numbers: scrambled Sobol "
                  f"design, then bounded {method} (scipy)",
        "fitted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command_line(command),
        "software": software_versions(),
        "targets": rows,
    }


def target_rows(targets, runs) -> list[dict]:
    """Each target against the model: ``runs`` is ``(n_seeds, n_targets)`` per-run moments;
    one JSON-able row per target with the model's mean, 95% interval and ``met`` (mean
    within ``tolerance`` of ``value * scale``). Also used by ``youwei validate-model``."""
    from experiments.calibration.smm import finite, summarise

    mean, low, high = summarise(runs)
    rows = []
    for t, m, lo, hi in zip(targets.target, mean, low, high, strict=True):
        rows.append({
            "name": t.name, "article": t.article, "quote": t.quote, "value": t.value,
            "scale": t.scale, "per": t.per, "goal": t.goal, "tolerance": t.tolerance,
            "model_mean": finite(float(m)), "ci_low": finite(float(lo)),
            "ci_high": finite(float(hi)),
            "relative_error": finite(float((m - t.goal) / t.goal)),
            "met": bool(abs(m - t.goal) <= t.tolerance * t.goal),
        })
    return rows


def write_outputs(out: Path, result: dict) -> None:
    """``fitted.json``, ``targets.csv``, ``report.md`` and ``targets.png``."""
    import json

    import pandas as pd

    (out / "fitted.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False) + "\n",
        encoding="utf-8")
    table = pd.DataFrame(result["targets"])
    table.to_csv(out / "targets.csv", index=False)
    (out / "report.md").write_text(report_markdown(result, table), encoding="utf-8")
    figure = targets_figure(table)
    figure.savefig(out / "targets.png", dpi=120, bbox_inches="tight")


def report_markdown(result: dict, table) -> str:
    """The fit for people: parameters, then one row per target."""
    lines = [f"# Calibration of {result['scenario']}", "",
             f"Fitted {result['fitted_at']} to `{result['targets_file']}` "
             f"({result['evaluations']} evaluations of {result['seeds']} seeds; "
             f"objective {result['objective']:.3f}).", "", "| parameter | fitted |", "|---|---|"]
    lines += [f"| `{k}` | {v:.4g} |" for k, v in result["parameters"].items()]
    lines += ["", "| target | article | value x scale = goal | model mean [95% CI] | "
              "tolerance | met |", "|---|---|---|---|---|---|"]
    for row in table.itertuples():
        lines.append(
            f"| `{row.name}` | {row.article}: {row.quote} | {row.value:g} x {row.scale:.4g} = "
            f"{row.goal:.3g} | {row.model_mean:.3g} [{row.ci_low:.3g}, {row.ci_high:.3g}] | "
            f"{row.tolerance:.0%} | {'yes' if row.met else 'NO'} |")
    return "\n".join(lines) + "\n"


def targets_figure(table):
    """Each target's model mean / goal with its 95% interval, and the tolerance band."""
    import numpy as np
    from matplotlib.figure import Figure

    n = len(table)
    figure = Figure(figsize=(6.4, 0.5 * n + 1.2))
    ax = figure.add_subplot()
    y = np.arange(n)[::-1]
    ratio = table.model_mean / table.goal
    ax.errorbar(ratio, y, xerr=[ratio - table.ci_low / table.goal,
                                table.ci_high / table.goal - ratio],
                fmt="o", color="black", capsize=3, label="model mean, 95% CI")
    for yi, tol in zip(y, table.tolerance, strict=True):
        ax.fill_betweenx([yi - 0.35, yi + 0.35], 1 - tol, 1 + tol, color="tab:green", alpha=0.2)
    ax.axvline(1.0, color="tab:green")
    ax.set_yticks(y, table.name)
    ax.set_xlabel("model / target (band: tolerance)")
    ax.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    return figure
