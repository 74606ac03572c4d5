"""SerDe details and bad data when reading external tables (loopback S3): JSON values that do
not convert (HIVE_BAD_DATA, Hive's numeric-as-string rules, ``use.null.for.invalid.data``),
OpenX ``dots.in.keys`` / ``mapping.*`` / ``case.insensitive``, OpenCSVSerde ``escapeChar`` /
``separatorChar`` / ``quoteChar`` and its conversions, ``compressionType``,
``serialization.encoding``, and the notices counting what was read as NULL."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import json

import pyarrow as pa
import pytest

import warehouse
from bench.s3server import put_object as put
from warehouse.errors import DataError, NotSupportedError


@pytest.fixture
def con():
    c = warehouse.connect(":memory:", nodes=1, slices_per_node=2)
    yield c
    c.close()


HCAT = "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'"
OPENX = "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'"
CSV = "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'"


# ----- 1. JSON values that do not match the declared type ----------------------------------------
def test_json_value_that_does_not_convert_fails_with_hive_bad_data(s3, con):
    put(s3, "lake", "j/a.json", '{"id": 1, "n": 10, "d": "2024-01-01"}\n{"id": 2, "n": 20, "d": "2024-01-02"}\n'
                                '{"id": 3, "n": "twelve", "d": "2024-01-03"}\n')
    con.execute(f"CREATE EXTERNAL TABLE j (id int, n int, d date) {HCAT} LOCATION 's3://lake/j/'")
    with pytest.raises(DataError, match=r"HIVE_BAD_DATA: Error parsing field value 'twelve' for field 1 \(n\).*"
                                        r"s3://lake/j/a\.json, line 3, column n") as e:
        con.execute("SELECT id, n FROM j")
    assert e.value.sqlstate == "XX000"
    # a column the query does not read is not converted, so it cannot fail (Athena reads lazily too)
    assert con.execute("SELECT id FROM j ORDER BY id").fetchall() == [(1,), (2,), (3,)]
    # the OpenX SerDe's ignore.malformed.json covers records that are not JSON, not conversions
    con.execute(f"CREATE EXTERNAL TABLE jx (id int, n int) {OPENX} WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true') "
                "LOCATION 's3://lake/j/'")
    with pytest.raises(DataError, match=r"HIVE_BAD_DATA.*'twelve'.*line 3"):
        con.execute("SELECT n FROM jx")


def test_json_numeric_as_string_rules(s3, con):
    # a JSON string of digits converts to a number column; a JSON number into a string column
    # reads as its text (exactly as written); a fraction into an int column does not convert
    put(s3, "lake", "num/a.json", '{"i": "12", "b": "9000000000", "s": 12.50, "t": 7, "x": 1.5e3, "ok": "true"}\n'
                                  '{"i": 13, "b": 1, "s": "text", "t": "7", "x": "2.5", "ok": false}\n')
    con.execute(f"CREATE EXTERNAL TABLE num (i int, b bigint, s string, t varchar(5), x double, ok boolean) {HCAT} "
                "LOCATION 's3://lake/num/'")
    assert con.execute("SELECT i, b, s, t, x, ok FROM num ORDER BY i").fetchall() == [
        (12, 9000000000, "12.50", "7", 1500.0, True), (13, 1, "text", "7", 2.5, False)]
    put(s3, "lake", "num/b.json", '{"i": 1.5}\n')
    with pytest.raises(DataError, match=r"HIVE_BAD_DATA: Error parsing field value '1.5' for field 0 \(i\).*num/b\.json, line 1"):
        con.execute("SELECT i FROM num")
    put(s3, "lake", "num/b.json", '{"i": 99999999999}\n')  # out of range for int
    with pytest.raises(DataError, match=r"HIVE_BAD_DATA.*'99999999999'.*field 0 \(i\)"):
        con.execute("SELECT i FROM num")


def test_use_null_for_invalid_data_reads_nulls_and_counts_them(s3, con):
    put(s3, "lake", "lenient/a.json", '{"id": 1, "n": "x", "f": "1,5", "d": "2024-02-30"}\n{"id": 2, "n": 5, "f": 2.5, "d": "2024-02-01"}\n'
                                      '{not json\n{"id": 4, "n": 99999999999, "f": "y", "d": "2024-02-02"}\n')
    con.execute(f"CREATE EXTERNAL TABLE lenient (id int, n int, f real, d date) {OPENX} "
                "WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true') LOCATION 's3://lake/lenient/' "
                "TBLPROPERTIES ('use.null.for.invalid.data' = 'true')")
    cur = con.execute("SELECT id, n, f, d FROM lenient ORDER BY id")
    assert cur.fetchall() == [(1, None, None, None), (2, 5, 2.5, dt.date(2024, 2, 1)), (4, None, None, dt.date(2024, 2, 2)), (None, None, None, None)]
    assert any("5 value(s) that did not convert to the column type read as NULL" in n for n in cur.notices), cur.notices
    assert any("1 malformed JSON record(s) read as rows of NULLs" in n for n in cur.notices)
    assert con.execute("SELECT count(*) FROM lenient").fetchone()[0] == 4


def test_bad_value_deep_in_a_large_object_names_its_line(s3, con):
    rows = [{"k": i, "v": i * 2} for i in range(20000)]
    rows[15000]["v"] = "oops"
    put(s3, "lake", "big/part-0.json.gz", gzip.compress("\n".join(json.dumps(r) for r in rows).encode()))
    con.execute(f"CREATE EXTERNAL TABLE big (k int, v bigint) {HCAT} LOCATION 's3://lake/big/'")
    with pytest.raises(DataError, match=r"'oops' for field 1 \(v\).*part-0\.json\.gz, line 15001"):
        con.execute("SELECT sum(v) FROM big")
    assert con.execute("SELECT sum(k) FROM big").fetchone()[0] == sum(range(20000))


# ----- 2. OpenX options ---------------------------------------------------------------------------
def test_openx_dots_in_keys_mapping_and_case(s3, con):
    put(s3, "lake", "dots/a.json", '{"user.id": 1, "User.Name": "ann", "geo.lat": 1.5, "ts": "2024-01-01 00:00:00"}\n'
                                   '{"user_id": 2, "user.name": "bob", "geo.lat": 2.5, "ts": "2024-01-02 00:00:00"}\n')
    con.execute(f"""CREATE EXTERNAL TABLE dots (user_id int, user_name string, lat double, ts timestamp) {OPENX}
      WITH SERDEPROPERTIES ('dots.in.keys' = 'true', 'mapping.lat' = 'geo.lat') LOCATION 's3://lake/dots/'""")
    assert con.execute("SELECT user_id, user_name, lat, ts FROM dots ORDER BY user_id").fetchall() == [
        (1, "ann", 1.5, dt.datetime(2024, 1, 1)), (2, "bob", 2.5, dt.datetime(2024, 1, 2))]
    # without dots.in.keys a dotted key is just a key: the columns are NULL
    con.execute(f"CREATE EXTERNAL TABLE nodots (user_id int, user_name string) {OPENX} LOCATION 's3://lake/dots/'")
    assert con.execute("SELECT user_id, user_name FROM nodots ORDER BY user_id").fetchall() == [(2, None), (None, None)]
    # case.insensitive = false: 'User.Name' no longer matches user_name, 'user.name' still does
    con.execute(f"""CREATE EXTERNAL TABLE dots_cs (user_id int, user_name string) {OPENX}
      WITH SERDEPROPERTIES ('dots.in.keys' = 'true', 'case.insensitive' = 'false') LOCATION 's3://lake/dots/'""")
    assert con.execute("SELECT user_id, user_name FROM dots_cs ORDER BY user_id").fetchall() == [(1, None), (2, "bob")]


# ----- 3. OpenCSVSerde ----------------------------------------------------------------------------
def test_opencsv_escape_separator_quote(s3, con):
    text = ('1,"a, \\"quoted\\" b",x\\\\y\n'  # 1,"a, \"quoted\" b",x\\y
            '2,"dbl ""q""",C:\\temp\n'  # OpenCSV drops a backslash before an ordinary character
            '3,,\n')
    put(s3, "lake", "csv/a.csv", text)
    con.execute(f"CREATE EXTERNAL TABLE c (id int, s string, t string) {CSV} LOCATION 's3://lake/csv/'")
    assert con.execute("SELECT id, s, t FROM c ORDER BY id").fetchall() == [
        (1, 'a, "quoted" b', "x\\y"), (2, 'dbl "q"', "C:temp"), (3, "", "")]  # empty string fields stay empty strings
    put(s3, "lake", "csv2/a.txt", "1;'x;y';'it''s'\n2;'p\\'q';z\n")
    con.execute(f"""CREATE EXTERNAL TABLE c2 (id int, s string, t string) {CSV}
      WITH SERDEPROPERTIES ('separatorChar' = ';', 'quoteChar' = "'", 'escapeChar' = '\\\\') LOCATION 's3://lake/csv2/'""")
    assert con.execute("SELECT id, s, t FROM c2 ORDER BY id").fetchall() == [(1, "x;y", "it's"), (2, "p'q", "z")]


