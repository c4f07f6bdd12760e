"""What an analyst sees of a section's frames: Chinese headers with their units, and the report's formats.

The frames a section computes keep short English column names (``spent_wan``, ``rate``): the display
blocks and the stored parquet use them. ``report_frame`` gives the same numbers under the headers a page
prints (``实际支出(万元)``, ``支出率``), as a ``ReportFrame`` whose ``styled()`` is a pandas Styler with the
report's formats (98.42%, 80,692.06).
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from jixiao.present.format import fmt_count, fmt_date, fmt_pct, fmt_points, fmt_wan, fmt_weight

Format = Callable[[object], str] | None

COLUMNS: dict[str, tuple[str, Format]] = {
    "year": ("年度", None), "initial_budget_wan": ("年初预算（万元）", fmt_wan),
    "adjusted_budget_wan": ("调整后预算（万元）", fmt_wan), "spent_wan": ("实际支出（万元）", fmt_wan),
    "adjustment_rate": ("预算调整率", fmt_pct), "domain": ("领域", None), "subprojects": ("子项目（个）", fmt_count),
    "approved_wan": ("立项批复金额（万元）", fmt_wan), "share": ("占比", fmt_pct), "band": ("支出率区间", None),
    "subproject_id": ("子项目编号", None), "name": ("子项目名称", None),
    "spent_to_end_wan": ("截至期末累计支出（万元）", fmt_wan), "unit": ("业务单位", None), "stage": ("阶段", None),
    "planned": ("计划（个）", fmt_count), "done": ("完成（个）", fmt_count), "on_time": ("其中按期完成（个）", fmt_count),
    "on_time_rate": ("按期完成率", fmt_pct), "planned_date": ("计划完成日期", fmt_date),
    "actual_date": ("实际完成日期", fmt_date), "question": ("题目", None), "option": ("选项", None),
    "order": ("选项顺序", None), "positive": ("计入合计", None), "count": ("选择该项（份）", fmt_count),
    "answered": ("回答（份）", fmt_count), "positive_options": ("合计的选项", None), "positive_share": ("合计占比", fmt_pct),
    "month": ("月份", None), "star_1": ("1星（条）", fmt_count), "star_2": ("2星（条）", fmt_count),
    "star_3": ("3星（条）", fmt_count), "star_4": ("4星（条）", fmt_count), "star_5": ("5星（条）", fmt_count),
    "total": ("总评价（条）", fmt_count), "bad": ("差评（条）", fmt_count), "five_star": ("五星（条）", fmt_count),
    "five_star_rate": ("五星好评率", fmt_pct), "bad_rate": ("差评率", fmt_pct), "level1": ("一级指标", None),
    "level2": ("二级指标", None), "level3": ("三级指标", None), "weight": ("分值", fmt_weight),
    "score": ("得分", fmt_points), "achievement": ("完成等级", None), "note": ("评分说明", None),
    "indicator": ("三级指标", None), "metric": ("计分依据（键）", None), "figure": ("计分依据", None),
    "value": ("指标值", fmt_pct), "rule": ("计分规则", None), "computed": ("计算得分", fmt_points),
    "entered": ("评分表得分", fmt_points), "differs": ("不一致", None), "item": ("项目", None),
    "published": ("报告刊印值", None), "agrees": ("一致", None), "reason": ("差异原因", None),
    "pi1_outturn": ("PI-1 总支出执行", fmt_pct), "pi2_variance": ("PI-2.1 支出结构偏差", fmt_pct),
}
# where a column means something else in one section's frame: (section, frame) -> column -> header, format
OWN: dict[tuple[str, str], dict[str, tuple[str, Format]]] = {
    ("expenditure", "by_year"): {"rate": ("支出率", fmt_pct)},
    ("expenditure", "domains"): {"rate": ("本期支出率", fmt_pct), "adjusted_budget_wan": ("本期预算（万元）", fmt_wan),
                                 "spent_wan": ("本期支出（万元）", fmt_wan), "share": ("投资占比", fmt_pct)},
    ("expenditure", "subproject_rates"): {"rate": ("支出率", fmt_pct)},
    ("milestones", "completion"): {"rate": ("期末完成率", fmt_pct)},
    ("scoring", "levels"): {"rate": ("得分率", fmt_pct)},
    ("scoring", "level2"): {"rate": ("得分率", fmt_pct)},
    ("scoring", "indicators"): {"explanation": ("指标解释", None), "standard": ("评分标准", None),
                                "deduction_reason": ("扣分理由", None), "lost": ("扣分", fmt_points),
                                "reason_missing": ("扣分未说明理由", None)},
    ("trends", "budget"): {"rate": ("支出率", fmt_pct), "spent_wan": ("支付（万元）", fmt_wan)},
    ("trends", "stages"): {"rate": ("完成率", fmt_pct)},
    ("overview", "key_figures"): {"value": ("数值", None)},
    ("overview", "published"): {"figure": ("指标", None), "computed": ("数据计算值", None)},
    ("overview", "published_differs"): {"figure": ("指标", None), "computed": ("数据计算值", None)},
}


class ReportFrame(pd.DataFrame):
    """A section frame under Chinese headers; ``styled()`` formats it as the report prints it."""

    _metadata = ["formats"]

    @property
    def _constructor(self):
        return ReportFrame

    def styled(self):
        """A pandas Styler with the report's formats (98.42%, 80,692.06, — for a missing value)."""
        formats = getattr(self, "formats", None) or {}
        return self.style.format({c: f for c, f in formats.items() if c in self.columns and f is not None},
                                 na_rep="—").hide(axis="index")


def report_frame(section: str, name: str, frame: pd.DataFrame) -> ReportFrame:
    """``frame`` (the section's frame ``name``) with Chinese headers; date columns as datetime64."""
    own = OWN.get((section, name), {})
    headers, formats = {}, {}
    for column in frame.columns:
        header, fmt = own.get(column) or COLUMNS.get(column) or (column, None)
        headers[column], formats[header] = header, fmt
    out = ReportFrame(frame.rename(columns=headers))
    for column in frame.columns:
        if column.endswith("_date"):
            out[headers[column]] = pd.to_datetime(out[headers[column]])
            formats[headers[column]] = lambda v: "—" if pd.isna(v) else v.strftime("%Y-%m-%d")
    out.formats = formats
    return out
