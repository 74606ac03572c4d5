"""Athena partition projection: an external table's partitions computed from TBLPROPERTIES
instead of registered (``MSCK REPAIR``/``ALTER TABLE ADD PARTITION``).

::

    TBLPROPERTIES ('projection.enabled' = 'true',
                   'projection.dt.type' = 'date', 'projection.dt.range' = 'NOW-3YEARS,NOW',
                   'projection.dt.format' = 'yyyy/MM/dd/HH', 'projection.dt.interval' = '1',
                   'projection.dt.interval.unit' = 'HOURS',
                   'storage.location.template' = 's3://bucket/prefix/${dt}/')

Column types: ``date`` (``.range`` 'start,end' in ``.format`` or ``NOW[+-N UNIT]``,
``.interval`` (default 1), ``.interval.unit`` (default: the format's finest field; YEARS ...
SECONDS, MILLIS)), ``integer`` (``.range`` 'a,b', ``.interval``, ``.digits``), ``enum``
(``.values``) and ``injected`` (values come from the query's ``col = 'v'`` / ``IN``
conditions only).  Without ``storage.location.template`` a partition's location is
``<LOCATION>/k=v/...``.

``.format`` is a Java DateTimeFormatter pattern (``DateFormat``): ``y``/``u`` (``yy``: 20xx),
``M``/``L`` (``MMM`` Jan, ``MMMM`` January), ``d``, ``D`` (day of year), ``H``, ``k``, ``h``/``K``
with ``a``, ``m``, ``s``, ``S``... (fraction), ``E`` (day name), the zero offsets ``X``/``x``/``Z``
(partitions are UTC) and quoted literals; other fields (weeks, quarters, eras, zone names)
are refused at CREATE, and so is an epoch "format" (no DateTimeFormatter field spells Unix
time: Athena users project epoch layouts with the ``integer`` type and ``.interval`` 3600 or
86400, whose fixed-width values also bound string comparisons here).

The planner hands every WHERE conjunct over partition columns to ``ExternalScan``
(``exec.external_scan.prune_partitions``); ``candidates`` then enumerates each column's
values only within the bounds those conjuncts give (comparisons with constants), evaluates
the conjuncts over the values, and refuses more than ``PROJECTION_LIMIT`` candidates (as
Athena's HIVE_EXCEEDED_PARTITION_LIMIT does).  The scan reads only the candidate locations
that hold objects (one listing of their common prefix).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from dataclasses import dataclass

from warehouse.errors import DataError, NotSupportedError, ProgrammingError

__all__ = ["PROJECTION_LIMIT", "Projection", "candidates", "domain_size", "projection_of"]

PROJECTION_LIMIT = 1_000_000  # candidate partitions one query may enumerate (Athena's limit)

_UNITS = ("YEARS", "MONTHS", "WEEKS", "DAYS", "HOURS", "MINUTES", "SECONDS", "MILLISECONDS")
_UNIT_ALIASES = {"MILLIS": "MILLISECONDS"}  # Athena's interval.unit names ChronoUnit's serialized form
_FINE = ["YEARS", "MONTHS", "DAYS", "HOURS", "MINUTES", "SECONDS", "MILLISECONDS"]  # coarse to fine
_NOW = re.compile(r"^\s*NOW\s*(?:([+-])\s*(\d+)\s*([A-Z]+?)S?)?\s*$", re.IGNORECASE)
_EPOCH = re.compile(r"^\s*(epoch|unix|unixtime|epoch_?s(ec(ond)?s?)?|epoch_?millis?(econds)?|epochmilli|epochsecs?|epochmillisecs?)\s*$", re.IGNORECASE)
_SUPPORTED = "y u M L d D H k h K a m s S E and the zero offsets X x Z"


@dataclass(frozen=True)
class _Field:
    """One Java DateTimeFormatter field: how it reads (regex), renders (strftime code, or ''
    for our own), what it sets (``key``) and its unit; ``rank``: its place when the pattern
    sorts as text (fixed-width numbers, coarsest first), None when it never does."""

    regex: str
    strf: str
    key: str
    unit: str | None
    width: int = 0  # zero padding for our own rendering
    rank: int | None = None


@functools.lru_cache(maxsize=256)
def _field(letter: str, n: int, pattern: str) -> _Field:
    """The field ``letter`` repeated ``n`` times, or a NotSupportedError naming it."""
    num = lambda key, unit, lo, hi, strf, rank=None: _Field(  # noqa: E731
        rf"\d{{{lo},{hi}}}" if lo != hi else rf"\d{{{lo}}}", strf, key, unit, lo, rank)
    if letter in "yu":
        if n == 2:
            return num("year2", "YEARS", 2, 2, "%y")
        if n == 4:
            return num("year", "YEARS", 4, 4, "%Y", 0)
        return num("year", "YEARS", n, 9, "%Y" if n < 4 else "")  # at least n digits
    if letter in "ML":
        if n == 1:
            return num("month", "MONTHS", 1, 2, "")
        if n == 2:
            return num("month", "MONTHS", 2, 2, "%m", 1)
        return _Field("[A-Za-z]{3}" if n == 3 else "[A-Za-z]+", "%b" if n == 3 else "%B", "monthname", "MONTHS")
    if letter == "d" and n <= 2:
        return num("day", "DAYS", n, 2, "" if n == 1 else "%d", None if n == 1 else 2)
    if letter == "D" and n <= 3:
        return num("doy", "DAYS", n, 3, "%j" if n == 3 else "")
    if letter in "HkKh" and n <= 2:
        key = {"H": "hour", "k": "hour24", "K": "hour11", "h": "hour12"}[letter]
        strf = {"H": "%H", "h": "%I"}.get(letter, "") if n == 2 else ""
        return num(key, "HOURS", n, 2, strf, 3 if letter == "H" and n == 2 else None)
    if letter == "a" and n == 1:
        return _Field("[AaPp][Mm]", "%p", "ampm", None)
    if letter == "m" and n <= 2:
        return num("minute", "MINUTES", n, 2, "%M" if n == 2 else "", 4 if n == 2 else None)
    if letter == "s" and n <= 2:
        return num("second", "SECONDS", n, 2, "%S" if n == 2 else "", 5 if n == 2 else None)
    if letter == "S" and n <= 9:
        return num(f"fraction{n}", "MILLISECONDS", n, n, "", 6)
    if letter == "E" and n <= 4:
        return _Field("[A-Za-z]{3}" if n < 4 else "[A-Za-z]+", "%a" if n < 4 else "%A", "dow", None)
    # zero offsets: partitions are UTC, so an offset field is the constant UTC spells
    zone = {("X", 1): "Z", ("X", 2): "Z", ("X", 3): "Z", ("x", 1): "+00", ("x", 2): "+0000", ("x", 3): "+00:00",
            ("Z", 1): "+0000", ("Z", 2): "+0000", ("Z", 3): "+0000", ("Z", 5): "Z"}.get((letter, n))
    if zone is not None:
        return _Field(re.escape(zone), zone, "zone", None)
    msg = (f"partition projection format {pattern!r}: field {letter * n!r} is not supported "
           f"(Java DateTimeFormatter fields {_SUPPORTED})")
    raise NotSupportedError(msg)


@dataclass(frozen=True)
class DateFormat:
    """A Java date pattern (``yyyy/MM/dd/HH``) as tokens: fields or literal text."""

    pattern: str
    tokens: tuple[tuple[bool, str], ...]  # (is a field, letters or literal text)

    @staticmethod
    def parse(pattern: str) -> DateFormat:
        if _EPOCH.match(pattern):
            msg = (f"partition projection format {pattern!r}: Unix epoch values are not a Java date pattern, so the date "
                   f"type cannot project them (as in Athena); use 'projection.<col>.type' = 'integer' with "
                   f"'.range' = '<first>,<last>' in epoch units and '.interval' = '3600' (hours) or '86400' (days)")
            raise NotSupportedError(msg)
        tokens: list[tuple[bool, str]] = []
        i = 0
        while i < len(pattern):
            ch = pattern[i]
            if ch == "'":
                j = pattern.find("'", i + 1)
                j = len(pattern) if j < 0 else j
                tokens.append((False, pattern[i + 1 : j] or "'"))
                i = j + 1
                continue
            if ch.isalpha():
                j = i
                while j < len(pattern) and pattern[j] == ch:
                    j += 1
                _field(ch, j - i, pattern)  # refuses an unsupported field now
                tokens.append((True, pattern[i:j]))
                i = j
                continue
            tokens.append((False, ch))
            i += 1
        fields = [_field(t[0], len(t), pattern) for f, t in tokens if f]
        if not any(f.unit for f in fields):
            msg = f"partition projection format {pattern!r} has no date or time field"
            raise NotSupportedError(msg)
        if any(f.key in ("hour12", "hour11") for f in fields) != any(f.key == "ampm" for f in fields):
            msg = f"partition projection format {pattern!r}: 'h'/'K' (hour of AM/PM) and 'a' (AM/PM) go together"
            raise NotSupportedError(msg)
        return DateFormat(pattern, tuple(tokens))

    def _fields(self, n: int | None = None) -> list[_Field]:
        return [_field(t[0], len(t), self.pattern) for f, t in self.tokens[:n] if f]

    @property
    def unit(self) -> str:
        """The finest field's unit (the default interval unit)."""
        units = [f.unit for f in self._fields() if f.unit]
        return max(units, key=_FINE.index) if units else "DAYS"

    @property
    def sortable(self) -> bool:
        """Whether text order is time order (fixed-width numbers, coarsest first, from a
        four-digit year)."""
        ranks = [f.rank for f in self._fields()]
        return bool(ranks) and None not in ranks and ranks == sorted(ranks) and len(set(ranks)) == len(ranks) and ranks[0] == 0

    @property
    def strftime(self) -> str:
        """One strftime pattern for the whole format, or '' when a field has none."""
        strf = self.__dict__.get("_strf")
        if strf is None:
            parts = []
            for is_field, text in self.tokens:
                code = _field(text[0], len(text), self.pattern).strf if is_field else text.replace("%", "%%")
                if is_field and not code:
                    parts = None
                    break
                parts.append(code)
            strf = "".join(parts) if parts is not None else ""
            object.__setattr__(self, "_strf", strf)
        return strf

    def format(self, t: dt.datetime) -> str:
        strf = self.strftime
        if strf:
            return t.strftime(strf)
        out = []
        for is_field, text in self.tokens:
            if not is_field:
                out.append(text)
                continue
            f = _field(text[0], len(text), self.pattern)
            if f.strf:
                out.append(t.strftime(f.strf))
            elif f.key == "year":
                out.append(str(t.year).zfill(f.width))
            elif f.key.startswith("fraction"):
                out.append(f"{t.microsecond:06d}{'0' * 3}"[: int(f.key[8:])])
            else:
                value = {"month": t.month, "day": t.day, "doy": t.timetuple().tm_yday, "hour": t.hour, "hour24": t.hour or 24,
                         "hour11": t.hour % 12, "hour12": t.hour % 12 or 12, "minute": t.minute, "second": t.second}[f.key]
                out.append(str(value).zfill(f.width))
        return "".join(out)

    def parse_text(self, text: str) -> dt.datetime | None:
        """The time ``text`` spells in this format (None if it does not)."""
        return self._parse(text, len(self.tokens))

    def parse_prefix(self, text: str) -> tuple[dt.datetime, str] | None:
        """The time a leading part of the pattern spells in ``text`` (``'2024/03'`` of
        ``yyyy/MM/dd``) and that part's finest unit."""
        for n in range(len(self.tokens), 0, -1):
            t = self._parse(text, n)
            if t is not None:
                return t, DateFormat(self.pattern, self.tokens[:n]).unit
        return None

    def _parse(self, text: str, n: int) -> dt.datetime | None:
        fields = self._fields(n)
        if not any(f.unit for f in fields):
            return None
        it = iter(fields)
        rx = "".join(f"({next(it).regex})" if f else re.escape(t) for f, t in self.tokens[:n])
        m = re.fullmatch(rx, text)
        if m is None:
            return None
        parts = {"year": 1970, "month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "micro": 0}
        doy = pm = h12 = None
        for f, value in zip(fields, m.groups()):
            k = f.key
            if k == "year2":
                parts["year"] = 2000 + int(value)
            elif k == "monthname":
                names = [x.lower() for x in (_MONTHS if len(value) > 3 else _MONTHS3)]
                if value.lower() not in names:
                    return None
                parts["month"] = names.index(value.lower()) + 1
            elif k == "doy":
                doy = int(value)
            elif k == "hour24":
                parts["hour"] = int(value) % 24
            elif k in ("hour12", "hour11"):
                h12 = int(value) % 12
            elif k == "ampm":
                pm = value.lower() == "pm"
            elif k.startswith("fraction"):
                parts["micro"] = int((value + "000000")[:6])
            elif k in parts:
                parts[k] = int(value)
        if h12 is not None:
            parts["hour"] = h12 + (12 if pm else 0)
        try:
            t = dt.datetime(parts["year"], parts["month"], parts["day"], parts["hour"], parts["minute"], parts["second"], parts["micro"])
            if doy is not None:
                t = t.replace(month=1, day=1) + dt.timedelta(days=doy - 1)
                if t.year != parts["year"]:
                    return None
        except (ValueError, OverflowError):
            return None
        return t


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_MONTHS3 = [m[:3] for m in _MONTHS]


@dataclass(frozen=True)
class Projection:
    """One partition column's projection."""

    name: str
    kind: str  # date, integer, enum, injected
    range: tuple[str, str] = ("", "")
    fmt: DateFormat | None = None
    interval: int = 1
    unit: str = "DAYS"
    digits: int = 0
    values: tuple[str, ...] = ()


def projection_of(d) -> tuple[list[Projection], str] | None:  # noqa: ANN001 - ExternalTableDef
    """The table's projections (partition-column order) and location template, or None when
    ``projection.enabled`` is not 'true'.  A bad setting is a ProgrammingError (42601)."""
    tp = {k.lower(): v for k, v in d.table_properties.items()}
    if tp.get("projection.enabled", "false").strip().lower() != "true" or not d.partition_columns:
        return None
    out = []
    for c in d.partition_columns:
        p = f"projection.{c.name}."
        kind = tp.get(p + "type", "").strip().lower()

        def need(key: str, p: str = p, c=c, kind=kind) -> str:  # noqa: ANN001
            v = tp.get(p + key)
            if v is None or not v.strip():
                msg = f"partition projection: {kind} column {c.name!r} needs '{p}{key}'"
                raise ProgrammingError(msg, sqlstate="42601")
            return v.strip()

        if kind == "date":
            fmt = DateFormat.parse(need("format"))
            lo, _, hi = need("range").partition(",")
            unit = tp.get(p + "interval.unit", fmt.unit).strip().upper()
            unit = _UNIT_ALIASES.get(unit, unit)
            if unit not in _UNITS:
                msg = f"partition projection: '{p}interval.unit' {unit!r} is not one of {', '.join(_UNITS)}"
                raise ProgrammingError(msg, sqlstate="42601")
            proj = Projection(c.name, kind, (lo.strip(), hi.strip()), fmt, _int(tp.get(p + "interval", "1"), p + "interval"), unit)
            for end in proj.range:
                _date_bound(proj, end, dt.datetime(2000, 1, 1))  # fails now on a bad range
        elif kind == "integer":
            lo, _, hi = need("range").partition(",")
            proj = Projection(c.name, kind, (lo.strip(), hi.strip()), None, _int(tp.get(p + "interval", "1"), p + "interval"),
                              digits=_int(tp.get(p + "digits", "0"), p + "digits", 0))
            _int(proj.range[0], p + "range")
            _int(proj.range[1], p + "range")
        elif kind == "enum":
            proj = Projection(c.name, kind, values=tuple(v.strip() for v in need("values").split(",")))
        elif kind == "injected":
            proj = Projection(c.name, kind)
        else:
            msg = f"partition projection: '{p}type' must be date, integer, enum or injected (got {kind or 'nothing'!r})"
            raise ProgrammingError(msg, sqlstate="42601")
        out.append(proj)
    template = tp.get("storage.location.template")
    if template is None:
        base = d.location.rstrip("/")
        template = base + "/" + "/".join(f"{c.name}=${{{c.name}}}" for c in d.partition_columns) + "/"
    for c in d.partition_columns:
        if "${" + c.name + "}" not in template:
            msg = f"partition projection: 'storage.location.template' must contain ${{{c.name}}}"
            raise ProgrammingError(msg, sqlstate="42601")
    return out, template


def _int(text: str, key: str, minimum: int = 1) -> int:
    try:
        v = int(text.strip())
    except ValueError:
        v = None
    if v is None or (key.endswith(("interval", "digits")) and v < minimum):
        msg = f"partition projection: '{key}' must be an integer, not {text!r}"
        raise ProgrammingError(msg, sqlstate="42601")
    return v


def _add(t: dt.datetime, n: int, unit: str) -> dt.datetime:
    if unit in ("YEARS", "MONTHS"):
        months = t.year * 12 + t.month - 1 + n * (12 if unit == "YEARS" else 1)
        year, month = divmod(months, 12)
        day = min(t.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month])
        return t.replace(year=year, month=month + 1, day=day)
    return t + n * _STEP[unit]


