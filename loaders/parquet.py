"""Parquet files into Arrow, one table per row group, read with pyarrow's threads."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from loaders.rejects import LoadError

__all__ = ["read_parquet", "normalize_types"]

ROW_GROUPS_PER_READ = 64  # row groups decoded per call (each yielded table holds this many)


def read_parquet(paths: list[str], columns: list[str] | None = None) -> Iterator[pa.Table]:
    """Stream ``paths`` as Arrow tables, ``ROW_GROUPS_PER_READ`` row groups at a time, in file order.

    Parameters
    ----------
    paths
        Parquet files (see ``loaders.sources.resolve_local``).
    columns
        Columns to read, in this order; None reads all.  A missing column is an error
        naming the file and column.

    Yields
    ------
    pyarrow.Table
        string_view / large_string columns come back as plain ``string``.
    """
    for path in paths:
        try:
            pf = pq.ParquetFile(path, memory_map=True)
        except (OSError, pa.ArrowException) as e:
            msg = f"cannot read Parquet file: {e}"
            raise LoadError(msg, filename=path) from e
        names = pf.schema_arrow.names
        if columns is not None:
            for c in columns:
                if c not in names:
                    msg = f"column {c!r} is not in the Parquet file"
                    raise LoadError(msg, filename=path, colname=c)
        step = max(1, ROW_GROUPS_PER_READ)
        for first in range(0, pf.num_row_groups, step):
            groups = list(range(first, min(first + step, pf.num_row_groups)))
            try:
                # several row groups per call: pyarrow decodes them and their columns in parallel
                table = pf.read_row_groups(groups, columns=columns, use_threads=True)
            except (OSError, pa.ArrowException) as e:
                msg = f"cannot read row groups {groups[0]}..{groups[-1]}: {e}"
                raise LoadError(msg, filename=path) from e
            yield normalize_types(table)


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
