"""Does the organisation settle? The stationarity check of issue 8.

Every bundled county scenario is run ``years`` years on ``seeds`` children of
``SeedSequence(root)``, each run starting from the old-rules equilibrium (the
spin-up, ``sim.spinup``). Per scenario, from the seed-mean series:

- effort, ability: |mean over years 21-30 - mean over years 31-40| (ability in
  ``population.ability_sd`` units), limit 0.03;
- efficiency: the same difference relative to the 21-30 mean, limit 5%;
- voluntary exits (organ + frontline): relative difference, limit 20%;
- the largest share of cadres at effort exactly 0 or 1 in any year of any run, limit 5%;
- for ``baseline``: |year-1 mean effort - mean over years 11-20|, limit 0.05.

(With ``years`` other than 40 the two windows are the third and fourth quarters.)
Also the standard error over seeds of each difference (``se_*``: noise, not
drift) and the spin-up years each run needed. ``benchmarks/stationarity.py`` prints
the table, ``youwei validate-model`` reports it, and
``tests/regression/test_steady_state.py`` asserts the same check on a cheaper
configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.schema import Scenario

LIMITS = {"effort": 0.03, "ability_sd": 0.03, "efficiency_rel": 0.05, "exits_rel": 0.20,
          "bound_share": 0.05, "baseline_start": 0.05}
COLUMNS = ("mean_effort", "efficiency", "mean_ability", "voluntary_exits")
YEARS = 40
SEEDS = 12
"""Issue 8 asks for three seeds at least; with three, the standard error of the ability
difference (~0.014 sd) is half its limit, so seed noise alone can fail a scenario that
drifts by less than the limit (yangzhou_eco: 0.041 on 3 seeds, 0.023 +- 0.007 on 12).
Twelve seeds measure the same difference four times as precisely, at ~1 minute."""
ROOT_SEED = 8


@dataclass(frozen=True)
class Runs:
    """Yearly series of one scenario's runs: ``frame`` has one row per (seed, year)."""

    frame: object  # pandas.DataFrame
    bound_share_max: float
    spinup_years: tuple[int, ...]


@dataclass(frozen=True)
class SeedRun:
    """One run's yearly series, its largest share of cadres at a bound, its spin-up years."""

    frame: object  # pandas.DataFrame
    bound_share_max: float
    spinup_years: int


@dataclass(frozen=True)
class StationarityTask:
    """One seed of one scenario: plain data for the shared runner."""

    scenario: Scenario
    years: int
    index: int
    seed: np.random.SeedSequence


def run_seed(task: StationarityTask) -> SeedRun:
    """Run ``task.scenario`` for ``task.years`` (module level: it pickles by name)."""
    from sim import CadreModel

    model = CadreModel(task.scenario.model_copy(update=dict(years=task.years)), rng=task.seed)
    spun = model.start.years if model.start is not None else 0
    bound = 0.0
    for _ in range(task.years):
        model.step()
        effort = model.record.worked.effort
        bound = max(bound, float(np.mean((effort <= 0.0) | (effort >= 1.0))))
    frame = model.model_frame()
    frame["voluntary_exits"] = frame.voluntary_exits_organ + frame.voluntary_exits_frontline
    frame["seed"] = task.index
    return SeedRun(frame[["seed", "year", *COLUMNS]], bound, spun)


def seed_tasks(scenario: Scenario, years: int, seeds: int, root: int
               ) -> list[StationarityTask]:
    children = np.random.SeedSequence(root).spawn(seeds)
    return [StationarityTask(scenario, years, i, child) for i, child in enumerate(children)]


def combine(runs: list[SeedRun]) -> Runs:
    """The seeds' runs of one scenario as one ``Runs``."""
    import pandas as pd

    runs = sorted(runs, key=lambda r: int(r.frame.seed.iloc[0]))
    return Runs(pd.concat([r.frame for r in runs], ignore_index=True),
                max(r.bound_share_max for r in runs), tuple(r.spinup_years for r in runs))


def run_scenario(scenario: Scenario, years: int, seeds: int, root: int) -> Runs:
    """Run ``scenario`` for ``years`` on ``seeds`` children of ``SeedSequence(root)``,
    in this process."""
    return combine([run_seed(t) for t in seed_tasks(scenario, years, seeds, root)])


def window_difference(frame, column: str, years: int):
    """Per seed: mean of ``column`` over the third quarter of ``years`` (``late``) and the
    fourth (``last``)."""
    import pandas as pd

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
        return float(abs(w["last"].mean() - w["late"].mean()) / scale)

    def relative(column: str) -> float:
        w = windows[column]
        return float(abs(w["last"].mean() - w["late"].mean())
                     / max(abs(w["late"].mean()), 1e-9))

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
        row["baseline_start"] = float(abs(mean.iloc[0] - mean.loc[11:20].mean()))
    row["ok"] = all(not (row[k] > limit) for k, limit in LIMITS.items())
    return row


def county_scenarios(names: list[str] | None = None) -> list[Scenario]:
    """The bundled scenarios named (default: all at their calibrated size, not the
    ``*_full`` places) that are counties (not the pyramid)."""
    from scenarios import is_full_size, list_scenarios, load_scenario
    from scenarios.schema import OrganisationKind

    chosen = names or [name for name, _, _ in list_scenarios() if not is_full_size(name)]
    scenarios = [load_scenario(name) for name in chosen]
    return [s for s in scenarios if s.organisation.kind is OrganisationKind.COUNTY]


def measure_stationarity(runner, years: int = YEARS, seeds: int = SEEDS,
                         root: int = ROOT_SEED, names: list[str] | None = None) -> dict:
    """Every county scenario's check, run on ``runner``; the section as JSON data."""
    from experiments.common.runner import TaskFailure
    from experiments.validation.stats import finite

    scenarios = county_scenarios(names)
    tasks = [t for s in scenarios for t in seed_tasks(s, years, seeds, root)]
    done: dict[str, list[SeedRun]] = {s.name: [] for s in scenarios}
    for task, outcome in runner.map(run_seed, tasks, label="validate: stationarity"):
        if isinstance(outcome, TaskFailure):
            raise RuntimeError(f"stationarity, {task.scenario.name}: {outcome.error}")
        done[task.scenario.name].append(outcome)
    rows = []
    for s in scenarios:
        row = check(combine(done[s.name]), s, years)
        rows.append({k: (finite(v) if isinstance(v, float) else v) for k, v in row.items()})
    q = years // 4
    return {"years": years, "seeds": seeds, "root_seed": root, "limits": LIMITS,
            "windows": [[2 * q + 1, 3 * q], [3 * q + 1, 4 * q]], "rows": rows,
            "all_ok": all(r["ok"] for r in rows)}
