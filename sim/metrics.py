"""Model reporters (docs/model.md, section 5): one named function per measure, ``f(model)``.

Each reads the model's last ``YearRecord`` (``model.record``) or its
population; they are plain module-level functions so that a DataCollector
pickles for parallel runs. Counts are per year; shares are in [0, 1] and NaN
when undefined (e.g. no promotions this year).

What several reporters share (who was promoted, the frontline mask of the
cadres who served, the effort percentiles, the ranks, this year's moves by
reason) is computed once a year from the record's arrays and kept on it
(``YearRecord.derived``, :func:`derived`); :class:`YearSeries` collects the
values without Mesa's defensive deep copy (every value is a Python number).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import mesa
import numpy as np

from sim.phases.allocation import COUNTY_LEVEL
from sim.phases.exits import Departures
from sim.state import ErrorOutcome, MoveReason

if TYPE_CHECKING:
    from scenarios.schema import Scenario
    from sim.record import YearRecord
    from sim.state import Organisation, Population


class ModelState(Protocol):
    """What a reporter reads of a model; ``sim.model.CadreModel`` is one.

    A protocol rather than the class, so that this module does not import
    ``sim.model`` (which imports this one): the import graph stays acyclic
    (``tests/unit/test_import_graph.py``). Reporters may read further state of
    the model (``__getattr__``).
    """

    year: int
    scenario: Scenario
    organisation: Organisation
    population: Population
    record: YearRecord | None

    def __getattr__(self, name: str) -> Any: ...


class YearSeries(mesa.DataCollector):
    """Mesa's DataCollector of model reporters, one row a year, without the deep copy.

    ``mesa.DataCollector.collect`` deep-copies every reporter's value (a reporter
    may return a mutable object that changes later); ours return Python numbers,
    so the copy only costs time. Reads back with ``get_model_vars_dataframe`` as
    usual.
    """

    def collect(self, model: ModelState) -> None:
        """Append this year's value of every model reporter."""
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        for name, reporter in self.model_reporters.items():
            self.model_vars[name].append(reporter(model))


def derived(model: ModelState, compute: Callable[[ModelState], Any]) -> Any:
    """``compute(model)`` for this year, computed once and kept on ``model.record``
    (``YearRecord.derived``, keyed by the function): what several reporters share."""
    cache = model.record.derived
    if compute not in cache:
        cache[compute] = compute(model)
    return cache[compute]


def average_ranks(values: np.ndarray) -> np.ndarray:
    """``(n,) float``: ranks 1..n, ties given their mean rank; all NaN if a value is NaN.

    ``scipy.stats.rankdata(values)`` (method ``average``) value for value, without
    its per-call overhead (a third of the reporters' time before).
    """
    values = np.asarray(values)
    n = len(values)
    if values.dtype == bool:  # two tied groups: no sort needed
        below = n - np.count_nonzero(values)
        return np.where(values, below + (n - below + 1) / 2, (below + 1) / 2)
    if n and values.dtype.kind == "f" and np.isnan(values).any():
        return np.full(n, np.nan)
    order = np.argsort(values)
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if n else np.zeros(0, int)
    counts = np.diff(np.r_[starts, n])
    ranks = np.empty(n)
    ranks[order] = np.repeat(starts + 1 + (counts - 1) / 2, counts)
    return ranks


def _share(mask: np.ndarray, of: np.ndarray) -> float:
    n = np.count_nonzero(of)
    return float(np.count_nonzero(mask & of) / n) if n else float("nan")


def _worked_frontline(model: ModelState) -> np.ndarray:
    """``(n_worked,) bool``: served in a frontline unit this year."""
    return model.organisation.unit_frontline[model.record.worked.unit]


def _effort_percentiles(model: ModelState) -> np.ndarray:
    """The 10th, 50th and 90th percentiles of this year's effort."""
    return np.percentile(model.record.worked.effort, [10, 50, 90])


# ----------------------------------------------------------------------------- effort


def year(model: ModelState) -> int:
    """The year just completed (1 = first)."""
    return model.year


def headcount(model: ModelState) -> int:
    """Cadres at the end of the year."""
    return len(model.population)


def mean_effort(model: ModelState) -> float:
    """Mean effort (担当) of the cadres who served this year, in [0, 1]."""
    return float(model.record.worked.effort.mean())


