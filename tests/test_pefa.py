"""PEFA PI-1 and PI-2.1 per year, and their scores, against a hand computation on three tiny years."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from types import SimpleNamespace

import pandas as pd
from helpers import shown_texts

from jixiao.core.period import Period
from jixiao.core.units import FEN_PER_WAN
from jixiao.figures.pefa import pefa_figures, pefa_years

WAN = FEN_PER_WAN
# year -> domain -> (年初预算, payments), 万元: 2019 on budget; 2020 over in total and off in composition;
# 2021 under in total, a little off in composition
PLAN = {2019: {"教育": (100, 100), "交通": (50, 50)},
        2020: {"教育": (100, 90), "交通": (50, 70)},
        2021: {"教育": (100, 103), "交通": (100, 81)}}


def tables(years=PLAN):
    subprojects = pd.DataFrame({"subproject_id": ["E", "T"], "domain": ["教育", "交通"]})
    ids = {"教育": "E", "交通": "T"}
    budget = pd.DataFrame([{"subproject_id": ids[d], "year": y, "initial_budget": b * WAN, "adjusted_budget": b * WAN}
                           for y, plan in years.items() for d, (b, _) in plan.items()])
    spending = pd.DataFrame([{"subproject_id": ids[d], "date": dt.date(y, 6, 30), "amount": p * WAN}
                             for y, plan in years.items() for d, (_, p) in plan.items()])
    return SimpleNamespace(subprojects=subprojects, budget=budget, spending=spending)


def test_one_year_by_hand():
    year = pefa_years(tables(), Period(2019, 2021)).set_index("year").loc[2020]
    # PI-1: 160 paid of an original 150
    assert year["pi1_outturn"] == Fraction(160, 150)
    # PI-2.1: the original budgets scaled to the payments (×160/150) are 106⅔ and 53⅓; the payments miss them by
    # 16⅔ each; 33⅓ of 160 paid
    assert year["pi2_variance"] == Fraction(100, 3) / 160 == Fraction(5, 24)


def test_scores_take_the_band_met_in_two_of_the_last_three_years():
    figures, frame, reason = pefa_figures(tables(), Period(2019, 2021))
    # PI-1: 100%, 106.7%, 92%: within 95–105% once only, within 90–110% all three years -> B
    assert figures["pi1_score"] == "B"
    # PI-2.1: 0%, 20.8%, 22/184 = 11.96%: under 5% and under 10% once, under 15% twice -> C
    assert figures["pi2_score"] == "C"
    assert figures["years"]["2021"] == {"pi1_outturn": 184 / 200, "pi2_variance": 22 / 184}
    assert reason is None and frame["year"].tolist() == [2019, 2020, 2021]


def test_fewer_than_three_years_get_no_score_and_a_reason():
    two = {y: PLAN[y] for y in (2020, 2021)}
    figures, _, reason = pefa_figures(tables(two), Period(2020, 2021))
    assert figures["pi1_score"] is None and figures["pi2_score"] is None and reason == "too_few_years"
    assert figures["years"]["2020"]["pi1_outturn"] == 160 / 150


def test_dongguan_whole_span_carries_pefa_and_its_page_says_how(dongguan, monkeypatch):
    from jixiao.sections import compute_period

    span = Period(2019, 2021)
    results = compute_period(dongguan.tables, span, span, "x")
    pefa = results.metrics["trends"]["pefa"]
    budget, spending = dongguan.tables.budget, dongguan.tables.spending
    paid_2020 = sum(a for a, d in zip(spending["amount"], spending["date"]) if d.year == 2020)
    assert pefa["years"]["2020"]["pi1_outturn"] == paid_2020 / budget[budget["year"] == 2020]["initial_budget"].sum()
    texts = shown_texts("trends", "credibility", results, monkeypatch=monkeypatch)
    assert any(f"PEFA 评分：PI-1 为 {pefa['pi1_score']}，PI-2.1 为 {pefa['pi2_score']}。" in t for t in texts)
    assert "历年预算可信度（PEFA PI-1、PI-2.1）" in texts
