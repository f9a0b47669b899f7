"""The yearly series of bundled runs is what the reporters computed one by one the old way.

The reporters share their intermediates once a year (``sim.metrics.derived``) and the series
is collected without Mesa's deep copy (``sim.metrics.YearSeries``); every value of every year
must equal, bit for bit and type for type, what the pre-sharing code gave: Mesa's own
``DataCollector`` over the reporters, each computing alone (the year's shared values cleared
before each call), with the reporters whose arithmetic changed recomputed here as they were
written before (scipy's ``rankdata``, one ``np.percentile`` per percentile, one pass over the
moves per reason).
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest
from scipy.stats import rankdata

from scenarios import load_scenario
from sim import CadreModel, metrics
from sim.state import MoveReason

YEARS = 6


def moves_this_year(model, reason: MoveReason) -> int:
    events, count = model.events, 0
    for years, batch in zip(reversed(events.move_years), reversed(events.moves), strict=True):
        if years[0] != model.year:
            break
        count += int(np.count_nonzero(batch.reason == reason))
    return count


def top_quintile_share(model) -> float:
    perf = model.record.candidate_performance
    promoted = model.record.allocation.promoted(len(model.record.candidates))
    top = rankdata(perf) > 0.8 * len(perf)
    n = np.count_nonzero(promoted)
    return float(np.count_nonzero(top & promoted) / n) if n else float("nan")


def merit_correlation(model) -> float:
    merit = model.record.candidates.merit
    promoted = model.record.allocation.promoted(len(model.record.candidates)).astype(float)
    rx, ry = rankdata(merit), rankdata(promoted)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


OLD_WAY = {
    "effort_p10": lambda m: float(np.percentile(m.record.worked.effort, 10)),
    "effort_p50": lambda m: float(np.percentile(m.record.worked.effort, 50)),
    "effort_p90": lambda m: float(np.percentile(m.record.worked.effort, 90)),
    "promotion_top_quintile_share": top_quintile_share,
    "merit_promotion_correlation": merit_correlation,
    "performance_transfers": lambda m: moves_this_year(m, MoveReason.PERFORMANCE_TRANSFER),
    "performance_removals": lambda m: moves_this_year(m, MoveReason.PERFORMANCE_DEMOTION),
    "frontline_dispatches": lambda m: moves_this_year(m, MoveReason.DISPATCH),
    "staff_hires": lambda m: moves_this_year(m, MoveReason.STAFF_HIRE),
}


def alone(reporter):
    """The reporter computing everything itself (nothing shared with the others)."""

    def compute(model):
        model.record.derived.clear()
        return reporter(model)

    return compute


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("name", ["ordos", "tengzhou", "zhangdian", "peter_principle"])
def test_the_series_equals_the_reporters_computed_alone_the_old_way(name):
    model = CadreModel(load_scenario(name).model_copy(update={"years": YEARS}))
    reporters = model.datacollector.model_reporters
    old = mesa.DataCollector(model_reporters={
        key: alone(OLD_WAY.get(key, reporter)) for key, reporter in reporters.items()})
    for _ in range(YEARS):
        model.step()
        old.collect(model)
    assert list(model.model_frame().columns) == list(reporters)
    rows_new = [{k: v[i] for k, v in model.datacollector.model_vars.items()}
                for i in range(YEARS)]
    rows_old = [{k: v[i] for k, v in old.model_vars.items()} for i in range(YEARS)]
    for year, (a_row, b_row) in enumerate(zip(rows_old, rows_new, strict=True), start=1):
        for key in reporters:
            assert same(a_row[key], b_row[key]), (name, year, key, a_row[key], b_row[key])


def test_average_ranks_are_scipys():
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 9, 500):
        for values in (rng.random(n), rng.random(n) < 0.3, rng.integers(0, 4, n).astype(float),
                       np.zeros(n, bool), np.ones(n, bool), rng.integers(0, 3, n)):
            assert np.array_equal(metrics.average_ranks(values), rankdata(values)), (n, values)
    with_nan = rng.random(6)
    with_nan[2] = np.nan
    assert np.isnan(metrics.average_ranks(with_nan)).all()
    assert np.isnan(rankdata(with_nan)).all()
