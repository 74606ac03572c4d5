"""UNION, INTERSECT, EXCEPT (and their ALL forms) by factorising whole rows.

Both inputs are concatenated and every distinct row gets a group id (NULLs equal, as set
operations treat them); per-side counts of each group then decide what is kept.
"""

from __future__ import annotations

import numpy as np

from kernels import aggregate as K
from warehouse.exec.executor import ExecContext, execute
from warehouse.exec.keys import group_key_matrix
from warehouse.plan.logical import SetOp
from warehouse.vector import Batch, concat_batches


def distinct_rows(batch: Batch) -> Batch:
    """The distinct rows of ``batch``, in first-appearance order."""
    if batch.length == 0 or not batch.columns:
        return batch.slice(0, min(batch.length, 1))
    _, _, first = K.group_ids(group_key_matrix(batch.columns))
    return batch.take(first)


def execute_setop(plan: SetOp, ctx: ExecContext) -> Batch:
    left = execute(plan.left, ctx)
    right = execute(plan.right, ctx)
    ncols = len(plan.fields)
    both = concat_batches([left, right], ncols)
    if plan.kind == "union":
        return both if plan.all else distinct_rows(both)
    if both.length == 0:
        return left
    ids, ngroups, first = K.group_ids(group_key_matrix(both.columns))
    nl = left.length
    lcount = np.bincount(ids[:nl], minlength=ngroups)
    rcount = np.bincount(ids[nl:], minlength=ngroups)
    if plan.kind == "intersect":
        keep = np.minimum(lcount, rcount) if plan.all else ((lcount > 0) & (rcount > 0)).astype(np.int64)
    else:
        keep = np.maximum(lcount - rcount, 0) if plan.all else ((lcount > 0) & (rcount == 0)).astype(np.int64)
    groups = np.flatnonzero(keep > 0)
    rows = np.repeat(first[groups], keep[groups])
    return both.take(rows)
