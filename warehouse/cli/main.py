"""``warehouse``: run SQL against a database directory from the command line.

    warehouse [PATH] -c "SELECT ..."     run statements, print results, exit non-zero on error
    warehouse [PATH] -f script.sql       run a script
    echo "SELECT 1" | warehouse [PATH]   statements from standard input
    warehouse warmup                     compile and cache every kernel (run at install)

Errors are one line (SQLSTATE and message) without a traceback unless ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
import time

from warehouse import __version__

EPILOG = """examples:
  warehouse tpch.wh -c "SELECT count(*) FROM lineitem"
  warehouse tpch.wh -f load.sql --format csv > out.csv
  echo "SELECT 1" | warehouse
  warehouse warmup
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="warehouse",
        description="An embedded data warehouse that speaks Amazon Redshift's SQL.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", nargs="?", default=":memory:", help='database directory (created if missing); "warmup" compiles the kernels; default: in memory')
    p.add_argument("-c", "--command", action="append", default=[], help="SQL to run (repeatable)")
    p.add_argument("-f", "--file", action="append", default=[], help="SQL script to run (repeatable)")
    p.add_argument("--format", choices=["table", "csv"], default="table", help="result format (default: table)")
    p.add_argument("--timing", action="store_true", help="print each statement's elapsed time")
    p.add_argument("--nodes", type=int, default=None, help="simulated compute nodes (new databases)")
    p.add_argument("--slices-per-node", type=int, default=None, help="slices per node (new databases)")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    p.add_argument("--version", action="version", version=f"warehouse {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "serve":  # the PostgreSQL-protocol server (warehouse/cli/serve.py)
        from warehouse.cli.serve import main as serve_main

        return serve_main(argv[1:])
    args = _parser().parse_args(argv)
    if args.path == "warmup" and not args.command and not args.file:
        from warehouse.cli.warmup import warmup

        seconds = warmup()
        print(f"kernels ready ({seconds:.1f} s)")
        return 0
    scripts = list(args.command)
    for name in args.file:
        with open(name, encoding="utf-8") as fh:
            scripts.append(fh.read())
    if not scripts:
        if sys.stdin.isatty():
            print("the interactive shell is not available yet; use -c, -f or pipe SQL on standard input", file=sys.stderr)
            return 2
        scripts.append(sys.stdin.read())
    import warehouse

    try:
        con = warehouse.connect(args.path, nodes=args.nodes, slices_per_node=args.slices_per_node)
    except warehouse.Error as e:
        print(f"ERROR: {e.sqlstate}: {e.message}", file=sys.stderr)
        return 1
    from warehouse.cli.render import render_csv, render_table
    from warehouse.sql.dialect import Warehouse, parse

    try:
        for script in scripts:
            for ast in parse(script):
                started = time.perf_counter()
                result = con._session.execute_ast(ast, ast.sql(dialect=Warehouse), [])  # noqa: SLF001
                for notice in result.notices:
                    print(f"NOTICE: {notice}", file=sys.stderr)
                if result.table is not None:
                    print(render_csv(result.table) if args.format == "csv" else render_table(result.table))
                elif args.format == "table":
                    print(result.status)
                if args.timing:
                    print(f"Time: {1000 * (time.perf_counter() - started):.1f} ms")
    except warehouse.Error as e:
        if args.debug:
            raise
        print(f"ERROR: {e.sqlstate}: {e.message}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
