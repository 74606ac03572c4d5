"""Optimizer rules over logical plans, applied in order by ``optimize``.

Most rewrites happen while binding (filter pushdown, join order, decorrelation: see
``plan.joins`` and ``plan.subqueries``); the rules here run on the finished plan.
"""

from __future__ import annotations

from warehouse.optimizer.merge_filters import merge_filters
from warehouse.optimizer.prune_columns import prune_columns
from warehouse.plan.logical import Plan

RULES = (merge_filters, prune_columns)


def optimize(plan: Plan) -> Plan:
    """Apply every rule of ``RULES`` in order; each keeps the plan's output columns."""
    for rule in RULES:
        before = [f.type for f in plan.fields]
        plan = rule(plan)
        after = [f.type for f in plan.fields]
        if before != after:
            msg = f"internal: optimizer rule {rule.__name__} changed the output columns"
            raise AssertionError(msg)
    return plan
