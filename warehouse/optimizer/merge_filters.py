"""Fold stacked Filters into one, so a chunk is filtered once with every conjunct.

The binder adds each WHERE conjunct as its own Filter; executed one by one, each would
copy every column of the surviving rows.  One Filter whose predicate is the AND of all of
them computes one mask and filters once (as a table scan does with its pushed filters),
and the external scan sees every ``column op constant`` conjunct for Parquet row-group
pruning.
"""

from __future__ import annotations

import copy

from warehouse import types as T
from warehouse.plan import logical as L
from warehouse.plan.expressions import Call, ColumnRef, Expr, Literal


def merge_filters(plan: L.Plan) -> L.Plan:
    """``plan`` with every chain Filter(Filter(x, p2), p1) as Filter(x, p2 AND p1)."""
    changes = {}
    for name, value in vars(plan).items():
        if isinstance(value, L.Plan):
            new = merge_filters(value)
            if new is not value:
                changes[name] = new
    if changes:
        plan = copy.copy(plan)
        for name, value in changes.items():
            setattr(plan, name, value)
    if isinstance(plan, L.Filter) and isinstance(plan.child, L.Filter) and _cannot_fail(plan.predicate):
        inner = plan.child
        return L.Filter(inner.child, Call("and", (inner.predicate, plan.predicate), T.BOOLEAN))
    return plan


# predicates that cannot raise on any row: merged, they also run on rows the inner Filter
# would have dropped (``WHERE b <> 0`` then ``a / b > 1`` stays two Filters)
_SAFE = {"eq", "ne", "lt", "le", "gt", "ge", "is_distinct_from", "is_not_distinct_from", "in_list", "like", "ilike",
         "and", "or", "not", "is_null", "is_not_null", "is_true", "is_false", "is_not_true", "is_not_false"}


def _cannot_fail(e: Expr) -> bool:
    if isinstance(e, (ColumnRef, Literal)):
        return True
    return isinstance(e, Call) and e.fn in _SAFE and all(_cannot_fail(a) for a in e.args)
