"""Group-by: factorisation of keys into dense group ids, and grouped aggregates.

``group_ids`` is plain factorisation, so it also serves DISTINCT (keep ``first_row``) and set
operations (factorise both inputs stacked together, then compare the groups each side saw).
Null keys are encoded by the caller as an extra key column, so kernels never see NULLs in
keys.

Aggregates take ``ids`` (int64, 0..ngroups-1) and ``ngroups``. Masked variants take ``valid``
(bool, True = value present) and also return ``counts`` (valid values per group): a group
with count 0 is NULL in SQL. Two-phase aggregation is the same kernels again: the leader
concatenates the slices' partial results with their group keys, calls ``group_ids`` on the
keys, and merges with ``sum_*`` (sums and counts), ``min_*``/``max_*`` (masked by count > 0).

Overflow: int64 sums use checked addition and return ``overflow=True`` when any partial sum
left the int64 range; the caller raises SQLSTATE 22003.
"""

import numpy as np
from numba import njit

from kernels.hash_table import rows_equal
from kernels.hashing import as_keys, hash_row

INT64_MIN = np.iinfo(np.int64).min
INT64_MAX = np.iinfo(np.int64).max
# direct-indexing fast path for one key column whose value range is below this (or below n)
DIRECT_FACTOR = 4  # direct path while the value range is at most this many times the rows
DIRECT_RANGE = 1 << 22


# --------------------------------------------------------------------------- factorisation


@njit(nogil=True, cache=True)
def _minmax(v):
    """Min and max of an int64 array (0, 0 when empty), in one vectorised pass."""
    mn = np.int64(0)
    mx = np.int64(0)
    if v.shape[0]:
        mn = v[0]
        mx = v[0]
    for i in range(v.shape[0]):
        x = v[i]
        mn = min(mn, x)
        mx = max(mx, x)
    return mn, mx


@njit(nogil=True, cache=True)
def _group_ids_direct(v, mn, size):
    """Factorise one key column with values in ``[mn, mn + size)`` by direct indexing.

    Parameters
    ----------
    v : int64[:]
    mn : int64
    size : int64

    Returns
    -------
    ids : int64[:]
    ngroups : int64
    first_row : int64[:]
    """
    n = v.shape[0]
    slot = np.full(size, -1, dtype=np.int32)
    ids = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    g = 0
    for i in range(n):
        o = v[i] - mn
        x = slot[o]
        if x < 0:
            x = g
            slot[o] = g
            first[g] = i
            g += 1
        ids[i] = x
    return ids, g, first[:g].copy()


GID_BATCH = 512


@njit(nogil=True, cache=True)
def _gid_run(keys, start, slots, mask, ghash, first, ids, ngroups, limit, hb, tmp):
    """Factorise rows from ``start`` on with an open-addressing table of group ids.

    Works in batches: hash the batch, touch its slots, then touch the candidate groups'
    hashes and keys, and only then resolve rows one by one. The touching passes have no
    dependencies between rows, so their cache misses overlap (about 5x faster than a plain
    row loop once the table outgrows the cache). Stops (returning the next row and the group
    count) when ``ngroups`` reaches ``limit``, so the caller can grow ``slots``; growth lives
    outside this loop to keep it fast.
    """
    n = keys.shape[0]
    umask = np.uint64(mask)
    i = start
    while i < n:
        b0 = i
        e = min(i + GID_BATCH, n)
        for j in range(i, e):
            hb[j - i] = hash_row(keys, j)
        for j in range(e - i):
            tmp[j] = slots[np.int64(hb[j] & umask)]
        acc = np.uint64(0)
        for j in range(e - i):
            g = tmp[j]
            if g >= 0:
                acc += ghash[g] + np.uint64(keys[first[g], 0])
        tmp[0] = np.int64(acc & np.uint64(1))  # keep the touching loop alive
        while i < e:
            if i > 0 and rows_equal(keys, i, keys, i - 1):
                ids[i] = ids[i - 1]
                i += 1
                continue
            if ngroups >= limit:
                return i, ngroups
            h = hb[i - b0]
            p = np.int64(h & umask)
            while True:
                g = slots[p]
                if g < 0:
                    slots[p] = ngroups
                    ghash[ngroups] = h
                    first[ngroups] = i
                    ids[i] = ngroups
                    ngroups += 1
                    break
                if ghash[g] == h and rows_equal(keys, first[g], keys, i):
                    ids[i] = g
                    break
                p = (p + 1) & mask
            i += 1
    return i, ngroups


