"""Reasons behind a proposal: runner-ups and margins, why strong candidates were
left out, what each quota and rule costs, and the shares achieved.

All values are objective terms (see ``optimize.formulation``). Prices are the
duals of the LP relaxation: the change in the optimal value for one more unit of
a quota or one unit of slack on a rule. The assignment LP is degenerate, so a
price is one valid marginal value, exact for small changes, not a promise for
large ones.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from optimize.eligibility import post_rule_failure_counts, rank_rule_failures
from optimize.formulation import Formulation, RowFamily
from optimize.problem import AllocationProblem
from optimize.proposal import Explanation, LeftOut, PostOutcome, Price, ShareOutcome

PRICE_TOL = 1e-9
LEFT_OUT_COUNT = 20
OPTIONS_SHOWN = 3


def chosen_columns(x: np.ndarray) -> np.ndarray:
    return np.flatnonzero(x > 0.5)


def explain(
    problem: AllocationProblem,
    form: Formulation,
    x: np.ndarray,
    row_dual: np.ndarray | None,
    left_out_count: int = LEFT_OUT_COUNT,
) -> Explanation:
    """Everything the report needs to defend the proposal."""
    return Explanation(
        posts=post_outcomes(problem, form, x),
        left_out=left_out(problem, form, x, row_dual, left_out_count),
        shares=share_outcomes(problem, form, x),
    )


def holders(problem: AllocationProblem, form: Formulation, x: np.ndarray) -> np.ndarray:
    """``(n_posts,) int``: candidate holding each post, -1 if vacant."""
    out = np.full(problem.n_posts, -1)
    cols = chosen_columns(x[: form.n_post_cols])
    out[form.pairs.post_post[cols]] = form.pairs.post_candidate[cols]
    return out


def move_of(problem: AllocationProblem, form: Formulation, x: np.ndarray) -> np.ndarray:
    """``(n_candidates,) int``: the column of each candidate's move, -1 if none."""
    out = np.full(problem.n_candidates, -1)
    cols = chosen_columns(x)
    out[form.column_candidate()[cols]] = cols
    return out


def post_outcomes(
    problem: AllocationProblem, form: Formulation, x: np.ndarray
) -> tuple[PostOutcome, ...]:
    """Holder, runner-up (best other eligible candidate for the post) and margin."""
    n_post = form.n_post_cols
    value = form.cost[:n_post]
    post, cand = form.pairs.post_post, form.pairs.post_candidate
    holder = holders(problem, form, x)
    moves = move_of(problem, form, x)
    order = np.lexsort((cand, -value, post))  # by post, best value first, ties by index
    starts = np.searchsorted(post[order], np.arange(problem.n_posts + 1))
    out = []
    for j in range(problem.n_posts):
        ranked = order[starts[j] : starts[j + 1]]
        h = int(holder[j])
        held = ranked[cand[ranked] == h]
        others = ranked[cand[ranked] != h]
        h_value = float(value[held[0]]) if len(held) else float("nan")
        if len(others) == 0:
            note = "no other eligible candidate" if h >= 0 else "nobody eligible"
            out.append(PostOutcome(j, h, h_value, -1, float("nan"), float("nan"), note))
            continue
        r_col = int(others[0])
        r = int(cand[r_col])
        r_value = float(value[r_col])
        note = _runner_up_note(problem, form, moves[r])
        if h < 0:
            note = "left vacant; " + note
        margin = h_value - r_value if h >= 0 else float("nan")
        out.append(PostOutcome(j, h, h_value, r, r_value, margin, note))
    return tuple(out)


def _runner_up_note(problem: AllocationProblem, form: Formulation, col: int) -> str:
    if col < 0:
        return "runner-up gets no move"
    return f"runner-up takes {_target_name(problem, form, col)}"


def _target_name(problem: AllocationProblem, form: Formulation, col: int) -> str:
    if col < form.n_post_cols:
        return f"post {problem.posts.id[form.pairs.post_post[col]]}"
    k = int(form.pairs.rank_pool[col - form.n_post_cols])
    return (
        f"a rank-{problem.pools.rank[k]} slot in pool {problem.pool_names[problem.pools.pool[k]]}"
    )


def left_out(
    problem: AllocationProblem,
    form: Formulation,
    x: np.ndarray,
    row_dual: np.ndarray | None,
    count: int,
) -> tuple[LeftOut, ...]:
    """The ``count`` highest-scoring candidates without a move, each with its reasons."""
    moves = move_of(problem, form, x)
    c = problem.candidates
    unmoved = np.flatnonzero(moves < 0)
    order = unmoved[np.lexsort((c.id[unmoved].astype(str), -c.score[unmoved]))][:count]
    binding = binding_side_rules(problem, form, row_dual)
    return tuple(
        LeftOut(int(i), float(c.score[i]), tuple(_reasons(problem, form, x, int(i), binding)))
        for i in order
    )


