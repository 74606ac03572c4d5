"""Join planning for one query block: push filters down, order the joins, place subquery joins.

The FROM clause of a block gives relations; WHERE (and inner JOIN ... ON) gives
conjuncts over the block's "global" column space (every relation's columns, in FROM
order, plus the value columns that decorrelated scalar subqueries add).  ``build_pool``
turns that into one plan:

1. each conjunct that reads one relation becomes a filter on it (pushed into the scan);
2. relations are joined greedily, left-deep: start from the largest, then repeatedly add
   the smallest relation connected to what is joined so far by an equality; the executor
   builds its hash table on whichever side turns out smaller at run time;
3. a conjunct is applied at the first join where all its columns are present (as join
   keys when it is an equality between the two sides, else as a residual);
4. subquery joins (IN / EXISTS / scalar subqueries, decorrelated) are applied as soon as
   the outer columns they read are present, so a semi join on one table filters that
   table before any other join.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from warehouse.plan.expressions import Call, ColumnRef, Expr, column_indexes, remap_columns, split_conjuncts
from warehouse.plan.logical import ExternalScan, Filter, Join, Materialized, Plan, Scan
from warehouse.plan.scope import OUTER_BASE

SELECTIVITY = {"eq": 0.05, "in_list": 0.15, "like": 0.2, "ilike": 0.2, "lt": 0.4, "le": 0.4, "gt": 0.4, "ge": 0.4, "and": 0.2}


@dataclass
class Rel:
    """A relation of the pool: its plan and which global columns its output holds."""

    plan: Plan
    cols: list[int]
    est: float

    def position(self) -> dict[int, int]:
        return {g: i for i, g in enumerate(self.cols)}


@dataclass
class SubqueryJoin:
    """A decorrelated subquery waiting to be joined onto the outer relation.

    ``outer_keys[i] = right_keys[i]``; ``outer_keys`` are over the global space,
    ``right_keys`` over the subquery plan's output.  ``residual`` is over a combined space
    where global outer column g is ``OUTER_BASE + g`` and subquery output column j is j.
    ``kind`` is a Join kind; a "left" join (scalar subquery) adds the subquery's output
    columns to the relation as the global columns ``adds``.
    """

    kind: str
    plan: Plan
    outer_keys: list[Expr]
    right_keys: list[Expr]
    residual: Expr | None
    adds: list[int] = field(default_factory=list)

    def refs(self) -> set[int]:
        out: set[int] = set()
        for k in self.outer_keys:
            out |= column_indexes(k)
        if self.residual is not None:
            out |= {i - OUTER_BASE for i in column_indexes(self.residual) if i >= OUTER_BASE}
        return out


def estimate(plan: Plan) -> float:
    """A rough row estimate: table rows times a selectivity per pushed filter."""
    if isinstance(plan, Scan):
        rows = float(max(plan.table.row_count, 1))
        for f in plan.filters:
            rows *= SELECTIVITY.get(f.fn if isinstance(f, Call) else "", 0.5)
        return max(rows, 1.0)
    if isinstance(plan, ExternalScan):
        from warehouse.exec.external_stats import estimate_rows

        return estimate_rows(plan)
    if isinstance(plan, Materialized):
        return float(max(plan.batch.length, 1))
    if isinstance(plan, Filter):
        base, conjuncts = plan, []
        while isinstance(base, Filter):
            conjuncts += split_conjuncts(base.predicate)
            base = base.child
        if isinstance(base, ExternalScan):  # the same selectivities as filters pushed into a Scan
            rows = estimate(base)
            for f in conjuncts:
                rows *= SELECTIVITY.get(f.fn if isinstance(f, Call) else "", 0.5)
            return max(rows, 1.0)
        return max(estimate(plan.child) * 0.5, 1.0)
    if isinstance(plan, Join):
        if plan.kind in ("semi", "anti", "anti_null_aware", "mark"):
            return estimate(plan.left) * (0.5 if plan.kind != "mark" else 1.0)
        return max(estimate(plan.left), estimate(plan.right))
    ins = plan.inputs()
    if ins:
        return max(estimate(i) for i in ins) * (0.1 if type(plan).__name__ == "Aggregate" else 1.0)
    return 1000.0


def add_filter(rel: Rel, predicate: Expr) -> Rel:
    """Apply ``predicate`` (global space) to ``rel``: into the scan when it is one."""
    local = remap_columns(predicate, rel.position())
    if isinstance(rel.plan, Scan):
        rel.plan.filters.append(local)
        rel.est = estimate(rel.plan)
        return rel
    base = rel.plan
    while isinstance(base, Filter):  # filters keep their input's column layout
        base = base.child
    if isinstance(base, ExternalScan) and base.table.partition_columns:
        from warehouse.exec.external_scan import prune_partitions

        prune_partitions(base, local)  # the Filter stays: it is exact either way
    filtered = Filter(rel.plan, local)
    est = estimate(filtered) if isinstance(base, ExternalScan) else max(rel.est * 0.5, 1.0)
    return Rel(filtered, rel.cols, est)


def _equi_sides(conj: Expr, a: set[int], b: set[int]) -> tuple[Expr, Expr] | None:
    """(expr over a, expr over b) when ``conj`` is an equality between the two sides."""
    if not (isinstance(conj, Call) and conj.fn == "eq"):
        return None
    x, y = conj.args
    cx, cy = column_indexes(x), column_indexes(y)
    if not cx or not cy:
        return None
    if cx <= a and cy <= b:
        return x, y
    if cx <= b and cy <= a:
        return y, x
    return None


def join_rels(left: Rel, right: Rel, conjuncts: list[Expr], kind: str = "inner") -> tuple[Rel, list[Expr]]:
    """Join two relations using every applicable conjunct; returns the rest."""
    a, b = set(left.cols), set(right.cols)
    lkeys: list[Expr] = []
    rkeys: list[Expr] = []
    residual: list[Expr] = []
    rest: list[Expr] = []
    for c in conjuncts:
        refs = column_indexes(c)
        if not refs <= (a | b):
            rest.append(c)
            continue
        sides = _equi_sides(c, a, b)
        if sides is not None:
            lkeys.append(remap_columns(sides[0], left.position()))
            rkeys.append(remap_columns(sides[1], right.position()))
        else:
            residual.append(c)
    cols = left.cols + right.cols
    pos = {g: i for i, g in enumerate(cols)}
    res_expr = _conjoin([remap_columns(r, pos) for r in residual])
    if not lkeys and kind == "inner":
        kind = "cross"
    from warehouse.plan.logical import Field

    fields: list[Field] = list(left.plan.fields) + list(right.plan.fields)
    plan = Join(left.plan, right.plan, kind, lkeys, rkeys, res_expr, fields)
    est = max(left.est, right.est) if lkeys else left.est * right.est
    return Rel(plan, cols, est), rest


def _conjoin(preds: list[Expr]) -> Expr | None:
    from warehouse import types as T

    if not preds:
        return None
    out = preds[0]
    for p in preds[1:]:
        out = Call("and", (out, p), T.BOOLEAN)
    return out


def apply_subquery_join(rel: Rel, sj: SubqueryJoin) -> Rel:
    """Join a pending subquery onto ``rel`` (whose columns cover the subquery's refs)."""
    pos = rel.position()
    lkeys = [remap_columns(k, pos) for k in sj.outer_keys]
    nleft = len(rel.cols)
    residual = None
    if sj.residual is not None:
        mapping: dict[int, int] = {}
        for i in column_indexes(sj.residual):
            mapping[i] = pos[i - OUTER_BASE] if i >= OUTER_BASE else nleft + i
        residual = remap_columns(sj.residual, mapping)
    fields = list(rel.plan.fields)
    cols = list(rel.cols)
    if sj.kind in ("left", "inner"):
        fields += list(sj.plan.fields)
        cols += sj.adds
    elif sj.kind == "mark":
        from warehouse import types as T
        from warehouse.plan.logical import Field

        fields.append(Field("matched", T.BOOLEAN))
        cols += sj.adds
    plan = Join(rel.plan, sj.plan, sj.kind, lkeys, list(sj.right_keys), residual, fields)
    est = rel.est * (0.5 if sj.kind in ("semi", "anti", "anti_null_aware") else 1.0)
    return Rel(plan, cols, est)


_NDV_CACHE: dict[tuple[object, ...], float] = {}
NDV_CACHE_SIZE = 4096


def column_ndv(table: object, column: str) -> float:
    """Distinct values of a stored integer column, counted once per table version.

    Like a lazy ANALYZE: the first join planned on a key column factorises it with the
    ``group_ids`` kernel (tens of milliseconds for millions of rows); the count is cached
    by table id, row count and column, so later plans pay nothing.
    """
    import numpy as np

    from kernels.aggregate import group_ids

    rows = float(max(getattr(table, "row_count", 1), 1))
    try:
        key = (table.definition.table_id, table.definition.name, table.row_count, column)  # type: ignore[attr-defined]
    except AttributeError:
        return rows
    hit = _NDV_CACHE.get(key)
    if hit is not None:
        return hit
    parts = [table.read(s, column) for s in table.scan_slices()]  # type: ignore[attr-defined]
    values = np.concatenate([p.data if p.valid is None else p.data[p.valid] for p in parts]) if parts else np.empty(0)
    ndv = float(max(group_ids(np.ascontiguousarray(values.astype(np.int64, copy=False)).reshape(-1, 1))[1], 1)) if len(values) else 1.0
    if len(_NDV_CACHE) > NDV_CACHE_SIZE:
        _NDV_CACHE.clear()
    _NDV_CACHE[key] = ndv
    return ndv


def _key_ndv(key: Expr, ndv: dict[int, float], default: float) -> float:
    if isinstance(key, ColumnRef) and key.index in ndv:
        return ndv[key.index]
    return default


def join_estimate(left: Rel, right: Rel, conjuncts: list[Expr], ndv: dict[int, float]) -> float:
    """|L| x |R| / max(ndv(l), ndv(r)) for the most selective equi-key pair."""
    a, b = set(left.cols), set(right.cols)
    best = None
    for c in conjuncts:
        sides = _equi_sides(c, a, b)
        if sides is None:
            continue
        d = max(_key_ndv(sides[0], ndv, left.est), _key_ndv(sides[1], ndv, right.est))
        est = left.est * right.est / max(d, 1.0)
        best = est if best is None else min(best, est)
    return left.est * right.est if best is None else best


def _greedy(rels: list[Rel], start: int, conjuncts: list[Expr], ndv: dict[int, float]) -> tuple[list[int], list[float], float]:
    """Left-deep order from ``start``: always add the connected relation giving the smallest
    estimated result.  Returns (order, estimate after each join, sum of the estimates)."""
    current = Rel(None, list(rels[start].cols), rels[start].est)  # type: ignore[arg-type]
    left = [i for i in range(len(rels)) if i != start]
    order, ests, cost = [start], [], 0.0
    while left:
        covered = set(current.cols)
        best, best_est = None, 0.0
        for i in left:
            r = rels[i]
            if not any(_equi_sides(c, covered, set(r.cols)) is not None for c in conjuncts):
                continue
            est = join_estimate(current, r, conjuncts, ndv)
            if best is None or (est, r.est) < (best_est, rels[best].est):
                best, best_est = i, est
        if best is None:  # nothing connected: a cross join with the smallest
            best = min(left, key=lambda i: rels[i].est)
            best_est = current.est * rels[best].est
        left.remove(best)
        order.append(best)
        ests.append(best_est)
        cost += best_est
        current = Rel(None, current.cols + rels[best].cols, max(best_est, 1.0))  # type: ignore[arg-type]
    return order, ests, cost


def choose_order(rels: list[Rel], conjuncts: list[Expr], ndv: dict[int, float]) -> tuple[list[int], list[float]]:
    """The greedy order, from whichever start gives the smallest total of intermediate
    results (C_out): starting from a filtered dimension often beats starting from the fact
    table (TPC-H Q7)."""
    best = None
    for start in range(len(rels)):
        order, ests, cost = _greedy(rels, start, conjuncts, ndv)
        if best is None or cost < best[2]:
            best = (order, ests, cost)
    assert best is not None
    return best[0], best[1]


def build_pool(
    rels: list[Rel], conjuncts: list[Expr], subqueries: list[SubqueryJoin], ndv: dict[int, float] | None = None
) -> tuple[Rel, list[Expr], list[SubqueryJoin]]:
    """Join every relation of the pool; returns the relation, and anything not applicable."""
    ndv = ndv or {}
    pending = list(conjuncts)
    waiting = list(subqueries)

    def settle(rel: Rel, final: bool = False) -> Rel:
        """Apply what has become applicable; semi/anti joins with a residual (pairs must be
        enumerated) wait for the end, when the joins have made the outer side smallest."""
        nonlocal pending, waiting
        changed = True
        while changed:
            changed = False
            covered = set(rel.cols)
            keep: list[Expr] = []
            for c in pending:
                if column_indexes(c) <= covered:
                    rel = add_filter(rel, c)
                    changed = True
                else:
                    keep.append(c)
            pending = keep
            still: list[SubqueryJoin] = []
            for sj in waiting:
                deferred = sj.residual is not None and not final and len(rels) > 1
                if sj.refs() <= covered and not deferred:
                    rel = apply_subquery_join(rel, sj)
                    changed = True
                    covered = set(rel.cols)
                else:
                    still.append(sj)
            waiting = still
        return rel

    rels = [settle(r) for r in rels]
    if not rels:
        raise ValueError("empty pool")
    order, ests = choose_order(rels, pending, ndv)
    current = rels[order[0]]
    for i, est in zip(order[1:], ests):
        current, pending = join_rels(current, rels[i], pending)
        current.est = max(est, 1.0)
        current = settle(current)
    current = settle(current, final=True)
    return current, pending, waiting


def column_ref(g: int, rel: Rel) -> ColumnRef:
    """A reference to global column ``g`` in ``rel``'s output."""
    i = rel.cols.index(g)
    f = rel.plan.fields[i]
    return ColumnRef(i, f.type, f.name)
