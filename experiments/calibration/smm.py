"""Simulated method of moments on common random numbers, with a journal for resuming.

The moments are the targets' reporters, each the per-year mean over a run,
averaged over ``n`` replications whose seeds are the same at every parameter
value (common random numbers: the objective is then a deterministic function of
the parameters, and differences between parameter values are not drowned in
seed noise). The objective is

.. math:: J(\\theta) = \\sum_k \\left(\\frac{\\bar m_k(\\theta) - g_k}{\\tau_k g_k}\\right)^2

with ``g_k = value * scale`` the target and ``tau_k`` its relative tolerance, so
``J <= 1`` for each term means the target is met. The search works in the unit
cube of the parameter ranges: a scrambled Sobol design (``scipy.stats.qmc``)
first, then Nelder-Mead or Powell (``scipy.optimize.minimize``, bounded) from the
best design point. Every evaluation is appended to ``journal.jsonl`` as soon as it
is done; a rerun replays the same deterministic sequence of points and takes
the finished ones from the journal, so a killed calibration resumes where it
stopped.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.calibration.targets import TargetSet
from scenarios.schema import Scenario

JOURNAL = "journal.jsonl"
JOURNAL_VERSION = 1


def run_moments(scenario: Scenario, seed: np.random.SeedSequence,
                names: Sequence[str]) -> list[float]:
    """One run: the per-year mean of each reporter in ``names`` (NaN years skipped;
    NaN when the reporter is undefined in every year)."""
    import warnings

    from sim.model import CadreModel

    frame = CadreModel(scenario, rng=seed).run()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # all-NaN column -> NaN
        return [float(np.nanmean(frame[name].to_numpy(float))) for name in names]


@dataclass(frozen=True)
class RunTask:
    """One replication of one parameter point: plain data for the shared runner."""

    key: str
    replication: int
    scenario: Scenario
    seed: np.random.SeedSequence
    names: tuple[str, ...]


def run_task(task: RunTask) -> list[float]:
    """``run_moments`` of a ``RunTask`` (module level: it pickles by name)."""
    return run_moments(task.scenario, task.seed, task.names)


class RunFailed(Exception):
    """A replication raised: the calibration cannot go on (its error, one line)."""


def seed_children(root: int, n: int) -> list[np.random.SeedSequence]:
    """The ``n`` replication seeds: ``SeedSequence(root).spawn(n)``."""
    return np.random.SeedSequence(root).spawn(n)


def parameter_values(targets: TargetSet, unit: np.ndarray) -> list[float]:
    """Point ``unit`` of the unit cube mapped to the parameters' ranges."""
    return [p.min + float(u) * (p.max - p.min) for p, u in zip(targets.parameter, unit,
                                                               strict=True)]


def with_parameters(scenario: Scenario, targets: TargetSet, values: Sequence[float]) -> Scenario:
    """``scenario`` with the free parameters set (integer fields rounded)."""
    from experiments.sweep.spec import with_values

    paths = [p.path for p in targets.parameter]
    data = scenario.model_dump(mode="json")
    cast = []
    for path, value in zip(paths, values, strict=True):
        node = data
        for part in path.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        cast.append(round(value) if isinstance(node, int) and not isinstance(node, bool)
                    else float(value))
    return with_values(scenario, paths, cast)


def objective(means: np.ndarray, targets: TargetSet) -> float:
    """``J``: the sum of squared relative misses in tolerance units (NaN moments count
    as missing by 10 tolerances)."""
    goal = np.array([t.goal for t in targets.target])
    tolerance = np.array([t.tolerance for t in targets.target])
    miss = (means - goal) / (tolerance * goal)
    return float(np.sum(np.where(np.isfinite(miss), miss, 10.0) ** 2))


