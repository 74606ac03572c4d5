"""Redshift's ``stl_*`` history, kept per open database for every session that shares it.

Redshift's STL tables are cluster-wide logs that any session can query: ``stl_load_errors``
(rows COPY rejected), ``stl_load_commits`` (objects each COPY read) and ``stl_query`` (the
statements run, with user, start and end).  Here they live in memory with the ``Database``
object, so sessions of one process (the embedded API, the server) see each other's entries;
they are not persisted, as Redshift keeps only a few days of STL rows.  External-table scans
add ``svl_s3query_summary`` (files, bytes, rows, row groups read of an external table) and
``svl_s3partition`` (partitions qualified of the table's total) rows.  Each log keeps its
newest ``MAX_ROWS`` rows.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from typing import Any

import pyarrow as pa

__all__ = ["SystemLog", "system_log", "LOG_SCHEMAS"]

MAX_ROWS = 100_000

LOG_SCHEMAS: dict[str, pa.Schema] = {
    "stl_load_errors": pa.schema([
        ("userid", pa.int32()), ("slice", pa.int32()), ("tbl", pa.int32()),
        ("starttime", pa.timestamp("us")), ("session", pa.int32()), ("query", pa.int32()),
        ("filename", pa.string()), ("line_number", pa.int64()), ("colname", pa.string()),
        ("type", pa.string()), ("col_length", pa.string()), ("position", pa.int32()),
        ("raw_line", pa.string()), ("raw_field_value", pa.string()), ("err_code", pa.int32()),
        ("err_reason", pa.string()), ("is_partial", pa.int32()), ("start_offset", pa.int64()),
    ]),
    "stl_load_commits": pa.schema([
        ("userid", pa.int32()), ("query", pa.int32()), ("slice", pa.int32()), ("name", pa.string()),
        ("filename", pa.string()), ("byte_offset", pa.int32()), ("lines_scanned", pa.int32()),
        ("errors", pa.int32()), ("curtime", pa.timestamp("us")), ("status", pa.int32()),
        ("file_format", pa.string()),
    ]),
    "stl_query": pa.schema([
        ("userid", pa.int32()), ("query", pa.int32()), ("label", pa.string()), ("xid", pa.int64()),
        ("pid", pa.int32()), ("database", pa.string()), ("querytxt", pa.string()),
        ("starttime", pa.timestamp("us")), ("endtime", pa.timestamp("us")), ("aborted", pa.int32()),
        ("insert_pristine", pa.int32()), ("concurrency_scaling_status", pa.int32()),
        ("username", pa.string()),
    ]),
    # Redshift Spectrum's per-query scan summaries: one row per external table scanned
    "svl_s3query_summary": pa.schema([
        ("userid", pa.int32()), ("query", pa.int32()), ("segment", pa.int32()), ("step", pa.int32()),
        ("starttime", pa.timestamp("us")), ("endtime", pa.timestamp("us")), ("elapsed", pa.int64()),
        ("aborted", pa.int32()), ("external_table_name", pa.string()), ("file_format", pa.string()),
        ("is_partitioned", pa.string()), ("is_rrscan", pa.string()), ("s3_scanned_rows", pa.int64()),
        ("s3_scanned_bytes", pa.int64()), ("s3query_returned_rows", pa.int64()), ("files", pa.int64()),
        ("splits", pa.int64()), ("total_splits", pa.int64()),
    ]),
    "svl_s3partition": pa.schema([
        ("query", pa.int32()), ("segment", pa.int32()), ("node", pa.int32()), ("slice", pa.int32()),
        ("starttime", pa.timestamp("us")), ("endtime", pa.timestamp("us")), ("total_partitions", pa.int32()),
        ("qualified_partitions", pa.int32()), ("assigned_partitions", pa.int32()), ("assignment", pa.string()),
    ]),
}


class SystemLog:
    """Append-only, bounded, thread-safe rows for each ``stl_*`` table."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, deque[dict[str, Any]]] = {n: deque(maxlen=MAX_ROWS) for n in LOG_SCHEMAS}
        self._next_query = 0

    def next_query_id(self) -> int:
        """A query id unique across this database's sessions (``stl_*.query``)."""
        with self._lock:
            self._next_query += 1
            return self._next_query

    def append(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Add rows (dicts keyed by column name; missing columns are NULL)."""
        with self._lock:
            self._rows[table].extend(rows)

    def table(self, name: str) -> pa.Table:
        """The rows of one log as Arrow, oldest first."""
        schema = LOG_SCHEMAS[name]
        with self._lock:
            rows = list(self._rows[name])
        return pa.Table.from_pylist(rows, schema=schema)


_LOGS: weakref.WeakKeyDictionary[Any, SystemLog] = weakref.WeakKeyDictionary()
_LOGS_LOCK = threading.Lock()


def system_log(db: Any) -> SystemLog:
    """The log of an open database (made on first use)."""
    with _LOGS_LOCK:
        log = _LOGS.get(db)
        if log is None:
            log = _LOGS[db] = SystemLog()
        return log
