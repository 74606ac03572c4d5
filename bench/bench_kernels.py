"""pytest-benchmark suite for the main kernels.

Run: ``pytest bench/bench_kernels.py --benchmark-only``. Sizes are small by default;
set ``KERNEL_BENCH_ROWS=6000000`` for the TPC-H SF1 lineitem scale (6M probe rows against
1.5M orders keys, as l_orderkey).
"""

import os

import numpy as np
import pytest

from kernels import aggregate, hash_table, join, sort, window
from kernels.hashing import hash_keys

ROWS = int(os.environ.get("KERNEL_BENCH_ROWS", "200000"))


def _orderkeys(n):
    """TPC-H-like sparse order keys: 8 used out of every 32."""
    i = np.arange(n, dtype=np.int64)
    return (i // 8) * 32 + (i % 8) + 1


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    orders = _orderkeys(ROWS // 4)
    line = np.repeat(orders, rng.integers(1, 8, orders.size))[:ROWS]
    line = np.concatenate([line, rng.choice(orders, ROWS - line.size)]) if line.size < ROWS else line
    return {
        "orders": orders.reshape(-1, 1),
        "line_sorted": line.reshape(-1, 1).copy(),
        "line_shuffled": rng.permutation(line).reshape(-1, 1),
        "four": rng.integers(0, 4, ROWS).reshape(-1, 1),
        "k2": np.ascontiguousarray(rng.integers(0, 1000, (ROWS, 2))),
        "values": rng.integers(-1000, 1000, ROWS),
        "fvalues": rng.normal(size=ROWS),
    }


def test_hash_keys(benchmark, data):
    benchmark(hash_keys, data["line_shuffled"])


def test_build(benchmark, data):
    benchmark(hash_table.build, data["orders"])


@pytest.mark.parametrize("probe", ["line_sorted", "line_shuffled"])
def test_inner_join(benchmark, data, probe):
    b = data["orders"]
    h, nx, m = hash_table.build(b)
    benchmark(join.inner_join, b, h, nx, m, data[probe])


def test_semi_join(benchmark, data):
    b = data["orders"]
    h, nx, m = hash_table.build(b)
    benchmark(join.semi_join, b, h, nx, m, data["line_shuffled"])


@pytest.mark.parametrize("keys", ["four", "line_sorted", "line_shuffled", "k2"])
def test_group_ids(benchmark, data, keys):
    benchmark(aggregate.group_ids, data[keys])


def test_group_ids_hash_shuffled(benchmark, data):
    benchmark(aggregate._group_ids_hash, data["line_shuffled"] * 1000003)


def test_sum_int64(benchmark, data):
    ids, g, _ = aggregate.group_ids(data["four"])
    benchmark(aggregate.sum_int64, ids, g, data["values"])


def test_sum_float64_masked(benchmark, data):
    ids, g, _ = aggregate.group_ids(data["line_sorted"])
    valid = data["values"] > -900
    benchmark(aggregate.sum_float64_masked, ids, g, data["fvalues"], valid)


def test_argsort_two_keys(benchmark, data):
    benchmark(sort.argsort_keys, [data["four"][:, 0], data["fvalues"]], [False, True])


def test_top_n(benchmark, data):
    benchmark(sort.top_n, [data["fvalues"], data["values"]], 100, [True, False])


def test_running_sum(benchmark, data):
    k = data["line_sorted"][:, 0]
    part = np.empty(k.size, bool)
    part[0] = True
    part[1:] = k[1:] != k[:-1]
    benchmark(window.running_sum, part, part, data["values"], None, False)
