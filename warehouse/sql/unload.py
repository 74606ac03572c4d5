"""UNLOAD statements into a plain ``UnloadCommand`` record.

sqlglot parses ``UNLOAD`` as an opaque ``exp.Command``; this module reads the text after the
keyword with a small tokenizer: the quoted query (``''`` and ``\\'`` escape a quote), the
``TO`` location and Redshift's options, and checks the combinations Redshift rejects
(PARQUET with DELIMITER, an option twice, INCLUDE without PARTITION BY, ...).

>>> cmd = parse_unload("UNLOAD ('select * from t where a = ''x''') TO 's3://b/p_' IAM_ROLE default CSV HEADER GZIP PARALLEL OFF")
>>> (cmd.query, cmd.to, cmd.format, cmd.header, cmd.compression, cmd.parallel)
("select * from t where a = 'x'", 's3://b/p_', 'CSV', True, 'GZIP', False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warehouse.errors import NotSupportedError, SyntaxError_

__all__ = ["UnloadCommand", "parse_unload"]

MB = 1 << 20
MIN_FILE_SIZE = 5 * MB
MAX_FILE_SIZE = int(6.2 * 1024) * MB  # Redshift's default and limit: 6.2 GB

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|''|\\.)*')
      | (?P<number>\d+(?:\.\d*)?|\.\d+)
      | (?P<word>[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")
      | (?P<punct>[(),;])
    )""",
    re.VERBOSE | re.DOTALL,
)
_NOT_SUPPORTED = {
    "FIXEDWIDTH": "FIXEDWIDTH output",
    "ENCRYPTED": "ENCRYPTED (client- or KMS-side encryption)",
    "KMS_KEY_ID": "KMS_KEY_ID",
    "MASTER_SYMMETRIC_KEY": "MASTER_SYMMETRIC_KEY",
    "ROWGROUPSIZE": "ROWGROUPSIZE",
}


@dataclass(frozen=True)
class UnloadCommand:
    """A parsed ``UNLOAD ('query') TO 'location' options...``.

    ``format`` is TEXT (pipe-delimited, Redshift's default), CSV, PARQUET or JSON.
    ``compression`` is GZIP, BZIP2, ZSTD or None; ``max_file_size`` is in bytes.
    ``options`` maps every option as written (upper-case name) to its value.
    """

    query: str
    to: str
    format: str = "TEXT"
    delimiter: str = "|"
    header: bool = False
    null_as: str = ""
    add_quotes: bool = False
    escape: bool = False
    compression: str | None = None
    parallel: bool = True
    max_file_size: int = MAX_FILE_SIZE
    allow_overwrite: bool = False
    clean_path: bool = False
    manifest: bool = False
    manifest_verbose: bool = False
    partition_by: tuple[str, ...] = ()
    partition_include: bool = False
    extension: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    region: str | None = None
    iam_role: str | None = None
    options: dict[str, object] = field(default_factory=dict)


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items: list[tuple[str, str, int]] = []
        pos = 0
        text = text.rstrip().rstrip(";")
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None:
                msg = f"syntax error in UNLOAD at or near {text[pos:].strip()[:20]!r}"
                raise SyntaxError_(msg)
            kind = m.lastgroup or ""
            self.items.append((kind, m.group(kind), m.start(kind)))
            pos = m.end()
        self.i = 0

    def peek(self, kind: str | None = None, word: str | None = None) -> bool:
        if self.i >= len(self.items):
            return False
        k, v, _ = self.items[self.i]
        if kind is not None and k != kind:
            return False
        return word is None or (k == "word" and v.upper() == word)

    def take(self, kind: str, what: str) -> str:
        if not self.peek(kind):
            got = self.items[self.i][1] if self.i < len(self.items) else "end of statement"
            msg = f"syntax error in UNLOAD: expected {what}, got {got!r}"
            raise SyntaxError_(msg)
        v = self.items[self.i][1]
        self.i += 1
        return v

    def accept(self, word: str) -> bool:
        if self.peek("word", word):
            self.i += 1
            return True
        return False

    def string(self, what: str) -> str:
        raw = self.take("string", what)[1:-1]
        # '' and \' are a quote, \\ a backslash; any other backslash stays (NULL AS '\N')
        return re.sub(r"''|\\['\\]", lambda m: m.group(0)[-1], raw)

    def done(self) -> bool:
        return self.i >= len(self.items)


def _strip_keyword(text: str) -> str:
    body = text.lstrip()
    if body[:6].upper() == "UNLOAD":
        body = body[6:]
    return body


