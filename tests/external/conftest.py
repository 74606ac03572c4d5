"""External tables: the sqllogictest files here (``*.test``) and the S3 fixtures.

``tests/sql/conftest.py`` collects only ``tests/sql``; this collects this folder's files the
same way.  The loopback S3 server fixtures come from ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sql.conftest import SqlLogicFile

HERE = Path(__file__).parent


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in (".test", ".test_slow") and HERE in file_path.parents:
        return SqlLogicFile.from_parent(parent, path=file_path)
    return None
