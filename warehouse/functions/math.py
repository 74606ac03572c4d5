"""abs round floor ceil trunc sqrt power exp ln log sign mod pi random cbrt.

round/floor/ceil/trunc/abs/sign of a DECIMAL stay exact decimals (round(x, d) keeps the
argument's scale... we return DECIMAL(p, max(d,0)) as PostgreSQL prints); of integers stay
integers; floats stay floats.  sqrt/exp/ln/log/power/cbrt return DOUBLE.
"""

from __future__ import annotations

import numpy as np

from warehouse import types as T
from warehouse.errors import DataError
from warehouse.functions.base import and_valid, as_vec, make, overflow
from warehouse.functions.cast import rescale
from warehouse.functions.core import coerce, no_function, register
from warehouse.plan.expressions import Literal
from warehouse.types import Kind


def _num(name, e, args):
    if e.type.is_numeric:
        return e
    if e.type.is_null or e.type.is_string:
        return coerce(e, T.DOUBLE if e.type.is_null or "." in str(e.value) else T.BIGINT) if isinstance(e, Literal) else coerce(e, T.DOUBLE)
    raise no_function(name, args)


def resolve_unary_same(name, args):
    args = list(args)
    if name == "trunc" and len(args) == 1 and (args[0].type.is_temporal):
        from warehouse.functions.registry import resolve_call

        return resolve_call("trunc_date", args)
    if name in ("round", "trunc") and len(args) == 2:
        x = _num(name, args[0], args)
        d = args[1] if args[1].type.is_integer else coerce(args[1], T.INTEGER)
        if x.type.is_decimal:
            if not isinstance(d, Literal):
                return [x, d], x.type
            s = max(min(d.value if d.value is not None else 0, x.type.scale), 0)
            return [x, d], T.decimal(x.type.precision, s)
        if x.type.is_integer:
            return [x, d], x.type
        return [coerce(x, T.DOUBLE), d], T.DOUBLE
    if len(args) != 1:
        raise no_function(name, args)
    x = _num(name, args[0], args)
    t = x.type
    if name in ("floor", "ceil", "round", "trunc") and t.is_decimal:
        return [x], T.decimal(max(t.precision - t.scale + 1, 1), 0)
    if name == "sign":
        return [x], (T.DOUBLE if t.is_float else T.INTEGER if t.is_integer else T.decimal(1, 0))
    return [x], t


