"""Numba kernels: hashing, hash tables, joins, group-by aggregates, sort and window helpers.

Imports numpy and numba only. Every kernel is a top-level ``@njit(nogil=True, cache=True)``
function named ``_name`` when a plain-Python wrapper ``name`` validates and dispatches.
Keys are int64 (``keys[n, k]`` C-contiguous for multi-column keys); NULL handling is the
caller's. ``python -m kernels.warmup`` compiles and caches every signature the engine uses.
"""
