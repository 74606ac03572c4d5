"""External-table statements over loopback S3: Redshift Spectrum's CREATE EXTERNAL TABLE ... AS
SELECT (Parquet, delimited text, partitioned; the location must be empty), ALTER TABLE ... SET
LOCATION / PARTITION (...) SET LOCATION / SET TBLPROPERTIES (partition projection switched on
and changed) / ADD COLUMNS, SHOW PARTITIONS after MSCK, DROP SCHEMA ... DROP EXTERNAL DATABASE
(the objects stay)."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import warehouse
from bench.s3server import put_object as put


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    yield c
    c.close()


def _keys(s3, bucket: str, prefix: str) -> list[str]:
    got = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in got if not o["Key"].endswith("/"))


def _body(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


SALES = [(1, "east", "12.50", "2024-01-05", True), (2, "west", "3.25", "2024-01-05", False),
         (3, "east", "7.00", "2024-02-01", None), (4, None, None, "2024-02-01", True), (5, "west", "1.00", None, False)]


def _local_sales(con) -> None:
    con.execute("CREATE TABLE sales (id int, region varchar(10), amount decimal(10,2), saledate date, paid boolean)")
    values = ", ".join(
        "(" + ", ".join("NULL" if v is None else (str(v) if isinstance(v, (int, bool)) else f"'{v}'") for v in row) + ")"
        for row in SALES
    )
    con.execute(f"INSERT INTO sales VALUES {values}")


# ----- CREATE EXTERNAL TABLE ... AS SELECT ------------------------------------------------------------
def test_cetas_parquet_round_trip_and_location_must_be_empty(s3, con):
    s3.create_bucket(Bucket="lake")
    _local_sales(con)
    con.execute("CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE 'lake'")
    cur = con.execute("""CREATE EXTERNAL TABLE spectrum.sales_copy STORED AS PARQUET LOCATION 's3://lake/copy/'
        AS SELECT id, region, amount, saledate, paid FROM sales WHERE id <= 4""")
    assert cur.rowcount == 4
    assert any("4 row(s) written" in n for n in cur.notices)
    keys = _keys(s3, "lake", "copy/")
    assert keys and all(k.endswith(".parquet") for k in keys)
    written = pq.read_table(io.BytesIO(_body(s3, "lake", keys[0])))
    assert written.column_names == ["id", "region", "amount", "saledate", "paid"]
    # the table is defined with the query's columns in Hive types, and reads back what was written
    cols = con.execute("SELECT columnname, external_type FROM svv_external_columns WHERE tablename = 'sales_copy' ORDER BY columnnum").fetchall()
    assert cols == [("id", "int"), ("region", "varchar(10)"), ("amount", "decimal(10,2)"), ("saledate", "date"), ("paid", "boolean")]
    got = con.execute("SELECT id, region, amount::varchar, saledate::varchar, paid FROM spectrum.sales_copy ORDER BY id").fetchall()
    assert got == [(r[0], r[1], r[2], r[3], r[4]) for r in SALES[:4]]
    # Redshift refuses a location that holds objects; nothing is defined or written
    with pytest.raises(warehouse.ProgrammingError) as e:
        con.execute("CREATE EXTERNAL TABLE spectrum.again STORED AS PARQUET LOCATION 's3://lake/copy' AS SELECT id FROM sales")
    assert e.value.sqlstate == "55000" and "not empty" in str(e.value)
    assert con.execute("SELECT count(*) FROM svv_external_tables WHERE tablename = 'again'").fetchone() == (0,)
    assert _keys(s3, "lake", "copy/") == keys
    # the name is checked before anything runs; IF NOT EXISTS skips
    with pytest.raises(warehouse.ProgrammingError) as e:
        con.execute("CREATE EXTERNAL TABLE spectrum.sales_copy STORED AS PARQUET LOCATION 's3://lake/other/' AS SELECT 1 AS a")
    assert e.value.sqlstate == "42P07"
    con.execute("CREATE EXTERNAL TABLE IF NOT EXISTS spectrum.sales_copy STORED AS PARQUET LOCATION 's3://lake/other/' AS SELECT 1 AS a")
    assert _keys(s3, "lake", "other/") == []
    # CTAS from the new external table works like from any other
    con.execute("CREATE TABLE back AS SELECT * FROM spectrum.sales_copy")
    assert con.execute("SELECT sum(amount) FROM back").fetchone()[0] == pytest.approx(22.75)


def test_cetas_text_with_declared_columns(s3, con):
    s3.create_bucket(Bucket="lake")
    _local_sales(con)
    cur = con.execute("""CREATE EXTERNAL TABLE by_region (region string, n bigint)
        ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS TEXTFILE LOCATION 's3://lake/by_region/'
        AS SELECT coalesce(region, 'none'), count(*) FROM sales GROUP BY 1 ORDER BY 1""")
    assert cur.rowcount == 3
    keys = _keys(s3, "lake", "by_region/")
    assert len(keys) == 1 and not keys[0].endswith(".parquet")
    assert _body(s3, "lake", keys[0]).decode() == "east,2\nnone,1\nwest,2\n"
    assert con.execute("SELECT region, n FROM by_region ORDER BY n DESC, region").fetchall() == [("east", 2), ("west", 2), ("none", 1)]
    show = "\n".join(r[0] for r in con.execute("SHOW CREATE TABLE by_region").fetchall())
    assert "FIELDS TERMINATED BY ','" in show and "'s3://lake/by_region/'" in show
    # the count of declared columns must match the query
    with pytest.raises(warehouse.ProgrammingError):
        con.execute("CREATE EXTERNAL TABLE bad (a int) STORED AS PARQUET LOCATION 's3://lake/bad/' AS SELECT 1 AS a, 2 AS b")
    # formats CETAS cannot write
    with pytest.raises(warehouse.NotSupportedError):
        con.execute("""CREATE EXTERNAL TABLE j ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
            LOCATION 's3://lake/j/' AS SELECT 1 AS a""")


def test_cetas_partitioned(s3, con):
    s3.create_bucket(Bucket="lake")
    _local_sales(con)
    cur = con.execute("""CREATE EXTERNAL TABLE sales_by_day PARTITIONED BY (saledate) STORED AS PARQUET
        LOCATION 's3://lake/by_day/' AS SELECT id, region, saledate FROM sales""")
    assert cur.rowcount == 5
    folders = sorted({k.rsplit("/", 1)[0] for k in _keys(s3, "lake", "by_day/")})
    assert folders == ["by_day/saledate=2024-01-05", "by_day/saledate=2024-02-01", "by_day/saledate=__HIVE_DEFAULT_PARTITION__"]
    # the partition column is not in the files; it comes from the folder
    one = _keys(s3, "lake", "by_day/saledate=2024-01-05/")[0]
    assert pq.read_table(io.BytesIO(_body(s3, "lake", one))).column_names == ["id", "region"]
    assert [r[0] for r in con.execute("SHOW PARTITIONS sales_by_day").fetchall()] == [
        "saledate=2024-01-05", "saledate=2024-02-01", "saledate=__HIVE_DEFAULT_PARTITION__"]
    assert con.execute("SELECT id, region, saledate::varchar FROM sales_by_day ORDER BY id").fetchall() == [
        (r[0], r[1], r[3]) for r in SALES]
    assert con.execute("SELECT count(*) FROM sales_by_day WHERE saledate = '2024-02-01'").fetchone()[0] == 2
    plan = " ".join(r[0] for r in con.execute("EXPLAIN SELECT id FROM sales_by_day WHERE saledate = '2024-02-01'").fetchall())
    assert "partitions: 1 of 3" in plan
    with pytest.raises(warehouse.ProgrammingError):
        con.execute("CREATE EXTERNAL TABLE p2 PARTITIONED BY (nosuch) STORED AS PARQUET LOCATION 's3://lake/p2/' AS SELECT id FROM sales")


# ----- ALTER TABLE ------------------------------------------------------------------------------------
def test_set_location_and_partition_location(s3, con):
    put(s3, "lake", "v1/part-0", "1|old\n")
    put(s3, "lake", "v2/part-0", "2|new\n3|newer\n")
    con.execute("CREATE EXTERNAL TABLE t (id int, name string) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LOCATION 's3://lake/v1/'")
    assert con.execute("SELECT id, name FROM t").fetchall() == [(1, "old")]
    con.execute("ALTER TABLE t SET LOCATION 's3://lake/v2/'")
    assert con.execute("SELECT id, name FROM t ORDER BY id").fetchall() == [(2, "new"), (3, "newer")]
    # a partition's own location
    put(s3, "lake", "p/year=2024/a", "10\n")
    put(s3, "lake", "moved/2023/a", "20\n21\n")
    con.execute("CREATE EXTERNAL TABLE p (v int) PARTITIONED BY (year int) LOCATION 's3://lake/p/'")
    con.execute("MSCK REPAIR TABLE p")
    con.execute("ALTER TABLE p ADD PARTITION (year=2023)")
    assert [r[0] for r in con.execute("SHOW PARTITIONS p").fetchall()] == ["year=2023", "year=2024"]
    assert con.execute("SELECT year, sum(v) FROM p GROUP BY 1 ORDER BY 1").fetchall() == [(2024, 10)]
    con.execute("ALTER TABLE p PARTITION (year=2023) SET LOCATION 's3://lake/moved/2023/'")
    assert con.execute("SELECT year, sum(v) FROM p GROUP BY 1 ORDER BY 1").fetchall() == [(2023, 41), (2024, 10)]


def test_set_tblproperties_switches_projection_on_and_changes_it(s3, con):
    for day in ("2024-01-01", "2024-01-02", "2024-01-03"):
        put(s3, "proj", f"events/day={day}/e.json", json.dumps({"kind": "click", "n": int(day[-1])}) + "\n")
    con.execute("""CREATE EXTERNAL TABLE ev (kind string, n int) PARTITIONED BY (day date)
        ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://proj/events/'""")
    assert con.execute("SELECT count(*) FROM ev").fetchone()[0] == 0  # nothing registered
    con.execute("""ALTER TABLE ev SET TBLPROPERTIES ('projection.enabled' = 'true', 'projection.day.type' = 'date',
        'projection.day.format' = 'yyyy-MM-dd', 'projection.day.range' = '2024-01-01,2024-01-02')""")
    assert con.execute("SELECT day::varchar, n FROM ev ORDER BY 1").fetchall() == [("2024-01-01", 1), ("2024-01-02", 2)]
    cur = con.execute("SHOW PARTITIONS ev")
    assert cur.fetchall() == [] and any("projection" in n for n in cur.notices)
    # a changed setting takes effect at the next query
    con.execute("ALTER TABLE ev SET TBLPROPERTIES ('projection.day.range' = '2024-01-02,2024-01-03')")
    assert con.execute("SELECT sum(n) FROM ev").fetchone()[0] == 5
    con.execute("ALTER TABLE ev SET TBLPROPERTIES ('projection.enabled' = 'false')")
    assert con.execute("SELECT count(*) FROM ev").fetchone()[0] == 0
    with pytest.raises(warehouse.ProgrammingError):
        con.execute("ALTER TABLE ev SET TBLPROPERTIES ('projection.enabled' = 'true', 'projection.day.range' = 'not a range')")


