"""Window functions over rows already sorted by (partition keys, order keys).

Conventions (every kernel):
- ``part_start[i]`` is True where a new partition begins (always True at row 0 when n > 0).
- ``peer_start[i]`` is True where the ORDER BY value changes *or* a partition begins (the
  caller ORs ``part_start`` in). Without ORDER BY, every row of a partition is a peer:
  pass ``peer_start = part_start``.
- ``valid`` (optional, bool, True = value present) marks NULLs in the value column; NULLs are
  skipped by sums/min/max and every aggregate also returns ``counts`` (valid values in the
  frame): count 0 means the SQL result is NULL. COUNT(x) OVER (...) is ``counts``.
- ``range_mode=True``: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (the SQL default with
  ORDER BY): peers share the value of the last peer. ``range_mode=False``: ROWS semantics.
- Partition-wide totals are the running aggregates with ``peer_start = part_start``
  (``partition_sum`` etc. do exactly that).
- Framed sums (``framed_sum``) use row offsets: ROWS BETWEEN a PRECEDING AND b FOLLOWING is
  ``lo=-a, hi=b``; ``None`` means UNBOUNDED on that side; CURRENT ROW is 0.
- Results are per row, in the sorted order; the caller scatters them back if needed.
- int64 sums are checked and return ``overflow`` (SQLSTATE 22003); float sums return
  ``overflow=False`` so callers can treat both alike.
"""

import numpy as np
from numba import njit

_LO_UNB = np.iinfo(np.int64).min
_HI_UNB = np.iinfo(np.int64).max


# --------------------------------------------------------------------------- numbering


@njit(nogil=True, cache=True)
def _row_number(part_start):
    """1-based row number within the partition.

    Returns
    -------
    int64[:]
    """
    n = part_start.shape[0]
    out = np.empty(n, dtype=np.int64)
    r = 0
    for i in range(n):
        r = 1 if part_start[i] else r + 1
        out[i] = r
    return out


@njit(nogil=True, cache=True)
def _rank(part_start, peer_start, dense):
    """RANK (gaps after ties) or DENSE_RANK.

    Returns
    -------
    int64[:]
    """
    n = part_start.shape[0]
    out = np.empty(n, dtype=np.int64)
    rn = 0
    rk = 0
    for i in range(n):
        if part_start[i]:
            rn = 1
            rk = 1
        else:
            rn += 1
            if peer_start[i]:
                rk = rk + 1 if dense else rn
        out[i] = rk
    return out


@njit(nogil=True, cache=True)
def _bounds(starts):
    """For each row, [start, end) of its run, runs beginning where ``starts`` is True.

    Returns
    -------
    begin : int64[:]
    end : int64[:]
    """
    n = starts.shape[0]
    b = np.empty(n, dtype=np.int64)
    e = np.empty(n, dtype=np.int64)
    cur = 0
    for i in range(n):
        if starts[i]:
            cur = i
        b[i] = cur
    cur = n
    for i in range(n - 1, -1, -1):
        e[i] = cur
        if starts[i]:
            cur = i
    return b, e


@njit(nogil=True, cache=True)
def _partition_ids(part_start):
    """Dense partition number of each row.

    Returns
    -------
    ids : int64[:]
    nparts : int64
    """
    n = part_start.shape[0]
    out = np.empty(n, dtype=np.int64)
    p = -1
    for i in range(n):
        if part_start[i] or p < 0:
            p += 1
        out[i] = p
    return out, p + 1


@njit(nogil=True, cache=True)
def _shift(part_start, offset):
    """Source row of LAG (offset > 0 looks back) / LEAD (offset < 0), or -1 outside.

    Returns
    -------
    int64[:]
    """
    b, e = _bounds(part_start)
    n = part_start.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        src = i - offset
        out[i] = src if b[i] <= src < e[i] else -1
    return out


@njit(nogil=True, cache=True)
def _ntile(part_start, buckets):
    """NTILE(buckets): bucket 1..buckets, larger buckets first, as in SQL.

    Returns
    -------
    int64[:]
    """
    b, e = _bounds(part_start)
    n = part_start.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        size = e[i] - b[i]
        r = i - b[i]
        q = size // buckets
        rem = size % buckets
        big = rem * (q + 1)
        if r < big:
            out[i] = r // (q + 1) + 1
        else:
            out[i] = rem + (r - big) // q + 1 if q > 0 else rem + 1
    return out


