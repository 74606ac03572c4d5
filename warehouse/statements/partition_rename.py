"""Hive/Athena's ``ALTER TABLE t PARTITION (k='v', ...) RENAME TO PARTITION (k='w', ...)``.

A registered partition of an external table gets new values and keeps its location: the
objects stay where they are (Athena only edits the catalog; it never moves data), so a query
reading ``k = 'w'`` reads what ``k = 'v'`` read before.  Kept apart from
``statements/external.py`` (which calls ``rename_partition`` from its ALTER TABLE handler,
and so commits and rolls back it with the transaction like the other partition statements)
because that module is already long.
"""

from __future__ import annotations

from warehouse.catalog.external import ExternalTableDef
from warehouse.errors import CatalogError, ProgrammingError
from warehouse.sql.external import AlterExternalTable

__all__ = ["rename_partition"]


def _shown(d: ExternalTableDef, values: tuple[str, ...]) -> str:
    return ", ".join(f"{c.name}={v}" for c, v in zip(d.partition_columns, values))


def rename_partition(d: ExternalTableDef, cmd: AlterExternalTable, notices: list[str]) -> ExternalTableDef:
    """``d`` with the partition ``cmd.partition`` registered under ``cmd.new_partition``
    instead.  Both must name every partition column once (42P16, as ADD PARTITION); the
    source must exist (42P01) and the target must not (42P07, also when it is the source)."""
    from warehouse.statements.external import _default_location, _values

    if not d.partition_columns:
        msg = f'table "{d.name}" is not partitioned (no PARTITIONED BY)'
        raise ProgrammingError(msg, sqlstate="42P16")
    old, new = _values(d, cmd.partition), _values(d, cmd.new_partition)
    current = dict(d.partitions)
    if old not in current:
        msg = f'partition ({_shown(d, old)}) of "{d.name}" does not exist'
        raise CatalogError(msg, sqlstate="42P01")
    if new in current:
        msg = f'partition ({_shown(d, new)}) of "{d.name}" already exists'
        raise CatalogError(msg, sqlstate="42P07")
    location = current.pop(old)
    current[new] = location
    if location == _default_location(d, old):  # MSCK REPAIR TABLE would register the old values again
        notices.append(f"partition ({_shown(d, new)}) keeps its location {location} (ALTER TABLE ... PARTITION (...) "
                       "SET LOCATION changes it; the objects are not moved)")
    return d.with_changes(partitions=tuple(sorted(current.items())))
