"""Compare scenarios: replications under common random numbers, a tidy table, paired statistics.

The computation behind ``youwei compare`` (``experiments.simulation.compare_cmd`` writes
the files, ``experiments.simulation.compare_report`` draws and renders them):

1. :func:`replication_tasks` lists one :class:`Replication` per (scenario,
   replication k). Replication k of *every* scenario runs from the same seed,
   child k of ``np.random.SeedSequence(seed)`` (:func:`replication_seed`):
   common random numbers, so a difference between two scenarios in
   replication k is the policy's doing, not the luck of the draw.
2. :func:`run_replications` simulates them through the shared runner
   (``experiments.common.runner``: serially, in worker processes or on Dask)
   and yields the results in task order, so the output does not depend on the
   executor or the number of workers.
3. The tidy table has one row per (scenario, replication, year), one column
   per metric (every reporter of ``sim.metrics`` plus :data:`DERIVED_METRICS`),
   and the provenance columns :data:`PROVENANCE_COLUMNS`.
4. :func:`replication_values` reduces each replication to one number per
   metric and statistic (``final``: the last year; ``mean``: the average over
   the years), and :func:`summarise` gives, per scenario, the mean with its
   t-interval (:func:`t_interval`) and the difference from the first scenario
   with its paired t-interval (:func:`paired_difference`), flagged where the
   interval excludes zero.

Replications are independent and identically distributed given the scenario,
so the t-interval over replication values is the textbook interval (Law,
*Simulation Modeling and Analysis*, 5th ed., section 9.4.1); the paired
interval over the differences d_k = x_k(scenario) - x_k(first) is the
common-random-numbers comparison of section 10.2.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from scenarios import Scenario, scenario_hash

CONFIDENCE = 0.95
"""Level of every interval: 95%."""

PROVENANCE_COLUMNS = ("scenario", "scenario_hash", "seed", "replication")
"""Leading columns of the tidy table: the scenario's label (its name, made unique),
the SHA-256 of the scenario as run, the root seed, and the replication index k."""

YEAR = "year"


class Statistic:
    """How a replication's yearly series is reduced to one number."""

    FINAL = "final"
    """The value in the last simulated year."""
    MEAN = "mean"
    """The average over the simulated years (years where the metric is undefined skipped)."""

    ALL = (FINAL, MEAN)


# ----------------------------------------------------------------------------- metrics


def _total_voluntary_exits(frame: pd.DataFrame) -> pd.Series:
    return frame["voluntary_exits_organ"] + frame["voluntary_exits_frontline"]


def _excused_share(frame: pd.DataFrame) -> pd.Series:
    found = frame["excused_self_serving"] + frame["punished_self_serving"]
    return frame["excused_self_serving"] / found.where(found > 0)


def _total_cost(frame: pd.DataFrame) -> pd.Series:
    return frame["bonus_cost"] + frame["subsidy_cost"]


