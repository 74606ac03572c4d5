"""UNNEST of nested Hive columns (array/map/struct) of external tables over a real
S3-compatible server (moto on loopback): Presto's ``CROSS JOIN UNNEST(...)`` (WITH
ORDINALITY, maps, arrays of structs as one column or one column per field, several arrays
zipped, LEFT JOIN ... ON TRUE), Redshift's PartiQL ``FROM t, t.arr x [AT i]``, the
operator in EXPLAIN, filters pushed below it, results against DuckDB's ``unnest`` over the
same Parquet, binding errors, and ALTER TABLE refusing nested columns on text tables."""

from __future__ import annotations

import datetime as dt
import io
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import warehouse
from bench.s3server import put_object as put
from tests.external.test_nested_s3 import FORMATS, _orders
from warehouse.errors import NotSupportedError, ProgrammingError


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    yield c
    c.close()


def rows(con, sql):
    return con.execute(sql).fetchall()


# ORDERS (tests/external/test_nested_s3.py): orderid 1 tags ["new","gift"], props {"color":1.5},
# lines [x/2/2024-01-02]; 2: tags [], props {"size":2.25,"w":null}, lines [y/1/null, z/5/2024-02-29];
# 3: all NULL; 4: tags ['a"b\c\nd'], props {}, lines [].
@pytest.mark.parametrize("fmt", FORMATS)
def test_cross_join_unnest_arrays_maps_structs(s3, con, fmt):
    _orders(s3, con, fmt)
    assert rows(con, "SELECT o.orderid, t FROM orders o CROSS JOIN UNNEST(o.tags) AS u(t) ORDER BY 1, 2") == [
        (1, "gift"), (1, "new"), (4, 'a"b\\c\nd')]
    # WITH ORDINALITY: 1-based positions, in array order
    assert rows(con, "SELECT orderid, t, n FROM orders CROSS JOIN UNNEST(tags) WITH ORDINALITY AS u(t, n) ORDER BY 1, 3") == [
        (1, "new", 1), (1, "gift", 2), (4, 'a"b\\c\nd', 1)]
    # a map: key and value columns, typed (double), a JSON null value NULL
    assert rows(con, "SELECT orderid, k, v * 2 FROM orders CROSS JOIN UNNEST(props) AS u(k, v) ORDER BY 1, 2") == [
        (1, "color", 3.0), (2, "size", 4.5), (2, "w", None)]
    # an array of structs as one column: fields typed by the declared struct
    got = rows(con, "SELECT orderid, l.sku, l.qty * 10, l.shipped, l FROM orders CROSS JOIN UNNEST(lines) AS u(l) ORDER BY 1, 2")
    assert got == [
        (1, "x", 20, dt.date(2024, 1, 2), '{"sku":"x","qty":2,"shipped":"2024-01-02"}'),
        (2, "y", 10, None, '{"sku":"y","qty":1,"shipped":null}'),
        (2, "z", 50, dt.date(2024, 2, 29), '{"sku":"z","qty":5,"shipped":"2024-02-29"}'),
    ]
    # Presto's rule: as many aliases as fields expand the struct into columns
    assert rows(con, "SELECT orderid, sku, qty, shipped FROM orders CROSS JOIN UNNEST(lines) AS u(sku, qty, shipped) ORDER BY 1, 2") == [
        (1, "x", 2, dt.date(2024, 1, 2)), (2, "y", 1, None), (2, "z", 5, dt.date(2024, 2, 29))]
    # ... and so do no aliases at all (columns named by the fields)
    assert rows(con, "SELECT orderid, sku, qty FROM orders CROSS JOIN UNNEST(lines) ORDER BY 1, 2") == [(1, "x", 2), (2, "y", 1), (2, "z", 5)]
    # LEFT JOIN ... ON TRUE keeps rows with an empty or NULL array (NULL element and ordinal)
    assert rows(con, "SELECT orderid, t, n FROM orders LEFT JOIN UNNEST(tags) WITH ORDINALITY AS u(t, n) ON TRUE ORDER BY 1, 3") == [
        (1, "new", 1), (1, "gift", 2), (2, None, None), (3, None, None), (4, 'a"b\\c\nd', 1)]
    # several arrays are zipped; the shorter gives NULL
    assert rows(con, "SELECT orderid, t, sku FROM orders CROSS JOIN UNNEST(tags, lines) AS u(t, sku, qty, shipped) ORDER BY 1, 3") == [
        (1, "new", "x"), (1, "gift", None), (2, None, "y"), (2, None, "z"), (4, 'a"b\\c\nd', None)]
    # aggregates, WHERE on the elements and on the parent, and an unnested struct's fields
    assert rows(con, "SELECT count(*), sum(l.qty) FROM orders CROSS JOIN UNNEST(lines) AS u(l) WHERE l.qty > 1") == [(2, 7)]
    assert rows(con, "SELECT orderid, count(*) FROM orders, UNNEST(lines) AS u(l) WHERE orderid >= 2 GROUP BY orderid") == [(2, 2)]


