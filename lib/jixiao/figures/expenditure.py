"""资金使用情况, the numbers: budget execution per year, investment and spending per domain, subproject
spend-rate bands. Amounts stay integer fen until they leave as 万元, so every sum is exact."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from jixiao.core.period import Period
from jixiao.core.units import wan
from jixiao.figures.base import Computed, Figures, PeriodInputs
from jixiao.figures.common import (
    empty_frame,
    nullable,
    payments_in,
    ratio,
    rows_where,
    spending_or_empty,
    top_ranks,
)

BANDS = ("≥100%", "[90%,100%)", "[80%,90%)", "[60%,80%)", "<60%")


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


def expenditure_metrics(tables, period: Period, rates: pd.DataFrame | None = None,
                        domains: pd.DataFrame | None = None) -> dict | None:
    """The metrics.json ``expenditure`` part (万元, fractions); ``rates`` and ``domains``: the period's
    ``subproject_spend_rates`` and ``investment_by_domain`` when already computed."""
    subprojects, budget, spending = tables.get("subprojects"), tables.get("budget"), tables.get("spending")
    if budget is None and spending is None:
        return None
    budget = budget if budget is not None else empty_frame(["subproject_id", "year", "initial_budget", "adjusted_budget"])
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


def in_wan(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``frame`` with each fen column ``old`` replaced by a 万元 column named ``columns[old]`` (…_wan)."""
    out = frame.copy()
    for old, new in columns.items():
        out[new] = [wan(v) for v in out[old]]
    return out.drop(columns=[c for c in columns if c not in columns.values()])


def to_end_figures(tables, since_start: Period) -> dict:
    """The budget and payments from the span's first year to the period's end: budget_to_end (adjusted budget
    of those years), paid_to_end (every payment dated in them) and spend_rate_budget_to_end (their ratio)."""
    budget = tables.budget
    budget_fen = 0 if budget is None else int(budget[budget["year"].isin(since_start.years)]["adjusted_budget"].sum())
    paid_fen = int(payments_in(spending_or_empty(tables.spending), since_start)["amount"].sum())
    return {"budget_to_end": wan(budget_fen), "paid_to_end": wan(paid_fen),
            "spend_rate_budget_to_end": ratio(paid_fen, budget_fen)}


def compute(inputs: PeriodInputs) -> Computed:
    """metrics.json ``expenditure``. Frames (money in 万元): by_year (year, initial_budget_wan,
    adjusted_budget_wan, spent_wan, rate, adjustment_rate); with subprojects.xlsx also domains (domain,
    subprojects, approved_wan, share, adjusted_budget_wan, spent_wan, rate), bands (band, subprojects, share),
    subproject_rates (subproject_id, name, domain, approved_wan, spent_to_end_wan, rate, band) and no_funds
    (subproject_id, name, domain, unit, approved_wan)."""
    tables, period = inputs.tables, inputs.period
    subprojects, spending = tables.subprojects, spending_or_empty(tables.spending)
    rates = domains = None
    if subprojects is not None:
        rates = subproject_spend_rates(subprojects, spending, period.end)
        domains = investment_by_domain(subprojects, rates)
    figures = expenditure_metrics(tables, period, rates=rates, domains=domains)
    frames: dict[str, pd.DataFrame] = {}
    if figures is not None:
        figures.update(to_end_figures(tables, Period(inputs.span.first, period.last)))
        budget = tables.budget if tables.budget is not None else pd.DataFrame(
            {"year": pd.Series([], dtype="int64"), "initial_budget": [], "adjusted_budget": []})
        frames["by_year"] = in_wan(budget_by_year(budget, spending, period),
                                   {"initial_budget": "initial_budget_wan", "adjusted_budget": "adjusted_budget_wan",
                                    "spent": "spent_wan"})
        if rates is not None:
            by_domain = budget_by_domain(subprojects, tables.budget, spending, period, rates=rates)
            frames["domains"] = in_wan(by_domain, {"approved_amount": "approved_wan",
                                                   "adjusted_budget": "adjusted_budget_wan", "spent": "spent_wan"})
            bands = spend_rate_bands(rates)
            bands["share"] = bands["subprojects"] / max(int(bands["subprojects"].sum()), 1)
            frames["bands"] = bands
            ordered = rates.sort_values(["rate", "subproject_id"]).reset_index(drop=True)
            frames["subproject_rates"] = in_wan(ordered, {"approved_amount": "approved_wan", "spent": "spent_to_end_wan"})
            no_funds = subprojects[subprojects["subproject_id"].isin(figures["no_funds_subprojects"])]
            no_funds = no_funds.reindex(columns=["subproject_id", "name", "domain", "unit", "approved_amount"])
            frames["no_funds"] = in_wan(no_funds.reset_index(drop=True), {"approved_amount": "approved_wan"})
    return Computed({"expenditure": figures}, frames)


FIGURES = Figures(key="expenditure", tables=("subprojects", "budget", "spending"), compute=compute)
