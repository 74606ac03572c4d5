"""PostgreSQL spellings that client catalog queries use, rewritten into forms the binder knows.

Applied by ``sql.dialect.parse`` to every statement.  Each rewrite keeps the meaning:

- ``pg_catalog.f(...)`` / ``information_schema.f(...)`` -> ``f(...)`` (the functions live
  in one namespace);
- ``a OPERATOR(pg_catalog.~) b`` -> ``a ~ b`` (and ``!~``, ``~*``, ``!~*``, ``~~``, ``!~~``,
  ``=``, ``<>``);
- ``x COLLATE pg_catalog.default`` / ``"C"`` / ``default`` -> ``x`` (one collation);
- ``x = ANY (ARRAY[a, b])`` -> ``x IN (a, b)``, ``x <> ALL (ARRAY[...])`` -> ``NOT IN``;
  ``x = ANY (arr)`` over an array value -> ``array_contains(arr, x)``;
- ``(a, b) = (c, d)`` -> ``a = c AND b = d``;
- ``E'...'`` (escape string) -> a plain string literal (sqlglot already unescaped it);
- an integer constant used as a condition (``WHERE 1 AND ...``, as sqlalchemy-redshift
  writes) -> TRUE / FALSE;
- ``TRIM(LEADING|TRAILING c FROM x)`` -> ``ltrim(x, c)`` / ``rtrim(x, c)``;
- ``CAST(x AS t[])`` -> ``CAST(x AS VARCHAR)``: arrays are carried as their text form;
- ``ARRAY(SELECT e FROM unnest(a) [AS] x)`` -> ``array_transform(a, 'e', 'x')`` and
  ``a || ARRAY...`` -> ``array_cat(a, ...)`` (psql's ``\\d+`` reloptions);
- ``information_schema._pg_expandarray(a)`` in a select list (pgjdbc's ``getPrimaryKeys``):
  a set-returning function like ``unnest``, ``(...).n`` its ordinal and ``(...).x`` its
  element; a whole record is carried as its x, so ``(col).x`` -> ``col``.

>>> from warehouse.sql.dialect import parse
>>> parse("SELECT 1 WHERE r = ANY (ARRAY['r', 'v'])")[0].sql()
"SELECT 1 WHERE r IN ('r', 'v')"
"""

from __future__ import annotations

from sqlglot import exp

_SCHEMAS = ("pg_catalog", "information_schema")
_REGEX_OPERATORS = {"~": (False, False), "!~": (True, False), "~*": (False, True), "!~*": (True, True)}


def normalize(ast: exp.Expression) -> exp.Expression:
    """``ast`` with the PostgreSQL spellings above rewritten (in place where possible)."""
    ast = ast.transform(_rewrite, copy=False)
    for select in list(ast.find_all(exp.Select)):
        _expand_set_returning(select)
    return ast


# ----- set-returning functions in the select list --------------------------------------------
# unnest(a) / generate_subscripts(a, 1) in a select list produce one row per element, in
# lockstep (PostgreSQL 10+).  Arrays only exist in the catalog, where they are short (index
# keys: at most 32), so the block is joined with the ordinals 1..MAX_ELEMENTS and keeps
# those up to the longest array's length.
MAX_ELEMENTS = 64
# catalog array columns whose elements are integers (the rest are text)
INTEGER_ARRAYS = {"indkey", "indclass", "indcollation", "indoption", "conkey", "confkey", "stxkeys", "prattrs",
                  "polroles", "proargtypes", "proallargtypes", "grolist", "conpfeqop", "conppeqop", "conffeqop"}
_ORDINAL = "_srf_ordinal"


def _expandarray(node: exp.Expression) -> tuple[exp.Expression, str] | None:
    """``_pg_expandarray(a)`` -> (a, "x"); ``(_pg_expandarray(a)).x`` / ``.n`` -> (a, field).

    information_schema._pg_expandarray returns one (x element, n ordinal) record per
    element; there are no composite values, so a whole record is carried as its x."""
    field = "x"
    if isinstance(node, exp.Dot) and isinstance(node.this, exp.Paren) and isinstance(node.expression, exp.Identifier):
        field, node = node.expression.name.lower(), node.this.this
        if field not in ("x", "n"):
            return None
    if isinstance(node, exp.Anonymous) and node.name.lower() == "_pg_expandarray" and len(node.expressions) == 1:
        return node.expressions[0], field
    return None


