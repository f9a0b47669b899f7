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
to the bundled library in :data:`SCENARIO_DIR`. A cycle is an error, and so is a
chain longer than :data:`MAX_EXTENDS_DEPTH` files. ``extends`` (like ``world``
and ``package``) reads any path the user names: load only files you trust.

World and policy apart: a file may name a world file (``organisation``,
``population``, ``behaviour``, ``history`` only) and a policy package file (``policy`` only)
that compose, each with its own ``extends`` chain::

    world = "worlds/ordos.toml"       # relative to this file, or a bundled world name
    package = "packages/ordos.toml"   # relative to this file, or a bundled package name

Layers apply in order: the ``extends`` parent, then the world, then the package,
then the file's own keys. A named world replaces the parent's world blocks whole
(and a package its ``policy``); the file's own keys then merge on top. Bundled
worlds live in ``scenarios/worlds/``, packages in ``scenarios/packages/``.
``load_scenario(source, world="baseline")`` runs a scenario's policy on another
world: its ``organisation``, ``population``, ``behaviour`` and ``history`` are
replaced whole by the world's.

An empty file (nothing but comments, or only ``name``/``description``) is an
error: a scenario with every default is almost always a mistake.

Validation is pydantic's, in strict mode (``"0.3"`` is not a number, ``1.0``
is not an integer). Every problem becomes one line naming the file, the line
(where known), the dotted key and what was allowed; up to :data:`MAX_ERRORS`
problems of a file are reported at once (a :class:`ScenarioError` whose ``errors``
holds one :class:`ScenarioError` per line)::

    ordos.toml line 2, key 'policy.tolerance.excuse_rate': expected a number in [0, 1], got 1.5
    my.toml line 1, key 'policy.tolerence': unknown key (did you mean 'tolerance'? allowed: ...)
    my.toml line 3: invalid TOML (expected '=' after a key in a key/value pair, column 9)

When the offending value was set in a parent file, the message says so:
``child.toml, key 'policy.bonus.amount' (set in parent.toml line 2): ...``.
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

from scenarios.schema import WORLD_BLOCKS, Scenario, dotted_parts, set_dotted

SCENARIO_DIR = Path(__file__).resolve().parent
"""Folder of the bundled scenario library (``baseline.toml``, ``ordos.toml``, ...)."""

SUFFIX = ".toml"
FULL_SIZE = "_full"
"""Name ending of the bundled places at their articles' real size (``ordos_full``): the
same worlds as the calibrated ones, too large for the validation's many long runs."""
HASH_DISPLAY_CHARS = 12
"""Characters of :func:`scenario_hash` shown to people (``ok: ordos (3f9a0c1d2e4b)``)."""

WORLD_DIR = SCENARIO_DIR / "worlds"
"""Bundled worlds: ``organisation``, ``population`` and ``behaviour`` of a place."""

PACKAGE_DIR = SCENARIO_DIR / "packages"
"""Bundled policy packages: the ``policy`` of a place."""

MAX_EXTENDS_DEPTH = 64
"""Files in one ``extends`` chain (a longer chain is an error, not a RecursionError)."""

MAX_ERRORS = 20
"""Problems of one file reported at once."""

SET_ORIGIN = Path("--set")
"""The origin named in messages for values given with ``--set`` / ``values=``."""

