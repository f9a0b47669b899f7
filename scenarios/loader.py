"""Read scenario TOML files: ``extends`` chains, block-wise merge, strict validation.

A scenario file is a TOML document whose tables mirror :class:`Scenario`
(``[organisation.frontline]``, ``[policy.tolerance]``, ...). A file may start
from another one::

    extends = "baseline.toml"      # relative to this file; chains allowed

    [policy.tolerance]
    excuse_rate = 0.6              # every other tolerance key comes from baseline

Merge rules (:func:`merge_tables`): tables merge key by key, recursively, so a
child's ``[policy.tolerance]`` overrides only the keys it sets; every other
value (numbers, strings, arrays) is replaced whole. Inline tables such as
``posts = {1 = 2, 2 = 1}`` are tables too: a child adds or overrides levels and
removes one by setting it to 0. ``name`` and ``description`` are not inherited:
they describe the file that sets them; a file without ``name`` is named after
its stem (``my-county.toml`` -> ``my_county``).

``extends`` is resolved relative to the extending file; a bare file name that
is not there (``extends = "baseline.toml"`` in a user's own folder) falls back
to the bundled library in :data:`SCENARIO_DIR`. A cycle is an error.

Validation is pydantic's, in strict mode (``"0.3"`` is not a number, ``1.0``
is not an integer). Every problem becomes one :class:`ScenarioError` whose
message is one line naming the file, the dotted key and what was allowed::

    ordos.toml, key 'policy.tolerance.excuse_rate': expected a number in [0, 1], got 1.5
    my.toml, key 'policy.tolerence': unknown key (did you mean 'tolerance'? allowed: ...)
    my.toml line 3: invalid TOML (expected '=' after a key in a key/value pair, column 9)

When the offending value was set in a parent file, the message says so:
``child.toml, key 'policy.bonus.amount' (set in parent.toml): ...``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from enum import Enum
from functools import partial
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import tomli_w
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from scenarios.schema import Scenario

SCENARIO_DIR = Path(__file__).resolve().parent
"""Folder of the bundled scenario library (``baseline.toml``, ``ordos.toml``, ...)."""

SUFFIX = ".toml"
HASH_DISPLAY_CHARS = 12
"""Characters of :func:`scenario_hash` shown to people (``ok: ordos (3f9a0c1d2e4b)``)."""

_NOT_INHERITED = ("name", "description")

Key = tuple[str | int, ...]


class ScenarioError(Exception):
    """A scenario file (or name) that cannot be turned into a valid :class:`Scenario`.

    ``str(error)`` is one line: ``"<file>[ line N][, key 'a.b'][ (set in <parent>)]: <problem>"``.

    Parameters
    ----------
    file : str or Path
        The file asked for (messages show its name only), or the bare name that
        resolved to nothing.
    problem : str
        What is wrong, in words (``"expected a number in [0, 1], got 1.5"``).
    key : str, optional
        Dotted key path (``"policy.tolerance.excuse_rate"``; array items as
        ``"organisation.rank_quota[2]"``).
    line : int, optional
        Line of a TOML syntax error.
    origin : str or Path, optional
        The parent file that set the offending key, when it is not ``file``.

    Examples
    --------
    >>> str(ScenarioError("x/ordos.toml", "expected a number in [0, 1], got 1.5",
    ...                   key="policy.tolerance.excuse_rate"))
    "ordos.toml, key 'policy.tolerance.excuse_rate': expected a number in [0, 1], got 1.5"
    """

    def __init__(
        self,
        file: str | Path,
        problem: str,
        *,
        key: str | None = None,
        line: int | None = None,
        origin: str | Path | None = None,
    ) -> None:
        self.path = Path(file)
        self.file = self.path.name or str(file)
        self.problem = " ".join(str(problem).split())
        self.key = key
        self.line = line
        self.origin = None if origin is None else Path(origin)
        super().__init__(self._message())

    def __reduce__(self):
        # Keyword-only arguments: rebuild from every field so the error survives
        # pickling (scenarios are loaded in worker processes of parallel runs).
        keywords = {"key": self.key, "line": self.line, "origin": self.origin}
        return partial(type(self), **keywords), (self.path, self.problem)

    def _message(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.key is not None:
            where += f", key {self.key!r}"
        if self.origin is not None and self.origin.name != self.file:
            where += f" (set in {self.origin.name})"
        return f"{where}: {self.problem}"


# --------------------------------------------------------------------------- public API


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Read, resolve and validate one scenario.

    Parameters
    ----------
    path_or_name : str or Path
        A TOML file, or the bare name of a bundled scenario (``"ordos"`` or
        ``"ordos.toml"`` when no such file exists in the working folder).

    Returns
    -------
    Scenario
        Frozen and validated; ``extends`` already applied.

    Raises
    ------
    ScenarioError
        Unknown name, unreadable file, TOML syntax error, bad or cyclic
        ``extends``, unknown key, wrong type, out-of-range value, or a failed
        cross-field check; the message is one line.
    """
    path = find_scenario_file(path_or_name)
    data, origins = read_resolved(path)
    return validate_scenario(data, path, origins)


