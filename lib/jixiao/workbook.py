"""Open an .xlsx safely and read one declared sheet into a typed DataFrame.

Before python-calamine parses anything the file is checked as a zip: not a zip
(a CSV or an old .xls renamed), password-protected (an OLE container), a
decompression bomb, or XML carrying a DTD (entity-expansion bombs) are refused
with a clear problem instead of a crash or a memory blow-up.
"""

from __future__ import annotations

import difflib
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import join, normpath

import pandas as pd
import python_calamine

from .cells import BLANK, PARSERS, CellError, is_blank
from .contract import SHEETS, ColumnIndex, SheetSpec, header_key, split_unit
from .i18n import t
from .problems import ERROR, WARNING, Problem

MAX_UNCOMPRESSED = 512 * 1024 * 1024  # a 1,000,000-row sheet stays well below this
MAX_RATIO = 200  # real xlsx parts compress ~5-20x; bombs compress thousands of times
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and legacy .xls
MAX_TEXT = 2000  # a longer cell is almost certainly pasted by mistake


class UnreadableWorkbook(Exception):
    """The file cannot be read as an .xlsx workbook; ``message`` says why, as a (Chinese, English) pair."""

    def __init__(self, zh: str, en: str):
        self.message = (zh, en)
        super().__init__(en)

    def __str__(self) -> str:
        return t(*self.message)


@dataclass
class SheetXmlFacts:
    hidden_rows: list[int] = field(default_factory=list)
    formulas_without_value: list[tuple[int, str]] = field(default_factory=list)  # (row, column letter)


