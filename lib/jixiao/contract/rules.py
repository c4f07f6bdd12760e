"""The grammar of a scoring rule: which figures an indicator may be linked to, and what its 计分方法,
目标值 and 计分参数 mean.

A row of the 指标 sheet is *linked* when its 计分依据 names a figure of ``INDICATOR_FIGURES``;
its 计分方法 (比例, 阶梯 or 扣分), 目标值 and 计分参数 then give a ``Rule``, and the rule turns the
figure into a score (``jixiao.figures.indicators`` lays that score beside the 得分 column).

Everything is exact: figures are ``Fraction``s of integer counts (or of amounts exact to the fen),
scores are rounded half-up to 0.01 point only at the end.

Numbers in 目标值 and 计分参数 are written either as a percentage with a % sign (``95%``) or as a
plain fraction between 0 and 1 (``0.95``, which is what an Excel cell formatted as 95% holds); a
plain number above 1 is refused, since ``95`` could mean 95% or 9500%.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from jixiao.contract.sheets import STAGES
from jixiao.core.i18n import t

STAGE_FIGURE_PREFIX = "stage_completion_rate:"

# key -> (Chinese name, how it is computed); the whole-span metrics.json supplies every input
COMMON_FIGURES: dict[str, tuple[str, str]] = {
    "budget_execution_rate": ("预算执行率", "期内支付 ÷ 期内各年度调整后预算"),
    "spend_rate_approved": ("批复资金支出率", "截至期末的累计支付 ÷ 已批复子项目的立项批复金额合计"),
    "milestone_completion_rate": ("计划完成率", "期内计划的进度节点中期末前已完成的 ÷ 期内计划的节点(各阶段合计)"),
    "milestone_on_time_rate": ("按期完成率", "实际完成日期不晚于计划完成日期的节点 ÷ 期内计划的节点(各阶段合计)"),
    "survey_positive_share": ("问卷满意率", "选择“是否满意 = 1”选项的回答 ÷ 全部回答(所有题目合计)"),
    "five_star_rate": ("五星好评率", "5星评价 ÷ 全部评价"),
}


def indicator_figures(stages: tuple[str, ...] | list[str] = STAGES) -> dict[str, tuple[str, str]]:
    """Every figure a 计分依据 may name for an evaluation with these milestone stages: the common ones and
    ``stage_completion_rate:<stage>`` for each of its stages."""
    return {**COMMON_FIGURES,
            **{f"{STAGE_FIGURE_PREFIX}{stage}": (f"{stage}完成率", f"阶段“{stage}”期内计划的节点中期末前已完成的 ÷ 期内计划的节点")
               for stage in stages}}


# the figures of an evaluation with the default stages (the contract's seven)
INDICATOR_FIGURES: dict[str, tuple[str, str]] = indicator_figures(STAGES)
FIGURE_BY_NAME = {name: key for key, (name, _) in INDICATOR_FIGURES.items()}

METHODS: dict[str, str] = {
    "比例": "得分 = 分值 × min(指标值 ÷ 目标值, 1)",
    "阶梯": "计分参数如 95%:1; 90%:0.8; 80%:0.6; 0:0,取指标值达到的第一个门槛的系数,得分 = 分值 × 系数",
    "扣分": "计分参数如 1%:0.5,指标值每比目标值低满 1% 扣 0.5 分,最低 0 分",
}
DEFAULT_TARGET = Fraction(1)
CENT = Fraction(1, 100)
TOLERANCE = Fraction(5, 1000)  # a computed and an entered score differ when more than 0.005 apart

_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")


class RuleError(ValueError):
    """A malformed scoring rule; ``message`` is a (Chinese, English) pair, ``column`` the field at fault:
    calculation_basis, method, target or rule_params (None inside a field's own parser, which the caller names).

    The pair travels whole (not one rendered language) because validation problems are cached and may be
    printed later in the other language."""

    def __init__(self, message: tuple[str, str], column: str | None = None):
        self.message = (message[0], message[1])
        self.column = column
        super().__init__(message[1])

    def __str__(self) -> str:
        return t(*self.message)

    def prefixed(self, zh: str, en: str, column: str | None = None) -> "RuleError":
        """The same fault said of a named field (``目标值`` before the inner message)."""
        return RuleError((zh + self.message[0], en + self.message[1]), column or self.column)

    def suffixed(self, zh: str, en: str, column: str | None = None) -> "RuleError":
        return RuleError((self.message[0] + zh, self.message[1] + en), column or self.column)


@dataclass(frozen=True)
class Rule:
    """A parsed scoring rule: ``steps`` holds (threshold, factor) for 阶梯, (step, points) for 扣分."""

    method: str
    target: Fraction = DEFAULT_TARGET
    steps: tuple[tuple[Fraction, Fraction], ...] = ()

    def score(self, weight: Fraction, value: Fraction) -> Fraction:
        """The unrounded score of ``value`` under this rule, for an indicator worth ``weight`` points."""
        if self.method == "比例":
            return weight * min(value / self.target, Fraction(1))
        if self.method == "阶梯":
            factor = next((f for threshold, f in self.steps if value >= threshold), Fraction(0))
            return weight * factor
        step, points = self.steps[0]
        shortfall = self.target - value
        full_steps = int(shortfall // step) if shortfall > 0 else 0
        return max(weight - full_steps * points, Fraction(0))


def figure_key(text: object, stages: tuple[str, ...] | list[str] = STAGES) -> str:
    """The figure a 计分依据 cell names (its key or its Chinese name) among those of an evaluation with these
    milestone ``stages``; raises RuleError (a ValueError) when unknown."""
    known_figures = indicator_figures(stages)
    by_name = {name: key for key, (name, _) in known_figures.items()}
    given = " ".join(str(text).split())
    key = by_name.get(given, given)
    if key.casefold() in {k.casefold() for k in known_figures}:
        return next(k for k in known_figures if k.casefold() == key.casefold())
    known = "、".join(known_figures)
    raise RuleError(("未知的计分依据;应为以下之一:" + known, "unknown calculation basis; expected one of " + known),
                    "calculation_basis")


def parse_fraction(text: object, *, allow_zero: bool = False) -> Fraction:
    """'95%' -> 95/100; '0.95' -> 95/100; a plain number must lie in [0, 1] (a percentage needs its % sign).
    Raises RuleError (a ValueError)."""
    given = str(text).strip().replace("％", "%")
    percent = given.endswith("%")
    digits = given[:-1].strip() if percent else given
    if not _NUMBER.match(digits):
        raise RuleError((f"“{given}”不是数值;应写成百分数(如 95%)或 0 到 1 之间的小数(如 0.95)",
                         f"“{given}” is not a number; expected a percentage (such as 95%) or a fraction between 0 and 1 "
                         "(such as 0.95)"))
    value = Fraction(Decimal(digits))
    if percent:
        value /= 100
    elif value > 1:
        raise RuleError((f"“{given}”大于 1;百分数请带 % 号(如 {given}%),小数应在 0 到 1 之间",
                         f"“{given}” is above 1; a percentage needs its % sign (such as {given}%), a fraction lies "
                         "between 0 and 1"))
    if value == 0 and not allow_zero:
        raise RuleError((f"“{given}”为 0;应大于 0", f"“{given}” is 0; expected more than 0"))
    return value


def _pairs(params: str) -> list[tuple[str, str]]:
    parts = [p.strip() for p in re.split(r"[;；]", params) if p.strip()]
    pairs = []
    for part in parts:
        halves = re.split(r"[:：]", part)
        if len(halves) != 2 or not halves[0].strip() or not halves[1].strip():
            raise RuleError((f"“{part}”应写成用冒号分开的一对数,如“90%:0.8”",
                             f"“{part}” should be a pair of numbers separated by a colon, such as “90%:0.8”"))
        pairs.append((halves[0].strip(), halves[1].strip()))
    return pairs


def _plain_number(text: str, what: tuple[str, str]) -> Fraction:
    if not _NUMBER.match(text):
        raise RuleError((f"{what[0]}“{text}”应为不带单位的非负数",
                         f"the {what[1]} “{text}” should be a plain number >= 0 (no unit)"))
    return Fraction(Decimal(text))


def parse_rule(method: object, target: object = None, params: object = None) -> Rule:
    """The Rule of one indicator row; raises RuleError (a message saying what is expected, and the field
    at fault).

    比例: 目标值 (default 100%), no 计分参数.  阶梯: no 目标值; 计分参数 ``门槛:系数; …`` with
    thresholds falling and factors between 0 and 1; a value below every threshold scores 0.
    扣分: 计分参数 ``每低:扣分`` (e.g. ``1%:0.5``) below 目标值 (default 100%).
    """
    name = "" if method is None else str(method).strip()
    if name not in METHODS:
        known = "、".join(METHODS)
        raise RuleError(("未知的计分方法;应为以下之一:" + known, "unknown scoring method; expected one of " + known),
                        "method")
    has_target = target is not None and str(target).strip() != ""
    has_params = params is not None and str(params).strip() != ""
    if name == "阶梯" and has_target:
        raise RuleError(("阶梯法按计分参数中的门槛计分,不用目标值;请清空目标值",
                         "阶梯 scores by the thresholds of its parameters and takes no target; clear the target"),
                        "target")
    try:
        goal = parse_fraction(target) if has_target else DEFAULT_TARGET
    except RuleError as exc:
        raise exc.prefixed("目标值", "target ", "target") from None
    if name == "比例":
        if has_params:
            raise RuleError(("比例法不用计分参数;请清空计分参数,或改用阶梯/扣分",
                             "比例 takes no parameters; clear them, or use 阶梯/扣分"), "rule_params")
        return Rule(name, goal)
    example = "95%:1; 90%:0.8; 80%:0.6; 0:0" if name == "阶梯" else "1%:0.5"
    if not has_params:
        raise RuleError((f"{name}法需要计分参数,例如 {example}", f"{name} needs its parameters, e.g. {example}"),
                        "rule_params")
    try:
        return _stepped(name, goal, str(params))
    except RuleError as exc:
        raise exc.suffixed(f"(例如 {example})", f" (e.g. {example})", "rule_params") from None


def _stepped(name: str, goal: Fraction, params: str) -> Rule:
    pairs = _pairs(params)
    if name == "阶梯":
        steps = tuple((parse_fraction(bound, allow_zero=True), _plain_number(f, ("系数", "factor"))) for bound, f in pairs)
        if any(f > 1 for _, f in steps):
            raise RuleError(("阶梯法的系数应在 0 到 1 之间(得分 = 分值 × 系数)",
                             "the factors of 阶梯 lie between 0 and 1 (score = weight × factor)"))
        if any(a <= b for (a, _), (b, _) in zip(steps, steps[1:])):
            raise RuleError(("阶梯法的门槛应从高到低排列,且互不相同",
                             "the thresholds of 阶梯 go from high to low, each different"))
        return Rule(name, DEFAULT_TARGET, steps)
    if len(pairs) != 1:
        raise RuleError(("扣分法的计分参数应只有一对“每低:扣分”",
                         "扣分 takes one pair “each shortfall:points off”, no more"))
    return Rule(name, goal, ((parse_fraction(pairs[0][0]), _plain_number(pairs[0][1], ("扣分", "points off"))),))


def describe_rule(rule: Rule) -> str:
    """The rule as the section prints it, e.g. '比例,目标值 100%' or '阶梯 95%:1; 0:0'."""
    def pct(f: Fraction) -> str:
        return f"{_decimal(f * 100).normalize():f}%"

    if rule.method == "比例":
        return f"比例,目标值 {pct(rule.target)}"
    if rule.method == "阶梯":
        return "阶梯 " + "; ".join(f"{pct(t)}:{_decimal(f).normalize():f}" for t, f in rule.steps)
    step, points = rule.steps[0]
    return f"扣分,目标值 {pct(rule.target)},每低 {pct(step)} 扣 {_decimal(points).normalize():f} 分"


def _decimal(f: Fraction) -> Decimal:
    return Decimal(f.numerator) / Decimal(f.denominator)


def round_half_up(value: Fraction, unit: Fraction = CENT) -> Fraction:
    """``value`` (>= 0) rounded half-up to a multiple of ``unit``, exactly."""
    return Fraction((value / unit + Fraction(1, 2)).__floor__()) * unit
