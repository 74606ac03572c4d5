"""The catalog state a commit publishes, and its JSON form (``<db>/MANIFEST``).

A table's data is, per slice, a list of row groups in read order.  A row group holds one
block per column (``Chunk``: file, offset, length, encoding; None for a column added later,
which reads as all NULL) and one zone map per column.  Files hold the blocks of one column
of one slice for one write, so a file is written once and never changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from warehouse.auth.model import AuthState, auth_from, auth_json
from warehouse.catalog.entries import ColumnDef, TableDef, ViewDef
from warehouse.catalog.external import ExternalSchemaDef, ExternalTableDef
from warehouse.storage.zonemap import ZoneMap
from warehouse.types import Kind, SqlType

FORMAT = 1


@dataclass(frozen=True)
class Chunk:
    file: str  # relative to the database directory
    offset: int
    length: int
    encoding: str


@dataclass(frozen=True)
class RowGroup:
    id: int
    segment: int  # the write that produced it (rows of one segment of a slice are sorted)
    rows: int
    chunks: dict[str, Chunk | None]
    zonemaps: dict[str, ZoneMap]


@dataclass(frozen=True)
class TableState:
    definition: TableDef
    effective: str | None  # None: AUTO not decided yet (no rows loaded)
    cursor: int  # where EVEN round-robin continues
    slices: tuple[tuple[RowGroup, ...], ...]


@dataclass
class State:
    """A whole catalog version (mutable only inside a write transaction, on a copy)."""

    version: int
    nodes: int
    slices_per_node: int
    next_table_id: int = 100_000
    next_id: int = 1  # row groups and segments
    schemas: set[str] = field(default_factory=lambda: {"public"})
    tables: dict[tuple[str, str], TableState] = field(default_factory=dict)
    views: dict[tuple[str, str], ViewDef] = field(default_factory=dict)
    auth: AuthState | None = None  # users, groups, grants (warehouse/auth/model.py); immutable
    # external (Spectrum/Athena) schemas by name and tables by (schema, name): catalog/external.py
    external_schemas: dict[str, ExternalSchemaDef] = field(default_factory=dict)
    external_tables: dict[tuple[str, str], ExternalTableDef] = field(default_factory=dict)

    def copy(self) -> State:
        return State(
            self.version,
            self.nodes,
            self.slices_per_node,
            self.next_table_id,
            self.next_id,
            set(self.schemas),
            dict(self.tables),
            dict(self.views),
            self.auth,
            dict(self.external_schemas),
            dict(self.external_tables),
        )

    def files(self) -> set[str]:
        out = set()
        for t in self.tables.values():
            for rgs in t.slices:
                for rg in rgs:
                    for c in rg.chunks.values():
                        if c is not None:
                            out.add(c.file)
        return out


# ----- JSON ---------------------------------------------------------------------------------
def _type_json(t: SqlType) -> list:
    return [t.kind.name, t.precision, t.scale, t.length]


def _type_from(v: list) -> SqlType:
    return SqlType(Kind[v[0]], v[1], v[2], v[3])


def tabledef_json(d: TableDef) -> dict:
    return {
        "schema": d.schema,
        "name": d.name,
        "columns": [[c.name, _type_json(c.type), c.encoding, c.nullable, c.default_sql] for c in d.columns],
        "diststyle": d.diststyle,
        "distkey": d.distkey,
        "sortkey": list(d.sortkey),
        "sortkey_style": d.sortkey_style,
        "temporary": d.temporary,
        "owner": d.owner,
        "table_id": d.table_id,
    }


def tabledef_from(v: dict) -> TableDef:
    cols = tuple(ColumnDef(c[0], _type_from(c[1]), c[2], c[3], c[4]) for c in v["columns"])
    return TableDef(
        v["schema"], v["name"], cols, v["diststyle"], v["distkey"], tuple(v["sortkey"]), v["sortkey_style"],
        v["temporary"], v["owner"], v["table_id"],
    )


def _rg_json(rg: RowGroup) -> dict:
    return {
        "id": rg.id,
        "seg": rg.segment,
        "rows": rg.rows,
        "cols": {k: None if c is None else [c.file, c.offset, c.length, c.encoding] for k, c in rg.chunks.items()},
        "zm": {k: z.to_json() for k, z in rg.zonemaps.items()},
    }


def _rg_from(v: dict) -> RowGroup:
    chunks = {k: None if c is None else Chunk(c[0], c[1], c[2], c[3]) for k, c in v["cols"].items()}
    return RowGroup(v["id"], v["seg"], v["rows"], chunks, {k: ZoneMap.from_json(z) for k, z in v["zm"].items()})


def state_json(s: State) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": s.version,
        "nodes": s.nodes,
        "slices_per_node": s.slices_per_node,
        "next_table_id": s.next_table_id,
        "next_id": s.next_id,
        "schemas": sorted(s.schemas),
        "tables": [
            {
                "def": tabledef_json(t.definition),
                "effective": t.effective,
                "cursor": t.cursor,
                "slices": [[_rg_json(rg) for rg in rgs] for rgs in t.slices],
            }
            for t in s.tables.values()
        ],
        "views": [
            {"schema": v.schema, "name": v.name, "sql": v.sql, "columns": list(v.column_names), "owner": v.owner}
            for v in s.views.values()
        ],
        **({"auth": auth_json(s.auth)} if auth_json(s.auth) is not None else {}),
        **({"external_schemas": [e.to_json() for e in s.external_schemas.values()]} if s.external_schemas else {}),
        **({"external_tables": [e.to_json() for e in s.external_tables.values()]} if s.external_tables else {}),
    }


def state_from(v: dict[str, Any]) -> State:
    if v.get("format") != FORMAT:
        msg = f"unsupported manifest format {v.get('format')!r}"
        raise ValueError(msg)
    s = State(v["version"], v["nodes"], v["slices_per_node"], v["next_table_id"], v["next_id"], set(v["schemas"]))
    for t in v["tables"]:
        d = tabledef_from(t["def"])
        slices = tuple(tuple(_rg_from(rg) for rg in rgs) for rgs in t["slices"])
        s.tables[(d.schema, d.name)] = TableState(d, t["effective"], t["cursor"], slices)
    for w in v["views"]:
        s.views[(w["schema"], w["name"])] = ViewDef(w["schema"], w["name"], w["sql"], tuple(w["columns"]), w["owner"])
    s.auth = auth_from(v.get("auth"))  # manifests written before users existed have none
    for e in v.get("external_schemas") or []:  # nor before external tables
        es = ExternalSchemaDef.from_json(e)
        s.external_schemas[es.name] = es
    for e in v.get("external_tables") or []:
        et = ExternalTableDef.from_json(e)
        s.external_tables[(et.schema, et.name)] = et
    return s


def dumps(s: State) -> bytes:
    return json.dumps(state_json(s), separators=(",", ":")).encode()


def loads(data: bytes) -> State:
    return state_from(json.loads(data))


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(dbdir: str, s: State) -> None:
    """Atomically replace ``<db>/MANIFEST``: write MANIFEST.tmp, fsync, rename, fsync the dir."""
    tmp = os.path.join(dbdir, "MANIFEST.tmp")
    with open(tmp, "wb") as f:
        f.write(dumps(s))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(dbdir, "MANIFEST"))
    fsync_dir(dbdir)
