"""Table scan: zone maps first, then the filter columns, then the rest (late materialisation).

Each slice is scanned as its own task.  A block (row group) is skipped when a pushed
filter of the form ``column <op> constant`` cannot hold anywhere in its [min, max]; the
filter columns of the surviving rows are decoded and the filters evaluated; only then are
the other columns gathered, for the rows that passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from warehouse.exec.evaluate import evaluate_predicate
from warehouse.exec.executor import ExecContext, run_parallel
from warehouse.plan.expressions import Call, ColumnRef, Expr, Literal, column_indexes, split_conjuncts
from warehouse.plan.logical import Scan
from warehouse.vector import Batch, Vector, concat_batches, concat_vectors

_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq"}


def scan_tasks(plan: Scan, ctx: ExecContext) -> list[Callable[[], Batch]]:
    """One task per slice holding rows of the table; each returns that slice's batch."""
    table = plan.table
    conjuncts = [c for f in plan.filters for c in split_conjuncts(f)]
    prunable = [p for p in (prunable_conjunct(c) for c in conjuncts) if p is not None]
    return [(lambda s=s: _scan_slice(plan, table, s, conjuncts, prunable, ctx)) for s in table.scan_slices()]


def execute_scan(plan: Scan, ctx: ExecContext) -> Batch:
    parts = run_parallel(scan_tasks(plan, ctx))
    ctx.check()
    return concat_batches(parts, len(plan.columns))


def prunable_conjunct(c: Expr) -> tuple[int, str, list[Any]] | None:
    """(column, op, constants) when ``c`` compares a bare column with constants."""
    if not isinstance(c, Call):
        return None
    if c.fn in _FLIP and len(c.args) == 2:
        a, b = c.args
        if isinstance(a, ColumnRef) and isinstance(b, Literal) and b.value is not None:
            return a.index, c.fn, [b.value]
        if isinstance(b, ColumnRef) and isinstance(a, Literal) and a.value is not None:
            return b.index, _FLIP[c.fn], [a.value]
    if c.fn == "in_list" and isinstance(c.args[0], ColumnRef):
        values = [x.value for x in c.args[1:] if isinstance(x, Literal)]
        if len(values) == len(c.args) - 1 and all(v is not None for v in values):
            return c.args[0].index, "in", values
    return None


def _block_may_match(zm: Any, op: str, values: list[Any]) -> bool:
    if zm is None:
        return True
    if zm.row_count and zm.null_count >= zm.row_count:
        return False  # only NULLs: no comparison holds
    lo, hi = zm.min, zm.max
    if lo is None or hi is None:
        return True
    try:
        v = values[0]
        if op == "eq":
            return lo <= v <= hi
        if op == "lt":
            return lo < v
        if op == "le":
            return lo <= v
        if op == "gt":
            return hi > v
        if op == "ge":
            return hi >= v
        if op == "in":
            return any(lo <= x <= hi for x in values)
    except TypeError:
        return True
    return True


def _ranges(plan: Scan, table: Any, s: int, prunable: list[tuple[int, str, list[Any]]]) -> list[tuple[int, int]]:
    n = table.slice_row_count(s)
    if not prunable:
        return [(0, n)] if n else []
    out: list[tuple[int, int]] = []
    for b in table.blocks(s):
        ok = True
        for col, op, values in prunable:
            zm = b.zonemaps.get(plan.columns[col])
            if not _block_may_match(zm, op, values):
                ok = False
                break
        if ok:
            if out and out[-1][1] == b.start:
                out[-1] = (out[-1][0], b.stop)
            else:
                out.append((b.start, b.stop))
    return out


def _read(table: Any, s: int, name: str, ranges: list[tuple[int, int]], full: int) -> Vector:
    v = table.read(s, name)
    if len(ranges) == 1 and ranges[0] == (0, full):
        return v
    return concat_vectors([v.slice(a, b) for a, b in ranges]) if len(ranges) > 1 else v.slice(*ranges[0])


def _scan_slice(plan: Scan, table: Any, s: int, conjuncts: list[Expr], prunable: list[Any], ctx: ExecContext) -> Batch:
    ctx.check()
    full = table.slice_row_count(s)
    ranges = _ranges(plan, table, s, prunable)
    ncols = len(plan.columns)
    rows = sum(b - a for a, b in ranges)
    if rows == 0:
        return _empty(plan)
    cols: list[Vector | None] = [None] * ncols
    sel: np.ndarray | None = None
    if conjuncts:
        needed = sorted({i for c in conjuncts for i in column_indexes(c)})
        for i in needed:
            cols[i] = _read(table, s, plan.columns[i], ranges, full)
        batch = Batch(cols, rows)  # type: ignore[arg-type]
        mask = None
        for c in conjuncts:
            m = evaluate_predicate(c, batch)
            mask = m if mask is None else (mask & m)
        assert mask is not None
        if not mask.all():
            sel = np.flatnonzero(mask)
            cols = [c.take(sel) if c is not None else None for c in cols]
            rows = len(sel)
    rest = [i for i in range(ncols) if cols[i] is None]
    if rest:
        for i in rest:
            v = _read(table, s, plan.columns[i], ranges, full)
            cols[i] = v if sel is None else v.take(sel)
    return Batch(cols, rows)  # type: ignore[arg-type]


def _empty(plan: Scan) -> Batch:
    """A slice with no surviving rows (its part is dropped when the slices are concatenated)."""
    return Batch([Vector.empty(f.type) for f in plan.fields], 0)
