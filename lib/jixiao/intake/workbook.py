"""Open an .xlsx safely and read one declared sheet into a typed DataFrame.

Before python-calamine parses anything the file is checked as a zip: not a zip
(a CSV or an old .xls renamed), password-protected (an OLE container), a
decompression bomb, or XML carrying a DTD (entity-expansion bombs) are refused
with a clear problem instead of a crash or a memory blow-up.
"""

from __future__ import annotations

import codecs
import difflib
import io
import gc
import itertools
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import join, normpath
from typing import Iterator

import numpy as np
import pandas as pd
import python_calamine

from jixiao.intake.excel_values import (CALAMINE_READS_IT_AS, excel_error_problem, excel_errors,
                                        feb_29_1900_problem, serial_60_cells)
from jixiao.intake.cells import BLANK_REQUIRED, is_blank
from jixiao.intake.columns import BLANK_CELL, ColumnConverter, ConvertedColumn, Failed, blank_cells, outcome
from jixiao.intake.normalised import Normalised, normalisation, shown_read
from jixiao.contract.sheets import SHEETS, ColumnIndex, SheetSpec, header_key, split_unit
from jixiao.core.i18n import t
from jixiao.core.problems import ERROR, WARNING, Problem

MAX_UNCOMPRESSED = 512 * 1024 * 1024  # a 1,000,000-row sheet stays well below this
MAX_RATIO = 200  # real xlsx parts compress ~5-20x; bombs compress thousands of times
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and legacy .xls
HEADER_LOOK = 20  # the header is among the first this many non-blank rows
CHUNK_ROWS = 20_000  # rows converted at once: the column path's memory is about one chunk of cells


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
    error_values: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column letter, #N/A …)


@dataclass
class Workbook:
    """An opened, checked workbook: the calamine handle plus what only the XML tells (an .xlsx's: an .xls or
    .ods has no XML read here, a CSV is one table of text)."""

    path: Path
    book: python_calamine.CalamineWorkbook
    sheet_states: dict[str, str]  # sheet name -> 'visible' | 'hidden' | 'veryHidden'
    sheet_parts: dict[str, str]  # sheet name -> zip member of its XML
    archive: zipfile.ZipFile | None
    plain_parts: frozenset[str] = frozenset()  # sheet parts seen to hold no formula and no hidden row
    encoding: str | None = None  # a CSV's text encoding, as detected (shown to the analyst)

    @property
    def is_csv(self) -> bool:
        return self.encoding is not None

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
        self.book.close()

    def xml_facts(self, sheet: str) -> SheetXmlFacts:
        facts = SheetXmlFacts()
        part = self.sheet_parts.get(sheet)
        if part is None or part in self.plain_parts or self.archive is None:
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
        facts.error_values = excel_errors(data)
        return facts


def open_workbook(path: Path, folder: Path | None = None) -> Workbook:
    """Check and open ``path`` (a workbook of ``folder``, when given); raises UnreadableWorkbook with the reason.

    An .xlsx, .xlsm or .ods is checked as a zip first; an .xls (an OLE container) goes to calamine directly; a
    .csv is decoded as UTF-8 (with or without a BOM) or GB18030 (GBK's superset), whichever reads it."""
    if folder is not None:
        _require_inside(Path(path), Path(folder))
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return open_csv(Path(path))
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC) and suffix == ".xls":
        return _open_with_calamine(Path(path), None, {}, {}, frozenset())
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
        states, parts = _sheet_catalog(archive)  # regular expressions only: no entity is ever expanded
        sheet_members = set(parts.values())
        plain = set()
        for m in members:
            # a sheet is wherever workbook.xml.rels points, whatever its name ends with
            if not m.filename.endswith((".xml", ".rels")) and m.filename not in sheet_members:
                continue
            declares_dtd, marked = _scan_part(archive, m, facts=m.filename in sheet_members)
            if declares_dtd:
                raise UnreadableWorkbook(
                    f"部件 {m.filename} 声明了 DTD 或实体,Excel 从不这样写(实体扩展攻击?);应为普通工作簿",
                    f"part {m.filename} declares a DTD or entities, which Excel never writes "
                    "(an entity-expansion attack?); expected an ordinary workbook"
                )
            if m.filename in sheet_members and not marked:
                plain.add(m.filename)
    except UnreadableWorkbook:
        archive.close()
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        archive.close()
        raise UnreadableWorkbook(f"是已损坏的 .xlsx({type(exc).__name__}: {exc});应为可读取的工作簿",
                                 f"is a damaged .xlsx ({type(exc).__name__}: {exc}); expected a readable workbook") from None
    return _open_with_calamine(Path(path), archive, states, parts, frozenset(plain))


