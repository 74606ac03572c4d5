"""A server on 127.0.0.1 (ephemeral port) over a temporary database, shared by the module.

Users: admin (superuser, password ADMIN_PW), alice (no grants, ALICE_PW), reader (SELECT on
``items`` only, READER_PW).  Tables: items (5 rows, every wire type), big (100k rows),
secret (no grants).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pytest


ADMIN_PW = "Admin-pw-123"
ALICE_PW = "Alice-pw-123"
READER_PW = "Reader-pw-123"
BIG_ROWS = 100_000


def _setup(path: str) -> None:
    import warehouse
    from warehouse.auth.statements import create_user_direct
    from warehouse.statements.dml import arrow_to_vectors

    con = warehouse.connect(path)
    cur = con.cursor()
    cur.execute(
        "CREATE TABLE items (id int, small smallint, big bigint, price decimal(10,2), ratio real, score float8, "
        "ok boolean, code char(3), name varchar(40), body text, day date, at timestamp, atz timestamptz)"
    )
    cur.execute(
        "INSERT INTO items VALUES "
        "(1, 1, 10000000000, 12.50, 0.5, 1.25, true, 'abc', 'apple', 'x', '2024-01-02', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+00'),"
        "(2, -2, -1, -0.01, -1.5, 1e100, false, 'de', 'banana', 'tab\there', '1999-12-31', '1999-12-31 23:59:59', '2000-01-01 00:00:00+00'),"
        "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
        "(4, 4, 4, 4.00, 4, 4, true, 'x', 'cherry', '', '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00+00'),"
        "(5, 5, 5, 99999999.99, 5, 5, false, 'y', 'date', 'quote\"s', '2030-06-30', '2030-06-30 12:00:00', '2030-06-30 12:00:00+00')"
    )
    cur.execute("CREATE TABLE big (id bigint, val int, label varchar(16), f float8)")
    cur.execute("CREATE TABLE secret (x int)")
    cur.execute("INSERT INTO secret VALUES (42)")
    s = con.session
    d = s.catalog().get_table("public", "big").definition
    ids = np.arange(BIG_ROWS, dtype=np.int64)
    t = pa.table({"id": ids, "val": (ids % 1000).astype(np.int32), "label": pa.array([f"l{i % 100}" for i in range(BIG_ROWS)]), "f": ids / 7.0})
    s.writer().append("public", "big", arrow_to_vectors(t, d))
    s.commit()
    txn = s.db.begin_write()
    create_user_direct(txn, "admin", ADMIN_PW)
    txn.commit()
    cur.execute(f"CREATE USER alice PASSWORD '{ALICE_PW}'")
    cur.execute(f"CREATE USER reader PASSWORD '{READER_PW}'")
    cur.execute("CREATE GROUP readers WITH USER reader")
    cur.execute("GRANT SELECT ON items TO GROUP readers")
    cur.execute("GRANT SELECT ON big TO reader")
    con.close()


class _Running:
    """The server subprocess (``warehouse serve``): its port and database name."""

    def __init__(self, proc, port: int, database_name: str) -> None:
        self.proc, self.port, self.database_name = proc, port, database_name


def start_server(tmp, path: str, *args: str, env: dict | None = None) -> _Running:
    """``warehouse serve PATH ARGS`` on an ephemeral port, its log in ``tmp/server.log``."""
    port_file = tmp / "port"
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "warehouse.cli.main", "serve", path, "--port", "0", "--port-file", str(port_file), *args],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    log.close()
    for _ in range(600):
        if port_file.exists() or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert port_file.exists(), (tmp / "server.log").read_text()
    base = os.path.basename(path)
    return _Running(proc, int(port_file.read_text()), base[:-3] if base.endswith(".wh") else base)


def stop_server(running: _Running) -> None:
    running.proc.send_signal(signal.SIGTERM)
    try:
        running.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        running.proc.kill()


def start_admin_only_server(tmp, *args: str) -> _Running:
    """A server over a fresh, empty database whose one user is admin (ADMIN_PW)."""
    return start_server(tmp, str(tmp / "db.wh"), "--init-user", "admin", "--auth-failure-delay", "0.05", *args,
                        env={**os.environ, "WAREHOUSE_PASSWORD": ADMIN_PW})


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """``warehouse serve`` in a subprocess (a client library blocking the GIL in-process,
    as libpq's cancel does, must not be able to stall the server under test)."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    tmp = tmp_path_factory.mktemp("srv")
    path = str(tmp / "testdb.wh")
    _setup(path)
    running = start_server(tmp, path, "--auth-failure-delay", "0.05", "--max-connections", "200")
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def dsn(server):
    return {"host": "127.0.0.1", "port": server.port, "dbname": server.database_name}


def libpq_dsn(dsn: dict, user: str = "admin", password: str = ADMIN_PW) -> str:
    return f"host={dsn['host']} port={dsn['port']} dbname={dsn['dbname']} user={user} password={password}"


os.environ.setdefault("PGCONNECT_TIMEOUT", "10")
