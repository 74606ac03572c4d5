"""CREATE TABLE (and ALTER TABLE ADD COLUMN) ASTs into catalog records.

``table_def_from_create`` reads a ``CREATE [TEMP] TABLE [IF NOT EXISTS] ...`` parsed with
the ``Warehouse`` dialect and returns ``(TableDef, if_not_exists)``; it validates what
Redshift validates (type parameters, DISTKEY/SORTKEY columns, ENCODE names) and raises
``ProgrammingError`` with a message naming the column.

Type names follow Redshift: TEXT is VARCHAR(256), VARCHAR without a length is VARCHAR(256),
VARCHAR(MAX) is VARCHAR(65535), CHAR/NCHAR without a length is CHAR(1), BPCHAR without a
length is CHAR(256), DECIMAL/NUMERIC without precision is DECIMAL(18,0), FLOAT is DOUBLE
PRECISION and FLOAT(p) with p <= 24 is REAL.  PRIMARY KEY, UNIQUE and REFERENCES are
accepted and ignored (Redshift does not enforce them).

>>> from warehouse.sql.dialect import parse
>>> td, _ = table_def_from_create(parse("CREATE TABLE T (a INT DISTKEY, b TEXT)")[0])
>>> (td.name, td.diststyle, td.distkey, str(td.columns[1].type))
('t', 'KEY', 'a', 'character varying(256)')
"""

from __future__ import annotations

from sqlglot import exp

from warehouse import types as T
from warehouse.catalog.entries import DISTSTYLES, ENCODINGS, ColumnDef, TableDef
from warehouse.errors import NotSupportedError, ProgrammingError
from warehouse.sql.dialect import (
    DistKeyColumnConstraint,
    SortKeyColumnConstraint,
    Warehouse,
)

__all__ = ["column_def_from_ast", "sql_type_from_ast", "table_def_from_create"]

MAX_VARCHAR = 65535
MAX_CHAR = 4096
MAX_SORTKEY_COLUMNS = 400
MAX_INTERLEAVED_COLUMNS = 8

# sqlstates
INVALID_TABLE_DEFINITION = "42P16"
SYNTAX = "42601"
UNDEFINED_OBJECT = "42704"
DUPLICATE_COLUMN = "42701"
UNDEFINED_COLUMN = "42703"

_IGNORED_CONSTRAINTS = (
    exp.PrimaryKeyColumnConstraint,
    exp.UniqueColumnConstraint,
    exp.Reference,
)


def _error(msg: str, sqlstate: str) -> ProgrammingError:
    return ProgrammingError(msg, sqlstate=sqlstate)


def _name(node: exp.Expression | None) -> str:
    """An identifier's name: lower-cased unless quoted."""
    if node is None:
        return ""
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.lower()
    if isinstance(node, exp.Column | exp.Table):
        return _name(node.this)
    return node.name.lower()


# ----- types ------------------------------------------------------------------------------
def _params(dt: exp.DataType) -> list[exp.Expression]:
    return [p.this if isinstance(p, exp.DataTypeParam) else p for p in dt.expressions]


def _int_param(p: exp.Expression, column: str, type_name: str) -> int:
    if isinstance(p, exp.Literal) and not p.is_string:
        try:
            return int(p.this)
        except ValueError:
            pass
    msg = f'invalid type modifier "{p.sql()}" for type {type_name} of column "{column}"'
    raise _error(msg, SYNTAX)


def sql_type_from_ast(dt: exp.DataType, column: str = "?") -> T.SqlType:
    """The engine's type for a parsed type name (Redshift's defaults and ranges)."""
    D = exp.DataType.Type  # noqa: N806
    kind = dt.this
    params = _params(dt)

    def ints(type_name: str) -> list[int]:
        return [_int_param(p, column, type_name) for p in params]

    if kind in (D.SMALLINT, D.TINYINT):
        return T.SMALLINT
    if kind in (D.INT, D.MEDIUMINT):
        return T.INTEGER
    if kind is D.BIGINT:
        return T.BIGINT
    if kind in (D.DECIMAL, D.BIGDECIMAL) or str(kind.value).upper() == "NUMERIC":
        values = ints("numeric")
        precision = values[0] if values else 18
        scale = values[1] if len(values) > 1 else 0
        if not 1 <= precision <= T.MAX_DECIMAL_PRECISION:
            msg = (
                f'NUMERIC precision {precision} must be between 1 and '
                f'{T.MAX_DECIMAL_PRECISION} for column "{column}"'
            )
            raise _error(msg, SYNTAX)
        if not 0 <= scale <= precision:
            msg = (
                f'NUMERIC scale {scale} must be between 0 and precision {precision} '
                f'for column "{column}"'
            )
            raise _error(msg, SYNTAX)
        return T.decimal(precision, scale)
    if kind is D.FLOAT:
        return T.REAL
    if kind is D.DOUBLE:
        values = ints("double precision")
        if values and values[0] <= 24:
            return T.REAL
        return T.DOUBLE
    if kind is D.BOOLEAN:
        return T.BOOLEAN
    if kind in (D.CHAR, D.NCHAR, D.BPCHAR):
        values = ints("character")
        length = values[0] if values else (256 if kind is D.BPCHAR else 1)
        if not 1 <= length <= MAX_CHAR:
            msg = f'length {length} for type character of column "{column}" must be between 1 and {MAX_CHAR}'
            raise _error(msg, SYNTAX)
        return T.char(length)
    if kind in (D.VARCHAR, D.NVARCHAR, D.TEXT):
        if params and isinstance(params[0], exp.Var) and params[0].name.upper() == "MAX":
            return T.varchar(MAX_VARCHAR)
        values = ints("character varying")
        length = values[0] if values else 256
        if not 1 <= length <= MAX_VARCHAR:
            msg = (
                f'length {length} for type character varying of column "{column}" '
                f"must be between 1 and {MAX_VARCHAR}"
            )
            raise _error(msg, SYNTAX)
        return T.varchar(length)
    if kind is D.DATE:
        return T.DATE
    if kind in (D.TIMESTAMP, D.DATETIME, D.TIMESTAMPNTZ):
        return T.TIMESTAMP
    if kind in (D.TIMESTAMPTZ, D.TIMESTAMPLTZ):
        return T.TIMESTAMPTZ
    msg = f'type "{dt.sql(dialect=Warehouse).lower()}" of column "{column}" is not supported'
    raise NotSupportedError(msg)


