"""Binding ``fn(...) OVER (PARTITION BY ... ORDER BY ... frame)`` into a ``WindowCall``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from warehouse import types as T
from warehouse.errors import BinderError, NotSupportedError
from warehouse.functions import registry
from warehouse.plan.bind_expr import AGGREGATES, WINDOW_ONLY, ExprBinder, position_of
from warehouse.plan.expressions import Expr
from warehouse.plan.logical import SortKey, WindowCall

if TYPE_CHECKING:
    from warehouse.plan.select_block import SelectBlock as _BlockState

RANKING_TYPES = {
    "row_number": T.BIGINT,
    "rank": T.BIGINT,
    "dense_rank": T.BIGINT,
    "ntile": T.INTEGER,
    "percent_rank": T.DOUBLE,
    "cume_dist": T.DOUBLE,
}


def bind_window(state: "_BlockState", node: exp.Window, eb: ExprBinder) -> WindowCall:
    """Arguments, partitions and order keys are bound in the block's FROM space."""
    from warehouse.plan.select_block import _sort_key

    func = node.this
    if isinstance(func, (exp.IgnoreNulls, exp.RespectNulls)):
        func = func.this
    args: list[Expr] = []
    if type(func) in WINDOW_ONLY:
        fn = WINDOW_ONLY[type(func)]
        for key in func.arg_types:
            v = func.args.get(key)
            if isinstance(v, exp.Expression):
                args.append(eb.bind(v))
            elif isinstance(v, list):
                args.extend(eb.bind(x) for x in v)
        if fn in RANKING_TYPES:
            rtype = RANKING_TYPES[fn]
        else:
            if not args:
                msg = f"window function {fn} needs an argument"
                raise BinderError(msg, sqlstate="42883")
            rtype = args[0].type
    elif type(func) in AGGREGATES or isinstance(func, exp.Anonymous):
        from warehouse.plan.select_block import _aggregate_parts

        fn, arg_node, distinct, _ = _aggregate_parts(func)
        if distinct:
            msg = "DISTINCT is not supported in window aggregates"
            raise NotSupportedError(msg, position=position_of(node))
        arg = eb.bind(arg_node) if arg_node is not None else None
        if fn == "count" and arg is None:
            fn = "count_star"
        if arg is not None:
            args.append(arg)
        rtype = registry.aggregate_result_type("count" if fn == "count_star" else fn, arg.type if arg is not None else None, False)
    else:
        msg = f"{func.sql(dialect='redshift')} is not a window function"
        raise BinderError(msg, sqlstate="42809", position=position_of(node))
    partition = tuple(eb.bind(p) for p in node.args.get("partition_by") or [])
    order_node = node.args.get("order")
    order = tuple(_sort_key(eb.bind(o.this), o) for o in order_node.expressions) if order_node is not None else ()
    frame = _frame(node.args.get("spec"))
    return WindowCall(fn, tuple(args), partition, tuple(SortKey(k.expr, k.descending, k.nulls_first) for k in order), frame, rtype)


def _bound(value: object, side: object) -> int | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else getattr(value, "name", None) or str(value)
    if isinstance(value, exp.Literal):
        n = int(value.this)
        return -n if str(side).lower() == "preceding" else n
    t = str(text).upper()
    if t == "UNBOUNDED":
        return None
    if t in ("CURRENT ROW", "CURRENT"):
        return 0
    msg = f"window frame bound {text} is not supported"
    raise NotSupportedError(msg)


def _frame(spec: exp.WindowSpec | None) -> tuple[str, int | None, int | None] | None:
    if spec is None:
        return None
    kind = str(spec.args.get("kind") or "rows").lower()
    start = _bound(spec.args.get("start"), spec.args.get("start_side"))
    end_node = spec.args.get("end")
    end = 0 if end_node is None else _bound(end_node, spec.args.get("end_side"))
    if kind == "range" and (start not in (None, 0) or end not in (None, 0)):
        msg = "RANGE frames with offsets are not supported; use ROWS"
        raise NotSupportedError(msg)
    return (kind, start, end)
