"""Backslash commands in psql's spelling: ``\\?``, ``\\q``, ``\\d``, ``\\timing``, ``\\o`` ...

Each command is one entry in ``COMMANDS`` (its help line and a handler), so ``\\?`` and the
completer list exactly what exists.  A wrong use raises ``MetaError``, printed as one line.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warehouse.cli import describe
from warehouse.cli.formats import FORMATS

if TYPE_CHECKING:
    from warehouse.cli.runner import Runner


class MetaError(Exception):
    """A backslash command used wrongly; the message says how to use it."""


@dataclass(frozen=True)
class Command:
    usage: str
    help: str
    run: Callable[[Runner, str], None]


def _toggle(arg: str, current: bool, name: str) -> bool:
    if not arg:
        return not current
    word = arg.lower()
    if word in ("on", "true", "1", "yes"):
        return True
    if word in ("off", "false", "0", "no"):
        return False
    msg = f"\\{name}: expected on or off, not \"{arg}\""
    raise MetaError(msg)


def _help(runner: Runner, arg: str) -> None:
    width = max(len(c.usage) for c in COMMANDS.values())
    lines = ["Backslash commands (SQL statements end with ;):"]
    lines += [f"  {c.usage.ljust(width)}  {c.help}" for c in COMMANDS.values()]
    lines.append("Keys: Tab completes, Ctrl-R searches history, Ctrl-C cancels, Ctrl-D quits.")
    runner.display.message("\n".join(lines))


def _quit(runner: Runner, arg: str) -> None:
    runner.quit = True


def _show(runner: Runner, found: describe.Described) -> None:
    runner.display.table(found.table, found.title, list(found.footer), count=found.count)


def _d(runner: Runner, arg: str) -> None:
    if not arg:
        _show(runner, describe.relations(runner.session.catalog()))
        return
    found = describe.describe(runner.session, arg)
    if not found:
        runner.display.message(f'Did not find any relation named "{arg}".')
    for one in found:
        _show(runner, one)


def _dt(runner: Runner, arg: str) -> None:
    _show(runner, describe.tables(runner.session.catalog(), arg or None))


def _dv(runner: Runner, arg: str) -> None:
    _show(runner, describe.views(runner.session.catalog(), arg or None))


def _dn(runner: Runner, arg: str) -> None:
    _show(runner, describe.schemas(runner.session.catalog(), arg or None))


def _df(runner: Runner, arg: str) -> None:
    _show(runner, describe.function_list(arg or None))


def _include(runner: Runner, arg: str) -> None:
    if not arg:
        msg = "\\i: missing file name; use \\i FILE"
        raise MetaError(msg)
    with open(os.path.expanduser(arg), encoding="utf-8") as fh:
        text = fh.read()
    runner.run_text(text, source=arg)


def _output(runner: Runner, arg: str) -> None:
    runner.display.set_output(os.path.expanduser(arg) if arg else None)


def _timing(runner: Runner, arg: str) -> None:
    runner.display.timing = _toggle(arg, runner.display.timing, "timing")
    runner.display.message(f"Timing is {'on' if runner.display.timing else 'off'}.")


def _expanded(runner: Runner, arg: str) -> None:
    d = runner.display
    if arg.lower() == "auto":
        d.expanded = "auto"
        runner.display.message("Expanded display is used automatically.")
        return
    d.expanded = "on" if _toggle(arg, d.expanded == "on", "x") else "off"
    runner.display.message(f"Expanded display is {d.expanded}.")


def _format(runner: Runner, arg: str) -> None:
    if arg:
        try:
            runner.display.set_format(arg.lower())
        except ValueError as e:
            raise MetaError(f"\\format: {e}") from None
    runner.display.message(f"Output format is {runner.display.fmt}.")


def _pager(runner: Runner, arg: str) -> None:
    runner.display.pager = _toggle(arg, runner.display.pager, "pager")
    runner.display.message(f"Pager usage is {'on' if runner.display.pager else 'off'}.")


def _conninfo(runner: Runner, arg: str) -> None:
    db = runner.session.db
    where = f'at "{db.path}"' if db.path else "in memory"
    name = os.path.basename(db.path) if db.path else "memory"
    shape = f"{db.nodes} node{'s' if db.nodes != 1 else ''} x {db.slices_per_node} slice{'s' if db.slices_per_node != 1 else ''}"
    runner.display.write(f'You are connected to database "{name}" {where} ({shape}) as user "{runner.session.user}".')


def _set(runner: Runner, arg: str) -> None:
    """``\\set NAME VALUE`` defines ``${NAME}`` for the statements that follow; ``\\set``
    alone lists the variables."""
    name, _, value = arg.partition(" ")
    if not name:
        lines = [f"{k} = '{v}'" for k, v in sorted(runner.variables.items())]
        runner.display.write("\n".join(lines) if lines else "No variables are set.")
        return
    if not _NAME.fullmatch(name):
        msg = f'\\set: invalid variable name "{name}"'
        raise MetaError(msg)
    runner.variables[name] = _argument(value)


def _unset(runner: Runner, arg: str) -> None:
    if not arg:
        msg = "\\unset: missing variable name; use \\unset NAME"
        raise MetaError(msg)
    runner.variables.pop(arg, None)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


COMMANDS: dict[str, Command] = {
    "\\?": Command("\\?", "this help", _help),
    "\\q": Command("\\q", "quit (also Ctrl-D, quit, exit)", _quit),
    "\\d": Command("\\d [NAME]", "list tables, views and external tables, or describe NAME (columns, types, keys, rows; location and format)", _d),
    "\\dt": Command("\\dt [PATTERN]", "list tables (diststyle, sortkey, rows) and external tables (format, location)", _dt),
    "\\dv": Command("\\dv [PATTERN]", "list views", _dv),
    "\\dn": Command("\\dn [PATTERN]", "list schemas", _dn),
    "\\df": Command("\\df [PATTERN]", "list functions", _df),
    "\\i": Command("\\i FILE", "run the statements in FILE", _include),
    "\\o": Command("\\o [FILE]", "send results to FILE, or back to the screen", _output),
    "\\timing": Command("\\timing [on|off]", "show each statement's elapsed time", _timing),
    "\\x": Command("\\x [on|off|auto]", "expanded display: one block per row", _expanded),
    "\\format": Command("\\format [NAME]", f"result format: {', '.join(FORMATS)}", _format),
    "\\pager": Command("\\pager [on|off]", "page results longer than the screen", _pager),
    "\\set": Command("\\set [NAME [VALUE]]", "set a variable: ${NAME} in statements is replaced by VALUE", _set),
    "\\unset": Command("\\unset NAME", "remove a variable", _unset),
    "\\conninfo": Command("\\conninfo", "the database you are connected to", _conninfo),
}


def run_meta(runner: Runner, text: str) -> None:
    """Run one backslash command line such as ``\\d users``."""
    name, _, rest = text.strip().partition(" ")
    name = name.rstrip("+")  # psql's "more detail" variants show the same here
    command = COMMANDS.get(name)
    if command is None:
        msg = f"invalid command {name}; try \\? for the list"
        raise MetaError(msg)
    command.run(runner, _argument(rest))


def _argument(rest: str) -> str:
    """The argument with psql-style single quotes removed (``\\o 'my file.txt'``); double
    quotes stay, they belong to identifiers (``\\d "Mixed Case"``)."""
    rest = rest.strip()
    if rest.startswith("'"):
        try:
            return " ".join(shlex.split(rest))
        except ValueError:
            return rest
    return rest
