"""64-bit key hashing and DISTKEY slice placement.

The hash is part of the on-disk format: ``slice_of`` decides which slice stores a row, so
the constants and the mixing steps below must never change. ``tests/kernels/test_hashing.py``
pins known values so a change is caught.

Keys are int64 (the engine converts every key type to int64 first); a multi-column key is a
C-contiguous ``keys[n, k]`` array. A row hash folds the columns left to right with an
xxhash64-style round and ends with the murmur3 ``fmix64`` finaliser, so every output bit
depends on every input bit.
"""

import numpy as np
from numba import njit

_SEED = np.uint64(0x9E3779B97F4A7C15)
_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S31 = np.uint64(31)
_S33L = np.uint64(64 - 31)


@njit(nogil=True, cache=True)
def fmix64(h):
    """Murmur3 finaliser: a bijective avalanche of a uint64.

    Parameters
    ----------
    h : uint64

    Returns
    -------
    uint64
    """
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


@njit(nogil=True, cache=True)
def hash_row(keys, i):
    """Hash row ``i`` of ``keys[n, k]``; the one definition every kernel shares.

    Parameters
    ----------
    keys : int64[:, ::1]
    i : int

    Returns
    -------
    uint64
    """
    h = _SEED
    for j in range(keys.shape[1]):
        v = np.uint64(keys[i, j]) * _P2
        v = (v << _S31) | (v >> _S33L)
        h = (h ^ (v * _P1)) * _P1 + _P2
    return fmix64(h)


@njit(nogil=True, cache=True)
def _hash_keys(keys):
    """Hash every row of ``keys``.

    Parameters
    ----------
    keys : int64[:, ::1]

    Returns
    -------
    uint64[:]
    """
    n = keys.shape[0]
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = hash_row(keys, i)
    return out


@njit(nogil=True, cache=True)
def _slice_of(keys, nslices):
    """DISTKEY placement: ``hash_row % nslices`` as int32.

    Parameters
    ----------
    keys : int64[:, ::1]
    nslices : int64

    Returns
    -------
    int32[:]
    """
    n = keys.shape[0]
    out = np.empty(n, dtype=np.int32)
    ns = np.uint64(nslices)
    for i in range(n):
        out[i] = np.int32(hash_row(keys, i) % ns)
    return out


def as_keys(keys):
    """Return ``keys`` as a C-contiguous 2-D int64 array (a 1-D array becomes one column)."""
    a = np.asarray(keys)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError("keys must be 1-D or 2-D")
    if a.dtype != np.int64:
        if a.dtype.kind not in "iub":
            raise TypeError(f"keys must be integer (int64), got {a.dtype}")
        a = a.astype(np.int64)
    return np.ascontiguousarray(a)


def hash_keys(keys):
    """Hash each row of ``keys[n, k]`` (int64) to a uint64.

    Parameters
    ----------
    keys : int64[:, ::1] (a 1-D int array is taken as one column)

    Returns
    -------
    uint64[:]
    """
    return _hash_keys(as_keys(keys))


def slice_of(keys, nslices):
    """Slice number of each row for DISTKEY placement; stable forever (on-disk format).

    Parameters
    ----------
    keys : int64[:, ::1] (a 1-D int array is taken as one column)
    nslices : int, >= 1

    Returns
    -------
    int32[:]
    """
    if nslices < 1:
        raise ValueError("nslices must be >= 1")
    return _slice_of(as_keys(keys), np.int64(nslices))