_STEP = {"WEEKS": dt.timedelta(weeks=1), "DAYS": dt.timedelta(days=1), "HOURS": dt.timedelta(hours=1),
         "MINUTES": dt.timedelta(minutes=1), "SECONDS": dt.timedelta(seconds=1), "MILLISECONDS": dt.timedelta(milliseconds=1)}


def _date_bound(p: Projection, text: str, now: dt.datetime) -> dt.datetime:
    """One end of a date range: text in the format, or ``NOW[+-N UNIT]`` (UTC), truncated to
    the format's precision."""
    assert p.fmt is not None
    m = _NOW.match(text)
    if m:
        t = now
        if m.group(1):
            unit = m.group(3).upper() + "S"
            if unit not in _UNITS:
                msg = f"partition projection: range {text!r}: unit {m.group(3)!r} is not one of {', '.join(_UNITS)}"
                raise ProgrammingError(msg, sqlstate="42601")
            t = _add(t, int(m.group(2)) * (1 if m.group(1) == "+" else -1), unit)
        return p.fmt.parse_text(p.fmt.format(t)) or t
    t = p.fmt.parse_text(text)
    if t is None:
        msg = f"partition projection: range value {text!r} of column {p.name!r} is neither NOW[+-N UNIT] nor in format {p.fmt.pattern!r}"
        raise ProgrammingError(msg, sqlstate="42601")
    return t


