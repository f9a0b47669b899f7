"""The pure-assignment allocation as an OR-Tools min-cost flow (child of allocation.py case h).

    python benchmarks/ortools_flow.py INSTANCE.npz

Runs in its own process with an interpreter that has OR-Tools (``pip install ortools``,
Apache-2.0): OR-Tools and highspy ship clashing ``libhighs.so.1`` and cannot share a
process. Imports nothing of ours, only numpy and ``ortools.graph.python.min_cost_flow``.

``INSTANCE.npz`` (written by case (h) of ``benchmarks/allocation.py``) holds
``n_candidates``, ``n_posts``, ``scale``; ``post_candidate``, ``post_post``,
``post_value`` (one entry per eligible (candidate, post) pair); ``rank_candidate``,
``rank_pool``, ``rank_value`` (per eligible (candidate, pool-rank) pair); ``headroom``
(per pool-rank) and ``must_fill`` (per post).

The network, with integer costs ``-round(value * scale)`` (min-cost flow needs integers):

- source -> each candidate, capacity 1, cost 0 (each candidate at most one move);
- candidate -> each eligible post and -> its eligible pool-rank, capacity 1;
- post -> sink, capacity 1 (at most one holder); pool-rank -> sink, capacity headroom;
- source -> sink, capacity n, cost 0: staying put (not every candidate must move);
- supply n at the source, -n at the sink. A must-fill post (exactly one holder) is the
  lower bound 1 on its arc to the sink, removed the usual way: no arc, supply -1 at
  the post and +1 at the sink.

Prints one JSON object: ``status``, ``objective`` (``-optimal_cost / scale``), ``moves``,
``nodes``, ``arcs``, wall and CPU seconds of building the network
(``build_wall``/``build_cpu``), of ``SimpleMinCostFlow.solve()`` only
(``solve_wall``/``solve_cpu``) and of the whole child from the top of this script
(``child_wall``; ``child_cpu`` is the process's user + system time, start-up included),
and the OR-Tools version.
"""

from __future__ import annotations

import json
import resource
import sys
import time

START = time.perf_counter()

import numpy as np  # noqa: E402
from ortools import __version__ as ORTOOLS_VERSION  # noqa: E402
from ortools.graph.python import min_cost_flow  # noqa: E402


def build_network(data) -> tuple[min_cost_flow.SimpleMinCostFlow, int]:
    """The flow network of the docstring; returns it and the number of its arcs."""
    n, m = int(data["n_candidates"]), int(data["n_posts"])
    headroom, must_fill = data["headroom"].astype(np.int64), data["must_fill"].astype(bool)
    scale = float(data["scale"])
    source, candidate0, post0 = 0, 1, 1 + n
    rank0 = post0 + m
    sink = rank0 + len(headroom)
    free_posts = np.flatnonzero(~must_fill)
    tails = [np.zeros(n, np.int64), candidate0 + data["post_candidate"],
             candidate0 + data["rank_candidate"], post0 + free_posts,
             rank0 + np.arange(len(headroom)), [source]]
    heads = [candidate0 + np.arange(n), post0 + data["post_post"], rank0 + data["rank_pool"],
             np.full(len(free_posts), sink), np.full(len(headroom), sink), [sink]]
    capacities = [np.ones(n), np.ones(len(data["post_post"])), np.ones(len(data["rank_pool"])),
                  np.ones(len(free_posts)), headroom, [n]]
    costs = [np.zeros(n), -np.round(data["post_value"] * scale),
             -np.round(data["rank_value"] * scale), np.zeros(len(free_posts)),
             np.zeros(len(headroom)), [0]]
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        *(np.concatenate(part).astype(np.int64) for part in (tails, heads, capacities, costs)))
    supplies = np.zeros(sink + 1, np.int64)
    supplies[source] = n
    supplies[sink] = -n + int(must_fill.sum())
    supplies[post0 + np.flatnonzero(must_fill)] = -1
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    return flow, sum(len(t) for t in tails)


def main(path: str) -> None:
    with np.load(path) as data:
        start, start_cpu = time.perf_counter(), time.process_time()
        flow, n_arcs = build_network(data)
        build_wall, build_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        n, scale = int(data["n_candidates"]), float(data["scale"])
    start, start_cpu = time.perf_counter(), time.process_time()
    status = flow.solve()
    solve_wall, solve_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    optimal = status == flow.OPTIMAL
    moves = int(flow.flows(np.arange(n, dtype=np.int64)).sum()) if optimal else 0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "status": status.name,
        "objective": -flow.optimal_cost() / scale if optimal else None,
        "moves": moves,
        "nodes": int(flow.num_nodes()),
        "arcs": n_arcs,
        "build_wall": build_wall,
        "build_cpu": build_cpu,
        "solve_wall": solve_wall,
        "solve_cpu": solve_cpu,
        "child_wall": time.perf_counter() - START,
        "child_cpu": usage.ru_utime + usage.ru_stime,
        "ortools": ORTOOLS_VERSION,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
