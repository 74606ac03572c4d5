"""Text fields into typed Arrow columns by Redshift's COPY rules, rejecting bad rows by name.

Readers split input into fields (binary or string Arrow arrays, NULL where a field is absent);
``convert_text`` turns them into the target types with the numba kernels in
``kernels/parse_text.py`` and applies the options that change values: ``NULL AS``,
``EMPTYASNULL``, ``BLANKSASNULL``, ``TRIMBLANKS``, ``TRUNCATECOLUMNS``, ``ACCEPTINVCHARS``,
``DATEFORMAT``, ``TIMEFORMAT``, ``ROUNDEC``.  A row whose field does not convert is removed
from the output and reported as a ``RejectedRow`` naming the file, line, column, raw value and
Redshift's error code; the other rows load.

Defaults follow Redshift: an empty field is NULL for non-character columns and an empty string
for CHAR/VARCHAR; booleans accept t/true/1/y/yes and f/false/0/n/no in any case; decimals with
more fractional digits than the column's scale are truncated (rounded with ROUNDEC).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kernels import parse_text as K
from loaders import rejects as R
from loaders.rejects import RejectedRow
from loaders.spec import LoadSpec

__all__ = ["convert_text", "strptime_pattern", "text_buffers"]

TRUE_WORDS = ["t", "true", "1", "y", "yes"]
FALSE_WORDS = ["f", "false", "0", "n", "no"]
INT_RANGES = {16: (-(1 << 15), (1 << 15) - 1), 32: (-(1 << 31), (1 << 31) - 1), 64: (-(1 << 63), (1 << 63) - 1)}
_MAX_RAW = 1024  # stl_load_errors.raw_field_value / raw_line are char(1024)

# Redshift DATEFORMAT/TIMEFORMAT pattern elements -> strptime
_PATTERN_PARTS = [
    ("YYYY", "%Y"), ("YY", "%y"), ("MONTH", "%B"), ("MON", "%b"), ("MM", "%m"), ("DD", "%d"),
    ("HH24", "%H"), ("HH12", "%I"), ("HH", "%H"), ("MI", "%M"), ("SS", "%S"), ("AM", "%p"),
    ("PM", "%p"), ("DAY", "%A"), ("DY", "%a"),
]
# what DATEFORMAT/TIMEFORMAT 'auto' also recognises beyond ISO (Redshift's list, abridged)
_AUTO_DATES = ["%m/%d/%Y", "%m-%d-%Y", "%d %b %Y", "%b %d %Y", "%b %d, %Y", "%Y%m%d", "%d.%m.%Y", "%Y.%m.%d", "%m/%d/%y", "%B %d, %Y", "%d %B %Y"]
_AUTO_TIMES = [f"{d} %H:%M:%S" for d in ("%m/%d/%Y", "%Y/%m/%d", "%d %b %Y", "%b %d %Y", "%Y%m%d")] + ["%Y-%m-%d %H:%M", "%Y%m%d %H%M%S", "%Y%m%dT%H%M%S"]


def strptime_pattern(pattern: str) -> str:
    """A Redshift date/time format (``'MM/DD/YYYY HH24:MI:SS'``) as a strptime format."""
    out = []
    i = 0
    up = pattern.upper()
    while i < len(pattern):
        for part, fmt in _PATTERN_PARTS:
            if up.startswith(part, i):
                out.append(fmt)
                i += len(part)
                break
        else:
            ch = pattern[i]
            out.append("%%" if ch == "%" else ch)
            i += 1
    return "".join(out)


def text_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offsets, data, valid) numpy views of a binary/string array (offsets rebased to 0)."""
    n = len(arr)
    bufs = arr.buffers()
    odt = np.int64 if pa.types.is_large_binary(arr.type) or pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=odt, count=n + 1, offset=arr.offset * np.dtype(odt).itemsize) if n else np.zeros(1, odt)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    if arr.null_count:
        valid = arr.is_valid().to_numpy(zero_copy_only=False)
    else:
        valid = np.ones(n, dtype=np.bool_)
    return offsets, data, valid


