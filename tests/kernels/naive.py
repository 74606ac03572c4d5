"""Slow, obvious references for the kernels (pure Python / numpy)."""

import math

import numpy as np


def rows(keys):
    k = np.asarray(keys)
    if k.ndim == 1:
        k = k.reshape(-1, 1)
    return [tuple(int(x) for x in r) for r in k]


def group_ids(keys):
    seen = {}
    ids = []
    first = []
    for i, r in enumerate(rows(keys)):
        if r not in seen:
            seen[r] = len(seen)
            first.append(i)
        ids.append(seen[r])
    return np.array(ids, np.int64), len(seen), np.array(first, np.int64)


def inner_join(build, probe, left=False):
    where = {}
    for j, r in enumerate(rows(build)):
        where.setdefault(r, []).append(j)
    p, b = [], []
    for i, r in enumerate(rows(probe)):
        ms = where.get(r, [])
        for j in ms:
            p.append(i)
            b.append(j)
        if left and not ms:
            p.append(i)
            b.append(-1)
    return np.array(p, np.int64), np.array(b, np.int64)


def semi_join(build, probe):
    s = set(rows(build))
    return np.array([r in s for r in rows(probe)], bool)


def mark_build(build, probe):
    s = set(rows(probe))
    return np.array([r in s for r in rows(build)], bool)


def grouped(ids, ngroups, values, valid, fn):
    """fn(list of valid values) per group."""
    buckets = [[] for _ in range(ngroups)]
    for i, g in enumerate(ids):
        if valid is None or valid[i]:
            buckets[g].append(values[i])
    return [fn(b) for b in buckets]


def pg_min(xs):
    xs = list(xs)
    nn = [x for x in xs if not math.isnan(x)]
    return min(nn) if nn else math.nan


def pg_max(xs):
    xs = list(xs)
    return math.nan if any(math.isnan(x) for x in xs) else max(xs)


def sort_order(columns, descending, nulls_first, nulls):
    """Stable sort via Python's sort with a key per row."""
    n = len(columns[0])

    def key(i):
        out = []
        for c, d, nf, nm in zip(columns, descending, nulls_first, nulls, strict=True):
            isnull = nm is not None and bool(nm[i])
            out.append((0 if nf else 1) if isnull else (1 if nf else 0))
            if isnull:
                out.append(0)
                continue
            v = c[i]
            if isinstance(v, (float, np.floating)):
                v = float(v)
                v = (1, 0.0) if math.isnan(v) else (0, v + 0.0)
                if d:
                    v = (-v[0], -v[1])
            else:
                v = -int(v) if d else int(v)
            out.append(v)
        return tuple(out)

    return np.array(sorted(range(n), key=key), np.int64)


def partitions(part_start):
    n = len(part_start)
    starts = [i for i in range(n) if part_start[i]]
    return list(zip(starts, starts[1:] + [n]))  # noqa: B905 (n == 0: no partitions)


def frame_sum(part_start, values, valid, lo, hi):
    n = len(values)
    out = np.zeros(n, values.dtype)
    cnt = np.zeros(n, np.int64)
    for s, e in partitions(part_start):
        for i in range(s, e):
            a = s if lo is None else max(s, i + lo)
            z = e - 1 if hi is None else min(e - 1, i + hi)
            xs = [values[j] for j in range(a, z + 1) if valid[j]]
            out[i] = sum(xs) if xs else 0
            cnt[i] = len(xs)
    return out, cnt


def frame_apply(part_start, values, valid, lo, hi, fn):
    """fn(list of valid values in the ROWS frame [i + lo, i + hi]) per row (None: unbounded);
    None for a row whose frame holds no valid value."""
    res = []
    for s, e in partitions(part_start):
        for i in range(s, e):
            a = s if lo is None else max(s, i + lo)
            z = e - 1 if hi is None else min(e - 1, i + hi)
            xs = [values[j] for j in range(a, z + 1) if valid[j]]
            res.append(fn(xs) if xs else None)
    assert len(res) == len(values)
    return res


def running(part_start, peer_start, values, valid, range_mode, fn):
    """fn(list of valid values in frame) per row, frame = UNBOUNDED PRECEDING .. CURRENT."""
    n = len(values)
    res = []
    for s, e in partitions(part_start):
        for i in range(s, e):
            z = i
            if range_mode:
                while z + 1 < e and not peer_start[z + 1]:
                    z += 1
            res.append(fn([values[j] for j in range(s, z + 1) if valid[j]]))
    assert len(res) == n
    return res
