"""The one-key join table (``kernels.int_join``) against the naive join, in both of its
modes (direct and hashed), with repeated keys, hash collisions, extreme values, and
multi-column keys packed into one."""

import numpy as np
import pytest

from kernels import int_join
from tests.kernels import naive

I64 = np.iinfo(np.int64)


def _cases():
    rng = np.random.default_rng(11)
    yield "empty", np.empty(0, np.int64)
    yield "one", np.array([42], np.int64)
    yield "dense unique", rng.permutation(5000).astype(np.int64) + 100
    yield "dense repeated", rng.integers(-50, 50, 3000)
    yield "small span sparse rows", rng.choice(60000, 40, replace=False).astype(np.int64)
    yield "sparse unique", rng.choice(10**12, 3000, replace=False).astype(np.int64) * 7 - 10**12
    yield "sparse repeated", np.repeat(rng.choice(10**12, 700, replace=False), rng.integers(1, 5, 700)).astype(np.int64)
    yield "colliding", np.arange(0, 4096, dtype=np.int64) << 40  # identical low bits
    yield "hashed with bitmap", rng.choice(5_000_000, 3000, replace=False).astype(np.int64) - 2_000_000
    yield "bitmap repeated", np.repeat(rng.choice(3_000_000, 500, replace=False), 3).astype(np.int64) + 64
    yield "extremes", np.array([I64.min, I64.max, 0, -1, 1, I64.min + 1], np.int64)
    yield "extremes repeated", np.array([I64.max, I64.min, I64.max, 5, I64.min], np.int64)


CASES = list(_cases())


def _probe(build, rng):
    n = 3 * len(build) + 50
    probe = rng.integers(-100, 100, n).astype(np.int64)
    if len(build):  # misses inside the keys' span, where a bitmap must say no
        span = rng.integers(int(build.min()) // 2, int(build.max()) // 2 + 1, n // 3) * 2 + 1
        probe[n // 2: n // 2 + len(span)] = span
    probe[:4] = [I64.min, I64.max, -1, 0]
    if len(build):
        pick = rng.random(n) < 0.6
        probe[pick] = build[rng.integers(0, len(build), n)][pick]
        probe[-2:] = [build.min() - 1, build.max() + 1] if build.max() < I64.max and build.min() > I64.min else probe[-2:]
    return probe


@pytest.mark.parametrize("name,keys", CASES, ids=[c[0] for c in CASES])
def test_int_join_matches_naive(name, keys):
    rng = np.random.default_rng(len(name))
    probe = _probe(keys, rng)
    table = int_join.build(keys)
    assert table.unique == (len(np.unique(keys)) == len(keys))
    for left in (False, True):
        got = (int_join.left_pairs if left else int_join.inner_pairs)(table, probe)
        exp = naive.inner_join(keys, probe, left=left)
        np.testing.assert_array_equal(got[0], exp[0])
        np.testing.assert_array_equal(got[1], exp[1])
    np.testing.assert_array_equal(int_join.semi(table, probe), naive.semi_join(keys, probe))
    matched = np.zeros(len(keys), bool)
    int_join.mark_build_matches(table, probe, matched)
    np.testing.assert_array_equal(matched, naive.mark_build(keys, probe))


def test_both_modes_are_exercised():
    dense = int_join.build(np.arange(1000, dtype=np.int64) * 3)
    sparse = int_join.build(np.arange(1000, dtype=np.int64) * 1000)
    assert dense.shift == 0 and len(dense.heads) == 2998
    assert sparse.shift != 0 and len(sparse.heads) == 2048 and len(sparse.bits) == (999_001 + 63) // 64
    wide = int_join.build(np.array([0, 1 << 40], np.int64))
    assert wide.shift != 0 and len(wide.bits) == 0


def test_large_probe_over_several_batches():
    rng = np.random.default_rng(3)
    keys = np.repeat(rng.choice(1 << 40, 2000, replace=False), 2).astype(np.int64)
    probe = rng.choice(keys, 50_000)
    got = int_join.inner_pairs(int_join.build(keys), probe)
    exp = naive.inner_join(keys, probe)
    np.testing.assert_array_equal(got[0], exp[0])
    np.testing.assert_array_equal(got[1], exp[1])


def test_packed_keys_match_naive_and_out_of_range_rows_match_nothing():
    rng = np.random.default_rng(5)
    build = np.stack([rng.integers(0, 30, 500), rng.integers(-7, 7, 500), rng.integers(10**9, 10**9 + 4, 500)], axis=1)
    build = np.ascontiguousarray(build, dtype=np.int64)
    probe = np.ascontiguousarray(np.stack([rng.integers(-5, 35, 2000), rng.integers(-9, 9, 2000), rng.integers(10**9 - 1, 10**9 + 5, 2000)], axis=1), dtype=np.int64)
    probe[0] = [I64.max, I64.min, 0]
    packing = int_join.packing(build)
    assert packing is not None
    table = int_join.build(int_join.pack_keys(packing, build))
    packed_probe = int_join.pack_keys(packing, probe)
    assert packed_probe[0] == -1
    got = int_join.inner_pairs(table, packed_probe)
    exp = naive.inner_join(build, probe)
    np.testing.assert_array_equal(got[0], exp[0])
    np.testing.assert_array_equal(got[1], exp[1])


def test_packing_refuses_ranges_beyond_int64():
    wide = np.array([[0, 0], [I64.max, I64.max]], np.int64)
    assert int_join.packing(wide) is None


def test_mark_rejects_a_wrong_matched_array():
    table = int_join.build(np.arange(5, dtype=np.int64))
    with pytest.raises(ValueError):
        int_join.mark_build_matches(table, np.arange(5, dtype=np.int64), np.zeros(4, bool))
