"""The binder's entry points: resolve function calls and casts, type rules.

See the module docstrings of ``arithmetic`` (numeric result types), ``datetime``
(extract/date_part result types) and ``aggregate_result_type`` below.
"""

from __future__ import annotations

from warehouse import types as T
from warehouse.errors import BinderError, DataError
from warehouse.functions import (  # noqa: F401 - each module registers its functions
    arithmetic,
    comparison,
    conditional,
    logical,
)
from warehouse.functions.coercion import common_supertype, literal_from_python  # noqa: F401
from warehouse.functions.core import FUNCTIONS, coerce, no_function, register
from warehouse.plan.expressions import Call, Expr, Literal
from warehouse.types import Kind, SqlType

for _mod in ("string", "datetime", "math", "array", "catalog", "bitwise", "nested"):
    try:
        __import__(f"warehouse.functions.{_mod}")
    except ImportError:  # pragma: no cover - during development only
        pass

ALIASES = {
    "ceiling": "ceil",
    "char_length": "length",
    "character_length": "length",
    "len": "length",
    "pow": "power",
    "sysdate": "getdate",
    "now": "current_timestamp",
    "isnull": "nvl",
    "ifnull": "nvl",
    "substr": "substring",
    "textlen": "length",
    "lcase": "lower",
    "ucase": "upper",
    "instr": "strpos",
    "charindex": "strpos",
    "dateadd": "dateadd",
    "date_add": "dateadd",
    "datediff": "datediff",
    "date_diff": "datediff",
    "~": "regexp_like",
}


def _fold(call: Call) -> Expr:
    from warehouse.exec.evaluate import evaluate
    from warehouse.vector import Batch

    try:
        v = evaluate(call, Batch([], 1))
    except DataError:
        return call  # raise at run time only if the row is reached
    if hasattr(v, "value"):
        return Literal(v.value, call.type)
    from warehouse.functions.base import scalar_of

    return Literal(scalar_of(v).value, call.type)


def resolve_call(name: str, args: list[Expr]) -> Expr:
    """Type-check ``name(args)``, insert implicit casts, fold constants."""
    name = name.lower()
    name = ALIASES.get(name, name)
    fdef = FUNCTIONS.get(name)
    if fdef is None:
        raise no_function(name, list(args))
    res = fdef.resolve(name, list(args))
    if isinstance(res, Expr):
        return res
    new_args, rtype = res
    call = Call(name, tuple(new_args), rtype)
    if fdef.deterministic and not fdef.per_row and all(isinstance(a, Literal) for a in new_args) and name != "cast" or (
        name == "cast" and isinstance(new_args[0], Literal)
    ):
        return _fold(call)
    return call


def resolve_cast(expr: Expr, target: SqlType) -> Expr:
    """Explicit CAST / ``::``; literals are converted now (bad text -> ConversionError)."""
    from warehouse.functions.cast import can_cast
    from warehouse.functions.coercion import TypedLiteral, is_unknown_literal

    if target.is_string and is_unknown_literal(expr) and expr.value is not None:
        # 'abc'::VARCHAR is a typed string, no longer an unknown-typed literal
        out = expr if expr.type == target else coerce(expr, target)
        if isinstance(out, Literal) and not isinstance(out, TypedLiteral):
            out = TypedLiteral(out.value, out.type)
        return out
    if expr.type == target:
        return expr
    if target.kind is Kind.INTERVAL:
        if isinstance(expr, Literal):
            return coerce(expr, target)
        raise BinderError(f"cannot cast type {expr.type} to interval", sqlstate="42846")
    if not can_cast(expr.type, target):
        msg = f"cannot cast type {expr.type} to {target}"
        raise BinderError(msg, sqlstate="42846")
    if isinstance(expr, Literal):
        return coerce(expr, target)
    return Call("cast", (expr,), target)


def _resolve_cast_call(name, args):
    raise BinderError("cast needs a target type: use resolve_cast", sqlstate="42883")


def _cast_impl(call, args, n):
    from warehouse.functions.base import as_vec
    from warehouse.functions.cast import cast_vector

    return cast_vector(as_vec(args[0]), call.type)


register("cast", _resolve_cast_call, _cast_impl)


# ----- aggregates and windows ---------------------------------------------------------------
AGGREGATES = {
    "count", "sum", "avg", "min", "max", "stddev", "stddev_samp", "stddev_pop", "variance",
    "var_samp", "var_pop", "bool_and", "bool_or", "every", "listagg", "median", "approximate",
    "approximate_count_distinct", "count_distinct", "any_value", "percentile_cont",
    "percentile_disc", "bit_and", "bit_or", "string_agg", "array_agg",
}
WINDOW_ONLY = {
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value", "ratio_to_report",
}


def is_aggregate(name: str) -> bool:
    return name.lower() in AGGREGATES


def is_window_only(name: str) -> bool:
    return name.lower() in WINDOW_ONLY


def aggregate_result_type(name: str, arg_type: SqlType | None, distinct: bool = False) -> SqlType:
    """Redshift's result types for aggregates.

    sum: smallint/int -> bigint, bigint -> numeric(38,0), decimal(p,s) -> decimal(38,s),
    float -> double; avg: integers -> bigint (truncated, as Redshift), decimal(p,s) ->
    decimal(38,s) (Redshift docs: "DEC(5,2) column's AVG returns DEC(38,2)"), float -> double;
    count -> bigint; min/max/any_value -> the argument type; stddev/variance -> double
    (numeric(38,s) for decimal inputs is Redshift's; we return double); bool_and/or -> bool;
    listagg -> varchar; median/percentile_cont -> double for floats, argument type otherwise.
    """
    n = name.lower()
    t = arg_type
    if n in ("count", "approximate", "approximate_count_distinct", "count_distinct"):
        return T.BIGINT
    if t is None:
        if n in ("listagg", "string_agg"):
            return T.VARCHAR
        return T.BIGINT
    if n == "sum":
        if t.kind in (Kind.SMALLINT, Kind.INTEGER):
            return T.BIGINT
        if t.kind is Kind.BIGINT:
            return T.decimal(38, 0)
        if t.is_decimal:
            return T.decimal(38, t.scale)
        if t.is_float:
            return T.DOUBLE
        if t.is_null:
            return T.BIGINT
        raise no_function(n, [Literal(None, t)])
    if n == "avg":
        if t.is_integer or t.is_null:
            return T.BIGINT
        if t.is_decimal:
            return T.decimal(38, t.scale)
        if t.is_float:
            return T.DOUBLE
        raise no_function(n, [Literal(None, t)])
    if n in ("min", "max", "any_value"):
        return t
    if n in ("stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop"):
        if not (t.is_numeric or t.is_null):
            raise no_function(n, [Literal(None, t)])
        return T.DOUBLE
    if n in ("bool_and", "bool_or", "every"):
        return T.BOOLEAN
    if n in ("listagg", "string_agg"):
        return T.VARCHAR
    if n in ("median", "percentile_cont"):
        if t.is_float or t.is_integer:
            return T.DOUBLE if t.is_float else t
        return t
    if n in ("percentile_disc",):
        return t
    if n in ("bit_and", "bit_or"):
        return t
    return t


__all__ = [
    "resolve_call",
    "resolve_cast",
    "common_supertype",
    "literal_from_python",
    "is_aggregate",
    "is_window_only",
    "aggregate_result_type",
]
