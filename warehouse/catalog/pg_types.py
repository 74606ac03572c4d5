"""PostgreSQL's type catalog as clients know it: fixed OIDs, names, ``atttypmod`` and
``format_type``.

The OIDs are PostgreSQL's own (clients hard-code them: ``23`` is int4 everywhere), so
``pg_type``, ``pg_attribute.atttypid`` and the wire protocol's RowDescription agree.

>>> format_type(1043, 14)
'character varying(10)'
>>> format_type(1700, (12 << 16 | 2) + 4)
'numeric(12,2)'
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.types import Kind, SqlType


@dataclass(frozen=True)
class PgType:
    """One ``pg_type`` row: oid, name, length (-1 varlena), category, and its SQL name."""

    oid: int
    name: str
    length: int
    category: str
    sql_name: str
    array_oid: int = 0


TYPES: tuple[PgType, ...] = (
    PgType(16, "bool", 1, "B", "boolean", 1000),
    PgType(17, "bytea", -1, "U", "bytea", 1001),
    PgType(18, "char", 1, "S", '"char"', 1002),
    PgType(19, "name", 64, "S", "name", 1003),
    PgType(20, "int8", 8, "N", "bigint", 1016),
    PgType(21, "int2", 2, "N", "smallint", 1005),
    PgType(22, "int2vector", -1, "A", "int2vector", 1006),
    PgType(23, "int4", 4, "N", "integer", 1007),
    PgType(24, "regproc", 4, "N", "regproc", 1008),
    PgType(25, "text", -1, "S", "text", 1009),
    PgType(26, "oid", 4, "N", "oid", 1028),
    PgType(30, "oidvector", -1, "A", "oidvector", 1013),
    PgType(194, "pg_node_tree", -1, "S", "pg_node_tree", 0),
    PgType(700, "float4", 4, "N", "real", 1021),
    PgType(701, "float8", 8, "N", "double precision", 1022),
    PgType(705, "unknown", -2, "X", "unknown", 0),
    PgType(1000, "_bool", -1, "A", "boolean[]", 0),
    PgType(1005, "_int2", -1, "A", "smallint[]", 0),
    PgType(1007, "_int4", -1, "A", "integer[]", 0),
    PgType(1009, "_text", -1, "A", "text[]", 0),
    PgType(1028, "_oid", -1, "A", "oid[]", 0),
    PgType(1033, "aclitem", 12, "U", "aclitem", 1034),
    PgType(1034, "_aclitem", -1, "A", "aclitem[]", 0),
    PgType(1042, "bpchar", -1, "S", "character", 1014),
    PgType(1043, "varchar", -1, "S", "character varying", 1015),
    PgType(1082, "date", 4, "D", "date", 1182),
    PgType(1083, "time", 8, "D", "time without time zone", 1183),
    PgType(1114, "timestamp", 8, "D", "timestamp without time zone", 1115),
    PgType(1184, "timestamptz", 8, "D", "timestamp with time zone", 1185),
    PgType(1186, "interval", 16, "T", "interval", 1187),
    PgType(1266, "timetz", 12, "D", "time with time zone", 1270),
    PgType(1700, "numeric", -1, "N", "numeric", 1231),
    PgType(2205, "regclass", 4, "N", "regclass", 2210),
    PgType(2206, "regtype", 4, "N", "regtype", 2211),
    PgType(2249, "record", -1, "P", "record", 2287),
    PgType(2275, "cstring", -2, "P", "cstring", 1263),
    PgType(2276, "any", 4, "P", '"any"', 0),
    PgType(2277, "anyarray", -1, "P", "anyarray", 0),
    PgType(2278, "void", 4, "P", "void", 0),
    PgType(2279, "trigger", 4, "P", "trigger", 0),
    PgType(2283, "anyelement", 4, "P", "anyelement", 0),
    PgType(4089, "regnamespace", 4, "N", "regnamespace", 4090),
)
BY_OID = {t.oid: t for t in TYPES}
BY_NAME = {t.name: t for t in TYPES}

_KIND_OID = {
    Kind.SMALLINT: 21,
    Kind.INTEGER: 23,
    Kind.BIGINT: 20,
    Kind.DECIMAL: 1700,
    Kind.REAL: 700,
    Kind.DOUBLE: 701,
    Kind.BOOLEAN: 16,
    Kind.CHAR: 1042,
    Kind.VARCHAR: 1043,
    Kind.DATE: 1082,
    Kind.TIMESTAMP: 1114,
    Kind.TIMESTAMPTZ: 1184,
    Kind.INTERVAL: 1186,
    Kind.NULL: 705,
}

# names accepted by ::regtype / to_regtype besides pg_type.typname
_ALIASES = {
    "integer": "int4", "int": "int4", "smallint": "int2", "bigint": "int8", "real": "float4",
    "double precision": "float8", "float": "float8", "boolean": "bool", "character varying": "varchar",
    "character": "bpchar", "decimal": "numeric", "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz", '"char"': "char", "time without time zone": "time",
}


def type_oid(t: SqlType) -> int:
    """The PostgreSQL type OID of a SQL type."""
    return _KIND_OID[t.kind]


def type_modifier(t: SqlType) -> int:
    """``atttypmod``: length + 4 for character types, ((p << 16) | s) + 4 for numeric, else -1."""
    if t.kind in (Kind.CHAR, Kind.VARCHAR):
        return (t.length + 4) if t.length is not None else -1
    if t.kind is Kind.DECIMAL:
        return ((t.precision << 16) | t.scale) + 4
    return -1


def regtype_oid(name: str) -> int | None:
    """The OID a type name denotes (``'integer'``, ``'pg_catalog.int4'``), or None."""
    n = name.strip().lower()
    if n.startswith("pg_catalog."):
        n = n[len("pg_catalog.") :]
    n = _ALIASES.get(n, n)
    t = BY_NAME.get(n)
    return t.oid if t is not None else None


def format_type(oid: int | None, typmod: int | None) -> str | None:
    """PostgreSQL's ``format_type(oid, typmod)``: the SQL name with its modifiers."""
    if oid is None:
        return None
    t = BY_OID.get(int(oid))
    if t is None:
        return "???"
    mod = -1 if typmod is None else int(typmod)
    if t.oid in (1042, 1043) and mod >= 4:
        return f"{t.sql_name}({mod - 4})"
    if t.oid == 1700 and mod >= 4:
        p, s = (mod - 4) >> 16, (mod - 4) & 0xFFFF
        return f"numeric({p},{s})"
    if t.oid == 1042 and mod < 0:
        return "bpchar"
    return t.sql_name
