"""Date/time functions.

extract(field, v): INTEGER for every field except ``second`` (DOUBLE, with the fraction)
and ``epoch`` (DOUBLE for timestamps, INTEGER for dates...: we return DOUBLE... see
``_extract_type``); ``date_part`` returns DOUBLE PRECISION (Redshift's documented type).
date_trunc -> TIMESTAMP, dateadd -> TIMESTAMP, add_months -> TIMESTAMP (Redshift),
datediff -> BIGINT counting unit boundaries crossed, last_day -> DATE, trunc(ts) -> DATE.
"""

from __future__ import annotations

import datetime as _dt
import re
import time as _time

import numpy as np
import pyarrow as pa

from kernels import dates as KD
from warehouse import types as T
from warehouse.errors import BinderError, ConversionError
from warehouse.functions.base import as_vec, dict_result_values, is_scalar, make
from warehouse.functions.core import coerce, literal_text, no_function, register
from warehouse.types import Kind
from warehouse.vector import Scalar

US_PER_DAY = 86_400_000_000

FIELDS = {
    "year": KD.F_YEAR, "years": KD.F_YEAR, "y": KD.F_YEAR, "yr": KD.F_YEAR, "yrs": KD.F_YEAR, "yy": KD.F_YEAR, "yyyy": KD.F_YEAR,
    "month": KD.F_MONTH, "months": KD.F_MONTH, "mon": KD.F_MONTH, "mons": KD.F_MONTH, "mm": KD.F_MONTH,
    "day": KD.F_DAY, "days": KD.F_DAY, "d": KD.F_DAY, "dd": KD.F_DAY,
    "quarter": KD.F_QUARTER, "quarters": KD.F_QUARTER, "qtr": KD.F_QUARTER, "qtrs": KD.F_QUARTER, "q": KD.F_QUARTER,
    "dow": KD.F_DOW, "dayofweek": KD.F_DOW, "weekday": KD.F_DOW, "dw": KD.F_DOW,
    "doy": KD.F_DOY, "dayofyear": KD.F_DOY, "dy": KD.F_DOY, "yd": KD.F_DOY,
    "hour": KD.F_HOUR, "hours": KD.F_HOUR, "h": KD.F_HOUR, "hr": KD.F_HOUR, "hrs": KD.F_HOUR, "hh": KD.F_HOUR,
    "minute": KD.F_MINUTE, "minutes": KD.F_MINUTE, "m": KD.F_MINUTE, "min": KD.F_MINUTE, "mins": KD.F_MINUTE, "mi": KD.F_MINUTE,
    "second": KD.F_SECOND, "seconds": KD.F_SECOND, "s": KD.F_SECOND, "sec": KD.F_SECOND, "secs": KD.F_SECOND,
    "week": KD.F_WEEK, "weeks": KD.F_WEEK, "w": KD.F_WEEK, "wk": KD.F_WEEK,
    "isodow": KD.F_ISODOW, "isoyear": KD.F_ISOYEAR,
    "decade": KD.F_DECADE, "decades": KD.F_DECADE, "century": KD.F_CENTURY, "centuries": KD.F_CENTURY,
    "c": KD.F_CENTURY, "cent": KD.F_CENTURY, "millennium": KD.F_MILLENNIUM, "millennia": KD.F_MILLENNIUM, "mil": KD.F_MILLENNIUM,
    "millisecond": KD.F_MILLISECOND, "milliseconds": KD.F_MILLISECOND, "ms": KD.F_MILLISECOND, "msec": KD.F_MILLISECOND,
    "microsecond": KD.F_MICROSECOND, "microseconds": KD.F_MICROSECOND, "us": KD.F_MICROSECOND, "usec": KD.F_MICROSECOND,
    "epoch": -1,
}
UNITS = {
    "microsecond": KD.UNIT_MICROSECOND, "microseconds": KD.UNIT_MICROSECOND, "us": KD.UNIT_MICROSECOND, "usec": KD.UNIT_MICROSECOND,
    "millisecond": KD.UNIT_MILLISECOND, "milliseconds": KD.UNIT_MILLISECOND, "ms": KD.UNIT_MILLISECOND, "msec": KD.UNIT_MILLISECOND,
    "second": KD.UNIT_SECOND, "seconds": KD.UNIT_SECOND, "s": KD.UNIT_SECOND, "sec": KD.UNIT_SECOND, "secs": KD.UNIT_SECOND,
    "minute": KD.UNIT_MINUTE, "minutes": KD.UNIT_MINUTE, "m": KD.UNIT_MINUTE, "min": KD.UNIT_MINUTE, "mins": KD.UNIT_MINUTE, "mi": KD.UNIT_MINUTE,
    "hour": KD.UNIT_HOUR, "hours": KD.UNIT_HOUR, "h": KD.UNIT_HOUR, "hr": KD.UNIT_HOUR, "hrs": KD.UNIT_HOUR, "hh": KD.UNIT_HOUR,
    "day": KD.UNIT_DAY, "days": KD.UNIT_DAY, "d": KD.UNIT_DAY, "dd": KD.UNIT_DAY,
    "week": KD.UNIT_WEEK, "weeks": KD.UNIT_WEEK, "w": KD.UNIT_WEEK, "wk": KD.UNIT_WEEK,
    "month": KD.UNIT_MONTH, "months": KD.UNIT_MONTH, "mon": KD.UNIT_MONTH, "mons": KD.UNIT_MONTH, "mm": KD.UNIT_MONTH,
    "quarter": KD.UNIT_QUARTER, "quarters": KD.UNIT_QUARTER, "qtr": KD.UNIT_QUARTER, "qtrs": KD.UNIT_QUARTER, "q": KD.UNIT_QUARTER,
    "year": KD.UNIT_YEAR, "years": KD.UNIT_YEAR, "y": KD.UNIT_YEAR, "yr": KD.UNIT_YEAR, "yrs": KD.UNIT_YEAR, "yy": KD.UNIT_YEAR, "yyyy": KD.UNIT_YEAR,
    "decade": KD.UNIT_DECADE, "decades": KD.UNIT_DECADE, "century": KD.UNIT_CENTURY, "centuries": KD.UNIT_CENTURY,
    "millennium": KD.UNIT_MILLENNIUM, "millennia": KD.UNIT_MILLENNIUM,
}
_MICROS = {KD.UNIT_MICROSECOND: 1, KD.UNIT_MILLISECOND: 1000, KD.UNIT_SECOND: 1_000_000, KD.UNIT_MINUTE: 60_000_000,
           KD.UNIT_HOUR: 3_600_000_000, KD.UNIT_DAY: US_PER_DAY, KD.UNIT_WEEK: 7 * US_PER_DAY}
