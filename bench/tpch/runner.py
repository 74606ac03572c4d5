"""Side-by-side TPC-H runner: warehouse against DuckDB, Polars and (small scales) SQLite.

Every engine loads the same tpchgen-cli Parquet files in this one process, then runs each query
once untimed (warm-up; its answer is the one checked) and ``--runs`` more times timed; the table
reports the MEDIAN of the timed runs, in milliseconds, each including fetching the whole result
as Arrow. warehouse's answers are checked against DuckDB's. Run ``python -m bench.tpch --help``.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import textwrap
import time
import traceback
from decimal import Decimal
from pathlib import Path

from . import QUERY_NUMBERS, ddl_statements, load_query
from .datagen import REPO_ROOT, TABLES, ensure_data, scale_name, table_files

DEFAULT_ENGINES = ("warehouse", "duckdb", "polars")
KNOWN_ENGINES = ("warehouse", "duckdb", "polars", "sqlite")
SQLITE_MAX_SCALE = 0.1
REL_TOL = 1e-6


class QueryTimeout(Exception):
    pass


def short_error(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


# --------------------------------------------------------------------------------------- memory

def _proc_status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's RSS high-water mark (VmHWM) of this process; Linux only."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def current_rss_mb() -> float | None:
    kb = _proc_status_kb("VmRSS")
    return None if kb is None else kb / 1024


def peak_rss_mb() -> float | None:
    kb = _proc_status_kb("VmHWM")
    if kb is None:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


def process_maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -------------------------------------------------------------------------------------- engines

class Engine:
    name = "?"
    dialect = "redshift"

    def __init__(self, args: argparse.Namespace, data: Path):
        self.args = args
        self.data = data
        self.files = table_files(data, "parquet")

    def translate(self, sql: str) -> str:
        return sql

    def load(self) -> dict[str, float]:
        raise NotImplementedError

    def run(self, sql: str):
        """Run ``sql`` (already translated) and return a pyarrow.Table."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def version(self) -> str:
        return ""


def _transpile(sql: str, dialect: str) -> str:
    import sqlglot

    out = sqlglot.transpile(sql, read="redshift", write=dialect)
    if len(out) != 1:
        raise ValueError(f"expected one statement, got {len(out)}")
    return out[0]


class WarehouseEngine(Engine):
    name = "warehouse"

    def __init__(self, args, data):
        super().__init__(args, data)
        suffix = "-external" if getattr(args, "external", False) else ""
        self.db_dir = Path(args.db_dir) if args.db_dir else (
            REPO_ROOT / "bench" / "data" / f"tpch-sf{scale_name(args.scale)}{suffix}.wh")
        self.con = None

    def connect_kwargs(self) -> dict:
        kw = {}
        if self.args.nodes is not None:
            kw["nodes"] = self.args.nodes
        if self.args.slices is not None:
            kw["slices_per_node"] = self.args.slices
        return kw

    def load(self):
        import warehouse

        if self.db_dir.exists():
            shutil.rmtree(self.db_dir)
        self.db_dir.parent.mkdir(parents=True, exist_ok=True)
        self.con = warehouse.connect(str(self.db_dir), **self.connect_kwargs())
        times = {}
        ddl = ddl_statements()
        if self.args.external:  # no load: each table is an external table over its Parquet file
            for table in TABLES:
                t0 = time.perf_counter()
                self.con.execute(external_ddl(ddl[table], external_folder(self.files[table], table)))
                times[table] = time.perf_counter() - t0
            return times
        for table in TABLES:
            t0 = time.perf_counter()
            self.con.execute(ddl[table])
            self.con.execute(f"COPY {table} FROM '{self.files[table]}' FORMAT AS PARQUET")
            _maybe_commit(self.con)
            times[table] = time.perf_counter() - t0
        return times

    def run(self, sql):
        return self.con.execute(sql).fetch_arrow_table()

    def close(self):
        if self.con is not None:
            self.con.close()
            self.con = None

    def version(self):
        import warehouse

        return getattr(warehouse, "__version__", "")


def external_folder(file: Path, table: str) -> Path:
    """A folder holding only ``file`` (an external table's LOCATION is a folder): a
    symbolic link to it under bench/data/external/<table>/."""
    folder = REPO_ROOT / "bench" / "data" / "external" / file.parent.name / table
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / file.name
    if not link.exists():
        link.symlink_to(Path(file).resolve())
    return folder


