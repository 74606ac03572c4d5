"""Load benchmark: TPC-H ``lineitem`` from pipe-delimited text, warehouse vs DuckDB.

    python -m bench.load_bench [--scale 1] [--tbl PATH] [--repeat 1] [--no-s3] [--json-rows N]

The same ``lineitem.tbl`` bytes are loaded by:

- ``warehouse file``: ``COPY lineitem FROM '<path>' DELIMITER '|'`` into a fresh on-disk
  database (DISTKEY l_orderkey, SORTKEY l_shipdate), committed (durable);
- ``warehouse file-nosort``: the same COPY into the table without its SORTKEY (a sorted table
  is loaded as one sorted run; without a sort key batches are written while later ones parse);
- ``warehouse s3``: the same COPY from ``s3://bench/...`` on a loopback S3-compatible server
  (moto, in this driver process; the load reads it over HTTP);
- ``duckdb disk``: ``COPY lineitem FROM '<path>' (DELIMITER '|')`` into an on-disk DuckDB
  database, then ``CHECKPOINT`` (durable, like ours);
- ``duckdb memory``: the same COPY into an in-memory DuckDB database (not durable);
- ``pyarrow s3-read``: only reading the object from the loopback server, as COPY does
  (``pyarrow.fs.S3FileSystem``), parsing nothing: the floor the S3 load cannot beat here, since
  moto serves it from Python on the same cores.

With ``--json-rows N`` (default 1,000,000; 0 skips it) the first N rows are also written as
newline-delimited JSON (by DuckDB, keys = column names) and loaded by
``COPY ... FORMAT AS JSON 'auto'`` against DuckDB's ``read_json`` with the same column types
(on disk + CHECKPOINT, and in memory).

Every load runs in its own fresh Python process, so its peak RSS (``ru_maxrss``) is that load's
alone; the seconds are the load statement(s) only (CREATE TABLE, COPY, commit or CHECKPOINT),
not interpreter start-up or imports; the RSS after imports is reported beside the peak.  The input is read once beforehand so every load starts
with it in the page cache.  The data comes from ``tpchgen-cli tbl`` (lines end with ``|``,
as dbgen writes them; both engines drop that trailing empty field).  Results are printed and
written to ``bench/results/load-<scale>.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.tpch import ddl_statements
from bench.tpch.datagen import data_dir, scale_name, tpchgen_executable

REPO_ROOT = Path(__file__).resolve().parents[1]
BUCKET = "bench"
LOADS = (("warehouse", "file"), ("warehouse", "file-nosort"), ("warehouse", "s3"), ("duckdb", "disk"), ("duckdb", "memory"), ("pyarrow", "s3-read"))
JSON_LOADS = (("warehouse", "json"), ("duckdb", "json-disk"), ("duckdb", "json-memory"))
DUCKDB_TYPES = {
    "l_orderkey": "BIGINT", "l_partkey": "BIGINT", "l_suppkey": "BIGINT", "l_linenumber": "INTEGER",
    "l_quantity": "DECIMAL(15,2)", "l_extendedprice": "DECIMAL(15,2)", "l_discount": "DECIMAL(15,2)",
    "l_tax": "DECIMAL(15,2)", "l_returnflag": "VARCHAR", "l_linestatus": "VARCHAR", "l_shipdate": "DATE",
    "l_commitdate": "DATE", "l_receiptdate": "DATE", "l_shipinstruct": "VARCHAR", "l_shipmode": "VARCHAR",
    "l_comment": "VARCHAR",
}


def lineitem_json(tbl: Path, rows: int) -> Path:
    """The first ``rows`` rows of ``tbl`` as newline-delimited JSON (written by DuckDB once)."""
    target = tbl.parent / f"lineitem-{rows}.json"
    if target.is_file():
        return target
    import duckdb

    tmp = target.with_suffix(".tmp")
    columns = ", ".join(f"'{k}': '{v}'" for k, v in DUCKDB_TYPES.items())
    duckdb.sql(
        f"COPY (SELECT * FROM read_csv('{tbl}', delim='|', header=false, columns={{{columns}}}) LIMIT {rows}) "
        f"TO '{tmp}' (FORMAT JSON)"
    )
    os.replace(tmp, target)
    return target


# ----- data -------------------------------------------------------------------------------
def lineitem_tbl(scale: float) -> Path:
    """``bench/data/tpch-sf<scale>-tbl/lineitem.tbl``, generated (lineitem only) when missing."""
    target = data_dir(scale, "tbl") / "lineitem.tbl"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="lineitem.tmp-", dir=target.parent))
    try:
        print(f"generating TPC-H SF{scale_name(scale)} lineitem.tbl into {target.parent} ...", file=sys.stderr)
        cmd = [tpchgen_executable(), "tbl", "-s", scale_name(scale), "--tables", "lineitem", "--output-dir", str(tmp)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        os.replace(tmp / "lineitem.tbl", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _read_through(path: Path) -> None:
    """Read the file once so every load finds it in the page cache."""
    with open(path, "rb") as f:
        while f.read(64 << 20):
            pass


def _dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ----- one load, in a child process ---------------------------------------------------------
def _duckdb_ddl() -> str:
    """lineitem's DDL without Redshift's table attributes."""
    ddl = ddl_statements()["lineitem"]
    return re.sub(r"\)\s*(DISTSTYLE|DISTKEY|SORTKEY|COMPOUND|INTERLEAVED)\b.*$", ")", ddl, flags=re.S | re.I)


def _rss_mb(field: str = "VmRSS") -> float | None:
    """This process's resident set now (``VmRSS``) or its peak (``VmHWM``), in MB (Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_rss_mb() -> float:
    """This process's peak RSS.  ``VmHWM`` belongs to the address space this program runs in;
    ``ru_maxrss`` would also count the parent's RSS at fork (Linux carries it across exec),
    and the driver holds the S3 server's copy of the data."""
    peak = _rss_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(engine: str, mode: str, source: str, db: str) -> dict:
    """Run one load in this (fresh) process and describe it."""
    if engine == "warehouse":
        import warehouse

        con = warehouse.connect(db)
        before = _rss_mb()
        t0 = time.perf_counter()
        ddl = ddl_statements()["lineitem"]
        if mode == "file-nosort":  # no SORTKEY: batches are appended while the next ones parse
            ddl = re.sub(r"\s(COMPOUND\s+)?SORTKEY\s*\([^)]*\)", "", ddl, flags=re.IGNORECASE)
        con.execute(ddl)
        fmt = "FORMAT AS JSON 'auto'" if mode == "json" else "DELIMITER '|'"
        cur = con.execute(f"COPY lineitem FROM '{source}' {fmt}")
        con.commit()
        seconds = time.perf_counter() - t0
        rows = con.execute("SELECT count(*) FROM lineitem").fetchone()[0]
        notices = list(cur.notices)
        con.close()
    elif engine == "pyarrow":  # the bytes only: what reading the object costs, parsing nothing
        from loaders.objectstore import list_objects

        before = _rss_mb()
        t0 = time.perf_counter()
        total = 0
        for obj in list_objects(source):
            with obj.open() as f:
                while block := f.read(16 << 20):
                    total += len(block)
        seconds = time.perf_counter() - t0
        rows, notices = None, [f"{total} bytes read"]
    else:
        import duckdb

        con = duckdb.connect(db if mode.endswith("disk") else ":memory:")
        before = _rss_mb()
        t0 = time.perf_counter()
        con.execute(_duckdb_ddl())
        if mode.startswith("json"):
            columns = ", ".join(f"'{k}': '{v}'" for k, v in DUCKDB_TYPES.items())
            con.execute(f"INSERT INTO lineitem SELECT * FROM read_json('{source}', format='newline_delimited', columns={{{columns}}})")
        else:
            con.execute(f"COPY lineitem FROM '{source}' (DELIMITER '|')")
        if mode.endswith("disk"):
            con.execute("CHECKPOINT")
        seconds = time.perf_counter() - t0
        rows = con.execute("SELECT count(*) FROM lineitem").fetchone()[0]
        notices = []
        con.close()
    return {"seconds": seconds, "rows": rows, "peak_rss_mb": _peak_rss_mb(), "rss_before_mb": before, "notices": notices}


