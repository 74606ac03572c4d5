"""Errors and rejected rows of a load: each names the file, line, column and raw value.

``LoadError`` is what a reader raises on the first bad input; ``RejectedRow`` is the record a
COPY with ``MAXERROR`` keeps instead (and that ``stl_load_errors`` shows).  Loaders know nothing
of SQLSTATEs: the engine wraps a ``LoadError`` into its own ``DataError``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LoadError", "RejectedRow"]


@dataclass(frozen=True)
class RejectedRow:
    """One row that did not load: where it was and why."""

    filename: str | None
    line_number: int | None  # 1-based physical line in the file (header lines count)
    colname: str | None
    raw_value: str | None
    reason: str


class LoadError(Exception):
    """Input that cannot be read or parsed; the message names file, line, column and value."""

    def __init__(
        self,
        reason: str,
        *,
        filename: str | None = None,
        line_number: int | None = None,
        colname: str | None = None,
        raw_value: str | None = None,
    ) -> None:
        self.reason = reason
        self.filename = filename
        self.line_number = line_number
        self.colname = colname
        self.raw_value = raw_value
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.filename is not None:
            where.append(f"file {self.filename}")
        if self.line_number is not None:
            where.append(f"line {self.line_number}")
        if self.colname is not None:
            where.append(f"column {self.colname}")
        msg = self.reason
        if self.raw_value is not None:
            msg += f" (raw value {self.raw_value!r})"
        if where:
            msg += f" at {', '.join(where)}"
        return msg

    def to_rejected_row(self) -> RejectedRow:
        return RejectedRow(
            self.filename, self.line_number, self.colname, self.raw_value, self.reason
        )
