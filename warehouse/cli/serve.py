"""``warehouse serve``: serve a database over the PostgreSQL wire protocol (docs/server.md)."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys

EPILOG = """examples:
  warehouse serve tickit.wh --init-user admin            # create the first superuser (prompts for the password)
  WAREHOUSE_PASSWORD=... warehouse serve tickit.wh --init-user admin
  warehouse serve tickit.wh --host 127.0.0.1 --port 5439
  psql "host=127.0.0.1 port=5439 dbname=tickit user=admin" -c "SELECT count(*) FROM users"
  warehouse serve tickit.wh --tls-cert server.crt --tls-key server.key --auth md5
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="warehouse serve",
        description="Serve a database to PostgreSQL and Redshift clients (psql, JDBC, psycopg, redshift_connector ...).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", help="database directory (created if missing)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=5439, help="port (default: 5439, Redshift's; 0 picks a free one)")
    p.add_argument("--database-name", default=None, help="the dbname clients connect to (default: directory name without .wh)")
    p.add_argument("--init-user", metavar="NAME", help="create this superuser (or reset its password) before serving")
    p.add_argument("--password-file", help="read --init-user's password from this file (first line)")
    p.add_argument("--auth", choices=["scram", "md5", "trust"], default="scram", help="authentication (default: scram; md5 also stores md5 hashes; trust: no passwords)")
    p.add_argument("--tls-cert", help="PEM certificate: answer SSLRequest with TLS")
    p.add_argument("--tls-key", help="PEM private key for --tls-cert")
    p.add_argument("--max-connections", type=int, default=100, help="concurrent sessions (default: 100)")
    p.add_argument("--statement-timeout", type=float, default=0, help="seconds; 0: none (default)")
    p.add_argument("--idle-timeout", type=float, default=0, help="end sessions idle this many seconds; 0: never (default)")
    p.add_argument("--max-message-size", type=int, default=64 << 20, help="bytes (default: 64 MiB)")
    p.add_argument("--auth-failure-delay", type=float, default=1.0, help="seconds to wait before answering a failed login (default: 1)")
    p.add_argument("--port-file", help="write the port number here once listening")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default: INFO)")
    return p


def _password(args: argparse.Namespace) -> str:
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as f:
            return f.readline().rstrip("\r\n")
    env = os.environ.get("WAREHOUSE_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if line:
            return line
        raise SystemExit("warehouse serve: --init-user needs a password (--password-file, WAREHOUSE_PASSWORD or a terminal)")
    first = getpass.getpass(f"password for {args.init_user}: ")
    if first != getpass.getpass("again: "):
        raise SystemExit("warehouse serve: passwords do not match")
    return first


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.INFO), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    if bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("warehouse serve: --tls-cert and --tls-key go together")
    from warehouse.dbapi.connection import _acquire_database
    from warehouse.errors import Error
    from warehouse.server import Server, ServerConfig

    db, _ = _acquire_database(args.path, None, None)
    if args.init_user:
        from warehouse.auth.statements import _check_password, create_user_direct

        password = _password(args)
        try:
            _check_password(password, args.init_user)
        except Error as e:
            raise SystemExit(f"warehouse serve: {e}") from None
        txn = db.begin_write()
        try:
            create_user_direct(txn, args.init_user, password, keep_md5=args.auth == "md5")
            txn.commit()
        except BaseException:
            txn.rollback()
            raise
        logging.getLogger("warehouse.server").info("user %s ready", args.init_user.lower())
    auth = getattr(db.snapshot(), "auth", None)
    if args.auth == "trust":
        logging.getLogger("warehouse.server").warning("--auth trust: anyone who can reach the port logs in as any user, without a password")
    elif auth is None or not auth.users:
        raise SystemExit("warehouse serve: the database has no users yet; create one with --init-user NAME")
    config = ServerConfig(
        host=args.host, port=args.port, auth=args.auth, tls_cert=args.tls_cert, tls_key=args.tls_key,
        max_connections=args.max_connections, statement_timeout=args.statement_timeout, idle_timeout=args.idle_timeout,
        max_message_size=args.max_message_size, auth_failure_delay=args.auth_failure_delay, database_name=args.database_name,
    )
    server = Server(db, config, path=args.path)
    port = server.start()
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.replace(args.port_file + ".tmp", args.port_file)

    def stop(signum: int, frame: object) -> None:
        server.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"warehouse serve: listening on {args.host}:{port}, database {server.database_name}", flush=True)
    server.wait()
    server.shutdown()
    db.close()
    return 0
