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
    """

    column: str
    label: str
    scale: float = 1.0
    decimals: int = 3
    unit: str = ""
    diff_unit: str = ""

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


def _share(column: str, label: str) -> MetricView:
    return MetricView(column, label, 100.0, 1, "%", " pp")


def _rate(column: str, label: str) -> MetricView:
    return MetricView(column, f"{label}, per 100 cadres a year", 100.0, 2)


KEY_METRICS = (
    MetricView("mean_effort", "mean effort (0-1)"),
    MetricView("efficiency", "efficiency"),
    _rate("punished_honest_rate", "honest errors punished"),
    _rate("excused_self_serving_rate", "self-serving errors excused"),
    _share("promotion_frontline_share", "frontline share of promotions"),
    _share("promotion_young_share", "young share of promotions"),
    _rate("voluntary_exit_rate", "voluntary exits"),
)
"""The metrics of the console table, the key results of the report and the difference chart."""


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


BAND_FIGURES: dict[str, FigureSpec] = {
    "effort": FigureSpec(
        "Mean effort",
        (("all cadres", "mean_effort"), ("frontline units", "mean_effort_frontline"),
         ("organs", "mean_effort_organ")),
        "effort (0-1)", sharey=True),
    "efficiency": FigureSpec(
        "Organisational efficiency", (("", "efficiency"),),
        "responsibility-weighted performance"),
    "errors": FigureSpec(
        "Errors by outcome",
        (("honest, excused", "excused_honest_rate"),
         ("honest, punished (reverse punishment)", "punished_honest_rate"),
         ("self-serving, excused (leakage)", "excused_self_serving_rate"),
         ("self-serving, punished", "punished_self_serving_rate")),
        "per 100 cadres a year", scale=100.0, ncols=2),
    "promotion_shares": FigureSpec(
        "Who is promoted",
        (("frontline share of promotions", "promotion_frontline_share"),
         ("young share of promotions", "promotion_young_share")),
        "% of the year's promotions", scale=100.0, ylim=(0.0, 100.0), sharey=True),
    "exits": FigureSpec(
        "Voluntary exits", (("all units", "voluntary_exit_rate"),),
        "per 100 cadres a year", scale=100.0),
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


IGNORED_KEYS = ("name", "description", "years", "seed")
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


def plot_bands(series: pd.DataFrame, spec: FigureSpec, *, note: str = "") -> Figure:
    """Yearly mean over replications with its 95% band, one line per scenario and panel.

    Parameters
    ----------
    series : DataFrame
        The tidy table (``scenario``, ``replication``, ``year`` and the metrics).
    spec : FigureSpec
    note : str
        Provenance shown under the legend (replications, seed, version).

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
    for ax in axes[:, 0]:
        ax.set_ylabel(spec.ylabel)
    for ax in axes[-1, :]:
        ax.set_xlabel("year")
    figure.suptitle(spec.title)
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
                     views: Sequence[MetricView] = KEY_METRICS, note: str = "") -> Figure:
    """Forest plot: each scenario's paired difference from the first, per key metric.

    Parameters
    ----------
    summary : DataFrame
        ``experiments.simulation.compare.summarise``.
    statistic : str
        ``"final"`` or ``"mean"``.
    views : sequence of MetricView
    note : str
        Provenance shown at the bottom.

    Returns
    -------
    Figure
        One panel per metric (own scale, in the units of the console table), a
        point and a 95% interval per scenario, a line at zero; filled points
        where the interval excludes zero.
    """
    rows = summary[summary["statistic"] == statistic]
    scenarios = list(pd.unique(rows["scenario"]))
    reference, others = scenarios[0], scenarios[1:]
    shown = key_views(rows, views)
    height = 1.2 + len(shown) * (0.45 + 0.32 * max(len(others), 1))
    figure = Figure(figsize=(7.0, height), layout="constrained")
    axes = figure.subplots(max(len(shown), 1), 1, squeeze=False)[:, 0]
    for ax, view in zip(axes, shown, strict=False):
        block = rows[rows["metric"] == view.column].set_index("scenario")
        y = np.arange(len(others))[::-1]
        for yi, scenario in zip(y, others, strict=True):
            row = block.loc[scenario]
            color = COLORS[(scenarios.index(scenario)) % len(COLORS)]
            mid = row["diff"] * view.scale
            low, high = row["diff_ci_low"] * view.scale, row["diff_ci_high"] * view.scale
            if not _missing(low) and not _missing(high):
                ax.plot([low, high], [yi, yi], color=color, linewidth=2)
            if not _missing(mid):
                ax.plot([mid], [yi], marker="o", markersize=6, color=color,
                        markerfacecolor=color if bool(row["significant"]) else "white")
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_yticks(y, others)
        ax.set_ylim(-0.6, len(others) - 0.4)
        unit = view.diff_unit.strip() or ("per 100 cadres" if view.scale == 100 else "")
        ax.set_title(view.label + (f" ({unit})" if unit and unit not in view.label else ""),
                     fontsize="medium", loc="left")
        ax.grid(axis="x", alpha=0.3)
    if not shown:
        axes[0].text(0.5, 0.5, "no key metric reported", transform=axes[0].transAxes,
                     ha="center", va="center", color="gray")
    when = "final year" if statistic == Statistic.FINAL else "average over the years"
    figure.suptitle(f"Difference from {reference}, {when} (paired 95% CI; "
                    f"filled = excludes zero)", fontsize="medium")
    if note:
        figure.supxlabel(note, fontsize="x-small")
    return figure


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
                  views: Sequence[MetricView] = KEY_METRICS) -> str:
    """Key metrics as HTML: a row per (metric, scenario); significant differences marked."""
    rows = summary[summary["statistic"] == statistic]
    scenarios = list(pd.unique(rows["scenario"]))
    reference = scenarios[0]
    body = []
    for view in key_views(rows, views):
        block = rows[rows["metric"] == view.column].set_index("scenario")
        body.append(f'<tr class="metric"><td colspan="5">{esc(view.label)}</td></tr>')
        for scenario in scenarios:
            row = block.loc[scenario]
            cells = [f"<td>{esc(scenario)}</td>",
                     f'<td class="num">{esc(view.value(row["mean"]))}</td>',
                     f'<td class="num">{esc(view.interval(row["ci_low"], row["ci_high"]))}</td>']
            if scenario == reference:
                cells.append('<td colspan="2">(reference)</td>')
            else:
                interval = view.interval(row["diff_ci_low"], row["diff_ci_high"], signed=True)
                text = f"{esc(view.diff(row['diff']))}"
                if bool(row["significant"]):
                    text = f'<span class="sig">{text} {esc(SIGNIFICANT_MARK)}</span>'
                cells += [f'<td class="num">{text}</td>', f'<td class="num">{esc(interval)}</td>']
            body.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f"<th>{esc(h)}</th>" for h in
                   ("scenario", "mean", "95% CI", f"difference from {reference}",
                    "paired 95% CI"))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def policy_section(policy: pd.DataFrame) -> str:
    """The policy differences as two tables: the levers, then the world."""
    if policy.empty:
        return "<p>The scenarios' resolved settings are identical.</p>"
    labels = list(policy.columns)
    parts = []
    for title, mask, empty in (
        ("Policy levers (what the government chooses)",
         [is_policy_key(k) for k in policy.index], "No policy lever differs."),
        ("The world (organisation, population, behaviour)",
         [not is_policy_key(k) for k in policy.index], "The world is the same in every scenario."),
    ):
        parts.append(f"<h3>{esc(title)}</h3>")
        block = policy[mask]
        if block.empty:
            parts.append(f"<p>{esc(empty)}</p>")
            continue
        rows = [[key, *(format_setting(v) for v in block.loc[key])] for key in block.index]
        parts.append(html_table(["setting", *labels], rows))
    return "\n".join(parts)


