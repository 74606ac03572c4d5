"""eq ne lt le gt ge, is_distinct_from, is_not_distinct_from, in_list, like, ilike,
similar_to, regexp_like.

Strings are compared by value (bytewise, as Redshift's default collation): against a
constant the comparison runs once per dictionary entry and is mapped through the codes;
two vectors with one dictionary compare codes (eq/ne) or sort ranks (lt/gt...).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kernels import strings as KS
from kernels.like import match_like, split_pattern
from warehouse import types as T
from warehouse.functions.base import and_valid, as_vec, decode_strings, is_scalar, make
from warehouse.functions.coercion import expr_supertype, is_unknown_literal, pair_supertype
from warehouse.functions.core import coerce, no_function, register
from warehouse.plan.expressions import Literal
from warehouse.types import Kind
from warehouse.vector import Vector, unify_dictionaries

US_PER_DAY = 86_400_000_000
_NP_OPS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}
_PC_OPS = {"eq": pc.equal, "ne": pc.not_equal, "lt": pc.less, "le": pc.less_equal, "gt": pc.greater, "ge": pc.greater_equal}
_FLIP = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}
_EMPTY_BOOL = np.empty(0, np.bool_)


def try_lossless(lit: Literal, target) -> Literal | None:
    """``lit`` converted to ``target`` when that loses nothing, else None."""
    from warehouse.functions.coercion import cast_literal

    try:
        out = cast_literal(lit, target)
        back = cast_literal(out, lit.type)
    except Exception:  # noqa: BLE001
        return None
    if back.value != lit.value:
        return None
    return out


def coerce_pair(a, b, name="eq"):
    """Make two comparison operands comparable; literals adopt the column's type."""
    if is_unknown_literal(a) and not is_unknown_literal(b):
        a = coerce(a, b.type) if not b.type.is_null else a
    elif is_unknown_literal(b) and not is_unknown_literal(a):
        b = coerce(b, a.type) if not a.type.is_null else b
    ta, tb = a.type, b.type
    if ta == tb or ta.is_null or tb.is_null:
        return a, b
    if ta.is_numeric and tb.is_numeric:
        if isinstance(b, Literal) and not isinstance(a, Literal):
            nb = try_lossless(b, ta)
            if nb is not None:
                return a, nb
        if isinstance(a, Literal) and not isinstance(b, Literal):
            na = try_lossless(a, tb)
            if na is not None:
                return na, b
        return a, b  # mixed numerics are handled by the implementation
    if ta.is_string and tb.is_string:
        return a, b
    if ta.is_temporal and tb.is_temporal:
        if ta.kind is Kind.DATE and isinstance(b, Literal):
            nb = try_lossless(b, ta)
            if nb is not None:
                return a, nb
        if tb.kind is Kind.DATE and isinstance(a, Literal):
            na = try_lossless(a, tb)
            if na is not None:
                return na, b
        return a, b
    if pair_supertype(ta, tb) is None:
        raise no_function(name, [a, b])
    return a, b


def resolve_compare(name, args):
    if len(args) != 2:
        raise no_function(name, args)
    a, b = coerce_pair(args[0], args[1], name)
    if is_unknown_literal(a) and is_unknown_literal(b):
        a, b = coerce(a, T.VARCHAR), coerce(b, T.VARCHAR)
    return [a, b], T.BOOLEAN


# ----- implementation -------------------------------------------------------------------
def _numeric_pair(a: Vector, b: Vector):
    ta, tb = a.type, b.type
    if ta.kind is tb.kind and (not ta.is_decimal or ta.scale == tb.scale):
        return a.data, b.data
    if ta.is_temporal and tb.is_temporal:
        x = a.data.astype(np.int64) * US_PER_DAY if ta.kind is Kind.DATE else a.data
        y = b.data.astype(np.int64) * US_PER_DAY if tb.kind is Kind.DATE else b.data
        return x, y
    if ta.is_float or tb.is_float:
        x = a.data / 10.0**ta.scale if ta.is_decimal else a.data
        y = b.data / 10.0**tb.scale if tb.is_decimal else b.data
        return x, y
    sa = ta.scale if ta.is_decimal else 0
    sb = tb.scale if tb.is_decimal else 0
    s = max(sa, sb)
    x = a.data if sa == s else a.data.astype(np.int64) * np.int64(10 ** (s - sa))
    y = b.data if sb == s else b.data.astype(np.int64) * np.int64(10 ** (s - sb))
    return x, y


def _string_rank(d: pa.Array) -> np.ndarray:
    order = pc.sort_indices(d).to_numpy(zero_copy_only=False)
    rank = np.empty(len(d), np.int64)
    rank[order] = np.arange(len(d))
    return rank


def _lookup(table: np.ndarray, v: Vector) -> np.ndarray:
    if len(table) == 0:
        return np.zeros(len(v), np.bool_)
    return table[v.data]


