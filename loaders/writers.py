"""UNLOAD's file writers: Arrow tables into pipe-delimited text, CSV, JSON lines or Parquet.

Text values are formatted the way Redshift writes them: booleans ``t``/``f``, dates
``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MI:SS[.ffffff]`` (``+00`` for TIMESTAMPTZ),
decimals with their scale.  Every row is formatted by ``pyarrow.compute`` column by column
(no per-row Python), then cut into files of at most ``max_file_size`` bytes at row
boundaries, compressed (GZIP, BZIP2, ZSTD) and written through ``loaders.objectstore``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from loaders.objectstore import Credentials, filesystem_for, is_remote, open_output
from loaders.rejects import LoadError

__all__ = ["COMPRESSION_EXTENSIONS", "WriteOptions", "WrittenFile", "encode_rows", "write_files"]

COMPRESSION_EXTENSIONS = {"GZIP": ".gz", "BZIP2": ".bz2", "ZSTD": ".zst"}
_CODECS = {"GZIP": "gzip", "BZIP2": "bz2", "ZSTD": "zstd"}
_BATCH_ROWS = 256 * 1024  # rows formatted at a time (keeps 32-bit string offsets safe)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class WriteOptions:
    """How rows become bytes: ``format`` is TEXT, CSV, JSON, PARQUET or ORC.  ``booleans``:
    the text of true and false in TEXT/CSV (Redshift's ``t``/``f``; Hive writes ``true``/``false``)."""

    format: str = "TEXT"
    delimiter: str = "|"
    null_as: str = ""
    add_quotes: bool = False
    escape: bool = False
    header: bool = False
    compression: str | None = None  # GZIP, BZIP2, ZSTD
    max_file_size: int = 6200 << 20
    booleans: tuple[str, str] = ("t", "f")


@dataclass(frozen=True)
class WrittenFile:
    """One object UNLOAD wrote: where, how many bytes (as stored) and rows."""

    url: str
    size: int
    rows: int


# ----------------------------------------------------------------------- formatting
def _text(arr: pa.Array) -> pa.Array:
    """Redshift's text form of each value (NULL stays NULL)."""
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.cast(t.value_type)
        t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arr.cast(pa.string()) if pa.types.is_large_string(t) else arr
    if pa.types.is_boolean(t):
        return pc.if_else(arr, pa.scalar("t"), pa.scalar("f"))
    if pa.types.is_timestamp(t):
        s = arr.cast(pa.string())
        s = pc.replace_substring_regex(s, r"\.?0*Z?$", "")  # whole seconds: no fraction
        s = pc.replace_substring_regex(s, r"(\.\d*?)0+$", r"\1")
        if t.tz is not None:
            s = pc.binary_join_element_wise(s, pa.scalar("+00"), "")
        return s
    if pa.types.is_floating(t):
        return arr.cast(pa.string())
    return arr.cast(pa.string())


def _text_rows(table: pa.Table, opts: WriteOptions) -> pa.Array:
    """Each row as one line of delimited text or CSV, newline included."""
    delim = opts.delimiter
    cols = []
    specials = "[" + re.escape(delim) + "\"\\n\\r]"
    for arr in table.columns:
        a = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        is_text = pa.types.is_string(a.type) or pa.types.is_large_string(a.type) or (pa.types.is_dictionary(a.type))
        s = _text(a)
        if pa.types.is_boolean(a.type) and opts.booleans != ("t", "f"):
            s = pc.if_else(a, pa.scalar(opts.booleans[0]), pa.scalar(opts.booleans[1]))
        if opts.format == "CSV":
            if is_text:
                quote = pc.or_(pc.match_substring_regex(s, specials), pc.equal(pc.binary_length(s), 0))
                quoted = pc.binary_join_element_wise(pa.scalar('"'), pc.replace_substring(s, '"', '""'), pa.scalar('"'), "")
                s = pc.if_else(quote, quoted, s)
        else:
            if opts.escape and is_text:
                chars = re.escape(delim) + r"\\\n\r" + ("\"'" if opts.add_quotes else "")
                s = pc.replace_substring_regex(s, "([" + chars + "])", r"\\\1")
            if opts.add_quotes:
                s = pc.binary_join_element_wise(pa.scalar('"'), s, pa.scalar('"'), "")
        cols.append(s.fill_null(opts.null_as))
    line = cols[0] if len(cols) == 1 else pc.binary_join_element_wise(*cols, delim)
    return pc.binary_join_element_wise(line, pa.scalar(""), "\n")


def _json_rows(table: pa.Table) -> pa.Array:
    """Each row as one JSON object on its own line (NULL values written as null)."""
    parts = []
    for name, arr in zip(table.column_names, table.columns):
        a = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        t = a.type
        if pa.types.is_dictionary(t):
            a = a.cast(t.value_type)
            t = a.type
        if pa.types.is_boolean(t):
            v = pc.if_else(a, pa.scalar("true"), pa.scalar("false"))
        elif pa.types.is_integer(t) or pa.types.is_decimal(t):
            v = a.cast(pa.string())
        elif pa.types.is_floating(t):
            finite = pc.is_finite(a)
            v = pc.if_else(finite, a.cast(pa.string()), pa.scalar(None, pa.string()))
        else:
            s = _text(a)
            s = pc.replace_substring(s, "\\", "\\\\")
            s = pc.replace_substring(s, '"', '\\"')
            s = pc.replace_substring(s, "\n", "\\n")
            s = pc.replace_substring(s, "\r", "\\r")
            s = pc.replace_substring(s, "\t", "\\t")
            if pc.any(pc.match_substring_regex(s, _CONTROL.pattern)).as_py():
                s = pa.array([None if x is None else _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", x) for x in s.to_pylist()], pa.string())
            v = pc.binary_join_element_wise(pa.scalar('"'), s, pa.scalar('"'), "")
        key = json.dumps(name, ensure_ascii=False) + ":"
        parts.append(pc.binary_join_element_wise(pa.scalar(key), v.fill_null("null"), ""))
    if not parts:
        return pa.array(["{}\n"] * table.num_rows, pa.string())
    body = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, ",")
    return pc.binary_join_element_wise(pa.scalar("{"), body, pa.scalar("}\n"), "")


def encode_rows(table: pa.Table, opts: WriteOptions) -> tuple[bytes, np.ndarray]:
    """(bytes, line end offsets) of a table's rows in a text format (TEXT, CSV, JSON)."""
    if table.num_rows == 0:
        return b"", np.zeros(0, np.int64)
    lines = _json_rows(table) if opts.format == "JSON" else _text_rows(table, opts)
    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], np.int64, count=len(lines) + 1, offset=lines.offset * 8)
    data = lines.buffers()[2]
    base = int(offsets[0])
    blob = data[base : int(offsets[-1])].to_pybytes() if data is not None else b""
    return blob, (offsets[1:] - base).astype(np.int64)


