"""Reading ``.lzo`` files as the ``lzop`` tool writes them (COPY ... LZOP).

Arrow has no LZO codec, so the container is parsed here and each block is decompressed by
``lzallright`` (LZO1X).  The format, from lzop's sources: a 9-byte magic, a header (version
fields, method, flags, mode, mtime, file name, checksum, optional extra field), then blocks of
``uncompressed length, compressed length, [checksums], data`` ending with a zero length.  A
block whose compressed length equals its uncompressed length is stored as is.  Checksums are
skipped, not verified (a damaged block still fails to decompress).
"""

from __future__ import annotations

import struct
from typing import Any

from loaders.rejects import LoadError

__all__ = ["MAGIC", "LzopStream"]

MAGIC = b"\x89LZO\x00\r\n\x1a\n"
F_ADLER32_D = 0x1
F_ADLER32_C = 0x2
F_H_EXTRA_FIELD = 0x40
F_CRC32_D = 0x100
F_CRC32_C = 0x200
F_H_FILTER = 0x800


class LzopStream:
    """A read-only binary stream of an lzop file's decompressed bytes."""

    def __init__(self, raw: Any, name: str) -> None:
        self._raw = raw
        self._name = name
        self._buf = b""
        self._eof = False
        self._flags = self._read_header()
        from lzallright import LZOCompressor

        self._lzo = LZOCompressor()

    # ----- container ------------------------------------------------------------------------
    def _exact(self, n: int) -> bytes:
        data = self._raw.read(n)
        if len(data) != n:
            msg = "LZOP data is truncated"
            raise LoadError(msg, filename=self._name)
        return bytes(data)

    def _u8(self) -> int:
        return self._exact(1)[0]

    def _u16(self) -> int:
        return struct.unpack(">H", self._exact(2))[0]

    def _u32(self) -> int:
        return struct.unpack(">I", self._exact(4))[0]

    def _read_header(self) -> int:
        if self._raw.read(len(MAGIC)) != MAGIC:
            msg = "not an LZOP file (bad magic)"
            raise LoadError(msg, filename=self._name)
        version = self._u16()
        self._u16()  # library version
        if version >= 0x0940:
            self._u16()  # version needed to extract
        method = self._u8()
        if method not in (1, 2, 3):
            msg = f"unsupported LZOP method {method} (only LZO1X)"
            raise LoadError(msg, filename=self._name)
        if version >= 0x0940:
            self._u8()  # level
        flags = self._u32()
        if flags & F_H_FILTER:
            self._u32()
        self._u32()  # mode
        self._u32()  # mtime low
        if version >= 0x0940:
            self._u32()  # mtime high
        self._exact(self._u8())  # file name
        self._u32()  # header checksum
        if flags & F_H_EXTRA_FIELD:
            self._exact(self._u32())
            self._u32()
        return flags

    def _next_block(self) -> bytes:
        dst_len = self._u32()
        if dst_len == 0:
            self._eof = True
            return b""
        src_len = self._u32()
        if self._flags & F_ADLER32_D:
            self._u32()
        if self._flags & F_CRC32_D:
            self._u32()
        if src_len < dst_len:
            if self._flags & F_ADLER32_C:
                self._u32()
            if self._flags & F_CRC32_C:
                self._u32()
        data = self._exact(src_len)
        if src_len == dst_len:
            return data
        try:
            out = self._lzo.decompress(data, dst_len)
        except Exception as e:  # noqa: BLE001 - lzallright raises its own error types
            msg = f"corrupt LZOP block: {e}"
            raise LoadError(msg, filename=self._name) from None
        if len(out) != dst_len:
            msg = "corrupt LZOP block (wrong length)"
            raise LoadError(msg, filename=self._name)
        return bytes(out)

    # ----- stream -----------------------------------------------------------------------------
    def read(self, size: int = -1) -> bytes:
        parts = [self._buf]
        have = len(self._buf)
        while not self._eof and (size < 0 or have < size):
            block = self._next_block()
            parts.append(block)
            have += len(block)
        data = b"".join(parts)
        if size < 0 or size >= len(data):
            self._buf = b""
            return data
        self._buf = data[size:]
        return data[:size]

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> LzopStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_lzop(data: bytes, block_size: int = 256 << 10) -> bytes:
    """``data`` as an lzop file (version 0x1030 header, no checksums): for tests and tools."""
    from lzallright import LZOCompressor

    lzo = LZOCompressor()
    import zlib

    header = struct.pack(">HHHBBI", 0x1030, 0x2080, 0x0940, 1, 5, 0) + struct.pack(">III", 0o100644, 0, 0) + b"\x00"
    header += struct.pack(">I", zlib.adler32(header))
    out = [MAGIC, header]
    for i in range(0, len(data), block_size):
        block = data[i : i + block_size]
        comp = lzo.compress(block)
        if len(comp) >= len(block):
            comp = block
        out.append(struct.pack(">II", len(block), len(comp)))
        out.append(comp)
    out.append(b"\x00\x00\x00\x00")
    return b"".join(out)
