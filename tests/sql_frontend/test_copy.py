import pytest

from warehouse.errors import ProgrammingError, SyntaxError_
from warehouse.sql.copy import CopyCommand, parse_copy
from warehouse.sql.dialect import parse


def test_minimal_defaults():
    c = parse_copy("COPY users FROM '/data/users.txt'")
    assert c == CopyCommand(table=(None, "users"), columns=(), source="/data/users.txt")
    assert (c.format, c.delimiter, c.null_as, c.ignore_header, c.quote) == (
        "DELIMITED", "|", "\\N", 0, None)


def test_table_columns_and_ast_input():
    ast = parse('COPY Dev."Sales" (A, "B") FROM \'s3://b/k\' REGION \'us-east-1\'')[0]
    c = parse_copy(ast)
    assert c.table == ("dev", "Sales") and c.columns == ("a", "B")
    assert c.source == "s3://b/k" and c.options["REGION"] == "us-east-1"


@pytest.mark.parametrize(
    ("clause", "key", "value"),
    [
        ("IAM_ROLE 'arn:aws:iam::1:role/r'", "IAM_ROLE", "arn:aws:iam::1:role/r"),
        ("IAM_ROLE default", "IAM_ROLE", "DEFAULT"),
        ("CREDENTIALS 'aws_access_key_id=A;aws_secret_access_key=B'", "CREDENTIALS",
         "aws_access_key_id=A;aws_secret_access_key=B"),
        ("ACCESS_KEY_ID 'AK'", "ACCESS_KEY_ID", "AK"),
        ("SECRET_ACCESS_KEY 'SK'", "SECRET_ACCESS_KEY", "SK"),
        ("SESSION_TOKEN 'ST'", "SESSION_TOKEN", "ST"),
        ("REGION AS 'eu-west-1'", "REGION", "eu-west-1"),
        ("REGION 'eu-west-1'", "REGION", "eu-west-1"),
        ("DELIMITER AS ','", "DELIMITER", ","),
        ("DELIMITER '\\t'", "DELIMITER", "\t"),
        ("IGNOREHEADER AS 2", "IGNOREHEADER", 2),
        ("IGNOREHEADER 1", "IGNOREHEADER", 1),
        ("NULL AS 'null'", "NULL", "null"),
        ("NULL '\\N'", "NULL", "\\N"),
        ("EMPTYASNULL", "EMPTYASNULL", True),
        ("BLANKSASNULL", "BLANKSASNULL", True),
        ("FILLRECORD", "FILLRECORD", True),
        ("TRUNCATECOLUMNS", "TRUNCATECOLUMNS", True),
        ("ACCEPTINVCHARS", "ACCEPTINVCHARS", True),
        ("ACCEPTINVCHARS AS '^'", "ACCEPTINVCHARS", "^"),
        ("ACCEPTINVCHARS '^'", "ACCEPTINVCHARS", "^"),
        ("REMOVEQUOTES", "REMOVEQUOTES", True),
        ("ESCAPE", "ESCAPE", True),
        ("DATEFORMAT AS 'YYYY-MM-DD'", "DATEFORMAT", "YYYY-MM-DD"),
        ("DATEFORMAT 'auto'", "DATEFORMAT", "auto"),
        ("TIMEFORMAT AS 'epochsecs'", "TIMEFORMAT", "epochsecs"),
        ("GZIP", "GZIP", True),
        ("BZIP2", "BZIP2", True),
        ("LZOP", "LZOP", True),
        ("ZSTD", "ZSTD", True),
        ("LZ4", "LZ4", True),
        ("MAXERROR AS 5", "MAXERROR", 5),
        ("MAXERROR 10", "MAXERROR", 10),
        ("ROUNDEC", "ROUNDEC", True),
        ("TRIMBLANKS", "TRIMBLANKS", True),
        ("MANIFEST", "MANIFEST", True),
        ("COMPUPDATE", "COMPUPDATE", True),
        ("COMPUPDATE ON", "COMPUPDATE", "ON"),
        ("COMPUPDATE OFF", "COMPUPDATE", "OFF"),
        ("STATUPDATE OFF", "STATUPDATE", "OFF"),
        ("STATUPDATE", "STATUPDATE", True),
        ("EXPLICIT_IDS", "EXPLICIT_IDS", True),
        ("ENCRYPTED", "ENCRYPTED", True),
    ],
)
def test_every_option(clause, key, value):
    c = parse_copy(f"COPY t FROM 'src' {clause}")
    assert c.options == {key: value}
    # and in any position among others
    before, after = ("ROUNDEC", "EXPLICIT_IDS") if key not in ("ROUNDEC", "EXPLICIT_IDS") else (
        "TRIMBLANKS", "MANIFEST")
    c2 = parse_copy(f"COPY t FROM 'src' {before} {clause} {after}")
    assert c2.options == {before: True, key: value, after: True}


