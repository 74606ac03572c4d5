"""Delimited text (Redshift's default pipe format) into Arrow record batches.

Redshift's default COPY format is *not* CSV: fields are split on the delimiter with no
quoting, ``\\N`` is NULL, an empty field is NULL for non-string columns and an empty string
for string columns.  TPC-H's ``.tbl`` files end every line with the delimiter (``a|b|c|``):
the extra empty field is accepted and dropped.

Each file is memory-mapped and cut into chunks of ``chunk_size`` bytes at line ends; each
chunk is parsed by ``pyarrow.csv.read_csv`` on all cores, so memory stays bounded and
parsing runs at several hundred MB/s.  A bad value raises ``LoadError`` naming the file,
the 1-based line number, the column and the raw value (located by re-reading the chunk
when pyarrow's message does not say where).
"""

from __future__ import annotations

import bz2
import csv as _csvmod
import gzip
import mmap
import os
import re
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from loaders.rejects import LoadError

__all__ = ["read_delimited"]

TRUE_VALUES = ["t", "true", "1", "y", "yes", "T", "TRUE", "True", "Y", "YES", "Yes"]
FALSE_VALUES = ["f", "false", "0", "n", "no", "F", "FALSE", "False", "N", "NO", "No"]

_COLUMN_RE = re.compile(r"In CSV column #(\d+)")
_VALUE_RES = (
    re.compile(r"invalid value '(.*)'$", re.S),
    re.compile(r"The string '(.*)' is not a valid", re.S),
)
_TRAILING = "__warehouse_trailing__"


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
    chunk_size: int = 32 << 20,
    use_threads: bool = True,
) -> Iterator[pa.RecordBatch]:
    """Stream delimited text files as record batches of the given schema.

    Parameters
    ----------
    paths
        Files to read, in order.
    column_names, arrow_types
        The target columns, one Arrow type each (int16/32/64, decimal128(p,s), float32/64,
        bool, string, date32, timestamp[us]).
    delimiter
        One character; ``|`` by default (Redshift's default).
    null_as
        The text that means NULL (``\\N`` by default).  An empty field is NULL for
        non-string columns and an empty string for string ones.
    ignore_header
        Lines to skip at the start of every file.
    csv, quote
        CSV mode (quoted fields with ``quote``, doubled to escape) instead of plain text.
    compression
        None, "gzip", "bz2", "zstd", "lz4" (the file is decompressed into memory first).
    chunk_size
        Bytes parsed per batch (cut at a line end).

    Raises
    ------
    LoadError
        On a value that does not convert or a line with the wrong number of fields.
    """
    if len(column_names) != len(arrow_types):
        msg = "column_names and arrow_types differ in length"
        raise ValueError(msg)
    if len(delimiter) != 1:
        msg = f"the delimiter must be a single character, got {delimiter!r}"
        raise LoadError(msg)
    for path in paths:
        yield from _read_file(
            path,
            column_names,
            arrow_types,
            delimiter,
            null_as,
            ignore_header,
            csv,
            quote,
            compression,
            chunk_size,
            use_threads,
        )


# ----- one file -----------------------------------------------------------------------
def _open_bytes(path: str, compression: str | None) -> tuple[object, memoryview | bytes]:
    """(keep-alive handle, bytes-like content) for ``path``."""
    if compression is None:
        f = open(path, "rb")  # noqa: SIM115 - closed by the caller through the handle
        if os.fstat(f.fileno()).st_size == 0:
            f.close()
            return None, b""
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        f.close()
        return mm, mm
    comp = compression.lower()
    if comp == "gzip":
        with gzip.open(path, "rb") as g:
            return None, g.read()
    if comp in ("bz2", "bzip2"):
        with bz2.open(path, "rb") as b:
            return None, b.read()
    with pa.input_stream(path, compression=comp) as s:
        return None, s.read()


