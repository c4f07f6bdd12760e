"""What validate accepts, the run prints: odd characters in cells are normalised (invisible ones, counted under
已自动规范) or refused naming file, sheet, row and column (control characters, characters no bundled font has);
messages show a control character escaped, never raw."""

from __future__ import annotations

import json

import pytest
from minimal import build, rows

from jixiao import cli
from jixiao.core.problems import ParameterError
from jixiao.intake.cells import CellError, parse_text


def subprojects_with(domain: str):
    table = rows("subprojects.xlsx", "子项目")
    table[2][2] = domain  # A-2's 领域: Excel row 3, column C
    return {("subprojects.xlsx", "子项目"): table}


def validate(raw, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["validate", str(raw), "--span", "2020-2021"])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_invisible_characters_are_removed_and_counted(tmp_path, capsys):
    raw = build(tmp_path / "raw", subprojects_with("民生\u200b保障\ufeff域\u00ad"))
    code, out = validate(raw, capsys)
    assert code == 0, out
    assert "已自动规范" in out and "不可见的字符" in out
    assert parse_text("民生\u200b保障\u200d域") == "民生保障域"


def test_an_emoji_is_refused_naming_the_cell(tmp_path, capsys):
    raw = build(tmp_path / "raw", subprojects_with("民生保障域😀"))
    code, out = validate(raw, capsys)
    assert code != 0
    [line] = [line for line in out.splitlines() if "无法打印" in line]
    assert line.startswith("错误:subprojects.xlsx,工作表 子项目,第 3 行,列 领域:")
    assert "😀(U+1F600)" in line


def test_an_escape_character_from_excel_is_refused_and_shown_escaped(tmp_path, capsys):
    raw = build(tmp_path / "raw", subprojects_with("民生_x001B_[2J保障域"))  # Excel's way of writing ESC
    code, out = validate(raw, capsys)
    assert code != 0 and "\x1b" not in out
    [line] = [line for line in out.splitlines() if "控制字符" in line]
    assert "subprojects.xlsx" in line and "第 3 行" in line and "\\x1b(U+001B" in line


def test_a_control_character_in_a_text_cell_is_refused():
    with pytest.raises(CellError) as refused:
        parse_text("甲\x07乙")
    assert "\\x07(U+0007,第 2 个字符)" in str(refused.value)


def test_a_control_character_in_a_cover_field_is_refused(tmp_path):
    from jixiao.contract.params import load_params

    build(tmp_path / "raw")
    params = tmp_path / "params.yaml"
    params.write_text(json.dumps({"evaluation": "odd", "project": "项目", "raw_dir": "raw", "span": "2020-2021",
                                  "out_dir": "out", "report": {"委托单位": "某局\u001b[2J"}}, ensure_ascii=False),
                      encoding="utf-8")
    with pytest.raises(ParameterError) as refused:
        load_params(params)
    assert "report.委托单位 含有控制字符 '\\x1b'(U+001B)" in str(refused.value)


def test_the_glyph_check_reads_the_font_the_pages_use():
    from jixiao.intake.glyphs import CJK_FONT_FILE, font_path
    from jixiao.present.fonts import CJK_FONT_FILE as PRESENT_FONT, cjk_font_path

    assert CJK_FONT_FILE == PRESENT_FONT and font_path() == cjk_font_path()


def edit_spending(raw, edit):
    from openpyxl import load_workbook

    path = raw / "spending.xlsx"
    wb = load_workbook(path)
    edit(wb.active)
    wb.save(path)


def test_excel_error_values_are_reported_as_such_not_as_blank(tmp_path, capsys):
    raw = build(tmp_path / "raw")

    def errors(ws):
        for ref, value in (("C3", "#N/A"), ("C4", "#DIV/0!")):
            ws[ref] = value
            ws[ref].data_type = "e"

    edit_spending(raw, errors)
    code, out = validate(raw, capsys)
    assert code != 0
    lines = [line for line in out.splitlines() if "错误值" in line]
    assert lines == [
        "错误:spending.xlsx,工作表 支出,第 3 行,列 支付金额(万元):该单元格是 Excel 的错误值 #N/A(公式或引用出错);应为数值或文本",
        "错误:spending.xlsx,工作表 支出,第 4 行,列 支付金额(万元):该单元格是 Excel 的错误值 #DIV/0!(公式或引用出错);应为数值或文本"]
    assert "为空" not in out


def test_excels_1900_02_29_is_warned(tmp_path, capsys):
    raw = build(tmp_path / "raw")

    def serial_60(ws):
        ws["B2"] = 60  # what Excel shows as 1900-02-29
        ws["B2"].number_format = "yyyy-mm-dd"

    edit_spending(raw, serial_60)
    capsys.readouterr()
    cli.main(["validate", str(raw), "--span", "2020-2021"])
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if "1900-02-29" in line]
    assert "spending.xlsx,工作表 支出,第 2 行,列 支付日期" in line and "已读作 1900-02-28" in line


def test_an_emoji_in_the_project_title_is_refused_by_validate(tmp_path, capsys):
    build(tmp_path / "raw")
    params = tmp_path / "params.yaml"
    params.write_text(json.dumps({"evaluation": "odd", "project": "智慧城市😀", "raw_dir": "raw", "span": "2020-2021",
                                  "out_dir": "out"}, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["validate", "--params", str(params)]) == 2
    assert "错误:参数 project 含有报告字体无法打印的字符 😀(U+1F600)" in capsys.readouterr().err


def test_failure_lines_show_control_characters_escaped(capsys):
    from jixiao.core.problems import escape_controls
    from jixiao.run.batch import _say

    assert escape_controls("失败:\x1b[2J\x07\t行\n下一行\x9b") == "失败:\\x1b[2J\\x07\t行\n下一行\\x9b"
    _say("失败:report:ValueError: 单位\x1b[2J")
    assert capsys.readouterr().err == "失败:report:ValueError: 单位\\x1b[2J\n"
