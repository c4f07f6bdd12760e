"""The grammar of an annual target (sheet 年度指标): its 指标性质 and how 年度指标值 and 实际完成值 are read.

A value is a number (``100``, ``1,200.5``), a percentage (``95%``; with 度量单位 ``%`` a plain ``95`` is 95%
and a plain ``0.95``, what a cell formatted as 95% holds, is 95% too) or, for a qualitative indicator, text
(``达到预期``; its 指标性质 is ``=``). Numbers are exact ``Fraction``s; a percentage is a fraction of 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from jixiao.contract.rules import RuleError

# 指标性质 as typed -> the sign the form prints
NATURES: dict[str, str] = {"≥": "≥", ">=": "≥", "＞＝": "≥", "不低于": "≥", "≤": "≤", "<=": "≤", "＜＝": "≤",
                           "不高于": "≤", "=": "=", "＝": "=", "==": "=", "等于": "=", "定性": "="}
PERCENT_UNITS = ("%", "％")
_NUMBER = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?$")


def parse_nature(text: object) -> str:
    """``≥``, ``≤`` or ``=`` for a 指标性质 cell; raises RuleError (a ValueError) when not understood."""
    given = "".join(str(text).split())
    if given in NATURES:
        return NATURES[given]
    raise RuleError(("指标性质应为 ≥、≤ 或 =(也可写 >=、<=、不低于、不高于、等于、定性)",
                     "the nature should be ≥, ≤ or = (or >=, <=, 不低于, 不高于, 等于, 定性)"), "nature")


@dataclass(frozen=True)
class Value:
    """A target or an actual value: ``number`` (a percentage as a fraction of 1) or ``text`` (qualitative)."""

    number: Fraction | None = None
    text: str = ""
    percent: bool = False

    @property
    def numeric(self) -> bool:
        return self.number is not None


def is_percent_unit(unit: object) -> bool:
    return unit is not None and str(unit).strip() in PERCENT_UNITS


def parse_value(text: object, unit: object = None) -> Value:
    """A 年度指标值 or 实际完成值 cell (see the module's docstring); never raises: text that is no number is
    a qualitative value."""
    given = " ".join(str(text).split()).replace("％", "%")
    plain = given.replace(",", "")
    if plain.endswith("%") and _NUMBER.match(plain[:-1].strip()):
        return Value(Fraction(Decimal(plain[:-1].strip())) / 100, given, True)
    if _NUMBER.match(plain):
        number = Fraction(Decimal(plain))
        if is_percent_unit(unit):
            return Value(number if abs(number) <= 1 else number / 100, given, True)
        return Value(number, given)
    return Value(None, given)


def meets(nature: str, target: Value, actual: Value) -> bool | None:
    """Whether ``actual`` reaches ``target`` under ``nature``; None when either is qualitative and they differ
    in text only (the evaluator judges)."""
    if target.numeric and actual.numeric:
        if nature == "≥":
            return actual.number >= target.number
        if nature == "≤":
            return actual.number <= target.number
        return actual.number == target.number
    if not target.numeric and not actual.numeric and nature == "=":
        return True if target.text == actual.text else None
    return None
