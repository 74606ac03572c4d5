"""The binder: a parsed query (sqlglot AST) -> a logical plan, names and types resolved.

One ``Binder`` binds one statement against one catalog snapshot.  A query block
(``SELECT ... FROM ... WHERE ... GROUP BY ... HAVING ... ORDER BY ... LIMIT``) is bound
in the order the SQL standard evaluates it: FROM and WHERE become one join pool
(``plan.joins``), then aggregation, HAVING, window functions, the select list, DISTINCT,
ORDER BY and LIMIT.  Subqueries are decorrelated here (``plan.subqueries``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pyarrow as pa
from sqlglot import exp

from warehouse import types as T
from warehouse.errors import BinderError, CatalogError, NotSupportedError
from warehouse.functions import registry
from warehouse.plan import subqueries
from warehouse.plan.bind_expr import AGGREGATES, WINDOW_ONLY, ExprBinder, ExprContext, position_of, type_from_ast
from warehouse.plan.expressions import Call, ColumnRef, Expr, Literal, column_indexes, remap_columns, split_conjuncts, transform
from warehouse.optimizer.factor_or import factor_or
from warehouse.plan.joins import Rel, SubqueryJoin, build_pool, estimate, join_rels
from warehouse.plan.logical import (
    Aggregate,
    AggregateCall,
    ArrowScan,
    Field,
    Filter,
    Join,
    Limit,
    Plan,
    Project,
    Scan,
    SetOp,
    Sort,
    SortKey,
    Values,
    Window,
    WindowCall,
)
from warehouse.plan.scope import ADDED_BASE, OUTER_BASE, Entry, Scope, is_outer


@dataclass
class Block:
    """A bound query block: its plan, plus correlation predicates when it is a subquery.

    ``correlations`` are over a combined space: j < OUTER_BASE is output column j of
    ``plan``; OUTER_BASE + g is column g of the enclosing block's FROM space.
    ``aggregated`` tells whether the block computed aggregates without GROUP BY (a scalar
    aggregate subquery), which decorrelation handles by grouping on the correlation keys.
    """

    plan: Plan
    correlations: list[Expr] = field(default_factory=list)
    nvisible: int = 0


class Binder:
    """Binds statements against one catalog snapshot."""

    def __init__(
        self,
        catalog: Any,
        *,
        params: list[Any] | None = None,
        run_plan: Callable[[Plan], pa.Table] | None = None,
        system_view: Callable[[str], pa.Table | None] | None = None,
        sql: str = "",
        default_schema: str = "public",
    ) -> None:
        self.catalog = catalog
        self.params = params or []
        self.run_plan = run_plan
        self.system_view = system_view
        self.sql = sql
        self.default_schema = default_schema
        self.ctes: list[dict[str, tuple[exp.Expression, list[str]]]] = []
        self.view_depth = 0
        self.volatile = False  # True when the plan depends on data (cannot be cached)

    # =========================================================================== queries
    def bind_query(self, node: exp.Expression, parent: Scope | None = None) -> Block:
        """Any query expression: SELECT, set operation, VALUES, parenthesised query."""
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is not None:
            self.ctes.append(self._cte_map(with_))
            try:
                return self._bind_query_inner(node, parent)
            finally:
                self.ctes.pop()
        return self._bind_query_inner(node, parent)

    def _bind_query_inner(self, node: exp.Expression, parent: Scope | None) -> Block:
        if isinstance(node, exp.Subquery):
            block = self.bind_query(node.this, parent)
            return self._order_limit(node, block)
        if isinstance(node, exp.Select):
            return self._bind_select(node, parent)
        if isinstance(node, (exp.Union, exp.Intersect, exp.Except)):
            return self._bind_setop(node, parent)
        if isinstance(node, exp.Values):
            return Block(self._bind_values(node))
        msg = f"statement {node.key.upper()} is not a query"
        raise NotSupportedError(msg)

    def _cte_map(self, with_: exp.With) -> dict[str, tuple[exp.Expression, list[str]]]:
        if with_.args.get("recursive"):
            msg = "WITH RECURSIVE is not supported"
            raise NotSupportedError(msg)
        out: dict[str, tuple[exp.Expression, list[str]]] = {}
        for cte in with_.expressions:
            alias = cte.args["alias"]
            names = [c.name.lower() for c in alias.columns] if alias.columns else []
            out[alias.name.lower()] = (cte.this, names)
        return out

    def _bind_setop(self, node: exp.Expression, parent: Scope | None) -> Block:
        left = self.bind_query(node.this, parent)
        right = self.bind_query(node.expression, parent)
        if left.correlations or right.correlations:
            msg = "correlated set operations are not supported"
            raise NotSupportedError(msg)
        lf, rf = left.plan.fields, right.plan.fields
        if len(lf) != len(rf):
            kind = node.key.upper()
            msg = f"each {kind} query must have the same number of columns"
            raise BinderError(msg, sqlstate="42601", position=position_of(node))
        types = [registry.common_supertype([a.type, b.type]) for a, b in zip(lf, rf)]
        lp = _cast_outputs(left.plan, types)
        rp = _cast_outputs(right.plan, types)
        kind = {"union": "union", "intersect": "intersect", "except": "except"}[node.key]
        distinct = node.args.get("distinct")
        fields = [Field(f.name, t) for f, t in zip(lf, types)]
        plan: Plan = SetOp(kind, not distinct, lp, rp, fields)
        return self._order_limit(node, Block(plan))

    def _bind_values(self, node: exp.Values) -> Plan:
        binder = ExprBinder(Scope(), self._ctx())
        rows = [[binder.bind(v) for v in tup.expressions] for tup in node.expressions]
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            msg = "VALUES lists must all be the same length"
            raise BinderError(msg, sqlstate="42601")
        types = [registry.common_supertype([r[i].type for r in rows]) for i in range(width)]
        rows = [[_coerce(e, t) for e, t in zip(r, types)] for r in rows]
        alias = node.args.get("alias")
        names = [c.name.lower() for c in alias.columns] if alias is not None and alias.columns else [f"column{i + 1}" for i in range(width)]
        return Values(rows, [Field(n, t) for n, t in zip(names, types)])

    def _ctx(self, **hooks: Any) -> ExprContext:
        return ExprContext(params=self.params, sql=self.sql, **hooks)

    # ===================================================================== SELECT blocks
    def _bind_select(self, node: exp.Select, parent: Scope | None) -> Block:
        scope = Scope(parent=parent)
        rels, conjuncts, outer_join_done = self._bind_from(node, scope)
        state = _BlockState(self, scope)
        where = node.args.get("where")
        if where is not None:
            for c in _ast_conjuncts(where.this):
                state.add_where(c)
        conjuncts = factor_or(conjuncts + state.conjuncts, _relation_lookup(rels))
        local = [c for c in conjuncts if not any(is_outer(i) for i in column_indexes(c))]
        correlated = [c for c in conjuncts if any(is_outer(i) for i in column_indexes(c))]
        if rels:
            rel, rest, waiting = build_pool(rels, local, state.subquery_joins, self._ndv(rels, local))
            if rest or waiting:
                msg = "internal: predicates left unplaced"
                raise NotSupportedError(msg)
        else:
            rel = Rel(Values([[]], []), [], 1.0)
            rel, rest, waiting = build_pool([rel], local, state.subquery_joins)
        return state.finish_select(node, rel, correlated)

    def _ndv(self, rels: list[Rel], conjuncts: list[Expr]) -> dict[int, float]:
        """Distinct-value estimates of the key columns of stored tables (from zone maps)."""
        from warehouse.plan.joins import column_ndv

        out: dict[int, float] = {}
        keys = _equi_key_columns(conjuncts)
        for r in rels:
            plan = r.plan
            if isinstance(plan, Scan) and len(rels) > 1:
                for g, name, f in zip(r.cols, plan.columns, plan.fields):
                    if f.type.is_integer and g in keys:
                        out[g] = column_ndv(plan.table, name)
        return out

    # ----- FROM ----------------------------------------------------------------------
    def _bind_from(self, node: exp.Select, scope: Scope) -> tuple[list[Rel], list[Expr], bool]:
        """Relations of the FROM clause (outer joins already applied) and ON conjuncts."""
        from_ = node.args.get("from_") or node.args.get("from")
        rels: list[Rel] = []
        conjuncts: list[Expr] = []
        if from_ is None:
            return rels, conjuncts, False
        items = [from_.this, *from_.expressions]
        for item in items:
            rels.append(self._bind_from_item(item, scope))
        outer = False
        for join in node.args.get("joins") or []:
            side = (join.args.get("side") or "").upper()
            kind = (join.args.get("kind") or "").upper()
            right = self._bind_from_item(join.this, scope)
            on = join.args.get("on")
            using = join.args.get("using")
            on_conj: list[Expr] = []
            if using:
                on_conj = self._using_conjuncts(using, scope, rels, right)
            elif on is not None:
                binder = ExprBinder(scope, self._ctx())
                on_conj = [binder.bind(c) for c in _ast_conjuncts(on)]
            if side in ("LEFT", "RIGHT", "FULL"):
                outer = True
                pool, rest, _ = build_pool(rels, conjuncts, [])
                conjuncts = rest
                rels = [self._outer_join(pool, right, on_conj, side)]
            elif kind in ("SEMI", "ANTI"):
                msg = f"{kind} JOIN syntax is not supported; use EXISTS / NOT EXISTS"
                raise NotSupportedError(msg)
            else:
                rels.append(right)
                conjuncts.extend(on_conj)
        return rels, conjuncts, outer

    def _using_conjuncts(self, using: list[exp.Expression], scope: Scope, left: list[Rel], right: Rel) -> list[Expr]:
        out = []
        rcols = set(right.cols)
        for ident in using:
            name = ident.name.lower()
            hits = scope.find_local(name, None)
            lh = [h for h in hits if h not in rcols]
            rh = [h for h in hits if h in rcols]
            if not lh or not rh:
                msg = f'column "{name}" specified in USING clause does not exist in both tables'
                raise BinderError(msg, sqlstate="42703")
            a, b = scope.entries[lh[0]], scope.entries[rh[0]]
            out.append(registry.resolve_call("eq", [ColumnRef(lh[0], a.type, name), ColumnRef(rh[0], b.type, name)]))
        return out

    def _outer_join(self, left: Rel, right: Rel, on: list[Expr], side: str) -> Rel:
        lset, rset = set(left.cols), set(right.cols)
        keep: list[Expr] = []
        for c in on:
            refs = column_indexes(c)
            if side == "LEFT" and refs and refs <= rset:
                right = _push(right, c)
            elif side == "RIGHT" and refs and refs <= lset:
                left = _push(left, c)
            else:
                keep.append(c)
        rel, rest = join_rels(left, right, keep, kind={"LEFT": "left", "RIGHT": "right", "FULL": "full"}[side])
        if rest:
            msg = "JOIN ... ON condition refers to a table outside the join"
            raise BinderError(msg, sqlstate="42P01")
        if isinstance(rel.plan, Join) and rel.plan.kind == "cross":
            rel.plan.kind = {"LEFT": "left", "RIGHT": "right", "FULL": "full"}[side]
        return rel

    def _bind_from_item(self, item: exp.Expression, scope: Scope) -> Rel:
        alias_node = item.args.get("alias")
        alias = alias_node.name if alias_node is not None and alias_node.name else ""
        col_aliases = [c.name.lower() for c in alias_node.columns] if alias_node is not None and alias_node.columns else []
        if isinstance(item, exp.Table):
            plan, default_alias = self._bind_table(item)
        elif isinstance(item, exp.Subquery):
            block = self.bind_query(item.this, scope.parent)
            if block.correlations:
                msg = "correlated subqueries in FROM (LATERAL) are not supported"
                raise NotSupportedError(msg)
            plan = self._order_limit(item, block).plan if _has_order_limit(item) else block.plan
            default_alias = ""
        elif isinstance(item, exp.Values):
            plan = self._bind_values(item)
            default_alias = "*VALUES*"
        else:
            msg = f"FROM item {item.sql(dialect='redshift')!r} is not supported"
            raise NotSupportedError(msg)
        alias = (alias or default_alias).lower() if not (alias_node is not None and alias_node.this is not None and alias_node.this.quoted) else alias
        if col_aliases:
            if len(col_aliases) > len(plan.fields):
                msg = f'table "{alias}" has {len(plan.fields)} columns available but {len(col_aliases)} columns specified'
                raise BinderError(msg, sqlstate="42P10")
            new_fields = [Field(col_aliases[i] if i < len(col_aliases) else f.name, f.type) for i, f in enumerate(plan.fields)]
            plan = _rename(plan, new_fields)
        start = len(scope.entries)
        scope.extend([Entry(alias, f.name, f.type) for f in plan.fields])
        cols = list(range(start, start + len(plan.fields)))
        return Rel(plan, cols, estimate(plan))

    def _bind_table(self, item: exp.Table) -> tuple[Plan, str]:
        name = item.name if item.this.quoted else item.name.lower()
        schema = (item.db or "").lower() or None
        if schema is None:
            for ctes in reversed(self.ctes):
                if name in ctes:
                    ast, names = ctes[name]
                    saved = self.ctes
                    self.ctes = [c for c in saved[: saved.index(ctes)]] + [{k: v for k, v in ctes.items() if k != name}]
                    try:
                        block = self.bind_query(ast)
                    finally:
                        self.ctes = saved
                    plan = block.plan
                    if names:
                        plan = _rename(plan, [Field(names[i] if i < len(names) else f.name, f.type) for i, f in enumerate(plan.fields)])
                    return plan, name
        lookup_schema = schema or self.default_schema
        table = self.catalog.get_table(lookup_schema, name)
        if table is not None:
            fields = [Field(c.name, c.type) for c in table.definition.columns]
            return Scan(table, [c.name for c in table.definition.columns], fields, [], name), name
        view = self.catalog.views.get((lookup_schema, name))
        if view is not None:
            return self._bind_view(view), name
        if self.system_view is not None and schema in (None, "pg_catalog", "information_schema"):
            qualified = f"{schema}.{name}" if schema else name
            arrow = self.system_view(qualified)
            if arrow is not None:
                fields = [Field(f.name, T.from_arrow(f.type)) for f in arrow.schema]
                return ArrowScan(arrow, fields, qualified), name
        raise _unknown_relation(name, schema, self.catalog, item)

    def _bind_view(self, view: Any) -> Plan:
        from warehouse.sql.parse import parse_one

        if self.view_depth > 32:
            msg = f'view "{view.name}" refers to itself'
            raise BinderError(msg, sqlstate="42P17")
        self.view_depth += 1
        try:
            saved = self.ctes
            self.ctes = []
            block = self.bind_query(parse_one(view.sql))
        finally:
            self.ctes = saved
            self.view_depth -= 1
        plan = block.plan
        if view.column_names:
            plan = _rename(plan, [Field(n, f.type) for n, f in zip(view.column_names, plan.fields)])
        return plan

    # ----- ORDER BY / LIMIT on set operations and parenthesised queries ---------------------
    def _order_limit(self, node: exp.Expression, block: Block) -> Block:
        order = node.args.get("order")
        plan = block.plan
        if order is not None:
            keys = []
            names = [f.name for f in plan.fields]
            for o in order.expressions:
                idx = _output_position(o.this, names, plan.fields)
                if idx is None:
                    binder = ExprBinder(Scope([Entry("", f.name, f.type) for f in plan.fields]), self._ctx())
                    e = binder.bind(o.this)
                else:
                    e = ColumnRef(idx, plan.fields[idx].type, names[idx])
                keys.append(_sort_key(e, o))
            plan = Sort(plan, keys)
        plan = self._limit(node, plan)
        return Block(plan, block.correlations, block.nvisible)

    def _limit(self, node: exp.Expression, plan: Plan) -> Plan:
        limit = node.args.get("limit")
        offset = node.args.get("offset")
        if limit is None and offset is None:
            return plan
        n = self._const_int(limit.expression if limit is not None else None, "LIMIT")
        off = self._const_int(offset.expression if offset is not None else None, "OFFSET") or 0
        if isinstance(plan, Sort) and n is not None:
            plan.limit = n + off
        return Limit(plan, n, off)

    def _const_int(self, node: exp.Expression | None, what: str) -> int | None:
        if node is None:
            return None
        if isinstance(node, exp.Null) or (isinstance(node, exp.Var) and node.name.upper() == "ALL"):
            return None
        e = ExprBinder(Scope(), self._ctx()).bind(node)
        if not isinstance(e, Literal) or not isinstance(e.value, int):
            msg = f"argument of {what} must be an integer constant"
            raise BinderError(msg, sqlstate="42601")
        if e.value < 0:
            msg = f"{what} must not be negative"
            raise BinderError(msg, sqlstate="2201W")
        return int(e.value)

    # ----- subqueries ---------------------------------------------------------------------
    def run_scalar(self, plan: Plan) -> pa.Table:
        if self.run_plan is None:
            msg = "subqueries cannot run here"
            raise NotSupportedError(msg)
        self.volatile = True
        return self.run_plan(plan)


def _equi_key_columns(conjuncts: list[Expr]) -> set[int]:
    """Columns compared by equality with another column (join keys)."""
    out: set[int] = set()
    for c in conjuncts:
        if isinstance(c, Call) and c.fn == "eq":
            a, b = c.args
            if isinstance(a, ColumnRef) and isinstance(b, ColumnRef):
                out |= {a.index, b.index}
    return out


def _relation_lookup(rels: list[Rel]) -> Callable[[int], int | None]:
    owner = {g: i for i, r in enumerate(rels) for g in r.cols}
    return owner.get


class _BlockState:
    """What binding one SELECT block collects: conjuncts, subquery joins, aggregates."""

    def __init__(self, binder: Binder, scope: Scope) -> None:
        self.binder = binder
        self.scope = scope
        self.conjuncts: list[Expr] = []
        self.subquery_joins: list[SubqueryJoin] = []
        self.aggs: list[AggregateCall] = []
        self.windows: list[WindowCall] = []
        self.next_global = ADDED_BASE  # columns that subquery joins add
        self.late_joins_allowed = False

    # ----- WHERE --------------------------------------------------------------------------
    def add_where(self, node: exp.Expression) -> None:
        if subqueries.top_level(self, node):
            return
        binder = ExprBinder(self.scope, self.binder._ctx(on_subquery=self.on_subquery))
        self.conjuncts.append(binder.bind(node))

    def on_subquery(self, node: exp.Expression, kind: str, eb: ExprBinder) -> Expr:
        return subqueries.bind_subquery(self, node, kind, eb)

    def new_global(self) -> int:
        self.next_global += 1
        return self.next_global

    # ----- the rest of the block --------------------------------------------------------------
    def finish_select(self, node: exp.Select, rel: Rel, correlated: list[Expr]) -> Block:
        binder = self.binder
        from_pos = rel.position()
        items = self._select_items(node, rel)
        group_node = node.args.get("group")
        having = node.args.get("having")
        order = node.args.get("order")
        ctx = binder._ctx(on_aggregate=self.on_aggregate, on_window=self.on_window, on_subquery=self.on_subquery_late)
        eb = ExprBinder(self.scope, ctx)
        applied = len(self.subquery_joins)
        self.late_joins_allowed = True
        select_exprs = [eb.bind(e) for _, e in items]
        self.late_joins_allowed = False
        names = [n for n, _ in items]
        late = self.subquery_joins[applied:]
        if late:
            # correlated scalar subqueries of the select list: LEFT JOINs onto the finished pool
            if self.aggs or group_node is not None:
                msg = "correlated subqueries in the select list of an aggregate query are not supported"
                raise NotSupportedError(msg)
            from warehouse.plan.joins import apply_subquery_join

            for sj in late:
                rel = apply_subquery_join(rel, sj)
            from_pos = rel.position()
        having_expr = eb.bind(having.this) if having is not None else None
        group_exprs: list[Expr] = []
        if group_node is not None:
            for g in group_node.expressions:
                group_exprs.append(self._group_expr(g, items, select_exprs))
            if group_node.args.get("rollup") or group_node.args.get("cube") or group_node.args.get("grouping_sets"):
                msg = "GROUP BY ROLLUP/CUBE/GROUPING SETS is not supported yet"
                raise NotSupportedError(msg)
        # ORDER BY items that are not select items are bound now, in the same context
        order_specs: list[tuple[int | None, Expr | None, exp.Ordered]] = []
        if order is not None:
            for o in order.expressions:
                idx = _output_position(o.this, names, None, select_items=items)
                if idx is not None:
                    order_specs.append((idx, None, o))
                else:
                    order_specs.append((None, eb.bind(o.this), o))
        # a correlated aggregate subquery groups by its correlation keys (decorrelation)
        corr_groups, corr_out = subqueries.split_correlations(correlated, bool(self.aggs) or group_node is not None, len(select_exprs))
        if corr_groups and group_node is not None:
            msg = "correlated subqueries with GROUP BY are not supported"
            raise NotSupportedError(msg)
        group_exprs = group_exprs + corr_groups
        # map everything from the block's global space onto the relation's columns
        plan = rel.plan

        def to_rel(e: Expr) -> Expr:
            return remap_columns(e, _GlobalMap(from_pos))

        aggregating = bool(self.aggs) or group_node is not None
        extra: list[Expr] = []
        if aggregating:
            groups_rel = [to_rel(g) for g in group_exprs]
            aggs_rel = [AggregateCall(a.fn, to_rel(a.arg) if a.arg is not None else None, a.distinct, a.type, a.extra) for a in self.aggs]
            fields = [Field(_expr_name(g), g.type) for g in groups_rel] + [Field(a.fn, a.type) for a in aggs_rel]
            plan = Aggregate(plan, groups_rel, aggs_rel, fields)
            post = _PostAgg(group_exprs, len(group_exprs))
            select_exprs = [post.map(e) for e in select_exprs]
            extra = [post.map(g) for g in corr_groups]
            if having_expr is not None:
                plan = Filter(plan, post.map(having_expr))
            order_specs = [(i, post.map(e) if e is not None else None, o) for i, e, o in order_specs]
            windows = [post.map_window(w) for w in self.windows]
        else:
            if having_expr is not None:
                plan = Filter(plan, to_rel(having_expr))
            select_exprs = [to_rel(e) for e in select_exprs]
            order_specs = [(i, to_rel(e) if e is not None else None, o) for i, e, o in order_specs]
            windows = [_map_window(w, to_rel) for w in self.windows]
            if correlated:
                extra, corr_out = subqueries.local_outputs(correlated, len(select_exprs), to_rel)
        if windows:
            base = len(plan.fields)
            wfields = [Field(w.fn, w.type) for w in windows]
            plan = Window(plan, windows, list(plan.fields) + wfields)
            select_exprs = [_map_windows(e, base) for e in select_exprs]
            order_specs = [(i, _map_windows(e, base) if e is not None else None, o) for i, e, o in order_specs]
        hidden = [e for i, e, _ in order_specs if i is None]
        distinct = node.args.get("distinct") is not None
        if distinct and hidden:
            msg = "for SELECT DISTINCT, ORDER BY expressions must appear in select list"
            raise BinderError(msg, sqlstate="42P10")
        all_exprs = select_exprs + extra + hidden
        out_fields = [Field(n, e.type) for n, e in zip(names, select_exprs)]
        out_fields += [Field(f"?corr{i}", e.type) for i, e in enumerate(extra)]
        out_fields += [Field(f"?order{i}", e.type) for i, e in enumerate(hidden)]
        plan = Project(plan, all_exprs, out_fields)
        if distinct:
            if node.args["distinct"].args.get("on"):
                msg = "SELECT DISTINCT ON is not supported"
                raise NotSupportedError(msg)
            n = len(all_exprs)
            plan = Aggregate(plan, [ColumnRef(i, f.type, f.name) for i, f in enumerate(out_fields)], [], out_fields)
            assert n == len(out_fields)
        if order_specs:
            keys = []
            h = 0
            for i, e, o in order_specs:
                if i is not None:
                    keys.append(_sort_key(ColumnRef(i, out_fields[i].type, out_fields[i].name), o))
                else:
                    pos = len(select_exprs) + len(extra) + h
                    h += 1
                    keys.append(_sort_key(ColumnRef(pos, out_fields[pos].type), o))
            plan = Sort(plan, keys)
        plan = binder._limit(node, plan)
        if hidden:
            keep = len(select_exprs) + len(extra)
            plan = Project(plan, [ColumnRef(i, f.type, f.name) for i, f in enumerate(out_fields[:keep])], out_fields[:keep])
        return Block(plan, corr_out, len(select_exprs))

    def _select_items(self, node: exp.Select, rel: Rel) -> list[tuple[str, exp.Expression]]:
        items: list[tuple[str, exp.Expression]] = []
        for e in node.expressions:
            if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
                qualifier = e.table.lower() if isinstance(e, exp.Column) and e.table else None
                found = False
                for i, entry in enumerate(self.scope.entries):
                    if qualifier is None or entry.qualifier == qualifier:
                        items.append((entry.name, _IndexRef(i)))
                        found = True
                if qualifier is not None and not found:
                    msg = f'missing FROM-clause entry for table "{qualifier}"'
                    raise BinderError(msg, sqlstate="42P01")
                continue
            if isinstance(e, exp.Alias):
                items.append((e.alias if e.args["alias"].quoted else e.alias.lower(), e.this))
            else:
                items.append((_default_name(e), e))
        return items

    def _group_expr(self, g: exp.Expression, items: list[tuple[str, exp.Expression]], select_exprs: list[Expr]) -> Expr:
        if isinstance(g, exp.Literal) and not g.is_string:
            k = int(g.this)
            if not 1 <= k <= len(items):
                msg = f"GROUP BY position {k} is not in select list"
                raise BinderError(msg, sqlstate="42P10", position=position_of(g))
            e = select_exprs[k - 1]
            if _contains_marker(e, "$agg"):
                msg = f"aggregate functions are not allowed in GROUP BY (position {k})"
                raise BinderError(msg, sqlstate="42803")
            return e
        if isinstance(g, exp.Column) and not g.table:
            name = g.name.lower()
            if not self.scope.find_local(name, None):
                for (n, _), e in zip(items, select_exprs):
                    if n == name:
                        return e
        eb = ExprBinder(self.scope, self.binder._ctx())
        return eb.bind(g)

    # ----- aggregates and windows (hooks) ---------------------------------------------------
    def on_aggregate(self, node: exp.Expression, eb: ExprBinder) -> Expr:
        fn, arg_node, distinct, extra = _aggregate_parts(node)
        inner = ExprBinder(self.scope, self.binder._ctx(on_subquery=self.on_subquery_late))
        arg = inner.bind(arg_node) if arg_node is not None else None
        if arg is not None and _contains_marker(arg, "$agg"):
            msg = "aggregate function calls cannot be nested"
            raise BinderError(msg, sqlstate="42803", position=position_of(node))
        if fn == "count" and arg is None:
            fn = "count_star"
        rtype = registry.aggregate_result_type(fn if fn != "count_star" else "count", arg.type if arg is not None else None, distinct)
        call = AggregateCall(fn, arg, distinct, rtype, extra)
        if call in self.aggs:
            k = self.aggs.index(call)
        else:
            self.aggs.append(call)
            k = len(self.aggs) - 1
        return Call("$agg", (Literal(k, T.INTEGER),), rtype)

    def on_window(self, node: exp.Window, eb: ExprBinder) -> Expr:
        from warehouse.plan.windows import bind_window

        call = bind_window(self, node, eb)
        self.windows.append(call)
        return Call("$win", (Literal(len(self.windows) - 1, T.INTEGER),), call.type)

    def on_subquery_late(self, node: exp.Expression, kind: str, eb: ExprBinder) -> Expr:
        """Subqueries in the select list (scalar ones may be correlated), HAVING or ORDER BY."""
        if kind == "scalar" and self.late_joins_allowed:
            return subqueries.bind_subquery(self, node, kind, eb)
        return subqueries.bind_uncorrelated(self, node, kind, eb)

# ============================================================================= helpers
class _IndexRef(exp.Expression):
    """A select item produced by * expansion: column ``index`` of the block scope."""

    arg_types = {"this": True}

    def __init__(self, index: int) -> None:
        super().__init__(this=exp.Literal.number(index))
        self.index = index


def _bind_indexref(self: ExprBinder, node: _IndexRef) -> Expr:
    entry = self.scope.entries[node.index]
    return ColumnRef(node.index, entry.type, entry.name)


ExprBinder._bind__indexref = _bind_indexref  # type: ignore[attr-defined]


class _GlobalMap(dict):
    """Global column -> relation position; leaves OUTER refs and markers alone."""

    def __init__(self, pos: dict[int, int]) -> None:
        super().__init__(pos)

    def __missing__(self, key: int) -> int:
        if is_outer(key):
            return key
        msg = f"internal: column {key} is not available here"
        raise BinderError(msg, sqlstate="XX000")


def _contains_marker(e: Expr, name: str) -> bool:
    from warehouse.plan.expressions import walk

    return any(isinstance(x, Call) and x.fn == name for x in walk(e))


class _PostAgg:
    """Maps expressions bound over the FROM space onto an Aggregate's output."""

    def __init__(self, groups: list[Expr], ngroups: int) -> None:
        self.groups = groups
        self.ngroups = ngroups

    def map(self, e: Expr) -> Expr:
        for i, g in enumerate(self.groups):
            if e == g:
                return ColumnRef(i, g.type, _expr_name(g))
        if isinstance(e, Call) and e.fn == "$agg":
            k = e.args[0].value
            return ColumnRef(self.ngroups + k, e.type)
        if isinstance(e, Call) and e.fn == "$win":
            return e
        if isinstance(e, ColumnRef):
            if is_outer(e.index):
                msg = "correlated references in the select list of an aggregate subquery are not supported"
                raise NotSupportedError(msg)
            msg = f'column "{e.name}" must appear in the GROUP BY clause or be used in an aggregate function'
            raise BinderError(msg, sqlstate="42803")
        kids = e.children()
        if not kids:
            return e
        return e.replace_children(tuple(self.map(k) for k in kids))

    def map_window(self, w: WindowCall) -> WindowCall:
        return _map_window(w, self.map)


