"""The security records a catalog version holds, and their JSON form.

``AuthState`` is immutable: a statement that changes users or grants builds a new one and
hands it to ``WriteTransaction.set_auth``, so it commits (or rolls back) with the rest of
the transaction, like DDL.  Names are stored lower-cased.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["UserRec", "GroupRec", "Grant", "AuthState", "EMPTY", "auth_json", "auth_from", "IMPLICIT_ADMIN_ID"]

IMPLICIT_ADMIN_ID = 100  # usesysid of the embedded superuser "admin" when no record names it
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES", "TRIGGER", "DROP", "TRUNCATE", "ALTER")
SCHEMA_PRIVILEGES = ("USAGE", "CREATE", "ALTER")


@dataclass(frozen=True)
class UserRec:
    name: str
    usesysid: int
    superuser: bool = False
    can_login: bool = True
    createdb: bool = False
    scram: str | None = None  # "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>"
    md5: str | None = None  # "md5" + md5(password + name): kept only with PASSWORD ... for md5 clients
    valid_until: str | None = None
    connection_limit: int = -1


@dataclass(frozen=True)
class GroupRec:
    name: str
    grosysid: int
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grant:
    """Privileges of one grantee on one object.  ``kind`` is "table" (tables and views) or
    "schema" (``name`` is then ""); ``grantee`` is a user, a group (``is_group``) or "public"."""

    kind: str
    schema: str
    name: str
    grantee: str
    is_group: bool
    privileges: frozenset[str]
    grantor: str = ""


@dataclass(frozen=True)
class AuthState:
    users: dict[str, UserRec] = field(default_factory=dict)
    groups: dict[str, GroupRec] = field(default_factory=dict)
    grants: tuple[Grant, ...] = ()
    schema_owners: dict[str, str] = field(default_factory=dict)
    next_sysid: int = IMPLICIT_ADMIN_ID + 1

    def with_changes(self, **kw: Any) -> AuthState:
        return replace(self, **kw)

    def groups_of(self, user: str) -> tuple[str, ...]:
        return tuple(sorted(g.name for g in self.groups.values() if user in g.members))


EMPTY = AuthState()


def auth_json(a: AuthState | None) -> dict[str, Any] | None:
    if a is None or a == EMPTY:
        return None
    return {
        "users": [
            [u.name, u.usesysid, u.superuser, u.can_login, u.createdb, u.scram, u.md5, u.valid_until, u.connection_limit]
            for u in a.users.values()
        ],
        "groups": [[g.name, g.grosysid, list(g.members)] for g in a.groups.values()],
        "grants": [[g.kind, g.schema, g.name, g.grantee, g.is_group, sorted(g.privileges), g.grantor] for g in a.grants],
        "schema_owners": dict(a.schema_owners),
        "next_sysid": a.next_sysid,
    }


def auth_from(v: dict[str, Any] | None) -> AuthState:
    if not v:
        return EMPTY
    users = {u[0]: UserRec(*u) for u in v.get("users", [])}
    groups = {g[0]: GroupRec(g[0], g[1], tuple(g[2])) for g in v.get("groups", [])}
    grants = tuple(Grant(g[0], g[1], g[2], g[3], g[4], frozenset(g[5]), g[6]) for g in v.get("grants", []))
    return AuthState(users, groups, grants, dict(v.get("schema_owners", {})), v.get("next_sysid", IMPLICIT_ADMIN_ID + 1))
