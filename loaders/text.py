"""Delimited, CSV and fixed-width text into typed Arrow chunks, bad rows rejected by line.

Redshift's default COPY format is *not* CSV: fields are split on the delimiter (``|``) with no
quoting, ``\\N`` is NULL, an empty field is NULL for non-character columns and an empty string
for character ones.  TPC-H's ``.tbl`` files end every line with the delimiter (``a|b|c|``):
the extra empty field is recognised from the first line and dropped.

An object is read as a stream (decompressed on the fly) and cut into ``CHUNK_BYTES`` pieces
at record ends (``split_text``); each piece is parsed independently (``parse_text``), so the
pipeline parses pieces of one or many objects on all cores while memory stays bounded.
Parsing is pyarrow's CSV reader with every column read as raw bytes; values are converted by
``loaders.convert`` (numba kernels).  A line with the wrong number of fields is rejected
(``FILLRECORD`` pads short ones with NULLs).  Line numbers are only worked out when a piece
has a rejected row: the fast path never looks at lines.
"""

from __future__ import annotations

import csv as _csv
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from kernels.text_split import count_newlines, fixed_width_fields, gather_ranges, line_starts, record_end
from loaders import rejects as R
from loaders.compression import fill, open_stream
from loaders.convert import convert_text
from loaders.objectstore import SourceObject
from loaders.rejects import LoadError, RejectedRow
from loaders.spec import LoadedChunk, LoadSpec

__all__ = ["CHUNK_BYTES", "TextPiece", "parse_fixedwidth_spec", "parse_text", "split_text"]

CHUNK_BYTES = 16 << 20
_TRAILING = "__warehouse_trailing__"
_MAX_RAW = 1024


def _quiet_invalid_row_errors() -> None:
    """pyarrow reports a row it cannot decode for the invalid-row handler through
    ``sys.unraisablehook`` (then fails the parse, which ``_parse_python`` takes over):
    keep that report off the user's screen."""
    import sys

    previous = sys.unraisablehook

    def hook(info):  # type: ignore[no-untyped-def]
        if getattr(info.object, "__name__", "") == "on_invalid" and isinstance(info.exc_value, UnicodeDecodeError):
            return
        previous(info)

    sys.unraisablehook = hook


_quiet_invalid_row_errors()


@dataclass
class TextPiece:
    """Whole records of one object: the bytes and the 1-based line number of the first."""

    obj: SourceObject
    data: bytearray
    first_line: int
    trailing: bool  # lines end with one extra delimiter (TPC-H .tbl)


def _csv_escape(spec: LoadSpec) -> str | None:
    """The CSV escape character: only external tables' OpenCSVSerde has one (``escapeChar``,
    in ``spec.options``); COPY's CSV has none."""
    return spec.options.get("hive.csv.escape") if spec.format == "CSV" and spec.options else None


def _quote_escape(spec: LoadSpec) -> tuple[int, int]:
    quote = ord(spec.quote) if spec.format == "CSV" or spec.remove_quotes else -1
    escape = ord("\\") if spec.escape and spec.format != "CSV" else -1
    if _csv_escape(spec):
        # OpenCSVSerde: an escaped quote inside quotes would throw the quote count off, and
        # records do not span lines (Athena: no embedded line breaks), so every newline ends one
        return -1, -1
    return quote, escape


