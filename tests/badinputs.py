"""Builders of the bad-input corpus: each case copies the valid reference workbooks and breaks one thing.

A case says what ``jixiao validate RAW --span 2019-2021`` must report: ``error`` (exit 2),
``warning`` (exit 0, warnings listed) or ``clean`` (exit 0, no problem). ``lines`` are exact
lines of its output; ``parts`` are groups of fragments that must all appear on one line (used
where a message embeds a number that is not part of the contract, e.g. a compression ratio).

Nothing here ever writes under the project: builders get a scratch folder.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "raw" / "dongguan-2019-2021"
SPAN = "2019-2021"

# the messages in Chinese, jixiao's default language (tests/test_bad_inputs.py also checks a few in English)
MONEY = "应为以万元计的金额:纯数字,例如 1234.56(不带单位、不带 % 号)"
DATE = "应为日期:Excel 日期或文本,例如 2021-06-30"
BLANK = "应有值;该单元格为空"
STAGES = "启动、可研报告编制、初步设计编制、正式立项、集成实施入场、初验、终验"
NOT_A_ZIP = ("不是 .xlsx 工作簿(不是 zip 压缩包:改了扩展名的 CSV 或文本文件,或已损坏的文件);"
             "应为 Excel、WPS 或 LibreOffice 保存的 .xlsx")
PROTECTED = "是受密码保护的工作簿或旧格式的 .xls 工作簿;应为未加密的 .xlsx(在 Excel 中打开,取消密码后另存为 .xlsx)"
DTD = "声明了 DTD 或实体,Excel 从不这样写(实体扩展攻击?);应为普通工作簿"
FORMULA = "该单元格是没有保存结果的公式;应为数值(在 Excel 中打开并保存,或粘贴为数值)"
Q_APPLY = "您认为数字政府建设项目的申报流程是否合理?"

BOMB_BYTES = 300 * 1024 * 1024  # what the bomb's sheet XML expands to


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], None]  # breaks the copy in the raw folder it is given
    expect: str  # "error" | "warning" | "clean"
    lines: tuple[str, ...] = ()
    parts: tuple[tuple[str, ...], ...] = ()
    bomb: bool = False  # also: fails fast, bounded memory
    folder: str = "raw"  # name of the raw folder
    xfail: str | None = None  # why the library does not (yet) behave as required
    exact: bool = False  # ``lines`` are the whole report, in this order (the summary line apart)


def copy_reference(raw: Path) -> None:
    """The six valid workbooks (only the .xlsx files: the rest of the folder is not ours to depend on)."""
    raw.mkdir(parents=True)
    for path in sorted(REFERENCE.glob("*.xlsx")):
        shutil.copyfile(path, raw / path.name)


# --- small editing helpers ----------------------------------------------------------------------


def edit(raw: Path, file: str, change: Callable) -> None:
    """Open ``file`` with openpyxl, let ``change(wb)`` break it, save it back."""
    wb = load_workbook(raw / file)
    change(wb)
    wb.save(raw / file)


def set_cell(file: str, sheet: str, ref: str, value) -> Callable[[Path], None]:
    def build(raw: Path) -> None:
        def change(wb):
            wb[sheet][ref] = value
        edit(raw, file, change)
    return build


def rewrite_zip(path: Path, replace: dict[str, bytes | Callable]) -> None:
    """Copy the zip at ``path`` member by member, replacing some members' bytes (or streaming writers)."""
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        for name in names:
            new = replace.get(name)
            if new is None:
                dst.writestr(name, src.read(name))
            elif callable(new):
                with dst.open(name, "w") as fh:
                    new(fh)
            else:
                dst.writestr(name, new)
        for name, new in replace.items():
            if name not in names:
                dst.writestr(name, new)
    tmp.replace(path)


def junk(n: int, seed: int = 20240601) -> bytes:
    return random.Random(seed).randbytes(n)


# --- the builders -------------------------------------------------------------------------------


def missing_sheet(raw: Path) -> None:
    edit(raw, "survey.xlsx", lambda wb: wb.remove(wb["选项"]))


def missing_header(raw: Path) -> None:
    edit(raw, "subprojects.xlsx", lambda wb: wb["子项目"].delete_cols(3))  # 领域