def header_line(names: list[str], opts: WriteOptions) -> bytes:
    """The HEADER line: column names, quoted for CSV where needed."""
    if opts.format == "CSV":
        out = []
        for n in names:
            out.append('"' + n.replace('"', '""') + '"' if any(c in n for c in (opts.delimiter, '"', "\n", "\r")) else n)
        return (opts.delimiter.join(out) + "\n").encode()
    if opts.add_quotes:
        return (opts.delimiter.join('"' + n + '"' for n in names) + "\n").encode()
    return (opts.delimiter.join(names) + "\n").encode()


# --------------------------------------------------------------------------- files
def _compress(data: bytes, compression: str | None) -> bytes:
    if compression is None:
        return data
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, _CODECS[compression]) as out:
        out.write(data)
    return sink.getvalue().to_pybytes()


def _put(url: str, data: bytes, creds: Credentials | None) -> None:
    fs, path = filesystem_for(url, creds)
    try:
        if not is_remote(url):
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        # compression=None: pyarrow would otherwise gzip a second time any name ending .gz
        stream = fs.open_output_stream(path, compression=None)
    except (OSError, pa.ArrowException):
        stream = open_output(url, creds)  # raises a LoadError naming the URL
    try:
        stream.write(data)
    except (OSError, pa.ArrowException) as e:
        msg = f"cannot write {url}: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        raise LoadError(msg, filename=url) from None
    finally:
        try:
            stream.close()
        except (OSError, pa.ArrowException) as e:
            msg = f"cannot write {url}: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
            raise LoadError(msg, filename=url) from None


def write_files(
    table: pa.Table,
    name: Callable[[int], str],
    opts: WriteOptions,
    creds: Credentials | None = None,
    on_file: Callable[[WrittenFile], None] | None = None,
) -> list[WrittenFile]:
    """Write ``table`` as one or more files named ``name(0)``, ``name(1)``, ...

    A new file starts when the next row would take the current one past
    ``opts.max_file_size`` (uncompressed bytes for text; Parquet by estimated row size).
    An empty table still writes one file (a header line, or a Parquet schema).
    """
    if opts.format in ("PARQUET", "ORC"):
        return _write_parquet(table, name, opts, creds, on_file)
    head = header_line(table.column_names, opts) if opts.header else b""
    written: list[WrittenFile] = []
    buf: list[bytes] = []
    size = 0
    rows = 0

    def flush() -> None:
        nonlocal buf, size, rows
        data = _compress(head + b"".join(buf), opts.compression)
        url = name(len(written))
        _put(url, data, creds)
        f = WrittenFile(url, len(data), rows)
        written.append(f)
        if on_file is not None:
            on_file(f)
        buf, size, rows = [], 0, 0

    limit = max(opts.max_file_size - len(head), 1)
    for start in range(0, table.num_rows, _BATCH_ROWS):
        blob, ends = encode_rows(table.slice(start, _BATCH_ROWS), opts)
        pos = 0  # rows of this batch already placed
        while pos < len(ends):
            used = int(ends[pos - 1]) if pos else 0
            room = limit - size
            # rows pos..k-1 fit when ends[k-1] - used <= room
            k = int(np.searchsorted(ends, used + room, side="right"))
            if k <= pos:
                if size == 0:
                    k = pos + 1  # one row longer than the limit still gets a file
                else:
                    flush()
                    continue
            buf.append(blob[used : int(ends[k - 1])])
            size += int(ends[k - 1]) - used
            rows += k - pos
            pos = k
            if size >= limit:
                flush()
    if rows or not written:
        flush()
    return written


def _write_parquet(table: pa.Table, name: Callable[[int], str], opts: WriteOptions, creds: Credentials | None, on_file: Callable[[WrittenFile], None] | None) -> list[WrittenFile]:
    table = pa.Table.from_arrays(
        [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns], names=table.column_names
    )
    per_row = max(table.nbytes / table.num_rows, 1.0) if table.num_rows else 1.0
    rows_per_file = max(int(opts.max_file_size / per_row), 1)
    written: list[WrittenFile] = []
    start = 0
    while True:
        part = table.slice(start, rows_per_file)
        sink = pa.BufferOutputStream()
        if opts.format == "ORC":
            import pyarrow.orc as orc

            orc.write_table(part, sink, compression="snappy")
        else:
            pq.write_table(part, sink, compression="snappy")
        data = sink.getvalue().to_pybytes()
        url = name(len(written))
        _put(url, data, creds)
        f = WrittenFile(url, len(data), part.num_rows)
        written.append(f)
        if on_file is not None:
            on_file(f)
        start += rows_per_file
        if start >= table.num_rows:
            return written
