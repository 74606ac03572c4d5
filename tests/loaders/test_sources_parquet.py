import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders.parquet import read_parquet
from loaders.rejects import LoadError, RejectedRow
from loaders.objectstore import list_objects


def resolve_local(source):
    return [o.url for o in list_objects(source)]


@pytest.fixture
def tree(tmp_path):
    for rel in ["part_0001", "part_0002", "sub/x.txt", "sub/deeper/y.txt", "other", ".hidden"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(rel)
    return tmp_path


def test_single_file(tree):
    assert resolve_local(str(tree / "other")) == [str(tree / "other")]


def test_directory_is_every_file_sorted(tree):
    got = resolve_local(str(tree / "sub"))
    assert got == [str(tree / "sub/deeper/y.txt"), str(tree / "sub/x.txt")]


def test_prefix_rule(tree):
    assert resolve_local(str(tree / "part_")) == [str(tree / "part_0001"), str(tree / "part_0002")]


def test_prefix_matches_directories_too(tree):
    assert resolve_local(str(tree / "su")) == [
        str(tree / "sub/deeper/y.txt"),
        str(tree / "sub/x.txt"),
    ]


def test_glob(tree):
    assert resolve_local(str(tree / "part_*2")) == [str(tree / "part_0002")]


def test_nothing_matches_names_the_path(tree):
    with pytest.raises(LoadError) as ei:
        resolve_local(str(tree / "nope"))
    assert str(tree / "nope") in str(ei.value)
    assert ei.value.filename == str(tree / "nope")


def test_unknown_scheme_is_named():
    with pytest.raises(LoadError, match="unsupported URL scheme 'gs'"):
        list_objects("gs://bucket/key")


def test_rejected_row_from_error():
    e = LoadError("bad", filename="f", line_number=3, colname="c", raw_value="x")
    assert e.to_rejected_row() == RejectedRow("f", 3, "c", "x", "bad", e.err_code)
    assert "line 3" in str(e) and "'x'" in str(e) and "column c" in str(e)


def test_read_parquet_row_groups_and_string_view(tmp_path, monkeypatch):
    import loaders.parquet

    t = pa.table({"a": pa.array(range(10), pa.int64()), "s": pa.array([str(i) for i in range(10)])})
    p1 = str(tmp_path / "a.parquet")
    pq.write_table(t, p1, row_group_size=4)
    sv = pa.table({"a": pa.array([1], pa.int64()), "s": pa.array(["z"], pa.string_view())})
    p2 = str(tmp_path / "b.parquet")
    pq.write_table(sv, p2)
    parts = list(read_parquet([p1, p2]))
    assert [p.num_rows for p in parts] == [4, 4, 2, 1]
    assert all(p.schema.field("s").type == pa.string() for p in parts)
    assert pa.concat_tables(parts)["a"].to_pylist() == [*range(10), 1]
    only = list(read_parquet([p1], columns=["s"]))
    assert only[0].column_names == ["s"]
    monkeypatch.setattr(loaders.parquet, "BATCH_ROWS", 3)
    assert [p.num_rows for p in read_parquet([p1])] == [3, 1, 3, 1, 2]


def test_read_parquet_errors(tmp_path):
    p = str(tmp_path / "a.parquet")
    pq.write_table(pa.table({"a": [1]}), p)
    with pytest.raises(LoadError) as ei:
        list(read_parquet([p], columns=["zz"]))
    assert ei.value.colname == "zz" and ei.value.filename == p
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(LoadError, match="Parquet"):
        list(read_parquet([str(bad)]))
    assert os.path.exists(p)
