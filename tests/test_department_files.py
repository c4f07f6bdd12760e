"""A department's files as it keeps them (issue 24): two contract tables on two named sheets of one workbook,
the payments spread over an old .xls and a GBK .csv, residents surveyed, no 好差评, and the evaluator's
adjustments (one duplicate payment excluded, one amount corrected) on record.

Every expected figure is computed here by hand from the rows written below."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import write_workbook

import jixiao as jx
from jixiao.cli import main
from jixiao.contract.params import load_params
from jixiao.core.i18n import set_lang
from jixiao.core.problems import ERROR, NOTE
from jixiao.core.problems import ParameterError
from jixiao.intake.folder import load_evaluation, read_raw
from jixiao.intake.summary import processing_frames

DATA = Path(__file__).parent / "data"
XLS = "2019-2020年支付.xls"  # tests/data: made once with xlwt (not a dependency); its rows are XLS_ROWS
XLS_ROWS = [("R-01", "2019-05-10", "120.00"), ("R-02", "2019-09-01", "80.00"),
            ("R-01", "2020-03-15", "150.00"), ("R-02", "2020-11-20", "100.50")]
# the 2021 payments as the department's system exported them (GBK); the department sees the header on row 1
CSV_ROWS = [("R-01", "2021-04-01", "200.00", "进度款"),   # row 2
            ("R-01", "2021-04-01", "200.00", "进度款"),   # row 3: the same payment entered twice
            ("R-02", "2021-05-06", "150.00", "进度款"),   # row 4
            ("R-03", "2021-06-30", "300.00", "首付款"),   # row 5
            ("R-03", "2021/8/1", "120.00", "进度款"),     # row 6: a date typed with slashes
            ("R-02", "2021-09-09", "50.00", "尾款"),      # row 7
            ("R-01", "2021-10-10", "80.00", "尾款"),      # row 8
            ("R-03", "2021-12-01", "120.50", "进度款")]   # row 9: 审减 to 100.00
CORRECTED = {9: "100.00"}
EXCLUDED = {3}
BUDGET = [("R-01", 2019, 250, 200), ("R-01", 2020, 300, 300), ("R-01", 2021, 400, 400),
          ("R-02", 2019, 100, 100), ("R-02", 2020, 150, 150), ("R-02", 2021, 300, 250),
          ("R-03", 2021, 500, 500)]
ADJUSTMENTS = [
    {"file": "2021年支付.csv", "row": 3, "action": "exclude", "reason": "重复录入"},
    {"file": "2021年支付.csv", "row": 9, "column": "支付金额(万元)", "value": 100.00, "reason": "审减",
     "source": "审计报告第5页"},
]
FEN = 1_000_000  # fen per 万元


def fen(text: str) -> int:
    return int(Decimal(text) * FEN)


def payments(adjusted: bool) -> list[tuple[int, int]]:
    """(year, amount in fen) of every payment, with or without the adjustments."""
    out = [(int(d[:4]), fen(a)) for _, d, a in XLS_ROWS]
    for row, (_, day, amount, _) in enumerate(CSV_ROWS, start=2):
        if adjusted and row in EXCLUDED:
            continue
        out.append((int(day[:4]), fen(CORRECTED.get(row, amount) if adjusted else amount)))
    return out


def spent(year: int | None, adjusted: bool = True) -> int:
    return sum(a for y, a in payments(adjusted) if year is None or y == year)


def budget(year: int | None) -> int:
    return sum(adj * FEN for _, y, _, adj in BUDGET if year is None or y == year)


def department(base: Path, adjustments: list | None = ADJUSTMENTS, **params) -> Path:
    """The department's folder and its params file (returned)."""
    raw = base / "data" / "raw" / "roads"
    raw.mkdir(parents=True)
    write_workbook(raw / "项目台账.xlsx", {
        "项目清单": [["子项目编号", "子项目名称", "领域", "立项批复金额(万元)"],
                 ["R-01", "环城路养护", "道路", 1000], ["R-02", "滨河路养护", "道路", 600],
                 ["R-03", "新桥维修", "桥梁", 900]],
        # a title and a blank row above the header, as a department's sheet often has (header_row: 3)
        "年度预算": [["2019-2021年度道路养护预算表"], [], ["子项目编号", "年度", "年初预算(万元)", "调整后预算(万元)"],
                 *[list(r) for r in BUDGET]],
    })
    shutil.copy(DATA / XLS, raw / XLS)
    lines = ["子项目编号,支付日期,支付金额(万元),摘要", *(",".join(r) for r in CSV_ROWS)]
    (raw / "2021年支付.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    write_workbook(raw / "问卷调查.xlsx", {
        "问卷": [["受访者", "养护效果?"], ["张三", "满意"], ["李四", "满意"], ["王五", "一般"]],
        "选项": [["题目", "选项", "顺序", "是否满意"], ["养护效果?", "满意", 1, 1], ["养护效果?", "一般", 2, 0]],
    })
    settings = {
        "evaluation": "roads", "project": "2019-2021年道路养护项目", "span": "2019-2021",
        "files": {"subprojects.xlsx": {"file": "项目台账.xlsx", "sheet": "项目清单"},
                  "budget.xlsx": {"file": "项目台账.xlsx", "sheet": "年度预算", "header_row": 3},
                  "spending.xlsx": [{"file": XLS}, {"file": "2021年支付.csv"}],
                  "survey.xlsx": "问卷调查.xlsx"},
        "sheets_absent": ["好差评"],
        "survey_respondents": {"word": "群众", "unit": "人", "column": "受访者"},
        **params,
    }
    if adjustments is not None:
        (base / "adjustments.yaml").write_text(yaml.safe_dump(adjustments, allow_unicode=True), encoding="utf-8")
        settings["adjustments"] = "adjustments.yaml"
    path = base / "params.roads.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def chinese():
    set_lang("zh")
    yield
    set_lang(None)


