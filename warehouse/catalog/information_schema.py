"""``information_schema`` views over the live catalog: schemata, tables, columns, views, plus
empty table_constraints / key_column_usage / referential_constraints (no constraints are
kept)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from warehouse.catalog.pg_objects import Column, Objects
from warehouse.types import Kind

_SYSTEM = ("pg_catalog", "information_schema")


def _spec(text: str) -> list[tuple[str, str]]:
    return [tuple(item.split(":")) for item in text.split()]  # type: ignore[misc]


SPECS: dict[str, list[tuple[str, str]]] = {
    "schemata": _spec(
        "catalog_name:n schema_name:n schema_owner:n default_character_set_catalog:n "
        "default_character_set_schema:n default_character_set_name:n sql_path:t"
    ),
    "tables": _spec(
        "table_catalog:n table_schema:n table_name:n table_type:t self_referencing_column_name:n "
        "reference_generation:t user_defined_type_catalog:n user_defined_type_schema:n user_defined_type_name:n "
        "is_insertable_into:t is_typed:t commit_action:t"
    ),
    "columns": _spec(
        "table_catalog:n table_schema:n table_name:n column_name:n ordinal_position:i4 column_default:t "
        "is_nullable:t data_type:t character_maximum_length:i4 character_octet_length:i4 numeric_precision:i4 "
        "numeric_precision_radix:i4 numeric_scale:i4 datetime_precision:i4 interval_type:t interval_precision:i4 "
        "character_set_catalog:n character_set_schema:n character_set_name:n collation_catalog:n "
        "collation_schema:n collation_name:n domain_catalog:n domain_schema:n domain_name:n udt_catalog:n "
        "udt_schema:n udt_name:n scope_catalog:n scope_schema:n scope_name:n maximum_cardinality:i4 "
        "dtd_identifier:n is_self_referencing:t is_identity:t identity_generation:t identity_start:t "
        "identity_increment:t identity_maximum:t identity_minimum:t identity_cycle:t is_generated:t "
        "generation_expression:t is_updatable:t"
    ),
    "views": _spec(
        "table_catalog:n table_schema:n table_name:n view_definition:t check_option:t is_updatable:t "
        "is_insertable_into:t is_trigger_updatable:t is_trigger_deletable:t is_trigger_insertable_into:t"
    ),
    "table_constraints": _spec(
        "constraint_catalog:n constraint_schema:n constraint_name:n table_catalog:n table_schema:n table_name:n "
        "constraint_type:t is_deferrable:t initially_deferred:t enforced:t"
    ),
    "key_column_usage": _spec(
        "constraint_catalog:n constraint_schema:n constraint_name:n table_catalog:n table_schema:n table_name:n "
        "column_name:n ordinal_position:i4 position_in_unique_constraint:i4"
    ),
    "referential_constraints": _spec(
        "constraint_catalog:n constraint_schema:n constraint_name:n unique_constraint_catalog:n "
        "unique_constraint_schema:n unique_constraint_name:n match_option:t update_rule:t delete_rule:t"
    ),
}


def _udt_name(t: Any) -> str:
    from warehouse.catalog.pg_types import BY_OID, type_oid

    try:
        return BY_OID[type_oid(t)].name
    except Exception:  # noqa: BLE001 - an external table's nested type: a listing never fails on it
        return "varchar"


def column_facts(c: Column) -> dict[str, Any]:
    """The SQL-standard description of a column's type (information_schema.columns, svv_columns)."""
    t = c.type
    out: dict[str, Any] = {
        "data_type": t.kind.value if t.kind is not Kind.NULL else "text",
        "character_maximum_length": None,
        "character_octet_length": None,
        "numeric_precision": None,
        "numeric_precision_radix": None,
        "numeric_scale": None,
        "datetime_precision": None,
        "udt_name": _udt_name(t),
    }
    if t.is_string:
        out["character_maximum_length"] = t.length
        out["character_octet_length"] = (t.length * 4) if t.length else None
    elif t.kind in (Kind.SMALLINT, Kind.INTEGER, Kind.BIGINT):
        out["numeric_precision"] = {Kind.SMALLINT: 16, Kind.INTEGER: 32, Kind.BIGINT: 64}[t.kind]
        out["numeric_precision_radix"] = 2
        out["numeric_scale"] = 0
    elif t.kind is Kind.DECIMAL:
        out["numeric_precision"] = t.precision
        out["numeric_precision_radix"] = 10
        out["numeric_scale"] = t.scale
    elif t.kind in (Kind.REAL, Kind.DOUBLE):
        out["numeric_precision"] = 24 if t.kind is Kind.REAL else 53
        out["numeric_precision_radix"] = 2
    elif t.is_temporal:
        out["datetime_precision"] = 0 if t.kind is Kind.DATE else 6
    return out


# relation kind -> table_type; "e": external tables (``external_views.with_external``), shown
# as Redshift's svv_tables shows them
TABLE_TYPES = {"r": "BASE TABLE", "v": "VIEW", "e": "EXTERNAL TABLE"}


def _user_relations(o: Objects) -> list:
    return [r for r in o.relations if r.schema not in _SYSTEM or r.kind in ("r", "v")]


def _rows(name: str, o: Objects) -> list[tuple]:
    if name == "schemata":
        return [(o.database, s, o.user if s not in _SYSTEM else "rdsdb", None, None, None, None)
                for s in sorted(o.schemas)]
    if name == "tables":
        return [(o.database, r.schema, r.name, TABLE_TYPES.get(r.kind, "VIEW"), None, None, None, None,
                 None, "YES" if r.kind == "r" else "NO", "NO", None) for r in _user_relations(o)]
    if name == "columns":
        rows = []
        for r in _user_relations(o):
            for i, c in enumerate(r.columns, start=1):
                f = column_facts(c)
                rows.append((
                    o.database, r.schema, r.name, c.name, i, c.default_sql, "YES" if c.nullable else "NO",
                    f["data_type"], f["character_maximum_length"], f["character_octet_length"],
                    f["numeric_precision"], f["numeric_precision_radix"], f["numeric_scale"],
                    f["datetime_precision"], None, None, None, None, None, None, None, None, None, None, None,
                    o.database, "pg_catalog", f["udt_name"], None, None, None, None, str(i), "NO", "NO", None,
                    None, None, None, None, "NO", "NEVER", None, "YES" if r.kind == "r" else "NO",
                ))
        return rows
    if name == "views":
        return [(o.database, r.schema, r.name, r.view_sql, "NONE", "NO", "NO", "NO", "NO", "NO")
                for r in o.relations if r.kind == "v" and r.view_sql is not None]
    return []


def relation(name: str, objects: Objects) -> pa.Table | None:
    """The information_schema view ``name``, or None."""
    from warehouse.catalog.pg_catalog import table_of

    spec = SPECS.get(name)
    if spec is None:
        return None
    return table_of(spec, _rows(name, objects))
