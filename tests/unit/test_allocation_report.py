"""The proposal for people: cells safe for Excel, text safe for HTML and Markdown, numbers
rounded, both languages complete."""

import pytest

from experiments.allocation.document import Document, Section, TableBlock, number, percent
from experiments.allocation.render import (
    escape_markdown,
    excel_value,
    render_html,
    render_markdown,
    safe_cell,
)


@pytest.mark.parametrize(("cell", "expected"), [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
    ("+86 10 1234", "'+86 10 1234"),
    ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("@SUM(1)", "'@SUM(1)"),
    ("\t=1", "'\t=1"),
    ("-3.5", "-3.5"),  # a number stays a number
    ("+2", "+2"),
    ("张三", "张三"),
    (3.5, 3.5),
])
def test_formula_triggers_are_neutralised(cell, expected):
    assert safe_cell(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("1,234.50", 1234.5), ("40", 40), ("007", "007"), ("110101198510100011",
                                                      "110101198510100011"),
    ("=1+1", "'=1+1"), ("32.5%", "32.5%"),
])
def test_excel_values_are_numbers_only_where_safe(cell, expected):
    assert excel_value(cell) == expected


def test_markdown_escapes_markup_and_html():
    assert escape_markdown("<b>x</b> | *y* _z_ [a](b)\nnext") == (
        "&lt;b&gt;x&lt;/b&gt; \\| \\*y\\* \\_z\\_ \\[a\\](b) next")


def test_html_escapes_every_string_and_uses_cjk_fonts():
    evil = "<script>alert(1)</script>"
    doc = Document("zh", f"标题{evil}", evil, (Section(
        "moves", evil, (evil,), (TableBlock((evil,), ((evil,),)),), (evil,)),))
    page = render_html(doc)
    assert "<script>" not in page and page.count("&lt;script&gt;") == 8  # title twice
    assert '"Noto Sans CJK SC"' in page and '<html lang="zh-CN">' in page
    assert "<script>" not in render_markdown(doc)


def test_numbers_are_rounded_for_people():
    assert number(117.25456600000001) == "117.25"
    assert number(-1e-12) == "0.00"
    assert number(float("nan")) == "—"
    assert percent(0.325) == "32.5%"
