"""The ``youwei`` command line: parses arguments and calls one importable function per verb.

Each subcommand is an ``add_<verb>_command(subparsers)`` function that declares
its arguments and sets ``handler``, a function ``(args, argv) -> int`` calling
the verb's ``run_<verb>`` function. Add a verb by adding one such function to
``COMMANDS``.

Exit codes of ``youwei allocate``: 0 optimal; 2 bad input (one line on stderr,
nothing written); 3 rules infeasible as stated, relaxed proposal written; 4 time
limit hit, feasible proposal written; 5 no feasible proposal found, nothing written.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from optimize.proposal import Backend

ALLOCATE_EPILOG = """\
exit codes:
  0  optimal proposal written
  2  bad input: one line on stderr, nothing written
  3  the rules as stated cannot all be met: the closest (relaxed) proposal is
     written and report.md lists the rules it breaks
  4  time limit hit: a feasible proposal is written, with its gap
  5  no feasible proposal found within the time limit: nothing written

outputs in --out: proposal.csv (one row per move), proposal.json (status,
objective, shares, prices, relaxations, rules, provenance), report.md, and
model.lp with --export-lp.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``youwei`` with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already printed by argparse
        return stop.code if isinstance(stop.code, int) else 2
    return args.handler(args, argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="youwei",
        description="有为才有位: simulate cadre incentive and error-tolerance policies, "
        "and allocate posts and rank slots to frontline performers.",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="<command>", required=True)
    for add_command in COMMANDS:
        add_command(subparsers)
    return parser


