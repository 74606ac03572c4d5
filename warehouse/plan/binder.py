"""The binder: a parsed query (sqlglot AST) -> a logical plan, names and types resolved.

One ``Binder`` binds one statement against one catalog snapshot.  A query block
(``SELECT ... FROM ... WHERE ... GROUP BY ... HAVING ... ORDER BY ... LIMIT``) is bound
in the order the SQL standard evaluates it: FROM and WHERE become one join pool
(``plan.joins``), then aggregation, HAVING, window functions, the select list, DISTINCT,
ORDER BY and LIMIT.  Subqueries are decorrelated here (``plan.subqueries``).
"""

from __future__ import annotations

from typing import Any, Callable

import pyarrow as pa
from sqlglot import exp

from warehouse import types as T
from warehouse.errors import BinderError, CatalogError, NotSupportedError
from warehouse.functions import registry
from warehouse.optimizer.factor_or import factor_or
from warehouse.plan.bind_expr import ExprBinder, ExprContext, position_of, type_from_ast
from warehouse.plan.expressions import Call, ColumnRef, Expr, Literal, column_indexes, split_conjuncts
from warehouse.plan.joins import Rel, build_pool, estimate, join_rels
from warehouse.plan.logical import ArrowScan, ExternalScan, Field, Filter, Join, Limit, Plan, Project, Scan, SetOp, Sort, Unnest, Values
from warehouse.plan.scope import Entry, Scope, is_outer
from warehouse.plan.select_block import Block, SelectBlock, _output_position, _sort_key


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
        check_privilege: Callable[[str, str, str], None] | None = None,
        session_function: Callable[[str, list[Expr]], Expr | None] | None = None,
    ) -> None:
        self.catalog = catalog
        self.session_function = session_function  # catalog.pg_functions: session-dependent functions
        self.check_privilege = check_privilege  # (schema, name, "SELECT"): raises 42501
        self.params = params or []
        self.run_plan = run_plan
        self.system_view = system_view
        self.sql = sql
        self.default_schema = default_schema
        self.ctes: list[dict[str, tuple[exp.Expression, list[str]]]] = []
        self.view_depth = 0
        self.volatile = False  # True when the plan depends on data (cannot be cached)
        self.unnest_inputs: dict[int, tuple[Plan, Rel]] = {}  # id(Unnest) -> (it, its input relation): WHERE pushdown
        # CTEs computed once per statement (``_plan_cte_reuse``): key -> their rows, None until run
        self.cte_reuse: dict[tuple[int, str], Plan | None] = {}

    # =========================================================================== queries
    def bind_query(self, node: exp.Expression, parent: Scope | None = None) -> Block:
        """Any query expression: SELECT, set operation, VALUES, parenthesised query."""
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is not None:
            self.ctes.append(self._cte_map(with_))
            self._plan_cte_reuse(node, self.ctes[-1])
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

    def _plan_cte_reuse(self, node: exp.Expression, ctes: dict[str, tuple[exp.Expression, list[str]]]) -> None:
        """Mark the CTEs to run once: referenced twice or more and aggregating (TPC-H Q15's
        ``revenue0``, read by the query and by its MAX subquery).  Their rows are computed
        at the first reference (like a scalar subquery, at bind time) and every reference
        reads them; other CTEs are inlined, so filters still push into their scans."""
        refs: dict[str, int] = {}
        for t in node.find_all(exp.Table):
            if not t.db and isinstance(t.this, exp.Identifier):
                refs[t.name.lower()] = refs.get(t.name.lower(), 0) + 1
        for name, (ast, _) in ctes.items():
            if refs.get(name, 0) >= 2 and self.run_plan is not None and (ast.find(exp.AggFunc) is not None or ast.args.get("group")):
                self.cte_reuse[(id(ctes), name)] = None

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
        return ExprContext(params=self.params, sql=self.sql, session_function=self.session_function, **hooks)

    # ===================================================================== SELECT blocks
    def _bind_select(self, node: exp.Select, parent: Scope | None) -> Block:
        scope = Scope(parent=parent)
        rels, conjuncts, outer_join_done = self._bind_from(node, scope)
        state = SelectBlock(self, scope)
        where = node.args.get("where")
        if where is not None:
            where = _lateral_aliases(where, node, scope)
            for c in _ast_conjuncts(where.this):
                state.add_where(c)
        conjuncts = factor_or(conjuncts + state.conjuncts, _relation_lookup(rels))
        local = [c for c in conjuncts if not any(is_outer(i) for i in column_indexes(c))]
        local = self._push_below_unnest(rels, local)
        correlated = [c for c in conjuncts if any(is_outer(i) for i in column_indexes(c))]
        if rels:
            rel, rest, waiting = build_pool(rels, local, state.subquery_joins, self._ndv(rels, local))
            if rest or waiting:
                msg = "internal: predicates left unplaced"
                raise NotSupportedError(msg)
        else:
            rel = Rel(Values([[]], []), [], 1.0)
            rel, rest, waiting = build_pool([rel], local, state.subquery_joins)
        return state.finish_select(_lateral_select_aliases(node, scope), rel, correlated)

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
            base = plan
            while isinstance(base, Filter):  # filters keep the scan's column layout
                base = base.child
            if isinstance(base, ExternalScan) and len(rels) > 1:
                from warehouse.exec.external_stats import external_column_ndv

                for g, name, f in zip(r.cols, base.columns, base.fields):
                    if f.type.is_integer and g in keys and (n := external_column_ndv(base, name)) is not None:
                        out[g] = n
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
            if _is_unnest(item, scope):
                rels, conjuncts = self._bind_unnest(item, scope, rels, conjuncts, outer=False)
            else:
                rels.append(self._bind_from_item(_from_item(item), scope))
        outer = False
        for join in node.args.get("joins") or []:
            side = (join.args.get("side") or "").upper()
            kind = (join.args.get("kind") or "").upper()
            on = join.args.get("on")
            using = join.args.get("using")
            if _is_unnest(join.this, scope):  # lateral: CROSS/LEFT JOIN UNNEST(...), FROM t, t.arr x
                rels, conjuncts = self._unnest_join(join, side, scope, rels, conjuncts)
                continue
            right = self._bind_from_item(_from_item(join.this), scope)
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

    # ----- UNNEST ----------------------------------------------------------------------
    def _unnest_join(self, join: exp.Join, side: str, scope: Scope, rels: list[Rel], conjuncts: list[Expr]) -> tuple[list[Rel], list[Expr]]:
        on = join.args.get("on")
        pos = position_of(join.this)
        if join.args.get("using"):
            msg = "JOIN UNNEST(...) USING is not supported; use ON TRUE"
            raise NotSupportedError(msg, position=pos)
        if side in ("RIGHT", "FULL"):
            msg = f"{side} JOIN UNNEST(...) is not supported (only CROSS, INNER and LEFT)"
            raise NotSupportedError(msg, position=pos)
        outer = side == "LEFT"
        if outer and on is not None and not (isinstance(on, exp.Boolean) and on.this is True):
            msg = "LEFT JOIN UNNEST(...) supports only ON TRUE; filter the elements in WHERE"
            raise NotSupportedError(msg, position=position_of(on))
        rels, conjuncts = self._bind_unnest(join.this, scope, rels, conjuncts, outer=outer)
        if on is not None and not outer:
            binder = ExprBinder(scope, self._ctx())
            for c in _ast_conjuncts(on):
                if not (isinstance(c, exp.Boolean) and c.this is True):
                    conjuncts.append(binder.bind(c))
        return rels, conjuncts

    def _bind_unnest(self, item: exp.Expression, scope: Scope, rels: list[Rel], conjuncts: list[Expr], *, outer: bool) -> tuple[list[Rel], list[Expr]]:
        """A FROM item that unnests nested values of the items before it: Presto's
        ``UNNEST(a [, b ...]) [WITH ORDINALITY] [AS] u(x, ...)`` or Redshift's PartiQL path
        ``t.arr [AS] x [AT i]``.  The relations it reads become the input of an ``Unnest``
        operator, which takes their place in the pool."""
        from warehouse.functions.nested import nested_kind
        from warehouse.plan.expressions import remap_columns
        from warehouse.plan.scope import ADDED_BASE

        pos = position_of(item)
        spec = _unnest_spec(item)
        binder = ExprBinder(scope, self._ctx())
        exprs = [binder.bind(a) for a in spec.paths]
        for e, a in zip(exprs, spec.paths):
            if nested_kind(e.type) not in ("array", "map"):
                shown = e.type.nested or str(e.type)
                msg = f"UNNEST needs an array or a map, not a value of type {shown}"
                raise BinderError(msg, sqlstate="42804", position=position_of(a))
        refs: set[int] = set()
        for e in exprs:
            refs |= column_indexes(e)
        if not refs or any(i >= ADDED_BASE or is_outer(i) for i in refs):
            msg = "UNNEST of a constant or of a column of an enclosing query is not supported; unnest a column of an earlier FROM item"
            raise NotSupportedError(msg, position=pos)
        owners = [i for i, r in enumerate(rels) if refs & set(r.cols)]
        if len(owners) == 1:
            child = rels[owners[0]]
        else:  # values of several relations: those are joined first
            child, conjuncts, _ = build_pool([rels[i] for i in owners], conjuncts, [])
        rels = [r for i, r in enumerate(rels) if i not in owners[1:]]
        local = [remap_columns(e, child.position()) for e in exprs]
        columns, fields = _unnest_columns(exprs, spec, pos)
        if spec.ordinality:
            fields.append(Field(spec.ordinal_name, T.BIGINT))
        plan = Unnest(child.plan, local, columns, list(child.plan.fields) + fields, spec.ordinality, spec.ordinal_base, outer)
        start = len(scope.entries)
        scope.extend([Entry(spec.qualifier, f.name, f.type) for f in fields])
        rel = Rel(plan, child.cols + list(range(start, start + len(fields))), child.est * 4)
        self.unnest_inputs[id(plan)] = (plan, child)
        rels[owners[0]] = rel
        return rels, conjuncts

    def _push_below_unnest(self, rels: list[Rel], conjuncts: list[Expr]) -> list[Expr]:
        """WHERE conjuncts that read only the input of an ``Unnest`` are applied below it
        (into the scan: zone maps, partition pruning) instead of on every element row."""
        if not self.unnest_inputs:
            return conjuncts
        rest = []
        for c in conjuncts:
            refs = column_indexes(c)
            if not (refs and any(self._push_into(r, c, refs) for r in rels)):
                rest.append(c)
        return rest

    def _push_into(self, rel: Rel, c: Expr, refs: set[int]) -> bool:
        plan = rel.plan
        known = self.unnest_inputs.get(id(plan))
        if known is None or known[0] is not plan:
            return False
        child = known[1]
        if not refs <= set(child.cols):
            return False
        if not self._push_into(child, c, refs):
            child = _push(child, c)
            plan.child = child.plan  # type: ignore[attr-defined]
            self.unnest_inputs[id(plan)] = (plan, child)
        return True

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
        if isinstance(item.this, exp.Func):  # a function in FROM: only catalog ones, served as relations
            fn = item.this
            name = (fn.name if isinstance(fn, exp.Anonymous) else fn.sql_name()).lower()
            has_args = bool(fn.expressions) if isinstance(fn, exp.Anonymous) else any(v is not None for v in fn.args.values())
            if has_args or self.system_view is None or self.system_view(name) is None:
                msg = f"function {name}(...) in FROM is not supported"
                raise NotSupportedError(msg, position=position_of(item))
        else:
            name = item.name if item.this.quoted else item.name.lower()
        schema = (item.db or "").lower() or None
        if schema is None:
            for ctes in reversed(self.ctes):
                if name in ctes:
                    ast, names = ctes[name]
                    reuse_key = (id(ctes), name)
                    done = self.cte_reuse.get(reuse_key)
                    if done is not None:
                        plan = done
                    else:
                        saved = self.ctes
                        self.ctes = [c for c in saved[: saved.index(ctes)]] + [{k: v for k, v in ctes.items() if k != name}]
                        try:
                            block = self.bind_query(ast)
                        finally:
                            self.ctes = saved
                        plan = block.plan
                        if reuse_key in self.cte_reuse and not block.correlations:
                            plan = ArrowScan(self.run_plan(plan), list(plan.fields), f"WITH {name} (computed once)")
                            self.cte_reuse[reuse_key] = plan
                    if names:
                        plan = _rename(plan, [Field(names[i] if i < len(names) else f.name, f.type) for i, f in enumerate(plan.fields)])
                    return plan, name
        lookup_schema = schema or self.default_schema
        table = self.catalog.get_table(lookup_schema, name)
        if self.check_privilege is not None and self.view_depth == 0 and (table is not None or (lookup_schema, name) in self.catalog.views):
            self.check_privilege(lookup_schema, name, "SELECT")  # a view's own tables: its owner's rights
        if table is not None:
            fields = [Field(c.name, c.type) for c in table.definition.columns]
            return Scan(table, [c.name for c in table.definition.columns], fields, [], name), name
        view = self.catalog.views.get((lookup_schema, name))
        if view is not None:
            return self._bind_view(view), name
        external = getattr(self.catalog, "external_tables", {}).get((lookup_schema, name))
        if external is not None:  # read from its objects at run time (exec/external_scan.py)
            if self.check_privilege is not None and self.view_depth == 0:
                self.check_privilege(lookup_schema, name, "SELECT")
            fields = [Field(c.name, c.sql_type) for c in external.all_columns]
            return ExternalScan(external, [c.name for c in external.all_columns], fields, name), name
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


