"""Statement text -> sqlglot ASTs in the engine's dialect (see ``sql.dialect``)."""

from __future__ import annotations

from sqlglot import exp

from warehouse.sql.dialect import parse


def parse_one(sql: str) -> exp.Expression:
    """The single statement in ``sql`` (the first, when there are several)."""
    statements = parse(sql)
    if not statements:
        from warehouse.errors import SyntaxError_

        msg = "empty statement"
        raise SyntaxError_(msg)
    return statements[0]


__all__ = ["parse", "parse_one"]
