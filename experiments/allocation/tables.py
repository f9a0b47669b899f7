"""Input tables as an official has them: CSV (UTF-8, UTF-8 with BOM, GB18030) or Excel.

A table is read as text first (so 身份证号 and ``1985.10`` typed as text
survive), its header mapped through the Chinese aliases of ``ALIASES`` to the
column names of the input contract, and every declared column converted. Columns
the contract does not know are kept as text (``Table.extras``) and carried into
the outputs. Every problem of a file is collected (up to ``MAX_ERRORS``) and
raised together as ``InputErrors``, one line each naming the file, the line (the
Excel row; the header is line 1), the column and what was expected.

``path`` may name a sheet: ``roster.xlsx#候选人`` (default: the first sheet).
"""

from __future__ import annotations

import enum
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from experiments.common.errors import InputError

MAX_ERRORS = 20
"""Problems reported per file before giving up on it."""

_INTEGER = re.compile(r"[+-]?\d{1,18}")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRUE, _FALSE = ("1", "是", "Y", "y", "yes", "true", "TRUE"), ("0", "否", "N", "n", "no",
                                                                 "false", "FALSE")
_LISTED_MAX = 12


class InputErrors(InputError):
    """Several problems of one or more input files; ``str`` has one line per problem."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0]
        super().__init__(first.path, first.expected, row=first.row, column=first.column,
                         key=first.key, got=first.got, reason=first.reason)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self):
        return (type(self), (self.errors,))

    def lines(self) -> list[str]:
        return [str(e) for e in self.errors]


class ErrorLog:
    """Collects the problems of one file (at most ``MAX_ERRORS``)."""

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, error: InputError) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_ERRORS

    def raise_if_any(self) -> None:
        if self.errors:
            raise InputErrors(self.errors)


def raise_all(logs: Sequence[ErrorLog]) -> None:
    """Raise the problems of several files together (files in the order given)."""
    errors = [e for log in logs for e in log.errors]
    if errors:
        raise InputErrors(errors)


class CellKind(enum.Enum):
    """What a cell holds."""

    TEXT = "a non-empty text"
    INTEGER = "an integer"
    NUMBER = "a number"
    FLAG = "0 or 1 (or 是/否)"


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``default`` is the cell text used where an optional column is absent or its
    cell is empty; ``minimum`` bounds numeric cells (``> minimum`` if
    ``strict``); ``aliases`` are other header names (Chinese) for the column;
    ``ladder`` (``"rank"`` or ``"level"``) lets an integer cell be given by its
    name from ``rules.toml`` ``[names]`` (一级主任科员, 副科).
    """

    name: str
    kind: CellKind
    required: bool = True
    default: str = ""
    minimum: float | None = None
    strict: bool = False
    aliases: tuple[str, ...] = ()
    ladder: str | None = None

    def expected(self, *, named: bool = True) -> str:
        text = self.kind.value
        if self.minimum is not None:
            text = f"{text} {'>' if self.strict else '>='} {self.minimum:g}"
        if self.ladder is not None and named:
            text += f" or a {self.ladder} name from rules.toml [names]"
        return text


@dataclass(frozen=True)
class Table:
    """A validated input table.

    Attributes
    ----------
    path : Path
        The file (without a ``#sheet`` suffix).
    sha256 : str
    values : dict of str to ndarray
        Every declared column, ``(n_rows,)``, defaults filled in.
    present : frozenset of str
        Declared columns the header names (after aliases).
    lines : (n_rows,) int
        Line (Excel row) of each row; the header is line 1.
    extras : dict of str to ndarray
        Columns the contract does not declare, as text, by their header.
    headers : dict of str to str
        The header text the file used for each present column (``name -> 姓名``).
    encoding : str
        ``utf-8``, ``utf-8-sig``, ``gb18030`` or ``xlsx``.
    sheet : str or None
    """

    path: Path
    sha256: str
    values: dict[str, np.ndarray]
    present: frozenset[str]
    lines: np.ndarray
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    sheet: str | None = None

    def __len__(self) -> int:
        return len(self.lines)

    def fail(self, index: int, column: str, expected: str, got: str) -> InputError:
        """An ``InputError`` about row ``index`` (0-based) of ``column``."""
        return InputError(self.path, expected, row=int(self.lines[index]),
                          column=self.headers.get(column, column), got=got)

    def describe(self) -> dict:
        out = {"file": self.path.name, "sha256": self.sha256, "rows": len(self),
               "encoding": self.encoding}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        return out