def _effort_by_kind(model: ModelState, frontline: bool) -> float:
    worked = model.record.worked
    mask = derived(model, _worked_frontline) == frontline
    return float(worked.effort[mask].mean()) if mask.any() else float("nan")


def mean_effort_frontline(model: ModelState) -> float:
    """Mean effort in frontline units (towns, parks, key projects)."""
    return _effort_by_kind(model, True)


def mean_effort_organ(model: ModelState) -> float:
    """Mean effort in organs (机关)."""
    return _effort_by_kind(model, False)


def effort_p10(model: ModelState) -> float:
    """10th percentile of effort."""
    return float(derived(model, _effort_percentiles)[0])


def effort_p50(model: ModelState) -> float:
    """Median effort."""
    return float(derived(model, _effort_percentiles)[1])


def effort_p90(model: ModelState) -> float:
    """90th percentile of effort."""
    return float(derived(model, _effort_percentiles)[2])


def responsibility_weight(model: ModelState):
    """``(n_worked,) float``: 1 + level of the post held (1 without a post)."""
    worked = model.record.worked
    org = model.organisation
    return np.where(worked.post >= 0, org.post_weight[np.maximum(worked.post, 0)], 1.0)


def efficiency(model: ModelState) -> float:
    """Responsibility-weighted mean performance: sum w_i y_i / sum w_i, with w_i = 1 + the
    level of the post held (the county analogue of Pluchino et al.'s efficiency)."""
    weight = responsibility_weight(model)
    return float(np.sum(weight * model.record.performance) / np.sum(weight))


def mean_ability(model: ModelState) -> float:
    """Mean role-specific ability of the cadres who served this year."""
    return float(model.record.worked.ability.mean())


# ----------------------------------------------------------------------------- errors


def errors_honest(model: ModelState) -> int:
    """Honest errors made this year (detected or not)."""
    e = model.record.errors
    return int(np.count_nonzero(e.occurred & e.honest))


def errors_self_serving(model: ModelState) -> int:
    """Self-serving errors made this year (detected or not)."""
    e = model.record.errors
    return int(np.count_nonzero(e.occurred & ~e.honest))


def excused_honest(model: ModelState) -> int:
    """Honest errors excused (容错: the intended outcome)."""
    return model.record.review.count(ErrorOutcome.EXCUSED_HONEST)


def punished_honest(model: ModelState) -> int:
    """Honest errors punished (reverse punishment)."""
    return model.record.review.count(ErrorOutcome.PUNISHED_HONEST)


def excused_self_serving(model: ModelState) -> int:
    """Self-serving errors excused (leakage of tolerance)."""
    return model.record.review.count(ErrorOutcome.EXCUSED_SELF_SERVING)


def punished_self_serving(model: ModelState) -> int:
    """Self-serving errors punished."""
    return model.record.review.count(ErrorOutcome.PUNISHED_SELF_SERVING)


def disciplined_count(model: ModelState) -> int:
    """Cadres disciplined this year (any severity)."""
    return int(np.count_nonzero(model.record.review.punished))


def punished_honest_share(model: ModelState) -> float:
    """Punished share of the detected honest errors (NaN when there were none)."""
    e, review = model.record.errors, model.record.review
    detected = np.count_nonzero(e.detected_honest)
    return review.count(ErrorOutcome.PUNISHED_HONEST) / detected if detected else float("nan")


def responsibility_index(model: ModelState) -> float:
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


def _promoted_mask(model: ModelState) -> np.ndarray:
    record = model.record
    return record.allocation.promoted(len(record.candidates))


def _promoted(model: ModelState) -> np.ndarray:
    """``(n_candidates,) bool``: promoted this year."""
    return derived(model, _promoted_mask)


def promotions_count(model: ModelState) -> int:
    """Promotions this year: leadership posts plus rank slots."""
    return len(model.record.allocation.row)


def post_promotions_count(model: ModelState) -> int:
    """Leadership-post promotions (职务) this year."""
    return int(np.count_nonzero(model.record.allocation.is_post))


def promotion_frontline_share(model: ModelState) -> float:
    """Share of this year's promotions going to cadres serving in frontline units."""
    c = model.record.candidates
    return _share(model.organisation.unit_frontline[c.unit], _promoted(model))


