"""``warehouse``: the console script.  Options, subcommands, and which mode runs.

With ``-c``/``-f`` or SQL piped on standard input it runs a script: results on standard
output, errors on standard error, exit status 0 (ok), 1 (an SQL error; the first one stops
the script unless ``--continue-on-error``) or 2 (bad usage).  On a terminal with neither, it
starts the interactive shell (``warehouse.cli.shell``).  ``serve`` and ``warmup`` are
subcommands.  A traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from warehouse import __version__
from warehouse.cli.formats import FORMATS

DESCRIPTION = """An embedded data warehouse that speaks Amazon Redshift's SQL.

Opens the database directory PATH (created if missing; in memory without PATH) and runs SQL
from -c, -f or standard input, or starts the interactive shell when standard input is a
terminal."""

EPILOG = r"""subcommands:
  warehouse serve PATH [--host HOST] [--port PORT] ...
                        PostgreSQL-protocol server on the database directory, for psql,
                        psycopg and BI tools (see docs/server.md; warehouse serve --help)
  warehouse warmup      compile and cache every kernel, so the first queries are fast
                        (run once after installing)

examples:
  warehouse tickit.wh                           interactive shell (created if missing)
  warehouse                                     interactive shell on an in-memory database
  warehouse tickit.wh -c "SELECT count(*) FROM users"
  warehouse tickit.wh -f load.sql --format csv > out.csv
  warehouse tickit.wh -c '\d users'             backslash commands work in scripts too
  echo "SELECT 1" | warehouse tickit.wh
  warehouse tickit.wh -f load.sql --continue-on-error --timing

in the shell: statements end with ";"; \? lists the backslash commands (\d, \dt, \dn, \dv,
\df, \i, \o, \x, \timing, \format, \pager, \conninfo, \q); Tab completes, Ctrl-R searches
the history (~/.warehouse_history), Ctrl-C cancels the running statement, Ctrl-D quits.
See docs/shell.md.

exit status: 0 ok, 1 an SQL error, 2 bad usage (unknown option, unreadable -f file)."""


class _Ordered(argparse.Action):
    """-c and -f append to one list, so they run in the order given."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None) -> None:
        items = list(getattr(namespace, self.dest) or [])
        items.append((self.const, values))
        setattr(namespace, self.dest, items)


def parser() -> argparse.ArgumentParser:
    """The argument parser (also documents every option in ``--help``)."""
    p = argparse.ArgumentParser(prog="warehouse", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", nargs="?", default=":memory:", metavar="PATH", help="database directory (created if missing); default: in memory")
    p.add_argument("-c", "--command", dest="scripts", action=_Ordered, const="command", metavar="SQL", help="run SQL or a backslash command, then exit (repeatable)")
    p.add_argument("-f", "--file", dest="scripts", action=_Ordered, const="file", metavar="FILE", help='run the script FILE ("-" for standard input), then exit (repeatable)')
    p.add_argument("-d", "--define", "--hivevar", "--hiveconf", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                   help="set a variable: ${NAME} (or ${hiveconf:NAME}) in statements is replaced by VALUE (repeatable)")
    p.add_argument("--format", choices=FORMATS, default="table", help="result format (default: table)")
    p.add_argument("-x", "--expanded", action="store_true", help="expanded output: one block per row")
    p.add_argument("-o", "--output", metavar="FILE", help="write results to FILE instead of standard output")
    p.add_argument("--timing", action="store_true", help="print each statement's elapsed time")
    p.add_argument("--continue-on-error", action="store_true", help="in scripts, go on after a failed statement (exit status is still 1)")
    p.add_argument("--no-pager", action="store_true", help="never page long results in the shell")
    p.add_argument("--nodes", type=int, default=None, help="simulated compute nodes (new databases)")
    p.add_argument("--slices-per-node", type=int, default=None, help="slices per node (new databases; default: CPU count)")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks with errors")
    p.add_argument("--version", action="version", version=f"warehouse {__version__}")
    return p


def _warmup(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="warehouse warmup", description="Compile (or load from numba's cache) every kernel and run a small SQL workload, so the first real queries do not wait for compilation.")
    p.parse_args(argv)
    from warehouse.cli.warmup import warmup

    print(f"kernels ready ({warmup():.1f} s)")
    return 0


def _read_scripts(items: list[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """(text, source name) for each -c / -f in order; OSError when a file cannot be read."""
    out: list[tuple[str, str | None]] = []
    for kind, value in items:
        if kind == "command":
            out.append((value, None))
        elif value == "-":
            out.append((sys.stdin.read(), "<stdin>"))
        else:
            with open(value, encoding="utf-8") as fh:
                out.append((fh.read(), value))
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``warehouse`` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "serve":  # the PostgreSQL-protocol server (warehouse/cli/serve.py)
        from warehouse.cli.serve import main as serve_main

        return serve_main(argv[1:])
    if argv and argv[0] == "warmup":
        return _warmup(argv[1:])
    p = parser()
    args = p.parse_args(argv)
    args.variables = {}
    for d in args.defines:
        name, eq, value = d.partition("=")
        if not eq or not name.strip():
            p.error(f"--define expects NAME=VALUE, not {d!r}")
        args.variables[name.strip()] = value
    try:
        scripts = _read_scripts(args.scripts or [])
    except OSError as e:
        print(f"warehouse: cannot read {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    interactive = not scripts and sys.stdin.isatty()
    if not scripts and not interactive:
        scripts = [(sys.stdin.read(), "<stdin>")]
    try:
        return _run(args, scripts, interactive)
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace, scripts: list[tuple[str, str | None]], interactive: bool) -> int:
    import warehouse
    from warehouse.cli.display import Display
    from warehouse.cli.messages import error_text
    from warehouse.cli.runner import Runner

    try:
        con = warehouse.connect(args.path, nodes=args.nodes, slices_per_node=args.slices_per_node)
    except Exception as e:  # noqa: BLE001 - the outer boundary
        if args.debug:
            raise
        print(error_text(e), file=sys.stderr)
        return 1
    display = Display(args.format, "on" if args.expanded else "off", args.timing, not args.no_pager, interactive)
    try:
        if args.output:
            display.set_output(args.output)
        runner = Runner(con, display, interactive=interactive, continue_on_error=args.continue_on_error, debug=args.debug)
        runner.variables.update(args.variables)
        if interactive:
            from warehouse.cli.shell import run_shell

            return run_shell(runner, args.path)
        try:
            for text, source in scripts:
                if not runner.run_text(text, source) and not args.continue_on_error or runner.quit:
                    break
        except KeyboardInterrupt:
            print("ERROR: 57014: canceling statement due to user request", file=sys.stderr)
            return 1
        return 1 if runner.errors else 0
    except OSError as e:  # -o FILE that cannot be written
        print(f"warehouse: cannot write {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    finally:
        display.close()
        con.close()


if __name__ == "__main__":
    sys.exit(main())
