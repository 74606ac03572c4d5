"""Row groups ruled out by footer statistics (``loaders.row_group_stats``): each operator,
strings, decimals, dates, and the cases that must read everything (a constant the column
cannot hold, no statistics, floats with NaN)."""

from __future__ import annotations

import datetime as dt
import decimal
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders.row_group_stats import kept_row_groups

GROUP = 10


def _file(table: pa.Table, **kw) -> pq.ParquetFile:
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=GROUP, **kw)
    return pq.ParquetFile(io.BytesIO(sink.getvalue()))


@pytest.fixture
def sorted_file() -> pq.ParquetFile:
    """40 rows in 4 groups: k 0..39, d from 2024-01-01, price k/4, tag 'a'..'d' per group."""
    ks = list(range(40))
    return _file(pa.table({
        "k": pa.array(ks, pa.int64()),
        "d": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in ks], pa.date32()),
        "price": pa.array([decimal.Decimal(k) / 4 for k in ks], pa.decimal128(9, 2)),
        "Tag": pa.array(["abcd"[k // GROUP] for k in ks]),
        "x": pa.array([float("nan") if k == 5 else float(k) for k in ks]),
    }))


def _kept(pf: pq.ParquetFile, *conjuncts: tuple[str, str, list]) -> list[int]:
    by_name = {f.name.lower(): f.name for f in pf.schema_arrow}
    return kept_row_groups(pf.metadata, pf.schema_arrow, by_name, list(conjuncts), list(range(pf.metadata.num_row_groups)))


def s(v, t):  # noqa: ANN001, ANN201 - a pyarrow scalar
    return pa.scalar(v, t)


def test_each_operator_keeps_the_groups_that_may_match(sorted_file):
    i = pa.int64()
    assert _kept(sorted_file, ("k", "eq", [s(15, i)])) == [1]
    assert _kept(sorted_file, ("k", "lt", [s(10, i)])) == [0]
    assert _kept(sorted_file, ("k", "le", [s(10, i)])) == [0, 1]
    assert _kept(sorted_file, ("k", "gt", [s(29, i)])) == [3]
    assert _kept(sorted_file, ("k", "ge", [s(29, i)])) == [2, 3]
    assert _kept(sorted_file, ("k", "in", [s(3, i), s(35, i)])) == [0, 3]
    assert _kept(sorted_file, ("k", "gt", [s(5, i)]), ("k", "lt", [s(12, i)])) == [0, 1]  # conjuncts: all must allow
    assert _kept(sorted_file, ("k", "gt", [s(100, i)])) == []


def test_dates_decimals_and_strings(sorted_file):
    assert _kept(sorted_file, ("d", "ge", [s(dt.date(2024, 2, 5), pa.date32())])) == [3]
    assert _kept(sorted_file, ("price", "lt", [s(decimal.Decimal("2.5"), pa.decimal128(9, 2))])) == [0]
    assert _kept(sorted_file, ("tag", "eq", [s("c", pa.string())])) == [2]  # names match whatever their case


def test_what_cannot_be_judged_reads_every_group(sorted_file):
    every = [0, 1, 2, 3]
    assert _kept(sorted_file, ("k", "lt", [s(9.5, pa.float64())])) == every  # the column cannot hold 9.5
    assert _kept(sorted_file, ("missing", "eq", [s(1, pa.int64())])) == every
    assert _kept(sorted_file, ("tag", "eq", [s(3, pa.int64())])) == every  # text orders otherwise than numbers ('03' < '3')
    # a float column's statistics ignore NaN: groups are still judged by the rest, never wrongly
    assert 0 in _kept(sorted_file, ("x", "lt", [s(6.0, pa.float64())]))


def test_a_file_without_statistics_is_read_whole():
    pf = _file(pa.table({"k": pa.array(range(30), pa.int64())}), write_statistics=False)
    assert _kept(pf, ("k", "gt", [pa.scalar(100, pa.int64())])) == [0, 1, 2]
