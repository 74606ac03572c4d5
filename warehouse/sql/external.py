"""External-table DDL (Athena's and Redshift Spectrum's spellings) into frozen records.

These statements are Hive DDL more than Redshift SQL: backticks around names, ``"..."``
as strings in ``WITH SERDEPROPERTIES``, Hive's backslash escapes in literals.  So the
session routes them here before its own parser sees them (``is_external``); ``CREATE
EXTERNAL TABLE`` is parsed with sqlglot's Hive dialect, ``CREATE EXTERNAL SCHEMA``,
``MSCK REPAIR TABLE`` and ``SHOW CREATE TABLE`` by the small token walkers below.

>>> cmd = parse_external("CREATE EXTERNAL TABLE IF NOT EXISTS logs (`Date` date, Bytes int) "
...     "ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LOCATION 's3://b/logs/'")
>>> cmd.if_not_exists, cmd.definition.name, [c.name for c in cmd.definition.columns], cmd.definition.format
(True, 'logs', ['date', 'bytes'], 'DELIMITED')
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError
from sqlglot.tokens import Token, TokenType

from warehouse.catalog.external import (
    SERDE_LAZY,
    STORED_AS,
    ExternalColumn,
    ExternalSchemaDef,
    ExternalTableDef,
    hive_sql_type,
)
from warehouse.errors import NotSupportedError, SyntaxError_
from warehouse.sql.redshift_show import REDSHIFT_SHOW, RedshiftShow, parse_redshift_show

__all__ = [
    "COMMAND_WORD",
    "CreateExternalSchema",
    "CreateExternalTable",
    "MsckRepair",
    "ShowCreateTable",
    "is_external",
    "parse_external",
    "split_statements",
]

COMMAND_WORD = "EXTERNAL_DDL"  # exp.Command(this=COMMAND_WORD, expression=<text>) in the session
_STATEMENT = re.compile(
    r"^\s*(?:CREATE\s+EXTERNAL\s+(?:TABLE|SCHEMA)\b|MSCK\s+REPAIR\s+TABLE\b|SHOW\s+CREATE\s+TABLE\b"
    r"|ALTER\s+TABLE\s+\S+\s+(?:ADD|DROP)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?PARTITION\b"
    r"|INSERT\s+OVERWRITE\s+(?:LOCAL\s+)?DIRECTORY\b"
    r"|SHOW\s+PARTITIONS\b|DESC(?:RIBE)?\s+\S"  # SHOW PARTITIONS, DESCRIBE [EXTENDED|FORMATTED]
    r"|ALTER\s+TABLE\s+\S+\s+(?:SET\s+(?:LOCATION|TBLPROPERTIES|TABLE\s+PROPERTIES|SERDEPROPERTIES|FILE\s+FORMAT)"
    r"|UNSET\s+TBLPROPERTIES|(?:ADD|REPLACE)\s+COLUMNS)\b|ALTER\s+TABLE\s+\S+\s+PARTITION\s*\("
    r"|DROP\s+SCHEMA\b[^;]*\bDROP\s+EXTERNAL\s+DATABASE\b"
    # Hive/Athena SHOW forms, and Redshift's SHOW TABLES FROM SCHEMA, SHOW SCHEMAS FROM DATABASE
    # and SHOW COLUMNS FROM TABLE (sql/redshift_show.py)
    r"|SHOW\s+TABLES\b|SHOW\s+(?:DATABASES|SCHEMAS)\b"
    r"|SHOW\s+COLUMNS\s+(?:IN|FROM)\s+|SHOW\s+TBLPROPERTIES\b"
    r"|ALTER\s+TABLE\s+\S+\s+CHANGE\b)",
    re.IGNORECASE,
)
_MAYBE = re.compile(
    r"\b(?:EXTERNAL|MSCK|SHOW\s+CREATE|(?:ADD|DROP)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?PARTITION|OVERWRITE\s+(?:LOCAL\s+)?DIRECTORY"
    r"|SHOW\s+PARTITIONS|DESCRIBE|(?:UN)?SET\s+(?:LOCATION|TBLPROPERTIES|TABLE\s+PROPERTIES|SERDEPROPERTIES|FILE\s+FORMAT)"
    r"|(?:ADD|REPLACE)\s+COLUMNS|SHOW\s+(?:TABLES|DATABASES|SCHEMAS|COLUMNS|TBLPROPERTIES)|ALTER\s+TABLE\s+\S+\s+CHANGE)\b|PARTITION\s*\(|(?:^|;)\s*DESC\b",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class CreateExternalTable:
    definition: ExternalTableDef
    if_not_exists: bool = False
    # Redshift Spectrum's CREATE EXTERNAL TABLE ... AS SELECT: the query's text and the
    # PARTITIONED BY column names (the definition's columns are empty or a declared list)
    query: str | None = None
    partition_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class CreateExternalSchema:
    definition: ExternalSchemaDef
    if_not_exists: bool = False
    create_database: bool = False  # CREATE EXTERNAL DATABASE IF NOT EXISTS


@dataclass(frozen=True)
class MsckRepair:
    table: tuple[str | None, str]


@dataclass(frozen=True)
class ShowCreateTable:
    table: tuple[str | None, str]


@dataclass(frozen=True)
class AlterPartitions:
    """``ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (k='v', ...) [LOCATION 'url'] ...`` or
    ``ALTER TABLE t DROP [IF EXISTS] PARTITION (...) [, PARTITION (...)]``; ``partitions``
    holds (values by lower-case column name, location or None) pairs."""

    table: tuple[str | None, str]
    add: bool
    if_flag: bool
    partitions: tuple[tuple[tuple[tuple[str, str], ...], str | None], ...]


@dataclass(frozen=True)
class InsertOverwriteDirectory:
    """Hive's ``INSERT OVERWRITE [LOCAL] DIRECTORY 'url' [ROW FORMAT DELIMITED FIELDS
    TERMINATED BY ',' [ESCAPED BY '\\'] [COLLECTION ITEMS TERMINATED BY '|'] [MAP KEYS TERMINATED
    BY ':'] [NULL DEFINED AS 'x']] [STORED AS TEXTFILE] SELECT ...``: the query's rows as
    delimited text objects under ``url``, replacing what was there."""

    url: str
    query: str
    delimiter: str = "\x01"  # Hive's default field delimiter
    escape: str | None = None
    null_format: str = "\\N"
    file_format: str = "TEXTFILE"  # STORED AS TEXTFILE | PARQUET | ORC
    collection_delim: str = "\x02"  # array elements, map entries, struct fields (Hive's defaults)
    mapkey_delim: str = "\x03"


ExternalCommand = CreateExternalTable | CreateExternalSchema | MsckRepair | ShowCreateTable | AlterPartitions | InsertOverwriteDirectory


def is_external(sql: str) -> bool:
    """Whether one statement's text is external-table DDL this module parses."""
    return bool(_STATEMENT.match(_strip_comments(sql)))


