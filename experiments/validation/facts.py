"""Stylised facts 1-4 of docs/model.md section 1.2, as paired differences with 95% CIs.

Each fact is a difference between two scenarios run on the same seeds (common random
numbers: replication k of both arms starts from the same child of one root
``SeedSequence``). The world is small (250 cadres, 12 years after a spin-up shared by
the arms of a pair). ``tests/regression/test_stylised_facts.py`` asserts the signs
on 20 seeds, ``benchmarks/stylised_facts.py`` prints the table, and
``youwei validate-model`` reports it; all three use this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from scenarios.schema import Mobility, PromotionRule, Scenario

ROOT_SEED = 20240611
REPLICATIONS = 20
YEARS = 12


def small_county(years: int = YEARS) -> Scenario:
    """The default scenario with 4 organs (20 each), 6 frontline units (25 each,
    difficulty 1.3, hardship 1.2) and 2 key projects (10 each, difficulty 1.6,
    hardship 1.5, one post at levels 1 and 2): 250 cadres."""
    from scenarios.schema import UnitGroup

    s = Scenario(years=years)
    org = s.organisation.model_copy(update=dict(
        organs=UnitGroup(count=4, establishment=20),
        frontline=UnitGroup(count=6, establishment=25, difficulty=1.3, hardship=1.2),
        key_projects=UnitGroup(count=2, establishment=10, difficulty=1.6, hardship=1.5,
                               posts={1: 1, 2: 1}),
    ))
    return s.model_copy(update=dict(organisation=org))


def with_policy(s: Scenario, **blocks) -> Scenario:
    """``s`` with the named policy blocks updated (``promotion=dict(rule=...)``)."""
    updates = {k: getattr(s.policy, k).model_copy(update=v) for k, v in blocks.items()}
    return s.model_copy(update=dict(policy=s.policy.model_copy(update=updates)))


def fact_scenarios() -> dict[str, Scenario]:
    """The arms of the facts' pairs, by name."""
    baseline = small_county()  # seniority promotion, no tolerance, no bonus: the old rules
    merit = with_policy(baseline, promotion=dict(rule=PromotionRule.MERIT,
                                                 mobility=Mobility.UNIFIED))
    tolerance = dict(excuse_rate=0.8, discrimination=0.9)
    tolerant_history = baseline.model_copy(update=dict(history=baseline.history.model_copy(
        update=dict(policy=with_policy(baseline, tolerance=tolerance).policy))))
    return {
        "baseline": baseline,
        "tolerance": with_policy(baseline, tolerance=tolerance),
        "tolerance_removed": tolerant_history,
        "tolerance_kept": with_policy(tolerant_history, tolerance=tolerance),
        "merit": merit,
        "merit_tolerance": with_policy(merit, tolerance=tolerance),
        "poor_discrimination": with_policy(
            baseline, tolerance=dict(excuse_rate=0.8, discrimination=0.5)),
        "good_discrimination": with_policy(
            baseline, tolerance=dict(excuse_rate=0.8, discrimination=0.95)),
        "merit_frontline_weight": with_policy(
            merit, promotion=dict(rule=PromotionRule.MERIT, mobility=Mobility.UNIFIED,
                                  frontline_weight=2.0)),
    }


@dataclass(frozen=True)
class Run:
    """One replication: its reporters (``frame``, one row per year) and, per year over
    the cadres who served, effort and whether each was punished for an honest error."""

    frame: object  # pandas.DataFrame
    effort_punished: tuple[tuple[np.ndarray, np.ndarray], ...]


@dataclass(frozen=True)
class FactTask:
    """One replication of one arm: plain data for the shared runner."""

    name: str
    replication: int
    scenario: Scenario
    seed: np.random.SeedSequence


def run_fact(task: FactTask) -> Run:
    """Run one arm's replication (module level: it pickles by name)."""
    from sim import CadreModel
    from sim.state import ErrorOutcome

    model = CadreModel(task.scenario, rng=task.seed)
    years = []
    for _ in range(model.scenario.years):
        model.step()
        record = model.record
        years.append((record.worked.effort,
                      record.review.outcome == ErrorOutcome.PUNISHED_HONEST))
    return Run(model.model_frame(), tuple(years))


def fact_tasks(seeds: int, root: int = ROOT_SEED,
               names: Iterable[str] | None = None) -> list[FactTask]:
    """Every arm's ``seeds`` replications, replication k of every arm on child k."""
    scenarios = fact_scenarios()
    children = np.random.SeedSequence(root).spawn(seeds)
    return [FactTask(name, k, scenarios[name], child)
            for name in (names or scenarios) for k, child in enumerate(children)]


def top_minus_bottom(run: Run) -> float:
    """P(punished for an honest error) in the top effort quartile of each year minus the
    bottom quartile, over the run's cadre-years."""
    top, bottom = [], []
    for effort, punished in run.effort_punished:
        low, high = np.quantile(effort, [0.25, 0.75])
        top.append(punished[effort >= high])
        bottom.append(punished[effort <= low])
    return float(np.concatenate(top).mean() - np.concatenate(bottom).mean())


