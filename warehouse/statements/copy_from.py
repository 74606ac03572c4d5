"""COPY table FROM local files: Parquet and delimited text, loaded in one transaction.

The loaders (``loaders/``) turn files into Arrow; here the Arrow columns become vectors of
the table's column types and are appended in one write, so a COPY is all or nothing.
S3 sources and the rest of Redshift's options come with the COPY/UNLOAD issue: an option
this engine does not apply yet is an error naming it, never silently ignored.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from loaders.rejects import LoadError
from warehouse.errors import DataError, NotSupportedError, ProgrammingError
from warehouse.result import Result
from warehouse.sql.copy import parse_copy
from warehouse.vector import Vector, concat_vectors, vector_from_arrow

if TYPE_CHECKING:
    from warehouse.session import Session

# options that are accepted and have no effect on a local load (as on Redshift)
ACCEPTED = {"COMPUPDATE", "STATUPDATE", "REGION", "IAM_ROLE", "CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "FORMAT", "DELIMITER", "CSV", "QUOTE", "IGNOREHEADER", "NULL", "GZIP", "BZIP2", "ZSTD", "LZ4", "PARQUET", "MAXERROR"}


def copy_from(session: "Session", ast: Any) -> Result:
    from warehouse.exec.memory import fresh_allocations

    with fresh_allocations():
        return _copy(session, ast)


def _copy(session: "Session", ast: Any) -> Result:
    cmd = parse_copy(ast)
    unsupported = sorted(k for k in cmd.options if k not in ACCEPTED and not k.startswith("FORMAT"))
    if cmd.max_error:
        unsupported.insert(0, "MAXERROR (rejected-row tolerance)")
    if unsupported:
        msg = f"COPY option {unsupported[0]} is not supported yet"
        raise NotSupportedError(msg)
    schema = cmd.table[0] or "public"
    txn = session.writer()
    table = txn.current().get_table(schema, cmd.table[1])
    if table is None:
        msg = f'relation "{cmd.table[1]}" does not exist'
        raise ProgrammingError(msg, sqlstate="42P01")
    d = table.definition
    columns = list(cmd.columns) or d.column_names
    for c in columns:
        if c not in d.column_names:
            msg = f'column "{c}" of relation "{d.name}" does not exist'
            raise ProgrammingError(msg, sqlstate="42703")
    started = time.perf_counter()
    try:
        from loaders.sources import resolve

        paths = resolve(cmd.source)
        tables = list(_read(cmd, paths, d, columns))
    except LoadError as e:
        raise DataError(f"COPY failed: {e}", sqlstate="22P04") from None
    arrow = pa.concat_tables(tables) if tables else None
    n = arrow.num_rows if arrow is not None else 0

    def convert(c: Any) -> Vector:
        if c.name in columns and arrow is not None:
            return _convert(arrow.column(columns.index(c.name)), c)
        from warehouse.vector import Scalar

        return Scalar(c.type, None).broadcast(n)

    # columns convert independently; pyarrow and numpy release the GIL, so both cores work
    from warehouse.exec.executor import run_parallel

    vectors: list[Vector] = run_parallel([(lambda c=c: convert(c)) for c in d.columns])
    rows = txn.append(schema, d.name, vectors) if n else 0
    session.last_copy_count = rows
    session.last_copy_id = session.last_query_id
    elapsed = time.perf_counter() - started
    return Result(status=f"COPY {rows}", rowcount=rows, notices=[f"Load into table '{d.name}' completed, {rows} record(s) loaded successfully ({elapsed:.2f} s)."])


def _read(cmd: Any, paths: list[str], d: Any, columns: list[str]):
    if cmd.format == "PARQUET":
        from loaders.parquet import read_parquet

        yield from read_parquet(paths)
        return
    if cmd.format in ("DELIMITED", "CSV"):
        from loaders.delimited import read_delimited

        types = [d.column(c).type.arrow_type for c in columns]
        for batch in read_delimited(
            paths,
            column_names=columns,
            arrow_types=types,
            delimiter=cmd.delimiter or "|",
            null_as=cmd.null_as,
            ignore_header=cmd.ignore_header,
            csv=cmd.format == "CSV",
            quote=cmd.quote or '"',
            compression=cmd.compression,
        ):
            yield pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        return
    msg = f"COPY FORMAT {cmd.format} is not supported yet"
    raise NotSupportedError(msg)


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
    import numpy as np
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
