"""COPY's options and load semantics through the engine, on local files: every failure kind
recorded in stl_load_errors, MAXERROR, all-or-nothing, and each option's effect."""

from __future__ import annotations

import datetime as dt
import gzip
from decimal import Decimal

import pytest

import warehouse


@pytest.fixture
def con():
    c = warehouse.connect(":memory:")
    c.execute(
        "CREATE TABLE t (id INTEGER NOT NULL, name VARCHAR(5), amount DECIMAL(6,2), day DATE, ok BOOLEAN, ts TIMESTAMP)"
    )
    yield c
    c.close()


def write(tmp_path, text, name="in.txt"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


def rows(con, sql="SELECT * FROM t ORDER BY id"):
    return con.execute(sql).fetchall()


GOOD = "1|ann|1.50|2024-01-02|t|2024-01-02 03:04:05\n"

BAD_LINES = [
    ("2|bob|1.00|2024-01-02|t\n", None, 1214, "field(s), expected 6"),
    ("2|bob|1.00|2024-01-02|t|2024-01-02 00:00:00|extra\n", None, 1202, "field(s), expected 6"),
    ("x2|bob|1.00|2024-01-02|t|\n", "id", 1207, "invalid digit"),
    ("2|bob|1.0.0|2024-01-02|t|\n", "amount", 1209, "invalid numeric"),
    ("2|bob|12345.00|2024-01-02|t|\n", "amount", 1209, "overflow"),
    ("2|bob|1.00|2024-02-30|t|\n", "day", 1205, "invalid date"),
    ("2|bob|1.00|2024-01-02|maybe|\n", "ok", 1216, "invalid boolean"),
    ("2|bobby-too-long|1.00|2024-01-02|t|\n", "name", 1204, "exceeds DDL length 5"),
    (b"2|b\xffb|1.00|2024-01-02|t|\n", "name", 1220, "invalid UTF-8"),
    ("2|bob|1.00|2024-01-02|t|2024-13-01 00:00:00\n", "ts", 1206, "invalid timestamp"),
    ("\\N|bob|1.00|2024-01-02|t|\n", "id", 1213, "not-null"),
]


@pytest.mark.parametrize(("bad", "colname", "code", "reason"), BAD_LINES)
def test_each_failure_kind_fails_the_copy_and_is_logged(tmp_path, con, bad, colname, code, reason):
    con.execute("INSERT INTO t (id) VALUES (100)")
    body = GOOD.encode() + (bad if isinstance(bad, bytes) else bad.encode())
    p = write(tmp_path, body)
    with pytest.raises(warehouse.DataError, match="Check 'stl_load_errors'") as ei:
        con.execute(f"COPY t FROM '{p}'")
    assert "line 2" in str(ei.value)
    assert rows(con, "SELECT id FROM t") == [(100,)], "a failed COPY changes nothing"
    got = rows(con, "SELECT filename, line_number, colname, err_code, err_reason, raw_line FROM stl_load_errors ORDER BY starttime DESC LIMIT 1")
    filename, line, col, err, why, raw_line = got[0]
    assert (filename, line, col, err) == (str(p), 2, colname, code)
    assert reason in why
    text = bad.decode("utf-8", "replace") if isinstance(bad, bytes) else bad
    assert raw_line == text.rstrip("\n")


def test_position_and_type_columns(tmp_path, con):
    p = write(tmp_path, GOOD + "2|bob|1.00|2024-02-30|t|\n")
    con.execute(f"COPY t FROM '{p}' MAXERROR 1")
    got = rows(con, "SELECT position, type, col_length, raw_field_value FROM stl_load_errors ORDER BY starttime DESC LIMIT 1")
    assert got == [(11, "date", None, "2024-02-30")]  # "2|bob|1.00|" is 11 bytes


def test_orc(tmp_path, con):
    import pyarrow as pa
    import pyarrow.orc as orc

    t = pa.table({"id": pa.array([5, 6], pa.int32()), "name": ["a", "b"], "amount": pa.array([1.25, 2.5]),
                  "day": pa.array([dt.date(2024, 1, 1), None]), "ok": [True, False],
                  "ts": pa.array([dt.datetime(2024, 1, 1, 1, 2, 3), None], pa.timestamp("us"))})
    orc.write_table(t, str(tmp_path / "t.orc"))
    con.execute(f"COPY t FROM '{tmp_path / 't.orc'}' FORMAT AS ORC")
    assert rows(con, "SELECT id, name, amount, day FROM t ORDER BY id") == [
        (5, "a", Decimal("1.25"), dt.date(2024, 1, 1)), (6, "b", Decimal("2.50"), None)
    ]


def test_maxerror_skips_bad_rows_and_loads_the_rest(tmp_path, con):
    body = GOOD + "".join(b if isinstance(b, str) else b.decode("latin-1") for b, *_ in BAD_LINES[:5]) + GOOD.replace("1|", "3|", 1)
    p = write(tmp_path, body)
    cur = con.execute(f"COPY t FROM '{p}' MAXERROR 10")
    assert cur.rowcount == 2
    assert [r[0] for r in rows(con)] == [1, 3]
    assert any("5 record(s) could not be loaded" in n for n in cur.notices)
    q = con.execute("SELECT pg_last_copy_id()").fetchone()[0]
    logged = rows(con, f"SELECT line_number FROM stl_load_errors WHERE query = {q} ORDER BY line_number")
    assert logged == [(2,), (3,), (4,), (5,), (6,)]
    assert con.execute("SELECT pg_last_copy_count()").fetchone()[0] == 2
    with pytest.raises(warehouse.DataError, match="exceed MAXERROR 4"):
        con.execute(f"COPY t FROM '{p}' MAXERROR 4")
    assert len(rows(con)) == 2


def test_null_as_ignoreheader_and_column_list(tmp_path, con):
    p = write(tmp_path, "a,b\nskip me\n7,NA,\n8,xy,2.5\n")
    con.execute(f"COPY t (id, name, amount) FROM '{p}' DELIMITER ',' IGNOREHEADER 2 NULL AS 'NA'")
    assert rows(con, "SELECT id, name, amount, day FROM t ORDER BY id") == [(7, None, None, None), (8, "xy", Decimal("2.50"), None)]


def test_empty_and_blanks_as_null_trimblanks(tmp_path, con):
    p = write(tmp_path, "1||\n2|  |\n3|ab  |\n")
    con.execute(f"COPY t (id, name, amount) FROM '{p}'")
    assert [r[1] for r in rows(con)] == ["", "  ", "ab  "]
    con.execute("TRUNCATE t")
    con.execute(f"COPY t (id, name, amount) FROM '{p}' EMPTYASNULL")
    assert [r[1] for r in rows(con)] == [None, "  ", "ab  "]
    con.execute("TRUNCATE t")
    con.execute(f"COPY t (id, name, amount) FROM '{p}' BLANKSASNULL TRIMBLANKS")
    assert [r[1] for r in rows(con)] == [None, None, "ab"]


def test_fillrecord_truncatecolumns_acceptinvchars(tmp_path, con):
    p = write(tmp_path, b"1|abcdefgh\n2|x\xffy|3.25\n")
    con.execute(f"COPY t FROM '{p}' FILLRECORD TRUNCATECOLUMNS ACCEPTINVCHARS AS '^'")
    assert rows(con, "SELECT id, name, amount, day FROM t ORDER BY id") == [(1, "abcde", None, None), (2, "x^y", Decimal("3.25"), None)]


def test_removequotes_and_escape(tmp_path, con):
    p = write(tmp_path, '1|"a|b"|1\n')
    con.execute(f"COPY t (id, name, amount) FROM '{p}' REMOVEQUOTES")
    p2 = write(tmp_path, "2|c\\|d|2\n", "esc.txt")
    con.execute(f"COPY t (id, name, amount) FROM '{p2}' ESCAPE")
    assert [r[1] for r in rows(con)] == ["a|b", "c|d"]


def test_csv_quote_and_embedded_newline(tmp_path, con):
    con.execute("CREATE TABLE notes (id INT, note VARCHAR(20))")
    p = write(tmp_path, "1,'a,''b'\n2,'line\nbreak'\n3,\"x\"\n")
    con.execute(f"COPY notes FROM '{p}' CSV QUOTE AS ''''")
    assert rows(con, "SELECT note FROM notes ORDER BY id") == [("a,'b",), ("line\nbreak",), ('"x"',)]


def test_dateformat_timeformat(tmp_path, con):
    p = write(tmp_path, "1|03/15/2024|15/03/2024 10:11:12\n")
    con.execute(f"COPY t (id, day, ts) FROM '{p}' DATEFORMAT 'MM/DD/YYYY' TIMEFORMAT 'DD/MM/YYYY HH24:MI:SS'")
    p2 = write(tmp_path, "2|March 16, 2024|1710590400\n3|2024-03-17|1710590400\n", "b.txt")
    con.execute(f"COPY t (id, day, ts) FROM '{p2}' DATEFORMAT 'auto' TIMEFORMAT 'epochsecs'")
    p3 = write(tmp_path, "4|2024-03-18|1710590400500\n", "c.txt")
    con.execute(f"COPY t (id, day, ts) FROM '{p3}' TIMEFORMAT 'epochmillisecs'")
    assert rows(con, "SELECT day, ts FROM t ORDER BY id") == [
        (dt.date(2024, 3, 15), dt.datetime(2024, 3, 15, 10, 11, 12)),
        (dt.date(2024, 3, 16), dt.datetime(2024, 3, 16, 12, 0, 0)),
        (dt.date(2024, 3, 17), dt.datetime(2024, 3, 16, 12, 0, 0)),
        (dt.date(2024, 3, 18), dt.datetime(2024, 3, 16, 12, 0, 0, 500000)),
    ]


def test_roundec(tmp_path, con):
    p = write(tmp_path, "1|1.239\n2|-1.235\n")
    con.execute(f"COPY t (id, amount) FROM '{p}'")
    con.execute(f"COPY t (id, amount) FROM '{p}' ROUNDEC")
    assert [r[0] for r in rows(con, "SELECT amount FROM t ORDER BY id, amount")] == [
        Decimal("1.23"), Decimal("1.24"), Decimal("-1.24"), Decimal("-1.23")
    ]


def test_fixedwidth(tmp_path, con):
    p = write(tmp_path, "1   ann  1.50\n22  bo   2.00\n")
    con.execute(f"COPY t (id, name, amount) FROM '{p}' FIXEDWIDTH 'id:4,name:5,amount:4'")
    assert rows(con, "SELECT id, name, amount FROM t ORDER BY id") == [(1, "ann", Decimal("1.50")), (22, "bo", Decimal("2.00"))]


def test_gzip_local_and_progress(tmp_path, con):
    body = "".join(f"{i}|n{i % 7}|{i % 1000}.25|2024-01-02|t|\n" for i in range(50_000))
    p = write(tmp_path, gzip.compress(body.encode()), "big.gz")
    seen = []
    con._session.progress = seen.append
    con.execute(f"COPY t FROM '{p}' GZIP")
    assert rows(con, "SELECT count(*), sum(id) FROM t") == [(50_000, sum(range(50_000)))]
    assert seen and seen[-1].done and seen[-1].rows == 50_000 and seen[-1].phase == "copy"


def test_unsupported_option_is_named(tmp_path, con):
    p = write(tmp_path, GOOD)
    with pytest.raises(warehouse.NotSupportedError, match="SSH"):
        con.execute(f"COPY t FROM '{p}' SSH")
    with pytest.raises(warehouse.NotSupportedError, match="AVRO"):
        con.execute(f"COPY t FROM '{p}' FORMAT AS AVRO 'auto'")


def test_copy_inside_transaction_rolls_back(tmp_path, con):
    p = write(tmp_path, GOOD)
    con.execute("BEGIN")
    con.execute(f"COPY t FROM '{p}'")
    assert len(rows(con)) == 1
    con.execute("ROLLBACK")
    assert rows(con) == []


def test_acceptanydate_and_encoding(tmp_path, con):
    p = write(tmp_path, "1|2024-02-30|garbage\n2|2024-02-28|2024-02-28 01:02:03\n")
    con.execute(f"COPY t (id, day, ts) FROM '{p}' ACCEPTANYDATE ENCODING AS UTF8")
    assert rows(con, "SELECT day, ts FROM t ORDER BY id") == [(None, None), (dt.date(2024, 2, 28), dt.datetime(2024, 2, 28, 1, 2, 3))]
    with pytest.raises(warehouse.NotSupportedError, match="ENCODING UTF16"):
        con.execute(f"COPY t (id, day, ts) FROM '{p}' ENCODING UTF16")


@pytest.mark.parametrize("diststyle", ["DISTKEY(k)", "DISTSTYLE EVEN", "DISTSTYLE ALL", ""])
def test_sorted_table_gets_one_sorted_run_across_batches(tmp_path, monkeypatch, diststyle):
    import numpy as np

    import warehouse.statements.copy_from as cf

    monkeypatch.setattr(cf, "FLUSH_ROWS", 700)  # many batches: the spill-and-merge path
    rng = np.random.default_rng(7)
    keys = rng.permutation(5000)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i in range(8):  # one chunk per object: eight batches
        (parts / f"p{i}").write_text("".join(f"{k}|{k % 17}|name{k}|{'' if k % 11 == 0 else k * 0.5}\n" for k in keys[i::8]))
    p = f"{parts}/"
    spilled = []
    real_spill = cf.SortedCopy._spill
    monkeypatch.setattr(cf.SortedCopy, "_spill", lambda self, arrow: (spilled.append(arrow.num_rows), real_spill(self, arrow)))
    con = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    con.execute(f"CREATE TABLE s (k INTEGER NOT NULL, g SMALLINT, name VARCHAR(12), x DOUBLE PRECISION) {diststyle} SORTKEY(g, k)")
    cur = con.execute(f"COPY s FROM '{p}'")
    assert cur.rowcount == 5000
    assert len(spilled) >= 2 and sum(spilled) == 5000
    assert con.execute("SELECT count(*), count(DISTINCT k), sum(k), count(x) FROM s").fetchone() == (5000, 5000, sum(range(5000)), 5000 - 455)
    assert con.execute("SELECT name, x FROM s WHERE k = 4242").fetchone() == ("name4242", 2121.0)
    table = con._session.catalog().get_table("public", "s")
    for s in table.scan_slices():
        g, k = table.read(s, "g").data, table.read(s, "k").data
        assert len(k) and np.all((g[1:] > g[:-1]) | ((g[1:] == g[:-1]) & (k[1:] > k[:-1]))), "one sorted run per slice"
    con.close()


def test_sorted_load_larger_than_a_run_writes_several_sorted_runs(tmp_path, monkeypatch):
    import numpy as np

    import warehouse.statements.copy_from as cf
    import warehouse.statements.sorted_copy as sc

    monkeypatch.setattr(cf, "FLUSH_ROWS", 500)
    monkeypatch.setattr(sc, "RUN_BYTES", 20_000)  # a run every few batches: bounded memory
    parts = tmp_path / "parts"
    parts.mkdir()
    keys = np.random.default_rng(3).permutation(6000)
    for i in range(12):
        (parts / f"p{i:02d}").write_text("".join(f"{k}|v{k}\n" for k in keys[i::12]))
    con = warehouse.connect(":memory:", nodes=1, slices_per_node=2)
    con.execute("CREATE TABLE r (k INTEGER, v VARCHAR(10)) DISTKEY(k) SORTKEY(k)")
    assert con.execute(f"COPY r FROM '{parts}/'").rowcount == 6000
    assert con.execute("SELECT count(*), count(DISTINCT k), min(v), max(k) FROM r").fetchone() == (6000, 6000, "v0", 5999)
    table = con._session.catalog().get_table("public", "r")
    for s in table.scan_slices():
        runs = 1 + int(np.count_nonzero(np.diff(table.read(s, "k").data) < 0))
        assert 1 < runs < 12, "several sorted runs, each spanning several batches"
    con.close()
