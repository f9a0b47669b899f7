"""The stylised facts as numbers: each paired difference the regression tests assert, with
its 95% t-interval over the tests' 20 seeds.

    python benchmarks/stylised_facts.py [--seeds 20] [--workers N]

Runs exactly the scenarios and measures of ``tests/regression/test_stylised_facts.py``
(``experiments.validation.facts``: same root seed, same replications) and prints what
the tests only assert; ``youwei validate-model`` reports the same table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from experiments.common.runner import open_runner  # noqa: E402
from experiments.validation import facts  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=facts.REPLICATIONS)
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default one per core; 1 = serial)")
    args = parser.parse_args(argv)
    with open_runner(workers=args.workers) as runner:
        section = facts.measure_facts(runner, args.seeds)
    print(f"{section['seeds']} seeds (root {section['root_seed']}), {section['years']} years "
          f"after the spin-up; mean [95% CI]")
    for row in section["rows"]:
        label = f"{row['fact']} {row['measure']}"
        print(f"{label:<82} {row['mean']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
