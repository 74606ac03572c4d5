"""Decoding Parquet column chunks into the engine's arrays: page headers, levels, values.

``loaders.parquet_direct`` reads a column chunk's bytes and decompresses each page with
Arrow's codecs; these kernels do the rest without a Python step per value:

* ``page_headers`` walks the chunk's Thrift-compact page headers (``PageHeader`` of
  parquet-format) and returns one row of ``H_*`` fields a page;
* ``rle_hybrid`` decodes the RLE/bit-packed hybrid encoding: definition levels, string
  codes, and dictionary indices gathered straight into values;
* ``plain_spans``, ``gather_strings`` and ``unpack_bools`` turn
  dictionary indices and PLAIN values into flat arrays.

Every kernel checks its bounds and returns -1 (or a negative count) instead of reading past
its input: the caller then reads the row group with pyarrow, whose error names the problem,
so a malformed file is never decoded into wrong values.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels.unaligned import load8, store8

__all__ = ["H_BODY", "H_COMPRESSED", "H_DEF_ENCODING", "H_DEF_LEN", "H_ENCODING", "H_IS_COMPRESSED", "H_NULLS",
           "H_REP_LEN", "H_SIZE", "H_TYPE", "H_VALUES", "beyond", "flba_to_int64", "gather_strings", "page_headers",
           "plain_spans", "rle_hybrid", "unpack_bools", "warm"]

# page header fields, one column each in ``page_headers``' result
H_TYPE = 0  # 0 DATA_PAGE, 1 INDEX_PAGE, 2 DICTIONARY_PAGE, 3 DATA_PAGE_V2
H_SIZE = 1  # uncompressed size
H_COMPRESSED = 2  # compressed size (bytes of the body in the chunk)
H_BODY = 3  # where the body starts in the chunk
H_VALUES = 4  # values in the page (nulls included)
H_ENCODING = 5  # of the values
H_DEF_ENCODING = 6  # of the definition levels (v1)
H_NULLS = 7  # v2: nulls in the page
H_DEF_LEN = 8  # v2: bytes of definition levels (stored uncompressed)
H_REP_LEN = 9  # v2: bytes of repetition levels
H_IS_COMPRESSED = 10  # v2: whether the values are compressed (default true)
_FIELDS = 11


@njit(nogil=True, cache=True)
def _varint(buf, i, end):
    """(value, next position); position -1 when the varint runs past ``end``."""
    r = np.int64(0)
    shift = np.int64(0)
    while i < end and shift < 64:
        b = np.int64(buf[i])
        i += 1
        r |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return r, i
    return r, -1


@njit(nogil=True, cache=True)
def _zigzag(n):
    return (n >> 1) ^ -(n & 1)


@njit(nogil=True, cache=True)
def _skip_primitive(buf, i, t, end):
    """Position after a value of compact type ``t`` that is not a struct or container; -1
    for an unknown type or a value past ``end``."""
    if t == 1 or t == 2:  # a boolean field's value is in its type
        return i
    if t == 3:
        return i + 1 if i + 1 <= end else -1
    if t == 4 or t == 5 or t == 6:
        _, i = _varint(buf, i, end)
        return i
    if t == 7:
        return i + 8 if i + 8 <= end else -1
    if t == 8:
        n, i = _varint(buf, i, end)
        if i < 0 or n < 0 or i + n > end:
            return -1
        return i + n
    return -1


@njit(nogil=True, cache=True)
def _skip_struct(buf, i, end):
    """Position after a struct whose first field header is at ``i`` (nested structs
    followed by depth; lists of numbers or strings skipped; anything else: -1)."""
    depth = 1
    while depth > 0:
        if i < 0 or i >= end:
            return -1
        h = np.int64(buf[i])
        i += 1
        if h == 0:
            depth -= 1
            continue
        t = h & 0x0F
        if (h >> 4) == 0:  # long form: the field id follows
            _, i = _varint(buf, i, end)
            if i < 0:
                return -1
        if t == 12:
            depth += 1
        elif t == 9 or t == 10:
            if i >= end:
                return -1
            lh = np.int64(buf[i])
            i += 1
            n = lh >> 4
            et = lh & 0x0F
            if n == 15:
                n, i = _varint(buf, i, end)
                if i < 0:
                    return -1
            if et == 1 or et == 2:  # booleans in a list take a byte each
                i += n
            else:
                for _ in range(n):
                    i = _skip_primitive(buf, i, et, end)
                    if i < 0:
                        return -1
        else:
            i = _skip_primitive(buf, i, t, end)
    return i


@njit(nogil=True, cache=True)
def _field(buf, i, end, fid):
    """The next field header of a struct: (compact type, field id, position after it);
    type 0 is the struct's end, position -1 a header past ``end``."""
    if i < 0 or i >= end:
        return 0, fid, -1
    h = np.int64(buf[i])
    i += 1
    if h == 0:
        return 0, fid, i
    d = h >> 4
    if d != 0:
        return h & 0x0F, fid + d, i
    v, i = _varint(buf, i, end)  # long form: the field id follows
    return h & 0x0F, _zigzag(v), i