_NOT_INHERITED = ("name", "description", "description_zh")
_LAYERS = {  # key in a scenario file -> (bundled folder, what that file may hold)
    "world": (WORLD_DIR, WORLD_BLOCKS),
    "package": (PACKAGE_DIR, ("policy",)),
}
_META = ("name", "description", "description_zh")

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
        Line of the problem: in ``origin`` when given, else in ``file``.
    origin : str or Path, optional
        The parent file that set the offending key, when it is not ``file``.
    more : sequence of ScenarioError, optional
        Further problems found in the same file (at most :data:`MAX_ERRORS` in
        all). ``errors`` holds this one and these; ``str(error)`` is one line
        per problem.

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
        more: Sequence[ScenarioError] = (),
    ) -> None:
        self.path = Path(file)
        self.file = self.path.name or str(file)
        self.problem = " ".join(str(problem).split())
        self.key = key
        self.line = line
        self.origin = None if origin is None else Path(origin)
        self.more = tuple(more)
        super().__init__("\n".join(error.line_text() for error in self.errors))

    @property
    def errors(self) -> tuple[ScenarioError, ...]:
        """Every problem of the file, this one first (one :meth:`line_text` each)."""
        return (self, *self.more)

    def __reduce__(self):
        # Keyword-only arguments: rebuild from every field so the error survives
        # pickling (scenarios are loaded in worker processes of parallel runs).
        keywords = {"key": self.key, "line": self.line, "origin": self.origin,
                    "more": self.more}
        return partial(type(self), **keywords), (self.path, self.problem)

    def line_text(self) -> str:
        """This problem alone, as one line."""
        where = self.file
        origin = self.origin
        blamed_elsewhere = origin is not None and origin.absolute() != self.path.absolute()
        if self.line is not None and not blamed_elsewhere:
            where += f" line {self.line}"
        if self.key is not None:
            where += f", key {self.key!r}"
        if blamed_elsewhere:
            # packages/ordos.toml is not ordos.toml: name the folder when the names agree
            shown = origin.name
            if shown == self.file:
                shown = f"{origin.parent.name}/{origin.name}"
            at = f" line {self.line}" if self.line is not None else ""
            where += f" (set in {shown}{at})"
        return f"{where}: {self.problem}"


# --------------------------------------------------------------------------- public API


def load_scenario(
    path_or_name: str | Path,
    *,
    values: Mapping[str, Any] | None = None,
    world: str | Path | None = None,
) -> Scenario:
    """Read, resolve and validate one scenario.

    Parameters
    ----------
    path_or_name : str or Path
        A TOML file, or the bare name of a bundled scenario (``"ordos"`` or
        ``"ordos.toml"`` when no such file exists in the working folder).
    values : mapping of str to value, optional
        Dotted paths to set after resolving (``{"policy.tolerance.excuse_rate":
        0.6}``), validated with the file: the route of ``--set``.
    world : str or Path, optional
        A world file or bundled world name (``"baseline"``): the scenario's
        ``organisation``, ``population`` and ``behaviour`` are replaced whole by
        that world's, so only its ``policy`` (and settings) are its own.

    Returns
    -------
    Scenario
        Frozen and validated; ``extends``, ``world``, ``package`` already applied.

    Raises
    ------
    ScenarioError
        Unknown name, unreadable or empty file, TOML syntax error, bad, cyclic
        or too long ``extends``, unknown key, wrong type, out-of-range value, or
        a failed cross-field check: one line per problem, up to :data:`MAX_ERRORS`.
    """
    path = find_scenario_file(path_or_name)
    data, origins = read_resolved(path)
    if world is not None:
        data, origins = on_world(data, origins, world)
    if values:
        data, origins = with_set_values(data, origins, values, path)
    return validate_scenario(data, path, origins)


def on_world(data: Mapping, origins: Mapping[Key, Path], world: str | Path
             ) -> tuple[dict, dict[Key, Path]]:
    """``data`` with its world blocks replaced whole by those of the world file ``world``.

    Parameters
    ----------
    data, origins
        A resolved scenario table and who set each key (:func:`read_resolved`).
    world : str or Path
        A world file, or the bare name of a bundled world (``"baseline"``).
    """
    world_path = find_layer_file(world, "world")
    world_data, world_origins = read_layer(world_path, "world", ())
    kept = {k: v for k, v in data.items() if k not in WORLD_BLOCKS}
    kept.update({k: v for k, v in world_data.items() if k in WORLD_BLOCKS})
    kept_origins = {k: v for k, v in origins.items() if k[0] not in WORLD_BLOCKS}
    kept_origins.update({k: v for k, v in world_origins.items() if k[0] in WORLD_BLOCKS})
    return kept, kept_origins