class _Column:
    """One column's conversion outcome: values (Arrow) and the rows that failed."""

    __slots__ = ("values", "bad", "missing", "code", "reason")

    def __init__(self, values: pa.Array | None, bad: np.ndarray | None, code: int = R.ERR_GENERAL, reason: str = "") -> None:
        self.values = values
        self.bad = bad
        self.missing: np.ndarray | None = None
        self.code = code
        self.reason = reason


def convert_text(
    columns: list[pa.Array],
    spec: LoadSpec,
    *,
    filename: str,
    line_numbers: np.ndarray,
    raw_line: Callable[[int], str] | None = None,
    positions: list[np.ndarray] | None = None,
    marker_possible: bool = True,
) -> tuple[pa.Table, list[RejectedRow]]:
    """Convert one chunk's fields to the target schema.

    Parameters
    ----------
    columns
        One binary or string array per target column (same length); NULL = field absent.
    line_numbers
        The 1-based input line of every row (for messages and ``stl_load_errors``).
    raw_line
        Gives the input text of row ``i``, called only for rejected rows.
    positions
        Optional byte offset of each field within its line, per column.
    marker_possible
        False when the caller knows the NULL AS text does not occur in the input (saves a
        comparison per column).

    Returns
    -------
    (table, rejects)
        ``table`` holds the rows that converted (in order), ``rejects`` one entry per
        removed row (its first failing column).
    """
    n = len(columns[0]) if columns else 0
    outcomes = [_convert_column(_flat(columns[i]), spec, i, marker_possible) for i in range(spec.width)]
    for i, required in enumerate(spec.not_null):
        o = outcomes[i]
        if required and o.values is not None and o.values.null_count:
            missing = ~o.values.is_valid().to_numpy(zero_copy_only=False)
            if o.bad is not None:
                missing &= ~o.bad
            if missing.any():
                o.missing = missing
    bad_any = np.zeros(n, dtype=np.bool_)
    for o in outcomes:
        if o.bad is not None:
            bad_any |= o.bad
        if o.missing is not None:
            bad_any |= o.missing
    arrays = [o.values for o in outcomes]
    rejects: list[RejectedRow] = []
    if bad_any.any():
        keep = ~bad_any
        for row in np.flatnonzero(bad_any):
            for i, o in enumerate(outcomes):
                failed = o.bad is not None and o.bad[row]
                if failed or (o.missing is not None and o.missing[row]):
                    raw = _raw_value(columns[i], int(row))
                    pos = int(positions[i][row]) if positions is not None else None
                    code, reason = (o.code, o.reason) if failed else (R.ERR_NOT_NULL, "missing data for not-null field")
                    rejects.append(RejectedRow(
                        filename, int(line_numbers[row]), spec.names[i], raw, reason, code,
                        (raw_line(int(row)) if raw_line is not None else None), pos,
                    ))
                    break
        mask = pa.array(keep)
        arrays = [a.filter(mask) for a in arrays]
    schema = pa.schema([pa.field(name, t) for name, t in zip(spec.names, spec.types)])
    return pa.Table.from_arrays(arrays, schema=schema), rejects


def _flat(a: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    if pa.types.is_null(a.type):
        return pa.nulls(len(a), pa.binary())
    return a


def _raw_value(arr: pa.Array | pa.ChunkedArray, row: int) -> str | None:
    v = arr[row].as_py()
    if v is None:
        return None
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    return str(v)[:_MAX_RAW]


def _present(arr: pa.Array, spec: LoadSpec) -> pa.Array:
    """``arr`` with the NULL AS marker turned into NULL."""
    if spec.null_as is None or arr.null_count == len(arr):
        return arr
    marker = spec.null_as.encode() if pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type) else spec.null_as
    hit = pc.equal(arr, pa.scalar(marker, arr.type))
    if not pc.any(hit).as_py():
        return arr
    return pc.if_else(hit, pa.scalar(None, arr.type), arr)


