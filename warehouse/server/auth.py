"""Server side of the authentication exchanges: SCRAM-SHA-256 (SASL), md5 and trust.

The connection object supplies ``send(bytes)``, ``flush()`` and ``read_message()``.
redshift_connector splits the SASL mechanism list with ``data[4:-1].split(b"\\0")`` and then
rejects the empty name the standard terminating NUL leaves; for connections that identify
as redshift_connector (startup parameter ``client_protocol_version`` or ``driver_version``
"Redshift ...") the list is sent without that NUL.  See docs/server.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any

from warehouse.auth.passwords import md5_response_ok, parse_verifier, scram_keys
from warehouse.server import messages as M

__all__ = ["authenticate", "AuthFailed", "is_redshift_connector"]

AUTH_OK, AUTH_MD5, AUTH_SASL, AUTH_SASL_CONTINUE, AUTH_SASL_FINAL = 0, 5, 10, 11, 12


class AuthFailed(Exception):
    """Wrong password or unknown user (SQLSTATE 28P01), or a malformed exchange (08P01)."""

    def __init__(self, message: str, sqlstate: str = "28P01") -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def is_redshift_connector(startup: dict[str, str]) -> bool:
    return "client_protocol_version" in startup or startup.get("driver_version", "").startswith("Redshift")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _password_message(conn: Any) -> bytes:
    kind, body = conn.read_message()
    if kind != b"p":
        raise AuthFailed(f"expected password response, got message type {kind!r}", "08P01")
    return body


def _scram(conn: Any, user: str, verifier: str | None, startup: dict[str, str]) -> None:
    mechs = b"SCRAM-SHA-256\0" + (b"" if is_redshift_connector(startup) else b"\0")
    conn.send(M.auth_request(AUTH_SASL, mechs))
    conn.flush()
    r = M.Reader(_password_message(conn))
    mech = r.cstr()
    if mech != "SCRAM-SHA-256":
        raise AuthFailed(f"unsupported SASL mechanism {mech!r}", "08P01")
    n = r.int32()
    client_first = r.bytes_(n).decode() if n >= 0 else ""
    if not client_first.startswith(("n,", "y,")):
        raise AuthFailed("channel binding is not supported", "08P01")
    gs2_end = client_first.index(",", client_first.index(",") + 1) + 1
    bare = client_first[gs2_end:]
    attrs = dict(a.split("=", 1) for a in bare.split(",") if "=" in a)
    cnonce = attrs.get("r")
    if not cnonce:
        raise AuthFailed("malformed SCRAM client-first-message", "08P01")
    if verifier is not None and verifier.startswith("SCRAM-SHA-256$"):
        iterations, salt, stored, server_key = parse_verifier(verifier)
    else:  # unknown user or no SCRAM verifier: go through the motions, then fail
        iterations, salt = 4096, os.urandom(16)
        stored, server_key = scram_keys(os.urandom(16).hex(), salt, iterations)
        verifier = None
    nonce = cnonce + _b64(os.urandom(18))
    server_first = f"r={nonce},s={_b64(salt)},i={iterations}"
    conn.send(M.auth_request(AUTH_SASL_CONTINUE, server_first.encode()))
    conn.flush()
    final = _password_message(conn).decode()
    without_proof, _, proof_part = final.rpartition(",p=")
    fattrs = dict(a.split("=", 1) for a in without_proof.split(",") if "=" in a)
    if fattrs.get("r") != nonce or not proof_part:
        raise AuthFailed("malformed SCRAM client-final-message", "08P01")
    auth_message = f"{bare},{server_first},{without_proof}".encode()
    signature = hmac.new(stored, auth_message, "sha256").digest()
    try:
        proof = base64.b64decode(proof_part)
    except ValueError:
        raise AuthFailed("malformed SCRAM proof", "08P01") from None
    client_key = bytes(a ^ b for a, b in zip(proof, signature))
    if verifier is None or len(proof) != 32 or not hmac.compare_digest(hashlib.sha256(client_key).digest(), stored):
        raise AuthFailed(f'password authentication failed for user "{user}"')
    server_sig = hmac.new(server_key, auth_message, "sha256").digest()
    conn.send(M.auth_request(AUTH_SASL_FINAL, f"v={_b64(server_sig)}".encode()))


def _md5(conn: Any, user: str, stored: str | None) -> None:
    salt = os.urandom(4)
    conn.send(M.auth_request(AUTH_MD5, salt))
    conn.flush()
    answer = M.Reader(_password_message(conn)).cstr()
    if stored is None or not md5_response_ok(stored, salt, answer):
        raise AuthFailed(f'password authentication failed for user "{user}"')


def authenticate(conn: Any, method: str, user_rec: Any, user: str, startup: dict[str, str]) -> None:
    """Run the exchange for ``method`` ("scram", "md5" or "trust"); raise AuthFailed."""
    if method == "trust":
        return
    scram = getattr(user_rec, "scram", None)
    md5 = getattr(user_rec, "md5", None)
    if user_rec is not None and not user_rec.can_login:
        raise AuthFailed(f'role "{user}" is not permitted to log in')
    if method == "md5" and md5 is not None:
        _md5(conn, user, md5)
    elif scram is None and md5 is not None:
        _md5(conn, user, md5)  # a user whose password was given as an md5 hash
    else:
        _scram(conn, user, scram, startup)
