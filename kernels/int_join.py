"""Joins on one int64 key: a direct-address table when the build keys are dense, a
multiplicative-hash table otherwise.

Why a second join table: nearly every warehouse join is on one integer key (a surrogate
key, a date, several small keys packed into one by ``pack_keys``), and for those the general
table of ``kernels.hash_table`` pays for what it does not need: an avalanche hash of every
probe row and a second cache miss to compare the key.  Here:

- **direct** (build keys span at most ``DIRECT_SPAN_FACTOR`` times their count, or a small
  range): ``heads[key - lo]`` is the first build row with that key.  One lookup per probe
  row, no hash, no key comparison (every row in a chain has the same key).
- **hashed**: ``heads[(key * golden) >> shift]``, a Fibonacci hash of the key, chains
  compared against the build keys.  When the keys span at most ``BITMAP_SPAN`` values, a
  bitmap of them turns most probe rows without a match away before the hash table (a
  selective join's probe side is mostly such rows).

Chains list build rows in ascending order (rows are inserted last to first), so for one probe
row the matches come out in build order, as in ``kernels.join``.  Heads and chains are int32
(a build side is below 2**31 rows): half the cache footprint of int64.  The caller drops
NULL keys from both sides first (NULL never matches).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from kernels.join import _grow
from kernels.pool import pooled

DIRECT_SPAN_FACTOR = 4  # direct table when (max - min + 1) <= 4 * build rows ...
DIRECT_SMALL_SPAN = 1 << 18  # ... or when the span is this small (1 MB of heads, in cache) whatever the row count
BITMAP_SPAN = 1 << 24  # a hashed table over keys spanning at most this many values keeps a
# bitmap of them (2 MB, in cache): probe rows whose key is absent skip the hash table
_NO_BITS = np.zeros(0, dtype=np.uint64)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
BATCH = 1024


class IntTable(NamedTuple):
    """A built join table; ``keys`` are the build keys it was built on."""

    keys: np.ndarray  # int64[n]
    heads: np.ndarray  # int32[size]: first build row of a slot, -1 when none
    nexts: np.ndarray  # int32[n]: next build row of the same slot, -1 ends
    lo: int  # the smallest key
    shift: int  # hashed: 64 - log2(size); 0 marks a direct table
    unique: bool  # no key repeats: every probe row has at most one match
    bits: np.ndarray  # hashed: uint64 bitmap of (key - lo), empty when the span is too wide


@njit(nogil=True, cache=True)
def _slot(v, lo, size, shift):
    """The slot of key ``v``, or -1 when a direct table has no slot for it."""
    if shift == 0:
        d = v - lo
        if d < 0 or d >= size:
            return np.int64(-1)
        return d
    return np.int64((np.uint64(v) * _GOLDEN) >> np.uint64(shift))


@njit(nogil=True, cache=True, inline="always")
def _maybe(bits, v, lo):
    """False when the bitmap of a hashed table's keys (empty: none) rules ``v`` out."""
    if bits.shape[0] == 0:
        return True
    d = v - lo
    if d < 0 or d >= bits.shape[0] * 64:
        return False
    return (bits[d >> 6] >> np.uint64(d & 63)) & np.uint64(1) != 0


@njit(nogil=True, cache=True)
def _bitmap(keys, lo, words):
    bits = np.zeros(words, dtype=np.uint64)
    for i in range(keys.shape[0]):
        d = keys[i] - lo
        bits[d >> 6] |= np.uint64(1) << np.uint64(d & 63)
    return bits


@njit(nogil=True, cache=True)
def _build(keys, lo, size, shift):
    n = keys.shape[0]
    heads = np.full(size, -1, dtype=np.int32)
    nexts = np.empty(n, dtype=np.int32)
    unique = True
    for i in range(n - 1, -1, -1):
        b = _slot(keys[i], lo, size, shift)
        h = heads[b]
        if unique and h >= 0:
            if shift == 0:
                unique = False
            else:  # a hashed chain holds other keys too
                r = h
                while r >= 0 and keys[r] != keys[i]:
                    r = nexts[r]
                unique = r < 0
        nexts[i] = h
        heads[b] = i
    return heads, nexts, unique


