"""PostgreSQL wire-protocol row framing: DataRow messages and COPY text lines.

Columns arrive already encoded as bytes (text or binary format, see
``warehouse/server/types_wire.py``): one ``data`` buffer shared by all columns, per-column
``offs[c, r] .. offs[c, r + 1]`` byte ranges into it, and ``isnull[c, r]``.  The kernels
lay the messages out in one pass to size them and one pass to copy, so a result of a
million rows is framed without a Python-level loop per value.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def _put_i32(out, p, v):
    out[p] = (v >> 24) & 0xFF
    out[p + 1] = (v >> 16) & 0xFF
    out[p + 2] = (v >> 8) & 0xFF
    out[p + 3] = v & 0xFF


@njit(nogil=True, cache=True)
def data_rows(offs, isnull, data):
    """DataRow ('D') messages for every row: int32 length, int16 column count, then per
    column int32 length (-1 for NULL) and the bytes.

    offs : int64[k, n + 1]; isnull : bool[k, n]; data : uint8[m].  Returns uint8[total].
    """
    k = offs.shape[0]
    n = isnull.shape[1]
    total = 0
    for r in range(n):
        size = 7 + 4 * k
        for c in range(k):
            if not isnull[c, r]:
                size += offs[c, r + 1] - offs[c, r]
        total += size
    out = np.empty(total, np.uint8)
    p = 0
    for r in range(n):
        out[p] = 68  # 'D'
        q = p + 7
        for c in range(k):
            if isnull[c, r]:
                _put_i32(out, q, -1)
                q += 4
            else:
                a = offs[c, r]
                b = offs[c, r + 1]
                _put_i32(out, q, b - a)
                q += 4
                for i in range(a, b):
                    out[q] = data[i]
                    q += 1
        _put_i32(out, p + 1, q - p - 1)
        out[p + 5] = (k >> 8) & 0xFF
        out[p + 6] = k & 0xFF
        p = q
    return out


@njit(nogil=True, cache=True)
def text_lines(offs, isnull, data, delimiter, null_bytes):
    """COPY ... TO STDOUT text lines: fields joined by ``delimiter`` (one byte), NULL as
    ``null_bytes``, each line ending in a newline.  Values must already be escaped."""
    k = offs.shape[0]
    n = isnull.shape[1]
    nl = null_bytes.shape[0]
    total = 0
    for r in range(n):
        total += k  # delimiters and the newline
        for c in range(k):
            if isnull[c, r]:
                total += nl
            else:
                total += offs[c, r + 1] - offs[c, r]
    out = np.empty(total, np.uint8)
    q = 0
    for r in range(n):
        for c in range(k):
            if c > 0:
                out[q] = delimiter
                q += 1
            if isnull[c, r]:
                for i in range(nl):
                    out[q] = null_bytes[i]
                    q += 1
            else:
                for i in range(offs[c, r], offs[c, r + 1]):
                    out[q] = data[i]
                    q += 1
        out[q] = 10
        q += 1
    return out
