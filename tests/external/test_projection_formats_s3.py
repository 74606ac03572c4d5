"""Partition projection details (loopback S3): Java date fields beyond ``yyyy MM dd HH mm ss``
(month names, day of year, 12-hour clocks, fractions, zero offsets), ``interval.unit`` MILLIS,
``NOW-N UNIT`` ranges, epoch layouts through the ``integer`` type (bounds from string
comparisons on fixed-width values), and clear refusals: an epoch ``.format``, unsupported
fields."""

from __future__ import annotations

import datetime as dt

import pytest

import warehouse
from bench.s3server import put_object as put
from warehouse.errors import NotSupportedError
from warehouse.exec.projection import DateFormat


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=1, slices_per_node=2)
    yield c
    c.close()


def _partitions_line(con, sql: str) -> str:
    lines = [r[0].strip() for r in con.execute("EXPLAIN " + sql).fetchall()]
    return next(ln for ln in lines if ln.startswith("partitions:"))


T = dt.datetime(2024, 3, 5, 14, 7, 9, 123000)


@pytest.mark.parametrize(("pattern", "text", "unit", "sortable"), [
    ("yyyy/MM/dd/HH", "2024/03/05/14", "HOURS", True),
    ("dd-MMM-yyyy", "05-Mar-2024", "DAYS", False),
    ("MMMM d, yyyy", "March 5, 2024", "DAYS", False),
    ("yyyy-DDD", "2024-065", "DAYS", False),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSX", "2024-03-05T14:07:09.123Z", "MILLISECONDS", False),
    ("M/d/yy h a", "3/5/24 2 PM", "HOURS", False),
    ("EEE yyyy-MM-dd", "Tue 2024-03-05", "DAYS", False),
    ("uuuu-MM", "2024-03", "MONTHS", True),
    ("yyyyMMddHHmmssSSS", "20240305140709123", "MILLISECONDS", True),
    ("yyyy-MM-dd HH:mm xxx", "2024-03-05 14:07 +00:00", "MINUTES", False),
])
def test_java_date_fields_format_and_parse(pattern, text, unit, sortable):
    f = DateFormat.parse(pattern)
    assert f.format(T) == text
    got = f.parse_text(text)
    assert got is not None and f.format(got) == text
    assert f.unit == unit and f.sortable is sortable


@pytest.mark.parametrize(("pattern", "message"), [
    ("epoch", "Unix epoch values are not a Java date pattern.*'integer'"),
    ("epoch_millis", "Unix epoch"),
    ("yyyy-ww", "field 'ww' is not supported"),
    ("QQQ yyyy", "field 'QQQ' is not supported"),
    ("yyyy-MM-dd hh", "'h'/'K' .* and 'a' .* go together"),
])
def test_unsupported_formats_are_refused(pattern, message):
    with pytest.raises(NotSupportedError, match=message):
        DateFormat.parse(pattern)


def test_month_name_layout_and_day_of_year(s3, con):
    for day in ("01-Feb-2024", "15-Feb-2024", "03-Mar-2024"):
        put(s3, "lake", f"mn/{day}/a.csv", f"{day}\n")
    con.execute("""CREATE EXTERNAL TABLE mn (v string) PARTITIONED BY (d date) ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
      LOCATION 's3://lake/mn/' TBLPROPERTIES ('projection.enabled'='true', 'projection.d.type'='date',
        'projection.d.format'='dd-MMM-yyyy', 'projection.d.range'='01-Jan-2024,31-Mar-2024',
        'storage.location.template'='s3://lake/mn/${d}/')""")
    assert con.execute("SELECT d, v FROM mn ORDER BY d").fetchall() == [
        (dt.date(2024, 2, 1), "01-Feb-2024"), (dt.date(2024, 2, 15), "15-Feb-2024"), (dt.date(2024, 3, 3), "03-Mar-2024")]
    assert _partitions_line(con, "SELECT v FROM mn WHERE d BETWEEN DATE '2024-02-10' AND DATE '2024-02-20'") == \
        "partitions: 11 of 91 (projected)"
    put(s3, "lake", "doy/2024-061/a.csv", "x\n")
    con.execute("""CREATE EXTERNAL TABLE doy (v string) PARTITIONED BY (d string) ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
      LOCATION 's3://lake/doy/' TBLPROPERTIES ('projection.enabled'='true', 'projection.d.type'='date',
        'projection.d.format'='yyyy-DDD', 'projection.d.range'='2024-001,2024-366', 'storage.location.template'='s3://lake/doy/${d}/')""")
    assert con.execute("SELECT d, v FROM doy").fetchall() == [("2024-061", "x")]


