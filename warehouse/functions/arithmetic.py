"""add subtract multiply divide modulo negate: integers, exact decimals, floats, dates.

Result types follow Redshift's table ("Computations with numeric values"):
  int op int -> the wider integer; anything with REAL/DOUBLE (except REAL op REAL) -> DOUBLE;
  decimal involved -> DECIMAL with
    + / -  : s = max(s1,s2),       p = max(p1-s1, p2-s2) + 1 + s
    *      : s = s1+s2,            p = p1+p2+1
    /      : s = max(4, s1+p2-s2+1), p = p1-s1+s2+s
  precision clamped to 38; when the division rule asks for more than 38 digits the scale is
  reduced to max(6, 38 - (p1-s1+s2)) (capped at 18, what an int64 can carry).
  Integers count as DECIMAL(digits, 0) (5/10/19; a literal counts its own digits).
Decimals are scaled int64: overflow raises 22003, rounding is half away from zero.
Integer division truncates toward zero; x/0 raises 22012.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels import dates as KD
from warehouse import types as T
from warehouse.errors import BinderError
from warehouse.functions.base import and_valid, as_vec, div_zero, make, overflow
from warehouse.functions.cast import rescale
from warehouse.functions.coercion import is_unknown_literal, literal_digits
from warehouse.functions.core import coerce, no_function, register
from warehouse.plan.expressions import Interval, Literal
from warehouse.types import Kind, SqlType

US_PER_DAY = 86_400_000_000
_EMPTY_BOOL = np.empty(0, np.bool_)


# ----- kernels ----------------------------------------------------------------------------
@njit(nogil=True, cache=True)
def _addsub_kernel(a, b, valid, out, lo, hi, sub):
    n = len(out)
    sa = 1 if len(a) > 1 else 0
    sb = 1 if len(b) > 1 else 0
    hv = len(valid) > 0
    bad = -1
    for i in range(n):
        x = np.int64(a[i * sa])
        y = np.int64(b[i * sb])
        if sub:
            r = x - y
            ovf = ((x ^ y) & (x ^ r)) < 0
        else:
            r = x + y
            ovf = ((x ^ r) & (y ^ r)) < 0
        if ovf or r < lo or r > hi:
            if bad < 0 and (not hv or valid[i]):
                bad = i
            r = 0
        out[i] = r
    return bad


@njit(nogil=True, cache=True)
def _mul_kernel(a, b, valid, out, lo, hi):
    n = len(out)
    sa = 1 if len(a) > 1 else 0
    sb = 1 if len(b) > 1 else 0
    hv = len(valid) > 0
    bad = -1
    for i in range(n):
        x = np.int64(a[i * sa])
        y = np.int64(b[i * sb])
        r = x * y
        f = abs(float(x) * float(y))
        ovf = False
        if f > 9.0e18:
            if f > 9.3e18:
                ovf = True
            elif x != 0 and (r // x != y or (x == -1 and y == r)):
                ovf = True
        if ovf or r < lo or r > hi:
            if bad < 0 and (not hv or valid[i]):
                bad = i
            r = 0
        out[i] = r
    return bad


@njit(nogil=True, cache=True)
def _intdiv_kernel(a, b, valid, out, lo, hi, modulo):
    """Truncating division / C remainder; returns (-2 - i) for a zero divisor at row i,
    (i) for an overflow at row i, -1 when fine."""
    n = len(out)
    sa = 1 if len(a) > 1 else 0
    sb = 1 if len(b) > 1 else 0
    hv = len(valid) > 0
    for i in range(n):
        x = np.int64(a[i * sa])
        y = np.int64(b[i * sb])
        if y == 0:
            if not hv or valid[i]:
                return -2 - i
            out[i] = 0
            continue
        if y == -1:
            if modulo:
                out[i] = 0
                continue
            if x == lo:
                if not hv or valid[i]:
                    return i
                out[i] = 0
                continue
            out[i] = -x
            continue
        q = abs(x) // abs(y)
        if (x < 0) != (y < 0):
            q = -q
        if modulo:
            out[i] = x - q * y
        else:
            out[i] = q
    return -1


@njit(nogil=True, cache=True)
def _decdiv_kernel(a, b, k, valid, out):
    """round(a * 10**k / b) half away from zero, k >= 0, exact by long division.
    Returns -1, i (overflow at row i) or -2 - i (zero divisor)."""
    n = len(out)
    sa = 1 if len(a) > 1 else 0
    sb = 1 if len(b) > 1 else 0
    hv = len(valid) > 0
    lim = np.int64(922337203685477580)  # (2**63-1) // 10
    for i in range(n):
        x = np.int64(a[i * sa])
        y = np.int64(b[i * sb])
        if y == 0:
            if not hv or valid[i]:
                return -2 - i
            out[i] = 0
            continue
        neg = (x < 0) != (y < 0)
        ux = abs(x)
        uy = abs(y)
        q = ux // uy
        r = ux - q * uy
        ok = True
        for _ in range(k):
            if q > lim:
                ok = False
                break
            # r < uy <= 2**63: r*10 may overflow when uy is huge: split
            if r <= lim:
                r10 = r * 10
                d = r10 // uy
                r = r10 - d * uy
            else:
                d = np.int64(0)
                rr = r
                for _j in range(10):
                    # add r ten times modulo uy, counting wraps
                    if rr >= uy - r:
                        rr = rr - (uy - r)
                        d += 1
                    else:
                        rr = rr + r
                r = rr - r  # we added r 10 times starting from r: undo the initial r
                if r < 0:
                    r += uy
                    d -= 1
            q = q * 10 + d
        if not ok:
            if not hv or valid[i]:
                return i
            out[i] = 0
            continue
        # round half away from zero: compare 2r with uy
        if r >= uy - r:
            q += 1
        out[i] = -q if neg else q
    return -1


_RANGES = {
    Kind.SMALLINT: (-(2**15), 2**15 - 1),
    Kind.INTEGER: (-(2**31), 2**31 - 1),
}
_I64 = (-(2**63), 2**63 - 1)


def _rng(t: SqlType) -> tuple[int, int]:
    return _RANGES.get(t.kind, _I64)


_UFUNCS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply}


def _within(name: str, x: np.ndarray, y: np.ndarray, lo: int, hi: int) -> bool:
    """Whether ``x <name> y`` stays within [lo, hi] for every row, by interval arithmetic
    over the operands' ranges (NULL slots included, so it may say no when it need not):
    then numpy's vectorised loop replaces the checked row-by-row kernel."""
    if not len(x) or not len(y):
        return False
    x0, x1, y0, y1 = int(x.min()), int(x.max()), int(y.min()), int(y.max())
    if name == "add":
        r0, r1 = x0 + y0, x1 + y1
    elif name == "subtract":
        r0, r1 = x0 - y1, x1 - y0
    else:
        products = (x0 * y0, x0 * y1, x1 * y0, x1 * y1)
        r0, r1 = min(products), max(products)
    return lo <= r0 and r1 <= hi


