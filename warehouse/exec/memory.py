"""Process memory policy for query execution.

Operators allocate and free column-sized arrays (tens of MB) many times per query.  glibc
serves such sizes with mmap and returns them to the OS on free, so every new array pays
page faults again (a third of TPC-H Q1's time at SF1).  Serving them from the heap and not
trimming it keeps freed memory for the next array.  Set WAREHOUSE_MALLOC_TUNE=0 to keep the
C library's defaults.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
DEFAULT_MMAP_MAX = 65536  # glibc's default
TRIM_THRESHOLD = 1 << 30  # keep up to 1 GiB of freed heap for reuse

_done = False
_applied = False


def tune_allocator() -> bool:
    """Apply the policy once per process (glibc on Linux only); True when applied."""
    global _done
    if _done:
        return True
    _done = True
    if os.environ.get("WAREHOUSE_MALLOC_TUNE", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    global _applied
    try:
        libc = ctypes.CDLL("libc.so.6")
        _applied = bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    except (OSError, AttributeError):
        _applied = False
    return _applied


@contextmanager
def fresh_allocations() -> Iterator[None]:
    """Bulk loads allocate memory once and keep it: growing the heap for that is slower
    than glibc's default (fresh mmap regions), so the default applies meanwhile."""
    if not _applied:
        yield
        return
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(M_MMAP_MAX, DEFAULT_MMAP_MAX)
    try:
        yield
    finally:
        libc.mallopt(M_MMAP_MAX, 0)
