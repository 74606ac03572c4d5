"""Errors as the user reads them: ``ERROR: SQLSTATE: message``, then for an error with a
position the statement line with a caret under it, then a hint.  Never a traceback.

    ERROR: 42601: syntax error at or near "FORM"
    LINE 1: SELECT * FORM users
                     ^
"""

from __future__ import annotations

from warehouse.cli.formats import text_width
from warehouse.errors import Error, InternalError

CONTEXT = 60  # characters of a long line kept on each side of the caret


def error_text(err: BaseException, sql: str | None = None, *, prefix: str = "", first_line: int = 1) -> str:
    """The lines to print for ``err`` raised by ``sql``.

    ``prefix`` names where a script failed (``"load.sql:12: "``); ``first_line`` is the
    script line ``sql`` starts on, so ``LINE n`` counts lines of the file.
    """
    if not isinstance(err, Error):
        err = as_error(err)
    lines = [f"{prefix}ERROR: {err.sqlstate}: {err.message}"]
    if err.position is not None and sql:
        lines.extend(_caret(sql, err.position, first_line))
    if err.hint:
        lines.append(f"HINT: {err.hint}")
    return "\n".join(lines)


def as_error(exc: BaseException) -> Error:
    """Wrap an exception that is not the engine's own, saying what it was (STYLE.md §4)."""
    if isinstance(exc, Error):
        return exc
    if isinstance(exc, OSError):
        name = f' "{exc.filename}"' if exc.filename else ""
        return Error(f"could not open file{name}: {exc.strerror or exc}", sqlstate="58P01" if isinstance(exc, FileNotFoundError) else "58030")
    msg = f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback; please report it)"
    return InternalError(msg)


def _caret(sql: str, position: int, first_line: int) -> list[str]:
    offset = min(max(position - 1, 0), len(sql))
    line_start = sql.rfind("\n", 0, offset) + 1
    line_end = sql.find("\n", offset)
    line_end = len(sql) if line_end < 0 else line_end
    if offset == len(sql) and offset > 0 and sql[offset - 1] == "\n":  # "at end of input" after a newline
        line_start = sql.rfind("\n", 0, offset - 1) + 1
        line_end = offset - 1
    line_no = sql.count("\n", 0, line_start) + first_line
    text = sql[line_start:line_end].replace("\t", " ").rstrip("\r")
    col = offset - line_start
    before, after = text[:col], text[col:]
    if len(before) > CONTEXT:
        before = "..." + before[-CONTEXT:]
    if len(after) > CONTEXT:
        after = after[:CONTEXT] + "..."
    label = f"LINE {line_no}: "
    return [label + before + after, " " * (len(label) + text_width(before)) + "^"]
