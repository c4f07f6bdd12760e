"""The rules of the optional sheet 年度指标 (annual_targets.xlsx), each problem naming its cell.

Every row's 三级指标 is an indicator of the score sheet (指标); its 指标性质 is understood
(``contract.targets.parse_nature``); a qualitative 年度指标值 goes with ``=``; an indicator the score sheet
links to a computed rate (计分依据) has a percentage as its target; 得分 lies within 分值; the year lies in the
span; and each year's 分值, with the 分值 of budget execution on the form, add up to 100.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd

from jixiao.contract.rules import RuleError
from jixiao.contract.sheets import SHEETS_BY_KEY
from jixiao.contract.targets import parse_nature, parse_value
from jixiao.core.problems import ERROR, Problem
from jixiao.core.units import SCORE_SCALE, points

# the 分值 of budget execution on the form when the params file declares none (self_evaluation.分值)
EXECUTION_WEIGHT = Fraction(10)
FORM_TOTAL = 100


def check_annual_targets(targets: pd.DataFrame | None, scoring: pd.DataFrame | None,
                         span: tuple[int, int] | None = None,
                         execution_weight: Fraction | str | None = None) -> list[Problem]:
    """Every problem of the 年度指标 rows; ``execution_weight``: budget execution's 分值 (params'
    self_evaluation.分值, default 10)."""
    if targets is None:
        return []
    execution_weight = EXECUTION_WEIGHT if execution_weight is None else Fraction(Decimal(str(execution_weight)))
    spec = SHEETS_BY_KEY["annual_targets"]
    file, sheet = targets.attrs.get("file", spec.file), targets.attrs.get("sheet", spec.sheet)
    headers = targets.attrs.get("headers", {})
    bad = {(int(r), n) for r, n in targets.attrs.get("bad_cells", [])}
    problems: list[Problem] = []

    def header(name: str) -> str:
        return headers.get(name) or spec.column(name).header

    def error(row, name, message, value):
        problems.append(Problem(ERROR, file, message, sheet=sheet, row=int(row), column=header(name), value=value))

    def ok(row, name) -> bool:
        return (int(row), name) not in bad and (int(row), "*") not in bad

    known = {} if scoring is None else {r.level3: r for r in scoring.itertuples()}
    for r in targets.itertuples():
        if ok(r.excel_row, "level3") and r.level3 is not None and r.level3 not in known:
            where = ("评分表 scoring.xlsx 不存在" if scoring is None else "评分表(指标)中没有这个三级指标")
            where_en = ("the score sheet scoring.xlsx is absent" if scoring is None
                        else "the score sheet (指标) has no such third-level indicator")
            error(r.excel_row, "level3", (f"{where};应为评分表中的三级指标之一", f"{where_en}; expected one of its indicators"),
                  r.level3)
        nature = None
        if ok(r.excel_row, "nature") and r.nature is not None:
            try:
                nature = parse_nature(r.nature)
            except RuleError as exc:
                error(r.excel_row, "nature", exc.message, r.nature)
        unit = getattr(r, "unit", None)
        if ok(r.excel_row, "target") and r.target is not None:
            target = parse_value(r.target, unit)
            if nature in ("≥", "≤") and not target.numeric:
                error(r.excel_row, "target", (f"指标性质为 {nature},年度指标值应为数值或百分数;定性指标的指标性质应为 =",
                                              f"the nature is {nature}, so the target should be a number or a "
                                              "percentage; a qualitative indicator takes ="), r.target)
            linked = known.get(r.level3)
            basis = getattr(linked, "calculation_basis", None) if linked is not None else None
            if basis is not None and not target.percent and (target.numeric or nature == "="):  # one fault a cell
                error(r.excel_row, "target", (f"该指标由数据计算(计分依据 {basis}),是一个比率;年度指标值应为百分数,如 95%",
                                              f"the indicator is computed from the data (basis {basis}), a rate; "
                                              "expected a percentage such as 95%"), r.target)
        score = getattr(r, "score", None)
        if score is not None and pd.notna(score) and pd.notna(r.weight) and score > r.weight:
            error(r.excel_row, "score", (f"应为 0 到该指标分值 {points(r.weight)} 之间的得分",
                                         f"expected a score between 0 and its weight {points(r.weight)}"),
                  int(score) / SCORE_SCALE)
        if span is not None and pd.notna(r.year) and not span[0] <= int(r.year) <= span[1]:
            error(r.excel_row, "year", (f"年度在评价期 {span[0]}-{span[1]} 之外;应为 {span[0]} 至 {span[1]} 年",
                                        f"the year is outside the evaluation {span[0]}-{span[1]}; expected "
                                        f"{span[0]} to {span[1]}"), int(r.year))
    _weight_sums(targets, execution_weight, error, ok, span)
    return problems


def _weight_sums(targets: pd.DataFrame, execution_weight: Fraction, error, ok, span) -> None:
    """Each year's 分值 and budget execution's add up to 100 (the form's 总分); a year with a weight already
    reported, or outside the span (reported as such), is not summed."""
    expected = Fraction(FORM_TOTAL) - execution_weight
    years = targets.dropna(subset=["year"])
    for year, rows in years.groupby("year", sort=True):
        if not all(ok(row, "weight") for row in rows["excel_row"]) or rows["weight"].isna().any():
            continue
        if span is not None and not span[0] <= int(year) <= span[1]:
            continue
        total = Fraction(int(rows["weight"].sum()), SCORE_SCALE)
        if total != expected:
            last = int(rows["excel_row"].max())
            error(last, "weight", (f"{int(year)} 年的分值合计为 {_num(total)},加上预算执行的 {_num(execution_weight)} 分"
                                   f"为 {_num(total + execution_weight)};应合计 {_num(expected)}(总分 {FORM_TOTAL})",
                                   f"the weights of {int(year)} add up to {_num(total)}, with budget execution's "
                                   f"{_num(execution_weight)} to {_num(total + execution_weight)}; expected "
                                   f"{_num(expected)} (a total of {FORM_TOTAL})"), _num(total))


def _num(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
