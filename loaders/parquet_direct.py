"""Parquet row groups decoded straight into the engine's arrays, without Arrow's decode.

Why: an external-table scan spends most of its time turning Parquet pages into Arrow arrays
and Arrow arrays into the engine's (decimal128 into scaled int64, dictionary strings into
codes).  Here a row group's column chunks are read as bytes, each page is decompressed with
Arrow's codec, and the numba kernels of ``kernels.parquet`` decode levels and values into
the engine's physical form: scaled int64 decimals, int32 days, int64 microseconds, and for
dictionary-encoded strings the page's indices as codes into its dictionary (the file's
dictionary is the engine's, no value hashed again).  Strings written PLAIN (no dictionary,
or one that grew too large) are hashed into distinct values by ``kernels.string_dedup``.

It covers flat columns (no repetition, at most one definition level) of the common types:
INT32/INT64 integers, dates, decimals (INT32, INT64 and FIXED_LEN_BYTE_ARRAY up to 8 bytes)
and timestamps (milli and microseconds); FLOAT, DOUBLE, BOOLEAN and UTF-8 BYTE_ARRAY;
PLAIN and dictionary encodings; data pages v1 and v2; every codec Arrow has but Hadoop's
LZ4 framing.  ``plan_columns`` says None for anything else and the caller reads the object
with pyarrow.  A column chunk the kernels cannot decode (another encoding, a malformed
header, strings that are not UTF-8) comes back as ``NEEDS_ARROW``, and the caller
reads that column of the row group with pyarrow, whose error names what is wrong if the
data is bad: so nothing is ever decoded differently from pyarrow, only faster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cramjam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from kernels.pool import pooled
from kernels.string_dedup import dedup_spans
from kernels.parquet import (
    H_BODY, H_COMPRESSED, H_DEF_ENCODING, H_DEF_LEN, H_ENCODING, H_IS_COMPRESSED, H_REP_LEN, H_SIZE, H_TYPE, H_VALUES,
    beyond, flba_to_int64, gather_strings, page_headers, plain_spans, rle_hybrid, unpack_bools,
)

__all__ = ["NEEDS_ARROW", "ColumnPlan", "Decoded", "decode_row_group", "plan_columns"]

_PLAIN, _PLAIN_DICTIONARY, _RLE, _RLE_DICTIONARY = 0, 2, 3, 8
_DATA_V1, _INDEX, _DICTIONARY, _DATA_V2 = 0, 1, 2, 3
# pyarrow's names of the codecs: "LZ4" is the raw LZ4 block (Parquet's LZ4_RAW); a page
# that does not decompress (Hadoop's framing of the deprecated LZ4) goes to pyarrow
_CODECS = {"SNAPPY": "snappy", "GZIP": "gzip", "BROTLI": "brotli", "ZSTD": "zstd", "LZ4": "lz4_raw", "LZ4_RAW": "lz4_raw"}
_FIXED = {"INT32": np.dtype("<i4"), "INT64": np.dtype("<i8"), "FLOAT": np.dtype("<f4"), "DOUBLE": np.dtype("<f8")}
# nanoseconds are left to pyarrow, whose cast refuses a value that would lose digits
_UNIT_TO_MICROS = {"milliseconds": 1000, "microseconds": 1}
_LEVELS = np.zeros(2, np.int32)  # definition levels and booleans: values below 2


@dataclass
class Decoded:
    """One column of a row group in the engine's physical form.  Numbers: ``values`` (a null
    slot holds 0).  Strings: ``values`` int32 codes into ``dictionary`` (distinct values)."""

    values: np.ndarray | None
    valid: np.ndarray | None  # None: no NULL
    dictionary: pa.Array | None = None
    arrow: pa.Array | None = None  # read by pyarrow instead, in the declared type


NEEDS_ARROW = Decoded(None, None)  # a column chunk these kernels leave to pyarrow


@dataclass(frozen=True)
class ColumnPlan:
    """How one file column becomes one declared column."""

    leaf: int  # the column's index among the file's leaf columns
    physical: str  # Parquet physical type
    width: int  # FIXED_LEN_BYTE_ARRAY: bytes a value
    max_def: int  # 0 (required) or 1 (optional)
    out: np.dtype | None  # the engine's dtype (None: strings)
    multiply: int = 1  # decimals of a smaller scale, milliseconds: values times this
    bound: int | None = None  # file values must be below this in magnitude (else pyarrow's cast decides)


def plan_columns(pf: pq.ParquetFile, files: list[str | None], types: list[pa.DataType]) -> list[ColumnPlan | None] | None:
    """Per wanted column (``files``: the file's column name, None when it lacks one), how to
    decode it into its declared Arrow type; None when some column needs pyarrow."""
    schema = pf.schema
    leaves = {schema.column(i).path: i for i in range(len(schema))}
    plans: list[ColumnPlan | None] = []
    for name, t in zip(files, types):
        if name is None:
            plans.append(None)
            continue
        leaf = leaves.get(name)
        if leaf is None:  # a nested column: its leaves have dotted paths
            return None
        plan = _plan(schema.column(leaf), leaf, t)
        if plan is None:
            return None
        plans.append(plan)
    return plans


def _plan(c: Any, leaf: int, t: pa.DataType) -> ColumnPlan | None:
    """How column ``c`` of the file is read as Arrow type ``t``, or None (pyarrow reads it)."""
    if c.max_repetition_level != 0 or c.max_definition_level > 1:
        return None
    physical, logical = c.physical_type, c.logical_type.type
    base = {"leaf": leaf, "physical": physical, "width": c.length, "max_def": c.max_definition_level}
    if pa.types.is_string(t):
        return ColumnPlan(**base, out=None) if physical == "BYTE_ARRAY" and logical == "STRING" else None
    if pa.types.is_boolean(t):
        return ColumnPlan(**base, out=np.dtype(np.bool_)) if physical == "BOOLEAN" else None
    if pa.types.is_floating(t):
        want = np.dtype(t.to_pandas_dtype())
        ok = (physical == "DOUBLE" and want == np.float64) or (physical == "FLOAT" and want in (np.float32, np.float64))
        return ColumnPlan(**base, out=want) if ok else None
    if pa.types.is_integer(t):
        want = np.dtype(t.to_pandas_dtype())
        if physical not in ("INT32", "INT64") or logical not in ("NONE", "INT") or not pa.types.is_signed_integer(t):
            return None
        if logical == "INT" and not _signed_int(c):
            return None
        ok = want.itemsize >= _FIXED[physical].itemsize and _int_bits(c) <= 8 * want.itemsize
        return ColumnPlan(**base, out=want) if ok else None
    if pa.types.is_date32(t):
        return ColumnPlan(**base, out=np.dtype(np.int32)) if physical == "INT32" and logical == "DATE" else None
    if pa.types.is_decimal(t):
        if logical != "DECIMAL" or c.scale > t.scale or c.precision + (t.scale - c.scale) > t.precision:
            return None
        if physical not in ("INT32", "INT64") and not (physical == "FIXED_LEN_BYTE_ARRAY" and 0 < c.length <= 8):
            return None
        multiply = 10 ** (t.scale - c.scale)
        bound = min(10 ** t.precision, 2**63) // multiply  # |value * multiply| < 10**precision, in int64
        return ColumnPlan(**base, out=np.dtype(np.int64), multiply=multiply, bound=bound if bound < 2**63 else None)
    if pa.types.is_timestamp(t) and t.unit == "us" and physical == "INT64" and logical == "TIMESTAMP":
        unit = _json_field(c.logical_type.to_json(), "timeUnit")
        if unit not in _UNIT_TO_MICROS:
            return None
        multiply = _UNIT_TO_MICROS[unit]
        return ColumnPlan(**base, out=np.dtype(np.int64), multiply=multiply, bound=None if multiply == 1 else 2**63 // multiply)
    return None


def _json_field(text: str, key: str) -> Any:
    import json

    return json.loads(text).get(key)


def _signed_int(c: Any) -> bool:
    return bool(_json_field(c.logical_type.to_json(), "isSigned"))


def _int_bits(c: Any) -> int:
    if c.logical_type.type == "INT":
        return int(_json_field(c.logical_type.to_json(), "bitWidth"))
    return 8 * _FIXED[c.physical_type].itemsize


def decode_row_group(source: Any, meta: pq.RowGroupMetaData, plans: list[ColumnPlan | None]) -> list[Decoded | None]:
    """Row group ``meta`` of the file open as ``source`` (a pyarrow random-access file, or
    the whole file's bytes as a ``pyarrow.Buffer``: a memory map read without copies),
    one ``Decoded`` per plan: None where the file lacks the column, ``NEEDS_ARROW`` where a
    page is beyond these kernels (the caller reads that column with pyarrow)."""
    rows = meta.num_rows
    out: list[Decoded | None] = []
    for plan in plans:
        if plan is None:
            out.append(None)
            continue
        chunk = meta.column(plan.leaf)
        codec = chunk.compression
        if codec != "UNCOMPRESSED" and codec not in _CODECS:
            out.append(NEEDS_ARROW)
            continue
        start = chunk.data_page_offset
        if chunk.has_dictionary_page and chunk.dictionary_page_offset is not None and 0 < chunk.dictionary_page_offset < start:
            start = chunk.dictionary_page_offset
        try:
            raw = _chunk_bytes(source, start, chunk.total_compressed_size)
        except (OSError, ValueError, pa.ArrowException):
            out.append(NEEDS_ARROW)  # pyarrow's read says what is wrong
            continue
        decoded = _decode_chunk(raw, plan, None if codec == "UNCOMPRESSED" else pa.Codec(_CODECS[codec]), rows)
        out.append(NEEDS_ARROW if decoded is None else decoded)
    return out


def _chunk_bytes(source: Any, start: int, size: int) -> np.ndarray:
    """``size`` bytes of the file from ``start``, read-only (a view when ``source`` is a
    buffer)."""
    if isinstance(source, pa.Buffer):
        if start < 0 or size < 0 or start + size > source.size:
            raise ValueError("column chunk beyond the end of the file")
        return np.frombuffer(source, np.uint8, size, start)
    return np.frombuffer(source.read_at(size, start), np.uint8)


class _Unsupported(Exception):
    """A page these kernels do not decode: the row group goes to pyarrow."""


def _decode_chunk(raw: np.ndarray, plan: ColumnPlan, codec: pa.Codec | None, rows: int) -> Decoded | None:
    heads = page_headers(raw, 16)
    if heads.shape[1] == 1:
        return None
    try:
        return _Chunk(raw, plan, codec, rows).decode(heads)
    except _Unsupported:
        return None


class _Chunk:
    """The state of decoding one column chunk, page by page."""

    def __init__(self, raw: np.ndarray, plan: ColumnPlan, codec: pa.Codec | None, rows: int) -> None:
        self.raw, self.plan, self.codec, self.rows = raw, plan, codec, rows
        self.strings = plan.out is None
        self.valid = np.empty(rows, np.bool_) if plan.max_def else None
        self.levels = np.empty(0, np.int32)
        # dense (non-null) values: numbers in the file's width, strings as dictionary codes
        self.dense = pooled(rows, np.int32 if self.strings else _dense_dtype(plan))
        self.dictionary: Any = None  # numbers: an array; strings: (bytes, starts, ends)
        self.row = 0  # rows decoded
        self.count = 0  # non-null values decoded
        self.scratch: np.ndarray | None = None  # decompressed data pages, reused
        self.plain = False  # some values came from PLAIN pages, not the dictionary
        self.plain_strings: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # PLAIN pages' (bytes, starts, ends)
        self.plain_count = 0  # strings in them

    def decode(self, heads: np.ndarray) -> Decoded:
        for h in heads:
            kind = h[H_TYPE]
            if kind == _DICTIONARY:
                self._dictionary_page(h)
            elif kind in (_DATA_V1, _DATA_V2):
                self._data_page(h)
            elif kind != _INDEX:
                raise _Unsupported
        if self.row != self.rows:
            raise _Unsupported
        return self._finish()

    def _body(self, h: np.ndarray, skip: int = 0, keep: bool = False) -> np.ndarray:
        """The page's bytes after its first ``skip`` (v2 levels, stored uncompressed),
        decompressed: into the chunk's scratch buffer, or a buffer of its own when the caller
        ``keep``s it (a dictionary)."""
        body = self.raw[h[H_BODY] + skip:h[H_BODY] + h[H_COMPRESSED]]
        if self.codec is None or (h[H_TYPE] == _DATA_V2 and not h[H_IS_COMPRESSED]):
            return body
        size = h[H_SIZE] - skip
        if size == 0:
            return np.empty(0, np.uint8)
        # ``Codec.decompress`` returns a buffer of the size asked for, whatever it wrote: so the
        # size is checked where the format states it, and brotli and LZ4 are read by
        # readers that say how much they wrote (pyarrow: "Page didn't decompress to expected size")
        name = self.codec.name
        if _stated_size(name, body) not in (None, size):
            raise _Unsupported
        if name == "snappy":  # cramjam's snappy: about 1.8x Arrow's, and into a reused buffer
            out = pooled(size, np.uint8) if keep else self._scratch(size)
            try:
                written = cramjam.snappy.decompress_raw_into(body, out)
            except (cramjam.DecompressionError, ValueError):
                raise _Unsupported from None
            if written != size:
                raise _Unsupported
            return out
        import lz4.block

        try:
            if name == "brotli":
                out = pa.CompressedInputStream(pa.BufferReader(pa.py_buffer(body)), "brotli").read()
            elif name == "lz4_raw":
                out = lz4.block.decompress(body.tobytes(), uncompressed_size=size)
            else:
                out = self.codec.decompress(body, decompressed_size=size)
        except (pa.ArrowException, ValueError, OSError, lz4.block.LZ4BlockError):
            raise _Unsupported from None
        if len(out) != size:
            raise _Unsupported
        return np.frombuffer(out, np.uint8)

    def _scratch(self, size: int) -> np.ndarray:
        """``size`` bytes of the buffer data pages are decompressed into, one after another."""
        if self.scratch is None or len(self.scratch) < size:
            self.scratch = pooled(max(size, 2 * len(self.scratch) if self.scratch is not None else size), np.uint8)
        return self.scratch[:size]

    def _dictionary_page(self, h: np.ndarray) -> None:
        if h[H_ENCODING] not in (_PLAIN, _PLAIN_DICTIONARY) or self.dictionary is not None or self.plain_count:
            raise _Unsupported  # a second dictionary, or one after PLAIN values (codes would clash)
        data, n = self._body(h, keep=True), int(h[H_VALUES])
        if n < 0 or n > len(data):
            raise _Unsupported
        dtype = self.dense.dtype
        if self.plan.physical in _FIXED and _viewable(data, dtype, n):
            self.dictionary = data[:n * dtype.itemsize].view(dtype)  # the page is the dictionary: no copy
        elif self.strings:
            starts, ends = np.empty(n, np.int64), np.empty(n, np.int64)
            if plain_spans(data, 0, len(data), n, starts, ends, 0) < 0:
                raise _Unsupported
            self.dictionary = (data, starts, ends)
        else:
            values = np.empty(n, self.dense.dtype)
            self._plain_fixed(data, 0, n, values, 0)
            self.dictionary = values

    def _data_page(self, h: np.ndarray) -> None:
        n = int(h[H_VALUES])
        if n < 0 or self.row + n > self.rows:
            raise _Unsupported
        present = n
        if h[H_TYPE] == _DATA_V2:
            rep, dfn = int(h[H_REP_LEN]), int(h[H_DEF_LEN])
            if rep:
                raise _Unsupported
            if self.valid is not None:
                levels = self.raw[h[H_BODY]:h[H_BODY] + dfn]
                present = self._levels(levels, 0, len(levels), n)
            data, at = self._body(h, rep + dfn, keep=self._keeps(h)), 0
        else:
            data, at = self._body(h, keep=self._keeps(h)), 0
            if self.valid is not None:
                if h[H_DEF_ENCODING] != _RLE or len(data) < 4:
                    raise _Unsupported
                size = int(data[0]) | int(data[1]) << 8 | int(data[2]) << 16 | int(data[3]) << 24
                present = self._levels(data, 4, 4 + size, n)
                at = 4 + size
        enc = h[H_ENCODING]
        if enc in (_PLAIN_DICTIONARY, _RLE_DICTIONARY):
            self._indices(data, at, present)
        elif enc == _PLAIN:
            self._plain(data, at, present)
        elif enc == _RLE and self.plan.physical == "BOOLEAN":  # v2 pages' booleans
            self._rle_bools(data, at, present)
        else:
            raise _Unsupported
        self.row += n
        self.count += present

    def _levels(self, data: np.ndarray, start: int, end: int, n: int) -> int:
        """Definition levels (bit width 1) into ``valid``; how many values are present."""
        if len(self.levels) < n:
            self.levels = np.empty(n, np.int32)
        if end > len(data) or rle_hybrid(data, start, end, 1, self.levels, 0, n, _LEVELS, False) < 0:
            raise _Unsupported
        levels = self.levels[:n]
        np.equal(levels, 1, out=self.valid[self.row:self.row + n])
        return int(np.count_nonzero(levels))

    def _indices(self, data: np.ndarray, at: int, present: int) -> None:
        if self.dictionary is None or at >= len(data) and present:
            raise _Unsupported
        if not present:
            return
        width = int(data[at])
        if self.strings:  # the indices are the codes (each checked against the dictionary's size)
            ok = rle_hybrid(data, at + 1, len(data), width, self.dense, self.count, present, self.dictionary[1], False)
        else:
            ok = rle_hybrid(data, at + 1, len(data), width, self.dense, self.count, present, self.dictionary, True)
        if ok < 0:
            raise _Unsupported

    def _rle_bools(self, data: np.ndarray, at: int, present: int) -> None:
        """Booleans as RLE/bit-packed runs of width 1 after a 4-byte length."""
        if at + 4 > len(data):
            raise _Unsupported
        size = int(data[at]) | int(data[at + 1]) << 8 | int(data[at + 2]) << 16 | int(data[at + 3]) << 24
        if len(self.levels) < present:
            self.levels = np.empty(present, np.int32)
        if at + 4 + size > len(data) or rle_hybrid(data, at + 4, at + 4 + size, 1, self.levels, 0, present, _LEVELS, False) < 0:
            raise _Unsupported
        np.not_equal(self.levels[:present], 0, out=self.dense[self.count:self.count + present])

    def _keeps(self, h: np.ndarray) -> bool:
        """Whether a data page's bytes outlive it: PLAIN strings are read at the end."""
        return self.strings and h[H_ENCODING] == _PLAIN

    def _plain(self, data: np.ndarray, at: int, present: int) -> None:
        self.plain = True
        if self.strings:  # spans now, codes at the end: after the dictionary's, then distinct
            starts, ends = np.empty(present, np.int64), np.empty(present, np.int64)
            if plain_spans(data, at, len(data), present, starts, ends, 0) < 0:
                raise _Unsupported
            first = (len(self.dictionary[1]) if self.dictionary is not None else 0) + self.plain_count
            self.dense[self.count:self.count + present] = np.arange(first, first + present, dtype=np.int32)
            self.plain_strings.append((data, starts, ends))
            self.plain_count += present
            return
        self._plain_fixed(data, at, present, self.dense, self.count)

    def _plain_fixed(self, data: np.ndarray, at: int, n: int, out: np.ndarray, pos: int) -> None:
        physical = self.plan.physical
        if physical == "BOOLEAN":
            if unpack_bools(data, at, len(data), n, out, pos) < 0:
                raise _Unsupported
        elif physical == "FIXED_LEN_BYTE_ARRAY":
            if flba_to_int64(data, at, len(data), n, self.plan.width, out, pos) < 0:
                raise _Unsupported
        else:
            dtype = _FIXED[physical]
            if at + n * dtype.itemsize > len(data):
                raise _Unsupported
            out[pos:pos + n] = np.frombuffer(data, dtype, n, at)

    def _finish(self) -> Decoded:
        valid = self.valid
        if valid is not None and self.count == self.rows:
            valid = None
        if self.strings:
            return self._finish_strings(valid)
        values = self.dense[:self.count]
        plan = self.plan
        if values.dtype != plan.out:
            values = values.astype(plan.out)
        if plan.bound is not None:  # every value came from the dictionary: checking it is enough
            checked = values if self.plain or self.dictionary is None else self.dictionary  # no copy
            if beyond(checked, plan.bound):
                raise _Unsupported  # pyarrow's cast refuses such a value (or it would overflow)
        if plan.multiply != 1:
            values = values * plan.multiply
        return Decoded(_spread(values, valid, self.rows), valid)

    def _finish_strings(self, valid: np.ndarray | None) -> Decoded:
        if self.plain_strings:
            return self._finish_plain_strings(valid)
        if self.dictionary is None:  # every value NULL
            data, starts, ends = np.empty(0, np.uint8), np.empty(0, np.int64), np.empty(0, np.int64)
        else:
            data, starts, ends = self.dictionary
        dictionary = _string_array(data, starts, ends, np.arange(len(starts), dtype=np.int64))
        return Decoded(_spread(self.dense[:self.count], valid, self.rows), valid, dictionary=dictionary)

    def _finish_plain_strings(self, valid: np.ndarray | None) -> Decoded:
        """Codes for a chunk with PLAIN pages (a writer's dictionary that grew too large, or
        none): the dictionary's values and the pages' strings in one buffer, hashed into
        distinct values (``kernels.string_dedup``)."""
        pieces = ([self.dictionary] if self.dictionary is not None else []) + self.plain_strings
        shift = np.cumsum([0] + [len(p[0]) for p in pieces[:-1]])
        data = np.concatenate([p[0] for p in pieces], out=pooled(sum(len(p[0]) for p in pieces), np.uint8))
        starts = np.concatenate([p[1] + k for p, k in zip(pieces, shift)])
        ends = np.concatenate([p[2] + k for p, k in zip(pieces, shift)])
        remap, firsts = dedup_spans(data, starts, ends)
        dictionary = _string_array(data, starts, ends, firsts)
        codes = remap[self.dense[:self.count]]
        return Decoded(_spread(codes, valid, self.rows), valid, dictionary=dictionary)


def _stated_size(codec: str, body: np.ndarray) -> int | None:
    """The decompressed size a compressed page states (snappy's preamble, gzip's ISIZE):
    ``Codec.decompress`` returns a buffer of the size asked for whatever it wrote."""
    if codec == "snappy":
        value, shift = 0, 0
        for b in body[:5].tolist():
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value
        return -1
    if codec == "gzip":
        return int.from_bytes(body[-4:].tobytes(), "little") if len(body) >= 18 else -1
    return None


def _viewable(data: np.ndarray, dtype: np.dtype, n: int) -> bool:
    """Whether ``data`` can be read in place as ``n`` values of ``dtype``: aligned and
    writable (a read-only array is another type to numba, compiled again)."""
    return data.flags.writeable and data.ctypes.data % dtype.itemsize == 0 and n * dtype.itemsize <= len(data)


def _dense_dtype(plan: ColumnPlan) -> np.dtype:
    if plan.physical == "BOOLEAN":
        return np.dtype(np.bool_)
    if plan.physical == "FIXED_LEN_BYTE_ARRAY":
        return np.dtype(np.int64)
    return _FIXED[plan.physical]


def _spread(dense: np.ndarray, valid: np.ndarray | None, rows: int) -> np.ndarray:
    """Dense values at the rows ``valid`` marks (other rows 0)."""
    if valid is None:
        return dense
    full = pooled(rows, dense.dtype)
    full[~valid] = 0
    full[valid] = dense
    return full


def _string_array(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, indices: np.ndarray) -> pa.Array:
    """The spans ``indices`` picks as an Arrow string array, its UTF-8 checked."""
    # distinct indices: the strings fit in the bytes they come from
    offsets, values, ok = gather_strings(data, starts, ends, indices, pooled(len(data) + 8, np.uint8))
    if not ok:
        raise _Unsupported
    arr = pa.StringArray.from_buffers(len(indices), pa.py_buffer(offsets), pa.py_buffer(values))
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        raise _Unsupported from None
    return arr
