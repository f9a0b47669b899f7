"""Every number that reaches the solver is in a safe range; too large is refused up front."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments import cli
from optimize import AllocationProblem, Candidates, Fit, Posts, ProblemError, RankPools, allocate
from optimize.problem import (
    BYTES_PER_PAIR,
    MAX_OBJECTIVE_COEFFICIENT,
    eligible_pairs_bound,
    log10_largest_coefficient,
    machine_memory_bytes,
)
from optimize.proposal import Backend, SolveStatus
from optimize.rules import Rules, Weights
from scenarios import SCENARIO_DIR

EXAMPLE = SCENARIO_DIR / "examples" / "county"


def problem(scores=(3.0, 2.0, 1.0), *, fit=None, weight=1.0, hardship=1.0, rules=None,
            n_posts=1) -> AllocationProblem:
    n = len(scores)
    candidates = Candidates.build(unit=np.zeros(n, int), rank=np.full(n, 2),
                                  age=np.full(n, 40), years_in_grade=np.full(n, 5.0),
                                  score=np.asarray(scores, float), hardship=np.full(n, hardship),
                                  frontline=np.ones(n, bool))
    posts = Posts.build(unit=np.zeros(n_posts, int), level=np.ones(n_posts, int),
                        min_rank=np.ones(n_posts, int), weight=np.full(n_posts, weight))
    return AllocationProblem(candidates, posts, RankPools(pool=[0], rank=[3], headroom=[0]),
                             rules=rules or Rules(), fit=fit or Fit())


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scores": (1e308, 1.0)}, r"candidates\.score must be finite and at most 1e\+06 "
                               r"\(row '0': 1e\+308\)"),
    ({"scores": (math.inf, 1.0)}, r"candidates\.score must be"),
    ({"weight": 1e308}, r"posts\.weight must be finite and at most 1e\+06 \(row 'P0': 1e\+308\)"),
    ({"fit": Fit(candidate=[1], post=[0], fit=[1e308])},
     r"fit\.fit must be finite and at most 1e\+06 in size \(candidate '1', post 'P0': 1e\+308\)"),
    ({"fit": Fit(candidate=[1], post=[0], fit=[-1e308])}, r"fit\.fit must be finite"),
    ({"hardship": 1e308}, r"candidates\.hardship must be finite"),
    ({"scores": (1e5, 1.0), "fit": Fit(candidate=[0], post=[0], fit=[1e5])},
     r"the largest value of a move.* is about 1e10, above 1e\+09: rescale"),
    ({"hardship": 1e4, "rules": Rules(weights=Weights(hardship_exponent=10))},
     r"is about 1e40, above 1e\+09"),
])
def test_numbers_outside_the_safe_range_are_refused_at_construction(kwargs, message):
    with pytest.raises(ProblemError, match=message):
        problem(**kwargs)


@pytest.mark.parametrize("backend", list(Backend))
def test_large_but_safe_numbers_give_the_right_proposal(backend):
    # 1e6 x fit 1e3 = 1e9: at the edge, the best candidate must still win the post.
    edge = problem((1e6, 999_999.0, 1.0), fit=Fit(candidate=[0, 1], post=[0, 0],
                                                   fit=[1e3, 1e3]))
    assert log10_largest_coefficient(edge) == pytest.approx(9.0)
    proposal = allocate(edge, backend=backend)
    assert proposal.status is SolveStatus.OPTIMAL
    assert np.isfinite(proposal.objective)
    assert proposal.objective == pytest.approx(1e9)
    assert MAX_OBJECTIVE_COEFFICIENT == 1e9


def test_the_pair_bound_counts_rank_and_post_level():
    p = problem((3.0, 2.0, 1.0), n_posts=4)
    assert eligible_pairs_bound(p) == 3 * 4 + 3  # every candidate may take every post, + ranks


def test_an_allocation_too_large_for_memory_is_refused_before_building():
    n = 200_000  # 4e10 pairs x 400 bytes = 16 TB: more than any machine this runs on
    assert n * n * BYTES_PER_PAIR["fast"] > machine_memory_bytes()
    huge = problem(np.ones(n), n_posts=n)  # stating it costs nothing; building would
    with pytest.raises(ProblemError, match=r"^the allocation is too large: up to "
                                           r"40,000,200,000 eligible candidate-post pairs would "
                                           r"need about [\d,.]+ GiB with the fast backend"):
        allocate(huge, explain=False)


def test_interchangeable_posts_are_sized_as_classes():
    # 2,000 candidates x 100,000 alike posts: 2e8 pairs (80 GB) post by post, refused; over
    # the one class of posts, 2,000 pairs, and every candidate gets a post of it
    n, m = 2_000, 100_000
    assert n * m * BYTES_PER_PAIR["fast"] > machine_memory_bytes()
    alike = problem(np.arange(n, dtype=float) % 7 + 1.0, n_posts=m)
    with pytest.raises(ProblemError, match="too large"):
        allocate(alike, explain=False)
    proposal = allocate(alike, explain=False, aggregate=True)
    assert proposal.status is SolveStatus.OPTIMAL and proposal.n_variables == n + n
    assert len(np.unique(proposal.moves.target)) == n


def write_fit(folder, value: str):
    path = folder / "fit.csv"
    path.write_text(f"candidate,post,fit\nC0009,P013,{value}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "message"), [
    ("1e308", "fit.fit must be finite and at most 1e+06 in size (candidate 'C0009', "
              "post 'P013': 1e+308)"),
])
@pytest.mark.parametrize("backend", ["fast", "pulp"])
def test_allocate_refuses_an_unsafe_fit_with_one_line(tmp_path, capsys, value, message, backend):
    code = cli.main(["allocate", "--candidates", str(EXAMPLE / "candidates.csv"),
                     "--posts", str(EXAMPLE / "posts.csv"), "--pools", str(EXAMPLE / "pools.csv"),
                     "--fit", str(write_fit(tmp_path, value)), "--backend", backend,
                     "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == f"youwei: error: {message}\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("backend", ["fast", "pulp"])
def test_allocate_refuses_a_roster_too_large_for_memory_with_one_line(tmp_path, capsys,
                                                                       monkeypatch, backend):
    # the check runs in optimize.allocate on the program it would build; the command turns
    # it into one line and exit code 2, with nothing written (a 1 MB machine here)
    import optimize.problem as problem_module

    monkeypatch.setattr(problem_module, "machine_memory_bytes", lambda: 2**20)
    code = cli.main(["allocate", "--candidates", str(EXAMPLE / "candidates.csv"),
                     "--posts", str(EXAMPLE / "posts.csv"), "--pools", str(EXAMPLE / "pools.csv"),
                     "--backend", backend, "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    errors = [line for line in err.splitlines() if line.startswith("youwei: error:")]
    assert len(errors) == 1  # (the reader's notice about carried columns comes first)
    assert errors[0].startswith("youwei: error: the allocation is too large: up to ")
    assert f"with the {backend} backend" in errors[0]
    assert not (tmp_path / "out").exists()
