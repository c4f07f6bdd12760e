"""历年对比, the page: the years of the evaluation side by side, in the whole-span run only (the numbers:
``jixiao.figures.trends``)."""

from __future__ import annotations

import pandas as pd

from jixiao.figures import trends as figures
from jixiao.figures.base import WHOLE_SPAN_ONLY
from jixiao.figures.common import ratio
from jixiao.figures.expenditure import BANDS
from jixiao.figures.pefa import PI1_BANDS, PI2_BANDS, TOO_FEW_YEARS, YEARS_SCORED
from jixiao.contract.fields import GE, MONEY, RATE, TEXT, TIAO
from jixiao.present.format import fmt_pct
from jixiao.present.parts import ChartPart, Heading, Note, table
from jixiao.sections.base import Block, Section, SectionView
from jixiao.sections.common import declared_absent

WHOLE_SPAN_NOTE = "历年对比只在整个评价期（{span}）报告中给出，单年度报告不单列，请见 {span} 报告。"
TOO_FEW_YEARS_NOTE = (f"PEFA 按最近 {YEARS_SCORED} 个财政年度评分；评价期 {{span}} 不足 {YEARS_SCORED} 年，"
                      "只列各年数值，不评分。")


# --- display blocks ------------------------------------------------------------------------


def _none_for(r: SectionView, frame: str, what: str) -> list:
    if gone := r.missing("trends"):
        return gone
    if r.frame(frame).empty:
        return [Note(f"评价期内没有任何一年有{what}，无从对比。")]
    return []


def budget(r: SectionView) -> list:
    if gone := _none_for(r, "budget", "预算或支付数据"):
        return gone
    shown = r.frame("budget")
    shown = shown.assign(year=shown["year"].astype(str))
    title = "历年调整后预算与支付（万元）"
    return [Note("每年的数字即该年度报告的数字：调整后预算为该年预算，支付为支付日期在该年内的金额，"
                 "执行率 = 支付 ÷ 调整后预算，预算调整率 = 1 − 调整后预算 ÷ 年初预算。"),
            table("trends.budget", shown, {"year": ("年度", TEXT), "initial_budget_wan": ("年初预算（万元）", MONEY),
                                           "adjusted_budget_wan": ("调整后预算（万元）", MONEY), "spent_wan": ("支付（万元）", MONEY),
                                           "rate": ("执行率", RATE), "adjustment_rate": ("预算调整率", RATE)},
                  caption="历年预算、支付、执行率与调整率"),
            ChartPart("trends.budget", title, "grouped_bars",
                      (shown, "year", {"adjusted_budget_wan": "调整后预算", "spent_wan": "支付"}),
                      {"title": title, "ylabel": "万元", "labels": "{:,.2f}"})]


def bands(r: SectionView) -> list:
    if gone := _none_for(r, "bands", "子项目支出率数据"):
        return gone
    long = r.frame("bands")
    counts = long.pivot(index="year", columns="band", values="subprojects").reindex(columns=list(BANDS)).reset_index()
    counts["total"] = counts[list(BANDS)].sum(axis=1)
    counts["year"] = [f"{y} 年末" for y in counts["year"]]
    columns = {"year": ("年末", TEXT)}
    columns.update({band: (band, GE) for band in BANDS})
    columns["total"] = ("合计（个）", GE)
    shares = long.pivot(index="year", columns="band", values="share").reindex(columns=list(BANDS))
    shares.index = [f"{y} 年末" for y in shares.index]
    title = "各年末子项目支出率分布（占比）"
    return [Note("各年末的分布即该年度报告的“子项目支出率分布”：每个已批复子项目截至当年 12 月 31 日的累计支付 ÷ "
                 "立项批复金额（逐年累计，不是当年支付）。"),
            table("trends.bands", counts, columns, caption="各年末子项目支出率分布（个）"),
            ChartPart("trends.bands", title, "stacked_shares", (shares,), {"title": title})]


