"""Loaders on tiny workbooks: tolerant of what real sheets contain, exact about where a fault is."""

from __future__ import annotations

import datetime as dt

from conftest import write_workbook

from jixiao.contract.sheets import BUDGET, MILESTONES, SPENDING, SUBPROJECTS
from jixiao.intake.workbook import open_workbook, read_sheet

SUB_HEADER = ["子项目编号", "子项目名称", "领域", "业务单位", "立项批复金额(万元)"]


def load(path, spec):
    wb = open_workbook(path)
    try:
        return read_sheet(wb, spec)
    finally:
        wb.close()


def test_headers_and_ids_with_stray_spaces_and_text_amounts(tmp_path):
    path = write_workbook(tmp_path / "subprojects.xlsx", {"子项目": [
        ["子项目编号 ", " 子项目名称", "领域", "业务单位", "立项批复金额（万元） "],
        ["A-1 ", "平台", "基础平台", "市政数局", "1,234.56"],
        ["A-2", "应用", "民生保障域", None, None],
        [None, None, None, None, None],
        [None, None, None, None, None],
    ]})
    frame, problems = load(path, SUBPROJECTS)
    assert problems == []
    assert frame["subproject_id"].tolist() == ["A-1", "A-2"]
    assert frame["approved_amount"].tolist()[0] == 1_234_560_000
    assert frame["approved_amount"].isna().tolist() == [False, True]
    assert frame["excel_row"].tolist() == [2, 3]


def test_canonical_english_headers_are_accepted(tmp_path):
    path = write_workbook(tmp_path / "budget.xlsx", {"预算": [
        ["subproject_id", "year", "initial_budget", "adjusted_budget"],
        ["A-1", 2021, 10, 8.5],
    ]})
    frame, problems = load(path, BUDGET)
    assert problems == []
    assert frame.loc[0, "adjusted_budget"] == 8_500_000


def test_a_one_sheet_workbook_is_read_whatever_its_sheet_is_called(tmp_path):
    path = write_workbook(tmp_path / "spending.xlsx", {"Sheet1": [
        ["子项目编号", "支付日期", "支付金额(万元)", "摘要"],
        ["A-1", "2021-03-05", 1.5, "首付款"],
        ["A-1", dt.datetime(2021, 4, 6), "2", None],
    ]})
    frame, problems = load(path, SPENDING)
    assert problems == []
    assert frame["date"].tolist() == [dt.date(2021, 3, 5), dt.date(2021, 4, 6)]
    assert frame["memo"].tolist() == ["首付款", None]


def test_cell_problems_name_the_excel_row_and_header(tmp_path):
    path = write_workbook(tmp_path / "milestones.xlsx", {"进度": [
        ["子项目编号", "阶段", "计划完成日期", "实际完成日期"],
        ["A-1", "启动", "2020-01-31", None],
        ["A-1", "初验", "2020-13-45", "2020-02-01"],
        [None, "终验", "2021-01-01", None],
    ]})
    frame, problems = load(path, MILESTONES)
    assert [str(p) for p in problems] == [
        "错误:milestones.xlsx,工作表 进度,第 3 行,列 计划完成日期:发现 '2020-13-45';"
        "应为日期:Excel 日期或文本,例如 2021-06-30(这不是一个真实的日期)",
        "错误:milestones.xlsx,工作表 进度,第 4 行,列 子项目编号:应有值;该单元格为空",
    ]
    assert frame["actual_date"].tolist() == [None, dt.date(2020, 2, 1), None]


def test_missing_and_misspelled_headers_are_named(tmp_path):
    path = write_workbook(tmp_path / "subprojects.xlsx", {"子项目": [
        ["子项目编码", "子项目名称", "领域", "业务单位"],
        ["A-1", "x", "y", "z"],
    ]})
    frame, problems = load(path, SUBPROJECTS)
    assert frame is None
    assert [str(p) for p in problems] == [
        "错误:subprojects.xlsx,工作表 子项目,第 1 行:缺少必需的列 子项目编号(subproject_id)(是否就是 '子项目编码'?)",
        "错误:subprojects.xlsx,工作表 子项目,第 1 行:缺少必需的列 立项批复金额(万元)(approved_amount)",
    ]


def test_header_only_sheet_loads_as_no_rows(tmp_path):
    path = write_workbook(tmp_path / "subprojects.xlsx", {"子项目": [SUB_HEADER]})
    frame, problems = load(path, SUBPROJECTS)
    assert problems == []
    assert len(frame) == 0 and list(frame.columns) == ["excel_row", *SUBPROJECTS.column_names]


def test_a_title_row_above_the_header_is_passed_over_and_descriptive_columns_may_be_left_out(tmp_path):
    path = write_workbook(tmp_path / "spending.xlsx", {"支出": [
        ["2019-2021 年度支付明细(单位:万元)"],
        [],
        ["子项目编号", "支付日期", "支付金额(万元)"],
        ["A-1", "2021-03-05", "x"],
    ]})
    frame, problems = load(path, SPENDING)
    assert [str(p) for p in problems] == [
        "错误:spending.xlsx,工作表 支出,第 4 行,列 支付金额(万元):发现 'x';"
        "应为以万元计的金额:纯数字,例如 1234.56(不带单位、不带 % 号)"]
    assert frame["memo"].tolist() == [None] and frame.attrs["header_row"] == 3


def test_a_damaged_sheet_is_a_problem_not_a_traceback(tmp_path):
    import zipfile

    good = write_workbook(tmp_path / "good.xlsx", {"支出": [["子项目编号", "支付日期", "支付金额(万元)", "摘要"]]})
    bad = tmp_path / "spending.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut mid-tag
            dst.writestr(item, data)
    frame, problems = load(bad, SPENDING)
    assert frame is None
    assert len(problems) == 1 and problems[0].severity == "error"
    assert str(problems[0]).startswith("错误:spending.xlsx,工作表 支出:无法读取该工作表(")
