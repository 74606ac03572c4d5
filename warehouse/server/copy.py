"""``COPY ... FROM STDIN`` and ``COPY ... TO STDOUT`` (psql's ``\\copy``) over the wire.

Formats: PostgreSQL's text format (tab-separated, ``\\N`` for NULL, backslash escapes) and
CSV (``CSV`` or ``FORMAT csv``, with HEADER, DELIMITER, NULL, QUOTE).  Rows loaded from
STDIN go through the same privilege check (INSERT) and append path as INSERT; COPY TO
runs its query through the engine, so SELECT privileges apply.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kernels.wire import text_lines
from warehouse.errors import DataError, Error, ProgrammingError
from warehouse.server import messages as M
from warehouse.server.types_wire import _string_buffers, text_values

if TYPE_CHECKING:
    from warehouse.server.connection import Connection

__all__ = ["copy_in", "copy_out"]

_COPY_IN = re.compile(r"^\s*copy\s+(?P<table>[\w.\"]+)\s*(?:\((?P<cols>[^)]*)\))?\s+from\s+stdin\b(?P<opts>.*)$", re.I | re.S)
_COPY_OUT = re.compile(r"^\s*copy\s+(?P<src>\(.*\)|[\w.\"]+)\s*(?:\((?P<cols>[^)]*)\))?\s+to\s+stdout\b(?P<opts>.*)$", re.I | re.S)


def _options(text: str) -> dict[str, Any]:
    """csv, header, delimiter, null, quote from old-style or WITH (...) options."""
    t = text.strip().rstrip(";").strip()
    if t.lower().startswith("with"):
        t = t[4:].strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    opts: dict[str, Any] = {"csv": False, "header": False, "delimiter": None, "null": None, "quote": '"'}
    tokens = re.findall(r"'(?:[^']|'')*'|E'(?:[^']|'')*'|[\w]+|,", t)
    i = 0
    while i < len(tokens):
        w = tokens[i].lower()
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None

        def lit(x: str | None) -> str:
            if x is None or not x.endswith("'"):
                raise ProgrammingError(f"COPY option {w.upper()} needs a quoted value", sqlstate="42601")
            body = x[2:-1] if x[:2] in ("E'", "e'") else x[1:-1]
            body = body.replace("''", "'")
            return body.replace("\\t", "\t") if x[:2] in ("E'", "e'") else body

        if w == "csv":
            opts["csv"] = True
        elif w == "format":
            opts["csv"] = (nxt or "").lower() == "csv"
            i += 1
        elif w == "header":
            opts["header"] = not (nxt or "").lower() in ("false", "off", "0")
            if (nxt or "").lower() in ("true", "false", "on", "off", "0", "1"):
                i += 1
        elif w in ("delimiter", "null", "quote"):
            if (nxt or "").lower() == "as":
                i += 1
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            opts[w] = lit(nxt)
            i += 1
        elif w in (",", "as", "binary", "text"):
            if w == "binary":
                raise ProgrammingError("COPY BINARY is not supported", sqlstate="0A000")
        else:
            raise ProgrammingError(f'COPY option "{tokens[i]}" is not supported over the wire', sqlstate="0A000")
        i += 1
    if opts["delimiter"] is None:
        opts["delimiter"] = "," if opts["csv"] else "\t"
    if opts["null"] is None:
        opts["null"] = "" if opts["csv"] else "\\N"
    return opts


def _ident(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def _unescape(s: pa.Array) -> pa.Array:
    if not pc.any(pc.match_substring(s, "\\")).as_py():
        return s
    return pa.array([None if v is None else _unescape_one(v) for v in s.to_pylist()], pa.string())


_ESC = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "\\": "\\"}


def _unescape_one(v: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESC.get(m.group(1), m.group(1)), v)


def _to_column(s: pa.Array, t: Any) -> pa.Array:
    target = t.arrow_type
    if pa.types.is_string(target):
        return s
    if pa.types.is_boolean(target):
        low = pc.utf8_lower(pc.utf8_trim_whitespace(s))
        yes = pc.is_in(low, pa.array(["t", "true", "y", "yes", "on", "1"]))
        no = pc.is_in(low, pa.array(["f", "false", "n", "no", "off", "0"]))
        bad = pc.and_(pc.invert(pc.or_(yes, no)), pc.is_valid(s))
        if pc.any(bad).as_py():
            raise DataError("invalid input syntax for type boolean", sqlstate="22P02")
        return pc.if_else(pc.is_null(s), pa.scalar(None, pa.bool_()), yes)
    try:
        return pc.cast(pc.utf8_trim_whitespace(s), target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise DataError(f"invalid input for type {t}: {e}", sqlstate="22P02") from None


def copy_in(conn: "Connection", text: str) -> None:
    from warehouse.statements.dml import arrow_to_vectors

    session = conn.session
    m = _COPY_IN.match(text)
    parts = [_ident(p) for p in re.findall(r'"(?:[^"]|"")*"|[^.]+', m.group("table"))]
    schema, name = (parts[0], parts[1]) if len(parts) == 2 else ("public", parts[0])
    try:
        opts = _options(m.group("opts"))
        session.check_privilege(schema, name, "INSERT")
        table = session.catalog().get_table(schema, name)
        if table is None:
            raise ProgrammingError(f'relation "{name}" does not exist', sqlstate="42P01")
        d = table.definition
        cols = [_ident(c.strip()) for c in m.group("cols").split(",")] if m.group("cols") else d.column_names
        for c in cols:
            if c not in d.column_names:
                raise ProgrammingError(f'column "{c}" of relation "{name}" does not exist', sqlstate="42703")
    except Error as e:
        conn._error(e)
        return
    conn.send(M.msg(b"G", b"\0" + len(cols).to_bytes(2, "big") + b"\0\0" * len(cols)))
    conn.flush()
    chunks: list[bytes] = []
    failed = None
    while True:
        kind, body = conn.read_message()
        if kind == b"d":
            chunks.append(body)
        elif kind == b"c":
            break
        elif kind == b"f":
            failed = M.Reader(body).cstr()
            break
        elif kind in (b"H", b"S"):
            continue
        else:
            raise M.ProtocolViolation(f"unexpected message type {kind!r} during COPY from stdin")
    if failed is not None:
        conn._error(ProgrammingError(f"COPY from stdin failed: {failed}", sqlstate="57014"))
        return
    data = b"".join(chunks)
    if not opts["csv"]:
        data = re.sub(rb"(?m)^\\\.\r?\n?\Z", b"", data)  # the old end-of-data marker
    try:
        rows = _load(session, d, cols, data, opts, arrow_to_vectors)
    except Error as e:
        conn._error(e)
        return
    conn.send(M.command_complete(f"COPY {rows}"))


def _load(session: Any, d: Any, cols: list[str], data: bytes, opts: dict[str, Any], arrow_to_vectors: Any) -> int:
    if data.strip():
        read = pacsv.ReadOptions(column_names=cols, skip_rows=1 if opts["header"] else 0, block_size=1 << 24)
        parse = pacsv.ParseOptions(
            delimiter=opts["delimiter"], quote_char=opts["quote"] if opts["csv"] else False, escape_char=False,
            newlines_in_values=bool(opts["csv"]),
        )
        convert = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in cols}, null_values=[opts["null"]], strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        )
        try:
            raw = pacsv.read_csv(io.BytesIO(data), read, parse, convert)
        except pa.ArrowInvalid as e:
            raise DataError(f"COPY from stdin: {e}", sqlstate="22P04") from None
    else:
        raw = pa.table({c: pa.array([], pa.string()) for c in cols})
    n = raw.num_rows
    arrays = []
    for c in d.columns:
        if c.name in cols:
            s = raw.column(c.name).combine_chunks()
            if not opts["csv"]:
                s = _unescape(s)
            arrays.append(_to_column(s, c.type))
        else:
            arrays.append(pa.nulls(n, c.type.arrow_type))
    table = pa.Table.from_arrays(arrays, names=d.column_names)
    try:
        rows = session.writer().append(d.schema, d.name, arrow_to_vectors(table, d))
    except BaseException:
        if session.in_transaction:
            session.aborted = True
        else:
            session.rollback()
        raise
    if not session.in_transaction:
        session.commit()
    return rows


def _escape_text(s: pa.Array) -> pa.Array:
    for a, b in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        s = pc.replace_substring(s, a, b)
    return s


def _quote_csv(s: pa.Array, opts: dict[str, Any]) -> pa.Array:
    """CSV quoting where needed: delimiter, quote, CR/LF, or a value equal to the NULL string."""
    q = opts["quote"]
    pattern = "[" + re.escape(opts["delimiter"] + q) + "\r\n]"
    need = pc.or_(pc.match_substring_regex(s, pattern), pc.equal(s, opts["null"]))
    quoted = pc.binary_join_element_wise(q, pc.replace_substring(s, q, q + q), q, "")
    return pc.if_else(need, quoted, s)


def _header(names: list[str], opts: dict[str, Any]) -> bytes:
    cols = pa.array(names, pa.string())
    cols = _quote_csv(cols, opts) if opts["csv"] else _escape_text(cols)
    return (opts["delimiter"].join(cols.to_pylist()) + "\n").encode()


def copy_out(conn: "Connection", text: str) -> None:
    m = _COPY_OUT.match(text)
    src = m.group("src")
    try:
        opts = _options(m.group("opts"))
        if src.startswith("("):
            sql = src[1:-1]
        else:
            cols = m.group("cols")
            sql = f"SELECT {cols if cols else '*'} FROM {src}"
        result = conn._run(sql, [])
    except Error as e:
        conn._error(e)
        return
    table = result.table
    ncols = len(result.names)
    conn.send(M.msg(b"H", b"\0" + ncols.to_bytes(2, "big") + b"\0\0" * ncols))
    n = table.num_rows if table is not None else 0
    step = 65536
    for lo in range(0, n, step):
        part = table.slice(lo, min(step, n - lo))
        offs = np.empty((ncols, len(part) + 1), np.int64)
        isnull = np.zeros((ncols, len(part)), np.bool_)
        datas, base = [], 0
        for i in range(ncols):
            col = part.column(i).combine_chunks()
            s = text_values(col)
            s = _quote_csv(s, opts) if opts["csv"] else _escape_text(s)
            o, dd = _string_buffers(s)
            if col.null_count:
                isnull[i] = np.asarray(col.is_null().to_numpy(zero_copy_only=False))
            offs[i] = o + base
            datas.append(dd)
            base += len(dd)
        data = np.concatenate(datas) if datas else np.zeros(0, np.uint8)
        out = text_lines(offs, isnull, data, ord(opts["delimiter"]), np.frombuffer(opts["null"].encode(), np.uint8)).tobytes()
        if lo == 0 and opts["header"]:
            out = _header(result.names, opts) + out
        conn.send(M.msg(b"d", out))
    if n == 0 and opts["header"]:
        conn.send(M.msg(b"d", _header(result.names, opts)))
    conn.send(M.COPY_DONE)
    conn.send(M.command_complete(f"COPY {n}"))
