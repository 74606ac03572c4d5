"""SQL types on the wire: OIDs and typmods, column encoders, parameter decoders.

Result columns are encoded a whole chunk at a time with pyarrow compute (text) or numpy
(binary), into the (offsets, isnull, data) layout ``kernels.wire`` frames into DataRow
messages.  Only numeric in binary format and types without a vectorised path (arrays and
other Arrow types a system view may produce) fall back to a Python loop per value.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import struct
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse import types as T
from warehouse.types import Kind, SqlType

__all__ = ["OID", "type_oid", "encode_columns", "decode_param", "sqltype_of_oid", "text_values"]

OID = {
    "bool": 16, "bytea": 17, "name": 19, "int8": 20, "int2": 21, "int4": 23, "text": 25, "oid": 26,
    "float4": 700, "float8": 701, "unknown": 705, "bpchar": 1042, "varchar": 1043, "date": 1082,
    "time": 1083, "timestamp": 1114, "timestamptz": 1184, "interval": 1186, "numeric": 1700,
}
_KIND_OID = {
    Kind.SMALLINT: (21, 2), Kind.INTEGER: (23, 4), Kind.BIGINT: (20, 8), Kind.DECIMAL: (1700, -1),
    Kind.REAL: (700, 4), Kind.DOUBLE: (701, 8), Kind.BOOLEAN: (16, 1), Kind.CHAR: (1042, -1),
    Kind.VARCHAR: (1043, -1), Kind.DATE: (1082, 4), Kind.TIMESTAMP: (1114, 8), Kind.TIMESTAMPTZ: (1184, 8),
    Kind.INTERVAL: (1186, 16), Kind.NULL: (25, -1),
}
PG_EPOCH_DAYS = 10957  # 2000-01-01 - 1970-01-01
PG_EPOCH_US = PG_EPOCH_DAYS * 86_400_000_000


def type_oid(t: SqlType) -> tuple[int, int, int]:
    """(type OID, typlen, typmod) for RowDescription."""
    oid, size = _KIND_OID.get(t.kind, (25, -1))
    typmod = -1
    if t.kind in (Kind.CHAR, Kind.VARCHAR) and t.length is not None:
        typmod = t.length + 4
        if t.kind is Kind.VARCHAR and t.length >= 65535:
            typmod = 65535 + 4
    elif t.kind is Kind.DECIMAL and t.precision:
        typmod = ((t.precision << 16) | t.scale) + 4
    return oid, size, typmod


def sqltype_of_oid(oid: int) -> SqlType | None:
    """The SQL type a client declared for a parameter (None: unknown, infer it)."""
    return {
        16: T.BOOLEAN, 20: T.BIGINT, 21: T.SMALLINT, 23: T.INTEGER, 26: T.BIGINT, 700: T.REAL, 701: T.DOUBLE,
        1700: T.decimal(38, 10), 1042: T.char(None), 1043: T.VARCHAR, 25: T.VARCHAR, 19: T.VARCHAR,
        1082: T.DATE, 1114: T.TIMESTAMP, 1184: T.TIMESTAMPTZ,
    }.get(oid)


# ----- text format ---------------------------------------------------------------------------
def _strip_fraction(s: pa.Array) -> pa.Array:
    s = pc.replace_substring_regex(s, r"(\.\d*[1-9])0+$", r"\1")
    return pc.replace_substring_regex(s, r"\.0+$", "")


def text_values(arr: pa.Array, t: SqlType | None = None) -> pa.Array:
    """A column as PostgreSQL's text output (a string array; nulls stay null)."""
    typ = arr.type
    if pa.types.is_dictionary(typ):
        arr = arr.dictionary_decode()
        typ = arr.type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return arr
    if pa.types.is_integer(typ):
        return pc.cast(arr, pa.string())
    if pa.types.is_floating(typ):
        s = pc.cast(arr, pa.string())
        # the fix-ups below are regex/substring passes over every value: run them only when
        # some value needs them (an exponent, or a non-finite value)
        if pc.any(pc.match_substring(s, "e")).as_py():
            s = pc.replace_substring_regex(s, r"e([+-])(\d)$", r"e\10\2")
        if not pc.all(pc.is_finite(arr)).as_py():
            s = pc.replace_substring(s, "inf", "Infinity")
            s = pc.replace_substring(s, "nan", "NaN")
        return s
    if pa.types.is_boolean(typ):
        return pc.if_else(arr, "t", "f")
    if pa.types.is_decimal(typ) or pa.types.is_date(typ):
        return pc.cast(arr, pa.string())
    if pa.types.is_timestamp(typ):
        if typ.tz is not None:
            s = pc.cast(pc.cast(arr, pa.timestamp(typ.unit)), pa.string())
            return pc.binary_join_element_wise(_strip_fraction(s), "+00", "")
        return _strip_fraction(pc.cast(arr, pa.string()))
    if pa.types.is_null(typ):
        return pa.nulls(len(arr), pa.string())
    return pa.array([None if v is None else _pg_text(v) for v in arr.to_pylist()], pa.string())