# --------------------------------------------------------------------------- running aggregates


@njit(nogil=True, cache=True)
def _spread_peers(peer_start, out, cnt):
    """Give every row the value of the last row of its peer group (RANGE semantics)."""
    n = peer_start.shape[0]
    if n == 0:
        return
    last_v = out[n - 1]
    last_c = cnt[n - 1]
    for i in range(n - 1, -1, -1):
        if i == n - 1 or peer_start[i + 1]:
            last_v = out[i]
            last_c = cnt[i]
        else:
            out[i] = last_v
            cnt[i] = last_c


@njit(nogil=True, cache=True)
def _running_sum_int64(part_start, peer_start, values, valid, range_mode):
    """Checked running int64 sum per partition.

    Returns
    -------
    sums : int64[:]
    counts : int64[:]
    overflow : bool
    """
    n = values.shape[0]
    out = np.empty(n, dtype=np.int64)
    cnt = np.empty(n, dtype=np.int64)
    s = np.int64(0)
    c = 0
    ovf = False
    for i in range(n):
        if part_start[i]:
            s = np.int64(0)
            c = 0
        if valid[i]:
            b = values[i]
            t = s + b
            if ((s ^ t) & (b ^ t)) < 0:
                ovf = True
            s = t
            c += 1
        out[i] = s
        cnt[i] = c
    if range_mode:
        _spread_peers(peer_start, out, cnt)
    return out, cnt, ovf


@njit(nogil=True, cache=True)
def _running_sum_float64(part_start, peer_start, values, valid, range_mode):
    """Running float64 sum per partition.

    Returns
    -------
    sums : float64[:]
    counts : int64[:]
    """
    n = values.shape[0]
    out = np.empty(n, dtype=np.float64)
    cnt = np.empty(n, dtype=np.int64)
    s = 0.0
    c = 0
    for i in range(n):
        if part_start[i]:
            s = 0.0
            c = 0
        if valid[i]:
            s += values[i]
            c += 1
        out[i] = s
        cnt[i] = c
    if range_mode:
        _spread_peers(peer_start, out, cnt)
    return out, cnt


@njit(nogil=True, cache=True)
def _wins(v, cur, is_max):
    """Does ``v`` replace ``cur`` as min/max; NaN sorts above +inf (PostgreSQL)."""
    if is_max:
        return cur == cur and (v != v or v > cur)
    return cur != cur or v < cur


@njit(nogil=True, cache=True)
def _running_minmax(part_start, peer_start, values, valid, range_mode, is_max):
    """Running MIN/MAX per partition (int64 or float64 values).

    Returns
    -------
    result : same dtype as values (undefined where counts == 0)
    counts : int64[:]
    """
    n = values.shape[0]
    out = np.empty_like(values)
    cnt = np.empty(n, dtype=np.int64)
    if n == 0:
        return out, cnt
    cur = values[0]
    c = 0
    for i in range(n):
        if part_start[i]:
            c = 0
        if valid[i]:
            v = values[i]
            if c == 0 or _wins(v, cur, is_max):
                cur = v
            c += 1
        out[i] = cur
        cnt[i] = c
    if range_mode:
        _spread_peers(peer_start, out, cnt)
    return out, cnt


# --------------------------------------------------------------------------- framed sums


@njit(nogil=True, cache=True)
def _framed_sum_int64(part_start, values, valid, lo, hi):
    """Checked sum over ROWS frames [i + lo, i + hi] clipped to the partition (sliding).

    Returns
    -------
    sums : int64[:]
    counts : int64[:]
    overflow : bool
    """
    n = values.shape[0]
    b, e = _bounds(part_start)
    out = np.zeros(n, dtype=np.int64)
    cnt = np.zeros(n, dtype=np.int64)
    ovf = False
    s = np.int64(0)
    c = 0
    wa = 0
    wb = -1
    for i in range(n):
        ps = b[i]
        pe = e[i]
        if i == ps:
            s = np.int64(0)
            c = 0
            wa = ps
            wb = ps - 1
        a = ps if lo == _LO_UNB else max(ps, i + lo)
        z = pe - 1 if hi == _HI_UNB else min(pe - 1, i + hi)
        if a > z:
            continue
        while wa < a:
            if wa <= wb and valid[wa]:
                x = values[wa]
                t = s - x
                if ((s ^ x) & (s ^ t)) < 0:
                    ovf = True
                s = t
                c -= 1
            wa += 1
        if wb < wa - 1:
            wb = wa - 1
        while wb < z:
            wb += 1
            if valid[wb]:
                x = values[wb]
                t = s + x
                if ((s ^ t) & (x ^ t)) < 0:
                    ovf = True
                s = t
                c += 1
        out[i] = s
        cnt[i] = c
    return out, cnt, ovf