def test_the_departments_files_give_the_hand_computed_figures_with_the_adjustments(tmp_path):
    params = department(tmp_path)
    ev = jx.open(tmp_path / "data" / "raw" / "roads", params=params)
    assert ev.problems.errors == [], [str(p) for p in ev.problems]
    spending = ev.tables.spending
    assert len(spending) == len(XLS_ROWS) + len(CSV_ROWS) - len(EXCLUDED)
    assert sorted(spending["excel_row"].tolist()) == sorted([2, 3, 4, 5] + [r for r in range(2, 10) if r != 3])
    for period in ("2019", "2020", "2021"):
        year = int(period)
        m = ev.period(period).metrics["expenditure"]
        assert m["spent"] == spent(year) / FEN
        assert m["budget"] == budget(year) / FEN
        assert m["rate"] == spent(year) / budget(year)
    whole = ev.period().metrics
    assert whole["expenditure"]["spent"] == spent(None) / FEN == 1450.5
    assert whole["expenditure"]["rate"] == spent(None) / budget(None)
    assert whole["survey"]["respondents"] == 3
    assert (whole["survey"]["respondent_word"], whole["survey"]["respondent_unit"]) == ("群众", "人")
    assert ev.respondents == ("群众", "人")
    # the encoding said, the slashed date normalised where the department typed it
    notes = [str(p) for p in ev.problems if p.severity == NOTE]
    assert "提示:2021年支付.csv:按 GB18030(GBK) 编码读取" in notes
    assert ev.normalised.encodings == {"2021年支付.csv": "GB18030(GBK)"}
    assert [(c["file"], c["sheet"], c["row"]) for c in ev.normalised.first["date_text"]] == [("2021年支付.csv", "", 6)]


