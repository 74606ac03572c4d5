"""Nested values (Hive's array/map/struct) in delimited text, as LazySimpleSerDe stores them.

A text table (``ROW FORMAT DELIMITED`` / LazySimpleSerDe) has one separator per nesting
level (Hive's ``LazySerDeParameters``): level 0 splits fields (``FIELDS TERMINATED BY``,
default ``\\001``), level 1 is ``COLLECTION ITEMS TERMINATED BY`` (``collection.delim``, Hive's
own key spelled ``colelction.delim``; default ``\\002``), level 2 ``MAP KEYS TERMINATED BY``
(``mapkey.delim``; default ``\\003``), then ``\\004`` ... ``\\010`` for the deeper levels: eight
in all (``separators``).  A column starts at level 1 (``LazyFactory``): an array splits its
elements at its level and reads them one level deeper; a struct splits its fields at its
level (so a struct column's fields are separated by the collection items delimiter) and
reads them one level deeper; a map splits its entries at its level, key from value at the
next level, and reads keys and values two levels deeper.  So ``array<string>`` is
``a\\002b``, ``map<string,int>`` ``k1\\003 1\\002k2\\0032``, ``struct<x:int,y:string>``
``1\\002foo``, ``array<array<int>>`` ``1\\0032\\0023``, ``map<string,array<int>>``
``k\\0031\\0042``.  A type that needs a separator beyond the eighth is refused when the table
is created (``max_level``), as Hive refuses it.

Reading (``from_text``), Hive's rules (``LazyArray``, ``LazyMap``, ``LazyStruct``): the
null marker (``\\N`` or ``serialization.null.format``) is NULL at any level; an empty text
is an empty array or map, and for a struct a first field ``''`` with the others NULL; a
struct ignores fields beyond its last and reads missing ones as NULL; a map entry without a
key separator has a NULL value, an entry whose key is NULL or does not convert is left out,
and of repeated keys the first wins.  Leaves convert from their text with the same parsers
as top-level fields (``loaders.convert``), a value that does not convert reading as NULL and
counted (LazySimpleSerDe's rule for bad values).  Everything is pyarrow compute and numpy over
whole columns, one pass per nesting level (``split_pattern`` and gathers): no Python per row.

Writing (``to_text``) is the inverse: leaves in Hive's text forms (booleans
``true``/``false``, dates ``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS[.ffffff]``), NULL
inside a value as the null marker, joined level by level with ``binary_join``.

Not handled: with ``ESCAPED BY`` (``escape.delim``) the text reader removes escapes from the
whole field before it is split here, so an escaped separator inside a nested value splits it
(Hive keeps it as a character); the writer does not escape separators inside nested leaves.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from loaders.spec import LoadSpec

__all__ = ["DEFAULT_COLLECTION", "DEFAULT_MAPKEY", "SEPARATORS", "from_text", "max_level", "separators", "to_text"]

DEFAULT_COLLECTION = "\x02"
DEFAULT_MAPKEY = "\x03"
SEPARATORS = 8  # Hive's default number of nesting levels (hive.serialization.extend.nesting.levels off)


def separators(field: str = "\x01", collection: str | None = None, mapkey: str | None = None) -> tuple[str, ...]:
    """Hive's separators by nesting level: field, collection items, map keys, ``\\004``..``\\010``."""
    return (field, collection or DEFAULT_COLLECTION, mapkey or DEFAULT_MAPKEY) + tuple(chr(c) for c in range(4, 4 + SEPARATORS - 3))


def max_level(t: pa.DataType, level: int = 1) -> int:
    """The deepest separator index a column of type ``t`` uses (0 for a primitive)."""
    if pa.types.is_list(t):
        return max(level, max_level(t.value_type, level + 1))
    if pa.types.is_map(t):
        return max(level + 1, max_level(t.key_type, level + 2), max_level(t.item_type, level + 2))
    if pa.types.is_struct(t):
        return max([level] + [max_level(f.type, level + 1) for f in t])
    return 0


# ----------------------------------------------------------------------------- reading
def from_text(arr: pa.Array | pa.ChunkedArray, t: pa.DataType, spec: LoadSpec, seps: tuple[str, ...], null_format: str | None) -> tuple[pa.Array, int]:
    """A column's field texts (NULL: a NULL field) as Arrow type ``t`` (list, map, struct).

    ``spec`` gives the leaf conversion settings (``loaders.convert``); ``seps`` the separators
    by level (``separators``); ``null_format`` the null marker.  Returns the array and how many
    values did not convert (read as NULL, or map entries left out for a bad key)."""
    from loaders.convert import _convert_column

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    # the field as valid UTF-8 text (invalid bytes replaced as in string columns)
    text_spec = replace(spec, names=("value",), types=(pa.string(),), lengths=(None,), type_names=(), null_as=None)
    text = _convert_column(arr, text_spec, 0, marker_possible=False).values
    if text.type != pa.string():
        text = text.cast(pa.string())
    leaf_spec = replace(spec, names=("value",), lengths=(None,), type_names=(), null_as=null_format)
    bad = [0]
    out = _read(text, t, 1, seps, null_format, leaf_spec, bad)
    return out, bad[0]