def test_opencsv_converts_types_empty_is_null_bad_value_fails(s3, con):
    put(s3, "lake", "typed/a.csv", 'id,amount,ok,day,at\n"1","2.50","true","2024-03-01","2024-03-01 10:00:00"\n'
                                   '"2","","","19783","1709287200000"\n3,4,false,,\n')
    con.execute(f"""CREATE EXTERNAL TABLE typed (id int, amount decimal(10,2), ok boolean, day date, at timestamp) {CSV}
      LOCATION 's3://lake/typed/' TBLPROPERTIES ('skip.header.line.count' = '1')""")
    cur = con.execute("SELECT id, amount, ok, day, at FROM typed ORDER BY id")
    from decimal import Decimal
    # numbers in quotes convert; empty is NULL for non-string types; DATE as days and TIMESTAMP as
    # milliseconds since 1970 (OpenCSVSerde's numeric forms)
    assert cur.fetchall() == [
        (1, Decimal("2.50"), True, dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 10)),
        (2, None, None, dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 10)),
        (3, Decimal("4.00"), False, None, None)]
    assert not cur.notices
    put(s3, "lake", "typed/b.csv", 'id,amount,ok,day,at\n9,abc,true,,\n')
    with pytest.raises(DataError, match=r"HIVE_BAD_DATA: Error parsing field value 'abc' for field 1 \(amount\).*typed/b\.csv, line 2"):
        con.execute("SELECT id, amount FROM typed")
    con.execute(f"""CREATE EXTERNAL TABLE typed2 (id int, amount decimal(10,2)) {CSV}
      LOCATION 's3://lake/typed/' TBLPROPERTIES ('skip.header.line.count' = '1', 'use.null.for.invalid.data' = 'true')""")
    cur = con.execute("SELECT id, amount FROM typed2 ORDER BY id")
    assert cur.fetchall()[-1] == (9, None)
    assert any("1 value(s) that did not convert" in n for n in cur.notices)