def test_each_adjustment_is_on_record_with_its_effect(tmp_path):
    ev = jx.open(tmp_path / "data" / "raw" / "roads", params=department(tmp_path))
    records = ev.adjustments["records"]
    assert [(r["entry"], r["file"], r["row"], r["action"], r["table"]) for r in records] == [
        (1, "2021年支付.csv", 3, "exclude", "spending"), (2, "2021年支付.csv", 9, "correct", "spending")]
    assert records[0]["before"] == {"子项目编号": "'R-01'", "支付日期": "'2021-04-01'", "支付金额(万元)": "'200.00'",
                                    "摘要": "'进度款'"}
    assert (records[1]["before"], records[1]["after"], records[1]["column_name"]) == ("'120.50'", "100", "amount")
    assert (records[1]["before_value"], records[1]["after_value"]) == (fen("120.50"), fen("100.00"))
    effects = ev.adjustments["effects"]

    def changed(found):
        return {e["figure"]: (e["with"], e["without"]) for e in found}

    without_all = spent(2021, adjusted=False)
    assert changed(effects["all"])["by_year.2021.spent"] == (spent(2021) / FEN, without_all / FEN)
    assert changed(effects["all"])["by_year.2021.rate"] == (spent(2021) / budget(2021), without_all / budget(2021))
    assert changed(effects["all"])["spent"] == (spent(None) / FEN, spent(None, adjusted=False) / FEN)
    # each undone alone: the duplicate adds 200.00, the correction 20.50
    assert changed(effects["each"][1])["by_year.2021.spent"] == (spent(2021) / FEN, (spent(2021) + fen("200")) / FEN)
    assert changed(effects["each"][2])["by_year.2021.spent"] == (spent(2021) / FEN, (spent(2021) + fen("20.50")) / FEN)
    assert "by_year.2020.spent" not in changed(effects["all"])
    frames = processing_frames({"warnings": {"count": 0, "first": []},
                                "normalised": ev.normalised.as_dict(), "adjustments": ev.adjustments})
    assert frames["adjustments"][["序号", "行", "处理", "调整前", "调整后", "原因", "依据"]].values.tolist()[1] == [
        2, 9, "更正", "'120.50'", "100", "审减", "审计报告第5页"]
    assert frames["encodings"].values.tolist() == [["2021年支付.csv", "GB18030(GBK)"]]
    assert ("第 1 条", "2021 年实际支出(万元)", spent(2021) / FEN, (spent(2021) + fen("200")) / FEN) in [
        tuple(r) for r in frames["effects"].values.tolist()]


def test_without_adjustments_the_duplicate_is_counted_and_warned(tmp_path):
    params = department(tmp_path, adjustments=None)
    run = load_params(params)
    evaluation = read_raw(run.raw_dir, (2019, 2021), run.layout)
    assert evaluation.errors == []
    repeated = [p for p in evaluation.warnings if "录入了两次" in p.message]
    assert [(p.file, p.sheet, p.rows) for p in repeated] == [("2021年支付.csv", None, (2, 3))]
    paid = evaluation.tables.spending
    assert int(paid["amount"].sum()) == spent(None, adjusted=False)


def test_a_problem_in_a_union_names_the_departments_file_and_row(tmp_path):
    params = department(tmp_path, adjustments=None)
    raw = tmp_path / "data" / "raw" / "roads"
    text = (raw / "2021年支付.csv").read_bytes().decode("gbk").replace("R-02,2021-09-09", "R-09,2021-09-09")
    (raw / "2021年支付.csv").write_bytes(text.encode("gbk"))
    run = load_params(params)
    errors = read_raw(run.raw_dir, (2019, 2021), run.layout).errors
    assert [str(p) for p in errors] == [
        "错误:2021年支付.csv,第 7 行,列 子项目编号:发现 'R-09';应为 项目台账.xlsx 中列出的子项目编号"]


