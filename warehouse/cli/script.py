"""Split SQL text into statements and backslash commands, the way psql reads a script.

Statements are cut at ``;`` outside quotes, comments and dollar quotes, so each one runs
(and fails) on its own and an error's position points into that statement alone.  A line
that starts with ``\\`` outside a statement-in-quotes is a backslash command; it ends the
statement before it, as psql's ``\\g`` does.  The shell uses ``is_complete`` to decide
whether Enter runs the buffer or starts a new line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


@dataclass(frozen=True)
class Statement:
    """One SQL statement: its text (up to and including ``;``) and the line it starts on."""

    text: str
    line: int  # 1-based line of the script where ``text`` begins
    terminated: bool = True  # ended with ``;`` (False: end of input or a backslash command)


@dataclass(frozen=True)
class Meta:
    """A backslash command line such as ``\\d users`` (without the line end)."""

    text: str
    line: int


Item = Statement | Meta


def split(text: str) -> list[Item]:
    """Statements and backslash commands of ``text`` in order.

    >>> [i.text for i in split("SELECT 1; SELECT ';'; -- done\\n\\\\dt\\nSELECT 2")]
    ['SELECT 1;', "SELECT ';';", '\\\\dt', 'SELECT 2']
    """
    items: list[Item] = []
    i, n = 0, len(text)
    start: int | None = None  # offset of the current statement's first character
    line = 1
    start_line = 1

    def flush(end: int, terminated: bool) -> None:
        nonlocal start
        if start is not None:
            items.append(Statement(text[start:end], start_line, terminated))
        start = None

    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c == "\\":
            flush(_rstrip_end(text, i), terminated=False)
            end = text.find("\n", i)
            end = n if end < 0 else end
            items.append(Meta(text[i:end].rstrip(), line))
            i = end
            continue
        if c == "\n":
            line += 1
            at_line_start = True
            i += 1
            continue
        if c in " \t\r\f":
            i += 1
            continue
        at_line_start = False
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if text.startswith("/*", i):
            end, line = _block_comment_end(text, i, line)
            i = end
            continue
        if start is None:
            start, start_line = i, line
        if c == ";":
            flush(i + 1, terminated=True)
            i += 1
        elif c in "'\"":
            end = _quote_end(text, i, c)
            line += text.count("\n", i, end)
            i = end
        elif c == "$" and (m := _DOLLAR.match(text, i)):
            close = text.find(m.group(0), m.end())
            end = n if close < 0 else close + len(m.group(0))
            line += text.count("\n", i, end)
            i = end
        else:
            i += 1
    flush(_rstrip_end(text, n), terminated=False)
    return items


def is_complete(text: str) -> bool:
    """Whether Enter should run ``text``: it ends with ``;``, is a backslash command, or is empty."""
    stripped = text.strip()
    if not stripped or stripped.lower() in ("quit", "exit", "help"):
        return True
    items = split(text)
    if not items:  # only comments
        return True
    last = items[-1]
    return isinstance(last, Meta) or last.terminated


def _rstrip_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1] in " \t\r\n\f":
        end -= 1
    return end


def _quote_end(text: str, i: int, q: str) -> int:
    """Offset just past the quoted run starting at ``i`` (doubled quotes and, inside single
    quotes, backslash escapes as Redshift reads them); ``len(text)`` when it never closes."""
    j, n = i + 1, len(text)
    while j < n:
        c = text[j]
        if c == "\\" and q == "'":
            j += 2
            continue
        if c == q:
            if j + 1 < n and text[j + 1] == q:
                j += 2
                continue
            return j + 1
        j += 1
    return n


def _block_comment_end(text: str, i: int, line: int) -> tuple[int, int]:
    """Nested ``/* */`` comments, as PostgreSQL (and sqlglot here) read them."""
    depth, j, n = 0, i, len(text)
    while j < n:
        if text.startswith("/*", j):
            depth += 1
            j += 2
        elif text.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j, line
        else:
            if text[j] == "\n":
                line += 1
            j += 1
    return n, line
