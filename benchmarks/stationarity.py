"""Does the organisation settle? The stationarity check of issue 8, printed as a table.

    python benchmarks/stationarity.py [--years 40] [--seeds 3] [--root 8] [scenario ...]

Every bundled county scenario (or those named) is run ``--years`` years on
``--seeds`` children of ``SeedSequence(--root)``, each run starting from the
old-rules equilibrium (the spin-up, ``sim.spinup``). Per scenario, from the
seed-mean series:

- effort, ability: |mean over years 21-30 - mean over years 31-40| (ability in
  ``population.ability_sd`` units), limit 0.03;
- efficiency: the same difference relative to the 21-30 mean, limit 5%;
- voluntary exits (organ + frontline): relative difference, limit 20%;
- the largest share of cadres at effort exactly 0 or 1 in any year of any run, limit 5%;
- for ``baseline``: |year-1 mean effort - mean over years 11-20|, limit 0.05.

(With ``--years`` other than 40 the two windows are the third and fourth quarters.)
Also the standard error over seeds of each difference (``se_*``: noise, not
drift: a small organisation's mean ability moves by several hundredths from decade to
decade whatever the policy) and the spin-up years each run needed. Nothing here
asserts; the last column says whether every limit holds.
``tests/regression/test_steady_state.py`` asserts the same check on a cheaper
configuration.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from scenarios import Scenario, list_scenarios, load_scenario  # noqa: E402
from scenarios.schema import OrganisationKind  # noqa: E402
from sim import CadreModel  # noqa: E402

LIMITS = {"effort": 0.03, "ability_sd": 0.03, "efficiency_rel": 0.05, "exits_rel": 0.20,
          "bound_share": 0.05, "baseline_start": 0.05}
COLUMNS = ("mean_effort", "efficiency", "mean_ability", "voluntary_exits")


@dataclass(frozen=True)
class Runs:
    """Yearly series of one scenario's runs: ``frame`` has one row per (seed, year)."""

    frame: pd.DataFrame
    bound_share_max: float
    spinup_years: tuple[int, ...]


def run_scenario(scenario: Scenario, years: int, seeds: int, root: int) -> Runs:
    """Run ``scenario`` for ``years`` on ``seeds`` children of ``SeedSequence(root)``."""
    frames, bound, spun = [], 0.0, []
    for index, child in enumerate(np.random.SeedSequence(root).spawn(seeds)):
        model = CadreModel(scenario.model_copy(update=dict(years=years)), rng=child)
        spun.append(model.start.years if model.start is not None else 0)
        for _ in range(years):
            model.step()
            effort = model.record.worked.effort
            bound = max(bound, float(np.mean((effort <= 0.0) | (effort >= 1.0))))
        frame = model.model_frame()
        frame["voluntary_exits"] = frame.voluntary_exits_organ + frame.voluntary_exits_frontline
        frame["seed"] = index
        frames.append(frame[["seed", "year", *COLUMNS]])
    return Runs(pd.concat(frames, ignore_index=True), bound, tuple(spun))


def window_difference(frame: pd.DataFrame, column: str, years: int) -> pd.Series:
    """Per seed: mean of ``column`` over the fourth quarter of ``years`` minus the third."""
    q = years // 4
    by_seed = frame.groupby("seed")
    late = by_seed.apply(lambda f: f[column][f.year.between(2 * q + 1, 3 * q)].mean(),
                         include_groups=False)
    last = by_seed.apply(lambda f: f[column][f.year.between(3 * q + 1, 4 * q)].mean(),
                         include_groups=False)
    return pd.DataFrame({"late": late, "last": last})


def check(runs: Runs, scenario: Scenario, years: int) -> dict[str, float | bool | str]:
    """The stationarity measures of one scenario's runs against ``LIMITS``, from the
    seed means, and the standard error over seeds of the effort and ability differences
    (how much of a difference is noise: with few cadres it can be most of it)."""
    windows = {c: window_difference(runs.frame, c, years) for c in COLUMNS}

    def absolute(column: str, scale: float = 1.0) -> float:
        w = windows[column]
        return abs(w["last"].mean() - w["late"].mean()) / scale

    def relative(column: str) -> float:
        w = windows[column]
        return abs(w["last"].mean() - w["late"].mean()) / max(abs(w["late"].mean()), 1e-9)

    def error(column: str, scale: float = 1.0, relative: bool = False) -> float:
        w = windows[column]
        if relative:
            scale = max(abs(w["late"].mean()), 1e-9)
        difference = (w["last"] - w["late"]) / scale
        return float(difference.std(ddof=1) / np.sqrt(len(difference))) if len(w) > 1 else 0.0

    sd = scenario.population.ability_sd
    row: dict[str, float | bool | str] = {
        "scenario": scenario.name,
        "effort": absolute("mean_effort"),
        "ability_sd": absolute("mean_ability", sd),
        "efficiency_rel": relative("efficiency"),
        "exits_rel": relative("voluntary_exits"),
        "bound_share": runs.bound_share_max,
        "baseline_start": float("nan"),
        "se_effort": error("mean_effort"),
        "se_ability": error("mean_ability", sd),
        "se_efficiency": error("efficiency", relative=True),
        "se_exits": error("voluntary_exits", relative=True),
        "spinup_years": "/".join(str(y) for y in runs.spinup_years),
    }
    if scenario.name == "baseline":
        mean = runs.frame.groupby("year").mean_effort.mean()
        row["baseline_start"] = abs(mean.iloc[0] - mean.loc[11:20].mean())
    row["ok"] = all(not (row[k] > limit) for k, limit in LIMITS.items())
    return row


def county_scenarios(names: list[str]) -> list[Scenario]:
    chosen = names or [name for name, _, _ in list_scenarios()]
    scenarios = [load_scenario(name) for name in chosen]
    return [s for s in scenarios if s.organisation.kind is OrganisationKind.COUNTY]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help="bundled scenario names (default: all)")
    parser.add_argument("--years", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--root", type=int, default=8)
    args = parser.parse_args(argv)
    rows = [check(run_scenario(s, args.years, args.seeds, args.root), s, args.years)
            for s in county_scenarios(args.scenarios)]
    table = pd.DataFrame(rows).set_index("scenario")
    q = args.years // 4
    print(f"Stationarity: {args.seeds} seeds x {args.years} years, windows years "
          f"{2 * q + 1}-{3 * q} vs {3 * q + 1}-{4 * q}; limits {LIMITS}")
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(table.to_string())
    return 0 if table.ok.all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
