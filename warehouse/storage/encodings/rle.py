"""Run-length: run values (raw dtype) followed by run lengths (narrow unsigned).

Params: (nruns, length width, 0).  Floats are compared by bit pattern so -0.0 and NaN survive.
"""

from __future__ import annotations

import numpy as np

from kernels import encodings as K

ID = 3
NAME = "rle"


def encode(values: np.ndarray, stats) -> tuple[list, tuple[int, int, int]]:
    from warehouse.storage.encodings import UNSIGNED, bits_view, width_for

    bits = bits_view(values)
    nruns, maxrun = stats.nruns, stats.maxrun
    width = max(width_for(maxrun), 1)
    run_values = np.empty(nruns, dtype=bits.dtype)
    run_lengths = np.empty(nruns, dtype=UNSIGNED[width])
    K.rle_encode(bits, nruns, run_values, run_lengths)
    return [run_values, run_lengths], (nruns, width, 0)


def decode(payload: memoryview, params: tuple[int, int, int], out: np.ndarray) -> int:
    from warehouse.storage.encodings import UNSIGNED, bits_view

    nruns, width, _ = params
    target = bits_view(out)
    vbytes = nruns * target.dtype.itemsize
    run_values = np.frombuffer(payload, dtype=target.dtype, count=nruns)
    run_lengths = np.frombuffer(payload, dtype=UNSIGNED[width], count=nruns, offset=vbytes)
    if int(run_lengths.sum(dtype=np.int64)) != len(out):
        msg = "run lengths do not add up to the block's row count"
        raise ValueError(msg)
    K.rle_decode(run_values, run_lengths, target)
    return vbytes + nruns * width
