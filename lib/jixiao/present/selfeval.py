"""The annual 项目支出绩效自评表 (``contract.selfeval``, computed by ``figures.selfeval``) as the report shows it: its cells as the fields ``自评.…``
(kinds in ``contract.fields``) and as two tables with typed columns (项目资金, 绩效指标 with 总分), printed by the
one formatter. A cell the data does not give prints 【待填写】 in a table and is null as a field (the report
prints 【待填写:自评.…】 there and counts it).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from jixiao.contract.fields import RATE, SCORE, TEXT, WEIGHT, MONEY
from jixiao.contract.selfeval import SelfEvaluationForm, is_pending
from jixiao.present.format import fmt_pct
from jixiao.present.parts import Column, TablePart

PLACEHOLDER = "【待填写】"
FUNDS_LABELS = {"total": "年度资金总额", "fiscal": "其中:财政拨款", "other": "其他资金"}
FUNDS_TABLE, INDICATORS_TABLE = "selfeval.funds", "selfeval.indicators"
TABLE_KEYS = (FUNDS_TABLE, INDICATORS_TABLE)


def plain_number(number: Fraction) -> str:
    """A number as typed, with thousands separators: 1200.5 -> '1,200.5', 420 -> '420'."""
    if number.denominator == 1:
        return f"{number.numerator:,}"
    return f"{(Decimal(number.numerator) / number.denominator).normalize():,f}"


def shown_value(value, nature: object = None) -> str | None:
    """A target or an actual value as the form prints it (``≥95.00%``, ``120``, ``达到预期``); None when blank."""
    if value is None:
        return None
    if is_pending(value):
        return PLACEHOLDER
    text = (fmt_pct(value.number) if value.percent else plain_number(value.number)) if value.numeric else value.text
    return f"{nature}{text}" if isinstance(nature, str) and nature != "=" else text


def _number(value):
    if value is None or is_pending(value):
        return None
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return float(value)


def form_fields(form: SelfEvaluationForm) -> dict:
    """The form's cells as the fields ``自评.…``: numbers as metrics.json holds them (万元, fractions, points), text
    as printed; null where the form shows 【待填写】 (or, for 其他资金, where the form is blank)."""
    total = form.execution

    def text(value):
        return None if value is None or is_pending(value) else str(value)

    def funds(f):
        return {"年初预算数": _number(f.initial), "全年预算数": _number(f.adjusted), "全年执行数": _number(f.spent)}

    return {
        "年度": form.year,
        "项目名称": text(form.project), "主管部门": text(form.department), "实施单位": text(form.implementer),
        **funds(total),
        "执行率": _number(total.rate), "分值": _number(total.weight), "得分": _number(total.score),
        "资金": {FUNDS_LABELS[k].removeprefix("其中:"): funds(f) for k, f in form.funds.items()},
        "年度总体目标": {"预期目标": text(form.goal_expected), "实际完成情况": text(form.goal_achieved)},
        "指标": {i.level3: {"一级指标": i.level1, "二级指标": i.level2, "指标性质": text(i.nature),
                            "年度指标值": None if is_pending(i.target) else shown_value(i.target),
                            "度量单位": text(i.unit),
                            "实际完成值": None if is_pending(i.actual) else shown_value(i.actual),
                            "分值": _number(i.weight), "得分": _number(i.score), "偏差原因": text(i.reason)}
                 for i in form.indicators},
        "满分": _number(form.total_weight), "总分": _number(form.total_score), "等级": text(form.grade),
        "待填写": len(form.pending_cells()),
        "状态": "草稿" if form.draft else "定稿",
    }


def _cell(value, numeric: bool = True):
    """A table cell: PENDING as 【待填写】 (the formatter prints text as it is), else the value of its kind."""
    if is_pending(value):
        return PLACEHOLDER
    if value is None:
        return None
    return _number(value) if numeric else str(value)


def form_tables(form: SelfEvaluationForm) -> dict[str, TablePart]:
    """项目资金 and 绩效指标 (with 总分 as its last row), keyed ``selfeval.funds`` and ``selfeval.indicators``."""
    year = form.year
    funds = TablePart(FUNDS_TABLE, f"{year}年度项目资金执行情况(自评表)", (
        Column("项目"), Column("年初预算数(万元)", MONEY), Column("全年预算数(万元)", MONEY),
        Column("全年执行数(万元)", MONEY), Column("分值", WEIGHT), Column("执行率", RATE), Column("得分", SCORE)),
        [(FUNDS_LABELS[k], _cell(f.initial), _cell(f.adjusted), _cell(f.spent), _cell(f.weight), _cell(f.rate),
          _cell(f.score)) for k, f in form.funds.items()])
    rows = [(i.level1, i.level2, i.level3,
             shown_value(i.target, i.nature if not is_pending(i.nature) else None), shown_value(i.actual),
             _cell(i.weight), _cell(i.score), _cell(i.reason, numeric=False)) for i in form.indicators]
    grade = PLACEHOLDER if is_pending(form.grade) else f"评价等级:{form.grade}"
    rows.append(("总分", None, None, None, None, _cell(form.total_weight), _cell(form.total_score), grade))
    indicators = TablePart(INDICATORS_TABLE, f"{year}年度绩效指标完成情况(自评表)", (
        Column("一级指标"), Column("二级指标"), Column("三级指标"), Column("年度指标值"), Column("实际完成值"),
        Column("分值", WEIGHT), Column("得分", SCORE), Column("偏差原因分析及改进措施", TEXT)), rows)
    return {FUNDS_TABLE: funds, INDICATORS_TABLE: indicators}