def _srf_array(node: exp.Expression) -> exp.Expression | None:
    if isinstance(node, exp.Explode):
        return node.this
    if isinstance(node, exp.Anonymous) and node.name.lower() == "generate_subscripts" and node.expressions:
        return node.expressions[0]
    expand = _expandarray(node)
    return expand[0] if expand is not None else None


def _element(array: exp.Expression, ordinal: exp.Expression) -> exp.Expression:
    value: exp.Expression = exp.Anonymous(this="array_element", expressions=[array.copy(), ordinal.copy()])
    if isinstance(array, exp.Column) and array.name.lower() in INTEGER_ARRAYS:
        value = exp.cast(value, "INTEGER")
    return value


def _expand_set_returning(select: exp.Select) -> None:
    items = [e.this if isinstance(e, exp.Alias) else e for e in select.expressions]
    arrays = [a for a in (_srf_array(e) for e in items) if a is not None]
    if not arrays or select.args.get("group") or any(e.find(exp.AggFunc) for e in items):
        return
    ordinal = exp.column(_ORDINAL, "_srf")
    for e in select.expressions:
        target = e.this if isinstance(e, exp.Alias) else e
        array = _srf_array(target)
        if array is None:
            continue
        expand = _expandarray(target)
        if isinstance(target, exp.Explode) or (expand is not None and expand[1] == "x"):
            value = _element(array, ordinal)
        else:
            value = ordinal.copy()
        if isinstance(e, exp.Alias):
            e.set("this", value)
        else:
            name = "unnest" if isinstance(target, exp.Explode) else ("generate_subscripts" if expand is None else expand[1])
            e.replace(exp.alias_(value, name))
    series = exp.Values(
        expressions=[exp.Tuple(expressions=[exp.Literal.number(i)]) for i in range(1, MAX_ELEMENTS + 1)],
        alias=exp.TableAlias(this=exp.to_identifier("_srf"), columns=[exp.to_identifier(_ORDINAL)]),
    )
    select.append("joins", exp.Join(this=series))
    lengths = [exp.Anonymous(this="cardinality", expressions=[a.copy()]) for a in arrays]
    longest = lengths[0] if len(lengths) == 1 else exp.Greatest(this=lengths[0], expressions=lengths[1:])
    select.where(exp.LTE(this=ordinal.copy(), expression=longest), copy=False)


def _rewrite(node: exp.Expression) -> exp.Expression:
    new = _rewrite_one(node)
    if new is not node:  # transform does not descend into a replacement: do it here
        new = new.transform(_rewrite, copy=False)
    return new


def _rewrite_one(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Dot) and isinstance(node.this, exp.Identifier) and isinstance(node.expression, exp.Func):
        if node.this.name.lower() in _SCHEMAS:
            return node.expression
    if isinstance(node, exp.Operator):
        return _operator(node)
    if isinstance(node, exp.Collate):
        return node.this
    if (isinstance(node, exp.Dot) and isinstance(node.this, exp.Paren) and isinstance(node.this.this, exp.Column)
            and isinstance(node.expression, exp.Identifier) and node.expression.name.lower() == "x"):
        return node.this.this  # (col).x of a _pg_expandarray record, carried as its x
    if isinstance(node, (exp.EQ, exp.NEQ)):
        return _quantified(node)
    if isinstance(node, exp.ByteString):
        return exp.Literal.string(node.name)
    if isinstance(node, (exp.And, exp.Or)):
        for key in ("this", "expression"):
            node.set(key, _as_condition(node.args[key]))
        return node
    if isinstance(node, exp.Where):
        node.set("this", _as_condition(node.this))
        return node
    if isinstance(node, exp.Trim):
        position = (node.args.get("position") or "").upper()
        if position in ("LEADING", "TRAILING") and node.expression is not None:
            fn = "ltrim" if position == "LEADING" else "rtrim"
            return exp.Anonymous(this=fn, expressions=[node.this, node.expression])
        return node
    if isinstance(node, exp.Cast) and isinstance(node.to, exp.DataType) and node.to.this == exp.DataType.Type.ARRAY:
        node.set("to", exp.DataType.build("VARCHAR"))
        return node
    if isinstance(node, exp.ArrayAgg):
        return _array_agg(node)
    if isinstance(node, exp.Array):
        return _array_subquery(node)
    if isinstance(node, exp.DPipe) and (_is_array(node.this) or _is_array(node.expression)):
        return exp.Anonymous(this="array_cat", expressions=[node.this, node.expression])
    return node