def _open_with_calamine(path: Path, archive: zipfile.ZipFile | None, states: dict, parts: dict,
                        plain: frozenset) -> Workbook:
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        if archive is not None:
            archive.close()
        raise UnreadableWorkbook("受密码保护;应为未加密的工作簿(在 Excel 中打开,取消密码后另存)",
                                 "is password-protected; expected an unprotected workbook (open it in Excel, remove "
                                 "the password and save it)") from None
    except Exception as exc:  # calamine raises several types for damaged files
        if archive is not None:
            archive.close()
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise UnreadableWorkbook("受密码保护;应为未加密的工作簿(在 Excel 中打开,取消密码后另存)",
                                     "is password-protected; expected an unprotected workbook (open it in Excel, "
                                     "remove the password and save it)") from None
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raise UnreadableWorkbook(f"无法读取({exc});应为有效的 .xlsx",
                                     f"cannot be read ({exc}); expected a valid .xlsx") from None
        raise UnreadableWorkbook(f"无法读取({exc});应为 Excel、WPS 或 LibreOffice 保存的有效工作簿",
                                 f"cannot be read ({exc}); expected a valid workbook saved by Excel, WPS or "
                                 "LibreOffice") from None
    return Workbook(path=path, book=book, sheet_states=states, sheet_parts=parts, archive=archive,
                    plain_parts=plain)


# --- CSV: one table of text -----------------------------------------------------------------------

MAX_CSV_BYTES = MAX_UNCOMPRESSED
CSV_ENCODINGS = (("utf-8", "UTF-8"), ("gb18030", "GB18030(GBK)"))


def decode_csv(data: bytes) -> tuple[str, str]:
    """(the text, the encoding as said to the analyst): a byte-order mark decides; else UTF-8 when the bytes are
    UTF-8 (GBK text almost never is), else GB18030, which reads every GBK and GB2312 file."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", "replace"), "UTF-8(带 BOM)"
    for mark, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(mark):
            return data[len(mark):].decode(name, "replace"), "UTF-16"
    for name, said in CSV_ENCODINGS:
        try:
            return data.decode(name), said
        except UnicodeDecodeError:
            continue
    raise UnreadableWorkbook("的文字编码无法识别;应为 UTF-8 或 GBK(GB18030)编码的 CSV(在 Excel 中另存为“CSV UTF-8”)",
                             "has a text encoding that cannot be told; expected a CSV in UTF-8 or GBK (GB18030) "
                             "(save it from Excel as \"CSV UTF-8\")")


class _CsvSheet:
    """A CSV's rows with the little of calamine's sheet interface ``read_sheet`` uses."""

    merged_cell_ranges: list = []

    def __init__(self, rows: list[list]):
        width = max((len(r) for r in rows), default=0)
        self.rows = [r + [""] * (width - len(r)) for r in rows]
        self.start = (0, 0) if rows and width else None
        self.end = (len(rows) - 1, width - 1)

    def iter_rows(self) -> Iterator[list]:
        return iter(self.rows)

    def to_python(self, skip_empty_area: bool = False) -> list[list]:
        return [list(r) for r in self.rows]


class _CsvBook:
    """A CSV as a workbook of one nameless sheet (problems name the file, row and column)."""

    def __init__(self, rows: list[list]):
        self.sheet = _CsvSheet(rows)
        self.sheet_names = [""]

    def get_sheet_by_name(self, name: str) -> _CsvSheet:
        return self.sheet

    def close(self) -> None:
        pass


def open_csv(path: Path) -> Workbook:
    """A CSV file as a one-sheet workbook of text cells; its encoding detected (``Workbook.encoding``)."""
    import csv

    if path.stat().st_size > MAX_CSV_BYTES:
        raise UnreadableWorkbook(f"超过 {MAX_CSV_BYTES // 2**20} MiB;应不超过这个大小",
                                 f"is over {MAX_CSV_BYTES // 2**20} MiB; expected at most that")
    data = path.read_bytes()
    if data.startswith(OLE_MAGIC) or data.startswith(b"PK\x03\x04"):
        raise UnreadableWorkbook("扩展名是 .csv,内容却是 Excel 工作簿;应为文本的 CSV(或改回 .xlsx/.xls 扩展名)",
                                 "is named .csv but holds an Excel workbook; expected a text CSV (or name it "
                                 ".xlsx/.xls)")
    text, encoding = decode_csv(data)
    if "\0" in text:
        raise UnreadableWorkbook("含有空字符(不是文本文件,或已损坏);应为文本的 CSV",
                                 "holds NUL characters (not a text file, or damaged); expected a text CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnreadableWorkbook(f"不是有效的 CSV({exc});应为逗号分隔的文本表格",
                                 f"is not a valid CSV ({exc}); expected a comma-separated table of text") from None
    return Workbook(path=path, book=_CsvBook(rows), sheet_states={}, sheet_parts={}, archive=None,
                    encoding=encoding)


def _require_inside(path: Path, folder: Path) -> None:
    """A workbook of the raw folder is a file of that folder: a link leading elsewhere would read (and put
    into the report) a file nobody handed in as this evaluation's."""
    target = path.resolve()
    root = folder.resolve()
    if root not in target.parents:
        raise UnreadableWorkbook(
            f"是指向原始数据文件夹之外的链接(→ {target});应为文件夹中的工作簿本身(请复制进来,而不是链接)",
            f"is a link leading outside the raw folder (→ {target}); expected the workbook itself in the folder "
            "(copy it in rather than link it)")


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# "<?" of a declaration with no BOM, as XML 1.0 appendix F tells the encoding family from it
_UNMARKED = ((b"<\0\0\0?\0\0\0", "utf-32-le"), (b"\0\0\0<\0\0\0?", "utf-32-be"), (b"<\0?\0", "utf-16-le"),
             (b"\0<\0?", "utf-16-be"))
