"""Rows -> slices: KEY hashes the distkey, EVEN round-robins, ALL copies to each node.

``assign`` returns, per slice, the row indices (or a strided slice for EVEN) of the rows that
slice receives, in input order.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kernels import encodings as K
from warehouse.vector import Vector

try:
    from kernels.hashing import slice_of
except ImportError:  # pragma: no cover - fallback while kernels.hashing is being written

    def slice_of(keys: np.ndarray, nslices: int) -> np.ndarray:
        h = keys[:, 0].view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        return ((h >> np.uint64(32)) % np.uint64(nslices)).astype(np.int32)


AUTO_ALL_ROWS = 10_000


def key_as_int64(v: Vector) -> np.ndarray:
    """The distkey column as int64 hash input: strings by their UTF-8 bytes, floats by bits."""
    if v.type.is_string:
        d = v.dictionary
        if not pa.types.is_string(d.type):
            d = d.cast(pa.string())
        if len(d) == 0:
            keys = np.zeros(len(v.data), np.int64)
        else:
            bufs = d.buffers()
            offsets = np.frombuffer(bufs[1], dtype=np.int32, count=len(d) + 1 + d.offset)[d.offset :]
            data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(1, np.uint8)
            keys = K.hash_utf8(np.ascontiguousarray(offsets), data)[v.data]
    elif v.data.dtype == np.float64:
        keys = (v.data + 0.0).view(np.int64)  # + 0.0 folds -0.0 into 0.0
    elif v.data.dtype == np.float32:
        keys = (v.data + np.float32(0.0)).view(np.int32).astype(np.int64)
    else:
        keys = v.data.astype(np.int64)
    if v.valid is not None:
        keys = np.where(v.valid, keys, np.int64(0))
    return keys


def assign(style: str, n: int, nslices: int, nodes: int, key: Vector | None, cursor: int) -> list[np.ndarray | slice | None]:
    """Row selections per slice (None = no rows) for an effective style KEY/EVEN/ALL."""
    if style == "ALL":
        spn = nslices // nodes
        return [slice(0, n) if s % spn == 0 else None for s in range(nslices)]
    if style == "EVEN":
        return [slice((s - cursor) % nslices, n, nslices) for s in range(nslices)]
    keys = np.ascontiguousarray(key_as_int64(key)).reshape(-1, 1)
    slices = np.asarray(slice_of(keys, nslices))
    small = slices.astype(np.uint16 if nslices > 255 else np.uint8)
    order = np.argsort(small, kind="stable")  # radix sort: O(n)
    counts = np.bincount(small, minlength=nslices)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return [order[bounds[s] : bounds[s + 1]] for s in range(nslices)]
