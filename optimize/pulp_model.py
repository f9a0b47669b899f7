r"""The allocation integer program as a named pulp model (the readable, exportable path).

It states exactly the program of ``optimize.formulation`` (same columns in the
same order, same rows in the same order, same coefficients, same objective),
with a name on every variable and constraint so that the model can be read,
written to ``.lp``/``.mps`` and handed to any solver:

- ``x_<candidate>_<post>``: candidate takes the post (one per eligible pair);
- ``z_<candidate>_<pool>_r<rank>``: candidate is promoted into that pool-rank row;
- rows ``one_move_<candidate>``, ``post_<post>``, ``pool_<pool>_r<rank>``,
  ``young_share``, ``frontline_share``, ``outflow_<unit>``.

Names are built from the ids lower-cased with every character outside
``[a-z0-9_]`` replaced by ``_`` (pulp rewrites such characters silently and the
rewritten names can collide). When the sanitised names are not unique, or are
longer than ``MAX_NAME_LENGTH``, indices are used instead (``x_<i>_<j>``,
``z_<i>_<k>``, ``one_move_<i>``, ``post_<j>``, ``pool_<k>``, ``outflow_<u>``).

Only ``optimize.solve`` talks to the solver: ``optimize.solve.solve_pulp(model)``
solves this model with ``pulp.HiGHS``.

Maximise

.. math::

    \sum_{(i,j)} f_{ij} w_j s_i m_i \, x_{ij} + \sum_{(i,k)} s_i m_i \, z_{ik}

subject to one ``add_<family>_constraints`` function per family (see
``optimize.formulation`` for the equations).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pulp

from optimize.eligibility import EligiblePairs, eligible_pairs
from optimize.formulation import (
    RowFamily,
    add_composition_rows,
    add_conflict_rows,
    add_lock_rows,
    add_team_rows,
    objective_terms,
)
from optimize.problem import AllocationProblem

MAX_NAME_LENGTH = 100  # pulp's .lp writer rejects longer names
_ILLEGAL = re.compile(r"[^a-z0-9_]")

Columns = tuple[pulp.LpVariable, ...]


@dataclass(frozen=True)
class Family:
    """The constraints of one family and the entity each one is about.

    Attributes
    ----------
    family : RowFamily
    constraints : tuple of pulp.LpConstraint
        In the order of ``optimize.formulation`` (entity order).
    entity : (n_rows,) int
        Candidate, post, pool-rank row or unit index of each constraint; -1 for
        the share rules.
    """

    family: RowFamily
    constraints: tuple[pulp.LpConstraint, ...]
    entity: np.ndarray


@dataclass(frozen=True)
class PulpModel:
    """A named pulp model of an allocation problem.

    Attributes
    ----------
    problem : pulp.LpProblem
        The model (maximisation). Solving it stores values on its variables.
    variables : tuple of pulp.LpVariable, (n_cols,)
        Columns in the order of ``optimize.formulation.build_formulation``: one
        ``x`` per eligible post pair, then one ``z`` per eligible rank pair.
    families : tuple of Family
        The constraints family by family, in the formulation's row order.
    pairs : EligiblePairs
        The eligible pairs the columns stand for.
    cost : (n_cols,) float
        Objective coefficient of each column.
    """

    problem: pulp.LpProblem
    variables: Columns
    families: tuple[Family, ...]
    pairs: EligiblePairs
    cost: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.variables)

    @property
    def n_post_cols(self) -> int:
        return self.pairs.n_post_pairs

    @property
    def n_rows(self) -> int:
        return sum(len(f.constraints) for f in self.families)

    @property
    def constraints(self) -> tuple[pulp.LpConstraint, ...]:
        """All constraints in the formulation's row order, ``(n_rows,)``."""
        return tuple(c for f in self.families for c in f.constraints)

    @property
    def row_family(self) -> np.ndarray:
        """``(n_rows,) int``: the ``RowFamily`` of each row (as in ``Formulation``)."""
        return np.concatenate(
            [np.full(len(f.constraints), int(f.family), np.int64) for f in self.families]
        )

    @property
    def row_entity(self) -> np.ndarray:
        """``(n_rows,) int``: the entity of each row (as in ``Formulation``)."""
        return np.concatenate([f.entity for f in self.families]).astype(np.int64)

    def family(self, family: RowFamily) -> Family:
        return next(f for f in self.families if f.family is family)


@dataclass(frozen=True)
class _Labels:
    """Name fragments of the entities: one string per candidate, post, pool-rank row, unit."""

    candidate: list[str]
    post: list[str]
    pool: list[str]
    unit: list[str]


