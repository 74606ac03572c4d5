"""The engine's SQL dialect: sqlglot's Redshift dialect plus what it falls short on.

Use it everywhere as ``dialect=Warehouse``; ``parse`` turns text into statements and
sqlglot's errors into ``SyntaxError_`` with a PostgreSQL-style message and position.

What the subclass adds to sqlglot 30's Redshift dialect (nothing else is changed):

- column-level ``DISTKEY`` and ``SORTKEY`` (``DistKeyColumnConstraint``,
  ``SortKeyColumnConstraint``);
- table-level ``INTERLEAVED SORTKEY (...)`` and ``SORTKEY AUTO``
  (``WarehouseSortKeyProperty`` with ``interleaved``/``auto`` flags);
- ``COPY``: Redshift's option grammar, parsed option by option into
  ``CopyParameter(this=Var(NAME), expression=value)``; sqlglot's generic COPY parser pairs
  options and values up wrongly (``GZIP MAXERROR 10`` becomes ``GZIP=MAXERROR``).  An
  unknown option is a syntax error naming it.

>>> [type(s).__name__ for s in parse("CREATE TABLE t (a INT DISTKEY); COPY t FROM 'x'")]
['Create', 'Copy']
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.redshift import Redshift
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from warehouse.errors import SyntaxError_

__all__ = [
    "COPY_OPTIONS",
    "copy_unescape",
    "DistKeyColumnConstraint",
    "SortKeyColumnConstraint",
    "Warehouse",
    "WarehouseSortKeyProperty",
    "parse",
]


class DistKeyColumnConstraint(exp.Expression, exp.ColumnConstraintKind):
    """Column-level ``DISTKEY``."""

    arg_types: dict[str, bool] = {}


class SortKeyColumnConstraint(exp.Expression, exp.ColumnConstraintKind):
    """Column-level ``SORTKEY``."""

    arg_types: dict[str, bool] = {}


class WarehouseSortKeyProperty(exp.SortKeyProperty):
    """``[COMPOUND|INTERLEAVED] SORTKEY (c, ...)`` or ``SORTKEY AUTO`` (``this`` is empty)."""

    arg_types = {"this": False, "compound": False, "interleaved": False, "auto": False}


# ----- COPY option grammar ---------------------------------------------------------------
# How each option's value is written:
#   "flag"      no value                      GZIP
#   "string"    [AS] 'text'                   DELIMITER AS '|'
#   "number"    [AS] n                        MAXERROR 10
#   "word"      [AS] name | 'name'            ENCODING AS UTF8
#   "onoff"     [ON|OFF|TRUE|FALSE|PRESET]    COMPUPDATE OFF (optional)
#   "optstring" [[AS] 'text']                 ACCEPTINVCHARS AS '?'  /  ACCEPTINVCHARS
#   "role"      DEFAULT | 'arn'               IAM_ROLE default
#   "format"    [AS] name ['arg']             FORMAT AS JSON 'auto'
#   "csv"       [QUOTE [AS] 'c']              CSV QUOTE AS '"'
COPY_OPTIONS: dict[str, str] = {
    # credentials and location
    "IAM_ROLE": "role",
    "CREDENTIALS": "string",
    "ACCESS_KEY_ID": "string",
    "SECRET_ACCESS_KEY": "string",
    "SESSION_TOKEN": "string",
    "MASTER_SYMMETRIC_KEY": "string",
    "REGION": "string",
    "MANIFEST": "flag",
    "ENCRYPTED": "flag",
    "READRATIO": "number",
    "SSH": "flag",
    # data format
    "FORMAT": "format",
    "CSV": "csv",
    "PARQUET": "flag",
    "ORC": "flag",
    "AVRO": "optstring",
    "JSON": "optstring",
    "SHAPEFILE": "flag",
    "DELIMITER": "string",
    "FIXEDWIDTH": "string",
    "QUOTE": "string",
    # compression
    "GZIP": "flag",
    "BZIP2": "flag",
    "LZOP": "flag",
    "ZSTD": "flag",
    "LZ4": "flag",
    # conversion
    "ACCEPTANYDATE": "flag",
    "ACCEPTINVCHARS": "optstring",
    "BLANKSASNULL": "flag",
    "DATEFORMAT": "optstring",
    "EMPTYASNULL": "flag",
    "ENCODING": "word",
    "ESCAPE": "flag",
    "EXPLICIT_IDS": "flag",
    "FILLRECORD": "flag",
    "IGNOREBLANKLINES": "flag",
    "IGNOREHEADER": "number",
    "NULL": "string",
    "REMOVEQUOTES": "flag",
    "ROUNDEC": "flag",
    "TIMEFORMAT": "optstring",
    "TRIMBLANKS": "flag",
    "TRUNCATECOLUMNS": "flag",
    # load operations
    "COMPROWS": "number",
    "COMPUPDATE": "onoff",
    "IGNOREALLERRORS": "flag",
    "MAXERROR": "number",
    "NOLOAD": "flag",
    "STATUPDATE": "onoff",
}

COPY_FORMATS = ("CSV", "PARQUET", "ORC", "JSON", "AVRO", "SHAPEFILE")


_OCTAL = re.compile(r"\\([0-7]{3})|\\(.)")


def copy_unescape(text: str) -> str:
    """COPY option strings: ``''`` is a quote, ``\\\\`` a backslash, ``\\t`` a tab,
    ``\\NNN`` an octal character code; any other backslash is kept (``NULL AS '\\N'``)."""

    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return chr(int(m.group(1), 8))
        c = m.group(2)
        return {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "'": "'"}.get(c, "\\" + c)

    return _OCTAL.sub(one, text.replace("''", "'"))


class Warehouse(Redshift):
    """sqlglot's Redshift dialect with the engine's extensions (see the module docstring)."""

    class Parser(Redshift.Parser):
        CONSTRAINT_PARSERS = {
            **Redshift.Parser.CONSTRAINT_PARSERS,
            "DISTKEY": lambda self: self.expression(DistKeyColumnConstraint()),
            "SORTKEY": lambda self: self.expression(SortKeyColumnConstraint()),
        }

        PROPERTY_PARSERS = {
            **Redshift.Parser.PROPERTY_PARSERS,
            "SORTKEY": lambda self: self._parse_wh_sortkey(),
            "INTERLEAVED": lambda self: self._parse_wh_sortkey(interleaved=True),
        }

        FUNCTION_PARSERS = {
            **Redshift.Parser.FUNCTION_PARSERS,
            # Kinesis Data Analytics: STEP(ts BY INTERVAL '10' SECOND)
            "STEP": lambda self: self._parse_wh_step(),
        }

        def _parse_wh_step(self) -> exp.Expr:
            this = self._parse_bitwise()
            if not self._match_text_seq("BY"):
                self.raise_error("Expecting BY in STEP(expression BY INTERVAL ...)")
            step = self._parse_bitwise()
            return self.expression(exp.Anonymous(this="step", expressions=[this, step]))

        def _parse_property(self) -> exp.Expr | list[exp.Expr] | None:
            if self._match_text_seq("COMPOUND", "SORTKEY"):
                return self._parse_wh_sortkey(compound=True)
            return super()._parse_property()

        def _parse_wh_sortkey(
            self, *, compound: bool = False, interleaved: bool = False
        ) -> WarehouseSortKeyProperty:
            if interleaved and not self._match_text_seq("SORTKEY"):
                self.raise_error("Expecting SORTKEY after INTERLEAVED")
            if not (compound or interleaved) and self._match_text_seq("AUTO"):
                return self.expression(WarehouseSortKeyProperty(auto=True))
            return self.expression(
                WarehouseSortKeyProperty(
                    this=self._parse_wrapped_id_vars(),
                    compound=compound,
                    interleaved=interleaved,
                )
            )

        def _parse_types(self, *args: object, **kwargs: object) -> exp.Expr | None:  # type: ignore[override]
            # PostgreSQL clients qualify type names: x::pg_catalog.regclass, ''::pg_catalog.char
            if (
                self._curr
                and self._next
                and self._curr.text.lower() == "pg_catalog"
                and self._next.token_type == TokenType.DOT
            ):
                self._advance(2)
            return super()._parse_types(*args, **kwargs)  # type: ignore[arg-type]

        _wh_at_end = False

        def raise_error(self, message: str, token: Token | None = None) -> None:
            # remembered so that ``parse`` can say "at end of input" as PostgreSQL does
            self._wh_at_end = not token and not self._curr
            super().raise_error(message, token)

        # ----- COPY -------------------------------------------------------------------
        def _parse_copy(self) -> exp.Copy | exp.Command:
            this = self._parse_table(schema=True)
            if not self._match(TokenType.FROM):
                self.raise_error("Expecting FROM")
            if not self._match(TokenType.STRING):
                self.raise_error("Expecting a quoted source after FROM")
            files = [exp.Literal.string(self._wh_raw_string(self._prev))]
            params: list[exp.CopyParameter] = []
            self._match_text_seq("WITH")
            while self._curr and not self._match(TokenType.SEMICOLON, advance=False):
                params.append(self._parse_copy_option())
            return self.expression(exp.Copy(this=this, kind=True, files=files, params=params))

        def _parse_copy_option(self) -> exp.CopyParameter:
            token = self._curr
            name = token.text.upper()
            grammar = COPY_OPTIONS.get(name) if token.token_type != TokenType.STRING else None
            if grammar is None:
                self.raise_error(f'unknown COPY option "{token.text}"', token)
            self._advance()
            param = exp.CopyParameter(this=exp.var(name))
            if grammar == "flag":
                pass
            elif grammar == "string":
                self._match(TokenType.ALIAS)
                param.set("expression", self._wh_expect_string(name))
            elif grammar == "word":
                self._match(TokenType.ALIAS)
                if self._match(TokenType.STRING):
                    param.set("expression", exp.Literal.string(self._wh_raw_string(self._prev)))
                elif self._curr is not None and self._curr.token_type != TokenType.SEMICOLON:
                    self._advance()
                    param.set("expression", exp.var(self._prev.text.upper()))
                else:
                    self.raise_error(f"Expecting a name after {name}")
            elif grammar == "number":
                self._match(TokenType.ALIAS)
                if not self._match(TokenType.NUMBER):
                    self.raise_error(f"Expecting a number after {name}")
                param.set("expression", exp.Literal.number(self._prev.text))
            elif grammar == "onoff":
                if self._match_texts(("ON", "OFF", "TRUE", "FALSE", "PRESET")):
                    param.set("expression", exp.var(self._prev.text.upper()))
            elif grammar == "optstring":
                if self._match(TokenType.ALIAS):
                    param.set("expression", self._wh_expect_string(name))
                elif self._match(TokenType.STRING):
                    param.set("expression", exp.Literal.string(self._wh_raw_string(self._prev)))
            elif grammar == "role":
                if self._match(TokenType.DEFAULT):
                    param.set("expression", exp.var("DEFAULT"))
                else:
                    param.set("expression", self._wh_expect_string(name))
            elif grammar == "format":
                self._match(TokenType.ALIAS)
                if not self._match_texts(COPY_FORMATS):
                    self.raise_error("Expecting a format name after FORMAT")
                fmt = self._prev.text.upper()
                param.set("expression", exp.var(fmt))
                if fmt == "CSV" and self._match_text_seq("QUOTE"):
                    self._match(TokenType.ALIAS)
                    param.set("expressions", [self._wh_expect_string("QUOTE")])
                elif self._match(TokenType.STRING):
                    param.set("expressions", [exp.Literal.string(self._wh_raw_string(self._prev))])
            elif grammar == "csv":
                if self._match_text_seq("QUOTE"):
                    self._match(TokenType.ALIAS)
                    param.set("expressions", [self._wh_expect_string("QUOTE")])
            return param

        def _wh_expect_string(self, name: str) -> exp.Literal:
            if not self._match(TokenType.STRING):
                self.raise_error(f"Expecting a quoted string after {name}")
            return exp.Literal.string(self._wh_raw_string(self._prev))

        def _wh_raw_string(self, token: Token) -> str:
            """A COPY option's string as written, with COPY's escapes (see ``copy_unescape``)."""
            raw = self.sql[token.start : token.end + 1] if self.sql else ""
            if len(raw) >= 2 and raw[0] == raw[-1] == "'":
                return copy_unescape(raw[1:-1])
            return token.text

    class Generator(Redshift.Generator):
        TRANSFORMS = {
            **Redshift.Generator.TRANSFORMS,
            DistKeyColumnConstraint: lambda self, e: "DISTKEY",
            SortKeyColumnConstraint: lambda self, e: "SORTKEY",
            WarehouseSortKeyProperty: lambda self, e: _sortkey_sql(self, e),
        }
        PROPERTIES_LOCATION = {
            **Redshift.Generator.PROPERTIES_LOCATION,
            WarehouseSortKeyProperty: exp.Properties.Location.POST_SCHEMA,
        }

        def unnest_sql(self, expression: exp.Unnest) -> str:
            """Presto's ``UNNEST(a) [WITH ORDINALITY] AS u(x, n)`` back as written (the Redshift
            generator writes it as PartiQL's ``a AS x``, losing the ordinality and the alias:
            a view's stored text must bind to the same plan)."""
            if "offset" not in expression.args:  # PartiQL's FROM t, t.arr x
                return Redshift.Generator.unnest_sql(self, expression)
            args = self.expressions(expression, flat=True)
            alias, offset = expression.args.get("alias"), expression.args.get("offset")
            text = f"UNNEST({args})" + (" WITH ORDINALITY" if offset else "")
            if alias is None and not isinstance(offset, exp.Expression):
                return text
            name = self.sql(alias, "this") if alias is not None else ""
            cols = [self.sql(c) for c in (alias.columns if alias is not None else [])]
            if isinstance(offset, exp.Expression):
                cols.append(self.sql(offset))
            return f"{text} AS {name or '_u'}" + (f"({', '.join(cols)})" if cols else "")

        def copyparameter_sql(self, expression: exp.CopyParameter) -> str:
            option = self.sql(expression, "this")
            value = self.sql(expression, "expression")
            extra = " ".join(self.sql(e) for e in expression.expressions)
            if option == "FORMAT":
                value = f"AS {value}"
            if expression.expressions:
                quoted = option == "CSV" or value.endswith("CSV")
                value = f"{value} QUOTE AS {extra}" if quoted else f"{value} {extra}"
            return f"{option} {value.strip()}".strip()


