"""The ``warehouse`` console script (the interactive shell arrives with its own issue)."""

from warehouse.cli.main import main

__all__ = ["main"]
