"""The allocation proposal as tables and as a Markdown report for a department meeting.

``moves_table`` is the content of ``proposal.csv``; ``render_report`` the
content of ``report.md``: status, the rules that could not be met, a summary,
every move, who got each post and who came next, strong candidates left out
and why, and what each binding rule or quota costs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimize.problem import AllocationProblem
from optimize.proposal import Price, Proposal, SolveStatus

MOVE_COLUMNS = (
    "candidate", "kind", "target", "target_unit", "level", "rank_to", "value", "score",
    "frontline_factor", "hardship_factor", "weight", "fit", "unit", "frontline", "young", "age",
)
POSTS_SHOWN_MAX = 200
PRICES_SHOWN_MAX = 100

_STATUS_TEXT = {
    SolveStatus.OPTIMAL: (
        "**Status: optimal.** No other allocation that meets every rule has a higher "
        "total value."
    ),
    SolveStatus.RELAXED: (
        "**Status: relaxed — the rules as stated cannot all be met.** This is the closest "
        "allocation that can be made: it breaks as few rules as possible (listed below), "
        "then has the highest total value."
    ),
    SolveStatus.TIME_LIMIT: (
        "**Status: time limit reached.** The solver stopped before proving this allocation "
        "the best; the gap below bounds how much better one could be."
    ),
}


def moves_table(problem: AllocationProblem, proposal: Proposal) -> pd.DataFrame:
    """One row per move, posts first, with the columns ``MOVE_COLUMNS``.

    ``target`` is the post id (post moves) or the pool name (rank moves);
    ``target_unit`` and ``level`` are empty for rank moves, ``rank_to`` for post
    moves; ``young`` is ``age <= rules.targets.young_age_max``.
    """
    m, c, p, q = proposal.moves, problem.candidates, problem.posts, problem.pools
    cand = np.asarray(m.candidate, np.int64)
    target = np.asarray(m.target, np.int64)
    is_post = m.is_post
    unit_names = np.asarray(problem.unit_names, dtype=object)
    pool_names = np.asarray(problem.pool_names, dtype=object)
    pool_of_row = pick(pool_names[q.pool] if len(q) else q.pool, target, ~is_post)
    return pd.DataFrame({
        "candidate": c.id[cand],
        "kind": [k.value for k in m.kind],
        "target": np.where(is_post, pick(p.id, target, is_post), pool_of_row),
        "target_unit": pick(unit_names[p.unit] if len(p) else p.unit, target, is_post),
        "level": pick(p.level, target, is_post),
        "rank_to": pick(q.rank, target, ~is_post),
        "value": np.asarray(m.value, float),
        "score": np.asarray(m.score, float),
        "frontline_factor": np.asarray(m.frontline_factor, float),
        "hardship_factor": np.asarray(m.hardship_factor, float),
        "weight": np.asarray(m.weight, float),
        "fit": np.asarray(m.fit, float),
        "unit": unit_names[c.unit[cand]],
        "frontline": c.frontline[cand].astype(np.int64),
        "young": young(problem)[cand].astype(np.int64),
        "age": c.age[cand],
    }, columns=list(MOVE_COLUMNS))


def pick(values: np.ndarray, index: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values[index]`` as text where ``mask``, empty text elsewhere, ``(k,) object``."""
    out = np.full(len(index), "", dtype=object)
    out[mask] = [str(v) for v in values[index[mask]]]
    return out


def young(problem: AllocationProblem) -> np.ndarray:
    """``(n_candidates,) bool``: age at most ``rules.targets.young_age_max``."""
    return problem.candidates.age <= problem.rules.targets.young_age_max


# --------------------------------------------------------------------------- report


