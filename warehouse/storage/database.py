"""The database directory: snapshots, write transactions, reading and writing column blocks.

Layout::

    <db>/MANIFEST                 JSON catalog version (see manifest.py), replaced atomically
    <db>/LOCK                     flock'ed by the writer
    <db>/data/<table_id>/<token>_s<slice>_c<col>.blk
                                  the blocks of one column of one slice for one write

``":memory:"`` keeps the same files in a dict.  Deletes rewrite the affected row groups (not
delete vectors): the snapshot a reader holds always lists live rows only.
"""

from __future__ import annotations

import os
import threading
import uuid
from typing import Any
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.catalog.entries import ENCODINGS, TableDef, ViewDef
from warehouse.errors import (
    CatalogError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    SerializationError,
)
from warehouse.storage import block as B
from warehouse.storage import distribution
from warehouse.storage import manifest as M
from warehouse.storage.cache import CACHE, freeze
from warehouse.storage.locks import WriterLock
from warehouse.storage.zonemap import ZoneMap
from warehouse.vector import Vector, unify_dictionaries

BLOCK_ROWS = 1 << 17
LOCK_TIMEOUT = 60.0
MEMORY = ":memory:"

_POOL = ThreadPoolExecutor(max_workers=max(os.cpu_count() or 2, 2), thread_name_prefix="storage")


def _pmap(fn, items: list) -> list:
    """Run ``fn`` over ``items`` on the storage pool (inline when there is one item)."""
    if len(items) <= 1:
        return [fn(x) for x in items]
    return list(_POOL.map(fn, items))


# ----- snapshots --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlockMeta:
    start: int
    stop: int
    zonemaps: dict[str, ZoneMap]


class TableSnapshot:
    """One committed (or transaction-local) version of a table; immutable."""

    def __init__(self, db: Database, state: M.TableState, nslices: int) -> None:
        self._db = db
        self._state = state
        self.definition: TableDef = state.definition
        self.nslices = nslices
        self._slice_rows = [sum(rg.rows for rg in rgs) for rgs in state.slices]
        self._blocks: dict[int, list[BlockMeta]] = {}
        self.row_count = sum(self._slice_rows[s] for s in self.scan_slices())

    def scan_slices(self) -> list[int]:
        """The slices that together hold each row once (DISTSTYLE ALL keeps a copy per node)."""
        if self.effective_diststyle == "ALL":
            return [0]
        return list(range(self.nslices))

    @property
    def effective_diststyle(self) -> str:
        d = self.definition.diststyle.upper()
        if d == "AUTO":
            return self._state.effective or "ALL"
        return d

    def slice_row_count(self, slice: int) -> int:  # noqa: A002 - API name
        return self._slice_rows[slice]

    def row_groups(self, slice: int) -> tuple[M.RowGroup, ...]:  # noqa: A002
        return self._state.slices[slice]

    def blocks(self, slice: int) -> list[BlockMeta]:  # noqa: A002
        out = self._blocks.get(slice)
        if out is None:
            out = []
            pos = 0
            for rg in self._state.slices[slice]:
                out.append(BlockMeta(pos, pos + rg.rows, rg.zonemaps))
                pos += rg.rows
            self._blocks[slice] = out
        return out

    # ----- reading ----------------------------------------------------------------------------
    def _ident(self, slice: int, column: str) -> tuple:  # noqa: A002
        ids = []
        for rg in self._state.slices[slice]:
            c = rg.chunks[column]
            ids.append(("null", rg.rows) if c is None else (c.file, c.offset))
        return tuple(ids)

    def read(self, slice: int, column: str) -> Vector:  # noqa: A002
        """The whole slice column decoded, in read order (cached; do not mutate)."""
        t = self.definition.column(column).type
        if t.is_string:
            all_ids = tuple(self._ident(s, column) for s in range(self.nslices))
            base = (self._db._key, self.definition.table_id, str(t), all_ids)
            key = (base, slice)
            v = CACHE.get(key)
            if v is not None:
                return v
            with CACHE.key_lock(base):
                v = CACHE.get(key)
                if v is not None:
                    return v
                vectors = self._decode_strings(column, t)
                for s, vec in enumerate(vectors):
                    CACHE.put((base, s), freeze(vec))
                return vectors[slice]
        key = (self._db._key, self.definition.table_id, str(t), self._ident(slice, column))
        v = CACHE.get(key)
        if v is not None:
            return v
        with CACHE.key_lock(key):
            v = CACHE.get(key)
            if v is None:
                v = freeze(self._decode_numeric(slice, column, t))
                CACHE.put(key, v)
            return v

    def read_rows(self, slice: int, column: str, start: int, stop: int) -> Vector:  # noqa: A002
        return self.read(slice, column).slice(start, stop)

    def _decode_numeric(self, slice: int, column: str, t) -> Vector:  # noqa: A002
        n = self._slice_rows[slice]
        out = np.empty(n, dtype=t.numpy_dtype)
        tasks = []
        pos = 0
        for rg in self._state.slices[slice]:
            tasks.append((rg.chunks[column], pos, rg.rows))
            pos += rg.rows

        def one(task):
            chunk, start, rows = task
            dst = out[start : start + rows]
            if chunk is None:
                dst[:] = 0
                return np.zeros(rows, np.bool_)
            buf = self._db._read_chunk(chunk)
            return B.decode_numeric(memoryview(buf), self._db._where(chunk), dst)

        valids = _pmap(one, tasks)
        valid = None
        if any(v is not None for v in valids):
            valid = np.ones(n, dtype=np.bool_)
            for (_, start, rows), v in zip(tasks, valids):
                if v is not None:
                    valid[start : start + rows] = v
        return Vector(t, out, valid)

    def _decode_strings(self, column: str, t) -> list[Vector]:
        """All slices of a string column with ONE shared dictionary of distinct values."""
        tasks = [(s, rg.chunks[column], rg.rows) for s in range(self.nslices) for rg in self._state.slices[s]]

        def one(task):
            _, chunk, rows = task
            if chunk is None:
                return pa.array([], pa.string()), np.zeros(rows, np.int32), np.zeros(rows, np.bool_)
            buf = self._db._read_chunk(chunk)
            values, codes, valid = B.decode_string(memoryview(buf), self._db._where(chunk), rows)
            if codes is None:
                codes = np.arange(rows, dtype=np.int32)
            return values, codes, valid

        parts = _pmap(one, tasks)
        values = [p[0] for p in parts]
        merged = pa.concat_arrays(values) if values else pa.array([], pa.string())
        enc = pc.dictionary_encode(merged)
        dictionary = enc.dictionary
        remap = enc.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
        per_slice: list[list] = [[] for _ in range(self.nslices)]
        off = 0
        for (s, _, rows), (vals, codes, valid) in zip(tasks, parts):
            if len(vals):
                per_slice[s].append((remap[off : off + len(vals)][codes], valid, rows))
            else:
                per_slice[s].append((np.zeros(rows, np.int32), valid, rows))
            off += len(vals)
        out = []
        for s in range(self.nslices):
            ps = per_slice[s]
            data = np.concatenate([p[0] for p in ps]) if ps else np.zeros(0, np.int32)
            valid = None
            if any(p[1] is not None for p in ps):
                valid = np.concatenate([np.ones(p[2], np.bool_) if p[1] is None else p[1] for p in ps])
            out.append(Vector(t, data, valid, dictionary))
        return out

    def _decode_rowgroup(self, rg: M.RowGroup) -> list[Vector]:
        """All columns of one row group (for rewrites); strings with a block dictionary."""
        vecs = []
        for c in self.definition.columns:
            chunk = rg.chunks[c.name]
            t = c.type
            if chunk is None:
                d = pa.array([], pa.string()) if t.is_string else None
                vecs.append(Vector(t, np.zeros(rg.rows, t.numpy_dtype), np.zeros(rg.rows, np.bool_), d))
                continue
            buf = memoryview(self._db._read_chunk(chunk))
            if t.is_string:
                values, codes, valid = B.decode_string(buf, self._db._where(chunk), rg.rows)
                if codes is None:
                    enc = pc.dictionary_encode(values)
                    values = enc.dictionary
                    codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int32)
                vecs.append(Vector(t, codes, valid, values))
            else:
                out = np.empty(rg.rows, t.numpy_dtype)
                valid = B.decode_numeric(buf, self._db._where(chunk), out)
                vecs.append(Vector(t, out, valid))
        return vecs


