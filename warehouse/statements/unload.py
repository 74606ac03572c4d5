"""UNLOAD ('query') TO 's3://bucket/prefix': a query's result written as files.

The query runs centrally; its rows are then split over the slices (``PARALLEL ON``, the
default: slice ``s`` gets the ``s``-th contiguous share of the rows, so reading the files in
name order gives the query's ORDER BY order) or kept together (``PARALLEL OFF``), cut at
``MAXFILESIZE`` and named as Redshift names them:

- ``<prefix><slice:04d>_part_<nn:02d>`` (PARALLEL ON), ``<prefix><nnn:03d>`` (PARALLEL OFF);
- plus ``.parquet`` for Parquet, the ``EXTENSION`` given, and ``.gz``/``.bz2``/``.zst``;
- ``PARTITION BY (a, b)`` writes under ``<prefix>/a=<value>/b=<value>/`` (Hive layout; NULL
  is ``__HIVE_DEFAULT_PARTITION__``), without those columns unless ``INCLUDE``;
- ``MANIFEST`` writes ``<prefix>manifest`` listing every file.

Without ``ALLOWOVERWRITE`` an UNLOAD into a prefix that already holds objects fails, as on
Redshift; with it, files of the same name are replaced (others stay: ``CLEANPATH`` removes
everything under the prefix first).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from loaders.objectstore import Credentials, delete_objects, list_prefix, open_output
from loaders.rejects import LoadError
from loaders.writers import COMPRESSION_EXTENSIONS, WriteOptions, WrittenFile, write_files
from warehouse.errors import DataError, NotSupportedError, ProgrammingError, SyntaxError_
from warehouse.progress import ProgressReporter
from warehouse.result import Result
from warehouse.sql.unload import UnloadCommand, parse_unload

if TYPE_CHECKING:
    from warehouse.session import Session

__all__ = ["unload"]

_HIVE_ESCAPE = set('"#%\'*/:=?\\{[]^\x7f') | {chr(c) for c in range(32)}
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


def is_unload(ast: exp.Expression) -> bool:
    return isinstance(ast, exp.Command) and str(ast.this).upper() == "UNLOAD"


def unload(session: Session, ast: exp.Expression, sql: str) -> Result:
    """Run an UNLOAD statement: query, write the files (and manifest), report progress."""
    text = str(ast.expression.name) if isinstance(ast, exp.Command) and ast.expression is not None else sql
    cmd = parse_unload(text)
    table, types = _run_query(session, cmd)
    creds = Credentials(cmd.access_key, cmd.secret_key, cmd.session_token, cmd.region)
    rep = ProgressReporter(session.progress, "unload")
    try:
        files = _unload(session, cmd, table, types, creds, rep)
    except LoadError as e:
        raise DataError(f"UNLOAD failed: {e}", sqlstate="58030") from None
    finally:
        rep.finish()
    rows = sum(f.rows for f in files)
    session.last_unload_count = rows
    return Result(status="UNLOAD", rowcount=rows, notices=[f"UNLOAD completed, {rows} record(s) unloaded successfully."])


def _run_query(session: Session, cmd: UnloadCommand) -> tuple[pa.Table, list[Any]]:
    from warehouse.sql.dialect import parse

    statements = parse(cmd.query)
    if len(statements) != 1:
        msg = "UNLOAD takes exactly one SELECT statement"
        raise SyntaxError_(msg)
    ast = statements[0]
    if not isinstance(ast, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Values, exp.Subquery)):
        msg = f"UNLOAD takes a SELECT statement, not {ast.key.upper()}"
        raise SyntaxError_(msg)
    if ast.args.get("limit") is not None:
        msg = "LIMIT is not supported in the outer SELECT of UNLOAD"
        raise NotSupportedError(msg, hint="move it into a subquery: SELECT * FROM (SELECT ... LIMIT n)")
    result = session.run_query(ast, cmd.query, [])
    table = result.table if result.table is not None else pa.table({})
    return table, list(result.types)


def _unload(session: Session, cmd: UnloadCommand, table: pa.Table, types: list[Any], creds: Credentials, rep: ProgressReporter) -> list[WrittenFile]:
    names = table.column_names
    for c in cmd.partition_by:
        if c not in names:
            msg = f'PARTITION BY column "{c}" is not in the UNLOAD query\'s result'
            raise ProgrammingError(msg, sqlstate="42703")
    if cmd.partition_by and len(cmd.partition_by) == len(names) and not cmd.partition_include:
        msg = "PARTITION BY cannot use every column of the result unless INCLUDE is given"
        raise ProgrammingError(msg)
    existing = list_prefix(cmd.to, creds)
    if existing:
        if cmd.clean_path:
            delete_objects(existing)
        elif not cmd.allow_overwrite:
            where = "on S3 " if cmd.to.lower().startswith("s3") else ""
            msg = f"Specified unload destination {where}is not empty ({cmd.to}: {len(existing)} object(s), e.g. {existing[0].url})"
            raise ProgrammingError(msg, sqlstate="58030", hint="use a different prefix, remove the objects, or add ALLOWOVERWRITE (replace files of the same name) or CLEANPATH (remove everything under the prefix first)")

    opts = WriteOptions(
        format=cmd.format,
        delimiter=cmd.delimiter,
        null_as=cmd.null_as,
        add_quotes=cmd.add_quotes,
        escape=cmd.escape,
        header=cmd.header,
        compression=cmd.compression,
        max_file_size=cmd.max_file_size,
    )
    ext = _extension(cmd)
    nslices = max(int(getattr(session.catalog(), "nslices", 1) or 1), 1) if cmd.parallel else 1

    def report(f: WrittenFile) -> None:
        rep.add(f.rows, f.size, f.url)

    files: list[WrittenFile] = []
    if cmd.partition_by:
        base = cmd.to if cmd.to.endswith("/") else cmd.to + "/"
        for folder, part in _partitions(table, cmd):
            files += _write_slices(part, base + folder, "", nslices, ext, cmd, opts, creds, report)
    else:
        prefix_dir, _, stem = cmd.to.rpartition("/")
        files = _write_slices(table, prefix_dir + "/" if prefix_dir else "", stem, nslices, ext, cmd, opts, creds, report)
    if cmd.manifest:
        _write_manifest(cmd, files, names, types, creds)
    return files


def _extension(cmd: UnloadCommand) -> str:
    ext = ""
    if cmd.extension:
        ext = "." + cmd.extension
    elif cmd.format == "PARQUET":
        ext = ".parquet"
    if cmd.compression:
        comp = COMPRESSION_EXTENSIONS[cmd.compression]
        if not ext.endswith(comp):
            ext += comp
    return ext


def _write_slices(table: pa.Table, folder: str, stem: str, nslices: int, ext: str, cmd: UnloadCommand, opts: WriteOptions, creds: Credentials, report: Any) -> list[WrittenFile]:
    n = table.num_rows
    files: list[WrittenFile] = []
    if not cmd.parallel:
        return write_files(table, lambda part: f"{folder}{stem}{part:03d}{ext}", opts, creds, report)
    share = -(-n // nslices)  # rows per slice, the first slices full: few rows stay on slice 0
    bounds = [min(n, share * s) for s in range(nslices + 1)]
    for s in range(nslices):
        lo, hi = bounds[s], bounds[s + 1]
        if hi == lo and (n or s):
            continue  # slices without rows write nothing (an empty result writes one file)
        files += write_files(table.slice(lo, hi - lo), lambda part, s=s: f"{folder}{stem}{s:04d}_part_{part:02d}{ext}", opts, creds, report)
    return files


def _hive(value: Any) -> str:
    if value is None:
        return HIVE_NULL
    text = value if isinstance(value, str) else ("true" if value is True else "false" if value is False else str(value))
    return "".join(f"%{ord(c):02X}" if c in _HIVE_ESCAPE else c for c in text)


def _partitions(table: pa.Table, cmd: UnloadCommand) -> list[tuple[str, pa.Table]]:
    """(``a=1/b=x/`` folder, rows) per distinct partition key, in first-seen order."""
    from loaders.writers import _text

    def key(a: pa.Array) -> pa.Array:
        if pa.types.is_boolean(a.type):  # Hive's spelling, which Spectrum and Athena read
            return pc.if_else(a, pa.scalar("true"), pa.scalar("false"))
        return _text(a)

    keys = [key(table.column(c).combine_chunks()) for c in cmd.partition_by]
    keep = table if cmd.partition_include else table.drop_columns(list(cmd.partition_by))
    if table.num_rows == 0:
        return []
    key_rows = pa.table({f"k{i}": k for i, k in enumerate(keys)})
    groups = key_rows.append_column("row", pa.array(np.arange(table.num_rows, dtype=np.int64))).group_by([f"k{i}" for i in range(len(keys))], use_threads=False).aggregate([("row", "list")])
    out = []
    order = []
    for g in range(groups.num_rows):
        rows = groups.column("row_list")[g].values
        order.append((int(pc.min(rows).as_py()), g))
    for _, g in sorted(order):
        values = [groups.column(f"k{i}")[g].as_py() for i in range(len(keys))]
        folder = "".join(f"{c}={_hive(v)}/" for c, v in zip(cmd.partition_by, values))
        rows = groups.column("row_list")[g].values
        out.append((folder, keep.take(rows)))
    return out


def _manifest_type(t: Any) -> dict[str, Any]:
    name = str(t)
    base = name.split("(")[0]
    out: dict[str, Any] = {"base": base}
    length = getattr(t, "length", None)
    if length is not None and base in ("character varying", "character", "varchar", "char"):
        out["max_length"] = length
    if getattr(t, "precision", None) is not None and base == "numeric":
        out["precision"] = t.precision
        out["scale"] = t.scale
    return out


def _write_manifest(cmd: UnloadCommand, files: list[WrittenFile], names: list[str], types: list[Any], creds: Credentials) -> None:
    entries = []
    for f in files:
        meta: dict[str, Any] = {"content_length": f.size}
        if cmd.manifest_verbose:
            meta["record_count"] = f.rows
        entries.append({"url": f.url, "meta": meta})
    doc: dict[str, Any] = {"entries": entries}
    if cmd.manifest_verbose:
        doc["schema"] = {"elements": [{"name": n, "type": _manifest_type(t)} for n, t in zip(names, types)]}
        doc["meta"] = {"content_length": sum(f.size for f in files), "record_count": sum(f.rows for f in files)}
        doc["author"] = {"name": "warehouse", "version": "1.0.0"}
    url = (cmd.to if cmd.to.endswith("/") or not cmd.partition_by else cmd.to + "/") + "manifest"
    stream = open_output(url, creds)
    try:
        stream.write(json.dumps(doc, indent=1).encode() + b"\n")
    finally:
        stream.close()