# ============================================================================= helpers
def _ast_conjuncts(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.And):
        return _ast_conjuncts(node.this) + _ast_conjuncts(node.expression)
    if isinstance(node, exp.Paren) and isinstance(node.this, exp.And):
        return _ast_conjuncts(node.this)
    return [node]


def _lateral_aliases(where: exp.Where, select: exp.Select, scope: Scope) -> exp.Where:
    """Redshift lets WHERE name a select-list alias (``SELECT n.nspname AS schema ... WHERE
    schema = 'public'``): an unqualified name that no FROM relation has, but an alias does,
    stands for the aliased expression."""
    aliases = {
        e.alias.lower(): e.this
        for e in select.expressions
        if isinstance(e, exp.Alias) and not e.this.find(exp.AggFunc, exp.Window)
    }
    if not aliases:
        return where
    lateral = {
        c.name.lower() for c in where.find_all(exp.Column)
        if not c.table and c.name.lower() in aliases and not scope.find_local(c.name.lower(), None)
        and not (scope.parent is not None and scope.parent.find_local(c.name.lower(), None))
    }
    if not lateral:
        return where
    where = where.copy()
    for c in list(where.find_all(exp.Column)):
        if not c.table and c.name.lower() in lateral:
            c.replace(aliases[c.name.lower()].copy())
    return where