_DECLARED = re.compile(rb"""\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")


def xml_encoding(head: bytes) -> tuple[str, bool] | None:
    """(the encoding of an XML part, whether ASCII markup is itself in its bytes), from its first bytes: the
    byte-order mark, else the XML 1.0 appendix F patterns, else the declaration. None for an encoding the
    DTD check cannot read (EBCDIC, UTF-7, a declaration the bytes contradict): such a part is refused."""
    for mark, name in _BOMS:
        if head.startswith(mark):
            return name, name == "utf-8"
    for pattern, name in _UNMARKED:
        if head.startswith(pattern):
            return name, False
    declared = _DECLARED.match(head)
    name = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        codecs.lookup(name)
        # an ASCII-compatible encoding writes markup as ASCII bytes: the byte search below sees it
        compatible = "<!DOCTYPE<!ENTITY".encode(name) == b"<!DOCTYPE<!ENTITY"
    except (LookupError, UnicodeError):
        return None
    return (name, True) if compatible else None


def _scan_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, facts: bool) -> tuple[bool, bool]:
    """(whether the part holds <!DOCTYPE or <!ENTITY anywhere (a long comment could push it past any
    prolog), whether it may hold a formula or a hidden row: with ``facts``, checked in the same pass,
    so a large sheet is decompressed once here, not again by ``xml_facts``).

    A part in UTF-16 or UTF-32 is decoded before it is searched (its markup is not ASCII bytes); one in
    an encoding that cannot be checked counts as declaring a DTD."""
    with archive.open(member) as fh:
        head = fh.read(256)
    found = xml_encoding(head)
    if found is None:
        return True, True
    encoding, ascii_markup = found
    if not ascii_markup:
        return _scan_decoded(archive, member, encoding), True
    tail = b""
    marked = not facts
    with archive.open(member) as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            chunk = tail + block
            # one byte is found by memchr, far faster than a longer search; "!" is rare in XML
            if b"!" in chunk and (b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk):
                return True, True
            # every match of xml_facts' patterns holds one of these
            marked = marked or b"hidden" in chunk or names_an_f(chunk) or b't="e"' in chunk
            tail = chunk[-16:]
    return False, marked


def _scan_decoded(archive: zipfile.ZipFile, member: zipfile.ZipInfo, encoding: str) -> bool:
    """Whether a part in a wide encoding holds <!DOCTYPE or <!ENTITY, decoded block by block."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    tail = ""
    with archive.open(member) as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            text = tail + decoder.decode(block)
            if "<!DOCTYPE" in text or "<!ENTITY" in text:
                return True
            tail = text[-16:]
    return False


def names_an_f(chunk: bytes) -> bool:
    """Whether b"<f" or b":f" occurs (every formula tag holds one). Cells' XML seldom holds the letter f,
    and counting one byte is several times faster than searching for two."""
    if chunk.count(b"f") > 10_000:
        return b"<f" in chunk or b":f" in chunk
    at = chunk.find(b"f", 1)
    while at != -1:
        if chunk[at - 1] in b"<:":
            return True
        at = chunk.find(b"f", at + 1)
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


def pick_sheet(wb: Workbook, spec: SheetSpec, sheet: str | None = None, alone: bool | None = None) -> str | None:
    """The sheet named (``sheet``, else the contract's), else the only sheet of a one-sheet workbook read for one
    table (``alone``; by default when the contract's workbook has one sheet), else None. A CSV is its one table."""
    names = wb.book.sheet_names
    if wb.is_csv:
        return names[0]
    wanted = sheet or spec.sheet
    if wanted in names:
        return wanted
    stripped = {n.strip(): n for n in names}
    if wanted.strip() in stripped:
        return stripped[wanted.strip()]
    if sheet is not None:
        return None  # a sheet the params file names is that sheet, never another
    if alone is None:
        alone = len([s for s in SHEETS if s.file == spec.file]) == 1
    if len(names) == 1 and alone:
        return names[0]
    return None


NUMBER_KINDS = ("money", "money_yuan", "score", "year", "flag", "count", "order")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _csv_numbers(rows: Iterator[list], positions: list[int]) -> Iterator[list]:
    """A CSV's cells are all text: in the number columns, a plain number ("1234.5", "-3") becomes the number a
    workbook would hold, so it is not reported as a number stored as text. Anything else ("1,234.50", " 12")
    stays text, read (and recorded as normalised) as in a workbook."""
    for row in rows:
        for pos in positions:
            if pos < len(row):
                cell = row[pos]
                if type(cell) is str and _PLAIN_NUMBER.fullmatch(cell):
                    row[pos] = float(cell)
        yield row


def read_sheet(wb: Workbook, spec: SheetSpec, file: str | None = None,
               aliases: dict[str, str] | None = None,
               by_column: bool = True,
               normalised: Normalised | None = None, *, sheet: str | None = None, header_row: int | None = None,
               alone: bool | None = None, adjusted=None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read ``spec``'s sheet from an open workbook.

    ``file`` is the name problems give (the department's own file name, default the contract's);
    ``aliases`` maps the department's headers to contract headers. Returns the typed frame
    (canonical column names, plus ``excel_row``: the row number as Excel shows it; money in fen
    whatever unit the header named) and every problem found. After a header problem the cells
    are still checked, but the frame is None, so no rule across sheets reads a half-read sheet.
    ``frame.attrs``: sheet, header_row, headers (name -> header as typed), bad_cells ([row, name]
    of every cell reported as an error).

    Cells are converted a column at a time, chunk by chunk (``columns.py``); ``by_column=False``
    converts them one by one, the plain loop kept as the reference the column path is tested
    against: both give the same frame and the same problems in the same order.

    ``normalised`` (when given) records the cells read otherwise than typed (a date typed "2022.5.8", an id
    with a trailing space, "1,234.50" stored as text): both paths record the same cells in the same order.

    ``sheet`` and ``header_row`` are the params file's (``files: {file, sheet, header_row}``); ``alone``: the
    file is read for this one table (so its only sheet may be taken whatever its name); ``adjusted``
    (``adjust.Adjusted``) applies the evaluator's adjustments to the rows before they are converted.
    """
    file = file or spec.file
    problems: list[Problem] = []
    declared_sheet = sheet
    sheet = pick_sheet(wb, spec, declared_sheet, alone)
    if sheet is None:
        names = wb.book.sheet_names
        wanted = declared_sheet or spec.sheet
        problems.append(
            Problem(ERROR, file, (f"缺少工作表 {wanted};该工作簿中有:{'、'.join(names)}",
                                  f"sheet {wanted} is missing; the workbook has: {', '.join(names)}"),
                    sheet=wanted)
        )
        return None, problems
    if wb.sheet_states.get(sheet, "visible") != "visible":
        problems.append(Problem(WARNING, file, ("该工作表在 Excel 中被隐藏;仍已读取",
                                                "the sheet is hidden in Excel; it was read all the same"), sheet=sheet))
    read_from = len(problems)
    try:
        calamine_sheet = wb.book.get_sheet_by_name(sheet)
        if by_column:
            rest = sheet_rows(calamine_sheet)
            rows = _head(rest, HEADER_LOOK)
        else:
            rows, rest = calamine_sheet.to_python(skip_empty_area=False), iter(())
        facts = wb.xml_facts(sheet)
    except Exception as exc:  # calamine parses a sheet only when asked: damage shows up here
        problems.append(_unreadable_sheet(file, sheet, exc))
        return None, problems
    index = ColumnIndex(spec, aliases or {})
    if header_row is not None:
        if len(rows) < header_row:
            rows += list(itertools.islice(rest, header_row - len(rows)))
        header_at = header_row - 1
        if header_at >= len(rows) or all(is_blank(v) for v in rows[header_at]):
            problems.append(Problem(ERROR, file, (
                f"第 {header_row} 行(参数文件 header_row 所指的表头行)为空或不存在;应为表头行",
                f"row {header_row} (the header row the params file's header_row names) is blank or missing; "
                "expected the header row"), sheet=sheet, row=header_row))
            return None, problems
    else:
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

    for row, letter in facts.formulas_without_value:
        pos = _col_index(letter)
        header = " ".join(str(header_cells[pos]).split()) if pos < len(header_cells) and not is_blank(
            header_cells[pos]) else letter
        problems.append(
            Problem(ERROR, file, ("该单元格是没有保存结果的公式;应为数值(在 Excel 中打开并保存,或粘贴为数值)",
                                  "the cell holds a formula with no saved result; expected a value "
                                  "(open and save the file in Excel, or paste values)"), sheet=sheet, row=row, column=header)
        )
    read_positions = set(positions.values()) | set(extra.values())
    errors = [(row, letter, value) for row, letter, value in facts.error_values
              if row > excel_header_row and _col_index(letter) in read_positions]
    problems.extend(excel_error_problem(file, sheet, row, _header_of(header_cells, letter), value)
                    for row, letter, value in errors)
    hidden = [r for r in facts.hidden_rows if r > excel_header_row]
    if hidden:
        shown = ", ".join(str(r) for r in hidden[:10]) + (" …" if len(hidden) > 10 else "")
        problems.append(
            Problem(WARNING, file, (f"{len(hidden)} 个隐藏行({shown})仍已读取",
                                    f"{len(hidden)} hidden row(s) ({shown}) were read all the same"), sheet=sheet)
        )

    headers_by_name = {c.name: " ".join(str(header_cells[positions[c.name]]).split())
                       for c in spec.columns if c.name in positions}
    targets = [_Target(c.name, positions.get(c.name),
                       "money_yuan" if c.kind == "money" and units.get(c.name) == "元" else c.kind,
                       c.required, headers_by_name.get(c.name), DTYPES[c.kind])
               for c in spec.columns]
    targets += [_Target(q, pos, spec.extra_columns, False, q, "object") for q, pos in extra.items()]
    cells = _Cells(file, sheet, excel_header_row + 1, problems,
                   {(row, _col_index(letter)) for row, letter in facts.formulas_without_value}
                   | {(row, _col_index(letter)) for row, letter, _ in errors},  # said above, not as blank
                   normalised=normalised)
    data = itertools.chain(rows[header_at + 1:], rest)
    del rows, rest  # the chain holds the only reference: converted chunks are freed as they go
    entries = adjusted.for_sheet(file, sheet, alone is False) if adjusted is not None else []
    if entries and not header_failed:
        data = adjusted.wrap(data, entries, file=file, sheet=sheet, table=spec.key, first_row=excel_header_row + 1,
                             header_row=excel_header_row, header_positions=headers_seen, targets=targets,
                             headers=[" ".join(str(c).split()) for c in header_cells if not is_blank(c)])
    if wb.is_csv:
        data = _csv_numbers(data, [tg.pos for tg in targets if tg.pos is not None and tg.kind in NUMBER_KINDS])
    if by_column:
        try:
            columns, excel_rows = cells.by_column(data, targets)
        except SheetDamaged as damaged:  # a cell calamine cannot hand over, met after the header
            del problems[read_from:]  # the cell-by-cell loop meets it before reporting anything else
            problems.append(_unreadable_sheet(file, sheet, damaged.__cause__))
            return None, problems
    else:
        columns, excel_rows = cells.by_row(list(data), targets)
    if header_failed:
        return None, problems
    frame = pd.DataFrame({"excel_row": excel_rows, **columns})
    problems.extend(_feb_29_1900(wb, file, sheet, frame, targets))
    frame.attrs["sheet"] = sheet
    frame.attrs["header_row"] = excel_header_row
    frame.attrs["headers"] = {**headers_by_name, **{q: q for q in extra}}
    frame.attrs["bad_cells"] = cells.bad_cells
    return frame, problems


class SheetDamaged(Exception):
    """calamine could not hand over a row of the sheet (e.g. a date far out of range); the cause is its error."""


def _unreadable_sheet(file: str, sheet: str, exc: BaseException) -> Problem:
    return Problem(ERROR, file, (
        f"无法读取该工作表({type(exc).__name__}: {exc});应为 Excel、WPS 或 LibreOffice 保存的工作表",
        f"the sheet cannot be read ({type(exc).__name__}: {exc}); "
        "expected a sheet saved by Excel, WPS or LibreOffice"), sheet=sheet)


@dataclass(frozen=True)
class _Target:
    """A column to read: ``pos`` its place in the sheet (None when left out), ``kind`` its parser."""

    name: str
    pos: int | None
    kind: str
    required: bool
    header: str | None  # as typed, for problems
    dtype: str


@dataclass
class _Cells:
    """Converts the data rows of a sheet; notes each problem, and the cells reported, in row order."""

    file: str
    sheet: str
    first_row: int  # Excel row of the first data row
    problems: list[Problem]
    formula_positions: set[tuple[int, int]]  # (Excel row, column index) of formulas without a value
    bad_cells: list[list] = field(default_factory=list)
    normalised: Normalised | None = None

    def _normalised(self, excel_row: int, target: _Target, raw: object, result: object, kind: str) -> None:
        self.normalised.count(kind)
        if self.normalised.room(kind):
            self.normalised.keep(kind, self.file, self.sheet, excel_row, target.header, raw,
                                 shown_read(target.kind, result))

    def _note(self, excel_row: int, target: _Target, result: object, raw: object) -> None:
        """Report a cell whose ``result`` is BLANK_CELL or Failed, and list it among the bad cells."""
        formula = (excel_row, target.pos) in self.formula_positions
        if type(result) is Failed:
            self.problems.append(Problem(ERROR, self.file, result.message, sheet=self.sheet, row=excel_row,
                                         column=target.header, value=raw))
        elif result is BLANK_CELL and target.required and not formula:
            self.problems.append(Problem(ERROR, self.file, BLANK_REQUIRED, sheet=self.sheet, row=excel_row,
                                         column=target.header))
        elif not formula:
            return
        self.bad_cells.append([excel_row, target.name])

    def by_row(self, data: list[list], targets: list[_Target]) -> tuple[dict[str, pd.Series], pd.Series]:
        """Cell by cell, row by row: the reference ``by_column`` is tested against."""
        out: dict[str, list] = {t.name: [] for t in targets}
        excel_rows: list[int] = []
        for offset, row in enumerate(data):
            if all(is_blank(v) for v in row):
                continue  # blank rows, trailing or not, are no data
            excel_row = self.first_row + offset
            excel_rows.append(excel_row)
            for target in targets:
                if target.pos is None:  # an optional column left out of the sheet
                    out[target.name].append(None)
                    continue
                raw = row[target.pos] if target.pos < len(row) else None
                result = outcome(raw, target.kind)
                if result is BLANK_CELL or type(result) is Failed:
                    self._note(excel_row, target, result, raw)
                    result = None
                else:
                    if (excel_row, target.pos) in self.formula_positions:
                        self.bad_cells.append([excel_row, target.name])
                    if self.normalised is not None:
                        kind = normalisation(raw, target.kind, result)
                        if kind is not None:
                            self._normalised(excel_row, target, raw, result, kind)
                out[target.name].append(result)
        # explicit dtypes: pandas would otherwise turn None into NaN in text columns
        return ({t.name: pd.Series(out[t.name], dtype=t.dtype) for t in targets},
                pd.Series(excel_rows, dtype="int64"))

    def by_column(self, data: Iterator[list], targets: list[_Target]) -> tuple[dict[str, pd.Series], pd.Series]:
        """A chunk of rows at a time, each column of the chunk at once (``columns.py``)."""
        # Each chunk's row lists would trigger the cycle collector again and again, and each run walks
        # every object alive: 3/4 of the time on a large sheet. Nothing made here forms a cycle.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._by_column(data, targets)
        finally:
            if collecting:
                gc.enable()

    def _by_column(self, data: Iterator[list], targets: list[_Target]) -> tuple[dict[str, pd.Series], pd.Series]:
        converters = {t.pos: ColumnConverter(t.kind) for t in targets if t.pos is not None}
        parts: dict[str, list] = {t.name: [] for t in targets}
        missing: dict[str, list] = {t.name: [] for t in targets}
        excel_rows: list[np.ndarray] = []
        offset = 0
        while chunk := _next_chunk(data):
            n = len(chunk)
            lengths = set(map(len, chunk))
            cells = list(zip(*chunk) if len(lengths) == 1 else itertools.zip_longest(*chunk, fillvalue=None))
            del chunk
            columns = {pos: conv.convert(cells[pos] if pos < len(cells) else (None,) * n)
                       for pos, conv in converters.items()}
            kept = self._kept_rows(cells, columns)
            rows = self.first_row + offset + (np.arange(n) if kept is None else kept)
            excel_rows.append(rows)
            self._note_chunk(cells, columns, targets, offset, kept)
            if self.normalised is not None:
                self._note_normalised(cells, columns, targets, offset)
            for t in targets:
                column = columns.get(t.pos)
                if column is None:
                    parts[t.name].append([None] * len(rows))
                    continue
                values = column.values
                if kept is not None:
                    values = values[kept] if isinstance(values, np.ndarray) else [values[i] for i in kept]
                parts[t.name].append(values)
                if column.missing is not None:
                    missing[t.name].append(column.missing if kept is None else column.missing[kept])
            offset += n
            del cells, columns
        return ({t.name: _series(parts[t.name], missing[t.name], t.dtype) for t in targets},
                pd.Series(np.concatenate(excel_rows) if excel_rows else [], dtype="int64"))

    def _kept_rows(self, cells: list[tuple], columns: dict[int, ConvertedColumn]) -> np.ndarray | None:
        """Indices of the chunk's rows holding any value; None when every row does."""
        if not cells:  # rows without a cell
            return np.zeros(0, dtype=np.int64)
        blank = None
        for pos in [*columns, *(p for p in range(len(cells)) if p not in columns)]:
            in_column = columns[pos].blank if pos in columns else blank_cells(cells[pos])
            if in_column is None:
                return None
            blank = in_column.copy() if blank is None else blank & in_column
        return None if blank is None else np.flatnonzero(~blank)

    def _note_chunk(self, cells, columns, targets, offset: int, kept: np.ndarray | None) -> None:
        """Problems and bad cells of the chunk's kept rows, in row order, then column order."""
        n = len(cells[0]) if cells else 0
        keep = np.ones(n, dtype=bool)
        if kept is not None:
            keep[:] = False
            keep[kept] = True
        found: dict[tuple[int, int], object] = {}  # (row index, target index) -> BLANK_CELL, Failed or None
        for k, t in enumerate(targets):
            column = columns.get(t.pos)
            if column is None:
                continue
            for i, message in column.failed.items():
                if keep[i]:
                    found[i, k] = Failed(message)
            if t.required and column.blank is not None:
                for i in np.flatnonzero(column.blank & keep).tolist():
                    found[i, k] = BLANK_CELL
        for row, pos in self.formula_positions:
            i = row - self.first_row - offset
            if 0 <= i < n and keep[i]:
                for k, t in enumerate(targets):
                    if t.pos == pos:
                        found.setdefault((i, k), None)
        for i, k in sorted(found):
            t = targets[k]
            raw = cells[t.pos][i] if t.pos < len(cells) else None
            self._note(self.first_row + offset + i, t, found[i, k], raw)


    def _note_normalised(self, cells, columns: dict[int, ConvertedColumn], targets, offset: int) -> None:
        """The chunk's normalised cells counted, and the first of each kind kept in row, then column order, as
        ``by_row`` meets them. (A normalised cell holds a value, so its row is never a blank row left out.)"""
        candidates = []
        for k, t in enumerate(targets):
            column = columns.get(t.pos)
            if column is None or not column.normalised:
                continue
            for kind, (count, first) in column.normalised.items():
                self.normalised.count(kind, count)
                if self.normalised.room(kind):
                    candidates.extend((i, k, kind) for i in first)
        for i, k, kind in sorted(candidates):
            if self.normalised.room(kind):
                t = targets[k]
                value = columns[t.pos].values[i]
                self.normalised.keep(kind, self.file, self.sheet, self.first_row + offset + i, t.header,
                                     cells[t.pos][i], shown_read(t.kind, value))


def _next_chunk(data: Iterator[list]) -> list[list]:
    try:
        return list(itertools.islice(data, CHUNK_ROWS))
    except Exception as exc:  # only calamine's iterator can fail here
        raise SheetDamaged() from exc


def _series(parts: list, missing: list[np.ndarray], dtype: str) -> pd.Series:
    """One frame column from its converted chunks."""
    if dtype == "Int64":
        if parts and all(isinstance(p, np.ndarray) for p in parts):
            return pd.Series(pd.arrays.IntegerArray(np.concatenate(parts), np.concatenate(missing)))
        return pd.Series([v for p in parts for v in p], dtype=dtype)  # an optional column left out
    values = []
    for i, part in enumerate(parts):
        if isinstance(part, np.ndarray):  # numbers in a column of objects (survey questions)
            part = [None if m else v for v, m in zip(part.tolist(), missing[i].tolist())]
        values.extend(part)
    return pd.Series(values, dtype=dtype)


def sheet_rows(calamine_sheet) -> Iterator[list]:
    """The sheet's rows from A1, as ``to_python(skip_empty_area=False)`` gives them, one at a time:
    a 1,000,000-row sheet is never held as Python objects all at once."""
    start = calamine_sheet.start
    if start is None:
        return iter(())
    width = calamine_sheet.end[1] + 1
    rows = calamine_sheet.iter_rows()  # rows from the first; columns from the first used one
    first = next(rows, None)
    if first is None:
        return iter(())
    if len(first) == width:
        return itertools.chain([first], rows)
    return _pad_left(itertools.chain([first], rows), width)


def _pad_left(rows: Iterator[list], width: int) -> Iterator[list]:
    for row in rows:
        yield [""] * (width - len(row)) + row if len(row) < width else row


def _head(rows: Iterator[list], look: int) -> list[list]:
    """The first rows, up to and with the ``look``-th non-blank one: all ``_find_header`` reads."""
    head = []
    non_blank = 0
    for row in rows:
        head.append(row)
        if any(not is_blank(v) for v in row):
            non_blank += 1
            if non_blank == look:
                break
    return head


def _find_header(rows: list[list], index: ColumnIndex, look: int = HEADER_LOOK) -> int | None:
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


def _feb_29_1900(wb: Workbook, file: str, sheet: str, frame: pd.DataFrame, targets: list) -> list[Problem]:
    """A warning per date read as 1900-02-28 that Excel stored as its serial 60, the 1900-02-29 that never was
    (a rare date: the sheet's XML is read again only when one is there)."""
    suspects = [(int(row), _col_letter(target.pos), target.header) for target in targets
                if target.kind == "date" and target.pos is not None
                for row in frame.loc[frame[target.name] == CALAMINE_READS_IT_AS, "excel_row"]]
    part = wb.sheet_parts.get(sheet)
    if not suspects or part is None:
        return []
    headers = {(row, letter): header for row, letter, header in suspects}
    found = serial_60_cells(wb.archive.read(part), [(row, letter) for row, letter, _ in suspects])
    return [feb_29_1900_problem(file, sheet, row, headers[(row, letter)]) for row, letter in found]


def _header_of(header_cells: list, letter: str) -> str:
    pos = _col_index(letter)
    return " ".join(str(header_cells[pos]).split()) if pos < len(header_cells) and not is_blank(header_cells[pos]) else letter


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


DTYPES = {
    "money": "Int64", "money_yuan": "Int64", "score": "Int64", "year": "Int64", "flag": "Int64", "count": "Int64", "order": "Int64",
    "id": "object", "text": "object", "date": "object", "month": "object",
}
