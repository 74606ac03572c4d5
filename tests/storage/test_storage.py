"""Storage: block encodings, zone maps, distribution, sorting, atomic publish, concurrency."""

from __future__ import annotations

import decimal
import multiprocessing as mp
import os

import numpy as np
import pyarrow as pa
import pytest

from warehouse import types as T
from warehouse.catalog.entries import ColumnDef, TableDef, ViewDef
from warehouse.catalog.system_views import system_view
from warehouse.errors import CatalogError, DataError, IntegrityError, OperationalError, SerializationError
from warehouse.storage import block as B
from warehouse.storage import database as D
from warehouse.storage.cache import CACHE
from warehouse.storage.database import Database
from warehouse.vector import Vector, vector_from_arrow

TYPES = {
    "i16": T.SMALLINT,
    "i32": T.INTEGER,
    "i64": T.BIGINT,
    "dec": T.decimal(12, 2),
    "f32": T.REAL,
    "f64": T.DOUBLE,
    "b": T.BOOLEAN,
    "s": T.varchar(20),
    "c": T.char(3),
    "d": T.DATE,
    "ts": T.TIMESTAMP,
    "tz": T.TIMESTAMPTZ,
}


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(D, "BLOCK_ROWS", 1000)


def sample(n: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    nulls = rng.random(n) < 0.1

    def arr(values, typ):
        return pa.array(values, typ, mask=nulls)

    return pa.table({
        "i16": arr(rng.integers(-30000, 30000, n).astype(np.int16), pa.int16()),
        "i32": arr(rng.integers(-2**31, 2**31 - 1, n).astype(np.int32), pa.int32()),
        "i64": arr(rng.integers(-2**62, 2**62, n), pa.int64()),
        "dec": arr([decimal.Decimal(int(x)) / 100 for x in rng.integers(-10**9, 10**9, n)], pa.decimal128(12, 2)),
        "f32": arr(rng.standard_normal(n).astype(np.float32), pa.float32()),
        "f64": arr(np.where(rng.random(n) < 0.01, np.nan, rng.standard_normal(n)), pa.float64()),
        "b": arr(rng.random(n) < 0.5, pa.bool_()),
        "s": arr([f"v{x}é" for x in rng.integers(0, 300, n)], pa.string()),
        "c": arr([["ab", "x", "zzz"][x] for x in rng.integers(0, 3, n)], pa.string()),
        "d": arr(rng.integers(0, 20000, n).astype(np.int32), pa.int32()).cast(pa.date32()),
        "ts": arr(rng.integers(0, 2**50, n), pa.int64()).cast(pa.timestamp("us")),
        "tz": arr(rng.integers(0, 2**50, n), pa.int64()).cast(pa.timestamp("us", tz="UTC")),
    })


def tdef(name="t", **kw) -> TableDef:
    cols = tuple(ColumnDef(k, t) for k, t in TYPES.items())
    return TableDef("public", name, cols, **kw)


def vectors(tbl: pa.Table, d: TableDef) -> list[Vector]:
    return [vector_from_arrow(tbl.column(c.name), c.type) for c in d.columns]


def read_all(t, names=None) -> pa.Table:
    """All slices of a table snapshot, concatenated in slice order, as Arrow."""
    names = names or t.definition.column_names
    cols = {}
    for c in names:
        parts = [t.read(s, c) for s in range(t.nslices)]
        cols[c] = pa.concat_arrays([p_to_arrow(p) for p in parts])
    return pa.table(cols)


def p_to_arrow(v):
    from warehouse.vector import vector_to_arrow

    return vector_to_arrow(v)


def no_nan(rows: list) -> list:
    return [{k: "NaN" if isinstance(v, float) and v != v else v for k, v in r.items()} for r in rows]


def canon(tbl: pa.Table, key: str = "i64") -> list:
    rows = no_nan(tbl.to_pylist())
    return sorted(rows, key=lambda r: (r[key] is None, repr(r[key]), repr(sorted((k, repr(v)) for k, v in r.items()))))


def create(db, d, tbl=None):
    tx = db.begin_write()
    tx.create_table(d)
    if tbl is not None:
        tx.append("public", d.name, vectors(tbl, d))
    return tx.commit()


# ----- encodings --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64])
@pytest.mark.parametrize("request_", ["auto", "raw", "for", "delta", "rle"])
def test_numeric_encodings_round_trip(dtype, request_):
    rng = np.random.default_rng(1)
    datasets = {
        "random": rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, 2000, dtype=dtype),
        "narrow": rng.integers(1000, 1100, 2000).astype(dtype),
        "sorted": np.sort(rng.integers(0, 20000, 2000)).astype(dtype),
        "runs": np.repeat(rng.integers(-5, 5, 20), 100).astype(dtype),
        "const": np.full(2000, -7, dtype),
    }
    for name, values in datasets.items():
        valid = rng.random(2000) > 0.2
        for v in (None, valid):
            data, enc, zm = B.encode_numeric(values, v, request_)
            if request_ != "auto":
                assert enc == request_
            out = np.empty(2000, dtype)
            got_valid = B.decode_numeric(memoryview(data), "test", out)
            mask = np.ones(2000, bool) if v is None else v
            assert np.array_equal(out[mask], values[mask]), (name, enc)
            assert (got_valid is None) == (v is None)
            if v is not None:
                assert np.array_equal(got_valid, v)
            assert zm.min == values[mask].min() and zm.max == values[mask].max(), name
            assert zm.null_count == 2000 - mask.sum() and zm.row_count == 2000


