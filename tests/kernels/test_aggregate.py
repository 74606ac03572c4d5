import math

import numpy as np
import pytest

from kernels import aggregate as agg
from tests.kernels import naive
from tests.kernels.conftest import key_cases

CASES = key_cases(np.random.default_rng(11))


@pytest.mark.parametrize("name,keys", CASES, ids=[c[0] for c in CASES])
def test_group_ids(name, keys):
    ids, g, first = agg.group_ids(keys)
    eids, eg, efirst = naive.group_ids(keys)
    assert g == eg
    np.testing.assert_array_equal(ids, eids)
    np.testing.assert_array_equal(first, efirst)


def test_group_ids_paths():
    rng = np.random.default_rng(3)
    for v in (
        rng.integers(0, 4, 10000),  # direct, few groups
        rng.integers(0, 50000, 20000) * 1000,  # hash, grows the table several times
        np.repeat(rng.permutation(3000), 3),  # hash with runs
    ):
        ids, g, first = agg.group_ids(v)
        eids, eg, efirst = naive.group_ids(v)
        assert g == eg
        np.testing.assert_array_equal(ids, eids)
        np.testing.assert_array_equal(first, efirst)
        # the hash path gives the same answer as the direct path
        ids2, g2, first2 = agg._group_ids_hash(np.ascontiguousarray(v[:, None]))
        assert g2 == g
        np.testing.assert_array_equal(ids2, ids)


def _data(rng, n=2000, ngroups=37):
    ids = rng.integers(0, ngroups, n)
    ids[:ngroups] = np.arange(ngroups)
    return ids, ngroups


def test_sums_counts(rng):
    ids, g = _data(rng)
    vi = rng.integers(-(10**12), 10**12, len(ids))
    vf = rng.normal(size=len(ids))
    valid = rng.random(len(ids)) < 0.6
    valid[ids == 5] = False  # a group with no valid value
    s, o = agg.sum_int64(ids, g, vi)
    assert not o
    assert s.tolist() == naive.grouped(ids, g, vi, None, lambda x: sum(int(v) for v in x))
    s, c, o = agg.sum_int64_masked(ids, g, vi, valid)
    assert s.tolist() == naive.grouped(ids, g, vi, valid, lambda x: sum(int(v) for v in x))
    assert c.tolist() == naive.grouped(ids, g, vi, valid, len) and c[5] == 0 and not o
    np.testing.assert_allclose(agg.sum_float64(ids, g, vf), naive.grouped(ids, g, vf, None, sum))
    s, c = agg.sum_float64_masked(ids, g, vf, valid)
    np.testing.assert_allclose(s, naive.grouped(ids, g, vf, valid, sum), atol=1e-12)
    assert c.tolist() == naive.grouped(ids, g, vf, valid, len)
    assert agg.count(ids, g).tolist() == naive.grouped(ids, g, vi, None, len)
    assert agg.count_valid(ids, g, valid).tolist() == naive.grouped(ids, g, vi, valid, len)


def test_sum_overflow():
    big = np.iinfo(np.int64).max
    ids = np.array([0, 0, 1, 1], np.int64)
    s, o = agg.sum_int64(ids, 2, np.array([big, 1, 1, 2], np.int64))
    assert o
    s, o = agg.sum_int64(ids, 2, np.array([big, -1, -big, -1], np.int64))
    assert not o and s.tolist() == [big - 1, -big - 1]
    s, o = agg.sum_int64(ids, 2, np.array([-big, -2, 0, 0], np.int64))
    assert o
    _, _, o = agg.sum_int64_masked(ids, 2, np.array([big, 1, 0, 0]), np.array([1, 0, 1, 1]))
    assert not o


