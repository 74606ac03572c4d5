"""Access to nested values (Hive array/map/struct columns of external tables).

A nested value is VARCHAR holding its JSON text, whose type remembers the Hive type
(``types.nested_type``); these functions navigate the text and type their result by the
declared element type, as Athena (Presto) does:

=====================================  ===================================================
SQL (bound in ``plan/bind_expr.py``)   function
=====================================  ===================================================
``s.field``, ``t.s.field``, ``(x).f``  ``nested_field(s, 'field')``: the struct field
``arr[i]``                             ``nested_index(arr, i)``: 1-based; out of range (or
                                       0, or negative) is NULL (Athena raises an error)
``m['key']``, ``m[k]``                 ``nested_key(m, k)``: NULL when the key is absent
``element_at(arr, i)``                 1-based, negative counts from the end; NULL out of
                                       range (0 too, where Athena raises an error)
``element_at(m, k)``                   as ``m[k]``
``cardinality(x)``,                    elements of an array / entries of a map (BIGINT)
``get_array_length(x)``
``contains(arr, x)``                   whether an element equals ``x`` (converted to the
                                       element type); NULL when none does and one is NULL
``array_join(arr, sep[, null])``       the elements as text joined by ``sep`` (NULL
                                       elements left out, or written as ``null``)
``map_keys(m)``, ``map_values(m)``     the keys / values as an array (JSON text)
=====================================  ===================================================

A result of a nested type (``s.items``, ``arr[1]`` of an ``array<struct<...>>``) is the
JSON text of that part, again a nested value; a primitive result is converted from its
JSON token (a JSON string unquoted) to the declared type, e.g. ``int``, ``date``,
``decimal(10,2)``.  A JSON ``null``, a missing field or key, and a NULL argument give NULL.

How it runs: the JSON is walked by ``kernels.nested.json_child`` over the bytes of the
vector's dictionary (each distinct value once) when the field/index/key is a constant,
or over every row when it varies; the spans found become the result with pyarrow compute
(unquoting, casts).  Only a string holding a backslash escape is decoded by Python's
``json``, value by value.  UNNEST (``exec/unnest.py``) uses the same helpers
(``text_buffers``, ``key_buffers``, ``spans_to_arrow``).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kernels.nested import gather_spans, json_child, json_elements, json_length
from warehouse import types as T
from warehouse.errors import BinderError
from warehouse.functions.base import as_vec
from warehouse.functions.core import coerce, no_function, register
from warehouse.plan.expressions import Expr, Literal
from warehouse.types import SqlType
from warehouse.vector import Scalar, Vector, vector_from_arrow

__all__ = ["NESTED_OVERLOADS", "is_nested", "key_buffers", "nested_kind", "spans_to_arrow", "struct_field", "text_buffers"]

# engine functions that take a nested value as their first argument: name -> nested version
# (sqlglot's class names too: Contains, ArrayContains, ArrayToString, MapKeys)
NESTED_OVERLOADS = {
    "cardinality": "nested_cardinality",
    "get_array_length": "nested_cardinality",
    "element_at": "nested_element_at",
    "contains": "nested_contains",
    "array_contains": "nested_contains",
    "arraycontains": "nested_contains",
    "array_join": "nested_array_join",
    "array_to_string": "nested_array_join",
    "map_keys": "nested_map_keys",
    "mapkeys": "nested_map_keys",
    "map_values": "nested_map_values",
}

_NO_INDEX = -(1 << 62)  # an index no array reaches: the kernel answers NULL


def is_nested(t: SqlType) -> bool:
    return t.nested is not None


def nested_kind(t: SqlType) -> str | None:
    """'array', 'map' or 'struct' for a nested type, None otherwise."""
    return T.hive_type_tree(t.nested)[0] if t.nested is not None else None


def struct_field(t: SqlType, name: str) -> tuple[str, SqlType] | None:
    """The declared field ``name`` (ignoring case) of a struct type: (name, type)."""
    tree = T.hive_type_tree(t.nested) if t.nested is not None else None
    if tree is None or tree[0] != "struct":
        return None
    low = name.lower()
    for fname, sub in tree[1]:
        if fname == low:
            return fname, T.hive_tree_sql_type(sub)
    return None


# ----- resolvers -------------------------------------------------------------------------------
def _resolve_field(name: str, args: list[Expr]) -> tuple[list[Expr], SqlType]:
    if len(args) != 2 or not isinstance(args[1], Literal) or not isinstance(args[1].value, str):
        raise no_function(name, args)
    base = args[0]
    kind = nested_kind(base.type)
    if kind != "struct":
        shown = base.type.nested or str(base.type)
        msg = f'cannot take field "{args[1].value}" of a value of type {shown} (only a struct has fields)'
        raise BinderError(msg, sqlstate="42809")
    found = struct_field(base.type, args[1].value)
    if found is None:
        fields = ", ".join(f for f, _ in T.hive_type_tree(base.type.nested)[1])
        msg = f'struct {base.type.nested} has no field "{args[1].value}" (fields: {fields})'
        raise BinderError(msg, sqlstate="42703")
    return [base, Literal(found[0], T.VARCHAR)], found[1]


def _element_type(base: Expr, name: str, want: tuple[str, ...]) -> tuple[str, Any]:
    kind = nested_kind(base.type)
    if kind not in want:
        shown = base.type.nested or str(base.type)
        what = " or ".join(want)
        msg = f"{name} needs a{'n' if what[0] in 'aeiou' else ''} {what}, not a value of type {shown}"
        raise BinderError(msg, sqlstate="42804")
    return kind, T.hive_type_tree(base.type.nested)


def _index_arg(e: Expr, name: str) -> Expr:
    if not (e.type.is_integer or e.type.is_null or (isinstance(e, Literal) and e.type.is_string)):
        msg = f"{name}: an array subscript must be an integer, not {e.type}"
        raise BinderError(msg, sqlstate="42804")
    return coerce(e, T.BIGINT)


def _key_arg(e: Expr, key_tree: Any) -> Expr:
    key_type = T.hive_tree_sql_type(key_tree)
    if e.type != key_type and not e.type.is_null:
        e = coerce(e, key_type)  # '01' for a map<int,...> key is 1
    return coerce(e, T.VARCHAR) if not e.type.is_string else e


def _resolve_index(name: str, args: list[Expr]) -> tuple[list[Expr], SqlType]:
    if len(args) != 2:
        raise no_function(name, args)
    _, tree = _element_type(args[0], "an array subscript", ("array",))
    return [args[0], _index_arg(args[1], name)], T.hive_tree_sql_type(tree[1])


def _resolve_key(name: str, args: list[Expr]) -> tuple[list[Expr], SqlType]:
    if len(args) != 2:
        raise no_function(name, args)
    _, tree = _element_type(args[0], "a map subscript", ("map",))
    return [args[0], _key_arg(args[1], tree[1])], T.hive_tree_sql_type(tree[2])


def _resolve_element_at(name: str, args: list[Expr]) -> tuple[list[Expr], SqlType]:
    if len(args) != 2:
        raise no_function("element_at", args)
    kind, tree = _element_type(args[0], "element_at", ("array", "map"))
    if kind == "array":
        return [args[0], _index_arg(args[1], "element_at")], T.hive_tree_sql_type(tree[1])
    return [args[0], _key_arg(args[1], tree[1])], T.hive_tree_sql_type(tree[2])


def _resolve_cardinality(name: str, args: list[Expr]) -> tuple[list[Expr], SqlType]:
    if len(args) != 1:
        raise no_function("cardinality", args)
    _element_type(args[0], "cardinality", ("array", "map"))
    return [args[0]], T.BIGINT


# ----- implementations ----------------------------------------------------------------------
def _buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(data bytes, starts, ends) of a string array; NULL entries get start -1."""
    from loaders.nested import string_spans

    return string_spans(arr)