def external_ddl(create_table: str, folder: Path) -> str:
    """ddl.sql's CREATE TABLE as CREATE EXTERNAL TABLE ... STORED AS PARQUET over ``folder``
    (no NOT NULL, distribution or sort keys: the files are read in place)."""
    import re

    body = create_table[: create_table.rindex(")") + 1]
    body = re.sub(r"\s+NOT\s+NULL", "", body, flags=re.IGNORECASE)
    body = re.sub(r"^\s*CREATE\s+TABLE", "CREATE EXTERNAL TABLE", body, flags=re.IGNORECASE)
    return f"{body} STORED AS PARQUET LOCATION '{folder}/'"


def _maybe_commit(con) -> None:
    commit = getattr(con, "commit", None)
    if commit is not None:
        commit()


class DuckDBEngine(Engine):
    name = "duckdb"
    dialect = "duckdb"

    def load(self):
        """Load into a database file and CHECKPOINT it (persisted, as warehouse's directory
        is), which is the load time compared; the in-memory load is measured too and logged."""
        import duckdb

        if self.args.external:  # no load: views over read_parquet of the same files
            self.con = duckdb.connect()
            times = {}
            for table in TABLES:
                t0 = time.perf_counter()
                self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{self.files[table]}')")
                times[table] = time.perf_counter() - t0
            return times
        memory = duckdb.connect()
        t0 = time.perf_counter()
        for table in TABLES:
            memory.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{self.files[table]}')")
        self.memory_load_s = time.perf_counter() - t0
        memory.close()
        print(f"[duckdb] in-memory load (not persisted, for reference): {self.memory_load_s:.2f} s", file=sys.stderr, flush=True)
        path = REPO_ROOT / "bench" / "data" / f"tpch-sf{scale_name(self.args.scale)}.duckdb"
        for stale in (path, path.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
        self.con = duckdb.connect(str(path))
        times = {}
        for table in TABLES:
            t0 = time.perf_counter()
            self.con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{self.files[table]}')")
            if table == TABLES[-1]:
                self.con.execute("CHECKPOINT")
            times[table] = time.perf_counter() - t0
        return times

    def translate(self, sql):
        return _transpile(sql, "duckdb")

    def run(self, sql):
        rel = self.con.sql(sql)  # the relational API hands Arrow over without an extra copy
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
        return fetch()

    def close(self):
        self.con.close()

    def version(self):
        import duckdb

        return duckdb.__version__


class PolarsEngine(Engine):
    name = "polars"
    dialect = "postgres"

    def load(self):
        import polars as pl

        self.ctx = pl.SQLContext()
        times = {}
        for table in TABLES:
            t0 = time.perf_counter()
            df = pl.read_parquet(self.files[table])
            self.ctx.register(table, df)
            times[table] = time.perf_counter() - t0
        return times

    def translate(self, sql):
        return _transpile(sql, "postgres")

    def run(self, sql):
        return self.ctx.execute(sql, eager=True).to_arrow()

    def close(self):
        self.ctx = None

    def version(self):
        import polars

        return polars.__version__


# SQLite plans joins as nested loops over indexes: give it the indexes a user would make.
SQLITE_INDEXES = {
    "nation": ("n_nationkey",), "region": ("r_regionkey",), "supplier": ("s_suppkey",),
    "customer": ("c_custkey",), "part": ("p_partkey",), "partsupp": ("ps_partkey,ps_suppkey",),
    "orders": ("o_orderkey", "o_custkey"), "lineitem": ("l_orderkey", "l_partkey,l_suppkey"),
}


class SQLiteEngine(Engine):
    """SQLite with dates stored as ISO text and decimals as REAL (so sums are floating point),
    with indexes on the keys. Queries are interrupted after --timeout seconds."""

    name = "sqlite"
    dialect = "sqlite"

    def load(self):
        import sqlite3

        import pyarrow as pa
        import pyarrow.parquet as pq

        self.con = sqlite3.connect(":memory:")
        times = {}
        for table in TABLES:
            t0 = time.perf_counter()
            tbl = pq.read_table(self.files[table])
            cols, casts = [], []
            for field in tbl.schema:
                t = field.type
                if pa.types.is_integer(t):
                    cols.append(f"{field.name} INTEGER")
                    casts.append(pa.int64())
                elif pa.types.is_decimal(t) or pa.types.is_floating(t):
                    cols.append(f"{field.name} REAL")
                    casts.append(pa.float64())
                else:  # strings and dates (ISO text)
                    cols.append(f"{field.name} TEXT")
                    casts.append(pa.string())
            self.con.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
            tbl = pa.table([tbl.column(i).cast(c) for i, c in enumerate(casts)], names=tbl.column_names)
            marks = ", ".join("?" * tbl.num_columns)
            for batch in tbl.to_batches(max_chunksize=100_000):
                rows = zip(*(col.to_pylist() for col in batch.columns))
                self.con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            for col in SQLITE_INDEXES.get(table, ()):
                self.con.execute(f"CREATE INDEX {table}_{col.replace(',', '_')} ON {table} ({col})")
            self.con.commit()
            times[table] = time.perf_counter() - t0
        return times

    def translate(self, sql):
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(sql, read="redshift")

        def fold(node):
            # date 'X' +/- interval 'N' unit  ->  'YYYY-MM-DD';  date 'X' -> 'X'
            if isinstance(node, (exp.Add, exp.Sub)) and isinstance(node.expression, exp.Interval):
                base = _date_literal(node.this)
                if base is not None:
                    n = int(node.expression.this.name)
                    unit = node.expression.unit.name.lower().rstrip("s")
                    n = -n if isinstance(node, exp.Sub) else n
                    return exp.Literal.string(_shift(base, n, unit).isoformat())
            if isinstance(node, (exp.Add, exp.Sub)) and all(
                    isinstance(x, exp.Literal) and x.is_number for x in (node.this, node.expression)):
                a, b = Decimal(node.this.name), Decimal(node.expression.name)  # exact, as in SQL
                return exp.Literal.number(str(a + b if isinstance(node, exp.Add) else a - b))
            if isinstance(node, exp.Extract) and node.this.name.lower() == "year":
                return exp.cast(exp.func("strftime", exp.Literal.string("%Y"), node.expression), "INTEGER")
            d = _date_literal(node)
            if d is not None:
                return exp.Literal.string(d.isoformat())
            return node

        return tree.transform(fold).sql("sqlite")

    def run(self, sql):
        import pyarrow as pa

        _cancel_alarm()  # SQLite is stopped by its progress handler, not by SIGALRM
        deadline = time.perf_counter() + self.args.timeout if self.args.timeout else None
        if deadline is not None:
            self.con.set_progress_handler(lambda: int(time.perf_counter() > deadline), 100_000)
        try:
            cur = self.con.execute(sql)
            rows = cur.fetchall()
        except Exception as exc:
            if deadline is not None and time.perf_counter() > deadline:
                raise QueryTimeout(f"timeout after {self.args.timeout:g} s") from exc
            raise
        names = [d[0] for d in cur.description]
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}) if rows else \
            pa.table({n: pa.array([], pa.null()) for n in names})

    def close(self):
        self.con.close()

    def version(self):
        import sqlite3

        return sqlite3.sqlite_version


