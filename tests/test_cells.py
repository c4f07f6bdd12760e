"""Cell parsing: what real sheets contain is accepted, the rest is refused with what was expected."""

from __future__ import annotations

import datetime as dt

import pytest

from jixiao.cells import (
    EXPECTED,
    NEGATIVE,
    CellError,
    parse_count,
    parse_date,
    parse_flag,
    parse_money,
    parse_month,
    parse_score,
    parse_text,
    parse_year,
)


@pytest.mark.parametrize(
    "value, fen",
    [
        (1234.56, 1_234_560_000),
        ("1,234.56", 1_234_560_000),
        (" 1，234.56 ", 1_234_560_000),
        ("80 692.06", 80_692_060_000),
        (0, 0),
        (12, 12_000_000),
        ("0.000001", 1),
    ],
)
def test_money_accepts_numbers_and_text(value, fen):
    assert parse_money(value) == fen


@pytest.mark.parametrize("value", ["12万元", "85%", "abc", "1.2.3", True, dt.date(2021, 1, 1), float("nan")])
def test_money_refuses_units_percent_and_text(value):
    with pytest.raises(CellError) as exc:
        parse_money(value)
    assert str(exc.value) == EXPECTED["money"]


def test_money_refuses_negative():
    with pytest.raises(CellError) as exc:
        parse_money("-0.01")
    assert str(exc.value) == NEGATIVE


def test_score_keeps_four_decimals_exactly():
    assert parse_score(4.5) == 45_000
    assert parse_score("0.0125") == 125


@pytest.mark.parametrize(
    "value, expected",
    [
        (dt.date(2021, 6, 30), dt.date(2021, 6, 30)),
        (dt.datetime(2021, 6, 30, 0, 0), dt.date(2021, 6, 30)),
        ("2021-06-30", dt.date(2021, 6, 30)),
        ("2021/6/3", dt.date(2021, 6, 3)),
        ("2021年6月30日", dt.date(2021, 6, 30)),
        ("2021-06-30 00:00:00", dt.date(2021, 6, 30)),
    ],
)
def test_dates_as_excel_dates_or_iso_text(value, expected):
    assert parse_date(value) == expected


def test_impossible_date_says_so():
    with pytest.raises(CellError) as exc:
        parse_date("2020-13-45")
    assert str(exc.value) == EXPECTED["date"] + " (this one is not a real date)"


@pytest.mark.parametrize("value", [44377, "30/06/2021", "soon"])
def test_non_dates_refused(value):
    with pytest.raises(CellError) as exc:
        parse_date(value)
    assert str(exc.value) == EXPECTED["date"]


def test_year_month_flag_count_text():
    assert parse_year(2021.0) == 2021
    assert parse_year("2021") == 2021
    with pytest.raises(CellError):
        parse_year(21.5)
    assert parse_month("2021-6") == "2021-06"
    assert parse_month(dt.date(2021, 6, 1)) == "2021-06"
    with pytest.raises(CellError):
        parse_month("2021-13")
    assert parse_flag(1) == 1 and parse_flag("0") == 0 and parse_flag("是") == 1
    with pytest.raises(CellError):
        parse_flag(2)
    assert parse_count("35,806,422") == 35_806_422
    with pytest.raises(CellError):
        parse_count(-1)
    assert parse_text("  DG-001\u3000 ") == "DG-001"
    assert parse_text(101.0) == "101"
