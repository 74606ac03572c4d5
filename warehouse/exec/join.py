"""Hash joins of every kind, with the build side chosen at run time (the smaller input).

Both inputs are materialised, so the operator knows their real sizes: it builds the hash
table (``warehouse.exec.join_table``) on the smaller side and probes with the other.  Outer joins
are inner matches (after the residual predicate) plus the unmatched rows of the preserved
side padded with NULLs; semi/anti joins reduce matches to a row mask.  NULL keys never
match.  NOT IN (``anti_null_aware``) returns nothing once the subquery produced a NULL.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from warehouse import types as T
from warehouse.errors import ProgrammingError
from warehouse.exec.evaluate import evaluate_predicate, evaluate_vector
from warehouse.exec.executor import ExecContext, execute
from warehouse.exec.join_table import JoinTable
from warehouse.exec.key_reduction import reduce_right
from warehouse.exec.keys import align_pair, any_null, key_matrix
from warehouse.plan.logical import Join
from warehouse.vector import Batch, Vector

MAX_CROSS_ROWS = 200_000_000


def execute_join(plan: Join, ctx: ExecContext) -> Batch:
    from warehouse.exec.executor import execute_sliced
    from warehouse.vector import concat_batches

    parts = execute_sliced(plan, ctx)  # an inner join streaming a scan's slices or chunks
    if parts is not None:
        return concat_batches(parts, len(plan.fields))
    left = execute(plan.left, ctx)
    if plan.kind in ("inner", "semi", "cross", "mark") and left.length == 0:
        return _shape(plan, left, None)
    if plan.kind == "cross" or not plan.left_keys:
        return _nested(plan, left, execute(plan.right, ctx))
    lk = [evaluate_vector(e, left) for e in plan.left_keys]
    right = execute(reduce_right(plan, left, lk) or plan.right, ctx)
    ctx.check()
    rk = [evaluate_vector(e, right) for e in plan.right_keys]
    lk, rk = align_pair(lk, rk)
    kind = plan.kind
    if kind == "anti_null_aware":
        if right.length == 0:
            return left
        rnull = any_null(rk[:1])
        if rnull is not None and rnull.any():
            return _shape(plan, left.take(np.empty(0, np.int64)), None)
    li, ri = _match_pairs(lk, rk, left.length, right.length, plan)
    if plan.residual is not None and len(li):
        keep = _residual(plan, left, right, li, ri)
        li, ri = li[keep], ri[keep]
    if kind == "inner":
        return _combine(left.take(li), right.take(ri))
    null_keys = any_null(lk[:1]) if kind == "anti_null_aware" else None
    return _finish_pairs(plan, left, right, li, ri, null_keys)


def _match_pairs(lk: list[Vector], rk: list[Vector], nl: int, nr: int, plan: Join) -> tuple[np.ndarray, np.ndarray]:
    """All (left row, right row) pairs with equal, non-NULL keys."""
    lmat, rmat = key_matrix(lk), key_matrix(rk)
    lnull, rnull = any_null(lk), any_null(rk)
    lsel = None if lnull is None else np.flatnonzero(~lnull)
    rsel = None if rnull is None else np.flatnonzero(~rnull)
    if lsel is not None:
        lmat = np.ascontiguousarray(lmat[lsel])
    if rsel is not None:
        rmat = np.ascontiguousarray(rmat[rsel])
    semi_only = plan.kind in ("semi", "anti", "anti_null_aware", "mark") and plan.residual is None
    if semi_only:
        # one row per matched left row is enough
        if len(lmat) <= len(rmat):
            table = JoinTable(lmat)
            matched = np.zeros(len(lmat), dtype=np.bool_)
            # chunks only ever set entries to True, so they may share ``matched``
            _chunked(len(rmat), lambda a, b: table.mark(rmat[a:b], matched))
            li = np.flatnonzero(matched)
        else:
            table = JoinTable(rmat)
            hits = _chunked(len(lmat), lambda a, b: table.semi(lmat[a:b]))
            li = np.flatnonzero(np.concatenate(hits) if hits else np.zeros(0, np.bool_))
        li = li if lsel is None else lsel[li]
        return li.astype(np.int64), np.zeros(len(li), dtype=np.int64)
    if len(rmat) <= len(lmat):
        li, ri = _probe(JoinTable(rmat), lmat)
    else:
        ri, li = _probe(JoinTable(lmat), rmat)
    if lsel is not None:
        li = lsel[li]
    if rsel is not None:
        ri = rsel[ri]
    return li, ri


def _residual(plan: Join, left: Batch, right: Batch, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    """The residual predicate over matched pairs, gathering only the columns it reads."""
    from warehouse.plan.expressions import column_indexes

    used = column_indexes(plan.residual)
    nl = len(left.columns)
    cols = [left.columns[i].take(li) if i in used else None for i in range(nl)]
    cols += [right.columns[j].take(ri) if nl + j in used else None for j in range(len(right.columns))]
    return evaluate_predicate(plan.residual, Batch(cols, len(li)))  # type: ignore[arg-type]


PARALLEL_PROBE_ROWS = 1 << 19  # probe sides at least this long are split over the worker pool


def _chunked(n: int, fn: Callable[[int, int], Any]) -> list[Any]:
    """``fn(start, stop)`` over row ranges covering [0, n), in parallel when n is large."""
    from warehouse.exec.executor import run_parallel

    parts = max(1, min(os.cpu_count() or 2, n // PARALLEL_PROBE_ROWS))
    bounds = [n * i // parts for i in range(parts + 1)]
    return run_parallel([(lambda a=a, b=b: fn(a, b)) for a, b in zip(bounds[:-1], bounds[1:])])


def _probe(table: JoinTable, probe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inner-join pairs (probe row, build row); the probe side is cut into chunks that run
    on the worker pool (the kernel releases the GIL and only reads the hash table)."""
    parts = _chunked(len(probe), lambda a, b: (a, table.inner(probe[a:b])))
    if len(parts) == 1:
        return parts[0][1]
    pi = np.concatenate([p + a for a, (p, _) in parts])
    bi = np.concatenate([b for _, (_, b) in parts])
    return pi, bi


