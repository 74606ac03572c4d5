"""ExternalScan: an external table's rows, read from its objects each time the plan runs.

The objects under the table's ``LOCATION`` (for a partitioned table: under each registered
partition's location, whose values become the partition columns) are listed when the
query runs and read through ``loaders.hive`` with the table's SerDe rules; only the columns
the plan needs are converted (Parquet/ORC/JSON read only those).  Rows that did not read
cleanly are counted in a notice (``ctx.stats["notices"]``), never fatal; an object that
cannot be read at all fails the query with a message naming it.

Partition pruning: a WHERE conjunct that reads only partition columns is evaluated over
the registered partitions' values when the plan is built (``prune_partitions``, called by
``plan.joins.add_filter``); only the partitions where it is true are listed and read, and
EXPLAIN says ``partitions: k of n``.

Not yet: streaming (the table is materialised per query, like every operator), predicate
pushdown into Parquet statistics.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pyarrow as pa

from loaders.hive import HiveFormat, read_hive
from loaders.objectstore import SourceObject, filesystem_for, is_remote, list_prefix
from loaders.rejects import LoadError
from loaders.spec import LoadSpec
from warehouse.errors import DataError
from warehouse.exec.projection import candidates, projection_of
from warehouse.vector import Batch, vector_from_arrow

if TYPE_CHECKING:
    from warehouse.catalog.external import ExternalTableDef
    from warehouse.plan.expressions import Expr
    from warehouse.exec.executor import ExecContext
    from warehouse.plan.logical import ExternalScan

__all__ = ["execute_external_scan", "hive_format", "list_location", "prune_partitions", "read_external"]


def hive_format(d: ExternalTableDef) -> HiveFormat:
    """The table's SerDe settings as the readers take them."""
    sp = {k.lower(): v for k, v in d.serde_properties.items()}
    tp = {k.lower(): v for k, v in d.table_properties.items()}
    kind = d.format
    skip = int(tp.get("skip.header.line.count", "0") or 0)
    null_format = tp.get("serialization.null.format", sp.get("serialization.null.format", "\\N"))
    if kind == "CSV":
        return HiveFormat("CSV", delimiter=sp.get("separatorchar", ","), quote=sp.get("quotechar", '"'),
                          null_format=null_format if "serialization.null.format" in tp or "serialization.null.format" in sp else "",
                          skip_header=skip)
    if kind == "REGEX":
        return HiveFormat("REGEX", regex=sp.get("input.regex"), skip_header=skip,
                          regex_ignore_case=sp.get("input.regex.case.insensitive", "false").lower() == "true")
    if kind == "DELIMITED":
        delim = sp.get("field.delim", sp.get("serialization.format", "\x01"))
        return HiveFormat("DELIMITED", delimiter=_control(delim), escape="escape.delim" in sp,
                          null_format=null_format, skip_header=skip)
    if kind == "JSON":
        return HiveFormat(kind, json_mapping=tuple((k[len("mapping."):], v) for k, v in sp.items() if k.startswith("mapping.")),
                          json_ignore_case=sp.get("case.insensitive", "true").strip().lower() != "false",
                          ignore_malformed=sp.get("ignore.malformed.json", "false").strip().lower() == "true")
    return HiveFormat(kind)


def _control(delim: str) -> str:
    """Hive reads a delimiter that is a number as a character code (``'9'`` is a tab)."""
    if delim.isdigit() and int(delim) < 128:
        return chr(int(delim))
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


def read_external(
    d: ExternalTableDef, columns: list[str], partitions: tuple[int, ...] | None = None, projection_filters: list | None = None
) -> tuple[pa.Table, int, list[str]]:
    """The table's rows in ``columns`` (data and partition columns), the row count (also
    when no column is asked for: ``COUNT(*)``), and notices.  ``partitions``: indexes into
    ``d.partitions`` to read (None: all); with partition projection the partitions are
    ``projection.candidates`` of ``projection_filters`` instead."""
    names = tuple(c.name for c in d.columns)
    types = [c.sql_type for c in d.columns]
    spec = LoadSpec(names=names, types=tuple(t.arrow_type for t in types),
                    lengths=tuple(t.length if t.is_string else None for t in types))
    wanted = [names.index(c) for c in columns if c in names] or [0]  # one column at least, for the row count
    fmt = hive_format(d)
    pnames = [c.name for c in d.partition_columns]
    projected = projection_of(d) is not None
    if projected:
        sources = [(loc, dict(zip(pnames, values))) for values, loc in candidates(d, projection_filters or [])]
    elif d.partition_columns:
        chosen = range(len(d.partitions)) if partitions is None else partitions
        sources = [(d.partitions[i][1], dict(zip(pnames, d.partitions[i][0]))) for i in chosen]
    else:
        sources = [(d.location, {})]
    pieces: list[pa.Table] = []
    skipped = nulled = unmatched = malformed = 0
    try:
        listed = _list_locations([loc for loc, _ in sources]) if projected else None
        for location, values in sources:
            parts: list[pa.Table] = []
            objects = listed.get(location, []) if listed is not None else list_location(location)
            for chunk in read_hive(objects, spec, fmt, wanted):
                skipped += chunk.skipped
                nulled += chunk.nulled
                unmatched += chunk.unmatched
                malformed += chunk.malformed
                if chunk.table.num_rows:
                    parts.append(chunk.table)
            if parts:
                pieces.append(_with_partition_values(pa.concat_tables(parts), d, values))
    except LoadError as e:
        raise DataError(f'external table "{d.schema}.{d.name}": {e}', sqlstate="XX000") from None
    schema = pa.schema([pa.field(c, _column_type(d, c).arrow_type) for c in columns])
    rows = sum(p.num_rows for p in pieces)
    if pieces:
        table = pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]
        result = pa.Table.from_arrays([table.column(c) for c in columns], schema=schema)
    else:
        result = schema.empty_table()
    notices = []
    if skipped:
        notices.append(f'external table "{d.name}": {skipped} malformed row(s) skipped')
    if nulled:
        notices.append(f'external table "{d.name}": {nulled} value(s) that did not convert to the column type read as NULL')
    if malformed:
        notices.append(f'external table "{d.name}": {malformed} malformed JSON record(s) read as rows of NULLs (ignore.malformed.json)')
    if unmatched:
        notices.append(f'external table "{d.name}": {unmatched} line(s) did not match input.regex and read as rows of NULLs')
    return result, rows, notices


def _column_type(d: ExternalTableDef, name: str):  # noqa: ANN202 - SqlType
    for c in d.all_columns:
        if c.name == name:
            return c.sql_type
    raise KeyError(name)


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


def _with_partition_values(table: pa.Table, d: ExternalTableDef, values: dict[str, str]) -> pa.Table:
    """``table`` plus one constant column per partition column (its value cast from text)."""
    if not values:
        return table
    for c in d.partition_columns:
        arr = pa.array([values.get(c.name)] * table.num_rows, pa.string())
        table = table.append_column(pa.field(c.name, c.sql_type.arrow_type), _partition_array(c, arr))
    return table


def execute_external_scan(plan: ExternalScan, ctx: ExecContext) -> Batch:
    table, rows, notices = read_external(plan.table, plan.columns, plan.partitions, plan.projection_filters)
    ctx.check()
    if notices:
        ctx.stats.setdefault("notices", []).extend(notices)
    cols = [vector_from_arrow(table.column(i), f.type) for i, f in enumerate(plan.fields)]
    return Batch(cols, rows)