def _pg_text(v: Any) -> str:
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, (list, tuple)):
        return "{" + ",".join("NULL" if x is None else _array_item(_pg_text(x)) for x in v) + "}"
    if isinstance(v, _dt.timedelta):
        days, rem = v.days, v.seconds
        h, m, s = rem // 3600, rem % 3600 // 60, rem % 60
        frac = f".{v.microseconds:06d}".rstrip("0") if v.microseconds else ""
        head = f"{days} day{'s' if abs(days) != 1 else ''} " if days else ""
        return f"{head}{h:02d}:{m:02d}:{s:02d}{frac}"
    if isinstance(v, bytes):
        return "\\x" + v.hex()
    return str(v)


def _array_item(s: str) -> str:
    if s == "" or any(ch in s for ch in ' ,{}"\\') or s.upper() == "NULL":
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


# ----- binary format -------------------------------------------------------------------------
def _fixed(arr: pa.Array, dtype: str, shift: int = 0) -> tuple[np.ndarray, int]:
    a = arr.fill_null(False if pa.types.is_boolean(arr.type) else 0) if arr.null_count else arr
    if pa.types.is_timestamp(a.type):
        a = a.cast(pa.timestamp("us", tz=a.type.tz)).cast(pa.int64())
    elif pa.types.is_date(a.type):
        a = a.cast(pa.int32())
    v = np.asarray(a.to_numpy(zero_copy_only=False))
    if shift:
        v = v - shift
    out = v.astype(dtype)
    return out.view(np.uint8), out.dtype.itemsize


def _numeric_binary(d: _decimal.Decimal) -> bytes:
    if not d.is_finite():
        return struct.pack("!hhhH", 0, 0, 0xC000, 0)
    sign, digits, exp = d.as_tuple()
    dscale = max(-exp, 0)
    s = "".join(map(str, digits))
    if exp > 0:
        s += "0" * exp
        exp = 0
    if len(s) < -exp:
        s = "0" * (-exp - len(s)) + s
    int_part = s[: len(s) + exp] if exp < 0 else s
    frac_part = s[len(s) + exp :] if exp < 0 else ""
    int_part = int_part.lstrip("0")
    int_part = "0" * (-len(int_part) % 4) + int_part
    frac_part = frac_part + "0" * (-len(frac_part) % 4)
    groups = [int(int_part[i : i + 4]) for i in range(0, len(int_part), 4)]
    weight = len(groups) - 1
    groups += [int(frac_part[i : i + 4]) for i in range(0, len(frac_part), 4)]
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    return struct.pack(f"!hhHH{len(groups)}H", len(groups), weight, 0x4000 if sign else 0, dscale, *groups)


def _binary_column(arr: pa.Array, t: SqlType) -> tuple[np.ndarray, np.ndarray] | None:
    """(offsets relative to 0, bytes) of a column in binary format; None: use text bytes."""
    k = t.kind
    n = len(arr)
    fixed = {
        Kind.SMALLINT: (">i2", 0), Kind.INTEGER: (">i4", 0), Kind.BIGINT: (">i8", 0), Kind.REAL: (">f4", 0),
        Kind.DOUBLE: (">f8", 0), Kind.BOOLEAN: ("u1", 0), Kind.DATE: (">i4", PG_EPOCH_DAYS),
        Kind.TIMESTAMP: (">i8", PG_EPOCH_US), Kind.TIMESTAMPTZ: (">i8", PG_EPOCH_US),
    }.get(k)
    if fixed is not None:
        if pa.types.is_dictionary(arr.type) or pa.types.is_string(arr.type):
            return None
        data, w = _fixed(arr, fixed[0], fixed[1])
        return np.arange(0, (n + 1) * w, w, dtype=np.int64), data
    if k is Kind.DECIMAL:
        parts = [b"" if v is None else _numeric_binary(v) for v in arr.to_pylist()]
        return _pack(parts)
    return None  # strings: the text bytes are the binary form


