"""Scalar functions: type rules, exact decimals, NULLs, errors, dates, strings, casts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from warehouse import types as T
from warehouse.errors import BinderError, ConversionError, DataError, NumericOverflow
from warehouse.exec.evaluate import evaluate, evaluate_predicate, evaluate_vector
from warehouse.functions.registry import (
    aggregate_result_type,
    common_supertype,
    is_aggregate,
    is_window_only,
    literal_from_python,
    resolve_call as R,
    resolve_cast,
)
from warehouse.plan.expressions import Call, ColumnRef as C, Interval, Literal as L
from warehouse.vector import Batch, Scalar, vector_from_arrow


def S(x):
    return L(x, T.VARCHAR)


def I(x):
    return L(x, T.INTEGER)


def one(e):
    v = evaluate(e, Batch([], 1))
    if isinstance(v, Scalar):
        return v
    return v


def py(e, batch=None):
    """Evaluate and return Python values via Arrow."""
    if batch is None:
        batch = Batch([], 1)
        if isinstance(e, L):
            from warehouse.functions.base import as_vec

            return as_vec(Scalar(e.type, e.value)).to_pylist()[0]
        return evaluate_vector(e, batch).to_pylist()[0]
    return evaluate_vector(e, batch).to_pylist()


def col(values, t):
    arr = pa.array(values, type=t.arrow_type)
    return vector_from_arrow(arr, t)


def dec(s, p=15, sc=2):
    return resolve_cast(S(s), T.decimal(p, sc))


# ----- decimals -------------------------------------------------------------------------------
def test_decimal_add_exact():
    e = R("add", [dec("0.1", 3, 1), dec("0.2", 3, 1)])
    assert e.type.scale == 1
    assert py(e) == Decimal("0.3")


def test_decimal_multiply_scale_and_precision():
    b = Batch([col([Decimal("10.50"), None, Decimal("-3.25")], T.decimal(15, 2)), col([Decimal("0.04"), Decimal("1"), Decimal("0.10")], T.decimal(15, 2))])
    e = R("multiply", [C(0, T.decimal(15, 2)), R("subtract", [I(1), C(1, T.decimal(15, 2))])])
    assert e.type == T.decimal(32, 4)
    assert py(e, b) == [Decimal("10.0800"), None, Decimal("-2.9250")]


def test_decimal_division_scale_rounding():
    e = R("divide", [dec("1.00", 8, 2), dec("3.00", 8, 2)])
    assert e.type == T.decimal(17, 9)  # the Redshift docs' PRICEPAID / COMMISSION example
    assert py(e) == Decimal("0.333333333")
    e = R("divide", [dec("2.00", 8, 2), dec("3.00", 8, 2)])
    assert py(e) == Decimal("0.666666667")
    e = R("divide", [dec("-2.00", 8, 2), dec("3.00", 8, 2)])
    assert py(e) == Decimal("-0.666666667")


def test_integer_division_truncates():
    b = Batch([col([7, -7, 7, None], T.INTEGER), col([2, 2, -2, 1], T.INTEGER)])
    assert py(R("divide", [C(0, T.INTEGER), C(1, T.INTEGER)]), b) == [3, -3, -3, None]
    assert py(R("modulo", [C(0, T.INTEGER), C(1, T.INTEGER)]), b) == [1, -1, 1, None]


def test_division_by_zero():
    b = Batch([col([1, 2], T.INTEGER), col([1, 0], T.INTEGER)])
    with pytest.raises(DataError) as ei:
        evaluate(R("divide", [C(0, T.INTEGER), C(1, T.INTEGER)]), b)
    assert ei.value.sqlstate == "22012"
    # NULL divisor rows do not raise
    b2 = Batch([col([1, 2], T.INTEGER), col([1, None], T.INTEGER)])
    assert py(R("divide", [C(0, T.INTEGER), C(1, T.INTEGER)]), b2) == [1, None]


def test_case_guards_division():
    b = Batch([col([10, 20, 30], T.INTEGER), col([2, 0, 3], T.INTEGER)])
    e = R("case", [R("eq", [C(1, T.INTEGER), I(0)]), L(None, T.NULLTYPE), R("divide", [C(0, T.INTEGER), C(1, T.INTEGER)])])
    assert py(e, b) == [5, None, 10]


def test_overflow():
    b = Batch([col([2**31 - 1], T.INTEGER)])
    with pytest.raises(NumericOverflow):
        evaluate(R("add", [C(0, T.INTEGER), I(1)]), b)
    b = Batch([col([2**62], T.BIGINT)])
    with pytest.raises(NumericOverflow) as ei:
        evaluate(R("multiply", [C(0, T.BIGINT), I(4)]), b)
    assert ei.value.sqlstate == "22003"


def test_int_plus_float_is_double():
    e = R("add", [I(1), L(0.5, T.DOUBLE)])
    assert e.type == T.DOUBLE and py(e) == 1.5


# ----- comparisons and logic ---------------------------------------------------------------------
def test_compare_date_with_string_literal_folds():
    e = R("le", [C(0, T.DATE), S("1998-09-02")])
    assert isinstance(e.args[1], L) and e.args[1].type == T.DATE
    days = (dt.date(1998, 9, 2) - dt.date(1970, 1, 1)).days
    b = Batch([col([dt.date(1998, 9, 2), dt.date(1998, 9, 3), None], T.DATE)])
    assert py(e, b) == [True, False, None]
    assert e.args[1].value == days


def test_date_minus_interval_then_compare_as_date():
    d = resolve_cast(S("1998-12-01"), T.DATE)
    lim = R("subtract", [d, L(Interval(0, 90, 0), T.INTERVAL)])
    assert isinstance(lim, L) and lim.type == T.TIMESTAMP
    e = R("le", [C(0, T.DATE), lim])
    assert e.args[1].type == T.DATE  # the date column is never converted


def test_decimal_vs_int_literal():
    b = Batch([col([Decimal("23.99"), Decimal("24.00"), Decimal("24.01")], T.decimal(15, 2))])
    assert py(R("lt", [C(0, T.decimal(15, 2)), I(24)]), b) == [True, False, False]
    assert py(R("lt", [C(0, T.decimal(15, 2)), dec("24.005", 6, 3)]), b) == [True, True, False]


def test_string_comparisons():
    b = Batch([col(["b", "a", None, "c"], T.varchar(5)), col(["b", "b", "b", "a"], T.varchar(5))])
    assert py(R("eq", [C(0, T.varchar(5)), S("a")]), b) == [False, True, None, False]
    assert py(R("lt", [C(0, T.varchar(5)), C(1, T.varchar(5))]), b) == [False, True, None, False]
    assert py(R("ge", [C(0, T.varchar(5)), S("b")]), b) == [True, False, None, True]


def test_three_valued_logic():
    b = Batch([col([True, True, False, None, None], T.BOOLEAN), col([None, False, None, None, True], T.BOOLEAN)])
    a, c = C(0, T.BOOLEAN), C(1, T.BOOLEAN)
    assert py(R("and", [a, c]), b) == [None, False, False, None, None]
    assert py(R("or", [a, c]), b) == [True, True, None, None, True]
    assert py(R("not", [a]), b) == [False, False, True, None, None]
    assert py(R("is_null", [a]), b) == [False, False, False, True, True]
    assert py(R("is_not_true", [a]), b) == [False, False, True, True, True]


def test_in_list_null_semantics():
    b = Batch([col([1, 2, None], T.INTEGER)])
    x = C(0, T.INTEGER)
    assert py(R("in_list", [x, I(1), I(3)]), b) == [True, False, None]
    assert py(R("in_list", [x, I(1), L(None, T.NULLTYPE)]), b) == [True, None, None]
    bs = Batch([col(["x", "y", None], T.varchar(3))])
    assert py(R("in_list", [C(0, T.varchar(3)), S("y"), S("z")]), bs) == [False, True, None]


def test_like_escape_ilike():
    b = Batch([col(["50% off", "500 off", "abc_d", "ABCxd", None], T.varchar(10))])
    v = C(0, T.varchar(10))
    assert py(R("like", [v, S("50\\%%")]), b) == [True, False, False, False, None]
    assert py(R("like", [v, S("50!%%"), S("!")]), b) == [True, False, False, False, None]
    assert py(R("like", [v, S("abc_d")]), b) == [False, False, True, False, None]
    assert py(R("ilike", [v, S("abc_d")]), b) == [False, False, True, True, None]
    assert py(R("like", [v, S("abc!_d"), S("!")]), b) == [False, False, True, False, None]


def test_distinct_from():
    b = Batch([col([1, None, None], T.INTEGER), col([1, 1, None], T.INTEGER)])
    assert py(R("is_distinct_from", [C(0, T.INTEGER), C(1, T.INTEGER)]), b) == [False, True, False]


# ----- conditional -------------------------------------------------------------------------------
def test_coalesce_nvl_nullif_decode():
    b = Batch([col([None, 2, None], T.INTEGER), col([5, 6, None], T.INTEGER)])
    x, y = C(0, T.INTEGER), C(1, T.INTEGER)
    assert py(R("coalesce", [x, y, I(0)]), b) == [5, 2, 0]
    assert py(R("nvl", [x, y]), b) == [5, 2, None]
    assert py(R("nullif", [y, I(6)]), b) == [5, None, None]
    assert py(R("decode", [x, L(None, T.NULLTYPE), S("null"), I(2), S("two"), S("other")]), b) == ["null", "two", "null"]
    assert py(R("greatest", [x, y]), b) == [5, 6, None]
    assert py(R("least", [x, y, I(3)]), b) == [3, 2, 3]


def test_case_strings_supertype():
    b = Batch([col([1, 2, 3], T.INTEGER)])
    e = R("case", [R("eq", [C(0, T.INTEGER), I(1)]), S("one"), R("eq", [C(0, T.INTEGER), I(2)]), S("two")])
    assert py(e, b) == ["one", "two", None]
    e = R("case", [R("gt", [C(0, T.INTEGER), I(1)]), dec("1.5", 3, 1), I(0)])
    assert e.type.is_decimal and py(e, b) == [Decimal("0.0"), Decimal("1.5"), Decimal("1.5")]


# ----- casts ---------------------------------------------------------------------------------------
def test_casts_to_text():
    assert py(resolve_cast(dec("-1.5", 5, 2), T.VARCHAR)) == "-1.50"
    assert py(resolve_cast(resolve_cast(S("1969-12-31"), T.DATE), T.VARCHAR)) == "1969-12-31"
    assert py(resolve_cast(resolve_cast(S("2020-02-29 01:02:03.5"), T.TIMESTAMP), T.VARCHAR)) == "2020-02-29 01:02:03.5"
    assert py(resolve_cast(L(True, T.BOOLEAN), T.VARCHAR)) == "true"
    assert py(resolve_cast(S("abcdef"), T.varchar(3))) == "abc"


def test_casts_from_text_and_errors():
    assert resolve_cast(S(" 42 "), T.INTEGER).value == 42
    assert resolve_cast(S("1994-01-01"), T.DATE).value == 8766
    with pytest.raises(ConversionError) as ei:
        resolve_cast(S("abc"), T.INTEGER)
    assert ei.value.sqlstate == "22P02" and '"abc"' in str(ei.value) and "integer" in str(ei.value)
    b = Batch([col(["1", "x", None], T.varchar(5))])
    with pytest.raises(ConversionError):
        evaluate(resolve_cast(C(0, T.varchar(5)), T.INTEGER), b)
    with pytest.raises(NumericOverflow):
        resolve_cast(S("99999"), T.SMALLINT)
    with pytest.raises(NumericOverflow):
        resolve_cast(dec("123.45", 5, 2), T.decimal(3, 1))


def test_numeric_casts_rounding():
    assert resolve_cast(dec("2.5", 3, 1), T.INTEGER).value == 3
    assert resolve_cast(dec("-2.5", 3, 1), T.INTEGER).value == -3
    assert resolve_cast(dec("1.005", 6, 3), T.decimal(5, 2)).value == 101
    assert resolve_cast(L(2.5, T.DOUBLE), T.INTEGER).value == 2  # rint, as PostgreSQL
    assert resolve_cast(L(1.235, T.DOUBLE), T.decimal(5, 2)).value in (123, 124)


# ----- dates ---------------------------------------------------------------------------------------
def _d(s):
    return resolve_cast(S(s), T.DATE)


def test_month_end_clamping_and_leap_years():
    assert py(R("add_months", [_d("2024-01-31"), I(1)])) == dt.datetime(2024, 2, 29)
    assert py(R("add_months", [_d("2023-01-31"), I(1)])) == dt.datetime(2023, 2, 28)
    assert py(R("dateadd", [S("month"), I(-1), _d("2024-03-31")])) == dt.datetime(2024, 2, 29)
    assert py(R("add", [_d("2024-01-31"), L(Interval(1, 0, 0), T.INTERVAL)])) == dt.datetime(2024, 2, 29)
    assert py(R("last_day", [_d("1900-02-10")])) == dt.date(1900, 2, 28)
    assert py(R("last_day", [_d("2000-02-10")])) == dt.date(2000, 2, 29)


def test_dates_before_1970():
    b = Batch([col([dt.date(1969, 12, 31), dt.date(1600, 3, 1), None], T.DATE)])
    x = C(0, T.DATE)
    assert py(R("extract", [S("year"), x]), b) == [1969, 1600, None]
    assert py(R("extract", [S("dow"), x]), b) == [3, 3, None]  # Wednesday, Wednesday
    assert py(R("date_trunc", [S("month"), x]), b) == [dt.datetime(1969, 12, 1), dt.datetime(1600, 3, 1), None]
    assert py(R("add", [x, I(1)]), b) == [dt.date(1970, 1, 1), dt.date(1600, 3, 2), None]


def test_extract_fields_vs_python():
    rng = np.random.default_rng(1)
    days = rng.integers(-200000, 200000, 500)
    dates = [dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) for d in days]
    b = Batch([col(dates, T.DATE)])
    x = C(0, T.DATE)
    assert py(R("extract", [S("month"), x]), b) == [d.month for d in dates]
    assert py(R("extract", [S("day"), x]), b) == [d.day for d in dates]
    assert py(R("extract", [S("doy"), x]), b) == [d.timetuple().tm_yday for d in dates]
    assert py(R("extract", [S("week"), x]), b) == [d.isocalendar()[1] for d in dates]
    assert py(R("extract", [S("quarter"), x]), b) == [(d.month - 1) // 3 + 1 for d in dates]


def test_datediff_boundaries():
    assert py(R("datediff", [S("year"), _d("2023-12-31"), _d("2024-01-01")])) == 1
    assert py(R("datediff", [S("month"), _d("2024-01-31"), _d("2024-02-01")])) == 1
    assert py(R("datediff", [S("day"), _d("2024-01-01"), _d("2024-03-01")])) == 60
    assert py(R("datediff", [S("quarter"), _d("2024-03-31"), _d("2024-04-01")])) == 1
    ts = resolve_cast(S("2024-01-01 10:59:59"), T.TIMESTAMP)
    ts2 = resolve_cast(S("2024-01-01 11:00:00"), T.TIMESTAMP)
    assert py(R("datediff", [S("hour"), ts, ts2])) == 1


def test_date_minus_date_and_to_char():
    assert py(R("subtract", [_d("2024-03-01"), _d("2024-02-01")])) == 29
    ts = resolve_cast(S("2024-03-05 14:07:09"), T.TIMESTAMP)
    assert py(R("to_char", [ts, S("YYYY-MM-DD HH24:MI:SS")])) == "2024-03-05 14:07:09"
    assert py(R("to_char", [ts, S("Mon DD, YYYY")])) == "Mar 05, 2024"
    assert py(R("to_date", [S("05/03/2024"), S("DD/MM/YYYY")])) == dt.date(2024, 3, 5)


# ----- strings ---------------------------------------------------------------------------------------
def test_string_functions():
    b = Batch([col(["Hello World", "  ab  ", None, "a,b,c"], T.varchar(20))])
    x = C(0, T.varchar(20))
    assert py(R("upper", [x]), b) == ["HELLO WORLD", "  AB  ", None, "A,B,C"]
    assert py(R("length", [x]), b) == [11, 6, None, 5]
    assert py(R("substring", [x, I(1), I(5)]), b) == ["Hello", "  ab ", None, "a,b,c"]
    assert py(R("substring", [x, I(0), I(2)]), b) == ["H", " ", None, "a"]
    assert py(R("substring", [x, I(7)]), b) == ["World", "", None, ""]
    assert py(R("trim", [x]), b) == ["Hello World", "ab", None, "a,b,c"]
    assert py(R("split_part", [x, S(","), I(2)]), b) == ["", "", None, "b"]
    assert py(R("strpos", [x, S("o")]), b) == [5, 0, None, 0]
    assert py(R("replace", [x, S("l"), S("L")]), b) == ["HeLLo WorLd", "  ab  ", None, "a,b,c"]
    assert py(R("lpad", [x, I(3), S("*")]), b) == ["Hel", "  a", None, "a,b"]
    assert py(R("concat", [x, S("!")]), b) == ["Hello World!", "  ab  !", None, "a,b,c!"]
    assert py(R("concat", [x, L(None, T.NULLTYPE)]), b) == [None, None, None, None]
    assert py(R("left", [x, I(2)]), b) == ["He", "  ", None, "a,"]
    assert py(R("right", [x, I(2)]), b) == ["ld", "  ", None, ",c"]
    assert py(R("initcap", [S("hello wORLD")])) == "Hello World"
    assert py(R("regexp_replace", [x, S("[aeiou]"), S("#")]), b) == ["H#ll# W#rld", "  #b  ", None, "#,b,c"]
    assert py(R("regexp_count", [x, S("[a-c]")]), b) == [0, 2, None, 3]
    assert py(R("regexp_substr", [x, S("[A-Z][a-z]+")]), b) == ["Hello", "", None, ""]


def test_string_result_dictionary_is_distinct():
    b = Batch([col(["ab", "Ab", "AB", "ab"], T.varchar(5))])
    v = evaluate(R("upper", [C(0, T.varchar(5))]), b)
    assert len(v.dictionary) == 1 and v.to_pylist() == ["AB"] * 4


def test_concat_two_columns():
    b = Batch([col(["a", None, "c"], T.varchar(5)), col(["x", "y", "z"], T.varchar(5))])
    assert py(R("concat", [C(0, T.varchar(5)), C(1, T.varchar(5))]), b) == ["ax", None, "cz"]


# ----- math ------------------------------------------------------------------------------------------
def test_math():
    assert py(R("round", [dec("-2.5", 3, 1)])) == Decimal("-3")
    assert py(R("round", [dec("2.345", 10, 3), I(2)])) == Decimal("2.35")
    assert py(R("floor", [dec("-2.1", 3, 1)])) == Decimal("-3")
    assert py(R("ceil", [dec("-2.1", 3, 1)])) == Decimal("-2")
    assert py(R("trunc", [dec("-2.9", 3, 1)])) == Decimal("-2")
    assert py(R("abs", [I(-3)])) == 3
    assert py(R("power", [I(2), I(10)])) == 1024.0
    assert py(R("mod", [I(-7), I(3)])) == -1
    assert py(R("round", [L(2.5, T.DOUBLE)])) == 3.0
    assert abs(py(R("pi", [])) - 3.14159265) < 1e-6
    with pytest.raises(DataError):
        evaluate(R("sqrt", [C(0, T.DOUBLE)]), Batch([col([-1.0], T.DOUBLE)]))


# ----- binder API --------------------------------------------------------------------------------------
def test_unknown_function_hint():
    with pytest.raises(BinderError) as ei:
        R("uper", [S("a")])
    assert ei.value.sqlstate == "42883" and "uper(" in str(ei.value) and "upper" in str(ei.value)
    with pytest.raises(BinderError) as ei:
        R("add", [C(0, T.DATE), C(1, T.DATE)])
    assert "add(date, date) does not exist" in str(ei.value)


def test_common_supertype_and_literals():
    assert common_supertype([T.INTEGER, T.decimal(15, 2)]) == T.decimal(15, 2)
    assert common_supertype([T.BIGINT, T.decimal(5, 2)]) == T.decimal(21, 2)
    assert common_supertype([T.SMALLINT, T.BIGINT]) == T.BIGINT
    assert common_supertype([T.DATE, T.TIMESTAMP]) == T.TIMESTAMP
    assert common_supertype([T.INTEGER, T.DOUBLE]) == T.DOUBLE
    with pytest.raises(BinderError) as ei:
        common_supertype([T.INTEGER, T.DATE])
    assert ei.value.sqlstate == "42804"
    assert literal_from_python(5).type == T.INTEGER
    assert literal_from_python(2**40).type == T.BIGINT
    assert literal_from_python(Decimal("1.25")).type == T.decimal(3, 2)
    assert literal_from_python(dt.date(1970, 1, 2)).value == 1
    p = literal_from_python("1994-01-01")
    assert R("ge", [C(0, T.DATE), p]).args[1].type == T.DATE


def test_aggregate_types():
    assert aggregate_result_type("sum", T.INTEGER, False) == T.BIGINT
    assert aggregate_result_type("sum", T.BIGINT, False) == T.decimal(38, 0)
    assert aggregate_result_type("sum", T.decimal(15, 2), False) == T.decimal(38, 2)
    assert aggregate_result_type("avg", T.INTEGER, False) == T.BIGINT
    assert aggregate_result_type("avg", T.decimal(5, 2), False) == T.decimal(38, 2)
    assert aggregate_result_type("count", None, False) == T.BIGINT
    assert is_aggregate("listagg") and not is_aggregate("upper")
    assert is_window_only("row_number") and not is_window_only("sum")


def test_scalar_results_stay_scalar():
    b = Batch([col([1, 2, 3], T.INTEGER)])
    e = Call("add", (I(1), I(2)), T.INTEGER)
    assert isinstance(evaluate(e, b), Scalar)
    assert evaluate_predicate(R("gt", [C(0, T.INTEGER), I(1)]), b).tolist() == [False, True, True]
