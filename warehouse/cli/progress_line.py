"""The live status line under a long statement, erased when the statement ends.

COPY and UNLOAD report ``Progress`` through ``session.progress`` (from the worker thread);
the main thread redraws the line every tick.  A statement that reports nothing shows a
spinner with its elapsed time once it has run for ``DELAY`` seconds (0.5, or
``$WAREHOUSE_PROGRESS_DELAY``), so short statements never flicker.  Only the interactive shell draws it; scripts never do.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from typing import TextIO

from warehouse.progress import Progress

DELAY = float(os.environ.get("WAREHOUSE_PROGRESS_DELAY", "0.5"))  # seconds before anything is drawn
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ASCII_SPINNER = "|/-\\"


class ProgressLine:
    """Draws one status line on ``stream``; call it with ``Progress`` (any thread), ``tick``
    and ``clear`` from the main thread."""

    def __init__(self, stream: TextIO, *, unicode: bool = True, delay: float = DELAY) -> None:
        self.stream = stream
        self.unicode = unicode
        self.delay = delay
        self.started = time.perf_counter()
        self._latest: Progress | None = None
        self._lock = threading.Lock()
        self._frame = 0
        self._drawn = False

    def __call__(self, progress: Progress, *_: object) -> None:
        """``session.progress`` callback: remember the latest report (drawn on the next tick)."""
        if isinstance(progress, Progress):
            with self._lock:
                self._latest = progress

    def start(self) -> None:
        self.started = time.perf_counter()
        with self._lock:
            self._latest = None

    def text(self, elapsed: float) -> str:
        """The line for the current state, without the terminal control codes."""
        spinner = SPINNER if self.unicode else ASCII_SPINNER
        mark = spinner[self._frame % len(spinner)]
        with self._lock:
            p = self._latest
        if p is None or p.done:
            return f"{mark} running{'…' if self.unicode else '...'} {elapsed:.1f} s  (Ctrl-C cancels)"
        parts = [f"{mark} {p.phase}", f"{p.rows:,} rows", _bytes(p.bytes, p.total_bytes), f"{max(elapsed, p.elapsed):.1f} s"]
        if p.detail:
            parts.append(p.detail)
        return " · ".join(parts) if self.unicode else " - ".join(parts)

    def tick(self) -> None:
        """Redraw the line (no-op until ``delay`` has passed)."""
        elapsed = time.perf_counter() - self.started
        if elapsed < self.delay:
            return
        self._frame += 1
        width = max(shutil.get_terminal_size().columns - 1, 10)
        line = self.text(elapsed)[:width]
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        """Erase the line, leaving the cursor where the line began."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False


def _bytes(done: int, total: int | None) -> str:
    text = _size(done)
    if total:
        text += f" of {_size(total)} ({100 * done / total:.0f}%)"
    return text


def _size(n: int) -> str:
    """Bytes in binary units, one decimal.

    >>> _size(512), _size(1536), _size(3 * 1024**3)
    ('512 B', '1.5 KB', '3.0 GB')
    """
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover
