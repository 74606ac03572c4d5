"""INSERT, UPDATE and DELETE.

INSERT runs its source query and appends the rows, cast to the column types (storage
checks NOT NULL and string lengths).  UPDATE and DELETE evaluate their WHERE clause slice
by slice over the table's rows in storage order, so the per-slice masks they hand to
storage name exactly the rows to remove; UPDATE then appends the rewritten rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from sqlglot import exp

from warehouse.catalog.entries import TableDef
from warehouse.errors import BinderError, CatalogError, NotSupportedError
from warehouse.exec.evaluate import evaluate_predicate, evaluate_vector
from warehouse.functions import registry
from warehouse.plan.bind_expr import ExprBinder
from warehouse.plan.expressions import ColumnRef, Expr, Literal
from warehouse.plan.logical import Field, Project
from warehouse.plan.scope import Entry, Scope
from warehouse.result import Result
from warehouse.statements.ddl import _names
from warehouse.vector import Batch, Vector, vector_from_arrow

if TYPE_CHECKING:
    from warehouse.session import Session


def _table(session: "Session", table: exp.Table) -> Any:
    schema, name = _names(table)
    snap = session.writer().current()
    t = snap.get_table(schema, name)
    if t is None:
        if snap.views.get((schema, name)) is not None:
            msg = f'cannot change view "{name}"'
            raise CatalogError(msg, sqlstate="42809")
        msg = f'relation "{name}" does not exist'
        raise CatalogError(msg, sqlstate="42P01")
    return t


def arrow_to_vectors(table: pa.Table, definition: TableDef) -> list[Vector]:
    """Columns of an Arrow table (in definition order) as vectors of the column types."""
    out = []
    for i, c in enumerate(definition.columns):
        out.append(vector_from_arrow(table.column(i), c.type))
    return out


def _default_expr(session: "Session", col: Any) -> Expr:
    if col.default_sql is None:
        return Literal(None, col.type)
    from warehouse.sql.parse import parse_one

    node = parse_one(f"SELECT {col.default_sql}").expressions[0]
    e = ExprBinder(Scope(), session.binder("", [])._ctx()).bind(node)
    return e if e.type == col.type else registry.resolve_cast(e, col.type)


def insert(session: "Session", ast: exp.Insert, params: list[Any]) -> Result:
    target = ast.this
    columns: list[str] | None = None
    if isinstance(target, exp.Schema):
        columns = [c.name.lower() for c in target.expressions]
        target = target.this
    table = _table(session, target)
    d: TableDef = table.definition
    names = d.column_names
    if columns is None:
        columns = names
    for c in columns:
        if c not in names:
            msg = f'column "{c}" of relation "{d.name}" does not exist'
            raise BinderError(msg, sqlstate="42703")
    source = ast.args.get("expression")
    if source is None:
        msg = "INSERT ... DEFAULT VALUES is not supported"
        raise NotSupportedError(msg)
    binder = session.binder("", params)
    block = binder.bind_query(source)
    plan = block.plan
    if len(plan.fields) != len(columns):
        more = "more" if len(plan.fields) > len(columns) else "fewer"
        msg = f"INSERT has {more} expressions than target columns"
        raise BinderError(msg, sqlstate="42601")
    exprs: list[Expr] = []
    for col in d.columns:
        if col.name in columns:
            i = columns.index(col.name)
            f = plan.fields[i]
            e: Expr = ColumnRef(i, f.type, f.name)
            if f.type != col.type:
                e = registry.resolve_cast(e, col.type)
            exprs.append(e)
        else:
            exprs.append(_default_expr(session, col))
    project = Project(plan, exprs, [Field(c.name, c.type) for c in d.columns])
    result = session.run_plan(project)
    rows = session.writer().append(d.schema, d.name, arrow_to_vectors(result, d))
    return Result(status=f"INSERT 0 {rows}", rowcount=rows)


def _where_binder(session: "Session", d: TableDef, alias: str, params: list[Any]) -> ExprBinder:
    from warehouse.plan.binder import _BlockState

    scope = Scope([Entry(alias, c.name, c.type) for c in d.columns])
    binder = session.binder("", params)
    state = _BlockState(binder, scope)
    return ExprBinder(scope, binder._ctx(on_subquery=state.on_subquery_late))


def _slice_batch(table: Any, s: int) -> Batch:
    d = table.definition
    n = table.slice_row_count(s)
    return Batch([table.read(s, c.name) for c in d.columns], n)


def delete(session: "Session", ast: exp.Delete, params: list[Any]) -> Result:
    if ast.args.get("using"):
        msg = "DELETE ... USING is not supported; use WHERE ... IN (SELECT ...)"
        raise NotSupportedError(msg)
    table = _table(session, ast.this)
    d = table.definition
    where = ast.args.get("where")
    if where is None:
        rows = table.row_count
        session.writer().truncate(d.schema, d.name)
        return Result(status=f"DELETE {rows}", rowcount=rows)
    eb = _where_binder(session, d, ast.this.alias_or_name.lower(), params)
    predicate = eb.bind(where.this)
    masks = []
    for s in range(table.nslices):
        batch = _slice_batch(table, s)
        masks.append(evaluate_predicate(predicate, batch) if batch.length else np.zeros(0, np.bool_))
    session.writer().delete_rows(d.schema, d.name, masks)
    rows = int(sum(int(masks[s].sum()) for s in table.scan_slices()))
    return Result(status=f"DELETE {rows}", rowcount=rows)


def update(session: "Session", ast: exp.Update, params: list[Any]) -> Result:
    if ast.args.get("from") or ast.args.get("from_"):
        msg = "UPDATE ... FROM is not supported; use a subquery in SET or WHERE"
        raise NotSupportedError(msg)
    table = _table(session, ast.this)
    d = table.definition
    eb = _where_binder(session, d, ast.this.alias_or_name.lower(), params)
    where = ast.args.get("where")
    predicate = eb.bind(where.this) if where is not None else None
    sets: dict[int, Expr] = {}
    for assignment in ast.expressions:
        name = assignment.this.name.lower()
        if name not in d.column_names:
            msg = f'column "{name}" of relation "{d.name}" does not exist'
            raise BinderError(msg, sqlstate="42703")
        i = d.column_names.index(name)
        col = d.columns[i]
        value = assignment.expression
        e = _default_expr(session, col) if isinstance(value, exp.Var) and value.name.upper() == "DEFAULT" else eb.bind(value)
        sets[i] = e if e.type == col.type else registry.resolve_cast(e, col.type)
    masks: list[np.ndarray] = []
    new_parts: list[list[Vector]] = []
    for s in range(table.nslices):
        batch = _slice_batch(table, s)
        if batch.length == 0:
            masks.append(np.zeros(0, np.bool_))
            continue
        mask = evaluate_predicate(predicate, batch) if predicate is not None else np.ones(batch.length, np.bool_)
        masks.append(mask)
        if not mask.any() or s not in table.scan_slices():
            continue
        chosen = batch.filter(mask)
        cols = [evaluate_vector(sets[i], chosen) if i in sets else chosen.columns[i] for i in range(len(d.columns))]
        new_parts.append(cols)
    txn = session.writer()
    rows = int(sum(int(masks[s].sum()) for s in table.scan_slices()))
    if rows:
        from warehouse.vector import concat_vectors

        txn.delete_rows(d.schema, d.name, masks)
        columns = [concat_vectors([p[i] for p in new_parts]) for i in range(len(d.columns))]
        txn.append(d.schema, d.name, columns)
    return Result(status=f"UPDATE {rows}", rowcount=rows)
