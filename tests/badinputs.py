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

MONEY = "expected an amount in 万元: a plain number such as 1234.56 (no unit, no % sign)"
DATE = "expected a date: an Excel date or text such as 2021-06-30"
BLANK = "expected a value; the cell is blank"
STAGES = "启动、可研报告编制、初步设计编制、正式立项、集成实施入场、初验、终验"
NOT_A_ZIP = ("is not an .xlsx workbook (not a zip archive: a CSV or text file renamed, or a damaged file); "
             "expected an .xlsx saved by Excel, WPS or LibreOffice")
PROTECTED = ("is password-protected or an old-format .xls workbook; expected an unprotected .xlsx "
             "(open it in Excel, remove the password and save as .xlsx)")
DTD = ("declares a DTD or entities, which Excel never writes (an entity-expansion attack?); "
       "expected an ordinary workbook")
FORMULA = ("the cell holds a formula with no saved result; expected a value "
           "(open and save the file in Excel, or paste values)")
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


TOO_LARGE_MONEY = "expected an amount below 1,000,000,000,000 万元 (this one is too large to be real)"
TOO_LARGE_SCORE = "expected a score below 1,000,000 (this one is too large to be real)"

CASES: tuple[Case, ...] = (
    Case("missing_sheet", missing_sheet, "error",
         lines=("error: survey.xlsx, sheet 选项: sheet 选项 is missing; the workbook has: 问卷, 好差评",)),
    Case("missing_header", missing_header, "error",
         lines=("error: subprojects.xlsx, sheet 子项目, row 1: required column 领域 (domain) is missing",)),
    Case("misspelled_header", misspelled_header, "error",
         lines=("error: budget.xlsx, sheet 预算, row 1: required column 子项目编号 (subproject_id) is missing "
                "(is '子项目编码' meant to be it?)",)),
    Case("duplicated_header", duplicated_header, "error",
         lines=("error: spending.xlsx, sheet 支出, row 1, column 支付金额(万元): "
                "this header appears twice; expected each column once",)),
    Case("header_only_sheet", header_only, "clean"),
    Case("empty_sheet", empty_sheet, "error",
         lines=("error: scoring.xlsx, sheet 指标: the sheet is empty; expected a header row and data rows",)),
    Case("text_amount", set_cell("spending.xlsx", "支出", "C5", "待定"), "error",
         lines=(f"error: spending.xlsx, sheet 支出, row 5, column 支付金额(万元): found '待定'; {MONEY}",)),
    Case("negative_amount", set_cell("budget.xlsx", "预算", "C3", -5), "error",
         lines=("error: budget.xlsx, sheet 预算, row 3, column 年初预算(万元): found -5; expected an amount >= 0",)),
    Case("unit_suffix", set_cell("spending.xlsx", "支出", "C5", "12万元"), "error",
         lines=(f"error: spending.xlsx, sheet 支出, row 5, column 支付金额(万元): found '12万元'; {MONEY}",)),
    Case("percent_string", set_cell("subprojects.xlsx", "子项目", "E7", "85%"), "error",
         lines=(f"error: subprojects.xlsx, sheet 子项目, row 7, column 立项批复金额(万元): found '85%'; {MONEY}",)),
    Case("blank_required", set_cell("spending.xlsx", "支出", "C6", None), "error",
         lines=(f"error: spending.xlsx, sheet 支出, row 6, column 支付金额(万元): {BLANK}",)),
    Case("impossible_date", set_cell("spending.xlsx", "支出", "B4", "2020-13-45"), "error",
         lines=(f"error: spending.xlsx, sheet 支出, row 4, column 支付日期: found '2020-13-45'; "
                f"{DATE} (this one is not a real date)",)),
    Case("far_dates", far_dates, "warning",
         lines=("warning: milestones.xlsx, sheet 进度, row 3, column 计划完成日期: found 1921-11-13; the date is far "
                "outside the evaluation 2019-2021; expected one between 2018-01-01 and 2023-12-31 (a typing slip?)",
                "warning: milestones.xlsx, sheet 进度, row 4, column 实际完成日期: found 2091-12-28; the date is far "
                "outside the evaluation 2019-2021; expected one between 2018-01-01 and 2023-12-31 (a typing slip?)")),
    Case("duplicate_id", duplicate_id, "error",
         lines=("error: subprojects.xlsx, sheet 子项目, row 102, column 子项目编号: found 'DG-2019-001'; "
                "duplicates row 2; expected each 子项目编号 once",)),
    Case("unknown_id_budget", set_cell("budget.xlsx", "预算", "A4", "DG-2099-999"), "error",
         lines=("error: budget.xlsx, sheet 预算, row 4, column 子项目编号: found 'DG-2099-999'; "
                "expected a 子项目编号 listed in subprojects.xlsx",)),
    Case("unknown_id_spending", set_cell("spending.xlsx", "支出", "A7", "DG-2099-999"), "error",
         lines=("error: spending.xlsx, sheet 支出, row 7, column 子项目编号: found 'DG-2099-999'; "
                "expected a 子项目编号 listed in subprojects.xlsx",)),
    Case("unknown_id_milestones", set_cell("milestones.xlsx", "进度", "A9", "DG-2099-999"), "error",
         lines=("error: milestones.xlsx, sheet 进度, row 9, column 子项目编号: found 'DG-2099-999'; "
                "expected a 子项目编号 listed in subprojects.xlsx",)),
    Case("unknown_stage", set_cell("milestones.xlsx", "进度", "B3", "验收"), "error",
         lines=(f"error: milestones.xlsx, sheet 进度, row 3, column 阶段: found '验收'; expected one of the stages {STAGES}",)),
    Case("survey_answer_not_option", set_cell("survey.xlsx", "问卷", "B2", "非常合理"), "error",
         lines=(f"error: survey.xlsx, sheet 问卷, row 2, column {Q_APPLY}: found '非常合理'; "
                "expected one of the options: 十分合理、较为合理、一般、不合理",)),
    Case("score_above_weight", set_cell("scoring.xlsx", "指标", "E2", 9), "error",
         lines=("error: scoring.xlsx, sheet 指标, row 2, column 得分: found 9; expected a score between 0 and its weight 3",)),
    Case("weights_not_100", weights_not_100, "warning",
         lines=("warning: scoring.xlsx, sheet 指标, column 分值: the weights add up to 101, not 100",)),
    Case("merged_header", merged_header, "error",
         lines=("error: subprojects.xlsx, sheet 子项目, row 1: header cells A1:B1 are merged; "
                "expected one header per column",)),
    Case("hidden_rows", hide_rows, "warning",
         lines=("warning: spending.xlsx, sheet 支出: 1 hidden row(s) (5) were read all the same",)),
    Case("hidden_sheet", hide_sheet, "warning",
         lines=("warning: survey.xlsx, sheet 好差评: the sheet is hidden in Excel; it was read all the same",)),
    Case("formula_no_cached_value", formula_no_value, "error",
         lines=(f"error: spending.xlsx, sheet 支出, row 2, column 支付金额(万元): {FORMULA}",)),
    Case("leading_blank_row", leading_blank_row, "error",
         lines=(f"error: spending.xlsx, sheet 支出, row 6, column 支付金额(万元): found '12万元'; {MONEY}",)),
    Case("blank_row_inside", blank_row_inside, "error",
         lines=(f"error: spending.xlsx, sheet 支出, row 8, column 支付金额(万元): found '12万元'; {MONEY}",)),
    Case("csv_instead_of_xlsx", csv_instead, "error",
         lines=("error: subprojects.csv: is a .csv file; expected subprojects.xlsx (save it as an Excel .xlsx workbook)",)),
    Case("xls_instead_of_xlsx", xls_instead, "error",
         lines=("error: budget.xls: is a .xls file; expected budget.xlsx (save it as an Excel .xlsx workbook)",)),
    Case("csv_renamed_xlsx", csv_renamed, "error", lines=(f"error: subprojects.xlsx: {NOT_A_ZIP}",)),
    Case("random_bytes", random_bytes, "error", lines=(f"error: spending.xlsx: {NOT_A_ZIP}",)),
    Case("empty_file", empty_file, "error", lines=(f"error: milestones.xlsx: {NOT_A_ZIP}",)),
    Case("truncated_zip", truncated, "error", lines=(f"error: milestones.xlsx: {NOT_A_ZIP}",)),
    Case("zip_not_workbook", zip_not_workbook, "error",
         parts=(("error: spending.xlsx: cannot be read (", "); expected a valid .xlsx"),)),
    Case("password_protected", password_protected, "error", lines=(f"error: scoring.xlsx: {PROTECTED}",)),
    Case("zip_bomb", zip_bomb, "error", bomb=True,
         parts=(("error: spending.xlsx: part xl/worksheets/sheet1.xml expands ",
                 " times (a decompression bomb); expected an ordinary workbook"),)),
    Case("zip_bomb_zeros", zero_bomb, "error", bomb=True,
         parts=(("error: spending.xlsx: part xl/worksheets/sheet1.xml expands ",
                 " times (a decompression bomb); expected an ordinary workbook"),)),
    Case("shared_strings_control", benign_shared_strings, "clean"),
    Case("billion_laughs_shared_strings", laughs_shared_strings, "error", bomb=True,
         lines=(f"error: spending.xlsx: part xl/sharedStrings.xml {DTD}",)),
    Case("billion_laughs_sheet", laughs_sheet, "error", bomb=True,
         lines=(f"error: spending.xlsx: part xl/worksheets/sheet1.xml {DTD}",)),
    # the DTD sits behind a long comment: the whole part is scanned, not just its first bytes
    Case("billion_laughs_after_long_comment", laughs_after_comment, "error", bomb=True,
         parts=(("error: spending.xlsx: part ", DTD),)),
    Case("long_string", long_name, "error",
         lines=("error: subprojects.xlsx, sheet 子项目, row 4, column 子项目名称: found '" + "长" * 58 + "…; "
                "the text is 5000 characters long; expected at most 2000",)),
    # numbers too large for the loader: each must be a located error, not a crash
    Case("huge_amount_number", set_cell("spending.xlsx", "支出", "C5", 1e300), "error",
         parts=(("error: spending.xlsx, sheet 支出, row 5, column 支付金额(万元): found ", TOO_LARGE_MONEY),)),
    Case("huge_amount_text", set_cell("spending.xlsx", "支出", "C5", "1e30"), "error",
         lines=(f"error: spending.xlsx, sheet 支出, row 5, column 支付金额(万元): found '1e30'; {TOO_LARGE_MONEY}",)),
    Case("amount_over_int64", set_cell("spending.xlsx", "支出", "C5", "1e13"), "error",
         lines=(f"error: spending.xlsx, sheet 支出, row 5, column 支付金额(万元): found '1e13'; {TOO_LARGE_MONEY}",)),
    Case("huge_score", set_cell("scoring.xlsx", "指标", "E2", 1e20), "error",
         parts=(("error: scoring.xlsx, sheet 指标, row 2, column 得分: found ", TOO_LARGE_SCORE),)),
    Case("huge_review_count", set_cell("survey.xlsx", "好差评", "B2", 1e30), "error",
         parts=(("error: survey.xlsx, sheet 好差评, row 2, column 1星: found ", "expected a whole number >= 0"),)),
    Case("folder_with_spaces_and_chinese", spaced_chinese_folder, "clean", folder="评价 数据 2021"),
)
CASES_BY_NAME = {c.name: c for c in CASES}
