"""项目支出绩效自评表, the numbers: one year's form as data, exact, with every cell the data cannot fill marked
``PENDING`` (the writer prints 【待填写】 there and the form counts as a draft).

- 项目资金: 年初预算数 and 全年预算数 (调整后) are the budget sheet's rows of the year, 全年执行数 the payments dated
  in it, in 万元 as exact Decimals (summed in integer fen); 执行率 = 全年执行数 ÷ 全年预算数; its 得分 by the
  params file's rule (``contract.rules``; default 比例 to 100%: 执行率 × 分值, never above 分值), rounded half-up to
  0.01. The budget sheet has no split by source: 其中财政拨款 is the whole and 其他资金 is blank.
- 绩效指标: the year's rows of the sheet 年度指标, else the score sheet's 产出, 效益 and 满意度 indicators with their
  分值 to be filled. An indicator the score sheet links to a computed figure (计分依据) takes that figure of the
  year as 实际完成值 and, through its rule, its 得分; any other takes what the sheet gives, full 分值 when it
  reaches its target; a missed target needs its 偏差原因.
- 总分: budget execution's 得分 and the indicators', graded as the span's score (``figures.scoring.grade``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from jixiao.contract.params import SelfEvaluationSettings
from jixiao.contract.rules import Rule, figure_key, parse_rule, round_half_up
from jixiao.contract.sheets import STAGES
from jixiao.contract.targets import Value, meets, parse_nature, parse_value
from jixiao.core.i18n import t
from jixiao.core.period import Period
from jixiao.core.problems import ParameterError
from jixiao.core.units import FEN_PER_WAN, SCORE_SCALE, is_missing
from jixiao.figures.common import payments_in, spending_or_empty
from jixiao.figures.indicators import figure_fractions
from jixiao.figures.scoring import grade

FORM_TOTAL = Fraction(100)
# the first-level indicators the form's 绩效指标 lists when the year has no 年度指标 rows: 产出指标, 效益指标,
# 满意度指标 of 财预〔2020〕10号 (决策 and 过程 belong to the ex-post evaluation; budget execution has its own row)
FORM_LEVELS = ("产出", "效益", "满意度")


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


def _wan(fen: int) -> Decimal:
    return Decimal(int(fen)) / FEN_PER_WAN


def year_funds(tables, year: int, weight: Fraction, rule: Rule) -> dict[str, Funds]:
    """The funds rows of ``year``: the budget's rows of the year and the payments dated in it, exact."""
    budget = tables.budget
    rows = budget[budget["year"] == year] if budget is not None else None
    initial_fen = 0 if rows is None else int(rows["initial_budget"].sum())
    adjusted_fen = 0 if rows is None else int(rows["adjusted_budget"].sum())
    spent_fen = int(payments_in(spending_or_empty(tables.spending), Period(year, year))["amount"].sum())
    rate = Fraction(spent_fen, adjusted_fen) if adjusted_fen else PENDING
    score = PENDING if is_pending(rate) else round_half_up(rule.score(weight, rate))
    total = Funds(_wan(initial_fen), _wan(adjusted_fen), _wan(spent_fen), weight, rate, score)
    # the budget sheet records no source of funds: all of it is the fiscal appropriation, nothing is other funds
    fiscal = Funds(total.initial, total.adjusted, total.spent)
    return {"total": total, "fiscal": fiscal, "other": Funds()}


def _score_rows(scoring: pd.DataFrame | None) -> dict[str, object]:
    return {} if scoring is None else {r.level3: r for r in scoring.itertuples()}


def _given(value) -> bool:
    return not is_missing(value) and str(value).strip() != ""


def _linked(row) -> tuple[str | None, Rule | None]:
    basis = getattr(row, "calculation_basis", None)
    if not _given(basis):
        return None, None
    return basis, parse_rule(row.method, row.target, row.rule_params)


def _rule_target(rule: Rule) -> Fraction:
    """The rate a rule's full score needs: its target, or the lowest threshold with a factor of 1 (阶梯)."""
    if rule.method == "阶梯":
        full = [threshold for threshold, factor in rule.steps if factor == 1]
        return min(full) if full else rule.steps[0][0]
    return rule.target