def render_report(problem: AllocationProblem, proposal: Proposal, provenance: dict) -> str:
    """The Markdown report of one proposal.

    Parameters
    ----------
    provenance : dict
        ``{"inputs": {role: {"file", "sha256", ...} or None}, "command": [...],
        "software": {name: version}}``; missing parts are left out.
    """
    sections = [
        "# Allocation proposal",
        _STATUS_TEXT[proposal.status],
        relaxations_section(proposal),
        summary_section(problem, proposal),
        shares_section(proposal),
        moves_section(problem, proposal),
        posts_section(problem, proposal),
        left_out_section(problem, proposal),
        prices_section(proposal),
        provenance_section(provenance),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def relaxations_section(proposal: Proposal) -> str:
    if proposal.status is not SolveStatus.RELAXED and not proposal.relaxations:
        return ""
    lines = ["## Rules that cannot be met", "",
             "> **The rules as stated cannot all be met.** The proposal below breaks these:", ">"]
    lines += [f"> - {r.text or f'{r.rule} (shortfall {number(r.shortfall)})'}"
              for r in proposal.relaxations]
    if not proposal.relaxations:
        lines.append("> - (the solver reported no details)")
    return "\n".join(lines)


def summary_section(problem: AllocationProblem, proposal: Proposal) -> str:
    is_post = proposal.moves.is_post
    n_post, n_rank = int(is_post.sum()), int((~is_post).sum())
    rows = [
        ("Total value (objective)", number(proposal.objective)),
        ("Best possible (bound)", number(proposal.bound)),
        ("Gap", percent(proposal.gap, digits=2)),
        ("Solve time", f"{proposal.solve_seconds:.2f} s "
                       f"(backend {proposal.backend.value}, {proposal.method})"),
        ("Candidates", f"{problem.n_candidates:,}"),
        ("Posts filled", f"{n_post:,} of {problem.n_posts:,} vacant posts"),
        ("Rank promotions", f"{n_rank:,} of {int(problem.pools.headroom.sum()):,} slots"),
        ("Program size", f"{proposal.n_variables:,} variables, "
                         f"{proposal.n_constraints:,} constraints"),
    ]
    return "## Summary\n\n" + markdown_table(("Measure", "Value"), rows)


def shares_section(proposal: Proposal) -> str:
    shares = proposal.explanation.shares
    if not shares:
        return ""
    rows = [(s.rule, percent(s.achieved), percent(s.target), f"{s.count:,} of {s.of:,}")
            for s in shares]
    return "## Composition of the moves\n\n" + markdown_table(
        ("Rule", "Achieved", "Target (at least)", "Count"), rows)


def moves_section(problem: AllocationProblem, proposal: Proposal) -> str:
    table = moves_table(problem, proposal)
    if len(table) == 0:
        return "## Moves\n\nNo moves."
    described = np.where(
        table["kind"] == "post",
        "post " + table["target"] + " (" + table["target_unit"] + ", level "
        + table["level"] + ")",
        "rank " + table["rank_to"] + " (pool " + table["target"] + ")",
    )
    rows = zip(
        table["candidate"], table["unit"], yes_blank(table["frontline"]),
        yes_blank(table["young"]), described, (number(v) for v in table["value"]),
        strict=True,
    )
    return "## Moves\n\n" + markdown_table(
        ("Candidate", "Unit", "Frontline", "Young", "Move", "Value"), rows)


def posts_section(problem: AllocationProblem, proposal: Proposal) -> str:
    outcomes = proposal.explanation.posts
    if not outcomes:
        return ""
    c, p = problem.candidates, problem.posts
    shown = outcomes[:POSTS_SHOWN_MAX]
    rows = [
        (p.id[o.post], problem.unit_names[p.unit[o.post]],
         c.id[o.holder] if o.holder >= 0 else "*vacant*",
         c.id[o.runner_up] if o.runner_up >= 0 else "—",
         number(o.margin) if o.holder >= 0 and o.runner_up >= 0 else "—", o.note)
        for o in shown
    ]
    text = "## Who got each post, and who came next\n\n" + markdown_table(
        ("Post", "Unit", "Holder", "Runner-up", "Margin", "Note"), rows)
    if len(outcomes) > len(shown):
        text += (f"\n\nOnly the first {len(shown):,} of {len(outcomes):,} posts are shown; "
                 "every move is listed above and in proposal.csv.")
    return text


def left_out_section(problem: AllocationProblem, proposal: Proposal) -> str:
    left_out = proposal.explanation.left_out
    if not left_out:
        return ""
    c = problem.candidates
    rows = [(c.id[x.candidate], problem.unit_names[c.unit[x.candidate]], number(x.score),
             "; ".join(x.reasons)) for x in left_out]
    return "## Strong candidates left out and why\n\n" + markdown_table(
        ("Candidate", "Unit", "Score", "Why"), rows)


def prices_section(proposal: Proposal) -> str:
    if not proposal.prices:
        return ""
    ordered = sorted(proposal.prices, key=lambda price: (not price.binding, -abs(price.dual)))
    shown = ordered[:PRICES_SHOWN_MAX]
    lines = ["## What the rules and quotas cost", "",
             "Change in the total value if the rule or quota were loosened by one unit "
             "(from the linear relaxation; binding ones first).", ""]
    lines += [f"- {price_line(price)}" for price in shown]
    if len(ordered) > len(shown):
        lines += ["", f"{len(ordered) - len(shown):,} more in proposal.json."]
    return "\n".join(lines)


def price_line(price: Price) -> str:
    if price.text:
        return escape(price.text)
    state = "binding" if price.binding else "not binding"
    return f"{escape(price.name)}: {number(price.dual)} per unit ({state})"


def provenance_section(provenance: dict) -> str:
    lines = ["## Provenance", ""]
    for role, info in (provenance.get("inputs") or {}).items():
        if info is None:
            lines.append(f"- {role}: not given (defaults)")
        else:
            rows = f", {info['rows']:,} rows" if "rows" in info else ""
            lines.append(f"- {role}: `{escape(info['file'])}`{rows}, sha256 `{info['sha256']}`")
    if provenance.get("command"):
        lines.append(f"- command: `{' '.join(provenance['command'])}`")
    if provenance.get("software"):
        versions = ", ".join(f"{k} {v}" for k, v in provenance["software"].items())
        lines.append(f"- software: {versions}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- formatting


def markdown_table(header, rows) -> str:
    """A pipe table; cells escaped so a ``|`` or a line break in a name cannot break it."""
    lines = ["| " + " | ".join(escape(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def escape(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def number(x: float) -> str:
    """``1,234.57``, ``0.00123``, or ``—`` when not finite."""
    x = float(x)
    if not math.isfinite(x):
        return "—"
    return f"{x:,.2f}" if abs(x) >= 1 or x == 0 else f"{x:.3g}"


def percent(x: float, digits: int = 1) -> str:
    x = float(x)
    return f"{100 * x:.{digits}f}%" if math.isfinite(x) else "—"


def yes_blank(flags) -> list[str]:
    return ["yes" if int(f) else "" for f in flags]
