"""Sideways information passing: a join whose left input is already computed hands its
keys to the right input, which drops rows with other keys before it aggregates or joins.

Why: a decorrelated scalar subquery is a LEFT JOIN of the outer rows to an aggregate of
the subquery's input grouped by the correlation columns.  The aggregate computes every
group (TPC-H Q17: 200,000 part keys over 6 million lineitem rows) although only the outer
rows' keys survive the join (204 parts).  Filtering the aggregate's input by those keys
first gives the same answer at a fraction of the work; DuckDB gets the same effect from its
"delim join".  The same holds for IN/EXISTS subqueries (semi and anti joins) and for an
aggregate over joins (Q2's minimum supply cost per part).

How: the join's right keys are followed down the right plan through projections (column
renames), aggregates (filtering input rows by a group key drops whole groups) and inner
joins (a joined row's key comes from one side), to the lowest point that keeps the key
columns, stopping above filters (they are cheaper than a hash probe and shrink the input
first) and at anything else.  There the input becomes an inner join with the left side's
distinct keys (each row matches at most one key: a semi join), which the executor streams
through its per-slice pipelines like any inner join.  It is only done when the keys are
few against the rows they filter (judged by the left side's row count, before any hashing)
and an aggregate or a join lies above that point.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kernels import aggregate as K
from warehouse.exec.keys import any_null, group_key_matrix
from warehouse.plan import logical as L
from warehouse.plan.expressions import ColumnRef, Expr
from warehouse.vector import Batch, Vector

MAX_KEYS = 1 << 20  # more distinct keys than this: the hash table costs more than it saves
MIN_REDUCTION = 8  # the filtered input must be estimated at least this many times the keys
REDUCIBLE = ("left", "semi", "anti", "inner")  # the right side may lose rows without a left match


def reduce_right(plan: L.Join, left: Batch, left_keys: list[Vector]) -> L.Plan | None:
    """``plan.right`` reading only rows whose keys are among ``left_keys`` (evaluated over
    ``left``), or None when that does not apply or would not pay."""
    if plan.kind not in REDUCIBLE:
        return None
    if not left.length or len(left_keys) != len(plan.right_keys):
        return None
    index = [e.index if isinstance(e, ColumnRef) else None for e in plan.right_keys]
    if None in index:
        return None
    target = _descend(plan.right, index, worked=False)  # type: ignore[arg-type]
    if target is None:
        return None
    from warehouse.plan.joins import estimate

    node, cols = target.node, target.columns
    if left.length > MAX_KEYS or estimate(node) < MIN_REDUCTION * left.length:
        return None  # decided on the left's rows (at least its distinct keys) before hashing them
    keys = _distinct(left_keys)
    if keys.length == 0:
        return None
    return target.rebuild(_keep_matching(node, cols, keys))


class _Target:
    """Where the filter goes: ``node``, its key ``columns``, and how to rebuild the plan
    above it around the filtered node."""

    def __init__(self, node: L.Plan, columns: list[int], parents: list[tuple[L.Plan, str]]) -> None:
        self.node, self.columns, self.parents = node, columns, parents

    def rebuild(self, new: L.Plan) -> L.Plan:
        for parent, attr in reversed(self.parents):
            new = replace(parent, **{attr: new})  # type: ignore[arg-type]
        return new


def _descend(node: L.Plan, columns: list[int], worked: bool, parents: list | None = None) -> _Target | None:
    """Follow output ``columns`` of ``node`` down to where they are produced; ``worked``:
    an aggregate or a join lies above (else filtering here only repeats the join's work)."""
    parents = parents or []
    if isinstance(node, L.Project):
        inner = [node.exprs[c] for c in columns]
        if all(isinstance(e, ColumnRef) for e in inner):
            return _descend(node.child, [e.index for e in inner], worked, parents + [(node, "child")])  # type: ignore[union-attr]
    elif isinstance(node, L.Aggregate):
        if all(c < len(node.groups) for c in columns):
            groups = [node.groups[c] for c in columns]
            if not all(isinstance(g, ColumnRef) for g in groups):
                return None  # computed group keys: not followed
            return _descend(node.child, [g.index for g in groups], True, parents + [(node, "child")])  # type: ignore[union-attr]
    elif isinstance(node, L.Filter):  # HAVING, or WHERE over a scan: keys filtered above it
        below = _descend(node.child, columns, worked, parents + [(node, "child")])
        if below is not None and below.node is not node.child:
            return below
    elif isinstance(node, L.Join) and node.kind in ("inner", "left", "semi", "anti", "anti_null_aware", "mark"):
        width = len(node.left.fields)
        if all(c < width for c in columns):  # the left side's rows are the output's
            return _descend(node.left, columns, True, parents + [(node, "left")])
        if node.kind == "inner" and all(c >= width for c in columns):
            return _descend(node.right, [c - width for c in columns], True, parents + [(node, "right")])
    if not worked:
        return None
    return _Target(node, columns, parents)


def _distinct(keys: list[Vector]) -> Batch:
    """The distinct non-NULL key tuples."""
    null = any_null(keys)
    if null is not None:
        keep = np.flatnonzero(~null)
        keys = [k.take(keep) for k in keys]
    n = len(keys[0])
    if n == 0:
        return Batch(keys, 0)
    _, _, first = K.group_ids(group_key_matrix(keys))
    return Batch([k.take(first) for k in keys], len(first))


def _keep_matching(node: L.Plan, columns: list[int], keys: Batch) -> L.Plan:
    """``node``'s rows whose ``columns`` equal some row of ``keys`` (distinct): an inner
    join with them, projected back to ``node``'s columns."""
    fields = list(node.fields)
    key_fields = [L.Field(f"key{j}", k.type) for j, k in enumerate(keys.columns)]
    source = L.Materialized(keys, key_fields)
    left_keys: list[Expr] = [ColumnRef(c, fields[c].type, fields[c].name) for c in columns]
    right_keys: list[Expr] = [ColumnRef(j, f.type) for j, f in enumerate(key_fields)]
    join = L.Join(node, source, "inner", left_keys, right_keys, None, fields + key_fields)
    return L.Project(join, [ColumnRef(i, f.type, f.name) for i, f in enumerate(fields)], fields)
