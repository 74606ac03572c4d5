"""Drop columns nobody reads, so scans decode only what the query uses.

Walks the plan top-down with the set of output columns each parent needs; a scan keeps
the columns needed above it plus those its filters read; every expression above a pruned
node is renumbered.  The root keeps all its output columns.
"""

from __future__ import annotations

from warehouse.plan import logical as L
from warehouse.plan.expressions import ColumnRef, Expr, column_indexes, remap_columns


def prune_columns(plan: L.Plan) -> L.Plan:
    new, _ = _prune(plan, set(range(len(plan.fields))))
    return new


def _cols(exprs: list[Expr | None]) -> set[int]:
    out: set[int] = set()
    for e in exprs:
        if e is not None:
            out |= column_indexes(e)
    return out


def _prune(plan: L.Plan, need: set[int]) -> tuple[L.Plan, dict[int, int]]:
    """A plan computing at least columns ``need`` and the old -> new position map."""
    if isinstance(plan, L.Scan):
        keep = sorted(need | _cols(plan.filters))
        m = {old: new for new, old in enumerate(keep)}
        filters = [remap_columns(f, m) for f in plan.filters]
        return _narrow(L.Scan(plan.table, [plan.columns[i] for i in keep], [plan.fields[i] for i in keep], filters, plan.alias), need, m)
    if isinstance(plan, L.ExternalScan):
        keep = sorted(need)
        m = {old: new for new, old in enumerate(keep)}
        return L.ExternalScan(plan.table, [plan.columns[i] for i in keep], [plan.fields[i] for i in keep], plan.alias, plan.partitions, plan.projection_filters), m
    if isinstance(plan, L.Filter):
        child, m = _prune(plan.child, need | column_indexes(plan.predicate))
        return _narrow(L.Filter(child, remap_columns(plan.predicate, m)), need, m)
    if isinstance(plan, L.Project):
        keep = sorted(need) if need else [0] if plan.exprs else []
        exprs = [plan.exprs[i] for i in keep]
        child, m = _prune(plan.child, _cols(exprs))
        new_exprs = [remap_columns(e, m) for e in exprs]
        return L.Project(child, new_exprs, [plan.fields[i] for i in keep]), {old: new for new, old in enumerate(keep)}
    if isinstance(plan, L.Aggregate):
        child_need = _cols(plan.groups) | _cols([a.arg for a in plan.aggs])
        child, m = _prune(plan.child, child_need)
        groups = [remap_columns(g, m) for g in plan.groups]
        aggs = [L.AggregateCall(a.fn, remap_columns(a.arg, m) if a.arg is not None else None, a.distinct, a.type, a.extra) for a in plan.aggs]
        return L.Aggregate(child, groups, aggs, plan.fields), _identity(plan)
    if isinstance(plan, L.Join):
        return _prune_join(plan, need)
    if isinstance(plan, L.Sort):
        child, m = _prune(plan.child, need | _cols([k.expr for k in plan.keys]))
        keys = [L.SortKey(remap_columns(k.expr, m), k.descending, k.nulls_first) for k in plan.keys]
        return L.Sort(child, keys, plan.limit), m
    if isinstance(plan, L.Limit):
        child, m = _prune(plan.child, need)
        return L.Limit(child, plan.limit, plan.offset), m
    if isinstance(plan, L.Window):
        nchild = len(plan.child.fields)
        exprs: list[Expr | None] = []
        for c in plan.calls:
            exprs.extend(c.args)
            exprs.extend(c.partition)
            exprs.extend(k.expr for k in c.order)
        child, m = _prune(plan.child, {i for i in need if i < nchild} | _cols(exprs))
        calls = [
            L.WindowCall(
                c.fn,
                tuple(remap_columns(a, m) for a in c.args),
                tuple(remap_columns(p, m) for p in c.partition),
                tuple(L.SortKey(remap_columns(k.expr, m), k.descending, k.nulls_first) for k in c.order),
                c.frame,
                c.type,
            )
            for c in plan.calls
        ]
        nnew = len(child.fields)
        mapping = dict(m)
        for k in range(len(plan.calls)):
            mapping[nchild + k] = nnew + k
        return L.Window(child, calls, list(child.fields) + plan.fields[nchild:]), mapping
    if isinstance(plan, L.Unnest):
        return _prune_unnest(plan, need)
    if isinstance(plan, L.SetOp):
        left, _ = _prune(plan.left, set(range(len(plan.left.fields))))
        right, _ = _prune(plan.right, set(range(len(plan.right.fields))))
        return L.SetOp(plan.kind, plan.all, left, right, plan.fields), _identity(plan)
    return plan, _identity(plan)


