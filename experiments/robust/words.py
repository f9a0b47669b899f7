"""Words and numbers of the planner's reports (robust, discover, search): catalogue look-ups
and number formats shared by every report, importing nothing but the catalogue."""

from __future__ import annotations

import numpy as np

from experiments.common.i18n import MissingText, text


def t(key: str, lang: str, **fields) -> str:
    return text(f"planner.{key}", lang, **fields)


def metric_label(name: str, lang: str) -> str:
    """A reporter's name for people (the raw name when the catalogue has none)."""
    try:
        return t(f"metric_{name}", lang)
    except MissingText:
        return name


def number(x: float, digits: int = 3) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 10 ** digits else f"{x:.{digits}g}"


def share(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.0f}%"
