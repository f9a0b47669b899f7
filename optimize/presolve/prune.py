r"""Prune before you build, exactly: drop eligible pairs no optimal proposal needs.

Under unified mobility every eligible cadre is a column for every open post of
a level, so the columns grow ~N². Most of them cannot matter: a post that a
thousand better candidates of the same kind could take never needs the
thousand-and-first. :func:`prune_pairs` keeps, for every target (post or
pool-rank) and every *exchange group* of candidates, only the group's best
``K_{t,g}`` pairs by objective value, and every pair of a *protected* candidate.

The rule
--------
Targets t have capacity ``cap_t`` (1 for a post, ``headroom`` for a pool-rank
row). The exchange group ``g(i)`` of candidate i is the tuple of everything a
side row reads about i:

- young (``age <= young_age_max``), when the young share target is on;
- frontline, when the frontline share target is on;
- ``attribute == value`` of each ``[[composition]]`` and each ``[[team]]`` rule;
- the candidate's unit, when the outflow limit is on (``max_outflow_per_unit >= 0``).

A candidate is *protected* when a lock or a 任职回避 conflict names it: all its
pairs are kept, and it takes no part in the ranking. With ``n_g(t, t')`` the
unprotected members of g eligible for both t and t' (``n_g(t, t)`` those
eligible for t),

.. math::

    K_{t,g} = \sum_{t'} \min(\mathrm{cap}_{t'}, n_g(t, t'))
    \;\le\; K_g = \sum_{t'} \min(\mathrm{cap}_{t'}, n_g(t', t')),

an upper bound on how many of g's members eligible for t any feasible proposal
moves (each target t' takes at most ``cap_t'`` of them, and only those eligible
for it). For each (t, g), the pairs of the ``K_{t,g}`` best unprotected members by
the value of (i, t) are kept, and every further member whose value ties the
``K_{t,g}``-th (so that pruning never breaks a tie: the solver does, as on the
whole program); the rest are pruned, and so are all unprotected pairs of a
target without capacity (a pool-rank with headroom 0, which no proposal can use).
``K_{t,g}`` is computed once per set of candidates with the same group and the
same eligible targets (:func:`shared_quotas`); when those sets are too varied to
do so cheaply, the looser ``K_g`` is used (still exact).

Proof (exchange). Take an optimal proposal x of the whole program that uses a
pruned pair (i, t), so cap_t > 0 and i is unprotected; let g = g(i) and T the
``K = K_{t,g}`` best members of g at t, all kept, each with value at t above
that of i. Since (t, g) was crowded (more than K members, K >= min(cap_t,
n_g(t, t))), n_g(t, t) > cap_t. Members of T are eligible for t, so x moves at
most ``min(cap_t', n_g(t, t'))`` of them to each t' != t, and at most
``cap_t - 1`` to t (i, not in T, holds a place there): at most K - 1 members of T
move, and some i' in T makes no move. Give t to i' instead of i. Then

- the objective does not fall (value(i', t) >= value(i, t));
- one move per candidate holds (i' was free, i is now free);
- every post, must-fill and headroom row keeps its activity (t keeps its count);
- every share, composition and team row keeps its activity: each reads, per
  move, only the target's kind (post or rank), level or unit (all unchanged) and
  the candidate's flags, and i and i' have the same flags;
- every outflow row keeps its activity: i and i' are in the same unit, and the
  post's unit is unchanged, so the move leaves a unit for the same one or for none;
- lock and conflict rows keep their activity: they read only the columns of the
  candidates they name, and neither i nor i' is protected.

So the new proposal is feasible with an objective at least as high, and uses
one pruned pair fewer; repeating ends at an optimal proposal of the pruned
program. Conversely every pruned proposal is a proposal of the whole program.
The two optima are equal, and the pruned program is infeasible exactly when
the whole one is. And since every row other than one move
per candidate keeps its activity, the elastic program of ``optimize.relax``
(slacks on must-fill, share, composition, team, outflow and lock rows, whose
phases minimise the slacks and then maximise the value) has the same optimum on
the pruned pairs: the relaxed proposal is exact as well.

Where pruning is not exact, and so is not done
----------------------------------------------
- Locks and conflicts: removing or adding a named candidate's move changes rows
  of other candidates (a ``same_unit`` row reads where b stays), so their
  candidates are protected: kept whole, outside the ranking. Few are named.
- Anything but the optimum: the second-best proposals (``alternatives``),
  shortlists, the reasons a candidate was passed over and the LP prices read the
  pruned columns (a price may differ between the dual solutions of two programs
  with the same optimum). ``optimize.allocate(prune=True)`` requires
  ``explain=False`` and none of those.
- Which optimum: where values tie (the simulation's seniority scores take ~130
  values among ~1,400 candidates), the solver may pick another of the equally
  good proposals on the pruned program than on the whole one. The objective is
  the same; who is promoted among equals is not. Pruning is therefore off by
  default (``prune=False``): in two ``ordos`` calibration runs, 43 of 129
  yearly solves promoted other (tied) cadres, and the share of young promotions
  fell to 0.28, out of its calibration band (0.39 +- 25%).

The rule is tightest when the groups are few: the outflow limit multiplies them
by the units, and each composition or team rule doubles them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from optimize.eligibility import EligiblePairs
from optimize.problem import AllocationProblem


@dataclasses.dataclass(frozen=True)
class Pruning:
    """What :func:`prune_pairs` kept.

    Attributes
    ----------
    pairs : EligiblePairs
        The kept pairs, in the original order (still sorted by candidate, then target).
    keep_post, keep_rank : (n_post_pairs,) bool, (n_rank_pairs,) bool
        Which of the original post and rank pairs were kept.
    n_pruned : int
        Pairs dropped.
    """

    pairs: EligiblePairs
    keep_post: np.ndarray
    keep_rank: np.ndarray
    n_pruned: int


def exchange_groups(problem: AllocationProblem) -> np.ndarray:
    """``(n_candidates,) int``: the exchange group of each candidate (see the module docstring).

    Two candidates share a group when every active share, composition and team
    row reads the same flag for both and, with the outflow limit on, they are in
    the same unit. Codes are dense, 0 .. n_groups - 1.
    """
    c, rules = problem.candidates, problem.rules
    n = problem.n_candidates
    t = rules.targets
    flags = []
    if t.young_share_min > 0:
        flags.append(c.age <= t.young_age_max)
    if t.frontline_share_min > 0:
        flags.append(c.frontline)
    for rule in (*rules.composition, *rules.team):
        flags.append(problem.regulations.attribute(rule.attribute, n) == rule.value)
    by_unit = rules.limits.max_outflow_per_unit >= 0
    if len(flags) > MAX_FLAG_BITS:  # too many rules for one integer code
        columns = [np.asarray(f, np.int64) for f in flags] + ([c.unit] if by_unit else [])
        _, group = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
        return group.reshape(-1).astype(np.int64)
    code = np.zeros(n, np.int64)
    for k, flag in enumerate(flags):  # one bit per flag, then the unit above them
        code |= np.asarray(flag, np.int64) << k
    if by_unit:
        code += np.asarray(c.unit, np.int64) << len(flags)
    return dense_codes(code)[1] if n else code


MAX_FLAG_BITS = 30  # flags packed into one int64 code, with room for unit codes above them


def protected_candidates(problem: AllocationProblem) -> np.ndarray:
    """``(n_candidates,) bool``: candidates named by a lock or a 任职回避 conflict."""
    reg = problem.regulations
    out = np.zeros(problem.n_candidates, bool)
    out[reg.locks.candidate] = True
    out[reg.conflicts.a] = True
    b = reg.conflicts.b
    out[b[b >= 0]] = True
    return out


SHARED_BUDGET = 10_000_000
"""Most (signature, target, target) triples :func:`shared_quotas` may form; beyond, K_g."""


DENSE_TARGETS, DENSE_GROUPS = 64, 32
"""Up to these many targets and groups (a county's program over post classes), the counts
n_g(t, t') come from a dense eligibility matrix: one small product per group."""


def _dense_quotas(at: np.ndarray, n_movers: int, target: np.ndarray, group: np.ndarray,
                  capacity: np.ndarray, n_groups: int) -> np.ndarray:
    """:func:`shared_quotas` by dense counting (``at``: each pair's mover code)."""
    n_targets = len(capacity)
    eligible = np.zeros((n_movers, n_targets))
    eligible[at, target] = 1.0
    mover_group = np.zeros(n_movers, np.int64)
    mover_group[at] = group
    out = np.zeros(n_groups * n_targets, np.int64)
    for g in np.unique(mover_group).tolist():
        members = eligible[mover_group == g]
        both = np.rint(members.T @ members)  # n_g(t, t'): members eligible for both
        share = np.minimum(capacity[None, :], both)
        out[g * n_targets:(g + 1) * n_targets] = share.sum(axis=1).astype(np.int64)
    return out


def shared_quotas(cand: np.ndarray, target: np.ndarray, group: np.ndarray, capacity: np.ndarray,
                  n_groups: int) -> np.ndarray | None:
    """``K_{t,g} = sum_t' min(cap_t', n_g(t, t'))`` for every (g, t), at ``g * n_targets + t``.

    ``n_g(t, t')`` counts the members of g (among the pairs given) eligible for both t
    and t'. Candidates with the same group and the same set of targets are counted
    once with their multiplicity (a signature: two hashes of the set, sums of random
    integer weights below 2^21 held in floats, exact in any order, so equal sets hash
    equally; a collision of unequal sets is detected, as a signature whose members do
    not all hold every one of its targets, and returns None). None too when the
    signatures' co-eligible target pairs would exceed :data:`SHARED_BUDGET` (the
    caller then uses K_g).

    Parameters
    ----------
    cand, target, group : (k,) int
        The pairs (any order, each pair once) and each pair's candidate's group.
    capacity : (n_targets,) int
    n_groups : int
    """
    n_targets = len(capacity)
    movers, at = dense_codes(cand)
    if n_targets <= DENSE_TARGETS and n_groups <= DENSE_GROUPS:
        return _dense_quotas(at, len(movers), target, group, capacity, n_groups)
    # integer weights: sums below 2^53 are exact in floats whatever the order of the pairs
    weights = np.random.default_rng(0).integers(1, 2**21, (2, n_targets)).astype(float)
    hashes = [np.bincount(at, w[target], minlength=len(movers)) for w in weights]
    degree = np.bincount(at, minlength=len(movers))
    mover_group = np.zeros(len(movers), np.int64)
    mover_group[at] = group
    _, first, signature, multiplicity = np.unique(
        np.stack([mover_group, degree, *hashes], axis=1), axis=0, return_index=True,
        return_inverse=True, return_counts=True)
    signature = signature.reshape(-1)
    if int((degree[first].astype(np.int64) ** 2).sum()) > SHARED_BUDGET:
        return None
    sig_of_pair = signature[at]
    sig_targets = np.unique(sig_of_pair * n_targets + target)
    sig, sig_target = sig_targets // n_targets, sig_targets % n_targets
    width = np.bincount(sig, minlength=len(multiplicity))
    if np.any(width * multiplicity != np.bincount(sig_of_pair, minlength=len(multiplicity))):
        return None  # a hash collision: two different sets share a signature
    sig_group = np.zeros(len(multiplicity), np.int64)
    sig_group[signature] = mover_group
    column = sig_group[sig] * n_targets + sig_target
    shape = (len(multiplicity), n_groups * n_targets)
    incidence = sp.csr_array((np.ones(len(sig)), (sig, column)), shape=shape)
    counted = sp.csr_array((multiplicity[sig].astype(float), (sig, column)), shape=shape)
    both = (incidence.T @ counted).tocoo()
    share = np.minimum(capacity[both.col % n_targets], np.rint(both.data))
    return np.bincount(both.row, share, minlength=n_groups * n_targets).astype(np.int64)


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for non-negative integers, by counting
    (linear time) when their range is small, else by sorting."""
    values = np.asarray(values, np.int64)
    top = int(values.max(initial=-1)) + 1
    if top > 8 * len(values) + 1_000_000:
        unique, inverse = np.unique(values, return_inverse=True)
        return unique, inverse.reshape(-1)
    present = np.zeros(top, bool)
    present[values] = True
    code = np.cumsum(present) - 1
    return np.flatnonzero(present), code[values]


def prune_pairs(problem: AllocationProblem, pairs: EligiblePairs, value: np.ndarray,
                post_capacity: np.ndarray | None = None) -> Pruning:
    """Keep each (target, exchange group)'s best ``K_g`` pairs, and protected candidates' pairs.

    Parameters
    ----------
    problem : AllocationProblem
    pairs : EligiblePairs
        All eligible pairs.
    value : (n_post_pairs + n_rank_pairs,) float
        Objective value of each pair, post pairs first (``objective_terms(...).value``).
    post_capacity : (n_posts,) int, optional
        Holders each post row allows (1 when None; a class of interchangeable posts,
        ``optimize.presolve.aggregate``, allows its size). The proof holds for any cap_t.

    Returns
    -------
    Pruning
    """
    n_post, n_rank = pairs.n_post_pairs, pairs.n_rank_pairs
    cand = np.concatenate([pairs.post_candidate, pairs.rank_candidate])
    target = np.concatenate([pairs.post_post, problem.n_posts + pairs.rank_pool])
    posts_cap = (np.ones(problem.n_posts, np.int64) if post_capacity is None
                 else np.asarray(post_capacity, np.int64))
    capacity = np.concatenate([posts_cap, problem.pools.headroom])
    keep = np.ones(n_post + n_rank, bool)
    ranked = np.flatnonzero(~protected_candidates(problem)[cand])
    if len(ranked):
        group = exchange_groups(problem)[cand[ranked]]
        n_groups = int(group.max()) + 1
        keys, at = dense_codes(target[ranked] * n_groups + group)
        count = np.bincount(at, minlength=len(keys))
        key_target, key_group = keys // n_groups, keys % n_groups
        # K_g: no feasible proposal moves more unprotected members of g than this
        k_group = np.bincount(key_group, np.minimum(capacity[key_target], count),
                              minlength=n_groups).astype(np.int64)
        quota = k_group[key_group]
        shared = shared_quotas(cand[ranked], target[ranked], group, capacity, n_groups)
        if shared is not None:
            quota = np.minimum(quota, shared[key_group * len(capacity) + key_target])
        # a target without capacity (headroom 0) takes nobody: none of its pairs is needed
        quota = np.where(capacity[key_target] > 0, quota, 0)
        over = np.flatnonzero(count[at] > quota[at])  # only crowded (target, group)s are ranked
        if len(over):
            cols = ranked[over]
            order = np.lexsort((-value[cols], at[over]))
            sorted_key = at[over][order]
            sorted_value = value[cols[order]]
            first = np.searchsorted(sorted_key, sorted_key, side="left")
            position = np.arange(len(order)) - first
            # the quota-th best value of each crowded (target, group); pairs tying it stay, so
            # that pruning never decides a tie (the solver does, as on the whole program)
            last = first + np.maximum(quota[sorted_key], 1) - 1
            tied = (sorted_value == sorted_value[last]) & (quota[sorted_key] > 0)
            keep[cols[order[(position >= quota[sorted_key]) & ~tied]]] = False
    keep_post, keep_rank = keep[:n_post], keep[n_post:]
    kept = dataclasses.replace(
        pairs,
        post_candidate=pairs.post_candidate[keep_post],
        post_post=pairs.post_post[keep_post],
        rank_candidate=pairs.rank_candidate[keep_rank],
        rank_pool=pairs.rank_pool[keep_rank],
    )
    return Pruning(kept, keep_post, keep_rank, int((~keep).sum()))