def _per_cadre(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    def rate(frame: pd.DataFrame) -> pd.Series:
        numerator = (_total_voluntary_exits(frame) if column == "voluntary_exits"
                     else frame[column])
        return numerator / frame["headcount"].where(frame["headcount"] > 0)
    rate.__name__ = f"{column}_rate"
    return rate


@dataclass(frozen=True)
class DerivedMetric:
    """A metric computed from the reporters of one year.

    Attributes
    ----------
    name : str
        Column name in the tidy table.
    needs : tuple of str
        Reporter columns it reads; it is left out when one is missing
        (pyramid scenarios report only headcount and efficiency).
    compute : callable
        ``frame -> Series`` over the rows of the tidy table.
    doc : str
        Its definition, in words (written to ``manifest.json``).
    """

    name: str
    needs: tuple[str, ...]
    compute: Callable[[pd.DataFrame], pd.Series]
    doc: str


_RATE_DOC = "{what} this year per cadre in post at year end (headcount)"
DERIVED_METRICS = (
    DerivedMetric("voluntary_exits", ("voluntary_exits_organ", "voluntary_exits_frontline"),
                  _total_voluntary_exits,
                  "voluntary exits this year, organs plus frontline units"),
    DerivedMetric("voluntary_exit_rate",
                  ("voluntary_exits_organ", "voluntary_exits_frontline", "headcount"),
                  _per_cadre("voluntary_exits"), _RATE_DOC.format(what="voluntary exits")),
    *(DerivedMetric(f"{column}_rate", (column, "headcount"), _per_cadre(column),
                    _RATE_DOC.format(what=column.replace("_", " ")))
      for column in ("errors_honest", "errors_self_serving", "excused_honest",
                     "punished_honest", "excused_self_serving", "punished_self_serving")),
    DerivedMetric("excused_self_serving_share", ("excused_self_serving", "punished_self_serving"),
                  _excused_share,
                  "share of the self-serving errors found this year (excused or punished) that "
                  "were excused: leakage of error tolerance"),
    DerivedMetric("total_cost", ("bonus_cost", "subsidy_cost"), _total_cost,
                  "what the package costs this year, bonus plus frontline subsidy, in 万元"),
)
"""Metrics added to the reporters. Counts scale with the size of the organisation,
which differs between scenarios (baseline 670 cadres, ordos 1,470): the ``_rate``
metrics (per cadre a year) compare organisations of different sizes."""


def add_derived_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the :data:`DERIVED_METRICS` whose inputs it has, appended as columns."""
    added = {m.name: m.compute(frame).astype(float) for m in DERIVED_METRICS
             if all(column in frame.columns for column in m.needs)}
    return frame.assign(**added) if added else frame


def metric_columns(series: pd.DataFrame) -> list[str]:
    """The numeric metric columns of a tidy table: all but provenance and ``year``."""
    skip = {*PROVENANCE_COLUMNS, YEAR}
    return [c for c in series.columns
            if c not in skip and pd.api.types.is_numeric_dtype(series[c])
            and not pd.api.types.is_bool_dtype(series[c])]


# ----------------------------------------------------------------------------- running


def replication_seed(root: int, replication: int) -> np.random.SeedSequence:
    """Seed of replication ``replication``: child ``replication`` of ``SeedSequence(root)``.

    Equal to ``np.random.SeedSequence(root).spawn(n)[replication]`` for any
    ``n > replication``, but a fresh object each call: a SeedSequence shared
    between two models could be advanced by the first (``spawn``) and give
    the second other numbers in a serial run than in a parallel one.
    """
    return np.random.SeedSequence(root, spawn_key=(replication,))


@dataclass(frozen=True)
class Replication:
    """One simulation of a comparison: scenario ``label``, replication ``replication``.

    Attributes
    ----------
    label : str
        The scenario's name in the comparison (unique).
    scenario : Scenario
        The scenario as run (``years`` and ``seed`` already set).
    scenario_hash : str
        ``scenario_hash(scenario)``.
    replication : int
        k in 0 .. replications - 1.
    root_seed : int
        The comparison's seed; the model runs from ``replication_seed(root_seed, k)``.
    """

    label: str
    scenario: Scenario
    scenario_hash: str
    replication: int
    root_seed: int


def unique_labels(names: Sequence[str]) -> list[str]:
    """Scenario names made unique: a repeated name gets ``_2``, ``_3``, ... in order.

    Examples
    --------
    >>> unique_labels(["baseline", "ordos", "baseline"])
    ['baseline', 'ordos', 'baseline_2']
    """
    labels: list[str] = []
    for name in names:
        label, k = name, 1
        while label in labels:
            k += 1
            label = f"{name}_{k}"
        labels.append(label)
    return labels


def replication_tasks(scenarios: Sequence[Scenario], labels: Sequence[str], *,
                      replications: int, seed: int) -> list[Replication]:
    """Every (scenario, replication) of a comparison, scenario by scenario.

    Parameters
    ----------
    scenarios : sequence of Scenario
        As run (their ``years`` already equal).
    labels : sequence of str
        Unique labels, one per scenario (:func:`unique_labels`).
    replications : int
        Replications per scenario, >= 1.
    seed : int
        Root seed, >= 0.

    Returns
    -------
    list of Replication
        ``len(scenarios) * replications`` tasks; scenario-major order.
    """
    tasks = []
    for label, scenario in zip(labels, scenarios, strict=True):
        digest = scenario_hash(scenario)
        tasks += [Replication(label, scenario, digest, k, seed) for k in range(replications)]
    return tasks


def simulate(task: Replication) -> pd.DataFrame:
    """Run one replication; return its rows of the tidy table.

    Returns
    -------
    DataFrame
        One row per simulated year: :data:`PROVENANCE_COLUMNS`, ``year``, every
        reporter and the derived metrics.
    """
    from sim import CadreModel  # the workers import the model only when they run it

    model = CadreModel(task.scenario, rng=replication_seed(task.root_seed, task.replication))
    frame = model.run(task.scenario.years).reset_index(drop=True)
    if YEAR not in frame.columns:
        frame.insert(0, YEAR, np.arange(1, len(frame) + 1))
    provenance = pd.DataFrame({
        "scenario": task.label,
        "scenario_hash": task.scenario_hash,
        "seed": np.int64(task.root_seed),
        "replication": np.int64(task.replication),
    }, index=frame.index)
    return add_derived_metrics(pd.concat([provenance, frame], axis=1))


class ReplicationFailed(Exception):
    """A replication raised: the comparison cannot be summarised without it."""

    def __init__(self, task: Replication, error: str, trace: str) -> None:
        self.task = task
        self.error = error
        self.traceback = trace
        super().__init__(f"replication {task.replication} of {task.label} failed: {error}")

    def __reduce__(self):
        return type(self), (self.task, self.error, self.traceback)


def run_replications(tasks: Sequence[Replication], *, workers: int | None = 1,
                     scheduler: str | None = None) -> Iterator[pd.DataFrame]:
    """Simulate ``tasks`` through the shared runner; yield each result in task order.

    Parameters
    ----------
    tasks : sequence of Replication
    workers : int, optional
        1 runs in this process; more uses that many worker processes; None one
        per core (``experiments.common.runner``). Each task carries its own
        seed, so the results, and their order, are the same for any ``workers``.
    scheduler : str, optional
        A Dask scheduler address, instead of ``workers``.

    Yields
    ------
    DataFrame
        :func:`simulate` of each task, in the order of ``tasks``.

    Raises
    ------
    ReplicationFailed
        A replication raised (the rest are cancelled).
    experiments.common.errors.InputError
        Bad ``workers`` or ``scheduler`` (at the first ``next``).
    """
    import contextlib

    from experiments.common.runner import TaskFailure, run_tasks

    results = run_tasks(simulate, tasks, workers=workers, scheduler=scheduler,
                        label="compare", unit="replication", ordered=True)
    with contextlib.closing(results):
        for task, outcome in results:
            if isinstance(outcome, TaskFailure):
                raise ReplicationFailed(task, outcome.error, outcome.traceback)
            yield outcome


# ----------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Interval:
    """A sample mean and its two-sided t confidence interval.

    Attributes
    ----------
    mean : float
        Sample mean of the finite values (NaN when there are none).
    low, high : float
        Interval bounds; NaN when fewer than 2 finite values.
    n : int
        Finite values used.
    """

    mean: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero."""
        return excludes_zero(self.low, self.high)


def t_half_width(sd, n, confidence: float = CONFIDENCE):
    """Half-width of the t-interval: t_{(1+c)/2, n-1} x sd / sqrt(n).

    Parameters
    ----------
    sd : float or array
        Sample standard deviation (ddof = 1).
    n : int or array
        Sample size; NaN is returned where n < 2.
    confidence : float
        In (0, 1).

    Returns
    -------
    float or array
        Same shape as ``sd``.
    """
    n = np.asarray(n, dtype=float)
    dof = np.where(n >= 2, n - 1, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        width = stats.t.ppf(0.5 + confidence / 2, dof) * np.asarray(sd, float) / np.sqrt(n)
    return width if np.ndim(width) else float(width)


def share_bounds(metric: str, *, difference: bool = False) -> tuple[float, float] | None:
    """(0, 1) for a metric bounded in [0, 1] (a share, ``*_share``: STYLE.md; mean effort,
    ``mean_effort*``: ``sim.metrics``), (-1, 1) for a difference of two such; None for
    any other metric.

    >>> share_bounds("punished_honest_share"), share_bounds("efficiency")
    ((0.0, 1.0), None)
    """
    if not (metric.endswith("_share") or metric.startswith("mean_effort")):
        return None
    return (-1.0, 1.0) if difference else (0.0, 1.0)


def t_interval(values: Iterable[float], confidence: float = CONFIDENCE,
               bounds: tuple[float, float] | None = None) -> Interval:
    """Mean and t-interval of i.i.d. values (one per replication); NaN values are dropped.

    mean ± t_{(1+c)/2, n-1} s / sqrt(n), with s the sample standard deviation,
    clipped to ``bounds`` when given: a share's mean lies in [0, 1] (see
    :func:`share_bounds`), and the t-interval of a few shares near 0 or 1 runs
    past it. Clipping only drops impossible values, so the interval covers the
    true mean exactly as often as the t-interval does.

    Examples
    --------
    >>> t_interval([1.0, 2.0, 3.0, 4.0, 5.0])  # t_{0.975,4} = 2.776, s = 1.581
    Interval(mean=3.0, low=1.036..., high=4.963..., n=5)
    """
    x = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    half = t_half_width(float(x.std(ddof=1)), n, confidence)
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return Interval(mean, low, high, n)


def paired_difference(reference: Sequence[float], other: Sequence[float],
                      confidence: float = CONFIDENCE,
                      bounds: tuple[float, float] | None = None) -> Interval:
    """Mean of ``other - reference`` over paired replications, with its t-interval.

    Parameters
    ----------
    reference, other : (n_replications,) float
        Replication k of each scenario at position k (same seed: common random
        numbers). Pairs where either value is NaN are dropped.

    bounds : (float, float), optional
        The range of a difference (``share_bounds(metric, difference=True)``).

    Returns
    -------
    Interval
        Of d_k = other_k - reference_k.
    """
    a, b = np.asarray(reference, float), np.asarray(other, float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.shape} and {b.shape}")
    return t_interval(b - a, confidence, bounds)


def excludes_zero(low: float, high: float) -> bool:
    """True when [low, high] lies strictly above or strictly below zero (NaN: False)."""
    return bool(low > 0 or high < 0)


def replication_values(series: pd.DataFrame, metrics: Sequence[str] | None = None
                       ) -> pd.DataFrame:
    """One value per (scenario, replication, metric, statistic).

    Parameters
    ----------
    series : DataFrame
        The tidy table: columns ``scenario``, ``replication``, ``year`` and the metrics.
    metrics : sequence of str, optional
        Default :func:`metric_columns`.

    Returns
    -------
    DataFrame
        Columns ``metric``, ``statistic`` (:attr:`Statistic.FINAL`: the last
        year; :attr:`Statistic.MEAN`: the mean over years, NaN years skipped),
        ``scenario``, ``replication``, ``value``; scenarios in their order of
        first appearance.
    """
    metrics = list(metric_columns(series) if metrics is None else metrics)
    keys = ["scenario", "replication"]
    ordered = series.sort_values(["replication", YEAR], kind="stable")
    # The last row of each replication, NaN kept (groupby.last() would skip back to the
    # last year where a share was defined).
    final = ordered.drop_duplicates(keys, keep="last").set_index(keys)[metrics]
    mean = ordered.groupby(keys, sort=False)[metrics].mean()
    parts = []
    for statistic, table in ((Statistic.FINAL, final), (Statistic.MEAN, mean)):
        long = table.reset_index().melt(id_vars=["scenario", "replication"],
                                        var_name="metric", value_name="value")
        parts.append(long.assign(statistic=statistic))
    values = pd.concat(parts, ignore_index=True)
    order = {s: i for i, s in enumerate(pd.unique(series["scenario"]))}
    values["_scenario"] = values["scenario"].map(order)
    values["_metric"] = values["metric"].map({m: i for i, m in enumerate(metrics)})
    values["_statistic"] = values["statistic"].map({s: i for i, s in enumerate(Statistic.ALL)})
    values = values.sort_values(["_metric", "_statistic", "_scenario", "replication"],
                                kind="stable")
    return values[["metric", "statistic", "scenario", "replication", "value"]].reset_index(
        drop=True).astype({"value": float})


SUMMARY_COLUMNS = ("metric", "statistic", "scenario", "n", "mean", "ci_low", "ci_high",
                   "reference", "diff", "diff_ci_low", "diff_ci_high", "significant")


def summarise(values: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per (metric, statistic, scenario): mean and t-interval, paired difference from the first.

    Parameters
    ----------
    values : DataFrame
        :func:`replication_values`; the first scenario to appear is the reference.
    confidence : float
        Level of the intervals.

    Returns
    -------
    DataFrame
        Columns :data:`SUMMARY_COLUMNS`. ``diff`` = mean over replications of
        (scenario - reference), paired by replication index; ``significant``
        when its interval excludes zero. The reference's own rows have NaN
        differences and ``significant`` False.
    """
    scenarios = list(pd.unique(values["scenario"]))
    reference = scenarios[0]
    rows = []
    for (metric, statistic), group in values.groupby(["metric", "statistic"], sort=False):
        wide = group.pivot(index="replication", columns="scenario", values="value")
        for scenario in scenarios:
            level = t_interval(wide[scenario].to_numpy(), confidence, share_bounds(metric))
            if scenario == reference:
                diff = Interval(math.nan, math.nan, math.nan, 0)
            else:
                diff = paired_difference(wide[reference].to_numpy(), wide[scenario].to_numpy(),
                                         confidence, share_bounds(metric, difference=True))
            rows.append((metric, statistic, scenario, level.n, level.mean, level.low,
                         level.high, reference, diff.mean, diff.low, diff.high,
                         diff.excludes_zero))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


PAIRWISE_COLUMNS = ("metric", "statistic", "first", "second", "n", "diff", "diff_ci_low",
                    "diff_ci_high", "significant")


def pairwise_differences(values: pd.DataFrame, metrics: Sequence[str] | None = None,
                         confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Every pair of scenarios: the paired difference ``second - first`` with its t-interval.

    Parameters
    ----------
    values : DataFrame
        :func:`replication_values`.
    metrics : sequence of str, optional
        Only these metrics (default all).
    confidence : float

    Returns
    -------
    DataFrame
        Columns :data:`PAIRWISE_COLUMNS`, one row per (metric, statistic, pair):
        for scenarios in order s_1 .. s_m, the pairs (s_i, s_j) with i < j.
        Each interval is computed on its own (no correction for the m (m - 1) / 2
        comparisons: read them with that in mind).
    """
    scenarios = list(pd.unique(values["scenario"]))
    if metrics is not None:
        values = values[values["metric"].isin(list(metrics))]
    rows = []
    for (metric, statistic), group in values.groupby(["metric", "statistic"], sort=False):
        wide = group.pivot(index="replication", columns="scenario", values="value")
        for i, first in enumerate(scenarios):
            for second in scenarios[i + 1:]:
                diff = paired_difference(wide[first].to_numpy(), wide[second].to_numpy(),
                                         confidence, share_bounds(metric, difference=True))
                rows.append((metric, statistic, first, second, diff.n, diff.mean, diff.low,
                             diff.high, diff.excludes_zero))
    return pd.DataFrame(rows, columns=list(PAIRWISE_COLUMNS))


def year_bands(series: pd.DataFrame, metric: str, confidence: float = CONFIDENCE
               ) -> pd.DataFrame:
    """Per (scenario, year): the mean of ``metric`` over replications and its t-interval
    (clipped to [0, 1] for a share: :func:`t_interval`).

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``year``, ``n``, ``mean``, ``low``, ``high``;
        scenarios in order of first appearance, years ascending.
    """
    grouped = series.groupby(["scenario", YEAR], sort=False)[metric]
    table = grouped.agg(["mean", "std", "count"]).reset_index()
    half = t_half_width(table["std"].to_numpy(), table["count"].to_numpy(), confidence)
    order = {s: i for i, s in enumerate(pd.unique(series["scenario"]))}
    low, high = (-np.inf, np.inf) if (bounds := share_bounds(metric)) is None else bounds
    table = table.assign(low=(table["mean"] - half).clip(lower=low),
                         high=(table["mean"] + half).clip(upper=high),
                         n=table["count"], _order=table["scenario"].map(order))
    table = table.sort_values(["_order", YEAR], kind="stable")
    return table[["scenario", YEAR, "n", "mean", "low", "high"]].reset_index(drop=True)
