"""External schemas and tables: CREATE EXTERNAL SCHEMA / TABLE (and Redshift's CREATE
EXTERNAL TABLE ... AS SELECT), CREATE DATABASE (Athena), DROP (and DROP SCHEMA ... DROP
EXTERNAL DATABASE), SHOW CREATE TABLE, SHOW PARTITIONS, DESCRIBE (tables, one column,
databases), SHOW TABLES / DATABASES / COLUMNS / TBLPROPERTIES (Redshift's SHOW ... FROM SCHEMA /
DATABASE / TABLE: ``redshift_show.py``), ALTER TABLE (partitions,
location, properties, columns, CHANGE COLUMN, rename; PARTITION RENAME TO in
``partition_rename.py``), MSCK REPAIR TABLE, INSERT OVERWRITE
DIRECTORY (text, Parquet, ORC).  Parsing is
``warehouse.sql.external``; the records are ``warehouse.catalog.external``; storage keeps
them in the MANIFEST, so they commit and roll back with the transaction like any DDL.  Rows
are read at query time (``warehouse.exec.external_scan``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
from sqlglot import exp

from warehouse import types as T
from warehouse.catalog.external import ExternalTableDef, show_create
from warehouse.errors import CatalogError, NotSupportedError, ProgrammingError
from warehouse.result import Result
from warehouse.sql.external import (
    AlterExternalTable,
    AlterPartitions,
    CreateExternalSchema,
    CreateExternalTable,
    DescribeDatabase,
    DescribeTable,
    DropExternalDatabase,
    InsertOverwriteDirectory,
    MsckRepair,
    ShowColumns,
    ShowCreateTable,
    ShowDatabases,
    ShowPartitions,
    ShowTables,
    ShowTblProperties,
    parse_external,
)
from warehouse.sql.redshift_show import RedshiftShow
from warehouse.statements.redshift_show import run_redshift_show

if TYPE_CHECKING:
    from warehouse.session import Session

__all__ = ["create_database", "drop_database", "drop_external_table", "intercept_ddl", "is_external_table", "run_external"]

DEFAULT_SCHEMA = "public"  # Athena's ``default`` database


def run_external(session: Session, text: str) -> Result:
    """Run one external-DDL statement (``sql.external.is_external`` said it is one)."""
    cmd = parse_external(text)
    if isinstance(cmd, CreateExternalTable):
        return _create_table_as(session, cmd) if cmd.query is not None else _create_table(session, cmd)
    handlers = {
        CreateExternalSchema: _create_schema, ShowCreateTable: _show_create, MsckRepair: _msck_repair,
        AlterPartitions: _alter_partitions, InsertOverwriteDirectory: _insert_directory, ShowPartitions: _show_partitions,
        DescribeTable: _describe, AlterExternalTable: _alter_table, DropExternalDatabase: _drop_external_database,
        ShowTables: _show_tables, ShowDatabases: _show_databases, ShowColumns: _show_columns,
        ShowTblProperties: _show_tblproperties, DescribeDatabase: _describe_database, RedshiftShow: run_redshift_show,
    }
    handler = handlers.get(type(cmd))
    if handler is not None:
        return handler(session, cmd)  # type: ignore[operator]
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
    the rows as objects ``000000_0``, ``000001_0``... (UNLOAD's writers): delimited text
    (Hive's text forms: booleans ``true``/``false``), or with ``STORED AS PARQUET | ORC``
    Parquet or ORC files whose columns carry the query's column names."""
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
    if cmd.file_format in ("PARQUET", "ORC"):
        opts = WriteOptions(format=cmd.file_format)
        table = _writable(table)
    else:
        opts = WriteOptions(format="TEXT", delimiter=cmd.delimiter, null_as=cmd.null_format, escape=cmd.escape is not None,
                            booleans=("true", "false"))
        table = _nested_as_text(table, result.types, cmd.delimiter, cmd.collection_delim, cmd.mapkey_delim, cmd.null_format)
    try:
        delete_objects(list_prefix(folder))
        files = write_files(table, lambda part: f"{folder}{part:06d}_0", opts) if table.num_rows else []
    except LoadError as e:
        raise DataError(f"INSERT OVERWRITE DIRECTORY failed: {e}", sqlstate="58030") from None
    rows = table.num_rows
    return Result(status=f"INSERT 0 {rows}", rowcount=rows, notices=[f"{rows} row(s) written to {len(files)} object(s) under {folder}"])