def _map_window(w: WindowCall, fn: Callable[[Expr], Expr]) -> WindowCall:
    return WindowCall(
        w.fn,
        tuple(fn(a) for a in w.args),
        tuple(fn(p) for p in w.partition),
        tuple(SortKey(fn(k.expr), k.descending, k.nulls_first) for k in w.order),
        w.frame,
        w.type,
    )


def _map_windows(e: Expr, base: int) -> Expr:
    def fn(x: Expr) -> Expr | None:
        if isinstance(x, Call) and x.fn == "$win":
            return ColumnRef(base + x.args[0].value, x.type)
        return None

    return transform(e, fn)


def _aggregate_parts(node: exp.Expression) -> tuple[str, exp.Expression | None, bool, tuple[Any, ...]]:
    if isinstance(node, exp.Anonymous):
        fn = node.name.lower()
        args = node.expressions
        return fn, args[0] if args else None, False, ()
    if isinstance(node, exp.WithinGroup):
        # LISTAGG(x, sep) WITHIN GROUP (ORDER BY k1, k2...): the argument becomes
        # $listagg_order(x, k1, k2...) so that the keys travel (and are remapped) with it;
        # the directions go in extra as (sep, ((descending, nulls_first), ...))
        fn, arg, distinct, extra = _aggregate_parts(node.this)
        order = node.expression
        ordered = list(order.expressions) if isinstance(order, exp.Order) else []
        if arg is None or not ordered:
            return fn, arg, distinct, extra
        keys = [_sort_key(None, o) for o in ordered]  # type: ignore[arg-type]
        arg = exp.Anonymous(this="$listagg_order", expressions=[arg.copy(), *(o.this.copy() for o in ordered)])
        return fn, arg, distinct, (*extra, tuple((k.descending, k.nulls_first) for k in keys))
    fn = AGGREGATES[type(node)]
    arg = node.this
    distinct = False
    extra: tuple[Any, ...] = ()
    if isinstance(arg, exp.Distinct):
        distinct = True
        if isinstance(node, exp.GroupConcat) and len(arg.expressions) > 1 and node.args.get("separator") is None:
            # LISTAGG(DISTINCT x, sep): sqlglot keeps the separator inside the DISTINCT
            extra = (arg.expressions[1].name,)
        arg = arg.expressions[0] if arg.expressions else None
    if isinstance(arg, exp.Star):
        arg = None
    if isinstance(node, exp.ApproxDistinct):
        fn = "count"
        distinct = True
    if isinstance(node, exp.GroupConcat) and not extra:
        sep = node.args.get("separator")
        extra = (sep.name if sep is not None else "",)
    return fn, arg, distinct, extra


