"""Name resolution: which column a (qualified) name refers to.

A ``Scope`` lists the columns visible to expressions, in the order of the input they
are bound against.  A name found only in the parent scope (an enclosing query) is a
correlated reference: it resolves to ``OUTER_BASE + index in the parent``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from warehouse.errors import BinderError, NotSupportedError
from warehouse.types import SqlType

OUTER_BASE = 1_000_000  # column indexes in [OUTER_BASE, ADDED_BASE) refer to the enclosing query
ADDED_BASE = 10 * OUTER_BASE  # columns that decorrelated subqueries add to a block


def is_outer(index: int) -> bool:
    """Whether a bound column index is a correlated reference to the enclosing query."""
    return OUTER_BASE <= index < ADDED_BASE


@dataclass(frozen=True)
class Entry:
    """One visible column: the relation alias it comes from, its name and type."""

    qualifier: str
    name: str
    type: SqlType


@dataclass
class Scope:
    entries: list[Entry] = field(default_factory=list)
    parent: Scope | None = None
    correlated_used: bool = False

    def extend(self, entries: list[Entry]) -> None:
        self.entries.extend(entries)

    def qualifiers(self) -> set[str]:
        return {e.qualifier for e in self.entries}

    def find_local(self, name: str, qualifier: str | None) -> list[int]:
        return [
            i
            for i, e in enumerate(self.entries)
            if e.name == name and (qualifier is None or e.qualifier == qualifier)
        ]

    def resolve(self, name: str, qualifier: str | None, position: int | None = None) -> tuple[int, SqlType]:
        """The index and type of a column; correlated names get OUTER_BASE + index."""
        hits = self.find_local(name, qualifier)
        if len(hits) > 1:
            msg = f'column reference "{name}" is ambiguous'
            raise BinderError(msg, sqlstate="42702", position=position)
        if hits:
            return hits[0], self.entries[hits[0]].type
        if self.parent is not None:
            try:
                idx, t = self.parent.resolve(name, qualifier, position)
            except BinderError:
                idx = None
            if idx is not None:
                if idx >= OUTER_BASE:
                    msg = f'column "{name}" refers to a query two levels up; only one level of correlation is supported'
                    raise NotSupportedError(msg, position=position)
                self.correlated_used = True
                return OUTER_BASE + idx, t
        raise self._not_found(name, qualifier, position)

    def _not_found(self, name: str, qualifier: str | None, position: int | None) -> BinderError:
        if qualifier is not None and qualifier not in self.all_qualifiers():
            msg = f'missing FROM-clause entry for table "{qualifier}"'
            return BinderError(msg, sqlstate="42P01", position=position)
        shown = f"{qualifier}.{name}" if qualifier else name
        msg = f'column "{shown}" does not exist'
        candidates = sorted({e.name for e in self.all_entries()})
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        hint = f'Perhaps you meant to reference the column "{close[0]}".' if close else None
        err = BinderError(msg, sqlstate="42703", position=position, hint=hint)
        if close:
            err.message = f"{msg}; did you mean \"{close[0]}\"?"
        return err

    def all_entries(self) -> list[Entry]:
        out = list(self.entries)
        if self.parent is not None:
            out.extend(self.parent.all_entries())
        return out

    def all_qualifiers(self) -> set[str]:
        return {e.qualifier for e in self.all_entries()}