def _date_literal(node):
    from sqlglot import exp

    if isinstance(node, exp.Cast) and node.to.is_type("date") and isinstance(node.this, exp.Literal):
        return _dt.date.fromisoformat(node.this.name)
    if isinstance(node, exp.TsOrDsToDate) and isinstance(node.this, exp.Literal):
        return _dt.date.fromisoformat(node.this.name)
    return None


def _shift(d: _dt.date, n: int, unit: str) -> _dt.date:
    if unit == "day":
        return d + _dt.timedelta(days=n)
    months = n * 12 if unit == "year" else n
    if unit not in ("month", "year"):
        raise ValueError(f"interval unit {unit!r}")
    y, m = divmod(d.month - 1 + months, 12)
    return d.replace(year=d.year + y, month=m + 1)


ENGINE_CLASSES = {
    "warehouse": WarehouseEngine,
    "duckdb": DuckDBEngine,
    "polars": PolarsEngine,
    "sqlite": SQLiteEngine,
}


# ----------------------------------------------------------------------------------- comparison

def _norm_scalar(v):
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    if isinstance(v, str):
        return v.rstrip(" ")  # CHAR(n) padding is not significant
    return v


def _is_num(v) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


def values_equal(a, b) -> bool:
    """Equality for checking answers: ints and decimals exactly (to the coarser of two decimal
    scales), floats to a relative 1e-6; a float against a decimal of scale s within one unit of
    its last place as well (Redshift's AVG of DECIMAL(15,2) is DECIMAL(38,2), DuckDB's a double)."""
    a, b = _norm_scalar(a), _norm_scalar(b)
    if a is None or b is None:
        return a is None and b is None
    if _is_num(a) and _is_num(b):
        if isinstance(a, float) or isinstance(b, float):
            fa, fb = float(a), float(b)
            if math.isnan(fa) or math.isnan(fb):
                return math.isnan(fa) and math.isnan(fb)
            tol = REL_TOL * max(abs(fa), abs(fb), 1e-12)
            for d in (a, b):
                if isinstance(d, Decimal) and d.is_finite():
                    tol = max(tol, float(Decimal(1).scaleb(d.as_tuple().exponent)))
            return abs(fa - fb) <= tol
        da, db = Decimal(a), Decimal(b)
        if da == db:
            return True
        ea, eb = da.as_tuple().exponent, db.as_tuple().exponent
        if ea != eb:  # different scales: equal after rounding to the coarser one
            unit = Decimal(1).scaleb(max(ea, eb))
            return abs(da - db) <= unit
        return False
    return a == b


