"""Runs a logical plan: one function per operator, each materialising its output batch.

Operators exchange whole ``Batch``es (numpy columns).  Scans run one task per slice on
the worker pool (numpy and the numba kernels release the GIL, so both cores work); the
heavy operators (hash join, hash aggregation, sort) call kernels from ``kernels/`` once
per batch, never per row.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from warehouse.errors import QueryCanceled
from warehouse.exec.evaluate import evaluate_predicate, evaluate_vector
from warehouse.exec.gil import tune_switch_interval
from warehouse.exec.memory import tune_allocator
from warehouse.plan import logical as L
from warehouse.vector import Batch, Scalar, Vector, concat_batches, vector_from_arrow

tune_allocator()
tune_switch_interval()

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def worker_pool() -> ThreadPoolExecutor:
    """The process-wide pool that runs per-slice work."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            import os

            _POOL = ThreadPoolExecutor(max_workers=max(os.cpu_count() or 2, 2), thread_name_prefix="slice")
        return _POOL


@dataclass
class ExecContext:
    """Per-statement execution state: cancellation and progress."""

    cancel: threading.Event = field(default_factory=threading.Event)
    progress: Callable[[str, int], None] | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        if self.cancel.is_set():
            msg = "canceling statement due to user request"
            raise QueryCanceled(msg)


def execute(plan: L.Plan, ctx: ExecContext | None = None) -> Batch:
    """Run ``plan`` and return its whole result."""
    ctx = ctx or ExecContext()
    ctx.check()
    fn = _DISPATCH.get(type(plan))
    if fn is None:
        msg = f"internal: no executor for {type(plan).__name__}"
        raise NotImplementedError(msg)
    return fn(plan, ctx)


# ----- per-slice pipelines ------------------------------------------------------------------
def execute_sliced(plan: L.Plan, ctx: ExecContext, each: Callable[[Batch], Batch] | None = None) -> list[Batch] | None:
    """Run a Scan -> Filter/Project/inner-join chain once per slice, slices in parallel.

    Returns one batch per slice (a slice fragment's output), or None when ``plan`` is not
    such a chain; operators that can work per slice (aggregation) consume the parts
    directly, the others concatenate them.  ``each``, when given, is applied to every part
    inside its task (a partial aggregate), and its results are returned instead.  An
    external table's scan is streamed: its parts are the chunks read from its objects.  An
    inner equi-join on the way (``join.pipeline_side``) has its other input executed and
    hashed first (``join.JoinProbe``); each part then probes it inside its task.
    """
    chain: list[Any] = []
    node = plan
    sides: dict[int, str] = {}
    while True:
        if isinstance(node, (L.Filter, L.Project)):
            chain.append(node)
            node = node.child
            continue
        if isinstance(node, L.Join):
            from warehouse.exec.join import pipeline_side

            side = pipeline_side(node)
            if side is not None:  # an inner join streams one input through a hash table of the other
                sides[id(node)] = side
                chain.append(node)
                node = node.left if side == "left" else node.right
                continue
        break
    if not isinstance(node, (L.Scan, L.ExternalScan)):
        return None
    chain.reverse()  # lowest first
    if sides:
        from warehouse.exec.join import JoinProbe

        chain = [JoinProbe(op, sides[id(op)], ctx) if id(op) in sides else op for op in chain]
    if isinstance(node, L.ExternalScan):
        from warehouse.exec.external_scan import run_external

        if each is None:
            return [run_external(node, chain, ctx, None)]  # type: ignore[list-item]
        return run_external(node, chain, ctx, each)  # type: ignore[return-value]
    from warehouse.exec.scan import scan_tasks

    tasks = scan_tasks(node, ctx)

    def fragment(task: Callable[[], Batch]) -> Batch:
        batch = apply_chain(chain, task(), ctx)
        return each(batch) if each is not None else batch

    return run_parallel([(lambda t=t: fragment(t)) for t in tasks])


