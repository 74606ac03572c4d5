"""Hash aggregation: factorise the group keys once, then one grouped kernel per aggregate.

Group ids come from ``kernels.aggregate.group_ids`` (dense, first-appearance order); each
aggregate is one kernel call over (ids, values).  Sums of integers and decimals stay in
int64 and report overflow (SQLSTATE 22003) instead of wrapping.  The input is split into
chunks that are aggregated on the worker pool and merged (two-phase aggregation) when it
is large.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kernels import aggregate as K
from warehouse import types as T
from warehouse.errors import NotSupportedError, NumericOverflow
from warehouse.exec.evaluate import evaluate_vector
from warehouse.exec.executor import ExecContext, execute
from warehouse.exec.keys import group_key_matrix, key_column
from warehouse.plan.logical import Aggregate, AggregateCall
from warehouse.types import Kind
from warehouse.vector import Batch, Vector, concat_batches


MERGEABLE = {"count_star", "count", "sum", "avg", "min", "max"}


def execute_aggregate(plan: Aggregate, ctx: ExecContext) -> Batch:
    """Two-phase when the input comes from per-slice fragments: each slice aggregates its
    own rows (in parallel), then the partial results are merged (the leader's step)."""
    from warehouse.exec.executor import execute_sliced

    mergeable = all(a.fn in MERGEABLE and not a.distinct for a in plan.aggs)
    if plan.groups and groups_by_distkey(plan):
        # slices hold disjoint groups: each slice's result is final
        finals = execute_sliced(plan.child, ctx, lambda p: _aggregate_batch(plan, p))
        if finals is not None:
            return concat_batches(finals, len(plan.fields)) if len(finals) > 1 else finals[0]
    if mergeable:
        partials = execute_sliced(plan.child, ctx, lambda p: _partial(plan, p))
        if partials is not None:
            ctx.check()
            return _merge(plan, partials) if partials else _aggregate_batch(plan, _empty_input(plan))
    parts = execute_sliced(plan.child, ctx)
    if parts is not None:
        batch = concat_batches(parts, len(plan.child.fields))
    else:
        batch = execute(plan.child, ctx)
    ctx.check()
    return _aggregate_batch(plan, batch)


def _empty_input(plan: Aggregate) -> Batch:
    """No rows of the aggregate's input (every part was empty)."""
    return Batch([Vector.empty(f.type) for f in plan.child.fields], 0)


def groups_by_distkey(plan: Aggregate) -> bool:
    """Whether a GROUP BY key is the scanned table's DISTKEY column (through the
    Filter/Project chain below), so that no group spans two slices."""
    from warehouse.plan import logical as L
    from warehouse.plan.expressions import ColumnRef

    indexes = {g.index for g in plan.groups if isinstance(g, ColumnRef)}
    node = plan.child
    while isinstance(node, (L.Filter, L.Project)):
        if isinstance(node, L.Project):
            indexes = {node.exprs[i].index for i in indexes if isinstance(node.exprs[i], ColumnRef)}
        node = node.child
    if not isinstance(node, L.Scan) or node.table.effective_diststyle != "KEY":
        return False
    distkey = node.table.definition.distkey
    return any(node.columns[i] == distkey for i in indexes)


def _partial(plan: Aggregate, batch: Batch) -> Batch:
    """One slice's groups: keys, then per aggregate its partial state columns
    (sum -> sum, count; avg -> sum, count; count -> count; min/max -> value).  An argument
    used by several aggregates is evaluated (and summed) once, and rows per group are
    counted once for every argument without NULLs."""
    keys = [evaluate_vector(g, batch) for g in plan.groups]
    ids, ngroups, out = _group(keys, batch.length)
    args = _ArgCache(batch)
    rows: list[np.ndarray] = []

    def counts_of(arg: Vector | None) -> np.ndarray:
        if arg is not None and arg.valid is not None:
            return K.count_valid(ids, ngroups, arg.valid)
        if not rows:
            rows.append(K.count(ids, ngroups))
        return rows[0]

    summed: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}  # SUM(x) and AVG(x) add x up once
    for call in plan.aggs:
        arg = args.get(call.arg)
        if call.fn in ("sum", "avg"):
            assert arg is not None
            sum_type = _sum_type(arg)
            if id(arg) not in summed:
                summed[id(arg)] = _sums(arg, ids, ngroups)
            sums, valid_counts = summed[id(arg)]
            counts = valid_counts if valid_counts is not None else counts_of(arg)
            valid = counts > 0
            out.append(Vector(sum_type, sums.astype(sum_type.numpy_dtype, copy=False), None if valid.all() else valid))
            out.append(Vector(T.BIGINT, counts))
        elif call.fn in ("count_star", "count") and not call.distinct:
            out.append(Vector(T.BIGINT, counts_of(arg)))
        else:
            out.append(aggregate(call, arg, ids, ngroups, batch.length))
    return Batch(out, ngroups)


