"""核增编制 for long-serving frontline staff (seed 001, Tengzhou).

Seed 001: "核增镇街事业编制252名,核增的编制优先用于长期工作在镇街一线的骨干人员招聘,解决
基层干部晋升'天花板'问题。2019年5名优秀村书记被招聘为镇街事业编制人员。" With
``Establishment.reserved_for_staff`` the added frontline slots are kept for such hires:
people who have served in a town for years (as contract staff or village
secretaries) and bring that experience, not fresh graduates. The phase runs just
before recruitment (phase 9), which then fills the remaining shortfalls.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from scenarios.schema import Scenario
from sim.events import NO_UNIT, MoveBatch, move_batch, no_moves
from sim.generate import draw_recruits
from sim.phases.allocation import headcount
from sim.phases.recruitment import peer_beliefs
from sim.state import MoveReason, Organisation, Population


def open_staff_slots(scenario: Scenario, serving_hires: int) -> int:
    """Reserved slots without a staff hire in them: ``added_frontline - serving_hires``
    when the slots are reserved, else 0."""
    e = scenario.policy.establishment
    return max(e.added_frontline - serving_hires, 0) if e.reserved_for_staff else 0


def hire_frontline_staff(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    year: int,
    first_id: int,
    open_slots: int,
    rng: np.random.Generator,
) -> tuple[Population, MoveBatch]:
    r"""Fill up to ``open_slots`` free frontline slots with long-serving frontline staff.

    A hire has served ``y ~ U[staff_years_min, 2 staff_years_min]`` years in a town
    before: it is ``y`` years older than a recruit, has ``frontline_years = y`` and
    the ability a cadre gains there, ``+ experience_gain * min(y,
    experience_years_max)``; it starts at rank 0 without a post (事业编制 entry), with
    its new colleagues' beliefs, like any recruit.

    Returns
    -------
    hires : Population
        The new rows only (ids from ``first_id``).
    moves : MoveBatch
        ``STAFF_HIRE`` rows (``from_unit`` = none).
    """
    if open_slots <= 0:
        return population.take(np.zeros(0, np.int64)), no_moves()
    slack = np.maximum(organisation.unit_establishment - headcount(population, organisation), 0)
    slack[~organisation.unit_frontline] = 0
    slots = np.repeat(np.arange(organisation.n_units), slack)
    unit = np.sort(slots[rng.permutation(len(slots))[:open_slots]])
    merit_level = float(population.merit.mean()) if len(population) else 0.0
    hires = draw_recruits(unit, organisation, scenario, first_id, year, merit_level, rng,
                          peer_beliefs=peer_beliefs(population, organisation))
    e, p, b = scenario.policy.establishment, scenario.population, scenario.behaviour
    served = rng.uniform(e.staff_years_min, 2.0 * e.staff_years_min, len(hires))
    hires = replace(
        hires,
        age=np.minimum(hires.age + np.round(served), p.retirement_age - 1),
        frontline_years=served,
        ability=hires.ability + b.experience_gain * np.minimum(served, b.experience_years_max),
    )
    batch = move_batch(MoveReason.STAFF_HIRE, hires.id, NO_UNIT, hires.unit, hires.rank,
                       hires.post)
    return hires, batch