def _convert_column(arr: pa.Array, spec: LoadSpec, i: int, marker_possible: bool = True) -> _Column:
    t = spec.types[i]
    if arr.type == t and not pa.types.is_string(t):
        return _Column(arr, None)  # the reader converted it already (see loaders.text)
    if marker_possible:
        arr = _present(arr, spec)
    if pa.types.is_string(t):
        return _text(arr, spec, i)
    offsets, data, valid = text_buffers(arr)
    n = len(arr)
    if pa.types.is_integer(t):
        values, ok, valid = K.parse_int64(offsets, data, valid)
        lo, hi = INT_RANGES[t.bit_width]
        if t.bit_width < 64:
            ok &= (values >= lo) & (values <= hi)
        return _result(pa.Array.from_buffers(t, n, [_validity(valid), pa.py_buffer(values.astype(t.to_pandas_dtype(), copy=False))]), ok, valid, R.ERR_INTEGER, f"invalid digit or out of range for {t}")
    if pa.types.is_decimal(t):
        limit = 10**t.precision if t.precision <= 18 else (1 << 63) - 1
        values, ok, valid = K.parse_decimal(offsets, data, valid, t.scale, limit, spec.round_dec)
        words = np.empty((n, 2), dtype=np.int64)
        words[:, 0] = values
        words[:, 1] = values >> 63
        arrow = pa.Array.from_buffers(t, n, [_validity(valid), pa.py_buffer(words)])
        return _result(arrow, ok, valid, R.ERR_DECIMAL, f"invalid numeric value or overflow for DECIMAL({t.precision},{t.scale})")
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        col = _dates(arr, offsets, data, valid, spec) if pa.types.is_date(t) else _timestamps(arr, offsets, data, valid, spec, t)
        if col.bad is not None and spec.options.get("ACCEPTANYDATE"):
            # ACCEPTANYDATE: a date or time that does not parse loads as NULL, not an error
            keep = pa.array(~col.bad)
            col = _Column(pc.if_else(keep, col.values, pa.scalar(None, col.values.type)), None, col.code, col.reason)
        return col
    blank = K.blank_fields(offsets, data, valid)
    if blank.any():  # an empty (or blank) field is NULL for every non-character type
        valid = valid & ~blank
    if pa.types.is_floating(t):
        return _floats(arr, valid, t)
    if pa.types.is_boolean(t):
        return _booleans(arr, valid)
    msg = f"cannot load type {t}"
    raise R.LoadError(msg)


def _validity(valid: np.ndarray) -> pa.Buffer | None:
    return None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))


def _result(values: pa.Array, ok: np.ndarray, valid: np.ndarray, code: int, reason: str) -> _Column:
    bad = valid & ~ok
    return _Column(values, bad if bad.any() else None, code, reason)


def _as_string(arr: pa.Array) -> pa.Array:
    """A binary array viewed as string (the caller checked UTF-8)."""
    if pa.types.is_string(arr.type):
        return arr
    return arr.view(pa.large_string() if pa.types.is_large_binary(arr.type) else pa.string())