@dataclass(frozen=True)
class RawRows:
    """A file's header and text cells, before any column is interpreted."""

    path: Path
    header: list[str]
    rows: np.ndarray  # (n_rows, n_columns) str
    lines: np.ndarray
    sha256: str
    encoding: str
    sheet: str | None


def split_sheet(path: Path | str) -> tuple[Path, str | None]:
    """``roster.xlsx#Sheet`` -> (``roster.xlsx``, ``Sheet``); other paths unchanged."""
    text = str(path)
    found = re.match(r"^(.*\.xlsx)#(.+)$", text, flags=re.IGNORECASE)
    if found is None:
        return Path(text), None
    return Path(found.group(1)), found.group(2)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an ``InputError`` saying why it cannot be read."""
    if not path.exists():
        raise InputError(path, "an existing file", reason=f"file not found: {path}")
    if not path.is_file():
        raise InputError(path, "a file", reason=f"expected a file, got a folder: {path}")
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(path, "a readable file", reason=f"cannot read {path}: "
                         f"{error.strerror}") from error


def decode(path: Path, raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with or without BOM), else GB18030.

    GB18030 covers GBK and GB2312 (what Chinese Excel writes for "CSV"); a file
    that is neither is an error naming the line of the first bad byte.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    last = None
    for encoding in encodings:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as error:  # report the encoding that read furthest
            last = error if last is None or error.start > last.start else last
    line = raw[: last.start].count(b"\n") + 1
    raise InputError(
        path, "UTF-8 or GB18030 text", row=line,
        got=f"a byte that is neither (byte {last.start + 1} of the file)",
        reason=f"expected UTF-8 or GB18030/GBK text (in Excel: Save As 'CSV UTF-8'), got a "
        f"byte that is neither (byte {last.start + 1} of the file)") from None


def read_rows(path: Path | str) -> RawRows:
    """The header and text cells of a CSV or ``.xlsx`` file (blank rows dropped)."""
    path, sheet = split_sheet(path)
    raw = read_bytes(path)
    digest = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() == ".xlsx":
        header, rows, lines, sheet = xlsx_rows(path, raw, sheet)
        encoding = "xlsx"
    elif raw.startswith(b"PK\x03\x04"):
        raise InputError(path, "a CSV file", reason="expected a CSV file, got an Excel "
                         "workbook: name it .xlsx (or save it as CSV)")
    else:
        text, encoding = decode(path, raw)
        header, rows, lines = csv_rows(path, text)
    return RawRows(path, header, rows, lines, digest, encoding, sheet)


def csv_rows(path: Path, text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Parse CSV text (pandas' C parser, every cell as stripped text).

    Line numbers count the file's lines (the header is line 1); a quoted cell
    spanning several lines shifts the count for the rows after it.
    """
    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except pd.errors.EmptyDataError as error:
        raise InputError(path, "a header line naming the columns",
                         got="an empty file") from error
    except pd.errors.ParserError as error:
        raise ragged_row_error(path, str(error)) from error
    cells = frame.apply(lambda column: column.str.strip()).to_numpy(dtype=object)
    return _split_header(path, cells, np.arange(1, len(cells) + 1))


