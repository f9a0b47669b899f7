"""Read the allocation input files into an ``AllocationProblem``; write a proposal.

Input contract (all files UTF-8, a byte-order mark is allowed, cells are
stripped of surrounding whitespace, empty cells of optional columns mean the
default, empty cells of required columns are errors):

``candidates.csv``
    ``id`` (unique), ``unit``, ``rank`` (integer >= 0), ``age`` (integer >= 0),
    ``years_in_grade`` (number >= 0), ``score`` (number >= 0); optional
    ``post_level`` (integer >= 0, default 0), ``frontline`` (0/1, default 0),
    ``hardship`` (number >= 1, default 1), ``blocked`` (0/1, default 0),
    ``pool`` (required when ``pools.csv`` names more than one pool, otherwise
    every candidate defaults to the only pool).
``posts.csv``
    ``id`` (unique), ``unit``, ``level`` (integer >= 1), ``min_rank``
    (integer >= 0); optional ``weight`` (number > 0, default 1), ``must_fill``
    (0/1, default 0).
``pools.csv``
    ``pool``, ``rank`` (integer >= 1, the rank promoted into), ``headroom``
    (integer >= 0); (pool, rank) unique.
``fit.csv`` (optional)
    ``candidate``, ``post`` (ids from the files above), ``fit`` (finite
    number); (candidate, post) unique.
``rules.toml`` (optional)
    The schema of ``optimize.rules.Rules``; unknown keys are errors.

Every violation raises ``InputError`` naming the file, the line (the header is
line 1), the column or TOML key, and what was expected. Only the first
violation is reported. Rows whose cells are all empty are ignored.

Outputs (``write_proposal``): ``proposal.csv``, ``proposal.json``,
``report.md`` and optionally ``model.lp``, written into a temporary sibling
folder that replaces ``out_dir`` only once complete.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import io
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from experiments.allocation.report import moves_table, render_report
from experiments.common.errors import InputError
from experiments.common.provenance import (
    atomic_dir,
    check_out_dir,
    command_line,
    software_versions,
    to_json_safe,
)
from optimize.problem import AllocationProblem, Candidates, Fit, Posts, RankPools
from optimize.proposal import Proposal
from optimize.rules import Rules

OUTPUT_FILES = ("proposal.csv", "proposal.json", "report.md", "model.lp")
"""The files ``write_proposal`` may write; a folder holding only these may be replaced."""

SOFTWARE = ("youwei", "numpy", "pandas", "scipy", "highspy", "pulp", "pydantic")

_INTEGER = re.compile(r"[+-]?\d{1,18}")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_LISTED_MAX = 12


# --------------------------------------------------------------------------- columns


class CellKind(enum.Enum):
    """What a CSV cell holds."""

    TEXT = "a non-empty text"
    INTEGER = "an integer"
    NUMBER = "a number"
    FLAG = "0 or 1"


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``default`` is the cell text used where an optional column is absent or its
    cell is empty; ``minimum`` bounds numeric cells (``> minimum`` if
    ``strict``, else ``>= minimum``).
    """

    name: str
    kind: CellKind
    required: bool = True
    default: str = ""
    minimum: float | None = None
    strict: bool = False

    def expected(self) -> str:
        if self.minimum is None:
            return self.kind.value
        return f"{self.kind.value} {'>' if self.strict else '>='} {self.minimum:g}"


