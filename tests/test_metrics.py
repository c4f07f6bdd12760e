"""Metric definitions on tiny in-memory frames: exact money, exact scores, periods, nulls."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jixiao.intake.cells import parse_money, parse_score
from jixiao.core.period import Period
from jixiao.figures.common import top_ranks
from jixiao.figures.expenditure import spend_rate_band, subproject_spend_rates
from jixiao.figures.milestones import milestone_completion
from jixiao.figures.satisfaction import review_metrics, survey_metrics
from jixiao.figures.scoring import achievement, grade, scoring_metrics
from jixiao.sections import compute_period
from jixiao.core.problems import ParameterError


def subprojects(*rows):
    return pd.DataFrame({"subproject_id": [r[0] for r in rows], "name": [r[0] for r in rows],
                         "domain": [r[1] for r in rows],
                         "approved_amount": pd.Series([None if r[2] is None else parse_money(r[2]) for r in rows],
                                                      dtype="Int64")})


def payments(*rows):
    return pd.DataFrame({"subproject_id": [r[0] for r in rows], "date": [dt.date.fromisoformat(r[1]) for r in rows],
                         "amount": pd.Series([parse_money(r[2]) for r in rows], dtype="Int64")})


def test_payments_adding_up_exactly_to_the_approved_amount_are_100_percent():
    paid = [0.1, 0.2, 0.3, 0.1, 0.2, 0.1]
    assert sum(paid) != 1.0  # the float sum misses; the fen sum must not
    rates = subproject_spend_rates(subprojects(("A", "x", "1.0")),
                                   payments(*[("A", "2021-01-01", p) for p in paid]), dt.date(2021, 12, 31))
    assert rates.loc[0, "band"] == "≥100%"
    assert rates.loc[0, "spent"] == rates.loc[0, "approved_amount"]


def test_band_edges_are_inclusive_below():
    assert spend_rate_band(90, 100) == "[90%,100%)"
    assert spend_rate_band(899_999, 1_000_000) == "[80%,90%)"
    assert spend_rate_band(80, 100) == "[80%,90%)"
    assert spend_rate_band(60, 100) == "[60%,80%)"
    assert spend_rate_band(59, 100) == "<60%"
    assert spend_rate_band(0, 100) == "<60%"


def test_a_total_of_exactly_80_is_liang():
    scores = [19.49, 13.53, 19.24, 27.74]
    assert sum(scores) < 80.0  # 79.99999999999999 as floats: a float total would grade it 中
    frame = pd.DataFrame({"level1": ["产出"] * 4, "level2": ["a", "b", "c", "d"], "level3": ["w", "x", "y", "z"],
                          "weight": pd.Series([parse_score(25)] * 4, dtype="Int64"),
                          "score": pd.Series([parse_score(s) for s in scores], dtype="Int64")})
    metrics = scoring_metrics(frame)
    assert metrics["total"] == 80
    assert metrics["grade"] == "良"


@pytest.mark.parametrize("total, expected", [(90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"),
                                             (59.99, "差"), (0, "差")])
def test_grade_bounds(total, expected):
    assert grade(parse_score(total)) == expected


@pytest.mark.parametrize("score, weight, expected", [(18, 20, "全部完成"), (17.99, 20, "大部分完成"), (16, 20, "大部分完成"),
                                                     (12, 20, "部分完成"), (11.99, 20, "不太明显")])
def test_achievement_bounds(score, weight, expected):
    assert achievement(parse_score(score), parse_score(weight)) == expected


def test_period_parsing():
    assert Period.parse("2020") == Period(2020, 2020)
    assert Period.parse(" 2019-2021 ") == Period(2019, 2021)
    assert Period.parse(2021).end == dt.date(2021, 12, 31)
    for bad in ("2021-2019", "20-21", "2019/2021", "", "2019-"):
        with pytest.raises(ParameterError):
            Period.parse(bad)


def test_milestone_done_means_by_the_periods_end_and_strict_means_by_plan():
    frame = pd.DataFrame({
        "subproject_id": ["A", "B", "C", "D"], "stage": ["启动"] * 4,
        "planned_date": [dt.date(2020, 3, 1), dt.date(2020, 3, 1), dt.date(2020, 3, 1), dt.date(2021, 3, 1)],
        "actual_date": [dt.date(2020, 2, 1), dt.date(2020, 12, 31), dt.date(2021, 1, 1), dt.date(2021, 2, 1)],
    })
    table = milestone_completion(frame, Period(2020, 2020)).set_index("stage")
    assert table.loc["启动", ["planned", "done", "on_time"]].tolist() == [3, 2, 1]
    assert table.loc["启动", "rate"] == 2 / 3
    assert table.loc["终验", "planned"] == 0 and pd.isna(table.loc["终验", "rate"])


def test_survey_share_counts_only_respondents_who_answered():
    answers = pd.DataFrame({"excel_row": [2, 3, 4, 5], "respondent": ["a", "b", "c", "d"],
                            "Q": ["好", "好", "差", None]})
    options = pd.DataFrame({"question": ["Q", "Q", "Q"], "option": ["好", "差", "中"], "order": [1, 3, 2],
                            "positive": [1, 0, 0]})
    m = survey_metrics({"survey_answers": answers, "survey_options": options})
    q = m["questions"]["Q"]
    assert m["respondents"] == 4 and q["answered"] == 3
    assert q["positive_share"] == 2 / 3
    assert list(q["options"]) == ["好", "中", "差"]  # the options' order, not the sheet's
    assert q["options"] == {"好": 2, "中": 0, "差": 1}


def test_reviews_of_a_year_are_its_months():
    reviews = pd.DataFrame({"month": ["2020-12", "2021-01", "2021-02"], "star_1": [1, 0, 0], "star_2": [0, 1, 0],
                            "star_3": [0, 0, 0], "star_4": [0, 0, 0], "star_5": [9, 9, 10]})
    m = review_metrics(reviews, Period(2021, 2021))
    assert (m["total"], m["five_star"], m["bad"], m["months"]) == (20, 19, 1, ["2021-01", "2021-02"])
    assert review_metrics(reviews, Period(2019, 2019)) is None


def test_single_year_runs_leave_survey_and_scoring_null_and_say_why(dongguan):
    m = compute_period(dongguan.tables, Period(2020, 2020), Period(2019, 2021), "x").metrics
    assert m["survey"] is None and m["scoring"] is None
    assert "2019-2021" in m["notes"]["survey"]
    assert m["public_reviews"]["months"] == ["2020-07", "2020-12"]
    m2019 = compute_period(dongguan.tables, Period(2019, 2019), Period(2019, 2021), "x").metrics
    assert m2019["public_reviews"] is None
    assert m2019["expenditure"]["budget"] == 782.82 and m2019["expenditure"]["spent"] == 726.41


def test_a_stage_with_nothing_planned_has_a_null_rate_in_json():
    import json

    frame = pd.DataFrame({"subproject_id": ["A"], "stage": ["启动"], "planned_date": [dt.date(2020, 3, 1)],
                          "actual_date": [None]})
    m = compute_period({"milestones": frame}, Period(2020, 2020), Period(2020, 2020), "x").metrics
    assert m["milestones"]["终验"] == {"planned": 0, "done": 0, "rate": None, "on_time": 0, "on_time_strict": None}
    json.dumps(m, allow_nan=False)


def test_absent_sections_are_null():
    m = compute_period({}, Period(2020, 2020), Period(2020, 2020), "x").metrics
    assert [m[k] for k in ("expenditure", "milestones", "survey", "public_reviews", "scoring")] == [None] * 5


def test_top_ranks_share_places_on_ties():
    s = pd.Series({"a": 5, "b": 3, "c": 3, "d": 1})
    assert top_ranks(s) == [["a"], ["b", "c"]]
    assert top_ranks(pd.Series({"a": 1, "b": 2, "c": 3, "d": 4})) == [["d"], ["c"], ["b"]]


def test_absent_spending_and_header_only_sheets_give_null_or_zero_not_a_crash():
    from minimal_frames import empty_like

    subs = subprojects(("A", "x", "10"))
    budget = pd.DataFrame({"subproject_id": ["A"], "year": pd.Series([2020], dtype="Int64"),
                           "initial_budget": pd.Series([parse_money(20)], dtype="Int64"),
                           "adjusted_budget": pd.Series([parse_money(10)], dtype="Int64")})
    span = Period(2020, 2020)
    m = compute_period({"subprojects": subs, "budget": budget}, span, span).metrics
    assert (m["expenditure"]["spent"], m["expenditure"]["rate"], m["expenditure"]["no_funds_issued"]) == (0.0, 0.0, 1)
    tables = {"spending": empty_like("spending"), "milestones": empty_like("milestones"),
              "public_reviews": empty_like("public_reviews"), "subprojects": subs}
    m = compute_period(tables, span, Period(2019, 2021)).metrics
    assert m["expenditure"] is None and m["milestones"] is None and m["public_reviews"] is None


def test_an_approved_amount_of_zero_is_not_approved():
    rates = subproject_spend_rates(subprojects(("A", "x", "0"), ("B", "y", "5")), payments(("B", "2020-01-01", 5)),
                                   dt.date(2020, 12, 31))
    assert rates["subproject_id"].tolist() == ["B"] and rates["band"].tolist() == ["≥100%"]


def test_a_figure_module_is_computed_once_per_tables_and_period_and_forgotten_with_its_tables():
    """The span's 历年对比 reads each year's figures again: computed once per tables object and period, each caller
    given its own copy of the numbers; other tables (another run, another evaluation) are computed for themselves."""
    import gc

    from jixiao.contract.tables import Tables
    from jixiao.figures import base
    from jixiao.figures.base import Computed, Figures, PeriodInputs

    calls = []

    def compute(inputs):
        calls.append(inputs.period.label)
        return Computed({"rate": [inputs.period.label]})

    figures = Figures("probe", (), compute)
    tables, other = Tables(), Tables()
    first = figures.compute_once(PeriodInputs(tables, Period(2020, 2020), Period(2019, 2021)))
    first.figures["rate"].append("changed by its caller")
    again = figures.compute_once(PeriodInputs(tables, Period(2020, 2020), Period(2019, 2021)))
    assert again.figures == {"rate": ["2020"]} and calls == ["2020"]
    figures.compute_once(PeriodInputs(tables, Period(2021, 2021), Period(2019, 2021)))
    figures.compute_once(PeriodInputs(other, Period(2020, 2020), Period(2019, 2021)))
    assert calls == ["2020", "2021", "2020"]
    assert Figures("after", (), compute, after=("probe",)).compute_once(
        PeriodInputs(tables, Period(2020, 2020), Period(2019, 2021))) is not None and len(calls) == 4  # not kept
    held = len(base._COMPUTED)
    del tables
    gc.collect()
    assert len(base._COMPUTED) == held - 1
