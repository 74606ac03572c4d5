"""CREATE / DROP / ALTER / TRUNCATE for schemas, tables and views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlglot import exp

from warehouse import types as T
from warehouse.catalog.entries import ColumnDef, TableDef, ViewDef
from warehouse.errors import CatalogError, NotSupportedError, ProgrammingError
from warehouse.result import Result
from warehouse.sql.ddl import column_def_from_ast, table_def_from_create
from warehouse.sql.dialect import Warehouse

if TYPE_CHECKING:
    from warehouse.session import Session


def _names(table: exp.Table, default_schema: str = "public") -> tuple[str, str]:
    name = table.name if table.this.quoted else table.name.lower()
    schema = (table.db or "").lower() or default_schema
    return schema, name


def create(session: "Session", ast: exp.Create, sql: str, params: list[Any]) -> Result:
    kind = (ast.args.get("kind") or "").upper()
    if kind == "TABLE":
        if ast.args.get("expression") is not None:
            return create_table_as(session, ast, sql, params)
        definition, if_not_exists = table_def_from_create(ast)
        session.check_privilege(definition.schema, "", "CREATE")
        definition = definition.with_changes(owner=session.user)
        txn = session.writer()
        if if_not_exists and txn.current().get_table(definition.schema, definition.name) is not None:
            return Result(status="CREATE TABLE", notices=[f'relation "{definition.name}" already exists, skipping'])
        txn.create_table(definition, if_not_exists=if_not_exists)
        return Result(status="CREATE TABLE")
    if kind == "VIEW":
        return create_view(session, ast)
    if kind == "SCHEMA":
        target = ast.this
        name = (target.db or target.name).lower() if isinstance(target, exp.Table) else target.name.lower()
        session.check_privilege(name, "", "CREATE SCHEMA")
        session.writer().create_schema(name, if_not_exists=bool(ast.args.get("exists")))
        from warehouse.auth.statements import schema_created

        schema_created(session, name)
        return Result(status="CREATE SCHEMA")
    if kind == "DATABASE":  # Athena: a schema for external tables
        from warehouse.statements.external import create_database

        return create_database(session, ast)
    msg = f"CREATE {kind} is not supported"
    raise NotSupportedError(msg)


def create_table_as(session: "Session", ast: exp.Create, sql: str, params: list[Any]) -> Result:
    """CREATE TABLE t [DISTSTYLE ..] AS SELECT: the query's columns and types, then its rows."""
    target = ast.this
    if isinstance(target, exp.Schema):
        target = target.this
    schema, name = _names(target)
    query = ast.args["expression"]
    plan = session.plan_query(query, query.sql(dialect=Warehouse), params)
    columns = []
    seen: set[str] = set()
    for f in plan.fields:
        if f.name in seen or f.name == "?column?":
            msg = f'column name "{f.name}" is duplicated or missing in CREATE TABLE AS; give every expression an alias'
            raise ProgrammingError(msg, sqlstate="42701")
        seen.add(f.name)
        t = f.type
        if t.is_null:
            t = T.varchar(256)
        if t.is_string and (t.length is None or t.length > 65535):
            t = T.varchar(65535)
        columns.append(ColumnDef(f.name, t))
    diststyle, distkey, sortkey = _ctas_properties(ast)
    session.check_privilege(schema, "", "CREATE")
    definition = TableDef(schema, name, tuple(columns), diststyle=diststyle, distkey=distkey, sortkey=sortkey, owner=session.user)
    table = session.run_plan(plan)
    txn = session.writer()
    exists = bool(ast.args.get("exists"))
    if exists and txn.current().get_table(schema, name) is not None:
        return Result(status="CREATE TABLE AS", notices=[f'relation "{name}" already exists, skipping'])
    txn.create_table(definition)
    from warehouse.statements.dml import arrow_to_vectors

    rows = txn.append(schema, name, arrow_to_vectors(table, definition))
    return Result(status=f"SELECT {rows}", rowcount=rows)