@njit(nogil=True, cache=True)
def _rehash(ghash, ngroups, size):
    """A fresh slot table of ``size`` holding groups 0..ngroups-1."""
    slots = np.full(size, -1, dtype=np.int64)
    mask = size - 1
    umask = np.uint64(mask)
    for g in range(ngroups):
        p = np.int64(ghash[g] & umask)
        while slots[p] >= 0:
            p = (p + 1) & mask
        slots[p] = g
    return slots


@njit(nogil=True, cache=True)
def _group_ids_hash(keys):
    """Factorise ``keys[n, k]`` with a growing open-addressing hash table.

    Parameters
    ----------
    keys : int64[:, ::1]

    Returns
    -------
    ids : int64[:]
    ngroups : int64
    first_row : int64[:]
    """
    n = keys.shape[0]
    ids = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    ghash = np.empty(n, dtype=np.uint64)
    size = np.int64(1024)
    slots = np.full(size, -1, dtype=np.int64)
    hb = np.empty(GID_BATCH, dtype=np.uint64)
    tmp = np.empty(GID_BATCH, dtype=np.int64)
    i = 0
    g = 0
    while True:
        i, g = _gid_run(keys, i, slots, size - 1, ghash, first, ids, g, size // 2, hb, tmp)
        if i >= n:
            break
        size *= 4
        slots = _rehash(ghash, g, size)
    return ids, g, first[:g].copy()


def group_ids(keys):
    """Dense group ids in first-appearance order (factorisation).

    Parameters
    ----------
    keys : int64[:, ::1] (a 1-D int array is one column); NULLs encoded by the caller

    Returns
    -------
    ids : int64[:], group of each row, 0..ngroups-1, numbered by first appearance
    ngroups : int
    first_row : int64[:], first row of each group (its representative: gather the group keys
        with ``keys[first_row]``; for DISTINCT these are the rows to keep)
    """
    k = as_keys(keys)
    n = k.shape[0]
    if n == 0:
        return np.empty(0, np.int64), 0, np.empty(0, np.int64)
    if k.shape[1] == 1:
        v = k[:, 0]
        mn, mx = _minmax(v)
        # direct indexing while its table (8 bytes per possible value) stays within a few
        # times the input: a slice of a DISTKEY table sees every other key of the range
        limit = max(DIRECT_RANGE, DIRECT_FACTOR * n)
        if (mx >> 1) - (mn >> 1) < limit // 2:
            size = int(mx) - int(mn) + 1
            if size <= limit:
                ids, g, first = _group_ids_direct(v, mn, np.int64(size))
                return ids, int(g), first
    ids, g, first = _group_ids_hash(k)
    return ids, int(g), first


# --------------------------------------------------------------------------- aggregates


@njit(nogil=True, cache=True)
def _sum_int64(ids, ngroups, values):
    """Checked grouped int64 sum.

    Parameters
    ----------
    ids : int64[:]
    ngroups : int64
    values : int64[:]

    Returns
    -------
    sums : int64[:]
    overflow : bool
    """
    out = np.zeros(ngroups, dtype=np.int64)
    ovf = False
    for i in range(ids.shape[0]):
        g = ids[i]
        a = out[g]
        b = values[i]
        s = a + b
        if ((a ^ s) & (b ^ s)) < 0:
            ovf = True
        out[g] = s
    return out, ovf


LANES = 4  # accumulators per group in the few-groups kernels
FEW_GROUPS = 256  # at most this many groups: the few-groups kernels


@njit(nogil=True, cache=True)
def _sum_int64_lanes(ids, ngroups, values):
    """Unchecked grouped sum for few groups, which the caller has proven cannot overflow.

    Row i adds into lane ``i % LANES``: consecutive rows of the same group (few groups:
    nearly all of them) no longer wait on each other's store to the same accumulator.
    """
    acc = np.zeros((LANES, ngroups), dtype=np.int64)
    n = ids.shape[0]
    m = n - n % LANES
    for i in range(0, m, LANES):
        for lane in range(LANES):
            acc[lane, ids[i + lane]] += values[i + lane]
    for i in range(m, n):
        acc[0, ids[i]] += values[i]
    return acc.sum(axis=0)


@njit(nogil=True, cache=True)
def _count_lanes(ids, ngroups):
    """Rows per group for few groups, in lanes (as ``_sum_int64_lanes``)."""
    acc = np.zeros((LANES, ngroups), dtype=np.int64)
    n = ids.shape[0]
    m = n - n % LANES
    for i in range(0, m, LANES):
        for lane in range(LANES):
            acc[lane, ids[i + lane]] += 1
    for i in range(m, n):
        acc[0, ids[i]] += 1
    return acc.sum(axis=0)


def _cannot_overflow(values: np.ndarray) -> bool:
    """No partial sum of ``values`` can leave int64: n * max|v| fits."""
    lo, hi = _minmax(values)
    bound = max(-int(lo), int(hi))
    return bound == 0 or len(values) <= (2**63 - 1) // bound


@njit(nogil=True, cache=True)
def _sum_int64_masked(ids, ngroups, values, valid):
    """Checked grouped int64 sum of valid values, with valid counts.

    Returns
    -------
    sums : int64[:]
    counts : int64[:]
    overflow : bool
    """
    out = np.zeros(ngroups, dtype=np.int64)
    cnt = np.zeros(ngroups, dtype=np.int64)
    ovf = False
    for i in range(ids.shape[0]):
        if valid[i]:
            g = ids[i]
            a = out[g]
            b = values[i]
            s = a + b
            if ((a ^ s) & (b ^ s)) < 0:
                ovf = True
            out[g] = s
            cnt[g] += 1
    return out, cnt, ovf


@njit(nogil=True, cache=True)
def _sum_float64(ids, ngroups, values):
    """Grouped float64 sum.

    Returns
    -------
    float64[:]
    """
    out = np.zeros(ngroups, dtype=np.float64)
    for i in range(ids.shape[0]):
        out[ids[i]] += values[i]
    return out


@njit(nogil=True, cache=True)
def _sum_float64_masked(ids, ngroups, values, valid):
    """Grouped float64 sum of valid values, with valid counts.

    Returns
    -------
    sums : float64[:]
    counts : int64[:]
    """
    out = np.zeros(ngroups, dtype=np.float64)
    cnt = np.zeros(ngroups, dtype=np.int64)
    for i in range(ids.shape[0]):
        if valid[i]:
            g = ids[i]
            out[g] += values[i]
            cnt[g] += 1
    return out, cnt


@njit(nogil=True, cache=True)
def _count(ids, ngroups):
    """Rows per group (COUNT(*)).

    Returns
    -------
    int64[:]
    """
    cnt = np.zeros(ngroups, dtype=np.int64)
    for i in range(ids.shape[0]):
        cnt[ids[i]] += 1
    return cnt


@njit(nogil=True, cache=True)
def _count_valid(ids, ngroups, valid):
    """Valid values per group (COUNT(x)).

    Returns
    -------
    int64[:]
    """
    cnt = np.zeros(ngroups, dtype=np.int64)
    for i in range(ids.shape[0]):
        if valid[i]:
            cnt[ids[i]] += 1
    return cnt


@njit(nogil=True, cache=True)
def _minmax_int64(ids, ngroups, values, valid, use_valid, is_max):
    """Grouped min or max of int64 values; groups without a value keep the identity.

    Returns
    -------
    result : int64[:]
    counts : int64[:]
    """
    out = np.full(ngroups, INT64_MIN if is_max else INT64_MAX, dtype=np.int64)
    cnt = np.zeros(ngroups, dtype=np.int64)
    for i in range(ids.shape[0]):
        if use_valid and not valid[i]:
            continue
        g = ids[i]
        v = values[i]
        if is_max:
            if v > out[g]:
                out[g] = v
        elif v < out[g]:
            out[g] = v
        cnt[g] += 1
    return out, cnt


@njit(nogil=True, cache=True)
def _minmax_float64(ids, ngroups, values, valid, use_valid, is_max):
    """Grouped min or max of float64 values with PostgreSQL NaN order (NaN above +inf).

    Returns
    -------
    result : float64[:], NaN for groups without a value (check counts)
    counts : int64[:]
    """
    out = np.full(ngroups, np.nan, dtype=np.float64)
    cnt = np.zeros(ngroups, dtype=np.int64)
    for i in range(ids.shape[0]):
        if use_valid and not valid[i]:
            continue
        g = ids[i]
        v = values[i]
        c = out[g]
        if cnt[g] == 0:
            out[g] = v
        elif is_max:
            if c == c and (v != v or v > c):
                out[g] = v
        elif c != c or v < c:
            out[g] = v
        cnt[g] += 1
    return out, cnt


def _ids(ids):
    ids = np.asarray(ids)
    if ids.dtype != np.int64:
        ids = ids.astype(np.int64)
    return ids


def _valid(valid, n):
    valid = np.asarray(valid)
    if valid.dtype != np.bool_:
        valid = valid.astype(np.bool_)
    if valid.shape[0] != n:
        raise ValueError("valid must have one entry per row")
    return valid


def sum_int64(ids, ngroups, values):
    """Grouped SUM of int64 (also DECIMAL as scaled int64).

    Returns
    -------
    sums : int64[:]
    overflow : bool, True when some sum left int64 (raise SQLSTATE 22003)
    """
    ids, values = _ids(ids), np.asarray(values, dtype=np.int64)
    if ngroups <= FEW_GROUPS and _cannot_overflow(values):
        if ngroups == 1:
            return np.array([values.sum()], dtype=np.int64), False
        return _sum_int64_lanes(ids, np.int64(ngroups), values), False
    s, o = _sum_int64(ids, np.int64(ngroups), values)
    return s, bool(o)


def sum_int64_masked(ids, ngroups, values, valid):
    """Grouped SUM of the valid int64 values.

    Returns
    -------
    sums : int64[:]
    counts : int64[:], valid values per group (0: SUM is NULL)
    overflow : bool
    """
    ids = _ids(ids)
    s, c, o = _sum_int64_masked(
        ids, np.int64(ngroups), np.asarray(values, dtype=np.int64), _valid(valid, len(ids))
    )
    return s, c, bool(o)


def sum_float64(ids, ngroups, values):
    """Grouped SUM of float64.

    Returns
    -------
    float64[:]
    """
    return _sum_float64(_ids(ids), np.int64(ngroups), np.asarray(values, dtype=np.float64))


def sum_float64_masked(ids, ngroups, values, valid):
    """Grouped SUM of the valid float64 values.

    Returns
    -------
    sums : float64[:]
    counts : int64[:]
    """
    ids = _ids(ids)
    return _sum_float64_masked(
        ids, np.int64(ngroups), np.asarray(values, dtype=np.float64), _valid(valid, len(ids))
    )


def count(ids, ngroups):
    """Grouped COUNT(*).

    Returns
    -------
    int64[:]
    """
    ids = _ids(ids)
    if ngroups == 1:
        return np.array([len(ids)], dtype=np.int64)
    if ngroups <= FEW_GROUPS:
        return _count_lanes(ids, np.int64(ngroups))
    return _count(ids, np.int64(ngroups))


def count_valid(ids, ngroups, valid):
    """Grouped COUNT(x): valid values per group.

    Returns
    -------
    int64[:]
    """
    ids = _ids(ids)
    return _count_valid(ids, np.int64(ngroups), _valid(valid, len(ids)))


def _mm(ids, ngroups, values, valid, is_max, dtype):
    ids = _ids(ids)
    values = np.asarray(values, dtype=dtype)
    use = valid is not None
    valid = _valid(valid, len(ids)) if use else np.ones(0, np.bool_)
    kern = _minmax_int64 if dtype == np.int64 else _minmax_float64
    return kern(ids, np.int64(ngroups), values, valid, use, is_max)


def min_int64(ids, ngroups, values):
    """Grouped MIN of int64; a group with no rows holds INT64_MAX.

    Returns
    -------
    int64[:]
    """
    return _mm(ids, ngroups, values, None, False, np.int64)[0]


def max_int64(ids, ngroups, values):
    """Grouped MAX of int64; a group with no rows holds INT64_MIN.

    Returns
    -------
    int64[:]
    """
    return _mm(ids, ngroups, values, None, True, np.int64)[0]


def min_int64_masked(ids, ngroups, values, valid):
    """Grouped MIN of the valid int64 values.

    Returns
    -------
    result : int64[:]
    counts : int64[:], 0 where the group saw no valid value (result is NULL)
    """
    return _mm(ids, ngroups, values, valid, False, np.int64)


def max_int64_masked(ids, ngroups, values, valid):
    """Grouped MAX of the valid int64 values.

    Returns
    -------
    result : int64[:]
    counts : int64[:]
    """
    return _mm(ids, ngroups, values, valid, True, np.int64)


def min_float64(ids, ngroups, values):
    """Grouped MIN of float64 (NaN sorts above +inf, as in PostgreSQL/Redshift).

    Returns
    -------
    float64[:], NaN for a group with no rows
    """
    return _mm(ids, ngroups, values, None, False, np.float64)[0]


def max_float64(ids, ngroups, values):
    """Grouped MAX of float64 (any NaN in the group gives NaN).

    Returns
    -------
    float64[:]
    """
    return _mm(ids, ngroups, values, None, True, np.float64)[0]


def min_float64_masked(ids, ngroups, values, valid):
    """Grouped MIN of the valid float64 values.

    Returns
    -------
    result : float64[:]
    counts : int64[:]
    """
    return _mm(ids, ngroups, values, valid, False, np.float64)


def max_float64_masked(ids, ngroups, values, valid):
    """Grouped MAX of the valid float64 values.

    Returns
    -------
    result : float64[:]
    counts : int64[:]
    """
    return _mm(ids, ngroups, values, valid, True, np.float64)


@njit(nogil=True, cache=True)
def _count_pairs(ids, ngroups, pair_first):
    """Distinct (group, value) pairs per group, from the first row of each pair."""
    out = np.zeros(ngroups, dtype=np.int64)
    for p in range(pair_first.shape[0]):
        out[ids[pair_first[p]]] += 1
    return out


def count_distinct(ids, ngroups, values, valid=None):
    """Grouped COUNT(DISTINCT x): factorises (group, value) pairs.

    Parameters
    ----------
    ids : int64[:]
    ngroups : int
    values : int64[:] (floats as their bit pattern with -0.0 and NaNs normalised by the caller)
    valid : bool[:] or None; invalid (NULL) values are not counted

    Returns
    -------
    int64[:]
    """
    ids = _ids(ids)
    values = np.asarray(values, dtype=np.int64)
    if valid is not None:
        valid = _valid(valid, len(ids))
        ids = ids[valid]
        values = values[valid]
    pairs = np.empty((len(ids), 2), dtype=np.int64)
    pairs[:, 0] = ids
    pairs[:, 1] = values
    _, _, first = group_ids(pairs)
    return _count_pairs(ids, np.int64(ngroups), first)
