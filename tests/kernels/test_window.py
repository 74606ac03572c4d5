import math

import numpy as np
import pytest

from kernels import window as w
from tests.kernels import naive


def _layout(rng, n, nparts):
    """Sorted layout: partition starts and peer starts."""
    part = np.zeros(n, bool)
    if n:
        part[0] = True
        part[rng.choice(np.arange(1, n), min(nparts, n - 1), replace=False)] = True if n > 1 else 0
    peer = part | (rng.random(n) < 0.4)
    return part, peer


SIZES = [(0, 0), (1, 0), (12, 3), (400, 25), (300, 0)]


@pytest.mark.parametrize("n,np_", SIZES)
def test_numbering(n, np_):
    rng = np.random.default_rng(n)
    part, peer = _layout(rng, n, np_)
    rn, rk, dr = [], [], []
    for s, e in naive.partitions(part):
        r = d = 0
        for i in range(s, e):
            if i == s or peer[i]:
                r = i - s + 1
                d += 1
            rn.append(i - s + 1)
            rk.append(r)
            dr.append(d)
    assert w.row_number(part).tolist() == rn
    assert w.rank(part, peer).tolist() == rk
    assert w.dense_rank(part, peer).tolist() == dr
    ids, nparts = w.partition_ids(part)
    assert nparts == len(naive.partitions(part))
    b, e = w.partition_bounds(part)
    for s, z in naive.partitions(part):
        assert (b[s:z] == s).all() and (e[s:z] == z).all() and (ids[s:z] == ids[s]).all()
    for off in (1, 2, 5):
        lag, lead = w.lag(part, off), w.lead(part, off)
        exp_lag, exp_lead = [], []
        for s, z in naive.partitions(part):
            for i in range(s, z):
                exp_lag.append(i - off if i - off >= s else -1)
                exp_lead.append(i + off if i + off < z else -1)
        assert lag.tolist() == exp_lag and lead.tolist() == exp_lead
    for nb in (1, 3, 7):
        exp = []
        for s, z in naive.partitions(part):
            size = z - s
            q, r = divmod(size, nb)
            exp += [b_ + 1 for b_ in range(nb) for _ in range(q + (1 if b_ < r else 0))]
        assert w.ntile(part, nb).tolist() == exp


@pytest.mark.parametrize("n,np_", SIZES)
@pytest.mark.parametrize("range_mode", [True, False])
def test_running(n, np_, range_mode):
    rng = np.random.default_rng(n + 1)
    part, peer = _layout(rng, n, np_)
    vi = rng.integers(-100, 100, n)
    vf = rng.normal(size=n)
    valid = rng.random(n) < 0.7
    s, c, o = w.running_sum(part, peer, vi, valid, range_mode)
    assert not o
    assert s.tolist() == naive.running(part, peer, vi, valid, range_mode, sum)
    assert c.tolist() == naive.running(part, peer, vi, valid, range_mode, len)
    s, c, o = w.running_sum(part, peer, vf, valid, range_mode)
    np.testing.assert_allclose(s, naive.running(part, peer, vf, valid, range_mode, sum), atol=1e-9)
    assert w.running_count(part, peer, None, range_mode).tolist() == naive.running(
        part, peer, vi, np.ones(n, bool), range_mode, len
    )
    for fn, ref in ((w.running_min, min), (w.running_max, max)):
        r, c = fn(part, peer, vi, valid, range_mode)
        exp = naive.running(part, peer, vi, valid, range_mode, lambda x, ref=ref: ref(x) if x else None)
        assert [None if cc == 0 else int(v) for v, cc in zip(r, c, strict=True)] == exp
    # partition totals
    s, c, _ = w.partition_sum(part, vi, valid)
    exp = naive.running(part, part, vi, valid, True, sum)
    assert s.tolist() == exp
    r, c = w.partition_max(part, vf)
    exp = naive.running(part, part, vf, np.ones(n, bool), True, naive.pg_max)
    np.testing.assert_array_equal(r, np.array(exp, dtype=float))