def test_add_and_replace_columns_read_parquet_by_name(s3, con):
    put(s3, "lake", "cols/a.parquet", _parquet(pa.table({"id": [1, 2], "name": ["x", "y"], "score": [0.5, 1.5]})))
    con.execute("CREATE EXTERNAL TABLE c (id int) STORED AS PARQUET LOCATION 's3://lake/cols/'")
    assert con.execute("SELECT * FROM c ORDER BY id").fetchall() == [(1,), (2,)]
    con.execute("ALTER TABLE c ADD COLUMNS (score double, missing string)")
    assert con.execute("SELECT * FROM c ORDER BY id").fetchall() == [(1, 0.5, None), (2, 1.5, None)]
    con.execute("ALTER TABLE c REPLACE COLUMNS (name string, id bigint)")
    assert con.execute("SELECT * FROM c ORDER BY id").fetchall() == [("x", 1), ("y", 2)]
    con.execute("ALTER TABLE c DROP COLUMN name")
    assert con.execute("SELECT * FROM c ORDER BY id").fetchall() == [(1,), (2,)]


def test_drop_external_database_keeps_the_objects(s3, con):
    put(s3, "lake", "keep/a", "1\n")
    con.execute("CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE 'lake'")
    con.execute("CREATE EXTERNAL TABLE spectrum.k (a int) LOCATION 's3://lake/keep/'")
    assert con.execute("SELECT a FROM spectrum.k").fetchall() == [(1,)]
    cur = con.execute("DROP SCHEMA spectrum DROP EXTERNAL DATABASE CASCADE")
    assert any('"lake"' in n for n in cur.notices)
    assert con.execute("SELECT count(*) FROM svv_external_schemas").fetchone()[0] == 0
    with pytest.raises(warehouse.ProgrammingError):
        con.execute("SELECT a FROM spectrum.k")
    assert _keys(s3, "lake", "keep/") == ["keep/a"]
