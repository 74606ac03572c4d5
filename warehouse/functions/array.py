"""Arrays, carried as their PostgreSQL text form: ``{a,b,"c d",NULL}`` in a VARCHAR.

The engine has no array type.  The catalog's array columns (``relacl``, ``indkey``, ...)
and the array expressions client catalog queries use are VARCHAR values holding the text
PostgreSQL would send for the array, which is also what a client receives.  These
functions parse and produce that form: ``ARRAY[...]``, ``arr[i]``, ``x = ANY(arr)``
(``array_contains``), ``array_to_string``, ``array_upper``/``array_lower``/
``array_length``/``cardinality``, ``array_cat`` (``||`` of arrays) and
``array_transform`` (``ARRAY(SELECT e FROM unnest(a) x)``).  An ``int2vector``'s form
(``1 2``) is read too.

>>> parse_array('{a,"b c",NULL}')
['a', 'b c', None]
>>> format_array(['a', 'b c', None])
'{a,"b c",NULL}'
"""

from __future__ import annotations

from typing import Any

from warehouse import types as T
from warehouse.functions.base import python_rows
from warehouse.functions.core import coerce, no_function, register


def parse_array(text: str) -> list[str | None]:
    """The elements of a one-dimensional array in text form."""
    s = text.strip()
    if not s.startswith("{"):
        return [p for p in s.split()]  # int2vector / oidvector
    body = s[1:-1] if s.endswith("}") else s[1:]
    out: list[str | None] = []
    i, n = 0, len(body)
    if not body.strip():
        return out
    while i <= n:
        if i < n and body[i] == '"':
            i += 1
            buf = []
            while i < n and body[i] != '"':
                if body[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(body[i])
                i += 1
            i += 1
            out.append("".join(buf))
        else:
            j = body.find(",", i)
            j = n if j < 0 else j
            item = body[i:j].strip()
            out.append(None if item.upper() == "NULL" else item)
            i = j
        while i < n and body[i] != ",":
            i += 1
        i += 1
    return out


def format_array(items: list[Any]) -> str:
    """The text form of a one-dimensional array of ``items`` (None is NULL)."""
    parts = []
    for v in items:
        if v is None:
            parts.append("NULL")
            continue
        if isinstance(v, bool):
            v = "t" if v else "f"
        s = str(v)
        if s == "" or s.upper() == "NULL" or any(c in s for c in ',{}"\\ \t\n'):
            s = '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(s)
    return "{" + ",".join(parts) + "}"


def _text(e):
    return e if e.type.is_string else coerce(e, T.VARCHAR)


def _int(e):
    return e if e.type.is_integer else coerce(e, T.INTEGER)


# ----- resolvers -------------------------------------------------------------------------------
def _resolve(name, args):
    args = list(args)
    shapes = {
        "array_to_string": ((2, 3), T.VARCHAR),
        "array_upper": ((2, 2), T.INTEGER),
        "array_lower": ((2, 2), T.INTEGER),
        "array_length": ((1, 2), T.INTEGER),
        "cardinality": ((1, 1), T.INTEGER),
        "array_element": ((2, 2), T.VARCHAR),
        "array_contains": ((2, 2), T.BOOLEAN),
        "array_cat": ((2, 2), T.VARCHAR),
        "array_transform": ((3, 3), T.VARCHAR),
        "array_quote": ((1, 1), T.VARCHAR),
    }
    (lo, hi), rtype = shapes[name]
    if not lo <= len(args) <= hi:
        raise no_function(name, args)
    out = [_text(args[0])]
    for a in args[1:]:
        wants_int = name in ("array_upper", "array_lower", "array_length", "array_element")
        out.append(_int(a) if wants_int else _text(a))
    return out, rtype


def _array_ctor_resolve(name, args):
    return [_text(a) for a in args], T.VARCHAR


# ----- implementations ------------------------------------------------------------------------
def _bound(arr, dim, upper):
    items = parse_array(arr)
    if dim != 1 or not items:
        return None
    return len(items) if upper else 1


def _element(arr, i):
    items = parse_array(arr)
    return items[i - 1] if 1 <= i <= len(items) else None


def _contains(arr, x):
    items = parse_array(arr)
    if x in items:
        return True
    return None if None in items else False


def _to_string(arr, sep, null=None):
    return sep.join(v if v is not None else null for v in parse_array(arr) if v is not None or null is not None)


def _cat(a, b):
    if a is None and b is None:
        return None
    return format_array((parse_array(a) if a is not None else []) + (parse_array(b) if b is not None else []))


def _impl(call, args, n):
    name = call.fn
    if name == "array_to_string":
        return python_rows(_to_string, call, args, n)
    if name in ("array_upper", "array_lower"):
        return python_rows(lambda a, d: _bound(a, d, name == "array_upper"), call, args, n)
    if name == "array_length":
        return python_rows(lambda a, d=1: (len(parse_array(a)) or None) if d == 1 else None, call, args, n)
    if name == "cardinality":
        return python_rows(lambda a: len(parse_array(a)), call, args, n)
    if name == "array_element":
        return python_rows(_element, call, args, n)
    if name == "array_contains":
        return python_rows(_contains, call, args, n)
    if name == "array_cat":
        return python_rows(_cat, call, args, n, strict=False)
    if name == "array_quote":
        return python_rows(lambda v: format_array([v])[1:-1], call, args, n, strict=False)
    return python_rows(_transform, call, args, n)


def _transform(arr: str, body: str, var: str) -> str:
    """Each element of ``arr`` through the expression ``body`` over the column ``var``."""
    import pyarrow as pa

    from warehouse.exec.evaluate import evaluate
    from warehouse.plan.bind_expr import ExprBinder, ExprContext
    from warehouse.plan.scope import Entry, Scope
    from warehouse.sql.parse import parse_one
    from warehouse.vector import Batch, vector_from_arrow

    items = parse_array(arr)
    expr = ExprBinder(Scope([Entry(var.lower(), var.lower(), T.VARCHAR)]), ExprContext()).bind(
        parse_one(f"SELECT {body}").expressions[0]
    )
    col = vector_from_arrow(pa.array(items, pa.string()), T.VARCHAR)
    out = evaluate(expr, Batch([col], len(items)))
    values = out.to_pylist() if hasattr(out, "to_pylist") else [out.value] * len(items)
    return format_array(values)


def _array_ctor_impl(call, args, n):
    return python_rows(lambda *vals: format_array(list(vals)), call, args, n, strict=False)


register(
    ["array_to_string", "array_upper", "array_lower", "array_length", "cardinality", "array_element",
     "array_contains", "array_cat", "array_transform", "array_quote"],
    _resolve,
    _impl,
)
register("array", _array_ctor_resolve, _array_ctor_impl)