def test_running_float_nan():
    part = np.array([1, 0, 0, 0, 1, 0], bool)
    v = np.array([1.0, np.nan, 0.5, 3.0, np.nan, 2.0])
    r, c = w.running_max(part, part, v, None, False)
    assert math.isnan(r[1]) and math.isnan(r[3]) and math.isnan(r[5])
    r, c = w.running_min(part, part, v, None, False)
    assert r[:4].tolist() == [1.0, 1.0, 0.5, 0.5] and math.isnan(r[4]) and r[5] == 2.0


FRAMES = [(-2, 0), (-1, 1), (0, 3), (1, 2), (-3, -1), (None, 1), (None, 0), (None, None),
          (-1, None), (2, None), (5, 9)]


@pytest.mark.parametrize("lo,hi", FRAMES)
def test_framed_sum(lo, hi):
    rng = np.random.default_rng(99)
    for n, nparts in ((0, 0), (1, 0), (50, 4), (200, 0)):
        part, _ = _layout(rng, n, nparts)
        valid = rng.random(n) < 0.8
        vi = rng.integers(-(10**6), 10**6, n)
        vf = rng.normal(size=n) * 1e3
        s, c, o = w.framed_sum(part, vi, lo, hi, valid)
        es, ec = naive.frame_sum(part, vi, valid, lo, hi)
        assert not o
        np.testing.assert_array_equal(s, es)
        np.testing.assert_array_equal(c, ec)
        s, c, _ = w.framed_sum(part, vf, lo, hi, valid)
        es, ec = naive.frame_sum(part, vf, valid, lo, hi)
        np.testing.assert_allclose(s, es, atol=1e-6)
        np.testing.assert_array_equal(c, ec)


@pytest.mark.parametrize("lo,hi", FRAMES)
def test_framed_minmax(lo, hi):
    rng = np.random.default_rng(7)
    for n, nparts in ((0, 0), (1, 0), (50, 4), (300, 0), (300, 40)):
        part, _ = _layout(rng, n, nparts)
        valid = rng.random(n) < 0.7
        vi = rng.integers(-20, 20, n)  # many ties
        vf = rng.normal(size=n)
        vf[rng.random(n) < 0.1] = np.nan
        for kernel, ref in ((w.framed_min, naive.pg_min), (w.framed_max, naive.pg_max)):
            for values in (vi, vf):
                r, c = kernel(part, values, lo, hi, valid)
                exp = naive.frame_apply(part, values, valid, lo, hi, ref)
                _, ec = naive.frame_sum(part, values, valid, lo, hi)
                np.testing.assert_array_equal(c, ec)
                assert r.dtype == (np.float64 if values.dtype.kind == "f" else np.int64)
                for i, x in enumerate(exp):
                    if x is None:
                        assert c[i] == 0
                    elif isinstance(x, float) and math.isnan(x):
                        assert math.isnan(r[i]), (i, r[i])
                    else:
                        assert r[i] == x, (i, r[i], x)


def test_framed_minmax_nan_and_all_null():
    part = np.array([1, 0, 0, 0, 1, 0], bool)
    v = np.array([1.0, np.nan, 0.5, 3.0, 2.0, 4.0])
    r, _ = w.framed_max(part, v, -1, 0)
    assert r[0] == 1.0 and math.isnan(r[1]) and math.isnan(r[2]) and r[3] == 3.0 and r[4] == 2.0 and r[5] == 4.0
    r, _ = w.framed_min(part, v, -1, 0)
    assert r.tolist()[0] == 1.0 and r[1] == 1.0 and r[2] == 0.5 and r[3] == 0.5 and r[4] == 2.0 and r[5] == 2.0
    r, c = w.framed_min(part, v, 0, 1, np.zeros(6, bool))
    assert c.tolist() == [0] * 6


def test_framed_float_no_cancellation():
    part = np.array([1, 0, 0], bool)
    s, _, _ = w.framed_sum(part, np.array([1e20, 1.0, 1.0]), -1, 0)
    assert s.tolist() == [1e20, 1e20 + 1.0, 2.0]


def test_overflow():
    big = np.iinfo(np.int64).max
    part = np.array([1, 0], bool)
    assert w.running_sum(part, part, np.array([big, 1]), None, False)[2]
    assert w.framed_sum(part, np.array([big, 1]), -1, 0)[2]
    assert not w.framed_sum(part, np.array([big, 1]), 0, 0)[2]
