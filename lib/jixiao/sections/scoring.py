"""评价得分, the page: the score table by first- and second-level indicator, the grade, and every indicator's row."""

from __future__ import annotations

import pandas as pd


from jixiao.figures import scoring as figures
from jixiao.figures.base import WHOLE_SPAN_ONLY
from jixiao.figures.scoring import ACHIEVEMENT_LEVELS
from jixiao.present.tables import fmt_pct, fmt_points, fmt_weight, table, with_chart
from jixiao.sections.base import Block, Section, SectionView, display, note
from jixiao.sections.common import charts
from jixiao.sections.satisfaction import WHOLE_EVALUATION_NOTE

def achievement_wording(level: str, achievement: str | None) -> str:
    """Each goal graded in its own words: 预期产出目标部分完成 for 产出, 预期效益目标部分完成 for 效益 (the published
    Dongguan report's 预期产出目标 on its 效益 row is a slip of that report, not a rule)."""
    if not achievement:
        return "—"
    if achievement == "不太明显":
        return f"预期{level}不太明显"
    return f"预期{level}目标{achievement}"


def summary(r: SectionView) -> None:
    if r.absent("scoring"):
        return
    s = r.metrics["scoring"]
    levels = r.frame("levels")
    total = {"level1": "合计", "weight": s["weight"], "score": s["total"], "rate": s["rate"], "achievement": ""}
    shown = pd.concat([levels, pd.DataFrame([total])], ignore_index=True)
    listed = table(shown, {"level1": ("一级指标", None), "weight": ("指标分值", fmt_weight), "score": ("评价得分", fmt_points),
                           "rate": ("得分率", fmt_pct)}, caption="评价得分总表")
    fig = charts.grouped_bars(levels.assign(weight=levels["weight"].astype(float), score=levels["score"].astype(float)),
                              "level1", {"weight": "指标分值", "score": "评价得分"}, title="一级指标分值与得分",
                              ylabel="分", labels="{:,.2f}")
    display(with_chart(listed, fig))
    display(note(f"综合评定绩效得分 {fmt_points(s['total'])} 分,等级为“{s['grade']}”"
                 "(优:得分≥90;良:80≤得分<90;中:60≤得分<80;差:得分<60)。"))
    goals = levels[levels["level1"].isin(ACHIEVEMENT_LEVELS)]
    if not goals.empty:  # the wording grades output and effect goals only, not 决策 or 过程
        display(note("等级评价结果分为：预期目标全部完成（得分率≥90%）、大部分完成（80%≤得分率<90%）、"
                     "部分完成（60%≤得分率<80%）、不太明显（得分率<60%），只用于产出和效益目标，各以其目标表述"
                     "（预期产出目标……、预期效益目标……）。"))
        goals = goals.assign(wording=[achievement_wording(level, a) for level, a in zip(goals["level1"], goals["achievement"])])
        display(table(goals, {"level1": ("一级指标", None), "rate": ("得分率", fmt_pct),
                              "wording": ("等级评价结果", None)},
                      caption="产出、效益目标完成等级"))


def details(r: SectionView) -> None:
    if r.absent("scoring"):
        return
    display(table(r.frame("level2"), {"level1": ("一级指标", None), "level2": ("二级指标", None),
                                      "weight": ("分值", fmt_points), "score": ("得分", fmt_points),
                                      "rate": ("得分率", fmt_pct)}, caption="二级指标得分"))
    display(table(r.frame("indicators"), {"level1": ("一级指标", None), "level2": ("二级指标", None),
                                          "level3": ("三级指标", None), "weight": ("分值", fmt_points),
                                          "score": ("得分", fmt_points), "note": ("评分说明", lambda v: v or "")},
                  caption="三级指标评分明细"))


def computed_checks(r: SectionView) -> None:
    """Each indicator linked to a computed figure: the figure, the rule, the computed and the entered score."""
    if r.absent("scoring"):
        return
    checks = r.frame("checks")
    if checks.empty:
        display(note("评分表没有指标填写“计分依据”,没有可由数据计算核对的指标得分。"))
        return
    verdict = {True: "不一致", False: "一致", None: "无数据"}
    display(table(checks, {"indicator": ("三级指标", None), "figure": ("计分依据", None), "value": ("指标值", fmt_pct),
                           "rule": ("计分规则", None), "weight": ("分值", fmt_weight),
                           "computed": ("计算得分", fmt_points), "entered": ("评分表得分", fmt_points),
                           "differs": ("核对", lambda v: verdict[None if v is None or v != v else bool(v)])},
                  caption="由数据计算的指标得分核对"))
    differ = r.metrics["scoring"].get("checks_differ") or 0
    display(note(f"共 {len(checks)} 个指标与数据计算的数字关联,其中 {differ} 个的评分表得分与按规则计算的得分相差超过 0.005 分"
                 + (",请评价人员复核。" if differ else "。")))


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
    index_figures=index_figures,
    applies=lambda m: m.get("scoring") is not None,  # the score sheet covers the whole evaluation
    absent={"scoring": "没有评分表(scoring.xlsx 缺失),评分指标为空。"},
    notes={WHOLE_SPAN_ONLY: WHOLE_EVALUATION_NOTE},
    cost=1.5,
)
