"""PEP 249 cursors.

A result stays an Arrow table; rows become Python objects only as they are fetched (in
chunks), so ``execute`` on a six-million-row query converts nothing.  Python values:

=====================  ====================================================
SQL type               Python value
=====================  ====================================================
SMALLINT/INTEGER/BIGINT int
DECIMAL(p,s)           decimal.Decimal (exact, from Arrow decimal128)
REAL/DOUBLE            float
BOOLEAN                bool
CHAR/VARCHAR           str
DATE                   datetime.date
TIMESTAMP              datetime.datetime (naive)
TIMESTAMPTZ            datetime.datetime (aware, UTC)
NULL                   None
=====================  ====================================================

``fetch_arrow_table`` returns the remaining rows as a pyarrow Table (zero-copy slice);
``fetchnumpy`` returns ``{column: numpy array}`` for the remaining rows: numeric, boolean,
date (``datetime64[D]``) and timestamp (``datetime64[us]``) columns are plain arrays, or
``numpy.ma.MaskedArray`` when they hold NULLs; text and DECIMAL columns are ``object`` arrays
(``str``/``Decimal``, None for NULL), so decimals stay exact.  ``fetchdf`` returns a pandas
DataFrame (decimals as ``Decimal`` objects, via Arrow).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from warehouse.errors import InterfaceError, ProgrammingError
from warehouse.sql.params import to_placeholders

if TYPE_CHECKING:
    from warehouse.dbapi.connection import Connection

__all__ = ["Cursor", "type_oid"]

_CHUNK = 1024  # rows converted to Python at a time

# PostgreSQL type OIDs by warehouse.types.Kind value (Kind.value strings, so that this
# module does not import numpy/pyarrow at import time).
_OIDS = {
    "smallint": 21,
    "integer": 23,
    "bigint": 20,
    "numeric": 1700,
    "real": 700,
    "double precision": 701,
    "boolean": 16,
    "character": 1042,
    "character varying": 1043,
    "date": 1082,
    "timestamp without time zone": 1114,
    "timestamp with time zone": 1184,
    "interval": 1186,
    "unknown": 705,
}
_SIZES = {"smallint": 2, "integer": 4, "bigint": 8, "real": 4, "double precision": 8,
          "boolean": 1, "date": 4, "timestamp without time zone": 8,
          "timestamp with time zone": 8, "interval": 16}  # fmt: skip


def type_oid(sql_type: Any) -> int:
    """The PostgreSQL type OID of a ``warehouse.types.SqlType`` (25 ``text`` if unknown)."""
    return _OIDS.get(sql_type.kind.value, 25)


def _describe(name: str, sql_type: Any) -> tuple:
    kind = sql_type.kind.value
    precision = scale = None
    internal = _SIZES.get(kind)
    if kind == "numeric":
        precision, scale = sql_type.precision, sql_type.scale
        internal = -1
    elif kind in ("character", "character varying"):
        internal = sql_type.length if sql_type.length is not None else -1
    return (name, type_oid(sql_type), None, internal, precision, scale, None)


class Cursor:
    """A cursor (PEP 249).  Iterating it yields the remaining rows as tuples."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._closed = False
        self.arraysize = 1
        self._reset()

    def _reset(self) -> None:
        self._table = None  # pa.Table of the current result, or None
        self._names: list[str] = []
        self._types: list[Any] = []
        self._description: list[tuple] | None = None
        self._rowcount = -1
        self._pos = 0  # next row of self._table not yet handed out
        self._buffer: list[tuple] = []  # converted rows starting at self._buffer_start
        self._buffer_start = 0
        self.statusmessage: str | None = None
        self.notices: list[str] = []

    # ----- attributes -------------------------------------------------------------------
    @property
    def connection(self) -> Connection:
        return self._connection

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def description(self) -> list[tuple] | None:
        """One 7-tuple per column (name, type_code, display_size, internal_size, precision,
        scale, null_ok); type_code is the PostgreSQL type OID.  None after a command."""
        if self._description is None and self._table is not None:
            self._description = [_describe(n, t) for n, t in zip(self._names, self._types, strict=True)]
        return self._description

    @property
    def rowcount(self) -> int:
        """Rows returned by the last query or affected by the last command; -1 if unknown."""
        return self._rowcount

    @property
    def rownumber(self) -> int | None:
        return None if self._table is None else self._pos

    def _check_open(self) -> None:
        if self._closed:
            msg = "cursor is closed"
            raise InterfaceError(msg)
        if self._connection.closed:
            msg = "connection is closed"
            raise InterfaceError(msg)

    # ----- execution --------------------------------------------------------------------
    def _take(self, result: Any) -> None:
        self._reset()
        self._table = result.table
        self._names = list(result.names)
        self._types = list(result.types)
        self._rowcount = result.rowcount
        self.statusmessage = result.status or None
        self.notices = list(result.notices)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Cursor:
        """Run ``sql`` with pyformat ``params`` (``%s`` / ``%(name)s``); returns the cursor."""
        self._check_open()
        if not isinstance(sql, str):
            msg = f"sql must be a string, not {type(sql).__name__}"
            raise ProgrammingError(msg)
        text, values = to_placeholders(sql, params)
        self._reset()
        result = self._connection._run(text, values)
        self._take(result)
        return self

    def executemany(self, sql: str, seq_of_params: Any) -> Cursor:
        """Run ``sql`` once per parameter set; rowcount is the total rows affected."""
        self._check_open()
        total = 0
        known = True
        last = None
        for params in seq_of_params:
            text, values = to_placeholders(sql, params)
            last = self._connection._run(text, values)
            if last.rowcount < 0:
                known = False
            else:
                total += last.rowcount
        self._reset()
        if last is not None:
            self._take(last)
            self._rowcount = total if known else -1
        return self

    def callproc(self, procname: str, parameters: Sequence[Any] = ()) -> Sequence[Any]:
        msg = "stored procedures are not supported"
        from warehouse.errors import NotSupportedError

        raise NotSupportedError(msg)

    def setinputsizes(self, sizes: Any) -> None:
        """No-op (PEP 249)."""

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        """No-op (PEP 249)."""

    def nextset(self) -> None:
        """Only one result set per execute: always None."""
        self._check_open()
        return None

    # ----- fetching ---------------------------------------------------------------------
    def _require_result(self) -> Any:
        self._check_open()
        if self._table is None:
            msg = "no results to fetch: the last statement returned no rows (or none was executed)"
            raise ProgrammingError(msg)
        return self._table

    def _rows(self, start: int, stop: int) -> list[tuple]:
        """Rows [start, stop) of the result as Python tuples."""
        table = self._table
        if stop <= start:
            return []
        part = table.slice(start, stop - start)
        columns = [col.to_pylist() for col in part.columns]
        if not columns:
            return [() for _ in range(stop - start)]
        return list(zip(*columns, strict=True))

    def _fetch(self, n: int) -> list[tuple]:
        table = self._require_result()
        stop = min(self._pos + n, table.num_rows)
        out: list[tuple] = []
        while self._pos < stop:
            buf_end = self._buffer_start + len(self._buffer)
            if not (self._buffer_start <= self._pos < buf_end):
                self._buffer_start = self._pos
                self._buffer = self._rows(self._pos, min(self._pos + max(_CHUNK, stop - self._pos), table.num_rows))
                buf_end = self._buffer_start + len(self._buffer)
            take = min(stop, buf_end) - self._pos
            lo = self._pos - self._buffer_start
            out.extend(self._buffer[lo : lo + take])
            self._pos += take
        return out

    def fetchone(self) -> tuple | None:
        rows = self._fetch(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        if size is None:
            size = self.arraysize
        return self._fetch(max(int(size), 0))

    def fetchall(self) -> list[tuple]:
        table = self._require_result()
        return self._fetch(table.num_rows - self._pos)

    def _remaining_table(self) -> Any:
        table = self._require_result()
        rest = table if self._pos == 0 else table.slice(self._pos)
        self._pos = table.num_rows
        self._buffer = []
        return rest

    def fetch_arrow_table(self) -> Any:
        """The remaining rows as a pyarrow Table (a zero-copy slice of the result)."""
        return self._remaining_table()

    to_arrow_table = fetch_arrow_table  # DuckDB 1.4+/2.0 name
    arrow = fetch_arrow_table  # DuckDB's older name

    def fetchnumpy(self) -> dict[str, Any]:
        """The remaining rows as ``{name: numpy array}`` (see the module docstring for NULLs)."""
        import numpy as np
        import pyarrow as pa

        table = self._remaining_table()
        out: dict[str, Any] = {}
        for name, col in zip(table.column_names, table.columns, strict=True):
            arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
            t = arr.type
            if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_decimal(t) or pa.types.is_null(t):
                values = np.empty(len(arr), dtype=object)
                values[:] = arr.to_pylist()
                out[name] = values
                continue
            if arr.null_count == 0:
                out[name] = arr.to_numpy(zero_copy_only=False)
                continue
            mask = arr.is_null().to_numpy(zero_copy_only=False)
            filled = arr.fill_null(pa.scalar(False if pa.types.is_boolean(t) else 0, type=t))
            out[name] = np.ma.MaskedArray(filled.to_numpy(zero_copy_only=False), mask=mask)
        return out

    def fetchdf(self) -> Any:
        """The remaining rows as a pandas DataFrame."""
        return self._remaining_table().to_pandas()

    df = fetchdf

    def __iter__(self) -> Iterator[tuple]:
        while True:
            rows = self._fetch(_CHUNK)
            if not rows:
                return
            yield from rows

    # ----- lifetime ---------------------------------------------------------------------
    def close(self) -> None:
        """Close the cursor (idempotent); later use raises InterfaceError."""
        self._closed = True
        self._table = None
        self._buffer = []

    def __enter__(self) -> Cursor:
        self._check_open()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<warehouse.Cursor {'closed' if self._closed else 'open'} rowcount={self._rowcount}>"