class CatalogSnapshot:
    """A catalog version: schemas, tables, views.  Immutable."""

    def __init__(self, db: Database, state: M.State) -> None:
        self._db = db
        self._state = state
        self.version: int = state.version
        self.schemas: set[str] = frozenset(state.schemas)  # type: ignore[assignment]
        self.nslices = state.nodes * state.slices_per_node
        self.tables: dict[tuple[str, str], TableSnapshot] = {
            k: TableSnapshot(db, t, self.nslices) for k, t in state.tables.items()
        }
        self.views: dict[tuple[str, str], ViewDef] = dict(state.views)
        self.auth = state.auth  # users, groups, grants (warehouse/auth/users.py reads them)
        self.external_schemas = dict(state.external_schemas)  # catalog/external.py
        self.external_tables = dict(state.external_tables)

    def get_table(self, schema: str, name: str) -> TableSnapshot | None:
        return self.tables.get((schema.lower(), name.lower()))

    def get_view(self, schema: str, name: str) -> ViewDef | None:
        return self.views.get((schema.lower(), name.lower()))


# ----- the database ---------------------------------------------------------------------------
class Database:
    """A database directory (or ``":memory:"``)."""

    def __init__(self) -> None:  # use Database.open
        self.path: str | None = None
        self.nodes = 1
        self.slices_per_node = 1
        self.nslices = 1
        self._mem: dict[str, bytes] | None = None
        self._current: CatalogSnapshot | None = None
        self._stat: tuple | None = None
        self._mutex = threading.Lock()
        self._closed = False
        self._key = id(self)

    @classmethod
    def open(cls, path: str, *, nodes: int | None = None, slices_per_node: int | None = None) -> Database:
        self = cls()
        want_nodes = nodes
        want_spn = slices_per_node
        nodes = nodes or 1
        spn = slices_per_node or (os.cpu_count() or 2)
        if nodes < 1 or spn < 1:
            msg = "nodes and slices_per_node must be at least 1"
            raise ProgrammingError(msg)
        if path == MEMORY:
            self._mem = {}
            self._lock = WriterLock(None, f"mem:{id(self)}")
            state = M.State(0, nodes, spn)
            self._set_shape(state)
            self._current = CatalogSnapshot(self, state)
            return self
        path = os.path.abspath(path)
        self.path = path
        self._key = path
        os.makedirs(os.path.join(path, "data"), exist_ok=True)
        self._lock = WriterLock(path, path)
        mpath = os.path.join(path, "MANIFEST")
        if not os.path.exists(mpath):
            self._lock.acquire(LOCK_TIMEOUT, f'database "{path}"')
            try:
                if not os.path.exists(mpath):
                    M.publish(path, M.State(0, nodes, spn))
            finally:
                self._lock.release()
        snap = self.snapshot()
        st = snap._state
        if (want_nodes is not None and want_nodes != st.nodes) or (want_spn is not None and want_spn != st.slices_per_node):
            msg = (
                f'database "{path}" was created with nodes={st.nodes} slices_per_node={st.slices_per_node}; '
                f"it cannot be reopened with nodes={want_nodes or st.nodes} slices_per_node={want_spn or st.slices_per_node}"
            )
            raise ProgrammingError(msg, sqlstate="55000")
        self._collect_garbage()
        return self

    def _set_shape(self, state: M.State) -> None:
        self.nodes = state.nodes
        self.slices_per_node = state.slices_per_node
        self.nslices = state.nodes * state.slices_per_node

    def _check_open(self) -> None:
        if self._closed:
            msg = "database is closed"
            raise InterfaceError(msg)

    # ----- snapshots ----------------------------------------------------------------------------
    def snapshot(self) -> CatalogSnapshot:
        """The latest committed state (re-reads MANIFEST only when it changed on disk)."""
        self._check_open()
        if self._mem is not None:
            return self._current  # type: ignore[return-value]
        mpath = os.path.join(self.path, "MANIFEST")  # type: ignore[arg-type]
        with self._mutex:
            for _ in range(5):
                try:
                    st = os.stat(mpath)
                    key = (st.st_ino, st.st_mtime_ns, st.st_size)
                    if key == self._stat and self._current is not None:
                        return self._current
                    with open(mpath, "rb") as f:
                        data = f.read()
                    break
                except FileNotFoundError:
                    continue
            else:
                msg = f'database "{self.path}" has no MANIFEST'
                raise OperationalError(msg)
            try:
                state = M.loads(data)
            except (ValueError, KeyError, TypeError) as exc:
                msg = f'corrupted catalog file "{mpath}": {exc}'
                raise OperationalError(msg, sqlstate="XX001") from None
            self._set_shape(state)
            self._current = CatalogSnapshot(self, state)
            self._stat = key
            return self._current

    def begin_write(self, base: CatalogSnapshot | None = None) -> WriteTransaction:
        """Take the writer lock and start a transaction on the latest committed state."""
        self._check_open()
        self._lock.acquire(LOCK_TIMEOUT, f'database "{self.path or MEMORY}"')
        try:
            latest = self.snapshot()
            if base is not None and base.version < latest.version:
                msg = "could not serialize access due to concurrent update"
                raise SerializationError(msg, hint="another transaction committed first; retry the transaction")
        except BaseException:
            self._lock.release()
            raise
        return WriteTransaction(self, latest)

    def close(self) -> None:
        self._closed = True

    # ----- files ----------------------------------------------------------------------------------
    def _where(self, chunk: M.Chunk) -> str:
        name = chunk.file if self.path is None else os.path.join(self.path, chunk.file)
        return f'block file "{name}" at offset {chunk.offset}'

    def _read_chunk(self, chunk: M.Chunk) -> bytes:
        if self._mem is not None:
            data = self._mem.get(chunk.file)
            if data is None:
                msg = f'block file "{chunk.file}" is missing'
                raise OperationalError(msg, sqlstate="58P01")
            return data[chunk.offset : chunk.offset + chunk.length]
        full = os.path.join(self.path, chunk.file)  # type: ignore[arg-type]
        try:
            fd = os.open(full, os.O_RDONLY)
        except FileNotFoundError:
            msg = f'block file "{full}" is missing'
            raise OperationalError(msg, sqlstate="58P01") from None
        try:
            return os.pread(fd, chunk.length, chunk.offset)
        finally:
            os.close(fd)

    def _write_file(self, rel: str, parts: list[bytes]) -> None:
        if self._mem is not None:
            self._mem[rel] = b"".join(parts)
            return
        full = os.path.join(self.path, rel)  # type: ignore[arg-type]
        with open(full, "wb") as f:
            f.writelines(parts)
            f.flush()
            os.fsync(f.fileno())

    def _remove_file(self, rel: str) -> None:
        if self._mem is not None:
            self._mem.pop(rel, None)
            return
        try:
            os.remove(os.path.join(self.path, rel))  # type: ignore[arg-type]
        except FileNotFoundError:
            pass

    def _collect_garbage(self) -> None:
        """Remove block files no committed version references (only while no one writes)."""
        if not self._lock.try_acquire():
            return
        try:
            state = self.snapshot()._state
            live = state.files()
            data = os.path.join(self.path, "data")  # type: ignore[arg-type]
            for tdir in os.listdir(data):
                full = os.path.join(data, tdir)
                if not os.path.isdir(full):
                    continue
                for name in os.listdir(full):
                    rel = f"data/{tdir}/{name}"
                    if rel not in live:
                        self._remove_file(rel)
                if not os.listdir(full):
                    os.rmdir(full)
            tmp = os.path.join(self.path, "MANIFEST.tmp")  # type: ignore[arg-type]
            if os.path.exists(tmp):
                os.remove(tmp)
        finally:
            self._lock.release()


