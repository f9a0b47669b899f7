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
    from experiments.allocate_cmd import run_allocate  # heavy imports only when used

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


COMMANDS: tuple[Callable[..., None], ...] = (add_allocate_command,)


if __name__ == "__main__":
    raise SystemExit(main())