class _ArgCache:
    """Aggregate arguments evaluated over a batch, each distinct expression once
    (``SUM(x)`` and ``AVG(x)``, TPC-H Q1's repeated price expressions)."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.done: dict[object, Vector] = {}

    def get(self, expr: object) -> Vector | None:
        if expr is None:
            return None
        try:
            hit = self.done.get(expr)
        except TypeError:  # an unhashable expression: evaluate it every time
            return evaluate_vector(expr, self.batch)  # type: ignore[arg-type]
        if hit is None:
            hit = self.done[expr] = evaluate_vector(expr, self.batch)  # type: ignore[arg-type]
        return hit


def _group(keys: list[Vector], n: int) -> tuple[np.ndarray, int, list[Vector]]:
    """Group ids of ``n`` rows, the number of groups and the group keys; without keys, one
    group (a global aggregate has one row even over no input)."""
    if not keys:
        return np.zeros(n, dtype=np.int64), 1, []
    ids, ngroups, first = K.group_ids(group_key_matrix(keys))
    return ids, ngroups, [k.take(first) for k in keys]


def _sum_type(arg: Vector) -> T.SqlType:
    if arg.data.dtype.kind == "f":
        return T.DOUBLE
    if arg.type.is_decimal:
        return T.decimal(38, arg.type.scale)
    return T.BIGINT


def _merge(plan: Aggregate, partials: list[Batch]) -> Batch:
    """Combine partial states: group the partial keys again and fold each state."""
    from warehouse.vector import concat_vectors

    nkeys = len(plan.groups)
    width = len(partials[0].columns)
    cols = [concat_vectors([p.columns[i] for p in partials]) for i in range(width)]
    keys = cols[:nkeys]
    ids, ngroups, out = _group(keys, sum(p.length for p in partials))
    i = nkeys
    for call in plan.aggs:
        if call.fn in ("sum", "avg"):
            sums, counts = cols[i], cols[i + 1]
            i += 2
            total = _sum(sums.type, sums, ids, ngroups)
            count = K.sum_int64(ids, ngroups, counts.data.astype(np.int64))[0]
            if call.fn == "sum":
                valid = count > 0
                out.append(Vector(call.type, total.data.astype(call.type.numpy_dtype, copy=False), None if valid.all() else valid))
            else:
                out.append(avg_from_sums(call.type, call.arg.type if call.arg is not None else T.BIGINT, total.data, count))
        elif call.fn in ("count", "count_star"):
            counts = cols[i]
            i += 1
            out.append(Vector(T.BIGINT, K.sum_int64(ids, ngroups, counts.data.astype(np.int64))[0]))
        else:
            values = cols[i]
            i += 1
            out.append(_minmax(call.fn, values, ids, ngroups))
    return Batch(out, ngroups)


def avg_from_sums(rtype: T.SqlType, arg_type: T.SqlType, sums: np.ndarray, counts: np.ndarray) -> Vector:
    """AVG of type ``rtype`` from sums and counts (NULL where the count is 0): decimals round
    half away from zero, integers truncate toward zero (Redshift), floats divide.  Shared by
    one-phase, merged two-phase and window aggregation."""
    valid = counts > 0
    safe = np.where(valid, counts, 1)
    if rtype.kind is Kind.DECIMAL:
        shift = rtype.scale - (arg_type.scale if arg_type.is_decimal else 0)
        data = _div_round(sums.astype(np.int64), safe, shift)
    elif rtype.is_integer:
        data = np.trunc(sums / safe).astype(np.int64) if sums.dtype.kind == "f" else _div_trunc(sums, safe)
    else:
        data = sums.astype(np.float64) / safe
    return Vector(rtype, data.astype(rtype.numpy_dtype, copy=False), None if valid.all() else valid)


def _aggregate_batch(plan: Aggregate, batch: Batch) -> Batch:
    keys = [evaluate_vector(g, batch) for g in plan.groups]
    if keys:
        ids, ngroups, first = K.group_ids(group_key_matrix(keys))
        out = [k.take(first) for k in keys]
    else:
        ids = np.zeros(batch.length, dtype=np.int64)
        ngroups = 1
        out = []
    args = _ArgCache(batch)
    for call in plan.aggs:
        out.append(aggregate(call, args.get(call.arg), ids, ngroups, batch.length))
    return Batch(out, ngroups)


def aggregate(call: AggregateCall, arg: Vector | None, ids: np.ndarray, ngroups: int, nrows: int) -> Vector:
    """One aggregate over all groups."""
    fn = call.fn
    if fn == "count_star":
        return Vector(T.BIGINT, K.count(ids, ngroups))
    assert arg is not None
    if call.distinct and fn in ("count", "sum", "avg"):
        if fn == "count":
            return Vector(T.BIGINT, K.count_distinct(ids, ngroups, key_column(arg), arg.valid))
        ids, arg = _distinct_rows(ids, arg)
    if fn == "count":
        counts = K.count(ids, ngroups) if arg.valid is None else K.count_valid(ids, ngroups, arg.valid)
        return Vector(T.BIGINT, counts)
    if fn == "sum":
        return _sum(call.type, arg, ids, ngroups)
    if fn == "avg":
        return _avg(call.type, arg, ids, ngroups)
    if fn in ("min", "max"):
        return _minmax(fn, arg, ids, ngroups)
    if fn in ("stddev_samp", "stddev_pop", "var_samp", "var_pop"):
        return _variance(fn, arg, ids, ngroups)
    if fn in ("bool_and", "bool_or"):
        v = Vector(T.BIGINT, arg.data.astype(np.int64), arg.valid)
        r = _minmax("min" if fn == "bool_and" else "max", v, ids, ngroups)
        return Vector(T.BOOLEAN, r.data.astype(np.bool_), r.valid)
    if fn == "listagg":
        return _listagg(call, arg, ids, ngroups)
    msg = f"aggregate function {fn} is not supported"
    raise NotSupportedError(msg)


def _distinct_rows(ids: np.ndarray, arg: Vector) -> tuple[np.ndarray, Vector]:
    pairs = np.empty((len(ids), 2), dtype=np.int64)
    pairs[:, 0] = ids
    pairs[:, 1] = key_column(arg)
    if arg.valid is not None:
        pairs[:, 1] = np.where(arg.valid, pairs[:, 1], 0)
    _, _, first = K.group_ids(pairs if arg.valid is None else np.ascontiguousarray(np.column_stack([pairs, arg.valid.astype(np.int64)])))
    return ids[first], arg.take(first)


def _sums(arg: Vector, ids: np.ndarray, ngroups: int) -> tuple[np.ndarray, np.ndarray | None]:
    """(sums, valid counts or None) with int64 exactness for integers and decimals."""
    if arg.data.dtype.kind == "f":
        data = arg.data.astype(np.float64, copy=False)
        if arg.valid is None:
            return K.sum_float64(ids, ngroups, data), None
        s, c = K.sum_float64_masked(ids, ngroups, data, arg.valid)
        return s, c
    data = arg.data if arg.data.dtype == np.int64 else arg.data.astype(np.int64)
    if arg.valid is None:
        s, overflow = K.sum_int64(ids, ngroups, data)
        counts = None
    else:
        s, counts, overflow = K.sum_int64_masked(ids, ngroups, data, arg.valid)
    if overflow:
        msg = f"numeric overflow: sum exceeds the range of {arg.type}"
        raise NumericOverflow(msg)
    return s, counts


def _group_counts(arg: Vector, ids: np.ndarray, ngroups: int, counts: np.ndarray | None) -> np.ndarray:
    if counts is not None:
        return counts
    return K.count(ids, ngroups)


def _sum(rtype: T.SqlType, arg: Vector, ids: np.ndarray, ngroups: int) -> Vector:
    sums, counts = _sums(arg, ids, ngroups)
    counts = _group_counts(arg, ids, ngroups, counts)
    valid = counts > 0
    data = sums.astype(rtype.numpy_dtype, copy=False)
    return Vector(rtype, data, None if valid.all() else valid)


def _avg(rtype: T.SqlType, arg: Vector, ids: np.ndarray, ngroups: int) -> Vector:
    sums, counts = _sums(arg, ids, ngroups)
    return avg_from_sums(rtype, arg.type, sums, _group_counts(arg, ids, ngroups, counts))


def _div_trunc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    q = np.abs(a) // b
    return np.where(a < 0, -q, q)


def _div_round(sums: np.ndarray, counts: np.ndarray, shift: int) -> np.ndarray:
    """round(sums * 10**shift / counts), half away from zero, exactly in int64."""
    scale = 10**shift
    with np.errstate(over="raise"):
        try:
            num = sums * scale if shift else sums
        except FloatingPointError:
            msg = "numeric overflow computing AVG"
            raise NumericOverflow(msg) from None
    if np.any(np.abs(sums) > (2**63 - 1) // max(scale, 1)):
        # exact fallback through Python integers for the rare huge sums
        out = np.array([_round_half_away(int(s) * scale, int(c)) for s, c in zip(sums, counts)], dtype=np.int64)
        return out
    q, r = np.divmod(np.abs(num), counts)
    q = q + (2 * r >= counts)
    return np.where(num < 0, -q, q)


def _round_half_away(n: int, d: int) -> int:
    q, r = divmod(abs(n), d)
    if 2 * r >= d:
        q += 1
    return -q if n < 0 else q


def _minmax(fn: str, arg: Vector, ids: np.ndarray, ngroups: int) -> Vector:
    if arg.type.is_string:
        return _minmax_string(fn, arg, ids, ngroups)
    is_float = arg.data.dtype.kind == "f"
    data = arg.data.astype(np.float64 if is_float else np.int64, copy=False)
    name = f"{fn}_{'float64' if is_float else 'int64'}"
    if arg.valid is None:
        values = getattr(K, name)(ids, ngroups, data)
        valid = None if len(ids) else np.zeros(ngroups, dtype=np.bool_)
    else:
        r = getattr(K, name + "_masked")(ids, ngroups, data, arg.valid)
        values, seen = r
        valid = seen > 0 if seen.dtype != np.bool_ else seen
    if valid is not None and valid.all():
        valid = None
    return Vector(arg.type, values.astype(arg.type.numpy_dtype), valid)


def _minmax_string(fn: str, arg: Vector, ids: np.ndarray, ngroups: int) -> Vector:
    """min/max of strings: over ranks of the sorted dictionary, mapped back to codes."""
    d = arg.dictionary
    order = np.asarray(pc.array_sort_indices(d)) if len(d) else np.empty(0, np.int64)
    rank = np.empty(len(d), dtype=np.int64)
    rank[order] = np.arange(len(d))
    ranks = Vector(T.BIGINT, rank[arg.data] if len(d) else np.zeros(len(arg.data), np.int64), arg.valid)
    r = _minmax(fn, ranks, ids, ngroups)
    codes = order[np.clip(r.data, 0, max(len(d) - 1, 0))].astype(np.int32) if len(d) else np.zeros(ngroups, np.int32)
    return Vector(arg.type, codes, r.valid, d)


def _variance(fn: str, arg: Vector, ids: np.ndarray, ngroups: int) -> Vector:
    x = arg.data.astype(np.float64)
    if arg.type.is_decimal:
        x = x / 10**arg.type.scale
    valid = arg.valid
    if valid is None:
        s = K.sum_float64(ids, ngroups, x)
        ss = K.sum_float64(ids, ngroups, x * x)
        n = K.count(ids, ngroups).astype(np.float64)
    else:
        s, c = K.sum_float64_masked(ids, ngroups, x, valid)
        ss, _ = K.sum_float64_masked(ids, ngroups, x * x, valid)
        n = c.astype(np.float64)
    ddof = 1.0 if fn.endswith("samp") else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (ss - s * s / np.maximum(n, 1)) / (n - ddof)
    var = np.maximum(var, 0.0)
    ok = n > ddof
    out = np.sqrt(var) if fn.startswith("stddev") else var
    return Vector(T.DOUBLE, np.where(ok, out, 0.0), None if ok.all() else ok)


def _listagg(call: AggregateCall, arg: Vector, ids: np.ndarray, ngroups: int) -> Vector:
    """LISTAGG([DISTINCT] x, sep) [WITHIN GROUP (ORDER BY ...)]: NULLs are skipped; a group
    with no non-NULL value gives NULL.  With WITHIN GROUP the argument carries its sort keys
    (``$listagg_order``) and ``call.extra[1]`` their (descending, nulls_first) flags; without,
    values keep their input order."""
    from kernels import sort as ksort
    from warehouse.exec.sort import sort_column
    from warehouse.vector import vector_from_arrow, vector_to_arrow

    sep = call.extra[0] if call.extra else ""
    ids = np.asarray(ids, dtype=np.int64)
    keys = getattr(arg, "order_keys", None) or []
    flags = call.extra[1] if len(call.extra) > 1 else ()
    if keys and len(flags) == len(keys):
        columns = [ids, *(sort_column(k) for k in keys)]
        desc = [False, *(f[0] for f in flags)]
        nulls_first = [False, *(f[1] for f in flags)]
        nulls = [None, *(None if k.valid is None else ~k.valid for k in keys)]
        perm = ksort.argsort_keys(columns, desc, nulls_first, nulls)
    else:
        perm = np.argsort(ids, kind="stable").astype(np.int64, copy=False)
    if arg.valid is not None:
        perm = perm[arg.valid[perm]]
    if call.distinct and len(perm):
        # first occurrence (in sort order) of each (group, value)
        pairs = np.stack([ids[perm], key_column(arg)[perm]], axis=1)
        _, first = np.unique(pairs, axis=0, return_index=True)
        perm = perm[np.sort(first)]
    counts = np.bincount(ids[perm], minlength=ngroups)[:ngroups]
    offsets = np.zeros(ngroups + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = vector_to_arrow(arg).take(pa.array(perm, pa.int64()))
    if not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)
    joined = pc.binary_join(lists, sep)
    empty = counts == 0
    if empty.any():
        joined = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), joined)
    return vector_from_arrow(joined, call.type)
