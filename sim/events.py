"""The event log: every move and every error of a run, kept as per-year numpy batches.

Phases return ``MoveBatch`` / ``ErrorBatch`` records; ``CadreModel.step`` appends
them to the ``EventLog``; pandas frames are built on demand
(``moves_frame``, ``errors_frame``) with unit and reason names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from sim.state import ErrorOutcome, MoveReason, Organisation, Severity

NO_UNIT = -1  # "from" of a recruit, "to" of a leaver
NO_POST = -1


@dataclass(frozen=True)
class MoveBatch:
    """Moves of one kind in one year (all arrays ``(n_moves,)``).

    ``rank`` and ``post`` are the cadre's rank and post after the move (for a
    leaver: at departure); ``post`` is -1 when none.
    """

    cadre_id: np.ndarray
    reason: np.ndarray
    from_unit: np.ndarray
    to_unit: np.ndarray
    rank: np.ndarray
    post: np.ndarray

    def __len__(self) -> int:
        return len(self.cadre_id)


def move_batch(
    reason: MoveReason | np.ndarray,
    cadre_id: np.ndarray,
    from_unit: np.ndarray,
    to_unit: np.ndarray,
    rank: np.ndarray,
    post: np.ndarray,
) -> MoveBatch:
    """A ``MoveBatch`` with one reason for all rows (or a reason per row)."""
    n = len(cadre_id)
    reasons = np.broadcast_to(np.asarray(reason, np.int64), (n,)).copy()
    return MoveBatch(
        cadre_id=np.asarray(cadre_id, np.int64),
        reason=reasons,
        from_unit=np.broadcast_to(np.asarray(from_unit, np.int64), (n,)).copy(),
        to_unit=np.broadcast_to(np.asarray(to_unit, np.int64), (n,)).copy(),
        rank=np.asarray(rank, np.int64),
        post=np.asarray(post, np.int64),
    )


def no_moves() -> MoveBatch:
    empty = np.zeros(0, np.int64)
    return MoveBatch(empty, empty, empty, empty, empty, empty)


@dataclass(frozen=True)
class ErrorBatch:
    """The errors of one year (arrays ``(n_errors,)``); ``severity`` -1 when not punished."""

    cadre_id: np.ndarray
    unit: np.ndarray
    honest: np.ndarray
    detected: np.ndarray
    classified_honest: np.ndarray
    outcome: np.ndarray
    severity: np.ndarray


@dataclass
class EventLog:
    """Append-only log of per-year batches (only ``CadreModel.step`` appends)."""

    move_years: list[np.ndarray] = field(default_factory=list)
    moves: list[MoveBatch] = field(default_factory=list)
    error_years: list[np.ndarray] = field(default_factory=list)
    errors: list[ErrorBatch] = field(default_factory=list)

    def add_moves(self, year: int, *batches: MoveBatch) -> None:
        for batch in batches:
            if len(batch):
                self.moves.append(batch)
                self.move_years.append(np.full(len(batch), year, np.int64))

    def add_errors(self, year: int, batch: ErrorBatch) -> None:
        if len(batch.cadre_id):
            self.errors.append(batch)
            self.error_years.append(np.full(len(batch.cadre_id), year, np.int64))


def _stack(batches: list, cls) -> dict[str, np.ndarray]:
    return {
        f.name: np.concatenate([getattr(b, f.name) for b in batches]) if batches
        else np.zeros(0, np.int64)
        for f in fields(cls)
    }


def _unit_names(organisation: Organisation, codes: np.ndarray) -> np.ndarray:
    names = np.array([*organisation.unit_names, ""], dtype=object)
    return names[np.where(codes >= 0, codes, len(organisation.unit_names))]


def moves_frame(log: EventLog, organisation: Organisation) -> pd.DataFrame:
    """One row per move: year, cadre_id, reason (``MoveReason`` name), from/to unit, rank, post.

    ``from_unit`` is empty for recruits and ``to_unit`` for leavers; ``post`` is
    the post index held after the move (-1 none) and ``post_level`` its level (0 none).
    """
    data = _stack(log.moves, MoveBatch)
    reason_names = np.array([r.name for r in MoveReason], dtype=object)
    levels = np.r_[organisation.post_level, 0]
    return pd.DataFrame({
        "year": np.concatenate(log.move_years) if log.move_years else np.zeros(0, np.int64),
        "cadre_id": data["cadre_id"],
        "reason": pd.Categorical(reason_names[data["reason"]],
                                 categories=[r.name for r in MoveReason]),
        "from_unit": _unit_names(organisation, data["from_unit"]),
        "to_unit": _unit_names(organisation, data["to_unit"]),
        "rank": data["rank"],
        "post": data["post"],
        "post_level": levels[np.where(data["post"] >= 0, data["post"], -1)],
    })


def errors_frame(log: EventLog, organisation: Organisation) -> pd.DataFrame:
    """One row per error: year, cadre_id, unit, honest, detected, classified_honest,
    outcome (``ErrorOutcome`` name), severity (``Severity`` name, empty if not punished)."""
    data = _stack(log.errors, ErrorBatch)
    outcome_names = np.array([o.name for o in ErrorOutcome], dtype=object)
    severity_names = np.array([*(s.name for s in Severity), ""], dtype=object)
    severity = data["severity"]
    return pd.DataFrame({
        "year": np.concatenate(log.error_years) if log.error_years else np.zeros(0, np.int64),
        "cadre_id": data["cadre_id"],
        "unit": _unit_names(organisation, data["unit"]),
        "honest": data["honest"].astype(bool),
        "detected": data["detected"].astype(bool),
        "classified_honest": data["classified_honest"].astype(bool),
        "outcome": pd.Categorical(outcome_names[data["outcome"]],
                                  categories=[o.name for o in ErrorOutcome]),
        "severity": severity_names[np.where(severity >= 0, severity, len(Severity))],
    })