def _text(arr: pa.Array, spec: LoadSpec, i: int) -> _Column:
    offsets, data, valid = text_buffers(arr)
    bad = None
    code, reason = R.ERR_GENERAL, ""
    if not pa.types.is_string(arr.type):
        ok = K.utf8_valid(offsets, data, valid)
        if not ok.all():
            if spec.accept_inv_chars is not None:
                arr = _replace_invalid(arr, ~ok, spec.accept_inv_chars)
            else:
                bad = ~ok
                code, reason = R.ERR_UTF8, "invalid UTF-8 character (use ACCEPTINVCHARS to replace it)"
                arr = pc.if_else(pa.array(ok), arr, pa.scalar(b"", arr.type))
    s = _as_string(arr)
    if pa.types.is_large_string(s.type):
        s = s.cast(pa.string())
    if spec.empty_as_null or spec.blanks_as_null:
        o, d, v = text_buffers(s)
        blank = K.blank_fields(o, d, v)
        if spec.empty_as_null and not spec.blanks_as_null:
            blank &= (o[1:] - o[:-1]) == 0
        if blank.any():
            s = pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), s)
    if spec.trim_blanks:
        s = pc.utf8_rtrim(s, characters=" \t\r")
    limit = spec.lengths[i]
    if limit is not None:
        lengths = pc.binary_length(s).to_numpy(zero_copy_only=False)
        long = np.nan_to_num(lengths.astype(np.float64), nan=0) > limit if s.null_count else lengths > limit
        if long.any():
            if spec.truncate_columns:
                s = _truncate(s, long, limit)
            else:
                long_bad = long if bad is None else long & ~bad
                if long_bad.any():
                    bad = long_bad if bad is None else bad | long_bad
                    if code == R.ERR_GENERAL:
                        code, reason = R.ERR_TOO_LONG, f"string length exceeds DDL length {limit} (use TRUNCATECOLUMNS to cut it)"
    return _Column(s, bad, code, reason)


def _replace_invalid(arr: pa.Array, rows: np.ndarray, replacement: str) -> pa.Array:
    """Invalid UTF-8 sequences replaced by ``replacement`` in the given rows (ACCEPTINVCHARS)."""
    values = arr.to_pylist()
    for r in np.flatnonzero(rows):
        values[r] = values[r].decode("utf-8", "replace").replace("\ufffd", replacement).encode()
    return pa.array(values, arr.type)


def _truncate(s: pa.Array, rows: np.ndarray, limit: int) -> pa.Array:
    """Cut values longer than ``limit`` bytes at a character boundary (TRUNCATECOLUMNS)."""
    values = s.to_pylist()
    for r in np.flatnonzero(rows):
        values[r] = values[r].encode()[:limit].decode("utf-8", "ignore")
    return pa.array(values, pa.string())


def _utf8_or_bad(arr: pa.Array) -> tuple[pa.Array, np.ndarray | None]:
    if pa.types.is_string(arr.type):
        return arr, None
    offsets, data, valid = text_buffers(arr)
    ok = K.utf8_valid(offsets, data, valid)
    if ok.all():
        return _as_string(arr), None
    fixed = pc.if_else(pa.array(ok), arr, pa.scalar(None, arr.type))
    return _as_string(fixed), ~ok