def _nulls_for_marker(text: pa.Array, marker: str | None) -> pa.Array:
    if marker is None or len(text) == 0:
        return text
    hit = pc.equal(text, marker)
    if not pc.any(hit).as_py():
        return text
    return pc.if_else(hit, pa.scalar(None, pa.string()), text)


def _split(text: pa.Array, sep: str, empty_is_none: bool) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """(offsets, pieces, lengths): each non-NULL text split at ``sep``; with
    ``empty_is_none`` an empty text has no pieces (Hive's empty array or map)."""
    n = len(text)
    parts = pc.split_pattern(text, sep)
    if isinstance(parts, pa.ChunkedArray):
        parts = parts.combine_chunks()
    pieces = pc.list_flatten(parts)
    lengths = pc.list_value_length(parts).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    if empty_is_none and n:
        empty = pc.fill_null(pc.equal(pc.binary_length(text), 0), False).to_numpy(zero_copy_only=False)
        if empty.any():
            parent = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
            pieces = pieces.filter(pa.array(~empty[parent]))
            lengths = np.where(empty, 0, lengths)
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets, pieces, lengths


def _list_offsets(offsets: np.ndarray) -> pa.Array:
    if offsets[-1] >= (1 << 31):
        msg = "a nested text value has more than 2**31 elements in one chunk"
        raise ValueError(msg)
    return pa.array(offsets.astype(np.int32), pa.int32())


def _read(text: pa.Array, t: pa.DataType, level: int, seps: tuple[str, ...], marker: str | None, leaf_spec: LoadSpec, bad: list[int]) -> pa.Array:
    """Texts (NULL already NULL) as type ``t``, splitting at ``seps[level]``."""
    mask = text.is_null() if text.null_count else None
    if pa.types.is_list(t):
        offsets, pieces, _ = _split(text, seps[level], True)
        values = _read(_nulls_for_marker(pieces, marker), t.value_type, level + 1, seps, marker, leaf_spec, bad)
        return pa.ListArray.from_arrays(_list_offsets(offsets), values, type=t, mask=mask)
    if pa.types.is_struct(t):
        offsets, pieces, lengths = _split(text, seps[level], False)
        starts = offsets[:-1]
        children = []
        for i, f in enumerate(t):
            present = lengths > i  # fields beyond the text's last are NULL; extra ones are ignored
            idx = pa.array(np.where(present, starts + i, 0), pa.int64(), mask=~present)
            child = pieces.take(idx) if len(pieces) else pa.nulls(len(text), pa.string())
            children.append(_read(_nulls_for_marker(child, marker), f.type, level + 1, seps, marker, leaf_spec, bad))
        if not children:  # struct<> (no fields): only NULL or not
            nulls = mask.to_pylist() if mask is not None else [False] * len(text)
            return pa.array([None if v else {} for v in nulls], t)
        return pa.StructArray.from_arrays(children, fields=list(t), mask=mask)
    if pa.types.is_map(t):
        return _read_map(text, t, level, seps, marker, leaf_spec, bad, mask)
    return _leaf(text, t, leaf_spec, bad)


