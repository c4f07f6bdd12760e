"""What the reader's pages say: figures as of the period's end, labels that say what they cover, the
published report's words, full-width punctuation, one rounding rule (no notebook runs here)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from helpers import shown_texts

from jixiao.intake.cells import parse_money
from jixiao.output.export import provenance_footer, zh_punctuation
from jixiao.core.period import Period
from jixiao.figures.expenditure import approved_by
from jixiao.figures.satisfaction import positive_label, survey_shares, survey_summary
from jixiao.sections.satisfaction import summary_rows
from jixiao.contract.fields import MONEY, RATE, TEXT
from jixiao.present.format import fmt_pct
from jixiao.present.parts import table
from jixiao.sections import compute_period
from jixiao.sections.overview import key_figure_rows

SPAN = Period(2019, 2021)


def subprojects(*rows, dated: bool = True):
    """rows: (id, domain, approved 万元 or None, approval date or None)."""
    frame = pd.DataFrame({"subproject_id": [r[0] for r in rows], "name": [f"子项目{r[0]}" for r in rows],
                          "domain": [r[1] for r in rows], "unit": ["单位"] * len(rows),
                          "approved_amount": pd.Series([None if r[2] is None else parse_money(r[2]) for r in rows],
                                                       dtype="Int64")})
    frame["approval_date"] = [dt.date.fromisoformat(r[3]) if dated and r[3] else None for r in rows]
    return frame


def tables(subs):
    budget = pd.DataFrame({"subproject_id": ["A", "A", "B", "C"], "year": [2019, 2020, 2020, 2021],
                           "initial_budget": [parse_money(v) for v in (20, 30, 40, 50)],
                           "adjusted_budget": [parse_money(v) for v in (10, 20, 30, 40)]})
    spending = pd.DataFrame({"subproject_id": ["A", "B", "C"],
                             "date": [dt.date(2019, 12, 1), dt.date(2020, 6, 1), dt.date(2021, 3, 1)],
                             "amount": pd.Series([parse_money(v) for v in (10, 15, 5)], dtype="Int64")})
    return {"subprojects": subs, "budget": budget, "spending": spending}


ROWS = (("A", "基础", "100", "2019-11-01"), ("B", "民生", "50", "2020-05-01"), ("C", "民生", "80", "2021-02-01"),
        ("D", "民生", None, None))


def test_with_approval_dates_a_year_counts_only_what_was_approved_by_its_end():
    m2019 = compute_period(tables(subprojects(*ROWS)), Period(2019, 2019), SPAN).metrics["expenditure"]
    assert (m2019["subprojects"], m2019["approved_total"], m2019["no_funds_issued"]) == (1, 100.0, 0)
    assert m2019["subproject_bands"]["<60%"] == 1 and m2019["approvals_as_of"] == "period_end"
    m2020 = compute_period(tables(subprojects(*ROWS)), Period(2020, 2020), SPAN).metrics["expenditure"]
    assert (m2020["subprojects"], m2020["approved_total"]) == (2, 150.0)
    assert m2020["domains"]["民生"]["subprojects"] == 1  # C is approved in 2021
    whole = compute_period(tables(subprojects(*ROWS)), SPAN, SPAN).metrics["expenditure"]
    assert (whole["subprojects"], whole["approved_total"]) == (3, 230.0)


def test_no_funds_issued_means_approved_by_the_end_and_nothing_paid_by_the_end():
    rows = (("A", "基础", "100", "2019-11-01"), ("B", "民生", "50", "2019-12-20"), ("C", "民生", "80", "2021-02-01"))
    e = compute_period(tables(subprojects(*rows)), Period(2019, 2019), SPAN).metrics["expenditure"]
    assert e["no_funds_subprojects"] == ["B"]  # B approved, paid only in 2020; C not yet approved
    assert compute_period(tables(subprojects(*rows)), Period(2020, 2020), SPAN).metrics["expenditure"]["no_funds_issued"] == 0


def test_without_approval_dates_every_approved_subproject_counts_in_every_period_and_the_page_says_so():
    for period in (Period(2019, 2019), Period(2020, 2020), SPAN):
        e = compute_period(tables(subprojects(*ROWS, dated=False)), period, SPAN).metrics["expenditure"]
        assert (e["subprojects"], e["approved_total"], e["approvals_as_of"]) == (3, 230.0, "evaluation")
    no_column = subprojects(*ROWS).drop(columns="approval_date")
    assert list(approved_by(no_column, dt.date(2019, 12, 31))["subproject_id"]) == ["A", "B", "C"]
    results = compute_period(tables(subprojects(*ROWS, dated=False)), Period(2019, 2019), SPAN, "x")
    from jixiao.sections import get_section
    from jixiao.sections.base import SectionView
    from jixiao.sections.expenditure import approvals_note

    view = SectionView(get_section("expenditure"), "e", "x", Period(2019, 2019), SPAN, results.metrics,
                       results.frames["expenditure"])
    assert approvals_note(view) == ("子项目表没有“批复日期”，已批复子项目按评价时已知的批复情况计入每个期间"
                                    "（不区分批复于期末之前或之后）。")


def test_a_blank_approval_date_beside_dated_ones_counts_as_approved():
    rows = (("A", "基础", "100", "2019-11-01"), ("B", "民生", "50", None))
    assert list(approved_by(subprojects(*rows), dt.date(2019, 12, 31))["subproject_id"]) == ["A", "B"]


def test_dongguan_single_years_count_the_approvals_dated_by_their_end(dongguan, dongguan_metrics):
    subs = dongguan.tables["subprojects"]
    funded = subs[subs["approved_amount"].fillna(0) > 0]
    for year in (2019, 2020):
        e = compute_period(dongguan.tables, Period(year, year), SPAN).metrics["expenditure"]
        approved = funded[[d <= dt.date(year, 12, 31) for d in funded["approval_date"]]]
        assert e["subprojects"] == len(approved) < 75
        assert e["approved_total"] == int(approved["approved_amount"].sum()) / 1_000_000
        assert sum(e["subproject_bands"].values()) == len(approved)
        assert set(e["no_funds_subprojects"]) <= set(approved["subproject_id"])
    # the whole span still counts all 75, as the published report does
    assert dongguan_metrics["expenditure"]["subprojects"] == 75 and dongguan_metrics["expenditure"]["no_funds_issued"] == 2


def test_metrics_keys_say_whether_they_are_in_period_or_to_the_end(dongguan):
    e = compute_period(dongguan.tables, Period(2020, 2020), SPAN).metrics["expenditure"]
    domain = next(iter(e["domains"].values()))
    assert set(domain) == {"subprojects", "approved_total", "share_of_approved_total", "spent_to_end",
                           "spend_rate_to_end", "budget_in_period", "spent_in_period", "rate_in_period"}
    assert sum(d["spent_in_period"] for d in e["domains"].values()) <= e["spent"]
    assert round(sum(d["spent_to_end"] for d in e["domains"].values()), 2) == e["spent_to_end"]
    # the contract's keys keep their meaning: budget and spent in the period, budget_to_end from the span's start
    assert (e["budget"], e["budget_to_end"]) == (26446.40, 27229.22)
    assert e["spent"] == 26019.56 and e["paid_to_end"] == round(726.41 + 26019.56, 2)
    assert {"initial_budget_in_period", "adjustment_rate_in_period", "spend_rate_to_end", "investment_top3_to_end",
            "subproject_count_top3_to_end"} <= set(e)


def test_overview_labels_say_what_each_figure_covers(dongguan):
    single = compute_period(dongguan.tables, Period(2020, 2020), SPAN).metrics
    labels = dict(key_figure_rows("x", Period(2020, 2020), SPAN, single).values.tolist())
    assert labels["本期安排预算（万元）"] == "26,446.40" and labels["截至期末累计安排预算（2019 年起，万元）"] == "27,229.22"
    assert "本期支出率" in labels and "截至期末已批复子项目（个）" in labels and "累计安排预算（万元）" not in labels
    whole = compute_period(dongguan.tables, SPAN, SPAN).metrics
    labels = dict(key_figure_rows("x", SPAN, SPAN, whole).values.tolist())
    assert (labels["累计安排预算（万元）"], labels["支出率"]) == ("80,692.06", "98.42%")  # the seed's words
    assert labels["差评率"] == "0.0049%" and labels["“好差评”总数（2020-07 至 2022-05，条）"] == "35,806,422"
    end = SPAN.end
    assert labels["评价基准日"] == f"{end.year}年{end.month}月{end.day}日" and "统计截止日" not in labels  # the genre's word


def test_a_positive_share_is_named_after_the_options_it_adds_up():
    answers = pd.DataFrame({"respondent": ["a", "b", "c", "d"],
                            "您单位的需求是否被纳入?": ["充分纳入", "部分纳入", "充分纳入", "未纳入"],
                            "整体满意程度?": ["十分满意", "较为满意", "一般", "十分满意"]})
    options = pd.DataFrame({"question": ["您单位的需求是否被纳入?"] * 3 + ["整体满意程度?"] * 3,
                            "option": ["充分纳入", "部分纳入", "未纳入", "十分满意", "较为满意", "一般"],
                            "order": [1, 2, 3, 1, 2, 3], "positive": [1, 1, 0, 1, 1, 0]})
    shares = survey_shares(answers, options)
    summary = summary_rows(survey_summary(shares), shares).set_index("question")
    needs = summary.loc["您单位的需求是否被纳入?"]
    assert needs["positive_options"] == "充分纳入+部分纳入" and "满意" not in needs["positive_options"]
    assert needs["option_shares"] == "充分纳入 50.00%；部分纳入 25.00%"  # shown apart, as the report does
    assert summary.loc["整体满意程度?", "positive_options"] == "十分满意+较为满意"
    assert positive_label([]) == "无"


def test_the_published_check_names_the_survey_options_not_satisfaction(dongguan_metrics, dongguan):
    from jixiao.sections.published import published_comparison

    comparison = published_comparison(dongguan_metrics, dongguan.published)
    figures = comparison["figure"].tolist()
    assert "问卷“申报流程”十分合理+较为合理合计占比" in figures
    assert not [f for f in figures if "满意合计" in f]
    bad = comparison[comparison["figure"] == "差评率"].iloc[0]
    assert (bad["published"], bad["computed"], bool(bad["agrees"])) == ("0.005%", "0.0049%", True)


def test_one_rounding_rule_for_rates():
    assert [fmt_pct(v) for v in (0.984244, 1738 / 35806422, 0.00094, 0.0005, 0.000123, 0.0, None)] == [
        "98.42%", "0.0049%", "0.094%", "0.05%", "0.012%", "0.00%", "—"]


def test_chinese_prose_gets_full_width_punctuation_and_numbers_stay_as_they_are():
    html = "<p>口径:支出(万元)为 80,692.06;区间 [80%,90%) 截至 2021-12-31,75 个。\n所有数字 02:53</p><style>a{b:c}</style>"
    assert zh_punctuation(html) == ("<p>口径：支出（万元）为 80,692.06；区间 [80%,90%) 截至 2021-12-31,75 个。所有数字 02:53</p>"
                                    "<style>a{b:c}</style>")
    assert zh_punctuation('<a href="x(1),y">评价(2019)</a>') == '<a href="x(1),y">评价（2019）</a>'
    # an enumerator before Chinese text, and a question or exclamation after it, are Chinese punctuation too
    assert zh_punctuation("<h4>(1)产出数量</h4><p>“是否合理?”好!a(1)b f(2) 5?</p>") == \
        "<h4>（1）产出数量</h4><p>“是否合理？”好！a(1)b f(2) 5?</p>"


def test_full_width_punctuation_leaves_escaped_characters_whole():
    # &gt; &quot; &#39; are one character each: their semicolon is not punctuation
    assert zh_punctuation("<p>得分&gt;九十;优秀</p>") == "<p>得分&gt;九十；优秀</p>"
    assert zh_punctuation("<p>建设&quot;智慧&quot;城市,已完成</p>") == "<p>建设&quot;智慧&quot;城市，已完成</p>"
    assert zh_punctuation("<p>项目&#39;甲&#x27;(一期)</p>") == "<p>项目&#39;甲&#x27;（一期）</p>"


def test_tables_align_numbers_right_text_left_and_never_wrap_short_cells():
    frame = pd.DataFrame({"id": ["DG-2021-001"], "band": ["[80%,90%)"], "amount": [1234.5],
                          "note": ["这是一段超过三十个字的较长的中文评分说明文字，在页面宽度之内需要折成两行或者更多行"]})
    html = table("x.t", frame, {"id": ("子项目编号", TEXT), "band": ("区间", TEXT), "amount": ("金额（万元）", MONEY),
                                "note": ("评分说明", TEXT)}).html()
    assert '<td class="jx-text">DG-2021-001</td>' in html and '<td class="jx-text">[80%,90%)</td>' in html
    assert '<td class="jx-num">1,234.50</td>' in html and '<td class="jx-text jx-wrap">这是' in html
    assert 'class="dataframe jx-table jx-short jx-wide"' in html


def test_the_provenance_appendix_gives_paths_relative_to_the_project():
    from jixiao.core.config import PROJECT_ROOT

    html = provenance_footer({"period": "2019", "raw_dir": str(PROJECT_ROOT / "data" / "raw" / "x")},
                             {"a.xlsx": "0" * 64}, "2026-01-01T00:00:00+00:00", 1.25)
    assert html.startswith('<section class="jx-provenance" id="jx-provenance"><h2>附录：数据来源与生成信息</h2>')
    assert "period = 2019；raw_dir = data/raw/x" in html and str(PROJECT_ROOT) not in html
    assert "输入 a.xlsx</td><td>SHA-256 " + "0" * 64 in html and "运行用时 1.2 秒" in html


def test_achievement_wording_only_for_output_and_effect(dongguan, monkeypatch):
    from jixiao.sections import get_section, scoring
    from jixiao.sections.base import SectionView

    from jixiao.present.parts import TablePart

    results = compute_period(dongguan.tables, SPAN, SPAN, "x")
    shown = scoring.summary(SectionView(get_section("scoring"), "e", "x", SPAN, SPAN, results.metrics,
                                        results.frames["scoring"]))
    graded = [t for t in shown if isinstance(t, TablePart) and t.headers[-1] == "等级评价结果"]
    assert [t.key for t in graded] == ["scoring.goals"]
    # each goal in its own words: the published 预期产出目标 on the 效益 row is a slip of that report, not a rule
    assert graded[0].rows == [("产出", 0.796, "预期产出目标部分完成"), ("效益", 0.78, "预期效益目标部分完成")]


def test_a_figure_that_differs_from_the_printed_one_gets_a_footnote_on_its_page(dongguan, monkeypatch):
    results = compute_period(dongguan.tables, SPAN, SPAN, "x", dongguan.published)
    texts = shown_texts("satisfaction", "public_reviews", results, monkeypatch=monkeypatch)
    assert any("注：五星好评率，已发布报告刊印 99.99%，由数据计算为 99.97%" in t for t in texts)
    assert any("统计月份 2020-07 至 2022-05" in t and "晚于本期末 2021-12-31" in t for t in texts)
    texts = shown_texts("milestones", "completion", results, monkeypatch=monkeypatch)
    assert any("注：已启动子项目（个，正文），已发布报告刊印 75，由数据计算为 96" in t for t in texts)
    texts = shown_texts("expenditure", "budget_execution", results, monkeypatch=monkeypatch)
    assert any("已发布报告刊印 7.08，由数据计算为 8.07" in t for t in texts)
    single = compute_period(dongguan.tables, Period(2020, 2020), SPAN, "x", dongguan.published)
    assert not any("注：" in t for t in shown_texts("satisfaction", "public_reviews", single, Period(2020, 2020),
                                                    monkeypatch))


def test_the_template_offers_the_approval_date_and_says_what_it_does(tmp_path):
    from openpyxl import load_workbook

    from jixiao.intake.template import write_templates

    write_templates(tmp_path)
    ws = load_workbook(tmp_path / "subprojects.xlsx")["子项目"]
    header = next(c for c in ws[1] if c.value == "批复日期")
    assert "各报告期间只计期末前已批复的子项目" in header.comment.text
    assert ws.cell(2, header.column).value == dt.datetime(2020, 5, 20) and ws.cell(2, header.column).number_format == "yyyy-mm-dd"


def test_the_published_check_shows_only_where_there_are_published_figures(dongguan, monkeypatch):
    whole = compute_period(dongguan.tables, SPAN, SPAN, "x", dongguan.published)
    assert shown_texts("overview", "published_check", whole, monkeypatch=monkeypatch)  # the check, its heading
    one_year = compute_period(dongguan.tables, Period(2020, 2020), SPAN, "x", dongguan.published)
    assert shown_texts("overview", "published_check", one_year, period=Period(2020, 2020), monkeypatch=monkeypatch) == []
    unpublished = compute_period(dongguan.tables, SPAN, SPAN, "x", None)
    assert shown_texts("overview", "published_check", unpublished, monkeypatch=monkeypatch) == []


def test_a_total_row_sums_counts_money_and_shares_and_recomputes_the_rate():
    from jixiao.sections.expenditure import with_total

    frame = pd.DataFrame({"domain": ["甲", "乙"], "subprojects": [2, 3], "approved_wan": [1.005, 2.115],
                          "share": [0.4, 0.6], "adjusted_budget_wan": [10.0, 30.0], "spent_wan": [5.0, 1.0],
                          "rate": [0.5, 1 / 30]})
    total = with_total(frame, "domain", rate=("spent_wan", "adjusted_budget_wan")).iloc[-1].to_dict()
    assert total == {"domain": "合计", "subprojects": 5, "approved_wan": 3.12, "share": 1.0,
                     "adjusted_budget_wan": 40.0, "spent_wan": 6.0, "rate": 0.15}
    assert with_total(frame.iloc[:0], "domain").empty  # nothing to add up: no 合计 row
