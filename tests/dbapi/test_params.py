"""Pyformat -> $n placeholder conversion (no engine needed)."""

from __future__ import annotations

import pytest

import warehouse
from warehouse.sql.params import to_placeholders


def test_positional_placeholders_become_numbered():
    assert to_placeholders("SELECT %s, %s", (1, "a")) == ("SELECT $1, $2", [1, "a"])


def test_named_placeholder_used_twice_maps_to_one_slot():
    sql, values = to_placeholders("SELECT %(a)s + %(b)s + %(a)s", {"a": 1, "b": 2, "unused": 3})
    assert sql == "SELECT $1 + $2 + $1"
    assert values == [1, 2]


def test_double_percent_is_a_literal_percent():
    assert to_placeholders("SELECT 10 %% 3, %s", [5]) == ("SELECT 10 % 3, $1", [5])


def test_percent_in_literals_identifiers_and_comments_is_untouched():
    sql = "SELECT 'a%s''%%' AS \"x%s\", %s -- 100%s\n/* %s %(x)s */ FROM t"
    out, values = to_placeholders(sql, ["v"])
    assert out == "SELECT 'a%s''%%' AS \"x%s\", $1 -- 100%s\n/* %s %(x)s */ FROM t"
    assert values == ["v"]


def test_no_params_leaves_text_alone():
    assert to_placeholders("SELECT '100%' LIKE 'a%'", None) == ("SELECT '100%' LIKE 'a%'", [])


def test_values_are_never_spliced():
    evil = "'); DROP TABLE t; --"
    sql, values = to_placeholders("INSERT INTO t VALUES (%s)", (evil,))
    assert evil not in sql
    assert values == [evil]


@pytest.mark.parametrize(
    ("sql", "params", "fragment"),
    [
        ("SELECT %s, %s", (1,), "not enough parameters"),
        ("SELECT %s", (1, 2), "too many parameters"),
        ("SELECT %(a)s", {"b": 1}, '"a"'),
        ("SELECT %s", {"a": 1}, "mapping"),
        ("SELECT %(a)s", (1,), "sequence"),
        ("SELECT %d", (1,), "%d"),
        ("SELECT %(a", {"a": 1}, "incomplete"),
        ("SELECT %s", "x", "sequence or a mapping"),
    ],
)
def test_wrong_parameters_raise_programming_error(sql, params, fragment):
    with pytest.raises(warehouse.ProgrammingError, match=None) as info:
        to_placeholders(sql, params)
    assert fragment in str(info.value)


def test_empty_sequence_and_no_placeholders():
    assert to_placeholders("SELECT 1", ()) == ("SELECT 1", [])


def test_module_globals():
    assert warehouse.apilevel == "2.0"
    assert warehouse.threadsafety == 1
    assert warehouse.paramstyle == "pyformat"
    assert issubclass(warehouse.ProgrammingError, warehouse.DatabaseError)
    assert issubclass(warehouse.DatabaseError, warehouse.Error)
    assert issubclass(warehouse.InterfaceError, warehouse.Error)


def test_type_objects_compare_equal_to_oids():
    assert warehouse.NUMBER == 23
    assert warehouse.NUMBER == 1700
    assert warehouse.NUMBER != 1043
    assert warehouse.STRING == 1043
    assert warehouse.STRING == 1042
    assert warehouse.DATETIME == 1082
    assert warehouse.DATETIME == 1114
    assert warehouse.DATETIME == 1184
    assert warehouse.BINARY == 17
    assert warehouse.ROWID == 26


def test_constructors():
    assert warehouse.Date(2020, 1, 2).isoformat() == "2020-01-02"
    assert warehouse.Timestamp(2020, 1, 2, 3, 4, 5).hour == 3
    assert warehouse.Binary(b"ab") == b"ab"
    assert warehouse.DateFromTicks(0).year in (1969, 1970)
    assert warehouse.TimestampFromTicks(0).year in (1969, 1970)
    assert warehouse.TimeFromTicks(0) is not None


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, warehouse; print('numba' in sys.modules, 'pyarrow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "False"  # numba is imported with the engine, at connect()