def _narrow(plan: L.Plan, need: set[int], m: dict[int, int]) -> tuple[L.Plan, dict[int, int]]:
    """``plan`` (a filter, or a scan with filters, whose old column ``i`` is at ``m[i]``)
    followed by a Project keeping only the columns ``need``ed above, when its filters read
    others: those are dropped right after filtering, per slice or chunk, instead of being
    carried (and concatenated: strings) up to the parent."""
    if len(need) == len(plan.fields):
        return plan, m
    order = sorted(need, key=lambda i: m[i])
    exprs: list[Expr] = [ColumnRef(m[i], plan.fields[m[i]].type, plan.fields[m[i]].name) for i in order]
    return L.Project(plan, exprs, [plan.fields[m[i]] for i in order]), {old: new for new, old in enumerate(order)}


def _identity(plan: L.Plan) -> dict[int, int]:
    return {i: i for i in range(len(plan.fields))}


def _prune_join(plan: L.Join, need: set[int]) -> tuple[L.Plan, dict[int, int]]:
    nleft = len(plan.left.fields)
    res = column_indexes(plan.residual) if plan.residual is not None else set()
    need_left = {i for i in need if i < nleft} | _cols(plan.left_keys) | {i for i in res if i < nleft}
    right_outputs = plan.kind in ("inner", "left", "right", "full", "cross")
    need_right = ({i - nleft for i in need if i >= nleft} if right_outputs else set()) | _cols(plan.right_keys) | {i - nleft for i in res if i >= nleft}
    left, ml = _prune(plan.left, need_left)
    right, mr = _prune(plan.right, need_right)
    nl2 = len(left.fields)
    combined = dict(ml)
    for old, new in mr.items():
        combined[nleft + old] = nl2 + new
    residual = remap_columns(plan.residual, combined) if plan.residual is not None else None
    lkeys = [remap_columns(k, ml) for k in plan.left_keys]
    rkeys = [remap_columns(k, mr) for k in plan.right_keys]
    if right_outputs:
        fields = list(left.fields) + list(right.fields)
        mapping = combined
    elif plan.kind == "mark":
        fields = list(left.fields) + [plan.fields[-1]]
        mapping = dict(ml)
        mapping[nleft] = nl2
    else:
        fields = list(left.fields)
        mapping = dict(ml)
    return L.Join(left, right, plan.kind, lkeys, rkeys, residual, fields), mapping


def _prune_unnest(plan: L.Unnest, need: set[int]) -> tuple[L.Plan, dict[int, int]]:
    """The child keeps what is needed above plus what the nested values read; element
    columns (and the ordinal) nobody reads are not built.  The row count depends only on
    the values, so every new column may go."""
    nchild = len(plan.child.fields)
    child, m = _prune(plan.child, {i for i in need if i < nchild} | _cols(list(plan.exprs)))
    exprs = [remap_columns(e, m) for e in plan.exprs]
    nnew = len(child.fields)
    mapping = dict(m)
    columns: list[tuple[int, str]] = []
    fields = list(child.fields)
    for k, col in enumerate(plan.columns):
        if nchild + k in need:
            mapping[nchild + k] = nnew + len(columns)
            columns.append(col)
            fields.append(plan.fields[nchild + k])
    ordinal = nchild + len(plan.columns)
    ordinality = plan.ordinality and ordinal in need
    if ordinality:
        mapping[ordinal] = len(fields)
        fields.append(plan.fields[ordinal])
    return L.Unnest(child, exprs, columns, fields, ordinality, plan.ordinal_base, plan.outer), mapping
