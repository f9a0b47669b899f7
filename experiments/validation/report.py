"""``validation.md`` and ``validation.zh.md``: the numbers of ``validation.json`` as tables
for people, in English and Chinese.

Every sentence is ``validation.<key>`` of the locale catalogues
(``experiments/common/locale/<lang>/validation.toml``); this module assembles. The words
``validation.json`` stores (a fact's ``measure`` and ``expected``, a metric's ``words``)
are the English catalogue's; the Chinese report finds their key from the fact or metric.
"""

from __future__ import annotations

from functools import cache

from experiments.common.i18n import text

ROBUST_SHARE = 0.9
"""A conclusion holding at >= 90% of the assumption sample is called robust."""
FRAGILE_SHARE = 0.7
"""Below 70% it is called fragile (in between: mostly holds)."""
REPORT_FILES = {"en": "validation.md", "zh": "validation.zh.md"}
"""The report in each language, beside ``validation.json``."""


def t(key: str, lang: str, **fields) -> str:
    return text(f"validation.{key}", lang, **fields)


def fmt(x, spec: str = "+.3f", lang: str = "en") -> str:
    return t("na", lang) if x is None else format(x, spec)


def yes_no(flag: bool, lang: str) -> str:
    return t("yes" if flag else "no", lang)


def verdict(share: float | None, lang: str = "en") -> str:
    if share is None:
        return t("na", lang)
    if share >= ROBUST_SHARE:
        return t("verdict_robust", lang)
    return t("verdict_mostly" if share >= FRAGILE_SHARE else "verdict_fragile", lang)


def cell(words: str) -> str:
    """``words`` safe in a markdown table cell (``"|mean|"`` would split the cell)."""
    return words.replace("|", "\\|")


def table_head(key: str, lang: str) -> list[str]:
    """A markdown table's header and rule, from ``key``'s ``"a | b | c"``."""
    columns = t(key, lang)
    return [f"| {columns} |", "|" + "---|" * (columns.count("|") + 1)]


def validation_markdown(result: dict, lang: str = "en") -> str:
    """The whole report in ``lang`` (``"en"`` or ``"zh"``)."""
    s = result["sizes"]
    command = " ".join(result["command"] or ["youwei", "validate-model"])
    seconds = t("sep", lang).join(
        t("seconds_item", lang, section=t(f"section_{k}", lang), seconds=v)
        for k, v in result["seconds"].items())
    lines = [f"# {t('title', lang)}", "",
             t("made", lang, created=result["created"], command=command,
               used=result["executor"]["used"], seconds=seconds), ""]
    if result["quick"]:
        lines += [t("quick", lang), ""]
    targets = (t("sizes_target_seeds", lang, seeds=s["target_seeds"]) if s["target_seeds"]
               else t("sizes_target_own", lang))
    lines += [t("sizes", lang, targets=targets, **s), ""]
    lines += facts_section(result["stylised_facts"], lang)
    lines += targets_section(result["calibration_targets"], lang)
    lines += peter_section(result["peter"], lang)
    lines += stationarity_section(result["stationarity"], lang)
    lines += robustness_section(result["robustness"], lang)
    return "\n".join(lines) + "\n"


@cache
def _fact_words() -> dict[str, tuple[str, int]]:
    """A fact's English words (as ``validation.json`` stores them) -> its key and sign."""
    from experiments.validation.facts import FACTS

    return {fact.label("en"): (fact.key, fact.sign) for fact in FACTS}


def fact_words(row: dict, lang: str) -> tuple[str, str]:
    """A fact row's measure and expectation in ``lang`` (as stored when the fact is not
    one of today's :data:`~experiments.validation.facts.FACTS`)."""
    from experiments.validation.facts import expected_words

    known = _fact_words().get(row["measure"])
    if known is None:
        return row["measure"], row["expected"]
    key, sign = known
    return t(f"fact_{key}", lang), expected_words(sign, lang)


def facts_section(section: dict, lang: str = "en") -> list[str]:
    lines = [t("facts_heading", lang), "",
             t("facts_intro", lang, seeds=section["seeds"], root=section["root_seed"],
               cadres=section["cadres"], years=section["years"]), "",
             *table_head("facts_columns", lang)]
    for r in section["rows"]:
        measure, expected = fact_words(r, lang)
        lines.append(f"| {r['fact']} | {cell(measure)} | {cell(expected)} | "
                     f"{fmt(r['mean'], lang=lang)} "
                     f"[{fmt(r['ci_low'], lang=lang)}, {fmt(r['ci_high'], lang=lang)}] | "
                     f"{yes_no(r['holds'], lang)} |")
    held = sum(r["holds"] for r in section["rows"])
    return lines + ["", t("facts_held", lang, held=held, count=len(section["rows"])), ""]


