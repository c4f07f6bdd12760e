"""``jixiao template``: blank workbooks an analyst can fill, which validate as they are."""

from __future__ import annotations

from batchrun import jixiao
from openpyxl import load_workbook

from jixiao.contract.sheets import FILES, SHEETS
from jixiao.intake.template import write_row


def test_template_validates_and_guides_the_analyst(tmp_path):
    result = jixiao("template", tmp_path / "new")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == sorted(FILES)
    check = jixiao("validate", tmp_path / "new")
    # the sample rows show the analyst what to type, and are errors until deleted: nothing else is reported
    sample = "这是模板的示例行;应删除示例行,只填本评价的数据"
    assert check.returncode == 2, check.stdout
    assert check.stdout.splitlines() == [
        f"错误:subprojects.xlsx,工作表 子项目,第 2 行:{sample}",
        f"错误:budget.xlsx,工作表 预算,第 2 行:{sample}",
        f"错误:spending.xlsx,工作表 支出,第 2 行:{sample}",
        f"错误:milestones.xlsx,工作表 进度,第 2 行:{sample}",
        f"错误:survey.xlsx,工作表 问卷,第 2 行:{sample}",
        *(f"错误:survey.xlsx,工作表 选项,第 {r} 行:{sample}" for r in (2, 3, 4, 5)),
        f"错误:survey.xlsx,工作表 好差评,第 2 行:{sample}",
        f"错误:scoring.xlsx,工作表 指标,第 2 行:{sample}",
        f"{tmp_path / 'new'}:11 个错误,0 个警告;请改正错误后再运行。",
    ]
    for spec in SHEETS:  # the sample rows deleted (and the sample question's column): a blank, valid evaluation
        path = tmp_path / "new" / spec.file
        wb = load_workbook(path)
        wb[spec.sheet].delete_rows(2, wb[spec.sheet].max_row)
        if spec.key == "survey_answers":
            wb[spec.sheet].delete_cols(2)
        wb.save(path)
    cleaned = jixiao("validate", tmp_path / "new")
    assert cleaned.returncode == 0 and cleaned.stdout.splitlines() == [f"{tmp_path / 'new'}:有效(0 个警告)。"]
    assert jixiao("template", tmp_path / "new", "--force").returncode == 0
    for spec in SHEETS:
        ws = load_workbook(tmp_path / "new" / spec.file)[spec.sheet]
        assert [c.value for c in ws[1]][: len(spec.columns)] == [c.header for c in spec.columns]
        assert ws.freeze_panes == "A2"
        assert (ws.max_row >= 2) != spec.optional  # a sample row; an optional sheet has its headers only
        assert ws.column_dimensions["A"].width >= 12
    ws = load_workbook(tmp_path / "new" / "milestones.xlsx")["进度"]
    kinds = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert kinds["list"].formula1 == '"启动,可研报告编制,初步设计编制,正式立项,集成实施入场,初验,终验"'
    assert "date" in kinds
    ws = load_workbook(tmp_path / "new" / "spending.xlsx")["支出"]
    money = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal"]
    assert money and money[0].operator == "greaterThanOrEqual" and money[0].formula1 == "0"


def test_template_refuses_to_overwrite(tmp_path):
    assert jixiao("template", tmp_path).returncode == 0
    again = jixiao("template", tmp_path)
    assert again.returncode == 2 and again.stderr.startswith("错误:") and "已存在;要覆盖请加 --force" in again.stderr
    english = jixiao("template", tmp_path, "--lang", "en")
    assert english.returncode == 2 and english.stderr.startswith("error: ") and "already exist; use --force" in english.stderr


def test_formula_like_text_is_stored_as_text(tmp_path):
    import zipfile

    from openpyxl import Workbook

    hostile = ['=HYPERLINK("http://x","点我")', "+1", "-1", "@SUM(A1)", "正常", 5]
    wb = Workbook()
    write_row(wb.active, hostile)
    wb.save(tmp_path / "x.xlsx")
    with zipfile.ZipFile(tmp_path / "x.xlsx") as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")  # no formula anywhere
    cells = load_workbook(tmp_path / "x.xlsx").active[1]
    assert [c.value for c in cells] == hostile
    assert [c.data_type for c in cells[:5]] == ["s"] * 5
