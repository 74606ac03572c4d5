"""External-table benchmark (issue #6): the Wild Rydes per-minute aggregation over Firehose JSON,
warehouse vs DuckDB.

    python -m bench.external_bench [--gb 1] [--layout lines|concatenated] [--repeat 3] [--s3]

The data is what Kinesis Data Firehose delivers for the Wild Rydes lab's unicorns: objects
under ``YYYY/MM/DD/HH/`` prefixes named like Firehose's (``wildrydes-1-2024-03-01-12-00-00-<id>``),
each 64-128 MB of records as the lab's producer sends them (one object per line; with
``--layout concatenated``, ``{...}{...}`` with nothing between them, as Firehose writes records
that carry no newline).  A record::

    {"Name":"Shadowfax-007","StatusTime":"2024-03-01 12:00:01.123","Latitude":40.74968236043463,
     "Longitude":-73.98749617069124,"Distance":175.25,"MagicPoints":150,"HealthPoints":150}

128 unicorns each report once a second; about 5.9 million records per GB.  It is generated
once (numpy + pyarrow string kernels, a few seconds per GB) and cached under
``bench/data/wildrydes-<size>[-concat]/``.

Both engines run in this one process, back to back, over the same local folder (``--s3``: a
loopback S3 server for warehouse as well):

- ``warehouse``: ``CREATE EXTERNAL TABLE wildrydes (...) ROW FORMAT SERDE
  'org.apache.hive.hcatalog.data.JsonSerDe' LOCATION '<folder>'`` then
  ``SELECT Name, FLOOR(StatusTime TO MINUTE) AS minute, SUM(Distance), MIN(MagicPoints),
  MAX(HealthPoints) FROM wildrydes GROUP BY 1, 2``;
- ``duckdb``: the same aggregation over ``read_json_auto('<folder>/**/*')`` with
  ``date_trunc('minute', StatusTime)``.

Each query runs once to warm up, then ``--repeat`` times, fetching its result as an Arrow
table (both engines are columnar; turning 100,000 rows into Python tuples is client work, timed
once separately as ``fetchall``); the best wall time is reported with the process CPU time of
that run (all threads) and the ratio warehouse / DuckDB (above 1 = slower than DuckDB).  The answers are compared: the same (name, minute) groups, the
same MIN/MAX, sums equal within 1e-9 relative.  Results are printed and written to
``bench/results/external-<size>[-concat].json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
UNICORNS = ("Shadowfax", "Rocinante", "Bucephalus", "Marengo", "Copenhagen", "Comanche", "Traveller", "Trigger")
NUNICORNS = 128  # each reports once a second
RECORD_BYTES = 170  # about, for sizing
OBJECT_BYTES = 96 << 20  # Firehose's buffer: objects of 64-128 MB
START = np.datetime64("2024-03-01T12:00:00", "s")

DDL = """CREATE EXTERNAL TABLE wildrydes (Name string, StatusTime timestamp, Latitude float, Longitude float,
  Distance float, HealthPoints int, MagicPoints int)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
