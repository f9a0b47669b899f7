"""Write a proposal: ``proposal.csv/json/xlsx``, ``report.html/md`` and the tables beside them.

The reading side is ``experiments.allocation.io``; what the reports say is
assembled in ``document`` and drawn in ``render``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from experiments.allocation.display import Display, empty_display
from experiments.allocation.report import moves_table
from experiments.common.provenance import (
    atomic_dir,
    check_out_dir,
    command_line,
    software_versions,
    to_json_safe,
)
from optimize.problem import AllocationProblem
from optimize.proposal import Proposal

OUTPUT_FILES = ("proposal.csv", "proposal.json", "proposal.xlsx", "report.html", "report.md",
                "shortlist.csv", "passed_over.csv", "model.lp")
"""The files ``write_proposal`` may write; a folder holding only these may be replaced."""

SOFTWARE = ("youwei", "numpy", "pandas", "scipy", "highspy", "pulp", "pydantic", "openpyxl")


def run_provenance(inputs: dict, command: Sequence[str] | None) -> dict:
    """Complete the reader's provenance with the command line and software versions.

    No timestamp: the same command on the same files gives the same provenance.
    """
    return {**inputs, "command": command_line(command),
            "software": software_versions(SOFTWARE)}


def write_proposal(
    out_dir: Path,
    problem: AllocationProblem,
    proposal: Proposal,
    provenance: dict,
    *,
    export_lp: bool = False,
    display: Display | None = None,
    lang: str = "zh",
) -> None:
    """Write the proposal's files atomically (see ``OUTPUT_FILES``).

    ``proposal.csv`` (every move, exact values, carried columns), ``proposal.json``
    (status, objective, shares, prices, alternatives, rules, provenance),
    ``proposal.xlsx``, ``report.html`` and ``report.md`` (for people, in
    ``lang``), ``shortlist.csv`` and ``passed_over.csv`` when the proposal has
    them, and ``model.lp`` with ``export_lp``. The files go into a temporary
    sibling folder that is renamed to ``out_dir`` once complete; on any error
    ``out_dir`` is left as it was.

    Raises
    ------
    InputError
        ``out_dir`` is a file or holds files youwei did not write.
    """
    from experiments.allocation.document import build_document
    from experiments.allocation.render import render_html, render_markdown, write_xlsx

    display = display or empty_display(problem)
    check_out_dir(out_dir, OUTPUT_FILES, "a previous proposal")
    with atomic_dir(out_dir) as staging:
        write_proposal_csv(staging / "proposal.csv", problem, proposal, display)
        write_proposal_json(staging / "proposal.json", problem, proposal, provenance)
        document = build_document(problem, proposal, display, provenance, lang)
        (staging / "report.md").write_text(render_markdown(document), encoding="utf-8")
        (staging / "report.html").write_text(render_html(document), encoding="utf-8")
        write_xlsx(staging / "proposal.xlsx", document)
        if proposal.shortlist:
            write_csv(staging / "shortlist.csv", shortlist_table(problem, proposal, display))
        if proposal.passed_over:
            write_csv(staging / "passed_over.csv",
                      passed_over_table(problem, proposal, display))
        if export_lp:
            write_model_lp(staging / "model.lp", problem)


def write_csv(path: Path, table) -> None:
    """UTF-8 with BOM (Excel opens it as Unicode); text cells neutralised for Excel."""
    import pandas as pd

    from experiments.allocation.render import safe_cell

    safe = table.apply(lambda column: column if pd.api.types.is_numeric_dtype(column)
                       or pd.api.types.is_bool_dtype(column) else column.map(safe_cell))
    safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def write_proposal_csv(path: Path, problem: AllocationProblem, proposal: Proposal,
                       display: Display | None = None) -> None:
    """One row per move (``MOVE_COLUMNS``, then the post title and the carried columns);
    floats round-trip (shortest repr)."""
    display = display or empty_display(problem)
    table = moves_table(problem, proposal)
    cand = np.asarray(proposal.moves.candidate, np.int64)
    target = np.asarray(proposal.moves.target, np.int64)
    is_post = proposal.moves.is_post
    titles = np.full(len(cand), "", object)
    if len(display.post_title):
        titles[is_post] = display.post_title[target[is_post]]
    table["target_title"] = titles
    for name, values in display.candidate_columns.items():
        if name not in table.columns:
            table[name] = values[cand]
    write_csv(path, table)


PEOPLE_DECIMALS = 2
"""Decimals of the values in the tables people read (shortlist, passed over); the exact
values stay in ``proposal.csv`` and ``proposal.json``."""


def shortlist_table(problem: AllocationProblem, proposal: Proposal, display: Display):
    import pandas as pd

    s = proposal.shortlist
    cand = np.array([e.candidate for e in s], np.int64)
    return pd.DataFrame({
        "post": problem.posts.id[[e.post for e in s]],
        "candidate": problem.candidates.id[cand],
        "name": display.name[cand] if len(display.name) else "",
        "holder": [int(e.holder) for e in s],
        "score": problem.candidates.score[cand],
        "value": [e.value for e in s],
        "loss": [e.loss for e in s],
    }).round(PEOPLE_DECIMALS)


def passed_over_table(problem: AllocationProblem, proposal: Proposal, display: Display):
    import pandas as pd

    items = proposal.passed_over
    cand = np.array([x.candidate for x in items], np.int64)
    holder = np.array([x.holder for x in items], np.int64)
    return pd.DataFrame({
        "post": problem.posts.id[[x.post for x in items]],
        "holder": problem.candidates.id[holder],
        "holder_score": problem.candidates.score[holder],
        "candidate": problem.candidates.id[cand],
        "name": display.name[cand] if len(display.name) else "",
        "score": problem.candidates.score[cand],
        "reason": [x.reason for x in items],
        "value": [x.value for x in items],
        "holder_value": [x.holder_value for x in items],
        "loss": [x.loss for x in items],
        "binding": [" ".join(x.binding) for x in items],
    }).round(PEOPLE_DECIMALS)


def write_proposal_json(
    path: Path, problem: AllocationProblem, proposal: Proposal, provenance: dict
) -> None:
    text = json.dumps(proposal_summary(problem, proposal, provenance), indent=2,
                      ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def proposal_summary(problem: AllocationProblem, proposal: Proposal, provenance: dict) -> dict:
    """The content of ``proposal.json``: status, objective, shares, prices, rules, provenance.

    Non-finite floats become ``None`` (JSON has no inf/nan).
    """
    is_post = proposal.moves.is_post
    summary = {
        "status": proposal.status.value,
        "objective": proposal.objective,
        "bound": proposal.bound,
        "gap": proposal.gap,
        "solve_seconds": proposal.solve_seconds,
        "backend": proposal.backend.value,
        "method": proposal.method,
        "n_variables": proposal.n_variables,
        "n_constraints": proposal.n_constraints,
        "n_moves": {"post": int(is_post.sum()), "rank": int((~is_post).sum())},
        "shares": [dataclasses.asdict(s) for s in proposal.explanation.shares],
        "prices": [dataclasses.asdict(p) for p in proposal.prices],
        "relaxations": [dataclasses.asdict(r) for r in proposal.relaxations],
        "alternatives": [alternative_summary(problem, a) for a in proposal.alternatives],
        "binding": list(proposal.binding),
        "rules": problem.rules.model_dump(mode="json"),
        "provenance": provenance,
    }
    return to_json_safe(summary)


def alternative_summary(problem: AllocationProblem, alternative) -> dict:
    """An alternative with its moves by id: ``{"objective", "loss", "added", "removed"}``."""
    def refs(moves):
        return [{"candidate": str(problem.candidates.id[m.candidate]), "kind": m.kind.value,
                 "target": str(problem.posts.id[m.target]) if m.kind.value == "post"
                 else problem.pool_names[int(problem.pools.pool[m.target])],
                 **({} if m.kind.value == "post" else
                    {"rank": int(problem.pools.rank[m.target])})} for m in moves]

    return {"objective": alternative.objective, "loss": alternative.loss,
            "added": refs(alternative.added), "removed": refs(alternative.removed)}


def write_model_lp(path: Path, problem: AllocationProblem) -> None:
    """Write the named pulp model of ``problem`` in LP format (for inspection or other solvers)."""
    from optimize.pulp_model import build_pulp_model, write_lp  # pulp only for the export

    write_lp(build_pulp_model(problem), path)
