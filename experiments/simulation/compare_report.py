"""A comparison of scenarios as tables, figures and one self-contained HTML page.

``console_table`` is what ``youwei compare`` prints; ``plot_bands`` and
``plot_differences`` draw the figures (matplotlib ``Figure`` objects, no
``pyplot``, English labels only); ``policy_differences`` lists the resolved
scenario keys that differ; ``render_report`` writes ``report.html``, a page a
planner can send on, with every figure embedded as base64 PNG. Only the
standard library and matplotlib: every piece of text goes through
``html.escape``.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from experiments.simulation.compare import CONFIDENCE, YEAR, Statistic, year_bands

DPI = 120
SIGNIFICANT_MARK = "*"
COLORS = ("tab:gray", "tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
          "tab:brown", "tab:pink", "tab:olive", "tab:cyan")
"""Scenario colours in order: the reference (first scenario) is gray."""


@dataclass(frozen=True)
class MetricView:
    """How a metric is shown to people.

    Attributes
    ----------
    column : str
        Column of the tidy table.
    label : str
        English label.
    scale : float
        Shown value = stored value x scale (100 for shares in %, rates per 100 cadres).
    decimals : int
    unit : str
        Appended to shown values (``"%"``).
    diff_unit : str
        Appended to shown differences (``" pp"``: percentage points).
    direction : str
        ``"max"`` when more is better, ``"min"`` when less is, ``""`` when neither
        (the planner's summary names a best package only for the first two).
    beside : MetricView, optional
        A count per 100 cadres shown beside this share, which it explains
        (the share of honest errors punished, beside how many are punished).
    """

    column: str
    label: str
    scale: float = 1.0
    decimals: int = 3
    unit: str = ""
    diff_unit: str = ""
    direction: str = ""
    beside: MetricView | None = None

    def value(self, x: float) -> str:
        return "n/a" if _missing(x) else f"{x * self.scale:.{self.decimals}f}{self.unit}"

    def diff(self, x: float) -> str:
        return "n/a" if _missing(x) else f"{x * self.scale:+.{self.decimals}f}{self.diff_unit}"

    def interval(self, low: float, high: float, *, signed: bool = False) -> str:
        if _missing(low) or _missing(high):
            return "[n/a]"
        fmt = self.diff if signed else self.value
        return f"[{fmt(low)}, {fmt(high)}]"


def _missing(x: object) -> bool:
    try:
        return x is None or not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def _share(column: str, label: str, direction: str = "",
           beside: MetricView | None = None) -> MetricView:
    return MetricView(column, label, 100.0, 1, "%", " pp", direction, beside)


def _rate(column: str, label: str, direction: str = "") -> MetricView:
    return MetricView(column, f"{label}, per 100 cadres a year", 100.0, 2, direction=direction)


KEY_METRICS = (
    MetricView("mean_effort", "mean effort (0-1)", direction="max"),
    MetricView("efficiency", "efficiency", direction="max"),
    _share("punished_honest_share", "share of honest errors punished (reverse punishment)",
           "min", beside=_rate("punished_honest_rate", "honest errors punished")),
    _share("excused_self_serving_share", "share of detected self-serving errors excused",
           "min", beside=_rate("excused_self_serving_rate", "self-serving errors excused")),
    _share("promotion_frontline_share", "frontline share of promotions"),
    _share("promotion_young_share", "young share of promotions"),
    _rate("voluntary_exit_rate", "voluntary exits", "min"),
    MetricView("total_cost", "cost (bonus + subsidy), 10,000 yuan a year", 1.0, 1,
               direction="min"),
)
"""The metrics of the console table, the key results of the report and the difference chart.
Shares lead; a count per 100 cadres stands only beside the share it explains (``beside``)."""


@dataclass(frozen=True)
class FigureSpec:
    """A figure of yearly means with confidence bands: one panel per metric."""

    title: str
    panels: tuple[tuple[str, str], ...]  # (panel title, column)
    ylabel: str
    scale: float = 1.0
    ncols: int = 0  # 0: all panels in one row
    ylim: tuple[float, float] | None = None
    sharey: bool = False  # one y scale for all panels (panels of the same measure)
    key: str = ""  # catalogue keys planner.fig_<key>, planner.ylabel_<key> (other languages)


BAND_FIGURES: dict[str, FigureSpec] = {
    "effort": FigureSpec(
        "Mean effort",
        (("all cadres", "mean_effort"), ("frontline units", "mean_effort_frontline"),
         ("organs", "mean_effort_organ")),
        "effort (0-1)", sharey=True, key="effort"),
    "efficiency": FigureSpec(
        "Organisational efficiency", (("", "efficiency"),),
        "responsibility-weighted performance", key="efficiency"),
    "errors": FigureSpec(
        "Errors by outcome",
        (("honest, excused", "excused_honest_rate"),
         ("honest, punished (reverse punishment)", "punished_honest_rate"),
         ("self-serving, excused (leakage)", "excused_self_serving_rate"),
         ("self-serving, punished", "punished_self_serving_rate")),
        "per 100 cadres a year", scale=100.0, ncols=2, key="errors"),
    "promotion_shares": FigureSpec(
        "Who is promoted",
        (("frontline share of promotions", "promotion_frontline_share"),
         ("young share of promotions", "promotion_young_share")),
        "% of the year's promotions", scale=100.0, ylim=(0.0, 100.0), sharey=True,
        key="promotion_shares"),
    "exits": FigureSpec(
        "Voluntary exits", (("all units", "voluntary_exit_rate"),),
        "per 100 cadres a year", scale=100.0, key="exits"),
}
"""File stem -> figure of yearly means with 95% bands, one line per scenario."""

DIFFERENCE_FIGURE = "differences"
FIGURE_STEMS = (*BAND_FIGURES, DIFFERENCE_FIGURE)
FIGURE_FILES = tuple(f"{stem}.png" for stem in FIGURE_STEMS)


# ----------------------------------------------------------------------------- tables


def key_views(summary: pd.DataFrame, views: Sequence[MetricView] = KEY_METRICS
              ) -> list[MetricView]:
    """The ``views`` whose metric is in ``summary`` (pyramid scenarios lack most)."""
    present = set(summary["metric"])
    return [view for view in views if view.column in present]


def console_table(summary: pd.DataFrame, *, statistic: str = Statistic.FINAL,
                  views: Sequence[MetricView] = KEY_METRICS) -> str:
    """The key metrics: per scenario, mean [CI] and difference from the first [paired CI].

    Parameters
    ----------
    summary : DataFrame
        ``experiments.simulation.compare.summarise``.
    statistic : str
        ``"final"`` (last year) or ``"mean"`` (average over the years).
    views : sequence of MetricView

    Returns
    -------
    str
        One block per metric, one line per scenario; ``*`` marks a difference
        whose interval excludes zero.
    """
    rows = summary[summary["statistic"] == statistic]
    scenarios = list(pd.unique(rows["scenario"]))
    reference = scenarios[0]
    name_width = max(len(s) for s in scenarios)
    lines = []
    cells = []
    for view in key_views(rows, views):
        block = rows[rows["metric"] == view.column].set_index("scenario")
        cells.append((view, [(s, block.loc[s]) for s in scenarios]))
    level_width = max((len(_level_cell(view, r)) for view, rs in cells for _, r in rs),
                      default=0)
    level = "mean [95% CI]" if CONFIDENCE == 0.95 else f"mean [{CONFIDENCE:.0%} CI]"
    lines.append(f"  {'':<{name_width}}  {level:<{level_width}}  "
                 f"difference from {reference} [paired CI]")
    for view, scenario_rows in cells:
        lines.append(view.label)
        for scenario, row in scenario_rows:
            text = f"  {scenario:<{name_width}}  {_level_cell(view, row):<{level_width}}"
            if scenario != reference:
                text += f"  {_diff_cell(view, row)}"
            lines.append(text.rstrip())
    return "\n".join(lines)


def _level_cell(view: MetricView, row) -> str:
    return f"{view.value(row['mean'])} {view.interval(row['ci_low'], row['ci_high'])}"


def _diff_cell(view: MetricView, row) -> str:
    mark = f" {SIGNIFICANT_MARK}" if bool(row["significant"]) else ""
    return (f"{view.diff(row['diff'])} "
            f"{view.interval(row['diff_ci_low'], row['diff_ci_high'], signed=True)}{mark}")


# ----------------------------------------------------------------------------- policy table


IGNORED_KEYS = ("name", "description", "description_zh", "years", "seed")
"""Resolved keys left out of the differences: labels, and the run settings the
comparison sets equal for every scenario."""


def flatten(data: Mapping, prefix: str = "") -> dict[str, object]:
    """Nested tables as ``{"policy.tolerance.excuse_rate": 0.6, ...}``; lists stay whole.

    Examples
    --------
    >>> flatten({"a": {"b": 1, "c": {"1": 2}}, "d": [1, 2]})
    {'a.b': 1, 'a.c.1': 2, 'd': [1, 2]}
    """
    flat: dict[str, object] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


MISSING = None


def policy_differences(resolved: Mapping[str, Mapping]) -> pd.DataFrame:
    """The resolved keys whose values differ between scenarios.

    Parameters
    ----------
    resolved : mapping of label -> dict
        ``Scenario.model_dump(mode="json")`` of each scenario, in order.

    Returns
    -------
    DataFrame
        Index: dotted keys (``policy.*`` first, then the world: organisation,
        population, behaviour; each in the schema's order); one column per
        scenario; a key absent from a scenario is None. Keys in
        :data:`IGNORED_KEYS` are left out.
    """
    flat = {label: flatten(data) for label, data in resolved.items()}
    keys: list[str] = []
    for table in flat.values():
        keys += [k for k in table if k not in keys]
    differing = []
    for key in keys:
        if key.split(".")[0] in IGNORED_KEYS:
            continue
        values = [json.dumps(table.get(key, MISSING), sort_keys=True) for table in flat.values()]
        if len(set(values)) > 1:
            differing.append(key)
    differing.sort(key=lambda k: 0 if is_policy_key(k) else 1)  # stable: schema order kept
    return pd.DataFrame({label: [table.get(k, MISSING) for k in differing]
                         for label, table in flat.items()},
                        index=pd.Index(differing, name="key"), dtype=object)


def is_policy_key(key: str) -> bool:
    """Keys under ``policy``: the levers the government chooses (the rest is the world)."""
    return key.startswith("policy.")


def format_setting(value: object) -> str:
    """A resolved value as a short text: lists comma-separated, None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(format_setting(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# ----------------------------------------------------------------------------- figures


def plot_bands(series: pd.DataFrame, spec: FigureSpec, *, note: str = "",
               lang: str = "en") -> Figure:
    """Yearly mean over replications with its 95% band, one line per scenario and panel.

    Parameters
    ----------
    series : DataFrame
        The tidy table (``scenario``, ``replication``, ``year`` and the metrics).
    spec : FigureSpec
    note : str
        Provenance shown under the legend (replications, seed, version).
    lang : {"en", "zh"}
        Language of the labels (``zh`` needs a CJK font: draw and save inside
        ``matplotlib.rc_context(experiments.common.fonts.font_rc("zh"))``).

    Returns
    -------
    Figure
        Panels whose column ``series`` lacks say "not reported".
    """
    scenarios = list(pd.unique(series["scenario"]))
    n = len(spec.panels)
    ncols = spec.ncols or n
    nrows = math.ceil(n / ncols)
    figure = Figure(figsize=(3.6 * ncols + 0.8, 2.9 * nrows + 1.1), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=spec.sharey)
    for ax, (panel, column) in zip(axes.flat, spec.panels, strict=False):
        if lang != "en" and panel:
            panel = planner_text(f"panel_{column}", lang)
        ax.set_title(panel, fontsize="medium")
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if column not in series.columns:
            ax.text(0.5, 0.5, f"not reported\n({column})", transform=ax.transAxes,
                    ha="center", va="center", color="gray", fontsize="small")
            continue
        bands = year_bands(series, column)
        for i, scenario in enumerate(scenarios):
            band = bands[bands["scenario"] == scenario]
            color = COLORS[i % len(COLORS)]
            ax.plot(band[YEAR], band["mean"] * spec.scale, color=color, linewidth=1.6,
                    label=scenario)
            ax.fill_between(band[YEAR], band["low"] * spec.scale, band["high"] * spec.scale,
                            color=color, alpha=0.2, linewidth=0)
        if spec.ylim is not None:
            ax.set_ylim(*spec.ylim)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    localised = lang != "en" and spec.key
    for ax in axes[:, 0]:
        ax.set_ylabel(planner_text(f"ylabel_{spec.key}", lang) if localised else spec.ylabel)
    for ax in axes[-1, :]:
        ax.set_xlabel(planner_text("axis_year", lang))
    figure.suptitle(planner_text(f"fig_{spec.key}", lang) if localised else spec.title)
    handles, labels = _legend_entries(axes)
    if handles:
        figure.legend(handles, labels, loc="outside lower center",
                      ncols=min(len(labels), 4), fontsize="small", title=note or None,
                      title_fontsize="x-small")
    return figure


def _legend_entries(axes) -> tuple[list, list]:
    for ax in axes.flat:
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            return handles, labels
    return [], []


def plot_differences(summary: pd.DataFrame, *, statistic: str = Statistic.FINAL,
                     views: Sequence[MetricView] = KEY_METRICS, note: str = "",
                     pairs: pd.DataFrame | None = None, lang: str = "en") -> Figure:
    """Forest plot of paired differences, per key metric: every pair, or each from the first.

    Parameters
    ----------
    summary : DataFrame
        ``experiments.simulation.compare.summarise``.
    statistic : str
        ``"final"`` or ``"mean"``.
    views : sequence of MetricView
    note : str
        Provenance shown at the bottom.
    pairs : DataFrame, optional
        ``experiments.simulation.compare.pairwise_differences``: one row per pair
        ("second - first"); default the differences from the first scenario in ``summary``.
    lang : {"en", "zh"}

    Returns
    -------
    Figure
        One panel per metric (own scale, in the units of the console table), a
        point and a 95% interval per pair, a line at zero; filled points where
        the interval excludes zero.
    """
    rows = summary[summary["statistic"] == statistic]
    scenarios = list(pd.unique(rows["scenario"]))
    if pairs is None:
        pairs = rows.assign(first=scenarios[0], second=rows["scenario"])
        pairs = pairs[pairs["scenario"] != scenarios[0]]
    pairs = pairs[pairs["statistic"] == statistic]
    order = list(dict.fromkeys(zip(pairs["first"], pairs["second"], strict=True)))
    names = [f"{second} − {first}" for first, second in order]
    shown = key_views(rows, views)
    height = 1.2 + len(shown) * (0.45 + 0.32 * max(len(order), 1))
    figure = Figure(figsize=(7.0, height), layout="constrained")
    axes = figure.subplots(max(len(shown), 1), 1, squeeze=False)[:, 0]
    for ax, view in zip(axes, shown, strict=False):
        block = pairs[pairs["metric"] == view.column].set_index(["first", "second"])
        y = np.arange(len(order))[::-1]
        for yi, pair in zip(y, order, strict=True):
            if pair not in block.index:
                continue
            row = block.loc[pair]
            color = COLORS[(scenarios.index(pair[1])) % len(COLORS)]
            mid = row["diff"] * view.scale
            low, high = row["diff_ci_low"] * view.scale, row["diff_ci_high"] * view.scale
            if not _missing(low) and not _missing(high):
                ax.plot([low, high], [yi, yi], color=color, linewidth=2)
            if not _missing(mid):
                ax.plot([mid], [yi], marker="o", markersize=6, color=color,
                        markerfacecolor=color if bool(row["significant"]) else "white")
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_yticks(y, names)
        ax.set_ylim(-0.6, len(order) - 0.4)
        if lang == "en":
            unit = view.diff_unit.strip() or ("per 100 cadres" if view.scale == 100 else "")
            title = view.label + (f" ({unit})" if unit and unit not in view.label else "")
        else:
            title = metric_label(view, lang)
        ax.set_title(title, fontsize="medium", loc="left")
        ax.grid(axis="x", alpha=0.3)
    if not shown:
        axes[0].text(0.5, 0.5, "no key metric reported", transform=axes[0].transAxes,
                     ha="center", va="center", color="gray")
    when = planner_text("final_year" if statistic == Statistic.FINAL else "mean_years", lang)
    figure.suptitle(planner_text("fig_differences", lang, when=when), fontsize="medium")
    if note:
        figure.supxlabel(note, fontsize="x-small")
    return figure


def planner_text(key: str, lang: str, **fields) -> str:
    """A sentence of the ``planner`` catalogue."""
    from experiments.common.i18n import text

    return text(f"planner.{key}", lang, **fields)


def metric_label(view: MetricView, lang: str) -> str:
    """A key metric's label in ``lang`` (the catalogue's, else the view's English one)."""
    if lang == "en":
        return view.label
    from experiments.common.i18n import MissingText

    try:
        return planner_text(f"metric_{view.column}", lang)
    except MissingText:
        return view.label


def described(scenario: dict, lang: str) -> str:
    """A compared scenario's description in the report's language (Chinese when the
    scenario gives one, ``description_zh``; else the English one)."""
    if lang == "zh" and scenario.get("description_zh"):
        return scenario["description_zh"]
    return scenario.get("description", "")


def figure_png(figure: Figure, *, description: str = "") -> bytes:
    """``figure`` as PNG bytes (no software or date stamp: same inputs, same bytes)."""
    buffer = io.BytesIO()
    metadata = {"Software": None}
    if description:
        metadata["Description"] = description
    try:
        figure.savefig(buffer, dpi=DPI, format="png", metadata=metadata)
    finally:
        figure.clear()
    return buffer.getvalue()


# ----------------------------------------------------------------------------- report.html


CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, "Noto Sans CJK SC",
       "Microsoft YaHei", sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
     border-bottom: 1px solid #ccc; } h3 { font-size: 1.05rem; }
.subtitle { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums;
     white-space: nowrap; }
tr.metric td { background: #fafafa; font-weight: 600; }
.sig { font-weight: 700; color: #a00; }
figure { margin: 1rem 0 1.5rem; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #444; }
code { font-size: 0.85rem; word-break: break-all; }
.caveats li { margin-bottom: 0.3rem; }
"""


def esc(value: object) -> str:
    """Text escaped for HTML (quotes too)."""
    return html.escape(str(value), quote=True)


def page_head(title: str, subtitle: str, lang: str) -> list[str]:
    """The opening of a report page: doctype, language, CSS, the title and its subtitle."""
    return [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="subtitle">{esc(subtitle)}</p>',
    ]


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]], *,
               numeric: Sequence[bool] = (), row_classes: Sequence[str] = ()) -> str:
    """An HTML table of already-formatted cells (escaped here)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        klass = row_classes[i] if i < len(row_classes) and row_classes[i] else ""
        cells = "".join(
            f'<td class="num">{esc(c)}</td>' if (j < len(numeric) and numeric[j])
            else f"<td>{esc(c)}</td>" for j, c in enumerate(row))
        body.append(f'<tr class="{klass}">{cells}</tr>' if klass else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def results_table(summary: pd.DataFrame, statistic: str,
                  views: Sequence[MetricView] = KEY_METRICS, lang: str = "en") -> str:
    """Key metrics as HTML: a row per (metric, scenario); significant differences marked.

    A share's explaining count (``beside``) gets its own column on the share's rows.
    """
    rows = summary[summary["statistic"] == statistic]
    scenarios = list(pd.unique(rows["scenario"]))
    reference = scenarios[0]
    present = set(rows["metric"])
    body = []
    for view in key_views(rows, views):
        block = rows[rows["metric"] == view.column].set_index("scenario")
        beside = view.beside if view.beside is not None and view.beside.column in present \
            else None
        title = metric_label(view, lang)
        if beside is not None:
            title += f" — {planner_text('beside', lang)}: {metric_label(beside, lang)}"
        body.append(f'<tr class="metric"><td colspan="6">{esc(title)}</td></tr>')
        other = rows[rows["metric"] == beside.column].set_index("scenario") if beside else None
        for scenario in scenarios:
            row = block.loc[scenario]
            cells = [f"<td>{esc(scenario)}</td>",
                     f'<td class="num">{esc(view.value(row["mean"]))}</td>',
                     f'<td class="num">{esc(view.interval(row["ci_low"], row["ci_high"]))}</td>']
            if scenario == reference:
                cells.append(f'<td colspan="2">({esc(planner_text("reference", lang))})</td>')
            else:
                interval = view.interval(row["diff_ci_low"], row["diff_ci_high"], signed=True)
                text = f"{esc(view.diff(row['diff']))}"
                if bool(row["significant"]):
                    text = f'<span class="sig">{text} {esc(SIGNIFICANT_MARK)}</span>'
                cells += [f'<td class="num">{text}</td>', f'<td class="num">{esc(interval)}</td>']
            count = "" if other is None else beside.value(other.loc[scenario, "mean"])
            cells.append(f'<td class="num">{esc(count)}</td>')
            body.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f"<th>{esc(h)}</th>" for h in (
        planner_text("col_scenario", lang), planner_text("col_mean_short", lang),
        planner_text("col_ci", lang), planner_text("col_diff_from", lang, reference=reference),
        planner_text("col_paired_ci", lang), planner_text("col_count", lang)))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# ----------------------------------------------------------------------------- planner summary


def _better(view: MetricView, lang: str) -> str:
    return planner_text("better_max" if view.direction == "max" else "better_min", lang)


def best_sentence(view: MetricView, final: pd.DataFrame, pairs: pd.DataFrame,
                  lang: str, cover=None) -> str | None:
    """Which package is best on ``view``'s metric (final year), and by how much over the
    runner-up with the paired 95% interval, with how robust that order is in the model's
    validation (``cover``: :func:`experiments.robust.support.coverage`); None when the
    metric is missing."""
    block = final[final["metric"] == view.column].set_index("scenario")["mean"].dropna()
    if len(block) < 2 or not view.direction:
        return None
    ranked = block.sort_values(ascending=view.direction == "min", kind="stable")
    best, second = ranked.index[0], ranked.index[1]
    pair = pairs[(pairs["metric"] == view.column)
                 & (((pairs["first"] == best) & (pairs["second"] == second))
                    | ((pairs["first"] == second) & (pairs["second"] == best)))]
    if pair.empty:
        return None
    row = pair.iloc[0]
    sign = 1.0 if row["second"] == best else -1.0  # rows hold second - first
    diff, low, high = (sign * row["diff"], sign * row["diff_ci_low"], sign * row["diff_ci_high"])
    if sign < 0:
        low, high = high, low
    word = "higher" if diff > 0 else "lower"
    amount = planner_text(f"diff_{word}", lang, amount=view.diff(abs(diff)).lstrip("+"))
    fields = dict(metric=metric_label(view, lang), better=_better(view, lang), package=best,
                  other=second, diff=amount, low=view.diff(low), high=view.diff(high))
    key = "compare_best" if bool(row["significant"]) else "compare_best_tie"
    sentence = planner_text(key, lang, **fields)
    if cover is None:
        return sentence
    from experiments.robust.support import ordered, with_support

    return with_support(sentence, cover, view.column,
                        *ordered(view.direction == "max", best, second), lang)


def cost_sentences(summary: pd.DataFrame, lang: str) -> list[str]:
    """What each package costs (万元 a year, mean over the years) and, against the first,
    the cost of each +0.01 of final-year mean effort where effort rose significantly."""
    costs = summary[(summary["metric"] == "total_cost") & (summary["statistic"] == Statistic.MEAN)]
    if costs.empty:
        return []
    scenarios = list(costs["scenario"])
    cost = costs.set_index("scenario")["mean"]
    lines = [planner_text("compare_cost", lang, costs=planner_text("sep", lang).join(
        planner_text("compare_cost_item", lang, package=p, cost=f"{cost[p]:,.1f}")
        for p in scenarios))]
    effort = summary[(summary["metric"] == "mean_effort")
                     & (summary["statistic"] == Statistic.FINAL)].set_index("scenario")
    items = []
    for p in scenarios[1:]:
        if p not in effort.index:
            continue
        gain = effort.loc[p, "diff"]
        extra = cost[p] - cost[scenarios[0]]
        if bool(effort.loc[p, "significant"]) and gain > 0 and extra > 0:
            items.append(planner_text("compare_cost_per_effect_item", lang, package=p,
                                      value=f"{extra / (gain / 0.01):,.1f}"))
    if items:
        lines.append(planner_text("compare_cost_per_effect", lang, reference=scenarios[0],
                                  items=planner_text("sep", lang).join(items)))
    return lines


def planner_summary(summary: pd.DataFrame, pairs: pd.DataFrame | None, lang: str,
                    views: Sequence[MetricView] = KEY_METRICS, cover=None) -> list[str]:
    """The summary's sentences: the best package per key metric with its margin, CI and
    validated robustness (``cover``, see :func:`best_sentence`), then the costs."""
    if pairs is None:
        return cost_sentences(summary, lang)
    final = summary[summary["statistic"] == Statistic.FINAL]
    finals = pairs[pairs["statistic"] == Statistic.FINAL]
    lines = [line for view in key_views(final, views)
             if (line := best_sentence(view, final, finals, lang, cover)) is not None]
    return lines + cost_sentences(summary, lang)



def pairwise_table(pairs: pd.DataFrame, statistic: str, lang: str,
                   views: Sequence[MetricView] = KEY_METRICS) -> str:
    """Every pair's paired difference per key metric: metrics as rows, pairs as columns."""
    rows = pairs[pairs["statistic"] == statistic]
    order = list(dict.fromkeys(zip(rows["first"], rows["second"], strict=True)))
    present = set(rows["metric"])
    body = []
    for view in views:
        if view.column not in present:
            continue
        block = rows[rows["metric"] == view.column].set_index(["first", "second"])
        cells = [metric_label(view, lang)]
        for pair in order:
            r = block.loc[pair]
            mark = f" {SIGNIFICANT_MARK}" if bool(r["significant"]) else ""
            cells.append(f"{view.diff(r['diff'])} "
                         f"{view.interval(r['diff_ci_low'], r['diff_ci_high'], signed=True)}"
                         f"{mark}")
        body.append(cells)
    header = [planner_text("compare_pair", lang),
              *(f"{second} − {first}" for first, second in order)]
    return html_table(header, body, numeric=[False, *[True] * len(order)])


# ----------------------------------------------------------------------------- policy table


def policy_section(policy: pd.DataFrame, lang: str = "en") -> str:
    """The policy differences as two tables: the levers, then the world."""
    if policy.empty:
        return f"<p>{esc(planner_text('settings_identical', lang))}</p>"
    labels = list(policy.columns)
    parts = []
    for title, mask, empty in (
        (planner_text("levers_title", lang), [is_policy_key(k) for k in policy.index],
         planner_text("levers_same", lang)),
        (planner_text("world_title", lang), [not is_policy_key(k) for k in policy.index],
         planner_text("world_same", lang)),
    ):
        parts.append(f"<h3>{esc(title)}</h3>")
        block = policy[mask]
        if block.empty:
            parts.append(f"<p>{esc(empty)}</p>")
            continue
        rows = [[key, *(format_setting(v) for v in block.loc[key])] for key in block.index]
        parts.append(html_table([planner_text("setting", lang), *labels], rows))
    return "\n".join(parts)


def render_report(*, manifest: Mapping, summary: pd.DataFrame, policy: pd.DataFrame,
                  figures: Mapping[str, tuple[str, bytes]], caveats: Sequence[str],
                  pairs: pd.DataFrame | None = None, lang: str = "en") -> str:
    """The content of ``report.html``: one page, figures embedded, text escaped.

    Parameters
    ----------
    manifest : mapping
        The content of ``manifest.json`` (scenarios, seed, replications, years,
        software, command).
    summary : DataFrame
        ``experiments.simulation.compare.summarise``.
    policy : DataFrame
        :func:`policy_differences`.
    figures : mapping of stem -> (caption, PNG bytes)
    caveats : sequence of str
        Plain-text caveats, one list item each.
    pairs : DataFrame, optional
        ``experiments.simulation.compare.pairwise_differences``: the summary names
        the best package per key metric and the report shows every pair.
    lang : {"en", "zh"}
        Language of the page (every heading and sentence from the ``planner`` catalogue).

    Returns
    -------
    str
        An HTML5 document: the one-page summary first.
    """
    scenarios = manifest["scenarios"]
    labels = [s["label"] for s in scenarios]
    reference = labels[0]
    title = planner_text("compare_title", lang, packages=" vs ".join(labels))
    software = manifest["software"]
    version = software.get("youwei", "unknown")
    settings = planner_text("compare_settings", lang, replications=manifest["replications"],
                            years=manifest["years"], seed=manifest["seed"], version=version)
    world = [k for k in policy.index if not is_policy_key(k)]
    world_line = (planner_text("compare_world_differs", lang, count=len(world)) if world
                  else planner_text("compare_world_same", lang,
                                    world=manifest.get("world") or labels[0]))
    scenario_rows = [[s["label"], described(s, lang), s["sha256"][:12]]
                     for s in scenarios]
    from experiments.robust.support import coverage, read_robustness_table, report_line

    cover = coverage({s["label"]: s["resolved"] for s in scenarios}, read_robustness_table())
    robustness_line = report_line(cover, lang)
    summary_items = [world_line, *planner_summary(summary, pairs, lang, cover=cover),
                     *([robustness_line] if robustness_line else [])]
    intro = planner_text("compare_intro", lang, count=len(labels),
                         replications=manifest["replications"], years=manifest["years"],
                         reference=reference, mark=SIGNIFICANT_MARK)
    parts = [
        *page_head(title, settings, lang),
        f"<h2>{esc(planner_text('summary', lang))}</h2>",
        "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in summary_items) + "</ul>",
    ]
    if pairs is not None and len(labels) > 1:
        parts += [f"<h3>{esc(planner_text('compare_pairwise', lang))}</h3>",
                  pairwise_table(pairs, Statistic.FINAL, lang)]
    parts += [
        f"<h2>{esc(planner_text('compare_what', lang))}</h2>",
        f"<p>{esc(intro)}</p>",
        html_table([planner_text("col_scenario", lang), planner_text("description", lang),
                    "hash"], scenario_rows),
        f"<h2>{esc(planner_text('compare_how_differ', lang))}</h2>",
        f"<p>{esc(planner_text('compare_how_differ_note', lang))}</p>",
        policy_section(policy, lang),
        f"<h2>{esc(planner_text('compare_key_final', lang))}</h2>",
        f"<p>{esc(planner_text('compare_key_note', lang))}</p>",
        results_table(summary, Statistic.FINAL, lang=lang),
        f"<h2>{esc(planner_text('compare_key_mean', lang))}</h2>",
        results_table(summary, Statistic.MEAN, lang=lang),
        f"<p>{esc(planner_text('compare_files', lang))}</p>",
        f"<h2>{esc(planner_text('figures', lang))}</h2>",
    ]
    from experiments.common.fonts import INSTALL_HINT, figure_language

    if figure_language(lang) != lang:
        parts.append(f"<p>{esc(planner_text(INSTALL_HINT.removeprefix('planner.'), lang))}</p>")
    for stem, (caption, png) in figures.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure id="{esc(stem)}"><img alt="{esc(caption)}" '
                     f'src="data:image/png;base64,{data}">'
                     f"<figcaption>{esc(caption)}</figcaption></figure>")
    parts += [
        f"<h2>{esc(planner_text('caveats', lang))}</h2>",
        '<ul class="caveats">' + "".join(f"<li>{esc(c)}</li>" for c in caveats) + "</ul>",
        f"<h2>{esc(planner_text('provenance', lang))}</h2>",
        html_table([planner_text("col_scenario", lang), planner_text("source", lang),
                    planner_text("hash_as_run", lang)],
                   [[s["label"], s.get("source", ""), s["sha256"]] for s in scenarios]),
        html_table([planner_text("software", lang), planner_text("version", lang)],
                   [[k, v] for k, v in software.items()]),
    ]
    if manifest.get("command"):
        parts.append(f"<p>{esc(planner_text('command', lang))}: "
                     f"<code>{esc(' '.join(manifest['command']))}</code></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------- words


def figure_caption(stem: str, lang: str, *, reference: str = "") -> str:
    """The report's caption of figure ``stem`` (with the meaning of the bands)."""
    if stem == DIFFERENCE_FIGURE:
        return planner_text("caption_differences", lang, reference=reference)
    return planner_text(f"caption_{stem}", lang) + planner_text("caption_band_note", lang)


def report_caveats(manifest: Mapping, summary: pd.DataFrame, policy: pd.DataFrame,
                   lang: str) -> list[str]:
    """The report's caveats in ``lang`` (the English ones are
    ``experiments.simulation.compare_cmd.caveats``)."""
    n_metrics = summary["metric"].nunique()
    n_compared = summary["scenario"].nunique() - 1
    seed = manifest["seed"]
    items = [
        planner_text("caveat_compare_model", lang),
        planner_text("caveat_compare_seeds", lang, replications=manifest["replications"],
                     years=manifest["years"], seed=seed),
        planner_text("caveat_compare_multiple", lang, metrics=n_metrics, compared=n_compared),
        planner_text("caveat_compare_undefined", lang),
    ]
    world = [k for k in policy.index if not is_policy_key(k)]
    if world:
        items.append(planner_text("compare_world_differs", lang, count=len(world)))
    versions = ", ".join(f"{k} {v}" for k, v in manifest["software"].items())
    hashes = "; ".join(f"{s['label']} {s['sha256']}" for s in manifest["scenarios"])
    items.append(planner_text("caveat_compare_versions", lang, versions=versions,
                              hashes=hashes))
    return items
