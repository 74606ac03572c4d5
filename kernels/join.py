"""Hash-join probes against a table from ``kernels.hash_table.build``.

All kernels walk the probe rows in order, so the output keeps probe order; for one probe
row the matching build rows come in ascending build order. When a probe row has the same key
as the row before it (clustered data, e.g. lineitem by l_orderkey) the previous row's first
match is reused without touching the hash table.

The inner/left joins probe in batches of ``BATCH`` rows: first matches for the batch
(staged so cache misses overlap), a count of the batch's pairs, then the pairs themselves;
the output starts at the probe size (exact for the common N:1 foreign-key join) and grows by
doubling between batches. When the output is at least 3/4 full it is returned as a view
rather than copied. The caller drops NULL keys from both sides before calling (NULL never matches).
"""

import numpy as np
from numba import njit

from kernels.hash_table import BATCH, _check, first_matches, next_match, rows_equal
from kernels.hashing import as_keys


@njit(nogil=True, cache=True)
def _grow(a, need):
    """Copy ``a`` into a larger array (at least double, at least ``need``)."""
    cap = max(2 * a.shape[0], need, 16)
    b = np.empty(cap, dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(nogil=True, cache=True)
def _count_batch(build_keys, nexts, probe_keys, s, e, cand, left):
    """Number of output pairs for probe rows ``s..e-1`` given their first matches."""
    c = 0
    for i in range(s, e):
        r = cand[i - s]
        if left and r < 0:
            c += 1
        while r >= 0:
            c += 1
            r = next_match(build_keys, nexts, r, probe_keys, i)
    return c


@njit(nogil=True, cache=True)
def _emit_batch(build_keys, nexts, probe_keys, s, e, cand, left, pidx, bidx, m):
    """Write the pairs of probe rows ``s..e-1`` at ``pidx/bidx[m:]``; return the new end.

    Kept apart from the growth logic: a kernel that may reassign its output arrays inside
    the hot loop runs about 2x slower (LLVM cannot keep their pointers in registers).
    """
    for i in range(s, e):
        r = cand[i - s]
        if left and r < 0:
            pidx[m] = i
            bidx[m] = -1
            m += 1
        while r >= 0:
            pidx[m] = i
            bidx[m] = r
            m += 1
            r = next_match(build_keys, nexts, r, probe_keys, i)
    return m


@njit(nogil=True, cache=True)
def _probe_join(build_keys, heads, nexts, mask, probe_keys, left):
    """Shared body of inner and left join.

    Per batch of probe rows: find first matches (``first_matches``), count the pairs
    (the chain walk warms the cache), grow the output if needed, then emit.

    Parameters
    ----------
    build_keys : int64[:, ::1]
    heads, nexts : int64[:]
    mask : int64
    probe_keys : int64[:, ::1]
    left : bool, emit (probe, -1) for probe rows without a match

    Returns
    -------
    probe_idx : int64[:]
    build_idx : int64[:]
    """
    n = probe_keys.shape[0]
    cap = max(n, 16)
    pidx = np.empty(cap, dtype=np.int64)
    bidx = np.empty(cap, dtype=np.int64)
    cand = np.empty(BATCH, dtype=np.int64)
    carry = np.int64(-1)
    m = 0
    for s in range(0, n, BATCH):
        e = min(s + BATCH, n)
        first_matches(build_keys, heads, nexts, mask, probe_keys, s, e, cand, carry)
        carry = cand[e - s - 1]
        c = _count_batch(build_keys, nexts, probe_keys, s, e, cand, left)
        if m + c > pidx.shape[0]:
            pidx = _grow(pidx, m + c)
            bidx = _grow(bidx, m + c)
        m = _emit_batch(build_keys, nexts, probe_keys, s, e, cand, left, pidx, bidx, m)
    if 4 * m >= 3 * pidx.shape[0]:
        return pidx[:m], bidx[:m]
    return pidx[:m].copy(), bidx[:m].copy()


@njit(nogil=True, cache=True)
def _semi_join(build_keys, heads, nexts, mask, probe_keys):
    """Per probe row: does any build row match.

    Parameters
    ----------
    build_keys : int64[:, ::1]
    heads, nexts : int64[:]
    mask : int64
    probe_keys : int64[:, ::1]

    Returns
    -------
    bool[:]
    """
    n = probe_keys.shape[0]
    out = np.empty(n, dtype=np.bool_)
    cand = np.empty(BATCH, dtype=np.int64)
    carry = np.int64(-1)
    for s in range(0, n, BATCH):
        e = min(s + BATCH, n)
        first_matches(build_keys, heads, nexts, mask, probe_keys, s, e, cand, carry)
        carry = cand[e - s - 1]
        for j in range(e - s):
            out[s + j] = cand[j] >= 0
    return out


@njit(nogil=True, cache=True)
def _mark_build_matches(build_keys, heads, nexts, mask, probe_keys, matched):
    """Set ``matched[r] = True`` for every build row ``r`` hit by some probe row.

    Parameters
    ----------
    build_keys : int64[:, ::1]
    heads, nexts : int64[:]
    mask : int64
    probe_keys : int64[:, ::1]
    matched : bool[:], len = number of build rows; updated in place (never cleared)

    Returns
    -------
    None
    """
    n = probe_keys.shape[0]
    cand = np.empty(BATCH, dtype=np.int64)
    carry = np.int64(-1)
    for s in range(0, n, BATCH):
        e = min(s + BATCH, n)
        first_matches(build_keys, heads, nexts, mask, probe_keys, s, e, cand, carry)
        carry = cand[e - s - 1]
        for i in range(s, e):
            if i > 0 and rows_equal(probe_keys, i, probe_keys, i - 1):
                continue
            r = cand[i - s]
            while r >= 0:
                matched[r] = True
                r = next_match(build_keys, nexts, r, probe_keys, i)


def _prep(build_keys, probe_keys):
    b, p = as_keys(build_keys), as_keys(probe_keys)
    _check(b, p)
    return b, p


def inner_join(build_keys, heads, nexts, mask, probe_keys):
    """All matching (probe row, build row) pairs, in probe order.

    Parameters
    ----------
    build_keys : int64[:, ::1], the keys ``build`` was called on
    heads, nexts, mask : from ``kernels.hash_table.build``
    probe_keys : int64[:, ::1], same number of columns, no NULL keys

    Returns
    -------
    probe_idx : int64[:]
    build_idx : int64[:]
    """
    b, p = _prep(build_keys, probe_keys)
    return _probe_join(b, heads, nexts, np.int64(mask), p, False)


def left_join(build_keys, heads, nexts, mask, probe_keys):
    """Like ``inner_join``, plus (probe row, -1) once for each probe row with no match.

    The caller passes probe rows with NULL keys separately (they never match: build_idx -1).

    Returns
    -------
    probe_idx : int64[:]
    build_idx : int64[:], -1 where the probe row had no match
    """
    b, p = _prep(build_keys, probe_keys)
    return _probe_join(b, heads, nexts, np.int64(mask), p, True)


def semi_join(build_keys, heads, nexts, mask, probe_keys):
    """Per probe row, True when some build row has the same key (EXISTS / IN).

    An anti join is ``~semi_join(...)`` (NOT IN's NULL rules are the caller's business).

    Returns
    -------
    bool[:]
    """
    b, p = _prep(build_keys, probe_keys)
    return _semi_join(b, heads, nexts, np.int64(mask), p)


def mark_build_matches(build_keys, heads, nexts, mask, probe_keys, matched):
    """Set ``matched[build_row] = True`` for build rows matched by any probe row.

    For RIGHT/FULL joins: call once per probe batch, then emit build rows still False.

    Parameters
    ----------
    matched : bool[:] of length len(build_keys), updated in place

    Returns
    -------
    None
    """
    b, p = _prep(build_keys, probe_keys)
    if matched.dtype != np.bool_ or matched.shape[0] != b.shape[0]:
        raise ValueError("matched must be a bool array with one entry per build row")
    _mark_build_matches(b, heads, nexts, np.int64(mask), p, matched)
