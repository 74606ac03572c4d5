"""Who may do what: the check ``Session.check_privilege`` makes before a statement touches a
relation (the binder for every table or view a query reads, DML and COPY for the table they
write, DDL for the object it creates or changes).

Rules (Redshift's, simplified):
- A superuser may do everything.  So may the embedded user "admin" while no user record
  names it, and every user of a database that has no user records at all (databases made
  before users existed, and embedded use).
- The owner of a table or view may do everything with it.
- Otherwise the privilege must be granted to the user, to one of the user's groups, or to
  PUBLIC (``GRANT ... TO PUBLIC``); ALL grants SELECT, INSERT, UPDATE, DELETE, REFERENCES,
  TRIGGER, DROP, TRUNCATE and ALTER.
- Relations in a schema other than ``public`` also need USAGE on the schema (or ownership
  of it).  Creating a table or view needs CREATE on the schema (PUBLIC has it on ``public``);
  creating a schema needs superuser or CREATEDB.
- DROP, ALTER and TRUNCATE need ownership or that privilege granted.
Anything else raises ``InsufficientPrivilege`` (SQLSTATE 42501).
"""

from __future__ import annotations

from typing import Any

from warehouse.auth.model import EMPTY, AuthState
from warehouse.errors import ProgrammingError

__all__ = ["check_privilege", "is_superuser", "privileged_user", "deny"]

_OWNER_ONLY = {"OWNER"}


def deny(msg: str) -> ProgrammingError:
    return ProgrammingError(msg, sqlstate="42501")


def _auth(catalog: Any) -> AuthState:
    return getattr(catalog, "auth", None) or EMPTY


def is_superuser(auth: AuthState, user: str) -> bool:
    rec = auth.users.get(user)
    if rec is None:
        return not auth.users or user == "admin"
    return rec.superuser


def privileged_user(catalog: Any, user: str) -> bool:
    """Whether checks can be skipped for this user (superusers and embedded use)."""
    return is_superuser(_auth(catalog), user)


def _granted(auth: AuthState, user: str, kind: str, schema: str, name: str, privilege: str) -> bool:
    groups = set(auth.groups_of(user))
    for g in auth.grants:
        if g.kind != kind or g.schema != schema or g.name != name or privilege not in g.privileges:
            continue
        if g.grantee == "public" and not g.is_group:
            return True
        if (g.is_group and g.grantee in groups) or (not g.is_group and g.grantee == user):
            return True
    return False


def _schema_owner(auth: AuthState, schema: str) -> str:
    return auth.schema_owners.get(schema, "admin")


def _relation_owner(catalog: Any, schema: str, name: str) -> str | None:
    t = catalog.get_table(schema, name)
    if t is not None:
        return t.definition.owner
    v = catalog.views.get((schema, name))
    return None if v is None else v.owner


def check_privilege(session: Any, schema: str, name: str, privilege: str) -> None:
    """Raise 42501 unless ``session.user`` may ``privilege`` the relation ``schema.name``
    (``name`` "" means the schema itself: privilege CREATE or USAGE; CREATE SCHEMA passes
    the new schema's name with privilege "CREATE SCHEMA")."""
    catalog = session.catalog()
    auth = _auth(catalog)
    user = session.user
    if is_superuser(auth, user):
        return
    privilege = privilege.upper()
    schema = (schema or "public").lower()
    if privilege == "CREATE SCHEMA":
        rec = auth.users.get(user)
        if rec is not None and rec.createdb:
            return
        raise deny("permission denied to create schema")
    schema_ok = schema == "public" or _schema_owner(auth, schema) == user
    if not name:
        if _schema_owner(auth, schema) == user:
            return
        if privilege in ("CREATE", "USAGE") and schema == "public":
            return
        if _granted(auth, user, "schema", schema, "", privilege):
            return
        raise deny(f"permission denied for schema {schema}")
    if not schema_ok and not _granted(auth, user, "schema", schema, "", "USAGE"):
        raise deny(f"permission denied for schema {schema}")
    owner = _relation_owner(catalog, schema, name.lower())
    if owner == user:
        return
    if privilege in _OWNER_ONLY or not _granted(auth, user, "table", schema, name.lower(), privilege):
        raise deny(f"permission denied for relation {name}")

