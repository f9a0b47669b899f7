"""Validation against Pluchino, Rapisarda and Garofalo, Physica A 389 (2010) 467-472.

    python benchmarks/validate_peter.py --runs 50 --years 1000 [--window 400] [--seed 2010]
                                        [--alternate 0.47] [--workers N] [--json PATH]

Runs the bundled ``peter_principle`` scenario through ``CadreModel`` (the cadre
model's own phases: promotion through ``sim.phases.allocation.allocate_chain`` and
``optimize.allocate``) under the common-sense and Peter hypotheses and the best,
worst and random promotion rules, and prints each efficiency gain, ours (mean
over runs with its 95 % confidence half-width) beside the paper's.

Gain = mean efficiency over the last ``--window`` years (default 40 % of the run,
the paper's 400 of 1000) minus the initial efficiency of the same run, in
percentage points. ``--alternate P`` adds the paper's mixed strategy (each
vacancy to the best with probability P, else the worst) under both hypotheses;
the paper finds both gains positive near P = 0.47, where its two curves cross.
Replication i of every cell uses the same seed
(``SeedSequence(seed).spawn(runs)[i]``): all cells start from the same
organisations. Runs go to the shared executor (``experiments.common.runner``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from experiments.common.runner import TaskFailure, open_runner
from experiments.simulation.peter import PAPER_GAIN, Hypothesis, efficiency_path, paper_scenario
from scenarios.schema import PromotionRule

RULES = (PromotionRule.BEST, PromotionRule.WORST, PromotionRule.RANDOM)
TOLERANCE = 3.0  # points: the "within 3 points in every cell"


def run_one(task: tuple[str, str, int, int, int, int, float]) -> np.ndarray:
    """One replication: ``(hypothesis, rule, run index, runs, years, seed, alternate_p)``
    -> E path."""
    hypothesis, rule, index, runs, years, seed, alternate_p = task
    child = np.random.SeedSequence(seed).spawn(runs)[index]
    scenario = paper_scenario(PromotionRule(rule), Hypothesis(hypothesis))
    if rule == PromotionRule.ALTERNATE.value:
        scenario = scenario.with_values({"policy.promotion.alternate_p": alternate_p})
    return efficiency_path(scenario, years, child)


def half_width(values: np.ndarray) -> float:
    """95 % confidence half-width of the mean (normal approximation)."""
    return float(1.96 * values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0


def measure(runs: int, years: int, window: int, seed: int, workers: int | None,
            alternate_p: float | None = None) -> dict:
    """Gain per cell: ``{"hypothesis/rule": {"gains": [...], "initial": [...]}}`` and timing."""
    rules = RULES if alternate_p is None else (*RULES, PromotionRule.ALTERNATE)
    p = -1.0 if alternate_p is None else alternate_p
    tasks = [(h.value, r.value, i, runs, years, seed, p)
             for h in Hypothesis for r in rules for i in range(runs)]
    paths: dict[tuple, np.ndarray] = {}
    start = time.perf_counter()
    with open_runner(workers=workers) as runner:
        for task, outcome in runner.map(run_one, tasks, label="peter"):
            if isinstance(outcome, TaskFailure):
                raise RuntimeError(f"{task}: {outcome.error}\n{outcome.traceback}")
            paths[task] = outcome
    seconds = time.perf_counter() - start
    cells = {}
    for h in Hypothesis:
        for r in rules:
            block = np.stack([paths[h.value, r.value, i, runs, years, seed, p]
                              for i in range(runs)])
            cells[f"{h.value}/{r.value}"] = {
                "gains": (block[:, -window:].mean(axis=1) - block[:, 0]).tolist(),
                "initial": block[:, 0].tolist(),
            }
    return {"runs": runs, "years": years, "window": window, "seed": seed,
            "alternate_p": alternate_p, "seconds": seconds,
            "model_years": len(tasks) * years, "cells": cells}


def report(result: dict) -> str:
    """The table as text."""
    lines = [
        "Peter principle revisited (Pluchino, Rapisarda, Garofalo 2010) through CadreModel "
        "+ optimize.allocate: efficiency gain, percentage points",
        f"{result['runs']} runs x {result['years']} years, mean of the last {result['window']} "
        "years minus E(0); dismissal below 4 before the year's promotions; "
        "ours = mean +- 95% CI half-width", "",
        f"{'hypothesis':<14}{'rule':<8}{'ours':>16}{'paper':>8}{'ours-paper':>12}"
        f"{'within 3':>10}",
    ]
    misses = 0
    for h in Hypothesis:
        for r in RULES:
            gain = np.asarray(result["cells"][f"{h.value}/{r.value}"]["gains"])
            paper = PAPER_GAIN[h, r]
            ok = abs(gain.mean() - paper) <= TOLERANCE
            misses += not ok
            ours = f"{gain.mean():+.2f} +- {half_width(gain):.2f}"
            lines.append(f"{h.value:<14}{r.value:<8}{ours:>16}{paper:>+8.0f}"
                         f"{gain.mean() - paper:>+12.2f}{'yes' if ok else 'NO':>10}")
    if result.get("alternate_p") is not None:
        lines.append(f"\nmixed strategy, best with probability p = {result['alternate_p']:g} "
                     "(paper: both gains > 0 near p = 0.47)")
        for h in Hypothesis:
            gain = np.asarray(result["cells"][f"{h.value}/alternate"]["gains"])
            ours = f"{gain.mean():+.2f} +- {half_width(gain):.2f}"
            lines.append(f"{h.value:<14}{'altern.':<8}{ours:>16}{'> 0':>8}"
                         f"{'':>12}{'yes' if gain.mean() > 0 else 'NO':>10}")
    e0 = np.asarray(result["cells"]["peter/best"]["initial"])
    lines += [
        "", f"initial efficiency E(0): {e0.mean():.2f} +- {half_width(e0):.2f} "
        f"({len(e0)} organisations; 69.42 expected for clamped draws), paper ~69.68",
        f"cells within {TOLERANCE:g} points of the paper: {6 - misses} of 6",
        f"{result['model_years']} model-years in {result['seconds']:.0f} s "
        f"({1e3 * result['seconds'] / result['model_years']:.2f} ms per model-year of wall "
        "time on the workers used)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="replications per cell (paper: 50)")
    parser.add_argument("--years", type=int, default=1000, help="years per run (paper: 1000)")
    parser.add_argument("--window", type=int, default=None,
                        help="last years averaged (default 40%% of --years: the paper's 400)")
    parser.add_argument("--seed", type=int, default=2010)
    parser.add_argument("--alternate", type=float, default=None, metavar="P",
                        help="also run the mixed strategy, best with probability P")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default one per core; 1 = serial)")
    parser.add_argument("--json", type=Path, default=None, help="also write the gains here")
    args = parser.parse_args(argv)
    window = args.window if args.window is not None else max(1, round(0.4 * args.years))
    result = measure(args.runs, args.years, window, args.seed, args.workers, args.alternate)
    print(report(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
