"""The articles' counts as targets (``scenarios/targets/*.toml``): every quote verbatim in
its article (``docs/seeds/``), and every target met by its scenario.

A target is met when the mean over the targets file's seeds (children of
``experiments.calibration.command.DEFAULT_ROOT_SEED``, the seeds ``youwei calibrate``
used) of the reporter's per-year mean lies within ``tolerance`` of ``value * scale``.
The runs are those of the calibration, so the means are the ones ``fitted.json``
reported; the 95% t-interval is printed in the failure message.
"""

from pathlib import Path

import numpy as np
import pytest

from experiments.calibration.command import DEFAULT_ROOT_SEED
from experiments.calibration.smm import run_moments, seed_children, summarise
from experiments.calibration.targets import MAX_TOLERANCE, read_targets
from scenarios import load_scenario
from sim.metrics import COUNTY_REPORTERS

ROOT = Path(__file__).resolve().parents[2]
TARGETS = sorted((ROOT / "scenarios" / "targets").glob("*.toml"))
SEEDS = ROOT / "docs" / "seeds"


def test_targets_cover_the_seed_places():
    """At least eight targets over at least four seed places, with the counts the issue
    names (Zhangdian 交流9人、免职5人 and 39 into the reserve, Ordos 118 dispatched,
    Tengzhou 704 rewarded, Suizhou's competitive-selection winners)."""
    sets = {path.stem: read_targets(path, set(COUNTY_REPORTERS)) for path in TARGETS}
    assert len(sets) >= 4 and sum(len(s.target) for s in sets.values()) >= 8
    names = {(place, t.name) for place, s in sets.items() for t in s.target}
    assert {("zhangdian", "performance_transfers"), ("zhangdian", "performance_removals"),
            ("zhangdian", "reserve_entries"), ("ordos", "frontline_dispatches"),
            ("tengzhou", "bonus_recipients"),
            ("suizhou_hitech", "competitive_selection_winners")} <= names
    for place, targets in sets.items():
        assert targets.scenario == place
        assert all(t.tolerance <= MAX_TOLERANCE for t in targets.target)


@pytest.mark.parametrize("path", TARGETS, ids=lambda p: p.stem)
def test_quotes_are_verbatim_in_their_articles(path):
    for target in read_targets(path).target:
        article = SEEDS / target.article
        assert article.exists(), f"{target.name}: no article {target.article} in docs/seeds"
        assert target.quote in article.read_text(encoding="utf-8"), (
            f"{path.name}: the quote of {target.name} is not in {target.article}")


@pytest.mark.slow
@pytest.mark.parametrize("path", TARGETS, ids=lambda p: p.stem)
def test_every_target_is_met(path):
    targets = read_targets(path, set(COUNTY_REPORTERS))
    scenario = load_scenario(targets.scenario)
    runs = np.array([run_moments(scenario, seed, targets.names)
                     for seed in seed_children(DEFAULT_ROOT_SEED, targets.seeds)])
    mean, low, high = summarise(runs)
    missed = [f"{t.name}: model {m:.3g} [{lo:.3g}, {hi:.3g}], target {t.goal:.3g} "
              f"+- {t.tolerance:.0%}"
              for t, m, lo, hi in zip(targets.target, mean, low, high, strict=True)
              if not abs(m - t.goal) <= t.tolerance * t.goal]
    assert not missed, "; ".join(missed)
