"""Nested Hive types (array/map/struct) of external tables over a real S3-compatible server
(moto on loopback): Parquet and ORC list/map/struct columns and JSON SerDe values read as
JSON text typed by the declared Hive type, access in SQL (``s.f``, ``a[i]``, ``m['k']``,
``element_at``, ``cardinality``), the DDL round trip, CTAS, and values of another shape."""

from __future__ import annotations

import datetime as dt
import io
import json

import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

import warehouse
from bench.s3server import put_object as put
from warehouse.errors import DataError, NotSupportedError, ProgrammingError


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    yield c
    c.close()


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def orc_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    orc.write_table(table, buf)
    return buf.getvalue()


ORDERS = pa.table({
    "OrderId": pa.array([1, 2, 3, 4], pa.int64()),
    "Tags": pa.array([["new", "gift"], [], None, ["a\"b\\c\nd"]], pa.list_(pa.string())),
    # the file's struct has its fields in another order and case, plus one the table lacks
    "Customer": pa.array([
        {"Zip": 75001, "Name": "Ann", "internal": 1}, None,
        None, {"Zip": 10, "Name": "Cy", "internal": 3}]),
    "Props": pa.array([[("color", 1.5)], [("size", 2.25), ("w", None)], None, []], pa.map_(pa.string(), pa.float64())),
    "Lines": pa.array([
        [{"sku": "x", "qty": 2, "shipped": dt.date(2024, 1, 2)}],
        [{"sku": "y", "qty": 1, "shipped": None}, {"sku": "z", "qty": 5, "shipped": dt.date(2024, 2, 29)}],
        None, []]),
})
ORDERS_COLUMNS = """(orderid bigint, tags array<string>, customer STRUCT<name: string, zip: int, email: string>,
  props map<string,double>, lines ARRAY<struct<sku:string, qty:int, shipped:date>>)"""
ORDERS_JSON = [  # the ORDERS rows as the JSON SerDe sees them
    '{"OrderId": 1, "Tags": ["new", "gift"], "Customer": {"Name": "Ann", "ZIP": 75001, "x": [1]}, "Props": {"color": 1.5},'
    ' "Lines": [{"sku": "x", "qty": 2, "shipped": "2024-01-02"}]}',
    '{"orderid": 2, "tags": [], "customer": null, "props": {"size": 2.25, "w": null},'
    ' "lines": [{"sku": "y", "qty": 1}, {"sku": "z", "qty": "5", "shipped": "2024-02-29"}]}',
    '{"orderid": 3}',
    '{"orderid": 4, "tags": ["a\\"b\\\\c\\nd"], "customer": {"name": "Cy", "zip": 10}, "props": {}, "lines": []}',
]

EXPECTED_TEXT = [
    (1, '["new","gift"]', '{"name":"Ann","zip":75001,"email":null}', '{"color":1.5}', '[{"sku":"x","qty":2,"shipped":"2024-01-02"}]'),
    (2, "[]", None, '{"size":2.25,"w":null}', '[{"sku":"y","qty":1,"shipped":null},{"sku":"z","qty":5,"shipped":"2024-02-29"}]'),
    (3, None, None, None, None),
    (4, '["a\\"b\\\\c\\nd"]', '{"name":"Cy","zip":10,"email":null}', "{}", "[]"),
]


def _orders(s3, con, fmt: str) -> None:
    if fmt == "parquet":
        put(s3, "lake", "orders/part-0.parquet", parquet_bytes(ORDERS.slice(0, 2)))
        put(s3, "lake", "orders/part-1.parquet", parquet_bytes(ORDERS.slice(2)))
        con.execute(f"CREATE EXTERNAL TABLE orders {ORDERS_COLUMNS} STORED AS PARQUET LOCATION 's3://lake/orders/'")
    elif fmt == "orc":
        put(s3, "lake", "orders/part-0.orc", orc_bytes(ORDERS))
        con.execute(f"CREATE EXTERNAL TABLE orders {ORDERS_COLUMNS} STORED AS ORC LOCATION 's3://lake/orders/'")
    else:
        put(s3, "lake", "orders/part-0.json", "\n".join(ORDERS_JSON[:2]) + "\n")
        put(s3, "lake", "orders/part-1.json", "".join(ORDERS_JSON[2:]))  # concatenated objects
        con.execute(f"CREATE EXTERNAL TABLE orders {ORDERS_COLUMNS} ROW FORMAT SERDE '{fmt}' LOCATION 's3://lake/orders/'")


