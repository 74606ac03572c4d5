"""ExternalScan: an external table's rows, streamed from its objects each time the plan runs.

The objects under the table's ``LOCATION`` (for a partitioned table: under each registered
partition's location, whose values become the partition columns) are listed when the
query runs and read through ``loaders.hive`` with the table's SerDe rules; only the columns
the plan needs are converted (Parquet/ORC/JSON read only those).  The scan is the leaf of
a per-chunk pipeline (``run_external``, called by ``executor.execute_sliced``): each chunk
read (an object or a piece of one) goes through the Filter/Project chain above the scan and
the consumer's per-part step (a partial aggregate) on the thread that read it, so objects
are read and processed in parallel and the table is never materialised whole.  Filters
directly above a Parquet scan also skip row groups whose min/max statistics rule them out.  Rows that did not read
cleanly are counted in a notice (``ctx.stats["notices"]``), never fatal; an object that
cannot be read at all fails the query with a message naming it.

Partition pruning: a WHERE conjunct that reads only partition columns is evaluated over
the registered partitions' values when the plan is built (``prune_partitions``, called by
``plan.joins.add_filter``); only the partitions where it is true are listed and read, and
EXPLAIN says ``partitions: k of n``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from loaders.hive import HiveChunk, HiveFormat, read_hive
from loaders.objectstore import SourceObject, filesystem_for, is_remote, list_prefix
from loaders.rejects import LoadError
from loaders.spec import LoadSpec
from warehouse.errors import DataError
from warehouse.exec.projection import candidates, domain_size, projection_of
from warehouse.vector import Batch, Vector, concat_batches, vector_from_arrow, vector_to_arrow

if TYPE_CHECKING:
    from warehouse.types import SqlType
    from warehouse.catalog.external import ExternalTableDef
    from warehouse.plan.expressions import Expr
    from warehouse.exec.executor import ExecContext
    from warehouse.plan.logical import ExternalScan, Plan

__all__ = ["execute_external_scan", "hive_format", "list_location", "prune_partitions", "run_external", "scan_external"]


def hive_format(d: ExternalTableDef) -> HiveFormat:
    """The table's SerDe settings as the readers take them.  A setting the readers cannot
    honour (an unknown ``compressionType`` or ``serialization.encoding``, an OpenCSVSerde
    character that is not one character) is a 0A000/22023 error naming the property."""
    from dataclasses import replace

    from loaders.compression import compression_type, text_encoding
    from warehouse.errors import NotSupportedError

    sp = {k.lower(): v for k, v in d.serde_properties.items()}
    tp = {k.lower(): v for k, v in d.table_properties.items()}
    kind = d.format
    skip = int(tp.get("skip.header.line.count", "0") or 0)
    null_format = tp.get("serialization.null.format", sp.get("serialization.null.format", "\\N"))
    invalid_as_null = tp.get("use.null.for.invalid.data", sp.get("use.null.for.invalid.data", "false")).strip().lower() == "true"
    if kind == "CSV":
        def char(key: str, default: str) -> str | None:
            v = sp.get(key.lower(), default)
            if v is None or v == "":
                return None
            if len(v) != 1:
                msg = f"OpenCSVSerde: SERDEPROPERTIES '{key}' must be one character, not {v!r}"
                raise DataError(msg, sqlstate="22023")
            return v
        fmt = HiveFormat("CSV", delimiter=char("separatorChar", ",") or ",", quote=char("quoteChar", '"') or '"',
                         csv_escape=char("escapeChar", "\\"), invalid_as_null=invalid_as_null,
                         null_format=null_format if "serialization.null.format" in tp or "serialization.null.format" in sp else None,
                         skip_header=skip)
    elif kind == "REGEX":
        fmt = HiveFormat("REGEX", regex=sp.get("input.regex"), skip_header=skip,
                         regex_ignore_case=sp.get("input.regex.case.insensitive", "false").lower() == "true")
    elif kind == "DELIMITED":
        delim = sp.get("field.delim", sp.get("serialization.format", "\x01"))
        collection = sp.get("collection.delim", sp.get("colelction.delim", "\x02"))  # Hive's own key is misspelled
        fmt = HiveFormat("DELIMITED", delimiter=_control(delim), escape="escape.delim" in sp,
                         null_format=null_format, skip_header=skip, collection_delim=_control(collection),
                         mapkey_delim=_control(sp.get("mapkey.delim", "\x03")))
    elif kind == "JSON":
        fmt = HiveFormat(kind, json_mapping=tuple((k[len("mapping."):], v) for k, v in sp.items() if k.startswith("mapping.")),
                         json_ignore_case=sp.get("case.insensitive", "true").strip().lower() != "false",
                         ignore_malformed=sp.get("ignore.malformed.json", "false").strip().lower() == "true",
                         dots_in_keys=sp.get("dots.in.keys", "false").strip().lower() == "true", invalid_as_null=invalid_as_null)
    else:
        return HiveFormat(kind)  # Parquet/ORC: compression and encoding are the file's own
    # compressionType (Athena): objects whose extension names no codec; compression_type
    # (Redshift Spectrum): every object, whatever its extension
    try:
        if "compression_type" in tp:
            fmt = replace(fmt, compression=compression_type(tp["compression_type"]), compression_override=True)
        elif "compressiontype" in tp:
            fmt = replace(fmt, compression=compression_type(tp["compressiontype"]))
        encoding = sp.get("serialization.encoding", tp.get("serialization.encoding"))
        if encoding is not None:
            fmt = replace(fmt, encoding=text_encoding(encoding))
    except ValueError as e:
        raise NotSupportedError(f'external table "{d.schema}.{d.name}": {e}') from None
    return fmt


def _control(delim: str) -> str:
    """Hive reads a delimiter that is a number as a character code (``'9'`` is a tab); Hive's
    escapes ``\\t``, ``\\n`` and an octal ``\\001`` name control characters too."""
    if delim.isdigit() and int(delim) < 128:
        return chr(int(delim))
    if len(delim) > 1 and delim[0] == "\\":
        named = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "0": "\x00"}
        if delim[1:].isdigit() and len(delim) == 4:
            return chr(int(delim[1:], 8))
        if delim[1:] in named:
            return named[delim[1:]]
    return delim[:1] if delim else "\x01"


def list_location(url: str) -> list[SourceObject]:
    """The data objects under a location (a folder: a trailing ``/`` is implied).

    Hidden objects (``.name``, ``_name``: Hive's and Spark's markers) are skipped.  A
    location with no objects is an empty table; a missing bucket is an error.
    """
    folder = url if url.endswith("/") else url + "/"
    _, base = filesystem_for(folder)
    if not is_remote(url) and not os.path.isdir(base):
        return []
    return [o for o in list_prefix(folder) if not _hidden(o.path[len(base) :])]


def _list_locations(urls: list[str]) -> dict[str, list[SourceObject]]:
    """The data objects under each of ``urls`` (folders), from one listing of their common
    prefix (projected partitions: most candidate locations hold nothing)."""
    if not urls:
        return {}
    folders = {u: u if u.endswith("/") else u + "/" for u in urls}
    common = os.path.commonprefix(list(folders.values()))
    common = common[: common.rfind("/") + 1]
    scheme = common.find("://")
    if not common or (scheme >= 0 and "/" not in common[scheme + 3 :]):
        return {u: list_location(u) for u in urls}  # different buckets
    bases = {filesystem_for(f)[1]: u for u, f in folders.items()}
    out: dict[str, list[SourceObject]] = {u: [] for u in urls}
    for o in list_location(common):
        # the deepest candidate folder holding the object
        cut = len(o.path)
        while True:
            cut = o.path.rfind("/", 0, cut)
            if cut < 0:
                break
            u = bases.get(o.path[: cut + 1])
            if u is not None:
                if not _hidden(o.path[cut + 1 :]):
                    out[u].append(o)
                break
    return out


def _hidden(rel: str) -> bool:
    return any(part.startswith(("_", ".")) for part in rel.split("/") if part)


def scan_external(
    plan: ExternalScan, ctx: ExecContext, then: Callable[[Batch], Any], row_filter: list[tuple[str, str, list[Any]]] | None = None
) -> tuple[list[Any], list[str]]:
    """Stream the table's objects: every chunk read (an object, or a piece of a large one)
    becomes a ``Batch`` of ``plan.fields`` and goes through ``then`` on the thread that read
    it, so reading, converting and the caller's per-chunk work (filters, projections,
    partial aggregates) run in parallel and the table is never held whole.  Returns the
    results of ``then`` (in no particular order) and the notices about rows that did not
    read cleanly.  ``row_filter``: ``(column, op, [pyarrow scalars])`` conjuncts that let
    Parquet skip row groups (see ``loaders.hive``)."""
    d = plan.table
    columns = plan.columns
    names = tuple(c.name for c in d.columns)
    types = [c.sql_type for c in d.columns]
    spec = LoadSpec(names=names, types=tuple(t.arrow_type for t in types),
                    lengths=tuple(t.length if t.is_string else None for t in types))
    data_columns = [c for c in columns if c in names]
    wanted = [names.index(c) for c in data_columns] or [0]  # one column at least, for the row count
    fmt = hive_format(d)
    started = _now()
    notices: list[str] = []
    by_url, objects, total_partitions, qualified = _objects(plan, notices)
    counts = [0, 0, 0, 0, 0, 0, 0]  # skipped, nulled, unmatched, malformed, rows, splits read, splits in all
    lock = threading.Lock()
    pcols = {c.name: c for c in d.partition_columns}

    def batch_of(chunk: HiveChunk) -> Any:
        ctx.check()
        n = chunk.num_rows
        # Parquet/ORC: an object's row groups come with its first chunk; text: a chunk is a split
        read, total = chunk.row_groups or ((0, 0) if fmt.kind in ("PARQUET", "ORC") else (1, 1))
        with lock:
            for i, k in enumerate((chunk.skipped, chunk.nulled, chunk.unmatched, chunk.malformed, n, read, total)):
                counts[i] += k
        values = by_url.get(chunk.filename, {})
        cols = []
        for f, name in zip(plan.fields, columns):
            if name in pcols:
                cols.append(_constant(pcols[name], values.get(name), f.type, n))
            else:
                cols.append(_column(chunk, data_columns.index(name), f.type, n))
        return then(Batch(cols, n))

    try:
        results = [r for r in read_hive(objects, spec, fmt, wanted, batch_of, row_filter, physical=True) if r is not None]
    except LoadError as e:
        raise DataError(f'external table "{d.schema}.{d.name}": {e}', sqlstate="XX000") from None
    ctx.check()
    skipped, nulled, unmatched, malformed, rows, splits, total_splits = counts
    ctx.stats.setdefault("s3_scans", []).append({
        "starttime": started, "endtime": _now(), "external_table_name": f"{d.schema}.{d.name}", "file_format": d.format,
        "is_partitioned": "t" if d.partition_columns else "f", "is_rrscan": "f", "s3_scanned_rows": rows,
        "s3_scanned_bytes": sum(o.size for o in objects), "files": len(objects), "splits": splits, "total_splits": total_splits,
        "total_partitions": total_partitions, "qualified_partitions": qualified,
    })
    if skipped:
        notices.append(f'external table "{d.name}": {skipped} malformed row(s) skipped')
    if nulled:
        notices.append(f'external table "{d.name}": {nulled} value(s) that did not convert to the column type read as NULL')
    if malformed:
        notices.append(f'external table "{d.name}": {malformed} malformed JSON record(s) read as rows of NULLs (ignore.malformed.json)')
    if unmatched:
        notices.append(f'external table "{d.name}": {unmatched} line(s) did not match input.regex and read as rows of NULLs')
    return results, notices


def _column(chunk: HiveChunk, i: int, t: SqlType, n: int) -> Vector:
    """Column ``i`` of a chunk as a vector: from its Arrow table, or from the physical
    arrays ``loaders.parquet_direct`` decoded (already in this type's form)."""
    if chunk.decoded is None:
        return _vector(chunk.table.column(i), t)
    d = chunk.decoded[i]
    if d is None:  # the object lacks the column
        return vector_from_arrow(pa.nulls(n, t.arrow_type), t)
    if d.arrow is not None:
        return _vector(pa.chunked_array([d.arrow]), t)
    data = d.values if d.values.dtype == t.numpy_dtype else d.values.astype(t.numpy_dtype)
    return Vector(t, data, d.valid, d.dictionary)


def _vector(col: pa.ChunkedArray, t: SqlType) -> Vector:
    """A chunk's column as a vector.  A Parquet string column read as a dictionary (one
    dictionary per row group, unique by construction: Parquet writers and Arrow's reader
    build it with a hash table) becomes codes and dictionary as they are, without hashing
    its values again as ``vector_from_arrow`` does for dictionaries of unknown origin."""
    if t.is_string and col.num_chunks == 1 and pa.types.is_dictionary(col.type) and pa.types.is_string(col.type.value_type):
        arr = col.chunk(0)
        indices = arr.indices.fill_null(0) if arr.null_count else arr.indices
        codes = indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
        valid = None if arr.null_count == 0 else arr.is_valid().to_numpy(zero_copy_only=False)
        return Vector(t, codes, valid, arr.dictionary)
    return vector_from_arrow(col, t)


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _objects(plan: ExternalScan, notices: list[str]) -> tuple[dict[str, dict[str, str]], list[SourceObject], int, int]:
    """The objects to read (of the partitions left after pruning), per object URL its
    partition values, how many partitions the table has (projected: the projection's
    domain) and how many qualified; a location holding nothing adds to ``notices``."""
    d = plan.table
    pnames = [c.name for c in d.partition_columns]
    projected = projection_of(d) is not None
    if projected:
        sources = [(loc, dict(zip(pnames, values))) for values, loc in candidates(d, plan.projection_filters or [])]
        total = domain_size(d) or len(sources)
    elif d.partition_columns:
        chosen = range(len(d.partitions)) if plan.partitions is None else plan.partitions
        sources = [(d.partitions[i][1], dict(zip(pnames, d.partitions[i][0]))) for i in chosen]
        total = len(d.partitions)
    else:
        sources = [(d.location, {})]
        total = 0
    try:
        listed = _list_locations([loc for loc, _ in sources]) if projected else None
        by_url: dict[str, dict[str, str]] = {}
        objects: list[SourceObject] = []
        empty: list[str] = []
        for location, values in sources:
            found = listed.get(location, []) if listed is not None else list_location(location)
            if not found:
                empty.append(location)
            for o in found:
                if o.url not in by_url:
                    by_url[o.url] = values
                    objects.append(o)
    except LoadError as e:
        raise DataError(f'external table "{d.schema}.{d.name}": {e}', sqlstate="XX000") from None
    if empty and not projected:  # Athena and Spectrum read an empty location as no rows: say so
        where = f"under {empty[0]}" if len(empty) == 1 else f"under {len(empty)} partition locations (e.g. {empty[0]})"
        notices.append(f'external table "{d.name}": no data objects {where}; it reads as empty')
    return by_url, objects, total, len(sources) if d.partition_columns else 0


def _constant(c, text: str | None, t: SqlType, n: int) -> Vector:  # noqa: ANN001 - ExternalColumn
    """A partition column's value (text, converted to its type) repeated ``n`` times."""
    one = vector_from_arrow(_partition_array(c, pa.array([text], pa.string())), t)
    return one.take(np.zeros(n, dtype=np.int64))


def prune_partitions(plan: ExternalScan, predicate: Expr) -> bool:
    """Narrow ``plan.partitions`` to those where ``predicate`` (over the scan's output
    columns) is true, when it reads partition columns only and is deterministic; returns
    whether it did.  Rows of the kept partitions still pass through the predicate."""
    from warehouse.exec.evaluate import evaluate_predicate
    from warehouse.functions.registry import FUNCTIONS
    from warehouse.plan.expressions import Call, column_indexes, walk

    d = plan.table
    pnames = [c.name for c in d.partition_columns]
    used = column_indexes(predicate)
    if not used or any(i >= len(plan.columns) or plan.columns[i] not in pnames for i in used):
        return False
    for e in walk(predicate):
        if isinstance(e, Call):
            f = FUNCTIONS.get(e.fn)
            if f is None or not f.deterministic:
                return False
        elif type(e).__name__ not in ("ColumnRef", "Literal"):
            return False  # subqueries, parameters of outer queries...
    if projection_of(d) is not None:  # projected partitions: enumerated from all conjuncts at run time
        entry = (predicate, {i: plan.columns[i] for i in used})
        if not any(p is predicate for p, _ in plan.projection_filters):
            plan.projection_filters.append(entry)
        return True
    chosen = list(range(len(d.partitions)) if plan.partitions is None else plan.partitions)
    if not chosen:
        return True
    cols: list = [None] * len(plan.columns)
    for i in used:
        name = plan.columns[i]
        k = pnames.index(name)
        arr = pa.array([d.partitions[p][0][k] for p in chosen], pa.string())
        cols[i] = vector_from_arrow(_partition_array(d.partition_columns[k], arr), plan.fields[i].type)
    try:
        keep = evaluate_predicate(predicate, Batch(cols, len(chosen)))
    except Exception:  # noqa: BLE001 - an error is the query's to raise, on the rows, at run time
        return False
    plan.partitions = tuple(p for p, k in zip(chosen, keep) if k)
    return True


def _partition_array(c, text: pa.Array) -> pa.Array:  # noqa: ANN001 - ExternalColumn
    """Partition values (text) converted leniently to the column's type."""
    from loaders.hive import convert_lenient

    t = c.sql_type
    spec = LoadSpec(names=(c.name,), types=(t.arrow_type,), lengths=(t.length if t.is_string else None,), null_as="__HIVE_DEFAULT_PARTITION__")
    converted, _ = convert_lenient([text], spec)
    return converted[0]


def execute_external_scan(plan: ExternalScan, ctx: ExecContext) -> Batch:
    """The whole table (in ``plan.columns``): a bare scan, e.g. a join's input."""
    return run_external(plan, [], ctx, None)


def run_external(plan: ExternalScan, chain: list[Plan], ctx: ExecContext, each: Callable[[Batch], Batch] | None) -> Batch | list[Batch]:
    """Stream the scan through ``chain`` (Filter/Project operators, lowest first) and then
    ``each``; with ``each`` None the results are concatenated into one batch, otherwise
    the list of ``each``'s results is returned.  Filters directly above the scan also prune
    Parquet row groups by their statistics."""
    from warehouse.exec.executor import apply_chain

    returned = [0]
    lock = threading.Lock()

    def then(batch: Batch) -> Batch | None:
        out = apply_chain(chain, batch, ctx)
        with lock:
            returned[0] += out.length
        if each is None and out.length == 0:
            return None
        return each(out) if each is not None else out

    parts, notices = scan_external(plan, ctx, then, _row_filter(plan, chain))
    ctx.stats["s3_scans"][-1]["s3query_returned_rows"] = returned[0]
    if notices:
        ctx.stats.setdefault("notices", []).extend(notices)
    if each is not None:
        return parts
    fields = chain[-1].fields if chain else plan.fields
    return concat_batches(parts, len(fields)) if parts else _empty(fields)


def _empty(fields: list) -> Batch:  # noqa: ANN001 - Field
    return Batch([Vector.empty(f.type) for f in fields], 0)


def _row_filter(plan: ExternalScan, chain: list[Plan]) -> list[tuple[str, str, list[Any]]] | None:
    """``column op constants`` conjuncts of the Filters right above the scan, on data
    columns of types whose Parquet statistics order as the engine compares (numbers,
    dates, timestamps, booleans; not strings, whose comparison rules differ)."""
    from warehouse.exec.scan import prunable_conjunct
    from warehouse.plan import logical as L
    from warehouse.plan.expressions import split_conjuncts

    if plan.table.format != "PARQUET":
        return None
    pnames = {c.name for c in plan.table.partition_columns}
    out = []
    for op in chain:
        if not isinstance(op, L.Filter):
            break
        for c in split_conjuncts(op.predicate):
            p = prunable_conjunct(c)
            if p is None:
                continue
            index, fn, values = p
            name, t = plan.columns[index], plan.fields[index].type
            if name in pnames or t.is_string:
                continue
            try:
                scalars = [vector_to_arrow(Vector(t, np.array([v], dtype=t.numpy_dtype)))[0] for v in values]
            except (TypeError, ValueError, OverflowError, pa.ArrowException):
                continue
            out.append((name, fn, scalars))
    return out or None
