"""What the catalog knows about tables, columns and views: plain, immutable records.

These are written by the DDL front end (``warehouse.sql.ddl``), persisted by storage
(``warehouse.storage``) and read by the binder.  They hold no data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from warehouse.types import SqlType

DISTSTYLES = ("AUTO", "EVEN", "KEY", "ALL")

# Redshift's ENCODE names and the engine encoding each maps onto (storage picks the
# concrete scheme per block for "auto").
ENCODINGS = {
    "RAW": "raw",
    "AZ64": "auto",
    "BYTEDICT": "dict",
    "DELTA": "delta",
    "DELTA32K": "delta",
    "LZO": "raw",
    "MOSTLY8": "for",
    "MOSTLY16": "for",
    "MOSTLY32": "for",
    "RUNLENGTH": "rle",
    "TEXT255": "dict",
    "TEXT32K": "dict",
    "ZSTD": "auto",
    "AUTO": "auto",
    "LZ4": "auto",
}


@dataclass(frozen=True)
class ColumnDef:
    """One column: name (lower case unless quoted), SQL type, ENCODE name, nullability."""

    name: str
    type: SqlType
    encoding: str = "AUTO"  # the Redshift name as written (upper case), see ENCODINGS
    nullable: bool = True
    default_sql: str | None = None  # DEFAULT expression as SQL text, bound at INSERT time


@dataclass(frozen=True)
class TableDef:
    """A table's definition.

    ``diststyle`` is one of DISTSTYLES as declared; ``distkey`` names a column when KEY.
    ``sortkey`` lists columns in order; ``sortkey_style`` is COMPOUND, INTERLEAVED or AUTO.
    """

    schema: str
    name: str
    columns: tuple[ColumnDef, ...]
    diststyle: str = "AUTO"
    distkey: str | None = None
    sortkey: tuple[str, ...] = ()
    sortkey_style: str = "COMPOUND"
    temporary: bool = False
    owner: str = "admin"
    table_id: int = 0  # assigned by storage when created

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnDef:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def with_changes(self, **kw: object) -> TableDef:
        return replace(self, **kw)


@dataclass(frozen=True)
class ViewDef:
    """A view: its defining SELECT as text, bound again at each use."""

    schema: str
    name: str
    sql: str
    column_names: tuple[str, ...] = field(default=())
    owner: str = "admin"
