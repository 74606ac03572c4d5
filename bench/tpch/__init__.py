"""TPC-H benchmark: schema, the 22 queries, data generation and a side-by-side runner.

``python -m bench.tpch --scale 1`` runs it (see docs/benchmarks.md).
"""
from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUERY_DIR = HERE / "queries"
DDL_PATH = HERE / "ddl.sql"
QUERY_NUMBERS = tuple(range(1, 23))


def query_path(n: int) -> Path:
    return QUERY_DIR / f"q{n:02d}.sql"


def load_query(n: int) -> str:
    """Text of TPC-H query ``n`` (Redshift SQL) without the trailing semicolon."""
    text = query_path(n).read_text()
    return text.strip().rstrip(";").strip()


def _strip_line_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def ddl_statements() -> dict[str, str]:
    """``{table: "CREATE TABLE ..."}`` from ddl.sql, in file order (comment lines dropped)."""
    out: dict[str, str] = {}
    for stmt in _strip_line_comments(DDL_PATH.read_text()).split(";"):
        stmt = stmt.strip()
        if not stmt:
            continue
        m = re.match(r"CREATE\s+TABLE\s+(\w+)", stmt, re.IGNORECASE)
        if not m:
            raise ValueError(f"unexpected statement in {DDL_PATH}: {stmt[:60]!r}")
        out[m.group(1).lower()] = stmt
    return out