def _strip_comments(sql: str) -> str:
    text = sql.lstrip()
    while text.startswith(("--", "/*")):
        if text.startswith("--"):
            text = text.split("\n", 1)[1] if "\n" in text else ""
        else:
            text = text.split("*/", 1)[1] if "*/" in text else ""
        text = text.lstrip()
    return text


def split_statements(sql: str) -> list[str] | None:
    """The statements of ``sql`` when at least one is external DDL, else None (the
    session's own parser then handles the text as usual)."""
    if not _MAYBE.search(sql):
        return None
    try:
        tokens = sqlglot.Dialect.get_or_raise("hive").tokenize(sql)
    except Exception:  # noqa: BLE001 - text the Hive tokenizer refuses is not ours
        return None
    pieces: list[str] = []
    start = 0
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            pieces.append(sql[start : tok.start])
            start = tok.end + 1
    pieces.append(sql[start:])
    pieces = [p for p in pieces if p.strip()]
    if not any(is_external(p) for p in pieces):
        return None
    return pieces


def parse_external(sql: str) -> ExternalCommand:
    """The record for one external-DDL statement (see ``is_external``)."""
    text = _strip_comments(sql).rstrip().rstrip(";")
    head = text.split(None, 3)
    words = [w.upper() for w in head[:3]]
    if words[:2] == ["CREATE", "EXTERNAL"] and words[2] == "SCHEMA":
        return _create_schema(text)
    if words[:2] == ["CREATE", "EXTERNAL"]:
        return _create_table(text)
    if words[0] == "MSCK":
        return MsckRepair(_table_name(text, 3))
    if words[:2] == ["SHOW", "PARTITIONS"]:
        return _show_partitions(text)
    if words[0] == "SHOW" and re.match(REDSHIFT_SHOW, text, re.IGNORECASE):  # Redshift's SHOW ... FROM SCHEMA etc.
        return parse_redshift_show(text)
    if words[0] == "SHOW" and words[1] in ("TABLES", "DATABASES", "SCHEMAS", "COLUMNS", "TBLPROPERTIES"):
        return _show_catalog(text, words[1])
    if words[0] == "SHOW":
        return ShowCreateTable(_table_name(text, 3))
    if words[0] in ("DESC", "DESCRIBE"):
        return _describe(text)
    if words[0] == "ALTER":
        return _alter_partitions(text) if _ALTER.match(text) else _alter_table(text)
    if words[0] == "DROP":
        return _drop_schema(text)
    if words[0] == "INSERT":
        return _insert_directory(text)
    msg = f"not an external-table statement: {text[:60]}"
    raise SyntaxError_(msg)


# ----- CREATE EXTERNAL TABLE ----------------------------------------------------------------
_TABLE_PROPERTIES = re.compile(r"\bTABLE\s+PROPERTIES\b", re.IGNORECASE)


def _create_table(text: str) -> CreateExternalTable:
    query = None
    split = _split_query(text)
    if split is not None:
        text, query = split
    hive_text = _TABLE_PROPERTIES.sub("TBLPROPERTIES", text)  # Redshift Spectrum's spelling
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)  # no "falling back to Command" warnings on stderr
    try:
        ast = sqlglot.parse_one(hive_text, read="hive")
    except ParseError as e:
        raise SyntaxError_(f"syntax error in CREATE EXTERNAL TABLE: {_first_error(e)}") from None
    finally:
        logger.setLevel(level)
    target_kinds = (exp.Schema, exp.Table) if query is not None else (exp.Schema,)
    if not isinstance(ast, exp.Create) or not isinstance(ast.this, target_kinds) or ast.args.get("expression") is not None:
        msg = f"syntax error in CREATE EXTERNAL TABLE (not understood near: {_unparsed(ast, text)})"
        raise SyntaxError_(msg)
    table = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
    schema = table.db.lower() if table.db else None
    name = table.name.lower()
    columns = tuple(_column(c) for c in ast.this.expressions) if isinstance(ast.this, exp.Schema) else ()
    partition_columns: tuple[ExternalColumn, ...] = ()
    partition_names: tuple[str, ...] = ()
    serde = None
    serde_props: dict[str, str] = {}
    delimited = False
    input_format = output_format = None
    stored_as = None
    location = None
    tbl_props: dict[str, str] = {}
    for p in ast.args["properties"].expressions if ast.args.get("properties") else []:
        if isinstance(p, exp.ExternalProperty):
            continue
        if isinstance(p, exp.PartitionedByProperty):
            if query is not None:  # CETAS: PARTITIONED BY (column names of the query)
                partition_names = tuple(c.name.lower() for c in p.this.expressions)
            else:
                partition_columns = tuple(_column(c) for c in p.this.expressions)
        elif isinstance(p, exp.RowFormatSerdeProperty):
            serde = p.this.name
            sp = p.args.get("serde_properties")
            for item in sp.expressions if sp is not None else []:
                serde_props[item.name] = _text(item.args.get("value"))
        elif isinstance(p, exp.RowFormatDelimitedProperty):
            delimited = True
            serde = SERDE_LAZY
            for arg, key in (("fields", "field.delim"), ("escaped", "escape.delim"), ("collection_items", "collection.delim"),
                             ("map_keys", "mapkey.delim"), ("lines", "line.delim"), ("null", "serialization.null.format")):
                v = p.args.get(arg)
                if v is not None:
                    serde_props[key] = _text(v)
            if "field.delim" in serde_props:
                serde_props.setdefault("serialization.format", serde_props["field.delim"])
        elif isinstance(p, exp.SerdeProperties):  # ROW FORMAT DELIMITED ... WITH SERDEPROPERTIES (...)
            for item in p.expressions:
                serde_props[item.name] = _text(item.args.get("value"))
        elif isinstance(p, exp.FileFormatProperty):
            if isinstance(p.this, exp.InputOutputFormat):
                input_format = _text(p.this.args.get("input_format"))
                output_format = _text(p.this.args.get("output_format"))
            else:
                stored_as = p.this.name.upper()
                if stored_as not in STORED_AS:
                    msg = f"STORED AS {stored_as} is not supported (TEXTFILE, PARQUET, ORC)"
                    raise NotSupportedError(msg)
        elif isinstance(p, exp.LocationProperty):
            location = _text(p.this)
        elif isinstance(p, exp.Property):
            tbl_props[p.name] = _text(p.args.get("value"))
        elif isinstance(p, exp.SchemaCommentProperty):
            tbl_props.setdefault("comment", _text(p.this))
        else:
            msg = f"CREATE EXTERNAL TABLE clause {p.sql(dialect='hive')!r} is not supported"
            raise NotSupportedError(msg)
    if location is None:
        msg = "CREATE EXTERNAL TABLE needs a LOCATION 's3://bucket/prefix/'"
        raise SyntaxError_(msg, sqlstate="42601")
    _check_line_delim(serde_props.get("line.delim"))
    fmt = STORED_AS.get(stored_as or "TEXTFILE")
    if stored_as is not None and serde is None:
        serde = fmt[2]
    input_format = input_format or fmt[0]
    output_format = output_format or fmt[1]
    names = [c.name for c in columns + partition_columns]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        msg = f'column "{sorted(dup)[0]}" specified more than once'
        raise SyntaxError_(msg, sqlstate="42701")
    for c in columns + partition_columns:
        hive_sql_type(c.type)  # an unsupported type fails at CREATE, not at the first query
    definition = ExternalTableDef(
        schema or "", name, columns, location, serde or SERDE_LAZY, serde_props, input_format, output_format,
        partition_columns, tbl_props, (), row_format_delimited=delimited,
    )
    _check_nested(definition)
    return CreateExternalTable(definition, bool(ast.args.get("exists")), query, partition_names)


