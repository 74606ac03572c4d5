"""Run one statement on a worker thread so that Ctrl-C cancels the statement, not the shell.

Python delivers SIGINT to the main thread only, so the main thread waits on the worker in
short ticks: a ``KeyboardInterrupt`` there becomes ``session.cancel()``, and the statement
raises ``QueryCanceled`` (57014) at its next operator boundary.  The ticks also redraw the
progress line.  The cancel is repeated each tick until the statement ends, because a
statement clears the cancel flag as it starts.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from warehouse.cli.progress_line import ProgressLine
from warehouse.result import Result

TICK = 0.1  # seconds between progress redraws / cancel checks


def run_statement(session: Any, sql: str, progress: ProgressLine | None = None) -> Result:
    """``session.execute(sql)`` on a worker thread; its result, or the error it raised."""
    box: dict[str, Any] = {}
    # an Event, not Thread.join: a join interrupted by Ctrl-C can report a running thread
    # as finished (CPython gh-90882)
    done = threading.Event()

    def work() -> None:
        try:
            box["result"] = session.execute(sql)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread as is
            box["error"] = e
        finally:
            done.set()

    previous = session.progress
    if progress is not None:
        progress.start()
        session.progress = progress
    thread = threading.Thread(target=work, name="statement", daemon=True)
    canceled = False
    try:
        thread.start()
        while not done.is_set():
            try:
                if done.wait(TICK):
                    break
                if canceled:
                    session.cancel()
                elif progress is not None:
                    progress.tick()
            except KeyboardInterrupt:
                if not canceled and progress is not None:
                    progress.clear()
                    print("Cancel request sent", file=sys.stderr, flush=True)
                canceled = True
                session.cancel()
    finally:
        if progress is not None:
            progress.clear()
        session.progress = previous
    if "error" in box:
        raise box["error"]
    result: Result = box["result"]
    return result