def split_text(obj: SourceObject, spec: LoadSpec, chunk_bytes: int = CHUNK_BYTES) -> Iterator[TextPiece]:
    """Cut an object's decompressed text into pieces of whole records.

    The first ``IGNOREHEADER`` lines are dropped.  Raises ``LoadError`` (naming the object)
    for a corrupt compressed stream or a read failure.
    """
    quote, escape = _quote_escape(spec)
    rest = b""
    line = 1
    header_left = spec.ignore_header
    trailing: bool | None = None
    stream = open_stream(obj, spec.compression)
    try:
        eof = False
        while not eof:
            # read straight into the piece's own buffer, behind the carried partial record
            buf = bytearray(len(rest) + chunk_bytes)
            buf[: len(rest)] = rest
            got = fill(stream, memoryview(buf)[len(rest) :], obj, spec.compression)
            eof = got < chunk_bytes
            size = len(rest) + got
            if header_left:
                skipped_to, skipped = _skip_lines(buf, size, header_left)
                header_left -= skipped
                line += skipped
                if header_left:
                    rest = b""
                    continue
                buf = buf[skipped_to:size]
                size = len(buf)
            cut = size if eof else int(record_end(np.frombuffer(buf, dtype=np.uint8, count=size), quote, escape))
            if cut <= 0:
                rest = bytes(buf[:size])
                continue
            rest = bytes(buf[cut:size])
            if cut < len(buf):
                del buf[cut:]
            if not len(buf):
                continue
            if eof and buf[-1:] != b"\n":
                buf += b"\n"
            if trailing is None:
                trailing = _has_trailing_delimiter(buf, spec)
            yield TextPiece(obj, buf, line, trailing)
            line += int(count_newlines(np.frombuffer(buf, dtype=np.uint8), len(buf)))
    finally:
        try:
            stream.close()
        except (OSError, pa.ArrowException):
            pass


def _skip_lines(buf: bytearray, size: int, count: int) -> tuple[int, int]:
    """(offset after up to ``count`` lines, lines skipped) within ``buf[:size]``."""
    pos = 0
    skipped = 0
    while skipped < count:
        nl = buf.find(b"\n", pos, size)
        if nl < 0:
            return size, skipped
        pos = nl + 1
        skipped += 1
    return pos, skipped


def _has_trailing_delimiter(piece: bytes, spec: LoadSpec) -> bool:
    """Whether the first line has exactly one extra, empty field at the end (``a|b|c|``)."""
    if spec.format != "DELIMITED" or spec.remove_quotes or spec.escape:
        return False
    nl = piece.find(b"\n")
    first = piece[: nl if nl >= 0 else len(piece)].rstrip(b"\r")
    delim = spec.delimiter.encode()
    return first.endswith(delim) and first.count(delim) == spec.width


