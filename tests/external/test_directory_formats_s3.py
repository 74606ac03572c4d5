"""INSERT OVERWRITE DIRECTORY ... STORED AS PARQUET / ORC over loopback S3 (read back with
pyarrow and through external tables), Hive's ``true``/``false`` booleans in the text form
(INSERT OVERWRITE DIRECTORY and CETAS text files), and ALTER TABLE ... CHANGE COLUMN over
real objects (positional for text, by name for Parquet)."""

from __future__ import annotations

import datetime as dt
import decimal
import io

import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

import warehouse
from bench.s3server import put_object as put


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    yield c
    c.close()


def _objects(s3, bucket: str, prefix: str) -> dict[str, bytes]:
    got = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in got if not o["Key"].endswith("/")}


ROWS = [(1, "east", "12.50", "2024-01-05", True, "2024-01-05 10:11:12"),
        (2, "west", "3.25", "2024-01-06", False, "2024-01-06 00:00:00"),
        (3, None, None, None, None, None)]


def _local(con) -> None:
    con.execute("CREATE TABLE sales (id int, region varchar(10), amount decimal(10,2), saledate date, paid boolean, ts timestamp)")
    values = ", ".join(
        "(" + ", ".join("NULL" if v is None else (str(v) if isinstance(v, (int, bool)) else f"'{v}'") for v in row) + ")"
        for row in ROWS
    )
    con.execute(f"INSERT INTO sales VALUES {values}")


EXPECTED = {
    "id": [1, 2, 3],
    "region": ["east", "west", None],
    "amount": [decimal.Decimal("12.50"), decimal.Decimal("3.25"), None],
    "saledate": [dt.date(2024, 1, 5), dt.date(2024, 1, 6), None],
    "paid": [True, False, None],
    "ts": [dt.datetime(2024, 1, 5, 10, 11, 12), dt.datetime(2024, 1, 6), None],
}


def test_insert_overwrite_directory_parquet(s3, con):
    s3.create_bucket(Bucket="out")
    put(s3, "out", "p/stale.txt", "old")  # OVERWRITE removes what was there
    _local(con)
    cur = con.execute("INSERT OVERWRITE DIRECTORY 's3://out/p/' STORED AS PARQUET SELECT * FROM sales ORDER BY id")
    assert cur.rowcount == 3
    objs = _objects(s3, "out", "p/")
    assert list(objs) == ["p/000000_0"]
    table = pq.read_table(io.BytesIO(objs["p/000000_0"]))
    assert table.column_names == list(EXPECTED)
    assert table.to_pydict() == EXPECTED
    # read back through an external table over the directory (Parquet reads by column name)
    con.execute("""CREATE EXTERNAL TABLE back (id int, region string, amount decimal(10,2), saledate date, paid boolean,
        ts timestamp) STORED AS PARQUET LOCATION 's3://out/p/'""")
    assert con.execute("SELECT * FROM back ORDER BY id").fetchall() == con.execute("SELECT * FROM sales ORDER BY id").fetchall()
    # expressions without a name (or repeated names) become Hive's _colN
    con.execute("INSERT OVERWRITE DIRECTORY 's3://out/p' STORED AS PARQUET SELECT id + 1, id, id FROM sales WHERE id = 1")
    objs = _objects(s3, "out", "p/")
    table = pq.read_table(io.BytesIO(objs["p/000000_0"]))
    assert list(objs) == ["p/000000_0"] and table.num_rows == 1
    assert table.column_names[1:] == ["_col1", "_col2"]
    # ROW FORMAT DELIMITED belongs to text only; other formats are refused
    with pytest.raises(warehouse.ProgrammingError) as e:
        con.execute("INSERT OVERWRITE DIRECTORY 's3://out/p/' ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS PARQUET SELECT 1")
    assert e.value.sqlstate == "42601"
    with pytest.raises(warehouse.NotSupportedError):
        con.execute("INSERT OVERWRITE DIRECTORY 's3://out/p/' STORED AS AVRO SELECT 1")
    assert list(_objects(s3, "out", "p/")) == ["p/000000_0"]  # a refused statement wrote nothing


