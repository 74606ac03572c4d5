"""Catalog functions that depend only on their arguments (PostgreSQL's system information
functions as client catalog queries call them).

Those that depend on the session or the catalog snapshot (``current_user``,
``pg_table_is_visible``, ``pg_get_userbyid``, ``::regclass`` ...) are bound by
``warehouse.catalog.pg_functions`` instead, which hands them lookup tables through
``catalog_lookup`` below.

- ``format_type(oid, typmod)``, ``to_regtype(text)``, ``pg_encoding_to_char(int)``;
- ``format_encoding(int)`` (Redshift): the ENCODE name of ``pg_attribute.attencodingtype``;
- ``pg_get_expr(expr, relid [, pretty])``: our ``pg_attrdef.adbin`` holds the default's SQL
  text, so this returns it;
- ``obj_description``, ``col_description``, ``shobj_description``: NULL (no COMMENT ON);
- ``pg_get_constraintdef``, ``pg_get_indexdef``, ``pg_get_statisticsobjdef_columns``,
  ``pg_get_serial_sequence``: NULL (there are no constraints, indexes, statistics objects
  or sequences);
- ``pg_function_is_visible``, ``pg_collation_is_visible``, ``pg_type_is_visible``: true;
  ``pg_relation_is_publishable``: false;
- ``json_build_object(k, v, ...)``: JSON text;
- ``catalog_lookup(key, table_json, default)``: the value ``key`` maps to in a JSON object
  built at bind time (NULL key -> NULL).
"""

from __future__ import annotations

import json

from warehouse import types as T
from warehouse.functions.base import python_rows
from warehouse.functions.core import coerce, no_function, register

# Redshift's attencodingtype numbering as format_encoding reads it (ours: see docs/server.md)
ENCODING_IDS = {
    "RAW": 0, "BYTEDICT": 1, "DELTA": 2, "DELTA32K": 3, "LZO": 4, "MOSTLY8": 5, "MOSTLY16": 6,
    "MOSTLY32": 7, "RUNLENGTH": 8, "TEXT255": 9, "TEXT32K": 10, "ZSTD": 11, "AZ64": 12, "LZ4": 13,
    "AUTO": 14,
}
ENCODING_NAMES = {v: ("none" if k == "RAW" else k.lower()) for k, v in ENCODING_IDS.items()}

_SIGNATURES: dict[str, tuple[tuple[int, int], str, object]] = {
    # name: ((min args, max args), argument kinds ('i' int, 's' text, 'b' bool, '*' any), result)
    "format_type": ((2, 2), "ii", T.VARCHAR),
    "to_regtype": ((1, 1), "s", T.INTEGER),
    "pg_encoding_to_char": ((1, 1), "i", T.VARCHAR),
    "format_encoding": ((1, 1), "i", T.VARCHAR),
    "pg_get_expr": ((2, 3), "sib", T.VARCHAR),
    "obj_description": ((1, 2), "is", T.VARCHAR),
    "col_description": ((2, 2), "ii", T.VARCHAR),
    "shobj_description": ((2, 2), "is", T.VARCHAR),
    "pg_get_constraintdef": ((1, 2), "ib", T.VARCHAR),
    "pg_get_indexdef": ((1, 3), "iib", T.VARCHAR),
    "pg_get_statisticsobjdef_columns": ((1, 1), "i", T.VARCHAR),
    "pg_get_serial_sequence": ((2, 2), "ss", T.VARCHAR),
    "pg_function_is_visible": ((1, 1), "i", T.BOOLEAN),
    "pg_collation_is_visible": ((1, 1), "i", T.BOOLEAN),
    "pg_type_is_visible": ((1, 1), "i", T.BOOLEAN),
    "pg_relation_is_publishable": ((1, 1), "*", T.BOOLEAN),
}


def _arg(e, kind):
    if kind == "i":
        return e if e.type.is_integer else coerce(e, T.INTEGER)
    if kind == "s":
        return e if e.type.is_string else coerce(e, T.VARCHAR)
    if kind == "b":
        return e if e.type.kind is T.Kind.BOOLEAN else coerce(e, T.BOOLEAN)
    return e


def _resolve(name, args):
    (lo, hi), kinds, rtype = _SIGNATURES[name]
    if not lo <= len(args) <= hi:
        raise no_function(name, list(args))
    return [_arg(a, k) for a, k in zip(args, kinds)], rtype


def _format_type(oid, typmod):
    from warehouse.catalog.pg_types import format_type

    return format_type(oid, typmod)


def _to_regtype(name):
    from warehouse.catalog.pg_types import regtype_oid

    return regtype_oid(name)


_PY = {
    "format_type": (_format_type, False),
    "to_regtype": (_to_regtype, True),
    "pg_encoding_to_char": (lambda e: "UTF8" if e == 6 else "SQL_ASCII" if e == 0 else "", True),
    "format_encoding": (lambda e: ENCODING_NAMES.get(e, "none"), True),
    "pg_get_expr": (lambda expr, relid, pretty=None: expr, True),
    "obj_description": (lambda *a: None, False),
    "col_description": (lambda *a: None, False),
    "shobj_description": (lambda *a: None, False),
    "pg_get_constraintdef": (lambda *a: None, False),
    "pg_get_indexdef": (lambda *a: None, False),
    "pg_get_statisticsobjdef_columns": (lambda *a: None, False),
    "pg_get_serial_sequence": (lambda *a: None, False),
    "pg_function_is_visible": (lambda oid: True, True),
    "pg_collation_is_visible": (lambda oid: True, True),
    "pg_type_is_visible": (lambda oid: True, True),
    "pg_relation_is_publishable": (lambda rel: False, True),
}


def _impl(call, args, n):
    fn, strict = _PY[call.fn]
    if call.fn == "format_type":  # NULL typmod means "no modifier"
        return python_rows(lambda o, m: None if o is None else fn(o, m), call, args, n, strict=False)
    return python_rows(fn, call, args, n, strict=strict)


register(list(_SIGNATURES), _resolve, _impl)


# ----- json_build_object ---------------------------------------------------------------------
def _resolve_json(name, args):
    if len(args) % 2:
        raise no_function(name, list(args))
    return list(args), T.VARCHAR


def _json_impl(call, args, n):
    def build(*vals):
        return json.dumps({str(vals[i]): vals[i + 1] for i in range(0, len(vals), 2)}, default=str)

    return python_rows(build, call, args, n, strict=False)


register("json_build_object", _resolve_json, _json_impl)


# ----- bind-time lookup tables ---------------------------------------------------------------
def _resolve_lookup(name, args):
    if len(args) != 3:
        raise no_function(name, list(args))
    key, table, default = args
    return [key, coerce(table, T.VARCHAR) if not table.type.is_string else table, default], default.type


def _lookup_impl(call, args, n):
    cache: dict[str, dict] = {}

    def look(key, table, default):
        if key is None:
            return None
        mapping = cache.get(table)
        if mapping is None:
            mapping = cache[table] = json.loads(table)
        return mapping.get(str(key), default)

    return python_rows(look, call, args, n, strict=False)


register("catalog_lookup", _resolve_lookup, _lookup_impl)
