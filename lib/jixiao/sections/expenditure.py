"""资金使用情况, the page: budget execution per year, investment and spending per domain, subproject spend-rate bands."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd


from jixiao.figures import expenditure as figures
from jixiao.contract.fields import GE, MONEY, RATE, TEXT
from jixiao.present.format import fmt_pct, fmt_wan
from jixiao.present.parts import ChartPart, Note, table
from jixiao.sections.base import Block, Section, SectionView
from jixiao.sections.common import published_notes, ranks

# the labels of the published figures this page shows (published.py), for its footnotes
EXPENDITURE_FIGURES = ("累计安排预算", "实际支出", "立项批复金额", "支出率", "已批复子项目", "暂未下达资金", "投资",
                       "年初申请预算", "调整后实际安排预算", "预算调整率")


def approvals_note(r: SectionView) -> str:
    """How the period counts approved subprojects: by 批复日期, or as known at the evaluation."""
    e = r.metrics["expenditure"]
    if e.get("approvals_as_of") == "period_end":
        return f"已批复子项目按“批复日期”计：只计 {r.period.end.isoformat()} 前已批复的子项目。"
    return ("子项目表没有“批复日期”，已批复子项目按评价时已知的批复情况计入每个期间"
            "（不区分批复于期末之前或之后）。")


def is_whole_span(r: SectionView) -> bool:
    return r.period == r.span


# --- display blocks ------------------------------------------------------------------------


def budget_execution(r: SectionView) -> list:
    if gone := r.missing("expenditure"):
        return gone
    e = r.metrics["expenditure"]
    if is_whole_span(r):
        said = (f"{r.period.label} 年期间累计安排预算 {fmt_wan(e['budget'])} 万元，实际支出 "
                f"{fmt_wan(e['spent'])} 万元，支出率为 {fmt_pct(e['rate'])}。")
    else:
        said = (f"本期（{r.period.label} 年）安排预算 {fmt_wan(e['budget'])} 万元，本期实际支出 "
                f"{fmt_wan(e['spent'])} 万元，本期支出率 {fmt_pct(e['rate'])}；截至期末累计（{r.span.first} 年起）"
                f"安排预算 {fmt_wan(e['budget_to_end'])} 万元，累计支出 {fmt_wan(e['paid_to_end'])} 万元，"
                f"累计支出率 {fmt_pct(e['spend_rate_budget_to_end'])}。")
    by_year = r.frame("by_year")
    total = {"year": "合计", "initial_budget_wan": e["initial_budget_in_period"], "adjusted_budget_wan": e["budget"],
             "spent_wan": e["spent"], "rate": e["rate"], "adjustment_rate": e["adjustment_rate_in_period"]}
    shown = by_year.astype({"year": object})
    shown["year"] = shown["year"].astype(str)
    if len(by_year) > 1:
        shown = pd.concat([shown, pd.DataFrame([total])], ignore_index=True)
    listed = table("expenditure.by_year", shown,
                   {"year": ("年度", TEXT), "initial_budget_wan": ("年初预算（万元）", MONEY),
                    "adjusted_budget_wan": ("调整后预算（万元）", MONEY), "spent_wan": ("实际支出（万元）", MONEY),
                    "rate": ("支出率", RATE), "adjustment_rate": ("预算调整率", RATE)},
                   caption="分年度预算与支出（各年度当年）")
    chart = ChartPart("expenditure.by_year", "分年度调整后预算与实际支出（万元）", "grouped_bars",
                      (by_year.assign(year=by_year["year"].astype(str)), "year",
                       {"adjusted_budget_wan": "调整后预算", "spent_wan": "实际支出"}),
                      {"title": "分年度调整后预算与实际支出（万元）", "ylabel": "万元", "labels": "{:,.2f}"})
    return [Note(said), listed, chart, *published_notes(r)]


def with_total(frame: pd.DataFrame, label: str, rate: tuple[str, str] | None = None) -> pd.DataFrame:
    """``frame`` and its 合计 row: each numeric column summed (a share sums to its whole), ``rate`` = (numerator,
    denominator) recomputed from the sums, never summed; a column with no value stays blank."""
    if frame.empty:
        return frame
    total: dict = {label: "合计"}
    for column in frame.columns:
        if column == label or (rate and column == "rate"):
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        if not values.notna().any() or values.notna().sum() != frame[column].notna().sum():
            continue  # a text column, or one with no value
        if pd.api.types.is_integer_dtype(frame[column]):
            total[column] = int(values.sum())
        else:  # summed as the decimals they print, so the 合计 is the sum of the shown rows' exact values
            total[column] = float(sum(Decimal(repr(float(v))) for v in values.dropna()))
    if rate:
        top, bottom = total.get(rate[0]), total.get(rate[1])
        total["rate"] = top / bottom if top is not None and bottom else None
    return pd.concat([frame.astype({label: object}), pd.DataFrame([total])], ignore_index=True)


def by_domain(r: SectionView) -> list:
    if gone := r.missing("expenditure"):
        return gone
    if "domains" not in r.frames:
        return [Note("没有子项目表，无法按领域统计。")]
    domains = r.frame("domains")
    e = r.metrics["expenditure"]
    end = r.period.end.isoformat()
    if domains.empty:
        return [Note(f"截至 {end}，尚无已批复的子项目。" + approvals_note(r))]
    listed = table("expenditure.domains", with_total(domains, "domain", rate=("spent_wan", "adjusted_budget_wan")),
                   {"domain": ("领域", TEXT), "subprojects": ("已批复子项目（个）", GE),
                    "approved_wan": ("立项批复金额（万元）", MONEY), "share": ("投资占比", RATE),
                    "adjusted_budget_wan": ("本期预算（万元）", MONEY), "spent_wan": ("本期支出（万元）", MONEY),
                    "rate": ("本期支出率", RATE)},
                   caption=f"分领域投资（截至 {end}）与本期支出")
    title = f"各领域投资金额占比（截至 {end}，%）"
    chart = ChartPart("expenditure.domains", title, "bar_chart",
                      (list(domains["domain"]), [s * 100 if s is not None and s == s else 0 for s in domains["share"]]),
                      {"title": title, "ylabel": "%", "value_format": "{:.2f}%"})
    return [Note(f"子项目个数、立项批复金额和投资占比为截至 {end} 已批复的子项目；预算、支出和支出率为本期"
                 f"（{r.period.label} 年）。" + approvals_note(r)),
            Note("投资金额前三的领域：" + ranks(e["investment_top3_to_end"]) + "；子项目数量前三的领域："
                 + ranks(e["subproject_count_top3_to_end"]) + "。"),
            listed, chart]


def bands(r: SectionView) -> list:
    if gone := r.missing("expenditure"):
        return gone
    e = r.metrics["expenditure"]
    if "bands" not in r.frames:
        return [Note("没有子项目表，无法统计子项目支出率。")]
    end = r.period.end.isoformat()
    shown = r.frame("bands")
    listed = table("expenditure.bands", with_total(shown, "band"), {"band": ("支出率区间", TEXT), "subprojects": ("子项目（个）", GE),
                                                "share": ("占比", RATE)},
                   caption=f"子项目支出率分布（截至 {end}）")
    title = f"子项目支出率分布（截至 {end}，个）"
    chart = ChartPart("expenditure.bands", title, "bar_chart", (list(shown["band"]), list(shown["subprojects"])),
                      {"title": title, "ylabel": "个", "value_format": "{:,.0f}"})
    return [Note(f"截至 {end}，共有 {e['subprojects']} 个已批复子项目，立项批复金额合计 {fmt_wan(e['approved_total'])} "
                 f"万元。各子项目支出率 = 截至期末累计支出 ÷ 立项批复金额，按区间分档（含下限不含上限）；合计累计支出 "
                 f"{fmt_wan(e['spent_to_end'])} 万元，占立项批复金额 {fmt_pct(e['spend_rate_to_end'])}。" + approvals_note(r)),
            listed, chart]


def no_funds(r: SectionView) -> list:
    if gone := r.missing("expenditure"):
        return gone
    ids = r.metrics["expenditure"].get("no_funds_subprojects", [])
    end = r.period.end.isoformat()
    if not ids:
        return [Note(f"截至 {end}，已批复子项目均已有支付。")]
    return [Note(f"截至 {end}，有 {len(ids)} 个已批复子项目暂未下达资金（期末前无支付记录），计入“低于60%”档。"),
            table("expenditure.no_funds", r.frame("no_funds"),
                  {"subproject_id": ("子项目编号", TEXT), "name": ("子项目名称", TEXT), "domain": ("领域", TEXT),
                   "unit": ("业务单位", TEXT), "approved_wan": ("立项批复金额（万元）", MONEY)},
                  caption=f"暂未下达资金的子项目（截至 {end}）")]


def subproject_rates(r: SectionView) -> list:
    """The per-subproject table behind the bands, lowest rate first."""
    if r.missing("expenditure") or "subproject_rates" not in r.frames:
        return []
    end = r.period.end.isoformat()
    return [table("expenditure.subproject_rates", r.frame("subproject_rates"), {
        "subproject_id": ("子项目编号", TEXT), "name": ("子项目名称", TEXT), "domain": ("领域", TEXT),
        "approved_wan": ("立项批复金额（万元）", MONEY), "spent_to_end_wan": ("截至期末累计支出（万元）", MONEY),
        "rate": ("支出率", RATE), "band": ("区间", TEXT)}, caption=f"各子项目支出率（截至 {end}）")]


def index_figures(metrics) -> list[str]:
    e = metrics.get("expenditure")
    if not e:
        return ["无资金数据"]
    return [f"本期支出率 {fmt_pct(e.get('rate'))}", f"本期支出 {fmt_wan(e.get('spent'))} 万元"]


SECTION = Section(
    key="expenditure",
    title="资金使用情况",
    figures=figures.FIGURES,
    blocks=(
        Block("一、预算执行情况（分年度）", budget_execution),
        Block("二、分领域投资与支出", by_domain),
        Block("三、子项目支出率分布", bands),
        Block("四、暂未下达资金的子项目", no_funds),
        Block("附：各子项目支出率", subproject_rates),
    ),
    parts=("by_year", "domains", "bands", "no_funds", "subproject_rates"),
    index_figures=index_figures,
    absent={"expenditure": "本期没有预算或支付数据（预算表、支出表缺失或无本期记录），资金使用指标为空。"},
    published_figures=EXPENDITURE_FIGURES,
    cost=4.0,
)