@njit(nogil=True, cache=True)
def _framed_sum_float64(part_start, values, valid, lo, hi):
    """Float sum over ROWS frames, never subtracting (so no cancellation error).

    UNBOUNDED PRECEDING frames add as they go; frames with a bounded start use suffix sums
    (UNBOUNDED FOLLOWING) or direct summation (both bounds finite).

    Returns
    -------
    sums : float64[:]
    counts : int64[:]
    """
    n = values.shape[0]
    b, e = _bounds(part_start)
    out = np.zeros(n, dtype=np.float64)
    cnt = np.zeros(n, dtype=np.int64)
    if lo == _LO_UNB:
        s = 0.0
        c = 0
        wb = -1
        for i in range(n):
            ps = b[i]
            pe = e[i]
            if i == ps:
                s = 0.0
                c = 0
                wb = ps - 1
            z = pe - 1 if hi == _HI_UNB else min(pe - 1, i + hi)
            while wb < z:
                wb += 1
                if valid[wb]:
                    s += values[wb]
                    c += 1
            if z >= ps:
                out[i] = s
                cnt[i] = c
    elif hi == _HI_UNB:
        suf = np.zeros(n + 1, dtype=np.float64)
        sc = np.zeros(n + 1, dtype=np.int64)
        for j in range(n - 1, -1, -1):
            if j + 1 < n and not part_start[j + 1]:
                suf[j] = suf[j + 1]
                sc[j] = sc[j + 1]
            if valid[j]:
                suf[j] += values[j]
                sc[j] += 1
        for i in range(n):
            a = max(b[i], i + lo)
            if a < e[i]:
                out[i] = suf[a]
                cnt[i] = sc[a]
    else:
        for i in range(n):
            a = max(b[i], i + lo)
            z = min(e[i] - 1, i + hi)
            s = 0.0
            c = 0
            for j in range(a, z + 1):
                if valid[j]:
                    s += values[j]
                    c += 1
            out[i] = s
            cnt[i] = c
    return out, cnt


@njit(nogil=True, cache=True)
def _framed_minmax(part_start, values, valid, lo, hi, is_max):
    """MIN/MAX over ROWS frames [i + lo, i + hi] clipped to the partition.

    Both frame ends only move forward within a partition, so a monotonic deque of row
    indexes (values strictly worsening from head to tail) gives O(n) overall: rows enter
    at the tail as the frame end passes them, leave at the head as the frame start does.

    Returns
    -------
    result : same dtype as values (0 where counts == 0)
    counts : int64[:]
    """
    n = values.shape[0]
    b, e = _bounds(part_start)
    out = np.zeros_like(values)
    cnt = np.zeros(n, dtype=np.int64)
    q = np.empty(n, dtype=np.int64)
    pv = np.zeros(n + 1, dtype=np.int64)  # prefix count of valid values
    for j in range(n):
        pv[j + 1] = pv[j] + (1 if valid[j] else 0)
    h = 0
    t = 0
    wb = -1
    for i in range(n):
        ps = b[i]
        pe = e[i]
        if i == ps:
            h = 0
            t = 0
            wb = ps - 1
        a = ps if lo == _LO_UNB else max(ps, i + lo)
        z = pe - 1 if hi == _HI_UNB else min(pe - 1, i + hi)
        if a > z:
            continue
        while wb < z:
            wb += 1
            if valid[wb]:
                v = values[wb]
                while t > h and not _wins(values[q[t - 1]], v, is_max):
                    t -= 1
                q[t] = wb
                t += 1
        while h < t and q[h] < a:
            h += 1
        c = pv[z + 1] - pv[a]
        cnt[i] = c
        if c > 0:
            out[i] = values[q[h]]
    return out, cnt


# --------------------------------------------------------------------------- wrappers


def _flags(a, n, name):
    a = np.asarray(a)
    if a.dtype != np.bool_:
        a = a.astype(np.bool_)
    if a.shape[0] != n:
        raise ValueError(f"{name} must have one entry per row")
    return a


