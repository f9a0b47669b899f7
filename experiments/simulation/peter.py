"""The Peter-principle experiment of Pluchino, Rapisarda and Garofalo (2010) on CadreModel.

A. Pluchino, A. Rapisarda and C. Garofalo, "The Peter principle revisited: a
computational study", Physica A 389 (2010) 467-472 (arXiv:0907.0455). The world
is ``sim.pyramid`` (the bundled ``peter_principle`` scenario); this module runs
replications of it and holds the paper's published gains. Used by
``benchmarks/validate_peter.py`` and ``tests/regression/test_peter_principle.py``.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from scenarios import load_scenario
from scenarios.schema import PromotionRule, Scenario
from sim.model import CadreModel
from sim.pyramid import pyramid_efficiency


def efficiency_path(
    scenario: Scenario, years: int, rng: int | np.random.SeedSequence
) -> np.ndarray:
    """``(years + 1,) float``: E(t) in percent of one ``CadreModel`` run; [0] is the start."""
    model = CadreModel(scenario, rng=rng)
    path = np.empty(years + 1)
    path[0] = pyramid_efficiency(model.population, model.organisation, scenario)
    path[1:] = model.run(years)["efficiency"].to_numpy()
    return path


def simulate_pyramid(scenario: Scenario, *, runs: int, years: int, seed: int) -> np.ndarray:
    """Efficiency paths of ``runs`` replications (``efficiency_path``), ``(runs, years + 1)``.

    Replication i runs with ``SeedSequence(seed).spawn(runs)[i]``, so every scenario
    run with the same seed starts from the same organisations.
    """
    children = np.random.SeedSequence(seed).spawn(runs)
    return np.stack([efficiency_path(scenario, years, child) for child in children])


class Hypothesis(StrEnum):
    """What promotion does to competence (Pluchino et al. 2010)."""

    COMMON_SENSE = "common_sense"  # competence carries over, +- U[-1, 1]
    PETER = "peter"  # competence redrawn at the new level

    @property
    def transfer(self) -> float:
        return 1.0 if self is Hypothesis.COMMON_SENSE else 0.0


# Efficiency gains (percentage points over the initial ~69.7 %) read from Pluchino et al.
# (2010), fig. 2, as stated in our issue: 1000 years, 50 runs, mean of the last 400 years.
PAPER_GAIN: dict[tuple[Hypothesis, PromotionRule], float] = {
    (Hypothesis.COMMON_SENSE, PromotionRule.BEST): 9.0,
    (Hypothesis.COMMON_SENSE, PromotionRule.WORST): -5.0,
    (Hypothesis.COMMON_SENSE, PromotionRule.RANDOM): 2.0,
    (Hypothesis.PETER, PromotionRule.BEST): -10.0,
    (Hypothesis.PETER, PromotionRule.WORST): 12.0,
    (Hypothesis.PETER, PromotionRule.RANDOM): 1.0,
}
PAPER_YEARS = 1000
PAPER_RUNS = 50
PAPER_WINDOW = 400  # years averaged at the end of a run


def paper_scenario(rule: PromotionRule, hypothesis: Hypothesis) -> Scenario:
    """The bundled ``peter_principle`` scenario under ``rule`` and ``hypothesis``."""
    return load_scenario("peter_principle", values={
        "policy.promotion.rule": rule.value, "behaviour.transfer": hypothesis.transfer})


def efficiency_gain(efficiency: np.ndarray, window: int = PAPER_WINDOW) -> np.ndarray:
    """``(runs,)`` gain in percentage points: mean E of the last ``window`` years minus E(0).

    ``efficiency`` is ``simulate_pyramid``'s ``(runs, years + 1)`` output.
    """
    return efficiency[:, -window:].mean(axis=1) - efficiency[:, 0]
