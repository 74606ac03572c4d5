"""``loaders.parquet_direct`` (the numba Parquet decoder of external-table scans) decodes
exactly what pyarrow reads, or leaves the column chunk to pyarrow (``NEEDS_ARROW``), never
anything else.

* every row group and column of files pyarrow writes in several layouts (data pages v1/v2,
  every codec, small pages and row groups, no dictionary, dictionary fallback to PLAIN,
  decimals as FIXED_LEN_BYTE_ARRAY or INT32/INT64) is decoded and compared with
  ``ParquetFile.read_row_group``;
* ``plan_columns`` refuses (None: pyarrow reads the object) what it must;
* damaged files: bytes flipped in data pages decode to pyarrow's values or ``NEEDS_ARROW``,
  and an external table over a damaged file fails naming the row group and the object;
* through SQL, aggregates over external tables on those files equal DuckDB's over the same
  files, with the direct decoder checked to have been used.
"""

from __future__ import annotations

import io
import os
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import loaders.hive as hive
import warehouse
from kernels.parquet import H_BODY, page_headers, rle_hybrid
from loaders.parquet_direct import NEEDS_ARROW, decode_row_group, plan_columns

N = 50_000
WORDS = np.array(["alpha", "beta", "gamma", "δelta", "", "x" * 50, "日本語", "naïve"])
VARIANTS = {
    "default": {},
    "v2": {"data_page_version": "2.0"},
    "v2_gzip": {"data_page_version": "2.0", "compression": "gzip"},
    "zstd_small": {"compression": "zstd", "data_page_size": 4096, "row_group_size": 7000},
    "nodict_lz4": {"use_dictionary": False, "compression": "lz4"},
    "dictlimit": {"dictionary_pagesize_limit": 2000, "compression": "none"},
    "intdec_brotli": {"store_decimal_as_integer": True, "compression": "brotli"},
}
# string column chunks whose data pages are PLAIN: the decoder leaves those to pyarrow
# string chunks with PLAIN data pages (no dictionary, or one that grew too large): hashed into
# distinct values here (kernels.string_dedup), never left to pyarrow
PLAIN_STRINGS = {"nodict_lz4": {"s", "s_nn", "u", "nul_s"}, "dictlimit": {"u"}}
# the SQL type of each column of the table (its Arrow type is the file's, timestamps as us)
SQL_TYPES = {
    "i32": "int", "i32_nn": "int", "i64": "bigint", "i64_nn": "bigint", "f32": "real", "f32_nn": "real",
    "f64": "double precision", "f64_nn": "double precision", "b": "boolean", "b_nn": "boolean", "d": "date",
    "d_nn": "date", "dec9": "decimal(9,2)", "dec9_nn": "decimal(9,2)", "dec18": "decimal(18,3)",
    "dec18_nn": "decimal(18,3)", "ts_ms": "timestamp", "ts_ms_nn": "timestamp", "ts_us": "timestamp",
    "ts_us_nn": "timestamp", "s": "varchar(256)", "s_nn": "varchar(256)", "u": "varchar(256)",
    "nul_i": "int", "nul_s": "varchar(256)",
}


# ----- data --------------------------------------------------------------------------------


def _decimal(unscaled: np.ndarray, t: pa.Decimal128Type, mask: np.ndarray | None) -> pa.Array:
    """A decimal128 array of the given unscaled int64 values (NULL where ``mask``)."""
    words = np.empty((len(unscaled), 2), np.int64)
    words[:, 0] = unscaled
    words[:, 1] = unscaled >> 63
    validity = None if mask is None else pa.array(~mask).buffers()[1]
    return pa.Array.from_buffers(t, len(unscaled), [validity, pa.py_buffer(words.tobytes())],
                                 null_count=-1 if mask is not None else 0)