def _valid_arg(valid):
    return _EMPTY_BOOL if valid is None else valid


def _ints(x: np.ndarray) -> np.ndarray:
    return x if x.dtype.kind == "i" else x.astype(np.int64)


# ----- type rules -------------------------------------------------------------------------
def _digits(e, t: SqlType) -> int:
    if isinstance(e, Literal) and t.is_integer and e.value is not None:
        return literal_digits(e.value)
    if t.is_integer:
        return T.integer_digits(t)
    return t.precision


def decimal_result(op: str, p1: int, s1: int, p2: int, s2: int) -> SqlType:
    if op in ("add", "subtract"):
        s = max(s1, s2)
        p = max(p1 - s1, p2 - s2) + 1 + s
    elif op == "multiply":
        s = s1 + s2
        p = p1 + p2 + 1
    elif op == "divide":
        s = max(4, s1 + p2 - s2 + 1)
        p = p1 - s1 + s2 + s
        if p > 38:
            s = max(6, 38 - (p1 - s1 + s2))
            p = 38
        s = min(s, 18)
    else:  # modulo
        s = max(s1, s2)
        p = max(p1 - s1, p2 - s2) + s
    return T.decimal(min(p, 38), min(s, 18))


def _numeric_result(op: str, a, b) -> SqlType:
    ta, tb = a.type, b.type
    if ta.is_float or tb.is_float:
        if ta.kind is Kind.REAL and tb.kind is Kind.REAL:
            return T.REAL
        return T.DOUBLE
    if ta.is_decimal or tb.is_decimal:
        sa = ta.scale if ta.is_decimal else 0
        sb = tb.scale if tb.is_decimal else 0
        return decimal_result(op, _digits(a, ta), sa, _digits(b, tb), sb)
    return ta if T.integer_rank(ta) >= T.integer_rank(tb) else tb