def _pack(parts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    lens = np.fromiter((len(p) for p in parts), np.int64, len(parts))
    offs = np.zeros(len(parts) + 1, np.int64)
    np.cumsum(lens, out=offs[1:])
    return offs, np.frombuffer(b"".join(parts), np.uint8)


def _string_buffers(s: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets rebased to 0, data) of a string array without copying the data."""
    if pa.types.is_large_string(s.type):
        odt = np.int64
    else:
        odt = np.int32
    bufs = s.buffers()
    n = len(s)
    offs = np.frombuffer(bufs[1], odt, n + 1, s.offset * np.dtype(odt).itemsize).astype(np.int64)
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    start = int(offs[0])
    return offs - start, data[start : int(offs[-1])]


def encode_columns(columns: list[pa.Array], types: list[SqlType], formats: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offs int64[k, n+1], isnull bool[k, n], data uint8) for ``kernels.wire``."""
    k = len(columns)
    n = len(columns[0]) if k else 0
    offs = np.empty((k, n + 1), np.int64)
    isnull = np.zeros((k, n), np.bool_)
    datas = []
    base = 0
    for c, (arr, t) in enumerate(zip(columns, types)):
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
        got = _binary_column(arr, t) if formats[c] == 1 else None
        if got is None:
            s = text_values(arr, t)
            o, d = _string_buffers(s)
        else:
            o, d = got
        if arr.null_count:
            isnull[c] = np.asarray(arr.is_null().to_numpy(zero_copy_only=False))
        offs[c] = o + base
        datas.append(d)
        base += len(d)
    data = np.concatenate(datas) if datas else np.zeros(0, np.uint8)
    return offs, isnull, data


# ----- parameters ----------------------------------------------------------------------------
_TRUE = {"t", "true", "y", "yes", "on", "1"}


def _parse_timestamp(s: str, tz: bool) -> _dt.datetime:
    s = s.strip().replace("T", " ")
    try:
        v = _dt.datetime.fromisoformat(s)
    except ValueError:
        v = _dt.datetime.fromisoformat(s + ":00") if s[-3:-2] in "+-" else _dt.datetime.fromisoformat(s)
    if tz and v.tzinfo is None:
        v = v.replace(tzinfo=_dt.timezone.utc)
    return v


def decode_param(raw: bytes | None, oid: int, fmt: int) -> Any:
    """One Bind parameter as the Python value the engine binds (None for NULL)."""
    if raw is None:
        return None
    if fmt == 1:
        if oid == 21:
            return struct.unpack("!h", raw)[0]
        if oid in (23, 26) and len(raw) == 4:
            return struct.unpack("!i", raw)[0]
        if oid == 20:
            return struct.unpack("!q", raw)[0]
        if oid == 700:
            return struct.unpack("!f", raw)[0]
        if oid == 701:
            return struct.unpack("!d", raw)[0]
        if oid == 16:
            return raw != b"\x00"
        if oid == 1082:
            return _dt.date(2000, 1, 1) + _dt.timedelta(days=struct.unpack("!i", raw)[0])
        if oid in (1114, 1184):
            v = _dt.datetime(2000, 1, 1) + _dt.timedelta(microseconds=struct.unpack("!q", raw)[0])
            return v.replace(tzinfo=_dt.timezone.utc) if oid == 1184 else v
        if oid == 1700:
            return _numeric_from_binary(raw)
        return raw.decode("utf-8")
    s = raw.decode("utf-8")
    if oid in (20, 21, 23, 26):
        return int(s)
    if oid in (700, 701):
        return float(s)
    if oid == 1700:
        return _decimal.Decimal(s)
    if oid == 16:
        return s.strip().lower() in _TRUE
    if oid == 1082:
        return _dt.date.fromisoformat(s.strip())
    if oid in (1114, 1184):
        return _parse_timestamp(s, oid == 1184)
    return s


def _numeric_from_binary(raw: bytes) -> _decimal.Decimal:
    ndigits, weight, sign, dscale = struct.unpack("!hhHH", raw[:8])
    if sign == 0xC000:
        return _decimal.Decimal("NaN")
    digits = struct.unpack(f"!{ndigits}H", raw[8 : 8 + 2 * ndigits])
    v = _decimal.Decimal(0)
    for i, d in enumerate(digits):
        v += _decimal.Decimal(d).scaleb(4 * (weight - i))
    v = v.quantize(_decimal.Decimal(1).scaleb(-dscale)) if dscale else v.to_integral_value()
    return -v if sign == 0x4000 else v
