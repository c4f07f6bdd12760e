"""A section's tables as one Excel workbook: one sheet per table, numbers kept as numbers.

Each sheet reads as a table in a Chinese report does: its title on the first row, 单位 on the second, the
headers, the rows, a note, and 数据来源 last. A number the page printed as text (the overview's key
figures: 80,692.06, 98.42%) is a number here too, in the format it was printed with; a share column gets
as many decimals as its smallest share needs to show (0.0049%, never 0.00%).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from jixiao.contract.fields import DATE, GE, MONEY, RATE, SCORE, WEIGHT, Kind
from jixiao.core.atomic import atomic_path
from jixiao.present import format as fmt

# a column's kind (contract.fields) as a sheet keeps it: score is "points" here; text carries no format
SHEET_KINDS = {"money": MONEY, "rate": RATE, "count": GE, "points": SCORE, "weight": WEIGHT, "date": DATE}
# kind -> the Excel number format its numbers carry, from the one formatter (present.format)
NUMBER_FORMATS = {name: fmt.excel_format(kind) for name, kind in SHEET_KINDS.items()}
KINDS = ("text", *NUMBER_FORMATS)


def sheet_kind(kind: Kind) -> str:
    """A contract kind as a sheet column's: numbers stay numbers; text, lists and printed figures are text."""
    return {"money": "money", "rate": "rate", "count": "count", "year": "count", "score": "points",
            "weight": "weight", "date": "date"}.get(kind.kind, "text")

SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names
# what Excel refuses in a sheet name -> the full-width character a Chinese title would print anyway
_SHEET_FORBIDDEN = {"[": "［", "]": "］", ":": "：", "*": "＊", "?": "？", "/": "／", "\\": "＼"}
TITLE_ROW, UNIT_ROW, HEADER_ROW = 1, 2, 3
# a text cell that is a number as the report prints it: 80,692.06 / 35,806,422 / 98.42% / 0.0049%
_PRINTED_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)$")
# a text cell starting with one of these is a formula to Excel (and to LibreOffice, which also takes '-' and '+')
FORMULA_START = ("=", "+", "-", "@")
_MAX_WIDTH = 60  # characters of width 1; longer text wraps instead of widening the column further


@dataclass(frozen=True, eq=False)  # frames do not compare with ==
class ExcelTable:
    """One table: ``title`` (Chinese; names the sheet), ``frame`` (columns = Chinese headers),
    ``kinds`` (header -> one of KINDS), ``note`` (printed below the table)."""

    title: str
    frame: pd.DataFrame
    kinds: Mapping[str, str]
    note: str = ""
    source: str = ""  # 数据来源, printed under the table

    def __post_init__(self):
        headers = [str(c) for c in self.frame.columns]
        missing = [h for h in headers if h not in self.kinds]
        if missing:
            raise ValueError(f"表格「{self.title}」的列 {', '.join(missing)} 没有给出类型;可用类型:{', '.join(KINDS)}")
        unknown = {h: k for h, k in self.kinds.items() if k not in KINDS}
        if unknown:
            raise ValueError(f"表格「{self.title}」的列类型 {unknown} 无效;可用类型:{', '.join(KINDS)}")
        if len(set(headers)) != len(headers):
            raise ValueError(f"表格「{self.title}」有重复的列名:{headers}")


def write_tables_xlsx(path: Path, tables: Sequence[ExcelTable]) -> None:
    """Write ``tables`` to ``path`` atomically, one sheet each, in order."""
    if not tables:
        raise ValueError(f"{path}: 没有可写入的表格")
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for table in tables:
        name = sheet_name(table.title, taken)
        taken.add(name.casefold())
        _fill_sheet(wb.create_sheet(name), table)
    with atomic_path(Path(path), suffix=".xlsx.part") as tmp:
        wb.save(tmp)


def sheet_name(title: str, taken: set[str] = frozenset()) -> str:
    """``title`` as Excel allows a sheet name: []:*?/\\ as their full-width forms (您单位的需求是否被纳入？), no
    edge apostrophes, at most 31 characters, unlike (ignoring case, as Excel does) every name in ``taken``."""
    base = "".join(_SHEET_FORBIDDEN.get(ch, ch) for ch in str(title)).strip().strip("'").strip() or "表"
    base = base[:SHEET_NAME_LIMIT]
    name, n = base, 1
    while name.casefold() in taken or name.casefold() == "history":  # Excel reserves "History"
        n += 1
        suffix = f"({n})"
        name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
    return name


