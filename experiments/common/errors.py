"""Errors the user can fix: a bad input file, named down to the line and column.

The command line prints ``str(error)`` as one line after ``youwei: error:`` and
exits with code 2; no traceback reaches the user.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path


class InputError(Exception):
    """An input file does not follow the input contract.

    Parameters
    ----------
    file : str or Path
        The offending file; messages show its name only (``candidates.csv``).
    expected : str
        What the reader expected there, in words (``"an integer >= 0"``).
    row : int, optional
        The line as a spreadsheet or text editor numbers it: the header of a
        CSV file is line 1, so its first data row is line 2. For TOML files,
        the line of the syntax error.
    column : str, optional
        The CSV column name.
    key : str, optional
        Dotted TOML key path (``"targets.young_share_min"``).
    got : str, optional
        What was found instead, already formatted for the message
        (``"'abc'"``, ``"1.5"``, ``"an empty cell"``).
    reason : str, optional
        A complete description replacing ``"expected ..., got ..."`` when that
        form reads badly (``"unknown key 'targets.foo' (allowed: ...)"``).

    Examples
    --------
    >>> str(InputError("data/candidates.csv", "an integer", row=7, column="age", got="'abc'"))
    "candidates.csv line 7, column 'age': expected an integer, got 'abc'"
    """

    def __init__(
        self,
        file: str | Path,
        expected: str,
        *,
        row: int | None = None,
        column: str | None = None,
        key: str | None = None,
        got: str | None = None,
        reason: str | None = None,
    ) -> None:
        self.path = Path(file)
        self.file = self.path.name
        self.expected = expected
        self.row = row
        self.column = column
        self.key = key
        self.got = got
        self.reason = reason
        super().__init__(self._message())

    def __reduce__(self):
        # Keyword-only arguments: rebuild from all fields so the error survives
        # pickling (errors raised in worker processes of a parallel run).
        keywords = {name: getattr(self, name) for name in ("row", "column", "key", "got", "reason")}
        return partial(type(self), **keywords), (self.path, self.expected)

    def _message(self) -> str:
        return f"{self.location()}: {self.problem()}"

    def location(self) -> str:
        """``"candidates.csv line 7, column 'age'"`` (only the parts that are known)."""
        where = self.file
        if self.row is not None:
            where += f" line {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        if self.key is not None:
            where += f", key {self.key!r}"
        return where

    def problem(self) -> str:
        """``"expected an integer, got 'abc'"``, or ``reason`` when given."""
        if self.reason is not None:
            return self.reason
        text = f"expected {self.expected}"
        return text if self.got is None else f"{text}, got {self.got}"
