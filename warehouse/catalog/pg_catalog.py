"""``pg_catalog`` relations built from the live catalog (``pg_objects.collect``).

Each relation is a spec (column name and kind) plus a row builder; ``relation(name, objs)``
returns it as a ``pa.Table``.  Column kinds: ``o`` oid (int4), ``n`` name, ``t`` text,
``c`` "char", ``a`` array (its text form, see ``functions/array.py``), ``b`` bool,
``i2``/``i4``/``i8`` integers, ``f4`` real, ``ts`` timestamp.  Redshift's extra columns are
there: ``pg_class.reldiststyle``, ``pg_attribute.attisdistkey``/``attsortkeyord``/
``attencodingtype``, ``pg_table_def``, ``pg_proc_info``.  Relations for objects the engine
does not have (indexes, constraints, sequences, policies, publications...) are empty with
PostgreSQL's columns.
"""

from __future__ import annotations

from typing import Any, Callable

import pyarrow as pa

from warehouse import types as T
from warehouse.catalog.pg_objects import Column, Objects, Relation, schema_oid, system_relation_oid
from warehouse.catalog.pg_types import TYPES, type_modifier, type_oid

ARROW = {
    "o": pa.int32(), "n": pa.string(), "t": pa.string(), "c": pa.string(), "a": pa.string(), "b": pa.bool_(),
    "i2": pa.int16(), "i4": pa.int32(), "i8": pa.int64(), "f4": pa.float32(), "ts": pa.timestamp("us"),
}
SQL_TYPES = {"o": T.INTEGER, "n": T.varchar(64), "t": T.VARCHAR, "c": T.char(1) if hasattr(T, "char") else T.VARCHAR,
             "a": T.VARCHAR, "b": T.BOOLEAN, "i2": T.SMALLINT, "i4": T.INTEGER, "i8": T.BIGINT, "f4": T.REAL,
             "ts": T.TIMESTAMP}


def _spec(text: str) -> list[tuple[str, str]]:
    return [tuple(item.split(":")) for item in text.split()]  # type: ignore[misc]


