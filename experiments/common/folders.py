"""Output folders that lose nothing: a lock per folder, previous outputs known by their manifest.

Three rules, shared by every command that writes a folder:

- **One writer.** A folder an experiment writes over time (a sweep, and every
  resumable experiment) is held with an exclusive lock (:func:`lock_folder`):
  the file ``.youwei.lock`` in it, locked with ``flock`` and naming the holder
  (pid, host, start time). A second run on the same folder refuses at once,
  naming the holder. The operating system releases the lock when the holder
  dies, even by ``kill -9``; the file is removed when the holder ends normally.
  ``flock`` is local to a machine (and unreliable on some network file
  systems): two machines must not share one output folder.
- **Ours, known by the manifest.** A folder is taken for a previous output only
  when its manifest says so (:func:`check_out_folder`): a JSON object carrying
  ``"youwei_output": "<kind>"`` and the list of files written (``"files"``).
  File names prove nothing: a user's own ``report.md``, ``summary.csv`` or a
  ``manifest.json`` without that signature is never replaced, and a previous
  output holding anything its manifest does not list is refused too, since
  replacing it would delete that file.
- **Whole or nothing.** A command writes into a hidden staging folder beside
  ``--out`` that replaces it only once complete (:func:`staging_dir`). The
  staging folder is locked while it lives; one left by a killed run (its lock
  free) is removed by the next run on the same ``--out``
  (:func:`clean_stale_staging`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from experiments.common.errors import InputError

LOCK_FILE = ".youwei.lock"
OUTPUT_KEY = "youwei_output"
"""Key of a manifest's signature: ``{"youwei_output": "sweep"}``."""

STAGING_SUFFIXES = (".partial", ".old")
HIDDEN_LEFTOVERS = (".tmp", ".partial", ".old", ".lock")
"""Hidden names ending so are youwei's own temporary files, never a user's."""

_LISTED_MAX = 12


class FolderInUse(InputError):
    """Another process holds the folder's lock (exit code 2)."""


# --------------------------------------------------------------------------- locks


def _try_flock(handle) -> bool:
    """Take an exclusive, non-blocking lock on an open file; False if another holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _open_locked(path: Path):
    """``path`` opened and locked, or None if another process holds it.

    After locking, the file must still be the one at ``path``: a holder that
    ended may have removed it between our open and our lock, and a lock on a
    removed file guards nothing.
    """
    while True:
        handle = open(path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        if not _try_flock(handle):
            handle.close()
            return None
        try:
            same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return handle
        handle.close()


def holder_of(path: Path) -> str:
    """``"pid 4242 on host-1, started 2026-12-07 09:41:02 UTC"``, from a lock file."""
    for _ in range(20):  # the holder writes its name just after locking
        try:
            info = json.loads(Path(path).read_text(encoding="utf-8"))
            return f"pid {info['pid']} on {info['host']}, started {info['started']}"
        except (OSError, ValueError, KeyError, TypeError):
            time.sleep(0.025)
    return "holder unknown"


@contextlib.contextmanager
def lock_folder(folder: Path, *, what: str = "this folder") -> Iterator[Path]:
    """Hold an exclusive lock on ``folder`` (created if missing) until the block ends.

    Parameters
    ----------
    folder : Path
        The experiment's ``--out`` folder.
    what : str
        How the refusal calls the other run (``"a sweep"``).

    Raises
    ------
    FolderInUse
        Another process holds the lock: one line naming its pid, host and start.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    handle = _open_locked(path)
    if handle is None:
        raise FolderInUse(folder, "a folder no other run is using", reason=(
            f"is in use by another youwei run ({holder_of(path)}): wait for it to end, or "
            f"choose another --out"))
    try:
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": started,
                "what": what}
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(info).encode("utf-8"))
        handle.flush()
        yield folder
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still locked: a waiting run re-checks the file it locked
        handle.close()


# --------------------------------------------------------------------------- previous outputs


def output_signature(kind: str) -> dict[str, str]:
    """The key-value pair that marks a manifest as a youwei output of ``kind``."""
    return {OUTPUT_KEY: kind}


def is_leftover(name: str) -> bool:
    """A hidden temporary name of ours (``.series.parquet.1a2b.tmp``, ``.youwei.lock``)."""
    return name == LOCK_FILE or (name.startswith(".") and name.endswith(HIDDEN_LEFTOVERS))


