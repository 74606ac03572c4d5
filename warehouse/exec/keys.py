"""Vectors -> int64 key matrices, the one key format the hash kernels take.

Integers, dates, timestamps, decimals and booleans are their values; strings are
dictionary codes (vectors compared across relations are first given one dictionary);
floats are their bit patterns (with -0.0 folded onto 0.0).
"""

from __future__ import annotations

import numpy as np

from warehouse.vector import Vector, unify_dictionaries


def key_column(v: Vector) -> np.ndarray:
    """One vector as int64 values (nulls are left as whatever the data holds)."""
    d = v.data
    if d.dtype == np.int64:
        return d
    if d.dtype.kind == "f":
        f = d.astype(np.float64, copy=False) + 0.0  # folds -0.0
        return f.view(np.int64)
    return d.astype(np.int64)


def key_matrix(vectors: list[Vector]) -> np.ndarray:
    """A C-contiguous (n, k) int64 matrix of the key columns."""
    n = len(vectors[0]) if vectors else 0
    if len(vectors) == 1:
        return np.ascontiguousarray(key_column(vectors[0]).reshape(n, 1))
    out = np.empty((n, len(vectors)), dtype=np.int64)
    for j, v in enumerate(vectors):
        out[:, j] = key_column(v)
    return out


def any_null(vectors: list[Vector]) -> np.ndarray | None:
    """True where any key is NULL; None when no key has nulls."""
    mask = None
    for v in vectors:
        if v.valid is not None:
            m = ~v.valid
            mask = m if mask is None else (mask | m)
    return mask


PACK_LIMIT = 1 << 62


def _packed(cols: list[np.ndarray]) -> np.ndarray | None:
    """Several key columns as one int64 (mixed radix over their value ranges), when the
    product of the ranges fits: one-column keys take the kernels' direct-index fast path."""
    if len(cols) < 2 or len(cols[0]) == 0:
        return None
    out = None
    span = 1
    for c in cols:
        lo, hi = int(c.min()), int(c.max())
        width = hi - lo + 1
        span *= width
        if span >= PACK_LIMIT:
            return None
        shifted = c - lo if lo else c
        out = shifted.copy() if out is None else out * width + shifted
    return out


def group_key_matrix(vectors: list[Vector]) -> np.ndarray:
    """Keys for grouping: NULL is a value of its own (an extra 0/1 column per nullable key).

    Callers only need equal rows to get equal keys, so narrow columns are packed into one.
    """
    cols: list[np.ndarray] = []
    for v in vectors:
        k = key_column(v)
        if v.valid is not None and not v.valid.all():
            k = np.where(v.valid, k, 0)
            cols.append(k)
            cols.append(v.valid.astype(np.int64))
        else:
            cols.append(k)
    n = len(vectors[0]) if vectors else 0
    if len(cols) == 1:
        return np.ascontiguousarray(cols[0].reshape(n, 1))
    packed = _packed(cols)
    if packed is not None:
        return packed.reshape(n, 1)
    out = np.empty((n, len(cols)), dtype=np.int64)
    for j, c in enumerate(cols):
        out[:, j] = c
    return out


def align_pair(left: list[Vector], right: list[Vector]) -> tuple[list[Vector], list[Vector]]:
    """Give string keys of both sides one dictionary so codes compare."""
    lo, ro = list(left), list(right)
    for i, (a, b) in enumerate(zip(left, right)):
        if a.type.is_string and b.type.is_string and a.dictionary is not b.dictionary:
            lo[i], ro[i] = unify_dictionaries([a, b])
    return lo, ro
