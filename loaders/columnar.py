"""Parquet and ORC objects into chunks of the target schema, columns matched by position.

Redshift's COPY from a columnar format maps the file's columns to the table's (or the column
list's) in order, and a file whose column count differs is an error.  Values are cast by
Arrow to the target types; a value that does not fit (a string too long, a number out of
range) fails the COPY naming the object and column: columnar rows are not rejected one by one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.dataset as ds

from loaders.nested import NestedMismatch, conform, is_nested
from loaders.objectstore import SourceObject
from loaders.parquet import plain_strings
from loaders.rejects import LoadError
from loaders.spec import LoadedChunk, LoadSpec

__all__ = ["cast_column", "read_columnar"]

BATCH_ROWS = 1 << 20


def cast_column(col: pa.Array, t: pa.DataType, source: str, filename: str, colname: str) -> pa.Array:
    """``col`` as type ``t`` (Arrow's cast); a value that does not fit is a ``LoadError``
    naming the object, the file's column and the target column.  Nested columns (list, map,
    struct) are conformed to the declared nested type by ``loaders.nested.conform`` (struct
    fields by name, ignoring case; a shape that differs is a ``LoadError``)."""
    if col.type == t:
        return col
    if is_nested(t) or is_nested(col.type):  # array/map/struct: matched to the declared shape
        try:
            return conform(col, t, source)
        except NestedMismatch as e:
            msg = f"column {source!r} cannot be loaded as {t}: {e}"
            raise LoadError(msg, filename=filename, colname=colname) from None
    try:
        return col.cast(t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        msg = f"column {source!r} ({col.type}) cannot be loaded as {t}: {str(e).splitlines()[0]}"
        raise LoadError(msg, filename=filename, colname=colname) from None


def read_columnar(obj: SourceObject, spec: LoadSpec) -> Iterator[LoadedChunk]:
    """Stream one Parquet or ORC object as converted chunks."""
    fmt = spec.format.lower()
    try:
        dataset = ds.dataset(obj.path, filesystem=obj.fs, format=fmt)
        schema = plain_strings(dataset.schema)
        dataset = ds.dataset(obj.path, filesystem=obj.fs, format=fmt, schema=schema)
    except (OSError, pa.ArrowException) as e:
        msg = f"cannot read {spec.format} object: {str(e).splitlines()[0]}"
        raise LoadError(msg, filename=obj.url) from None
    if len(schema) != spec.width:
        msg = f"{spec.format} object has {len(schema)} column(s), the COPY target has {spec.width} (columns are matched by position)"
        raise LoadError(msg, filename=obj.url)
    target = pa.schema([pa.field(n, t) for n, t in zip(spec.names, spec.types)])
    try:
        batches = dataset.to_batches(batch_size=BATCH_ROWS, use_threads=True)
        for batch in batches:
            columns = []
            for i, (name, t) in enumerate(zip(spec.names, spec.types)):
                columns.append(cast_column(batch.column(i), t, schema.field(i).name, obj.url, name))
            table = pa.Table.from_arrays(columns, schema=target)
            yield LoadedChunk(table, [], obj.url, batch.nbytes, batch.num_rows)
    except LoadError:
        raise
    except (OSError, pa.ArrowException) as e:
        msg = f"cannot read {spec.format} data: {str(e).splitlines()[0]}"
        raise LoadError(msg, filename=obj.url) from None