def world_name(world: str | Path) -> str:
    """The name a world is shown under: its ``name``, else its file's stem."""
    path = find_layer_file(world, "world")
    name = read_toml(path).get("name")
    return name if isinstance(name, str) and name else name_from_stem(path)


def with_set_values(data: Mapping, origins: Mapping[Key, Path], values: Mapping[str, Any],
                    path: Path) -> tuple[dict, dict[Key, Path]]:
    """``data`` with dotted-path ``values`` set (their origin is :data:`SET_ORIGIN`).

    Raises
    ------
    ScenarioError
        A path that is empty, goes through a value that is not a table, or
        names the same field as another (``posts.1`` and ``posts.01``).
    """
    table = json.loads(json.dumps(data, default=str))
    new_origins = dict(origins)
    seen: dict[tuple[str, ...], str] = {}
    for dotted_path, value in values.items():
        try:
            parts = dotted_parts(dotted_path)
        except ValueError as error:
            raise ScenarioError(SET_ORIGIN, str(error), key=str(dotted_path)) from None
        if parts in seen:
            raise ScenarioError(SET_ORIGIN, f"sets the same value as {seen[parts]!r}",
                                key=str(dotted_path))
        seen[parts] = str(dotted_path)
        try:
            set_dotted(table, parts, value)
        except ValueError as error:
            raise ScenarioError(path, str(error), key=str(dotted_path),
                                origin=SET_ORIGIN) from None
        for key in [k for k in new_origins if k[:len(parts)] == parts]:
            del new_origins[key]
        for end in range(1, len(parts) + 1):  # tables the path created are --set's too
            new_origins.setdefault(parts[:end], SET_ORIGIN)
        new_origins[parts] = SET_ORIGIN
    return table, new_origins


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


def is_full_size(name: str) -> bool:
    """Whether a bundled scenario is a place at its real size (see :data:`FULL_SIZE`)."""
    return name.endswith(FULL_SIZE)


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
              "# Written by youwei: every value explicit (an unset optional value is left "
              "out), no extends.\n\n")
    return header + tomli_w.dumps(_without_none(scenario.model_dump(mode="json")))


def _without_none(table: Mapping) -> dict:
    """``table`` without its ``None`` values (TOML has no null; they load back as unset)."""
    return {key: _without_none(value) if isinstance(value, Mapping) else value
            for key, value in table.items() if value is not None}


# --------------------------------------------------------------------------- reading


def read_resolved(path: Path, chain: Sequence[Path] = ()) -> tuple[dict, dict[Key, Path]]:
    """Read ``path`` and everything it extends or composes, merged into one table.

    Parameters
    ----------
    path : Path
        The scenario file.
    chain : sequence of Path
        Files already being resolved (children of ``path``), to detect cycles.

    Returns
    -------
    data : dict
        The merged table, without ``extends``, ``world`` and ``package``;
        ``name`` and ``description`` only if ``path`` itself sets them.
    origins : dict
        For every key path set in some file of the chain, the file that set
        the value in force.

    Raises
    ------
    ScenarioError
        As :func:`read_toml`; an empty file; a bad, cyclic or too long chain.
    """
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(path, f"extends chain longer than {MAX_EXTENDS_DEPTH} files "
                                  f"(starting at {chain[0].name})", key="extends")
    data = read_toml(path)
    if not set(data) - set(_META):
        raise ScenarioError(path, "empty scenario file: set at least one value, or start "
                                  "from the bundled baseline with extends = \"baseline\"")
    origins = {key: path for key in key_paths(data)}
    parent_ref = data.pop("extends", None)
    layer_refs = {layer: data.pop(layer) for layer in _LAYERS if layer in data}
    for key in ("extends", *_LAYERS):
        origins.pop((key,), None)
    merged: dict = {}
    merged_origins: dict[Key, Path] = {}
    if parent_ref is not None:
        parent = find_parent(parent_ref, path)
        check_not_in_chain(parent, path, chain, "extends")
        parent_data, parent_origins = read_resolved(parent, (*chain, path))
        merged, merged_origins = _inherit(parent_data, parent_origins)
    for layer, reference in layer_refs.items():
        layer_path = find_layer_file(reference, layer, child=path)
        check_not_in_chain(layer_path, path, chain, layer)
        layer_data, layer_origins = read_layer(layer_path, layer, (*chain, path))
        layer_data, layer_origins = _inherit(layer_data, layer_origins)
        blocks = _LAYERS[layer][1]  # a named world (package) replaces the parent's whole
        merged = {k: v for k, v in merged.items() if k not in blocks}
        merged_origins = {k: v for k, v in merged_origins.items() if k[0] not in blocks}
        merged = merge_tables(merged, layer_data)
        merged_origins.update(layer_origins)
    return merge_tables(merged, data), {**merged_origins, **origins}


