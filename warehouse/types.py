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

Nested Hive types (``array<T>``, ``map<K,V>``, ``struct<a:T,...>``, external tables only) are
VARCHAR values holding the value's JSON text (``[1,2]``, ``{"k":"v"}``, ``{"a":1}``): a
``SqlType`` of kind VARCHAR whose ``nested`` names the Hive type (``nested_type``).  Their
``arrow_type`` is the matching nested Arrow type, which is what external scans read into;
``vector.vector_from_arrow`` turns such arrays into JSON text (``loaders.nested``).

Sums and products of decimals are computed in int64 and overflow is detected and reported
(SQLSTATE 22003), never silently turned into float.
"""

from __future__ import annotations

import enum
import re
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
    nested: str | None = None  # canonical Hive type text of an array/map/struct value (JSON text)

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
        if self.nested is not None:
            return hive_arrow_type(hive_type_tree(self.nested))
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


def nested_type(hive_text: str) -> SqlType:
    """The type of an array/map/struct column: VARCHAR holding JSON text, which remembers the
    Hive type (canonical text, see ``hive_type_text``).  Its length is None (unbounded), so
    ``CREATE TABLE AS`` stores such a column as plain VARCHAR(65535)."""
    return SqlType(Kind.VARCHAR, length=None, nested=hive_type_text(hive_text))


# ----- nested Hive types ---------------------------------------------------------------
# A parsed Hive type is a tuple: ("array", elem), ("map", key, value),
# ("struct", ((name, t), ...)) or ("prim", text) with text lower case, e.g. "decimal(10,2)".
HiveTree = tuple

_IDENT = re.compile(r"[a-z_][a-z0-9_]*\Z")


class HiveTypeError(ValueError):
    """A Hive type text that does not parse."""


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "<>,:()":
            out.append(c)
            i += 1
        elif c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise HiveTypeError(f"unterminated ` in type {text!r}")
            out.append("`" + text[i + 1 : j])
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "<>,:()`":
                j += 1
            out.append(text[i:j].lower())
            i = j
    return out


def parse_hive_type(text: str) -> HiveTree:
    """Parse a Hive type (case-insensitive, spaces allowed, struct field names lower-cased).

    >>> parse_hive_type("ARRAY< struct<A:int, b:decimal(10, 2)> >")
    ('array', ('struct', (('a', ('prim', 'int')), ('b', ('prim', 'decimal(10,2)')))))
    """
    toks = _tokens(text)
    pos = 0

    def peek() -> str | None:
        return toks[pos] if pos < len(toks) else None

    def take(want: str | None = None) -> str:
        nonlocal pos
        if pos >= len(toks):
            raise HiveTypeError(f"type {text!r} ends early")
        tok = toks[pos]
        if want is not None and tok != want:
            raise HiveTypeError(f"expected {want!r} in type {text!r}, found {tok!r}")
        pos += 1
        return tok

    def one() -> HiveTree:
        word = take()
        if word.startswith("`") or word in "<>,:()":
            raise HiveTypeError(f"unexpected {word!r} in type {text!r}")
        if word == "array":
            take("<")
            elem = one()
            take(">")
            return ("array", elem)
        if word == "map":
            take("<")
            key = one()
            take(",")
            value = one()
            take(">")
            if key[0] != "prim":
                raise HiveTypeError(f"map keys must be of a primitive type in {text!r}")
            return ("map", key, value)
        if word == "struct":
            take("<")
            fields = []
            while True:
                name = take()
                if name in "<>,:()":
                    raise HiveTypeError(f"expected a field name in type {text!r}, found {name!r}")
                name = name[1:].lower() if name.startswith("`") else name
                take(":")
                fields.append((name, one()))
                if peek() == ",":
                    take(",")
                    continue
                take(">")
                break
            names = [f[0] for f in fields]
            dup = {x for x in names if names.count(x) > 1}
            if dup:
                raise HiveTypeError(f"struct field {sorted(dup)[0]!r} appears twice in type {text!r}")
            return ("struct", tuple(fields))
        if word == "uniontype":
            raise HiveTypeError("uniontype is not supported")
        if word == "double" and peek() == "precision":
            take()
            return ("prim", "double precision")
        if peek() == "(":
            take("(")
            args = [take()]
            while peek() == ",":
                take(",")
                args.append(take())
            take(")")
            if not all(a.isdigit() for a in args):
                raise HiveTypeError(f"type parameters must be numbers in {text!r}")
            return ("prim", f"{word}({','.join(args)})")
        return ("prim", word)

    tree = one()
    if pos != len(toks):
        raise HiveTypeError(f"unexpected {toks[pos]!r} after the end of type {text!r}")
    return tree


def render_hive_type(tree: HiveTree) -> str:
    """The canonical text of a parsed type: lower case, no spaces (``array<struct<a:int>>``)."""
    k = tree[0]
    if k == "prim":
        return tree[1]
    if k == "array":
        return f"array<{render_hive_type(tree[1])}>"
    if k == "map":
        return f"map<{render_hive_type(tree[1])},{render_hive_type(tree[2])}>"
    parts = [(n if _IDENT.match(n) and n.upper() not in _keywords() else f"`{n}`") + ":" + render_hive_type(t) for n, t in tree[1]]
    return f"struct<{','.join(parts)}>"


_KEYWORDS: set[str] = set()


def _keywords() -> set[str]:
    """Words Hive's DDL parser reads as keywords (a struct field so named is backticked)."""
    if not _KEYWORDS:
        import sqlglot

        _KEYWORDS.update(k for k in sqlglot.Dialect.get_or_raise("hive").tokenizer_class.KEYWORDS if k.isalpha())
    return _KEYWORDS


def hive_type_text(text: str) -> str:
    """Canonical text of a Hive type (``MAP<STRING, INT>`` -> ``map<string,int>``)."""
    return render_hive_type(parse_hive_type(text))


_TREES: dict[str, HiveTree] = {}


def hive_type_tree(text: str) -> HiveTree:
    """``parse_hive_type`` of a (canonical) text, memoised."""
    tree = _TREES.get(text)
    if tree is None:
        tree = parse_hive_type(text)
        if len(_TREES) < 4096:
            _TREES[text] = tree
    return tree


def hive_tree_sql_type(tree: HiveTree) -> SqlType:
    """The engine type of a part of a nested type: a nested type again, or a primitive's type."""
    if tree[0] != "prim":
        return SqlType(Kind.VARCHAR, length=None, nested=render_hive_type(tree))
    from warehouse.catalog.external import hive_sql_type  # the one table of Hive primitives

    return hive_sql_type(tree[1])


def hive_arrow_type(tree: HiveTree) -> pa.DataType:
    """The Arrow type a nested value is read into (Parquet/ORC/JSON), e.g.
    ``list<struct<a: int32>>``."""
    k = tree[0]
    if k == "prim":
        return hive_tree_sql_type(tree).arrow_type
    if k == "array":
        return pa.list_(hive_arrow_type(tree[1]))
    if k == "map":
        return pa.map_(hive_arrow_type(tree[1]), hive_arrow_type(tree[2]))
    return pa.struct([pa.field(n, hive_arrow_type(t)) for n, t in tree[1]])


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
