"""COPY from a real S3-compatible server (moto on loopback): sources, credentials, compression,
manifests, and the failures a user meets (each with a clear error and an unchanged table)."""

from __future__ import annotations

import bz2
import gzip
import json

import lz4.frame
import pytest

import warehouse
from bench.s3server import put_object as put

USERS_DDL = "CREATE TABLE users (userid INTEGER NOT NULL, username CHAR(8), firstname VARCHAR(30), city VARCHAR(30), state CHAR(2), likesports BOOLEAN) DISTKEY(userid) SORTKEY(userid)"
ROWS = [
    "1|JSG99FHE|Rafael|Kent|WA|t",
    "2|PGL08LJI|Vladimir|Augusta|ME|f",
    "3|IFT66TXU|Lars|Bay St. Louis|MS|",
    "4|XDZ38RDD|Barry|Coeur d'Alene|ID|t",
]


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    c.execute(USERS_DDL)
    yield c
    c.close()



def count(con, table="users"):
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_key_loads_one_object_and_notice(s3, con):
    put(s3, "awssampledb", "tickit/allusers_pipe.txt", "\n".join(ROWS) + "\n")
    cur = con.execute("COPY users FROM 's3://awssampledb/tickit/allusers_pipe.txt' DELIMITER '|' REGION 'us-east-1'")
    assert cur.rowcount == 4
    assert con.execute("SELECT userid, city, likesports FROM users ORDER BY userid").fetchall() == [
        (1, "Kent", True), (2, "Augusta", False), (3, "Bay St. Louis", None), (4, "Coeur d'Alene", True)
    ]
    assert con.execute("SELECT pg_last_copy_count()").fetchone()[0] == 4


def test_prefix_loads_every_object_under_it(s3, con):
    put(s3, "lake", "users/part_0000", "\n".join(ROWS[:2]) + "\n")
    put(s3, "lake", "users/part_0001", "\n".join(ROWS[2:]) + "\n")
    put(s3, "lake", "users/_SUCCESS", "")
    put(s3, "lake", "other/part_0000", "9|X|X|X|XX|t\n")
    con.execute("COPY users FROM 's3://lake/users/part_'")
    assert count(con) == 4
    con.execute("TRUNCATE users")
    con.execute("COPY users FROM 's3://lake/users/'")
    assert count(con) == 4


@pytest.mark.parametrize(
    ("option", "compress", "suffix"),
    [
        ("GZIP", gzip.compress, ".gz"),
        ("BZIP2", bz2.compress, ".bz2"),
        ("LZ4", lz4.frame.compress, ".lz4"),
        ("ZSTD", None, ".zst"),
        ("LZOP", "lzop", ".lzo"),
    ],
)
def test_compressed_objects(s3, con, option, compress, suffix):
    data = ("\n".join(ROWS) + "\n").encode()
    if compress == "lzop":  # the lzop container, as `lzop` writes it (checked against lzop -t)
        from loaders.lzop import write_lzop

        body = write_lzop(data * 500, block_size=4096)
        expected = 4 * 500
    elif compress is None:
        import pyarrow as pa

        sink = pa.BufferOutputStream()
        with pa.CompressedOutputStream(sink, "zstd") as z:
            z.write(data)
        body = sink.getvalue().to_pybytes()
    else:
        body = compress(data)
    if compress != "lzop":
        expected = 4
    put(s3, "lake", f"users{suffix}", body)
    con.execute(f"COPY users FROM 's3://lake/users{suffix}' {option}")
    assert count(con) == expected


def test_manifest_honours_mandatory(s3, con):
    put(s3, "lake", "a.txt", ROWS[0] + "\n")
    put(s3, "lake", "b.txt", ROWS[1] + "\n")
    manifest = {"entries": [
        {"url": "s3://lake/a.txt", "mandatory": True},
        {"url": "s3://lake/b.txt", "mandatory": False},
        {"url": "s3://lake/missing.txt", "mandatory": False},
    ]}
    put(s3, "lake", "load.manifest", json.dumps(manifest))
    con.execute("COPY users FROM 's3://lake/load.manifest' MANIFEST")
    assert count(con) == 2
    manifest["entries"][2]["mandatory"] = True
    put(s3, "lake", "load.manifest", json.dumps(manifest))
    with pytest.raises(warehouse.DataError, match="mandatory object .* does not exist: s3://lake/missing.txt"):
        con.execute("COPY users FROM 's3://lake/load.manifest' MANIFEST")
    assert count(con) == 2


