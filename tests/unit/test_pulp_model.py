"""The named pulp model: hand-solvable instances with the allocation written out.

Each instance is small enough to solve on paper; the comment above it gives the
arithmetic. Values are ``fit * weight * score`` (no frontline or hardship factor
unless stated). The model must also be the very program of
``optimize.formulation`` (same columns, rows, coefficients and objective), have
legal names, and survive a round trip through .lp and .mps files.
"""

import re
from dataclasses import dataclass, field

import highspy
import numpy as np
import pulp
import pytest
import scipy.sparse as sp

from optimize.formulation import RowFamily, build_formulation
from optimize.problem import AllocationProblem, Candidates, Fit, Posts, RankPools
from optimize.pulp_model import build_pulp_model, write_lp, write_mps
from optimize.regulations import ConflictKind, Conflicts, LockKind, Locks, Regulations
from optimize.rules import Composition, Eligibility, Limits, Mobility, Rules, Targets, Team
from optimize.solve import ResultStatus, solve_pulp

LEGAL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
NO_YEARS = Eligibility(min_years_post={})


@dataclass
class Instance:
    """Candidates and posts by id, in a table a reader can check by eye."""

    candidates: dict[str, dict]
    posts: dict[str, dict]
    pools: list[tuple[int, int, int]] = field(default_factory=lambda: [(0, 1, 0)])
    rules: Rules = field(default_factory=lambda: Rules(eligibility=NO_YEARS))
    fit: dict[tuple[str, str], float] = field(default_factory=dict)
    regulations: Regulations = field(default_factory=Regulations)

    def problem(self) -> AllocationProblem:
        c_ids, p_ids = list(self.candidates), list(self.posts)

        def col(rows, key, default):
            return [row.get(key, default) for row in rows.values()]

        candidates = Candidates.build(
            id=np.array(c_ids, dtype=object), score=col(self.candidates, "score", 1.0),
            unit=col(self.candidates, "unit", 0), rank=col(self.candidates, "rank", 0),
            age=col(self.candidates, "age", 45), frontline=col(self.candidates, "frontline", False),
            years_in_grade=col(self.candidates, "years", 5.0), pool=col(self.candidates, "pool", 0),
        )
        posts = Posts.build(
            id=np.array(p_ids, dtype=object), unit=col(self.posts, "unit", 0),
            level=col(self.posts, "level", 1), min_rank=col(self.posts, "min_rank", 0),
            weight=col(self.posts, "weight", 1.0), must_fill=col(self.posts, "must_fill", False),
        )
        pools = RankPools(pool=[p for p, _, _ in self.pools], rank=[r for _, r, _ in self.pools],
                          headroom=[h for _, _, h in self.pools])
        fit = Fit(candidate=[c_ids.index(c) for c, _ in self.fit],
                  post=[p_ids.index(p) for _, p in self.fit], fit=list(self.fit.values()))
        return AllocationProblem(candidates, posts, pools, self.rules, fit,
                                 unit_names=("town", "district"), pool_names=("county",),
                                 regulations=self.regulations)


def allocation(problem: AllocationProblem, model, x: np.ndarray) -> dict[str, str]:
    """``{candidate id: post id or pool-rank}`` of the chosen columns."""
    out = {}
    pairs = model.pairs
    for col in np.flatnonzero(x > 0.5).tolist():
        if col < model.n_post_cols:
            i, target = pairs.post_candidate[col], problem.posts.id[pairs.post_post[col]]
        else:
            k = pairs.rank_pool[col - model.n_post_cols]
            i = pairs.rank_candidate[col - model.n_post_cols]
            target = f"{problem.pool_names[problem.pools.pool[k]]}_r{problem.pools.rank[k]}"
        out[problem.candidates.id[i]] = target
    return out


def solve(instance: Instance) -> tuple[dict[str, str], float]:
    problem = instance.problem()
    model = build_pulp_model(problem)
    result = solve_pulp(model)
    assert result.status is ResultStatus.OPTIMAL
    return allocation(problem, model, result.x), result.objective