def _table() -> pa.Table:
    rng = np.random.default_rng(20261125)

    def mask(p: float) -> np.ndarray:
        return rng.random(N) < p

    def ints(lo: int, hi: int, dtype: type = np.int64) -> np.ndarray:
        return rng.integers(lo, hi, N, dtype=np.int64).astype(dtype)

    i32_nn = ints(-(2**31), 2**31, np.int32)
    i32_nn[:2] = [np.iinfo(np.int32).min, np.iinfo(np.int32).max]
    i64_nn = rng.integers(-(2**62), 2**62, N)
    i64_nn[:2] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max]
    dec9_nn = ints(-999_999_999, 1_000_000_000)
    dec9_nn[:2] = [-999_999_999, 999_999_999]
    dec18_nn = rng.integers(-(10**17), 10**17, N)
    dec18_nn[:2] = [-(10**18 - 1), 10**18 - 1]
    days = (-700_000, 2_932_000)  # years 53 to 9997
    ms = (-60_000_000_000_000, 250_000_000_000_000)  # years 68 to 9892
    columns = {
        "i32": pa.array(ints(-1000, 1000, np.int32), mask=mask(0.2)),
        "i32_nn": pa.array(i32_nn),
        "i64": pa.array(ints(-(2**40), 2**40), mask=mask(0.5)),
        "i64_nn": pa.array(i64_nn),
        "f32": pa.array((rng.standard_normal(N) * 1e3).astype(np.float32), mask=mask(0.2)),
        "f32_nn": pa.array(rng.random(N).astype(np.float32)),
        "f64": pa.array(rng.standard_normal(N) * 1e6, mask=mask(0.2)),
        "f64_nn": pa.array(rng.random(N)),
        "b": pa.array(rng.random(N) < 0.3, mask=mask(0.2)),
        "b_nn": pa.array(rng.random(N) < 0.5),
        "d": pa.array(ints(*days, np.int32), mask=mask(0.2)).cast(pa.date32()),
        "d_nn": pa.array(ints(*days, np.int32)).cast(pa.date32()),
        "dec9": _decimal(ints(-999_999_999, 1_000_000_000), pa.decimal128(9, 2), mask(0.2)),
        "dec9_nn": _decimal(dec9_nn, pa.decimal128(9, 2), None),
        "dec18": _decimal(ints(-(10**13), 10**13), pa.decimal128(18, 3), mask(0.2)),
        "dec18_nn": _decimal(dec18_nn, pa.decimal128(18, 3), None),
        "ts_ms": pa.array(ints(*ms), mask=mask(0.2)).cast(pa.timestamp("ms")),
        "ts_ms_nn": pa.array(ints(*ms)).cast(pa.timestamp("ms")),
        "ts_us": pa.array(ints(*ms) * 1000 + ints(0, 1000), mask=mask(0.2)).cast(pa.timestamp("us")),
        "ts_us_nn": pa.array(ints(*ms) * 1000 + ints(0, 1000)).cast(pa.timestamp("us")),
        "s": pa.array(WORDS[rng.integers(0, len(WORDS), N)], mask=mask(0.2)),
        "s_nn": pa.array(WORDS[rng.integers(0, len(WORDS), N)]),
        "u": pa.array([f"u{i}-{v}" for i, v in enumerate(rng.integers(0, 1 << 30, N))], mask=mask(0.05)),
        "nul_i": pa.nulls(N, pa.int32()),
        "nul_s": pa.nulls(N, pa.string()),
    }
    assert list(columns) == list(SQL_TYPES)
    # the *_nn columns are REQUIRED in the file (no definition levels), the others OPTIONAL
    schema = pa.schema([pa.field(k, v.type, nullable=not k.endswith("_nn")) for k, v in columns.items()])
    return pa.Table.from_arrays(list(columns.values()), schema=schema)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """Each variant's file, alone in its folder (an external table's location)."""
    table = _table()
    root = tmp_path_factory.mktemp("parquet_direct")
    out = {}
    for name, kw in VARIANTS.items():
        folder = root / name
        folder.mkdir()
        path = folder / "data.parquet"
        pq.write_table(table, path, **kw)
        out[name] = str(path)
    return out


def _declared(pf: pq.ParquetFile) -> tuple[list[str], list[pa.DataType]]:
    """The file's columns and their Arrow types, timestamps as microseconds (the engine's)."""
    schema = pf.schema_arrow
    return schema.names, [pa.timestamp("us") if pa.types.is_timestamp(f.type) else f.type for f in schema]


# ----- comparing a decoded column with pyarrow's -------------------------------------------


def _expected(col: pa.Array, t: pa.DataType) -> np.ndarray:
    """pyarrow's values in the engine's physical form (NULL slots: whatever)."""
    if pa.types.is_decimal(t):
        col = col.cast(t)  # the declared scale
        words = np.frombuffer(col.buffers()[1], "<i8")[2 * col.offset:2 * (col.offset + len(col))]
        low, high = words[0::2], words[1::2]
        assert np.array_equal(high, low >> 63), "decimal does not fit int64"
        return low
    if pa.types.is_date32(t):
        return col.cast(pa.int32()).fill_null(0).to_numpy()
    if pa.types.is_timestamp(t):
        return col.cast(pa.timestamp("us")).cast(pa.int64()).fill_null(0).to_numpy()
    if pa.types.is_boolean(t):
        return col.fill_null(False).to_numpy(zero_copy_only=False)
    return col.fill_null(0).to_numpy(zero_copy_only=False)


_ENGINE_DTYPES = {pa.int32(): np.int32, pa.int64(): np.int64, pa.float32(): np.float32, pa.float64(): np.float64,
                  pa.bool_(): np.bool_, pa.date32(): np.int32, pa.timestamp("us"): np.int64}


def _same(d, col: pa.Array, t: pa.DataType, where: str) -> None:
    """The decoded column ``d`` is pyarrow's ``col`` (read in the file's type), NULL slots aside."""
    n = len(col)
    nulls = col.null_count
    if d.valid is None:
        assert nulls == 0, f"{where}: NULLs lost"
        valid = np.ones(n, np.bool_)
    else:
        valid = col.is_valid().to_numpy(zero_copy_only=False)
        assert d.valid.dtype == np.bool_ and np.array_equal(d.valid, valid), f"{where}: validity differs"
    assert len(d.values) == n, f"{where}: {len(d.values)} values for {n} rows"
    if pa.types.is_string(t):
        assert d.values.dtype == np.int32, where
        assert pa.types.is_string(d.dictionary.type), where
        assert len(pc.unique(d.dictionary)) == len(d.dictionary), f"{where}: dictionary values repeat"
        got = d.dictionary.take(pa.array(d.values, mask=~valid)) if nulls < n else pa.nulls(n, pa.string())
        assert got.equals(col.cast(pa.string())), f"{where}: strings differ"
        return
    want = np.int64 if pa.types.is_decimal(t) else _ENGINE_DTYPES[t]
    assert d.values.dtype == want, f"{where}: dtype {d.values.dtype}, not {np.dtype(want)}"
    exp = _expected(col, t)
    got = d.values
    if got.dtype.kind == "f":  # bit for bit (signed zeros, NaN payloads)
        got, exp = got.view(f"i{got.itemsize}"), exp.view(f"i{exp.itemsize}")
    bad = np.flatnonzero((got != exp) & valid)
    assert len(bad) == 0, f"{where}: {len(bad)} values differ, first at row {bad[0]}: {d.values[bad[0]]!r} != {exp[bad[0]]!r}"