def _key_buffers(keys: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Keys as their JSON-escaped bytes (how the canonical text writes them) and offsets;
    a NULL key has a negative offset."""
    parts = [b"" if k is None else json.dumps(k, ensure_ascii=False)[1:-1].encode() for k in keys]
    offsets = np.zeros(len(parts) + 1, np.int64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    data = np.frombuffer(b"".join(parts), np.uint8) if any(parts) else np.zeros(1, np.uint8)
    if any(k is None for k in keys):
        offsets = offsets.copy()
        for j, k in enumerate(keys):
            if k is None:
                offsets[j] = -1
    return data, offsets


def _spans_to_type(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, t: SqlType) -> pa.Array:
    """The JSON tokens at the spans as an Arrow array for ``t`` (-1 spans NULL)."""
    out, offsets = gather_spans(data, starts, ends)
    n = len(starts)
    raw = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out))
    missing = starts < 0
    if t.nested is None:  # an element's JSON null is NULL
        missing = missing | (pc.equal(raw, "null").fill_null(False).to_numpy(zero_copy_only=False))
    if missing.any():
        raw = pc.if_else(pa.array(~missing), raw, pa.scalar(None, pa.string()))
    if t.nested is not None:
        return raw
    quoted = pc.starts_with(raw, '"')
    text = pc.if_else(quoted, pc.utf8_slice_codeunits(raw, 1, -1), raw)
    escaped = pc.and_(quoted, pc.match_substring(raw, "\\"))
    if pc.any(escaped).as_py():  # JSON escapes: Python's json decodes those values
        flags = escaped.fill_null(False).to_numpy(zero_copy_only=False)
        vals = text.to_pylist()
        raws = raw.to_pylist()
        for i in np.flatnonzero(flags):
            vals[i] = json.loads(raws[i])
        text = pa.array(vals, pa.string())
    if t.is_string:
        return text
    if t.kind is T.Kind.BOOLEAN:
        return pc.equal(text, "true")
    target = t.arrow_type
    try:
        return text.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out_vals = []
        for v in text.to_pylist():  # a value of another shape than declared: NULL
            try:
                out_vals.append(None if v is None else pa.scalar(v).cast(target).as_py())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                out_vals.append(None)
        return pa.array(out_vals, target)


def _by_entry(base: Vector, per_entry: pa.Array, t: SqlType) -> Vector:
    """The result for each row from a result per dictionary entry of ``base``."""
    r = vector_from_arrow(per_entry, t)
    if len(per_entry) == 0:
        return Vector.empty(t) if len(base) == 0 else _all_null(t, len(base))
    out = r.take(base.data)
    valid = out.valid
    if base.valid is not None:
        valid = base.valid if valid is None else (valid & base.valid)
    return Vector(t, out.data, valid, out.dictionary)


def _all_null(t: SqlType, n: int) -> Vector:
    return Scalar(t, None).broadcast(n)


def _rows_text(base: Vector) -> pa.Array:
    """Every row's text (NULL rows NULL)."""
    if len(base.dictionary) == 0:
        return pa.nulls(len(base), pa.string())
    return pc.take(base.dictionary, pa.array(base.data, pa.int32(), mask=None if base.valid is None else ~base.valid))


def _step(call: Any, args: list[Any], n: int, *, by_key: bool, element_at: bool = False) -> Vector:
    base = as_vec(args[0])
    t = call.type
    arg = args[1]
    if isinstance(arg, Scalar):  # one field/index/key: walk each distinct value once
        if arg.value is None:
            return _all_null(t, len(base))
        data, starts, ends = _buffers(base.dictionary)
        if by_key:
            kdata, koffs = _key_buffers([_key_text(arg.value, call.args[1].type)])
            index = np.zeros(1, np.int64)
        else:
            kdata, koffs = np.zeros(1, np.uint8), np.zeros(2, np.int64)
            index = np.array([_index(int(arg.value), element_at)], np.int64)
        cs, ce = json_child(data, starts, ends, by_key, kdata, koffs, index)
        return _by_entry(base, _spans_to_type(data, cs, ce, t), t)
    arg = as_vec(arg)
    m = max(len(base), len(arg))
    if len(base) != m:
        base = base.take(np.zeros(m, np.int64))
    data, starts, ends = _buffers(_rows_text(base))
    if by_key:
        keys = arg.to_pylist()
        kdata, koffs = _key_buffers([None if k is None else _key_text(k, arg.type) for k in keys])
        index = np.zeros(1, np.int64)
    else:
        kdata, koffs = np.zeros(1, np.uint8), np.zeros(2, np.int64)
        vals = arg.data.astype(np.int64)
        if element_at:
            index = np.where(vals > 0, vals - 1, np.where(vals < 0, vals, _NO_INDEX))
        else:
            index = np.where(vals > 0, vals - 1, _NO_INDEX)
        if arg.valid is not None:
            index = np.where(arg.valid, index, _NO_INDEX)
        index = index.astype(np.int64)
        if len(index) == 1:
            index = np.full(m, index[0], np.int64)
    cs, ce = json_child(data, starts, ends, by_key, kdata, koffs, index)
    return vector_from_arrow(_spans_to_type(data, cs, ce, t), t)


def _key_text(v: Any, t: SqlType) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _index(i: int, element_at: bool) -> int:
    if i > 0:
        return i - 1
    if i < 0 and element_at:
        return i
    return _NO_INDEX


def _field_impl(call: Any, args: list[Any], n: int) -> Vector:
    return _step(call, [args[0], Scalar(T.VARCHAR, call.args[1].value)], n, by_key=True)


def _index_impl(call: Any, args: list[Any], n: int) -> Vector:
    return _step(call, args, n, by_key=False)


def _key_impl(call: Any, args: list[Any], n: int) -> Vector:
    return _step(call, args, n, by_key=True)


def _element_at_impl(call: Any, args: list[Any], n: int) -> Vector:
    by_key = nested_kind(call.args[0].type) == "map"
    return _step(call, args, n, by_key=by_key, element_at=not by_key)


def _cardinality_impl(call: Any, args: list[Any], n: int) -> Vector:
    base = as_vec(args[0])
    data, starts, ends = _buffers(base.dictionary)
    counts = json_length(data, starts, ends)
    per_entry = pa.array(counts, pa.int64(), mask=counts < 0)
    return _by_entry(base, per_entry, T.BIGINT)


# ----- whole arrays and maps ------------------------------------------------------------------
def _resolve_contains(name: str, args: list[Expr]) -> tuple[list[Expr], SqlType]:
    if len(args) != 2:
        raise no_function("contains", args)
    _, tree = _element_type(args[0], "contains", ("array",))
    et = T.hive_tree_sql_type(tree[1])
    if et.nested is not None:
        msg = "contains over an array of arrays, maps or structs is not supported"
        raise BinderError(msg, sqlstate="0A000")
    x = args[1]
    return [args[0], x if x.type == et or x.type.is_null else coerce(x, et)], T.BOOLEAN


def _resolve_array_join(name: str, args: list[Expr]) -> tuple[list[Expr], SqlType]:
    if len(args) not in (2, 3):
        raise no_function("array_join", args)
    _element_type(args[0], "array_join", ("array",))
    rest = list(args[1:])
    for a in rest:
        if not isinstance(a, Literal):
            msg = "array_join: the separator and the NULL replacement must be constants"
            raise BinderError(msg, sqlstate="0A000")
    return [args[0]] + [a if a.type.is_string else coerce(a, T.VARCHAR) for a in rest], T.VARCHAR


def _resolve_map_part(name: str, args: list[Expr]) -> tuple[list[Expr], SqlType]:
    if len(args) != 1:
        raise no_function(name.replace("nested_", ""), args)
    _, tree = _element_type(args[0], name.replace("nested_", ""), ("map",))
    part = tree[1] if name == "nested_map_keys" else tree[2]
    return [args[0]], T.nested_type(f"array<{T.render_hive_type(part)}>")


def _entries(base: Vector) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The elements (members) of each dictionary entry of ``base``: (data, owner, value
    starts, value ends, key starts, key ends, number of entries)."""
    data, starts, ends = _buffers(base.dictionary)
    owner, vs, ve, ks, ke = json_elements(data, starts, ends)
    return data, owner, vs, ve, ks, ke, len(starts)


def _lists(owner: np.ndarray, items: pa.Array, m: int, keep: np.ndarray | None = None) -> pa.Array:
    """A list per entry (``m`` of them) holding the items it owns (those ``keep`` allows)."""
    if keep is not None:
        owner = owner[keep]
        items = items.filter(pa.array(keep))
    offsets = np.zeros(m + 1, np.int32)
    np.cumsum(np.bincount(owner, minlength=m), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), items)


def _contains_impl(call: Any, args: list[Any], n: int) -> Vector:
    base = as_vec(args[0])
    x = args[1]
    et = call.args[1].type if not call.args[1].type.is_null else T.hive_tree_sql_type(T.hive_type_tree(call.args[0].type.nested)[1])
    if isinstance(x, Scalar) and x.value is None:
        return _all_null(T.BOOLEAN, len(base))
    per_row = not isinstance(x, Scalar)
    if per_row:  # a different x per row: the rows' own texts
        m = max(len(base), len(x))
        if len(base) != m:
            base = base.take(np.zeros(m, np.int64))
        data, starts, ends = _buffers(_rows_text(base))
        owner, vs, ve, _, _ = json_elements(data, starts, ends)
        entries = m
    else:
        data, owner, vs, ve, _, _, entries = _entries(base)
    elems = vector_from_arrow(_spans_to_type(data, vs, ve, et), et)
    valid = np.ones(len(owner), np.bool_) if elems.valid is None else elems.valid
    if per_row:
        xv = as_vec(x)
        if xv.type.is_string:
            if len(xv) == 1:
                xv = xv.take(np.zeros(entries, np.int64))
            if len(owner) and len(elems.dictionary) and len(xv.dictionary):
                mine = pc.take(elems.dictionary, pa.array(elems.data, pa.int32()))
                theirs = pc.take(xv.dictionary, pa.array(xv.data[owner], pa.int32()))
                match = valid & pc.equal(mine, theirs).fill_null(False).to_numpy(zero_copy_only=False)
            else:
                match = np.zeros(len(owner), np.bool_)
        else:
            if len(xv) == 1:
                xv = xv.take(np.zeros(entries, np.int64))
            match = valid & (elems.data == xv.data[owner])
        xnull = np.zeros(entries, np.bool_) if xv.valid is None else ~xv.valid
        if xv.valid is not None:
            match = match & xv.valid[owner]
    else:
        if et.is_string:
            hits = pc.equal(elems.dictionary, pa.scalar(x.value, pa.string())).fill_null(False).to_numpy(zero_copy_only=False)
            match = valid & (hits[elems.data] if len(hits) else np.zeros(len(owner), np.bool_))
        else:
            match = valid & (elems.data == x.value)
        xnull = np.zeros(entries, np.bool_)
    found = np.zeros(entries, np.bool_)
    found[owner[match]] = True
    has_null = np.zeros(entries, np.bool_)
    has_null[owner[~valid]] = True
    out_valid = (found | ~has_null) & ~xnull
    per_entry = pa.array(found, pa.bool_(), mask=~out_valid)
    if per_row:
        v = vector_from_arrow(per_entry, T.BOOLEAN)
        valid_rows = v.valid if base.valid is None else (base.valid if v.valid is None else v.valid & base.valid)
        return Vector(T.BOOLEAN, v.data, valid_rows)
    return _by_entry(base, per_entry, T.BOOLEAN)


def _array_join_impl(call: Any, args: list[Any], n: int) -> Vector:
    base = as_vec(args[0])
    sep = args[1].value
    null_text = args[2].value if len(args) > 2 else None
    if sep is None or (len(args) > 2 and null_text is None):
        return _all_null(T.VARCHAR, len(base))
    data, owner, vs, ve, _, _, entries = _entries(base)
    tree = T.hive_type_tree(call.args[0].type.nested)
    texts = _spans_to_type(data, vs, ve, _text_type(tree[1]))
    keep = None
    if null_text is not None:
        texts = texts.fill_null(null_text)
    elif texts.null_count:
        keep = texts.is_valid().to_numpy(zero_copy_only=False)
    joined = pc.binary_join(_lists(owner, texts, entries, keep), sep)
    return _by_entry(base, joined, T.VARCHAR)


def _text_type(tree: Any) -> SqlType:
    """How an element is shown as text: strings unquoted, nested values as JSON."""
    if tree[0] != "prim":
        return T.hive_tree_sql_type(tree)
    return T.VARCHAR


def _map_part_impl(call: Any, args: list[Any], n: int) -> Vector:
    base = as_vec(args[0])
    data, owner, vs, ve, ks, ke, entries = _entries(base)
    tree = T.hive_type_tree(call.args[0].type.nested)
    if call.fn == "nested_map_keys":
        starts, ends = ks, ke
        kt = T.hive_tree_sql_type(tree[1])
        if kt.is_numeric or kt.kind is T.Kind.BOOLEAN:  # "1" -> 1: keys are strings in the text
            starts, ends = ks + 1, ke - 1
    else:
        starts, ends = vs, ve
    out, offsets = gather_spans(data, starts, ends)
    tokens = pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(out))
    body = pc.binary_join(_lists(owner, tokens, entries), ",")
    text = pc.binary_join_element_wise("[", body, "]", "")
    return _by_entry(base, text, call.type)


# the span helpers, for UNNEST (``exec/unnest.py``)
text_buffers = _buffers
key_buffers = _key_buffers
spans_to_arrow = _spans_to_type

register("nested_contains", _resolve_contains, _contains_impl)
register("nested_array_join", _resolve_array_join, _array_join_impl)
register("nested_map_keys", _resolve_map_part, _map_part_impl)
register("nested_map_values", _resolve_map_part, _map_part_impl)
register("nested_field", _resolve_field, _field_impl)
register("nested_index", _resolve_index, _index_impl)
register("nested_key", _resolve_key, _key_impl)
register("nested_element_at", _resolve_element_at, _element_at_impl)
register("nested_cardinality", _resolve_cardinality, _cardinality_impl)
