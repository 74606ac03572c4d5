"""COPY table FROM object stores and local files, with Redshift's load semantics.

A COPY is one transaction: the loaders (``loaders/``) stream the objects as converted chunks
while this module appends them to the table in batches of ``FLUSH_ROWS`` (tables without a
SORTKEY; the append overlaps parsing) or in one sorted run (``SORTED_RUN_BYTES``) inside one write
transaction, so all accepted rows appear at once or none do.  Rows the loaders reject are
recorded in ``stl_load_errors``; within ``MAXERROR`` the load goes on without them, past it
the COPY fails, changes nothing, and its message names the first failure.  Options the engine
does not implement are errors naming them, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from loaders.objectstore import Credentials, SourceObject, list_objects, read_bytes, stat_object
from loaders.rejects import LoadError, RejectedRow
from loaders.spec import LoadSpec
from warehouse.catalog.system_log import system_log
from warehouse.errors import DataError, NotSupportedError, OperationalError, ProgrammingError
from warehouse.progress import ProgressReporter
from warehouse.result import Result
from warehouse.sql.copy import CopyCommand, parse_copy
from warehouse.sql.dialect import copy_unescape
from warehouse.statements.sorted_copy import SortedCopy
from warehouse.vector import Scalar, Vector, concat_vectors, vector_from_arrow

if TYPE_CHECKING:
    from warehouse.session import Session

# options with an effect here, and those Redshift accepts that change nothing locally
APPLIED = {
    "FORMAT", "CSV", "PARQUET", "ORC", "JSON", "FIXEDWIDTH", "DELIMITER", "QUOTE", "IGNOREHEADER", "NULL",
    "GZIP", "BZIP2", "LZOP", "ZSTD", "LZ4", "MAXERROR", "MANIFEST", "EMPTYASNULL", "BLANKSASNULL",
    "FILLRECORD", "TRUNCATECOLUMNS", "ACCEPTINVCHARS", "REMOVEQUOTES", "ESCAPE", "DATEFORMAT",
    "TIMEFORMAT", "ROUNDEC", "TRIMBLANKS", "IGNOREBLANKLINES", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY",
    "SESSION_TOKEN", "CREDENTIALS", "IAM_ROLE", "REGION", "ENCODING", "NOLOAD", "IGNOREALLERRORS",
    "ACCEPTANYDATE",
}
NO_EFFECT = {"COMPUPDATE", "STATUPDATE", "COMPROWS", "READRATIO"}
FLUSH_ROWS = 1 << 20  # rows buffered before they are appended (each append sorts its rows)
FLUSH_BYTES = 160 << 20
# A table with a character SORTKEY builds its sorted run in memory (up to this many Arrow
# bytes per run); other SORTKEY tables sort across batches with bounded memory (SortedCopy).
SORTED_RUN_BYTES = 1536 << 20
MAX_LOGGED_ERRORS = 10_000  # rejected rows kept in stl_load_errors per COPY


def copy_from(session: "Session", ast: Any) -> Result:
    from warehouse.exec.memory import fresh_allocations

    with fresh_allocations():
        return _copy(session, ast)


def _copy(session: "Session", ast: Any) -> Result:
    cmd = parse_copy(ast)
    notices: list[str] = []
    _check_options(cmd)
    creds = _credentials(cmd, notices)
    schema = cmd.table[0] or "public"
    txn = session.writer()
    table = txn.current().get_table(schema, cmd.table[1])
    if table is None:
        msg = f'relation "{cmd.table[1]}" does not exist'
        raise ProgrammingError(msg, sqlstate="42P01")
    session.check_privilege(schema, cmd.table[1], "INSERT")
    d = table.definition
    columns = list(cmd.columns) or list(d.column_names)
    for c in columns:
        if c not in d.column_names:
            msg = f'column "{c}" of relation "{d.name}" does not exist'
            raise ProgrammingError(msg, sqlstate="42703")
    spec = _spec(cmd, d, columns)
    query_id = session.last_query_id
    log = system_log(session.db)
    started = time.perf_counter()
    start_ts = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    try:
        objects = _objects(cmd, creds)
    except LoadError as e:
        raise DataError(f"COPY failed: {e}", sqlstate="58030") from None
    reporter = ProgressReporter(session.progress, "copy", total_bytes=sum(o.size for o in objects) or None)
    max_error = 100_000 if cmd.flag("IGNOREALLERRORS") else cmd.max_error
    rejected: list[RejectedRow] = []
    per_file: dict[str, list[int]] = {}
    buffered: list[pa.Table] = []
    buffered_rows = 0
    buffered_bytes = 0
    loaded = 0
    # storage work (distribute, sort, encode, write) runs on its own thread while the next
    # batch is parsed; one append in flight at a time keeps memory bounded and the order
    # of appends to the transaction serial
    appender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-append")
    in_flight: list[Future[int]] = []
    # a SORTKEY table gets one sorted run per COPY: batches spill while parsing goes on and
    # are sorted and written column by column at the end (statements/sorted_copy.py)
    sorted_copy = SortedCopy(txn, schema, d, columns, _convert) if SortedCopy.supports(d) and not cmd.flag("NOLOAD") else None

    def add_sorted(arrow: pa.Table) -> int:
        sorted_copy.add(arrow)  # type: ignore[union-attr]
        return 0

    def wait_appends() -> None:
        nonlocal loaded
        while in_flight:
            loaded += in_flight.pop(0).result()

    def flush() -> None:
        nonlocal buffered, buffered_rows, buffered_bytes
        if not buffered:
            return
        arrow = pa.concat_tables(buffered)
        buffered, buffered_rows, buffered_bytes = [], 0, 0
        if not cmd.flag("NOLOAD"):
            wait_appends()
            if sorted_copy is not None:
                in_flight.append(appender.submit(add_sorted, arrow))
            else:
                in_flight.append(appender.submit(_append, txn, schema, d, columns, arrow))

    from loaders.pipeline import load_chunks

    chunks = load_chunks(objects, spec, creds)
    try:
        for chunk in chunks:
            if session.cancel_event.is_set():
                from warehouse.errors import QueryCanceled

                raise QueryCanceled("canceling statement due to user request")
            counts = per_file.setdefault(chunk.filename, [0, 0])
            counts[0] += chunk.lines
            counts[1] += len(chunk.rejects)
            if chunk.rejects:
                rejected.extend(chunk.rejects)
                if len(rejected) > max_error:
                    break
            if chunk.table.num_rows:
                buffered.append(chunk.table)
                buffered_rows += chunk.table.num_rows
                buffered_bytes += chunk.table.nbytes
                if _batch_full(bool(d.sortkey) and sorted_copy is None, buffered_rows, buffered_bytes):
                    flush()
            reporter.add(chunk.table.num_rows, chunk.nbytes, chunk.filename)
        if len(rejected) <= max_error:
            flush()
        wait_appends()
        if sorted_copy is not None and len(rejected) <= max_error:
            loaded += sorted_copy.finish()
    except LoadError as e:
        _log_errors(log, session, query_id, d, rejected, start_ts, table_id=_table_id(table))
        raise DataError(f"COPY failed: {e}", sqlstate="22P04") from None
    finally:
        chunks.close()
        for f in in_flight:  # an error or cancel: let a running append finish before rollback
            f.exception()
        appender.shutdown(wait=True)
        if sorted_copy is not None:
            sorted_copy.close()
        reporter.finish()
    _log_errors(log, session, query_id, d, rejected, start_ts, table_id=_table_id(table))
    if len(rejected) > max_error:
        first = rejected[0]
        where = f"{first.filename}, line {first.line_number}" + (f", column {first.colname}" if first.colname else "")
        value = f" (value {first.raw_value!r})" if first.raw_value is not None else ""
        msg = (
            f"Load into table '{d.name}' failed. Check 'stl_load_errors' system table for details. "
            f"{len(rejected)} error(s) exceed MAXERROR {cmd.max_error}; first: {first.reason}{value} at {where}"
        )
        raise DataError(msg, sqlstate="XX000")
    _log_commits(log, session, query_id, per_file, spec.format)
    session.last_copy_count = loaded
    session.last_copy_id = query_id
    elapsed = time.perf_counter() - started
    notices.append(f"Load into table '{d.name}' completed, {loaded} record(s) loaded successfully ({elapsed:.2f} s).")
    if rejected:
        notices.append(f"Load into table '{d.name}' completed, {len(rejected)} record(s) could not be loaded.  Check 'stl_load_errors' system table for details.")
    return Result(status=f"COPY {loaded}", rowcount=loaded, notices=notices)


def _batch_full(in_memory_run: bool, rows: int, nbytes: int) -> bool:
    """Whether the buffered rows make a batch: batches of ``FLUSH_ROWS``/``FLUSH_BYTES``, or
    for a SORTKEY table that ``SortedCopy`` cannot order (a character sort key), one run built
    in memory of up to ``SORTED_RUN_BYTES``."""
    if in_memory_run:
        return nbytes >= SORTED_RUN_BYTES
    return rows >= FLUSH_ROWS or nbytes >= FLUSH_BYTES


# ----- options ----------------------------------------------------------------------------
def _check_options(cmd: CopyCommand) -> None:
    for name in cmd.options:
        if name not in APPLIED and name not in NO_EFFECT:
            msg = f"COPY option {name} is not supported"
            raise NotSupportedError(msg)
    if cmd.format in ("AVRO", "SHAPEFILE"):
        msg = f"COPY FORMAT {cmd.format} is not supported (supported: delimited text, CSV, FIXEDWIDTH, JSON, PARQUET, ORC)"
        raise NotSupportedError(msg)
    enc = cmd.options.get("ENCODING")
    if isinstance(enc, str) and enc.upper().replace("-", "") not in ("UTF8",):
        msg = f"COPY ENCODING {enc} is not supported (only UTF8)"
        raise NotSupportedError(msg)
    if cmd.format == "JSON" and cmd.options.get("IGNOREHEADER"):
        msg = "COPY option IGNOREHEADER cannot be used with FORMAT JSON"
        raise ProgrammingError(msg, sqlstate="42601")


def _credentials(cmd: CopyCommand, notices: list[str]) -> Credentials:
    """The statement's credentials (the AWS environment fills what it leaves out)."""
    o = cmd.options
    access = o.get("ACCESS_KEY_ID")
    secret = o.get("SECRET_ACCESS_KEY")
    token = o.get("SESSION_TOKEN")
    if isinstance(o.get("CREDENTIALS"), str):
        parts = dict(p.split("=", 1) for p in str(o["CREDENTIALS"]).split(";") if "=" in p)
        parts = {k.strip().lower(): v.strip() for k, v in parts.items()}
        if "aws_iam_role" in parts:
            notices.append("IAM roles do not apply to a local engine; using the AWS environment's credentials instead.")
        access = parts.get("aws_access_key_id", access)
        secret = parts.get("aws_secret_access_key", secret)
        token = parts.get("token", parts.get("aws_session_token", token))
        if not parts:
            msg = "CREDENTIALS must be 'aws_access_key_id=...;aws_secret_access_key=...' or 'aws_iam_role=...'"
            raise ProgrammingError(msg, sqlstate="42601")
    if "IAM_ROLE" in o:
        notices.append("IAM roles do not apply to a local engine; using the AWS environment's credentials instead.")
    if (access is None) != (secret is None):
        msg = "ACCESS_KEY_ID and SECRET_ACCESS_KEY must be given together"
        raise ProgrammingError(msg, sqlstate="42601")
    region = o.get("REGION")
    return Credentials(
        access_key=str(access) if access is not None else None,
        secret_key=str(secret) if secret is not None else None,
        session_token=str(token) if token is not None else None,
        region=str(region) if isinstance(region, str) else None,
    )


