"""The PEP 249 (DB-API 2.0) interface: ``warehouse.connect`` and friends.

Importing this package is cheap: the engine (session, storage, numba kernels) is imported
the first time a connection is opened.
"""

from __future__ import annotations

import datetime as _dt
import time as _time

from warehouse.dbapi.connection import Connection, connect
from warehouse.dbapi.cursor import Cursor, type_oid

__all__ = [
    "BINARY",
    "BOOLEAN",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "Cursor",
    "DBAPITypeObject",
    "Date",
    "DateFromTicks",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
    "type_oid",
]

apilevel = "2.0"
threadsafety = 1  # threads may share the module, not connections
paramstyle = "pyformat"


class DBAPITypeObject:
    """A PEP 249 type object: equal to every PostgreSQL type OID of its group.

    ``cursor.description[i][1]`` (the type_code) is an OID, so
    ``description[0][1] == warehouse.NUMBER`` tells whether a column is numeric.
    """

    def __init__(self, name: str, *oids: int) -> None:
        self.name = name
        self.values = frozenset(oids)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return self.values == other.values
        if isinstance(other, int):
            return other in self.values
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self.values)

    def __repr__(self) -> str:
        return f"<DBAPITypeObject {self.name} {sorted(self.values)}>"


# OIDs: text 25, bpchar 1042, varchar 1043, name 19, char 18 / bytea 17 /
# int2 21, int4 23, int8 20, numeric 1700, float4 700, float8 701, oid 26 /
# date 1082, time 1083, timestamp 1114, timestamptz 1184, interval 1186, timetz 1266 / bool 16
STRING = DBAPITypeObject("STRING", 25, 1042, 1043, 19, 18)
BINARY = DBAPITypeObject("BINARY", 17)
NUMBER = DBAPITypeObject("NUMBER", 21, 23, 20, 1700, 700, 701, 26)
DATETIME = DBAPITypeObject("DATETIME", 1082, 1083, 1114, 1184, 1186, 1266)
ROWID = DBAPITypeObject("ROWID", 26)
BOOLEAN = DBAPITypeObject("BOOLEAN", 16)  # not in PEP 249; psycopg has it too

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> _dt.date:  # noqa: N802 - PEP 249 name
    """The local date for seconds since the epoch (PEP 249)."""
    return Date(*_time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> _dt.time:  # noqa: N802 - PEP 249 name
    """The local time of day for seconds since the epoch (PEP 249)."""
    return Time(*_time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> _dt.datetime:  # noqa: N802 - PEP 249 name
    """The local date and time for seconds since the epoch (PEP 249)."""
    return Timestamp(*_time.localtime(ticks)[:6])
