"""One test per validation rule, each asserting the exact message an analyst reads (Chinese, the default)."""

from __future__ import annotations

import codecs

import pytest
from minimal import Q1, build, rows

from jixiao.intake.folder import read_raw


def messages(folder, severity="error", span=(2019, 2021)):
    return [str(p) for p in read_raw(folder, span).problems if p.severity == severity]


def test_minimal_folder_is_clean(tmp_path):
    evaluation = read_raw(build(tmp_path), (2019, 2021))
    assert evaluation.problems == []


def test_negative_amount(tmp_path):
    r = rows("spending.xlsx", "支出")
    r[2][2] = -5
    assert messages(build(tmp_path, {("spending.xlsx", "支出"): r})) == [
        "错误:spending.xlsx,工作表 支出,第 3 行,列 支付金额(万元):发现 -5;应为不小于 0 的金额"]


def test_text_in_amount(tmp_path):
    r = rows("budget.xlsx", "预算")
    r[1][3] = "待定"
    assert messages(build(tmp_path, {("budget.xlsx", "预算"): r})) == [
        "错误:budget.xlsx,工作表 预算,第 2 行,列 调整后预算(万元):发现 '待定';"
        "应为以万元计的金额:纯数字,例如 1234.56(不带单位、不带 % 号)"]


def test_duplicate_subproject_id(tmp_path):
    r = rows("subprojects.xlsx", "子项目")
    r[3][0] = "A-1"
    assert messages(build(tmp_path, {("subprojects.xlsx", "子项目"): r})) == [
        "错误:subprojects.xlsx,工作表 子项目,第 4 行,列 子项目编号:发现 'A-1';与第 2 行重复;每个子项目编号应只出现一次"]


def test_duplicate_budget_year(tmp_path):
    r = rows("budget.xlsx", "预算")
    r.append(["A-1", 2020, 1, 1])
    assert messages(build(tmp_path, {("budget.xlsx", "预算"): r})) == [
        "错误:budget.xlsx,工作表 预算,第 4 行,列 子项目编号:发现 'A-1 / 2020';与第 2 行重复;每个子项目编号、年度应只出现一次"]


@pytest.mark.parametrize("file, sheet, header", [
    ("budget.xlsx", "预算", "子项目编号"), ("spending.xlsx", "支出", "子项目编号"), ("milestones.xlsx", "进度", "子项目编号")])
def test_unknown_subproject_id(tmp_path, file, sheet, header):
    r = rows(file, sheet)
    r[1][0] = "Z-9"
    assert messages(build(tmp_path, {(file, sheet): r})) == [
        f"错误:{file},工作表 {sheet},第 2 行,列 {header}:发现 'Z-9';应为 subprojects.xlsx 中列出的子项目编号"]


def test_unknown_stage(tmp_path):
    r = rows("milestones.xlsx", "进度")
    r[2][1] = "验收"
    assert messages(build(tmp_path, {("milestones.xlsx", "进度"): r})) == [
        "错误:milestones.xlsx,工作表 进度,第 3 行,列 阶段:发现 '验收';"
        "应为以下阶段之一:启动、可研报告编制、初步设计编制、正式立项、集成实施入场、初验、终验"]


def test_duplicate_stage_of_a_subproject(tmp_path):
    r = rows("milestones.xlsx", "进度")
    r.append(["A-1", "启动", "2020-02-01", None])
    assert messages(build(tmp_path, {("milestones.xlsx", "进度"): r})) == [
        "错误:milestones.xlsx,工作表 进度,第 5 行,列 子项目编号:发现 'A-1 / 启动';与第 2 行重复;每个子项目编号、阶段应只出现一次"]


def test_date_not_real(tmp_path):
    r = rows("spending.xlsx", "支出")
    r[1][1] = "2020-02-30"
    assert messages(build(tmp_path, {("spending.xlsx", "支出"): r})) == [
        "错误:spending.xlsx,工作表 支出,第 2 行,列 支付日期:发现 '2020-02-30';"
        "应为日期:Excel 日期或文本,例如 2021-06-30(这不是一个真实的日期)"]


