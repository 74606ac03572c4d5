"""Compile (or load from the on-disk cache) every kernel signature the engine uses.

Run ``python -m kernels.warmup`` at install time: the first run compiles and writes numba's
cache files next to the modules (``__pycache__``); later processes load them, so the first
query does not pay seconds of JIT (nested-value queries included). Signatures covered: int64 keys with k=1 and k=2, masked and
unmasked aggregates, int64 and float64 values, writable and read-only value arrays (arrays
viewed zero-copy from Arrow are read-only, which numba types separately).
"""

import sys
import time

import numpy as np
import pyarrow as pa

from kernels import aggregate, hash_table, hashing, int_join, join, json_fields, json_split, like, nested, parquet, sort, string_dedup, window


def _ro(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def warmup():
    """Call every kernel once on tiny inputs of each signature.

    Returns
    -------
    float, seconds taken
    """
    t0 = time.perf_counter()
    k1 = np.array([[3], [1], [3], [2]], np.int64)
    k2 = np.array([[3, 0], [1, 1], [3, 0], [2, 2]], np.int64)
    vi = np.array([5, -1, 2, 7], np.int64)
    vf = np.array([0.5, 1.5, np.nan, -2.0])
    valid = np.array([True, False, True, True])
    for keys in (k1, k2):
        hashing.hash_keys(keys)
        hashing.slice_of(keys, 4)
        heads, nexts, mask = hash_table.build(keys)
        hash_table.lookup_first(keys, heads, nexts, mask, keys)
        join.inner_join(keys, heads, nexts, mask, keys)
        join.left_join(keys, heads, nexts, mask, keys)
        join.semi_join(keys, heads, nexts, mask, keys)
        join.mark_build_matches(keys, heads, nexts, mask, keys, np.zeros(len(keys), bool))
        aggregate.group_ids(keys)
        aggregate._group_ids_hash(keys)
    ids, g, _ = aggregate.group_ids(k1)
    huge = np.array([2**62, 2**62, 1, 1], np.int64)  # the checked path: a sum could overflow
    for v in (vi, _ro(vi), huge, _ro(huge)):
        aggregate.sum_int64(ids, g, v)
        aggregate.sum_int64_masked(ids, g, v, valid)
        aggregate.min_int64(ids, g, v)
        aggregate.max_int64_masked(ids, g, v, valid)
        aggregate.count_distinct(ids, g, v)
    for v in (vf, _ro(vf)):
        aggregate.sum_float64(ids, g, v)
        aggregate.sum_float64_masked(ids, g, v, valid)
        aggregate.min_float64(ids, g, v)
        aggregate.max_float64_masked(ids, g, v, valid)
    aggregate.count(ids, g)
    aggregate.count_valid(ids, g, valid)
    sort.argsort_keys([vi, vf], [True, False], [False, True], [valid, None])
    sort.top_n([vi], 2, [False], [False], [None])
    part = np.array([True, False, True, False])
    peer = np.array([True, True, True, False])
    window.row_number(part)
    window.rank(part, peer)
    window.dense_rank(part, peer)
    window.partition_ids(part)
    window.partition_bounds(part)
    window.lag(part, 1)
    window.lead(part, 1)
    window.ntile(part, 2)
    for v in (vi, vf):
        window.running_sum(part, peer, v, valid, True)
        window.running_min(part, peer, v, None, False)
        window.running_max(part, peer, v, valid, True)
        for lo, hi in ((None, 0), (-1, 1), (-1, None)):
            window.framed_sum(part, v, lo, hi, valid)
    text = np.frombuffer(b'{"a":1}\n{"b":[2]}', np.uint8)  # read-only, as COPY passes bytes
    starts, ends, _, flags, _, _, _ = json_split.scan_records(text, True, 1 << 22)
    json_split.join_records(text, starts, ends, flags, False)
    json_fields.warm()  # the JSON fast path (external tables' and COPY's flat records)
    parquet.warm()  # Parquet pages decoded for external-table scans
    string_dedup.warm()  # PLAIN Parquet strings and concatenated dictionaries hashed into distinct values
    _int_join()
    for strings in (pa.array(["ab", "xaby"]), pa.array(["ab"], pa.large_string())):  # LIKE '%a%b%'
        like.match_like(strings, [b"a", b"b"], False, False, False)
    _nested()
    return time.perf_counter() - t0


def _int_join():
    """The one-key join table in both modes, unique or not, probe keys writable or read-only
    (a key column viewed from Arrow), and the packing of several key columns."""
    dense = np.array([3, 1, 2], np.int64)
    for build in (dense, np.array([3, 1, 3], np.int64), dense << 40, np.array([5, 5], np.int64) << 40):
        table = int_join.build(build)
        for probe in (dense, _ro(dense)):
            int_join.inner_pairs(table, probe)
            int_join.left_pairs(table, probe)
            int_join.semi(table, probe)
            int_join.mark_build_matches(table, probe, np.zeros(len(build), bool))
    big = int_join.build(np.arange(1 << 17, dtype=np.int64))  # beyond the in-cache loop
    int_join.inner_pairs(big, dense)
    mat = np.array([[1, 2], [3, 4]], np.int64)
    for m in (mat, _ro(mat)):
        int_join.pack_keys(int_join.packing(mat), m)


def _nested():
    """The JSON-walking kernels of nested values (``kernels/nested.py``): the text as a
    read-only view of an Arrow buffer (how ``functions.nested`` and ``loaders.nested``
    pass it) and as a writable array, keys likewise."""
    raw = b'[1,{"a":[2,null]},"x"] {"k":1,"a":null}'
    starts = np.array([0, 23], np.int64)
    ends = np.array([22, len(raw)], np.int64)
    koffs = np.array([0, 1], np.int64)
    for data in (np.frombuffer(raw, np.uint8), np.frombuffer(raw, np.uint8).copy()):
        nested.json_length(data, starts, ends)
        nested.json_kinds(data, starts, ends)
        nested.gather_spans(data, starts, ends)
        owner, vs, ve, ks, ke = nested.json_elements(data, starts, ends)
        for kdata in (np.frombuffer(b"a", np.uint8), np.zeros(1, np.uint8)):
            nested.json_child(data, starts, ends, True, kdata, koffs, np.zeros(1, np.int64))
            nested.json_child(data, vs, ve, False, kdata, koffs, np.array([-1], np.int64))
    buf = np.frombuffer(b'{"s":{"A":1}}\n', np.uint8).copy()
    nested.lower_object_keys(buf, np.frombuffer(b"s", np.uint8), koffs)
    nested.unnest_rows(np.array([2, 0, 1], np.int64), True)


def main():
    """Entry point of ``python -m kernels.warmup``."""
    took = warmup()
    print(f"kernels warmed in {took:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
