"""case, coalesce, nvl, nullif, nvl2, greatest, least, decode.

``case`` args: cond1, val1, cond2, val2, ..., [else]; value branches that may raise
(division, casts from text) are evaluated only on the rows that select them.
``decode``, ``nvl2`` and ``nullif`` are rewritten to ``case`` at bind time.
"""

from __future__ import annotations

import numpy as np

from warehouse import types as T
from warehouse.functions.base import as_vec, is_scalar, make, scalar_of
from warehouse.functions.coercion import expr_supertype
from warehouse.functions.core import coerce, no_function, register
from warehouse.plan.expressions import Call, Literal
from warehouse.types import Kind
from warehouse.vector import Scalar, Vector, unify_dictionaries


def _result_type(vals):
    t = expr_supertype(vals)
    if t.is_null:
        t = T.VARCHAR
    return t


def resolve_case(name, args):
    args = list(args)
    if len(args) < 2:
        raise no_function(name, args)
    has_else = len(args) % 2 == 1
    conds = args[0 : len(args) - has_else : 2]
    vals = args[1 : len(args) - has_else : 2] + ([args[-1]] if has_else else [])
    t = _result_type(vals)
    out = []
    for i, c in enumerate(conds):
        if c.type.kind is not Kind.BOOLEAN:
            c = coerce(c, T.BOOLEAN)
        out.append(c)
        out.append(coerce(vals[i], t))
    if has_else:
        out.append(coerce(args[-1], t))
    return out, t


def assemble(t, parts, n) -> Vector:
    """A vector of type ``t`` from (row-index array, value) parts; unset rows are NULL."""
    data = np.zeros(n, t.numpy_dtype)
    valid = np.zeros(n, np.bool_)
    dictionary = None
    vecs = [as_vec(v) for _, v in parts]
    if t.is_string:
        if vecs:
            vecs = unify_dictionaries(vecs)
            dictionary = vecs[0].dictionary
        else:
            import pyarrow as pa

            dictionary = pa.array([""], pa.string())
    for (idx, _), v in zip(parts, vecs):
        if len(idx) == 0:
            continue
        if len(v) == 1 and len(idx) != 1:
            data[idx] = v.data[0]
            valid[idx] = True if v.valid is None else bool(v.valid[0])
        else:
            data[idx] = v.data
            valid[idx] = True if v.valid is None else v.valid
    if dictionary is not None and len(dictionary) == 0:
        import pyarrow as pa

        dictionary = pa.array([""], pa.string())
    return make(t, data, valid, dictionary)


def case_special(call, batch):
    from warehouse.exec.evaluate import evaluate, evaluate_predicate, is_risky, sub_batch

    n = len(batch)
    args = call.args
    has_else = len(args) % 2 == 1
    pairs = [(args[i], args[i + 1]) for i in range(0, len(args) - has_else, 2)]
    else_expr = args[-1] if has_else else None
    t = call.type
    risky = any(is_risky(c) or is_risky(v) for c, v in pairs) or (else_expr is not None and is_risky(else_expr))
    parts = []
    remaining = np.arange(n)
    if not risky:
        taken = np.zeros(n, np.bool_)
        for c, v in pairs:
            mask = evaluate_predicate(c, batch) & ~taken
            if mask.any():
                idx = np.nonzero(mask)[0]
                val = evaluate(v, batch)
                if isinstance(val, Vector) and len(val) == n:
                    val = val.take(idx)
                parts.append((idx, val))
                taken |= mask
        if else_expr is not None:
            idx = np.nonzero(~taken)[0]
            if len(idx):
                val = evaluate(else_expr, batch)
                if isinstance(val, Vector) and len(val) == n:
                    val = val.take(idx)
                parts.append((idx, val))
        return assemble(t, parts, n)
    for c, v in pairs:
        if len(remaining) == 0:
            break
        sb = batch if len(remaining) == n else sub_batch(batch, remaining, c)
        mask = evaluate_predicate(c, sb)
        chosen = remaining[mask]
        if len(chosen):
            val = evaluate(v, sub_batch(batch, chosen, v))
            parts.append((chosen, val))
        remaining = remaining[~mask]
    if else_expr is not None and len(remaining):
        parts.append((remaining, evaluate(else_expr, sub_batch(batch, remaining, else_expr))))
    return assemble(t, parts, n)


