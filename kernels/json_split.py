"""Where JSON records start and end in a byte buffer, for COPY ... FORMAT AS JSON.

Redshift accepts objects one after another with or without whitespace between them
(newline-delimited, pretty-printed, or Firehose's ``{...}{...}``).  ``scan_records`` finds
each top-level object by brace depth (outside strings, honouring ``\\`` escapes);
``join_records`` copies the good ones into a buffer with exactly one record per line, the
layout ``pyarrow.json`` parses fast and in parallel (newline-delimited input already has it
and is not copied).  Damage stays in the record it is in: a raw newline inside a string, an
object that starts where a ``,`` was due, or a record longer than the limit ends the broken
record there, and scanning resumes with the next record.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["ARRAY", "MALFORMED", "NOT_OBJECT", "OK", "join_records", "ndjson_lines", "scan_records"]

OK = 0  # a balanced top-level object
MALFORMED = 1  # an object that is cut short or broken (see the module docstring)
NOT_OBJECT = 2  # text at the top level that is not an object (a scalar, garbage)
ARRAY = 3  # a top-level '[': the input is an array, which COPY does not take as rows

_NL = 10
_LBRACE = 123
_RBRACE = 125
_LBRACKET = 91
_RBRACKET = 93
_QUOTE = 34
_BACKSLASH = 92
_COMMA = 44
_COLON = 58


@njit(nogil=True, cache=True)
def _is_space(c):
    return c == 32 or c == 9 or c == 13 or c == 10 or c == 12


@njit(nogil=True, cache=True)
def scan_records(data, final, max_record):
    """Find the JSON records in ``data`` (uint8, starting between records).

    Parameters
    ----------
    final : bool
        True when no more bytes follow: an unfinished object is then a MALFORMED record
        (its first line), not something to carry into the next buffer.
    max_record : int
        Longest record in bytes; a longer one is MALFORMED up to its first newline.

    Returns
    -------
    (starts, ends, lines, flags, consumed, consumed_lines, one_per_line)
        Per record: its byte range in ``data`` (end exclusive), the 0-based line of its
        first byte, and a flag (OK, MALFORMED, NOT_OBJECT, ARRAY; scanning stops at ARRAY).
        ``consumed`` is how many bytes the records cover (an unfinished record starts there
        when not ``final``), ``consumed_lines`` the newlines in ``data[:consumed]``.
        ``one_per_line`` is True when every record is OK and alone on its line(s) and none
        spans lines: then ``data[:consumed]`` is already newline-delimited JSON.

    >>> s, e, l, f, used, nl, simple = scan_records(np.frombuffer(b'{"a":1}{"a":\\n2}\\n7', np.uint8), True, 1 << 20)
    >>> s.tolist(), e.tolist(), l.tolist(), f.tolist(), used, nl, simple
    ([0, 7, 16], [7, 15, 17], [0, 0, 2], [0, 0, 2], 17, 2, False)
    """
    n = len(data)
    # every record starts at a '{' or begins a line, so this bounds their number (arrays
    # that never grow also keep numba from reference-counting them on every byte)
    cap = 2
    for i in range(n):
        c = data[i]
        if c == _LBRACE or c == _NL:
            cap += 1
    starts = np.empty(cap, np.int64)
    ends = np.empty(cap, np.int64)
    lines = np.empty(cap, np.int64)
    flags = np.empty(cap, np.int8)
    nrec = 0
    one_per_line = True
    last_line = -1  # line of the last record's end

    i = 0
    line = 0
    consumed = 0
    consumed_lines = 0
    last_bad_line = -1  # garbage on this line extends the last (bad) record
    while True:
        if i >= n:
            consumed = n
            consumed_lines = line
            break
        c = data[i]
        if c == _NL:
            line += 1
            i += 1
            continue
        if _is_space(c):
            i += 1
            continue
        if c != _LBRACE:
            # not an object: an array (the whole input is one) or garbage up to the line end
            j = i
            while j < n and data[j] != _NL:
                j += 1
            if j >= n and not final:
                consumed = i
                consumed_lines = line
                break
            one_per_line = False
            if nrec > 0 and flags[nrec - 1] != OK and last_bad_line == line and c != _LBRACKET:
                ends[nrec - 1] = j
            else:
                starts[nrec] = i
                ends[nrec] = j
                lines[nrec] = line
                flags[nrec] = ARRAY if c == _LBRACKET else NOT_OBJECT
                nrec += 1
                last_bad_line = line
                if c == _LBRACKET:
                    consumed = j
                    consumed_lines = line
                    break
            i = j
            continue

        # an object starts at i
        rec = i
        rec_line = line
        first_nl = -1
        depth = 0
        last_sig = 0
        flag = OK
        end = -1
        limit = min(n, rec + max_record)
        while i < limit:
            c = data[i]
            if c == _QUOTE:
                # a string: skip to its closing quote
                i += 1
                while i < limit:
                    c = data[i]
                    if c == _QUOTE:
                        break
                    if c == _BACKSLASH:
                        i += 2
                        continue
                    if c == _NL:
                        break
                    i += 1
                if i >= limit:
                    break
                if c == _NL:
                    # a raw newline cannot be inside a JSON string: the record ends here
                    flag = MALFORMED
                    end = i
                    last_bad_line = line + 1
                    break
                last_sig = _QUOTE
                i += 1
                continue
            if c == _LBRACE or c == _LBRACKET:
                if c == _LBRACE and depth > 0 and last_sig != _COLON and last_sig != _COMMA and last_sig != _LBRACKET and last_sig != _LBRACE:
                    # a value where ',' or '}' was due: the next record began inside this one
                    flag = MALFORMED
                    end = i
                    last_bad_line = -1
                    break
                depth += 1
            elif c == _RBRACE or c == _RBRACKET:
                depth -= 1
                if depth == 0:
                    end = i + 1
                    break
            elif c == _NL:
                line += 1
                if first_nl < 0:
                    first_nl = i
                i += 1
                continue
            elif _is_space(c):
                i += 1
                continue
            last_sig = c
            i += 1
        if end < 0:
            # ran out of bytes (or past the limit) before the object closed
            if i >= n and not final and n - rec <= max_record:
                consumed = rec
                consumed_lines = rec_line
                break
            flag = MALFORMED
            end = first_nl if first_nl >= 0 else min(i, n)
            last_bad_line = rec_line
            line = rec_line  # scanning resumes at end, before the first newline
        starts[nrec] = rec
        ends[nrec] = end
        lines[nrec] = rec_line
        flags[nrec] = flag
        nrec += 1
        if flag != OK or rec_line == last_line or line != rec_line:
            one_per_line = False
        last_line = line
        i = end
    return starts[:nrec], ends[:nrec], lines[:nrec], flags[:nrec], consumed, consumed_lines, one_per_line


@njit(nogil=True, cache=True)
def ndjson_lines(data, max_record):
    """The lines of ``data`` when it looks newline-delimited: every line up to the last
    newline starts with ``{``, ends with ``}`` and is at most ``max_record`` bytes.

    A quick look, not a parse (much cheaper than ``scan_records``): a line can pass and
    still not be one valid object, so a caller parses the lines and, when that fails,
    scans the same bytes with ``scan_records``.  Returns ``(starts, ends, cut)``: line k is
    ``data[starts[k]:ends[k]]`` and ``cut`` is the end of the last newline; ``cut`` is -1
    (and no lines) when some line does not pass or there is no newline.

    >>> s, e, cut = ndjson_lines(np.frombuffer(b'{"a":1}\\n{"b":2}\\n{"c"', np.uint8), 1 << 20)
    >>> s.tolist(), e.tolist(), cut
    ([0, 8], [7, 15], 16)
    """
    n = len(data)
    count = 0
    for i in range(n):
        count += data[i] == _NL
    starts = np.empty(count, np.int64)
    ends = np.empty(count, np.int64)
    if count == 0:
        return starts, ends, -1
    k = 0
    s = 0
    for i in range(n):
        if data[i] == _NL:
            if i - s < 2 or i - s > max_record or data[s] != _LBRACE or data[i - 1] != _RBRACE:
                return starts[:0], ends[:0], -1
            starts[k] = s
            ends[k] = i
            k += 1
            s = i + 1
    return starts, ends, s


@njit(nogil=True, cache=True)
def join_records(data, starts, ends, flags, lower_keys):
    """Copy the OK records of ``data`` one per line (newlines in them become spaces).

    With ``lower_keys`` the ASCII letters of top-level keys are lower-cased
    (``'auto ignorecase'``); it may also be a mode: bit 1 lower-cases, bit 2 turns ``.`` in
    top-level keys into ``_`` (the OpenX SerDe's ``dots.in.keys``).  Returns ``(out, offsets)``: OK record ``k`` is
    ``out[offsets[k]:offsets[k + 1] - 1]``.

    >>> d = np.frombuffer(b'{"A":\\n"B"} {"C":{"D":1}}', np.uint8)
    >>> out, offs = join_records(d, np.array([0, 11]), np.array([10, 24]), np.zeros(2, np.int8), True)
    >>> bytes(out), offs.tolist()
    (b'{"a": "B"}\\n{"c":{"D":1}}\\n', [0, 11, 25])
    """
    total = 0
    nok = 0
    for k in range(len(starts)):
        if flags[k] == OK:
            total += ends[k] - starts[k] + 1
            nok += 1
    out = np.empty(total, np.uint8)
    offsets = np.empty(nok + 1, np.int64)
    offsets[0] = 0
    o = 0
    m = 0
    for k in range(len(starts)):
        if flags[k] != OK:
            continue
        s = starts[k]
        e = ends[k]
        if not lower_keys:
            for i in range(s, e):
                c = data[i]
                out[o] = 32 if c == _NL else c
                o += 1
        else:
            depth = 0
            expect_key = False
            i = s
            while i < e:
                c = data[i]
                if c == _QUOTE:
                    key = depth == 1 and expect_key
                    expect_key = False
                    out[o] = c
                    o += 1
                    i += 1
                    while i < e:
                        c = data[i]
                        if c == _QUOTE:
                            break
                        if c == _BACKSLASH and i + 1 < e:
                            out[o] = c
                            out[o + 1] = data[i + 1]
                            o += 2
                            i += 2
                            continue
                        if key:
                            if c >= 65 and c <= 90 and (lower_keys & 1):
                                c = c + 32
                            elif c == 46 and (lower_keys & 2):
                                c = 95
                        out[o] = c
                        o += 1
                        i += 1
                    if i < e:
                        out[o] = c
                        o += 1
                        i += 1
                    continue
                if c == _LBRACE or c == _LBRACKET:
                    depth += 1
                    expect_key = depth == 1
                elif c == _RBRACE or c == _RBRACKET:
                    depth -= 1
                elif c == _COMMA and depth == 1:
                    expect_key = True
                out[o] = 32 if c == _NL else c
                o += 1
                i += 1
        out[o] = _NL
        o += 1
        m += 1
        offsets[m] = o
    return out, offsets