def _text_option(cmd: CopyCommand, name: str) -> str | None:
    v = cmd.options.get(name)
    return copy_unescape(v) if isinstance(v, str) else None


def _spec(cmd: CopyCommand, d: Any, columns: list[str]) -> LoadSpec:
    defs = [d.column(c) for c in columns]
    accept = cmd.options.get("ACCEPTINVCHARS")
    date_format = cmd.options.get("DATEFORMAT")
    time_format = cmd.options.get("TIMEFORMAT")
    return LoadSpec(
        names=tuple(columns),
        types=tuple(c.type.arrow_type for c in defs),
        lengths=tuple(c.type.length if c.type.is_string else None for c in defs),
        type_names=tuple(str(c.type) for c in defs),
        not_null=tuple(not c.nullable for c in defs),
        format=cmd.format,
        format_arg=cmd.format_arg,
        delimiter=copy_unescape(cmd.delimiter) if cmd.delimiter else "|",
        quote=cmd.quote or '"',
        null_as=copy_unescape(cmd.null_as) if cmd.null_as is not None else "\\N",
        ignore_header=cmd.ignore_header,
        compression=cmd.compression,
        escape=cmd.flag("ESCAPE"),
        remove_quotes=cmd.flag("REMOVEQUOTES"),
        empty_as_null=cmd.flag("EMPTYASNULL"),
        blanks_as_null=cmd.flag("BLANKSASNULL"),
        fill_record=cmd.flag("FILLRECORD"),
        truncate_columns=cmd.flag("TRUNCATECOLUMNS"),
        accept_inv_chars=(copy_unescape(accept)[:1] if isinstance(accept, str) else "?") if accept else None,
        date_format=date_format if isinstance(date_format, str) else ("auto" if date_format else None),
        time_format=time_format if isinstance(time_format, str) else ("auto" if time_format else None),
        round_dec=cmd.flag("ROUNDEC"),
        trim_blanks=cmd.flag("TRIMBLANKS"),
        options=dict(cmd.options),
    )


