"""SQL types and their physical layout in memory.

Every SQL type maps to one fixed-width numpy dtype (DESIGN.md, "Data in memory"):

=============  ===============  =====================================================
SQL type       numpy dtype      meaning of a value
=============  ===============  =====================================================
SMALLINT       int16            itself
INTEGER        int32            itself
BIGINT         int64            itself
DECIMAL(p,s)   int64            value * 10**s (exact); p <= 18 stored, sums up to 38
REAL           float32          itself
DOUBLE         float64          itself
BOOLEAN        bool             itself
CHAR/VARCHAR   int32            code into the vector's dictionary (a pyarrow string array)
DATE           int32            days since 1970-01-01
TIMESTAMP      int64            microseconds since 1970-01-01 00:00:00
INTERVAL       int64            only for literals: see ``Interval`` values in expressions
NULL           bool             the type of a bare NULL literal before coercion
=============  ===============  =====================================================

Sums and products of decimals are computed in int64 and overflow is detected and reported
(SQLSTATE 22003), never silently turned into float.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from warehouse.errors import NotSupportedError

MAX_DECIMAL_PRECISION = 38
MAX_STORED_DECIMAL_PRECISION = 18  # what fits a scaled int64


class Kind(enum.Enum):
    """The families of SQL types the engine knows."""

    SMALLINT = "smallint"
    INTEGER = "integer"
    BIGINT = "bigint"
    DECIMAL = "numeric"
    REAL = "real"
    DOUBLE = "double precision"
    BOOLEAN = "boolean"
    CHAR = "character"
    VARCHAR = "character varying"
    DATE = "date"
    TIMESTAMP = "timestamp without time zone"
    TIMESTAMPTZ = "timestamp with time zone"
    INTERVAL = "interval"
    NULL = "unknown"


_NUMPY = {
    Kind.SMALLINT: np.dtype(np.int16),
    Kind.INTEGER: np.dtype(np.int32),
    Kind.BIGINT: np.dtype(np.int64),
    Kind.DECIMAL: np.dtype(np.int64),
    Kind.REAL: np.dtype(np.float32),
    Kind.DOUBLE: np.dtype(np.float64),
    Kind.BOOLEAN: np.dtype(np.bool_),
    Kind.CHAR: np.dtype(np.int32),
    Kind.VARCHAR: np.dtype(np.int32),
    Kind.DATE: np.dtype(np.int32),
    Kind.TIMESTAMP: np.dtype(np.int64),
    Kind.TIMESTAMPTZ: np.dtype(np.int64),
    Kind.INTERVAL: np.dtype(np.int64),
    Kind.NULL: np.dtype(np.bool_),
}

_INTEGER_RANK = {Kind.SMALLINT: 1, Kind.INTEGER: 2, Kind.BIGINT: 3}


@dataclass(frozen=True)
class SqlType:
    """A SQL type: a kind plus its parameters (precision/scale, or length for strings).

    ``length`` is the declared maximum for CHAR/VARCHAR (None means Redshift's default of
    256 for VARCHAR, 1 for CHAR is applied by the DDL layer, not here).
    """

    kind: Kind
    precision: int = 0
    scale: int = 0
    length: int | None = None

    # ----- classification -------------------------------------------------------------
    @property
    def is_integer(self) -> bool:
        return self.kind in _INTEGER_RANK

    @property
    def is_decimal(self) -> bool:
        return self.kind is Kind.DECIMAL

    @property
    def is_float(self) -> bool:
        return self.kind in (Kind.REAL, Kind.DOUBLE)

    @property
    def is_numeric(self) -> bool:
        return self.is_integer or self.is_decimal or self.is_float

    @property
    def is_string(self) -> bool:
        return self.kind in (Kind.CHAR, Kind.VARCHAR)

    @property
    def is_temporal(self) -> bool:
        return self.kind in (Kind.DATE, Kind.TIMESTAMP, Kind.TIMESTAMPTZ)

    @property
    def is_null(self) -> bool:
        return self.kind is Kind.NULL

    # ----- physical layout ------------------------------------------------------------
    @property
    def numpy_dtype(self) -> np.dtype:
        """The dtype of a vector's ``data`` array for this type."""
        return _NUMPY[self.kind]

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type used at the edges (results, loaders)."""
        k = self.kind
        if k is Kind.SMALLINT:
            return pa.int16()
        if k is Kind.INTEGER:
            return pa.int32()
        if k is Kind.BIGINT:
            return pa.int64()
        if k is Kind.DECIMAL:
            return pa.decimal128(max(self.precision, 1), self.scale)
        if k is Kind.REAL:
            return pa.float32()
        if k is Kind.DOUBLE:
            return pa.float64()
        if k is Kind.BOOLEAN:
            return pa.bool_()
        if k in (Kind.CHAR, Kind.VARCHAR):
            return pa.string()
        if k is Kind.DATE:
            return pa.date32()
        if k is Kind.TIMESTAMP:
            return pa.timestamp("us")
        if k is Kind.TIMESTAMPTZ:
            return pa.timestamp("us", tz="UTC")
        if k is Kind.NULL:
            return pa.null()
        msg = f"type {self} has no Arrow representation"
        raise NotSupportedError(msg)

    # ----- names ----------------------------------------------------------------------
    def __str__(self) -> str:
        k = self.kind
        if k is Kind.DECIMAL:
            return f"numeric({self.precision},{self.scale})"
        if k in (Kind.CHAR, Kind.VARCHAR) and self.length is not None:
            return f"{k.value}({self.length})"
        return k.value

    @property
    def pg_name(self) -> str:
        """The name PostgreSQL's ``format_type`` would print (for catalogs and errors)."""
        return str(self)