def promotion_young_share(model: ModelState) -> float:
    """Share of this year's promotions going to young cadres (age <= young_age_max)."""
    c = model.record.candidates
    return _share(c.age <= model.scenario.population.young_age_max, _promoted(model))


def promotion_top_quintile_share(model: ModelState) -> float:
    """Share of promotions going to the top fifth by this year's true performance
    (among all candidates; 0.2 = promotion blind to performance)."""
    perf = model.record.candidate_performance
    top = average_ranks(perf) > 0.8 * len(perf)
    return _share(top, _promoted(model))


def merit_promotion_correlation(model: ModelState) -> float:
    """Spearman rank correlation of the merit score and being promoted, over candidates."""
    merit = model.record.candidates.merit
    promoted = _promoted(model).astype(float)
    rx, ry = average_ranks(merit), average_ranks(promoted)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def rehabilitated_promoted_count(model: ModelState) -> int:
    """Cadres with a disciplinary record promoted this year (后半篇文章, seed 000)."""
    return int(np.count_nonzero(_promoted(model) & model.record.candidates.disciplined))


def vacancy_rate(model: ModelState) -> float:
    """Share of leadership posts vacant after this year's allocation."""
    vacant = model.record.vacant_after
    return float(vacant.mean()) if len(vacant) else float("nan")


def unfilled_posts(model: ModelState) -> int:
    """Leadership posts vacant after this year's allocation."""
    return int(np.count_nonzero(model.record.vacant_after))


# ----------------------------------------------------------------------------- exits, money


def _exits(model: ModelState, reason: MoveReason, frontline: bool | None = None) -> int:
    record = model.record
    departures: Departures = record.departures
    if frontline is None:
        return departures.count(reason)
    mask = derived(model, _worked_frontline) == frontline
    return departures.count(reason, mask)


def voluntary_exits_organ(model: ModelState) -> int:
    """Voluntary exits from organs this year."""
    return _exits(model, MoveReason.VOLUNTARY_EXIT, frontline=False)


def voluntary_exits_frontline(model: ModelState) -> int:
    """Voluntary exits from frontline units this year."""
    return _exits(model, MoveReason.VOLUNTARY_EXIT, frontline=True)


def retirements(model: ModelState) -> int:
    """Retirements this year."""
    return _exits(model, MoveReason.RETIREMENT)


def dismissals(model: ModelState) -> int:
    """Dismissals for grave self-serving errors this year."""
    return _exits(model, MoveReason.DISMISSAL)


def bonus_cost(model: ModelState) -> float:
    """Bonuses paid this year, 万元."""
    return model.record.bonus_cost


def subsidy_cost(model: ModelState) -> float:
    """Frontline income premium paid this year, 万元."""
    return model.record.subsidy_cost


# ----------------------------------------------------------------------------- beliefs


def mean_belief_merit(model: ModelState) -> float:
    """Mean perceived merit link at the end of the year."""
    return float(model.population.belief_merit.mean())


def mean_belief_tolerance(model: ModelState) -> float:
    """Mean perceived tolerance at the end of the year."""
    return float(model.population.belief_tolerance.mean())


def mean_belief_bonus(model: ModelState) -> float:
    """Mean perceived bonus link at the end of the year."""
    return float(model.population.belief_bonus.mean())


# ----------------------------------------------------------------------------- article mechanisms
# Counts the seed articles report, one reporter each; scenarios/targets/*.toml name them.


def _move_counts(model: ModelState) -> np.ndarray:
    """Moves this year by reason (indexed by ``MoveReason`` value)."""
    events, count = model.events, np.zeros(max(MoveReason) + 1, np.int64)
    for years, batch in zip(reversed(events.move_years), reversed(events.moves), strict=True):
        if years[0] != model.year:
            break
        count += np.bincount(batch.reason, minlength=len(count))
    return count


def _moves_this_year(model: ModelState, reason: MoveReason) -> int:
    return int(derived(model, _move_counts)[reason])


def performance_transfers(model: ModelState) -> int:
    """能下 by 交流: post holders moved to another unit for poor work this year (seed 003:
    "因工作不力交流9人")."""
    return _moves_this_year(model, MoveReason.PERFORMANCE_TRANSFER)


