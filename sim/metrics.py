"""Model reporters (MODEL.md section 5): one named function per measure, ``f(model) -> float``.

Each reads the model's last ``YearRecord`` (``model.record``) or its
population; they are plain module-level functions so that a DataCollector
pickles for parallel runs. Counts are per year; shares are in [0, 1] and NaN
when undefined (e.g. no promotions this year).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import rankdata

from sim.exits import Departures
from sim.state import ErrorOutcome, MoveReason

if TYPE_CHECKING:
    from sim.model import CadreModel


def _share(mask: np.ndarray, of: np.ndarray) -> float:
    n = np.count_nonzero(of)
    return float(np.count_nonzero(mask & of) / n) if n else float("nan")


# ----------------------------------------------------------------------------- effort


def year(model: CadreModel) -> int:
    """The year just completed (1 = first)."""
    return model.year


def headcount(model: CadreModel) -> int:
    """Cadres at the end of the year."""
    return len(model.population)


def mean_effort(model: CadreModel) -> float:
    """Mean effort (担当) of the cadres who served this year, in [0, 1]."""
    return float(model.record.worked.effort.mean())


def _effort_by_kind(model: CadreModel, frontline: bool) -> float:
    worked = model.record.worked
    mask = model.organisation.unit_frontline[worked.unit] == frontline
    return float(worked.effort[mask].mean()) if mask.any() else float("nan")


def mean_effort_frontline(model: CadreModel) -> float:
    """Mean effort in frontline units (towns, parks, key projects)."""
    return _effort_by_kind(model, True)


def mean_effort_organ(model: CadreModel) -> float:
    """Mean effort in organs (机关)."""
    return _effort_by_kind(model, False)


def effort_p10(model: CadreModel) -> float:
    """10th percentile of effort."""
    return float(np.percentile(model.record.worked.effort, 10))


def effort_p50(model: CadreModel) -> float:
    """Median effort."""
    return float(np.percentile(model.record.worked.effort, 50))


def effort_p90(model: CadreModel) -> float:
    """90th percentile of effort."""
    return float(np.percentile(model.record.worked.effort, 90))


def responsibility_weight(model: CadreModel):
    """``(n_worked,) float``: 1 + level of the post held (1 without a post)."""
    worked = model.record.worked
    org = model.organisation
    return np.where(worked.post >= 0, org.post_weight[np.maximum(worked.post, 0)], 1.0)


def efficiency(model: CadreModel) -> float:
    """Responsibility-weighted mean performance: sum w_i y_i / sum w_i, with w_i = 1 + the
    level of the post held (the county analogue of Pluchino et al.'s efficiency)."""
    weight = responsibility_weight(model)
    return float(np.sum(weight * model.record.performance) / np.sum(weight))


def mean_ability(model: CadreModel) -> float:
    """Mean role-specific ability of the cadres who served this year."""
    return float(model.record.worked.ability.mean())


# ----------------------------------------------------------------------------- errors


def errors_honest(model: CadreModel) -> int:
    """Honest errors made this year (detected or not)."""
    e = model.record.errors
    return int(np.count_nonzero(e.occurred & e.honest))


def errors_self_serving(model: CadreModel) -> int:
    """Self-serving errors made this year (detected or not)."""
    e = model.record.errors
    return int(np.count_nonzero(e.occurred & ~e.honest))


def excused_honest(model: CadreModel) -> int:
    """Honest errors excused (容错: the intended outcome)."""
    return model.record.review.count(ErrorOutcome.EXCUSED_HONEST)


def punished_honest(model: CadreModel) -> int:
    """Honest errors punished (reverse punishment)."""
    return model.record.review.count(ErrorOutcome.PUNISHED_HONEST)


def excused_self_serving(model: CadreModel) -> int:
    """Self-serving errors excused (leakage of tolerance)."""
    return model.record.review.count(ErrorOutcome.EXCUSED_SELF_SERVING)


def punished_self_serving(model: CadreModel) -> int:
    """Self-serving errors punished."""
    return model.record.review.count(ErrorOutcome.PUNISHED_SELF_SERVING)


def disciplined_count(model: CadreModel) -> int:
    """Cadres disciplined this year (any severity)."""
    return int(np.count_nonzero(model.record.review.punished))


def punished_honest_share(model: CadreModel) -> float:
    """Punished share of the detected honest errors (NaN when there were none)."""
    e, review = model.record.errors, model.record.review
    detected = np.count_nonzero(e.detected_honest)
    return review.count(ErrorOutcome.PUNISHED_HONEST) / detected if detected else float("nan")


def responsibility_index(model: CadreModel) -> float:
    """担当指数 in [0, 100]: 100 x mean effort x (1 - share of cadres punished for an honest
    error this year).

    Effort already falls where cadres fear reverse punishment; the second factor
    also charges the initiative lost by the cadres actually punished for honest
    errors. (The punished share of honest *errors* would make the index 0 in
    every year of a regime without tolerance, whatever the effort.)
    """
    worked = model.record.worked
    punished = model.record.review.count(ErrorOutcome.PUNISHED_HONEST) / max(len(worked), 1)
    return 100.0 * mean_effort(model) * (1.0 - punished)


# ----------------------------------------------------------------------------- promotions


def _promoted(model: CadreModel) -> np.ndarray:
    record = model.record
    return record.allocation.promoted(len(record.candidates))


def promotions_count(model: CadreModel) -> int:
    """Promotions this year: leadership posts plus rank slots."""
    return len(model.record.allocation.row)


def post_promotions_count(model: CadreModel) -> int:
    """Leadership-post promotions (职务) this year."""
    return int(np.count_nonzero(model.record.allocation.is_post))


def promotion_frontline_share(model: CadreModel) -> float:
    """Share of this year's promotions going to cadres serving in frontline units."""
    c = model.record.candidates
    return _share(model.organisation.unit_frontline[c.unit], _promoted(model))


def promotion_young_share(model: CadreModel) -> float:
    """Share of this year's promotions going to young cadres (age <= young_age_max)."""
    c = model.record.candidates
    return _share(c.age <= model.scenario.population.young_age_max, _promoted(model))


def promotion_top_quintile_share(model: CadreModel) -> float:
    """Share of promotions going to the top fifth by this year's true performance
    (among all candidates; 0.2 = promotion blind to performance)."""
    perf = model.record.candidate_performance
    top = rankdata(perf) > 0.8 * len(perf)
    return _share(top, _promoted(model))


def merit_promotion_correlation(model: CadreModel) -> float:
    """Spearman rank correlation of the merit score and being promoted, over candidates."""
    merit = model.record.candidates.merit
    promoted = _promoted(model).astype(float)
    rx, ry = rankdata(merit), rankdata(promoted)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def rehabilitated_promoted_count(model: CadreModel) -> int:
    """Cadres with a disciplinary record promoted this year (后半篇文章, seed 000)."""
    return int(np.count_nonzero(_promoted(model) & model.record.candidates.disciplined))


def vacancy_rate(model: CadreModel) -> float:
    """Share of leadership posts vacant after this year's allocation."""
    vacant = model.record.vacant_after
    return float(vacant.mean()) if len(vacant) else float("nan")


def unfilled_posts(model: CadreModel) -> int:
    """Leadership posts vacant after this year's allocation."""
    return int(np.count_nonzero(model.record.vacant_after))


# ----------------------------------------------------------------------------- exits, money


def _exits(model: CadreModel, reason: MoveReason, frontline: bool | None = None) -> int:
    record = model.record
    departures: Departures = record.departures
    if frontline is None:
        return departures.count(reason)
    mask = model.organisation.unit_frontline[record.worked.unit] == frontline
    return departures.count(reason, mask)


def voluntary_exits_organ(model: CadreModel) -> int:
    """Voluntary exits from organs this year."""
    return _exits(model, MoveReason.VOLUNTARY_EXIT, frontline=False)


def voluntary_exits_frontline(model: CadreModel) -> int:
    """Voluntary exits from frontline units this year."""
    return _exits(model, MoveReason.VOLUNTARY_EXIT, frontline=True)


def retirements(model: CadreModel) -> int:
    """Retirements this year."""
    return _exits(model, MoveReason.RETIREMENT)


def dismissals(model: CadreModel) -> int:
    """Dismissals for grave self-serving errors this year."""
    return _exits(model, MoveReason.DISMISSAL)


def bonus_cost(model: CadreModel) -> float:
    """Bonuses paid this year, 万元."""
    return model.record.bonus_cost


def subsidy_cost(model: CadreModel) -> float:
    """Frontline income premium paid this year, 万元."""
    return model.record.subsidy_cost


# ----------------------------------------------------------------------------- beliefs


def mean_belief_merit(model: CadreModel) -> float:
    """Mean perceived merit link at the end of the year."""
    return float(model.population.belief_merit.mean())


def mean_belief_tolerance(model: CadreModel) -> float:
    """Mean perceived tolerance at the end of the year."""
    return float(model.population.belief_tolerance.mean())


def mean_belief_bonus(model: CadreModel) -> float:
    """Mean perceived bonus link at the end of the year."""
    return float(model.population.belief_bonus.mean())


COUNTY_REPORTERS = {
    f.__name__: f
    for f in (
        year, headcount,
        mean_effort, mean_effort_frontline, mean_effort_organ, effort_p10, effort_p50, effort_p90,
        efficiency, mean_ability,
        errors_honest, errors_self_serving, excused_honest, punished_honest,
        excused_self_serving, punished_self_serving, disciplined_count, punished_honest_share,
        responsibility_index,
        promotions_count, post_promotions_count, promotion_frontline_share,
        promotion_young_share, promotion_top_quintile_share, merit_promotion_correlation,
        rehabilitated_promoted_count, vacancy_rate, unfilled_posts,
        voluntary_exits_organ, voluntary_exits_frontline, retirements, dismissals,
        bonus_cost, subsidy_cost,
        mean_belief_merit, mean_belief_tolerance, mean_belief_bonus,
    )
}


# ----------------------------------------------------------------------------- pyramid


def pyramid_efficiency(model: CadreModel) -> float:
    """Efficiency of a Peter-principle pyramid (``sim.pyramid.pyramid_efficiency``)."""
    from sim.pyramid import pyramid_efficiency as efficiency_of

    return float(efficiency_of(model.population, model.organisation, model.scenario))


PYRAMID_REPORTERS = {"year": year, "headcount": headcount, "efficiency": pyramid_efficiency}
