"""Columns in memory: a ``Vector`` is one numpy array (+ validity, + string dictionary).

A batch is a list of equal-length vectors (``Batch``).  Arrow is the format at the edges;
``vector_from_arrow`` / ``vector_to_arrow`` are the only two conversions and are zero-copy
where the types allow.

Strings are always dictionary-encoded in memory: ``data`` holds int32 codes into
``dictionary`` (a pyarrow string array).  A dictionary produced by the engine holds distinct
values, so equal codes <=> equal strings *within one dictionary*; two vectors with different
dictionaries are compared after ``unify_dictionaries``.  At null positions ``data`` holds 0
(or any in-range code) and ``valid`` is False.

Expression evaluation returns either a ``Vector`` or a ``Scalar`` (a constant is never
expanded to a full column unless an operator needs it: ``Scalar.broadcast``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse import types as T
from warehouse.types import Kind, SqlType

EPOCH_DATE = np.datetime64("1970-01-01", "D")


@dataclass
class Vector:
    """One column of a batch.

    ``valid`` is None when the vector has no nulls, else a bool array (True = not null).
    ``dictionary`` is set exactly when ``type.is_string``.
    """

    type: SqlType
    data: np.ndarray
    valid: np.ndarray | None = None
    dictionary: pa.Array | None = None

    def __len__(self) -> int:
        return len(self.data)

    @staticmethod
    def empty(t: SqlType) -> Vector:
        """A zero-row vector of type ``t`` (strings get an empty dictionary)."""
        if t.is_string:
            return Vector(t, np.empty(0, np.int32), None, pa.array([], pa.string()))
        return Vector(t, np.empty(0, t.numpy_dtype))

    @property
    def null_count(self) -> int:
        return 0 if self.valid is None else int(len(self.valid) - np.count_nonzero(self.valid))

    def take(self, indices: np.ndarray) -> Vector:
        """Rows at ``indices`` (int array); -1 is not allowed (use ``take_or_null``)."""
        return Vector(
            self.type,
            self.data[indices],
            None if self.valid is None else self.valid[indices],
            self.dictionary,
        )

    def take_or_null(self, indices: np.ndarray) -> Vector:
        """Rows at ``indices``; an index of -1 gives NULL (outer-join padding)."""
        missing = indices < 0
        if not missing.any():
            return self.take(indices)
        safe = np.where(missing, 0, indices)
        if len(self.data) == 0:
            data = np.zeros(len(indices), dtype=self.data.dtype)
            valid = np.zeros(len(indices), dtype=np.bool_)
        else:
            data = self.data[safe]
            valid = ~missing if self.valid is None else (self.valid[safe] & ~missing)
        return Vector(self.type, data, valid, self.dictionary)

    def filter(self, mask: np.ndarray) -> Vector:
        """Rows where the bool ``mask`` is True (positions first, then a gather: several
        times faster than numpy's boolean indexing when about half the rows pass)."""
        return self.take(np.flatnonzero(mask))

    def slice(self, start: int, stop: int) -> Vector:
        """A zero-copy view of rows [start, stop)."""
        return Vector(
            self.type,
            self.data[start:stop],
            None if self.valid is None else self.valid[start:stop],
            self.dictionary,
        )

    def with_type(self, t: SqlType) -> Vector:
        return Vector(t, self.data, self.valid, self.dictionary)

    def validity(self) -> np.ndarray:
        """The validity as a bool array (allocates all-True when there are no nulls)."""
        if self.valid is None:
            return np.ones(len(self.data), dtype=np.bool_)
        return self.valid

    def to_pylist(self) -> list[Any]:
        return vector_to_arrow(self).to_pylist()


@dataclass
class Scalar:
    """A constant: ``value`` is in physical form (scaled int for decimals, days for dates,
    microseconds for timestamps, ``str`` for strings, None for NULL)."""

    type: SqlType
    value: Any

    @property
    def is_null(self) -> bool:
        return self.value is None

    def broadcast(self, n: int) -> Vector:
        """This constant repeated ``n`` times as a vector."""
        t = self.type
        if t.is_null:
            return Vector(T.NULLTYPE, np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_))
        if t.is_string:
            if self.value is None:
                return Vector(t, np.zeros(n, np.int32), np.zeros(n, np.bool_), pa.array([], pa.string()))
            return Vector(t, np.zeros(n, np.int32), None, pa.array([self.value], pa.string()))
        if self.value is None:
            return Vector(t, np.zeros(n, dtype=t.numpy_dtype), np.zeros(n, dtype=np.bool_))
        return Vector(t, np.full(n, self.value, dtype=t.numpy_dtype))


