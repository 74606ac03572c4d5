"""Window functions: sort by (partition, order) once per window, compute, scatter back.

After sorting, ``part_start`` marks the first row of each partition and ``peer_start``
the first row of each group of ORDER BY peers; the kernels in ``kernels.window`` work on
those flags.  Results are written back in the input's row order.
"""

from __future__ import annotations

import numpy as np

from kernels import sort as ksort
from kernels import window as W
from warehouse import types as T
from warehouse.errors import NotSupportedError, NumericOverflow
from warehouse.exec.aggregate import avg_from_sums
from warehouse.exec.evaluate import evaluate_vector
from warehouse.exec.executor import ExecContext, execute
from warehouse.exec.sort import sort_column
from warehouse.plan.logical import Window, WindowCall
from warehouse.vector import Batch, Vector


def execute_window(plan: Window, ctx: ExecContext) -> Batch:
    batch = execute(plan.child, ctx)
    out = list(batch.columns)
    for call in plan.calls:
        out.append(_one(call, batch))
    return Batch(out, batch.length)


def _changes(columns: list[np.ndarray], nulls: list[np.ndarray | None], n: int) -> np.ndarray:
    flags = np.zeros(n, dtype=np.bool_)
    if n:
        flags[0] = True
    for c, nl in zip(columns, nulls):
        if n > 1:
            flags[1:] |= c[1:] != c[:-1]
            if nl is not None:
                flags[1:] |= nl[1:] != nl[:-1]
    return flags


def _one(call: WindowCall, batch: Batch) -> Vector:
    n = batch.length
    pvecs = [evaluate_vector(p, batch) for p in call.partition]
    ovecs = [evaluate_vector(k.expr, batch) for k in call.order]
    pcols = [sort_column(v) for v in pvecs]
    ocols = [sort_column(v) for v in ovecs]
    pnulls = [None if v.valid is None else ~v.valid for v in pvecs]
    onulls = [None if v.valid is None else ~v.valid for v in ovecs]
    keys = pcols + ocols
    if keys and n:
        desc = [False] * len(pcols) + [k.descending for k in call.order]
        nf = [False] * len(pcols) + [k.nulls_first for k in call.order]
        order = ksort.argsort_keys(keys, desc, nf, pnulls + onulls)
    else:
        order = np.arange(n, dtype=np.int64)
    sp = [c[order] for c in pcols]
    so = [c[order] for c in ocols]
    spn = [None if m is None else m[order] for m in pnulls]
    son = [None if m is None else m[order] for m in onulls]
    part_start = _changes(sp, spn, n)
    peer_start = part_start | _changes(so, son, n) if call.order else part_start.copy()
    args = [evaluate_vector(a, batch).take(order) for a in call.args]
    result = _compute(call, args, part_start, peer_start, n)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n, dtype=np.int64)
    return result.take(inverse)


def _compute(call: WindowCall, args: list[Vector], ps: np.ndarray, peers: np.ndarray, n: int) -> Vector:
    fn = call.fn
    if fn == "row_number":
        return Vector(T.BIGINT, W.row_number(ps))
    if fn == "rank":
        return Vector(T.BIGINT, W.rank(ps, peers))
    if fn == "dense_rank":
        return Vector(T.BIGINT, W.dense_rank(ps, peers))
    if fn == "ntile":
        buckets = int(args[0].data[0]) if n else 1
        return Vector(T.INTEGER, W.ntile(ps, buckets).astype(np.int32))
    if fn in ("percent_rank", "cume_dist"):
        begin, end = W.partition_bounds(ps)
        size = (end - begin).astype(np.float64)
        if fn == "percent_rank":
            r = W.rank(ps, peers).astype(np.float64)
            data = np.where(size > 1, (r - 1) / np.maximum(size - 1, 1), 0.0)
        else:
            _, pend = W.peer_bounds(peers)
            data = (pend - begin) / size
        return Vector(T.DOUBLE, data)
    if fn in ("lag", "lead"):
        offset = int(args[1].data[0]) if len(args) > 1 and n else 1
        src = W.lag(ps, offset) if fn == "lag" else W.lead(ps, offset)
        out = args[0].take_or_null(src)
        if len(args) > 2:
            default = args[2]
            miss = src < 0
            if miss.any():
                data = out.data.copy()
                data[miss] = default.data[miss]
                valid = out.validity().copy()
                valid[miss] = default.validity()[miss]
                out = Vector(out.type, data, None if valid.all() else valid, out.dictionary)
        return out
    if fn in ("first_value", "last_value"):
        return _first_last(call, args[0], ps, peers)
    return _aggregate(call, args, ps, peers, n)


