"""Client catalog operations end to end over the wire: psql's backslash commands,
SQLAlchemy's inspector (postgresql dialect via psycopg2/psycopg, and the redshift dialect),
redshift_connector's metadata API, JDBC DatabaseMetaData; SQL cursors and 25P02.

Objects live in schema ``catcli`` so the shared server's other tests are unaffected.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.server.conftest import ADMIN_PW, libpq_dsn

SCHEMA = "catcli"


@pytest.fixture(scope="module")
def catalog_objects(dsn):
    import psycopg2

    con = psycopg2.connect(libpq_dsn(dsn))
    con.autocommit = True
    cur = con.cursor()
    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    cur.execute(f"DROP VIEW IF EXISTS {SCHEMA}.big_orders")
    cur.execute(f"DROP TABLE IF EXISTS {SCHEMA}.orders")
    cur.execute(
        f"CREATE TABLE {SCHEMA}.orders (id integer NOT NULL, customer varchar(40) DEFAULT 'x', "
        "amount decimal(12,2) ENCODE az64, created timestamp) DISTKEY(id) SORTKEY(id, created)"
    )
    cur.execute(f"CREATE VIEW {SCHEMA}.big_orders AS SELECT id, amount FROM {SCHEMA}.orders WHERE amount > 100")
    con.close()
    return SCHEMA


def _psql(dsn, *commands):
    assert shutil.which("psql"), "psql (postgresql-client) must be installed"
    env = dict(os.environ, PGPASSWORD=ADMIN_PW)
    conn = f"host={dsn['host']} port={dsn['port']} dbname={dsn['dbname']} user=admin"
    args = ["psql", "-X", "-v", "ON_ERROR_STOP=1", conn, "-c", f"SET search_path TO {SCHEMA}, public"]
    for c in commands:
        args += ["-c", c]
    r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_psql_describe(dsn, catalog_objects):
    out = _psql(dsn, "\\d")
    assert "catcli | big_orders | view  | admin" in out
    assert "catcli | orders     | table | admin" in out
    out = _psql(dsn, "\\dt")
    assert "catcli | orders" in out and "big_orders" not in out
    out = _psql(dsn, "\\d orders")
    assert 'Table "catcli.orders"' in out
    assert " id       | integer                     |           | not null | " in out
    assert " customer | character varying(40)       |           |          | 'x'" in out
    assert " amount   | numeric(12,2)" in out
    out = _psql(dsn, "\\d+ orders")
    assert "Storage" in out and " created  | timestamp without time zone |" in out
    out = _psql(dsn, "\\d big_orders")
    assert 'View "catcli.big_orders"' in out and " amount | numeric(12,2)" in out


def test_psql_lists(dsn, catalog_objects):
    out = _psql(dsn, "\\dn")
    assert " catcli | admin" in out and " public | admin" in out
    out = _psql(dsn, "\\l")
    assert f" {dsn['dbname']} " in out and "UTF8" in out
    out = _psql(dsn, "\\df")
    assert "(0 rows)" in out


@pytest.mark.parametrize("driver", ["psycopg2", "psycopg"])
def test_sqlalchemy_postgresql(dsn, catalog_objects, driver):
    from sqlalchemy import create_engine, inspect

    eng = create_engine(f"postgresql+{driver}://admin:{ADMIN_PW}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}")
    try:
        insp = inspect(eng)
        assert SCHEMA in insp.get_schema_names()
        assert insp.get_table_names(schema=SCHEMA) == ["orders"]
        assert insp.get_view_names(schema=SCHEMA) == ["big_orders"]
        cols = insp.get_columns("orders", schema=SCHEMA)
        assert [(c["name"], str(c["type"]), c["nullable"]) for c in cols] == [
            ("id", "INTEGER", False), ("customer", "VARCHAR(40)", True),
            ("amount", "NUMERIC(12, 2)", True), ("created", "TIMESTAMP", True),
        ]
        assert cols[1]["default"] == "'x'"
        assert insp.get_pk_constraint("orders", schema=SCHEMA)["constrained_columns"] == []
        assert insp.get_foreign_keys("orders", schema=SCHEMA) == []
        assert insp.get_indexes("orders", schema=SCHEMA) == []
        assert insp.has_table("orders", schema=SCHEMA) and not insp.has_table("nope", schema=SCHEMA)
    finally:
        eng.dispose()


def test_sqlalchemy_redshift(dsn, catalog_objects):
    from sqlalchemy import create_engine, inspect

    eng = create_engine(
        f"redshift+psycopg2://admin:{ADMIN_PW}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}?sslmode=disable"
    )
    try:
        insp = inspect(eng)
        assert insp.get_table_names(schema=SCHEMA) == ["orders"]
        assert insp.get_view_names(schema=SCHEMA) == ["big_orders"]
        assert SCHEMA in insp.get_schema_names()
    finally:
        eng.dispose()


def test_sqlalchemy_redshift_columns(dsn, catalog_objects):
    from sqlalchemy import create_engine, inspect

    eng = create_engine(
        f"redshift+psycopg2://admin:{ADMIN_PW}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}?sslmode=disable"
    )
    try:
        cols = inspect(eng).get_columns("orders", schema=SCHEMA)
    finally:
        eng.dispose()
    by_name = {c["name"]: c for c in cols}
    assert list(by_name) == ["id", "customer", "amount", "created"]
    assert not by_name["id"]["nullable"] and by_name["customer"]["nullable"]
    assert by_name["customer"]["type"].length == 40
    assert (by_name["amount"]["type"].precision, by_name["amount"]["type"].scale) == (12, 2)
    assert by_name["customer"]["default"] == "'x'"
    # the Redshift dialect reads ENCODE from pg_attribute.attencodingtype (format_encoding)
    assert [by_name[c]["info"]["encode"] for c in ("id", "amount")] == ["auto", "az64"]


def test_redshift_connector_metadata(dsn, catalog_objects):
    import redshift_connector

    con = redshift_connector.connect(host=dsn["host"], port=dsn["port"], database=dsn["dbname"], user="admin",
                                     password=ADMIN_PW, ssl=False)
    try:
        cur = con.cursor()
        schemas = [tuple(r) for r in cur.get_schemas()]
        assert (SCHEMA, dsn["dbname"]) in schemas
        tables = [tuple(r)[:4] for r in cur.get_tables(schema_pattern=SCHEMA)]
        assert tables == [(dsn["dbname"], SCHEMA, "orders", "TABLE"), (dsn["dbname"], SCHEMA, "big_orders", "VIEW")]
        cols = [tuple(r) for r in cur.get_columns(schema_pattern=SCHEMA, tablename_pattern="orders")]
        assert [(c[3], c[5], c[6]) for c in cols] == [
            ("id", "int4", 10), ("customer", "varchar", 40), ("amount", "numeric", 12), ("created", "timestamp", 29)
        ]
        assert [c[17] for c in cols] == ["NO", "YES", "YES", "YES"]  # IS_NULLABLE
        assert list(cur.get_primary_keys(schema=SCHEMA, table="orders")) == []
    finally:
        con.close()


JAVA = r"""
import java.sql.*;
public class CatalogCheck {
  public static void main(String[] a) throws Exception {
    try (Connection c = DriverManager.getConnection(a[0], a[1], a[2])) {
      DatabaseMetaData md = c.getMetaData();
      try (ResultSet rs = md.getSchemas()) { while (rs.next()) System.out.println("schema " + rs.getString("TABLE_SCHEM")); }
      try (ResultSet rs = md.getTables(null, a[3], "%", new String[] {"TABLE", "VIEW"})) {
        while (rs.next()) System.out.println("table " + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE"));
      }
      try (ResultSet rs = md.getColumns(null, a[3], "orders", "%")) {
        while (rs.next()) System.out.println("column " + rs.getString("COLUMN_NAME") + " " + rs.getInt("DATA_TYPE") + " "
            + rs.getString("TYPE_NAME") + " " + rs.getInt("COLUMN_SIZE") + " " + rs.getString("IS_NULLABLE"));
      }
    }
  }
}
"""


def test_jdbc_metadata(dsn, catalog_objects, tmp_path):
    jar = "/usr/share/java/postgresql.jar"
    if not (os.path.exists(jar) and shutil.which("javac")):
        pytest.skip("pgjdbc (libpostgresql-jdbc-java) and a JDK are needed")
    (tmp_path / "CatalogCheck.java").write_text(JAVA)
    subprocess.run(["javac", "-d", str(tmp_path), str(tmp_path / "CatalogCheck.java")], check=True, timeout=120)
    url = f"jdbc:postgresql://{dsn['host']}:{dsn['port']}/{dsn['dbname']}"
    r = subprocess.run(["java", "-cp", f"{tmp_path}:{jar}", "CatalogCheck", url, "admin", ADMIN_PW, SCHEMA],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert f"schema {SCHEMA}" in lines and "schema public" in lines
    assert "table orders TABLE" in lines and "table big_orders VIEW" in lines
    assert [ln for ln in lines if ln.startswith("column ")] == [
        "column id 4 int4 10 NO", "column customer 12 varchar 40 YES",
        "column amount 2 numeric 12 YES", "column created 93 timestamp 29 YES",
    ]


def test_cursor_and_aborted_transaction(dsn, catalog_objects):
    import psycopg2

    con = psycopg2.connect(libpq_dsn(dsn))
    try:
        cur = con.cursor(name="catcli_cursor")  # DECLARE ... CURSOR WITHOUT HOLD / FETCH FORWARD / CLOSE
        cur.itersize = 2
        cur.execute("SELECT id FROM items ORDER BY id")
        assert [r[0] for r in cur] == [1, 2, 3, 4, 5]
        cur.close()
        con.commit()
        plain = con.cursor()
        with pytest.raises(psycopg2.Error):
            plain.execute("SELECT * FROM no_such_table")
        with pytest.raises(psycopg2.Error) as e:
            plain.execute("SELECT 1")
        assert e.value.pgcode == "25P02"
        con.rollback()
        plain.execute("SELECT 1")
        assert plain.fetchone() == (1,)
    finally:
        con.close()