SPECS: dict[str, list[tuple[str, str]]] = {
    "pg_namespace": _spec("oid:o nspname:n nspowner:o nspacl:a"),
    "pg_class": _spec(
        "oid:o relname:n relnamespace:o reltype:o reloftype:o relowner:o relam:o relfilenode:o reltablespace:o "
        "relpages:i4 reltuples:f4 relallvisible:i4 reltoastrelid:o relhasindex:b relisshared:b relpersistence:c "
        "relkind:c relnatts:i2 relchecks:i2 relhasoids:b relhaspkey:b relhasrules:b relhastriggers:b "
        "relhassubclass:b relrowsecurity:b relforcerowsecurity:b relispopulated:b relreplident:c relispartition:b "
        "relacl:a reloptions:a relpartbound:t reldiststyle:i2"
    ),
    "pg_attribute": _spec(
        "attrelid:o attname:n atttypid:o attstattarget:i4 attlen:i2 attnum:i2 attndims:i4 attcacheoff:i4 "
        "atttypmod:i4 attbyval:b attstorage:c attalign:c attnotnull:b atthasdef:b atthasmissing:b attidentity:c "
        "attgenerated:c attisdropped:b attislocal:b attinhcount:i4 attcollation:o attacl:a attoptions:a "
        "attfdwoptions:a attisdistkey:b attsortkeyord:i4 attencodingtype:i2"
    ),
    "pg_type": _spec(
        "oid:o typname:n typnamespace:o typowner:o typlen:i2 typbyval:b typtype:c typcategory:c typispreferred:b "
        "typisdefined:b typdelim:c typrelid:o typelem:o typarray:o typinput:t typoutput:t typreceive:t typsend:t "
        "typnotnull:b typbasetype:o typtypmod:i4 typndims:i4 typcollation:o typdefault:t typacl:a"
    ),
    "pg_attrdef": _spec("oid:o adrelid:o adnum:i2 adbin:t adsrc:t"),
    "pg_description": _spec("objoid:o classoid:o objsubid:i4 description:t"),
    "pg_index": _spec(
        "indexrelid:o indrelid:o indnatts:i2 indnkeyatts:i2 indisunique:b indnullsnotdistinct:b indisprimary:b "
        "indisexclusion:b indimmediate:b indisclustered:b indisvalid:b indcheckxmin:b indisready:b indislive:b "
        "indisreplident:b indkey:a indcollation:a indclass:a indoption:a indexprs:t indpred:t"
    ),
    "pg_constraint": _spec(
        "oid:o conname:n connamespace:o contype:c condeferrable:b condeferred:b convalidated:b conrelid:o "
        "contypid:o conindid:o conparentid:o confrelid:o confupdtype:c confdeltype:c confmatchtype:c "
        "conislocal:b coninhcount:i4 connoinherit:b conkey:a confkey:a conpfeqop:a conppeqop:a conffeqop:a "
        "conexclop:a conbin:t consrc:t"
    ),
    "pg_database": _spec(
        "oid:o datname:n datdba:o encoding:i4 datlocprovider:c datistemplate:b datallowconn:b datconnlimit:i4 "
        "datcollate:t datctype:t daticulocale:t datacl:a"
    ),
    "pg_roles": _spec(
        "rolname:n rolsuper:b rolinherit:b rolcreaterole:b rolcreatedb:b rolcanlogin:b rolreplication:b "
        "rolconnlimit:i4 rolpassword:t rolvaliduntil:ts rolbypassrls:b rolconfig:a oid:o"
    ),
    "pg_user": _spec(
        "usename:n usesysid:i4 usecreatedb:b usesuper:b usecatupd:b userepl:b passwd:t valuntil:ts useconfig:a"
    ),
    "pg_group": _spec("groname:n grosysid:i4 grolist:a"),
    "pg_auth_members": _spec("roleid:o member:o grantor:o admin_option:b"),
    "pg_proc": _spec(
        "oid:o proname:n pronamespace:o proowner:o prolang:o procost:f4 prorows:f4 provariadic:o prokind:c "
        "proisagg:b proiswindow:b prosecdef:b proleakproof:b proisstrict:b proretset:b provolatile:c "
        "pronargs:i2 pronargdefaults:i2 prorettype:o proargtypes:a proallargtypes:a proargmodes:a "
        "proargnames:a prosrc:t proacl:a"
    ),
    "pg_inherits": _spec("inhrelid:o inhparent:o inhseqno:i4 inhdetachpending:b"),
    "pg_enum": _spec("oid:o enumtypid:o enumsortorder:f4 enumlabel:n"),
    "pg_am": _spec("oid:o amname:n amhandler:t amtype:c"),
    "pg_collation": _spec(
        "oid:o collname:n collnamespace:o collowner:o collprovider:c collisdeterministic:b collencoding:i4 "
        "collcollate:t collctype:t"
    ),
    "pg_opclass": _spec("oid:o opcmethod:o opcname:n opcnamespace:o opcowner:o opcfamily:o opcintype:o opcdefault:b opckeytype:o"),
    "pg_sequence": _spec("seqrelid:o seqtypid:o seqstart:i8 seqincrement:i8 seqmax:i8 seqmin:i8 seqcache:i8 seqcycle:b"),
    "pg_tablespace": _spec("oid:o spcname:n spcowner:o spcacl:a spcoptions:a"),
    "pg_policy": _spec("oid:o polname:n polrelid:o polcmd:c polpermissive:b polroles:a polqual:t polwithcheck:t"),
    "pg_statistic_ext": _spec("oid:o stxrelid:o stxname:n stxnamespace:o stxowner:o stxstattarget:i4 stxkeys:a stxkind:a"),
    "pg_publication": _spec(
        "oid:o pubname:n pubowner:o puballtables:b pubinsert:b pubupdate:b pubdelete:b pubtruncate:b pubviaroot:b"
    ),
    "pg_publication_namespace": _spec("oid:o pnpubid:o pnnspid:o"),
    "pg_publication_rel": _spec("oid:o prpubid:o prrelid:o prqual:t prattrs:a"),
    "pg_trigger": _spec("oid:o tgrelid:o tgname:n tgfoid:o tgtype:i2 tgenabled:c tgisinternal:b"),
    "pg_rewrite": _spec("oid:o rulename:n ev_class:o ev_type:c is_instead:b"),
    "pg_settings": _spec("name:t setting:t unit:t category:t short_desc:t context:t vartype:t source:t"),
    "pg_tables": _spec("schemaname:n tablename:n tableowner:n tablespace:n hasindexes:b hasrules:b hastriggers:b rowsecurity:b"),
    "pg_views": _spec("schemaname:n viewname:n viewowner:n definition:t"),
    "pg_table_def": _spec("schemaname:n tablename:n column:n type:t encoding:t distkey:b sortkey:i4 notnull:b"),
    "pg_proc_info": _spec(
        "prooid:o prokind:c proname:n pronamespace:o proowner:o prolang:o proisagg:b proiswindow:b proretset:b "
        "pronargs:i2 prorettype:o proargtypes:a proargnames:a prosrc:t proacl:a"
    ),
    "pg_get_late_binding_view_cols": _spec("view_schema:n view_name:n col_name:n col_type:t col_num:i4"),
}


