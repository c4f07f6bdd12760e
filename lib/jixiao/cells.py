"""Turn one spreadsheet cell into a typed value, or say what was expected.

Real sheets hold amounts typed as text ("1,234.56"), dates as Excel dates or as
ISO text, stray spaces: these are accepted. Anything else raises ``CellError``
whose message says what was expected; the loader adds file, sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from .contract import FEN_PER_WAN, SCORE_SCALE

EXPECTED = {
    "id": "expected an identifier (text)",
    "text": "expected text",
    "money": "expected an amount in 万元: a plain number such as 1234.56 (no unit, no % sign)",
    "score": "expected a score: a plain number such as 4.5",
    "year": "expected a year such as 2021",
    "date": "expected a date: an Excel date or text such as 2021-06-30",
    "month": "expected a month as text such as 2021-06",
    "flag": "expected 1 (counts as satisfied) or 0",
    "count": "expected a whole number >= 0",
    "order": "expected a whole number",
}
BLANK = "expected a value; the cell is blank"
MAX_WAN = 10**12  # 1万亿 万元: far above any budget, and its fen still fit in 64 bits
MAX_POINTS = 10**6
MAX_WHOLE = 10**15
TOO_LARGE_MONEY = "expected an amount below 1,000,000,000,000 万元 (this one is too large to be real)"
TOO_LARGE_SCORE = "expected a score below 1,000,000 (this one is too large to be real)"
NEGATIVE = "expected an amount >= 0"
NEGATIVE_SCORE = "expected a score >= 0"

_SEPARATORS = str.maketrans("", "", ",，  \u3000'")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


class CellError(ValueError):
    """The cell's value is not of its column's kind; the message says what was expected."""


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def clean_text(value: object) -> str:
    """Text as a person reads it: numbers typed into a text column lose a spurious '.0'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).replace("\u3000", " ").split())


def _decimal(value: object, kind: str) -> Decimal:
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.time)):
        raise CellError(EXPECTED[kind])
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError(EXPECTED[kind])
        # repr gives the shortest text that round-trips, so 1234.56 stays 1234.56, not its binary expansion
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = str(value).strip().translate(_SEPARATORS)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(EXPECTED[kind]) from None
    if not number.is_finite():
        raise CellError(EXPECTED[kind])
    return number


def _scaled(number: Decimal, scale: int) -> int:
    return int((number * scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def parse_money(value: object) -> int:
    """An amount in 万元 -> integer fen."""
    number = _decimal(value, "money")
    if number < 0:
        raise CellError(NEGATIVE)
    if number >= MAX_WAN:
        raise CellError(TOO_LARGE_MONEY)
    return _scaled(number, FEN_PER_WAN)


def parse_score(value: object) -> int:
    """A score or weight in points -> integer ten-thousandths of a point."""
    number = _decimal(value, "score")
    if number < 0:
        raise CellError(NEGATIVE_SCORE)
    if number >= MAX_POINTS:
        raise CellError(TOO_LARGE_SCORE)
    return _scaled(number, SCORE_SCALE)


def _whole(value: object, kind: str) -> int:
    number = _decimal(value, kind)
    if abs(number) >= MAX_WHOLE or number != number.to_integral_value():
        raise CellError(EXPECTED[kind])
    return int(number)


def parse_year(value: object) -> int:
    year = _whole(value, "year")
    if not 1900 <= year <= 2200:
        raise CellError(EXPECTED["year"])
    return year


def parse_count(value: object) -> int:
    count = _whole(value, "count")
    if count < 0:
        raise CellError(EXPECTED["count"])
    return count


def parse_order(value: object) -> int:
    return _whole(value, "order")


def parse_flag(value: object) -> int:
    if isinstance(value, str) and value.strip() in ("是", "否"):
        return 1 if value.strip() == "是" else 0
    try:
        flag = _whole(value, "flag")
    except CellError:
        raise CellError(EXPECTED["flag"]) from None
    if flag not in (0, 1):
        raise CellError(EXPECTED["flag"])
    return flag


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _DATE_TEXT.match(value.strip())
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise CellError(EXPECTED["date"] + " (this one is not a real date)") from None
    raise CellError(EXPECTED["date"])


def parse_month(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        m = _MONTH_TEXT.match(value.strip())
        if m and 1 <= int(m[2]) <= 12:
            return f"{int(m[1]):04d}-{int(m[2]):02d}"
    raise CellError(EXPECTED["month"])


def parse_text(value: object) -> str:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return clean_text(value)


PARSERS = {
    "id": parse_text,
    "text": parse_text,
    "money": parse_money,
    "score": parse_score,
    "year": parse_year,
    "date": parse_date,
    "month": parse_month,
    "flag": parse_flag,
    "count": parse_count,
    "order": parse_order,
}
