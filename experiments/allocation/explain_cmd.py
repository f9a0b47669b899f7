"""``youwei explain PROPOSAL_DIR --candidate ID [--post ID] [--out-of]``.

Re-reads the input files named in the proposal's provenance (their SHA-256
must match: the answer is about that proposal), solves again, then solves with
the candidate forced onto the post (or onto any move), or kept out with
``--out-of``, and prints what it would cost and who else moves.

Exit codes: 0 answered (including "not possible": that is an answer); 2 bad
input (no proposal there, a changed input file, an unknown id).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from experiments.allocation.command import ExitCode, report_error
from experiments.allocation.document import Namer, change_text, ineligible_reasons, number, t
from experiments.allocation.io import read_allocation_files
from experiments.common.errors import InputError
from optimize import alternatives as alt
from optimize.allocate import AllocationError, move_refs, solve_formulation
from optimize.proposal import Alternative, Backend

ROLES = ("candidates", "posts", "pools", "rules", "fit", "conflicts", "locks", "teams")


def run_explain(proposal_dir: Path, *, candidate: str, post: str | None = None,
                into: bool = True, lang: str = "zh") -> int:
    """Print the answer; return an ``ExitCode``."""
    try:
        paths, backend = recorded_inputs(Path(proposal_dir))
        inputs = read_allocation_files(**paths)
        problem = inputs.problem
        i = index_of(problem.candidates.id.tolist(), candidate, "--candidate", "candidate")
        j = None if post is None else index_of(problem.posts.id.tolist(), post, "--post",
                                                "post")
    except InputError as error:
        return report_error(error, ExitCode.BAD_INPUT)
    try:
        form, result, _, _ = solve_formulation(problem, Backend(backend))
    except AllocationError as error:
        return report_error(str(error), ExitCode.NO_PROPOSAL)
    namer = Namer(problem, inputs.display, lang)
    change = alt.force(form, result.x, i, post=j, into=into)
    print(answer(problem, form, result.objective, change, namer, i, j, into))
    return ExitCode.OPTIMAL


def recorded_inputs(folder: Path) -> tuple[dict, str]:
    """The input paths of a proposal (checked unchanged) and its backend."""
    summary_path = folder / "proposal.json"
    if not summary_path.is_file():
        raise InputError(folder, "a folder written by youwei allocate",
                         reason=f"no proposal.json in {folder}")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    recorded = (summary.get("provenance") or {}).get("inputs") or {}
    paths = {}
    for role in ROLES:
        info = recorded.get(role)
        if info is None:
            continue
        path = Path(info["path"])
        file = Path(f"{path}#{info['sheet']}") if info.get("sheet") else path
        if not path.is_file():
            raise InputError(path, "the input file of the proposal",
                             reason=f"the {role} file of the proposal is gone: {path}")
        if hashlib.sha256(path.read_bytes()).hexdigest() != info["sha256"]:
            raise InputError(path, "the input file of the proposal, unchanged",
                             reason="changed since the proposal was made (SHA-256 differs): "
                             "allocate again first")
        paths[role] = file
    return paths, summary.get("backend", "fast")


def index_of(ids: list[str], wanted: str, option: str, what: str) -> int:
    try:
        return ids.index(wanted)
    except ValueError:
        raise InputError(option, f"a {what} id of the proposal",
                         reason=f"no {what} {wanted!r} in the proposal's input files") from None


def answer(problem, form, objective, change, namer: Namer, i: int, j: int | None,
           into: bool) -> str:
    lang = namer.lang
    who = namer.person(i)
    target = namer.post(j) if j is not None else t("any_move", lang)
    question = t("explain_in" if into else "explain_out", lang, who=who, target=target)
    if not change.feasible:
        reasons = ineligible_reasons(problem, i, j, namer) if into and j is not None else []
        if reasons:
            joined = t("list_sep", lang).join(reasons)
            return f"{question}\n{t('explain_ineligible', lang, reasons=joined)}"
        return f"{question}\n{t('explain_impossible', lang)}"
    alternative = Alternative(change.objective, change.loss, move_refs(form, change.added),
                              move_refs(form, change.removed))
    lines = [question, t("explain_cost", lang, before=number(objective),
                         after=number(change.objective), loss=number(change.loss))]
    if alternative.added or alternative.removed:
        lines.append(t("explain_changes", lang, changes=change_text(alternative, namer)))
    else:
        lines.append(t("explain_no_change", lang))
    return "\n".join(lines)

