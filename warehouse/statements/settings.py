"""SET, RESET and SHOW: session settings as clients expect them.

Any ``SET name = value`` succeeds and stores the value (clients send settings the engine
does not use: ``extra_float_digits``, ``application_name``, ``statement_timeout``...).
``SHOW`` reads the session's value, else the default below, else raises 42704.  Values
Redshift fixes are reported as Redshift does (``transaction_isolation`` is serializable,
``server_version`` 8.0.2).  ``SHOW ALL`` lists every setting with a value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
from sqlglot import exp

from warehouse import types as T
from warehouse.errors import NotSupportedError
from warehouse.result import Result

if TYPE_CHECKING:
    from warehouse.session import Session

DEFAULTS: dict[str, str] = {
    "application_name": "",
    "client_encoding": "UTF8",
    "client_min_messages": "notice",
    "datestyle": "ISO, MDY",
    "default_table_access_method": "heap",
    "default_transaction_isolation": "serializable",
    "default_transaction_read_only": "off",
    "describe_field_name_in_uppercase": "off",
    "enable_case_sensitive_identifier": "off",
    "enable_result_cache_for_session": "on",
    "extra_float_digits": "0",
    "integer_datetimes": "on",
    "intervalstyle": "postgres",
    "is_superuser": "on",
    "lc_collate": "C",
    "lc_ctype": "C",
    "max_identifier_length": "127",
    "query_group": "default",
    "search_path": "$user, public",
    "server_encoding": "UTF8",
    "server_version": "8.0.2",
    "server_version_num": "80002",
    "standard_conforming_strings": "on",
    "statement_timeout": "0",
    "timezone": "UTC",
    "transaction_isolation": "serializable",
    "transaction_read_only": "off",
    "wlm_query_slot_count": "1",
}
# SHOW spellings with spaces, and synonyms
ALIASES = {
    "transaction isolation level": "transaction_isolation",
    "time zone": "timezone",
    "session authorization": "session_authorization",
}
READ_ONLY = {"server_version", "server_version_num", "server_encoding", "integer_datetimes", "lc_collate", "lc_ctype",
             "max_identifier_length", "transaction_isolation"}


def _key(name: str) -> str:
    n = " ".join(name.strip().strip('"').lower().split())
    return ALIASES.get(n, n)


def setting_value(session: Session, name: str) -> str | None:
    """The current value of a setting, or None when there is no such setting."""
    key = _key(name)
    if key == "session_authorization":
        return session.user
    if key == "is_superuser":
        return "on" if _is_superuser(session) else "off"
    value = session.settings.get(key)
    return value if value is not None else DEFAULTS.get(key)


def _is_superuser(session: Session) -> bool:
    try:
        from warehouse.auth.users import find_user
    except ImportError:
        return True
    u = find_user(session.catalog(), session.user)
    return True if u is None else bool(u.superuser)


def all_settings(session: Session) -> list[tuple[str, str]]:
    """(name, value) for every setting with a value, by name."""
    names = set(DEFAULTS) | set(session.settings) | {"session_authorization"}
    return [(n, setting_value(session, n) or "") for n in sorted(names)]


def show(session: Session, name: str) -> Result:
    name = name.strip().rstrip(";").strip()
    if name.lower() == "all":
        rows = all_settings(session)
        table = pa.table({"name": pa.array([r[0] for r in rows], pa.string()),
                          "setting": pa.array([r[1] for r in rows], pa.string())})
        return Result(["name", "setting"], [T.varchar(256), T.varchar(256)], table, len(rows), "SHOW")
    value = setting_value(session, name)
    if value is None:
        msg = f'unrecognized configuration parameter "{_key(name)}"'
        raise NotSupportedError(msg, sqlstate="42704")
    column = _key(name)
    table = pa.table({column: pa.array([value], pa.string())})
    return Result([column], [T.varchar(256)], table, 1, "SHOW")


def _value_text(node: exp.Expression | None) -> str:
    if node is None:
        return ""
    if isinstance(node, exp.Literal):
        return str(node.this)
    if isinstance(node, exp.Tuple):
        return ", ".join(_value_text(e) for e in node.expressions)
    if isinstance(node, (exp.Column, exp.Identifier, exp.Var)):
        return node.name
    return node.sql(dialect="redshift")


def assign(session: Session, name: str, value: str) -> None:
    """``SET name = value``; DEFAULT / RESET go back to the default."""
    key = _key(name)
    if key in READ_ONLY:
        msg = f'parameter "{key}" cannot be changed'
        raise NotSupportedError(msg, sqlstate="55P02")
    if value.upper() == "DEFAULT" or value == "":
        session.settings.pop(key, None)
        return
    session.settings[key] = value


def set_statement(session: Session, ast: exp.Set) -> Result:
    """The parsed ``SET`` forms: ``SET x = v``, ``SET x TO v``, ``SET TRANSACTION ...``."""
    for item in ast.expressions:
        eq = item.this
        if isinstance(eq, exp.EQ):
            assign(session, eq.this.name, _value_text(eq.expression))
        # SET TRANSACTION / SESSION CHARACTERISTICS: every transaction is serializable already
    return Result(status="SET")


def set_command(session: Session, text: str) -> Result:
    """``SET`` forms sqlglot leaves as text: ``SET TIME ZONE 'UTC'``, ``SET x TO a, b``,
    ``SET SESSION CHARACTERISTICS ...``."""
    body = text.strip().rstrip(";").strip()
    upper = body.upper()
    for prefix in ("SESSION ", "LOCAL "):
        if upper.startswith(prefix) and not upper.startswith("SESSION CHARACTERISTICS"):
            body = body[len(prefix):].strip()
            upper = body.upper()
    if upper.startswith("SESSION CHARACTERISTICS") or upper.startswith("TRANSACTION"):
        return Result(status="SET")
    if upper.startswith("TIME ZONE"):
        assign(session, "timezone", _unquote(body[len("TIME ZONE"):].strip()))
        return Result(status="SET")
    if upper.startswith("SESSION AUTHORIZATION"):
        msg = "SET SESSION AUTHORIZATION is not supported"
        raise NotSupportedError(msg)
    for sep in (" TO ", "="):
        idx = upper.find(sep)
        if idx > 0:
            name = body[:idx].strip()
            value = body[idx + len(sep):].strip()
            assign(session, name, ", ".join(_unquote(v) for v in _split(value)))
            return Result(status="SET")
    msg = f"syntax error in SET: {text[:80]}"
    raise NotSupportedError(msg, sqlstate="42601")


def reset(session: Session, name: str) -> Result:
    key = _key(name.strip().rstrip(";"))
    if key == "all":
        keep = {"search_path", "datestyle"}
        for k in list(session.settings):
            if k not in keep:
                del session.settings[k]
        session.settings["search_path"] = DEFAULTS["search_path"]
        session.settings["datestyle"] = DEFAULTS["datestyle"]
    else:
        session.settings.pop(key, None)
    return Result(status="RESET")


def _split(value: str) -> list[str]:
    parts, buf, quote = [], [], ""
    for ch in value:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            buf.append(ch)
        elif ch == ",":
            parts.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf).strip())
    return [p for p in parts if p]


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] == "'":
        return v[1:-1].replace("''", "'")
    return v

