"""External schemas and tables: CREATE EXTERNAL SCHEMA / TABLE, CREATE DATABASE (Athena),
DROP, SHOW CREATE TABLE.  Parsing is ``warehouse.sql.external``; the records are
``warehouse.catalog.external``; storage keeps them in the MANIFEST, so they commit and roll
back with the transaction like any DDL.  Rows are read at query time
(``warehouse.exec.external_scan``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
from sqlglot import exp

from warehouse import types as T
from warehouse.catalog.external import ExternalTableDef, show_create
from warehouse.errors import CatalogError, NotSupportedError, ProgrammingError
from warehouse.result import Result
from warehouse.sql.external import (
    AlterPartitions,
    CreateExternalSchema,
    CreateExternalTable,
    InsertOverwriteDirectory,
    MsckRepair,
    ShowCreateTable,
    parse_external,
)

if TYPE_CHECKING:
    from warehouse.session import Session

__all__ = ["create_database", "drop_database", "drop_external_table", "is_external_table", "run_external"]

DEFAULT_SCHEMA = "public"  # Athena's ``default`` database


def run_external(session: Session, text: str) -> Result:
    """Run one external-DDL statement (``sql.external.is_external`` said it is one)."""
    cmd = parse_external(text)
    if isinstance(cmd, CreateExternalTable):
        return _create_table(session, cmd)
    if isinstance(cmd, CreateExternalSchema):
        return _create_schema(session, cmd)
    if isinstance(cmd, ShowCreateTable):
        return _show_create(session, cmd)
    if isinstance(cmd, MsckRepair):
        return _msck_repair(session, cmd)
    if isinstance(cmd, AlterPartitions):
        return _alter_partitions(session, cmd)
    if isinstance(cmd, InsertOverwriteDirectory):
        return _insert_directory(session, cmd)
    msg = f"unexpected external statement {type(cmd).__name__}"
    raise NotSupportedError(msg)


def _create_schema(session: Session, cmd: CreateExternalSchema) -> Result:
    d = cmd.definition
    session.check_privilege(d.name, "", "CREATE SCHEMA")
    txn = session.writer()
    if d.name in txn.current().schemas:
        if cmd.if_not_exists:
            return Result(status="CREATE SCHEMA", notices=[f'schema "{d.name}" already exists, skipping'])
        msg = f'schema "{d.name}" already exists'
        raise CatalogError(msg, sqlstate="42P06")
    txn.create_external_schema(type(d)(d.name, d.database, d.source, dict(d.options), session.user))
    from warehouse.auth.statements import schema_created

    schema_created(session, d.name)
    notices = []
    if "IAM_ROLE" in d.options:
        notices.append("IAM roles do not apply to a local engine; external tables read with the AWS environment's credentials.")
    return Result(status="CREATE SCHEMA", notices=notices)


def _create_table(session: Session, cmd: CreateExternalTable) -> Result:
    d = cmd.definition
    schema = d.schema or DEFAULT_SCHEMA
    d = d.with_changes(schema=schema, owner=session.user)
    txn = session.writer()
    current = txn.current()
    if schema not in current.schemas:
        msg = f'schema "{schema}" does not exist'
        raise CatalogError(msg, sqlstate="3F000")
    session.check_privilege(schema, "", "CREATE")
    key = (schema, d.name)
    if key in current.external_tables or current.get_table(schema, d.name) is not None or key in current.views:
        if cmd.if_not_exists:
            return Result(status="CREATE EXTERNAL TABLE", notices=[f'relation "{d.name}" already exists, skipping'])
        msg = f'relation "{d.name}" already exists'
        raise CatalogError(msg, sqlstate="42P07")
    _check_definition(d)
    txn.put_external_table(d)
    return Result(status="CREATE EXTERNAL TABLE")


def _check_definition(d: ExternalTableDef) -> None:
    """What Hive refuses at CREATE: a RegexSerDe without a regex (or one that does not
    compile, or with a group count other than the column count), a location that is not
    a URL or path."""
    from warehouse.exec.projection import projection_of

    projection_of(d)  # partition projection settings that do not make sense fail now
    loc = d.location
    if "://" in loc and not loc.lower().startswith(("s3://", "s3a://", "file://")):
        msg = f"LOCATION {loc!r}: only s3:// URLs and local paths are supported"
        raise NotSupportedError(msg)
    if d.format == "REGEX":
        from loaders.regex_reader import LoadError, compile_regex

        regex = {k.lower(): v for k, v in d.serde_properties.items()}.get("input.regex")
        if not regex:
            msg = "RegexSerDe needs WITH SERDEPROPERTIES ('input.regex' = '...')"
            raise ProgrammingError(msg, sqlstate="42601")
        try:
            compile_regex(regex, len(d.columns))
        except LoadError as e:
            raise ProgrammingError(f"RegexSerDe: {e}", sqlstate="2201B") from None


def _show_create(session: Session, cmd: ShowCreateTable) -> Result:
    schema, name = cmd.table[0] or DEFAULT_SCHEMA, cmd.table[1]
    d = session.catalog().external_tables.get((schema, name))
    if d is None:
        if session.catalog().get_table(schema, name) is not None:
            msg = "SHOW CREATE TABLE is supported for external tables only (use SHOW TABLE for local tables)"
            raise NotSupportedError(msg)
        msg = f'relation "{schema}.{name}" does not exist'
        raise CatalogError(msg, sqlstate="42P01")
    lines = show_create(d).split("\n")
    table = pa.table({"createtab_stmt": pa.array(lines, pa.string())})
    return Result(["createtab_stmt"], [T.varchar(65535)], table, len(lines), f"SELECT {len(lines)}")


# ----- partitions -----------------------------------------------------------------------------
def _partitioned(session: Session, table: tuple[str | None, str]) -> ExternalTableDef:
    schema, name = table[0] or DEFAULT_SCHEMA, table[1]
    d = session.writer().current().external_tables.get((schema, name))
    if d is None:
        msg = f'external table "{schema}.{name}" does not exist'
        raise CatalogError(msg, sqlstate="42P01")
    if not d.partition_columns:
        msg = f'table "{name}" is not partitioned (no PARTITIONED BY)'
        raise ProgrammingError(msg, sqlstate="42P16")
    session.check_privilege(schema, name, "ALTER")
    return d


def _values(d: ExternalTableDef, given: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """Partition values in partition-column order; every partition column exactly once."""
    names = [c.name for c in d.partition_columns]
    got = dict(given)
    if len(got) != len(given) or set(got) != set(names):
        msg = f"a partition names every partition column once: ({', '.join(names)}), got ({', '.join(k for k, _ in given)})"
        raise ProgrammingError(msg, sqlstate="42P16")
    return tuple(got[n] for n in names)


def _default_location(d: ExternalTableDef, values: tuple[str, ...]) -> str:
    base = d.location if d.location.endswith("/") else d.location + "/"
    return base + "/".join(f"{c.name}={v}" for c, v in zip(d.partition_columns, values)) + "/"


def _alter_partitions(session: Session, cmd: AlterPartitions) -> Result:
    d = _partitioned(session, cmd.table)
    current = dict(d.partitions)
    notices = []
    for given, location in cmd.partitions:
        values = _values(d, given)
        shown = ", ".join(f"{c.name}={v}" for c, v in zip(d.partition_columns, values))
        if cmd.add:
            if values in current:
                if cmd.if_flag:
                    continue
                msg = f'partition ({shown}) of "{d.name}" already exists'
                raise CatalogError(msg, sqlstate="42P07")
            current[values] = location or _default_location(d, values)
        else:
            if values not in current:
                if cmd.if_flag:
                    notices.append(f"partition ({shown}) does not exist, skipping")
                    continue
                msg = f'partition ({shown}) of "{d.name}" does not exist'
                raise CatalogError(msg, sqlstate="42P01")
            del current[values]
    session.writer().put_external_table(d.with_changes(partitions=tuple(sorted(current.items()))), replace=True)
    return Result(status="ALTER TABLE", notices=notices)


def _msck_repair(session: Session, cmd: MsckRepair) -> Result:
    """Register every ``key=value/...`` folder under the location that is not registered."""
    from loaders.objectstore import filesystem_for
    from warehouse.exec.external_scan import list_location

    d = _partitioned(session, cmd.table)
    base = d.location if d.location.endswith("/") else d.location + "/"
    _, root = filesystem_for(base)
    names = [c.name for c in d.partition_columns]
    found: dict[tuple[str, ...], str] = {}
    try:
        objects = list_location(base)
    except Exception as e:  # noqa: BLE001 - LoadError: the message names the location
        raise ProgrammingError(f"MSCK REPAIR TABLE: {e}", sqlstate="58030") from None
    for o in objects:
        rel = o.path[len(root) :].split("/")[:-1]
        if len(rel) < len(names):
            continue
        pairs = [p.split("=", 1) for p in rel[: len(names)]]
        if any(len(p) != 2 or p[0].lower() != n for p, n in zip(pairs, names)):
            continue
        from urllib.parse import unquote

        values = tuple(unquote(p[1]) for p in pairs)
        found.setdefault(values, base + "/".join(rel[: len(names)]) + "/")
    current = dict(d.partitions)
    added = [v for v in sorted(found) if v not in current]
    for v in added:
        current[v] = found[v]
    if added:
        session.writer().put_external_table(d.with_changes(partitions=tuple(sorted(current.items()))), replace=True)
    notices = [f"Repair: Added partition to metastore {d.name}:" + "/".join(f"{n}={x}" for n, x in zip(names, v)) for v in added]
    return Result(status="MSCK REPAIR TABLE", notices=notices or ["Partitions not in metastore: none"])


# ----- hooks for statements/ddl.py ------------------------------------------------------------
def is_external_table(session: Session, schema: str, name: str) -> bool:
    return (schema, name) in session.writer().current().external_tables


def drop_external_table(session: Session, schema: str, name: str) -> None:
    """DROP TABLE of an external table: the definition goes, the objects stay."""
    session.check_privilege(schema, name, "DROP")
    session.writer().drop_external_table(schema, name)


def create_database(session: Session, ast: exp.Create) -> Result:
    """Athena's ``CREATE DATABASE [IF NOT EXISTS] name``: a schema to hold external tables."""
    target = ast.this
    name = (target.db or target.name).lower() if isinstance(target, exp.Table) else target.name.lower()
    session.check_privilege(name, "", "CREATE SCHEMA")
    txn = session.writer()
    exists = bool(ast.args.get("exists"))
    if name in txn.current().schemas and exists:
        return Result(status="CREATE DATABASE", notices=[f'database "{name}" already exists, skipping'])
    txn.create_schema(name)
    from warehouse.auth.statements import schema_created

    schema_created(session, name)
    return Result(status="CREATE DATABASE")


