"""Compile (or load from numba's disk cache) every kernel signature queries use.

``kernels.warmup`` covers the hash, join, aggregate, sort and window kernels directly; a
small SQL workload then runs through the whole engine so the date, string, encoding and
arithmetic kernels are compiled with the exact signatures real queries pass.
"""

from __future__ import annotations

import time

WORKLOAD = """
CREATE TABLE w (k INTEGER, b BIGINT, d DECIMAL(12,2), f DOUBLE PRECISION, s VARCHAR(20), c CHAR(1), dt DATE, ts TIMESTAMP, ok BOOLEAN) DISTSTYLE KEY DISTKEY(k) SORTKEY(dt);
INSERT INTO w VALUES (1, 10, 1.50, 0.5, 'alpha', 'A', '1994-01-01', '1994-01-01 10:00:00', true),
  (2, NULL, 2.25, NULL, 'beta', 'B', '1995-06-30', '1995-06-30 23:59:59', false),
  (3, 30, NULL, 2.5, NULL, 'A', NULL, NULL, NULL);
SELECT c, count(*), sum(d), avg(d), min(f), max(s), count(DISTINCT k), sum(d * (1 - d)), avg(b) FROM w WHERE dt <= DATE '1998-12-01' - INTERVAL '90' day GROUP BY c ORDER BY c;
SELECT extract(year FROM dt), date_trunc('month', ts), dateadd(month, 1, dt), datediff(day, dt, DATE '2000-01-01'), substring(s, 1, 2), upper(s), s || c, s LIKE 'al%', d / 3, f * 2, nvl(b, 0), CASE WHEN k > 1 THEN 'x' ELSE 'y' END FROM w;
SELECT a.k, row_number() OVER (PARTITION BY a.c ORDER BY a.d), sum(a.d) OVER (PARTITION BY a.c), rank() OVER (ORDER BY a.k) FROM w a JOIN w b ON a.k = b.k LEFT JOIN w c2 ON a.s = c2.s WHERE EXISTS (SELECT 1 FROM w x WHERE x.k = a.k) AND a.k NOT IN (SELECT 7) ORDER BY 1 LIMIT 2;
SELECT k FROM w UNION SELECT k FROM w INTERSECT SELECT k FROM w;
SELECT count(*) FROM (SELECT k, s FROM w GROUP BY k, s) t;
"""


def warmup() -> float:
    """Run both warm-ups; returns the seconds taken."""
    started = time.perf_counter()
    from kernels.warmup import warmup as kernel_warmup

    kernel_warmup()
    import warehouse

    con = warehouse.connect(":memory:")
    try:
        from warehouse.sql.dialect import Warehouse, parse

        for ast in parse(WORKLOAD):
            con._session.execute_ast(ast, ast.sql(dialect=Warehouse), [])  # noqa: SLF001
    finally:
        con.close()
    return time.perf_counter() - started
