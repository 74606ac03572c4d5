"""Binding the catalog functions whose answer depends on the session or its catalog snapshot.

The binder asks ``SessionFunctions.bind(name, args)`` before the function registry.
Session facts become constants at bind time (``version()``, ``current_user``,
``current_database()``, ``current_schema()``, ``current_schemas(b)``,
``current_setting('x')``).  Catalog facts over a column become ``catalog_lookup(x, table,
default)`` with the table computed from the snapshot now (``pg_table_is_visible``,
``pg_get_userbyid``, ``pg_get_viewdef``, ``pg_get_function_arguments``/``result``, and the
casts ``::regclass``, ``::regtype``, ``::regnamespace``, ``::oid``).  A plan is cached per
catalog version, which covers the tables; settings that change between runs of one cached
statement (``search_path``) are the one staleness this accepts.
"""

from __future__ import annotations

import json
from typing import Any

from warehouse import types as T
from warehouse.errors import CatalogError
from warehouse.functions import registry
from warehouse.plan.expressions import Expr, Literal

VERSION_TEMPLATE = (
    "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 "
    "(Red Hat 3.4.2-6.fc3), Redshift 1.0.0 (warehouse {version})"
)
FUNCTION_OID_BASE = 20_000


def version_string() -> str:
    import warehouse

    return VERSION_TEMPLATE.format(version=getattr(warehouse, "__version__", "0"))


def function_rows() -> list[tuple[int, str, str, int, list[int]]]:
    """``pg_proc`` rows for the engine's functions: (oid, name, kind, result type, arg types)."""
    from warehouse.functions.core import FUNCTIONS

    names = {n for n in FUNCTIONS if n.replace("_", "").isalnum()} | set(registry.AGGREGATES) | set(registry.WINDOW_ONLY)
    out = []
    for i, name in enumerate(sorted(names)):
        kind = "a" if name in registry.AGGREGATES else "w" if name in registry.WINDOW_ONLY else "f"
        out.append((FUNCTION_OID_BASE + i, name, kind, 2283, []))
    return out


def _lit(value: Any, t: T.SqlType) -> Literal:
    return Literal(value, t)


