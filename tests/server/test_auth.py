"""Users, groups and grants in the engine (no server): persistence and 42501 for every shape."""

from __future__ import annotations

import pytest

import warehouse
from warehouse.auth.users import list_groups, list_users
from warehouse.errors import ProgrammingError
from warehouse.session import Session


@pytest.fixture()
def db(tmp_path):
    path = str(tmp_path / "a.wh")
    con = warehouse.connect(path)
    s = con.session
    for q in ("CREATE TABLE t (a int, b varchar(10))", "INSERT INTO t VALUES (1, 'x')", "CREATE TABLE u (a int)",
              "CREATE VIEW v AS SELECT a FROM t", "CREATE USER bob PASSWORD 'Bob-pass-1'", "CREATE GROUP g"):
        s.execute(q)
    yield con, path
    con.close()


def _denied(session, sql):
    with pytest.raises(ProgrammingError) as e:
        session.execute(sql)
    assert e.value.sqlstate == "42501", e.value


def test_every_query_shape_is_checked(db):
    con, _ = db
    bob = Session(con.session.db, user="bob")
    for sql in ("SELECT * FROM t", "SELECT 1 FROM u WHERE a IN (SELECT a FROM t)", "WITH c AS (SELECT * FROM t) SELECT * FROM c",
                "SELECT * FROM u JOIN t ON u.a = t.a", "SELECT * FROM v", "SELECT (SELECT max(a) FROM t)",
                "INSERT INTO t VALUES (2, 'y')", "UPDATE t SET a = 3", "DELETE FROM t", "DROP TABLE t", "TRUNCATE t",
                "ALTER TABLE t ADD COLUMN c int", "CREATE USER eve PASSWORD 'Eve-pass-1'", "GRANT SELECT ON t TO bob",
                "CREATE TABLE u2 AS SELECT * FROM t"):
        _denied(bob, sql)


def test_grants_to_user_group_public_and_revoke(db):
    con, _ = db
    admin = con.session
    bob = Session(admin.db, user="bob")
    admin.execute("GRANT SELECT ON t TO bob")
    assert bob.execute("SELECT count(*) FROM t").table.to_pylist() == [{"count": 1}]
    _denied(bob, "INSERT INTO u SELECT a FROM t")
    admin.execute("ALTER GROUP g ADD USER bob")
    admin.execute("GRANT INSERT, DELETE ON u TO GROUP g")
    assert bob.execute("INSERT INTO u SELECT a FROM t").status == "INSERT 0 1"
    _denied(bob, "UPDATE u SET a = 2")
    admin.execute("REVOKE SELECT ON t FROM bob")
    _denied(bob, "SELECT * FROM t")
    admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC")
    assert bob.execute("SELECT count(*) FROM t").rowcount == 1
    admin.execute("REVOKE ALL ON t FROM PUBLIC")
    _denied(bob, "SELECT * FROM t")
    # owners may do everything with their tables, and grant them
    bob.execute("CREATE TABLE mine (x int)")
    bob.execute("INSERT INTO mine VALUES (1)")
    bob.execute("GRANT SELECT ON mine TO GROUP g")
    # schemas: USAGE needed besides the table grant
    admin.execute("CREATE SCHEMA s")
    admin.execute("CREATE TABLE s.w (x int)")
    admin.execute("GRANT SELECT ON s.w TO bob")
    _denied(bob, "SELECT * FROM s.w")
    admin.execute("GRANT USAGE ON SCHEMA s TO bob")
    assert bob.execute("SELECT * FROM s.w").rowcount == 0
    _denied(bob, "CREATE TABLE s.x (a int)")


def test_users_persist_and_never_store_plaintext(db):
    con, path = db
    admin = con.session
    admin.execute("CREATE USER carol PASSWORD 'Carol-pass-1' CREATEUSER IN GROUP g")
    admin.execute("ALTER USER bob PASSWORD 'Other-pass-2'")
    admin.execute("CREATE GROUP h WITH USER bob, carol")
    admin.execute("ALTER GROUP h DROP USER bob")
    with open(f"{path}/MANIFEST") as f:
        text = f.read()
    assert "Carol-pass-1" not in text and "Other-pass-2" not in text and "SCRAM-SHA-256$4096:" in text
    con.close()
    con2 = warehouse.connect(path)
    users = {u.name: u for u in list_users(con2.session.catalog())}
    assert users["carol"].superuser and users["carol"].groups == ("g", "h") and not users["bob"].superuser
    assert [g.members for g in list_groups(con2.session.catalog())] == [("carol",), ("carol",)]
    s = con2.session
    with pytest.raises(ProgrammingError) as e:
        s.execute("CREATE USER weak PASSWORD 'short'")
    assert e.value.sqlstate == "22023"
    s.execute("CREATE TABLE owned (x int)")
    bob = Session(s.db, user="bob")
    bob.execute("CREATE TABLE bobs (x int)")
    with pytest.raises(ProgrammingError) as e:
        s.execute("DROP USER bob")
    assert e.value.sqlstate == "2BP01"
    s.execute("DROP TABLE bobs")
    s.execute("DROP USER bob")
    assert "bob" not in {u.name for u in list_users(s.catalog())}
    s.execute("BEGIN")
    s.execute("CREATE USER temp PASSWORD 'Temp-pass-1'")
    s.execute("ROLLBACK")
    assert "temp" not in {u.name for u in list_users(s.catalog())}
    con2.close()
