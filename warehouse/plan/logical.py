"""Logical plan operators: what a query computes, not where or how.

Each operator's output is a list of columns (``fields``); expressions above an operator
refer to its output by position (``ColumnRef.index``).  Operators are plain dataclasses;
the binder builds them, the optimizer rules rewrite them, ``exec`` runs them, and each
describes itself for EXPLAIN through ``describe()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from warehouse.plan.expressions import Expr
from warehouse.types import SqlType


@dataclass(frozen=True)
class Field:
    """An output column: its name (as a user sees it) and type."""

    name: str
    type: SqlType


class Plan:
    """Base of logical operators."""

    fields: list[Field]

    def inputs(self) -> list[Plan]:
        return []

    def describe(self) -> str:
        return type(self).__name__


@dataclass(eq=False)
class Scan(Plan):
    """Read ``columns`` of a stored table, keeping rows where all ``filters`` hold.

    ``filters`` refer to the scan's own output columns; storage uses them for zone-map
    skipping and the executor evaluates them first (late materialisation).
    """

    table: Any  # storage.TableSnapshot
    columns: list[str]
    fields: list[Field]
    filters: list[Expr] = field(default_factory=list)
    alias: str = ""

    def describe(self) -> str:
        name = self.table.definition.name
        f = f" filter={self.filters}" if self.filters else ""
        return f"Scan {name}{' ' + self.alias if self.alias and self.alias != name else ''} cols={self.columns}{f}"


@dataclass(eq=False)
class ArrowScan(Plan):
    """Rows that already exist as an Arrow table (system views, VALUES of constants)."""

    table: pa.Table
    fields: list[Field]
    label: str = ""

    def describe(self) -> str:
        return f"ArrowScan {self.label}"


@dataclass(eq=False)
class ExternalScan(Plan):
    """Rows of an external table (``catalog.external.ExternalTableDef``), read from its
    objects when the plan runs (``exec/external_scan.py``); only ``columns`` are produced."""

    table: Any  # catalog.external.ExternalTableDef
    columns: list[str]
    fields: list[Field]
    alias: str = ""
    # indexes into ``table.partitions`` left after WHERE conjuncts on partition columns
    # (``plan.joins.add_filter``); None: all of them
    partitions: tuple[int, ...] | None = None
    # partition projection (``exec/projection.py``): the WHERE conjuncts over partition
    # columns, as (predicate, {column index in the predicate: partition column name})
    projection_filters: list = field(default_factory=list)

    def describe(self) -> str:
        d = self.table
        text = f"ExternalScan {d.schema}.{d.name} format={d.format} location={d.location} cols={self.columns}"
        from warehouse.exec.projection import candidates, domain_size, projection_of

        if projection_of(d) is not None:
            from warehouse.errors import DataError

            n = domain_size(d)
            try:
                k: object = len(candidates(d, self.projection_filters))
            except DataError as e:  # over the limit, an injected column without a value: the query fails
                k = f"refused: {e}"
            text += f"\npartitions: {k} of {n or '?'} (projected)"
        elif d.partition_columns:
            total = len(d.partitions)
            read = total if self.partitions is None else len(self.partitions)
            text += f"\npartitions: {read} of {total}"
        return text


@dataclass(eq=False)
class Materialized(Plan):
    """Rows computed while the statement runs (``exec/key_reduction.py``: a join's keys
    handed to its other input); never built by the binder."""

    batch: Any  # warehouse.vector.Batch
    fields: list[Field]

    def describe(self) -> str:
        return f"Materialized rows={self.batch.length}"


@dataclass(eq=False)
class Values(Plan):
    """Literal rows: each row is a list of expressions over no input."""

    rows: list[list[Expr]]
    fields: list[Field]

    def describe(self) -> str:
        return f"Values rows={len(self.rows)}"


@dataclass(eq=False)
class Filter(Plan):
    child: Plan
    predicate: Expr

    @property
    def fields(self) -> list[Field]:  # type: ignore[override]
        return self.child.fields

    def inputs(self) -> list[Plan]:
        return [self.child]

    def describe(self) -> str:
        return f"Filter {self.predicate!r}"


@dataclass(eq=False)
class Project(Plan):
    child: Plan
    exprs: list[Expr]
    fields: list[Field]

    def inputs(self) -> list[Plan]:
        return [self.child]

    def describe(self) -> str:
        return f"Project {self.exprs!r}"


@dataclass(frozen=True)
class AggregateCall:
    """``fn(arg)`` over each group; ``arg`` is None for count(*)."""

    fn: str
    arg: Expr | None
    distinct: bool
    type: SqlType
    extra: tuple[Any, ...] = ()  # e.g. LISTAGG delimiter

    def __repr__(self) -> str:
        d = "DISTINCT " if self.distinct else ""
        return f"{self.fn}({d}{self.arg!r})" if self.arg is not None else f"{self.fn}(*)"


@dataclass(eq=False)
class Aggregate(Plan):
    """Group by ``groups`` and compute ``aggs``; output = groups then aggregates.

    With no groups the output is exactly one row (even over empty input).
    """

    child: Plan
    groups: list[Expr]
    aggs: list[AggregateCall]
    fields: list[Field]

    def inputs(self) -> list[Plan]:
        return [self.child]

    def describe(self) -> str:
        return f"Aggregate groups={self.groups!r} aggs={self.aggs!r}"


JOIN_KINDS = ("inner", "left", "right", "full", "semi", "anti", "anti_null_aware", "cross", "mark")


@dataclass(eq=False)
class Join(Plan):
    """Join ``left`` and ``right`` on ``left_keys[i] = right_keys[i]`` and ``residual``.

    Keys refer to each side's own columns; ``residual`` refers to left columns followed
    by right columns.  Output: left columns then right columns, except semi/anti (left
    only) and mark (left columns plus one BOOLEAN "matched" column).
    ``anti_null_aware`` is NOT IN: a NULL on the right makes every row unknown.
    """

    left: Plan
    right: Plan
    kind: str
    left_keys: list[Expr]
    right_keys: list[Expr]
    residual: Expr | None
    fields: list[Field]

    def inputs(self) -> list[Plan]:
        return [self.left, self.right]

    def describe(self) -> str:
        keys = ", ".join(f"{a!r}={b!r}" for a, b in zip(self.left_keys, self.right_keys))
        res = f" residual={self.residual!r}" if self.residual is not None else ""
        return f"Join {self.kind} on [{keys}]{res}"


@dataclass(frozen=True)
class SortKey:
    expr: Expr
    descending: bool = False
    nulls_first: bool = False  # PostgreSQL/Redshift default: NULLS LAST for ASC, FIRST for DESC


@dataclass(eq=False)
class Sort(Plan):
    child: Plan
    keys: list[SortKey]
    limit: int | None = None  # top-N when set (offset already added)

    @property
    def fields(self) -> list[Field]:  # type: ignore[override]
        return self.child.fields

    def inputs(self) -> list[Plan]:
        return [self.child]

    def describe(self) -> str:
        lim = f" top={self.limit}" if self.limit is not None else ""
        return f"Sort {[(k.expr, 'desc' if k.descending else 'asc') for k in self.keys]}{lim}"


@dataclass(eq=False)
class Limit(Plan):
    child: Plan
    limit: int | None
    offset: int = 0

    @property
    def fields(self) -> list[Field]:  # type: ignore[override]
        return self.child.fields

    def inputs(self) -> list[Plan]:
        return [self.child]

    def describe(self) -> str:
        return f"Limit {self.limit} offset {self.offset}"


@dataclass(eq=False)
class SetOp(Plan):
    """UNION / INTERSECT / EXCEPT, with ``all`` for the bag versions."""

    kind: str  # union | intersect | except
    all: bool
    left: Plan
    right: Plan
    fields: list[Field]

    def inputs(self) -> list[Plan]:
        return [self.left, self.right]

    def describe(self) -> str:
        return f"SetOp {self.kind}{' all' if self.all else ''}"


@dataclass(eq=False)
class Unnest(Plan):
    """UNNEST: each child row repeated once per element of its nested values (a lateral
    join: ``CROSS JOIN UNNEST(t.arr) AS u(x)``, Redshift's ``FROM t, t.arr x``).

    ``exprs`` (over the child's columns) are arrays or maps (JSON text, ``SqlType.nested``);
    several are zipped as Presto does (the longest decides, the others give NULL).
    ``columns`` say what each new column holds, as (expr index, part): ``element`` (an
    array's element), ``key``/``value`` (a map entry's), ``entry`` (a map entry as a
    ``struct<key,value>``: Redshift's PartiQL) or ``field:<name>`` (a field of an array's
    struct element: Presto expands rows into columns).  Output: the child's columns, one
    column per ``columns`` entry, then the ordinal (BIGINT counted from ``ordinal_base``:
    1 for WITH ORDINALITY, 0 for PartiQL's ``AT i``) when ``ordinality``.  ``outer``
    (``LEFT JOIN UNNEST(...) ON TRUE``) keeps a row whose value is NULL or empty once,
    with NULL new columns.  Run by ``exec/unnest.py``.
    """

    child: Plan
    exprs: list[Expr]
    columns: list[tuple[int, str]]
    fields: list[Field]
    ordinality: bool = False
    ordinal_base: int = 1
    outer: bool = False

    def inputs(self) -> list[Plan]:
        return [self.child]

    def describe(self) -> str:
        names = ", ".join(f.name for f in self.fields[len(self.child.fields):])
        extra = (f" ordinality(from {self.ordinal_base})" if self.ordinality else "") + (" outer" if self.outer else "")
        return f"Unnest {self.exprs!r} as ({names}){extra}"


@dataclass(frozen=True)
class WindowCall:
    """A window function: ``fn(args) OVER (PARTITION BY partition ORDER BY order frame)``.

    ``frame`` is None for the default frame, else (kind, start, end) where kind is
    "rows" or "range" and start/end are ints (negative = preceding, 0 = current row,
    positive = following) or None for UNBOUNDED.
    """

    fn: str
    args: tuple[Expr, ...]
    partition: tuple[Expr, ...]
    order: tuple[SortKey, ...]
    frame: tuple[str, int | None, int | None] | None
    type: SqlType


@dataclass(eq=False)
class Window(Plan):
    """Child columns followed by one column per window call."""

    child: Plan
    calls: list[WindowCall]
    fields: list[Field]

    def inputs(self) -> list[Plan]:
        return [self.child]

    def describe(self) -> str:
        return f"Window {[c.fn for c in self.calls]}"


def explain(plan: Plan, indent: int = 0) -> list[str]:
    """The plan as indented lines, one operator per line."""
    first, *more = plan.describe().split("\n")
    lines = ["  " * indent + "-> " + first] + ["  " * indent + "     " + m for m in more]
    for child in plan.inputs():
        lines.extend(explain(child, indent + 1))
    return lines