def test_insert_overwrite_directory_orc(s3, con):
    s3.create_bucket(Bucket="out")
    _local(con)
    cur = con.execute("INSERT OVERWRITE DIRECTORY 's3://out/o/' STORED AS ORC SELECT * FROM sales ORDER BY id")
    assert cur.rowcount == 3
    objs = _objects(s3, "out", "o/")
    assert list(objs) == ["o/000000_0"]
    table = orc.read_table(io.BytesIO(objs["o/000000_0"]))
    assert table.column_names == list(EXPECTED)
    assert table.to_pydict() == EXPECTED
    con.execute("""CREATE EXTERNAL TABLE back (id int, region string, amount decimal(10,2), saledate date, paid boolean,
        ts timestamp) STORED AS ORC LOCATION 's3://out/o/'""")
    assert con.execute("SELECT * FROM back ORDER BY id").fetchall() == con.execute("SELECT * FROM sales ORDER BY id").fetchall()


def test_text_booleans_are_hive_true_false(s3, con):
    s3.create_bucket(Bucket="out")
    _local(con)
    con.execute("""INSERT OVERWRITE DIRECTORY 's3://out/t/' ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
        SELECT id, paid FROM sales ORDER BY id""")
    assert _objects(s3, "out", "t/") == {"t/000000_0": b"1,true\n2,false\n3,\\N\n"}
    con.execute("CREATE EXTERNAL TABLE tb (id int, paid boolean) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://out/t/'")
    assert con.execute("SELECT id, paid FROM tb ORDER BY id").fetchall() == [(1, True), (2, False), (3, None)]
    # CETAS text files too
    con.execute("""CREATE EXTERNAL TABLE ct ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' STORED AS TEXTFILE
        LOCATION 's3://out/ct/' AS SELECT id, paid FROM sales ORDER BY id""")
    (body,) = _objects(s3, "out", "ct/").values()
    assert sorted(body.decode().splitlines()) == ["1|true", "2|false", "3|\\N"]
    assert con.execute("SELECT id, paid FROM ct ORDER BY id").fetchall() == [(1, True), (2, False), (3, None)]


def test_unload_keeps_redshift_booleans(s3, con):
    s3.create_bucket(Bucket="out")
    _local(con)
    con.execute("UNLOAD ('SELECT id, paid FROM sales ORDER BY id') TO 's3://out/u/x_' PARALLEL OFF")
    (body,) = _objects(s3, "out", "u/").values()
    assert body.decode() == "1|t\n2|f\n3|\n"


def test_change_column_over_objects(s3, con):
    """CHANGE COLUMN is metadata only: a text table reads fields by position (a renamed column
    reads the same field, a retyped one converts it), Parquet by name (a renamed column reads
    the objects' column of the new name, NULL where absent; a notice says so)."""
    put(s3, "lake", "txt/a.csv", "1,x,2.5\n2,y,3.5\n")
    con.execute("CREATE EXTERNAL TABLE t (a int, b string, c double) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://lake/txt/'")
    con.execute("ALTER TABLE t CHANGE a ident bigint COMMENT 'the id'")
    assert con.execute("SELECT ident, b FROM t ORDER BY 1").fetchall() == [(1, "x"), (2, "y")]
    assert con.execute("DESCRIBE t ident").fetchall() == [("ident", "bigint", "the id")]
    con.execute("ALTER TABLE t CHANGE COLUMN c c string AFTER ident")  # now the 2nd field: the text read there
    assert con.execute("SELECT ident, c, b FROM t ORDER BY 1").fetchall() == [(1, "x", "2.5"), (2, "y", "3.5")]
    _local(con)
    con.execute("INSERT OVERWRITE DIRECTORY 's3://lake/pq/' STORED AS PARQUET SELECT id, region FROM sales")
    con.execute("CREATE EXTERNAL TABLE p (id int, reg string) STORED AS PARQUET LOCATION 's3://lake/pq/'")
    assert con.execute("SELECT count(reg) FROM p").fetchall() == [(0,)]
    cur = con.execute("ALTER TABLE p CHANGE reg region string")
    assert any("read by column name" in n for n in cur.notices)
    assert con.execute("SELECT id, region FROM p ORDER BY id").fetchall() == [(1, "east"), (2, "west"), (3, None)]