# ----- 1. differential against pyarrow -----------------------------------------------------


@pytest.mark.parametrize("whole", [False, True], ids=["file", "buffer"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_row_group_and_column_decodes_as_pyarrow_reads_it(files, variant, whole):
    path = files[variant]
    pf = pq.ParquetFile(path)
    names, types = _declared(pf)
    plans = plan_columns(pf, names, types)
    assert plans is not None and all(p is not None for p in plans)
    if variant == "zstd_small":
        assert pf.num_row_groups == 8 and pf.metadata.row_group(0).column(0).total_uncompressed_size > 4 * 4096
    source = pa.memory_map(path)
    if whole:  # the whole file as one buffer (external scans of local files): chunks are views
        source = source.read_buffer()
    left = set()
    for g in range(pf.num_row_groups):
        decoded = decode_row_group(source, pf.metadata.row_group(g), plans)
        ref = pf.read_row_group(g)
        assert len(decoded) == len(names)
        for name, t, d in zip(names, types, decoded):
            if d is NEEDS_ARROW:
                left.add(name)
                continue
            _same(d, ref.column(name).combine_chunks(), t, f"{variant} row group {g} column {name}")
    assert not left  # PLAIN strings included
    for name in PLAIN_STRINGS.get(variant, ()):  # the file really has PLAIN string pages there
        assert _has_plain_data_pages(path, pf.metadata.row_group(0).column(names.index(name))), name


def _has_plain_data_pages(path, chunk) -> bool:  # noqa: ANN001 - a path, ColumnChunkMetaData
    from kernels.parquet import H_ENCODING, H_TYPE, page_headers

    start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    raw = np.frombuffer(pa.memory_map(str(path)).read_at(chunk.total_compressed_size, start), np.uint8)
    heads = page_headers(raw, 64)
    return bool(np.any((heads[:, H_TYPE] != 2) & (heads[:, H_ENCODING] == 0)))  # not a dictionary page, PLAIN


def test_strings_repeated_across_a_dictionary_and_plain_pages_get_one_code(tmp_path):
    """A dictionary that grew too large: later pages are PLAIN and repeat both its values and
    each other; every value must still have one code (the engine compares codes)."""
    words = [f"w{k:04d}-" + "x" * (k % 13) for k in range(600)]
    values = [None if k % 17 == 0 else words[(k * 7) % 600] for k in range(6000)]
    path = tmp_path / "fallback.parquet"
    pq.write_table(pa.table({"s": pa.array(values, pa.string())}), path, dictionary_pagesize_limit=1500,
                   data_page_size=4000, compression="snappy")
    pf = pq.ParquetFile(path)
    chunk = pf.metadata.row_group(0).column(0)
    assert chunk.has_dictionary_page and _has_plain_data_pages(path, chunk)  # really both kinds of page
    [d] = decode_row_group(pa.memory_map(str(path)), pf.metadata.row_group(0), plan_columns(pf, ["s"], [pa.string()]))
    assert d is not NEEDS_ARROW and d.arrow is None
    assert len(d.dictionary) == 600
    _same(d, pf.read_row_group(0).column("s").combine_chunks(), pa.string(), "fallback")


def test_a_buffer_cut_short_leaves_the_chunks_past_its_end_to_pyarrow(files):
    pf = pq.ParquetFile(files["default"])
    names, types = _declared(pf)
    plans = plan_columns(pf, names, types)
    meta = pf.metadata.row_group(0)
    whole = pa.memory_map(files["default"]).read_buffer()
    cut = meta.column(len(names) // 2).data_page_offset  # the file ends inside the middle column
    decoded = decode_row_group(whole.slice(0, cut), meta, plans)
    assert decoded[0] is not NEEDS_ARROW and all(d is NEEDS_ARROW for d in decoded[len(names) // 2:])


def test_null_slots_hold_zero(files):
    """``Decoded``'s promise: a NULL slot of a number column holds 0."""
    pf = pq.ParquetFile(files["default"])
    names, types = _declared(pf)
    decoded = decode_row_group(pa.memory_map(files["default"]), pf.metadata.row_group(0), plan_columns(pf, names, types))
    checked = 0
    for name, t, d in zip(names, types, decoded):
        if d.valid is not None and not pa.types.is_string(t):
            assert not d.values[~d.valid].any(), name
            checked += 1
    assert checked == 11  # i32 i64 f32 f64 b d dec9 dec18 ts_ms ts_us nul_i


def test_extreme_values_decode_exactly(tmp_path):
    """Float specials bit for bit, integer and decimal limits, dates and timestamps before 1970,
    a column chunk of one distinct value (a dictionary of one: indices of bit width 0)."""
    f64 = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf, 5e-324, -1.7976931348623157e308, 1.0])
    f32 = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf, 1e-45, -3.4028235e38, 1.0], np.float32)
    k = len(f64)
    table = pa.table({
        "f64": pa.array(f64), "f32": pa.array(f32),
        "i64": pa.array([-(2**63), 2**63 - 1, -1, 0, 1, 2**31, -(2**31) - 1, 7]),
        "i32": pa.array([-(2**31), 2**31 - 1, -1, 0, 1, None, 3, 4], pa.int32()),
        "dec18": _decimal(np.array([-(10**18 - 1), 10**18 - 1, -1, 0, 1, -(10**17), 10**17, 5]), pa.decimal128(18, 0), None),
        "dec4": _decimal(np.array([-9999, 9999, -1, 0, 1, -128, 127, 256]), pa.decimal128(4, 4), None),
        "d": pa.array([-719162, 2932896, -1, 0, 1, None, -25567, 25567], pa.int32()).cast(pa.date32()),
        "ts": pa.array([-62135596800000000, 253402300799999999, -1, 0, 1, None, -999, 999], pa.int64()).cast(pa.timestamp("us")),
        "one": pa.array(["same"] * k),
        "nul": pa.nulls(k, pa.string()),
    })
    for kw in ({}, {"use_dictionary": False}, {"store_decimal_as_integer": True, "data_page_version": "2.0"}):
        path = tmp_path / "x.parquet"
        pq.write_table(table, path, **kw)
        pf = pq.ParquetFile(path)
        names, types = _declared(pf)
        decoded = decode_row_group(pa.memory_map(str(path)), pf.metadata.row_group(0), plan_columns(pf, names, types))
        ref = pf.read_row_group(0)
        for name, t, d in zip(names, types, decoded):
            if d is NEEDS_ARROW:
                assert pa.types.is_string(t) and kw.get("use_dictionary") is False, (kw, name)
                continue
            _same(d, ref.column(name).combine_chunks(), t, f"{kw} column {name}")


def test_declared_types_wider_than_the_files(tmp_path):
    """INT32 read as BIGINT, FLOAT as DOUBLE, decimal(9,2) as decimal(18,5), milliseconds as
    microseconds: as pyarrow's cast gives them."""
    path = tmp_path / "w.parquet"
    rng = np.random.default_rng(3)
    mask = rng.random(2000) < 0.2
    table = pa.table({
        "i": pa.array(rng.integers(-(2**31), 2**31, 2000).astype(np.int32), mask=mask),
        "f": pa.array(rng.standard_normal(2000).astype(np.float32), mask=mask),
        "dec": _decimal(rng.integers(-999_999_999, 10**9, 2000), pa.decimal128(9, 2), mask),
        "ts": pa.array(rng.integers(-(10**12), 10**13, 2000), mask=mask).cast(pa.timestamp("ms")),
    })
    pq.write_table(table, path, store_decimal_as_integer=True)
    pf = pq.ParquetFile(path)
    wide = [pa.int64(), pa.float64(), pa.decimal128(18, 5), pa.timestamp("us")]
    plans = plan_columns(pf, table.column_names, wide)
    assert plans is not None and [p.multiply for p in plans] == [1, 1, 1000, 1000]
    decoded = decode_row_group(pa.memory_map(str(path)), pf.metadata.row_group(0), plans)
    for name, t, d in zip(table.column_names, wide, decoded):
        _same(d, table.column(name).combine_chunks().cast(t), t, name)


# ----- 2. what plan_columns must leave to pyarrow ------------------------------------------


def _plan(tmp_path, table: pa.Table, declared: list[pa.DataType], **kw):
    path = tmp_path / "p.parquet"
    pq.write_table(table, path, **kw)
    return plan_columns(pq.ParquetFile(path), table.column_names, declared)


def test_plan_refuses_what_pyarrow_must_read(tmp_path):
    ns = pa.table({"ts": pa.array([1_000_000_000_000_000_001], pa.timestamp("ns"))})
    assert _plan(tmp_path, ns, [pa.timestamp("us")]) is None
    i64 = pa.table({"x": pa.array([1], pa.int64())})
    assert _plan(tmp_path, i64, [pa.int32()]) is None  # narrower than the file's
    assert _plan(tmp_path, i64, [pa.int16()]) is None
    i32 = pa.table({"x": pa.array([1], pa.int32())})
    assert _plan(tmp_path, i32, [pa.int16()]) is None
    u32 = pa.table({"x": pa.array([2**32 - 1], pa.uint32())})
    assert _plan(tmp_path, u32, [pa.int32()]) is None  # unsigned
    dec = pa.table({"x": _decimal(np.array([12345]), pa.decimal128(18, 3), None)})
    assert _plan(tmp_path, dec, [pa.decimal128(18, 2)]) is None  # a smaller scale
    assert _plan(tmp_path, dec, [pa.decimal128(18, 4)]) is None  # 19 digits would not fit 18
    f64 = pa.table({"x": pa.array([0.5])})
    assert _plan(tmp_path, f64, [pa.float32()]) is None
    binary = pa.table({"x": pa.array([b"\xff"], pa.binary())})
    assert _plan(tmp_path, binary, [pa.string()]) is None
    nested = pa.table({
        "k": pa.array([1, 2], pa.int64()),
        "l": pa.array([[1, 2], None], pa.list_(pa.int32())),
        "st": pa.array([{"a": 1}, None], pa.struct([("a", pa.int64())])),
    })
    assert _plan(tmp_path, nested, [pa.int64(), pa.list_(pa.int32()), pa.struct([("a", pa.int64())])]) is None
    assert _plan(tmp_path, nested.select(["k", "l"]), [pa.int64(), pa.list_(pa.int32())]) is None
    assert _plan(tmp_path, nested.select(["k", "st"]), [pa.int64(), pa.struct([("a", pa.int64())])]) is None
    ok = _plan(tmp_path, nested.select(["k"]), [pa.int64()])
    assert ok is not None and ok[0].leaf == 0


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=1, slices_per_node=2)
    yield c
    c.close()


