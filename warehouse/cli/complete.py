"""Tab completion from the live catalog: keywords, functions, schemas, tables and columns.

The completer reads the words around the cursor, not a parse tree: statements being typed
rarely parse.  After FROM/JOIN/INTO/UPDATE/TABLE it offers relations; after ``alias.`` the
columns of the table behind the alias (or the relations of a schema); elsewhere the columns
of the tables the statement names, then functions and keywords.  The catalog snapshot is
taken once per prompt (``refresh``), so a table created by the last statement completes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from warehouse.cli.formats import FORMATS
from warehouse.cli.meta import COMMANDS
from warehouse.cli.vocabulary import KEYWORDS, functions

RELATION_WORDS = {"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "TRUNCATE", "ANALYZE", "VACUUM"}
SEARCH_PATH = ("public",)
_WORD = re.compile(r'[\w$."]*$')
_TOKEN = re.compile(r"[A-Za-z_][\w$]*|[,()]")
_REFERENCE = re.compile(r'(?:\bFROM|\bJOIN|\bUPDATE|\bINTO|,)\s+([\w$."]+)(?:\s+(?:AS\s+)?([A-Za-z_][\w$]*))?', re.IGNORECASE)
_META_ARGS: dict[str, tuple[str, ...]] = {
    "\\format": FORMATS,
    "\\x": ("on", "off", "auto"),
    "\\timing": ("on", "off"),
    "\\pager": ("on", "off"),
}


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) else '"' + name.replace('"', '""') + '"'


class SqlCompleter(Completer):
    """prompt_toolkit completer over a catalog snapshot taken by ``snapshot()``."""

    def __init__(self, snapshot: Callable[[], Any]) -> None:
        self._snapshot = snapshot
        self.snap: Any = None
        self._paths = PathCompleter(expanduser=True)

    def refresh(self) -> None:
        """Take a fresh catalog snapshot (before each prompt)."""
        try:
            self.snap = self._snapshot()
        except Exception:  # noqa: BLE001 - completion must never break the prompt
            self.snap = None

    # ----- catalog words
    def relations(self, schema: str | None = None) -> list[str]:
        if self.snap is None:
            return []
        names = []
        for s, n in sorted([*self.snap.tables, *self.snap.views, *getattr(self.snap, "external_tables", {})]):
            if schema is not None:
                if s == schema:
                    names.append(_quote(n))
            elif s in SEARCH_PATH:
                names.append(_quote(n))
            else:
                names.append(f"{_quote(s)}.{_quote(n)}")
        return names

    def schemas(self) -> list[str]:
        return sorted(_quote(s) for s in self.snap.schemas) if self.snap is not None else []

    def columns(self, reference: str) -> list[str]:
        """Columns of the table or view named ``reference`` (``name`` or ``schema.name``)."""
        if self.snap is None:
            return []
        parts = [p.strip('"') if p.startswith('"') else p.lower() for p in reference.split(".")]
        keys = [(parts[0], parts[1])] if len(parts) == 2 else [(s, parts[-1]) for s in (*SEARCH_PATH, *sorted(self.snap.schemas))]
        for key in keys:
            table = self.snap.tables.get(key)
            if table is not None:
                return [_quote(c.name) for c in table.definition.columns]
            view = self.snap.views.get(key)
            if view is not None:
                return [_quote(c) for c in view.column_names]
            external = getattr(self.snap, "external_tables", {}).get(key)
            if external is not None:
                return [_quote(c.name) for c in external.all_columns]
        return []

    # ----- completion
    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        line = document.current_line_before_cursor.lstrip()
        if line.startswith("\\"):
            yield from self._meta(line, complete_event)
            return
        before = document.text_before_cursor
        word = _WORD.search(before).group()  # type: ignore[union-attr]
        statement = _statement_around(document.text, document.cursor_position)
        aliases = _references(statement)
        if "." in word:
            qualifier, _, partial = word.rpartition(".")
            q = qualifier.strip('"') if qualifier.startswith('"') else qualifier.lower()
            target = aliases.get(q, q)
            cands = [(c, "column") for c in self.columns(target)]
            if self.snap is not None and q in self.snap.schemas:
                cands += [(r, "relation") for r in self.relations(q)]
            yield from _matching(cands, partial)
            return
        tokens = _TOKEN.findall(before[: len(before) - len(word)])
        prev = tokens[-1].upper() if tokens else ""
        clause = next((t.upper() for t in reversed(tokens) if t.upper() in KEYWORDS), "")
        if prev in RELATION_WORDS or (prev == "," and clause == "FROM"):
            cands = [(r, "relation") for r in self.relations()] + [(s, "schema") for s in self.schemas()]
            yield from _matching(cands, word)
            return
        # columns of the tables the statement names; before it names any, of every table
        refs = list(dict.fromkeys(aliases.values())) or self.relations()
        cands = [(c, "column") for ref in refs for c in self.columns(ref)]
        cands += [(r, "relation") for r in self.relations()]
        cands += [(f, "function") for f in functions()]
        lower = word != "" and word == word.lower()
        cands += [(k.lower() if lower else k, "keyword") for k in sorted(KEYWORDS)]
        yield from _matching(cands, word)

    def _meta(self, line: str, event: CompleteEvent) -> Iterator[Completion]:
        name, space, arg = line.partition(" ")
        if not space:
            yield from _matching([(c, COMMANDS[c].help) for c in COMMANDS], name)
            return
        arg = arg.lstrip()
        if name in ("\\i", "\\o"):
            yield from self._paths.get_completions(Document(arg, len(arg)), event)
        elif name in _META_ARGS:
            yield from _matching([(a, "") for a in _META_ARGS[name]], arg)
        elif name == "\\df":
            yield from _matching([(f, k) for f, k in functions().items()], arg)
        elif name.startswith("\\d"):
            yield from _matching([(r, "relation") for r in self.relations()], arg)


def _matching(candidates: list[tuple[str, str]], partial: str) -> Iterator[Completion]:
    prefix = partial.lstrip('"').lower()
    seen: set[str] = set()
    for text, meta in candidates:
        if text not in seen and text.lstrip('"').lower().startswith(prefix):
            seen.add(text)
            yield Completion(text, start_position=-len(partial), display_meta=meta)


def _statement_around(text: str, cursor: int) -> str:
    """The ``;``-separated statement the cursor is in (quotes are not considered: a guess is enough)."""
    start = text.rfind(";", 0, cursor) + 1
    end = text.find(";", cursor)
    return text[start : len(text) if end < 0 else end]


def _references(statement: str) -> dict[str, str]:
    """Alias (or table name) -> table reference for each relation the statement names."""
    refs: dict[str, str] = {}
    for name, alias in _REFERENCE.findall(statement):
        name = name.rstrip(".")
        if not name or name.upper() in KEYWORDS:
            continue
        short = name.split(".")[-1].strip('"').lower()
        refs.setdefault(short, name)
        if alias and alias.upper() not in KEYWORDS:
            refs[alias.lower()] = name
    return refs
