"""Relations whose rows come from the running process rather than table storage: the
``stl_*`` logs (``system_log.py``), and the catalog for clients: ``pg_catalog``
(``pg_catalog.py``), ``information_schema`` (``information_schema.py``) and Redshift's
``svv_*`` views (``svv_views.py``), all built from the session's catalog snapshot.

Names resolve as PostgreSQL's search path does: ``pg_class`` and ``pg_catalog.pg_class``
are the same relation; ``information_schema`` views need their schema.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from warehouse.catalog.system_log import LOG_SCHEMAS, system_log


def session_view(session: Any, name: str) -> pa.Table | None:
    """The rows of a session-level relation, or None when ``name`` is not one."""
    from warehouse.catalog import information_schema, pg_catalog, svv_views
    from warehouse.catalog.external_views import with_external
    from warehouse.catalog.pg_objects import collect

    parts = name.split(".")
    schema = parts[0].lower() if len(parts) > 1 else None
    short = parts[-1].lower()
    if schema == "information_schema":
        if short not in information_schema.SPECS:
            return None
        return information_schema.relation(short, with_external(collect(session), session))
    if schema not in (None, "pg_catalog"):
        return None
    if short in LOG_SCHEMAS:
        return system_log(session.db).table(short)
    if short in pg_catalog.SPECS:
        return pg_catalog.relation(short, collect(session), session)
    if short.startswith("svv_external_") and short in svv_views.SPECS:  # from the catalog's external tables
        from warehouse.catalog.external_views import external_relation

        return external_relation(short, session)
    if short in svv_views.SPECS:  # svv_tables/svv_columns, svv_all_*: with the external tables (kind "e")
        return svv_views.relation(short, with_external(collect(session), session))
    return None
