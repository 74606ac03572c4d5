"""What the catalog knows about external schemas and tables (Athena / Redshift Spectrum).

An external table describes data that stays where it is: objects under a ``LOCATION``
(``s3://bucket/prefix/`` or a local folder) in a format named by its SerDe or
``STORED AS``.  These records are written by ``warehouse.sql.external`` (the DDL front
end), persisted in the MANIFEST by storage like any DDL, read by the binder (an external
table is a relation whose rows are read at query time, ``warehouse.exec.external_scan``)
and shown by ``svv_external_*`` and ``SHOW CREATE TABLE``.

Columns keep their Hive type text (``string``, ``decimal(10,2)``, ``varchar(20)``,
``array<struct<a:int,b:string>>``); the SQL type the engine computes with comes from
``hive_sql_type`` (nested types: VARCHAR holding JSON text, see ``types.nested_type``).

>>> hive_sql_type("decimal(10,2)"), hive_sql_type("string"), hive_sql_type("tinyint")
(numeric(10,2), character varying(65535), smallint)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from warehouse import types as T
from warehouse.errors import NotSupportedError, ProgrammingError
from warehouse.types import SqlType

__all__ = [
    "ExternalColumn",
    "ExternalSchemaDef",
    "ExternalTableDef",
    "SERDE_JSON",
    "SERDE_OPENX_JSON",
    "SERDE_REGEX",
    "SERDE_LAZY",
    "SERDE_OPENCSV",
    "hive_sql_type",
    "show_create",
]

SERDE_JSON = "org.apache.hive.hcatalog.data.JsonSerDe"
SERDE_OPENX_JSON = "org.openx.data.jsonserde.JsonSerDe"
SERDE_REGEX = "org.apache.hadoop.hive.serde2.RegexSerDe"
SERDE_LAZY = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
SERDE_OPENCSV = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
SERDE_PARQUET = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
SERDE_ORC = "org.apache.hadoop.hive.ql.io.orc.OrcSerde"

# STORED AS name -> (input format, output format, default SerDe)
STORED_AS = {
    "TEXTFILE": ("org.apache.hadoop.mapred.TextInputFormat",
                 "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat", SERDE_LAZY),
    "PARQUET": ("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat", SERDE_PARQUET),
    "ORC": ("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat", SERDE_ORC),
}

_SIMPLE = {
    "string": T.varchar(65535),
    "int": T.INTEGER,
    "integer": T.INTEGER,
    "bigint": T.BIGINT,
    "smallint": T.SMALLINT,
    "tinyint": T.SMALLINT,
    "float": T.REAL,
    "real": T.REAL,
    "double": T.DOUBLE,
    "double precision": T.DOUBLE,
    "boolean": T.BOOLEAN,
    "date": T.DATE,
    "timestamp": T.TIMESTAMP,
}
_PARAM = re.compile(r"^(decimal|numeric|varchar|char)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$")


def hive_sql_type(text: str) -> SqlType:
    """The engine type of a Hive column type (as ``ExternalColumn.type`` holds it)."""
    t = text.strip().lower()
    if t in _SIMPLE:
        return _SIMPLE[t]
    m = _PARAM.match(t)
    if m:
        kind, a, b = m.group(1), m.group(2), m.group(3)
        if kind in ("decimal", "numeric"):
            precision = int(a) if a else 10  # Hive's DECIMAL is decimal(10,0)
            scale = int(b) if b else 0
            if not 1 <= precision <= T.MAX_DECIMAL_PRECISION or not 0 <= scale <= precision:
                msg = f"invalid decimal({precision},{scale}): precision must be 1..38 and scale 0..precision"
                raise ProgrammingError(msg, sqlstate="22023")
            return T.decimal(precision, scale)
        if a is None:
            msg = f"type {kind} needs a length in an external table, e.g. {kind}(20)"
            raise ProgrammingError(msg, sqlstate="42601")
        n = int(a)
        if kind == "varchar":
            if not 1 <= n <= 65535:
                msg = f"length for type varchar must be between 1 and 65535, not {n}"
                raise ProgrammingError(msg, sqlstate="22023")
            return T.varchar(n)
        if not 1 <= n <= 4096:
            msg = f"length for type char must be between 1 and 4096, not {n}"
            raise ProgrammingError(msg, sqlstate="22023")
        return T.char(n)
    if re.match(r"(array|map|struct|uniontype)\s*<", t):
        return _nested_sql_type(text)
    msg = f'type "{text}" is not a Hive type external tables support'
    raise NotSupportedError(msg)


def _nested_sql_type(text: str) -> SqlType:
    """``array<T>``, ``map<K,V>``, ``struct<a:T,...>`` (nested at will): VARCHAR holding the
    value's JSON text, whose type remembers the Hive type (``types.nested_type``)."""
    try:
        tree = T.parse_hive_type(text)
    except T.HiveTypeError as e:
        code = "0A000" if "uniontype" in str(e) else "42601"
        cls = NotSupportedError if code == "0A000" else ProgrammingError
        raise cls(f"invalid external column type {text}: {e}", sqlstate=code) from None

    def check(node: tuple) -> None:
        if node[0] == "prim":
            hive_sql_type(node[1])  # every leaf must be a supported primitive
        elif node[0] == "array":
            check(node[1])
        elif node[0] == "map":
            check(node[1])
            check(node[2])
        else:
            for _, sub in node[1]:
                check(sub)

    check(tree)
    return T.nested_type(T.render_hive_type(tree))