def table_of(spec: list[tuple[str, str]], rows: list[tuple[Any, ...]]) -> pa.Table:
    """Rows (tuples in spec order) as a pa.Table with the spec's column types."""
    schema = pa.schema([(name, ARROW[kind]) for name, kind in spec])
    cols = list(zip(*rows)) if rows else [[] for _ in spec]
    return pa.table([pa.array(list(c), f.type) for c, f in zip(cols, schema)], schema=schema)


def system_relations() -> list[Relation]:
    """The relations this module, ``information_schema`` and ``svv_views`` serve, for
    ``pg_class``/``pg_attribute`` (kind ``v``: they are views in Redshift)."""
    from warehouse.catalog import information_schema, svv_views
    from warehouse.catalog.system_log import LOG_SCHEMAS

    out = []
    for schema, specs in (("pg_catalog", SPECS), ("information_schema", information_schema.SPECS),
                          ("pg_catalog", svv_views.SPECS)):
        for name, spec in specs.items():
            if name.startswith("pg_get_"):
                continue
            cols = [Column(c, SQL_TYPES[k]) for c, k in spec]
            out.append(Relation(system_relation_oid(schema, name), schema, name, "v" if schema != "pg_catalog" or
                                not name.startswith("pg_") else "r", "rdsdb", cols))
    for name in sorted(LOG_SCHEMAS):
        out.append(Relation(system_relation_oid("pg_catalog", name), "pg_catalog", name, "v", "rdsdb", []))
    return out


# ----- row builders ---------------------------------------------------------------------------
def _namespaces(o: Objects) -> list[tuple]:
    owner = o.user_id(o.user)
    return [(oid, name, 1 if name in ("pg_catalog", "information_schema") else owner, None)
            for name, oid in sorted(o.schemas.items(), key=lambda kv: kv[1])]


def _classes(o: Objects) -> list[tuple]:
    rows = []
    for r in o.relations:
        rows.append((
            r.oid, r.name, o.schemas.get(r.schema, schema_oid(r.schema)), 0, 0, o.user_id(r.owner),
            2 if r.kind == "r" else 0, r.oid, 0, 0, 0.0, 0, 0, False, False, "p", r.kind, len(r.columns), 0,
            False, False, r.kind == "v", False, False, False, False, True, "d", False, None, None, None,
            r.diststyle if r.diststyle is not None else 0,
        ))
    return rows


def _attributes(o: Objects) -> list[tuple]:
    from warehouse.functions.catalog import ENCODING_IDS
    from warehouse.catalog.pg_types import BY_OID

    rows = []
    for r in o.relations:
        for i, c in enumerate(r.columns, start=1):
            oid = type_oid(c.type)
            length = BY_OID[oid].length if oid in BY_OID else -1
            collation = 100 if c.type.is_string else 0
            rows.append((
                r.oid, c.name, oid, -1, length, i, 0, -1, type_modifier(c.type), length > 0,
                "x" if length < 0 else "p", "i", not c.nullable, c.default_sql is not None, False, "", "", False,
                True, 0, collation, None, None, None, c.distkey, c.sortkey_ord, ENCODING_IDS.get(c.encoding.upper(), 14),
            ))
    return rows


def _types(o: Objects) -> list[tuple]:
    rows = []
    for t in TYPES:
        elem = 0
        if t.category == "A" and t.name.startswith("_"):
            base = next((b for b in TYPES if b.array_oid == t.oid), None)
            elem = base.oid if base else 0
        rows.append((
            t.oid, t.name, 11, 1, t.length, 0 < t.length <= 8, "p" if t.category == "P" else "b", t.category,
            False, True, ",", 0, elem, t.array_oid, f"{t.name}in", f"{t.name}out", f"{t.name}recv",
            f"{t.name}send", False, 0, -1, 0, 100 if t.category == "S" else 0, None, None,
        ))
    return rows


def _attrdefs(o: Objects) -> list[tuple]:
    rows = []
    for r in o.relations:
        for i, c in enumerate(r.columns, start=1):
            if c.default_sql is not None:
                rows.append((r.oid * 1000 + i, r.oid, i, c.default_sql, c.default_sql))
    return rows


def _databases(o: Objects) -> list[tuple]:
    return [(1, o.database, o.user_id(o.user), 6, "c", False, True, -1, "C", "C", None, None)]


