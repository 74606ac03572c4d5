"""Encoders and decoders for column blocks: analysis, delta, run-length, string hashing.

Every function is a top-level ``@njit(nogil=True, cache=True)`` kernel over numpy arrays,
so storage threads encode and decode blocks in parallel and new processes load the
compiled code from the on-disk cache.  Frame-of-reference is plain numpy arithmetic
(``(values - base).astype(narrow)``) and needs no kernel.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def analyze_ints(values):
    """One pass over an integer block for the encoding choice.

    Parameters
    ----------
    values : integer array (int8..int64 or uint8)

    Returns
    -------
    (min, max, nruns, dmin, dmax, maxrun) as int64: the value range, the number of runs of
    equal values, the range of successive differences (0, 0 for fewer than two values) and the
    longest run.
    """
    n = values.shape[0]
    if n == 0:
        return 0, 0, 0, 0, 0, 0
    lo = np.int64(values[0])
    hi = lo
    nruns = 1
    dmin = np.int64(0)
    dmax = np.int64(0)
    run = 1
    maxrun = 1
    prev = np.int64(values[0])
    for i in range(1, n):
        v = np.int64(values[i])
        if v < lo:
            lo = v
        if v > hi:
            hi = v
        d = v - prev
        if i == 1:
            dmin = d
            dmax = d
        else:
            if d < dmin:
                dmin = d
            if d > dmax:
                dmax = d
        if v != prev:
            nruns += 1
            if run > maxrun:
                maxrun = run
            run = 1
        else:
            run += 1
        prev = v
    if run > maxrun:
        maxrun = run
    return lo, hi, nruns, dmin, dmax, maxrun


@njit(nogil=True, cache=True)
def count_runs(values):
    """Number of runs of equal values, and the longest run.

    Parameters
    ----------
    values : array of integers (floats are passed as their bit patterns)

    Returns
    -------
    (nruns, maxrun) as int64.
    """
    n = values.shape[0]
    if n == 0:
        return 0, 0
    nruns = 1
    run = 1
    maxrun = 1
    for i in range(1, n):
        if values[i] != values[i - 1]:
            nruns += 1
            if run > maxrun:
                maxrun = run
            run = 1
        else:
            run += 1
    if run > maxrun:
        maxrun = run
    return nruns, maxrun


@njit(nogil=True, cache=True)
def rle_encode(values, nruns, run_values, run_lengths):
    """Fill ``run_values`` and ``run_lengths`` (both of length ``nruns``) from ``values``.

    Parameters
    ----------
    values : array, the block
    nruns : int, from ``count_runs``
    run_values : array of the same dtype as ``values``, length ``nruns`` (output)
    run_lengths : unsigned integer array, length ``nruns`` (output)

    Returns
    -------
    None
    """
    n = values.shape[0]
    if n == 0:
        return
    j = 0
    start = 0
    for i in range(1, n):
        if values[i] != values[i - 1]:
            run_values[j] = values[i - 1]
            run_lengths[j] = i - start
            j += 1
            start = i
    run_values[j] = values[n - 1]
    run_lengths[j] = n - start


@njit(nogil=True, cache=True)
def rle_decode(run_values, run_lengths, out):
    """Expand runs into ``out`` (whose length is the sum of ``run_lengths``).

    Parameters
    ----------
    run_values : array, one value per run
    run_lengths : unsigned integer array, one length per run
    out : array of the dtype of ``run_values`` (output)

    Returns
    -------
    None
    """
    k = 0
    for j in range(run_values.shape[0]):
        v = run_values[j]
        for _ in range(run_lengths[j]):
            out[k] = v
            k += 1


@njit(nogil=True, cache=True)
def delta_encode(values, dmin, out):
    """Successive differences minus ``dmin`` (frame of reference on the deltas) into ``out``.

    Parameters
    ----------
    values : integer array, the block (its first value is kept by the caller)
    dmin : int64, the smallest difference
    out : unsigned integer array of length ``len(values) - 1`` (output; values wrap)

    Returns
    -------
    None
    """
    for i in range(1, values.shape[0]):
        d = np.int64(values[i]) - np.int64(values[i - 1]) - dmin
        out[i - 1] = d


@njit(nogil=True, cache=True)
def delta_decode(first, deltas, dmin, out):
    """Rebuild values from the first value and the FOR-encoded differences.

    Parameters
    ----------
    first : int64, the first value
    deltas : unsigned integer array of length ``len(out) - 1``
    dmin : int64, added back to every difference
    out : integer array (output)

    Returns
    -------
    None
    """
    n = out.shape[0]
    if n == 0:
        return
    acc = np.int64(first)
    out[0] = acc
    for i in range(1, n):
        acc = acc + np.int64(deltas[i - 1]) + dmin
        out[i] = acc


@njit(nogil=True, cache=True)
def hash_utf8(offsets, data):
    """64-bit FNV-1a hash (with a final avalanche) of each string of an Arrow string array.

    Parameters
    ----------
    offsets : int32 array of length n + 1 (Arrow offsets, may start above 0)
    data : uint8 array, the UTF-8 bytes

    Returns
    -------
    int64 array of length n.
    """
    n = offsets.shape[0] - 1
    out = np.empty(n, dtype=np.int64)
    prime = np.uint64(1099511628211)
    for i in range(n):
        h = np.uint64(14695981039346656037)
        for k in range(offsets[i], offsets[i + 1]):
            h = (h ^ np.uint64(data[k])) * prime
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
        out[i] = np.int64(h)
    return out
