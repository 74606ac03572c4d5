"""Show text longer than the screen through a pager, as psql does.

The command is ``$WAREHOUSE_PAGER``, else ``$PAGER``, else ``less -SRFX`` (or ``more``);
an empty variable turns paging off.  ``-S`` keeps rows on one line (scroll sideways), ``-F``
quits at once when the text fits, ``-X`` leaves it on the screen afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess


def pager_command() -> str | None:
    """The pager to run, or None when paging is off or no pager is installed."""
    for var in ("WAREHOUSE_PAGER", "PAGER"):
        if var in os.environ:
            return os.environ[var].strip() or None
    if shutil.which("less"):
        return "less -SRFX"
    if shutil.which("more"):
        return "more"
    return None


def page(text: str, command: str) -> bool:
    """Pipe ``text`` through ``command``; False when it could not run (print it instead).

    Ctrl-C belongs to the pager while it runs (less uses it to stop a search), so the shell
    ignores SIGINT until the pager exits.
    """
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, encoding="utf-8", errors="replace")
    except OSError:
        signal.signal(signal.SIGINT, old)
        return False
    try:
        assert proc.stdin is not None
        proc.stdin.write(text if text.endswith("\n") else text + "\n")
        proc.stdin.close()
    except BrokenPipeError:  # the user quit the pager before reading everything
        pass
    finally:
        proc.wait()
        signal.signal(signal.SIGINT, old)
    return proc.returncode != 127  # 127: the shell did not find the command