def test_csv_manifest_ignoreheader_dateformat(s3, con):
    con.execute("CREATE TABLE sales (id INTEGER, saledate DATE, amount DECIMAL(8,2))")
    put(s3, "lake", "sales/0.csv", "id,saledate,amount\n1,2024-01-31,10.50\n2,2024-02-01,\"7.25\"\n")
    put(s3, "lake", "sales.manifest", json.dumps({"entries": [{"url": "s3://lake/sales/0.csv", "mandatory": True}]}))
    con.execute("COPY sales FROM 's3://lake/sales.manifest' MANIFEST CSV IGNOREHEADER 1 DATEFORMAT 'YYYY-MM-DD'")
    assert [tuple(map(str, r)) for r in con.execute("SELECT * FROM sales ORDER BY id").fetchall()] == [
        ("1", "2024-01-31", "10.50"), ("2", "2024-02-01", "7.25")
    ]


def test_parquet_from_s3(s3, con, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.table({"userid": pa.array([1, 2], pa.int32()), "username": ["a", "b"], "firstname": ["x", "y"],
                  "city": ["c", "d"], "state": ["WA", "OR"], "likesports": [True, None]})
    pq.write_table(t, tmp_path / "u.parquet")
    put(s3, "lake", "u.parquet", (tmp_path / "u.parquet").read_bytes())
    con.execute("COPY users FROM 's3://lake/u.parquet' FORMAT AS PARQUET")
    assert con.execute("SELECT state FROM users ORDER BY userid").fetchall() == [("WA",), ("OR",)]


def test_credentials_clauses(s3, s3_server, con):
    put(s3, "lake", "u.txt", ROWS[0] + "\n")
    key, secret = s3_server.access_key, s3_server.secret_key
    con.execute(f"COPY users FROM 's3://lake/u.txt' ACCESS_KEY_ID '{key}' SECRET_ACCESS_KEY '{secret}'")
    con.execute(f"COPY users FROM 's3://lake/u.txt' CREDENTIALS 'aws_access_key_id={key};aws_secret_access_key={secret}'")
    cur = con.execute("COPY users FROM 's3://lake/u.txt' IAM_ROLE default")
    assert any("IAM roles do not apply" in n for n in cur.notices)
    con.execute("COPY users FROM 's3://lake/u.txt' CREDENTIALS 'aws_iam_role=arn:aws:iam::0123456789:role/MyRole'")
    assert count(con) == 4


def test_wrong_credentials(s3, con):
    put(s3, "lake", "u.txt", ROWS[0] + "\n")
    with pytest.raises(warehouse.DataError, match="access denied to s3://lake/u.txt"):
        con.execute("COPY users FROM 's3://lake/u.txt' ACCESS_KEY_ID 'AKIAWRONG' SECRET_ACCESS_KEY 'nope'")
    assert count(con) == 0


def test_missing_bucket_and_empty_prefix(s3, con):
    with pytest.raises(warehouse.DataError, match="bucket does not exist: s3://nosuchbucket"):
        con.execute("COPY users FROM 's3://nosuchbucket/data/'")
    put(s3, "lake", "x/a.txt", ROWS[0] + "\n")
    with pytest.raises(warehouse.DataError, match="no objects match the prefix 's3://lake/y/'"):
        con.execute("COPY users FROM 's3://lake/y/'")
    assert count(con) == 0


def test_unreachable_endpoint(s3, con, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(warehouse.DataError, match="cannot reach the object store"):
        con.execute("COPY users FROM 's3://lake/u.txt'")


def test_truncated_gzip_changes_nothing(s3, con):
    con.execute("INSERT INTO users VALUES (99, 'keep', 'me', 'x', 'XX', true)")
    body = gzip.compress(("\n".join(ROWS * 2000) + "\n").encode())
    put(s3, "lake", "cut.gz", body[: len(body) // 2])
    with pytest.raises(warehouse.DataError, match=r"s3://lake/cut.gz"):
        con.execute("COPY users FROM 's3://lake/cut.gz' GZIP")
    assert con.execute("SELECT userid FROM users").fetchall() == [(99,)]


def test_rows_land_by_distkey_and_sorted(s3, con):
    import numpy as np

    lines = [f"{i}|u{i}|f|c|WA|t" for i in range(2000, 0, -1)]
    put(s3, "lake", "many.txt", "\n".join(lines) + "\n")
    con.execute("COPY users FROM 's3://lake/many.txt'")
    table = con._session.catalog().get_table("public", "users")
    seen = []
    for s in table.scan_slices():
        ids = table.read(s, "userid").data
        assert len(ids) > 0, "every slice gets rows of a DISTKEY table"
        assert np.all(np.diff(ids) > 0), "rows within a slice are sorted by the SORTKEY"
        seen.append(set(ids.tolist()))
    assert sum(len(x) for x in seen) == 2000 and len(set().union(*seen)) == 2000
