"""The live catalog as PostgreSQL clients number it: OIDs for schemas, relations, columns
and users, computed from one catalog snapshot plus the session.

OIDs are stable for the life of an object: a table's is ``TABLE_OID_BASE + table_id``
(storage never reuses table ids), a view's, a schema's and a user's are derived from their
names (CRC-32), and the fixed objects keep PostgreSQL's numbers (``pg_catalog`` 11,
``public`` 2200, the catalog relations 1259 ``pg_class``...).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from warehouse import types as T
from warehouse.types import SqlType

DEFAULT_DATABASE = "dev"
TABLE_OID_BASE = 100_000
FIXED_SCHEMA_OIDS = {"pg_catalog": 11, "public": 2200, "information_schema": 13_000, "pg_toast": 99}
# PostgreSQL's OIDs for the catalog relations clients refer to by ::regclass
FIXED_RELATION_OIDS = {
    "pg_type": 1247, "pg_attribute": 1249, "pg_proc": 1255, "pg_class": 1259, "pg_database": 1262,
    "pg_attrdef": 2604, "pg_constraint": 2606, "pg_inherits": 2611, "pg_index": 2610, "pg_namespace": 2615,
    "pg_description": 2609, "pg_am": 2601, "pg_tablespace": 1213, "pg_collation": 3456, "pg_opclass": 2616,
}


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def schema_oid(name: str) -> int:
    fixed = FIXED_SCHEMA_OIDS.get(name)
    return fixed if fixed is not None else 1_100_000_000 + _crc(name) % 100_000_000


def view_oid(schema: str, name: str) -> int:
    return 1_000_000 + _crc(f"{schema}.{name}") % 99_000_000


def system_relation_oid(schema: str, name: str) -> int:
    fixed = FIXED_RELATION_OIDS.get(name) if schema == "pg_catalog" else None
    return fixed if fixed is not None else 200_000_000 + _crc(f"{schema}.{name}") % 800_000_000


def user_oid(name: str) -> int:
    return 100 + _crc(name) % 1_000_000


@dataclass
class Column:
    """One column of a relation, as pg_attribute describes it."""

    name: str
    type: SqlType
    nullable: bool = True
    default_sql: str | None = None
    encoding: str = "AUTO"
    distkey: bool = False
    sortkey_ord: int = 0


@dataclass
class Relation:
    """A table, view or system relation with its OID, kind (``r`` / ``v``) and columns."""

    oid: int
    schema: str
    name: str
    kind: str
    owner: str
    columns: list[Column] = field(default_factory=list)
    diststyle: int | None = None  # Redshift reldiststyle: 0 EVEN, 1 KEY, 8 ALL, 10/11/12 AUTO(ALL/EVEN/KEY)
    view_sql: str | None = None


@dataclass
class User:
    """A user (pg_user / pg_roles row)."""

    name: str
    oid: int
    superuser: bool = False
    createdb: bool = False
    valid_until: Any = None
    groups: tuple[str, ...] = ()


@dataclass
class Objects:
    """Everything the pg_catalog relations show, computed once per statement."""

    database: str
    user: str
    schemas: dict[str, int]
    relations: list[Relation]
    users: list[User]
    search_path: list[str]
    groups: dict[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)

    def user_id(self, name: str) -> int:
        for u in self.users:
            if u.name == name:
                return u.oid
        return user_oid(name)


_DISTSTYLE = {"EVEN": 0, "KEY": 1, "ALL": 8}


def _diststyle(table: Any) -> int:
    d = table.definition
    style = d.diststyle.upper()
    if style == "AUTO":
        return {"ALL": 10, "EVEN": 11, "KEY": 12}.get(table.effective_diststyle, 10)
    return _DISTSTYLE.get(style, 0)


def _table_relation(schema: str, name: str, table: Any) -> Relation:
    d = table.definition
    interleaved = d.sortkey_style.upper() == "INTERLEAVED"
    cols = []
    for c in d.columns:
        ord_ = d.sortkey.index(c.name) + 1 if c.name in d.sortkey else 0
        cols.append(Column(c.name, c.type, c.nullable, c.default_sql, c.encoding, c.name == d.distkey,
                           -ord_ if interleaved else ord_))
    kind = "r"
    return Relation(TABLE_OID_BASE + d.table_id, schema, name, kind, d.owner, cols, _diststyle(table))


def _view_columns(session: Any, view: Any) -> list[Column]:
    from warehouse.errors import Error
    from warehouse.sql.parse import parse_one

    try:
        binder = session.binder(view.sql, [])
        fields = binder.bind_query(parse_one(view.sql)).plan.fields
    except Error:
        return []
    names = list(view.column_names) or [f.name for f in fields]
    return [Column(n, f.type if not f.type.is_null else T.VARCHAR) for n, f in zip(names, fields)]


def _users(session: Any, snapshot: Any, owners: set[str]) -> tuple[list[User], dict[str, tuple[int, tuple[str, ...]]]]:
    """Users from ``warehouse.auth`` when it is there; otherwise the session's user (a
    superuser) plus every owner the catalog names."""
    users: list[User] = []
    groups: dict[str, tuple[int, tuple[str, ...]]] = {}
    try:
        from warehouse.auth import users as auth_users  # the server issue's module
    except ImportError:
        auth_users = None
    if auth_users is not None and hasattr(auth_users, "list_users"):
        for u in auth_users.list_users(snapshot):
            name = getattr(u, "name", None) or getattr(u, "usename", None) or str(u)
            oid = getattr(u, "oid", None) or getattr(u, "usesysid", None) or getattr(u, "user_id", None) or user_oid(name)
            users.append(User(name, int(oid), bool(getattr(u, "superuser", False) or getattr(u, "usesuper", False)),
                              bool(getattr(u, "createdb", False)), getattr(u, "valid_until", None),
                              tuple(getattr(u, "groups", ()) or ())))
        if hasattr(auth_users, "list_groups"):
            for g in auth_users.list_groups(snapshot):
                name = getattr(g, "name", None) or str(g)
                gid = getattr(g, "oid", None) or getattr(g, "grosysid", None) or getattr(g, "group_id", None) or user_oid("g:" + name)
                members = tuple(getattr(g, "members", ()) or ())
                groups[name] = (int(gid), members)
    known = {u.name for u in users}
    if session.user not in known:
        users.append(User(session.user, user_oid(session.user), superuser=True, createdb=True))
        known.add(session.user)
    for o in sorted(owners - known):
        users.append(User(o, user_oid(o)))
    return users, groups


def collect(session: Any) -> Objects:
    """The catalog objects visible to ``session`` now."""
    from warehouse.catalog.pg_catalog import system_relations

    snapshot = session.catalog()
    relations: list[Relation] = []
    for (schema, name), table in sorted(snapshot.tables.items()):
        relations.append(_table_relation(schema, name, table))
    for (schema, name), view in sorted(snapshot.views.items()):
        relations.append(Relation(view_oid(schema, name), schema, name, "v", view.owner,
                                  _view_columns(session, view), None, view.sql))
    relations.extend(system_relations())
    schemas = {s: schema_oid(s) for s in sorted(set(snapshot.schemas) | {"public"})}
    for s in ("pg_catalog", "information_schema"):
        schemas[s] = schema_oid(s)
    owners = {r.owner for r in relations if r.kind in ("r", "v") and r.schema in snapshot.schemas}
    users, groups = _users(session, snapshot, owners)
    path = _search_path(session)
    return Objects(getattr(session, "database_name", None) or DEFAULT_DATABASE, session.user, schemas,
                   relations, users, path, groups)


def _search_path(session: Any) -> list[str]:
    """The schemas on the search path that exist, ``pg_catalog`` first (as PostgreSQL)."""
    raw = session.settings.get("search_path", "$user, public")
    out = ["pg_catalog"]
    for part in raw.split(","):
        name = part.strip().strip('"')
        if name == "$user":
            name = session.user
        if name and name not in out:
            out.append(name)
    return out
