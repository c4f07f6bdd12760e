"""Every figure of the report, computed from the validated tables.

Transformations take and return DataFrames (amounts stay integer fen until they
are shown, so sums are exact); ``compute_metrics`` gathers them into the
``metrics.json`` shape of the input contract: rates as unrounded fractions,
amounts in 万元, counts as integers, a section null when its data is absent.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jixiao.contract.sheets import FEN_PER_WAN, SCORE_SCALE, STAGES
from jixiao.core.period import Period

BANDS = ("≥100%", "[90%,100%)", "[80%,90%)", "[60%,80%)", "<60%")
GRADES = (("优", 90), ("良", 80), ("中", 60), ("差", 0))
ACHIEVEMENTS = (("全部完成", 90), ("大部分完成", 80), ("部分完成", 60), ("不太明显", 0))
# the achievement wording (预期产出目标…完成) grades output and effect goals: the first-level indicators 产出 and 效益
# of the national framework, not 决策 or 过程
ACHIEVEMENT_LEVELS = ("产出", "效益")
ACHIEVEMENT_WORDING = {
    "全部完成": "预期产出目标全部完成",
    "大部分完成": "预期产出目标大部分完成",
    "部分完成": "预期产出目标部分完成",
    "不太明显": "预期产出不太明显",
}


def wan(fen: int | float | None) -> float | None:
    """Integer fen -> 万元 (a float, exact to the cent for any realistic amount)."""
    if fen is None or pd.isna(fen):
        return None
    return round(int(fen) / FEN_PER_WAN, 6)


def points(units) -> float | int | None:
    """Ten-thousandths of a point -> points (an int when whole, as the report prints weights)."""
    if units is None or pd.isna(units):
        return None
    value = int(units)
    return value // SCORE_SCALE if value % SCORE_SCALE == 0 else value / SCORE_SCALE


def nullable(value):
    """NaN (how a DataFrame stores a missing rate) -> None, so metrics.json stays valid JSON."""
    return None if value is None or (isinstance(value, float) and value != value) else value


def ratio(numerator, denominator) -> float | None:
    if denominator is None or pd.isna(denominator) or int(denominator) == 0:
        return None
    return int(numerator) / int(denominator)


# --- expenditure ---------------------------------------------------------------------------


def rows_where(frame: pd.DataFrame, mask) -> pd.DataFrame:
    """The rows where ``mask`` (one bool per row) holds; an empty table stays a table with its columns."""
    return frame.loc[np.asarray(list(mask), dtype=bool)]


def payments_in(spending: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The payments dated inside ``period``."""
    return rows_where(spending, (period.contains(d) for d in spending["date"]))


