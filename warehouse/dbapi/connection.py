"""PEP 249 connections.

A connection owns one engine ``Session`` on a ``Database``.  Connections opened on the same
directory in one process share one ``Database`` object (reference counted, closed with the
last connection), so two connections see each other's commits with snapshot isolation;
``":memory:"`` always opens a new, private database.

Transactions:

- ``autocommit=True`` (the default): every statement commits on its own unless the user ran
  ``BEGIN``; ``commit()``/``rollback()`` end such an explicit transaction (and are no-ops
  otherwise).
- ``autocommit=False``: a transaction is opened implicitly before the first statement (as
  psycopg does) and lasts until ``commit()`` or ``rollback()``.  Closing the connection
  without committing rolls the transaction back (PEP 249).

As a context manager (``with warehouse.connect(path) as con:``) the connection commits when
the block succeeds, rolls back when it raises, and is then closed (as psycopg 3 and DuckDB
close it; unlike sqlite3, which leaves the connection open).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from warehouse.errors import InterfaceError, ProgrammingError

if TYPE_CHECKING:
    from warehouse.dbapi.cursor import Cursor

__all__ = ["Connection", "connect"]

# ----- one Database per directory per process ---------------------------------------------
_registry_lock = threading.Lock()
_registry: dict[str, list] = {}  # realpath -> [Database, refcount]


def _acquire_database(path: str, nodes: int | None, slices_per_node: int | None) -> tuple[Any, str | None]:
    from warehouse.storage.database import Database

    if path == ":memory:":
        return Database.open(path, nodes=nodes, slices_per_node=slices_per_node), None
    key = os.path.realpath(os.path.expanduser(path))
    with _registry_lock:
        entry = _registry.get(key)
        if entry is None:
            db = Database.open(path, nodes=nodes, slices_per_node=slices_per_node)
            _registry[key] = [db, 1]
            return db, key
        entry[1] += 1
        return entry[0], key


def _release_database(db: Any, key: str | None) -> None:
    if key is None:
        db.close()
        return
    with _registry_lock:
        entry = _registry.get(key)
        if entry is None or entry[0] is not db:
            db.close()
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _registry[key]
            db.close()


# Statements that manage the transaction themselves: no implicit BEGIN before them.
_TXN_CONTROL = re.compile(
    r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b",
    re.IGNORECASE | re.DOTALL,
)


class Connection:
    """A connection to one database (PEP 249)."""

    # PEP 249 optional extension: exceptions as connection attributes.
    from warehouse.errors import (  # noqa: E402
        DatabaseError,
        DataError,
        Error,
        IntegrityError,
        InterfaceError,
        InternalError,
        NotSupportedError,
        OperationalError,
        ProgrammingError,
        Warning,
    )

    def __init__(self, session: Any, database: Any, *, autocommit: bool = True, _key: str | None = None) -> None:
        self._session = session
        self._database = database
        self._key = _key
        self._autocommit = bool(autocommit)
        self._closed = False

    # ----- state ------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            msg = "connection is closed"
            raise InterfaceError(msg)

    @property
    def session(self) -> Any:
        """The engine session behind this connection."""
        self._check_open()
        return self._session

    @property
    def autocommit(self) -> bool:
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        self._check_open()
        value = bool(value)
        if value != self._autocommit and self._session.in_transaction and not self._autocommit:
            msg = "cannot change autocommit while a transaction is open: commit() or rollback() first"
            raise ProgrammingError(msg)
        self._autocommit = value

    @property
    def in_transaction(self) -> bool:
        self._check_open()
        return bool(self._session.in_transaction)

    # ----- statements -------------------------------------------------------------------
    def _run(self, sql: str, values: list | None) -> Any:
        """Execute ``$k``-style SQL on the session (opening the implicit transaction)."""
        self._check_open()
        session = self._session
        if not self._autocommit and not session.in_transaction and not _TXN_CONTROL.match(sql):
            session.execute("BEGIN")
        return session.execute(sql, values or None)

    def cursor(self) -> Cursor:
        from warehouse.dbapi.cursor import Cursor

        self._check_open()
        return Cursor(self)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Cursor:
        """Shortcut: a new cursor that has executed ``sql``."""
        cur = self.cursor()
        cur.execute(sql, params)
        return cur

    def executemany(self, sql: str, seq_of_params: Any) -> Cursor:
        cur = self.cursor()
        cur.executemany(sql, seq_of_params)
        return cur

    def commit(self) -> None:
        self._check_open()
        self._session.commit()

    def rollback(self) -> None:
        self._check_open()
        self._session.rollback()

    def close(self) -> None:
        """Close the connection; an uncommitted transaction is rolled back.  Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._session.in_transaction:
                self._session.rollback()
        finally:
            try:
                self._session.close()
            finally:
                _release_database(self._database, self._key)

    # ----- context manager --------------------------------------------------------------
    def __enter__(self) -> Connection:
        self._check_open()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._closed:
            return
        try:
            if exc_type is None:
                self.commit()
            else:
                self.rollback()
        finally:
            self.close()

    def __del__(self) -> None:  # best effort: release the database directory
        if not getattr(self, "_closed", True):
            try:
                self.close()
            except Exception:  # noqa: BLE001, S110 - nothing to do in a finaliser
                pass

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<warehouse.Connection {state} autocommit={self._autocommit}>"


def connect(
    path: str = ":memory:",
    *,
    nodes: int | None = None,
    slices_per_node: int | None = None,
    autocommit: bool = True,
) -> Connection:
    """Open a connection to the database directory ``path`` (created if missing).

    ``":memory:"`` keeps everything in RAM.  ``nodes`` and ``slices_per_node`` set the
    simulated cluster shape of a new database (an existing one keeps its own; a directory
    already open in this process is shared as it is).
    """
    if not isinstance(path, (str, os.PathLike)):
        msg = f"path must be a string, not {type(path).__name__}"
        raise InterfaceError(msg)
    path = os.fspath(path)
    from warehouse.session import Session

    database, key = _acquire_database(path, nodes, slices_per_node)
    try:
        session = Session(database)
    except BaseException:
        _release_database(database, key)
        raise
    return Connection(session, database, autocommit=autocommit, _key=key)