@pytest.fixture
def direct_calls(monkeypatch):
    """Row groups decoded by ``parquet_direct`` during the test."""
    calls = []
    real = hive.decode_row_group

    def spy(source, meta, plans):
        out = real(source, meta, plans)
        calls.append(out)
        return out

    monkeypatch.setattr(hive, "decode_row_group", spy)
    return calls


def _no_direct(monkeypatch) -> None:
    """Scans read every object with pyarrow, as before ``parquet_direct``."""
    monkeypatch.setattr(hive, "plan_columns", lambda *a: None)


def _external(con, name: str, folder, columns: str) -> None:
    con.cursor().execute(f"CREATE EXTERNAL TABLE {name} ({columns}) STORED AS PARQUET LOCATION '{folder}/'")


def test_nanoseconds_are_read_by_pyarrow_and_its_cast_still_refuses(tmp_path, con, direct_calls):
    lossy, exact = tmp_path / "lossy", tmp_path / "exact"
    lossy.mkdir()
    exact.mkdir()
    pq.write_table(pa.table({"ts": pa.array([1_000_000_000_000_000_001, None], pa.timestamp("ns")), "k": [1, 2]}), lossy / "a.parquet")
    pq.write_table(pa.table({"ts": pa.array([1_000_000_000_000_000_000, None], pa.timestamp("ns")), "k": [1, 2]}), exact / "a.parquet")
    _external(con, "lossy", lossy, "ts timestamp, k bigint")
    _external(con, "exact", exact, "ts timestamp, k bigint")
    cur = con.cursor()
    with pytest.raises(warehouse.DataError, match=r"timestamp\[ns\].*would lose data.*lossy/a\.parquet"):
        cur.execute("SELECT count(*), max(ts) FROM lossy")
    cur.execute("SELECT count(ts), sum(k), max(ts) FROM exact")
    assert cur.fetchone()[:2] == (1, 3)
    assert direct_calls == []  # the object went to pyarrow whole