def _check_nested(d: ExternalTableDef) -> None:
    """array/map/struct columns need a format that has them (JSON, Parquet, ORC, and
    LazySimpleSerDe's delimited text, within its 8 separators: ``loaders.nested_text``), and a
    partition column is always a primitive (as in Hive)."""
    from loaders.nested_text import SEPARATORS, max_level

    for c in d.partition_columns:
        if c.sql_type.nested is not None:
            msg = f'partition column "{c.name}" cannot be of type {c.type} (partition columns are primitive types)'
            raise NotSupportedError(msg)
    for c in d.columns:
        if c.sql_type.nested is None:
            continue
        if d.format not in ("JSON", "PARQUET", "ORC", "DELIMITED"):
            msg = (f'column "{c.name}" of type {c.type}: array, map and struct columns need a JSON SerDe, '
                   f"LazySimpleSerDe (ROW FORMAT DELIMITED) or STORED AS PARQUET/ORC (the {d.format.lower()} format is read as text)")
            raise NotSupportedError(msg)
        if d.format == "DELIMITED" and max_level(c.sql_type.arrow_type) >= SEPARATORS:
            msg = (f'column "{c.name}" of type {c.type} nests too deep for delimited text: LazySimpleSerDe has '
                   f"{SEPARATORS} separators (the field delimiter, collection items, map keys, \\004 to \\010)")
            raise NotSupportedError(msg)


def _column(c: exp.Expression) -> ExternalColumn:
    if not isinstance(c, exp.ColumnDef) or c.args.get("kind") is None:
        msg = f"column definition {c.sql(dialect='hive')!r} needs a name and a type"
        raise SyntaxError_(msg, sqlstate="42601")
    kind = c.args["kind"]
    type_text = kind.sql(dialect="hive").lower().replace(", ", ",")
    if kind.is_type(*exp.DataType.NESTED_TYPES):  # array/map/struct: canonical text, checked
        type_text = _nested_type_text(type_text)
    comment = ""
    for cc in c.args.get("constraints") or []:
        if isinstance(cc.args.get("kind"), exp.CommentColumnConstraint):
            comment = _text(cc.args["kind"].this)
    return ExternalColumn(c.name.lower(), type_text, comment)


def _nested_type_text(text: str) -> str:
    """Canonical Hive text of a nested type (``array<struct<a:int,b:string>>``)."""
    from warehouse import types as T

    try:
        return T.hive_type_text(text)
    except T.HiveTypeError as e:
        raise SyntaxError_(f"invalid column type {text}: {e}", sqlstate="42601") from None


def _text(node: exp.Expression | None) -> str:
    if node is None:
        return ""
    if isinstance(node, exp.Literal):
        return str(node.this)
    return node.name


def _first_error(e: ParseError) -> str:
    errors = getattr(e, "errors", None) or []
    if errors:
        first = errors[0]
        return f"{first.get('description')} near {first.get('highlight')!r}"
    return str(e).splitlines()[0]


def _unparsed(ast: exp.Expression, text: str) -> str:
    if isinstance(ast, exp.Command):
        return str(ast.expression)[:80] if ast.expression is not None else text[:80]
    return text[:80]


# ----- CREATE EXTERNAL SCHEMA -----------------------------------------------------------------
def _tokens(text: str) -> list[Token]:
    return sqlglot.Dialect.get_or_raise("redshift").tokenize(text)


