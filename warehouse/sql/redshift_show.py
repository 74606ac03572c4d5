"""Redshift's metadata SHOW statements, parsed into one frozen record.

``SHOW TABLES FROM SCHEMA [db.]schema``, ``SHOW SCHEMAS FROM DATABASE db`` and ``SHOW COLUMNS
FROM TABLE [db.]schema.table``, each with ``[LIKE 'pattern'] [LIMIT n]``.  They share their
first words with Athena's ``SHOW TABLES``/``SHOW SCHEMAS``/``SHOW COLUMNS`` (``sql.external``),
but their pattern is SQL LIKE (case-sensitive ``%`` and ``_``), not Hive's ``'a*|b'``, and
they return Redshift's many-column rows; so they get their own record, routed with the
external DDL (``sql.external.parse_external``) and run by ``statements.redshift_show``.

>>> parse_redshift_show("SHOW TABLES FROM SCHEMA dev.Spectrum LIKE 'sales%' LIMIT 5")
RedshiftShow(what='TABLES', database='dev', schema='spectrum', table=None, pattern='sales%', limit=5)
>>> parse_redshift_show('SHOW COLUMNS FROM TABLE public."T"').table
't'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from warehouse.errors import DataError, SyntaxError_

__all__ = ["MAX_ROWS", "REDSHIFT_SHOW", "RedshiftShow", "parse_redshift_show"]

MAX_ROWS = 10_000  # Redshift's bound on LIMIT, and on an unlimited result

# the statement heads this module parses (sql.external routes them here)
# (a name must follow: Athena's ``SHOW TABLES FROM schema`` lists a database named "schema")
REDSHIFT_SHOW = r'SHOW\s+(?:TABLES\s+FROM\s+SCHEMA|SCHEMAS\s+FROM\s+DATABASE|COLUMNS\s+FROM\s+TABLE)(?=\s+["A-Za-z_])'

_HEAD = re.compile(r"\s*SHOW\s+(TABLES|SCHEMAS|COLUMNS)\s+FROM\s+(?:SCHEMA|DATABASE|TABLE)\s+", re.IGNORECASE)
_PART = r'(?:"((?:[^"]|"")+)"|([A-Za-z_][\w$]*))'
_NAME = re.compile(rf"{_PART}(?:\s*\.\s*{_PART})?(?:\s*\.\s*{_PART})?")
_TAIL = re.compile(r"\s*(?:LIKE\s+'((?:[^']|'')*)')?\s*(?:LIMIT\s+(-?\d+))?\s*$", re.IGNORECASE | re.DOTALL)
_SYNTAX = {
    "TABLES": "SHOW TABLES FROM SCHEMA [database.]schema [LIKE 'pattern'] [LIMIT n]",
    "SCHEMAS": "SHOW SCHEMAS FROM DATABASE database [LIKE 'pattern'] [LIMIT n]",
    "COLUMNS": "SHOW COLUMNS FROM TABLE [database.]schema.table [LIKE 'pattern'] [LIMIT n]",
}
_PARTS = {"TABLES": (1, 2), "SCHEMAS": (1, 1), "COLUMNS": (2, 3)}  # how many name parts each takes


@dataclass(frozen=True)
class RedshiftShow:
    """One Redshift SHOW: ``what`` is TABLES, SCHEMAS or COLUMNS; names are lower case (Redshift
    folds identifiers, quoted ones too); ``database`` None means the current one."""

    what: str
    database: str | None
    schema: str | None = None
    table: str | None = None
    pattern: str | None = None
    limit: int | None = None


def parse_redshift_show(text: str) -> RedshiftShow:
    """The record for ``text``, which starts with one of the ``REDSHIFT_SHOW`` heads."""
    head = _HEAD.match(text)
    if head is None:  # pragma: no cover - sql.external routes only the REDSHIFT_SHOW heads here
        raise SyntaxError_(f"not a Redshift SHOW statement: {text[:60]}", sqlstate="42601")
    what = head.group(1).upper()
    nm = _NAME.match(text, head.end())
    tail = _TAIL.match(text, nm.end()) if nm else None
    if nm is None or tail is None:
        raise SyntaxError_(f"{_SYNTAX[what]} expected", sqlstate="42601")
    parts = [(q.replace('""', '"') if q is not None else p).lower()
             for q, p in zip(nm.groups()[::2], nm.groups()[1::2]) if q is not None or p is not None]
    low, high = _PARTS[what]
    if not low <= len(parts) <= high:
        raise SyntaxError_(f"{_SYNTAX[what]} expected (a name of {len(parts)} part(s))", sqlstate="42601")
    pattern = tail.group(1).replace("''", "'") if tail.group(1) is not None else None
    limit = None
    if tail.group(2) is not None:
        if not 0 <= int(tail.group(2)) <= MAX_ROWS:
            msg = f"LIMIT {tail.group(2)}: the row limit must be an integer from 0 to {MAX_ROWS}"
            raise DataError(msg, sqlstate="22023")
        limit = int(tail.group(2))
    if what == "SCHEMAS":
        return RedshiftShow(what, parts[0], pattern=pattern, limit=limit)
    if what == "TABLES":
        return RedshiftShow(what, parts[0] if len(parts) == 2 else None, parts[-1], pattern=pattern, limit=limit)
    return RedshiftShow(what, parts[0] if len(parts) == 3 else None, parts[-2], parts[-1], pattern, limit)
