"""满意度, the page: the users' survey (whole evaluation only) and the public reviews (好差评) by month."""

from __future__ import annotations


import pandas as pd


from jixiao.figures import satisfaction as figures
from jixiao.figures.base import WHOLE_SPAN_ONLY
from jixiao.contract.fields import GE, RATE, TEXT, TIAO
from jixiao.present.format import fmt_count, fmt_pct
from jixiao.present.parts import ChartPart, Heading, Note, table
from jixiao.sections.base import Block, Section, SectionView
from jixiao.sections.common import declared_absent, published_notes, respondents

WHOLE_EVALUATION_NOTE = "问卷调查与评分表不分年度，覆盖整个评价期（{span}）；单年度报告不单列，请见 {span} 报告。"


def option_shares(shares: pd.DataFrame) -> pd.Series:
    """Per question (the index), the options counted as positive with their shares, as the report prints them
    (十分满意 60.00%；较为满意 30.00%): shown apart, never only as their sum."""
    marked = shares[shares["positive"] == 1]
    return marked.groupby("question", sort=False).apply(
        lambda g: "；".join(f"{o} {fmt_pct(v)}" for o, v in zip(g["option"], g["share"])), include_groups=False)


def summary_rows(summary: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """``figures.satisfaction.survey_summary`` with option_shares (``option_shares``) after positive_options."""
    words = option_shares(shares)
    out = summary.copy()
    out.insert(out.columns.get_loc("positive_options") + 1, "option_shares",
               [words.get(q, "") for q in out["question"]])
    return out


SURVEY_TABLES = ("survey_answers", "survey_options")


def _number(r: SectionView, block: str) -> str:
    """The block's place among the page's blocks that show (一、二、), so a block left out leaves no gap."""
    shown = [b for b in ("survey", "public_reviews") if not declared_absent(
        r.metrics, *(SURVEY_TABLES if b == "survey" else ("public_reviews",)))]
    return "一二"[shown.index(block)] + "、"


def survey_heading(r: SectionView) -> str:
    word = respondents(r.metrics)[0] if r.metrics.get("survey") else ""
    return f"{_number(r, 'survey')}{word}问卷调查"


def survey_results(r: SectionView) -> list:
    """The survey's questions, each option's share among the respondents who answered, in the evaluation's
    own words for them (params' survey_respondents); nothing at all where the params file declares it absent."""
    if declared_absent(r.metrics, *SURVEY_TABLES):
        return []
    heading = Heading(survey_heading(r))
    if gone := r.missing("survey"):
        return [heading, *gone]
    word, unit = respondents(r.metrics)
    survey = r.metrics["survey"]
    shares = r.frame("survey_shares")
    summary = summary_rows(r.frame("survey_summary"), shares)
    overall = ""
    if survey.get("positive_share") is not None:
        overall = (f"全部题目合计，{fmt_count(survey['answered'])} 个回答中选择计入合计选项的 "
                   f"{fmt_count(survey['positive'])} 个，合计占比 {fmt_pct(survey['positive_share'])}。")
    parts = [heading,
             Note(f"共 {survey['respondents']} {unit}{word}参与问卷调查。各选项占比 = 选择该项的{word} ÷ 回答该题的{word}；"
                  "“计入合计的选项”为选项表中“是否满意”标为 1 的选项，合计占比以这些选项命名"
                  f"（{positive_examples(summary)}）。" + overall),
             table("satisfaction.survey", summary, {"question": ("题目", TEXT), "answered": (f"回答（{unit}）", GE),
                                                    "option_shares": ("计入合计的选项及占比", TEXT),
                                                    "positive_options": ("合计的选项", TEXT),
                                                    "positive_share": ("合计占比", RATE)},
                   caption="各题主要选项占比"),
             *published_notes(r, "问卷")]
    for number, (question, group) in enumerate(shares.groupby("question", sort=False), start=1):
        group = group.assign(positive=["是" if v else "" for v in group["positive"]])
        parts.append(table(f"satisfaction.question#{number}", group,
                           {"option": ("选项", TEXT), "count": (f"{word}（{unit}）", GE), "share": ("占比", RATE),
                            "positive": ("计入合计", TEXT)}, caption=str(question)))
        bar = pd.DataFrame([group["share"].fillna(0.0).tolist()], columns=group["option"].tolist(), index=[""])
        parts.append(ChartPart(f"satisfaction.question#{number}", str(question), "stacked_shares", (bar,),
                               {"title": str(question)}))
    return parts


def positive_examples(summary: pd.DataFrame) -> str:
    """The names the positive shares go by in this survey (如“十分满意+较为满意”), its own options, never a
    default's."""
    names = list(dict.fromkeys(n for n in summary["positive_options"] if n and n != "无"))
    return "如" + "、".join(f"“{n}”" for n in names[:2]) if names else "本问卷没有标为 1 的选项"


def public_reviews(r: SectionView) -> list:
    """The public reviews (好差评) by star and month; nothing at all where the params file declares them absent."""
    if declared_absent(r.metrics, "public_reviews"):
        return []
    heading = Heading(f"{_number(r, 'public_reviews')}群众“好差评”")
    if gone := r.missing("public_reviews"):
        return [heading, *gone]
    v = r.metrics["public_reviews"]
    months = r.frame("review_months")
    window = f"{v['months'][0]} 至 {v['months'][1]}"
    beyond = ""
    if v["months"][1] > f"{r.period.last}-12":
        beyond = f"统计月份延至 {v['months'][1]}，晚于本期末 {r.period.end.isoformat()}（与已发布报告的统计口径一致）。"
    stars = pd.DataFrame({"star": ["1星", "2星", "3星", "4星", "5星"], "n": list(v["stars"].values())})
    stars["share"] = stars["n"] / v["total"]
    title = f"“好差评”月度评价数（{window}，万条）"
    return [heading,
            Note(f"统计月份 {window}，共 {v['month_count']} 个月。“好差评”总评价 {fmt_count(v['total'])} 条，"
                 f"其中五星好评 {fmt_count(v['five_star'])} 条，五星好评率 {fmt_pct(v['five_star_rate'])}；差评（1星及2星）"
                 f"{fmt_count(v['bad'])} 条，差评率 {fmt_pct(v['bad_rate'])}。" + beyond
                 + "五星好评率 = 5星 ÷ 全部评价；差评 = 1星 + 2星。"),
            *published_notes(r, "好差评", "五星", "差评"),
            table("satisfaction.stars", stars, {"star": ("星级", TEXT), "n": ("评价数（条）", TIAO), "share": ("占比", RATE)},
                  caption=f"按星级（{window}）"),
            table("satisfaction.review_months", months,
                  {"month": ("月份", TEXT), "total": ("总评价（条）", TIAO), "star_5": ("五星（条）", TIAO),
                   "bad": ("差评（条）", TIAO), "five_star_rate": ("五星好评率", RATE)}, caption=f"按月份（{window}）"),
            ChartPart("satisfaction.review_months", title, "line_chart",
                      (list(months["month"]), {"总评价（万条）": (months["total"] / 10000).tolist()}),
                      {"title": title, "ylabel": "万条"})]


def index_figures(metrics) -> list[str]:
    out = []
    if metrics.get("survey"):
        word, unit = respondents(metrics)
        out.append(f"问卷 {fmt_count(metrics['survey']['respondents'])} {unit}{word}")
    if metrics.get("public_reviews"):
        out.append(f"五星好评率 {fmt_pct(metrics['public_reviews']['five_star_rate'])}")
    return out or ["无满意度数据"]


SECTION = Section(
    key="satisfaction",
    title="满意度",
    figures=figures.FIGURES,
    # each block prints its own heading: the survey's names its respondents, and a sheet declared absent leaves
    # neither heading nor words behind (the notebook has no markdown heading for them)
    blocks=(Block("问卷调查", survey_results, shows=lambda r: not declared_absent(r.metrics, *SURVEY_TABLES)),
            Block("群众“好差评”", public_reviews, shows=lambda r: not declared_absent(r.metrics, "public_reviews"))),
    parts=("survey", "question", "stars", "review_months"),
    index_figures=index_figures,
    applies=lambda m: m.get("survey") is not None or m.get("public_reviews") is not None,
    absent={"survey": "没有问卷数据（问卷表缺失），问卷指标为空。",
            "public_reviews": "本期没有“好差评”数据，群众评价指标为空。"},
    notes={WHOLE_SPAN_ONLY: WHOLE_EVALUATION_NOTE},
    published_figures=("问卷", "好差评", "五星", "差评"),
    cost=2.0,
)
