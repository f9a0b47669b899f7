"""The presolve paths on the problems the model really solves, captured and replayed.

Every yearly allocation problem of a few bundled runs (``sim.phases.allocation`` hands
them to ``optimize.allocate``; the capture records each one and lets the real solve run)
is solved again several ways: the whole program, pruned (``prune=True``), over classes of
interchangeable posts (``aggregate=True``), both with the model's threshold (what the
model runs), matching first (``assignment_first=True``), and pruned with matching first.
The optimum and the status must be the same on every problem: the exchange argument of
``optimize.presolve.prune``, the reformulation of ``optimize.presolve.aggregate`` and the
fall-back of ``optimize.presolve.matching`` are exact, so any difference is a bug. Where
the whole program was closed by branching on counts (``method = "count-branch"``), its
optimum is checked against HiGHS's MIP on the whole program too. (Which of several
equally good proposals each path returns may differ where scores tie.)
"""

from __future__ import annotations

import pytest

import optimize
import sim.phases.allocation as allocation_phase
from optimize.formulation import build_formulation
from optimize.solve import solve_program
from scenarios import load_scenario
from sim.model import CadreModel

SCENARIOS = ("ordos", "zhangdian", "tengzhou", "baseline")
YEARS = 6
MODEL_OPTIONS = {"aggregate": True, "prune": True,
                 "prune_min_pairs": allocation_phase.PRUNE_MIN_PAIRS}  # as the model calls it


def captured_problems(monkeypatch, name: str) -> list[optimize.AllocationProblem]:
    """The allocation problems of ``YEARS`` years of ``name`` (after its spin-up)."""
    problems = []
    solve = optimize.allocate

    def capture(problem, **options):
        problems.append(problem)
        return solve(problem, **options)

    model = CadreModel(load_scenario(name), rng=7)
    with monkeypatch.context() as patch:
        patch.setattr(allocation_phase.optimize, "allocate", capture)
        for _ in range(YEARS):
            model.step()
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_yearly_problem_has_the_same_optimum_on_every_path(monkeypatch, name):
    problems = captured_problems(monkeypatch, name)
    assert len(problems) >= YEARS  # at least one solve a year
    pruned_somewhere = matched_somewhere = aggregated_somewhere = False
    for k, problem in enumerate(problems):
        whole = optimize.allocate(problem, explain=False)
        if whole.method == "count-branch":
            form = build_formulation(problem)
            mip = solve_program(form, lp_first=False)
            assert whole.objective == pytest.approx(mip.objective, rel=1e-9, abs=1e-9)
        for options in ({"prune": True}, {"aggregate": True}, MODEL_OPTIONS,
                        {"assignment_first": True}, {"prune": True, "assignment_first": True}):
            other = optimize.allocate(problem, explain=False, **options)
            where = f"{name}, problem {k}, {options}"
            assert other.status is whole.status, where
            assert other.objective == pytest.approx(whole.objective, rel=1e-9, abs=1e-9), where
            pruned_somewhere |= other.pruned_pairs > 0
            matched_somewhere |= other.method == "matching"
            aggregated_somewhere |= ("aggregate" in options
                                     and other.n_variables < whole.n_variables)
    # not vacuous: the presolve paths did something on these problems (ordos' share rows and
    # county rule usually bind, so its matchings are rarely kept, but its pairs are pruned)
    assert pruned_somewhere or matched_somewhere
    assert aggregated_somewhere
