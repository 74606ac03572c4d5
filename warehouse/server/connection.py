"""One client connection: startup, authentication, then simple and extended queries.

Each connection runs in its own thread and executes its statements there, so a long query
holds up only its own client; the listener thread only accepts.  Statement timeouts and
cancels call ``Session.cancel()`` from other threads.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from sqlglot import exp

from kernels.wire import data_rows
from warehouse.errors import Error
from warehouse.functions.coercion import TypedNull
from warehouse.server import messages as M
from warehouse.server.auth import AuthFailed, authenticate
from warehouse.server.params import infer, max_param
from warehouse.server.types_wire import decode_param, encode_columns, sqltype_of_oid, type_oid
from warehouse.types import SqlType

if TYPE_CHECKING:
    from warehouse.server.server import Server

log = logging.getLogger("warehouse.server")

CHUNK_ROWS = 65_536
POLL_S = 0.5
SEND_STALL_S = 600.0  # a client that reads nothing for this long is given up
_QUERY_KINDS = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery, exp.Values)
_DEALLOCATE = re.compile(r"^\s*deallocate\s+(?:prepare\s+)?(?P<name>all|\"(?:[^\"]|\"\")*\"|\w+)\s*;?\s*$", re.I)
_SAVEPOINT = re.compile(r"^\s*(?P<verb>savepoint|release(?:\s+savepoint)?|rollback\s+to(?:\s+savepoint)?)\s+(?P<name>\"(?:[^\"]|\"\")*\"|\w+)\s*;?\s*$", re.I)
_COPY_STDIN = re.compile(r"^\s*copy\s+(?P<table>[\w.\"]+)\s*(?:\((?P<cols>[^)]*)\))?\s+from\s+stdin\b(?P<opts>.*)$", re.I | re.S)
_COPY_STDOUT = re.compile(r"^\s*copy\s+(?P<src>\(.*\)|[\w.\"]+)\s*(?:\((?P<cols>[^)]*)\))?\s+to\s+stdout\b(?P<opts>.*)$", re.I | re.S)
# ParameterStatus values sent at startup and again when a SET changes them.
REPORTED = ("application_name", "client_encoding", "DateStyle", "IntervalStyle", "TimeZone", "standard_conforming_strings", "is_superuser", "session_authorization")


class Terminate(Exception):
    """The client said goodbye (or the connection must end quietly)."""


class Fatal(Exception):
    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.message = message


@dataclass
class Prepared:
    sql: str
    ast: exp.Expression | None
    param_types: list[SqlType | None]
    param_oids: list[int]


@dataclass
class Portal:
    stmt: Prepared
    params: list[Any]
    formats: list[int]
    result: Any = None
    pos: int = 0
    done: bool = False
    described: bool = False
    extra: list[Any] = field(default_factory=list)


def split_statements(sql: str) -> list[str]:
    """Statements of a simple Query, split at top-level semicolons."""
    out, start, i, n = [], 0, 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            continue
        if ch == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if ch == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if ch == "$":
            m = re.match(r"\$([A-Za-z_]\w*)?\$", sql[i:])
            if m:
                j = sql.find(m.group(0), i + len(m.group(0)))
                i = n if j < 0 else j + len(m.group(0))
                continue
        if ch == ";":
            out.append(sql[start:i])
            start = i + 1
        i += 1
    out.append(sql[start:])
    return [s for s in out if s.strip() and not _only_comments(s)]


def _only_comments(s: str) -> bool:
    s = re.sub(r"--[^\n]*", "", s)
    s = re.sub(r"/\*.*?\*/", "", s, flags=re.S)
    return not s.strip()


class Connection:
    def __init__(self, server: Server, sock: socket.socket, addr: Any) -> None:
        self.server = server
        self.sock = sock
        self.addr = addr
        self.rbuf = bytearray()
        self.out: list[bytes] = []
        self.out_size = 0
        self.pid = server.next_pid()
        self.secret = secrets.randbits(31)
        self.session: Any = None
        self.user = ""
        self.startup_params: dict[str, str] = {}
        self.statements: dict[str, Prepared] = {}
        self.portals: dict[str, Portal] = {}
        self.skip_to_sync = False
        self.running_since: float | None = None
        self.deadline: float | None = None
        self.timed_out = False
        self.reported: dict[str, str] = {}
        self.write_lock = threading.Lock()
        self._ast_cache: dict[str, exp.Expression | None] = {}

    # ================================================================= I/O
    def send(self, data: bytes) -> None:
        self.out.append(data)
        self.out_size += len(data)
        if self.out_size > 1 << 16:
            self.flush()

    def flush(self) -> None:
        if not self.out:
            return
        data = b"".join(self.out) if len(self.out) > 1 else self.out[0]
        self.out, self.out_size = [], 0
        with self.write_lock:
            self._sendall(data)

    def _sendall(self, data: bytes) -> None:
        """``sendall`` that outlasts the socket's short poll timeout: a client that reads
        slowly (a pager, a loaded machine) stalls the send instead of losing the connection;
        only a client that takes nothing for ``SEND_STALL_S`` is given up."""
        view = memoryview(data)
        stalled_since: float | None = None
        while view:
            try:
                sent = self.sock.send(view)
            except (socket.timeout, TimeoutError):
                now = time.monotonic()
                stalled_since = stalled_since or now
                if now - stalled_since > SEND_STALL_S:
                    raise
                continue
            stalled_since = None
            view = view[sent:]

    def _fill(self, n: int, *, idle: bool) -> None:
        idle_since = time.monotonic()
        while len(self.rbuf) < n:
            try:
                chunk = self.sock.recv(max(65536, n - len(self.rbuf)))
            except (socket.timeout, TimeoutError):
                now = time.monotonic()
                # shutting down: end idle sessions, and connections still in startup (a client
                # that sent SSLRequest, got 'N' and never went on must not hold up the shutdown)
                if self.server.stopping.is_set() and ((idle and not self.rbuf) or self.session is None):
                    raise Fatal("57P01", "terminating connection due to administrator command") from None
                limit = self.server.config.idle_timeout if idle and not self.rbuf else 60.0
                if limit and now - idle_since > limit:
                    if idle and not self.rbuf:
                        raise Fatal("57P05", "terminating connection due to idle-session timeout") from None
                    raise Terminate from None
                continue
            if not chunk:
                raise Terminate
            self.rbuf += chunk

    def read_exact(self, n: int, *, idle: bool = False) -> bytes:
        self._fill(n, idle=idle)
        data = bytes(self.rbuf[:n])
        del self.rbuf[:n]
        return data

    def read_message(self, *, idle: bool = False) -> tuple[bytes, bytes]:
        self._fill(5, idle=idle)
        kind = bytes(self.rbuf[:1])
        length = int.from_bytes(self.rbuf[1:5], "big", signed=True)
        if length < 4 or length > self.server.config.max_message_size:
            raise M.ProtocolViolation(f"invalid message length {length}")
        self._fill(1 + length, idle=False)
        body = bytes(self.rbuf[5 : 1 + length])
        del self.rbuf[: 1 + length]
        return kind, body

    # ============================================================ lifecycle
    def run(self) -> None:
        try:
            self.sock.settimeout(POLL_S)
            if self._startup():
                self._loop()
        except Fatal as e:
            self._fatal(e.sqlstate, e.message)
        except M.ProtocolViolation as e:
            self._fatal("08P01", f"invalid frontend message: {e}")
        except (Terminate, ConnectionError, OSError):
            pass
        except Exception as e:  # noqa: BLE001 - never let one connection take down the server
            log.exception("connection %s: internal error", self.pid)
            self._fatal("XX000", f"internal error: {type(e).__name__}")
        finally:
            self._close()

    def _fatal(self, sqlstate: str, message: str) -> None:
        try:
            self.out.clear()
            self.send(M.error_response(sqlstate, message, severity="FATAL"))
            self.flush()
        except OSError:
            pass

    def _close(self) -> None:
        if self.session is not None:
            try:
                self.session.close()
            except Exception:  # noqa: BLE001
                log.exception("closing session %s", self.pid)
        self.server.unregister(self)
        try:
            self.sock.close()
        except OSError:
            pass

    # ============================================================== startup
    def _startup(self) -> bool:
        ssl_done = False
        while True:
            length = int.from_bytes(self.read_exact(4), "big", signed=True)
            if length < 8 or length > 10_000:
                raise M.ProtocolViolation(f"invalid startup packet length {length}")
            body = self.read_exact(length - 4)
            code = int.from_bytes(body[:4], "big")
            if code == M.SSL_REQUEST and not ssl_done:
                ssl_done = True
                ctx = self.server.ssl_context
                if ctx is None:
                    self.sock.sendall(b"N")
                    continue
                self.sock.sendall(b"S")
                if self.rbuf:
                    raise M.ProtocolViolation("data after SSLRequest")
                self.sock.settimeout(10)
                self.sock = ctx.wrap_socket(self.sock, server_side=True)
                self.sock.settimeout(POLL_S)
                continue
            if code == M.GSSENC_REQUEST:
                self.sock.sendall(b"N")
                continue
            if code == M.CANCEL_REQUEST and length == 16:
                pid, secret = int.from_bytes(body[4:8], "big", signed=True), int.from_bytes(body[8:12], "big", signed=True)
                self.server.cancel(pid, secret)
                return False
            if code >> 16 != 3:
                raise Fatal("0A000", f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: server supports 3.0")
            break
        parts = body[4:].split(b"\0")
        params: dict[str, str] = {}
        for k, v in zip(parts[0::2], parts[1::2]):
            if k:
                params[k.decode("utf-8", "replace")] = v.decode("utf-8", "replace")
        self.startup_params = params
        if code & 0xFFFF:
            unknown = [k for k in params if k.startswith("_pq_.")]
            self.send(M.msg(b"v", (196608).to_bytes(4, "big") + len(unknown).to_bytes(4, "big") + b"".join(k.encode() + b"\0" for k in unknown)))
        user = params.get("user", "").lower()
        if not user:
            raise Fatal("28000", "no PostgreSQL user name specified in startup packet")
        database = params.get("database") or user
        self.user = user
        if database != self.server.database_name:
            raise Fatal("3D000", f'database "{database}" does not exist')
        self._authenticate(user)
        self.server.register(self)
        from warehouse.session import Session

        self.session = Session(self.server.db, user=user)
        self.session.pid = self.pid
        self.session.database_name = database
        self.session.keep_md5 = self.server.config.auth == "md5"
        settings = self.session.settings
        for k, v in params.items():
            lk = k.lower()
            if lk in ("application_name", "extra_float_digits", "search_path", "statement_timeout", "datestyle"):
                settings[lk] = v
        settings.setdefault("application_name", "")
        self.send(M.auth_request(0))
        for name, value in self._status_values().items():
            self.send(M.parameter_status(name, value))
            self.reported[name] = value
        self.send(M.parameter_status("server_version", "8.0.2"))
        self.send(M.parameter_status("server_encoding", "UTF8"))
        self.send(M.parameter_status("integer_datetimes", "on"))
        self.send(M.parameter_status("default_transaction_read_only", "off"))
        self.send(M.parameter_status("in_hot_standby", "off"))
        self.send(M.backend_key_data(self.pid, self.secret))
        self._ready()
        log.info("connection %s: user %s from %s", self.pid, user, self.addr)
        return True

    def _status_values(self) -> dict[str, str]:
        s = self.session.settings
        from warehouse.auth.privileges import privileged_user

        return {
            "application_name": s.get("application_name", ""),
            "client_encoding": "UTF8",
            "DateStyle": "ISO, MDY",
            "IntervalStyle": "postgres",
            "TimeZone": "UTC",
            "standard_conforming_strings": "on",
            "is_superuser": "on" if privileged_user(self.session.catalog(), self.user) else "off",
            "session_authorization": self.user,
        }

    def _authenticate(self, user: str) -> None:
        snap = self.server.db.snapshot()
        auth = getattr(snap, "auth", None)
        rec = auth.users.get(user) if auth is not None else None
        method = self.server.config.auth
        if method == "trust" and rec is None and auth is not None and auth.users:
            raise Fatal("28000", f'role "{user}" does not exist')
        try:
            authenticate(self, method, rec, user, self.startup_params)
        except AuthFailed as e:
            log.warning("authentication failed for user %r from %s: %s", user, self.addr, e)
            time.sleep(self.server.config.auth_failure_delay)
            raise Fatal(e.sqlstate, str(e)) from None
        if self.server.at_capacity(self):
            raise Fatal("53300", "sorry, too many clients already")

    # ================================================================ loop
    def _ready(self) -> None:
        s = self.session
        if not s.in_transaction:
            self._savepoints = []
        status = "E" if s.aborted else ("T" if s.in_transaction else "I")
        self.send(M.ready_for_query(status))
        self.flush()

    def _loop(self) -> None:
        handlers = {
            b"Q": self._query, b"P": self._parse, b"B": self._bind, b"D": self._describe, b"E": self._execute,
            b"C": self._close_msg, b"S": self._sync, b"H": lambda body: self.flush(),
        }
        while True:
            kind, body = self.read_message(idle=not self.out)
            if kind == b"X":
                raise Terminate
            if kind in (b"d", b"c", b"f"):
                continue  # copy messages outside COPY are ignored, as PostgreSQL does
            handler = handlers.get(kind)
            if handler is None:
                raise M.ProtocolViolation(f"invalid frontend message type {kind!r}")
            if self.skip_to_sync and kind not in (b"S", b"Q"):
                continue
            try:
                handler(body)
            except M.ProtocolViolation:
                raise
            except Error as e:
                self._error(e)
            except (Terminate, Fatal, OSError):
                raise
            except Exception as e:  # noqa: BLE001 - report, keep serving
                log.exception("connection %s: internal error", self.pid)
                self._send_error("XX000", f"internal error: {type(e).__name__}: {e}")
            if kind == b"Q":
                self.skip_to_sync = False
                self._ready()

    def _error(self, e: Error) -> None:
        s = self.session
        if s is not None and s.in_transaction:
            s.aborted = True  # any error inside a transaction block aborts it (Parse's too)
        sqlstate = e.sqlstate
        message = e.message
        if sqlstate == "57014" and self.timed_out:
            message = "canceling statement due to statement timeout"
        self._send_error(sqlstate, message, position=e.position, hint=e.hint)

    def _send_error(self, sqlstate: str, message: str, **kw: Any) -> None:
        self.send(M.error_response(sqlstate, message, **kw))
        self.skip_to_sync = True

    # ============================================================ execution
    def _run(self, sql: str, params: list[Any]) -> Any:
        timeout = self._statement_timeout()
        self.timed_out = False
        self.running_since = time.monotonic()
        self.deadline = self.running_since + timeout if timeout else None
        try:
            return self.session.execute(sql, params)
        finally:
            self.running_since = None
            self.deadline = None

    def _statement_timeout(self) -> float:
        raw = str(self.session.settings.get("statement_timeout", "") or "").strip().lower()
        if raw:
            m = re.fullmatch(r"(\d+)\s*(ms|s|min)?", raw)
            if m:
                v = int(m.group(1))
                return v / {"ms": 1000, None: 1000, "s": 1, "min": 1 / 60}[m.group(2)]
        return self.server.config.statement_timeout

    def _after(self, result: Any) -> None:
        for n in result.notices:
            self.send(M.notice_response(n))
        if result.status.startswith("SET") or result.status.startswith("RESET"):
            for name, value in self._status_values().items():
                if self.reported.get(name) != value:
                    self.reported[name] = value
                    self.send(M.parameter_status(name, value))

    def _row_fields(self, result: Any, formats: list[int]) -> list[tuple[str, int, int, int, int]]:
        fields = []
        for i, (name, t) in enumerate(zip(result.names, result.types)):
            oid, size, typmod = type_oid(t)
            fields.append((name, oid, size, typmod, formats[i] if i < len(formats) else 0))
        return fields

    def _send_rows(self, result: Any, formats: list[int], start: int, stop: int) -> None:
        table: pa.Table = result.table
        types = result.types
        fmts = [formats[i] if i < len(formats) else 0 for i in range(len(types))]
        if not table.num_columns:
            for _ in range(start, stop):
                self.send(M.msg(b"D", b"\0\0"))
            return
        lo, step = start, 4096  # a small first chunk gets the client decoding sooner
        while lo < stop:
            hi = min(stop, lo + step)
            part = table.slice(lo, hi - lo)
            offs, isnull, data = encode_columns([part.column(i) for i in range(part.num_columns)], types, fmts)
            rows = data_rows(offs, isnull, data)
            self.send(memoryview(rows))
            if lo == start:
                self.flush()
            lo, step = hi, CHUNK_ROWS

    def _tag(self, result: Any, sent: int | None = None) -> str:
        status = result.status or "SELECT"
        if sent is not None and status.startswith("SELECT"):
            return f"SELECT {sent}"
        return status

    # ======================================================== simple query
    def _query(self, body: bytes) -> None:
        sql = M.Reader(body).cstr()
        self.skip_to_sync = False
        self.portals.pop("", None)
        statements = split_statements(sql)
        if not statements:
            self.send(M.EMPTY_QUERY)
            return
        for text in statements:
            if _COPY_STDIN.match(text):
                self._copy_in(text)
                continue
            if _COPY_STDOUT.match(text):
                self._copy_out(text)
                continue
            m = _SAVEPOINT.match(text)
            if m:
                try:
                    self.send(M.command_complete(self._savepoint(m.group("verb").lower(), m.group("name"))))
                except Error as e:
                    self._error(e)
                    self.skip_to_sync = False
                    return
                continue
            m = _DEALLOCATE.match(text)
            if m:  # protocol-level prepared statements (psycopg sends DEALLOCATE ALL)
                name = m.group("name")
                if name.lower() == "all":
                    self.statements.clear()
                    self.send(M.command_complete("DEALLOCATE ALL"))
                else:
                    self.statements.pop(name.strip('"') if name.startswith('"') else name.lower(), None)
                    self.send(M.command_complete("DEALLOCATE"))
                continue
            try:
                result = self._run(text, [])
            except Error as e:
                self._error(e)
                self.skip_to_sync = False
                return
            self._after(result)
            if result.status == "EMPTY":
                self.send(M.EMPTY_QUERY)
                continue
            if result.table is not None and result.names:
                self.send(M.row_description(self._row_fields(result, [])))
                self._send_rows(result, [], 0, result.table.num_rows)
            self.send(M.command_complete(self._tag(result)))
        self.skip_to_sync = False

    def _savepoint(self, verb: str, name: str) -> str:
        """Savepoints, for clients that use them around read-only probes (psycopg's
        ``conn.transaction()`` nested, SQLAlchemy): ROLLBACK TO works when nothing was
        written since the SAVEPOINT, which then only clears the aborted state."""
        s = self.session
        if not s.in_transaction:
            raise_error("25P01", f"{verb.split()[0].upper()} can only be used in transaction blocks")
        stack = getattr(self, "_savepoints", None)
        if stack is None:
            stack = self._savepoints = []
        if verb == "savepoint":
            stack.append((name, s.txn is not None))
            return "SAVEPOINT"
        names = [n for n, _ in stack]
        if name not in names:
            raise_error("3B001", f'savepoint "{name}" does not exist')
        i = len(names) - 1 - names[::-1].index(name)
        if verb.startswith("release"):
            del stack[i:]
            return "RELEASE"
        if s.txn is not None:
            raise_error("0A000", "ROLLBACK TO SAVEPOINT after writes is not supported; roll back the transaction")
        del stack[i + 1 :]
        s.aborted = False
        return "ROLLBACK"

    # ===================================================== extended query
    def _ast(self, sql: str) -> exp.Expression | None:
        if sql in self._ast_cache:
            return self._ast_cache[sql]
        from warehouse.sql.dialect import parse

        try:
            asts = parse(sql)
            ast = asts[0] if len(asts) == 1 else None
        except Exception:  # noqa: BLE001 - errors surface when the statement runs
            ast = None
        if len(self._ast_cache) > 1000:
            self._ast_cache.clear()
        self._ast_cache[sql] = ast
        return ast

    def _parse(self, body: bytes) -> None:
        r = M.Reader(body)
        name, sql = r.cstr(), r.cstr()
        oids = [r.int32() for _ in range(r.int16())]
        if name and name in self.statements:
            raise_error("42P05", f'prepared statement "{name}" already exists')
        if len(split_statements(sql)) > 1:
            raise_error("42601", "cannot insert multiple commands into a prepared statement")
        ast = self._ast(sql)
        declared = [sqltype_of_oid(o) for o in oids]
        types = infer(ast, self.session.catalog(), declared)
        out_oids = []
        for i, t in enumerate(types):
            if i < len(oids) and oids[i] not in (0, 705):
                out_oids.append(oids[i])
            else:
                out_oids.append(type_oid(t)[0] if t is not None else 25)
        stmt = Prepared(sql, ast, types, out_oids)
        if name and isinstance(ast, _QUERY_KINDS):
            # PostgreSQL analyses a statement at Parse, and one that fails analysis (no such
            # relation or column ...) is never created: clients such as redshift_connector
            # reuse the name after an error and would otherwise get 42P05
            self._statement_fields(stmt)
        self.statements[name] = stmt
        self.send(M.PARSE_COMPLETE)

    def _bind(self, body: bytes) -> None:
        r = M.Reader(body)
        portal, stmt_name = r.cstr(), r.cstr()
        pfmts = [r.int16() for _ in range(r.int16())]
        raw = []
        for _ in range(r.int16()):
            n = r.int32()
            raw.append(None if n == -1 else r.bytes_(n))
        rfmts = [r.int16() for _ in range(r.int16())]
        stmt = self.statements.get(stmt_name)
        if stmt is None:
            raise_error("26000", f'prepared statement "{stmt_name}" does not exist')
        if portal and portal in self.portals:
            raise_error("42P03", f'cursor "{portal}" already exists')
        need = max(len(stmt.param_oids), max_param(stmt.ast))
        if len(raw) != need:
            raise_error("08P01", f'bind message supplies {len(raw)} parameters, but prepared statement "{stmt_name}" requires {need}')
        values = []
        for i, v in enumerate(raw):
            fmt = pfmts[0] if len(pfmts) == 1 else (pfmts[i] if i < len(pfmts) else 0)
            oid = stmt.param_oids[i] if i < len(stmt.param_oids) else 25
            try:
                values.append(decode_param(v, oid, fmt))
            except (ValueError, UnicodeDecodeError, OverflowError) as e:
                raise_error("22P02", f"invalid input for parameter ${i + 1}: {e}")
        if len(rfmts) == 1:
            rfmts = rfmts * 4096
        self.portals[portal] = Portal(stmt, values, rfmts)
        self.send(M.BIND_COMPLETE)

    def _describe(self, body: bytes) -> None:
        r = M.Reader(body)
        kind, name = r.byte(), r.cstr()
        if kind == "S":
            stmt = self.statements.get(name)
            if stmt is None:
                raise_error("26000", f'prepared statement "{name}" does not exist')
            self.send(M.parameter_description(stmt.param_oids))
            fields = self._statement_fields(stmt)
            self.send(M.row_description(fields) if fields else M.NO_DATA)
            return
        portal = self.portals.get(name)
        if portal is None:
            raise_error("34000", f'portal "{name}" does not exist')
        self._run_portal(portal)
        portal.described = True
        res = portal.result
        if res.table is not None and res.names:
            self.send(M.row_description(self._row_fields(res, portal.formats)))
        else:
            self.send(M.NO_DATA)

    def _statement_fields(self, stmt: Prepared) -> list[tuple[str, int, int, int, int]]:
        ast = stmt.ast
        if isinstance(ast, _QUERY_KINDS):
            # bind the parameters as NULLs of their types: no placeholder value has to survive
            # the casts its context applies ('' as an integer ...)
            params = [TypedNull(t) for t in stmt.param_types]
            try:
                plan = self.session.plan_query(ast, stmt.sql, params)
            except Error:
                # a construct that wants a non-NULL constant: try values of the types
                try:
                    plan = self.session.plan_query(ast, stmt.sql, [_dummy(t) for t in stmt.param_types])
                except Error:
                    pass
                else:
                    return [(f.name, *type_oid(f.type), 0) for f in plan.fields]
                raise
            return [(f.name, *type_oid(f.type), 0) for f in plan.fields]
        text = stmt.sql.lstrip().lower()
        if text.startswith(("show", "fetch", "explain", "describe", "desc ")) and not stmt.param_oids:
            result = self._run(stmt.sql, [])  # no side effects: run it to learn the columns
            if result.table is not None and result.names:
                return self._row_fields(result, [])
        return []

    def _run_portal(self, portal: Portal) -> None:
        if portal.result is None:
            portal.result = self._run(portal.stmt.sql, portal.params)
            self._after(portal.result)

    def _execute(self, body: bytes) -> None:
        r = M.Reader(body)
        name, max_rows = r.cstr(), r.int32()
        portal = self.portals.get(name)
        if portal is None:
            raise_error("34000", f'portal "{name}" does not exist')
        if portal.done:
            self.send(M.command_complete(self._tag(portal.result, 0)))
            return
        self._run_portal(portal)
        res = portal.result
        if res.status == "EMPTY":
            self.send(M.EMPTY_QUERY)
            portal.done = True
            return
        if res.table is not None and res.names:
            total = res.table.num_rows
            stop = total if max_rows <= 0 else min(total, portal.pos + max_rows)
            self._send_rows(res, portal.formats, portal.pos, stop)
            sent = stop - portal.pos
            portal.pos = stop
            if stop < total:
                self.send(M.PORTAL_SUSPENDED)
                return
            portal.done = True
            self.send(M.command_complete(self._tag(res, sent)))
            return
        portal.done = True
        self.send(M.command_complete(self._tag(res)))

    def _close_msg(self, body: bytes) -> None:
        r = M.Reader(body)
        kind, name = r.byte(), r.cstr()
        (self.statements if kind == "S" else self.portals).pop(name, None)
        self.send(M.CLOSE_COMPLETE)

    def _sync(self, body: bytes) -> None:
        self.skip_to_sync = False
        self.portals.pop("", None)
        if not self.session.in_transaction:
            # portals do not outlive their transaction
            self.portals = {k: v for k, v in self.portals.items() if not v.done}
        self._ready()

    # ================================================================ COPY
    def _copy_in(self, text: str) -> None:
        from warehouse.server.copy import copy_in

        copy_in(self, text)

    def _copy_out(self, text: str) -> None:
        from warehouse.server.copy import copy_out

        copy_out(self, text)


def raise_error(sqlstate: str, message: str) -> None:
    from warehouse.errors import ProgrammingError

    raise ProgrammingError(message, sqlstate=sqlstate)


def _dummy(t: SqlType | None) -> Any:
    """A value of a parameter's type for binding a statement before its values are known."""
    import datetime as dt
    import decimal

    if t is None or t.is_string or t.is_null:
        return ""
    if t.is_integer:
        return 0
    if t.is_decimal:
        return decimal.Decimal(0)
    if t.is_float:
        return 0.0
    if t.kind.name == "BOOLEAN":
        return False
    if t.kind.name == "DATE":
        return dt.date(2000, 1, 1)
    return dt.datetime(2000, 1, 1)


__all__ = ["Connection", "split_statements"]
_ = (np, os)