# ----- values pyarrow's cast refuses -------------------------------------------------------


OUT_OF_RANGE = {
    # milliseconds whose microseconds overflow int64 (pyarrow: "out of bounds timestamp")
    "ms_overflow": (pa.table({"x": pa.array([0, 9_300_000_000_000_000, None], pa.timestamp("ms"))}), "timestamp", {}),
    # a decimal(10,0) file holding a value beyond its precision, read with two more digits of scale
    "decimal_rescaled": (pa.table({"x": _decimal(np.array([10**12, 5, 0]), pa.decimal128(10, 0), None)}), "decimal(12,2)",
                         {"store_decimal_as_integer": True}),
    # ... or read as decimal(12,0): pyarrow's cast checks the precision
    "decimal_widened": (pa.table({"x": _decimal(np.array([10**12, 5, 0]), pa.decimal128(10, 0), None)}), "decimal(12,0)",
                        {"store_decimal_as_integer": True}),
}


@pytest.mark.parametrize("case", list(OUT_OF_RANGE))
def test_values_pyarrow_would_not_cast_are_left_to_it(tmp_path, con, case):
    table, sql_type, kw = OUT_OF_RANGE[case]
    folder = tmp_path / case
    folder.mkdir()
    path = folder / "a.parquet"
    pq.write_table(table, path, **kw)
    pf = pq.ParquetFile(path)
    cur = con.cursor()
    _external(con, f"t_{case}", folder, f"x {sql_type}")
    # what pyarrow's path says
    with pytest.MonkeyPatch.context() as mp:
        _no_direct(mp)
        with pytest.raises(warehouse.DataError) as before:
            cur.execute(f"SELECT count(*), min(x), max(x) FROM t_{case}")
    assert "cannot be loaded as" in str(before.value)
    # the decoder must not produce wrapped or out-of-precision values
    arrow_type = {"timestamp": pa.timestamp("us"), "decimal(12,2)": pa.decimal128(12, 2), "decimal(12,0)": pa.decimal128(12, 0)}[sql_type]
    plans = plan_columns(pf, ["x"], [arrow_type])
    if plans is not None:
        d = decode_row_group(pa.memory_map(str(path)), pf.metadata.row_group(0), plans)[0]
        assert d is NEEDS_ARROW, f"decoded {d.values!r} where pyarrow's cast refuses"
    with pytest.raises(warehouse.DataError) as now:
        cur.execute(f"SELECT count(*), min(x), max(x) FROM t_{case}")
    assert str(now.value) == str(before.value)


# ----- 3. damaged files --------------------------------------------------------------------


def _small_table() -> pa.Table:
    rng = np.random.default_rng(5)
    n = 600

    def nul(a, p=0.3):
        return pa.array(a, mask=rng.random(len(a)) < p)

    return pa.table({
        "i32": nul(rng.integers(-50, 50, n).astype(np.int32)),
        "i64": pa.array(rng.integers(-(2**40), 2**40, n)),
        "f64": nul(rng.random(n)),
        "b": nul(rng.random(n) < 0.5),
        "d": nul(rng.integers(0, 999, n).astype(np.int32)).cast(pa.date32()),
        "dec": _decimal(rng.integers(-99_999, 99_999, n), pa.decimal128(9, 2), rng.random(n) < 0.2),
        "ts": nul(rng.integers(0, 2**40, n)).cast(pa.timestamp("ms")),
        "s": nul(np.array(["a", "bé", "", "ccc"])[rng.integers(0, 4, n)]),
    })


