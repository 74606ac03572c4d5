"""The ``warehouse`` console script: one-shot SQL, scripts, formats, exit codes, errors."""

from __future__ import annotations

import subprocess
import sys

from warehouse.cli.main import main


def test_command_prints_aligned_table(capsys, tmp_path):
    db = str(tmp_path / "t.wh")
    assert main([db, "-c", "CREATE TABLE t (a INT, s VARCHAR(5))", "-c", "INSERT INTO t VALUES (1, 'x'), (22, NULL)"]) == 0
    assert main([db, "-c", "SELECT a, s FROM t ORDER BY a"]) == 0
    out = capsys.readouterr().out
    assert "a  |  s" in out.splitlines()
    assert " 1 | x" in out.splitlines() and "22 | NULL" in out.splitlines()
    assert "(2 rows)" in out


def test_csv_format_and_script_file(capsys, tmp_path):
    script = tmp_path / "q.sql"
    script.write_text("SELECT 1 AS one, NULL AS n, 'x' AS s;\nSELECT 2 AS two;")
    assert main(["-f", str(script), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["one,n,s", "1,,x", "two", "2"]


def test_error_is_one_line_with_sqlstate_and_nonzero_exit(capsys):
    assert main(["-c", "SELECT pric FROM nowhere"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == 'ERROR: 42P01: relation "nowhere" does not exist'
    assert "Traceback" not in err


def test_stdin_and_version():
    run = subprocess.run([sys.executable, "-m", "warehouse.cli.main"], input="SELECT 40 + 2 AS answer", capture_output=True, text=True, check=True)
    assert "42" in run.stdout
    version = subprocess.run([sys.executable, "-m", "warehouse.cli.main", "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("warehouse ")
