"""Dictionary (BYTEDICT/TEXT255): per-block distinct strings + narrow codes.

Payload: codes (uint8/16/32), then ndict+1 int32 offsets, then the UTF-8 bytes.
Params: (ndict, code width, nbytes).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

ID = 4
NAME = "dict"


def string_buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets rebased to 0 as int32, bytes as uint8) of an Arrow string array."""
    n = len(values)
    bufs = values.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1 + values.offset)[values.offset :]
    start = int(offsets[0]) if n + 1 else 0
    end = int(offsets[-1])
    data = np.frombuffer(bufs[2], dtype=np.uint8, count=end)[start:end] if bufs[2] is not None and end else np.empty(0, np.uint8)
    if start:
        offsets = offsets - np.int32(start)
    return offsets, data


def encode(block_dict: pa.Array, codes: np.ndarray) -> tuple[list, tuple[int, int, int]]:
    from warehouse.storage.encodings import UNSIGNED, width_for

    ndict = len(block_dict)
    width = max(width_for(ndict - 1), 1)
    offsets, data = string_buffers(block_dict)
    return [codes.astype(UNSIGNED[width]), offsets, data], (ndict, width, len(data))


def decode(payload: memoryview, params: tuple[int, int, int], n: int) -> tuple[pa.Array, np.ndarray | None, int]:
    """(block dictionary, int32 codes, payload bytes used)."""
    from warehouse.storage.encodings import UNSIGNED

    ndict, width, nbytes = params
    codes = np.frombuffer(payload, dtype=UNSIGNED[width], count=n).astype(np.int32)
    pos = n * width
    offsets = pa.py_buffer(payload[pos : pos + 4 * (ndict + 1)])
    pos += 4 * (ndict + 1)
    data = pa.py_buffer(payload[pos : pos + nbytes])
    values = pa.Array.from_buffers(pa.string(), ndict, [None, offsets, data])
    if n and ndict and int(codes.max()) >= ndict:
        msg = "dictionary code out of range"
        raise ValueError(msg)
    return values, codes, pos + nbytes