def _vals(values, valid):
    values = np.asarray(values)
    if values.dtype.kind == "f":
        values = np.ascontiguousarray(values, dtype=np.float64)
    elif values.dtype.kind in "iub":
        values = np.ascontiguousarray(values, dtype=np.int64)
    else:
        raise TypeError(f"window values must be int64 or float64, got {values.dtype}")
    n = values.shape[0]
    valid = np.ones(n, dtype=np.bool_) if valid is None else _flags(valid, n, "valid")
    return values, valid


def row_number(part_start):
    """ROW_NUMBER(): 1-based position in the partition.

    Returns
    -------
    int64[:]
    """
    return _row_number(_flags(part_start, len(part_start), "part_start"))


def rank(part_start, peer_start):
    """RANK(): 1 + rows before the peer group.

    Returns
    -------
    int64[:]
    """
    n = len(part_start)
    return _rank(_flags(part_start, n, "part_start"), _flags(peer_start, n, "peer_start"), False)


def dense_rank(part_start, peer_start):
    """DENSE_RANK(): 1 + peer groups before this one.

    Returns
    -------
    int64[:]
    """
    n = len(part_start)
    return _rank(_flags(part_start, n, "part_start"), _flags(peer_start, n, "peer_start"), True)


def partition_ids(part_start):
    """Dense partition number per row; with ``kernels.aggregate`` this gives any per-partition
    aggregate (broadcast back with ``result[ids]``).

    Returns
    -------
    ids : int64[:]
    nparts : int
    """
    ids, p = _partition_ids(_flags(part_start, len(part_start), "part_start"))
    return ids, int(p)


def partition_bounds(part_start):
    """[begin, end) row range of each row's partition (FIRST_VALUE = begin, LAST_VALUE over the
    whole partition = end - 1, partition size = end - begin for PERCENT_RANK/CUME_DIST).

    Returns
    -------
    begin : int64[:]
    end : int64[:]
    """
    return _bounds(_flags(part_start, len(part_start), "part_start"))


def peer_bounds(peer_start):
    """[begin, end) row range of each row's peer group (RANGE frames, CUME_DIST).

    Returns
    -------
    begin : int64[:]
    end : int64[:]
    """
    return _bounds(_flags(peer_start, len(peer_start), "peer_start"))


def lag(part_start, offset=1):
    """LAG(x, offset): the source row index, or -1 when it lies outside the partition.

    Returns
    -------
    int64[:]
    """
    return _shift(_flags(part_start, len(part_start), "part_start"), np.int64(offset))


def lead(part_start, offset=1):
    """LEAD(x, offset): the source row index, or -1 when it lies outside the partition.

    Returns
    -------
    int64[:]
    """
    return _shift(_flags(part_start, len(part_start), "part_start"), np.int64(-offset))


def ntile(part_start, buckets):
    """NTILE(buckets).

    Returns
    -------
    int64[:]
    """
    if buckets < 1:
        raise ValueError("NTILE argument must be positive")
    return _ntile(_flags(part_start, len(part_start), "part_start"), np.int64(buckets))


def running_sum(part_start, peer_start, values, valid=None, range_mode=True):
    """SUM(x) OVER (PARTITION BY .. ORDER BY .. [ROWS|RANGE] UNBOUNDED PRECEDING).

    Parameters
    ----------
    part_start, peer_start : bool[:]
    values : int64[:] or float64[:]
    valid : bool[:] or None
    range_mode : bool, True = RANGE (peers share the value), False = ROWS

    Returns
    -------
    sums : int64[:] or float64[:]
    counts : int64[:], valid values in the frame (0: result NULL)
    overflow : bool
    """
    values, valid = _vals(values, valid)
    n = values.shape[0]
    ps = _flags(part_start, n, "part_start")
    pe = _flags(peer_start, n, "peer_start")
    if values.dtype == np.int64:
        s, c, o = _running_sum_int64(ps, pe, values, valid, bool(range_mode))
        return s, c, bool(o)
    s, c = _running_sum_float64(ps, pe, values, valid, bool(range_mode))
    return s, c, False


def running_count(part_start, peer_start, valid=None, range_mode=True):
    """COUNT(x) / COUNT(*) (valid=None) OVER (... UNBOUNDED PRECEDING).

    Returns
    -------
    int64[:]
    """
    n = len(part_start)
    return running_sum(part_start, peer_start, np.zeros(n, np.int64), valid, range_mode)[1]


