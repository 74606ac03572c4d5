"""Relations whose rows come from the running process rather than table storage: the
``stl_*`` logs (``system_log.py``), and later pg_catalog for clients."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from warehouse.catalog.system_log import LOG_SCHEMAS, system_log


def session_view(session: Any, name: str) -> pa.Table | None:
    """The rows of a session-level relation, or None when ``name`` is not one."""
    short = name.split(".")[-1].lower()
    if short in LOG_SCHEMAS:
        return system_log(session.db).table(short)
    return None