@dataclass
class Batch:
    """Equal-length vectors; ``length`` is kept explicitly for zero-column batches."""

    columns: list[Vector]
    length: int = field(default=-1)

    def __post_init__(self) -> None:
        if self.length < 0:
            self.length = len(self.columns[0]) if self.columns else 0

    def __len__(self) -> int:
        return self.length

    def take(self, indices: np.ndarray) -> Batch:
        return Batch([c.take(indices) for c in self.columns], len(indices))

    def filter(self, mask: np.ndarray) -> Batch:
        """Rows where the bool ``mask`` is True: their positions once, then one gather a column."""
        return self.take(np.flatnonzero(mask))

    def slice(self, start: int, stop: int) -> Batch:
        stop = min(stop, self.length)
        start = min(start, stop)
        return Batch([c.slice(start, stop) for c in self.columns], stop - start)


# ----- strings --------------------------------------------------------------------------
def unify_dictionaries(vectors: list[Vector]) -> list[Vector]:
    """Re-code string vectors so they share one dictionary of distinct values."""
    dicts = [v.dictionary for v in vectors]
    if all(d is dicts[0] for d in dicts):
        return vectors
    merged = pa.concat_arrays([d.cast(pa.string()) for d in dicts])
    remap_all, new_dict = distinct_strings(merged)
    out = []
    offset = 0
    for v, d in zip(vectors, dicts):
        remap = remap_all[offset : offset + len(d)]
        offset += len(d)
        codes = remap[v.data] if len(d) else np.zeros(len(v.data), np.int32)
        out.append(Vector(v.type, codes, v.valid, new_dict))
    return out


