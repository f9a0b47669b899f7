"""Published optima: OR-Library linear assignment instances through both solve paths.

``data/assign100.txt`` is a copy of OR-Library's ``assign100.txt`` (Beasley 1990);
its minimum cost is 305 (OR-Library ``assigninfo``).
"""

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

import optimize
from experiments.allocation.orlib import OrlibFormatError, assignment_problem, read_assignment
from optimize.proposal import Backend
from optimize.pulp_model import build_pulp_model
from optimize.solve import ResultStatus, solve_pulp

ASSIGN100 = Path(__file__).parent / "data" / "assign100.txt"
ASSIGN100_MIN_COST = 305

# Three candidates, three posts: the cheapest assignment is c1->p2, c2->p1, c3->p3 (1 + 2 + 2).
HAND_COST = np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]], dtype=float)
HAND_MIN_COST = 5
HAND_ASSIGNMENT = {"c1": "p2", "c2": "p1", "c3": "p3"}


def _write_orlib(cost: np.ndarray, path: Path) -> Path:
    """Write ``cost`` the way OR-Library does: n, then the rows wrapped at 4 numbers a line."""
    numbers = [str(int(v)) for v in cost.ravel()]
    wrapped = [" " + " ".join(numbers[k:k + 4]) for k in range(0, len(numbers), 4)]
    lines = [f" {len(cost)}", *wrapped]
    path.write_text("\n".join(lines) + "\n")
    return path


def _pairs_of(problem, x, pairs) -> dict[str, str]:
    chosen = np.flatnonzero(x > 0.5)
    cand = problem.candidates.id[pairs.post_candidate[chosen]]
    post = problem.posts.id[pairs.post_post[chosen]]
    return dict(zip(cand.tolist(), post.tolist(), strict=True))


def test_read_assignment_reads_wrapped_rows(tmp_path):
    cost = read_assignment(_write_orlib(HAND_COST, tmp_path / "assign3.txt"))
    np.testing.assert_array_equal(cost, HAND_COST)


def test_read_assignment_rejects_a_wrong_count(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("3\n1 2 3 4 5 6 7 8\n")
    with pytest.raises(OrlibFormatError, match="expected 3 x 3 = 9 costs"):
        read_assignment(path)


def test_assignment_problem_makes_every_pair_eligible_and_no_rank_moves():
    problem = assignment_problem(HAND_COST)
    model = build_pulp_model(problem)
    assert model.pairs.n_post_pairs == 9
    assert model.pairs.n_rank_pairs == 0
    np.testing.assert_array_equal(model.cost, -HAND_COST.ravel())


def test_hand_assignment_through_pulp(tmp_path):
    problem = assignment_problem(read_assignment(_write_orlib(HAND_COST, tmp_path / "a.txt")))
    model = build_pulp_model(problem)
    result = solve_pulp(model)
    assert result.status is ResultStatus.OPTIMAL
    assert result.objective == pytest.approx(-HAND_MIN_COST)
    assert _pairs_of(problem, result.x, model.pairs) == HAND_ASSIGNMENT


@pytest.mark.parametrize("backend", list(Backend))
def test_hand_assignment_through_allocate(backend):
    problem = assignment_problem(HAND_COST)
    proposal = optimize.allocate(problem, backend=backend)
    assert proposal.status is optimize.SolveStatus.OPTIMAL
    assert proposal.objective == pytest.approx(-HAND_MIN_COST)
    got = dict(zip(problem.candidates.id[proposal.moves.candidate].tolist(),
                   problem.posts.id[proposal.moves.target].tolist(), strict=True))
    assert got == HAND_ASSIGNMENT


@pytest.fixture(scope="module")
def assign100():
    return assignment_problem(read_assignment(ASSIGN100))


def test_assign100_copy_has_the_published_optimum():
    cost = read_assignment(ASSIGN100)
    rows, cols = linear_sum_assignment(cost)
    assert cost[rows, cols].sum() == ASSIGN100_MIN_COST


def test_assign100_fast_path(assign100):
    proposal = optimize.allocate(assign100)
    assert proposal.status is optimize.SolveStatus.OPTIMAL
    assert proposal.objective == pytest.approx(-ASSIGN100_MIN_COST)
    assert len(proposal.moves) == 100
    assert sorted(proposal.moves.target.tolist()) == list(range(100))


def test_assign100_pulp_backend(assign100):
    model = build_pulp_model(assign100)
    result = solve_pulp(model)
    assert result.status is ResultStatus.OPTIMAL
    assert result.objective == pytest.approx(-ASSIGN100_MIN_COST)
    assert result.gap == 0.0
    chosen = np.flatnonzero(result.x > 0.5)
    assert len(chosen) == 100
    assert len(set(model.pairs.post_post[chosen].tolist())) == 100