def _inherit(data: dict, origins: dict[Key, Path]) -> tuple[dict, dict[Key, Path]]:
    """A parent's table and origins without what is not inherited (``name``, ``description``)."""
    data = {k: v for k, v in data.items() if k not in _NOT_INHERITED}
    return data, {k: v for k, v in origins.items() if k[0] not in _NOT_INHERITED}


def check_not_in_chain(target: Path, path: Path, chain: Sequence[Path], key: str) -> None:
    """Raise a cycle error when ``target`` is ``path`` or one of the files including it."""
    here = [p.resolve() for p in (*chain, path)]
    if target.resolve() in here:
        loop = " -> ".join(p.name for p in here[here.index(target.resolve()):] + [target])
        raise ScenarioError(path, f"{key} cycle: {loop}", key=key)


def read_layer(path: Path, layer: str, chain: Sequence[Path]) -> tuple[dict, dict[Key, Path]]:
    """A world or package file, resolved, holding only the blocks of its ``layer``.

    Raises
    ------
    ScenarioError
        A block the layer may not hold (``policy`` in a world file), a
        ``world``/``package`` key inside it, or anything :func:`read_resolved` raises.
    """
    _, allowed = _LAYERS[layer]
    raw = read_toml(path)
    for key in raw:
        if key in _LAYERS or (key not in allowed and key not in (*_META, "extends")):
            lines = key_lines(path)
            raise ScenarioError(path, f"a {layer} file holds only {', '.join(allowed)} "
                                      f"(and name, description, description_zh, extends)",
                                key=key, line=lines.get((key,)))
    return read_resolved(path, chain)


def find_layer_file(reference: object, layer: str, child: Path | None = None) -> Path:
    """The file named by ``world = reference`` (or ``package``) in ``child``.

    Relative to ``child``'s folder (or the working folder); a bare name missing
    there (``"ordos"``) is the bundled world or package of that name.
    """
    folder, _ = _LAYERS[layer]
    where = child if child is not None else Path(str(reference))
    if not isinstance(reference, str | Path) or not str(reference).strip():
        raise ScenarioError(where, f"expected a file name or the name of a bundled {layer}, "
                                   f"got {describe_value(reference)}", key=layer)
    candidate = Path(reference)
    if child is not None and not candidate.is_absolute():
        candidate = child.parent / candidate
    if candidate.is_file():
        return candidate
    text = str(reference)
    if Path(text).name == text:
        bundled = folder / (text if text.endswith(SUFFIX) else text + SUFFIX)
        if bundled.is_file():
            return bundled
    names = ", ".join(sorted(p.stem for p in folder.glob("*" + SUFFIX)))
    raise ScenarioError(where, f"no such {layer} file {text!r} (bundled {layer}s: {names})",
                        key=layer if child is not None else None)