def misspelled_header(raw: Path) -> None:
    set_cell("budget.xlsx", "预算", "A1", "子项目编码")(raw)


def duplicated_header(raw: Path) -> None:
    def change(wb):
        ws = wb["支出"]
        ws["E1"] = "支付金额(万元)"
        for r in range(2, ws.max_row + 1):
            ws.cell(r, 5, ws.cell(r, 3).value)
    edit(raw, "spending.xlsx", change)


def header_only(raw: Path) -> None:
    edit(raw, "scoring.xlsx", lambda wb: wb["指标"].delete_rows(2, wb["指标"].max_row))


def empty_sheet(raw: Path) -> None:
    def change(wb):
        wb.remove(wb["指标"])
        wb.create_sheet("指标")
    edit(raw, "scoring.xlsx", change)


def duplicate_id(raw: Path) -> None:
    def change(wb):
        ws = wb["子项目"]
        ws.append([c.value for c in ws[2]])  # row 102 repeats row 2
    edit(raw, "subprojects.xlsx", change)


def hide_rows(raw: Path) -> None:
    edit(raw, "spending.xlsx", lambda wb: setattr(wb["支出"].row_dimensions[5], "hidden", True))


def hide_sheet(raw: Path) -> None:
    edit(raw, "survey.xlsx", lambda wb: setattr(wb["好差评"], "sheet_state", "hidden"))


def merged_header(raw: Path) -> None:
    edit(raw, "subprojects.xlsx", lambda wb: wb["子项目"].merge_cells("A1:B1"))


def leading_blank_row(raw: Path) -> None:
    """A blank row above the header: the header is Excel row 2, so data row 5 of the original is row 6."""
    def change(wb):
        ws = wb["支出"]
        ws.insert_rows(1)
        ws["C6"] = "12万元"
    edit(raw, "spending.xlsx", change)


def blank_row_inside(raw: Path) -> None:
    """A blank row among the data: rows below it keep their Excel numbers."""
    def change(wb):
        ws = wb["支出"]
        ws.insert_rows(4)
        ws["C8"] = "12万元"
    edit(raw, "spending.xlsx", change)


def csv_instead(raw: Path) -> None:
    (raw / "subprojects.xlsx").unlink()
    (raw / "subprojects.csv").write_text("子项目编号,子项目名称,领域,业务单位,立项批复金额(万元)\n"
                                         "DG-2019-001,招商引资项目管理系统,营商环境域,市商务局,806.33\n", encoding="utf-8")