def compare_values(op: str, a, b):
    """(data, valid) of ``a op b`` for Vector/Scalar operands."""
    if is_scalar(a) and is_scalar(b) or not is_scalar(a) and not is_scalar(b):
        pass
    elif is_scalar(a):
        a, b, op = b, a, _FLIP[op]
    va, vb = as_vec(a), as_vec(b)
    valid = and_valid(va.valid, vb.valid)
    if va.type.is_string or vb.type.is_string:
        if is_scalar(b):
            if b.value is None:
                return np.zeros(len(va), np.bool_), np.zeros(len(va), np.bool_)
            d = va.dictionary
            if len(d) == 0:
                return np.zeros(len(va), np.bool_), valid
            table = _PC_OPS[op](d, pa.scalar(b.value, pa.string())).to_numpy(zero_copy_only=False)
            return _lookup(table, va), valid
        if va.dictionary is not vb.dictionary:
            va, vb = unify_dictionaries([va, vb])
        if op in ("eq", "ne"):
            return _NP_OPS[op](va.data, vb.data), valid
        rank = _string_rank(va.dictionary)
        return _NP_OPS[op](rank[va.data], rank[vb.data]), valid
    x, y = _numeric_pair(va, vb)
    if is_scalar(b):
        y = y[0] if len(y) else y
        if isinstance(y, np.generic) and x.dtype.kind in "iu" and y.dtype.kind in "iu":
            y = int(y)
    return _NP_OPS[op](x, y), valid


def compare_impl(call, args, n):
    data, valid = compare_values(call.fn, args[0], args[1])
    return make(T.BOOLEAN, data, valid)


def distinct_impl(call, args, n):
    data, _ = compare_values("ne", args[0], args[1])
    va, vb = as_vec(args[0]), as_vec(args[1])
    ia = va.validity()
    ib = vb.validity()
    both = ia & ib
    r = np.where(both, data, ia != ib)
    if call.fn == "is_not_distinct_from":
        r = ~r
    return make(T.BOOLEAN, r, None)


register(["eq", "ne", "lt", "le", "gt", "ge"], resolve_compare, compare_impl)
register(["is_distinct_from", "is_not_distinct_from"], resolve_compare, distinct_impl)


# ----- IN lists ---------------------------------------------------------------------------
def resolve_in(name, args):
    if len(args) < 2:
        raise no_function(name, args)
    value, items = args[0], list(args[1:])
    if is_unknown_literal(value) and all(is_unknown_literal(i) for i in items):
        t = T.VARCHAR
    else:
        t = expr_supertype([value, *items])
    if is_unknown_literal(value) and not value.type.is_null:
        value = coerce(value, t)
    out = []
    for it in items:
        if isinstance(it, Literal):
            if it.value is None:
                out.append(Literal(None, value.type if not value.type.is_null else t))
                continue
            conv = try_lossless(it, value.type) if not is_unknown_literal(it) else None
            if conv is None and is_unknown_literal(it) and not value.type.is_null:
                conv = coerce(it, value.type)
            if conv is None:
                if value.type.is_numeric and it.type.is_numeric:
                    conv = it  # cannot equal any value of the column type exactly: keep, compared numerically
                else:
                    conv = coerce(it, t)
            out.append(conv)
        else:
            if pair_supertype(value.type, it.type) is None:
                raise no_function(name, [value, it])
            out.append(it)
    return [value, *out], T.BOOLEAN


def in_impl(call, args, n):
    value = args[0]
    items = args[1:]
    v = as_vec(value)
    same = all(is_scalar(i) and (i.type == v.type or i.value is None) for i in items)
    if same:
        consts = [i.value for i in items if i.value is not None]
        has_null = len(consts) != len(items)
        if v.type.is_string:
            d = v.dictionary
            if len(d) == 0 or not consts:
                found = np.zeros(len(v), np.bool_)
            else:
                table = pc.is_in(d, value_set=pa.array(consts, pa.string())).to_numpy(zero_copy_only=False)
                found = KS.lookup_bool(table, v.data, _EMPTY_BOOL)
        elif v.type.is_null:
            found = np.zeros(len(v), np.bool_)
        else:
            arr = np.array(consts, dtype=v.data.dtype) if consts else np.empty(0, v.data.dtype)
            if len(arr) <= 4:
                found = np.zeros(len(v), np.bool_)
                for c in arr:
                    found |= v.data == c
            else:
                found = np.isin(v.data, arr)
        valid = v.valid
        if has_null:
            valid = and_valid(valid, found)
        return make(T.BOOLEAN, found, valid)
    # general: OR of equalities with three-valued logic
    found = None
    unknown = None
    for it in items:
        d, vl = compare_values("eq", value, it)
        vl = np.ones(len(d), np.bool_) if vl is None else vl
        t = d & vl
        u = ~vl
        found = t if found is None else (found | t)
        unknown = u if unknown is None else (unknown | u)
    valid = found | ~unknown
    return make(T.BOOLEAN, found, valid)