CANDIDATE_COLUMNS = (
    Column("id", CellKind.TEXT),
    Column("unit", CellKind.TEXT),
    Column("rank", CellKind.INTEGER, minimum=0),
    Column("age", CellKind.INTEGER, minimum=0),
    Column("years_in_grade", CellKind.NUMBER, minimum=0),
    Column("score", CellKind.NUMBER, minimum=0),
    Column("post_level", CellKind.INTEGER, required=False, default="0", minimum=0),
    Column("frontline", CellKind.FLAG, required=False, default="0"),
    Column("hardship", CellKind.NUMBER, required=False, default="1", minimum=1),
    Column("blocked", CellKind.FLAG, required=False, default="0"),
    # Required or not depends on pools.csv; checked in ``_candidate_pools``.
    Column("pool", CellKind.TEXT, required=False),
)
POST_COLUMNS = (
    Column("id", CellKind.TEXT),
    Column("unit", CellKind.TEXT),
    Column("level", CellKind.INTEGER, minimum=1),
    Column("min_rank", CellKind.INTEGER, minimum=0),
    Column("weight", CellKind.NUMBER, required=False, default="1", minimum=0, strict=True),
    Column("must_fill", CellKind.FLAG, required=False, default="0"),
)
POOL_COLUMNS = (
    Column("pool", CellKind.TEXT),
    Column("rank", CellKind.INTEGER, minimum=1),
    Column("headroom", CellKind.INTEGER, minimum=0),
)
FIT_COLUMNS = (
    Column("candidate", CellKind.TEXT),
    Column("post", CellKind.TEXT),
    Column("fit", CellKind.NUMBER),
)


@dataclass(frozen=True)
class Table:
    """A validated input table: one array per column, plus where each row came from.

    Attributes
    ----------
    path : Path
    sha256 : str
        Hex digest of the file's bytes.
    values : dict of str to ndarray
        Every declared column, ``(n_rows,)``: ``object`` (text), ``int64``,
        ``float64`` or ``bool``; defaults filled in.
    present : frozenset of str
        Columns that the file's header names.
    lines : (n_rows,) int
        Line of each row in the file (the header is line 1).
    """

    path: Path
    sha256: str
    values: dict[str, np.ndarray]
    present: frozenset[str]
    lines: np.ndarray

    def __len__(self) -> int:
        return len(self.lines)

    def fail(self, index: int, column: str, expected: str, got: str) -> InputError:
        """An ``InputError`` about row ``index`` (0-based) of ``column``."""
        return InputError(self.path, expected, row=int(self.lines[index]), column=column, got=got)

    def describe(self) -> dict:
        return {"file": self.path.name, "sha256": self.sha256, "rows": len(self)}


# --------------------------------------------------------------------------- reading


def read_allocation_inputs(
    candidates: Path,
    posts: Path,
    pools: Path,
    rules: Path | None = None,
    fit: Path | None = None,
) -> tuple[AllocationProblem, dict]:
    """Read and validate the input files of one allocation.

    Parameters
    ----------
    candidates, posts, pools : Path
        CSV files (see the module docstring for their columns).
    rules : Path, optional
        ``rules.toml``; ``Rules()`` defaults when omitted.
    fit : Path, optional
        ``fit.csv``; every pair has fit 1 when omitted.

    Returns
    -------
    problem : AllocationProblem
        Units are coded in order of first appearance over candidates then posts,
        pools in order of first appearance in ``pools.csv``.
    provenance : dict
        ``{"inputs": {role: {"file", "sha256", "rows"} or None}}`` for the roles
        candidates, posts, pools, rules, fit.

    Raises
    ------
    InputError
        The first violation of the input contract.
    """
    cand_table = read_keyed_table(Path(candidates), CANDIDATE_COLUMNS, "candidate", ("id",))
    post_table = read_keyed_table(Path(posts), POST_COLUMNS, "post", ("id",))
    pool_table = read_keyed_table(Path(pools), POOL_COLUMNS, "pool", ("pool", "rank"))
    fit_table = None if fit is None else read_table(Path(fit), FIT_COLUMNS)
    rules_read, rules_info = (Rules(), None) if rules is None else read_rules(Path(rules))
    unit_codes, unit_names = factorize_units(cand_table, post_table)
    pool_codes, pool_names = pd.factorize(pool_table.values["pool"])
    n_cand = len(cand_table)
    problem = AllocationProblem(
        candidates=build_candidates(cand_table, unit_codes[:n_cand], pool_names),
        posts=build_posts(post_table, unit_codes[n_cand:]),
        pools=RankPools(
            pool=pool_codes,
            rank=pool_table.values["rank"],
            headroom=pool_table.values["headroom"],
        ),
        rules=rules_read,
        fit=Fit() if fit_table is None else build_fit(fit_table, cand_table, post_table),
        unit_names=tuple(str(u) for u in unit_names),
        pool_names=tuple(str(p) for p in pool_names),
    )
    inputs = {
        "candidates": cand_table.describe(),
        "posts": post_table.describe(),
        "pools": pool_table.describe(),
        "rules": rules_info,
        "fit": None if fit_table is None else fit_table.describe(),
    }
    return problem, {"inputs": inputs}


