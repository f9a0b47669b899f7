"""The allocation integer program: limited posts and rank slots to frontline performers.

Usable on its own (an organisation department with a CSV of candidates needs no
simulation); imports nothing else of youwei.
"""

from optimize.allocate import AllocationError, allocate
from optimize.problem import AllocationProblem, Candidates, Fit, Posts, ProblemError, RankPools
from optimize.proposal import Alternative, Backend, MoveKind, Proposal, SolveStatus
from optimize.regulations import ConflictKind, Conflicts, LockKind, Locks, Regulations
from optimize.rules import (
    Composition,
    Eligibility,
    Limits,
    Mobility,
    Names,
    Over,
    Rules,
    Targets,
    Team,
    Weights,
)

__all__ = [
    "AllocationError",
    "AllocationProblem",
    "Alternative",
    "Backend",
    "Candidates",
    "Composition",
    "ConflictKind",
    "Conflicts",
    "Eligibility",
    "Fit",
    "Limits",
    "LockKind",
    "Locks",
    "Mobility",
    "MoveKind",
    "Names",
    "Over",
    "Posts",
    "ProblemError",
    "Proposal",
    "RankPools",
    "Regulations",
    "Rules",
    "SolveStatus",
    "Targets",
    "Team",
    "Weights",
    "allocate",
]
