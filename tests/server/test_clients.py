"""Real clients against the server: each connects, runs a parameterised query, a transaction
with rollback, a metadata listing, fetches 100k rows, and is refused with a wrong password
and on a table it has no grant for."""

from __future__ import annotations

import datetime as dt
import decimal
import os
import shutil
import subprocess

import pytest

from tests.server.conftest import ADMIN_PW, ALICE_PW, BIG_ROWS, READER_PW, libpq_dsn

BIG_SUM = BIG_ROWS * (BIG_ROWS - 1) // 2
ROW1 = (1, 1, 10000000000, decimal.Decimal("12.50"), 0.5, 1.25, True, "abc", "apple", "x", dt.date(2024, 1, 2),
        dt.datetime(2024, 1, 2, 3, 4, 5, 123456), dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))


# ----- psql -----------------------------------------------------------------------------------
def _psql(dsn, *args, user="admin", password=ADMIN_PW, stdin=None):
    env = {**os.environ, "PGPASSWORD": password}
    conn = f"host={dsn['host']} port={dsn['port']} dbname={dsn['dbname']} user={user}"
    return subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", conn, *args], capture_output=True, text=True, env=env, input=stdin, timeout=60)


def test_psql(dsn, tmp_path):
    assert shutil.which("psql"), "psql (postgresql-client) must be installed: make test installs it"
    r = _psql(dsn, "-c", "SELECT count(*) FROM big", "-c", "SELECT name FROM items WHERE id = 2")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(BIG_ROWS), "banana"]
    r = _psql(dsn, "-c", "BEGIN; CREATE TABLE IF NOT EXISTS psql_t (x int); COMMIT; BEGIN; INSERT INTO psql_t VALUES (1); ROLLBACK; SELECT count(*) FROM psql_t")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "0"
    r = _psql(dsn, "-c", "\\dt")
    assert r.returncode == 0 and "items" in r.stdout and "big" in r.stdout, r.stderr
    r = _psql(dsn, "-c", "SELECT * FROM big")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == BIG_ROWS
    # \copy both ways
    out = tmp_path / "items.tsv"
    r = _psql(dsn, "-c", f"\\copy items to '{out}'")
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert lines[0].split("\t")[:3] == ["1", "1", "10000000000"] and lines[2].startswith("3\t\\N") and "tab\\there" in lines[1]
    r = _psql(dsn, "-c", "CREATE TABLE psql_copy (id int, name varchar(40), day date)", "-c", "\\copy psql_copy from stdin csv",
              "-c", "SELECT count(*), min(name), max(day) FROM psql_copy", stdin='1,"a,b",2024-01-01\n2,,\n')
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "2|a,b|2024-01-01"
    r = _psql(dsn, "-c", "SELECT 1", password="nope")
    assert r.returncode != 0 and "password authentication failed" in r.stderr
    r = _psql(dsn, "-c", "SELECT * FROM secret", user="alice", password=ALICE_PW)
    assert r.returncode != 0 and "permission denied" in r.stderr


