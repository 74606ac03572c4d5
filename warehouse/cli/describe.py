"""The catalog as tables for ``\\d``, ``\\dt``, ``\\dv``, ``\\dn`` and ``\\df``.

Everything is read from one catalog snapshot (the session's own view inside a transaction),
so a listing never mixes two versions.  Row counts and distribution styles come from
``svv_table_info``, the same numbers a query of that view returns.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from warehouse.catalog.system_views import VIEWS, system_view
from warehouse.cli.vocabulary import functions
from warehouse.errors import CatalogError

SEARCH_PATH = ("public",)


@dataclass(frozen=True)
class Described:
    """A table to show with an optional title above and footer lines below it."""

    table: pa.Table
    title: str | None = None
    footer: tuple[str, ...] = ()
    count: bool = True  # a "(N rows)" line; not under one relation's columns


def _strings(rows: list[tuple[Any, ...]], names: list[str], types: list[pa.DataType] | None = None) -> pa.Table:
    types = types or [pa.string()] * len(names)
    columns = [pa.array([r[i] for r in rows], t) for i, t in enumerate(types)]
    return pa.Table.from_arrays(columns, names=names)


def _matches(pattern: str | None, schema: str, name: str) -> bool:
    """psql patterns: ``*`` and ``?`` wildcards, optionally ``schema.`` qualified, case-insensitive."""
    if not pattern:
        return True
    pattern = pattern.lower().replace('"', "")
    if "." in pattern:
        sp, np_ = pattern.split(".", 1)
        return fnmatch.fnmatchcase(schema, sp) and fnmatch.fnmatchcase(name, np_)
    return fnmatch.fnmatchcase(name, pattern)


def _table_info(snap: Any) -> dict[tuple[str, str], dict[str, Any]]:
    info = system_view(snap, "svv_table_info")
    if info is None:
        return {}
    return {(r["schema"], r["table"]): r for r in info.to_pylist()}


def _externals(snap: Any) -> dict[tuple[str, str], Any]:
    return getattr(snap, "external_tables", {})


def relations(snap: Any, pattern: str | None = None) -> Described:
    """``\\d``: tables, views and external tables."""
    rows = [(s, n, "table", t.definition.owner) for (s, n), t in snap.tables.items() if _matches(pattern, s, n)]
    rows += [(s, n, "view", v.owner) for (s, n), v in snap.views.items() if _matches(pattern, s, n)]
    rows += [(s, n, "external table", d.owner) for (s, n), d in _externals(snap).items() if _matches(pattern, s, n)]
    return Described(_strings(sorted(rows), ["schema", "name", "type", "owner"]), "List of relations")


def tables(snap: Any, pattern: str | None = None) -> Described:
    """``\\dt``: tables with their distribution, sort key and row count; external tables
    with their format and location (column ``external``) instead."""
    info = _table_info(snap)
    rows = []
    for (s, n), t in sorted(snap.tables.items()):
        if _matches(pattern, s, n):
            d = t.definition
            sortkey = _sortkey(d)
            rows.append((s, n, d.owner, info.get((s, n), {}).get("diststyle", d.diststyle), sortkey, t.row_count, None))
    for (s, n), d in sorted(_externals(snap).items()):
        if _matches(pattern, s, n):
            rows.append((s, n, d.owner, None, None, None, f"{d.format} {d.location}"))
    rows.sort(key=lambda r: (r[0], r[1]))
    names = ["schema", "name", "owner", "diststyle", "sortkey", "rows", "external"]
    if not any(r[-1] for r in rows):  # no external tables: the columns as before
        rows, names = [r[:-1] for r in rows], names[:-1]
    types = [pa.string()] * 5 + [pa.int64()] + [pa.string()] * (len(names) - 6)
    return Described(_strings(rows, names, types), "List of tables")


def views(snap: Any, pattern: str | None = None) -> Described:
    """``\\dv``: views and their SQL."""
    rows = [(s, n, v.owner, " ".join(v.sql.split())) for (s, n), v in sorted(snap.views.items()) if _matches(pattern, s, n)]
    return Described(_strings(rows, ["schema", "name", "owner", "definition"]), "List of views")


def schemas(snap: Any, pattern: str | None = None) -> Described:
    """``\\dn``: schemas with how many tables and views each holds."""
    rows = []
    for s in sorted(snap.schemas):
        if _matches(pattern, s, s):
            ntables = sum(1 for (ts, _) in snap.tables if ts == s)
            nviews = sum(1 for (vs, _) in snap.views if vs == s)
            nexternal = sum(1 for (es, _) in _externals(snap) if es == s)
            es = getattr(snap, "external_schemas", {}).get(s)
            rows.append((s, ntables, nviews, nexternal, f"external: database '{es.database}'" if es is not None else None))
    names = ["name", "tables", "views", "external tables", "note"]
    return Described(_strings(rows, names, [pa.string(), pa.int64(), pa.int64(), pa.int64(), pa.string()]), "List of schemas")


def function_list(pattern: str | None = None) -> Described:
    """``\\df``: the functions the engine knows, scalar, aggregate and window."""
    rows = [(n, k) for n, k in functions().items() if _matches(pattern, "", n)]
    return Described(_strings(rows, ["name", "kind"]), "List of functions")


def describe(session: Any, name: str) -> list[Described]:
    """``\\d NAME``: columns, types, encodings, keys and rows of each matching relation."""
    snap = session.catalog()
    if any(ch in name for ch in "*?"):
        found = [(s, n) for (s, n) in sorted([*snap.tables, *snap.views, *_externals(snap)]) if _matches(name, s, n)]
        return [_describe_one(session, snap, s, n) for s, n in found]
    schema, rel = _split_name(name)
    for s in (schema,) if schema else (*SEARCH_PATH, *sorted(snap.schemas)):
        if (s, rel) in snap.tables or (s, rel) in snap.views or (s, rel) in _externals(snap):
            return [_describe_one(session, snap, s, rel)]
    if rel in VIEWS:
        return [_system_view(snap, rel)]
    msg = f'did not find any relation named "{name}"'
    raise CatalogError(msg, sqlstate="42P01")


def _split_name(name: str) -> tuple[str | None, str]:
    """``schema.name`` with psql's rules: unquoted parts fold to lower case."""
    parts = [p[1:-1].replace('""', '"') if p.startswith('"') and p.endswith('"') and len(p) > 1 else p.lower() for p in _dotted(name)]
    if len(parts) == 1:
        return None, parts[0]
    return parts[-2], parts[-1]


