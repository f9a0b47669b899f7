"""Hypothesis strategies: allocation rules and small, varied allocation problems.

The problems are small enough to solve by brute force (a handful of candidates
and posts) but vary every column the rules read: units (with within-unit
mobility), ranks against minimum ranks, post levels against held posts, ages
around the young and age limits, years in grade around the minimum-years rules
(with relief), blocked cadres, pools with headroom 0..2 and missing rank rows,
fit values including negative ones, must-fill posts, share targets and outflow
limits.
"""

from __future__ import annotations

from hypothesis import strategies as st

from optimize.problem import AllocationProblem, Candidates, Fit, Posts, RankPools
from optimize.rules import Eligibility, Limits, Mobility, Rules, Targets, Weights

YEARS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)
AGES = (25, 35, 36, 40, 45, 56)
SHARES = (0.25, 0.5, 1 / 3, 1.0)
FITS = (-1.0, 0.0, 0.5, 1.5, 2.0)


@st.composite
def rules(
    draw,
    *,
    share_targets: bool | None = None,
    mobility: Mobility | None = None,
) -> Rules:
    """Allocation rules with every block varied.

    Parameters
    ----------
    share_targets : bool, optional
        True: young and frontline share targets both > 0; False: both 0;
        None: each is sometimes set.
    mobility : Mobility, optional
        Fixed mobility; None draws it.
    """
    eligibility = Eligibility(
        min_years_post=draw(st.dictionaries(st.integers(1, 3), st.sampled_from(YEARS), max_size=3)),
        min_years_rank=draw(st.dictionaries(st.integers(1, 4), st.sampled_from(YEARS), max_size=3)),
        min_years_relief=draw(st.sampled_from((0.0, 1.0, 2.0))),
        relief_top_share=draw(st.sampled_from((0.0, 0.2, 1 / 3, 0.5, 1.0))),
        max_age=draw(st.sampled_from((200, 55, 40))),
        mobility=draw(st.sampled_from(Mobility)) if mobility is None else mobility,
    )
    if share_targets is None:
        share = st.one_of(st.just(0.0), st.sampled_from(SHARES))
    else:
        share = st.sampled_from(SHARES) if share_targets else st.just(0.0)
    targets = Targets(
        young_age_max=draw(st.sampled_from((35, 40))),
        young_share_min=draw(share),
        frontline_share_min=draw(share),
    )
    weights = Weights(
        frontline_weight=draw(st.sampled_from((1.0, 1.3, 2.0, 0.5))),
        hardship_exponent=draw(st.sampled_from((0.0, 1.0, 2.0))),
    )
    limits = Limits(max_outflow_per_unit=draw(st.sampled_from((-1, 0, 1, 2))))
    return Rules(eligibility=eligibility, targets=targets, weights=weights, limits=limits)


def _column(draw, n: int, elements):
    return draw(st.lists(elements, min_size=n, max_size=n))


def _scores():
    return st.one_of(
        st.integers(0, 10).map(float),
        st.floats(0, 10, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2)),
    )


@st.composite
def candidates(draw, n: int, n_units: int, n_pools: int, max_rank: int) -> Candidates:
    """``n`` candidates in ``n_units`` units and ``n_pools`` pools."""
    return Candidates.build(
        unit=_column(draw, n, st.integers(0, n_units - 1)),
        rank=_column(draw, n, st.integers(0, max_rank)),
        age=_column(draw, n, st.sampled_from(AGES)),
        years_in_grade=_column(draw, n, st.sampled_from(YEARS)),
        score=_column(draw, n, _scores()),
        post_level=_column(draw, n, st.sampled_from((0, 0, 1, 2))),
        frontline=_column(draw, n, st.booleans()),
        hardship=_column(draw, n, st.sampled_from((1.0, 1.5, 2.0))),
        blocked=_column(draw, n, st.sampled_from((False,) * 5 + (True,))),
        pool=_column(draw, n, st.integers(0, n_pools - 1)),
    )


@st.composite
def posts(draw, m: int, n_units: int, max_rank: int) -> Posts:
    """``m`` vacant posts, a quarter of them must-fill."""
    return Posts.build(
        unit=_column(draw, m, st.integers(0, n_units - 1)),
        level=_column(draw, m, st.integers(1, 3)),
        min_rank=_column(draw, m, st.sampled_from((0, *range(max_rank + 1)))),
        weight=_column(draw, m, st.sampled_from((1.0, 0.5, 2.0))),
        must_fill=_column(draw, m, st.sampled_from((False, False, False, True))),
    )


@st.composite
def rank_pools(draw, n_pools: int, max_rank: int) -> RankPools:
    """A subset of the (pool, rank 1..max_rank + 1) rows, headroom 0..2."""
    keys = [(q, r) for q in range(n_pools) for r in range(1, max_rank + 2)]
    present = _column(draw, len(keys), st.sampled_from((True, True, False)))
    rows = [key for key, keep in zip(keys, present, strict=True) if keep]
    return RankPools(
        pool=[q for q, _ in rows],
        rank=[r for _, r in rows],
        headroom=_column(draw, len(rows), st.integers(0, 2)),
    )


@st.composite
def fits(draw, n: int, m: int) -> Fit:
    """Fit for a few distinct (candidate, post) pairs, some negative or zero."""
    if n == 0 or m == 0:
        return Fit()
    if not draw(st.booleans()):
        return Fit()
    pairs = sorted(draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)),
                                min_size=1, max_size=min(4, n * m))))
    return Fit(
        candidate=[i for i, _ in pairs],
        post=[j for _, j in pairs],
        fit=_column(draw, len(pairs), st.sampled_from(FITS)),
    )


@st.composite
def allocation_problems(
    draw,
    max_candidates: int = 6,
    max_posts: int = 4,
    *,
    min_candidates: int = 1,
    max_units: int = 3,
    max_pools: int = 2,
    max_rank: int = 3,
    rules_strategy: st.SearchStrategy[Rules] | None = None,
) -> AllocationProblem:
    """Small allocation problems (up to ``max_candidates`` candidates, ``max_posts`` posts).

    Parameters
    ----------
    max_candidates, max_posts : int
        Upper bounds on the sizes; posts may be 0.
    min_candidates : int
        Lower bound on the candidates (0 to include the empty problem).
    max_units, max_pools : int
        Units and pools are drawn from 1..max.
    max_rank : int
        Ranks and minimum ranks lie in 0..max_rank; pools have rows up to max_rank + 1.
    rules_strategy : SearchStrategy of Rules, optional
        Default ``rules()``.
    """
    n = draw(st.integers(min_candidates, max_candidates))
    m = draw(st.integers(0, max_posts))
    n_units = draw(st.integers(1, max_units))
    n_pools = draw(st.integers(1, max_pools))
    return AllocationProblem(
        candidates=draw(candidates(n, n_units, n_pools, max_rank)),
        posts=draw(posts(m, n_units, max_rank)),
        pools=draw(rank_pools(n_pools, max_rank)),
        rules=draw(rules() if rules_strategy is None else rules_strategy),
        fit=draw(fits(n, m)),
        unit_names=tuple(f"unit{u}" for u in range(n_units)),
        pool_names=tuple(f"pool{q}" for q in range(n_pools)),
    )
