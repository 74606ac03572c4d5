"""What a load produces and how: the target columns and Redshift's COPY options, as plain data.

``loaders/`` never imports the engine, so the engine describes a COPY to the readers with a
``LoadSpec`` (Arrow target types, byte lengths for character columns, the options) and the
readers answer with ``LoadedChunk``s: Arrow tables of exactly the target schema, plus the rows
they rejected.  Rows are never lost silently: a row either lands in ``table`` or is a
``RejectedRow`` (the engine decides, by ``MAXERROR``, whether the COPY goes on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from loaders.rejects import RejectedRow

__all__ = ["LoadSpec", "LoadedChunk"]


@dataclass(frozen=True)
class LoadSpec:
    """The target of a load and the options that shape how text becomes values.

    Types are Arrow types: int16/int32/int64, decimal128(p, s), float32/float64, bool_,
    string, date32, timestamp("us") and timestamp("us", tz="UTC").  ``lengths`` gives the
    byte limit of CHAR/VARCHAR columns (None for other types or unlimited).
    """

    names: tuple[str, ...]
    types: tuple[pa.DataType, ...]
    lengths: tuple[int | None, ...]
    type_names: tuple[str, ...] = ()  # the SQL type names, for stl_load_errors.type
    not_null: tuple[bool, ...] = ()  # NOT NULL columns: a NULL there rejects the row
    format: str = "DELIMITED"  # DELIMITED, CSV, FIXEDWIDTH, JSON, PARQUET, ORC
    format_arg: str | None = None  # JSON 'auto' / 'auto ignorecase' / jsonpaths URL; FIXEDWIDTH spec
    delimiter: str = "|"
    quote: str = '"'
    null_as: str = "\\N"
    ignore_header: int = 0
    compression: str | None = None  # GZIP, BZIP2, LZOP, ZSTD, LZ4 or None
    escape: bool = False
    remove_quotes: bool = False
    empty_as_null: bool = False
    blanks_as_null: bool = False
    fill_record: bool = False
    truncate_columns: bool = False
    accept_inv_chars: str | None = None  # the replacement character, when ACCEPTINVCHARS
    date_format: str | None = None  # None (ISO and the usual forms), 'auto' or a pattern
    time_format: str | None = None  # None, 'auto', 'epochsecs', 'epochmillisecs' or a pattern
    round_dec: bool = False
    trim_blanks: bool = False
    explicit_ids: bool = False
    options: dict[str, object] = field(default_factory=dict)  # every option as written

    @property
    def width(self) -> int:
        return len(self.names)


@dataclass
class LoadedChunk:
    """Part of one object, converted: rows of the target schema and the rows rejected."""

    table: pa.Table
    rejects: list[RejectedRow]
    filename: str
    nbytes: int  # input bytes this chunk covered (compressed bytes where known)
    lines: int  # input lines (records) this chunk covered, rejected ones included