def _first_last(call: WindowCall, arg: Vector, ps: np.ndarray, peers: np.ndarray) -> Vector:
    begin, end = W.partition_bounds(ps)
    if call.fn == "first_value":
        return arg.take(begin)
    frame = call.frame
    if frame is None and call.order:
        _, pend = W.peer_bounds(peers)
        return arg.take(pend - 1)
    if frame is None or (frame[1] is None and frame[2] is None):
        return arg.take(end - 1)
    if frame[2] == 0 and frame[0] == "rows":
        return arg
    msg = "LAST_VALUE with this frame is not supported"
    raise NotSupportedError(msg)


def _values(arg: Vector) -> np.ndarray:
    if arg.data.dtype.kind == "f":
        return arg.data.astype(np.float64, copy=False)
    return arg.data.astype(np.int64, copy=False)


def _aggregate(call: WindowCall, args: list[Vector], ps: np.ndarray, peers: np.ndarray, n: int) -> Vector:
    fn = call.fn
    frame = call.frame
    if frame is None:
        mode = "running_range" if call.order else "partition"
    elif frame[1] is None and frame[2] is None:
        mode = "partition"
    elif frame[1] is None and frame[2] == 0:
        mode = "running_rows" if frame[0] == "rows" else "running_range"
    else:
        mode = "framed"
    if fn == "count_star":
        ones = Vector(T.BIGINT, np.ones(n, dtype=np.int64))
        return _aggregate(WindowCall("count", (), call.partition, call.order, call.frame, call.type), [ones], ps, peers, n)
    arg = args[0]
    valid = arg.valid
    if fn in ("sum", "avg", "count"):
        values = _values(arg) if fn != "count" else np.zeros(n, dtype=np.int64)
        if mode == "partition":
            s, c, o = W.partition_sum(ps, values, valid)
        elif mode == "framed":
            s, c, o = W.framed_sum(ps, values, frame[1], frame[2], valid)
        else:
            s, c, o = W.running_sum(ps, peers, values, valid, mode == "running_range")
        if o:
            msg = "numeric overflow in window SUM"
            raise NumericOverflow(msg)
        if fn == "count":
            return Vector(T.BIGINT, c.astype(np.int64))
        ok = c > 0
        vmask = None if ok.all() else ok
        if fn == "sum":
            return Vector(call.type, s.astype(call.type.numpy_dtype), vmask)
        return avg_from_sums(call.type, arg.type, s, c)
    if fn in ("min", "max"):
        if arg.type.is_string:
            msg = "MIN/MAX window functions over strings are not supported"
            raise NotSupportedError(msg)
        values = _values(arg)
        if mode == "partition":
            r, c = (W.partition_min if fn == "min" else W.partition_max)(ps, values, valid)
        elif mode in ("running_rows", "running_range"):
            r, c = (W.running_min if fn == "min" else W.running_max)(ps, peers, values, valid, mode == "running_range")
        elif frame[0] == "rows":
            r, c = (W.framed_min if fn == "min" else W.framed_max)(ps, values, frame[1], frame[2], valid)
        else:
            msg = f"{fn.upper()} with a RANGE frame other than UNBOUNDED PRECEDING .. CURRENT ROW is not supported"
            raise NotSupportedError(msg)
        ok = c > 0
        return Vector(arg.type, r.astype(arg.type.numpy_dtype), None if ok.all() else ok)
    msg = f"window function {fn} is not supported"
    raise NotSupportedError(msg)
