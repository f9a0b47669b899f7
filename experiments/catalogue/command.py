"""``youwei scenarios`` and ``youwei validate FILE``: the bundled library and file checks.

Exit codes: 0 success; 2 a scenario that does not load (one line on stderr
starting with ``youwei: error:``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from scenarios import ScenarioError, list_scenarios, load_scenario, scenario_hash
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
    print(f"youwei: error: {' '.join(message.split())}", file=sys.stderr)
    return 2
