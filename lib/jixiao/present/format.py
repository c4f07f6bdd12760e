"""The one formatter: a value as the genre prints it, by its kind (``contract.fields.Kind``).

Pages' tables, the notebooks' prose, the report's fields, Word cells and Excel number formats all print
through here, so a figure reads the same everywhere. Rounding is half-up on the decimal value. Rates: two
decimals; a percentage under 0.1% keeps two significant digits (0.0049%), never fewer than two decimals
(0.0005 -> 0.05%, 0.000123 -> 0.012%).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from jixiao.contract.fields import DATE, MONEY, RATE, SCORE, TEXT, WEIGHT, Kind

DASH = "—"
NUMERIC = frozenset({"money", "rate", "count", "score", "weight"})  # right-aligned; numbers in Excel


def blank(value) -> bool:
    if value is None:
        return True
    try:
        return not isinstance(value, str) and bool(value != value)  # NaN, NaT, pd.NA
    except (TypeError, ValueError):
        return False


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(value) if isinstance(value, int) else Decimal(repr(float(value)))


def quantize(value, places: int) -> Decimal:
    return _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value, places: int = 2) -> str:
    """Thousands separators and ``places`` decimals, half-up: 80692.06 -> '80,692.06'."""
    return f"{quantize(value, places):,.{places}f}"


def rate_places(rate) -> int:
    """Decimals of a rate's percentage under the one rule (two; two significant digits under 0.1%)."""
    percent = _decimal(rate) * 100
    if percent == 0 or abs(percent) >= Decimal("0.1"):
        return 2
    significant = percent.quantize(Decimal(1).scaleb(percent.copy_abs().adjusted() - 1), rounding=ROUND_HALF_UP)
    return max(2, -significant.normalize().as_tuple().exponent)  # trailing zeros go, down to two decimals


def percent(rate) -> str:
    """A fraction as a percentage: 0.984244 -> '98.42%'; 0.0005 -> '0.05%'; 0.000049 -> '0.0049%'."""
    places = rate_places(rate)
    return f"{(_decimal(rate) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):.{places}f}%"


def round_percent(rate, places: int = 2) -> float:
    """The printed percentage as a number: 0.984244 -> 98.42."""
    return float((_decimal(rate) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def date(value) -> str:
    """The genre's date: 2021年12月31日."""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def _weight(value) -> str:
    return str(int(value)) if float(value).is_integer() else number(value)


def _list(value) -> str:
    return "、".join(("、".join(map(str, v)) + ("(并列)" if len(v) > 1 else "")) if isinstance(v, list) else str(v)
                    for v in value)


def cell(kind: Kind, value) -> str:
    """A table cell: the number without its unit word (the header says it); a blank is —."""
    if blank(value):
        return DASH
    if isinstance(value, str) and value.startswith("【") and value.endswith("】"):
        return value  # a placeholder (【待填写】) stands in any column, numbers' too
    k = kind.kind
    if k == "money" or k == "score":
        return number(value)
    if k == "rate":
        return percent(value)
    if k == "count":
        return f"{int(value):,}"
    if k == "weight":
        return _weight(value)
    if k == "date":
        return value.isoformat()[:10] if isinstance(value, dt.date) else str(value)[:10]
    if k == "year":
        return str(int(value))
    if k == "list":
        return _list(value)
    if k == "printed" and isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def field(kind: Kind, value) -> str:
    """A report field: the number with its unit word (98.42%, 80,692.06万元, 75个, 77.20分, 2021年12月31日)."""
    k = kind.kind
    if k == "money":
        return number(value) + "万元"
    if k == "count":
        return f"{int(value):,}{kind.unit}"
    if k in ("score", "weight"):
        return cell(kind, value) + "分"
    if k == "date":
        return date(value)
    if k == "year":
        return f"{int(value)}年"
    return cell(kind, value)


def excel_format(kind: Kind, values=()) -> str | None:
    """The Excel number format of a column of ``kind`` (None: text); a rate column gets the decimals its
    smallest share prints with, so Excel shows what the page shows."""
    k = kind.kind
    if k == "rate":
        places = max((rate_places(v) for v in values if not blank(v) and math.isfinite(float(v))), default=2)
        return "0." + "0" * min(places, 10) + "%"
    return {"money": "#,##0.00", "score": "0.00", "count": "0", "weight": "General", "date": "yyyy-mm-dd",
            "year": "0"}.get(k)


# shortcuts for prose computed from data
def fmt_wan(value) -> str:
    return cell(MONEY, value)


def fmt_pct(rate) -> str:
    return cell(RATE, rate)


def fmt_points(value) -> str:
    return cell(SCORE, value)


def fmt_weight(value) -> str:
    return cell(WEIGHT, value)


def fmt_count(value) -> str:
    return DASH if blank(value) else f"{int(value):,}"


def fmt_date(value) -> str:
    return cell(DATE, value)


__all__ = ["DASH", "NUMERIC", "TEXT", "blank", "cell", "date", "excel_format", "field", "fmt_count", "fmt_date",
           "fmt_pct", "fmt_points", "fmt_wan", "fmt_weight", "number", "percent", "quantize", "rate_places",
           "round_percent"]
