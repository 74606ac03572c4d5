"""TPC-H data for the benchmarks, generated with ``tpchgen-cli`` on first use.

``ensure_data(1)`` returns ``bench/data/tpch-sf1-parquet`` holding one file per table
(``lineitem.parquet``, ...), generating it only when a table file is missing. Generation writes
into a temporary sibling directory and renames it into place, so an interrupted run never leaves
a half-written data set that a later run would trust.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
EXTENSIONS = {"parquet": "parquet", "tbl": "tbl", "csv": "csv"}

REPO_ROOT = Path(__file__).resolve().parents[2]


def scale_name(scale: float) -> str:
    """1 -> '1', 0.1 -> '0.1', 10.0 -> '10' (used in directory and database names)."""
    return f"{float(scale):g}"


def data_dir(scale: float, fmt: str = "parquet", root: str | os.PathLike = "bench/data") -> Path:
    root = Path(root)
    if not root.is_absolute():
        root = REPO_ROOT / root
    return root / f"tpch-sf{scale_name(scale)}-{fmt}"


def table_files(directory: Path, fmt: str = "parquet") -> dict[str, Path]:
    ext = EXTENSIONS[fmt]
    return {t: directory / f"{t}.{ext}" for t in TABLES}


def _complete(directory: Path, fmt: str) -> bool:
    return all(p.is_file() for p in table_files(directory, fmt).values())


def tpchgen_executable() -> str:
    """tpchgen-cli from the running interpreter's environment, else from PATH."""
    here = Path(sys.executable).parent / "tpchgen-cli"
    if here.is_file():
        return str(here)
    found = shutil.which("tpchgen-cli")
    if found:
        return found
    raise FileNotFoundError(
        "tpchgen-cli not found next to %s or on PATH; install it with "
        "`pip install tpchgen-cli` (it is in the project's [bench] and [test] extras)" % sys.executable
    )


def ensure_data(scale: float, fmt: str = "parquet", root: str | os.PathLike = "bench/data",
                quiet: bool = False) -> Path:
    """Return the directory with TPC-H data at ``scale`` in ``fmt``; generate it if missing."""
    if fmt not in EXTENSIONS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(EXTENSIONS)}")
    target = data_dir(scale, fmt, root)
    if _complete(target, fmt):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    try:
        cmd = [tpchgen_executable(), fmt, "-s", scale_name(scale), "--output-dir", str(tmp)]
        if not quiet:
            print(f"generating TPC-H SF{scale_name(scale)} ({fmt}) into {target} ...", file=sys.stderr)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL if quiet else None)
        if not _complete(tmp, fmt):
            raise RuntimeError(f"tpchgen-cli did not write all TPC-H tables into {tmp}")
        if target.exists():  # a partial directory from an older, interrupted run
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Generate TPC-H data with tpchgen-cli (idempotent).")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--format", default="parquet", choices=sorted(EXTENSIONS))
    ap.add_argument("--root", default="bench/data")
    args = ap.parse_args(argv)
    print(ensure_data(args.scale, args.format, args.root))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
