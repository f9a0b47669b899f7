"""The report of a robust experiment: tables, figures and ``report.html`` (zh or en).

The page opens with a one-page summary (per outcome: which package each
robustness metric chooses and whether they agree; what each package costs;
where outcomes fail, from ``youwei discover`` boxes when there are any), then
the robustness table, the figures, the uncertainties, caveats and provenance.
Every sentence comes from the ``planner`` catalogue
(``experiments/common/locale/<lang>/planner.toml``); figures carry Chinese
labels when a CJK font is found (:mod:`experiments.common.fonts`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.common.fonts import INSTALL_HINT, figure_language, font_rc
from experiments.common.i18n import text
from experiments.robust.measures import Direction, agreed
from experiments.robust.spec import RobustSpec
from experiments.robust.tables import Verdict
from experiments.robust.words import metric_label, number, share, t

PALETTE = ("tab:gray", "tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
           "tab:brown", "tab:pink", "tab:olive", "tab:cyan")


# ----------------------------------------------------------------------------- figures


def plot_regret(regret: pd.DataFrame, packages: Sequence[str], outcomes: Sequence[str],
                lang: str, note: str = ""):
    """One panel per outcome: box plot of each package's regret over the worlds; ``note``
    (provenance) at the bottom."""
    from matplotlib.figure import Figure

    n = max(len(outcomes), 1)
    figure = Figure(figsize=(4.2 * min(n, 3) + 0.6, 3.6 * ((n + 2) // 3) + 0.6),
                    layout="constrained")
    axes = figure.subplots((n + 2) // 3, min(n, 3), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        block = regret[regret["outcome"] == outcome]
        data = [block.loc[block["package"] == p, "regret"].to_numpy() for p in packages]
        parts = ax.boxplot(data, orientation="horizontal", patch_artist=True, widths=0.6)
        for patch, color in zip(parts["boxes"], PALETTE, strict=False):
            patch.set_facecolor(color)
            patch.set_alpha(0.5)
        ax.set_yticks(range(1, len(packages) + 1), packages)
        ax.invert_yaxis()
        ax.set_title(metric_label(outcome, lang), fontsize="medium", wrap=True)
        ax.set_xlabel(t("axis_regret", lang))
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    figure.suptitle(t("fig_regret", lang), fontsize="medium")
    if note:
        figure.supxlabel(note, fontsize="x-small")
    return figure


def plot_outcomes(results: pd.DataFrame, spec: RobustSpec, lang: str, note: str = ""):
    """One panel per outcome: each package's value per world, worlds sorted by the first;
    ``note`` (provenance) under the legend."""
    from matplotlib.figure import Figure

    outcomes = spec.outcomes
    n = len(outcomes)
    figure = Figure(figsize=(4.2 * min(n, 3) + 0.6, 3.4 * ((n + 2) // 3) + 1.0),
                    layout="constrained")
    axes = figure.subplots((n + 2) // 3, min(n, 3), squeeze=False)
    packages = list(spec.packages)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        means = results.groupby(["package", "sample"], sort=False)[outcome.name].mean()
        table = means.unstack("sample").reindex(packages)
        order = np.argsort(table.iloc[0].to_numpy(), kind="stable")
        for i, package in enumerate(packages):
            ax.plot(np.arange(len(order)), table.iloc[i].to_numpy()[order], marker="o",
                    markersize=3, linewidth=1.2, color=PALETTE[i % len(PALETTE)],
                    label=package)
        if outcome.threshold is not None:
            ax.axhline(outcome.threshold, color="black", linestyle="--", linewidth=0.9)
        ax.set_title(metric_label(outcome.name, lang), fontsize="medium")
        ax.set_xlabel(t("axis_world", lang))
        ax.grid(alpha=0.3)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 5),
                  fontsize="small", title=note or None, title_fontsize="x-small")
    figure.suptitle(t("fig_outcomes", lang), fontsize="medium")
    return figure


def render_png(draw, lang: str, *args) -> bytes:
    """Draw and save one figure with the fonts of ``lang`` (both inside the rc context)."""
    import matplotlib

    from experiments.simulation.compare_report import figure_png

    with matplotlib.rc_context(font_rc(lang)):
        return figure_png(draw(*args, lang))


# ----------------------------------------------------------------------------- summary


def verdict_sentence(verdict: Verdict, lang: str) -> str:
    """One line per outcome: the package(s) chosen, and whether the metrics agree."""
    better = t("better_max" if verdict.direction is Direction.MAXIMISE else "better_min", lang)
    if verdict.threshold is not None:
        better += t("sep", lang) + t("robust_threshold", lang, threshold=number(verdict.threshold))
    if not verdict.disagree:
        packages = agreed(verdict.chosen)
        choice = t("robust_agree", lang, packages=" / ".join(packages))
    else:
        choice = t("robust_disagree", lang, choices="; ".join(
            t("robust_choice", lang, metric=t(f"metric_{m.value}", lang),
              packages=" / ".join(p)) for m, p in verdict.chosen.items()))
    return t("robust_verdict", lang, outcome=metric_label(verdict.outcome, lang),
             better=better, choice=choice)


def means_sentence(robustness: pd.DataFrame, verdict: Verdict, lang: str) -> str:
    """The packages' means over the worlds, best first, with their largest regret."""
    block = robustness[robustness["outcome"] == verdict.outcome]
    block = block.sort_values("mean", ascending=verdict.direction is Direction.MINIMISE,
                              kind="stable")
    return t("robust_means", lang, items=t("sep", lang).join(
        t("robust_means_item", lang, package=r.package, mean=number(r.mean),
          regret=number(r.max_regret)) for r in block.itertuples()))


