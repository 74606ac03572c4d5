"""Evaluate bound expressions over a batch: Vector for columns, Scalar for constants.

Constants are never expanded needlessly: when every argument of a call is a Scalar the
function runs on length-1 vectors and the result is a Scalar again.
"""

from __future__ import annotations

import numpy as np

from warehouse.errors import BinderError
from warehouse.functions.base import as_vec, broadcast_to, is_scalar, scalar_of
from warehouse.functions.core import FUNCTIONS
from warehouse.plan.expressions import Call, ColumnRef, Expr, Literal, column_indexes, walk
from warehouse.types import Kind
from warehouse.vector import Batch, Scalar, Vector


def _registry() -> dict:
    if not FUNCTIONS.get("case"):
        import warehouse.functions.registry  # noqa: F401 - populates FUNCTIONS
    return FUNCTIONS


def evaluate(expr: Expr, batch: Batch) -> Vector | Scalar:
    if isinstance(expr, ColumnRef):
        return batch.columns[expr.index]
    if isinstance(expr, Literal):
        if expr.type.kind is Kind.INTERVAL:
            return Scalar(expr.type, expr.value)
        return Scalar(expr.type, expr.value)
    if isinstance(expr, Call):
        fdef = _registry().get(expr.fn)
        if fdef is None:
            msg = f"function {expr.fn} does not exist"
            raise BinderError(msg, sqlstate="42883")
        if fdef.special is not None:
            return fdef.special(expr, batch)
        args = [evaluate(a, batch) for a in expr.args]
        n = len(batch)
        if not fdef.per_row and all(is_scalar(a) for a in args):
            out = fdef.impl(expr, args, 1)
            # an implementation may hand back a Scalar itself (GETDATE, interval arithmetic)
            return out if isinstance(out, Scalar) else scalar_of(out)
        out = fdef.impl(expr, args, n)
        if isinstance(out, Scalar):
            return out
        if len(out) != n:
            out = broadcast_to(out, n)
        return out
    msg = f"cannot evaluate {expr!r}"
    raise BinderError(msg)


def evaluate_vector(expr: Expr, batch: Batch) -> Vector:
    v = evaluate(expr, batch)
    if isinstance(v, Scalar):
        return v.broadcast(len(batch))
    return v


def evaluate_predicate(expr: Expr, batch: Batch) -> np.ndarray:
    v = evaluate(expr, batch)
    n = len(batch)
    if isinstance(v, Scalar):
        return np.full(n, bool(v.value) if v.value is not None else False, np.bool_)
    data = v.data
    if data.dtype != np.bool_:
        data = data.astype(np.bool_)
    if v.valid is not None:
        return data & v.valid
    return data


# ----- helpers for lazily evaluated branches (CASE, AND/OR) -----------------------------------
def is_risky(expr: Expr) -> bool:
    """Whether evaluating ``expr`` may raise on rows that a guard would have excluded."""
    reg = _registry()
    for e in walk(expr):
        if isinstance(e, Call):
            f = reg.get(e.fn)
            if f is not None and f.risky:
                return True
            if e.fn == "cast" and e.args and (e.args[0].type.is_string or e.type.is_integer or e.type.is_decimal):
                return True
    return False


def sub_batch(batch: Batch, rows: np.ndarray, expr: Expr) -> Batch:
    """The rows ``rows`` of the columns ``expr`` reads (other columns left out)."""
    cols: list = [None] * len(batch.columns)
    for i in column_indexes(expr):
        cols[i] = batch.columns[i].take(rows)
    return Batch(cols, len(rows))


def evaluate_subset(expr: Expr, batch: Batch, rows: np.ndarray, n: int, fill: bool) -> Vector:
    """``expr`` evaluated on ``rows`` only; other rows get the boolean ``fill`` (not NULL)."""
    v = evaluate(expr, sub_batch(batch, rows, expr))
    v = as_vec(v)
    if len(v) != len(rows):
        v = broadcast_to(v, len(rows))
    data = np.full(n, fill, np.bool_)
    valid = np.ones(n, np.bool_)
    data[rows] = v.data
    if v.valid is not None:
        valid[rows] = v.valid
    return Vector(expr.type, data, None if valid.all() else valid)
