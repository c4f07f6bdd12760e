"""历年对比, the numbers: the years of the evaluation side by side, in the whole-span run only.

Each year's figures come from the very computations that year's own report makes (the expenditure,
milestones and satisfaction figures' ``compute`` on that year), so a figure here equals the same figure
in that year's report by construction (tests/test_document.py checks it against each year).
"""

from __future__ import annotations

import pandas as pd

from jixiao.core.period import Period
from jixiao.figures import expenditure, milestones, satisfaction
from jixiao.figures.base import WHOLE_SPAN_ONLY, Computed, Figures, PeriodInputs
from jixiao.figures.expenditure import BANDS
from jixiao.figures.pefa import pefa_figures

COMPARED = (expenditure.FIGURES, milestones.FIGURES, satisfaction.FIGURES)


def year_results(inputs: PeriodInputs, year: int) -> dict[str, Computed]:
    """What the year's own report computes for the figures compared here."""
    given = inputs.for_period(Period(year, year))
    return {f.key: f.compute_once(given) for f in COMPARED}


def compute(inputs: PeriodInputs) -> Computed:
    """metrics.json ``trends`` (keys say what each figure covers; years as text keys, null when the year's
    own report has no such figure): years; expenditure_in_year (budget = adjusted budget, initial_budget,
    spent = payments dated in the year, rate, adjustment_rate; 万元); bands_at_year_end (subprojects and
    bands: payments up to 31 December of the year / approved amount); milestones_in_year (per stage:
    planned in the year, done by its end, rate); public_reviews_in_year (total, five_star, five_star_rate,
    bad, bad_rate); public_reviews_by_month (month -> total, five_star, five_star_rate); pefa (budget
    credibility, ``figures.pefa``: per year pi1_outturn and pi2_variance, and the span's pi1_score, pi2_score).
    Frames: budget (year, initial_budget_wan, adjusted_budget_wan, spent_wan, rate, adjustment_rate),
    bands (year, band, subprojects, share), stages (year, stage, planned, done, rate), review_years
    (year, total, five_star, five_star_rate, bad, bad_rate), review_months (year, month, total, five_star,
    five_star_rate), pefa (year, pi1_outturn, pi2_variance)."""
    if not inputs.whole_span:
        return Computed({"trends": None}, {}, {"trends": WHOLE_SPAN_ONLY})
    years = inputs.span.years
    spending_in, bands_at, stages_in, reviews_in, by_month = {}, {}, {}, {}, {}
    budget_rows, band_rows, stage_rows, review_year_rows, month_rows = [], [], [], [], []
    for year in years:
        own = year_results(inputs, year)
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
    pefa, pefa_frame, pefa_reason = pefa_figures(inputs.tables, inputs.span)
    figures = {"years": years, "expenditure_in_year": spending_in, "bands_at_year_end": bands_at,
               "milestones_in_year": stages_in, "public_reviews_in_year": reviews_in,
               "public_reviews_by_month": by_month, "pefa": pefa}
    frames = {
        "budget": pd.DataFrame(budget_rows, columns=["year", "initial_budget_wan", "adjusted_budget_wan", "spent_wan",
                                                     "rate", "adjustment_rate"]),
        "bands": pd.DataFrame(band_rows, columns=["year", "band", "subprojects", "share"]),
        "stages": pd.DataFrame(stage_rows, columns=["year", "stage", "planned", "done", "rate"]),
        "review_years": pd.DataFrame(review_year_rows, columns=["year", "total", "five_star", "five_star_rate", "bad",
                                                                "bad_rate"]),
        "review_months": pd.DataFrame(month_rows, columns=["year", "month", "total", "five_star", "five_star_rate"]),
        "pefa": pefa_frame,
    }
    return Computed({"trends": figures}, frames, {"trends.pefa": pefa_reason} if pefa_reason else {})


# it computes each year of what it compares: they are its inputs, as ``after`` says
FIGURES = Figures(key="trends", tables=(), compute=compute, after=tuple(f.key for f in COMPARED))