def distinct_strings(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(int32 codes, dictionary of distinct values) for a string array without NULLs:
    ``kernels.string_dedup`` over its buffers, several times ``dictionary_encode``'s speed."""
    from kernels.parquet import gather_strings
    from kernels.pool import pooled
    from kernels.string_dedup import dedup_spans

    if len(arr) == 0:
        return np.zeros(0, np.int32), arr
    offsets = np.frombuffer(arr.buffers()[1], np.int32, len(arr) + 1, arr.offset * 4)
    data = arr.buffers()[2]
    data = np.frombuffer(data, np.uint8) if data is not None and data.size else np.zeros(8, np.uint8)
    starts, ends = offsets[:-1].astype(np.int64), offsets[1:].astype(np.int64)
    codes, firsts = dedup_spans(data, starts, ends)
    # the distinct strings copied out word by word (Arrow's take copies a string at a time)
    new_offsets, values, ok = gather_strings(data, starts, ends, firsts, pooled(len(data) + 8, np.uint8))
    if not ok:
        return codes, arr.take(pa.array(firsts))
    return codes, pa.StringArray.from_buffers(len(firsts), pa.py_buffer(new_offsets), pa.py_buffer(values))


def strings_from_arrow(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray | None, pa.Array]:
    """(codes, valid, dictionary) for an Arrow string array, dictionary of distinct values."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if pa.types.is_string_view(arr.type) or pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    else:
        # an incoming dictionary may hold duplicates or unused entries: normalise it
        values = arr.dictionary.cast(pa.string())
        enc = pc.dictionary_encode(values)
        remap = enc.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        idx = arr.indices.fill_null(0).to_numpy(zero_copy_only=False)
        codes = remap[idx] if len(remap) else np.zeros(len(idx), np.int32)
        valid = None if arr.null_count == 0 else arr.is_valid().to_numpy(zero_copy_only=False)
        return codes.astype(np.int32, copy=False), valid, enc.dictionary
    codes = arr.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    valid = None if arr.null_count == 0 else arr.is_valid().to_numpy(zero_copy_only=False)
    return codes, valid, arr.dictionary


# ----- Arrow <-> Vector -----------------------------------------------------------------
def vector_from_arrow(arr: pa.Array | pa.ChunkedArray, t: SqlType | None = None) -> Vector:
    """Convert an Arrow array to a vector of SQL type ``t`` (inferred when None).

    The Arrow type must already match ``t``'s family (cast with pyarrow first otherwise).
    """
    if t is None:
        t = T.from_arrow(arr.type)
    if t.is_string:
        if t.nested is not None and not _is_text(arr.type):
            from loaders.nested import to_json  # array/map/struct values become their JSON text

            arr = to_json(arr)
        codes, valid, dictionary = strings_from_arrow(arr)
        return Vector(t, codes, valid, dictionary)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else (arr.chunk(0) if arr.num_chunks else pa.array([], arr.type))
    valid = None if arr.null_count == 0 else arr.is_valid().to_numpy(zero_copy_only=False)
    k = t.kind
    if k is Kind.NULL:
        n = len(arr)
        return Vector(t, np.zeros(n, np.bool_), np.zeros(n, np.bool_))
    if k is Kind.DECIMAL:
        data = _decimal_to_scaled_int64(arr, t.scale)
    elif k is Kind.DATE:
        if pa.types.is_date64(arr.type):
            arr = arr.cast(pa.date32())
        data = _fixed_to_numpy(arr, np.int32)
    elif k in (Kind.TIMESTAMP, Kind.TIMESTAMPTZ):
        if arr.type != pa.timestamp("us", tz=arr.type.tz):
            arr = arr.cast(pa.timestamp("us", tz=arr.type.tz))
        data = _fixed_to_numpy(arr, np.int64)
    elif k is Kind.BOOLEAN:
        data = arr.fill_null(False).to_numpy(zero_copy_only=False).astype(np.bool_, copy=False)
    else:
        target = t.numpy_dtype
        if arr.type != pa.from_numpy_dtype(target):
            arr = arr.cast(pa.from_numpy_dtype(target), safe=False)
        data = _fixed_to_numpy(arr, target)
    return Vector(t, data, valid)


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t) or (
        pa.types.is_dictionary(t) and _is_text(t.value_type)) or pa.types.is_null(t)


def _fixed_to_numpy(arr: pa.Array, dtype: Any) -> np.ndarray:
    """The values buffer as numpy (zero-copy); null slots hold whatever the buffer has."""
    buf = arr.buffers()[1]
    np_dtype = np.dtype(dtype)
    out = np.frombuffer(buf, dtype=np_dtype, count=len(arr) + arr.offset)[arr.offset :]
    return out


def _decimal_to_scaled_int64(arr: pa.Array, scale: int) -> np.ndarray:
    """decimal128 values as scaled int64 (the low 64 bits; values of <= 18 digits fit)."""
    if pa.types.is_decimal(arr.type):
        if arr.type.scale != scale:
            arr = arr.cast(pa.decimal128(38, scale))
        if arr.type.bit_width == 128:
            buf = arr.buffers()[1]
            words = np.frombuffer(buf, dtype=np.int64, count=2 * (len(arr) + arr.offset))
            return words[2 * arr.offset :: 2].copy()
        arr = arr.cast(pa.decimal128(38, scale))
        return _decimal_to_scaled_int64(arr, scale)
    if pa.types.is_integer(arr.type):
        return arr.to_numpy(zero_copy_only=False).astype(np.int64) * (10**scale)
    if pa.types.is_floating(arr.type):
        vals = arr.to_numpy(zero_copy_only=False) * (10**scale)
        return np.round(vals).astype(np.int64)
    return _decimal_to_scaled_int64(arr.cast(pa.decimal128(38, scale)), scale)


def vector_to_arrow(v: Vector) -> pa.Array:
    """Convert a vector to an Arrow array of ``v.type.arrow_type`` (strings decoded)."""
    t = v.type
    mask = None if v.valid is None else ~v.valid
    k = t.kind
    if t.is_string:
        indices = pa.array(v.data, type=pa.int32(), mask=mask)
        if len(v.dictionary) == 0:
            return pa.nulls(len(v.data), pa.string())
        return pc.take(v.dictionary, indices)
    if k is Kind.NULL:
        return pa.nulls(len(v.data))
    if k is Kind.DECIMAL:
        return _scaled_int64_to_decimal(v.data, mask, t)
    if k is Kind.DATE:
        return pa.array(v.data.astype(np.int32, copy=False), type=pa.int32(), mask=mask).view(pa.date32())
    if k in (Kind.TIMESTAMP, Kind.TIMESTAMPTZ):
        return pa.array(v.data.astype(np.int64, copy=False), type=pa.int64(), mask=mask).view(t.arrow_type)
    return pa.array(v.data, type=t.arrow_type, mask=mask)


def _scaled_int64_to_decimal(data: np.ndarray, mask: np.ndarray | None, t: SqlType) -> pa.Array:
    """Scaled int64 -> decimal128(p, s) without going through Python objects."""
    n = len(data)
    words = np.empty(2 * n, dtype=np.int64)
    words[0::2] = data
    words[1::2] = np.where(data < 0, -1, 0)
    validity = None
    if mask is not None:
        validity = pa.array(~mask, type=pa.bool_()).buffers()[1]
    precision = max(t.precision, 1)
    return pa.Array.from_buffers(
        pa.decimal128(precision, t.scale), n, [validity, pa.py_buffer(words.tobytes())]
    )


def batch_to_arrow(batch: Batch, names: list[str]) -> pa.Table:
    """A batch as an Arrow table with the given column names."""
    arrays = [vector_to_arrow(c) for c in batch.columns]
    if not arrays:
        return pa.table({})
    return pa.Table.from_arrays(arrays, names=_dedupe(names))


def _dedupe(names: list[str]) -> list[str]:
    """Arrow allows duplicate names; keep them, as PostgreSQL does."""
    return list(names)


def concat_vectors(parts: list[Vector]) -> Vector:
    """One vector from several of the same type (dictionaries unified for strings)."""
    if len(parts) == 1:
        return parts[0]
    t = parts[0].type
    if t.is_string:
        parts = unify_dictionaries(parts)
    data = np.concatenate([p.data for p in parts])
    if all(p.valid is None for p in parts):
        valid = None
    else:
        valid = np.concatenate([p.validity() for p in parts])
    return Vector(t, data, valid, parts[0].dictionary if t.is_string else None)


def concat_batches(batches: list[Batch], ncols: int) -> Batch:
    """One batch from several with the same columns."""
    batches = [b for b in batches if b.length > 0] or batches[:1]
    if not batches:
        return Batch([], 0)
    if len(batches) == 1:
        return batches[0]
    rows = sum(b.length for b in batches)
    parts = [[b.columns[i] for b in batches] for i in range(ncols)]
    slow = [i for i, p in enumerate(parts) if _recodes(p)]
    if len(slow) >= 2 and rows >= 65536:  # strings hashed into one dictionary: a column a thread
        from loaders.pipeline import in_parallel

        done = dict(zip(slow, in_parallel([lambda p=parts[i]: concat_vectors(p) for i in slow])))
        return Batch([done[i] if i in done else concat_vectors(parts[i]) for i in range(ncols)], rows)
    return Batch([concat_vectors(p) for p in parts], rows)


def _recodes(parts: list[Vector]) -> bool:
    """Whether concatenating these parts hashes strings (dictionaries that differ)."""
    return parts[0].type.is_string and any(p.dictionary is not parts[0].dictionary for p in parts)
