"""The annual 项目支出绩效自评表: its numbers (figures.selfeval), the sheet 年度指标, the layouts and 自评表.xlsx."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import write_workbook
from jixiao.contract.params import SelfEvaluationSettings, parse_self_evaluation
from jixiao.contract.rules import round_half_up
from jixiao.contract.selfeval_layouts import LAYOUTS, NATIONAL, PROVINCIAL, check_layout
from jixiao.contract.sheets import Layout
from jixiao.contract.tables import Tables
from jixiao.core.period import Period
from jixiao.core.problems import ParameterError
from jixiao.core.units import FEN_PER_WAN, SCORE_SCALE
from jixiao.figures.scoring import grade
from jixiao.contract.selfeval import PENDING
from jixiao.figures.selfeval import self_evaluation_form
from jixiao.intake.folder import load_evaluation, read_raw
from jixiao.output.selfeval_form import (
    FILE_NAME,
    PLACEHOLDER,
    form_frame,
    form_xlsx_bytes,
    selfeval_fields,
    write_form_xlsx,
)
from jixiao.sections import compute_period

WAN = FEN_PER_WAN


def _budget(*rows):
    """(year, initial 万元, adjusted 万元) -> the budget table in fen."""
    return pd.DataFrame({"excel_row": range(2, 2 + len(rows)), "subproject_id": [f"XM-{i}" for i in range(len(rows))],
                         "year": [r[0] for r in rows], "initial_budget": [r[1] * WAN for r in rows],
                         "adjusted_budget": [r[2] * WAN for r in rows]})


def _spending(*rows):
    """(date, amount in fen) -> the spending table."""
    return pd.DataFrame({"excel_row": range(2, 2 + len(rows)), "subproject_id": ["XM-0"] * len(rows),
                         "date": [r[0] for r in rows], "amount": [r[1] for r in rows]})


def _scoring(*rows):
    """(level1, level2, level3, weight, calculation_basis, method, target, rule_params)."""
    return pd.DataFrame({"excel_row": range(2, 2 + len(rows)), "level1": [r[0] for r in rows],
                         "level2": [r[1] for r in rows], "level3": [r[2] for r in rows],
                         "weight": [r[3] * SCORE_SCALE for r in rows], "score": [r[3] * SCORE_SCALE for r in rows],
                         "calculation_basis": [r[4] for r in rows], "method": [r[5] for r in rows],
                         "target": [r[6] for r in rows], "rule_params": [r[7] for r in rows]})


def _targets(*rows):
    """(year, level3, nature, target, unit, weight, actual, reason)."""
    return pd.DataFrame({"excel_row": range(2, 2 + len(rows)), "year": [r[0] for r in rows],
                         "level3": [r[1] for r in rows], "nature": [r[2] for r in rows],
                         "target": [r[3] for r in rows], "unit": [r[4] for r in rows],
                         "weight": [r[5] * SCORE_SCALE for r in rows], "actual": [r[6] for r in rows],
                         "score": [None] * len(rows), "reason": [r[7] for r in rows]})


BUDGET = _budget((2020, 600, 500), (2020, 400, 300), (2021, 100, 100))
# 2020: 700 万元 paid in the year (one payment before, one after do not count), adjusted budget 800 万元
SPENDING = _spending((dt.date(2019, 12, 31), 50 * WAN), (dt.date(2020, 1, 1), 300 * WAN),
                     (dt.date(2020, 12, 31), 400 * WAN), (dt.date(2021, 1, 1), 90 * WAN))
SCORING = _scoring(("决策", "项目立项", "立项依据充分性", 10, None, None, None, None),
                   ("产出", "产出数量", "启动完成率", 40, "stage_completion_rate:启动", "比例", None, None),
                   ("产出", "产出质量", "培训人次", 20, None, None, None, None),
                   ("效益", "满意度", "公众满意度", 30, None, None, None, None))
# the year's milestones: 4 planned to start, 3 started
METRICS = {"milestones": {"启动": {"planned": 4, "done": 3, "on_time": 2}}}


def test_budget_execution_by_the_default_rule_rate_times_weight_capped():
    tables = Tables(budget=BUDGET, spending=SPENDING, scoring=SCORING)
    form = self_evaluation_form(tables, 2020, METRICS)
    total = form.execution
    assert (total.initial, total.adjusted, total.spent) == (Decimal(1000), Decimal(800), Decimal(700))
    assert total.rate == Fraction(700, 800)
    assert total.weight == 10 and total.score == Fraction(875, 100)  # 87.5% × 10
    # no split by source in the budget sheet: the fiscal row is the whole, other funds blank
    assert (form.funds["fiscal"].adjusted, form.funds["fiscal"].spent) == (Decimal(800), Decimal(700))
    assert form.funds["other"].spent is None and form.funds["other"].rate is None
    overspent = Tables(budget=BUDGET, spending=_spending((dt.date(2021, 3, 1), 120 * WAN)), scoring=SCORING)
    capped = self_evaluation_form(overspent, 2021, METRICS).execution
    assert capped.rate == Fraction(120, 100) and capped.score == 10  # 120% scores the whole 分值, no more


def test_a_step_rule_with_the_90_percent_note_replaces_the_default():
    settings = parse_self_evaluation({"layout": "provincial", "分值": 20,
                                      "rule": {"计分方法": "阶梯", "计分参数": "95%:1; 90%:0.8; 0:0.5"}})
    tables = Tables(budget=BUDGET, spending=SPENDING, scoring=SCORING)
    form = self_evaluation_form(tables, 2020, METRICS, settings, note_below=PROVINCIAL.note_below)
    assert form.execution.rate == Fraction(7, 8)
    assert form.execution.score == 10  # 87.5% is below 90%: factor 0.5 of 20
    assert form.explanation is PENDING and form.draft  # below 90%: the reason is wanted
    explained = dataclasses.replace(settings, explanations={2020: "年底集中支付未完成"})
    form = self_evaluation_form(tables, 2020, METRICS, explained, note_below=PROVINCIAL.note_below)
    assert form.explanation == "年底集中支付未完成"
    assert "预算执行率未达到要求的原因" not in form.pending_cells()
    with pytest.raises(ParameterError, match="计分参数"):
        parse_self_evaluation({"rule": {"计分方法": "阶梯"}})
    with pytest.raises(ParameterError, match="layout"):
        parse_self_evaluation({"layout": "no-such-province"})


def test_a_missed_target_needs_its_reason_and_makes_a_draft():
    targets = _targets((2020, "启动完成率", "≥", "90%", "%", 40, None, None),
                       (2020, "培训人次", "≥", "500", "人次", 20, "420", None),
                       (2020, "公众满意度", "≥", "85%", "%", 30, "0.9", None))
    tables = Tables(budget=BUDGET, spending=SPENDING, scoring=SCORING, annual_targets=targets)
    settings = parse_self_evaluation({"主管部门": "某县教育局", "实施单位": "某县教育局",
                                      "年度总体目标": {2020: {"预期目标": "完成启动", "实际完成情况": "基本完成"}}})
    form = self_evaluation_form(tables, 2020, METRICS, settings, project="某项目")
    started, trained, satisfied = form.indicators
    # linked: the year's 启动 completion 3/4 through the score sheet's rule (比例 to 100%) on the year's 40 points
    assert started.computed and started.actual.number == Fraction(3, 4)
    assert started.score == round_half_up(40 * Fraction(3, 4)) and started.missed
    assert started.reason is PENDING
    assert trained.missed and trained.reason is PENDING and trained.score is PENDING  # 420 < 500: judged by hand
    assert not satisfied.missed and satisfied.score == 30 and satisfied.reason is None  # 90% reached: full points
    assert form.draft and form.total_score is PENDING
    assert form.pending_cells() == ["启动完成率.reason", "培训人次.score", "培训人次.reason", "总分.得分"]
    sheet = load_workbook(io.BytesIO(form_xlsx_bytes(form))).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    reason_column = NATIONAL.indicator_heading.index(
        next(c for c in NATIONAL.indicator_heading if c.text == "偏差原因分析及改进措施")) + 1
    trained_row = next(r for r in rows if r[3] == "培训人次")
    assert trained_row[reason_column] == PLACEHOLDER and trained_row[7] == PLACEHOLDER
    assert rows[-1][0] == f"草稿:尚有 4 处{PLACEHOLDER},填写后方为定稿。"
    # once the reason and the score are given, the form is final and graded
    filled = targets.assign(reason=["启动滞后", "培训延至次年", None], score=[None, 15 * SCORE_SCALE, None])
    form = self_evaluation_form(dataclasses.replace(tables, annual_targets=filled), 2020, METRICS, settings,
                                project="某项目")
    expected = Fraction(875, 100) + round_half_up(40 * Fraction(3, 4)) + 15 + 30
    assert not form.draft and form.total_score == expected and form.total_weight == 100
    assert form.grade == grade(int(expected * SCORE_SCALE))
    fields = selfeval_fields(form)
    assert fields["总分"] == float(expected) and fields["状态"] == "定稿" and fields["执行率"] == 0.875
    assert fields["指标"]["培训人次"]["实际完成值"] == "420" and fields["指标"]["启动完成率"]["实际完成值"] == "75.00%"


def test_weights_that_do_not_make_100_with_the_declared_execution_weight_are_refused():
    targets = _targets((2020, "启动完成率", "≥", "90%", "%", 40, None, None),
                       (2020, "培训人次", "≥", "500", "人次", 20, "600", None),
                       (2020, "公众满意度", "≥", "85%", "%", 30, "0.9", None))
    tables = Tables(budget=BUDGET, spending=SPENDING, scoring=SCORING, annual_targets=targets)
    with pytest.raises(ParameterError, match="应为 100"):
        self_evaluation_form(tables, 2020, METRICS, parse_self_evaluation({"分值": 20}))


def _sheet_folder(tmp_path, rows, header=("年度", "三级指标", "指标性质", "年度指标值", "度量单位", "分值", "实际完成值")):
    folder = tmp_path / "raw"
    write_workbook(folder / "scoring.xlsx", {"指标": [
        ["一级指标", "二级指标", "三级指标", "分值", "得分", "计分依据", "计分方法"],
        ["决策", "项目立项", "立项依据充分性", 10, 8, None, None],
        ["产出", "产出数量", "启动完成率", 50, 40, "stage_completion_rate:启动", "比例"],
        ["效益", "满意度", "公众满意度", 40, 35, None, None]]})
    write_workbook(folder / "annual_targets.xlsx", {"年度指标": [list(header), *rows]})
    return folder


def test_the_annual_targets_sheet_is_read_through_the_departments_headers_and_its_absence_is_no_news(tmp_path):
    folder = _sheet_folder(tmp_path, [[2020, "启动完成率", "≥", "95%", "%", 50, None],
                                      [2020, "公众满意度", ">=", "90%", "%", 40, "0.92"]],
                           header=("年度", "指标名称", "指标性质", "年度指标值", "度量单位", "分值", "实际完成值"))
    layout = Layout(columns={"annual_targets.xlsx": {"指标名称": "三级指标"}})
    found = read_raw(folder, (2020, 2020), layout)
    assert [str(p) for p in found.errors] == []
    frame = found.tables.annual_targets
    assert frame["level3"].tolist() == ["启动完成率", "公众满意度"] and frame["weight"].tolist() == [50 * SCORE_SCALE,
                                                                                                  40 * SCORE_SCALE]
    first = load_evaluation(folder, tmp_path / "cache", span=(2020, 2020), layout=layout)
    again = load_evaluation(folder, tmp_path / "cache", span=(2020, 2020), layout=layout)  # from the parquet cache
    pd.testing.assert_frame_equal(first.tables.annual_targets, again.tables.annual_targets)
    (folder / "annual_targets.xlsx").unlink()
    absent = read_raw(folder, (2020, 2020))
    assert absent.tables.annual_targets is None
    assert not [p for p in absent.problems if p.file == "annual_targets.xlsx"]


@pytest.mark.parametrize("row, column, value, says", [
    ([2020, "不存在的指标", "≥", "95%", "%", 50, None], "三级指标", "不存在的指标", "评分表(指标)中没有这个三级指标"),
    ([2020, "启动完成率", "大约", "95%", "%", 50, None], "指标性质", "大约", "指标性质应为 ≥、≤ 或 ="),
    ([2020, "启动完成率", "≥", "较好", None, 50, None], "年度指标值", "较好", "年度指标值应为数值或百分数"),
    ([2020, "启动完成率", "=", "120", "个", 50, None], "年度指标值", "120", "应为百分数"),
    ([2020, "启动完成率", "≥", "95%", "%", 45, None], "分值", "85", "2020 年的分值合计为 85"),
])
def test_each_refusal_of_the_annual_targets_sheet_names_its_cell(tmp_path, row, column, value, says):
    folder = _sheet_folder(tmp_path, [row, [2020, "公众满意度", "≥", "90%", "%", 40, "0.92"]])
    errors = [p for p in read_raw(folder, (2020, 2020)).errors if p.file == "annual_targets.xlsx"]
    assert len(errors) == 1, [str(p) for p in errors]
    (error,) = errors
    assert (error.sheet, error.row, error.column, str(error.value)) == ("年度指标", 2 if column != "分值" else 3,
                                                                         column, value)
    assert says in error.text


def test_the_weight_sum_follows_the_execution_weight_the_params_file_declares(tmp_path):
    folder = _sheet_folder(tmp_path, [[2020, "启动完成率", "≥", "95%", "%", 40, None],
                                      [2020, "公众满意度", "≥", "90%", "%", 40, "0.92"]])
    assert [e.column for e in read_raw(folder, (2020, 2020)).errors] == ["分值"]  # 80 + the default 10
    params = tmp_path / "params.yaml"
    params.write_text("evaluation: raw\nraw_dir: raw\nspan: 2020\nself_evaluation: {分值: 20}\n", encoding="utf-8")
    from jixiao.contract.params import load_params

    layout = load_params(params).layout
    assert layout.execution_weight == "20" and Layout.from_dict(layout.as_dict()) == layout
    assert read_raw(folder, (2020, 2020), layout).errors == []


def test_the_declared_layouts_are_sound_and_a_third_is_a_declaration():
    assert {name: check_layout(layout) for name, layout in LAYOUTS.items()} == {"national": [], "provincial": []}
    narrow = dataclasses.replace(NATIONAL, name="narrow", column_widths=NATIONAL.column_widths[:-1])
    assert check_layout(narrow) == ["8 column widths for 9 columns"]


# --- Dongguan ------------------------------------------------------------------------------------


def _year_figures(tables, year: int) -> dict:
    """The year's funds and linked figures straight from the validated tables, not through figures/."""
    budget = tables.budget[tables.budget["year"] == year]
    paid = sum(int(a) for d, a in zip(tables.spending["date"], tables.spending["amount"]) if d.year == year)
    adjusted = int(budget["adjusted_budget"].sum())
    stones = tables.milestones
    end = dt.date(year, 12, 31)
    stage_rates = {}
    for stage, rows in stones.groupby("stage"):
        planned = rows[[d.year == year for d in rows["planned_date"]]]
        done = sum(1 for a in planned["actual_date"] if a is not None and not pd.isna(a) and pd.Timestamp(a) <= pd.Timestamp(end))
        stage_rates[stage] = Fraction(done, len(planned)) if len(planned) else None
    reviews = tables.public_reviews[[m.startswith(str(year)) for m in tables.public_reviews["month"]]]
    stars = sum(int(reviews[f"star_{i}"].sum()) for i in range(1, 6))
    return {"initial": Decimal(int(budget["initial_budget"].sum())) / WAN, "adjusted": Decimal(adjusted) / WAN,
            "spent": Decimal(paid) / WAN, "rate": Fraction(paid, adjusted), "stages": stage_rates,
            "five_star": Fraction(int(reviews["star_5"].sum()), stars) if stars else None}