def last_years(column: str, k: int = 5) -> Callable:
    """Per run: the mean of ``column`` over its last ``k`` years."""
    return lambda frame: frame[column].iloc[-k:].mean()


def drift(frame) -> float:
    """Mean effort of the last 5 years minus year 1."""
    return frame.mean_effort.iloc[-5:].mean() - frame.mean_effort.iloc[0]


@dataclass(frozen=True)
class Fact:
    """One measured difference: ``sign`` +1 (CI must lie above 0) or -1 (below).

    Its words are ``validation.fact_<key>`` of the locale catalogues
    (``experiments/common/locale/<lang>/validation.toml``).
    """

    fact: int
    key: str
    sign: int
    values: Callable[[dict[str, list[Run]]], np.ndarray]

    def label(self, lang: str = "en") -> str:
        """What the fact measures, in words."""
        from experiments.common.i18n import text

        return text(f"validation.fact_{self.key}", lang)


def _per_run(name: str, measure) -> Callable[[dict[str, list[Run]]], np.ndarray]:
    return lambda runs: np.array([measure(r.frame) for r in runs[name]], float)


def _minus(a, b) -> Callable[[dict[str, list[Run]]], np.ndarray]:
    return lambda runs: a(runs) - b(runs)


FACTS: tuple[Fact, ...] = (
    Fact(1, "old_rules_punish_effort", +1,
         lambda runs: np.array([top_minus_bottom(r) for r in runs["baseline"]])),
    Fact(1, "tolerance_effort", +1,
         _minus(_per_run("tolerance", last_years("mean_effort")),
                _per_run("baseline", last_years("mean_effort")))),
    Fact(1, "old_rules_drift", 0, _per_run("baseline", drift)),
    Fact(1, "tolerance_removed_drift", -1, _per_run("tolerance_removed", drift)),
    Fact(1, "tolerance_removed_vs_kept", -1,
         _minus(_per_run("tolerance_removed", last_years("mean_effort")),
                _per_run("tolerance_kept", last_years("mean_effort")))),
    Fact(2, "merit_tolerance_effort", +1,
         _minus(_per_run("merit_tolerance", last_years("mean_effort")),
                _per_run("merit", last_years("mean_effort")))),
    Fact(2, "merit_effort", +1,
         _minus(_per_run("merit", last_years("mean_effort")),
                _per_run("baseline", last_years("mean_effort")))),
    Fact(3, "discrimination_excused", +1,
         _minus(_per_run("poor_discrimination", lambda f: f.excused_self_serving.sum()),
                _per_run("good_discrimination", lambda f: f.excused_self_serving.sum()))),
    Fact(4, "frontline_weight_share", +1,
         _minus(_per_run("merit_frontline_weight", lambda f: f.promotion_frontline_share.mean()),
                _per_run("merit", lambda f: f.promotion_frontline_share.mean()))),
    Fact(4, "frontline_weight_exits", -1,
         _minus(_per_run("merit_frontline_weight", lambda f: f.voluntary_exits_frontline.sum()),
                _per_run("merit", lambda f: f.voluntary_exits_frontline.sum()))),
)
"""The facts the tests assert, as differences: sign 0 means "near zero" (no drift)."""

EXPECTED = {1: "above", -1: "below", 0: "near"}
"""The sign of a fact -> ``validation.expected_<word>`` (``"> 0"``, ``"< 0"``, ``"~ 0 ..."``)."""


def expected_words(sign: int, lang: str = "en") -> str:
    """What a fact of this sign expects, in words."""
    from experiments.common.i18n import text

    return text(f"validation.expected_{EXPECTED[sign]}", lang)


def fact_rows(runs: dict[str, list[Run]]) -> list[dict]:
    """One row per fact: mean, 95% CI and whether the CI lies on the stated side of 0
    (sign 0: whether |mean| < 0.03, the tests' limit for drift)."""
    from experiments.validation.stats import finite, interval

    rows = []
    for fact in FACTS:
        mean, low, high = interval(fact.values(runs))
        holds = (low > 0 if fact.sign > 0 else high < 0 if fact.sign < 0
                 else abs(mean) < 0.03)
        rows.append({"fact": fact.fact, "measure": fact.label("en"),
                     "expected": expected_words(fact.sign, "en"),
                     "mean": finite(mean), "ci_low": finite(low), "ci_high": finite(high),
                     "holds": bool(holds)})
    return rows


def measure_facts(runner, seeds: int = REPLICATIONS, root: int = ROOT_SEED) -> dict:
    """Run every arm ``seeds`` times on ``runner`` and return the section as JSON data."""
    from experiments.common.runner import TaskFailure

    tasks = fact_tasks(seeds, root)
    runs: dict[str, list] = {name: [None] * seeds for name in fact_scenarios()}
    for task, outcome in runner.map(run_fact, tasks, label="validate: stylised facts"):
        if isinstance(outcome, TaskFailure):
            raise RuntimeError(f"stylised facts, {task.name} #{task.replication}: "
                               f"{outcome.error}")
        runs[task.name][task.replication] = outcome
    return {"seeds": seeds, "root_seed": root, "years": YEARS, "cadres": 250,
            "rows": fact_rows(runs)}