# ----- writing ------------------------------------------------------------------------------
def _requested(encoding: str) -> str:
    return ENCODINGS.get((encoding or "AUTO").upper(), "auto")


def _utf8_lengths(d: pa.Array) -> np.ndarray:
    return pc.binary_length(d).to_numpy(zero_copy_only=False) if len(d) else np.zeros(0, np.int32)


def _check_column(table: TableDef, i: int, v: Vector) -> Vector:
    """NOT NULL and length checks; returns the vector to store.

    A string longer than CHAR(n)/VARCHAR(n) is an error (22001) unless the excess is only
    trailing blanks, which are cut off (as PostgreSQL does on assignment).
    """
    c = table.columns[i]
    if not c.nullable and v.valid is not None and not v.valid.all():
        msg = f'null value in column "{c.name}" of relation "{table.name}" violates not-null constraint'
        raise IntegrityError(msg, sqlstate="23502")
    t = c.type
    if t.is_string and t.length is not None and v.dictionary is not None and len(v.dictionary):
        d = v.dictionary
        long = _utf8_lengths(d) > t.length
        if not long.any():
            return v
        trimmed = pc.utf8_rtrim(d, characters=" ")
        bad = long & (_utf8_lengths(trimmed) > t.length)
        if bad.any():
            rows = bad[v.data] if v.valid is None else (bad[v.data] & v.valid)
            if rows.any():
                msg = f'value too long for type {t.pg_name} (column "{c.name}")'
                raise DataError(msg, sqlstate="22001")
        # only blanks beyond the length: cut the value to n bytes (the cut part is blanks)
        idx = np.nonzero(long)[0]
        fixed = [None if x is None else x.encode()[: t.length].decode() for x in d.take(pa.array(idx)).to_pylist()]
        cut = pc.replace_with_mask(d, pa.array(long), pa.array(fixed, d.type))
        return Vector(v.type, v.data, v.valid, cut)
    return v