@pytest.mark.parametrize("fmt", ["parquet", "org.openx.data.jsonserde.JsonSerDe"])
def test_partiql_paths(s3, con, fmt):
    """Redshift Spectrum's spelling: a FROM item that is a path into an earlier item."""
    _orders(s3, con, fmt)
    assert rows(con, "SELECT o.orderid, l.sku, l.qty FROM orders o, o.lines l ORDER BY 1, 2") == [
        (1, "x", 2), (2, "y", 1), (2, "z", 5)]
    assert rows(con, "SELECT o.orderid, t FROM orders o, o.tags AS t WHERE t <> 'new' ORDER BY 1") == [(1, "gift"), (4, 'a"b\\c\nd')]
    # AT gives the position, from 0 as Redshift counts
    assert rows(con, "SELECT o.orderid, l.sku, i FROM orders o, o.lines AS l AT i ORDER BY 1, 3") == [(1, "x", 0), (2, "y", 0), (2, "z", 1)]
    # a map's entries are structs with a key and a value
    assert rows(con, "SELECT o.orderid, p.key, p.value, p FROM orders o, o.props p ORDER BY 1, 2") == [
        (1, "color", 1.5, '{"key":"color","value":1.5}'), (2, "size", 2.25, '{"key":"size","value":2.25}'),
        (2, "w", None, '{"key":"w","value":null}')]
    # LEFT JOIN o.tags t ON TRUE keeps every order
    assert rows(con, "SELECT o.orderid, t FROM orders o LEFT JOIN o.tags t ON TRUE ORDER BY 1, 2") == [
        (1, "gift"), (1, "new"), (2, None), (3, None), (4, 'a"b\\c\nd')]


def parquet_bytes(table: pa.Table, **kw) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, **kw)
    return buf.getvalue()


def _random_table(n: int, seed: int) -> pa.Table:
    rnd = random.Random(seed)
    ids, arrs, lines = [], [], []
    for i in range(n):
        ids.append(i)
        r = rnd.random()
        arrs.append(None if r < 0.05 else [None if rnd.random() < 0.05 else rnd.randrange(-50, 50) for _ in range(rnd.randrange(6))])
        lines.append(None if rnd.random() < 0.05 else [
            None if rnd.random() < 0.05 else {"sku": rnd.choice(["a", "b", "c", 'q"x', None]), "qty": rnd.randrange(10)}
            for _ in range(rnd.randrange(4))])
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "a": pa.array(arrs, pa.list_(pa.int64())),
        "lines": pa.array(lines, pa.list_(pa.struct([("sku", pa.string()), ("qty", pa.int32())]))),
    })


def test_unnest_matches_duckdb(s3, con, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    table = _random_table(3000, 7)
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=700)
    put(s3, "lake", "r/part-0.parquet", path.read_bytes())
    con.execute("CREATE EXTERNAL TABLE r (id bigint, a array<bigint>, lines array<struct<sku:string,qty:int>>)"
                " STORED AS PARQUET LOCATION 's3://lake/r/'")
    duck = duckdb.connect()
    src = f"read_parquet('{path}')"

    # every element with its position (NULL elements kept, NULL/empty arrays dropped)
    got = rows(con, "SELECT id, x, n FROM r CROSS JOIN UNNEST(a) WITH ORDINALITY AS u(x, n)")
    want = duck.execute(f"SELECT id, unnest(a) AS x, unnest(generate_series(1, len(a))) AS n FROM {src}").fetchall()
    assert len(got) > 3000
    assert sorted(got, key=repr) == sorted(want, key=repr)

    # struct fields of an array of structs, grouped
    got = rows(con, "SELECT l.sku, count(*), sum(l.qty) FROM r CROSS JOIN UNNEST(lines) AS u(l) GROUP BY 1")
    want = duck.execute(f"SELECT l.sku, count(*), sum(l.qty) FROM (SELECT unnest(lines) AS l FROM {src}) GROUP BY 1").fetchall()
    assert sorted(got, key=repr) == sorted(want, key=repr)

    # LEFT JOIN keeps the rows without elements: one row each, with a NULL element
    got = rows(con, "SELECT count(*), count(x), count(DISTINCT id) FROM r LEFT JOIN UNNEST(a) AS u(x) ON TRUE")
    want = duck.execute(f"SELECT count(*), count(x), count(DISTINCT id) FROM {src} LEFT JOIN LATERAL (SELECT unnest(a) AS x) ON TRUE").fetchall()
    assert got == want


