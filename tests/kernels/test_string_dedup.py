"""``kernels.string_dedup.dedup_spans`` and ``kernels.parquet.gather_strings`` against plain
Python: codes in first-appearance order, equal bytes <=> equal code, for lengths around the
8-byte words the kernels read, empty strings, and spans that end the buffer."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kernels.parquet import gather_strings
from kernels.string_dedup import dedup_spans


def _spans(values: list[bytes], gap: bytes = b"\x05\x00\x00\x00") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The values laid out as in a PLAIN page (a gap before each), and their spans."""
    buf, starts, ends = bytearray(), [], []
    for v in values:
        buf += gap
        starts.append(len(buf))
        buf += v
        ends.append(len(buf))
    return np.frombuffer(bytes(buf), np.uint8), np.array(starts, np.int64), np.array(ends, np.int64)


def _expected(values: list[bytes]) -> tuple[list[int], list[int]]:
    seen: dict[bytes, int] = {}
    codes, firsts = [], []
    for k, v in enumerate(values):
        if v not in seen:
            seen[v] = len(seen)
            firsts.append(k)
        codes.append(seen[v])
    return codes, firsts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_codes_follow_first_appearance_and_equal_bytes(seed):
    rng = random.Random(seed)
    alphabet = b"ab\x00\xff"  # few letters: many strings share prefixes, words and lengths
    pool = [bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 27))) for _ in range(400)]
    values = [rng.choice(pool) for _ in range(5000)]
    data, starts, ends = _spans(values)
    codes, firsts = dedup_spans(data, starts, ends)
    want_codes, want_firsts = _expected(values)
    assert codes.tolist() == want_codes
    assert firsts.tolist() == want_firsts


def test_strings_that_differ_only_past_a_word_or_in_length():
    values = [b"abcdefgh", b"abcdefgh\x00", b"abcdefghi", b"abcdefgh", b"", b"\x00", b"", b"abcdefgX", b"abcdefgh" * 3]
    data, starts, ends = _spans(values, gap=b"")
    codes, firsts = dedup_spans(data, starts, ends)
    assert codes.tolist() == [0, 1, 2, 0, 3, 4, 3, 5, 6]
    assert firsts.tolist() == [0, 1, 2, 4, 5, 7, 8]


def test_gather_copies_every_span_including_the_buffer_end():
    rng = random.Random(7)
    values = [bytes(rng.randrange(256) for _ in range(rng.randrange(0, 20))) for _ in range(300)] + [b"end"]
    data, starts, ends = _spans(values)  # the last span ends the buffer: no word may be read past it
    picks = np.array(sorted(rng.sample(range(len(values)), 120)) + [len(values) - 1], np.int64)
    offsets, out, ok = gather_strings(data, starts, ends, picks, np.zeros(len(data) + 8, np.uint8))
    assert ok
    got = [bytes(out[offsets[k]:offsets[k + 1]]) for k in range(len(picks))]
    assert got == [values[j] for j in picks]


def test_gather_refuses_an_index_out_of_range_or_a_short_buffer():
    data, starts, ends = _spans([b"abc", b"defgh"])
    assert not gather_strings(data, starts, ends, np.array([2], np.int64), np.zeros(64, np.uint8))[2]
    assert not gather_strings(data, starts, ends, np.array([0, 1], np.int64), np.zeros(10, np.uint8))[2]
