"""The result of one statement, as every way in (DB-API, shell, server) receives it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from warehouse.types import SqlType


@dataclass
class Result:
    """What a statement returned.

    ``table`` is None for commands without rows (DDL, INSERT ...).  ``rowcount`` is the
    number of rows returned or affected (-1 when not applicable, as PEP 249 says).
    ``status`` is the PostgreSQL command tag ("SELECT 3", "INSERT 0 5", "CREATE TABLE").
    ``notices`` are messages for the user that are not errors.
    """

    names: list[str] = field(default_factory=list)
    types: list[SqlType] = field(default_factory=list)
    table: pa.Table | None = None
    rowcount: int = -1
    status: str = ""
    notices: list[str] = field(default_factory=list)

    @property
    def has_rows(self) -> bool:
        return self.table is not None