def find_scenario_file(path_or_name: str | Path) -> Path:
    """The file ``path_or_name`` stands for: an existing file, else a bundled scenario.

    Raises
    ------
    ScenarioError
        Neither a file nor the name of a bundled scenario.
    """
    path = Path(path_or_name)
    if path.is_file():
        return path
    text = str(path_or_name)
    if path.name == text:  # a bare name: no folder part
        bundled = SCENARIO_DIR / (text if text.endswith(SUFFIX) else text + SUFFIX)
        if bundled.is_file():
            return bundled
    if path.is_dir():
        raise ScenarioError(path, "expected a scenario file, got a folder")
    names = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*" + SUFFIX)))
    raise ScenarioError(path, f"no such file, and no bundled scenario of that name "
                              f"(bundled: {names})")


def list_scenarios() -> list[tuple[str, Path, str]]:
    """The bundled library, sorted by file name.

    Returns
    -------
    list of (name, path, description)
        One entry per ``*.toml`` in :data:`SCENARIO_DIR`, each loaded and
        validated (its resolved name and description).

    Raises
    ------
    ScenarioError
        A bundled file does not load (a packaging bug; the library tests catch it).
    """
    entries = []
    for path in sorted(SCENARIO_DIR.glob("*" + SUFFIX)):
        scenario = load_scenario(path)
        entries.append((scenario.name, path, scenario.description))
    return entries


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON (64 hex characters).

    Canonical JSON is ``scenario.model_dump(mode="json")`` with sorted keys and
    no insignificant whitespace, so the hash does not depend on key order,
    on how a value was inherited through ``extends``, or on comments; it
    changes when any resolved value (name and description included) changes.
    Show the first :data:`HASH_DISPLAY_CHARS` characters to people.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    str
        Lower-case hex digest.
    """
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True,
                           separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def resolved_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as a standalone TOML document (for run manifests).

    Every field is written, defaults included, with no ``extends``; loading the
    text again gives an equal scenario with the same :func:`scenario_hash`.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    str
        TOML text starting with a comment naming the scenario and its hash.
    """
    header = (f"# Resolved scenario '{scenario.name}', sha256 {scenario_hash(scenario)}.\n"
              "# Written by youwei: every value explicit, no extends.\n\n")
    return header + tomli_w.dumps(scenario.model_dump(mode="json"))


# --------------------------------------------------------------------------- reading


def read_resolved(path: Path, chain: Sequence[Path] = ()) -> tuple[dict, dict[Key, Path]]:
    """Read ``path`` and everything it extends, merged into one table.

    Parameters
    ----------
    path : Path
        The scenario file.
    chain : sequence of Path
        Files already being resolved (children of ``path``), to detect cycles.

    Returns
    -------
    data : dict
        The merged table, without ``extends``; ``name`` and ``description``
        only if ``path`` itself sets them.
    origins : dict
        For every key path set in some file of the chain, the file that set
        the value in force.
    """
    data = read_toml(path)
    origins = {key: path for key in key_paths(data)}
    parent_ref = data.pop("extends", None)
    origins.pop(("extends",), None)
    if parent_ref is None:
        return data, origins
    parent = find_parent(parent_ref, path)
    here = [p.resolve() for p in (*chain, path)]
    if parent.resolve() in here:
        loop = " -> ".join(p.name for p in here[here.index(parent.resolve()):] + [parent])
        raise ScenarioError(path, f"extends cycle: {loop}", key="extends")
    parent_data, parent_origins = read_resolved(parent, (*chain, path))
    for key in _NOT_INHERITED:
        parent_data.pop(key, None)
    parent_origins = {k: v for k, v in parent_origins.items() if k[0] not in _NOT_INHERITED}
    return merge_tables(parent_data, data), {**parent_origins, **origins}


