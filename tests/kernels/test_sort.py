import numpy as np
import pytest

from kernels.sort import argsort_keys, top_n
from tests.kernels import naive


def _cols(rng, n):
    a = rng.integers(-3, 3, n)
    b = rng.normal(size=n).round(1)
    b[rng.random(n) < 0.1] = np.nan
    b[rng.random(n) < 0.1] = -0.0
    b[rng.random(n) < 0.05] = 0.0
    c = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, n, dtype=np.int64)
    c[: n // 10] = np.iinfo(np.int64).min
    return [a, b, c]


FLAGS = [
    ([False, False, False], [False, False, False]),
    ([True, False, True], [False, True, False]),
    ([False, True, False], [True, False, True]),
    ([True, True, True], [True, True, True]),
]


@pytest.mark.parametrize("desc,nf", FLAGS)
@pytest.mark.parametrize("n", [0, 1, 7, 2500])
def test_argsort_and_top_n(desc, nf, n):
    rng = np.random.default_rng(n + sum(desc))
    cols = _cols(rng, n)
    nulls = [rng.random(n) < 0.15, None, rng.random(n) < 0.05]
    exp = naive.sort_order(cols, desc, nf, nulls)
    got = argsort_keys(cols, desc, nf, nulls)
    np.testing.assert_array_equal(got, exp)
    for k in (0, 1, 5, 100, n + 3):
        np.testing.assert_array_equal(top_n(cols, k, desc, nf, nulls), exp[:k])
    # single key paths
    exp1 = naive.sort_order(cols[1:2], desc[1:2], nf[1:2], [None])
    np.testing.assert_array_equal(argsort_keys(cols[1:2], desc[1:2], nf[1:2]), exp1)
    np.testing.assert_array_equal(top_n(cols[1:2], 10, desc[1:2], nf[1:2]), exp1[:10])


def test_top_n_ties_stable():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 3, 5000)
    b = rng.integers(0, 2, 5000)
    exp = naive.sort_order([a, b], [False, True], [False, False], [None, None])
    np.testing.assert_array_equal(top_n([a, b], 40, [False, True]), exp[:40])
    np.testing.assert_array_equal(top_n(np.stack([a, b], 1), 40, [False, True]), exp[:40])


def test_bad_input():
    with pytest.raises(ValueError):
        argsort_keys([np.arange(3), np.arange(4)])
    with pytest.raises(TypeError):
        argsort_keys([np.array(["a", "b"])])
