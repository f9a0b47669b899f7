"""Validation against Pluchino, Rapisarda and Garofalo, Physica A 389 (2010) 467-472.

    python benchmarks/validate_peter.py [--runs 50] [--steps 1000] [--sweep-runs 20]
                                        [--p-step 0.05] [--seed 2010]

Prints (1) the efficiency gain of each promotion rule under each hypothesis, ours
(mean over runs with its 95 % confidence half-width) beside the paper's, and
(2) the best-worst alternation swept over p (the probability that a promotion
takes the best, else the worst) with, for each hypothesis, the p where its gain
crosses zero and the p where the two hypotheses' gains are equal (the paper's
"both curves cross near p = 0.47": the rule that does equally well whichever
hypothesis holds). Crossings carry a bootstrap 95 % interval over runs.

Gain = mean efficiency over the last 400 years minus the initial efficiency of
the same run, in percentage points. All runs use ``sim.pyramid.simulate_pyramid``
(no mesa); every cell of the sweep uses the same root seed (common random numbers
make the two curves and their difference smoother).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scenarios.schema import PromotionRule
from sim.pyramid import (
    DISMISSAL_COMPETENCE,
    PAPER_CROSSING_P,
    PAPER_GAIN,
    PAPER_WINDOW,
    Hypothesis,
    efficiency_gain,
    paper_scenario,
    simulate_pyramid,
)

RULES = (PromotionRule.BEST, PromotionRule.WORST, PromotionRule.RANDOM)
BOOTSTRAP = 2000


def half_width(values: np.ndarray) -> float:
    """95 % confidence half-width of the mean (normal approximation)."""
    return float(1.96 * values.std(ddof=1) / np.sqrt(len(values)))


def gains(rule: PromotionRule, hypothesis: Hypothesis, *, runs: int, steps: int, seed: int,
          alternate_p: float = 0.5, dismissal: float = DISMISSAL_COMPETENCE,
          ) -> tuple[np.ndarray, np.ndarray]:
    """Per-run gains and initial efficiencies, both ``(runs,)``."""
    paths = simulate_pyramid(paper_scenario(rule, hypothesis, alternate_p=alternate_p),
                             runs=runs, steps=steps, seed=seed, dismissal_competence=dismissal)
    return efficiency_gain(paths, min(PAPER_WINDOW, steps)), paths[:, 0]


def crossing(p: np.ndarray, curve: np.ndarray) -> float:
    """First p where ``curve`` changes sign (linear interpolation); nan if it never does."""
    sign = np.sign(curve)
    at = np.flatnonzero(sign[:-1] * sign[1:] <= 0)
    if len(at) == 0:
        return float("nan")
    i = at[0]
    if curve[i] == curve[i + 1]:
        return float(p[i])
    return float(p[i] + (p[i + 1] - p[i]) * curve[i] / (curve[i] - curve[i + 1]))


def bootstrap_crossing(p: np.ndarray, runs_a: np.ndarray, runs_b: np.ndarray | None,
                       rng: np.random.Generator) -> tuple[float, float]:
    """95 % percentile interval of the crossing of mean(a) - mean(b) (b = 0 if None)."""
    n = runs_a.shape[1]
    found = []
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, n, (len(p), n))
        curve = np.take_along_axis(runs_a, pick, axis=1).mean(axis=1)
        if runs_b is not None:
            curve = curve - np.take_along_axis(runs_b, pick, axis=1).mean(axis=1)
        found.append(crossing(p, curve))
    found = np.asarray(found)
    found = found[np.isfinite(found)]
    if len(found) == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(found, [2.5, 97.5])
    return float(low), float(high)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--sweep-runs", type=int, default=20)
    parser.add_argument("--p-step", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=2010)
    parser.add_argument("--dismissal", type=float, default=DISMISSAL_COMPETENCE,
                        help="competence below which agents are dismissed (paper: 4)")
    args = parser.parse_args(argv)
    start = time.perf_counter()

    print("Peter principle revisited (Pluchino, Rapisarda, Garofalo 2010): efficiency gain, "
          "percentage points")
    print(f"{args.runs} runs x {args.steps} years, mean of the last "
          f"{min(PAPER_WINDOW, args.steps)} years minus E(0); dismissal below "
          f"{args.dismissal:g}; ours = mean +- 95% CI half-width\n")
    print(f"{'hypothesis':<14}{'rule':<8}{'ours':>16}{'paper':>8}{'ours-paper':>12}"
          f"{'E last years':>18}")
    initial = []
    table = {}
    for hypothesis in Hypothesis:
        for rule in RULES:
            gain, e0 = gains(rule, hypothesis, runs=args.runs, steps=args.steps, seed=args.seed,
                             dismissal=args.dismissal)
            initial.append(e0)
            table[hypothesis, rule] = gain
            paper = PAPER_GAIN[hypothesis, rule]
            ours = f"{gain.mean():+.2f} +- {half_width(gain):.2f}"
            end = gain + e0
            print(f"{hypothesis.value:<14}{rule.value:<8}{ours:>16}{paper:>+8.0f}"
                  f"{gain.mean() - paper:>+12.2f}{end.mean():>11.2f} +- {half_width(end):.2f}")
    e0 = initial[0]  # every cell starts from the same organisations (same root seed)
    print(f"\ninitial efficiency E(0): ours {e0.mean():.2f} +- {half_width(e0):.2f} "
          f"({len(e0)} organisations; 69.42 expected for clamped draws), paper ~69.68")
    for hypothesis in Hypothesis:
        means = {rule: table[hypothesis, rule].mean() for rule in RULES}
        ours = sorted(RULES, key=means.get, reverse=True)
        paper = sorted(RULES, key=lambda r: PAPER_GAIN[hypothesis, r], reverse=True)
        signs = all(np.sign(means[r]) == np.sign(PAPER_GAIN[hypothesis, r]) for r in RULES)
        print(f"{hypothesis.value}: ranking ours {' > '.join(r.value for r in ours)}, paper "
              f"{' > '.join(r.value for r in paper)}; signs {'agree' if signs else 'DIFFER'}")

    p = np.round(np.arange(0.0, 1.0 + 1e-9, args.p_step), 6)
    print(f"\nbest-worst alternation (best with probability p, else worst), "
          f"{args.sweep_runs} runs x {args.steps} years per point")
    print(f"{'p':>6}{'common_sense':>18}{'peter':>18}")
    sweep = {h: np.empty((len(p), args.sweep_runs)) for h in Hypothesis}
    for i, prob in enumerate(p):
        for hypothesis in Hypothesis:
            sweep[hypothesis][i], _ = gains(PromotionRule.ALTERNATE, hypothesis,
                                            runs=args.sweep_runs, steps=args.steps,
                                            seed=args.seed, alternate_p=float(prob),
                                            dismissal=args.dismissal)
        cs, pe = sweep[Hypothesis.COMMON_SENSE][i], sweep[Hypothesis.PETER][i]
        print(f"{prob:>6.2f}{cs.mean():>+11.2f} +- {half_width(cs):.2f}"
              f"{pe.mean():>+11.2f} +- {half_width(pe):.2f}")
    rng = np.random.default_rng(args.seed)
    cs, pe = sweep[Hypothesis.COMMON_SENSE], sweep[Hypothesis.PETER]
    meet = crossing(p, cs.mean(axis=1) - pe.mean(axis=1))
    at_meet = np.interp(meet, p, cs.mean(axis=1)) if np.isfinite(meet) else float("nan")
    low, high = bootstrap_crossing(p, cs, pe, rng)
    print(f"\ncurves cross (equal gain under both hypotheses): p = {meet:.3f} "
          f"[{low:.3f}, {high:.3f}], gain there {at_meet:+.2f}; paper p ~ {PAPER_CROSSING_P}")
    for name, runs in (("common_sense", cs), ("peter", pe)):
        zero = crossing(p, runs.mean(axis=1))
        low, high = bootstrap_crossing(p, runs, None, rng)
        print(f"{name} gain crosses zero at p = {zero:.3f} [{low:.3f}, {high:.3f}]")
    both = p[(cs.mean(axis=1) > 0) & (pe.mean(axis=1) > 0)]
    if len(both):
        print(f"both gains positive for p in [{both.min():.2f}, {both.max():.2f}]")
    print(f"\n{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