def _read_file(
    path: str,
    names: list[str],
    types: list[pa.DataType],
    delimiter: str,
    null_as: str,
    ignore_header: int,
    csv: bool,
    quote: str,
    compression: str | None,
    chunk_size: int,
    use_threads: bool,
) -> Iterator[pa.RecordBatch]:
    try:
        handle, data = _open_bytes(path, compression)
    except OSError as e:
        msg = f"cannot read file: {e}"
        raise LoadError(msg, filename=path) from e
    try:
        size = len(data)
        delim = delimiter.encode()
        # skip the header lines
        pos = 0
        line_no = 1
        for _ in range(ignore_header):
            nl = data.find(b"\n", pos)
            if nl < 0:
                pos = size
                break
            pos = nl + 1
            line_no += 1
        if pos >= size:
            return
        header_end = pos
        trailing = _has_trailing_delimiter(data, pos, delim, len(names), csv)
        read_names = [*names, _TRAILING] if trailing else list(names)
        string_cols = [n for n, t in zip(names, types) if _is_string(t)]
        read_opts = pacsv.ReadOptions(
            column_names=read_names,
            use_threads=use_threads,
            block_size=max(1 << 20, min(chunk_size // 8, 16 << 20)),
        )
        parse_opts = pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char=quote if csv else False,
            double_quote=csv,
            escape_char=False,
            newlines_in_values=False,
        )
        null_values = [null_as, ""] if null_as else [""]
        convert_opts = pacsv.ConvertOptions(
            column_types=dict(zip(names, types)),
            null_values=null_values,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            true_values=TRUE_VALUES,
            false_values=FALSE_VALUES,
            include_columns=list(names),
        )
        view = memoryview(data) if not isinstance(data, memoryview) else data
        buf_all = pa.py_buffer(data)
        while pos < size:
            end = min(pos + chunk_size, size)
            if end < size:
                nl = data.find(b"\n", end)
                end = size if nl < 0 else nl + 1
            chunk = buf_all.slice(pos, end - pos)
            try:
                table = pacsv.read_csv(
                    pa.BufferReader(chunk), read_opts, parse_opts, convert_opts
                )
            except pa.ArrowInvalid as e:
                first = line_no + _count_newlines(view, header_end, pos)
                raise _locate_error(
                    str(e), path, bytes(view[pos:end]), first, names, types,
                    delimiter, null_as, len(read_names), csv,
                ) from None
            if string_cols and null_as:
                table = _strings_null_as(table, string_cols, null_as)
            yield from table.combine_chunks().to_batches()
            pos = end
        del view, buf_all
    finally:
        if isinstance(handle, mmap.mmap):
            try:
                handle.close()
            except BufferError:  # batches still reference it; closed when collected
                pass


def _count_newlines(view: memoryview, start: int, end: int) -> int:
    return int(np.count_nonzero(np.frombuffer(view[start:end], dtype=np.uint8) == 10))


def _is_string(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _has_trailing_delimiter(data, pos: int, delim: bytes, ncols: int, csv: bool) -> bool:
    """Whether the first data line has one extra, empty field at the end (``a|b|c|``)."""
    nl = data.find(b"\n", pos)
    line = bytes(data[pos : nl if nl >= 0 else len(data)]).rstrip(b"\r")
    if csv:
        return False
    return line.endswith(delim) and line.count(delim) == ncols


def _strings_null_as(table: pa.Table, string_cols: list[str], null_as: str) -> pa.Table:
    """Turn the NULL marker into NULL in string columns (pyarrow left them as text)."""
    for name in string_cols:
        col = table.column(name)
        mask = pc.equal(col, null_as)
        if pc.any(mask).as_py():
            i = table.schema.get_field_index(name)
            fixed = pc.if_else(mask, pa.scalar(None, col.type), col)
            table = table.set_column(i, table.schema.field(i), fixed)
    return table


# ----- finding the bad line --------------------------------------------------------------
def _split_lines(chunk: bytes) -> list[bytes]:
    lines = chunk.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]


def _locate_error(
    message: str,
    path: str,
    chunk: bytes,
    first_line: int,
    names: list[str],
    types: list[pa.DataType],
    delimiter: str,
    null_as: str,
    nfields: int,
    csv: bool,
) -> LoadError:
    """Turn pyarrow's error on ``chunk`` into a LoadError naming line, column and value."""
    lines = _split_lines(chunk)
    delim = delimiter.encode()
    m = _COLUMN_RE.search(message)
    if m is None or csv:
        # a structural error: find the first line with the wrong number of fields
        for i, line in enumerate(lines):
            got = line.count(delim) + 1 if not csv else len(next(iter(_csv_fields(line, delimiter)), []))
            if got != nfields:
                reason = (
                    f"line has {got} fields, expected {len(names)}"
                    if not csv
                    else "cannot parse line"
                )
                return LoadError(
                    reason,
                    filename=path,
                    line_number=first_line + i,
                    raw_value=line.decode("utf-8", "replace")[:1024],
                )
        if m is None:
            return LoadError(f"cannot parse: {message}", filename=path)
    col = int(m.group(1))
    colname = names[col] if col < len(names) else None
    target = types[col] if col < len(types) else None
    raw = None
    for rx in _VALUE_RES:
        mv = rx.search(message)
        if mv:
            raw = mv.group(1)
            break
    for i, line in enumerate(lines):
        fields = line.split(delim) if not csv else next(iter(_csv_fields(line, delimiter)), [])
        if col >= len(fields):
            continue
        value = fields[col] if isinstance(fields[col], str) else fields[col].decode("utf-8", "replace")
        if raw is not None:
            if value != raw:
                continue
        elif _converts(value, target, null_as):
            continue
        reason = f"invalid value for type {_type_name(target)}"
        return LoadError(
            reason, filename=path, line_number=first_line + i, colname=colname, raw_value=value
        )
    reason = f"invalid value for type {_type_name(target)}: {message}"
    return LoadError(reason, filename=path, colname=colname, raw_value=raw)


def _csv_fields(line: bytes, delimiter: str) -> Iterator[list[str]]:
    return _csvmod.reader([line.decode("utf-8", "replace")], delimiter=delimiter)


def _converts(value: str, t: pa.DataType | None, null_as: str) -> bool:
    if t is None or value in ("", null_as):
        return True
    try:
        pacsv.read_csv(
            pa.BufferReader(value.encode() + b"\n"),
            pacsv.ReadOptions(column_names=["v"]),
            pacsv.ParseOptions(quote_char=False),
            pacsv.ConvertOptions(
                column_types={"v": t}, true_values=TRUE_VALUES, false_values=FALSE_VALUES
            ),
        )
    except pa.ArrowInvalid:
        return False
    return True


def _type_name(t: pa.DataType | None) -> str:
    return str(t) if t is not None else "unknown"
