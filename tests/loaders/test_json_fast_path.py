"""The JSON fast path (kernels.json_fields via loaders.json_reader ``_Reader._fast``) reads
exactly what the general path (pyarrow + convert_text, record by record when needed) reads:
same rows, same rejects with the same lines and reasons, same errors.  Every case is read
twice, once with the fast path off, and compared."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

import loaders.json_reader as J
from kernels.json_fields import C_FLOAT, C_INT, C_STRING, C_TIMESTAMP, count_lines, extract_fields, extract_records, record_cut
from loaders.objectstore import list_objects
from loaders.spec import LoadSpec

NAMES = ["name", "statustime", "distance", "magicpoints", "big"]
TYPES = [pa.string(), pa.timestamp("us"), pa.float32(), pa.int32(), pa.float64()]


def spec(arg="auto ignorecase", lengths=None, **options):
    return LoadSpec(names=tuple(NAMES), types=tuple(TYPES), lengths=tuple(lengths or [None] * len(NAMES)),
                    format="JSON", format_arg=arg, options=options)


def read(tmp_path, body, s, fast=True, monkeypatch=None):
    p = tmp_path / "in.json"
    p.write_bytes(body.encode() if isinstance(body, str) else body)
    used = []
    real = J._Reader._fast

    def spy(self, *a, **k):
        out = real(self, *a, **k)
        used.append(out is not None)
        return out

    with pytest.MonkeyPatch.context() as mp:
        if fast:
            mp.setattr(J._Reader, "_fast", spy)
        else:
            mp.setattr(J, "_fast_plan", lambda *a, **k: None)
        chunks = list(J.read_json(list_objects(str(p))[0], s))
    rows = [r for c in chunks for r in c.table.to_pylist()]
    rejects = [(r.line_number, r.colname, r.reason, r.err_code) for c in chunks for r in c.rejects]
    return rows, rejects, sum(c.lines for c in chunks), used


def outcome(tmp_path, body, s, fast):
    try:
        return read(tmp_path, body, s, fast=fast)
    except Exception as e:  # noqa: BLE001 - both paths must fail the same way
        return (type(e), str(e)), None, None, []


def same(tmp_path, body, s=None, expect_fast=None):
    s = s or spec()
    fast = outcome(tmp_path, body, s, True)
    slow = outcome(tmp_path, body, s, False)
    assert fast[:3] == slow[:3]
    if expect_fast is not None:
        assert any(fast[3]) == expect_fast, fast[3]
    return fast


REC = '{"Name":"Shadowfax","StatusTime":"2024-03-01 12:00:01.123","Latitude":40.74968236043463,"Distance":175.5,"MagicPoints":150,"Big":1.25}'


def test_flat_records_take_the_fast_path(tmp_path):
    body = "\n".join([REC, '{"name":"Rocinante","statustime":"2024-02-29 23:59:59","distance":0,"magicpoints":-7}',
                      '{"Name":null,"StatusTime":null,"Distance":null,"MagicPoints":null,"Big":null}', "{}",
                      '{"Other":{"a":[1,2,{"b":"}"}]},"x":[true,false,null],"s":"q\\"uo\\u00e9te","Name":"Zed","n":-1.5e-3}']) + "\n"
    rows, rejects, lines, _ = same(tmp_path, body, expect_fast=True)
    assert not rejects and lines == 5
    assert rows[0] == {"name": "Shadowfax", "statustime": dt.datetime(2024, 3, 1, 12, 0, 1, 123000), "distance": 175.5,
                       "magicpoints": 150, "big": 1.25}
    assert rows[1]["statustime"] == dt.datetime(2024, 2, 29, 23, 59, 59) and rows[1]["magicpoints"] == -7
    assert rows[2] == rows[3] == {"name": None, "statustime": None, "distance": None, "magicpoints": None, "big": None}
    assert rows[4]["name"] == "Zed"


def test_concatenated_pretty_printed_and_crlf(tmp_path):
    same(tmp_path, REC + REC + "  " + REC, expect_fast=True)
    same(tmp_path, REC.replace(",", ",\n  ") + "\n" + REC + "\n", expect_fast=True)
    same(tmp_path, REC + "\r\n" + REC + "  \r\n\n" + REC, expect_fast=None)


@pytest.mark.parametrize("value", [
    '"Zoë"', '"tab\\there"', '"a\\"b"', "12", "true", '{"a":1}', '["x"]',  # name
])
def test_values_the_fast_path_leaves_to_the_general_one(tmp_path, value):
    same(tmp_path, REC + "\n" + REC.replace('"Shadowfax"', value) + "\n", expect_fast=False)


@pytest.mark.parametrize("ts", ["2024-03-01T12:00:01", "2024-03-01 12:00:01Z", "2024-03-01", "2024-13-01 00:00:00",
                                "2024-02-30 00:00:00", "2024-03-01 12:00:01.1234567", "2024-03-01 24:00:00", "",
                                "2024-03-01 12:00:01.", " 2024-03-01 12:00:01"])
def test_timestamps_in_other_forms(tmp_path, ts):
    same(tmp_path, REC + "\n" + REC.replace("2024-03-01 12:00:01.123", ts) + "\n")


@pytest.mark.parametrize("number", ["1e2", "-0", "-0.0", "0.1", "3.4028236e38", "1e400", "12345678901234567890",
                                    "0.30000000000000004", "9007199254740993", "1.5E-7", "01", "1.", "-", "2147483648",
                                    "-2147483649", '"12"', "12.0"])
def test_numbers(tmp_path, number):
    for key in ('"Distance":175.5', '"MagicPoints":150', '"Big":1.25'):
        k = key.split(":")[0]
        same(tmp_path, REC + "\n" + REC.replace(key, f"{k}:{number}") + "\n")


def test_record_longer_than_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(J, "MAX_RECORD", 150)
    rows, rejects, _, _ = same(tmp_path, REC + "\n" + REC.replace("Shadowfax", "x" * 100) + "\n" + REC + "\n")
    assert len(rows) == 2 and len(rejects) == 1


def test_duplicate_keys_and_escaped_keys(tmp_path):
    same(tmp_path, REC[:-1] + ',"name":"again"}\n', expect_fast=False)
    same(tmp_path, REC.replace('"Name"', '"N\\u0061me"') + "\n", expect_fast=False)


def test_malformed_records_are_rejected_the_same_way(tmp_path):
    rows, rejects, lines, _ = same(tmp_path, REC + "\n" + REC[:-1] + "\n" + REC + "\n" + '{"Name": tru}\n' + REC + "\n")
    assert rejects and len(rows) == 3


def test_exact_keys_and_lengths(tmp_path):
    same(tmp_path, REC + "\n" + REC.replace('"Name"', '"name"') + "\n", spec(arg="auto"), expect_fast=True)
    same(tmp_path, REC + "\n", spec(lengths=[5, None, None, None, None]), expect_fast=False)
    same(tmp_path, REC + "\n", spec(lengths=[9, None, None, None, None]), expect_fast=True)


def test_dictionary_strings_for_the_engine(tmp_path):
    body = "\n".join(REC.replace("Shadowfax", n) for n in ["a", "b", "a", "c", "b"]) + "\n" + '{"Name":null}\n'
    p = tmp_path / "in.json"
    p.write_text(body)
    chunks = list(J.read_json(list_objects(str(p))[0], spec(**{"json.dictionary_strings": True})))
    col = pa.chunked_array([c.table.column("name") for c in chunks]).combine_chunks()
    assert pa.types.is_dictionary(col.type)
    assert col.dictionary.to_pylist() == ["a", "b", "c"]  # distinct, in first-seen order
    assert col.to_pylist() == ["a", "b", "a", "c", "b", None]


def test_kernels_directly():
    data = np.frombuffer(b'{"A": 1, "b": "x"}\n{"b":"y","a":-2}\n', np.uint8)
    keys = np.frombuffer(b"ab", np.uint8)
    offs = np.array([0, 1, 2], np.int64)
    kinds = np.array([C_INT, C_STRING], np.int64)
    assert count_lines(data) == (2, len(data))
    failed, ints, floats, spans, valid, firsts, ndict, n = extract_records(data, keys, offs, kinds, 1, 1 << 20)
    assert failed == -1 and n == 2 and ints[0, :2].tolist() == [1, -2] and ints[1, :2].tolist() == [0, 1] and ndict.tolist() == [2]
    assert [bytes(data[spans[0, 0, c]:spans[0, 1, c]]) for c in range(2)] == [b"x", b"y"] and firsts[0, :2].tolist() == [0, 1]
    # exact keys: "A" is not "a"
    failed, ints, _, _, valid, _, _, n = extract_records(data, keys, offs, kinds, 0, 1 << 20)
    assert failed == -1 and valid[0, :2].tolist() == [False, True]
    # concatenated, pretty-printed: the same records
    glued = np.frombuffer(b'{"a":1,"b":"x"}{"b":"y",\n "a":-2}  ', np.uint8)
    out = extract_records(glued, keys, offs, kinds, 0, 1 << 20)
    assert out[0] == -1 and out[-1] == 2 and out[1][0, :2].tolist() == [1, -2]
    assert extract_records(glued[:-4], keys, offs, kinds, 0, 1 << 20)[0] == 1  # the second record cut short
    starts, ends = np.array([0, 19]), np.array([18, 35])
    assert extract_fields(data, starts, ends, keys, offs, kinds, 1, 1 << 20)[0] == -1
    assert extract_fields(data, starts, ends - 1, keys, offs, kinds, 1, 1 << 20)[0] == 0  # cut short
    ts = np.frombuffer(b'{"t":"1969-12-31 23:59:59.5"}\n', np.uint8)
    out = extract_records(ts, np.frombuffer(b"t", np.uint8), np.array([0, 1], np.int64), np.array([C_TIMESTAMP], np.int64), 0, 1 << 20)
    assert out[0] == -1 and out[1][0, 0] == -500000
    fl = np.frombuffer(b'{"f":-12.5e1}\n', np.uint8)
    out = extract_records(fl, np.frombuffer(b"f", np.uint8), np.array([0, 1], np.int64), np.array([C_FLOAT], np.int64), 0, 1 << 20)
    assert out[0] == -1 and out[2][0, 0] == -125.0
    # where a step may end: before the last record that follows a whole one
    assert record_cut(np.frombuffer(b'{"a":1}\n{"a":2}{"a"', np.uint8)) == 15
    assert record_cut(np.frombuffer(b'{"a":"x} {y"', np.uint8)) == 9  # a guess inside a string
    assert record_cut(np.frombuffer(b'{"a":1', np.uint8)) == 0


@pytest.mark.parametrize("bad_every", [0, 7, 1000])
def test_many_small_steps(tmp_path, monkeypatch, bad_every):
    """Records cut across steps, a step the fast path leaves now and then (a name it does not
    take), a record spanning lines: the same rows and line numbers as the general path."""
    monkeypatch.setattr(J, "CHUNK_BYTES", 1000)
    recs = []
    for i in range(300):
        r = REC.replace("Shadowfax", f"u{i % 13}").replace('"MagicPoints":150', f'"MagicPoints":{i}')
        if bad_every and i % bad_every == 5:
            r = r.replace(f"u{i % 13}", "Zoë")
        recs.append(r)
    body = "\n".join(recs[:150]) + "\n" + recs[150].replace(",", ",\n") + "\n" + "".join(recs[151:200]) + "\n" + "\n".join(recs[200:]) + "\n"
    rows, rejects, lines, used = same(tmp_path, body)
    assert [r["magicpoints"] for r in rows] == list(range(300)) and not rejects
    if not bad_every:
        assert used and any(used)
    if bad_every == 7:
        assert used.count(False) <= 2 + 4  # given up after two misses (a few steps were in flight)
