"""历年对比, the page: the years of the evaluation side by side, in the whole-span run only (the numbers:
``jixiao.figures.trends``)."""

from __future__ import annotations

import pandas as pd

from jixiao.figures import trends as figures
from jixiao.figures.base import WHOLE_SPAN_ONLY
from jixiao.figures.expenditure import BANDS
from jixiao.figures.pefa import PI1_BANDS, PI2_BANDS, TOO_FEW_YEARS, YEARS_SCORED
from jixiao.present.tables import fmt_count, fmt_pct, fmt_wan, table
from jixiao.sections.base import Block, Section, SectionView, display, note
from jixiao.sections.common import charts

WHOLE_SPAN_NOTE = "历年对比只在整个评价期({span})报告中给出,单年度报告不单列,请见 {span} 报告。"
TOO_FEW_YEARS_NOTE = (f"PEFA 按最近 {YEARS_SCORED} 个财政年度评分;评价期 {{span}} 不足 {YEARS_SCORED} 年,"
                      "只列各年数值,不评分。")


# --- display blocks ------------------------------------------------------------------------


def _none_for(r: SectionView, frame: str, what: str) -> bool:
    if r.frame(frame).empty:
        display(note(f"评价期内没有任何一年有{what},无从对比。"))
        return True
    return False


def budget(r: SectionView) -> None:
    if r.absent("trends") or _none_for(r, "budget", "预算或支付数据"):
        return
    shown = r.frame("budget")
    display(note("每年的数字即该年度报告的数字:调整后预算为该年预算,支付为支付日期在该年内的金额,"
                 "执行率 = 支付 ÷ 调整后预算,预算调整率 = 1 − 调整后预算 ÷ 年初预算。"))
    display(table(shown, {"year": ("年度", str), "initial_budget_wan": ("年初预算(万元)", fmt_wan),
                          "adjusted_budget_wan": ("调整后预算(万元)", fmt_wan), "spent_wan": ("支付(万元)", fmt_wan),
                          "rate": ("执行率", fmt_pct), "adjustment_rate": ("预算调整率", fmt_pct)},
                  caption="历年预算、支付、执行率与调整率"))
    fig = charts.grouped_bars(shown.assign(year=shown["year"].astype(str)), "year",
                              {"adjusted_budget_wan": "调整后预算", "spent_wan": "支付"},
                              title="历年调整后预算与支付(万元)", ylabel="万元", labels="{:,.2f}")
    display(charts.show(fig))


def bands(r: SectionView) -> None:
    if r.absent("trends") or _none_for(r, "bands", "子项目支出率数据"):
        return
    long = r.frame("bands")
    display(note("各年末的分布即该年度报告的“子项目支出率分布”:每个已批复子项目截至当年 12 月 31 日的累计支付 ÷ "
                 "立项批复金额(逐年累计,不是当年支付)。"))
    counts = long.pivot(index="year", columns="band", values="subprojects").reindex(columns=list(BANDS)).reset_index()
    counts["total"] = counts[list(BANDS)].sum(axis=1)
    columns = {"year": ("年末", lambda y: f"{y} 年末")}
    columns.update({band: (band, fmt_count) for band in BANDS})
    columns["total"] = ("合计(个)", fmt_count)
    display(table(counts, columns, caption="各年末子项目支出率分布(个)"))
    shares = long.pivot(index="year", columns="band", values="share").reindex(columns=list(BANDS))
    shares.index = [f"{y} 年末" for y in shares.index]
    display(charts.show(charts.stacked_shares(shares, title="各年末子项目支出率分布(占比)")))


def stages(r: SectionView) -> None:
    if r.absent("trends") or _none_for(r, "stages", "计划进度节点"):
        return
    long = r.frame("stages")
    display(note("每年的数字即该年度报告的“各阶段计划与完成情况”:计划完成日期在该年内的节点,"
                 "以当年 12 月 31 日前实际完成为“完成”。"))
    years = list(dict.fromkeys(long["year"]))
    wide = pd.DataFrame({"stage": list(dict.fromkeys(long["stage"]))})
    columns: dict = {"stage": ("阶段", None)}
    for year in years:
        of_year = long[long["year"] == year].set_index("stage")
        for field, header, fmt in (("planned", "计划", fmt_count), ("done", "完成", fmt_count), ("rate", "完成率", fmt_pct)):
            wide[f"{field}_{year}"] = [of_year[field].get(s) for s in wide["stage"]]
            columns[f"{field}_{year}"] = (f"{year} {header}", fmt)
    display(table(wide, columns, caption="历年各阶段计划与完成情况"))
    rates = long.assign(rate=[float("nan") if v is None or v != v else v * 100 for v in long["rate"]])
    by_stage = rates.pivot(index="stage", columns="year", values="rate").reindex(wide["stage"]).reset_index()
    by_stage.columns = [str(c) for c in by_stage.columns]
    fig = charts.grouped_bars(by_stage, "stage", {str(y): f"{y} 年" for y in years},
                              title="历年各阶段如期完成率(%)", ylabel="%", rotate=20, labels="{:.2f}")
    display(charts.show(fig))


