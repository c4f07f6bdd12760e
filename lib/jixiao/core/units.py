"""Units, in one place: money is kept in integer fen and scores in ten-thousandths of a point, so every
sum is exact; these turn them into what a reader sees (万元, points) and back.

Standard library only: the batch plans without pandas, and a missing value here may be None, a float NaN
or pandas' NA.
"""

from __future__ import annotations

from decimal import Decimal

FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 元 = 1,000,000 分
FEN_PER_YUAN = 100
YUAN_PER_WAN = 10_000
WAN_PER_YI = 10_000  # 1 亿元 = 10,000 万元
SCORE_SCALE = 10_000  # scores are kept in ten-thousandths of a point


def is_missing(value) -> bool:
    """None, a float NaN or pandas' NA (a missing cell, however a frame stores it)."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def wan(fen) -> float | None:
    """Integer fen -> 万元 (a float, exact to the cent for any realistic amount); None when missing."""
    if is_missing(fen):
        return None
    return round(int(fen) / FEN_PER_WAN, 6)


def wan_decimal(fen) -> Decimal | None:
    """Integer fen -> 万元 as an exact Decimal (for messages and exact displays); None when missing."""
    if is_missing(fen):
        return None
    return Decimal(int(fen)) / FEN_PER_WAN


def points(units) -> float | int | None:
    """Ten-thousandths of a point -> points (an int when whole, as the report prints weights)."""
    if is_missing(units):
        return None
    value = int(units)
    return value // SCORE_SCALE if value % SCORE_SCALE == 0 else value / SCORE_SCALE


def points_decimal(units) -> Decimal | None:
    """Ten-thousandths of a point -> points as an exact Decimal; None when missing."""
    return None if is_missing(units) else Decimal(int(units)) / SCORE_SCALE


def points_float(units) -> float | None:
    """Ten-thousandths of a point -> points as a float; None when missing."""
    return None if is_missing(units) else int(units) / SCORE_SCALE


def score_units(points_value: int | float) -> int:
    """Points -> ten-thousandths of a point (a grade bound such as 90 -> 900,000)."""
    return round(points_value * SCORE_SCALE)
