"""Typed values of chosen top-level keys of flat JSON records, in one pass (the JSON fast path).

``extract_fields`` walks each record (``data[starts[r]:ends[r]]``, one object and optional
whitespace; ``extract_records``: records one after another, found in the same pass) byte by
byte, checking the JSON grammar as it goes.  Wanted keys are matched in place (the one at the
same position in the record before first), and their values are parsed straight into the
column's representation: integers (int64), floats (float64), timestamps
(``YYYY-MM-DD HH:MM:SS[.f...]``, microseconds) and strings (dictionary codes, the distinct
values' byte spans kept, since the engine keeps strings as codes).  Anything it does not
handle exactly as the general path would (an escape, control or non-ASCII character in a
wanted string, a nested or boolean value for a wanted key, a number of another shape than
its column takes, a key seen twice, a timestamp in another form, a float outside the
exactly-rounded fast path, a grammar error anywhere) makes it give up on the whole batch: it
returns the failing record's index and the caller takes the general path
(``loaders.json_reader``), whose rules and messages stay the only ones.  ``gather_spans``
copies spans into Arrow string buffers.

The helpers on the common path are inlined (``inline="always"``) and take no array they do
not need: an array argument of a call that is not inlined costs reference counting on every
call, which was 15% of the kernel.  The rare paths stay calls, which keeps compiling short.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels.dates import days_from_civil

__all__ = ["C_FLOAT", "C_INT", "C_STRING", "C_TIMESTAMP", "count_lines", "extract_fields", "extract_records", "gather_spans", "record_cut"]

C_STRING = 0
C_INT = 1
C_FLOAT = 2
C_TIMESTAMP = 3

_QUOTE = 34
_BACKSLASH = 92

# 10**k for the exactly-rounded (Clinger) float fast path: a mantissa below 2**53 times or
# divided by an exact power of ten up to 1e22 is one correctly rounded IEEE operation (a
# global: numba compiles it in as a constant)
_POW10 = np.array([10.0**k for k in range(23)], np.float64)


@njit(nogil=True, cache=True, inline="always")
def _ws(c):
    return c <= 32 and (c == 32 or c == 9 or c == 10 or c == 13)


@njit(nogil=True, cache=True, inline="always")
def _skip_string(data, p, e):
    """``p`` is just after an opening quote.  Returns (position after the closing quote,
    flags): bit 1 an escape, bit 2 a byte >= 0x80; -1 when the string is not valid JSON
    (control character, bad UTF-8 structure, unterminated)."""
    flags = 0
    while p < e:
        c = data[p]
        if c == _QUOTE:
            return p + 1, flags
        if c == _BACKSLASH:
            flags |= 1
            p += 2
            continue
        if c < 32:
            return -1, flags
        if c >= 128:
            flags |= 2
            if c < 0xC2 or c > 0xF4:
                return -1, flags
            k = 1 if c < 0xE0 else (2 if c < 0xF0 else 3)
            if p + k >= e:
                return -1, flags
            for j in range(1, k + 1):
                if (data[p + j] & 0xC0) != 0x80:
                    return -1, flags
            p += k + 1
            continue
        p += 1
    return -1, flags


@njit(nogil=True, cache=True, inline="always")
def _skip_number(data, p, e):
    """A JSON number at ``p``: (end, kind) with kind 1 integer, 2 with fraction/exponent,
    0 when it is not a valid JSON number."""
    q = p
    if q < e and data[q] == 45:
        q += 1
    if q >= e:
        return q, 0
    c = data[q]
    if c == 48:
        q += 1
    elif 49 <= c <= 57:
        while q < e and 48 <= data[q] <= 57:
            q += 1
    else:
        return q, 0
    kind = 1
    if q < e and data[q] == 46:
        q += 1
        d0 = q
        while q < e and 48 <= data[q] <= 57:
            q += 1
        if q == d0:
            return q, 0
        kind = 2
    if q < e and (data[q] == 101 or data[q] == 69):
        q += 1
        if q < e and (data[q] == 43 or data[q] == 45):
            q += 1
        d0 = q
        while q < e and 48 <= data[q] <= 57:
            q += 1
        if q == d0:
            return q, 0
        kind = 2
    return q, kind


@njit(nogil=True, cache=True)
def _skip_nested(data, p, e):
    """``p`` is at '{' or '['; the position after the matching close, -1 when malformed
    (brackets are matched by depth only; strings inside are skipped properly)."""
    depth = 0
    while p < e:
        c = data[p]
        if c == _QUOTE:
            p, _ = _skip_string(data, p + 1, e)
            if p < 0:
                return -1
            continue
        if c == 123 or c == 91:
            depth += 1
        elif c == 125 or c == 93:
            depth -= 1
            if depth == 0:
                return p + 1
        p += 1
    return -1


@njit(nogil=True, cache=True)
def _parse_int(data, p, q):
    """(value, ok) of an integer token (ok False beyond 18 digits)."""
    neg = data[p] == 45
    if neg:
        p += 1
    if q - p > 18:
        return 0, False
    v = 0
    for j in range(p, q):
        v = v * 10 + (data[j] - 48)
    return (-v if neg else v), True


@njit(nogil=True, cache=True)
def _parse_float(data, p, q):
    """(value, ok) of a number token; ok only where one IEEE operation gives the correctly
    rounded result: the digits as an integer below 2**53, scaled by a power of ten up to 22."""
    neg = data[p] == 45
    if neg:
        p += 1
    m = 0
    digits = 0
    scale = 0
    j = p
    while j < q and 48 <= data[j] <= 57:
        if digits > 0 or data[j] != 48:
            digits += 1
        m = m * 10 + (data[j] - 48)
        j += 1
        if digits > 17:
            return 0.0, False
    if j < q and data[j] == 46:
        j += 1
        while j < q and 48 <= data[j] <= 57:
            if digits > 0 or data[j] != 48:
                digits += 1
            m = m * 10 + (data[j] - 48)
            scale -= 1
            j += 1
            if digits > 17:
                return 0.0, False
    if j < q:  # exponent
        j += 1
        eneg = False
        if data[j] == 45 or data[j] == 43:
            eneg = data[j] == 45
            j += 1
        ev = 0
        while j < q:
            ev = ev * 10 + (data[j] - 48)
            j += 1
            if ev > 1000:
                return 0.0, False
        scale += -ev if eneg else ev
    if m >= 9007199254740992:
        return 0.0, False
    if m == 0:
        return (-0.0 if neg else 0.0), True
    if scale > 22 or scale < -22:
        return 0.0, False
    v = np.float64(m)
    v = v * _POW10[scale] if scale >= 0 else v / _POW10[-scale]
    return (-v if neg else v), True


@njit(nogil=True, cache=True, inline="always")
def _d2(data, i):
    """The two decimal digits at ``i`` as a number, -1 when they are not digits."""
    a = np.int64(data[i]) - 48
    b = np.int64(data[i + 1]) - 48
    if a < 0 or a > 9 or b < 0 or b > 9:
        return -1
    return a * 10 + b


@njit(nogil=True, cache=True, inline="always")
def _parse_ts(data, p, q):
    """(microseconds, ok) of ``YYYY-MM-DD HH:MM:SS`` with an optional ``.f`` of 1-6 digits
    (the span between the quotes); ok False for any other form."""
    k = q - p
    if k < 19 or k == 20 or k > 26:
        return 0, False
    if data[p + 4] != 45 or data[p + 7] != 45 or data[p + 10] != 32 or data[p + 13] != 58 or data[p + 16] != 58:
        return 0, False
    y1 = _d2(data, p)
    y2 = _d2(data, p + 2)
    mo = _d2(data, p + 5)
    d = _d2(data, p + 8)
    hh = _d2(data, p + 11)
    mi = _d2(data, p + 14)
    ss = _d2(data, p + 17)
    if y1 < 0 or y2 < 0 or mo < 1 or mo > 12 or d < 1 or hh < 0 or hh > 23 or mi < 0 or mi > 59 or ss < 0 or ss > 59:
        return 0, False
    y = y1 * 100 + y2
    dim = 31
    if mo == 2:
        dim = 29 if ((y % 4 == 0 and y % 100 != 0) or y % 400 == 0) else 28
    elif mo == 4 or mo == 6 or mo == 9 or mo == 11:
        dim = 30
    if d > dim:
        return 0, False
    frac = 0
    if k > 19:
        if data[p + 19] != 46:
            return 0, False
        for j in range(p + 20, q):
            c = np.int64(data[j]) - 48
            if c < 0 or c > 9:
                return 0, False
            frac = frac * 10 + c
        for _ in range(26 - k):
            frac *= 10
    days = days_from_civil(y, mo, d)
    return np.int64(days) * 86400000000 + ((hh * 60 + mi) * 60 + ss) * np.int64(1000000) + frac, True


@njit(nogil=True, cache=True)
def _extract(data, starts, ends, n, stream, keys, key_offsets, ctypes, lower, max_record):
    """Parse ``n`` records and the values of the wanted keys: ``data[starts[r]:ends[r]]``,
    or with ``stream`` the records of ``data`` one after another (at most ``n``; the last
    element returned is how many), found as they are parsed (one pass over the bytes).

    ``keys[key_offsets[j]:key_offsets[j + 1]]`` is column j's key (lower-case ASCII when
    ``lower``: record keys are then compared ignoring ASCII case), ``ctypes[j]`` its kind
    (C_STRING, C_INT, C_FLOAT, C_TIMESTAMP); a record longer than ``max_record`` bytes is
    not taken (the general path rejects it).

    Returns ``(failed, ints, floats, spans, valid, firsts, ndict)``: ``failed`` is -1 when
    every record was handled, else the index of the first record that was not (the outputs
    are then meaningless).  Column j's values are in the arrays of its kind, in the order of
    the columns of that kind: ``ints`` integers, timestamps and (for strings) dictionary
    codes, 0 where not valid (every column but floats, in order); ``floats`` floats; for
    the k-th string column, ``spans[k, 0/1, code]`` is the byte range of each of its
    ``ndict[k]`` distinct values and ``firsts[k, code]`` the row where it first occurs.
    ``valid[j]`` is False where the key is missing or null.
    """
    ncol = len(ctypes)
    # each column's row in the arrays of its kind (numba's zeros write every byte: only what is used)
    slots = np.zeros(ncol, np.int64)
    sslot = np.zeros(ncol, np.int64)
    nint = 0
    nflt = 0
    nstr = 0
    for j in range(ncol):
        if ctypes[j] == C_FLOAT:
            slots[j] = nflt
            nflt += 1
        else:
            slots[j] = nint  # integers, timestamps and string codes
            nint += 1
        if ctypes[j] == C_STRING:
            sslot[j] = nstr
            nstr += 1
    # np.empty: numba's zeros would write every byte first; a value is written for every
    # record (0 where not valid)
    ints = np.empty((nint, n), np.int64)
    floats = np.empty((nflt, n), np.float64)
    valid = np.zeros((ncol, n), np.bool_)
    seen = np.zeros(ncol, np.bool_)
    # string columns are dictionary-encoded as they are read: the code in ints; each code's
    # value is the byte range spans[k, :, code] (where it first occurs, row firsts[k, code])
    cap = 1024
    while cap < 2 * n:
        cap *= 2
    mask = cap - 1
    table = np.zeros((nstr, cap), np.int32)  # code + 1, 0 = free
    spans = np.empty((nstr, 2, n), np.int64)
    firsts = np.empty((nstr, n), np.int64)
    ndict = np.zeros(nstr, np.int64)
    prime = np.uint64(1099511628211)
    pred = np.full(64, -1, np.int64)  # the column of each key position in the record before
    p = 0
    e = len(data)
    for r in range(n):
        if not stream:
            p = starts[r]
            e = ends[r]
        while p < e and _ws(data[p]):
            p += 1
        if stream and p >= e:
            return -1, ints, floats, spans, valid, firsts, ndict, r  # every record read
        if p >= e or data[p] != 123:
            return r, ints, floats, spans, valid, firsts, ndict, r
        r0 = p
        p += 1
        for j in range(ncol):
            seen[j] = False
        ki = 0  # keys of this record so far
        while p < e and _ws(data[p]):
            p += 1
        if p < e and data[p] == 125:
            p += 1
        else:
            while True:
                # a key
                if p >= e or data[p] != _QUOTE:
                    return r, ints, floats, spans, valid, firsts, ndict, r
                k0 = p + 1
                # wanted keys are matched in place (their bytes are plain ASCII), the one at
                # this position in the record before first; any other key is scanned
                col = -1
                guess = pred[ki] if ki < 64 else -1
                for jj in range(-1, ncol):
                    j = guess if jj < 0 else jj
                    if j < 0 or (jj >= 0 and j == guess):
                        continue
                    a = key_offsets[j]
                    klen = key_offsets[j + 1] - a
                    if k0 + klen >= e or data[k0 + klen] != _QUOTE:
                        continue
                    same = True
                    for t in range(klen):
                        kc = np.int64(data[k0 + t])
                        if lower and 65 <= kc <= 90:
                            kc += 32
                        if kc != keys[a + t]:
                            same = False
                            break
                    if same:
                        col = j
                        p = k0 + klen + 1
                        break
                if col < 0:
                    p, fl = _skip_string(data, k0, e)
                    if p < 0:
                        return r, ints, floats, spans, valid, firsts, ndict, r
                    if fl & 1:
                        # an escaped key might spell a wanted one: the general path decides
                        return r, ints, floats, spans, valid, firsts, ndict, r
                if ki < 64:
                    pred[ki] = col
                ki += 1
                if col >= 0:
                    if seen[col]:
                        return r, ints, floats, spans, valid, firsts, ndict, r
                    seen[col] = True
                while p < e and _ws(data[p]):
                    p += 1
                if p >= e or data[p] != 58:
                    return r, ints, floats, spans, valid, firsts, ndict, r
                p += 1
                while p < e and _ws(data[p]):
                    p += 1
                if p >= e:
                    return r, ints, floats, spans, valid, firsts, ndict, r
                # a value
                c = data[p]
                if c == _QUOTE:
                    v0 = p + 1
                    ct = ctypes[col] if col >= 0 else -1
                    if ct == C_STRING:
                        # scanned and hashed in one go; an escape, a control or non-ASCII
                        # character leaves the batch to the general path
                        sc = sslot[col]
                        h = np.uint64(14695981039346656037)
                        b0 = v0
                        while b0 < e:
                            cc = data[b0]
                            if cc == _QUOTE:
                                break
                            if cc == _BACKSLASH or cc < 32 or cc >= 128:
                                return r, ints, floats, spans, valid, firsts, ndict, r
                            h = (h ^ np.uint64(cc)) * prime
                            b0 += 1
                        if b0 >= e:
                            return r, ints, floats, spans, valid, firsts, ndict, r
                        p = b0 + 1
                        h ^= h >> np.uint64(29)
                        slot = np.int64(h & np.uint64(mask))
                        while True:
                            code1 = table[sc, slot]
                            if code1 == 0:
                                code = ndict[sc]
                                table[sc, slot] = code + 1
                                spans[sc, 0, code] = v0
                                spans[sc, 1, code] = b0
                                firsts[sc, code] = r
                                ndict[sc] = code + 1
                                break
                            fa = spans[sc, 0, code1 - 1]
                            if spans[sc, 1, code1 - 1] - fa == b0 - v0:
                                same = True
                                for t in range(b0 - v0):
                                    if data[fa + t] != data[v0 + t]:
                                        same = False
                                        break
                                if same:
                                    code = code1 - 1
                                    break
                            slot = (slot + 1) & mask
                        ints[slots[col], r] = code
                        valid[col, r] = True
                    elif ct == C_TIMESTAMP:
                        # the usual forms (19 to 26 characters) parse in place: a parse that
                        # succeeds saw only digits and separators up to the closing quote
                        q = v0 + 19
                        while q < e and q < v0 + 26 and data[q] != _QUOTE:
                            q += 1
                        if q >= e or data[q] != _QUOTE:  # longer: to the string's end
                            q, fl = _skip_string(data, v0, e)
                            if q < 0 or fl != 0:
                                return r, ints, floats, spans, valid, firsts, ndict, r
                            q -= 1
                        us, ok = _parse_ts(data, v0, q)
                        if not ok:
                            return r, ints, floats, spans, valid, firsts, ndict, r
                        p = q + 1
                        ints[slots[col], r] = us
                        valid[col, r] = True
                    else:
                        p, fl = _skip_string(data, v0, e)
                        if p < 0 or col >= 0:
                            return r, ints, floats, spans, valid, firsts, ndict, r
                elif c == 45 or (48 <= c <= 57):
                    ct = ctypes[col] if col >= 0 else -1
                    if ct == C_INT or ct == C_FLOAT:
                        # the usual forms, -?digits[.digits], read in one pass; others
                        # (an exponent, many digits) the long way below
                        j = p + 1 if c == 45 else p
                        d0 = j
                        m = 0
                        while j < e and 48 <= data[j] <= 57:
                            m = m * 10 + (np.int64(data[j]) - 48)
                            j += 1
                        nint = j - d0
                        scale = 0
                        if ct == C_FLOAT and nint > 0 and j < e and data[j] == 46:
                            j += 1
                            f0 = j
                            while j < e and 48 <= data[j] <= 57:
                                m = m * 10 + (np.int64(data[j]) - 48)
                                j += 1
                            scale = f0 - j
                            if scale == 0:
                                return r, ints, floats, spans, valid, firsts, ndict, r
                        if nint == 0 or (nint > 1 and data[d0] == 48):
                            return r, ints, floats, spans, valid, firsts, ndict, r  # not a JSON number
                        if (j - d0) <= 15 and not (j < e and (data[j] == 46 or data[j] == 101 or data[j] == 69)):
                            if ct == C_INT:
                                ints[slots[col], r] = -m if c == 45 else m
                            else:
                                fv = np.float64(m)
                                if scale < 0:
                                    fv = fv / _POW10[-scale]
                                floats[slots[col], r] = -fv if c == 45 else fv
                            valid[col, r] = True
                            p = j
                            col = -2  # done
                    q, kind = (p, 1) if col == -2 else _skip_number(data, p, e)
                    if kind == 0:
                        return r, ints, floats, spans, valid, firsts, ndict, r
                    if col >= 0:
                        ct = ctypes[col]
                        if ct == C_INT:
                            if kind != 1:
                                return r, ints, floats, spans, valid, firsts, ndict, r
                            v, ok = _parse_int(data, p, q)
                            if not ok:
                                return r, ints, floats, spans, valid, firsts, ndict, r
                            ints[slots[col], r] = v
                        elif ct == C_FLOAT:
                            f, ok = _parse_float(data, p, q)
                            if not ok:
                                return r, ints, floats, spans, valid, firsts, ndict, r
                            floats[slots[col], r] = f
                        else:
                            return r, ints, floats, spans, valid, firsts, ndict, r
                        valid[col, r] = True
                    p = q
                elif c == 123 or c == 91:
                    if col >= 0:
                        return r, ints, floats, spans, valid, firsts, ndict, r
                    p = _skip_nested(data, p, e)
                    if p < 0:
                        return r, ints, floats, spans, valid, firsts, ndict, r
                elif c == 110:  # null
                    if p + 4 > e or data[p + 1] != 117 or data[p + 2] != 108 or data[p + 3] != 108:
                        return r, ints, floats, spans, valid, firsts, ndict, r
                    p += 4
                elif c == 116:  # true
                    if col >= 0 or p + 4 > e or data[p + 1] != 114 or data[p + 2] != 117 or data[p + 3] != 101:
                        return r, ints, floats, spans, valid, firsts, ndict, r
                    p += 4
                elif c == 102:  # false
                    if col >= 0 or p + 5 > e or data[p + 1] != 97 or data[p + 2] != 108 or data[p + 3] != 115 or data[p + 4] != 101:
                        return r, ints, floats, spans, valid, firsts, ndict, r
                    p += 5
                else:
                    return r, ints, floats, spans, valid, firsts, ndict, r
                while p < e and _ws(data[p]):
                    p += 1
                if p >= e:
                    return r, ints, floats, spans, valid, firsts, ndict, r
                c = data[p]
                p += 1
                if c == 125:
                    break
                if c != 44:
                    return r, ints, floats, spans, valid, firsts, ndict, r
                while p < e and _ws(data[p]):
                    p += 1
        if p - r0 > max_record:
            return r, ints, floats, spans, valid, firsts, ndict, r  # Redshift's limit: rejected
        for j in range(ncol):
            if not valid[j, r]:
                if ctypes[j] == C_FLOAT:
                    floats[slots[j], r] = 0.0
                else:
                    ints[slots[j], r] = 0
        if not stream:
            while p < e and _ws(data[p]):
                p += 1
            if p != e:
                return r, ints, floats, spans, valid, firsts, ndict, r
    if stream:
        while p < e and _ws(data[p]):
            p += 1
        if p != e:  # more records than the capacity: cannot be (each has a '{')
            return n, ints, floats, spans, valid, firsts, ndict, n
    return -1, ints, floats, spans, valid, firsts, ndict, n


@njit(nogil=True, cache=True)
def extract_fields(data, starts, ends, keys, key_offsets, ctypes, lower, max_record):
    """Parse the records ``data[starts[r]:ends[r]]`` and the values of the wanted keys;
    arguments and the returned ``(failed, ints, floats, spans, valid, firsts, ndict)`` as
    in ``_extract``."""
    out = _extract(data, starts, ends, len(starts), False, keys, key_offsets, ctypes, lower, max_record)
    return out[0], out[1], out[2], out[3], out[4], out[5], out[6]


@njit(nogil=True, cache=True)
def extract_records(data, keys, key_offsets, ctypes, lower, max_record):
    """``extract_fields`` over ``data`` holding whole records one after another, separated
    by whitespace or nothing (newline-delimited, concatenated ``{...}{...}``, pretty-printed),
    the records found as they are parsed (one pass, after counting the ``{`` that bound their
    number).  Returns what ``extract_fields`` does and the number of records: the outputs
    have room for more, only the first ``count`` are records."""
    cap = 0
    for i in range(len(data)):
        cap += data[i] == 123
    empty = data[:0].astype(np.int64)
    return _extract(data, empty, empty, cap, True, keys, key_offsets, ctypes, lower, max_record)


@njit(nogil=True, cache=True)
def record_cut(data):
    """Where the last whole record of ``data`` may end: the position of the last ``{`` that
    follows a ``}`` and whitespace (a guess: inside a string it is not a boundary, which the
    parse from the start then finds); 0 when there is none."""
    i = len(data) - 1
    while i > 0:
        if data[i] == 123:
            j = i - 1
            while j >= 0 and (data[j] == 32 or data[j] == 9 or data[j] == 10 or data[j] == 13):
                j -= 1
            if j >= 0 and data[j] == 125:
                return i
        i -= 1
    return 0


@njit(nogil=True, cache=True)
def count_lines(data):
    """(newlines in ``data``, position just after the last one; 0 when none)."""
    count = 0
    for i in range(len(data)):
        count += data[i] == 10
    cut = 0
    for i in range(len(data) - 1, -1, -1):
        if data[i] == 10:
            cut = i + 1
            break
    return count, cut




@njit(nogil=True, cache=True)
def gather_spans(data, lo, hi, valid):
    """Arrow string buffers (int32 offsets, bytes) of the spans ``data[lo[r]:hi[r]]`` (empty
    where not valid)."""
    n = len(lo)
    total = 0
    for r in range(n):
        if valid[r]:
            total += hi[r] - lo[r]
    offsets = np.empty(n + 1, np.int32)
    out = np.empty(total, np.uint8)
    o = 0
    offsets[0] = 0
    for r in range(n):
        if valid[r]:
            for k in range(lo[r], hi[r]):
                out[o] = data[k]
                o += 1
        offsets[r + 1] = o
    return offsets, out


def warm() -> None:
    """Compile (or load from the cache) every signature the JSON fast path uses (writable
    uint8 arrays: ``loaders.json_reader`` copies a read-only piece first).  ``kernels.warmup``
    should call this."""
    keys = np.frombuffer(b"abcd", np.uint8)
    offs = np.array([0, 1, 2, 3, 4], np.int64)
    kinds = np.array([C_STRING, C_INT, C_FLOAT, C_TIMESTAMP], np.int64)
    text = b'{"a":"x","b":1,"c":1.5,"d":"2024-01-01 00:00:00"}\n'
    for data in (np.frombuffer(text, np.uint8).copy(),):
        count_lines(data)
        record_cut(data)
        extract_records(data, keys, offs, kinds, 1, 1 << 22)
        extract_fields(data, np.array([0], np.int64), np.array([len(text) - 1], np.int64), keys, offs, kinds, 1, 1 << 22)
        gather_spans(data, np.array([0], np.int64), np.array([1], np.int64), np.ones(1, np.bool_))
