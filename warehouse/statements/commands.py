"""Statements that are neither queries, DDL nor DML: EXPLAIN, SET, SHOW, VACUUM, ANALYZE."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from warehouse import types as T
from warehouse.errors import NotSupportedError
from warehouse.result import Result

if TYPE_CHECKING:
    from warehouse.session import Session


def other(session: "Session", ast: exp.Expression, sql: str, params: list[Any]) -> Result:
    if isinstance(ast, exp.Command):
        word = ast.this.upper()
        rest = ast.expression.name if ast.expression is not None else ""
        if word == "EXPLAIN":
            from warehouse.sql.parse import parse_one

            text = rest
            for prefix in ("VERBOSE ",):
                if text.upper().startswith(prefix):
                    text = text[len(prefix) :]
            return session.explain(parse_one(text), text, params)
        if word == "SHOW":
            name = rest.strip().rstrip(";").lower()
            value = session.settings.get(name)
            if value is None:
                msg = f'unrecognized configuration parameter "{name}"'
                raise NotSupportedError(msg, sqlstate="42704")
            table = pa.table({name: pa.array([value], pa.string())})
            return Result([name], [T.varchar(256)], table, 1, "SHOW")
        if word in ("VACUUM",):
            return Result(status="VACUUM", notices=["VACUUM: blocks are immutable and deletes rewrite them; nothing to reclaim"])
    if isinstance(ast, exp.Analyze):
        return Result(status="ANALYZE")
    if isinstance(ast, exp.Set):
        for item in ast.expressions:
            eq = item.this
            if isinstance(eq, exp.EQ):
                session.settings[eq.this.name.lower()] = eq.expression.name
        return Result(status="SET")
    msg = f"statement {ast.key.upper()} is not supported: {ast.sql(dialect='redshift')[:80]}"
    raise NotSupportedError(msg)
