"""Small kernels for dictionary-encoded strings (codes are int32 into a dictionary)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def lookup_bool(table, codes, valid):
    """table[codes] as bool; rows with valid False (when len(valid) > 0) give False."""
    n = len(codes)
    out = np.empty(n, np.bool_)
    has_valid = len(valid) > 0
    for i in range(n):
        if has_valid and not valid[i]:
            out[i] = False
        else:
            out[i] = table[codes[i]]
    return out


@njit(nogil=True, cache=True)
def used_codes(codes, valid, ndict):
    """Which dictionary entries are referenced by a valid row."""
    used = np.zeros(ndict, np.bool_)
    has_valid = len(valid) > 0
    for i in range(len(codes)):
        if has_valid and not valid[i]:
            continue
        used[codes[i]] = True
    return used
