"""Binding one SELECT block after its FROM/WHERE pool: aggregates, HAVING, windows, the
select list, DISTINCT, ORDER BY and LIMIT (``SelectBlock.finish_select``), plus the hooks
that turn aggregates, windows and subqueries met inside expressions into plan pieces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from sqlglot import exp

from warehouse import types as T
from warehouse.errors import BinderError, NotSupportedError
from warehouse.functions import registry
from warehouse.plan import subqueries
from warehouse.plan.bind_expr import AGGREGATES, WINDOW_ONLY, ExprBinder, position_of
from warehouse.plan.expressions import Call, ColumnRef, Expr, Literal, remap_columns, transform
from warehouse.plan.joins import Rel, SubqueryJoin
from warehouse.plan.logical import Aggregate, AggregateCall, Field, Filter, Plan, Project, Sort, SortKey, Window, WindowCall
from warehouse.plan.scope import ADDED_BASE, Scope, is_outer

if TYPE_CHECKING:
    from warehouse.plan.binder import Binder


@dataclass
class Block:
    """A bound query block: its plan, plus correlation predicates when it is a subquery.

    ``correlations`` are over a combined space: j < OUTER_BASE is output column j of
    ``plan``; OUTER_BASE + g is column g of the enclosing block's FROM space.
    ``nvisible`` is the number of select-list columns (correlation columns follow them).
    """

    plan: Plan
    correlations: list[Expr] = field(default_factory=list)
    nvisible: int = 0



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
    """PostgreSQL/Redshift defaults: NULLS LAST ascending, NULLS FIRST descending.

    sqlglot records ``nulls_first=False`` for a plain ASC, so whether NULLS FIRST/LAST was
    written is read from the node's SQL text.
    """
    desc = bool(o.args.get("desc"))
    sql = o.sql(dialect="postgres").upper()
    if "NULLS FIRST" in sql:
        nulls_first = True
    elif "NULLS LAST" in sql:
        nulls_first = False
    else:
        nulls_first = desc
    return SortKey(e, desc, nulls_first)


class SelectBlock:
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
    to = e.args["to"].this
    return to.lower() if isinstance(to, str) else to.name.lower()  # str: ::regclass (ObjectIdentifier)


def _expr_name(e: Expr) -> str:
    return e.name if isinstance(e, ColumnRef) and e.name else "?column?"


