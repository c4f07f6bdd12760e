"""Tables to Excel: numbers stay numbers with their formats, text that looks like a formula stays text."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from jixiao.output.excel import ExcelTable, display_width, part_tables, sheet_name, write_tables_xlsx

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]


def spending_table() -> ExcelTable:
    frame = pd.DataFrame({
        "子项目名称": ["政务云平台", HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3]],
        "支付金额(万元)": [80692.06, 1234.5, Decimal("0.10"), None, 3],
        "支出率": [0.984244, 1.0, float("nan"), 0.5, 0.0],
        "笔数": [12, 3.0, pd.NA, 7, 0],
        "得分": [77.2, 8.0, 0.5, None, 100],
        "分值": [20, 2.5, None, 10, 5],
        "支付日期": [dt.date(2021, 6, 30), pd.Timestamp("2020-01-02"), None, pd.NaT, dt.date(2019, 12, 31)],
    })
    kinds = {"子项目名称": "text", "支付金额(万元)": "money", "支出率": "rate", "笔数": "count", "得分": "points",
             "分值": "weight", "支付日期": "date"}
    return ExcelTable("子项目支出明细", frame, kinds, note="金额单位:万元;数据为合成数据。")


def test_numbers_are_numbers_with_their_formats_and_blanks_are_empty(tmp_path):
    path = tmp_path / "2019" / "expenditure.xlsx"
    write_tables_xlsx(path, [spending_table()])
    ws = openpyxl.load_workbook(path)["子项目支出明细"]
    # as a table in a Chinese report: the title, then 单位 (right-aligned), then the headers
    assert ws["A1"].value == "子项目支出明细" and ws["A1"].font.bold and "A1:G1" in ws.merged_cells
    assert ws["G2"].value == "单位:万元" and [c.value for c in ws[2]][:6] == [None] * 6
    assert [c.value for c in ws[3]] == ["子项目名称", "支付金额(万元)", "支出率", "笔数", "得分", "分值", "支付日期"]
    assert all(c.font.bold for c in ws[3])
    row4 = [c.value for c in ws[4]]
    assert row4 == ["政务云平台", 80692.06, 0.984244, 12, 77.2, 20, dt.datetime(2021, 6, 30)]
    assert [type(v) for v in row4[1:6]] == [float, float, int, float, int]
    assert [c.number_format for c in ws[4]][1:] == ["#,##0.00", "0.00%", "0", "0.00", "General", "yyyy-mm-dd"]
    assert ws["B6"].value == 0.1 and ws["D5"].value == 3 and type(ws["D5"].value) is int
    assert ws["F5"].value == 2.5
    assert ws["G5"].value == dt.datetime(2020, 1, 2)
    # None, NaN, pd.NA and NaT all leave the cell empty
    assert [ws["B7"].value, ws["C6"].value, ws["D6"].value, ws["E7"].value, ws["G6"].value, ws["G7"].value] == [None] * 6
    assert ws.max_row == 10 and ws["A10"].value == "金额单位:万元;数据为合成数据。" and ws["A9"].value is None
    assert ws.freeze_panes == "A4"


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    path = tmp_path / "t.xlsx"
    table = spending_table()
    hostile_header = pd.DataFrame({"=1+1": ["@x"]})
    write_tables_xlsx(path, [table, ExcelTable("=cmd|' /C calc'!A0", hostile_header, {"=1+1": "text"})])
    wb = openpyxl.load_workbook(path)
    ws = wb["子项目支出明细"]
    for row, text in enumerate(HOSTILE, start=5):
        cell = ws.cell(row=row, column=1)
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix, text
    assert ws["A4"].quotePrefix is False  # ordinary text carries no quote prefix
    other = wb.worksheets[1]
    assert other.title == "=cmd|' ／C calc'!A0"  # a sheet name is never evaluated
    assert (other["A1"].value, other["A1"].data_type, other["A1"].quotePrefix) == ("=cmd|' /C calc'!A0", "s", True)
    assert (other["A3"].value, other["A3"].data_type, other["A4"].value, other["A4"].data_type) == ("=1+1", "s", "@x", "s")
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 2
        for name in sheets:
            assert "<f>" not in z.read(name).decode("utf-8") and "<f " not in z.read(name).decode("utf-8")


def test_column_widths_fit_chinese_text(tmp_path):
    frame = pd.DataFrame({"单位": ["东莞市政务服务数据管理局", "局"], "金额": [1234567.891, 1.0], "x": ["ab", "c" * 200]})
    path = tmp_path / "w.xlsx"
    write_tables_xlsx(path, [ExcelTable("宽度", frame, {"单位": "text", "金额": "money", "x": "text"})])
    ws = openpyxl.load_workbook(path)["宽度"]
    assert display_width("东莞市政务服务数据管理局") == 24 and display_width("ab,12") == 5
    assert ws.column_dimensions["A"].width == 24 + 2
    assert ws.column_dimensions["B"].width == len("1,234,567.89") + 2
    assert ws.column_dimensions["C"].width == 60 + 2  # capped; the long cell wraps instead
    assert ws["C5"].alignment.wrap_text


def test_sheet_names_are_sanitized_truncated_and_unique():
    # what Excel refuses becomes the full-width character a Chinese title prints anyway, not "_"
    assert sheet_name("收入/支出[2019]: 明细?*") == "收入／支出［2019］： 明细？＊"
    assert sheet_name("您单位的需求是否被纳入?") == "您单位的需求是否被纳入？"
    assert sheet_name("'引号'") == "引号"
    assert sheet_name("") == "表" and sheet_name("///") == "／／／"
    long = "各子项目资金支出率分档统计及未下达资金子项目明细一览表(按业务单位和领域汇总)"
    assert len(long) > 31 and sheet_name(long) == long[:31]
    taken = {long[:31].casefold()}
    assert sheet_name(long, taken) == long[:28] + "(2)"
    assert sheet_name("Summary", {"summary", "summary(2)"}) == "Summary(3)"
    assert sheet_name("History") == "History(2)"


def test_duplicate_titles_get_distinct_sheets_in_order(tmp_path):
    frame = pd.DataFrame({"项目": ["a"]})
    tables = [ExcelTable(t, frame, {"项目": "text"}) for t in ("年度预算", "年度预算", "汇总", "年度预算")]
    path = tmp_path / "d.xlsx"
    write_tables_xlsx(path, tables)
    assert openpyxl.load_workbook(path).sheetnames == ["年度预算", "年度预算(2)", "汇总", "年度预算(3)"]


def test_a_failure_mid_write_leaves_no_file_and_keeps_the_old_one(tmp_path):
    path = tmp_path / "2020" / "scoring.xlsx"
    good = ExcelTable("得分", pd.DataFrame({"得分": [1.5]}), {"得分": "points"})
    bad = ExcelTable("笔数", pd.DataFrame({"笔数": [1, 2.5]}), {"笔数": "count"})
    with pytest.raises(TypeError, match="表格「笔数」第 5 行「笔数」列:2.5 不是整数"):
        write_tables_xlsx(path, [good, bad])
    assert list(tmp_path.rglob("*")) in ([], [tmp_path / "2020"])
    write_tables_xlsx(path, [good])
    before = path.read_bytes()
    with pytest.raises(TypeError, match="不是数字"):
        write_tables_xlsx(path, [ExcelTable("金额", pd.DataFrame({"金额": ["—"]}), {"金额": "money"})])
    assert path.read_bytes() == before and [p.name for p in path.parent.iterdir()] == ["scoring.xlsx"]


def test_a_failure_while_saving_leaves_no_partial_file(tmp_path, monkeypatch):
    from openpyxl import Workbook

    def broken_save(self, filename):
        with open(filename, "wb") as f:
            f.write(b"PK half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_tables_xlsx(tmp_path / "x.xlsx", [ExcelTable("t", pd.DataFrame({"a": ["b"]}), {"a": "text"})])
    assert list(tmp_path.iterdir()) == []


def test_every_column_needs_a_known_kind():
    frame = pd.DataFrame({"金额": [1.0], "备注": ["x"]})
    with pytest.raises(ValueError, match="备注 没有给出类型"):
        ExcelTable("t", frame, {"金额": "money"})
    with pytest.raises(ValueError, match="无效"):
        ExcelTable("t", frame, {"金额": "currency", "备注": "text"})
    with pytest.raises(ValueError, match="没有可写入的表格"):
        write_tables_xlsx("x.xlsx", [])


def test_a_shown_table_picks_renames_and_orders_columns_in_its_workbook(tmp_path):
    from jixiao.contract.fields import LIST, MONEY, RATE, TEXT
    from jixiao.present.parts import Note, table

    frame = pd.DataFrame({"year": ["2019", "2020"], "budget": [100.0, 250.5], "rate": [0.5, None], "unused": ["x", "y"],
                          "top": [[["甲"]], [["乙", "丙"]]]})
    shown = table("x.budget", frame, {"year": ("年度", TEXT), "rate": ("执行率", RATE), "budget": ("调整后预算(万元)", MONEY),
                                      "top": ("前列", LIST)}, caption="年度预算执行")
    [tab] = part_tables([Note("说明"), shown])
    assert list(tab.frame.columns) == ["年度", "执行率", "调整后预算(万元)", "前列"] and tab.title == "年度预算执行"
    assert dict(tab.kinds) == {"年度": "text", "执行率": "rate", "调整后预算(万元)": "money", "前列": "text"}
    write_tables_xlsx(tmp_path / "b.xlsx", [tab])
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx")["年度预算执行"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=5)] == [
        ["年度", "执行率", "调整后预算(万元)", "前列"], ["2019", 0.5, 100.0, "甲"], ["2020", None, 250.5, "乙、丙(并列)"]]


def test_numbers_a_page_printed_as_text_are_numbers_in_their_printed_format(tmp_path):
    """The overview's key figures are text on the page (80,692.06; 98.42%): in Excel they are numbers."""
    frame = pd.DataFrame({"项目": ["预算", "支出率", "差评率", "好差评", "评价期", "年度"],
                          "数值": ["80,692.06", "98.42%", "0.0049%", "35,806,422", "2019-2021", "2019"]})
    path = tmp_path / "k.xlsx"
    write_tables_xlsx(path, [ExcelTable("主要指标", frame, {"项目": "text", "数值": "text"}, source="评价 x 的原始工作簿")])
    ws = openpyxl.load_workbook(path)["主要指标"]
    cells = [ws.cell(row=r, column=2) for r in range(4, 10)]
    assert [c.value for c in cells] == [80692.06, 0.9842, 0.000049, 35806422, "2019-2021", "2019"]
    assert [c.number_format for c in cells[:4]] == ["#,##0.00", "0.00%", "0.0000%", "#,##0"]
    assert ws["A11"].value == "数据来源:评价 x 的原始工作簿"


def test_a_share_column_shows_its_smallest_share(tmp_path):
    """1星 and 2星 are shares of a few ten-thousandths: 0.00% would hide them."""
    frame = pd.DataFrame({"星级": ["1星", "5星"], "占比": [0.0000485, 0.99965]})
    path = tmp_path / "s.xlsx"
    write_tables_xlsx(path, [ExcelTable("按星级", frame, {"星级": "text", "占比": "rate"})])
    ws = openpyxl.load_workbook(path)["按星级"]
    assert ws["B4"].number_format == ws["B5"].number_format == "0.0049%".replace("49", "00")
    assert ws["B4"].value == 0.0000485