# ----- parsing one piece -------------------------------------------------------------------
def parse_text(piece: TextPiece, spec: LoadSpec) -> LoadedChunk:
    """Parse and convert one piece (delimited, CSV or fixed-width)."""
    if spec.format == "FIXEDWIDTH":
        return _parse_fixedwidth(piece, spec)
    names = list(spec.names)
    read_names = [*names, _TRAILING] if piece.trailing else names
    invalid: list[tuple[str, int]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((row.text, row.actual_columns))
        return "skip"

    quote = spec.quote if spec.format == "CSV" or spec.remove_quotes else False
    parse_opts = pacsv.ParseOptions(
        delimiter=spec.delimiter,
        quote_char=quote,
        double_quote=spec.format == "CSV",
        escape_char="\\" if spec.escape and spec.format != "CSV" else (_csv_escape(spec) or False),
        newlines_in_values=spec.format == "CSV" or spec.escape,
        ignore_empty_lines=True,
        invalid_row_handler=on_invalid,
    )
    read_opts = pacsv.ReadOptions(column_names=read_names, use_threads=False, block_size=len(piece.data) + 1)

    def options(types: dict[str, pa.DataType]) -> pacsv.ConvertOptions:
        return pacsv.ConvertOptions(
            column_types={n: types.get(n, pa.binary()) for n in read_names},
            include_columns=names,
            null_values=[v for v in (spec.null_as, "") if v is not None],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )

    filename = piece.obj.url
    lines: np.ndarray | None = None
    raw_lines: list[str] | None = None
    invalid_lines: list[int] = []
    table = None
    typed = _typed_columns(spec)
    if typed:
        # fast path: pyarrow converts the plain columns itself; any value it refuses (or a
        # malformed line) sends the piece down the byte path, which applies Redshift's rules
        try:
            table = pacsv.read_csv(pa.BufferReader(piece.data), read_opts, parse_opts, options(typed))
        except pa.ArrowInvalid:
            table = None
        if invalid:
            table = None
            invalid.clear()
    try:
        if table is None:
            table = pacsv.read_csv(pa.BufferReader(piece.data), read_opts, parse_opts, options({}))
        columns = [table.column(i).combine_chunks() for i in range(len(names))]
        nrows = table.num_rows
    except pa.ArrowInvalid:
        # pyarrow gives up on some malformed input (e.g. invalid UTF-8 in a short row):
        # split this piece in Python instead, which knows every line exactly
        columns, lines, raw_lines, invalid, invalid_lines = _parse_python(piece, spec, len(read_names))
        nrows = len(lines)
    rejects: list[RejectedRow] = []
    fill_rows: list[list[bytes | None]] = []
    fill_lines: list[int] = []
    expected = len(read_names)
    if invalid and lines is None:
        lines, raw_lines, invalid_lines = _map_lines(piece, spec, nrows, invalid)
    if invalid:
        for (text, got), ln in zip(invalid, invalid_lines):
            if spec.fill_record and got < expected:
                fields = _split_record(text, spec)[: len(names)]
                fill_rows.append([f.encode("utf-8", "surrogateescape") for f in fields] + [None] * (len(names) - len(fields)))
                fill_lines.append(ln)
                continue
            short = got < expected
            shown = got - 1 if piece.trailing and got > 0 else got
            reason = f"line has {shown} field(s), expected {len(names)}" + (" (use FILLRECORD to pad short lines)" if short else "")
            rejects.append(RejectedRow(filename, ln, None, None, reason, R.ERR_MISSING_FIELDS if short else R.ERR_EXTRA_FIELDS, _printable(text)[:_MAX_RAW]))
    if fill_rows:
        extra = [pa.array([r[i] for r in fill_rows], pa.binary()) for i in range(len(names))]
        columns = [pa.concat_arrays([c, e]) for c, e in zip(columns, extra)]
    if lines is None:
        lines = np.arange(piece.first_line, piece.first_line + nrows, dtype=np.int64)
    if fill_lines:
        lines = np.concatenate([lines, np.asarray(fill_lines, dtype=np.int64)])

    def raw_line(row: int) -> str:
        if raw_lines is not None and row < len(raw_lines):
            return _printable(raw_lines[row])[:_MAX_RAW]
        return _line_text(piece, int(lines[row]))[:_MAX_RAW]

    marker = spec.null_as.encode("utf-8", "surrogateescape") if spec.null_as else b""
    # memchr for the marker's first byte first: a multi-byte search holds the GIL ~30x longer
    maybe_null = bool(marker) and piece.data.find(marker[:1]) >= 0 and marker in piece.data
    converted, bad = convert_text(columns, spec, filename=filename, line_numbers=lines, raw_line=raw_line, marker_possible=maybe_null)
    if bad and raw_lines is None and nrows:
        # the fast path assumed one record per line; recount before reporting
        lines, raw_lines, _ = _map_lines(piece, spec, nrows, invalid)
        if fill_lines:
            lines = np.concatenate([lines, np.asarray(fill_lines, dtype=np.int64)])
        converted, bad = convert_text(columns, spec, filename=filename, line_numbers=lines, raw_line=raw_line, marker_possible=maybe_null)
    rejects.extend(_with_positions(bad, spec) if spec.format == "DELIMITED" else bad)
    return LoadedChunk(converted, rejects, filename, len(piece.data), nrows + len(invalid))


def _with_positions(rejects: list[RejectedRow], spec: LoadSpec) -> list[RejectedRow]:
    """Fill ``position`` (the field's 0-based byte offset in its line, as stl_load_errors has)."""
    from dataclasses import replace

    out = []
    for r in rejects:
        if r.colname in spec.names and r.raw_line is not None and not spec.escape and not spec.remove_quotes:
            k = spec.names.index(r.colname)
            fields = r.raw_line.split(spec.delimiter)
            if k < len(fields):
                r = replace(r, position=sum(len(f.encode()) + 1 for f in fields[:k]))
        out.append(r)
    return out


def _typed_columns(spec: LoadSpec) -> dict[str, pa.DataType]:
    """Columns pyarrow's CSV reader may convert directly with the same result as ours.

    Integers, decimals, floats and ISO dates/timestamps, when no option changes how they
    read; pyarrow refuses anything else (blanks around numbers, extra fractional digits,
    invalid dates), which sends the piece to ``convert_text``.
    """
    out: dict[str, pa.DataType] = {}
    for name, t in zip(spec.names, spec.types):
        if pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_floating(t):
            out[name] = t
        elif pa.types.is_date(t) and spec.date_format is None and not spec.options.get("ACCEPTANYDATE"):
            out[name] = t
    return out


def _printable(text: str) -> str:
    """Text that may hold undecodable bytes (surrogate escapes) as valid UTF-8 for messages."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _parse_python(piece: TextPiece, spec: LoadSpec, expected: int) -> tuple[list[pa.Array], np.ndarray, list[str], list[tuple[str, int]], list[int]]:
    """Split a piece into fields in Python: (columns, row lines, row texts, invalid, their lines).

    The slow path for input pyarrow refuses; bytes that are not UTF-8 survive (as surrogate
    escapes) so the converter can reject or repair them by ACCEPTINVCHARS.
    """
    width = spec.width
    values: list[list[bytes | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    texts: list[str] = []
    invalid: list[tuple[str, int]] = []
    invalid_lines: list[int] = []
    for ln, rec in _records(piece, spec):
        fields = _split_record(rec, spec)
        if len(fields) != expected:
            invalid.append((rec, len(fields)))
            invalid_lines.append(ln)
            continue
        for i in range(width):
            values[i].append(fields[i].encode("utf-8", "surrogateescape"))
        lines.append(ln)
        texts.append(rec)
    columns = [pa.array(v, pa.binary()) for v in values]
    return columns, np.asarray(lines, dtype=np.int64), texts, invalid, invalid_lines


def _records(piece: TextPiece, spec: LoadSpec) -> Iterator[tuple[int, str]]:
    """(line number, text) of each non-empty record in the piece, in order."""
    text = piece.data.decode("utf-8", "surrogateescape")
    if spec.format == "CSV" or spec.remove_quotes:
        raw = text.split("\n")
        reader = _csv.reader(iter(raw), delimiter=spec.delimiter, quotechar=spec.quote, doublequote=spec.format == "CSV", strict=False,
                             escapechar=_csv_escape(spec))
        start = 0
        for _fields in reader:
            end = reader.line_num
            record = "\n".join(raw[start:end]).rstrip("\r")
            if record:
                yield piece.first_line + start, record
            start = end
        return
    for i, ln in enumerate(text.split("\n")):
        ln = ln.rstrip("\r")
        if ln:
            yield piece.first_line + i, ln


def _map_lines(piece: TextPiece, spec: LoadSpec, nrows: int, invalid: list[tuple[str, int]]) -> tuple[np.ndarray, list[str], list[int]]:
    """Line numbers and texts of the parsed rows, and line numbers of the invalid ones."""
    lines = np.zeros(nrows, dtype=np.int64)
    texts: list[str] = []
    invalid_lines: list[int] = []
    k = 0
    row = 0
    for ln, rec in _records(piece, spec):
        if k < len(invalid) and rec == invalid[k][0].rstrip("\r"):
            invalid_lines.append(ln)
            k += 1
            continue
        if row < nrows:
            lines[row] = ln
            texts.append(rec)
        row += 1
    while len(invalid_lines) < len(invalid):
        invalid_lines.append(piece.first_line)
    return lines, texts, invalid_lines


def _line_text(piece: TextPiece, line: int) -> str:
    starts = line_starts(np.frombuffer(piece.data, dtype=np.uint8))
    i = line - piece.first_line
    if i < 0 or i >= len(starts):
        return ""
    end = starts[i + 1] if i + 1 < len(starts) else len(piece.data)
    return piece.data[starts[i] : end].rstrip(b"\r\n").decode("utf-8", "replace")


def _split_record(text: str, spec: LoadSpec) -> list[str]:
    if spec.format == "CSV" or spec.remove_quotes:
        return next(_csv.reader([text], delimiter=spec.delimiter, quotechar=spec.quote, doublequote=spec.format == "CSV",
                                escapechar=_csv_escape(spec)), [])
    if spec.escape:
        fields, cur, i = [], [], 0
        while i < len(text):
            c = text[i]
            if c == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 2
                continue
            if c == spec.delimiter:
                fields.append("".join(cur))
                cur = []
            else:
                cur.append(c)
            i += 1
        fields.append("".join(cur))
        return fields
    return text.split(spec.delimiter)


# ----- fixed width -------------------------------------------------------------------------
def parse_fixedwidth_spec(spec_text: str, names: tuple[str, ...]) -> list[int]:
    """Widths from FIXEDWIDTH 'label:width,...' (labels are free text; order = columns)."""
    widths = []
    for part in spec_text.split(","):
        label, sep, width = part.strip().rpartition(":")
        if not sep or not width.strip().isdigit() or int(width) <= 0:
            msg = f"invalid FIXEDWIDTH spec {spec_text!r}: expected 'label:width,...'"
            raise LoadError(msg)
        widths.append(int(width))
    if len(widths) != len(names):
        msg = f"FIXEDWIDTH spec has {len(widths)} field(s) but the column list has {len(names)}"
        raise LoadError(msg)
    return widths


def _parse_fixedwidth(piece: TextPiece, spec: LoadSpec) -> LoadedChunk:
    widths = np.asarray(parse_fixedwidth_spec(spec.format_arg or "", spec.names), dtype=np.int64)
    data = np.frombuffer(piece.data, dtype=np.uint8)
    starts = line_starts(data)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:] - 1
    ends[-1] = len(data) - 1 if len(data) and data[-1] == 10 else len(data)
    cr = (ends > starts) & (data[np.maximum(ends - 1, 0)] == 13)
    ends = ends - cr
    keep = ends > starts  # blank lines are skipped
    starts, ends = starts[keep], ends[keep]
    line_no = piece.first_line + np.flatnonzero(keep).astype(np.int64)
    fs, fe = fixed_width_fields(data, starts, ends, widths)
    columns = []
    for j in range(len(widths)):
        lengths = fe[:, j] - fs[:, j]
        offsets = np.zeros(len(starts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        gather = _gather(data, fs[:, j], lengths, int(offsets[-1]))
        col = pa.Array.from_buffers(pa.large_binary(), len(starts), [None, pa.py_buffer(offsets), pa.py_buffer(gather)])
        columns.append(_rstrip_spaces(col))

    def raw_line(row: int) -> str:
        return piece.data[starts[row] : ends[row]].decode("utf-8", "replace")[:_MAX_RAW]

    table, rejects = convert_text(columns, spec, filename=piece.obj.url, line_numbers=line_no, raw_line=raw_line)
    return LoadedChunk(table, rejects, piece.obj.url, len(piece.data), len(starts))


def _gather(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray, total: int) -> np.ndarray:
    return gather_ranges(data, starts, lengths, total)


def _rstrip_spaces(col: pa.Array) -> pa.Array:
    """Fixed-width fields are padded with blanks: drop trailing ones (as Redshift does).

    Values that are not valid UTF-8 are left for the converter to reject or repair.
    """
    import pyarrow.compute as pc

    try:
        text = col.cast(pa.large_string())
    except pa.ArrowInvalid:
        return col
    return pc.utf8_rtrim(text, characters=" ").cast(pa.large_binary())