def _sort_keys(table: TableDef, columns: list[Vector]) -> list[np.ndarray]:
    """Key arrays, most significant first (NULLs last; strings by value)."""
    keys = []
    names = table.column_names
    for name in table.sortkey:
        if name not in names:
            continue
        v = columns[names.index(name)]
        if v.type.is_string:
            d = v.dictionary
            rank = np.empty(len(d), dtype=np.int32)
            if len(d):
                rank[pc.array_sort_indices(d).to_numpy(zero_copy_only=False)] = np.arange(len(d), dtype=np.int32)
                data = rank[v.data]
            else:
                data = np.zeros(len(v.data), np.int32)
        else:
            data = v.data
        if v.valid is not None and not v.valid.all():
            keys.append(~v.valid)  # False (not null) sorts first
        keys.append(data)
    return keys


def _sort_order(keys: list[np.ndarray], sel) -> np.ndarray | None:
    """The permutation that sorts the selected rows by ``keys`` (None: already sorted)."""
    ks = [k[sel] for k in keys]
    if len(ks) == 1:
        k = ks[0]
        if len(k) < 2 or bool(np.all(k[1:] >= k[:-1])):
            return None
        if k.dtype.kind in "iu" and k.dtype.itemsize <= 8:
            lo, hi = int(k.min()), int(k.max())
            if hi - lo <= max(4 * len(k), 1 << 16):  # narrow range (dates, codes): counting sort
                from kernels.sort import counting_argsort

                return counting_argsort(k.astype(np.int64, copy=False), lo, hi)
        return np.argsort(k, kind="stable")
    return np.lexsort(ks[::-1])


def _encode_ranges(v: Vector, t: Any, req: str, bounds: list[int], rel: str) -> tuple[list[bytes], list[tuple[Any, Any]]]:
    """Encode rows [bounds[i], bounds[i+1]) of one column as consecutive blocks of one file:
    the block bytes, and each block's chunk location and zone map."""
    parts: list[bytes] = []
    metas: list[tuple[Any, Any]] = []
    off = 0
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        valid = None if v.valid is None else v.valid[lo:hi]
        if t.is_string:
            data, enc, zm = B.encode_string(v.data[lo:hi], valid, v.dictionary, req)
        else:
            data, enc, zm = B.encode_numeric(np.ascontiguousarray(v.data[lo:hi]), valid, req)
        parts.append(data)
        metas.append((M.Chunk(rel, off, len(data), enc), zm))
        off += len(data)
    return parts, metas