def _lateral_select_aliases(select: exp.Select, scope: Scope) -> exp.Select:
    """Redshift's lateral column aliases: a select item may name an earlier item's alias
    (``... END AS is_autoincrement, is_autoincrement AS is_generatedcolumn``) when no FROM
    relation has a column of that name."""
    seen: dict[str, exp.Expression] = {}
    changed: list[tuple[int, exp.Expression]] = []
    for i, e in enumerate(select.expressions):
        uses = [
            c for c in e.find_all(exp.Column)
            if not c.table and c.name.lower() in seen and not scope.find_local(c.name.lower(), None)
            and not (scope.parent is not None and scope.parent.find_local(c.name.lower(), None))
        ]
        if uses:
            new = e.copy()
            for c in list(new.find_all(exp.Column)):
                if not c.table and c.name.lower() in seen and not scope.find_local(c.name.lower(), None):
                    c.replace(seen[c.name.lower()].copy())
            changed.append((i, new))
            e = new
        if isinstance(e, exp.Alias) and not e.this.find(exp.AggFunc, exp.Window):
            seen[e.alias.lower()] = e.this
    if not changed:
        return select
    select = select.copy()
    for i, new in changed:
        select.expressions[i].replace(new)
    return select


class _UnnestSpec:
    """What an UNNEST FROM item says, before binding."""

    def __init__(self, paths: list[exp.Expression], qualifier: str, aliases: list[str], partiql: bool,
                 ordinality: bool = False, ordinal_name: str = "ordinality", ordinal_base: int = 1) -> None:
        self.paths = paths
        self.qualifier = qualifier
        self.aliases = aliases
        self.partiql = partiql
        self.ordinality = ordinality
        self.ordinal_name = ordinal_name
        self.ordinal_base = ordinal_base