def build(keys: np.ndarray) -> IntTable:
    """A join table over ``keys`` (int64, one per build row, no NULLs)."""
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    n = len(keys)
    if n >= 2**31 - 1:
        raise ValueError("a join's build side is limited to 2**31 - 1 rows")
    lo, span = 0, 0
    if n:
        lo, hi = int(keys.min()), int(keys.max())
        span = hi - lo + 1
        if span <= max(DIRECT_SPAN_FACTOR * n, DIRECT_SMALL_SPAN):
            heads, nexts, unique = _build(keys, np.int64(lo), np.int64(span), np.int64(0))
            return IntTable(keys, heads, nexts, lo, 0, bool(unique), _NO_BITS)
    width = max(1, int(2 * max(n, 1) - 1).bit_length())  # size = 2**width >= 2n
    heads, nexts, unique = _build(keys, np.int64(0), np.int64(1 << width), np.int64(64 - width))
    bits = _bitmap(keys, np.int64(lo), np.int64((span + 63) // 64)) if 0 < span <= BITMAP_SPAN else _NO_BITS
    return IntTable(keys, heads, nexts, lo, 64 - width, bool(unique), bits)


@njit(nogil=True, cache=True)
def _first(keys, heads, nexts, lo, shift, bits, probe, s, e, cand):
    """First matching build row (or -1) of probe rows ``s..e-1`` into ``cand``: all slots
    are looked up before any chain is walked, so the cache misses of a batch overlap."""
    size = heads.shape[0]
    for i in range(s, e):
        b = _slot(probe[i], lo, size, shift) if _maybe(bits, probe[i], lo) else -1
        cand[i - s] = heads[b] if b >= 0 else -1
    if shift != 0:
        for i in range(s, e):
            r = cand[i - s]
            v = probe[i]
            while r >= 0 and keys[r] != v:
                r = nexts[r]
            cand[i - s] = r


@njit(nogil=True, cache=True)
def _next(keys, nexts, shift, r, v):
    """The build row after ``r`` in its chain with key ``v``, or -1."""
    r = nexts[r]
    if shift != 0:
        while r >= 0 and keys[r] != v:
            r = nexts[r]
    return r


@njit(nogil=True, cache=True)
def _pairs(keys, heads, nexts, lo, shift, bits, unique, probe, left, pidx, bidx):
    """(probe row, build row) pairs in probe order; ``left`` adds (row, -1) for misses.
    ``pidx``/``bidx``: room for one pair per probe row, grown here when that is too few."""
    n = probe.shape[0]
    if unique and heads.shape[0] <= SMALL_TABLE:
        return _pairs_small(keys, heads, nexts, lo, shift, bits, probe, left, pidx, bidx)
    cand = np.empty(BATCH, dtype=np.int32)
    m = 0
    for s in range(0, n, BATCH):
        e = min(s + BATCH, n)
        _first(keys, heads, nexts, lo, shift, bits, probe, s, e, cand)
        if not unique:  # count the batch's pairs, then make room for them
            c = 0
            for i in range(s, e):
                r = cand[i - s]
                if left and r < 0:
                    c += 1
                while r >= 0:
                    c += 1
                    r = _next(keys, nexts, shift, r, probe[i])
            if m + c > pidx.shape[0]:
                pidx = _grow(pidx, m + c)
                bidx = _grow(bidx, m + c)
        m = _emit(keys, nexts, shift, probe, s, e, cand, left, pidx, bidx, m)
    if 4 * m >= 3 * pidx.shape[0]:
        return pidx[:m], bidx[:m]
    return pidx[:m].copy(), bidx[:m].copy()


SMALL_TABLE = 1 << 16  # heads of at most this many slots stay in cache: probe row by row


@njit(nogil=True, cache=True)
def _pairs_small(keys, heads, nexts, lo, shift, bits, probe, left, pidx, bidx):
    """``_pairs`` for a unique table small enough to stay in cache, in one pass."""
    size = heads.shape[0]
    m = 0
    for i in range(probe.shape[0]):
        v = probe[i]
        b = _slot(v, lo, size, shift) if _maybe(bits, v, lo) else -1
        r = heads[b] if b >= 0 else -1
        if shift != 0:
            while r >= 0 and keys[r] != v:
                r = nexts[r]
        if r >= 0 or left:
            pidx[m] = i
            bidx[m] = r
            m += 1
    if 4 * m >= 3 * pidx.shape[0]:
        return pidx[:m], bidx[:m]
    return pidx[:m].copy(), bidx[:m].copy()


@njit(nogil=True, cache=True)
def _emit(keys, nexts, shift, probe, s, e, cand, left, pidx, bidx, m):
    """Write the pairs of probe rows ``s..e-1`` from ``pidx/bidx[m]`` on; the new end.
    Apart from ``_pairs`` so the output pointers stay in registers in this loop."""
    for i in range(s, e):
        r = cand[i - s]
        if r < 0:
            if left:
                pidx[m] = i
                bidx[m] = -1
                m += 1
            continue
        while r >= 0:
            pidx[m] = i
            bidx[m] = r
            m += 1
            r = _next(keys, nexts, shift, r, probe[i])
    return m


@njit(nogil=True, cache=True)
def _semi(keys, heads, nexts, lo, shift, bits, probe):
    n = probe.shape[0]
    out = np.empty(n, dtype=np.bool_)
    cand = np.empty(BATCH, dtype=np.int32)
    for s in range(0, n, BATCH):
        e = min(s + BATCH, n)
        _first(keys, heads, nexts, lo, shift, bits, probe, s, e, cand)
        for i in range(s, e):
            out[i] = cand[i - s] >= 0
    return out


@njit(nogil=True, cache=True)
def _mark(keys, heads, nexts, lo, shift, bits, probe, matched):
    n = probe.shape[0]
    cand = np.empty(BATCH, dtype=np.int32)
    for s in range(0, n, BATCH):
        e = min(s + BATCH, n)
        _first(keys, heads, nexts, lo, shift, bits, probe, s, e, cand)
        for i in range(s, e):
            r = cand[i - s]
            if r >= 0 and not matched[r]:  # the rest of the chain was marked with it
                while r >= 0:
                    matched[r] = True
                    r = _next(keys, nexts, shift, r, probe[i])


def _probe_keys(probe: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(probe, dtype=np.int64)


def _run_pairs(t: IntTable, probe: np.ndarray, left: bool) -> tuple[np.ndarray, np.ndarray]:
    probe = _probe_keys(probe)
    room = max(len(probe), 16)
    return _pairs(t.keys, t.heads, t.nexts, np.int64(t.lo), np.int64(t.shift), t.bits, t.unique, probe, left,
                  pooled(room, np.int64), pooled(room, np.int64))


def inner_pairs(t: IntTable, probe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (probe row, build row) pairs with equal keys, in probe order (int64 arrays)."""
    return _run_pairs(t, probe, False)


def left_pairs(t: IntTable, probe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like ``inner_pairs``, plus (probe row, -1) for each probe row without a match."""
    return _run_pairs(t, probe, True)


def semi(t: IntTable, probe: np.ndarray) -> np.ndarray:
    """Per probe row: does some build row have its key (EXISTS / IN)."""
    return _semi(t.keys, t.heads, t.nexts, np.int64(t.lo), np.int64(t.shift), t.bits, _probe_keys(probe))


def mark_build_matches(t: IntTable, probe: np.ndarray, matched: np.ndarray) -> None:
    """Set ``matched[r]`` for every build row ``r`` some probe row matches (in place; only
    ever sets True, so chunks of the probe side may share ``matched``)."""
    if matched.dtype != np.bool_ or matched.shape[0] != t.keys.shape[0]:
        raise ValueError("matched must be a bool array with one entry per build row")
    _mark(t.keys, t.heads, t.nexts, np.int64(t.lo), np.int64(t.shift), t.bits, _probe_keys(probe), matched)


@njit(nogil=True, cache=True)
def _pack(mat, lo, width, out):
    n, k = mat.shape
    for i in range(n):
        v = np.int64(0)
        for j in range(k):
            d = mat[i, j] - lo[j]
            if d < 0 or d >= width[j]:
                v = np.int64(-1)
                break
            v = v * width[j] + d
        out[i] = v


PACK_LIMIT = 1 << 62


class KeyPacking(NamedTuple):
    """Several key columns as one int64, over the build side's range of each column."""

    lo: np.ndarray  # int64[k]
    width: np.ndarray  # int64[k]


def packing(build: np.ndarray) -> KeyPacking | None:
    """How to pack the columns of ``build`` (int64[n, k], k >= 2) into one int64 key, or None
    when the product of their ranges does not fit."""
    if build.shape[0] == 0:
        return None
    lo, hi = build.min(axis=0), build.max(axis=0)
    width = [int(h) - int(l) + 1 for l, h in zip(lo.tolist(), hi.tolist())]
    span = 1
    for w in width:
        span *= w
    if span >= PACK_LIMIT:
        return None
    return KeyPacking(lo.astype(np.int64), np.array(width, dtype=np.int64))


def pack_keys(p: KeyPacking, mat: np.ndarray) -> np.ndarray:
    """Rows of ``mat`` (int64[n, k]) as packed keys; -1 for a row outside the build side's
    ranges (it matches nothing: packed build keys are never negative)."""
    mat = np.ascontiguousarray(mat, dtype=np.int64)
    out = np.empty(mat.shape[0], dtype=np.int64)
    _pack(mat, p.lo, p.width, out)
    return out
