"""What the outputs show beside the ids: names, titles and the carried columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from experiments.allocation.tables import Table
    from optimize.problem import AllocationProblem


@dataclass(frozen=True)
class Display:
    """What the outputs show beside the ids (never read by the program).

    ``candidate_columns`` / ``post_columns``: carried columns by their header
    text, ``(n,) str`` each, in file order; ``post_title`` ``(n_posts,) str``
    ("" when not given); ``name`` ``(n_candidates,) str`` ("" when not given).
    """

    candidate_columns: dict[str, np.ndarray] = field(default_factory=dict)
    post_columns: dict[str, np.ndarray] = field(default_factory=dict)
    post_title: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    name: np.ndarray = field(default_factory=lambda: np.zeros(0, object))



def build_display(cand: Table, post: Table) -> Display:
    return Display(
        candidate_columns={cand.headers.get(k, k): v for k, v in cand.extras.items()},
        post_columns={post.headers.get(k, k): v for k, v in post.extras.items()},
        post_title=post.values["title"],
        name=cand.extras.get("name", np.full(len(cand), "", object)),
    )



def empty_display(problem: AllocationProblem) -> Display:
    return Display(post_title=np.full(problem.n_posts, "", object),
                   name=np.full(problem.n_candidates, "", object))


