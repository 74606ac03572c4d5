import gzip
import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from loaders.delimited import read_delimited
from loaders.rejects import LoadError

NAMES = ["i", "s", "d", "day", "b", "ts"]
TYPES = [pa.int32(), pa.string(), pa.decimal128(10, 2), pa.date32(), pa.bool_(), pa.timestamp("us")]


def load(path, **kw):
    kw.setdefault("column_names", NAMES)
    kw.setdefault("arrow_types", TYPES)
    return pa.concat_tables(list(read_delimited([str(path)], **kw)))


def write(tmp_path, text, name="t.tbl"):
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def test_trailing_delimiter_and_nulls(tmp_path):
    p = write(
        tmp_path,
        "1|a|2.50|1998-01-02|t|1998-01-02 03:04:05|\n"
        "|\\N||1998-01-03|\\N||\n"
        "3||1.5|1998-01-04|no|2000-01-01 00:00:00.5|\n",
    )
    t = load(p)
    assert t.schema.types == TYPES
    assert t.to_pylist() == [
        {"i": 1, "s": "a", "d": Decimal("2.50"), "day": dt.date(1998, 1, 2), "b": True,
         "ts": dt.datetime(1998, 1, 2, 3, 4, 5)},
        {"i": None, "s": None, "d": None, "day": dt.date(1998, 1, 3), "b": None, "ts": None},
        {"i": 3, "s": "", "d": Decimal("1.50"), "day": dt.date(1998, 1, 4), "b": False,
         "ts": dt.datetime(2000, 1, 1, 0, 0, 0, 500000)},
    ]


def test_no_trailing_delimiter_header_and_custom_null(tmp_path):
    p = write(tmp_path, "h\nh2\n1,x,1,2001-02-03,1,\n2,NUL,NUL,NUL,0,NUL\n")
    t = load(p, delimiter=",", null_as="NUL", ignore_header=2)
    assert t.column("i").to_pylist() == [1, 2]
    assert t.column("s").to_pylist() == ["x", None]
    assert t.column("d").to_pylist() == [Decimal("1.00"), None]


def test_many_chunks_and_files(tmp_path):
    lines = "".join(f"{i}|s{i}|{i}.25|2020-01-01|t||\n" for i in range(5000))
    a = write(tmp_path, lines, "a.tbl")
    b = write(tmp_path, lines, "b.tbl")
    batches = list(read_delimited([str(a), str(b)], column_names=NAMES, arrow_types=TYPES,
                                  chunk_size=10_000))
    assert len(batches) > 2
    t = pa.concat_tables(batches)
    assert t.num_rows == 10000
    assert t.column("i").to_pylist() == list(range(5000)) * 2


def test_gzip(tmp_path):
    p = write(tmp_path, gzip.compress(b"7|x|1|2020-01-01|f||\n"), "a.gz")
    assert load(p, compression="gzip").column("i").to_pylist() == [7]


def test_csv_mode_quotes(tmp_path):
    p = write(tmp_path, '1,"a,b",1,2020-01-01,t,\n2,"say ""hi""",2,2020-01-02,f,\n')
    t = load(p, delimiter=",", csv=True)
    assert t.column("s").to_pylist() == ["a,b", 'say "hi"']


def test_empty_file(tmp_path):
    p = write(tmp_path, "")
    assert list(read_delimited([str(p)], column_names=NAMES, arrow_types=TYPES)) == []


@pytest.mark.parametrize(
    ("bad_line", "col", "raw"),
    [
        ("2|b|x.5|1998-01-03|f||", "d", "x.5"),
        ("2|b|1|1998-13-03|f||", "day", "1998-13-03"),
        ("abc|b|1|1998-01-03|f||", "i", "abc"),
        ("2|b|1|1998-01-03|maybe||", "b", "maybe"),
        ("99999999999|b|1|1998-01-03|f||", "i", "99999999999"),
    ],
)
def test_bad_value_names_file_line_column_value(tmp_path, bad_line, col, raw):
    good = "".join(f"{i}|a|1|1998-01-02|t||\n" for i in range(50))
    p = write(tmp_path, "header\n" + good + bad_line + "\n" + good)
    with pytest.raises(LoadError) as ei:
        load(p, ignore_header=1, chunk_size=200)
    e = ei.value
    assert (e.filename, e.line_number, e.colname, e.raw_value) == (str(p), 52, col, raw)
    assert str(p) in str(e) and "line 52" in str(e)


def test_wrong_field_count(tmp_path):
    p = write(tmp_path, "1|a|1|1998-01-02|t||\n2|a|1|1998-01-02|t|\n")
    with pytest.raises(LoadError) as ei:
        load(p)
    assert ei.value.line_number == 2
    assert "field(s), expected 6" in ei.value.reason
