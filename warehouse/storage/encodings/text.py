"""Text (RAW for strings): every value's UTF-8 bytes with int32 offsets.

Chosen for high-cardinality blocks, where a dictionary would not pay.  Params: (n, 0, nbytes).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

ID = 5
NAME = "text"


def encode(block_dict: pa.Array, codes: np.ndarray) -> tuple[list, tuple[int, int, int]]:
    from warehouse.storage.encodings.dictionary import string_buffers

    values = block_dict.take(pa.array(codes, pa.int32())) if len(block_dict) else pa.array([""] * len(codes), pa.string())
    offsets, data = string_buffers(values)
    return [offsets, data], (len(codes), 0, len(data))


def decode(payload: memoryview, params: tuple[int, int, int], n: int) -> tuple[pa.Array, None, int]:
    """(values, None meaning codes are 0..n-1, payload bytes used)."""
    _, _, nbytes = params
    offsets = pa.py_buffer(payload[: 4 * (n + 1)])
    data = pa.py_buffer(payload[4 * (n + 1) : 4 * (n + 1) + nbytes])
    values = pa.Array.from_buffers(pa.string(), n, [None, offsets, data])
    return values, None, 4 * (n + 1) + nbytes
