"""The allocation integer program: limited posts and rank slots to frontline performers.

Usable on its own (an organisation department with a CSV of candidates needs no
simulation); imports nothing else of youwei.
"""

from optimize.allocate import AllocationError, allocate
from optimize.problem import AllocationProblem, Candidates, Fit, Posts, ProblemError, RankPools
from optimize.proposal import Backend, MoveKind, Proposal, SolveStatus
from optimize.rules import Eligibility, Limits, Mobility, Rules, Targets, Weights

__all__ = [
    "AllocationError",
    "AllocationProblem",
    "Backend",
    "Candidates",
    "Eligibility",
    "Fit",
    "Limits",
    "Mobility",
    "MoveKind",
    "Posts",
    "ProblemError",
    "Proposal",
    "RankPools",
    "Rules",
    "SolveStatus",
    "Targets",
    "Weights",
    "allocate",
]
