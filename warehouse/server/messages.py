"""PostgreSQL v3 messages: reading frontend messages, building backend ones.

Frontend messages are ``type byte, int32 length (itself included), body``; the startup
packet has no type byte.  A length below 4 or above the server's maximum is a protocol
violation that ends the connection (``ProtocolViolation``).
"""

from __future__ import annotations

import struct
from typing import Any

__all__ = [
    "ProtocolViolation", "Reader", "msg", "auth_request", "parameter_status", "backend_key_data",
    "ready_for_query", "row_description", "command_complete", "error_response", "notice_response",
    "parameter_description", "SSL_REQUEST", "GSSENC_REQUEST", "CANCEL_REQUEST", "PROTOCOL_3",
]

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
PROTOCOL_3 = 196608

_I32 = struct.Struct("!i")
_I16 = struct.Struct("!h")


class ProtocolViolation(Exception):
    """A malformed or oversized message: the connection ends (SQLSTATE 08P01)."""


class Reader:
    """Fields of one message body, read in order."""

    __slots__ = ("buf", "pos")

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def _need(self, n: int) -> None:
        if n < 0 or self.pos + n > len(self.buf):
            raise ProtocolViolation("message is shorter than its fields")

    def int32(self) -> int:
        self._need(4)
        v = _I32.unpack_from(self.buf, self.pos)[0]
        self.pos += 4
        return v

    def int16(self) -> int:
        self._need(2)
        v = _I16.unpack_from(self.buf, self.pos)[0]
        self.pos += 2
        return v

    def byte(self) -> str:
        self._need(1)
        v = chr(self.buf[self.pos])
        self.pos += 1
        return v

    def cstr(self) -> str:
        end = self.buf.find(b"\0", self.pos)
        if end < 0:
            raise ProtocolViolation("unterminated string in message")
        v = self.buf[self.pos : end]
        self.pos = end + 1
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation("invalid UTF-8 in message") from None

    def bytes_(self, n: int) -> bytes:
        self._need(n)
        v = self.buf[self.pos : self.pos + n]
        self.pos += n
        return bytes(v)

    def rest(self) -> bytes:
        v = self.buf[self.pos :]
        self.pos = len(self.buf)
        return bytes(v)


def msg(kind: bytes, body: bytes = b"") -> bytes:
    return kind + _I32.pack(len(body) + 4) + body


def _cstr(s: str) -> bytes:
    return s.encode("utf-8").replace(b"\0", b"") + b"\0"


def auth_request(code: int, data: bytes = b"") -> bytes:
    return msg(b"R", _I32.pack(code) + data)


def parameter_status(name: str, value: str) -> bytes:
    return msg(b"S", _cstr(name) + _cstr(value))


def backend_key_data(pid: int, secret: int) -> bytes:
    return msg(b"K", struct.pack("!ii", pid, secret))


def ready_for_query(status: str) -> bytes:
    return msg(b"Z", status.encode())


def row_description(fields: list[tuple[str, int, int, int, int]]) -> bytes:
    """fields: (name, type oid, typlen, typmod, format)."""
    parts = [_I16.pack(len(fields))]
    for name, oid, size, typmod, fmt in fields:
        parts.append(_cstr(name) + struct.pack("!ihihih", 0, 0, oid, size, typmod, fmt))
    return msg(b"T", b"".join(parts))


def parameter_description(oids: list[int]) -> bytes:
    return msg(b"t", _I16.pack(len(oids)) + b"".join(_I32.pack(o) for o in oids))


def command_complete(tag: str) -> bytes:
    return msg(b"C", _cstr(tag))


def _fields(severity: str, sqlstate: str, message: str, extra: dict[str, Any]) -> bytes:
    parts = [b"S" + _cstr(severity), b"V" + _cstr(severity), b"C" + _cstr(sqlstate), b"M" + _cstr(message)]
    for code, value in extra.items():
        if value is not None and value != "":
            parts.append(code.encode() + _cstr(str(value)))
    return b"".join(parts) + b"\0"


def error_response(sqlstate: str, message: str, *, severity: str = "ERROR", position: int | None = None,
                   hint: str | None = None, detail: str | None = None) -> bytes:
    return msg(b"E", _fields(severity, sqlstate, message, {"D": detail, "H": hint, "P": position}))


def notice_response(message: str, *, severity: str = "NOTICE", sqlstate: str = "00000") -> bytes:
    return msg(b"N", _fields(severity, sqlstate, message, {}))


PARSE_COMPLETE = msg(b"1")
BIND_COMPLETE = msg(b"2")
CLOSE_COMPLETE = msg(b"3")
NO_DATA = msg(b"n")
PORTAL_SUSPENDED = msg(b"s")
EMPTY_QUERY = msg(b"I")
COPY_DONE = msg(b"c")
