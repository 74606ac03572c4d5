"""SQL cursors: ``DECLARE name [BINARY] [NO SCROLL] CURSOR [WITH[OUT] HOLD] FOR query``,
``FETCH [FORWARD|NEXT] [n|ALL] [FROM|IN] name`` and ``CLOSE name | ALL``.

As in Redshift, a cursor lives inside a transaction block (DECLARE outside one is 25P01)
and is closed when the transaction ends.  DECLARE runs the query to completion and keeps
its Arrow result; FETCH hands out the next rows (command tag ``FETCH n``).  Only forward
fetching exists (Redshift's cursors are forward-only too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warehouse.errors import NotSupportedError, ProgrammingError
from warehouse.result import Result

if TYPE_CHECKING:
    from warehouse.session import Session

_DECLARE = re.compile(
    r'^\s*("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+(?:BINARY\s+)?(?:INSENSITIVE\s+)?(?:NO\s+SCROLL\s+|SCROLL\s+)?'
    r"CURSOR\s+(?:(WITH|WITHOUT)\s+HOLD\s+)?FOR\s+(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_FETCH = re.compile(
    r'^\s*(?:(NEXT|FORWARD\s+ALL|FORWARD\s+\d+|FORWARD|ALL|\d+)\s+)?(?:(?:FROM|IN)\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s*;?\s*$',
    re.IGNORECASE,
)


@dataclass
class OpenCursor:
    """A declared cursor: the query's result and how many rows were fetched."""

    result: Result
    position: int = 0


def _name(token: str) -> str:
    if token.startswith('"'):
        return token[1:-1].replace('""', '"')
    return token.lower()


def _cursors(session: Session) -> dict[str, OpenCursor]:
    cursors = getattr(session, "cursors", None)
    if cursors is None:
        cursors = session.cursors = {}  # type: ignore[attr-defined]
    return cursors


def declare(session: Session, text: str, params: list[Any]) -> Result:
    m = _DECLARE.match(text.strip().rstrip(";"))
    if m is None:
        msg = f"syntax error in DECLARE: {text[:80]}"
        raise ProgrammingError(msg, sqlstate="42601")
    if not session.in_transaction:
        msg = "DECLARE CURSOR may only be used in transaction blocks"
        raise ProgrammingError(msg, sqlstate="25P01")
    name = _name(m.group(1))
    cursors = _cursors(session)
    if name in cursors:
        msg = f'cursor "{name}" already exists'
        raise ProgrammingError(msg, sqlstate="42P03")
    from warehouse.sql.parse import parse_one

    query_text = m.group(3)
    ast = parse_one(query_text)
    result = session.run_query(ast, query_text, params)
    cursors[name] = OpenCursor(result)
    return Result(status="DECLARE CURSOR")


def fetch(session: Session, text: str) -> Result:
    m = _FETCH.match(text)
    if m is None:
        msg = f"FETCH form not supported: {text[:80]} (use FETCH [FORWARD] n|ALL|NEXT FROM name)"
        raise NotSupportedError(msg)
    how = " ".join((m.group(1) or "NEXT").upper().split())
    name = _name(m.group(2))
    cur = _cursors(session).get(name)
    if cur is None:
        msg = f'cursor "{name}" does not exist'
        raise ProgrammingError(msg, sqlstate="34000")
    total = cur.result.rowcount if cur.result.table is None else cur.result.table.num_rows
    if how in ("ALL", "FORWARD ALL"):
        count = total
    elif how in ("NEXT", "FORWARD"):
        count = 1
    else:
        count = int(how.split()[-1])
    start = min(cur.position, total)
    stop = min(start + count, total)
    cur.position = stop
    table = cur.result.table.slice(start, stop - start) if cur.result.table is not None else None
    return Result(cur.result.names, cur.result.types, table, stop - start, f"FETCH {stop - start}")


def close(session: Session, name: str) -> Result:
    cursors = _cursors(session)
    if name.upper() == "ALL" and not name.startswith('"'):
        cursors.clear()
        return Result(status="CLOSE CURSOR")
    key = _name(name)
    if key not in cursors:
        msg = f'cursor "{key}" does not exist'
        raise ProgrammingError(msg, sqlstate="34000")
    del cursors[key]
    return Result(status="CLOSE CURSOR")


def close_all(session: Session) -> None:
    """At the end of a transaction: every cursor is closed."""
    _cursors(session).clear()
