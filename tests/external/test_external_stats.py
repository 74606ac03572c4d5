"""Plan-time statistics of external tables (row estimates, key NDVs) that steer the join
order (tests/bench/test_tpch_external.py checks the join orders they give on TPC-H)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import warehouse
from warehouse.exec.external_stats import estimate_rows, external_column_ndv


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=1, slices_per_node=2)
    yield c
    c.close()


def _scan(con, sql: str):
    """The ExternalScan node of a bound query's plan."""
    from warehouse.plan.logical import ExternalScan

    session = con._session
    import sqlglot

    plan = session.plan_query(sqlglot.parse_one(sql, read="redshift"), sql, [])
    stack = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, ExternalScan):
            return node
        stack.extend(node.inputs())
    raise AssertionError("no ExternalScan")


def test_parquet_rows_come_from_footers_and_numrows_wins(tmp_path, con):
    folder = tmp_path / "facts"
    folder.mkdir()
    for i in range(3):
        pq.write_table(pa.table({"k": pa.array(range(i * 1000, i * 1000 + 700), pa.int64()), "g": pa.array([j % 7 for j in range(700)], pa.int64())}),
                       folder / f"p{i}.parquet")
    cur = con.cursor()
    cur.execute(f"CREATE EXTERNAL TABLE facts (k bigint, g bigint) STORED AS PARQUET LOCATION '{folder}/'")
    assert estimate_rows(_scan(con, "SELECT k FROM facts")) == 2100
    assert external_column_ndv(_scan(con, "SELECT k FROM facts"), "g") == 7
    assert external_column_ndv(_scan(con, "SELECT k FROM facts"), "k") == 2100
    cur.execute(f"CREATE EXTERNAL TABLE declared (k bigint, g bigint) STORED AS PARQUET LOCATION '{folder}/' TBLPROPERTIES ('numRows'='123456')")
    assert estimate_rows(_scan(con, "SELECT k FROM declared")) == 123456


def test_text_rows_are_estimated_from_size_and_partitions_scale(tmp_path, con):
    for day in range(4):
        part = tmp_path / "logs" / f"day={day}"
        part.mkdir(parents=True)
        (part / "data.txt").write_text("".join(f"{i},{i * 2}\n" for i in range(2000)))
    cur = con.cursor()
    cur.execute(f"CREATE EXTERNAL TABLE logs (a int, b int) PARTITIONED BY (day int) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
                f"LOCATION '{tmp_path}/logs/'")
    cur.execute("MSCK REPAIR TABLE logs")
    every = estimate_rows(_scan(con, "SELECT a FROM logs"))
    one = estimate_rows(_scan(con, "SELECT a FROM logs WHERE day = 2"))
    assert 500 < one < 20000 and every == pytest.approx(4 * one)  # 2000 rows each, from 18 KB
    assert external_column_ndv(_scan(con, "SELECT a FROM logs"), "a") is None  # text: not counted