def test_fields_from_options():
    c = parse_copy(
        "COPY t FROM 'x' DELIMITER ',' IGNOREHEADER 3 NULL AS 'NA' BZIP2 MAXERROR 7 EMPTYASNULL"
    )
    assert (c.delimiter, c.ignore_header, c.null_as, c.compression, c.max_error) == (
        ",", 3, "NA", "BZIP2", 7)
    assert c.flag("emptyasnull") and not c.flag("BLANKSASNULL")


@pytest.mark.parametrize(
    ("clause", "fmt", "arg", "delim", "quote"),
    [
        ("CSV", "CSV", None, ",", '"'),
        ("CSV QUOTE AS '%'", "CSV", None, ",", "%"),
        ("CSV QUOTE '%' DELIMITER '|'", "CSV", None, "|", "%"),
        ("FORMAT AS CSV", "CSV", None, ",", '"'),
        ("FORMAT CSV QUOTE AS '%'", "CSV", None, ",", "%"),
        ("FORMAT AS PARQUET", "PARQUET", None, None, None),
        ("FORMAT PARQUET", "PARQUET", None, None, None),
        ("PARQUET", "PARQUET", None, None, None),
        ("FORMAT AS ORC", "ORC", None, None, None),
        ("FORMAT AS JSON 'auto'", "JSON", "auto", None, None),
        ("FORMAT AS JSON 'auto ignorecase'", "JSON", "auto ignorecase", None, None),
        ("FORMAT AS JSON 's3://b/paths.json'", "JSON", "s3://b/paths.json", None, None),
        ("JSON 'auto'", "JSON", "auto", None, None),
        ("JSON", "JSON", "auto", None, None),
        ("FORMAT AS AVRO 'auto'", "AVRO", "auto", None, None),
        ("FIXEDWIDTH 'a:3,b:5'", "FIXEDWIDTH", "a:3,b:5", None, None),
    ],
)
def test_formats(clause, fmt, arg, delim, quote):
    c = parse_copy(f"COPY t FROM 'x' {clause}")
    assert (c.format, c.format_arg, c.delimiter, c.quote) == (fmt, arg, delim, quote)


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("COPY t FROM 'x' GZIP GZIP", "redundant COPY option GZIP"),
        ("COPY t FROM 'x' GZIP BZIP2", "conflicting COPY compressions"),
        ("COPY t FROM 'x' CSV FORMAT AS PARQUET", "conflicting COPY formats"),
        ("COPY t FROM 'x' FORMAT AS PARQUET DELIMITER ','", "DELIMITER cannot be used"),
        ("COPY t FROM 'x' FIXEDWIDTH 'a:1' DELIMITER ','", "cannot be used together"),
        ("COPY t FROM 'x' QUOTE '%'", "QUOTE requires CSV"),
        ("COPY t FROM 'x' CSV REMOVEQUOTES", "cannot be used with CSV"),
        ("COPY t FROM 'x' DELIMITER '||'", "single character"),
        ("COPY t FROM 'x' FROBNICATE", 'unknown COPY option "FROBNICATE"'),
        ("COPY t FROM 'x' MAXERROR 'ten'", "syntax error"),
        ("COPY t FROM 'x' FORMAT AS XML", "syntax error"),
        ("COPY t FROM x", "syntax error"),
        ("COPY t TO 'x'", "syntax error"),
        ("COPY t FROM 'x'; COPY t FROM 'y'", "exactly one"),
    ],
)
def test_errors(sql, words):
    with pytest.raises(SyntaxError_) as ei:
        parse_copy(sql)
    assert words in ei.value.message
    assert ei.value.sqlstate == "42601"


def test_duplicate_column():
    with pytest.raises(ProgrammingError, match="more than once"):
        parse_copy("COPY t (a, A) FROM 'x'")


def test_spec_examples():
    c = parse_copy("COPY users FROM 's3://tickit/allusers_pipe.txt' DELIMITER '|' REGION 'us-east-1';")
    assert (c.source, c.delimiter, c.options["REGION"]) == (
        "s3://tickit/allusers_pipe.txt", "|", "us-east-1")
    c = parse_copy("COPY events FROM 's3://lake/events/' FORMAT AS JSON 'auto' GZIP MAXERROR 10;")
    assert (c.format, c.format_arg, c.compression, c.max_error) == ("JSON", "auto", "GZIP", 10)
    c = parse_copy("COPY lineitem FROM '/data/tpch/lineitem.parquet' FORMAT AS PARQUET")
    assert c.format == "PARQUET"