# -- plain assignment ----------------------------------------------------------------------
# A at P1 has fit 0.5: A-P1 9, A-P2 9, B-P1 10, B-P2 5, C-P1 2, C-P2 1.
# Best: A-P2 + B-P1 = 19 (greedy by score, A-P1 + B-P2, gives 14).
PLAIN = Instance(
    candidates={"A": {"score": 9}, "B": {"score": 5}, "C": {"score": 1}},
    posts={"P1": {"weight": 2}, "P2": {"weight": 1}},
    fit={("A", "P1"): 0.5},
)


def test_plain_assignment():
    assert solve(PLAIN) == ({"A": "P2", "B": "P1"}, pytest.approx(19))


# -- must fill -----------------------------------------------------------------------------
# P2 needs rank 1: only A may take it. Free: A-P1 (30) alone beats A-P2 + B-P1 (10 + 6).
# P2 must be filled: A-P2 (10) + B-P1 (6) = 16.
def _must_fill(must_fill: bool) -> Instance:
    return Instance(
        candidates={"A": {"score": 10, "rank": 1}, "B": {"score": 2, "rank": 0}},
        posts={"P1": {"weight": 3}, "P2": {"min_rank": 1, "must_fill": must_fill}},
        pools=[(0, 5, 0)],
    )


def test_must_fill_post_is_filled_at_a_cost():
    assert solve(_must_fill(False)) == ({"A": "P1"}, pytest.approx(30))
    assert solve(_must_fill(True)) == ({"A": "P2", "B": "P1"}, pytest.approx(16))


# -- pool headroom -------------------------------------------------------------------------
# One post (weight 1.5) and `headroom` slots into rank 1 for four rank-0 candidates.
# Headroom 2: A-P1 (13.5) + B, C promoted (7 + 5) = 25.5; D (3) is left out.
def _pool(headroom: int) -> Instance:
    return Instance(
        candidates={"A": {"score": 9}, "B": {"score": 7}, "C": {"score": 5}, "D": {"score": 3}},
        posts={"P1": {"weight": 1.5}},
        pools=[(0, 1, headroom)],
    )


def test_pool_headroom_binds():
    got, objective = solve(_pool(2))
    assert got == {"A": "P1", "B": "county_r1", "C": "county_r1"}
    assert objective == pytest.approx(25.5)
    assert solve(_pool(3))[1] == pytest.approx(28.5)  # one more slot promotes D (+3)


def test_pool_price_from_the_lp_relaxation():
    # One more slot is worth between D's value (3) and C's (5): the LP dual lies in [3, 5].
    model = build_pulp_model(_pool(2).problem())
    relaxation = solve_pulp(model, relax=True)
    assert relaxation.objective == pytest.approx(25.5)
    pool_row = np.flatnonzero(model.row_family == RowFamily.POOL)[0]
    assert 3 - 1e-9 <= relaxation.row_dual[pool_row] <= 5 + 1e-9


# -- young share ---------------------------------------------------------------------------
# Young = age <= 35; only C (score 3) is young. Free: A-P1 (18) + B-P2 (8) = 26.
# Half the post moves young: A-P1 (18) + C-P2 (3) = 21 (C-P1 + A-P2 gives 6 + 9).
def _young(share: float) -> Instance:
    return Instance(
        candidates={"A": {"score": 9, "age": 50}, "B": {"score": 8, "age": 45},
                    "C": {"score": 3, "age": 30}},
        posts={"P1": {"weight": 2}, "P2": {"weight": 1}},
        rules=Rules(eligibility=NO_YEARS, targets=Targets(young_share_min=share)),
    )


def test_young_share_forces_a_lower_score_young_candidate_in():
    assert solve(_young(0.0)) == ({"A": "P1", "B": "P2"}, pytest.approx(26))
    assert solve(_young(0.5)) == ({"A": "P1", "C": "P2"}, pytest.approx(21))


# -- frontline share -----------------------------------------------------------------------
# C and D serve on the frontline. One post (weight 2) and one slot. Free: A-P1 (18) + B slot (8).
# Half of all moves frontline: A-P1 (18) + C slot (2) = 20 (C-P1 + A slot gives 4 + 9).
def _frontline(share: float) -> Instance:
    return Instance(
        candidates={"A": {"score": 9}, "B": {"score": 8}, "C": {"score": 2, "frontline": True},
                    "D": {"score": 1, "frontline": True}},
        posts={"P1": {"weight": 2}},
        pools=[(0, 1, 1)],
        rules=Rules(eligibility=NO_YEARS, targets=Targets(frontline_share_min=share)),
    )


