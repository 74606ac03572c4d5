"""Column-block encodings, one module per scheme, and the choice among them.

Numeric schemes work on a block's numpy array (fixed-width physical values) and write into
a preallocated output when decoding; string schemes work on (dictionary, codes).  Every
scheme has an id stored in the block header (see ``warehouse.storage.block``):

====  ========  ===========================================================
id    name      layout of the (pre-LZ4) payload
====  ========  ===========================================================
0     raw       the values as they are in memory
1     for       frame of reference: value - min in the narrowest unsigned int
2     delta     first value + (difference - min difference), narrow unsigned
3     rle       run values + run lengths (narrow unsigned)
4     dict      strings: narrow codes + per-block dictionary (offsets + bytes)
5     text      strings: offsets + bytes of every value (high cardinality)
====  ========  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernels import encodings as K

from . import delta, dictionary, frame, raw, rle, text

NUMERIC = {m.ID: m for m in (raw, frame, delta, rle)}
STRING = {m.ID: m for m in (dictionary, text)}
BY_NAME = {m.NAME: m for m in (raw, frame, delta, rle, dictionary, text)}
NAMES = {m.ID: m.NAME for m in (raw, frame, delta, rle, dictionary, text)}


@dataclass(frozen=True)
class Stats:
    """What one pass over a numeric block found (value range, runs, difference range)."""

    lo: int | float | bool | None
    hi: int | float | bool | None
    nruns: int
    dmin: int
    dmax: int
    maxrun: int
    is_int: bool


def width_for(span: int) -> int:
    """Bytes of the narrowest unsigned int holding 0..span (0 when span is 0)."""
    if span <= 0:
        return 0
    if span < 1 << 8:
        return 1
    if span < 1 << 16:
        return 2
    if span < 1 << 32:
        return 4
    return 8


UNSIGNED = {1: np.dtype(np.uint8), 2: np.dtype(np.uint16), 4: np.dtype(np.uint32), 8: np.dtype(np.uint64)}


def bits_view(values: np.ndarray) -> np.ndarray:
    """An integer view of a block for run detection (floats by bit pattern, bool as uint8)."""
    if values.dtype == np.bool_:
        return values.view(np.uint8)
    if values.dtype == np.float64:
        return values.view(np.int64)
    if values.dtype == np.float32:
        return values.view(np.int32)
    return values


def analyze(values: np.ndarray) -> Stats:
    """Stats of a numeric block (nulls already replaced by an in-range value)."""
    kind = values.dtype.kind
    if kind in "iu" and values.dtype != np.bool_:
        lo, hi, nruns, dmin, dmax, maxrun = K.analyze_ints(values)
        return Stats(int(lo), int(hi), int(nruns), int(dmin), int(dmax), int(maxrun), True)
    nruns, maxrun = K.count_runs(bits_view(values))
    if len(values) == 0:
        return Stats(None, None, 0, 0, 0, 0, False)
    if kind == "b":
        return Stats(bool(values.min()), bool(values.max()), int(nruns), 0, 0, int(maxrun), False)
    finite = values[~np.isnan(values)] if np.isnan(values).any() else values
    if len(finite) == 0:
        return Stats(None, None, int(nruns), 0, 0, int(maxrun), False)
    return Stats(float(finite.min()), float(finite.max()), int(nruns), 0, 0, int(maxrun), False)


def choose_numeric(values: np.ndarray, stats: Stats, requested: str) -> int:
    """The scheme id for a numeric block: ``requested`` when it applies, else the smallest."""
    n = len(values)
    item = values.dtype.itemsize
    if requested == "raw":
        return raw.ID
    if requested == "rle":
        return rle.ID
    if stats.is_int and requested == "for":
        return frame.ID
    if stats.is_int and requested == "delta":
        return delta.ID
    sizes = {raw.ID: n * item, rle.ID: stats.nruns * (item + width_for(stats.maxrun) or 1)}
    if stats.is_int:
        sizes[frame.ID] = n * width_for(stats.hi - stats.lo)
        if n > 1:
            sizes[delta.ID] = n * width_for(stats.dmax - stats.dmin)
    # smallest wins; on ties prefer the cheaper decoder (lower id order: raw, for, delta, rle)
    return min(sizes, key=lambda k: (sizes[k], k))