def test_lazysimple_stays_lenient(s3, con):
    # LazySimpleSerDe (ROW FORMAT DELIMITED) reads a bad value as NULL, as Hive does, and says so
    put(s3, "lake", "lazy/a", "1,x\n2,3\n")
    con.execute("CREATE EXTERNAL TABLE lazy (a int, b int) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://lake/lazy/'")
    cur = con.execute("SELECT a, b FROM lazy ORDER BY a")
    assert cur.fetchall() == [(1, None), (2, 3)]
    assert any("1 value(s) that did not convert" in n for n in cur.notices)


# ----- 4. compressionType, serialization.encoding -------------------------------------------------
def test_compression_type_for_objects_without_extension(s3, con):
    put(s3, "lake", "gz/part-0", gzip.compress(b"1|a\n2|b\n"))
    put(s3, "lake", "gz/part-1.bz2", bz2.compress(b"3|c\n"))  # the extension wins (Athena)
    con.execute("CREATE EXTERNAL TABLE gz (id int, v string) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' "
                "LOCATION 's3://lake/gz/' TBLPROPERTIES ('compressionType' = 'gzip')")
    assert con.execute("SELECT id, v FROM gz ORDER BY id").fetchall() == [(1, "a"), (2, "b"), (3, "c")]
    put(s3, "lake", "jz/firehose-1", gzip.compress(b'{"a": 1}{"a": 2}'))
    con.execute(f"CREATE EXTERNAL TABLE jz (a int) {HCAT} LOCATION 's3://lake/jz/' TBLPROPERTIES ('compressionType' = 'GZIP')")
    assert con.execute("SELECT sum(a) FROM jz").fetchone()[0] == 3
    # Redshift Spectrum's compression_type applies whatever the extension says
    put(s3, "lake", "sp/data.txt", bz2.compress(b"5|e\n"))
    con.execute("CREATE EXTERNAL TABLE sp (id int, v string) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' "
                "LOCATION 's3://lake/sp/' TBLPROPERTIES ('compression_type' = 'bzip2')")
    assert con.execute("SELECT id, v FROM sp").fetchall() == [(5, "e")]
    con.execute("CREATE EXTERNAL TABLE bad (id int) LOCATION 's3://lake/gz/' TBLPROPERTIES ('compressionType' = 'snappy')")
    with pytest.raises(NotSupportedError, match=r"compressionType 'snappy' is not supported \(gzip, bzip2, zstd"):
        con.execute("SELECT * FROM bad")


