import pytest

from warehouse import types as T
from warehouse.errors import NotSupportedError, ProgrammingError
from warehouse.sql.ddl import column_def_from_ast, table_def_from_create
from warehouse.sql.dialect import parse


def create(sql, **kw):
    return table_def_from_create(parse(sql)[0], **kw)


def col_type(decl):
    td, _ = create(f"CREATE TABLE t (c {decl})")
    return td.columns[0].type


@pytest.mark.parametrize(
    ("decl", "expected"),
    [
        ("SMALLINT", T.SMALLINT), ("INT2", T.SMALLINT),
        ("INTEGER", T.INTEGER), ("INT", T.INTEGER), ("INT4", T.INTEGER),
        ("BIGINT", T.BIGINT), ("INT8", T.BIGINT),
        ("DECIMAL", T.decimal(18, 0)), ("NUMERIC(10,2)", T.decimal(10, 2)),
        ("DECIMAL(38,38)", T.decimal(38, 38)), ("NUMERIC(5)", T.decimal(5, 0)),
        ("REAL", T.REAL), ("FLOAT4", T.REAL), ("FLOAT(10)", T.REAL),
        ("DOUBLE PRECISION", T.DOUBLE), ("FLOAT8", T.DOUBLE), ("FLOAT", T.DOUBLE),
        ("BOOLEAN", T.BOOLEAN), ("BOOL", T.BOOLEAN),
        ("CHAR(5)", T.char(5)), ("CHARACTER", T.char(1)), ("NCHAR(2)", T.char(2)),
        ("CHAR", T.char(1)), ("BPCHAR", T.char(256)), ("CHAR(4096)", T.char(4096)),
        ("VARCHAR(10)", T.varchar(10)), ("CHARACTER VARYING(20)", T.varchar(20)),
        ("NVARCHAR(30)", T.varchar(30)), ("TEXT", T.varchar(256)), ("VARCHAR", T.varchar(256)),
        ("VARCHAR(MAX)", T.varchar(65535)), ("VARCHAR(65535)", T.varchar(65535)),
        ("DATE", T.DATE), ("TIMESTAMP", T.TIMESTAMP),
        ("TIMESTAMP WITHOUT TIME ZONE", T.TIMESTAMP), ("TIMESTAMPTZ", T.TIMESTAMPTZ),
        ("TIMESTAMP WITH TIME ZONE", T.TIMESTAMPTZ),
    ],
)
def test_types(decl, expected):
    assert col_type(decl) == expected


@pytest.mark.parametrize(
    ("decl", "words"),
    [
        ("DECIMAL(39,2)", "precision 39"),
        ("DECIMAL(0)", "precision 0"),
        ("DECIMAL(5,6)", "scale 6"),
        ("VARCHAR(65536)", "65536"),
        ("VARCHAR(0)", "length 0"),
        ("CHAR(4097)", "4097"),
    ],
)
def test_type_ranges(decl, words):
    with pytest.raises(ProgrammingError) as ei:
        col_type(decl)
    assert words in ei.value.message and '"c"' in ei.value.message
    assert ei.value.sqlstate == "42601"


def test_unsupported_type():
    with pytest.raises(NotSupportedError, match='"c"'):
        col_type("SUPER")


def test_full_create():
    td, if_not_exists = create(
        'CREATE TEMP TABLE IF NOT EXISTS Sales."MixedCase" ('
        "  id INT NOT NULL ENCODE az64 PRIMARY KEY,"
        "  Name VARCHAR(20) NULL DEFAULT 'x' REFERENCES users(name) UNIQUE,"
        '  "Qty" INT DEFAULT 1 + 2,'
        "  day DATE ENCODE delta32k,"
        "  PRIMARY KEY (id), UNIQUE (name), FOREIGN KEY (id) REFERENCES o(id))"
        " DISTSTYLE KEY DISTKEY(id) COMPOUND SORTKEY(day, id)"
    )
    assert if_not_exists is True
    assert (td.schema, td.name, td.temporary) == ("sales", "MixedCase", True)
    assert td.column_names == ["id", "name", "Qty", "day"]
    assert td.column("id").nullable is False and td.column("id").encoding == "AZ64"
    assert td.column("name").default_sql == "'x'" and td.column("name").nullable
    assert td.column("Qty").default_sql == "1 + 2"
    assert td.column("day").encoding == "DELTA32K"
    assert td.column("name").encoding == "AUTO"
    assert (td.diststyle, td.distkey) == ("KEY", "id")
    assert (td.sortkey, td.sortkey_style) == (("day", "id"), "COMPOUND")


