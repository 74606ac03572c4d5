"""One sorted run per COPY into a SORTKEY table, with memory bounded by about one column.

Redshift sorts each load by the table's sort key; doing that for a load larger than memory
needs an external sort.  Batches arrive as Arrow tables while the next ones are still being
parsed.  ``add`` spills each batch to an Arrow IPC file (uncompressed, in a temporary
directory) and converts only the distribution key and sort key columns: they decide each
row's slice and place.  ``finish`` orders every slice's rows by the sort key across all
batches, then reads back one column at a time and writes it
(``WriteTransaction.append_in_order``), so every column is encoded exactly once.

A load of a single batch skips the spill and appends directly.  A load whose spilled batches
pass ``RUN_BYTES`` writes its sorted run then and starts another, so memory stays bounded for
any input size (such a load leaves one sorted run per ``RUN_BYTES`` of input, like Redshift's
unsorted region).  Sort keys on character
columns compare by dictionary rank, which is per batch, so those tables keep the in-memory
path (``supports``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from warehouse.storage import distribution
from warehouse.storage.database import _sort_keys, _sort_order
from warehouse.vector import Scalar, Vector

__all__ = ["RUN_BYTES", "SortedCopy"]

RUN_BYTES = 1280 << 20  # Arrow bytes per sorted run (TPC-H SF1 lineitem is one run)


class SortedCopy:
    """The sorted-run writer for one COPY (used from one thread at a time)."""

    @staticmethod
    def supports(d: Any) -> bool:
        """Whether ``d`` has a sort key this writer can order across batches."""
        return bool(d.sortkey) and all(not d.column(c).type.is_string for c in d.sortkey if c in d.column_names)

    def __init__(self, txn: Any, schema: str, d: Any, loaded: list[str], convert: Callable[[Any, Any], Vector]) -> None:
        self.txn, self.schema, self.d = txn, schema, d
        self.loaded = loaded  # the COPY's column list: Arrow column i is d.column(loaded[i])
        self.convert = convert
        self.first: pa.Table | None = None  # held until a second batch shows a spill is needed
        self.files: list[str] = []
        self.tmp: str | None = None
        self.total = 0  # rows spilled in the current run
        self.spilled_bytes = 0
        self.written = 0  # rows of runs already written
        t = txn._table(schema, d.name)  # noqa: SLF001 - the storage layer's own state
        self.effective = t.effective
        self.cursor = t.cursor
        self.existing = sum(rg.rows for rgs in t.slices for rg in rgs)
        nslices = txn._db.nslices  # noqa: SLF001
        self.positions: list[list[np.ndarray]] = [[] for _ in range(nslices)]
        self.keys: list[list[list[np.ndarray]]] = [[] for _ in range(nslices)]

    # ----- batches ------------------------------------------------------------------------------
    def add(self, arrow: pa.Table) -> None:
        if not arrow.num_rows:
            return
        if self.first is None and not self.files and not self.written:
            self.first = arrow
            return
        if self.first is not None:
            first, self.first = self.first, None
            self._spill(first)
        self._spill(arrow)
        if self.spilled_bytes >= RUN_BYTES:
            self._write_run()

    def _vector(self, arrow: pa.Table, name: str) -> Vector:
        c = self.d.column(name)
        if name in self.loaded:
            return self.convert(arrow.column(self.loaded.index(name)), c)
        return Scalar(c.type, None).broadcast(arrow.num_rows)

    def _spill(self, arrow: pa.Table) -> None:
        if self.tmp is None:
            self.tmp = tempfile.mkdtemp(prefix="warehouse-copy-")
        path = os.path.join(self.tmp, f"batch{len(self.files)}.arrow")
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, arrow.schema) as writer:
            writer.write_table(arrow)
        self.files.append(path)
        self.spilled_bytes += arrow.nbytes
        n = arrow.num_rows
        d = self.d
        nslices = len(self.positions)
        if self.effective is None:  # DISTSTYLE AUTO decides on the first rows, as append does
            self.effective = "ALL" if self.existing + n < distribution.AUTO_ALL_ROWS else "EVEN"
        key = self._vector(arrow, d.distkey) if self.effective == "KEY" else None
        sels = distribution.assign(self.effective, n, nslices, self.txn._db.nodes, key, self.cursor)  # noqa: SLF001
        if self.effective == "EVEN":
            self.cursor = (self.cursor + n) % nslices
        names = d.column_names
        cols: list[Vector | None] = [self._vector(arrow, c) if c in d.sortkey else None for c in names]
        keys = _sort_keys(d, cols)  # type: ignore[arg-type]
        base = np.arange(self.total, self.total + n, dtype=np.int64)
        for s, sel in enumerate(sels):
            if sel is None:
                continue
            self.positions[s].append(base[sel])
            self.keys[s].append([k[sel] for k in keys])
        self.total += n

    # ----- the sorted run -----------------------------------------------------------------------
    def finish(self) -> int:
        """Write what was added; returns the rows loaded."""
        if self.first is not None:
            first, self.first = self.first, None
            return self.txn.append(self.schema, self.d.name, [self._vector(first, c.name) for c in self.d.columns])
        self._write_run()
        return self.written

    def _write_run(self) -> None:
        """Sort the spilled rows of each slice and write them as one run; start a new one."""
        if not self.files:
            return
        rows: list[np.ndarray | None] = []
        for s in range(len(self.positions)):
            if not self.positions[s]:
                rows.append(None)
                continue
            pos = np.concatenate(self.positions[s])
            nkeys = len(self.keys[s][0])
            ks = [np.concatenate([part[i] for part in self.keys[s]]) for i in range(nkeys)]
            order = _sort_order(ks, slice(None)) if ks else None
            rows.append(pos if order is None else pos[order])
            self.positions[s], self.keys[s] = [], []
        self.txn.append_in_order(self.schema, self.d.name, rows, self._column, effective=self.effective, cursor=self.cursor)
        self.written += self.total  # DISTSTYLE ALL stores rows on several slices: count them once
        for path in self.files:
            os.remove(path)
        self.files, self.total, self.spilled_bytes = [], 0, 0

    def _column(self, i: int) -> Vector:
        """Column ``i`` of the table over every spilled row, read back from the batches."""
        c = self.d.columns[i]
        if c.name not in self.loaded:
            return Scalar(c.type, None).broadcast(self.total)
        j = self.loaded.index(c.name)
        # memory-mapped, zero copy: the vector may point into the maps, which unmap when the
        # last buffer is released (after the caller has written the column)
        chunks: list[pa.Array] = []
        for path in self.files:
            chunks.extend(pa.ipc.open_file(pa.memory_map(path, "r")).read_all().column(j).chunks)
        return self.convert(pa.chunked_array(chunks, type=chunks[0].type), c)

    def close(self) -> None:
        """Remove the spill files (after success or failure)."""
        self.first = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
