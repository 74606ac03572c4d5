"""The interactive shell: prompt_toolkit's line editor around a ``Runner``.

Enter runs the buffer once it is a complete statement (ends with ``;``) or a backslash
command; otherwise it starts a new line, so multi-line statements are edited, recalled and
searched (Ctrl-R) as one history entry in ``~/.warehouse_history``.  Ctrl-C at the prompt
clears the line, during a statement cancels it; Ctrl-D on an empty line quits.
"""

from __future__ import annotations

import os
import sys

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, InMemoryHistory

from warehouse import __version__
from warehouse.cli.complete import SqlCompleter
from warehouse.cli.highlight import STYLE, SqlLexer
from warehouse.cli.runner import Runner
from warehouse.cli.script import is_complete

HISTORY_FILE = "~/.warehouse_history"


def database_name(path: str) -> str:
    """The name the prompt shows: the directory's name without ``.wh``, or ``memory``."""
    if path == ":memory:":
        return "memory"
    base = os.path.basename(os.path.abspath(path).rstrip(os.sep))
    return base.removesuffix(".wh") or base


def _history() -> FileHistory | InMemoryHistory:
    path = os.path.expanduser(HISTORY_FILE)
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError:  # read-only home: keep history for this session only
        return InMemoryHistory()
    return FileHistory(path)


def run_shell(runner: Runner, path: str) -> int:
    """Read, run and show statements until ``\\q`` or Ctrl-D; returns the exit status (0)."""
    name = database_name(path)
    completer = SqlCompleter(runner.session.catalog)
    session: PromptSession[str] = PromptSession(
        history=_history(),
        lexer=SqlLexer(),
        style=STYLE,
        completer=completer,
        complete_while_typing=False,
        auto_suggest=AutoSuggestFromHistory(),
        multiline=Condition(lambda: not is_complete(session.default_buffer.text)),
        prompt_continuation=lambda width, line_number, soft_wrap: FormattedText([("class:continuation", f"{name}-> ".rjust(width))]),
        enable_history_search=False,
        search_ignore_case=True,
    )
    db = runner.session.db
    where = os.path.abspath(path) if path != ":memory:" else "an in-memory database (nothing is saved)"
    print(f"warehouse {__version__} on {where}, {db.nodes} node(s) x {db.slices_per_node} slice(s)")
    print('Statements end with ";".  \\? for help, \\q or Ctrl-D to quit.')
    while not runner.quit:
        completer.refresh()
        try:
            text = session.prompt(FormattedText([("class:prompt", f"{name}{_state(runner)}> ")]))
        except KeyboardInterrupt:
            continue
        except EOFError:
            print("\\q")
            break
        word = text.strip().rstrip(";").strip().lower()
        if word in ("quit", "exit"):
            break
        if word == "help":
            text = "\\?"
        try:
            runner.run_text(text)
        except KeyboardInterrupt:  # between statements, or while printing: back to the prompt
            print("\nCanceled.", file=sys.stderr)
    runner.display.close()
    return 0


def _state(runner: Runner) -> str:
    """psql's transaction marks in the prompt: ``=*`` inside a transaction, ``=!`` after an error in one."""
    s = runner.session
    if s.in_transaction:
        return "=!" if s.aborted else "=*"
    return "="
