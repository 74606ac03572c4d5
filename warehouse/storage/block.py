"""The column-block format: a self-describing header, then the LZ4-compressed payload.

Header (little endian, 48 bytes)::

    magic "WHBK" | version u8 | encoding id u8 | dtype code u8 | flags u8 | rows u32 |
    p0 i64 | p1 i64 | p2 i64 | payload length u32 | compressed length u32 | crc32 u32

The payload is the scheme's bytes (see ``warehouse.storage.encodings``) followed, when flag
bit 0 is set, by the validity bitmap (``np.packbits``, True = not null).  A block therefore
decodes without the catalog; decoding checks every header field against what the manifest
expects and raises ``OperationalError`` (XX001) naming the file and offset otherwise.
"""

from __future__ import annotations

import struct
import zlib

import lz4.block
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.errors import OperationalError
from warehouse.storage import encodings as E
from warehouse.storage.zonemap import ZoneMap

MAGIC = b"WHBK"
VERSION = 1
HEADER = struct.Struct("<4sBBBBIqqqIII")
HEADER_SIZE = HEADER.size
HAS_NULLS = 1

DTYPE_CODES = {
    np.dtype(np.bool_): 1,
    np.dtype(np.int16): 3,
    np.dtype(np.int32): 4,
    np.dtype(np.int64): 5,
    np.dtype(np.float32): 6,
    np.dtype(np.float64): 7,
}
STRING_CODE = 8


class CorruptBlock(OperationalError):
    default_sqlstate = "XX001"


def _pack(enc_id: int, dtype_code: int, n: int, params, buffers: list, valid: np.ndarray | None) -> bytes:
    parts = [memoryview(np.ascontiguousarray(b)).cast("B") for b in buffers]
    flags = 0
    if valid is not None:
        parts.append(memoryview(np.packbits(valid)).cast("B"))
        flags |= HAS_NULLS
    raw_bytes = b"".join(parts)
    comp = lz4.block.compress(raw_bytes, store_size=False)
    p0, p1, p2 = (int(x) for x in params)
    header = HEADER.pack(MAGIC, VERSION, enc_id, dtype_code, flags, n, p0, p1, p2, len(raw_bytes), len(comp), zlib.crc32(comp))
    return header + comp


def encode_numeric(values: np.ndarray, valid: np.ndarray | None, requested: str) -> tuple[bytes, str, ZoneMap]:
    """Encode one numeric/boolean block; ``valid`` None or all-True means no nulls."""
    n = len(values)
    nulls = 0
    if valid is not None:
        nulls = n - int(np.count_nonzero(valid))
        if nulls == 0:
            valid = None
    if nulls:
        present = values[valid]
        fill = present.min() if len(present) and values.dtype.kind != "f" else (present[0] if len(present) else 0)
        values = np.where(valid, values, values.dtype.type(fill))
    stats = E.analyze(values)
    enc_id = E.choose_numeric(values, stats, requested)
    scheme = E.NUMERIC[enc_id]
    buffers, params = scheme.encode(values, stats)
    data = _pack(enc_id, DTYPE_CODES[values.dtype], n, params, buffers, valid)
    if nulls == n:
        zm = ZoneMap(None, None, nulls, n)
    else:
        zm = ZoneMap(stats.lo, stats.hi, nulls, n)
    return data, scheme.NAME, zm


def _used_codes(codes: np.ndarray, dict_size: int) -> np.ndarray:
    """The distinct codes of a block, ascending: a bitmap pass (O(n + dictionary)) unless the
    dictionary dwarfs the block, where sorting the block's codes is cheaper."""
    if dict_size <= 64 * len(codes):
        seen = np.zeros(dict_size, dtype=np.bool_)
        seen[codes] = True
        return np.flatnonzero(seen).astype(codes.dtype, copy=False)
    return np.unique(codes)


def encode_string(codes: np.ndarray, valid: np.ndarray | None, dictionary: pa.Array, requested: str) -> tuple[bytes, str, ZoneMap]:
    """Encode one block of dictionary-coded strings (codes index ``dictionary``)."""
    n = len(codes)
    nulls = 0
    if valid is not None:
        nulls = n - int(np.count_nonzero(valid))
        if nulls == 0:
            valid = None
    used = _used_codes(codes[valid] if nulls else codes, len(dictionary))
    if len(used):
        lut = np.empty(len(dictionary), dtype=np.int32)
        lut[used] = np.arange(len(used), dtype=np.int32)
        if nulls:
            codes = np.where(valid, codes, used[0])
        block_codes = lut[codes]
        block_dict = dictionary.take(pa.array(used, pa.int32()))
        if not pa.types.is_string(block_dict.type):
            block_dict = block_dict.cast(pa.string())
        mm = pc.min_max(block_dict)
        zm = ZoneMap(mm["min"].as_py(), mm["max"].as_py(), nulls, n)
    else:
        block_codes = np.zeros(n, dtype=np.int32)
        block_dict = pa.array([], pa.string())
        zm = ZoneMap(None, None, nulls, n)
    if requested == "raw":
        enc = E.text
    elif requested == "dict":
        enc = E.dictionary
    else:
        lengths = pc.binary_length(block_dict).to_numpy(zero_copy_only=False) if len(block_dict) else np.zeros(0, np.int32)
        dict_bytes = int(lengths.sum()) + 4 * len(block_dict) + n * max(E.width_for(len(block_dict) - 1), 1)
        text_bytes = (int(lengths[block_codes].sum()) if len(block_dict) else 0) + 4 * n
        enc = E.dictionary if dict_bytes <= text_bytes else E.text
    buffers, params = enc.encode(block_dict, block_codes)
    return _pack(enc.ID, STRING_CODE, n, params, buffers, valid), enc.NAME, zm