def test_auto_picks_the_expected_scheme_and_saves_space():
    rng = np.random.default_rng(2)
    cases = {
        "for": rng.integers(10**9, 10**9 + 200, 5000).astype(np.int64),  # narrow range
        "delta": np.cumsum(rng.integers(1000, 1010, 5000)).astype(np.int64),  # sorted, small steps
        "rle": np.repeat(rng.integers(0, 10**12, 50), 100).astype(np.int64),  # long runs
    }
    for expected, values in cases.items():
        data, enc, _ = B.encode_numeric(values, None, "auto")
        raw, raw_enc, _ = B.encode_numeric(values, None, "raw")
        assert raw_enc == "raw"
        assert enc == expected
        assert len(data) < len(raw) and len(data) < values.nbytes / 4, (expected, len(data), len(raw))
    # random full-range values stay raw
    data, enc, _ = B.encode_numeric(rng.integers(-2**63, 2**63 - 1, 5000, dtype=np.int64), None, "auto")
    assert enc == "raw"


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.bool_])
def test_float_and_bool_blocks(dtype):
    values = np.array([0.0, -0.0, np.nan, 1.5, 1.5, 1.5, -2.0] * 100).astype(dtype)
    for req in ("auto", "raw", "rle"):
        data, enc, zm = B.encode_numeric(values, None, req)
        out = np.empty(len(values), dtype)
        B.decode_numeric(memoryview(data), "t", out)
        assert out.tobytes() == values.tobytes()  # bit-exact: -0.0 and NaN survive
    if dtype is not np.bool_:
        assert zm.min == -2.0 and zm.max == 1.5


def test_string_encodings():
    d = pa.array(["b", "a", "héllo", "zz", "unused"])
    codes = np.array([0, 1, 2, 3, 2, 2, 0] * 300, np.int32)
    valid = np.array([True, False, True, True, True, True, True] * 300)
    expect = [None if not ok else d[c].as_py() for c, ok in zip(codes, valid)]
    for req, name in (("auto", "dict"), ("dict", "dict"), ("raw", "text")):
        data, enc, zm = B.encode_string(codes, valid, d, req)
        assert enc == name
        values, c, v = B.decode_string(memoryview(data), "t", len(codes))
        c = np.arange(len(codes)) if c is None else c
        got = [None if not ok else values[int(i)].as_py() for i, ok in zip(c, v)]
        assert got == expect
        assert (zm.min, zm.max, zm.null_count) == ("b", "zz", 300)  # "a" only at NULL rows
    # high cardinality -> text, low -> dict smaller than text
    big = pa.array([f"value number {i}" for i in range(3000)])
    _, enc, _ = B.encode_string(np.arange(3000, dtype=np.int32), None, big, "auto")
    assert enc == "text"
    low_dict, _, _ = B.encode_string(codes, None, d, "dict")
    low_text, _, _ = B.encode_string(codes, None, d, "raw")
    assert len(low_dict) < len(low_text)


