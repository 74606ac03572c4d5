"""Fixtures that drive the real shell in a pseudo-terminal (pexpect) with a private HOME."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

TIMEOUT = 20  # generous: a cold start imports numba and pyarrow
ROWS, COLUMNS = 24, 100
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")


def plain(text: str) -> str:
    """Terminal output without escape sequences and carriage returns."""
    return _ANSI.sub("", text)


class Shell:
    """A running ``warehouse`` shell: send keys, wait for text, read what it printed."""

    def __init__(self, child: pexpect.spawn, name: str) -> None:
        self.child = child
        self.prompt = f"{name}="

    def expect(self, pattern: str) -> str:
        """Wait for ``pattern`` (a regex); the plain text printed before it."""
        self.child.expect(pattern)
        return plain(self.child.before)

    def run(self, sql: str, wait_for: str) -> str:
        """Type ``sql`` line by line, press Enter, wait for ``wait_for``, then the next prompt."""
        lines = sql.split("\n")
        for line in lines:
            self.child.send(line + "\r")
        out = self.expect(wait_for)
        self.wait_prompt()
        return out

    def wait_prompt(self) -> None:
        self.child.expect(re.escape(self.prompt) + r"[*!]?>")

    def quit(self) -> int:
        self.child.sendcontrol("d")
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def tickit(tmp_path: Path) -> str:
    """A database directory with a three-row ``users`` table and a 4,000-row ``big`` table."""
    import warehouse

    path = str(tmp_path / "tickit.wh")
    con = warehouse.connect(path)
    s = con._session  # noqa: SLF001
    s.execute("CREATE TABLE users (userid INTEGER NOT NULL, name VARCHAR(30), city VARCHAR(30)) DISTKEY(userid) SORTKEY(userid)")
    s.execute("INSERT INTO users VALUES (1, 'Rafael', 'Kent'), (2, 'Vladimir', NULL), (3, 'Lars', 'Bristol')")
    s.execute("CREATE TABLE big (k INTEGER, x INTEGER)")
    s.execute("INSERT INTO big VALUES " + ",".join(f"({i % 4},{i})" for i in range(4000)))
    con.close()
    return path


@pytest.fixture
def spawn(home: Path) -> Iterator[Callable[..., Shell]]:
    """Start the shell on a database path with a temp HOME, fixed size, no CPR, no pager."""
    children: list[pexpect.spawn] = []

    def start(path: str, *args: str, rows: int = ROWS, columns: int = COLUMNS, **env: str) -> Shell:
        environ = dict(os.environ, HOME=str(home), TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", PAGER="", LC_ALL="C.UTF-8")
        environ.pop("WAREHOUSE_PAGER", None)
        environ.update(env)
        child = pexpect.spawn(sys.executable, ["-m", "warehouse.cli", path, *args], env=environ, dimensions=(rows, columns), encoding="utf-8", timeout=TIMEOUT, cwd=str(home))
        children.append(child)
        name = os.path.basename(path).removesuffix(".wh") if path != ":memory:" else "memory"
        shell = Shell(child, name)
        shell.wait_prompt()
        return shell

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)