def resolve_arith(name: str, args):
    args = list(args)
    if name == "negate":
        if len(args) != 1:
            raise no_function(name, args)
        a = args[0]
        if is_unknown_literal(a) and a.type.is_string:
            a = coerce(a, T.decimal(18, 6) if "." in a.value else T.BIGINT)
        if a.type.is_null:
            return [a], T.INTEGER
        if not (a.type.is_numeric or a.type.kind is Kind.INTERVAL):
            raise no_function(name, args)
        return [a], a.type
    if len(args) != 2:
        raise no_function(name, args)
    a, b = args
    # unknown (string) literals adopt the other side's type
    if is_unknown_literal(a) and not is_unknown_literal(b):
        a = _adopt(a, b, name, left=True)
    elif is_unknown_literal(b) and not is_unknown_literal(a):
        b = _adopt(b, a, name, left=False)
    ta, tb = a.type, b.type
    if ta.is_null and tb.is_null:
        return [a, b], T.INTEGER
    if ta.is_null:
        a = coerce(a, tb if tb.kind is not Kind.INTERVAL else T.TIMESTAMP)
        ta = a.type
    if tb.is_null:
        b = coerce(b, ta if not ta.is_temporal or name != "subtract" else T.INTEGER)
        tb = b.type
    if ta.is_numeric and tb.is_numeric:
        return [a, b], _numeric_result(name, a, b)
    # temporal arithmetic
    if name in ("add", "subtract"):
        if ta.kind is Kind.DATE and tb.is_integer:
            return [a, b], T.DATE
        if name == "add" and ta.is_integer and tb.kind is Kind.DATE:
            return [b, a], T.DATE
        if name == "subtract" and ta.kind is Kind.DATE and tb.kind is Kind.DATE:
            return [a, b], T.INTEGER
        if ta.is_temporal and tb.kind is Kind.INTERVAL:
            return [a, b], (T.TIMESTAMPTZ if ta.kind is Kind.TIMESTAMPTZ else T.TIMESTAMP)
        if name == "add" and ta.kind is Kind.INTERVAL and tb.is_temporal:
            return [b, a], (T.TIMESTAMPTZ if tb.kind is Kind.TIMESTAMPTZ else T.TIMESTAMP)
        if ta.kind is Kind.INTERVAL and tb.kind is Kind.INTERVAL and isinstance(a, Literal) and isinstance(b, Literal):
            return [a, b], T.INTERVAL
    if ta.kind is Kind.INTERVAL and tb.is_numeric and name in ("multiply", "divide") and isinstance(a, Literal):
        return [a, b], T.INTERVAL
    raise no_function(name, [a, b])


def _adopt(lit, other, name, left):
    t = other.type
    if t.is_temporal:
        if name == "subtract" and not left:
            try:
                return coerce(lit, t)
            except Exception:  # noqa: BLE001 - then it must be an interval
                return coerce(lit, T.INTERVAL)
        return coerce(lit, T.INTERVAL)
    if t.is_numeric:
        txt = lit.value
        if lit.value is None:
            return coerce(lit, t)
        if "." in txt or "e" in txt.lower():
            return coerce(lit, T.DOUBLE if t.is_float else T.decimal(18, max(len(txt.split(".")[-1]), 0) if "." in txt else 0))
        return coerce(lit, t if not t.is_decimal else T.decimal(18, 0))
    if t.kind is Kind.INTERVAL:
        return coerce(lit, T.TIMESTAMP)
    return lit


