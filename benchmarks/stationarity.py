"""Does the organisation settle? The stationarity check of issue 8, printed as a table.

    python benchmarks/stationarity.py [--years 40] [--seeds 3] [--root 8] [--workers N]
                                      [scenario ...]

Every bundled county scenario (or those named) is run ``--years`` years on
``--seeds`` children of ``SeedSequence(--root)``, each from the old-rules
equilibrium; the measures and limits are ``experiments.validation.stationarity``'s
(``youwei validate-model`` reports the same table). Nothing here asserts; the last
column says whether every limit holds, and the exit code is 1 when one does not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402

from experiments.common.runner import open_runner  # noqa: E402
from experiments.validation.stationarity import (  # noqa: E402
    LIMITS,
    ROOT_SEED,
    SEEDS,
    YEARS,
    measure_stationarity,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help="bundled scenario names (default: all)")
    parser.add_argument("--years", type=int, default=YEARS)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--root", type=int, default=ROOT_SEED)
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default one per core; 1 = serial)")
    args = parser.parse_args(argv)
    with open_runner(workers=args.workers) as runner:
        section = measure_stationarity(runner, args.years, args.seeds, args.root,
                                       args.scenarios or None)
    table = pd.DataFrame(section["rows"]).set_index("scenario")
    (a, b), (c, d) = section["windows"]
    print(f"Stationarity: {args.seeds} seeds x {args.years} years, windows years "
          f"{a}-{b} vs {c}-{d}; limits {LIMITS}")
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(table.to_string())
    return 0 if section["all_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
