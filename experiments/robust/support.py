"""How robust a report's conclusion is, from the model's validation robustness table.

``youwei validate-model`` measures, for the bundled policy packages on the
``baseline`` world, every pairwise order of the packages on a few outcomes and
the share of a Latin hypercube sample of the modelling assumptions' ranges
where that order holds (``docs/validation/validation.json``, key
``"robustness"``). A planner's summary cites that share beside each
package-vs-package conclusion it covers: "holds in 75% of the samples of the
assumptions' ranges". It covers a conclusion when the report's world is the
table's world and both packages are bundled packages of the table; both are
recognised by content (the resolved world and policy equal those of the
bundled scenarios), not by name, so a renamed copy is recognised and an edited
one is not.

Only :func:`read_robustness_table` reads the file, and only the keys
``world``, ``packages`` and ``metrics`` -> ``metric``, ``pairs`` ->
``higher``, ``lower``, ``relation``, ``share_holds``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

VALIDATION_JSON = Path(__file__).resolve().parents[2] / "docs" / "validation" / \
    "validation.json"
"""Where ``youwei validate-model`` writes the model's validation results (the repository's copy)."""

RUN_SETTINGS = ("name", "description", "description_zh", "years", "seed", "policy")
"""Top-level scenario keys that are not the world (labels, run settings, the policy)."""


def read_robustness_table(path: Path = VALIDATION_JSON) -> dict | None:
    """The ``"robustness"`` section of ``validation.json``, or None when the file is
    missing, unreadable or has no such section."""
    try:
        section = json.loads(Path(path).read_text(encoding="utf-8")).get("robustness")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(section, Mapping) or not {"world", "packages", "metrics"} <= set(section):
        return None
    return dict(section)


@dataclass(frozen=True)
class Coverage:
    """What of a report the table covers.

    Attributes
    ----------
    table : dict or None
        The robustness section (None: no table).
    world : bool
        The report's world is the table's.
    packages : dict of str -> str
        Report label -> the table's package with the same policy.
    """

    table: dict | None
    world: bool
    packages: dict[str, str]


def coverage(scenarios: Mapping[str, Mapping], table: dict | None) -> Coverage:
    """Which of ``scenarios`` (label -> resolved scenario as JSON) the table covers."""
    if table is None:
        return Coverage(None, False, {})
    from scenarios.loader import load_scenario

    world = _world(load_scenario(table["world"]).model_dump(mode="json"))
    bundled = {name: load_scenario(name).model_dump(mode="json")["policy"]
               for name in table["packages"]}
    same_world = bool(scenarios) and all(_world(s) == world for s in scenarios.values())
    packages = {}
    for label, resolved in scenarios.items():
        match = [name for name, policy in bundled.items() if policy == resolved.get("policy")]
        if match:
            packages[label] = match[0]
    return Coverage(table, same_world, packages)


def _world(resolved: Mapping) -> dict:
    return {k: v for k, v in resolved.items() if k not in RUN_SETTINGS}


def support_clause(cover: Coverage, metric: str, upper: str, other: str, lang: str) -> str | None:
    """The table's word on "``upper`` is higher than ``other`` on ``metric``": the share of
    the samples where that order holds, or that the table does not cover it (the metric
    or a package not in it); None when the whole report is uncovered (:func:`report_line`
    says so once) or the table lacks the pair."""
    from experiments.robust.words import share, t

    if cover.table is None or not cover.world or len(cover.packages) < 2:
        return None
    entry = next((m for m in cover.table["metrics"] if m.get("metric") == metric), None)
    if entry is None:
        return t("support_metric", lang)
    if upper not in cover.packages or other not in cover.packages:
        missing = other if upper in cover.packages else upper
        return t("support_package", lang, package=missing)
    a, b = cover.packages[upper], cover.packages[other]
    for pair in entry.get("pairs", []):
        if {pair.get("higher"), pair.get("lower")} != {a, b} or pair.get("share_holds") is None:
            continue
        if pair.get("relation") == "=":
            return t("support_tie", lang, share=share(pair["share_holds"]))
        key = "support_holds" if pair["higher"] == a else "support_reversed"
        return t(key, lang, share=share(pair["share_holds"]), higher=pair["higher"],
                 lower=pair["lower"])
    return None


def report_line(cover: Coverage, lang: str) -> str | None:
    """One line when the table covers none of the report's conclusions (no table, another
    world, fewer than two bundled packages); None otherwise."""
    from experiments.robust.words import t

    if cover.table is None:
        return t("support_no_table", lang)
    if not cover.world:
        return t("support_other_world", lang, world=cover.table["world"])
    if len(cover.packages) < 2:
        return t("support_other_packages", lang,
                 packages=", ".join(cover.table["packages"]))
    return None


def with_support(sentence: str, cover: Coverage, metric: str, upper: str, other: str,
                 lang: str) -> str:
    """``sentence`` followed by :func:`support_clause`, when there is one."""
    from experiments.robust.words import t

    clause = support_clause(cover, metric, upper, other, lang)
    return sentence if clause is None else sentence + t("sentence_sep", lang) + clause


def ordered(direction_max: bool, best: str, second: str) -> tuple[str, str]:
    """(higher, lower) of a conclusion "``best`` is better than ``second``"."""
    return (best, second) if direction_max else (second, best)

