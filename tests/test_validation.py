"""One test per validation rule, each asserting the exact message an analyst reads."""

from __future__ import annotations

import pytest
from minimal import Q1, build, rows

from jixiao.evaluation import read_raw


def messages(folder, severity="error", span=(2019, 2021)):
    return [str(p) for p in read_raw(folder, span).problems if p.severity == severity]


def test_minimal_folder_is_clean(tmp_path):
    evaluation = read_raw(build(tmp_path), (2019, 2021))
    assert evaluation.problems == []


def test_negative_amount(tmp_path):
    r = rows("spending.xlsx", "支出")
    r[2][2] = -5
    assert messages(build(tmp_path, {("spending.xlsx", "支出"): r})) == [
        "error: spending.xlsx, sheet 支出, row 3, column 支付金额(万元): found -5; expected an amount >= 0"]


def test_text_in_amount(tmp_path):
    r = rows("budget.xlsx", "预算")
    r[1][3] = "待定"
    assert messages(build(tmp_path, {("budget.xlsx", "预算"): r})) == [
        "error: budget.xlsx, sheet 预算, row 2, column 调整后预算(万元): found '待定'; "
        "expected an amount in 万元: a plain number such as 1234.56 (no unit, no % sign)"]


def test_duplicate_subproject_id(tmp_path):
    r = rows("subprojects.xlsx", "子项目")
    r[3][0] = "A-1"
    assert messages(build(tmp_path, {("subprojects.xlsx", "子项目"): r})) == [
        "error: subprojects.xlsx, sheet 子项目, row 4, column 子项目编号: found 'A-1'; "
        "duplicates row 2; expected each 子项目编号 once"]


def test_duplicate_budget_year(tmp_path):
    r = rows("budget.xlsx", "预算")
    r.append(["A-1", 2020, 1, 1])
    assert messages(build(tmp_path, {("budget.xlsx", "预算"): r})) == [
        "error: budget.xlsx, sheet 预算, row 4, column 子项目编号: found 'A-1 / 2020'; "
        "duplicates row 2; expected each 子项目编号、年度 once"]


@pytest.mark.parametrize("file, sheet, header", [
    ("budget.xlsx", "预算", "子项目编号"), ("spending.xlsx", "支出", "子项目编号"), ("milestones.xlsx", "进度", "子项目编号")])
def test_unknown_subproject_id(tmp_path, file, sheet, header):
    r = rows(file, sheet)
    r[1][0] = "Z-9"
    assert messages(build(tmp_path, {(file, sheet): r})) == [
        f"error: {file}, sheet {sheet}, row 2, column {header}: found 'Z-9'; "
        "expected a 子项目编号 listed in subprojects.xlsx"]


def test_unknown_stage(tmp_path):
    r = rows("milestones.xlsx", "进度")
    r[2][1] = "验收"
    assert messages(build(tmp_path, {("milestones.xlsx", "进度"): r})) == [
        "error: milestones.xlsx, sheet 进度, row 3, column 阶段: found '验收'; "
        "expected one of the stages 启动、可研报告编制、初步设计编制、正式立项、集成实施入场、初验、终验"]


def test_duplicate_stage_of_a_subproject(tmp_path):
    r = rows("milestones.xlsx", "进度")
    r.append(["A-1", "启动", "2020-02-01", None])
    assert messages(build(tmp_path, {("milestones.xlsx", "进度"): r})) == [
        "error: milestones.xlsx, sheet 进度, row 5, column 子项目编号: found 'A-1 / 启动'; "
        "duplicates row 2; expected each 子项目编号、阶段 once"]


def test_date_not_real(tmp_path):
    r = rows("spending.xlsx", "支出")
    r[1][1] = "2020-02-30"
    assert messages(build(tmp_path, {("spending.xlsx", "支出"): r})) == [
        "error: spending.xlsx, sheet 支出, row 2, column 支付日期: found '2020-02-30'; "
        "expected a date: an Excel date or text such as 2021-06-30 (this one is not a real date)"]