def test_validate_says_valid_and_the_cache_keeps_the_adjustments(tmp_path, capsys):
    params = department(tmp_path)
    assert main(["validate", "--params", str(params)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "提示:2021年支付.csv:按 GB18030(GBK) 编码读取"
    assert out[-4:-1] == ["评价人员的调整 2 条(读取时应用,原始文件未改动):",
                          "  第 1 条:2021年支付.csv 第 3 行,整行剔除(重复录入)",
                          "  第 2 条:2021年支付.csv 第 9 行,列 支付金额(万元):'120.50' 更正为 100(审减;依据 审计报告第5页)"]
    run = load_params(params)
    built = load_evaluation(run.raw_dir, tmp_path / "cache", span=(2019, 2021), layout=run.layout)
    cached = load_evaluation(run.raw_dir, tmp_path / "cache", span=(2019, 2021), layout=run.layout)
    assert cached.adjustments == built.adjustments and len(cached.adjustments) == 2
    # the adjustments file is an input: changed, the cache is rebuilt with the new value
    changed = [dict(ADJUSTMENTS[0]), {**ADJUSTMENTS[1], "value": 110.0}]
    (tmp_path / "adjustments.yaml").write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    again = load_evaluation(run.raw_dir, tmp_path / "cache", span=(2019, 2021), layout=run.layout)
    assert again.adjustments[1]["after_value"] == fen("110")
    assert int(again.tables.spending["amount"].sum()) == spent(None) + fen("10")
    assert json.dumps(again.inputs)  # the adjustments file's digest is among the inputs
    assert "adjustments.yaml" in again.inputs


def test_the_run_keys_follow_the_adjustments_file(tmp_path):
    from jixiao.contract.fingerprint import contract_inputs, input_files

    params = department(tmp_path)
    run = load_params(params)
    before = contract_inputs(input_files(run.raw_dir, run.layout), run.layout)
    (tmp_path / "adjustments.yaml").write_text(yaml.safe_dump(ADJUSTMENTS[:1], allow_unicode=True), "utf-8")
    after = contract_inputs(input_files(run.raw_dir, run.layout), run.layout)
    assert before["spending.xlsx"] != after["spending.xlsx"]
    assert set(before) == {"subprojects.xlsx", "budget.xlsx", "spending.xlsx", "survey.xlsx"}


# --- refusals --------------------------------------------------------------------------------------------


def adjusted_errors(tmp_path, entries) -> list[str]:
    params = department(tmp_path, adjustments=entries)
    run = load_params(params)
    return [str(p) for p in read_raw(run.raw_dir, (2019, 2021), run.layout).errors]


CSV = "2021年支付.csv"


@pytest.mark.parametrize("entry, message", [
    ({"file": CSV, "row": 30, "action": "exclude", "reason": "x"},
     "错误:adjustments.yaml:发现 30;第 1 条调整(2021年支付.csv 第 30 行):没有第 30 行(数据到第 9 行为止);"
     "应为部门文件中看到的行号"),
    ({"file": CSV, "row": 1, "action": "exclude", "reason": "x"},
     "错误:adjustments.yaml:发现 1;第 1 条调整(2021年支付.csv 第 1 行):第 1 行是表头或表头之上的行(表头在第 1 行);"
     "应为数据行"),
    ({"file": CSV, "row": 4, "column": "金额", "value": 1, "reason": "x"},
     "错误:adjustments.yaml,列 金额:第 1 条调整(2021年支付.csv 第 4 行):该工作表没有读取的列 '金额';"
     "应为表头中的一列:子项目编号、支付日期、支付金额(万元)、摘要"),
    ({"file": CSV, "row": 4, "column": "支付金额(万元)", "value": "很多", "reason": "x"},
     "错误:adjustments.yaml,列 支付金额(万元):发现 '很多';第 1 条调整(2021年支付.csv 第 4 行):更正后的值不可用:"),
    ({"file": CSV, "row": 4, "action": "delete-ish", "reason": "x"},
     "错误:adjustments.yaml,列 action:发现 'delete-ish';第 1 条调整:action 'delete-ish' 不可用;"),
    ({"file": CSV, "row": 4, "action": "exclude"},
     "错误:adjustments.yaml,列 reason:第 1 条调整:缺少 reason;每条调整应写明原因"),
    ({"file": "别的.csv", "row": 4, "action": "exclude", "reason": "x"},
     "错误:adjustments.yaml,列 file:发现 '别的.csv';第 1 条调整:文件 别的.csv 不是本评价读取的文件;"),
    ({"file": "项目台账.xlsx", "row": 4, "action": "exclude", "reason": "x"},
     "错误:adjustments.yaml:第 1 条调整(项目台账.xlsx 第 4 行):项目台账.xlsx 中读取了多张表;应用 sheet: 写明工作表"),
    ({"file": CSV, "row": 4, "action": "exclude", "column": "摘要", "reason": "x"},
     "错误:adjustments.yaml,列 column:第 1 条调整:剔除整行时不写 column 和 value;"),
])
def test_a_bad_adjustment_is_refused_naming_the_file_and_entry(tmp_path, entry, message):
    errors = adjusted_errors(tmp_path, [entry])
    assert any(e.startswith(message) for e in errors), errors


def test_correcting_a_blank_cell_is_refused(tmp_path):
    params = department(tmp_path, adjustments=[
        {"file": "项目台账.xlsx", "sheet": "项目清单", "row": 2, "column": "立项批复金额(万元)", "value": 5,
         "reason": "x"}])
    raw = tmp_path / "data" / "raw" / "roads"
    write_workbook(raw / "项目台账.xlsx", {
        "项目清单": [["子项目编号", "子项目名称", "领域", "立项批复金额(万元)"], ["R-01", "环城路养护", "道路", None],
                 ["R-02", "滨河路养护", "道路", 600], ["R-03", "新桥维修", "桥梁", 900]],
        "年度预算": [[], [], ["子项目编号", "年度", "年初预算(万元)", "调整后预算(万元)"], *[list(r) for r in BUDGET]]})
    run = load_params(params)
    errors = [str(p) for p in read_raw(run.raw_dir, (2019, 2021), run.layout).errors]
    assert errors[0].startswith("错误:adjustments.yaml,列 立项批复金额(万元):第 1 条调整(项目台账.xlsx 工作表 项目清单 第 2 行):"
                                "该单元格为空;调整只能更正已有的值"), errors


def test_an_adjusted_excluded_row_and_a_blank_row(tmp_path):
    errors = adjusted_errors(tmp_path, [
        {"file": CSV, "row": 4, "action": "exclude", "reason": "x"},
        {"file": CSV, "row": 4, "column": "摘要", "value": "y", "reason": "x"}])
    assert errors == ["错误:adjustments.yaml:第 2 条调整:与第 1 条调整指向同一行或同一单元格;每行每格应只调整一次"]


@pytest.mark.parametrize("files, message", [
    ({"subprojects.xlsx": {"file": "项目台账.xlsx", "sheet": "项目清单"},
      "budget.xlsx": {"file": "项目台账.xlsx", "sheet": "项目清单"}},
     "子项目 和 预算 都指向 项目台账.xlsx 的工作表 项目清单"),
    ({"spending.xlsx": {"file": "2021年支付.csv", "sheet": "一"}}, "是 CSV 文件,没有工作表"),
    ({"spending.xlsx": {"file": "支付.txt"}}, "的文件名 '支付.txt' 不可用"),
    ({"spending.xlsx": {"file": "支付.csv", "header_row": 0}}, "header_row 0 应为表头所在的行号"),
    ({"spending.xlsx": {"file": "支付.csv", "rows": 3}}, "应为 {file: 文件名, sheet: 工作表, header_row: 表头所在行}"),
    ({"spending.xlsx": []}, "文件列表为空"),
    ({"survey.xlsx": {"file": "问卷.xlsx", "sheet": "答卷"}}, "survey.xlsx 有多个工作表(问卷、选项、好差评)"),
    ({"付款.xlsx": "x.xlsx"}, "'付款.xlsx' 不是合同的工作簿"),
])
def test_a_bad_files_entry_is_refused(tmp_path, files, message):
    params = department(tmp_path)
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["files"] = files
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)").replace("{", r"\{")
                       .replace("}", r"\}")):
        load_params(params)


def test_two_contract_workbooks_may_name_one_file_with_distinct_sheets(tmp_path):
    params = department(tmp_path)
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["files"]["subprojects.xlsx"] = "项目台账.xlsx"  # a plain name reads the contract's sheet (子项目)
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = load_params(params)
    errors = [str(p) for p in read_raw(run.raw_dir, (2019, 2021), run.layout).errors]
    assert errors[0] == "错误:项目台账.xlsx,工作表 子项目:缺少工作表 子项目;该工作簿中有:项目清单、年度预算"


@pytest.mark.parametrize("value, message", [
    ({"word": ""}, "survey_respondents.word '' 不可用"),
    ({"unit": "个 人"}, "survey_respondents.unit '个 人' 不可用"),
    ({"who": "群众"}, "'survey_respondents' 应为映射"),
    ("群众", "'survey_respondents' 应为映射"),
])
def test_bad_respondents_are_refused(tmp_path, value, message):
    with pytest.raises(ParameterError, match=message):
        load_params(department(tmp_path, survey_respondents=value))


def test_an_adjustments_file_that_is_not_there_is_refused(tmp_path):
    params = department(tmp_path)
    (tmp_path / "adjustments.yaml").unlink()
    with pytest.raises(ParameterError, match="adjustments 'adjustments.yaml' 应为"):
        load_params(params)


def test_a_damaged_xls_and_an_undecodable_csv_are_refused(tmp_path):
    params = department(tmp_path, adjustments=None)
    raw = tmp_path / "data" / "raw" / "roads"
    (raw / XLS).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16)
    (raw / "2021年支付.csv").write_bytes("子项目编号,".encode("utf-8") + b"\xff\xff\x80\x80")
    run = load_params(params)
    errors = [str(p) for p in read_raw(run.raw_dir, (2019, 2021), run.layout).errors]
    assert errors[0].startswith(f"错误:{XLS}:无法读取(") and errors[0].endswith(
        ";应为 Excel、WPS 或 LibreOffice 保存的有效工作簿"), errors
    assert errors[1] == ("错误:2021年支付.csv:的文字编码无法识别;应为 UTF-8 或 GBK(GB18030)编码的 CSV"
                         "(在 Excel 中另存为“CSV UTF-8”)"), errors


def test_a_utf8_csv_with_a_bom_is_read_and_said(tmp_path):
    params = department(tmp_path, adjustments=None)
    raw = tmp_path / "data" / "raw" / "roads"
    text = (raw / "2021年支付.csv").read_bytes().decode("gbk")
    (raw / "2021年支付.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    run = load_params(params)
    evaluation = read_raw(run.raw_dir, (2019, 2021), run.layout)
    assert evaluation.errors == []
    assert evaluation.normalised.encodings == {"2021年支付.csv": "UTF-8(带 BOM)"}
    assert int(evaluation.tables.spending["amount"].sum()) == spent(None, adjusted=False)
    assert evaluation.problems[0].severity != ERROR


# --- the smaller intake-side points of issue 24 ---------------------------------------------------------------


def test_template_takes_the_evaluations_stages(tmp_path):
    from openpyxl import load_workbook

    assert main(["template", str(tmp_path / "t"), "--stages", "立项,招标,施工,交工验收,审计决算"]) == 0
    ws = load_workbook(tmp_path / "t" / "milestones.xlsx")["进度"]
    assert ws["B2"].value == "立项"
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("审计决算" in f for f in lists), lists
    assert main(["template", str(tmp_path / "u"), "--stages", "立项,立项"]) == 2


def test_new_help_says_chinese_names_are_accepted(capsys):
    with pytest.raises(SystemExit):
        main(["new", "--help"])
    assert "中文或英文字母" in capsys.readouterr().out


def test_every_template_filter_is_described_in_chinese():
    from jixiao.cli import FILTER_WORDS
    from jixiao.output.fields import FILTERS

    assert set(FILTER_WORDS) == set(FILTERS)


def test_a_correction_on_a_named_sheet_below_a_title(tmp_path):
    # 年度预算's header is on row 3, so its 7th budget row (R-03, 2021) is the row the department sees as 10
    params = department(tmp_path, adjustments=[
        {"file": "项目台账.xlsx", "sheet": "年度预算", "row": 10, "column": "调整后预算(万元)", "value": 450,
         "reason": "预算调减"}])
    ev = jx.open(tmp_path / "data" / "raw" / "roads", params=params)
    assert ev.problems.errors == []
    record = ev.adjustments["records"][0]
    assert (record["table"], record["sheet"], record["before_value"], record["after_value"]) == (
        "budget", "年度预算", 500 * FEN, 450 * FEN)
    m = ev.period("2021").metrics["expenditure"]
    assert m["budget"] == (budget(2021) - 50 * FEN) / FEN
    assert m["rate"] == spent(2021, adjusted=False) / (budget(2021) - 50 * FEN)
    effects = {e["figure"]: (e["with"], e["without"]) for e in ev.adjustments["effects"]["each"][1]}
    assert effects["by_year.2021.budget"] == ((budget(2021) - 50 * FEN) / FEN, budget(2021) / FEN)


def write_ods(path: Path, sheet: str, rows: list[list]) -> None:
    """The smallest OpenDocument spreadsheet LibreOffice and calamine read: text and number cells."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(value) -> str:
        if isinstance(value, (int, float)):
            return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    body = "".join(f"<table:table-row>{''.join(cell(v) for v in row)}</table:table-row>" for row in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="{escape(sheet)}">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)


def test_an_ods_reads_as_the_xls_does(tmp_path):
    params = department(tmp_path, adjustments=None)
    raw = tmp_path / "data" / "raw" / "roads"
    (raw / XLS).unlink()
    write_ods(raw / "2019-2020年支付.ods", "支付明细",
              [["子项目编号", "支付日期", "支付金额(万元)", "摘要"], *[[i, d, float(a), "款"] for i, d, a in XLS_ROWS]])
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["files"]["spending.xlsx"][0] = {"file": "2019-2020年支付.ods", "sheet": "支付明细"}
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = load_params(params)
    evaluation = read_raw(run.raw_dir, (2019, 2021), run.layout)
    assert evaluation.errors == []
    assert int(evaluation.tables.spending["amount"].sum()) == spent(None, adjusted=False)


def test_the_sheets_of_one_contract_workbook_may_each_be_declared(tmp_path):
    params = department(tmp_path, adjustments=None)
    raw = tmp_path / "data" / "raw" / "roads"
    (raw / "答卷.csv").write_text("受访者,养护效果?\n张三,满意\n李四,一般\n", encoding="utf-8")
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    del data["files"]["survey.xlsx"]
    data["files"]["问卷"] = {"file": "答卷.csv"}
    data["files"]["选项"] = {"file": "问卷调查.xlsx", "sheet": "选项"}
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = load_params(params)
    evaluation = read_raw(run.raw_dir, (2019, 2021), run.layout)
    assert evaluation.errors == []
    assert evaluation.tables.survey_answers["respondent"].tolist() == ["张三", "李四"]
    assert evaluation.normalised.encodings == {"2021年支付.csv": "GB18030(GBK)", "答卷.csv": "UTF-8"}
