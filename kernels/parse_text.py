"""Text fields to numbers, decimals, dates and timestamps, straight off Arrow's string buffers.

Every kernel takes an Arrow binary/string column as its ``offsets`` (int32 or int64, n + 1
entries) and ``data`` (uint8) buffers plus ``valid`` (True where a value is present) and
returns the parsed values with an ``ok`` mask: False where the text was present but is not a
valid value, so the caller can reject exactly those rows (and name them) while the rest load.
Surrounding blanks (space, tab, CR) are allowed around numbers and dates, as Redshift's COPY
allows them; an empty or blank field is NULL, so the numeric kernels return a third array,
``present`` (``valid`` without the blank fields).

Decimals are parsed into scaled int64 exactly (no float on the way): digits beyond the scale
are truncated, or rounded half away from zero when ``round_dec`` (COPY's ROUNDEC); a value
whose integer part does not fit ``max_abs`` (10**precision) is not ok.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels.dates import days_from_civil

__all__ = [
    "parse_int64",
    "parse_decimal",
    "parse_date",
    "parse_timestamp",
    "utf8_valid",
    "blank_fields",
]

_SPACE = (32, 9, 13)


@njit(nogil=True, cache=True, inline="always")
def _is_space(c: int) -> bool:
    return c == 32 or c == 9 or c == 13


@njit(nogil=True, cache=True)
def _trim(data, lo, hi):
    while lo < hi and _is_space(data[lo]):
        lo += 1
    while hi > lo and _is_space(data[hi - 1]):
        hi -= 1
    return lo, hi


@njit(nogil=True, cache=True)
def parse_int64(offsets, data, valid):
    """Signed decimal integers; overflow of int64 is not ok."""
    n = len(offsets) - 1
    out = np.zeros(n, np.int64)
    ok = np.ones(n, np.bool_)
    present = valid.copy()
    for i in range(n):
        if not valid[i]:
            continue
        lo, hi = _trim(data, offsets[i], offsets[i + 1])
        if lo == hi:  # an empty or blank field is NULL
            present[i] = False
            continue
        neg = False
        c = data[lo]
        if c == 45 or c == 43:
            neg = c == 45
            lo += 1
        if lo == hi:
            ok[i] = False
            continue
        acc = np.int64(0)
        good = True
        for j in range(lo, hi):
            d = data[j] - 48
            if d < 0 or d > 9:
                good = False
                break
            if acc > (np.int64(9223372036854775807) - d) // 10:
                good = False
                break
            acc = acc * 10 + d
        if not good:
            ok[i] = False
            continue
        out[i] = -acc if neg else acc
    return out, ok, present


@njit(nogil=True, cache=True)
def parse_decimal(offsets, data, valid, scale, max_abs, round_dec):
    """Decimal text (``-12.345``, ``+1.``, ``.5``, ``1e3`` is not accepted) to scaled int64."""
    n = len(offsets) - 1
    out = np.zeros(n, np.int64)
    ok = np.ones(n, np.bool_)
    present = valid.copy()
    limit = np.int64(max_abs)
    for i in range(n):
        if not valid[i]:
            continue
        lo, hi = _trim(data, offsets[i], offsets[i + 1])
        if lo == hi:  # an empty or blank field is NULL
            present[i] = False
            continue
        neg = False
        if lo < hi and (data[lo] == 45 or data[lo] == 43):
            neg = data[lo] == 45
            lo += 1
        acc = np.int64(0)
        digits = 0
        frac = 0
        seen_point = False
        next_digit = -1
        good = True
        for j in range(lo, hi):
            c = data[j]
            if c == 46:
                if seen_point:
                    good = False
                    break
                seen_point = True
                continue
            d = c - 48
            if d < 0 or d > 9:
                good = False
                break
            digits += 1
            if seen_point:
                if frac >= scale:
                    if next_digit < 0:
                        next_digit = d
                    continue
                frac += 1
            if acc > (limit - 1 - d) // 10:
                good = False
                break
            acc = acc * 10 + d
        if not good or digits == 0:
            ok[i] = False
            continue
        while frac < scale:
            if acc > (limit - 1) // 10:
                good = False
                break
            acc *= 10
            frac += 1
        if not good:
            ok[i] = False
            continue
        if round_dec and next_digit >= 5:
            acc += 1
            if acc >= limit:
                ok[i] = False
                continue
        out[i] = -acc if neg else acc
    return out, ok, present


@njit(nogil=True, cache=True)
def _days_in_month(y, m):
    if m == 2:
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        return 29 if leap else 28
    if m == 4 or m == 6 or m == 9 or m == 11:
        return 30
    return 31


@njit(nogil=True, cache=True)
def _digits(data, lo, count):
    v = 0
    for j in range(lo, lo + count):
        d = data[j] - 48
        if d < 0 or d > 9:
            return -1
        v = v * 10 + d
    return v


@njit(nogil=True, cache=True)
def _date_at(data, lo, hi):
    """(days, end) for ``YYYY-MM-DD`` / ``YYYY/MM/DD`` / ``YYYYMMDD`` at lo; end = -1 if bad."""
    if hi - lo >= 10 and (data[lo + 4] == 45 or data[lo + 4] == 47) and data[lo + 7] == data[lo + 4]:
        y = _digits(data, lo, 4)
        m = _digits(data, lo + 5, 2)
        d = _digits(data, lo + 8, 2)
        end = lo + 10
    elif hi - lo >= 8:
        y = _digits(data, lo, 4)
        m = _digits(data, lo + 4, 2)
        d = _digits(data, lo + 6, 2)
        end = lo + 8
    else:
        return 0, -1
    if y < 0 or m < 1 or m > 12 or d < 1 or d > _days_in_month(y, m):
        return 0, -1
    return days_from_civil(y, m, d), end


@njit(nogil=True, cache=True)
def parse_date(offsets, data, valid):
    """ISO dates (``1998-09-02``, ``1998/09/02``, ``19980902``) to days since 1970-01-01."""
    n = len(offsets) - 1
    out = np.zeros(n, np.int32)
    ok = np.ones(n, np.bool_)
    present = valid.copy()
    for i in range(n):
        if not valid[i]:
            continue
        lo, hi = _trim(data, offsets[i], offsets[i + 1])
        if lo == hi:  # an empty or blank field is NULL
            present[i] = False
            continue
        days, end = _date_at(data, lo, hi)
        if end != hi:
            ok[i] = False
            continue
        out[i] = days
    return out, ok, present


@njit(nogil=True, cache=True)
def parse_timestamp(offsets, data, valid):
    """ISO timestamps to microseconds since the epoch (UTC when an offset is given).

    ``YYYY-MM-DD``, then optionally `` `` or ``T`` and ``HH:MI[:SS[.ffffff]]``, then
    optionally ``Z`` or ``+HH[:MM]``/``-HH[:MM]`` (converted to UTC).
    """
    n = len(offsets) - 1
    out = np.zeros(n, np.int64)
    ok = np.ones(n, np.bool_)
    present = valid.copy()
    for i in range(n):
        if not valid[i]:
            continue
        lo, hi = _trim(data, offsets[i], offsets[i + 1])
        if lo == hi:  # an empty or blank field is NULL
            present[i] = False
            continue
        days, p = _date_at(data, lo, hi)
        if p < 0:
            ok[i] = False
            continue
        us = np.int64(days) * 86400000000
        if p < hi and (data[p] == 32 or data[p] == 84):
            p += 1
            if hi - p < 5 or data[p + 2] != 58:
                ok[i] = False
                continue
            hh = _digits(data, p, 2)
            mi = _digits(data, p + 3, 2)
            p += 5
            ss = 0
            frac = 0
            if p < hi and data[p] == 58:
                if hi - p < 3:
                    ok[i] = False
                    continue
                ss = _digits(data, p + 1, 2)
                p += 3
                if p < hi and data[p] == 46:
                    p += 1
                    k = 0
                    while p < hi and 48 <= data[p] <= 57:
                        if k < 6:
                            frac = frac * 10 + (data[p] - 48)
                            k += 1
                        p += 1
                    while k < 6:
                        frac *= 10
                        k += 1
            if hh < 0 or hh > 23 or mi < 0 or mi > 59 or ss < 0 or ss > 60:
                ok[i] = False
                continue
            us += ((hh * 60 + mi) * 60 + ss) * np.int64(1000000) + frac
            if p < hi and data[p] == 90:
                p += 1
            elif p < hi and (data[p] == 43 or data[p] == 45):
                sign = 1 if data[p] == 43 else -1
                p += 1
                if hi - p < 2:
                    ok[i] = False
                    continue
                oh = _digits(data, p, 2)
                p += 2
                om = 0
                if p < hi and data[p] == 58:
                    p += 1
                if hi - p >= 2:
                    om = _digits(data, p, 2)
                    p += 2
                if oh < 0 or om < 0:
                    ok[i] = False
                    continue
                us -= sign * (oh * 60 + om) * np.int64(60000000)
        if p != hi:
            ok[i] = False
            continue
        out[i] = us
    return out, ok, present


@njit(nogil=True, cache=True)
def utf8_valid(offsets, data, valid):
    """Whether each present value is well-formed UTF-8 (no overlongs, no surrogates)."""
    n = len(offsets) - 1
    ok = np.ones(n, np.bool_)
    for i in range(n):
        if not valid[i]:
            continue
        j = offsets[i]
        hi = offsets[i + 1]
        while j < hi:
            c = data[j]
            if c < 0x80:
                j += 1
                continue
            if 0xC2 <= c <= 0xDF:
                need = 1
            elif 0xE0 <= c <= 0xEF:
                need = 2
            elif 0xF0 <= c <= 0xF4:
                need = 3
            else:
                ok[i] = False
                break
            if j + need >= hi:
                ok[i] = False
                break
            c1 = data[j + 1]
            if (c1 & 0xC0) != 0x80 or (c == 0xE0 and c1 < 0xA0) or (c == 0xED and c1 > 0x9F) or (c == 0xF0 and c1 < 0x90) or (c == 0xF4 and c1 > 0x8F):
                ok[i] = False
                break
            bad = False
            for k in range(2, need + 1):
                if (data[j + k] & 0xC0) != 0x80:
                    bad = True
            if bad:
                ok[i] = False
                break
            j += need + 1
    return ok


@njit(nogil=True, cache=True)
def blank_fields(offsets, data, valid):
    """True where a present value is empty or only blanks (space, tab, CR)."""
    n = len(offsets) - 1
    out = np.zeros(n, np.bool_)
    for i in range(n):
        if not valid[i]:
            continue
        lo, hi = _trim(data, offsets[i], offsets[i + 1])
        out[i] = lo == hi
    return out
