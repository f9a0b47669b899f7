"""派往: one-way dispatch of organ cadres to the frontline (seed 004).

Seed 004 (Ordos): "2022年以来,鄂尔多斯先后将118名干部派往乡村振兴主战场、项目建设主阵地、
招商引资最前沿、改革发展第一线,让他们在实战中磨砺成长". Unlike rotation (交流任职,
``sim.phases.allocation.rotate``: organ and frontline cadres swap places) a dispatch is
one-way: the cadre takes a free frontline establishment slot and the organ's
vacancy is refilled by recruitment. The phase runs after the allocation and before
recruitment, when exits and promotions have freed slots.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from scenarios.schema import Scenario
from sim.arrays import stochastic_round
from sim.events import MoveBatch, move_batch, no_moves
from sim.phases.allocation import headcount, rank_headroom
from sim.state import MoveReason, Organisation, Population, UnitKind


def dispatch(
    population: Population, organisation: Organisation, scenario: Scenario,
    rng: np.random.Generator,
) -> tuple[Population, MoveBatch]:
    """Send ``share`` of the eligible organ cadres to free frontline slots.

    Eligible: organ cadres without a leadership post (and at most ``young_age_max``
    years old with ``young_only``). ``n = stochastic_round(share * n_eligible)``,
    at most the free frontline establishment slots; the cadres are drawn at random
    and take random free slots. A dispatched cadre keeps the rank; where the
    frontline has its own rank pool, only ranks with headroom for all ``n`` in
    every frontline pool are sent, so rank quotas hold.

    Returns
    -------
    population : Population
        Dispatched cadres in their frontline units.
    moves : MoveBatch
        ``DISPATCH`` rows.
    """
    d = scenario.policy.dispatch
    if d.share <= 0 or len(population) == 0:
        return population, no_moves()
    organ_unit = organisation.unit_kind == UnitKind.ORGAN
    eligible = organ_unit[population.unit] & (population.post < 0)
    if d.young_only:
        eligible &= population.age <= scenario.population.young_age_max
    slack = np.maximum(organisation.unit_establishment - headcount(population, organisation), 0)
    slack[organ_unit] = 0
    n = min(int(stochastic_round(np.array([d.share * eligible.sum()]), rng)[0]), int(slack.sum()))
    if n == 0:
        return population, no_moves()
    organ_pools = np.unique(organisation.unit_pool[organ_unit])
    other_pools = np.setdiff1d(np.unique(organisation.unit_pool[~organ_unit]), organ_pools)
    if len(other_pools):
        # Highest rank r such that every frontline pool can take n more at ranks 1..r.
        room = np.minimum.accumulate(rank_headroom(population, organisation)[other_pools, 1:]
                                     .min(axis=0))
        eligible &= population.rank <= np.count_nonzero(room >= n)
    rows = np.flatnonzero(eligible)
    rows = rows[rng.permutation(len(rows))[:n]]
    slots = np.repeat(np.arange(organisation.n_units), slack)
    to_unit = slots[rng.permutation(len(slots))[:len(rows)]]
    unit = population.unit.copy()
    unit[rows] = to_unit
    batch = move_batch(MoveReason.DISPATCH, population.id[rows], population.unit[rows], to_unit,
                       population.rank[rows], population.post[rows])
    return replace(population, unit=unit), batch
