"""Delta: the first value, then successive differences as a frame of reference (sorted ints).

Params: (first, dmin, width).
"""

from __future__ import annotations

import numpy as np

from kernels import encodings as K

ID = 2
NAME = "delta"


def encode(values: np.ndarray, stats) -> tuple[list, tuple[int, int, int]]:
    from warehouse.storage.encodings import UNSIGNED, width_for

    n = len(values)
    if n == 0:
        return [], (0, 0, 0)
    first = int(values[0])
    width = width_for(stats.dmax - stats.dmin) if n > 1 else 0
    if width == 0:
        return [], (first, stats.dmin, 0)
    out = np.empty(n - 1, dtype=UNSIGNED[width])
    K.delta_encode(values, np.int64(stats.dmin), out)
    return [out], (first, stats.dmin, width)


def decode(payload: memoryview, params: tuple[int, int, int], out: np.ndarray) -> int:
    from warehouse.storage.encodings import UNSIGNED

    first, dmin, width = params
    n = len(out)
    if n == 0:
        return 0
    if width == 0:
        out[:] = (np.arange(n, dtype=np.int64) * dmin + first).astype(out.dtype)
        return 0
    deltas = np.frombuffer(payload, dtype=UNSIGNED[width], count=n - 1)
    K.delta_decode(np.int64(first), deltas, np.int64(dmin), out)
    return (n - 1) * width
