"""External tables over a real S3-compatible server (moto on loopback): Firehose-style JSON
(the Wild Rydes lab), CloudFront logs through the RegexSerDe (the EMR Hive lab), a Parquet
folder, delimited text; joins, CTAS and INSERT from external tables; errors and notices."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import warehouse
from bench.s3server import put_object as put
from warehouse.errors import DataError


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    yield c
    c.close()



# ----- Wild Rydes: Firehose JSON ---------------------------------------------------------------
UNICORNS = ["Shadowfax", "Rocinante", "Bucephalus"]


def firehose_records(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 12, 0, 0)
    out = []
    for i in range(n):
        t = start + dt.timedelta(seconds=7 * i, milliseconds=rnd.randrange(1000))
        out.append({
            "Name": UNICORNS[i % 3], "StatusTime": t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            "Latitude": round(40 + rnd.random(), 6), "Longitude": round(-74 + rnd.random(), 6),
            "Distance": rnd.randrange(1, 200) / 2, "HealthPoints": rnd.randrange(100, 200), "MagicPoints": rnd.randrange(100, 200),
        })
    return out


WILDRYDES_DDL = """CREATE EXTERNAL TABLE wildrydes (Name string, StatusTime timestamp, Latitude float, Longitude float,
  Distance float, HealthPoints int, MagicPoints int)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
