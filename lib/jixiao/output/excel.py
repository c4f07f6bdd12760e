"""A section's tables as one Excel workbook: one sheet per table, numbers kept as numbers."""

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

from jixiao.core.atomic import atomic_path

# kind -> the Excel number format its numbers carry (text carries none)
NUMBER_FORMATS = {
    "money": "#,##0.00",  # 万元
    "rate": "0.00%",  # a fraction: 0.9842 shows as 98.42%
    "count": "0",
    "points": "0.00",
    "weight": "General",  # 20 stays 20, 2.5 stays 2.5, as the report prints weights
    "date": "yyyy-mm-dd",
}
KINDS = ("text", *NUMBER_FORMATS)

SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# a text cell starting with one of these is a formula to Excel (and to LibreOffice, which also takes '-' and '+')
_FORMULA_START = ("=", "+", "-", "@")
_MAX_WIDTH = 60  # characters of width 1; longer text wraps instead of widening the column further


@dataclass(frozen=True, eq=False)  # frames do not compare with ==
class ExcelTable:
    """One table: ``title`` (Chinese; names the sheet), ``frame`` (columns = Chinese headers),
    ``kinds`` (header -> one of KINDS), ``note`` (printed below the table)."""

    title: str
    frame: pd.DataFrame
    kinds: Mapping[str, str]
    note: str = ""

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
    """``title`` as Excel allows a sheet name: no []:*?/\\, no edge apostrophes, at most 31 characters,
    unlike (ignoring case, as Excel does) every name in ``taken`` (casefolded)."""
    base = _SHEET_FORBIDDEN.sub("_", str(title)).strip().strip("'").strip() or "表"
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
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        _set_text(cell, header)
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row, values in enumerate(table.frame.itertuples(index=False, name=None), start=2):
        for col, (header, value) in enumerate(zip(headers, values), start=1):
            kind = table.kinds[header]
            shown = _put(ws.cell(row=row, column=col), value, kind, table.title, header, row)
            widths[col - 1] = max(widths[col - 1], display_width(shown))
    if table.note:
        note_row = len(table.frame) + 3  # one blank row between the table and its note
        cell = ws.cell(row=note_row, column=1)
        _set_text(cell, table.note)
    ws.freeze_panes = "A2"
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(width, _MAX_WIDTH) + 2
    for col, header in enumerate(headers, start=1):
        if widths[col - 1] > _MAX_WIDTH:
            for (cell,) in ws.iter_rows(min_row=2, max_row=len(table.frame) + 1, min_col=col, max_col=col):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _blank(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _set_text(cell, text: str) -> None:
    cell.value = text
    # openpyxl turns any string starting with '=' into a formula; forced text stays text, and the quote
    # prefix keeps Excel from reading it as a formula when someone edits the cell
    cell.data_type = "s"
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True


def _put(cell, value, kind: str, title: str, header: str, row: int) -> str:
    """Store ``value`` in ``cell`` as its kind; return the text it shows (for the column width)."""
    if _blank(value):
        return ""
    if kind == "text":
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        _set_text(cell, text)
        return text
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


def _shown_number(number: int | float, kind: str) -> str:
    if kind == "money":
        return f"{number:,.2f}"
    if kind == "rate":
        return f"{number * 100:.2f}%"
    if kind == "points":
        return f"{number:.2f}"
    return f"{number:g}" if isinstance(number, float) else str(number)


def notebook_tables(nb) -> list[ExcelTable]:
    """Every table an executed notebook shows (``present.table`` puts its data beside its HTML), in order."""
    from jixiao.present.tables import TABLE_MIME

    tables = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(TABLE_MIME)
            if not data:
                continue
            kinds = dict(zip(data["headers"], data["kinds"]))
            frame = pd.DataFrame(data["rows"], columns=data["headers"], dtype=object)
            for header, kind in kinds.items():
                if kind == "date":
                    frame[header] = [None if v is None else dt.date.fromisoformat(v) for v in frame[header]]
            tables.append(ExcelTable(data["caption"] or f"表{len(tables) + 1}", frame, kinds))
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
