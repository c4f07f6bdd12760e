"""What the section notebooks call: one function per block of a report section.

A notebook opens its run with ``open_report(...)`` and then calls these; each
displays Chinese tables and charts, or a sentence saying why the data is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import charts
from .config import PARAMS_FILE, PROCESSED_DIR, RAW_DIR
from .contract import FEN_PER_WAN, SCORE_SCALE
from .evaluation import Evaluation, load_evaluation
from .metrics import (
    ACHIEVEMENT_WORDING,
    Period,
    budget_by_domain,
    compute_metrics,
    level2_table,
    milestone_completion,
    milestones_open,
    reviews_in,
    spending_or_empty,
    subproject_spend_rates,
    survey_shares,
    survey_summary,
)
from .params import check_notebook_parameters, check_notebook_types, load_params
from .present import fmt_count, fmt_date, fmt_pct, fmt_points, fmt_wan, fmt_weight, note, table
from .published import published_comparison

SECTION_TITLES = {
    "overview": "评价概况",
    "expenditure": "资金使用情况",
    "milestones": "产出时效(进度)",
    "satisfaction": "满意度",
    "scoring": "评价得分",
}
ABSENT = {
    "expenditure": "本期没有预算或支付数据(budget.xlsx / spending.xlsx 缺失或无本期记录),资金使用指标为空。",
    "milestones": "本期没有计划完成的进度节点(milestones.xlsx 缺失或无本期计划),进度指标为空。",
    "survey": "没有问卷数据(survey.xlsx 缺失),问卷指标为空。",
    "public_reviews": "本期没有“好差评”数据,群众评价指标为空。",
    "scoring": "没有评分表(scoring.xlsx 缺失),评分指标为空。",
}


def _display(*objs) -> None:
    from IPython.display import display

    display(*objs)


@dataclass
class Report:
    evaluation: Evaluation
    period: Period
    span: Period
    project: str
    metrics: dict

    @property
    def tables(self) -> dict:
        return self.evaluation.tables

    @property
    def title(self) -> str:
        return f"{self.project}({self.period.label})"

    def absent(self, key: str) -> bool:
        """True (and says why, in words) when the metrics section ``key`` is null for this run."""
        if self.metrics.get(key) is not None:
            return False
        _display(note(self.metrics.get("notes", {}).get(key) or ABSENT[key]))
        return True


def open_report(evaluation: str = "", period: str = "", span: str = "", project: str = "",
                raw_dir: str = "") -> Report:
    """Check the notebook's parameters, load the validated inputs (cached) and compute the run's metrics.

    Blank parameters take params.yaml's values (period: the whole span), so a notebook opened in
    Jupyter shows the project's evaluation without editing.
    """
    check_notebook_types(evaluation=evaluation, period=period, span=span, project=project, raw_dir=raw_dir)
    if not (evaluation and span):
        defaults = load_params(PARAMS_FILE)
        evaluation = evaluation or defaults.evaluation
        span = span or defaults.span.label
        project = project or defaults.project
        raw_dir = raw_dir or str(defaults.raw_dir)
    period = period or span
    check_notebook_parameters(evaluation=evaluation, period=period, span=span, project=project, raw_dir=raw_dir)
    folder = Path(raw_dir) if raw_dir else RAW_DIR / evaluation
    p, s = Period.parse(period), Period.parse(span)
    loaded = load_evaluation(folder, PROCESSED_DIR / evaluation, span=(s.first, s.last))
    charts.setup_style()
    metrics = compute_metrics(loaded.tables, p, s, project or evaluation)
    return Report(loaded, p, s, project or evaluation, metrics)


def heading(report: Report, section: str) -> None:
    from html import escape

    from IPython.display import HTML

    _display(HTML(f"<p class='jx-subtitle'>{escape(report.project)} · {escape(SECTION_TITLES[section])} · "
                  f"报告期间 {escape(report.period.label)}"
                  f"(截至 {report.period.end.isoformat()})</p>"))


# --- overview ------------------------------------------------------------------------------


def key_figures(report: Report) -> None:
    m = report.metrics
    rows = [("评价项目", report.project), ("评价期", report.span.label), ("本报告期间", report.period.label),
            ("统计截止日", report.period.end.isoformat())]
    e = m["expenditure"]
    if e:
        rows += [("累计安排预算(万元)", fmt_wan(e["budget"])), ("实际支出(万元)", fmt_wan(e["spent"])),
                 ("预算执行率", fmt_pct(e["rate"]))]
        if "subprojects" in e:
            rows += [("已批复子项目(个)", fmt_count(e["subprojects"])),
                     ("立项批复金额合计(万元)", fmt_wan(e["approved_total"])),
                     ("暂未下达资金子项目(个)", fmt_count(e["no_funds_issued"]))]
    if m["milestones"]:
        planned = sum(v["planned"] for v in m["milestones"].values())
        done = sum(v["done"] for v in m["milestones"].values())
        rows += [("计划进度节点(个)", fmt_count(planned)), ("如期完成节点(个)", fmt_count(done)),
                 ("节点完成率", fmt_pct(done / planned if planned else None))]
    if m["survey"]:
        rows.append(("问卷有效样本(个)", fmt_count(m["survey"]["respondents"])))
    if m["public_reviews"]:
        r = m["public_reviews"]
        rows += [("好差评总数(条)", fmt_count(r["total"])), ("五星好评率", fmt_pct(r["five_star_rate"])),
                 ("差评率", fmt_pct(r["bad_rate"], 4))]
    if m["scoring"]:
        rows += [("绩效得分", fmt_points(m["scoring"]["total"])), ("评价等级", m["scoring"]["grade"])]
    _display(table(pd.DataFrame(rows, columns=["项目", "数值"]), caption="主要指标"))
    for key in ("survey", "scoring"):
        if m.get(key) is None and key in m.get("notes", {}):
            _display(note(m["notes"][key]))
            break


def published_check(report: Report) -> None:
    published = report.evaluation.published
    if not published or report.period != report.span:
        _display(note("本评价没有已发布报告的数字可供核对(或本报告期间不是整个评价期)。"))
        return
    try:
        comparison = published_comparison(report.metrics, published)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        _display(note(f"published.yaml 的结构与约定不符({type(exc).__name__}: {exc}),无法逐项核对。"))
        return
    differing = int((~comparison["agrees"]).sum())
    _display(table(comparison, {"figure": ("指标", None), "published": ("报告刊印值", None),
                                "computed": ("数据计算值", None),
                                "agrees": ("一致", lambda v: "是" if v else "否")},
                   caption="与已发布报告核对"))
    if differing:
        _display(note(f"有 {differing} 项与报告刊印值不一致:以上“数据计算值”按报告所述口径由原始数据重新计算。"))


# --- expenditure ---------------------------------------------------------------------------


def expenditure_overview(report: Report) -> None:
    if report.absent("expenditure"):
        return
    e = report.metrics["expenditure"]
    _display(note(f"{report.period.label} 期间累计安排预算 {fmt_wan(e['budget'])} 万元,实际支出 "
                  f"{fmt_wan(e['spent'])} 万元,预算执行率 {fmt_pct(e['rate'])}。"))
    by_year = pd.DataFrame(e["by_year"])
    total = {"year": "合计", "initial_budget": e["initial_budget"], "budget": e["budget"], "spent": e["spent"],
             "rate": e["rate"], "adjustment_rate": e["adjustment_rate"]}
    shown = pd.concat([by_year, pd.DataFrame([total])], ignore_index=True)
    _display(table(shown, {"year": ("年度", str), "initial_budget": ("年初预算(万元)", fmt_wan),
                           "budget": ("调整后预算(万元)", fmt_wan), "spent": ("实际支出(万元)", fmt_wan),
                           "rate": ("执行率", fmt_pct), "adjustment_rate": ("预算调整率", fmt_pct)},
                   caption="分年度预算执行情况"))
    fig = charts.grouped_bars(by_year.assign(year=by_year["year"].astype(str)), "year",
                              {"budget": "调整后预算", "spent": "实际支出"},
                              title="分年度预算与支出(万元)", ylabel="万元")
    _display(charts.show(fig))


def expenditure_by_domain(report: Report) -> None:
    if report.absent("expenditure"):
        return
    tables = report.tables
    if tables.get("subprojects") is None:
        _display(note("没有子项目表(subprojects.xlsx 缺失),无法按领域统计。"))
        return
    domains = budget_by_domain(tables["subprojects"], tables.get("budget"), tables.get("spending"), report.period)
    _display(table(domains, {"domain": ("领域", None), "subprojects": ("已批复子项目(个)", fmt_count),
                             "approved_amount": ("立项批复金额(万元)", _fen), "share": ("投资占比", fmt_pct),
                             "adjusted_budget": ("本期预算(万元)", _fen), "spent": ("本期支出(万元)", _fen),
                             "rate": ("本期执行率", fmt_pct)},
                   caption="分领域投资与支出"))
    e = report.metrics["expenditure"]
    _display(note("投资金额前三的领域:" + _ranks(e["investment_top3"]) + ";子项目数量前三的领域:"
                  + _ranks(e["subproject_count_top3"]) + "。"))
    fig = charts.bar_chart(domains["domain"], [s * 100 if s is not None else 0 for s in domains["share"]],
                           title="各领域投资金额占比(%)", ylabel="%", value_format="{:.2f}%")
    _display(charts.show(fig))


def _fen(value) -> str:
    return fmt_wan(None if value is None or pd.isna(value) else int(value) / FEN_PER_WAN)


def _ranks(places: list[list[str]]) -> str:
    return "、".join(" = ".join(p) + ("(并列)" if len(p) > 1 else "") for p in places)


def spend_rate_bands(report: Report) -> None:
    if report.absent("expenditure"):
        return
    e = report.metrics["expenditure"]
    if "subproject_bands" not in e:
        _display(note("没有子项目表(subprojects.xlsx 缺失),无法统计子项目支出率。"))
        return
    bands = pd.DataFrame({"band": list(e["subproject_bands"]), "n": list(e["subproject_bands"].values())})
    _display(note(f"截至 {report.period.end.isoformat()},{e['subprojects']} 个已批复子项目按各自累计支出 ÷ 立项批复金额"
                  f"分档(含下限不含上限);合计累计支出 {fmt_wan(e['spent_to_end'])} 万元,占立项批复金额 "
                  f"{fmt_pct(e['approved_rate'])}。"))
    bands["share"] = bands["n"] / max(int(bands["n"].sum()), 1)
    _display(table(bands, {"band": ("支出率区间", None), "n": ("子项目(个)", fmt_count), "share": ("占比", fmt_pct)},
                   caption="子项目支出率分布"))
    fig = charts.bar_chart(bands["band"], bands["n"], title="子项目支出率分布(个)", ylabel="子项目数",
                           value_format="{:.0f}")
    _display(charts.show(fig))


def subproject_rates(report: Report) -> None:
    """The per-subproject table behind the bands, lowest rate first."""
    if report.absent("expenditure") or report.tables.get("subprojects") is None:
        return
    rates = subproject_spend_rates(report.tables["subprojects"], spending_or_empty(report.tables.get("spending")),
                                   report.period.end)
    rates = rates.sort_values(["rate", "subproject_id"]).reset_index(drop=True)
    _display(table(rates, {"subproject_id": ("子项目编号", None), "name": ("子项目名称", None), "domain": ("领域", None),
                           "approved_amount": ("立项批复金额(万元)", _fen), "spent": ("累计支出(万元)", _fen),
                           "rate": ("支出率", fmt_pct), "band": ("区间", None)},
                   caption="各子项目支出率"))


def no_funds(report: Report) -> None:
    if report.absent("expenditure"):
        return
    e = report.metrics["expenditure"]
    ids = e.get("no_funds_subprojects", [])
    if not ids:
        _display(note("本期末所有已批复子项目均已有支付。"))
        return
    sub = report.tables["subprojects"]
    rows = sub[sub["subproject_id"].isin(ids)]
    _display(note(f"截至 {report.period.end.isoformat()},有 {len(ids)} 个已批复子项目暂未下达资金(无支付记录),计入“低于60%”档。"))
    _display(table(rows, {"subproject_id": ("子项目编号", None), "name": ("子项目名称", None), "domain": ("领域", None),
                          "unit": ("业务单位", None), "approved_amount": ("立项批复金额(万元)", _fen)},
                   caption="暂未下达资金的子项目"))


# --- milestones ----------------------------------------------------------------------------


def milestone_overview(report: Report) -> None:
    if report.absent("milestones"):
        return
    completion = milestone_completion(report.tables["milestones"], report.period)
    _display(note(f"计划完成日期在 {report.period.label} 内的节点,以 {report.period.end.isoformat()} 前实际完成为“完成”;"
                  "“严格按期”指实际完成日期不晚于计划日期。"))
    _display(table(completion, {"stage": ("阶段", None), "planned": ("计划(个)", fmt_count), "done": ("实际完成(个)", fmt_count),
                                "rate": ("如期完成率", fmt_pct), "on_time": ("严格按期(个)", fmt_count),
                                "on_time_rate": ("严格按期率", fmt_pct)},
                   caption="各阶段计划与完成情况"))
    fig = charts.grouped_bars(completion, "stage", {"planned": "计划", "done": "实际完成"},
                              title="各阶段计划与实际完成(个)", ylabel="个", rotate=20)
    _display(charts.show(fig))


def milestone_open_list(report: Report) -> None:
    if report.absent("milestones"):
        return
    pending = milestones_open(report.tables["milestones"], report.tables.get("subprojects"), report.period)
    if pending.empty:
        _display(note(f"本期计划的节点均已在 {report.period.end.isoformat()} 前完成。"))
        return
    _display(note(f"截至 {report.period.end.isoformat()} 尚未完成的计划节点共 {len(pending)} 个:"))
    _display(table(pending, {"subproject_id": ("子项目编号", None), "name": ("子项目名称", None), "stage": ("阶段", None),
                             "planned_date": ("计划完成日期", fmt_date), "actual_date": ("实际完成日期", fmt_date)},
                   caption="期末未完成的节点"))


# --- satisfaction --------------------------------------------------------------------------


def survey_results(report: Report) -> None:
    if report.absent("survey"):
        return
    tables = report.tables
    shares = survey_shares(tables["survey_answers"], tables["survey_options"])
    summary = survey_summary(shares)
    _display(note(f"共 {report.metrics['survey']['respondents']} 个单位参与问卷调查。各选项占比 = 选择该项的单位 ÷ 回答该题的单位。"))
    _display(table(summary, {"question": ("题目", None), "answered": ("回答(个)", fmt_count),
                             "positive": ("满意类(个)", fmt_count), "positive_share": ("满意类占比", fmt_pct)},
                   caption="各题满意类占比"))
    for number, (question, group) in enumerate(shares.groupby("question", sort=False), start=1):
        _display(table(group, {"option": ("选项", None), "count": ("单位(个)", fmt_count), "share": ("占比", fmt_pct),
                               "positive": ("计为满意", lambda v: "是" if v else "")},
                       caption=f"题{number}:{question}"))
        bar = pd.DataFrame([group["share"].fillna(0.0).tolist()], columns=group["option"].tolist(), index=[f"题{number}"])
        _display(charts.show(charts.stacked_shares(bar, title=f"题{number} 各选项占比")))


def public_reviews(report: Report) -> None:
    if report.absent("public_reviews"):
        return
    r = report.metrics["public_reviews"]
    months = reviews_in(report.tables["public_reviews"], None if report.period == report.span else report.period)
    _display(note(f"{r['months'][0]} 至 {r['months'][1]} 共 {r['month_count']} 个月,“好差评”总评价 {fmt_count(r['total'])} 条,"
                  f"其中五星好评 {fmt_count(r['five_star'])} 条,五星好评率 {fmt_pct(r['five_star_rate'])};差评(1星及2星)"
                  f"{fmt_count(r['bad'])} 条,差评率 {fmt_pct(r['bad_rate'], 4)}。"))
    stars = pd.DataFrame({"star": ["1星", "2星", "3星", "4星", "5星"], "n": list(r["stars"].values())})
    stars["share"] = stars["n"] / r["total"]
    _display(table(stars, {"star": ("星级", None), "n": ("评价数(条)", fmt_count), "share": ("占比", lambda v: fmt_pct(v, 4))},
                   caption="按星级"))
    bad = months["star_1"] + months["star_2"]
    by_month = months.assign(bad=bad, five_rate=months["star_5"] / months["total"])
    _display(table(by_month, {"month": ("月份", None), "total": ("总评价(条)", fmt_count), "star_5": ("五星(条)", fmt_count),
                              "bad": ("差评(条)", fmt_count), "five_rate": ("五星好评率", fmt_pct)},
                   caption="按月份"))
    fig = charts.line_chart(months["month"], {"总评价(万条)": (months["total"] / 10000).tolist()},
                            title="“好差评”月度评价数", ylabel="万条")
    _display(charts.show(fig))


# --- scoring -------------------------------------------------------------------------------


def score_summary(report: Report) -> None:
    if report.absent("scoring"):
        return
    s = report.metrics["scoring"]
    levels = pd.DataFrame([{"level1": k, **v} for k, v in s["levels"].items()])
    total = {"level1": "合计", "weight": s["weight"], "score": s["total"], "rate": s["rate"], "achievement": ""}
    shown = pd.concat([levels, pd.DataFrame([total])], ignore_index=True)
    _display(table(shown, {"level1": ("一级指标", None), "weight": ("指标分值", fmt_weight), "score": ("评价得分", fmt_points),
                           "rate": ("得分率", fmt_pct)}, caption="评价得分总表"))
    _display(note(f"综合评定绩效得分 {fmt_points(s['total'])} 分,等级为“{s['grade']}”"
                  "(优:得分≥90;良:80≤得分<90;中:60≤得分<80;差:得分<60)。"))
    _display(table(levels, {"level1": ("一级指标", None), "rate": ("得分率", fmt_pct),
                            "achievement": ("目标完成等级", lambda a: ACHIEVEMENT_WORDING.get(a, "—"))},
                   caption="各一级指标目标完成等级(≥90% 全部完成;80%-90% 大部分完成;60%-80% 部分完成;<60% 不太明显)"))
    fig = charts.grouped_bars(levels.assign(weight=levels["weight"].astype(float), score=levels["score"].astype(float)),
                              "level1", {"weight": "指标分值", "score": "评价得分"}, title="一级指标分值与得分", ylabel="分")
    _display(charts.show(fig))


def score_details(report: Report) -> None:
    if report.absent("scoring"):
        return
    scoring = report.tables["scoring"]
    level2 = level2_table(scoring)
    _display(table(level2, {"level1": ("一级指标", None), "level2": ("二级指标", None), "weight": ("分值", _points_units),
                            "score": ("得分", _points_units), "rate": ("得分率", fmt_pct)}, caption="二级指标得分"))
    _display(table(scoring, {"level1": ("一级指标", None), "level2": ("二级指标", None), "level3": ("三级指标", None),
                             "weight": ("分值", _points_units), "score": ("得分", _points_units),
                             "note": ("评分说明", lambda v: v or "")}, caption="三级指标评分明细"))


def _points_units(units) -> str:
    return fmt_points(None if units is None or pd.isna(units) else int(units) / SCORE_SCALE)