def _create_schema(text: str) -> CreateExternalSchema:
    """``CREATE EXTERNAL SCHEMA [IF NOT EXISTS] name FROM [DATA CATALOG | HIVE METASTORE]
    DATABASE 'db' [REGION 'r'] [IAM_ROLE {default | 'arn'}] [CATALOG_ROLE ...]
    [CREATE EXTERNAL DATABASE IF NOT EXISTS]``."""
    toks = _tokens(text)
    words = [t.text.upper() if t.token_type != TokenType.STRING else None for t in toks]
    i = 3
    if_not_exists = words[i : i + 3] == ["IF", "NOT", "EXISTS"]
    if if_not_exists:
        i += 3
    if i >= len(toks):
        raise SyntaxError_("CREATE EXTERNAL SCHEMA needs a schema name", sqlstate="42601")
    name = toks[i].text.lower()
    i += 1
    if i >= len(toks) or words[i] != "FROM":
        raise SyntaxError_("CREATE EXTERNAL SCHEMA name FROM DATA CATALOG DATABASE 'db' ...: FROM expected", sqlstate="42601")
    i += 1
    source_words = []
    while i < len(toks) and words[i] not in (None, "DATABASE"):
        source_words.append(words[i])
        i += 1
    source = " ".join(source_words) or "DATA CATALOG"
    if source not in ("DATA CATALOG", "HIVE METASTORE"):
        msg = f"CREATE EXTERNAL SCHEMA FROM {source} is not supported (only DATA CATALOG)"
        raise NotSupportedError(msg)
    if i >= len(toks) or words[i] != "DATABASE" or i + 1 >= len(toks) or toks[i + 1].token_type != TokenType.STRING:
        raise SyntaxError_("CREATE EXTERNAL SCHEMA ... DATABASE 'name' expected", sqlstate="42601")
    database = toks[i + 1].text
    i += 2
    options: dict[str, str] = {}
    create_db = False
    while i < len(toks):
        w = words[i]
        if w == "CREATE" and words[i + 1 : i + 6] == ["EXTERNAL", "DATABASE", "IF", "NOT", "EXISTS"]:
            create_db = True
            i += 6
            continue
        if w in ("IAM_ROLE", "REGION", "CATALOG_ROLE", "SCHEMA", "URI", "PORT", "SECRET_ARN", "CATALOG_ID") and i + 1 < len(toks):
            v = toks[i + 1]
            options[w] = v.text if v.token_type == TokenType.STRING else v.text.upper()
            i += 2
            continue
        msg = f"CREATE EXTERNAL SCHEMA: unexpected {toks[i].text!r}"
        raise SyntaxError_(msg, sqlstate="42601")
    return CreateExternalSchema(ExternalSchemaDef(name, database, source, options), if_not_exists, create_db)


_NAME_PART = r'(?:`([^`]+)`|"([^"]+)"|([A-Za-z_][\w$]*))'
_QUALIFIED = re.compile(rf"^\s*{_NAME_PART}(?:\s*\.\s*{_NAME_PART})?\s*$")


def _table_name(text: str, skip: int) -> tuple[str | None, str]:
    """``[schema.]name`` after ``skip`` words (backticks or double quotes allowed)."""
    rest = text.split(None, skip)[skip] if len(text.split(None, skip)) > skip else ""
    m = _QUALIFIED.match(rest)
    if not m:
        msg = f"a table name expected: {text[:80]}"
        raise SyntaxError_(msg, sqlstate="42601")
    first = next(g for g in m.groups()[:3] if g is not None).lower()  # the data catalog's names are lower case
    second = [g for g in m.groups()[3:] if g is not None]
    return (first, second[0].lower()) if second else (None, first)


_ALTER = re.compile(
    r"^\s*ALTER\s+TABLE\s+(\S+)\s+(ADD|DROP)\s+(IF\s+(?:NOT\s+)?EXISTS\s+)?(PARTITION\b.*)$", re.IGNORECASE | re.DOTALL
)
_PARTITION = re.compile(
    r"\s*,?\s*PARTITION\s*\(((?:[^()'\"]|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")*)\)\s*(?:LOCATION\s*'((?:[^'\\]|\\.)*)')?",
    re.IGNORECASE,
)
_KEY_VALUE = re.compile(
    r"\s*(`[^`]+`|\"[^\"]+\"|[A-Za-z_][\w$]*)\s*=\s*('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,\s]+)\s*(?:,|$)"
)


def _alter_partitions(text: str) -> AlterPartitions:
    m = _ALTER.match(text)
    if not m:
        raise SyntaxError_("ALTER TABLE name ADD|DROP PARTITION (key = 'value', ...) expected", sqlstate="42601")
    table = _table_name(m.group(1), 0)
    add = m.group(2).upper() == "ADD"
    rest = m.group(4)
    parts = []
    pos = 0
    while pos < len(rest.rstrip()):
        pm = _PARTITION.match(rest, pos)
        if not pm or pm.end() == pos:
            msg = f"syntax error in ALTER TABLE ... PARTITION near {rest[pos:pos + 40]!r}"
            raise SyntaxError_(msg, sqlstate="42601")
        if pm.group(2) is not None and not add:
            raise SyntaxError_("DROP PARTITION takes no LOCATION", sqlstate="42601")
        values = []
        body = pm.group(1).strip()
        kpos = 0
        while kpos < len(body):
            km = _KEY_VALUE.match(body, kpos)
            if not km:
                msg = f"partition values must be key = 'value' pairs: {body!r}"
                raise SyntaxError_(msg, sqlstate="42601")
            key = km.group(1).strip('`"').lower()
            value = km.group(2)
            if value[:1] in ("'", '"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            values.append((key, value))
            kpos = km.end()
        parts.append((tuple(values), pm.group(2)))
        pos = pm.end()
    if not parts:
        raise SyntaxError_("PARTITION (...) expected", sqlstate="42601")
    return AlterPartitions(table, add, m.group(3) is not None, tuple(parts))


__all__ += ["AlterPartitions", "ExternalCommand"]


# ----- INSERT OVERWRITE DIRECTORY ------------------------------------------------------------
_LIT = r"'((?:[^'\\]|\\.)*)'"
_INSERT_DIR = re.compile(rf"^\s*INSERT\s+OVERWRITE\s+(LOCAL\s+)?DIRECTORY\s+{_LIT}\s*", re.IGNORECASE | re.DOTALL)
_DIR_CLAUSES = [
    ("row", re.compile(r"ROW\s+FORMAT\s+DELIMITED\s*", re.IGNORECASE)),
    ("fields", re.compile(rf"FIELDS\s+TERMINATED\s+BY\s+{_LIT}\s*", re.IGNORECASE)),
    ("escape", re.compile(rf"ESCAPED\s+BY\s+{_LIT}\s*", re.IGNORECASE)),
    ("lines", re.compile(rf"LINES\s+TERMINATED\s+BY\s+{_LIT}\s*", re.IGNORECASE)),
    ("null", re.compile(rf"NULL\s+DEFINED\s+AS\s+{_LIT}\s*", re.IGNORECASE)),
    ("collection", re.compile(rf"COLLECTION\s+ITEMS\s+TERMINATED\s+BY\s+{_LIT}\s*", re.IGNORECASE)),
    ("mapkeys", re.compile(rf"MAP\s+KEYS\s+TERMINATED\s+BY\s+{_LIT}\s*", re.IGNORECASE)),
    ("stored", re.compile(r"STORED\s+AS\s+(\w+)\s*", re.IGNORECASE)),
]
_HIVE_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "0": "\x00", "\\": "\\", "'": "'"}