def support_sentence(robustness: pd.DataFrame, verdict: Verdict, cover, lang: str) -> str:
    """How robust "the best package by mean over the worlds beats the runner-up" is in the
    model's validation (:mod:`experiments.robust.support`); empty when not said."""
    from experiments.robust.support import ordered, support_clause

    block = robustness[robustness["outcome"] == verdict.outcome]
    block = block.sort_values("mean", ascending=verdict.direction is Direction.MINIMISE,
                              kind="stable")
    if len(block) < 2:
        return ""
    best, second = block["package"].iloc[0], block["package"].iloc[1]
    clause = support_clause(cover, verdict.outcome,
                            *ordered(verdict.direction is Direction.MAXIMISE, best, second),
                            lang)
    return "" if clause is None else t("sentence_sep", lang) + t(
        "robust_support", lang, best=best, other=second, clause=clause)


def summary_lines(spec: RobustSpec, robustness: pd.DataFrame, verdicts: Sequence[Verdict],
                  boxes: Sequence[str], lang: str) -> list[str]:
    from experiments.robust.support import coverage, read_robustness_table, report_line

    cover = coverage({label: s.model_dump(mode="json") for label, s in spec.packages.items()},
                     read_robustness_table())
    lines = [verdict_sentence(v, lang) + t("sentence_sep", lang)
             + means_sentence(robustness, v, lang) + support_sentence(robustness, v, cover, lang)
             for v in verdicts]
    if (line := report_line(cover, lang)) is not None:
        lines.append(line)
    first = robustness.drop_duplicates("package").set_index("package")
    lines.append(t("robust_cost", lang, costs=t("sep", lang).join(
        t("robust_cost_item", lang, package=p, cost=number(first.loc[p, "cost"]))
        for p in spec.packages)))
    if spec.budget is not None:
        over = [p for p in spec.packages if not bool(first.loc[p, "within_budget"])]
        key = "robust_budget" if over else "robust_budget_none"
        lines.append(t(key, lang, cost=spec.budget.cost.value, max=number(spec.budget.max),
                       packages=", ".join(over)))
    lines += ([t("robust_failures", lang, boxes=box) for box in boxes] if boxes
              else [t("robust_failures_none", lang)])
    for v in verdicts:
        if v.dropped:
            lines.append(t("robust_dropped", lang, dropped=v.dropped,
                           outcome=metric_label(v.outcome, lang)))
    return lines


def discovered_boxes(folder: Path, lang: str) -> list[str]:
    """Lines for each ``youwei discover`` result saved in ``folder/discovery``: the PRIM
    box and CART's leaf of highest coverage (the cross-check)."""
    from experiments.discover.report import box_lines

    lines = []
    for path in sorted((folder / "discovery").glob("*/box.json")):
        try:
            box = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        lines += box_lines(box, lang)
    return lines


# ----------------------------------------------------------------------------- report.html


