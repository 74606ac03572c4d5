"""Protocol robustness, cancel, timeouts, concurrency, stl_query, shutdown."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from tests.server.conftest import ADMIN_PW, BIG_ROWS, libpq_dsn

SLOW_SQL = "SELECT count(*) FROM big a JOIN big b ON a.label = b.label WHERE a.f < b.f"  # ~8 s uncancelled


def _raw(server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def _still_serving(dsn) -> None:
    with psycopg.connect(libpq_dsn(dsn)) as c:
        assert c.execute("SELECT 41 + 1").fetchone() == (42,)


@pytest.mark.parametrize("payload", [
    b"\x00\x00\x00\x08\x04\xd2\x16\x2f",  # SSLRequest, then nothing
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",  # garbage
    b"\x00\x00\x00",  # truncated length
    b"\x00\x00\x10\x00\x00\x03\x00\x00user\x00",  # truncated startup packet, then close
    b"\xff\xff\xff\xff" + os.urandom(64),  # negative length
    os.urandom(4096),
])
def test_garbage_before_startup(server, dsn, payload):
    with psycopg.connect(libpq_dsn(dsn)) as other:
        s = _raw(server)
        s.sendall(payload)
        s.close()
        assert other.execute("SELECT 1").fetchone() == (1,)
    _still_serving(dsn)


def _startup(server):
    """A raw socket, logged in as admin with SCRAM (scramp on the client side)."""
    import scramp

    s = _raw(server)
    body = struct.pack("!i", 196608) + b"user\0admin\0database\0" + server.database_name.encode() + b"\0\0"
    s.sendall(struct.pack("!i", len(body) + 4) + body)
    f = s.makefile("rb")

    def read():
        kind = f.read(1)
        n = struct.unpack("!i", f.read(4))[0]
        return kind, f.read(n - 4)

    kind, data = read()
    assert kind == b"R" and struct.unpack("!i", data[:4])[0] == 10
    client = scramp.ScramClient(["SCRAM-SHA-256"], "admin", ADMIN_PW)
    first = client.get_client_first().encode()
    s.sendall(b"p" + struct.pack("!i", 4 + 14 + 4 + len(first)) + b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first)
    kind, data = read()
    client.set_server_first(data[4:].decode())
    final = client.get_client_final().encode()
    s.sendall(b"p" + struct.pack("!i", 4 + len(final)) + final)
    while True:
        kind, data = read()
        if kind == b"Z":
            break
    return _Raw(s, read)


class _Raw:
    def __init__(self, sock, read):
        self.sock, self._read = sock, read

    def sendall(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()


def test_garbage_after_startup_ends_only_that_connection(server, dsn):
    with psycopg.connect(libpq_dsn(dsn)) as other:
        for payload in (b"?\x00\x00\x00\x04", b"Q\x7f\xff\xff\xff", b"Q\x00\x00\x00\x02", b"P\x00\x00\x00\x08ab"):
            s = _startup(server)
            s.sendall(payload + (b"S\x00\x00\x00\x04" if payload.startswith(b"P") else b""))
            kinds = []
            try:
                while True:
                    kind, data = s._read()
                    if not kind:
                        break
                    kinds.append((kind, data))
            except (struct.error, OSError):
                pass
            s.close()
            assert any(k == b"E" and b"08P01" in d for k, d in kinds), kinds
        assert other.execute("SELECT 2").fetchone() == (2,)


def test_extended_protocol_row_limit_and_portal_suspended(server):
    s = _startup(server)

    def m(kind, body):
        return kind + struct.pack("!i", len(body) + 4) + body

    s.sendall(
        m(b"Q", b"BEGIN\0")
        + m(b"P", b"s1\0SELECT id FROM big WHERE id < $1 ORDER BY id\0\0\0")
        + m(b"B", b"c1\0s1\0\0\0\0\x01\0\0\0\x02" + b"25" + b"\0\0")
        + m(b"E", b"c1\0" + struct.pack("!i", 10))
        + m(b"E", b"c1\0" + struct.pack("!i", 10))
        + m(b"E", b"c1\0" + struct.pack("!i", 10))
        + m(b"S", b"")
    )
    got = []
    while True:
        kind, data = s._read()
        got.append((kind, data))
        if kind == b"Z" and len([k for k, _ in got if k == b"Z"]) == 2:
            break
    kinds = [k for k, _ in got]
    assert kinds.count(b"D") == 25 and kinds.count(b"s") == 2
    assert (b"C", b"SELECT 5\0") in got and got[-1] == (b"Z", b"T")
    s.close()


def _m(kind, body):
    return kind + struct.pack("!i", len(body) + 4) + body


def _until_ready(s):
    got = []
    while True:
        kind, data = s._read()
        got.append((kind, data))
        if kind == b"Z":
            return got


def test_failed_parse_creates_no_named_statement(server):
    """A named statement whose analysis fails is never created (PostgreSQL analyses at
    Parse); after the error everything up to Sync is skipped; re-Parsing a name that was
    created is 42P05."""
    s = _startup(server)
    s.sendall(_m(b"Q", b"BEGIN\0")
              + _m(b"P", b"n1\0SELECT * FROM no_such_table\0\0\0")
              + _m(b"D", b"Sn1\0")
              + _m(b"B", b"\0n1\0\0\0\0\0\0\0")  # skipped: no 26000 for it
              + _m(b"S", b""))
    _until_ready(s)
    got = _until_ready(s)
    errors = [d for k, d in got if k == b"E"]
    assert len(errors) == 1 and b"42P01" in errors[0] and got[-1] == (b"Z", b"E")  # and the transaction is aborted
    s.sendall(_m(b"Q", b"ROLLBACK\0"))
    _until_ready(s)
    s.sendall(_m(b"P", b"n1\0SELECT 7\0\0\0") + _m(b"B", b"\0n1\0\0\0\0\0\0\0") + _m(b"E", b"\0\0\0\0\0") + _m(b"S", b""))
    got = _until_ready(s)
    assert [k for k, _ in got] == [b"1", b"2", b"D", b"C", b"Z"] and got[2][1].endswith(b"7")
    s.sendall(_m(b"P", b"n1\0SELECT 8\0\0\0") + _m(b"S", b""))
    got = _until_ready(s)
    assert got[0][0] == b"E" and b"42P05" in got[0][1]
    s.close()


def test_cancel_long_query(dsn):
    with psycopg.connect(libpq_dsn(dsn)) as c:
        threading.Timer(0.5, c.cancel).start()
        t = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute(SLOW_SQL)
        assert time.monotonic() - t < 20
        c.rollback()
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_statement_timeout_and_others_not_stalled(dsn):
    with psycopg.connect(libpq_dsn(dsn), autocommit=True) as c:
        c.execute("SET statement_timeout = 500")
        done = threading.Event()
        timings = []

        def others():
            with psycopg.connect(libpq_dsn(dsn)) as o:
                while not done.is_set():
                    t = time.monotonic()
                    o.execute("SELECT count(*) FROM items").fetchone()
                    timings.append(time.monotonic() - t)

        th = threading.Thread(target=others)
        th.start()
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            c.execute(SLOW_SQL)
        done.set()
        th.join()
        assert len(timings) >= 3 and sorted(timings)[len(timings) // 2] < 0.5


def test_concurrent_clients(dsn):
    errors = []

    def worker(i):
        try:
            with psycopg.connect(libpq_dsn(dsn)) as c:
                for _ in range(5):
                    assert c.execute("SELECT count(*) FROM items WHERE id > %s", (i % 5,)).fetchone() == (5 - i % 5,)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]


def test_stl_query_records_statements(dsn):
    with psycopg.connect(libpq_dsn(dsn), autocommit=True) as c:
        c.execute("SELECT 'stl marker 123'")
        rows = c.execute("SELECT username, querytxt, starttime <= endtime FROM stl_query WHERE querytxt LIKE '%stl marker 123%' AND querytxt NOT LIKE '%stl_query%'").fetchall()
    assert rows and rows[0][0] == "admin" and rows[0][2] is True


def test_transaction_state_and_aborted(dsn):
    with psycopg.connect(libpq_dsn(dsn)) as c:
        c.execute("SELECT 1")
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT * FROM nope")
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            c.execute("SELECT 1")
        c.rollback()
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_error_position(dsn):
    with psycopg.connect(libpq_dsn(dsn), autocommit=True) as c:
        with pytest.raises(psycopg.errors.UndefinedColumn) as e:
            c.execute("SELECT nosuch FROM items")
        assert e.value.diag.statement_position == "8"


def test_serve_cli_sigterm(tmp_path):
    path = str(tmp_path / "cli.wh")
    port_file = tmp_path / "port"
    env = {**os.environ, "WAREHOUSE_PASSWORD": "Cli-pass-123"}
    p = subprocess.Popen([sys.executable, "-m", "warehouse.cli.main", "serve", path, "--init-user", "boss", "--port", "0", "--port-file", str(port_file)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            if port_file.exists():
                break
            time.sleep(0.05)
        port = int(port_file.read_text())
        c = psycopg.connect(f"host=127.0.0.1 port={port} dbname=cli user=boss password=Cli-pass-123", autocommit=True)
        assert c.execute("SELECT 1").fetchone() == (1,)
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 0
        with pytest.raises(psycopg.OperationalError):
            c.execute("SELECT 1")
    finally:
        if p.poll() is None:
            p.kill()
    _, err = p.communicate()
    assert "Cli-pass-123" not in err


def test_a_client_that_reads_slowly_keeps_its_connection(server):
    """The server's socket polls with a short timeout; a client that stops reading a large
    result for longer than that (a pager, a loaded machine) must stall the send, not lose
    the connection."""
    s = _startup(server)
    s.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(_m(b"Q", b"SELECT * FROM big\0"))
    time.sleep(2.5)  # the server's send buffer fills and stays full for several poll periods
    got = _until_ready(s)
    kinds = [k for k, _ in got]
    assert kinds.count(b"D") == BIG_ROWS and kinds[-2] == b"C", kinds[-3:]
    s.sendall(_m(b"Q", b"SELECT 7\0"))
    assert any(k == b"D" and d.endswith(b"7") for k, d in _until_ready(s))
    s.close()


@pytest.mark.parametrize("sql", ["DESCRIBE items", "SHOW TABLES LIKE 'ite*'", "SHOW search_path"])
def test_describe_statement_of_describe_and_show(server, sql):
    """Describe of a prepared DESCRIBE/SHOW (JDBC, asyncpg) answers its columns
    (RowDescription), not NoData: the statement has no side effects, so it is run to learn them."""
    s = _startup(server)
    s.sendall(_m(b"P", b"st\0" + sql.encode() + b"\0\0\0") + _m(b"D", b"Sst\0") + _m(b"S", b""))
    kinds = [k for k, _ in _until_ready(s)]
    assert kinds[:3] == [b"1", b"t", b"T"], kinds
    s.close()
