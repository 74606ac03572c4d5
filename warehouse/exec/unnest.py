"""UNNEST (``plan.logical.Unnest``): each row repeated once per element of its nested
values, the elements as new columns.

A nested value is VARCHAR holding JSON text (dictionary codes into the distinct texts), so
the work is done per distinct value and per element, never per row in Python:

1. the distinct values the rows use are walked once by ``kernels.nested.json_elements``
   (every element of every array, every member of every map, with the value it belongs
   to): per distinct value, its first element and its element count;
2. each part a new column needs (the element, a map's key or value, a struct element's
   field, a map entry as a struct) is converted once over all elements to the declared
   type (``functions.nested.spans_to_arrow``; struct fields through ``json_child``);
3. ``kernels.nested.unnest_rows`` repeats the rows by their counts (the longest of zipped
   values; a row without elements once when the unnest is outer), and each output row
   gathers its parent row's columns and its element by position.

Under a scan (stored or external) the unnest runs per slice or per chunk, on the worker
threads, as the chunks arrive (``executor.execute_sliced``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kernels.nested import gather_spans, json_child, json_elements, json_kinds, unnest_rows
from warehouse import types as T
from warehouse.exec.evaluate import evaluate_vector
from warehouse.functions.nested import key_buffers, spans_to_arrow, text_buffers
from warehouse.plan import logical as L
from warehouse.vector import Batch, Vector, concat_batches, vector_from_arrow

__all__ = ["execute_unnest", "unnest_batch"]


def execute_unnest(plan: L.Unnest, ctx: Any) -> Batch:
    from warehouse.exec.executor import execute, execute_sliced

    parts = execute_sliced(plan.child, ctx, lambda b: unnest_batch(plan, b))
    if parts is None:
        return unnest_batch(plan, execute(plan.child, ctx))
    parts = [p for p in parts if p.length]
    if not parts:
        return _empty(plan)
    return concat_batches(parts, len(plan.fields))


def _empty(plan: L.Unnest) -> Batch:
    return Batch([Vector.empty(f.type) for f in plan.fields], 0)


@dataclass
class _Elements:
    """The elements of one nested expression over a batch."""

    data: np.ndarray  # the distinct texts' bytes
    starts: np.ndarray  # per element: its value's span (-1: a JSON null element)
    ends: np.ndarray
    key_starts: np.ndarray  # per map member: its key token (quotes included)
    key_ends: np.ndarray
    row_first: np.ndarray  # per row: the index of its first element
    row_count: np.ndarray  # per row: its number of elements (0 for NULL)


def _elements(v: Vector) -> _Elements:
    n = len(v)
    codes = v.data.astype(np.int64, copy=False)
    dictionary = v.dictionary if v.dictionary is not None else pa.array([], pa.string())
    if len(dictionary) > 2 * n + 16:  # a filtered batch: walk only the texts its rows use
        used = np.unique(codes if v.valid is None else codes[v.valid])
        dictionary = dictionary.take(pa.array(used))
        codes = np.minimum(np.searchsorted(used, codes), max(len(used) - 1, 0))
    data, starts, ends = text_buffers(dictionary)
    owner, vs, ve, ks, ke = json_elements(data, starts, ends)
    m = len(starts)
    count = np.bincount(owner, minlength=m).astype(np.int64)
    first = np.zeros(m, np.int64)
    if m > 1:
        np.cumsum(count[:-1], out=first[1:])
    if m == 0:
        zeros = np.zeros(n, np.int64)
        return _Elements(data, vs, ve, ks, ke, zeros, zeros)
    row_first = first[codes]
    row_count = count[codes]
    if v.valid is not None:
        row_count = np.where(v.valid, row_count, 0)
    vs = np.where(json_kinds(data, vs, ve) == 0, -1, vs)  # a null element is NULL
    return _Elements(data, vs, ve, ks, ke, row_first, row_count)


def _part(el: _Elements, part: str, t: T.SqlType, base: T.SqlType) -> Vector:
    """The column ``part`` of every element, typed ``t``."""
    if part in ("element", "value"):
        arr = spans_to_arrow(el.data, el.starts, el.ends, t)
    elif part == "key":
        arr = spans_to_arrow(el.data, el.key_starts, el.key_ends, t)
    elif part.startswith("field:"):
        kdata, koffs = key_buffers([part[6:]])
        cs, ce = json_child(el.data, el.starts, el.ends, True, kdata, koffs, np.zeros(1, np.int64))
        arr = spans_to_arrow(el.data, cs, ce, t)
    else:  # "entry": a map member as {"key":k,"value":v}
        tree = T.hive_type_tree(base.nested)
        ks, ke = el.key_starts, el.key_ends
        key_type = T.hive_tree_sql_type(tree[1])
        if key_type.is_numeric or key_type.kind is T.Kind.BOOLEAN:  # "1" -> 1: keys are strings in the text
            ks, ke = ks + 1, ke - 1
        kout, koff = gather_spans(el.data, ks, ke)
        vs = np.where(el.starts < 0, el.ends - 4, el.starts)  # a null value keeps its token
        vout, voff = gather_spans(el.data, vs, el.ends)
        n = len(ks)
        keys = pa.StringArray.from_buffers(n, pa.py_buffer(koff), pa.py_buffer(kout))
        values = pa.StringArray.from_buffers(n, pa.py_buffer(voff), pa.py_buffer(vout))
        arr = pc.binary_join_element_wise('{"key":', keys, ',"value":', values, "}", "")
    return vector_from_arrow(arr, t)


def unnest_batch(plan: L.Unnest, batch: Batch) -> Batch:
    """``plan`` over one batch of its child's rows."""
    n = batch.length
    nchild = len(plan.child.fields)
    if n == 0:
        return _empty(plan)
    elements = [_elements(evaluate_vector(e, batch)) for e in plan.exprs]
    counts = elements[0].row_count
    for el in elements[1:]:
        counts = np.maximum(counts, el.row_count)
    parent, ordinal = unnest_rows(np.ascontiguousarray(counts, np.int64), plan.outer)
    columns = [c.take(parent) for c in batch.columns]
    parts: dict[tuple[int, str], Vector] = {}
    for k, (i, part) in enumerate(plan.columns):
        el = elements[i]
        vec = parts.get((i, part))
        if vec is None:
            vec = parts[(i, part)] = _part(el, part, plan.fields[nchild + k].type, plan.exprs[i].type)
        own = el.row_count[parent]
        index = np.where((ordinal >= 0) & (ordinal < own), el.row_first[parent] + ordinal, -1)
        columns.append(vec.take_or_null(index))
    if plan.ordinality:
        data = ordinal + plan.ordinal_base
        missing = ordinal < 0
        columns.append(Vector(T.BIGINT, data, ~missing if missing.any() else None))
    return Batch(columns, len(parent))
