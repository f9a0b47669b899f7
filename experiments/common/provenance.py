"""Provenance and atomic output folders, shared by the commands that write results.

Every command that writes a folder (``youwei allocate``, ``youwei run``, ...)
records what produced it (software versions, the command line, the inputs'
hashes) and writes the folder atomically: the files go into a temporary
sibling folder that replaces the target only once complete, so an interrupted
or failed run never leaves a half-written result. No timestamps are recorded:
the same command on the same inputs gives the same files.
"""

from __future__ import annotations

import contextlib
import enum
import math
import platform
from collections.abc import Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from experiments.common.errors import InputError

SIMULATION_SOFTWARE = ("youwei", "numpy", "pandas", "mesa", "highspy", "pydantic")
"""Packages whose versions shape a simulation's result."""

_LISTED_MAX = 12


def software_versions(packages: Iterable[str] = SIMULATION_SOFTWARE) -> dict[str, str]:
    """Versions of Python and of ``packages`` (``"not installed"`` when absent).

    Parameters
    ----------
    packages : iterable of str
        Distribution names, as ``importlib.metadata`` knows them.

    Returns
    -------
    dict
        ``{"python": "3.12.3", "numpy": "2.1.0", ...}``.
    """
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def to_json_safe(value: object) -> object:
    """Plain JSON values: enums to their value, numpy scalars to Python, inf/nan to None."""
    if isinstance(value, dict):
        return {str(k): to_json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [to_json_safe(v) for v in value]
    if isinstance(value, enum.Enum):
        return to_json_safe(value.value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def check_out_dir(out_dir: Path, owned: Iterable[str], what: str = "a previous result") -> None:
    """Raise unless ``out_dir`` is absent, empty, or holds only files named in ``owned``.

    Replacing a folder that holds anything else would delete the user's files.

    Parameters
    ----------
    out_dir : Path
        The ``--out`` folder.
    owned : iterable of str
        File names the command itself writes.
    what : str
        How the message calls a folder of such files (``"a previous run"``).

    Raises
    ------
    InputError
        ``out_dir`` is a file, or a folder holding other files.
    """
    out_dir = Path(out_dir)
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputError(out_dir, "a folder for --out", got="a file")
    owned = set(owned)
    foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in owned)
    if foreign:
        shown = ", ".join(foreign[:_LISTED_MAX])
        if len(foreign) > _LISTED_MAX:
            shown += f", ... ({len(foreign)} in all)"
        raise InputError(out_dir, f"a new or empty folder for --out (or one holding {what})",
                         got=f"a folder holding other files ({shown})")


@contextlib.contextmanager
def atomic_dir(out_dir: Path) -> Iterator[Path]:
    """Yield a temporary sibling folder of ``out_dir`` that replaces it on a clean exit.

    The parent of ``out_dir`` is created if missing. On any exception the
    temporary folder is removed and ``out_dir`` is left as it was. The same as
    :func:`experiments.common.folders.staging_dir`: the temporary folder is
    locked while it lives, and one left by a killed run is removed by the next. Callers
    check ``out_dir`` first (``check_out_dir``): an existing folder is replaced
    whole.

    Examples
    --------
    >>> with atomic_dir(out) as staging:  # doctest: +SKIP
    ...     (staging / "manifest.json").write_text("{}")
    """
    from experiments.common.folders import staging_dir  # locked, cleans stale staging

    with staging_dir(out_dir) as staging:
        yield staging


def command_line(command: Sequence[str] | None) -> list[str] | None:
    """The command line as a list of strings, or None when not known."""
    return None if command is None else [str(part) for part in command]