@njit(nogil=True, cache=True)
def _read_sub(buf, i, end, row, columns):
    """Read the i32/bool fields of a data/dictionary page header struct into ``row`` at the
    ``columns`` given by field id (``columns[id]`` < 0: skipped); position after it or -1."""
    fid = 0
    while True:
        t, fid, i = _field(buf, i, end, fid)
        if i < 0 or t == 0:
            return i
        col = columns[fid] if 0 <= fid < columns.shape[0] else -1
        if t == 12:
            i = _skip_struct(buf, i, end)
        elif t == 9 or t == 10 or t == 11:
            return -1
        elif (t == 4 or t == 5 or t == 6) and col >= 0:
            v, i = _varint(buf, i, end)
            row[col] = _zigzag(v)
        elif (t == 1 or t == 2) and col >= 0:
            row[col] = 1 if t == 1 else 0
        else:
            i = _skip_primitive(buf, i, t, end)


@njit(nogil=True, cache=True)
def page_headers(buf, pages_hint):
    """The page headers of a column chunk (``buf``: its bytes, pages back to back).

    Returns an int64 array of shape (pages, fields) indexed by the ``H_*`` constants, or an
    array of 0 rows and 1 column when a header is malformed or uses Thrift containers the
    page header never holds.  ``pages_hint`` sizes the first allocation.
    """
    end = buf.shape[0]
    out = np.full((max(pages_hint, 4), _FIELDS), -1, np.int64)
    # field id -> column, for DataPageHeader, DictionaryPageHeader and DataPageHeaderV2
    v1 = np.array([-1, H_VALUES, H_ENCODING, H_DEF_ENCODING, -1, -1], np.int64)
    dic = np.array([-1, H_VALUES, H_ENCODING, -1], np.int64)
    v2 = np.array([-1, H_VALUES, H_NULLS, -1, H_ENCODING, H_DEF_LEN, H_REP_LEN, H_IS_COMPRESSED, -1], np.int64)
    bad = np.zeros((0, 1), np.int64)
    n = 0
    i = 0
    while i < end:
        if n == out.shape[0]:
            grown = np.full((2 * n, _FIELDS), -1, np.int64)
            grown[:n] = out
            out = grown
        row = out[n]
        row[H_IS_COMPRESSED] = 1
        fid = 0
        while True:
            t, fid, i = _field(buf, i, end, fid)
            if i < 0:
                return bad
            if t == 0:
                break
            if t == 5 and 1 <= fid <= 3:  # type, uncompressed size, compressed size
                v, i = _varint(buf, i, end)
                row[fid - 1] = _zigzag(v)
            elif t == 12 and fid == 5:
                i = _read_sub(buf, i, end, row, v1)
            elif t == 12 and fid == 7:
                i = _read_sub(buf, i, end, row, dic)
            elif t == 12 and fid == 8:
                i = _read_sub(buf, i, end, row, v2)
            elif t == 12:
                i = _skip_struct(buf, i, end)
            elif t == 9 or t == 10 or t == 11:
                return bad
            else:
                i = _skip_primitive(buf, i, t, end)
            if i < 0:
                return bad
        row[H_BODY] = i
        size = row[H_COMPRESSED]
        if size < 0 or row[H_SIZE] < 0 or i + size > end or row[H_TYPE] < 0:
            return bad
        i += size
        n += 1
    return out[:n]


