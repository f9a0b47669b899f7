"""The stylised facts as numbers: each paired difference the regression tests assert, with
its 95% t-interval over the tests' 20 seeds.

    python benchmarks/stylised_facts.py

Runs exactly the scenarios and measures of ``tests/regression/test_stylised_facts.py``
(same root seed, same replications) and prints what the tests only assert.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from tests.regression import test_stylised_facts as facts  # noqa: E402


def top_minus_bottom(run: facts.Run) -> float:
    top, bottom = [], []
    for effort, punished in run.effort_punished:
        low, high = np.quantile(effort, [0.25, 0.75])
        top.append(punished[effort >= high])
        bottom.append(punished[effort <= low])
    return float(np.concatenate(top).mean() - np.concatenate(bottom).mean())


def main() -> int:
    last = facts.last_years
    rows = [
        ("1 old rules: P(punished for an honest error), top minus bottom effort quartile",
         np.array([top_minus_bottom(r) for r in facts.replications("baseline")])),
        ("1 tolerance alone minus old rules: mean effort, last 5 years",
         facts.per_run("tolerance", last("mean_effort"))
         - facts.per_run("baseline", last("mean_effort"))),
        ("1 old rules: mean effort, last 5 years minus year 1 (no transient)",
         facts.per_run("baseline",
                       lambda f: f.mean_effort.iloc[-5:].mean() - f.mean_effort.iloc[0])),
        ("1 tolerant history, tolerance removed: effort last 5 years minus year 1",
         facts.per_run("tolerance_removed",
                       lambda f: f.mean_effort.iloc[-5:].mean() - f.mean_effort.iloc[0])),
        ("1 tolerance removed minus kept: mean effort, last 5 years",
         facts.per_run("tolerance_removed", last("mean_effort"))
         - facts.per_run("tolerance_kept", last("mean_effort"))),
        ("2 merit + tolerance minus merit: mean effort, last 5 years",
         facts.per_run("merit_tolerance", last("mean_effort"))
         - facts.per_run("merit", last("mean_effort"))),
        ("2 merit minus old rules: mean effort, last 5 years",
         facts.per_run("merit", last("mean_effort"))
         - facts.per_run("baseline", last("mean_effort"))),
        ("3 excused self-serving errors over the run: poor minus good discrimination",
         facts.per_run("poor_discrimination", lambda f: f.excused_self_serving.sum())
         - facts.per_run("good_discrimination", lambda f: f.excused_self_serving.sum())),
        ("4 frontline weight 2 minus 1: frontline share of promotions",
         facts.per_run("merit_frontline_weight", lambda f: f.promotion_frontline_share.mean())
         - facts.per_run("merit", lambda f: f.promotion_frontline_share.mean())),
        ("4 frontline weight 2 minus 1: voluntary frontline exits over the run",
         facts.per_run("merit_frontline_weight", lambda f: f.voluntary_exits_frontline.sum())
         - facts.per_run("merit", lambda f: f.voluntary_exits_frontline.sum())),
    ]
    print(f"{facts.REPLICATIONS} seeds (root {facts.ROOT_SEED}), {facts.YEARS} years after "
          f"the spin-up; mean [95% CI]")
    for label, values in rows:
        mean, low, high = facts.interval(values)
        print(f"{label:<82} {mean:+.3f} [{low:+.3f}, {high:+.3f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