def read_manifest(path: Path) -> dict | None:
    """The JSON object in ``path``, or None if it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_ours(manifest: dict | None, kind: str,
            recognise: Callable[[dict], bool] | None = None) -> bool:
    """The manifest carries the signature of ``kind`` (or ``recognise`` accepts it)."""
    if manifest is None:
        return False
    if manifest.get(OUTPUT_KEY) == kind:
        return True
    return bool(recognise and recognise(manifest))


def check_out_folder(out: Path, kind: str, *, manifest: str = "manifest.json",
                     files: Iterable[str] | None = None,
                     recognise: Callable[[dict], bool] | None = None,
                     keep_others: bool = False) -> dict | None:
    """Raise unless ``out`` may be written: absent, empty, or a previous ``kind`` output.

    A previous output is recognised by its manifest only: the file ``manifest``
    holding a JSON object with ``"youwei_output": kind`` (or one ``recognise``
    accepts), and the folder holding nothing but the files that manifest lists
    in ``"files"`` (or ``files`` when it lists none), the manifest itself and
    our hidden temporary files.

    Parameters
    ----------
    out : Path
        The ``--out`` folder.
    kind : str
        ``"run"``, ``"comparison"``, ``"sweep"``, ``"proposal"``, ...
    manifest : str
        Name of the manifest file in the folder.
    files : iterable of str, optional
        Files of such an output, for a manifest that does not list them.
    recognise : callable, optional
        Accepts an older manifest without the signature (``proposal.json``).
    keep_others : bool
        The caller writes into the folder and never replaces it whole (a sweep):
        other files beside a previous output are then allowed, and left alone.

    Returns
    -------
    dict or None
        The previous output's manifest, or None for an absent or empty folder.

    Raises
    ------
    InputError
        ``out`` is a file, or holds anything else (one line naming what).
    """
    out = Path(out)
    if not out.exists():
        return None
    if not out.is_dir():
        raise InputError(out, "a folder for --out", got="a file")
    names = sorted(p.name for p in out.iterdir() if not is_leftover(p.name))
    if not names:
        return None
    previous = read_manifest(out / manifest) if manifest in names else None
    if not is_ours(previous, kind, recognise):
        why = (f"its {manifest} was not written by youwei ({kind})" if manifest in names
               else f"it has no {manifest} of a youwei {kind}")
        raise InputError(out, f"a new or empty folder for --out (or a previous youwei {kind})",
                         reason=f"holds files youwei did not write ({listed(names)}; {why}): "
                                f"choose another --out, or move them away")
    listed_files = previous.get("files")
    owned = set(listed_files if isinstance(listed_files, list) else (files or ()))
    owned.add(manifest)
    foreign = [name for name in names if name not in owned]
    if foreign and not keep_others:
        raise InputError(out, f"a previous youwei {kind} and nothing else",
                         reason=f"holds a previous youwei {kind} and files it did not write "
                                f"({listed(foreign)}): replacing the folder would delete "
                                f"them; choose another --out, or move them away")
    return previous


def listed(names: list[str]) -> str:
    shown = ", ".join(names[:_LISTED_MAX])
    if len(names) > _LISTED_MAX:
        shown += f", ... ({len(names)} in all)"
    return shown


# --------------------------------------------------------------------------- staging


def _staging_lock(staging: Path) -> Path:
    return staging.with_name(staging.name + ".lock")


@contextlib.contextmanager
def staging_dir(out: Path) -> Iterator[Path]:
    """Yield a hidden, locked sibling folder of ``out`` that replaces it on a clean exit.

    The parent of ``out`` is created if missing, and stale staging folders of
    earlier killed runs on ``out`` are removed first. On any exception the
    staging folder is removed and ``out`` is left as it was. Callers check
    ``out`` first (:func:`check_out_folder`): an existing folder is replaced whole.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(out)
    token = uuid.uuid4().hex[:12]
    staging = out.parent / f".{out.name}.{token}.partial"
    lock_path = _staging_lock(staging)
    handle = _open_locked(lock_path)  # a fresh name: nobody else holds it
    try:
        staging.mkdir()
        try:
            yield staging
            _replace(staging, out, out.parent / f".{out.name}.{token}.old")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        with contextlib.suppress(OSError):
            lock_path.unlink()
        if handle is not None:
            handle.close()


def _replace(new: Path, target: Path, old: Path) -> None:
    """Rename ``new`` to ``target``, replacing an existing ``target`` only on success."""
    if not target.exists():
        os.rename(new, target)
        return
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def clean_stale_staging(out: Path) -> list[Path]:
    """Remove the staging folders of ``out`` left by runs that were killed.

    A staging folder (``.<name>.<token>.partial``) or a replaced output waiting
    for removal (``.<name>.<token>.old``) is stale when no live process holds
    its lock (``.<name>.<token>.partial.lock``). A stale ``.old`` whose ``out``
    is missing (killed between the two renames) is put back as ``out``.

    Returns
    -------
    list of Path
        What was removed or restored.
    """
    out = Path(out)
    parent = out.parent
    if not parent.is_dir():
        return []
    cleaned = []
    prefix = f".{out.name}."
    for entry in sorted(parent.iterdir()):
        name = entry.name
        if not name.startswith(prefix) or not name.endswith(STAGING_SUFFIXES):
            continue
        token = name[len(prefix):].rsplit(".", 1)[0]
        if not token or "." in token:
            continue
        lock_path = parent / f"{prefix}{token}.partial.lock"
        handle = _open_locked(lock_path)
        if handle is None:
            continue  # a live run is writing it
        try:
            if name.endswith(".old") and not out.exists():
                os.rename(entry, out)
            else:
                shutil.rmtree(entry, ignore_errors=True)
            cleaned.append(entry)
            staging = parent / f"{prefix}{token}.partial"
            if not staging.exists() and not (parent / f"{prefix}{token}.old").exists():
                with contextlib.suppress(OSError):
                    lock_path.unlink()
        finally:
            handle.close()
    return cleaned