def _ident(node: Any) -> str:
    return node.name if getattr(node, "quoted", False) else node.name.lower()


def _is_unnest(item: exp.Expression, scope: Scope) -> bool:
    """``UNNEST(...)``, PartiQL's ``t.arr x AT i``, or (after an explicit JOIN) a table
    name whose first part is an earlier FROM item's alias: ``JOIN c.orders o ON TRUE``."""
    if isinstance(item, exp.AtIndex):
        return True
    if isinstance(item, exp.Unnest):
        path = item.expressions[0] if len(item.expressions) == 1 else None
        if "offset" not in item.args and isinstance(path, exp.Column) and len(path.parts) > 1:
            return _names_column(path.parts, scope)  # else schema.table after all (see _from_item)
        return True
    if isinstance(item, exp.Table) and item.args.get("db") is not None and not isinstance(item.this, exp.Func):
        return _names_column(item.parts, scope)
    return False


def _names_column(parts: list[exp.Expression], scope: Scope) -> bool:
    """Whether ``a.b...`` starts with an earlier FROM item's alias and one of its columns,
    or with an element unnested by PartiQL (``FROM t, t.orders o, o.items i``)."""
    head = _ident(parts[0])
    return bool(scope.find_local(_ident(parts[1]), head) or scope.find_local(head, head))


