"""``warehouse serve`` against a local PostgreSQL 15, same machine, same client (psycopg 3).

    python bench/server_bench.py [--rows 1000000] [--repeat 3] [--latency-n 2000]

1. Streaming: ``SELECT * FROM t`` of ROWS rows x 4 columns (bigint, integer, varchar,
   double precision), fetched completely by psycopg (text format), best of REPEAT.
2. Per-statement overhead: ``SELECT 1`` over the extended protocol (a prepared statement:
   Bind/Execute/Sync per call), median of N.
PostgreSQL is initialised into a temporary directory (``initdb``, run as the ``postgres``
user when this runs as root) and listens on a loopback port; both servers stop at the end.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import psycopg

PW = "Bench-pass-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    for d in ("/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    return shutil.which(name) or name


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres(tmp: str) -> tuple[int, str]:
    data = os.path.join(tmp, "pgdata")
    os.makedirs(data)
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
        shutil.chown(data, "postgres")
    subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]), check=True, capture_output=True)
    port = _free_port()
    subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", data, "-l", os.path.join(data, "log"), "-w", "-o",
                                 f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c shared_buffers=256MB", "start"]), check=True, capture_output=True)
    return port, data


def stop_postgres(data: str) -> None:
    subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", data, "-m", "fast", "stop"]), capture_output=True)


def make_table(rows: int) -> pa.Table:
    ids = np.arange(rows, dtype=np.int64)
    labels = pa.array([f"label-{i}" for i in range(1000)]).take(pa.array(ids % 1000))
    return pa.table({"id": ids, "val": (ids % 100_000).astype(np.int32), "label": labels, "f": ids / 3.0})


def load_warehouse(path: str, table: pa.Table) -> None:
    import warehouse
    from warehouse.auth.statements import create_user_direct
    from warehouse.statements.dml import arrow_to_vectors

    con = warehouse.connect(path)
    s = con.session
    s.execute("CREATE TABLE t (id bigint, val integer, label varchar(20), f double precision)")
    d = s.catalog().get_table("public", "t").definition
    s.writer().append("public", "t", arrow_to_vectors(table, d))
    s.commit()
    txn = s.db.begin_write()
    create_user_direct(txn, "bench", PW)
    txn.commit()
    con.close()


def load_postgres(dsn: str, table: pa.Table) -> None:
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("CREATE TABLE t (id bigint, val integer, label varchar(20), f double precision)")
        cols = [table.column(i).to_pylist() for i in range(4)]
        with c.cursor().copy("COPY t FROM STDIN") as cp:
            for row in zip(*cols):
                cp.write_row(row)
        c.execute("VACUUM ANALYZE t")


def stream(dsn: str, repeat: int) -> tuple[float, int]:
    best, n = float("inf"), 0
    with psycopg.connect(dsn) as c:
        for _ in range(repeat):
            t = time.perf_counter()
            cur = c.execute("SELECT * FROM t")
            n = len(cur.fetchall())
            best = min(best, time.perf_counter() - t)
            c.rollback()
    return best, n


def latency(dsn: str, n: int) -> float:
    with psycopg.connect(dsn, autocommit=True) as c:
        for _ in range(50):
            c.execute("SELECT 1", prepare=True).fetchone()
        times = []
        for _ in range(n):
            t = time.perf_counter()
            c.execute("SELECT 1", prepare=True).fetchone()
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--latency-n", type=int, default=2000)
    args = ap.parse_args()
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    tmp = tempfile.mkdtemp(prefix="server-bench-")
    os.chmod(tmp, 0o755)
    table = make_table(args.rows)
    wh_path = os.path.join(tmp, "bench.wh")
    load_warehouse(wh_path, table)
    port_file = os.path.join(tmp, "port")
    wh = subprocess.Popen([sys.executable, "-m", "warehouse.cli.main", "serve", wh_path, "--port", "0", "--port-file", port_file, "--log-level", "WARNING"])
    pg_data = None
    try:
        pg_port, pg_data = start_postgres(tmp)
        pg_dsn = f"host=127.0.0.1 port={pg_port} dbname=postgres user=postgres"
        load_postgres(pg_dsn, table)
        while not os.path.exists(port_file):
            time.sleep(0.05)
        wh_dsn = f"host=127.0.0.1 port={open(port_file).read().strip()} dbname=bench user=bench password={PW}"
        results = {}
        for name, dsn in (("postgres15", pg_dsn), ("warehouse", wh_dsn)):
            secs, n = stream(dsn, args.repeat)
            assert n == args.rows, (name, n)
            results[name] = (secs, latency(dsn, args.latency_n))
        print(f"{'server':<12} {'stream ' + str(args.rows) + ' rows x 4 cols (s)':>34} {'rows/s':>12} {'SELECT 1 extended median (ms)':>31}")
        for name, (secs, lat) in results.items():
            print(f"{name:<12} {secs:>34.3f} {args.rows / secs:>12,.0f} {lat * 1000:>31.3f}")
        ratio = results["postgres15"][0] / results["warehouse"][0]
        print(f"warehouse streams {ratio:.2f}x as fast as PostgreSQL 15 ({'OK' if ratio >= 1 else 'SLOWER'}); "
              f"SELECT 1 median {results['warehouse'][1] * 1000:.3f} ms ({'OK' if results['warehouse'][1] < 0.001 else 'OVER 1 ms'})")
    finally:
        wh.send_signal(signal.SIGTERM)
        wh.wait(timeout=30)
        if pg_data:
            stop_postgres(pg_data)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
