"""The shell's parts in process: splitting, formats, errors, progress line, completion."""

from __future__ import annotations

import io
import signal
import threading
import time

import pyarrow as pa
import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

import warehouse
from warehouse.cli.complete import SqlCompleter
from warehouse.cli.display import Display
from warehouse.cli.formats import render
from warehouse.cli.highlight import tokens
from warehouse.cli.messages import error_text
from warehouse.cli.pager import pager_command
from warehouse.cli.progress_line import ProgressLine
from warehouse.cli.runner import Runner
from warehouse.cli.script import Meta, Statement, is_complete, split
from warehouse.cli.worker import run_statement
from warehouse.errors import QueryCanceled, SyntaxError_
from warehouse.progress import Progress


@pytest.fixture
def con():
    c = warehouse.connect(":memory:")
    s = c._session  # noqa: SLF001
    s.execute("CREATE TABLE users (userid INT, username VARCHAR(10), city VARCHAR(10))")
    s.execute("CREATE TABLE sales (salesid INT, buyerid INT, pricepaid DECIMAL(8,2))")
    s.execute("CREATE SCHEMA stage")
    s.execute("CREATE TABLE stage.raw_events (eventid INT)")
    yield c
    c.close()


def test_split_statements_quotes_comments_and_backslash_lines():
    text = "SELECT ';' AS semi; -- a comment; with a semicolon\n/* block; */ SELECT $$ a;b $$;\n\\dt\nSELECT 'it''s'\n  ;\nSELECT 4"
    items = split(text)
    assert items == [
        Statement("SELECT ';' AS semi;", 1),
        Statement("SELECT $$ a;b $$;", 2),
        Meta("\\dt", 3),
        Statement("SELECT 'it''s'\n  ;", 4),
        Statement("SELECT 4", 6, terminated=False),
    ]
    assert not is_complete("SELECT 1") and not is_complete("SELECT ';'") and not is_complete("SELECT 'a;")
    assert is_complete("SELECT 1;") and is_complete("\\d users") and is_complete("") and is_complete("quit")


def test_table_truncates_wide_columns_and_keeps_numbers_right_aligned():
    t = pa.table({"id": [1, 100], "note": ["x" * 80, "short"], "w": ["界界界", None]})
    text = render(t, max_width=40)
    lines = text.splitlines()
    assert all(len(line) <= 40 for line in lines)
    assert lines[2].startswith("  1 | ") and "…" in lines[2]
    assert lines[3].startswith("100 | short")
    assert lines[3].rstrip().endswith("NULL")
    assert lines[-1] == "(2 rows)"
    assert "..." in render(t, max_width=40, unicode=False)


