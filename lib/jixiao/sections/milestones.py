"""产出时效(进度): milestones planned in the period, done by its end, strictly on time, and those still open."""

from __future__ import annotations


from ..metrics import milestone_completion, milestone_metrics, milestones_open
from ..present import fmt_count, fmt_date, fmt_pct, table
from .base import Block, PeriodInputs, Section, SectionResult, SectionView, display, note
from .common import charts


def compute(inputs: PeriodInputs) -> SectionResult:
    """Frames: completion (stage, planned, done, rate, on_time, on_time_rate) and open (subproject_id, name,
    stage, planned_date, actual_date: planned in the period, not done by its end)."""
    tables = inputs.tables
    figures = milestone_metrics(tables, inputs.period)
    frames = {}
    if figures is not None:
        frames["completion"] = milestone_completion(tables.milestones, inputs.period)
        frames["open"] = milestones_open(tables.milestones, tables.subprojects, inputs.period)
    return SectionResult({"milestones": figures}, frames)


def completion(r: SectionView) -> None:
    if r.absent("milestones"):
        return
    shown = r.frame("completion")
    display(note(f"计划完成日期在 {r.period.label} 内的节点,以 {r.period.end.isoformat()} 前实际完成为“完成”;"
                 "“严格按期”指实际完成日期不晚于计划日期。"))
    display(table(shown, {"stage": ("阶段", None), "planned": ("计划(个)", fmt_count), "done": ("实际完成(个)", fmt_count),
                          "rate": ("如期完成率", fmt_pct), "on_time": ("严格按期(个)", fmt_count),
                          "on_time_rate": ("严格按期率", fmt_pct)},
                  caption="各阶段计划与完成情况"))
    fig = charts.grouped_bars(shown, "stage", {"planned": "计划", "done": "实际完成"},
                              title="各阶段计划与实际完成(个)", ylabel="个", rotate=20)
    display(charts.show(fig))


def open_list(r: SectionView) -> None:
    if r.absent("milestones"):
        return
    pending = r.frame("open")
    if pending.empty:
        display(note(f"本期计划的节点均已在 {r.period.end.isoformat()} 前完成。"))
        return
    display(note(f"截至 {r.period.end.isoformat()} 尚未完成的计划节点共 {len(pending)} 个:"))
    display(table(pending, {"subproject_id": ("子项目编号", None), "name": ("子项目名称", None), "stage": ("阶段", None),
                            "planned_date": ("计划完成日期", fmt_date), "actual_date": ("实际完成日期", fmt_date)},
                  caption="期末未完成的节点"))


def index_figures(metrics) -> list[str]:
    m = metrics.get("milestones")
    if not m:
        return ["无进度数据"]
    planned = sum(v["planned"] for v in m.values())
    done = sum(v["done"] for v in m.values())
    return [f"节点完成 {done}/{planned}"]


SECTION = Section(
    key="milestones",
    title="产出时效(进度)",
    reads=("milestones", "subprojects"),
    compute=compute,
    blocks=(Block("一、各阶段计划与完成情况", completion), Block("二、期末尚未完成的节点", open_list)),
    index_figures=index_figures,
    absent={"milestones": "本期没有计划完成的进度节点(milestones.xlsx 缺失或无本期计划),进度指标为空。"},
    cost=1.5,
)