def _has_order_by(sql: str) -> bool:
    try:
        import sqlglot

        tree = sqlglot.parse_one(sql, read="redshift")
        return tree.args.get("order") is not None
    except Exception:
        return True


def _sort_key(row):
    return tuple((v is None, str(_norm_scalar(v))) for v in row)


def compare_results(got, expected, ordered: bool) -> tuple[bool, str]:
    """Compare two pyarrow Tables; return (ok, detail)."""
    if got.num_columns != expected.num_columns:
        return False, f"{got.num_columns} columns, expected {expected.num_columns}"
    if got.num_rows != expected.num_rows:
        return False, f"{got.num_rows} rows, expected {expected.num_rows}"
    rows_g = list(zip(*(c.to_pylist() for c in got.columns))) if got.num_columns else []
    rows_e = list(zip(*(c.to_pylist() for c in expected.columns))) if expected.num_columns else []
    if not ordered:
        rows_g.sort(key=_sort_key)
        rows_e.sort(key=_sort_key)
    for i, (rg, re_) in enumerate(zip(rows_g, rows_e)):
        for j, (a, b) in enumerate(zip(rg, re_)):
            if not values_equal(a, b):
                name = expected.column_names[j]
                return False, f"row {i} column {name}: {a!r} != {b!r}"
    return True, ""


# -------------------------------------------------------------------------------------- running

def _alarm(seconds: float):
    if seconds and seconds > 0 and hasattr(signal, "setitimer"):
        def handler(signum, frame):
            raise QueryTimeout(f"timeout after {seconds:g} s")
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, seconds)


def _cancel_alarm():
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)


def run_engine(name: str, args, data: Path, queries: list[int], log, on_query=None) -> dict:
    """Load and run every query on one engine; returns a JSON-able record (plus answers).
    ``on_query(n, record, answer)`` is called as each query finishes."""
    rec: dict = {"engine": name, "queries": {}, "answers": {}}
    gc.collect()
    rec["rss_start_mb"] = current_rss_mb()
    rec["peak_rss_reset"] = reset_peak_rss()
    engine = None
    try:
        engine = ENGINE_CLASSES[name](args, data)
        rec["version"] = _safe(engine.version)
        log(f"[{name}] loading ...")
        t0 = time.perf_counter()
        rec["load_tables_s"] = engine.load()
        rec["load_s"] = time.perf_counter() - t0
        log(f"[{name}] loaded in {rec['load_s']:.2f} s")
        if on_query is not None:
            on_query(None, {"load_s": rec["load_s"], "load_tables_s": rec["load_tables_s"]}, None)
    except Exception as exc:
        rec["load_error"] = short_error(exc)
        rec["load_traceback"] = traceback.format_exc()
        log(f"[{name}] load failed: {rec['load_error']}")
        _close(engine)
        rec["peak_rss_mb"] = peak_rss_mb()
        return rec

    for n in queries:
        q: dict = {}
        rec["queries"][n] = q
        try:
            sql = engine.translate(load_query(n))
        except Exception as exc:
            q["error"] = "translate: " + short_error(exc)
            log(f"[{name}] Q{n:02d} {q['error']}")
            continue
        try:
            _alarm(args.timeout)
            t0 = time.perf_counter()
            answer = engine.run(sql)
            first = time.perf_counter() - t0
            _cancel_alarm()
            q["first_ms"] = first * 1000
            q["rows"] = answer.num_rows
            rec["answers"][n] = answer
            runs = []
            n_runs = args.runs if first < args.slow_seconds else 0
            for _ in range(n_runs):
                _alarm(args.timeout)
                t0 = time.perf_counter()
                engine.run(sql)
                runs.append((time.perf_counter() - t0) * 1000)
                _cancel_alarm()
            q["runs_ms"] = runs
            q["ms"] = statistics.median(runs) if runs else q["first_ms"]
            log(f"[{name}] Q{n:02d} {q['ms']:9.1f} ms  (first {q['first_ms']:.1f} ms, {q['rows']} rows)")
            if on_query is not None:
                on_query(n, q, answer)
        except BaseException as exc:
            _cancel_alarm()
            if isinstance(exc, KeyboardInterrupt):
                raise
            q["error"] = short_error(exc)
            q["traceback"] = traceback.format_exc()
            log(f"[{name}] Q{n:02d} ERR {q['error'][:200]}")
            if on_query is not None:
                on_query(n, q, None)
    rec["peak_rss_mb"] = peak_rss_mb()
    if name == "warehouse" and args.cold_start:
        _close(engine)
        engine = None
        rec["cold_start"] = cold_start(args, ENGINE_CLASSES[name](args, data), log)
    _close(engine)
    return rec


