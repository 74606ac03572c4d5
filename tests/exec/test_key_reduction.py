"""A join's keys handed to its other input (``warehouse.exec.key_reduction``).

Every query runs three ways over the same tables: with the reduction forced on for any
input size, with it off, and in DuckDB.  All three must agree; the forced run must really
have filtered an input (so a reduction that silently stopped applying is caught), and the
shapes where filtering the other input would change the answer must be left alone.
"""

from __future__ import annotations

import decimal

import duckdb
import numpy as np
import pytest

import warehouse
from warehouse.exec import key_reduction

TABLES = {
    "part": "(p_key INTEGER, p_brand VARCHAR(10), p_size INTEGER)",
    "item": "(i_part INTEGER, i_supp INTEGER, i_qty DECIMAL(12,2), i_tag VARCHAR(10))",
    "supp": "(s_key INTEGER, s_nation INTEGER, s_name VARCHAR(20))",
    "partsupp": "(ps_part INTEGER, ps_supp INTEGER, ps_avail INTEGER, ps_cost DECIMAL(12,2))",
}


def _rows():
    rng = np.random.default_rng(17)
    part = [(k, f"B{k % 7}", int(rng.integers(1, 20))) for k in range(1, 401)]
    part.append((None, "B1", 3))
    item = []
    for _ in range(6000):
        p = int(rng.integers(1, 420))  # some parts without a part row
        s = int(rng.integers(1, 30))
        item.append((p, s, decimal.Decimal(int(rng.integers(1, 5000))) / 100, f"t{p % 11}"))
    item += [(None, 3, decimal.Decimal("1.00"), None), (5, None, decimal.Decimal("2.00"), "t5")]
    supp = [(k, k % 5, f"supplier{k}") for k in range(1, 31)]
    partsupp = [(p, s, int(rng.integers(1, 100)), decimal.Decimal(int(rng.integers(100, 99999))) / 100) for p in range(1, 401) for s in (p % 29 + 1, (p * 7) % 29 + 1)]
    return {"part": part, "item": item, "supp": supp, "partsupp": partsupp}


QUERIES = [
    # Q17: a correlated scalar aggregate (LEFT JOIN to an aggregate grouped by the key)
    """SELECT sum(i_qty) FROM item, part WHERE p_key = i_part AND p_brand = 'B3' AND p_size < 8
       AND i_qty < (SELECT 0.5 * avg(i_qty) FROM item WHERE i_part = p_key)""",
    # Q20: IN over a subquery with a two-column correlated aggregate
    """SELECT s_name FROM supp WHERE s_key IN (SELECT ps_supp FROM partsupp WHERE ps_part IN
       (SELECT p_key FROM part WHERE p_brand = 'B2') AND ps_avail > (SELECT 0.05 * sum(i_qty)
       FROM item WHERE i_part = ps_part AND i_supp = ps_supp)) ORDER BY s_name""",
    # Q2: a minimum over a join, per key
    """SELECT p_key, ps_supp FROM part, partsupp WHERE p_key = ps_part AND p_size = 4 AND ps_cost =
       (SELECT min(ps_cost) FROM partsupp, supp WHERE p_key = ps_part AND s_key = ps_supp AND s_nation < 3)
       ORDER BY 1, 2""",
    # semi and anti joins over aggregates, with HAVING
    """SELECT p_key FROM part WHERE p_size = 2 AND p_key IN (SELECT i_part FROM item GROUP BY i_part
       HAVING count(*) > 14) ORDER BY 1""",
    """SELECT p_key FROM part WHERE p_size = 2 AND NOT EXISTS (SELECT 1 FROM (SELECT i_part, sum(i_qty) q
       FROM item GROUP BY i_part) g WHERE g.i_part = p_key AND q > 300) ORDER BY 1""",
    # NOT IN: a NULL among the subquery's keys matters, so it is never filtered
    """SELECT count(*) FROM part WHERE p_size = 2 AND p_key NOT IN (SELECT i_part FROM item GROUP BY i_part)""",
    # an explicit LEFT JOIN to an aggregate, string keys, NULL keys on both sides
    """SELECT p_brand, g.n FROM (SELECT p_brand FROM part WHERE p_size = 5 GROUP BY p_brand) b
       LEFT JOIN (SELECT i_tag, count(*) n FROM item GROUP BY i_tag) g ON g.i_tag = 't' || substring(p_brand, 2)
       ORDER BY 1""",
    """SELECT p_key, g.s FROM part LEFT JOIN (SELECT i_part, sum(i_qty) s FROM item GROUP BY i_part) g
       ON g.i_part = p_key WHERE p_size = 3 OR p_key IS NULL ORDER BY 1 NULLS LAST""",
    # a RIGHT JOIN keeps the aggregate's rows without a match: never filtered
    """SELECT count(*), sum(g.s) FROM (SELECT p_key FROM part WHERE p_size = 3) p RIGHT JOIN
       (SELECT i_part, sum(i_qty) s FROM item GROUP BY i_part) g ON g.i_part = p.p_key""",
    # a LIMIT under the aggregate: rows are filtered above it, never inside it
    """SELECT p_key, g.s FROM part LEFT JOIN (SELECT i_part, sum(i_qty) s FROM (SELECT * FROM item
       ORDER BY i_qty, i_part, i_supp LIMIT 500) l GROUP BY i_part) g ON g.i_part = p_key
       WHERE p_size = 3 ORDER BY 1""",
]


@pytest.fixture(scope="module")
def engines():
    rows = _rows()
    con = warehouse.connect()
    duck = duckdb.connect()
    for name, cols in TABLES.items():
        con.execute(f"CREATE TABLE {name} {cols}")
        duck.execute(f"CREATE TABLE {name} {cols.replace('VARCHAR(10)', 'VARCHAR').replace('VARCHAR(20)', 'VARCHAR')}")
        marks = ", ".join(["%s"] * len(rows[name][0]))
        con.cursor().executemany(f"INSERT INTO {name} VALUES ({marks})", rows[name])
        duck.executemany(f"INSERT INTO {name} VALUES ({', '.join(['?'] * len(rows[name][0]))})", rows[name])
    return con, duck


def _norm(rows):
    return [tuple(float(v) if isinstance(v, decimal.Decimal) else v for v in r) for r in rows]


@pytest.mark.parametrize("sql", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_reduction_keeps_answers(engines, sql, monkeypatch):
    con, duck = engines
    expected = _norm(duck.execute(sql).fetchall())
    monkeypatch.setattr(key_reduction, "MIN_REDUCTION", 10**9)  # off
    off = _norm(con.execute(sql).fetchall())
    applied = []
    keep = key_reduction._keep_matching

    def counting(*args):
        applied.append(args[1])
        return keep(*args)

    monkeypatch.setattr(key_reduction, "MIN_REDUCTION", 0)  # on, whatever the sizes
    monkeypatch.setattr(key_reduction, "_keep_matching", counting)
    on = _norm(con.execute(sql).fetchall())
    assert off == expected
    assert on == expected
    if "RIGHT JOIN" not in sql and "NOT IN" not in sql:
        assert applied, "the reduction did not apply"


def test_shapes_left_alone(engines, monkeypatch):
    """RIGHT joins and NOT IN never hand keys to their other input."""
    con, _ = engines
    applied = []
    monkeypatch.setattr(key_reduction, "MIN_REDUCTION", 0)
    monkeypatch.setattr(key_reduction, "_keep_matching", lambda *a: applied.append(a) or a[0])
    con.execute(QUERIES[5]).fetchall()
    con.execute(QUERIES[8]).fetchall()
    assert not applied