def reviews(r: SectionView) -> None:
    if r.absent("trends") or _none_for(r, "review_years", "“好差评”数据"):
        return
    display(note("每年、每月的数字即该年度报告的“好差评”:五星好评率 = 5星 ÷ 总评价;差评 = 1星 + 2星。"))
    display(table(r.frame("review_years"), {
        "year": ("年度", str), "total": ("总评价(条)", fmt_count), "five_star": ("五星(条)", fmt_count),
        "five_star_rate": ("五星好评率", fmt_pct), "bad": ("差评(条)", fmt_count),
        "bad_rate": ("差评率", lambda v: fmt_pct(v, 4))}, caption="历年“好差评”"))
    months = r.frame("review_months")
    display(table(months, {"month": ("月份", None), "total": ("总评价(条)", fmt_count),
                           "five_star": ("五星(条)", fmt_count), "five_star_rate": ("五星好评率", fmt_pct)},
                  caption="各月“好差评”"))
    fig = charts.bars_and_rate(months["month"], (months["total"] / 10000).tolist(), months["five_star_rate"].tolist(),
                               title="各月评价数(万条)与五星好评率", bar_label="总评价(万条)", rate_label="五星好评率",
                               ylabel="万条")
    display(charts.show(fig))
    whole = r.metrics.get("public_reviews")
    if whole and whole["month_count"] != len(months):
        display(note(f"整个评价期报告的“好差评”取数据中的全部 {whole['month_count']} 个月({whole['months'][0]} 至 "
                     f"{whole['months'][1]}),其中 {whole['month_count'] - len(months)} 个月不在评价期的任何一年内,"
                     "没有年度报告,不列入本对比。"))


def credibility(r: SectionView) -> None:
    """PEFA PI-1 and PI-2.1: how far each year's payments stayed from its original budget, in total and by 领域."""
    if r.absent("trends"):
        return
    pefa = r.metrics["trends"].get("pefa")
    if not pefa:
        display(note("没有预算表,无从衡量预算可信度。"))
        return
    pi1 = "、".join(f"{s} {float(low):.0%}–{float(high):.0%}" for s, low, high in PI1_BANDS)
    pi2 = "、".join(f"{s} 低于 {float(limit):.0%}" for s, limit in PI2_BANDS)
    display(note("预算可信度按 PEFA 2016 框架衡量:PI-1 总支出执行 = 当年支付 ÷ 当年年初预算;PI-2.1 支出结构偏差 = "
                 "各领域当年支付与“按当年支付总额同比例缩放的年初预算”之差的绝对值之和 ÷ 当年支付总额。"
                 f"评分看最近 {YEARS_SCORED} 年中至少 2 年达到的档次:PI-1 {pi1};PI-2.1 {pi2};均达不到为 D。"))
    display(table(r.frame("pefa"), {"year": ("年度", str), "pi1_outturn": ("PI-1 总支出执行", fmt_pct),
                                    "pi2_variance": ("PI-2.1 支出结构偏差", fmt_pct)},
                  caption="历年预算可信度(PEFA PI-1、PI-2.1)"))
    reason = r.metrics.get("notes", {}).get("trends.pefa")
    if reason:
        display(note(reason))
    else:
        display(note(f"PEFA 评分:PI-1 为 {pefa['pi1_score']},PI-2.1 为 {pefa['pi2_score']}。"))


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
        Block("四、历年群众“好差评”", reviews),
        Block("五、预算可信度(PEFA)", credibility),
    ),
    index_figures=index_figures,
    absent={"trends": "没有可对比的年度数据,历年对比为空。"},
    notes={WHOLE_SPAN_ONLY: WHOLE_SPAN_NOTE, TOO_FEW_YEARS: TOO_FEW_YEARS_NOTE},
    applies=lambda metrics: False,  # the years side by side: in the whole-span run only
)
