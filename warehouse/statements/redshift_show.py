"""Redshift's metadata SHOW statements: ``SHOW TABLES FROM SCHEMA``, ``SHOW SCHEMAS FROM
DATABASE``, ``SHOW COLUMNS FROM TABLE`` (parsed by ``sql.redshift_show``).

Redshift's drivers and tools (the Query Editor, the JDBC/ODBC metadata calls) use these to
discover objects, so they return Redshift's own columns, in its order, with its values:
``table_type`` ``TABLE`` / ``VIEW`` / ``EXTERNAL TABLE``, ``schema_type`` ``local`` /
``external``.  Local tables, views and external tables are listed alike (``svv_all_*`` shows
the same objects).  Rows come from the session's catalog snapshot; LIKE is SQL LIKE,
case-sensitive; a relation the user may not SELECT (a schema it may not USE) is left out, as
in Redshift.  Only the current database is known (3D000 for another one).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable

from warehouse.errors import CatalogError, ProgrammingError
from warehouse.result import Result
from warehouse.sql.redshift_show import MAX_ROWS, RedshiftShow

if TYPE_CHECKING:
    from warehouse.catalog.pg_objects import Column
    from warehouse.session import Session

__all__ = ["run_redshift_show"]

_SYSTEM = ("information_schema", "pg_catalog")
_SPECS = {
    "TABLES": "database_name:n schema_name:n table_name:n table_type:t table_acl:t remarks:t owner:n "
              "last_altered_time:ts last_modified_time:ts dist_style:t table_subtype:t",
    "SCHEMAS": "database_name:n schema_name:n schema_owner:i4 schema_type:t schema_acl:t source_database:n "
               "schema_option:t",
    "COLUMNS": "database_name:n schema_name:n table_name:n column_name:n ordinal_position:i4 column_default:t "
               "is_nullable:t data_type:t character_maximum_length:i4 numeric_precision:i4 numeric_scale:i4 "
               "remarks:t sort_key_type:t sort_key:i4 dist_key:i4 encoding:t collation:t",
}


def run_redshift_show(session: Session, cmd: RedshiftShow) -> Result:
    """The rows of one Redshift SHOW, filtered by its LIKE pattern and cut at its LIMIT."""
    database = session.database_name
    if cmd.database is not None and cmd.database != database:
        msg = f'database "{cmd.database}" does not exist (this engine has one database, "{database}")'
        raise CatalogError(msg, sqlstate="3D000")
    keep = _like(cmd.pattern)
    if cmd.what == "SCHEMAS":
        rows = [r for r in _schemas(session, database) if keep(r[1])]
    elif cmd.what == "TABLES":
        rows = [r for r in _tables(session, database, _schema(session, cmd.schema or "")) if keep(r[2])]
    else:
        schema = _schema(session, cmd.schema or "")
        rows = [r for r in _columns(session, database, schema, cmd.table or "") if keep(r[3])]
    if cmd.limit is None and len(rows) > MAX_ROWS:
        msg = f"SHOW {cmd.what} would return {len(rows)} rows, more than {MAX_ROWS}: narrow it with LIKE or LIMIT"
        raise ProgrammingError(msg, sqlstate="54000")
    rows = rows[: cmd.limit] if cmd.limit is not None else rows
    return _result(_SPECS[cmd.what], rows)


def _result(spec_text: str, rows: list[tuple]) -> Result:
    from warehouse.catalog.pg_catalog import SQL_TYPES, table_of

    spec = [tuple(item.split(":")) for item in spec_text.split()]
    return Result([n for n, _ in spec], [SQL_TYPES[k] for _, k in spec], table_of(spec, rows),  # type: ignore[arg-type]
                  len(rows), f"SELECT {len(rows)}")


def _like(pattern: str | None) -> Callable[[str], bool]:
    """SQL LIKE over whole names: ``%`` any run, ``_`` one character, ``\\`` escapes; case
    counts (Redshift's SHOW ... LIKE is case-sensitive)."""
    if pattern is None:
        return lambda name: True
    from warehouse.functions.comparison import _like_regex  # the engine's own LIKE rules

    rx = _like_regex(pattern, "\\", 0)
    return lambda name: rx.fullmatch(name) is not None


def _schema(session: Session, schema: str) -> str:
    """``schema`` when it exists (a system schema too), else 3F000."""
    if schema not in session.catalog().schemas and schema not in _SYSTEM:
        msg = f'schema "{schema}" does not exist'
        raise CatalogError(msg, sqlstate="3F000")
    return schema


def _may(session: Session, schema: str, name: str, privilege: str) -> bool:
    """Whether the user may ``privilege`` the relation (``name`` "": the schema itself)."""
    if schema in _SYSTEM:
        return True
    try:
        session.check_privilege(schema, name, privilege)
    except ProgrammingError:
        return False
    return True


# ----- SHOW SCHEMAS FROM DATABASE -------------------------------------------------------------------
def _schemas(session: Session, database: str) -> list[tuple]:
    """database_name, schema_name, schema_owner (user id), schema_type (local / external),
    schema_acl, source_database (an external schema's data-catalog database), schema_option
    (an external schema's options as JSON), by name."""
    from warehouse.auth.users import user_id

    snap = session.catalog()
    owners = getattr(getattr(snap, "auth", None), "schema_owners", None) or {}
    rows: list[tuple] = []
    for s in sorted(set(snap.schemas) | set(_SYSTEM)):
        if s in _SYSTEM:
            rows.append((database, s, 1, "local", None, None, None))
            continue
        if not _may(session, s, "", "USAGE"):
            continue
        es = snap.external_schemas.get(s)
        owner = es.owner if es is not None else owners.get(s, "admin")
        options = json.dumps(es.options, separators=(",", ":")) if es is not None and es.options else None
        rows.append((database, s, user_id(snap, owner) or 100, "external" if es else "local", None,
                     es.database if es else None, options))
    return rows


# ----- SHOW TABLES FROM SCHEMA -----------------------------------------------------------------------
def _dist_style(table: Any) -> str:
    """EVEN, ALL, KEY, or AUTO (ALL|EVEN|KEY), as Redshift's SHOW TABLES writes it."""
    style = table.definition.diststyle.upper()
    return f"AUTO ({table.effective_diststyle})" if style == "AUTO" else style


def _tables(session: Session, database: str, schema: str) -> list[tuple]:
    """database_name, schema_name, table_name, table_type, table_acl, remarks, owner,
    last_altered_time, last_modified_time, dist_style, table_subtype, by name.  An external
    table's remarks are its ``comment`` table property."""
    snap = session.catalog()
    rows: list[tuple] = []
    for (s, n), t in snap.tables.items():
        if s == schema:
            rows.append((database, s, n, "TABLE", None, None, t.definition.owner, None, None, _dist_style(t),
                         "REGULAR TABLE"))
    for (s, n), v in snap.views.items():
        if s == schema:
            rows.append((database, s, n, "VIEW", None, None, v.owner, None, None, None, "REGULAR VIEW"))
    for (s, n), d in snap.external_tables.items():
        if s == schema:
            remarks = next((v for k, v in d.table_properties.items() if k.lower() == "comment"), None)
            rows.append((database, s, n, "EXTERNAL TABLE", None, remarks, d.owner, None, None, None, None))
    if schema in _SYSTEM:
        from warehouse.catalog.pg_catalog import system_relations

        rows += [(database, r.schema, r.name, "VIEW" if r.kind == "v" else "TABLE", None, None, r.owner, None, None,
                  None, "REGULAR VIEW" if r.kind == "v" else "REGULAR TABLE")
                 for r in system_relations() if r.schema == schema]
    return sorted((r for r in rows if _may(session, schema, r[2], "SELECT")), key=lambda r: r[2])


# ----- SHOW COLUMNS FROM TABLE --------------------------------------------------------------------------
def _found_columns(session: Session, schema: str, name: str) -> tuple[list[tuple[Column, str | None]], Any]:
    """The relation's columns with their remarks (an external column's COMMENT), and the
    local table (None for an external table, a view or a system relation), or 42P01."""
    from warehouse.catalog.pg_objects import Column

    snap = session.catalog()
    table = snap.tables.get((schema, name))
    if table is not None:
        d = table.definition
        return [(Column(c.name, c.type, c.nullable, c.default_sql, c.encoding, c.name == d.distkey,
                        d.sortkey.index(c.name) + 1 if c.name in d.sortkey else 0), None) for c in d.columns], table
    external = snap.external_tables.get((schema, name))
    if external is not None:
        return [(Column(c.name, _engine_type(c)), c.comment or None) for c in external.all_columns], None
    view = snap.views.get((schema, name))
    if view is not None:
        from warehouse.catalog.pg_objects import _view_columns  # the columns pg_attribute shows

        return [(c, None) for c in _view_columns(session, view)], None
    if schema in _SYSTEM:
        from warehouse.catalog.pg_catalog import system_relations

        rel = next((r for r in system_relations() if (r.schema, r.name) == (schema, name)), None)
        if rel is not None:
            return [(c, None) for c in rel.columns], None
    msg = f'relation "{schema}.{name}" does not exist'
    raise CatalogError(msg, sqlstate="42P01")


def _columns(session: Session, database: str, schema: str, name: str) -> list[tuple]:
    """database_name, schema_name, table_name, column_name, ordinal_position, column_default,
    is_nullable, data_type, character_maximum_length, numeric_precision, numeric_scale,
    remarks, sort_key_type, sort_key, dist_key, encoding, collation, in column order (an
    external table's partition columns last).  The sort/dist/encoding facts are a local
    table's only; collation is ``default`` for character columns."""
    from warehouse.catalog.information_schema import column_facts

    found, table = _found_columns(session, schema, name)
    if schema not in _SYSTEM:
        session.check_privilege(schema, name, "SELECT")
    style = table.definition.sortkey_style.upper() if table is not None else None
    rows = []
    for i, (c, remarks) in enumerate(found, start=1):
        f = column_facts(c)
        local = table is not None
        rows.append((database, schema, name, c.name, i, c.default_sql, "YES" if c.nullable else "NO", f["data_type"],
                     f["character_maximum_length"], f["numeric_precision"], f["numeric_scale"], remarks,
                     style if local and c.sortkey_ord > 0 else None, c.sortkey_ord if local else None,
                     1 if local and c.distkey else None, c.encoding.lower() if local else None,
                     "default" if c.type.is_string else None))
    return rows


def _engine_type(c: Any) -> Any:
    """An external column's engine type (text when the engine cannot map it, as the catalog
    listings do)."""
    from warehouse import types as T

    try:
        return c.sql_type
    except Exception:  # noqa: BLE001 - a listing never fails on one column's type
        return T.VARCHAR
