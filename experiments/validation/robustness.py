"""How robust are the comparisons of the policy packages to the model's assumptions?

The conclusions: the order of the bundled policy packages (``scenarios/packages``),
every one run on the ``baseline`` world, on each key result (:data:`METRICS`), at the
assumptions' nominal values (the world's own). Each pairwise order ("ordos above
baseline on mean effort") is then checked at every point of a Latin hypercube sample
(``scipy.stats.qmc.LatinHypercube``) over the ranges of the *assumptions*
(:func:`assumptions`: uncertainties, not policy levers, each marked ``assumption`` in
``scenarios/catalogue/levers.toml`` with the range it gives, the range of docs/model.md);
the share of points where it holds says how far it depends on what nobody measured.

Common random numbers: replication k of every package at every point (and at the
nominal point) runs on the same child ``k`` of ``SeedSequence(root)``, so a package
difference at a point is not seed noise between packages. A point's value of a
package is the mean over its replications of the per-year mean of the metric over
the run (the scenario's 15 years after the spin-up under the old rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

WORLD = "baseline"
PACKAGES_FOLDER = Path(__file__).resolve().parents[2] / "scenarios" / "packages"
ROOT_SEED = 20261208
TIE = 1e-9  # a pairwise difference this small is a tie (e.g. two packages without tolerance
#            both punish every detected honest error: punished_honest_share 1 for both)

METRICS: tuple[str, ...] = ("mean_effort", "efficiency", "punished_honest_share",
                            "promotion_frontline_share", "voluntary_exits")
"""The key results whose package order the report states (reporter names; their words
are ``validation.metric_<name>`` of the locale catalogues)."""

SAMPLED: tuple[str, ...] = (
    "behaviour.choice_noise",
    "behaviour.inertia",
    "behaviour.performance_noise",
    "behaviour.promotion_value",
    "behaviour.promotion_horizon_years",
    "behaviour.sanction_cost",
    "behaviour.error_base",
    "behaviour.error_slope",
    "behaviour.detection",
    "behaviour.honest_detection",
    "behaviour.learning_rate",
    "behaviour.exit_base_rate",
    "behaviour.exit_morale_slope",
    "behaviour.patience_years",
    "behaviour.premium_morale",
    "behaviour.hardship_morale",
    "behaviour.discipline_morale",
    "behaviour.exit_age_max",
    "behaviour.experience_gain",
    "behaviour.experience_years_max",
    "behaviour.ability_depreciation",
    "behaviour.prior_sd",
    "population.recruit_age_mean",
    "population.motivation_mean",
    "population.motivation_sd",
    "population.risk_aversion_sd",
)
"""The assumptions the sample varies, in the order of the hypercube's columns (the order
fixes the sample: keep it): every uncertainty of the behaviour and the population to which
``scenarios/catalogue/levers.toml`` gives a range (the ranges of docs/model.md section 8),
that is, every assumption the model rests on that is not only a prior forgotten by the
spin-up. ``tests/unit/test_validation_assumptions.py`` checks both directions."""


@cache
def assumptions() -> tuple[tuple[str, float, float], ...]:
    """``(path, low, high)`` of each of :data:`SAMPLED`, the range from the catalogue
    (``ScenarioField.assumed``: ints for an integer field, floats otherwise).

    Raises
    ------
    ValueError
        Naming the first path that is not an uncertainty with a range in the catalogue.
    """
    from scenarios.levers import FieldKind, fields

    known = {f.path: f for f in fields()}
    out = []
    for path in SAMPLED:
        field = known.get(path)
        if field is None or field.kind is not FieldKind.UNCERTAINTY or field.assumed is None:
            raise ValueError(f"{path}: not an uncertainty with an assumed range in "
                             "scenarios/catalogue/levers.toml")
        out.append((path, *field.assumed))
    return tuple(out)


def package_names() -> list[str]:
    """The bundled policy packages, ``baseline`` first."""
    names = sorted(p.stem for p in PACKAGES_FOLDER.glob("*.toml"))
    return sorted(names, key=lambda n: n != "baseline")


def sample_points(n: int, root: int = ROOT_SEED) -> list[dict[str, float]]:
    """``n`` points of a Latin hypercube over :func:`assumptions` (integer fields rounded)."""
    from scipy.stats import qmc

    ranges = assumptions()
    low = np.array([a[1] for a in ranges], float)
    high = np.array([a[2] for a in ranges], float)
    unit = qmc.LatinHypercube(len(ranges), seed=root).random(n)
    points = qmc.scale(unit, low, high)
    return [{path: (round(float(v)) if isinstance(a_low, int) else float(v))
             for (path, a_low, _), v in zip(ranges, row, strict=True)} for row in points]


@dataclass(frozen=True)
class RobustTask:
    """One replication of one package at one point (-1: nominal): plain runner data."""

    point: int
    package: str
    replication: int
    values: tuple[tuple[str, float], ...]
    seed: np.random.SeedSequence


def run_robust(task: RobustTask) -> list[float]:
    """One run's per-year mean of each of :data:`METRICS` (module level: it pickles)."""
    import warnings

    from scenarios import load_scenario
    from sim.model import CadreModel

    scenario = load_scenario(task.package, world=WORLD, values=dict(task.values) or None)
    frame = CadreModel(scenario, rng=task.seed).run()
    frame["voluntary_exits"] = frame.voluntary_exits_organ + frame.voluntary_exits_frontline
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # a year without errors
        return [float(np.nanmean(frame[m].to_numpy(float))) for m in METRICS]


