"""Run a robust experiment: one resumable sweep per package, then one results table.

A robust folder (``--out``) holds::

    manifest.json      the spec as resolved, its SHA-256, seeds, software, commands, status
    packages/<name>/   one sweep folder per package (see experiments.sweep.engine): the same
                       design and seeds for every package, so replication r of world i runs
                       from SeedSequence(seed, spawn_key=(i, r)) under each (common random
                       numbers); results stream to Parquet part files as runs finish
    results.parquet    one row per (package, world, replication): package, sample (the
                       world), replication, seed, each uncertainty, each outcome, the costs
                       (bonus_cost, subsidy_cost, total_cost: 万元 a year)

The runs go through the sweep engine, hence through the shared executor
(``experiments.common.runner``): in this process, a local process pool or a
Dask cluster, with the same tables from each. ``resume`` continues every
package's sweep where it stopped (after Ctrl-C, a crash or ``kill -9``); a
package not yet started starts. A resume refuses a folder made by another spec.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from experiments.common.errors import InputError
from experiments.common.provenance import (
    check_out_dir,
    command_line,
    software_versions,
    to_json_safe,
)
from experiments.robust.spec import COST_REPORTERS, Cost, RobustSpec, package_sweeps

MANIFEST = "manifest.json"
PACKAGES = "packages"
RESULTS = "results.parquet"
REPORT_FILES = ("regret.csv", "robustness.csv", "report.html", "regret.png", "outcomes.png")
OWNED = (MANIFEST, PACKAGES, RESULTS, *REPORT_FILES, "discovery")
"""Everything a robust folder may hold."""


class RobustFolderError(InputError):
    """An ``--out`` folder that cannot take this experiment (exit code 2)."""


@dataclass(frozen=True)
class RobustOutcome:
    """What a robust run did: runs in all, finished, failed, and the executor used."""

    total: int
    finished: int
    failed: int
    workers: str


def robust_manifest(spec: RobustSpec, commands: list, status: str) -> dict:
    """The content of ``manifest.json`` (no timestamps, no executor)."""
    from experiments.common.folders import output_signature
    from experiments.sweep.engine import SWEEP_SOFTWARE

    return to_json_safe({
        **output_signature("robust"),
        "kind": "robust",
        "robust": {"name": spec.name, "description": spec.description,
                   "source": str(spec.path), "sha256": spec.hash},
        "spec": spec.canonical(),
        "packages": {label: spec.package_sources[label] for label in spec.packages},
        "world": spec.world_source,
        "uncertainties": list(spec.paths),
        "outcomes": [{"name": o.name, "direction": o.direction.value,
                      "threshold": o.threshold} for o in spec.outcomes],
        "budget": (None if spec.budget is None
                   else {"cost": spec.budget.cost.value, "max": spec.budget.max}),
        "worlds": spec.n_worlds,
        "replications": spec.replications,
        "years": spec.years,
        "seed": spec.seed,
        "seeds": "replication r of world i runs from numpy.random.SeedSequence(seed, "
                 "spawn_key=(i, r)) under every package (common random numbers)",
        "software": software_versions(SWEEP_SOFTWARE),
        "commands": commands,
        "status": status,
        "files": list(OWNED),
    })


def open_folder(spec: RobustSpec, out: Path, *, resume: bool,
                command: Sequence[str] | None) -> list:
    """Create ``out`` or check it for a resume; return the commands recorded so far."""
    path = out / MANIFEST
    if path.exists():
        if not resume:
            raise RobustFolderError(out, "a new folder", reason=(
                "holds a robust experiment already (manifest.json): add --resume to continue "
                "it, or choose another --out"))
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RobustFolderError(path, "a robust manifest",
                                    reason=f"cannot be read ({error})") from None
        before = previous.get("robust", {}).get("sha256")
        if before != spec.hash:
            raise RobustFolderError(out, "a robust experiment of this spec", reason=(
                f"holds a robust experiment of another spec (sha256 {str(before)[:12]}, this "
                f"spec {spec.short_hash}): resume with the spec it was started with, or "
                f"choose another --out"))
        return [*previous.get("commands", []), command_line(command)]
    check_out_dir(out, (), what="a robust experiment")
    return [command_line(command)]


def write_manifest(spec: RobustSpec, out: Path, commands: list, status: str) -> None:
    from experiments.sweep.engine import write_atomic

    text = json.dumps(robust_manifest(spec, commands, status), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"
    write_atomic(text.encode("utf-8"), out / MANIFEST)


def run_packages(spec: RobustSpec, out: Path, *, workers: int | None = None,
                 scheduler: str | None = None, resume: bool = False,
                 command: Sequence[str] | None = None,
                 progress_bar: bool | None = None) -> RobustOutcome:
    """Run every package on every world (or what a resume has left), then write
    ``results.parquet``.

    Raises
    ------
    InputError
        An unusable ``out``, bad ``workers``/``scheduler`` (nothing run).
    experiments.sweep.engine.SweepInterrupted, KeyboardInterrupt
        Finished runs are saved for ``resume``.
    """
    from experiments.common.folders import lock_folder
    from experiments.sweep.engine import MANIFEST as SWEEP_MANIFEST
    from experiments.sweep.engine import sweep

    out = Path(out)
    commands = open_folder(spec, out, resume=resume, command=command)
    with lock_folder(out, what=f"robust {spec.name}"):
        write_manifest(spec, out, commands, "running")
        finished = failed = 0
        description = ""
        try:
            for label, sweep_spec in package_sweeps(spec).items():
                folder = out / PACKAGES / label
                outcome = sweep(sweep_spec, folder, workers=workers, scheduler=scheduler,
                                resume=(folder / SWEEP_MANIFEST).exists(), command=command,
                                progress_bar=progress_bar)
                finished += outcome.finished
                failed += outcome.failed
                description = outcome.workers
        except BaseException:
            write_manifest(spec, out, commands, "incomplete")
            raise
        write_results(spec, out)
        write_manifest(spec, out, commands, "complete")
    return RobustOutcome(spec.n_runs, finished, failed, description)


def write_results(spec: RobustSpec, out: Path) -> None:
    """``results.parquet`` from the packages' ``runs.parquet``, in package order."""
    import pandas as pd

    from experiments.sweep.engine import RUNS, write_parquet

    frames = []
    for label in spec.packages:
        runs = pd.read_parquet(out / PACKAGES / label / RUNS)
        runs = runs.drop(columns=["run_id"]).sort_values(["sample", "replication"])
        runs.insert(0, "package", label)
        frames.append(runs)
    results = pd.concat(frames, ignore_index=True)
    results[Cost.TOTAL.value] = results[list(COST_REPORTERS)].sum(axis=1, min_count=1)
    write_parquet(results, out / RESULTS)
