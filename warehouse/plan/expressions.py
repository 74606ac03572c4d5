"""Bound expressions: what the binder produces and ``exec.evaluate`` computes.

Three node kinds cover every scalar expression:

- ``ColumnRef(index)`` reads column ``index`` of the input batch;
- ``Literal(value)`` is a constant in physical form (see ``warehouse.vector.Scalar``); an
  INTERVAL literal's value is an ``Interval``;
- ``Call(fn, args)`` applies the function registered under ``fn`` in
  ``warehouse.functions.registry`` (operators, CASE, CAST and LIKE included; the list of
  names and argument conventions lives there).

Every node carries its result ``type``.  Nodes are immutable; rewrites build new ones.
Aggregates and window functions are not expressions: they are listed on the plan nodes
that compute them (``plan.logical``), and expressions above those nodes refer to their
outputs with ``ColumnRef``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from warehouse.types import SqlType


@dataclass(frozen=True)
class Interval:
    """An INTERVAL literal: months and microseconds are kept apart, as PostgreSQL does."""

    months: int = 0
    days: int = 0
    micros: int = 0

    def __neg__(self) -> Interval:
        return Interval(-self.months, -self.days, -self.micros)


class Expr:
    """Base of bound expressions."""

    type: SqlType

    def children(self) -> tuple[Expr, ...]:
        return ()

    def replace_children(self, children: tuple[Expr, ...]) -> Expr:
        return self


@dataclass(frozen=True)
class ColumnRef(Expr):
    """Column ``index`` of the input batch; ``name`` is for EXPLAIN and errors only."""

    index: int
    type: SqlType
    name: str = ""

    def __repr__(self) -> str:
        return f"#{self.index}:{self.name}" if self.name else f"#{self.index}"


@dataclass(frozen=True)
class Literal(Expr):
    """A constant in physical form (None is NULL)."""

    value: Any
    type: SqlType

    def __repr__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True)
class Call(Expr):
    """Function ``fn`` applied to ``args``; ``fn`` names an entry of the registry."""

    fn: str
    args: tuple[Expr, ...]
    type: SqlType

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def replace_children(self, children: tuple[Expr, ...]) -> Expr:
        return Call(self.fn, tuple(children), self.type)

    def __repr__(self) -> str:
        return f"{self.fn}({', '.join(map(repr, self.args))})"


def transform(expr: Expr, fn: Callable[[Expr], Expr | None]) -> Expr:
    """Rebuild ``expr`` bottom-up; ``fn`` returns a replacement or None to keep a node."""
    kids = expr.children()
    if kids:
        new_kids = tuple(transform(k, fn) for k in kids)
        if any(a is not b for a, b in zip(new_kids, kids)):
            expr = expr.replace_children(new_kids)
    out = fn(expr)
    return expr if out is None else out


def walk(expr: Expr):
    """Every node of ``expr``, parents before children."""
    yield expr
    for k in expr.children():
        yield from walk(k)


def column_indexes(expr: Expr) -> set[int]:
    """The input columns an expression reads."""
    return {e.index for e in walk(expr) if isinstance(e, ColumnRef)}


def remap_columns(expr: Expr, mapping: dict[int, int] | list[int]) -> Expr:
    """Renumber column references (after a projection or a join changes the layout)."""

    def fn(e: Expr) -> Expr | None:
        if isinstance(e, ColumnRef):
            return ColumnRef(mapping[e.index], e.type, e.name)
        return None

    return transform(expr, fn)


def split_conjuncts(expr: Expr | None, fn: str = "and") -> list[Expr]:
    """``a AND b AND c`` as [a, b, c] (``fn="or"`` splits disjunctions)."""
    if expr is None:
        return []
    if isinstance(expr, Call) and expr.fn == fn:
        out: list[Expr] = []
        for a in expr.args:
            out.extend(split_conjuncts(a, fn))
        return out
    return [expr]