def _nested_as_text(table: pa.Table, types: list, field: str, collection: str, mapkey: str, null_format: str) -> pa.Table:
    """Array/map/struct columns (JSON text, typed by ``types``) in LazySimpleSerDe's delimited
    form (``loaders.nested_text``: elements by ``collection``, map keys by ``mapkey``, deeper
    levels by \\004...), so an external table over the objects reads them back."""
    from loaders.nested import NestedMismatch, from_json_text
    from loaders.nested_text import separators, to_text
    from warehouse.errors import DataError

    seps = separators(field, collection, mapkey)
    columns = list(table.columns)
    changed = False
    for i, t in enumerate(types):
        if getattr(t, "nested", None) is None or i >= len(columns):
            continue
        try:
            columns[i] = to_text(from_json_text(columns[i], t.arrow_type, table.column_names[i]), seps, null_format)
        except NestedMismatch as e:  # not the JSON text of its type: cannot happen for values the engine made
            raise DataError(f"cannot write column {table.column_names[i]!r} as delimited text: {e}", sqlstate="XX000") from None
        changed = True
    return pa.Table.from_arrays(columns, names=table.column_names) if changed else table


def _writable(table: pa.Table) -> pa.Table:
    """A query result as Parquet/ORC take it: names that are empty or repeated become Hive's
    ``_colN`` (the N-th column, from 0)."""
    names = list(table.column_names)
    fixed = [n if n and n != "?column?" and names.count(n) == 1 else f"_col{i}" for i, n in enumerate(names)]
    return table.rename_columns(fixed) if fixed != names else table


# ----- lookups and small helpers ------------------------------------------------------------------
def _result(names: list[str], rows: list[tuple], notices: list[str] | None = None) -> Result:
    """A result of text columns (SHOW PARTITIONS, DESCRIBE)."""
    table = pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})
    return Result(names, [T.varchar(65535)] * len(names), table, len(rows), f"SELECT {len(rows)}", notices=notices or [])


def _external(session: Session, table: tuple[str | None, str], *, writer: bool = False) -> ExternalTableDef:
    """The external table ``[schema.]name`` (schema defaults to ``public``, Athena's
    ``default``), or 42P01 (0A000 when it is a local table or view)."""
    schema, name = table[0] or DEFAULT_SCHEMA, table[1]
    snap = session.writer().current() if writer else session.catalog()
    d = snap.external_tables.get((schema, name))
    if d is None:
        if snap.get_table(schema, name) is not None or (schema, name) in snap.views:
            msg = f'"{schema}.{name}" is not an external table; this statement applies to external tables only'
            raise NotSupportedError(msg)
        msg = f'external table "{schema}.{name}" does not exist'
        raise CatalogError(msg, sqlstate="42P01")
    return d


def _name_taken(snap: object, schema: str, name: str) -> bool:
    key = (schema, name)
    return key in snap.external_tables or snap.get_table(schema, name) is not None or key in snap.views  # type: ignore[attr-defined]


def projected(d: ExternalTableDef) -> bool:
    """Whether Athena partition projection is on for the table."""
    tp = {k.lower(): v for k, v in d.table_properties.items()}
    return bool(d.partition_columns) and tp.get("projection.enabled", "false").strip().lower() == "true"


# Hive's FileUtils.escapePathName: characters written as %XX in a partition's path name
_PATH_SPECIAL = set('"#%\'*/:=?\\\x7f{[]^')


def escape_path_name(value: str) -> str:
    """A partition value as Hive writes it in ``k=v`` path names (and SHOW PARTITIONS)."""
    if value == "":
        return "__HIVE_DEFAULT_PARTITION__"
    return "".join(f"%{ord(ch):02X}" if ch in _PATH_SPECIAL or ord(ch) < 32 else ch for ch in value)


def partition_name(d: ExternalTableDef, values: tuple[str, ...]) -> str:
    return "/".join(f"{c.name}={escape_path_name(v)}" for c, v in zip(d.partition_columns, values))


# ----- SHOW PARTITIONS ------------------------------------------------------------------------------
def _show_partitions(session: Session, cmd: ShowPartitions) -> Result:
    """Athena's ``SHOW PARTITIONS``: the registered partitions as ``k=v/k2=v2``, sorted.  With
    partition projection Athena lists only what is registered in the catalog (usually
    nothing); a notice says the partitions are projected."""
    d = _external(session, cmd.table)
    if not d.partition_columns:
        msg = f'table "{d.schema}.{d.name}" is not a partitioned table'
        raise ProgrammingError(msg, sqlstate="42P16")
    session.check_privilege(d.schema, d.name, "SELECT")
    names = [c.name for c in d.partition_columns]
    spec = dict(cmd.spec)
    unknown = [k for k in spec if k not in names]
    if unknown:
        msg = f'"{unknown[0]}" is not a partition column of "{d.name}" (partition columns: {", ".join(names)})'
        raise ProgrammingError(msg, sqlstate="42703")
    rows = sorted(partition_name(d, vals) for vals, _ in d.partitions
                  if all(vals[names.index(k)] == v for k, v in spec.items()))
    notices = []
    if projected(d):
        notices.append(f'partition projection is enabled for "{d.name}": queries compute its partitions from the table '
                       "properties; SHOW PARTITIONS lists only registered partitions (as Athena does)")
    return _result(["partition"], [(r,) for r in rows], notices)