def read_toml(path: Path) -> dict:
    """Parse one TOML file (UTF-8, a BOM is tolerated) into a dict.

    Raises
    ------
    ScenarioError
        Unreadable file, bytes that are not UTF-8, a TOML syntax error (with its
        line), or a non-finite number (``nan``, ``inf``).
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioError(path, f"cannot read the file ({error.strerror or error})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(path, f"expected UTF-8 text, got a byte that is not UTF-8 at "
                                  f"byte {error.start}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise toml_syntax_error(path, error) from error
    for key, value in leaf_values(data):
        if isinstance(value, float) and not math.isfinite(value):
            raise ScenarioError(path, f"expected a finite number, got {value}",
                                key=dotted(key))
    return data


def toml_syntax_error(path: Path, error: tomllib.TOMLDecodeError) -> ScenarioError:
    """``"Invalid value (at line 2, column 19)"`` -> ``"<file> line 2: invalid TOML (...)"``."""
    message = str(error)
    found = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", message)
    if found is None:
        return ScenarioError(path, f"invalid TOML ({message})")
    what, line, column = found.group(1), int(found.group(2)), int(found.group(3))
    return ScenarioError(path, f"invalid TOML ({what[:1].lower()}{what[1:]}, column {column})",
                         line=line)


def find_parent(reference: object, child: Path) -> Path:
    """The file named by ``extends = reference`` in ``child``.

    Relative to ``child``'s folder; a bare name missing there (``"baseline.toml"``
    or ``"baseline"``) falls back to the bundled library.
    """
    if not isinstance(reference, str) or not reference.strip():
        raise ScenarioError(child, f"expected a file name (a string such as "
                                   f"\"baseline.toml\"), got {describe_value(reference)}",
                            key="extends")
    candidate = Path(reference)
    candidate = candidate if candidate.is_absolute() else child.parent / candidate
    if candidate.is_file():
        return candidate
    if Path(reference).name == reference:
        bundled = SCENARIO_DIR / (reference if reference.endswith(SUFFIX) else reference + SUFFIX)
        if bundled.is_file():
            return bundled
    raise ScenarioError(child, f"no such file {reference!r} (looked in "
                               f"{child.parent.resolve()} and in the bundled library)",
                        key="extends")


def merge_tables(base: Mapping, override: Mapping) -> dict:
    """Block-wise deep merge: tables merge recursively, every other value is replaced.

    Parameters
    ----------
    base : Mapping
        The parent's table (not modified).
    override : Mapping
        The child's table (not modified); its values win.

    Returns
    -------
    dict
        A new table.

    Examples
    --------
    >>> merge_tables({"t": {"a": 1, "b": [1, 2]}}, {"t": {"b": [3]}, "u": 0})
    {'t': {'a': 1, 'b': [3]}, 'u': 0}
    """
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_tables(merged[key], value)
        else:
            merged[key] = value
    return merged


def key_paths(table: Mapping, prefix: Key = ()) -> list[Key]:
    """Every key path in ``table``, tables and leaves, depth first."""
    paths: list[Key] = []
    for key, value in table.items():
        path = (*prefix, key)
        paths.append(path)
        if isinstance(value, Mapping):
            paths.extend(key_paths(value, path))
    return paths


def leaf_values(value: Any, prefix: Key = ()) -> list[tuple[Key, Any]]:
    """Every non-table, non-array value with its path (array items as integer parts)."""
    if isinstance(value, Mapping):
        return [leaf for k, v in value.items() for leaf in leaf_values(v, (*prefix, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in leaf_values(v, (*prefix, i))]
    return [(prefix, value)]


# --------------------------------------------------------------------------- validating


def validate_scenario(data: Mapping, path: Path, origins: Mapping[Key, Path] | None = None
                      ) -> Scenario:
    """Validate a resolved table as a :class:`Scenario`.

    Types are checked strictly (TOML's types are kept: a string is not a
    number), while enum values and integer table keys (``posts = {1 = 2}``)
    are still accepted. A missing ``name`` is taken from the file's stem.

    Parameters
    ----------
    data : Mapping
        The merged table (see :func:`read_resolved`).
    path : Path
        The file asked for, named in messages.
    origins : Mapping, optional
        Which file set each key path, to name a parent file in messages.

    Raises
    ------
    ScenarioError
        The first problem pydantic reports, as one line.
    """
    data = dict(data)
    data.setdefault("name", name_from_stem(path))
    try:
        return Scenario.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as error:
        raise scenario_error(path, error.errors()[0], origins or {}) from None


def name_from_stem(path: Path) -> str:
    """``My-County.toml`` -> ``my_county`` (the pattern a scenario name must match)."""
    name = re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_")
    return name or "unnamed"


_BOUND_WORDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


def scenario_error(path: Path, error: Mapping, origins: Mapping[Key, Path]) -> ScenarioError:
    """One pydantic error as a :class:`ScenarioError` naming the dotted key and the range."""
    loc: Key = tuple(error["loc"])
    is_table_key = bool(loc) and loc[-1] == "[key]"
    value_loc = loc[:-1] if is_table_key else loc
    key = dotted(value_loc) if value_loc else None
    origin = origin_of(value_loc, origins)
    kind = error["type"]
    got = describe_value(error.get("input"))
    if kind == "extra_forbidden":
        return ScenarioError(path, unknown_key_problem(value_loc), key=key, origin=origin)
    if kind in ("value_error", "assertion_error"):  # a check_* across fields of a block
        message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return ScenarioError(path, message, key=key, origin=origin)
    if kind == "missing":
        return ScenarioError(path, "expected a value here (required)", key=key, origin=origin)
    if kind == "string_pattern_mismatch":
        expected = describe_pattern(str((error.get("ctx") or {}).get("pattern", "")))
    else:
        schema_loc = (*value_loc[:-1], "[key]") if is_table_key else value_loc
        expected = expected_at(schema_loc) or _lower_first(str(error["msg"]))
    if is_table_key:
        expected += " as the key"
    return ScenarioError(path, f"expected {expected}, got {got}", key=key, origin=origin)


def unknown_key_problem(loc: Key) -> str:
    """``"unknown key (did you mean 'tolerance'? allowed: promotion, tolerance, ...)"``."""
    allowed = allowed_keys(loc[:-1])
    if not allowed:
        return "unknown key"
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.7)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key ({hint}allowed: {', '.join(allowed)})"


def allowed_keys(loc: Key) -> list[str]:
    """The keys allowed in the table at ``loc`` (``()`` is the top level)."""
    base, _ = schema_node(loc)
    if isinstance(base, type) and issubclass(base, BaseModel):
        keys = list(base.model_fields)
        return ["extends", *keys] if not loc else keys
    return []


def origin_of(loc: Key, origins: Mapping[Key, Path]) -> Path | None:
    """The file that set the longest prefix of ``loc`` that some file set."""
    parts = tuple(part for part in loc if isinstance(part, str))
    for end in range(len(parts), 0, -1):
        if parts[:end] in origins:
            return origins[parts[:end]]
    return None


def schema_node(loc: Key, root: type[BaseModel] = Scenario) -> tuple[Any, list]:
    """The type expected at ``loc`` of ``root`` and its constraints (``annotated_types`` objects).

    Walks the model's fields, list items and dict keys/values (``"[key]"`` names a
    dict key); returns ``(None, [])`` where the path leaves the schema. Also used
    for sweep specs (``root`` = their table model).
    """
    node: Any = root
    metadata: list = []
    for part in loc:
        node, extra = unwrap_optional(node)
        metadata = [*metadata, *extra]
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            if field is None:
                return None, []
            node, metadata = field.annotation, list(field.metadata)
        elif get_origin(node) is list:
            node, metadata = get_args(node)[0], []
        elif get_origin(node) is dict:
            key_type, value_type = get_args(node)
            node, metadata = (key_type if part == "[key]" else value_type), []
        else:
            return None, []
    node, extra = unwrap_optional(node)
    return node, [*metadata, *extra]


def unwrap_optional(annotation: Any) -> tuple[Any, list]:
    """``unwrap``, and also ``X | None`` -> ``X`` and ``int | float`` -> ``float``."""
    annotation, metadata = unwrap(annotation)
    if get_origin(annotation) in (UnionType, Union):
        args = [a for a in get_args(annotation) if a is not NoneType]
        if len(args) == 1:
            inner, extra = unwrap(args[0])
            return inner, [*metadata, *extra]
        if set(args) == {int, float}:
            return float, metadata
    return annotation, metadata


def unwrap(annotation: Any) -> tuple[Any, list]:
    """``Annotated[float, Field(ge=0)]`` -> ``(float, [Ge(ge=0)])``."""
    metadata: list = []
    while get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        for extra in extras:
            metadata.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
        annotation = base
    return annotation, metadata


def expected_at(loc: Key) -> str | None:
    """What the schema wants at ``loc``, in words with its range (``"a number in [0, 1]"``)."""
    base, metadata = schema_node(loc)
    return None if base is None else describe_type(base, metadata)


def describe_type(base: Any, metadata: Sequence = ()) -> str:
    """``(float, [Ge(0), Le(1)])`` -> ``"a number in [0, 1]"``; enums list their values."""
    if base is bool:
        return "true or false"
    if isinstance(base, type) and issubclass(base, Enum):
        return "one of " + ", ".join(repr(member.value) for member in base)
    if base is int:
        return "an integer" + describe_range(metadata)
    if base is float:
        return "a number" + describe_range(metadata)
    if base is str:
        return "a string"
    if isinstance(base, type) and issubclass(base, BaseModel):
        return "a table"
    if get_origin(base) is list:
        item, item_metadata = unwrap(get_args(base)[0])
        return f"an array of {_plural(describe_type(item, item_metadata))}"
    if get_origin(base) is dict:
        return "a table"
    return str(base)


def describe_range(metadata: Sequence) -> str:
    """``[Ge(0), Le(1)]`` -> ``" in [0, 1]"``; ``[Gt(0)]`` -> ``" > 0"``; none -> ``""``.

    When several constraints bound the same side (an ``Annotated`` alias
    narrowed by ``Field(le=...)``), the tightest one is named.
    """
    bounds = [(name, getattr(item, name)) for item in metadata for name in _BOUND_WORDS
              if getattr(item, name, None) is not None]
    lows = [b for b in bounds if b[0] in ("ge", "gt")]
    highs = [b for b in bounds if b[0] in ("le", "lt")]
    # Tightest: the largest lower bound (strict beats inclusive at a tie), the smallest upper.
    low = max(lows, key=lambda b: (b[1], b[0] == "gt"), default=None)
    high = min(highs, key=lambda b: (b[1], b[0] == "le"), default=None)
    if low and high:
        left = "[" if low[0] == "ge" else "("
        right = "]" if high[0] == "le" else ")"
        return f" in {left}{format_number(low[1])}, {format_number(high[1])}{right}"
    if low or high:
        name, value = low or high
        return f" {_BOUND_WORDS[name]} {format_number(value)}"
    return ""


def describe_pattern(pattern: str) -> str:
    """A regular expression a string must match, in words."""
    choices = re.fullmatch(r"\^\(([\w|]+)\)\$", pattern)
    if choices:
        return "one of " + ", ".join(repr(c) for c in choices.group(1).split("|"))
    if pattern == r"^[a-z0-9_]+$":
        return "a name of lower-case letters, digits and '_'"
    return f"a string matching {pattern}"


def describe_value(value: object) -> str:
    """A TOML value as a message shows it: ``1.5``, ``'abc'``, ``true``, ``a table``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        shown = json.dumps(value, default=str)
        return shown if len(shown) <= 60 else f"an array of {len(value)} values"
    return repr(value)


def format_number(value: float) -> str:
    """``1.0`` -> ``"1"``, ``1e6`` -> ``"1000000"``, ``0.25`` -> ``"0.25"``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def dotted(loc: Key) -> str:
    """``("organisation", "rank_quota", 2)`` -> ``"organisation.rank_quota[2]"``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _plural(phrase: str) -> str:
    """``"a number in [0, 1]"`` -> ``"numbers in [0, 1]"`` (for array item types)."""
    for singular, plural in (("a number", "numbers"), ("an integer", "integers"),
                             ("a string", "strings"), ("a table", "tables")):
        if phrase.startswith(singular):
            return plural + phrase[len(singular):]
    return phrase
