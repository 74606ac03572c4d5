"""Concatenating string vectors re-codes them into one dictionary of distinct values
(``warehouse.vector.unify_dictionaries`` / ``distinct_strings``): equal strings, equal
codes, whichever part they came from; sliced Arrow arrays and empty dictionaries too."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from warehouse import types as T
from warehouse.vector import Vector, concat_vectors, distinct_strings, vector_to_arrow


def _vector(values: list[str | None], dictionary: list[str]) -> Vector:
    codes = np.array([0 if v is None else dictionary.index(v) for v in values], np.int32)
    valid = None if None not in values else np.array([v is not None for v in values])
    return Vector(T.VARCHAR, codes, valid, pa.array(dictionary, pa.string()))


def test_parts_with_overlapping_dictionaries_share_one_after_concat():
    a = _vector(["x", "yy", None, "x"], ["yy", "x", "unused"])
    b = _vector(["zzzzzzzzz", "yy", "x"], ["x", "zzzzzzzzz", "yy"])
    c = _vector([], [])
    out = concat_vectors([a, b, c])
    assert vector_to_arrow(out).to_pylist() == ["x", "yy", None, "x", "zzzzzzzzz", "yy", "x"]
    d = out.dictionary.to_pylist()
    assert len(d) == len(set(d))  # distinct
    valid = out.validity()
    by_value = {}
    for code, v in zip(out.data[valid], np.array(vector_to_arrow(out).to_pylist(), object)[valid]):
        assert by_value.setdefault(v, code) == code  # one code per string


def test_distinct_strings_of_a_sliced_array():
    arr = pa.array(["a", "b", "a", "ccc", "b", "a"], pa.string()).slice(1, 4)  # b a ccc b
    codes, dictionary = distinct_strings(arr)
    assert codes.tolist() == [0, 1, 2, 0]
    assert dictionary.to_pylist() == ["b", "a", "ccc"]
    codes, dictionary = distinct_strings(pa.array(["", "", "q"], pa.string()))
    assert codes.tolist() == [0, 0, 1] and dictionary.to_pylist() == ["", "q"]
