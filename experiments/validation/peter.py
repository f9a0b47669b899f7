"""The Peter table (Pluchino, Rapisarda and Garofalo 2010) through ``CadreModel``.

The bundled ``peter_principle`` scenario under both hypotheses (common sense, Peter)
and the best, worst and random promotion rules (``experiments.simulation.peter``);
gain = mean efficiency over the last ``window`` years minus E(0) of the same run, in
percentage points, beside the paper's (within 3 points per cell at the paper's size,
50 runs x 1000 years: ``docs/validation/peter.md``). Replication i of every cell
starts from the same organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = 3.0  # points: issue 8's "within 3 points in every cell"
ROOT_SEED = 2010


@dataclass(frozen=True)
class PeterTask:
    """One replication of one cell: plain data for the shared runner."""

    hypothesis: str
    rule: str
    index: int
    seed: np.random.SeedSequence
    years: int


def run_peter(task: PeterTask) -> np.ndarray:
    """``(years + 1,)`` efficiency path of one replication (module level: it pickles)."""
    from experiments.simulation.peter import Hypothesis, efficiency_path, paper_scenario
    from scenarios.schema import PromotionRule

    scenario = paper_scenario(PromotionRule(task.rule), Hypothesis(task.hypothesis))
    return efficiency_path(scenario, task.years, task.seed)


def measure_peter(runner, runs: int, years: int, window: int | None = None,
                  root: int = ROOT_SEED) -> dict:
    """The six cells on ``runner``; the section as JSON data."""
    from experiments.common.runner import TaskFailure
    from experiments.simulation.peter import PAPER_GAIN, Hypothesis
    from experiments.validation.stats import finite, interval
    from scenarios.schema import PromotionRule

    window = max(1, round(0.4 * years)) if window is None else window
    rules = (PromotionRule.BEST, PromotionRule.WORST, PromotionRule.RANDOM)
    children = np.random.SeedSequence(root).spawn(runs)
    tasks = [PeterTask(h.value, r.value, i, children[i], years)
             for h in Hypothesis for r in rules for i in range(runs)]
    paths: dict[tuple[str, str], list] = {(h.value, r.value): [None] * runs
                                          for h in Hypothesis for r in rules}
    for task, outcome in runner.map(run_peter, tasks, label="validate: Peter table"):
        if isinstance(outcome, TaskFailure):
            raise RuntimeError(f"Peter table, {task.hypothesis}/{task.rule}: {outcome.error}")
        paths[task.hypothesis, task.rule][task.index] = outcome
    cells = []
    for h in Hypothesis:
        for r in rules:
            block = np.stack(paths[h.value, r.value])
            gain = block[:, -window:].mean(axis=1) - block[:, 0]
            mean, low, high = interval(gain)
            paper = PAPER_GAIN[h, r]
            cells.append({"hypothesis": h.value, "rule": r.value, "gain": finite(mean),
                          "ci_low": finite(low), "ci_high": finite(high), "paper": paper,
                          "within_3": bool(abs(mean - paper) <= TOLERANCE)})
    return {"runs": runs, "years": years, "window": window, "root_seed": root,
            "paper_runs": 50, "paper_years": 1000, "cells": cells,
            "within_3_count": sum(c["within_3"] for c in cells)}
