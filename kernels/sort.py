"""Stable multi-key argsort for ORDER BY, and ``top_n`` for ORDER BY ... LIMIT n.

Key convention: the caller passes one 1-D array per ORDER BY key, primary key first:
int64 (integers, dates, timestamps, scaled decimals, dictionary codes whose dictionary is
sorted) or float64; plus per key a ``descending`` flag, a ``nulls_first`` flag and an
optional ``nulls`` bool mask (True = NULL; the value under a NULL is ignored).
Redshift's default is NULLS LAST for ASC and NULLS FIRST for DESC; the caller resolves the
default and passes explicit flags.

Each key is encoded to an int64 whose ascending order is the wanted order: floats via their
IEEE bits (sign-flipped so the integer order is the numeric order; -0.0 equals 0.0; every NaN
is one value above +inf, as in PostgreSQL), descending via bitwise NOT (exact for INT64_MIN,
unlike negation), and NULLs through an extra 0/1 column in front of the key. Ties keep input
order (stable).
"""

import numpy as np
from numba import njit

_LOW63 = np.int64(0x7FFFFFFFFFFFFFFF)


@njit(nogil=True, cache=True)
def _float_key(x, descending):
    """Order-preserving int64 image of float64 values.

    Parameters
    ----------
    x : float64[:]
    descending : bool

    Returns
    -------
    int64[:]
    """
    n = x.shape[0]
    out = np.empty(n, dtype=np.int64)
    bits = x.view(np.int64)
    for i in range(n):
        v = x[i]
        if v != v:
            b = np.int64(0x7FF8000000000000)
        elif v == 0.0:
            b = np.int64(0)
        else:
            b = bits[i]
        if b < 0:
            b = b ^ _LOW63
        out[i] = ~b if descending else b
    return out


def _encode(columns, descending, nulls_first, nulls):
    """Encoded int64 sort columns, primary first."""
    ncol = len(columns)
    descending = [False] * ncol if descending is None else list(descending)
    nulls_first = [False] * ncol if nulls_first is None else list(nulls_first)
    nulls = [None] * ncol if nulls is None else list(nulls)
    if not (len(descending) == len(nulls_first) == len(nulls) == ncol):
        raise ValueError("one descending/nulls_first/nulls entry per key column")
    out = []
    for col, desc, nf, nm in zip(columns, descending, nulls_first, nulls, strict=True):
        col = np.asarray(col)
        if col.dtype.kind == "f":
            key = _float_key(np.ascontiguousarray(col, dtype=np.float64), bool(desc))
        elif col.dtype.kind in "iub":
            key = col.astype(np.int64, copy=False)
            if desc:
                key = ~key
        else:
            raise TypeError(f"sort keys must be int or float arrays, got {col.dtype}")
        if nm is not None:
            nm = np.asarray(nm, dtype=np.bool_)
            if nm.any():
                key = np.where(nm, 0, key)
                out.append(nm != bool(nf))  # False sorts first
        out.append(key)
    return out


def _check_len(columns):
    if len(columns) == 0:
        raise ValueError("at least one sort key")
    n = len(columns[0])
    for c in columns:
        if len(c) != n:
            raise ValueError("sort key columns differ in length")
    return n


def argsort_keys(columns, descending=None, nulls_first=None, nulls=None):
    """Stable argsort by several keys.

    Parameters
    ----------
    columns : list of 1-D int or float arrays (primary key first), or a 2-D int64 array
        whose columns are the keys
    descending : list of bool per key (default all False)
    nulls_first : list of bool per key (default all False)
    nulls : list of (bool[:] or None) per key, True = NULL (default no NULLs)

    Returns
    -------
    int64[:], row order
    """
    columns = _columns(columns)
    _check_len(columns)
    enc = _encode(columns, descending, nulls_first, nulls)
    if len(enc) == 1:
        return np.argsort(enc[0], kind="stable").astype(np.int64, copy=False)
    # np.lexsort sorts by the last key first and is stable
    return np.lexsort(enc[::-1]).astype(np.int64, copy=False)


def _columns(columns):
    if isinstance(columns, np.ndarray) and columns.ndim == 2:
        return [columns[:, j] for j in range(columns.shape[1])]
    return list(columns)


def top_n(columns, n, descending=None, nulls_first=None, nulls=None):
    """The first ``n`` rows of ``argsort_keys(...)``, without sorting everything.

    Partitions on the primary encoded key to find the n-th smallest value, keeps every row
    whose primary key is <= that value (all ties included, so the result equals the full
    stable sort), and sorts only those candidates.

    Parameters
    ----------
    columns, descending, nulls_first, nulls : as for ``argsort_keys``
    n : int >= 0

    Returns
    -------
    int64[:] of length min(n, rows)
    """
    columns = _columns(columns)
    total = _check_len(columns)
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    enc = _encode(columns, descending, nulls_first, nulls)
    if n >= total or total < 1024:
        order = np.lexsort(enc[::-1]) if len(enc) > 1 else np.argsort(enc[0], kind="stable")
        return order[:n].astype(np.int64, copy=False)
    first = enc[0]
    if first.dtype == np.bool_:
        first = first.astype(np.int64)
    kth = np.partition(first, n - 1)[n - 1]
    cand = np.flatnonzero(first <= kth)
    sub = [e[cand] for e in enc]
    order = np.lexsort(sub[::-1]) if len(sub) > 1 else np.argsort(sub[0], kind="stable")
    return cand[order[:n]].astype(np.int64, copy=False)


@njit(nogil=True, cache=True)
def counting_argsort(keys, lo, hi):
    """Stable argsort of integer ``keys`` all within [lo, hi], in O(n + hi - lo).

    For narrow key ranges (dates, small codes) this beats a comparison sort by an order of
    magnitude; callers check the range first.
    """
    width = hi - lo + 1
    counts = np.zeros(width + 1, np.int64)
    for i in range(len(keys)):
        counts[keys[i] - lo + 1] += 1
    for j in range(1, width + 1):
        counts[j] += counts[j - 1]
    out = np.empty(len(keys), np.int64)
    for i in range(len(keys)):
        k = keys[i] - lo
        out[counts[k]] = i
        counts[k] += 1
    return out