def _from_item(item: exp.Expression) -> exp.Expression:
    """sqlglot reads ``FROM x, a.b c`` as PartiQL's unnest when ``a`` is an earlier alias;
    when ``a.b`` is no column of it, it is the table ``b`` of schema ``a``."""
    if isinstance(item, exp.Unnest) and "offset" not in item.args and len(item.expressions) == 1:
        path = item.expressions[0]
        if isinstance(path, exp.Column) and len(path.parts) in (2, 3):
            parts = path.parts
            table = exp.Table(this=parts[-1], db=parts[-2], catalog=parts[-3] if len(parts) == 3 else None)
            alias = item.args.get("alias")
            if alias is not None and alias.columns:
                table.set("alias", exp.TableAlias(this=alias.columns[0]))
            return table
    return item


def _unnest_spec(item: exp.Expression) -> _UnnestSpec:
    if isinstance(item, exp.AtIndex):  # PartiQL: c.orders AS o AT i (positions from 0)
        inner = item.this
        path, alias = (inner.this, _ident(inner.args["alias"])) if isinstance(inner, exp.Alias) else (inner, "")
        if isinstance(path, exp.Table):
            path = path.to_column()
        name = alias or _ident(path.this)
        return _UnnestSpec([path], name, [name], True, True, _ident(item.expression), 0)
    if isinstance(item, exp.Table):  # JOIN c.orders o ON TRUE
        alias_node = item.args.get("alias")
        col = item.to_column()
        path = col.this if isinstance(col, exp.Alias) else col
        name = _ident(alias_node.this) if alias_node is not None and alias_node.this is not None else _ident(path.this)
        return _UnnestSpec([path], name, [name], True)
    alias_node = item.args.get("alias")
    table_alias = _ident(alias_node.this) if alias_node is not None and alias_node.this is not None else ""
    aliases = [_ident(c) for c in alias_node.columns] if alias_node is not None else []
    paths = list(item.expressions)
    if "offset" not in item.args:  # sqlglot's rewrite of PartiQL's FROM t, t.arr x
        name = aliases[0] if aliases else _ident(paths[0].this) if isinstance(paths[0], exp.Column) else "unnest"
        return _UnnestSpec(paths, name, [name], True)
    offset = item.args.get("offset")
    spec = _UnnestSpec(paths, table_alias, aliases, False)
    if offset:
        spec.ordinality = True
        if isinstance(offset, exp.Expression):
            spec.ordinal_name = _ident(offset)
    return spec


def _unnest_columns(exprs: list[Expr], spec: _UnnestSpec, pos: int | None) -> tuple[list[tuple[int, str]], list[Field]]:
    """The new columns of an UNNEST: (expr index, part) and fields.  An array gives its
    element; a map its key and value (PartiQL: one ``struct<key,value>`` entry); an array
    of structs its struct, or (Presto's rule for rows) one column per field when the
    aliases count the fields, or when there are no aliases."""
    narrow: list[list[tuple[str, str, T.SqlType]]] = []
    wide: list[list[tuple[str, str, T.SqlType]]] = []
    default = spec.qualifier or "unnest"
    for e in exprs:
        tree = T.hive_type_tree(e.type.nested)
        if tree[0] == "map":
            if spec.partiql:
                entry = T.nested_type(f"struct<key:{T.render_hive_type(tree[1])},value:{T.render_hive_type(tree[2])}>")
                one = [("entry", default, entry)]
            else:
                one = [("key", "key", T.hive_tree_sql_type(tree[1])), ("value", "value", T.hive_tree_sql_type(tree[2]))]
            narrow.append(one)
            wide.append(one)
            continue
        et = tree[1]
        narrow.append([("element", default, T.hive_tree_sql_type(et))])
        if et[0] == "struct" and not spec.partiql:
            wide.append([(f"field:{n}", n, T.hive_tree_sql_type(t)) for n, t in et[1]])
        else:
            wide.append(narrow[-1])
    n_narrow, n_wide = sum(len(x) for x in narrow), sum(len(x) for x in wide)
    aliases = spec.aliases
    if not aliases or len(aliases) == n_wide != n_narrow:
        chosen = wide
    elif len(aliases) == n_narrow:
        chosen = narrow
    else:
        counts = f"{n_narrow}" if n_narrow == n_wide else f"{n_narrow} (or {n_wide} with struct fields as columns)"
        msg = f"UNNEST gives {counts} columns but {len(aliases)} column aliases are given"
        raise BinderError(msg, sqlstate="42P10", position=pos)
    columns: list[tuple[int, str]] = []
    fields: list[Field] = []
    for i, parts in enumerate(chosen):
        for part, name, t in parts:
            columns.append((i, part))
            fields.append(Field(aliases[len(fields)] if aliases else name, t))
    return columns, fields


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
