"""A chained hash table over the build-side keys of a join (or any key lookup).

Layout: ``heads[h & mask]`` holds the first build row of bucket ``h & mask`` (or -1) and
``nexts[row]`` the next build row in the same bucket (-1 ends the chain). ``heads`` has a
power-of-two size >= 2n, so chains are short. Rows are inserted from last to first, so every
chain lists build rows in ascending row order: matches come out in build order.
The table holds row numbers only; the keys stay in the caller's ``keys[n, k]`` array and
are passed again to every probe.
"""

import numpy as np
from numba import njit

from kernels.hashing import as_keys, hash_row


@njit(nogil=True, cache=True)
def rows_equal(a, i, b, j):
    """True when row ``i`` of ``a`` and row ``j`` of ``b`` hold the same key.

    Parameters
    ----------
    a, b : int64[:, ::1] with the same number of columns
    i, j : int

    Returns
    -------
    bool
    """
    for c in range(a.shape[1]):
        if a[i, c] != b[j, c]:
            return False
    return True


@njit(nogil=True, cache=True)
def table_size(n):
    """Smallest power of two >= 2n (at least 2).

    Parameters
    ----------
    n : int

    Returns
    -------
    int64
    """
    size = np.int64(2)
    while size < 2 * n:
        size *= 2
    return size


@njit(nogil=True, cache=True)
def _build(keys):
    """Build heads/nexts over every row of ``keys``.

    Parameters
    ----------
    keys : int64[:, ::1]

    Returns
    -------
    heads : int64[:]
    nexts : int64[:]
    mask : int64
    """
    n = keys.shape[0]
    size = table_size(n)
    mask = size - 1
    umask = np.uint64(mask)
    heads = np.full(size, -1, dtype=np.int64)
    nexts = np.empty(n, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        b = np.int64(hash_row(keys, i) & umask)
        nexts[i] = heads[b]
        heads[b] = i
    return heads, nexts, mask


@njit(nogil=True, cache=True)
def find(build_keys, heads, nexts, mask, probe_keys, i):
    """First build row whose key equals probe row ``i``, or -1.

    Parameters
    ----------
    build_keys : int64[:, ::1]
    heads, nexts : int64[:]
    mask : int64
    probe_keys : int64[:, ::1]
    i : int

    Returns
    -------
    int64
    """
    r = heads[np.int64(hash_row(probe_keys, i) & np.uint64(mask))]
    while r >= 0:
        if rows_equal(build_keys, r, probe_keys, i):
            return r
        r = nexts[r]
    return r


@njit(nogil=True, cache=True)
def next_match(build_keys, nexts, r, probe_keys, i):
    """Next build row after ``r`` (in its chain) whose key equals probe row ``i``, or -1.

    Parameters
    ----------
    build_keys : int64[:, ::1]
    nexts : int64[:]
    r : int64, a build row matching probe row ``i``
    probe_keys : int64[:, ::1]
    i : int

    Returns
    -------
    int64
    """
    r = nexts[r]
    while r >= 0:
        if rows_equal(build_keys, r, probe_keys, i):
            return r
        r = nexts[r]
    return r


BATCH = 1024


@njit(nogil=True, cache=True)
def first_matches(build_keys, heads, nexts, mask, probe_keys, s, e, cand, carry):
    """First matching build row (or -1) for probe rows ``s..e-1``, written to ``cand[:e-s]``.

    Probing runs in stages over a batch (hash, gather heads, walk chains) so that the
    cache misses of different rows overlap instead of queueing behind each other; a
    row-at-a-time probe is about 4x slower on tables larger than the cache. A row equal
    to the row before it reuses that row's answer (``carry`` is the answer for row s-1).

    Parameters
    ----------
    build_keys : int64[:, ::1]
    heads, nexts : int64[:]
    mask : int64
    probe_keys : int64[:, ::1]
    s, e : int, probe row range, e - s <= len(cand)
    cand : int64[:], output; -2 never remains in it
    carry : int64, first match of probe row s-1 (ignored when s == 0)

    Returns
    -------
    None
    """
    umask = np.uint64(mask)
    k = probe_keys.shape[1]
    for i in range(s, e):
        if i > 0 and rows_equal(probe_keys, i, probe_keys, i - 1):
            cand[i - s] = -2
        else:
            cand[i - s] = np.int64(hash_row(probe_keys, i) & umask)
    for j in range(e - s):
        b = cand[j]
        if b >= 0:
            cand[j] = heads[b]
    if k == 1:
        for j in range(e - s):
            r = cand[j]
            if r >= 0:
                v = probe_keys[s + j, 0]
                while r >= 0 and build_keys[r, 0] != v:
                    r = nexts[r]
                cand[j] = r
    else:
        for j in range(e - s):
            r = cand[j]
            if r >= 0:
                while r >= 0 and not rows_equal(build_keys, r, probe_keys, s + j):
                    r = nexts[r]
                cand[j] = r
    prev = carry
    for j in range(e - s):
        if cand[j] == -2:
            cand[j] = prev
        prev = cand[j]


@njit(nogil=True, cache=True)
def _lookup_first(build_keys, heads, nexts, mask, probe_keys):
    """First matching build row for each probe row (-1 when none).

    Parameters
    ----------
    build_keys : int64[:, ::1]
    heads, nexts : int64[:]
    mask : int64
    probe_keys : int64[:, ::1]

    Returns
    -------
    int64[:]
    """
    n = probe_keys.shape[0]
    out = np.empty(n, dtype=np.int64)
    carry = np.int64(-1)
    for s in range(0, n, BATCH):
        e = min(s + BATCH, n)
        first_matches(build_keys, heads, nexts, mask, probe_keys, s, e, out[s:e], carry)
        carry = out[e - 1]
    return out


def build(keys):
    """Build a chained hash table over the rows of ``keys``.

    Parameters
    ----------
    keys : int64[:, ::1] (a 1-D int array is one column); no NULLs (the caller drops them)

    Returns
    -------
    heads : int64[:], power-of-two size >= 2n; first build row of each bucket or -1
    nexts : int64[:], next build row in the same bucket or -1
    mask : int, ``len(heads) - 1``
    """
    heads, nexts, mask = _build(as_keys(keys))
    return heads, nexts, int(mask)


def lookup_first(build_keys, heads, nexts, mask, probe_keys):
    """For each probe row, the first (lowest) matching build row, or -1.

    Useful for joins against a unique key and for IN lists / scalar lookups.

    Parameters
    ----------
    build_keys : int64[:, ::1], the keys the table was built on
    heads, nexts, mask : from ``build``
    probe_keys : int64[:, ::1], same number of columns

    Returns
    -------
    int64[:]
    """
    b, p = as_keys(build_keys), as_keys(probe_keys)
    _check(b, p)
    return _lookup_first(b, heads, nexts, np.int64(mask), p)


def _check(b, p):
    if b.shape[1] != p.shape[1]:
        raise ValueError(f"build keys have {b.shape[1]} columns, probe keys {p.shape[1]}")
