"""Parameter types for clients that send none (pg8000: 0 types; redshift_connector and
psycopg: 705/0 for strings): inferred from where ``$n`` stands in the statement.

- ``CAST($n AS t)`` / ``$n::t``: t
- compared with, or combined arithmetically with, a column: the column's type
- ``col IN ($1, $2)``, ``col BETWEEN $1 AND $2``: the column's type
- ``INSERT INTO t (cols) VALUES ($1, ...)``: the target column's type
- ``UPDATE t SET col = $1``: the column's type; ``LIMIT $1``/``OFFSET $1``: bigint
Anything else is text, which the engine coerces where PostgreSQL would coerce an unknown literal.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from warehouse import types as T
from warehouse.types import SqlType

__all__ = ["infer", "max_param"]

_COMPARE = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.NullSafeEQ, exp.NullSafeNEQ)


def _number(node: exp.Expression) -> int | None:
    try:
        if isinstance(node, exp.Placeholder):
            return int(node.name)
        if isinstance(node, exp.Parameter):
            return int(node.this.this if isinstance(node.this, exp.Literal) else node.name)
    except (TypeError, ValueError):
        return None
    return None


def _params(ast: exp.Expression) -> list[tuple[int, exp.Expression]]:
    out = []
    for node in ast.walk():
        if isinstance(node, (exp.Placeholder, exp.Parameter)):
            n = _number(node)
            if n is not None:
                out.append((n, node))
    return out


def max_param(ast: exp.Expression | None) -> int:
    if ast is None:
        return 0
    return max((n for n, _ in _params(ast)), default=0)


def _tables(ast: exp.Expression, catalog: Any) -> list[Any]:
    out = []
    for t in ast.find_all(exp.Table):
        schema = (t.db or "public").lower()
        tab = catalog.get_table(schema, t.name.lower())
        if tab is not None:
            out.append(tab.definition)
    return out


def _column_type(col: exp.Expression, defs: list[Any]) -> SqlType | None:
    if not isinstance(col, exp.Column):
        return None
    name = col.name.lower()
    for d in defs:
        for c in d.columns:
            if c.name == name:
                return c.type
    return None


def infer(ast: exp.Expression | None, catalog: Any, declared: list[SqlType | None]) -> list[SqlType | None]:
    """Types of $1..$n (None where nothing says; the caller uses text)."""
    n = max(len(declared), max_param(ast))
    out: list[SqlType | None] = list(declared) + [None] * (n - len(declared))
    if ast is None:
        return out
    try:
        defs = _tables(ast, catalog)
    except Exception:  # noqa: BLE001 - inference is best effort
        defs = []
    for num, node in _params(ast):
        i = num - 1
        if i < 0 or i >= n or out[i] is not None:
            continue
        out[i] = _from_context(node, defs, ast)
    return out


def _from_context(node: exp.Expression, defs: list[Any], ast: exp.Expression) -> SqlType | None:
    parent = node.parent
    while isinstance(parent, (exp.Paren, exp.Neg)):
        node, parent = parent, parent.parent
    if isinstance(parent, exp.Cast):
        from warehouse.sql.types_ast import sql_type_from_datatype

        try:
            return sql_type_from_datatype(parent.args["to"])
        except Exception:  # noqa: BLE001
            return None
    if isinstance(parent, _COMPARE):
        other = parent.expression if parent.this is node else parent.this
        return _column_type(other, defs)
    if isinstance(parent, (exp.In, exp.Between)):
        return _column_type(parent.this, defs)
    if isinstance(parent, (exp.Limit, exp.Offset)):
        return T.BIGINT
    if isinstance(parent, exp.Tuple) and isinstance(ast, exp.Insert) and defs:
        target = ast.this
        cols = [c.name.lower() for c in target.expressions] if isinstance(target, exp.Schema) else [c.name for c in defs[0].columns]
        pos = parent.expressions.index(node)
        if pos < len(cols):
            for c in defs[0].columns:
                if c.name == cols[pos]:
                    return c.type
    return None