def stages(r: SectionView) -> list:
    if gone := _none_for(r, "stages", "计划进度节点"):
        return gone
    long = r.frame("stages")
    years = list(dict.fromkeys(long["year"]))
    wide = pd.DataFrame({"stage": list(dict.fromkeys(long["stage"]))})
    columns: dict = {"stage": ("阶段", TEXT)}
    for year in years:
        of_year = long[long["year"] == year].set_index("stage")
        for field, header, kind in (("planned", "计划", GE), ("done", "完成", GE), ("rate", "完成率", RATE)):
            wide[f"{field}_{year}"] = [of_year[field].get(s) for s in wide["stage"]]
            columns[f"{field}_{year}"] = (f"{year} {header}", kind)
    rates = long.assign(rate=[float("nan") if v is None or v != v else v * 100 for v in long["rate"]])
    by_stage = rates.pivot(index="stage", columns="year", values="rate").reindex(wide["stage"]).reset_index()
    by_stage.columns = [str(c) for c in by_stage.columns]
    title = "历年各阶段期末完成率（%）"
    return [Note("每年的数字即该年度报告的“各阶段计划与完成情况”：计划完成日期在该年内的节点，"
                 "以当年 12 月 31 日前实际完成为“完成”。"),
            table("trends.stages", wide, columns, caption="历年各阶段计划与完成情况（个）"),
            ChartPart("trends.stages", title, "grouped_bars",
                      (by_stage, "stage", {str(y): f"{y} 年" for y in years}),
                      {"title": title, "ylabel": "%", "rotate": 20, "labels": "{:.2f}"})]


REVIEWS_HEADING = "四、历年群众“好差评”"


def credibility_heading(r: SectionView) -> str:
    """五、预算可信度, or 四、 where the public reviews are declared absent (no gap in the numbering)."""
    return ("四" if declared_absent(r.metrics, "public_reviews") else "五") + "、预算可信度（PEFA）"


def _reconciled(years: pd.DataFrame, whole: dict | None, months_in_years: int) -> pd.DataFrame:
    """The years' public reviews, and where the whole span's figure takes months outside every year (the data
    runs past the 评价基准日), a row for those months and a 合计 row equal to the whole span's figure: the table
    adds up to the number the report prints."""
    shown = years.assign(year=years["year"].astype(str))
    if not whole or whole["month_count"] == months_in_years:
        return shown
    outside = {k: whole[k] - int(years[k].sum()) for k in ("total", "five_star", "bad")}
    rows = [{"year": f"评价期外（{whole['month_count'] - months_in_years}个月）", **outside,
             "five_star_rate": ratio(outside["five_star"], outside["total"]), "bad_rate": ratio(outside["bad"], outside["total"])},
            {"year": "合计", **{k: whole[k] for k in ("total", "five_star", "bad", "five_star_rate", "bad_rate")}}]
    return pd.concat([shown, pd.DataFrame(rows)], ignore_index=True)


def reviews(r: SectionView) -> list:
    """The years' public reviews (好差评) side by side; nothing at all where the params file declares them absent."""
    if declared_absent(r.metrics, "public_reviews"):
        return []
    if gone := _none_for(r, "review_years", "“好差评”数据"):
        return [Heading(REVIEWS_HEADING), *gone]
    years = r.frame("review_years")
    months = r.frame("review_months")
    title = "各月评价数（万条）与五星好评率"
    parts = [Heading(REVIEWS_HEADING),
             Note("每年、每月的数字即该年度报告的“好差评”：五星好评率 = 5星 ÷ 总评价；差评 = 1星 + 2星。"),
             table("trends.review_years", _reconciled(years, r.metrics.get("public_reviews"), len(months)), {
                 "year": ("年度", TEXT), "total": ("总评价（条）", TIAO), "five_star": ("五星（条）", TIAO),
                 "five_star_rate": ("五星好评率", RATE), "bad": ("差评（条）", TIAO), "bad_rate": ("差评率", RATE)},
                 caption="历年“好差评”"),
             table("trends.review_months", months, {"month": ("月份", TEXT), "total": ("总评价（条）", TIAO),
                                                    "five_star": ("五星（条）", TIAO), "five_star_rate": ("五星好评率", RATE)},
                   caption="各月“好差评”"),
             ChartPart("trends.review_months", title, "bars_and_rate",
                       (list(months["month"]), (months["total"] / 10000).tolist(), months["five_star_rate"].tolist()),
                       {"title": title, "bar_label": "总评价（万条）", "rate_label": "五星好评率", "ylabel": "万条"})]
    whole = r.metrics.get("public_reviews")
    if whole and whole["month_count"] != len(months):
        parts.append(Note(f"整个评价期报告的“好差评”取数据中的全部 {whole['month_count']} 个月（{whole['months'][0]} 至 "
                          f"{whole['months'][1]}），其中 {whole['month_count'] - len(months)} 个月不在评价期的任何一年内，"
                          "没有年度报告：上表单列为“评价期外”，合计即整个评价期报告的数字；各月表和图不列这些月份。"))
    return parts


