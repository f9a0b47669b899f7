"""Every calibration target on the calibration's own seeds, as docs/calibration.md's table.

    python benchmarks/calibration_targets.py [--workers N] [--root SEED]

Runs each ``scenarios/targets/*.toml`` file's scenario (with its fitted parameters, as
written in the packages) on the file's ``seeds`` children of the calibration's root seed
(``experiments.calibration.command.DEFAULT_ROOT_SEED``, the seeds ``youwei calibrate``
fitted on) and prints one row per target: goal, model mean [95% CI], met. The same
rows on held-out seeds are section 2 of ``youwei validate-model``'s report;
``tests/regression/test_calibration_targets.py`` asserts every target is met.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from experiments.calibration.command import DEFAULT_ROOT_SEED  # noqa: E402
from experiments.common.runner import open_runner  # noqa: E402
from experiments.validation.targets import measure_targets  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--root", type=int, default=DEFAULT_ROOT_SEED)
    args = parser.parse_args(argv)
    with open_runner(args.workers, None) as runner:
        section = measure_targets(runner, root=args.root)
    print("| scenario | target | goal (x scale) | model mean [95% CI] | tolerance | met |")
    print("|---|---|---|---|---|---|")
    for f in section["files"]:
        for t in f["targets"]:
            print(f"| {f['scenario']} | `{t['name']}` | {t['goal']:.3g} | {t['model_mean']:.3g} "
                  f"[{t['ci_low']:.3g}, {t['ci_high']:.3g}] | {t['tolerance']:.0%} | "
                  f"{'yes' if t['met'] else 'NO'} |")
    print(f"\n{section['met']} of {section['count']} targets met (root seed {args.root}).")
    return 0 if section["met"] == section["count"] else 1


if __name__ == "__main__":
    sys.exit(main())
