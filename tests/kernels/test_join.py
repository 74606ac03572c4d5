import numpy as np
import pytest

from kernels.hash_table import build, lookup_first
from kernels.join import inner_join, left_join, mark_build_matches, semi_join
from tests.kernels import naive
from tests.kernels.conftest import key_cases

CASES = key_cases(np.random.default_rng(7))


def _probe_for(build_keys, rng):
    """Probe keys: some from the build side (shuffled, repeated), some misses."""
    k = build_keys.shape[1]
    n = 3 * len(build_keys) + 5
    miss = rng.integers(-20, 20, (n, k))
    if len(build_keys):
        hit = build_keys[rng.integers(0, len(build_keys), n)]
        pick = rng.random(n) < 0.7
        miss[pick] = hit[pick]
    return np.ascontiguousarray(miss)


@pytest.mark.parametrize("name,bk", CASES, ids=[c[0] for c in CASES])
def test_joins_match_naive(name, bk):
    rng = np.random.default_rng(len(name))
    pk = _probe_for(bk, rng)
    heads, nexts, mask = build(bk)
    assert len(heads) >= 2 * len(bk) and len(heads) & (len(heads) - 1) == 0
    assert mask == len(heads) - 1
    for left in (False, True):
        got = (left_join if left else inner_join)(bk, heads, nexts, mask, pk)
        exp = naive.inner_join(bk, pk, left=left)
        np.testing.assert_array_equal(got[0], exp[0])
        np.testing.assert_array_equal(got[1], exp[1])
    np.testing.assert_array_equal(semi_join(bk, heads, nexts, mask, pk), naive.semi_join(bk, pk))
    matched = np.zeros(len(bk), bool)
    mark_build_matches(bk, heads, nexts, mask, pk, matched)
    np.testing.assert_array_equal(matched, naive.mark_build(bk, pk))
    first = lookup_first(bk, heads, nexts, mask, pk)
    p, b = naive.inner_join(bk, pk, left=True)
    exp_first = np.full(len(pk), -1)
    for i, j in zip(p[::-1], b[::-1], strict=True):
        exp_first[i] = j
    np.testing.assert_array_equal(first, exp_first)


def test_sorted_probe_and_growth():
    # many-to-many with heavy duplication forces output growth past the probe size
    bk = np.repeat(np.arange(50), 40)[:, None]
    pk = np.repeat(np.arange(-5, 60), 7)[:, None]
    h, nx, m = build(bk)
    got = inner_join(bk, h, nx, m, pk)
    exp = naive.inner_join(bk, pk)
    assert len(exp[0]) > 10 * len(pk)
    np.testing.assert_array_equal(got[0], exp[0])
    np.testing.assert_array_equal(got[1], exp[1])


def test_batch_boundaries():
    # equal probe keys straddling a batch boundary reuse the previous batch's answer
    bk = np.array([[5], [9], [5]], np.int64)
    pk = np.full((3000, 1), 5, np.int64)
    pk[1500:] = 9
    pk[2999] = 4
    h, nx, m = build(bk)
    got = left_join(bk, h, nx, m, pk)
    exp = naive.inner_join(bk, pk, left=True)
    np.testing.assert_array_equal(got[0], exp[0])
    np.testing.assert_array_equal(got[1], exp[1])


def test_width_mismatch():
    h, nx, m = build(np.zeros((3, 2), np.int64))
    with pytest.raises(ValueError):
        inner_join(np.zeros((3, 2), np.int64), h, nx, m, np.zeros((3, 1), np.int64))
