"""INSERT, UPDATE and DELETE.

INSERT runs its source query and appends the rows, cast to the column types (storage
checks NOT NULL and string lengths).  UPDATE and DELETE evaluate their WHERE clause slice
by slice over the table's rows in storage order, so the per-slice masks they hand to
storage name exactly the rows to remove; UPDATE then appends the rewritten rows.
UPDATE ... FROM and DELETE ... USING run a join of the target's rows (with their positions)
to the other tables instead; see ``_joined_rows``.  Assignment to CHAR(n)/VARCHAR(n) does
not truncate (storage raises 22001 for a value that is too long), unlike an explicit CAST.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from sqlglot import exp

from warehouse import types as T
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


def _table(session: "Session", table: exp.Table, privilege: str = "SELECT") -> Any:
    schema, name = _names(table)
    session.check_privilege(schema, name, privilege)
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
    return assignment_cast(e, col.type)


def assignment_cast(e: Expr, target: Any) -> Expr:
    """Cast for storing ``e`` in a column of type ``target`` (INSERT, UPDATE SET).

    Unlike an explicit CAST, assignment to CHAR(n)/VARCHAR(n) does not truncate: the value
    keeps its full text, and storage rejects one that is too long (22001), as Redshift does.
    """
    if e.type == target:
        return e
    if target.is_string:
        if e.type.is_string:
            return e
        return registry.resolve_cast(e, T.varchar(65535))
    return registry.resolve_cast(e, target)


def _as_column_type(v: Vector, target: Any) -> Vector:
    if v.type == target or not target.is_string:
        return v
    return Vector(target, v.data, v.valid, v.dictionary)


def insert(session: "Session", ast: exp.Insert, params: list[Any]) -> Result:
    target = ast.this
    columns: list[str] | None = None
    if isinstance(target, exp.Schema):
        columns = [c.name.lower() for c in target.expressions]
        target = target.this
    table = _table(session, target, "INSERT")
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
            exprs.append(assignment_cast(e, col.type))
        else:
            exprs.append(_default_expr(session, col))
    project = Project(plan, exprs, [Field(c.name, c.type) for c in d.columns])
    result = session.run_plan(project)
    rows = session.writer().append(d.schema, d.name, arrow_to_vectors(result, d))
    return Result(status=f"INSERT 0 {rows}", rowcount=rows)


def _where_binder(session: "Session", d: TableDef, alias: str, params: list[Any]) -> ExprBinder:
    from warehouse.plan.select_block import SelectBlock as _BlockState

    scope = Scope([Entry(alias, c.name, c.type) for c in d.columns])
    binder = session.binder("", params)
    state = _BlockState(binder, scope)
    return ExprBinder(scope, binder._ctx(on_subquery=state.on_subquery_late))


def _slice_batch(table: Any, s: int) -> Batch:
    d = table.definition
    n = table.slice_row_count(s)
    return Batch([table.read(s, c.name) for c in d.columns], n)


def delete(session: "Session", ast: exp.Delete, params: list[Any]) -> Result:
    table = _table(session, ast.this, "DELETE")
    d = table.definition
    where = ast.args.get("where")
    using = ast.args.get("using")
    if using:
        _no_aggregates(where.this if where is not None else None, "DELETE")
        matched = _joined_rows(session, table, ast.this, list(using), where, [], params)
        masks = _masks(table, matched.rows)
        session.writer().delete_rows(d.schema, d.name, masks)
        rows = len(matched.rows)
        return Result(status=f"DELETE {rows}", rowcount=rows)
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
    table = _table(session, ast.this, "UPDATE")
    d = table.definition
    from_ = ast.args.get("from_") or ast.args.get("from")
    if from_ is not None:
        return _update_from(session, ast, table, [from_.this, *from_.expressions], params)
    eb = _where_binder(session, d, ast.this.alias_or_name.lower(), params)
    where = ast.args.get("where")
    predicate = eb.bind(where.this) if where is not None else None
    sets: dict[int, Expr] = {}
    for assignment in ast.expressions:
        i, col, value = _assignment(d, assignment)
        e = _default_expr(session, col) if _is_default(value) else eb.bind(value)
        sets[i] = assignment_cast(e, col.type)
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
        cols = [
            _as_column_type(evaluate_vector(sets[i], chosen), d.columns[i].type) if i in sets else chosen.columns[i]
            for i in range(len(d.columns))
        ]
        new_parts.append(cols)
    txn = session.writer()
    rows = int(sum(int(masks[s].sum()) for s in table.scan_slices()))
    if rows:
        from warehouse.vector import concat_vectors

        txn.delete_rows(d.schema, d.name, masks)
        columns = [concat_vectors([p[i] for p in new_parts]) for i in range(len(d.columns))]
        txn.append(d.schema, d.name, columns)
    return Result(status=f"UPDATE {rows}", rowcount=rows)


# ----- UPDATE ... FROM and DELETE ... USING -------------------------------------------------
# The target's rows (the slices that hold each row once) become an Arrow relation with one
# more column, the row's position in that concatenation; a SELECT joining it to the other
# tables under the WHERE clause yields the positions of the rows to change (and, for UPDATE,
# their new values).  Positions map back to per-slice masks for storage.

_ROW = "__warehouse_row"


class _Matched:
    def __init__(self, rows: np.ndarray, values: pa.Table | None, target: pa.Table | None) -> None:
        self.rows = rows  # distinct positions, ascending
        self.values = values  # UPDATE: [position, value...] per matched row, else None
        self.target = target  # the target's rows (Arrow, columns in definition order)


def _is_default(value: exp.Expression) -> bool:
    if isinstance(value, exp.Column) and not value.table and not value.this.quoted:
        return value.name.upper() == "DEFAULT"
    return isinstance(value, exp.Var) and value.name.upper() == "DEFAULT"


def _no_aggregates(node: exp.Expression | None, what: str) -> None:
    """Aggregates and window functions are not allowed in UPDATE/DELETE (outside subqueries)."""
    if node is None:
        return
    for n in node.find_all(exp.AggFunc, exp.Window):
        p = n.parent
        while p is not None and p is not node and not isinstance(p, exp.Select):
            p = p.parent
        if not isinstance(p, exp.Select):
            kind = "window" if isinstance(n, exp.Window) else "aggregate"
            msg = f"{kind} functions are not allowed in {what}"
            raise BinderError(msg, sqlstate="42803")


def _from_joins(items: list[exp.Expression]) -> list[exp.Join]:
    """FROM/USING items (each possibly carrying its own JOINs) as a SELECT's join list."""
    joins: list[exp.Join] = []
    for item in items:
        item = item.copy()
        nested = item.args.get("joins") or []
        item.set("joins", None)
        joins.append(exp.Join(this=item))
        joins.extend(nested)
    return joins