def _objects(cmd: CopyCommand, creds: Credentials) -> list[SourceObject]:
    """The objects to read: the source prefix, or the URLs a MANIFEST lists."""
    if not cmd.flag("MANIFEST"):
        return list_objects(cmd.source, creds)
    try:
        manifest = json.loads(read_bytes(cmd.source, creds))
        entries = manifest["entries"]
    except (ValueError, KeyError, TypeError) as e:
        msg = f"invalid manifest (expected {{\"entries\": [{{\"url\": ..., \"mandatory\": ...}}]}}): {e}"
        raise LoadError(msg, filename=cmd.source) from None
    out = []
    for entry in entries:
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(url, str):
            msg = f"manifest entry without a url: {entry!r}"
            raise LoadError(msg, filename=cmd.source)
        obj = stat_object(url, creds)
        if obj is None:
            if entry.get("mandatory", False):
                msg = f"mandatory object in the manifest does not exist: {url}"
                raise LoadError(msg, filename=cmd.source)
            continue
        out.append(obj)
    if not out:
        msg = "the manifest lists no object that exists"
        raise LoadError(msg, filename=cmd.source)
    return out


# ----- landing rows -----------------------------------------------------------------------
def _append(txn: Any, schema: str, d: Any, columns: list[str], arrow: pa.Table) -> int:
    """Append one batch of loaded rows (columns the COPY does not name get NULL/default)."""
    from warehouse.exec.executor import run_parallel

    n = arrow.num_rows

    def convert(c: Any) -> Vector:
        if c.name in columns:
            return _convert(arrow.column(columns.index(c.name)), c)
        return Scalar(c.type, None).broadcast(n)

    # columns convert independently; pyarrow and numpy release the GIL, so both cores work
    vectors: list[Vector] = run_parallel([(lambda c=c: convert(c)) for c in d.columns])
    return txn.append(schema, d.name, vectors) if n else 0