def _header(buf: memoryview, where: str, n: int, dtype_code: int) -> tuple:
    if len(buf) < HEADER_SIZE:
        msg = f"corrupted block in {where}: truncated header ({len(buf)} bytes)"
        raise CorruptBlock(msg)
    magic, version, enc_id, code, flags, rows, p0, p1, p2, raw_len, comp_len, crc = HEADER.unpack_from(buf, 0)
    problem = None
    if magic != MAGIC:
        problem = f"bad magic {magic!r}"
    elif version != VERSION:
        problem = f"unsupported block format version {version}"
    elif code != dtype_code:
        problem = f"block holds type code {code}, expected {dtype_code}"
    elif (code == STRING_CODE and enc_id not in E.STRING) or (code != STRING_CODE and enc_id not in E.NUMERIC):
        problem = f"unknown encoding id {enc_id}"
    elif rows != n:
        problem = f"block holds {rows} rows, expected {n}"
    elif HEADER_SIZE + comp_len != len(buf):
        problem = f"compressed length {comp_len} does not match the block's size {len(buf) - HEADER_SIZE}"
    elif zlib.crc32(buf[HEADER_SIZE:]) != crc:
        problem = "checksum mismatch"
    if problem:
        msg = f"corrupted block in {where}: {problem}"
        raise CorruptBlock(msg)
    return enc_id, flags, (p0, p1, p2), raw_len


def _payload(buf: memoryview, raw_len: int, where: str) -> memoryview:
    try:
        raw_bytes = lz4.block.decompress(buf[HEADER_SIZE:], uncompressed_size=raw_len)
    except Exception as exc:  # lz4.block.LZ4BlockError
        msg = f"corrupted block in {where}: {exc}"
        raise CorruptBlock(msg) from None
    if len(raw_bytes) != raw_len:
        msg = f"corrupted block in {where}: payload is {len(raw_bytes)} bytes, expected {raw_len}"
        raise CorruptBlock(msg)
    return memoryview(raw_bytes)


def _validity(payload: memoryview, used: int, n: int, flags: int, where: str) -> np.ndarray | None:
    if not flags & HAS_NULLS:
        if used != len(payload):
            msg = f"corrupted block in {where}: {len(payload) - used} stray payload bytes"
            raise CorruptBlock(msg)
        return None
    nb = (n + 7) // 8
    if used + nb != len(payload):
        msg = f"corrupted block in {where}: validity bitmap has the wrong size"
        raise CorruptBlock(msg)
    bits = np.frombuffer(payload, dtype=np.uint8, count=nb, offset=used)
    return np.unpackbits(bits, count=n).astype(np.bool_)


def decode_numeric(buf: memoryview, where: str, out: np.ndarray) -> np.ndarray | None:
    """Decode a numeric block into ``out`` (its length is the expected row count); return validity."""
    n = len(out)
    enc_id, flags, params, raw_len = _header(buf, where, n, DTYPE_CODES[out.dtype])
    payload = _payload(buf, raw_len, where)
    try:
        used = E.NUMERIC[enc_id].decode(payload, params, out)
    except (ValueError, KeyError, IndexError) as exc:
        msg = f"corrupted block in {where}: {exc}"
        raise CorruptBlock(msg) from None
    return _validity(payload, used, n, flags, where)


def decode_string(buf: memoryview, where: str, n: int) -> tuple[pa.Array, np.ndarray | None, np.ndarray | None]:
    """Decode a string block: (values, codes into values or None for 0..n-1, validity)."""
    enc_id, flags, params, raw_len = _header(buf, where, n, STRING_CODE)
    payload = _payload(buf, raw_len, where)
    try:
        values, codes, used = E.STRING[enc_id].decode(payload, params, n)
    except (ValueError, KeyError, IndexError, pa.ArrowException) as exc:
        msg = f"corrupted block in {where}: {exc}"
        raise CorruptBlock(msg) from None
    return values, codes, _validity(payload, used, n, flags, where)


def block_encoding(buf: bytes | memoryview) -> str:
    """The scheme name recorded in a block's header (for stv_blocklist and tests)."""
    return E.NAMES.get(HEADER.unpack_from(buf, 0)[2], "?")
