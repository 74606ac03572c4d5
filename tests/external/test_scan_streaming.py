"""External scans stream object by object: per-chunk filters and partial aggregates, Parquet
row groups skipped by their statistics, and Spectrum's ``svl_s3query_summary`` /
``svl_s3partition`` rows saying what was read.  Answers are checked against DuckDB-free
arithmetic on the generated data, and against the same rows loaded into a local table."""

from __future__ import annotations

import datetime as dt
import decimal
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import warehouse
from bench.s3server import put_object as put

N = 60_000
GROUP = 5_000  # rows per Parquet row group: 12 groups, sorted by k and d


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    yield c
    c.close()


def _table(lo: int, hi: int) -> pa.Table:
    ks = list(range(lo, hi))
    return pa.table({
        "k": pa.array(ks, pa.int64()),
        "d": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=k // 1000) for k in ks], pa.date32()),
        "price": pa.array([decimal.Decimal(k % 1000) / 100 for k in ks], pa.decimal128(9, 2)),
        "tag": pa.array([f"t{k % 7}" for k in ks]),
    })


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=GROUP)
    return sink.getvalue()


@pytest.fixture
def sorted_parquet(s3, con):
    """Three objects of sorted rows (k 0..N) in 12 row groups, as an external table."""
    third = N // 3
    for i in range(3):
        put(s3, "lake", f"facts/part-{i}.parquet", _parquet(_table(i * third, (i + 1) * third)))
    con.cursor().execute(
        "CREATE EXTERNAL TABLE facts (k bigint, d date, price decimal(9,2), tag string) STORED AS PARQUET LOCATION 's3://lake/facts/'"
    )
    return con


def _last_summary(cur) -> tuple:
    cur.execute("SELECT s3_scanned_rows, s3query_returned_rows, files, splits, total_splits, file_format, external_table_name "
                "FROM svl_s3query_summary ORDER BY query DESC, step LIMIT 1")
    return cur.fetchone()