def test_minmax(rng):
    ids, g = _data(rng)
    vi = rng.integers(-(10**15), 10**15, len(ids))
    valid = rng.random(len(ids)) < 0.5
    valid[ids == 3] = False
    assert agg.min_int64(ids, g, vi).tolist() == naive.grouped(ids, g, vi, None, min)
    assert agg.max_int64(ids, g, vi).tolist() == naive.grouped(ids, g, vi, None, max)
    for fn, ref in ((agg.min_int64_masked, min), (agg.max_int64_masked, max)):
        r, c = fn(ids, g, vi, valid)
        exp = naive.grouped(ids, g, vi, valid, lambda x, ref=ref: ref(x) if x else None)
        assert c[3] == 0
        assert [None if cc == 0 else int(v) for v, cc in zip(r, c, strict=True)] == exp


def test_minmax_float_nan(rng):
    ids, g = _data(rng, 500, 20)
    vf = rng.normal(size=len(ids))
    vf[rng.random(len(ids)) < 0.1] = np.nan
    vf[ids == 2] = np.nan  # all-NaN group
    vf[ids == 4] = -0.0
    valid = rng.random(len(ids)) < 0.8
    for fn, ref in ((agg.min_float64, naive.pg_min), (agg.max_float64, naive.pg_max)):
        got = fn(ids, g, vf)
        exp = np.array(naive.grouped(ids, g, vf, None, ref))
        np.testing.assert_array_equal(got, exp)
    for fn, ref in ((agg.min_float64_masked, naive.pg_min), (agg.max_float64_masked, naive.pg_max)):
        got, c = fn(ids, g, vf, valid)
        exp = naive.grouped(ids, g, vf, valid, lambda x, ref=ref: ref(x) if x else None)
        for a, cc, e in zip(got, c, exp, strict=True):
            assert (cc == 0) == (e is None)
            if e is not None:
                assert (math.isnan(a) and math.isnan(e)) or a == e


def test_count_distinct(rng):
    ids, g = _data(rng, 3000, 25)
    v = rng.integers(-6, 6, len(ids))
    valid = rng.random(len(ids)) < 0.7
    assert agg.count_distinct(ids, g, v).tolist() == naive.grouped(
        ids, g, v, None, lambda x: len(set(x))
    )
    assert agg.count_distinct(ids, g, v, valid).tolist() == naive.grouped(
        ids, g, v, valid, lambda x: len(set(x))
    )
    assert agg.count_distinct(np.empty(0, np.int64), 0, np.empty(0, np.int64)).tolist() == []


def test_two_phase_merge(rng):
    # partial sums per slice, then merge by group_ids on the partial keys
    keys = rng.integers(0, 30, 5000)
    vals = rng.integers(-1000, 1000, 5000)
    parts_k, parts_s = [], []
    for sl in np.array_split(np.arange(5000), 4):
        ids, g, first = agg.group_ids(keys[sl])
        s, _ = agg.sum_int64(ids, g, vals[sl])
        parts_k.append(keys[sl][first])
        parts_s.append(s)
    pk = np.concatenate(parts_k)
    ids, g, first = agg.group_ids(pk)
    total, _ = agg.sum_int64(ids, g, np.concatenate(parts_s))
    exp = {int(k): int(vals[keys == k].sum()) for k in np.unique(keys)}
    assert {int(pk[f]): int(t) for f, t in zip(first, total, strict=True)} == exp


@pytest.mark.parametrize("ngroups", [1, 3, agg.FEW_GROUPS, agg.FEW_GROUPS + 1])
def test_few_groups_paths_match_naive(rng, ngroups):
    """Few groups take unchecked lane sums when no partial sum can overflow; values near
    the bound take the checked loop.  Both must equal the exact sums."""
    ids, g = _data(rng, n=4099, ngroups=ngroups)
    for scale in (10**6, (2**63 - 1) // 4099, (2**63 - 1) // 4099 + 1, 2**62):
        vi = rng.integers(-scale, scale, len(ids))
        exact = naive.grouped(ids, g, vi, None, lambda x: sum(int(v) for v in x))
        s, o = agg.sum_int64(ids, g, vi)
        fits = all(-(2**63) <= x < 2**63 for x in exact)
        if fits and not o:
            assert s.tolist() == exact
        assert o or fits
    assert agg.count(ids, g).tolist() == naive.grouped(ids, g, ids, None, len)
