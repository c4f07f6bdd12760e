"""Turn one spreadsheet cell into a typed value, or say what was expected.

Real sheets hold amounts typed as text ("1,234.56"), dates as Excel dates or as
ISO text, stray spaces: these are accepted. Anything else raises ``CellError``
whose message says what was expected; the loader adds file, sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from jixiao.core.i18n import t
from jixiao.core.units import FEN_PER_WAN, FEN_PER_YUAN, SCORE_SCALE, YUAN_PER_WAN
from jixiao.intake.glyphs import unprintable

EXPECTED = {
    "id": ("应为编号(文本)", "expected an identifier (text)"),
    "text": ("应为文本", "expected text"),
    "money": ("应为以万元计的金额:纯数字,例如 1234.56(不带单位、不带 % 号)",
              "expected an amount in 万元: a plain number such as 1234.56 (no unit, no % sign)"),
    "money_yuan": ("应为以元计的金额:纯数字,例如 12345.67(不带单位、不带 % 号)",
                   "expected an amount in 元: a plain number such as 12345.67 (no unit, no % sign)"),
    "score": ("应为分数:纯数字,例如 4.5", "expected a score: a plain number such as 4.5"),
    "year": ("应为年度,例如 2021", "expected a year such as 2021"),
    "date": ("应为日期:Excel 日期或文本,例如 2021-06-30", "expected a date: an Excel date or text such as 2021-06-30"),
    "month": ("应为文本形式的月份,例如 2021-06", "expected a month as text such as 2021-06"),
    "flag": ("应为 1(计为满意)或 0", "expected 1 (counts as satisfied) or 0"),
    "count": ("应为不小于 0 的整数", "expected a whole number >= 0"),
    "order": ("应为整数", "expected a whole number"),
}
# what a blank cell of a required column is told (columns.BLANK_CELL is the outcome that marks such a cell)
BLANK_REQUIRED = ("应有值;该单元格为空", "expected a value; the cell is blank")
MAX_WAN = 10**12  # 1万亿 万元: far above any budget, and its fen still fit in 64 bits
MAX_POINTS = 10**6
MAX_WHOLE = 10**15
TOO_LARGE_MONEY = ("应为小于 1,000,000,000,000 万元的金额(此数过大,不可能是真实金额)",
                   "expected an amount below 1,000,000,000,000 万元 (this one is too large to be real)")
TOO_LARGE_YUAN = ("应为小于 10,000,000,000,000,000 元的金额(此数过大,不可能是真实金额)",
                  "expected an amount below 10,000,000,000,000,000 元 (this one is too large to be real)")
TOO_LARGE_SCORE = ("应为小于 1,000,000 的分数(此数过大,不可能是真实分数)",
                   "expected a score below 1,000,000 (this one is too large to be real)")
NEGATIVE = ("应为不小于 0 的金额", "expected an amount >= 0")
NEGATIVE_SCORE = ("应为不小于 0 的分数", "expected a score >= 0")
NOT_A_REAL_DATE = ("(这不是一个真实的日期)", " (this one is not a real date)")

_SEPARATORS = str.maketrans("", "", ",，  \u3000'")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


class CellError(ValueError):
    """The cell's value is not of its column's kind; ``message`` says what was expected,
    as a (Chinese, English) pair."""

    def __init__(self, message: tuple[str, str]):
        self.message = message
        super().__init__(message[1])

    def __str__(self) -> str:
        return t(*self.message)


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


_ROUNDING_SCALES = {"money": FEN_PER_WAN, "money_yuan": FEN_PER_YUAN, "score": SCORE_SCALE}


def is_rounded(value: object, kind: str) -> bool:
    """Whether a cell ``parse_money``, ``parse_money_yuan`` or ``parse_score`` read has more decimals than its
    unit keeps (万元 to the fen, 元 to the fen, points to 0.0001), so that it was rounded."""
    number = _decimal(value, kind)
    return number * _ROUNDING_SCALES[kind] != (number * _ROUNDING_SCALES[kind]).to_integral_value()


def parse_money(value: object) -> int:
    """An amount in 万元 -> integer fen."""
    number = _decimal(value, "money")
    if number < 0:
        raise CellError(NEGATIVE)
    if number >= MAX_WAN:
        raise CellError(TOO_LARGE_MONEY)
    return _scaled(number, FEN_PER_WAN)


def parse_money_yuan(value: object) -> int:
    """An amount in 元 (a column headed "(元)") -> integer fen: 1 元 = 100 fen, exact."""
    number = _decimal(value, "money_yuan")
    if number < 0:
        raise CellError(NEGATIVE)
    if number >= MAX_WAN * YUAN_PER_WAN:
        raise CellError(TOO_LARGE_YUAN)
    return _scaled(number, FEN_PER_YUAN)


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
                raise CellError((EXPECTED["date"][0] + NOT_A_REAL_DATE[0], EXPECTED["date"][1] + NOT_A_REAL_DATE[1])) from None
    raise CellError(EXPECTED["date"])


def parse_month(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        m = _MONTH_TEXT.match(value.strip())
        if m and 1 <= int(m[2]) <= 12:
            return f"{int(m[1]):04d}-{int(m[2]):02d}"
    raise CellError(EXPECTED["month"])


# control characters: C0 and C1 but tab and line breaks (which clean_text turns into spaces), and DEL;
# Excel writes ESC as _x001B_, which the reader decodes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def shown_character(c: str) -> str:
    """A character as a message shows it: a control or invisible one escaped (``\\x1b``), never raw."""
    return repr(c)[1:-1] if not c.isprintable() or unicodedata.category(c) == "Cf" else c


def without_invisible(text: str) -> str:
    """``text`` without invisible format characters (zero-width space and joiners, BOM, soft hyphen, direction
    marks: Unicode's Cf), which a paste from the web leaves and no font draws."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf") if not text.isascii() else text


def parse_text(value: object) -> str:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        control = _CONTROL.search(value)
        if control:
            c = control.group()
            raise CellError((f"含控制字符 {shown_character(c)}(U+{ord(c):04X},第 {control.start() + 1} 个字符);应删去",
                             f"holds the control character {shown_character(c)} (U+{ord(c):04X}, character "
                             f"{control.start() + 1}); expected it removed"))
        value = without_invisible(value)
    text = clean_text(value)
    missing = unprintable(text)
    if missing:
        shown = "".join(shown_character(c) for c in missing[:5])
        codes = "、".join(f"U+{ord(c):04X}" for c in missing[:5])
        raise CellError((f"含有报告字体无法打印的字符 {shown}({codes});应删去或换成常用字符",
                         f"holds character(s) the report's font cannot print: {shown} ({codes}); "
                         "expected them removed or replaced by common characters"))
    return text


PARSERS = {
    "id": parse_text,
    "text": parse_text,
    "money": parse_money,
    "money_yuan": parse_money_yuan,
    "score": parse_score,
    "year": parse_year,
    "date": parse_date,
    "month": parse_month,
    "flag": parse_flag,
    "count": parse_count,
    "order": parse_order,
}
