"""Helpers shared by the function implementations.

Implementations receive evaluated arguments as ``Vector | Scalar``; ``as_vec`` turns a
Scalar into a length-1 vector so numpy broadcasting does the rest.  ``make`` builds the
result vector, dropping an all-True validity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.errors import DataError, NumericOverflow
from warehouse.types import SqlType
from warehouse.vector import Scalar, Vector

Value = Vector | Scalar

EMPTY_STR = pa.nulls(0, pa.string())  # not pa.array([]): that imports pandas (0.1 s)


def as_vec(x: Value) -> Vector:
    if isinstance(x, Vector):
        return x
    return x.broadcast(1)


def is_scalar(x: Value) -> bool:
    return isinstance(x, Scalar)


def and_valid(*valids: np.ndarray | None) -> np.ndarray | None:
    out = None
    for v in valids:
        if v is None:
            continue
        out = v if out is None else (out & v)
    return out


def norm_valid(valid: np.ndarray | None, n: int | None = None) -> np.ndarray | None:
    if valid is None:
        return None
    if n is not None and len(valid) != n:
        valid = np.broadcast_to(valid, (n,)).copy()
    if valid.all():
        return None
    return valid


def make(t: SqlType, data: np.ndarray, valid: np.ndarray | None = None, dictionary: pa.Array | None = None) -> Vector:
    data = np.asarray(data)
    if data.ndim == 0:
        data = data.reshape(1)
    if t.numpy_dtype != data.dtype:
        data = data.astype(t.numpy_dtype)
    if valid is not None and len(valid) != len(data):
        n = max(len(valid), len(data))
        if len(data) != n:
            data = np.broadcast_to(data, (n,)).copy()
        valid = np.broadcast_to(valid, (n,)).copy()
    valid = norm_valid(valid)
    if valid is not None and not t.is_string:
        # keep null slots deterministic (0)
        pass
    return Vector(t, data, valid, dictionary)


def scalar_of(v: Vector) -> Scalar:
    """The first element of a vector as a Scalar (physical value); a Scalar is returned as is."""
    if isinstance(v, Scalar):
        return v
    if len(v) == 0 or (v.valid is not None and not v.valid[0]):
        return Scalar(v.type, None)
    if v.type.is_null:
        return Scalar(v.type, None)
    if v.type.is_string:
        return Scalar(v.type, v.dictionary[int(v.data[0])].as_py())
    return Scalar(v.type, v.data[0].item())


def broadcast_to(v: Vector, n: int) -> Vector:
    if len(v) == n:
        return v
    data = np.broadcast_to(v.data, (n,)).copy()
    valid = None if v.valid is None else np.broadcast_to(v.valid, (n,)).copy()
    return Vector(v.type, data, valid, v.dictionary)


def overflow(t: SqlType) -> NumericOverflow:
    return NumericOverflow(f"numeric value out of range for type {t}", sqlstate="22003")


def div_zero() -> DataError:
    return DataError("division by zero", sqlstate="22012")


def pow10(k: int) -> int:
    return 10**k


# ----- strings: dictionary-wise evaluation ---------------------------------------------
def dict_result_strings(v: Vector, result: pa.Array, t: SqlType, extra_valid: np.ndarray | None = None) -> Vector:
    """A string vector whose row values are ``result[v.codes]`` (result aligned to v's
    dictionary); the result dictionary is re-deduplicated."""
    if len(result) == 0:
        return Vector(t, np.zeros(len(v), np.int32), np.zeros(len(v), np.bool_), EMPTY_STR)
    if result.type != pa.string():
        result = result.cast(pa.string())
    enc = pc.dictionary_encode(result)
    remap_arr = enc.indices
    valid = v.valid
    if remap_arr.null_count:
        entry_valid = remap_arr.is_valid().to_numpy(zero_copy_only=False)
        valid = and_valid(valid, entry_valid[v.data])
        remap = remap_arr.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int32)
    else:
        remap = remap_arr.to_numpy(zero_copy_only=False).astype(np.int32)
    valid = and_valid(valid, extra_valid)
    codes = remap[v.data]
    d = enc.dictionary
    if len(d) == 0:
        d = pa.array([""], pa.string())
    return make(t, codes, valid, d)


def dict_result_values(v: Vector, result: pa.Array | np.ndarray, t: SqlType) -> Vector:
    """A non-string vector whose row values are ``result[v.codes]``."""
    if isinstance(result, np.ndarray):
        vals, entry_valid = result, None
    else:
        entry_valid = None if result.null_count == 0 else result.is_valid().to_numpy(zero_copy_only=False)
        if pa.types.is_boolean(result.type):
            vals = result.fill_null(False).to_numpy(zero_copy_only=False)
        elif result.null_count:
            vals = result.fill_null(0).to_numpy(zero_copy_only=False)
        else:
            vals = result.to_numpy(zero_copy_only=False)
    if len(vals) == 0:
        return Vector(t, np.zeros(len(v), t.numpy_dtype), np.zeros(len(v), np.bool_))
    data = vals[v.data]
    valid = v.valid
    if entry_valid is not None:
        valid = and_valid(valid, entry_valid[v.data])
    return make(t, data, valid)


def decode_strings(v: Vector) -> pa.Array:
    """The row values of a string vector as an Arrow string array."""
    mask = None if v.valid is None else ~v.valid
    if len(v.dictionary) == 0:
        return pa.nulls(len(v), pa.string())
    return pc.take(v.dictionary, pa.array(v.data, pa.int32(), mask=mask))


def strings_vector(arr: pa.Array, t: SqlType) -> Vector:
    from warehouse.vector import strings_from_arrow

    codes, valid, d = strings_from_arrow(arr)
    if len(d) == 0:
        d = pa.array([""], pa.string())
    return Vector(t, codes, valid, d)


def py_value(x: Any) -> Any:
    return x


def python_rows(fn: Any, call: Any, args: list[Any], n: int, *, strict: bool = True) -> Any:
    """``fn`` applied to each row's Python values (None for NULL): for functions over small
    relations (catalog lookups, array text).  ``strict``: a NULL argument gives NULL without
    calling ``fn``.  All-constant arguments give a constant.  Not for DECIMAL arguments."""
    from warehouse.vector import vector_from_arrow

    t = call.type
    if all(isinstance(a, Scalar) for a in args):
        vals = [a.value for a in args]
        out = None if strict and any(v is None for v in vals) else fn(*vals)
        return Scalar(t, out)
    cols = [a.to_pylist() if not isinstance(a, Scalar) else None for a in args]
    length = max(len(c) for c in cols if c is not None)
    out_rows = []
    for i in range(length):
        vals = [a.value if c is None else c[i] for a, c in zip(args, cols)]
        out_rows.append(None if strict and any(v is None for v in vals) else fn(*vals))
    return vector_from_arrow(pa.array(out_rows, pa.string() if t.is_string else t.arrow_type), t)
