"""Statements that are neither queries, DDL nor DML: EXPLAIN, SET/RESET/SHOW (``settings.py``),
DECLARE/FETCH/CLOSE (``cursors.py``), VACUUM, ANALYZE."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlglot import exp

from warehouse.errors import NotSupportedError
from warehouse.result import Result

if TYPE_CHECKING:
    from warehouse.session import Session


def other(session: "Session", ast: exp.Expression, sql: str, params: list[Any]) -> Result:
    from warehouse.sql.external import COMMAND_WORD

    if isinstance(ast, exp.Command) and ast.this == COMMAND_WORD:  # external tables (statements/external.py)
        from warehouse.statements.external import run_external

        return run_external(session, ast.expression.name)
    if isinstance(ast, (exp.Command, exp.Grant, exp.Revoke)):  # users, groups, grants
        from warehouse.auth.statements import is_auth_statement, run

        text = sql if is_auth_statement(sql) else ast.sql(dialect="redshift")
        if is_auth_statement(text):
            return run(session, text)
    if isinstance(ast, exp.Command):
        word = ast.this.upper()
        rest = "" if ast.expression is None else ast.expression if isinstance(ast.expression, str) else ast.expression.name
        if word == "EXPLAIN":
            from warehouse.sql.parse import parse_one

            text = rest
            for prefix in ("VERBOSE ",):
                if text.upper().startswith(prefix):
                    text = text[len(prefix) :]
            return session.explain(parse_one(text), text, params)
        if word in ("SHOW", "SET", "RESET"):
            from warehouse.statements import settings

            if word == "SHOW":
                return settings.show(session, rest)
            return settings.set_command(session, rest) if word == "SET" else settings.reset(session, rest)
        if word in ("DECLARE", "FETCH", "MOVE"):
            from warehouse.statements import cursors

            if word == "DECLARE":
                return cursors.declare(session, rest, params)
            if word == "FETCH":
                return cursors.fetch(session, rest)
        if word in ("VACUUM",):
            return Result(status="VACUUM", notices=["VACUUM: blocks are immutable and deletes rewrite them; nothing to reclaim"])
    if isinstance(ast, exp.Analyze):
        return Result(status="ANALYZE")
    if isinstance(ast, exp.Set):
        from warehouse.statements.settings import set_statement

        return set_statement(session, ast)
    if isinstance(ast, exp.Alias) and isinstance(ast.this, exp.Column) and ast.this.name.upper() == "CLOSE":
        from warehouse.statements.cursors import close

        alias = ast.args["alias"]
        return close(session, f'"{alias.name}"' if alias.quoted else alias.name)  # CLOSE name
    msg = f"statement {ast.key.upper()} is not supported: {ast.sql(dialect='redshift')[:80]}"
    raise NotSupportedError(msg)
