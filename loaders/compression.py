"""Decompressing objects as they stream: Redshift's GZIP, BZIP2, LZOP, ZSTD, and LZ4 (ours).

``open_stream`` wraps an object's input stream in pyarrow's streaming decompressor, so a
compressed object is never held whole in memory.  LZOP is not an Arrow codec; its container
is read by ``loaders.lzop``.  A damaged or truncated object fails with a ``LoadError`` naming
it when the bad bytes are reached.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from loaders.objectstore import SourceObject
from loaders.rejects import LoadError

__all__ = ["CODECS", "fill", "open_stream", "read_chunks", "compression_for_name"]

CODECS = {"GZIP": "gzip", "BZIP2": "bz2", "ZSTD": "zstd", "LZ4": "lz4"}
_EXTENSIONS = {".gz": "GZIP", ".gzip": "GZIP", ".bz2": "BZIP2", ".zst": "ZSTD", ".zstd": "ZSTD", ".lz4": "LZ4", ".lzo": "LZOP"}


def compression_for_name(name: str) -> str | None:
    """The compression an object's extension implies (external tables read by extension)."""
    low = name.lower()
    for ext, comp in _EXTENSIONS.items():
        if low.endswith(ext):
            return comp
    return None


def open_stream(obj: SourceObject, compression: str | None) -> Any:
    """A readable binary stream of the object's decompressed bytes."""
    raw = obj.open()
    if compression is None:
        return raw
    comp = compression.upper()
    if comp == "LZOP":
        from loaders.lzop import LzopStream

        return LzopStream(raw, obj.url)
    codec = CODECS.get(comp)
    if codec is None:
        msg = f"unknown compression {compression}"
        raise LoadError(msg, filename=obj.url)
    return pa.CompressedInputStream(raw, codec)


def read_chunks(obj: SourceObject, compression: str | None, size: int) -> Any:
    """Yield the object's decompressed bytes in pieces of about ``size`` bytes.

    Raises
    ------
    LoadError
        A corrupt or truncated compressed object, or a read error, naming the object.
    """
    stream = open_stream(obj, compression)
    try:
        while True:
            try:
                data = stream.read(size)
            except (OSError, pa.ArrowException, EOFError, ValueError) as e:
                what = f"{compression.upper()} data" if compression else "object"
                msg = f"cannot read {what} (corrupt or truncated?): {str(e).splitlines()[0] if str(e) else type(e).__name__}"
                raise LoadError(msg, filename=obj.url) from None
            if not data:
                return
            yield data
    finally:
        try:
            stream.close()
        except (OSError, pa.ArrowException):
            pass


def fill(stream: Any, view: memoryview, obj: SourceObject, compression: str | None) -> int:
    """Read into ``view`` until it is full or the stream ends; the bytes read.

    Raises ``LoadError`` naming the object for a corrupt or truncated stream.
    """
    got = 0
    size = len(view)
    readinto = getattr(stream, "readinto", None)
    try:
        while got < size:
            if readinto is not None:
                n = readinto(view[got:])
            else:
                data = stream.read(size - got)
                n = len(data)
                view[got : got + n] = data
            if not n:
                break
            got += n
    except (OSError, pa.ArrowException, EOFError, ValueError) as e:
        what = f"{compression.upper()} data" if compression else "object"
        msg = f"cannot read {what} (corrupt or truncated?): {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        raise LoadError(msg, filename=obj.url) from None
    return got
