"""Binding scalar expressions: sqlglot AST -> bound ``Expr`` against a ``Scope``.

Operators and functions are mapped onto registry names and resolved (types, implicit
casts) by ``warehouse.functions.registry``.  Aggregates, window functions and
subqueries are not bound here: they are handed to hooks on ``ExprContext`` that the
SELECT binder provides, which return a marker expression standing for their result.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlglot import exp

from warehouse import types as T
from warehouse.errors import BinderError, NotSupportedError
from warehouse.functions import registry
from warehouse.functions.nested import NESTED_OVERLOADS
from warehouse.plan.expressions import Expr, Interval, Literal
from warehouse.plan.scope import Scope
from warehouse.types import SqlType

BINARY_OPS: dict[type, str] = {
    exp.Add: "add",
    exp.Sub: "subtract",
    exp.Mul: "multiply",
    exp.Div: "divide",
    exp.Mod: "modulo",
    exp.EQ: "eq",
    exp.NEQ: "ne",
    exp.LT: "lt",
    exp.LTE: "le",
    exp.GT: "gt",
    exp.GTE: "ge",
    exp.NullSafeEQ: "is_not_distinct_from",
    exp.NullSafeNEQ: "is_distinct_from",
    exp.And: "and",
    exp.Or: "or",
    exp.DPipe: "concat",
    exp.BitwiseAnd: "bitwise_and",
    exp.BitwiseOr: "bitwise_or",
    exp.BitwiseXor: "bitwise_xor",
    exp.BitwiseLeftShift: "shift_left",
    exp.BitwiseRightShift: "shift_right",
}

AGGREGATES: dict[type, str] = {
    exp.Count: "count",
    exp.Sum: "sum",
    exp.Avg: "avg",
    exp.Min: "min",
    exp.Max: "max",
    exp.Stddev: "stddev_samp",
    exp.StddevSamp: "stddev_samp",
    exp.StddevPop: "stddev_pop",
    exp.Variance: "var_samp",
    exp.VariancePop: "var_pop",
    exp.ApproxDistinct: "approximate_count_distinct",
    exp.LogicalAnd: "bool_and",
    exp.LogicalOr: "bool_or",
    exp.GroupConcat: "listagg",
    exp.Median: "median",
}

WINDOW_ONLY: dict[type, str] = {
    exp.RowNumber: "row_number",
    exp.Rank: "rank",
    exp.DenseRank: "dense_rank",
    exp.PercentRank: "percent_rank",
    exp.CumeDist: "cume_dist",
    exp.Ntile: "ntile",
    exp.Lag: "lag",
    exp.Lead: "lead",
    exp.FirstValue: "first_value",
    exp.LastValue: "last_value",
    exp.NthValue: "nth_value",
}

# sqlglot class name (lower case) -> registry name, where they differ
FUNCTION_ALIASES = {
    "strposition": "strpos",
    "currenttimestamp": "getdate",
    "currentdate": "current_date",
    "timestamptrunc": "date_trunc",
    "datetrunc": "date_trunc",
    "nvl": "coalesce",
    "ifnull": "coalesce",
    "pow": "power",
    "ceiling": "ceil",
    "len": "length",
    "characterlength": "length",
    "char_length": "length",
    "character_length": "length",
    "decodecase": "decode",
    "tochar": "to_char",
    "strtodate": "to_date",
    "btrim": "trim",
    "splitpart": "split_part",
    "arraytostring": "array_to_string",
    "arrayconcat": "array_cat",
    "arraysize": "array_length",
    "currentuser": "current_user",
    "sessionuser": "session_user",
    "currentdatabase": "current_database",
    "currentschema": "current_schema",
    "currentschemas": "current_schemas",
    "currentversion": "version",
}


@dataclass
class ExprContext:
    """Hooks for what a plain expression binder cannot do alone."""

    params: list[Any] = field(default_factory=list)
    on_aggregate: Callable[[exp.Expression, "ExprBinder"], Expr] | None = None
    on_window: Callable[[exp.Window, "ExprBinder"], Expr] | None = None
    on_subquery: Callable[[exp.Expression, str, "ExprBinder"], Expr] | None = None
    sql: str = ""
    # functions and ::regclass-style casts whose value depends on the session or catalog
    # (catalog.pg_functions): (name or "::type", bound args) -> Expr, or None for the registry
    session_function: Callable[[str, list[Expr]], Expr | None] | None = None


def position_of(node: exp.Expression) -> int | None:
    """1-based character offset of ``node`` in the statement text, when sqlglot kept it."""
    meta = getattr(node, "meta", None) or {}
    if "start" in meta:
        return int(meta["start"]) + 1
    for child in node.find_all(exp.Identifier):
        m = child.meta or {}
        if "start" in m:
            return int(m["start"]) + 1
    return None


class ExprBinder:
    """Binds expressions of one query block in one scope."""

    def __init__(self, scope: Scope, ctx: ExprContext) -> None:
        self.scope = scope
        self.ctx = ctx

    # ----- entry point ----------------------------------------------------------------
    def bind(self, node: exp.Expression) -> Expr:
        method = getattr(self, f"_bind_{type(node).__name__.lower()}", None)
        if method is not None:
            return method(node)
        t = type(node)
        if t in BINARY_OPS:
            return self._call(BINARY_OPS[t], [self.bind(node.this), self.bind(node.expression)])
        if t in AGGREGATES:
            return self._aggregate(node)
        if t in WINDOW_ONLY:
            msg = f"window function {WINDOW_ONLY[t]} requires an OVER clause"
            raise BinderError(msg, sqlstate="42809", position=position_of(node))
        if isinstance(node, exp.Func):
            return self._function(node)
        msg = f"expression {node.sql(dialect='redshift')!r} is not supported"
        raise NotSupportedError(msg, position=position_of(node))

    def _call(self, name: str, args: list[Expr]) -> Expr:
        if args and args[0].type.nested is not None and name.lower() in NESTED_OVERLOADS:
            name = NESTED_OVERLOADS[name.lower()]  # cardinality/element_at of array/map columns
        return registry.resolve_call(name, args)

    # ----- leaves -----------------------------------------------------------------
    def _bind_column(self, node: exp.Column) -> Expr:
        from warehouse.plan.expressions import ColumnRef

        if isinstance(node.this, exp.Star):
            msg = "* is not allowed here"
            raise BinderError(msg, sqlstate="42601", position=position_of(node))
        name = node.name if node.this.quoted else node.name.lower()
        table = node.table
        qualifier = None
        if table:
            qualifier = table if node.args["table"].quoted else table.lower()
        try:
            idx, t = self.scope.resolve(name, qualifier, position_of(node))
        except BinderError as e:
            nested = self._struct_path(node)
            if nested is not None:
                return nested
            if name.lower() != "rowtime" or getattr(e, "sqlstate", None) != "42703":
                raise
            from warehouse.sql.dialect import STREAMING_HINT

            msg = "ROWTIME (a stream's arrival time) is not supported; use a timestamp column; " + STREAMING_HINT
            raise NotSupportedError(msg, position=position_of(node)) from None
        return ColumnRef(idx, t, name)

    def _struct_path(self, node: exp.Column) -> Expr | None:
        """``s.f``, ``t.s.f``, ``s.f.g``...: a dotted name whose head is not a relation but a
        struct column (Athena's ``col.field``, Redshift's PartiQL navigation).  Tried only
        when the name does not resolve as ``relation.column``; None when it is no struct."""
        from warehouse.plan.expressions import ColumnRef

        parts = [p for p in node.parts]
        names = [p.name if p.quoted else p.name.lower() for p in parts]
        tries = []
        if len(names) >= 3:
            tries.append((names[0], names[1], names[2:]))  # relation.column.field...
        if len(names) >= 2:
            tries.append((None, names[0], names[1:]))  # column.field...
        for qualifier, column, fields in tries:
            if qualifier is not None and qualifier not in self.scope.all_qualifiers():
                continue
            try:
                idx, t = self.scope.resolve(column, qualifier, position_of(node))
            except BinderError:
                continue
            if t.nested is None:
                continue
            out: Expr = ColumnRef(idx, t, column)
            for f in fields:
                out = self._field(out, f, node)
            return out
        return None

    def _field(self, base: Expr, name: str, node: exp.Expression) -> Expr:
        try:
            return self._call("nested_field", [base, Literal(name, T.VARCHAR)])
        except BinderError as e:
            e.position = e.position or position_of(node)
            raise

    def _bind_dot(self, node: exp.Dot) -> Expr:
        # (expr).field, arr[1].field: a struct's field
        if not isinstance(node.expression, exp.Identifier):
            msg = f"expression {node.sql(dialect='redshift')!r} is not supported"
            raise NotSupportedError(msg, position=position_of(node))
        base = self.bind(node.this)
        if base.type.nested is None:
            msg = f'cannot take field "{node.expression.name}" of a value of type {base.type} (only a struct has fields)'
            raise BinderError(msg, sqlstate="42809", position=position_of(node))
        name = node.expression.name if node.expression.quoted else node.expression.name.lower()
        return self._field(base, name, node)

    def _bind_literal(self, node: exp.Literal) -> Expr:
        text = node.this
        if node.is_string:
            return Literal(text, T.varchar(max(len(text.encode()), 1)))
        return numeric_literal(text)

    def _bind_null(self, node: exp.Null) -> Expr:
        return Literal(None, T.NULLTYPE)

    def _bind_boolean(self, node: exp.Boolean) -> Expr:
        return Literal(bool(node.this), T.BOOLEAN)

    def _bind_paren(self, node: exp.Paren) -> Expr:
        return self.bind(node.this)

    def _bind_parameter(self, node: exp.Parameter) -> Expr:
        return self._param(int(node.this.this if isinstance(node.this, exp.Literal) else node.name))

    def _bind_placeholder(self, node: exp.Placeholder) -> Expr:
        return self._param(int(node.name))

    def _param(self, number: int) -> Expr:
        if not 1 <= number <= len(self.ctx.params):
            msg = f"there is no parameter ${number}"
            raise BinderError(msg, sqlstate="42P02")
        return registry.literal_from_python(self.ctx.params[number - 1])

    def _bind_interval(self, node: exp.Interval) -> Expr:
        return Literal(parse_interval(node), T.INTERVAL)

    # ----- operators ----------------------------------------------------------------
    def _bind_neg(self, node: exp.Neg) -> Expr:
        operand = node.this
        while isinstance(operand, exp.Paren):
            operand = operand.this
        if isinstance(operand, exp.Literal) and not operand.is_string:
            # negate the text, so -9223372036854775808 (and -2147483648) keep the type a
            # signed literal of that value has (BIGINT minimum, INTEGER minimum)
            text = operand.this.strip()
            return numeric_literal(text[1:] if text.startswith("-") else "-" + text)
        inner = self.bind(node.this)
        if isinstance(inner, Literal) and isinstance(inner.value, (int, float)) and not isinstance(inner.value, bool):
            return Literal(-inner.value, inner.type)
        if isinstance(inner, Literal) and isinstance(inner.value, Interval):
            return Literal(-inner.value, inner.type)
        return self._call("negate", [inner])

    def _bind_not(self, node: exp.Not) -> Expr:
        inner = node.this
        if isinstance(inner, exp.In) and (inner.args.get("query") is not None):
            return self._subquery(inner, "not_in")
        if isinstance(inner, exp.Exists):
            return self._subquery(inner, "not_exists")
        return self._call("not", [self.bind(inner)])

    def _bind_is(self, node: exp.Is) -> Expr:
        target = node.expression
        value = self.bind(node.this)
        if isinstance(target, exp.Null):
            return self._call("is_null", [value])
        if isinstance(target, exp.Boolean):
            return self._call("is_true" if target.this else "is_false", [value])
        msg = f"IS {target.sql()} is not supported"
        raise NotSupportedError(msg, position=position_of(node))

    def _bind_like(self, node: exp.Like) -> Expr:
        return self._like(node, "like")

    def _bind_ilike(self, node: exp.ILike) -> Expr:
        return self._like(node, "ilike")

    def _bind_escape(self, node: exp.Escape) -> Expr:
        inner = node.this
        name = "ilike" if isinstance(inner, exp.ILike) else "like"
        args = [self.bind(inner.this), self.bind(inner.expression), self.bind(node.expression)]
        call = self._call(name, args)
        return self._call("not", [call]) if inner.args.get("negate") else call

    def _like(self, node: exp.Expression, name: str) -> Expr:
        call = self._call(name, [self.bind(node.this), self.bind(node.expression)])
        return self._call("not", [call]) if node.args.get("negate") else call

    def _bind_similarto(self, node: exp.SimilarTo) -> Expr:
        return self._call("similar_to", [self.bind(node.this), self.bind(node.expression)])

    def _bind_regexplike(self, node: exp.RegexpLike) -> Expr:
        return self._call("regexp_like", [self.bind(node.this), self.bind(node.expression)])

    def _bind_between(self, node: exp.Between) -> Expr:
        value = self.bind(node.this)
        low = self._call("ge", [value, self.bind(node.args["low"])])
        high = self._call("le", [value, self.bind(node.args["high"])])
        return self._call("and", [low, high])

    def _bind_in(self, node: exp.In) -> Expr:
        if node.args.get("query") is not None:
            return self._subquery(node, "in")
        if node.args.get("unnest") is not None or node.args.get("field") is not None:
            msg = "IN UNNEST is not supported"
            raise NotSupportedError(msg)
        value = self.bind(node.this)
        items = [self.bind(e) for e in node.expressions]
        return self._call("in_list", [value, *items])

    def _bind_exists(self, node: exp.Exists) -> Expr:
        return self._subquery(node, "exists")

    def _bind_subquery(self, node: exp.Subquery) -> Expr:
        return self._subquery(node, "scalar")

    def _bind_select(self, node: exp.Select) -> Expr:
        return self._subquery(node, "scalar")

    def _subquery(self, node: exp.Expression, kind: str) -> Expr:
        if self.ctx.on_subquery is None:
            msg = "subqueries are not allowed here"
            raise BinderError(msg, sqlstate="0A000", position=position_of(node))
        return self.ctx.on_subquery(node, kind, self)

    def _bind_case(self, node: exp.Case) -> Expr:
        subject = node.this
        subject_expr = self.bind(subject) if subject is not None else None
        args: list[Expr] = []
        for branch in node.args.get("ifs") or []:
            cond = self.bind(branch.this)
            if subject_expr is not None:
                cond = self._call("eq", [subject_expr, cond])
            args.extend([cond, self.bind(branch.args["true"])])
        default = node.args.get("default")
        if default is not None:
            args.append(self.bind(default))
        return self._call("case", args)

    def _bind_if(self, node: exp.If) -> Expr:
        args = [self.bind(node.this), self.bind(node.args["true"])]
        if node.args.get("false") is not None:
            args.append(self.bind(node.args["false"]))
        return self._call("case", args)

    def _bind_cast(self, node: exp.Cast) -> Expr:
        to = node.args["to"]
        if isinstance(to, exp.ObjectIdentifier) and self.ctx.session_function is not None:
            bound = self.ctx.session_function(f"::{to.name.lower()}", [self.bind(node.this)])
            if bound is not None:
                return bound
        return registry.resolve_cast(self.bind(node.this), type_from_ast(to))

    _bind_trycast = _bind_cast

    # ----- functions with special argument shapes -----------------------------------------
    def _bind_extract(self, node: exp.Extract) -> Expr:
        part = node.this.name.lower()
        return self._call("extract", [Literal(part, T.varchar(16)), self.bind(node.expression)])

    def _bind_tsordsadd(self, node: exp.Expression) -> Expr:
        unit = _unit(node)
        return self._call("dateadd", [Literal(unit, T.varchar(16)), self.bind(node.expression), self.bind(node.this)])

    _bind_dateadd = _bind_tsordsadd
    _bind_timestampadd = _bind_tsordsadd

    def _bind_tsordsdiff(self, node: exp.Expression) -> Expr:
        unit = _unit(node)
        return self._call(
            "datediff", [Literal(unit, T.varchar(16)), self.bind(node.expression), self.bind(node.this)]
        )

    _bind_datediff = _bind_tsordsdiff
    _bind_timestampdiff = _bind_tsordsdiff

    def _bind_timestamptrunc(self, node: exp.Expression) -> Expr:
        return self._call("date_trunc", [Literal(_unit(node), T.varchar(16)), self.bind(node.this)])

    _bind_datetrunc = _bind_timestamptrunc

    def _bind_floor(self, node: exp.Floor) -> Expr:
        # FLOOR(ts TO MINUTE) (Kinesis Data Analytics / Calcite) is date_trunc
        to = node.args.get("to")
        if to is None:
            return self._function(node)
        return self._call("date_trunc", [Literal(to.name.lower(), T.varchar(16)), self.bind(node.this)])
    _bind_timetrunc = _bind_timestamptrunc

    def _bind_substring(self, node: exp.Substring) -> Expr:
        args = [self.bind(node.this), self.bind(node.args["start"])]
        if node.args.get("length") is not None:
            args.append(self.bind(node.args["length"]))
        return self._call("substring", args)

    def _bind_strposition(self, node: exp.StrPosition) -> Expr:
        return self._call("strpos", [self.bind(node.this), self.bind(node.args["substr"])])

    def _bind_currenttimestamp(self, node: exp.Expression) -> Expr:
        return self._call("getdate", [])

    def _bind_currentdate(self, node: exp.Expression) -> Expr:
        return self._call("current_date", [])

    def _bind_lastday(self, node: exp.LastDay) -> Expr:
        if node.args.get("unit") is not None:
            msg = "LAST_DAY with a unit is not supported"
            raise NotSupportedError(msg, position=position_of(node))
        return self._call("last_day", [self.bind(node.this)])

    def _bind_pad(self, node: exp.Pad) -> Expr:
        args = [self.bind(node.this), self.bind(node.expression)]
        if node.args.get("fill_pattern") is not None:
            args.append(self.bind(node.args["fill_pattern"]))
        return self._call("lpad" if node.args.get("is_left") else "rpad", args)

    def _regexp_args(self, node: exp.Expression, name: str, keys: tuple[str, ...], defaults: dict) -> Expr:
        """``name(this, expression, *keys)`` from a sqlglot regexp node; an optional argument
        left out before a given one takes its default; other arguments are not supported."""
        for key, value in node.args.items():
            if key in ("this", "expression", *keys) or value is None or value is False:
                continue
            if key == "single_replace":  # Redshift's REGEXP_REPLACE always replaces every match
                continue
            msg = f"{name.upper()} with argument {key!r} is not supported"
            raise NotSupportedError(msg, position=position_of(node))
        args = [self.bind(node.this), self.bind(node.expression)]
        last = max((i for i, k in enumerate(keys) if node.args.get(k) is not None), default=-1)
        for key in keys[: last + 1]:
            value = node.args.get(key)
            args.append(self.bind(value) if value is not None else defaults[key])
        return self._call(name, args)

    def _bind_regexpreplace(self, node: exp.RegexpReplace) -> Expr:
        defaults = {"replacement": Literal("", T.varchar(1))}
        return self._regexp_args(node, "regexp_replace", ("replacement", "position"), defaults)

    def _bind_regexpextract(self, node: exp.RegexpExtract) -> Expr:
        defaults = {"position": Literal(1, T.INTEGER)}
        return self._regexp_args(node, "regexp_substr", ("position", "occurrence"), defaults)

    def _bind_regexpcount(self, node: exp.RegexpCount) -> Expr:
        return self._regexp_args(node, "regexp_count", ("position",), {})

    def _bind_withingroup(self, node: exp.WithinGroup) -> Expr:
        # LISTAGG(...) WITHIN GROUP (ORDER BY ...): an aggregate; the binder's
        # _aggregate_parts takes the ordering apart
        if isinstance(node.this, exp.GroupConcat):
            return self._aggregate(node)
        msg = f"{node.this.sql(dialect='redshift')} WITHIN GROUP is not supported"
        raise NotSupportedError(msg, position=position_of(node))

    def _bind_initcap(self, node: exp.Initcap) -> Expr:
        # sqlglot fills in a default delimiter set; Redshift's INITCAP takes one argument
        return self._call("initcap", [self.bind(node.this)])

    def _bind_anonymous(self, node: exp.Anonymous) -> Expr:
        name = node.name.lower()
        if registry.is_aggregate(name):
            return self._aggregate(node)
        args = [self.bind(a) for a in node.expressions]
        return self._session_or_registry(FUNCTION_ALIASES.get(name, name), args)

    def _session_or_registry(self, name: str, args: list[Expr]) -> Expr:
        if self.ctx.session_function is not None:
            bound = self.ctx.session_function(name, args)
            if bound is not None:
                return bound
        return self._call(name, args)

    def _bind_bitwisenot(self, node: exp.BitwiseNot) -> Expr:
        return self._call("bitwise_not", [self.bind(node.this)])

    def _bind_bracket(self, node: exp.Bracket) -> Expr:
        # arr[i] on an array in text form (functions/array.py); subscripts are 1-based
        if len(node.expressions) != 1 or isinstance(node.expressions[0], exp.Slice):
            msg = "array slices and multi-dimensional subscripts are not supported"
            raise NotSupportedError(msg, position=position_of(node))
        base = self.bind(node.this)
        if base.type.nested is not None:  # array<T>[i] (1-based), map<K,V>[key], struct['field']
            from warehouse.functions.nested import nested_kind

            sub = self.bind(node.expressions[0])
            kind = nested_kind(base.type)
            if kind == "struct" and isinstance(sub, Literal) and isinstance(sub.value, str):
                return self._field(base, sub.value, node)
            fn = "nested_key" if kind == "map" else "nested_index"
            try:
                return self._call(fn, [base, sub])
            except BinderError as e:
                e.position = e.position or position_of(node)
                raise
        return self._call("array_element", [base, self.bind(node.expressions[0])])

    def _bind_window(self, node: exp.Window) -> Expr:
        if self.ctx.on_window is None:
            msg = "window functions are not allowed here"
            raise BinderError(msg, sqlstate="42P20", position=position_of(node))
        return self.ctx.on_window(node, self)

    def _bind_distinct(self, node: exp.Distinct) -> Expr:
        msg = "DISTINCT is only allowed inside an aggregate"
        raise BinderError(msg, sqlstate="42601", position=position_of(node))

    def _bind_star(self, node: exp.Star) -> Expr:
        msg = "* is not allowed here"
        raise BinderError(msg, sqlstate="42601")

    def _aggregate(self, node: exp.Expression) -> Expr:
        if self.ctx.on_aggregate is None:
            name = AGGREGATES.get(type(node), type(node).__name__.lower())
            msg = f"aggregate functions are not allowed here ({name})"
            raise BinderError(msg, sqlstate="42803", position=position_of(node))
        return self.ctx.on_aggregate(node, self)

    def _function(self, node: exp.Func) -> Expr:
        cls_name = type(node).__name__.lower()
        name = FUNCTION_ALIASES.get(cls_name, node.sql_name().lower() if cls_name == "anonymous" else cls_name)
        args: list[Expr] = []
        for key in node.arg_types:
            value = node.args.get(key)
            if value is None:
                continue
            if isinstance(value, list):
                args.extend(self.bind(v) for v in value)
            elif isinstance(value, exp.Expression):
                args.append(self.bind(value))
        return self._session_or_registry(name, args)


# ----- helpers -----------------------------------------------------------------------------
def _unit(node: exp.Expression) -> str:
    unit = node.args.get("unit")
    if unit is None:
        return "day"
    return unit.name.lower()


def numeric_literal(text: str) -> Literal:
    """An integer literal is INTEGER or BIGINT by range; one with a point is DECIMAL."""
    t = text.strip()
    if "e" in t.lower():
        return Literal(float(t), T.DOUBLE)
    if "." in t:
        d = decimal.Decimal(t)
        digits = d.as_tuple()
        scale = max(-digits.exponent, 0)
        precision = max(len(digits.digits), scale, 1)
        if precision > T.MAX_STORED_DECIMAL_PRECISION:
            return Literal(float(t), T.DOUBLE)
        return Literal(int(d.scaleb(scale)), T.decimal(precision, scale))
    v = int(t)
    if -(2**31) <= v < 2**31:
        return Literal(v, T.INTEGER)
    if -(2**63) <= v < 2**63:
        return Literal(v, T.BIGINT)
    d = decimal.Decimal(t)
    if len(t.lstrip("-")) <= T.MAX_DECIMAL_PRECISION:
        msg = f"integer literal {t} is out of range for bigint"
        raise NotSupportedError(msg, sqlstate="22003")
    return Literal(float(d), T.DOUBLE)


_INTERVAL_UNITS = {
    "year": (12, 0, 0),
    "years": (12, 0, 0),
    "y": (12, 0, 0),
    "month": (1, 0, 0),
    "months": (1, 0, 0),
    "mon": (1, 0, 0),
    "mons": (1, 0, 0),
    "week": (0, 7, 0),
    "weeks": (0, 7, 0),
    "day": (0, 1, 0),
    "days": (0, 1, 0),
    "d": (0, 1, 0),
    "hour": (0, 0, 3_600_000_000),
    "hours": (0, 0, 3_600_000_000),
    "h": (0, 0, 3_600_000_000),
    "minute": (0, 0, 60_000_000),
    "minutes": (0, 0, 60_000_000),
    "min": (0, 0, 60_000_000),
    "mins": (0, 0, 60_000_000),
    "second": (0, 0, 1_000_000),
    "seconds": (0, 0, 1_000_000),
    "sec": (0, 0, 1_000_000),
    "secs": (0, 0, 1_000_000),
    "s": (0, 0, 1_000_000),
    "millisecond": (0, 0, 1000),
    "milliseconds": (0, 0, 1000),
    "microsecond": (0, 0, 1),
    "microseconds": (0, 0, 1),
    "quarter": (3, 0, 0),
    "quarters": (3, 0, 0),
}


def parse_interval(node: exp.Interval) -> Interval:
    """INTERVAL '90' DAY, INTERVAL '3 months', INTERVAL '1 day 2 hours'."""
    text = node.this.name if node.this is not None else ""
    unit = node.args.get("unit")
    tokens = text.replace(",", " ").split()
    if unit is not None:
        tokens.append(unit.name.lower())
    months = days = micros = 0
    i = 0
    while i < len(tokens):
        try:
            amount = decimal.Decimal(tokens[i])
        except decimal.InvalidOperation:
            msg = f'invalid input syntax for type interval: "{text}"'
            raise BinderError(msg, sqlstate="22007") from None
        name = tokens[i + 1].lower() if i + 1 < len(tokens) else "second"
        if name not in _INTERVAL_UNITS:
            msg = f'invalid input syntax for type interval: "{text}"'
            raise BinderError(msg, sqlstate="22007")
        m, d, us = _INTERVAL_UNITS[name]
        months += int(amount * m)
        days += int(amount * d)
        micros += int(amount * us)
        i += 2
    return Interval(months, days, micros)


_TYPE_NAMES: dict[str, Callable[[list[int]], SqlType]] = {}


def type_from_ast(dt: exp.DataType) -> SqlType:
    """A SQL type from sqlglot's DataType node (CAST targets, DDL)."""
    from warehouse.sql.types_ast import sql_type_from_datatype

    return sql_type_from_datatype(dt)


def python_value_literal(value: Any) -> Literal:
    """Used for constants computed at bind time (uncorrelated scalar subqueries)."""
    if isinstance(value, (datetime.date, decimal.Decimal, int, float, str, bool)) or value is None:
        return registry.literal_from_python(value)
    msg = f"cannot use a value of type {type(value).__name__} as a constant"
    raise NotSupportedError(msg)