def apply_chain(chain: list[L.Plan], batch: Batch, ctx: ExecContext) -> Batch:
    """``batch`` through Filter/Project operators and join probes, lowest first."""
    for op in chain:
        ctx.check()
        batch = _apply(op, batch) if isinstance(op, (L.Filter, L.Project)) else op.apply(batch)
    return batch


def _apply(op: L.Plan, batch: Batch) -> Batch:
    if isinstance(op, L.Filter):
        if batch.length == 0:
            return batch
        mask = evaluate_predicate(op.predicate, batch)
        return batch if mask.all() else batch.filter(mask)
    assert isinstance(op, L.Project)
    return Batch([evaluate_vector(e, batch) for e in op.exprs], batch.length)


# ----- simple operators ------------------------------------------------------------------
def _filter(plan: L.Filter, ctx: ExecContext) -> Batch:
    parts = execute_sliced(plan, ctx)
    if parts is not None:
        return concat_batches(parts, len(plan.fields))
    return _apply(plan, execute(plan.child, ctx))


def _project(plan: L.Project, ctx: ExecContext) -> Batch:
    parts = execute_sliced(plan, ctx)
    if parts is not None:
        return concat_batches(parts, len(plan.fields))
    return _apply(plan, execute(plan.child, ctx))


def _limit(plan: L.Limit, ctx: ExecContext) -> Batch:
    batch = execute(plan.child, ctx)
    stop = batch.length if plan.limit is None else plan.offset + plan.limit
    return batch.slice(plan.offset, stop)


def _values(plan: L.Values, ctx: ExecContext) -> Batch:
    one = Batch([], 1)
    if not plan.fields:
        return Batch([], len(plan.rows))
    columns: list[Vector] = []
    for j, f in enumerate(plan.fields):
        parts = []
        for row in plan.rows:
            v = evaluate_vector(row[j], one)
            parts.append(v if v.type == f.type else Vector(f.type, v.data, v.valid, v.dictionary))
        from warehouse.vector import concat_vectors

        columns.append(concat_vectors(parts))
    return Batch(columns, len(plan.rows))


def _arrow_scan(plan: L.ArrowScan, ctx: ExecContext) -> Batch:
    cols = [vector_from_arrow(plan.table.column(i), f.type) for i, f in enumerate(plan.fields)]
    return Batch(cols, plan.table.num_rows)


def run_parallel(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run tasks on the worker pool (inline when there is only one)."""
    if len(tasks) <= 1:
        return [t() for t in tasks]
    pool = worker_pool()
    futures = [pool.submit(t) for t in tasks]
    return [f.result() for f in futures]


def _dispatch() -> dict[type, Callable[[Any, ExecContext], Batch]]:
    from warehouse.exec.aggregate import execute_aggregate
    from warehouse.exec.join import execute_join
    from warehouse.exec.scan import execute_scan
    from warehouse.exec.setops import execute_setop
    from warehouse.exec.sort import execute_sort
    from warehouse.exec.window import execute_window
    from warehouse.exec.external_scan import execute_external_scan
    from warehouse.exec.unnest import execute_unnest

    return {
        L.Scan: execute_scan,
        L.ArrowScan: _arrow_scan,
        L.ExternalScan: execute_external_scan,
        L.Values: _values,
        L.Materialized: lambda plan, ctx: plan.batch,
        L.Filter: _filter,
        L.Project: _project,
        L.Aggregate: execute_aggregate,
        L.Join: execute_join,
        L.Sort: execute_sort,
        L.Limit: _limit,
        L.SetOp: execute_setop,
        L.Window: execute_window,
        L.Unnest: execute_unnest,
    }


class _LazyDispatch(dict):
    def get(self, key: Any, default: Any = None) -> Any:  # type: ignore[override]
        if not self:
            self.update(_dispatch())
        return super().get(key, default)


_DISPATCH: dict[type, Callable[[Any, ExecContext], Batch]] = _LazyDispatch()

__all__ = ["execute", "ExecContext", "run_parallel", "concat_batches", "Scalar", "np"]
