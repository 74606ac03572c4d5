"""Read API over a catalog snapshot's users and groups (pg_user, pg_group, pg_roles, ...).

``list_users`` always includes "admin", the superuser embedded connections run as: when no
``CREATE USER admin`` record exists it appears with usesysid 100 and ``can_login`` False
(it has no password, so it cannot log in to the server).  Tables created by embedded
connections are owned by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warehouse.auth.model import EMPTY, IMPLICIT_ADMIN_ID, AuthState

__all__ = ["User", "Group", "auth_state", "list_users", "list_groups", "find_user", "user_id"]


@dataclass(frozen=True)
class User:
    name: str
    usesysid: int
    superuser: bool
    groups: tuple[str, ...]
    can_login: bool
    createdb: bool = False
    valid_until: str | None = None
    connection_limit: int = -1


@dataclass(frozen=True)
class Group:
    name: str
    grosysid: int
    members: tuple[str, ...]  # user names
    member_ids: tuple[int, ...]  # their usesysids (pg_group.grolist)


def auth_state(catalog_snapshot: Any) -> AuthState:
    """The ``AuthState`` of a ``CatalogSnapshot`` (empty for catalogs without one)."""
    return getattr(catalog_snapshot, "auth", None) or EMPTY


def list_users(catalog_snapshot: Any) -> list[User]:
    """Every user, by usesysid (the implicit "admin" first when there is no record for it)."""
    a = auth_state(catalog_snapshot)
    out = [
        User(u.name, u.usesysid, u.superuser, a.groups_of(u.name), u.can_login, u.createdb, u.valid_until, u.connection_limit)
        for u in a.users.values()
    ]
    if "admin" not in a.users:
        out.append(User("admin", IMPLICIT_ADMIN_ID, True, a.groups_of("admin"), False, True))
    return sorted(out, key=lambda u: u.usesysid)


def list_groups(catalog_snapshot: Any) -> list[Group]:
    a = auth_state(catalog_snapshot)
    ids = {u.name: u.usesysid for u in list_users(catalog_snapshot)}
    return sorted(
        (Group(g.name, g.grosysid, g.members, tuple(ids[m] for m in g.members if m in ids)) for g in a.groups.values()),
        key=lambda g: g.grosysid,
    )


def find_user(catalog_snapshot: Any, name: str) -> User | None:
    for u in list_users(catalog_snapshot):
        if u.name == name.lower():
            return u
    return None


def user_id(catalog_snapshot: Any, name: str) -> int | None:
    """usesysid of a user name (relowner, nspowner ...); None for an unknown name."""
    u = find_user(catalog_snapshot, name)
    return None if u is None else u.usesysid
