"""A CJK font for Chinese figure labels: found, used, and its absence detected.

pytest turns warnings into errors (pyproject: filterwarnings = error), so
matplotlib's "Glyph ... missing from font(s)" warning fails any test that
draws Chinese without a font for it.
"""

from __future__ import annotations

import io

import matplotlib
import pytest
from matplotlib.figure import Figure

from experiments.common.fonts import cjk_family, figure_language, font_rc

NO_FONT = ("no CJK font on this machine (WenQuanYi, Noto CJK, Source Han, YaHei, PingFang): "
           "install fonts-wqy-microhei (make fonts does, as root)")


def draw(title: str) -> bytes:
    figure = Figure(figsize=(3, 2))
    figure.add_subplot().set_title(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@pytest.mark.skipif(cjk_family() is None, reason=NO_FONT)
def test_chinese_labels_draw_without_a_missing_glyph():
    assert figure_language("zh") == "zh"
    with matplotlib.rc_context(font_rc("zh")):
        assert draw("平均努力程度（逆向惩罚）").startswith(b"\x89PNG")


def test_chinese_without_a_cjk_font_is_a_missing_glyph_warning():
    with (matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}),
          pytest.warns(UserWarning, match="missing from font")):
        draw("平均努力程度")


def test_english_needs_no_cjk_font():
    assert font_rc("en") == {}
    assert figure_language("en") == "en"
    if cjk_family() is None:
        assert figure_language("zh") == "en"  # figures fall back to English labels