# ----- columns ----------------------------------------------------------------------------
def _column(ast: exp.ColumnDef) -> tuple[ColumnDef, bool, bool]:
    """(ColumnDef, has column-level DISTKEY, has column-level SORTKEY)."""
    name = _name(ast.this)
    dt = ast.args.get("kind")
    if not isinstance(dt, exp.DataType):
        msg = f'column "{name}" has no type'
        raise _error(msg, SYNTAX)
    sql_type = sql_type_from_ast(dt, name)
    encoding = "AUTO"
    nullable = True
    default_sql = None
    distkey = sortkey = False
    for c in ast.args.get("constraints") or []:
        kind = c.args.get("kind") if isinstance(c, exp.ColumnConstraint) else c
        if isinstance(kind, exp.NotNullColumnConstraint):
            nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.EncodeColumnConstraint):
            encoding = kind.name.upper()
            if encoding not in ENCODINGS:
                msg = f'invalid encoding type "{kind.name}" specified for column "{name}"'
                raise _error(msg, UNDEFINED_OBJECT)
        elif isinstance(kind, exp.DefaultColumnConstraint):
            default_sql = kind.this.sql(dialect=Warehouse)
        elif isinstance(kind, DistKeyColumnConstraint):
            distkey = True
        elif isinstance(kind, SortKeyColumnConstraint):
            sortkey = True
        elif isinstance(kind, _IGNORED_CONSTRAINTS):
            pass
        else:
            what = kind.sql(dialect=Warehouse) if kind is not None else c.sql(dialect=Warehouse)
            msg = f'column constraint "{what}" on column "{name}" is not supported'
            raise NotSupportedError(msg)
    return ColumnDef(name, sql_type, encoding, nullable, default_sql), distkey, sortkey


def column_def_from_ast(ast: exp.ColumnDef) -> ColumnDef:
    """A column of ``ALTER TABLE ... ADD COLUMN`` (DISTKEY/SORTKEY are not allowed there)."""
    col, distkey, sortkey = _column(ast)
    if distkey or sortkey:
        what = "DISTKEY" if distkey else "SORTKEY"
        msg = f'{what} is not allowed on added column "{col.name}"'
        raise _error(msg, INVALID_TABLE_DEFINITION)
    return col


