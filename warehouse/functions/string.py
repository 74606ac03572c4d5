"""String functions, evaluated once per dictionary entry (pyarrow.compute where it has the
operation, Python per *distinct* value otherwise) and mapped through the codes.  The result
dictionary is re-deduplicated.  When a non-string argument is itself a column (rare), the
function runs per row.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse import types as T
from warehouse.functions.base import (
    and_valid,
    as_vec,
    decode_strings,
    dict_result_strings,
    dict_result_values,
    is_scalar,
    make,
    strings_vector,
)
from warehouse.functions.core import coerce, no_function, register
from warehouse.types import Kind
from warehouse.vector import Vector


# ----- python reference implementations (per distinct value / per row fallback) -----------
def _substring(s, start, length=None):
    if length is None:
        return s[max(start, 1) - 1 :]
    if length < 0:
        from warehouse.errors import DataError

        raise DataError("negative substring length not allowed", sqlstate="22011")
    end = start + length - 1
    b = max(start, 1) - 1
    return s[b:end] if end > b else ""


def _left(s, k):
    return s[:k] if k >= 0 else s[: len(s) + k] if len(s) + k > 0 else ""


def _right(s, k):
    return (s[-k:] if k > 0 else "") if k >= 0 else s[-k:]


def _pad(s, width, fill=" ", left=True):
    if width <= 0:
        return ""
    if len(s) >= width:
        return s[:width]
    if not fill:
        return s
    need = width - len(s)
    p = (fill * (need // len(fill) + 1))[:need]
    return p + s if left else s + p


def _split_part(s, delim, k):
    if k <= 0:
        from warehouse.errors import DataError

        raise DataError("field position must be greater than zero", sqlstate="22023")
    parts = s.split(delim) if delim else [s]
    return parts[k - 1] if k <= len(parts) else ""


def _trim(s, chars=" ", mode="both"):
    if mode == "both":
        return s.strip(chars)
    return s.lstrip(chars) if mode == "left" else s.rstrip(chars)


def _initcap(s):
    return re.sub(r"[A-Za-z0-9]+", lambda m: m.group(0)[0].upper() + m.group(0)[1:].lower(), s)


def _regexp_substr(s, pattern, position=1, occurrence=1):
    found = list(re.finditer(pattern, s[max(position, 1) - 1 :]))
    if occurrence > len(found) or occurrence < 1:
        return ""
    return found[occurrence - 1].group(0)


def _regexp_count(s, pattern, position=1):
    return len(re.findall(pattern, s[max(position, 1) - 1 :]))


def _regexp_instr(s, pattern, position=1, occurrence=1):
    base = max(position, 1) - 1
    found = list(re.finditer(pattern, s[base:]))
    if occurrence > len(found) or occurrence < 1:
        return 0
    return base + found[occurrence - 1].start() + 1


def _regexp_replace(s, pattern, repl="", position=1):
    base = max(position, 1) - 1
    repl = re.sub(r"\$(\d)", r"\\\1", repl)
    return s[:base] + re.sub(pattern, repl, s[base:])


def _strpos(s, sub):
    return s.find(sub) + 1


# name -> (python fn, result kind 's' string / 'i' integer, arg kinds after the first)
PY = {
    "upper": (str.upper, "s", ""),
    "lower": (str.lower, "s", ""),
    "initcap": (_initcap, "s", ""),
    "reverse": (lambda s: s[::-1], "s", ""),
    "length": (len, "i", ""),
    "octet_length": (lambda s: len(s.encode()), "i", ""),
    "bit_length": (lambda s: 8 * len(s.encode()), "i", ""),
    "ascii": (lambda s: ord(s[0]) if s else 0, "i", ""),
    "md5": (lambda s: hashlib.md5(s.encode()).hexdigest(), "s", ""),
    "substring": (_substring, "s", "ii"),
    "left": (_left, "s", "i"),
    "right": (_right, "s", "i"),
    "lpad": (lambda s, w, f=" ": _pad(s, w, f, True), "s", "is"),
    "rpad": (lambda s, w, f=" ": _pad(s, w, f, False), "s", "is"),
    "split_part": (_split_part, "s", "si"),
    "repeat": (lambda s, k: s * max(k, 0), "s", "i"),
    "replace": (lambda s, a, b="": s.replace(a, b) if a else s, "s", "ss"),
    "translate": (lambda s, a, b: s.translate({ord(c): (b[i] if i < len(b) else None) for i, c in reversed(list(enumerate(a)))}), "s", "ss"),
    "trim": (lambda s, c=" ": _trim(s, c, "both"), "s", "s"),
    "btrim": (lambda s, c=" ": _trim(s, c, "both"), "s", "s"),
    "ltrim": (lambda s, c=" ": _trim(s, c, "left"), "s", "s"),
    "rtrim": (lambda s, c=" ": _trim(s, c, "right"), "s", "s"),
    "strpos": (_strpos, "i", "s"),
    "position": (_strpos, "i", "s"),
    "regexp_substr": (_regexp_substr, "s", "sii"),
    "regexp_count": (_regexp_count, "i", "si"),
    "regexp_instr": (_regexp_instr, "i", "sii"),
    "regexp_replace": (_regexp_replace, "s", "ssi"),
    "starts_with": (lambda s, p: s.startswith(p), "b", "s"),
}
_MIN_ARGS = {"substring": 2, "left": 2, "right": 2, "lpad": 2, "rpad": 2, "split_part": 3, "repeat": 2, "replace": 2,
             "translate": 3, "strpos": 2, "position": 2, "regexp_substr": 2, "regexp_count": 2, "regexp_instr": 2,
             "regexp_replace": 2, "starts_with": 2}


def _pa_fast(name, d: pa.Array, extra: list):
    """A vectorised pyarrow version over the dictionary, or None."""
    if name == "upper":
        return pc.utf8_upper(d)
    if name == "lower":
        return pc.utf8_lower(d)
    if name == "reverse":
        return pc.utf8_reverse(d)
    if name == "length":
        return pc.utf8_length(d)
    if name == "octet_length":
        return pc.binary_length(d)
    if name == "substring":
        start = extra[0]
        if len(extra) == 1:
            return pc.utf8_slice_codeunits(d, max(start, 1) - 1)
        if extra[1] < 0:
            return None
        end = start + extra[1] - 1
        b = max(start, 1) - 1
        if end <= b:
            return pc.if_else(pc.is_valid(d), "", pa.scalar(None, pa.string()))
        return pc.utf8_slice_codeunits(d, b, end)
    if name == "left" and extra[0] >= 0:
        return pc.utf8_slice_codeunits(d, 0, extra[0])
    if name == "replace" and len(extra) == 2 and extra[0]:
        return pc.replace_substring(d, extra[0], extra[1])
    if name in ("trim", "btrim", "ltrim", "rtrim"):
        chars = extra[0] if extra else " "
        f = {"trim": pc.utf8_trim, "btrim": pc.utf8_trim, "ltrim": pc.utf8_ltrim, "rtrim": pc.utf8_rtrim}[name]
        return f(d, chars)
    if name == "repeat":
        return pc.binary_repeat(d, max(extra[0], 0))
    if name == "regexp_count" and len(extra) == 1:
        return pc.count_substring_regex(d, extra[0])
    if name == "starts_with":
        return pc.starts_with(d, extra[0])
    return None


def resolve_string_fn(name, args):
    args = list(args)
    fn, rkind, kinds = PY[name]
    if not (_MIN_ARGS.get(name, 1) <= len(args) <= 1 + len(kinds)):
        raise no_function(name, args)
    out = [coerce(args[0], T.VARCHAR) if not args[0].type.is_string else args[0]]
    for a, k in zip(args[1:], kinds):
        if k == "i":
            if a.type.is_integer:
                out.append(a)
            elif a.type.is_numeric or a.type.is_null or a.type.is_string:
                out.append(coerce(a, T.INTEGER))
            else:
                raise no_function(name, args)
        else:
            out.append(a if a.type.is_string else coerce(a, T.VARCHAR))
    rtype = T.VARCHAR if rkind == "s" else (T.BOOLEAN if rkind == "b" else T.INTEGER)
    if rkind == "s" and out[0].type.length is not None and name in ("upper", "lower", "initcap", "reverse", "trim", "btrim", "ltrim", "rtrim", "substring", "left", "right"):
        rtype = T.varchar(out[0].type.length)
    return out, rtype


def string_impl(call, args, n):
    name = call.fn
    fn, rkind, _ = PY[name]
    t = call.type
    v = as_vec(args[0])
    extra = args[1:]
    if all(is_scalar(e) for e in extra):
        vals = [e.value for e in extra]
        if any(x is None for x in vals):
            return make(t, np.zeros(len(v), t.numpy_dtype), np.zeros(len(v), np.bool_),
                        pa.array([""], pa.string()) if t.is_string else None)
        d = v.dictionary
        if len(d) == 0:
            return make(t, np.zeros(len(v), t.numpy_dtype), np.zeros(len(v), np.bool_),
                        pa.array([""], pa.string()) if t.is_string else None)
        res = None
        try:
            res = _pa_fast(name, d, vals)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            res = None
        if res is None:
            py = [fn(s, *vals) for s in d.to_pylist()]
            res = pa.array(py, pa.string() if rkind == "s" else (pa.bool_() if rkind == "b" else pa.int64()))
        if rkind == "s":
            return dict_result_strings(v, res, t)
        if rkind == "i":
            res = res.cast(pa.int32())
        return dict_result_values(v, res, t)
    # per-row fallback: some argument is a column
    cols = [decode_strings(v).to_pylist()] + [
        (as_vec(e).to_pylist() if not is_scalar(e) else [e.value]) for e in extra
    ]
    m = max(len(c) for c in cols)
    cols = [c * m if len(c) == 1 else c for c in cols]
    out = []
    for row in zip(*cols):
        out.append(None if any(x is None for x in row) else fn(*row))
    if rkind == "s":
        return strings_vector(pa.array(out, pa.string()), t)
    arr = pa.array(out, pa.bool_() if rkind == "b" else pa.int32())
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    data = arr.fill_null(0 if rkind != "b" else False).to_numpy(zero_copy_only=False)
    return make(t, data, valid)


register(list(PY), resolve_string_fn, string_impl)


# ----- concatenation ----------------------------------------------------------------------------
def resolve_concat(name, args):
    args = list(args)
    if len(args) < 2 and name == "concat" or not args:
        raise no_function(name, args)
    out = [a if a.type.is_string else coerce(a, T.VARCHAR) for a in args]
    return out, T.VARCHAR


def concat_impl(call, args, n):
    t = call.type
    vecs = [as_vec(a) for a in args]
    if any(is_scalar(a) and a.value is None for a in args):
        m = max(len(v) for v in vecs)
        return make(t, np.zeros(m, np.int32), np.zeros(m, np.bool_), pa.array([""], pa.string()))
    nonscalar = [i for i, a in enumerate(args) if not is_scalar(a)]
    if len(nonscalar) == 1:
        i = nonscalar[0]
        v = vecs[i]
        d = v.dictionary
        if len(d) == 0:
            return make(t, np.zeros(len(v), np.int32), np.zeros(len(v), np.bool_), pa.array([""], pa.string()))
        parts = [d if j == i else pa.scalar(a.value, pa.string()) for j, a in enumerate(args)]
        res = pc.binary_join_element_wise(*parts, "")
        return dict_result_strings(v, res, t)
    m = max(len(v) for v in vecs)
    arrs = []
    for a, v in zip(args, vecs):
        arrs.append(pa.scalar(a.value, pa.string()) if is_scalar(a) else decode_strings(v))
    res = pc.binary_join_element_wise(*arrs, "") if m else pa.array([], pa.string())
    out = strings_vector(res, t)
    valid = and_valid(*[v.valid for v in vecs if len(v) == m])
    if valid is not None:
        out = make(t, out.data, and_valid(out.valid, valid), out.dictionary)
    return out


register(["concat", "||"], resolve_concat, concat_impl)
_unused = (Kind,)


# ----- LISTAGG ... WITHIN GROUP (ORDER BY ...) ---------------------------------------------------
class OrderedArgument(Vector):
    """The LISTAGG argument with the WITHIN GROUP sort keys (row-aligned vectors) attached."""

    order_keys: list  # set by _listagg_order_special


def _resolve_listagg_order(name, args):
    # $listagg_order(value, key1, key2...): built by the binder, never written in SQL
    if len(args) < 2:
        raise no_function(name, list(args))
    return list(args), args[0].type


def _listagg_order_special(call, batch):
    from warehouse.exec.evaluate import evaluate_vector

    value = evaluate_vector(call.args[0], batch)
    out = OrderedArgument(value.type, value.data, value.valid, value.dictionary)
    out.order_keys = [evaluate_vector(k, batch) for k in call.args[1:]]
    return out


register("$listagg_order", _resolve_listagg_order, special=_listagg_order_special, deterministic=False)
