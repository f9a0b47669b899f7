"""Accountability and incentives: error review (容错纠错), discipline, bonuses, pressure,
demotion (能下) and recall (召回).

Phases 4 and 6 of docs/model.md section 3.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scenarios.schema import Demotion, DemotionRanking, Discipline, Policy, Tolerance
from sim.arrays import (
    GroupRanking,
    draw_categories,
    group_mean,
    position_in_group,
    stochastic_round,
)
from sim.events import ErrorBatch, MoveBatch, move_batch
from sim.phases.behaviour import Errors
from sim.state import ErrorOutcome, MoveReason, Organisation, Population, Severity

NOT_AN_ERROR = -1
NOT_PUNISHED = -1
# Discipline is decided mid-year; the year's allocation happens at its end (time = year).
DECISION_OFFSET_YEARS = 0.5


@dataclass(frozen=True)
class Review:
    """What accountability made of this year's errors (arrays ``(n_cadres,)``).

    Attributes
    ----------
    outcome : int
        ``ErrorOutcome`` value, -1 for cadres without an error.
    classified_honest : bool
        The reviewers judged the error honest (only where detected).
    severity : int
        ``Severity`` value of a punished error, -1 otherwise.
    dismissed : bool
        Dismissed for a grave self-serving error (leaves in the exits phase).
    """

    outcome: np.ndarray
    classified_honest: np.ndarray
    severity: np.ndarray
    dismissed: np.ndarray

    @property
    def punished(self) -> np.ndarray:
        return self.severity >= 0

    def count(self, outcome: ErrorOutcome) -> int:
        return int(np.count_nonzero(self.outcome == outcome))


def review_errors(
    errors: Errors, tolerance: Tolerance, discipline: Discipline, rng: np.random.Generator
) -> Review:
    """Phase 4: classify, excuse or punish each detected error.

    A detected error is classified honest with probability ``discrimination`` if
    it is honest and ``1 - discrimination`` if self-serving (三个区分开来, seed
    002: intentional vs negligent, private vs public, violation vs trial). A
    classified-honest error is excused with probability ``excuse_rate`` (容错,
    seeds 000 and 003); any other detected error is punished with a severity
    drawn from ``severity_honest`` or ``severity_self_serving`` (warning, demerit,
    major demerit, demotion). A self-serving error punished by demotion leads to
    dismissal with probability ``dismissal_share``.

    Only the detected errors (a few percent of cadres) draw and are computed on;
    the other rows keep the defaults (no error / undetected, not punished).
    """
    n = len(errors.occurred)
    erred = np.flatnonzero(errors.occurred)
    outcome = np.full(n, NOT_AN_ERROR, np.int64)
    outcome[erred] = ErrorOutcome.UNDETECTED
    classified_honest = np.zeros(n, bool)
    severity = np.full(n, NOT_PUNISHED, np.int64)
    dismissed = np.zeros(n, bool)

    rows = erred[errors.detected[erred]]
    honest = errors.honest[rows]
    draws = rng.random((4, len(rows)))
    p_classified_honest = np.where(
        honest, tolerance.discrimination, 1.0 - tolerance.discrimination
    )
    judged_honest = draws[0] < p_classified_honest
    excused = judged_honest & (draws[1] < tolerance.excuse_rate)
    classified_honest[rows] = judged_honest
    outcome[rows] = np.where(
        honest,
        np.where(excused, ErrorOutcome.EXCUSED_HONEST, ErrorOutcome.PUNISHED_HONEST),
        np.where(excused, ErrorOutcome.EXCUSED_SELF_SERVING, ErrorOutcome.PUNISHED_SELF_SERVING),
    )

    punished = ~excused
    punished_rows, punished_honest = rows[punished], honest[punished]
    uniforms = draws[2][punished]
    punished_severity = np.where(
        punished_honest,
        draw_categories(discipline.severity_honest, uniforms),
        draw_categories(discipline.severity_self_serving, uniforms),
    )
    severity[punished_rows] = punished_severity
    dismissed[punished_rows] = (
        ~punished_honest & (punished_severity == Severity.DEMOTION)
        & (draws[3][punished] < discipline.dismissal_share)
    )
    return Review(outcome, classified_honest, severity, dismissed)


def error_batch(population: Population, errors: Errors, review: Review) -> ErrorBatch:
    """The year's errors as event-log rows."""
    rows = np.flatnonzero(errors.occurred)
    return ErrorBatch(
        cadre_id=population.id[rows],
        unit=population.unit[rows],
        honest=errors.honest[rows],
        detected=errors.detected[rows],
        classified_honest=review.classified_honest[rows],
        outcome=review.outcome[rows],
        severity=review.severity[rows],
    )


