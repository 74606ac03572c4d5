"""The function table: name -> FunctionDef (type resolution + implementation)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable

from warehouse.errors import BinderError
from warehouse.plan.expressions import Call, Expr, Literal
from warehouse.types import SqlType

Resolver = Callable[[str, list[Expr]], tuple[list[Expr], SqlType]]


@dataclass
class FunctionDef:
    name: str
    resolve: Resolver
    impl: Callable | None = None  # impl(call, args: list[Value], n) -> Value
    special: Callable | None = None  # special(call, batch) -> Value (evaluates its own args)
    deterministic: bool = True
    per_row: bool = False  # produces a full vector even when every argument is constant
    risky: bool = False  # may raise on some input rows (division, casts from text...)


FUNCTIONS: dict[str, FunctionDef] = {}


def register(names, resolve: Resolver, impl=None, *, special=None, deterministic=True, per_row=False, risky=False):
    if isinstance(names, str):
        names = [names]
    for n in names:
        FUNCTIONS[n] = FunctionDef(n, resolve, impl, special, deterministic, per_row, risky)


def no_function(name: str, args: list[Expr]) -> BinderError:
    sig = ", ".join(str(a.type) for a in args)
    msg = f"function {name}({sig}) does not exist"
    close = difflib.get_close_matches(name, list(FUNCTIONS), n=1)
    hint = f'Perhaps you meant "{close[0]}".' if close and close[0] != name else (
        "No function matches the given name and argument types. You might need to add explicit type casts."
    )
    return BinderError(msg, sqlstate="42883", hint=hint)


def coerce(expr: Expr, target: SqlType) -> Expr:
    """``expr`` as ``target`` (a cast node, folded when ``expr`` is a literal)."""
    if expr.type == target:
        return expr
    if isinstance(expr, Literal):
        from warehouse.functions.coercion import cast_literal

        return cast_literal(expr, target)
    return Call("cast", (expr,), target)


def literal_text(e: Expr) -> str | None:
    """The text of a string literal (field names of extract/date_trunc...)."""
    if isinstance(e, Literal) and isinstance(e.value, str):
        return e.value
    return None
