"""Redshift's catalog views for clients: ``svv_tables``/``svv_columns``, the ``svv_all_*``
and ``svv_redshift_*`` sets (one database: this one).  The ``svv_external_*`` column lists
are here; their rows come from the catalog's external schemas and tables
(``external_views.py``, called by ``session_views``)."""

from __future__ import annotations

import pyarrow as pa

from warehouse.catalog.information_schema import column_facts
from warehouse.catalog.pg_objects import Objects

_SYSTEM = ("pg_catalog", "information_schema")


def _spec(text: str) -> list[tuple[str, str]]:
    return [tuple(item.split(":")) for item in text.split()]  # type: ignore[misc]


_COLUMNS = (
    "table_catalog:n table_schema:n table_name:n column_name:n ordinal_position:i4 column_default:t is_nullable:t "
    "data_type:t character_maximum_length:i4 numeric_precision:i4 numeric_precision_radix:i4 numeric_scale:i4 "
    "datetime_precision:i4 interval_type:t interval_precision:t character_set_catalog:n character_set_schema:n "
    "character_set_name:n collation_catalog:n collation_schema:n collation_name:n domain_name:n remarks:t"
)
SPECS: dict[str, list[tuple[str, str]]] = {
    "svv_tables": _spec("table_catalog:n table_schema:n table_name:n table_type:t remarks:t"),
    "svv_columns": _spec(_COLUMNS),
    "svv_all_schemas": _spec(
        "database_name:n schema_name:n schema_owner:i4 schema_type:t schema_acl:t source_database:n schema_option:t"
    ),
    "svv_all_tables": _spec("database_name:n schema_name:n table_name:n table_type:t table_acl:t remarks:t"),
    "svv_all_columns": _spec(
        "database_name:n schema_name:n table_name:n column_name:n ordinal_position:i4 column_default:t "
        "is_nullable:t data_type:t character_maximum_length:i4 numeric_precision:i4 numeric_scale:i4 remarks:t"
    ),
    "svv_redshift_databases": _spec(
        "database_name:n database_owner:i4 database_type:t database_acl:t database_options:t "
        "database_isolation_level:t"
    ),
    "svv_redshift_schemas": _spec(
        "database_name:n schema_name:n schema_owner:i4 schema_type:t schema_acl:t schema_option:t"
    ),
    "svv_redshift_tables": _spec("database_name:n schema_name:n table_name:n table_type:t table_acl:t remarks:t"),
    "svv_redshift_columns": _spec(
        "database_name:n schema_name:n table_name:n column_name:n ordinal_position:i4 data_type:t "
        "column_default:t is_nullable:t encoding:t distkey:b sortkey:i4 column_acl:t remarks:t"
    ),
    "svv_external_schemas": _spec("esoid:o eskind:i2 schemaname:n esowner:i4 databasename:t esoptions:t"),
    "svv_external_tables": _spec(
        "redshift_database_name:n schemaname:n tablename:n tabletype:t location:t input_format:t output_format:t "
        "serialization_lib:t serde_parameters:t compressed:i4 parameters:t"
    ),
    "svv_external_columns": _spec(
        "redshift_database_name:n schemaname:n tablename:n columnname:n external_type:t columnnum:i4 part_key:i4 "
        "is_nullable:t"
    ),
    "svv_external_databases": _spec("eskind:i2 esoptions:t databasename:t location:t parameters:t"),
    "svv_external_partitions": _spec("schemaname:n tablename:n values:t location:t"),
}


def _user_relations(o: Objects) -> list:
    return [r for r in o.relations if r.schema not in _SYSTEM]


def _table_type(kind: str) -> str:
    return {"r": "BASE TABLE", "e": "EXTERNAL TABLE"}.get(kind, "VIEW")


def _schema_type(o: Objects, schema: str) -> str:
    return "external" if schema in getattr(o, "external_schemas", ()) else "local"


def _rows(name: str, o: Objects) -> list[tuple]:
    db = o.database
    if name == "svv_tables":
        return [(db, r.schema, r.name, _table_type(r.kind), None) for r in o.relations if r.kind in ("r", "v", "e")]
    if name in ("svv_all_tables", "svv_redshift_tables"):
        kinds = {"r": "TABLE", "v": "VIEW", "e": "EXTERNAL TABLE"}
        return [(db, r.schema, r.name, kinds.get(r.kind, "VIEW"), None, None) for r in _user_relations(o)
                if r.kind != "e" or name == "svv_all_tables"]
    if name in ("svv_all_schemas", "svv_redshift_schemas"):
        rows = []
        for s in sorted(o.schemas):
            owner = 1 if s in _SYSTEM else o.user_id(o.user)
            if name == "svv_all_schemas":
                rows.append((db, s, owner, _schema_type(o, s), None, getattr(o, "external_schemas", {}).get(s), None))
            elif _schema_type(o, s) == "local":  # svv_redshift_schemas: local schemas only
                rows.append((db, s, owner, "local", None, None))
        return rows
    if name == "svv_redshift_databases":
        return [(db, o.user_id(o.user), "local", None, None, "Serializable")]
    if name in ("svv_columns", "svv_all_columns", "svv_redshift_columns"):
        rows = []
        relations = o.relations if name == "svv_columns" else _user_relations(o)
        for r in relations:
            if r.kind not in ("r", "v", "e") or (r.kind == "e" and name == "svv_redshift_columns"):
                continue
            for i, c in enumerate(r.columns, start=1):
                f = column_facts(c)
                nullable = "YES" if c.nullable else "NO"
                if name == "svv_columns":
                    rows.append((db, r.schema, r.name, c.name, i, c.default_sql, nullable, f["data_type"],
                                 f["character_maximum_length"], f["numeric_precision"], f["numeric_precision_radix"],
                                 f["numeric_scale"], f["datetime_precision"], None, None, None, None, None, None,
                                 None, None, None, None))
                elif name == "svv_all_columns":
                    rows.append((db, r.schema, r.name, c.name, i, c.default_sql, nullable, f["data_type"],
                                 f["character_maximum_length"], f["numeric_precision"], f["numeric_scale"], None))
                else:
                    from warehouse.functions.catalog import ENCODING_IDS, ENCODING_NAMES

                    enc = ENCODING_NAMES.get(ENCODING_IDS.get(c.encoding.upper(), 14), "none")
                    rows.append((db, r.schema, r.name, c.name, i, f["data_type"], c.default_sql, nullable, enc,
                                 c.distkey, c.sortkey_ord, None, None))
        return rows
    return []


def relation(name: str, objects: Objects) -> pa.Table | None:
    """The Redshift catalog view ``name``, or None."""
    from warehouse.catalog.pg_catalog import table_of

    spec = SPECS.get(name)
    if spec is None:
        return None
    return table_of(spec, _rows(name, objects))
