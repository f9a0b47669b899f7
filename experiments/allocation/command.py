"""``youwei allocate``: read the input files, allocate posts and rank slots, write the proposal.

Exit codes
----------
0  optimal proposal written.
2  bad input (or an unusable ``--out`` folder): one line per problem on stderr
   starting with ``youwei: error:``, nothing written.
3  the rules as stated cannot all be met: the closest (relaxed) proposal is
   written and ``report.md`` lists the rules it breaks.
4  the time limit was hit: a feasible proposal is written with its gap.
5  no feasible proposal was found (within the time limit): nothing written.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path

from experiments.allocation.io import read_allocation_files
from experiments.allocation.output import OUTPUT_FILES, run_provenance, write_proposal
from experiments.allocation.report import percent
from experiments.allocation.tables import InputErrors
from experiments.common.errors import InputError
from experiments.common.folders import check_out_folder, clean_stale_staging
from optimize import AllocationError, allocate
from optimize.problem import AllocationProblem, ProblemError
from optimize.proposal import Backend, Proposal, SolveStatus


class ExitCode(IntEnum):
    """Process exit codes of ``youwei allocate`` (see the module docstring)."""

    OPTIMAL = 0
    BAD_INPUT = 2
    RELAXED = 3
    TIME_LIMIT = 4
    NO_PROPOSAL = 5


EXTRAS_MAX_CANDIDATES = 2_000
"""Up to this many candidates, ties (one alternative) and "why not this person" are always
computed; above it (a whole province's roster), only what ``--alternatives`` asks for: each
is a further solve of the whole program."""

EXIT_BY_STATUS = {
    SolveStatus.OPTIMAL: ExitCode.OPTIMAL,
    SolveStatus.RELAXED: ExitCode.RELAXED,
    SolveStatus.TIME_LIMIT: ExitCode.TIME_LIMIT,
}


def run_allocate(
    candidates: Path,
    posts: Path,
    pools: Path,
    *,
    out: Path,
    rules: Path | None = None,
    fit: Path | None = None,
    backend: Backend | str = Backend.FAST,
    time_limit: float | None = None,
    export_lp: bool = False,
    command: Sequence[str] | None = None,
    conflicts: Path | None = None,
    locks: Path | None = None,
    teams: Path | None = None,
    lang: str = "zh",
    alternatives: int = 0,
    shortlist: int = 0,
) -> int:
    """Run one allocation from files to files, print a short summary, return the exit code.

    Parameters
    ----------
    candidates, posts, pools, rules, fit : Path
        Input files (see ``experiments.allocation.io``); ``rules`` and ``fit`` optional.
    out : Path
        Output folder: created, or replaced if it holds a previous proposal.
    backend : Backend or str
        ``"fast"`` (numpy/scipy + HiGHS) or ``"pulp"`` (named pulp model + HiGHS).
    time_limit : float, optional
        Solver time limit in seconds (> 0); none by default.
    export_lp : bool
        Also write ``model.lp``.
    command : sequence of str, optional
        The command line, recorded in the provenance.
    conflicts, locks, teams : Path, optional
        任职回避 pairs, decisions already taken, current leadership teams.
    lang : str
        ``"zh"`` (default) or ``"en"``: the language of report.md/html and proposal.xlsx.
    alternatives : int
        Further proposals to write (方案二 ...); one is always computed to detect ties.
    shortlist : int
        Candidates per post on the 差额 shortlist (0: none).

    Returns
    -------
    int
        An ``ExitCode``.
    """
    out = Path(out)
    try:
        clean_stale_staging(out)  # what a killed run left beside --out
        check_out_folder(out, "proposal", manifest="proposal.json", files=OUTPUT_FILES,
                         recognise=is_proposal)
        inputs = read_allocation_files(candidates, posts, pools, rules=rules, fit=fit,
                                       conflicts=conflicts, locks=locks, teams=teams)
    except InputError as error:
        return report_error(error, ExitCode.BAD_INPUT)
    except ProblemError as error:  # numbers out of the solver's safe range, or too large
        return report_error(str(error), ExitCode.BAD_INPUT)
    for notice in inputs.notices:
        print(f"youwei: notice: {notice}", file=sys.stderr)
    problem = inputs.problem
    small = problem.n_candidates <= EXTRAS_MAX_CANDIDATES
    try:
        proposal = allocate(problem, backend=Backend(backend), time_limit=time_limit,
                            explain=True, alternatives=max(int(small), alternatives),
                            shortlist=shortlist, passed_over=small)
    except AllocationError as error:
        return report_error(str(error) or "no feasible proposal found",
                            ExitCode.NO_PROPOSAL)
    except ProblemError as error:  # too large for memory (checked on the program to build)
        return report_error(str(error), ExitCode.BAD_INPUT)
    written = proposal if alternatives else only_ties(proposal)
    try:
        write_proposal(out, problem, written, run_provenance(inputs.provenance, command),
                       export_lp=export_lp, display=inputs.display, lang=lang)
    except InputError as error:
        return report_error(str(error), ExitCode.BAD_INPUT)
    except OSError as error:
        return report_error(f"cannot write {out}: {error.strerror or error}",
                            ExitCode.BAD_INPUT)
    print(console_summary(problem, proposal, out, export_lp=export_lp))
    return EXIT_BY_STATUS[proposal.status]


def only_ties(proposal: Proposal) -> Proposal:
    """The proposal with only the alternatives that tie with it (when none were asked for)."""
    import dataclasses

    return dataclasses.replace(
        proposal, alternatives=tuple(a for a in proposal.alternatives if a.is_tie))


def is_proposal(data: dict) -> bool:
    """Whether ``proposal.json`` is one ``youwei allocate`` wrote (status, objective, rules,
    and a provenance with software versions): only then is ``--out`` a previous proposal."""
    provenance = data.get("provenance")
    return ({"status", "objective", "rules", "provenance"} <= data.keys()
            and isinstance(provenance, dict) and isinstance(provenance.get("software"), dict))


def report_error(error: str | InputError, code: ExitCode) -> int:
    """Print ``youwei: error: <problem>``, one line per problem, on stderr; return ``code``."""
    lines = error.lines() if isinstance(error, InputErrors) else [str(error)]
    for line in lines:
        print(f"youwei: error: {' '.join(line.split())}", file=sys.stderr)
    return code


def console_summary(
    problem: AllocationProblem, proposal: Proposal, out: Path, *, export_lp: bool = False
) -> str:
    """A few lines for the terminal: status, objective, moves, shares, output folder."""
    is_post = proposal.moves.is_post
    lines = [
        f"status: {proposal.status.value}",
        f"objective: {proposal.objective:,.6g} (bound {proposal.bound:,.6g}, "
        f"gap {percent(proposal.gap, digits=2)}, {proposal.solve_seconds:.2f} s, "
        f"{proposal.backend.value})",
        f"moves: {int(is_post.sum()):,} of {problem.n_posts:,} posts filled, "
        f"{int((~is_post).sum()):,} rank promotions",
    ]
    lines += [f"{s.rule}: {percent(s.achieved)} ({s.count:,} of {s.of:,}; "
              f"target at least {percent(s.target)})" for s in proposal.explanation.shares]
    if proposal.relaxations:
        lines.append("rules that cannot be met:")
        lines += [f"  - {r.text or r.rule}" for r in proposal.relaxations]
    files = "proposal.xlsx, report.html, report.md, proposal.csv, proposal.json" + (
        ", model.lp" if export_lp else "")
    lines.append(f"wrote {out} ({files})")
    return "\n".join(lines)