# ----- implementation ---------------------------------------------------------------------
def _scale(t: SqlType) -> int:
    return t.scale if t.is_decimal else 0


def _to_float(v, t: SqlType) -> np.ndarray:
    if t.is_decimal:
        return v.data / (10.0**t.scale)
    return v.data.astype(np.float64, copy=False) if t.kind is not Kind.REAL else v.data


def _raise_code(code: int, t: SqlType):
    if code <= -2:
        raise div_zero()
    if code >= 0:
        raise overflow(t)


def arith_impl(call, args, n):
    name = call.fn
    t = call.type
    if name == "negate":
        v = as_vec(args[0])
        if t.kind is Kind.INTERVAL:
            return v
        if t.is_float:
            return make(t, -v.data, v.valid)
        lo, _ = _rng(t) if not t.is_decimal else _I64
        if v.valid is None and (v.data == lo).any() or v.valid is not None and ((v.data == lo) & v.valid).any():
            raise overflow(t)
        return make(t, -v.data, v.valid)
    a, b = as_vec(args[0]), as_vec(args[1])
    ta, tb = call.args[0].type, call.args[1].type
    valid = and_valid(a.valid, b.valid)
    m = max(len(a), len(b))
    if ta.is_temporal or tb.is_temporal or t.kind is Kind.INTERVAL:
        return _temporal(name, a, b, ta, tb, t, valid, m)
    if t.is_float:
        x = _to_float(a, ta)
        y = _to_float(b, tb)
        if name in ("divide", "modulo"):
            z = y == 0
            if valid is not None:
                z = z & valid
            if z.any():
                raise div_zero()
            with np.errstate(all="ignore"):
                r = x / y if name == "divide" else np.fmod(x, y)
        else:
            with np.errstate(all="ignore"):
                r = x + y if name == "add" else (x - y if name == "subtract" else x * y)
        return make(t, r.astype(t.numpy_dtype, copy=False), valid)
    out = np.empty(m, dtype=np.int64 if t.is_decimal else t.numpy_dtype)
    lo, hi = _rng(t) if t.is_integer else _I64
    vv = _valid_arg(valid if valid is None or len(valid) == m else np.broadcast_to(valid, (m,)).copy())
    x, y = _ints(a.data), _ints(b.data)
    if name in ("add", "subtract", "modulo") and t.is_decimal:
        s = max(_scale(ta), _scale(tb))
        x = rescale(x, a.valid, _scale(ta), s, t)
        y = rescale(y, b.valid, _scale(tb), s, t)
    if name in _UFUNCS and _within(name, x, y, lo, hi):  # no row can overflow: numpy's loop
        _UFUNCS[name](x, y, out=out, dtype=np.int64, casting="unsafe")
    elif name in ("add", "subtract"):
        _raise_code(_addsub_kernel(x, y, vv, out, lo, hi, name == "subtract"), t)
    elif name == "multiply":
        _raise_code(_mul_kernel(x, y, vv, out, lo, hi), t)
    elif name == "modulo":
        _raise_code(_intdiv_kernel(x, y, vv, out, lo, hi, True), t)
    elif name == "divide":
        if t.is_decimal:
            k = t.scale + _scale(tb) - _scale(ta)
            if k < 0:
                y = rescale(y, b.valid, 0, -k, t)
                k = 0
            _raise_code(_decdiv_kernel(x, y, k, vv, out), t)
        else:
            _raise_code(_intdiv_kernel(x, y, vv, out, lo, hi, False), t)
    return make(t, out, valid)


def _interval_of(v) -> Interval:
    return v


