"""What a reader library hands over otherwise than Excel shows it, read back from the sheet's XML.

- Error values (``#N/A``, ``#DIV/0!``, ``#VALUE!``, ``#REF!``, ``#NAME?``, ``#NUM!``, ``#NULL!``…): calamine
  gives them as blank cells; the analyst must read "#N/A at …", not "the cell is blank".
- 1900-02-29: Excel's serial 60 is a day that never was (Lotus 1-2-3's leap-year error, kept for
  compatibility); calamine reads it as 1900-02-28. It is warned, not silently moved a day.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from jixiao.core.problems import ERROR, WARNING, Problem

_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*\bt="e"[^>]*)>(.*?)</(?:\w+:)?c>', re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
EXCEL_FEB_29_1900 = 60
CALAMINE_READS_IT_AS = dt.date(1900, 2, 28)


def excel_errors(xml: bytes) -> list[tuple[int, str, str]]:
    """(row, column letter, error value) of every cell of a sheet's XML that holds an error value."""
    if b't="e"' not in xml:
        return []
    found = []
    for m in _ERROR_CELL.finditer(xml):
        ref, value = _REF.search(m.group(1)), _VALUE.search(m.group(2))
        if ref:
            text = unescape(value.group(1).decode("utf-8", "replace")) if value else "#N/A"
            found.append((int(ref.group(2)), ref.group(1).decode(), text))
    return found


def excel_error_problem(file: str, sheet: str, row: int, column: str, value: str) -> Problem:
    return Problem(ERROR, file, (f"该单元格是 Excel 的错误值 {value}(公式或引用出错);应为数值或文本",
                                 f"the cell holds Excel's error value {value} (a formula or reference that failed); "
                                 "expected a value"), sheet=sheet, row=row, column=column)


def serial_60_cells(xml: bytes, cells: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Those of ``cells`` (row, column letter) whose stored number is Excel's serial 60 (1900-02-29)."""
    out = []
    for row, letter in cells:
        m = re.search(rb'<(?:\w+:)?c\b[^>]*\br="' + letter.encode() + str(row).encode() + rb'"[^>]*>(.*?)</(?:\w+:)?c>',
                      xml, re.S)
        value = _VALUE.search(m.group(1)) if m else None
        if value is not None and value.group(1).strip() in (b"60", b"60.0"):
            out.append((row, letter))
    return out


def feb_29_1900_problem(file: str, sheet: str, row: int, column: str) -> Problem:
    return Problem(WARNING, file, ("日期为 1900-02-29:Excel 的这一天并不存在(Excel 沿袭的历法错误),已读作 1900-02-28;请核对",
                                   "the date is 1900-02-29, a day Excel shows but that never was (a calendar error "
                                   "Excel keeps); read as 1900-02-28: check it"), sheet=sheet, row=row, column=column)