def _ast_conjuncts(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.And):
        return _ast_conjuncts(node.this) + _ast_conjuncts(node.expression)
    if isinstance(node, exp.Paren) and isinstance(node.this, exp.And):
        return _ast_conjuncts(node.this)
    return [node]


def _default_name(e: exp.Expression) -> str:
    """The column name PostgreSQL gives an unaliased select item."""
    if isinstance(e, exp.Column):
        return e.name if e.this.quoted else e.name.lower()
    if isinstance(e, exp.Cast):
        return _default_name(e.this) if isinstance(e.this, exp.Column) else _type_name(e)
    if isinstance(e, exp.Window):
        return _default_name(e.this)
    if isinstance(e, exp.Paren):
        return _default_name(e.this)
    if type(e) in AGGREGATES:
        return {"approximate_count_distinct": "count"}.get(AGGREGATES[type(e)], AGGREGATES[type(e)]).split("_")[0] if AGGREGATES[type(e)] in ("stddev_samp", "var_samp") else AGGREGATES[type(e)]
    if type(e) in WINDOW_ONLY:
        return WINDOW_ONLY[type(e)]
    if isinstance(e, exp.Anonymous):
        return e.name.lower()
    if isinstance(e, exp.Extract):
        return "date_part"
    if isinstance(e, exp.Case):
        return "case"
    if isinstance(e, exp.Func):
        return e.sql_name().lower()
    return "?column?"


