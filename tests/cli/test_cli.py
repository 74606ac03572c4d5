"""The ``warehouse`` console script without a terminal: -c, -f, stdin, formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from warehouse.cli.main import main

SETUP = "CREATE TABLE t (a INT, s VARCHAR(5), d DECIMAL(6,2), ok BOOLEAN)"
ROWS = "INSERT INTO t VALUES (1, 'x', 1.50, true), (22, NULL, NULL, false)"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process (no terminal: script mode)."""
    return subprocess.run([sys.executable, "-m", "warehouse.cli", *args], input=stdin or "", capture_output=True, text=True, timeout=60)


def test_command_prints_aligned_table(capsys, tmp_path):
    db = str(tmp_path / "t.wh")
    assert main([db, "-c", SETUP, "-c", ROWS]) == 0
    assert main([db, "-c", "SELECT a, s FROM t ORDER BY a"]) == 0
    out = capsys.readouterr().out
    assert "a  |  s" in out.splitlines()
    assert " 1 | x" in out.splitlines() and "22 | NULL" in out.splitlines()
    assert "(2 rows)" in out


def test_formats(capsys, tmp_path):
    db = str(tmp_path / "t.wh")
    assert main([db, "-c", SETUP, "-c", ROWS]) == 0
    capsys.readouterr()
    query = "SELECT a, s, d, ok FROM t ORDER BY a"
    expected = {
        "csv": "a,s,d,ok\n1,x,1.50,true\n22,,,false\n",
        "tsv": "a\ts\td\tok\n1\tx\t1.50\ttrue\n22\t\t\tfalse\n",
        "jsonl": '{"a": 1, "s": "x", "d": 1.50, "ok": true}\n{"a": 22, "s": null, "d": null, "ok": false}\n',
        "markdown": "| a   | s    | d    | ok  |\n|----:|------|-----:|-----|\n|   1 | x    | 1.50 | t   |\n|  22 | NULL | NULL | f   |\n",
    }
    for fmt, text in expected.items():
        assert main([db, "--format", fmt, "-c", query]) == 0
        assert capsys.readouterr().out == text, fmt
    assert main([db, "--format", "json", "-c", query]) == 0
    assert json.loads(capsys.readouterr().out) == [{"a": 1, "s": "x", "d": 1.5, "ok": True}, {"a": 22, "s": None, "d": None, "ok": False}]
    assert main([db, "-x", "-c", "SELECT a, s FROM t WHERE a = 1"]) == 0
    assert capsys.readouterr().out == "-[ RECORD 1 ]-\na | 1\ns | x\n(1 row)\n"


def test_csv_format_and_script_file(capsys, tmp_path):
    script = tmp_path / "q.sql"
    script.write_text("SELECT 1 AS one, NULL AS n, 'x' AS s;\nSELECT 2 AS two;")
    assert main(["-f", str(script), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["one,n,s", "1,,x", "two", "2"]


def test_error_has_sqlstate_caret_and_nonzero_exit(capsys):
    assert main(["-c", "SELECT pric FROM nowhere"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == ['ERROR: 42P01: relation "nowhere" does not exist', "LINE 1: SELECT pric FROM nowhere", " " * len("LINE 1: SELECT pric FROM ") + "^"]
    assert "Traceback" not in err


def test_script_stops_at_first_error_unless_continue_on_error(tmp_path):
    script = tmp_path / "load.sql"
    script.write_text("SELECT 1 AS first;\n\nSELECT *\n  FROM missing;\nSELECT 3 AS third;\n")
    stopped = run("-f", str(script))
    assert stopped.returncode == 1
    assert "first" in stopped.stdout and "third" not in stopped.stdout
    lines = stopped.stderr.splitlines()
    assert lines[0] == f'{script}:3: ERROR: 42P01: relation "missing" does not exist'
    assert lines[1] == "LINE 4:   FROM missing;"  # lines of the file, not of the statement
    assert "Traceback" not in stopped.stderr
    went_on = run("-f", str(script), "--continue-on-error")
    assert went_on.returncode == 1 and "third" in went_on.stdout


def test_stdin_never_shows_progress_and_exits_nonzero_on_error():
    slow = "SELECT " + " + ".join(f"(SELECT count(*) FROM (SELECT {i} AS v UNION ALL SELECT 2) t)" for i in range(40))
    ok = run(stdin=f"SELECT 40 + 2 AS answer;\n{slow};\n")
    assert ok.returncode == 0 and "42" in ok.stdout.split()
    assert ok.stderr == ""
    bad = run(stdin="SELECT 1;\nSELEC 2;\nSELECT 3;\n")
    assert bad.returncode == 1
    assert bad.stderr.startswith("<stdin>:2: ERROR: 42601: ")


def test_backslash_commands_in_scripts(tmp_path):
    db = str(tmp_path / "t.wh")
    assert run(db, "-c", SETUP, "-c", ROWS).returncode == 0
    out = run(db, "-c", "\\d t")
    assert out.returncode == 0 and 'Table "public.t"' in out.stdout and "Rows: 2" in out.stdout
    bad = run(db, "-c", "\\nope")
    assert bad.returncode == 1 and bad.stderr.strip() == "invalid command \\nope; try \\? for the list"
    timing = run(db, "--format", "csv", "-c", "\\timing on", "-c", "SELECT a FROM t ORDER BY a")
    assert timing.stdout == "a\n1\n22\n"  # acknowledgements and timings stay out of csv
    assert "Timing is on." in timing.stderr and "Time: " in timing.stderr


def test_output_file_and_usage_errors(tmp_path):
    out = tmp_path / "out.csv"
    done = run("-c", "SELECT 1 AS a", "--format", "csv", "-o", str(out))
    assert done.returncode == 0 and done.stdout == "" and out.read_text() == "a\n1\n"
    assert run("--format", "xml", "-c", "SELECT 1").returncode == 2
    missing = run("-f", str(tmp_path / "nope.sql"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_help_and_version():
    helped = run("--help")
    assert helped.returncode == 0
    for word in ("warehouse serve PATH", "docs/server.md", "warehouse warmup", "--command", "--file", "--format", "--output",
                 "--expanded", "--timing", "--continue-on-error", "--no-pager", "--nodes", "--slices-per-node", "--debug",
                 "--version", "examples:", "exit status"):
        assert word in helped.stdout, word
    version = run("--version")
    assert version.stdout.startswith("warehouse ")


def test_define_substitutes_hive_variables_in_scripts(capsys, tmp_path):
    script = tmp_path / "q.q"
    script.write_text("SELECT '${INPUT}/x' AS loc, ${hiveconf:N} + 1 AS n;\n")
    assert main(["-f", str(script), "--format", "csv", "--define", "INPUT=s3://bucket", "--hiveconf", "N=41"]) == 0
    assert capsys.readouterr().out.splitlines() == ["loc,n", "s3://bucket/x,42"]
    assert main(["-f", str(script), "-d", "INPUT=s3://b"]) == 1
    err = capsys.readouterr().err
    assert "undefined variable ${hiveconf:N}" in err and "42704" in err