def render_report(*, manifest: Mapping, summary: pd.DataFrame, policy: pd.DataFrame,
                  figures: Mapping[str, tuple[str, bytes]], caveats: Sequence[str]) -> str:
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

    Returns
    -------
    str
        An HTML5 document.
    """
    scenarios = manifest["scenarios"]
    labels = [s["label"] for s in scenarios]
    reference = labels[0]
    title = "Scenario comparison: " + " vs ".join(labels)
    software = manifest["software"]
    version = software.get("youwei", "unknown")
    settings = (f"{manifest['replications']} replications of {manifest['years']} years per "
                f"scenario, seed {manifest['seed']}, youwei {version}")
    scenario_rows = [[s["label"], s.get("description", ""), s["sha256"][:12]]
                     for s in scenarios]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="subtitle">{esc(settings)}</p>',
        "<h2>What was compared</h2>",
        f"<p>{len(labels)} policy scenarios were simulated with the youwei cadre model, "
        f"each {esc(manifest['replications'])} times over {esc(manifest['years'])} years. "
        f"Replication <i>k</i> of every scenario starts from the same random seed (common "
        f"random numbers), so each scenario is compared with <b>{esc(reference)}</b> "
        f"(the reference) replication by replication. Results are means over replications "
        f"with 95% confidence intervals; a difference marked "
        f'<span class="sig">{esc(SIGNIFICANT_MARK)}</span> has a 95% interval that excludes '
        f"zero.</p>",
        html_table(["scenario", "description", "hash"], scenario_rows),
        "<h2>How the scenarios differ</h2>",
        "<p>Every setting whose resolved value differs between the scenarios (all other "
        "settings are equal).</p>",
        policy_section(policy),
        "<h2>Key results: final year</h2>",
        results_table(summary, Statistic.FINAL),
        "<h2>Key results: average over the years</h2>",
        results_table(summary, Statistic.MEAN),
        "<p>All metrics, both statistics, are in <code>summary.csv</code>; every "
        "replication's yearly values in <code>series.parquet</code> (files written next to "
        "this page).</p>",
        "<h2>Figures</h2>",
    ]
    for stem, (caption, png) in figures.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure id="{esc(stem)}"><img alt="{esc(caption)}" '
                     f'src="data:image/png;base64,{data}">'
                     f"<figcaption>{esc(caption)}</figcaption></figure>")
    parts += [
        "<h2>Caveats</h2>",
        '<ul class="caveats">' + "".join(f"<li>{esc(c)}</li>" for c in caveats) + "</ul>",
        "<h2>Provenance</h2>",
        html_table(["scenario", "source", "SHA-256 of the scenario as run"],
                   [[s["label"], s.get("source", ""), s["sha256"]] for s in scenarios]),
        html_table(["software", "version"], [[k, v] for k, v in software.items()]),
    ]
    if manifest.get("command"):
        parts.append(f"<p>Command: <code>{esc(' '.join(manifest['command']))}</code></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
