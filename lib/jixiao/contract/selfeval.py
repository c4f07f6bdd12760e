"""The annual 项目支出绩效自评表 as data: what ``figures.selfeval`` computes, ``present.selfeval`` shows and
``output.selfeval_form`` writes, and how the form is stored with the period's results (``form_record``, exact).

A cell the data cannot fill is ``PENDING``: the writers print 【待填写】 there and the form counts as a draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from jixiao.contract.rules import Rule
from jixiao.contract.targets import Value


class _Pending:
    """A cell the data does not fill: the form shows 【待填写】 there and is a draft."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "PENDING"

    def __bool__(self) -> bool:
        return False


PENDING = _Pending()


def is_pending(value) -> bool:
    return value is PENDING


@dataclass(frozen=True)
class Funds:
    """One funds row (万元, exact): None is blank by design (no such figure on this row), PENDING to be filled."""

    initial: object = None
    adjusted: object = None
    spent: object = None
    weight: object = None
    rate: object = None
    score: object = None


@dataclass(frozen=True)
class Indicator:
    level1: str
    level2: str
    level3: str
    nature: object  # ≥ ≤ = or PENDING
    target: object  # Value or PENDING
    unit: object  # text, None (none typed) or PENDING
    actual: object  # Value or PENDING
    weight: object  # Fraction or PENDING
    score: object  # Fraction or PENDING
    reason: object  # text, None (not needed) or PENDING (a missed target without its reason)
    missed: bool | None  # None: not known (a value pending, or qualitative)
    figure: str | None = None  # the computed figure the score sheet links it to
    computed: bool = False  # 实际完成值 and 得分 computed from the data


@dataclass(frozen=True)
class SelfEvaluationForm:
    year: int
    layout: str
    project: object
    department: object
    implementer: object
    funds: dict[str, Funds]  # total, fiscal, other
    rule: Rule
    goal_expected: object
    goal_achieved: object
    indicators: tuple[Indicator, ...]
    total_weight: object
    total_score: object
    grade: object
    explanation: object = None  # why execution fell short of the layout's threshold; None when not needed
    from_annual_targets: bool = False  # the indicators come from the sheet 年度指标

    @property
    def execution(self) -> Funds:
        return self.funds["total"]

    def pending_cells(self) -> list[str]:
        """Where the form shows 【待填写】, by name (项目, indicator and column)."""
        found = [name for name, v in (("主管部门", self.department), ("实施单位", self.implementer),
                                      ("预期目标", self.goal_expected), ("实际完成情况", self.goal_achieved),
                                      ("预算执行率未达到要求的原因", self.explanation)) if is_pending(v)]
        found += [f"年度资金总额.{k}" for k, v in vars(self.execution).items() if is_pending(v)]
        for ind in self.indicators:
            found += [f"{ind.level3}.{k}" for k in ("nature", "target", "unit", "actual", "weight", "score", "reason")
                      if is_pending(getattr(ind, k))]
        found += [name for name, v in (("总分.分值", self.total_weight), ("总分.得分", self.total_score))
                  if is_pending(v)]
        return found

    @property
    def draft(self) -> bool:
        return bool(self.pending_cells())


# --- as stored with the period's results (frames/selfeval.form.parquet) ----------------------------------


def _encode(value):
    """A form's value as JSON, exactly: fractions and decimals as text, PENDING, Values and rules tagged."""
    if value is PENDING:
        return {"待填写": True}
    if isinstance(value, Fraction):
        return {"fraction": str(value)}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, Value):
        return {"value": [_encode(value.number), value.text, value.percent]}
    if isinstance(value, Rule):
        return {"rule": [value.method, _encode(value.target), [[_encode(a), _encode(b)] for a, b in value.steps]]}
    if isinstance(value, (Funds, Indicator)):
        return {k: _encode(v) for k, v in vars(value).items()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, inner), = value.items()
        if tag == "待填写":
            return PENDING
        if tag == "fraction":
            return Fraction(inner)
        if tag == "decimal":
            return Decimal(inner)
        if tag == "value":
            return Value(_decode(inner[0]), inner[1], inner[2])
        if tag == "rule":
            return Rule(inner[0], _decode(inner[1]), tuple((_decode(a), _decode(b)) for a, b in inner[2]))
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    return value


def form_record(form: SelfEvaluationForm) -> dict:
    """``form`` as JSON-able data that ``form_from_record`` gives back equal (exact values, 【待填写】 cells kept)."""
    out = {k: _encode(v) for k, v in vars(form).items() if k not in ("funds", "indicators")}
    out["funds"] = {k: _encode(f) for k, f in form.funds.items()}
    out["indicators"] = [_encode(i) for i in form.indicators]
    return out


def form_from_record(record: dict) -> SelfEvaluationForm:
    plain = {k: _decode(v) for k, v in record.items() if k not in ("funds", "indicators")}
    funds = {k: Funds(**_decode(f)) for k, f in record["funds"].items()}
    indicators = tuple(Indicator(**_decode(i)) for i in record["indicators"])
    return SelfEvaluationForm(**plain, funds=funds, indicators=indicators)
