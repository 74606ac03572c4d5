"""Parquet row groups a filter rules out, judged from the footer already read.

Why: pyarrow's dataset pruning (``Fragment.subset``) opens the file again, parses its footer
once more and builds a fragment per row group: several milliseconds before the first row
group of a TPC-H ``lineitem`` can be decoded, on the one thread that hands them out.  The
footer's min/max statistics answer the same question in a few comparisons per row group.

The rules are ``loaders.hive._pruned``'s: a conjunct the file's column cannot express (a
missing or nested column, a constant its type cannot hold exactly, statistics of another
kind) is left out, so pruning only ever reads more, never less.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["comparable", "kept_row_groups"]


def kept_row_groups(meta: pq.FileMetaData, schema: pa.Schema, by_name: dict[str, str],
                    row_filter: list[tuple[str, str, list[Any]]], groups: list[int]) -> list[int]:
    """The row groups of ``groups`` whose statistics allow every ``(column, op, [pyarrow
    scalars])`` conjunct of ``row_filter`` (op: eq, lt, le, gt, ge, in); ``by_name`` maps a
    lower-case column name to the file's spelling."""
    leaves = {meta.schema.column(j).path: j for j in range(meta.num_columns)}
    terms: list[tuple[int, str, list[Any]]] = []
    for name, op, values in row_filter:
        source = by_name.get(name.lower())
        if source is None or source not in leaves or schema.get_field_index(source) < 0:
            continue
        constants = _constants(schema.field(source).type, values)
        if constants is not None:
            terms.append((leaves[source], op, constants))
    if not terms:
        return groups
    kept = []
    for i in groups:
        rg = meta.row_group(i)
        if all(_allows(rg.column(j).statistics, op, constants) for j, op, constants in terms):
            kept.append(i)
    return kept


def comparable(a: pa.DataType, b: pa.DataType) -> bool:
    """Whether values of the two types order alike: numbers with numbers, text with text,
    dates and timestamps together (the string '03' is below '3', the number 3 is not)."""
    return _family(a) is not None and _family(a) == _family(b)


def _family(t: pa.DataType) -> str | None:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "text"
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return "time"
    if pa.types.is_boolean(t):
        return "boolean"
    return None


def _constants(ftype: pa.DataType, values: list[Any]) -> list[Any] | None:
    """The scalars as Python values of the file's type, or None when one does not convert
    exactly (``k < 4999.5`` over an integer column prunes nothing) or orders differently."""
    if not all(comparable(ftype, v.type) for v in values):
        return None
    if pa.types.is_large_string(ftype) or pa.types.is_string_view(ftype):
        ftype = pa.string()
    try:
        scalars = [v.cast(ftype) for v in values]
        if any(x.cast(v.type) != v for x, v in zip(scalars, values)):
            return None
    except (pa.ArrowException, TypeError, ValueError):
        return None
    out = [x.as_py() for x in scalars]
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in out):
        return None
    return out


def _allows(stats: pq.Statistics | None, op: str, constants: list[Any]) -> bool:
    """Whether a row group whose column has ``stats`` may hold a row with ``column op c``."""
    if stats is None or not stats.has_min_max:
        return True
    lo, hi = stats.min, stats.max
    if any(type(lo) is not type(c) or type(hi) is not type(c) for c in constants):
        return True  # statistics of another kind (e.g. a timestamp's time zone): read the group
    if isinstance(lo, float) and (math.isnan(lo) or math.isnan(hi)):
        return True
    try:
        if op in ("eq", "in"):
            return any(lo <= c <= hi for c in constants)
        c = constants[0]
        if op == "lt":
            return lo < c
        if op == "le":
            return lo <= c
        if op == "gt":
            return hi > c
        if op == "ge":
            return hi >= c
    except TypeError:
        return True
    return True