def display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet: CJK and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fill_sheet(ws, table: ExcelTable) -> None:
    headers = [str(c) for c in table.frame.columns]
    widths = [display_width(h) for h in headers]
    bold = Font(bold=True)
    last = get_column_letter(max(len(headers), 1))
    _set_text(ws.cell(row=TITLE_ROW, column=1), table.title)
    ws.cell(row=TITLE_ROW, column=1).font = Font(bold=True, size=13)
    ws.cell(row=TITLE_ROW, column=1).alignment = Alignment(horizontal="center")
    if len(headers) > 1:
        ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    unit = _unit_line(table)
    if unit:
        _set_text(ws.cell(row=UNIT_ROW, column=len(headers)), unit)
        ws.cell(row=UNIT_ROW, column=len(headers)).alignment = Alignment(horizontal="right")
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col)
        _set_text(cell, header)
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center")
    rate_formats = {h: _rate_format(table.frame[h]) for h in headers if table.kinds[h] == "rate"}
    for row, values in enumerate(table.frame.itertuples(index=False, name=None), start=HEADER_ROW + 1):
        for col, (header, value) in enumerate(zip(headers, values), start=1):
            kind = table.kinds[header]
            cell = ws.cell(row=row, column=col)
            shown = _put(cell, value, kind, table.title, header, row)
            if kind == "rate" and not _blank(value):
                cell.number_format = rate_formats[header]
            widths[col - 1] = max(widths[col - 1], display_width(shown))
    below = HEADER_ROW + len(table.frame) + 2  # one blank row between the table and what follows it
    for text in (table.note, f"数据来源:{table.source}" if table.source else ""):
        if text:
            _set_text(ws.cell(row=below, column=1), text)
            below += 1
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(width, _MAX_WIDTH) + 2
    for col, header in enumerate(headers, start=1):
        if widths[col - 1] > _MAX_WIDTH:
            for (cell,) in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + len(table.frame), min_col=col,
                                        max_col=col):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _unit_line(table: ExcelTable) -> str:
    """单位 as a Chinese table states it above the table: 万元 for its money (headers say the rest)."""
    return "单位:万元" if any(k == "money" for k in table.kinds.values()) else ""


def _rate_format(values: pd.Series) -> str:
    """The percent format whose decimals show the column's smallest share as the page prints it (0.0049%),
    never fewer than the report's two."""
    return fmt.excel_format(RATE, [v for v in values if not _blank(v)])


def _blank(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _set_text(cell, text: str) -> None:
    cell.value = text
    # openpyxl turns any string starting with '=' into a formula; forced text stays text, and the quote
    # prefix keeps Excel from reading it as a formula when someone edits the cell
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True


def _put(cell, value, kind: str, title: str, header: str, row: int) -> str:
    """Store ``value`` in ``cell`` as its kind; return the text it shows (for the column width)."""
    if _blank(value):
        return ""
    if kind == "text":
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        printed = _PRINTED_NUMBER.match(text) if isinstance(value, str) and ("," in text or "." in text or "%" in text) else None
        if printed:
            return _put_printed(cell, text, printed)
        _set_text(cell, text)
        return text
    if isinstance(value, str) and value.startswith("【") and value.endswith("】"):  # a placeholder (【待填写】)
        _set_text(cell, value)
        return value
    where = f"表格「{title}」第 {row} 行「{header}」列"
    if kind == "date":
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            raise TypeError(f"{where}:{value!r} 不是日期")
        cell.value = value
        cell.number_format = NUMBER_FORMATS["date"]
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        raise TypeError(f"{where}:{value!r} 不是数字(列类型 {kind})")
    if kind == "count":
        if value != int(value):
            raise TypeError(f"{where}:{value!r} 不是整数(列类型 count)")
        number: int | float = int(value)
    else:
        number = float(value)
        if not math.isfinite(number):
            raise TypeError(f"{where}:{value!r} 不是有限的数字")
    cell.value = number
    cell.number_format = NUMBER_FORMATS[kind]
    return _shown_number(number, kind)


def _put_printed(cell, text: str, printed: re.Match) -> str:
    """A number the page printed as text, as that number in the format it was printed with."""
    places = len(printed.group(1) or "")
    digits = text.rstrip("%").replace(",", "")
    if printed.group(2):
        cell.value = float(Decimal(digits) / 100)
        cell.number_format = "0" + ("." + "0" * places if places else "") + "%"
    else:
        cell.value = int(digits) if not places else float(Decimal(digits))
        cell.number_format = ("#,##0" if "," in text else "0") + ("." + "0" * places if places else "")
    return text


def _shown_number(number: int | float, kind: str) -> str:
    if kind == "money":
        return f"{number:,.2f}"
    if kind == "rate":
        return f"{number * 100:.2f}%"
    if kind == "points":
        return f"{number:.2f}"
    return f"{number:g}" if isinstance(number, float) else str(number)


def part_tables(parts, source: str = "") -> list[ExcelTable]:
    """Every TablePart of ``parts`` (a section's, in order) as a sheet; ``source`` is each one's 数据来源."""
    from jixiao.present.parts import TablePart

    tables = []
    for part in parts:
        if not isinstance(part, TablePart):
            continue
        headers = part.headers
        frame = pd.DataFrame([list(r) for r in part.rows], columns=headers, dtype=object)
        kinds = {c.header: sheet_kind(c.kind) for c in part.columns}
        for column in part.columns:
            if kinds[column.header] == "text":  # a list or printed figure: as the page prints it
                frame[column.header] = [None if fmt.blank(v) else fmt.cell(column.kind, v) for v in frame[column.header]]
        tables.append(ExcelTable(part.caption or f"表{len(tables) + 1}", frame, kinds, source=source))
    return tables


def tables_xlsx_bytes(tables: Sequence[ExcelTable]) -> bytes:
    """``write_tables_xlsx`` into memory (a worker returns the bytes; the batch writes the file)."""
    import shutil

    from jixiao.core.scratch import scratch_dir

    scratch = scratch_dir("xlsx")
    try:
        path = scratch / "tables.xlsx"
        write_tables_xlsx(path, tables)
        return path.read_bytes()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