def _sortkey_sql(gen: sqlglot.Generator, e: WarehouseSortKeyProperty) -> str:
    if e.args.get("auto"):
        return "SORTKEY AUTO"
    style = (
        "INTERLEAVED " if e.args.get("interleaved") else "COMPOUND " if e.args.get("compound") else ""
    )
    return f"{style}SORTKEY({gen.format_args(*e.this)})"


# ----- parsing text into statements -------------------------------------------------------
_MISSING = re.compile(r"from (\d+):(\d+)")


def parse(sql: str) -> list[exp.Expression]:
    """Parse ``sql`` (one or more ``;``-separated statements) with the Warehouse dialect.

    Raises
    ------
    SyntaxError_
        sqlstate 42601, message ``syntax error at or near "X"`` (or ``at end of input``,
        or the reason for a bad COPY option / unterminated string), ``position`` a 1-based
        character offset into ``sql``.
    """
    dialect = Warehouse()
    try:
        tokens = dialect.tokenize(sql)
    except TokenError as e:
        raise _token_error(sql, e) from None
    _refuse_select_stream(tokens)
    parser = dialect.parser(error_level=ErrorLevel.IMMEDIATE)
    try:
        statements = parser.parse(tokens, sql)
    except ParseError as e:
        raise _parse_error(sql, tokens, e, at_end=parser._wh_at_end) from None
    from warehouse.sql.pg_syntax import normalize

    return [normalize(s) for s in statements if s is not None]


