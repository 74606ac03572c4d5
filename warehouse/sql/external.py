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
    r"|INSERT\s+OVERWRITE\s+(?:LOCAL\s+)?DIRECTORY\b)",
    re.IGNORECASE,
)
_MAYBE = re.compile(
    r"\b(?:EXTERNAL|MSCK|SHOW\s+CREATE|(?:ADD|DROP)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?PARTITION|OVERWRITE\s+(?:LOCAL\s+)?DIRECTORY)\b",
    re.IGNORECASE
)


@dataclass(frozen=True)
class CreateExternalTable:
    definition: ExternalTableDef
    if_not_exists: bool = False


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
    TERMINATED BY ',' [ESCAPED BY '\\'] [NULL DEFINED AS 'x']] [STORED AS TEXTFILE] SELECT ...``:
    the query's rows as delimited text objects under ``url``, replacing what was there."""

    url: str
    query: str
    delimiter: str = "\x01"  # Hive's default field delimiter
    escape: str | None = None
    null_format: str = "\\N"


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
    if words[0] == "SHOW":
        return ShowCreateTable(_table_name(text, 3))
    if words[0] == "ALTER":
        return _alter_partitions(text)
    if words[0] == "INSERT":
        return _insert_directory(text)
    msg = f"not an external-table statement: {text[:60]}"
    raise SyntaxError_(msg)


# ----- CREATE EXTERNAL TABLE ----------------------------------------------------------------
_TABLE_PROPERTIES = re.compile(r"\bTABLE\s+PROPERTIES\b", re.IGNORECASE)


def _create_table(text: str) -> CreateExternalTable:
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
    if not isinstance(ast, exp.Create) or not isinstance(ast.this, exp.Schema):
        if isinstance(ast, exp.Create) and ast.args.get("expression") is not None:
            msg = "CREATE EXTERNAL TABLE ... AS SELECT is not supported yet"
            raise NotSupportedError(msg)
        msg = f"syntax error in CREATE EXTERNAL TABLE (not understood near: {_unparsed(ast, text)})"
        raise SyntaxError_(msg)
    if ast.args.get("expression") is not None:
        msg = "CREATE EXTERNAL TABLE ... AS SELECT is not supported yet"
        raise NotSupportedError(msg)
    table = ast.this.this
    schema = table.db.lower() if table.db else None
    name = table.name.lower()
    columns = tuple(_column(c) for c in ast.this.expressions)
    partition_columns: tuple[ExternalColumn, ...] = ()
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
    return CreateExternalTable(definition, bool(ast.args.get("exists")))


def _column(c: exp.Expression) -> ExternalColumn:
    if not isinstance(c, exp.ColumnDef) or c.args.get("kind") is None:
        msg = f"column definition {c.sql(dialect='hive')!r} needs a name and a type"
        raise SyntaxError_(msg, sqlstate="42601")
    kind = c.args["kind"]
    type_text = kind.sql(dialect="hive").lower().replace(", ", ",")
    return ExternalColumn(c.name.lower(), type_text)


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
    if stored != "TEXTFILE":
        msg = f"INSERT OVERWRITE DIRECTORY ... STORED AS {stored} is not supported (TEXTFILE; use UNLOAD ... FORMAT PARQUET)"
        raise NotSupportedError(msg)
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
    return InsertOverwriteDirectory(url, query, delim, escape, null)


__all__ += ["InsertOverwriteDirectory"]