def _make_log(quiet: bool):
    return (lambda msg: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))


def _engine_child(name, args, data, queries, conn) -> None:
    """Body of an isolated engine process: stream each query's record back, then the whole."""
    def on_query(n, q, answer):
        conn.send(("query", n, q, answer))

    rec = run_engine(name, args, data, queries, _make_log(args.quiet), on_query)
    rec.pop("answers", None)
    conn.send(("done", rec))
    conn.close()


MAX_RESTARTS = 3


def run_engine_isolated(name: str, args, data: Path, queries: list[int], log) -> dict:
    """run_engine in a child process, so that a crash or the OOM killer ends only the query that
    caused it (it is recorded as an error and a new process loads the data again and goes on with
    the rest, up to MAX_RESTARTS times), and so that the engine's peak memory is its own."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    rec: dict = {"engine": name, "queries": {}, "answers": {}, "isolated": True, "crashes": []}
    todo = list(queries)
    while True:
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_engine_child, args=(name, args, data, todo, send), daemon=True)
        proc.start()
        send.close()
        done, first_child = False, not rec["crashes"]
        while True:
            try:
                msg = recv.recv()
            except (EOFError, OSError):
                break
            if msg[0] == "query":
                _, n, q, answer = msg
                if n is None:  # loaded
                    if first_child:
                        rec.update(q)
                    continue
                rec["queries"][n] = q
                if answer is not None:
                    rec["answers"][n] = answer
            elif msg[0] == "done":
                final = dict(msg[1])
                for key in ("queries", "answers", "engine", "load_s", "load_tables_s", "rss_start_mb"):
                    if not first_child or key in ("queries", "answers", "engine"):
                        final.pop(key, None)
                if not first_child and "peak_rss_mb" in final:
                    final["peak_rss_mb"] = max(final["peak_rss_mb"] or 0, rec.get("peak_rss_mb") or 0)
                rec.update(final)
                done = True
        proc.join()
        recv.close()
        if done:
            return rec
        code = proc.exitcode
        why = f"engine process died (exit code {code}" + (
            ", SIGKILL: out of memory?)" if code == -signal.SIGKILL else ")")
        log(f"[{name}] {why}")
        rec["crashes"].append(why)
        if first_child and "load_s" not in rec:
            rec["load_error"] = "EngineDied: while loading: " + why
            return rec
        todo = [n for n in todo if n not in rec["queries"]]
        if todo:
            rec["queries"][todo.pop(0)] = {"error": "EngineDied: " + why}
        if not todo:
            return rec
        if len(rec["crashes"]) > MAX_RESTARTS:
            for n in todo:
                rec["queries"][n] = {"error": f"NotRun: engine process died {len(rec['crashes'])} times"}
            return rec
        log(f"[{name}] restarting to run {', '.join(f'Q{n:02d}' for n in todo)}")


def _close(engine):
    if engine is not None:
        try:
            engine.close()
        except Exception:
            pass


def _safe(fn):
    try:
        return fn()
    except Exception:
        return ""


COLD_SCRIPT = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    import json, resource, sys
    import warehouse
    t1 = time.perf_counter()
    con = warehouse.connect(sys.argv[1], **json.loads(sys.argv[2]))
    t2 = time.perf_counter()
    rows = con.execute(sys.argv[3]).fetchall()
    t3 = time.perf_counter()
    con.close()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
    try:
        hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
    except (OSError, IndexError):
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"import_s": t1 - t0, "connect_s": t2 - t1, "query_s": t3 - t2,
                      "inside_s": t3 - t0, "rows": len(rows), "value": str(rows[0][0]) if rows else None,
                      "maxrss_mb": hwm / 1024}))
""")