def _roles(o: Objects) -> list[tuple]:
    rows = [(u.name, u.superuser, True, u.superuser, u.createdb or u.superuser, True, False, -1, "********",
             u.valid_until, u.superuser, None, u.oid) for u in o.users]
    rows += [(g, False, True, False, False, False, False, -1, None, None, False, None, gid)
             for g, (gid, _) in o.groups.items()]
    return rows


def _pg_users(o: Objects) -> list[tuple]:
    return [(u.name, u.oid, u.createdb or u.superuser, u.superuser, u.superuser, False, "********",
             u.valid_until, None) for u in o.users]


def _pg_groups(o: Objects) -> list[tuple]:
    from warehouse.functions.array import format_array

    return [(g, gid, format_array([o.user_id(m) for m in members])) for g, (gid, members) in o.groups.items()]


def _auth_members(o: Objects) -> list[tuple]:
    return [(gid, o.user_id(m), 1, False) for g, (gid, members) in o.groups.items() for m in members]


def _procs(o: Objects, info: bool = False) -> list[tuple]:
    from warehouse.catalog.pg_functions import function_rows

    rows = []
    for oid, name, kind, rettype, argtypes in function_rows():
        if info:
            rows.append((oid, kind, name, 11, 1, 12, kind == "a", kind == "w", False, len(argtypes), rettype,
                         " ".join(map(str, argtypes)), None, name, None))
        else:
            rows.append((oid, name, 11, 1, 12, 1.0, 0.0, 0, kind, kind == "a", kind == "w", False, False, True,
                         False, "i", len(argtypes), 0, rettype, " ".join(map(str, argtypes)), None, None, None,
                         name, None))
    return rows


def _settings(o: Objects, session: Any) -> list[tuple]:
    from warehouse.statements.settings import all_settings

    return [(name, value, None, "Client Connection Defaults", "", "user", "string", "session")
            for name, value in all_settings(session)]


def _tables(o: Objects) -> list[tuple]:
    return [(r.schema, r.name, r.owner, None, False, False, False, False) for r in o.relations
            if r.kind == "r" and r.schema not in ("pg_catalog", "information_schema")]


def _views(o: Objects) -> list[tuple]:
    return [(r.schema, r.name, r.owner, r.view_sql) for r in o.relations if r.kind == "v" and r.view_sql is not None]


def _table_def(o: Objects) -> list[tuple]:
    from warehouse.functions.catalog import ENCODING_IDS, ENCODING_NAMES
    from warehouse.catalog.pg_types import format_type

    rows = []
    for r in o.relations:
        if r.kind != "r" or r.schema not in o.search_path or r.schema in ("pg_catalog", "information_schema"):
            continue
        for c in r.columns:
            enc = ENCODING_NAMES.get(ENCODING_IDS.get(c.encoding.upper(), 14), "none")
            rows.append((r.schema, r.name, c.name, format_type(type_oid(c.type), type_modifier(c.type)), enc,
                         c.distkey, c.sortkey_ord, not c.nullable))
    return rows


_STATIC: dict[str, list[tuple]] = {
    "pg_am": [(2, "heap", "heap_tableam_handler", "t"), (403, "btree", "bthandler", "i")],
    "pg_collation": [(100, "default", 11, 1, "d", True, -1, None, None), (950, "C", 11, 1, "c", True, -1, "C", "C"),
                     (951, "POSIX", 11, 1, "c", True, -1, "POSIX", "POSIX")],
    "pg_tablespace": [(1663, "pg_default", 1, None, None), (1664, "pg_global", 1, None, None)],
}

BUILDERS: dict[str, Callable[..., list[tuple]]] = {
    "pg_namespace": _namespaces,
    "pg_class": _classes,
    "pg_attribute": _attributes,
    "pg_type": _types,
    "pg_attrdef": _attrdefs,
    "pg_database": _databases,
    "pg_roles": _roles,
    "pg_user": _pg_users,
    "pg_group": _pg_groups,
    "pg_auth_members": _auth_members,
    "pg_proc": _procs,
    "pg_proc_info": lambda o: _procs(o, info=True),
    "pg_tables": _tables,
    "pg_views": _views,
    "pg_table_def": _table_def,
}


def relation(name: str, objects: Objects, session: Any) -> pa.Table | None:
    """The pg_catalog relation ``name`` (lower case, unqualified), or None."""
    spec = SPECS.get(name)
    if spec is None:
        return None
    if name == "pg_settings":
        return table_of(spec, _settings(objects, session))
    if name in _STATIC:
        return table_of(spec, _STATIC[name])
    builder = BUILDERS.get(name)
    return table_of(spec, builder(objects) if builder is not None else [])