# ----- DESCRIBE -----------------------------------------------------------------------------------
def _describe(session: Session, cmd: DescribeTable) -> Result:
    """Hive/Athena ``DESCRIBE [EXTENDED|FORMATTED] t``: col_name, data_type, comment.  External
    tables get the ``# Partition Information`` section and, FORMATTED or EXTENDED (the same
    here), the table's location, properties and storage; local tables and views their columns
    (and with FORMATTED, owner and distribution)."""
    schema, name = cmd.table[0] or DEFAULT_SCHEMA, cmd.table[1]
    if cmd.column is not None:  # DESCRIBE t column: that column's name, type and comment (Hive)
        found = [r for r in _relation_columns(session, schema, name) if r[0] == cmd.column]
        if not found:
            msg = f'column "{cmd.column}" of relation "{schema}.{name}" does not exist'
            raise ProgrammingError(msg, sqlstate="42703")
        return _result(["col_name", "data_type", "comment"], found[:1])
    snap = session.catalog()
    d = snap.external_tables.get((schema, name))
    detailed = cmd.mode in ("EXTENDED", "FORMATTED")
    blank = ("", "", "")
    if d is not None:
        session.check_privilege(schema, name, "SELECT")
        rows: list[tuple] = [(c.name, c.type, c.comment) for c in d.all_columns]
        if d.partition_columns:
            rows += [blank, ("# Partition Information", "", ""), ("# col_name", "data_type", "comment")]
            rows += [(c.name, c.type, c.comment) for c in d.partition_columns]
        if detailed:
            rows += [blank, ("# Detailed Table Information", "", ""), ("Database:", d.schema, ""), ("Table:", d.name, ""),
                     ("Owner:", d.owner, ""), ("Location:", d.location, ""), ("Table Type:", "EXTERNAL_TABLE", ""),
                     ("Table Parameters:", "", ""), ("", "EXTERNAL", "TRUE")]
            rows += [("", k, v) for k, v in sorted(d.table_properties.items())]
            if d.partition_columns:
                shown = "projected (partition projection)" if projected(d) else str(len(d.partitions))
                rows.append(("Partitions:", shown, ""))
            rows += [blank, ("# Storage Information", "", ""), ("SerDe Library:", d.serde, ""),
                     ("InputFormat:", d.input_format, ""), ("OutputFormat:", d.output_format, ""),
                     ("Storage Desc Params:", "", "")]
            rows += [("", k, v.encode("unicode_escape").decode() if any(ord(ch) < 32 for ch in v) else v)
                     for k, v in sorted(d.serde_properties.items())]
        return _result(["col_name", "data_type", "comment"], rows)
    t = snap.get_table(schema, name)
    view = snap.views.get((schema, name))
    if t is None and view is None:
        msg = f'relation "{schema}.{name}" does not exist'
        raise CatalogError(msg, sqlstate="42P01")
    session.check_privilege(schema, name, "SELECT")
    if t is not None:
        td = t.definition
        rows = [(c.name, str(c.type), "") for c in td.columns]
        if detailed:
            rows += [blank, ("# Detailed Table Information", "", ""), ("Database:", schema, ""), ("Table:", name, ""),
                     ("Owner:", td.owner, ""), ("Table Type:", "MANAGED_TABLE", ""), ("Diststyle:", td.diststyle, "")]
            if td.distkey:
                rows.append(("Distkey:", td.distkey, ""))
            if td.sortkey:
                rows.append(("Sortkey:", ", ".join(td.sortkey), ""))
            rows.append(("Rows:", str(t.row_count), ""))
        return _result(["col_name", "data_type", "comment"], rows)
    from warehouse.sql.parse import parse_one

    text = f'SELECT * FROM "{schema}"."{name}"'
    fields = session.plan_query(parse_one(text), text, []).fields
    rows = [(f.name, str(f.type), "") for f in fields]
    if detailed:
        rows += [blank, ("# Detailed Table Information", "", ""), ("Database:", schema, ""), ("Table:", name, ""),
                 ("Owner:", view.owner, ""), ("Table Type:", "VIRTUAL_VIEW", ""), ("View Original Text:", view.sql, "")]
    return _result(["col_name", "data_type", "comment"], rows)