def unary_impl(call, args, n):
    name = call.fn
    x = as_vec(args[0])
    t = x.type
    rt = call.type
    if name == "abs":
        if t.is_float:
            return make(rt, np.abs(x.data), x.valid)
        if not t.is_decimal:
            lo = -(2 ** (8 * t.numpy_dtype.itemsize - 1))
            if ((x.data == lo) & x.validity()).any():
                raise overflow(rt)
        return make(rt, np.abs(x.data), x.valid)
    if name == "sign":
        return make(rt, np.sign(x.data), x.valid)
    if t.is_float:
        f = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc}.get(name)
        if name == "round":
            digits = 0
            if len(args) == 2:
                digits = args[1].value if hasattr(args[1], "value") else int(as_vec(args[1]).data[0])
            m = 10.0**digits
            r = np.sign(x.data) * np.floor(np.abs(x.data) * m + 0.5) / m
            return make(rt, r, x.valid)
        if name == "trunc" and len(args) == 2:
            m = 10.0 ** (args[1].value or 0)
            return make(rt, np.trunc(x.data * m) / m, x.valid)
        return make(rt, f(x.data), x.valid)
    if t.is_integer:
        if len(args) == 2 and name in ("round", "trunc"):
            d = args[1].value if hasattr(args[1], "value") else 0
            if d is not None and d < 0:
                f = 10 ** (-d)
                a = np.abs(x.data.astype(np.int64))
                q = (a + (f // 2 if name == "round" else 0)) // f * f
                return make(rt, np.where(x.data < 0, -q, q), x.valid)
        return make(rt, x.data, x.valid)
    # decimals, exact
    s = t.scale
    target_s = rt.scale
    if len(args) == 2:
        d = args[1].value if hasattr(args[1], "value") else 0
        d = 0 if d is None else d
        keep = min(d, s)
        f = np.int64(10 ** (s - keep)) if s - keep < 19 else None
        data = x.data.astype(np.int64)
        if f is None:
            return make(rt, np.zeros_like(data), x.valid)
        a = np.abs(data)
        q = (a + (f // 2 if name == "round" else 0)) // f
        q = np.where(data < 0, -q, q)
        # q has scale `keep`; rescale to the result scale
        return make(rt, rescale(q, x.valid, keep, target_s, rt), x.valid)
    f = np.int64(10**s)
    data = x.data.astype(np.int64)
    if name == "round":
        r = rescale(data, x.valid, s, 0, rt)
    elif name == "trunc":
        a = np.abs(data) // f
        r = np.where(data < 0, -a, a)
    elif name == "floor":
        r = data // f
    else:
        r = -((-data) // f)
    return make(rt, r, x.valid)


register(["abs", "round", "floor", "ceil", "trunc", "sign"], resolve_unary_same, unary_impl)


def resolve_double(name, args):
    args = list(args)
    arity = {"power": 2, "atan2": 2, "log": (1, 2)}.get(name, 1)
    ok = len(args) in arity if isinstance(arity, tuple) else len(args) == arity
    if not ok:
        raise no_function(name, args)
    return [coerce(_num(name, a, args), T.DOUBLE) for a in args], T.DOUBLE


def double_impl(call, args, n):
    name = call.fn
    vs = [as_vec(a) for a in args]
    x = vs[0].data
    valid = and_valid(*[v.valid for v in vs])
    vm = np.ones(1, np.bool_) if valid is None else valid

    def bad(mask, msg, state="2201F"):
        if (np.broadcast_to(mask, np.broadcast(mask, vm).shape) & vm).any():
            raise DataError(msg, sqlstate=state)

    with np.errstate(all="ignore"):
        if name == "sqrt":
            bad(x < 0, "cannot take square root of a negative number", "2201F")
            r = np.sqrt(x)
        elif name == "cbrt":
            r = np.cbrt(x)
        elif name == "exp":
            r = np.exp(x)
        elif name in ("ln", "log"):
            if name == "log" and len(vs) == 2:
                b, x = x, vs[1].data
                bad(x <= 0, "cannot take logarithm of zero or a negative number", "2201E")
                r = np.log(x) / np.log(b)
            else:
                bad(x == 0, "cannot take logarithm of zero", "2201E")
                bad(x < 0, "cannot take logarithm of a negative number", "2201E")
                r = np.log(x) if name == "ln" else np.log10(x)
        elif name == "power":
            y = vs[1].data
            bad((x == 0) & (y < 0), "zero raised to a negative power is undefined", "2201F")
            r = np.power(x, y)
        elif name == "atan2":
            r = np.arctan2(x, vs[1].data)
        else:
            r = getattr(np, {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}.get(name, name))(x)
    return make(T.DOUBLE, r, valid)


register(["sqrt", "cbrt", "exp", "ln", "log", "power", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "degrees", "radians"],
         resolve_double, double_impl, risky=True)


def resolve_mod(name, args):
    from warehouse.functions.registry import resolve_call

    if len(args) != 2:
        raise no_function(name, list(args))
    return resolve_call("modulo", list(args))


register("mod", resolve_mod)


def resolve_pi(name, args):
    if args:
        raise no_function(name, list(args))
    return [], T.DOUBLE


def pi_impl(call, args, n):
    if call.fn == "pi":
        return make(T.DOUBLE, np.array([np.pi]))
    return make(T.DOUBLE, np.random.random(n))


register("pi", resolve_pi, pi_impl)
register("random", resolve_pi, pi_impl, deterministic=False, per_row=True)
_unused = (Kind,)
