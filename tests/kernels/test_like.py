"""The ``%``-only LIKE matcher (``kernels.like``) against Arrow's ``match_like`` over random
strings and patterns (multi-byte characters, empty strings, sliced and large arrays)."""

import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kernels.like import match_like, split_pattern


def _strings(rng):
    return ["".join(rng.choice("abcé%") for _ in range(rng.randint(0, 9))) for _ in range(2000)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_arrow(seed):
    rng = random.Random(seed)
    strings = _strings(rng)
    arrays = [pa.array(strings), pa.array(strings).slice(11, 1500), pa.array(strings, pa.large_string())]
    patterns = {"".join(rng.choice("abé%") for _ in range(rng.randint(0, 7))) for _ in range(400)}
    patterns |= {"", "%", "%%", "a", "a%", "%a", "%a%", "a%a", "%a%b%", "ab%%ba", "é%é"}
    tried = 0
    for pattern in sorted(patterns):
        split = split_pattern(pattern, "\\")
        assert split is not None
        for arr in arrays:
            expected = pc.match_like(arr, pattern).to_numpy(zero_copy_only=False)
            np.testing.assert_array_equal(match_like(arr, *split), expected, err_msg=repr(pattern))
            tried += 1
    assert tried > 300


def test_leaves_underscore_and_escapes_to_arrow():
    assert split_pattern("a_b%", "\\") is None
    assert split_pattern("100\\%%", "\\") is None
    assert split_pattern("%special%requests%", "\\") == ([b"special", b"requests"], False, False, False)
    assert split_pattern("abc", "\\") == ([b"abc"], True, True, True)