def test_frontline_share():
    assert solve(_frontline(0.0)) == ({"A": "P1", "B": "county_r1"}, pytest.approx(26))
    assert solve(_frontline(0.5)) == ({"A": "P1", "C": "county_r1"}, pytest.approx(20))


# -- outflow limit -------------------------------------------------------------------------
# A, B in unit 0 (town), C in unit 1 (district); P1 in the district (weight 2), P2 in the town.
# No limit: A-P1 (18) + B-P2 (8) = 26 (one leaver). No leavers allowed: A-P2 (9) + C-P1 (6) = 15.
def _outflow(limit: int) -> Instance:
    return Instance(
        candidates={"A": {"score": 9, "unit": 0}, "B": {"score": 8, "unit": 0},
                    "C": {"score": 3, "unit": 1}},
        posts={"P1": {"weight": 2, "unit": 1}, "P2": {"weight": 1, "unit": 0}},
        rules=Rules(eligibility=NO_YEARS, limits=Limits(max_outflow_per_unit=limit)),
    )


def test_outflow_limit():
    assert solve(_outflow(-1)) == ({"A": "P1", "B": "P2"}, pytest.approx(26))
    assert solve(_outflow(1)) == ({"A": "P1", "B": "P2"}, pytest.approx(26))
    assert solve(_outflow(0)) == ({"A": "P2", "C": "P1"}, pytest.approx(15))


def test_outflow_rows_only_for_units_with_leavers():
    model = build_pulp_model(_outflow(0).problem())
    rows = model.family(RowFamily.OUTFLOW)
    assert [c.name for c in rows.constraints] == ["outflow_town", "outflow_district"]
    # town: A-P1, B-P1 leave; district: C-P2 leaves.
    assert sorted(v.name for v in rows.constraints[0].keys()) == ["x_a_p1", "x_b_p1"]
    assert [v.name for v in rows.constraints[1].keys()] == ["x_c_p2"]


# -- mobility ------------------------------------------------------------------------------
# P1 in the town (weight 2), P2 in the district. A (9) and C (4) in the district, B (5) in the town.
# Unified: A-P1 (18) + B-P2 (5) = 23.
# Within unit: A-P2 (9) + B-P1 (10) = 19; C-P2 is the only other pair.
def _mobility(mobility: Mobility) -> Instance:
    return Instance(
        candidates={"A": {"score": 9, "unit": 1}, "B": {"score": 5, "unit": 0},
                    "C": {"score": 4, "unit": 1}},
        posts={"P1": {"weight": 2, "unit": 0}, "P2": {"weight": 1, "unit": 1}},
        rules=Rules(eligibility=Eligibility(min_years_post={}, mobility=mobility)),
    )


def test_within_unit_mobility():
    assert solve(_mobility(Mobility.UNIFIED)) == ({"A": "P1", "B": "P2"}, pytest.approx(23))
    assert solve(_mobility(Mobility.WITHIN_UNIT)) == ({"A": "P2", "B": "P1"}, pytest.approx(19))
    model = build_pulp_model(_mobility(Mobility.WITHIN_UNIT).problem())
    assert [v.name for v in model.variables[:model.n_post_cols]] == ["x_a_p2", "x_b_p1", "x_c_p2"]


# -- relief for top performers (竞岗) -------------------------------------------------------
# The post needs 3 years. A (score 9) has 1.5: ineligible, so B (7, 3 years) gets it.
# With 2 years of relief for the top quarter (A alone), A qualifies and takes it; D (0.5 years,
# not in the top quarter) stays ineligible.
def _relief(relief_years: float) -> Instance:
    return Instance(
        candidates={"A": {"score": 9, "years": 1.5}, "B": {"score": 7, "years": 3},
                    "C": {"score": 4, "years": 3.5}, "D": {"score": 2, "years": 0.5}},
        posts={"P1": {}},
        rules=Rules(eligibility=Eligibility(min_years_post={1: 3.0}, relief_top_share=0.25,
                                            min_years_relief=relief_years)),
    )


def test_relief_for_top_performers():
    assert solve(_relief(0.0)) == ({"B": "P1"}, pytest.approx(7))
    assert solve(_relief(2.0)) == ({"A": "P1"}, pytest.approx(9))
    model = build_pulp_model(_relief(2.0).problem())
    assert [v.name for v in model.variables[:model.n_post_cols]] == ["x_a_p1", "x_b_p1", "x_c_p1"]