def _convert(col: pa.ChunkedArray, c: Any) -> Vector:
    """One loaded column as a vector of the column's type (cast by Arrow when needed)."""
    t = c.type
    target = t.arrow_type
    arr = col
    if t.is_string:
        return _strings(arr, t)
    if arr.type != target:
        try:
            arr = arr.cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            msg = f'COPY: column "{c.name}" cannot be loaded as {t}: {e}'
            raise DataError(msg, sqlstate="22P02") from None
    chunks = [vector_from_arrow(ch, t) for ch in arr.chunks] if isinstance(arr, pa.ChunkedArray) else [vector_from_arrow(arr, t)]
    if not chunks:
        return vector_from_arrow(pa.array([], target), t)
    return concat_vectors(chunks)


SAMPLE = 20_000
MOSTLY_UNIQUE = 0.5


def _strings(col: pa.ChunkedArray, t: Any) -> Vector:
    """A loaded string column as a vector.

    Hashing every value into one dictionary only pays when values repeat.  For a column
    whose sample is mostly distinct (comments, names, addresses) the vector gets an
    identity dictionary (code i -> row i); storage builds the per-block dictionaries and
    the first read after the load gives the column its dictionary of distinct values.
    """
    import pyarrow.compute as pc

    n = len(col)
    if n >= 4 * SAMPLE:
        step = n // SAMPLE
        sample = col.take(pa.array(np.arange(0, n, step, dtype=np.int64)))
        distinct = len(pc.unique(sample))
        if distinct > MOSTLY_UNIQUE * len(sample):
            arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
            if not pa.types.is_string(arr.type):
                arr = arr.cast(pa.string())
            valid = None if arr.null_count == 0 else arr.is_valid().to_numpy(zero_copy_only=False)
            dictionary = pc.fill_null(arr, "") if valid is not None else arr
            return Vector(t, np.arange(n, dtype=np.int32), valid, dictionary)
    return vector_from_arrow(col, t)