def xls_instead(raw: Path) -> None:
    (raw / "budget.xlsx").unlink()
    (raw / "budget.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + junk(4096))


def csv_renamed(raw: Path) -> None:
    (raw / "subprojects.xlsx").write_text("子项目编号,子项目名称,领域\nDG-2019-001,招商引资项目管理系统,营商环境域\n",
                                          encoding="utf-8")


def random_bytes(raw: Path) -> None:
    (raw / "spending.xlsx").write_bytes(junk(20000))


def empty_file(raw: Path) -> None:
    (raw / "milestones.xlsx").write_bytes(b"")


def truncated(raw: Path) -> None:
    data = (raw / "milestones.xlsx").read_bytes()
    (raw / "milestones.xlsx").write_bytes(data[: len(data) // 2])


def zip_not_workbook(raw: Path) -> None:
    (raw / "spending.xlsx").unlink()
    with zipfile.ZipFile(raw / "spending.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("hello.txt", "not a workbook")


def password_protected(raw: Path) -> None:
    (raw / "scoring.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + junk(8192))


def zip_bomb(raw: Path) -> None:
    """spending.xlsx whose sheet XML is BOMB_BYTES of well-formed rows, compressed to well under 1 MB."""
    path = raw / "spending.xlsx"
    with zipfile.ZipFile(path) as zf:
        original = zf.read("xl/worksheets/sheet1.xml")
    head = original[: original.index(b"<sheetData>") + len(b"<sheetData>")]
    tail = b"</sheetData></worksheet>"
    row = b'<row><c t="inlineStr"><is><t>DG-2019-001</t></is></c><c t="n"><v>0</v></c></row>'
    chunk = row * ((1 << 20) // len(row))

    def write(fh) -> None:
        fh.write(head)
        written = len(head) + len(tail)
        while written < BOMB_BYTES:
            fh.write(chunk)
            written += len(chunk)
        fh.write(tail)

    rewrite_zip(path, {"xl/worksheets/sheet1.xml": write})


def zero_bomb(raw: Path) -> None:
    """spending.xlsx whose sheet XML is BOMB_BYTES of NUL bytes."""
    block = b"\0" * (1 << 20)

    def write(fh) -> None:
        for _ in range(BOMB_BYTES // len(block)):
            fh.write(block)

    rewrite_zip(raw / "spending.xlsx", {"xl/worksheets/sheet1.xml": write})


def _laughs(root_open: str, root_body: str, pad: int = 0) -> bytes:
    ents = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = "lol" if i == 1 else f"lol{i - 1}"
        ents.append(f'<!ENTITY lol{i} "' + f"&{prev};" * 10 + '">')
    padding = f"<!--{'x' * pad}-->\n" if pad else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + padding
            + "<!DOCTYPE lolz [\n " + "\n ".join(ents) + "\n]>\n" + root_open + root_body).encode("utf-8")


SST = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def shared_strings(raw: Path, sst: bytes) -> None:
    """spending.xlsx with a shared-strings part ``sst`` whose string 0 is cell D2 (摘要) of sheet 支出."""
    path = raw / "spending.xlsx"
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
        types = zf.read("[Content_Types].xml").decode("utf-8")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    cell = '<c r="D2" t="inlineStr"><is><t>合同首付款</t></is></c>'
    assert cell in sheet
    sheet = sheet.replace(cell, '<c r="D2" t="s"><v>0</v></c>')
    types = types.replace("</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>')
    rels = rels.replace("</Relationships>",
                        f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml"/></Relationships>')
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": sheet.encode("utf-8"), "[Content_Types].xml": types.encode("utf-8"),
                       "xl/_rels/workbook.xml.rels": rels.encode("utf-8"), "xl/sharedStrings.xml": sst})


def benign_shared_strings(raw: Path) -> None:
    """The control for the bombs below: the same layout with an ordinary string reads clean."""
    shared_strings(raw, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {SST} count="1" '
                        'uniqueCount="1"><si><t>合同首付款</t></si></sst>'.encode("utf-8"))


def laughs_shared_strings(raw: Path, pad: int = 0) -> None:
    """spending.xlsx whose shared string 0 (cell D2) is a billion laughs."""
    shared_strings(raw, _laughs(f'<sst {SST} count="1" uniqueCount="1">', "<si><t>&lol9;</t></si></sst>", pad))


def laughs_sheet(raw: Path) -> None:
    """spending.xlsx whose sheet XML declares the entities and uses one in a 摘要 cell."""
    path = raw / "spending.xlsx"
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    sheet = sheet.replace("<t>合同首付款</t>", "<t>&lol9;</t>", 1)
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": _laughs("", sheet)})


def laughs_after_comment(raw: Path) -> None:
    """The DTD placed after a 5000-character comment, beyond the first 4096 bytes of the part."""
    laughs_shared_strings(raw, pad=5000)


def long_name(raw: Path) -> None:
    set_cell("subprojects.xlsx", "子项目", "B4", "长" * 5000)(raw)


def spaced_chinese_folder(raw: Path) -> None:
    pass  # the folder name is the case


def far_dates(raw: Path) -> None:
    def change(wb):
        wb["进度"]["C3"] = dt.datetime(1921, 11, 13)
        wb["进度"]["D4"] = dt.datetime(2091, 12, 28)
    edit(raw, "milestones.xlsx", change)


def weights_not_100(raw: Path) -> None:
    set_cell("scoring.xlsx", "指标", "D2", 4)(raw)  # 3 -> 4: weights add up to 101


def formula_no_value(raw: Path) -> None:
    set_cell("spending.xlsx", "支出", "C2", "=1+1")(raw)


def scale_amounts(file: str, sheet: str, column: int, rows: range, factor) -> Callable[[Path], None]:
    def build(raw: Path) -> None:
        def change(wb):
            for r in rows:
                cell = wb[sheet].cell(r, column)
                cell.value = round(cell.value * factor, 6)
        edit(raw, file, change)
    return build


def repeat_row(file: str, sheet: str, row: int) -> Callable[[Path], None]:
    def build(raw: Path) -> None:
        def change(wb):
            ws = wb[sheet]
            ws.append([c.value for c in ws[row]])
        edit(raw, file, change)
    return build


def append_row(file: str, sheet: str, values: list) -> Callable[[Path], None]:
    def build(raw: Path) -> None:
        edit(raw, file, lambda wb: wb[sheet].append(values))
    return build


def several(*builds: Callable[[Path], None]) -> Callable[[Path], None]:
    def build(raw: Path) -> None:
        for b in builds:
            b(raw)
    return build


SAMPLE = "这是模板的示例行;应删除示例行,只填本评价的数据"
TOO_LARGE_MONEY = "应为小于 1,000,000,000,000 万元的金额(此数过大,不可能是真实金额)"
TOO_LARGE_SCORE = "应为小于 1,000,000 的分数(此数过大,不可能是真实分数)"

CASES: tuple[Case, ...] = (
    Case("missing_sheet", missing_sheet, "error",
         lines=("错误:survey.xlsx,工作表 选项:缺少工作表 选项;该工作簿中有:问卷、好差评",)),
    Case("missing_header", missing_header, "error",
         lines=("错误:subprojects.xlsx,工作表 子项目,第 1 行:缺少必需的列 领域(domain)",)),
    Case("misspelled_header", misspelled_header, "error",
         lines=("错误:budget.xlsx,工作表 预算,第 1 行:缺少必需的列 子项目编号(subproject_id)(是否就是 '子项目编码'?)",)),
    Case("duplicated_header", duplicated_header, "error",
         lines=("错误:spending.xlsx,工作表 支出,第 1 行,列 支付金额(万元):该表头出现两次;每列应只出现一次",)),
    Case("header_only_sheet", header_only, "clean"),
    Case("empty_sheet", empty_sheet, "error",
         lines=("错误:scoring.xlsx,工作表 指标:该工作表为空;应有表头行和数据行",)),
    Case("text_amount", set_cell("spending.xlsx", "支出", "C5", "待定"), "error",
         lines=(f"错误:spending.xlsx,工作表 支出,第 5 行,列 支付金额(万元):发现 '待定';{MONEY}",)),
    Case("negative_amount", set_cell("budget.xlsx", "预算", "C3", -5), "error",
         lines=("错误:budget.xlsx,工作表 预算,第 3 行,列 年初预算(万元):发现 -5;应为不小于 0 的金额",)),
    Case("unit_suffix", set_cell("spending.xlsx", "支出", "C5", "12万元"), "error",
         lines=(f"错误:spending.xlsx,工作表 支出,第 5 行,列 支付金额(万元):发现 '12万元';{MONEY}",)),
    Case("percent_string", set_cell("subprojects.xlsx", "子项目", "E7", "85%"), "error",
         lines=(f"错误:subprojects.xlsx,工作表 子项目,第 7 行,列 立项批复金额(万元):发现 '85%';{MONEY}",)),
    Case("blank_required", set_cell("spending.xlsx", "支出", "C6", None), "error",
         lines=(f"错误:spending.xlsx,工作表 支出,第 6 行,列 支付金额(万元):{BLANK}",)),
    Case("impossible_date", set_cell("spending.xlsx", "支出", "B4", "2020-13-45"), "error",
         lines=(f"错误:spending.xlsx,工作表 支出,第 4 行,列 支付日期:发现 '2020-13-45';{DATE}(这不是一个真实的日期)",)),
    Case("far_dates", far_dates, "warning",
         lines=("警告:milestones.xlsx,工作表 进度,第 3 行,列 计划完成日期:发现 1921-11-13;日期远在评价期 2019-2021 之外;"
                "应在 2018-01-01 至 2023-12-31 之间(录入错误?)",
                "警告:milestones.xlsx,工作表 进度,第 4 行,列 实际完成日期:发现 2091-12-28;日期远在评价期 2019-2021 之外;"
                "应在 2018-01-01 至 2023-12-31 之间(录入错误?)")),
    Case("duplicate_id", duplicate_id, "error",
         lines=("错误:subprojects.xlsx,工作表 子项目,第 102 行,列 子项目编号:发现 'DG-2019-001';"
                "与第 2 行重复;每个子项目编号应只出现一次",)),
    Case("unknown_id_budget", set_cell("budget.xlsx", "预算", "A4", "DG-2099-999"), "error",
         lines=("错误:budget.xlsx,工作表 预算,第 4 行,列 子项目编号:发现 'DG-2099-999';应为 subprojects.xlsx 中列出的子项目编号",)),
    Case("unknown_id_spending", set_cell("spending.xlsx", "支出", "A7", "DG-2099-999"), "error",
         lines=("错误:spending.xlsx,工作表 支出,第 7 行,列 子项目编号:发现 'DG-2099-999';应为 subprojects.xlsx 中列出的子项目编号",)),
    Case("unknown_id_milestones", set_cell("milestones.xlsx", "进度", "A9", "DG-2099-999"), "error",
         lines=("错误:milestones.xlsx,工作表 进度,第 9 行,列 子项目编号:发现 'DG-2099-999';应为 subprojects.xlsx 中列出的子项目编号",)),
    Case("unknown_stage", set_cell("milestones.xlsx", "进度", "B3", "验收"), "error",
         lines=(f"错误:milestones.xlsx,工作表 进度,第 3 行,列 阶段:发现 '验收';应为以下阶段之一:{STAGES}",)),
    Case("survey_answer_not_option", set_cell("survey.xlsx", "问卷", "B2", "非常合理"), "error",
         lines=(f"错误:survey.xlsx,工作表 问卷,第 2 行,列 {Q_APPLY}:发现 '非常合理';"
                "应为以下选项之一:十分合理、较为合理、一般、不合理",)),
    Case("score_above_weight", set_cell("scoring.xlsx", "指标", "E2", 9), "error",
         lines=("错误:scoring.xlsx,工作表 指标,第 2 行,列 得分:发现 9;应为 0 到该指标分值 3 之间的得分",)),
    Case("weights_not_100", weights_not_100, "warning",
         lines=("警告:scoring.xlsx,工作表 指标,列 分值:分值合计为 101,不是 100",)),
    Case("merged_header", merged_header, "error",
         lines=("错误:subprojects.xlsx,工作表 子项目,第 1 行:表头单元格 A1:B1 已合并;应每列一个表头",)),
    Case("hidden_rows", hide_rows, "warning",
         lines=("警告:spending.xlsx,工作表 支出:1 个隐藏行(5)仍已读取",)),
    Case("hidden_sheet", hide_sheet, "warning",
         lines=("警告:survey.xlsx,工作表 好差评:该工作表在 Excel 中被隐藏;仍已读取",)),
    Case("formula_no_cached_value", formula_no_value, "error",
         lines=(f"错误:spending.xlsx,工作表 支出,第 2 行,列 支付金额(万元):{FORMULA}",)),
    Case("leading_blank_row", leading_blank_row, "error",
         lines=(f"错误:spending.xlsx,工作表 支出,第 6 行,列 支付金额(万元):发现 '12万元';{MONEY}",)),
    Case("blank_row_inside", blank_row_inside, "error",
         lines=(f"错误:spending.xlsx,工作表 支出,第 8 行,列 支付金额(万元):发现 '12万元';{MONEY}",)),
    Case("csv_instead_of_xlsx", csv_instead, "error",
         lines=("错误:subprojects.csv:是 .csv 文件,而本评价读取 subprojects.xlsx;在参数文件的 files 中声明它即可按原样读取"
                "(subprojects.xlsx: subprojects.csv)",)),
    Case("xls_instead_of_xlsx", xls_instead, "error",
         lines=("错误:budget.xls:是 .xls 文件,而本评价读取 budget.xlsx;在参数文件的 files 中声明它即可按原样读取"
                "(budget.xlsx: budget.xls)",)),
    Case("csv_renamed_xlsx", csv_renamed, "error", lines=(f"错误:subprojects.xlsx:{NOT_A_ZIP}",)),
    Case("random_bytes", random_bytes, "error", lines=(f"错误:spending.xlsx:{NOT_A_ZIP}",)),
    Case("empty_file", empty_file, "error", lines=(f"错误:milestones.xlsx:{NOT_A_ZIP}",)),
    Case("truncated_zip", truncated, "error", lines=(f"错误:milestones.xlsx:{NOT_A_ZIP}",)),
    Case("zip_not_workbook", zip_not_workbook, "error",
         parts=(("错误:spending.xlsx:无法读取(", ");应为有效的 .xlsx"),)),
    Case("password_protected", password_protected, "error", lines=(f"错误:scoring.xlsx:{PROTECTED}",)),
    Case("zip_bomb", zip_bomb, "error", bomb=True,
         parts=(("错误:spending.xlsx:部件 xl/worksheets/sheet1.xml 解压后膨胀 ", " 倍(解压炸弹);应为普通工作簿"),)),
    Case("zip_bomb_zeros", zero_bomb, "error", bomb=True,
         parts=(("错误:spending.xlsx:部件 xl/worksheets/sheet1.xml 解压后膨胀 ", " 倍(解压炸弹);应为普通工作簿"),)),
    Case("shared_strings_control", benign_shared_strings, "clean"),
    Case("billion_laughs_shared_strings", laughs_shared_strings, "error", bomb=True,
         lines=(f"错误:spending.xlsx:部件 xl/sharedStrings.xml {DTD}",)),
    Case("billion_laughs_sheet", laughs_sheet, "error", bomb=True,
         lines=(f"错误:spending.xlsx:部件 xl/worksheets/sheet1.xml {DTD}",)),
    # the DTD sits behind a long comment: the whole part is scanned, not just its first bytes
    Case("billion_laughs_after_long_comment", laughs_after_comment, "error", bomb=True,
         parts=(("错误:spending.xlsx:部件 ", DTD),)),
    Case("long_string", long_name, "error",
         lines=("错误:subprojects.xlsx,工作表 子项目,第 4 行,列 子项目名称:发现 '" + "长" * 58 + "…;"
                "文本长 5000 个字符;应不超过 2000 个",)),
    # numbers too large for the loader: each must be a located error, not a crash
    Case("huge_amount_number", set_cell("spending.xlsx", "支出", "C5", 1e300), "error",
         parts=(("错误:spending.xlsx,工作表 支出,第 5 行,列 支付金额(万元):发现 ", TOO_LARGE_MONEY),)),
    Case("huge_amount_text", set_cell("spending.xlsx", "支出", "C5", "1e30"), "error",
         lines=(f"错误:spending.xlsx,工作表 支出,第 5 行,列 支付金额(万元):发现 '1e30';{TOO_LARGE_MONEY}",)),
    Case("amount_over_int64", set_cell("spending.xlsx", "支出", "C5", "1e13"), "error",
         lines=(f"错误:spending.xlsx,工作表 支出,第 5 行,列 支付金额(万元):发现 '1e13';{TOO_LARGE_MONEY}",)),
    Case("huge_score", set_cell("scoring.xlsx", "指标", "E2", 1e20), "error",
         parts=(("错误:scoring.xlsx,工作表 指标,第 2 行,列 得分:发现 ", TOO_LARGE_SCORE),)),
    Case("huge_review_count", set_cell("survey.xlsx", "好差评", "B2", 1e30), "error",
         parts=(("错误:survey.xlsx,工作表 好差评,第 2 行,列 1星:发现 ", "应为不小于 0 的整数"),)),
    Case("folder_with_spaces_and_chinese", spaced_chinese_folder, "clean", folder="评价 数据 2021"),
    # wrong but plausible: warnings naming rows and the likely cause
    Case("amounts_in_yuan_under_wan_header", scale_amounts("spending.xlsx", "支出", 3, range(2, 6), 10_000), "warning",
         exact=True,
         lines=("警告:spending.xlsx,工作表 支出,第 2、3、4、5 行,列 支付金额(万元):子项目 DG-2019-001 的支付合计 "
                "6,534,600 万元,是立项批复金额 806.33 万元的 8,104 倍(超过 150%);约为 10000 倍:金额像是以元填写,"
                "而表头要求万元",)),
    Case("overpaid_subproject", set_cell("spending.xlsx", "支出", "C5", 1110.4), "warning", exact=True,
         lines=("警告:spending.xlsx,工作表 支出,第 2、3、4、5 行,列 支付金额(万元):子项目 DG-2019-001 的支付合计 "
                "1,653.46 万元,是立项批复金额 806.33 万元的 2.1 倍(超过 150%);请核对金额、单位或是否重复录入",)),
    Case("payment_entered_twice", repeat_row("spending.xlsx", "支出", 3), "warning", exact=True,
         lines=("警告:spending.xlsx,工作表 支出,第 3、264 行:这两行完全相同(子项目编号、支付日期、支付金额(万元)、摘要都相同):"
                "同一笔支付录入了两次?",)),
    Case("budget_year_outside_span", set_cell("budget.xlsx", "预算", "B4", 2022), "warning", exact=True,
         lines=("警告:budget.xlsx,工作表 预算,第 4 行,列 年度:发现 2022;年度在评价期 2019-2021 之外;"
                "应为 2019 至 2021 年(录入错误,或是别的评价的数据?)",)),
    Case("payment_outside_span", set_cell("spending.xlsx", "支出", "B5", "2022-03-12"), "warning", exact=True,
         lines=("警告:spending.xlsx,工作表 支出,第 5 行,列 支付日期:发现 2022-03-12;支付日期在评价期 2019-2021 之外;"
                "应在 2019-01-01 至 2021-12-31 之间(录入错误,或是别的评价的数据?)",)),
    Case("template_sample_row_left", append_row("subprojects.xlsx", "子项目",
                                                ["XM-001", "一体化政务服务平台升级改造", "基础平台", "市政务服务数据管理局", 1200.5]),
         "error", exact=True, lines=(f"错误:subprojects.xlsx,工作表 子项目,第 102 行:{SAMPLE}",)),
    # a bad approved amount is one error: no warning is derived from it (its payments are not "unapproved")
    Case("bad_approved_amount", set_cell("subprojects.xlsx", "子项目", "E2", "76O"), "error", exact=True,
         lines=(f"错误:subprojects.xlsx,工作表 子项目,第 2 行,列 立项批复金额(万元):发现 '76O';{MONEY}",)),
    # after a header problem the rest of the sheet is still checked
    Case("header_problem_then_cell", several(misspelled_header, set_cell("budget.xlsx", "预算", "C3", "待定")), "error",
         exact=True,
         lines=("错误:budget.xlsx,工作表 预算,第 1 行:缺少必需的列 子项目编号(subproject_id)(是否就是 '子项目编码'?)",
                "错误:budget.xlsx,工作表 预算,第 3 行,列 年初预算(万元):发现 '待定';应为以万元计的金额:纯数字,例如 1234.56"
                "(不带单位、不带 % 号)")),
    # a header in 元 under another name is never offered as the 万元 column; the message says how to head it
    Case("yuan_header_never_suggested", set_cell("spending.xlsx", "支出", "C1", "付款金额(元)"), "error", exact=True,
         lines=("错误:spending.xlsx,工作表 支出,第 1 行:缺少必需的列 支付金额(万元)(amount)"
                "(以元计的金额,表头写作 支付金额(元) 即按元读入)",)),
    Case("unit_not_read", set_cell("spending.xlsx", "支出", "C1", "支付金额(千元)"), "error", exact=True,
         lines=("错误:spending.xlsx,工作表 支出,第 1 行,列 支付金额(千元):单位 千元 无法读取;金额列的表头应为 "
                "支付金额(万元) 或 支付金额(元)",)),
    # problems in file, sheet, row order, whichever check found them
    Case("problems_in_row_order", several(set_cell("spending.xlsx", "支出", "A6", "DG-2099-999"),
                                          set_cell("spending.xlsx", "支出", "C4", "待定"),
                                          set_cell("spending.xlsx", "支出", "C8", "待定")), "error", exact=True,
         lines=(f"错误:spending.xlsx,工作表 支出,第 4 行,列 支付金额(万元):发现 '待定';{MONEY}",
                "错误:spending.xlsx,工作表 支出,第 6 行,列 子项目编号:发现 'DG-2099-999';应为 subprojects.xlsx 中列出的子项目编号",
                f"错误:spending.xlsx,工作表 支出,第 8 行,列 支付金额(万元):发现 '待定';{MONEY}")),
)
CASES_BY_NAME = {c.name: c for c in CASES}