def test_survey_answer_not_an_option(tmp_path):
    r = rows("survey.xlsx", "问卷")
    r[2][1] = "非常满意"
    assert messages(build(tmp_path, {("survey.xlsx", "问卷"): r})) == [
        f"错误:survey.xlsx,工作表 问卷,第 3 行,列 {Q1}:发现 '非常满意';应为以下选项之一:满意、一般"]


def test_survey_question_without_options(tmp_path):
    r = rows("survey.xlsx", "问卷")
    r[0].append("新问题")
    for row in r[1:]:
        row.append("是")
    assert messages(build(tmp_path, {("survey.xlsx", "问卷"): r})) == [
        "错误:survey.xlsx,工作表 问卷,第 1 行,列 新问题:该题目在工作表 选项 中没有选项;应在那里列出其选项"]


def test_score_above_weight(tmp_path):
    r = rows("scoring.xlsx", "指标")
    r[1][4] = 40.5
    assert messages(build(tmp_path, {("scoring.xlsx", "指标"): r})) == [
        "错误:scoring.xlsx,工作表 指标,第 2 行,列 得分:发现 40.5;应为 0 到该指标分值 40 之间的得分"]


def test_weights_not_adding_to_100_is_a_warning(tmp_path):
    r = rows("scoring.xlsx", "指标")
    r[2][3] = 50
    folder = build(tmp_path, {("scoring.xlsx", "指标"): r})
    assert messages(folder) == []
    assert messages(folder, "warning") == [
        "警告:scoring.xlsx,工作表 指标,列 分值:分值合计为 90,不是 100"]


def test_payment_to_unapproved_subproject_is_a_warning(tmp_path):
    r = rows("spending.xlsx", "支出")
    r.append(["A-3", "2021-01-05", 1, "设计费"])
    folder = build(tmp_path, {("spending.xlsx", "支出"): r})
    assert messages(folder) == []
    assert messages(folder, "warning") == [
        "警告:spending.xlsx,工作表 支出,第 5 行,列 子项目编号:发现 'A-3';该笔支付所属的子项目没有立项批复金额(尚未批复)"]


def test_payment_date_outside_the_span_is_a_warning(tmp_path):
    r = rows("spending.xlsx", "支出")
    r[1][1] = "2002-05-01"
    folder = build(tmp_path, {("spending.xlsx", "支出"): r})
    assert messages(folder) == []
    assert messages(folder, "warning") == [
        "警告:spending.xlsx,工作表 支出,第 2 行,列 支付日期:发现 2002-05-01;支付日期在评价期 2019-2021 之外;"
        "应在 2019-01-01 至 2021-12-31 之间(录入错误,或是别的评价的数据?)"]


def test_date_far_outside_the_evaluation_is_a_warning(tmp_path):
    """With no span given the span is the budget's years, and only dates far outside it are flagged."""
    r = rows("milestones.xlsx", "进度")
    r[1][2] = "2002-05-01"
    folder = build(tmp_path, {("milestones.xlsx", "进度"): r})
    assert messages(folder, span=None) == []
    assert messages(folder, "warning", span=None) == [
        "警告:milestones.xlsx,工作表 进度,第 2 行,列 计划完成日期:发现 2002-05-01;日期远在评价期 2020-2021 之外;"
        "应在 2019-01-01 至 2023-12-31 之间(录入错误?)"]


def test_absent_workbook_is_a_note_not_an_error(tmp_path):
    folder = build(tmp_path, drop=("survey.xlsx",))
    assert messages(folder) == []
    assert messages(folder, "note") == ["提示:survey.xlsx:不存在:满意度部分没有数据"]