def apply_discipline(
    population: Population, review: Review, discipline: Discipline, year: int
) -> tuple[Population, MoveBatch]:
    """Sanctions of punished errors: promotion block, stigma, and demotion.

    The impact period (影响期) of 6 / 12 / 18 / 24 months starts mid-year, so at
    the year-end allocation a warning has expired, a demerit or major demerit
    blocks one round and a demotion two: ``block_until = year - 0.5 + months / 12``,
    blocked while ``year < block_until``. Demotion (降级) drops one rank, removes
    the post and restarts years in grade. Without ``rehabilitation`` the record
    keeps a stigma on the promotion score for good; with it (成长档案, 后半篇文章,
    seed 000) the stigma ends with the impact period.

    Returns
    -------
    population : Population
        Rank, post, block, stigma and disciplined columns updated.
    moves : MoveBatch
        ``DISCIPLINARY_DEMOTION`` rows (dismissed cadres excluded: they leave).
    """
    # Only the punished rows change (a few percent); columns without a change are shared
    # with the input population, as ``dataclasses.replace`` shares the untouched ones.
    rows = np.flatnonzero(review.severity >= 0)
    severity = review.severity[rows]
    months = np.asarray(discipline.block_months, float)
    ends = year - DECISION_OFFSET_YEARS + months[severity] / 12.0
    block_until = population.block_until.copy()
    block_until[rows] = np.maximum(population.block_until[rows], ends)
    disciplined = population.disciplined.copy()
    disciplined[rows] = True
    stigma = population.stigma.copy()
    stigma[rows] = True
    if discipline.rehabilitation:
        stigma &= ~(block_until <= year)
    demoted = rows[severity == Severity.DEMOTION]
    rank, post = population.rank, population.post
    years_in_grade, years_in_post = population.years_in_grade, population.years_in_post
    if len(demoted):
        rank, post = rank.copy(), post.copy()
        years_in_grade, years_in_post = years_in_grade.copy(), years_in_post.copy()
        rank[demoted] = np.maximum(population.rank[demoted] - 1, 0)
        post[demoted] = -1
        years_in_grade[demoted] = 0.0
        years_in_post[demoted] = 0.0
    new = replace(
        population,
        rank=rank,
        post=post,
        years_in_grade=years_in_grade,
        years_in_post=years_in_post,
        block_until=block_until,
        stigma=stigma,
        disciplined=disciplined,
    )
    moved = demoted[~review.dismissed[demoted]]
    batch = same_unit_moves(MoveReason.DISCIPLINARY_DEMOTION, population.id[moved],
                            population.unit[moved], rank[moved], post[moved])
    return new, batch


def same_unit_moves(
    reason: MoveReason, cadre_id: np.ndarray, unit: np.ndarray, rank: np.ndarray,
    post: np.ndarray,
) -> MoveBatch:
    """Moves of one reason that keep the cadre in the unit (demotions, recalls) as a
    ``MoveBatch``: ``move_batch`` with ``from_unit = to_unit = unit``, built directly
    (a few rows a year; this skips ``move_batch``'s broadcasting)."""
    unit = unit.astype(np.int64)
    return MoveBatch(
        cadre_id=cadre_id.astype(np.int64), reason=np.full(len(cadre_id), reason, np.int64),
        from_unit=unit, to_unit=unit.copy(), rank=rank.astype(np.int64),
        post=post.astype(np.int64),
    )


@dataclass(frozen=True)
class Rewards:
    """Outcome of phase 6.

    Attributes
    ----------
    population : Population
        After demotion (能下) and recall (召回).
    bonus : (n_cadres,) bool
        Received a bonus this year.
    bonus_cost : float
        万元.
    flagged_units : (n_units,) bool
        Units under public pressure next year (yellow card, 蜗牛席).
    moves : tuple of MoveBatch
        ``PERFORMANCE_DEMOTION`` (within the unit), ``RECALL``, then ``adjust_ineffective``'s
        removals, transfers and swap partners.
    """

    population: Population
    bonus: np.ndarray
    bonus_cost: float
    flagged_units: np.ndarray
    moves: tuple[MoveBatch, ...]


