"""Errors and rejected rows of a load: each names the file, line, column and raw value.

``LoadError`` is what a reader raises on the first bad input; ``RejectedRow`` is the record a
COPY with ``MAXERROR`` keeps instead (and that ``stl_load_errors`` shows).  Loaders know nothing
of SQLSTATEs: the engine wraps a ``LoadError`` into its own ``DataError``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LoadError", "RejectedRow"]


# Redshift's stl_load_errors.err_code values for the failures readers detect
ERR_MISSING_FIELDS = 1214  # delimiter not found: too few fields
ERR_EXTRA_FIELDS = 1202  # extra column(s) found
ERR_TOO_LONG = 1204  # string length exceeds DDL length
ERR_DATE = 1205  # date format invalid
ERR_TIMESTAMP = 1206  # timestamp format invalid
ERR_INTEGER = 1207  # invalid digit
ERR_FLOAT = 1208  # float format error
ERR_DECIMAL = 1209  # decimal format error / overflow
ERR_NOT_NULL = 1213  # missing data for not-null field
ERR_GENERAL = 1216  # general parse error (bad boolean, malformed record)
ERR_UTF8 = 1220  # invalid UTF-8
ERR_JSON = 1224  # malformed JSON / JSONPath


@dataclass(frozen=True)
class RejectedRow:
    """One row that did not load: where it was and why (a row of ``stl_load_errors``)."""

    filename: str | None
    line_number: int | None  # 1-based physical line in the file (header lines count)
    colname: str | None
    raw_value: str | None
    reason: str
    err_code: int = ERR_GENERAL
    raw_line: str | None = None
    position: int | None = None  # byte offset of the field within the line


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
        err_code: int = ERR_GENERAL,
    ) -> None:
        self.err_code = err_code
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
            self.filename, self.line_number, self.colname, self.raw_value, self.reason, self.err_code
        )
