"""PEP 249 exception hierarchy; every error carries a SQLSTATE, as psycopg's do.

Messages are built as ``msg = ...; raise X(msg)`` and name the offending thing (table,
column, file and line).  ``position`` is a 1-based character offset into the statement
text when the error points at a place in it; ``hint`` is an optional second line.
"""

from __future__ import annotations

__all__ = [
    "Warning",
    "Error",
    "InterfaceError",
    "DatabaseError",
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
    "SyntaxError_",
    "BinderError",
    "CatalogError",
    "NumericOverflow",
    "ConversionError",
    "SerializationError",
    "CardinalityError",
    "QueryCanceled",
]


class Warning(Exception):  # noqa: A001 - the name PEP 249 requires
    """Important warnings such as data truncation (PEP 249)."""


class Error(Exception):
    """Base of every error the engine raises (PEP 249)."""

    default_sqlstate = "XX000"

    def __init__(
        self,
        message: str,
        *,
        sqlstate: str | None = None,
        position: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate or self.default_sqlstate
        self.position = position
        self.hint = hint

    @property
    def pgcode(self) -> str:
        """psycopg2's name for the SQLSTATE."""
        return self.sqlstate

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nHint: {self.hint}"
        return self.message


class InterfaceError(Error):
    """Misuse of the DB-API itself (closed cursor, fetch before execute)."""

    default_sqlstate = "08003"


class DatabaseError(Error):
    """Errors related to the database."""


class DataError(DatabaseError):
    """Bad data: division by zero, value out of range, bad cast input."""

    default_sqlstate = "22000"


class OperationalError(DatabaseError):
    """Errors in the database's operation (I/O, lock time-outs, cancelled statements)."""

    default_sqlstate = "58000"


class IntegrityError(DatabaseError):
    """Constraint violations (NOT NULL)."""

    default_sqlstate = "23000"


class InternalError(DatabaseError):
    """An invariant of the engine broke: probably our bug, please report it."""

    default_sqlstate = "XX000"


class ProgrammingError(DatabaseError):
    """Bad SQL: syntax errors, unknown tables or columns, wrong argument types."""

    default_sqlstate = "42000"


class NotSupportedError(DatabaseError):
    """A feature the engine does not support (yet); the message names it."""

    default_sqlstate = "0A000"


class SyntaxError_(ProgrammingError):
    """The statement text does not parse."""

    default_sqlstate = "42601"


class BinderError(ProgrammingError):
    """Names or types do not resolve (unknown column 42703, unknown function 42883)."""

    default_sqlstate = "42703"


class CatalogError(ProgrammingError):
    """Unknown or duplicate table, view or schema (42P01, 42P07)."""

    default_sqlstate = "42P01"


class NumericOverflow(DataError):
    """A value does not fit its type (22003)."""

    default_sqlstate = "22003"


class ConversionError(DataError):
    """Text that does not convert to the target type (22P02, 22007, 22008)."""

    default_sqlstate = "22P02"


class CardinalityError(ProgrammingError):
    """A scalar subquery returned more than one row (21000)."""

    default_sqlstate = "21000"


class QueryCanceled(OperationalError):
    """The statement was cancelled (Ctrl-C, cancel request, statement timeout) (57014)."""

    default_sqlstate = "57014"


class SerializationError(OperationalError):
    """A concurrent writer committed first; retry the transaction (40001)."""

    default_sqlstate = "40001"