@njit(nogil=True, cache=True, inline="always")
def _bits(data, i, end, bit, bit_width, mask):
    """The ``bit_width`` bits at bit ``bit`` of the bytes from ``i`` (least significant
    first): five byte loads LLVM merges, and a careful path near ``end``."""
    byte = i + (bit >> 3)
    shift = bit & 7
    if byte + 5 <= end:
        x = (np.int64(data[byte]) | (np.int64(data[byte + 1]) << 8) | (np.int64(data[byte + 2]) << 16)
             | (np.int64(data[byte + 3]) << 24) | (np.int64(data[byte + 4]) << 32))
        return (x >> shift) & mask
    v = np.int64(data[byte]) >> shift
    got = 8 - shift
    b = byte + 1
    while got < bit_width and b < end:
        v |= np.int64(data[b]) << got
        got += 8
        b += 1
    return v & mask


@njit(nogil=True, cache=True)
def rle_hybrid(data, start, end, bit_width, out, pos, count, dictionary, gather):
    """Decode ``count`` values of the RLE/bit-packed hybrid encoding from
    ``data[start:end]`` into ``out[pos:pos + count]``: the values themselves, each below
    ``len(dictionary)``, or with ``gather`` the ``dictionary`` entries they index (a data
    page's dictionary indices turned straight into values).  Returns the position after the
    last run read, or -1 (input too short, a value out of range).  Bit-packed runs hold
    groups of 8 values, least significant bit first; the last group may be padding."""
    if bit_width < 0 or bit_width > 32 or pos + count > out.shape[0]:
        return -1
    limit = dictionary.shape[0]
    mask = (np.int64(1) << bit_width) - 1
    width_bytes = (bit_width + 7) // 8
    i = start
    done = 0
    while done < count:
        header, i = _varint(data, i, end)
        if i < 0 or header < 0 or header > 0xFFFFFFFF or (header >> 1) == 0:  # as Arrow: u32, no empty runs
            return -1
        if header & 1:  # bit-packed: header >> 1 groups of 8 values
            nbytes = (header >> 1) * bit_width
            if i + nbytes > end:
                return -1
            take = min((header >> 1) * 8, count - done)
            o = pos + done
            bit = np.int64(0)
            if bit_width == 0:
                if limit <= 0:
                    return -1
                for k in range(take):
                    out[o + k] = dictionary[0] if gather else 0
            elif gather:
                for k in range(take):
                    v = _bits(data, i, i + nbytes, bit, bit_width, mask)
                    if v >= limit:
                        return -1
                    out[o + k] = dictionary[v]
                    bit += bit_width
            else:
                for k in range(take):
                    v = _bits(data, i, i + nbytes, bit, bit_width, mask)
                    if v >= limit:
                        return -1
                    out[o + k] = v
                    bit += bit_width
            done += take
            i += nbytes
        else:  # a run: header >> 1 copies of one value
            if i + width_bytes > end:
                return -1
            v = np.int64(0)
            for k in range(width_bytes):
                v |= np.int64(data[i + k]) << (8 * k)
            i += width_bytes
            if v >= limit:
                return -1
            take = min(header >> 1, count - done)
            if gather:
                out[pos + done:pos + done + take] = dictionary[v]
            else:
                out[pos + done:pos + done + take] = v
            done += take
    return i


@njit(nogil=True, cache=True)
def plain_spans(data, start, end, count, starts, ends, pos):
    """Where ``count`` PLAIN byte-array values (a 4-byte little-endian length, then the
    bytes) of ``data[start:end]`` lie: ``data[starts[pos + k]:ends[pos + k]]`` is value k.
    Returns the position after the last value or -1."""
    i = start
    for k in range(count):
        if i + 4 > end:
            return -1
        ln = np.int64(data[i]) | (np.int64(data[i + 1]) << 8) | (np.int64(data[i + 2]) << 16) | (np.int64(data[i + 3]) << 24)
        i += 4
        if i + ln > end:
            return -1
        starts[pos + k] = i
        ends[pos + k] = i + ln
        i += ln
    return i