def _type_name(e: exp.Cast) -> str:
    return e.args["to"].this.name.lower()


def _expr_name(e: Expr) -> str:
    return e.name if isinstance(e, ColumnRef) and e.name else "?column?"


def _output_position(node: exp.Expression, names: list[str], fields: Any, select_items: Any = None) -> int | None:
    """ORDER BY 2 / ORDER BY alias -> the output position, else None."""
    if isinstance(node, exp.Literal) and not node.is_string:
        k = int(node.this)
        if not 1 <= k <= len(names):
            msg = f"ORDER BY position {k} is not in select list"
            raise BinderError(msg, sqlstate="42P10", position=position_of(node))
        return k - 1
    if isinstance(node, exp.Column) and not node.table:
        name = node.name if node.this.quoted else node.name.lower()
        hits = [i for i, n in enumerate(names) if n == name]
        if select_items is not None:
            # an alias wins over a FROM column of the same name only when it is not a plain column
            if hits:
                return hits[0]
            return None
        if hits:
            return hits[0]
    if select_items is not None:
        for i, (_, item) in enumerate(select_items):
            if not isinstance(item, _IndexRef) and item == node:
                return i
    return None


def _sort_key(e: Expr, o: exp.Ordered) -> SortKey:
    desc = bool(o.args.get("desc"))
    nulls_first = o.args.get("nulls_first")
    if nulls_first is None:
        nulls_first = desc
    explicit = o.args.get("nulls_first")
    # sqlglot records nulls_first=False for "ASC" without NULLS; PostgreSQL default: nulls last for ASC, first for DESC
    sql = o.sql(dialect="postgres").upper()
    if "NULLS FIRST" in sql:
        nf = True
    elif "NULLS LAST" in sql:
        nf = False
    else:
        nf = desc
    del explicit
    return SortKey(e, desc, nf)


