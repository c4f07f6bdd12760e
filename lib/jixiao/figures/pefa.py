"""Budget credibility as PEFA measures it (PEFA 2016 framework, pillar I), per year of the evaluation.

PI-1 aggregate expenditure outturn: the year's payments ÷ its original budget (年初预算).
PI-2.1 expenditure composition outturn by 领域: the original budget of each domain scaled to the year's
total payments (original_d × total actual ÷ total original), and the sum of the absolute deviations of
the payments from it ÷ the total payments (PEFA's "composition variance"; the scaled budgets add up to the
total payments, so dividing by either is the same).
Scores, over the last three years of the span:
PI-1: A when the outturn lies within 95%–105% in at least two of them, B within 90%–110%, C within
85%–115%, else D. PI-2.1: A when the variance is under 5% in at least two of them, B under 10%, C under
15%, else D. A span of fewer than three years gets no score (null, reason ``too_few_years``).
Sums stay in integer fen and the bands are decided on exact fractions.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from jixiao.core.period import Period
from jixiao.figures.common import payments_in, spending_or_empty

YEARS_SCORED = 3  # PEFA scores the last three completed fiscal years
SCORED_IN = 2  # of which at least two must meet a band
UNKNOWN_DOMAIN = "（未列领域）"  # a budget row or payment whose subproject is not in subprojects.xlsx
TOO_FEW_YEARS = "too_few_years"  # reason code of null scores
PI1_BANDS = (("A", Fraction(95, 100), Fraction(105, 100)), ("B", Fraction(90, 100), Fraction(110, 100)),
             ("C", Fraction(85, 100), Fraction(115, 100)))
PI2_BANDS = (("A", Fraction(5, 100)), ("B", Fraction(10, 100)), ("C", Fraction(15, 100)))


def outturn(spent_fen: int, original_fen: int) -> Fraction | None:
    """PI-1 of one year: payments ÷ original budget; None without an original budget."""
    return None if original_fen == 0 else Fraction(int(spent_fen), int(original_fen))


def composition_variance(actual: dict[str, int], original: dict[str, int]) -> Fraction | None:
    """PI-2.1 of one year from fen per domain: Σ|actual_d − original_d × A ÷ O| ÷ A, where A and O are the
    totals; None without payments or without an original budget."""
    total_actual, total_original = sum(actual.values()), sum(original.values())
    if total_actual == 0 or total_original == 0:
        return None
    domains = set(actual) | set(original)
    deviations = sum(abs(actual.get(d, 0) * total_original - original.get(d, 0) * total_actual) for d in domains)
    return Fraction(deviations, total_actual * total_original)


def pi1_score(values: list[Fraction | None]) -> str:
    for score, low, high in PI1_BANDS:
        if sum(1 for v in values if v is not None and low <= v <= high) >= SCORED_IN:
            return score
    return "D"


def pi2_score(values: list[Fraction | None]) -> str:
    for score, limit in PI2_BANDS:
        if sum(1 for v in values if v is not None and v < limit) >= SCORED_IN:
            return score
    return "D"


def by_domain(frame: pd.DataFrame, amount: str, domain_of: pd.Series) -> dict[str, int]:
    domains = frame["subproject_id"].map(domain_of).fillna(UNKNOWN_DOMAIN)
    return {str(d): int(v) for d, v in frame.groupby(domains)[amount].sum().items()}


def pefa_years(tables, span: Period) -> pd.DataFrame:
    """Per year of the span: year, original_fen, spent_fen, pi1_outturn and pi2_variance (exact Fractions or
    None; PI-2 needs subprojects.xlsx for the domains)."""
    budget, spending = tables.budget, spending_or_empty(tables.spending)
    domain_of = None if tables.subprojects is None else tables.subprojects.set_index("subproject_id")["domain"]
    rows = []
    for year in span.years:
        original = budget[budget["year"] == year] if budget is not None else None
        paid = payments_in(spending, Period(year, year))
        original_fen = 0 if original is None else int(original["initial_budget"].sum())
        spent_fen = int(paid["amount"].sum())
        variance = None
        if domain_of is not None and original is not None:
            variance = composition_variance(by_domain(paid, "amount", domain_of),
                                            by_domain(original, "initial_budget", domain_of))
        rows.append({"year": year, "original_fen": original_fen, "spent_fen": spent_fen,
                     "pi1_outturn": outturn(spent_fen, original_fen), "pi2_variance": variance})
    return pd.DataFrame(rows, columns=["year", "original_fen", "spent_fen", "pi1_outturn", "pi2_variance"])


def pefa_figures(tables, span: Period) -> tuple[dict | None, pd.DataFrame, str | None]:
    """metrics.json ``trends.pefa`` ({"years": {year: {pi1_outturn, pi2_variance}}, pi1_score, pi2_score}, the
    years' values as floats), the frame pefa (year, pi1_outturn, pi2_variance as floats) and the reason code
    of null scores; (None, empty frame, None) without a budget."""
    if tables.budget is None:
        return None, pd.DataFrame(columns=["year", "pi1_outturn", "pi2_variance"]), None
    years = pefa_years(tables, span)

    def number(v):
        return None if v is None else float(v)

    figures = {"years": {str(r.year): {"pi1_outturn": number(r.pi1_outturn), "pi2_variance": number(r.pi2_variance)}
                         for r in years.itertuples()}}
    last = years.tail(YEARS_SCORED)
    reason = None
    if len(span.years) < YEARS_SCORED:
        figures.update(pi1_score=None, pi2_score=None)
        reason = TOO_FEW_YEARS
    else:
        figures.update(pi1_score=pi1_score(list(last["pi1_outturn"])), pi2_score=pi2_score(list(last["pi2_variance"])))
    frame = pd.DataFrame({"year": years["year"], "pi1_outturn": [number(v) for v in years["pi1_outturn"]],
                          "pi2_variance": [number(v) for v in years["pi2_variance"]]})
    return figures, frame, reason