def _hive_literal(text: str) -> str:
    """A Hive string literal's value (``'\\t'`` is a tab, ``'\\001'`` Ctrl-A)."""
    out = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), text)
    return re.sub(r"\\(.)", lambda m: _HIVE_ESCAPES.get(m.group(1), m.group(1)), out)


def _insert_directory(text: str) -> InsertOverwriteDirectory:
    m = _INSERT_DIR.match(text)
    if not m:
        raise SyntaxError_("INSERT OVERWRITE DIRECTORY 's3://bucket/prefix/' [ROW FORMAT DELIMITED ...] SELECT ... expected", sqlstate="42601")
    url = _hive_literal(m.group(2))
    pos = m.end()
    got: dict[str, str] = {}
    while True:
        for key, rx in _DIR_CLAUSES:
            cm = rx.match(text, pos)
            if cm:
                got[key] = cm.group(1) if cm.groups() else ""
                pos = cm.end()
                break
        else:
            break
    stored = got.get("stored", "TEXTFILE").upper()
    if stored not in ("TEXTFILE", "PARQUET", "ORC"):
        msg = f"INSERT OVERWRITE DIRECTORY ... STORED AS {stored} is not supported (TEXTFILE, PARQUET, ORC)"
        raise NotSupportedError(msg)
    if stored != "TEXTFILE" and any(k in got for k in ("row", "fields", "escape", "lines", "null", "collection", "mapkeys")):
        msg = f"ROW FORMAT DELIMITED applies to STORED AS TEXTFILE only, not {stored}"
        raise SyntaxError_(msg, sqlstate="42601")
    if "lines" in got and _hive_literal(got["lines"]) != "\n":
        raise NotSupportedError("LINES TERMINATED BY other than '\\n' is not supported")
    query = text[pos:].strip()
    if not re.match(r"(?:SELECT|WITH|\()\b", query, re.IGNORECASE) and not query.startswith("("):
        raise SyntaxError_("INSERT OVERWRITE DIRECTORY needs a SELECT query", sqlstate="42601")
    delim = _hive_literal(got["fields"]) if "fields" in got else "\x01"
    if len(delim) != 1:
        raise NotSupportedError(f"FIELDS TERMINATED BY {delim!r}: one character expected")
    escape = _hive_literal(got["escape"]) if "escape" in got else None
    null = _hive_literal(got["null"]) if "null" in got else "\\N"
    nested = []
    for key, words, default in (("collection", "COLLECTION ITEMS", "\x02"), ("mapkeys", "MAP KEYS", "\x03")):
        value = _hive_literal(got[key]) if key in got else default
        if len(value) != 1:
            raise NotSupportedError(f"{words} TERMINATED BY {value!r}: one character expected")
        nested.append(value)
    return InsertOverwriteDirectory(url, query, delim, escape, null, stored, *nested)


__all__ += ["InsertOverwriteDirectory"]


# ----- CREATE EXTERNAL TABLE ... AS SELECT, LINES TERMINATED BY ------------------------------
def _split_query(text: str) -> tuple[str, str] | None:
    """(the CREATE part, the query) when ``text`` ends in ``AS SELECT ...`` (Redshift
    Spectrum's CETAS), else None: the first ``AS`` outside parentheses followed by
    ``SELECT``, ``WITH`` or ``(``."""
    try:
        tokens = sqlglot.Dialect.get_or_raise("hive").tokenize(text)
    except Exception:  # noqa: BLE001 - the CREATE parser reports the error
        return None
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and tok.token_type == TokenType.ALIAS and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if nxt.token_type in (TokenType.SELECT, TokenType.WITH, TokenType.L_PAREN):
                return text[: tok.start], text[nxt.start :]
    return None


def _check_line_delim(value: str | None) -> None:
    """Hive reads text line by line: ``LINES TERMINATED BY`` other than ``'\\n'`` is refused
    at CREATE, with Hive's own words."""
    if value is not None and value != "\n":
        shown = value.encode("unicode_escape").decode()
        msg = f"LINES TERMINATED BY only supports newline '\\n' (as in Hive), not '{shown}'"
        raise NotSupportedError(msg)


# ----- SHOW PARTITIONS, DESCRIBE ---------------------------------------------------------------
@dataclass(frozen=True)
class ShowPartitions:
    """``SHOW PARTITIONS t [PARTITION (k='v', ...)]`` (Athena/Hive): one ``partition`` column."""

    table: tuple[str | None, str]
    spec: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DescribeTable:
    """``DESCRIBE [EXTENDED | FORMATTED] t [column]``: ``mode`` is "", "EXTENDED" or
    "FORMATTED"; ``column`` (lower case) asks for that column only."""

    table: tuple[str | None, str]
    mode: str = ""
    column: str | None = None


_NAME_AT = re.compile(rf"\s*({_NAME_PART}(?:\s*\.\s*{_NAME_PART})?)")


def _name_then(text: str, pos: int) -> tuple[tuple[str | None, str], int]:
    """A ``[schema.]name`` starting at ``pos``, and the offset after it."""
    m = _NAME_AT.match(text, pos)
    if not m:
        msg = f"a table name expected: {text[:80]}"
        raise SyntaxError_(msg, sqlstate="42601")
    return _table_name(m.group(1), 0), m.end()