class WriteTransaction:
    """A write transaction: holds the writer lock until commit or rollback."""

    def __init__(self, db: Database, base: CatalogSnapshot) -> None:
        self._db = db
        self._base = base
        self._state = base._state.copy()
        self._new_files: list[str] = []
        self._new_dirs: set[str] = set()
        self._done = False
        self._snap: CatalogSnapshot | None = None

    # ----- helpers ------------------------------------------------------------------------------
    def _check(self) -> None:
        if self._done:
            msg = "transaction is already finished"
            raise InterfaceError(msg)

    def _changed(self) -> None:
        self._snap = None

    def current(self) -> CatalogSnapshot:
        self._check()
        if self._snap is None:
            self._snap = CatalogSnapshot(self._db, self._state)
        return self._snap

    def _table(self, schema: str, name: str) -> M.TableState:
        t = self._state.tables.get((schema.lower(), name.lower()))
        if t is None:
            msg = f'relation "{name}" does not exist'
            raise CatalogError(msg, sqlstate="42P01")
        return t

    def _next_id(self) -> int:
        i = self._state.next_id
        self._state.next_id += 1
        return i

    # ----- DDL ------------------------------------------------------------------------------------
    def create_schema(self, name: str, if_not_exists: bool = False) -> None:
        self._check()
        name = name.lower()
        if name in self._state.schemas:
            if if_not_exists:
                return
            msg = f'schema "{name}" already exists'
            raise CatalogError(msg, sqlstate="42P06")
        self._state.schemas.add(name)
        self._changed()

    def drop_schema(self, name: str, if_exists: bool = False, cascade: bool = False) -> None:
        self._check()
        name = name.lower()
        if name not in self._state.schemas:
            if if_exists:
                return
            msg = f'schema "{name}" does not exist'
            raise CatalogError(msg, sqlstate="3F000")
        inside = [k for k in list(self._state.tables) + list(self._state.views) + list(self._state.external_tables) if k[0] == name]
        if inside and not cascade:
            msg = f'cannot drop schema {name} because other objects depend on it'
            raise CatalogError(msg, sqlstate="2BP01")
        for k in inside:
            self._state.tables.pop(k, None)
            self._state.views.pop(k, None)
            self._state.external_tables.pop(k, None)
        self._state.schemas.discard(name)
        self._state.external_schemas.pop(name, None)
        self._changed()

    def create_table(self, definition: TableDef, if_not_exists: bool = False) -> None:
        self._check()
        key = (definition.schema.lower(), definition.name.lower())
        if key[0] not in self._state.schemas:
            msg = f'schema "{key[0]}" does not exist'
            raise CatalogError(msg, sqlstate="3F000")
        if key in self._state.tables or key in self._state.views or key in self._state.external_tables:
            if if_not_exists and key in self._state.tables:
                return
            msg = f'relation "{definition.name}" already exists'
            raise CatalogError(msg, sqlstate="42P07")
        tid = self._state.next_table_id
        self._state.next_table_id += 1
        d = definition.with_changes(schema=key[0], name=key[1], table_id=tid)
        style = d.diststyle.upper()
        effective = None if style == "AUTO" else style
        self._state.tables[key] = M.TableState(d, effective, 0, tuple(() for _ in range(self._db.nslices)))
        self._changed()

    def drop_table(self, schema: str, name: str, if_exists: bool = False) -> None:
        self._check()
        key = (schema.lower(), name.lower())
        if key not in self._state.tables:
            if if_exists:
                return
            msg = f'table "{name}" does not exist'
            raise CatalogError(msg, sqlstate="42P01")
        del self._state.tables[key]
        self._changed()

    def rename_table(self, schema: str, name: str, new_name: str) -> None:
        self._check()
        t = self._table(schema, name)
        new_key = (t.definition.schema, new_name.lower())
        if new_key in self._state.tables or new_key in self._state.views:
            msg = f'relation "{new_name}" already exists'
            raise CatalogError(msg, sqlstate="42P07")
        del self._state.tables[(t.definition.schema, t.definition.name)]
        self._state.tables[new_key] = replace(t, definition=t.definition.with_changes(name=new_key[1]))
        self._changed()

    def alter_table(self, schema: str, name: str, new_definition: TableDef, column_map: dict[str, str | None]) -> None:
        """New definition; ``column_map``: new column name -> old name (None = new, all NULL)."""
        self._check()
        t = self._table(schema, name)
        d = new_definition.with_changes(
            schema=t.definition.schema, name=t.definition.name, table_id=t.definition.table_id
        )
        slices = []
        for rgs in t.slices:
            new_rgs = []
            for rg in rgs:
                chunks = {}
                zms = {}
                for c in d.columns:
                    old = column_map.get(c.name, c.name if c.name in rg.chunks else None)
                    if old is None:
                        chunks[c.name] = None
                        zms[c.name] = ZoneMap.all_null(rg.rows)
                    else:
                        chunks[c.name] = rg.chunks[old]
                        zms[c.name] = rg.zonemaps[old]
                new_rgs.append(replace(rg, chunks=chunks, zonemaps=zms))
            slices.append(tuple(new_rgs))
        self._state.tables[(d.schema, d.name)] = replace(t, definition=d, slices=tuple(slices))
        self._changed()

    def fill_column(self, schema: str, name: str, column: str, values: list[Vector | None]) -> None:
        """Rewrite one column in place: ``values[slice]`` covers the slice's rows in read order.

        Used by ALTER TABLE ADD COLUMN ... DEFAULT to give existing rows the default; other
        columns, row groups and the distribution stay as they are.
        """
        self._check()
        t = self._table(schema, name)
        d = t.definition
        ci = d.column_names.index(column)
        c = d.columns[ci]
        req = _requested(c.encoding)
        token = uuid.uuid4().hex[:16]
        jobs = []
        for s, rgs in enumerate(t.slices):
            v = values[s] if s < len(values) else None
            if v is None or not rgs:
                continue
            n = sum(rg.rows for rg in rgs)
            if len(v) != n:
                msg = f"column values for slice {s} have {len(v)} rows, expected {n}"
                raise InterfaceError(msg)
            v = _check_column(d, ci, v)
            jobs.append((s, v, self._new_file(d.table_id, token, s, ci)))

        def job(j):
            s, v, rel = j
            bounds_s = [0]
            for rg in t.slices[s]:
                bounds_s.append(bounds_s[-1] + rg.rows)
            parts, metas = _encode_ranges(v, c.type, req, bounds_s, rel)
            self._db._write_file(rel, parts)
            return metas

        results = _pmap(job, jobs)
        slices = list(t.slices)
        for (s, _, _), metas in zip(jobs, results):
            new_rgs = []
            for rg, (chunk, zm) in zip(t.slices[s], metas):
                new_rgs.append(replace(rg, chunks={**rg.chunks, column: chunk}, zonemaps={**rg.zonemaps, column: zm}))
            slices[s] = tuple(new_rgs)
        self._state.tables[(d.schema, d.name)] = replace(t, slices=tuple(slices))
        self._changed()

    def create_view(self, view: ViewDef, replace: bool = False) -> None:  # noqa: A002
        self._check()
        key = (view.schema.lower(), view.name.lower())
        if key[0] not in self._state.schemas:
            msg = f'schema "{key[0]}" does not exist'
            raise CatalogError(msg, sqlstate="3F000")
        if key in self._state.tables or key in self._state.external_tables or (key in self._state.views and not replace):
            msg = f'relation "{view.name}" already exists'
            raise CatalogError(msg, sqlstate="42P07")
        self._state.views[key] = ViewDef(key[0], key[1], view.sql, view.column_names, view.owner)
        self._changed()

    def drop_view(self, schema: str, name: str, if_exists: bool = False) -> None:
        self._check()
        key = (schema.lower(), name.lower())
        if key not in self._state.views:
            if if_exists:
                return
            msg = f'view "{name}" does not exist'
            raise CatalogError(msg, sqlstate="42P01")
        del self._state.views[key]
        self._changed()

    def set_auth(self, auth: Any) -> None:
        """Replace users, groups and grants (an ``auth.model.AuthState``); commits with the rest."""
        self._check()
        self._state.auth = auth
        self._changed()

    # ----- external schemas and tables (catalog/external.py) ---------------------------------------
    def create_external_schema(self, definition: Any, if_not_exists: bool = False) -> None:
        """A schema that names a data-catalog database (an ``ExternalSchemaDef``)."""
        self._check()
        name = definition.name.lower()
        if name in self._state.schemas:
            if if_not_exists:
                return
            msg = f'schema "{name}" already exists'
            raise CatalogError(msg, sqlstate="42P06")
        self._state.schemas.add(name)
        self._state.external_schemas[name] = definition
        self._changed()

    def put_external_table(self, definition: Any, replace: bool = False) -> None:  # noqa: A002
        """Create (or with ``replace``, redefine: partitions) an external table."""
        self._check()
        key = (definition.schema.lower(), definition.name.lower())
        if key[0] not in self._state.schemas:
            msg = f'schema "{key[0]}" does not exist'
            raise CatalogError(msg, sqlstate="3F000")
        if key in self._state.tables or key in self._state.views or (key in self._state.external_tables and not replace):
            msg = f'relation "{definition.name}" already exists'
            raise CatalogError(msg, sqlstate="42P07")
        self._state.external_tables[key] = definition
        self._changed()

    def drop_external_table(self, schema: str, name: str) -> None:
        self._check()
        key = (schema.lower(), name.lower())
        if self._state.external_tables.pop(key, None) is None:
            msg = f'table "{name}" does not exist'
            raise CatalogError(msg, sqlstate="42P01")
        self._changed()

    # ----- DML ------------------------------------------------------------------------------------
    def _new_file(self, table_id: int, token: str, s: int, c: int) -> str:
        rel = f"data/{table_id}/{token}_s{s}_c{c}.blk"
        d = f"data/{table_id}"
        if self._db.path is not None and d not in self._new_dirs:
            os.makedirs(os.path.join(self._db.path, d), exist_ok=True)
            self._new_dirs.add(d)
        self._new_files.append(rel)
        return rel

    def _write_slices(self, t: M.TableState, per_slice: list[list[Vector] | None], bounds: list[list[int]]) -> list[list[M.RowGroup]]:
        """Encode and write the row groups of each slice; returns new row groups per slice.

        ``per_slice[s]`` is the slice's columns (None: nothing to write); ``bounds[s]`` the row
        group boundaries [0, ..., n].
        """
        d = t.definition
        token = uuid.uuid4().hex[:16]
        jobs = []
        for s, cols in enumerate(per_slice):
            if cols is None:
                continue
            for ci, c in enumerate(d.columns):
                jobs.append((s, ci, c, cols[ci], self._new_file(d.table_id, token, s, ci)))

        def job(j):
            s, ci, c, v, rel = j
            req = _requested(c.encoding)
            parts, metas = _encode_ranges(v, c.type, req, bounds[s], rel)
            self._db._write_file(rel, parts)
            return metas

        results = _pmap(job, jobs)
        by_slice: dict[int, dict[str, list]] = {}
        for (s, _, c, _, _), metas in zip(jobs, results):
            by_slice.setdefault(s, {})[c.name] = metas
        return self._row_groups(by_slice, bounds, len(per_slice))

    def _row_groups(self, by_slice: dict[int, dict[str, list]], bounds: list[list[int]], nslices: int) -> list[list[M.RowGroup]]:
        """Row groups per slice from each column's (chunk, zone map) per block, all in one segment."""
        seg = self._next_id()
        out: list[list[M.RowGroup]] = [[] for _ in range(nslices)]
        for s, cols in by_slice.items():
            b = bounds[s]
            for i in range(len(b) - 1):
                chunks = {name: metas[i][0] for name, metas in cols.items()}
                zms = {name: metas[i][1] for name, metas in cols.items()}
                out[s].append(M.RowGroup(self._next_id(), seg, b[i + 1] - b[i], chunks, zms))
        return out

    def append(self, schema: str, name: str, columns: list[Vector]) -> int:
        """Distribute, sort, encode and write rows (visible to others at commit)."""
        self._check()
        t = self._table(schema, name)
        d = t.definition
        if len(columns) != len(d.columns):
            msg = f'table "{d.name}" has {len(d.columns)} columns but {len(columns)} were given'
            raise InterfaceError(msg)
        n = len(columns[0]) if columns else 0
        if n == 0:
            return 0
        for i, v in enumerate(columns):
            if len(v) != n:
                msg = f'column "{d.columns[i].name}" has {len(v)} rows, expected {n}'
                raise InterfaceError(msg)
        columns = [_check_column(d, i, v) for i, v in enumerate(columns)]
        effective = t.effective
        if effective is None:
            existing = sum(rg.rows for rgs in t.slices for rg in rgs)
            effective = "ALL" if existing + n < distribution.AUTO_ALL_ROWS else "EVEN"
        nslices = self._db.nslices
        key = None
        if effective == "KEY":
            key = columns[d.column_names.index(d.distkey)]
        sels = distribution.assign(effective, n, nslices, self._db.nodes, key, t.cursor)
        keys = _sort_keys(d, columns)
        BR = BLOCK_ROWS

        def prepare(s):
            sel = sels[s]
            if sel is None:
                return None
            if isinstance(sel, np.ndarray) and len(sel) == 0:
                return None
            if isinstance(sel, slice) and len(range(*sel.indices(n))) == 0:
                return None
            if keys:
                order = _sort_order(keys, sel)
                if order is not None:
                    sel = (np.arange(n)[sel] if isinstance(sel, slice) else sel)[order]
            return sel

        sels = _pmap(prepare, list(range(nslices)))
        per_slice: list[list[Vector] | None] = []
        bounds = []
        for s in range(nslices):
            sel = sels[s]
            if sel is None:
                per_slice.append(None)
                bounds.append([0])
                continue
            per_slice.append(
                _pmap(lambda v, sel=sel: Vector(v.type, v.data[sel], None if v.valid is None else v.valid[sel], v.dictionary), columns)
            )
            m = len(per_slice[-1][0])
            bounds.append([*range(0, m, BR), m])
        new = self._write_slices(t, per_slice, bounds)
        slices = tuple(tuple(old) + tuple(add) for old, add in zip(t.slices, new))
        cursor = (t.cursor + n) % nslices if effective == "EVEN" else t.cursor
        self._state.tables[(d.schema, d.name)] = replace(t, effective=effective, cursor=cursor, slices=slices)
        self._changed()
        return n

    def append_in_order(self, schema: str, name: str, rows: list[np.ndarray | None], column: Any, *, effective: str, cursor: int) -> int:
        """Write rows whose slice and order are already decided, one column at a time.

        ``rows[s]`` holds, in final order, the positions (in the caller's numbering) of the
        rows slice ``s`` receives (None: none); ``column(i)`` returns column ``i`` for every
        position as a vector.  Only one column is in memory at a time, so a load larger than
        memory can still be written as one sorted run per slice (``statements/sorted_copy.py``).
        Returns the rows written over all slices (DISTSTYLE ALL counts each copy).
        """
        self._check()
        t = self._table(schema, name)
        d = t.definition
        n_out = [0 if r is None else len(r) for r in rows]
        if not sum(n_out):
            return 0
        token = uuid.uuid4().hex[:16]
        bounds = [[*range(0, m, BLOCK_ROWS), m] if m else [0] for m in n_out]
        metas: dict[int, dict[str, list]] = {s: {} for s, m in enumerate(n_out) if m}
        for ci, c in enumerate(d.columns):
            v = _check_column(d, ci, column(ci))
            req = _requested(c.encoding)

            def job(s, v=v, ci=ci, c=c, req=req):
                sel = rows[s]
                part = Vector(v.type, v.data[sel], None if v.valid is None else v.valid[sel], v.dictionary)
                rel = self._new_file(d.table_id, token, s, ci)
                parts, m = _encode_ranges(part, c.type, req, bounds[s], rel)
                self._db._write_file(rel, parts)
                return m

            slices = list(metas)
            for s, m in zip(slices, _pmap(job, slices)):
                metas[s][c.name] = m
            del v
        new = self._row_groups(metas, bounds, len(rows))
        slices_state = tuple(tuple(old) + tuple(add) for old, add in zip(t.slices, new))
        self._state.tables[(d.schema, d.name)] = replace(t, effective=effective, cursor=cursor, slices=slices_state)
        self._changed()
        return sum(n_out)

    def delete_rows(self, schema: str, name: str, masks: list[np.ndarray]) -> int:
        """Delete rows (masks[slice] over the slice's rows in read order).

        The row groups holding deleted rows are rewritten (live rows only, order kept);
        row groups losing every row are dropped.
        """
        self._check()
        t = self._table(schema, name)
        snap = TableSnapshot(self._db, t, self._db.nslices)
        deleted = 0
        new_slices = list(t.slices)
        rewrite: list[list[Vector] | None] = [None] * len(t.slices)
        bounds: list[list[int]] = [[0] for _ in t.slices]
        plans: list[list] = [[] for _ in t.slices]
        for s, mask in enumerate(masks):
            if mask is None or s >= len(t.slices):
                continue
            mask = np.asarray(mask, dtype=np.bool_)
            if len(mask) != snap.slice_row_count(s):
                msg = f"delete mask for slice {s} has {len(mask)} rows, expected {snap.slice_row_count(s)}"
                raise InterfaceError(msg)
            if not mask.any():
                continue
            pos = 0
            keep_vecs: list[list[Vector]] = []
            for rg in t.slices[s]:
                m = mask[pos : pos + rg.rows]
                pos += rg.rows
                nd = int(np.count_nonzero(m))
                deleted += nd
                if nd == 0:
                    plans[s].append(rg)
                elif nd == rg.rows:
                    continue
                else:
                    vecs = [v.filter(~m) for v in snap._decode_rowgroup(rg)]
                    plans[s].append(len(keep_vecs))
                    keep_vecs.append(vecs)
            if keep_vecs:
                ncols = len(t.definition.columns)
                cat = []
                for ci in range(ncols):
                    parts = [kv[ci] for kv in keep_vecs]
                    if parts[0].type.is_string:
                        parts = unify_dictionaries(parts)
                    data = np.concatenate([p.data for p in parts])
                    valid = None
                    if any(p.valid is not None for p in parts):
                        valid = np.concatenate([p.validity() for p in parts])
                    cat.append(Vector(parts[0].type, data, valid, parts[0].dictionary))
                rewrite[s] = cat
                b = [0]
                for kv in keep_vecs:
                    b.append(b[-1] + len(kv[0]))
                bounds[s] = b
            else:
                new_slices[s] = tuple(x for x in plans[s])
                plans[s] = []
        if deleted == 0:
            return 0
        written = self._write_slices(t, rewrite, bounds)
        for s in range(len(t.slices)):
            if rewrite[s] is None:
                continue
            new_slices[s] = tuple(written[s][x] if isinstance(x, int) else x for x in plans[s])
        self._state.tables[(t.definition.schema, t.definition.name)] = replace(t, slices=tuple(new_slices))
        self._changed()
        return deleted

    def truncate(self, schema: str, name: str) -> None:
        self._check()
        t = self._table(schema, name)
        self._state.tables[(t.definition.schema, t.definition.name)] = replace(
            t, slices=tuple(() for _ in t.slices), cursor=0
        )
        self._changed()

    # ----- end --------------------------------------------------------------------------------------
    def commit(self) -> CatalogSnapshot:
        """Publish atomically (blocks are already on disk and fsynced); release the lock."""
        self._check()
        db = self._db
        try:
            self._state.version = self._base.version + 1
            if db.path is not None:
                for d in self._new_dirs:
                    M.fsync_dir(os.path.join(db.path, d))
                M.fsync_dir(os.path.join(db.path, "data"))
                M.publish(db.path, self._state)
                st = os.stat(os.path.join(db.path, "MANIFEST"))
                snap = CatalogSnapshot(db, self._state)
                with db._mutex:
                    db._current = snap
                    db._stat = (st.st_ino, st.st_mtime_ns, st.st_size)
            else:
                snap = CatalogSnapshot(db, self._state)
                db._current = snap
        except BaseException:
            # not published (or not known to be): leave the files for garbage collection at
            # the next open rather than risk deleting blocks a published manifest names
            self._done = True
            db._lock.release()
            raise
        self._done = True
        db._lock.release()
        return snap

    def _abort(self) -> None:
        for rel in self._new_files:
            self._db._remove_file(rel)
        if self._db.path is not None:
            try:
                os.remove(os.path.join(self._db.path, "MANIFEST.tmp"))
            except FileNotFoundError:
                pass
        self._new_files = []

    def rollback(self) -> None:
        """Discard: delete the new block files and release the lock."""
        if self._done:
            return
        self._done = True
        try:
            self._abort()
        finally:
            self._db._lock.release()

    def __enter__(self) -> WriteTransaction:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self._done:
            if exc_type is None:
                self.commit()
            else:
                self.rollback()