def _nested(plan: Join, left: Batch, right: Batch) -> Batch:
    """Joins without equality keys: every pair, then the residual."""
    total = left.length * right.length
    if total > MAX_CROSS_ROWS:
        msg = f"join without an equality condition would produce {total} rows; add a join condition"
        raise ProgrammingError(msg, sqlstate="54000")
    li = np.repeat(np.arange(left.length, dtype=np.int64), right.length)
    ri = np.tile(np.arange(right.length, dtype=np.int64), left.length)
    if plan.residual is not None and len(li):
        keep = _residual(plan, left, right, li, ri)
        li, ri = li[keep], ri[keep]
    if plan.kind in ("inner", "cross"):
        return _combine(left.take(li), right.take(ri))
    return _finish_pairs(plan, left, right, li, ri, None)


def _finish_pairs(plan: Join, left: Batch, right: Batch, li: np.ndarray, ri: np.ndarray, null_keys: np.ndarray | None) -> Batch:
    """Every join kind from its matching (left row, right row) pairs: semi/anti/mark reduce
    them to a mask over the left rows; outer joins add the unmatched rows, NULL-padded.
    ``null_keys`` marks left rows whose NOT IN key is NULL (dropped by the anti join)."""
    kind = plan.kind
    if kind in ("semi", "anti", "anti_null_aware", "mark"):
        matched = np.zeros(left.length, dtype=np.bool_)
        matched[li] = True
        if kind == "semi":
            return left.filter(matched)
        if kind == "mark":
            return Batch(left.columns + [Vector(T.BOOLEAN, matched)], left.length)
        keep = ~matched
        if null_keys is not None:
            keep &= ~null_keys
        return left.filter(keep)
    parts_l, parts_r = [li], [ri]
    if kind in ("left", "full"):
        seen = np.zeros(left.length, dtype=np.bool_)
        seen[li] = True
        miss = np.flatnonzero(~seen)
        parts_l.append(miss)
        parts_r.append(np.full(len(miss), -1, dtype=np.int64))
    if kind in ("right", "full"):
        seen = np.zeros(right.length, dtype=np.bool_)
        seen[ri] = True
        miss = np.flatnonzero(~seen)
        parts_l.append(np.full(len(miss), -1, dtype=np.int64))
        parts_r.append(miss)
    li, ri = np.concatenate(parts_l), np.concatenate(parts_r)
    return _combine(
        Batch([c.take_or_null(li) for c in left.columns], len(li)),
        Batch([c.take_or_null(ri) for c in right.columns], len(ri)),
    )


