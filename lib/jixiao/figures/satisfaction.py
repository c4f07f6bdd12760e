"""满意度, the numbers: the users' survey (whole evaluation only) and the public reviews (好差评) by month."""

from __future__ import annotations

import pandas as pd

from jixiao.core.period import Period
from jixiao.figures.base import WHOLE_SPAN_ONLY, Computed, Figures, PeriodInputs
from jixiao.figures.common import nullable, ratio, rows_where


def survey_shares(answers: pd.DataFrame, options: pd.DataFrame) -> pd.DataFrame:
    """One row per question and option, in the options' order: columns question, option, order,
    positive, count, answered, share (count / respondents who answered the question)."""
    rows = []
    questions = [c for c in answers.columns if c not in ("excel_row", "respondent")]
    for q in questions:
        given = answers[q].dropna()
        counts = given.value_counts()
        opts = options[options["question"] == q].sort_values("order", kind="stable")
        for o in opts.itertuples():
            count = int(counts.get(o.option, 0))
            rows.append({"question": q, "option": o.option, "order": int(o.order), "positive": int(o.positive),
                         "count": count, "answered": len(given), "share": ratio(count, len(given))})
    return pd.DataFrame(rows, columns=["question", "option", "order", "positive", "count", "answered", "share"])


def positive_label(options: list[str]) -> str:
    """A question's positive share named after the options it adds up: 十分合理+较为合理 (never 满意 unless
    the options say so); 无 when no option is marked."""
    return "+".join(options) or "无"


def survey_summary(shares: pd.DataFrame) -> pd.DataFrame:
    """Per question: columns question, answered, positive_options (the options marked 是否满意 = 1, named
    as ``positive_label``), positive, positive_share."""
    rows = []
    for q, g in shares.groupby("question", sort=False):
        marked = g[g["positive"] == 1]
        positive = int(marked["count"].sum())
        answered = int(g["answered"].iloc[0])
        rows.append({"question": q, "answered": answered, "positive_options": positive_label(marked["option"].tolist()),
                     "positive": positive, "positive_share": ratio(positive, answered)})
    return pd.DataFrame(rows, columns=["question", "answered", "positive_options", "positive", "positive_share"])


def survey_metrics(tables: dict) -> dict | None:
    answers, options = tables.get("survey_answers"), tables.get("survey_options")
    if answers is None or options is None:
        return None
    shares = survey_shares(answers, options)
    summary = survey_summary(shares).set_index("question")
    questions = {}
    for q, g in shares.groupby("question", sort=False):
        questions[q] = {
            "answered": int(summary.loc[q, "answered"]),
            "positive": int(summary.loc[q, "positive"]),
            "positive_share": nullable(summary.loc[q, "positive_share"]),
            "positive_options": g.loc[g["positive"] == 1, "option"].tolist(),
            "options": dict(zip(g["option"], g["count"].astype(int).tolist())),
            "shares": {o: nullable(s) for o, s in zip(g["option"], g["share"].tolist())},
        }
    # the overall share, whether or not a score-sheet row links it: every positive answer over every answer
    positive = sum(q["positive"] for q in questions.values())
    answered = sum(q["answered"] for q in questions.values())
    return {"respondents": int(len(answers)), "positive": positive, "answered": answered,
            "positive_share": ratio(positive, answered), "questions": questions}


STAR_COLUMNS = ("star_1", "star_2", "star_3", "star_4", "star_5")


def reviews_in(reviews: pd.DataFrame, period: Period | None) -> pd.DataFrame:
    """Review months inside ``period`` (all months when None), sorted, with a total column."""
    chosen = reviews if period is None else rows_where(reviews, (period.contains_month(m) for m in reviews["month"]))
    chosen = chosen.sort_values("month").reset_index(drop=True)
    return chosen.assign(total=chosen[list(STAR_COLUMNS)].sum(axis=1).astype("int64"))


def review_metrics(reviews: pd.DataFrame | None, period: Period | None) -> dict | None:
    if reviews is None:
        return None
    chosen = reviews_in(reviews, period)
    if chosen.empty:
        return None
    stars = {c: int(chosen[c].sum()) for c in STAR_COLUMNS}
    total = sum(stars.values())
    bad = stars["star_1"] + stars["star_2"]
    return {
        "months": [chosen["month"].iloc[0], chosen["month"].iloc[-1]],
        "month_count": int(len(chosen)),
        "total": total, "five_star": stars["star_5"], "five_star_rate": ratio(stars["star_5"], total),
        "bad": bad, "bad_rate": ratio(bad, total), "stars": stars,
    }


def compute(inputs: PeriodInputs) -> Computed:
    """metrics.json ``survey`` (whole-span run only) and ``public_reviews``. Frames: survey_shares (question,
    option, order, positive, count, answered, share) and survey_summary (question, answered,
    positive_options, positive, positive_share) in the whole-span run; review_months (month, star_1 …
    star_5, total, bad, five_star_rate) for the months of the period (every month in the whole-span run)."""
    tables, whole = inputs.tables, inputs.whole_span
    frames, notes = {}, {}
    survey = survey_metrics(tables) if whole else None
    if not whole:
        notes["survey"] = WHOLE_SPAN_ONLY
    if survey is not None:
        # who answered and the word counting them (params' survey_respondents), for the pages' and report's words
        survey["respondent_word"], survey["respondent_unit"] = inputs.layout.respondents
        shares = survey_shares(tables.survey_answers, tables.survey_options)
        frames["survey_shares"] = shares
        frames["survey_summary"] = survey_summary(shares)
    window = None if whole else inputs.period
    reviews = review_metrics(tables.public_reviews, window)
    if reviews is not None:
        months = reviews_in(tables.public_reviews, window)
        months = months.drop(columns=[c for c in ("excel_row",) if c in months.columns])
        frames["review_months"] = months.assign(bad=months["star_1"] + months["star_2"],
                                                five_star_rate=months["star_5"] / months["total"])
    return Computed({"survey": survey, "public_reviews": reviews}, frames, notes)


FIGURES = Figures(key="satisfaction", tables=("survey_answers", "survey_options", "public_reviews"), compute=compute)