_MONTHS = {KD.UNIT_MONTH: 1, KD.UNIT_QUARTER: 3, KD.UNIT_YEAR: 12, KD.UNIT_DECADE: 120, KD.UNIT_CENTURY: 1200, KD.UNIT_MILLENNIUM: 12000}


def _part(name, args, table, what="unit"):
    txt = literal_text(args[0])
    if txt is None:
        raise BinderError(f"{name}: the {what} must be a constant such as 'month'", sqlstate="42883")
    key = txt.strip().strip("'\"").lower()
    if key not in table:
        raise BinderError(f'{what} "{txt}" not recognized', sqlstate="22023")
    return key


def _temporal_arg(name, e, all_args):
    if e.type.is_temporal:
        return e
    if e.type.is_string or e.type.is_null:
        return coerce(e, T.TIMESTAMP)
    raise no_function(name, all_args)


def _us(v) -> np.ndarray:
    if v.type.kind is Kind.DATE:
        return v.data.astype(np.int64) * US_PER_DAY
    return v.data.astype(np.int64, copy=False)


# ----- extract / date_part -----------------------------------------------------------------------
def resolve_extract(name, args):
    args = list(args)
    if len(args) != 2:
        raise no_function(name, args)
    key = _part(name, args, FIELDS, "field")
    v = _temporal_arg(name, args[1], args)
    if name == "date_part":
        rt = T.DOUBLE
    elif key in ("second", "seconds", "s", "sec", "secs", "epoch"):
        rt = T.DOUBLE if v.type.kind is not Kind.DATE or key != "epoch" else T.BIGINT
        if key != "epoch" and v.type.kind is Kind.DATE:
            rt = T.INTEGER
    else:
        rt = T.INTEGER
    from warehouse.plan.expressions import Literal

    return [Literal(key, T.VARCHAR), v], rt


def extract_impl(call, args, n):
    key = call.args[0].value
    code = FIELDS[key]
    v = as_vec(args[1])
    t = call.type
    if code == -1:
        us = _us(v)
        r = us / 1e6 if t.is_float else us // 1_000_000
    elif v.type.kind is Kind.DATE:
        r = KD.extract_days(v.data, code)
    else:
        us = v.data.astype(np.int64, copy=False)
        if code == KD.F_SECOND and t.is_float:
            day = us // US_PER_DAY
            rem = us - day * US_PER_DAY
            r = (rem % 60_000_000) / 1e6
        else:
            r = KD.extract_us(us, code)
    return make(t, np.asarray(r).astype(t.numpy_dtype), v.valid)


