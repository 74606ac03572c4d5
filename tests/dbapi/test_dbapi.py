"""The PEP 249 surface on the real engine: connections, cursors, fetching, transactions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import warehouse

pytest.importorskip("warehouse.session")


@pytest.fixture
def con():
    c = warehouse.connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def typed(con):
    con.execute(
        "CREATE TABLE t (i INTEGER, s SMALLINT, b BIGINT, d DECIMAL(12,2), r REAL, f DOUBLE PRECISION,"
        " ok BOOLEAN, c CHAR(3), v VARCHAR(10), dt DATE, ts TIMESTAMP)"
    )
    con.execute(
        "INSERT INTO t VALUES (1, 2, 3, 1234567890.12, 1.5, 2.25, true, 'abc', 'hello',"
        " '2020-01-02', '2020-01-02 03:04:05.5')"
    )
    con.execute("INSERT INTO t VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
    return con


def test_python_values_are_exact(typed):
    row = typed.execute("SELECT i, s, b, d, r, f, ok, v, dt, ts FROM t WHERE i = 1").fetchone()
    assert row == (
        1,
        2,
        3,
        Decimal("1234567890.12"),
        1.5,
        2.25,
        True,
        "hello",
        dt.date(2020, 1, 2),
        dt.datetime(2020, 1, 2, 3, 4, 5, 500000),
    )
    assert isinstance(row[3], Decimal)


def test_nulls_are_none(typed):
    row = typed.execute("SELECT i, d, ok, v, dt, ts FROM t WHERE i IS NULL").fetchone()
    assert row == (None,) * 6


def test_description_type_codes_are_pg_oids(typed):
    cur = typed.execute("SELECT i, s, b, d, r, f, ok, c, v, dt, ts FROM t")
    codes = [d[1] for d in cur.description]
    assert codes == [23, 21, 20, 1700, 700, 701, 16, 1042, 1043, 1082, 1114]
    names = [d[0] for d in cur.description]
    assert names == ["i", "s", "b", "d", "r", "f", "ok", "c", "v", "dt", "ts"]
    assert all(len(d) == 7 for d in cur.description)
    dec = cur.description[3]
    assert (dec[4], dec[5]) == (12, 2)
    assert cur.description[0][1] == warehouse.NUMBER
    assert cur.description[8][1] == warehouse.STRING
    assert cur.description[9][1] == warehouse.DATETIME


def test_description_is_none_after_a_command(con):
    cur = con.execute("CREATE TABLE x (a INTEGER)")
    assert cur.description is None


def test_parameters_are_bound(con):
    con.execute("CREATE TABLE p (a INTEGER, s VARCHAR(40), d DATE, m DECIMAL(8,3))")
    evil = "x'); DROP TABLE p; --"
    con.execute("INSERT INTO p VALUES (%s, %s, %s, %s)", (1, evil, dt.date(2021, 5, 6), Decimal("1.250")))
    cur = con.execute("SELECT s, d, m FROM p WHERE a = %(a)s AND s = %(s)s", {"a": 1, "s": evil})
    assert cur.fetchall() == [(evil, dt.date(2021, 5, 6), Decimal("1.250"))]
    assert con.execute("SELECT count(*) FROM p WHERE s LIKE 'x%%'").fetchone() == (1,)


def test_executemany_and_rowcount(con):
    con.execute("CREATE TABLE m (a INTEGER, b VARCHAR(5))")
    cur = con.cursor()
    cur.executemany("INSERT INTO m VALUES (%s, %s)", [(i, str(i)) for i in range(10)])
    assert cur.rowcount == 10
    cur.execute("SELECT a FROM m WHERE a < 4")
    assert cur.rowcount == 4
    cur.execute("DELETE FROM m WHERE a >= 5")
    assert cur.rowcount == 5


def test_fetchmany_fetchone_and_iteration(con):
    con.execute("CREATE TABLE n (a INTEGER)")
    con.execute("INSERT INTO n SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5")
    cur = con.execute("SELECT a FROM n ORDER BY a")
    assert cur.arraysize == 1
    assert cur.fetchmany() == [(1,)]
    assert cur.fetchmany(2) == [(2,), (3,)]
    assert cur.fetchone() == (4,)
    assert cur.fetchall() == [(5,)]
    assert cur.fetchone() is None
    assert cur.fetchall() == []
    cur.execute("SELECT a FROM n ORDER BY a")
    assert [r[0] for r in cur] == [1, 2, 3, 4, 5]


def test_fetch_arrow_numpy_pandas(typed):
    import numpy as np
    import pyarrow as pa

    cur = typed.execute("SELECT i, d, v FROM t ORDER BY i")
    table = cur.fetch_arrow_table()
    assert isinstance(table, pa.Table)
    assert table.schema.field("d").type == pa.decimal128(12, 2)
    assert table.num_rows == 2
    arrays = typed.execute("SELECT i, d, v FROM t ORDER BY i").fetchnumpy()
    assert isinstance(arrays["i"], np.ma.MaskedArray)
    assert arrays["i"][0] == 1 and arrays["i"].mask[1]
    assert arrays["d"][0] == Decimal("1234567890.12") and arrays["d"][1] is None
    assert arrays["v"].tolist() == ["hello", None]
    df = typed.execute("SELECT i, v FROM t ORDER BY i").fetchdf()
    assert list(df.columns) == ["i", "v"]
    assert len(df) == 2
    assert typed.execute("SELECT 1 AS x").to_arrow_table().num_rows == 1


def test_fetch_after_partial_fetch_returns_the_rest(con):
    cur = con.execute("SELECT 1 AS a UNION ALL SELECT 2 ORDER BY a")
    assert cur.fetchone() == (1,)
    assert cur.fetch_arrow_table().to_pylist() == [{"a": 2}]


def test_errors_carry_sqlstate(con):
    with pytest.raises(warehouse.ProgrammingError) as info:
        con.execute("SELECT * FROM nosuch")
    assert info.value.sqlstate == "42P01"
    with pytest.raises(warehouse.DataError) as info:
        con.execute("SELECT 1 / 0")
    assert info.value.sqlstate == "22012"
    assert con.execute("SELECT 2").fetchone() == (2,)


def test_fetch_without_result_is_an_error(con):
    cur = con.cursor()
    with pytest.raises(warehouse.ProgrammingError):
        cur.fetchone()
    cur.execute("CREATE TABLE z (a INTEGER)")
    with pytest.raises(warehouse.ProgrammingError):
        cur.fetchall()


def test_closed_cursor_and_connection_raise_interface_error():
    c = warehouse.connect()
    cur = c.cursor()
    cur.close()
    with pytest.raises(warehouse.InterfaceError):
        cur.execute("SELECT 1")
    cur2 = c.cursor()
    c.close()
    c.close()  # idempotent
    with pytest.raises(warehouse.InterfaceError):
        cur2.execute("SELECT 1")
    with pytest.raises(warehouse.InterfaceError):
        c.cursor()
    with pytest.raises(warehouse.InterfaceError):
        c.commit()


def test_setinputsizes_are_noops(con):
    cur = con.cursor()
    cur.setinputsizes([1])
    cur.setoutputsize(10)
    cur.setoutputsize(10, 0)


def test_autocommit_false_opens_a_transaction(tmp_path):
    path = str(tmp_path / "db")
    c1 = warehouse.connect(path, autocommit=False)
    c2 = warehouse.connect(path)
    c1.execute("CREATE TABLE t (a INTEGER)")
    c1.commit()
    c1.execute("INSERT INTO t VALUES (1)")
    assert c1.in_transaction
    assert c2.execute("SELECT count(*) FROM t").fetchone() == (0,)
    c1.commit()
    assert c2.execute("SELECT count(*) FROM t").fetchone() == (1,)
    c1.execute("INSERT INTO t VALUES (2)")
    c1.rollback()
    assert c1.execute("SELECT count(*) FROM t").fetchone() == (1,)
    c1.close()
    c2.close()


def test_autocommit_true_commits_each_statement_and_honours_begin(tmp_path):
    path = str(tmp_path / "db")
    c1 = warehouse.connect(path)
    c2 = warehouse.connect(path)
    assert c1.autocommit
    c1.execute("CREATE TABLE t (a INTEGER)")
    c1.execute("INSERT INTO t VALUES (1)")
    assert c2.execute("SELECT count(*) FROM t").fetchone() == (1,)
    c1.execute("BEGIN")
    c1.execute("INSERT INTO t VALUES (2)")
    assert c2.execute("SELECT count(*) FROM t").fetchone() == (1,)
    c1.rollback()
    assert c1.execute("SELECT count(*) FROM t").fetchone() == (1,)
    c1.close()
    c2.close()


def test_context_manager_commits_then_closes(tmp_path):
    path = str(tmp_path / "db")
    with warehouse.connect(path, autocommit=False) as c:
        c.execute("CREATE TABLE t (a INTEGER)")
        c.execute("INSERT INTO t VALUES (1)")
    assert c.closed
    with pytest.raises(RuntimeError), warehouse.connect(path, autocommit=False) as c:
        c.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError
    with warehouse.connect(path) as c:
        assert c.execute("SELECT count(*) FROM t").fetchone() == (1,)


def test_closing_rolls_back_an_open_transaction(tmp_path):
    path = str(tmp_path / "db")
    c = warehouse.connect(path, autocommit=False)
    c.execute("CREATE TABLE t (a INTEGER)")
    c.commit()
    c.execute("INSERT INTO t VALUES (1)")
    c.close()
    with warehouse.connect(path) as c:
        assert c.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_cursor_context_manager(con):
    with con.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchall() == [(1,)]
    assert cur.closed


def test_large_result_converts_lazily(con):
    con.execute("CREATE TABLE big (a BIGINT)")
    con.execute("INSERT INTO big SELECT 1")
    for _ in range(15):  # 2**15 rows
        con.execute("INSERT INTO big SELECT a FROM big")
    cur = con.execute("SELECT a FROM big")
    assert cur.rowcount == 2**15
    assert cur._buffer == []  # nothing converted yet
    assert cur.fetchone() == (1,)
    assert len(cur._buffer) < 2**15
    assert len(cur.fetchall()) == 2**15 - 1
