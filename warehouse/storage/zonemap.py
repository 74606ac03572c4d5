"""Zone maps: per column block min, max, null count and row count.

Values are physical: scaled ints for decimals, int days for dates, int microseconds for
timestamps, ``str`` for strings, ``float`` for REAL/DOUBLE (NaN ignored), ``bool`` for
BOOLEAN.  ``min``/``max`` are None when the block has no non-null (non-NaN) value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ZoneMap:
    min: Any
    max: Any
    null_count: int
    row_count: int

    def to_json(self) -> list:
        return [self.min, self.max, self.null_count, self.row_count]

    @classmethod
    def from_json(cls, v: list) -> ZoneMap:
        return cls(v[0], v[1], int(v[2]), int(v[3]))

    @classmethod
    def all_null(cls, rows: int) -> ZoneMap:
        return cls(None, None, rows, rows)
