"""Civil-date arithmetic over arrays of days (int32/int64) and microseconds (int64).

Days count from 1970-01-01 (proleptic Gregorian), microseconds from 1970-01-01 00:00:00.
Algorithms after Howard Hinnant's ``days_from_civil`` / ``civil_from_days``.
Unit codes for trunc / diff / add: see ``UNIT_*`` constants.
"""

from __future__ import annotations

import numpy as np
from numba import njit

US_PER_DAY = 86_400_000_000

UNIT_MICROSECOND = 0
UNIT_MILLISECOND = 1
UNIT_SECOND = 2
UNIT_MINUTE = 3
UNIT_HOUR = 4
UNIT_DAY = 5
UNIT_WEEK = 6
UNIT_MONTH = 7
UNIT_QUARTER = 8
UNIT_YEAR = 9
UNIT_DECADE = 10
UNIT_CENTURY = 11
UNIT_MILLENNIUM = 12

# extract field codes
F_YEAR = 0
F_MONTH = 1
F_DAY = 2
F_QUARTER = 3
F_DOW = 4
F_DOY = 5
F_HOUR = 6
F_MINUTE = 7
F_SECOND = 8  # integer seconds (fraction handled by the caller)
F_WEEK = 9  # ISO week
F_ISODOW = 10
F_DECADE = 11
F_CENTURY = 12
F_MILLENNIUM = 13
F_ISOYEAR = 14
F_MILLISECOND = 15
F_MICROSECOND = 16


@njit(nogil=True, cache=True)
def civil_from_days(z):
    z = np.int64(z) + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return y, m, d


