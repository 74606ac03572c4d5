"""Subqueries: run the uncorrelated ones once, turn the correlated ones into joins.

- ``x IN (SELECT ...)`` / ``EXISTS (...)`` as a WHERE conjunct -> a semi join;
  ``NOT IN`` -> a NULL-aware anti join, ``NOT EXISTS`` -> an anti join.  Correlation
  equalities become join keys, other correlated predicates a residual.
- A correlated scalar subquery ``(SELECT agg(..) FROM r WHERE r.k = outer.k)`` -> the
  block grouped by ``r.k``, LEFT JOINed on ``outer.k``; the expression reads the joined
  value (COUNT gives 0, not NULL, where nothing matched).
- An uncorrelated scalar subquery or EXISTS is run once at bind time and becomes a
  constant; an uncorrelated ``IN`` elsewhere than a WHERE conjunct becomes an IN list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from sqlglot import exp

from warehouse import types as T
from warehouse.errors import BinderError, CardinalityError, NotSupportedError
from warehouse.functions import registry
from warehouse.plan.bind_expr import ExprBinder, position_of
from warehouse.plan.expressions import Call, ColumnRef, Expr, Literal, column_indexes, remap_columns, transform
from warehouse.plan.joins import SubqueryJoin
from warehouse.plan.logical import Limit
from warehouse.plan.scope import OUTER_BASE, is_outer

if TYPE_CHECKING:
    from warehouse.plan.select_block import SelectBlock as _BlockState


def _query_of(node: exp.Expression) -> exp.Expression:
    if isinstance(node, (exp.In,)):
        q = node.args["query"]
        return q.this if isinstance(q, exp.Subquery) else q
    if isinstance(node, exp.Exists):
        return node.this
    if isinstance(node, exp.Subquery):
        return node.this
    return node


def top_level(state: "_BlockState", node: exp.Expression) -> bool:
    """Register a WHERE conjunct that is [NOT] EXISTS / [NOT] IN (subquery) as a join."""
    negated = False
    inner = node
    while isinstance(inner, exp.Paren):
        inner = inner.this
    if isinstance(inner, exp.Not):
        negated = True
        inner = inner.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
    if isinstance(inner, exp.Exists):
        kind = "anti" if negated else "semi"
        return _exists_join(state, inner, kind)
    if isinstance(inner, exp.In) and inner.args.get("query") is not None:
        kind = "anti_null_aware" if negated else "semi"
        return _in_join(state, inner, kind)
    return False


def _exists_join(state: "_BlockState", node: exp.Exists, kind: str) -> bool:
    block = state.binder.bind_query(_query_of(node), parent=state.scope)
    if not block.correlations:
        return False  # constant: bound as an expression
    keys_out, keys_right, residual = _split_keys(block.correlations)
    state.subquery_joins.append(SubqueryJoin(kind, block.plan, keys_out, keys_right, residual))
    return True


def _in_join(state: "_BlockState", node: exp.In, kind: str) -> bool:
    eb = ExprBinder(state.scope, state.binder._ctx())
    value = eb.bind(node.this)
    if any(is_outer(i) for i in column_indexes(value)):
        return False
    block = state.binder.bind_query(_query_of(node), parent=state.scope)
    if block.nvisible != 1 and block.nvisible != 0:
        msg = "subquery has too many columns"
        raise BinderError(msg, sqlstate="42601", position=position_of(node))
    target = block.plan.fields[0]
    eq = registry.resolve_call("eq", [value, ColumnRef(OUTER_BASE * 5, target.type, target.name)])
    if not (isinstance(eq, Call) and eq.fn == "eq"):
        msg = "internal: IN comparison did not resolve"
        raise NotSupportedError(msg)
    left_key, right_key = eq.args
    right_key = remap_columns(right_key, {OUTER_BASE * 5: 0})
    keys_out, keys_right, residual = _split_keys(block.correlations)
    state.subquery_joins.append(SubqueryJoin(kind, block.plan, [left_key, *keys_out], [right_key, *keys_right], residual))
    return True


def _split_keys(correlations: list[Expr]) -> tuple[list[Expr], list[Expr], Expr | None]:
    """Correlation conjuncts -> (outer keys over the global space, subquery keys, residual)."""
    outer_keys: list[Expr] = []
    right_keys: list[Expr] = []
    rest: list[Expr] = []
    for c in correlations:
        if isinstance(c, Call) and c.fn == "eq":
            a, b = c.args
            ca, cb = column_indexes(a), column_indexes(b)
            if ca and cb and all(not is_outer(i) for i in ca) and all(is_outer(i) for i in cb):
                outer_keys.append(_strip_outer(b))
                right_keys.append(a)
                continue
            if ca and cb and all(is_outer(i) for i in ca) and all(not is_outer(i) for i in cb):
                outer_keys.append(_strip_outer(a))
                right_keys.append(b)
                continue
        rest.append(c)
    residual = None
    for r in rest:
        residual = r if residual is None else Call("and", (residual, r), T.BOOLEAN)
    return outer_keys, right_keys, residual


def _strip_outer(e: Expr) -> Expr:
    def fn(x: Expr) -> Expr | None:
        if isinstance(x, ColumnRef) and is_outer(x.index):
            return ColumnRef(x.index - OUTER_BASE, x.type, x.name)
        return None

    return transform(e, fn)


def bind_subquery(state: "_BlockState", node: exp.Expression, kind: str, eb: ExprBinder) -> Expr:
    """A subquery inside a WHERE expression (not a top-level conjunct)."""
    if kind == "scalar":
        return _scalar(state, node)
    return bind_uncorrelated(state, node, kind, eb)


def _scalar(state: "_BlockState", node: exp.Expression) -> Expr:
    query = _query_of(node)
    block = state.binder.bind_query(query, parent=state.scope)
    if block.nvisible != 1:
        msg = "subquery must return only one column"
        raise BinderError(msg, sqlstate="42601", position=position_of(node))
    if not block.correlations:
        return _run_scalar(state, block.plan, node)
    # conjuncts over outer columns only (psql: ``... AND a.atthasdef``) decide whether the
    # subquery can find a row at all: they guard the joined value instead of joining
    guards = [c for c in block.correlations if all(is_outer(i) for i in column_indexes(c))]
    outer_keys, right_keys, residual = _split_keys([c for c in block.correlations if c not in guards])
    if not outer_keys:
        msg = "correlated scalar subqueries must correlate by at least one equality (col = outer.col)"
        raise NotSupportedError(msg, position=position_of(node))
    adds = [state.new_global() for _ in block.plan.fields]
    state.subquery_joins.append(SubqueryJoin("left", block.plan, outer_keys, right_keys, residual, adds))
    value_type = block.plan.fields[0].type
    ref: Expr = ColumnRef(adds[0], value_type, block.plan.fields[0].name)
    if _is_count(query):
        ref = registry.resolve_call("coalesce", [ref, Literal(0, T.BIGINT)])
    if guards:
        cond = guards[0]
        for g in guards[1:]:
            cond = registry.resolve_call("and", [cond, g])
        otherwise = [Literal(0, T.BIGINT)] if _is_count(query) else []
        ref = registry.resolve_call("case", [_strip_outer(cond), ref, *otherwise])
    return ref


def _is_count(query: exp.Expression) -> bool:
    if not isinstance(query, exp.Select) or not query.expressions:
        return False
    first = query.expressions[0]
    if isinstance(first, exp.Alias):
        first = first.this
    return isinstance(first, exp.Count)


def _run_scalar(state: "_BlockState", plan: Any, node: exp.Expression) -> Expr:
    table = state.binder.run_scalar(Limit(plan, 2, 0))
    t = plan.fields[0].type
    if table.num_rows > 1:
        msg = "more than one row returned by a subquery used as an expression"
        raise CardinalityError(msg, position=position_of(node))
    if table.num_rows == 0:
        return Literal(None, t)
    value = table.column(0)[0].as_py()
    lit = registry.literal_from_python(value)
    if value is None:
        return Literal(None, t)
    if lit.type != t:
        lit = registry.resolve_cast(lit, t)
    return lit


def bind_uncorrelated(state: "_BlockState", node: exp.Expression, kind: str, eb: ExprBinder) -> Expr:
    """Subqueries that must be constants here: run once, become literals or IN lists."""
    query = _query_of(node)
    block = state.binder.bind_query(query, parent=state.scope)
    if block.correlations:
        msg = "correlated subqueries are only supported as WHERE conjuncts (EXISTS, IN, comparisons)"
        raise NotSupportedError(msg, position=position_of(node))
    if kind == "scalar":
        return _run_scalar(state, block.plan, node)
    if kind in ("exists", "not_exists"):
        table = state.binder.run_scalar(Limit(block.plan, 1, 0))
        found = table.num_rows > 0
        return Literal(found if kind == "exists" else not found, T.BOOLEAN)
    if kind in ("in", "not_in"):
        value = eb.bind(node.this if isinstance(node, exp.In) else node.this.this)
        table = state.binder.run_scalar(block.plan)
        t = block.plan.fields[0].type
        items: list[Expr] = []
        for v in table.column(0).to_pylist():
            if v is None:
                items.append(Literal(None, t))
            else:
                lit = registry.literal_from_python(v)
                items.append(lit if lit.type == t else registry.resolve_cast(lit, t))
        if not items:
            return Literal(kind == "not_in", T.BOOLEAN)
        call = registry.resolve_call("in_list", [value, *items])
        return registry.resolve_call("not", [call]) if kind == "not_in" else call
    msg = f"subquery kind {kind} is not supported here"
    raise NotSupportedError(msg)


def split_correlations(correlated: list[Expr], aggregating: bool, nselect: int) -> tuple[list[Expr], list[Expr]]:
    """For an aggregating subquery: the local sides of ``local = outer`` become group keys.

    Returns (extra group expressions over the FROM space, correlation predicates over
    (block output, OUTER) where the group keys are output after the select list).
    """
    if not correlated or not aggregating:
        return [], []
    groups: list[Expr] = []
    out: list[Expr] = []
    for c in correlated:
        ok = False
        if isinstance(c, Call) and c.fn == "eq":
            a, b = c.args
            ca, cb = column_indexes(a), column_indexes(b)
            if ca and cb and all(not is_outer(i) for i in ca) and all(is_outer(i) for i in cb):
                local, outer = a, b
                ok = True
            elif ca and cb and all(is_outer(i) for i in ca) and all(not is_outer(i) for i in cb):
                local, outer = b, a
                ok = True
        if not ok:
            msg = "correlated aggregate subqueries must correlate by equality (col = outer.col) only"
            raise NotSupportedError(msg)
        pos = nselect + len(groups)
        groups.append(local)
        out.append(Call("eq", (ColumnRef(pos, local.type), outer), T.BOOLEAN))
    return groups, out


def local_outputs(correlated: list[Expr], nselect: int, to_rel: Callable[[Expr], Expr]) -> tuple[list[Expr], list[Expr]]:
    """For a plain correlated subquery: output every local column its correlations read."""
    locals_: list[int] = sorted({i for c in correlated for i in column_indexes(c) if not is_outer(i)})
    extra: list[Expr] = []
    mapping: dict[int, int] = {}
    for g in locals_:
        for c in correlated:
            ref = _find_ref(c, g)
            if ref is not None:
                mapping[g] = nselect + len(extra)
                extra.append(to_rel(ref))
                break

    def fn(x: Expr) -> Expr | None:
        if isinstance(x, ColumnRef) and not is_outer(x.index):
            return ColumnRef(mapping[x.index], x.type, x.name)
        return None

    return extra, [transform(c, fn) for c in correlated]


def _find_ref(e: Expr, g: int) -> ColumnRef | None:
    from warehouse.plan.expressions import walk

    for x in walk(e):
        if isinstance(x, ColumnRef) and x.index == g:
            return x
    return None
