"""Levers and uncertainties: every scenario field described for people.

A *lever* is what the government chooses (everything under ``policy``); an
*uncertainty* is what the world does or did (``organisation``, ``population``,
``behaviour``, ``history``), as EMA Workbench separates them; the run
*settings* (``name``, ``description``, ``years``, ``seed``) are neither. The
kind follows from where a field sits, its range and default from the schema
(:mod:`scenarios.schema`), and its unit, source and Chinese and English
meaning from ``scenarios/catalogue/levers.toml`` (one entry per schema field, keyed
``"<block class>.<field>"``). An assumption may carry the range of values it is
thought to take (``low``, ``high`` in the catalogue: docs/model.md section 8): what a
sweep should cover and what the robustness table of ``youwei validate-model`` samples.
``youwei levers [SCENARIO]`` prints the table.

Examples
--------
>>> excuse = next(f for f in fields() if f.path == "policy.tolerance.excuse_rate")
>>> excuse.kind.value, excuse.range, excuse.unit
('lever', '[0, 1]', 'share')
>>> next(f for f in fields() if f.path == "behaviour.inertia").assumed
(0.0, 0.6)
"""

from __future__ import annotations

import json
import operator
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from scenarios.loader import describe_range, unwrap, unwrap_optional
from scenarios.schema import Scenario

CATALOGUE = Path(__file__).resolve().parent / "catalogue" / "levers.toml"
"""The unit, source and meaning of every schema field."""

LANGUAGES = ("zh", "en")


class FieldKind(StrEnum):
    """What a scenario field stands for."""

    LEVER = "lever"  # what the government chooses: policy
    UNCERTAINTY = "uncertainty"  # what the world does (or did): organisation .. history
    SETTING = "setting"  # how the run is set up: name, description, years, seed


_KIND_OF_BLOCK = {"policy": FieldKind.LEVER, "organisation": FieldKind.UNCERTAINTY,
                  "population": FieldKind.UNCERTAINTY, "behaviour": FieldKind.UNCERTAINTY,
                  "history": FieldKind.UNCERTAINTY}


@dataclass(frozen=True)
class ScenarioField:
    """One field of a scenario, for people.

    Attributes
    ----------
    path : str
        Dotted path, as ``--set`` and :meth:`Scenario.with_values` take it.
    key : str
        ``"<block class>.<field>"``: its entry in ``catalogue/levers.toml``.
    kind : FieldKind
    unit, source : str
    meaning : dict
        ``{"zh": ..., "en": ...}``.
    range : str
        Allowed values (``"[0, 1]"``, ``">= 0"``, ``"seniority | merit | ..."``).
    default : Any
        The schema's default at this path (JSON-like).
    assumed : (low, high) or None
        For an assumption, the range of values it is thought to take (catalogue
        ``low`` and ``high``, in the field's type: ints for an integer field, else
        floats); ``None`` when the catalogue gives none.
    """

    path: str
    key: str
    kind: FieldKind
    unit: str
    source: str
    meaning: dict[str, str]
    range: str
    default: Any
    assumed: tuple[float, float] | None = None


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    """``levers.toml`` as ``{"Tolerance.excuse_rate": {"unit": ..., "zh": ..., ...}}``."""
    return tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))


def fields(root: type[BaseModel] = Scenario,
           entries: Mapping[str, Mapping[str, Any]] | None = None) -> list[ScenarioField]:
    """Every leaf field of the scenario schema, in schema order.

    A field without an entry in ``catalogue/levers.toml`` is listed with its schema
    description and the source ``"undocumented"`` (``tests/unit/test_levers.py``
    fails until it has one).

    Parameters
    ----------
    root : pydantic model class
        The schema (default :class:`Scenario`).
    entries : mapping, optional
        The catalogue (default :func:`catalogue`).

    Raises
    ------
    ValueError
        An assumed range that is not valid (:func:`assumed_range`), naming its entry.
    """
    defaults = root().model_dump(mode="json")
    entries = catalogue() if entries is None else entries
    out = []
    for path, model, name, annotation, metadata in _leaves(root, ()):
        key = f"{model.__name__}.{name}"
        entry = entries.get(key) or _undocumented(model, name)
        kind = _KIND_OF_BLOCK.get(path[0], FieldKind.SETTING) if len(path) > 1 \
            else FieldKind.SETTING
        out.append(ScenarioField(
            path=".".join(path), key=key, kind=kind, unit=entry["unit"],
            source=entry["source"], meaning={lang: entry[lang] for lang in LANGUAGES},
            range=range_text(annotation, metadata), default=value_at(defaults, path),
            assumed=assumed_range(key, entry, annotation, metadata)))
    return out