def _verdict(data: bytes, name: str, t: pa.DataType, original: pa.Array) -> tuple[str, str] | None:
    """None when the damaged file's column decodes acceptably, else (what is wrong, detail)."""
    source = pa.BufferReader(data)
    pf = pq.ParquetFile(source)
    plans = plan_columns(pf, [name], [t])
    if plans is None:
        return None
    try:
        d = decode_row_group(source, pf.metadata.row_group(0), plans)[0]
    except Exception as e:  # noqa: BLE001 - the finding
        return f"decode_row_group raised {type(e).__name__}", repr(e)
    if d is NEEDS_ARROW:
        return None
    try:
        col = pf.read_row_group(0, columns=[name]).column(0).combine_chunks()
    except (OSError, pa.ArrowException) as e:
        # pyarrow refuses the damage: decoding is only right if it is harmless (the undamaged values)
        try:
            _same(d, original, t, name)
        except AssertionError:
            return "decoded where pyarrow's read fails", str(e).splitlines()[0]
        return None
    try:
        if not pa.types.is_string(t):
            _expected(col, t)
    except (OSError, pa.ArrowException) as e:
        return "decoded where pyarrow's cast fails", str(e).splitlines()[0]
    try:
        _same(d, col, t, name)
    except AssertionError as e:
        return "values differ from pyarrow's", str(e)
    return None