def targets_section(section: dict, lang: str = "en") -> list[str]:
    lines = [t("targets_heading", lang), "", t("targets_intro", lang, root=section["root_seed"]),
             "", *table_head("targets_columns", lang)]
    for f in section["files"]:
        name = t("targets_file", lang, file=f["file"].rsplit("/", 1)[-1], seeds=f["seeds"])
        for g in f["targets"]:
            lines.append(
                f"| {cell(name)} | `{g['name']}` | {cell(g['article'])}: {cell(g['quote'])} | "
                f"{g['value']:g} x "
                f"{g['scale']:.4g} = {g['goal']:.3g} | {fmt(g['model_mean'], '.3g', lang)} "
                f"[{fmt(g['ci_low'], '.3g', lang)}, {fmt(g['ci_high'], '.3g', lang)}] | "
                f"{g['tolerance']:.0%} | {yes_no(g['met'], lang)} |")
    return lines + ["", t("targets_met", lang, met=section["met"], count=section["count"]), ""]


def peter_section(section: dict, lang: str = "en") -> list[str]:
    lines = [t("peter_heading", lang), "",
             t("peter_intro", lang, runs=section["runs"], years=section["years"],
               paper_runs=section["paper_runs"], paper_years=section["paper_years"],
               window=section["window"]), "",
             *table_head("peter_columns", lang)]
    for c in section["cells"]:
        lines.append(f"| {t('peter_' + c['hypothesis'], lang)} | {t('peter_' + c['rule'], lang)} "
                     f"| {fmt(c['gain'], '+.2f', lang)} [{fmt(c['ci_low'], '+.2f', lang)}, "
                     f"{fmt(c['ci_high'], '+.2f', lang)}] | {c['paper']:+.0f} | "
                     f"{yes_no(c['within_3'], lang)} |")
    return lines + ["", t("peter_within", lang, within=section["within_3_count"],
                          count=len(section["cells"])), ""]


def stationarity_section(section: dict, lang: str = "en") -> list[str]:
    (a, b), (c, d) = section["windows"]
    lines = [t("stationarity_heading", lang), "",
             t("stationarity_intro", lang, seeds=section["seeds"], years=section["years"],
               a=a, b=b, c=c, d=d, **section["limits"]), "",
             *table_head("stationarity_columns", lang)]
    for r in section["rows"]:
        lines.append(
            f"| {r['scenario']} | {fmt(r['effort'], '.3f', lang)} | "
            f"{fmt(r['ability_sd'], '.3f', lang)} | {fmt(r['efficiency_rel'], '.1%', lang)} | "
            f"{fmt(r['exits_rel'], '.1%', lang)} | {fmt(r['bound_share'], '.1%', lang)} | "
            f"{fmt(r['baseline_start'], '.3f', lang)} | {r['spinup_years']} | "
            f"{yes_no(r['ok'], lang)} |")
    return lines + [""]


def robustness_section(section: dict, lang: str = "en") -> list[str]:
    lines = [t("robust_heading", lang), "",
             t("robust_intro", lang, packages=t("sep", lang).join(section["packages"]),
               world=section["world"], nominal_seeds=section["nominal_seeds"],
               points=section["points"], count=len(section["assumptions"]),
               reps=section["reps"], robust=ROBUST_SHARE, fragile=FRAGILE_SHARE), ""]
    for m in section["metrics"]:
        ranking = " > ".join(t("robust_order_item", lang, package=p,
                               mean=fmt(m["nominal_means"][p], ".3f", lang))
                             for p in m["ranking"])
        lines += [t("robust_metric", lang, words=t(f"metric_{m['metric']}", lang),
                    metric=m["metric"]), "",
                  t("robust_order", lang, ranking=ranking,
                    share=fmt(m["share_full_ranking_holds"], ".0%", lang)), "",
                  *table_head("robust_columns", lang)]
        for p in m["pairs"]:
            sign = "=" if p["relation"] == "=" else ">"
            note = ("" if p["significant"] or p["relation"] == "="
                    else t("robust_not_significant", lang))
            lines.append(f"| {p['higher']} {sign} {p['lower']} | "
                         f"{fmt(p['nominal_difference'], '+.4f', lang)} "
                         f"[{fmt(p['ci_low'], '+.4f', lang)}, "
                         f"{fmt(p['ci_high'], '+.4f', lang)}]{note} | "
                         f"{fmt(p['share_holds'], '.0%', lang)} | "
                         f"{verdict(p['share_holds'], lang)} |")
        lines.append("")
    meanings = assumption_meanings(lang)
    lines += [t("robust_ranges", lang), "", *table_head("robust_ranges_columns", lang)]
    lines += [f"| `{a['path']}` | {cell(meanings.get(a['path'], ''))} | {a['low']:g} | "
              f"{a['high']:g} |"
              for a in section["assumptions"]]
    return lines + [""]


def assumption_meanings(lang: str) -> dict[str, str]:
    """Every scenario field's meaning in ``lang`` (``scenarios/catalogue/levers.toml``)."""
    from scenarios.levers import fields

    return {f.path: f.meaning[lang] for f in fields()}
