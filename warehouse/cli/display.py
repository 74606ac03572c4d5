"""Where and how results are shown: the format, ``\\x``, ``\\timing``, ``\\o`` and the pager.

One ``Display`` serves a whole run, so a backslash command changes how every later result
looks.  On a terminal, ``table`` output is cut to the screen width and long output goes
through the pager; into a file or a pipe, output is complete and plain.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from typing import TextIO

import pyarrow as pa

from warehouse.cli.formats import FORMATS, render, text_width
from warehouse.cli.pager import page, pager_command
from warehouse.result import Result

MAX_SHOWN_ROWS = 10_000  # rows a table on the terminal shows; files and pipes get them all


@dataclass
class Display:
    """Output settings and destination for one run of the shell or a script."""

    fmt: str = "table"
    expanded: str = "off"  # "off", "on" or "auto" (expanded when the table is too wide)
    timing: bool = False
    pager: bool = True
    interactive: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    out_path: str | None = None  # set by \o FILE

    # ----- settings
    def set_format(self, name: str) -> None:
        if name not in FORMATS:
            msg = f'unknown format "{name}"; choose one of {", ".join(FORMATS)}'
            raise ValueError(msg)
        self.fmt = name

    def set_output(self, path: str | None) -> None:
        """Send results to ``path`` (truncated), or back to standard output with None."""
        new = sys.stdout if path is None else open(path, "w", encoding="utf-8")  # noqa: SIM115 - kept open until the next \o
        self.close()
        self.out, self.out_path = new, path

    def close(self) -> None:
        if self.out_path is not None:
            self.out.close()
            self.out, self.out_path = sys.stdout, None

    @property
    def to_terminal(self) -> bool:
        return self.out_path is None and self.out.isatty()

    @property
    def unicode(self) -> bool:
        return (getattr(self.out, "encoding", None) or "").lower().replace("-", "") == "utf8"

    # ----- output
    def result(self, result: Result, elapsed: float | None = None) -> None:
        """Show a statement's rows (or its command tag), its notices and its time."""
        for notice in result.notices:
            print(f"NOTICE: {notice}", file=sys.stderr, flush=True)
        if result.table is not None:
            self.table(result.table)
        elif self.fmt == "table" or (self.interactive and self.to_terminal):
            self.write(result.status)  # a script's csv or json output stays pure data
        if self.timing and elapsed is not None:
            self.time(elapsed)

    def table(self, table: pa.Table, title: str | None = None, footer: list[str] | None = None, *, count: bool = True) -> None:
        """Show ``table`` in the current format; ``title``, ``footer`` lines and the row
        ``count`` line only in the ``table`` format."""
        terminal = self.to_terminal and self.interactive
        total = table.num_rows
        if terminal and self.fmt == "table" and total > MAX_SHOWN_ROWS:
            table = table.slice(0, MAX_SHOWN_ROWS)
        size = shutil.get_terminal_size()
        width = size.columns if terminal else None
        expanded = self.expanded == "on"
        if self.expanded == "auto" and width is not None and self.fmt == "table":
            natural = render(table, "table", unicode=self.unicode, total_rows=total, count=count)
            expanded = any(text_width(line) > width for line in natural.splitlines())
        text = render(table, self.fmt, expanded=expanded, max_width=None if expanded else width, unicode=self.unicode, total_rows=total, count=count)
        if self.fmt == "table":
            text = "\n".join(([title] if title else []) + [text] + (footer or []))
        if not text:
            return
        if terminal and self.pager and text.count("\n") + 1 > size.lines - 2:
            command = pager_command()
            if command is not None and page(text, command):
                return
        self.write(text)

    def time(self, elapsed: float) -> None:
        ms = 1000 * elapsed
        text = f"Time: {ms:.3f} ms" + (f" ({elapsed:.3f} s)" if elapsed >= 1 else "")
        # with csv or json on standard output, timings would corrupt the data: they go to stderr
        if self.fmt == "table":
            self.write(text)
        else:
            print(text, file=sys.stderr, flush=True)

    def write(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def message(self, text: str) -> None:
        """A backslash command's acknowledgement ("Timing is on."): on the screen in the
        shell, on standard error in scripts so that it never mixes into csv or json."""
        print(text, file=sys.stdout if self.interactive else sys.stderr, flush=True)
