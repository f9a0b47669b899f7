"""Stylised fact 5 in the county: what promoting the best does, channel by channel.

    python benchmarks/fact5_decomposition.py [--seeds 8] [--world baseline] [--seed 5]
                                             [--workers N] [--json PATH]

In the Pluchino et al. (2010) pyramid, promoting the best lowers efficiency under
the Peter hypothesis (``benchmarks/validate_peter.py``). In the county three more
things happen when posts go to the best by merit (``rule = "merit"``) instead of
at random (``rule = "random"``):

- the **incentive channel**: cadres who see merit rewarded work harder
  (behaviour on); with behaviour off effort is fixed and the channel is shut;
- the **Peter channel**: with ``transfer = 0`` a promoted cadre's ability at the
  new post is redrawn, so selecting the best for posts buys nothing there; with
  ``transfer = 1`` it carries over;
- **selective exits**: cadres passed over wait, lose morale and leave more
  (``exit_morale_slope``); with the slope 0 exits happen at the same base rate
  but do not depend on waiting.

Every combination of behaviour (on, off) x transfer (0, 1) x exits (selective,
flat) is run under both rules on the same seeds (common random numbers: the two
rules of a seed share the world and the spin-up). The effect of merit promotion
is the paired difference merit - random of the ``efficiency`` reporter
(responsibility-weighted mean performance, ``sim.metrics``), of mean effort, of
the mean ability of post holders and of all cadres, at 12 and 30 years (means
over the last three years up to the horizon for the yearly reporters; the
population at the horizon for post holders). A channel is a contrast of two
such effects (e.g. Peter = effect at transfer 0 - effect at transfer 1), with a
95 % confidence interval over seeds. See ``docs/validation/fact5.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from experiments.common.runner import TaskFailure, open_runner

HORIZONS = (12, 30)
WINDOW = 3  # years averaged up to a horizon for the yearly reporters
RULES = ("merit", "random")
OUTCOMES = ("efficiency", "mean_effort", "holder_ability", "mean_ability")
SETTINGS = [
    {"behaviour": behaviour, "transfer": transfer, "exits": exits}
    for behaviour, transfer, exits in itertools.product(
        ("on", "off"), (0.0, 1.0), ("selective", "flat"))
]


def setting_key(setting: dict) -> str:
    return f"behaviour {setting['behaviour']}, transfer {setting['transfer']:g}, " \
           f"{setting['exits']} exits"


def run_pair(task: tuple[str, dict, int, int, int]) -> dict:
    """Both rules on one seed of one setting: ``{rule: {outcome: {horizon: value}}}``."""
    from scenarios import load_scenario
    from sim.model import CadreModel

    world, setting, index, seeds, root = task
    child = np.random.SeedSequence(root).spawn(seeds)[index]
    out = {}
    for rule in RULES:
        values = {"policy.promotion.rule": rule,
                  "behaviour.enabled": setting["behaviour"] == "on",
                  "behaviour.transfer": setting["transfer"]}
        if setting["exits"] == "flat":
            values["behaviour.exit_morale_slope"] = 0.0
        scenario = load_scenario(world, values=values)
        model = CadreModel(scenario, rng=child)
        result: dict[str, dict[int, float]] = {name: {} for name in OUTCOMES}
        for horizon in HORIZONS:
            model.run(horizon - model.year)
            frame = model.model_frame().iloc[horizon - WINDOW:horizon]
            pop = model.population
            for name in ("efficiency", "mean_effort", "mean_ability"):
                result[name][horizon] = float(frame[name].mean())
            result["holder_ability"][horizon] = float(pop.ability[pop.post >= 0].mean())
        out[rule] = result
    return out


def interval(values: np.ndarray) -> tuple[float, float]:
    """Mean and 95 % confidence half-width over seeds."""
    half = 1.96 * values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
    return float(values.mean()), float(half)


def effects(results: dict, seeds: int) -> dict:
    """``{setting: {outcome: {horizon: (seeds,) merit - random}}}``."""
    out = {}
    for setting in SETTINGS:
        key = setting_key(setting)
        out[key] = {
            name: {h: np.array([results[key, i]["merit"][name][h]
                                - results[key, i]["random"][name][h] for i in range(seeds)])
                   for h in HORIZONS}
            for name in OUTCOMES
        }
    return out


def contrasts() -> list[tuple[str, dict, dict]]:
    """The channels as (name, setting with the channel, setting without it)."""
    out = []
    for behaviour in ("on", "off"):
        for exits in ("selective", "flat"):
            out.append((f"Peter (transfer 0 vs 1), behaviour {behaviour}, {exits} exits",
                        {"behaviour": behaviour, "transfer": 0.0, "exits": exits},
                        {"behaviour": behaviour, "transfer": 1.0, "exits": exits}))
    for behaviour in ("on", "off"):
        for transfer in (0.0, 1.0):
            out.append((f"selective exits (vs flat), behaviour {behaviour}, transfer {transfer:g}",
                        {"behaviour": behaviour, "transfer": transfer, "exits": "selective"},
                        {"behaviour": behaviour, "transfer": transfer, "exits": "flat"}))
    for transfer in (0.0, 1.0):
        out.append((f"incentive (behaviour on vs off), transfer {transfer:g}, selective exits",
                    {"behaviour": "on", "transfer": transfer, "exits": "selective"},
                    {"behaviour": "off", "transfer": transfer, "exits": "selective"}))
    return out


def cell(values: np.ndarray) -> str:
    mean, half = interval(values)
    return f"{mean:+.3f} ± {half:.3f}"


def report(effect: dict, seeds: int, world: str, seconds: float) -> str:
    lines = [
        f"# Fact 5 in the county: merit - random promotion ({world}, {seeds} seeds, "
        "paired; mean ± 95% CI)", "",
        "## Effect of promoting the best (merit - random)", "",
        "| setting | " + " | ".join(f"{name} {h}y" for name in ("efficiency", "mean_effort")
                                   for h in HORIZONS) + " | "
        + " | ".join(f"{name} {h}y" for name in ("holder_ability", "mean_ability")
                     for h in HORIZONS) + " |",
        "|---" * (1 + 4 * len(HORIZONS)) + "|",
    ]
    for setting in SETTINGS:
        key = setting_key(setting)
        row = [cell(effect[key][name][h]) for name in OUTCOMES for h in HORIZONS]
        lines.append(f"| {key} | " + " | ".join(row) + " |")
    lines += ["", "## Channels (contrasts of the effect above, on efficiency and its parts)", "",
              "| channel | " + " | ".join(f"{name} {h}y" for name in OUTCOMES
                                          for h in HORIZONS) + " |",
              "|---" * (1 + len(OUTCOMES) * len(HORIZONS)) + "|"]
    for name, with_, without in contrasts():
        a, b = effect[setting_key(with_)], effect[setting_key(without)]
        row = [cell(a[o][h] - b[o][h]) for o in OUTCOMES for h in HORIZONS]
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    lines += ["", f"{2 * len(SETTINGS) * seeds} runs in {seconds:.0f} s"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="paired replications per setting")
    parser.add_argument("--world", default="baseline", help="bundled scenario giving the world")
    parser.add_argument("--seed", type=int, default=5, help="root seed")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the effects here")
    args = parser.parse_args(argv)
    tasks = [(args.world, setting, i, args.seeds, args.seed)
             for setting in SETTINGS for i in range(args.seeds)]
    results = {}
    start = time.perf_counter()
    with open_runner(workers=args.workers) as runner:
        for task, outcome in runner.map(run_pair, tasks, label="fact5"):
            if isinstance(outcome, TaskFailure):
                raise RuntimeError(f"{task}: {outcome.error}\n{outcome.traceback}")
            results[setting_key(task[1]), task[2]] = outcome
    seconds = time.perf_counter() - start
    effect = effects(results, args.seeds)
    print(report(effect, args.seeds, args.world, seconds))
    if args.json is not None:
        args.json.write_text(json.dumps(
            {"world": args.world, "seeds": args.seeds, "root_seed": args.seed,
             "effects": {k: {o: {str(h): v.tolist() for h, v in hs.items()}
                             for o, hs in d.items()} for k, d in effect.items()}}, indent=1))


if __name__ == "__main__":
    main()