def cold_start(args, engine: WarehouseEngine, log) -> dict:
    """A fresh interpreter opens the loaded database and runs Q6; time it inside and outside."""
    cmd = [sys.executable, "-c", COLD_SCRIPT, str(engine.db_dir),
           json.dumps(engine.connect_kwargs()), load_query(6)]
    import warehouse

    # Run where `import warehouse` finds the very package this process imported.
    cwd = Path(warehouse.__file__).resolve().parents[1]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=max(args.timeout, 60) or None,
                              cwd=str(cwd))
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    outside = time.perf_counter() - t0
    if proc.returncode != 0:
        err = (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]
        log(f"[warehouse] cold start failed: {err}")
        return {"error": err, "outside_s": outside}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["outside_s"] = outside
    log(f"[warehouse] cold start: {outside * 1000:.0f} ms (process), {res['inside_s'] * 1000:.0f} ms "
        f"inside (import {res['import_s'] * 1000:.0f}, connect {res['connect_s'] * 1000:.0f}, "
        f"Q6 {res['query_s'] * 1000:.0f})")
    return res


# ------------------------------------------------------------------------------------ reporting

def _fmt_ms(q: dict | None) -> str:
    if q is None:
        return "-"
    if "error" in q:
        err = q["error"]
        return "ERR: " + (err.split(":", 1)[0] if not err.startswith("translate") else "translate")
    return f"{q['ms']:.1f}"


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def build_report(args, records: dict, queries: list[int]) -> tuple[str, dict]:
    engines = list(records)
    base = "duckdb" if "duckdb" in records else None
    subject = next((e for e in engines if e != base), None) if base else None
    checks: dict = {}
    ratios: dict = {}
    if base:
        for e in engines:
            if e == base:
                continue
            checks[e], ratios[e] = {}, {}
            for n in queries:
                qe = records[e]["queries"].get(n)
                qb = records[base]["queries"].get(n)
                if not qe or not qb:
                    checks[e][n] = ("ERR", records[e].get("load_error") or records[base].get("load_error") or "")
                    continue
                if "error" in qe or "error" in qb:
                    checks[e][n] = ("ERR", qe.get("error") or f"{base}: {qb.get('error')}")
                    continue
                ratios[e][n] = qe["ms"] / qb["ms"] if qb["ms"] > 0 else None
                try:
                    ok, detail = compare_results(records[e]["answers"][n], records[base]["answers"][n],
                                                 _has_order_by(load_query(n)))
                except Exception as exc:
                    ok, detail = False, "compare: " + short_error(exc)
                checks[e][n] = ("OK" if ok else "FAIL", detail)

    lines = []
    hdr = f"TPC-H SF{scale_name(args.scale)} -- median of {args.runs} warm runs after 1 untimed run, ms " \
          f"(query + fetch as Arrow)"
    lines.append(hdr)
    if getattr(args, "external", False):
        lines.append("external mode: warehouse external tables over the Parquet files (no load) vs DuckDB views over read_parquet")
    cols = ["query"] + engines
    if subject:
        cols += [f"{subject}/{base}", "check"]
    widths = [max(7, len(c)) for c in cols]
    rows = []
    for n in queries:
        row = [f"Q{n:02d}"] + [_fmt_ms(records[e]["queries"].get(n)) if "load_error" not in records[e]
                                 else "ERR: load" for e in engines]
        if subject:
            r = ratios[subject].get(n)
            row += [f"{r:.2f}" if r else "-", checks[subject][n][0]]
        rows.append(row)
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    fmt_row = lambda r: "  ".join(c.ljust(w) if i in (0, len(r) - 1) and subject else c.rjust(w)
                                  for i, (c, w) in enumerate(zip(r, widths)))
    lines.append(fmt_row(cols).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(fmt_row(r).rstrip() for r in rows)
    lines.append("")

    summary: dict = {"engines": {}}
    for e in engines:
        rec = records[e]
        ok_ms = [q["ms"] for q in rec["queries"].values() if "ms" in q]
        s = {
            "queries_ok": len(ok_ms),
            "total_ms": sum(ok_ms) if ok_ms else None,
            "geomean_ms": geomean(ok_ms),
            "load_s": rec.get("load_s"),
            "peak_rss_mb": rec.get("peak_rss_mb"),
            "rss_start_mb": rec.get("rss_start_mb"),
        }
        summary["engines"][e] = s
        load = f"{s['load_s']:.2f} s" if s["load_s"] is not None else f"ERR {rec.get('load_error', '')}"
        tot = f"{s['total_ms']:.0f} ms" if s["total_ms"] is not None else "-"
        gm = f"{s['geomean_ms']:.1f} ms" if s["geomean_ms"] else "-"
        mem = f"peak RSS {s['peak_rss_mb']:.0f} MB" if s["peak_rss_mb"] else "peak RSS unknown"
        if s["rss_start_mb"] is not None:
            mem += f" (phase start {s['rss_start_mb']:.0f} MB)"
        if rec.get("isolated"):
            mem += ", own process"
        lines.append(f"{e:>10}: {s['queries_ok']}/{len(queries)} queries ran, total {tot}, geomean {gm}, "
                     f"load {load}; {mem}")
    if subject:
        rs = [r for r in ratios[subject].values() if r]
        n_ok = sum(1 for c in checks[subject].values() if c[0] == "OK")
        gm, mx = geomean(rs), (max(rs) if rs else None)
        summary["subject"], summary["baseline"] = subject, base
        summary["ratio_geomean"], summary["ratio_max"] = gm, mx
        summary["checks_ok"] = n_ok
        le, lb = records[subject].get("load_s"), records[base].get("load_s")
        summary["load_ratio"] = le / lb if le and lb else None
        lines.append("")
        lines.append(f"{subject}/{base}: geometric mean of ratios {gm:.2f} over {len(rs)} queries, "
                     f"max {mx:.2f}" if gm else f"{subject}/{base}: no query ran on both")
        lines.append(f"answers checked against {base}: {n_ok}/{len(queries)} OK")
        if summary["load_ratio"]:
            lines.append(f"load: {subject} {le:.2f} s, {base} {lb:.2f} s, ratio {summary['load_ratio']:.2f}")
    cs = records.get("warehouse", {}).get("cold_start")
    if cs:
        summary["cold_start"] = cs
        if "error" in cs:
            lines.append(f"cold start (new process, open database, Q6): ERR {cs['error']}")
        else:
            lines.append(f"cold start (new process, open database, Q6): {cs['outside_s'] * 1000:.0f} ms "
                         f"wall; inside {cs['inside_s'] * 1000:.0f} ms = import {cs['import_s'] * 1000:.0f} "
                         f"+ connect {cs['connect_s'] * 1000:.0f} + Q6 {cs['query_s'] * 1000:.0f}; "
                         f"child peak RSS {cs['maxrss_mb']:.0f} MB")
    # clear_refs also resets ru_maxrss, so the process peak is the largest phase peak.
    peaks = [r.get("peak_rss_mb") or 0 for r in records.values()] + [process_maxrss_mb()]
    summary["process_maxrss_mb"] = max(peaks)
    lines.append(f"process peak RSS (all engines): {summary['process_maxrss_mb']:.0f} MB")

    problems = []
    for e in engines:
        if "load_error" in records[e]:
            problems.append(f"{e} load: {records[e]['load_error']}")
        for n in queries:
            q = records[e]["queries"].get(n) or {}
            if "error" in q:
                problems.append(f"{e} Q{n:02d}: {q['error']}")
    for e, per in checks.items():
        for n, (st, detail) in per.items():
            if st == "FAIL":
                problems.append(f"{e} Q{n:02d} answer differs from {base}: {detail}")
    if problems:
        lines.append("")
        lines.append("errors and differences:")
        lines.extend("  " + textwrap.shorten(p, 300) for p in problems)
    summary["checks"] = {e: {f"Q{n:02d}": list(v) for n, v in per.items()} for e, per in checks.items()}
    return "\n".join(lines), summary


def save_results(args, records, summary, report, queries) -> Path:
    out_dir = Path(args.results_dir)
    if not out_dir.is_absolute():
        out_dir = REPO_ROOT / out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"tpch-sf{scale_name(args.scale)}-{stamp}.json"
    doc = {
        "benchmark": "tpch",
        "scale": args.scale,
        "runs": args.runs,
        "statistic": "median of warm runs (after one untimed run), milliseconds",
        "queries": queries,
        "when": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
        "args": {k: v for k, v in vars(args).items()},
        "engines": {e: {k: v for k, v in r.items() if k != "answers"} for e, r in records.items()},
        "summary": summary,
        "report": report,
    }
    path.write_text(json.dumps(doc, indent=1, default=str))
    try:
        from bench.charts import tpch_chart

        tpch_chart(doc, path.with_suffix(".png"))
    except ImportError:
        pass
    except Exception as exc:  # a chart is a nicety, never a failure
        print(f"(chart skipped: {short_error(exc)})", file=sys.stderr)
    return path


# ------------------------------------------------------------------------------------------ CLI

def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench.tpch", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="TPC-H scale factor (default 1)")
    ap.add_argument("--external", action="store_true",
                    help="no load: warehouse reads the Parquet files through external tables, DuckDB through "
                         "views over read_parquet (the external-table speed target)")
    ap.add_argument("--queries", default="all", help="comma-separated query numbers, e.g. 1,6,14 (default all)")
    ap.add_argument("--engines", default=",".join(DEFAULT_ENGINES),
                    help=f"comma-separated, from {','.join(KNOWN_ENGINES)} (default %(default)s)")
    ap.add_argument("--runs", type=int, default=3, help="timed warm runs per query; the median is reported")
    ap.add_argument("--db-dir", default=None,
                    help="warehouse database directory (default bench/data/tpch-sf<scale>.wh; recreated)")
    ap.add_argument("--nodes", type=int, default=None, help="warehouse simulated nodes")
    ap.add_argument("--slices", type=int, default=None, help="warehouse slices per node")
    ap.add_argument("--data-root", default="bench/data", help="where generated data lives")
    ap.add_argument("--results-dir", default="bench/results")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds before one query run is abandoned (0: no limit)")
    ap.add_argument("--slow-seconds", type=float, default=30.0,
                    help="a query whose first run takes longer is not repeated")
    ap.add_argument("--isolate", choices=("none", "warehouse", "all"), default="warehouse",
                    help="engines run in a child process of their own, so a crash or an out-of-memory "
                         "kill ends only that engine's run and its peak memory is its own "
                         "(default: warehouse)")
    ap.add_argument("--no-cold-start", dest="cold_start", action="store_false",
                    help="skip the warehouse cold-start measurement")
    ap.add_argument("--no-save", dest="save", action="store_false", help="do not write bench/results/")
    ap.add_argument("-q", "--quiet", action="store_true", help="only print the final report")
    args = ap.parse_args(argv)
    if args.queries in ("all", ""):
        args.query_list = list(QUERY_NUMBERS)
    else:
        args.query_list = sorted({int(x.strip().lstrip("qQ")) for x in args.queries.split(",") if x.strip()})
        bad = [n for n in args.query_list if n not in QUERY_NUMBERS]
        if bad:
            ap.error(f"no such TPC-H query: {bad}")
    args.engine_list = [e.strip().lower() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in args.engine_list if e not in KNOWN_ENGINES]
    if unknown:
        ap.error(f"unknown engine(s) {unknown}; choose from {KNOWN_ENGINES}")
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    log = _make_log(args.quiet)
    data = ensure_data(args.scale, "parquet", args.data_root, quiet=args.quiet)
    log(f"data: {data}")
    engines = list(args.engine_list)
    if "sqlite" in engines and args.scale > SQLITE_MAX_SCALE:
        log(f"[sqlite] skipped: only run at --scale <= {SQLITE_MAX_SCALE}")
        engines.remove("sqlite")
    records = {}
    for e in engines:
        isolate = args.isolate == "all" or (args.isolate == "warehouse" and e == "warehouse")
        runner = run_engine_isolated if isolate else run_engine
        records[e] = runner(e, args, data, args.query_list, log)
        gc.collect()
    report, summary = build_report(args, records, args.query_list)
    print(report)
    if args.save:
        path = save_results(args, records, summary, report, args.query_list)
        print(f"\nsaved {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    return 0
