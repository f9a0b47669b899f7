"""Peak memory of one allocation per eligible (candidate, post) pair, by backend.

The basis of ``optimize.problem.BYTES_PER_PAIR`` (the up-front refusal of allocations
too large for memory). Every candidate is eligible for every post, so pairs =
candidates x posts; each size runs in a fresh process::

    python benchmarks/allocation_memory.py [--sizes 2000x500 4000x500] [--backend fast|pulp]

Measured (2-CPU machine, loaded): fast 343 and 270 bytes a pair at 1 and 2 million
pairs; pulp 2,227 bytes a pair at 0.2 million (``--sizes 1000x200 --backend pulp``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

PROBE = """\
import json, resource, sys
import numpy as np
from optimize import AllocationProblem, Candidates, Posts, RankPools, allocate
from optimize.proposal import Backend
n_c, n_p, backend = int(sys.argv[1]), int(sys.argv[2]), Backend(sys.argv[3])
rng = np.random.default_rng(1)
problem = AllocationProblem(
    Candidates.build(unit=rng.integers(0, 20, n_c), rank=np.full(n_c, 2), age=np.full(n_c, 40),
                     years_in_grade=np.full(n_c, 5.0), score=rng.random(n_c)),
    Posts.build(unit=rng.integers(0, 20, n_p), level=np.ones(n_p, int),
                min_rank=np.ones(n_p, int)),
    RankPools(pool=[0], rank=[3], headroom=[10]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
allocate(problem, backend=backend)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"pairs": n_c * n_p, "bytes": (after - before) * 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["2000x500", "4000x500"],
                        help="CANDIDATESxPOSTS (default: %(default)s)")
    parser.add_argument("--backend", choices=("fast", "pulp"), default="fast")
    args = parser.parse_args()
    for size in args.sizes:
        n_c, n_p = size.lower().split("x")
        done = subprocess.run([sys.executable, "-c", PROBE, n_c, n_p, args.backend],
                              capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.splitlines()[-1])
        print(f"{args.backend:>5} {row['pairs']:>12,} pairs {row['bytes'] / 1e6:>9,.1f} MB "
              f"{row['bytes'] / row['pairs']:>7,.0f} bytes a pair")


if __name__ == "__main__":
    main()
