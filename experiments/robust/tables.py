"""The regret and robustness tables of a robust experiment, from ``results.parquet``.

Each outcome is reduced to one number per (package, world): the mean over the
world's replications. Worlds where some package has no value (a failed run, an
outcome undefined in every year) are left out of that outcome's tables, and
counted. Cost is each package's mean ``total_cost`` (万元 a year) over the worlds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.robust.measures import (
    Direction,
    Metric,
    choices,
    disagreement,
    regret,
    robustness,
)
from experiments.robust.spec import Cost

REGRET_COLUMNS = ("outcome", "package", "sample", "value", "best", "regret")
ROBUSTNESS_COLUMNS = ("outcome", "direction", "threshold", "package", "worlds", "mean",
                      "worst", "max_regret", "p90_regret", "mean_regret", "share_meeting",
                      "cost", "within_budget", "chosen_by")


@dataclass(frozen=True)
class Verdict:
    """What the robustness metrics say on one outcome.

    Attributes
    ----------
    outcome : str
    direction : Direction
    threshold : float or None
    chosen : dict of Metric -> tuple of str
        The package(s) each metric chooses.
    disagree : bool
        The metrics do not all choose the same.
    worlds : int
        Worlds scored (those where every package has a value).
    dropped : int
        Worlds left out for a missing value.
    """

    outcome: str
    direction: Direction
    threshold: float | None
    chosen: dict[Metric, tuple[str, ...]]
    disagree: bool
    worlds: int
    dropped: int


def world_values(results: pd.DataFrame, outcome: str, packages: Sequence[str]) -> pd.DataFrame:
    """``(n_packages, n_worlds)`` table of the outcome's mean over replications, worlds
    where every package has a value only; index: packages in order, columns: samples."""
    means = results.groupby(["package", "sample"], sort=False)[outcome].mean()
    table = means.unstack("sample").reindex(list(packages))
    return table.loc[:, table.notna().all(axis=0)].sort_index(axis=1)


def package_costs(results: pd.DataFrame, packages: Sequence[str]) -> pd.Series:
    """Each package's mean yearly cost (万元), over its runs."""
    return results.groupby("package", sort=False)[Cost.TOTAL.value].mean().reindex(
        list(packages))


def robust_tables(results: pd.DataFrame, packages: Sequence[str], outcomes: Sequence,
                  budget=None) -> tuple[pd.DataFrame, pd.DataFrame, list[Verdict]]:
    """The regret table, the robustness table and one :class:`Verdict` per outcome.

    Parameters
    ----------
    results : DataFrame
        ``results.parquet``.
    packages : sequence of str
    outcomes : sequence of experiments.robust.spec.Outcome
    budget : experiments.robust.spec.Budget, optional

    Returns
    -------
    regret : DataFrame
        :data:`REGRET_COLUMNS`: one row per (outcome, package, world).
    robustness : DataFrame
        :data:`ROBUSTNESS_COLUMNS`: one row per (outcome, package).
    verdicts : list of Verdict
    """
    n_worlds = results["sample"].nunique()
    costs = package_costs(results, packages)
    budget_costs = (None if budget is None else
                    results.groupby("package", sort=False)[budget.cost.value].mean())
    regret_rows, robust_rows, verdicts = [], [], []
    for outcome in outcomes:
        table = world_values(results, outcome.name, packages)
        values = table.to_numpy(float)
        dropped = n_worlds - values.shape[1]
        if values.shape[1] == 0:
            continue
        regrets = regret(values, outcome.direction)
        best = (values.max(axis=0) if outcome.direction is Direction.MAXIMISE
                else values.min(axis=0))
        for i, package in enumerate(packages):
            for j, sample in enumerate(table.columns):
                regret_rows.append((outcome.name, package, int(sample), values[i, j], best[j],
                                    regrets[i, j]))
        scores = robustness(values, packages, outcome.direction, outcome.threshold)
        chosen = choices(scores, outcome.direction)
        verdicts.append(Verdict(outcome.name, outcome.direction, outcome.threshold, chosen,
                                disagreement(chosen), values.shape[1], dropped))
        for score in scores:
            by = [m.value for m, picked in chosen.items() if score.package in picked]
            within = (True if budget is None
                      else bool(budget_costs[score.package] <= budget.max))
            robust_rows.append((outcome.name, outcome.direction.value,
                                np.nan if outcome.threshold is None else outcome.threshold,
                                score.package, values.shape[1], score.mean, score.worst,
                                score.max_regret, score.p90_regret, score.mean_regret,
                                score.share_meeting, float(costs[score.package]), within,
                                ";".join(by)))
    return (pd.DataFrame(regret_rows, columns=list(REGRET_COLUMNS)),
            pd.DataFrame(robust_rows, columns=list(ROBUSTNESS_COLUMNS)), verdicts)