def binding_side_rules(
    problem: AllocationProblem, form: Formulation, row_dual: np.ndarray | None
) -> list[str]:
    """Names of share and outflow rules whose price is non-zero."""
    if row_dual is None:
        return []
    names = {
        RowFamily.YOUNG_SHARE: "the young share rule",
        RowFamily.FRONTLINE_SHARE: "the frontline share rule",
        RowFamily.OUTFLOW: "a unit outflow limit",
    }
    out = []
    for family, name in names.items():
        rows = form.rows_of(family)
        if len(rows) and np.any(np.abs(row_dual[rows]) > PRICE_TOL):
            out.append(name)
    return out


def _reasons(problem, form, x, i, binding) -> list[str]:
    n_post = form.n_post_cols
    post_cols = np.flatnonzero(form.pairs.post_candidate == i)
    rank_cols = n_post + np.flatnonzero(form.pairs.rank_candidate == i)
    reasons = []
    if len(post_cols) == 0:
        reasons.append(_ineligible_posts_reason(problem, form, i))
    if len(rank_cols) == 0:
        failures = rank_rule_failures(problem, i, form.pairs.relieved)
        reasons.append("no rank slot: " + "; ".join(failures))
    options = np.concatenate([post_cols, rank_cols])
    options = options[np.argsort(-form.cost[options], kind="stable")][:OPTIONS_SHOWN]
    for col in options:
        reasons.append(_outscored_reason(problem, form, x, int(col), binding))
    return reasons


def _ineligible_posts_reason(problem: AllocationProblem, form: Formulation, i: int) -> str:
    if problem.n_posts == 0:
        return "no vacant posts"
    counts = Counter(post_rule_failure_counts(problem, i, form.pairs.relieved))
    parts = [f"{text} ({n} post{'s' if n > 1 else ''})" for text, n in counts.most_common(3)]
    return f"eligible for none of the {problem.n_posts} vacant posts: " + "; ".join(parts)


def _outscored_reason(problem, form, x, col, binding) -> str:
    own = float(form.cost[col])
    n_post = form.n_post_cols
    if col < n_post:
        j = int(form.pairs.post_post[col])
        taken = np.flatnonzero((form.pairs.post_post == j) & (x[:n_post] > 0.5))
        if len(taken):
            k = int(taken[0])
            other = problem.candidates.id[form.pairs.post_candidate[k]]
            return (
                f"post {problem.posts.id[j]}: outscored by {other} "
                f"(value {form.cost[k]:.4g} vs {own:.4g})"
            )
        why = _rule_text(binding, own)
        return f"post {problem.posts.id[j]} (value {own:.4g}) left vacant: {why}"
    k = int(form.pairs.rank_pool[col - n_post])
    in_pool = n_post + np.flatnonzero(form.pairs.rank_pool == k)
    promoted = in_pool[x[in_pool] > 0.5]
    headroom = int(problem.pools.headroom[k])
    name = _target_name(problem, form, col)
    if len(promoted) >= headroom:
        if headroom == 0:
            return f"{name}: no headroom in the quota"
        lowest = promoted[np.argmin(form.cost[promoted])]
        other = problem.candidates.id[form.column_candidate()[lowest]]
        return (
            f"{name}: quota full ({headroom} slot(s)); lowest promoted {other} "
            f"(value {form.cost[lowest]:.4g} vs {own:.4g})"
        )
    return f"{name} (value {own:.4g}) had room: {_rule_text(binding, own)}"


def _rule_text(binding: list[str], own: float) -> str:
    if own <= 0:
        return "the move's value is not positive"
    if binding:
        return "held back by " + " and ".join(binding)
    return "another move of this candidate's competitors is worth more under the rules"


def share_outcomes(
    problem: AllocationProblem, form: Formulation, x: np.ndarray
) -> tuple[ShareOutcome, ...]:
    """Young share of post moves and frontline share of all moves, against targets."""
    t = problem.rules.targets
    c = problem.candidates
    chosen = chosen_columns(x)
    cand = form.column_candidate()[chosen]
    posts = chosen[chosen < form.n_post_cols]
    young = int(np.sum(c.age[form.pairs.post_candidate[posts]] <= t.young_age_max))
    frontline = int(np.sum(c.frontline[cand]))
    return (
        ShareOutcome(
            "young_share_min",
            young / len(posts) if len(posts) else 0.0,
            t.young_share_min,
            young,
            len(posts),
        ),
        ShareOutcome(
            "frontline_share_min",
            frontline / len(cand) if len(cand) else 0.0,
            t.frontline_share_min,
            frontline,
            len(cand),
        ),
    )