def test_corrupted_block_names_the_file(tmp_path):
    db = Database.open(str(tmp_path / "db"), nodes=1, slices_per_node=1)
    d = TableDef("public", "t", (ColumnDef("a", T.INTEGER),))
    rng = np.random.default_rng(0)
    create(db, d, pa.table({"a": pa.array(rng.integers(0, 2**31 - 1, 5000).astype(np.int32))}))
    t = db.snapshot().get_table("public", "t")
    chunk = t.row_groups(0)[1].chunks["a"]
    path = os.path.join(str(tmp_path / "db"), chunk.file)
    with open(path, "r+b") as f:
        f.seek(chunk.offset)
        f.write(b"JUNK")
    CACHE.clear()
    with pytest.raises(OperationalError) as e:
        t.read(0, "a")
    assert chunk.file.split("/")[-1] in str(e.value) and "bad magic" in str(e.value)
    assert e.value.sqlstate == "XX001"
    # a flipped payload byte is caught by the checksum
    with open(path, "r+b") as f:
        f.seek(chunk.offset)
        f.write(B.MAGIC)
        f.seek(chunk.offset + B.HEADER_SIZE + 3)
        b = f.read(1)
        f.seek(chunk.offset + B.HEADER_SIZE + 3)
        f.write(bytes([b[0] ^ 0xFF]))
    with pytest.raises(OperationalError, match="checksum"):
        t.read(0, "a")


# ----- round trip, zone maps, sorting -------------------------------------------------------------
@pytest.mark.parametrize("path", ["disk", ":memory:"])
def test_round_trip_every_type(tmp_path, path):
    where = str(tmp_path / "db") if path == "disk" else ":memory:"
    db = Database.open(where, nodes=2, slices_per_node=2)
    d = tdef(diststyle="EVEN")
    tbl = sample(4321)
    create(db, d, tbl)
    if path == "disk":
        CACHE.clear()
        db = Database.open(where)
        assert db.nslices == 4
    t = db.snapshot().get_table("public", "t")
    assert t.row_count == 4321
    got = read_all(t)
    assert canon(got) == canon(tbl.cast(got.schema))


def test_zone_maps(tmp_path):
    db = Database.open(":memory:", nodes=1, slices_per_node=2)
    d = tdef(diststyle="EVEN")
    tbl = sample(5000, seed=3)
    create(db, d, tbl)
    t = db.snapshot().get_table("public", "t")
    for s in range(t.nslices):
        for bm in t.blocks(s):
            for c in ("i32", "dec", "s", "d", "f64", "b"):
                v = t.read_rows(s, c, bm.start, bm.stop)
                zm = bm.zonemaps[c]
                assert zm.row_count == bm.stop - bm.start
                assert zm.null_count == v.null_count
                ok = v.validity()
                if c == "s":
                    vals = [x for x in v.to_pylist() if x is not None]
                    assert (zm.min, zm.max) == (min(vals), max(vals))
                elif c == "f64":
                    vals = v.data[ok]
                    assert (zm.min, zm.max) == (np.nanmin(vals), np.nanmax(vals))
                else:
                    assert (zm.min, zm.max) == (v.data[ok].min(), v.data[ok].max())


def test_sortkey_orders_each_slice_nulls_last():
    db = Database.open(":memory:", nodes=1, slices_per_node=2)
    d = tdef(diststyle="EVEN", sortkey=("s", "i32"))
    create(db, d, sample(3000, seed=4))
    t = db.snapshot().get_table("public", "t")
    for s in range(2):
        rows = list(zip(t.read(s, "s").to_pylist(), t.read(s, "i32").to_pylist()))
        keyed = [((a is None, a or ""), (b is None, b or 0)) for a, b in rows]
        assert keyed == sorted(keyed)
        # zone maps on the leading sort key are disjoint-ish: block mins ascend
        mins = [bm.zonemaps["s"].min for bm in t.blocks(s) if bm.zonemaps["s"].min is not None]
        assert mins == sorted(mins)


# ----- distribution -------------------------------------------------------------------------------
def test_key_distribution_is_consistent():
    db = Database.open(":memory:", nodes=2, slices_per_node=2)
    d = tdef(diststyle="KEY", distkey="s")
    create(db, d, sample(3000, seed=5))
    tx = db.begin_write()
    tx.append("public", "t", vectors(sample(3000, seed=6), d))
    t = tx.commit().get_table("public", "t")
    where = {}
    for s in range(4):
        for v in set(t.read(s, "s").to_pylist()):
            assert where.setdefault(v, s) == s, v
    assert len(set(where.values())) == 4  # every slice got some keys
    assert t.effective_diststyle == "KEY"


