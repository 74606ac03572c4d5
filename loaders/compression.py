"""Decompressing objects as they stream: Redshift's GZIP, BZIP2, LZOP, ZSTD, and LZ4 (ours).

``open_stream`` wraps an object's input stream in pyarrow's streaming decompressor, so a
compressed object is never held whole in memory.  LZOP is not an Arrow codec; its container
is read by ``loaders.lzop``.  A damaged or truncated object fails with a ``LoadError`` naming
it when the bad bytes are reached.

External tables add two table properties on top (``hive_source``): ``compressionType``, the
codec of objects whose extension names none, and ``serialization.encoding``, the character
set of text objects, transcoded to UTF-8 as the bytes stream (``TranscodedObject``), so the
readers only ever see UTF-8.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from loaders.objectstore import SourceObject
from loaders.rejects import LoadError

__all__ = [
    "CODECS", "TranscodedObject", "compression_for_name", "compression_type", "fill", "hive_source", "open_stream",
    "read_chunks", "text_encoding",
]

CODECS = {"GZIP": "gzip", "BZIP2": "bz2", "ZSTD": "zstd", "LZ4": "lz4"}
_EXTENSIONS = {".gz": "GZIP", ".gzip": "GZIP", ".bz2": "BZIP2", ".zst": "ZSTD", ".zstd": "ZSTD", ".lz4": "LZ4", ".lzo": "LZOP"}


def compression_for_name(name: str) -> str | None:
    """The compression an object's extension implies (external tables read by extension)."""
    low = name.lower()
    for ext, comp in _EXTENSIONS.items():
        if low.endswith(ext):
            return comp
    return None


# compressionType / compression_type table property values (Athena, Redshift Spectrum)
_TYPE_NAMES = {"gzip": "GZIP", "gz": "GZIP", "bzip2": "BZIP2", "bz2": "BZIP2", "zstd": "ZSTD", "lz4": "LZ4", "lzo": "LZOP", "lzop": "LZOP", "none": None}
_UTF8 = {"utf8", "utf-8", "utf_8", "u8"}


def compression_type(value: str) -> str | None:
    """A ``compressionType`` table property value as a codec name (None: 'none').

    Raises ``ValueError`` naming the accepted values for anything else (``snappy``,
    ``deflate``: Hadoop framings this reader does not take).
    """
    key = value.strip().lower()
    if key not in _TYPE_NAMES:
        msg = f"compressionType {value!r} is not supported (gzip, bzip2, zstd, lz4, lzo or none)"
        raise ValueError(msg)
    return _TYPE_NAMES[key]


def text_encoding(value: str | None) -> str | None:
    """A ``serialization.encoding`` value as a Python codec name, None for UTF-8 (nothing to
    do).  Raises ``ValueError`` for an encoding Python does not know."""
    if value is None or value.strip().lower() in _UTF8:
        return None
    name = value.strip()
    try:
        info = codecs.lookup(name)
    except LookupError:
        msg = f"serialization.encoding {value!r} is not a known character set (e.g. UTF-8, ISO-8859-1, windows-1252, UTF-16)"
        raise ValueError(msg) from None
    return None if info.name == "utf-8" else info.name


def hive_source(obj: SourceObject, default: str | None = None, override: bool = False, encoding: str | None = None) -> tuple[SourceObject, str | None]:
    """The object to read and the compression to read it with, for an external table:
    the extension decides (Athena), ``default`` is the codec of objects whose extension names
    none (``override``: it wins over the extension, Redshift Spectrum's ``compression_type``);
    with ``encoding`` (a codec from ``text_encoding``) the object decompresses and transcodes
    to UTF-8 itself, and the readers get no compression to apply."""
    by_name = compression_for_name(obj.path)
    comp = default if override or by_name is None else by_name
    if encoding is None:
        return obj, comp
    return TranscodedObject(obj.url, obj.fs, obj.path, obj.size, comp, encoding), None


@dataclass(frozen=True)
class TranscodedObject(SourceObject):
    """An object whose decompressed bytes are text in ``encoding``; ``open`` streams them as
    UTF-8 (undecodable bytes become U+FFFD, as Java's decoders do)."""

    compression: str | None = None
    encoding: str = "utf-8"

    def open(self) -> Any:
        raw = open_stream(SourceObject(self.url, self.fs, self.path, self.size), self.compression)
        return _Transcoding(raw, self.encoding)


class _Transcoding:
    """A read-only binary stream: another stream's bytes decoded from ``encoding``, as UTF-8."""

    _STEP = 1 << 20

    def __init__(self, raw: Any, encoding: str) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.buf = bytearray()
        self.eof = False

    def read(self, size: int = -1) -> bytes:
        while not self.eof and (size < 0 or len(self.buf) < size):
            data = self.raw.read(self._STEP)
            if not data:
                self.eof = True
                self.buf += self.decoder.decode(b"", final=True).encode("utf-8")
                break
            self.buf += self.decoder.decode(bytes(data)).encode("utf-8")
        if size < 0 or size >= len(self.buf):
            out = bytes(self.buf)
            self.buf.clear()
            return out
        out = bytes(self.buf[:size])
        del self.buf[:size]
        return out

    def close(self) -> None:
        self.raw.close()


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
