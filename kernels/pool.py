"""Output arrays from Arrow's memory pool.

Why: a fresh numpy array of a megabyte or more is new pages from the kernel, and their
first-touch page faults cost as much as the work that fills them (a hash-join probe of a
row group, a decoded Parquet column).  Arrow's pool keeps freed pages for the next request.
"""

from typing import Any

import numpy as np
import pyarrow as pa


def pooled(n: int, dtype: Any) -> np.ndarray:
    """An uninitialised, writable array of ``n`` values of ``dtype`` in Arrow's pool."""
    dtype = np.dtype(dtype)
    return np.frombuffer(pa.allocate_buffer(max(n, 1) * dtype.itemsize), dtype, n)
