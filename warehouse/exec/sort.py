"""ORDER BY (and top-N when a LIMIT sits above it).

Each key becomes one numeric column for ``kernels.sort``: numbers and dates are
themselves, strings the rank of their dictionary entry (the dictionary is sorted once,
not the rows), booleans 0/1; NULL placement and direction are flags per key.
"""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from kernels import sort as ksort
from warehouse.exec.evaluate import evaluate_vector
from warehouse.exec.executor import ExecContext, execute
from warehouse.plan.logical import Sort, SortKey
from warehouse.vector import Batch, Vector


def sort_column(v: Vector) -> np.ndarray:
    """A numeric column that orders like ``v``'s values."""
    if v.type.is_string:
        d = v.dictionary
        if len(d) == 0:
            return np.zeros(len(v.data), dtype=np.int64)
        order = np.asarray(pc.array_sort_indices(d))
        rank = np.empty(len(d), dtype=np.int64)
        rank[order] = np.arange(len(d))
        return rank[v.data]
    if v.data.dtype == np.bool_:
        return v.data.astype(np.int64)
    if v.data.dtype.kind == "f":
        return v.data.astype(np.float64, copy=False)
    return v.data.astype(np.int64, copy=False)


def order_rows(batch: Batch, keys: list[SortKey], limit: int | None = None) -> np.ndarray:
    """Row indexes of ``batch`` in key order (only the first ``limit`` when given)."""
    vectors = [evaluate_vector(k.expr, batch) for k in keys]
    columns = [sort_column(v) for v in vectors]
    desc = [k.descending for k in keys]
    nulls_first = [k.nulls_first for k in keys]
    nulls = [None if v.valid is None else ~v.valid for v in vectors]
    if limit is not None and limit < batch.length:
        return ksort.top_n(columns, limit, desc, nulls_first, nulls)
    return ksort.argsort_keys(columns, desc, nulls_first, nulls)


def execute_sort(plan: Sort, ctx: ExecContext) -> Batch:
    batch = execute(plan.child, ctx)
    if batch.length <= 1:
        return batch
    return batch.take(order_rows(batch, plan.keys, plan.limit))