def add_allocate_command(subparsers) -> None:
    """``youwei allocate``: one allocation from CSV/TOML files to a proposal folder."""
    parser = subparsers.add_parser(
        "allocate",
        help="allocate vacant posts and rank slots to candidates",
        description="Allocate vacant leadership posts and rank slots to candidates under\n"
        "the rules, and write the proposal with its reasons.",
        epilog=ALLOCATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    inputs = parser.add_argument_group("inputs")
    inputs.add_argument("--candidates", type=Path, required=True, metavar="CSV",
                        help="candidates.csv: one row per candidate")
    inputs.add_argument("--posts", type=Path, required=True, metavar="CSV",
                        help="posts.csv: one row per vacant post")
    inputs.add_argument("--pools", type=Path, required=True, metavar="CSV",
                        help="pools.csv: rank-slot headroom per (pool, rank)")
    inputs.add_argument("--rules", type=Path, metavar="TOML",
                        help="rules.toml (default: the built-in rules)")
    inputs.add_argument("--fit", type=Path, metavar="CSV",
                        help="fit.csv: candidate-post fit (default: 1 for every pair)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (created; a previous proposal there is replaced)")
    parser.add_argument("--backend", choices=[b.value for b in Backend],
                        default=Backend.FAST.value,
                        help="fast: numpy/scipy + HiGHS; pulp: named pulp model + HiGHS "
                        "(default: %(default)s)")
    parser.add_argument("--time-limit", type=positive_seconds, metavar="SECONDS",
                        help="stop the solver after this many seconds (default: none)")
    parser.add_argument("--export-lp", action="store_true",
                        help="also write the model as model.lp")
    parser.set_defaults(handler=handle_allocate)


def handle_allocate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.allocation.command import run_allocate  # heavy imports only when used

    return run_allocate(
        args.candidates, args.posts, args.pools, out=args.out, rules=args.rules, fit=args.fit,
        backend=args.backend, time_limit=args.time_limit, export_lp=args.export_lp,
        command=["youwei", *argv],
    )


def positive_seconds(text: str) -> float:
    """argparse type: a finite number of seconds > 0."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return seconds


def add_run_command(subparsers) -> None:
    """``youwei run``: one simulation of a scenario, year by year, to an output folder."""
    parser = subparsers.add_parser(
        "run",
        help="simulate a scenario and write its yearly series, cadres and events",
        description="Run the cadre model on a scenario (a TOML file or a bundled name).",
    )
    parser.add_argument("scenario", help="scenario file, or the name of a bundled scenario")
    parser.add_argument("--years", type=positive_int, metavar="N",
                        help="years to simulate (default: the scenario's)")
    parser.add_argument("--seed", type=non_negative_int, metavar="S",
                        help="root seed (default: the scenario's)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (created; a previous run there is replaced)")
    parser.add_argument("--plot", action="store_true", help="also write PNG figures")
    parser.set_defaults(handler=handle_run)


def handle_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.simulation.run import run_run

    return run_run(args.scenario, years=args.years, seed=args.seed, out=args.out,
                   plot=args.plot, command=["youwei", *argv])


def add_compare_command(subparsers) -> None:
    """``youwei compare``: several scenarios, replicated with common random numbers."""
    from experiments.simulation.compare_cmd import __doc__ as compare_doc

    parser = subparsers.add_parser(
        "compare",
        help="compare scenarios over replications, with paired confidence intervals",
        description="Run each scenario for the same replications (replication k of every\n"
        "scenario uses the same seed) and compare them with paired 95% intervals.",
        epilog=compare_doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenarios", nargs="+", help="scenario files or bundled names")
    parser.add_argument("--replications", type=positive_int, default=30, metavar="N",
                        help="replications per scenario (default: %(default)s)")
    parser.add_argument("--years", type=positive_int, metavar="N",
                        help="years to simulate (default: the scenarios')")
    parser.add_argument("--seed", type=non_negative_int, metavar="S",
                        help="root seed (default: the first scenario's)")
    parser.add_argument("--workers", type=positive_int, default=1, metavar="N",
                        help="processes to run replications in (default: %(default)s)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (created; a previous comparison there is replaced)")
    parser.set_defaults(handler=handle_compare)


def handle_compare(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.simulation.compare_cmd import run_compare

    return run_compare(args.scenarios, replications=args.replications, years=args.years,
                       seed=args.seed, out=args.out, workers=args.workers,
                       command=["youwei", *argv])


def add_sweep_command(subparsers) -> None:
    """``youwei sweep``: a parameter sweep from a spec, streamed to disk, resumable."""
    parser = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (grid, lhs, sobol, morris or a list), resumable",
        description="Run every (design point, replication) of a sweep spec; results stream to\n"
        "Parquet part files, so --resume after a crash skips the finished runs.",
        epilog=SWEEP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("spec", type=Path, help="sweep spec (TOML)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="sweep folder")
    executor = parser.add_mutually_exclusive_group()
    executor.add_argument("--workers", type=positive_int, metavar="N",
                          help="local worker processes (default: the number of cores)")
    executor.add_argument("--scheduler", metavar="ADDRESS",
                          help="run on a Dask distributed cluster (e.g. tcp://host:8786)")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted sweep in --out, skipping finished runs")
    parser.set_defaults(handler=handle_sweep)


SWEEP_EPILOG = """\
exit codes:
  0    every run finished
  2    bad input (spec, options, --out): one line on stderr, nothing run
  3    finished, but some runs failed (failures.parquet has their tracebacks)
  4    stopped early (a worker died): finished runs are saved, rerun with --resume
  130  interrupted (Ctrl-C): likewise saved for --resume
"""


def handle_sweep(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.sweep.command import run_sweep

    return run_sweep(args.spec, out=args.out, workers=args.workers, scheduler=args.scheduler,
                     resume=args.resume, command=["youwei", *argv])


def add_analyze_command(subparsers) -> None:
    """``youwei analyze``: Sobol or Morris sensitivity indices of a finished sweep."""
    parser = subparsers.add_parser(
        "analyze", help="sensitivity analysis (Sobol or Morris) of a finished sweep")
    parser.add_argument("folder", type=Path, help="a sweep folder written by youwei sweep")
    parser.set_defaults(handler=handle_analyze)


def handle_analyze(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.sweep.command import run_analyze

    return run_analyze(args.folder, command=["youwei", *argv])


def add_scenarios_command(subparsers) -> None:
    """``youwei scenarios``: the bundled scenario library, one line each."""
    parser = subparsers.add_parser("scenarios", help="list the bundled scenarios")
    parser.set_defaults(handler=handle_scenarios)


def handle_scenarios(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.catalogue.command import run_scenarios_list

    return run_scenarios_list()


def add_validate_command(subparsers) -> None:
    """``youwei validate``: check a scenario file without running it."""
    parser = subparsers.add_parser("validate", help="check a scenario file without running it")
    parser.add_argument("scenario", type=Path, help="scenario TOML file")
    parser.set_defaults(handler=handle_validate)


def handle_validate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.catalogue.command import run_validate

    return run_validate(args.scenario)


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return int(text)


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return int(text)


COMMANDS: tuple[Callable[..., None], ...] = (
    add_allocate_command,
    add_run_command,
    add_compare_command,
    add_sweep_command,
    add_analyze_command,
    add_scenarios_command,
    add_validate_command,
)


if __name__ == "__main__":
    raise SystemExit(main())