def test_millis_interval_unit_and_now_ranges(s3, con):
    put(s3, "lake", "ms/20240101000000500/a.csv", "1\n")
    put(s3, "lake", "ms/20240101000001000/a.csv", "2\n")
    con.execute("""CREATE EXTERNAL TABLE ms (v int) PARTITIONED BY (t string) ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
      LOCATION 's3://lake/ms/' TBLPROPERTIES ('projection.enabled'='true', 'projection.t.type'='date',
        'projection.t.format'='yyyyMMddHHmmssSSS', 'projection.t.range'='20240101000000000,20240101000001999',
        'projection.t.interval'='500', 'projection.t.interval.unit'='MILLIS', 'storage.location.template'='s3://lake/ms/${t}/')""")
    assert con.execute("SELECT t, v FROM ms ORDER BY v").fetchall() == [("20240101000000500", 1), ("20240101000001000", 2)]
    assert _partitions_line(con, "SELECT v FROM ms") == "partitions: 4 of 4 (projected)"
    # NOW-N UNIT ranges with singular/plural units and spaces, as Athena's pattern allows
    today = dt.datetime.now(dt.timezone.utc).date()
    put(s3, "lake", f"now/{today:%Y-%m-%d}/a.csv", "7\n")
    put(s3, "lake", f"now/{today - dt.timedelta(days=40):%Y-%m-%d}/a.csv", "8\n")
    con.execute("""CREATE EXTERNAL TABLE recent (v int) PARTITIONED BY (d date) ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
      LOCATION 's3://lake/now/' TBLPROPERTIES ('projection.enabled'='true', 'projection.d.type'='date',
        'projection.d.format'='yyyy-MM-dd', 'projection.d.range'='NOW - 1 MONTH, NOW + 1DAY', 'storage.location.template'='s3://lake/now/${d}/')""")
    assert con.execute("SELECT v FROM recent").fetchall() == [(7,)]
    with pytest.raises(warehouse.ProgrammingError, match="interval.unit' 'NANOS' is not one of"):
        con.execute("""CREATE EXTERNAL TABLE bad (v int) PARTITIONED BY (d string) LOCATION 's3://lake/x/'
          TBLPROPERTIES ('projection.enabled'='true', 'projection.d.type'='date', 'projection.d.format'='yyyy',
          'projection.d.range'='2020,2024', 'projection.d.interval.unit'='NANOS')""")


def test_epoch_layout_through_integer_projection(s3, con):
    start = 1709251200  # 2024-03-01 00:00:00 UTC
    for h in (0, 5, 30):
        put(s3, "lake", f"epoch/ts={start + 3600 * h}/a.csv", f"{h}\n")
    con.execute(f"""CREATE EXTERNAL TABLE ep (h int) PARTITIONED BY (ts string) ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
      LOCATION 's3://lake/epoch/' TBLPROPERTIES ('projection.enabled'='true', 'projection.ts.type'='integer',
        'projection.ts.range'='{start},{start + 3600 * 24 * 60}', 'projection.ts.interval'='3600')""")
    assert con.execute("SELECT ts, h FROM ep ORDER BY h").fetchall() == [(str(start), 0), (str(start + 18000), 5), (str(start + 108000), 30)]
    # epoch values have one width, so a string comparison bounds the enumeration like a numeric one
    where = f"ts >= '{start + 3600 * 4}' AND ts < '{start + 3600 * 10}'"
    assert _partitions_line(con, f"SELECT h FROM ep WHERE {where}") == "partitions: 6 of 1441 (projected)"
    assert con.execute(f"SELECT h FROM ep WHERE {where}").fetchall() == [(5,)]
    # from_unixtime over a bigint epoch column works the same way
    con.execute(f"""CREATE EXTERNAL TABLE ep2 (h int) PARTITIONED BY (ts bigint) ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
      LOCATION 's3://lake/epoch/' TBLPROPERTIES ('projection.enabled'='true', 'projection.ts.type'='integer',
        'projection.ts.range'='{start},{start + 3600 * 24 * 60}', 'projection.ts.interval'='3600')""")
    assert _partitions_line(con, f"SELECT h FROM ep2 WHERE ts BETWEEN {start} AND {start + 3600 * 5}") == "partitions: 6 of 1441 (projected)"
    assert con.execute(f"SELECT sum(h) FROM ep2 WHERE ts BETWEEN {start} AND {start + 3600 * 5}").fetchone()[0] == 5
    with pytest.raises(NotSupportedError, match="Unix epoch values are not a Java date pattern"):
        con.execute("""CREATE EXTERNAL TABLE ep3 (h int) PARTITIONED BY (ts string) LOCATION 's3://lake/epoch/'
          TBLPROPERTIES ('projection.enabled'='true', 'projection.ts.type'='date', 'projection.ts.format'='epoch',
          'projection.ts.range'='1709251200,NOW')""")