# ----- psycopg 3 ------------------------------------------------------------------------------
def test_psycopg3(dsn):
    import psycopg

    with psycopg.connect(libpq_dsn(dsn)) as c:
        assert c.info.parameter_status("server_version") == "8.0.2"
        assert c.execute("SELECT * FROM items WHERE id = %s", (1,)).fetchone() == ROW1
        assert c.execute("SELECT name FROM items WHERE name = %s AND day > %s", ("apple", dt.date(2000, 1, 1))).fetchall() == [("apple",)]
        with c.cursor(binary=True) as cur:
            rows = cur.execute("SELECT * FROM items ORDER BY id").fetchall()
        assert rows[0] == ROW1 and rows[1][3] == decimal.Decimal("-0.01") and rows[2][1:] == (None,) * 12
        for _ in range(6):  # past prepare_threshold: named statements
            assert c.execute("SELECT count(*) FROM items WHERE id > %s", (2,)).fetchone() == (3,)
        c.execute("CREATE TABLE IF NOT EXISTS pg3_t (x int)")
        c.commit()
        c.execute("INSERT INTO pg3_t VALUES (%s)", (7,))
        c.rollback()
        assert c.execute("SELECT count(*) FROM pg3_t").fetchone() == (0,)
        tables = {r[0] for r in c.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
        assert {"items", "big"} <= tables
        cur = c.execute("SELECT id, val, label, f FROM big")
        rows = cur.fetchall()
        assert len(rows) == BIG_ROWS and sum(r[0] for r in rows) == BIG_SUM
        with pytest.raises(psycopg.errors.SyntaxError) as e:
            c.execute("SELECT FROM WHERE")
        c.rollback()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(libpq_dsn(dsn, "admin", "wrong"))
    with psycopg.connect(libpq_dsn(dsn, "alice", ALICE_PW), autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("SELECT * FROM secret")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("SELECT 1 FROM items WHERE id IN (SELECT x FROM secret)")


# ----- psycopg2 -------------------------------------------------------------------------------
def test_psycopg2(dsn):
    import psycopg2
    import psycopg2.errors

    c = psycopg2.connect(libpq_dsn(dsn))
    cur = c.cursor()
    cur.execute("SELECT * FROM items WHERE name = %s", ("apple",))
    assert cur.fetchone() == ROW1
    cur.execute("CREATE TABLE IF NOT EXISTS pg2_t (x int)")
    c.commit()
    cur.execute("INSERT INTO pg2_t VALUES (1)")
    c.rollback()
    cur.execute("SELECT count(*) FROM pg2_t")
    assert cur.fetchone() == (0,)
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert {"items", "big"} <= {r[0] for r in cur.fetchall()}
    cur.execute("SELECT * FROM big")
    rows = cur.fetchall()
    assert len(rows) == BIG_ROWS and sum(r[0] for r in rows) == BIG_SUM
    c.close()
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(libpq_dsn(dsn, "admin", "wrong"))
    c = psycopg2.connect(libpq_dsn(dsn, "reader", READER_PW))
    cur = c.cursor()
    cur.execute("SELECT count(*) FROM items")
    assert cur.fetchone() == (5,)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("SELECT * FROM secret")
    c.rollback()
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("INSERT INTO items (id) VALUES (9)")
    c.close()


# ----- pg8000 ---------------------------------------------------------------------------------
def test_pg8000(dsn):
    import pg8000.dbapi

    def connect(user="admin", password=ADMIN_PW):
        return pg8000.dbapi.connect(user=user, password=password, host=dsn["host"], port=dsn["port"], database=dsn["dbname"])

    c = connect()
    cur = c.cursor()
    cur.execute("SELECT id, name, price, day, at FROM items WHERE id = %s AND name = %s", (1, "apple"))
    assert tuple(cur.fetchone()) == (1, "apple", decimal.Decimal("12.50"), dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5, 123456))
    cur.execute("CREATE TABLE IF NOT EXISTS p8_t (x int)")
    c.commit()
    cur.execute("INSERT INTO p8_t VALUES (%s)", (3,))
    c.rollback()
    cur.execute("SELECT count(*) FROM p8_t")
    assert cur.fetchone()[0] == 0
    cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", ("public",))
    assert {"items", "big"} <= {r[0] for r in cur.fetchall()}
    cur.execute("SELECT * FROM big")
    rows = cur.fetchall()
    assert len(rows) == BIG_ROWS and sum(r[0] for r in rows) == BIG_SUM
    c.close()
    with pytest.raises(pg8000.dbapi.DatabaseError, match="28P01"):
        connect(password="wrong")
    c = connect("alice", ALICE_PW)
    with pytest.raises(pg8000.dbapi.DatabaseError, match="42501"):
        c.cursor().execute("SELECT * FROM secret WHERE x = %s", (42,))
    c.close()


def test_pg8000_untyped_parameters(dsn):
    """pg8000 sends every parameter untyped: the server's Describe must not depend on a
    placeholder value surviving the casts of its context ('' as an integer)."""
    import pg8000.dbapi
    import sqlalchemy as sa

    c = pg8000.dbapi.connect(user="admin", password=ADMIN_PW, host=dsn["host"], port=dsn["port"], database=dsn["dbname"])
    cur = c.cursor()
    cur.execute("SELECT name FROM items WHERE id IN (%s)", (2,))
    assert [tuple(r) for r in cur.fetchall()] == [("banana",)]
    cur.execute("SELECT n FROM (SELECT id AS k, name AS n FROM items) s WHERE k IN (%s, %s) ORDER BY k", (2, 4))
    assert [tuple(r) for r in cur.fetchall()] == [("banana",), ("cherry",)]
    cur.execute("SELECT count(*) FROM pg_catalog.pg_class c WHERE c.oid IN (%s) AND c.relname = %s", (1259, "pg_class"))
    assert cur.fetchone()[0] == 1
    cur.execute("SELECT id FROM items WHERE id = %s + 1", (1,))
    assert [tuple(r) for r in cur.fetchall()] == [(2,)]
    c.close()
    engine = sa.create_engine(f"postgresql+pg8000://admin:{ADMIN_PW}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}")
    try:
        insp = sa.inspect(engine)
        assert insp.get_pk_constraint("items")["constrained_columns"] == []
        assert {"items", "big"} <= set(insp.get_table_names())
    finally:
        engine.dispose()


# ----- redshift_connector ---------------------------------------------------------------------
def test_redshift_connector(dsn):
    import redshift_connector

    def connect(user="admin", password=ADMIN_PW):
        return redshift_connector.connect(user=user, password=password, host=dsn["host"], port=dsn["port"], database=dsn["dbname"], ssl=False)

    c = connect()
    cur = c.cursor()
    cur.execute("SELECT * FROM items WHERE id = %s", (1,))
    assert tuple(cur.fetchone()) == ROW1
    cur.execute("CREATE TABLE IF NOT EXISTS rc_t (x int)")
    c.commit()
    cur.execute("INSERT INTO rc_t VALUES (%s)", (5,))
    c.rollback()
    cur.execute("SELECT count(*) FROM rc_t")
    assert cur.fetchone()[0] == 0
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", ("public",))
    assert {"items", "big"} <= {r[0] for r in cur.fetchall()}
    cur.execute("SELECT * FROM big")
    rows = cur.fetchall()
    assert len(rows) == BIG_ROWS and sum(r[0] for r in rows) == BIG_SUM
    c.close()
    with pytest.raises(redshift_connector.ProgrammingError, match="28P01"):
        connect(password="wrong")
    c = connect("alice", ALICE_PW)
    with pytest.raises(redshift_connector.ProgrammingError, match="42501"):
        c.cursor().execute("SELECT * FROM secret")
    c.close()


def test_redshift_connector_rollback_after_error(dsn):
    """redshift_connector names each statement redshift_connector_statement_<pid>_<n> and,
    when a statement fails, reuses n for the next one (its ROLLBACK): the failed statement
    must not have been created (PostgreSQL analyses at Parse), or that is 42P05."""
    import redshift_connector

    c = redshift_connector.connect(user="admin", password=ADMIN_PW, host=dsn["host"], port=dsn["port"], database=dsn["dbname"], ssl=False)
    try:
        cur = c.cursor()
        cur.execute("SELECT count(*) FROM items")
        for bad in ("SELECT * FROM no_such_table", "SELECT no_such_column FROM items WHERE id = %s"):
            with pytest.raises(redshift_connector.ProgrammingError, match="42P01|42703"):
                cur.execute(bad, (1,) if "%s" in bad else None)
            c.rollback()
            cur.execute("SELECT name FROM items WHERE id = %s", (2,))
            assert cur.fetchone()[0] == "banana"
        c.rollback()
        with pytest.raises(redshift_connector.ProgrammingError, match="22012"):
            cur.execute("SELECT 1 / (id - 1) FROM items WHERE id = %s", (1,))
        c.rollback()
        cur.execute("SELECT count(*) FROM items")
        assert cur.fetchone()[0] == 5
    finally:
        c.close()


# ----- SQLAlchemy -----------------------------------------------------------------------------
def test_sqlalchemy_psycopg(dsn):
    import sqlalchemy as sa

    url = f"postgresql+psycopg://admin:{ADMIN_PW}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}"
    engine = sa.create_engine(url)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT name FROM items WHERE id = :i"), {"i": 2}).scalar() == "banana"
        c.execute(sa.text("CREATE TABLE IF NOT EXISTS sa_t (x int)"))
        c.commit()
        c.execute(sa.text("INSERT INTO sa_t VALUES (1)"))
        c.rollback()
        assert c.execute(sa.text("SELECT count(*) FROM sa_t")).scalar() == 0
        assert {"items", "big"} <= set(sa.inspect(c).get_table_names())
        rows = c.execute(sa.text("SELECT * FROM big")).all()
        assert len(rows) == BIG_ROWS and sum(r[0] for r in rows) == BIG_SUM
    engine.dispose()
    bad = sa.create_engine(f"postgresql+psycopg://admin:wrong@{dsn['host']}:{dsn['port']}/{dsn['dbname']}")
    with pytest.raises(sa.exc.OperationalError, match="password authentication failed"):
        bad.connect()
    alice = sa.create_engine(f"postgresql+psycopg://alice:{ALICE_PW}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}")
    with alice.connect() as c, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        c.execute(sa.text("SELECT * FROM secret"))
    alice.dispose()


# ----- JDBC -----------------------------------------------------------------------------------
JDBC_JAR = "/usr/share/java/postgresql.jar"


@pytest.fixture(scope="session")
def jdbc_classes(tmp_path_factory):
    assert os.path.exists(JDBC_JAR), "libpostgresql-jdbc-java must be installed: make test installs it"
    out = tmp_path_factory.mktemp("jdbc")
    src = os.path.join(os.path.dirname(__file__), "JdbcCheck.java")
    subprocess.run(["javac", "-d", str(out), src], check=True, timeout=120)
    return str(out)


def _jdbc(dsn, classes, user, password, mode):
    url = f"jdbc:postgresql://{dsn['host']}:{dsn['port']}/{dsn['dbname']}"
    r = subprocess.run(["java", "-cp", f"{classes}:{JDBC_JAR}", "JdbcCheck", url, user, password, mode], capture_output=True, text=True, timeout=120)
    return r.stdout


def test_jdbc(dsn, jdbc_classes):
    out = _jdbc(dsn, jdbc_classes, "admin", ADMIN_PW, "all").splitlines()
    assert out[0] == "param: 1 apple 12.50 2024-01-02 2024-01-02 03:04:05.123456", out
    assert out[1] == "rollback: 0"
    assert out[2] == f"big: {BIG_ROWS} {BIG_SUM}"
    assert {"items", "big"} <= set(out[3].split(": ")[1].split(","))
    assert out[4] == "primary keys: 0", out
    assert _jdbc(dsn, jdbc_classes, "alice", "wrong", "denied").startswith("error: 28P01")
    assert _jdbc(dsn, jdbc_classes, "alice", ALICE_PW, "denied").strip() == "denied: 42501"
