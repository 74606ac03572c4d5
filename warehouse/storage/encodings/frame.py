"""Frame of reference: ``value - min`` in the narrowest unsigned int (AZ64/MOSTLYn-like).

Params: (base, width, 0); width 0 means a constant block with an empty payload.
"""

from __future__ import annotations

import numpy as np

ID = 1
NAME = "for"


def encode(values: np.ndarray, stats) -> tuple[list, tuple[int, int, int]]:
    from warehouse.storage.encodings import UNSIGNED, width_for

    base = stats.lo
    width = width_for(stats.hi - stats.lo)
    if width == 0:
        return [], (base, 0, 0)
    # wrapping arithmetic in the value's own dtype, then truncation: exact modulo 2**(8*width)
    narrow = (values - values.dtype.type(base)).astype(UNSIGNED[width])
    return [narrow], (base, width, 0)


def decode(payload: memoryview, params: tuple[int, int, int], out: np.ndarray) -> int:
    from warehouse.storage.encodings import UNSIGNED

    base, width, _ = params
    if width == 0:
        out[:] = base
        return 0
    narrow = np.frombuffer(payload, dtype=UNSIGNED[width], count=len(out))
    if width == 8:
        narrow = narrow.view(np.int64)  # keep integer arithmetic (uint64 + int64 is float)
    np.add(narrow, out.dtype.type(base), out=out, casting="unsafe")
    return len(out) * width