def read_keyed_table(
    path: Path, columns: Sequence[Column], what: str, key: Sequence[str]
) -> Table:
    """``read_table``, then require at least one row and a unique ``key``."""
    table = read_table(path, columns)
    require_rows(table, what)
    check_unique(table, tuple(key))
    return table


def read_table(path: Path, columns: Sequence[Column]) -> Table:
    """Read one CSV file and convert every declared column (vectorised).

    Raises
    ------
    InputError
        Unreadable file, not UTF-8, ragged rows, unknown, missing or duplicate
        columns, or a cell that does not convert.
    """
    raw = read_bytes(path)
    header, body, lines = parse_csv(path, raw)
    check_header(path, header, columns)
    table = Table(path, hashlib.sha256(raw).hexdigest(), {}, frozenset(header), lines)
    values = {
        column.name: convert_column(
            table, column, body[column.name] if column.name in table.present else None
        )
        for column in columns
    }
    return dataclasses.replace(table, values=values)


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


def parse_csv(path: Path, raw: bytes) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """Split a CSV file into its stripped header, its stripped text cells and their lines.

    Returns
    -------
    header : list of str
    body : DataFrame
        Text cells, columns named by the header; rows with only empty cells dropped.
    lines : (n_rows,) int
        The file line of each row of ``body`` (the header is line 1; a quoted
        cell spanning several lines shifts the count).
    """
    try:
        frame = pd.read_csv(
            io.BytesIO(raw), header=None, dtype=str, keep_default_na=False,
            skip_blank_lines=False, encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError as error:
        raise InputError(path, "a header line naming the columns",
                         got="an empty file") from error
    except pd.errors.ParserError as error:
        raise ragged_row_error(path, str(error)) from error
    except UnicodeDecodeError as error:
        raise InputError(
            path, "UTF-8 text (in Excel: Save As 'CSV UTF-8')",
            got=f"a byte that is not UTF-8 at byte {error.start}",
        ) from error
    frame = frame.apply(lambda cells: cells.str.strip())
    header = [str(name) for name in frame.iloc[0]]
    body = frame.iloc[1:]
    body.columns = header
    kept = ~(body == "").all(axis=1).to_numpy()
    lines = np.arange(2, len(body) + 2)[kept]
    return header, body[kept].reset_index(drop=True), lines


def ragged_row_error(path: Path, message: str) -> InputError:
    """Turn pandas' "Expected 5 fields in line 7, saw 6" into an ``InputError``."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found is None:
        return InputError(path, "well-formed CSV", got=message)
    n_header, line, n_cells = (int(g) for g in found.groups())
    return InputError(path, f"{n_header} cells (as many as the header)", row=line,
                      got=f"{n_cells}")


def check_header(path: Path, header: list[str], columns: Sequence[Column]) -> None:
    """Every column named once, every name known, every required column present."""
    allowed = [c.name for c in columns]
    for position, name in enumerate(header, start=1):
        if name == "":
            raise InputError(path, "a column name", row=1,
                             got=f"an empty header cell (cell {position})")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(path, "each column once", row=1, column=name,
                             reason="column appears twice in the header")
        seen.add(name)
    unknown = [name for name in header if name not in allowed]
    if unknown:
        raise InputError(
            path, f"one of {', '.join(allowed)}", row=1,
            reason=f"unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))} (allowed: {', '.join(allowed)})",
        )
    missing = [c.name for c in columns if c.required and c.name not in seen]
    if missing:
        raise InputError(
            path, f"a column named {missing[0]!r}", row=1,
            reason=f"missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))} (required: "
            f"{', '.join(c.name for c in columns if c.required)})",
        )


def convert_column(table: Table, column: Column, cells: pd.Series | None) -> np.ndarray:
    """Convert one column's text cells to an array, raising at the first bad cell."""
    n = len(table)
    if cells is None:
        cells = pd.Series([column.default] * n, dtype=str)
    elif not column.required and column.default:
        cells = cells.mask(cells == "", column.default)
    if column.kind is CellKind.TEXT:
        if column.required:
            first_bad(table, column, cells, (cells == "").to_numpy(bool))
        return cells.to_numpy(dtype=object)
    if column.kind is CellKind.FLAG:
        ok = cells.isin(["0", "1"]).to_numpy(bool)
        first_bad(table, column, cells, ~ok)
        return (cells == "1").to_numpy(bool)
    pattern, dtype = (_INTEGER, np.int64) if column.kind is CellKind.INTEGER else (
        _NUMBER, np.float64)
    ok = cells.str.fullmatch(pattern).to_numpy(bool)
    first_bad(table, column, cells, ~ok)
    values = cells.astype(dtype).to_numpy()
    first_bad(table, column, cells, ~in_range(values, column))
    return values


def in_range(values: np.ndarray, column: Column) -> np.ndarray:
    """``(n,) bool``: finite and within the column's bound."""
    ok = np.isfinite(values)
    if column.minimum is not None:
        ok &= values > column.minimum if column.strict else values >= column.minimum
    return ok


def first_bad(table: Table, column: Column, cells: pd.Series, bad: np.ndarray) -> None:
    """Raise about the first row flagged in ``bad`` (if any)."""
    if not bad.any():
        return
    index = int(np.flatnonzero(bad)[0])
    raise table.fail(index, column.name, column.expected(), describe_cell(cells.iloc[index]))


def describe_cell(text: str) -> str:
    return "an empty cell" if text == "" else repr(text)


def require_rows(table: Table, what: str) -> None:
    if len(table) == 0:
        raise InputError(table.path, f"at least one {what} row below the header",
                         got="no data rows")


def check_unique(table: Table, key: Sequence[str]) -> None:
    """Raise naming both lines of the first repeated key."""
    frame = pd.DataFrame({name: table.values[name] for name in key})
    repeated = frame.duplicated().to_numpy()
    if not repeated.any():
        return
    index = int(np.flatnonzero(repeated)[0])
    same = (frame == frame.iloc[index]).all(axis=1).to_numpy()
    earlier = int(table.lines[np.flatnonzero(same)[0]])
    shown = ", ".join(f"{name} {_show(table.values[name][index])}" for name in key)
    what = "id" if key == ("id",) else f"({', '.join(key)}) pair"
    raise InputError(
        table.path, f"a unique {what}", row=int(table.lines[index]), column=key[0],
        reason=f"expected a unique {what}, got {shown} again (first on line {earlier})",
    )


def factorize_units(cand: Table, posts: Table) -> tuple[np.ndarray, np.ndarray]:
    """Unit codes of candidates then posts, in order of first appearance, and the names."""
    units = np.concatenate([cand.values["unit"], posts.values["unit"]])
    codes, names = pd.factorize(units)
    return codes.astype(np.int64), np.asarray(names, dtype=object)


def build_candidates(table: Table, unit: np.ndarray, pool_names: np.ndarray) -> Candidates:
    v = table.values
    return Candidates(
        id=v["id"], unit=unit, rank=v["rank"], age=v["age"],
        years_in_grade=v["years_in_grade"], score=v["score"], post_level=v["post_level"],
        frontline=v["frontline"], hardship=v["hardship"], blocked=v["blocked"],
        pool=candidate_pools(table, pool_names),
    )


def candidate_pools(table: Table, pool_names: np.ndarray) -> np.ndarray:
    """``(n,) int``: each candidate's pool code; empty cells mean the only pool, if one."""
    names = list(pool_names)
    listed = _listing(names)
    cells = table.values["pool"]
    empty = cells == ""
    if len(names) > 1 and "pool" not in table.present:
        raise InputError(
            table.path, "a column named 'pool'", row=1,
            reason=f"missing column 'pool': required because pools.csv lists "
            f"{len(names)} pools ({listed})",
        )
    if len(names) == 1:
        cells = np.where(empty, names[0], cells)
    codes = pd.Index(names).get_indexer(cells)
    bad = codes < 0
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise table.fail(index, "pool", f"a pool listed in pools.csv ({listed})",
                         describe_cell(str(cells[index])))
    return codes.astype(np.int64)


def build_posts(table: Table, unit: np.ndarray) -> Posts:
    v = table.values
    return Posts(id=v["id"], unit=unit, level=v["level"], min_rank=v["min_rank"],
                 weight=v["weight"], must_fill=v["must_fill"])


def build_fit(table: Table, cand: Table, posts: Table) -> Fit:
    """Sparse fit with candidate and post ids mapped to row indices."""
    check_unique(table, ("candidate", "post"))
    candidate = ids_to_index(table, "candidate", cand)
    post = ids_to_index(table, "post", posts)
    return Fit(candidate=candidate, post=post, fit=table.values["fit"])


def ids_to_index(table: Table, column: str, target: Table) -> np.ndarray:
    ids = table.values[column]
    index = pd.Index(target.values["id"]).get_indexer(ids)
    bad = index < 0
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise table.fail(row, column, f"an id from {target.path.name}", repr(ids[row]))
    return index.astype(np.int64)


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(str(n) for n in names[:_LISTED_MAX])
    return shown if len(names) <= _LISTED_MAX else f"{shown}, ... ({len(names)} in all)"


# --------------------------------------------------------------------------- rules


def read_rules(path: Path) -> tuple[Rules, dict]:
    """Parse and validate ``rules.toml`` (types checked strictly: ``"0.3"`` is not a number).

    Returns
    -------
    rules : Rules
    description : dict
        ``{"file", "sha256"}``.

    Raises
    ------
    InputError
        TOML syntax error (with its line), unknown key (with the allowed keys),
        or a value of the wrong type or out of range (with its dotted key path).
    """
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(path, "UTF-8 text", got=f"a byte that is not UTF-8 at byte "
                         f"{error.start}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise toml_syntax_error(path, str(error)) from error
    try:
        # Strict JSON-mode validation keeps TOML's types (a string is not a
        # number) while still accepting enum values and integer table keys.
        rules = Rules.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as error:
        raise rules_error(path, error.errors()[0]) from error
    return rules, {"file": path.name, "sha256": hashlib.sha256(raw).hexdigest()}


def toml_syntax_error(path: Path, message: str) -> InputError:
    """``"Invalid value (at line 2, column 19)"`` -> an ``InputError`` on line 2."""
    found = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", message)
    if found is None:
        return InputError(path, "valid TOML", reason=f"expected valid TOML: {message}")
    what, line, col = found.group(1), int(found.group(2)), int(found.group(3))
    return InputError(path, "valid TOML", row=line,
                      reason=f"expected valid TOML, got: {what[:1].lower()}{what[1:]} "
                      f"(character {col})")


_RULES_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "string_type": "a string",
}
_RULES_BOUNDS = {
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
}


def rules_error(path: Path, error: dict) -> InputError:
    """One pydantic error about ``rules.toml`` as an ``InputError`` naming the dotted key."""
    loc = tuple(str(part) for part in error["loc"])
    is_table_key = bool(loc) and loc[-1] == "[key]"
    loc = loc[:-1] if is_table_key else loc
    key = ".".join(loc)
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = ", ".join(allowed_keys(loc[:-1]))
        return InputError(path, f"one of {allowed}", key=key,
                          reason=f"unknown key (allowed: {allowed})")
    if kind in _RULES_BOUNDS:
        name, symbol = _RULES_BOUNDS[kind]
        expected = f"a number {symbol} {ctx[name]:g}"
    elif kind == "enum":
        expected = f"one of {ctx.get('expected', '')}"
    else:
        expected = _RULES_EXPECTED.get(kind, error["msg"][:1].lower() + error["msg"][1:])
    if is_table_key:
        expected = f"{expected} as the key (a level or rank)"
    return InputError(path, expected, key=key, got=describe_toml_value(error.get("input")))


def allowed_keys(loc: Sequence[str]) -> list[str]:
    """The keys allowed in the table at ``loc`` (``()`` is the top level of rules.toml)."""
    model: type[BaseModel] = Rules
    for part in loc:
        annotation = model.model_fields[part].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def describe_toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


# --------------------------------------------------------------------------- writing


def run_provenance(inputs: dict, command: Sequence[str] | None) -> dict:
    """Complete the reader's provenance with the command line and software versions.

    No timestamp: the same command on the same files gives the same provenance.
    """
    return {**inputs, "command": command_line(command),
            "software": software_versions(SOFTWARE)}


def write_proposal(
    out_dir: Path,
    problem: AllocationProblem,
    proposal: Proposal,
    provenance: dict,
    *,
    export_lp: bool = False,
) -> None:
    """Write ``proposal.csv``, ``proposal.json``, ``report.md`` (and ``model.lp``) atomically.

    The files go into a temporary sibling folder that is renamed to ``out_dir``
    once complete; an existing ``out_dir`` (empty or a previous proposal) is
    replaced only then. On any error the temporary folder is removed and
    ``out_dir`` is left as it was.

    Parameters
    ----------
    out_dir : Path
        Folder to create or replace; its parent is created if missing.
    provenance : dict
        From ``run_provenance``; copied into ``proposal.json`` and the report.
    export_lp : bool
        Also write the named pulp model as ``model.lp`` (CPLEX LP format).

    Raises
    ------
    InputError
        ``out_dir`` is a file or holds files youwei did not write.
    """
    check_out_dir(out_dir, OUTPUT_FILES, "a previous proposal")
    with atomic_dir(out_dir) as staging:
        write_proposal_csv(staging / "proposal.csv", problem, proposal)
        write_proposal_json(staging / "proposal.json", problem, proposal, provenance)
        report = render_report(problem, proposal, provenance)
        (staging / "report.md").write_text(report, encoding="utf-8")
        if export_lp:
            write_model_lp(staging / "model.lp", problem)


def write_proposal_csv(path: Path, problem: AllocationProblem, proposal: Proposal) -> None:
    """One row per move; floats round-trip (shortest repr). UTF-8 with BOM for Excel."""
    moves_table(problem, proposal).to_csv(path, index=False, encoding="utf-8-sig",
                                          lineterminator="\n")


def write_proposal_json(
    path: Path, problem: AllocationProblem, proposal: Proposal, provenance: dict
) -> None:
    text = json.dumps(proposal_summary(problem, proposal, provenance), indent=2,
                      ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def proposal_summary(problem: AllocationProblem, proposal: Proposal, provenance: dict) -> dict:
    """The content of ``proposal.json``: status, objective, shares, prices, rules, provenance.

    Non-finite floats become ``None`` (JSON has no inf/nan).
    """
    is_post = proposal.moves.is_post
    summary = {
        "status": proposal.status.value,
        "objective": proposal.objective,
        "bound": proposal.bound,
        "gap": proposal.gap,
        "solve_seconds": proposal.solve_seconds,
        "backend": proposal.backend.value,
        "method": proposal.method,
        "n_variables": proposal.n_variables,
        "n_constraints": proposal.n_constraints,
        "n_moves": {"post": int(is_post.sum()), "rank": int((~is_post).sum())},
        "shares": [dataclasses.asdict(s) for s in proposal.explanation.shares],
        "prices": [dataclasses.asdict(p) for p in proposal.prices],
        "relaxations": [dataclasses.asdict(r) for r in proposal.relaxations],
        "rules": problem.rules.model_dump(mode="json"),
        "provenance": provenance,
    }
    return to_json_safe(summary)


def write_model_lp(path: Path, problem: AllocationProblem) -> None:
    """Write the named pulp model of ``problem`` in LP format (for inspection or other solvers)."""
    from optimize.pulp_model import build_pulp_model, write_lp  # pulp only for the export

    write_lp(build_pulp_model(problem), path)