def robust_tasks(points: list[dict[str, float]], packages: list[str], reps: int,
                 nominal_seeds: int, root: int) -> list[RobustTask]:
    children = np.random.SeedSequence(root).spawn(max(reps, nominal_seeds))
    tasks = [RobustTask(-1, p, k, (), children[k])
             for p in packages for k in range(nominal_seeds)]
    tasks += [RobustTask(i, p, k, tuple(values.items()), children[k])
              for i, values in enumerate(points) for p in packages for k in range(reps)]
    return tasks


def measure_robustness(runner, points: int = 128, reps: int = 4, nominal_seeds: int = 20,
                       root: int = ROOT_SEED) -> dict:
    """Run the nominal point and ``points`` LHS points on ``runner``; the section as JSON."""
    from experiments.common.runner import TaskFailure

    packages = package_names()
    sample = sample_points(points, root)
    nominal = np.full((len(packages), nominal_seeds, len(METRICS)), np.nan)
    sampled = np.full((points, len(packages), reps, len(METRICS)), np.nan)
    where = {p: i for i, p in enumerate(packages)}
    tasks = robust_tasks(sample, packages, reps, nominal_seeds, root)
    for task, outcome in runner.map(run_robust, tasks, label="validate: robustness"):
        if isinstance(outcome, TaskFailure):
            raise RuntimeError(f"robustness, {task.package} at point {task.point}: "
                               f"{outcome.error}")
        if task.point < 0:
            nominal[where[task.package], task.replication] = outcome
        else:
            sampled[task.point, where[task.package], task.replication] = outcome
    return {"world": WORLD, "packages": packages, "points": points, "reps": reps,
            "nominal_seeds": nominal_seeds, "root_seed": root,
            "assumptions": [{"path": p, "low": lo, "high": hi} for p, lo, hi in assumptions()],
            **conclusions(packages, nominal, sampled)}


def conclusions(packages: list[str], nominal: np.ndarray, sampled: np.ndarray) -> dict:
    """The nominal ranking per metric, and for every pairwise order the share of sample
    points where it holds.

    Parameters
    ----------
    nominal : (n_packages, n_seeds, n_metrics) float
    sampled : (n_points, n_packages, n_reps, n_metrics) float
    """
    import warnings

    from experiments.common.i18n import text
    from experiments.validation.stats import finite, interval

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # all-NaN -> NaN
        at_point = np.nanmean(sampled, axis=2)  # (points, packages, metrics)
    metrics = []
    for m, metric in enumerate(METRICS):
        means = nominal[:, :, m].mean(axis=1)
        order = [int(i) for i in np.argsort(-means, kind="stable")]
        pairs = []
        holds_all = np.ones(at_point.shape[0], bool)
        for a_pos, a in enumerate(order):
            for b in order[a_pos + 1:]:
                paired = nominal[a, :, m] - nominal[b, :, m]
                diff, low, high = interval(paired)
                point_diff = at_point[:, a, m] - at_point[:, b, m]
                if abs(diff) <= TIE:
                    relation = "="
                    holds = np.abs(point_diff) <= TIE
                else:
                    relation = ">"
                    holds = point_diff > TIE
                holds_all &= holds
                pairs.append({
                    "higher": packages[a], "lower": packages[b], "relation": relation,
                    "nominal_difference": finite(diff), "ci_low": finite(low),
                    "ci_high": finite(high),
                    "significant": bool(relation == ">" and np.isfinite(low) and low > 0),
                    "share_holds": float(holds.mean()) if holds.size else None,
                })
        metrics.append({
            "metric": metric, "words": text(f"validation.metric_{metric}", "en"),
            "ranking": [packages[i] for i in order],
            "nominal_means": {packages[i]: finite(means[i]) for i in order},
            "share_full_ranking_holds": float(holds_all.mean()) if holds_all.size else None,
            "pairs": pairs,
        })
    return {"metrics": metrics}
