"""Implicit coercion rules and common supertypes (Redshift/PostgreSQL flavoured).

A VARCHAR *literal* is treated like PostgreSQL's "unknown": it adopts the type of the
other operand (and is converted at bind time); a VARCHAR column never is.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
from dataclasses import dataclass

from warehouse import types as T
from warehouse.errors import BinderError, ConversionError
from warehouse.plan.expressions import Expr, Interval, Literal
from warehouse.types import Kind, SqlType


@dataclass(frozen=True, repr=False)
class TypedLiteral(Literal):
    """A string constant with an explicit type (``'abc'::VARCHAR``): unlike a bare quoted
    literal (PostgreSQL's type ``unknown``) it does not adopt the type of the other operand,
    so ``numeric + 'abc'::VARCHAR`` has no matching operator (42883), as in PostgreSQL."""


def is_unknown_literal(e: Expr) -> bool:
    if isinstance(e, TypedLiteral):
        return False
    return isinstance(e, Literal) and (e.type.is_null or (e.type.is_string and isinstance(e.value, str)))


def _int_digits(t: SqlType) -> int:
    if t.is_integer:
        return T.integer_digits(t)
    return max(t.precision - t.scale, 1)


def literal_digits(value: int) -> int:
    return max(len(str(abs(int(value)))), 1)


def numeric_supertype(a: SqlType, b: SqlType) -> SqlType:
    if a.is_float or b.is_float:
        if a.kind is Kind.REAL and b.kind is Kind.REAL:
            return T.REAL
        return T.DOUBLE
    if a.is_decimal or b.is_decimal:
        s = max(a.scale if a.is_decimal else 0, b.scale if b.is_decimal else 0)
        ints = max(_int_digits(a), _int_digits(b))
        return T.decimal(min(ints + s, 38), s)
    return a if T.integer_rank(a) >= T.integer_rank(b) else b


def pair_supertype(a: SqlType, b: SqlType) -> SqlType | None:
    if a == b:
        return a
    if a.is_null:
        return b
    if b.is_null:
        return a
    if a.is_numeric and b.is_numeric:
        return numeric_supertype(a, b)
    if a.is_string and b.is_string:
        # JSON text of a nested value (unbounded) counts as the widest VARCHAR
        la = a.length if a.length is not None else (65535 if a.nested is not None else 256)
        lb = b.length if b.length is not None else (65535 if b.nested is not None else 256)
        return T.varchar(max(la, lb))
    if a.is_temporal and b.is_temporal:
        if Kind.TIMESTAMPTZ in (a.kind, b.kind):
            return T.TIMESTAMPTZ
        return T.TIMESTAMP
    if a.kind is Kind.BOOLEAN and b.kind is Kind.BOOLEAN:
        return T.BOOLEAN
    return None


def common_supertype(types: list[SqlType]) -> SqlType:
    """The type every one of ``types`` converts to (UNION, CASE, COALESCE, IN)."""
    out: SqlType | None = None
    for t in types:
        if out is None:
            out = t
            continue
        r = pair_supertype(out, t)
        if r is None:
            msg = f"types {out} and {t} cannot be matched"
            raise BinderError(msg, sqlstate="42804")
        out = r
    if out is None or out.is_null:
        return T.varchar(256) if out is not None else T.NULLTYPE
    return out


def expr_supertype(exprs: list[Expr]) -> SqlType:
    """common_supertype where string literals / NULLs adopt the others' type."""
    typed = [e.type for e in exprs if not is_unknown_literal(e)]
    if typed:
        return common_supertype(typed)
    if any(e.type.is_string for e in exprs):
        return T.VARCHAR
    return T.NULLTYPE


def literal_type_for_int(v: int) -> SqlType:
    if -(2**31) <= v < 2**31:
        return T.INTEGER
    if -(2**63) <= v < 2**63:
        return T.BIGINT
    return T.decimal(38, 0)


def cast_literal(lit: Literal, target: SqlType) -> Literal:
    from warehouse.functions.base import as_vec, scalar_of
    from warehouse.functions.cast import cast_vector
    from warehouse.vector import Scalar

    if lit.value is None:
        return Literal(None, target)
    if target.kind is Kind.INTERVAL:
        if isinstance(lit.value, Interval):
            return Literal(lit.value, target)
        if isinstance(lit.value, str):
            return Literal(parse_interval(lit.value), target)
        raise BinderError(f"cannot cast type {lit.type} to interval", sqlstate="42846")
    v = as_vec(Scalar(lit.type, lit.value))
    out = scalar_of(cast_vector(v, target))
    return Literal(out.value, target)


_UNITS = {
    "microsecond": (0, 0, 1), "microseconds": (0, 0, 1), "us": (0, 0, 1),
    "millisecond": (0, 0, 1000), "milliseconds": (0, 0, 1000), "ms": (0, 0, 1000),
    "second": (0, 0, 1_000_000), "seconds": (0, 0, 1_000_000), "sec": (0, 0, 1_000_000), "secs": (0, 0, 1_000_000), "s": (0, 0, 1_000_000),
    "minute": (0, 0, 60_000_000), "minutes": (0, 0, 60_000_000), "min": (0, 0, 60_000_000), "mins": (0, 0, 60_000_000), "m": (0, 0, 60_000_000),
    "hour": (0, 0, 3_600_000_000), "hours": (0, 0, 3_600_000_000), "h": (0, 0, 3_600_000_000), "hr": (0, 0, 3_600_000_000), "hrs": (0, 0, 3_600_000_000),
    "day": (0, 1, 0), "days": (0, 1, 0), "d": (0, 1, 0),
    "week": (0, 7, 0), "weeks": (0, 7, 0), "w": (0, 7, 0),
    "month": (1, 0, 0), "months": (1, 0, 0), "mon": (1, 0, 0), "mons": (1, 0, 0),
    "quarter": (3, 0, 0), "quarters": (3, 0, 0),
    "year": (12, 0, 0), "years": (12, 0, 0), "y": (12, 0, 0), "yr": (12, 0, 0), "yrs": (12, 0, 0),
    "decade": (120, 0, 0), "decades": (120, 0, 0),
    "century": (1200, 0, 0), "centuries": (1200, 0, 0),
}


def parse_interval(text: str) -> Interval:
    """'90 days', '1 year 2 months', '3 day', '01:02:03', '-1 month'."""
    toks = text.strip().lower().replace(",", " ").split()
    months = days = micros = 0
    i = 0
    ok = bool(toks)
    while i < len(toks):
        tok = toks[i]
        if ":" in tok:
            sign = -1 if tok.startswith("-") else 1
            parts = tok.lstrip("+-").split(":")
            try:
                h = int(parts[0])
                m = int(parts[1]) if len(parts) > 1 else 0
                s = float(parts[2]) if len(parts) > 2 else 0.0
            except ValueError:
                ok = False
                break
            micros += sign * (h * 3_600_000_000 + m * 60_000_000 + round(s * 1_000_000))
            i += 1
            continue
        try:
            num = float(tok)
        except ValueError:
            ok = False
            break
        unit = toks[i + 1] if i + 1 < len(toks) else "second"
        if unit not in _UNITS:
            ok = False
            break
        mo, d, us = _UNITS[unit]
        if mo:
            whole = int(num * mo)
            months += whole
        if d:
            whole_days = int(num * d)
            days += whole_days
            frac = num * d - whole_days
            micros += round(frac * 86_400_000_000)
        if us:
            micros += round(num * us)
        i += 2
    if not ok:
        raise ConversionError(f'invalid input syntax for type interval: "{text}"', sqlstate="22007")
    return Interval(months, days, micros)


class TypedNull:
    """A parameter whose value is not known yet, bound as a NULL of its type (NULLTYPE when
    untyped, PostgreSQL's "unknown"): the server's Parse/Describe analyse a statement with
    these, so no placeholder value has to survive the casts its context applies."""

    __slots__ = ("type",)

    def __init__(self, type_: SqlType | None) -> None:
        self.type = type_

    def __repr__(self) -> str:
        return f"TypedNull({self.type!r})"


def literal_from_python(value: object) -> Literal:
    """A bound query parameter as a Literal."""
    if value is None:
        return Literal(None, T.NULLTYPE)
    if isinstance(value, TypedNull):
        return Literal(None, value.type if value.type is not None else T.NULLTYPE)
    if isinstance(value, bool):
        return Literal(value, T.BOOLEAN)
    if isinstance(value, int):
        t = literal_type_for_int(value)
        if t.is_decimal:
            raise ConversionError(f"value {value} is out of range for type bigint", sqlstate="22003")
        return Literal(value, t)
    if isinstance(value, float):
        return Literal(value, T.DOUBLE)
    if isinstance(value, _decimal.Decimal):
        if not value.is_finite():
            return Literal(float(value), T.DOUBLE)
        sign, digits, exp = value.as_tuple()
        scale = max(-exp, 0)
        unscaled = int(value.scaleb(scale))
        p = max(len(str(abs(unscaled))), scale + 1, 1)
        if p > 18:
            return Literal(float(value), T.DOUBLE)
        return Literal(unscaled, T.decimal(p, scale))
    if isinstance(value, str):
        return Literal(value, T.VARCHAR)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        d = value - _dt.datetime(1970, 1, 1)
        return Literal((d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds, T.TIMESTAMP)
    if isinstance(value, _dt.date):
        return Literal((value - _dt.date(1970, 1, 1)).days, T.DATE)
    if isinstance(value, _dt.timedelta):
        return Literal(Interval(0, value.days, value.seconds * 1_000_000 + value.microseconds), T.INTERVAL)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Literal(bytes(value).decode("utf-8", "replace"), T.VARCHAR)
    msg = f"cannot bind a parameter of Python type {type(value).__name__}"
    raise BinderError(msg, sqlstate="42804")
