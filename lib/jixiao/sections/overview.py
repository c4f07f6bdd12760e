"""评价概况: the period's key figures from every section, and the published report's figures beside the data's."""

from __future__ import annotations

import pandas as pd

from jixiao.contract.fields import TEXT
from jixiao.present.format import fmt_count, fmt_pct, fmt_points, fmt_wan
from jixiao.present.parts import Heading, Note, table
from jixiao.sections.published import published_comparison, published_disagreements
from jixiao.figures.base import PeriodInputs
from jixiao.sections.base import Block, Section, SectionResult, SectionView
from jixiao.sections.common import respondents


def key_figure_rows(project: str, period, span, metrics) -> pd.DataFrame:
    """Columns item, value: the figures a reader looks for first, as printed; each label says what it covers
    (本期: dated in the period; 截至期末: up to the period's end)."""
    whole = period == span
    end = f"{period.end.year}年{period.end.month}月{period.end.day}日"  # the genre's date
    rows = [("评价项目", project), ("评价期", span.label), ("本报告期间", period.label),
            ("评价基准日" if whole else "本期期末", end)]
    e = metrics.get("expenditure")
    if e:
        if whole:  # the published report's words for the whole span
            rows += [("累计安排预算（万元）", fmt_wan(e["budget"])), ("实际支出（万元）", fmt_wan(e["spent"])),
                     ("支出率", fmt_pct(e["rate"]))]
        else:
            rows += [("本期安排预算（万元）", fmt_wan(e["budget"])), ("本期实际支出（万元）", fmt_wan(e["spent"])),
                     ("本期支出率", fmt_pct(e["rate"]))]
            if "budget_to_end" in e:
                rows += [(f"截至期末累计安排预算（{span.first} 年起，万元）", fmt_wan(e["budget_to_end"])),
                         ("截至期末累计支出（万元）", fmt_wan(e["paid_to_end"])),
                         ("截至期末累计支出率", fmt_pct(e["spend_rate_budget_to_end"]))]
        if "subprojects" in e:
            rows += [("截至期末已批复子项目（个）", fmt_count(e["subprojects"])),
                     ("截至期末立项批复金额合计（万元）", fmt_wan(e["approved_total"])),
                     ("截至期末暂未下达资金子项目（个）", fmt_count(e["no_funds_issued"]))]
    if metrics.get("milestones"):
        planned = sum(v["planned"] for v in metrics["milestones"].values())
        done = sum(v["done"] for v in metrics["milestones"].values())
        rows += [("本期计划完成的进度节点（个）", fmt_count(planned)), ("其中期末前完成（个）", fmt_count(done)),
                 ("节点期末完成率", fmt_pct(done / planned if planned else None))]
    if metrics.get("survey"):
        survey = metrics["survey"]
        word, unit = respondents(metrics)
        rows.append((f"问卷有效样本（{word}，{unit}）", fmt_count(survey["respondents"])))
        if survey.get("positive_share") is not None:
            rows.append(("问卷合计占比（各题计入合计的选项）", fmt_pct(survey["positive_share"])))
    if metrics.get("public_reviews"):
        r = metrics["public_reviews"]
        window = f"{r['months'][0]} 至 {r['months'][1]}"
        rows += [(f"“好差评”总数（{window}，条）", fmt_count(r["total"])), ("五星好评率", fmt_pct(r["five_star_rate"])),
                 ("差评率", fmt_pct(r["bad_rate"]))]
    if metrics.get("scoring"):
        rows += [("绩效得分", fmt_points(metrics["scoring"]["total"])), ("评价等级", metrics["scoring"]["grade"])]
    return pd.DataFrame(rows, columns=["item", "value"])


