"""The listener: accepts connections, gives each a thread, keeps the pid -> connection map
that CancelRequest and ``pg_terminate_backend`` use, enforces statement timeouts, and shuts
down gracefully (SIGTERM: stop accepting, let running statements finish for a grace period,
end idle sessions with 57P01, then cancel what is left).
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

from warehouse.server.connection import Connection

log = logging.getLogger("warehouse.server")

__all__ = ["Server", "ServerConfig"]


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 5439
    auth: str = "scram"  # "scram" | "md5" | "trust"
    tls_cert: str | None = None
    tls_key: str | None = None
    max_connections: int = 100
    statement_timeout: float = 0.0  # seconds; 0: none (SET statement_timeout overrides per session)
    idle_timeout: float = 0.0  # seconds; 0: none
    max_message_size: int = 64 << 20
    auth_failure_delay: float = 1.0
    database_name: str | None = None  # default: the directory name without ".wh"
    shutdown_grace: float = 10.0


class Server:
    def __init__(self, db: Any, config: ServerConfig | None = None, *, path: str | None = None) -> None:
        self.db = db
        self.config = config or ServerConfig()
        base = os.path.basename(os.path.normpath(path or getattr(db, "path", None) or "dev"))
        self.database_name = self.config.database_name or (base[:-3] if base.endswith(".wh") else base)
        self.ssl_context: ssl.SSLContext | None = None
        if self.config.tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.config.tls_cert, self.config.tls_key)
            self.ssl_context = ctx
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._conns: dict[int, Connection] = {}
        self._all: set[Connection] = set()
        self._pids = itertools.count(os.getpid() % 10_000 * 1000 + 1)
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self.port = self.config.port

    # ----- lifecycle ------------------------------------------------------------------------
    def start(self) -> int:
        """Bind and start accepting in background threads; returns the port."""
        family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.config.host, self.config.port))
        s.listen(256)
        s.settimeout(0.2)
        self._listener = s
        self.port = s.getsockname()[1]
        for target in (self._accept_loop, self._watchdog):
            t = threading.Thread(target=target, name=f"warehouse-{target.__name__}", daemon=True)
            t.start()
            self._threads.append(t)
        log.info("listening on %s:%s (database %s, auth %s)", self.config.host, self.port, self.database_name, self.config.auth)
        return self.port

    def wait(self) -> None:
        while not self.stopping.is_set():
            self.stopping.wait(0.5)

    def shutdown(self, grace: float | None = None) -> None:
        """Stop accepting; end sessions (idle ones at once, running ones after ``grace``)."""
        grace = self.config.shutdown_grace if grace is None else grace
        self.stopping.set()
        if self._listener is not None:
            try:
                self._listener.close()
            except OSError:
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with self._lock:
                left = len(self._all)
            if not left:
                break
            time.sleep(0.05)
        with self._lock:
            conns = list(self._all)
        for c in conns:  # still running past the grace period: cancel, then close
            if c.session is not None:
                c.session.cancel()
        time.sleep(0.2)
        for c in conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        log.info("server stopped")

    # ----- connections ----------------------------------------------------------------------
    def next_pid(self) -> int:
        return next(self._pids)

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, addr = self._listener.accept()  # type: ignore[union-attr]
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                if self.stopping.is_set():
                    return
                time.sleep(0.05)
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(self, sock, addr)
            with self._lock:
                self._all.add(conn)
            threading.Thread(target=conn.run, name=f"warehouse-conn-{conn.pid}", daemon=True).start()

    def register(self, conn: Connection) -> None:
        with self._lock:
            self._conns[conn.pid] = conn

    def unregister(self, conn: Connection) -> None:
        with self._lock:
            self._conns.pop(conn.pid, None)
            self._all.discard(conn)

    def at_capacity(self, conn: Connection) -> bool:
        with self._lock:
            return len(self._conns) >= self.config.max_connections and conn.pid not in self._conns

    def sessions(self) -> list[Connection]:
        with self._lock:
            return list(self._conns.values())

    def cancel(self, pid: int, secret: int) -> bool:
        """CancelRequest: cancel the running statement of session ``pid`` if the key matches."""
        with self._lock:
            conn = self._conns.get(pid)
        if conn is None or conn.secret != secret or conn.session is None:
            log.warning("cancel request for pid %s ignored (unknown pid or wrong key)", pid)
            return False
        if conn.running_since is not None:
            conn.session.cancel()
        return True

    # ----- statement timeouts ---------------------------------------------------------------
    def _watchdog(self) -> None:
        while not self.stopping.is_set():
            now = time.monotonic()
            for conn in self.sessions():
                dl = conn.deadline
                if dl is not None and now > dl and conn.running_since is not None:
                    conn.timed_out = True
                    conn.deadline = None
                    conn.session.cancel()
            time.sleep(0.02)
