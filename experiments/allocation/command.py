"""``youwei allocate``: read the input files, allocate posts and rank slots, write the proposal.

Exit codes
----------
0  optimal proposal written.
2  bad input (or an unusable ``--out`` folder): one line on stderr starting
   with ``youwei: error:``, nothing written.
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

from experiments.allocation.io import (
    OUTPUT_FILES,
    read_allocation_inputs,
    run_provenance,
    write_proposal,
)
from experiments.allocation.report import percent
from experiments.common.errors import InputError
from experiments.common.provenance import check_out_dir
from optimize import AllocationError, allocate
from optimize.problem import AllocationProblem
from optimize.proposal import Backend, Proposal, SolveStatus


class ExitCode(IntEnum):
    """Process exit codes of ``youwei allocate`` (see the module docstring)."""

    OPTIMAL = 0
    BAD_INPUT = 2
    RELAXED = 3
    TIME_LIMIT = 4
    NO_PROPOSAL = 5


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

    Returns
    -------
    int
        An ``ExitCode``.
    """
    out = Path(out)
    try:
        check_out_dir(out, OUTPUT_FILES, "a previous proposal")
        problem, inputs = read_allocation_inputs(candidates, posts, pools, rules, fit)
    except InputError as error:
        return report_error(str(error), ExitCode.BAD_INPUT)
    try:
        proposal = allocate(problem, backend=Backend(backend), time_limit=time_limit,
                            explain=True)
    except AllocationError as error:
        return report_error(str(error) or "no feasible proposal found",
                            ExitCode.NO_PROPOSAL)
    try:
        write_proposal(out, problem, proposal, run_provenance(inputs, command),
                       export_lp=export_lp)
    except InputError as error:
        return report_error(str(error), ExitCode.BAD_INPUT)
    except OSError as error:
        return report_error(f"cannot write {out}: {error.strerror or error}",
                            ExitCode.BAD_INPUT)
    print(console_summary(problem, proposal, out, export_lp=export_lp))
    return EXIT_BY_STATUS[proposal.status]


def report_error(message: str, code: ExitCode) -> int:
    """Print ``youwei: error: <message>`` as one line on stderr and return ``code``."""
    print(f"youwei: error: {' '.join(message.split())}", file=sys.stderr)
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
    files = "proposal.csv, proposal.json, report.md" + (", model.lp" if export_lp else "")
    lines.append(f"wrote {out} ({files})")
    return "\n".join(lines)