def test_key_on_strings_ignores_dictionary_codes():
    db = Database.open(":memory:", nodes=1, slices_per_node=4)
    d = TableDef("public", "k", (ColumnDef("s", T.varchar(10)),), diststyle="KEY", distkey="s")
    tx = db.begin_write()
    tx.create_table(d)
    # same strings, different dictionaries/codes
    a = Vector(d.columns[0].type, np.array([0, 1, 2], np.int32), None, pa.array(["x", "y", "z"]))
    b = Vector(d.columns[0].type, np.array([2, 1, 0], np.int32), None, pa.array(["x", "y", "z"]))
    tx.append("public", "k", [a])
    tx.append("public", "k", [b])
    t = tx.commit().get_table("public", "k")
    for s in range(4):
        vals = t.read(s, "s").to_pylist()
        for v in set(vals):
            assert vals.count(v) == 2


def test_even_balances_and_continues():
    db = Database.open(":memory:", nodes=1, slices_per_node=3)
    d = TableDef("public", "e", (ColumnDef("a", T.INTEGER),), diststyle="EVEN")
    tx = db.begin_write()
    tx.create_table(d)
    for n in (1, 1, 4, 10):
        tx.append("public", "e", [Vector(T.INTEGER, np.arange(n, dtype=np.int32))])
    t = tx.commit().get_table("public", "e")
    counts = [t.slice_row_count(s) for s in range(3)]
    assert sorted(counts) == [5, 5, 6]


def test_all_and_auto():
    db = Database.open(":memory:", nodes=2, slices_per_node=2)
    small = TableDef("public", "small", (ColumnDef("a", T.INTEGER),), diststyle="ALL")
    auto_small = TableDef("public", "auto_small", (ColumnDef("a", T.INTEGER),))
    auto_big = TableDef("public", "auto_big", (ColumnDef("a", T.INTEGER),))
    tx = db.begin_write()
    for d in (small, auto_small, auto_big):
        tx.create_table(d)
    tx.append("public", "small", [Vector(T.INTEGER, np.arange(100, dtype=np.int32))])
    tx.append("public", "auto_small", [Vector(T.INTEGER, np.arange(100, dtype=np.int32))])
    tx.append("public", "auto_big", [Vector(T.INTEGER, np.arange(20000, dtype=np.int32))])
    snap = tx.commit()
    t = snap.get_table("public", "small")
    assert [t.slice_row_count(s) for s in range(4)] == [100, 0, 100, 0]
    assert t.effective_diststyle == "ALL"
    assert snap.get_table("public", "auto_small").effective_diststyle == "ALL"
    assert snap.get_table("public", "auto_big").effective_diststyle == "EVEN"
    assert [snap.get_table("public", "auto_big").slice_row_count(s) for s in range(4)] == [5000] * 4
    info = system_view(snap, "svv_table_info").to_pylist()
    styles = {r["table"]: r["diststyle"] for r in info}
    assert styles == {"small": "ALL", "auto_small": "AUTO(ALL)", "auto_big": "AUTO(EVEN)"}


# ----- transactions ---------------------------------------------------------------------------------
def test_atomic_publish_crash_before_rename(tmp_path, monkeypatch):
    path = str(tmp_path / "db")
    db = Database.open(path, nodes=1, slices_per_node=2)
    d = TableDef("public", "t", (ColumnDef("a", T.INTEGER),))
    create(db, d, pa.table({"a": pa.array(np.arange(10, dtype=np.int32))}))
    tx = db.begin_write()
    tx.append("public", "t", [Vector(T.INTEGER, np.arange(50, dtype=np.int32))])
    tx.create_table(TableDef("public", "u", (ColumnDef("b", T.INTEGER),)))

    def crash(*a, **k):
        raise OSError("simulated crash")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        tx.commit()
    monkeypatch.undo()
    assert os.path.exists(os.path.join(path, "MANIFEST.tmp"))
    db2 = Database.open(path)
    snap = db2.snapshot()
    assert snap.get_table("public", "t").row_count == 10 and snap.get_table("public", "u") is None
    assert not os.path.exists(os.path.join(path, "MANIFEST.tmp"))
    # the orphaned blocks were collected at open
    live = snap._state.files()
    on_disk = {f"data/{d_}/{f}" for d_ in os.listdir(os.path.join(path, "data")) for f in os.listdir(os.path.join(path, "data", d_))}
    assert on_disk == live