def _partition_spec(body: str) -> tuple[tuple[str, str], ...]:
    """``k = 'v', k2 = 3`` inside ``PARTITION (...)``."""
    values = []
    kpos = 0
    body = body.strip()
    while kpos < len(body):
        km = _KEY_VALUE.match(body, kpos)
        if not km:
            msg = f"partition values must be key = 'value' pairs: {body!r}"
            raise SyntaxError_(msg, sqlstate="42601")
        value = km.group(2)
        if value[:1] in ("'", '"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        values.append((km.group(1).strip('`"').lower(), value))
        kpos = km.end()
    return tuple(values)


_SPEC = re.compile(r"\s*PARTITION\s*\(((?:[^()'\"]|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")*)\)\s*", re.IGNORECASE)


def _show_partitions(text: str) -> ShowPartitions:
    m = re.match(r"\s*SHOW\s+PARTITIONS\s+", text, re.IGNORECASE)
    assert m is not None
    table, pos = _name_then(text, m.end())
    spec: tuple[tuple[str, str], ...] = ()
    sm = _SPEC.match(text, pos)
    if sm:
        spec = _partition_spec(sm.group(1))
        pos = sm.end()
    if text[pos:].strip():
        msg = f"SHOW PARTITIONS [schema.]table [PARTITION (key = 'value', ...)] expected, not understood: {text[pos:pos + 40]!r}"
        raise SyntaxError_(msg, sqlstate="42601")
    return ShowPartitions(table, spec)


def _describe(text: str) -> DescribeTable:
    m = re.match(r"\s*DESC(?:RIBE)?\s+(?:(EXTENDED|FORMATTED)\s+)?", text, re.IGNORECASE)
    assert m is not None
    dm = re.match(rf"\s*DESC(?:RIBE)?\s+(?:DATABASE|SCHEMA)\s+(EXTENDED\s+)?{_NAME_PART}\s*$", text, re.IGNORECASE)
    if dm:
        return DescribeDatabase(next(g for g in dm.groups()[1:] if g is not None).lower(), dm.group(1) is not None)
    if re.match(r"(?:DATABASE|SCHEMA)\s", text[m.end():], re.IGNORECASE):
        raise SyntaxError_("DESCRIBE DATABASE [EXTENDED] name expected", sqlstate="42601")
    table, pos = _name_then(text, m.end())
    column = None
    cm = re.fullmatch(rf"\s+{_NAME_PART}\s*", text[pos:])
    if cm:
        column = next(g for g in cm.groups() if g is not None).lower()
    elif text[pos:].strip():
        msg = f"DESCRIBE [EXTENDED | FORMATTED] [schema.]table [column] expected, not understood: {text[pos:pos + 40]!r}"
        raise SyntaxError_(msg, sqlstate="42601")
    return DescribeTable(table, (m.group(1) or "").upper(), column)


# ----- ALTER TABLE (external) ------------------------------------------------------------------
@dataclass(frozen=True)
class AlterExternalTable:
    """One ``ALTER TABLE`` action on an external table.

    ``action`` is ``set_location`` (of the table, or of the partition ``partition``),
    ``set_tblproperties`` / ``set_serdeproperties`` (``properties`` merged into what is
    there), ``unset_tblproperties`` (``keys``, ``if_exists``), ``set_file_format``
    (``file_format``), ``add_columns`` / ``replace_columns`` (``columns``), ``change_column``,
    ``rename_partition`` (``partition`` gets the values ``new_partition``).
    """

    table: tuple[str | None, str]
    action: str
    location: str | None = None
    partition: tuple[tuple[str, str], ...] = ()
    properties: tuple[tuple[str, str], ...] = ()
    keys: tuple[str, ...] = ()
    if_exists: bool = False
    file_format: str | None = None
    columns: tuple[ExternalColumn, ...] = ()
    column: str | None = None  # change_column: the column changed (``columns`` holds its new definition)
    position: str | None = None  # change_column: "FIRST", or the column it goes after; None: stays
    new_partition: tuple[tuple[str, str], ...] = ()  # rename_partition: the values ``partition`` gets


_STR = r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\""""
_PROP = re.compile(rf"\s*(?:{_STR})\s*=\s*(?:{_STR})\s*(,|\))", re.DOTALL)
_KEY = re.compile(rf"\s*(?:{_STR})\s*(,|\))", re.DOTALL)


def _string(m: re.Match[str], first: int) -> str:
    a, b = m.group(first), m.group(first + 1)
    return _hive_literal(a if a is not None else b)


def _properties(text: str, pos: int, keys_only: bool = False) -> tuple[list[tuple[str, str]] | list[str], int]:
    """``('k' = 'v', ...)`` (or ``('k', ...)``) from ``pos``; the pairs and the offset after."""
    m = re.compile(r"\s*\(").match(text, pos)
    if not m:
        raise SyntaxError_("a parenthesised list of 'key' = 'value' properties expected", sqlstate="42601")
    pos = m.end()
    out: list = []
    rx = _KEY if keys_only else _PROP
    while True:
        pm = rx.match(text, pos)
        if not pm:
            msg = f"properties must be 'key' = 'value' pairs, not understood near {text[pos:pos + 40]!r}"
            raise SyntaxError_(msg, sqlstate="42601")
        out.append(_string(pm, 1) if keys_only else (_string(pm, 1), _string(pm, 3)))
        pos = pm.end()
        if pm.group(pm.lastindex or 0) == ")":
            return out, pos


def _columns_list(text: str) -> tuple[ExternalColumn, ...]:
    """``(name type, ...)`` as in CREATE EXTERNAL TABLE (parsed by the same code)."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        ast = sqlglot.parse_one(f"CREATE TABLE _t {text}", read="hive")
    except ParseError as e:
        raise SyntaxError_(f"syntax error in the column list: {_first_error(e)}", sqlstate="42601") from None
    finally:
        logger.setLevel(level)
    if not isinstance(ast, exp.Create) or not isinstance(ast.this, exp.Schema) or not ast.this.expressions:
        raise SyntaxError_("a column list (name type, ...) expected", sqlstate="42601")
    return tuple(_column(c) for c in ast.this.expressions)


def _alter_table(text: str) -> AlterExternalTable:
    m = re.match(r"\s*ALTER\s+TABLE\s+", text, re.IGNORECASE)
    assert m is not None
    table, pos = _name_then(text, m.end())
    rest = text[pos:].strip()

    def done(cmd: AlterExternalTable, end: int) -> AlterExternalTable:
        if text[end:].strip():
            msg = f"ALTER TABLE: not understood after the action: {text[end:end + 40]!r}"
            raise SyntaxError_(msg, sqlstate="42601")
        return cmd

    partition: tuple[tuple[str, str], ...] = ()
    sm = _SPEC.match(text, pos)
    if sm:
        partition = _partition_spec(sm.group(1))
        rm = re.compile(r"RENAME\s+TO(?=\s*PARTITION\b)", re.IGNORECASE).match(text, sm.end())
        tm = _SPEC.match(text, rm.end()) if rm else None
        if rm and not tm:
            raise SyntaxError_("ALTER TABLE name PARTITION (...) RENAME TO PARTITION (key = 'value', ...) expected", sqlstate="42601")
        if tm:  # Hive's PARTITION (...) RENAME TO PARTITION (...): new values, same location
            return done(AlterExternalTable(table, "rename_partition", partition=partition,
                                           new_partition=_partition_spec(tm.group(1))), tm.end())
        lm = re.compile(rf"SET\s+LOCATION\s+(?:{_STR})\s*", re.IGNORECASE | re.DOTALL).match(text, sm.end())
        if not lm:
            msg = "ALTER TABLE ... PARTITION (...) supports SET LOCATION 'url' and RENAME TO PARTITION (...)"
            raise NotSupportedError(msg)
        return done(AlterExternalTable(table, "set_location", _string(lm, 1), partition), lm.end())
    lm = re.compile(rf"\s*SET\s+LOCATION\s+(?:{_STR})\s*", re.IGNORECASE | re.DOTALL).match(text, pos)
    if lm:
        return done(AlterExternalTable(table, "set_location", _string(lm, 1)), lm.end())
    pm = re.compile(r"\s*SET\s+(TBLPROPERTIES|TABLE\s+PROPERTIES|SERDEPROPERTIES)", re.IGNORECASE).match(text, pos)
    if pm:
        props, end = _properties(text, pm.end())
        action = "set_serdeproperties" if pm.group(1).upper() == "SERDEPROPERTIES" else "set_tblproperties"
        return done(AlterExternalTable(table, action, properties=tuple(props)), end)  # type: ignore[arg-type]
    um = re.compile(r"\s*UNSET\s+TBLPROPERTIES\s+(IF\s+EXISTS\s+)?", re.IGNORECASE).match(text, pos)
    if um:
        keys, end = _properties(text, um.end(), keys_only=True)
        return done(AlterExternalTable(table, "unset_tblproperties", keys=tuple(keys), if_exists=um.group(1) is not None), end)  # type: ignore[arg-type]
    fm = re.compile(r"\s*SET\s+FILE\s+FORMAT\s+(\w+)\s*", re.IGNORECASE).match(text, pos)
    if fm:
        fmt = fm.group(1).upper()
        if fmt not in STORED_AS:
            msg = f"SET FILE FORMAT {fmt} is not supported (TEXTFILE, PARQUET, ORC)"
            raise NotSupportedError(msg)
        return done(AlterExternalTable(table, "set_file_format", file_format=fmt), fm.end())
    cm = re.compile(r"\s*(ADD|REPLACE)\s+COLUMNS\s*", re.IGNORECASE).match(text, pos)
    if cm:
        body = text[cm.end():].strip()
        body = re.sub(r"\s+(?:CASCADE|RESTRICT)\s*$", "", body, flags=re.IGNORECASE)
        return AlterExternalTable(table, f"{cm.group(1).lower()}_columns", columns=_columns_list(body))
    chm = re.compile(rf"\s*CHANGE\s+(?:COLUMN\s+)?{_NAME_PART}\s+{_NAME_PART}(?:\s+|$)", re.IGNORECASE).match(text, pos)
    if chm:
        return _change_column(table, chm, text[chm.end():])
    if re.match(r"\s*CHANGE\b", text[pos:], re.IGNORECASE):
        msg = "ALTER TABLE name CHANGE [COLUMN] old_name new_name type [COMMENT '...'] [FIRST | AFTER column] expected"
        raise SyntaxError_(msg, sqlstate="42601")
    msg = f"ALTER TABLE on an external table: {rest[:60]!r} is not supported"
    raise NotSupportedError(msg)


_CHANGE_TAIL = re.compile(
    rf"(?:\s+COMMENT\s+(?:{_STR}))?(?:\s+(FIRST|AFTER\s+{_NAME_PART}))?(?:\s+(?:CASCADE|RESTRICT))?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def _change_column(table: tuple[str | None, str], m: re.Match[str], rest: str) -> AlterExternalTable:
    """Hive's ``CHANGE [COLUMN] old new type [COMMENT '...'] [FIRST | AFTER col] [CASCADE |
    RESTRICT]``."""
    old = next(g for g in m.groups()[:3] if g is not None).lower()
    new = next(g for g in m.groups()[3:] if g is not None).lower()
    rest = " " + rest
    tm = _CHANGE_TAIL.search(rest)
    assert tm is not None  # every part is optional
    type_text = rest[: tm.start()].strip()
    if not type_text:
        raise SyntaxError_("ALTER TABLE ... CHANGE COLUMN old new type: the new type is missing", sqlstate="42601")
    comment = _string(tm, 1) if tm.group(1) is not None or tm.group(2) is not None else ""
    position = None
    if tm.group(3):
        after = [g for g in tm.groups()[3:] if g is not None]
        position = after[0].lower() if after else "FIRST"
        if tm.group(3).upper() == "FIRST":
            position = "FIRST"
    (col,) = _columns_list(f"(`{new}` {type_text})")
    column = ExternalColumn(new, col.type, comment)
    return AlterExternalTable(table, "change_column", columns=(column,), column=old, position=position)


# ----- SHOW TABLES / DATABASES / COLUMNS / TBLPROPERTIES, DESCRIBE DATABASE ------------------------
@dataclass(frozen=True)
class ShowTables:
    """``SHOW TABLES [IN | FROM db] [[LIKE] 'pattern']`` (Hive/Athena: one column ``tab_name``)."""

    schema: str | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class ShowDatabases:
    """``SHOW DATABASES | SCHEMAS [[LIKE] 'pattern']`` (one column ``database_name``)."""

    pattern: str | None = None


@dataclass(frozen=True)
class ShowColumns:
    """``SHOW COLUMNS IN | FROM [db.]t [IN | FROM db]`` (one column ``field``)."""

    table: tuple[str | None, str]


@dataclass(frozen=True)
class ShowTblProperties:
    """``SHOW TBLPROPERTIES [db.]t [('key')]`` (columns ``prpt_name``, ``prpt_value``)."""

    table: tuple[str | None, str]
    key: str | None = None


@dataclass(frozen=True)
class DescribeDatabase:
    """``DESCRIBE DATABASE | SCHEMA [EXTENDED] db`` (Hive's six columns)."""

    name: str
    extended: bool = False


def _name_group(m: re.Match[str], first: int) -> str | None:
    """The name matched by the ``_NAME_PART`` whose groups start at ``first`` (lower case)."""
    for g in (m.group(first), m.group(first + 1), m.group(first + 2)):
        if g is not None:
            return g.lower()
    return None


def _show_catalog(text: str, word: str) -> ShowTables | ShowDatabases | ShowColumns | ShowTblProperties:
    if word == "TABLES":
        m = re.fullmatch(rf"\s*SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+{_NAME_PART})?(?:\s+(?:LIKE\s+)?(?:{_STR}))?\s*",
                         text, re.IGNORECASE | re.DOTALL)
        if not m:
            raise SyntaxError_("SHOW TABLES [IN database] [[LIKE] 'pattern'] expected", sqlstate="42601")
        pattern = _string(m, 4) if m.group(4) is not None or m.group(5) is not None else None
        return ShowTables(_name_group(m, 1), pattern)
    if word in ("DATABASES", "SCHEMAS"):
        m = re.fullmatch(rf"\s*SHOW\s+(?:DATABASES|SCHEMAS)(?:\s+(?:LIKE\s+)?(?:{_STR}))?\s*", text, re.IGNORECASE | re.DOTALL)
        if not m:
            raise SyntaxError_(f"SHOW {word} [[LIKE] 'pattern'] expected", sqlstate="42601")
        return ShowDatabases(_string(m, 1) if m.group(1) is not None or m.group(2) is not None else None)
    if word == "COLUMNS":
        m = re.match(r"\s*SHOW\s+COLUMNS\s+(?:IN|FROM)\s+", text, re.IGNORECASE)
        if not m:
            raise SyntaxError_("SHOW COLUMNS IN [database.]table [IN database] expected", sqlstate="42601")
        table, pos = _name_then(text, m.end())
        dm = re.fullmatch(rf"\s+(?:IN|FROM)\s+{_NAME_PART}\s*", text[pos:], re.IGNORECASE)
        if dm:
            if table[0] is not None:
                raise SyntaxError_("SHOW COLUMNS: the database is named twice", sqlstate="42601")
            table = (_name_group(dm, 1), table[1])
        elif text[pos:].strip():
            msg = f"SHOW COLUMNS IN [database.]table [IN database] expected, not understood: {text[pos:pos + 40]!r}"
            raise SyntaxError_(msg, sqlstate="42601")
        return ShowColumns(table)
    m = re.match(r"\s*SHOW\s+TBLPROPERTIES\s+", text, re.IGNORECASE)
    assert m is not None
    table, pos = _name_then(text, m.end())
    km = re.fullmatch(rf"\s*\(\s*(?:{_STR})\s*\)\s*", text[pos:], re.DOTALL)
    if km:
        return ShowTblProperties(table, _string(km, 1))
    if text[pos:].strip():
        msg = f"SHOW TBLPROPERTIES [database.]table [('key')] expected, not understood: {text[pos:pos + 40]!r}"
        raise SyntaxError_(msg, sqlstate="42601")
    return ShowTblProperties(table)


# ----- DROP SCHEMA ... DROP EXTERNAL DATABASE ------------------------------------------------------
@dataclass(frozen=True)
class DropExternalDatabase:
    """Redshift's ``DROP SCHEMA [IF EXISTS] s [, ...] DROP EXTERNAL DATABASE [CASCADE |
    RESTRICT]``: the schemas and the data-catalog databases they name."""

    schemas: tuple[str, ...]
    if_exists: bool = False
    cascade: bool = False


def _drop_schema(text: str) -> DropExternalDatabase:
    m = re.match(
        r"\s*DROP\s+SCHEMA\s+(IF\s+EXISTS\s+)?(.+?)\s+DROP\s+EXTERNAL\s+DATABASE\s*(CASCADE|RESTRICT)?\s*$",
        text, re.IGNORECASE | re.DOTALL,
    )
    if not m:
        raise SyntaxError_("DROP SCHEMA [IF EXISTS] name [, ...] DROP EXTERNAL DATABASE [CASCADE | RESTRICT] expected", sqlstate="42601")
    names = []
    for part in m.group(2).split(","):
        nm = re.fullmatch(rf"\s*{_NAME_PART}\s*", part)
        if not nm:
            msg = f"a schema name expected, not {part.strip()!r}"
            raise SyntaxError_(msg, sqlstate="42601")
        names.append(next(g for g in nm.groups() if g is not None).lower())
    return DropExternalDatabase(tuple(names), m.group(1) is not None, (m.group(3) or "").upper() == "CASCADE")


__all__ += ["AlterExternalTable", "DescribeDatabase", "DescribeTable", "DropExternalDatabase", "ShowColumns", "ShowDatabases",
            "ShowPartitions", "ShowTables", "ShowTblProperties"]
ExternalCommand = (ExternalCommand | ShowPartitions | DescribeTable | AlterExternalTable | DropExternalDatabase | ShowTables
                   | ShowDatabases | ShowColumns | ShowTblProperties | DescribeDatabase | RedshiftShow)
