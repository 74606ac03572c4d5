"""A join's build side made into the table that suits its keys.

One integer key, or several whose value ranges pack into one int64 (``kernels.int_join``),
gets the one-key table: direct-addressed when the keys are dense, a multiplicative hash
otherwise.  Keys that do not pack fall back to the general multi-column table
(``kernels.hash_table`` with ``kernels.join``'s probes).
"""

from __future__ import annotations

import numpy as np

from kernels import hash_table, int_join, join as kjoin


class JoinTable:
    """Built once from ``mat`` (int64[n, k], no NULL keys), probed by any number of threads
    (it is only read)."""

    def __init__(self, mat: np.ndarray) -> None:
        if not mat.flags.writeable:  # a key column viewed from Arrow: one compiled signature
            mat = mat.copy()
        self.mat = mat
        self.packing: int_join.KeyPacking | None = None
        self.general: tuple[np.ndarray, np.ndarray, int] | None = None
        self.table: int_join.IntTable | None = None
        if mat.shape[1] == 1:
            self.table = int_join.build(mat[:, 0])
            return
        self.packing = int_join.packing(mat)
        if self.packing is not None:
            self.table = int_join.build(int_join.pack_keys(self.packing, mat))
        else:
            self.general = hash_table.build(mat)

    def _keys(self, probe: np.ndarray) -> np.ndarray:
        """The probe side's key matrix as the one-key table's keys."""
        if self.packing is not None:
            return int_join.pack_keys(self.packing, probe)
        return probe[:, 0]

    def inner(self, probe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe row, build row) pairs with equal keys, in probe order."""
        if self.table is not None:
            return int_join.inner_pairs(self.table, self._keys(probe))
        heads, nexts, mask = self.general  # type: ignore[misc]
        return kjoin.inner_join(self.mat, heads, nexts, mask, probe)

    def semi(self, probe: np.ndarray) -> np.ndarray:
        """Per probe row: whether some build row has its key."""
        if self.table is not None:
            return int_join.semi(self.table, self._keys(probe))
        heads, nexts, mask = self.general  # type: ignore[misc]
        return kjoin.semi_join(self.mat, heads, nexts, mask, probe)

    def mark(self, probe: np.ndarray, matched: np.ndarray) -> None:
        """Set ``matched[r]`` for the build rows that some probe row matches."""
        if self.table is not None:
            int_join.mark_build_matches(self.table, self._keys(probe), matched)
            return
        heads, nexts, mask = self.general  # type: ignore[misc]
        kjoin.mark_build_matches(self.mat, heads, nexts, mask, probe, matched)