def test_explain_and_pushdown(s3, con):
    _orders(s3, con, "parquet")
    plan = "\n".join(r[0] for r in rows(con, "EXPLAIN SELECT orderid, t FROM orders CROSS JOIN UNNEST(tags) AS u(t) WHERE orderid > 1 AND t <> 'x'"))
    lines = plan.splitlines()
    at = next(i for i, l in enumerate(lines) if "Unnest" in l)
    assert "as (t)" in lines[at]
    # the filter on the order runs below the unnest (on orders, not on each element) ...
    assert any("Filter" in l and "orderid" in l for l in lines[at + 1:])
    # ... the one on the element above it
    assert any("Filter" in l and "#" in l and "'x'" in l for l in lines[:at])
    # an ordinal nobody reads is not built
    plan = "\n".join(r[0] for r in rows(con, "EXPLAIN SELECT t FROM orders CROSS JOIN UNNEST(tags) WITH ORDINALITY AS u(t, n)"))
    assert "ordinality" not in plan and "Unnest" in plan
    plan = "\n".join(r[0] for r in rows(con, "EXPLAIN SELECT orderid FROM orders o, o.lines AS l AT i WHERE i = 0"))
    assert "ordinality(from 0)" in plan
    assert rows(con, "SELECT orderid FROM orders o, o.lines AS l AT i WHERE i = 1") == [(2,)]


def test_partition_pruning_below_unnest(s3, con):
    for day in ("a", "b"):
        put(s3, "lake", f"pt/dt={day}/part-0.parquet", parquet_bytes(pa.table({"id": [1, 2], "a": pa.array([[1, 2], [3]])})))
    con.execute("CREATE EXTERNAL TABLE pt (id int, a array<bigint>) PARTITIONED BY (dt string) STORED AS PARQUET LOCATION 's3://lake/pt/'")
    con.execute("MSCK REPAIR TABLE pt")
    plan = "\n".join(r[0] for r in rows(con, "EXPLAIN SELECT id, x FROM pt CROSS JOIN UNNEST(a) AS u(x) WHERE dt = 'b'"))
    assert "partitions: 1 of 2" in plan
    assert rows(con, "SELECT dt, id, x FROM pt CROSS JOIN UNNEST(a) AS u(x) WHERE dt = 'b' ORDER BY 2, 3") == [("b", 1, 1), ("b", 1, 2), ("b", 2, 3)]


def test_unnest_joins_ctes_and_chains(s3, con):
    _orders(s3, con, "parquet")
    con.execute("CREATE TABLE names (id int, name varchar(10))")
    con.execute("INSERT INTO names VALUES (1, 'one'), (2, 'two'), (4, 'four')")
    # a local table joined by a WHERE condition: the unnest does not turn it into a cross product
    assert rows(con, "SELECT n.name, l.sku FROM names n, orders o, UNNEST(o.lines) AS u(l) WHERE n.id = o.orderid ORDER BY 2") == [
        ("one", "x"), ("two", "y"), ("two", "z")]
    assert rows(con, "WITH w AS (SELECT orderid, lines FROM orders WHERE orderid = 2) SELECT l.sku FROM w CROSS JOIN UNNEST(w.lines) u(l) ORDER BY 1") == [
        ("y",), ("z",)]
    # an unnested element unnested again (Presto) and a PartiQL chain
    put(s3, "lake", "deep/part-0.parquet", parquet_bytes(pa.table({
        "id": [1, 2],
        "c": pa.array([{"name": "Ann", "orders": [{"sku": "a", "items": [1, 2]}, {"sku": "b", "items": []}]},
                       {"name": "Bob", "orders": None}]),
        "n": pa.array([[[1, 2], [3]], [[], None, [4]]], pa.list_(pa.list_(pa.int64()))),
    })))
    con.execute("CREATE EXTERNAL TABLE deep (id int, c struct<name:string, orders:array<struct<sku:string, items:array<int>>>>,"
                " n array<array<bigint>>) STORED AS PARQUET LOCATION 's3://lake/deep/'")
    assert rows(con, "SELECT id, x FROM deep CROSS JOIN UNNEST(n) AS u(inner_) CROSS JOIN UNNEST(inner_) AS v(x) ORDER BY 1, 2") == [
        (1, 1), (1, 2), (1, 3), (2, 4)]
    assert rows(con, "SELECT d.c.name, o.sku, it FROM deep d, d.c.orders o, o.items it ORDER BY 2, 3") == [("Ann", "a", 1), ("Ann", "a", 2)]
    assert rows(con, "SELECT count(*) FROM deep d LEFT JOIN d.c.orders o ON TRUE") == [(3,)]