def _indicator_from_target(row, score_row, figures: dict, stages) -> Indicator:
    unit = row.unit if _given(getattr(row, "unit", None)) else None
    nature = parse_nature(row.nature)
    target = parse_value(row.target, unit)
    weight = Fraction(int(row.weight), SCORE_SCALE)
    basis, rule = _linked(score_row)
    key = figure_key(basis, stages) if basis else None
    value = figures.get(key) if key else None
    given_actual = getattr(row, "actual", None)
    given_score = getattr(row, "score", None)
    if value is not None:
        actual, computed = Value(Fraction(value), percent=True), True
        score = round_half_up(rule.score(weight, Fraction(value)))
    else:
        actual = parse_value(given_actual, unit) if _given(given_actual) else PENDING
        computed = False
        score = PENDING
    missed = None if is_pending(actual) else meets(nature, target, actual)
    missed = None if missed is None else not missed
    if not computed:
        if _given(given_score):
            score = Fraction(int(given_score), SCORE_SCALE)
        elif missed is False:
            score = weight  # a target reached scores its whole 分值
    reason_given = getattr(row, "reason", None)
    reason = str(reason_given).strip() if _given(reason_given) else (PENDING if missed else None)
    return Indicator(score_row.level1, score_row.level2, row.level3, nature, target, unit, actual, weight, score, reason,
                     missed, key, computed)


def _indicator_from_score_sheet(score_row, figures: dict, stages) -> Indicator:
    """A score-sheet indicator on a form without the year's own targets: its 分值 and 得分 are to be filled;
    a linked one shows the year's figure and its rule's target."""
    basis, rule = _linked(score_row)
    key = figure_key(basis, stages) if basis else None
    value = figures.get(key) if key else None
    if rule is not None:
        nature, target, unit = "≥", Value(_rule_target(rule), percent=True), "%"
    else:
        nature, target, unit = PENDING, PENDING, PENDING
    actual = Value(Fraction(value), percent=True) if value is not None else PENDING
    missed = None
    if not is_pending(actual) and not is_pending(target):
        missed = not meets(nature, target, actual)
    return Indicator(score_row.level1, score_row.level2, score_row.level3, nature, target, unit, actual, PENDING,
                     PENDING, PENDING if missed else None, missed, key, value is not None)


def _sum(values) -> object:
    values = list(values)
    return PENDING if any(is_pending(v) for v in values) else sum(values, Fraction(0))


def self_evaluation_form(tables, year: int, metrics: dict, settings: SelfEvaluationSettings | None = None, *,
                         project: str = "", stages: tuple[str, ...] | list[str] = STAGES,
                         note_below: Fraction | None = None) -> SelfEvaluationForm:
    """The form of ``year`` from the validated ``tables`` and the year's ``metrics`` (its metrics.json, whose figures
    the linked indicators take); ``settings``: params' self_evaluation block; ``note_below``: the layout's threshold
    under which the execution rate needs its reason (``FormLayout.note_below``)."""
    settings = settings or SelfEvaluationSettings()
    stages = tuple(stages)
    funds = year_funds(tables, year, settings.weight, settings.rule)
    figures = figure_fractions(metrics, stages)
    by_level3 = _score_rows(tables.scoring)
    targets = tables.get("annual_targets")
    rows = None if targets is None else targets[targets["year"] == year]
    from_targets = rows is not None and not rows.empty
    if from_targets:
        indicators = tuple(_indicator_from_target(r, by_level3[r.level3], figures, stages) for r in rows.itertuples())
        weights = settings.weight + sum((i.weight for i in indicators), Fraction(0))
        if weights != FORM_TOTAL:
            raise ParameterError(t(
                f"{year} 年度指标的分值合计 {float(weights - settings.weight):g},加上预算执行的分值 "
                f"{float(settings.weight):g}(参数文件 self_evaluation.分值)为 {float(weights):g};应为 100",
                f"the {year} annual targets' weights add up to {float(weights - settings.weight):g}, with budget "
                f"execution's {float(settings.weight):g} (self_evaluation.分值) to {float(weights):g}; expected 100"))
    else:
        indicators = tuple(_indicator_from_score_sheet(r, figures, stages) for r in by_level3.values()
                           if str(r.level1).startswith(FORM_LEVELS))
    execution = funds["total"]
    total_weight = _sum([execution.weight, *(i.weight for i in indicators)])
    total_score = _sum([execution.score, *(i.score for i in indicators)])
    graded = PENDING if is_pending(total_score) else grade(int(total_score * SCORE_SCALE))
    explanation = None
    rate = execution.rate
    if note_below is not None and not is_pending(rate) and rate < note_below:
        explanation = settings.explanations.get(year, PENDING)
    goal = settings.goals.get(year, {})
    return SelfEvaluationForm(
        year=year, layout=settings.layout, project=project or PENDING,
        department=settings.department or PENDING, implementer=settings.implementer or PENDING,
        funds=funds, rule=settings.rule,
        goal_expected=goal.get("预期目标", PENDING), goal_achieved=goal.get("实际完成情况", PENDING),
        indicators=indicators, total_weight=total_weight, total_score=total_score, grade=graded,
        explanation=explanation, from_annual_targets=from_targets)


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
