"""Syntax highlighting for the prompt: keywords, functions, strings, numbers, comments.

prompt_toolkit does not bring pygments, so this is a small regex lexer of our own.  It
lexes the whole buffer at once (a string or comment may span lines) and hands prompt_toolkit
one line at a time; unterminated strings and comments run to the end, as they would parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.styles import Style

from warehouse.cli.vocabulary import KEYWORDS, functions

STYLE = Style.from_dict({
    "sql.keyword": "ansibrightblue bold",
    "sql.function": "ansicyan",
    "sql.string": "ansigreen",
    "sql.number": "ansiyellow",
    "sql.comment": "ansibrightblack italic",
    "sql.identifier": "",
    "sql.meta": "ansimagenta",
    "prompt": "bold",
    "continuation": "ansibrightblack",
})

_TOKENS = re.compile(
    r"""
    (?P<meta>^[ \t]*\\[^\n]*)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^'\\]|\\.|'')*(?:'|\Z)|\$\$.*?(?:\$\$|\Z))
  | (?P<identifier>"(?:[^"]|"")*(?:"|\Z))
  | (?P<number>(?<![\w$])(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][\w$]*)
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)


def tokens(text: str) -> list[tuple[str, str]]:
    """``text`` as (style class, text) runs that cover it exactly.

    >>> tokens("SELECT 'a', 1 -- x")
    [('class:sql.keyword', 'SELECT'), ('', ' '), ('class:sql.string', "'a'"), ('', ', '), ('class:sql.number', '1'), ('', ' '), ('class:sql.comment', '-- x')]
    """
    out: list[tuple[str, str]] = []
    known = functions()
    pos = 0
    for m in _TOKENS.finditer(text):
        if m.start() > pos:
            out.append(("", text[pos : m.start()]))
        kind = m.lastgroup or ""
        value = m.group()
        if kind == "word":
            upper = value.upper()
            kind = "keyword" if upper in KEYWORDS else "function" if value.lower() in known and text[m.end() : m.end() + 1] == "(" else "identifier"
        out.append((f"class:sql.{kind}" if kind != "identifier" else "", value))
        pos = m.end()
    if pos < len(text):
        out.append(("", text[pos:]))
    return out


class SqlLexer(Lexer):
    """prompt_toolkit lexer over ``tokens``."""

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines: list[StyleAndTextTuples] = [[]]
        for style, value in tokens(document.text):
            for i, piece in enumerate(value.split("\n")):
                if i:
                    lines.append([])
                if piece:
                    lines[-1].append((style, piece))

        def get_line(n: int) -> StyleAndTextTuples:
            return lines[n] if n < len(lines) else []

        return get_line
