"""and or not (three-valued), is_null is_not_null is_true is_false is_not_true is_not_false."""

from __future__ import annotations

import numpy as np

from warehouse import types as T
from warehouse.functions.base import as_vec, is_scalar, make, scalar_of
from warehouse.functions.core import coerce, no_function, register
from warehouse.types import Kind
from warehouse.vector import Scalar, Vector


def _bool_args(name, args):
    out = []
    for a in args:
        if a.type.kind is Kind.BOOLEAN:
            out.append(a)
        elif a.type.is_null or a.type.is_string:
            out.append(coerce(a, T.BOOLEAN))
        else:
            raise no_function(name, args)
    return out


def resolve_logic(name, args):
    if name == "not" and len(args) != 1 or name in ("and", "or") and len(args) < 2:
        raise no_function(name, args)
    return _bool_args(name, args), T.BOOLEAN


def resolve_is(name, args):
    if len(args) != 1:
        raise no_function(name, args)
    if name in ("is_null", "is_not_null"):
        return list(args), T.BOOLEAN
    return _bool_args(name, args), T.BOOLEAN


def _tv(x) -> tuple[np.ndarray, np.ndarray]:
    """(true-mask, false-mask) of a boolean value."""
    v = as_vec(x)
    if v.valid is None:
        return v.data, ~v.data
    return v.data & v.valid, ~v.data & v.valid


def combine_and(vals) -> Vector:
    t_all = None
    f_any = None
    for x in vals:
        t, f = _tv(x)
        t_all = t if t_all is None else (t_all & t)
        f_any = f if f_any is None else (f_any | f)
    return make(T.BOOLEAN, t_all, t_all | f_any)


def combine_or(vals) -> Vector:
    t_any = None
    f_all = None
    for x in vals:
        t, f = _tv(x)
        t_any = t if t_any is None else (t_any | t)
        f_all = f if f_all is None else (f_all & f)
    return make(T.BOOLEAN, t_any, t_any | f_all)


def logic_special(call, batch):
    from warehouse.exec.evaluate import evaluate, evaluate_subset, is_risky

    n = len(batch)
    is_and = call.fn == "and"
    vals = []
    decided = None  # rows already False (AND) / True (OR), kept while a risky argument follows
    risky = [is_risky(a) for a in call.args]
    for i, a in enumerate(call.args):
        if i > 0 and decided is not None and risky[i] and not is_scalar(vals[-1]):
            keep = np.nonzero(~decided)[0]
            v = evaluate_subset(a, batch, keep, n, fill=not is_and)
        else:
            v = evaluate(a, batch)
        vals.append(v)
        if any(risky[i + 1:]):
            t, f = _tv(v)
            d = f if is_and else t
            if len(d) == 1 and n != 1:
                d = np.broadcast_to(d, (n,))
            decided = d if decided is None else (decided | d)
    if all(isinstance(v, Vector) and v.valid is None and len(v) == n for v in vals):
        # no NULL anywhere: plain boolean algebra, no true/false masks
        op = np.logical_and if is_and else np.logical_or
        data = vals[0].data
        for v in vals[1:]:
            data = op(data, v.data)
        return make(T.BOOLEAN, data, None)
    if all(is_scalar(v) for v in vals):
        return scalar_of(combine_and(vals) if is_and else combine_or(vals))
    out = combine_and(vals) if is_and else combine_or(vals)
    if len(out) != n:
        from warehouse.functions.base import broadcast_to

        out = broadcast_to(out, n)
    return out


def not_impl(call, args, n):
    v = as_vec(args[0])
    return make(T.BOOLEAN, ~v.data, v.valid)


def is_impl(call, args, n):
    v = as_vec(args[0])
    fn = call.fn
    valid = v.validity() if v.valid is not None else None
    if fn in ("is_null", "is_not_null"):
        if valid is None:
            r = np.zeros(len(v), np.bool_)
        else:
            r = ~valid
        return make(T.BOOLEAN, r if fn == "is_null" else ~r)
    t, f = _tv(v)
    r = {"is_true": t, "is_false": f, "is_not_true": ~t, "is_not_false": ~f}[fn]
    return make(T.BOOLEAN, r)


register(["and", "or"], resolve_logic, special=logic_special)
register("not", resolve_logic, not_impl)
register(["is_null", "is_not_null", "is_true", "is_false", "is_not_true", "is_not_false"], resolve_is, is_impl)

_unused = (Scalar,)
