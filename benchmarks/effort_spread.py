"""Effort as a distribution: can packages of different strength be told apart?

    python benchmarks/effort_spread.py [--years 15] [--seeds 5] [--root 8] [scenario ...]

Each scenario (default: ``ordos`` and ``zhangdian``) runs ``--years`` on ``--seeds``
children of ``SeedSequence(--root)`` (replication k of every scenario from the same
child: common random numbers). Printed per scenario: mean effort over the last five
years (mean over seeds), the 10th and 90th percentiles of effort in the last year,
the share of cadres at effort exactly 0 or 1 in any year, and the share above
0.95; then the paired difference of last-five-year mean effort between the first
scenario and each other one, with its 95% t-interval over seeds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from scenarios import load_scenario  # noqa: E402
from sim import CadreModel  # noqa: E402


def measure(name: str, years: int, seeds: int, root: int) -> dict[str, np.ndarray]:
    """Per seed: last-five-year mean effort, p10, p90, bound share (max over years),
    share above 0.95 (last year)."""
    scenario = load_scenario(name).model_copy(update={"years": years})
    out: dict[str, list[float]] = {k: [] for k in ("mean", "p10", "p90", "bounds", "top")}
    for child in np.random.SeedSequence(root).spawn(seeds):
        model = CadreModel(scenario, rng=child)
        bounds = 0.0
        for _ in range(years):
            model.step()
            effort = model.record.worked.effort
            bounds = max(bounds, float(np.mean((effort <= 0) | (effort >= 1))))
        frame = model.model_frame()
        out["mean"].append(float(frame.mean_effort.iloc[-5:].mean()))
        out["p10"].append(float(np.percentile(effort, 10)))
        out["p90"].append(float(np.percentile(effort, 90)))
        out["bounds"].append(bounds)
        out["top"].append(float(np.mean(effort > 0.95)))
    return {k: np.array(v) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=["ordos", "zhangdian"])
    parser.add_argument("--years", type=int, default=15)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--root", type=int, default=8)
    args = parser.parse_args(argv)
    results = {name: measure(name, args.years, args.seeds, args.root) for name in args.scenarios}
    print(f"{args.seeds} seeds x {args.years} years (root {args.root})")
    print(f"{'scenario':<16}{'mean effort':>12}{'p10':>7}{'p90':>7}{'at 0 or 1':>11}{'> 0.95':>8}")
    for name, r in results.items():
        print(f"{name:<16}{r['mean'].mean():>12.3f}{r['p10'].mean():>7.3f}{r['p90'].mean():>7.3f}"
              f"{r['bounds'].max():>11.3f}{r['top'].mean():>8.3f}")
    first = args.scenarios[0]
    for name in args.scenarios[1:]:
        d = results[first]["mean"] - results[name]["mean"]
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        print(f"{first} - {name}: {d.mean():+.3f} [{d.mean() - half:+.3f}, {d.mean() + half:+.3f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
