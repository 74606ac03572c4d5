import pytest
from sqlglot import exp

from warehouse.errors import SyntaxError_
from warehouse.sql.dialect import Warehouse, copy_unescape, parse


def test_splits_statements():
    stmts = parse("CREATE TABLE t (a INT DISTKEY); COPY t FROM 'x' GZIP;\n SELECT 1;")
    assert [type(s) for s in stmts] == [exp.Create, exp.Copy, exp.Select]


@pytest.mark.parametrize(
    ("sql", "near", "position"),
    [
        ("SELECT * FORM t", "t", 15),
        ("SELECT 1;\nSELECT a,\n  b frm (t", "(", 29),
        ("CREATE TABLE t (a INT DISTKEY x)", "x", 31),
        ("COPY t FROM 'x' GZIP BOGUS 1", "BOGUS", 22),
    ],
)
def test_error_position(sql, near, position):
    with pytest.raises(SyntaxError_) as ei:
        parse(sql)
    e = ei.value
    assert e.sqlstate == "42601"
    assert f'at or near "{near}"' in e.message
    assert e.position == position
    assert sql[position - 1 :].startswith(near)


def test_unknown_copy_option_is_named():
    with pytest.raises(SyntaxError_, match='unknown COPY option "BOGUS"'):
        parse("COPY t FROM 'x' GZIP BOGUS 1")


@pytest.mark.parametrize("sql", ["SELECT (1", "SELECT 1 FROM", "COPY t FROM 'x' MAXERROR"])
def test_end_of_input(sql):
    with pytest.raises(SyntaxError_) as ei:
        parse(sql)
    assert ei.value.message == "syntax error at end of input"
    assert ei.value.position == len(sql) + 1


def test_unterminated_string():
    with pytest.raises(SyntaxError_) as ei:
        parse("SELECT 'abc")
    assert "unterminated quoted string" in ei.value.message
    assert ei.value.position == 8


def test_generates_extensions_back():
    sql = (
        "CREATE TABLE t (a INTEGER DISTKEY SORTKEY ENCODE zstd, b INTEGER) "
        "INTERLEAVED SORTKEY(a, b) DISTSTYLE EVEN"
    )
    assert parse(sql)[0].sql(dialect=Warehouse) == sql
    assert parse("CREATE TABLE t (a INT) SORTKEY AUTO")[0].sql(dialect=Warehouse).endswith(
        "SORTKEY AUTO"
    )
    copy = parse("COPY t FROM 'x' FORMAT AS JSON 'auto' GZIP MAXERROR 10")[0]
    assert copy.sql(dialect=Warehouse) == "COPY t FROM 'x' FORMAT AS JSON 'auto' GZIP MAXERROR 10"


def test_copy_unescape():
    assert copy_unescape(r"\N") == "\\N"
    assert copy_unescape(r"\\N") == "\\N"
    assert copy_unescape(r"\t") == "\t"
    assert copy_unescape(r"\174") == "|"
    assert copy_unescape("it''s") == "it's"