def drop_database(session: Session, ast: exp.Drop) -> Result:
    """Athena's ``DROP DATABASE [IF EXISTS] name [CASCADE]``: drops the schema."""
    txn = session.writer()
    for table in ast.args.get("tables") or []:
        name = (table.db or table.name).lower()
        if name in txn.current().schemas:
            session.check_privilege(name, "", "OWNER")
        txn.drop_schema(name, if_exists=bool(ast.args.get("exists")), cascade=bool(ast.args.get("cascade")))
    return Result(status="DROP DATABASE")


# ----- INSERT OVERWRITE DIRECTORY ---------------------------------------------------------------
def _insert_directory(session: Session, cmd: InsertOverwriteDirectory) -> Result:
    """Run the query, remove every object under the directory (Hive's OVERWRITE), then write
    the rows as delimited text objects ``000000_0``, ``000001_0``... (UNLOAD's writers)."""
    from loaders.objectstore import delete_objects, list_prefix
    from loaders.rejects import LoadError
    from loaders.writers import WriteOptions, write_files
    from warehouse.errors import DataError, SyntaxError_
    from warehouse.sql.dialect import parse

    statements = parse(cmd.query)
    if len(statements) != 1 or not isinstance(statements[0], (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)):
        msg = "INSERT OVERWRITE DIRECTORY takes exactly one SELECT query"
        raise SyntaxError_(msg, sqlstate="42601")
    result = session.run_query(statements[0], cmd.query, [])
    table = result.table if result.table is not None else pa.table({})
    folder = cmd.url if cmd.url.endswith("/") else cmd.url + "/"
    opts = WriteOptions(format="TEXT", delimiter=cmd.delimiter, null_as=cmd.null_format, escape=cmd.escape is not None)
    try:
        delete_objects(list_prefix(folder))
        files = write_files(table, lambda part: f"{folder}{part:06d}_0", opts) if table.num_rows else []
    except LoadError as e:
        raise DataError(f"INSERT OVERWRITE DIRECTORY failed: {e}", sqlstate="58030") from None
    rows = table.num_rows
    return Result(status=f"INSERT 0 {rows}", rowcount=rows, notices=[f"{rows} row(s) written to {len(files)} object(s) under {folder}"])
