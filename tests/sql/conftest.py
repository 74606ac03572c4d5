"""Collect ``tests/sql/**/*.test`` (sqllogictest, STYLE.md section 4) as pytest items.

One item per file: the records of a file share state (tables, open transactions), so they
run in order inside one item; every failing record is reported with ``file:line``, its SQL
and expected vs actual.  ``*.test_slow`` files are collected too, marked ``slow``, and
skipped unless ``-m`` selects ``slow`` or ``WAREHOUSE_RUN_SLOW=1``.  Generated datasets
(TPC-H Parquet) are cached in pytest's cache directory (``.pytest_cache/d/warehouse-data``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.sqllogic import SkipFile, SqlLogicError, run_file

SQL_ROOT = Path(__file__).parent


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in (".test", ".test_slow") and SQL_ROOT in file_path.parents:
        return SqlLogicFile.from_parent(parent, path=file_path)
    return None


class SqlLogicFailed(Exception):
    """Raised by an item whose records failed (the message lists them)."""


class SqlLogicFile(pytest.File):
    def collect(self):  # type: ignore[override]
        item = SqlLogicItem.from_parent(self, name=self.path.name)
        if self.path.suffix == ".test_slow":
            item.add_marker(pytest.mark.slow)
        yield item


def _data_dir(config: pytest.Config) -> Path:
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("warehouse-data"))
    return Path(tempfile.gettempdir()) / "warehouse-test-data"


class SqlLogicItem(pytest.Item):
    def runtest(self) -> None:
        if self.path.suffix == ".test_slow":
            markexpr = self.config.getoption("markexpr", "") or ""
            if "slow" not in markexpr or "not slow" in markexpr:
                if os.environ.get("WAREHOUSE_RUN_SLOW") != "1":
                    pytest.skip("slow test file: run with -m slow or WAREHOUSE_RUN_SLOW=1")
        with tempfile.TemporaryDirectory(prefix="wh-sqllogic-") as tmp:
            try:
                failures = run_file(self.path, tmp, _data_dir(self.config))
            except SkipFile as e:
                pytest.skip(str(e))
        if failures:
            shown = failures[:25]
            text = "\n\n".join(str(f) for f in shown)
            if len(failures) > len(shown):
                text += f"\n\n... and {len(failures) - len(shown)} more failure(s)"
            raise SqlLogicFailed(f"{len(failures)} record(s) failed\n\n{text}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):  # type: ignore[override]
        if isinstance(excinfo.value, (SqlLogicFailed, SqlLogicError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):  # type: ignore[override]
        return self.path, 0, f"sqllogic: {self.path.name}"