def _size(tokens: _Tokens) -> int:
    tokens.accept("AS")
    number = float(tokens.take("number", "a size for MAXFILESIZE"))
    unit = "MB"
    if tokens.peek("word", "MB") or tokens.peek("word", "GB"):
        unit = tokens.take("word", "MB or GB").upper()
    size = int(number * (1024 * MB if unit == "GB" else MB))
    if not MIN_FILE_SIZE <= size <= MAX_FILE_SIZE:
        msg = f"MAXFILESIZE must be between 5 MB and 6.2 GB, got {number:g} {unit}"
        raise SyntaxError_(msg)
    return size


def _credentials(text: str) -> dict[str, str]:
    """``'aws_access_key_id=...;aws_secret_access_key=...[;token=...]'`` or ``aws_iam_role=...``."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, eq, value = part.partition("=")
        if not eq:
            msg = f"invalid CREDENTIALS string: expected key=value pairs separated by ';', got {part.strip()!r}"
            raise SyntaxError_(msg)
        out[key.strip().lower()] = value.strip()
    return out


def parse_unload(text: str) -> UnloadCommand:
    """The ``UnloadCommand`` for an UNLOAD statement (its full text, or the part after UNLOAD).

    Raises
    ------
    SyntaxError_
        Malformed text, an option given twice, options that do not go together (42601).
    NotSupportedError
        An option this engine does not implement (named in the message).
    """
    t = _Tokens(_strip_keyword(text))
    t.take("punct", "'(' before the query")
    query = t.string("the query as a quoted string")
    t.take("punct", "')' after the query")
    if not t.accept("TO"):
        t.take("word", "TO 's3://bucket/prefix'")
    to = t.string("the destination as a quoted string")
    if not to:
        msg = "UNLOAD destination is empty"
        raise SyntaxError_(msg)

    opts: dict[str, object] = {}
    fmt: str | None = None

    def once(name: str, value: object = True) -> None:
        if name in opts:
            msg = f"conflicting or redundant UNLOAD option {name}"
            raise SyntaxError_(msg)
        opts[name] = value

    def set_format(name: str) -> None:
        nonlocal fmt
        if fmt is not None:
            msg = f"conflicting UNLOAD formats: {fmt} and {name}"
            raise SyntaxError_(msg)
        fmt = name

    while not t.done():
        word = t.take("word", "an UNLOAD option").upper()
        if word in _NOT_SUPPORTED:
            msg = f"UNLOAD option {_NOT_SUPPORTED[word]} is not supported"
            raise NotSupportedError(msg)
        if word == "FORMAT":
            t.accept("AS")
            name = t.take("word", "CSV, PARQUET or JSON after FORMAT").upper()
            if name in _NOT_SUPPORTED:
                msg = f"UNLOAD option {_NOT_SUPPORTED[name]} is not supported"
                raise NotSupportedError(msg)
            if name not in ("CSV", "PARQUET", "JSON"):
                msg = f"UNLOAD FORMAT must be CSV, PARQUET or JSON, got {name}"
                raise SyntaxError_(msg)
            once(name)
            set_format(name)
        elif word in ("CSV", "PARQUET", "JSON"):
            once(word)
            set_format(word)
        elif word in ("GZIP", "BZIP2", "ZSTD"):
            once(word)
            if "compression" in opts:
                msg = f"conflicting UNLOAD compressions: {opts['compression']} and {word}"
                raise SyntaxError_(msg)
            opts["compression"] = word
        elif word in ("HEADER", "ADDQUOTES", "ESCAPE", "ALLOWOVERWRITE", "CLEANPATH"):
            once(word)
        elif word == "MANIFEST":
            once(word, "VERBOSE" if t.accept("VERBOSE") else True)
        elif word in ("DELIMITER", "NULL", "REGION", "EXTENSION", "CREDENTIALS"):
            t.accept("AS")
            once(word, t.string(f"a quoted value for {word}"))
        elif word in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN"):
            once(word, t.string(f"a quoted value for {word}"))
        elif word == "IAM_ROLE":
            once(word, "DEFAULT" if t.accept("DEFAULT") else t.string("a role ARN or default"))
        elif word == "PARALLEL":
            value = True
            if t.peek("word"):
                v = t.items[t.i][1].upper()
                if v in ("ON", "TRUE", "OFF", "FALSE"):
                    t.i += 1
                    value = v in ("ON", "TRUE")
            once(word, value)
        elif word == "MAXFILESIZE":
            once(word, _size(t))
        elif word == "PARTITION":
            if not t.accept("BY"):
                t.take("word", "BY after PARTITION")
            t.take("punct", "'(' after PARTITION BY")
            cols = []
            while True:
                name = t.take("word", "a column name")
                cols.append(name[1:-1].replace('""', '"') if name.startswith('"') else name.lower())
                if t.peek("punct") and t.items[t.i][1] == ",":
                    t.i += 1
                    continue
                t.take("punct", "')' after the partition columns")
                break
            once(word, tuple(cols))
            if t.accept("INCLUDE"):
                opts["INCLUDE"] = True
        elif word == "INCLUDE":
            msg = "UNLOAD option INCLUDE requires PARTITION BY"
            raise SyntaxError_(msg)
        else:
            msg = f'UNLOAD option {word} is not supported (or misspelled)'
            raise NotSupportedError(msg)

    fmt = fmt or "TEXT"
    _check(fmt, opts)
    creds = _credentials(str(opts["CREDENTIALS"])) if "CREDENTIALS" in opts else {}
    if creds and any(k in opts for k in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "IAM_ROLE")):
        msg = "CREDENTIALS cannot be combined with ACCESS_KEY_ID/SECRET_ACCESS_KEY or IAM_ROLE"
        raise SyntaxError_(msg)
    if ("ACCESS_KEY_ID" in opts) != ("SECRET_ACCESS_KEY" in opts):
        msg = "ACCESS_KEY_ID and SECRET_ACCESS_KEY must be given together"
        raise SyntaxError_(msg)
    extension = opts.get("EXTENSION")
    delimiter = str(opts.get("DELIMITER", "," if fmt == "CSV" else "|"))
    if len(delimiter) != 1:
        msg = f"UNLOAD DELIMITER must be a single character, got {delimiter!r}"
        raise SyntaxError_(msg)
    partition = tuple(opts.get("PARTITION", ()))  # type: ignore[arg-type]
    return UnloadCommand(
        query=query,
        to=to,
        format=fmt,
        delimiter=delimiter,
        header=bool(opts.get("HEADER")),
        null_as=str(opts.get("NULL", "")),
        add_quotes=bool(opts.get("ADDQUOTES")),
        escape=bool(opts.get("ESCAPE")),
        compression=opts.get("compression"),  # type: ignore[arg-type]
        parallel=bool(opts.get("PARALLEL", True)),
        max_file_size=int(opts.get("MAXFILESIZE", MAX_FILE_SIZE)),  # type: ignore[call-overload]
        allow_overwrite=bool(opts.get("ALLOWOVERWRITE")),
        clean_path=bool(opts.get("CLEANPATH")),
        manifest="MANIFEST" in opts,
        manifest_verbose=opts.get("MANIFEST") == "VERBOSE",
        partition_by=partition,
        partition_include=bool(opts.get("INCLUDE")),
        extension=str(extension).lstrip(".") if extension else None,
        access_key=str(opts["ACCESS_KEY_ID"]) if "ACCESS_KEY_ID" in opts else creds.get("aws_access_key_id"),
        secret_key=str(opts["SECRET_ACCESS_KEY"]) if "SECRET_ACCESS_KEY" in opts else creds.get("aws_secret_access_key"),
        session_token=str(opts["SESSION_TOKEN"]) if "SESSION_TOKEN" in opts else creds.get("token"),
        region=str(opts["REGION"]) if "REGION" in opts else None,
        iam_role=str(opts["IAM_ROLE"]) if "IAM_ROLE" in opts else creds.get("aws_iam_role"),
        options={k: v for k, v in opts.items() if k != "compression"},
    )


_NOT_WITH = {
    "PARQUET": ("DELIMITER", "ADDQUOTES", "ESCAPE", "NULL", "HEADER", "GZIP", "BZIP2", "ZSTD"),
    "JSON": ("DELIMITER", "ADDQUOTES", "ESCAPE", "NULL", "HEADER"),
    "CSV": ("ADDQUOTES", "ESCAPE"),
    "TEXT": (),
}


def _check(fmt: str, opts: dict[str, object]) -> None:
    for name in _NOT_WITH[fmt]:
        if name in opts:
            shown = "NULL AS" if name == "NULL" else name
            msg = f"UNLOAD option {shown} cannot be used with FORMAT {fmt}"
            raise SyntaxError_(msg)
    if "CLEANPATH" in opts and "ALLOWOVERWRITE" in opts:
        msg = "UNLOAD options CLEANPATH and ALLOWOVERWRITE cannot be used together"
        raise SyntaxError_(msg)