def prices(
    problem: AllocationProblem, form: Formulation, x: np.ndarray, row_dual: np.ndarray | None
) -> tuple[Price, ...]:
    """The price of every pool quota, must-fill post, share rule and outflow limit.

    ``dual`` is stated as the value of loosening the rule by one unit: one more
    slot, one more leaver, one appointment's worth of share slack; for must-fill
    posts it is the cost of the obligation (how much more the proposal would be
    worth if the post could stay vacant).
    """
    if row_dual is None:
        return ()
    out = []
    chosen = x > 0.5
    for k in range(len(problem.pools)):
        out.append(_pool_price(problem, form, row_dual, k, chosen))
    for row in form.rows_of(RowFamily.POST):
        j = int(form.row_entity[row])
        if problem.posts.must_fill[j]:
            # The row is 1 <= sum x <= 1: a negative dual prices the obligation (lower side);
            # a positive one prices the capacity, so the obligation itself costs nothing.
            value = _round(max(0.0, -float(row_dual[row])))
            out.append(
                Price(
                    "must_fill",
                    j,
                    str(problem.posts.id[j]),
                    _round(value),
                    value > PRICE_TOL,
                    text=f"Requiring post {problem.posts.id[j]} to be filled costs {value:.4g}",
                )
            )
    n_posts_moved = int(chosen[: form.n_post_cols].sum())
    for family, rule, n in (
        (RowFamily.YOUNG_SHARE, "young_share_min", n_posts_moved),
        (RowFamily.FRONTLINE_SHARE, "frontline_share_min", int(chosen.sum())),
    ):
        for row in form.rows_of(family):
            value = _round(-float(row_dual[row]))
            per_point = _round(value * 0.01 * n)
            out.append(
                Price(
                    rule,
                    -1,
                    rule,
                    _round(value),
                    value > PRICE_TOL,
                    _round(per_point),
                    text=f"Lowering {rule} by one percentage point is worth {per_point:.4g}",
                )
            )
    for row in form.rows_of(RowFamily.OUTFLOW):
        u = int(form.row_entity[row])
        value = _round(float(row_dual[row]))
        out.append(
            Price(
                "max_outflow_per_unit",
                u,
                problem.unit_names[u],
                _round(value),
                value > PRICE_TOL,
                text=f"One more leaver allowed from unit {problem.unit_names[u]} "
                f"is worth {value:.4g}",
            )
        )
    return tuple(out)


def _pool_price(problem, form, row_dual, k, chosen) -> Price:
    row = form.rows_of(RowFamily.POOL)[k]
    value = _round(float(row_dual[row]))
    pool = problem.pool_names[problem.pools.pool[k]]
    rank = int(problem.pools.rank[k])
    used = int(chosen[form.n_post_cols :][form.pairs.rank_pool == k].sum())
    headroom = int(problem.pools.headroom[k])
    # The value function is concave in the headroom, so the LP dual is at least what
    # one more slot adds; the best waiting candidate is what it adds directly.
    text = (
        f"One more slot in pool {pool} (rank {rank}, {used}/{headroom} used): "
        f"shadow price {value:.4g}"
    )
    nxt = next_in_line(problem, form, chosen, k)
    if nxt is not None and value > PRICE_TOL:
        text += f"; next in line {problem.candidates.id[nxt[0]]} would add {nxt[1]:.4g}"
    who, adds = nxt if nxt is not None and value > PRICE_TOL else (-1, float("nan"))
    return Price("pool", k, f"{pool}:rank{rank}", value, value > PRICE_TOL, text=text,
                 next_candidate=who, next_value=adds)


def next_in_line(
    problem: AllocationProblem, form: Formulation, chosen: np.ndarray, k: int
) -> tuple[int, float] | None:
    """The best eligible candidate for pool-rank ``k`` who got no move, with the move's value."""
    n_post = form.n_post_cols
    cols = n_post + np.flatnonzero(form.pairs.rank_pool == k)
    moved = np.zeros(problem.n_candidates, bool)
    moved[form.column_candidate()[chosen]] = True
    cand = form.pairs.rank_candidate[cols - n_post]
    waiting = cols[~moved[cand]]
    if len(waiting) == 0:
        return None
    best = waiting[np.argmax(form.cost[waiting])]
    return int(form.column_candidate()[best]), float(form.cost[best])


def _round(value: float) -> float:
    return 0.0 if abs(value) < PRICE_TOL else float(value) + 0.0