def sanitise(text: object) -> str:
    """``text`` lower-cased with every character outside ``[a-z0-9_]`` replaced by ``_``."""
    return _ILLEGAL.sub("_", str(text).lower())


def id_labels(problem: AllocationProblem) -> _Labels:
    """Name fragments from the sanitised ids and names."""
    pools = problem.pools
    return _Labels(
        candidate=[sanitise(i) for i in problem.candidates.id],
        post=[sanitise(i) for i in problem.posts.id],
        pool=[
            f"{sanitise(problem.pool_names[p])}_r{r}"
            for p, r in zip(pools.pool.tolist(), pools.rank.tolist(), strict=True)
        ],
        unit=[sanitise(u) for u in problem.unit_names],
    )


def index_labels(problem: AllocationProblem) -> _Labels:
    """Name fragments from the indices (always unique)."""
    return _Labels(
        candidate=[str(i) for i in range(problem.n_candidates)],
        post=[str(j) for j in range(problem.n_posts)],
        pool=[str(k) for k in range(len(problem.pools))],
        unit=[str(u) for u in range(len(problem.unit_names))],
    )


def column_names(pairs: EligiblePairs, labels: _Labels) -> list[str]:
    """``x_<candidate>_<post>`` then ``z_<candidate>_<pool-rank>``, in column order."""
    cand, post, pool = labels.candidate, labels.post, labels.pool
    x = [f"x_{cand[i]}_{post[j]}" for i, j in zip(pairs.post_candidate.tolist(),
                                                   pairs.post_post.tolist(), strict=True)]
    z = [f"z_{cand[i]}_{pool[k]}" for i, k in zip(pairs.rank_candidate.tolist(),
                                                   pairs.rank_pool.tolist(), strict=True)]
    return x + z


def _usable(names: list[str]) -> bool:
    return len(set(names)) == len(names) and all(len(n) <= MAX_NAME_LENGTH for n in names)


def choose_labels(problem: AllocationProblem, pairs: EligiblePairs) -> _Labels:
    """Id-based labels when every variable and row name they give is unique and short."""
    labels = id_labels(problem)
    row_names = (
        [f"one_move_{c}" for c in labels.candidate]
        + [f"post_{p}" for p in labels.post]
        + [f"pool_{k}" for k in labels.pool]
        + [f"outflow_{u}" for u in labels.unit]
    )
    if _usable(column_names(pairs, labels)) and _usable(row_names):
        return labels
    return index_labels(problem)