register("case", resolve_case, special=case_special)


# ----- coalesce / nvl -----------------------------------------------------------------------
def resolve_coalesce(name, args):
    args = list(args)
    if not args or name == "nvl" and len(args) < 2:
        raise no_function(name, args)
    t = _result_type(args)
    return [coerce(a, t) for a in args], t


def coalesce_impl(call, args, n):
    t = call.type
    vecs = [as_vec(a) for a in args]
    if t.is_string:
        vecs = unify_dictionaries(vecs)
    full = {len(v) for v in vecs} - {1}  # constants are length 1; the rows may number 0
    m = full.pop() if full else 1
    first = vecs[0]
    if first.valid is None:
        return first
    data = np.broadcast_to(first.data, (m,)).copy()
    valid = np.broadcast_to(first.validity(), (m,)).copy()
    for v in vecs[1:]:
        need = ~valid
        if not need.any():
            break
        if len(v) == 1:
            if v.valid is None or v.valid[0]:
                data[need] = v.data[0]
                valid[need] = True
        else:
            data[need] = v.data[need]
            valid[need] = v.validity()[need]
    return make(t, data, valid, first.dictionary if t.is_string else None)


register(["coalesce", "nvl"], resolve_coalesce, coalesce_impl)


def resolve_nullif(name, args):
    if len(args) != 2:
        raise no_function(name, args)
    from warehouse.functions.registry import resolve_call

    a, b = args
    cond = resolve_call("eq", [a, b])
    return resolve_call("case", [cond, Literal(None, T.NULLTYPE), a])


def resolve_nvl2(name, args):
    if len(args) != 3:
        raise no_function(name, args)
    from warehouse.functions.registry import resolve_call

    return resolve_call("case", [resolve_call("is_not_null", [args[0]]), args[1], args[2]])


def resolve_decode(name, args):
    args = list(args)
    if len(args) < 3:
        raise no_function(name, args)
    from warehouse.functions.registry import resolve_call

    expr = args[0]
    rest = args[1:]
    out = []
    for i in range(0, len(rest) - 1, 2):
        search, result = rest[i], rest[i + 1]
        if isinstance(search, Literal) and search.value is None:
            cond = resolve_call("is_null", [expr])
        else:
            cond = resolve_call("is_not_distinct_from", [expr, search])
        out += [cond, result]
    if len(rest) % 2 == 1:
        out.append(rest[-1])
    return resolve_call("case", out)


register("nullif", resolve_nullif)
register("nvl2", resolve_nvl2)
register("decode", resolve_decode)


# ----- greatest / least -----------------------------------------------------------------------
def greatest_impl(call, args, n):
    from warehouse.functions.comparison import compare_values

    t = call.type
    vecs = [as_vec(a) for a in args]
    if t.is_string:
        vecs = unify_dictionaries(vecs)
    m = max(len(v) for v in vecs)
    op = "gt" if call.fn == "greatest" else "lt"
    cur = vecs[0]
    data = np.broadcast_to(cur.data, (m,)).copy()
    valid = np.broadcast_to(cur.validity(), (m,)).copy()
    for v in vecs[1:]:
        curv = Vector(t, data, valid, cur.dictionary)
        better, bv = compare_values(op, v, curv)
        vv = np.broadcast_to(v.validity(), (m,))
        take = vv & (~valid | (np.broadcast_to(better, (m,)) & (bv if bv is not None else True)))
        if take.any():
            data[take] = np.broadcast_to(v.data, (m,))[take]
            valid = valid | take
    return make(t, data, valid, cur.dictionary if t.is_string else None)


register(["greatest", "least"], resolve_coalesce, greatest_impl)

_unused = (Call, Scalar, is_scalar, scalar_of)