def test_every_problem_in_one_pass(tmp_path):
    sp = rows("spending.xlsx", "支出")
    sp[1][2] = "12万元"
    ms = rows("milestones.xlsx", "进度")
    ms[1][1] = "开工"
    sc = rows("scoring.xlsx", "指标")
    sc[2][4] = 61
    found = messages(build(tmp_path, {("spending.xlsx", "支出"): sp, ("milestones.xlsx", "进度"): ms,
                                      ("scoring.xlsx", "指标"): sc}))
    assert [m.split(":")[1] for m in found] == [
        "spending.xlsx,工作表 支出,第 2 行,列 支付金额(万元)",
        "milestones.xlsx,工作表 进度,第 2 行,列 阶段",
        "scoring.xlsx,工作表 指标,第 3 行,列 得分",
    ]


def test_approved_amount_of_zero_is_a_warning(tmp_path):
    r = rows("subprojects.xlsx", "子项目")
    r[2][4] = 0
    folder = build(tmp_path, {("subprojects.xlsx", "子项目"): r})
    assert messages(folder) == []
    assert "警告:subprojects.xlsx,工作表 子项目,第 3 行,列 立项批复金额(万元):发现 0;立项批复金额为 0,视为未批复:" \
           "该子项目不计入支出进度分档" in messages(folder, "warning")


def test_payments_over_the_adjusted_budgets_of_an_unapproved_subproject(tmp_path):
    """With no approved amount, the payments are weighed against the subproject's adjusted budgets."""
    budget = rows("budget.xlsx", "预算")
    budget.append(["A-3", 2021, 12, 10])
    spending = rows("spending.xlsx", "支出")
    spending.append(["A-3", "2021-01-05", 12, "设计费"])
    spending.append(["A-3", "2021-02-05", 8.5, "设计费"])
    folder = build(tmp_path, {("budget.xlsx", "预算"): budget, ("spending.xlsx", "支出"): spending})
    assert messages(folder) == []
    unapproved = "该笔支付所属的子项目没有立项批复金额(尚未批复)"
    assert messages(folder, "warning") == [
        f"警告:spending.xlsx,工作表 支出,第 5 行,列 子项目编号:发现 'A-3';{unapproved}",
        "警告:spending.xlsx,工作表 支出,第 5、6 行,列 支付金额(万元):子项目 A-3 的支付合计 20.5 万元,"
        "是调整后预算合计 10 万元的 2.1 倍(超过 150%);请核对金额、单位或是否重复录入",
        f"警告:spending.xlsx,工作表 支出,第 6 行,列 子项目编号:发现 'A-3';{unapproved}",
    ]


def test_payments_at_150_percent_are_not_flagged(tmp_path):
    spending = rows("spending.xlsx", "支出")
    spending[2][2] = 120  # 30 + 120 = 150 万元, exactly 150% of its 100 万元
    folder = build(tmp_path, {("spending.xlsx", "支出"): spending})
    assert messages(folder, "warning") == []
    spending[2][2] = 120.000001
    assert len(messages(build(tmp_path / "over", {("spending.xlsx", "支出"): spending}), "warning")) == 1


def test_problems_survive_a_json_round_trip_in_both_languages(tmp_path, monkeypatch):
    import json

    from jixiao.core.problems import Problem

    spending = rows("spending.xlsx", "支出")
    spending.append(list(spending[2]))
    spending[1][2] = "12万元"
    problems = read_raw(build(tmp_path, {("spending.xlsx", "支出"): spending}), (2019, 2021)).problems
    assert len(problems) == 2
    again = [Problem(**json.loads(json.dumps(p.as_dict(), ensure_ascii=False))) for p in problems]
    assert [str(p) for p in again] == [str(p) for p in problems] == [
        "错误:spending.xlsx,工作表 支出,第 2 行,列 支付金额(万元):发现 '12万元';"
        "应为以万元计的金额:纯数字,例如 1234.56(不带单位、不带 % 号)",
        "警告:spending.xlsx,工作表 支出,第 3、5 行:这两行完全相同(子项目编号、支付日期、支付金额(万元)、摘要都相同):"
        "同一笔支付录入了两次?",
    ]
    monkeypatch.setenv("JIXIAO_LANG", "en")
    assert [str(p) for p in again] == [
        "error: spending.xlsx, sheet 支出, row 2, column 支付金额(万元): found '12万元'; "
        "expected an amount in 万元: a plain number such as 1234.56 (no unit, no % sign)",
        "warning: spending.xlsx, sheet 支出, rows 3, 5: these two rows are the same "
        "(子项目编号、支付日期、支付金额(万元)、摘要 alike): one payment entered twice?",
    ]