def test_row_groups_outside_a_range_are_not_read(sorted_parquet):
    cur = sorted_parquet.cursor()
    cur.execute("SELECT count(*), sum(k) FROM facts WHERE k >= 57000")
    assert cur.fetchone() == (3000, sum(range(57000, N)))
    scanned, returned, files, splits, total, fmt, name = _last_summary(cur)
    assert (files, total, fmt, name) == (3, 12, "PARQUET", "public.facts")
    assert splits == 1 and scanned == GROUP and returned == 3000

    cur.execute("SELECT count(*) FROM facts WHERE d < '2024-01-08' AND k > 100")  # dates: days 0..7 -> k < 7000
    assert cur.fetchone() == (7000 - 101,)
    assert _last_summary(cur)[3] == 2

    cur.execute("SELECT count(*) FROM facts WHERE k IN (3, 44444)")
    assert cur.fetchone() == (2,)
    assert _last_summary(cur)[3] == 2

    cur.execute("SELECT count(*) FROM facts WHERE price > 9.98")  # every group holds such a price
    assert cur.fetchone() == (N // 1000,)
    assert _last_summary(cur)[3] == 12


def test_a_constant_the_file_type_cannot_hold_prunes_nothing(sorted_parquet):
    cur = sorted_parquet.cursor()
    cur.execute("SELECT count(*) FROM facts WHERE k < 4999.5")
    assert cur.fetchone() == (5000,)
    cur.execute("SELECT count(*) FROM facts WHERE k > -1 AND k < 0")
    assert cur.fetchone() == (0,)
    assert _last_summary(cur)[3] == 0  # no row group can hold k < 0


def test_streamed_group_by_matches_a_local_copy(sorted_parquet):
    cur = sorted_parquet.cursor()
    cur.execute("CREATE TABLE local_facts AS SELECT * FROM facts")
    q = "SELECT tag, d, count(*), sum(price), min(k), max(k), avg(price) FROM {} WHERE k % 3 <> 0 GROUP BY 1, 2 ORDER BY 1, 2"
    cur.execute(q.format("facts"))
    external = cur.fetchall()
    cur.execute(q.format("local_facts"))
    assert external == cur.fetchall()
    assert len(external) == 7 * (N // 1000)
    cur.execute("SELECT count(DISTINCT tag), sum(k) FROM facts")
    assert cur.fetchone() == (7, sum(range(N)))


def test_an_empty_result_and_a_join_stream_too(sorted_parquet):
    cur = sorted_parquet.cursor()
    cur.execute("SELECT tag, count(*) FROM facts WHERE k > 10 * 1000 * 1000 GROUP BY tag")
    assert cur.fetchall() == []
    cur.execute("SELECT count(*), count(tag), sum(k), min(k), max(d), avg(price) FROM facts WHERE k > 10 * 1000 * 1000")
    assert cur.fetchall() == [(0, 0, None, None, None, None)]  # a global aggregate has its row even over nothing
    cur.execute("SELECT count(*), sum(k), min(tag), max(d), avg(price) FROM facts WHERE k < 10")
    assert cur.fetchall() == [(10, 45, "t0", dt.date(2024, 1, 1), decimal.Decimal("0.05"))]
    cur.execute("CREATE TABLE tags (tag varchar(4), label varchar(10))")
    cur.execute("INSERT INTO tags VALUES ('t0', 'zero'), ('t1', 'one')")
    cur.execute("SELECT label, count(*) FROM facts JOIN tags USING (tag) WHERE k < 700 GROUP BY label ORDER BY label")
    assert cur.fetchall() == [("one", 100), ("zero", 100)]


def test_partitions_read_are_logged(s3, con):
    for day in range(1, 5):
        put(s3, "lake", f"events/day={day}/data.parquet", _parquet(_table(day * 100, day * 100 + 50)))
    cur = con.cursor()
    cur.execute("CREATE EXTERNAL TABLE events (k bigint, d date, price decimal(9,2), tag string) PARTITIONED BY (day int) "
                "STORED AS PARQUET LOCATION 's3://lake/events/'")
    cur.execute("MSCK REPAIR TABLE events")
    cur.execute("SELECT day, count(*), min(k) FROM events WHERE day >= 3 GROUP BY day ORDER BY day")
    assert cur.fetchall() == [(3, 50, 300), (4, 50, 400)]
    cur.execute("SELECT total_partitions, qualified_partitions FROM svl_s3partition ORDER BY query DESC LIMIT 1")
    assert cur.fetchone() == (4, 2)
    assert _last_summary(cur)[:3] == (100, 100, 2)


def test_a_corrupt_row_group_is_named(tmp_path, con):
    """Parquet that does not decode: the error names the object and the row group."""
    path = tmp_path / "t" / "a.parquet"
    path.parent.mkdir()
    path.write_bytes(_parquet(_table(0, 4 * GROUP)))
    data = bytearray(path.read_bytes())
    start = pq.ParquetFile(path).metadata.row_group(2).column(0).data_page_offset
    data[start + 20 : start + 200] = b"\xab" * 180
    path.write_bytes(bytes(data))
    cur = con.cursor()
    cur.execute(f"CREATE EXTERNAL TABLE broken (k bigint, tag string) STORED AS PARQUET LOCATION '{path.parent}/'")
    with pytest.raises(warehouse.DataError, match=r"cannot read PARQUET data in row group 2 of 4: .*a\.parquet"):
        cur.execute("SELECT sum(k) FROM broken")
    cur.execute("SELECT count(*) FROM broken WHERE k < 5000")  # row group 0 only: pruned past the damage
    assert cur.fetchone() == (5000,)


def test_an_empty_location_reads_as_empty_with_a_notice(s3, con):
    put(s3, "lake", "other/x.parquet", _parquet(_table(0, 10)))
    cur = con.cursor()
    cur.execute("CREATE EXTERNAL TABLE nothing (k bigint) STORED AS PARQUET LOCATION 's3://lake/no/such/prefix/'")
    cur.execute("SELECT count(*) FROM nothing")
    assert cur.fetchone() == (0,)
    assert any("no data objects under s3://lake/no/such/prefix/" in n for n in cur.notices)
