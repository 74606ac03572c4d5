"""RAW: a numeric block stored as its in-memory bytes (LZ4 still applies)."""

from __future__ import annotations

import numpy as np

ID = 0
NAME = "raw"


def encode(values: np.ndarray, stats: object) -> tuple[list, tuple[int, int, int]]:
    return [np.ascontiguousarray(values)], (0, 0, 0)


def decode(payload: memoryview, params: tuple[int, int, int], out: np.ndarray) -> int:
    """Fill ``out``; return the number of payload bytes used."""
    nbytes = len(out) * out.dtype.itemsize
    out[:] = np.frombuffer(payload, dtype=out.dtype, count=len(out))
    return nbytes
