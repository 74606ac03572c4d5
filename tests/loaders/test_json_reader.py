"""COPY ... FORMAT AS JSON reader: layouts, key matching, JSONPaths, values, rejects, streaming."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

import loaders.json_reader as J
from kernels.json_split import ARRAY, MALFORMED, NOT_OBJECT, OK, join_records, scan_records
from loaders.objectstore import list_objects
from loaders.rejects import ERR_INTEGER, ERR_JSON, ERR_NOT_NULL, ERR_TOO_LONG, LoadError
from loaders.spec import LoadSpec


def spec(names, types, *, lengths=None, arg="auto", compression=None, not_null=()):
    return LoadSpec(
        names=tuple(names), types=tuple(types), lengths=tuple(lengths or [None] * len(names)),
        format="JSON", format_arg=arg, compression=compression, not_null=tuple(not_null),
    )


def load(tmp_path, body, s, name="in.json"):
    p = tmp_path / name
    p.write_bytes(body if isinstance(body, bytes) else body.encode())
    chunks = list(J.read_json(list_objects(str(p))[0], s))
    table = pa.concat_tables([c.table for c in chunks])
    rejects = [r for c in chunks for r in c.rejects]
    return table.to_pylist(), rejects, chunks


ALL = spec(
    ["id", "name", "price", "ok", "d", "ts", "f"],
    [pa.int32(), pa.string(), pa.decimal128(18, 2), pa.bool_(), pa.date32(), pa.timestamp("us"), pa.float64()],
    lengths=[None, 20, None, None, None, None, None],
)


def test_newline_delimited_values_are_typed_exactly(tmp_path):
    body = '{"id": 1, "name": "a", "price": 12345678901234.56, "ok": true, "d": "2020-01-02", "ts": "2020-01-02 03:04:05", "f": 1.5}\n{"id": 2}\n'
    rows, rejects, _ = load(tmp_path, body, ALL)
    assert not rejects
    assert rows[0] == {"id": 1, "name": "a", "price": Decimal("12345678901234.56"), "ok": True, "d": dt.date(2020, 1, 2), "ts": dt.datetime(2020, 1, 2, 3, 4, 5), "f": 1.5}
    assert rows[1] == {"id": 2, "name": None, "price": None, "ok": None, "d": None, "ts": None, "f": None}


def test_concatenated_and_pretty_printed_objects(tmp_path):
    body = '{"id":1}{"id":2}  {"id":3}\n{\n  "id": 4,\n  "name": "four"\n}\n\n{"id":5}'
    rows, rejects, chunks = load(tmp_path, body, ALL)
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[3]["name"] == "four"
    assert not rejects and sum(c.lines for c in chunks) == 5


def test_auto_is_case_sensitive_and_ignorecase_is_not(tmp_path):
    body = '{"ID": 1, "Name": "x"}\n{"id": 2, "name": "y"}\n'
    s = spec(["id", "name"], [pa.int64(), pa.string()])
    assert load(tmp_path, body, s)[0] == [{"id": None, "name": None}, {"id": 2, "name": "y"}]
    s2 = spec(["id", "name"], [pa.int64(), pa.string()], arg="auto ignorecase")
    assert load(tmp_path, body, s2)[0] == [{"id": 1, "name": "x"}, {"id": 2, "name": "y"}]


def test_nested_value_into_varchar_is_its_json_text(tmp_path):
    body = '{"id": 1, "name": {"k": [1, 2.50, "x"]}}\n{"id": 2, "name": 3.10}\n{"id": 3, "name": true}\n'
    rows, rejects, _ = load(tmp_path, body, ALL)
    assert not rejects
    assert [r["name"] for r in rows] == ['{"k":[1,2.50,"x"]}', "3.10", "true"]


def test_jsonpaths(tmp_path):
    paths = tmp_path / "paths.json"
    paths.write_text(json.dumps({"jsonpaths": ["$.a", "$['b c']", "$.c[1]", "$.d.e", "$.d.f[0].g"]}))
    s = spec(["a", "b", "c", "e", "g"], [pa.int64(), pa.string(), pa.int64(), pa.decimal128(10, 3), pa.string()], arg=str(paths))
    body = '{"a": 1, "b c": "x", "c": [5, 6], "d": {"e": 1.5, "f": [{"g": "deep"}]}}\n{"a": 2, "c": [7], "d": null}\n'
    rows, rejects, _ = load(tmp_path, body, s)
    assert not rejects
    assert rows == [
        {"a": 1, "b": "x", "c": 6, "e": Decimal("1.500"), "g": "deep"},
        {"a": 2, "b": None, "c": None, "e": None, "g": None},
    ]


def test_jsonpaths_errors(tmp_path):
    paths = tmp_path / "paths.json"
    paths.write_text(json.dumps({"jsonpaths": ["$.a"]}))
    s = spec(["a", "b"], [pa.int64(), pa.int64()], arg=str(paths))
    with pytest.raises(LoadError, match="1 path\\(s\\) but COPY loads 2"):
        load(tmp_path, '{"a":1}', s)
    paths.write_text(json.dumps({"jsonpaths": ["a.b", "$.b"]}))
    with pytest.raises(LoadError, match="invalid JSONPath"):
        load(tmp_path, '{"a":1}', s)
    with pytest.raises(LoadError, match="does not exist"):
        load(tmp_path, '{"a":1}', spec(["a"], [pa.int64()], arg=str(tmp_path / "missing.json")))
    assert J.parse_jsonpath("$['a']['b'][2]") == ("a", "b", 2)


def test_bad_records_are_rejected_with_line_numbers(tmp_path):
    body = "\n".join([
        '{"id": 1, "name": "ok"}',
        '{"id": 2, "name": "unterminated',
        '{"id": 3, "name": "toolongtoolongtoolong_x"}',
        '{"id": "x4"}',
        '{"id": 5,, "name": "double comma"}',
        "42",
        '{"id": 7}',
    ])
    rows, rejects, chunks = load(tmp_path, body, ALL)
    assert [r["id"] for r in rows] == [1, 7]
    got = [(r.line_number, r.err_code) for r in rejects]
    assert got == [(2, ERR_JSON), (3, ERR_TOO_LONG), (4, ERR_INTEGER), (5, ERR_JSON), (6, ERR_JSON)]
    assert rejects[0].raw_line == '{"id": 2, "name": "unterminated'
    assert sum(c.lines for c in chunks) == 7


def test_top_level_array_is_an_error(tmp_path):
    with pytest.raises(LoadError, match="array") as e:
        load(tmp_path, '\n[{"id": 1}, {"id": 2}]\n', ALL)
    assert e.value.line_number == 2


def test_range_and_not_null_checks(tmp_path):
    s = spec(["a", "b"], [pa.int16(), pa.string()], not_null=(True, False))
    rows, rejects, _ = load(tmp_path, '{"a": 1}\n{"a": 40000}\n{"b": "x"}\n', s)
    assert rows == [{"a": 1, "b": None}]
    assert [(r.line_number, r.err_code) for r in rejects] == [(2, ERR_INTEGER), (3, ERR_NOT_NULL)]


def test_gzip(tmp_path):
    body = "".join(json.dumps({"id": i, "price": f"{i}.25"}) for i in range(1000)).encode()
    rows, rejects, chunks = load(tmp_path, gzip.compress(body), spec(["id", "price"], [pa.int64(), pa.decimal128(10, 2)], compression="GZIP"), "in.json.gz")
    assert len(rows) == 1000 and rows[999] == {"id": 999, "price": Decimal("999.25")}
    assert sum(c.nbytes for c in chunks) == (tmp_path / "in.json.gz").stat().st_size


def test_streams_in_chunks_with_records_across_boundaries(tmp_path, monkeypatch):
    lines = [json.dumps({"id": i, "name": "n" * (i % 7)}) + ("\n" if i % 3 else "") for i in range(3000)]
    lines[1500] = '{"id": 1500, "name": "broken\n'
    body = "".join(lines)
    whole, whole_rejects, _ = load(tmp_path, body, ALL)
    monkeypatch.setattr(J, "CHUNK_BYTES", 1000)
    rows, rejects, chunks = load(tmp_path, body, ALL)
    assert len(chunks) > 10
    assert rows == whole and len(rows) == 2999
    assert [(r.line_number, r.raw_line) for r in rejects] == [(r.line_number, r.raw_line) for r in whole_rejects]
    assert len(rejects) == 1


def test_one_bad_record_among_many_bisects(tmp_path):
    recs = [json.dumps({"id": i, "price": 1.5}) for i in range(5000)]
    recs[3333] = '{"id": 3333, "price": 1.5, }'
    rows, rejects, _ = load(tmp_path, "\n".join(recs), spec(["id", "price"], [pa.int64(), pa.decimal128(10, 2)]))
    assert len(rows) == 4999 and [r.line_number for r in rejects] == [3334]


def test_scan_kernel_flags():
    data = np.frombuffer(b'{"a":1} x\n{"b":"c\n{"d":[1,2]}\n{"e":1\n{"f":2}', np.uint8)
    starts, ends, lines, flags, used, nl, simple = scan_records(data, True, 1 << 20)
    assert list(flags) == [OK, NOT_OBJECT, MALFORMED, OK, MALFORMED, OK]
    assert list(lines) == [0, 0, 1, 2, 3, 4]
    assert used == len(data) and not simple
    out, offs = join_records(data, starts, ends, flags, False)
    assert bytes(out) == b'{"a":1}\n{"d":[1,2]}\n{"f":2}\n'
    assert scan_records(np.frombuffer(b'[1]', np.uint8), True, 100)[3][0] == ARRAY
    _, _, _, _, used, _, simple = scan_records(np.frombuffer(b'{"a":1}\n{"a":', np.uint8), False, 100)
    assert used == 8 and simple


def test_byte_order_mark_is_skipped(tmp_path):
    rows, rejects, _ = load(tmp_path, b'\xef\xbb\xbf{"id": 1}\n{"id": 2}\n', ALL)
    assert [r["id"] for r in rows] == [1, 2] and not rejects


def test_steps_parse_ahead_in_order_and_errors_surface(tmp_path, monkeypatch):
    monkeypatch.setattr(J, "CHUNK_BYTES", 512)
    body = "".join(json.dumps({"id": i, "name": f"n{i}"}) + "\n" for i in range(2000))
    rows, rejects, chunks = load(tmp_path, body, ALL)
    assert [r["id"] for r in rows] == list(range(2000)) and not rejects and len(chunks) > 50
    # an array far into the input stops the load there, naming its line
    with pytest.raises(LoadError, match="array") as e:
        load(tmp_path, body + '[{"id": 1}]\n' + body, ALL)
    assert e.value.line_number == 2001
    # a consumer that stops early leaves nothing running
    p = tmp_path / "in.json"
    gen = J.read_json(list_objects(str(p))[0], ALL)
    assert next(gen).table.num_rows > 0
    gen.close()


def test_quick_newline_delimited_steps_fall_back_to_the_scan(tmp_path, monkeypatch):
    # every line starts with '{' and ends with '}' (so steps pass the quick look) but some
    # are two records, a broken one, or part of a record that runs on to the next line
    lines = []
    for i in range(60):
        lines.append(json.dumps({"id": i, "name": f"n{i}"}))
        if i % 7 == 3:
            lines.append('{"id": %d}{"id": %d}' % (1000 + i, 2000 + i))
        if i % 11 == 5:
            lines.append('{"id": %d, "a": [{"x": 1}' % (3000 + i))
            lines.append('{"y": 2}]}')
        if i % 13 == 8:
            lines.append('{"id": %d, {"name": "q"}' % (4000 + i))
    body = "\n".join(lines) + "\n"
    results = []
    for step in (1 << 20, 64, 100, 333):
        monkeypatch.setattr(J, "CHUNK_BYTES", step)
        rows, rejects, chunks = load(tmp_path, body, ALL)
        results.append(([r["id"] for r in rows], [(r.line_number, r.raw_line) for r in rejects], sum(c.lines for c in chunks)))
    assert all(r == results[0] for r in results)
    ids, rejected, _ = results[0]
    assert ids[:6] == [0, 1, 2, 3, 1003, 2003] and None in ids and 4008 not in ids and 3005 not in ids
    assert (lines.index('{"id": 3005, "a": [{"x": 1}') + 1, '{"id": 3005, "a": [{"x": 1}') in rejected


def test_record_longer_than_the_limit_is_rejected_on_the_quick_path(tmp_path, monkeypatch):
    monkeypatch.setattr(J, "MAX_RECORD", 100)
    body = '{"id": 1}\n{"id": 2, "name": "%s"}\n{"id": 3}\n' % ("x" * 200)
    rows, rejects, _ = load(tmp_path, body, ALL)
    assert [r["id"] for r in rows] == [1, 3]
    assert [(r.line_number, r.err_code) for r in rejects] == [(2, ERR_JSON)]