def performance_removals(model: ModelState) -> int:
    """能下 by 免职: post holders removed from the post for poor work this year (seed 003:
    "免职5人")."""
    return _moves_this_year(model, MoveReason.PERFORMANCE_DEMOTION)


def frontline_dispatches(model: ModelState) -> int:
    """派往: organ cadres sent one-way to frontline units this year (seed 004: "将118名干部
    派往...第一线")."""
    return _moves_this_year(model, MoveReason.DISPATCH)


def staff_hires(model: ModelState) -> int:
    """Long-serving frontline staff hired into the added establishment this year (seed 001:
    "核增的编制优先用于长期工作在镇街一线的骨干人员招聘")."""
    return _moves_this_year(model, MoveReason.STAFF_HIRE)


def staff_hires_serving(model: ModelState) -> int:
    """Cadres serving at the end of the year who were hired into the added establishment
    (seed 001: "核增镇街事业编制252名")."""
    return int(np.isin(model.population.id, model.staff_hire_ids).sum())


def reserve_considered(model: ModelState) -> int:
    """Cadres who entered the inspectors' view this year (seed 003: "80余名干部进入考察视野")."""
    return int(np.count_nonzero(model.listing.considered))


def reserve_entries(model: ModelState) -> int:
    """Cadres listed in the reserve pool this year (seed 003: "39名干部被列入区管正职或副职后备
    干部")."""
    return int(np.count_nonzero(model.listing.listed))


def reserve_size(model: ModelState) -> int:
    """Cadres on the reserve list at the end of the year."""
    return int(np.count_nonzero(model.population.reserve))


def post_promotion_reserve_share(model: ModelState) -> float:
    """Share of this year's leadership-post promotions that went to reserve members."""
    allocation, candidates = model.record.allocation, model.record.candidates
    rows = allocation.row[allocation.is_post]
    return float(candidates.reserve[rows].mean()) if len(rows) else float("nan")


def bonus_recipients(model: ModelState) -> int:
    """Cadres rewarded this year (seed 001: "704名先进个人"; seed 003: 红旗标兵)."""
    return int(np.count_nonzero(model.record.bonus))


def competitive_selection_winners(model: ModelState) -> int:
    """Leadership posts won this year by cadres short of the usual years in grade (竞岗, seed
    000: "通过竞岗上岗 ... 按照惯例,他至少还需要一到两年时间磨炼"; "4名年轻'精兵'脱颖而出")."""
    allocation, candidates = model.record.allocation, model.record.candidates
    rows = allocation.row[allocation.is_post]
    level = model.organisation.post_level[allocation.post[allocation.is_post]]
    minimum = model.scenario.policy.promotion.min_years_post
    needed = np.array([minimum.get(int(v), 0.0) for v in level])
    return int(np.count_nonzero(candidates.years_in_grade[rows] < needed - 1e-9))


def county_promotions_young(model: ModelState) -> int:
    """County-level (处级, post level 3 and above) posts given this year to young cadres
    (age <= ``county_young_age_max``; seed 004: "39名优秀年轻干部被选拔进旗区党政班子")."""
    allocation, candidates = model.record.allocation, model.record.candidates
    rows = allocation.row[allocation.is_post]
    level = model.organisation.post_level[allocation.post[allocation.is_post]]
    young = candidates.age[rows] <= model.scenario.population.county_young_age_max
    return int(np.count_nonzero((level >= COUNTY_LEVEL) & young))


ARTICLE_REPORTERS = (
    performance_transfers, performance_removals, frontline_dispatches, staff_hires,
    staff_hires_serving, reserve_considered, reserve_entries, reserve_size,
    post_promotion_reserve_share, bonus_recipients, competitive_selection_winners,
    county_promotions_young,
)


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
        *ARTICLE_REPORTERS,
    )
}


# ----------------------------------------------------------------------------- pyramid


def pyramid_efficiency(model: ModelState) -> float:
    """Efficiency of a Peter-principle pyramid (``sim.pyramid.pyramid_efficiency``)."""
    from sim.pyramid import pyramid_efficiency as efficiency_of

    return float(efficiency_of(model.population, model.organisation, model.scenario))


PYRAMID_REPORTERS = {"year": year, "headcount": headcount, "efficiency": pyramid_efficiency}
