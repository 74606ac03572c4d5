"""UNLOAD to a real S3-compatible server (moto on loopback) and to local paths: formats,
options, file naming, MAXFILESIZE, ALLOWOVERWRITE, MANIFEST, PARTITION BY, round trips."""

from __future__ import annotations

import bz2
import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import warehouse
from warehouse.errors import NotSupportedError, ProgrammingError, SyntaxError_
from warehouse.sql.unload import parse_unload

DDL = "CREATE TABLE t (id INTEGER, name VARCHAR(30), price DECIMAL(10,2), ok BOOLEAN, d DATE, ts TIMESTAMP, f FLOAT8)"
ROWS = """INSERT INTO t VALUES
 (1, 'plain', 1.10, true, '2020-01-02', '2020-01-02 03:04:05', 1.5),
 (2, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, 'with|pipe "quote", comma', 2.50, false, '2021-01-01', '2021-01-01 00:00:00.25', -2),
 (4, '', 0.00, true, '2022-12-31', '2022-12-31 23:59:59', 0)"""
BUCKET = "unl"


@pytest.fixture
def con(s3):
    s3.create_bucket(Bucket=BUCKET)
    c = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    c.execute(DDL)
    c.execute(ROWS)
    yield c
    c.close()


def keys(s3, prefix=""):
    out = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in out if not o["Key"].endswith("/"))  # pyarrow's folder markers


def body(s3, key):
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def rows(con, table="t"):
    return con.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_default_text_names_files_per_slice(con, s3):
    cur = con.execute(f"UNLOAD ('select * from t order by id') TO 's3://{BUCKET}/out/t_' IAM_ROLE 'arn:aws:iam::0:role/x'")
    assert cur.rowcount == 4
    assert keys(s3) == [f"out/t_000{s}_part_00" for s in range(4)]
    text = b"".join(body(s3, k) for k in keys(s3)).decode()
    assert text.splitlines()[0] == "1|plain|1.10|t|2020-01-02|2020-01-02 03:04:05|1.5"
    assert text.splitlines()[1] == "2||||||"
    assert "2021-01-01 00:00:00.25" in text


def test_parallel_off_writes_one_file(con, s3):
    con.execute(f"UNLOAD ('select id from t order by id') TO 's3://{BUCKET}/one/p_' PARALLEL OFF")
    assert keys(s3) == ["one/p_000"]
    assert body(s3, "one/p_000") == b"1\n2\n3\n4\n"


def test_csv_header_delimiter_null_as(con, s3):
    con.execute(f"UNLOAD ('select id, name from t order by id') TO 's3://{BUCKET}/c/' FORMAT AS CSV HEADER NULL AS 'NULL' PARALLEL FALSE")
    assert body(s3, "c/000").decode().splitlines() == ["id,name", "1,plain", "2,NULL", '3,"with|pipe ""quote"", comma"', '4,""']
    con.execute(f"UNLOAD ('select id, name from t where id < 3 order by id') TO 's3://{BUCKET}/d/' DELIMITER AS ';' HEADER PARALLEL OFF")
    assert body(s3, "d/000") == b"id;name\n1;plain\n2;\n"


def test_escape_and_addquotes(con, s3):
    con.execute(f"UNLOAD ('select id, name from t where id = 3') TO 's3://{BUCKET}/e/' ESCAPE PARALLEL OFF")
    assert body(s3, "e/000") == b'3|with\\|pipe "quote", comma\n'
    con.execute(f"UNLOAD ('select id, name from t where id in (2, 3) order by id') TO 's3://{BUCKET}/q/' ADDQUOTES ESCAPE PARALLEL OFF")
    assert body(s3, "q/000") == b'"2"|\n"3"|"with\\|pipe \\"quote\\", comma"\n'


def test_json_lines(con, s3):
    con.execute(f"UNLOAD ('select * from t order by id') TO 's3://{BUCKET}/j/' FORMAT JSON PARALLEL OFF")
    docs = [json.loads(x) for x in body(s3, "j/000").decode().splitlines()]
    assert docs[0] == {"id": 1, "name": "plain", "price": 1.1, "ok": True, "d": "2020-01-02", "ts": "2020-01-02 03:04:05", "f": 1.5}
    assert docs[1]["name"] is None and docs[2]["name"] == 'with|pipe "quote", comma'


def test_compressions_and_extension(con, s3):
    con.execute(f"UNLOAD ('select id from t order by id') TO 's3://{BUCKET}/g/' GZIP PARALLEL OFF")
    con.execute(f"UNLOAD ('select id from t order by id') TO 's3://{BUCKET}/b/' BZIP2 PARALLEL OFF")
    con.execute(f"UNLOAD ('select id from t order by id') TO 's3://{BUCKET}/z/' ZSTD PARALLEL OFF")
    con.execute(f"UNLOAD ('select id from t order by id') TO 's3://{BUCKET}/x/' CSV GZIP EXTENSION 'csv' PARALLEL OFF")
    assert keys(s3) == ["b/000.bz2", "g/000.gz", "x/000.csv.gz", "z/000.zst"]
    assert gzip.decompress(body(s3, "g/000.gz")) == b"1\n2\n3\n4\n"
    assert bz2.decompress(body(s3, "b/000.bz2")) == b"1\n2\n3\n4\n"
    assert pa.CompressedInputStream(pa.BufferReader(body(s3, "z/000.zst")), "zstd").read() == b"1\n2\n3\n4\n"