@dataclass(frozen=True)
class ExternalColumn:
    """A column of an external table: lower-case name and Hive type text."""

    name: str
    type: str
    comment: str = ""  # COMMENT '...' (CREATE EXTERNAL TABLE, ALTER TABLE ... CHANGE COLUMN)

    @property
    def sql_type(self) -> SqlType:
        return hive_sql_type(self.type)


@dataclass(frozen=True)
class ExternalSchemaDef:
    """``CREATE EXTERNAL SCHEMA name FROM DATA CATALOG DATABASE 'db' ...``: a local schema
    that names a data-catalog database.  ``options`` holds the other clauses as written
    (IAM_ROLE, REGION, CATALOG_ROLE, ...)."""

    name: str
    database: str
    source: str = "DATA CATALOG"
    options: dict[str, str] = field(default_factory=dict)
    owner: str = "admin"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "database": self.database, "source": self.source, "options": dict(self.options), "owner": self.owner}

    @staticmethod
    def from_json(v: dict[str, Any]) -> ExternalSchemaDef:
        return ExternalSchemaDef(v["name"], v["database"], v.get("source", "DATA CATALOG"), dict(v.get("options") or {}), v.get("owner", "admin"))


@dataclass(frozen=True)
class ExternalTableDef:
    """An external table.

    ``serde`` is the serialization library (a SerDe class name; for ``ROW FORMAT
    DELIMITED`` it is LazySimpleSerDe), ``serde_properties`` its properties as written
    (``ROW FORMAT DELIMITED FIELDS TERMINATED BY`` becomes ``field.delim`` as in Hive).
    ``input_format``/``output_format`` are Hadoop class names (``STORED AS`` fills them).
    ``partitions`` are (values in partition-column order, location) pairs.
    """

    schema: str
    name: str
    columns: tuple[ExternalColumn, ...]
    location: str
    serde: str = SERDE_LAZY
    serde_properties: dict[str, str] = field(default_factory=dict)
    input_format: str = STORED_AS["TEXTFILE"][0]
    output_format: str = STORED_AS["TEXTFILE"][1]
    partition_columns: tuple[ExternalColumn, ...] = ()
    table_properties: dict[str, str] = field(default_factory=dict)
    partitions: tuple[tuple[tuple[str, ...], str], ...] = ()
    owner: str = "admin"
    row_format_delimited: bool = False  # written as ROW FORMAT DELIMITED (for SHOW CREATE TABLE)

    @property
    def all_columns(self) -> tuple[ExternalColumn, ...]:
        """Data columns, then partition columns (the relation's column order)."""
        return self.columns + self.partition_columns

    @property
    def format(self) -> str:
        """How the objects are read: DELIMITED, CSV, JSON, REGEX, PARQUET or ORC."""
        serde = self.serde.lower()
        inp = self.input_format.lower()
        if "parquet" in serde or "parquet" in inp:
            return "PARQUET"
        if "orc" in serde or "orc" in inp:
            return "ORC"
        if "json" in serde:
            return "JSON"
        if "regex" in serde:
            return "REGEX"
        if "opencsv" in serde:
            return "CSV"
        return "DELIMITED"

    def with_changes(self, **kw: object) -> ExternalTableDef:
        return replace(self, **kw)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "name": self.name,
            "columns": [[c.name, c.type] + ([c.comment] if c.comment else []) for c in self.columns],
            "location": self.location,
            "serde": self.serde,
            "serde_properties": dict(self.serde_properties),
            "input_format": self.input_format,
            "output_format": self.output_format,
            "partition_columns": [[c.name, c.type] + ([c.comment] if c.comment else []) for c in self.partition_columns],
            "table_properties": dict(self.table_properties),
            "partitions": [[list(vals), loc] for vals, loc in self.partitions],
            "owner": self.owner,
            "row_format_delimited": self.row_format_delimited,
        }

    @staticmethod
    def from_json(v: dict[str, Any]) -> ExternalTableDef:
        return ExternalTableDef(
            v["schema"], v["name"], tuple(ExternalColumn(*c[:3]) for c in v["columns"]), v["location"], v["serde"],
            dict(v.get("serde_properties") or {}), v["input_format"], v["output_format"],
            tuple(ExternalColumn(*c[:3]) for c in v.get("partition_columns") or []),
            dict(v.get("table_properties") or {}), tuple((tuple(p[0]), p[1]) for p in v.get("partitions") or []),
            v.get("owner", "admin"), bool(v.get("row_format_delimited")),
        )


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _visible(text: str) -> str:
    """A delimiter as Hive's SHOW CREATE TABLE writes it (control characters escaped)."""
    out = []
    for ch in text:
        if ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 32:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out).replace("'", "\\'") + "'"