def summarise(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over seeds and the 95% t interval, ``(n_targets,)`` each, from
    ``values (n_seeds, n_targets)``."""
    from scipy import stats

    n = np.sum(np.isfinite(values), axis=0)
    mean = np.nanmean(values, axis=0)
    sd = np.nanstd(values, axis=0, ddof=1)
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
    return mean, mean - half, mean + half


class Journal:
    """Finished evaluations, one JSON line each, after a header naming the calibration.

    Parameters
    ----------
    path : Path
    header : dict
        What makes two calibrations the same (scenario, targets, seeds, method);
        a journal with another header is refused.
    """

    def __init__(self, path: Path, header: dict) -> None:
        self.path = path
        self.header = header
        self.done: dict[str, dict] = {}
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            if lines and json.loads(lines[0]) != header:
                raise ValueError("belongs to another calibration")
            for line in lines[1:]:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:  # a line cut short by a kill: redo that one
                    continue
                self.done[record["key"]] = record
            if not lines:
                self._write(header)
        else:
            self._write(header)

    def _write(self, record: dict) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False, allow_nan=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def add(self, record: dict) -> None:
        self.done[record["key"]] = record
        self._write(record)


def point_key(unit: np.ndarray) -> str:
    """The journal key of a point of the unit cube (exact: repr of each float)."""
    return ",".join(repr(float(u)) for u in unit)


@dataclass(frozen=True)
class Evaluation:
    """One parameter point and what the model made of it.

    Attributes
    ----------
    unit : (n_parameters,) float in [0, 1]
    values : list of float
        The parameters, in their own units.
    runs : (n_seeds, n_targets) float
        Per-run moments.
    objective : float
    """

    unit: np.ndarray
    values: list[float]
    runs: np.ndarray
    objective: float


class Calibration:
    """The objective over the unit cube, evaluated on the shared runner and journalled.

    Parameters
    ----------
    scenario : Scenario
    targets : TargetSet
    seeds : list of SeedSequence
    runner : experiments.common.runner.Runner
        Where the replications run (``open_runner``).
    journal : Journal
    progress : callable, optional
        Called with each new ``Evaluation`` (not with those from the journal).
    """

    def __init__(self, scenario: Scenario, targets: TargetSet,
                 seeds: list[np.random.SeedSequence], runner, journal: Journal,
                 progress: Callable[[Evaluation], None] | None = None) -> None:
        self.scenario, self.targets, self.seeds = scenario, targets, seeds
        self.runner, self.journal, self.progress = runner, journal, progress
        self.evaluations: list[Evaluation] = []

    def evaluate(self, units: Sequence[np.ndarray]) -> list[Evaluation]:
        """Evaluate several points at once (all their runs go to the runner together).

        Raises
        ------
        RunFailed
            A replication raised.
        """
        from experiments.common.progress import ProgressMode
        from experiments.common.runner import TaskFailure

        units = [np.clip(np.asarray(u, float), 0.0, 1.0) for u in units]
        pending: dict[str, tuple[np.ndarray, list[float]]] = {}
        tasks = []
        for u in units:
            key = point_key(u)
            if key in self.journal.done or key in pending:
                continue
            values = parameter_values(self.targets, u)
            scenario = with_parameters(self.scenario, self.targets, values)
            pending[key] = (u, values)
            tasks += [RunTask(key, i, scenario, seed, tuple(self.targets.names))
                      for i, seed in enumerate(self.seeds)]
        runs: dict[str, np.ndarray] = {
            key: np.full((len(self.seeds), len(self.targets.target)), np.nan) for key in pending}
        for task, outcome in self.runner.map(run_task, tasks, label="calibrate",
                                             progress=ProgressMode.SILENT):
            if isinstance(outcome, TaskFailure):
                raise RunFailed(outcome.error)
            runs[task.key][task.replication] = outcome
        for key, (u, values) in pending.items():
            record = {"key": key, "unit": [float(x) for x in u], "values": values,
                      "runs": runs[key].tolist(), "objective": objective(
                          np.nanmean(runs[key], axis=0), self.targets)}
            self.journal.add(record)
            if self.progress is not None:
                self.progress(self._evaluation(record))
        out = [self._evaluation(self.journal.done[point_key(u)]) for u in units]
        self.evaluations.extend(out)
        return out

    def _evaluation(self, record: dict) -> Evaluation:
        return Evaluation(np.array(record["unit"]), list(record["values"]),
                          np.array(record["runs"], float), float(record["objective"]))

    def __call__(self, unit: np.ndarray) -> float:
        return self.evaluate([unit])[0].objective


METHODS = ("nelder-mead", "powell")
"""Local searches after the design (``scipy.optimize.minimize``, bounded): Nelder-Mead
moves all parameters at once; Powell searches one direction at a time, which suits
targets that each answer mostly to one parameter."""


def fit(calibration: Calibration, *, design_points: int, refine_evaluations: int,
        root_seed: int, method: str = "nelder-mead") -> Evaluation:
    """Sobol design, then a bounded local search from its best point; the best evaluation.

    Parameters
    ----------
    design_points : int
        Points of the scrambled Sobol design (``scipy.stats.qmc.Sobol``; a power of 2
        keeps its balance).
    refine_evaluations : int
        At most this many local-search evaluations (0: the design's best is the fit).
    root_seed : int
        Seeds the scrambling, so a rerun proposes the same points.
    method : {"nelder-mead", "powell"}
        The local search (``METHODS``).
    """
    from scipy.optimize import minimize
    from scipy.stats import qmc

    d = len(calibration.targets.parameter)
    if d == 0:
        return calibration.evaluate([np.zeros(0)])[0]
    design = qmc.Sobol(d, scramble=True, seed=root_seed).random(design_points)
    calibration.evaluate(list(design))
    best = min(calibration.evaluations, key=lambda e: e.objective)
    bounds = [(0.0, 1.0)] * d
    if refine_evaluations > 0 and method == "powell":
        minimize(calibration, best.unit, method="Powell", bounds=bounds,
                 options={"maxfev": refine_evaluations, "xtol": 1e-2, "ftol": 1e-3})
    elif refine_evaluations > 0:
        minimize(calibration, best.unit, method="Nelder-Mead", bounds=bounds,
                 options={"maxfev": refine_evaluations, "xatol": 1e-3, "fatol": 1e-3,
                          "initial_simplex": initial_simplex(best.unit)})
    return min(calibration.evaluations, key=lambda e: e.objective)


def initial_simplex(x0: np.ndarray, step: float = 0.1) -> np.ndarray:
    """A simplex of ``d + 1`` points around ``x0`` in the unit cube: each vertex moves one
    coordinate by ``step`` towards the cube's interior."""
    d = len(x0)
    simplex = np.tile(x0, (d + 1, 1))
    for i in range(d):
        simplex[i + 1, i] += step if x0[i] + step <= 1.0 else -step
    return simplex


def calibration_header(scenario: Scenario, targets: TargetSet, seeds: int, root_seed: int,
                       design_points: int, refine_evaluations: int, method: str) -> dict:
    """What identifies a calibration, for the journal's first line."""
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    return {
        "journal_version": JOURNAL_VERSION,
        "scenario": scenario.name,
        "scenario_hash": digest(scenario.model_dump_json()),
        "targets_hash": digest(targets.model_dump_json()),
        "seeds": seeds, "root_seed": root_seed,
        "design_points": design_points, "refine_evaluations": refine_evaluations,
        "method": method,
    }


def finite(x: float) -> float | None:
    """``x``, or None when not finite (for JSON)."""
    return x if math.isfinite(x) else None