def test_display_auto_expanded_and_row_cap(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(out, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback=None: __import__("os").terminal_size((30, 24)))
    d = Display(interactive=True, out=out, pager=False, expanded="auto")
    d.table(pa.table({"a": [1], "b": ["y" * 50]}))
    assert out.getvalue().startswith("-[ RECORD 1 ]")
    out.seek(0)
    out.truncate()
    monkeypatch.setattr("warehouse.cli.display.MAX_SHOWN_ROWS", 3)
    d.table(pa.table({"a": list(range(10))}))
    assert out.getvalue().rstrip().endswith("(10 rows; first 3 shown, use \\o FILE or --format csv for all)")


def test_error_text_points_into_multiline_statements():
    sql = "SELECT a,\n       b\n  FROM t WHERE = 1"
    err = SyntaxError_('syntax error at or near "="', position=sql.index("=") + 1)
    assert error_text(err, sql, prefix="x.sql:7: ", first_line=7).splitlines() == [
        'x.sql:7: ERROR: 42601: syntax error at or near "="',
        "LINE 9:   FROM t WHERE = 1",
        "                       ^",
    ]
    assert error_text(ValueError("boom")).startswith("ERROR: XX000: internal error: ValueError: boom")


def test_progress_line_draws_copy_progress_and_erases_itself():
    stream = io.StringIO()
    line = ProgressLine(stream, delay=0.0)
    line.start()
    line.tick()
    assert "running…" in stream.getvalue()
    line(Progress("copy", 1_234_567, 50 * 1024**2, 200 * 1024**2, 3.2, detail="part-0001.csv"))
    line.tick()
    drawn = stream.getvalue().rsplit("\r\x1b[K", 1)[-1]
    assert "copy · 1,234,567 rows · 50.0 MB of 200.0 MB (25%)" in drawn and "part-0001.csv" in drawn
    line.clear()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_worker_cancels_on_keyboard_interrupt_and_reports_progress(con):
    s = con._session  # noqa: SLF001
    s.execute("CREATE TABLE big (k INT, x INT)")
    s.execute("INSERT INTO big VALUES " + ",".join(f"({i % 4},{i})" for i in range(4000)))
    long_query = "SELECT " + " + ".join(f"(SELECT sum(a.x + {i}) FROM big a JOIN big b ON a.k = b.k)" for i in range(400))
    seen: list[Progress] = []

    def report_then_interrupt() -> None:
        time.sleep(0.3)
        s.progress(Progress("copy", 10, 100, None, 0.3))  # a stand-in for COPY's reports
        seen.append(line._latest)  # noqa: SLF001
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    line = ProgressLine(io.StringIO())
    threading.Thread(target=report_then_interrupt).start()
    started = time.perf_counter()
    with pytest.raises(QueryCanceled):
        run_statement(s, long_query, line)
    assert time.perf_counter() - started < 15
    assert seen and seen[0].rows == 10
    assert s.progress is None  # the callback is only installed while the statement runs
    assert run_statement(s, "SELECT 1 AS one").table.column("one").to_pylist() == [1]


def _complete(completer: SqlCompleter, text: str) -> list[str]:
    return [c.text for c in completer.get_completions(Document(text, len(text)), CompleteEvent(completion_requested=True))]


def test_completion_from_the_live_catalog(con):
    s = con._session  # noqa: SLF001
    c = SqlCompleter(s.catalog)
    c.refresh()
    assert _complete(c, "SELECT * FROM us") == ["users"]
    assert _complete(c, "SELECT * FROM users u JOIN sa") == ["sales"]
    assert "stage.raw_events" in _complete(c, "SELECT * FROM st")
    assert _complete(c, "SELECT * FROM stage.r") == ["raw_events"]
    assert _complete(c, "SELECT s.pr") == []  # alias not known yet
    assert _complete(c, "SELECT * FROM sales s WHERE s.pr") == ["pricepaid"]
    assert _complete(c, "SELECT user") [:2] == ["userid", "username"]
    assert "SELECT" in _complete(c, "SEL") and "select" in _complete(c, "sel")
    assert "dateadd" in _complete(c, "SELECT datea")
    assert _complete(c, "\\dt") == ["\\dt"]
    assert _complete(c, "\\d us") == ["users"]
    assert _complete(c, "\\format js") == ["json", "jsonl"]
    s.execute("CREATE TABLE usage_log (n INT)")
    assert _complete(c, "SELECT * FROM usa") == []  # the snapshot is per prompt
    c.refresh()
    assert _complete(c, "SELECT * FROM usa") == ["usage_log"]


def test_highlighting_classes():
    styles = dict((text, style) for style, text in tokens("SELECT upper(name), 'x', 12 FROM t -- c"))
    assert styles["SELECT"] == "class:sql.keyword" and styles["FROM"] == "class:sql.keyword"
    assert styles["upper"] == "class:sql.function" and styles["'x'"] == "class:sql.string"
    assert styles["12"] == "class:sql.number" and styles["-- c"] == "class:sql.comment"
    assert styles["name"] == ""


def test_pager_command_from_environment(monkeypatch):
    monkeypatch.setenv("WAREHOUSE_PAGER", "most")
    assert pager_command() == "most"
    monkeypatch.setenv("WAREHOUSE_PAGER", "")
    assert pager_command() is None
    monkeypatch.delenv("WAREHOUSE_PAGER")
    monkeypatch.setenv("PAGER", "more")
    assert pager_command() == "more"


def test_meta_commands_through_the_runner(con, capsys, tmp_path):
    r = Runner(con, Display(), interactive=False)
    script = tmp_path / "inc.sql"
    script.write_text("INSERT INTO users VALUES (1, 'ann', NULL);\nSELECT count(*) AS n FROM users;\n")
    assert r.run_text(f"\\i {script}")
    assert "(1 row)" in capsys.readouterr().out
    assert r.run_text("\\dn")
    out = capsys.readouterr().out
    assert "public |      2 |     0" in out and "stage  |      1 |     0" in out
    assert r.run_text("\\df regexp_*")
    assert "regexp_replace | scalar" in capsys.readouterr().out
    assert r.run_text("CREATE VIEW v AS SELECT userid FROM users;\n\\dv\n\\d v")
    out = capsys.readouterr().out
    assert "public | v    | admin | SELECT userid FROM users" in out and 'View "public.v"' in out
    assert not r.run_text("\\d nope")
    assert capsys.readouterr().err.strip() == 'ERROR: 42P01: did not find any relation named "nope"'
    assert r.run_text("\\q\nSELECT 1;") and r.quit


def test_set_and_hive_variable_substitution(con, capsys):
    r = Runner(con, Display(), interactive=False, continue_on_error=True)
    assert r.run_text("\\set TBL users\n\\set WHO 'ann'")
    assert r.variables == {"TBL": "users", "WHO": "ann"}
    assert r.run_text("INSERT INTO ${TBL} VALUES (7, '${WHO}', NULL);\nSELECT username FROM ${hiveconf:TBL} WHERE userid = 7;")
    assert "ann" in capsys.readouterr().out
    assert not r.run_text("SELECT * FROM ${NOPE} JOIN ${hivevar:ALSO} ON true;")
    err = capsys.readouterr().err
    assert "42704" in err and "${NOPE}" in err and "${hivevar:ALSO}" in err
    assert r.run_text("\\set")
    assert "TBL = 'users'" in capsys.readouterr().out
    assert r.run_text("\\unset TBL")
    assert not r.run_text("SELECT 1 FROM ${TBL};")
    assert "${TBL}" in capsys.readouterr().err
    assert r.run_text("SELECT 'no $ variables {here}' AS s;")
