"""Redshift system views over a catalog snapshot: ``svv_table_info`` and ``stv_blocklist``.

``stv_blocklist.minvalue``/``maxvalue`` are int64 as in Redshift: the physical value for
integers, decimals (scaled), dates (days) and timestamps (microseconds), booleans as 0/1,
floats truncated, and for strings the first 8 UTF-8 bytes read as a big-endian signed
integer (Redshift's convention); NULL for blocks without non-null values.  Our extra
columns: ``table_name``, ``column_name``, ``encoding``, ``compressed_bytes`` and the exact
text ``minvalue_text``/``maxvalue_text``.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from warehouse.storage.database import CatalogSnapshot, TableSnapshot

DATABASE_NAME = "dev"
MB = 1 << 20


def _as_int64(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if v != v or abs(v) >= 2**63:
            return None
        return int(v)
    if isinstance(v, str):
        b = v.encode()[:8].ljust(8, b"\0")
        return int.from_bytes(b, "big", signed=True)
    return None


def _diststyle(t: TableSnapshot) -> str:
    d = t.definition
    style = d.diststyle.upper()
    if style == "KEY":
        return f"KEY({d.distkey})"
    if style == "AUTO":
        return f"AUTO({t.effective_diststyle})"
    return style


def _table_bytes(t: TableSnapshot) -> int:
    return sum(
        c.length for s in range(t.nslices) for rg in t.row_groups(s) for c in rg.chunks.values() if c is not None
    )


def svv_table_info(snap: CatalogSnapshot) -> pa.Table:
    rows: dict[str, list] = {k: [] for k in (
        "database", "schema", "table_id", "table", "encoded", "diststyle", "sortkey1", "max_varchar",
        "sortkey1_enc", "sortkey_num", "size", "pct_used", "empty", "unsorted", "stats_off", "tbl_rows",
        "skew_sortkey1", "skew_rows", "estimated_visible_rows",
    )}
    total_bytes = sum(_table_bytes(t) for t in snap.tables.values()) or 1
    for (schema, name), t in sorted(snap.tables.items()):
        d = t.definition
        per_slice = [t.slice_row_count(s) for s in range(t.nslices)]
        nonempty = [r for r in per_slice if r > 0]
        nbytes = _table_bytes(t)
        unsorted_rows = 0
        if d.sortkey:
            for s in range(t.nslices):
                rgs = t.row_groups(s)
                if rgs:
                    first = rgs[0].segment
                    unsorted_rows += sum(rg.rows for rg in rgs if rg.segment != first)
        varchars = [c.type.length or 0 for c in d.columns if c.type.is_string]
        rows["database"].append(DATABASE_NAME)
        rows["schema"].append(schema)
        rows["table_id"].append(d.table_id)
        rows["table"].append(name)
        rows["encoded"].append("Y" if any(c.encoding.upper() != "RAW" for c in d.columns) else "N")
        rows["diststyle"].append(_diststyle(t))
        rows["sortkey1"].append(d.sortkey[0] if d.sortkey else None)
        rows["max_varchar"].append(max(varchars) if varchars else 0)
        rows["sortkey1_enc"].append(d.column(d.sortkey[0]).encoding.lower() if d.sortkey and d.sortkey[0] in d.column_names else None)
        rows["sortkey_num"].append(len(d.sortkey))
        # Redshift allocates at least one 1 MB block per column per slice that holds rows
        blocks = sum(len(t.row_groups(s)) for s in range(t.nslices)) * len(d.columns)
        rows["size"].append(max(blocks, (nbytes + MB - 1) // MB))
        rows["pct_used"].append(round(100.0 * nbytes / total_bytes, 4))
        rows["empty"].append(0)
        rows["unsorted"].append(round(100.0 * unsorted_rows / t.row_count, 2) if d.sortkey and t.row_count else None)
        rows["stats_off"].append(0.0)
        rows["tbl_rows"].append(t.row_count)
        rows["skew_sortkey1"].append(1.0 if d.sortkey else None)
        rows["skew_rows"].append(round(max(nonempty) / min(nonempty), 2) if nonempty else None)
        rows["estimated_visible_rows"].append(t.row_count)
    schema = pa.schema([
        ("database", pa.string()), ("schema", pa.string()), ("table_id", pa.int64()), ("table", pa.string()),
        ("encoded", pa.string()), ("diststyle", pa.string()), ("sortkey1", pa.string()), ("max_varchar", pa.int64()),
        ("sortkey1_enc", pa.string()), ("sortkey_num", pa.int64()), ("size", pa.int64()), ("pct_used", pa.float64()),
        ("empty", pa.int64()), ("unsorted", pa.float64()), ("stats_off", pa.float64()), ("tbl_rows", pa.int64()),
        ("skew_sortkey1", pa.float64()), ("skew_rows", pa.float64()), ("estimated_visible_rows", pa.int64()),
    ])
    return pa.table(rows, schema=schema)


def stv_blocklist(snap: CatalogSnapshot) -> pa.Table:
    names = ("slice", "col", "tbl", "blocknum", "num_values", "minvalue", "maxvalue", "table_name",
             "column_name", "encoding", "compressed_bytes", "minvalue_text", "maxvalue_text", "null_count")
    rows: dict[str, list] = {k: [] for k in names}
    for (_, name), t in sorted(snap.tables.items()):
        d = t.definition
        for s in range(t.nslices):
            for bi, rg in enumerate(t.row_groups(s)):
                for ci, c in enumerate(d.columns):
                    zm = rg.zonemaps[c.name]
                    ch = rg.chunks[c.name]
                    rows["slice"].append(s)
                    rows["col"].append(ci)
                    rows["tbl"].append(d.table_id)
                    rows["blocknum"].append(bi)
                    rows["num_values"].append(rg.rows)
                    rows["minvalue"].append(_as_int64(zm.min))
                    rows["maxvalue"].append(_as_int64(zm.max))
                    rows["table_name"].append(name)
                    rows["column_name"].append(c.name)
                    rows["encoding"].append(None if ch is None else ch.encoding)
                    rows["compressed_bytes"].append(0 if ch is None else ch.length)
                    rows["minvalue_text"].append(None if zm.min is None else str(zm.min))
                    rows["maxvalue_text"].append(None if zm.max is None else str(zm.max))
                    rows["null_count"].append(zm.null_count)
    types = [pa.int32(), pa.int32(), pa.int64(), pa.int32(), pa.int64(), pa.int64(), pa.int64(), pa.string(),
             pa.string(), pa.string(), pa.int64(), pa.string(), pa.string(), pa.int64()]
    return pa.table(rows, schema=pa.schema(list(zip(names, types))))


VIEWS = {"svv_table_info": svv_table_info, "stv_blocklist": stv_blocklist}


def system_view(snapshot: CatalogSnapshot, name: str) -> pa.Table | None:
    """The named system view as an Arrow table, or None if there is no such view."""
    fn = VIEWS.get(name.lower())
    return None if fn is None else fn(snapshot)