def _operator(node: exp.Operator) -> exp.Expression:
    op = str(node.args.get("operator") or "").split(".")[-1].strip()
    left, right = node.this, node.expression
    if op in _REGEX_OPERATORS:
        negate, insensitive = _REGEX_OPERATORS[op]
        out: exp.Expression = exp.RegexpLike(this=left, expression=right)
        if insensitive:
            out = exp.RegexpILike(this=left, expression=right)
        return exp.Not(this=out) if negate else out
    simple = {"~~": exp.Like, "~~*": exp.ILike, "=": exp.EQ, "<>": exp.NEQ, "!=": exp.NEQ, "<": exp.LT,
              ">": exp.GT, "<=": exp.LTE, ">=": exp.GTE}
    if op in simple:
        return simple[op](this=left, expression=right)
    if op in ("!~~", "!~~*"):
        cls = exp.Like if op == "!~~" else exp.ILike
        return exp.Not(this=cls(this=left, expression=right))
    return node


def _quantified(node: exp.Expression) -> exp.Expression:
    left, right = node.this, node.expression
    if isinstance(left, exp.Tuple) and isinstance(right, exp.Tuple) and len(left.expressions) == len(right.expressions):
        cls = type(node)
        parts = [cls(this=a, expression=b) for a, b in zip(left.expressions, right.expressions)]
        if isinstance(node, exp.EQ):
            return exp.and_(*parts)
        return exp.or_(*parts)
    quant = right if isinstance(right, (exp.Any, exp.All)) else None
    if quant is None:
        return node
    inner = quant.this
    while isinstance(inner, exp.Paren):
        inner = inner.this
    is_any = isinstance(quant, exp.Any)
    if isinstance(inner, exp.Array) and not (inner.expressions and isinstance(inner.expressions[0], exp.Query)):
        if isinstance(node, exp.EQ) and is_any:
            return exp.In(this=left, expressions=list(inner.expressions))
        if isinstance(node, exp.NEQ) and not is_any:
            return exp.Not(this=exp.In(this=left, expressions=list(inner.expressions)))
        return node
    if isinstance(inner, exp.Query):
        return node  # x = ANY (SELECT ...) is a subquery: the binder's business
    if isinstance(node, exp.EQ) and is_any:
        return exp.Anonymous(this="array_contains", expressions=[inner, left])
    if isinstance(node, exp.NEQ) and not is_any:
        return exp.Not(this=exp.Anonymous(this="array_contains", expressions=[inner, left]))
    return node


def _as_condition(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return exp.Boolean(this=float(node.this) != 0)
        except ValueError:
            return node
    return node


def _is_array(node: exp.Expression) -> bool:
    return isinstance(node, exp.Array) or (
        isinstance(node, exp.Anonymous) and node.name.lower() in ("array_transform", "array_cat")
    )


def _array_subquery(node: exp.Array) -> exp.Expression:
    """``ARRAY(SELECT e FROM unnest(a) x)`` -> ``array_transform(a, 'e', 'x')``."""
    if len(node.expressions) != 1 or not isinstance(node.expressions[0], exp.Select):
        return node
    select = node.expressions[0]
    from_ = select.args.get("from_") or select.args.get("from")
    if (
        from_ is None
        or from_.expressions
        or select.args.get("joins")
        or select.args.get("where")
        or len(select.expressions) != 1
        or not isinstance(from_.this, exp.Table)
        or not isinstance(from_.this.this, exp.Explode)
    ):
        return node
    table = from_.this
    alias = table.args.get("alias")
    var = alias.name if alias is not None and alias.name else "unnest"
    body = select.expressions[0]
    return exp.Anonymous(
        this="array_transform",
        expressions=[table.this.this, exp.Literal.string(body.sql(dialect="redshift")), exp.Literal.string(var)],
    )


def _array_agg(node: exp.ArrayAgg) -> exp.Expression:
    """``array_agg(x [ORDER BY k])`` -> ``'{' || LISTAGG(array_quote(x), ',') [WITHIN GROUP
    (ORDER BY k)] || '}'`` (the array's text form; NULL elements are left out)."""
    arg = node.this
    order = None
    if isinstance(arg, exp.Order):
        order = exp.Order(expressions=[o.copy() for o in arg.expressions])
        arg = arg.this
    if isinstance(arg, exp.Distinct):
        return node
    quoted = exp.Anonymous(this="array_quote", expressions=[arg.copy()])
    agg: exp.Expression = exp.GroupConcat(this=quoted, separator=exp.Literal.string(","))
    if order is not None:
        agg = exp.WithinGroup(this=agg, expression=order)
    return exp.DPipe(this=exp.DPipe(this=exp.Literal.string("{"), expression=agg), expression=exp.Literal.string("}"))