def render_robust_report(spec: RobustSpec, manifest: Mapping, robustness: pd.DataFrame,
                         verdicts: Sequence[Verdict], figures: Mapping[str, tuple[str, bytes]],
                         boxes: Sequence[str], lang: str) -> str:
    """``report.html``: summary first, then the tables, figures, caveats and provenance."""
    from experiments.simulation.compare_report import esc, html_table, page_head

    title = t("robust_title", lang, name=spec.name)
    settings = t("robust_settings", lang, packages=len(spec.packages), worlds=spec.n_worlds,
                 replications=spec.replications, years=spec.years, seed=spec.seed,
                 world=spec.world.name)
    parts = [
        *page_head(title, settings, lang),
        f"<h2>{esc(t('summary', lang))}</h2>",
        f"<p>{esc(t('robust_intro', lang))}</p>",
        "<ul>" + "".join(f"<li>{esc(line)}</li>"
                         for line in summary_lines(spec, robustness, verdicts, boxes, lang))
        + "</ul>",
        f"<h2>{esc(t('robustness_table', lang))}</h2>",
    ]
    header = [t("package", lang), t("col_worlds", lang), t("col_mean", lang),
              t("col_worst", lang), t("col_max_regret", lang), t("col_p90_regret", lang),
              t("col_share", lang), t("col_cost", lang), t("col_chosen", lang)]
    for outcome in spec.outcomes:
        block = robustness[robustness["outcome"] == outcome.name]
        parts.append(f"<h3>{esc(metric_label(outcome.name, lang))}</h3>")
        rows = [[r.package, str(r.worlds), number(r.mean), number(r.worst),
                 number(r.max_regret), number(r.p90_regret), share(r.share_meeting),
                 number(r.cost), ", ".join(t(f"short_{m}", lang)
                                           for m in r.chosen_by.split(";") if m)]
                for r in block.itertuples()]
        parts.append(html_table(header, rows, numeric=[False, *[True] * 7, False]))
    parts.append(f"<h2>{esc(t('figures', lang))}</h2>")
    if figure_language(lang) != lang:
        parts.append(f"<p>{esc(text(INSTALL_HINT, lang))}</p>")
    for stem, (caption, png) in figures.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure id="{esc(stem)}"><img alt="{esc(caption)}" '
                     f'src="data:image/png;base64,{data}"><figcaption>{esc(caption)}'
                     f"</figcaption></figure>")
    parts.append(f"<h2>{esc(t('uncertainties', lang))}</h2>")
    parts.append(html_table([t("uncertainty", lang), t("range", lang)],
                            [[p.path, f"[{number(p.low)}, {number(p.high)}]" if p.levels is None
                              else ", ".join(map(str, p.levels))] for p in spec.parameters]))
    parts.append(f"<h2>{esc(t('packages', lang))}</h2>")
    parts.append(html_table([t("package", lang), t("source", lang)],
                            [[label, spec.package_sources[label]] for label in spec.packages]))
    parts += [
        f"<h2>{esc(t('caveats', lang))}</h2>",
        "<ul>" + "".join(f"<li>{esc(c)}</li>" for c in (
            t("caveat_model", lang),
            t("caveat_worlds", lang, method=spec.method.value, worlds=spec.n_worlds))) + "</ul>",
        f"<h2>{esc(t('provenance', lang))}</h2>",
        html_table(["", ""], [["sha256", manifest["robust"]["sha256"]],
                              *[[k, v] for k, v in manifest["software"].items()]]),
    ]
    if manifest.get("commands"):
        last = manifest["commands"][-1]
        if last:
            parts.append(f"<p>{esc(t('command', lang))}: <code>{esc(' '.join(last))}</code></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_robust_report(spec: RobustSpec, folder: Path, lang: str) -> list[str]:
    """Write ``regret.csv``, ``robustness.csv``, the figures and ``report.html`` into
    ``folder`` from its ``results.parquet``; return the verdict lines (for the console)."""
    from experiments.common.figures import provenance_note
    from experiments.robust.engine import MANIFEST, RESULTS
    from experiments.robust.tables import robust_tables
    from experiments.sweep.engine import write_atomic

    results = pd.read_parquet(folder / RESULTS)
    packages = list(spec.packages)
    regret, robustness, verdicts = robust_tables(results, packages, spec.outcomes, spec.budget)
    for name, frame in (("regret.csv", regret), ("robustness.csv", robustness)):
        write_atomic(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"),
                     folder / name)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    shown = figure_language(lang)
    note = provenance_note(shown, worlds=spec.n_worlds, replications=spec.replications,
                           years=spec.years, seed=spec.seed,
                           version=manifest["software"].get("youwei", "unknown"))
    figures = {
        "regret": (t("fig_regret_caption", lang),
                   render_png(lambda lg: plot_regret(regret, packages,
                                                     [v.outcome for v in verdicts], lg, note),
                              shown)),
        "outcomes": (t("fig_outcomes_caption", lang),
                     render_png(lambda lg: plot_outcomes(results, spec, lg, note), shown)),
    }
    for stem, (_, png) in figures.items():
        write_atomic(png, folder / f"{stem}.png")
    boxes = discovered_boxes(folder, lang)
    html = render_robust_report(spec, manifest, robustness, verdicts, figures, boxes, lang)
    write_atomic(html.encode("utf-8"), folder / "report.html")
    return [verdict_sentence(v, lang) for v in verdicts]
