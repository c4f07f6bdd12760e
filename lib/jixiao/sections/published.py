"""Check computed metrics against the figures a published report printed (``published.yaml``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from jixiao.contract.sheets import STAGES, default_roles
from jixiao.present.format import DASH, fmt_count, fmt_pct, fmt_points, fmt_wan, round_percent
from jixiao.sections.common import respondents

POSITIVE = "满意合计"  # a survey share key meaning the options marked 是否满意 = 1 together


def _places(printed) -> int:
    """Decimal places of a figure as printed (16.3 -> 1, 7.08 -> 2)."""
    text = str(printed)
    return len(text.split(".")[1]) if "." in text else 0


def _yi(wan_value, places: int) -> str:
    """万元 -> 亿元, rounded half-up to ``places`` as the report printed it."""
    if wan_value is None:
        return DASH
    q = (Decimal(repr(wan_value)) / 10_000).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:.{places}f}"


def _places_text(places) -> str:
    """Ranked places as the report words them: 基础平台、民生保障域、基础平台=营商环境域 (ties joined by =)."""
    return "、".join("=".join(p) if isinstance(p, list) else str(p) for p in places or []) or DASH


def _question(survey: dict, keyword: str) -> dict:
    matches = [q for q in (survey.get("questions") or {}) if keyword in q]
    return survey["questions"][matches[0]] if len(matches) == 1 else {}


def _rows(metrics: dict, published: dict):
    """(figure, printed, computed, reason) for whatever both sides have; reason is the section's
    ``differs`` note for that key (why the printed figure cannot be reproduced), else None."""
    for row in _pairs(metrics, published):
        row = (*row, None) if len(row) == 3 else row
        yield row if len(row) == 5 else (*row, row[1] == row[2])


def _pairs(metrics: dict, published: dict):
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
    pairs = [("budget_arranged", "累计安排预算（万元）", "budget"), ("spent", "实际支出（万元）", "spent"),
             ("approved_total", "立项批复金额合计（万元）", "approved_total")]
    for prefix, label, key in pairs:
        for name, value in funding.items():
            if name.startswith(prefix):
                yield label, fmt_wan(value), fmt_wan(e.get(key))
    if "spend_rate" in funding:
        yield "支出率", fmt_pct(funding["spend_rate"] / 100), fmt_pct(e.get("rate"))
    if "subprojects" in funding:
        yield "已批复子项目（个）", fmt_count(funding["subprojects"]), fmt_count(e.get("subprojects"))
    if "no_funds_issued" in funding:
        yield "暂未下达资金的子项目（个）", fmt_count(funding["no_funds_issued"]), fmt_count(e.get("no_funds_issued"))
    for key, label in (("investment_top3", "投资金额前三的领域"), ("subproject_count_top3", "子项目数量前三的领域")):
        if key in funding:
            yield label, _places_text(funding[key]), _places_text(e.get(f"{key}_to_end"))
    budget = published.get("budget_management") or {}
    why = budget.get("differs") or {}
    for key, label, got in (("initial_budget_requests_亿元", "年初申请预算合计（亿元）", e.get("initial_budget_in_period")),
                            ("adjusted_budget_亿元", "调整后实际安排预算合计（亿元）", e.get("budget"))):
        if key in budget:
            yield label, str(budget[key]), _yi(got, _places(budget[key])), why.get(key)
    if "adjustment_rate_above" in budget:
        bound = budget["adjustment_rate_above"]
        rates = [e.get("adjustment_rate_in_period")] + [y.get("adjustment_rate") for y in e.get("by_year") or []]
        above = None if not e or None in rates else all(r * 100 > bound for r in rates)
        yield (f"预算调整率（总体及各年度）均超过{bound}%", "是",
               DASH if above is None else ("是" if above else "否"), why.get("adjustment_rate_above"))
    bands = e.get("subproject_bands") or {}
    for band, printed in (funding.get("subproject_spend_rate_bands") or {}).items():
        key = "≥100%" if band in ("100%", "≥100%") else band
        yield f"支出率 {key} 子项目（个）", fmt_count(printed), fmt_count(bands.get(key))
    domains = e.get("domains") or {}
    for domain, printed in (funding.get("investment_share") or {}).items():
        got = domains.get(domain)
        yield f"{domain} 投资占比", fmt_pct(printed / 100), fmt_pct(got and got["share_of_approved_total"])
    stages = metrics.get("milestones") or {}
    for stage, printed in ((published.get("milestones") or {}).get("stages") or {}).items():
        got = stages.get(stage) or {}
        yield f"{stage} 计划/完成", f"{printed['planned']}/{printed['done']}", f"{got.get('planned', '—')}/{got.get('done', '—')}"
        yield f"{stage} 期末完成率", fmt_pct(printed["rate"] / 100), fmt_pct(got.get("rate"))
    progress = published.get("milestones") or {}
    why = progress.get("differs") or {}
    # the stages playing the roles the published report names (params' stage_roles, recorded in metrics.json)
    roles = {**default_roles(STAGES), **((metrics.get("declared") or {}).get("stage_roles") or {})}
    first_stage, accepted, finished = roles["启动"], roles["初验"], roles["终验"]
    done = {stage: (stages.get(stage) or {}).get("done") for stage in (first_stage, accepted, finished)}
    if "started_subprojects" in progress:
        yield (f"已{first_stage}子项目（个，正文）", fmt_count(progress["started_subprojects"]), fmt_count(done[first_stage]),
               why.get("started_subprojects"))
    acceptance = progress.get("accepted_subprojects") or {}
    initial_only = None if None in (done[accepted], done[finished]) else done[accepted] - done[finished]
    for key, label, got in (("total", "完成验收子项目（个）", done[accepted]),
                            ("initial_acceptance", f"其中仅{accepted}（个）", initial_only),
                            ("final_acceptance", f"其中{finished}（个）", done[finished])):
        if key in acceptance:
            yield label, fmt_count(acceptance[key]), fmt_count(got), why.get(f"accepted_subprojects.{key}")
    satisfaction = published.get("satisfaction") or {}
    survey = metrics.get("survey") or {}
    if "respondents" in (satisfaction.get("survey") or {}):
        word, unit = respondents(metrics)
        yield f"问卷{word}({unit})", fmt_count(satisfaction["survey"]["respondents"]), fmt_count(survey.get("respondents"))
    for keyword, options in ((satisfaction.get("survey") or {}).get("questions") or {}).items():
        got = _question(survey, keyword)
        for option, printed in options.items():
            share = got.get("positive_share") if option == POSITIVE else (got.get("shares") or {}).get(option)
            # the positive share is named after the options it adds up (十分合理+较为合理), never 满意 by default
            name = "+".join(got.get("positive_options") or []) + "合计" if option == POSITIVE else option
            yield f"问卷“{keyword}”{name if name != '合计' else option}占比", fmt_pct(printed / 100), fmt_pct(share)
    reviews = satisfaction.get("public_reviews") or {}
    why = reviews.get("differs") or {}
    got = metrics.get("public_reviews") or {}
    if "period" in reviews:
        yield "好差评统计月份", "至".join(reviews["period"]), "至".join(got.get("months") or [DASH])
    for key, label in (("total", "好差评总数（条）"), ("five_star", "五星好评（条）"), ("bad", "差评（条）")):
        if key in reviews:
            yield label, fmt_count(reviews[key]), fmt_count(got.get(key))
    if "five_star_rate" in reviews:
        yield ("五星好评率", fmt_pct(reviews["five_star_rate"] / 100), fmt_pct(got.get("five_star_rate")),
               why.get("five_star_rate"))
    if "bad_rate" in reviews:
        printed = reviews["bad_rate"]
        places = max(len(str(printed).split(".")[-1]) if "." in str(printed) else 0, 2)
        # shown at the suite's rule (0.0049%); it agrees when it rounds to the printed places
        computed = got.get("bad_rate")
        shown = fmt_pct(computed) if computed is not None else DASH
        agrees = computed is not None and f"{round_percent(computed, places)}%" == f"{printed}%"
        yield "差评率", f"{printed}%", shown, why.get("bad_rate"), agrees


def published_comparison(metrics: dict, published: dict) -> pd.DataFrame:
    """Columns figure, published, computed, agrees, reason: each printed figure beside what the data
    gives, both rounded as printed; reason is published.yaml's note on why a printed figure differs."""
    rows = [{"figure": f, "published": p, "computed": c, "agrees": a, "reason": r}
            for f, p, c, r, a in _rows(metrics, published)]
    return pd.DataFrame(rows, columns=["figure", "published", "computed", "agrees", "reason"], dtype=object).astype(
        {"agrees": bool})


def published_disagreements(comparison: pd.DataFrame) -> int:
    """How many published figures the data does not reproduce (for the index)."""
    return int((~comparison["agrees"].astype(bool)).sum())


def published_notes(inputs, figures: dict, prefixes: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """In the whole-span run of an evaluation with published.yaml: frame published_differs (figure, published,
    computed, reason) of the printed figures whose label starts with one of ``prefixes`` and which the data
    does not reproduce, for the footnote of the page that shows them; {} otherwise."""
    if not (inputs.published and inputs.whole_span):
        return {}
    try:
        comparison = published_comparison({**inputs.metrics, **figures}, inputs.published)
    except (KeyError, TypeError, ValueError, AttributeError):
        return {}  # the overview says what is wrong with published.yaml
    differs = comparison[~comparison["agrees"].astype(bool)
                         & comparison["figure"].map(lambda f: str(f).startswith(prefixes))]
    return {"published_differs": differs.drop(columns="agrees").reset_index(drop=True)}
