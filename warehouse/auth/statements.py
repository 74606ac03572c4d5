"""CREATE/ALTER/DROP USER, CREATE/ALTER/DROP GROUP, GRANT and REVOKE (Redshift syntax).

sqlglot turns most of these into ``exp.Command`` (and GRANT/REVOKE into nodes that miss
``ON ALL TABLES IN SCHEMA`` and groups), so the statement text is tokenised and parsed here.
Each statement builds a new ``AuthState`` and hands it to the session's write transaction,
so it commits or rolls back like DDL.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from warehouse.auth.model import EMPTY, SCHEMA_PRIVILEGES, TABLE_PRIVILEGES, AuthState, Grant, GroupRec, UserRec
from warehouse.auth.passwords import md5_hash, scram_verifier
from warehouse.auth.privileges import deny, is_superuser
from warehouse.errors import CatalogError, ProgrammingError, SyntaxError_
from warehouse.result import Result

if TYPE_CHECKING:
    from warehouse.session import Session

__all__ = ["is_auth_statement", "run", "schema_created"]

_TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(\"(?:[^\"]|\"\")*\")|([A-Za-z_][A-Za-z0-9_$]*)|(-?\d+)|(\S))")
_HEAD = re.compile(r"^\s*(?:(create|alter|drop)\s+(user|group)\b|(grant|revoke)\b)", re.IGNORECASE)


def is_auth_statement(sql: str) -> bool:
    return _HEAD.match(sql) is not None


class _Tokens:
    def __init__(self, sql: str) -> None:
        self.items: list[tuple[str, str]] = []  # (kind, value): kind in str, ident, word, num, sym
        text = sql.strip().rstrip(";")
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                break
            pos = m.end()
            if m.group(1) is not None:
                self.items.append(("str", m.group(1)[1:-1].replace("''", "'")))
            elif m.group(2) is not None:
                self.items.append(("ident", m.group(2)[1:-1].replace('""', '"')))
            elif m.group(3) is not None:
                self.items.append(("word", m.group(3)))
            elif m.group(4) is not None:
                self.items.append(("num", m.group(4)))
            else:
                self.items.append(("sym", m.group(5)))
        self.i = 0

    def peek(self, *words: str) -> bool:
        if self.i >= len(self.items):
            return False
        kind, v = self.items[self.i]
        return kind == "word" and v.upper() in words

    def accept(self, *words: str) -> bool:
        if self.peek(*words):
            self.i += 1
            return True
        return False

    def expect(self, *words: str) -> str:
        if not self.peek(*words):
            self.fail(f"expected {' or '.join(words)}")
        self.i += 1
        return self.items[self.i - 1][1].upper()

    def sym(self, s: str) -> bool:
        if self.i < len(self.items) and self.items[self.i] == ("sym", s):
            self.i += 1
            return True
        return False

    def name(self) -> str:
        if self.i >= len(self.items) or self.items[self.i][0] not in ("word", "ident"):
            self.fail("expected a name")
        kind, v = self.items[self.i]
        self.i += 1
        return v if kind == "ident" else v.lower()

    def string(self) -> str:
        if self.i >= len(self.items) or self.items[self.i][0] != "str":
            self.fail("expected a quoted string")
        self.i += 1
        return self.items[self.i - 1][1]

    def number(self) -> int:
        if self.i >= len(self.items) or self.items[self.i][0] != "num":
            self.fail("expected a number")
        self.i += 1
        return int(self.items[self.i - 1][1])

    def names(self) -> list[str]:
        out = [self.name()]
        while self.sym(","):
            out.append(self.name())
        return out

    def done(self) -> bool:
        return self.i >= len(self.items)

    def end(self) -> None:
        if not self.done():
            self.fail(f'syntax error at or near "{self.items[self.i][1]}"')

    def fail(self, msg: str) -> None:
        raise SyntaxError_(msg, sqlstate="42601")


# ----- helpers --------------------------------------------------------------------------------
def _state(session: "Session") -> AuthState:
    return getattr(session.writer().current(), "auth", None) or EMPTY


def _require_superuser(session: "Session", what: str) -> None:
    if not is_superuser(getattr(session.catalog(), "auth", None) or EMPTY, session.user):
        raise deny(f"permission denied: {what} needs a superuser")


def _check_password(pw: str, user: str) -> None:
    if pw.startswith(("md5", "SCRAM-SHA-256$")):
        return
    ok = 8 <= len(pw) <= 64 and any(c.isupper() for c in pw) and any(c.islower() for c in pw) and any(c.isdigit() for c in pw)
    if not ok:
        msg = "password must be 8 to 64 characters and contain an uppercase letter, a lowercase letter and a digit"
        raise ProgrammingError(msg, sqlstate="22023")


def _password_fields(session: "Session", pw: str | None, user: str) -> dict[str, Any]:
    """scram/md5 fields for a password (None: DISABLE)."""
    if pw is None:
        return {"scram": None, "md5": None}
    _check_password(pw, user)
    if pw.startswith("SCRAM-SHA-256$"):
        return {"scram": pw, "md5": None}
    if re.fullmatch(r"md5[0-9a-f]{32}", pw):
        return {"scram": None, "md5": pw}
    keep_md5 = bool(getattr(session, "keep_md5", False))
    return {"scram": scram_verifier(pw), "md5": md5_hash(pw, user) if keep_md5 else None}


def _user_options(t: _Tokens, session: "Session", name: str, fields: dict[str, Any], groups: list[str]) -> None:
    t.accept("WITH")
    while not t.done():
        if t.accept("PASSWORD"):
            if t.accept("DISABLE"):
                fields.update(_password_fields(session, None, name))
            else:
                fields.update(_password_fields(session, t.string(), name))
        elif t.accept("CREATEDB"):
            fields["createdb"] = True
        elif t.accept("NOCREATEDB"):
            fields["createdb"] = False
        elif t.accept("CREATEUSER"):
            fields["superuser"] = True
        elif t.accept("NOCREATEUSER"):
            fields["superuser"] = False
        elif t.accept("VALID"):
            t.expect("UNTIL")
            fields["valid_until"] = t.string()
        elif t.accept("CONNECTION"):
            t.expect("LIMIT")
            fields["connection_limit"] = -1 if t.accept("UNLIMITED") else t.number()
        elif t.accept("IN"):
            t.expect("GROUP")
            groups.extend(t.names())
        elif t.accept("SYSLOG"):
            t.expect("ACCESS")
            t.expect("RESTRICTED", "UNRESTRICTED")
        elif t.accept("SESSION"):
            t.expect("TIMEOUT")
            t.number()
        else:
            t.fail(f'unsupported user option "{t.items[t.i][1]}"')


def _add_members(a: AuthState, groups: list[str], users: list[str]) -> dict[str, GroupRec]:
    out = dict(a.groups)
    for g in groups:
        rec = out.get(g)
        if rec is None:
            raise CatalogError(f'group "{g}" does not exist', sqlstate="42704")
        out[g] = GroupRec(rec.name, rec.grosysid, rec.members + tuple(u for u in users if u not in rec.members))
    return out


# ----- users ----------------------------------------------------------------------------------
def _create_user(session: "Session", t: _Tokens) -> Result:
    _require_superuser(session, "CREATE USER")
    name = t.name()
    a = _state(session)
    if name in a.users or name in ("public",):
        raise CatalogError(f'user "{name}" already exists', sqlstate="42710")
    fields: dict[str, Any] = {}
    groups: list[str] = []
    _user_options(t, session, name, fields, groups)
    if "scram" not in fields and "md5" not in fields:
        t.fail("CREATE USER needs PASSWORD '...' or PASSWORD DISABLE")
    user = UserRec(name, a.next_sysid, **fields)
    a = a.with_changes(users={**a.users, name: user}, next_sysid=a.next_sysid + 1)
    a = a.with_changes(groups=_add_members(a, groups, [name]))
    session.writer().set_auth(a)
    return Result(status="CREATE USER")


def _alter_user(session: "Session", t: _Tokens) -> Result:
    name = t.name()
    a = _state(session)
    rec = a.users.get(name)
    if rec is None:
        raise CatalogError(f'user "{name}" does not exist', sqlstate="42704")
    if t.accept("RENAME"):
        _require_superuser(session, "ALTER USER ... RENAME")
        t.expect("TO")
        new = t.name()
        t.end()
        if new in a.users:
            raise CatalogError(f'user "{new}" already exists', sqlstate="42710")
        users = {k: v for k, v in a.users.items() if k != name}
        users[new] = UserRec(new, rec.usesysid, rec.superuser, rec.can_login, rec.createdb, rec.scram, None, rec.valid_until, rec.connection_limit)
        groups = {k: GroupRec(g.name, g.grosysid, tuple(new if m == name else m for m in g.members)) for k, g in a.groups.items()}
        grants = tuple(Grant(g.kind, g.schema, g.name, new if (g.grantee == name and not g.is_group) else g.grantee, g.is_group, g.privileges, g.grantor) for g in a.grants)
        session.writer().set_auth(a.with_changes(users=users, groups=groups, grants=grants))
        notices = ["MD5 password cleared because of user rename"] if rec.md5 else []
        return Result(status="ALTER USER", notices=notices)
    fields: dict[str, Any] = {}
    groups_in: list[str] = []
    _user_options(t, session, name, fields, groups_in)
    own_password_only = set(fields) <= {"scram", "md5"} and name == session.user and not groups_in
    if not own_password_only:
        _require_superuser(session, "ALTER USER")
    from dataclasses import replace

    a = a.with_changes(users={**a.users, name: replace(rec, **fields)})
    if groups_in:
        a = a.with_changes(groups=_add_members(a, groups_in, [name]))
    session.writer().set_auth(a)
    return Result(status="ALTER USER")


def _drop_user(session: "Session", t: _Tokens) -> Result:
    _require_superuser(session, "DROP USER")
    if_exists = t.accept("IF") and bool(t.expect("EXISTS"))
    names = t.names()
    t.end()
    a = _state(session)
    catalog = session.writer().current()
    notices = []
    for name in names:
        if name not in a.users:
            if if_exists:
                notices.append(f'user "{name}" does not exist, skipping')
                continue
            raise CatalogError(f'user "{name}" does not exist', sqlstate="42704")
        if name == session.user:
            raise ProgrammingError("current user cannot be dropped", sqlstate="55006")
        owned = [k for k, tb in catalog.tables.items() if tb.definition.owner == name] + [k for k, v in catalog.views.items() if v.owner == name]
        if owned:
            what = ", ".join(f"{s}.{n}" for s, n in owned[:5])
            raise ProgrammingError(f'user "{name}" cannot be dropped because the user owns some object: {what}', sqlstate="2BP01")
        a = a.with_changes(
            users={k: v for k, v in a.users.items() if k != name},
            groups={k: GroupRec(g.name, g.grosysid, tuple(m for m in g.members if m != name)) for k, g in a.groups.items()},
            grants=tuple(g for g in a.grants if g.is_group or g.grantee != name),
            schema_owners={k: v for k, v in a.schema_owners.items() if v != name},
        )
    session.writer().set_auth(a)
    return Result(status="DROP USER", notices=notices)


# ----- groups ---------------------------------------------------------------------------------
def _create_group(session: "Session", t: _Tokens) -> Result:
    _require_superuser(session, "CREATE GROUP")
    name = t.name()
    users: list[str] = []
    t.accept("WITH")
    if t.accept("USER"):
        users = t.names()
    t.end()
    a = _state(session)
    if name in a.groups:
        raise CatalogError(f'group "{name}" already exists', sqlstate="42710")
    for u in users:
        if u not in a.users:
            raise CatalogError(f'user "{u}" does not exist', sqlstate="42704")
    a = a.with_changes(groups={**a.groups, name: GroupRec(name, a.next_sysid, tuple(dict.fromkeys(users)))}, next_sysid=a.next_sysid + 1)
    session.writer().set_auth(a)
    return Result(status="CREATE GROUP")


def _alter_group(session: "Session", t: _Tokens) -> Result:
    _require_superuser(session, "ALTER GROUP")
    name = t.name()
    a = _state(session)
    g = a.groups.get(name)
    if g is None:
        raise CatalogError(f'group "{name}" does not exist', sqlstate="42704")
    if t.accept("RENAME"):
        t.expect("TO")
        new = t.name()
        t.end()
        groups = {k: v for k, v in a.groups.items() if k != name}
        groups[new] = GroupRec(new, g.grosysid, g.members)
        grants = tuple(Grant(x.kind, x.schema, x.name, new if (x.is_group and x.grantee == name) else x.grantee, x.is_group, x.privileges, x.grantor) for x in a.grants)
        session.writer().set_auth(a.with_changes(groups=groups, grants=grants))
        return Result(status="ALTER GROUP")
    op = t.expect("ADD", "DROP")
    t.expect("USER")
    users = t.names()
    t.end()
    for u in users:
        if u not in a.users:
            raise CatalogError(f'user "{u}" does not exist', sqlstate="42704")
    if op == "ADD":
        groups = _add_members(a, [name], users)
    else:
        groups = {**a.groups, name: GroupRec(g.name, g.grosysid, tuple(m for m in g.members if m not in users))}
    session.writer().set_auth(a.with_changes(groups=groups))
    return Result(status="ALTER GROUP")


def _drop_group(session: "Session", t: _Tokens) -> Result:
    _require_superuser(session, "DROP GROUP")
    if_exists = t.accept("IF") and bool(t.expect("EXISTS"))
    name = t.name()
    t.end()
    a = _state(session)
    if name not in a.groups:
        if if_exists:
            return Result(status="DROP GROUP", notices=[f'group "{name}" does not exist, skipping'])
        raise CatalogError(f'group "{name}" does not exist', sqlstate="42704")
    a = a.with_changes(groups={k: v for k, v in a.groups.items() if k != name}, grants=tuple(g for g in a.grants if not (g.is_group and g.grantee == name)))
    session.writer().set_auth(a)
    return Result(status="DROP GROUP")


# ----- GRANT / REVOKE -------------------------------------------------------------------------
def _privileges(t: _Tokens) -> set[str] | None:
    """The privilege list; None for ALL [PRIVILEGES]."""
    if t.accept("ALL"):
        t.accept("PRIVILEGES")
        return None
    out = set()
    while True:
        word = t.expect(*TABLE_PRIVILEGES, *SCHEMA_PRIVILEGES, "TEMP", "TEMPORARY", "EXECUTE")
        if t.sym("("):  # column lists: not supported, fail loudly
            t.fail("column privileges are not supported")
        out.add(word)
        if not t.sym(","):
            return out


def _objects(t: _Tokens, session: "Session") -> tuple[str, list[tuple[str, str]]]:
    """("table"|"schema", [(schema, name)]) after ON."""
    catalog = session.writer().current()
    if t.accept("SCHEMA"):
        return "schema", [(s, "") for s in t.names()]
    if t.accept("ALL"):
        t.expect("TABLES")
        t.expect("IN")
        t.expect("SCHEMA")
        schemas = t.names()
        rels = [k for k in list(catalog.tables) + list(catalog.views) if k[0] in schemas]
        for s in schemas:
            if s not in catalog.schemas:
                raise CatalogError(f'schema "{s}" does not exist', sqlstate="3F000")
        return "table", sorted(rels)
    t.accept("TABLE")
    out = []
    while True:
        first = t.name()
        if t.sym("."):
            key = (first, t.name())
        else:
            key = ("public", first)
        if catalog.get_table(*key) is None and catalog.views.get(key) is None:
            raise CatalogError(f'relation "{key[1]}" does not exist', sqlstate="42P01")
        out.append(key)
        if not t.sym(","):
            return "table", out


def _grantees(t: _Tokens, a: AuthState) -> list[tuple[str, bool]]:
    out = []
    while True:
        if t.accept("GROUP"):
            g = t.name()
            if g not in a.groups:
                raise CatalogError(f'group "{g}" does not exist', sqlstate="42704")
            out.append((g, True))
        elif t.accept("PUBLIC"):
            out.append(("public", False))
        else:
            u = t.name()
            if u not in a.users:
                raise CatalogError(f'user "{u}" does not exist', sqlstate="42704")
            out.append((u, False))
        if not t.sym(","):
            return out


def _may_grant(session: "Session", a: AuthState, kind: str, schema: str, name: str) -> None:
    if is_superuser(a, session.user):
        return
    catalog = session.writer().current()
    if kind == "schema":
        owner = a.schema_owners.get(schema, "admin")
    else:
        tb = catalog.get_table(schema, name)
        owner = tb.definition.owner if tb is not None else catalog.views[(schema, name)].owner
    if owner != session.user:
        raise deny(f"permission denied for {'schema' if kind == 'schema' else 'relation'} {name or schema}")


def _grant(session: "Session", t: _Tokens, revoke: bool) -> Result:
    if revoke and t.accept("GRANT"):
        t.expect("OPTION")
        t.expect("FOR")
    privs = _privileges(t)
    t.expect("ON")
    kind, objects = _objects(t, session)
    t.expect("FROM" if revoke else "TO")
    a = _state(session)
    grantees = _grantees(t, a)
    if not revoke and t.accept("WITH"):
        t.expect("GRANT")
        t.expect("OPTION")
    t.accept("CASCADE", "RESTRICT")
    t.end()
    allowed = TABLE_PRIVILEGES if kind == "table" else SCHEMA_PRIVILEGES
    privs = set(allowed) if privs is None else privs
    privs = {"TEMP" if p == "TEMPORARY" else p for p in privs}
    bad = privs - set(allowed)
    if bad:
        what = "table" if kind == "table" else "schema"
        raise ProgrammingError(f"invalid privilege type {sorted(bad)[0]} for {what}", sqlstate="0LP01")
    grants = {(g.kind, g.schema, g.name, g.grantee, g.is_group): g for g in a.grants}
    for schema, name in objects:
        _may_grant(session, a, kind, schema, name)
        for grantee, is_group in grantees:
            key = (kind, schema, name, grantee, is_group)
            old = grants.get(key)
            have = set(old.privileges) if old is not None else set()
            have = have - privs if revoke else have | privs
            if have:
                grants[key] = Grant(kind, schema, name, grantee, is_group, frozenset(have), session.user)
            else:
                grants.pop(key, None)
    session.writer().set_auth(a.with_changes(grants=tuple(grants.values())))
    return Result(status="REVOKE" if revoke else "GRANT")


# ----- entry points ---------------------------------------------------------------------------
def run(session: "Session", sql: str) -> Result:
    """Run one security statement (``is_auth_statement(sql)`` is true)."""
    t = _Tokens(sql)
    verb = t.expect("CREATE", "ALTER", "DROP", "GRANT", "REVOKE")
    if verb in ("GRANT", "REVOKE"):
        return _grant(session, t, verb == "REVOKE")
    what = t.expect("USER", "GROUP")
    table = {
        ("CREATE", "USER"): _create_user, ("ALTER", "USER"): _alter_user, ("DROP", "USER"): _drop_user,
        ("CREATE", "GROUP"): _create_group, ("ALTER", "GROUP"): _alter_group, ("DROP", "GROUP"): _drop_group,
    }
    return table[(verb, what)](session, t)


def schema_created(session: "Session", name: str) -> None:
    """Record the owner of a schema a non-superuser created."""
    a = _state(session)
    if is_superuser(a, session.user) or a.schema_owners.get(name) == session.user:
        return
    session.writer().set_auth(a.with_changes(schema_owners={**a.schema_owners, name: session.user}))


def create_user_direct(txn: Any, name: str, password: str, *, superuser: bool = True, keep_md5: bool = False) -> None:
    """Create (or reset the password of) a user on a write transaction: ``serve --init-user``."""
    a = getattr(txn.current(), "auth", None) or EMPTY
    name = name.lower()
    fields = {"scram": scram_verifier(password), "md5": md5_hash(password, name) if keep_md5 else None}
    rec = a.users.get(name)
    if rec is None:
        users = {**a.users, name: UserRec(name, a.next_sysid, superuser=superuser, createdb=True, **fields)}
        a = a.with_changes(users=users, next_sysid=a.next_sysid + 1)
    else:
        from dataclasses import replace

        a = a.with_changes(users={**a.users, name: replace(rec, superuser=superuser or rec.superuser, **fields)})
    txn.set_auth(a)
