"""Relations whose rows come from the session rather than storage (filled in by later issues:
pg_catalog for clients, stl_query history)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def session_view(session: Any, name: str) -> pa.Table | None:
    """The rows of a session-level relation, or None when ``name`` is not one."""
    return None
