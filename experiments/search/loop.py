"""The search loop: an optuna sampler proposes a batch of candidates, a batch evaluator
scores them, the study is told; or a Latin hypercube of the same size, for comparison.

Candidates are points of the levers' space (:class:`Lever`: a float or integer
range, or levels). The evaluator takes a list of ``{lever: value}`` and returns,
for each, the objective values (in the objectives' own directions) and the
constraint values (<= 0 when met; optuna's convention).

**Resume gives the same search.** Batch b (candidates ``b * batch`` to
``(b + 1) * batch - 1``) is proposed by a fresh sampler seeded from
``SeedSequence(seed, spawn_key=(b,))`` in an in-memory study that holds exactly
the complete trials of batches 0 .. b-1 (:func:`propose_batch`). Its
candidates are then a function of (seed, batch number, finished history)
alone, not of a sampler's random state that a killed process loses. With a
storage URL (``sqlite:///DIR/study.db``) every candidate is saved as it is
told; a search started again with the same storage re-proposes the batch it
was in, skips the candidates of it already told, and continues: the trials are
those of an uninterrupted search, value for value. Trials a crash left running,
and a candidate it enqueued but never asked, are marked failed and never read.
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


SAMPLERS = ("tpe", "nsga2")
"""Samplers a search may use, the default first:

- ``tpe``: optuna's multi-objective TPE (Ozaki et al. 2020), multivariate (one
  Parzen estimator over all levers, so it can learn that cost is bonus share x
  amount), after ``batch`` random start-up candidates; the constant liar keeps a
  batch's candidates apart. ``benchmarks/search.py`` tried a Latin hypercube
  start-up batch and independent (univariate) estimators as well: neither beat a
  Latin hypercube of the levers more reliably than this.
- ``nsga2``: NSGA-II (Deb et al. 2002), population ``batch``, for many evaluations
  (it needs several generations: at 32 or 64 candidates it is no better than a
  Latin hypercube).
"""


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


def describe_sampler(name: str, *, batch: int) -> str:
    """The sampler ``name`` as its optuna call, for the manifest."""
    if name == "nsga2":
        return f"optuna NSGAIISampler(population_size={batch}), one per batch"
    return (f"optuna TPESampler(n_startup_trials={batch}, multivariate=True, "
            f"constant_liar=True), one per batch")


def batch_seed(seed: int, index: int) -> int:
    """The seed of batch ``index``'s sampler: ``SeedSequence(seed, spawn_key=(index,))``."""
    return int(np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(1)[0])


def latin_hypercube(levers: Sequence[Lever], n: int, seed: int) -> list[dict]:
    """``n`` candidates from a scrambled Latin hypercube of the levers (scipy.stats.qmc)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(levers), seed=seed).random(n)
    return [{lever.name: lever.value_at(u) for lever, u in zip(levers, row, strict=True)}
            for row in unit]


def propose_batch(sampler: str, levers: Sequence[Lever], directions: Sequence[Direction],
                  history: Sequence, *, index: int, size: int, batch: int, seed: int
                  ) -> list[tuple[dict, dict]]:
    """The ``size`` candidates of batch ``index``, each with the sampler's attributes.

    A new in-memory study holds ``history`` (the complete trials of the earlier
    batches, in order); a sampler seeded by :func:`batch_seed` is asked ``size``
    times (TPE's constant liar sees the batch's earlier candidates as running).

    Returns
    -------
    list of (params, system attributes)
        The attributes (NSGA-II's generation) go with the trial into the
        storage, so that the next batch's history carries them.
    """
    import optuna

    study = optuna.create_study(
        sampler=make_sampler(sampler, batch=batch, seed=batch_seed(seed, index)),
        directions=["maximize" if d is Direction.MAXIMISE else "minimize" for d in directions])
    study.add_trials(_with_constraints(t) for t in history)
    distributions = {lever.name: lever.distribution() for lever in levers}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        asked = [study.ask(distributions) for _ in range(size)]
    return [(dict(t.params), dict(study._storage.get_trial_system_attrs(t._trial_id)))  # noqa: SLF001
            for t in asked]


def optuna_search(levers: Sequence[Lever], directions: Sequence[Direction],
                  evaluate: Evaluator, *, trials: int, batch: int, seed: int,
                  storage: str | None = None, study_name: str = "youwei_search",
                  sampler: str = "tpe") -> Evaluated:
    """Search with an optuna sampler (see :data:`SAMPLERS`) for ``trials`` evaluations,
    ``batch`` candidates at a time (see the module docstring for resume).

    Returns every complete trial of the study (those of an earlier run included).
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(  # candidates come from propose_batch, not from this sampler
        storage=storage, study_name=study_name, load_if_exists=storage is not None,
        sampler=optuna.samplers.RandomSampler(seed=seed),
        directions=["maximize" if d is Direction.MAXIMISE else "minimize" for d in directions])
    # A crash's leftovers: trials asked and never told (RUNNING), and a candidate enqueued
    # and never asked (WAITING: the next ask would take its params, not the new candidate's).
    leftover = (optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING)
    for trial in study.get_trials(deepcopy=False, states=leftover):
        study._storage.set_trial_state_values(trial._trial_id,  # noqa: SLF001
                                              optuna.trial.TrialState.FAIL)
    distributions = {lever.name: lever.distribution() for lever in levers}
    while len(done := _complete(study)) < trials:
        index = len(done) // batch
        start = index * batch
        proposed = propose_batch(sampler, levers, directions, done[:start], index=index,
                                 size=min(batch, trials - start), batch=batch, seed=seed)
        todo = proposed[len(done) - start:]  # a partly told batch: its untold rest
        asked = []
        for params, system_attrs in todo:
            study.enqueue_trial(params)
            trial = study.ask(distributions)
            if trial.params != params:  # never tell one candidate's values as another's
                raise RuntimeError(f"search storage: trial {trial.number} took {trial.params}, "
                                   f"not the candidate {params}")
            for key, value in system_attrs.items():
                study._storage.set_trial_system_attr(trial._trial_id, key, value)  # noqa: SLF001
            asked.append(trial)
        results = evaluate([params for params, _ in todo])
        for trial, result in zip(asked, results, strict=True):
            values, constraints = result[0], result[1]
            trial.set_user_attr("constraints", [float(c) for c in constraints])
            for key, value in (result[2] if len(result) > 2 else {}).items():
                trial.set_user_attr(key, value)
            study.tell(trial, [float(v) for v in values])
    return _evaluated(done)


def _constraints(trial) -> list[float]:
    return trial.user_attrs.get("constraints", [])


def _with_constraints(trial):
    """A copy of a stored trial carrying its constraint values where optuna's samplers
    read them (the system attribute their ``after_trial`` writes in the study they ask)."""
    import copy

    from optuna.samplers._base import _CONSTRAINTS_KEY

    trial = copy.copy(trial)
    trial.system_attrs = {**trial.system_attrs, _CONSTRAINTS_KEY: _constraints(trial)}
    return trial


def _complete(study) -> list:
    """The complete trials, in the order they were asked."""
    import optuna

    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    return sorted(done, key=lambda t: t.number)


def _evaluated(done: Sequence) -> Evaluated:
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
    params = latin_hypercube(levers, trials, seed)
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