LAYOUTS = {
    "plain_v1": {"compression": "none"},
    "plain_v2": {"compression": "none", "data_page_version": "2.0"},
    "snappy": {"compression": "snappy"},
    "gzip_v2": {"compression": "gzip", "data_page_version": "2.0"},
    "nodict": {"compression": "none", "use_dictionary": False},
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_flipped_bytes_in_data_pages_never_decode_differently(layout):
    """One byte of a column chunk's data pages (headers or bodies) changed at a time: the column
    decodes to what pyarrow reads (in the declared type), or is left to pyarrow; where pyarrow
    refuses the file, decoding is only acceptable if the damage was harmless (the original values)."""
    table = _small_table()
    buf = io.BytesIO()
    pq.write_table(table, buf, data_page_size=512, **LAYOUTS[layout])
    good = buf.getvalue()
    meta = pq.ParquetFile(pa.BufferReader(good)).metadata.row_group(0)
    types = [pa.timestamp("us") if pa.types.is_timestamp(f.type) else f.type for f in table.schema]
    rng = np.random.default_rng(11)
    problems: dict[tuple[str, str], list[str]] = {}
    for k, (name, t) in enumerate(zip(table.column_names, types)):
        chunk = meta.column(k)
        start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
        lo, hi = chunk.data_page_offset, start + chunk.total_compressed_size
        original = table.column(name).combine_chunks()
        assert _verdict(good, name, t, original) is None
        for trial in range(60):
            data = bytearray(good)
            at = int(rng.integers(lo, hi))
            data[at] ^= (1 << int(rng.integers(0, 8))) if trial % 2 else int(rng.integers(1, 256))
            problem = _verdict(bytes(data), name, t, original)
            if problem is not None:
                problems.setdefault((name, problem[0]), []).append(f"byte {at - lo} of the data pages: {problem[1]}")
    # one line a column and kind of failure: how often, and the first example
    assert not problems, "damaged chunks decoded wrong:\n" + "\n".join(
        f"{name}: {kind} ({len(seen)}x), e.g. {seen[0]}" for (name, kind), seen in problems.items())


def _write(path, table: pa.Table, **kw) -> tuple[bytearray, pq.ColumnChunkMetaData]:
    path.parent.mkdir(exist_ok=True)
    pq.write_table(table, path, **kw)
    return bytearray(path.read_bytes()), pq.ParquetFile(path).metadata.row_group(0).column(0)


def _first_header(data: bytearray, chunk: pq.ColumnChunkMetaData, dictionary: bool = False) -> tuple[int, int]:
    """Where the first data (or dictionary) page's header starts in the file, and its body."""
    start = chunk.dictionary_page_offset if dictionary else chunk.data_page_offset
    heads = page_headers(np.frombuffer(bytes(data[start:start + chunk.total_compressed_size]), np.uint8), 4)
    return start, start + int(heads[0][H_BODY])


def _num_values_at(data: bytearray, start: int, body: int, value: int) -> int:
    """The offset of the varint ``num_values`` (i32, zigzag) in the page header between
    ``start`` and ``body``: the first field of its data_page_header (field 5) or
    dictionary_page_header (field 7) struct."""
    zigzag = value * 2
    varint = bytearray()
    while True:
        b = zigzag & 0x7F
        zigzag >>= 7
        varint.append(b | (0x80 if zigzag else 0))
        if not zigzag:
            break
    header = bytes(data[start:body])
    at = max(header.find(b"\x2c\x15" + bytes(varint)), header.find(b"\x4c\x15" + bytes(varint)))
    assert at > 0
    return start + at + 2


def _damaged(tmp_path, how: str):
    """A file of one int64 column ``k`` (0..999, some NULLs) damaged as ``how`` says, in its own folder."""
    path = tmp_path / how / "a.parquet"
    table = pa.table({"k": pa.array(range(1000), pa.int64(), mask=np.arange(1000) % 7 == 0)})
    if how == "negative_dictionary_count":
        data, chunk = _write(path, table, compression="none")
        start, body = _first_header(data, chunk, dictionary=True)
        data[_num_values_at(data, start, body, 1000 - 143)] |= 1  # zigzag: odd is negative
    elif how == "negative_page_count":
        data, chunk = _write(path, table, compression="none", use_dictionary=False)
        start, body = _first_header(data, chunk)
        at = _num_values_at(data, start, body, 1000)
        data[at:at + 2] = b"\x85\x00"  # the same two bytes long: zigzag 5, -3
    elif how == "corrupt_snappy":
        data, chunk = _write(path, table, compression="snappy", use_dictionary=False)
        _, body = _first_header(data, chunk)
        data[body + 2:body + 40] = b"\xab" * 38
    elif how == "garbage_levels":  # the definition levels' length runs past the page
        data, chunk = _write(path, table, compression="none", use_dictionary=False)
        _, body = _first_header(data, chunk)
        data[body:body + 4] = b"\xff\xff\xff\x7f"
    else:
        raise AssertionError(how)
    path.write_bytes(bytes(data))
    return path


DAMAGE = ["negative_dictionary_count", "negative_page_count", "corrupt_snappy", "garbage_levels"]


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_pages_are_left_to_pyarrow(tmp_path, how):
    path = _damaged(tmp_path, how)
    pf = pq.ParquetFile(path)
    with pytest.raises((OSError, pa.ArrowException)):
        pf.read_row_group(0)
    plans = plan_columns(pf, ["k"], [pa.int64()])
    assert plans is not None
    [d] = decode_row_group(pa.memory_map(str(path)), pf.metadata.row_group(0), plans)
    assert d is NEEDS_ARROW, f"decoded {d.values[:8]!r}..."


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_object_fails_the_query_naming_row_group_and_object(tmp_path, con, how):
    path = _damaged(tmp_path, how)
    _external(con, "broken", path.parent, "k bigint")
    cur = con.cursor()
    want = r"cannot read PARQUET data in row group 0 of 1: .*" + re.escape(str(path))
    with pytest.MonkeyPatch.context() as mp:
        _no_direct(mp)
        with pytest.raises(warehouse.DataError, match=want):
            cur.execute("SELECT sum(k) FROM broken")
    with pytest.raises(warehouse.DataError, match=want):
        cur.execute("SELECT sum(k) FROM broken")


def test_bit_packed_definition_levels_are_not_read_as_rle(tmp_path):
    """Data page v1 may declare its definition levels BIT_PACKED (deprecated, but pyarrow reads
    it): the decoder, which reads RLE levels, must leave such a page to pyarrow."""
    table = pa.table({"i": pa.array([None if j % 3 == 0 else j for j in range(300)], pa.int32())})
    data, chunk = _write(tmp_path / "bp" / "a.parquet", table, compression="none", use_dictionary=False)
    start, body = _first_header(data, chunk)
    header = bytes(data[start:body])
    # ... num_values, encoding PLAIN (0), definition_level_encoding RLE (3 -> zigzag 6), repetition RLE
    at = header.find(b"\x15\x00\x15\x06\x15\x06")
    assert at > 0
    data[start + at + 3] = 0x08  # BIT_PACKED (4)
    path = tmp_path / "bp" / "a.parquet"
    path.write_bytes(bytes(data))
    pf = pq.ParquetFile(path)
    d = decode_row_group(pa.memory_map(str(path)), pf.metadata.row_group(0), plan_columns(pf, ["i"], [pa.int32()]))[0]
    if d is not NEEDS_ARROW:
        try:
            col = pf.read_row_group(0).column(0).combine_chunks()
        except (OSError, pa.ArrowException) as e:
            pytest.fail(f"decoded values where pyarrow says {e}")
        _same(d, col, pa.int32(), "BIT_PACKED levels")


@pytest.mark.parametrize("codec", ["snappy", "gzip", "lz4", "brotli", "zstd"])
def test_a_page_that_decompresses_short_is_left_to_pyarrow(tmp_path, codec):
    """Page 1's header claims 8 more uncompressed bytes and 2 more values than it holds, page 2's
    2 fewer values: pyarrow refuses ("Page didn't decompress to expected size"); the decoder must
    not read 2 values from the end of a buffer the codec never wrote (``Codec.decompress``
    returns a buffer of the size asked for, whatever it wrote)."""
    rng = np.random.default_rng(9)
    values = pa.array(rng.integers(-(2**31), 2**31, 200).astype(np.int32))
    table = pa.Table.from_arrays([values], schema=pa.schema([pa.field("k", pa.int32(), nullable=False)]))
    path = tmp_path / codec / "a.parquet"
    data, chunk = _write(path, table, compression=codec, use_dictionary=False, data_page_size=100, write_batch_size=100)
    base = chunk.data_page_offset
    raw = np.frombuffer(bytes(data[base:base + chunk.total_compressed_size]), np.uint8)
    heads = page_headers(raw, 4)
    assert len(heads) == 2 and list(heads[:, 4]) == [100, 100] and list(heads[:, 1]) == [400, 400]
    first = bytes(data[base:base + int(heads[0][H_BODY])])
    second_start = base + int(heads[0][H_BODY] + heads[0][2])
    second = bytes(data[second_start:base + int(heads[1][H_BODY])])
    size_at = first.find(b"\x15\xa0\x06")  # uncompressed_page_size 400 (before the compressed size)
    count_at = first.find(b"\x2c\x15\xc8\x01")  # data_page_header { num_values 100
    count2_at = second.find(b"\x2c\x15\xc8\x01")
    assert min(size_at, count_at, count2_at) >= 0
    data[base + size_at + 1] = 0xB0  # 408
    data[base + count_at + 2] = 0xCC  # 102
    data[second_start + count2_at + 2] = 0xC4  # 98
    path.write_bytes(bytes(data))
    pf = pq.ParquetFile(path)
    with pytest.raises((OSError, pa.ArrowException)):
        pf.read_row_group(0)
    plans = plan_columns(pf, ["k"], [pa.int32()])
    d = decode_row_group(pa.memory_map(str(path)), pf.metadata.row_group(0), plans)[0]
    assert d is NEEDS_ARROW, f"decoded {d.values[98:104]!r} (rows 100, 101 from past the page's data)"


def test_rle_hybrid_refuses_a_run_length_past_32_bits():
    """A run header is an unsigned 32-bit varint (Arrow reads no more); a longer one (here with
    bit 63 set: a negative length) must not move the output position backwards."""
    data = np.frombuffer(bytes([0x10, 0x01])  # a run of 8 ones
                         + bytes([0xFE] + [0xFF] * 8 + [0x01, 0x00])  # a run of 2**63 - 1 zeros ... as int64: -1
                         + bytes([0x12, 0x00]), np.uint8)  # a run of 9 zeros
    out = np.full(16, 7, np.int32)
    got = rle_hybrid(data, 0, len(data), 1, out, 0, 16, np.zeros(2, np.int32), False)
    assert got == -1, f"decoded {out.tolist()} (the 8th one overwritten)"


def test_empty_runs_are_refused_as_arrow_does(tmp_path):
    """Arrow's RLE decoder stops at a run of length 0 (pyarrow: "Number of decoded rep / def
    levels do not match num_values"); decoding on past it reads other levels than pyarrow would."""
    table = pa.table({"i": pa.array([None if j % 2 == 0 else j for j in range(64)], pa.int32())})
    path = tmp_path / "empty" / "a.parquet"
    data, chunk = _write(path, table, compression="none", use_dictionary=False)
    _, body = _first_header(data, chunk)
    assert bytes(data[body:body + 13]) == bytes([9, 0, 0, 0, 0x11]) + b"\xaa" * 8  # 8 groups, alternating
    # the same 9 bytes of levels: five empty bit-packed runs, 32 ones, 32 zeros (32 values still)
    data[body + 4:body + 13] = bytes([0x01] * 5 + [0x40, 0x01, 0x40, 0x00])
    path.write_bytes(bytes(data))
    pf = pq.ParquetFile(path)
    with pytest.raises((OSError, pa.ArrowException)):
        pf.read_row_group(0)
    d = decode_row_group(pa.memory_map(str(path)), pf.metadata.row_group(0), plan_columns(pf, ["i"], [pa.int32()]))[0]
    assert d is NEEDS_ARROW, f"decoded {d.values[:4]!r}... valid {d.valid[:4]!r}..."
    for stream in ([0x00, 0x10, 0x01], [0x01, 0x10, 0x01]):  # an empty run, then 8 ones
        out = np.zeros(8, np.int32)
        assert rle_hybrid(np.array(stream, np.uint8), 0, len(stream), 1, out, 0, 8, np.zeros(2, np.int32), False) == -1, stream


# ----- 4. through SQL, against DuckDB ------------------------------------------------------


NUMBERS = ["i32", "i32_nn", "i64", "f32", "f64", "dec9", "dec9_nn", "dec18"]  # summed (no overflow)
ORDERED = [c for c, t in SQL_TYPES.items() if t != "boolean"]


def _aggregates() -> list[str]:
    out = ["count(*)"]
    for c in SQL_TYPES:
        out.append(f"count({c})")
        if c in ORDERED and not c.startswith("nul"):
            out += [f"min({c})", f"max({c})"]
        if c in NUMBERS:
            out.append(f"sum({c})")
        if SQL_TYPES[c] == "boolean":
            out.append(f"sum(CASE WHEN {c} THEN 1 ELSE 0 END)")
    out += ["count(DISTINCT u)", "count(DISTINCT s)"]
    return out


def _norm(v):
    """A result value comparable across the engines (floats approximately)."""
    if isinstance(v, float):
        return pytest.approx(v, rel=1e-6)
    return v


def _duck(path: str, sql: str) -> list[tuple]:
    import duckdb

    c = duckdb.connect()
    try:
        return c.execute(sql.replace("FROM t", f"FROM read_parquet('{path}')")).fetchall()
    finally:
        c.close()


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_sql_over_the_variants_matches_duckdb(files, con, direct_calls, variant):
    path = files[variant]
    _external(con, "t", os.path.dirname(path), ", ".join(f"{c} {t}" for c, t in SQL_TYPES.items()))
    cur = con.cursor()
    aggs = _aggregates()
    sql = f"SELECT {', '.join(aggs)} FROM t"
    cur.execute(sql)
    ours = cur.fetchone()
    theirs = _duck(path, sql)[0]
    assert len(ours) == len(theirs) == len(aggs)
    for a, x, y in zip(aggs, ours, theirs):
        assert x == _norm(y), f"{variant}: {a}: {x!r} != DuckDB's {y!r}"
    groups = pq.ParquetFile(path).num_row_groups
    assert len(direct_calls) == groups  # every row group went through parquet_direct

    # NULL counts and a GROUP BY on a string column (NULL its own group)
    nulls = ", ".join(f"sum(CASE WHEN {c} IS NULL THEN 1 ELSE 0 END)" for c in SQL_TYPES)
    by = (f"SELECT s, count(*), count(i32), sum(i64), min(d), max(dec18), sum(CASE WHEN b THEN 1 ELSE 0 END), {nulls} "
          "FROM t GROUP BY s")
    cur.execute(by)
    ours = sorted(cur.fetchall(), key=lambda r: (r[0] is None, r[0] or ""))
    theirs = sorted(_duck(path, by), key=lambda r: (r[0] is None, r[0] or ""))
    assert len(ours) == len(WORDS) + 1
    assert [tuple(r) for r in ours] == [tuple(r) for r in theirs]
    cur.execute("SELECT u, count(*) FROM t WHERE u IS NOT NULL GROUP BY u HAVING count(*) > 1")
    assert cur.fetchall() == []
    assert len(direct_calls) == 3 * groups