# -- infeasible and empty ------------------------------------------------------------------
def test_must_fill_post_nobody_may_take_is_infeasible():
    instance = Instance(candidates={"A": {"score": 1}},
                        posts={"P1": {"min_rank": 3, "must_fill": True}})
    model = build_pulp_model(instance.problem())
    result = solve_pulp(model)
    assert result.status is ResultStatus.INFEASIBLE
    assert result.x is None


def test_no_eligible_pair_gives_an_empty_optimal_model():
    instance = Instance(candidates={"A": {"score": 1}}, posts={"P1": {"min_rank": 3}}, pools=[])
    model = build_pulp_model(instance.problem())
    result = solve_pulp(model)
    assert model.n_cols == 0
    assert [c.name for c in model.constraints] == ["post_p1"]
    assert result.status is ResultStatus.OPTIMAL
    assert result.objective == 0.0 and result.x.shape == (0,)


# -- the same program as optimize.formulation ------------------------------------------------
ALL_INSTANCES = {
    "plain": PLAIN,
    "must_fill": _must_fill(True),
    "pool": _pool(2),
    "young": _young(0.5),
    "frontline": _frontline(0.5),
    "outflow": _outflow(0),
    "within_unit": _mobility(Mobility.WITHIN_UNIT),
    "relief": _relief(2.0),
    "all_rules": Instance(
        candidates={"A": {"score": 9, "age": 30, "unit": 0, "frontline": True},
                    "B": {"score": 8, "age": 50, "unit": 1, "rank": 1},
                    "C": {"score": 3, "age": 33, "unit": 1, "years": 1},
                    "D": {"score": 6, "age": 40, "unit": 0, "frontline": True, "rank": 1}},
        posts={"P1": {"weight": 2, "unit": 1}, "P2": {"unit": 0, "min_rank": 1, "must_fill": True},
               "P3": {"level": 2, "unit": 0}},
        pools=[(0, 1, 1), (0, 2, 1)],
        rules=Rules(eligibility=Eligibility(min_years_post={1: 2.0}),
                    targets=Targets(young_share_min=0.3, frontline_share_min=0.4),
                    limits=Limits(max_outflow_per_unit=1),
                    composition=(Composition(attribute="gender", value="女", min_share=0.3),),
                    team=(Team(attribute="gender", value="女", min_count=1),)),
        fit={("A", "P1"): 1.5, ("B", "P2"): 0.8},
        regulations=Regulations(
            attributes={"gender": np.array(["女", "男", "男", "女"], dtype=object)},
            conflicts=Conflicts(np.array([0]), np.array([3]), np.array([-1]),
                                (ConflictKind.SAME_UNIT,)),
            locks=Locks(np.array([2]), np.array([-1]), np.array([-1]), (LockKind.FORBID,)),
        ),
    ),
}


def _matrix(model) -> tuple[sp.csc_array, np.ndarray, np.ndarray]:
    """The model's constraint matrix and row bounds, read back from pulp."""
    column = {v.id: j for j, v in enumerate(model.variables)}
    rows, cols, coefs, lower, upper = [], [], [], [], []
    for r, constraint in enumerate(model.constraints):
        for var, coef in constraint.items():
            rows.append(r)
            cols.append(column[var.id])
            coefs.append(coef)
        lower.append(-np.inf if constraint.getLb() is None else constraint.getLb())
        upper.append(np.inf if constraint.getUb() is None else constraint.getUb())
    matrix = sp.csc_array((coefs, (rows, cols)), shape=(model.n_rows, model.n_cols))
    return matrix, np.array(lower), np.array(upper)


@pytest.mark.parametrize("name", ALL_INSTANCES)
def test_same_program_as_the_formulation(name):
    problem = ALL_INSTANCES[name].problem()
    form = build_formulation(problem)
    model = build_pulp_model(problem, form.pairs)
    assert (model.n_cols, model.n_rows) == (form.n_cols, form.n_rows)
    assert len(model.problem.variables()) == form.n_cols
    assert len(model.problem.constraints()) == form.n_rows
    matrix, lower, upper = _matrix(model)
    np.testing.assert_array_equal(matrix.toarray(), form.matrix.toarray())
    np.testing.assert_array_equal(lower, form.row_lower)
    np.testing.assert_array_equal(upper, form.row_upper)
    np.testing.assert_array_equal(model.row_family, form.row_family)
    np.testing.assert_array_equal(model.row_entity, form.row_entity)
    objective = model.problem.objective
    np.testing.assert_array_equal([objective.get(v, 0.0) for v in model.variables], form.cost)
    assert all(v.cat == pulp.LpInteger for v in model.variables)
    assert all((v.lowBound, v.upBound) == (0, 1) for v in model.variables)


