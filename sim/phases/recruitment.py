"""Phase 9: recruitment fills establishment shortfalls at the bottom rank."""

from __future__ import annotations

import numpy as np

from scenarios.schema import Scenario
from sim.events import NO_UNIT, MoveBatch, move_batch
from sim.generate import draw_recruits
from sim.state import MoveReason, Organisation, Population


def recruit(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    year: int,
    first_id: int,
    rng: np.random.Generator,
) -> tuple[Population, MoveBatch]:
    """Recruits for every unit below its establishment (编制), at rank 0 without a post.

    ``shortfall_u = establishment_u - headcount_u`` (the added frontline
    establishment, 核增编制, is part of the establishment, so it is filled here).
    Recruits start with the incumbents' mean merit score
    and the beliefs of the colleagues they join (``peer_beliefs``,
    ``sim.generate.draw_recruits``).

    Returns
    -------
    recruits : Population
        The new rows only (ids from ``first_id``).
    moves : MoveBatch
        ``RECRUITMENT`` rows (``from_unit`` = none).
    """
    present = np.bincount(population.unit, minlength=organisation.n_units)
    shortfall = np.maximum(organisation.unit_establishment - present, 0)
    unit = np.repeat(np.arange(organisation.n_units), shortfall)
    merit_level = float(population.merit.mean()) if len(population) else 0.0
    recruits = draw_recruits(unit, organisation, scenario, first_id, year, merit_level, rng,
                             peer_beliefs=peer_beliefs(population, organisation))
    batch = move_batch(MoveReason.RECRUITMENT, recruits.id, NO_UNIT, recruits.unit,
                       recruits.rank, recruits.post)
    return recruits, batch


BELIEFS = ("belief_merit", "belief_tolerance", "belief_bonus")


def peer_beliefs(
    population: Population, organisation: Organisation
) -> dict[str, np.ndarray] | None:
    """``(n_units,) float`` per belief column: the mean belief of each unit's incumbents
    (the organisation's mean in a unit without incumbents); None without any cadre.

    Newcomers hear from colleagues what counts (是否论资排辈, whether errors are
    forgiven) before they see it themselves (docs/model.md, submodel "recruitment").
    """
    if not len(population):
        return None
    n_units = organisation.n_units
    present = np.bincount(population.unit, minlength=n_units)
    means = {}
    for column in BELIEFS:
        values = getattr(population, column)
        total = np.bincount(population.unit, weights=values, minlength=n_units)
        means[column] = np.where(present > 0, total / np.maximum(present, 1), values.mean())
    return means