def test_defaults():
    td, ine = create("CREATE TABLE t (a INT)", default_schema="dev")
    assert (td.schema, td.diststyle, td.distkey, td.sortkey, td.temporary, ine) == (
        "dev", "AUTO", None, (), False, False)


@pytest.mark.parametrize("style", ["AUTO", "EVEN", "ALL"])
def test_diststyles(style):
    assert create(f"CREATE TABLE t (a INT) DISTSTYLE {style}")[0].diststyle == style


def test_column_level_distkey_sortkey():
    td, _ = create("CREATE TEMPORARY TABLE t (a INT, b INT SORTKEY DISTKEY)")
    assert (td.diststyle, td.distkey, td.sortkey, td.temporary) == ("KEY", "b", ("b",), True)


def test_table_distkey_implies_key():
    assert create("CREATE TABLE t (a INT) DISTKEY(a)")[0].diststyle == "KEY"


def test_interleaved_and_auto_sortkey():
    td, _ = create("CREATE TABLE t (a INT, b INT) INTERLEAVED SORTKEY (a, b)")
    assert (td.sortkey, td.sortkey_style) == (("a", "b"), "INTERLEAVED")
    td, _ = create("CREATE TABLE t (a INT) SORTKEY AUTO")
    assert (td.sortkey, td.sortkey_style) == ((), "AUTO")
    td, _ = create("CREATE TABLE t (a INT, b INT) SORTKEY (b)")
    assert (td.sortkey, td.sortkey_style) == (("b",), "COMPOUND")


@pytest.mark.parametrize(
    "name",
    ["RAW", "AZ64", "BYTEDICT", "DELTA", "DELTA32K", "LZO", "MOSTLY8", "MOSTLY16", "MOSTLY32",
     "RUNLENGTH", "TEXT255", "TEXT32K", "ZSTD", "AUTO", "LZ4"],
)
def test_every_encoding(name):
    td, _ = create(f"CREATE TABLE t (a VARCHAR(10) ENCODE {name.lower()})")
    assert td.columns[0].encoding == name


@pytest.mark.parametrize(
    ("sql", "words", "state"),
    [
        ("CREATE TABLE t (a INT ENCODE fancy)", 'encoding type "fancy"', "42704"),
        ("CREATE TABLE t (a INT) DISTKEY(b)", '"b" named in DISTKEY', "42703"),
        ("CREATE TABLE t (a INT) DISTSTYLE KEY", "requires a DISTKEY", "42P16"),
        ("CREATE TABLE t (a INT DISTKEY, b INT DISTKEY)", "multiple DISTKEY", "42P16"),
        ("CREATE TABLE t (a INT DISTKEY, b INT) DISTKEY(b)", "multiple DISTKEY", "42P16"),
        ("CREATE TABLE t (a INT) DISTSTYLE EVEN DISTKEY(a)", "conflicts", "42P16"),
        ("CREATE TABLE t (a INT) SORTKEY(z)", '"z" named in SORTKEY', "42703"),
        ("CREATE TABLE t (a INT SORTKEY, b INT SORTKEY)", "multiple SORTKEY", "42P16"),
        ("CREATE TABLE t (a INT SORTKEY) SORTKEY(a)", "multiple SORTKEY", "42P16"),
        ("CREATE TABLE t (a INT, A INT)", '"a" specified more than once', "42701"),
        ("CREATE TABLE t (a INT, b INT, c INT, d INT, e INT, f INT, g INT, h INT, i INT) "
         "INTERLEAVED SORTKEY(a, b, c, d, e, f, g, h, i)", "at most 8", "42P16"),
    ],
)
def test_validation(sql, words, state):
    with pytest.raises(ProgrammingError) as ei:
        create(sql)
    assert words in ei.value.message
    assert ei.value.sqlstate == state


def test_add_column():
    alter = parse("ALTER TABLE t ADD COLUMN x NUMERIC(12,3) NOT NULL DEFAULT 0 ENCODE zstd")[0]
    cd = alter.find(__import__("sqlglot").exp.ColumnDef)
    col = column_def_from_ast(cd)
    assert (col.name, col.type, col.nullable, col.default_sql, col.encoding) == (
        "x", T.decimal(12, 3), False, "0", "ZSTD")
