"""Where text input can be cut into independent pieces, and fixed-width field slicing.

A chunk of delimited or CSV text may only be cut after a newline that ends a record: not
inside a quoted CSV field (which may hold newlines), and not after an escaped newline
(``\\`` + newline with COPY's ESCAPE).  ``record_end`` finds the last such cut point in a
buffer that starts at a record boundary.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["record_end", "count_newlines", "line_starts", "fixed_width_fields", "gather_ranges"]


@njit(nogil=True, cache=True)
def record_end(data, quote, escape):
    """Index just after the last record-ending newline in ``data``, or -1 if there is none.

    ``quote`` / ``escape`` are byte values, or -1 when the format has no quoting / escaping.
    """
    last = -1
    inside = False
    i = 0
    n = len(data)
    while i < n:
        c = data[i]
        if escape >= 0 and c == escape and not inside:
            i += 2
            continue
        if quote >= 0 and c == quote:
            inside = not inside
        elif c == 10 and not inside:
            last = i + 1
        i += 1
    return last


@njit(nogil=True, cache=True)
def count_newlines(data, end):
    """Newlines in ``data[:end]`` (a loop LLVM vectorises; no GIL held)."""
    count = 0
    for i in range(end):
        count += data[i] == 10
    return count


@njit(nogil=True, cache=True)
def line_starts(data):
    """Offsets where each line of ``data`` starts (the first is 0)."""
    count = 1
    for i in range(len(data)):
        if data[i] == 10 and i + 1 < len(data):
            count += 1
    out = np.empty(count, np.int64)
    out[0] = 0
    k = 1
    for i in range(len(data)):
        if data[i] == 10 and i + 1 < len(data):
            out[k] = i + 1
            k += 1
    return out


@njit(nogil=True, cache=True)
def fixed_width_fields(data, starts, ends, widths):
    """Field offsets for fixed-width lines: (field_starts[n, k], field_ends[n, k]).

    Line ``i`` spans ``data[starts[i]:ends[i]]`` (newline excluded); field ``j`` takes the
    next ``widths[j]`` bytes, cut short at the end of the line.  Widths count bytes.
    """
    n = len(starts)
    k = len(widths)
    fs = np.empty((n, k), np.int64)
    fe = np.empty((n, k), np.int64)
    for i in range(n):
        p = starts[i]
        e = ends[i]
        for j in range(k):
            fs[i, j] = p
            q = min(p + widths[j], e)
            fe[i, j] = q
            p = q
    return fs, fe


@njit(nogil=True, cache=True)
def gather_ranges(data, starts, lengths, total):
    """The byte ranges ``data[starts[i] : starts[i] + lengths[i]]`` laid end to end."""
    out = np.empty(total, np.uint8)
    p = 0
    for i in range(len(starts)):
        s = starts[i]
        for j in range(lengths[i]):
            out[p + j] = data[s + j]
        p += lengths[i]
    return out
