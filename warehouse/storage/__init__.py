"""warehouse/storage: the database directory, column blocks, zone maps, distribution.

Public API (see ``database.py``): ``Database``, ``CatalogSnapshot``, ``TableSnapshot``,
``BlockMeta``, ``WriteTransaction``, ``ZoneMap``; ``BLOCK_ROWS`` lives in ``database``.
"""

from warehouse.storage.database import (  # noqa: F401
    BlockMeta,
    CatalogSnapshot,
    Database,
    TableSnapshot,
    WriteTransaction,
)
from warehouse.storage.zonemap import ZoneMap  # noqa: F401