# ----- system log -------------------------------------------------------------------------
def _table_id(table: Any) -> int | None:
    return getattr(getattr(table, "state", None), "table_id", None)


def _log_errors(log: Any, session: "Session", query_id: int, d: Any, rejected: list[RejectedRow], start: dt.datetime, table_id: int | None) -> None:
    if not rejected:
        return
    rows = []
    for r in rejected[:MAX_LOGGED_ERRORS]:
        col = d.column(r.colname) if r.colname and r.colname in d.column_names else None
        rows.append({
            "userid": 100, "slice": 0, "tbl": table_id, "starttime": start, "session": id(session) % 2**31,
            "query": query_id, "filename": r.filename, "line_number": r.line_number, "colname": r.colname,
            "type": str(col.type).split("(")[0].lower() if col is not None else None,
            "col_length": str(col.type.length) if col is not None and col.type.is_string else None,
            "position": r.position, "raw_line": r.raw_line, "raw_field_value": r.raw_value,
            "err_code": r.err_code, "err_reason": r.reason, "is_partial": 0, "start_offset": 0,
        })
    log.append("stl_load_errors", rows)


def _log_commits(log: Any, session: "Session", query_id: int, per_file: dict[str, list[int]], fmt: str) -> None:
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    log.append("stl_load_commits", [
        {"userid": 100, "query": query_id, "slice": 0, "name": "", "filename": name, "byte_offset": 0,
         "lines_scanned": lines, "errors": errors, "curtime": now, "status": 1, "file_format": fmt.title()}
        for name, (lines, errors) in per_file.items()
    ])


__all__ = ["copy_from", "OperationalError"]
