"""Run SQL text (statements and backslash commands) on one connection and show the results.

The shell and the script modes share it, so they behave alike except where they must
differ: scripts stop at the first error (unless ``continue_on_error``) and never draw a
progress line; the shell reports an error and goes on, and a Ctrl-C cancels the statement
and the rest of what was entered with it.
"""

from __future__ import annotations

import os
import re
import sys
import time
import traceback
from typing import Any

from warehouse.cli.display import Display
from warehouse.cli.messages import as_error, error_text
from warehouse.cli.meta import MetaError, run_meta
from warehouse.cli.progress_line import ProgressLine
from warehouse.cli.script import Meta, Statement, split
from warehouse.cli.worker import run_statement
from warehouse.errors import ProgrammingError, QueryCanceled

MAX_INCLUDE_DEPTH = 16  # \i inside \i ... stops here rather than recursing forever

# Hive's variable references: ${NAME}, ${hiveconf:NAME}, ${hivevar:NAME}, ${env:NAME}
_VARIABLE = re.compile(r"\$\{(?:(hiveconf|hivevar|define|env):)?([A-Za-z_][A-Za-z0-9_.]*)\}")
# Hive's SET hivevar:NAME=value; / SET hiveconf:NAME=value; (and SET hivevar:NAME; to show it)
_HIVE_SET = re.compile(r"SET\s+(hivevar|hiveconf|define):([A-Za-z_][A-Za-z0-9_.]*)\s*(?:=(.*?))?\s*;?\s*", re.IGNORECASE | re.DOTALL)


def hive_set(text: str) -> tuple[str, str, str | None] | None:
    """(namespace, name, value or None) when ``text`` is Hive's ``SET hivevar:NAME=value``
    (or ``hiveconf:``), else None.  The value is the raw text up to the ``;``, trimmed
    (quotes stay, as in Hive)."""
    from warehouse.sql.external import _strip_comments

    m = _HIVE_SET.fullmatch(_strip_comments(text))
    if m is None:
        return None
    return m.group(1).lower(), m.group(2), None if m.group(3) is None else m.group(3).strip()


def substitute(text: str, variables: dict[str, str]) -> str:
    """``text`` with Hive's ``${NAME}`` (and ``${hiveconf:NAME}``, ``${hivevar:NAME}``,
    ``${env:NAME}``) replaced, as Hive does, everywhere in the text (string literals
    included); a name that is neither defined (``--define``, ``\\set``) nor, for ``env:``,
    in the environment is an error naming it."""
    if "${" not in text:
        return text
    missing: list[str] = []

    def one(m: re.Match[str]) -> str:
        prefix, name = m.group(1), m.group(2)
        if prefix == "env":
            value = os.environ.get(name)
        else:
            value = variables.get(name)
        if value is None:
            missing.append(m.group(0))
            return m.group(0)
        return value

    out = _VARIABLE.sub(one, text)
    if missing:
        names = ", ".join(dict.fromkeys(missing))
        msg = f"undefined variable{'s' if len(set(missing)) > 1 else ''} {names}: define it with --define NAME=VALUE or \\set NAME VALUE"
        raise ProgrammingError(msg, sqlstate="42704")
    return out


class Runner:
    """One connection's statements and backslash commands, shown through ``display``."""

    def __init__(self, connection: Any, display: Display, *, interactive: bool, continue_on_error: bool = False, debug: bool = False) -> None:
        self.connection = connection
        self.session = connection._session  # noqa: SLF001 - the shell is the engine's own client
        self.display = display
        self.interactive = interactive
        self.continue_on_error = continue_on_error or interactive
        self.debug = debug
        self.quit = False
        self.errors = 0
        self.variables: dict[str, str] = {}  # --define NAME=VALUE, \set NAME VALUE: ${NAME} in statements
        self._depth = 0
        unicode = (getattr(sys.stderr, "encoding", None) or "").lower().replace("-", "") == "utf8"
        self.progress = ProgressLine(sys.stderr, unicode=unicode) if interactive and sys.stderr.isatty() else None

    def run_text(self, text: str, source: str | None = None) -> bool:
        """Run every statement and command in ``text``; False if one failed.

        ``source`` names the script file (for ``file:line:`` in error messages).  After a
        failure the rest is skipped unless errors may continue; a cancel always stops it.
        """
        if self._depth >= MAX_INCLUDE_DEPTH:
            self._report(RecursionError(f"\\i nested more than {MAX_INCLUDE_DEPTH} deep"), None, source, 1)
            return False
        self._depth += 1
        try:
            ok = True
            for item in split(text):
                if self.quit:
                    break
                try:
                    done = self._meta(item, source) if isinstance(item, Meta) else self._statement(item, source)
                except QueryCanceled:
                    if self._depth > 1:  # inside \i: the cancel stops the including text too
                        raise
                    return False
                if not done:
                    ok = False
                    if not self.continue_on_error:
                        return False
            return ok
        finally:
            self._depth -= 1

    def _statement(self, item: Statement, source: str | None) -> bool:
        started = time.perf_counter()
        hive = hive_set(item.text) if "SET" in item.text.upper() else None
        if hive is not None:
            return self._hive_set(item, source, *hive)
        try:
            result = run_statement(self.session, substitute(item.text, self.variables), self.progress)
        except QueryCanceled as e:
            self._report(e, item.text, source, item.line)
            raise
        except Exception as e:  # noqa: BLE001 - the outer boundary: shown, never a traceback
            self._report(e, item.text, source, item.line)
            return False
        self.display.result(result, time.perf_counter() - started)
        return True

    def _hive_set(self, item: Statement, source: str | None, namespace: str, name: str, value: str | None) -> bool:
        """``SET hivevar:NAME=value``: defines ``${NAME}`` (value substituted first, as Hive
        does); without ``=value`` it shows the variable."""
        if value is None:
            current = self.variables.get(name)
            self.display.write(f"{namespace}:{name}={current}" if current is not None else f"{namespace}:{name} is undefined")
            return True
        try:
            self.variables[name] = substitute(value, self.variables)
        except Exception as e:  # noqa: BLE001 - shown like a statement's error
            self._report(e, item.text, source, item.line)
            return False
        return True

    def _meta(self, item: Meta, source: str | None) -> bool:
        try:
            run_meta(self, item.text)
        except QueryCanceled:
            raise
        except MetaError as e:
            prefix = f"{source}:{item.line}: " if source else ""
            print(f"{prefix}{e}", file=sys.stderr, flush=True)
            self.errors += 1
            return False
        except Exception as e:  # noqa: BLE001 - as for statements
            self._report(e, None, source, item.line)
            return False
        return True

    def _report(self, exc: BaseException, sql: str | None, source: str | None, line: int) -> None:
        self.errors += 1
        if self.debug:
            traceback.print_exception(exc, file=sys.stderr)
        prefix = f"{source}:{line}: " if source else ""
        first_line = line if source else 1
        print(error_text(as_error(exc), sql, prefix=prefix, first_line=first_line), file=sys.stderr, flush=True)