STREAMING_HINT = (
    "queries are batch queries here: group by a time bucket instead, e.g. "
    "SELECT FLOOR(ts TO MINUTE), COUNT(*) FROM t GROUP BY FLOOR(ts TO MINUTE)"
)

# tokens after SELECT STREAM that start a select list (STREAM then being a keyword, not a
# column named stream followed by its alias)
_STREAM_FOLLOWERS = {TokenType.STAR, TokenType.DISTINCT, TokenType.L_PAREN, TokenType.STRING, TokenType.NUMBER}


def _refuse_select_stream(tokens: list[Token]) -> None:
    """``SELECT STREAM ...`` (Kinesis Data Analytics' continuous query) is a clear 0A000."""
    from warehouse.errors import NotSupportedError

    for i in range(len(tokens) - 2):
        t, s, nxt = tokens[i], tokens[i + 1], tokens[i + 2]
        if t.token_type != TokenType.SELECT or s.text.upper() != "STREAM" or s.token_type == TokenType.STRING:
            continue
        after = tokens[i + 3] if i + 3 < len(tokens) else None
        starts_list = nxt.token_type in _STREAM_FOLLOWERS or (
            nxt.token_type in (TokenType.VAR, TokenType.IDENTIFIER)
            and after is not None
            and after.token_type in (TokenType.COMMA, TokenType.FROM, TokenType.DOT, TokenType.L_PAREN, TokenType.ALIAS)
        )
        if starts_list:
            msg = "SELECT STREAM (continuous queries over a stream) is not supported; " + STREAMING_HINT
            raise NotSupportedError(msg, position=s.start + 1)


def _token_error(sql: str, e: TokenError) -> SyntaxError_:
    text = str(e.__cause__ or e)
    m = _MISSING.search(text)
    if m:
        start = int(m.group(2))
        near = sql[start:].split("\n", 1)[0][:40]
        msg = f'unterminated quoted string at or near "{near}"'
        return SyntaxError_(msg, position=start + 1)
    msg = f"syntax error: {text}"
    return SyntaxError_(msg)


def _parse_error(sql: str, tokens: list[Token], e: ParseError, *, at_end: bool) -> SyntaxError_:
    info = e.errors[0] if e.errors else {}
    line, col = info.get("line"), info.get("col")
    description = str(info.get("description") or "")
    token = next((t for t in tokens if t.line == line and t.col == col), None)
    if token is None or at_end:
        msg = "syntax error at end of input"
        return SyntaxError_(msg, position=len(sql.rstrip()) + 1)
    near = sql[token.start : token.end + 1]
    if description.startswith("unknown COPY option"):
        msg = f'{description} at or near "{near}"'
    else:
        msg = f'syntax error at or near "{near}"'
    return SyntaxError_(msg, position=token.start + 1, hint=None)
