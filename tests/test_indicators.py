"""Indicator scores recomputed from the data: each method, exact half-up rounding, malformed rules
as validation errors naming file/sheet/row/column, a mis-entered score flagged, the Dongguan links."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
from conftest import write_workbook

from jixiao.contract.sheets import SCORE_SCALE, STAGES
from jixiao.intake.folder import read_raw
from jixiao.contract.rules import INDICATOR_FIGURES, RuleError, parse_rule
from jixiao.figures.indicators import checks_differ, figure_fractions, score_check_table, score_checks, scoring_checks

HEADER = ["一级指标", "二级指标", "三级指标", "分值", "得分", "计分依据", "计分方法", "目标值", "计分参数"]


def scoring_frame(*rows) -> pd.DataFrame:
    """A 指标 frame as the loader gives it: rows (三级指标, 分值, 得分, 计分依据, 方法, 目标值, 参数)."""
    return pd.DataFrame({
        "excel_row": [i + 2 for i in range(len(rows))],
        "level1": ["产出"] * len(rows), "level2": ["产出时效"] * len(rows),
        "level3": [r[0] for r in rows],
        "weight": pd.Series([round(r[1] * SCORE_SCALE) for r in rows], dtype="Int64"),
        "score": pd.Series([round(r[2] * SCORE_SCALE) for r in rows], dtype="Int64"),
        "note": [None] * len(rows),
        **{col: [r[i] for r in rows] for i, col in enumerate(("calculation_basis", "method", "target", "rule_params"),
                                                              start=3)},
    })


def computed(weight, value, method, target=None, params=None, entered=0):
    table = score_check_table(scoring_frame(("指标", weight, entered, "budget_execution_rate", method, target, params)),
                              {"budget_execution_rate": value})
    return table.loc[0, "computed"]


# --- the methods -------------------------------------------------------------------------------


def test_proportional_below_and_above_target():
    assert computed(4, Fraction(90, 100), "比例", "95%") == 3.79  # 4 × 0.90/0.95 = 3.789…
    assert computed(4, Fraction(99, 100), "比例", "95%") == 4.00  # capped at the weight
    assert computed(4, Fraction(95, 100), "比例", "0.95") == 4.00  # exactly the target
    assert computed(4, Fraction(1, 2), "比例") == 2.00  # 目标值 defaults to 100%


@pytest.mark.parametrize("value, expected", [
    (Fraction(96, 100), 5.00), (Fraction(95, 100), 5.00),  # the threshold itself is reached
    (Fraction(9499, 10000), 4.00), (Fraction(90, 100), 4.00),
    (Fraction(85, 100), 3.00), (Fraction(80, 100), 3.00),
    (Fraction(7999, 10000), 0.00), (Fraction(0), 0.00),
])
def test_stepped_each_band(value, expected):
    assert computed(5, value, "阶梯", params="95%:1; 90%:0.8; 80%:0.6; 0:0") == expected


def test_stepped_below_every_threshold_scores_zero():
    assert computed(5, Fraction(1, 2), "阶梯", params="0.9:1；0.6:0.5") == 0.00
    assert computed(5, Fraction(6, 10), "阶梯", params="0.9:1；0.6:0.5") == 2.50


@pytest.mark.parametrize("value, expected", [
    (Fraction(1), 3.00), (Fraction(12, 10), 3.00),  # at or above the target: nothing off
    (Fraction(995, 1000), 3.00),  # half a step below: not a full step
    (Fraction(975, 1000), 2.00),  # 2.5% below: two full steps
    (Fraction(97, 100), 1.50),  # exactly three steps
    (Fraction(1, 2), 0.00),  # fifty steps would be 25 points: never below 0
])
def test_deduction_full_steps_only_and_floor_at_zero(value, expected):
    assert computed(3, value, "扣分", "100%", "1%:0.5") == expected


def test_deduction_counts_below_its_own_target():
    assert computed(3, Fraction(88, 100), "扣分", "90%", "1%:0.5") == 2.00


def test_computed_scores_round_half_up_exactly():
    # 3 × 0.555 = 1.665 exactly: half-up gives 1.67 (a float product is 1.66499…, half-even 1.66)
    assert computed(3, Fraction(555, 1000), "比例") == 1.67
    assert computed(1, Fraction(125, 1000), "比例") == 0.13
    assert computed(1, Fraction(1249, 10000), "比例") == 0.12


# --- checks -----------------------------------------------------------------------------------


def test_a_mis_entered_score_is_flagged():
    frame = scoring_frame(
        ("预算执行率", 4, 3.49, "budget_execution_rate", "比例", None, None),  # 4 × 98.42% = 3.94: typed 3.49
        ("支出率", 4, 3.945, "budget_execution_rate", "比例", None, None),  # 0.005 apart: within tolerance
        ("支出率二", 4, 3.9451, "budget_execution_rate", "比例", None, None),  # just over 0.005
        ("说明性指标", 4, 2, None, None, None, None),  # not linked
    )
    checks = score_checks(frame, {"budget_execution_rate": Fraction(9842, 10000)})
    assert checks == [
        {"indicator": "预算执行率", "metric": "budget_execution_rate", "value": 0.9842, "method": "比例",
         "computed": 3.94, "entered": 3.49, "differs": True},
        {"indicator": "支出率", "metric": "budget_execution_rate", "value": 0.9842, "method": "比例",
         "computed": 3.94, "entered": 3.945, "differs": False},
        {"indicator": "支出率二", "metric": "budget_execution_rate", "value": 0.9842, "method": "比例",
         "computed": 3.94, "entered": 3.9451, "differs": True},
    ]
    assert checks_differ(checks) == 2


def test_checks_are_null_when_no_row_is_linked():
    unlinked = scoring_frame(("立项依据充分性", 5, 4.5, None, None, None, None))
    assert score_checks(unlinked, {}) is None
    assert checks_differ(None) is None
    assert scoring_checks(unlinked.drop(columns=["calculation_basis", "method", "target", "rule_params"]), {}) == {
        "checks": None, "checks_differ": None}


def test_a_figure_without_data_is_not_checked():
    frame = scoring_frame(("满意度", 4, 3.6, "survey_positive_share", "比例", None, None))
    assert score_checks(frame, {"survey_positive_share": None}) == [
        {"indicator": "满意度", "metric": "survey_positive_share", "value": None, "method": "比例",
         "computed": None, "entered": 3.6, "differs": None}]
    assert checks_differ(score_checks(frame, {})) == 0


def test_the_chinese_name_of_a_figure_links_as_its_key():
    frame = scoring_frame(("好评", 2, 2, "五星好评率", "比例", None, None))
    assert score_check_table(frame, {"five_star_rate": Fraction(1)})["metric"].tolist() == ["five_star_rate"]


def test_rules_read_back_as_printed():
    assert str(parse_rule("比例", "0.95").target) == "19/20"
    from jixiao.contract.rules import describe_rule

    assert describe_rule(parse_rule("扣分", "90%", "1%:0.5")) == "扣分,目标值 90%,每低 1% 扣 0.5 分"
    assert describe_rule(parse_rule("阶梯", None, "95%:1; 0:0")) == "阶梯 95%:1; 0%:0"


# --- figures from a metrics dict --------------------------------------------------------------


def small_metrics() -> dict:
    stages = {s: {"planned": 0, "done": 0, "rate": None, "on_time": 0, "on_time_strict": None} for s in STAGES}
    stages["启动"] = {"planned": 4, "done": 3, "rate": 0.75, "on_time": 2, "on_time_strict": 0.5}
    stages["初验"] = {"planned": 2, "done": 2, "rate": 1.0, "on_time": 1, "on_time_strict": 0.5}
    return {
        "expenditure": {"budget": 100.0, "spent": 60.25, "approved_total": 150.5, "spent_to_end": 70.25},
        "milestones": stages,
        "survey": {"respondents": 3, "questions": {
            "甲?": {"answered": 3, "positive": 2}, "乙?": {"answered": 2, "positive": 2}}},
        "public_reviews": {"total": 7, "five_star": 6},
    }


def test_figures_from_a_metrics_dict_are_exact():
    figures = figure_fractions(small_metrics())
    assert figures["budget_execution_rate"] == Fraction(6025, 10000)
    assert figures["spend_rate_approved"] == Fraction(7025, 15050)
    assert figures["milestone_completion_rate"] == Fraction(5, 6)
    assert figures["milestone_on_time_rate"] == Fraction(3, 6)
    assert figures["survey_positive_share"] == Fraction(4, 5)
    assert figures["five_star_rate"] == Fraction(6, 7)
    assert figures["stage_completion_rate:启动"] == Fraction(3, 4)
    assert figures["stage_completion_rate:初验"] == 1
    assert figures["stage_completion_rate:终验"] is None  # nothing planned
    assert set(figures) == set(INDICATOR_FIGURES)
    assert float(figure_fractions(small_metrics())["five_star_rate"]) == 6 / 7


def test_figures_of_absent_sections_are_none():
    figures = figure_fractions({"expenditure": None, "milestones": None, "survey": None, "public_reviews": None})
    assert set(figures.values()) == {None}


def test_survey_metrics_carry_positive_counts(dongguan_metrics):
    questions = dongguan_metrics["survey"]["questions"].values()
    assert [q["positive"] for q in questions] == [38, 38, 41, 38]
    assert figure_fractions(dongguan_metrics)["survey_positive_share"] == Fraction(155, 168)


# --- malformed rules are validation errors ------------------------------------------------------


def errors(folder, *rule_rows):
    rows = [HEADER] + [["过程", "资金管理", f"指标{i}", 10, 5, *r] for i, r in enumerate(rule_rows)]
    write_workbook(folder / "scoring.xlsx", {"指标": rows})
    return [str(p) for p in read_raw(folder, (2019, 2021)).problems if p.severity == "error"]


WHERE = "错误:scoring.xlsx,工作表 指标,第 2 行,列"
WHERE_EN = "error: scoring.xlsx, sheet 指标, row 2, column"


@pytest.mark.parametrize("rule, expected", [
    (["spend_rate", "比例", None, None],
     f"{WHERE} 计分依据:发现 'spend_rate';未知的计分依据;应为以下之一:" + "、".join(INDICATOR_FIGURES)),
    (["five_star_rate", "线性", None, None],
     f"{WHERE} 计分方法:发现 '线性';未知的计分方法;应为以下之一:比例、阶梯、扣分"),
    (["five_star_rate", None, "95%", None],
     f"{WHERE} 计分方法:填写了计分依据,应同时填写计分方法(比例、阶梯或扣分)"),
    ([None, "比例", None, None],
     f"{WHERE} 计分方法:发现 '比例';填写了计分规则但计分依据为空;请填写计分依据,或清空本行的计分规则"),
    (["five_star_rate", "比例", "95", None],
     f"{WHERE} 目标值:发现 '95';目标值“95”大于 1;百分数请带 % 号(如 95%),小数应在 0 到 1 之间"),
    (["five_star_rate", "比例", "九成", None],
     f"{WHERE} 目标值:发现 '九成';目标值“九成”不是数值;应写成百分数(如 95%)或 0 到 1 之间的小数(如 0.95)"),
    (["five_star_rate", "比例", "0%", None], f"{WHERE} 目标值:发现 '0%';目标值“0%”为 0;应大于 0"),
    (["five_star_rate", "比例", None, "1%:0.5"],
     f"{WHERE} 计分参数:发现 '1%:0.5';比例法不用计分参数;请清空计分参数,或改用阶梯/扣分"),
    (["five_star_rate", "阶梯", "95%", "95%:1; 0:0"],
     f"{WHERE} 目标值:发现 '95%';阶梯法按计分参数中的门槛计分,不用目标值;请清空目标值"),
    (["five_star_rate", "阶梯", None, None],
     f"{WHERE} 计分参数:阶梯法需要计分参数,例如 95%:1; 90%:0.8; 80%:0.6; 0:0"),
    (["five_star_rate", "阶梯", None, "95%-1; 0:0"],
     f"{WHERE} 计分参数:发现 '95%-1; 0:0';“95%-1”应写成用冒号分开的一对数,如“90%:0.8”"
     "(例如 95%:1; 90%:0.8; 80%:0.6; 0:0)"),
    (["five_star_rate", "阶梯", None, "80%:0.6; 95%:1"],
     f"{WHERE} 计分参数:发现 '80%:0.6; 95%:1';阶梯法的门槛应从高到低排列,且互不相同"
     "(例如 95%:1; 90%:0.8; 80%:0.6; 0:0)"),
    (["five_star_rate", "阶梯", None, "95%:100"],
     f"{WHERE} 计分参数:发现 '95%:100';阶梯法的系数应在 0 到 1 之间(得分 = 分值 × 系数)"
     "(例如 95%:1; 90%:0.8; 80%:0.6; 0:0)"),
    (["five_star_rate", "阶梯", None, "95:1"],
     f"{WHERE} 计分参数:发现 '95:1';“95”大于 1;百分数请带 % 号(如 95%),小数应在 0 到 1 之间"
     "(例如 95%:1; 90%:0.8; 80%:0.6; 0:0)"),
    (["five_star_rate", "扣分", None, None], f"{WHERE} 计分参数:扣分法需要计分参数,例如 1%:0.5"),
    (["five_star_rate", "扣分", None, "1%:0.5; 2%:1"],
     f"{WHERE} 计分参数:发现 '1%:0.5; 2%:1';扣分法的计分参数应只有一对“每低:扣分”(例如 1%:0.5)"),
    (["five_star_rate", "扣分", None, "0%:0.5"],
     f"{WHERE} 计分参数:发现 '0%:0.5';“0%”为 0;应大于 0(例如 1%:0.5)"),
    (["five_star_rate", "扣分", None, "1%:半分"],
     f"{WHERE} 计分参数:发现 '1%:半分';扣分“半分”应为不带单位的非负数(例如 1%:0.5)"),
])
def test_malformed_rule_is_an_error_naming_its_cell(tmp_path, rule, expected):
    assert errors(tmp_path, rule) == [expected]


@pytest.mark.parametrize("rule, expected", [
    (["spend_rate", "比例", None, None],
     f"{WHERE_EN} 计分依据: found 'spend_rate'; unknown calculation basis; expected one of "
     + "、".join(INDICATOR_FIGURES)),
    (["five_star_rate", None, "95%", None],
     f"{WHERE_EN} 计分方法: the calculation basis is filled in; expected a scoring method too (比例, 阶梯 or 扣分)"),
    (["five_star_rate", "比例", "九成", None],
     f"{WHERE_EN} 目标值: found '九成'; target “九成” is not a number; expected a percentage (such as 95%) or a "
     "fraction between 0 and 1 (such as 0.95)"),
    (["five_star_rate", "阶梯", None, "95%:100"],
     f"{WHERE_EN} 计分参数: found '95%:100'; the factors of 阶梯 lie between 0 and 1 (score = weight × factor) "
     "(e.g. 95%:1; 90%:0.8; 80%:0.6; 0:0)"),
    (["five_star_rate", "扣分", None, "1%:半分"],
     f"{WHERE_EN} 计分参数: found '1%:半分'; the points off “半分” should be a plain number >= 0 (no unit) "
     "(e.g. 1%:0.5)"),
])
def test_malformed_rule_in_english(tmp_path, monkeypatch, rule, expected):
    monkeypatch.setenv("JIXIAO_LANG", "en")
    assert errors(tmp_path, rule) == [expected]


def test_a_rule_error_keeps_both_languages():
    with pytest.raises(RuleError) as caught:
        parse_rule("阶梯", None, "80%:0.6; 95%:1")
    assert caught.value.column == "rule_params"
    assert caught.value.message == ("阶梯法的门槛应从高到低排列,且互不相同(例如 95%:1; 90%:0.8; 80%:0.6; 0:0)",
                                    "the thresholds of 阶梯 go from high to low, each different "
                                    "(e.g. 95%:1; 90%:0.8; 80%:0.6; 0:0)")


def test_well_formed_rules_pass_validation(tmp_path):
    assert errors(tmp_path,
                  ["five_star_rate", "比例", 0.95, None],  # an Excel cell formatted as 95% holds 0.95
                  ["五星好评率", "阶梯", None, "95%:1；90%:0.8；0:0"],  # Chinese name, full-width semicolons
                  ["budget_execution_rate", "扣分", "100％", "1%：0.5"],
                  ["stage_completion_rate:初验", "比例", None, None],
                  [None, None, None, None]) == []


def test_a_score_sheet_without_the_rule_columns_is_valid(tmp_path):
    write_workbook(tmp_path / "scoring.xlsx", {"指标": [HEADER[:5], ["过程", "资金管理", "指标", 10, 5]]})
    evaluation = read_raw(tmp_path, (2019, 2021))
    assert [p for p in evaluation.problems if p.severity == "error"] == []
    assert score_checks(evaluation.tables["scoring"], {}) is None


def test_template_offers_the_figures_and_methods_as_dropdowns(tmp_path):
    from openpyxl import load_workbook

    from jixiao.intake.template import FIGURE_LIST_SHEET, write_templates

    write_templates(tmp_path)
    wb = load_workbook(tmp_path / "scoring.xlsx")
    ws = wb["指标"]
    header = [c.value for c in ws[1]]
    lists = {header[min(r.min_col for r in dv.sqref.ranges) - 1]: dv.formula1
             for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists["计分方法"] == '"比例,阶梯,扣分"'
    assert lists["计分依据"] == f"'{FIGURE_LIST_SHEET}'!$A$2:$A${len(INDICATOR_FIGURES) + 1}"
    listed = wb[FIGURE_LIST_SHEET]
    assert listed.sheet_state == "hidden"
    assert [r[0].value for r in listed.iter_rows(min_row=2)] == list(INDICATOR_FIGURES)


# --- the Dongguan links -----------------------------------------------------------------------


def test_dongguan_linked_indicators(dongguan, dongguan_metrics):
    result = scoring_checks(dongguan.tables["scoring"], dongguan_metrics)
    by_name = {c["indicator"]: c for c in result["checks"]}
    assert {k: (c["metric"], c["method"], c["computed"], c["entered"], c["differs"]) for k, c in by_name.items()} == {
        "预算执行率": ("budget_execution_rate", "比例", 3.94, 3.94, False),
        "子项目启动率": ("stage_completion_rate:启动", "比例", 4.80, 4.80, False),
        "正式立项完成率": ("stage_completion_rate:正式立项", "比例", 4.60, 4.60, False),
        "初验通过率": ("stage_completion_rate:初验", "比例", 4.00, 4.00, False),
        "终验通过率": ("stage_completion_rate:终验", "比例", 3.83, 3.83, False),
        # scored on the overall-satisfaction question alone; the figure counts all four questions
        "业务单位满意度": ("survey_positive_share", "比例", 3.69, 3.62, True),
        "公众满意度": ("five_star_rate", "阶梯", 4.00, 4.00, False),
    }
    assert by_name["预算执行率"]["value"] == dongguan_metrics["expenditure"]["rate"]
    assert by_name["终验通过率"]["value"] == 23 / 24
    assert result["checks_differ"] == 1


# --- the published-report audit ------------------------------------------------------------------


def test_published_comparison_carries_the_reason_of_each_disagreement():
    from jixiao.sections.published import published_comparison, published_disagreements

    metrics = {"expenditure": {"budget": 80692.06, "initial_budget_in_period": 163000.0, "adjustment_rate_in_period": 0.505,
                               "by_year": [{"adjustment_rate": 0.51}, {"adjustment_rate": 0.49}]},
               "milestones": {"启动": {"planned": 100, "done": 96}}}
    published = {"budget_management": {"initial_budget_requests_亿元": 16.3, "adjusted_budget_亿元": 7.08,
                                       "adjustment_rate_above": 50,
                                       "differs": {"adjusted_budget_亿元": "两处口径不同"}},
                 "milestones": {"started_subprojects": 75}}
    comparison = published_comparison(metrics, published)
    assert comparison.values.tolist() == [
        ["年初申请预算合计（亿元）", "16.3", "16.3", True, None],
        ["调整后实际安排预算合计（亿元）", "7.08", "8.07", False, "两处口径不同"],
        ["预算调整率（总体及各年度）均超过50%", "是", "否", False, None],  # 2021's 49% is not above 50%
        ["已启动子项目（个，正文）", "75", "96", False, None],  # no reason given: left blank
    ]
    assert published_disagreements(comparison) == 3