def top_in_units(
    unit: np.ndarray, percentile: np.ndarray, share: float, n_units: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``(n,) bool``: the top ``share`` of each unit by ``percentile``, as a count.

    Unit u gives ``k_u = stochastic_round(share * size_u)`` places, so the expected
    count is ``share`` of the cadres whatever the unit sizes (a threshold on the
    mid-rank percentile gives none in a six-person unit when ``share`` < 1/12).
    """
    size = np.bincount(unit, minlength=n_units)
    places = stochastic_round(share * size, rng)
    # Mid-rank percentile (p + 0.5) / size -> 0-based position from the top.
    from_top = size[unit] - 1 - np.rint(percentile * size[unit] - 0.5).astype(np.int64)
    return from_top < places[unit]


def award_bonuses(
    population: Population, percentile: np.ndarray, organisation: Organisation,
    policy: Policy, rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """Bonuses and honours (真金白银, seed 001: "704名先进个人"; 红旗标兵, seed 003) to the
    top ``top_share`` of each unit by assessment (``top_in_units``).

    Returns the ``(n,) bool`` recipients and the cost in 万元.
    """
    bonus = policy.bonus
    if bonus.top_share <= 0:
        return np.zeros(len(percentile), bool), 0.0
    recipients = top_in_units(population.unit, percentile, bonus.top_share,
                              organisation.n_units, rng)
    return recipients, float(np.count_nonzero(recipients) * bonus.amount)


def flag_units(
    population: Population, score: np.ndarray, organisation: Organisation, policy: Policy
) -> np.ndarray:
    """Yellow cards: the ``bottom_units`` frontline units (镇街/园区) with the lowest
    mean assessment score, ``(n_units,) bool``.

    The public ranking covers frontline units, as the town rankings of seeds 001
    (bottom three towns get yellow cards) and 004 (蜗牛席).
    """
    n_units = organisation.n_units
    count = policy.unit_pressure.bottom_units
    flagged = np.zeros(n_units, bool)
    if count <= 0:
        return flagged
    means = group_mean(population.unit, score, n_units)
    ranked = np.where(organisation.unit_frontline & ~np.isnan(means), means, np.inf)
    lowest = np.argsort(ranked, kind="stable")[:count]
    flagged[lowest[np.isfinite(ranked[lowest])]] = True
    return flagged


def demote_and_recall(
    population: Population, percentile: np.ndarray, policy: Policy
) -> tuple[Population, MoveBatch, MoveBatch]:
    """能下 within the unit and 召回: remove chronic low performers from posts, recall
    them for retraining.

    Demotion (``ranking = "unit"``, seeds 002, 003): a post holder in the bottom
    ``demotion.bottom_share`` of the unit this year with ``low_years >=
    demotion.consecutive_years`` loses the post (with ``ranking = "comparable"``
    ``adjust_ineffective`` decides instead). Recall (seed 004, for those "criticism
    does not help, discipline not warranted"): any cadre in the bottom
    ``recall.bottom_share`` with ``low_years >= recall.consecutive_years`` loses any
    post, gains ``retraining_gain`` ability and starts the low-years count afresh.
    ``low_years`` counts consecutive years in the wider of the two bottom shares
    (``assess``).
    """
    demotion, recall = policy.demotion, policy.recall
    has_post = population.post >= 0
    demoted = (
        has_post & (percentile < demotion.bottom_share)
        & (population.low_years >= demotion.consecutive_years)
        & (demotion.ranking == DemotionRanking.UNIT)
    )
    recalled = (
        ~demoted & (percentile < recall.bottom_share)
        & (population.low_years >= recall.consecutive_years)
    )
    loses_post = demoted | recalled
    post = np.where(loses_post, -1, population.post)
    new = replace(
        population,
        post=post,
        years_in_post=np.where(loses_post, 0.0, population.years_in_post),
        ability=population.ability + np.where(recalled, recall.retraining_gain, 0.0),
        low_years=np.where(recalled, 0, population.low_years),
    )
    batches = []
    for mask, reason in ((demoted, MoveReason.PERFORMANCE_DEMOTION), (recalled, MoveReason.RECALL)):
        rows = np.flatnonzero(mask)
        batches.append(same_unit_moves(reason, population.id[rows], population.unit[rows],
                                       population.rank[rows], post[rows]))
    return new, batches[0], batches[1]


@dataclass(frozen=True)
class Adjustment:
    """能下 by comparable ranking (``adjust_ineffective``).

    Attributes
    ----------
    population : Population
        Adjusted cadres without their posts; transferred cadres (and their swap
        partners) in their new units.
    removals : MoveBatch
        免职: ``PERFORMANCE_DEMOTION`` rows (the cadre stays in the unit).
    transfers : MoveBatch
        交流: ``PERFORMANCE_TRANSFER`` rows.
    partners : MoveBatch
        ``ROTATION`` rows: the cadres who took the transferred cadres' places.
    """

    population: Population
    removals: MoveBatch
    transfers: MoveBatch
    partners: MoveBatch


def adjust_ineffective(
    population: Population, score: np.ndarray, organisation: Organisation,
    demotion: Demotion, rng: np.random.Generator,
) -> Adjustment:
    """能下 (seed 003, 《认定和调整不适宜担任现职干部实施意见》): post holders ranked against
    the holders of posts of the same level in units of the same kind.

    In each such group g of ``n_g`` holders the ``stochastic_round(bottom_share *
    n_g)`` lowest by this year's assessment score are adjusted (seed 003: "区里进行
    考核排名 ... 在全区最近的干部调整中,因工作不力交流9人、免职5人"). Each is, with
    probability ``transfer_share``, transferred (交流: the post is lost and the cadre
    swaps units with a cadre without a post of the same rank pool and rank in
    another unit, so headcounts and rank quotas hold), otherwise removed (免职: the
    post is lost, the cadre stays). A transfer with no partner available becomes a
    removal. Ranking across comparable units lets the rule reach small units (a
    six-person project team has no "bottom 2%" of its own).
    """
    n = len(population)
    empty = same_unit_moves(MoveReason.PERFORMANCE_DEMOTION, *(np.zeros(0, np.int64),) * 4)
    if demotion.ranking != DemotionRanking.COMPARABLE or demotion.bottom_share <= 0 or n == 0:
        return Adjustment(population, empty, empty, empty)
    holders = np.flatnonzero(population.post >= 0)
    if len(holders) == 0:
        return Adjustment(population, empty, empty, empty)
    level = organisation.post_level[population.post[holders]]
    group = organisation.unit_kind[population.unit[holders]] * (level.max() + 1) + level
    n_groups = int(group.max()) + 1
    places = stochastic_round(demotion.bottom_share * np.bincount(group, minlength=n_groups), rng)
    position = GroupRanking(group, n_groups).positions(score[holders])
    adjusted = holders[position < places[group]]
    wants_transfer = rng.random(len(adjusted)) < demotion.transfer_share

    # Swap partners: without a post, same pool and rank, not in a unit losing a transferee.
    n_ranks = len(organisation.rank_quota)
    pool_rank = organisation.unit_pool[population.unit] * n_ranks + population.rank
    movers = adjusted[wants_transfer]
    free = population.post < 0
    free[np.isin(population.unit, population.unit[movers])] = False
    free_rows = np.flatnonzero(free)
    free_rows = free_rows[rng.permutation(len(free_rows))]
    free_rows = free_rows[np.argsort(pool_rank[free_rows], kind="stable")]
    n_pool_ranks = len(organisation.pool_names) * n_ranks
    count = np.bincount(pool_rank[free_rows], minlength=n_pool_ranks)
    start = np.cumsum(count) - count
    # The k-th mover of a (pool, rank) takes the k-th free cadre of it in random order.
    k = position_in_group(pool_rank[movers], np.arange(len(movers)))
    g = pool_rank[movers]
    has = k < count[g]
    partner = np.full(len(movers), -1, np.int64)
    partner[has] = free_rows[start[g[has]] + k[has]]
    transferred, partner = movers[partner >= 0], partner[partner >= 0]
    removed = np.setdiff1d(adjusted, transferred)

    unit, post = population.unit.copy(), population.post.copy()
    years_in_post = population.years_in_post.copy()
    post[adjusted] = -1
    years_in_post[adjusted] = 0.0
    unit[transferred], unit[partner] = population.unit[partner], population.unit[transferred]
    new = replace(population, unit=unit, post=post, years_in_post=years_in_post)
    removals = same_unit_moves(MoveReason.PERFORMANCE_DEMOTION, population.id[removed],
                               population.unit[removed], population.rank[removed],
                               post[removed])
    transfers = move_batch(MoveReason.PERFORMANCE_TRANSFER, population.id[transferred],
                           population.unit[transferred], unit[transferred],
                           population.rank[transferred], post[transferred])
    partners = move_batch(MoveReason.ROTATION, population.id[partner], population.unit[partner],
                          unit[partner], population.rank[partner], post[partner])
    return Adjustment(new, removals, transfers, partners)


def reward_and_sanction(
    population: Population,
    score: np.ndarray,
    percentile: np.ndarray,
    organisation: Organisation,
    policy: Policy,
    rng: np.random.Generator,
) -> Rewards:
    """Phase 6: bonuses, unit pressure, demotion (能下: within the unit, or by comparable
    ranking with 交流 and 免职) and recall (召回).

    Parameters
    ----------
    population : Population
    score : (n,) float
        This year's observed assessment score.
    percentile : (n,) float in (0, 1)
        Percentile of ``score`` within the cadre's unit.
    organisation : Organisation
    policy : Policy
    rng : numpy.random.Generator
    """
    bonus, bonus_cost = award_bonuses(population, percentile, organisation, policy, rng)
    flagged = flag_units(population, score, organisation, policy)
    after, demoted, recalled = demote_and_recall(population, percentile, policy)
    adjusted = adjust_ineffective(after, score, organisation, policy.demotion, rng)
    return Rewards(adjusted.population, bonus, bonus_cost, flagged,
                   (demoted, recalled, adjusted.removals, adjusted.transfers, adjusted.partners))