def _scan_positions(table: Any) -> tuple[list[int], np.ndarray]:
    scan = table.scan_slices()
    counts = [table.slice_row_count(s) for s in scan]
    return scan, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def _target_arrow(table: Any) -> pa.Table:
    from warehouse.vector import concat_vectors, vector_to_arrow

    d = table.definition
    scan, offsets = _scan_positions(table)
    batches = [_slice_batch(table, s) for s in scan]
    arrays = [vector_to_arrow(concat_vectors([b.columns[i] for b in batches])) for i in range(len(d.columns))]
    arrays.append(pa.array(np.arange(int(offsets[-1]), dtype=np.int64)))
    return pa.table(arrays, names=[*d.column_names, _ROW])


def _joined_rows(
    session: "Session",
    table: Any,
    target: exp.Table,
    items: list[exp.Expression],
    where: exp.Where | None,
    values: list[exp.Expression],
    params: list[Any],
    types: list[Any] | None = None,
) -> _Matched:
    """The target rows for which ``target JOIN items WHERE ...`` has a match (first match's
    ``values`` for UPDATE, cast for assignment to ``types``)."""
    from warehouse.plan.logical import ArrowScan

    d = table.definition
    if table.row_count == 0:
        return _Matched(np.zeros(0, np.int64), None, None)
    arrow = _target_arrow(table)
    fields = [Field(c.name, c.type) for c in d.columns] + [Field(_ROW, T.BIGINT)]
    node = target.copy()
    def item(e: exp.Expression, name: str) -> exp.Alias:
        return exp.Alias(this=e.copy(), alias=exp.to_identifier(name, quoted=True))

    select_items = [item(exp.column(exp.to_identifier(_ROW, quoted=True)), "__row")]
    select_items += [item(v, f"__v{i}") for i, v in enumerate(values)]
    select = exp.Select(expressions=select_items)
    select.set("from_", exp.From(this=node))
    select.set("joins", _from_joins(items))
    if where is not None:
        select.set("where", exp.Where(this=where.this.copy()))
    binder = session.binder("", params)
    plain = binder._bind_table

    def bind_table(item: exp.Table) -> tuple[Any, str]:
        if item is node:
            return ArrowScan(arrow, fields, d.name), d.name
        return plain(item)

    binder._bind_table = bind_table  # type: ignore[method-assign]
    block = binder.bind_query(select)
    if block.correlations:
        msg = "internal: correlated references at the top level"
        raise NotSupportedError(msg)
    plan = block.plan
    if types is not None:
        exprs: list[Expr] = [ColumnRef(0, T.BIGINT, "__row")]
        for i, t in enumerate(types):
            f = plan.fields[i + 1]
            exprs.append(assignment_cast(ColumnRef(i + 1, f.type, f.name), t))
        plan = Project(plan, exprs, [Field("__row", T.BIGINT)] + [Field(f"__v{i}", t) for i, t in enumerate(types)])
    result = session.run_plan(plan)
    positions = result.column(0).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    rows, first = np.unique(positions, return_index=True)
    if not values:
        return _Matched(rows, None, arrow)
    # several matches for one target row: Redshift updates it once, with any of them
    return _Matched(rows, result.take(pa.array(first)), arrow)


