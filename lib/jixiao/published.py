"""Check computed metrics against the figures a published report printed (``published.yaml``)."""

from __future__ import annotations

import pandas as pd

from .present import fmt_count, fmt_pct, fmt_points, fmt_wan, round_pct


def _rows(metrics: dict, published: dict):
    """(figure, printed, computed) triples for whatever both sides have."""
    scoring = metrics.get("scoring") or {}
    table = (published.get("score_table") or {})
    for level, printed in (table.get("rows") or {}).items():
        got = (scoring.get("levels") or {}).get(level)
        yield f"{level} 评价得分", fmt_points(printed.get("score")), fmt_points(got and got["score"])
        yield f"{level} 得分率", fmt_pct(printed["rate"] / 100), fmt_pct(got and got["rate"])
    if "total" in table:
        yield "绩效得分合计", fmt_points(table["total"].get("score")), fmt_points(scoring.get("total"))
    if "grade" in table:
        yield "评价等级", str(table["grade"]), str(scoring.get("grade", "—"))
    funding = published.get("funding") or {}
    e = metrics.get("expenditure") or {}
    pairs = [("budget_arranged", "累计安排预算(万元)", "budget"), ("spent", "实际支出(万元)", "spent"),
             ("approved_total", "立项批复金额合计(万元)", "approved_total")]
    for prefix, label, key in pairs:
        for name, value in funding.items():
            if name.startswith(prefix):
                yield label, fmt_wan(value), fmt_wan(e.get(key))
    if "spend_rate" in funding:
        yield "预算执行率", fmt_pct(funding["spend_rate"] / 100), fmt_pct(e.get("rate"))
    if "subprojects" in funding:
        yield "已批复子项目(个)", fmt_count(funding["subprojects"]), fmt_count(e.get("subprojects"))
    bands = e.get("subproject_bands") or {}
    for band, printed in (funding.get("subproject_spend_rate_bands") or {}).items():
        key = "≥100%" if band in ("100%", "≥100%") else band
        yield f"支出率 {key} 子项目(个)", fmt_count(printed), fmt_count(bands.get(key))
    domains = e.get("domains") or {}
    for domain, printed in (funding.get("investment_share") or {}).items():
        got = domains.get(domain)
        yield f"{domain} 投资占比", fmt_pct(printed / 100), fmt_pct(got and got["share"])
    stages = metrics.get("milestones") or {}
    for stage, printed in ((published.get("milestones") or {}).get("stages") or {}).items():
        got = stages.get(stage) or {}
        yield f"{stage} 计划/完成", f"{printed['planned']}/{printed['done']}", f"{got.get('planned', '—')}/{got.get('done', '—')}"
        yield f"{stage} 如期完成率", fmt_pct(printed["rate"] / 100), fmt_pct(got.get("rate"))
    satisfaction = published.get("satisfaction") or {}
    survey = metrics.get("survey") or {}
    if "respondents" in (satisfaction.get("survey") or {}):
        yield "问卷单位(个)", fmt_count(satisfaction["survey"]["respondents"]), fmt_count(survey.get("respondents"))
    reviews = satisfaction.get("public_reviews") or {}
    got = metrics.get("public_reviews") or {}
    for key, label in (("total", "好差评总数(条)"), ("five_star", "五星好评(条)"), ("bad", "差评(条)")):
        if key in reviews:
            yield label, fmt_count(reviews[key]), fmt_count(got.get(key))
    if "five_star_rate" in reviews:
        yield "五星好评率", fmt_pct(reviews["five_star_rate"] / 100), fmt_pct(got.get("five_star_rate"))
    if "bad_rate" in reviews:
        printed = reviews["bad_rate"]
        places = max(len(str(printed).split(".")[-1]) if "." in str(printed) else 0, 2)
        yield "差评率", f"{printed}%", (f"{round_pct(got['bad_rate'], places)}%" if got.get("bad_rate") is not None else "—")


def published_comparison(metrics: dict, published: dict) -> pd.DataFrame:
    """Columns figure, published, computed, agrees: each printed figure beside what the data gives,
    both rounded as printed."""
    rows = [{"figure": f, "published": p, "computed": c, "agrees": p == c} for f, p, c in _rows(metrics, published)]
    return pd.DataFrame(rows, columns=["figure", "published", "computed", "agrees"])