LOCATION '{location}'"""
WAREHOUSE_QUERY = ("SELECT Name, FLOOR(StatusTime TO MINUTE) AS minute, SUM(Distance), MIN(MagicPoints), MAX(HealthPoints) "
                   "FROM wildrydes GROUP BY 1, 2")
DUCKDB_QUERY = ("SELECT Name, date_trunc('minute', StatusTime) AS minute, SUM(Distance), MIN(MagicPoints), MAX(HealthPoints) "
                "FROM read_json_auto('{glob}'{fmt}) GROUP BY 1, 2")


def size_name(gb: float) -> str:
    return f"{gb:g}gb"


def data_dir(gb: float, layout: str = "lines") -> Path:
    return REPO_ROOT / "bench" / "data" / (f"wildrydes-{size_name(gb)}" + ("-concat" if layout == "concatenated" else ""))


# ----- data -------------------------------------------------------------------------------
def records_text(first: int, n: int, seed: int = 0, layout: str = "lines") -> bytes:
    """Records ``first .. first+n-1`` of the stream as Firehose delivers them: record i is
    unicorn ``i % 128`` at second ``i // 128`` (plus random milliseconds).  Built column-wise
    with pyarrow's string kernels; the records' bytes are the data buffer of one string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed + first)
    i = np.arange(first, first + n, dtype=np.int64)
    unicorn = i % NUNICORNS
    names = np.array([f"{UNICORNS[u % len(UNICORNS)]}-{u:03d}" for u in range(NUNICORNS)], dtype=object)
    name = pa.DictionaryArray.from_arrays(pa.array(unicorn.astype(np.int32)), pa.array(names, pa.string())).cast(pa.string())
    second = i // NUNICORNS
    # the seconds formatted once each (strftime is the slow kernel), spread by dictionary
    lo = int(second[0])
    uniq = pc.strftime(pa.array(START + np.arange(lo, int(second[-1]) + 1).astype("timedelta64[s]")), format="%Y-%m-%d %H:%M:%S")
    ts = pa.DictionaryArray.from_arrays(pa.array((second - lo).astype(np.int32)), uniq).cast(pa.string())
    millis = pc.utf8_lpad(pa.array(rng.integers(0, 1000, n)).cast(pa.string()), 3, "0")
    # the lab's coordinates have 14 decimals: written from integers (float formatting is slow)
    lat = pc.binary_join_element_wise("40.", pc.utf8_lpad(pa.array(rng.integers(0, 10**14, n)).cast(pa.string()), 14, "0"), "")
    lon = pc.binary_join_element_wise("-73.", pc.utf8_lpad(pa.array(rng.integers(0, 10**14, n)).cast(pa.string()), 14, "0"), "")
    dist = pa.array(rng.integers(4, 800, n) / 4.0).cast(pa.string())  # quarters: exact in float32 too
    magic = pa.array(rng.integers(100, 200, n)).cast(pa.string())
    health = pa.array(rng.integers(100, 200, n)).cast(pa.string())
    end = "}\n" if layout == "lines" else "}"
    parts = ['{"Name":"', name, '","StatusTime":"', ts, ".", millis, '","Latitude":', lat, ',"Longitude":', lon,
             ',"Distance":', dist, ',"MagicPoints":', magic, ',"HealthPoints":', health, end]
    text = pc.binary_join_element_wise(*parts, "")
    offsets = np.frombuffer(text.buffers()[1], np.int32, len(text) + 1, text.offset * 4)
    return text.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]