def test_parquet(con, s3):
    con.execute(f"UNLOAD ('select * from t order by id') TO 's3://{BUCKET}/pq/t_' FORMAT AS PARQUET")
    ks = keys(s3)
    assert ks and all(k.endswith("_part_00.parquet") for k in ks)
    table = pq.read_table(io.BytesIO(b"".join(body(s3, ks[0]) for _ in [0])))
    assert table.column_names == ["id", "name", "price", "ok", "d", "ts", "f"]
    got = [r for k in ks for r in pq.read_table(io.BytesIO(body(s3, k))).to_pylist()]
    assert [r["id"] for r in got] == [1, 2, 3, 4]
    assert str(got[0]["price"]) == "1.10"


def test_maxfilesize_splits_files(con, s3):
    con.execute("CREATE TABLE big (id INTEGER, pad VARCHAR(200))")
    con.execute("INSERT INTO big SELECT id, name FROM t")
    for _ in range(15):  # 4 * 2^15 = 131072 rows, ~ 7 MB of text
        con.execute("INSERT INTO big SELECT id, 'padding-padding-padding-padding-padding-padding' FROM big")
    n = con.execute("SELECT count(*) FROM big").fetchone()[0]
    cur = con.execute(f"UNLOAD ('select * from big') TO 's3://{BUCKET}/m/p_' PARALLEL OFF MAXFILESIZE AS 5 MB MANIFEST VERBOSE")
    assert cur.rowcount == n
    data = [k for k in keys(s3, "m/") if not k.endswith("manifest")]
    assert data == ["m/p_000", "m/p_001"]
    sizes = [len(body(s3, k)) for k in data]
    assert max(sizes) <= 5 << 20
    assert sum(body(s3, k).count(b"\n") for k in data) == n
    manifest = json.loads(body(s3, "m/p_manifest"))
    assert [e["url"] for e in manifest["entries"]] == [f"s3://{BUCKET}/{k}" for k in data]
    assert [e["meta"]["content_length"] for e in manifest["entries"]] == sizes
    assert sum(e["meta"]["record_count"] for e in manifest["entries"]) == n == manifest["meta"]["record_count"]
    assert manifest["schema"]["elements"][1] == {"name": "pad", "type": {"base": "character varying", "max_length": 200}}


def test_refuses_to_overwrite_unless_allowed(con, s3):
    s3.put_object(Bucket=BUCKET, Key="w/old_unrelated", Body=b"x")
    with pytest.raises(ProgrammingError, match="not empty"):
        con.execute(f"UNLOAD ('select id from t') TO 's3://{BUCKET}/w/' PARALLEL OFF")
    assert keys(s3) == ["w/old_unrelated"]
    con.execute(f"UNLOAD ('select id from t') TO 's3://{BUCKET}/w/' PARALLEL OFF ALLOWOVERWRITE")
    con.execute(f"UNLOAD ('select id from t where id = 1') TO 's3://{BUCKET}/w/' PARALLEL OFF ALLOWOVERWRITE")
    assert keys(s3) == ["w/000", "w/old_unrelated"] and body(s3, "w/000") == b"1\n"
    con.execute(f"UNLOAD ('select id from t where id = 2') TO 's3://{BUCKET}/w/' PARALLEL OFF CLEANPATH")
    assert keys(s3) == ["w/000"] and body(s3, "w/000") == b"2\n"


def test_manifest_plain(con, s3):
    con.execute(f"UNLOAD ('select id from t') TO 's3://{BUCKET}/mf/x_' MANIFEST")
    doc = json.loads(body(s3, "mf/x_manifest"))
    urls = [e["url"] for e in doc["entries"]]
    assert urls == [f"s3://{BUCKET}/{k}" for k in keys(s3, "mf/") if "manifest" not in k]
    assert all(set(e["meta"]) == {"content_length"} for e in doc["entries"]) and "schema" not in doc


def test_partition_by(con, s3):
    con.execute(f"UNLOAD ('select id, ok, name from t') TO 's3://{BUCKET}/part/' FORMAT PARQUET PARTITION BY (ok)")
    ks = keys(s3)
    folders = sorted({k.rsplit("/", 1)[0] for k in ks})
    assert folders == ["part/ok=__HIVE_DEFAULT_PARTITION__", "part/ok=false", "part/ok=true"]
    tables = [pq.read_table(io.BytesIO(body(s3, k))) for k in ks if "ok=true" in k]
    assert all(t.column_names == ["id", "name"] for t in tables)
    assert sorted(i for t in tables for i in t.column("id").to_pylist()) == [1, 4]
    con.execute(f"UNLOAD ('select id, d from t where id < 3') TO 's3://{BUCKET}/inc/' CSV PARTITION BY (d) INCLUDE PARALLEL OFF")
    assert keys(s3, "inc/") == ["inc/d=2020-01-02/000", "inc/d=__HIVE_DEFAULT_PARTITION__/000"]
    assert body(s3, "inc/d=2020-01-02/000") == b"1,2020-01-02\n"