def _strptime_fallback(s: pa.Array, rows: np.ndarray, formats: list[str], unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Try ``formats`` in order on the given rows: (values in ``unit``, parsed mask)."""
    n = len(s)
    values = np.zeros(n, dtype=np.int64)
    parsed = np.zeros(n, dtype=np.bool_)
    idx = np.flatnonzero(rows)
    if not len(idx):
        return values, parsed
    sub = pc.utf8_trim(s.take(pa.array(idx)), characters=" \t\r")
    remaining = np.ones(len(idx), dtype=np.bool_)
    for fmt in formats:
        got = pc.strptime(sub, format=fmt, unit=unit, error_is_null=True)
        hit = got.is_valid().to_numpy(zero_copy_only=False) & remaining
        if hit.any():
            vals = got.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
            values[idx[hit]] = vals[hit]
            parsed[idx[hit]] = True
            remaining &= ~hit
        if not remaining.any():
            break
    return values, parsed


def _dates(arr, offsets, data, valid, spec: LoadSpec) -> _Column:
    n = len(arr)
    fmt = spec.date_format
    if fmt is None or fmt.lower() == "auto":
        days, ok, valid = K.parse_date(offsets, data, valid)
        retry = valid & ~ok
        if fmt is not None and retry.any():
            s, _ = _utf8_or_bad(arr)
            secs, parsed = _strptime_fallback(s, retry, _AUTO_DATES, "s")
            days = np.where(parsed, secs // 86400, days).astype(np.int32)
            ok = ok | parsed
    else:
        valid = valid & ~K.blank_fields(offsets, data, valid)
        s, _ = _utf8_or_bad(arr)
        secs, parsed = _strptime_fallback(s, valid, [strptime_pattern(fmt)], "s")
        days = (secs // 86400).astype(np.int32)
        ok = parsed | ~valid
    values = pa.Array.from_buffers(pa.date32(), n, [_validity(valid), pa.py_buffer(days.astype(np.int32, copy=False))])
    return _result(values, ok, valid, R.ERR_DATE, "invalid date" + (f" for DATEFORMAT '{fmt}'" if fmt else ""))


def _timestamps(arr, offsets, data, valid, spec: LoadSpec, t: pa.DataType) -> _Column:
    n = len(arr)
    fmt = spec.time_format
    low = fmt.lower() if fmt else None
    if low in ("epochsecs", "epochmillisecs"):
        ints, ok, valid = K.parse_int64(offsets, data, valid)
        us = ints * (1_000_000 if low == "epochsecs" else 1_000)
    elif fmt is None or low == "auto":
        us, ok, valid = K.parse_timestamp(offsets, data, valid)
        retry = valid & ~ok
        if fmt is not None and retry.any():
            s, _ = _utf8_or_bad(arr)
            got, parsed = _strptime_fallback(s, retry, _AUTO_TIMES + _AUTO_DATES, "us")
            us = np.where(parsed, got, us)
            ok = ok | parsed
    else:
        valid = valid & ~K.blank_fields(offsets, data, valid)
        s, _ = _utf8_or_bad(arr)
        us, parsed = _strptime_fallback(s, valid, [strptime_pattern(fmt)], "us")
        ok = parsed | ~valid
    values = pa.Array.from_buffers(t, n, [_validity(valid), pa.py_buffer(us.astype(np.int64, copy=False))])
    return _result(values, ok, valid, R.ERR_TIMESTAMP, "invalid timestamp" + (f" for TIMEFORMAT '{fmt}'" if fmt else ""))


def _floats(arr: pa.Array, valid: np.ndarray, t: pa.DataType) -> _Column:
    s, badutf = _utf8_or_bad(arr)
    s = pc.if_else(pa.array(valid), pc.utf8_trim(s, characters=" \t\r"), pa.scalar(None, pa.string()))
    try:
        values = s.cast(t)
        return _Column(values, badutf, R.ERR_FLOAT, f"invalid {t} value")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    py = s.to_pylist()
    out = np.zeros(len(py), dtype=np.float64)
    ok = np.ones(len(py), dtype=np.bool_)
    for r, v in enumerate(py):
        if v is None:
            continue
        try:
            out[r] = float(v)
        except ValueError:
            ok[r] = False
    values = pa.array(out, pa.float64(), mask=~(valid & ok)).cast(t)
    return _result(values, ok, valid, R.ERR_FLOAT, f"invalid {'REAL' if t == pa.float32() else 'DOUBLE PRECISION'} value")


def _booleans(arr: pa.Array, valid: np.ndarray) -> _Column:
    s, _ = _utf8_or_bad(arr)
    words = pc.utf8_lower(pc.utf8_trim(s, characters=" \t\r"))
    is_true = pc.is_in(words, value_set=pa.array(TRUE_WORDS)).to_numpy(zero_copy_only=False)
    is_false = pc.is_in(words, value_set=pa.array(FALSE_WORDS)).to_numpy(zero_copy_only=False)
    ok = is_true | is_false
    values = pa.array(is_true, pa.bool_(), mask=~(valid & ok))
    return _result(values, ok, valid, R.ERR_GENERAL, "invalid boolean value")