def test_all_rules_instance_uses_every_family():
    model = build_pulp_model(ALL_INSTANCES["all_rules"].problem())
    assert {f.family for f in model.families if f.constraints} == set(RowFamily)


@pytest.mark.parametrize("name", ALL_INSTANCES)
def test_names_are_legal_and_unique(name):
    model = build_pulp_model(ALL_INSTANCES[name].problem())
    names = [v.name for v in model.variables] + [c.name for c in model.constraints]
    assert all(LEGAL_NAME.match(n) for n in names), names
    assert len(set(names)) == len(names)


def test_names_come_from_the_ids():
    model = build_pulp_model(ALL_INSTANCES["all_rules"].problem())
    names = {v.name for v in model.variables} | {c.name for c in model.constraints}
    assert {"x_a_p1", "z_c_county_r1", "one_move_a", "post_p2", "pool_county_r2",
            "young_share", "frontline_share", "outflow_town"} <= names


@pytest.mark.parametrize("ids", [["A", "a"], ["P-1", "P_1"], ["x" * 120, "y"]],
                         ids=["case", "punctuation", "too_long"])
def test_ids_that_would_collide_or_overflow_fall_back_to_indices(ids):
    instance = Instance(candidates={ids[0]: {"score": 2}, ids[1]: {"score": 1}},
                        posts={"P1": {}}, pools=[(0, 1, 1)])
    model = build_pulp_model(instance.problem())
    assert [v.name for v in model.variables] == ["x_0_0", "x_1_0", "z_0_0", "z_1_0"]
    assert [c.name for c in model.constraints] == ["one_move_0", "one_move_1", "post_0", "pool_0"]


def test_underscored_ids_that_would_make_the_same_pair_name_fall_back_to_indices():
    # x_a_b_c could be (a_b, c) or (a, b_c).
    instance = Instance(candidates={"a_b": {}, "a": {}}, posts={"c": {}, "b_c": {}})
    model = build_pulp_model(instance.problem())
    assert [v.name for v in model.variables[:4]] == ["x_0_0", "x_0_1", "x_1_0", "x_1_1"]


# -- export and read back --------------------------------------------------------------------
def _highs_optimum(path) -> float:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


@pytest.mark.parametrize("name", ["plain", "young", "outflow", "all_rules"])
def test_lp_file_parses_back_with_the_same_optimum(name, tmp_path):
    model = build_pulp_model(ALL_INSTANCES[name].problem())
    optimum = solve_pulp(model).objective
    path = write_lp(model, tmp_path / "model.lp")
    text = path.read_text()
    assert text.splitlines()[1] == "Maximize"
    assert all(f"{c.name}:" in text for c in model.constraints)
    assert _highs_optimum(path) == pytest.approx(optimum)


@pytest.mark.parametrize("name", ["plain", "young", "outflow", "all_rules"])
def test_mps_file_parses_back_with_the_same_optimum(name, tmp_path):
    model = build_pulp_model(ALL_INSTANCES[name].problem())
    result = solve_pulp(model)
    path = write_mps(model, tmp_path / "model.mps")
    variables, read = pulp.LpProblem.fromMPS(str(path), sense=pulp.LpMaximize)
    assert set(variables) == {v.name for v in model.variables}
    assert len(read.constraints()) == model.n_rows
    stats = read.solve(pulp.HiGHS(msg=False, gapRel=0.0))
    assert stats.objective == pytest.approx(result.objective)
    # pulp writes a maximisation to MPS as the minimisation of the negated objective
    assert _highs_optimum(path) == pytest.approx(-result.objective)
    chosen = {v.name for v, value in zip(model.variables, result.x, strict=True) if value > 0.5}
    assert {n for n, v in variables.items() if v.value() > 0.5} == chosen