@pytest.mark.parametrize(
    ("unload_opts", "copy_opts"),
    [
        ("ESCAPE", "ESCAPE NULL AS 'nil'"),
        ("FORMAT AS CSV", "CSV NULL AS 'nil'"),
        ("FORMAT AS JSON", "FORMAT AS JSON 'auto'"),
        ("FORMAT AS PARQUET", "FORMAT AS PARQUET"),
        ("GZIP ESCAPE", "GZIP ESCAPE NULL AS 'nil'"),
        ("FORMAT AS JSON ZSTD", "FORMAT AS JSON 'auto' ZSTD"),
    ],
)
def test_round_trip_unload_then_copy(con, s3, unload_opts, copy_opts):
    null = "NULL AS 'nil'" if "NULL" in copy_opts else ""
    con.execute(f"UNLOAD ('select * from t') TO 's3://{BUCKET}/rt/t_' {unload_opts} {null} MANIFEST")
    con.execute("CREATE TABLE u (id INTEGER, name VARCHAR(30), price DECIMAL(10,2), ok BOOLEAN, d DATE, ts TIMESTAMP, f FLOAT8)")
    con.execute(f"COPY u FROM 's3://{BUCKET}/rt/t_manifest' MANIFEST {copy_opts}")
    assert rows(con, "u") == rows(con, "t")


def test_credentials_clauses(con, s3, s3_server):
    k, s = s3_server.access_key, s3_server.secret_key
    con.execute(f"UNLOAD ('select id from t') TO 's3://{BUCKET}/k1/' ACCESS_KEY_ID '{k}' SECRET_ACCESS_KEY '{s}' REGION 'us-east-1' PARALLEL OFF")
    con.execute(f"UNLOAD ('select id from t') TO 's3://{BUCKET}/k2/' CREDENTIALS 'aws_access_key_id={k};aws_secret_access_key={s}' PARALLEL OFF")
    assert keys(s3) == ["k1/000", "k2/000"]
    with pytest.raises(warehouse.Error, match="access denied|UNLOAD failed"):
        con.execute(f"UNLOAD ('select id from t') TO 's3://{BUCKET}/k3/' ACCESS_KEY_ID '{k}' SECRET_ACCESS_KEY 'wrong' PARALLEL OFF")


def test_query_quoting_and_errors(con, s3):
    cur = con.execute(f"UNLOAD ('select name from t where name = ''plain''') TO 's3://{BUCKET}/qq/' PARALLEL OFF")
    assert cur.rowcount == 1 and body(s3, "qq/000") == b"plain\n"
    with pytest.raises(NotSupportedError, match="FIXEDWIDTH"):
        con.execute(f"UNLOAD ('select 1') TO 's3://{BUCKET}/e1/' FIXEDWIDTH '0:1'")
    with pytest.raises(SyntaxError_, match="DELIMITER cannot be used with FORMAT PARQUET"):
        con.execute(f"UNLOAD ('select 1') TO 's3://{BUCKET}/e2/' PARQUET DELIMITER ','")
    with pytest.raises(NotSupportedError, match="LIMIT"):
        con.execute(f"UNLOAD ('select id from t limit 1') TO 's3://{BUCKET}/e3/'")
    with pytest.raises(SyntaxError_, match="MAXFILESIZE"):
        con.execute(f"UNLOAD ('select 1') TO 's3://{BUCKET}/e4/' MAXFILESIZE 1 MB")
    with pytest.raises(NotSupportedError, match="BOGUS"):
        con.execute(f"UNLOAD ('select 1') TO 's3://{BUCKET}/e5/' BOGUS")


def test_progress_is_reported(con, s3):
    seen = []
    con._session.progress = seen.append if hasattr(con, "_session") else None  # noqa: SLF001
    if not hasattr(con, "_session"):
        pytest.skip("connection does not expose its session")
    con.execute(f"UNLOAD ('select * from t') TO 's3://{BUCKET}/pr/' PARALLEL OFF")
    assert seen and seen[-1].done and seen[-1].rows == 4 and seen[-1].phase == "unload"


def test_local_path(con, tmp_path):
    target = tmp_path / "dir" / "prefix_"
    cur = con.execute(f"UNLOAD ('select id, name from t order by id') TO '{target}' CSV PARALLEL OFF")
    assert cur.rowcount == 4
    assert (tmp_path / "dir" / "prefix_000").read_text().splitlines()[0] == "1,plain"


def test_parse_unload_record():
    cmd = parse_unload("UNLOAD ('select ''a''') TO 's3://b/p' PARTITION BY (x, \"Y\") INCLUDE MANIFEST VERBOSE MAXFILESIZE 1.5 GB PARALLEL ON NULL AS 'nil'")
    assert cmd.query == "select 'a'" and cmd.partition_by == ("x", "Y") and cmd.partition_include
    assert cmd.manifest_verbose and cmd.max_file_size == int(1.5 * 1024) << 20 and cmd.null_as == "nil"