def credibility(r: SectionView) -> list:
    """PEFA PI-1 and PI-2.1: how far each year's payments stayed from its original budget, in total and by 领域."""
    heading = Heading(credibility_heading(r))
    if gone := r.missing("trends"):
        return [heading, *gone]
    pefa = r.metrics["trends"].get("pefa")
    if not pefa:
        return [heading, Note("没有预算表，无从衡量预算可信度。")]
    pi1 = "、".join(f"{s} {float(low):.0%}–{float(high):.0%}" for s, low, high in PI1_BANDS)
    pi2 = "、".join(f"{s} 低于 {float(limit):.0%}" for s, limit in PI2_BANDS)
    frame = r.frame("pefa")
    reason = r.metrics.get("notes", {}).get("trends.pefa")
    return [heading,
            Note("预算可信度按 PEFA 2016 框架衡量：PI-1 总支出执行 = 当年支付 ÷ 当年年初预算；PI-2.1 支出结构偏差 = "
                 "各领域当年支付与“按当年支付总额同比例缩放的年初预算”之差的绝对值之和 ÷ 当年支付总额。"
                 f"评分看最近 {YEARS_SCORED} 年中至少 2 年达到的档次：PI-1 {pi1};PI-2.1 {pi2}；均达不到为 D。"),
            table("trends.pefa", frame.assign(year=frame["year"].astype(str)),
                  {"year": ("年度", TEXT), "pi1_outturn": ("PI-1 总支出执行", RATE),
                   "pi2_variance": ("PI-2.1 支出结构偏差", RATE)}, caption="历年预算可信度（PEFA PI-1、PI-2.1）"),
            Note(reason or f"PEFA 评分：PI-1 为 {pefa['pi1_score']}，PI-2.1 为 {pefa['pi2_score']}。")]


def index_figures(metrics) -> list[str]:
    t = metrics.get("trends")
    if not t:
        return []
    rates = [f"{y} {fmt_pct(v['rate'])}" for y, v in t["expenditure_in_year"].items() if v]
    return ["历年执行率 " + "、".join(rates)] if rates else []


SECTION = Section(
    key="trends",
    title="历年对比",
    figures=figures.FIGURES,
    blocks=(
        Block("一、历年预算执行与调整", budget),
        Block("二、各年末子项目支出率分布", bands),
        Block("三、历年各阶段进度节点完成情况", stages),
        # the public reviews leave no heading where declared absent, and the next block's number follows: both
        # print their own headings (the notebook has no markdown heading for them)
        Block(REVIEWS_HEADING, reviews, shows=lambda r: not declared_absent(r.metrics, "public_reviews")),
        Block("预算可信度（PEFA）", credibility, shows=lambda r: True),
    ),
    parts=("budget", "bands", "stages", "review_years", "review_months", "pefa"),
    index_figures=index_figures,
    absent={"trends": "没有可对比的年度数据，历年对比为空。"},
    notes={WHOLE_SPAN_ONLY: WHOLE_SPAN_NOTE, TOO_FEW_YEARS: TOO_FEW_YEARS_NOTE},
    applies=lambda metrics: False,  # the years side by side: in the whole-span run only
)
