"""The full-size places: each seed place's world at the real size its article gives, with the
place's own policy package, and only the package's scaled counts set back to the article's.

Loading and building only: a full-size year takes far longer than a unit test may
(``python benchmarks/simulation.py --full-size`` measures it).
"""

from __future__ import annotations

import numpy as np
import pytest

from scenarios import load_scenario
from scenarios.schema import WORLD_BLOCKS
from sim.generate import build_organisation, build_population


def establishment(name: str) -> dict[str, int]:
    o = load_scenario(name).organisation
    return {group: getattr(o, group).count * getattr(o, group).establishment
            for group in ("organs", "frontline", "key_projects")}


def test_ordos_full_has_the_articles_19000_town_staff():
    assert establishment("ordos_full") == {"organs": 9_000, "frontline": 19_000,
                                           "key_projects": 1_200}


def test_ordos_full_is_ordos_with_more_units_of_the_same_kind():
    full, ordos = load_scenario("ordos_full").organisation, load_scenario("ordos").organisation
    counts = {"organs": 20 * ordos.organs.count, "key_projects": 20 * ordos.key_projects.count,
              "frontline": 19_000 // ordos.frontline.establishment}  # 1/s = 20; the article
    for group, count in counts.items():
        f, o = getattr(full, group), getattr(ordos, group)
        assert f.count == count
        assert f.model_copy(update={"count": o.count}) == o  # establishment, posts, hardship


def test_tengzhou_full_keeps_its_21_towns_and_8_task_forces():
    full = load_scenario("tengzhou_full").organisation
    assert (full.frontline.count, full.key_projects.count) == (21, 8)
    assert sum(establishment("tengzhou_full").values()) == 7_001  # ~7,000 (an assumption)


@pytest.mark.parametrize(("full", "place", "restored"), [
    ("ordos_full", "ordos", {("promotion", "county_young_members_min"): 39,
                             ("unit_pressure", "bottom_units"): 40}),
    ("tengzhou_full", "tengzhou", {("establishment", "added_frontline"): 252}),
])
def test_the_policy_is_the_places_with_its_counts_at_full_size(full, place, restored):
    big, small = load_scenario(full), load_scenario(place)
    policy = small.policy
    for (block, field), value in restored.items():
        policy = policy.model_copy(update={block: getattr(policy, block).model_copy(
            update={field: value})})
    assert big.policy == policy
    for block in WORLD_BLOCKS:
        if block != "organisation":
            assert getattr(big, block) == getattr(small, block), block
    assert (big.years, big.seed) == (small.years, small.seed)


def test_ordos_full_builds_its_organisation_and_population():
    scenario = load_scenario("ordos_full")
    organisation = build_organisation(scenario)
    population = build_population(organisation, scenario, np.random.default_rng(1))
    assert organisation.n_units == 360 + 475 + 80
    assert len(population) <= 29_200
    assert len(population) > 0.9 * 29_200