def finish(inputs: PeriodInputs) -> SectionResult:
    """Frames: key_figures (item, value, as printed) and, in the whole-span run of an evaluation with a
    published.yaml, published (figure, published, computed, agrees, reason); metrics.json then also
    carries published_disagreements (how many printed figures the data does not reproduce)."""
    frames = {"key_figures": key_figure_rows(inputs.project, inputs.period, inputs.span, inputs.metrics)}
    notes, figures = {}, {}
    if inputs.published and inputs.whole_span:
        try:
            frames["published"] = published_comparison(dict(inputs.metrics), inputs.published)
            figures["published_disagreements"] = published_disagreements(frames["published"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            notes["published"] = f"published.yaml 的结构与约定不符（{type(exc).__name__}: {exc}），无法逐项核对。"
    return SectionResult(figures, frames, notes)


def key_figures(r: SectionView) -> list:
    parts = []
    # what the period leaves out comes first: read before the table, and the table then ends the page's text
    for key in ("survey", "scoring"):
        if r.metrics.get(key) is None and key in r.metrics.get("notes", {}):
            parts.append(Note(r.metrics["notes"][key]))
            break
    # a list of figures, one a row: it may continue on the next page (its header repeated) rather than leave
    # the first page with its title alone
    parts.append(table("overview.key_figures", r.frame("key_figures"), {"item": ("项目", TEXT), "value": ("数值", TEXT)},
                       caption=f"主要指标（{r.period.label}，截至 {r.period.end.isoformat()}）", align={"value": "right"},
                       may_split=True))
    e = r.metrics.get("expenditure") or {}
    if e.get("approvals_as_of") == "evaluation":
        parts.append(Note("子项目表没有“批复日期”：已批复子项目按评价时已知的批复情况计入本期。"))
    return parts


PUBLISHED_CHECK = "与已发布报告核对"


def has_published_check(r: SectionView) -> bool:
    """Only the whole span of an evaluation with published figures has a check (or a word on its published.yaml)."""
    return "published" in r.frames or bool(r.metrics.get("notes", {}).get("published"))


def published_check(r: SectionView) -> list:
    if not has_published_check(r):
        return []  # no published figures to check here: no heading, no page of "nothing to check"
    parts = [Heading(PUBLISHED_CHECK),
             Note("评价文件夹中有已发布报告刊印的数字时，逐项列出刊印值与由原始数据重新计算的值。不一致的项目通常是报告"
                  "自身的算术或口径问题，以数据计算值为准。")]
    problem = r.metrics.get("notes", {}).get("published")
    if problem:
        return parts + [Note(problem)]
    comparison = r.frame("published")
    differing = published_disagreements(comparison)
    # the reasons are long prose: numbered notes under the table, so its columns keep their width
    reasons = [v for v in comparison["reason"] if v]
    marks = {v: f"注{i}" for i, v in enumerate(dict.fromkeys(reasons), start=1)}
    shown = comparison.assign(agrees=["是" if v else "否" for v in comparison["agrees"]],
                              reason=[marks.get(v, "") if v else "" for v in comparison["reason"]])
    parts.append(table("overview.published", shown, {"figure": ("指标", TEXT), "published": ("报告刊印值", TEXT),
                                                     "computed": ("数据计算值", TEXT), "agrees": ("一致", TEXT),
                                                     "reason": ("差异原因", TEXT)},
                       caption="与已发布报告核对", align={"published": "right", "computed": "right"}, check=True))
    parts += [Note(f"{mark}：{reason}") for reason, mark in marks.items()]
    if differing:
        parts.append(Note(f"有 {differing} 项与报告刊印值不一致：以上“数据计算值”按报告所述口径由原始数据重新计算。"))
    return parts


def index_figures(metrics) -> list[str]:
    n = metrics.get("published_disagreements")
    return [f"与刊印值不一致 {n} 项"] if n else []


SECTION = Section(
    key="overview",
    title="评价概况",
    figures=None,  # it shows the other sections' numbers, and the published ones beside them
    finish=finish,
    blocks=(Block("主要指标", key_figures), Block(PUBLISHED_CHECK, published_check, shows=has_published_check)),
    parts=("key_figures", "published"),
    index_figures=index_figures,
    reads_published=True,
    after=("expenditure", "milestones", "satisfaction", "scoring"),
    cost=1.2,
)