def _masks(table: Any, rows: np.ndarray) -> list[np.ndarray]:
    """Per-slice delete masks for positions in the scan-slice concatenation."""
    scan, offsets = _scan_positions(table)
    chosen = np.zeros(int(offsets[-1]), np.bool_)
    chosen[rows] = True
    masks = [np.zeros(table.slice_row_count(s), np.bool_) for s in range(table.nslices)]
    for j, s in enumerate(scan):
        masks[s] = chosen[offsets[j] : offsets[j + 1]]
    if len(scan) == 1 and table.nslices > 1:
        # DISTSTYLE ALL: every node's copy holds the same rows in the same order
        for s in range(table.nslices):
            n = table.slice_row_count(s)
            if s != scan[0] and n:
                if n != len(masks[scan[0]]):
                    msg = "internal: DISTSTYLE ALL copies differ in row count"
                    raise NotSupportedError(msg)
                masks[s] = masks[scan[0]]
    return masks


def _assignment(d: TableDef, assignment: exp.Expression) -> tuple[int, Any, exp.Expression]:
    """``col = value`` of a SET list: the column's position and definition, and the value."""
    name = assignment.this.name.lower()
    if name not in d.column_names:
        msg = f'column "{name}" of relation "{d.name}" does not exist'
        raise BinderError(msg, sqlstate="42703")
    i = d.column_names.index(name)
    return i, d.columns[i], assignment.expression


def _update_from(session: "Session", ast: exp.Update, table: Any, items: list[exp.Expression], params: list[Any]) -> Result:
    from warehouse.sql.parse import parse_one

    d = table.definition
    sets: dict[int, exp.Expression] = {}
    for assignment in ast.expressions:
        i, col, value = _assignment(d, assignment)
        if _is_default(value):
            sets[i] = exp.Null() if col.default_sql is None else parse_one(f"SELECT {col.default_sql}").expressions[0]
        else:
            _no_aggregates(value, "UPDATE")
            sets[i] = value
    where = ast.args.get("where")
    _no_aggregates(where.this if where is not None else None, "UPDATE")
    order = sorted(sets)
    matched = _joined_rows(
        session, table, ast.this, items, where, [sets[i] for i in order], params, [d.columns[i].type for i in order]
    )
    rows = len(matched.rows)
    if rows:
        txn = session.writer()
        txn.delete_rows(d.schema, d.name, _masks(table, matched.rows))
        old = matched.target.take(pa.array(matched.rows))
        columns = []
        for i, c in enumerate(d.columns):
            source = matched.values.column(1 + order.index(i)) if i in sets else old.column(i)
            columns.append(vector_from_arrow(source, c.type))
        txn.append(d.schema, d.name, columns)
    return Result(status=f"UPDATE {rows}", rowcount=rows)
