"""Parquet files into Arrow, one table per row group, read with pyarrow's threads."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from loaders.rejects import LoadError

__all__ = ["read_parquet", "normalize_types", "plain_strings"]

BATCH_ROWS = 1 << 20  # most rows per yielded table (a row group may be cut in pieces)


def read_parquet(paths: list[str], columns: list[str] | None = None) -> Iterator[pa.Table]:
    """Stream ``paths`` as Arrow tables (about one per row group), in file order.

    Parameters
    ----------
    paths
        Parquet files (local paths).
    columns
        Columns to read, in this order; None reads all.  A missing column is an error
        naming the file and column.

    Yields
    ------
    pyarrow.Table
        string_view / large_string columns come back as plain ``string``: the scan is told
        so up front (``plain_strings``), which is several times faster than casting after.
    """
    for path in paths:
        try:
            pf = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as e:
            msg = f"cannot read Parquet file: {e}"
            raise LoadError(msg, filename=path) from e
        names = pf.schema_arrow.names
        if columns is not None:
            for c in columns:
                if c not in names:
                    msg = f"column {c!r} is not in the Parquet file"
                    raise LoadError(msg, filename=path, colname=c)
        try:
            dataset = ds.dataset(path, format="parquet", schema=plain_strings(pf.schema_arrow))
            for batch in dataset.to_batches(columns=columns, batch_size=BATCH_ROWS, use_threads=True):
                yield pa.Table.from_batches([batch])
        except (OSError, pa.ArrowException) as e:
            msg = f"cannot read Parquet data: {e}"
            raise LoadError(msg, filename=path) from e


def plain_strings(schema: pa.Schema) -> pa.Schema:
    """``schema`` with string_view / large_string fields as ``string``."""
    fields = []
    for f in schema:
        t = f.type
        if pa.types.is_string_view(t) or pa.types.is_large_string(t):
            t = pa.string()
        fields.append(pa.field(f.name, t, f.nullable))
    return pa.schema(fields)


def normalize_types(table: pa.Table) -> pa.Table:
    """Cast string_view and large_string columns to plain ``string`` (others unchanged)."""
    fields = []
    changed = False
    for f in table.schema:
        t = f.type
        if pa.types.is_string_view(t) or pa.types.is_large_string(t):
            t = pa.string()
            changed = True
        fields.append(pa.field(f.name, t, f.nullable))
    return table.cast(pa.schema(fields)) if changed else table
