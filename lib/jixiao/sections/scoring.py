"""评价得分: the score table by first- and second-level indicator, the grade, and every indicator's row."""

from __future__ import annotations

import pandas as pd


from ..contract import SCORE_SCALE
from ..metrics import ACHIEVEMENT_WORDING, WHOLE_EVALUATION_NOTE, level2_table, score_table, scoring_metrics
from ..present import fmt_pct, fmt_points, fmt_weight, table
from .base import Block, PeriodInputs, Section, SectionResult, SectionView, display, note
from .common import charts


def _in_points(frame: pd.DataFrame, columns: tuple[str, ...] = ("weight", "score")) -> pd.DataFrame:
    """Score units (1/10,000 point) -> points as floats, exact to the unit (a float column stores as parquet)."""
    return frame.assign(**{c: [None if pd.isna(v) else int(v) / SCORE_SCALE for v in frame[c]] for c in columns})


def compute(inputs: PeriodInputs) -> SectionResult:
    """Whole-span run only. Frames (points, not units): levels (level1, weight, score, rate, achievement),
    level2 (level1, level2, weight, score, rate) and indicators (level1, level2, level3, weight, score, note)."""
    if not inputs.whole_span:
        return SectionResult({"scoring": None}, {}, {"scoring": WHOLE_EVALUATION_NOTE.format(span=inputs.span.label)})
    scoring = inputs.tables.scoring
    figures = scoring_metrics(scoring)
    frames = {}
    if figures is not None:
        frames["levels"] = _in_points(score_table(scoring))
        frames["level2"] = _in_points(level2_table(scoring))
        rows = scoring.reindex(columns=["level1", "level2", "level3", "weight", "score", "note"])
        frames["indicators"] = _in_points(rows.reset_index(drop=True))
    return SectionResult({"scoring": figures}, frames)


def summary(r: SectionView) -> None:
    if r.absent("scoring"):
        return
    s = r.metrics["scoring"]
    levels = r.frame("levels")
    total = {"level1": "合计", "weight": s["weight"], "score": s["total"], "rate": s["rate"], "achievement": ""}
    shown = pd.concat([levels, pd.DataFrame([total])], ignore_index=True)
    display(table(shown, {"level1": ("一级指标", None), "weight": ("指标分值", fmt_weight), "score": ("评价得分", fmt_points),
                          "rate": ("得分率", fmt_pct)}, caption="评价得分总表"))
    display(note(f"综合评定绩效得分 {fmt_points(s['total'])} 分,等级为“{s['grade']}”"
                 "(优:得分≥90;良:80≤得分<90;中:60≤得分<80;差:得分<60)。"))
    display(table(levels, {"level1": ("一级指标", None), "rate": ("得分率", fmt_pct),
                           "achievement": ("目标完成等级", lambda a: ACHIEVEMENT_WORDING.get(a, "—"))},
                  caption="各一级指标目标完成等级(≥90% 全部完成;80%-90% 大部分完成;60%-80% 部分完成;<60% 不太明显)"))
    fig = charts.grouped_bars(levels.assign(weight=levels["weight"].astype(float), score=levels["score"].astype(float)),
                              "level1", {"weight": "指标分值", "score": "评价得分"}, title="一级指标分值与得分", ylabel="分")
    display(charts.show(fig))


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


def index_figures(metrics) -> list[str]:
    s = metrics.get("scoring")
    return [f"得分 {fmt_points(s['total'])}({s['grade']})"] if s else []


SECTION = Section(
    key="scoring",
    title="评价得分",
    reads=("scoring",),
    compute=compute,
    blocks=(Block("一、评价得分总表", summary), Block("二、指标得分明细", details)),
    index_figures=index_figures,
    absent={"scoring": "没有评分表(scoring.xlsx 缺失),评分指标为空。"},
)