def _props(props: dict[str, str]) -> str:
    return ",\n  ".join(f"{_quote(k)}={_quote(v)}" for k, v in props.items())


def _column_text(c: ExternalColumn) -> str:
    return f"`{c.name}` {c.type}" + (f" COMMENT {_quote(c.comment)}" if c.comment else "")


def show_create(d: ExternalTableDef) -> str:
    """The table's DDL in Athena's spelling (what ``SHOW CREATE TABLE`` returns)."""
    cols = ",\n  ".join(_column_text(c) for c in d.columns)
    out = [f"CREATE EXTERNAL TABLE `{d.schema}`.`{d.name}`(\n  {cols})"]
    if d.partition_columns:
        parts = ",\n  ".join(_column_text(c) for c in d.partition_columns)
        out.append(f"PARTITIONED BY (\n  {parts})")
    if d.row_format_delimited:
        out.append("ROW FORMAT DELIMITED")
        names = {"field.delim": "FIELDS TERMINATED BY", "escape.delim": "ESCAPED BY", "colelction.delim": "COLLECTION ITEMS TERMINATED BY",
                 "collection.delim": "COLLECTION ITEMS TERMINATED BY", "mapkey.delim": "MAP KEYS TERMINATED BY",
                 "line.delim": "LINES TERMINATED BY", "serialization.null.format": "NULL DEFINED AS"}
        for key, words in names.items():
            if key in d.serde_properties:
                out.append(f"  {words} {_visible(d.serde_properties[key])}")
    else:
        out.append(f"ROW FORMAT SERDE\n  {_quote(d.serde)}")
        if d.serde_properties:
            out.append(f"WITH SERDEPROPERTIES (\n  {_props(d.serde_properties)})")
    out.append(f"STORED AS INPUTFORMAT\n  {_quote(d.input_format)}\nOUTPUTFORMAT\n  {_quote(d.output_format)}")
    out.append(f"LOCATION\n  {_quote(d.location)}")
    if d.table_properties:
        out.append(f"TBLPROPERTIES (\n  {_props(d.table_properties)})")
    return "\n".join(out)
