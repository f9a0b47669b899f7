"""Progress of long work, on stderr: a bar on a terminal, a line every ~10 s elsewhere.

On a terminal (``stderr.isatty()``) a tqdm bar shows done, failed, rate and
time left. Anywhere else (a log file, ``nohup``, a CI job, a pipe) a bar would
print nothing readable, so a plain line is written instead, at most every
:data:`LINE_SECONDS` and only once the work has run that long (short work stays
silent)::

    youwei: sweep s: 59 of 120 runs (49%), 0 failed, 2.9 runs/s, about 21 s left

Only the main process reports; workers return their results. Nothing here
changes results: progress goes to stderr only, never into an output file.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from typing import TextIO

LINE_SECONDS = 10.0
"""Seconds between two progress lines when stderr is not a terminal."""

BAR_DELAY_SECONDS = 2.0
"""A bar appears only once the work has taken this long (short work stays quiet)."""


class ProgressMode(StrEnum):
    """How progress is shown."""

    BAR = "bar"
    LINES = "lines"
    SILENT = "silent"


def default_mode(stream: TextIO | None = None) -> ProgressMode:
    """A bar when ``stream`` (default stderr) is a terminal, else lines."""
    return ProgressMode.BAR if is_terminal(stream or sys.stderr) else ProgressMode.LINES


def is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """Counts of work in progress, shown on ``stream``.

    Parameters
    ----------
    total : int >= 0
        Tasks in all (including ``done_before``).
    label : str
        What is running (``"sweep tolerance"``).
    done_before : int >= 0
        Tasks already done by an earlier, resumed run (not counted in the rate).
    unit : str
        Name of one task (``"run"``).
    mode : ProgressMode, optional
        Default :func:`default_mode`.
    stream : text stream, optional
        Default ``sys.stderr`` (looked up when created, so pytest's capture sees it).
    line_seconds : float > 0
        Seconds between lines in ``LINES`` mode.
    """

    def __init__(self, total: int, *, label: str, done_before: int = 0, unit: str = "run",
                 mode: ProgressMode | None = None, stream: TextIO | None = None,
                 line_seconds: float = LINE_SECONDS) -> None:
        self.total = int(total)
        self.label = label
        self.unit = unit
        self.done_before = int(done_before)
        self.done_now = 0
        self.failed = 0
        self.stream = stream or sys.stderr
        self.mode = default_mode(self.stream) if mode is None else ProgressMode(mode)
        self.line_seconds = line_seconds
        self.started = time.monotonic()
        self._last_line = self.started
        self._bar = None
        if self.mode is ProgressMode.BAR:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, initial=self.done_before, unit=unit,
                             desc=label, file=self.stream, dynamic_ncols=True, leave=False,
                             delay=BAR_DELAY_SECONDS)
            self._bar.set_postfix(failed=0)

    @property
    def finished(self) -> int:
        """Tasks done, before and now, failed or not."""
        return self.done_before + self.done_now

    def update(self, done: int = 1, failed: int = 0) -> None:
        """Count ``done`` more tasks, ``failed`` of them failed."""
        self.done_now += done
        self.failed += failed
        if self._bar is not None:
            self._bar.update(done)
            if failed:
                self._bar.set_postfix(failed=self.failed)
        self.tick()

    def tick(self) -> None:
        """Write a line if one is due (``LINES`` mode); call it while waiting, too."""
        if self.mode is not ProgressMode.LINES:
            return
        now = time.monotonic()
        if now - self._last_line >= self.line_seconds:
            self._last_line = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float | None = None) -> str:
        """``youwei: <label>: 840 of 1,792 runs (47%), 3 failed, 12.4 runs/s, about 1 min left``."""
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done_now / elapsed
        share = f" ({self.finished / self.total:.0%})" if self.total else ""
        text = (f"youwei: {self.label}: {self.finished:,} of {self.total:,} {self.unit}s{share}, "
                f"{self.failed:,} failed, {rate:,.1f} {self.unit}s/s")
        left = self.total - self.finished
        if rate > 0 and left > 0:
            text += f", about {duration(left / rate)} left"
        return text

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def duration(seconds: float) -> str:
    """``"42 s"``, ``"3 min 5 s"``, ``"2 h 14 min"``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