def generate(gb: float, layout: str = "lines", quiet: bool = False, target: Path | None = None,
             object_bytes: int = OBJECT_BYTES) -> Path:
    """The data set under ``bench/data/wildrydes-<size>/`` (or ``target``; made once): Firehose
    objects under hourly ``YYYY/MM/DD/HH/`` prefixes, each record's hour deciding its object's
    prefix."""
    target = target or data_dir(gb, layout)
    if _meta_path(target).is_file() and target.is_dir():
        return target
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    t0 = time.perf_counter()
    total = int(gb * 1e9)
    per_object = max(1, min(object_bytes, total) // RECORD_BYTES)
    per_hour = NUNICORNS * 3600
    first = 0
    written = 0
    k = 0
    try:
        while written < total:
            # an object never spans an hour: Firehose prefixes by the hour it delivers in
            hour = first // per_hour
            n = min(per_object, (hour + 1) * per_hour - first)
            body = records_text(first, n, layout=layout)
            when = (START + np.timedelta64(int(first // NUNICORNS), "s")).astype(object)
            prefix = tmp / when.strftime("%Y/%m/%d/%H")
            prefix.mkdir(parents=True, exist_ok=True)
            (prefix / f"wildrydes-1-{when.strftime('%Y-%m-%d-%H-%M-%S')}-{k:08x}-5f2c-4d1e-9a7b-{k:012x}").write_bytes(body)
            written += len(body)
            first += n
            k += 1
        os.replace(tmp, target)
        # beside the folder, not in it: DuckDB's '**/*' would read it as data
        _meta_path(target).write_text(json.dumps({"records": first, "bytes": written, "objects": k, "layout": layout}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not quiet:
        print(f"  generated {first:,} records, {written / 1e6:,.0f} MB in {k} objects under {target} "
              f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return target


def _meta_path(folder: Path) -> Path:
    return folder.parent / (folder.name + ".json")


def objects(folder: Path) -> list[Path]:
    """The data objects (Athena skips names starting with ``_`` or ``.``)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts))


def _read_through(folder: Path) -> int:
    total = 0
    for p in objects(folder):
        with open(p, "rb") as f:
            while block := f.read(64 << 20):
                total += len(block)
    return total


# ----- engines ----------------------------------------------------------------------------
def _timed(fn) -> tuple[float, float, object]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def _answer(table) -> dict:
    out = {}
    for name, minute, dist, magic, health in zip(*(c.to_pylist() for c in table.columns)):
        out[(name, minute.replace(tzinfo=None) if hasattr(minute, "replace") else minute)] = (float(dist), int(magic), int(health))
    return out


def compare(ours: dict, theirs: dict, rel: float = 1e-9) -> list[str]:
    """Differences between two answers {(name, minute): (sum, min, max)}; empty when equal."""
    problems = []
    if ours.keys() != theirs.keys():
        missing, extra = theirs.keys() - ours.keys(), ours.keys() - theirs.keys()
        problems.append(f"groups differ: {len(ours)} vs {len(theirs)} (missing {sorted(missing)[:3]}, extra {sorted(extra)[:3]})")
    for key in ours.keys() & theirs.keys():
        a, b = ours[key], theirs[key]
        if a[1:] != b[1:] or abs(a[0] - b[0]) > rel * max(1.0, abs(b[0])):
            problems.append(f"group {key}: warehouse {a} vs duckdb {b}")
            if len(problems) > 5:
                break
    return problems


class Warehouse:
    def __init__(self, location: str, db: Path) -> None:
        import warehouse

        self.con = warehouse.connect(str(db))
        self.con.execute("DROP TABLE IF EXISTS wildrydes")
        self.con.execute(DDL.format(location=location))

    def run(self):
        return self.con.execute(WAREHOUSE_QUERY).fetch_arrow_table()

    def rows(self):
        return self.con.execute(WAREHOUSE_QUERY).fetchall()

    def close(self) -> None:
        self.con.close()


class DuckDB:
    def __init__(self, folder: Path, layout: str) -> None:
        import duckdb

        self.con = duckdb.connect()
        # newline_delimited for one record a line; auto (DuckDB's detection) for {...}{...}
        fmt = ", format='newline_delimited'" if layout == "lines" else ", format='auto'"
        self.sql = DUCKDB_QUERY.format(glob=f"{folder}/**/*", fmt=fmt)

    def run(self):
        return self.con.sql(self.sql).to_arrow_table()

    def rows(self):
        return self.con.execute(self.sql).fetchall()

    def close(self) -> None:
        self.con.close()


def run_bench(folder: Path, layout: str = "lines", repeat: int = 3, s3: bool = False, quiet: bool = False) -> dict:
    """Warm-up + ``repeat`` runs of each engine, alternating; best runs, answers compared."""
    say = (lambda *a, **k: None) if quiet else print
    server = None
    db = Path(tempfile.mkdtemp(prefix="external-bench-")) / "bench.wh"
    env_before = dict(os.environ)
    try:
        location = str(folder)
        if s3:
            from bench.s3server import LoopbackS3

            server = LoopbackS3()
            os.environ.update(server.environment())
            client = server.client()
            client.create_bucket(Bucket="wildrydes")
            for p in objects(folder):
                client.upload_file(str(p), "wildrydes", str(p.relative_to(folder)))
            location = "s3://wildrydes/"
        engines = {"warehouse": Warehouse(location, db), "duckdb": DuckDB(folder, layout)}
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in engines}
        answers = {}
        for name, eng in engines.items():  # warm-up: numba cache loads, page cache, plan cache
            wall, cpu, rows = _timed(eng.run)
            answers[name] = _answer(rows)
            say(f"  {name:<9} warm-up: {wall:6.2f} s (cpu {cpu:6.2f} s), {len(rows):,} groups", flush=True)
        for i in range(repeat):
            for name, eng in engines.items():
                wall, cpu, _ = _timed(eng.run)
                runs[name].append((wall, cpu))
                say(f"  {name:<9} run {i + 1}:  {wall:6.2f} s (cpu {cpu:6.2f} s)", flush=True)
        python_rows = {}
        for name, eng in engines.items():  # once: the same query fetched as Python tuples (DB-API)
            wall, cpu, _ = _timed(eng.rows)
            python_rows[name] = wall
            say(f"  {name:<9} fetchall(): {wall:6.2f} s (cpu {cpu:6.2f} s)", flush=True)
        for eng in engines.values():
            eng.close()
    finally:
        if server is not None:
            server.stop()
            os.environ.clear()
            os.environ.update(env_before)
        shutil.rmtree(db.parent, ignore_errors=True)
    problems = compare(answers["warehouse"], answers["duckdb"])
    best = {k: min(v) for k, v in runs.items()}
    return {
        "layout": layout, "s3": s3, "groups": len(answers["duckdb"]), "answers_match": not problems, "problems": problems,
        "results": [{"engine": k, "seconds": best[k][0], "cpu_seconds": best[k][1], "runs": [w for w, _ in runs[k]],
                     "cpu_runs": [c for _, c in runs[k]]} for k in engines],
        "ratio": best["warehouse"][0] / best["duckdb"][0],
        "fetchall_seconds": python_rows,
        "cpu_ratio": best["warehouse"][1] / best["duckdb"][1],
    }


# ----- driver -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, default=1.0, help="size of the JSON data set in GB")
    ap.add_argument("--layout", choices=("lines", "concatenated"), default="lines",
                    help="one record per line (the lab's producer) or {...}{...} with nothing between")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per engine after the warm-up; the best is reported")
    ap.add_argument("--s3", action="store_true", help="warehouse reads the objects from a loopback S3 server (moto)")
    args = ap.parse_args(argv)

    import duckdb

    import warehouse

    folder = generate(args.gb, args.layout)
    meta = json.loads(_meta_path(folder).read_text())
    nbytes = _read_through(folder)
    print(f"== external-table benchmark: Wild Rydes per-minute aggregation, {meta['records']:,} records, "
          f"{nbytes / 1e6:,.0f} MB of JSON ({args.layout}) in {meta['objects']} objects, {os.cpu_count()} cores"
          + (", warehouse over loopback S3" if args.s3 else ""))
    out = run_bench(folder, args.layout, args.repeat, args.s3)
    print()
    print(f"  {'engine':<9} | {'seconds':>7} | {'MB/s':>6} | {'cpu s':>6}")
    for r in out["results"]:
        print(f"  {r['engine']:<9} | {r['seconds']:7.2f} | {nbytes / 1e6 / r['seconds']:6.0f} | {r['cpu_seconds']:6.2f}")
    print(f"  warehouse / duckdb: {out['ratio']:.2f}x wall, {out['cpu_ratio']:.2f}x cpu (above 1 = slower than DuckDB)")
    print(f"  answers: {out['groups']:,} groups, " + ("identical" if out["answers_match"] else "DIFFER: " + "; ".join(out["problems"])))

    suffix = size_name(args.gb) + ("-concat" if args.layout == "concatenated" else "") + ("-s3" if args.s3 else "")
    path = REPO_ROOT / "bench" / "results" / f"external-{suffix}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": "external", "query": WAREHOUSE_QUERY, "folder": str(folder), "bytes": nbytes, "records": meta["records"],
        "objects": meta["objects"],
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadavg_before": os.getloadavg()},
        "versions": {"warehouse": getattr(warehouse, "__version__", ""), "duckdb": duckdb.__version__},
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **out,
    }
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"\n  results written to {path.relative_to(REPO_ROOT)}")
    return 0 if out["answers_match"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