def test_rollback_leaves_nothing(tmp_path):
    path = str(tmp_path / "db")
    db = Database.open(path, nodes=1, slices_per_node=2)
    d = TableDef("public", "t", (ColumnDef("a", T.INTEGER),))
    create(db, d)
    before = db.snapshot()
    tx = db.begin_write()
    tx.append("public", "t", [Vector(T.INTEGER, np.arange(50, dtype=np.int32))])
    assert tx.current().get_table("public", "t").row_count == 50  # visible inside the txn
    assert db.snapshot().get_table("public", "t").row_count == 0  # not outside
    tx.rollback()
    assert db.snapshot().version == before.version
    assert Database.open(path).snapshot().get_table("public", "t").row_count == 0
    tdir = os.path.join(path, "data", str(before.get_table("public", "t").definition.table_id))
    assert not os.path.exists(tdir) or os.listdir(tdir) == []


def test_serialization_error_on_stale_base():
    db = Database.open(":memory:", nodes=1, slices_per_node=1)
    base = db.snapshot()
    tx = db.begin_write(base)
    tx.create_schema("s1")
    tx.commit()
    with pytest.raises(SerializationError) as e:
        db.begin_write(base)
    assert e.value.sqlstate == "40001"
    db.begin_write(db.snapshot()).rollback()  # the lock was released


def test_catalog_errors_and_ddl():
    db = Database.open(":memory:", nodes=1, slices_per_node=2)
    d = TableDef("public", "t", (ColumnDef("a", T.INTEGER), ColumnDef("b", T.varchar(5), nullable=False)))
    tx = db.begin_write()
    tx.create_table(d)
    with pytest.raises(CatalogError) as e:
        tx.create_table(d)
    assert e.value.sqlstate == "42P07" and 'relation "t" already exists' in str(e.value)
    tx.create_table(d, if_not_exists=True)
    with pytest.raises(CatalogError) as e:
        tx.drop_table("public", "nope")
    assert e.value.sqlstate == "42P01"
    tx.drop_table("public", "nope", if_exists=True)
    s = d.columns[1].type
    ok = Vector(s, np.array([0, 1], np.int32), None, pa.array(["héllo"[:4], "abcde"]))
    tx.append("public", "t", [Vector(T.INTEGER, np.array([1, 2], np.int32)), ok])
    long = Vector(s, np.array([0], np.int32), None, pa.array(["héllo"]))  # 6 UTF-8 bytes
    with pytest.raises(DataError) as e:
        tx.append("public", "t", [Vector(T.INTEGER, np.array([1], np.int32)), long])
    assert e.value.sqlstate == "22001" and "character varying(5)" in str(e.value) and '"b"' in str(e.value)
    null = Vector(s, np.array([0], np.int32), np.array([False]), pa.array(["x"]))
    with pytest.raises(IntegrityError) as e:
        tx.append("public", "t", [Vector(T.INTEGER, np.array([1], np.int32)), null])
    assert e.value.sqlstate == "23502" and '"b"' in str(e.value)
    # ALTER: rename b -> c, add d, drop a
    new = TableDef("public", "t", (ColumnDef("c", T.varchar(5)), ColumnDef("d", T.INTEGER)))
    tx.alter_table("public", "t", new, {"c": "b", "d": None})
    tx.rename_table("public", "t", "t2")
    tx.create_view(ViewDef("public", "v", "select 1"))
    with pytest.raises(CatalogError):
        tx.create_view(ViewDef("public", "v", "select 2"))
    tx.create_view(ViewDef("public", "v", "select 2"), replace=True)
    snap = tx.commit()
    t = snap.get_table("public", "t2")
    assert snap.get_table("public", "t") is None and snap.views[("public", "v")].sql == "select 2"
    got = sorted(x for s in range(2) for x in zip(t.read(s, "c").to_pylist(), t.read(s, "d").to_pylist()))
    assert got == [("abcde", None), ("héll", None)]


def test_delete_rows_and_truncate():
    db = Database.open(":memory:", nodes=1, slices_per_node=2)
    d = tdef(diststyle="EVEN", sortkey=("i32",))
    tbl = sample(5000, seed=8)
    create(db, d, tbl)
    t = db.snapshot().get_table("public", "t")
    masks = []
    keep = []
    for s in range(2):
        v = t.read(s, "i32")
        m = (v.data % 3 == 0) & v.validity()
        masks.append(m)
        keep.append(read_all_slice(t, s).filter(pa.array(~m)))
    tx = db.begin_write()
    n = tx.delete_rows("public", "t", masks)
    assert n == sum(int(m.sum()) for m in masks)
    t2 = tx.commit().get_table("public", "t")
    assert t2.row_count == 5000 - n
    for s in range(2):
        assert no_nan(read_all_slice(t2, s).to_pylist()) == no_nan(keep[s].to_pylist())
        assert sum(b.stop - b.start for b in t2.blocks(s)) == t2.slice_row_count(s)
    tx = db.begin_write()
    tx.truncate("public", "t")
    assert tx.commit().get_table("public", "t").row_count == 0


