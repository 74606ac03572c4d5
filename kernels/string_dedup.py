"""Distinct byte strings: codes for spans of a byte buffer, equal bytes <=> equal code.

Why: the engine's strings are codes into a dictionary of distinct values.  Parquet pages
written PLAIN (a writer's dictionary grew too large: names, addresses, comments) and the
per-row-group dictionaries met when chunks are concatenated must be hashed into one; Arrow's
``dictionary_encode`` and its Parquet dictionary reader take 40 to 70 ns a string, this
open-addressing table over 8-byte words about a third of that, without the GIL.

A string is ``data[starts[k]:ends[k]]``.  The hash is not stored anywhere: it may change.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels.hash_table import table_size
from kernels.hashing import _P1 as _K1, _P2 as _K2, fmix64
from kernels.unaligned import load8

__all__ = ["dedup_spans", "warm"]

_S29 = np.uint64(29)


@njit(nogil=True, cache=True, inline="always")
def _word(data, i, n):
    """``n`` (1 to 8) bytes from ``i``, little-endian."""
    w = np.uint64(0)
    for j in range(n):
        w |= np.uint64(data[i + j]) << np.uint64(8 * j)
    return w


@njit(nogil=True, cache=True, inline="always")
def _hash(data, s, e):
    h = np.uint64(e - s) * _K1
    i = s
    while i + 8 <= e:
        h ^= load8(data, i) * _K2
        h = (h << _S29) | (h >> np.uint64(64 - 29))
        h *= _K1
        i += 8
    if i < e:
        h ^= _word(data, i, e - i) * _K2
        h *= _K1
    return fmix64(h)


@njit(nogil=True, cache=True, inline="always")
def _same(data, a, b, n):
    i = 0
    while i + 8 <= n:
        if load8(data, a + i) != load8(data, b + i):
            return False
        i += 8
    while i < n:
        if data[a + i] != data[b + i]:
            return False
        i += 1
    return True


@njit(nogil=True, cache=True)
def dedup_spans(data, starts, ends):
    """(codes, firsts): ``codes[k]`` numbers span k's bytes in first-appearance order, and
    ``firsts[c]`` is the first span with code c (so the distinct strings are the spans
    ``firsts`` picks)."""
    n = starts.shape[0]
    size = table_size(n)
    mask = np.uint64(size - 1)
    slots = np.full(size, -1, np.int32)
    hashes = np.empty(n, np.uint64)  # per distinct string
    firsts = np.empty(n, np.int64)
    codes = np.empty(n, np.int32)
    distinct = 0
    for k in range(n):
        s = starts[k]
        e = ends[k]
        h = _hash(data, s, e)
        slot = h & mask
        while True:
            u = slots[slot]
            if u < 0:
                slots[slot] = distinct
                hashes[distinct] = h
                firsts[distinct] = k
                codes[k] = distinct
                distinct += 1
                break
            if hashes[u] == h:
                f = firsts[u]
                if ends[f] - starts[f] == e - s and _same(data, starts[f], s, e - s):
                    codes[k] = u
                    break
            slot = (slot + np.uint64(1)) & mask
    return codes, firsts[:distinct]


def warm() -> None:
    """Compile (or load from the cache) the signatures used: page bytes read-only or not,
    offsets int64 (Parquet spans) or int32 (Arrow string offsets widened by the caller)."""
    starts, ends = np.zeros(1, np.int64), np.ones(1, np.int64)
    dedup_spans(np.frombuffer(b"a", np.uint8), starts, ends)
    dedup_spans(np.zeros(1, np.uint8), starts, ends)