# --- inputs are what they say ----------------------------------------------------------------


def test_a_workbook_linked_from_outside_the_raw_folder_is_refused(tmp_path):
    import os

    from minimal import build

    raw = build(tmp_path / "raw")
    outside = build(tmp_path / "elsewhere")
    (raw / "budget.xlsx").unlink()
    os.symlink(outside / "budget.xlsx", raw / "budget.xlsx")
    (raw / "published.yaml").symlink_to(tmp_path / "secret.yaml")
    (tmp_path / "secret.yaml").write_text("x: 1\n", encoding="utf-8")
    (raw / "local.xlsx").symlink_to(raw / "spending.xlsx")  # a link inside the folder is the folder's own file
    errors = [str(p) for p in read_raw(raw).problems if p.severity == "error"]
    assert errors == [
        f"错误:budget.xlsx:是指向原始数据文件夹之外的链接(→ {outside / 'budget.xlsx'});"
        "应为文件夹中的工作簿本身(请复制进来,而不是链接)",
        f"错误:published.yaml:是指向原始数据文件夹之外的链接(→ {tmp_path / 'secret.yaml'});应为文件夹中的文件本身",
    ]


def _with_part(source, target, name, data: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, data if item.filename == name else src.read(item.filename))


DTD = '<?xml version="1.0" encoding="{enc}"?>\n<!DOCTYPE x [<!ENTITY a "lol">]>\n'


def _sheet_part(path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return next(n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))


@pytest.mark.parametrize("encoding, data", [
    ("utf-16 with a BOM", lambda xml: codecs.BOM_UTF16_LE + DTD.format(enc="UTF-16").encode("utf-16-le") + xml),
    ("utf-16-be with a BOM", lambda xml: codecs.BOM_UTF16_BE + DTD.format(enc="UTF-16").encode("utf-16-be") + xml),
    ("utf-16 without a BOM", lambda xml: DTD.format(enc="UTF-16").encode("utf-16-le") + xml),
    ("utf-8 with a BOM", lambda xml: codecs.BOM_UTF8 + DTD.format(enc="UTF-8").encode() + xml),
    ("utf-16 declared, ascii bytes", lambda xml: b'<?xml version="1.0" encoding="UTF-16"?>' + xml),
    ("utf-7", lambda xml: DTD.format(enc="UTF-7").encode("utf-7") + xml),
])
def test_a_dtd_is_found_in_any_encoding_the_xml_declares(tmp_path, encoding, data):
    from minimal import build

    raw = build(tmp_path / "raw")
    original = tmp_path / "budget.xlsx"
    (raw / "budget.xlsx").rename(original)
    _with_part(original, raw / "budget.xlsx", _sheet_part(original), data(b"<worksheet/>"))
    errors = [p for p in read_raw(raw).problems if p.severity == "error"]
    assert [(p.file, p.text) for p in errors] == [
        ("budget.xlsx", f"部件 {_sheet_part(original)} 声明了 DTD 或实体,Excel 从不这样写(实体扩展攻击?);应为普通工作簿")
    ], encoding


