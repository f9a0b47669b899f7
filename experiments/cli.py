"""The ``youwei`` command line: parses arguments and calls one importable function per verb.

Each subcommand is an ``add_<verb>_command(subparsers)`` function that declares
its arguments and sets ``handler``, a function ``(args, argv) -> int`` calling
the verb's ``run_<verb>`` function. Add a verb by adding one such function to
``COMMANDS``.

Cheap to start: this module imports only the standard library at its top, and
a handler imports its command's module when that command runs, so ``youwei
--help``, ``validate``, ``scenarios`` and ``levers`` never load mesa, pandas,
pyarrow, scipy, pulp, highspy, SALib or matplotlib
(``tests/integration/test_cli_startup.py`` checks it in a subprocess). An
``add_<verb>_command`` may import a light module for its epilog, nothing heavier.

Threads: a command that computes lets BLAS and OpenMP use one thread per process
(numpy's OpenBLAS would otherwise spin a thread per core beside the model and the
solver), or ``YOUWEI_BLAS_THREADS`` threads when that environment variable is set
(an integer >= 1); worker processes follow the same setting.

Exit codes of ``youwei allocate``: 0 optimal; 2 bad input (one line on stderr,
nothing written); 3 rules infeasible as stated, relaxed proposal written; 4 time
limit hit, feasible proposal written; 5 no feasible proposal found, nothing written.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BACKENDS = ("fast", "pulp")
"""``optimize.proposal.Backend`` values (spelled out here so that --help imports nothing)."""

MAX_SEED = 2**63 - 1
"""``scenarios.schema.MAX_SEED``: results store the root seed as a signed 64-bit integer."""

DEFAULT_WORLD = "baseline"
"""The world ``youwei compare`` runs every package on unless told otherwise."""

COMPARE_EPILOG = """\
world:
  By default every scenario's policy package runs on ONE world, --world baseline
  (worlds/baseline.toml): its organisation, population, behaviour and history
  replace the scenario's own, so the comparison varies the policy alone.
  --world NAME|FILE picks another world; --world own keeps each scenario's own
  world (needed to compare worlds, e.g. peter_principle and peter_common_sense).

outputs in --out:
  series.parquet  one row per (scenario, replication, year), one column per metric
  summary.csv     per metric and scenario: final-year and whole-run means with 95%
                  intervals, and the paired difference from the first scenario
  manifest.json   the scenarios as resolved (and the world), seed, versions, command
  effort.png, efficiency.png, errors.png, promotion_shares.png, exits.png,
  differences.png, report.html

exit codes:
  0  compared
  2  bad input (a scenario that does not load, a bad --set, --world or option):
     one line per problem on stderr, nothing written
"""

ALLOCATE_EPILOG = """\
exit codes:
  0  optimal proposal written
  2  bad input: one line per problem on stderr, nothing written
  3  the rules as stated cannot all be met: the closest (relaxed) proposal is
     written and the report lists the rules it breaks
  4  time limit hit: a feasible proposal is written, with its gap
  5  no feasible proposal found within the time limit: nothing written

