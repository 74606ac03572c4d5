"""The interpreter's thread switch interval while the engine runs queries.

Scans and probes run on worker threads that alternate short Python steps with numba kernels
that release the GIL.  A worker whose kernel returns must get the GIL back from a thread
running Python, which CPython only forces after the switch interval (5 ms by default); for
that time a core sits idle.  0.5 ms made the parallel part of TPC-H queries over external
Parquet about 6% faster on two cores (bench/, docs/benchmarks.md).  The interval is only
ever lowered, never raised above what the host program chose; WAREHOUSE_SWITCH_INTERVAL
(seconds, 0 to leave it alone) overrides it.
"""

from __future__ import annotations

import os
import sys

SWITCH_INTERVAL = 0.0005

_done = False


def tune_switch_interval() -> float:
    """Apply the interval once per process; the interval in force afterwards."""
    global _done
    if not _done:
        _done = True
        try:
            wanted = float(os.environ.get("WAREHOUSE_SWITCH_INTERVAL", SWITCH_INTERVAL))
        except ValueError:
            wanted = SWITCH_INTERVAL
        if wanted > 0 and wanted < sys.getswitchinterval():
            sys.setswitchinterval(wanted)
    return sys.getswitchinterval()