@dataclass
class Workbook:
    """An opened, checked workbook: the calamine handle plus what only the XML tells."""

    path: Path
    book: python_calamine.CalamineWorkbook
    sheet_states: dict[str, str]  # sheet name -> 'visible' | 'hidden' | 'veryHidden'
    sheet_parts: dict[str, str]  # sheet name -> zip member of its XML
    archive: zipfile.ZipFile

    def close(self) -> None:
        self.archive.close()
        self.book.close()

    def xml_facts(self, sheet: str) -> SheetXmlFacts:
        facts = SheetXmlFacts()
        part = self.sheet_parts.get(sheet)
        if part is None:
            return facts
        data = self.archive.read(part)
        for m in re.finditer(rb"<(?:\w+:)?row\b[^>]*>", data):
            tag = m.group(0)
            if re.search(rb'\bhidden="(?:1|true)"', tag):
                r = re.search(rb'\br="(\d+)"', tag)
                if r:
                    facts.hidden_rows.append(int(r.group(1)))
        if re.search(rb"<(?:\w+:)?f\b", data):
            for m in re.finditer(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", data, re.S):
                body = m.group(2) or b""
                if re.search(rb"<(?:\w+:)?f\b", body) and not re.search(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>", body):
                    ref = re.search(rb'\br="([A-Z]+)(\d+)"', m.group(1))
                    if ref:
                        facts.formulas_without_value.append((int(ref.group(2)), ref.group(1).decode()))
        return facts


def open_workbook(path: Path) -> Workbook:
    """Check and open ``path``; raises UnreadableWorkbook with the reason."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        raise UnreadableWorkbook(
            "是受密码保护的工作簿或旧格式的 .xls 工作簿;应为未加密的 .xlsx(在 Excel 中打开,取消密码后另存为 .xlsx)",
            "is password-protected or an old-format .xls workbook; expected an unprotected .xlsx "
            "(open it in Excel, remove the password and save as .xlsx)"
        )
    if not zipfile.is_zipfile(path):
        raise UnreadableWorkbook(
            "不是 .xlsx 工作簿(不是 zip 压缩包:改了扩展名的 CSV 或文本文件,或已损坏的文件);"
            "应为 Excel、WPS 或 LibreOffice 保存的 .xlsx",
            "is not an .xlsx workbook (not a zip archive: a CSV or text file renamed, or a damaged file); "
            "expected an .xlsx saved by Excel, WPS or LibreOffice"
        )
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableWorkbook(f"是已损坏的 .xlsx({exc});应为可读取的工作簿",
                                 f"is a damaged .xlsx ({exc}); expected a readable workbook") from None
    total = sum(m.file_size for m in members)
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            archive.close()
            raise UnreadableWorkbook(
                f"部件 {m.filename} 解压后膨胀 {m.file_size // max(m.compress_size, 1)} 倍(解压炸弹);应为普通工作簿",
                f"part {m.filename} expands {m.file_size // max(m.compress_size, 1)} times "
                "(a decompression bomb); expected an ordinary workbook"
            )
    if total > MAX_UNCOMPRESSED:
        archive.close()
        raise UnreadableWorkbook(
            f"解压后达 {total // 2**20} MiB;应不超过 {MAX_UNCOMPRESSED // 2**20} MiB",
            f"expands to {total // 2**20} MiB; expected at most {MAX_UNCOMPRESSED // 2**20} MiB"
        )
    try:
        for m in members:
            if m.filename.endswith((".xml", ".rels")) and _declares_dtd(archive, m):
                raise UnreadableWorkbook(
                    f"部件 {m.filename} 声明了 DTD 或实体,Excel 从不这样写(实体扩展攻击?);应为普通工作簿",
                    f"part {m.filename} declares a DTD or entities, which Excel never writes "
                    "(an entity-expansion attack?); expected an ordinary workbook"
                )
        states, parts = _sheet_catalog(archive)
    except UnreadableWorkbook:
        archive.close()
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        archive.close()
        raise UnreadableWorkbook(f"是已损坏的 .xlsx({type(exc).__name__}: {exc});应为可读取的工作簿",
                                 f"is a damaged .xlsx ({type(exc).__name__}: {exc}); expected a readable workbook") from None
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        archive.close()
        raise UnreadableWorkbook("受密码保护;应为未加密的 .xlsx", "is password-protected; expected an unprotected .xlsx") from None
    except Exception as exc:  # calamine raises several types for damaged files
        archive.close()
        raise UnreadableWorkbook(f"无法读取({type(exc).__name__}: {exc});应为有效的 .xlsx",
                                 f"cannot be read ({type(exc).__name__}: {exc}); expected a valid .xlsx") from None
    return Workbook(path=path, book=book, sheet_states=states, sheet_parts=parts, archive=archive)


def _declares_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether the part holds <!DOCTYPE or <!ENTITY anywhere (a long comment could push it past any prolog)."""
    tail = b""
    with archive.open(member) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            chunk = tail + block
            if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:
                return True
            tail = chunk[-16:]
    return False


def _sheet_catalog(archive: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    """Sheet visibility and XML part per sheet name, read from workbook.xml and its rels."""
    try:
        wb_xml = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}, {}
    targets = {}
    for m in re.finditer(r"<Relationship\b([^>]*)/?>", rels):
        rid = re.search(r'\bId="([^"]+)"', m.group(1))
        target = re.search(r'\bTarget="([^"]+)"', m.group(1))
        if rid and target:
            t = target.group(1)
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else normpath(join("xl", t))
    states, parts = {}, {}
    for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", wb_xml):
        attrs = m.group(1)
        name = re.search(r'\bname="([^"]*)"', attrs)
        rid = re.search(r'\b\w+:id="([^"]+)"', attrs)
        state = re.search(r'\bstate="([^"]+)"', attrs)
        if not name:
            continue
        sheet = _unescape(name.group(1))
        states[sheet] = state.group(1) if state else "visible"
        if rid and rid.group(1) in targets:
            parts[sheet] = targets[rid.group(1)]
    return states, parts


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")
    )


def pick_sheet(wb: Workbook, spec: SheetSpec) -> str | None:
    """The declared sheet, else the only sheet of a one-sheet workbook, else None."""
    names = wb.book.sheet_names
    if spec.sheet in names:
        return spec.sheet
    stripped = {n.strip(): n for n in names}
    if spec.sheet in stripped:
        return stripped[spec.sheet]
    declared = [s for s in SHEETS if s.file == spec.file]
    if len(names) == 1 and len(declared) == 1:
        return names[0]
    return None


def read_sheet(wb: Workbook, spec: SheetSpec, file: str | None = None,
               aliases: dict[str, str] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read ``spec``'s sheet from an open workbook.

    ``file`` is the name problems give (the department's own file name, default the contract's);
    ``aliases`` maps the department's headers to contract headers. Returns the typed frame
    (canonical column names, plus ``excel_row``: the row number as Excel shows it; money in fen
    whatever unit the header named) and every problem found. After a header problem the cells
    are still checked, but the frame is None, so no rule across sheets reads a half-read sheet.
    ``frame.attrs``: sheet, header_row, headers (name -> header as typed), bad_cells ([row, name]
    of every cell reported as an error).
    """
    file = file or spec.file
    problems: list[Problem] = []
    sheet = pick_sheet(wb, spec)
    if sheet is None:
        names = wb.book.sheet_names
        problems.append(
            Problem(ERROR, file, (f"缺少工作表 {spec.sheet};该工作簿中有:{'、'.join(names)}",
                                  f"sheet {spec.sheet} is missing; the workbook has: {', '.join(names)}"),
                    sheet=spec.sheet)
        )
        return None, problems
    if wb.sheet_states.get(sheet, "visible") != "visible":
        problems.append(Problem(WARNING, file, ("该工作表在 Excel 中被隐藏;仍已读取",
                                                "the sheet is hidden in Excel; it was read all the same"), sheet=sheet))
    try:
        calamine_sheet = wb.book.get_sheet_by_name(sheet)
        rows = calamine_sheet.to_python(skip_empty_area=False)
        facts = wb.xml_facts(sheet)
    except Exception as exc:  # calamine parses a sheet only when asked: damage shows up here
        problems.append(Problem(ERROR, file, (
            f"无法读取该工作表({type(exc).__name__}: {exc});应为 Excel、WPS 或 LibreOffice 保存的工作表",
            f"the sheet cannot be read ({type(exc).__name__}: {exc}); "
            "expected a sheet saved by Excel, WPS or LibreOffice"), sheet=sheet))
        return None, problems
    index = ColumnIndex(spec, aliases or {})
    header_at = _find_header(rows, index)
    if header_at is None:
        problems.append(Problem(ERROR, file, ("该工作表为空;应有表头行和数据行",
                                              "the sheet is empty; expected a header row and data rows"), sheet=sheet))
        return None, problems
    header_cells = rows[header_at]
    excel_header_row = header_at + 1
    merged = _merged_header(calamine_sheet, header_at)
    if merged:
        problems.append(
            Problem(ERROR, file, (f"表头单元格 {merged} 已合并;应每列一个表头",
                                  f"header cells {merged} are merged; expected one header per column"),
                    sheet=sheet, row=excel_header_row)
        )
        return None, problems
    positions: dict[str, int] = {}
    units: dict[str, str | None] = {}
    headers_seen: dict[str, int] = {}
    extra: dict[str, int] = {}
    wrong_units: dict[str, str] = {}  # column name -> the header that names it in a unit not read
    for pos, cell in enumerate(header_cells):
        if is_blank(cell):
            continue
        text = " ".join(str(cell).split())
        key = header_key(text)
        if key in headers_seen:
            problems.append(
                Problem(ERROR, file, ("该表头出现两次;每列应只出现一次", "this header appears twice; expected each column once"),
                        sheet=sheet, row=excel_header_row, column=text)
            )
            continue
        headers_seen[key] = pos
        found = index.match(text)
        if found is not None and found[0] not in positions:
            positions[found[0]] = pos
            units[found[0]] = found[1]
        elif found is not None:
            problems.append(
                Problem(ERROR, file, (f"与第 {_col_letter(positions[found[0]])} 列是同一列({spec.column(found[0]).header});"
                                      "每列应只出现一次",
                                      f"names the same column as column {_col_letter(positions[found[0]])} "
                                      f"({spec.column(found[0]).header}); expected each column once"),
                        sheet=sheet, row=excel_header_row, column=text)
            )
        elif index.wrong_unit(text) is not None:
            wrong_units[index.wrong_unit(text).name] = text
        elif spec.extra_columns:
            extra[text] = pos
    missing = [c for c in spec.columns if c.name not in positions and not c.may_be_absent]
    # a misspelling is among the headers that matched no column; a header in another unit is never offered
    unmatched = [" ".join(str(c).split()) for c in header_cells
                 if not is_blank(c) and index.canonical(" ".join(str(c).split())) is None]
    for col in missing:
        if col.name in wrong_units:
            base = split_unit(col.header)[0]
            unit = split_unit(wrong_units[col.name])[1]
            problems.append(
                Problem(ERROR, file, (f"单位 {unit} 无法读取;金额列的表头应为 {base}(万元) 或 {base}(元)",
                                      f"the unit {unit} cannot be read; expected the header {base}(万元) or {base}(元)"),
                        sheet=sheet, row=excel_header_row, column=wrong_units[col.name])
            )
            continue
        unit = split_unit(col.header)[1]
        candidates = [u for u in unmatched if split_unit(u)[1] == unit]
        close = difflib.get_close_matches(col.header, candidates, n=1, cutoff=0.5)
        hint_zh = f"(是否就是 {close[0]!r}?)" if close else ""
        hint_en = f" (is {close[0]!r} meant to be it?)" if close else ""
        if not close and col.kind == "money" and any(split_unit(u)[1] == "元" for u in unmatched):
            # never offer a header in 元 as the 万元 column: renamed so, its amounts would count 10,000 times over
            base = split_unit(col.header)[0]
            hint_zh = f"(以元计的金额,表头写作 {base}(元) 即按元读入)"
            hint_en = f" (an amount in 元 may be headed {base}(元): it is read in 元)"
        problems.append(
            Problem(ERROR, file, (f"缺少必需的列 {col.header}({col.name}){hint_zh}",
                                  f"required column {col.header} ({col.name}) is missing{hint_en}"),
                    sheet=sheet, row=excel_header_row)
        )
    header_failed = bool(missing) or any(p.severity == ERROR for p in problems)

    data = rows[header_at + 1:]
    formula_cells = {f"{letter}{row}" for row, letter in facts.formulas_without_value}
    for row, letter in facts.formulas_without_value:
        pos = _col_index(letter)
        header = " ".join(str(header_cells[pos]).split()) if pos < len(header_cells) and not is_blank(
            header_cells[pos]) else letter
        problems.append(
            Problem(ERROR, file, ("该单元格是没有保存结果的公式;应为数值(在 Excel 中打开并保存,或粘贴为数值)",
                                  "the cell holds a formula with no saved result; expected a value "
                                  "(open and save the file in Excel, or paste values)"), sheet=sheet, row=row, column=header)
        )
    hidden = [r for r in facts.hidden_rows if r > excel_header_row]
    if hidden:
        shown = ", ".join(str(r) for r in hidden[:10]) + (" …" if len(hidden) > 10 else "")
        problems.append(
            Problem(WARNING, file, (f"{len(hidden)} 个隐藏行({shown})仍已读取",
                                    f"{len(hidden)} hidden row(s) ({shown}) were read all the same"), sheet=sheet)
        )

    headers_by_name = {c.name: " ".join(str(header_cells[positions[c.name]]).split())
                       for c in spec.columns if c.name in positions}
    formula_positions = {(row, _col_index(letter)) for row, letter in facts.formulas_without_value}
    bad_cells: list[list] = []
    out: dict[str, list] = {c.name: [] for c in spec.columns}
    out.update({q: [] for q in extra})
    excel_rows: list[int] = []
    for offset, row in enumerate(data):
        if all(is_blank(v) for v in row):
            continue  # blank rows, trailing or not, are no data
        excel_row = excel_header_row + 1 + offset
        excel_rows.append(excel_row)
        for col in spec.columns:
            pos = positions.get(col.name)
            if pos is None:  # an optional column left out of the sheet
                out[col.name].append(None)
                continue
            raw = row[pos] if pos < len(row) else None
            kind = "money_yuan" if col.kind == "money" and units.get(col.name) == "元" else col.kind
            before = len(problems)
            out[col.name].append(_convert(raw, kind, col.required, file, sheet, excel_row,
                                          headers_by_name[col.name], problems, formula_cells, pos))
            if len(problems) > before or (excel_row, pos) in formula_positions:
                bad_cells.append([excel_row, col.name])
        for question, pos in extra.items():
            raw = row[pos] if pos < len(row) else None
            before = len(problems)
            out[question].append(_convert(raw, spec.extra_columns, False, file, sheet, excel_row, question,
                                          problems, formula_cells, pos))
            if len(problems) > before or (excel_row, pos) in formula_positions:
                bad_cells.append([excel_row, question])
    if header_failed:
        return None, problems
    kinds = {c.name: c.kind for c in spec.columns}
    # explicit dtypes: pandas would otherwise turn None into NaN in text columns
    frame = pd.DataFrame({"excel_row": pd.Series(excel_rows, dtype="int64"),
                          **{name: pd.Series(values, dtype=_DTYPES[kinds.get(name, "text")])
                             for name, values in out.items()}})
    frame.attrs["sheet"] = sheet
    frame.attrs["header_row"] = excel_header_row
    frame.attrs["headers"] = {**headers_by_name, **{q: q for q in extra}}
    frame.attrs["bad_cells"] = bad_cells
    return frame, problems


def _find_header(rows: list[list], index: ColumnIndex, look: int = 20) -> int | None:
    """The header row: of the first ``look`` non-blank rows, the one naming most of the sheet's columns
    (so a title row above the header is passed over); the first non-blank row when none does."""
    candidates = [i for i, r in enumerate(rows) if any(not is_blank(v) for v in r)][:look]
    if not candidates:
        return None
    scores = [sum(index.canonical(str(v)) is not None for v in rows[i] if not is_blank(v)) for i in candidates]
    best = max(scores)
    return candidates[scores.index(best)] if best else candidates[0]


def _merged_header(calamine_sheet, header_at: int) -> str | None:
    try:
        ranges = calamine_sheet.merged_cell_ranges or []
    except Exception:
        return None
    for (r0, c0), (r1, c1) in ranges:
        if r0 <= header_at <= r1 and (c1 > c0 or r1 > r0):
            return f"{_col_letter(c0)}{r0 + 1}:{_col_letter(c1)}{r1 + 1}"
    return None


def _col_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _convert(raw, kind, required, file, sheet, excel_row, header, problems, formula_cells, pos):
    if is_blank(raw):
        if required and f"{_col_letter(pos)}{excel_row}" not in formula_cells:
            problems.append(Problem(ERROR, file, BLANK, sheet=sheet, row=excel_row, column=header))
        return None
    if isinstance(raw, str) and len(raw) > MAX_TEXT:
        problems.append(
            Problem(ERROR, file, (f"文本长 {len(raw)} 个字符;应不超过 {MAX_TEXT} 个",
                                  f"the text is {len(raw)} characters long; expected at most {MAX_TEXT}"),
                    sheet=sheet, row=excel_row, column=header, value=raw)
        )
        return None
    try:
        return PARSERS[kind](raw)
    except CellError as exc:
        problems.append(Problem(ERROR, file, exc.message, sheet=sheet, row=excel_row, column=header, value=raw))
        return None


_DTYPES = {
    "money": "Int64", "money_yuan": "Int64", "score": "Int64", "year": "Int64", "flag": "Int64", "count": "Int64", "order": "Int64",
    "id": "object", "text": "object", "date": "object", "month": "object",
}
