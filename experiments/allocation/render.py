"""Lay a ``Document`` out as Markdown, one printable HTML page, and an Excel workbook.

Every string from the user's files (names, units, titles, carried columns) is
escaped for the format it goes into: HTML entities in ``report.html``,
Markdown and HTML specials in ``report.md`` (Markdown viewers render inline
HTML), and formula triggers in cells written for Excel (``safe_cell``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from experiments.allocation.document import Document, Section, TableBlock, t

CJK_FONTS = ('"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", '
             '"Source Han Sans SC", "WenQuanYi Micro Hei", "SimSun", sans-serif')

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def safe_cell(value: object) -> object:
    """A cell for Excel: text that Excel would run as a formula gets a leading ``'``.

    Numbers (and text that is a plain number such as ``-3.5``) are unchanged;
    text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
    prefixed (CSV/formula injection, OWASP).
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def escape_markdown(text: object) -> str:
    """Text that Markdown shows as typed: specials backslashed, HTML as entities, one line.

    ``< > &`` become entities (Markdown viewers render inline HTML), and the
    characters that start emphasis, code, links, headings, tables or
    strikethrough are backslashed.
    """
    one_line = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


# --------------------------------------------------------------------------- Markdown


def render_markdown(doc: Document) -> str:
    parts = [f"# {escape_markdown(doc.title)}", f"> **{escape_markdown(doc.notice)}**"]
    for section in doc.sections:
        parts.append(markdown_section(section))
    return "\n\n".join(parts) + "\n"


def markdown_section(section: Section) -> str:
    lines = [f"## {escape_markdown(section.title)}"]
    lines += [escape_markdown(p) for p in section.paragraphs]
    if section.items:
        lines.append("\n".join(f"- {escape_markdown(item)}" for item in section.items))
    lines += [markdown_table(block) for block in section.tables]
    return "\n\n".join(lines)


def markdown_table(block: TableBlock) -> str:
    rows = ["| " + " | ".join(escape_markdown(h) for h in block.header) + " |",
            "|" + "|".join("---" for _ in block.header) + "|"]
    rows += ["| " + " | ".join(escape_markdown(c) for c in row) + " |" for row in block.rows]
    return "\n".join(rows)


# --------------------------------------------------------------------------- HTML

_CSS = """
@page { size: A4; margin: 15mm 12mm; }
body { font-family: %(fonts)s; font-size: 10.5pt; line-height: 1.55; color: #111;
       max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 18pt; text-align: center; margin: 8px 0 12px; letter-spacing: 0.1em; }
h2 { font-size: 13pt; border-bottom: 1px solid #999; padding-bottom: 2px; margin-top: 20px; }
.notice { border: 1.5px solid #a00; color: #700; padding: 8px 12px; font-weight: bold; }
table { border-collapse: collapse; width: 100%%; margin: 8px 0; font-size: 9.5pt; }
th, td { border: 1px solid #888; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr { page-break-inside: avoid; }
h2 { page-break-after: avoid; }
ul { padding-left: 1.4em; }
@media print { body { padding: 0; max-width: none; } }
"""


def render_html(doc: Document) -> str:
    """One self-contained, printable page (no scripts, no external resources)."""
    e = html.escape
    lang = "zh-CN" if doc.lang == "zh" else "en"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{e(doc.title)}</title>",
        f"<style>{_CSS % {'fonts': CJK_FONTS}}</style></head><body>",
        f"<h1>{e(doc.title)}</h1>",
        f'<p class="notice">{e(doc.notice)}</p>',
    ]
    for section in doc.sections:
        parts.append(f'<section id="{e(section.key)}"><h2>{e(section.title)}</h2>')
        parts += [f"<p>{e(p)}</p>" for p in section.paragraphs]
        if section.items:
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in section.items) + "</ul>")
        parts += [html_table(block) for block in section.tables]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def html_table(block: TableBlock) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in block.header)
    body = []
    for row in block.rows:
        cells = "".join(
            f'<td class="num">{e(c)}</td>' if _looks_numeric(c) else f"<td>{e(c)}</td>"
            for c in row)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _looks_numeric(cell: str) -> bool:
    return bool(_NUMBER.fullmatch(cell.replace(",", ""))) or cell.endswith("%") and bool(
        _NUMBER.fullmatch(cell[:-1]))


# --------------------------------------------------------------------------- Excel


SHEETS = (("moves", "sheet_moves"), ("shortlist", "sheet_shortlist"),
          ("alternatives", "sheet_alternatives"), ("why_not", "sheet_why_not"))


def write_xlsx(path: Path, doc: Document) -> None:
    """The moves (and shortlist, alternatives, why-not) as sheets, then a 说明 sheet.

    The 说明 (notes) sheet holds the draft notice, the status, the rules in
    words, the scoring formula with its example, and the provenance.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for key, sheet_key in SHEETS:
        section = doc.section(key)
        if section is None or not section.tables:
            continue
        sheet = book.create_sheet(t(sheet_key, doc.lang))
        block = section.tables[0]
        sheet.append([safe_cell(h) for h in block.header])
        for cell in sheet[1]:
            cell.font = bold
        for row in block.rows:
            sheet.append([excel_value(c) for c in row])
        sheet.freeze_panes = "A2"
        for k, header in enumerate(block.header, start=1):
            width = max([len(str(header))] + [len(str(r[k - 1])) for r in block.rows[:200]])
            sheet.column_dimensions[_column_letter(k)].width = min(60, 4 + 1.6 * width)
    notes = book.create_sheet(t("sheet_notes", doc.lang))
    notes.append([safe_cell(doc.title)])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append([safe_cell(doc.notice)])
    notes["A2"].font = Font(bold=True, color="AA0000")
    for key in ("status", "relaxations", "summary", "composition", "prices", "rules",
                "formula", "provenance"):
        section = doc.section(key)
        if section is None:
            continue
        notes.append([])
        notes.append([safe_cell(section.title)])
        notes.cell(notes.max_row, 1).font = bold
        for paragraph in section.paragraphs:
            notes.append([safe_cell(paragraph)])
        for item in section.items:
            notes.append([safe_cell("· " + item)])
        for block in section.tables:
            notes.append([safe_cell(h) for h in block.header])
            for row in block.rows:
                notes.append([safe_cell(c) for c in row])
    notes.column_dimensions["A"].width = 120
    for row in notes.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)


def excel_value(cell: str) -> object:
    """A number where the text is a plain number (``1,234.50`` -> 1234.5), else safe text."""
    plain = cell.replace(",", "")
    # ids such as 007 or an 18-digit 身份证号 stay text (Excel keeps 15 digits of a number)
    if _NUMBER.fullmatch(plain) and len(plain) <= 15 and not (
            plain.startswith("0") and len(plain) > 1 and plain[1] != "."):
        return float(plain) if any(ch in plain for ch in ".eE") else int(plain)
    return safe_cell(cell)


def _column_letter(k: int) -> str:
    letters = ""
    while k:
        k, rem = divmod(k - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