def read_toml(path: Path) -> dict:
    """Parse one TOML file (UTF-8, a BOM is tolerated) into a dict.

    Raises
    ------
    ScenarioError
        Unreadable file, bytes that are not UTF-8, a TOML syntax error (with its
        line), or non-finite numbers (``nan``, ``inf``; every one, with its line).
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
    except RecursionError:
        raise ScenarioError(path, "invalid TOML (tables or arrays nested too deeply)") from None
    problems = [ScenarioError(path, f"expected a finite number, got {value}", key=dotted(key),
                              line=line_of(key, key_lines(path)))
                for key, value in leaf_values(data)
                if isinstance(value, float) and not math.isfinite(value)]
    if problems:
        raise combined(problems)
    return data


def combined(problems: Sequence[ScenarioError]) -> ScenarioError:
    """One :class:`ScenarioError` carrying up to :data:`MAX_ERRORS` problems."""
    first, *rest = problems[:MAX_ERRORS]
    return ScenarioError(first.path, first.problem, key=first.key, line=first.line,
                         origin=first.origin, more=rest)


def key_lines(path: Path) -> dict[tuple[str, ...], int]:
    """Line (1-based) of every key a TOML file sets, by dotted path; ``{}`` if unreadable.

    Follows ``[table]`` and ``[[array]]`` headers and dotted keys; keys inside
    inline tables and multi-line values are found through their parent key.
    """
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header:
            table = _key_parts(header.group(1))
            for end in range(1, len(table) + 1):
                found.setdefault(table[:end], number)
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            parts = (*table, *_key_parts(assignment.group(1)))
            for end in range(len(table) + 1, len(parts) + 1):
                found.setdefault(parts[:end], number)
    return found


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def _key_parts(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


def line_of(loc: Key, lines: Mapping[tuple[str, ...], int]) -> int | None:
    """The line of the longest prefix of ``loc`` found in ``lines``."""
    parts = tuple(str(part) for part in loc if isinstance(part, str | int))
    for end in range(len(parts), 0, -1):
        if parts[:end] in lines:
            return lines[parts[:end]]
    return None


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
        Every problem pydantic reports (up to :data:`MAX_ERRORS`), one line
        each, with the line of the file that set the key where it is known.
    """
    data = dict(data)
    data.setdefault("name", name_from_stem(path))
    try:
        return Scenario.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as error:
        origins = origins or {}
        lines: dict[Path, dict] = {}
        problems = [scenario_error(path, item, origins, lines)
                    for item in error.errors()[:MAX_ERRORS]]
        raise combined(problems) from None


def name_from_stem(path: Path) -> str:
    """``My-County.toml`` -> ``my_county`` (the pattern a scenario name must match)."""
    name = re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_")
    return name or "unnamed"


_BOUND_WORDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


def scenario_error(path: Path, error: Mapping, origins: Mapping[Key, Path],
                   lines: dict[Path, dict] | None = None) -> ScenarioError:
    """One pydantic error as a :class:`ScenarioError` naming the dotted key and the range.

    With ``lines`` (a cache, file -> :func:`key_lines`), the message also names
    the line that set the key, in ``path`` or in the parent file that set it.
    """
    loc: Key = tuple(error["loc"])
    is_table_key = bool(loc) and loc[-1] == "[key]"
    value_loc = loc[:-1] if is_table_key else loc
    key = dotted(value_loc) if value_loc else None
    origin = origin_of(value_loc, origins)
    line = None
    if lines is not None and value_loc:
        source = origin or path
        if source not in lines:
            lines[source] = key_lines(source) if source != SET_ORIGIN else {}
        line = line_of(value_loc, lines[source])
    where = {"key": key, "origin": origin, "line": line}
    kind = error["type"]
    got = describe_value(error.get("input"))
    if kind == "extra_forbidden":
        return ScenarioError(path, unknown_key_problem(value_loc), **where)
    if kind in ("value_error", "assertion_error"):  # a check_* across fields of a block
        message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return ScenarioError(path, message, **where)
    if kind == "missing":
        return ScenarioError(path, "expected a value here (required)", **where)
    if kind == "string_pattern_mismatch":
        expected = describe_pattern(str((error.get("ctx") or {}).get("pattern", "")))
    else:
        schema_loc = (*value_loc[:-1], "[key]") if is_table_key else value_loc
        expected = expected_at(schema_loc) or _lower_first(str(error["msg"]))
    if is_table_key:
        expected += " as the key"
    return ScenarioError(path, f"expected {expected}, got {got}", **where)


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
        return ["extends", *_LAYERS, *keys] if not loc else keys
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