LOCATION 's3://wildrydes-lake/'"""


def test_firehose_json_per_minute_aggregation(s3, con):
    records = firehose_records(300)
    # Firehose writes objects of concatenated records under YYYY/MM/DD/HH/, some gzipped
    parts = [records[:100], records[100:200], records[200:]]
    put(s3, "wildrydes-lake", "2024/03/01/12/rides-1", "".join(json.dumps(r) for r in parts[0]))
    put(s3, "wildrydes-lake", "2024/03/01/12/rides-2", "\n".join(json.dumps(r) for r in parts[1]) + "\n")
    put(s3, "wildrydes-lake", "2024/03/01/13/rides-3.gz", gzip.compress("".join(json.dumps(r) for r in parts[2]).encode()))
    con.execute(WILDRYDES_DDL)
    got = con.execute(
        "SELECT Name, date_trunc('minute', StatusTime) AS minute, SUM(Distance), MIN(MagicPoints), MAX(HealthPoints), COUNT(*) "
        "FROM wildrydes GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    expected: dict[tuple, list] = {}
    for r in records:
        t = dt.datetime.strptime(r["StatusTime"], "%Y-%m-%d %H:%M:%S.%f").replace(second=0, microsecond=0)
        e = expected.setdefault((r["Name"], t), [0.0, 10**9, 0, 0])
        e[0] += r["Distance"]
        e[1] = min(e[1], r["MagicPoints"])
        e[2] = max(e[2], r["HealthPoints"])
        e[3] += 1
    assert [(n, m) for n, m, *_ in got] == sorted(expected)
    for name, minute, dist, magic, health, n in got:
        e = expected[(name, minute)]
        assert dist == pytest.approx(e[0]) and (magic, health, n) == (e[1], e[2], e[3])


def test_json_keys_ignore_case_and_malformed_records_fail_naming_object_and_line(s3, con):
    put(s3, "wildrydes-lake", "a.json", '{"NAME":"x","statustime":"2024-01-01 00:00:00","DISTANCE":1.5}\n{not json\n{"name":"y"}\n')
    con.execute(WILDRYDES_DDL)
    # Hive's JSON SerDes fail the query on a record that is not JSON
    with pytest.raises(DataError, match=r"malformed JSON record.*ignore\.malformed\.json.*s3://wildrydes-lake/a\.json, line 2"):
        con.execute("SELECT name FROM wildrydes")
    put(s3, "wildrydes-lake", "a.json", '{"NAME":"x","statustime":"2024-01-01 00:00:00","DISTANCE":1.5}\n{"name":"y","distance":"far"}\n')
    # a value that does not convert fails the query, as Athena's HIVE_BAD_DATA (tests/external/test_serde_s3.py)
    with pytest.raises(DataError, match=r"HIVE_BAD_DATA: Error parsing field value 'far' for field 4 \(distance\).*a\.json, line 2"):
        con.execute("SELECT name, statustime, distance FROM wildrydes ORDER BY name")


def test_openx_json_serde_properties(s3, con):
    put(s3, "lake", "ox/a.json", '{"Id": 1, "timestamp": "2024-01-01 10:00:00", "Name": "a"}\n{broken\n'
                                 '{"id": 2, "timestamp": "2024-01-02 00:00:00", "name": "b"}\n')
    con.execute("""CREATE EXTERNAL TABLE ox (id int, ts timestamp, name string)
      ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
      WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true', 'mapping.ts' = 'timestamp')
      LOCATION 's3://lake/ox/'""")
    cur = con.execute("SELECT id, ts, name FROM ox ORDER BY id")
    assert cur.fetchall() == [(1, dt.datetime(2024, 1, 1, 10), "a"), (2, dt.datetime(2024, 1, 2), "b"), (None, None, None)]
    assert any("1 malformed JSON record(s) read as rows of NULLs" in n for n in cur.notices)
    assert con.execute("SELECT count(*) FROM ox").fetchone()[0] == 3
    # case.insensitive = false: keys must match the (lower-case) column names exactly
    con.execute("""CREATE EXTERNAL TABLE ox2 (id int, name string, when_ts timestamp) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
      WITH SERDEPROPERTIES ('ignore.malformed.json' = 'TRUE', 'case.insensitive' = 'false', 'mapping.when_ts' = 'timestamp')
      LOCATION 's3://lake/ox/'""")
    assert con.execute("SELECT id, name, when_ts FROM ox2 WHERE id IS NOT NULL OR name IS NOT NULL ORDER BY id").fetchall() == [
        (2, "b", dt.datetime(2024, 1, 2))]


# ----- CloudFront logs: RegexSerDe ----------------------------------------------------------------
CLOUDFRONT_DDL = r"""CREATE EXTERNAL TABLE IF NOT EXISTS cloudfront_logs (
  DateObject Date, Time STRING, Location STRING, Bytes INT, RequestIP STRING, Method STRING, Host STRING, Uri STRING,
  Status INT, Referrer STRING, OS String, Browser String, BrowserVersion String)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
  "input.regex" = "^(?!#)([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+[^\(]+[\(]([^\;]+).*\%20([^\/]+)[\/](.*)$"
) LOCATION 's3://logs/cloudfront/data'"""

AGENTS = [
    ("Mozilla/5.0%20(MacOS;%20U;%20Windows%20NT%205.1;%20en-US;%20rv:1.9.0.9)%20Gecko/2009040821%20IE/3.0.9", "MacOS", "IE", "3.0.9"),
    ("Mozilla/5.0%20(Linux;%20U;%20Windows%20NT%205.1;%20en-US;%20rv:1.9.0.9)%20Gecko/2009040821%20Chrome/3.0.9", "Linux", "Chrome", "3.0.9"),
    ("Mozilla/5.0%20(Android;%20U;%20Windows%20NT%205.1;%20en-US;%20rv:1.9.0.9)%20Gecko/2009040821%20Safari/3.0.9", "Android", "Safari", "3.0.9"),
]


def cloudfront_log(days: list[dt.date], per_day: int) -> tuple[str, dict[str, int]]:
    lines = ["#Version: 1.0", "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent)"]
    counts: dict[str, int] = {}
    i = 0
    for d in days:
        for _ in range(per_day):
            agent, os_, _, _ = AGENTS[i % len(AGENTS)]
            lines.append(f"{d.isoformat()}\t20:00:{i % 60:02d}\tDFW3\t{4000 + i}\t10.0.0.{i % 250}\tGET\teabcd12345678.cloudfront.net\t/test-image-{i % 3}.jpeg\t200\t-\t{agent}")
            if dt.date(2014, 7, 5) <= d <= dt.date(2014, 8, 5):
                counts[os_] = counts.get(os_, 0) + 1
            i += 1
    return "\n".join(lines) + "\n", counts


def test_cloudfront_logs_regex_serde(s3, con):
    days = [dt.date(2014, 7, 4) + dt.timedelta(days=k) for k in range(0, 40, 3)]
    text1, c1 = cloudfront_log(days[:7], 10)
    text2, c2 = cloudfront_log(days[7:], 10)
    put(s3, "logs", "cloudfront/data/E123.2014-07-05.log", text1)
    put(s3, "logs", "cloudfront/data/E123.2014-07-26.log.gz", gzip.compress(text2.encode()))
    con.execute(CLOUDFRONT_DDL)
    cur = con.execute("SELECT os, COUNT(*) count FROM cloudfront_logs WHERE dateobject BETWEEN '2014-07-05' AND '2014-08-05' GROUP BY os")
    expected = {k: c1.get(k, 0) + c2.get(k, 0) for k in set(c1) | set(c2)}
    assert dict(cur.fetchall()) == expected
    row = con.execute("SELECT dateobject, bytes, status, os, browser, browserversion FROM cloudfront_logs WHERE bytes = 4000 ORDER BY dateobject LIMIT 1").fetchone()
    assert row == (dt.date(2014, 7, 4), 4000, 200, "MacOS", "IE", "3.0.9")
    # the #Version/#Fields lines do not match (look-ahead): rows of NULLs, as in Hive, and a notice
    cur = con.execute("SELECT count(*), count(dateobject) FROM cloudfront_logs")
    assert cur.fetchone() == (144, 140)
    assert any("4 line(s) did not match input.regex" in n for n in cur.notices)


# ----- Parquet folder, joins, CTAS, INSERT --------------------------------------------------------
def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def test_parquet_folder_by_name_joins_ctas_insert(s3, con):
    for k in range(3):
        ids = list(range(k * 100, k * 100 + 100))
        t = pa.table({"SaleId": ids, "ItemId": [i % 10 for i in ids], "Price": pa.array([i * 1.5 for i in ids]),
                      "SaleDate": pa.array([dt.date(2008, 1, 1 + i % 28) for i in ids])})
        put(s3, "lake", f"sales/part-{k:05d}.parquet", parquet_bytes(t))
    put(s3, "lake", "sales/_SUCCESS", "")
    put(s3, "lake", "sales/_temporary/junk", "not parquet")
    con.execute("CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE 'lake' IAM_ROLE default CREATE EXTERNAL DATABASE IF NOT EXISTS")
    # column order differs from the files and one column is absent: matched by name, NULL
    con.execute("CREATE EXTERNAL TABLE spectrum.sales (price double, saleid int, itemid int, saledate date, discount double) "
                "STORED AS PARQUET LOCATION 's3://lake/sales/'")
    assert con.execute("SELECT count(*), sum(saleid), count(discount), min(saledate) FROM spectrum.sales").fetchone() == (300, sum(range(300)), 0, dt.date(2008, 1, 1))
    con.execute("CREATE TABLE items (itemid int, name varchar(10))")
    con.execute("INSERT INTO items VALUES " + ", ".join(f"({i}, 'item{i}')" for i in range(10)))
    got = con.execute("SELECT i.name, count(*), sum(s.price) FROM spectrum.sales s JOIN items i ON s.itemid = i.itemid GROUP BY 1 ORDER BY 1").fetchall()
    assert len(got) == 10 and sum(r[1] for r in got) == 300
    con.execute("CREATE TABLE local_sales AS SELECT saleid, price FROM spectrum.sales WHERE itemid = 3")
    assert con.execute("SELECT count(*) FROM local_sales").fetchone()[0] == 30
    con.execute("INSERT INTO local_sales SELECT saleid, price FROM spectrum.sales WHERE itemid = 4")
    assert con.execute("SELECT count(*) FROM local_sales").fetchone()[0] == 60
    # new objects are seen by the next query (nothing cached)
    put(s3, "lake", "sales/part-00009.parquet", parquet_bytes(pa.table({"SaleId": [999], "ItemId": [3], "Price": [1.0], "SaleDate": [dt.date(2008, 2, 1)]})))
    assert con.execute("SELECT count(*) FROM spectrum.sales").fetchone()[0] == 301


def test_delimited_text_lazy_simple_serde(s3, con):
    put(s3, "lake", "users/part-0", "id|name|score\n1|ann|2.5\n2|bob|x\n3|\\N|\n")
    put(s3, "lake", "users/part-1.gz", gzip.compress(b"id|name|score\n4|dan|1\n"))
    con.execute("CREATE EXTERNAL TABLE users (id int, name string, score double) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' "
                "LOCATION 's3://lake/users/' TBLPROPERTIES ('skip.header.line.count'='1')")
    cur = con.execute("SELECT id, name, score FROM users ORDER BY id")
    assert cur.fetchall() == [(1, "ann", 2.5), (2, "bob", None), (3, None, None), (4, "dan", 1.0)]
    assert any("1 value(s) that did not convert" in n for n in cur.notices)


def test_extra_fields_are_ignored(s3, con):
    put(s3, "lake", "wide/part-0", "1|a|x|y\n2|b\n3|c|z\n4\n")
    con.execute("CREATE EXTERNAL TABLE wide (id int, v string) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LOCATION 's3://lake/wide/'")
    cur = con.execute("SELECT id, v FROM wide ORDER BY id")
    assert cur.fetchall() == [(1, "a"), (2, "b"), (3, "c"), (4, None)]
    assert not cur.notices


def test_default_ctrl_a_delimiter(s3, con):
    put(s3, "lake", "hive/000000_0", "1\x01a\n2\x01b\n")
    con.execute("CREATE EXTERNAL TABLE h (id int, v string) LOCATION 's3://lake/hive'")
    assert con.execute("SELECT * FROM h ORDER BY id").fetchall() == [(1, "a"), (2, "b")]


def test_missing_bucket_is_an_error_naming_it(s3, con):
    con.execute("CREATE EXTERNAL TABLE gone (a int) LOCATION 's3://no-such-bucket/x/'")
    with pytest.raises(DataError, match="bucket does not exist"):
        con.execute("SELECT * FROM gone")


def test_unreadable_parquet_names_the_object(s3, con):
    put(s3, "lake", "broken/part-0.parquet", "this is not parquet")
    con.execute("CREATE EXTERNAL TABLE broken (a int) STORED AS PARQUET LOCATION 's3://lake/broken/'")
    with pytest.raises(DataError, match="s3://lake/broken/part-0.parquet"):
        con.execute("SELECT * FROM broken")


# ----- partitions -----------------------------------------------------------------------------
def test_hive_partitioned_parquet_msck_and_alter(s3, con):
    for day in ("2008-01-01", "2008-01-02"):
        for region in ("us", "eu"):
            t = pa.table({"id": [1, 2, 3], "amount": [1.0, 2.0, 3.0]})
            put(s3, "lake", f"part/saledate={day}/region={region}/data-0.parquet", parquet_bytes(t))
    put(s3, "lake", "part/saledate=2008-01-03/region=us/_SUCCESS", "")  # no data object: not a partition
    con.execute("CREATE EXTERNAL TABLE sales (id int, amount double) PARTITIONED BY (saledate date, region string) "
                "STORED AS PARQUET LOCATION 's3://lake/part/'")
    assert con.execute("SELECT count(*) FROM sales").fetchone()[0] == 0  # no partitions registered yet
    cur = con.execute("MSCK REPAIR TABLE sales")
    assert len(cur.notices) == 4
    got = con.execute("SELECT saledate, region, count(*), sum(amount) FROM sales GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    assert got == [(dt.date(2008, 1, 1), "eu", 3, 6.0), (dt.date(2008, 1, 1), "us", 3, 6.0),
                   (dt.date(2008, 1, 2), "eu", 3, 6.0), (dt.date(2008, 1, 2), "us", 3, 6.0)]
    assert con.execute("SELECT count(*) FROM svv_external_partitions WHERE tablename = 'sales'").fetchone()[0] == 4
    con.execute("ALTER TABLE sales DROP PARTITION (saledate='2008-01-02', region='eu'), PARTITION (saledate='2008-01-02', region='us')")
    assert con.execute("SELECT count(*) FROM sales").fetchone()[0] == 6
    # a partition anywhere, by ALTER TABLE ... ADD PARTITION ... LOCATION
    put(s3, "lake", "elsewhere/x.parquet", parquet_bytes(pa.table({"id": [9], "amount": [9.0]})))
    con.execute("ALTER TABLE sales ADD IF NOT EXISTS PARTITION (saledate='2009-05-05', region='ap') LOCATION 's3://lake/elsewhere/' "
                "PARTITION (saledate='2008-01-01', region='us') LOCATION 's3://lake/ignored/'")
    assert con.execute("SELECT id, saledate, region FROM sales WHERE region = 'ap'").fetchall() == [(9, dt.date(2009, 5, 5), "ap")]
    assert con.execute("SELECT values, location FROM svv_external_partitions WHERE location LIKE '%elsewhere%'").fetchall() == [
        ('["2009-05-05", "ap"]', "s3://lake/elsewhere/")]
    with pytest.raises(warehouse.ProgrammingError):
        con.execute("ALTER TABLE sales ADD PARTITION (saledate='2008-01-01', region='us')")
    with pytest.raises(warehouse.ProgrammingError):
        con.execute("ALTER TABLE sales ADD PARTITION (saledate='2008-01-01')")


# ----- partition pruning ------------------------------------------------------------------------
def _explain(con, sql: str) -> str:
    return "\n".join(r[0] for r in con.execute("EXPLAIN " + sql).fetchall())


def test_partition_pruning_reads_only_matching_partitions(s3, con):
    # 6 days x 4 hours = 24 partitions; day 2008-01-06 hour 3 holds an object that is not
    # Parquet, so a query reading it fails: pruned queries must not touch it
    for d in range(1, 7):
        for h in range(4):
            key = f"pp/dt=2008-01-0{d}/hr={h}/data.parquet"
            if (d, h) == (6, 3):
                put(s3, "lake", key, b"not parquet at all")
            else:
                put(s3, "lake", key, parquet_bytes(pa.table({"id": [d * 10 + h], "amount": [float(d * h)]})))
    con.execute("CREATE EXTERNAL TABLE ev (id int, amount double) PARTITIONED BY (dt date, hr int) "
                "STORED AS PARQUET LOCATION 's3://lake/pp/'")
    con.execute("MSCK REPAIR TABLE ev")

    def ids(where: str) -> list[int]:
        return [r[0] for r in con.execute(f"SELECT id FROM ev WHERE {where} ORDER BY id").fetchall()]

    def read(where: str) -> str:
        lines = [ln.strip() for ln in _explain(con, f"SELECT id FROM ev WHERE {where}").splitlines()]
        return next(ln for ln in lines if ln.startswith("partitions:"))

    assert ids("dt = '2008-01-02' AND hr = 1") == [21]
    assert read("dt = '2008-01-02' AND hr = 1") == "partitions: 1 of 24"
    assert ids("dt = DATE '2008-01-03'") == [30, 31, 32, 33]
    assert read("dt = DATE '2008-01-03'") == "partitions: 4 of 24"
    assert ids("dt IN ('2008-01-01', '2008-01-05') AND hr IN (0, 2)") == [10, 12, 50, 52]
    assert read("dt IN ('2008-01-01', '2008-01-05') AND hr IN (0, 2)") == "partitions: 4 of 24"
    assert ids("dt BETWEEN '2008-01-02' AND '2008-01-03' AND hr >= 3") == [23, 33]
    assert read("dt BETWEEN '2008-01-02' AND '2008-01-03' AND hr >= 3") == "partitions: 2 of 24"
    assert ids("dt > '2008-01-04' AND hr < 3") == [50, 51, 52, 60, 61, 62]
    assert ids("(dt = '2008-01-01' OR hr = 3) AND dt < '2008-01-03'") == [10, 11, 12, 13, 23]
    assert ids("extract(day FROM dt) = 4 AND hr + 1 = 2") == [41]
    # a conjunct that also reads a data column does not prune; the others still do
    assert ids("dt = '2008-01-02' AND amount > 1") == [21, 22, 23]
    assert read("dt = '2008-01-02' AND amount > 1") == "partitions: 4 of 24"
    # aggregates, joins with local tables and CTAS prune too
    assert con.execute("SELECT hr, count(*) FROM ev WHERE dt <= '2008-01-02' GROUP BY hr ORDER BY hr").fetchall() == [
        (0, 2), (1, 2), (2, 2), (3, 2)]
    con.execute("CREATE TABLE hrs (hr int, label varchar(8))")
    con.execute("INSERT INTO hrs VALUES (0, 'night'), (1, 'dawn')")
    assert con.execute("SELECT e.id, h.label FROM ev e JOIN hrs h ON e.hr = h.hr WHERE e.dt = '2008-01-05' ORDER BY 1").fetchall() == [
        (50, "night"), (51, "dawn")]
    con.execute("CREATE TABLE jan3 AS SELECT * FROM ev WHERE dt = '2008-01-03'")
    assert con.execute("SELECT count(*) FROM jan3").fetchone()[0] == 4
    # nothing matches: no partition read
    assert ids("dt = '2010-01-01'") == []
    assert read("dt = '2010-01-01'") == "partitions: 0 of 24"
    assert "partitions: 24 of 24" in _explain(con, "SELECT count(*) FROM ev")
    # without pruning, the bad object is read and fails the query
    with pytest.raises(DataError):
        con.execute("SELECT count(*) FROM ev WHERE amount >= 0").fetchall()


# ----- INSERT OVERWRITE DIRECTORY -----------------------------------------------------------------
def _objects(s3, bucket: str, prefix: str) -> dict[str, bytes]:
    got = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    # (pyarrow leaves a folder placeholder "prefix/" when it deletes the last object: skipped)
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in got if not o["Key"].endswith("/")}


def test_insert_overwrite_directory_writes_delimited_text(s3, con):
    days = [dt.date(2014, 7, 4) + dt.timedelta(days=k) for k in range(0, 40, 3)]
    text, counts = cloudfront_log(days, 10)
    put(s3, "logs", "cloudfront/data/E123.log", text)
    put(s3, "out", "os_requests/old-result", "stale")  # replaced: Hive's OVERWRITE
    con.execute(CLOUDFRONT_DDL)
    cur = con.execute("""INSERT OVERWRITE DIRECTORY 's3://out/os_requests/' ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
      SELECT os, COUNT(*) count FROM cloudfront_logs WHERE DateObject BETWEEN '2014-07-05' AND '2014-08-05' GROUP BY os ORDER BY os""")
    assert cur.rowcount == len(counts)
    objs = _objects(s3, "out", "os_requests/")
    assert list(objs) == ["os_requests/000000_0"]
    assert objs["os_requests/000000_0"].decode() == "".join(f"{k},{v}\n" for k, v in sorted(counts.items()))
    # the default: Ctrl-A between fields, \N for NULL; read back through an external table
    con.execute("INSERT OVERWRITE DIRECTORY 's3://out/os_requests' SELECT os, NULL::int AS n FROM cloudfront_logs WHERE bytes = 4000")
    assert _objects(s3, "out", "os_requests/") == {"os_requests/000000_0": b"MacOS\x01\\N\n"}
    con.execute("CREATE EXTERNAL TABLE back (os string, n int) LOCATION 's3://out/os_requests/'")
    assert con.execute("SELECT os, n FROM back").fetchall() == [("MacOS", None)]
    # an empty result leaves the directory empty
    con.execute("INSERT OVERWRITE DIRECTORY 's3://out/os_requests/' SELECT os FROM cloudfront_logs WHERE bytes < 0")
    assert _objects(s3, "out", "os_requests/") == {}
    with pytest.raises(warehouse.NotSupportedError):
        con.execute("INSERT OVERWRITE DIRECTORY 's3://out/x/' STORED AS AVRO SELECT 1")