def _combine(a: Batch, b: Batch) -> Batch:
    return Batch(a.columns + b.columns, a.length)


def _shape(plan: Join, left: Batch, right: Batch | None) -> Batch:
    """An empty result with the join's output columns."""
    if plan.kind in ("semi", "anti", "anti_null_aware"):
        return left.take(np.empty(0, np.int64))
    empty = np.empty(0, np.int64)
    cols = [c.take(empty) for c in left.columns]
    cols += [Vector.empty(f.type) for f in plan.fields[len(left.columns) :]]
    return Batch(cols, 0)


# ----- inner joins inside per-slice pipelines -----------------------------------------------
def pipeline_side(plan: Join) -> str | None:
    """``"left"`` or ``"right"``: the input a per-slice pipeline may stream through this join,
    probing a hash table built once on the other input; None when the join must see both
    inputs whole.  Only inner equi-joins on non-string keys (a string key's codes depend on
    each batch's dictionary), streaming the side estimated larger, which must itself reach a
    table scan through filters, projections and such joins."""
    if plan.kind != "inner" or not plan.left_keys:
        return None
    if any(e.type.is_string for e in list(plan.left_keys) + list(plan.right_keys)):
        return None
    from warehouse.plan.joins import estimate

    left, right = _streams(plan.left), _streams(plan.right)
    if not (left or right):
        return None
    el, er = estimate(plan.left), estimate(plan.right)
    if left and (el >= er or not right):
        return "left" if el >= er else None
    return "right" if er >= el else None


def _streams(node: Any) -> bool:
    from warehouse.plan import logical as L

    while isinstance(node, (L.Filter, L.Project)):
        node = node.child
    if isinstance(node, L.Join):
        return pipeline_side(node) is not None
    return isinstance(node, (L.Scan, L.ExternalScan))


class JoinProbe:
    """An inner join as a step of a per-slice pipeline: the other input is executed and
    hashed once (``__init__``, on the calling thread), then every streamed batch is probed
    against it (``apply``, on the worker threads; the table is only read)."""

    def __init__(self, plan: Join, side: str, ctx: ExecContext) -> None:
        self.plan = plan
        self.fields = plan.fields
        self.stream_left = side == "left"
        self.build = execute(plan.right if self.stream_left else plan.left, ctx)
        keys = [evaluate_vector(e, self.build) for e in (plan.right_keys if self.stream_left else plan.left_keys)]
        self.probe_keys = plan.left_keys if self.stream_left else plan.right_keys
        mat = key_matrix(keys) if self.build.length else np.empty((0, len(keys)), np.int64)
        null = any_null(keys) if self.build.length else None
        self.sel = None if null is None else np.flatnonzero(~null)
        self.mat = mat if self.sel is None else np.ascontiguousarray(mat[self.sel])
        self.table = JoinTable(self.mat) if len(self.mat) else None

    def apply(self, batch: Batch) -> Batch:
        empty = np.empty(0, np.int64)
        pi = bi = empty
        if self.table is not None and batch.length:
            keys = [evaluate_vector(e, batch) for e in self.probe_keys]
            pmat, null = key_matrix(keys), any_null(keys)
            psel = None if null is None else np.flatnonzero(~null)
            if psel is not None:
                pmat = np.ascontiguousarray(pmat[psel])
            if len(pmat):
                pi, bi = self.table.inner(pmat)
                if psel is not None:
                    pi = psel[pi]
                if self.sel is not None:
                    bi = self.sel[bi]
        left, right = (batch, self.build) if self.stream_left else (self.build, batch)
        li, ri = (pi, bi) if self.stream_left else (bi, pi)
        if self.plan.residual is not None and len(li):
            keep = _residual(self.plan, left, right, li, ri)
            li, ri = li[keep], ri[keep]
        return _combine(left.take(li), right.take(ri))
