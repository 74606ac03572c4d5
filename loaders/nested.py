"""Nested values (Hive's array/map/struct) of external tables: conforming what a file holds
to the declared type, and rendering values as JSON text.

The engine carries an ``array<T>``, ``map<K,V>`` or ``struct<a:T,...>`` column as VARCHAR
holding the value's JSON text (``warehouse.types.nested_type``).  Readers produce Arrow
arrays of the declared nested type (``types.hive_arrow_type``: ``list``, ``map``,
``struct``), and the engine renders them as JSON once, when it turns the scan's Arrow
columns into vectors (``to_json``).

- ``conform(arr, t)``: a Parquet/ORC column (any Arrow nesting) as the declared type ``t``.
  Struct fields are matched by name, ignoring case, as Athena does: a declared field the
  file lacks is NULL, a field the file has and the table does not declare is left out.
  Lists (``list``, ``large_list``, ``fixed_size_list``) and maps (or lists of two-field
  structs, as some writers store maps) are rebuilt around their conformed children, leaves
  are cast by Arrow; a string column is taken as JSON text (``from_json_text``: what
  ``CREATE EXTERNAL TABLE ... AS SELECT`` of a nested column writes).  A shape that does not fit (a struct where a list is declared, a string
  that is not a number) raises ``NestedMismatch``: the object cannot be read as declared,
  Athena's HIVE_BAD_DATA.
- ``to_json(arr)``: JSON text of each value, built with pyarrow compute over the flattened
  children (no Python loop per row): leaves are cast to text (strings escaped and quoted,
  dates and timestamps quoted), lists and maps are joined with ``binary_join`` over list
  arrays rebuilt on the children's text, structs with ``binary_join_element_wise``.  The
  text is compact and canonical: ``[1,2]``, ``{"a":1,"b":"x"}``, map keys always strings.
  A string holding control characters other than ``\\n \\r \\t`` is escaped by Python's
  ``json`` (only those values).
- ``json_read_type(t)``: the type ``pyarrow.json`` parses a nested JSON value as (leaves
  widened: int64, float64, dates and timestamps as text), or None where it cannot (a map
  anywhere inside: ``pyarrow.json`` has no maps).  Such a column is built straight from the
  records' text instead: ``from_spans`` walks the JSON with ``kernels.nested`` (children by
  key, all elements of arrays and objects in one pass) and assembles the Arrow arrays level
  by level, leaves converted from their tokens by Arrow casts.  What does not fit raises
  ``NestedMismatch``, and the reader then goes record by record, where ``conform_py``
  decides value by value.
"""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kernels.nested import gather_spans, json_child, json_elements, json_kinds

__all__ = ["NestedMismatch", "conform", "conform_py", "from_json_text", "from_spans", "is_nested", "json_read_type", "leaf_from_tokens", "to_json"]


class NestedMismatch(ValueError):
    """A value or column whose shape does not fit the declared nested type."""


def is_nested(t: pa.DataType) -> bool:
    """Whether an Arrow type is a list, map or struct."""
    return (
        pa.types.is_struct(t) or pa.types.is_map(t) or pa.types.is_list(t) or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t) or pa.types.is_list_view(t) or pa.types.is_large_list_view(t)
    )


