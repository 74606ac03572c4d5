"""TLS (``--tls-cert/--tls-key``) and the 'N' answer without it; the idle-session timeout
and ``--max-connections``.  TLS and the limits each get a server of their own (a fresh
database whose one user is admin)."""

from __future__ import annotations

import datetime as dt
import select
import socket
import ssl
import struct
import subprocess
import threading
import time
import warnings

import psycopg
import pytest

from tests.server.conftest import ADMIN_PW, libpq_dsn, start_admin_only_server, stop_server


def _rs_connect(**kw):
    """redshift_connector.connect, quiet about its deprecated ``ssl.SSLContext()``."""
    import redshift_connector

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return redshift_connector.connect(user="admin", password=ADMIN_PW, host="127.0.0.1", **kw)


def _self_signed(tmp) -> tuple[str, str]:
    """A self-signed certificate for localhost and 127.0.0.1 (its own CA), and its key."""
    cert, key = tmp / "server.crt", tmp / "server.key"
    try:
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
        return str(cert), str(key)
    k = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    c = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(k.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
         .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
         .sign(k, hashes.SHA256()))
    cert.write_bytes(c.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(cert), str(key)


def _dsn(running) -> dict:
    return {"host": "127.0.0.1", "port": running.port, "dbname": running.database_name}


def _ssl_request(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(struct.pack("!ii", 8, 80877103))
        return s.recv(1)


# ----- TLS ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = _self_signed(tmp)
    running = start_admin_only_server(tmp, "--tls-cert", cert, "--tls-key", key)
    running.cert = cert
    yield running
    stop_server(running)


def test_tls_psycopg(tls_server):
    assert _ssl_request(tls_server.port) == b"S"
    with psycopg.connect(libpq_dsn(_dsn(tls_server)) + " sslmode=require") as c:
        assert c.pgconn.ssl_in_use
        c.execute("CREATE TABLE t AS SELECT 1 AS x UNION ALL SELECT 2")
        assert c.execute("SELECT sum(x) FROM t WHERE x > %s", (0,)).fetchone() == (3,)
        with c.cursor(binary=True) as cur:
            assert cur.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]


def test_tls_redshift_connector(tls_server, monkeypatch):
    # redshift_connector always verifies the chain (CERT_REQUIRED against the default trust
    # store plus its Redshift CA bundle; no option turns that off): trust the test certificate
    monkeypatch.setenv("SSL_CERT_FILE", tls_server.cert)
    for mode in ("require", "verify-ca", "verify-full"):
        c = _rs_connect(port=tls_server.port, database=tls_server.database_name, ssl=True, sslmode=mode, timeout=10)
        try:
            assert isinstance(c._usock, ssl.SSLSocket), mode
            cur = c.cursor()
            cur.execute("SELECT %s + 1", (41,))
            assert cur.fetchone()[0] == 42
        finally:
            c.close()


def test_no_tls_answers_n_and_prefer_falls_back(server, dsn):
    import redshift_connector

    assert _ssl_request(server.port) == b"N"
    with psycopg.connect(libpq_dsn(dsn) + " sslmode=prefer") as c:
        assert not c.pgconn.ssl_in_use
        assert c.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(libpq_dsn(dsn) + " sslmode=require")
    with pytest.raises(redshift_connector.InterfaceError, match="refuses SSL"):
        _rs_connect(port=dsn["port"], database=dsn["dbname"], ssl=True, timeout=10)


# ----- idle timeout, max connections -----------------------------------------------------------
IDLE_S = 1.5


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    running = start_admin_only_server(tmp, "--idle-timeout", str(IDLE_S), "--max-connections", "2")
    yield running
    stop_server(running)


def test_idle_session_timeout(limited):
    dsn = libpq_dsn(_dsn(limited))
    idle = psycopg.connect(dsn, autocommit=True)
    busy = psycopg.connect(dsn, autocommit=True)
    stop = threading.Event()
    busy_errors = []

    def keep_busy():
        try:
            while not stop.is_set():
                busy.execute("SELECT 1").fetchone()
                time.sleep(0.2)
        except Exception as e:  # noqa: BLE001
            busy_errors.append(e)

    th = threading.Thread(target=keep_busy)
    try:
        idle.execute("SELECT 1")
        t = time.monotonic()
        th.start()
        # the server speaks first: FATAL 57P05, then it closes the socket
        assert select.select([idle.fileno()], [], [], IDLE_S + 5)[0], "idle session not ended"
        waited = time.monotonic() - t
        assert IDLE_S - 0.1 <= waited < IDLE_S + 3, waited
        with pytest.raises(psycopg.OperationalError, match="idle-session timeout|server closed|connection"):
            idle.execute("SELECT 1")
        stop.set()
        th.join()
        assert not busy_errors, busy_errors
        assert busy.execute("SELECT 2").fetchone() == (2,)
    finally:
        stop.set()
        idle.close()
        busy.close()


def test_max_connections(limited):
    import pg8000.dbapi

    dsn = libpq_dsn(_dsn(limited))
    first = _connect_retrying(dsn)  # the previous test's sessions may still be closing
    second = psycopg.connect(dsn, autocommit=True)
    try:
        with pytest.raises(pg8000.dbapi.DatabaseError, match="53300"):
            pg8000.dbapi.connect(user="admin", password=ADMIN_PW, host="127.0.0.1", port=limited.port, database=limited.database_name)
        with pytest.raises(psycopg.OperationalError, match="too many clients"):
            psycopg.connect(dsn)
        assert first.execute("SELECT 1").fetchone() == (1,)
        assert second.execute("SELECT 2").fetchone() == (2,)
        second.close()
        third = _connect_retrying(dsn)  # a freed slot is usable again
        assert third.execute("SELECT 3").fetchone() == (3,)
        third.close()
    finally:
        first.close()
        second.close()


def _connect_retrying(dsn: str) -> psycopg.Connection:
    for _ in range(40):
        try:
            return psycopg.connect(dsn, autocommit=True)
        except psycopg.OperationalError as e:
            if "too many clients" not in str(e):
                raise
            time.sleep(0.05)
    return psycopg.connect(dsn, autocommit=True)
