"""The ``warehouse`` console script: the interactive SQL shell, scripts, ``serve`` and ``warmup``."""

from warehouse.cli.main import main

__all__ = ["main"]