def _ctas_properties(ast: exp.Create) -> tuple[str, str | None, tuple[str, ...]]:
    diststyle, distkey, sortkey = "AUTO", None, ()
    props = ast.args.get("properties")
    for p in props.expressions if props is not None else []:
        name = type(p).__name__
        if name == "DistStyleProperty":
            diststyle = p.this.name.upper() if hasattr(p.this, "name") else str(p.this).upper()
        elif name == "DistKeyProperty":
            distkey = p.this.name.lower()
            diststyle = "KEY"
        elif "SortKey" in name:
            sortkey = tuple(e.name.lower() for e in p.expressions if hasattr(e, "name"))
    return diststyle, distkey, sortkey


def create_view(session: "Session", ast: exp.Create) -> Result:
    target = ast.this
    columns: tuple[str, ...] = ()
    if isinstance(target, exp.Schema):
        columns = tuple(c.name.lower() for c in target.expressions)
        target = target.this
    schema, name = _names(target)
    query = ast.args["expression"]
    session.check_privilege(schema, "", "CREATE")
    text = query.sql(dialect=Warehouse)
    # bind once now so a broken view is reported at CREATE time
    plan = session.plan_query(query, text, [])
    if columns and len(columns) != len(plan.fields):
        msg = f"CREATE VIEW specifies {len(columns)} column names, but the query has {len(plan.fields)} columns"
        raise ProgrammingError(msg, sqlstate="42601")
    view = ViewDef(schema, name, text, columns or tuple(f.name for f in plan.fields), owner=session.user)
    session.writer().create_view(view, replace=bool(ast.args.get("replace")))
    return Result(status="CREATE VIEW")


def drop(session: "Session", ast: exp.Drop) -> Result:
    kind = (ast.args.get("kind") or "").upper()
    exists = bool(ast.args.get("exists"))
    from warehouse.statements import external

    if kind == "DATABASE":  # Athena
        return external.drop_database(session, ast)
    txn = session.writer()
    notices = []
    for table in ast.args.get("tables") or []:
        if kind == "SCHEMA":
            name = (table.db or table.name).lower()
            if name in txn.current().schemas:
                session.check_privilege(name, "", "OWNER")
            txn.drop_schema(name, if_exists=exists, cascade=bool(ast.args.get("cascade")))
            continue
        schema, name = _names(table)
        if kind == "TABLE" and external.is_external_table(session, schema, name):
            external.drop_external_table(session, schema, name)
            continue
        current = txn.current()
        if current.get_table(schema, name) is not None or current.views.get((schema, name)) is not None:
            session.check_privilege(schema, name, "DROP")
        if kind == "TABLE":
            if current.get_table(schema, name) is None and exists:
                notices.append(f'table "{name}" does not exist, skipping')
                continue
            if current.get_table(schema, name) is None and current.views.get((schema, name)) is not None:
                msg = f'"{name}" is not a table; use DROP VIEW'
                raise CatalogError(msg, sqlstate="42809")
            txn.drop_table(schema, name, if_exists=exists)
        elif kind == "VIEW":
            if current.views.get((schema, name)) is None and exists:
                notices.append(f'view "{name}" does not exist, skipping')
                continue
            txn.drop_view(schema, name, if_exists=exists)
        else:
            msg = f"DROP {kind} is not supported"
            raise NotSupportedError(msg)
    return Result(status=f"DROP {kind}", notices=notices)


def truncate(session: "Session", ast: exp.TruncateTable) -> Result:
    txn = session.writer()
    for table in ast.expressions:
        schema, name = _names(table)
        session.check_privilege(schema, name, "TRUNCATE")
        txn.truncate(schema, name)
    return Result(status="TRUNCATE TABLE")


