"""`make demo`: load TPC-H into a fresh database directory and run a few queries.

    python bench/demo.py [--scale 0.1] [--db demo.wh]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import warehouse  # noqa: E402
from bench.tpch import ddl_statements, load_query  # noqa: E402
from bench.tpch.datagen import TABLES, ensure_data, table_files  # noqa: E402

REVENUE_BY_NATION = """
SELECT n_name AS nation,
       count(DISTINCT o_orderkey) AS orders,
       sum(l_extendedprice * (1 - l_discount)) AS revenue
FROM customer
JOIN orders   ON o_custkey = c_custkey
JOIN lineitem ON l_orderkey = o_orderkey
JOIN nation   ON n_nationkey = c_nationkey
WHERE o_orderdate >= date '1994-01-01' AND o_orderdate < date '1995-01-01'
GROUP BY n_name
ORDER BY revenue DESC
LIMIT 8
""".strip()

SHOWCASE = [
    ("TPC-H Q1: pricing summary report", load_query(1)),
    ("TPC-H Q3: shipping priority (top 10 orders)", load_query(3)),
    ("TPC-H Q6: forecasting revenue change", load_query(6)),
    ("Join + GROUP BY: 1994 revenue by customer nation", REVENUE_BY_NATION),
]


def fmt(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, float):
        return f"{v:,.4f}"
    if isinstance(v, Decimal):
        return f"{v:,}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    return str(v)


def print_table(names, rows, max_width=32) -> None:
    cells = [[fmt(v)[:max_width] for v in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float, Decimal)) or r[i] is None for r in rows)
               for i in range(len(names))]

    def line(vals):
        return " | ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(vals, widths, numeric))

    print("  " + line(names))
    print("  " + "-+-".join("-" * w for w in widths))
    for r in cells:
        print("  " + line(r))
    print(f"  ({len(rows)} row{'s' if len(rows) != 1 else ''})")


def run_query(con, sql):
    t0 = time.perf_counter()
    table = con.execute(sql).fetch_arrow_table()
    return table, (time.perf_counter() - t0) * 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--db", default=str(ROOT / "demo.wh"))
    args = ap.parse_args(argv)

    data = ensure_data(args.scale)
    files = table_files(data)
    db = Path(args.db)
    if db.exists():
        shutil.rmtree(db)

    failures = 0
    print(f"== warehouse demo: TPC-H SF{args.scale:g} into {db}\n")
    con = warehouse.connect(str(db))
    try:
        ddl = ddl_statements()
        t_all = time.perf_counter()
        for table in TABLES:
            t0 = time.perf_counter()
            con.execute(ddl[table])
            con.execute(f"COPY {table} FROM '{files[table]}' FORMAT AS PARQUET")
            con.commit()
            (count,), = con.execute(f"SELECT count(*) FROM {table}").fetchall()
            print(f"  COPY {table:<9} {count:>10,} rows  {(time.perf_counter() - t0) * 1000:8.0f} ms")
        print(f"  loaded in {time.perf_counter() - t_all:.2f} s\n")

        for title, sql in SHOWCASE:
            print(f"== {title}")
            try:
                table, first_ms = run_query(con, sql)
                _, again_ms = run_query(con, sql)
            except warehouse.Error as exc:
                failures += 1
                print(f"  ERROR {type(exc).__name__}: {exc}\n")
                continue
            print_table(table.column_names, [tuple(r.values()) for r in table.to_pylist()])
            print(f"  first run {first_ms:.1f} ms, second run {again_ms:.1f} ms\n")

        print("== svv_table_info: how each table is distributed and sorted")
        try:
            info, _ = run_query(con, 'SELECT * FROM svv_table_info ORDER BY "table"')
            wanted = [c for c in ("table", "diststyle", "sortkey1", "encoded", "tbl_rows", "size",
                                  "skew_rows", "unsorted") if c in info.column_names] or info.column_names
            info = info.select(wanted)
            print_table(info.column_names, [tuple(r.values()) for r in info.to_pylist()])
        except warehouse.Error as exc:
            failures += 1
            print(f"  ERROR {type(exc).__name__}: {exc}")
    finally:
        con.close()
    print(f"\nThe database stays in {db}; open it again with warehouse.connect({str(db)!r}).")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
