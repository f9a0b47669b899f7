"""Every calibration target against the model (``scenarios/targets/*.toml``).

Each targets file's scenario (the bundled one, with its fitted parameters) is run on
``seeds`` children of ``root``; a target's model value is the mean over seeds of its
reporter's per-year mean, with a 95% t-interval, met when within ``tolerance`` of
``value * scale`` (``experiments.calibration``: the same moments and the same rows as
``youwei calibrate``'s ``fitted.json``). ``youwei validate-model`` uses seeds that are
not the calibration's, so a met target is met out of sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TARGETS_FOLDER = Path(__file__).resolve().parents[2] / "scenarios" / "targets"
HELD_OUT_ROOT = 20261207
"""Root seed of the validation's runs: not the calibration's (20170410)."""


def target_files() -> list[Path]:
    return sorted(TARGETS_FOLDER.glob("*.toml"))


def measure_targets(runner, seeds: int | None = None, root: int = HELD_OUT_ROOT) -> dict:
    """Run every targets file's scenario on ``runner``; the section as JSON data.

    ``seeds`` None: each file's own ``seeds``.
    """
    from experiments.calibration.command import read_targets_checked, target_rows
    from experiments.calibration.smm import RunTask, run_task, seed_children
    from experiments.common.runner import TaskFailure
    from scenarios import load_scenario

    sets = {path.stem: read_targets_checked(path) for path in target_files()}
    tasks, runs = [], {}
    for key, targets in sets.items():
        n = targets.seeds if seeds is None else seeds
        scenario = load_scenario(targets.scenario)
        runs[key] = np.full((n, len(targets.target)), np.nan)
        tasks += [RunTask(key, i, scenario, seed, tuple(targets.names))
                  for i, seed in enumerate(seed_children(root, n))]
    for task, outcome in runner.map(run_task, tasks, label="validate: calibration targets"):
        if isinstance(outcome, TaskFailure):
            raise RuntimeError(f"calibration targets, {task.key}: {outcome.error}")
        runs[task.key][task.replication] = outcome
    files = []
    for key, targets in sets.items():
        files.append({"file": f"scenarios/targets/{key}.toml", "scenario": targets.scenario,
                      "seeds": int(runs[key].shape[0]),
                      "targets": target_rows(targets, runs[key])})
    rows = [t for f in files for t in f["targets"]]
    return {"root_seed": root, "files": files, "met": sum(r["met"] for r in rows),
            "count": len(rows)}