def _dotted(name: str) -> list[str]:
    parts, cur, quoted = [], "", False
    for ch in name.strip():
        if ch == '"':
            quoted = not quoted
        if ch == "." and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


def _sortkey(d: Any) -> str | None:
    if not d.sortkey:
        return None
    return f"{d.sortkey_style.upper()}({', '.join(d.sortkey)})"


def _describe_one(session: Any, snap: Any, schema: str, name: str) -> Described:
    t = snap.tables.get((schema, name))
    if t is None and (schema, name) in _externals(snap):
        return _describe_external(_externals(snap)[(schema, name)])
    if t is None:
        return _describe_view(session, snap.views[(schema, name)])
    d = t.definition
    sort_pos = {c: i + 1 for i, c in enumerate(d.sortkey)}
    # the columns of Redshift's pg_table_def, which Redshift users know
    rows: list[tuple[Any, ...]] = [
        (c.name, str(c.type), c.encoding.lower(), c.name == d.distkey, sort_pos.get(c.name, 0), not c.nullable) for c in d.columns
    ]
    names = ["column", "type", "encoding", "distkey", "sortkey", "notnull"]
    types = [pa.string(), pa.string(), pa.string(), pa.bool_(), pa.int32(), pa.bool_()]
    if any(c.default_sql for c in d.columns):
        rows = [(*r, c.default_sql) for r, c in zip(rows, d.columns)]
        names.append("default")
        types.append(pa.string())
    info = _table_info(snap).get((schema, name), {})
    footer = [f"Diststyle: {info.get('diststyle', d.diststyle)}"]
    if d.sortkey:
        footer.append(f"Sortkey: {_sortkey(d)}")
    footer.append(f"Rows: {t.row_count:,}")
    return Described(_strings(rows, names, types), f'Table "{schema}.{name}"', tuple(footer), count=False)


def _describe_external(d: Any) -> Described:
    """``\\d`` of an external table: columns with their Hive and engine types (partition
    columns marked with their position in the partition key), then location, format,
    partitions and table properties."""
    rows = []
    for c in d.columns:
        rows.append((c.name, c.type, _sql_type(c), None))
    for i, c in enumerate(d.partition_columns, start=1):
        rows.append((c.name, c.type, _sql_type(c), i))
    names = ["column", "type", "sql type", "partition key"]
    types = [pa.string(), pa.string(), pa.string(), pa.int32()]
    props = {k.lower(): v for k, v in d.table_properties.items()}
    stored = {"PARQUET": "Parquet", "ORC": "ORC"}.get(d.format, "text")
    footer = [f"Location: {d.location}", f"Format: {d.format} ({stored}; SerDe {d.serde})"]
    if d.partition_columns:
        projected = props.get("projection.enabled", "false").strip().lower() == "true"
        footer.append("Partitions: projected (partition projection)" if projected else f"Partitions: {len(d.partitions)} registered")
    if d.serde_properties:
        shown = ", ".join(f"{k}={v.encode('unicode_escape').decode()}" for k, v in sorted(d.serde_properties.items()))
        footer.append(f"SerDe properties: {shown}")
    if d.table_properties:
        footer.append("Table properties: " + ", ".join(f"{k}={v}" for k, v in sorted(d.table_properties.items())))
    return Described(_strings(rows, names, types), f'External table "{d.schema}.{d.name}"', tuple(footer), count=False)


def _sql_type(c: Any) -> str:
    try:
        return str(c.sql_type)
    except Exception:  # noqa: BLE001 - shown, never a failure of \d
        return "?"


def _describe_view(session: Any, view: Any) -> Described:
    result = session.execute(f'SELECT * FROM "{view.schema}"."{view.name}" LIMIT 0')
    rows = [(n, str(t)) for n, t in zip(result.names, result.types)]
    footer = ("View definition:", *("    " + line for line in view.sql.strip().splitlines()))
    return Described(_strings(rows, ["column", "type"]), f'View "{view.schema}.{view.name}"', footer, count=False)


def _system_view(snap: Any, name: str) -> Described:
    table = system_view(snap, name)
    assert table is not None
    rows = [(f.name, str(f.type)) for f in table.schema]
    return Described(_strings(rows, ["column", "arrow type"]), f'System view "{name}"', (f"Rows: {table.num_rows:,}",), count=False)