def test_schema_table_named_like_an_alias_is_still_a_table(con):
    """``FROM a x, x.b``: sqlglot reads ``x.b`` as PartiQL's path; ``b`` is no column of
    ``x``, so it is the table ``x.b``."""
    con.execute("CREATE SCHEMA x")
    con.execute("CREATE TABLE x.b (v int)")
    con.execute("INSERT INTO x.b VALUES (5)")
    con.execute("CREATE TABLE a (id int)")
    con.execute("INSERT INTO a VALUES (1)")
    for sql in ("SELECT * FROM a x, x.b", "SELECT * FROM a x, x.b bb", "SELECT * FROM a x JOIN x.b bb ON TRUE"):
        assert rows(con, sql) == [(1, 5)], sql


def test_unnest_errors(s3, con):
    _orders(s3, con, "parquet")
    cases = {
        "SELECT * FROM orders CROSS JOIN UNNEST(orderid) AS u(x)": "42804",  # not an array or map
        "SELECT * FROM orders CROSS JOIN UNNEST(customer) AS u(x)": "42804",  # a struct
        "SELECT * FROM orders CROSS JOIN UNNEST(props) AS u(x)": "42P10",  # a map gives two columns
        "SELECT * FROM orders CROSS JOIN UNNEST(lines) AS u(a, b)": "42P10",  # 1 or 3
        "SELECT * FROM orders RIGHT JOIN UNNEST(tags) AS u(x) ON TRUE": "0A000",
        "SELECT * FROM orders LEFT JOIN UNNEST(tags) AS u(x) ON x = 'new'": "0A000",
        "SELECT orderid, (SELECT count(*) FROM UNNEST(tags) AS u(x)) FROM orders": "0A000",
        "SELECT * FROM orders CROSS JOIN UNNEST(nope) AS u(x)": "42703",
    }
    for sql, state in cases.items():
        with pytest.raises((ProgrammingError, NotSupportedError)) as e:
            con.execute(sql)
        assert e.value.sqlstate == state, sql
        assert "\n" not in str(e.value).split("Hint:")[0].strip(), sql


def test_alter_refuses_nested_columns_on_text_tables(s3, con):
    # OpenCSVSerde reads every field as text: no nested types (LazySimpleSerDe's delimited text has them)
    con.execute("CREATE EXTERNAL TABLE tx (id int) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://lake/tx/'")
    con.execute("CREATE EXTERNAL TABLE px (id int, a array<int>) STORED AS PARQUET LOCATION 's3://lake/px/'")
    for sql in ("ALTER TABLE tx ADD COLUMNS (a array<int>)",
                "ALTER TABLE tx REPLACE COLUMNS (id int, m map<string,int>)",
                "ALTER TABLE tx ADD COLUMN s struct<a:int>"):  # Redshift's spelling
        with pytest.raises(NotSupportedError) as e:
            con.execute(sql)
        assert e.value.sqlstate == "0A000" and "array, map and struct columns need" in str(e.value), sql
    # nothing changed; primitive columns, and nested ones where the format has them, still go
    con.execute("ALTER TABLE tx ADD COLUMNS (b int)")
    con.execute("ALTER TABLE px ADD COLUMNS (m map<string,int>)")
    got = rows(con, "SELECT tablename, columnname, external_type FROM svv_external_columns WHERE tablename IN ('tx', 'px') ORDER BY 1, columnnum")
    assert got == [("px", "id", "int"), ("px", "a", "array<int>"), ("px", "m", "map<string,int>"), ("tx", "id", "int"), ("tx", "b", "int")]
    # delimited text (LazySimpleSerDe) has them: a Parquet table may become TEXTFILE, a text table take them
    con.execute("ALTER TABLE px SET FILE FORMAT TEXTFILE")
    con.execute("CREATE EXTERNAL TABLE dx (id int) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://lake/dx/'")
    con.execute("ALTER TABLE dx ADD COLUMNS (a array<int>)")


def test_warmup_compiles_the_nested_kernels(monkeypatch):
    """``python -m kernels.warmup`` calls every kernel of kernels/nested.py."""
    import kernels.nested as nested
    from kernels import warmup

    names = ["json_length", "json_child", "gather_spans", "json_elements", "json_kinds", "lower_object_keys", "unnest_rows"]
    called: set[str] = set()
    for name in names:
        fn = getattr(nested, name)
        monkeypatch.setattr(nested, name, lambda *a, _fn=fn, _name=name: (called.add(_name), _fn(*a))[1])
    warmup.warmup()
    assert called == set(names)