# ----- tables -----------------------------------------------------------------------------
def table_def_from_create(
    ast: exp.Create, default_schema: str = "public"
) -> tuple[TableDef, bool]:
    """``(TableDef, if_not_exists)`` for a parsed ``CREATE TABLE`` with a column list.

    Raises
    ------
    ProgrammingError
        Bad type parameters (42601), duplicate columns (42701), unknown ENCODE names
        (42704, undefined_object, as PostgreSQL reports an unknown encoding name),
        DISTKEY/SORTKEY naming unknown columns (42703, as PostgreSQL's "column named in
        key does not exist"), conflicting DISTKEY/SORTKEY specifications (42P16).
    NotSupportedError
        Unsupported types or column constraints; CREATE TABLE AS/LIKE (handled elsewhere).
    """
    if not isinstance(ast, exp.Create) or str(ast.args.get("kind", "")).upper() != "TABLE":
        msg = "expected a CREATE TABLE statement"
        raise _error(msg, SYNTAX)
    schema_node = ast.this
    if not isinstance(schema_node, exp.Schema) or ast.args.get("expression") is not None:
        msg = "CREATE TABLE AS and CREATE TABLE LIKE are not handled by table_def_from_create"
        raise NotSupportedError(msg)
    table = schema_node.this
    schema = _name(table.args.get("db")) or default_schema
    name = _name(table.this)

    columns: list[ColumnDef] = []
    seen: set[str] = set()
    col_distkeys: list[str] = []
    col_sortkeys: list[str] = []
    for item in schema_node.expressions:
        if isinstance(item, exp.ColumnDef):
            col, dk, sk = _column(item)
            if col.name in seen:
                msg = f'column "{col.name}" specified more than once'
                raise _error(msg, DUPLICATE_COLUMN)
            seen.add(col.name)
            columns.append(col)
            if dk:
                col_distkeys.append(col.name)
            if sk:
                col_sortkeys.append(col.name)
        # table constraints (PRIMARY KEY (...), UNIQUE, FOREIGN KEY) are accepted, ignored
    if not columns:
        msg = f'table "{name}" must have at least one column'
        raise _error(msg, INVALID_TABLE_DEFINITION)

    diststyle: str | None = None
    distkeys = list(col_distkeys)
    sortkey: tuple[str, ...] = ()
    sortkey_style = "COMPOUND"
    table_sortkeys = 0
    temporary = False
    props = ast.args.get("properties")
    for p in props.expressions if props else []:
        if isinstance(p, exp.TemporaryProperty):
            temporary = True
        elif isinstance(p, exp.DistStyleProperty):
            diststyle = p.name.upper()
            if diststyle not in DISTSTYLES:
                msg = f'invalid DISTSTYLE "{p.name}" for table "{name}"'
                raise _error(msg, SYNTAX)
        elif isinstance(p, exp.DistKeyProperty):
            distkeys.append(_name(p.this))
        elif isinstance(p, exp.SortKeyProperty):
            table_sortkeys += 1
            if p.args.get("auto"):
                sortkey, sortkey_style = (), "AUTO"
            else:
                sortkey = tuple(_name(c) for c in p.this or [])
                sortkey_style = "INTERLEAVED" if p.args.get("interleaved") else "COMPOUND"
        elif isinstance(p, exp.BackupProperty | exp.EngineProperty):
            pass
        else:
            msg = f'table option "{p.sql(dialect=Warehouse)}" is not supported'
            raise NotSupportedError(msg)

    # --- validation (Redshift's rules) ---
    if len(distkeys) > 1:
        msg = f'multiple DISTKEY specifications for table "{name}": {", ".join(distkeys)}'
        raise _error(msg, INVALID_TABLE_DEFINITION)
    distkey = distkeys[0] if distkeys else None
    if distkey is not None and distkey not in seen:
        msg = f'column "{distkey}" named in DISTKEY does not exist'
        raise _error(msg, UNDEFINED_COLUMN)
    if diststyle is None:
        diststyle = "KEY" if distkey else "AUTO"
    if diststyle == "KEY" and distkey is None:
        msg = f'DISTSTYLE KEY for table "{name}" requires a DISTKEY column'
        raise _error(msg, INVALID_TABLE_DEFINITION)
    if diststyle != "KEY" and distkey is not None:
        msg = f'DISTKEY "{distkey}" conflicts with DISTSTYLE {diststyle} for table "{name}"'
        raise _error(msg, INVALID_TABLE_DEFINITION)
    if col_sortkeys:
        if table_sortkeys or len(col_sortkeys) > 1:
            msg = f'multiple SORTKEY specifications for table "{name}"'
            raise _error(msg, INVALID_TABLE_DEFINITION)
        sortkey = tuple(col_sortkeys)
    if table_sortkeys > 1:
        msg = f'multiple SORTKEY specifications for table "{name}"'
        raise _error(msg, INVALID_TABLE_DEFINITION)
    for c in sortkey:
        if c not in seen:
            msg = f'column "{c}" named in SORTKEY does not exist'
            raise _error(msg, UNDEFINED_COLUMN)
    if len(set(sortkey)) != len(sortkey):
        msg = f'a column appears more than once in the SORTKEY of table "{name}"'
        raise _error(msg, INVALID_TABLE_DEFINITION)
    if len(sortkey) > MAX_SORTKEY_COLUMNS:
        msg = f'too many SORTKEY columns for table "{name}" (at most {MAX_SORTKEY_COLUMNS})'
        raise _error(msg, INVALID_TABLE_DEFINITION)
    if sortkey_style == "INTERLEAVED" and len(sortkey) > MAX_INTERLEAVED_COLUMNS:
        msg = (
            f'too many INTERLEAVED SORTKEY columns for table "{name}" '
            f"(at most {MAX_INTERLEAVED_COLUMNS})"
        )
        raise _error(msg, INVALID_TABLE_DEFINITION)

    td = TableDef(
        schema=schema,
        name=name,
        columns=tuple(columns),
        diststyle=diststyle,
        distkey=distkey,
        sortkey=sortkey,
        sortkey_style=sortkey_style,
        temporary=temporary,
    )
    return td, bool(ast.args.get("exists"))