def test_serialization_encoding(s3, con):
    put(s3, "lake", "latin/a.csv", "1,Café Müller\n2,naïve\n".encode("iso-8859-1"))
    put(s3, "lake", "win/a.txt.gz", gzip.compress("1|“smart” – quotes €\n".encode("windows-1252")))
    put(s3, "lake", "u16/a.json", '{"s": "grüß"}\n{"s": "ok"}\n'.encode("utf-16"))
    con.execute(f"CREATE EXTERNAL TABLE latin (id int, s string) {CSV} WITH SERDEPROPERTIES ('serialization.encoding' = 'ISO-8859-1') "
                "LOCATION 's3://lake/latin/'")
    assert con.execute("SELECT s FROM latin ORDER BY id").fetchall() == [("Café Müller",), ("naïve",)]
    con.execute("CREATE EXTERNAL TABLE win (id int, s string) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' "
                "WITH SERDEPROPERTIES ('field.delim' = '|', 'serialization.encoding' = 'windows-1252') LOCATION 's3://lake/win/'")
    assert con.execute("SELECT s FROM win").fetchall() == [("“smart” – quotes €",)]
    con.execute(f"CREATE EXTERNAL TABLE u16 (s string) {HCAT} WITH SERDEPROPERTIES ('serialization.encoding' = 'UTF-16') "
                "LOCATION 's3://lake/u16/'")
    assert con.execute("SELECT s FROM u16 ORDER BY s").fetchall() == [("grüß",), ("ok",)]
    # without the property the Latin-1 bytes are not UTF-8: replaced, not silently mis-decoded as something else
    con.execute(f"CREATE EXTERNAL TABLE latin_raw (id int, s string) {CSV} LOCATION 's3://lake/latin/'")
    assert con.execute("SELECT s FROM latin_raw ORDER BY id").fetchone()[0] != "Café Müller"
    con.execute(f"CREATE EXTERNAL TABLE unknown_enc (id int) {CSV} WITH SERDEPROPERTIES ('serialization.encoding' = 'EBCDIC-XYZ') "
                "LOCATION 's3://lake/latin/'")
    with pytest.raises(NotSupportedError, match=r"serialization\.encoding 'EBCDIC-XYZ' is not a known character set"):
        con.execute("SELECT * FROM unknown_enc")


def test_regex_serde_counts_nulls_and_unmatched_lines_with_encoding(s3, con):
    put(s3, "lake", "rx/a.log", "# header\n2024-01-01 GET 200\n2024-01-02 POST abc\n".encode("iso-8859-1"))
    con.execute(r"""CREATE EXTERNAL TABLE rx (d date, m string, status int) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
      WITH SERDEPROPERTIES ('input.regex' = '^(\\S+) (\\S+) (\\S+)$', 'serialization.encoding' = 'latin1') LOCATION 's3://lake/rx/'""")
    cur = con.execute("SELECT d, m, status FROM rx ORDER BY d")
    assert cur.fetchall() == [(dt.date(2024, 1, 1), "GET", 200), (dt.date(2024, 1, 2), "POST", None), (None, None, None)]
    assert any("1 line(s) did not match input.regex" in n for n in cur.notices)
    assert any("1 value(s) that did not convert" in n for n in cur.notices)


def test_copy_csv_unchanged_by_opencsv_escapes(tmp_path):
    """COPY ... CSV has no escape character: a backslash stays (the OpenCSV escape is external-only)."""
    from loaders.objectstore import SourceObject
    from loaders.spec import LoadSpec
    from loaders.text import parse_text, split_text
    import pyarrow.fs as pafs

    p = tmp_path / "a.csv"
    p.write_bytes(b'1,"a\\b"\n')
    obj = SourceObject(str(p), pafs.LocalFileSystem(), str(p), p.stat().st_size)
    spec = LoadSpec(names=("id", "s"), types=(pa.int32(), pa.string()), lengths=(None, None), format="CSV", delimiter=",")
    piece = next(split_text(obj, spec))
    assert parse_text(piece, spec).table.column("s").to_pylist() == ["a\\b"]