def _read_map(text: pa.Array, t: pa.DataType, level: int, seps: tuple[str, ...], marker: str | None, leaf_spec: LoadSpec,
              bad: list[int], mask: pa.Array | None) -> pa.Array:
    n = len(text)
    offsets, entries, lengths = _split(text, seps[level], True)
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    kv = pc.split_pattern(entries, seps[level + 1])
    if isinstance(kv, pa.ChunkedArray):
        kv = kv.combine_chunks()
    m = len(entries)
    if m:
        key_text = pc.list_element(kv, 0)
        # the value is everything after the first key separator (None without one)
        has_value = pc.greater(pc.list_value_length(kv), 1)
        rest = pc.binary_join(pc.list_slice(kv, 1), seps[level + 1])
        value_text = pc.if_else(has_value, rest, pa.scalar(None, pa.string()))
    else:
        key_text = value_text = pa.array([], pa.string())
    # an entry whose key is NULL or does not convert (counted by _leaf) is left out
    keys = _leaf(_nulls_for_marker(key_text, marker), t.key_type, leaf_spec, bad)
    keep = keys.is_valid().to_numpy(zero_copy_only=False) if keys.null_count else np.ones(m, np.bool_)
    if m and keep.any():  # repeated keys: the first wins (LazyMap.getMap)
        pos = np.arange(m, dtype=np.int64)
        pairs = pa.table({"o": owner[keep], "k": keys.filter(pa.array(keep)), "p": pos[keep]})
        firsts = pairs.group_by(["o", "k"], use_threads=False).aggregate([("p", "min")])
        if firsts.num_rows < pairs.num_rows:
            first = np.zeros(m, np.bool_)
            first[firsts.column("p_min").to_numpy()] = True
            keep &= first
    if not keep.all():
        sel = pa.array(keep)
        keys = keys.filter(sel)
        value_text = value_text.filter(sel)
        lengths = np.bincount(owner[keep], minlength=n).astype(np.int64)
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
    values = _read(_nulls_for_marker(value_text, marker), t.item_type, level + 2, seps, marker, leaf_spec, bad)
    return pa.MapArray.from_arrays(_list_offsets(offsets), keys, values, type=t, mask=mask)


def _leaf(text: pa.Array, t: pa.DataType, leaf_spec: LoadSpec, bad: list[int]) -> pa.Array:
    """Primitive values from their text (the marker is NULL); bad ones NULL and counted."""
    from loaders.convert import _convert_column

    if len(text) == 0:
        return pa.array([], t)
    col = _convert_column(text, replace(leaf_spec, types=(t,)), 0)
    values = col.values
    if col.bad is not None:
        bad[0] += int(np.count_nonzero(col.bad))
        values = pc.if_else(pa.array(col.bad), pa.scalar(None, values.type), values)
    if values.type != t:
        values = values.cast(t)
    return values


# ----------------------------------------------------------------------------- writing
def to_text(arr: pa.Array | pa.ChunkedArray, seps: tuple[str, ...], null_format: str, level: int = 1) -> pa.Array:
    """Nested values (Arrow list/map/struct) as LazySimpleSerDe's delimited text (a NULL value
    stays NULL: the writer puts the null marker there)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_dictionary(t):
        return to_text(arr.dictionary_decode(), seps, null_format, level)
    mask = arr.is_null() if arr.null_count else None
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        items = to_text(arr.values, seps, null_format, level + 1).fill_null(null_format)
        lists = pa.ListArray.from_arrays(_unsliced_offsets(arr), items, mask=mask)
        return pc.binary_join(lists, seps[level])
    if pa.types.is_map(t):
        keys = to_text(arr.keys, seps, null_format, level + 2).fill_null(null_format)
        items = to_text(arr.items, seps, null_format, level + 2).fill_null(null_format)
        entries = pc.binary_join_element_wise(keys, items, seps[level + 1])
        lists = pa.ListArray.from_arrays(_unsliced_offsets(arr), entries, mask=mask)
        return pc.binary_join(lists, seps[level])
    if pa.types.is_struct(t):
        fields = [to_text(c, seps, null_format, level + 1).fill_null(null_format) for c in arr.flatten()]
        if not fields:
            body = pa.array([""] * len(arr), pa.string())
        elif len(fields) == 1:
            body = fields[0]
        else:
            body = pc.binary_join_element_wise(*fields, seps[level])
        return pc.if_else(arr.is_valid(), body, pa.scalar(None, pa.string())) if mask is not None else body
    return _leaf_text(arr)


def _unsliced_offsets(arr: pa.Array) -> pa.Array:
    offsets = arr.offsets
    if offsets.offset == 0 and (len(offsets) == 0 or offsets[0].as_py() == 0):
        return offsets
    o = offsets.to_numpy(zero_copy_only=False)
    return pa.array(o, offsets.type)


def _leaf_text(arr: pa.Array) -> pa.Array:
    """A primitive value in Hive's text form."""
    t = arr.type
    if pa.types.is_string(t):
        return arr
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return arr.cast(pa.string())
    if pa.types.is_boolean(t):
        return pc.if_else(arr, "true", "false")
    if pa.types.is_timestamp(t):
        s = arr.cast(pa.string())
        s = pc.replace_substring_regex(s, r"\.0+$", "")
        return pc.replace_substring_regex(s, r"(\.\d*?)0+$", r"\1")
    if pa.types.is_date(t):
        return arr.cast(pa.date32()).cast(pa.string())
    return arr.cast(pa.string())
