"""The ``warehouse`` CLI and external tables: Hive's ``SET hivevar:NAME=value;`` inside scripts,
and ``\\d``, ``\\dt``, ``\\dn``, ``\\d NAME`` showing external tables."""

from __future__ import annotations

import warehouse
from warehouse.cli.display import Display
from warehouse.cli.main import main
from warehouse.cli.runner import Runner, hive_set


def test_hive_set_statement_parsing():
    assert hive_set("SET hivevar:INPUT=s3://bucket/in;") == ("hivevar", "INPUT", "s3://bucket/in")
    assert hive_set("-- the input\nset HIVECONF:n = 5 ;") == ("hiveconf", "n", "5")
    assert hive_set("SET hivevar:Q='quoted';") == ("hivevar", "Q", "'quoted'")  # quotes stay, as in Hive
    assert hive_set("SET hivevar:SHOWN;") == ("hivevar", "SHOWN", None)
    assert hive_set("SET search_path = public;") is None
    assert hive_set("SELECT 'SET hivevar:x=1';") is None


def test_set_hivevar_defines_variables_in_scripts(capsys, tmp_path):
    script = tmp_path / "lab.q"
    script.write_text(
        "SET hivevar:BUCKET=s3://logs;\n"
        "SET hiveconf:DAYS=31;\n"
        "SET hivevar:INPUT=${BUCKET}/cloudfront/data;\n"  # substituted when set, as Hive does
        "SELECT '${INPUT}' AS input, ${hiveconf:DAYS} + 1 AS n, '${hivevar:BUCKET}' AS b;\n"
        "SET hivevar:INPUT;\n"
    )
    assert main(["-f", str(script), "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["input,n,b", "s3://logs/cloudfront/data,32,s3://logs", "hivevar:INPUT=s3://logs/cloudfront/data"]
    # a variable used before its SET is still an error naming it
    script.write_text("SELECT '${LATER}';\nSET hivevar:LATER=x;\n")
    assert main(["-f", str(script)]) == 1
    assert "${LATER}" in capsys.readouterr().err
    # --define and SET mix; SET replaces the value
    script.write_text("SET hivevar:N=2;\nSELECT ${N} AS n;\n")
    assert main(["-f", str(script), "--format", "csv", "--define", "N=1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "2"]


def test_backslash_d_shows_external_tables(capsys):
    con = warehouse.connect(":memory:")
    try:
        r = Runner(con, Display(), interactive=False)
        assert r.run_text(
            "CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE 'lake';\n"
            "CREATE EXTERNAL TABLE spectrum.sales (id int, amount decimal(8,2)) PARTITIONED BY (saledate date)\n"
            "  STORED AS PARQUET LOCATION 's3://lake/sales/' TBLPROPERTIES ('classification' = 'parquet');\n"
            "ALTER TABLE spectrum.sales ADD PARTITION (saledate='2024-01-01');\n"
            "CREATE TABLE local_t (a int);\n"
        )
        capsys.readouterr()
        assert r.run_text("\\d")
        out = capsys.readouterr().out
        assert "spectrum | sales   | external table | admin" in out and "public   | local_t | table" in out
        assert r.run_text("\\dt")
        out = capsys.readouterr().out
        assert "spectrum | sales   | admin | NULL" in out and "PARQUET s3://lake/sales/" in out
        assert r.run_text("\\dn")
        assert "external: database 'lake'" in capsys.readouterr().out
        assert r.run_text("\\d spectrum.sales")
        out = capsys.readouterr().out
        assert 'External table "spectrum.sales"' in out
        lines = [ln.split("|") for ln in out.splitlines() if "|" in ln]
        rows = {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in lines}
        assert rows["id"] == ["int", "integer", "NULL"]
        assert rows["amount"] == ["decimal(8,2)", "numeric(8,2)", "NULL"]
        assert rows["saledate"] == ["date", "date", "1"]
        assert "Location: s3://lake/sales/" in out and "Format: PARQUET" in out
        assert "Partitions: 1 registered" in out and "classification=parquet" in out
        # found through the schemas when not qualified, and by pattern
        assert r.run_text("\\d sales")
        assert 'External table "spectrum.sales"' in capsys.readouterr().out
        assert r.run_text("\\d spectrum.*")
        assert 'External table "spectrum.sales"' in capsys.readouterr().out
        # and SQL DESCRIBE through the shell
        assert r.run_text("DESCRIBE spectrum.sales;")
        assert "# Partition Information" in capsys.readouterr().out
    finally:
        con.close()