FORMATS = ["parquet", "orc", "org.openx.data.jsonserde.JsonSerDe", "org.apache.hive.hcatalog.data.JsonSerDe"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_nested_columns_read_as_json_text(s3, con, fmt):
    _orders(s3, con, fmt)
    got = con.execute("SELECT orderid, tags, customer, props, lines FROM orders ORDER BY orderid").fetchall()
    assert got == EXPECTED_TEXT
    for text in (v for row in got for v in row[1:] if v is not None):
        json.loads(text)  # every value is valid JSON


@pytest.mark.parametrize("fmt", FORMATS)
def test_access_struct_fields_subscripts_element_at_cardinality(s3, con, fmt):
    _orders(s3, con, fmt)
    cur = con.execute(
        "SELECT orderid, customer.name, o.customer.zip, customer.zip + 1, tags[1], tags[2], tags[3], props['size'],"
        " props['nope'], lines[2].qty * 10, lines[1].shipped, lines[2], cardinality(tags), cardinality(props),"
        " element_at(tags, -1), element_at(props, 'color'), element_at(lines, 1).sku, o.lines[1]['sku']"
        " FROM orders o ORDER BY orderid")
    rows = cur.fetchall()
    assert rows == [
        (1, "Ann", 75001, 75002, "new", "gift", None, None, None, None, dt.date(2024, 1, 2), None, 2, 1, "gift", 1.5, "x", "x"),
        (2, None, None, None, None, None, None, 2.25, None, 50, None, '{"sku":"z","qty":5,"shipped":"2024-02-29"}', 0, 2, None, None, "y", "y"),
        (3, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None),
        (4, "Cy", 10, 11, 'a"b\\c\nd', None, None, None, None, None, None, None, 1, 0, 'a"b\\c\nd', None, None, None),
    ]
    types = [d[1] for d in cur.description]
    # declared element types: zip int, qty*10 int, shipped date, props double
    assert rows[0][2].__class__ is int and rows[0][10].__class__ is dt.date and rows[0][15].__class__ is float
    assert types[12] == types[13]  # cardinality: bigint both
    # filters, grouping and aggregates over typed fields
    assert con.execute("SELECT orderid FROM orders WHERE customer.name = 'Cy'").fetchall() == [(4,)]
    assert con.execute("SELECT SUM(lines[1].qty), COUNT(lines[2].sku) FROM orders").fetchall() == [(3, 1)]
    assert con.execute("SELECT cardinality(lines) AS n, COUNT(*) FROM orders GROUP BY 1 ORDER BY 1 NULLS LAST").fetchall() == [
        (0, 1), (1, 1), (2, 1), (None, 1)]


def test_subscripts_with_column_arguments_and_nulls(s3, con):
    _orders(s3, con, "parquet")
    got = con.execute(
        "SELECT orderid, tags[orderid], element_at(tags, -orderid), props[CASE orderid WHEN 1 THEN 'color' ELSE 'size' END],"
        " lines[NULL], customer.zip FROM orders ORDER BY orderid").fetchall()
    assert got == [(1, "new", "gift", 1.5, None, 75001), (2, None, None, 2.25, None, None), (3, None, None, None, None, None),
                   (4, None, None, None, None, 10)]
    # a map with integer keys: the key is converted to the key type first
    put(s3, "lake", "m/part-0.parquet", parquet_bytes(pa.table({"m": pa.array([[(1, "one"), (20, "twenty")]], pa.map_(pa.int32(), pa.string()))})))
    con.execute("CREATE EXTERNAL TABLE intmap (m map<int,string>) STORED AS PARQUET LOCATION 's3://lake/m/'")
    assert con.execute("SELECT m, m[20], m['1'], element_at(m, 2), cardinality(m) FROM intmap").fetchall() == [
        ('{"1":"one","20":"twenty"}', "twenty", "one", None, 2)]


def test_deep_nesting_and_ddl_round_trip(s3, con):
    deep_type = pa.list_(pa.struct([("k", pa.string()), ("v", pa.map_(pa.string(), pa.list_(pa.int64())))]))
    t = pa.table({"id": [1, 2], "deep": pa.array([[{"k": "a", "v": [("x", [1, 2]), ("y", [])]}], [{"k": "b", "v": None}]], deep_type)})
    put(s3, "lake", "deep/part-0.parquet", parquet_bytes(t))
    con.execute("CREATE EXTERNAL TABLE deep (id int, `deep` ARRAY < STRUCT < K : STRING , V : MAP < STRING , ARRAY < BIGINT > > > >)"
                " STORED AS PARQUET LOCATION 's3://lake/deep/'")
    assert con.execute("SELECT deep, deep[1].v['x'][2], cardinality(deep[1].v['y']), deep[1].k FROM deep ORDER BY id").fetchall() == [
        ('[{"k":"a","v":{"x":[1,2],"y":[]}}]', 2, 0, "a"),
        ('[{"k":"b","v":null}]', None, None, "b"),
    ]
    cols = con.execute("SELECT columnname, external_type FROM svv_external_columns WHERE tablename = 'deep' ORDER BY columnnum").fetchall()
    assert cols == [("id", "int"), ("deep", "array<struct<k:string,v:map<string,array<bigint>>>>")]
    ddl = con.execute("SHOW CREATE TABLE deep").fetchall()
    assert ("  `deep` array<struct<k:string,v:map<string,array<bigint>>>>)",) in ddl
    # the shown DDL creates the same table again
    con.execute("DROP TABLE deep")
    con.execute("\n".join(r[0] for r in ddl))
    assert con.execute("SELECT deep[1].k FROM deep ORDER BY 1").fetchall() == [("a",), ("b",)]


def test_ctas_stores_json_text_as_varchar_and_local_nested_types_are_refused(s3, con):
    _orders(s3, con, "parquet")
    con.execute("CREATE TABLE local_orders AS SELECT orderid, customer, lines, customer.name AS name FROM orders")
    cols = con.execute("SELECT column_name, data_type, character_maximum_length FROM information_schema.columns"
                       " WHERE table_name = 'local_orders' ORDER BY ordinal_position").fetchall()
    assert cols == [("orderid", "bigint", None), ("customer", "character varying", 65535), ("lines", "character varying", 65535),
                    ("name", "character varying", 65535)]
    assert con.execute("SELECT customer, name FROM local_orders WHERE orderid = 1").fetchall() == [
        ('{"name":"Ann","zip":75001,"email":null}', "Ann")]
    # the stored text is plain VARCHAR: navigating it is json_extract_path_text's job
    with pytest.raises(ProgrammingError):
        con.execute("SELECT customer.name FROM local_orders")
    # CREATE EXTERNAL TABLE AS SELECT keeps the declared nested types; its objects hold the
    # JSON text, which reads back as the declared type
    con.execute("CREATE EXTERNAL TABLE ext_copy STORED AS PARQUET LOCATION 's3://lake/ext_copy/' AS SELECT orderid, customer, props, lines FROM orders")
    assert con.execute("SELECT external_type FROM svv_external_columns WHERE tablename = 'ext_copy' ORDER BY columnnum").fetchall() == [
        ("bigint",), ("struct<name:string,zip:int,email:string>",), ("map<string,double>",), ("array<struct<sku:string,qty:int,shipped:date>>",)]
    assert con.execute("SELECT orderid, customer, props, lines FROM ext_copy ORDER BY orderid").fetchall() == [
        (r[0], r[2], r[3], r[4]) for r in EXPECTED_TEXT]
    assert con.execute("SELECT lines[2].shipped FROM ext_copy WHERE orderid = 2").fetchall() == [(dt.date(2024, 2, 29),)]
    for ddl in ("CREATE TABLE bad (a array<int>)", "CREATE TABLE bad (a struct<x:int>)", "CREATE TABLE bad (a map<string,int>)"):
        with pytest.raises(NotSupportedError):
            con.execute(ddl)


def test_shape_mismatches(s3, con):
    # Parquet: a column whose shape differs from the declaration fails naming the object
    put(s3, "lake", "bad/part-0.parquet", parquet_bytes(pa.table({"a": pa.array([[1, 2]], pa.list_(pa.int64()))})))
    con.execute("CREATE EXTERNAL TABLE badpq (a struct<x:int>) STORED AS PARQUET LOCATION 's3://lake/bad/'")
    with pytest.raises(DataError, match=r"bad/part-0.parquet.*|declares a struct"):
        con.execute("SELECT a FROM badpq").fetchall()
    # JSON: a value of another shape is a value that does not convert (HIVE_BAD_DATA) ...
    put(s3, "lake", "badjs/a.json", '{"id": 1, "a": [1, 2]}\n{"id": 2, "a": "oops"}\n{"id": 3, "a": [3, "x"]}\n')
    con.execute("CREATE EXTERNAL TABLE badjs (id int, a array<int>) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'"
                " LOCATION 's3://lake/badjs/'")
    with pytest.raises(DataError, match="a.json"):
        con.execute("SELECT * FROM badjs").fetchall()
    # ... which use.null.for.invalid.data reads as NULL
    con.execute("DROP TABLE badjs")
    con.execute("CREATE EXTERNAL TABLE badjs (id int, a array<int>) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'"
                " LOCATION 's3://lake/badjs/' TBLPROPERTIES ('use.null.for.invalid.data' = 'true')")
    assert con.execute("SELECT id, a FROM badjs ORDER BY id").fetchall() == [(1, "[1,2]"), (2, None), (3, None)]
    # maps are built from the records' text (pyarrow's JSON reader has none): the same rules
    put(s3, "lake", "badmap/a.json", '{"id": 1, "m": {"A": 1, "b": "2"}}\n{"id": 2, "m": {"c": "x"}}\n{"id": 3, "m": [1]}\n{"id": 4}\n')
    con.execute("CREATE EXTERNAL TABLE badmap (id int, m map<string,int>) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'"
                " LOCATION 's3://lake/badmap/' TBLPROPERTIES ('use.null.for.invalid.data' = 'true')")
    assert con.execute("SELECT id, m, m['a'] FROM badmap ORDER BY id").fetchall() == [
        (1, '{"a":1,"b":2}', 1), (2, None, None), (3, None, None), (4, None, None)]
    assert con.execute("SELECT m FROM badmap WHERE id = 1").fetchall() == [('{"a":1,"b":2}',)]
    put(s3, "lake", "goodmap/a.json", "".join(f'{{"m": {{"k{i}": {i}, "K": [{i}]}}}}' for i in range(3)))
    con.execute("CREATE EXTERNAL TABLE goodmap (m map<string,array<int>>) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'"
                " LOCATION 's3://lake/goodmap/'")
    with pytest.raises(DataError, match="goodmap/a.json"):  # 0 is not an array<int>
        con.execute("SELECT m FROM goodmap").fetchall()


def test_nested_ddl_errors(con):
    cases = {
        "CREATE EXTERNAL TABLE t (a array<string>) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'"
        " LOCATION 's3://b/x/'": NotSupportedError,  # OpenCSVSerde has no nested types (LazySimpleSerDe has)
        "CREATE EXTERNAL TABLE t (a array<array<array<array<array<array<array<array<int>>>>>>>>) LOCATION 's3://b/x/'":
            NotSupportedError,  # deeper than LazySimpleSerDe's 8 separators
        "CREATE EXTERNAL TABLE t (a array<int>) PARTITIONED BY (p array<int>) STORED AS PARQUET LOCATION 's3://b/x/'": NotSupportedError,
        "CREATE EXTERNAL TABLE t (a array<uniontype<int,string>>) STORED AS PARQUET LOCATION 's3://b/x/'": ProgrammingError,
        "CREATE EXTERNAL TABLE t (a struct<x:int,x:int>) STORED AS PARQUET LOCATION 's3://b/x/'": ProgrammingError,
        "CREATE EXTERNAL TABLE t (a map<array<int>,int>) STORED AS PARQUET LOCATION 's3://b/x/'": ProgrammingError,
    }
    for sql, err in cases.items():
        with pytest.raises(err):
            con.execute(sql)
    con.execute("CREATE EXTERNAL TABLE t (s struct<a:int>, arr array<int>, m map<string,int>) STORED AS PARQUET LOCATION 's3://b/x/'")
    for sql, state in (("SELECT s.nope FROM t", "42703"), ("SELECT arr.a FROM t", "42809"), ("SELECT cardinality(s) FROM t", "42804"),
                       ("SELECT s[1] FROM t", "42804"), ("SELECT m.a FROM t", "42809")):
        with pytest.raises(ProgrammingError) as e:
            con.execute(sql)
        assert e.value.sqlstate == state, sql
    # keywords as struct field names are backticked in SHOW CREATE TABLE, which runs again
    con.execute("CREATE EXTERNAL TABLE kw (r struct<from:int, `select`:string, name:string>) STORED AS PARQUET LOCATION 's3://b/x/'")
    ddl = "\n".join(r[0] for r in con.execute("SHOW CREATE TABLE kw").fetchall())
    assert "`r` struct<`from`:int,`select`:string,name:string>" in ddl
    con.execute("DROP TABLE kw")
    con.execute(ddl)


# ----- the JSON text against Python's json, on random values (no S3) ---------------------------
def _random_value(rnd, t: pa.DataType):
    if rnd.random() < 0.15:
        return None
    if pa.types.is_struct(t):
        return {f.name: _random_value(rnd, f.type) for f in t}
    if pa.types.is_map(t):
        return [(f"k{rnd.randrange(5)}{chr(rnd.choice([34, 92, 10, 1, 233, 0x4E2D]))}", _random_value(rnd, t.item_type))
                for _ in range(rnd.randrange(3))]
    if pa.types.is_list(t):
        return [_random_value(rnd, t.value_type) for _ in range(rnd.randrange(4))]
    if pa.types.is_string(t):
        return "".join(chr(rnd.choice([97, 98, 34, 92, 10, 13, 9, 1, 31, 127, 233, 0x1F600])) for _ in range(rnd.randrange(6)))
    if pa.types.is_floating(t):
        return rnd.choice([0.1, -2.5, 1e300, 3.0, 1 / 3])
    if pa.types.is_boolean(t):
        return rnd.random() < 0.5
    return rnd.randrange(-10**6, 10**6)


def _as_python_json(v, t: pa.DataType):
    """What the JSON text of ``v`` parses back to."""
    if v is None:
        return None
    if pa.types.is_struct(t):
        return {f.name: _as_python_json(v.get(f.name), f.type) for f in t}
    if pa.types.is_map(t):
        return {k: _as_python_json(x, t.item_type) for k, x in v}
    if pa.types.is_list(t):
        return [_as_python_json(x, t.value_type) for x in v]
    return v


def test_json_text_matches_python_json_on_random_values():
    import random

    from kernels.nested import json_child, json_length
    from loaders.nested import to_json

    rnd = random.Random(5)
    t = pa.list_(pa.struct([("s", pa.string()), ("n", pa.int64()), ("f", pa.float64()), ("b", pa.bool_()),
                            ("m", pa.map_(pa.string(), pa.list_(pa.int32()))), ("l", pa.list_(pa.list_(pa.string())))]))
    values = [_random_value(rnd, t) for _ in range(400)]
    arr = pa.array(values, t)
    for piece in (arr, arr.slice(7, 300)):  # sliced arrays too (offsets into the children)
        texts = to_json(piece).to_pylist()
        expected = [_as_python_json(v, t) for v in values[piece.offset: piece.offset + len(piece)]]
        assert [None if x is None else json.loads(x) for x in texts] == expected
    # the kernels find what Python's json finds
    texts = to_json(arr).to_pylist()
    data = "".join(x or "" for x in texts).encode()
    lens = [len((x or "").encode()) for x in texts]
    import numpy as np

    offs = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(lens, out=offs[1:])
    starts = np.where([x is None for x in texts], -1, offs[:-1]).astype(np.int64)
    buf = np.frombuffer(data, np.uint8)
    counts = json_length(buf, starts, offs[1:].copy())
    assert counts.tolist() == [-1 if x is None else len(json.loads(x)) for x in texts]
    s, e = json_child(buf, starts, offs[1:].copy(), False, np.zeros(1, np.uint8), np.zeros(2, np.int64), np.array([-1], np.int64))
    key = np.frombuffer(b"m", np.uint8)
    s2, e2 = json_child(buf, s, e, True, key, np.array([0, 1], np.int64), np.zeros(1, np.int64))
    for k, x in enumerate(texts):
        doc = json.loads(x) if x is not None else None
        last = doc[-1] if doc else None
        want = None if last is None or last.get("m") is None else last["m"]
        got = None if s2[k] < 0 else json.loads(bytes(buf[s2[k]:e2[k]]))
        assert got == want


def test_json_keys_ignore_case_inside_nested_columns_only(s3, con):
    put(s3, "lake", "case/a.json", '{"Raw": {"KeepMe": 1}, "S": {"A": 5, "Inner": {"DeepKey": "V"}}, "M": {"MixedKey": 1}}\n')
    con.execute("CREATE EXTERNAL TABLE casej (raw string, s struct<a:int, inner:struct<deepkey:string>>, m map<string,int>)"
                " ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://lake/case/'")
    assert con.execute("SELECT raw, s, s.inner.deepkey, m FROM casej").fetchall() == [
        ('{"KeepMe":1}', '{"a":5,"inner":{"deepkey":"V"}}', "V", '{"mixedkey":1}')]
    # with 'case.insensitive' = 'false' keys must match as written
    con.execute("CREATE EXTERNAL TABLE casek (s struct<a:int>, m map<string,int>) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'"
                " WITH SERDEPROPERTIES ('case.insensitive' = 'false') LOCATION 's3://lake/case/'")
    assert con.execute("SELECT s, m FROM casek").fetchall() == [(None, None)]