def payments_until(spending: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    return rows_where(spending, (d is not None and d <= end for d in spending["date"]))


def budget_by_year(budget: pd.DataFrame, spending: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per year of the period: columns year, initial_budget, adjusted_budget, spent (fen), rate, adjustment_rate."""
    rows = []
    for year in period.years:
        b = budget[budget["year"] == year]
        spent = payments_in(spending, Period(year, year))["amount"].sum()
        initial, adjusted = int(b["initial_budget"].sum()), int(b["adjusted_budget"].sum())
        rows.append({
            "year": year, "initial_budget": initial, "adjusted_budget": adjusted, "spent": int(spent),
            "rate": ratio(spent, adjusted),
            "adjustment_rate": None if initial == 0 else 1 - adjusted / initial,
        })
    return pd.DataFrame(rows)


def approvals_dated(subprojects: pd.DataFrame) -> bool:
    """True when subprojects.xlsx gives 批复日期 (approval_date) for at least one approved subproject: then a
    period counts only the subprojects approved by its end; otherwise every approved one counts in every period."""
    if "approval_date" not in subprojects.columns:
        return False
    funded = subprojects[subprojects["approved_amount"].fillna(0) > 0]
    return bool(funded["approval_date"].notna().any())


def approved_by(subprojects: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """The subprojects with an approved amount, approved on or before ``end`` when 批复日期 is given (a blank
    批复日期 beside dated ones counts as approved, as known at the evaluation)."""
    funded = subprojects[subprojects["approved_amount"].fillna(0) > 0]
    if not approvals_dated(subprojects):
        return funded
    return rows_where(funded, (d is None or pd.isna(d) or d <= end for d in funded["approval_date"]))


def subproject_spend_rates(subprojects: pd.DataFrame, spending: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """Subprojects approved by ``end`` (``approved_by``) with columns subproject_id, name, domain,
    approved_amount, spent (fen, up to ``end``), rate (spent / approved) and band (one of BANDS)."""
    funded = approved_by(subprojects, end)
    spent = payments_until(spending, end).groupby("subproject_id")["amount"].sum()
    out = funded[["subproject_id", "name", "domain", "approved_amount"]].copy()
    out["spent"] = [int(spent.get(sid, 0)) for sid in out["subproject_id"]]
    out["rate"] = [ratio(s, a) for s, a in zip(out["spent"], out["approved_amount"])]
    out["band"] = [spend_rate_band(s, a) for s, a in zip(out["spent"], out["approved_amount"])]
    return out.reset_index(drop=True)


def spend_rate_band(spent: int, approved: int) -> str:
    """The band of spent/approved, decided in integers so that exactly 100% is 100%."""
    spent, approved = int(spent), int(approved)
    if approved <= 0:
        raise ValueError("a subproject with no approved amount has no spend-rate band")
    if spent * 100 >= approved * 100:
        return BANDS[0]
    if spent * 100 >= approved * 90:
        return BANDS[1]
    if spent * 100 >= approved * 80:
        return BANDS[2]
    if spent * 100 >= approved * 60:
        return BANDS[3]
    return BANDS[4]


def spend_rate_bands(rates: pd.DataFrame) -> pd.DataFrame:
    """Columns band and subprojects: how many funded subprojects fall in each band, in BANDS order."""
    counts = rates["band"].value_counts()
    return pd.DataFrame({"band": BANDS, "subprojects": [int(counts.get(b, 0)) for b in BANDS]})


def investment_by_domain(subprojects: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Per domain of the subprojects in ``rates`` (those approved by the period's end): columns domain,
    subprojects, approved_amount, spent (fen, to the end), share (of all approved), rate (spent / approved);
    largest investment first, ties by name."""
    total = int(rates["approved_amount"].sum())
    grouped = rates.groupby("domain", sort=False).agg(
        subprojects=("subproject_id", "size"), approved_amount=("approved_amount", "sum"), spent=("spent", "sum"))
    out = grouped.reset_index()
    out["approved_amount"] = out["approved_amount"].astype("int64")
    out["spent"] = out["spent"].astype("int64")
    out["share"] = [ratio(a, total) for a in out["approved_amount"]]
    out["rate"] = [ratio(s, a) for s, a in zip(out["spent"], out["approved_amount"])]
    return out.sort_values(["approved_amount", "domain"], ascending=[False, True]).reset_index(drop=True)


def budget_by_domain(subprojects: pd.DataFrame, budget: pd.DataFrame | None, spending: pd.DataFrame | None,
                     period: Period, rates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per domain of the subprojects approved by the period's end: columns domain, subprojects, approved_amount,
    share, and in the period adjusted_budget, spent (fen) and rate; largest investment first. ``rates``: the period's
    ``subproject_spend_rates`` when already computed."""
    spending = spending_or_empty(spending)
    if rates is None:
        rates = subproject_spend_rates(subprojects, spending, period.end)
    domains = investment_by_domain(subprojects, rates)[["domain", "subprojects", "approved_amount", "share"]]
    domain_of = subprojects.set_index("subproject_id")["domain"]
    if budget is not None:
        b = budget[budget["year"].isin(period.years)]
        per_domain = b.groupby(b["subproject_id"].map(domain_of))["adjusted_budget"].sum()
    else:
        per_domain = pd.Series(dtype="int64")
    paid = payments_in(spending, period)
    spent = paid.groupby(paid["subproject_id"].map(domain_of))["amount"].sum()
    domains["adjusted_budget"] = [int(per_domain.get(d, 0)) for d in domains["domain"]]
    domains["spent"] = [int(spent.get(d, 0)) for d in domains["domain"]]
    domains["rate"] = [ratio(s, b) for s, b in zip(domains["spent"], domains["adjusted_budget"])]
    return domains


def top_ranks(values: pd.Series, n: int = 3) -> list[list[str]]:
    """The top ``n`` places of a labelled series, ties sharing a place: [["a"], ["b", "c"]]."""
    places: list[list[str]] = []
    for value in sorted(set(values.tolist()), reverse=True):
        places.append(sorted(values[values == value].index.tolist()))
        if sum(len(p) for p in places) >= n:
            break
    return places


def expenditure_metrics(tables, period: Period, rates: pd.DataFrame | None = None,
                        domains: pd.DataFrame | None = None) -> dict | None:
    """The metrics.json ``expenditure`` part (万元, fractions); ``rates`` and ``domains``: the period's
    ``subproject_spend_rates`` and ``investment_by_domain`` when already computed."""
    subprojects, budget, spending = tables.get("subprojects"), tables.get("budget"), tables.get("spending")
    if budget is None and spending is None:
        return None
    budget = budget if budget is not None else _empty(["subproject_id", "year", "initial_budget", "adjusted_budget"])
    spending = spending_or_empty(spending)
    in_budget = budget[budget["year"].isin(period.years)]
    paid = payments_in(spending, period)
    if in_budget.empty and paid.empty:
        return None
    budget_fen, spent_fen = int(in_budget["adjusted_budget"].sum()), int(paid["amount"].sum())
    initial_fen = int(in_budget["initial_budget"].sum())
    out = {
        "budget": wan(budget_fen),
        "initial_budget_in_period": wan(initial_fen),
        "spent": wan(spent_fen),
        "rate": ratio(spent_fen, budget_fen),
        "adjustment_rate_in_period": None if initial_fen == 0 else 1 - budget_fen / initial_fen,
        "by_year": [
            {"year": int(r.year), "budget": wan(r.adjusted_budget), "initial_budget": wan(r.initial_budget),
             "spent": wan(r.spent), "rate": nullable(r.rate), "adjustment_rate": nullable(r.adjustment_rate)}
            for r in budget_by_year(budget, spending, period).itertuples()
        ],
    }
    if subprojects is not None:
        if rates is None:
            rates = subproject_spend_rates(subprojects, spending, period.end)
        bands = spend_rate_bands(rates)
        if domains is None:
            domains = investment_by_domain(subprojects, rates)
        in_period = budget_by_domain(subprojects, budget, spending, period, rates=rates).set_index("domain")
        no_funds = rates[rates["spent"] == 0]
        out.update({
            "approvals_as_of": "period_end" if approvals_dated(subprojects) else "evaluation",
            "subprojects": int(len(rates)),
            "approved_total": wan(int(rates["approved_amount"].sum())),
            "spent_to_end": wan(int(rates["spent"].sum())),
            "spend_rate_to_end": ratio(rates["spent"].sum(), rates["approved_amount"].sum()),
            "subproject_bands": dict(zip(bands["band"], bands["subprojects"].astype(int).tolist())),
            "no_funds_issued": int(len(no_funds)),
            "no_funds_subprojects": no_funds["subproject_id"].tolist(),
            "domains": {
                r.domain: {"subprojects": int(r.subprojects), "approved_total": wan(r.approved_amount),
                           "share_of_approved_total": nullable(r.share), "spent_to_end": wan(r.spent),
                           "spend_rate_to_end": nullable(r.rate),
                           "budget_in_period": wan(in_period.loc[r.domain, "adjusted_budget"]),
                           "spent_in_period": wan(in_period.loc[r.domain, "spent"]),
                           "rate_in_period": nullable(in_period.loc[r.domain, "rate"])}
                for r in domains.itertuples()
            },
            "investment_top3_to_end": top_ranks(domains.set_index("domain")["approved_amount"]),
            "subproject_count_top3_to_end": top_ranks(domains.set_index("domain")["subprojects"]),
        })
    return out


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def spending_or_empty(spending: pd.DataFrame | None) -> pd.DataFrame:
    """The spending table, or one with no payments when spending.xlsx is absent."""
    return spending if spending is not None else _empty(["subproject_id", "date", "amount"])


# --- milestones ----------------------------------------------------------------------------


def milestone_status(milestones: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Milestones planned in ``period`` with columns subproject_id, stage, planned_date, actual_date,
    done (actual on or before the period's end) and on_time (actual on or before planned)."""
    planned = rows_where(milestones, (period.contains(d) for d in milestones["planned_date"])).copy()
    planned["done"] = [a is not None and a <= period.end for a in planned["actual_date"]]
    planned["on_time"] = [a is not None and a <= p and a <= period.end
                          for a, p in zip(planned["actual_date"], planned["planned_date"])]
    return planned.reset_index(drop=True)


def milestone_completion(milestones: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per stage, in the contract's order: columns stage, planned, done, rate, on_time, on_time_rate."""
    status = milestone_status(milestones, period)
    rows = []
    for stage in STAGES:
        s = status[status["stage"] == stage]
        planned, done, on_time = len(s), int(s["done"].sum()), int(s["on_time"].sum())
        rows.append({"stage": stage, "planned": planned, "done": done, "rate": ratio(done, planned),
                     "on_time": on_time, "on_time_rate": ratio(on_time, planned)})
    return pd.DataFrame(rows)


def milestones_open(milestones: pd.DataFrame, subprojects: pd.DataFrame | None, period: Period) -> pd.DataFrame:
    """Milestones planned in the period but not done by its end: subproject_id, name, stage, planned_date."""
    status = milestone_status(milestones, period)
    pending = status[~status["done"]][["subproject_id", "stage", "planned_date", "actual_date"]]
    if subprojects is not None:
        pending = pending.merge(subprojects[["subproject_id", "name"]], on="subproject_id", how="left")
    else:
        pending = pending.assign(name=None)
    order = {s: i for i, s in enumerate(STAGES)}
    pending = pending.assign(_o=pending["stage"].map(order)).sort_values(["_o", "planned_date", "subproject_id"])
    return pending.drop(columns="_o")[["subproject_id", "name", "stage", "planned_date", "actual_date"]].reset_index(drop=True)


def milestone_metrics(tables: dict, period: Period) -> dict | None:
    milestones = tables.get("milestones")
    if milestones is None:
        return None
    table = milestone_completion(milestones, period)
    if table["planned"].sum() == 0:
        return None
    return {
        r.stage: {"planned": int(r.planned), "done": int(r.done), "rate": nullable(r.rate),
                  "on_time": int(r.on_time), "on_time_strict": nullable(r.on_time_rate)}
        for r in table.itertuples()
    }


# --- satisfaction ----------------------------------------------------------------------------


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
    as ``positive_label``), option_shares (each of them with its share, as text), positive, positive_share."""
    from jixiao.present.tables import fmt_pct

    rows = []
    for q, g in shares.groupby("question", sort=False):
        marked = g[g["positive"] == 1]
        positive = int(marked["count"].sum())
        answered = int(g["answered"].iloc[0])
        rows.append({"question": q, "answered": answered, "positive_options": positive_label(marked["option"].tolist()),
                     "option_shares": "；".join(f"{o} {fmt_pct(v)}" for o, v in zip(marked["option"], marked["share"])),
                     "positive": positive, "positive_share": ratio(positive, answered)})
    return pd.DataFrame(rows, columns=["question", "answered", "positive_options", "option_shares", "positive",
                                       "positive_share"])


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
    return {"respondents": int(len(answers)), "questions": questions}


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


# --- scoring -------------------------------------------------------------------------------


def grade(total_units: int) -> str:
    """优 >= 90, 良 80-90, 中 60-80, 差 < 60 (lower bounds inclusive), decided on exact units."""
    for name, bound in GRADES:
        if int(total_units) >= bound * SCORE_SCALE:
            return name
    return GRADES[-1][0]


def achievement(score_units: int, weight_units: int) -> str | None:
    """全部完成 >= 90%, 大部分完成 [80%,90%), 部分完成 [60%,80%), 不太明显 < 60% of the weight
    (None for a weight of 0, which has no rate)."""
    if int(weight_units) <= 0:
        return None
    for name, bound in ACHIEVEMENTS:
        if int(score_units) * 100 >= bound * int(weight_units):
            return name
    return ACHIEVEMENTS[-1][0]


def score_table(scoring: pd.DataFrame) -> pd.DataFrame:
    """First-level indicators in sheet order: columns level1, weight, score (units), rate, achievement."""
    grouped = scoring.groupby("level1", sort=False).agg(weight=("weight", "sum"), score=("score", "sum")).reset_index()
    grouped["weight"] = grouped["weight"].astype("int64")
    grouped["score"] = grouped["score"].astype("int64")
    grouped["rate"] = [ratio(s, w) for s, w in zip(grouped["score"], grouped["weight"])]
    grouped["achievement"] = [achievement(s, w) for s, w in zip(grouped["score"], grouped["weight"])]
    return grouped


def level2_table(scoring: pd.DataFrame) -> pd.DataFrame:
    """Second-level indicators: columns level1, level2, weight, score (units), rate."""
    grouped = scoring.groupby(["level1", "level2"], sort=False).agg(
        weight=("weight", "sum"), score=("score", "sum")).reset_index()
    grouped["rate"] = [ratio(s, w) for s, w in zip(grouped["score"], grouped["weight"])]
    return grouped


def scoring_metrics(scoring: pd.DataFrame | None) -> dict | None:
    if scoring is None or scoring.empty:
        return None
    table = score_table(scoring)
    total_units, weight_units = int(table["score"].sum()), int(table["weight"].sum())
    return {
        "levels": {r.level1: {"weight": points(r.weight), "score": points(r.score), "rate": nullable(r.rate),
                              "achievement": r.achievement} for r in table.itertuples()},
        "weight": points(weight_units),
        "total": points(total_units),
        "rate": ratio(total_units, weight_units),
        "grade": grade(total_units),
    }


# --- everything for one run ----------------------------------------------------------------

WHOLE_EVALUATION_NOTE = "问卷调查与评分表不分年度，覆盖整个评价期（{span}）；单年度报告不单列，请见 {span} 报告。"


def compute_metrics(tables, period: Period, span: Period, project: str = "") -> dict:
    """The metrics.json of one run. In the whole-span run the survey and scores use every row;
    in any other run they are null, and public reviews are the months of the period.
    (The section registry computes it: ``jixiao.sections.compute_period``.)"""
    from jixiao.sections import compute_period

    return compute_period(tables, period, span, project).metrics