def _has_order_limit(item: exp.Subquery) -> bool:
    return any(item.args.get(k) is not None for k in ("order", "limit", "offset"))


def _rename(plan: Plan, fields: list[Field]) -> Plan:
    exprs = [ColumnRef(i, f.type, f.name) for i, f in enumerate(plan.fields)]
    return Project(plan, exprs, fields)


def _cast_outputs(plan: Plan, types: list[T.SqlType]) -> Plan:
    if all(f.type == t for f, t in zip(plan.fields, types)):
        return plan
    exprs = [_coerce(ColumnRef(i, f.type, f.name), t) for i, (f, t) in enumerate(zip(plan.fields, types))]
    return Project(plan, exprs, [Field(f.name, t) for f, t in zip(plan.fields, types)])


def _coerce(e: Expr, t: T.SqlType) -> Expr:
    if e.type == t:
        return e
    return registry.resolve_cast(e, t)


def _push(rel: Rel, c: Expr) -> Rel:
    from warehouse.plan.joins import add_filter

    return add_filter(rel, c)


def _unknown_relation(name: str, schema: str | None, catalog: Any, node: exp.Expression) -> CatalogError:
    import difflib

    shown = f"{schema}.{name}" if schema else name
    msg = f'relation "{shown}" does not exist'
    names = [n for (_, n) in catalog.tables] + [n for (_, n) in catalog.views]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = None
    if close:
        msg += f'; did you mean "{close[0]}"?'
    return CatalogError(msg, sqlstate="42P01", position=position_of(node), hint=hint)


__all__ = ["Binder", "Block", "type_from_ast", "split_conjuncts", "Limit", "Join"]
