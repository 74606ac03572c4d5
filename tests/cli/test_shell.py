"""The interactive shell, driven in a pseudo-terminal as a person would type into it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.conftest import plain

# about 400 scalar subqueries of a 4-million-row join each: tens of seconds unless canceled
LONG_QUERY = "SELECT " + " + ".join(f"(SELECT sum(a.x - b.x + {i}) FROM big a JOIN big b ON a.k = b.k)" for i in range(400)) + ";\n"


def test_multiline_statement_runs_at_semicolon_and_is_kept_in_history(spawn, tickit, home: Path):
    sh = spawn(tickit)
    sh.child.send("SELECT userid,\r")
    sh.expect(re.escape("tickit->"))  # Enter before ";" continues the statement
    sh.child.send("name\r")
    sh.child.send("FROM users ORDER BY userid;\r")
    out = sh.expect(r"\(3 rows\)")
    lines = out.splitlines()
    assert "userid |   name" in lines
    assert "     1 | Rafael" in lines and "     3 | Lars" in lines
    sh.wait_prompt()
    assert sh.quit() == 0
    history = (home / ".warehouse_history").read_text()
    assert "+SELECT userid,\n+name\n+FROM users ORDER BY userid;" in history


def test_tab_completes_table_and_column_names(spawn, tickit):
    sh = spawn(tickit)
    sh.child.send("SELECT count(*) FROM use")
    sh.child.send("\t")
    sh.expect("rs")  # the completion is redrawn as the missing letters
    out = sh.run(";", r"\(1 row\)")  # "FROM use;" would fail: the name was completed
    assert "3" in out.split()
    sh.child.send("SELECT name FROM users u WHERE u.ci")
    sh.child.send("\t")
    sh.expect("ty")
    sh.child.send(" = 'Bristol';\r")
    assert "Lars" in sh.expect(r"\(1 row\)").split()


def test_ctrl_c_cancels_the_running_statement_not_the_shell(spawn, tickit, home: Path):
    (home / "long.sql").write_text(LONG_QUERY)
    sh = spawn(tickit)
    sh.child.send("\\i long.sql\r")
    sh.expect("running")  # the live progress line appears after half a second
    sh.child.sendintr()
    out = sh.expect("57014")
    sh.expect("canceling statement due to user request")
    sh.wait_prompt()
    assert "Traceback" not in out
    assert sh.child.isalive()
    assert "42" in sh.run("SELECT 40 + 2 AS answer;", r"\(1 row\)").split()
    assert sh.quit() == 0


def test_describe_table(spawn, tickit):
    sh = spawn(tickit)
    out = sh.run("\\d users", r"Rows: 3")
    assert 'Table "public.users"' in out
    header = next(line for line in out.splitlines() if line.startswith("column"))
    assert [h.strip() for h in header.split("|")] == ["column", "type", "encoding", "distkey", "sortkey", "notnull"]
    row = next(line for line in out.splitlines() if line.startswith("userid"))
    assert [c.strip() for c in row.split("|")] == ["userid", "integer", "auto", "t", "1", "t"]
    assert "Diststyle: KEY(userid)" in out and "Sortkey: COMPOUND(userid)" in out
    out = sh.run("\\dt", r"\(2 rows\)")
    assert re.search(r"public \| users \| admin \| KEY\(userid\)\s+\| COMPOUND\(userid\) \|\s+3", out)


def test_syntax_error_shows_line_and_caret_without_traceback(spawn, tickit):
    sh = spawn(tickit)
    sh.child.send("SELECT name FROM users WHERE userid = = 1;\r")
    sh.expect(r"\^")
    out = plain(sh.child.before)
    lines = out.splitlines()
    err = lines.index('ERROR: 42601: syntax error at or near "="')
    assert lines[err + 1] == "LINE 1: SELECT name FROM users WHERE userid = = 1;"
    caret_col = len(lines[err + 2])  # the caret is the next character
    assert lines[err + 1][caret_col] == "=" and lines[err + 1][caret_col - 2] == "="
    sh.wait_prompt()
    out = sh.run("SELECT nosuch FROM users;", "42703")
    assert "Traceback" not in out


def test_unknown_backslash_command_gets_a_hint_and_meta_commands_work(spawn, tickit, home: Path):
    sh = spawn(tickit)
    sh.run("\\frobnicate", re.escape("invalid command \\frobnicate; try \\? for the list"))
    sh.run("\\x on", re.escape("Expanded display is on."))
    out = sh.run("SELECT userid, name FROM users WHERE userid = 2;", r"\(1 row\)")
    assert "-[ RECORD 1 ]" in out and "name   | Vladimir" in out
    sh.run("\\x off", re.escape("Expanded display is off."))
    sh.run("\\format csv", "Output format is csv.")
    out = sh.run("SELECT userid, city FROM users ORDER BY 1;", "3,Bristol")
    assert "1,Kent\n2,\n" in out
    sh.run("\\format table", "Output format is table.")
    sh.run("\\timing on", re.escape("Timing is on."))
    sh.run("SELECT 1;", r"Time: [0-9.]+ ms")
    sh.run("\\o result.txt", "")
    sh.run("SELECT name FROM users ORDER BY userid;", "")
    sh.run("\\o", "")
    assert "Rafael\nVladimir\nLars\n(3 rows)" in (home / "result.txt").read_text()
    sh.run("\\conninfo", re.escape('You are connected to database "tickit.wh"'))
    out = sh.run("\\?", re.escape("Ctrl-D quits."))
    for name in ("\\d [NAME]", "\\dt", "\\dn", "\\dv", "\\df", "\\i FILE", "\\o [FILE]", "\\timing", "\\x", "\\format", "\\conninfo", "\\q"):
        assert name in out


def test_long_results_go_through_the_pager_and_wide_columns_are_cut(spawn, tickit):
    sh = spawn(tickit, PAGER="sed -e s/^/paged:/", columns=60)
    out = sh.run("SELECT x FROM big WHERE x < 50 ORDER BY x;", r"paged:\(50 rows\)")
    assert "paged:49" in out.replace(" ", "")
    out = sh.run("SELECT 1 AS id, repeat('abcdefghij', 20) AS wide;", r"\(1 row\)")
    row = next(line for line in out.splitlines() if line.startswith(" 1 |"))
    assert len(row) <= 60 and row.endswith("…")


def test_ctrl_r_searches_history_and_ctrl_d_exits(spawn, tickit):
    sh = spawn(tickit)
    sh.run("SELECT 'needle' AS found;", r"\(1 row\)")
    sh.run("SELECT 2;", r"\(1 row\)")
    sh.child.sendcontrol("r")
    sh.child.send("needl")
    sh.expect("found;")  # the matching history entry is shown
    sh.child.send("\r")  # accept the search: the statement is back in the buffer
    sh.child.send("\r")  # and runs
    out = sh.expect(r"\(1 row\)")
    assert "found" in out
    sh.wait_prompt()
    assert sh.quit() == 0


def test_in_memory_shell_and_quit(spawn):
    sh = spawn(":memory:")
    sh.run("CREATE TABLE t (a INT);", "CREATE TABLE")
    sh.run("INSERT INTO t VALUES (7);", "INSERT 0 1")
    assert "7" in sh.run("SELECT a FROM t;", r"\(1 row\)").split()
    sh.child.send("\\q\r")
    sh.child.expect(__import__("pexpect").EOF)
    sh.child.close()
    assert sh.child.exitstatus == 0


def test_copy_shows_a_live_progress_line_that_disappears(spawn, tickit, home: Path):
    parts = home / "parts"
    parts.mkdir()
    for p in range(40):  # many objects: a report after each, so the line shows even on a fast machine
        (parts / f"part_{p:02d}").write_text("".join(f"{i}|name{i % 97}|city{i % 13}\n" for i in range(p, 1_500_000, 40)))
    sh = spawn(tickit, WAREHOUSE_PROGRESS_DELAY="0")  # the load is quicker than the usual delay
    sh.run("CREATE TABLE many (id BIGINT, name VARCHAR(20), city VARCHAR(20));", "CREATE TABLE")
    sh.child.send(f"COPY many FROM '{parts}/';\r")
    sh.expect(r"copy \S+ [\d,]+ rows \S+ [\d.]+ [kMG]?B of [\d.]+ [kMG]?B")  # rows and bytes as it goes
    out = sh.expect("COPY 1500000")
    sh.wait_prompt()
    assert "Traceback" not in out
    assert "1500000" in sh.run("SELECT count(*) FROM many;", r"\(1 row\)").replace(",", "").split()