def _run_load(engine: str, mode: str, source: str, db: Path, env: dict[str, str]) -> dict:
    for stale in (db, Path(str(db) + ".wal")):
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.load_bench", "--worker", engine, mode, source, str(db)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} {mode} load failed:\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = wall
    out["db_bytes"] = _dir_size(db) if db.exists() and not mode.endswith("memory") else None
    return out


# ----- driver -------------------------------------------------------------------------------
def _print_table(results: list[dict], nbytes: int) -> None:
    base = {r["mode"]: r for r in results if r["engine"] == "duckdb"}
    base.update({"json-" + m: base[m2] for m, m2 in (("disk", "json-disk"), ("memory", "json-memory")) if m2 in base})
    header = ("load", "seconds", "MB/s", "vs duckdb disk", "vs duckdb memory", "RSS before MB", "peak RSS MB", "on disk MB")
    rows = []
    for r in results:
        def ratio(mode: str) -> str:
            b = base.get(("json-" + mode) if r["mode"].startswith("json") else mode)
            if r["engine"] == "pyarrow":
                return "-"
            return f"{r['seconds'] / b['seconds']:.2f}x" if b else "-"
        rows.append((
            f"{r['engine']} {r['mode']}", f"{r['seconds']:.2f}", f"{r.get('bytes', nbytes) / 1e6 / r['seconds']:.0f}",
            ratio("disk"), ratio("memory"), f"{r['rss_before_mb']:.0f}" if r["rss_before_mb"] else "-", f"{r['peak_rss_mb']:.0f}",
            f"{r['db_bytes'] / 1e6:.0f}" if r["db_bytes"] else "-",
        ))
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print("  " + " | ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths))))
    print("  " + "-+-".join("-" * w for w in widths))
    for row in rows:
        print("  " + " | ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths))))
    print("  (seconds: best of the runs; ratios: time relative to DuckDB, above 1 = slower than DuckDB;")
    print("   RSS before: the process after imports and connect, before the load; peak: its high-water mark)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--tbl", type=Path, help="an existing lineitem.tbl to load instead of generating one")
    ap.add_argument("--repeat", type=int, default=1, help="runs per load; the best is reported")
    ap.add_argument("--no-s3", action="store_true", help="skip the load through the loopback S3 server")
    ap.add_argument("--keep", action="store_true", help="keep the loaded databases in bench/data")
    ap.add_argument("--json-rows", type=int, default=1_000_000, help="rows of the JSON load (0: skip it)")
    ap.add_argument("--worker", nargs=4, metavar=("ENGINE", "MODE", "SOURCE", "DB"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(*args.worker)))
        return 0

    import duckdb

    path = (args.tbl or lineitem_tbl(args.scale)).resolve()
    nbytes = path.stat().st_size
    sf = scale_name(args.scale)
    data = REPO_ROOT / "bench" / "data"
    data.mkdir(parents=True, exist_ok=True)
    print(f"== load benchmark: TPC-H SF{sf} lineitem.tbl, {nbytes / 1e6:,.0f} MB, {os.cpu_count()} cores")
    _read_through(path)

    env = dict(os.environ)
    s3 = None
    loads = [ld for ld in LOADS if not (args.no_s3 and ld[1].startswith("s3"))]
    if not args.no_s3:
        from bench.s3server import LoopbackS3

        s3 = LoopbackS3()
        env.update(s3.environment())
        t0 = time.perf_counter()
        client = s3.client()
        client.create_bucket(Bucket=BUCKET)
        client.upload_file(str(path), BUCKET, f"tpch-sf{sf}/lineitem.tbl")
        print(f"  uploaded to s3://{BUCKET}/tpch-sf{sf}/lineitem.tbl on {s3.endpoint} in {time.perf_counter() - t0:.1f} s")

    json_path = None
    if args.json_rows:
        json_path = lineitem_json(path, args.json_rows)
        _read_through(json_path)
        print(f"  JSON: first {args.json_rows:,} rows as {json_path.name}, {json_path.stat().st_size / 1e6:,.0f} MB")
        loads += list(JSON_LOADS)
    results = []
    try:
        for engine, mode in loads:
            source = f"s3://{BUCKET}/tpch-sf{sf}/lineitem.tbl" if mode.startswith("s3") else str(path)
            if mode.startswith("json"):
                source = str(json_path)
            db = data / (f"load-sf{sf}.wh" if engine == "warehouse" else f"load-sf{sf}.duckdb")
            runs = []
            for i in range(args.repeat):
                r = _run_load(engine, mode, source, db, env)
                runs.append(r)
                what = f"{r['rows']:,} rows" if r["rows"] is not None else r["notices"][0]
                print(f"  {engine:<9} {mode:<7} run {i + 1}: {r['seconds']:6.2f} s, {what}, peak RSS {r['peak_rss_mb']:,.0f} MB", flush=True)
            best = min(runs, key=lambda r: r["seconds"])
            results.append({"engine": engine, "mode": mode, "source": source, **best,
                            "bytes": Path(source).stat().st_size if not source.startswith("s3://") else nbytes,
                            "runs": [r["seconds"] for r in runs]})
            if not args.keep:
                if db.is_dir():
                    shutil.rmtree(db)
                else:
                    db.unlink(missing_ok=True)
    finally:
        if s3 is not None:
            s3.stop()

    json_counts = {r["rows"] for r in results if r["mode"].startswith("json")}
    if len(json_counts) > 1:
        print(f"  WARNING: the JSON loads disagree on the row count: {sorted(json_counts)}")
    counts = {r["rows"] for r in results if r["rows"] is not None and not r["mode"].startswith("json")}
    if len(counts) != 1:
        print(f"  WARNING: the loads disagree on the row count: {sorted(counts)}")
    print()
    _print_table(results, nbytes)

    import warehouse

    out = REPO_ROOT / "bench" / "results" / f"load-{sf}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": "load", "table": "lineitem", "scale": args.scale, "file": str(path), "bytes": nbytes,
        "rows": next(iter(counts)) if len(counts) == 1 else sorted(counts),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": {"warehouse": getattr(warehouse, "__version__", ""), "duckdb": duckdb.__version__},
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "results": [{**r, "mb_per_s": r["bytes"] / 1e6 / r["seconds"]} for r in results],
    }
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\n  results written to {out.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