@njit(nogil=True, cache=True)
def gather_strings(data, starts, ends, indices, out):
    """The spans ``data[starts[j]:ends[j]]`` for each j of ``indices``, as Arrow string
    buffers: (int32 offsets, bytes, ok), the bytes written to ``out`` (the caller's buffer,
    8 bytes longer than they need: words are copied whole); not ok when an index is out of
    range or the bytes would not fit ``out`` or 32-bit offsets."""
    total = np.int64(0)
    n = starts.shape[0]
    offsets = np.empty(indices.shape[0] + 1, np.int32)
    for k in range(indices.shape[0]):
        j = indices[k]
        if j < 0 or j >= n:
            return offsets, np.zeros(0, np.uint8), False
        total += ends[j] - starts[j]
    if total >= 2**31 or total + 8 > out.shape[0]:
        return offsets, np.zeros(0, np.uint8), False
    o = 0
    offsets[0] = 0
    limit = data.shape[0] - 8
    for k in range(indices.shape[0]):
        j = indices[k]
        s = starts[j]
        ln = ends[j] - s
        c = 0
        while c < ln and s + c <= limit:  # word by word; the overshoot is overwritten next
            store8(out, o + c, load8(data, s + c))
            c += 8
        while c < ln:  # the buffer's last bytes
            out[o + c] = data[s + c]
            c += 1
        o += ln
        offsets[k + 1] = o
    return offsets, out[:total], True


@njit(nogil=True, cache=True)
def unpack_bools(data, start, end, count, out, pos):
    """``count`` PLAIN booleans (bit-packed, least significant bit first) into ``out``;
    the position after them or -1."""
    if start + (count + 7) // 8 > end:
        return -1
    for k in range(count):
        out[pos + k] = (data[start + (k >> 3)] >> (k & 7)) & 1
    return start + (count + 7) // 8


@njit(nogil=True, cache=True)
def flba_to_int64(data, start, end, count, width, out, pos):
    """``count`` FIXED_LEN_BYTE_ARRAY decimals of ``width`` (1 to 8) bytes each, big-endian
    two's complement, into int64 ``out``; the position after them or -1."""
    if width < 1 or width > 8 or start + count * width > end:
        return -1
    shift = 64 - 8 * width
    i = start
    for k in range(count):
        v = np.int64(0)
        for b in range(width):
            v = (v << 8) | np.int64(data[i + b])
        out[pos + k] = (v << shift) >> shift  # sign-extend
        i += width
    return i


@njit(nogil=True, cache=True)
def beyond(values, bound):
    """Whether some value's magnitude reaches ``bound`` (one pass, no GIL)."""
    for k in range(values.shape[0]):
        v = values[k]
        if v >= bound or v <= -bound:
            return True
    return False


def warm() -> None:
    """Compile (or load from the cache) the signatures ``loaders.parquet_direct`` uses:
    page bytes are read-only views of Arrow buffers, outputs are writable numpy arrays."""
    ro = np.frombuffer(bytes([0x15, 0x00, 0x15, 0x04, 0x15, 0x04, 0x2C, 0x15, 0x02, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06,
                              0x00, 0x00, 0x03, 0x02, 0x01, 0x00]), np.uint8)
    page_headers(ro, 4)
    i32 = np.zeros(8, np.int32)
    i64 = np.zeros(8, np.int64)
    rle_hybrid(ro, 17, ro.shape[0], 1, i32, 0, 2, np.zeros(2, np.int32), False)  # levels
    rle_hybrid(ro, 17, ro.shape[0], 1, i32, 0, 2, np.zeros(2, np.int64), False)  # string codes
    flba_to_int64(ro, 0, 8, 2, 4, i64, 0)
    beyond(i64, 10)
    beyond(i32, 10)
    b = np.zeros(8, np.bool_)
    unpack_bools(ro, 0, 4, 8, b, 0)
    for d in (np.zeros(2, np.int32), np.zeros(2, np.int64), np.zeros(2, np.float32), np.zeros(2, np.float64)):
        rle_hybrid(ro, 17, ro.shape[0], 1, np.zeros(4, d.dtype), 0, 2, d, True)
    starts, ends = np.zeros(2, np.int64), np.zeros(2, np.int64)
    plain_spans(ro, 0, 0, 0, starts, ends, 0)
    gather_strings(ro, starts, ends, i32[:1], np.zeros(16, np.uint8))
    gather_strings(ro, starts, ends, np.zeros(1, np.int64), np.zeros(16, np.uint8))