# ----- ALTER TABLE (external) ---------------------------------------------------------------------
def _merge(props: dict[str, str], new: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """``props`` with ``new`` set; a key that differs only in case replaces the old one."""
    out = dict(props)
    for k, v in new:
        for old in [o for o in out if o.lower() == k.lower()]:
            del out[old]
        out[k] = v
    return out


def _alter_table(session: Session, cmd: AlterExternalTable) -> Result:
    d = _external(session, cmd.table, writer=True)
    session.check_privilege(d.schema, d.name, "ALTER")
    notices: list[str] = []
    if cmd.action == "set_location" and cmd.partition:
        if not d.partition_columns:
            msg = f'table "{d.name}" is not partitioned (no PARTITIONED BY)'
            raise ProgrammingError(msg, sqlstate="42P16")
        values = _values(d, cmd.partition)
        current = dict(d.partitions)
        if values not in current:
            msg = f'partition ({", ".join(f"{c.name}={v}" for c, v in zip(d.partition_columns, values))}) of "{d.name}" does not exist'
            raise CatalogError(msg, sqlstate="42P01")
        current[values] = cmd.location or ""
        new = d.with_changes(partitions=tuple(sorted(current.items())))
    elif cmd.action == "set_location":
        new = d.with_changes(location=cmd.location or "")
        if d.partitions:
            notices.append("the registered partitions keep their own locations (ALTER TABLE ... PARTITION (...) SET LOCATION moves one)")
    elif cmd.action == "set_tblproperties":
        new = d.with_changes(table_properties=_merge(d.table_properties, cmd.properties))
    elif cmd.action == "unset_tblproperties":
        props = dict(d.table_properties)
        for k in cmd.keys:
            found = [o for o in props if o.lower() == k.lower()]
            if not found and not cmd.if_exists:
                msg = f"table property '{k}' of \"{d.name}\" does not exist (use UNSET TBLPROPERTIES IF EXISTS)"
                raise ProgrammingError(msg, sqlstate="42704")
            for o in found:
                del props[o]
        new = d.with_changes(table_properties=props)
    elif cmd.action == "set_serdeproperties":
        from warehouse.sql.external import _check_line_delim

        new = d.with_changes(serde_properties=_merge(d.serde_properties, cmd.properties))
        _check_line_delim(new.serde_properties.get("line.delim"))
    elif cmd.action == "set_file_format":
        from warehouse.catalog.external import STORED_AS

        inp, out, serde = STORED_AS[cmd.file_format or "TEXTFILE"]
        if cmd.file_format == "TEXTFILE" and d.format == "DELIMITED":
            serde = d.serde
        new = d.with_changes(input_format=inp, output_format=out, serde=serde,
                             row_format_delimited=d.row_format_delimited and cmd.file_format == "TEXTFILE")
        _check_nested(new)  # nested columns cannot become text
    elif cmd.action in ("add_columns", "replace_columns"):
        new = _with_columns(d, cmd.columns, replace=cmd.action == "replace_columns")
    elif cmd.action == "change_column":
        new = _change_column(d, cmd, notices)
    elif cmd.action == "rename_partition":
        from warehouse.statements.partition_rename import rename_partition

        new = rename_partition(d, cmd, notices)
    else:  # pragma: no cover - the parser makes only the actions above
        msg = f"ALTER TABLE action {cmd.action} is not supported"
        raise NotSupportedError(msg)
    _check_definition(new)
    session.writer().put_external_table(new, replace=True)
    return Result(status="ALTER TABLE", notices=notices)


def _check_nested(d: ExternalTableDef) -> None:
    from warehouse.sql.external import _check_nested as check

    check(d)


def _with_columns(d: ExternalTableDef, columns: tuple, *, replace: bool) -> ExternalTableDef:
    """ADD COLUMNS (after the data columns, before the partition columns, as Hive) or
    REPLACE COLUMNS (the data columns become ``columns``)."""
    from warehouse.catalog.external import hive_sql_type

    data = tuple(columns) if replace else d.columns + tuple(columns)
    names = [c.name for c in data + d.partition_columns]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        msg = f'column "{dup[0]}" of relation "{d.name}" already exists'
        raise ProgrammingError(msg, sqlstate="42701")
    for c in columns:
        hive_sql_type(c.type)
    new = d.with_changes(columns=data)
    _check_nested(new)  # array/map/struct only where the format has them, as at CREATE
    return new


def intercept_ddl(session: Session, ast: exp.Expression) -> Result | None:
    """Called by the session before ``statements/ddl.py``: a local ``CREATE TABLE``/``VIEW``
    inside an external schema is refused (as Redshift does); ``ALTER TABLE`` of an external
    table in Redshift's spelling (``ADD COLUMN c type``, ``DROP COLUMN c``, ``RENAME TO``) is
    run here; a local table renamed to an external table's name is refused.  None: not ours."""
    snap = session.catalog()
    if isinstance(ast, exp.Create):
        kind = (ast.args.get("kind") or "").upper()
        target = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
        if kind in ("TABLE", "VIEW") and isinstance(target, exp.Table) and target.db:
            schema = target.db.lower()
            if schema in snap.external_schemas:
                what = "a local table" if kind == "TABLE" else "a view"
                msg = (f'cannot create {what} in external schema "{schema}": it names a data catalog database; '
                       "use CREATE EXTERNAL TABLE")
                raise NotSupportedError(msg)
        return None
    if not isinstance(ast, exp.Alter) or (ast.args.get("kind") or "").upper() != "TABLE":
        return None
    table = ast.this
    schema = (table.db or "").lower() or DEFAULT_SCHEMA
    name = table.name if table.this.quoted else table.name.lower()
    actions = ast.args.get("actions") or []
    d = snap.external_tables.get((schema, name))
    if d is None:
        for action in actions:
            if isinstance(action, exp.AlterRename):
                new_name = action.this.name.lower()
                if (schema, new_name) in snap.external_tables:
                    msg = f'relation "{new_name}" already exists (an external table)'
                    raise CatalogError(msg, sqlstate="42P07")
        return None
    session.check_privilege(schema, name, "ALTER")
    txn = session.writer()
    for action in actions:
        if isinstance(action, exp.ColumnDef):
            from warehouse.sql.external import _column

            d = _with_columns(d, (_column(action),), replace=False)
            _check_definition(d)
            txn.put_external_table(d, replace=True)
        elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
            for c in action.args.get("tables") or []:
                cname = c.name.lower()
                if cname in [p.name for p in d.partition_columns]:
                    msg = f'cannot drop partition column "{cname}" of "{d.name}"'
                    raise NotSupportedError(msg)
                if cname not in [x.name for x in d.columns]:
                    msg = f'column "{cname}" of relation "{d.name}" does not exist'
                    raise ProgrammingError(msg, sqlstate="42703")
                if len(d.columns) == 1:
                    msg = f'cannot drop the last column of "{d.name}"'
                    raise NotSupportedError(msg)
                d = d.with_changes(columns=tuple(x for x in d.columns if x.name != cname))
            _check_definition(d)
            txn.put_external_table(d, replace=True)
        elif isinstance(action, exp.AlterRename):
            new_name = action.this.name.lower()
            if _name_taken(txn.current(), schema, new_name):
                msg = f'relation "{new_name}" already exists'
                raise CatalogError(msg, sqlstate="42P07")
            txn.drop_external_table(schema, d.name)
            d = d.with_changes(name=new_name)
            txn.put_external_table(d)
        else:
            msg = f"ALTER TABLE {action.sql(dialect='redshift')} is not supported for external tables"
            raise NotSupportedError(msg)
    return Result(status="ALTER TABLE")


# ----- DROP SCHEMA ... DROP EXTERNAL DATABASE -------------------------------------------------------
def _drop_external_database(session: Session, cmd: DropExternalDatabase) -> Result:
    """Drop each schema and the data-catalog database it names.  The database's tables go
    with it (CASCADE needed when there are any), in every external schema that names that
    database; the objects in S3 stay."""
    txn = session.writer()
    notices = []
    for name in cmd.schemas:
        current = txn.current()
        if name not in current.schemas:
            if cmd.if_exists:
                notices.append(f'schema "{name}" does not exist, skipping')
                continue
            msg = f'schema "{name}" does not exist'
            raise CatalogError(msg, sqlstate="3F000")
        session.check_privilege(name, "", "OWNER")
        es = current.external_schemas.get(name)
        if es is None:
            notices.append(f'schema "{name}" is not an external schema: there is no external database to drop')
            txn.drop_schema(name, cascade=cmd.cascade)
            continue
        sharing = {s for s, e in current.external_schemas.items() if e.database == es.database}
        tables = sorted(k for k in current.external_tables if k[0] in sharing)
        if tables and not cmd.cascade:
            shown = ", ".join(f"{s}.{t}" for s, t in tables[:5]) + (" ..." if len(tables) > 5 else "")
            msg = f'cannot drop external database "{es.database}" because it holds tables ({shown}); use CASCADE'
            raise CatalogError(msg, sqlstate="2BP01")
        for s, t in tables:
            txn.drop_external_table(s, t)
        txn.drop_schema(name, cascade=cmd.cascade)
        notices.append(f'dropped external database "{es.database}"' + (f" and its {len(tables)} table(s); the objects stay where they are" if tables else ""))
    return Result(status="DROP SCHEMA", notices=notices)


# ----- CREATE EXTERNAL TABLE ... AS SELECT -----------------------------------------------------------
def _hive_type_of(t: T.SqlType) -> str:
    """The Hive type a query column gets in the data catalog (CETAS)."""
    nested = getattr(t, "nested", None)
    if nested is not None:
        return str(nested)
    k = t.kind
    simple = {T.Kind.SMALLINT: "smallint", T.Kind.INTEGER: "int", T.Kind.BIGINT: "bigint", T.Kind.REAL: "float",
              T.Kind.DOUBLE: "double", T.Kind.BOOLEAN: "boolean", T.Kind.DATE: "date", T.Kind.TIMESTAMP: "timestamp",
              T.Kind.TIMESTAMPTZ: "timestamp", T.Kind.NULL: "string"}
    if k in simple:
        return simple[k]
    if k is T.Kind.DECIMAL:
        return f"decimal({t.precision},{t.scale})"
    if k is T.Kind.VARCHAR:
        return "string" if t.length is None or t.length >= 65535 else f"varchar({t.length})"
    if k is T.Kind.CHAR:
        return f"char({t.length or 1})"
    msg = f"CREATE EXTERNAL TABLE AS: a column of type {t} cannot be written"
    raise NotSupportedError(msg)


def _create_table_as(session: Session, cmd: CreateExternalTable) -> Result:
    """Redshift Spectrum's CETAS: run the query, write its rows under LOCATION (which must be
    empty) as Parquet or delimited text (``PARTITIONED BY`` columns become ``k=v/`` folders,
    registered as partitions), then define the table."""
    import pyarrow.compute as pc

    from loaders.objectstore import list_prefix
    from loaders.rejects import LoadError
    from loaders.writers import WriteOptions, write_files
    from warehouse.catalog.external import ExternalColumn
    from warehouse.errors import DataError, SyntaxError_
    from warehouse.sql.dialect import parse

    d = cmd.definition
    schema = d.schema or DEFAULT_SCHEMA
    txn = session.writer()
    current = txn.current()
    if schema not in current.schemas:
        msg = f'schema "{schema}" does not exist'
        raise CatalogError(msg, sqlstate="3F000")
    session.check_privilege(schema, "", "CREATE")
    if _name_taken(current, schema, d.name):
        if cmd.if_not_exists:
            return Result(status="CREATE EXTERNAL TABLE", notices=[f'relation "{d.name}" already exists, skipping'])
        msg = f'relation "{d.name}" already exists'
        raise CatalogError(msg, sqlstate="42P07")
    fmt = d.format
    if fmt not in ("PARQUET", "DELIMITED") or (fmt == "DELIMITED" and "lazy" not in d.serde.lower()):
        msg = "CREATE EXTERNAL TABLE AS writes STORED AS PARQUET or TEXTFILE (ROW FORMAT DELIMITED) only"
        raise NotSupportedError(msg)
    statements = parse(cmd.query or "")
    if len(statements) != 1 or not isinstance(statements[0], (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)):
        raise SyntaxError_("CREATE EXTERNAL TABLE ... AS takes exactly one SELECT query", sqlstate="42601")
    query = statements[0]
    plan = session.plan_query(query, cmd.query or "", [])
    fields = list(plan.fields)
    if d.columns:  # a declared column list: names (and types: the values are cast to them)
        if len(d.columns) != len(fields):
            msg = f"CREATE EXTERNAL TABLE AS declares {len(d.columns)} columns but the query returns {len(fields)}"
            raise ProgrammingError(msg, sqlstate="42601")
        from warehouse.catalog.external import hive_sql_type

        from warehouse.sql.dialect import Warehouse

        inner = query.sql(dialect=Warehouse)
        select = ", ".join(f'CAST("_q"."{i}" AS {hive_sql_type(c.type)}) AS "{c.name}"' for i, c in enumerate(d.columns))
        renamed = ", ".join(f'"{i}"' for i in range(len(fields)))
        text = f"SELECT {select} FROM ({inner}) AS _q({renamed})"
        query = parse(text)[0]
        plan = session.plan_query(query, text, [])
        columns = list(d.columns)
    else:
        columns = [ExternalColumn(f.name.lower(), _hive_type_of(f.type)) for f in fields]
    names = [c.name for c in columns]
    bad = [n for n in names if names.count(n) > 1 or n == "?column?"]
    if bad:
        msg = f'column name "{bad[0]}" is duplicated or missing in CREATE EXTERNAL TABLE AS; give every expression an alias'
        raise ProgrammingError(msg, sqlstate="42701")
    missing = [p for p in cmd.partition_names if p not in names]
    if missing:
        msg = f'PARTITIONED BY column "{missing[0]}" is not a column of the query'
        raise ProgrammingError(msg, sqlstate="42703")
    if len(cmd.partition_names) >= len(names):
        raise ProgrammingError("CREATE EXTERNAL TABLE AS needs at least one column that is not a partition column", sqlstate="42601")
    data_cols = tuple(c for c in columns if c.name not in cmd.partition_names)
    part_cols = tuple(next(c for c in columns if c.name == p) for p in cmd.partition_names)
    new = d.with_changes(schema=schema, owner=session.user, columns=data_cols, partition_columns=part_cols, partitions=())
    _check_definition(new)
    folder = new.location if new.location.endswith("/") else new.location + "/"
    try:
        existing = list_prefix(folder)
    except LoadError as e:
        raise DataError(f"CREATE EXTERNAL TABLE AS: {e}", sqlstate="58030") from None
    if existing:
        msg = (f"CREATE EXTERNAL TABLE AS: location {folder} is not empty ({len(existing)} object(s), e.g. "
               f"{existing[0].url}); it must be empty (as in Redshift)")
        raise ProgrammingError(msg, sqlstate="55000")
    result = session.run_plan(plan)
    result = result.rename_columns(names)
    rows = result.num_rows
    if fmt == "DELIMITED":  # nested values as LazySimpleSerDe stores them (separators as the table reads them)
        from warehouse.exec.external_scan import _control

        sp = {k.lower(): v for k, v in new.serde_properties.items()}
        collection = sp.get("collection.delim", sp.get("colelction.delim"))
        mapkey = sp.get("mapkey.delim")
        result = _nested_as_text(result, [c.sql_type for c in columns], sp.get("field.delim", "\x01"),
                                 _control(collection) if collection else "\x02", _control(mapkey) if mapkey else "\x03",
                                 sp.get("serialization.null.format", "\\N"))
    if fmt == "PARQUET":
        opts, ext = WriteOptions(format="PARQUET"), ".parquet"
    else:
        sp = new.serde_properties
        opts = WriteOptions(format="TEXT", delimiter=sp.get("field.delim", "\x01"), null_as=sp.get("serialization.null.format", "\\N"),
                            escape="escape.delim" in sp, booleans=("true", "false"))
        ext = ""
    stem = f"{session.last_query_id:06d}_part_"
    files: list = []
    partitions: list[tuple[tuple[str, ...], str]] = []
    try:
        if not part_cols:
            if rows:
                files = write_files(result, lambda n: f"{folder}{stem}{n:02d}{ext}", opts)
        elif rows:
            keys = result.select(list(cmd.partition_names))
            groups = keys.group_by(list(cmd.partition_names)).aggregate([]).to_pylist()
            data = result.select([c.name for c in data_cols])
            for g in sorted(groups, key=lambda g: [(v is None, str(v)) for v in g.values()]):
                mask = None
                for k, v in g.items():
                    m = pc.is_null(result[k]) if v is None else pc.fill_null(pc.equal(result[k], v), False)
                    mask = m if mask is None else pc.and_(mask, m)
                values = tuple("__HIVE_DEFAULT_PARTITION__" if v is None else _partition_text(v) for v in g.values())
                where = folder + partition_name(new, values) + "/"
                files += write_files(data.filter(mask), lambda n, w=where: f"{w}{stem}{n:02d}{ext}", opts)
                partitions.append((values, where))
    except LoadError as e:
        raise DataError(f"CREATE EXTERNAL TABLE AS failed: {e}", sqlstate="58030") from None
    new = new.with_changes(partitions=tuple(sorted(partitions)))
    txn.put_external_table(new)
    note = f"{rows} row(s) written to {len(files)} object(s) under {folder}"
    if partitions:
        note += f" in {len(partitions)} partition(s)"
    return Result(status="CREATE EXTERNAL TABLE", rowcount=rows, notices=[note])


def _partition_text(v: object) -> str:
    """A partition value as text (dates ISO, booleans true/false as Hive)."""
    import datetime as dt

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    return str(v)


# ----- ALTER TABLE ... CHANGE COLUMN ----------------------------------------------------------------
def _change_column(d: ExternalTableDef, cmd: AlterExternalTable, notices: list[str]) -> ExternalTableDef:
    """Hive's ``CHANGE [COLUMN] old new type [COMMENT] [FIRST | AFTER col]``: the metadata
    only (no object is rewritten).  Text formats read fields by position, so a renamed or
    retyped column reads the same field (a moved one the field at its new position);
    Parquet, ORC and JSON read by name, so a renamed column reads the objects' column of
    the new name (NULL where there is none)."""
    from warehouse.catalog.external import hive_sql_type

    old = cmd.column or ""
    (col,) = cmd.columns
    if old in [c.name for c in d.partition_columns]:
        msg = f'cannot change partition column "{old}" of "{d.name}" with CHANGE COLUMN (only data columns)'
        raise NotSupportedError(msg)
    names = [c.name for c in d.columns]
    if old not in names:
        msg = f'column "{old}" of relation "{d.name}" does not exist'
        raise ProgrammingError(msg, sqlstate="42703")
    if col.name != old and col.name in names + [c.name for c in d.partition_columns]:
        msg = f'column "{col.name}" of relation "{d.name}" already exists'
        raise ProgrammingError(msg, sqlstate="42701")
    hive_sql_type(col.type)
    index = names.index(old)
    rest = [c for c in d.columns if c.name != old]
    if cmd.position == "FIRST":
        index = 0
    elif cmd.position is not None and cmd.position not in (old, col.name):
        after = [c.name for c in rest]
        if cmd.position not in after:
            msg = f'column "{cmd.position}" of relation "{d.name}" does not exist (AFTER {cmd.position})'
            raise ProgrammingError(msg, sqlstate="42703")
        index = after.index(cmd.position) + 1
    rest.insert(index, col)
    new = d.with_changes(columns=tuple(rest))
    _check_nested(new)
    if col.name != old and d.format in ("PARQUET", "ORC", "JSON"):
        notices.append(f'{d.format.lower()} objects are read by column name: "{col.name}" reads the objects\' column '
                       f'"{col.name}" (NULL where they have none); no object is rewritten')
    return new


# ----- SHOW TABLES / DATABASES / COLUMNS / TBLPROPERTIES, DESCRIBE DATABASE ------------------------
def hive_pattern(pattern: str | None):  # noqa: ANN201 - a predicate over names
    """Hive's SHOW pattern: ``|`` separates alternatives, ``*`` is any run of characters, the
    rest is a (Java) regular expression matched against the whole name, ignoring case
    (``'sales*|web_*'``, Athena's ``'fli.*'``)."""
    import re

    if pattern is None:
        return lambda name: True
    alternatives = []
    for alt in pattern.split("|"):
        alt = alt.strip().replace("*", ".*")
        try:
            alternatives.append(re.compile(alt, re.IGNORECASE))
        except re.error:
            alternatives.append(re.compile(re.escape(alt).replace(r"\.\*", ".*"), re.IGNORECASE))
    return lambda name: any(rx.fullmatch(name) for rx in alternatives)


def _schema_exists(session: Session, schema: str) -> None:
    if schema not in session.catalog().schemas:
        msg = f'database "{schema}" does not exist'
        raise CatalogError(msg, sqlstate="3F000")


def _show_tables(session: Session, cmd: ShowTables) -> Result:
    """Athena's ``SHOW TABLES``: the local tables, views and external tables of the schema
    (``public``, Athena's ``default``, unless named), by name, in one column ``tab_name``."""
    schema = cmd.schema or DEFAULT_SCHEMA
    _schema_exists(session, schema)
    snap = session.catalog()
    keep = hive_pattern(cmd.pattern)
    names = {n for (s, n) in list(snap.tables) + list(snap.views) + list(snap.external_tables) if s == schema}
    return _result(["tab_name"], [(n,) for n in sorted(names) if keep(n)])


def _show_databases(session: Session, cmd: ShowDatabases) -> Result:
    """``SHOW DATABASES`` / ``SHOW SCHEMAS``: every schema (local, ``CREATE DATABASE`` and
    external), by name, in one column ``database_name``."""
    keep = hive_pattern(cmd.pattern)
    return _result(["database_name"], [(n,) for n in sorted(session.catalog().schemas) if keep(n)])


def _relation_columns(session: Session, schema: str, name: str) -> list[tuple[str, str, str]]:
    """(name, type, comment) of every column of a table, view or external table (data
    columns, then partition columns), or 42P01."""
    snap = session.catalog()
    d = snap.external_tables.get((schema, name))
    if d is not None:
        session.check_privilege(schema, name, "SELECT")
        return [(c.name, c.type, c.comment) for c in d.all_columns]
    t = snap.get_table(schema, name)
    if t is not None:
        session.check_privilege(schema, name, "SELECT")
        return [(c.name, str(c.type), "") for c in t.definition.columns]
    if (schema, name) in snap.views:
        session.check_privilege(schema, name, "SELECT")
        from warehouse.sql.parse import parse_one

        text = f'SELECT * FROM "{schema}"."{name}"'
        return [(f.name, str(f.type), "") for f in session.plan_query(parse_one(text), text, []).fields]
    msg = f'relation "{schema}.{name}" does not exist'
    raise CatalogError(msg, sqlstate="42P01")


def _show_columns(session: Session, cmd: ShowColumns) -> Result:
    """``SHOW COLUMNS IN t``: the column names (partition columns last), one column ``field``."""
    schema, name = cmd.table[0] or DEFAULT_SCHEMA, cmd.table[1]
    return _result(["field"], [(r[0],) for r in _relation_columns(session, schema, name)])


def _show_tblproperties(session: Session, cmd: ShowTblProperties) -> Result:
    """``SHOW TBLPROPERTIES t [('key')]``: ``EXTERNAL`` = ``TRUE`` and the table's properties,
    sorted by name (columns ``prpt_name``, ``prpt_value``).  A key the table lacks gives
    Hive's row ``Table db.t does not have property: key``."""
    d = _external(session, cmd.table)
    session.check_privilege(d.schema, d.name, "SELECT")
    props = {"EXTERNAL": "TRUE", **d.table_properties}
    if cmd.key is None:
        return _result(["prpt_name", "prpt_value"], sorted(props.items()))
    value = props.get(cmd.key)
    if value is None:
        value = next((v for k, v in props.items() if k.lower() == cmd.key.lower()), None)
    if value is None:
        value = f"Table {d.schema}.{d.name} does not have property: {cmd.key}"
    return _result(["prpt_name", "prpt_value"], [(cmd.key, value)])


def _describe_database(session: Session, cmd: DescribeDatabase) -> Result:
    """Hive's ``DESCRIBE DATABASE [EXTENDED] db``: db_name, comment, location, owner_name,
    owner_type, parameters (with EXTENDED: ``{k=v, ...}``; for an external schema its data
    catalog database, source and options)."""
    _schema_exists(session, cmd.name)
    snap = session.catalog()
    es = snap.external_schemas.get(cmd.name)
    auth = getattr(snap, "auth", None)
    owners = getattr(auth, "schema_owners", None) or {}
    owner = es.owner if es is not None else owners.get(cmd.name, "admin")
    params = ""
    if cmd.extended and es is not None:
        items = {"database": es.database, "source": es.source, **{k.lower(): v for k, v in es.options.items()}}
        params = "{" + ", ".join(f"{k}={v}" for k, v in items.items()) + "}"
    names = ["db_name", "comment", "location", "owner_name", "owner_type", "parameters"]
    return _result(names, [(cmd.name, "", "", owner, "USER", params)])
