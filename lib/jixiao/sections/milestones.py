"""产出时效（进度）, the page: milestones planned in the period, done by its end, strictly on time, and those still open."""

from __future__ import annotations


from jixiao.contract.sheets import STAGES
from jixiao.figures import milestones as figures
from jixiao.contract.fields import DATE, GE, RATE, TEXT
from jixiao.present.parts import ChartPart, Note, table
from jixiao.sections.base import Block, Section, SectionView
from jixiao.sections.common import published_notes


def milestone_figures(inputs) -> tuple[str, ...]:
    """The labels of the published figures this page shows (published.py), for its footnotes: one per stage of
    the evaluation (params' milestone_stages), and the started and accepted subprojects."""
    return tuple(f"{stage} " for stage in inputs.layout.stages) + ("已", "完成验收", "其中")


# the labels for the default stages (the contract's seven)
MILESTONE_FIGURES = tuple(f"{stage} " for stage in STAGES) + ("已", "完成验收", "其中")


def stages_of(r: SectionView) -> list[str]:
    """The evaluation's milestone stages in order, as metrics.json records them."""
    return list((r.metrics.get("declared") or {}).get("milestone_stages") or STAGES)


def completion(r: SectionView) -> list:
    if gone := r.missing("milestones"):
        return gone
    frame = r.frame("completion")
    end = r.period.end.isoformat()
    stages = stages_of(r)
    roles = (r.metrics.get("declared") or {}).get("stage_roles") or {}
    accepted, final = roles.get("初验", "初验"), roles.get("终验", "终验")
    if (accepted, final) == ("初验", "终验"):
        accepted = ""  # the stages carry the roles' own names
    elif accepted == final:
        accepted = f"；子项目完成“{final}”即为验收完成"
    else:  # in a reader's words: which of the evaluation's own stages counts as accepted, and as finally accepted
        accepted = f"；子项目完成“{accepted}”即为验收完成，完成“{final}”即为全部完成"
    said = Note(f"本次评价的进度阶段（按先后）：{'、'.join(stages)}{accepted}。"
                 f"计划完成日期在本期（{r.period.label} 年）内的节点为“计划”，{end} 前实际完成的为“完成”；"
                 "期末完成率 = 完成 ÷ 计划。另列其中实际完成日期不晚于计划完成日期的节点（“按期完成”），"
                 "按期完成率 = 按期完成 ÷ 计划；按期完成是“完成”的一部分。"
                 "本期没有计划节点的阶段记为“—”。")
    # a stage with nothing planned in the period shows "—", not zeros
    nothing = frame["planned"] == 0
    shown = frame.astype({c: object for c in ("planned", "done", "on_time")})
    for column in ("planned", "done", "on_time"):
        shown.loc[nothing, column] = None
    listed = table("milestones.completion", shown,
                   {"stage": ("阶段", TEXT), "planned": ("计划（个）", GE), "done": ("完成（个）", GE),
                    "rate": ("期末完成率", RATE), "on_time": ("其中按期完成（个）", GE),
                    "on_time_rate": ("按期完成率", RATE)},
                   caption=f"各阶段计划与完成情况（计划在本期，截至 {end}）")
    chart = ChartPart("milestones.completion", "各阶段计划与完成节点（个）", "grouped_bars",
                      (frame[~nothing], "stage", {"planned": "计划", "done": "完成"}),
                      {"title": "各阶段计划与完成节点（个）", "ylabel": "个", "rotate": 20})
    return [said, listed, chart, *published_notes(r)]


def open_list(r: SectionView) -> list:
    if gone := r.missing("milestones"):
        return gone
    pending = r.frame("open")
    end = r.period.end.isoformat()
    if pending.empty:
        return [Note(f"本期计划的节点均已在 {end} 前完成。")]
    return [Note(f"计划在本期、截至 {end} 尚未完成的节点共 {len(pending)} 个（实际完成日期在期末之后的一并列出）："),
            table("milestones.open", pending, {"subproject_id": ("子项目编号", TEXT), "name": ("子项目名称", TEXT),
                                               "stage": ("阶段", TEXT), "planned_date": ("计划完成日期", DATE),
                                               "actual_date": ("实际完成日期", DATE)},
                  caption=f"期末未完成的节点（截至 {end}）")]


def index_figures(metrics) -> list[str]:
    m = metrics.get("milestones")
    if not m:
        return ["无进度数据"]
    planned = sum(v["planned"] for v in m.values())
    done = sum(v["done"] for v in m.values())
    return [f"节点期末完成 {done}/{planned}"]


SECTION = Section(
    key="milestones",
    title="产出时效（进度）",
    figures=figures.FIGURES,
    blocks=(Block("一、各阶段计划与完成情况", completion), Block("二、期末尚未完成的节点", open_list)),
    parts=("completion", "open"),
    index_figures=index_figures,
    absent={"milestones": "本期没有计划完成的进度节点（进度表缺失或无本期计划），进度指标为空。"},
    published_figures=milestone_figures,
    cost=1.5,
)
