"""CAST between every pair of types, on vectors (scalars are length-1 vectors).

Text formats follow PostgreSQL/Redshift output: dates 'YYYY-MM-DD', timestamps
'YYYY-MM-DD HH:MM:SS[.ffffff]', decimals with exactly ``scale`` digits, booleans
'true'/'false' (Redshift's bool -> varchar).  Numeric rescaling rounds half away from
zero; float -> integer rounds half to even (PostgreSQL's rint).
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import math
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kernels import strings as KS
from warehouse import types as T
from warehouse.errors import ConversionError, NotSupportedError, NumericOverflow
from warehouse.functions.base import (
    EMPTY_STR,
    and_valid,
    dict_result_strings,
    make,
    overflow,
)
from warehouse.types import Kind, SqlType
from warehouse.vector import Vector

_INT_RANGE = {
    Kind.SMALLINT: (-(2**15), 2**15 - 1),
    Kind.INTEGER: (-(2**31), 2**31 - 1),
    Kind.BIGINT: (-(2**63), 2**63 - 1),
}
_EPOCH = _dt.date(1970, 1, 1)
_EPOCH_TS = _dt.datetime(1970, 1, 1)
US_PER_DAY = 86_400_000_000


def _any(mask: np.ndarray, valid: np.ndarray | None) -> bool:
    if valid is not None:
        mask = mask & valid
    return bool(mask.any())


def check_int_range(data: np.ndarray, valid: np.ndarray | None, t: SqlType) -> None:
    lo, hi = _INT_RANGE[t.kind]
    if data.dtype.kind == "f":
        bad = ~((data >= lo) & (data < float(hi) + 1))  # NaN counts as bad
        if _any(bad, valid):
            raise overflow(t)
        return
    if data.dtype.itemsize * 8 <= int(np.log2(hi + 1)) + 1 and data.dtype.kind == "i":
        return
    if _any((data < lo) | (data > hi), valid):
        raise overflow(t)


def rescale(data: np.ndarray, valid: np.ndarray | None, s_from: int, s_to: int, t: SqlType) -> np.ndarray:
    """Scaled int64 from scale s_from to s_to (round half away from zero when dropping)."""
    data = data.astype(np.int64, copy=False)
    if s_to == s_from:
        return data
    if s_to > s_from:
        f = 10 ** (s_to - s_from)
        if f > 2**62:
            if _any(data != 0, valid):
                raise overflow(t)
            return np.zeros_like(data)
        lim = (2**63 - 1) // f
        if _any((data > lim) | (data < -lim), valid):
            raise overflow(t)
        return data * np.int64(f)
    f = 10 ** (s_from - s_to)
    if f > 2**62:
        return np.zeros_like(data)
    f = np.int64(f)
    half = f // 2
    a = np.abs(data)
    q = (a + half) // f
    return np.where(data < 0, -q, q)


def check_precision(data: np.ndarray, valid: np.ndarray | None, t: SqlType) -> None:
    if t.precision and t.precision <= 18:
        lim = 10**t.precision
        if _any((data >= lim) | (data <= -lim), valid):
            msg = f"numeric field overflow: value does not fit numeric({t.precision},{t.scale})"
            raise NumericOverflow(msg, sqlstate="22003")


def _bad_text(value: str, t: SqlType) -> ConversionError:
    name = {
        Kind.SMALLINT: "smallint",
        Kind.INTEGER: "integer",
        Kind.BIGINT: "bigint",
        Kind.DECIMAL: "numeric",
        Kind.REAL: "real",
        Kind.DOUBLE: "double precision",
        Kind.BOOLEAN: "boolean",
        Kind.DATE: "date",
        Kind.TIMESTAMP: "timestamp",
        Kind.TIMESTAMPTZ: "timestamp with time zone",
    }.get(t.kind, str(t))
    if t.is_temporal and _WELL_FORMED_DATETIME.match(value):
        # the shape is right but a field is impossible ('2020-02-30', month 13, hour 25)
        return ConversionError(f'date/time field value out of range: "{value}"', sqlstate="22008")
    state = "22007" if t.is_temporal else "22P02"
    return ConversionError(f'invalid input syntax for type {name}: "{value}"', sqlstate=state)


_WELL_FORMED_DATETIME = re.compile(
    r"\s*\d{1,4}[-/]\d{1,2}[-/]\d{1,4}"
    r"(?:[ T]\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?"
    r"(?:\s*(?:[+-]\d{1,2}(?::?\d{2})?|Z|UTC))?\s*$",
    re.IGNORECASE,
)


# ----- text parsing of single values (used per dictionary entry) --------------------------
_TRUE = {"t", "true", "y", "yes", "on", "1"}
_FALSE = {"f", "false", "n", "no", "off", "0"}


def parse_bool(s: str) -> bool:
    x = s.strip().lower()
    if x in _TRUE:
        return True
    if x in _FALSE:
        return False
    raise ValueError(s)


def parse_int(s: str) -> int:
    x = s.strip()
    if not x or not (x.lstrip("+-").isdigit()):
        raise ValueError(s)
    return int(x)


def parse_decimal(s: str, scale: int) -> int:
    x = s.strip()
    try:
        d = _decimal.Decimal(x)
    except _decimal.InvalidOperation:
        raise ValueError(s) from None
    if not d.is_finite():
        raise ValueError(s)
    q = d.scaleb(scale).quantize(_decimal.Decimal(1), rounding=_decimal.ROUND_HALF_UP)
    return int(q)


def parse_float(s: str) -> float:
    x = s.strip().lower()
    if x in ("nan",):
        return math.nan
    if x in ("infinity", "inf", "+infinity", "+inf"):
        return math.inf
    if x in ("-infinity", "-inf"):
        return -math.inf
    return float(x)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%Y%m%d", "%d-%b-%Y", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%m-%d-%Y")


def parse_date(s: str) -> int:
    x = s.strip()
    try:
        return (_dt.date.fromisoformat(x) - _EPOCH).days
    except ValueError:
        pass
    for f in _DATE_FORMATS:
        try:
            return (_dt.datetime.strptime(x, f).date() - _EPOCH).days
        except ValueError:
            continue
    # a timestamp text is a valid date input (time part dropped)
    us = parse_timestamp(x)
    return us // US_PER_DAY


def parse_timestamp(s: str) -> int:
    x = s.strip()
    try:
        v = _dt.datetime.fromisoformat(x.replace("T", " ") if "T" in x else x)
    except ValueError:
        v = None
        for f in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%b-%Y %H:%M:%S"):
            try:
                v = _dt.datetime.strptime(x, f)
                break
            except ValueError:
                continue
        if v is None:
            for f in _DATE_FORMATS:
                try:
                    v = _dt.datetime.strptime(x, f)
                    break
                except ValueError:
                    continue
        if v is None:
            raise ValueError(s) from None
    if v.tzinfo is not None:
        v = v.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    delta = v - _EPOCH_TS
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _parse_entries(dictionary: pa.Array, target: SqlType) -> tuple[np.ndarray, np.ndarray]:
    """Parse every dictionary entry: (values, ok) arrays aligned to the dictionary."""
    n = len(dictionary)
    k = target.kind
    dtype = target.numpy_dtype
    # fast vectorised attempt with pyarrow
    try:
        trimmed = pc.utf8_trim_whitespace(dictionary)
        if target.is_integer:
            vals = pc.cast(trimmed, pa.int64()).to_numpy(zero_copy_only=False)
            return vals, np.ones(n, np.bool_)
        if target.is_float:
            vals = pc.cast(trimmed, pa.float64()).to_numpy(zero_copy_only=False)
            return vals, np.ones(n, np.bool_)
        if k is Kind.DATE:
            arr = pc.cast(trimmed, pa.date32())
            return arr.view(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64), np.ones(n, np.bool_)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    if k in (Kind.SMALLINT, Kind.INTEGER, Kind.BIGINT):
        fn = parse_int
    elif k is Kind.DECIMAL:
        scale = target.scale

        def fn(s: str) -> int:
            return parse_decimal(s, scale)
    elif k in (Kind.REAL, Kind.DOUBLE):
        fn = parse_float
    elif k is Kind.BOOLEAN:
        fn = parse_bool
    elif k is Kind.DATE:
        fn = parse_date
    elif k in (Kind.TIMESTAMP, Kind.TIMESTAMPTZ):
        fn = parse_timestamp
    else:
        raise NotSupportedError(f"cast from text to {target} is not supported")
    out_dtype = np.float64 if target.is_float else (np.bool_ if k is Kind.BOOLEAN else np.int64)
    vals = np.zeros(n, out_dtype)
    ok = np.ones(n, np.bool_)
    for i, s in enumerate(dictionary.to_pylist()):
        if s is None:
            ok[i] = False
            continue
        try:
            vals[i] = fn(s)
        except (ValueError, OverflowError, ArithmeticError):
            ok[i] = False
    del dtype
    return vals, ok


def _from_string(v: Vector, target: SqlType) -> Vector:
    if target.is_string:
        return _string_to_string(v, target)
    d = v.dictionary
    if len(d) == 0:
        return make(target, np.zeros(len(v), target.numpy_dtype), np.zeros(len(v), np.bool_))
    vals, ok = _parse_entries(d, target)
    if not ok.all():
        used = KS.used_codes(v.data, v.valid if v.valid is not None else np.empty(0, np.bool_), len(d))
        bad = used & ~ok
        if bad.any():
            raise _bad_text(d[int(np.argmax(bad))].as_py(), target)
    if target.is_integer:
        check_int_range(vals, None if ok.all() else ok, target)
    elif target.is_decimal:
        check_precision(vals, ok, target)
    elif target.kind is Kind.REAL:
        vals = vals.astype(np.float32)
    data = vals[v.data].astype(target.numpy_dtype, copy=False)
    return make(target, data, v.valid)


def _string_to_string(v: Vector, target: SqlType) -> Vector:
    n = target.length
    if n is None or n >= 65535:
        return Vector(target, v.data, v.valid, v.dictionary)
    d = v.dictionary
    if len(d) == 0:
        return Vector(target, v.data, v.valid, v.dictionary)
    lens = pc.utf8_length(d).to_numpy(zero_copy_only=False)
    if (lens <= n).all():
        return Vector(target, v.data, v.valid, v.dictionary)
    return dict_result_strings(v, pc.utf8_slice_codeunits(d, 0, n), target)


# ----- formatting to text ---------------------------------------------------------------
def _unique_format(v: Vector, fmt) -> tuple[np.ndarray, pa.Array]:
    """Format the distinct values of ``v.data`` once: (codes, dictionary)."""
    data = v.data
    if v.valid is not None:
        data = np.where(v.valid, data, data[np.argmax(v.valid)] if v.valid.any() else data.dtype.type(0))
    uniq, inverse = np.unique(data, return_inverse=True)
    strings = fmt(uniq)
    if not isinstance(strings, pa.Array):
        strings = pa.array(strings, pa.string())
    return inverse.astype(np.int32).reshape(-1), strings


def format_decimal_values(vals: np.ndarray, scale: int) -> list[str]:
    out = []
    f = 10**scale
    for x in vals.tolist():
        if scale == 0:
            out.append(str(x))
            continue
        sign = "-" if x < 0 else ""
        a = abs(x)
        out.append(f"{sign}{a // f}.{a % f:0{scale}d}")
    return out


def format_float(x: float, single: bool = False) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if single:
        r = np.format_float_positional(np.float32(x), trim="-") if abs(x) < 1e16 and (x == 0 or abs(x) >= 1e-4) else repr(float(np.float32(x)))
        return r
    if x == int(x) and abs(x) < 1e16:
        return str(int(x))
    r = repr(x)
    return r


def format_dates(vals: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(vals.astype(np.int32), pa.int32()).view(pa.date32()), pa.string())


def format_timestamps(vals: np.ndarray) -> list[str]:
    out = []
    for us in vals.tolist():
        day, rem = divmod(us, US_PER_DAY)
        d = _EPOCH + _dt.timedelta(days=day)
        secs, micro = divmod(rem, 1_000_000)
        h, r = divmod(secs, 3600)
        m, s = divmod(r, 60)
        txt = f"{d.year:04d}-{d.month:02d}-{d.day:02d} {h:02d}:{m:02d}:{s:02d}"
        if micro:
            txt += f".{micro:06d}".rstrip("0")
        out.append(txt)
    return out


def _to_string(v: Vector, target: SqlType) -> Vector:
    k = v.type.kind
    if k is Kind.NULL:
        return Vector(target, np.zeros(len(v), np.int32), np.zeros(len(v), np.bool_), EMPTY_STR)
    if k is Kind.BOOLEAN:
        d = pa.array(["false", "true"], pa.string())
        return make(target, v.data.astype(np.int32), v.valid, d)
    if v.type.is_integer:
        codes, d = _unique_format(v, lambda u: pc.cast(pa.array(u), pa.string()))
    elif k is Kind.DECIMAL:
        s = v.type.scale
        codes, d = _unique_format(v, lambda u: format_decimal_values(u, s))
    elif k is Kind.REAL:
        codes, d = _unique_format(v, lambda u: [format_float(x, True) for x in u.tolist()])
    elif k is Kind.DOUBLE:
        codes, d = _unique_format(v, lambda u: [format_float(x) for x in u.tolist()])
    elif k is Kind.DATE:
        codes, d = _unique_format(v, format_dates)
    elif k in (Kind.TIMESTAMP, Kind.TIMESTAMPTZ):
        suffix = "+00" if k is Kind.TIMESTAMPTZ else ""
        codes, d = _unique_format(v, lambda u: [x + suffix for x in format_timestamps(u)])
    else:
        raise NotSupportedError(f"cast from {v.type} to {target} is not supported")
    out = make(target, codes, v.valid, d)
    if target.length is not None and target.length < 65535:
        return _string_to_string(out, target)
    return out


# ----- the dispatcher ---------------------------------------------------------------------
def cast_vector(v: Vector, target: SqlType) -> Vector:
    src = v.type
    sk, tk = src.kind, target.kind
    if src == target:
        return v
    data, valid = v.data, v.valid
    if sk is Kind.NULL:
        if target.is_string:
            return Vector(target, np.zeros(len(v), np.int32), np.zeros(len(v), np.bool_), EMPTY_STR)
        return Vector(target, np.zeros(len(v), target.numpy_dtype), np.zeros(len(v), np.bool_))
    if src.is_string:
        return _from_string(v, target)
    if target.is_string:
        return _to_string(v, target)
    if target.is_integer:
        if src.is_integer:
            if T.integer_rank(target) < T.integer_rank(src):
                check_int_range(data, valid, target)
            return make(target, data.astype(target.numpy_dtype), valid)
        if sk is Kind.DECIMAL:
            r = rescale(data, valid, src.scale, 0, target)
            check_int_range(r, valid, target)
            return make(target, r, valid)
        if src.is_float:
            r = np.rint(data.astype(np.float64))
            check_int_range(r, valid, target)
            return make(target, np.where(np.isfinite(r), r, 0).astype(target.numpy_dtype), valid)
        if sk is Kind.BOOLEAN:
            return make(target, data.astype(target.numpy_dtype), valid)
    if tk is Kind.DECIMAL:
        if src.is_integer:
            r = rescale(data, valid, 0, target.scale, target)
            check_precision(r, valid, target)
            return make(target, r, valid)
        if sk is Kind.DECIMAL:
            r = rescale(data, valid, src.scale, target.scale, target)
            check_precision(r, valid, target)
            return make(target, r, valid)
        if src.is_float:
            x = data.astype(np.float64) * (10.0**target.scale)
            r = np.sign(x) * np.floor(np.abs(x) + 0.5)
            bad = ~(np.abs(r) < 9.2e18)
            if _any(bad, valid):
                raise overflow(target)
            r = np.where(bad, 0, r).astype(np.int64)
            check_precision(r, valid, target)
            return make(target, r, valid)
        if sk is Kind.BOOLEAN:
            return make(target, data.astype(np.int64) * 10**target.scale, valid)
    if target.is_float:
        if src.is_integer or src.is_float:
            return make(target, data.astype(target.numpy_dtype), valid)
        if sk is Kind.DECIMAL:
            return make(target, (data / (10.0**src.scale)).astype(target.numpy_dtype), valid)
        if sk is Kind.BOOLEAN:
            return make(target, data.astype(target.numpy_dtype), valid)
    if tk is Kind.BOOLEAN:
        if src.is_integer or src.is_float or sk is Kind.DECIMAL:
            return make(target, data != 0, valid)
    if tk is Kind.DATE:
        if sk in (Kind.TIMESTAMP, Kind.TIMESTAMPTZ):
            return make(target, (data // US_PER_DAY).astype(np.int32), valid)
    if tk in (Kind.TIMESTAMP, Kind.TIMESTAMPTZ):
        if sk is Kind.DATE:
            return make(target, data.astype(np.int64) * US_PER_DAY, valid)
        if sk in (Kind.TIMESTAMP, Kind.TIMESTAMPTZ):
            return make(target, data, valid)
    msg = f"cannot cast type {src} to {target}"
    from warehouse.errors import BinderError

    raise BinderError(msg, sqlstate="42846")


def can_cast(src: SqlType, target: SqlType) -> bool:
    if src == target or src.is_null or src.is_string or target.is_string:
        return True
    if (src.is_numeric or src.kind is Kind.BOOLEAN) and (target.is_numeric or target.kind is Kind.BOOLEAN):
        return not (src.is_float and target.kind is Kind.BOOLEAN)
    if src.is_temporal and target.is_temporal:
        return True
    return False


_unused = (and_valid,)