outputs in --out: proposal.xlsx (the moves with names and carried columns, the
shortlist, alternatives, why-not, and a 说明 sheet), report.html (one printable
page), report.md, proposal.csv (one row per move, exact values), proposal.json
(status, objective, shares, prices, alternatives, rules, provenance),
shortlist.csv with --shortlist, passed_over.csv, and model.lp with --export-lp.
The report is a draft for the party committee's collective decision.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``youwei`` with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already printed by argparse
        return stop.code if isinstance(stop.code, int) else 2
    if getattr(args, "computes", True) and not limit_threads():
        return 2
    try:
        return args.handler(args, argv)
    except BrokenPipeError:  # `youwei levers | head`: the reader left early; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def limit_threads() -> bool:
    """Let BLAS/OpenMP use one thread (or ``YOUWEI_BLAS_THREADS``) in this process and the
    workers it starts (``experiments.common.runner.limit_native_threads``); False, with
    one line on stderr, when ``YOUWEI_BLAS_THREADS`` is not an integer >= 1.

    Only for commands that compute: the runner's import would double the start-up of
    ``validate``, ``scenarios`` and ``levers`` (``computes=False``).
    """
    from experiments.common.errors import InputError
    from experiments.common.runner import blas_threads, limit_native_threads

    try:
        limit_native_threads(blas_threads())
    except InputError as error:
        print(f"youwei: error: {error}", file=sys.stderr)
        return False
    return True


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
    inputs.add_argument("--candidates", type=Path, required=True, metavar="FILE",
                        help="candidates (.csv in UTF-8 or GB18030, or .xlsx[#sheet]): "
                        "one row per candidate; Chinese headers accepted")
    inputs.add_argument("--posts", type=Path, required=True, metavar="FILE",
                        help="vacant posts, one row each")
    inputs.add_argument("--pools", type=Path, required=True, metavar="FILE",
                        help="rank-slot headroom per (pool, rank)")
    inputs.add_argument("--rules", type=Path, metavar="TOML",
                        help="rules.toml (default: the built-in rules)")
    inputs.add_argument("--fit", type=Path, metavar="FILE",
                        help="candidate-post fit (default: 1 for every pair)")
    inputs.add_argument("--conflicts", type=Path, metavar="FILE",
                        help="任职回避 pairs: a, b, kind (same_unit or supervise)")
    inputs.add_argument("--locks", type=Path, metavar="FILE",
                        help="decisions already taken: candidate, target, lock (must or forbid)")
    inputs.add_argument("--teams", type=Path, metavar="FILE",
                        help="current leadership team members: unit and attribute columns")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (created; a previous proposal there is replaced)")
    add_lang_option(parser, "report.html, report.md and proposal.xlsx")
    parser.add_argument("--alternatives", type=non_negative_int, default=0, metavar="N",
                        help="also write N further proposals (方案二 ...), each the best one "
                        "differing from all earlier ones (default: 0; ties are always reported)")
    parser.add_argument("--shortlist", type=non_negative_int, default=0, metavar="K",
                        help="差额 shortlist: the K best candidates for each post (default: 0)")
    parser.add_argument("--backend", choices=BACKENDS, default=BACKENDS[0],
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
        command=["youwei", *argv], conflicts=args.conflicts, locks=args.locks,
        teams=args.teams, lang=args.lang, alternatives=args.alternatives,
        shortlist=args.shortlist,
    )


def add_explain_command(subparsers) -> None:
    """``youwei explain``: what forcing a candidate in (or out) of a proposal would cost."""
    parser = subparsers.add_parser(
        "explain",
        help="what appointing (or not appointing) a candidate would cost, and who else moves",
        description="Re-solve a proposal written by youwei allocate with one candidate forced\n"
        "onto a post (or onto any move), or kept out with --out-of, and print the\n"
        "difference in total value and in moves. The input files named in the\n"
        "proposal's provenance are read again and must be unchanged.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("proposal", type=Path, metavar="PROPOSAL_DIR",
                        help="a folder written by youwei allocate")
    parser.add_argument("--candidate", required=True, metavar="ID", help="candidate id")
    parser.add_argument("--post", metavar="ID", help="post id (default: any move)")
    parser.add_argument("--out-of", action="store_true",
                        help="keep the candidate out (of the post, or of every move)")
    add_lang_option(parser, "the answer")
    parser.set_defaults(handler=handle_explain)


