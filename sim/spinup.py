"""Initialisation: the organisation as its history left it (the spin-up).

A county run does not start from freshly drawn cadres with arbitrary beliefs: it
starts from the stationary state of the organisation's *history* (the old rules,
``scenario.history.policy``; by default baseline's 论资排辈 without tolerance). The
population is drawn (``sim.generate.build_population``), then run under the
history policy until its structure, beliefs and effort stop drifting; the
scenario's own policy takes effect in year 1, so a reform's series is its
transition path from the old equilibrium (docs/model.md, "Initialisation").

The spin-up draws from its own child of the run's seed (``spinup_seed``), so a run
is reproducible and two runs that share a seed and a world (e.g. two packages
compared with common random numbers) start from the same state. The stationary
state of a (world, history, seed) is kept in a small in-process cache.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, fields, replace

import numpy as np

from scenarios.schema import History, Scenario
from sim.state import Population

# Spawn-key element of the spin-up's seed: far from the small integers that
# ``SeedSequence.spawn`` hands out, so it never equals a replication's child.
SPINUP_KEY = 0x5350494E  # "SPIN"
CACHE_SIZE = 32
# Per-year means watched by the convergence check.
WATCHED = ("effort", "belief_merit", "belief_tolerance", "belief_bonus", "ability", "age", "rank")
# Unit of each watched mean in the convergence check (1 where not listed): years of age.
SCALES = {"age": 10.0}


@dataclass(frozen=True)
class Start:
    """The state a run starts from (arrays copied; the cache keeps its own).

    Attributes
    ----------
    population : Population
        Year-stamped columns (``entry_year``, ``block_until``) shifted so that the
        spin-up's last year is year 0.
    flagged_units : (n_units,) bool
    next_id : int
    years : int
        Spin-up years run.
    converged : bool
        Whether the convergence check passed before ``history.years_max``.
    trace : dict of str to (years,) float
        Yearly mean of each ``WATCHED`` column during the spin-up.
    """

    population: Population
    flagged_units: np.ndarray
    next_id: int
    years: int
    converged: bool
    trace: dict[str, np.ndarray]

    def copy(self) -> Start:
        pop = Population(**{f.name: getattr(self.population, f.name).copy()
                            for f in fields(Population)})
        return replace(self, population=pop, flagged_units=self.flagged_units.copy())


def spinup_seed(rng: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    """The spin-up's own child of the run's seed (``SeedSequence(rng)`` for an int)."""
    seed = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, SPINUP_KEY))


def history_scenario(scenario: Scenario) -> Scenario:
    """The scenario's world under its history policy, itself without a spin-up."""
    return scenario.model_copy(update=dict(
        policy=scenario.history.policy, history=History(years_min=0, years_max=0)))


def needs_spinup(scenario: Scenario) -> bool:
    return scenario.history.years_max > 0


def window_stats(trace: dict[str, list[float]], window: int) -> tuple[np.ndarray, np.ndarray]:
    """Difference of the means of every watched column over the last and the previous
    ``window`` years, and its standard error from the yearly spread (``(len(WATCHED),)``)."""
    values = np.array([trace[name] for name in WATCHED])
    last, previous = values[:, -window:], values[:, -2 * window:-window]
    difference = last.mean(axis=1) - previous.mean(axis=1)
    if window < 2:
        return difference, np.zeros(len(WATCHED))
    error = np.sqrt((last.var(axis=1, ddof=1) + previous.var(axis=1, ddof=1)) / window)
    return difference, error


def converged(trace: dict[str, list[float]], history: History, ability_sd: float) -> bool:
    """True when at least ``years_min`` years have run and every watched mean moved between
    the last two windows of ``window_years`` by at most ``history.tolerance`` times its
    scale (``SCALES``; ability: ``ability_sd``) plus twice the standard error of that
    difference: a small organisation's yearly means are noisy, and noise is not drift."""
    window = history.window_years
    if len(trace[WATCHED[0]]) < max(history.years_min, 2 * window):
        return False
    difference, error = window_stats(trace, window)
    scale = np.array([ability_sd if name == "ability" else SCALES.get(name, 1.0)
                      for name in WATCHED])
    return bool(np.all(np.abs(difference) <= history.tolerance * scale + 2.0 * error))


def shift_years(population: Population, years: int) -> Population:
    """Re-date year-stamped columns so that the spin-up's last year becomes year 0."""
    return replace(population, entry_year=population.entry_year - years,
                   block_until=population.block_until - years)


_cache: OrderedDict[tuple, Start] = OrderedDict()


def cache_key(scenario: Scenario, seed: np.random.SeedSequence) -> tuple:
    """What the stationary state depends on: the world, the history and the seed."""
    world = scenario.model_dump_json(include={"organisation", "population", "behaviour",
                                              "history"})
    return world, seed.entropy, tuple(seed.spawn_key)


def cached(key: tuple) -> Start | None:
    start = _cache.get(key)
    if start is None:
        return None
    _cache.move_to_end(key)
    return start.copy()


def remember(key: tuple, start: Start) -> None:
    _cache[key] = start.copy()
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)


def clear_cache() -> None:
    """Forget every cached start (benchmarks time a cold spin-up)."""
    _cache.clear()
