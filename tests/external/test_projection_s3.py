"""Athena partition projection over loopback S3: Firehose's ``YYYY/MM/DD/HH/`` layout with a
date projection and ``storage.location.template``, integer/enum/injected columns, bounds
taken from WHERE, EXPLAIN's ``partitions: k of n``, the enumeration limit, bad settings."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import warehouse
from bench.s3server import put_object as put
from warehouse.errors import DataError
from warehouse.exec import projection


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    yield c
    c.close()


def _partitions_line(con, sql: str) -> str:
    lines = [r[0].strip() for r in con.execute("EXPLAIN " + sql).fetchall()]
    return next(ln for ln in lines if ln.startswith("partitions:"))


FIREHOSE_DDL = """CREATE EXTERNAL TABLE rides (name string, distance double) PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://fh-lake/rides/'
TBLPROPERTIES ('projection.enabled' = 'true', 'projection.dt.type' = 'date',
  'projection.dt.range' = '2023/01/01/00,NOW', 'projection.dt.format' = 'yyyy/MM/dd/HH',
  'projection.dt.interval' = '1', 'projection.dt.interval.unit' = 'HOURS',
  'storage.location.template' = 's3://fh-lake/rides/${dt}/')"""


def test_firehose_hourly_layout_without_partition_maintenance(s3, con):
    hours = ["2024/03/01/10", "2024/03/01/12", "2024/03/02/00"]
    for k, h in enumerate(hours):
        put(s3, "fh-lake", f"rides/{h}/rides-{k}", "".join(json.dumps({"name": f"u{k}", "distance": k + 0.5}) for _ in range(3)))
    put(s3, "fh-lake", "rides/2024/03/01/11/.tmp-object", "junk")  # hidden: skipped
    con.execute(FIREHOSE_DDL)
    # no MSCK / ALTER TABLE ADD PARTITION: every hour since 2023 is a candidate; only those with objects are read
    assert con.execute("SELECT dt, count(*), sum(distance) FROM rides GROUP BY 1 ORDER BY 1").fetchall() == [
        ("2024/03/01/10", 3, 1.5), ("2024/03/01/12", 3, 4.5), ("2024/03/02/00", 3, 7.5)]
    where = "dt >= '2024/03/01/11' AND dt < '2024/03/02'"
    assert con.execute(f"SELECT dt, name FROM rides WHERE {where} ORDER BY 1 LIMIT 1").fetchall() == [("2024/03/01/12", "u1")]
    line = _partitions_line(con, f"SELECT name FROM rides WHERE {where}")
    assert line.startswith("partitions: 13 of ") and line.endswith("(projected)")  # 11..23 h of March 1st
    # a prefix of the format bounds the enumeration too: a whole day
    assert _partitions_line(con, "SELECT name FROM rides WHERE dt >= '2024/03/02' AND dt <= '2024/03/02/23'").startswith("partitions: 24 of ")
    assert con.execute("SELECT count(*) FROM rides WHERE dt IN ('2024/03/01/10', '2024/03/02/00')").fetchone()[0] == 6
    # new objects are seen by the next query
    put(s3, "fh-lake", "rides/2024/03/05/07/late", json.dumps({"name": "late", "distance": 1}))
    assert con.execute("SELECT name FROM rides WHERE dt LIKE '2024/03/05/%'").fetchall() == [("late",)]


def test_date_column_integer_enum_and_default_template(s3, con):
    for day in ("2024-01-01", "2024-01-02", "2024-01-05"):
        for shard in (1, 3):
            for region in ("us", "eu"):
                put(s3, "lake", f"proj/day={day}/shard={shard:03d}/region={region}/data.csv", f"{shard},{region}-{day}\n")
    con.execute("""CREATE EXTERNAL TABLE ev (n int, label string) PARTITIONED BY (day date, shard int, region string)
      ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://lake/proj/'
      TBLPROPERTIES ('projection.enabled'='true',
        'projection.day.type'='date', 'projection.day.range'='2024-01-01,2024-01-31', 'projection.day.format'='yyyy-MM-dd',
        'projection.shard.type'='integer', 'projection.shard.range'='0,9', 'projection.shard.digits'='3',
        'projection.region.type'='enum', 'projection.region.values'='us,eu,ap')""")
    assert con.execute("SELECT count(*) FROM ev").fetchone()[0] == 12
    assert _partitions_line(con, "SELECT count(*) FROM ev") == "partitions: 930 of 930 (projected)"
    got = con.execute("SELECT day, shard, region, label FROM ev WHERE day = DATE '2024-01-02' AND shard > 2 AND region = 'eu'").fetchall()
    assert got == [(dt.date(2024, 1, 2), 3, "eu", "eu-2024-01-02")]
    assert _partitions_line(con, "SELECT n FROM ev WHERE day BETWEEN '2024-01-02' AND '2024-01-04' AND shard IN (1, 3)") == \
        "partitions: 18 of 930 (projected)"
    assert _partitions_line(con, "SELECT n FROM ev WHERE (day = '2024-01-05' AND region = 'us') OR (shard = 1 AND region = 'ap')") == \
        "partitions: 41 of 930 (projected)"
    assert con.execute("SELECT label FROM ev WHERE (day = '2024-01-05' AND region = 'us') OR shard = 1 ORDER BY 1").fetchall() == [
        ("eu-2024-01-01",), ("eu-2024-01-02",), ("eu-2024-01-05",), ("us-2024-01-01",), ("us-2024-01-02",), ("us-2024-01-05",),
        ("us-2024-01-05",)]
    # registered partitions do not matter once projection is on (as in Athena)
    assert con.execute("SELECT count(*) FROM svv_external_partitions WHERE tablename = 'ev'").fetchone()[0] == 0


def test_injected_column_needs_equality(s3, con):
    put(s3, "lake", "inj/dev-1/a.csv", "1\n2\n")
    put(s3, "lake", "inj/dev-2/a.csv", "3\n")
    con.execute("""CREATE EXTERNAL TABLE m (v int) PARTITIONED BY (device string) ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
      LOCATION 's3://lake/inj/' TBLPROPERTIES ('projection.enabled'='true', 'projection.device.type'='injected',
      'storage.location.template'='s3://lake/inj/${device}')""")
    assert con.execute("SELECT device, sum(v) FROM m WHERE device IN ('dev-1', 'dev-2', 'dev-9') GROUP BY 1 ORDER BY 1").fetchall() == [
        ("dev-1", 3), ("dev-2", 3)]
    with pytest.raises(DataError, match="injected partition column \"device\" needs a WHERE condition"):
        con.execute("SELECT count(*) FROM m")


def test_unbounded_enumeration_is_refused(s3, con, monkeypatch):
    day = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)).strftime("%Y/%m/%d")
    put(s3, "lake", f"big/{day}/00/00/x", json.dumps({"a": 1}))
    con.execute("""CREATE EXTERNAL TABLE big (a int) PARTITIONED BY (ts string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
      LOCATION 's3://lake/big/' TBLPROPERTIES ('projection.enabled'='true', 'projection.ts.type'='date',
      'projection.ts.range'='NOW-3YEARS,NOW', 'projection.ts.format'='yyyy/MM/dd/HH/mm',
      'storage.location.template'='s3://lake/big/${ts}/')""")
    with pytest.raises(DataError, match="more than the limit of 1000000.*HIVE_EXCEEDED_PARTITION_LIMIT"):
        con.execute("SELECT count(*) FROM big")
    assert _partitions_line(con, "SELECT count(*) FROM big").startswith("partitions: refused: ")  # EXPLAIN says why
    monkeypatch.setattr(projection, "PROJECTION_LIMIT", 100)
    with pytest.raises(DataError, match="narrow the query"):
        con.execute("SELECT count(*) FROM big WHERE ts >= '2024/01/01'")  # still too many minutes
    # a bounded range within the limit
    assert con.execute(f"SELECT count(*) FROM big WHERE ts BETWEEN '{day}/00/00' AND '{day}/00/30'").fetchone()[0] == 1


@pytest.mark.parametrize(("props", "message"), [
    ("'projection.d.type'='date', 'projection.d.range'='2024-01-01,NOW'", "needs 'projection.d.format'"),
    ("'projection.d.type'='date', 'projection.d.range'='2024/01/01,NOW', 'projection.d.format'='yyyy-MM-dd'", "neither NOW"),
    ("'projection.d.type'='integer', 'projection.d.range'='a,9'", "must be an integer"),
    ("'projection.d.type'='weird'", "must be date, integer, enum or injected"),
    ("'projection.d.type'='enum', 'projection.d.values'='a,b', 'storage.location.template'='s3://x/y/'", r"must contain \$\{d\}"),
])
def test_bad_projection_settings_fail_at_create(con, props, message):
    with pytest.raises(warehouse.ProgrammingError, match=message):
        con.execute(f"CREATE EXTERNAL TABLE bad (a int) PARTITIONED BY (d string) LOCATION 's3://x/y/' "
                    f"TBLPROPERTIES ('projection.enabled'='true', {props})")
