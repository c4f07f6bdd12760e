"""历年对比: the years of the evaluation side by side, in the whole-span run only.

Each year's figures come from the very computations that year's own report makes (the expenditure,
milestones and satisfaction sections' ``compute`` on that year), so a figure here equals the same
figure in that year's report by construction (tests/test_document.py checks it against each year).
"""

from __future__ import annotations

import pandas as pd

from jixiao.figures.metrics import BANDS
from jixiao.core.period import Period
from jixiao.present.tables import fmt_count, fmt_pct, fmt_wan, table
from jixiao.sections.base import Block, PeriodInputs, Section, SectionResult, SectionView, display, note
from jixiao.sections.common import charts

WHOLE_SPAN_NOTE = "历年对比只在整个评价期({span})报告中给出,单年度报告不单列,请见 {span} 报告。"


def _year_results(inputs: PeriodInputs, year: int) -> dict[str, SectionResult]:
    """What the year's own report computes for the sections compared here."""
    from jixiao.sections import expenditure, milestones, satisfaction

    given = PeriodInputs(inputs.tables, Period(year, year), inputs.span, inputs.project, inputs.published)
    return {s.SECTION.key: s.SECTION.compute(given) for s in (expenditure, milestones, satisfaction)}


def compute(inputs: PeriodInputs) -> SectionResult:
    """metrics.json ``trends`` (keys say what each figure covers; years as text keys, null when the year's
    own report has no such figure): years; expenditure_in_year (budget = adjusted budget, initial_budget,
    spent = payments dated in the year, rate, adjustment_rate; 万元); bands_at_year_end (subprojects and
    bands: payments up to 31 December of the year / approved amount); milestones_in_year (per stage:
    planned in the year, done by its end, rate); public_reviews_in_year (total, five_star, five_star_rate,
    bad, bad_rate); public_reviews_by_month (month -> total, five_star, five_star_rate).
    Frames: budget (year, initial_budget_wan, adjusted_budget_wan, spent_wan, rate, adjustment_rate),
    bands (year, band, subprojects, share), stages (year, stage, planned, done, rate), review_years
    (year, total, five_star, five_star_rate, bad, bad_rate), review_months (year, month, total, five_star,
    five_star_rate)."""
    if not inputs.whole_span:
        return SectionResult({"trends": None}, {}, {"trends": WHOLE_SPAN_NOTE.format(span=inputs.span.label)})
    years = inputs.span.years
    spending_in, bands_at, stages_in, reviews_in, by_month = {}, {}, {}, {}, {}
    budget_rows, band_rows, stage_rows, review_year_rows, month_rows = [], [], [], [], []
    for year in years:
        own = _year_results(inputs, year)
        e = own["expenditure"].figures["expenditure"]
        spending_in[str(year)] = None if e is None else {
            "budget": e["budget"], "initial_budget": e["initial_budget_in_period"], "spent": e["spent"],
            "rate": e["rate"], "adjustment_rate": e["adjustment_rate_in_period"]}
        if e is not None:
            budget_rows.append({"year": year, "initial_budget_wan": e["initial_budget_in_period"],
                                "adjusted_budget_wan": e["budget"], "spent_wan": e["spent"], "rate": e["rate"],
                                "adjustment_rate": e["adjustment_rate_in_period"]})
        bands = None if e is None or "subproject_bands" not in e else {"subprojects": e["subprojects"],
                                                                        "bands": dict(e["subproject_bands"])}
        bands_at[str(year)] = bands
        if bands is not None:
            for band in BANDS:
                n = bands["bands"][band]
                band_rows.append({"year": year, "band": band, "subprojects": n,
                                  "share": n / bands["subprojects"] if bands["subprojects"] else None})
        m = own["milestones"].figures["milestones"]
        stages_in[str(year)] = None if m is None else {
            stage: {"planned": v["planned"], "done": v["done"], "rate": v["rate"]} for stage, v in m.items()}
        if m is not None:
            stage_rows += [{"year": year, "stage": stage, "planned": v["planned"], "done": v["done"], "rate": v["rate"]}
                           for stage, v in m.items()]
        r = own["satisfaction"].figures["public_reviews"]
        reviews_in[str(year)] = None if r is None else {k: r[k] for k in (
            "total", "five_star", "five_star_rate", "bad", "bad_rate")}
        if r is not None:
            review_year_rows.append({"year": year, **reviews_in[str(year)]})
            for row in own["satisfaction"].frames["review_months"].itertuples():
                by_month[row.month] = {"total": int(row.total), "five_star": int(row.star_5),
                                       "five_star_rate": float(row.five_star_rate)}
                month_rows.append({"year": year, "month": row.month, **by_month[row.month]})
    figures = {"years": years, "expenditure_in_year": spending_in, "bands_at_year_end": bands_at,
               "milestones_in_year": stages_in, "public_reviews_in_year": reviews_in,
               "public_reviews_by_month": by_month}
    frames = {
        "budget": pd.DataFrame(budget_rows, columns=["year", "initial_budget_wan", "adjusted_budget_wan", "spent_wan",
                                                     "rate", "adjustment_rate"]),
        "bands": pd.DataFrame(band_rows, columns=["year", "band", "subprojects", "share"]),
        "stages": pd.DataFrame(stage_rows, columns=["year", "stage", "planned", "done", "rate"]),
        "review_years": pd.DataFrame(review_year_rows, columns=["year", "total", "five_star", "five_star_rate", "bad",
                                                                "bad_rate"]),
        "review_months": pd.DataFrame(month_rows, columns=["year", "month", "total", "five_star", "five_star_rate"]),
    }
    return SectionResult({"trends": figures}, frames)


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
                              title="历年调整后预算与支付(万元)", ylabel="万元")
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
    rates = long.assign(rate=[0.0 if v is None or v != v else v * 100 for v in long["rate"]])
    by_stage = rates.pivot(index="stage", columns="year", values="rate").reindex(wide["stage"]).reset_index()
    by_stage.columns = [str(c) for c in by_stage.columns]
    fig = charts.grouped_bars(by_stage, "stage", {str(y): f"{y} 年" for y in years},
                              title="历年各阶段如期完成率(%)", ylabel="%", rotate=20)
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


def index_figures(metrics) -> list[str]:
    t = metrics.get("trends")
    if not t:
        return []
    rates = [f"{y} {fmt_pct(v['rate'])}" for y, v in t["expenditure_in_year"].items() if v]
    return ["历年执行率 " + "、".join(rates)] if rates else []


SECTION = Section(
    key="trends",
    title="历年对比",
    reads=("subprojects", "budget", "spending", "milestones", "public_reviews"),
    compute=compute,
    blocks=(
        Block("一、历年预算执行与调整", budget),
        Block("二、各年末子项目支出率分布", bands),
        Block("三、历年各阶段进度节点完成情况", stages),
        Block("四、历年群众“好差评”", reviews),
    ),
    index_figures=index_figures,
    absent={"trends": "没有可对比的年度数据,历年对比为空。"},
    applies=lambda metrics: False,  # the years side by side: in the whole-span run only
)