def group_columns(keys: np.ndarray, entities: np.ndarray | None = None
                  ) -> tuple[np.ndarray, list[list[int]]]:
    """The columns of each entity: ``(entities, [columns of entity e, ...])``.

    ``keys`` gives each column's entity; with ``entities`` given, every listed
    entity gets a group (possibly empty), otherwise only those that occur, sorted.
    """
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    if entities is None:
        entities = np.unique(keys)
    lo = np.searchsorted(sorted_keys, entities, side="left")
    hi = np.searchsorted(sorted_keys, entities, side="right")
    columns = order.tolist()
    return entities, [columns[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]


def _candidate_of_columns(pairs: EligiblePairs) -> np.ndarray:
    return np.concatenate([pairs.post_candidate, pairs.rank_candidate])


def add_variables(prob: pulp.LpProblem, pairs: EligiblePairs, labels: _Labels) -> Columns:
    """One binary per eligible pair, in column order."""
    names = column_names(pairs, labels)
    by_name = prob.add_variable_dict("%s", names, lowBound=0, upBound=1, cat=pulp.LpBinary)
    return tuple(by_name.values())


def add_objective(prob: pulp.LpProblem, variables: Columns, cost: np.ndarray) -> None:
    """Maximise sum_c cost_c v_c (columns with a zero coefficient stay in the objective)."""
    prob.setObjective(pulp.lpSum_vars_coefs(zip(variables, cost.tolist(), strict=True)))


def add_one_move_constraints(
    prob: pulp.LpProblem, problem: AllocationProblem, pairs: EligiblePairs,
    variables: Columns, labels: _Labels,
) -> Family:
    """Each candidate makes at most one move: sum_j x_ij + sum_k z_ik <= 1.

    A row for every candidate with at least one eligible move.
    """
    movers, columns = group_columns(_candidate_of_columns(pairs))
    constraints = tuple(
        prob.addConstraint(pulp.lpSum_vars([variables[c] for c in cols]) <= 1,
                           name=f"one_move_{labels.candidate[i]}")
        for i, cols in zip(movers.tolist(), columns, strict=True)
    )
    return Family(RowFamily.ONE_MOVE, constraints, movers)


def add_post_constraints(
    prob: pulp.LpProblem, problem: AllocationProblem, pairs: EligiblePairs,
    variables: Columns, labels: _Labels,
) -> Family:
    """At most one holder per post: sum_i x_ij <= 1, and = 1 for must-fill posts.

    A row for every post, even one nobody may take (a must-fill post then makes
    the program infeasible, as it should).
    """
    posts = np.arange(problem.n_posts)
    _, columns = group_columns(pairs.post_post, posts)
    must_fill = problem.posts.must_fill.tolist()
    constraints = []
    for j, cols in zip(posts.tolist(), columns, strict=True):
        holders = pulp.lpSum_vars([variables[c] for c in cols])
        row = (holders == 1) if must_fill[j] else (holders <= 1)
        constraints.append(prob.addConstraint(row, name=f"post_{labels.post[j]}"))
    return Family(RowFamily.POST, tuple(constraints), posts)


def add_pool_constraints(
    prob: pulp.LpProblem, problem: AllocationProblem, pairs: EligiblePairs,
    variables: Columns, labels: _Labels,
) -> Family:
    """Promotions into each pool-rank row stay within its headroom: sum_i z_ik <= headroom_k."""
    rows = np.arange(len(problem.pools))
    _, columns = group_columns(pairs.rank_pool, rows)
    first_rank_col = pairs.n_post_pairs
    headroom = problem.pools.headroom.tolist()
    constraints = tuple(
        prob.addConstraint(
            pulp.lpSum_vars([variables[first_rank_col + c] for c in cols]) <= headroom[k],
            name=f"pool_{labels.pool[k]}",
        )
        for k, cols in zip(rows.tolist(), columns, strict=True)
    )
    return Family(RowFamily.POOL, constraints, rows)


def add_young_share_constraints(
    prob: pulp.LpProblem, problem: AllocationProblem, pairs: EligiblePairs,
    variables: Columns, labels: _Labels,
) -> Family:
    """Young share of post moves >= s: sum_ij (young_i - s) x_ij >= 0.

    ``young_i`` is age <= ``young_age_max``. No row when the target is 0 or
    there are no post pairs.
    """
    targets = problem.rules.targets
    if targets.young_share_min <= 0 or pairs.n_post_pairs == 0:
        return _no_rows(RowFamily.YOUNG_SHARE)
    young = (problem.candidates.age <= targets.young_age_max).astype(float)
    coef = young[pairs.post_candidate] - targets.young_share_min
    terms = zip(variables[:pairs.n_post_pairs], coef.tolist(), strict=True)
    row = prob.addConstraint(pulp.lpSum_vars_coefs(terms) >= 0, name="young_share")
    return Family(RowFamily.YOUNG_SHARE, (row,), np.full(1, -1))


def add_frontline_share_constraints(
    prob: pulp.LpProblem, problem: AllocationProblem, pairs: EligiblePairs,
    variables: Columns, labels: _Labels,
) -> Family:
    """Frontline share of all moves >= s: sum (frontline_i - s) (x_ij + z_ik) >= 0.

    No row when the target is 0 or there are no pairs.
    """
    targets = problem.rules.targets
    cand = _candidate_of_columns(pairs)
    if targets.frontline_share_min <= 0 or len(cand) == 0:
        return _no_rows(RowFamily.FRONTLINE_SHARE)
    coef = problem.candidates.frontline[cand].astype(float) - targets.frontline_share_min
    terms = zip(variables, coef.tolist(), strict=True)
    row = prob.addConstraint(pulp.lpSum_vars_coefs(terms) >= 0, name="frontline_share")
    return Family(RowFamily.FRONTLINE_SHARE, (row,), np.full(1, -1))


def add_outflow_constraints(
    prob: pulp.LpProblem, problem: AllocationProblem, pairs: EligiblePairs,
    variables: Columns, labels: _Labels,
) -> Family:
    """Post moves out of each unit: sum_{i in u, unit(j) != u} x_ij <= max_outflow_per_unit.

    A row for every unit with at least one candidate eligible for a post
    elsewhere; none when the limit is -1 (no limit).
    """
    limit = problem.rules.limits.max_outflow_per_unit
    if limit < 0:
        return _no_rows(RowFamily.OUTFLOW)
    from_unit = problem.candidates.unit[pairs.post_candidate]
    leaving = np.flatnonzero(from_unit != problem.posts.unit[pairs.post_post])
    units, columns = group_columns(from_unit[leaving])
    leaving_cols = leaving.tolist()
    constraints = tuple(
        prob.addConstraint(
            pulp.lpSum_vars([variables[leaving_cols[c]] for c in cols]) <= limit,
            name=f"outflow_{labels.unit[u]}",
        )
        for u, cols in zip(units.tolist(), columns, strict=True)
    )
    return Family(RowFamily.OUTFLOW, constraints, units)


def _constraints_from_rows(prob: pulp.LpProblem, rows, variables: Columns, prefix: str
                           ) -> Family:
    """Named constraints ``<prefix>_<n>`` from a family's row triplets (entity order kept).

    The regulations' families (locks, conflicts, composition, team) have rows
    whose shape depends on the data (a conflict pair gives one row per unit
    either cadre may reach); the row builders of ``optimize.formulation`` state
    them once and this turns each row into a named pulp constraint.
    """
    n = len(rows.lower)
    if n == 0:
        return _no_rows(rows.family)
    _, members = group_columns(rows.row, np.arange(n))
    constraints = []
    for r, entries in enumerate(members):
        terms = pulp.lpSum_vars_coefs(
            (variables[int(rows.col[e])], float(rows.coef[e])) for e in entries)
        lower, upper = float(rows.lower[r]), float(rows.upper[r])
        if np.isfinite(lower) and np.isfinite(upper):
            raise ValueError(f"{prefix}: two-sided rows are not used by these families")
        row = (terms >= lower) if np.isfinite(lower) else (terms <= upper)
        constraints.append(prob.addConstraint(row, name=f"{prefix}_{r}"))
    return Family(rows.family, tuple(constraints), rows.entity)


def add_lock_constraints(prob, problem, pairs, variables, labels) -> Family:
    """Locks: ``lock_<n>``, sum of the locked columns >= 1 (must) or <= 0 (forbid)."""
    return _constraints_from_rows(prob, add_lock_rows(problem, pairs), variables, "lock")


def add_conflict_constraints(prob, problem, pairs, variables, labels) -> Family:
    """任职回避: ``conflict_<n>`` (see ``optimize.formulation.add_conflict_rows``)."""
    return _constraints_from_rows(prob, add_conflict_rows(problem, pairs), variables, "conflict")


def add_composition_constraints(prob, problem, pairs, variables, labels) -> Family:
    """Composition targets: ``composition_<n>``, sum (a_i - s) v >= 0 or sum a_i v >= count."""
    return _constraints_from_rows(prob, add_composition_rows(problem, pairs), variables,
                                  "composition")


def add_team_constraints(prob, problem, pairs, variables, labels) -> Family:
    """Team targets: ``team_<n>``, appointees of the group to a unit's posts >= need."""
    return _constraints_from_rows(prob, add_team_rows(problem, pairs), variables, "team")


def _no_rows(family: RowFamily) -> Family:
    return Family(family, (), np.zeros(0, np.int64))


CONSTRAINT_BUILDERS = (
    add_one_move_constraints,
    add_post_constraints,
    add_pool_constraints,
    add_young_share_constraints,
    add_frontline_share_constraints,
    add_outflow_constraints,
    add_lock_constraints,
    add_conflict_constraints,
    add_composition_constraints,
    add_team_constraints,
)


def build_pulp_model(problem: AllocationProblem, pairs: EligiblePairs | None = None,
                     *, name: str = "allocation") -> PulpModel:
    """The named pulp model of ``problem`` (eligibility computed if not given).

    Parameters
    ----------
    problem : AllocationProblem
    pairs : EligiblePairs, optional
        The eligible pairs; ``eligible_pairs(problem)`` when omitted.
    name : str
        Name of the pulp problem (``[a-z0-9_]``).

    Returns
    -------
    PulpModel
        Columns and rows in the order of ``build_formulation(problem, pairs)``.
    """
    pairs = eligible_pairs(problem) if pairs is None else pairs
    labels = choose_labels(problem, pairs)
    prob = pulp.LpProblem(sanitise(name), pulp.LpMaximize)
    variables = add_variables(prob, pairs, labels)
    cost = objective_terms(problem, pairs).value
    add_objective(prob, variables, cost)
    families = tuple(
        add(prob, problem, pairs, variables, labels) for add in CONSTRAINT_BUILDERS
    )
    return PulpModel(prob, variables, families, pairs, cost)


def write_lp(model: PulpModel, path: str | Path) -> Path:
    """Write the model in CPLEX LP format; returns the path.

    pulp adds an unused ``__dummy`` variable to the problem when a row is empty
    (e.g. a post nobody may take); the columns of ``model`` are unchanged.
    """
    model.problem.writeLP(str(path))
    return Path(path)


def write_mps(model: PulpModel, path: str | Path) -> Path:
    """Write the model in (free) MPS format; a maximisation is written negated, as pulp does."""
    model.problem.writeMPS(str(path))
    return Path(path)
