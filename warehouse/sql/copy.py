"""COPY statements into a plain ``CopyCommand`` record.

The ``Warehouse`` dialect parses Redshift's COPY option grammar (see
``warehouse.sql.dialect.COPY_OPTIONS``); this module turns the AST into a frozen record with
the options a loader needs as fields and every option as written in ``options``, and checks
the combinations Redshift rejects (two formats, two compressions, an option twice,
DELIMITER with a columnar format, ...).

>>> cmd = parse_copy("COPY s.t (a, b) FROM '/data/t_' DELIMITER ',' IGNOREHEADER 1 GZIP")
>>> (cmd.table, cmd.columns, cmd.format, cmd.delimiter, cmd.ignore_header, cmd.compression)
(('s', 't'), ('a', 'b'), 'DELIMITED', ',', 1, 'GZIP')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from warehouse.errors import ProgrammingError, SyntaxError_
from warehouse.sql.dialect import parse

__all__ = ["COMPRESSIONS", "CopyCommand", "parse_copy"]

COMPRESSIONS = ("GZIP", "BZIP2", "LZOP", "ZSTD", "LZ4")
_FORMAT_FLAGS = ("CSV", "PARQUET", "ORC", "JSON", "AVRO", "SHAPEFILE", "FIXEDWIDTH")
_TEXT_FORMATS = ("DELIMITED", "CSV", "FIXEDWIDTH")


@dataclass(frozen=True)
class CopyCommand:
    """A parsed ``COPY table [(columns)] FROM 'source' options...``.

    ``table`` is (schema or None, name), names lower-cased unless quoted.  ``format`` is
    DELIMITED (Redshift's default pipe text), CSV, FIXEDWIDTH, PARQUET, ORC, JSON, AVRO or
    SHAPEFILE; ``format_arg`` is JSON/AVRO's ``'auto'``, ``'auto ignorecase'`` or jsonpaths
    file, or FIXEDWIDTH's spec.  ``delimiter`` defaults to ``|`` (``,`` for CSV) and is None
    for other formats; ``quote`` is set for CSV only.  ``options`` maps every option as
    written (upper-case name) to its value: True for a flag, a str or an int otherwise
    (``COMPUPDATE`` alone is True, ``COMPUPDATE OFF`` is ``"OFF"``; ``IAM_ROLE default``
    is ``"DEFAULT"``).
    """

    table: tuple[str | None, str]
    columns: tuple[str, ...]
    source: str
    format: str = "DELIMITED"
    format_arg: str | None = None
    delimiter: str | None = "|"
    quote: str | None = None
    ignore_header: int = 0
    null_as: str = "\\N"
    compression: str | None = None
    max_error: int = 0
    options: dict[str, object] = field(default_factory=dict)

    def flag(self, name: str) -> bool:
        """Whether a flag option (EMPTYASNULL, MANIFEST, ...) was given."""
        return bool(self.options.get(name.upper()))


def _name(node: exp.Expression | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.lower()
    return node.name.lower()


def _value(node: exp.Expression | None) -> object:
    if node is None:
        return True
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else int(node.this)
    return node.name.upper()


def parse_copy(ast_or_sql: exp.Copy | str) -> CopyCommand:
    """The ``CopyCommand`` for a COPY statement (text or an AST from ``dialect.parse``).

    Raises
    ------
    SyntaxError_
        Unknown options (from the parser), an option given twice, conflicting formats or
        compressions, options that do not apply to the format (42601).
    """
    ast = ast_or_sql
    if isinstance(ast_or_sql, str):
        statements = parse(ast_or_sql)
        if len(statements) != 1:
            msg = "expected exactly one COPY statement"
            raise SyntaxError_(msg)
        ast = statements[0]
    if not isinstance(ast, exp.Copy) or not ast.args.get("kind"):
        msg = "expected a COPY ... FROM statement"
        raise SyntaxError_(msg)

    target = ast.this
    columns: tuple[str, ...] = ()
    if isinstance(target, exp.Schema):
        columns = tuple(_name(c) or "" for c in target.expressions)
        target = target.this
    table = (_name(target.args.get("db")), _name(target.this) or "")
    if len(set(columns)) != len(columns):
        msg = "a column is named more than once in the COPY column list"
        raise ProgrammingError(msg, sqlstate="42701")
    files = ast.args.get("files") or []
    source = files[0].this if files else ""

    options: dict[str, object] = {}
    fmt = "DELIMITED"
    format_arg: str | None = None
    quote: str | None = None
    compression: str | None = None

    def set_format(name: str, arg: str | None = None) -> None:
        nonlocal fmt, format_arg
        if fmt != "DELIMITED":
            msg = f"conflicting COPY formats: {fmt} and {name}"
            raise SyntaxError_(msg)
        fmt, format_arg = name, arg

    for p in ast.args.get("params") or []:
        name = p.this.name.upper()
        if name in options:
            msg = f"conflicting or redundant COPY option {name}"
            raise SyntaxError_(msg)
        extra = [e.this for e in p.expressions]
        if name == "FORMAT":
            value = p.expression.name.upper()
            options[name] = value
            if value == "CSV":
                set_format("CSV")
                quote = extra[0] if extra else None
            else:
                set_format(value, extra[0] if extra else None)
            continue
        value = _value(p.expression)
        options[name] = value
        if name == "CSV":
            set_format("CSV")
            quote = extra[0] if extra else None
        elif name in ("JSON", "AVRO"):
            set_format(name, value if isinstance(value, str) else "auto")
        elif name == "FIXEDWIDTH":
            set_format(name, str(value))
        elif name in _FORMAT_FLAGS:
            set_format(name)
        elif name in COMPRESSIONS:
            if compression is not None:
                msg = f"conflicting COPY compressions: {compression} and {name}"
                raise SyntaxError_(msg)
            compression = name
        elif name == "QUOTE":
            quote = str(value)

    if fmt in ("JSON", "AVRO") and format_arg is None:
        format_arg = "auto"
    delimiter = options.get("DELIMITER")
    if fmt not in _TEXT_FORMATS:
        for name in ("DELIMITER", "IGNOREHEADER", "NULL", "QUOTE", "REMOVEQUOTES", "ESCAPE"):
            if name in options and not (fmt == "JSON" and name == "IGNOREHEADER"):
                msg = f"COPY option {name} cannot be used with FORMAT {fmt}"
                raise SyntaxError_(msg)
    if fmt == "FIXEDWIDTH" and delimiter is not None:
        msg = "COPY options DELIMITER and FIXEDWIDTH cannot be used together"
        raise SyntaxError_(msg)
    if "QUOTE" in options and fmt != "CSV":
        msg = "COPY option QUOTE requires CSV"
        raise SyntaxError_(msg)
    if fmt == "CSV" and ("REMOVEQUOTES" in options or "ESCAPE" in options):
        msg = "COPY options REMOVEQUOTES and ESCAPE cannot be used with CSV"
        raise SyntaxError_(msg)
    if delimiter is None:
        delimiter = {"DELIMITED": "|", "CSV": ","}.get(fmt)
    if fmt == "CSV" and quote is None:
        quote = '"'
    if isinstance(delimiter, str) and len(delimiter) != 1:
        msg = f"COPY DELIMITER must be a single character, got {delimiter!r}"
        raise SyntaxError_(msg)
    if fmt == "CSV" and quote == delimiter:
        msg = "COPY delimiter and quote must be different"
        raise SyntaxError_(msg)
    null_as = options.get("NULL", "\\N")

    return CopyCommand(
        table=table,
        columns=columns,
        source=source,
        format=fmt,
        format_arg=format_arg,
        delimiter=delimiter if isinstance(delimiter, str) else None,
        quote=quote,
        ignore_header=int(options.get("IGNOREHEADER", 0)),  # type: ignore[call-overload]
        null_as=str(null_as),
        compression=compression,
        max_error=int(options.get("MAXERROR", 0)),  # type: ignore[call-overload]
        options=options,
    )
