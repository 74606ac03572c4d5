"""Redshift's ``svv_external_*`` views over the catalog's external schemas and tables.

The column lists are ``svv_views.SPECS``; the rows come from the session's catalog
snapshot (``external_schemas``, ``external_tables``).  Options and properties are shown as
JSON text, as Redshift does (``{"IAM_ROLE":"default"}``, ``["2008-01-01"]``).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

__all__ = ["external_relation"]

ESKIND_DATA_CATALOG = 1
ESKIND_HIVE_METASTORE = 2


def external_relation(name: str, session: Any) -> pa.Table | None:
    """The rows of ``svv_external_<...>`` for ``session``'s catalog, or None."""
    from warehouse.catalog.pg_catalog import table_of
    from warehouse.catalog.svv_views import SPECS

    spec = SPECS.get(name)
    if spec is None:
        return None
    return table_of(spec, _rows(name, session))


def _kind(source: str) -> int:
    return ESKIND_HIVE_METASTORE if source.upper() == "HIVE METASTORE" else ESKIND_DATA_CATALOG


def _rows(name: str, session: Any) -> list[tuple]:
    from warehouse.catalog.pg_objects import schema_oid
    from warehouse.auth.users import user_id

    snap = session.catalog()
    db = getattr(session, "database_name", None) or "dev"
    schemas = getattr(snap, "external_schemas", {})
    tables = sorted(getattr(snap, "external_tables", {}).items())
    if name == "svv_external_schemas":
        return [(schema_oid(s.name), _kind(s.source), s.name, user_id(snap, s.owner) or 100, s.database,
                 json.dumps(s.options, separators=(",", ":")) if s.options else None)
                for _, s in sorted(schemas.items())]
    if name == "svv_external_databases":
        seen: dict[str, Any] = {}
        for s in schemas.values():
            seen.setdefault(s.database, s)
        return [(_kind(s.source), json.dumps(s.options, separators=(",", ":")) if s.options else None, dbname, None, None)
                for dbname, s in sorted(seen.items())]
    if name == "svv_external_tables":
        return [(db, s, t, "EXTERNAL_TABLE", d.location, d.input_format, d.output_format, d.serde,
                 json.dumps(d.serde_properties, separators=(",", ":")) if d.serde_properties else None, 0,
                 json.dumps(d.table_properties, separators=(",", ":")) if d.table_properties else None)
                for (s, t), d in tables]
    if name == "svv_external_columns":
        rows = []
        for (s, t), d in tables:
            for i, c in enumerate(d.columns, start=1):
                rows.append((db, s, t, c.name, c.type, i, 0, "true"))
            for k, c in enumerate(d.partition_columns, start=1):
                rows.append((db, s, t, c.name, c.type, len(d.columns) + k, k, "true"))
        return rows
    if name == "svv_external_partitions":
        return [(s, t, json.dumps(list(vals)), loc) for (s, t), d in tables for vals, loc in d.partitions]
    return []


def external_relations(session: Any) -> list:
    """The external tables as ``pg_objects.Relation`` rows of kind ``e`` for the listings
    that show them (``svv_tables``/``svv_columns``, ``svv_all_*``, ``information_schema``).
    Redshift keeps them out of ``pg_class``/``pg_attribute`` (clients such as the SQLAlchemy
    Redshift dialect add ``svv_external_tables`` to what ``pg_class`` lists), and so do we.
    Columns: data columns, then partition columns; a type the engine cannot map is text."""
    from warehouse import types as T
    from warehouse.catalog.pg_objects import Column, Relation, view_oid

    out = []
    for (s, t), d in sorted(getattr(session.catalog(), "external_tables", {}).items()):
        cols = []
        for c in d.all_columns:
            try:
                ty = c.sql_type
            except Exception:  # noqa: BLE001 - a listing never fails on one column's type
                ty = T.VARCHAR
            cols.append(Column(c.name, ty))
        out.append(Relation(view_oid(s, t), s, t, "e", d.owner, cols))
    return out


def with_external(objects: Any, session: Any) -> Any:
    """``objects`` (a ``pg_objects.Objects``) plus the external tables (kind ``e``) and the
    external schemas (``external_schemas``: name -> data-catalog database)."""
    from dataclasses import replace

    out = replace(objects, relations=[*objects.relations, *external_relations(session)])
    schemas = getattr(session.catalog(), "external_schemas", {})
    out.external_schemas = {name: es.database for name, es in schemas.items()}  # type: ignore[attr-defined]
    return out


__all__ += ["external_relations", "with_external"]