def test_an_ordinary_declaration_passes_the_encoding_check():
    from jixiao.intake.workbook import xml_encoding

    assert xml_encoding(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet>') == ("UTF-8", True)
    assert xml_encoding(b"<worksheet>") == ("utf-8", True)
    assert xml_encoding(b'<?xml version="1.0" encoding="GBK"?>') == ("GBK", True)
    assert xml_encoding(b'<?xml version="1.0" encoding="no-such-codec"?>') is None


def test_a_sheet_part_not_named_xml_is_checked_too(tmp_path):
    import re
    import zipfile

    raw = build(tmp_path / "raw")
    original = tmp_path / "budget.xlsx"
    (raw / "budget.xlsx").rename(original)
    part = _sheet_part(original)
    hidden = part[:-4] + ".dat"
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(raw / "budget.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == part:
                body = data.split(b"?>", 1)[-1]  # the sheet without its own declaration, if it has one
                out.writestr(hidden, DTD.format(enc="UTF-8").encode() + body)
                continue
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = re.sub(rb'Target="/?(xl/)?' + re.escape(part[3:].encode()) + b'"',
                              b'Target="' + hidden[3:].encode() + b'"', data)
            out.writestr(item, data)
    errors = [p for p in read_raw(raw).problems if p.severity == "error"]
    assert [(p.file, p.text) for p in errors] == [
        ("budget.xlsx", f"部件 {hidden} 声明了 DTD 或实体,Excel 从不这样写(实体扩展攻击?);应为普通工作簿")]


YUAN_HINT = "像是以元填写,而表头要求万元"


def test_a_budget_typed_in_yuan_is_a_warning(tmp_path):
    budget = rows("budget.xlsx", "预算")
    budget[1][3] = 4205000  # 420.5 万元 typed in 元 beside budgets of tens of 万元
    folder = build(tmp_path, {("budget.xlsx", "预算"): budget})
    assert messages(folder) == []
    assert messages(folder, "warning") == [
        "警告:budget.xlsx,工作表 预算,第 2 行,列 调整后预算(万元):发现 4205000;是本列金额中位数 40 万元的 105,125 倍"
        f"(达到 1,000 倍):{YUAN_HINT};应为以万元计的金额(以元填写的话,即 420.5 万元)"]


def test_an_approved_amount_typed_in_yuan_is_a_warning(tmp_path, monkeypatch):
    subprojects = rows("subprojects.xlsx", "子项目")
    subprojects[2][4] = 505000  # A-2's 50.5 万元 in 元
    folder = build(tmp_path, {("subprojects.xlsx", "子项目"): subprojects})
    warned = [m for m in messages(folder, "warning") if YUAN_HINT in m]
    assert warned == [
        "警告:subprojects.xlsx,工作表 子项目,第 3 行,列 立项批复金额(万元):发现 505000;是本列金额中位数 100 万元的 "
        f"5,050 倍(达到 1,000 倍):{YUAN_HINT};应为以万元计的金额(以元填写的话,即 50.5 万元)"]
    monkeypatch.setenv("JIXIAO_LANG", "en")
    english = [str(p) for p in read_raw(folder, (2019, 2021)).problems if "元 under a 万元 header" in str(p)]
    assert english == [
        "warning: subprojects.xlsx, sheet 子项目, row 3, column 立项批复金额(万元): found 505000; 5,050 times the "
        "column's median of 100 万元 (at least 1,000 times): it looks typed in 元 under a 万元 header; expected an "
        "amount in 万元 (typed in 元, it is 50.5 万元)"]


def test_a_genuine_large_project_is_not_warned(tmp_path):
    """Hundreds of times the median is a big project, not a unit slip; nor is a column headed in 元."""
    budget = rows("budget.xlsx", "预算")
    budget[1][3] = 39_000  # 975 times the median of 40 万元
    budget[1][2] = 39_000  # 488 times 80 万元
    subprojects = rows("subprojects.xlsx", "子项目")
    subprojects[1][4] = 39_000  # 772 times 50.5 万元
    folder = build(tmp_path, {("budget.xlsx", "预算"): budget, ("subprojects.xlsx", "子项目"): subprojects})
    assert not [m for m in messages(folder, "warning") if YUAN_HINT in m]
    in_yuan = rows("budget.xlsx", "预算")
    in_yuan[0][3] = "调整后预算(元)"
    in_yuan[1][3], in_yuan[2][3] = 600_000, 400_000_000
    folder = build(tmp_path / "yuan", {("budget.xlsx", "预算"): in_yuan})
    assert not [m for m in messages(folder, "warning") if YUAN_HINT in m]
