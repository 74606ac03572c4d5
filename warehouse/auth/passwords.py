"""Password verifiers: SCRAM-SHA-256 (RFC 5802/7677, as PostgreSQL stores them) and md5.

Passwords are never stored.  ``scram_verifier`` makes PostgreSQL's format
``SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>``; ``md5_hash`` makes
``md5`` + md5(password + user), which is what the md5 handshake needs (kept only when the
server is started with ``--auth md5`` or for clients that must use md5, see docs/server.md).
A ``PASSWORD 'md5...'`` or ``PASSWORD 'SCRAM-SHA-256$...'`` given in SQL is stored as is, as
PostgreSQL and Redshift do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

__all__ = ["scram_verifier", "parse_verifier", "md5_hash", "md5_response_ok", "SCRAM_ITERATIONS"]

SCRAM_ITERATIONS = 4096


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def scram_keys(password: str, salt: bytes, iterations: int) -> tuple[bytes, bytes]:
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    return hashlib.sha256(client_key).digest(), server_key


def scram_verifier(password: str, *, iterations: int = SCRAM_ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    stored, server = scram_keys(password, salt, iterations)
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(stored)}:{_b64(server)}"


def parse_verifier(v: str) -> tuple[int, bytes, bytes, bytes]:
    """(iterations, salt, StoredKey, ServerKey) of a verifier."""
    head, keys = v.split("$", 1)[1].split("$")
    it, salt = head.split(":")
    stored, server = keys.split(":")
    return int(it), base64.b64decode(salt), base64.b64decode(stored), base64.b64decode(server)


def md5_hash(password: str, user: str) -> str:
    return "md5" + hashlib.md5((password + user).encode()).hexdigest()


def md5_response_ok(stored: str, salt: bytes, response: str) -> bool:
    """Check a client's md5 answer: "md5" + md5(md5(password + user) + salt)."""
    expect = "md5" + hashlib.md5(stored[3:].encode() + salt).hexdigest()
    return hmac.compare_digest(expect, response)
