"""Words for people, one catalogue per language (STYLE.md: "Words for people in one place").

Every sentence a planner or an official reads lives in a TOML catalogue under
``experiments/common/locale/<lang>/<domain>.toml`` (``zh`` and ``en``), looked
up by a dotted key ``"<domain>.<key>"``; report code assembles, it does not
phrase. A domain file holds flat ``key = "text"`` pairs whose text may use
``str.format`` fields (``"{count} 人"``).

>>> text("common.draft_notice", "en").startswith("This is a draft")
True
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")
"""Languages every catalogue must cover; ``zh`` first: the users are Chinese."""

LOCALE = Path(__file__).with_name("locale")


class MissingText(KeyError):
    """A key not in the catalogue of a language (a bug of ours, not of the user)."""


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every ``"<domain>.<key>" -> text`` of one language, from all its domain files."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(LANGUAGES)})")
    entries: dict[str, str] = {}
    for path in sorted((LOCALE / lang).glob("*.toml")):
        with path.open("rb") as handle:
            for key, value in tomllib.load(handle).items():
                entries[f"{path.stem}.{key}"] = value
    return entries


def text(key: str, lang: str, /, **fields) -> str:
    """The sentence ``key`` (``"domain.key"``) in ``lang``, with ``fields`` filled in."""
    try:
        template = catalogue(lang)[key]
    except KeyError:
        raise MissingText(f"no text {key!r} in the {lang!r} catalogue") from None
    return template.format(**fields) if fields else template


def missing_keys() -> dict[str, set[str]]:
    """For each language, the keys another language has and it lacks (empty when complete)."""
    keys = {lang: set(catalogue(lang)) for lang in LANGUAGES}
    every = set().union(*keys.values())
    return {lang: every - have for lang, have in keys.items()}
