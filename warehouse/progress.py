"""Progress of long statements, reported to whoever is watching (the shell, the demo).

A session's ``progress`` attribute is ``None`` or a callable taking a ``Progress``; COPY and
UNLOAD call it as objects are read or written (at most every ``INTERVAL`` seconds, and once
with ``done=True``), and long queries call it from scans.  Reporting never blocks the work:
a callback that raises is dropped for the rest of the statement.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["INTERVAL", "Progress", "ProgressReporter"]

INTERVAL = 0.2  # seconds between reports


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running statement's work."""

    phase: str  # "copy", "unload" or "query"
    rows: int  # rows loaded / written / scanned so far
    bytes: int  # input bytes read (COPY) or output bytes written (UNLOAD)
    total_bytes: int | None  # the whole input's size, when known
    elapsed: float  # seconds since the statement started
    done: bool = False
    detail: str = ""  # e.g. the object being read


@dataclass
class ProgressReporter:
    """Accumulates rows and bytes and calls ``callback`` at most every ``INTERVAL`` seconds."""

    callback: Callable[[Progress], None] | None
    phase: str
    total_bytes: int | None = None
    rows: int = 0
    bytes: int = 0
    started: float = field(default_factory=time.perf_counter)
    _last: float = 0.0

    def add(self, rows: int = 0, nbytes: int = 0, detail: str = "") -> None:
        self.rows += rows
        self.bytes += nbytes
        now = time.perf_counter()
        if self.callback is not None and now - self._last >= INTERVAL:
            self._last = now
            self._emit(False, detail)

    def finish(self) -> None:
        if self.callback is not None:
            self._emit(True, "")

    def _emit(self, done: bool, detail: str) -> None:
        try:
            self.callback(Progress(self.phase, self.rows, self.bytes, self.total_bytes, time.perf_counter() - self.started, done, detail))  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - a broken watcher must not fail the statement
            self.callback = None
