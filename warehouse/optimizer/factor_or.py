"""Pull conjuncts shared by every branch of an OR out of it, and derive per-table filters.

``(a AND b AND x) OR (a AND c AND y)`` becomes ``a AND ((b AND x) OR (c AND y))``, so an
equality ``a`` hidden in every branch can become a join key (TPC-H Q19).  Then, for each
set of columns a branch restricts, ``(b OR c)`` is added when ``b`` and ``c`` read only
that relation's columns: a filter implied by the OR that can be pushed down into a scan
(Q7, Q19).  The original OR stays, so results are unchanged.

>>> # (p.k = l.k AND p.b = 1 AND l.q < 5) OR (p.k = l.k AND p.b = 2 AND l.q < 9)
>>> # -> p.k = l.k AND (p.b = 1 OR p.b = 2) AND (l.q < 5 OR l.q < 9) AND (original OR)
"""

from __future__ import annotations

from collections.abc import Callable

from warehouse import types as T
from warehouse.plan.expressions import Call, Expr, column_indexes, split_conjuncts


def _and(parts: list[Expr]) -> Expr:
    out = parts[0]
    for p in parts[1:]:
        out = Call("and", (out, p), T.BOOLEAN)
    return out


def _or(parts: list[Expr]) -> Expr:
    out = parts[0]
    for p in parts[1:]:
        out = Call("or", (out, p), T.BOOLEAN)
    return out


def factor_or(conjuncts: list[Expr], relation_of: Callable[[int], int | None]) -> list[Expr]:
    """Rewrite WHERE conjuncts; ``relation_of`` maps a column to the relation holding it."""
    out: list[Expr] = []
    for c in conjuncts:
        branches = split_conjuncts(c, "or")
        if len(branches) < 2:
            out.append(c)
            continue
        parts = [split_conjuncts(b) for b in branches]
        common = [p for p in parts[0] if all(p in other for other in parts[1:])]
        out.extend(common)
        rest = [[p for p in branch if p not in common] for branch in parts]
        if any(not r for r in rest):
            continue  # one branch is just the common part: the OR is always true given it
        out.append(_or([_and(r) for r in rest]))
        out.extend(_implied(rest, relation_of))
    return out


def _implied(branches: list[list[Expr]], relation_of: Callable[[int], int | None]) -> list[Expr]:
    """For each relation every branch restricts on its own: the OR of those restrictions."""
    per_branch: list[dict[int, list[Expr]]] = []
    for branch in branches:
        by_rel: dict[int, list[Expr]] = {}
        for p in branch:
            rels = {relation_of(i) for i in column_indexes(p)}
            if len(rels) == 1 and None not in rels:
                by_rel.setdefault(rels.pop(), []).append(p)  # type: ignore[arg-type]
        per_branch.append(by_rel)
    shared = set(per_branch[0])
    for b in per_branch[1:]:
        shared &= set(b)
    return [_or([_and(b[r]) for b in per_branch]) for r in sorted(shared)]
