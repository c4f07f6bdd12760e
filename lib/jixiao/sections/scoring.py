"""评价得分, the page: the score table by first- and second-level indicator, the grade, and every indicator's row."""

from __future__ import annotations

import pandas as pd


from jixiao.figures import scoring as figures
from jixiao.figures.base import WHOLE_SPAN_ONLY
from jixiao.figures.scoring import ACHIEVEMENT_LEVELS
from jixiao.contract.fields import RATE, SCORE, TEXT
from jixiao.present.format import fmt_points
from jixiao.present.parts import ChartPart, Note, table
from jixiao.sections.base import Block, Section, SectionView
from jixiao.sections.satisfaction import WHOLE_EVALUATION_NOTE

def achievement_wording(level: str, achievement: str | None) -> str:
    """Each goal graded in its own words: 预期产出目标部分完成 for 产出, 预期效益目标部分完成 for 效益 (the published
    Dongguan report's 预期产出目标 on its 效益 row is a slip of that report, not a rule)."""
    if not achievement:
        return "—"
    if achievement == "不太明显":
        return f"预期{level}不太明显"
    return f"预期{level}目标{achievement}"


def summary(r: SectionView) -> list:
    if gone := r.missing("scoring"):
        return gone
    s = r.metrics["scoring"]
    levels = r.frame("levels")
    total = {"level1": "合计", "weight": s["weight"], "score": s["total"], "rate": s["rate"], "achievement": ""}
    shown = pd.concat([levels, pd.DataFrame([total])], ignore_index=True)
    parts = [table("scoring.summary", shown, {"level1": ("一级指标", TEXT), "weight": ("指标分值（分）", SCORE),
                                              "score": ("评价得分（分）", SCORE), "rate": ("得分率", RATE)}, caption="评价得分总表"),
             ChartPart("scoring.summary", "一级指标分值与得分", "grouped_bars",
                       (levels.assign(weight=levels["weight"].astype(float), score=levels["score"].astype(float)),
                        "level1", {"weight": "指标分值", "score": "评价得分"}),
                       {"title": "一级指标分值与得分", "ylabel": "分", "labels": "{:,.2f}"}),
             Note(f"综合评定绩效得分 {fmt_points(s['total'])} 分，等级为“{s['grade']}”"
                  "（优：得分≥90；良：80≤得分<90；中：60≤得分<80；差：得分<60）。")]
    goals = levels[levels["level1"].isin(ACHIEVEMENT_LEVELS)]
    if not goals.empty:  # the wording grades output and effect goals only, not 决策 or 过程
        goals = goals.assign(wording=[achievement_wording(level, a) for level, a in zip(goals["level1"], goals["achievement"])])
        parts += [Note("等级评价结果分为：预期目标全部完成（得分率≥90%）、大部分完成（80%≤得分率<90%）、"
                       "部分完成（60%≤得分率<80%）、不太明显（得分率<60%），只用于产出和效益目标，各以其目标表述"
                       "（预期产出目标……、预期效益目标……）。"),
                  table("scoring.goals", goals, {"level1": ("一级指标", TEXT), "rate": ("得分率", RATE),
                                                 "wording": ("等级评价结果", TEXT)}, caption="产出、效益目标完成等级")]
    return parts


def details(r: SectionView) -> list:
    if gone := r.missing("scoring"):
        return gone
    indicators = r.frame("indicators")
    indicators = indicators.assign(note=[v or "" for v in indicators["note"]])
    return [table("scoring.level2", r.frame("level2"), {"level1": ("一级指标", TEXT), "level2": ("二级指标", TEXT),
                                                        "weight": ("分值（分）", SCORE), "score": ("得分（分）", SCORE),
                                                        "rate": ("得分率", RATE)}, caption="二级指标得分"),
            table("scoring.indicators", indicators, {"level1": ("一级指标", TEXT), "level2": ("二级指标", TEXT),
                                                     "level3": ("三级指标", TEXT), "weight": ("分值（分）", SCORE),
                                                     "score": ("得分（分）", SCORE), "note": ("评分说明", TEXT)},
                  caption="三级指标评分明细")]


def computed_checks(r: SectionView) -> list:
    """Each indicator linked to a computed figure: the figure, the rule, the computed and the entered score."""
    if gone := r.missing("scoring"):
        return gone
    checks = r.frame("checks")
    if checks.empty:
        return [Note("评分表没有指标填写“计分依据”，没有可由数据计算核对的指标得分。")]
    verdict = {True: "不一致", False: "一致", None: "无数据"}
    checks = checks.assign(differs=[verdict[None if v is None or v != v else bool(v)] for v in checks["differs"]])
    differ = r.metrics["scoring"].get("checks_differ") or 0
    return [table("scoring.checks", checks, {"indicator": ("三级指标", TEXT), "figure": ("计分依据", TEXT),
                                             "value": ("指标值", RATE), "rule": ("计分规则", TEXT), "weight": ("分值（分）", SCORE),
                                             "computed": ("计算得分（分）", SCORE), "entered": ("评分表得分（分）", SCORE),
                                             "differs": ("核对", TEXT)},
                  caption="由数据计算的指标得分核对", check=True),
            Note(f"共 {len(checks)} 个指标与数据计算的数字关联，其中 {differ} 个的评分表得分与按规则计算的得分相差超过 0.005 分"
                 + ("，请评价人员复核。" if differ else "。"))]


def index_figures(metrics) -> list[str]:
    s = metrics.get("scoring")
    if not s:
        return []
    out = [f"得分 {fmt_points(s['total'])}({s['grade']})"]
    if s.get("checks_differ"):
        out.append(f"计分核对不一致 {s['checks_differ']} 项")
    return out


SECTION = Section(
    key="scoring",
    title="评价得分",
    figures=figures.FIGURES,
    blocks=(Block("一、评价得分总表", summary), Block("二、指标得分明细", details),
            Block("三、由数据计算的指标得分核对", computed_checks)),
    parts=("summary", "goals", "level2", "indicators", "checks"),
    index_figures=index_figures,
    applies=lambda m: m.get("scoring") is not None,  # the score sheet covers the whole evaluation
    absent={"scoring": "没有评分表（scoring.xlsx 缺失），评分指标为空。"},
    notes={WHOLE_SPAN_ONLY: WHOLE_EVALUATION_NOTE},
    cost=1.5,
)
