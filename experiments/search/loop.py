"""The search loop: optuna's NSGA-II asks for a batch of candidates, a batch evaluator
scores them, optuna is told; or a Latin hypercube of the same size, for comparison.

Candidates are points of the levers' space (:class:`Lever`: a float or integer
range, or levels). The evaluator takes a list of ``{lever: value}`` and returns,
for each, the objective values (in the objectives' own directions) and the
constraint values (<= 0 when met; optuna's convention). With a storage URL
(``sqlite:///DIR/study.db``) every finished trial is saved as it is told, and a
search started again with the same storage continues: trials already complete
count towards ``trials``; trials left running by a crash are marked failed
and asked again.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from experiments.robust.measures import Direction


@dataclass(frozen=True)
class Lever:
    """One searched lever: ``low``/``high`` (a range) or ``levels``."""

    name: str
    low: float | None = None
    high: float | None = None
    levels: tuple | None = None
    integer: bool = False

    def distribution(self):
        import optuna

        if self.levels is not None:
            return optuna.distributions.CategoricalDistribution(list(self.levels))
        if self.integer:
            return optuna.distributions.IntDistribution(int(self.low), int(self.high))
        return optuna.distributions.FloatDistribution(float(self.low), float(self.high))

    def value_at(self, u: float):
        """The value at unit coordinate ``u`` (for a Latin hypercube)."""
        if self.levels is not None:
            return self.levels[min(int(u * len(self.levels)), len(self.levels) - 1)]
        if self.integer:
            span = int(self.high) - int(self.low)
            return int(self.low) + min(int(u * (span + 1)), span)
        return float(self.low + u * (self.high - self.low))


Evaluator = Callable[[list[dict]], list[tuple]]
"""Candidates -> per candidate ``(objective values, constraint values <= 0 when met)``,
optionally with a third item, a dict of JSON values kept with the trial (``attrs``)."""


@dataclass(frozen=True)
class Evaluated:
    """Every candidate evaluated: ``params`` (one dict each), ``values`` (n, n_objectives),
    ``constraints`` (n, n_constraints)."""

    params: list[dict]
    values: np.ndarray
    constraints: np.ndarray
    attrs: list[dict] | None = None

    @property
    def feasible(self) -> np.ndarray:
        if self.constraints.shape[1] == 0:
            return np.ones(len(self.params), dtype=bool)
        return np.all(self.constraints <= 0, axis=1)


SAMPLERS = ("nsga2", "tpe")
"""optuna samplers a search may use: NSGA-II (Deb et al. 2002), for many evaluations; the
multi-objective TPE (Ozaki et al. 2020), which learns from fewer, after ``batch`` random
start-up candidates."""


def make_sampler(name: str, *, batch: int, seed: int):
    """The optuna sampler ``name`` (see :data:`SAMPLERS`), seeded, with the budget constraint."""
    import optuna

    with warnings.catch_warnings():  # constraints_func is "experimental" in optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if name == "nsga2":
            return optuna.samplers.NSGAIISampler(population_size=batch, seed=seed,
                                                 constraints_func=_constraints)
        if name == "tpe":
            return optuna.samplers.TPESampler(n_startup_trials=batch, seed=seed,
                                              multivariate=True, constant_liar=True,
                                              constraints_func=_constraints)
    raise ValueError(f"unknown sampler {name!r} (expected one of {', '.join(SAMPLERS)})")


def nsga2_search(levers: Sequence[Lever], directions: Sequence[Direction], evaluate: Evaluator,
                 *, trials: int, batch: int, seed: int, storage: str | None = None,
                 study_name: str = "youwei_search", sampler: str = "nsga2") -> Evaluated:
    """Search with an optuna sampler (default NSGA-II, population ``batch``) for ``trials``
    evaluations, asking ``batch`` candidates at a time.

    Returns every complete trial of the study (those of an earlier run included).
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = make_sampler(sampler, batch=batch, seed=seed)
    study = optuna.create_study(
        storage=storage, study_name=study_name, load_if_exists=storage is not None,
        sampler=sampler,
        directions=["maximize" if d is Direction.MAXIMISE else "minimize" for d in directions])
    for trial in study.get_trials(deepcopy=False,
                                  states=(optuna.trial.TrialState.RUNNING,)):
        study._storage.set_trial_state_values(trial._trial_id,  # noqa: SLF001 - a crash's leftovers
                                              optuna.trial.TrialState.FAIL)
    distributions = {lever.name: lever.distribution() for lever in levers}
    while (done := _complete(study)) < trials:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            asked = [study.ask(distributions) for _ in range(min(batch, trials - done))]
        results = evaluate([dict(t.params) for t in asked])
        for trial, result in zip(asked, results, strict=True):
            values, constraints = result[0], result[1]
            trial.set_user_attr("constraints", [float(c) for c in constraints])
            for key, value in (result[2] if len(result) > 2 else {}).items():
                trial.set_user_attr(key, value)
            study.tell(trial, [float(v) for v in values])
    return _evaluated(study)


def _constraints(trial) -> list[float]:
    return trial.user_attrs.get("constraints", [])


def _complete(study) -> int:
    import optuna

    return len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))


def _evaluated(study) -> Evaluated:
    import optuna

    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    done = sorted(done, key=lambda t: t.number)
    width = max((len(t.user_attrs.get("constraints", [])) for t in done), default=0)
    return Evaluated([dict(t.params) for t in done],
                     np.array([t.values for t in done], dtype=float).reshape(len(done), -1),
                     np.array([t.user_attrs.get("constraints", []) for t in done],
                              dtype=float).reshape(len(done), width),
                     [dict(t.user_attrs) for t in done])


def lhs_search(levers: Sequence[Lever], evaluate: Evaluator, *, trials: int, seed: int,
               batch: int | None = None) -> Evaluated:
    """A scrambled Latin hypercube of ``trials`` candidates (scipy.stats.qmc), evaluated
    in batches: the baseline that a search must beat at equal evaluations."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(levers), seed=seed).random(trials)
    params = [{lever.name: lever.value_at(u) for lever, u in zip(levers, row, strict=True)}
              for row in unit]
    results: list = []
    step = batch or trials
    for start in range(0, trials, step):
        results += evaluate(params[start:start + step])
    values = np.array([r[0] for r in results], dtype=float).reshape(trials, -1)
    width = len(results[0][1]) if results else 0
    constraints = np.array([r[1] for r in results], dtype=float).reshape(trials, width)
    return Evaluated(params, values, constraints,
                     [dict(r[2]) if len(r) > 2 else {} for r in results])


def to_minimise(values: np.ndarray, directions: Sequence[Direction]) -> np.ndarray:
    """Objective values turned into ones to minimise (maximised ones negated)."""
    sign = np.array([-1.0 if d is Direction.MAXIMISE else 1.0 for d in directions])
    return np.asarray(values, dtype=float) * sign