def test_survey_answer_not_an_option(tmp_path):
    r = rows("survey.xlsx", "问卷")
    r[2][1] = "非常满意"
    assert messages(build(tmp_path, {("survey.xlsx", "问卷"): r})) == [
        f"error: survey.xlsx, sheet 问卷, row 3, column {Q1}: found '非常满意'; expected one of the options: 满意、一般"]


def test_survey_question_without_options(tmp_path):
    r = rows("survey.xlsx", "问卷")
    r[0].append("新问题")
    for row in r[1:]:
        row.append("是")
    assert messages(build(tmp_path, {("survey.xlsx", "问卷"): r})) == [
        "error: survey.xlsx, sheet 问卷, row 1, column 新问题: "
        "this question has no options in sheet 选项; expected its options listed there"]


def test_score_above_weight(tmp_path):
    r = rows("scoring.xlsx", "指标")
    r[1][4] = 40.5
    assert messages(build(tmp_path, {("scoring.xlsx", "指标"): r})) == [
        "error: scoring.xlsx, sheet 指标, row 2, column 得分: found 40.5; expected a score between 0 and its weight 40"]


def test_weights_not_adding_to_100_is_a_warning(tmp_path):
    r = rows("scoring.xlsx", "指标")
    r[2][3] = 50
    folder = build(tmp_path, {("scoring.xlsx", "指标"): r})
    assert messages(folder) == []
    assert messages(folder, "warning") == [
        "warning: scoring.xlsx, sheet 指标, column 分值: the weights add up to 90, not 100"]


def test_payment_to_unapproved_subproject_is_a_warning(tmp_path):
    r = rows("spending.xlsx", "支出")
    r.append(["A-3", "2021-01-05", 1, "设计费"])
    folder = build(tmp_path, {("spending.xlsx", "支出"): r})
    assert messages(folder) == []
    assert messages(folder, "warning") == [
        "warning: spending.xlsx, sheet 支出, row 5, column 子项目编号: found 'A-3'; "
        "a payment to a subproject with no 立项批复金额 (not yet approved)"]


def test_date_far_outside_the_evaluation_is_a_warning(tmp_path):
    r = rows("spending.xlsx", "支出")
    r[1][1] = "2002-05-01"
    folder = build(tmp_path, {("spending.xlsx", "支出"): r})
    assert messages(folder) == []
    assert messages(folder, "warning") == [
        "warning: spending.xlsx, sheet 支出, row 2, column 支付日期: found 2002-05-01; the date is far outside "
        "the evaluation 2019-2021; expected one between 2018-01-01 and 2023-12-31 (a typing slip?)"]


def test_absent_workbook_is_a_note_not_an_error(tmp_path):
    folder = build(tmp_path, drop=("survey.xlsx",))
    assert messages(folder) == []
    assert messages(folder, "note") == ["note: survey.xlsx: is absent: the 满意度 section has no data"]


def test_every_problem_in_one_pass(tmp_path):
    sp = rows("spending.xlsx", "支出")
    sp[1][2] = "12万元"
    ms = rows("milestones.xlsx", "进度")
    ms[1][1] = "开工"
    sc = rows("scoring.xlsx", "指标")
    sc[2][4] = 61
    found = messages(build(tmp_path, {("spending.xlsx", "支出"): sp, ("milestones.xlsx", "进度"): ms,
                                      ("scoring.xlsx", "指标"): sc}))
    assert [m.split(":")[1].strip() for m in found] == [
        "spending.xlsx, sheet 支出, row 2, column 支付金额(万元)",
        "milestones.xlsx, sheet 进度, row 2, column 阶段",
        "scoring.xlsx, sheet 指标, row 3, column 得分",
    ]


def test_approved_amount_of_zero_is_a_warning(tmp_path):
    r = rows("subprojects.xlsx", "子项目")
    r[2][4] = 0
    folder = build(tmp_path, {("subprojects.xlsx", "子项目"): r})
    assert messages(folder) == []
    assert "warning: subprojects.xlsx, sheet 子项目, row 3, column 立项批复金额(万元): found 0; an approved amount of 0 " \
           "is taken as not approved: the subproject stays outside the spend-rate bands" in messages(folder, "warning")