class SessionFunctions:
    """The ``session_function`` hook of one statement's binder."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self._objects: Any = None

    @property
    def objects(self) -> Any:
        if self._objects is None:
            from warehouse.catalog.pg_objects import collect

            self._objects = collect(self.session)
        return self._objects

    # ----- entry point ---------------------------------------------------------------------
    def bind(self, name: str, args: list[Expr]) -> Expr | None:
        """The bound expression for ``name(args)``, or None to leave it to the registry."""
        n = name.lower()
        if n.startswith("::"):
            return self._cast(n[2:], args[0])
        method = getattr(self, f"_fn_{n}", None)
        if method is None:
            return None
        return method(args)

    # ----- session constants --------------------------------------------------------------------
    def _fn_version(self, args: list[Expr]) -> Expr:
        return _lit(version_string(), T.VARCHAR)

    def _fn_current_user(self, args: list[Expr]) -> Expr:
        return _lit(self.session.user, T.varchar(64))

    _fn_session_user = _fn_current_user
    _fn_user = _fn_current_user
    _fn_current_role = _fn_current_user

    def _fn_pg_last_copy_count(self, args: list[Expr]) -> Expr:
        """Rows the session's last COPY loaded (Redshift's ``pg_last_copy_count()``)."""
        return _lit(int(getattr(self.session, "last_copy_count", 0)), T.BIGINT)

    def _fn_pg_last_copy_id(self, args: list[Expr]) -> Expr:
        """The query id of the session's last COPY, -1 before any (``pg_last_copy_id()``)."""
        return _lit(int(getattr(self.session, "last_copy_id", -1)), T.INTEGER)

    def _fn_current_database(self, args: list[Expr]) -> Expr:
        return _lit(self.objects.database, T.varchar(64))

    _fn_current_catalog = _fn_current_database

    def _existing_path(self, implicit: bool) -> list[str]:
        objs = self.objects
        path = [s for s in objs.search_path if s in objs.schemas]
        return path if implicit else [s for s in path if s != "pg_catalog"]

    def _fn_current_schema(self, args: list[Expr]) -> Expr:
        path = self._existing_path(False)
        return _lit(path[0] if path else None, T.varchar(64))

    def _fn_current_schemas(self, args: list[Expr]) -> Expr:
        from warehouse.functions.array import format_array

        implicit = bool(args[0].value) if args and isinstance(args[0], Literal) else True
        return _lit(format_array(self._existing_path(implicit)), T.VARCHAR)

    def _fn_current_setting(self, args: list[Expr]) -> Expr:
        from warehouse.statements.settings import all_settings, setting_value

        if args and isinstance(args[0], Literal) and isinstance(args[0].value, str):
            value = setting_value(self.session, args[0].value)
            if value is None:
                msg = f'unrecognized configuration parameter "{args[0].value}"'
                raise CatalogError(msg, sqlstate="42704")
            return _lit(value, T.VARCHAR)
        return self._lookup(args[0], dict(all_settings(self.session)), T.VARCHAR)

    def _fn_pg_backend_pid(self, args: list[Expr]) -> Expr:
        return _lit(getattr(self.session, "backend_pid", None) or 0, T.INTEGER)

    # ----- catalog lookups --------------------------------------------------------------------
    def _lookup(self, key: Expr, table: dict[Any, Any], t: T.SqlType, default: Any = None) -> Expr:
        text = json.dumps({str(k): v for k, v in table.items()})
        return registry.resolve_call("catalog_lookup", [key, _lit(text, T.VARCHAR), _lit(default, t)])

    def _visible(self) -> dict[int, bool]:
        objs = self.objects
        seen: set[str] = set()
        out: dict[int, bool] = {}
        for schema in objs.search_path:
            for r in objs.relations:
                if r.schema == schema and r.name not in seen:
                    out[r.oid] = True
            seen |= {r.name for r in objs.relations if r.schema == schema}
        return out

    def _fn_pg_table_is_visible(self, args: list[Expr]) -> Expr:
        return self._lookup(args[0], self._visible(), T.BOOLEAN, False)

    def _fn_pg_get_userbyid(self, args: list[Expr]) -> Expr:
        users = {u.oid: u.name for u in self.objects.users}
        users.update({gid: g for g, (gid, _) in self.objects.groups.items()})
        return self._lookup(args[0], users, T.varchar(64))

    def _fn_pg_get_viewdef(self, args: list[Expr]) -> Expr:
        views = {r.oid: r.view_sql for r in self.objects.relations if r.view_sql is not None}
        if args and args[0].type.is_string:
            views = {(f"{r.schema}.{r.name}" if r.schema != "public" else r.name): r.view_sql
                     for r in self.objects.relations if r.view_sql is not None}
        return self._lookup(args[0], views, T.VARCHAR)

    def _fn_pg_get_function_arguments(self, args: list[Expr]) -> Expr:
        return self._lookup(args[0], {row[0]: "" for row in function_rows()}, T.VARCHAR)

    _fn_pg_get_function_identity_arguments = _fn_pg_get_function_arguments

    def _fn_pg_get_function_result(self, args: list[Expr]) -> Expr:
        return self._lookup(args[0], {row[0]: "anyelement" for row in function_rows()}, T.VARCHAR)

    def _fn_to_regclass(self, args: list[Expr]) -> Expr:
        return self._lookup(args[0], self._relation_oids(), T.INTEGER)

    # ----- object-identifier casts -----------------------------------------------------------------
    def _relation_oids(self) -> dict[str, int]:
        objs = self.objects
        out: dict[str, int] = {}
        for r in objs.relations:
            out.setdefault(f"{r.schema}.{r.name}", r.oid)
        for schema in reversed(objs.search_path):  # earlier schemas on the path win
            for r in objs.relations:
                if r.schema == schema:
                    out[r.name] = r.oid
        return out

    def _relation_names(self) -> dict[int, str]:
        visible = self._visible()
        return {r.oid: (r.name if r.oid in visible else f"{r.schema}.{r.name}") for r in self.objects.relations}

    def _cast(self, target: str, arg: Expr) -> Expr | None:
        if target == "oid":
            return registry.resolve_cast(arg, T.INTEGER)
        # text input: a string, or an untyped NULL (a parameter not bound yet: PostgreSQL's unknown)
        textual = arg.type.is_string or arg.type.is_null
        if target == "regclass":
            if textual:
                if isinstance(arg, Literal) and isinstance(arg.value, str):
                    key = _unquote(arg.value)
                    oid = self._relation_oids().get(key)
                    if oid is None and key == "":  # a parameter's placeholder while its type is inferred
                        return _lit(None, T.INTEGER)
                    if oid is None:
                        msg = f'relation "{arg.value}" does not exist'
                        raise CatalogError(msg, sqlstate="42P01")
                    return _lit(oid, T.INTEGER)
                return self._lookup(arg, self._relation_oids(), T.INTEGER)
            return self._lookup(arg, self._relation_names(), T.varchar(128))
        if target == "regtype":
            from warehouse.catalog.pg_types import TYPES, format_type, regtype_oid

            if textual:
                if isinstance(arg, Literal) and isinstance(arg.value, str):
                    oid = regtype_oid(arg.value)
                    if oid is None:
                        msg = f'type "{arg.value}" does not exist'
                        raise CatalogError(msg, sqlstate="42704")
                    return _lit(oid, T.INTEGER)
                return registry.resolve_call("to_regtype", [arg])
            return self._lookup(arg, {t.oid: format_type(t.oid, -1) for t in TYPES}, T.varchar(64))
        if target == "regnamespace":
            schemas = self.objects.schemas
            if textual:
                return self._lookup(arg, schemas, T.INTEGER)
            return self._lookup(arg, {oid: name for name, oid in schemas.items()}, T.varchar(64))
        if target in ("regproc", "regprocedure"):
            rows = function_rows()
            if textual:
                return self._lookup(arg, {name: oid for oid, name, *_ in rows}, T.INTEGER)
            return self._lookup(arg, {oid: name for oid, name, *_ in rows}, T.varchar(64))
        return None


def _unquote(name: str) -> str:
    parts = [p.strip() for p in name.split(".")]
    parts = [p[1:-1] if len(p) >= 2 and p[0] == p[-1] == '"' else p.lower() for p in parts]
    return ".".join(parts)
