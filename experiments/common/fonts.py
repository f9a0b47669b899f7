"""A CJK font for Chinese figure labels: found on the machine, registered with matplotlib.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs: Chinese labels
come out as empty boxes, with a "Glyph ... missing from font" warning. This
module looks for a CJK font among the families matplotlib already knows, then
among font files in the usual places (Debian's ``fonts-wqy-microhei`` installs
``/usr/share/fonts/truetype/wqy/wqy-microhei.ttc``, 1.6 MB), registers the
first found with ``matplotlib.font_manager.fontManager.addfont``, and gives the
``rcParams`` that put it first with DejaVu Sans behind it (matplotlib >= 3.6
falls back glyph by glyph). Without one, figures keep English labels and the
report says in one line how to get a font (:data:`INSTALL_HINT` key).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

CJK_FAMILIES = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
    "Source Han Sans SC", "Source Han Sans CN", "Microsoft YaHei", "PingFang SC",
    "Heiti SC", "SimHei",
)
"""Families tried, in order of preference (all sans-serif, all with simplified Chinese)."""

FONT_FILE_PATTERNS = (
    "wqy-microhei.ttc", "wqy-zenhei.ttc", "NotoSansCJK*.ttc", "NotoSansSC*.otf",
    "NotoSansSC*.ttf", "SourceHanSans*.ttc", "SourceHanSans*.otf", "msyh.ttc", "msyh.ttf",
    "PingFang.ttc", "simhei.ttf",
)

FONT_DIRS = (
    "/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
    "/System/Library/Fonts", "/Library/Fonts", "C:/Windows/Fonts",
)

INSTALL_HINT = "planner.font_missing"
"""Catalogue key of the one-line advice shown when no CJK font is found."""

ENV_FONT = "YOUWEI_CJK_FONT"
"""A font file to use instead of searching (for machines with fonts in odd places)."""


@cache
def cjk_family() -> str | None:
    """The family name of a CJK font matplotlib can use, or None when there is none."""
    from matplotlib import font_manager

    known = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in _font_files():
        try:
            font_manager.fontManager.addfont(str(path))
        except (OSError, RuntimeError, ValueError):  # unreadable or not a font
            continue
        name = font_manager.FontProperties(fname=str(path)).get_name()
        if name:
            return name
    return None


def _font_files() -> list[Path]:
    chosen = os.environ.get(ENV_FONT)
    files = [Path(chosen)] if chosen and Path(chosen).is_file() else []
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for pattern in FONT_FILE_PATTERNS:
            files += sorted(root.rglob(pattern))
    return files


def font_rc(lang: str) -> dict[str, object]:
    """``rcParams`` for figures in ``lang``: a CJK font first for ``zh`` when one exists."""
    family = cjk_family() if lang == "zh" else None
    if family is None:
        return {}
    return {"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False}


def figure_language(lang: str) -> str:
    """The language figures can be labelled in: ``zh`` only with a CJK font, else ``en``."""
    return "zh" if lang == "zh" and cjk_family() is not None else "en"