# ----- constructors and well-known instances ------------------------------------------
SMALLINT = SqlType(Kind.SMALLINT)
INTEGER = SqlType(Kind.INTEGER)
BIGINT = SqlType(Kind.BIGINT)
REAL = SqlType(Kind.REAL)
DOUBLE = SqlType(Kind.DOUBLE)
BOOLEAN = SqlType(Kind.BOOLEAN)
DATE = SqlType(Kind.DATE)
TIMESTAMP = SqlType(Kind.TIMESTAMP)
TIMESTAMPTZ = SqlType(Kind.TIMESTAMPTZ)
INTERVAL = SqlType(Kind.INTERVAL)
NULLTYPE = SqlType(Kind.NULL)
VARCHAR = SqlType(Kind.VARCHAR, length=65535)  # unbounded text produced by expressions


def decimal(precision: int, scale: int) -> SqlType:
    """DECIMAL(p,s); precision is clamped to 38 as Redshift does for results."""
    return SqlType(Kind.DECIMAL, min(precision, MAX_DECIMAL_PRECISION), scale)


def varchar(length: int | None = 256) -> SqlType:
    return SqlType(Kind.VARCHAR, length=length)


def char(length: int | None = 1) -> SqlType:
    return SqlType(Kind.CHAR, length=length)


def integer_rank(t: SqlType) -> int:
    """1 for SMALLINT, 2 for INTEGER, 3 for BIGINT, 0 otherwise (for widening)."""
    return _INTEGER_RANK.get(t.kind, 0)


def integer_digits(t: SqlType) -> int:
    """Decimal digits an integer type needs, for integer -> DECIMAL promotion."""
    return {Kind.SMALLINT: 5, Kind.INTEGER: 10, Kind.BIGINT: 19}[t.kind]


def from_arrow(t: pa.DataType) -> SqlType:
    """The SQL type for an Arrow type (Parquet columns, results of pyarrow.compute)."""
    if pa.types.is_dictionary(t):
        return from_arrow(t.value_type)
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_uint8(t):
        return SMALLINT
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return INTEGER
    if pa.types.is_integer(t):
        return BIGINT
    if pa.types.is_decimal(t):
        return decimal(t.precision, t.scale)
    if pa.types.is_float32(t) or pa.types.is_float16(t):
        return REAL
    if pa.types.is_floating(t):
        return DOUBLE
    if pa.types.is_boolean(t):
        return BOOLEAN
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return varchar(256)
    if pa.types.is_date(t):
        return DATE
    if pa.types.is_timestamp(t):
        return TIMESTAMPTZ if t.tz else TIMESTAMP
    if pa.types.is_null(t):
        return NULLTYPE
    msg = f"Arrow type {t} is not supported"
    raise NotSupportedError(msg)