@njit(nogil=True, cache=True)
def days_from_civil(y, m, d):
    y = np.int64(y)
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    mm = m - 3 if m > 2 else m + 9
    doy = (153 * mm + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit(nogil=True, cache=True)
def is_leap(y):
    return (y % 4 == 0 and y % 100 != 0) or y % 400 == 0


@njit(nogil=True, cache=True)
def days_in_month(y, m):
    if m == 2:
        return 29 if is_leap(y) else 28
    if m == 4 or m == 6 or m == 9 or m == 11:
        return 30
    return 31


@njit(nogil=True, cache=True)
def add_months_one(days, months):
    y, m, d = civil_from_days(days)
    t = y * 12 + (m - 1) + months
    ny = t // 12
    nm = t - ny * 12 + 1
    dim = days_in_month(ny, nm)
    if d > dim:
        d = dim
    return days_from_civil(ny, nm, d)


@njit(nogil=True, cache=True)
def add_months_days(days, months):
    """days + months (clamped to month end); ``months`` has len(days) or 1 entries."""
    n = len(days)
    out = np.empty(n, np.int64)
    step = 1 if len(months) > 1 else 0
    for i in range(n):
        out[i] = add_months_one(days[i], months[i * step])
    return out


@njit(nogil=True, cache=True)
def add_months_us(us, months):
    n = len(us)
    out = np.empty(n, np.int64)
    step = 1 if len(months) > 1 else 0
    for i in range(n):
        t = us[i]
        day = t // US_PER_DAY
        rem = t - day * US_PER_DAY
        out[i] = add_months_one(day, months[i * step]) * US_PER_DAY + rem
    return out


@njit(nogil=True, cache=True)
def ymd_arrays(days):
    n = len(days)
    ys = np.empty(n, np.int64)
    ms = np.empty(n, np.int64)
    ds = np.empty(n, np.int64)
    for i in range(n):
        y, m, d = civil_from_days(days[i])
        ys[i] = y
        ms[i] = m
        ds[i] = d
    return ys, ms, ds


@njit(nogil=True, cache=True)
def _iso_week(day):
    # ISO weekday 1..7 (Mon..Sun); 1970-01-01 was a Thursday
    wd = (day + 3) % 7 + 1
    thursday = day - wd + 4
    y, _, _ = civil_from_days(thursday)
    jan1 = days_from_civil(y, 1, 1)
    return (thursday - jan1) // 7 + 1, y


@njit(nogil=True, cache=True)
def extract_days(days, field):
    """An extract field of each date (days) as int64."""
    n = len(days)
    out = np.empty(n, np.int64)
    for i in range(n):
        z = np.int64(days[i])
        if field == F_DOW:
            out[i] = (z + 4) % 7
            continue
        if field == F_ISODOW:
            out[i] = (z + 3) % 7 + 1
            continue
        if field == F_WEEK:
            w, _ = _iso_week(z)
            out[i] = w
            continue
        if field == F_ISOYEAR:
            _, yy = _iso_week(z)
            out[i] = yy
            continue
        if field >= F_HOUR and field <= F_SECOND or field >= F_MILLISECOND:
            out[i] = 0
            continue
        y, m, d = civil_from_days(z)
        if field == F_YEAR:
            out[i] = y
        elif field == F_MONTH:
            out[i] = m
        elif field == F_DAY:
            out[i] = d
        elif field == F_QUARTER:
            out[i] = (m - 1) // 3 + 1
        elif field == F_DOY:
            out[i] = z - days_from_civil(y, 1, 1) + 1
        elif field == F_DECADE:
            out[i] = y // 10
        elif field == F_CENTURY:
            out[i] = (y + 99) // 100 if y > 0 else -((99 - y) // 100)
        elif field == F_MILLENNIUM:
            out[i] = (y + 999) // 1000 if y > 0 else -((999 - y) // 1000)
        else:
            out[i] = 0
    return out


@njit(nogil=True, cache=True)
def extract_us(us, field):
    """An extract field of each timestamp (microseconds) as int64."""
    n = len(us)
    out = np.empty(n, np.int64)
    one = np.empty(1, np.int64)
    for i in range(n):
        t = us[i]
        day = t // US_PER_DAY
        rem = t - day * US_PER_DAY
        if field == F_HOUR:
            out[i] = rem // 3_600_000_000
        elif field == F_MINUTE:
            out[i] = (rem // 60_000_000) % 60
        elif field == F_SECOND:
            out[i] = (rem // 1_000_000) % 60
        elif field == F_MILLISECOND:
            out[i] = (rem // 1000) % 60000
        elif field == F_MICROSECOND:
            out[i] = rem % 60_000_000
        else:
            one[0] = day
            out[i] = extract_days(one, field)[0]
    return out


@njit(nogil=True, cache=True)
def trunc_day_one(z, unit):
    if unit <= UNIT_DAY:
        return z
    if unit == UNIT_WEEK:
        return z - (z + 3) % 7  # back to Monday
    y, m, d = civil_from_days(z)
    if unit == UNIT_MONTH:
        return days_from_civil(y, m, 1)
    if unit == UNIT_QUARTER:
        return days_from_civil(y, ((m - 1) // 3) * 3 + 1, 1)
    if unit == UNIT_YEAR:
        return days_from_civil(y, 1, 1)
    if unit == UNIT_DECADE:
        return days_from_civil((y // 10) * 10, 1, 1)
    if unit == UNIT_CENTURY:
        c = (y - 1) // 100 if y > 0 else y // 100
        return days_from_civil(c * 100 + 1, 1, 1)
    c = (y - 1) // 1000 if y > 0 else y // 1000
    return days_from_civil(c * 1000 + 1, 1, 1)


@njit(nogil=True, cache=True)
def trunc_days(days, unit):
    n = len(days)
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = trunc_day_one(np.int64(days[i]), unit)
    return out


@njit(nogil=True, cache=True)
def trunc_us(us, unit):
    n = len(us)
    out = np.empty(n, np.int64)
    for i in range(n):
        t = us[i]
        if unit == UNIT_MICROSECOND:
            out[i] = t
        elif unit == UNIT_MILLISECOND:
            out[i] = (t // 1000) * 1000
        elif unit == UNIT_SECOND:
            out[i] = (t // 1_000_000) * 1_000_000
        elif unit == UNIT_MINUTE:
            out[i] = (t // 60_000_000) * 60_000_000
        elif unit == UNIT_HOUR:
            out[i] = (t // 3_600_000_000) * 3_600_000_000
        else:
            out[i] = trunc_day_one(t // US_PER_DAY, unit) * US_PER_DAY
    return out


@njit(nogil=True, cache=True)
def _month_index(day):
    y, m, _ = civil_from_days(day)
    return y * 12 + m - 1


@njit(nogil=True, cache=True)
def datediff_us(a, b, unit):
    """Boundaries of ``unit`` crossed from a to b (timestamps in µs); a, b len n or 1."""
    n = max(len(a), len(b))
    sa = 1 if len(a) > 1 else 0
    sb = 1 if len(b) > 1 else 0
    out = np.empty(n, np.int64)
    for i in range(n):
        x = a[i * sa]
        y = b[i * sb]
        if unit == UNIT_MICROSECOND:
            out[i] = y - x
        elif unit == UNIT_MILLISECOND:
            out[i] = y // 1000 - x // 1000
        elif unit == UNIT_SECOND:
            out[i] = y // 1_000_000 - x // 1_000_000
        elif unit == UNIT_MINUTE:
            out[i] = y // 60_000_000 - x // 60_000_000
        elif unit == UNIT_HOUR:
            out[i] = y // 3_600_000_000 - x // 3_600_000_000
        else:
            dx = x // US_PER_DAY
            dy = y // US_PER_DAY
            if unit == UNIT_DAY:
                out[i] = dy - dx
            elif unit == UNIT_WEEK:
                out[i] = (trunc_day_one(dy, UNIT_WEEK) - trunc_day_one(dx, UNIT_WEEK)) // 7
            else:
                mi = _month_index(dy) - _month_index(dx)
                if unit == UNIT_MONTH:
                    out[i] = mi
                elif unit == UNIT_QUARTER:
                    yx, mx, _ = civil_from_days(dx)
                    yy, my, _ = civil_from_days(dy)
                    out[i] = (yy * 4 + (my - 1) // 3) - (yx * 4 + (mx - 1) // 3)
                else:
                    yx, _, _ = civil_from_days(dx)
                    yy, _, _ = civil_from_days(dy)
                    if unit == UNIT_YEAR:
                        out[i] = yy - yx
                    elif unit == UNIT_DECADE:
                        out[i] = yy // 10 - yx // 10
                    elif unit == UNIT_CENTURY:
                        out[i] = (yy - 1) // 100 - (yx - 1) // 100
                    else:
                        out[i] = (yy - 1) // 1000 - (yx - 1) // 1000
    return out


@njit(nogil=True, cache=True)
def last_day_days(days):
    n = len(days)
    out = np.empty(n, np.int64)
    for i in range(n):
        y, m, _ = civil_from_days(days[i])
        out[i] = days_from_civil(y, m, days_in_month(y, m))
    return out


@njit(nogil=True, cache=True)
def make_days(y, m, d):
    n = len(y)
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = days_from_civil(y[i], m[i], d[i])
    return out
