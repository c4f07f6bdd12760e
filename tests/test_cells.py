"""Cell parsing: what real sheets contain is accepted, the rest is refused with what was expected."""

from __future__ import annotations

import datetime as dt

import pytest

from jixiao.intake.cells import (
    EXPECTED,
    NEGATIVE,
    CellError,
    parse_count,
    parse_date,
    parse_flag,
    parse_money,
    parse_money_yuan,
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
    assert exc.value.message == EXPECTED["money"]
    assert str(exc.value) == "应为以万元计的金额:纯数字,例如 1234.56(不带单位、不带 % 号)"


def test_money_refuses_negative():
    with pytest.raises(CellError) as exc:
        parse_money("-0.01")
    assert exc.value.message == NEGATIVE
    assert str(exc.value) == "应为不小于 0 的金额"


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
    assert str(exc.value) == "应为日期:Excel 日期或文本,例如 2021-06-30(这不是一个真实的日期)"
    assert exc.value.message[1] == EXPECTED["date"][1] + " (this one is not a real date)"


@pytest.mark.parametrize("value", [44377, "30/06/2021", "soon"])
def test_non_dates_refused(value):
    with pytest.raises(CellError) as exc:
        parse_date(value)
    assert str(exc.value) == "应为日期:Excel 日期或文本,例如 2021-06-30"


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


@pytest.mark.parametrize("yuan, wan", [("12,345.67", "1.234567"), (3601500, 360.15), (0.01, "0.000001"), (1, "0.0001")])
def test_money_in_yuan_is_the_same_fen_as_in_wan(yuan, wan):
    """A column headed (元) is read in 元: 1 元 = 100 fen exactly, so both units give the same integer."""
    assert parse_money_yuan(yuan) == parse_money(wan)


def test_money_in_yuan_says_yuan():
    with pytest.raises(CellError) as exc:
        parse_money_yuan("12元")
    assert str(exc.value) == "应为以元计的金额:纯数字,例如 12345.67(不带单位、不带 % 号)"
