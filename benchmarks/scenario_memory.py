"""Memory of a run against the size of the organisation: the basis of the scenario size check.

Runs the baseline world with more towns (no spin-up, 3 years) in a fresh process per
size and prints the peak resident memory it added, then fits ``a x cadres + b x cadres
x posts`` through the two sizes (``scenarios.schema.BYTES_PER_CADRE`` and
``BYTES_PER_CADRE_POST`` are these, rounded up)::

    python benchmarks/scenario_memory.py [--towns 100 400]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

PROBE = """\
import json, resource, sys
from scenarios import load_scenario
from sim import CadreModel
towns = int(sys.argv[1])
scenario = load_scenario("baseline").with_values({
    "organisation.frontline.count": towns, "years": 3,
    "history.years_min": 0, "history.years_max": 0})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
CadreModel(scenario, rng=1).run()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
organisation = scenario.organisation
print(json.dumps({"cadres": organisation.cadre_count(), "posts": organisation.post_count(),
                  "bytes": (after - before) * 1024}))
"""


def measure(towns: int) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(towns)], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, nargs=2, default=[100, 400])
    small, large = (measure(towns) for towns in parser.parse_args().towns)
    for row in (small, large):
        print(f"{row['cadres']:>8,} cadres {row['posts']:>6,} posts "
              f"{row['bytes'] / 1e6:>8,.1f} MB")
    # bytes = a n + b n p, through both points
    n1, p1, m1 = small["cadres"], small["posts"], small["bytes"]
    n2, p2, m2 = large["cadres"], large["posts"], large["bytes"]
    b = (m2 - m1 * n2 / n1) / (n2 * p2 - n1 * p1 * n2 / n1)
    a = (m1 - b * n1 * p1) / n1
    print(f"about {a:,.0f} bytes a cadre + {b:,.1f} bytes a (cadre, post) pair")


if __name__ == "__main__":
    main()
