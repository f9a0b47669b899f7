"""Figures of one run's yearly series: one named function per figure.

Each ``plot_<what>(series)`` takes the series table of ``youwei run`` (one row
per year, a ``year`` column and the model reporters of ``sim.metrics``) and
returns a :class:`matplotlib.figure.Figure`. Figures are built with the
object-oriented API, not ``pyplot``: they belong to no global figure manager,
need no interactive backend and change no global backend setting (PNG goes
through Agg), and are freed when the last reference goes, so nothing is left
open for ``plt.close`` to close. :func:`save_figures` writes them all and
clears each one after saving.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

DPI = 120
SIZE = (6.4, 4.0)  # inches

YEAR = "year"
# Reporter columns drawn, as ``sim.metrics`` names them.
EFFORT = {"all": "mean_effort", "frontline": "mean_effort_frontline",
          "organ": "mean_effort_organ"}
EFFICIENCY = "efficiency"
ERRORS_MADE = ("errors_honest", "errors_self_serving")
ERRORS = {  # outcome -> column, stacked bottom to top; "undetected" is what remains
    "excused honest": "excused_honest",
    "punished honest (reverse punishment)": "punished_honest",
    "excused self-serving (leakage)": "excused_self_serving",
    "punished self-serving": "punished_self_serving",
}
PROMOTIONS = "promotions_count"
PROMOTION_SHARES = {"frontline share": "promotion_frontline_share",
                    "young share": "promotion_young_share"}


def _axes(title: str, ylabel: str, height: float = SIZE[1]) -> tuple[Figure, object]:
    figure = Figure(figsize=(SIZE[0], height), layout="constrained")
    ax = figure.add_subplot()
    ax.set_title(title)
    ax.set_xlabel("year")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure, ax


def _missing(ax, series: pd.DataFrame, columns) -> bool:
    """Write "not reported" into ``ax`` and return True when ``series`` lacks a column.

    Pyramid scenarios (Pluchino et al.) report only the year, headcount and
    efficiency; their effort, error and promotion figures say so instead of failing.
    """
    absent = [c for c in columns if c not in series.columns]
    if absent:
        ax.text(0.5, 0.5, f"not reported for this scenario\n({', '.join(absent)})",
                transform=ax.transAxes, ha="center", va="center", color="gray",
                fontsize="small", wrap=True)
    return bool(absent)


def _year(series: pd.DataFrame) -> pd.Series:
    return series[YEAR] if YEAR in series else pd.Series(range(1, len(series) + 1))


def plot_effort(series: pd.DataFrame) -> Figure:
    """Mean effort (担当) of all cadres, of frontline units and of organs, per year.

    Parameters
    ----------
    series : DataFrame
        One row per year; columns ``year`` and those of :data:`EFFORT`.

    Returns
    -------
    Figure
        Effort in [0, 1] against the year.
    """
    figure, ax = _axes("Mean effort", "effort (0-1)")
    ax.set_ylim(0, 1)
    if _missing(ax, series, EFFORT.values()):
        return figure
    year = _year(series)
    for label, column in EFFORT.items():
        ax.plot(year, series[column], marker="o", markersize=3, label=label,
                    linewidth=2.0 if label == "all" else 1.2)
    ax.set_ylim(0, 1)
    ax.legend(loc="best")
    return figure


def plot_efficiency(series: pd.DataFrame) -> Figure:
    """Organisational efficiency (responsibility-weighted performance) per year.

    Parameters
    ----------
    series : DataFrame
        One row per year; columns ``year`` and :data:`EFFICIENCY`.

    Returns
    -------
    Figure
    """
    figure, ax = _axes("Organisational efficiency", "responsibility-weighted performance")
    if _missing(ax, series, [EFFICIENCY]):
        return figure
    ax.plot(_year(series), series[EFFICIENCY], marker="o", markersize=3, color="tab:green")
    return figure


def plot_errors(series: pd.DataFrame) -> Figure:
    """Errors per year by what became of them, stacked (count of errors).

    Parameters
    ----------
    series : DataFrame
        One row per year; columns ``year``, those of :data:`ERRORS` and (for
        the undetected layer) :data:`ERRORS_MADE`.

    Returns
    -------
    Figure
        Stacked areas: excused honest, punished honest, excused self-serving,
        punished self-serving, undetected.
    """
    figure, ax = _axes("Errors by outcome", "errors per year", height=SIZE[1] + 0.6)
    if _missing(ax, series, [*ERRORS.values(), *ERRORS_MADE]):
        return figure
    layers = {label: series[column].to_numpy(dtype=float) for label, column in ERRORS.items()}
    made = series[list(ERRORS_MADE)].to_numpy(dtype=float).sum(axis=1)
    layers["undetected"] = made - sum(layers.values())
    colors = ["tab:green", "tab:red", "tab:orange", "tab:purple", "tab:gray"]
    ax.stackplot(_year(series), *layers.values(), labels=list(layers),
                 colors=colors[:len(layers)], alpha=0.8)
    figure.legend(loc="outside lower center", ncols=3, fontsize="small")
    return figure


def plot_promotions(series: pd.DataFrame) -> Figure:
    """Promotions per year (bars, left axis) and their frontline and young shares (right axis).

    Parameters
    ----------
    series : DataFrame
        One row per year; columns ``year``, :data:`PROMOTIONS` and those of
        :data:`PROMOTION_SHARES`.

    Returns
    -------
    Figure
    """
    figure, ax = _axes("Promotions", "promotions per year")
    if _missing(ax, series, [PROMOTIONS, *PROMOTION_SHARES.values()]):
        return figure
    year = _year(series)
    ax.bar(year, series[PROMOTIONS], color="tab:blue", alpha=0.35, label="promotions")
    shares = ax.twinx()
    shares.set_ylabel("share of promotions")
    shares.set_ylim(0, 1)
    for (label, column), color in zip(PROMOTION_SHARES.items(), ["tab:red", "tab:olive"],
                                      strict=True):
        shares.plot(year, series[column], marker="o", markersize=3, color=color, label=label)
    handles = [*ax.get_legend_handles_labels()[0], *shares.get_legend_handles_labels()[0]]
    shares.legend(handles=handles, loc="upper right", fontsize="small")
    return figure


FIGURES: dict[str, Callable[[pd.DataFrame], Figure]] = {
    "effort": plot_effort,
    "efficiency": plot_efficiency,
    "errors": plot_errors,
    "promotions": plot_promotions,
}
"""File stem -> figure function; ``save_figures`` writes ``<stem>.png`` for each."""

FIGURE_FILES = tuple(f"{stem}.png" for stem in FIGURES)


def provenance_note(lang: str, *, replications: int, years: int, seed: int, version: str,
                    worlds: int | None = None) -> str:
    """One line of provenance printed on a figure, in ``lang``.

    Parameters
    ----------
    lang : {"zh", "en"}
        The language the figure is drawn in: ``experiments.common.fonts.figure_language``
        of the report's, so that a Chinese note is drawn only with a CJK font.
    replications, years, seed : int
        Of the runs behind the figure.
    version : str
        youwei's version.
    worlds : int, optional
        Sampled worlds (robust experiments and searches).

    Examples
    --------
    >>> provenance_note("en", replications=20, years=15, seed=1, version="0.3")
    '20 replications x 15 years, seed 1, youwei 0.3'
    """
    from experiments.common.i18n import text

    key = "common.figure_note" if worlds is None else "common.figure_note_worlds"
    return text(key, lang, replications=replications, years=years, seed=seed,
                version=version, worlds=worlds)


def save_figures(series: pd.DataFrame, folder: Path, *, dpi: int = DPI) -> list[str]:
    """Write every figure of :data:`FIGURES` as ``<stem>.png`` into ``folder``.

    Parameters
    ----------
    series : DataFrame
        One row per year (the ``series`` table of a run).
    folder : Path
        An existing folder.
    dpi : int
        Resolution of the PNG files.

    Returns
    -------
    list of str
        The file names written, in :data:`FIGURES` order.
    """
    written = []
    for stem, plot in FIGURES.items():
        figure = plot(series)
        try:
            figure.savefig(Path(folder) / f"{stem}.png", dpi=dpi, format="png",
                           metadata={"Software": None})
        finally:
            figure.clear()  # a pyplot-free Figure has no manager to close; drop its artists
        written.append(f"{stem}.png")
    return written
