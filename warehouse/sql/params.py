"""Pyformat parameters (``%s``, ``%(name)s``) to the engine's ``$1 .. $n`` placeholders.

The DB-API's ``paramstyle`` is ``"pyformat"``; the engine binds ``$k`` placeholders.  This
module rewrites the placeholders only: values are passed through in a list and never spliced
into the SQL text.  ``%`` inside string literals (``'...'`` with ``''`` escapes), quoted
identifiers (``"..."``), ``--`` line comments and ``/* */`` block comments is left alone, and
``%%`` outside them becomes ``%``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warehouse.errors import ProgrammingError

__all__ = ["to_placeholders"]


def _skip_quoted(sql: str, i: int, quote: str) -> int:
    """Index just past the literal/identifier opened at ``sql[i] == quote``."""
    n = len(sql)
    j = i + 1
    while j < n:
        if sql[j] == quote:
            if j + 1 < n and sql[j + 1] == quote:  # doubled quote: an escaped one
                j += 2
                continue
            return j + 1
        j += 1
    return n  # unterminated: the parser reports it


def to_placeholders(sql: str, params: Sequence[Any] | Mapping[str, Any] | None) -> tuple[str, list]:
    """Rewrite pyformat placeholders in ``sql`` to ``$1..$n``; return (sql, values).

    With ``params`` None the text is returned unchanged (no ``%`` processing, as psycopg
    does).  A sequence binds ``%s`` in order; a mapping binds ``%(name)s``, and a name used
    twice maps to the same ``$k``.  A wrong number of parameters, a missing name, mixing the
    two styles or a ``%`` followed by anything else raises ProgrammingError.
    """
    if params is None:
        return sql, []
    if isinstance(params, (str, bytes, bytearray)):
        msg = (
            f"parameters must be a sequence or a mapping, not {type(params).__name__}"
            " (for one value write (value,))"
        )
        raise ProgrammingError(msg)
    named = isinstance(params, Mapping)
    if not named and not isinstance(params, Sequence):
        try:
            params = list(params)  # any other iterable
        except TypeError:
            msg = f"parameters must be a sequence or a mapping, not {type(params).__name__}"
            raise ProgrammingError(msg) from None

    out: list[str] = []
    values: list[Any] = []
    slots: dict[str, int] = {}
    positional = 0
    n = len(sql)
    start = 0
    i = 0
    while i < n:
        c = sql[i]
        if c in "'\"":
            i = _skip_quoted(sql, i, c)
            continue
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c != "%":
            i += 1
            continue
        out.append(sql[start:i])
        nxt = sql[i + 1] if i + 1 < n else ""
        if nxt == "%":
            out.append("%")
            i += 2
        elif nxt == "s":
            if named:
                msg = "query uses %s but the parameters are a mapping: use %(name)s placeholders"
                raise ProgrammingError(msg)
            positional += 1
            if positional > len(params):
                msg = (
                    f"not enough parameters: the query has more %s placeholders than the "
                    f"{len(params)} parameter(s) given"
                )
                raise ProgrammingError(msg)
            values.append(params[positional - 1])
            out.append(f"${positional}")
            i += 2
        elif nxt == "(":
            close = sql.find(")", i + 2)
            if close < 0 or close + 1 >= n or sql[close + 1] != "s":
                msg = f"incomplete placeholder at character {i + 1}: expected %(name)s"
                raise ProgrammingError(msg)
            if not named:
                msg = "query uses %(name)s but the parameters are a sequence: pass a mapping"
                raise ProgrammingError(msg)
            name = sql[i + 2 : close]
            if name not in slots:
                if name not in params:
                    msg = f'parameter "{name}" is used in the query but missing from the mapping'
                    raise ProgrammingError(msg)
                values.append(params[name])
                slots[name] = len(values)
            out.append(f"${slots[name]}")
            i = close + 2
        else:
            shown = sql[i : i + 2]
            msg = (
                f"unsupported placeholder {shown!r} at character {i + 1}: use %s, %(name)s, "
                "or %% for a literal %"
            )
            raise ProgrammingError(msg)
        start = i
    out.append(sql[start:])
    if not named and positional != len(params):
        msg = (
            f"too many parameters: the query has {positional} %s placeholder(s) but "
            f"{len(params)} parameter(s) were given"
        )
        raise ProgrammingError(msg)
    return "".join(out), values
