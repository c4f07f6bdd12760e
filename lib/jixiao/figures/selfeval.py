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

from decimal import Decimal
from fractions import Fraction

import pandas as pd

from jixiao.contract.params import SelfEvaluationSettings
from jixiao.contract.rules import Rule, figure_key, parse_rule, round_half_up
from jixiao.contract.selfeval import PENDING, Funds, Indicator, SelfEvaluationForm, is_pending
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