def alter(session: "Session", ast: exp.Alter) -> Result:
    kind = (ast.args.get("kind") or "").upper()
    if kind != "TABLE":
        msg = f"ALTER {kind} is not supported"
        raise NotSupportedError(msg)
    schema, name = _names(ast.this)
    session.check_privilege(schema, name, "ALTER")
    txn = session.writer()
    for action in ast.args.get("actions") or []:
        table = txn.current().get_table(schema, name)
        if table is None:
            msg = f'relation "{name}" does not exist'
            raise CatalogError(msg, sqlstate="42P01")
        d: TableDef = table.definition
        if isinstance(action, exp.AlterRename):
            txn.rename_table(schema, name, action.this.name.lower())
            name = action.this.name.lower()
        elif isinstance(action, exp.ColumnDef):
            col = column_def_from_ast(action)
            if col.name in d.column_names:
                msg = f'column "{col.name}" of relation "{name}" already exists'
                raise ProgrammingError(msg, sqlstate="42701")
            new = d.with_changes(columns=d.columns + (col,))
            mapping = {c.name: c.name for c in d.columns}
            mapping[col.name] = None
            txn.alter_table(schema, name, new, mapping)
            _fill_added_column(session, schema, name, col)
        elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
            for c in action.args.get("tables") or []:
                cname = c.name.lower()
                if cname not in d.column_names:
                    msg = f'column "{cname}" of relation "{name}" does not exist'
                    raise ProgrammingError(msg, sqlstate="42703")
                if cname == d.distkey or cname in d.sortkey:
                    msg = f'cannot drop column "{cname}": it is the distribution key or part of the sort key'
                    raise ProgrammingError(msg, sqlstate="0A000")
                if len(d.columns) == 1:
                    msg = f'cannot drop the last column of "{name}"'
                    raise ProgrammingError(msg, sqlstate="0A000")
                new = d.with_changes(columns=tuple(x for x in d.columns if x.name != cname))
                txn.alter_table(schema, name, new, {x.name: x.name for x in new.columns})
                d = new
        elif isinstance(action, exp.RenameColumn):
            old = action.this.name.lower()
            to = action.args["to"].name.lower()
            if old not in d.column_names:
                msg = f'column "{old}" of relation "{name}" does not exist'
                raise ProgrammingError(msg, sqlstate="42703")
            cols = tuple(ColumnDef(to, c.type, c.encoding, c.nullable, c.default_sql) if c.name == old else c for c in d.columns)
            new = d.with_changes(
                columns=cols,
                distkey=to if d.distkey == old else d.distkey,
                sortkey=tuple(to if s == old else s for s in d.sortkey),
            )
            mapping = {c.name: c.name for c in d.columns if c.name != old}
            mapping[to] = old
            txn.alter_table(schema, name, new, mapping)
        else:
            msg = f"ALTER TABLE {action.sql(dialect='redshift')} is not supported"
            raise NotSupportedError(msg)
    return Result(status="ALTER TABLE")


def _fill_added_column(session: "Session", schema: str, name: str, col: ColumnDef) -> None:
    """ADD COLUMN: existing rows get the column's DEFAULT (evaluated per row), else NULL."""
    txn = session.writer()
    table = txn.current().get_table(schema, name)
    if table is None or table.row_count == 0:
        return
    if col.default_sql is None:
        if not col.nullable:
            msg = f'column "{col.name}" of relation "{name}" contains null values'
            raise ProgrammingError(msg, sqlstate="23502")
        return
    from warehouse.exec.evaluate import evaluate_vector
    from warehouse.statements.dml import _as_column_type, _default_expr
    from warehouse.vector import Batch

    expr = _default_expr(session, col)
    values = []
    for s in range(table.nslices):
        n = table.slice_row_count(s)
        if n == 0:
            values.append(None)
            continue
        v = evaluate_vector(expr, Batch([], n))
        values.append(_as_column_type(v, col.type))
    txn.fill_column(schema, name, col.name, values)
