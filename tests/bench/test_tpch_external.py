"""TPC-H SF0.01 over external Parquet tables (the files read in place) against the same
files loaded into stored tables: every answer equal, and every join order the same (the
external tables' footer row counts and key NDVs stand in for stored tables' statistics)."""

from __future__ import annotations

import re

import pytest

import warehouse
from bench.tpch import QUERY_NUMBERS, ddl_statements, load_query
from bench.tpch.datagen import TABLES, ensure_data, table_files
from bench.tpch.runner import compare_results, external_ddl


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    try:
        data = ensure_data(0.01, "parquet", tmp_path_factory.mktemp("tpch"), quiet=True)
    except FileNotFoundError as exc:  # tpchgen-cli missing
        pytest.skip(str(exc))
    files = table_files(data)
    folders = tmp_path_factory.mktemp("external")
    ext = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    local = warehouse.connect(":memory:", nodes=2, slices_per_node=2)
    ddl = ddl_statements()
    for t in TABLES:
        folder = folders / t
        folder.mkdir()
        (folder / files[t].name).symlink_to(files[t].resolve())
        ext.execute(external_ddl(ddl[t], folder))
        local.execute(ddl[t])
        local.execute(f"COPY {t} FROM '{files[t]}' FORMAT AS PARQUET")
    yield ext, local
    ext.close()
    local.close()


def _shape(con, sql: str) -> list[str]:
    """The plan's operators and scanned tables, without filter/projection placement."""
    out = []
    for (line,) in con.execute("EXPLAIN " + sql).fetchall():
        m = re.match(r"\s*-> (\w+)", line)
        if m is None or m.group(1) in ("Filter", "Project"):
            continue
        if m.group(1) in ("Scan", "ExternalScan"):
            out.append("scan " + re.search(r"Scan (?:public\.)?(\w+)", line).group(1))
        elif m.group(1) == "Join":
            out.append(line.strip().split(" on ")[0].split(" [")[0])
        else:
            out.append(m.group(1))
    return out


@pytest.mark.parametrize("n", QUERY_NUMBERS)
def test_external_answer_and_plan_match_stored_tables(engines, n):
    ext, local = engines
    sql = load_query(n)
    assert _shape(ext, sql) == _shape(local, sql)
    got = ext.execute(sql).fetch_arrow_table()
    want = local.execute(sql).fetch_arrow_table()
    ok, detail = compare_results(got, want, ordered="order by" in sql.lower())
    assert ok, detail