def ragged_row_error(path: Path, message: str) -> InputError:
    """Turn pandas' "Expected 5 fields in line 7, saw 6" into an ``InputError``."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found is None:
        return InputError(path, "well-formed CSV", got=message)
    n_header, line, n_cells = (int(g) for g in found.groups())
    return InputError(path, f"{n_header} cells (as many as the header)", row=line,
                      got=f"{n_cells}")


def _split_header(path: Path, cells: np.ndarray, lines: np.ndarray
                  ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The first non-blank row as the header; blank rows dropped; trailing empty columns cut."""
    filled = (cells != "").any(axis=1) if cells.size else np.zeros(len(cells), bool)
    if not filled.any():
        raise InputError(path, "a header line naming the columns", got="an empty file")
    first = int(np.flatnonzero(filled)[0])
    header = [str(h) for h in cells[first]]
    width = len(header)
    while width and header[width - 1] == "":
        width -= 1
    body = cells[first + 1:]
    body_lines = lines[first + 1:]
    keep = filled[first + 1:]
    extra = body[:, width:]
    ragged = keep & (extra != "").any(axis=1) if extra.size else np.zeros(len(body), bool)
    log = ErrorLog()
    for k in np.flatnonzero(ragged):
        n_cells = width + int(np.flatnonzero(body[k, width:] != "")[-1]) + 1
        log.add(InputError(path, f"{width} cells (as many as the header)",
                           row=int(body_lines[k]), got=f"{n_cells}"))
    log.raise_if_any()
    return header[:width], body[keep, :width], body_lines[keep]