def handle_explain(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.allocation.explain_cmd import run_explain

    return run_explain(args.proposal, candidate=args.candidate, post=args.post,
                       into=not args.out_of, lang=args.lang)


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
    parser.add_argument("--seed", type=seed_int, metavar="S",
                        help="root seed (default: the scenario's)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (created; a previous run there is replaced)")
    parser.add_argument("--plot", action="store_true", help="also write PNG figures")
    add_set_option(parser)
    parser.set_defaults(handler=handle_run)


def handle_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    values = set_values(args.set)
    if values is None:
        return 2
    from experiments.simulation.run import run_run

    return run_run(args.scenario, years=args.years, seed=args.seed, out=args.out,
                   plot=args.plot, command=["youwei", *argv], values=values)


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE`` (repeatable): change a lever or uncertainty, validated."""
    parser.add_argument("--set", action="append", type=assignment, default=[],
                        metavar="PATH=VALUE",
                        help="set a lever or uncertainty, e.g. --set "
                        "policy.tolerance.excuse_rate=0.6 (repeatable; VALUE in TOML syntax, "
                        "a bare word is text; `youwei levers` lists the paths)")


def assignment(text: str) -> tuple[str, Any]:
    """argparse type: ``"policy.tolerance.excuse_rate=0.6"`` -> ``("policy...", 0.6)``.

    The value is read as a TOML value (``0.6``, ``3``, ``true``, ``[1, 0.5]``,
    ``{1 = 3}``, ``"merit"``); anything that is not one is taken as text
    (``merit``), so the schema's check names what was expected.
    """
    path, equals, raw = text.partition("=")
    if not equals or not path.strip() or not raw.strip():
        raise argparse.ArgumentTypeError(
            f"expected PATH=VALUE such as policy.tolerance.excuse_rate=0.6, got {text!r}")
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return path.strip(), value


def set_values(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any] | None:
    """The ``--set`` pairs as a dict; ``None`` (after one line on stderr) if a path repeats."""
    values: dict[str, Any] = {}
    for path, value in pairs:
        if path in values:
            print(f"youwei: error: --set {path}: given twice", file=sys.stderr)
            return None
        values[path] = value
    return values


def add_compare_command(subparsers) -> None:
    """``youwei compare``: policy packages on one world, replicated with common random numbers."""
    parser = subparsers.add_parser(
        "compare",
        help="compare policy packages on one world, with paired confidence intervals",
        description="Run each scenario's policy package on one world (--world, default\n"
        "baseline) for the same replications (replication k of every scenario uses the\n"
        "same seed) and compare them with paired 95% intervals.",
        epilog=COMPARE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenarios", nargs="+", help="scenario files or bundled names")
    parser.add_argument("--replications", type=positive_int, default=30, metavar="N",
                        help="replications per scenario (default: %(default)s)")
    parser.add_argument("--years", type=positive_int, metavar="N",
                        help="years to simulate (default: the scenarios')")
    parser.add_argument("--seed", type=seed_int, metavar="S",
                        help="root seed (default: the first scenario's)")
    add_executor_options(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (created; a previous comparison there is replaced)")
    parser.add_argument("--world", type=world_option, default=DEFAULT_WORLD,
                        metavar="NAME|FILE|own",
                        help="the world every package runs on: a bundled world, a world file, "
                        "or 'own' for each scenario's own (default: %(default)s)")
    add_set_option(parser)
    add_lang_option(parser, "report.html and its figures")
    parser.set_defaults(handler=handle_compare)


def handle_compare(args: argparse.Namespace, argv: Sequence[str]) -> int:
    values = set_values(args.set)
    if values is None:
        return 2
    from experiments.simulation.compare_cmd import run_compare

    return run_compare(args.scenarios, replications=args.replications, years=args.years,
                       seed=args.seed, out=args.out, workers=args.workers,
                       scheduler=args.scheduler, command=["youwei", *argv], values=values,
                       world=args.world, lang=args.lang)


def world_option(text: str) -> str | None:
    """argparse type of ``--world``: a world name or file, or ``None`` for ``own``."""
    return None if text == "own" else text


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
    add_executor_options(parser)
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
        "analyze", help="sensitivity analysis (Sobol or Morris) of a finished sweep",
        description="Compute Sobol or Morris sensitivity indices of every outcome of a\n"
        "finished sweep (its design decides which), with confidence intervals, and\n"
        "write them beside the sweep with figures.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a sweep folder written by youwei sweep")
    parser.set_defaults(handler=handle_analyze)


def handle_analyze(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.sweep.command import run_analyze

    return run_analyze(args.folder, command=["youwei", *argv])


def add_scenarios_command(subparsers) -> None:
    """``youwei scenarios``: the bundled scenario library, one line each."""
    parser = subparsers.add_parser(
        "scenarios", help="list the bundled scenarios",
        description="List the bundled scenario library, one line each: its name and the\n"
        "first sentence of its description. Worlds are in scenarios/worlds/, policy\n"
        "packages in scenarios/packages/.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(handler=handle_scenarios, computes=False)


def handle_scenarios(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.catalogue.command import run_scenarios_list

    return run_scenarios_list()


def add_validate_command(subparsers) -> None:
    """``youwei validate``: check a scenario file without running it."""
    parser = subparsers.add_parser(
        "validate", help="check a scenario file without running it",
        description="Load and validate a scenario file (its extends, world and package too)\n"
        "and print its name and hash; every problem (up to 20) is one line on stderr,\n"
        "exit code 2.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", type=Path, help="scenario TOML file")
    parser.set_defaults(handler=handle_validate, computes=False)


def handle_validate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.catalogue.command import run_validate

    return run_validate(args.scenario)


def add_robust_command(subparsers) -> None:
    """``youwei robust``: every policy package on every sampled world; regret and robustness."""
    from experiments.robust.command import __doc__ as robust_doc

    parser = subparsers.add_parser(
        "robust",
        help="test policy packages over sampled uncertain worlds: regret, robustness, report",
        description="Run every package of a robust spec on every sampled world (common random\n"
        "numbers), then write regret and robustness tables, figures and report.html.",
        epilog=robust_doc, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("spec", type=Path, help="robust spec (TOML)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="robust folder")
    add_executor_options(parser)
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted experiment in --out")
    add_lang_option(parser, "the report")
    parser.set_defaults(handler=handle_robust)


def handle_robust(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.robust.command import run_robust

    return run_robust(args.spec, out=args.out, workers=args.workers, scheduler=args.scheduler,
                      resume=args.resume, lang=args.lang, command=["youwei", *argv])


def add_discover_command(subparsers) -> None:
    """``youwei discover``: PRIM boxes where an outcome fails, in a robust or sweep folder."""
    from experiments.discover.command import __doc__ as discover_doc

    parser = subparsers.add_parser(
        "discover",
        help="scenario discovery (PRIM): where in the uncertainties an outcome fails",
        description="Find the box of uncertainties (and levers) where an outcome is below or\n"
        "above a value, with PRIM, in a finished robust or sweep folder.",
        epilog=discover_doc, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("folder", type=Path, help="a robust or sweep folder")
    parser.add_argument("--outcome", required=True, metavar="NAME", help="an output of the runs")
    side = parser.add_mutually_exclusive_group(required=True)
    side.add_argument("--below", type=float, metavar="VALUE",
                      help="cases of interest: the outcome below VALUE")
    side.add_argument("--above", type=float, metavar="VALUE",
                      help="cases of interest: the outcome above VALUE")
    parser.add_argument("--package", metavar="NAME",
                        help="robust folders: the package (default: the first)")
    add_lang_option(parser, "report.html and its figure")
    parser.set_defaults(handler=handle_discover)


def add_search_command(subparsers) -> None:
    """``youwei search``: multi-objective policy search over lever ranges under a budget."""
    from experiments.search.command import __doc__ as search_doc

    parser = subparsers.add_parser(
        "search",
        help="search lever ranges for the Pareto set of policies (optuna), under a budget",
        description="Search the levers of a search spec with optuna (TPE, or NSGA-II), each\n"
        "candidate run on the same sampled worlds; write the Pareto set, a figure and\n"
        "report.html.",
        epilog=search_doc, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("spec", type=Path, help="search spec (TOML)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="search folder")
    add_executor_options(parser)
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted search in --out (its study.db)")
    add_lang_option(parser, "the report")
    parser.set_defaults(handler=handle_search)


def handle_search(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.search.command import run_search

    return run_search(args.spec, out=args.out, workers=args.workers, scheduler=args.scheduler,
                      resume=args.resume, lang=args.lang, command=["youwei", *argv])


def handle_discover(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.discover.command import run_discover

    return run_discover(args.folder, outcome=args.outcome, below=args.below, above=args.above,
                        package=args.package, lang=args.lang, command=["youwei", *argv])


def add_calibrate_command(subparsers) -> None:
    """``youwei calibrate``: fit a scenario's free parameters to the articles' counts."""
    from experiments.calibration.command import __doc__ as calibrate_doc

    parser = subparsers.add_parser(
        "calibrate",
        help="fit a scenario's free parameters to the seed articles' counts",
        description="Fit the free parameters of a targets file by simulated method of moments\n"
        "on common random numbers, and write each target against the model.",
        epilog=calibrate_doc, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", help="scenario file, or the name of a bundled scenario")
    parser.add_argument("--targets", type=Path, required=True, metavar="FILE",
                        help="targets file (e.g. scenarios/targets/zhangdian.toml)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (a folder with this calibration's journal resumes)")
    parser.add_argument("--seeds", type=positive_int, metavar="N",
                        help="replications per evaluation (default: the targets file's)")
    parser.add_argument("--design", type=positive_int, default=8, metavar="N",
                        help="Sobol design points before the local search (default 8)")
    parser.add_argument("--refine", type=non_negative_int, default=24, metavar="N",
                        help="local-search evaluations at most (default 24)")
    parser.add_argument("--method", choices=("nelder-mead", "powell"), default="nelder-mead",
                        help="local search after the design (default nelder-mead)")
    parser.add_argument("--seed", type=seed_int, default=20170410, metavar="S",
                        help="root seed of the replications and the design")
    add_executor_options(parser)
    parser.set_defaults(handler=handle_calibrate)


def handle_calibrate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.calibration.command import run_calibrate

    return run_calibrate(args.scenario, targets=args.targets, out=args.out, seeds=args.seeds,
                         design=args.design, refine=args.refine, seed=args.seed,
                         method=args.method, workers=args.workers, scheduler=args.scheduler,
                         command=["youwei", *argv])


def add_validate_model_command(subparsers) -> None:
    """``youwei validate-model``: the validation report (facts, targets, Peter, stationarity,
    robustness) in one folder."""
    parser = subparsers.add_parser(
        "validate-model",
        help="write the model's validation report (validation.md, validation.zh.md, "
             "validation.json)",
        description="Run the stylised facts, every calibration target, the Peter table, the\n"
        "stationarity check and the robustness of the package rankings over the\n"
        "assumption ranges, and write validation.md (English), validation.zh.md\n"
        "(Chinese) and validation.json.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (validation.md, validation.zh.md and "
                             "validation.json are replaced)")
    parser.add_argument("--seeds", type=positive_int, metavar="N",
                        help="replications per scenario in the facts, targets and the "
                        "robustness table's nominal point (default 20; >= 2)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke-test sizes: few seeds, runs and years (not evidence)")
    executor = parser.add_mutually_exclusive_group()
    executor.add_argument("--workers", type=positive_int, metavar="N",
                          help="local worker processes (default: the number of cores)")
    executor.add_argument("--scheduler", metavar="ADDRESS",
                          help="run on a Dask distributed cluster (e.g. tcp://host:8786)")
    parser.set_defaults(handler=handle_validate_model)


def handle_validate_model(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.validation.command import run_validate_model

    return run_validate_model(args.out, seeds=args.seeds, workers=args.workers,
                              scheduler=args.scheduler, quick=args.quick,
                              command=["youwei", *argv])


def add_levers_command(subparsers) -> None:
    """``youwei levers [SCENARIO]``: every lever and uncertainty, with its value in a scenario."""
    parser = subparsers.add_parser(
        "levers", help="list every lever and uncertainty, with its meaning and value",
        description="List every field of a scenario: its dotted path (for --set), kind\n"
        "(lever: what the government chooses; uncertainty: what the world does;\n"
        "setting), meaning, unit, allowed range, default, and its value in SCENARIO\n"
        "(default: baseline). Fields whose value differs from the default are marked *.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default="baseline",
                        help="scenario file or bundled name (default: %(default)s)")
    add_lang_option(parser, "the meanings")
    parser.add_argument("--kind", choices=("lever", "uncertainty", "setting", "all"),
                        default="all", help="list only fields of this kind (default: all)")
    parser.add_argument("--format", choices=("table", "csv"), default="table",
                        help="an aligned table, or CSV with the source of every field")
    parser.set_defaults(handler=handle_levers, computes=False)


def handle_levers(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from experiments.catalogue.command import run_levers

    return run_levers(args.scenario, lang=args.lang, kind=args.kind, fmt=args.format)


def seed_int(text: str) -> int:
    """argparse type: a root seed, an integer in [0, 2**63 - 1]."""
    value = non_negative_int(text)
    if value > MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed in [0, 2**63 - 1], got {text!r}")
    return value


def add_lang_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--lang zh|en`` (default zh: the users are Chinese) for ``what`` a command writes."""
    parser.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help=f"language of {what} (default: %(default)s)")


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """``--workers N`` or ``--scheduler ADDRESS``: where runs execute (``common.runner``)."""
    executor = parser.add_mutually_exclusive_group()
    executor.add_argument("--workers", type=positive_int, metavar="N",
                          help="local worker processes (default: the number of cores; "
                          "1 runs in this process)")
    executor.add_argument("--scheduler", metavar="ADDRESS",
                          help="run on a Dask distributed cluster (e.g. tcp://host:8786)")


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
    add_explain_command,
    add_run_command,
    add_compare_command,
    add_sweep_command,
    add_analyze_command,
    add_scenarios_command,
    add_validate_command,
    add_levers_command,
    add_robust_command,
    add_discover_command,
    add_search_command,
    add_calibrate_command,
    add_validate_model_command,
)


if __name__ == "__main__":
    raise SystemExit(main())
