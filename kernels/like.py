"""LIKE patterns made of literal text and ``%`` only, matched over Arrow string buffers.

Why: Arrow turns a pattern with more than one ``%`` in the middle (TPC-H Q13's
``'%special%requests%'``) into an RE2 regular expression, about 80 ns a string.  Such a
pattern is a sequence of literal segments to find left to right: the first anchored at the
start unless the pattern begins with ``%``, the last anchored at the end unless it ends with
one, the others found leftmost after the previous match (leftmost is always right for
``%``-only patterns).  Bytes are compared as they are: UTF-8 is self-synchronising, so a
literal found at any byte offset is a match at a character boundary.
"""

import numpy as np
from numba import njit


def split_pattern(pattern: str, escape: str | None) -> tuple[list[bytes], bool, bool, bool] | None:
    """The literal segments of a ``%``-only LIKE pattern, whether it is anchored at the start
    and at the end, and whether it has no ``%`` at all; None when it has ``_`` (any one
    character) or the escape character, which this matcher leaves to the general one."""
    if escape and escape in pattern:
        return None
    segments: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "_":
            return None
        if c == "%":
            segments.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    segments.append("".join(current))
    start, end = segments[0] != "" or len(segments) == 1, segments[-1] != "" or len(segments) == 1
    return [s.encode() for s in segments if s], start, end, len(segments) == 1


@njit(nogil=True, cache=True)
def _find(data, lo, hi, seg, s0, s1):
    """First offset in [lo, hi) where seg[s0:s1] starts, or -1."""
    m = s1 - s0
    first = seg[s0]
    last = hi - m
    p = lo
    while p <= last:
        if data[p] == first:
            k = 1
            while k < m and data[p + k] == seg[s0 + k]:
                k += 1
            if k == m:
                return p
        p += 1
    return -1


@njit(nogil=True, cache=True)
def match_segments(data, offsets, base, n, seg, seg_offsets, anchored_start, anchored_end, exact):
    """For strings ``base .. base+n-1`` of an Arrow string array (``offsets``, ``data``):
    does each match the segments?  ``exact``: the pattern had no ``%`` (whole-string equality)."""
    out = np.empty(n, dtype=np.bool_)
    nseg = seg_offsets.shape[0] - 1
    for r in range(n):
        lo = np.int64(offsets[base + r])
        hi = np.int64(offsets[base + r + 1])
        ok = True
        first = 0
        last = nseg
        if anchored_start and nseg > 0:
            s0, s1 = seg_offsets[0], seg_offsets[1]
            m = s1 - s0
            if hi - lo < m or (exact and hi - lo != m):
                ok = False
            else:
                for k in range(m):
                    if data[lo + k] != seg[s0 + k]:
                        ok = False
                        break
            lo += m
            first = 1
        if ok and anchored_end and last > first:
            s0, s1 = seg_offsets[last - 1], seg_offsets[last]
            m = s1 - s0
            if hi - lo < m:
                ok = False
            else:
                for k in range(m):
                    if data[hi - m + k] != seg[s0 + k]:
                        ok = False
                        break
            hi -= m
            last -= 1
        j = first
        while ok and j < last:
            s0, s1 = seg_offsets[j], seg_offsets[j + 1]
            p = _find(data, lo, hi, seg, s0, s1)
            if p < 0:
                ok = False
            else:
                lo = p + (s1 - s0)
            j += 1
        if ok and exact and nseg == 0:
            ok = hi == lo
        out[r] = ok
    return out


def match_like(strings, segments: list[bytes], start: bool, end: bool, exact: bool) -> np.ndarray:
    """``match_segments`` over a pyarrow string or large_string array (no nulls needed:
    a null entry's result is meaningless and left to the caller's validity)."""
    kind = str(strings.type)
    if kind not in ("string", "large_string"):
        raise TypeError(f"match_like needs a string or large_string array, not {kind}")
    offsets_dtype = np.int64 if kind == "large_string" else np.int32
    bufs = strings.buffers()
    offsets = np.frombuffer(bufs[1], offsets_dtype)
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None and bufs[2].size else np.zeros(1, np.uint8)
    seg = np.frombuffer(b"".join(segments) or b"\0", np.uint8)
    seg_offsets = np.zeros(len(segments) + 1, np.int64)
    np.cumsum([len(x) for x in segments], out=seg_offsets[1:])
    return match_segments(data, offsets, np.int64(strings.offset), np.int64(len(strings)), seg, seg_offsets, start, end, exact)
