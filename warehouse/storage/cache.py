"""The process-wide cache of decoded columns (LRU bounded by a memory budget).

Keys identify the physical blocks a value was decoded from (database, table id, column
type, block locations), never names, so a renamed column or a new table version can never
be served stale data.  Cached arrays are read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from warehouse.vector import Vector

DEFAULT_BUDGET = 2 << 30


def vector_nbytes(v: Vector) -> int:
    n = v.data.nbytes + (0 if v.valid is None else v.valid.nbytes)
    if v.dictionary is not None:
        n += v.dictionary.nbytes
    return n


def freeze(v: Vector) -> Vector:
    v.data.flags.writeable = False
    if v.valid is not None:
        v.valid.flags.writeable = False
    return v


class DecodedCache:
    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.used = 0
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Any, tuple[Vector, int]] = OrderedDict()
        self._mutex = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}

    def get(self, key: Any) -> Vector | None:
        with self._mutex:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Any, v: Vector) -> None:
        size = vector_nbytes(v)
        with self._mutex:
            if key in self._items:
                return
            if size > self.budget:
                return
            self._items[key] = (v, size)
            self.used += size
            while self.used > self.budget and self._items:
                _, (_, s) = self._items.popitem(last=False)
                self.used -= s

    def key_lock(self, key: Any) -> threading.Lock:
        """A lock per key so concurrent readers decode a column once."""
        with self._mutex:
            lock = self._key_locks.get(key)
            if lock is None:
                if len(self._key_locks) > 4096:
                    self._key_locks.clear()
                lock = self._key_locks[key] = threading.Lock()
            return lock

    def clear(self) -> None:
        with self._mutex:
            self._items.clear()
            self.used = 0


CACHE = DecodedCache()


def set_budget(nbytes: int) -> None:
    """Change the memory budget of the process-wide decoded-column cache."""
    CACHE.budget = nbytes