def xlsx_rows(path: Path, raw: bytes, sheet: str | None
              ) -> tuple[list[str], np.ndarray, np.ndarray, str]:
    """Cells of one sheet as text; line numbers are Excel row numbers."""
    import openpyxl  # only when an Excel file is given

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InputError(path, "an Excel .xlsx workbook",
                         got=f"a file openpyxl cannot open ({type(error).__name__})") from error
    try:
        names = book.sheetnames
        if sheet is None:
            sheet = names[0]
        elif sheet not in names:
            raise InputError(path, f"a sheet named {sheet!r}",
                             reason=f"no sheet {sheet!r} (sheets: {', '.join(names)})")
        records = [[cell_text(v) for v in values]
                   for values in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
    width = max((len(r) for r in records), default=0)
    cells = np.array([r + [""] * (width - len(r)) for r in records], dtype=object).reshape(
        len(records), width)
    header, rows, lines = _split_header(path, cells, np.arange(1, len(records) + 1))
    return header, rows, lines, sheet


def cell_text(value: object) -> str:
    """An Excel cell as text: integral numbers without ``.0``, dates as ``YYYY-MM-DD``."""
    import datetime

    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def canonical_header(header: Sequence[str], columns: Sequence[Column],
                     extra_aliases: Mapping[str, str]) -> list[str]:
    """Each header cell mapped to its column name (aliases and case-folded English)."""
    lookup = {}
    for column in columns:
        lookup[column.name.lower()] = column.name
        for alias in column.aliases:
            lookup[alias.lower()] = column.name
    for alias, name in extra_aliases.items():
        lookup.setdefault(alias.lower(), name)
    return [lookup.get(h.lower(), h) for h in header]


def read_table(path: Path | str, columns: Sequence[Column], *,
               ladders: Mapping[str, Mapping[str, int]] | None = None,
               extra_aliases: Mapping[str, str] | None = None) -> Table:
    """Read one table and convert every declared column, collecting every problem.

    Parameters
    ----------
    path : Path or str
        ``.csv`` or ``.xlsx`` (``file.xlsx#Sheet``).
    columns : sequence of Column
    ladders : mapping, optional
        ``{"rank": {"一级主任科员": 5, ...}, "level": {...}}`` for named integer cells.
    extra_aliases : mapping, optional
        Header aliases of undeclared columns (``性别 -> gender``), kept as extras.

    Raises
    ------
    InputErrors
        Every problem found (header problems stop before the cells are read).
    """
    raw = read_rows(path)
    names = canonical_header(raw.header, columns, extra_aliases or {})
    check_header(raw.path, raw.header, names, columns)
    headers = dict(zip(names, raw.header, strict=True))
    table = Table(raw.path, raw.sha256, {}, frozenset(names), raw.lines, {}, headers,
                  raw.encoding, raw.sheet)
    position = {name: k for k, name in enumerate(names)}
    log = ErrorLog()
    values = {}
    for column in columns:
        cells = raw.rows[:, position[column.name]] if column.name in position else None
        values[column.name] = convert_column(table, column, cells, log,
                                             (ladders or {}).get(column.ladder or ""))
    log.raise_if_any()
    declared = {c.name for c in columns}
    extras = {name: np.asarray(raw.rows[:, k], dtype=object)
              for k, name in enumerate(names) if name not in declared}
    return Table(raw.path, raw.sha256, values, table.present, raw.lines, extras, headers,
                 raw.encoding, raw.sheet)


def check_header(path: Path, header: list[str], names: list[str],
                 columns: Sequence[Column]) -> None:
    """Every column named once and every required column present (all problems at once)."""
    log = ErrorLog()
    for position, name in enumerate(header, start=1):
        if name == "":
            log.add(InputError(path, "a column name", row=1,
                               got=f"an empty header cell (cell {position})"))
    seen: set[str] = set()
    for original, name in zip(header, names, strict=True):
        if name in seen and name != "":
            log.add(InputError(path, "each column once", row=1, column=original,
                               reason="column appears twice in the header"))
        seen.add(name)
    missing = [c for c in columns if c.required and c.name not in seen]
    if missing:
        listed = ", ".join(repr(c.name) + (f" ({'/'.join(c.aliases)})" if c.aliases else "")
                           for c in missing)
        log.add(InputError(
            path, f"a column named {missing[0].name!r}", row=1,
            reason=f"missing required column{'s' if len(missing) > 1 else ''} {listed} "
            f"(required: {', '.join(c.name for c in columns if c.required)})"))
    log.raise_if_any()


def convert_column(table: Table, column: Column, cells: np.ndarray | None, log: ErrorLog,
                   ladder: Mapping[str, int] | None = None) -> np.ndarray:
    """Convert one column's text cells to an array; every bad cell goes to ``log``."""
    import pandas as pd

    n = len(table)
    if cells is None and column.kind in (CellKind.INTEGER, CellKind.NUMBER):
        # an absent optional column: its default, once (no need to parse 50,000 copies)
        dtype = np.int64 if column.kind is CellKind.INTEGER else np.float64
        return np.full(n, float(column.default or 0), dtype=np.float64).astype(dtype)
    text = (np.full(n, column.default, dtype=object) if cells is None
            else np.array(cells, dtype=object))
    if cells is not None and not column.required and column.default:
        text[text == ""] = column.default
    if column.kind is CellKind.TEXT:
        if column.required:
            report_bad(table, column, text, text == "", log)
        return text
    if column.kind is CellKind.FLAG:
        truthy = np.isin(text, _TRUE)
        report_bad(table, column, text, ~(truthy | np.isin(text, _FALSE)), log)
        return truthy
    pattern, dtype = ((_INTEGER, np.int64) if column.kind is CellKind.INTEGER
                      else (_NUMBER, np.float64))
    # pyarrow's regex engine matches a whole column at once
    matched = pd.Series(text.astype(str), dtype="string[pyarrow]").str.fullmatch(pattern.pattern)
    ok = np.array(matched.fillna(False), bool)
    if ladder:
        named = ~ok & np.isin(text, list(ladder))
        text = text.copy()
        text[named] = [str(ladder[t]) for t in text[named]]
        ok |= named
    report_bad(table, column, text, ~ok, log)
    values = np.zeros(n, dtype)
    if ok.any() and dtype is np.int64:
        values[ok] = [int(t) for t in text[ok].tolist()]
    elif ok.any():
        values[ok] = np.array(text[ok].tolist(), dtype=np.float64)
    report_bad(table, column, text, ok & ~in_range(values, column), log, named=False)
    return values


def in_range(values: np.ndarray, column: Column) -> np.ndarray:
    """``(n,) bool``: finite and within the column's bound."""
    ok = np.isfinite(values)
    if column.minimum is not None:
        ok &= values > column.minimum if column.strict else values >= column.minimum
    return ok


def report_bad(table: Table, column: Column, cells: np.ndarray, bad: np.ndarray,
               log: ErrorLog, *, named: bool = True) -> None:
    for index in np.flatnonzero(bad)[: MAX_ERRORS]:
        log.add(table.fail(int(index), column.name, column.expected(named=named),
                           describe_cell(str(cells[index]))))


def describe_cell(text: str) -> str:
    return "an empty cell" if text == "" else repr(text)


def listing(names: Sequence[str]) -> str:
    shown = ", ".join(str(n) for n in names[:_LISTED_MAX])
    return shown if len(names) <= _LISTED_MAX else f"{shown}, ... ({len(names)} in all)"
