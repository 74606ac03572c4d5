"""Row estimates for external tables, so the join order does not treat every file as tiny.

The binder orders joins by estimated rows (``plan.joins.estimate``).  A local table knows
its row count; an external table's objects are only listed when the query runs.  So, at
plan time: ``TBLPROPERTIES ('numRows'='...')`` wins (Redshift Spectrum's and Glue's way of
giving the planner statistics); otherwise the location is listed and Parquet footers give
exact row counts (the first ``SAMPLE_FOOTERS`` objects, extrapolated by size to the rest);
text and JSON are estimated from their size.  Footer counts and listings are remembered per
object (URL, size) and per location for ``LISTING_TTL_S`` seconds: estimates only steer the
plan, answers never depend on them.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from loaders.objectstore import SourceObject
from loaders.rejects import LoadError

if TYPE_CHECKING:
    from warehouse.plan.logical import ExternalScan

__all__ = ["estimate_rows"]

SAMPLE_FOOTERS = 16
SAMPLE_PARTITIONS = 16
LISTING_TTL_S = 30.0
TEXT_BYTES_PER_VALUE = 12  # text/JSON: a row is guessed at this many bytes per column
UNKNOWN_ROWS = 1_000_000.0  # projected partitions without numRows: no listing to go by

_lock = threading.Lock()
_footers: dict[tuple[str, int], int] = {}
_listings: dict[str, tuple[float, list[SourceObject]]] = {}


def estimate_rows(plan: ExternalScan) -> float:
    """Rows the scan will read, roughly (partition pruning included)."""
    from warehouse.exec.projection import projection_of

    d = plan.table
    props = {k.lower(): v for k, v in d.table_properties.items()}
    fraction = 1.0
    if d.partition_columns and projection_of(d) is None:
        total = len(d.partitions)
        chosen = total if plan.partitions is None else len(plan.partitions)
        fraction = chosen / total if total else 0.0
    declared = props.get("numrows")
    if declared is not None:
        try:
            return max(float(declared) * fraction, 1.0)
        except ValueError:
            pass
    if projection_of(d) is not None:
        return UNKNOWN_ROWS
    try:
        return max(_measured_rows(plan), 1.0)
    except (LoadError, OSError, pa.ArrowException):
        return UNKNOWN_ROWS * fraction


def _measured_rows(plan: ExternalScan) -> float:
    d = plan.table
    if d.partition_columns:
        chosen = list(range(len(d.partitions)) if plan.partitions is None else plan.partitions)
        if not chosen:
            return 0.0
        sample = chosen[:SAMPLE_PARTITIONS]
        objects = [o for i in sample for o in _listing(d.partitions[i][1])]
        scale = len(chosen) / len(sample)
    else:
        objects, scale = _listing(d.location), 1.0
    if not objects:
        return 0.0
    if d.format == "PARQUET":
        head = objects[:SAMPLE_FOOTERS]
        rows = sum(_footer_rows(o) for o in head)
        head_bytes = sum(o.size for o in head) or 1
        return rows * (sum(o.size for o in objects) / head_bytes) * scale
    width = max(len(d.columns), 1)
    return sum(o.size for o in objects) / (TEXT_BYTES_PER_VALUE * width) * scale


def _listing(location: str) -> list[SourceObject]:
    from warehouse.exec.external_scan import list_location

    now = time.monotonic()
    with _lock:
        hit = _listings.get(location)
    if hit is not None and now - hit[0] < LISTING_TTL_S:
        return hit[1]
    objects = list_location(location)
    with _lock:
        _listings[location] = (now, objects)
    return objects


def _footer_rows(o: SourceObject) -> int:
    key = (o.url, o.size)
    with _lock:
        rows = _footers.get(key)
    if rows is None:
        with o.fs.open_input_file(o.path) as f:
            rows = pq.ParquetFile(f).metadata.num_rows
        with _lock:
            _footers[key] = rows
    return rows


_ndv: dict[tuple[object, ...], float] = {}


def external_column_ndv(plan: ExternalScan, column: str) -> float | None:
    """Distinct values of an integer data column of a Parquet external table (join-order
    estimates, like ``plan.joins.column_ndv`` for stored tables): the column is read once
    from the objects (of up to ``SAMPLE_PARTITIONS`` partitions) and counted with the
    ``group_ids`` kernel; remembered per object (URL, size).  None when unknown (other
    formats, partition columns, an object that cannot be read)."""
    import numpy as np

    from kernels.aggregate import group_ids

    d = plan.table
    if d.format != "PARQUET" or column not in {c.name for c in d.columns}:
        return None
    try:
        if d.partition_columns:
            from warehouse.exec.projection import projection_of

            if projection_of(d) is not None:
                return None
            objects = [o for _, loc in d.partitions[:SAMPLE_PARTITIONS] for o in _listing(loc)]
        else:
            objects = _listing(d.location)
        if not objects:
            return None
        key = (tuple((o.url, o.size) for o in objects), column)
        with _lock:
            hit = _ndv.get(key)
        if hit is not None:
            return hit
        parts = []
        for o in objects:
            with o.fs.open_input_file(o.path) as f:
                pf = pq.ParquetFile(f)
                names = {n.lower(): n for n in pf.schema_arrow.names}
                if column not in names:
                    continue
                col = pf.read(columns=[names[column]]).column(0)
                if not pa.types.is_integer(col.type):
                    return None
                parts.append(col.drop_null().to_numpy().astype(np.int64, copy=False))
        values = np.concatenate(parts) if parts else np.empty(0, np.int64)
        ndv = float(max(group_ids(np.ascontiguousarray(values).reshape(-1, 1))[1], 1)) if len(values) else 1.0
    except (LoadError, OSError, pa.ArrowException):
        return None
    with _lock:
        if len(_ndv) > 256:
            _ndv.clear()
        _ndv[key] = ndv
    return ndv
