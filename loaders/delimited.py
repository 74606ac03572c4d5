"""Delimited text files straight to Arrow, failing on the first bad row.

A convenience over ``loaders.text`` for callers that want a strict reader (benchmarks, tools):
COPY itself uses ``loaders.pipeline`` and decides by MAXERROR what a rejected row means.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from loaders.objectstore import list_objects
from loaders.rejects import LoadError
from loaders.spec import LoadSpec
from loaders.text import parse_text, split_text

__all__ = ["read_delimited"]

_COMPRESSIONS = {"gzip": "GZIP", "bz2": "BZIP2", "bzip2": "BZIP2", "zstd": "ZSTD", "lz4": "LZ4", "lzop": "LZOP"}


def read_delimited(
    paths: list[str],
    *,
    column_names: list[str],
    arrow_types: list[pa.DataType],
    delimiter: str = "|",
    null_as: str = "\\N",
    ignore_header: int = 0,
    csv: bool = False,
    quote: str = '"',
    compression: str | None = None,
    chunk_size: int | None = None,
) -> Iterator[pa.Table]:
    """Stream delimited (or CSV) files as tables of the given schema.

    Raises
    ------
    LoadError
        At the first row that does not parse or convert, naming file, line, column, value.
    """
    if len(column_names) != len(arrow_types):
        msg = "column_names and arrow_types differ in length"
        raise ValueError(msg)
    if len(delimiter) != 1:
        msg = f"the delimiter must be a single character, got {delimiter!r}"
        raise LoadError(msg)
    spec = LoadSpec(
        names=tuple(column_names),
        types=tuple(arrow_types),
        lengths=tuple(None for _ in column_names),
        format="CSV" if csv else "DELIMITED",
        delimiter=delimiter,
        quote=quote,
        null_as=null_as,
        ignore_header=ignore_header,
        compression=_COMPRESSIONS.get(compression.lower(), compression.upper()) if compression else None,
    )
    for path in paths:
        for obj in list_objects(path):
            for piece in split_text(obj, spec, *(() if chunk_size is None else (chunk_size,))):
                chunk = parse_text(piece, spec)
                if chunk.rejects:
                    r = chunk.rejects[0]
                    raise LoadError(r.reason, filename=r.filename, line_number=r.line_number, colname=r.colname, raw_value=r.raw_value, err_code=r.err_code)
                yield chunk.table
