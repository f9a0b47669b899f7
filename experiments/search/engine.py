"""Run a search: candidates evaluated on the fixed worlds through the shared executor.

A search folder (``--out``) holds ``manifest.json`` (the spec as resolved, its
SHA-256, software, commands, status), ``study.db`` (optuna's SQLite storage:
every finished candidate, so ``--resume`` continues the study), ``trials.csv``
(every candidate: levers, each objective's mean and 95% interval over the
worlds x replications, cost, feasibility, Pareto membership), ``pareto.csv``
(the feasible Pareto set), ``pareto.png`` (parallel coordinates) and
``report.html``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.common.errors import InputError
from experiments.common.provenance import check_out_dir, command_line, software_versions
from experiments.robust.measures import Direction
from experiments.robust.spec import Cost
from experiments.search.spec import SearchSpec

MANIFEST = "manifest.json"
STUDY = "study.db"
OWNED = (MANIFEST, STUDY, "trials.csv", "pareto.csv", "pareto.png", "report.html")


def run_tasks_for(spec: SearchSpec, candidate: dict) -> list:
    """Every (world, replication) run of one candidate, as sweep-engine tasks."""
    from experiments.sweep.engine import OutputSummary, RunOrder, RunTask

    paths = (*(p.path for p in spec.uncertainties), *(p.path for p in spec.levers))
    levers = tuple(candidate[p.path] for p in spec.levers)
    return [RunTask(scenario=spec.scenario, paths=paths, years=spec.years, seed=spec.seed,
                    outputs=spec.outputs, summary=OutputSummary.MEAN,
                    order=RunOrder(f"{i}-{r}", i, r, (*world, *levers)))
            for i, world in enumerate(spec.worlds) for r in range(spec.replications)]


def score(spec: SearchSpec, outcomes: Sequence) -> tuple[list[float], list[float], dict]:
    """A candidate's objective means, budget constraint and attributes from its runs
    (``RunResult`` or ``TaskFailure`` each).

    The 95% t-interval of an objective bounded in [0, 1] is clipped to [0, 1]
    (``experiments.simulation.compare.share_bounds``): its mean cannot leave it, and
    clipping drops only impossible values, so the interval covers the true mean as
    often as before.
    """
    from experiments.common.runner import TaskFailure
    from experiments.simulation.compare import share_bounds, t_interval

    finished = [o for o in outcomes if not isinstance(o, TaskFailure)]
    frame = pd.DataFrame([o.values for o in finished], columns=list(spec.outputs),
                         dtype=float)
    frame[Cost.TOTAL.value] = frame[Cost.BONUS.value] + frame[Cost.SUBSIDY.value]
    values, attrs = [], {"runs": len(finished), "failed": len(outcomes) - len(finished)}
    for name, _ in spec.objectives:
        interval = t_interval(frame[name].to_numpy(float), bounds=share_bounds(name))
        low, high = interval.low, interval.high
        values.append(interval.mean)
        attrs[f"{name}:ci_low"] = None if not np.isfinite(low) else low
        attrs[f"{name}:ci_high"] = None if not np.isfinite(high) else high
    cost = float(frame[Cost.TOTAL.value].mean()) if len(frame) else float("nan")
    attrs["cost"] = cost
    constraints = []
    if spec.budget is not None:
        spent = float(frame[spec.budget[0].value].mean()) if len(frame) else float("inf")
        constraints.append(spent - spec.budget[1])
    return values, constraints, attrs


def open_search(spec: SearchSpec, out: Path, *, resume: bool,
                command: Sequence[str] | None) -> list:
    path = out / MANIFEST
    if path.exists():
        if not resume:
            raise InputError(out, "a new folder", reason=(
                "holds a search already (manifest.json): add --resume to continue it, or "
                "choose another --out"))
        previous = json.loads(path.read_text(encoding="utf-8"))
        if previous.get("search", {}).get("sha256") != spec.hash:
            raise InputError(out, "a search of this spec", reason=(
                "holds a search of another spec: resume with the spec it was started with, "
                "or choose another --out"))
        return [*previous.get("commands", []), command_line(command)]
    check_out_dir(out, (), what="a search")
    return [command_line(command)]


def write_manifest(spec: SearchSpec, out: Path, commands: list, status: str) -> None:
    from experiments.common.folders import output_signature
    from experiments.search.loop import describe_sampler
    from experiments.sweep.engine import SWEEP_SOFTWARE, write_atomic

    manifest = {
        **output_signature("search"),
        "kind": "search",
        "search": {"name": spec.name, "source": str(spec.path), "sha256": spec.hash},
        "spec": spec.canonical(),
        "sampler": describe_sampler(spec.sampler, batch=spec.batch),
        "seeds": "replication r of world i runs from numpy.random.SeedSequence(seed, "
                 "spawn_key=(i, r)) for every candidate (common random numbers); batch b of "
                 "candidates is proposed by a sampler seeded from SeedSequence(seed, "
                 "spawn_key=(b,)) given the candidates of batches 0 .. b-1",
        "software": software_versions((*SWEEP_SOFTWARE, "optuna")),
        "commands": commands,
        "status": status,
        "files": list(OWNED),
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False, default=str)
    write_atomic((text + "\n").encode("utf-8"), out / MANIFEST)


def evaluator(spec: SearchSpec, runner):
    """The batch evaluator of :func:`experiments.search.loop.optuna_search`: every run of
    every candidate of a batch handed to the shared runner at once."""
    from experiments.common.progress import ProgressMode
    from experiments.sweep.engine import run_one

    def evaluate(candidates: list[dict]) -> list[tuple]:
        tasks = [(i, task) for i, c in enumerate(candidates) for task in run_tasks_for(spec, c)]
        outcomes: list[list] = [[] for _ in candidates]
        results = runner.map(run_one, [task for _, task in tasks], ordered=True,
                             progress=ProgressMode.SILENT)
        for (index, _), (_, outcome) in zip(tasks, results, strict=True):
            outcomes[index].append(outcome)
        return [score(spec, o) for o in outcomes]

    return evaluate


def run_search_folder(spec: SearchSpec, out: Path, *, workers: int | None = None,
                      scheduler: str | None = None, resume: bool = False,
                      command: Sequence[str] | None = None):
    """Search, saving every candidate in ``out/study.db`` (the folder locked meanwhile);
    return the evaluated candidates."""
    from experiments.common.folders import lock_folder
    from experiments.common.runner import WORKER_PRELOAD, open_runner
    from experiments.search.loop import optuna_search

    out = Path(out)
    commands = open_search(spec, out, resume=resume, command=command)
    with (open_runner(workers, scheduler, preload=WORKER_PRELOAD) as runner,
          lock_folder(out, what=f"search {spec.name}")):
        write_manifest(spec, out, commands, "running")
        try:
            evaluated = optuna_search(spec.search_levers, [d for _, d in spec.objectives],
                                     evaluator(spec, runner), trials=spec.trials,
                                     batch=spec.batch, seed=spec.seed,
                                     storage=f"sqlite:///{(out / STUDY).resolve()}",
                                     study_name=spec.name, sampler=spec.sampler)
        except BaseException:
            write_manifest(spec, out, commands, "incomplete")
            raise
        write_manifest(spec, out, commands, "complete")
    return evaluated


def trials_table(spec: SearchSpec, evaluated) -> pd.DataFrame:
    """One row per candidate: levers, objectives with CIs, cost, feasible, pareto."""
    from experiments.search.loop import to_minimise
    from experiments.search.pareto import pareto_mask

    rows = []
    for i, (params, values) in enumerate(zip(evaluated.params, evaluated.values, strict=True)):
        attrs = evaluated.attrs[i] if evaluated.attrs else {}
        row = {"trial": i, **{p.path: params.get(p.path) for p in spec.levers}}
        for (name, _), value in zip(spec.objectives, values, strict=True):
            row[name] = value
            row[f"{name}:ci_low"] = attrs.get(f"{name}:ci_low")
            row[f"{name}:ci_high"] = attrs.get(f"{name}:ci_high")
        row["cost"] = attrs.get("cost")
        rows.append(row)
    table = pd.DataFrame(rows)
    feasible = evaluated.feasible
    table["feasible"] = feasible
    pareto = np.zeros(len(table), dtype=bool)
    if feasible.any():
        directions = [d for _, d in spec.objectives]
        minimise = to_minimise(evaluated.values[feasible], directions)
        pareto[np.flatnonzero(feasible)] = pareto_mask(minimise)
    table["pareto"] = pareto
    return table


def plot_pareto(spec: SearchSpec, table: pd.DataFrame, lang: str, note: str = ""):
    """Parallel coordinates of the Pareto set: one axis per lever and objective, each
    scaled to its range over all candidates (ends labelled), one line per policy
    coloured by its rank on the first objective; ``note`` (provenance) at the bottom."""
    import matplotlib
    from matplotlib.figure import Figure

    from experiments.robust.words import metric_label, t

    front = table[table["pareto"]]
    axes_names = [p.path for p in spec.levers] + [n for n, _ in spec.objectives]
    figure = Figure(figsize=(1.6 * len(axes_names) + 2.0, 4.8), layout="constrained")
    ax = figure.add_subplot()
    scaled, ends = [], []
    for name in axes_names:
        column = table[name]
        if not pd.api.types.is_numeric_dtype(column):
            levels = sorted(column.astype(str).unique())
            codes = front[name].astype(str).map({v: i for i, v in enumerate(levels)})
            span = max(len(levels) - 1, 1)
            scaled.append(codes.to_numpy(float) / span)
            ends.append((levels[0], levels[-1]))
            continue
        low, high = float(column.min()), float(column.max())
        span = high - low if high > low else 1.0
        scaled.append((front[name].to_numpy(float) - low) / span)
        ends.append((f"{low:.3g}", f"{high:.3g}"))
    x = np.arange(len(axes_names))
    data = np.column_stack(scaled) if len(front) else np.empty((0, len(axes_names)))
    first = spec.objectives[0][0]
    order = front[first].rank(method="first").to_numpy() if len(front) else []
    cmap = matplotlib.colormaps["viridis"]
    for row, rank in zip(data, order, strict=True):
        ax.plot(x, row, color=cmap((rank - 1) / max(len(front) - 1, 1)), alpha=0.8,
                linewidth=1.4)
    for i, (low, high) in enumerate(ends):
        ax.axvline(i, color="black", linewidth=0.8)
        ax.text(i, -0.06, low, ha="center", va="top", fontsize="x-small")
        ax.text(i, 1.06, high, ha="center", va="bottom", fontsize="x-small")
    labels = [name.removeprefix("policy.") if name.startswith("policy.")
              else metric_label(name, lang) for name in axes_names]
    ax.set_xticks(x, labels, rotation=20, ha="right", fontsize="small")
    ax.set_yticks([])
    ax.set_ylim(-0.15, 1.15)
    ax.set_title(t("fig_pareto", lang, count=len(front), total=len(table)), fontsize="medium")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if note:
        figure.supxlabel(note, fontsize="x-small")
    return figure


def direction_word(direction: Direction, lang: str) -> str:
    from experiments.robust.words import t

    return t("better_max" if direction is Direction.MAXIMISE else "better_min", lang)