register("in_list", resolve_in, in_impl)


# ----- LIKE -------------------------------------------------------------------------------
def resolve_like(name, args):
    if len(args) not in (2, 3):
        raise no_function(name, args)
    out = []
    for a in args:
        if a.type.is_string or a.type.is_null:
            out.append(coerce(a, T.VARCHAR) if a.type.is_null else a)
        else:
            out.append(coerce(a, T.VARCHAR))
    return out, T.BOOLEAN


def to_arrow_like(pattern: str, escape: str | None) -> str:
    """A LIKE pattern with escape ``escape`` as a pattern for pyarrow (backslash escape)."""
    if escape == "\\":
        return pattern
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if escape and c == escape and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append("\\" + nxt if nxt in "%_\\" else nxt)
            i += 2
            continue
        if c == "\\":
            out.append("\\\\")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _like_regex(pattern: str, escape: str | None, flags: int) -> re.Pattern:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if escape and c == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.compile("".join(out), flags | re.DOTALL)


def like_impl(call, args, n):
    value, pattern = args[0], args[1]
    escape = "\\"
    if len(args) == 3:
        if not is_scalar(args[2]):
            from warehouse.errors import NotSupportedError

            raise NotSupportedError("LIKE ... ESCAPE needs a constant escape character")
        escape = args[2].value
        if escape is None:
            escape = "\\"
    ignore = call.fn == "ilike"
    v = as_vec(value)
    if is_scalar(pattern):
        if pattern.value is None:
            return make(T.BOOLEAN, np.zeros(len(v), np.bool_), np.zeros(len(v), np.bool_))
        d = v.dictionary
        if len(d) == 0:
            return make(T.BOOLEAN, np.zeros(len(v), np.bool_), v.valid)
        split = None if ignore else split_pattern(pattern.value, escape)
        if split is not None and len(split[0]) >= 2 and d.type in (pa.string(), pa.large_string()):
            # Arrow would run a regular expression: find the segments in order instead
            table = match_like(d, *split)
        else:
            table = pc.match_like(d, to_arrow_like(pattern.value, escape), ignore_case=ignore).to_numpy(zero_copy_only=False)
        return make(T.BOOLEAN, table[v.data], v.valid)
    # per-row patterns (rare): regexes per distinct pattern
    p = as_vec(pattern)
    vals = decode_strings(v).to_pylist() if len(v) > 1 or len(p) == 1 else decode_strings(v).to_pylist() * len(p)
    pats = decode_strings(p).to_pylist()
    if len(pats) == 1:
        pats = pats * len(vals)
    if len(vals) == 1:
        vals = vals * len(pats)
    cache: dict[str, re.Pattern] = {}
    res = np.zeros(len(vals), np.bool_)
    ok = np.ones(len(vals), np.bool_)
    for i, (s, pt) in enumerate(zip(vals, pats)):
        if s is None or pt is None:
            ok[i] = False
            continue
        rx = cache.get(pt)
        if rx is None:
            rx = cache[pt] = _like_regex(pt, escape, re.IGNORECASE if ignore else 0)
        res[i] = rx.fullmatch(s) is not None
    return make(T.BOOLEAN, res, ok)


register(["like", "ilike"], resolve_like, like_impl)


def _similar_to_regex(p: str) -> str:
    out = []
    for c in p:
        if c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        elif c in ".^$":
            out.append("\\" + c)
        else:
            out.append(c)
    return "^(?:" + "".join(out) + ")$"


def regex_match_impl(call, args, n):
    v = as_vec(args[0])
    pat = args[1]
    if not is_scalar(pat):
        from warehouse.errors import NotSupportedError

        raise NotSupportedError(f"{call.fn} needs a constant pattern")
    if pat.value is None:
        return make(T.BOOLEAN, np.zeros(len(v), np.bool_), np.zeros(len(v), np.bool_))
    rx = pat.value
    ignore = False
    if call.fn == "similar_to":
        rx = _similar_to_regex(rx)
    elif len(args) > 2 and is_scalar(args[2]) and args[2].value and "i" in args[2].value:
        ignore = True
    if call.fn == "regexp_ilike":
        ignore = True
    d = v.dictionary
    if len(d) == 0:
        return make(T.BOOLEAN, np.zeros(len(v), np.bool_), v.valid)
    table = pc.match_substring_regex(d, rx, ignore_case=ignore).to_numpy(zero_copy_only=False)
    return make(T.BOOLEAN, table[v.data], v.valid)


register(["similar_to", "regexp_like", "regexp_ilike"], resolve_like, regex_match_impl)