def running_min(part_start, peer_start, values, valid=None, range_mode=True):
    """MIN(x) OVER (... UNBOUNDED PRECEDING).

    Returns
    -------
    result : same dtype as values
    counts : int64[:] (0: result NULL)
    """
    values, valid = _vals(values, valid)
    n = values.shape[0]
    return _running_minmax(
        _flags(part_start, n, "part_start"), _flags(peer_start, n, "peer_start"),
        values, valid, bool(range_mode), False,
    )


def running_max(part_start, peer_start, values, valid=None, range_mode=True):
    """MAX(x) OVER (... UNBOUNDED PRECEDING).

    Returns
    -------
    result : same dtype as values
    counts : int64[:]
    """
    values, valid = _vals(values, valid)
    n = values.shape[0]
    return _running_minmax(
        _flags(part_start, n, "part_start"), _flags(peer_start, n, "peer_start"),
        values, valid, bool(range_mode), True,
    )


def partition_sum(part_start, values, valid=None):
    """SUM(x) OVER (PARTITION BY ..) broadcast to every row.

    Returns
    -------
    sums, counts, overflow : as ``running_sum``
    """
    return running_sum(part_start, part_start, values, valid, True)


def partition_count(part_start, valid=None):
    """COUNT(x) OVER (PARTITION BY ..) broadcast to every row.

    Returns
    -------
    int64[:]
    """
    return running_count(part_start, part_start, valid, True)


def partition_min(part_start, values, valid=None):
    """MIN(x) OVER (PARTITION BY ..) broadcast to every row.

    Returns
    -------
    result, counts
    """
    return running_min(part_start, part_start, values, valid, True)


def partition_max(part_start, values, valid=None):
    """MAX(x) OVER (PARTITION BY ..) broadcast to every row.

    Returns
    -------
    result, counts
    """
    return running_max(part_start, part_start, values, valid, True)


def framed_sum(part_start, values, lo, hi, valid=None):
    """SUM(x) OVER (... ROWS BETWEEN <lo> AND <hi>) with row offsets.

    Parameters
    ----------
    part_start : bool[:]
    values : int64[:] or float64[:]
    lo : int or None, frame start offset (-a for "a PRECEDING", b for "b FOLLOWING",
        None for UNBOUNDED PRECEDING)
    hi : int or None, frame end offset (None for UNBOUNDED FOLLOWING)
    valid : bool[:] or None

    Returns
    -------
    sums : int64[:] or float64[:] (0 where the frame is empty)
    counts : int64[:], valid values in the frame (AVG = sums / counts; 0: NULL)
    overflow : bool
    """
    values, valid = _vals(values, valid)
    n = values.shape[0]
    ps = _flags(part_start, n, "part_start")
    lo = _LO_UNB if lo is None else np.int64(lo)
    hi = _HI_UNB if hi is None else np.int64(hi)
    if values.dtype == np.int64:
        s, c, o = _framed_sum_int64(ps, values, valid, lo, hi)
        return s, c, bool(o)
    s, c = _framed_sum_float64(ps, values, valid, lo, hi)
    return s, c, False


def _framed_minmax_call(part_start, values, lo, hi, valid, is_max):
    values, valid = _vals(values, valid)
    n = values.shape[0]
    ps = _flags(part_start, n, "part_start")
    lo = _LO_UNB if lo is None else np.int64(lo)
    hi = _HI_UNB if hi is None else np.int64(hi)
    return _framed_minmax(ps, values, valid, lo, hi, is_max)


def framed_min(part_start, values, lo, hi, valid=None):
    """MIN(x) OVER (... ROWS BETWEEN <lo> AND <hi>) with row offsets (as ``framed_sum``).

    Returns
    -------
    result : same dtype as values (undefined where counts == 0)
    counts : int64[:], valid values in the frame (0: NULL)
    """
    return _framed_minmax_call(part_start, values, lo, hi, valid, False)


def framed_max(part_start, values, lo, hi, valid=None):
    """MAX(x) OVER (... ROWS BETWEEN <lo> AND <hi>) with row offsets; NaN is the largest.

    Returns
    -------
    result : same dtype as values (undefined where counts == 0)
    counts : int64[:]
    """
    return _framed_minmax_call(part_start, values, lo, hi, valid, True)
