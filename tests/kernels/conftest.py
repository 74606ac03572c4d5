import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def key_cases(rng):
    """(name, keys[n, k]) covering duplicates, empty, single row, equal keys, big ranges."""
    big = np.iinfo(np.int64)
    return [
        ("empty", np.empty((0, 1), np.int64)),
        ("empty2", np.empty((0, 2), np.int64)),
        ("single", np.array([[7]], np.int64)),
        ("all_equal", np.full((50, 1), -3, np.int64)),
        ("dups_small", rng.integers(-5, 5, (300, 1))),
        ("dups_k2", rng.integers(-3, 3, (400, 2))),
        ("wide", rng.integers(big.min, big.max, (300, 1), dtype=np.int64)),
        ("wide_dups", np.repeat(rng.integers(big.min, big.max, (40, 1), dtype=np.int64), 3, 0)),
        ("extremes", np.array([[big.min], [big.max], [0], [big.min], [-1]], np.int64)),
        ("sorted_runs", np.repeat(np.arange(0, 200, 3), rng.integers(1, 5, 67))[:, None]),
        ("k3", rng.integers(0, 4, (500, 3))),
        ("many", rng.integers(-10**12, 10**12, (5000, 1))),
    ]