def _temporal(name, a, b, ta, tb, t, valid, m):
    if t.kind is Kind.INTERVAL:
        raise BinderError("interval arithmetic on columns is not supported", sqlstate="0A000")
    if t.kind is Kind.DATE:
        x = a.data.astype(np.int64)
        y = b.data.astype(np.int64)
        r = x + y if name == "add" else x - y
        return make(t, r.astype(np.int32), valid)
    if name == "subtract" and ta.kind is Kind.DATE and tb.kind is Kind.DATE:
        return make(t, (a.data.astype(np.int64) - b.data.astype(np.int64)).astype(np.int32), valid)
    # temporal +/- interval -> timestamp; the interval is a literal
    iv = b.data
    from warehouse.functions.base import py_value

    iv = py_value(_INTERVAL_STASH.get(id(b), None))
    if iv is None:
        raise BinderError("interval operand must be a constant", sqlstate="0A000")
    if name == "subtract":
        iv = -iv
    us = a.data.astype(np.int64) * US_PER_DAY if ta.kind is Kind.DATE else a.data.astype(np.int64)
    if iv.months:
        us = KD.add_months_us(us, np.array([iv.months], np.int64))
    delta = iv.days * US_PER_DAY + iv.micros
    if delta:
        us = us + np.int64(delta)
    return make(t, us, valid)


_INTERVAL_STASH: dict[int, Interval] = {}


def _special_arith(call, batch):
    """Arithmetic with an INTERVAL literal operand (intervals have no vector form)."""
    from warehouse.exec.evaluate import evaluate
    from warehouse.functions.base import is_scalar, scalar_of
    from warehouse.vector import Scalar, Vector

    a_expr, b_expr = call.args
    if b_expr.type.kind is not Kind.INTERVAL and a_expr.type.kind is not Kind.INTERVAL:
        args = [evaluate(x, batch) for x in call.args]
        if all(is_scalar(x) for x in args):
            return scalar_of(arith_impl(call, args, 1))
        out = arith_impl(call, args, len(batch))
        if len(out) != len(batch):
            from warehouse.functions.base import broadcast_to

            out = broadcast_to(out, len(batch))
        return out
    if call.type.kind is Kind.INTERVAL:
        ia = a_expr.value if isinstance(a_expr, Literal) else None
        ib = b_expr.value if isinstance(b_expr, Literal) else None
        if ia is None or (isinstance(b_expr, Literal) and b_expr.value is None):
            return Scalar(T.INTERVAL, None)
        if isinstance(ib, Interval):
            r = Interval(ia.months + ib.months, ia.days + ib.days, ia.micros + ib.micros) if call.fn == "add" else Interval(ia.months - ib.months, ia.days - ib.days, ia.micros - ib.micros)
            return Scalar(T.INTERVAL, r)
        f = float(ib) / (10 ** b_expr.type.scale if b_expr.type.is_decimal else 1)
        if call.fn == "divide":
            f = 1 / f
        return Scalar(T.INTERVAL, Interval(int(ia.months * f), int(ia.days * f), int(ia.micros * f)))
    if not isinstance(b_expr, Literal):
        raise BinderError("interval operand must be a constant", sqlstate="0A000")
    iv = b_expr.value
    av = evaluate(a_expr, batch)
    if iv is None:
        if isinstance(av, Scalar):
            return Scalar(call.type, None)
        return Vector(call.type, np.zeros(len(batch), np.int64), np.zeros(len(batch), np.bool_))
    key = object()
    bvec = Vector(T.INTERVAL, np.zeros(1, np.int64))
    _INTERVAL_STASH[id(bvec)] = iv
    try:
        out = _temporal(call.fn, as_vec(av), bvec, a_expr.type, T.INTERVAL, call.type, as_vec(av).valid, len(batch))
    finally:
        _INTERVAL_STASH.pop(id(bvec), None)
    del key
    if isinstance(av, Scalar):
        return scalar_of(out)
    return out


register(["add", "subtract", "multiply"], resolve_arith, arith_impl, special=_special_arith)
register(["divide", "modulo"], resolve_arith, arith_impl, special=_special_arith, risky=True)
register("negate", resolve_arith, arith_impl)