register(["extract", "date_part"], resolve_extract, extract_impl)


# ----- date_trunc / dateadd / datediff ---------------------------------------------------------
def resolve_date_trunc(name, args):
    args = list(args)
    if len(args) != 2:
        raise no_function(name, args)
    key = _part(name, args, UNITS)
    v = _temporal_arg(name, args[1], args)
    from warehouse.plan.expressions import Literal

    rt = T.TIMESTAMPTZ if v.type.kind is Kind.TIMESTAMPTZ else T.TIMESTAMP
    return [Literal(key, T.VARCHAR), v], rt


def date_trunc_impl(call, args, n):
    unit = UNITS[call.args[0].value]
    v = as_vec(args[1])
    if v.type.kind is Kind.DATE:
        r = KD.trunc_days(v.data, unit) * US_PER_DAY
    else:
        r = KD.trunc_us(v.data.astype(np.int64, copy=False), unit)
    return make(call.type, r, v.valid)


register("date_trunc", resolve_date_trunc, date_trunc_impl)


# ----- step(ts BY INTERVAL 'n' unit) (Kinesis Data Analytics) ---------------------------------
def resolve_step(name, args):
    """step(v, interval): v rounded down to a multiple of the interval since the epoch."""
    from warehouse.plan.expressions import Interval, Literal

    args = list(args)
    if len(args) != 2:
        raise no_function(name, args)
    iv = args[1]
    if not (isinstance(iv, Literal) and isinstance(iv.value, Interval)):
        raise BinderError("STEP: the step must be an interval literal such as INTERVAL '1' MINUTE", sqlstate="42883")
    if iv.value.months:
        raise BinderError("STEP: month and year intervals are not supported; use FLOOR(ts TO MONTH)", sqlstate="0A000")
    step = iv.value.days * US_PER_DAY + iv.value.micros
    if step <= 0:
        raise BinderError("STEP: the interval must be positive", sqlstate="22023")
    v = _temporal_arg(name, args[0], args)
    rt = T.TIMESTAMPTZ if v.type.kind is Kind.TIMESTAMPTZ else T.TIMESTAMP
    return [v, Literal(step, T.BIGINT)], rt