def read_all_slice(t, s):
    return pa.table({c: p_to_arrow(t.read(s, c)) for c in t.definition.column_names})


def test_string_columns_share_one_dictionary():
    db = Database.open(":memory:", nodes=1, slices_per_node=3)
    d = tdef(diststyle="EVEN")
    create(db, d, sample(3000, seed=9))
    t = db.snapshot().get_table("public", "t")
    vs = [t.read(s, "s") for s in range(3)]
    assert vs[0].dictionary is vs[1].dictionary is vs[2].dictionary
    assert len(set(vs[0].dictionary.to_pylist())) == len(vs[0].dictionary)
    assert t.read(0, "s") is vs[0]  # cached
    with pytest.raises(ValueError):
        vs[0].data[0] = 1  # read-only


def test_system_views():
    db = Database.open(":memory:", nodes=1, slices_per_node=2)
    d = tdef(name="lineitem", diststyle="KEY", distkey="i32", sortkey=("d",))
    snap = create(db, d, sample(3000, seed=10))
    info = system_view(snap, "svv_table_info").to_pylist()[0]
    assert info["table"] == "lineitem" and info["diststyle"] == "KEY(i32)" and info["tbl_rows"] == 3000
    assert info["sortkey1"] == "d" and info["max_varchar"] == 20 and info["skew_rows"] >= 1.0
    bl = system_view(snap, "stv_blocklist")
    t = snap.get_table("public", "lineitem")
    nblocks = sum(len(t.blocks(s)) for s in range(2))
    assert bl.num_rows == nblocks * len(d.columns)
    row = [r for r in bl.to_pylist() if r["column_name"] == "d" and r["slice"] == 0][0]
    assert row["minvalue"] == t.blocks(0)[0].zonemaps["d"].min and row["compressed_bytes"] > 0
    assert system_view(snap, "nope") is None


# ----- concurrency --------------------------------------------------------------------------------
def _writer(path: str, rounds: int) -> None:
    db = Database.open(path)
    for i in range(rounds):
        tx = db.begin_write()
        tx.append("public", "t", [Vector(T.INTEGER, np.full(100, i, np.int32)), Vector(T.INTEGER, np.full(100, i, np.int32))])
        tx.commit()


def test_two_processes_write_and_read(tmp_path):
    path = str(tmp_path / "db")
    db = Database.open(path, nodes=1, slices_per_node=2)
    d = TableDef("public", "t", (ColumnDef("a", T.INTEGER), ColumnDef("b", T.INTEGER)), diststyle="EVEN")
    create(db, d)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, 15)) for _ in range(2)]
    for p in procs:
        p.start()
    seen = set()
    while any(p.is_alive() for p in procs):
        snap = db.snapshot()
        t = snap.get_table("public", "t")
        a = np.concatenate([t.read(s, "a").data for s in range(2)])
        b = np.concatenate([t.read(s, "b").data for s in range(2)])
        assert len(a) % 100 == 0 and np.array_equal(a, b)  # whole transactions only
        seen.add(snap.version)
    for p in procs:
        p.join()
        assert p.exitcode == 0
    t = db.snapshot().get_table("public", "t")
    assert t.row_count == 2 * 15 * 100
    assert db.snapshot().version == 1 + 30


def test_threads_serialise_writers():
    import threading

    db = Database.open(":memory:", nodes=1, slices_per_node=2)
    create(db, TableDef("public", "t", (ColumnDef("a", T.INTEGER),)))

    def work():
        for _ in range(10):
            tx = db.begin_write()
            tx.append("public", "t", [Vector(T.INTEGER, np.arange(10, dtype=np.int32))])
            tx.commit()

    ths = [threading.Thread(target=work) for _ in range(3)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    assert db.snapshot().get_table("public", "t").row_count == 300


def test_reopen_with_other_shape_fails(tmp_path):
    path = str(tmp_path / "db")
    Database.open(path, nodes=1, slices_per_node=2)
    assert Database.open(path).nslices == 2
    with pytest.raises(Exception, match="slices_per_node=2"):
        Database.open(path, nodes=2, slices_per_node=2)
