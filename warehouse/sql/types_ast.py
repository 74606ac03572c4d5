"""SQL type names as sqlglot parses them -> ``SqlType`` (CAST targets and DDL)."""

from __future__ import annotations

from sqlglot import exp

from warehouse import types as T
from warehouse.errors import NotSupportedError, ProgrammingError
from warehouse.types import SqlType

DT = exp.DataType.Type

_SIMPLE = {
    DT.SMALLINT: T.SMALLINT,
    DT.TINYINT: T.SMALLINT,
    DT.INT: T.INTEGER,
    DT.BIGINT: T.BIGINT,
    DT.FLOAT: T.REAL,
    DT.DOUBLE: T.DOUBLE,
    DT.BOOLEAN: T.BOOLEAN,
    DT.DATE: T.DATE,
    DT.DATETIME: T.TIMESTAMP,
    DT.TIMESTAMP: T.TIMESTAMP,
    DT.TIMESTAMPNTZ: T.TIMESTAMP,
    DT.TIMESTAMPTZ: T.TIMESTAMPTZ,
    DT.TIMESTAMPLTZ: T.TIMESTAMPTZ,
}


def _params(dt: exp.DataType) -> list[str]:
    out = []
    for p in dt.expressions:
        node = p.this if isinstance(p, exp.DataTypeParam) else p
        out.append(node.name if hasattr(node, "name") else str(node))
    return out


def sql_type_from_datatype(dt: exp.DataType) -> SqlType:
    """Map a parsed type; defaults follow Redshift (VARCHAR 256, CHAR 1, DECIMAL(18,0))."""
    kind = dt.this
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    params = _params(dt)
    if kind in (DT.DECIMAL, DT.BIGDECIMAL, DT.MONEY) or str(kind).endswith("DECIMAL"):
        precision = int(params[0]) if params else 18
        scale = int(params[1]) if len(params) > 1 else 0
        if not 1 <= precision <= T.MAX_DECIMAL_PRECISION or not 0 <= scale <= precision:
            msg = f"invalid DECIMAL({precision},{scale}): precision must be 1..38 and scale 0..precision"
            raise ProgrammingError(msg, sqlstate="22023")
        return T.decimal(precision, scale)
    if kind in (DT.VARCHAR, DT.NVARCHAR, DT.TEXT, DT.NAME):
        if kind is DT.TEXT:
            return T.varchar(256)
        if params and params[0].upper() == "MAX":
            return T.varchar(65535)
        length = int(params[0]) if params else 256
        if not 1 <= length <= 65535:
            msg = f"length for type varchar must be between 1 and 65535, not {length}"
            raise ProgrammingError(msg, sqlstate="22023")
        return T.varchar(length)
    if kind in (DT.CHAR, DT.NCHAR, DT.BPCHAR):
        length = int(params[0]) if params else 1
        if kind is DT.BPCHAR and not params:
            return T.varchar(256)
        if not 1 <= length <= 4096:
            msg = f"length for type char must be between 1 and 4096, not {length}"
            raise ProgrammingError(msg, sqlstate="22023")
        return T.char(length)
    if kind is DT.INTERVAL:
        return T.INTERVAL
    msg = f'type "{dt.sql(dialect="redshift")}" is not supported'
    raise NotSupportedError(msg)