_BOUNDS = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}


def assumed_range(key: str, entry: Mapping[str, Any], annotation: Any,
                  metadata: list) -> tuple[float, float] | None:
    """The ``(low, high)`` an assumption's catalogue entry gives, checked against the schema.

    Parameters
    ----------
    key : str
        ``"<block class>.<field>"``, for the message.
    entry : mapping
        Its catalogue entry; ``low`` and ``high`` are optional (both or neither).
    annotation, metadata
        The field's type and its constraints (``Ge``, ``Gt``, ``Le``, ``Lt``).

    Returns
    -------
    (low, high) or None
        Ints for an integer field, floats for a number field; ``None`` without a range.

    Raises
    ------
    ValueError
        ``"levers.toml [<key>]: ..."`` when only one end is given, the source does not
        say ``assumption``, the field is not a number, an end is not a number (or not
        an integer for an integer field), ``low >= high``, or an end lies outside the
        schema's bounds.
    """
    given = [end for end in ("low", "high") if end in entry]
    if not given:
        return None
    where = f"{CATALOGUE.name} [{key}]"
    if len(given) == 1:
        other = "high" if given == ["low"] else "low"
        raise ValueError(f"{where}: '{given[0]}' without '{other}' (a range needs both)")
    if not str(entry.get("source", "")).startswith("assumption"):
        raise ValueError(f"{where}: a range is for an assumption, but the source is "
                         f"{entry.get('source')!r}")
    base, extra = unwrap(annotation)
    if base not in (int, float):
        raise ValueError(f"{where}: a range needs a number field, not {range_text(base, [])}")
    ends = []
    for end in ("low", "high"):
        value = entry[end]
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or (base is int and not isinstance(value, int)):
            kind = "an integer" if base is int else "a number"
            raise ValueError(f"{where}: '{end}' must be {kind}, got {value!r}")
        ends.append(value if base is int else float(value))
    low, high = ends
    if not low < high:
        raise ValueError(f"{where}: low {low} must be below high {high}")
    for item in [*metadata, *extra]:
        for name, holds in _BOUNDS.items():
            bound = getattr(item, name, None)
            if bound is not None and not (holds(low, bound) and holds(high, bound)):
                raise ValueError(f"{where}: the range [{low}, {high}] leaves the schema's "
                                 f"{range_text(annotation, metadata)}")
    return low, high


def _undocumented(model: type[BaseModel], name: str) -> dict[str, str]:
    description = model.model_fields[name].description or name
    return {"unit": "", "source": "undocumented (add it to scenarios/catalogue/levers.toml)",
            "zh": description, "en": description}


def schema_keys(root: type[BaseModel] = Scenario) -> set[str]:
    """Every ``"<block class>.<field>"`` of the schema (what ``levers.toml`` must describe)."""
    return {f"{model.__name__}.{name}" for _, model, name, _, _ in _leaves(root, ())}


def _leaves(model: type[BaseModel], prefix: tuple[str, ...]
            ) -> Iterator[tuple[tuple[str, ...], type[BaseModel], str, Any, list]]:
    for name, info in model.model_fields.items():
        annotation, extra = unwrap_optional(info.annotation)
        path = (*prefix, name)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _leaves(annotation, path)
        else:
            yield path, model, name, annotation, [*info.metadata, *extra]


def value_at(data: Any, path: tuple[str, ...]) -> Any:
    """``data[path[0]][path[1]]...`` (JSON-like scenario dump)."""
    for part in path:
        data = data[part]
    return data


def range_text(annotation: Any, metadata: list) -> str:
    """The allowed values of a field, short: ``"[0, 1]"``, ``"> 0"``, ``"county | pyramid"``."""
    base, extra = unwrap(annotation)
    metadata = [*metadata, *extra]
    if base is bool:
        return "true | false"
    if isinstance(base, type) and issubclass(base, StrEnum):
        return " | ".join(member.value for member in base)
    if base in (int, float):
        text = describe_range(metadata).strip().removeprefix("in ")
        return text or "any"
    if base is str:
        pattern = next((getattr(m, "pattern", None) for m in metadata
                        if getattr(m, "pattern", None)), None)
        return f"text matching {pattern}" if pattern else "text"
    if get_origin(base) is list:
        return f"list of {range_text(get_args(base)[0], [])}"
    if get_origin(base) is dict:
        key, value = get_args(base)
        return f"{{{range_text(key, [])}: {range_text(value, [])}}}"
    return str(base)


def format_value(value: Any) -> str:
    """A value as the table shows it (JSON, without spaces after separators)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
