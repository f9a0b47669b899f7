"""The moves as a machine-readable table (``proposal.csv``) and number formatting.

The reports for people (``report.md``, ``report.html``, ``proposal.xlsx``) are
assembled in ``experiments.allocation.document`` and laid out in
``experiments.allocation.render``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimize.problem import AllocationProblem
from optimize.proposal import Proposal

MOVE_COLUMNS = (
    "candidate", "kind", "target", "target_unit", "level", "rank_to", "value", "score",
    "frontline_factor", "hardship_factor", "weight", "fit", "unit", "frontline", "young", "age",
)


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


# --------------------------------------------------------------------------- formatting


def number(x: float) -> str:
    """``1,234.57``, ``0.00123``, or ``—`` when not finite."""
    x = float(x)
    if not math.isfinite(x):
        return "—"
    return f"{x:,.2f}" if abs(x) >= 1 or x == 0 else f"{x:.3g}"


def percent(x: float, digits: int = 1) -> str:
    x = float(x)
    return f"{100 * x:.{digits}f}%" if math.isfinite(x) else "—"


