"""The external-table benchmark (bench/external_bench.py) runs end to end at a tiny size and
warehouse's answers equal DuckDB's: the Wild Rydes per-minute aggregation over Firehose JSON,
one record per line and concatenated ``{...}{...}``.  No timing is asserted."""
from __future__ import annotations

import json

import pytest

from bench import external_bench as B


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    pytest.importorskip("duckdb")
    root = tmp_path_factory.mktemp("wildrydes")
    # ~3 MB in objects of ~400 KB, as Firehose lays them out
    return {layout: B.generate(0.003, layout, quiet=True, target=root / layout, object_bytes=400_000)
            for layout in ("lines", "concatenated")}


def test_generated_objects_look_like_firehose_deliveries(data):
    folder = data["lines"]
    objects = B.objects(folder)
    assert len(objects) >= 5
    for p in objects:
        parts = p.relative_to(folder).parts
        assert len(parts) == 5 and parts[0] == "2024" and parts[-1].startswith("wildrydes-1-2024-")  # YYYY/MM/DD/HH/object
    lines = objects[0].read_bytes().decode().splitlines()
    record = json.loads(lines[0])
    assert list(record) == ["Name", "StatusTime", "Latitude", "Longitude", "Distance", "MagicPoints", "HealthPoints"]
    assert len(record["StatusTime"]) == 23 and record["StatusTime"][10] == " "
    assert all(json.loads(line) for line in lines)
    concatenated = B.objects(data["concatenated"])[0].read_bytes()
    assert b"\n" not in concatenated and b"}{" in concatenated
    meta = json.loads(B._meta_path(folder).read_text())
    assert meta["objects"] == len(objects) and meta["bytes"] == sum(p.stat().st_size for p in objects)


@pytest.mark.parametrize("layout", ["lines", "concatenated"])
def test_bench_answers_match_duckdb(data, layout):
    out = B.run_bench(data[layout], layout, repeat=1, quiet=True)
    assert out["answers_match"], out["problems"]
    assert out["groups"] > 100
    assert {r["engine"] for r in out["results"]} == {"warehouse", "duckdb"}
    assert all(r["seconds"] > 0 and r["cpu_seconds"] >= 0 for r in out["results"])


def test_compare_reports_differences():
    base = {("a", 1): (1.5, 1, 2), ("b", 1): (2.0, 3, 4)}
    assert B.compare(base, dict(base)) == []
    assert B.compare({**base, ("a", 1): (1.5 + 1e-12, 1, 2)}, base) == []  # float tolerance
    assert B.compare({**base, ("a", 1): (1.6, 1, 2)}, base)
    assert B.compare({("a", 1): (1.5, 1, 2)}, base)[0].startswith("groups differ")