@pytest.fixture(scope="module")
def dongguan_forms(dongguan):
    span = Period(2019, 2021)
    forms = {}
    for year in span.years:
        metrics = compute_period(dongguan.tables, Period(year, year), span, "东莞").metrics
        forms[year] = self_evaluation_form(dongguan.tables, year, metrics, project="东莞")
    return forms


@pytest.mark.parametrize("year", [2019, 2020, 2021])
def test_each_dongguan_year_fills_the_form_from_its_own_tables(dongguan, dongguan_forms, year):
    form, expected = dongguan_forms[year], _year_figures(dongguan.tables, year)
    total = form.execution
    assert (total.initial, total.adjusted, total.spent) == (expected["initial"], expected["adjusted"], expected["spent"])
    assert total.rate == expected["rate"]
    assert total.score == round_half_up(10 * min(expected["rate"], Fraction(1)))
    linked = {i.level3: i for i in form.indicators if i.figure}
    stage_of = {i.level3: i.figure.split(":", 1)[1] for i in linked.values() if i.figure.startswith("stage_")}
    for name, stage in stage_of.items():
        rate = expected["stages"].get(stage)
        assert (linked[name].actual is PENDING) == (rate is None), name
        if rate is not None:
            assert linked[name].actual.number == rate, name
            assert (linked[name].reason is PENDING) == (rate < linked[name].target.number), name
    five_star = next(i for i in linked.values() if i.figure == "five_star_rate")
    assert (five_star.actual is PENDING) == (expected["five_star"] is None)
    if expected["five_star"] is not None:
        assert five_star.actual.number == expected["five_star"]
    survey = next(i for i in linked.values() if i.figure == "survey_positive_share")
    assert survey.actual is PENDING  # the survey carries no dates: no year has it
    assert form.draft  # no 年度指标 sheet: the weights are the department's to fill


