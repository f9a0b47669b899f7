"""``youwei scenarios``, ``validate FILE`` and ``levers``: the library, checks and levers.

Exit codes: 0 success; 2 a scenario that does not load (one line per problem on
stderr, each starting with ``youwei: error:``).

Light by design: these commands import the scenario schema (pydantic) and
nothing of the model, the solver or the data stack.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from pathlib import Path

from scenarios import ScenarioError, list_scenarios, load_scenario, scenario_hash
from scenarios.levers import FieldKind, fields, format_value, value_at
from scenarios.loader import HASH_DISPLAY_CHARS


def run_scenarios_list() -> int:
    """Print the bundled library, one line per scenario: its name and first sentence.

    Returns
    -------
    int
        0, or 2 when a bundled file does not load (the error is printed).
    """
    try:
        entries = list_scenarios()
    except ScenarioError as error:
        return _fail(str(error))
    width = max((len(name) for name, _, _ in entries), default=0)
    for name, _, description in entries:
        print(f"{name:<{width}}  {first_sentence(description)}".rstrip())
    return 0


def run_validate(path: str | Path) -> int:
    """Load and validate one scenario without running it.

    Parameters
    ----------
    path : str or Path
        A scenario TOML file, or the name of a bundled scenario.

    Returns
    -------
    int
        0 after printing ``ok: <name> (<hash>)`` (the first 12 characters of
        :func:`scenarios.scenario_hash`); 2 after printing the error as one line
        on stderr.
    """
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        return _fail(str(error))
    print(f"ok: {scenario.name} ({scenario_hash(scenario)[:HASH_DISPLAY_CHARS]})")
    return 0


LEVER_COLUMNS = ("path", "kind", "meaning", "unit", "range", "assumed", "default", "value")
"""The table's columns: ``range`` is what the schema allows, ``assumed`` the range an
assumption is thought to take (``low``-``high`` in ``scenarios/catalogue/levers.toml``)."""
_CSV_COLUMNS = (*LEVER_COLUMNS, "source")
_KIND_WORDS = {"zh": {FieldKind.LEVER: "政策杠杆", FieldKind.UNCERTAINTY: "不确定性",
                      FieldKind.SETTING: "运行设置"},
               "en": {FieldKind.LEVER: "lever", FieldKind.UNCERTAINTY: "uncertainty",
                      FieldKind.SETTING: "setting"}}
MAX_VALUE_WIDTH = 28


def run_levers(scenario: str | Path = "baseline", *, lang: str = "zh", kind: str = "all",
               fmt: str = "table") -> int:
    """Print every lever and uncertainty of the schema with its value in ``scenario``.

    Parameters
    ----------
    scenario : str or Path
        A scenario file or bundled name whose values are shown.
    lang : {"zh", "en"}
        Language of the meanings and kinds.
    kind : {"lever", "uncertainty", "setting", "all"}
        Only fields of this kind.
    fmt : {"table", "csv"}
        An aligned table (values that differ from the default marked ``*``),
        or CSV with the source of every field. Both have the ``assumed`` column:
        an assumption's range (``[0.01, 0.1]``), empty for other fields.

    Returns
    -------
    int
        0, or 2 when the scenario does not load (every problem printed).
    """
    try:
        loaded = load_scenario(scenario)
    except ScenarioError as error:
        return _fail(str(error))
    data = loaded.model_dump(mode="json")
    rows = []
    for field in fields():
        if kind != "all" and field.kind.value != kind:
            continue
        value = value_at(data, tuple(field.path.split(".")))
        rows.append({"path": field.path, "kind": _KIND_WORDS[lang][field.kind],
                     "meaning": field.meaning[lang], "unit": field.unit, "range": field.range,
                     "assumed": assumed_text(field.assumed),
                     "default": format_value(field.default), "value": format_value(value),
                     "source": field.source, "changed": value != field.default})
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=_CSV_COLUMNS, extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return 0
    print(f"# {loaded.name}: {len(rows)} fields (* = differs from the default)")
    table = [dict(row, value=("* " if row["changed"] else "  ") + row["value"]) for row in rows]
    for row in table:
        for column in ("default", "value", "range"):
            row[column] = _clip(row[column], MAX_VALUE_WIDTH)
    widths = {c: max(_width(c), *(_width(row[c]) for row in table)) for c in LEVER_COLUMNS}
    print("  ".join(_pad(c, widths[c]) for c in LEVER_COLUMNS).rstrip())
    for row in table:
        print("  ".join(_pad(row[c], widths[c]) for c in LEVER_COLUMNS).rstrip())
    return 0


def assumed_text(assumed: tuple[float, float] | None) -> str:
    """An assumed range as the table shows it: ``"[0.01, 0.1]"``, ``""`` for none."""
    return "" if assumed is None else f"[{assumed[0]:g}, {assumed[1]:g}]"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？]")
_ABBREVIATIONS = ("al.", "e.g.", "i.e.", "cf.", "vs.", "etc.", "No.")


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, whitespace collapsed to single spaces.

    A sentence ends at ``.``, ``!`` or ``?`` followed by a space or the end, or
    at a Chinese full stop (``。``); a period inside ``Physica A 389 (2010)`` or
    ``0.2``, or after ``et al.`` or ``e.g.``, does not end one.

    Examples
    --------
    >>> first_sentence("Ordos (004): tilt to the frontline. Recall and retraining.")
    'Ordos (004): tilt to the frontline.'
    """
    flat = " ".join(text.split())
    for found in _SENTENCE_END.finditer(flat):
        if not flat[: found.end()].endswith(_ABBREVIATIONS):
            return flat[: found.end()]
    return flat


def _fail(message: str) -> int:
    """Print each line of ``message`` (one problem each) after ``youwei: error:``; return 2."""
    for line in message.splitlines() or [message]:
        print(f"youwei: error: {' '.join(line.split())}", file=sys.stderr)
    return 2