def step_impl(call, args, n):
    step = np.int64(call.args[1].value)
    v = as_vec(args[0])
    us = _us(v)
    return make(call.type, (us // step) * step, v.valid)


register("step", resolve_step, step_impl)


def resolve_dateadd(name, args):
    args = list(args)
    if len(args) != 3:
        raise no_function(name, args)
    key = _part(name, args, UNITS)
    k = args[1]
    if not k.type.is_integer:
        if k.type.is_numeric or k.type.is_null or k.type.is_string:
            k = coerce(k, T.BIGINT)
        else:
            raise no_function(name, args)
    v = _temporal_arg(name, args[2], args)
    from warehouse.plan.expressions import Literal

    rt = T.TIMESTAMPTZ if v.type.kind is Kind.TIMESTAMPTZ else T.TIMESTAMP
    return [Literal(key, T.VARCHAR), k, v], rt


def dateadd_impl(call, args, n):
    unit = UNITS[call.args[0].value]
    k = as_vec(args[1])
    v = as_vec(args[2])
    from warehouse.functions.base import and_valid

    valid = and_valid(k.valid, v.valid)
    us = _us(v)
    kk = k.data.astype(np.int64)
    if unit in _MONTHS:
        if len(us) < len(kk):
            us = np.broadcast_to(us, kk.shape).copy()
        r = KD.add_months_us(us, kk * _MONTHS[unit])
    else:
        r = us + kk * np.int64(_MICROS[unit])
    return make(call.type, r, valid)


register("dateadd", resolve_dateadd, dateadd_impl)


def resolve_datediff(name, args):
    args = list(args)
    if len(args) != 3:
        raise no_function(name, args)
    key = _part(name, args, UNITS)
    a = _temporal_arg(name, args[1], args)
    b = _temporal_arg(name, args[2], args)
    from warehouse.plan.expressions import Literal

    return [Literal(key, T.VARCHAR), a, b], T.BIGINT


def datediff_impl(call, args, n):
    unit = UNITS[call.args[0].value]
    a, b = as_vec(args[1]), as_vec(args[2])
    from warehouse.functions.base import and_valid

    if a.type.kind is Kind.DATE and b.type.kind is Kind.DATE and unit == KD.UNIT_DAY:
        r = b.data.astype(np.int64) - a.data.astype(np.int64)
    else:
        r = KD.datediff_us(_us(a), _us(b), unit)
    return make(T.BIGINT, r, and_valid(a.valid, b.valid))


register("datediff", resolve_datediff, datediff_impl)


# ----- add_months / last_day / trunc(date) -----------------------------------------------------------
def resolve_add_months(name, args):
    args = list(args)
    if len(args) != 2:
        raise no_function(name, args)
    v = _temporal_arg(name, args[0], args)
    k = args[1] if args[1].type.is_integer else coerce(args[1], T.BIGINT)
    return [v, k], T.TIMESTAMP


def add_months_impl(call, args, n):
    v, k = as_vec(args[0]), as_vec(args[1])
    from warehouse.functions.base import and_valid

    us = _us(v)
    kk = k.data.astype(np.int64)
    if len(us) < len(kk):
        us = np.broadcast_to(us, kk.shape).copy()
    return make(T.TIMESTAMP, KD.add_months_us(us, kk), and_valid(v.valid, k.valid))


register("add_months", resolve_add_months, add_months_impl)


def resolve_to_date_part(name, args):
    args = list(args)
    if len(args) != 1:
        raise no_function(name, args)
    return [_temporal_arg(name, args[0], args)], T.DATE


def last_day_impl(call, args, n):
    v = as_vec(args[0])
    days = v.data if v.type.kind is Kind.DATE else v.data // US_PER_DAY
    return make(T.DATE, KD.last_day_days(days.astype(np.int64)).astype(np.int32), v.valid)


def trunc_date_impl(call, args, n):
    v = as_vec(args[0])
    days = v.data if v.type.kind is Kind.DATE else v.data // US_PER_DAY
    return make(T.DATE, days.astype(np.int32), v.valid)


register("last_day", resolve_to_date_part, last_day_impl)
register("trunc_date", resolve_to_date_part, trunc_date_impl)


# ----- now ---------------------------------------------------------------------------------------------
def _resolve_now(rt):
    def r(name, args):
        if args:
            raise no_function(name, list(args))
        return [], rt

    return r


def now_impl(call, args, n):
    us = int(_time.time() * 1_000_000)
    if call.fn == "current_date":
        return Scalar(T.DATE, us // US_PER_DAY)
    return Scalar(call.type, us)


register("getdate", _resolve_now(T.TIMESTAMP), now_impl, deterministic=False)
register("current_timestamp", _resolve_now(T.TIMESTAMPTZ), now_impl, deterministic=False)
register("current_date", _resolve_now(T.DATE), now_impl, deterministic=False)


# ----- to_char / to_date ----------------------------------------------------------------------------------
_PATTERNS = [
    ("HH24", "%H"), ("HH12", "%I"), ("HH", "%I"), ("MI", "%M"), ("SS", "%S"), ("MS", "{ms}"), ("US", "{us}"),
    ("YYYY", "%Y"), ("YYY", "{yyy}"), ("YY", "%y"), ("Y", "{y}"), ("MONTH", "{MONTH}"), ("Month", "%B"), ("month", "{month}"),
    ("MON", "{MON}"), ("Mon", "%b"), ("mon", "{mon}"), ("MM", "%m"), ("DAY", "{DAY}"), ("Day", "%A"), ("day", "{day}"),
    ("DY", "{DY}"), ("Dy", "%a"), ("dy", "{dy}"), ("DDD", "%j"), ("DD", "%d"), ("D", "{d}"), ("AM", "%p"), ("PM", "%p"),
    ("Q", "{q}"), ("WW", "{ww}"), ("IW", "%V"),
]


def _translate_fmt(fmt: str) -> str:
    out = []
    i = 0
    while i < len(fmt):
        if fmt[i] == '"':
            j = fmt.find('"', i + 1)
            j = len(fmt) if j < 0 else j
            out.append(fmt[i + 1 : j].replace("%", "%%").replace("{", "{{").replace("}", "}}"))
            i = j + 1
            continue
        for pat, rep in _PATTERNS:
            if fmt.startswith(pat, i):
                out.append(rep)
                i += len(pat)
                break
        else:
            c = fmt[i]
            out.append("%%" if c == "%" else "{{" if c == "{" else "}}" if c == "}" else c)
            i += 1
    return "".join(out)


def _format_one(dt: _dt.datetime, f: str) -> str:
    s = dt.strftime(f)
    if "{" not in s:
        return s.replace("{{", "{").replace("}}", "}")
    return s.format(
        ms=f"{dt.microsecond // 1000:03d}", us=f"{dt.microsecond:06d}", yyy=f"{dt.year % 1000:03d}", y=str(dt.year % 10),
        MONTH=dt.strftime("%B").upper().ljust(9), month=dt.strftime("%B").lower(), MON=dt.strftime("%b").upper(),
        mon=dt.strftime("%b").lower(), DAY=dt.strftime("%A").upper().ljust(9), day=dt.strftime("%A").lower(),
        DY=dt.strftime("%a").upper(), dy=dt.strftime("%a").lower(), d=str(dt.isoweekday() % 7 + 1),
        q=str((dt.month - 1) // 3 + 1), ww=f"{(dt.timetuple().tm_yday - 1) // 7 + 1:02d}",
    )


def resolve_to_char(name, args):
    args = list(args)
    if len(args) != 2:
        raise no_function(name, args)
    v = args[0]
    if not (v.type.is_temporal or v.type.is_numeric):
        v = _temporal_arg(name, v, args)
    f = args[1] if args[1].type.is_string else coerce(args[1], T.VARCHAR)
    return [v, f], T.VARCHAR


def to_char_impl(call, args, n):
    from warehouse.functions.cast import _unique_format, cast_vector

    v = as_vec(args[0])
    fmt = args[1]
    if not is_scalar(fmt):
        raise BinderError("to_char needs a constant format", sqlstate="0A000")
    if fmt.value is None:
        return make(T.VARCHAR, np.zeros(len(v), np.int32), np.zeros(len(v), np.bool_), pa.array([""]))
    if v.type.is_numeric:
        return cast_vector(v, T.VARCHAR)  # numeric format masks: plain text (simplification)
    f = _translate_fmt(fmt.value)
    us = _us(v)
    base = _dt.datetime(1970, 1, 1)

    def fmt_many(u):
        return [_format_one(base + _dt.timedelta(microseconds=int(x)), f) for x in u.tolist()]

    codes, d = _unique_format(type(v)(T.TIMESTAMP, us, v.valid), fmt_many)
    from warehouse.functions.base import dict_result_strings
    from warehouse.vector import Vector

    return dict_result_strings(Vector(T.VARCHAR, codes, v.valid, d), d, T.VARCHAR)


register("to_char", resolve_to_char, to_char_impl)

_STRP = [("YYYY", "%Y"), ("YY", "%y"), ("MONTH", "%B"), ("Month", "%B"), ("MON", "%b"), ("Mon", "%b"), ("MM", "%m"),
         ("DDD", "%j"), ("DD", "%d"), ("HH24", "%H"), ("HH12", "%I"), ("HH", "%I"), ("MI", "%M"), ("SS", "%S"), ("AM", "%p"), ("PM", "%p")]


def _strp_fmt(fmt: str) -> str:
    out = []
    i = 0
    while i < len(fmt):
        for pat, rep in _STRP:
            if fmt.upper().startswith(pat.upper(), i):
                out.append(rep)
                i += len(pat)
                break
        else:
            out.append("%%" if fmt[i] == "%" else fmt[i])
            i += 1
    return "".join(out)


def resolve_to_date(name, args):
    args = list(args)
    if len(args) not in (1, 2):
        raise no_function(name, args)
    out = [a if a.type.is_string else coerce(a, T.VARCHAR) for a in args]
    return out, (T.DATE if name == "to_date" else T.TIMESTAMP)


def to_date_impl(call, args, n):
    v = as_vec(args[0])
    if len(args) == 1:
        from warehouse.functions.cast import cast_vector

        return cast_vector(v, call.type)
    fmt = args[1]
    if not is_scalar(fmt):
        raise BinderError(f"{call.fn} needs a constant format", sqlstate="0A000")
    f = _strp_fmt(fmt.value)
    d = v.dictionary
    vals = np.zeros(len(d), np.int64)
    ok = np.ones(len(d), np.bool_)
    base = _dt.datetime(1970, 1, 1)
    for i, s in enumerate(d.to_pylist()):
        try:
            x = _dt.datetime.strptime(s.strip(), f) - base
            vals[i] = x.days if call.type.kind is Kind.DATE else (x.days * 86400 + x.seconds) * 1_000_000 + x.microseconds
        except (ValueError, AttributeError):
            ok[i] = False
    if not ok.all():
        from kernels import strings as KS

        used = KS.used_codes(v.data, v.valid if v.valid is not None else np.empty(0, np.bool_), len(d))
        bad = used & ~ok
        if bad.any():
            s = d[int(np.argmax(bad))].as_py()
            raise ConversionError(f'invalid value "{s}" for format "{fmt.value}"', sqlstate="22007")
    return dict_result_values(v, vals.astype(call.type.numpy_dtype), call.type)


register(["to_date", "to_timestamp"], resolve_to_date, to_date_impl)
_unused = (re,)