@pytest.mark.parametrize("year", [2019, 2020, 2021])
def test_dongguan_xlsx_has_the_layout_the_numbers_and_their_formats(tmp_path, dongguan, dongguan_forms, year):
    form, expected = dongguan_forms[year], _year_figures(dongguan.tables, year)
    path = write_form_xlsx(tmp_path / str(year), form)
    assert path.name == FILE_NAME
    wb = load_workbook(path)
    ws = wb.active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:I1", "A2:I2", "C3:I3"} <= merged
    assert (ws["A1"].value, ws["A2"].value) == ("项目支出绩效自评表", f"({year}年度)")
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    heading_row = cells["一级指标"].row
    assert [ws.cell(heading_row, c).value for c in range(2, 10)] == [
        "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    funds_heading = cells["年初预算数"].row
    assert [ws.cell(funds_heading, c).value for c in range(4, 10)] == [
        "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    total_row = cells["年度资金总额"].row
    values = [ws.cell(total_row, c) for c in range(4, 10)]
    assert [v.value for v in values] == [float(expected["initial"]), float(expected["adjusted"]),
                                         float(expected["spent"]), 10, float(expected["rate"]),
                                         float(round_half_up(10 * min(expected["rate"], Fraction(1))))]
    assert [v.number_format for v in values] == ["#,##0.00"] * 3 + ["General", "0.00%", "0.00"]
    assert ws.cell(cells["其他资金"].row, 4).value is None  # blank by design, not a placeholder
    assert cells["主管部门"].row == 4 and ws.cell(4, 3).value == PLACEHOLDER
    assert f"A{cells['绩效指标'].row}:A{cells['绩效指标'].row + len(form.indicators)}" in merged
    assert ws.print_area == f"'{ws.title}'!$A$1:$I${ws.max_row}"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)  # 9: A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.cell(ws.max_row, 1).value.startswith("草稿:尚有")


def test_dongguan_with_annual_targets_is_scored_and_graded(dongguan):
    span = Period(2019, 2021)
    metrics = compute_period(dongguan.tables, Period(2021, 2021), span, "东莞").metrics
    targets = _targets((2021, "子项目启动率", "≥", "95%", "%", 30, None, "部分子项目需求变更"),
                       (2021, "终验通过率", "≥", "90%", "%", 30, None, None),
                       (2021, "公众满意度", "≥", "99%", "%", 30, None, None))
    tables = dataclasses.replace(dongguan.tables, annual_targets=targets)
    form = self_evaluation_form(tables, 2021, metrics, SelfEvaluationSettings(), project="东莞")
    expected = _year_figures(dongguan.tables, 2021)
    rules = {"子项目启动率": expected["stages"]["启动"], "终验通过率": expected["stages"]["终验"]}
    scores = {name: round_half_up(30 * min(rate, Fraction(1))) for name, rate in rules.items()}  # 比例 to 100%
    five = expected["five_star"]  # 阶梯 99%:1; 95%:0.8; 90%:0.6; 0:0 in the score sheet
    scores["公众满意度"] = 30 * next(f for bound, f in ((Fraction(99, 100), 1), (Fraction(95, 100), Fraction(8, 10)),
                                                   (Fraction(9, 10), Fraction(6, 10)), (0, 0)) if five >= bound)
    assert {i.level3: i.score for i in form.indicators} == scores
    execution = round_half_up(10 * min(expected["rate"], Fraction(1)))
    assert form.total_score == execution + sum(scores.values())
    assert form.grade == grade(int(form.total_score * SCORE_SCALE))
    frame = form_frame(form)
    assert str(frame["全年执行数(万元)"].dtype) == "decimal128(18, 6)[pyarrow]"
    assert frame.loc[frame["项目"] == "总分", "得分"].iloc[0] == Decimal(form.total_score.numerator) / form.total_score.denominator
    assert str(frame["执行率"].dtype) == "Float64"


def test_ev_self_evaluation_returns_the_form_as_a_typed_table():
    import jixiao as jx

    ev = jx.open("dongguan-2019-2021")
    frame = ev.self_evaluation(2020)
    expected = _year_figures(ev.tables, 2020)  # ev.tables: dates as datetime64
    total = frame[frame["项目"] == "年度资金总额"].iloc[0]
    assert total["全年执行数(万元)"] == expected["spent"] and total["全年预算数(万元)"] == expected["adjusted"]
    assert total["执行率"] == float(expected["rate"])
    assert frame["部分"].tolist()[:3] == ["项目资金"] * 3 and frame["部分"].iloc[-1] == "总分"
    with pytest.raises(ParameterError, match="一个年度"):
        ev.self_evaluation("2019-2021")
