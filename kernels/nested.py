"""Kernels over JSON text for nested values (Hive array/map/struct carried as JSON).

Values are spans ``data[starts[k]:ends[k]]`` of one UTF-8 buffer (an Arrow string array's
data buffer and offsets).  These kernels walk the JSON without building objects:

- ``json_child``: the span of a child value, by object key (struct field, map key) or by
  array position (0-based; negative counts from the end); ``-1`` where there is none (a
  missing key, an index out of range, a JSON ``null``, or a value of another shape).
- ``json_length``: the number of elements of an array or members of an object; ``-1`` for
  anything else.
- ``lower_object_keys``: lower-case the ASCII letters of the object keys inside the values
  of some top-level keys, at every depth, in place (the JSON SerDe's case-insensitive keys,
  for struct fields and map keys inside nested columns).
- ``json_elements``, ``json_kinds``: every element/member of each value in one pass, and
  each value's JSON kind (for building Arrow arrays from the text, ``loaders.nested``).
- ``unnest_rows``: the output rows of an UNNEST (each input row repeated by its element
  count, with the element's position), for ``warehouse/exec/unnest.py``.

The input is trusted to be JSON (the engine's canonical text); malformed text yields
``-1`` rather than an error.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_QUOTE = 34
_BACKSLASH = 92
_LBRACE = 123
_RBRACE = 125
_LBRACKET = 91
_RBRACKET = 93
_COMMA = 44
_COLON = 58
_NL = 10


@njit(nogil=True, cache=True)
def _space(c):
    return c == 32 or c == 9 or c == 10 or c == 13


@njit(nogil=True, cache=True)
def _skip_space(data, i, e):
    while i < e and _space(data[i]):
        i += 1
    return i


@njit(nogil=True, cache=True)
def _skip_value(data, i, e):
    """The position just past the value starting at ``i`` (``i`` is not a space)."""
    if i >= e:
        return e
    c = data[i]
    if c == _QUOTE:
        i += 1
        while i < e:
            c = data[i]
            if c == _BACKSLASH:
                i += 2
                continue
            if c == _QUOTE:
                return i + 1
            i += 1
        return e
    if c == _LBRACE or c == _LBRACKET:
        depth = 0
        while i < e:
            c = data[i]
            if c == _QUOTE:
                i += 1
                while i < e:
                    c = data[i]
                    if c == _BACKSLASH:
                        i += 2
                        continue
                    if c == _QUOTE:
                        break
                    i += 1
            elif c == _LBRACE or c == _LBRACKET:
                depth += 1
            elif c == _RBRACE or c == _RBRACKET:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return e
    while i < e:
        c = data[i]
        if c == _COMMA or c == _RBRACE or c == _RBRACKET or _space(c):
            return i
        i += 1
    return e


@njit(nogil=True, cache=True)
def _is_null(data, s, e):
    return e - s == 4 and data[s] == 110 and data[s + 1] == 117 and data[s + 2] == 108 and data[s + 3] == 108


@njit(nogil=True, cache=True)
def _count(data, s, e):
    """Elements of the array / members of the object at ``s``; -1 for other values."""
    i = _skip_space(data, s, e)
    if i >= e:
        return -1
    c = data[i]
    if c != _LBRACKET and c != _LBRACE:
        return -1
    obj = c == _LBRACE
    i = _skip_space(data, i + 1, e)
    if i < e and (data[i] == _RBRACKET or data[i] == _RBRACE):
        return 0
    n = 0
    while i < e:
        if obj:
            i = _skip_value(data, i, e)  # the key
            i = _skip_space(data, i, e)
            if i >= e or data[i] != _COLON:
                return -1
            i = _skip_space(data, i + 1, e)
        i = _skip_value(data, i, e)
        n += 1
        i = _skip_space(data, i, e)
        if i >= e:
            return -1
        c = data[i]
        if c == _COMMA:
            i = _skip_space(data, i + 1, e)
            continue
        return n
    return -1


@njit(nogil=True, cache=True)
def json_length(data, starts, ends):
    """Per value: element/member count, -1 when it is not an array or object (or NULL)."""
    n = len(starts)
    out = np.empty(n, np.int64)
    for k in range(n):
        s = starts[k]
        if s < 0:
            out[k] = -1
        else:
            out[k] = _count(data, s, ends[k])
    return out


@njit(nogil=True, cache=True)
def _key_equal(data, ks, ke, kdata, a, b):
    """Whether the key string token data[ks:ke] (quotes included) is kdata[a:b] (its raw
    JSON-escaped text, quotes excluded)."""
    if ke - ks - 2 != b - a:
        return False
    for j in range(b - a):
        if data[ks + 1 + j] != kdata[a + j]:
            return False
    return True


@njit(nogil=True, cache=True)
def json_child(data, starts, ends, by_key, kdata, koffsets, index):
    """Per value ``k``: the span (start, end) of its child; -1 starts where there is none.

    ``by_key``: look up object member ``kdata[koffsets[j]:koffsets[j + 1]]`` (``j`` is ``k``,
    or 0 when ``koffsets`` has two entries: one key for every value; a negative
    ``koffsets[j]`` means a NULL key).  Otherwise take array element ``index[j]`` (0-based,
    negative from the end; ``j`` likewise ``k`` or 0).
    """
    n = len(starts)
    out_s = np.full(n, -1, np.int64)
    out_e = np.full(n, -1, np.int64)
    one_key = len(koffsets) == 2
    one_index = len(index) == 1
    for k in range(n):
        s = starts[k]
        if s < 0:
            continue
        e = ends[k]
        i = _skip_space(data, s, e)
        if i >= e:
            continue
        c = data[i]
        if by_key:
            if c != _LBRACE:
                continue
            j = 0 if one_key else k
            a = koffsets[j]
            b = koffsets[j + 1]
            if a < 0:
                continue
            i = _skip_space(data, i + 1, e)
            if i < e and data[i] == _RBRACE:
                continue
            while i < e:
                ks = i
                ke = _skip_value(data, i, e)
                i = _skip_space(data, ke, e)
                if i >= e or data[i] != _COLON:
                    break
                vs = _skip_space(data, i + 1, e)
                ve = _skip_value(data, vs, e)
                if data[ks] == _QUOTE and _key_equal(data, ks, ke, kdata, a, b):
                    if not _is_null(data, vs, ve):
                        out_s[k] = vs
                        out_e[k] = ve
                    break
                i = _skip_space(data, ve, e)
                if i >= e or data[i] != _COMMA:
                    break
                i = _skip_space(data, i + 1, e)
        else:
            if c != _LBRACKET:
                continue
            want = index[0] if one_index else index[k]
            if want < 0:
                m = _count(data, i, e)
                if m < 0:
                    continue
                want = m + want
                if want < 0:
                    continue
            i = _skip_space(data, i + 1, e)
            if i < e and data[i] == _RBRACKET:
                continue
            pos = 0
            while i < e:
                vs = i
                ve = _skip_value(data, i, e)
                if pos == want:
                    if not _is_null(data, vs, ve):
                        out_s[k] = vs
                        out_e[k] = ve
                    break
                pos += 1
                i = _skip_space(data, ve, e)
                if i >= e or data[i] != _COMMA:
                    break
                i = _skip_space(data, i + 1, e)
    return out_s, out_e


@njit(nogil=True, cache=True)
def gather_spans(data, starts, ends):
    """The spans' bytes, concatenated, and int32 offsets (an Arrow string array's buffers);
    a span with a negative start is empty (the caller marks it NULL)."""
    n = len(starts)
    offsets = np.empty(n + 1, np.int32)
    total = 0
    for k in range(n):
        offsets[k] = total
        if starts[k] >= 0:
            total += ends[k] - starts[k]
    offsets[n] = total
    out = np.empty(total, np.uint8)
    o = 0
    for k in range(n):
        s = starts[k]
        if s >= 0:
            for i in range(s, ends[k]):
                out[o] = data[i]
                o += 1
    return out, offsets


@njit(nogil=True, cache=True)
def _is_listed(buf, a, b, kdata, koffs):
    for j in range(len(koffs) - 1):
        s = koffs[j]
        e = koffs[j + 1]
        if e - s != b - a:
            continue
        same = True
        for m in range(b - a):
            if buf[a + m] != kdata[s + m]:
                same = False
                break
        if same:
            return True
    return False


@njit(nogil=True, cache=True)
def lower_object_keys(buf, kdata, koffs):
    """Lower-case the ASCII letters of the object keys inside the values of the listed
    top-level keys (``kdata[koffs[j]:koffs[j + 1]]``, as the records spell them), at every
    depth, in place; ``buf`` holds records one per line.  Other values (a string column
    holding an object's text) are left as they are.  Deeper than 255 levels keys are left
    as they are."""
    stack = np.zeros(256, np.uint8)  # per depth: 1 an object, 2 an array
    depth = 0
    expect_key = False
    deep = False
    i = 0
    n = len(buf)
    while i < n:
        c = buf[i]
        if c == _QUOTE:
            key = expect_key
            expect_key = False
            lower = key and deep and depth >= 2
            i += 1
            a = i
            while i < n:
                c = buf[i]
                if c == _QUOTE:
                    break
                if c == _BACKSLASH:
                    i += 2
                    continue
                if lower and c >= 65 and c <= 90:
                    buf[i] = c + 32
                i += 1
            if key and depth == 1:
                deep = _is_listed(buf, a, min(i, n), kdata, koffs)
            i += 1
            continue
        if c == _LBRACE or c == _LBRACKET:
            depth += 1
            if depth < 256:
                stack[depth] = 1 if c == _LBRACE else 2
            expect_key = c == _LBRACE and depth < 256
        elif c == _RBRACE or c == _RBRACKET:
            if depth > 0:
                depth -= 1
            expect_key = False
        elif c == _COMMA:
            expect_key = 0 < depth < 256 and stack[depth] == 1
        elif c == _NL:
            depth = 0
            expect_key = False
            deep = False
        i += 1


@njit(nogil=True, cache=True)
def json_elements(data, starts, ends):
    """Every element of each array value (or member of each object value), in one pass:
    ``(owner, value_starts, value_ends, key_starts, key_ends)`` with ``owner[j]`` the index
    of the value element ``j`` belongs to; ``key_*`` are the member's key token (quotes
    included) for objects, -1 for arrays.  Values that are not arrays/objects add nothing."""
    n = len(starts)
    total = 0
    counts = np.zeros(n, np.int64)
    for k in range(n):
        if starts[k] >= 0:
            m = _count(data, starts[k], ends[k])
            if m > 0:
                counts[k] = m
                total += m
    owner = np.empty(total, np.int64)
    vs = np.empty(total, np.int64)
    ve = np.empty(total, np.int64)
    ks = np.full(total, -1, np.int64)
    ke = np.full(total, -1, np.int64)
    j = 0
    for k in range(n):
        if counts[k] == 0:
            continue
        e = ends[k]
        i = _skip_space(data, starts[k], e)
        obj = data[i] == _LBRACE
        i = _skip_space(data, i + 1, e)
        for _ in range(counts[k]):
            if obj:
                ks[j] = i
                i = _skip_value(data, i, e)
                ke[j] = i
                i = _skip_space(data, i, e)
                i = _skip_space(data, i + 1, e)  # past ':'
            owner[j] = k
            vs[j] = i
            i = _skip_value(data, i, e)
            ve[j] = i
            j += 1
            i = _skip_space(data, i, e)
            i = _skip_space(data, i + 1, e)  # past ','
    return owner, vs, ve, ks, ke


@njit(nogil=True, cache=True)
def json_kinds(data, starts, ends):
    """Per value: -1 none (a negative start), 0 JSON null, 1 object, 2 array, 3 string,
    4 number, 5 true/false, 6 anything else."""
    n = len(starts)
    out = np.empty(n, np.int8)
    for k in range(n):
        s = starts[k]
        if s < 0:
            out[k] = -1
            continue
        i = _skip_space(data, s, ends[k])
        if i >= ends[k]:
            out[k] = -1
            continue
        c = data[i]
        if c == _LBRACE:
            out[k] = 1
        elif c == _LBRACKET:
            out[k] = 2
        elif c == _QUOTE:
            out[k] = 3
        elif c == 110:  # n(ull)
            out[k] = 0
        elif c == 116 or c == 102:  # t(rue) f(alse)
            out[k] = 5
        elif c == 45 or (c >= 48 and c <= 57):
            out[k] = 4
        else:
            out[k] = 6
    return out


@njit(nogil=True, cache=True)
def unnest_rows(counts, outer):
    """The rows of an UNNEST: row ``r`` repeated ``counts[r]`` times (once with ordinal -1
    when it has none and ``outer``: LEFT JOIN UNNEST keeps it).  Returns ``(parent,
    ordinal)``: each output row's input row and 0-based element position."""
    n = len(counts)
    total = 0
    for r in range(n):
        c = counts[r]
        if c > 0:
            total += c
        elif outer:
            total += 1
    parent = np.empty(total, np.int64)
    ordinal = np.empty(total, np.int64)
    j = 0
    for r in range(n):
        c = counts[r]
        if c > 0:
            for p in range(c):
                parent[j] = r
                ordinal[j] = p
                j += 1
        elif outer:
            parent[j] = r
            ordinal[j] = -1
            j += 1
    return parent, ordinal