def _combine(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _mask(arr: pa.Array) -> pa.Array | None:
    return None if arr.null_count == 0 else arr.is_null()


def _offsets(arr: pa.Array) -> pa.Array:
    """A list/map array's offsets into its (whole) children, as an unsliced array (Arrow
    rebuilds lists with a null mask only over offsets that start at 0)."""
    offsets = arr.offsets
    if offsets.offset == 0:
        return offsets
    return pa.array(offsets.to_numpy(zero_copy_only=False), offsets.type)


# ----------------------------------------------------------------------------- conform
def conform(arr: pa.Array | pa.ChunkedArray, t: pa.DataType, where: str = "value") -> pa.Array:
    """``arr`` as the declared nested (or leaf) type ``t``; raises ``NestedMismatch``."""
    arr = _combine(arr)
    if arr.type == t:
        return arr
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), t)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if is_nested(t) and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type)):
        return from_json_text(arr, t, where)  # JSON text (as CREATE EXTERNAL TABLE AS SELECT writes it)
    if pa.types.is_struct(t):
        if not pa.types.is_struct(arr.type):
            raise NestedMismatch(f"{where} is {arr.type} in the data, the table declares a struct")
        children = arr.flatten()
        by_name = {}
        for i in range(arr.type.num_fields):
            by_name.setdefault(arr.type.field(i).name.lower(), i)
        out = []
        for f in t:
            i = by_name.get(f.name.lower())
            out.append(pa.nulls(len(arr), f.type) if i is None else conform(children[i], f.type, f"{where}.{f.name}"))
        return pa.StructArray.from_arrays(out, fields=list(t), mask=_mask(arr))
    if pa.types.is_map(t):
        if pa.types.is_map(arr.type):
            keys, items, offsets = arr.keys, arr.items, _offsets(arr)
        elif _is_entry_list(arr.type):
            arr = _as_list(arr)
            entries = arr.values
            keys, items, offsets = entries.field(0), entries.field(1), _offsets(arr)
        else:
            raise NestedMismatch(f"{where} is {arr.type} in the data, the table declares a map")
        k = conform(keys, t.key_type, f"{where} key")
        v = conform(items, t.item_type, f"{where} value")
        if k.null_count:
            raise NestedMismatch(f"{where} has a NULL map key")
        return pa.MapArray.from_arrays(offsets, k, v, type=t, mask=_mask(arr))
    if pa.types.is_list(t):
        if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type) or pa.types.is_fixed_size_list(arr.type)
                or pa.types.is_list_view(arr.type) or pa.types.is_large_list_view(arr.type)):
            raise NestedMismatch(f"{where} is {arr.type} in the data, the table declares an array")
        arr = _as_list(arr)
        values = conform(arr.values, t.value_type, f"{where}[]")
        return pa.ListArray.from_arrays(_offsets(arr), values, type=t, mask=_mask(arr))
    if is_nested(arr.type):
        raise NestedMismatch(f"{where} is {arr.type} in the data, the table declares {t}")
    try:
        return arr.cast(t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
        raise NestedMismatch(f"{where} ({arr.type}) cannot be read as {t}: {str(e).splitlines()[0]}") from None


def _is_entry_list(t: pa.DataType) -> bool:
    if not (pa.types.is_list(t) or pa.types.is_large_list(t)):
        return False
    v = t.value_type
    return pa.types.is_struct(v) and v.num_fields == 2


def _as_list(arr: pa.Array) -> pa.ListArray:
    """A list-like array as a ``list`` (int32 offsets) over its values."""
    t = arr.type
    if pa.types.is_list(t):
        return arr
    if pa.types.is_fixed_size_list(t):
        size = t.list_size
        offsets = pa.array(np.arange(len(arr) + 1, dtype=np.int32) * size, pa.int32())
        values = arr.values.slice(arr.offset * size, len(arr) * size)
        return pa.ListArray.from_arrays(offsets, values, mask=_mask(arr))
    return arr.cast(pa.list_(t.value_type))


# ----------------------------------------------------------------------------- to_json
_NULL = pa.scalar("null", pa.string())
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def to_json(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The JSON text of each value (a NULL value stays NULL)."""
    arr = _combine(arr)
    out = _render(arr)
    return out


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _filled(arr: pa.Array) -> pa.Array:
    return arr.fill_null(_NULL) if arr.null_count else arr


def _quote(s: pa.Array) -> pa.Array:
    """Strings as JSON string literals."""
    s = s.cast(pa.string()) if s.type != pa.string() else s
    e = pc.replace_substring(s, "\\", "\\\\")
    e = pc.replace_substring(e, '"', '\\"')
    e = pc.replace_substring(e, "\n", "\\n")
    e = pc.replace_substring(e, "\r", "\\r")
    e = pc.replace_substring(e, "\t", "\\t")
    out = _join('"', e, '"')
    odd = pc.match_substring_regex(s, _CONTROL)
    if pc.any(odd).as_py():  # rare control characters: Python's json escapes those values
        flags = odd.fill_null(False).to_numpy(zero_copy_only=False)
        vals = out.to_pylist()
        src = s.to_pylist()
        for i in np.flatnonzero(flags):
            vals[i] = json.dumps(src[i], ensure_ascii=False)
        out = pa.array(vals, pa.string())
    return out


def _render(arr: pa.Array) -> pa.Array:
    t = arr.type
    n = len(arr)
    if pa.types.is_dictionary(t):
        return _render(arr.dictionary_decode())
    if pa.types.is_null(t):
        return pa.nulls(n, pa.string())
    if pa.types.is_struct(t):
        children = arr.flatten()
        parts: list[Any] = []
        for i, child in enumerate(children):
            key = json.dumps(t.field(i).name, ensure_ascii=False)
            parts.append(("{" if i == 0 else ",") + key + ":")
            parts.append(_filled(_render(child)))
        if not parts:
            body = pa.array(["{}"] * n, pa.string())
        else:
            parts.append("}")
            body = _join(*parts)
        return body if arr.null_count == 0 else pc.if_else(arr.is_valid(), body, pa.scalar(None, pa.string()))
    if pa.types.is_map(t):
        keys = arr.keys
        key_text = _quote(keys if pa.types.is_string(keys.type) or pa.types.is_large_string(keys.type) else _render(keys))
        entries = _join(key_text, ":", _filled(_render(arr.items)))
        return _joined_list(arr, entries, "{", "}")
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t) or pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        arr = _as_list(arr)
        return _joined_list(arr, _filled(_render(arr.values)), "[", "]")
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return _quote(arr)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return _quote(arr.cast(pa.string()))
    if pa.types.is_boolean(t):
        return pc.if_else(arr, "true", "false")
    if pa.types.is_floating(t):
        text = arr.cast(pa.string())
        finite = pc.is_finite(arr)
        if pc.all(finite).as_py() is False:
            text = pc.if_else(finite, text, _quote(text))
        return text
    if pa.types.is_integer(t) or pa.types.is_decimal(t):
        return arr.cast(pa.string())
    if pa.types.is_date(t):
        return _quote(arr.cast(pa.date32()).cast(pa.string()))
    if pa.types.is_timestamp(t):
        text = arr.cast(pa.string())  # 2024-01-02 03:04:05.500000: trailing zeros go
        text = pc.replace_substring_regex(text, r"\.0+$", "")
        text = pc.replace_substring_regex(text, r"(\.\d*?)0+$", r"\1")
        return _quote(text)
    return _quote(arr.cast(pa.string()))


def _joined_list(arr: pa.Array, items: pa.Array, open_: str, close: str) -> pa.Array:
    """``open_`` + the items of each list joined by commas + ``close`` (NULL lists NULL)."""
    lists = pa.ListArray.from_arrays(_offsets(arr), items, mask=_mask(arr))
    return _join(open_, pc.binary_join(lists, ","), close)


# ----------------------------------------------------------------------- JSON reading
def json_read_type(t: pa.DataType) -> pa.DataType | None:
    """The type ``pyarrow.json`` parses a nested value of declared type ``t`` into (leaves
    widened, dates and timestamps as text), or None when it cannot (maps)."""
    if pa.types.is_map(t):
        return None
    if pa.types.is_struct(t):
        fields = []
        for f in t:
            sub = json_read_type(f.type)
            if sub is None:
                return None
            fields.append(pa.field(f.name, sub))
        return pa.struct(fields)
    if pa.types.is_list(t):
        sub = json_read_type(t.value_type)
        return None if sub is None else pa.list_(sub)
    if pa.types.is_integer(t):
        return pa.int64()
    if pa.types.is_floating(t):
        return pa.float64()
    if pa.types.is_decimal(t) or pa.types.is_boolean(t) or pa.types.is_string(t):
        return t
    return pa.string()


def conform_py(v: Any, t: pa.DataType, where: str = "value") -> Any:
    """A parsed JSON value (numbers may be ``str`` subclasses holding their text) as a
    Python value ``pa.array(..., t)`` takes; raises ``NestedMismatch`` when it does not fit."""
    if v is None:
        return None
    if pa.types.is_struct(t):
        if not isinstance(v, dict):
            raise NestedMismatch(f"{where}: expected an object for {t}, found {_kind(v)}")
        low: dict[str, Any] = {}
        for k, x in v.items():
            low.setdefault(k.lower(), x)
        return {f.name: conform_py(low.get(f.name.lower()), f.type, f"{where}.{f.name}") for f in t}
    if pa.types.is_map(t):
        if not isinstance(v, dict):
            raise NestedMismatch(f"{where}: expected an object for {t}, found {_kind(v)}")
        return [(conform_py(k, t.key_type, f"{where} key"), conform_py(x, t.item_type, f"{where}[{k!r}]")) for k, x in v.items()]
    if pa.types.is_list(t):
        if not isinstance(v, list):
            raise NestedMismatch(f"{where}: expected an array for {t}, found {_kind(v)}")
        return [conform_py(x, t.value_type, f"{where}[]") for x in v]
    if isinstance(v, (dict, list)):
        if pa.types.is_string(t):
            return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
        raise NestedMismatch(f"{where}: expected {t}, found {_kind(v)}")
    try:
        return _leaf(v, t)
    except (ValueError, TypeError, ArithmeticError) as e:
        raise NestedMismatch(f"{where}: {str(v)[:40]!r} is not a valid {t} ({e})") from None


def _kind(v: Any) -> str:
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, bool):
        return "a boolean"
    return "a number" if type(v) is not str and isinstance(v, (str, int, float)) else "a string"


def _leaf(v: Any, t: pa.DataType) -> Any:
    if pa.types.is_string(t):
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)
    if pa.types.is_boolean(t):
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in ("true", "false"):
            return s == "true"
        raise ValueError("not a boolean")
    if isinstance(v, bool):
        raise ValueError("a boolean")
    if pa.types.is_integer(t):
        s = str(v).strip()
        i = int(s) if not any(c in s for c in ".eE") else int(decimal.Decimal(s).to_integral_value(decimal.ROUND_DOWN))
        bits = t.bit_width
        if not -(1 << (bits - 1)) <= i < (1 << (bits - 1)):
            raise ValueError("out of range")
        return i
    if pa.types.is_floating(t):
        return float(str(v))
    if pa.types.is_decimal(t):
        d = decimal.Decimal(str(v).strip())
        q = d.quantize(decimal.Decimal(1).scaleb(-t.scale), rounding=decimal.ROUND_HALF_UP)
        if len(q.as_tuple().digits) - max(0, -q.as_tuple().exponent) > t.precision - t.scale and q != 0:
            raise ValueError("too many digits")
        return q
    if pa.types.is_date(t):
        return datetime.date.fromisoformat(str(v).strip()[:10])
    if pa.types.is_timestamp(t):
        return datetime.datetime.fromisoformat(str(v).strip())
    raise ValueError(f"unsupported type {t}")


# ---------------------------------------------------------------- JSON text -> Arrow
_OBJECT, _ARRAY, _STRING, _NUMBER, _BOOL = 1, 2, 3, 4, 5


def _key_bytes(name: str) -> tuple[np.ndarray, np.ndarray]:
    raw = json.dumps(name, ensure_ascii=False)[1:-1].encode()
    data = np.frombuffer(raw, np.uint8) if raw else np.zeros(1, np.uint8)
    return data, np.array([0, len(raw)], np.int64)


def _tokens(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """The JSON tokens at the spans as strings (negative starts NULL)."""
    out, offsets = gather_spans(data, starts, ends)
    raw = pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(out))
    missing = starts < 0
    return pc.if_else(pa.array(~missing), raw, pa.scalar(None, pa.string())) if missing.any() else raw


def leaf_from_tokens(raw: pa.Array, t: pa.DataType, where: str = "value") -> pa.Array:
    """JSON scalar tokens (``"text"``, ``12``, ``true``; NULL or ``null`` for none) as Arrow
    type ``t``: strings unquoted (escapes decoded), then cast.  Raises ``NestedMismatch``."""
    raw = pc.if_else(pc.equal(raw, "null"), pa.scalar(None, pa.string()), raw) if len(raw) else raw
    quoted = pc.starts_with(raw, '"')
    text = pc.if_else(quoted, pc.utf8_slice_codeunits(raw, 1, -1), raw)
    escaped = pc.and_(quoted, pc.match_substring(raw, "\\"))
    if len(raw) and pc.any(escaped).as_py():
        flags = escaped.fill_null(False).to_numpy(zero_copy_only=False)
        vals = text.to_pylist()
        raws = raw.to_pylist()
        for i in np.flatnonzero(flags):
            vals[i] = json.loads(raws[i])
        text = pa.array(vals, pa.string())
    if pa.types.is_string(t):
        return text
    if pa.types.is_boolean(t):
        low = pc.utf8_lower(text)
        ok = pc.or_(pc.is_null(low), pc.is_in(low, pa.array(["true", "false"])))
        if not pc.all(ok).as_py():
            raise NestedMismatch(f"{where}: not a boolean")
        return pc.equal(low, "true")
    try:
        if pa.types.is_integer(t):
            return text.cast(pa.int64()).cast(t)
        return text.cast(t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise NestedMismatch(f"{where}: cannot be read as {t}: {str(e).splitlines()[0]}") from None


def from_spans(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, t: pa.DataType, where: str = "value") -> pa.Array:
    """The JSON values at ``data[starts[k]:ends[k]]`` (a negative start: none) as an Arrow
    array of the declared type ``t``, built level by level; raises ``NestedMismatch`` for
    a value of another shape."""
    kinds = json_kinds(data, starts, ends)
    null = kinds <= 0
    starts = np.where(null, -1, starts).astype(np.int64)
    mask = pa.array(null) if null.any() else None
    n = len(starts)

    def expect(kind: int, what: str) -> None:
        if ((kinds != kind) & ~null).any():
            raise NestedMismatch(f"{where}: expected {what} for {t}")

    if pa.types.is_struct(t):
        expect(_OBJECT, "an object")
        children = []
        for f in t:
            kdata, koffs = _key_bytes(f.name)
            cs, ce = json_child(data, starts, ends, True, kdata, koffs, np.zeros(1, np.int64))
            children.append(from_spans(data, cs, ce, f.type, f"{where}.{f.name}"))
        return pa.StructArray.from_arrays(children, fields=list(t), mask=mask)
    if pa.types.is_list(t) or pa.types.is_map(t):
        is_map = pa.types.is_map(t)
        expect(_OBJECT if is_map else _ARRAY, "an object" if is_map else "an array")
        owner, vs, ve, ks, ke = json_elements(data, starts, ends)
        offsets = np.zeros(n + 1, np.int32)
        np.cumsum(np.bincount(owner, minlength=n), out=offsets[1:])
        if not is_map:
            values = from_spans(data, vs, ve, t.value_type, f"{where}[]")
            return pa.ListArray.from_arrays(pa.array(offsets), values, type=t, mask=mask)
        keys = leaf_from_tokens(_tokens(data, ks, ke), t.key_type, f"{where} key")
        values = from_spans(data, vs, ve, t.item_type, f"{where} value")
        return pa.MapArray.from_arrays(pa.array(offsets), keys, values, type=t, mask=mask)
    if ((kinds == _OBJECT) | (kinds == _ARRAY) | (kinds > _BOOL)).any():
        raise NestedMismatch(f"{where}: expected {t}, found an object or array")
    return leaf_from_tokens(_tokens(data, starts, ends), t, where)


def from_json_text(arr: pa.Array | pa.ChunkedArray, t: pa.DataType, where: str = "value") -> pa.Array:
    """Strings holding JSON (NULL: none) as Arrow type ``t`` (``from_spans``); the inverse
    of ``to_json``, e.g. for a Parquet string column written with a value's JSON text."""
    data, starts, ends = string_spans(_combine(arr))
    return from_spans(data, starts, ends, t, where)


def string_spans(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(data bytes, starts, ends) of a string array's values, for the kernels that walk JSON
    text; a NULL entry gets start -1."""
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    n = len(arr)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], np.int32, count=n + 1 + arr.offset)[arr.offset :].astype(np.int64)
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None and len(bufs[2]) else np.zeros(1, np.uint8)
    starts = offsets[:-1].copy()
    ends = offsets[1:].copy()
    if arr.null_count:
        starts[~arr.is_valid().to_numpy(zero_copy_only=False)] = -1
    return data, starts, ends


def column_from_records(out: np.ndarray, offsets: np.ndarray, lo: int, hi: int, key: str, t: pa.DataType, where: str) -> pa.Array:
    """Records ``lo..hi`` of ``out`` (one JSON object per line, record ``k`` is
    ``out[offsets[k]:offsets[k + 1] - 1]``): the value of top-level ``key`` as type ``t``."""
    starts = np.asarray(offsets[lo:hi], np.int64).copy()
    ends = (np.asarray(offsets[lo + 1 : hi + 1], np.int64) - 1).copy()
    kdata, koffs = _key_bytes(key)
    data = np.asarray(out, np.uint8)
    cs, ce = json_child(data, starts, ends, True, kdata, koffs, np.zeros(1, np.int64))
    return from_spans(data, cs, ce, t, where)