def _steps_between(a: dt.datetime, b: dt.datetime, p: Projection) -> int:
    """Whole intervals from ``a`` to ``b`` (b >= a), rounded down."""
    if p.unit in ("YEARS", "MONTHS"):
        months = (b.year - a.year) * 12 + b.month - a.month
        if _add(a, months, "MONTHS") > b:
            months -= 1
        n = months // (12 if p.unit == "YEARS" else 1)
    else:
        n = int((b - a) // _STEP[p.unit])
    return max(n // p.interval, 0)


# ----- values -----------------------------------------------------------------------------------
class _Values:
    """A column's candidate values: (value as the partition column reads it, text for the
    location template)."""

    def __init__(self, pairs: list[tuple[str, str]], total: int) -> None:
        self.pairs = pairs
        self.total = total  # the column's whole domain (EXPLAIN's n)


def _date_values(p: Projection, sql_type, bounds, now: dt.datetime, table: str) -> _Values:  # noqa: ANN001
    start, end = (_date_bound(p, x, now) for x in p.range)
    total = _steps_between(start, end, p) + 1 if end >= start else 0
    first, last = 0, total - 1
    lo, hi = bounds if bounds is not None else (None, None)
    if lo is not None and lo > start:
        first = _steps_between(start, lo, p)
    if hi is not None and hi < end:
        last = _steps_between(start, hi, p) if hi >= start else -1
    count = last - first + 1
    _check_limit(count, table, p.name)
    st = str(sql_type).lower()
    strf = p.fmt.strftime  # type: ignore[union-attr]
    if strf and p.unit not in ("YEARS", "MONTHS", "MILLISECONDS") and count > 0:
        # fixed steps: numpy times, formatted by Arrow (about 20x faster than strftime per value)
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        step = np.timedelta64(int(_STEP[p.unit].total_seconds()) * p.interval, "s")
        times = pa.array(np.datetime64(start.replace(microsecond=0), "s") + step * np.arange(first, last + 1))
        texts = pc.strftime(times, format=strf).to_pylist()
        if st == "date":
            values = pc.strftime(times, format="%Y-%m-%d").to_pylist()
        elif st.startswith("timestamp"):
            values = pc.strftime(times, format="%Y-%m-%d %H:%M:%S").to_pylist()
        else:
            values = texts
        return _Values(list(zip(values, texts)), total)
    pairs = []
    for k in range(first, last + 1):
        t = _add(start, k * p.interval, p.unit)
        text = p.fmt.format(t)  # type: ignore[union-attr]
        if st == "date":
            value = t.date().isoformat()
        elif st.startswith("timestamp"):
            value = t.isoformat(sep=" ")
        else:
            value = text
        pairs.append((value, text))
    return _Values(pairs, total)


def _check_limit(count: int, table: str, column: str | None = None) -> None:
    if count > PROJECTION_LIMIT:
        where = f" (column {column!r})" if column else ""
        msg = (f'external table "{table}": partition projection would enumerate {count} partitions{where}, more than the '
               f"limit of {PROJECTION_LIMIT}: narrow the query with a WHERE condition on the partition columns "
               f"(HIVE_EXCEEDED_PARTITION_LIMIT)")
        raise DataError(msg, sqlstate="54000")


def domain_size(d) -> int:  # noqa: ANN001 - ExternalTableDef
    """How many partitions the projection describes without any condition (0 with an
    injected column: unknown)."""
    got = projection_of(d)
    if got is None:
        return 0
    total = 1
    now = _now()
    for p in got[0]:
        if p.kind == "injected":
            return 0
        if p.kind == "enum":
            total *= len(p.values)
        elif p.kind == "integer":
            lo, hi = int(p.range[0]), int(p.range[1])
            total *= max((hi - lo) // p.interval + 1, 0)
        else:
            start, end = (_date_bound(p, x, now) for x in p.range)
            total *= _steps_between(start, end, p) + 1 if end >= start else 0
    return total


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def candidates(d, filters: list) -> list[tuple[tuple[str, ...], str]]:  # noqa: ANN001
    """The (values, location) pairs of the projected partitions where every conjunct of
    ``filters`` (``(predicate, {index: partition column})`` pairs, from the planner) holds."""
    from warehouse.exec.evaluate import evaluate_predicate
    from warehouse.exec.external_scan import _partition_array
    from warehouse.vector import Batch, vector_from_arrow
    import pyarrow as pa

    projections, template = projection_of(d)  # type: ignore[misc]
    columns = {c.name: c for c in d.partition_columns}
    table = f"{d.schema}.{d.name}"
    now = _now()

    def keep(preds: list, names: list[str], rows: list[tuple[str, ...]]) -> list[bool]:
        """Which rows (values of ``names``) every predicate accepts."""
        mask = [True] * len(rows)
        for pred, used in preds:
            width = max(used) + 1
            cols: list = [None] * width
            for i, name in used.items():
                k = names.index(name)
                arr = pa.array([r[k] for r in rows], pa.string())
                cols[i] = vector_from_arrow(_partition_array(columns[name], arr), _type_of(pred, i))
            got = evaluate_predicate(pred, Batch(cols, len(rows)))
            mask = [a and bool(b) for a, b in zip(mask, got)]
        return mask

    per_column: list[list[tuple[str, str]]] = []
    for p in projections:
        mine = [(pred, used) for pred, used in filters if set(used.values()) == {p.name}]
        c = columns[p.name]
        if p.kind == "enum":
            pairs = [(v, v) for v in p.values]
        elif p.kind == "integer":
            lo, hi = int(p.range[0]), int(p.range[1])
            b = _merge([_bounds(pred, _int_point(c, p)) for pred, _ in mine])
            first, last = 0, (hi - lo) // p.interval
            if b is not None and b[0] is not None and b[0] > lo:
                first = -(-(b[0] - lo) // p.interval)
            if b is not None and b[1] is not None and b[1] < hi:
                last = (b[1] - lo) // p.interval
            _check_limit(last - first + 1, table, p.name)
            pairs = [(str(lo + k * p.interval).zfill(p.digits), str(lo + k * p.interval).zfill(p.digits)) for k in range(first, last + 1)]
        elif p.kind == "date":
            b = _merge([_bounds(pred, _date_point(c, p)) for pred, _ in mine])
            pairs = _date_values(p, c.sql_type, b, now, table).pairs
        else:  # injected
            values = _equalities(mine)
            if values is None:
                msg = (f'external table "{table}": injected partition column "{p.name}" needs a WHERE condition '
                       f"{p.name} = 'value' (or IN (...)) with constants")
                raise DataError(msg, sqlstate="22023")
            pairs = [(v, v) for v in sorted(values)]
        if mine and pairs:
            mask = keep(mine, [p.name], [(v,) for v, _ in pairs])
            pairs = [x for x, k in zip(pairs, mask) if k]
        per_column.append(pairs)
    total = 1
    for pairs in per_column:
        total *= len(pairs)
    _check_limit(total, table)
    names = [p.name for p in projections]
    combos = list(itertools.product(*per_column))
    rest = [(pred, used) for pred, used in filters if len(set(used.values())) > 1]
    if rest and combos:
        mask = keep(rest, names, [tuple(v for v, _ in combo) for combo in combos])
        combos = [x for x, k in zip(combos, mask) if k]
    out = []
    for combo in combos:
        loc = template
        for name, (_, text) in zip(names, combo):
            loc = loc.replace("${" + name + "}", text)
        out.append((tuple(v for v, _ in combo), loc))
    return out


def _type_of(pred, index: int):  # noqa: ANN001, ANN202
    from warehouse.plan.expressions import ColumnRef, walk

    for e in walk(pred):
        if isinstance(e, ColumnRef) and e.index == index:
            return e.type
    raise KeyError(index)


# ----- bounds from conditions ------------------------------------------------------------------
_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq"}


def _bounds(pred, point):  # noqa: ANN001, ANN202
    """(low, high) (either None: open) that the column's values must lie within for ``pred``
    to hold, or None when ``pred`` says nothing usable; ``point`` turns a literal's value
    into the domain's order (None: not usable)."""
    from warehouse.plan.expressions import Call, ColumnRef, Literal

    if not isinstance(pred, Call):
        return None
    if pred.fn == "and":
        return _merge([_bounds(a, point) for a in pred.args])
    if pred.fn == "or":
        parts = [_bounds(a, point) for a in pred.args]
        if any(b is None for b in parts):
            return None
        lows = [b[0] for b in parts]
        highs = [b[1] for b in parts]
        return (None if None in lows else min(lows), None if None in highs else max(highs))
    if pred.fn == "in_list" and isinstance(pred.args[0], ColumnRef) and all(isinstance(a, Literal) for a in pred.args[1:]):
        pts = [point(a.value, "eq") for a in pred.args[1:]]
        if not pts or any(x is None for x in pts):
            return None
        return (min(x[0] for x in pts), max(x[1] for x in pts))
    if pred.fn in _FLIP and len(pred.args) == 2:
        a, b = pred.args
        fn = pred.fn
        if isinstance(b, ColumnRef) and isinstance(a, Literal):
            a, b, fn = b, a, _FLIP[fn]
        if not (isinstance(a, ColumnRef) and isinstance(b, Literal)) or b.value is None:
            return None
        x = point(b.value, fn)
        if x is None:
            return None
        lo, hi = x
        if fn == "eq":
            return (lo, hi)
        return (lo, None) if fn in ("gt", "ge") else (None, hi)
    return None


def _merge(parts: list):  # noqa: ANN202
    """The intersection of bounds (None entries say nothing)."""
    got = [b for b in parts if b is not None]
    if not got:
        return None
    lows = [b[0] for b in got if b[0] is not None]
    highs = [b[1] for b in got if b[1] is not None]
    return (max(lows) if lows else None, min(highs) if highs else None)


def _int_point(c, p: Projection):  # noqa: ANN001, ANN202
    t = str(c.sql_type).lower()
    lo, hi = int(p.range[0]), int(p.range[1])
    # a string column whose values all have one width (non-negative, zero-padded by .digits or
    # naturally, e.g. epoch seconds) sorts as text the way it sorts as numbers
    width = max(p.digits, len(str(hi)))
    same_width = lo >= 0 and len(str(lo).zfill(p.digits)) == width

    def point(v, fn):  # noqa: ANN001, ANN202
        if isinstance(v, bool):
            return None
        if isinstance(v, int) and ("int" in t):
            return (v, v)
        if isinstance(v, str) and fn == "eq":
            try:
                return (int(v), int(v))
            except ValueError:
                return None
        if isinstance(v, str) and same_width and len(v) == width and v.isascii() and v.isdigit():
            return (int(v), int(v))
        return None

    return point


def _date_point(c, p: Projection):  # noqa: ANN001, ANN202
    """Literal values as (earliest, latest) datetimes they may stand for."""
    t = str(c.sql_type).lower()
    fmt = p.fmt
    assert fmt is not None

    def point(v, fn):  # noqa: ANN001, ANN202
        if t == "date" and isinstance(v, int):
            x = dt.datetime(1970, 1, 1) + dt.timedelta(days=v)
            return (x, x + dt.timedelta(days=1) - dt.timedelta(microseconds=1))
        if t.startswith("timestamp") and isinstance(v, int):
            x = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=v)
            return (x, x)
        if isinstance(v, str):
            x = fmt.parse_text(v)
            if x is not None:
                return (x, x)
            if fn == "eq" or not fmt.sortable:
                return None
            got = fmt.parse_prefix(v)  # '2024/03' of 'yyyy/MM/dd/HH': that whole month
            if got is None:
                return None
            x, finest = got
            return (x, _add(x, 1, finest))
        return None

    return point


def _equalities(preds: list) -> set[str] | None:
    """The constants of ``col = 'v'`` / ``col IN (...)`` conjuncts (intersected), or None."""
    from warehouse.plan.expressions import Call, ColumnRef, Literal

    found: set[str] | None = None
    for pred, _ in preds:
        vals: set[str] | None = None
        if isinstance(pred, Call) and pred.fn == "eq":
            a, b = pred.args
            if isinstance(b, ColumnRef):
                a, b = b, a
            if isinstance(a, ColumnRef) and isinstance(b, Literal) and b.value is not None:
                vals = {str(b.value)}
        elif isinstance(pred, Call) and pred.fn == "in_list" and isinstance(pred.args[0], ColumnRef) and all(
            isinstance(a, Literal) and a.value is not None for a in pred.args[1:]
        ):
            vals = {str(a.value) for a in pred.args[1:]}
        if vals is not None:
            found = vals if found is None else found & vals
    return found
