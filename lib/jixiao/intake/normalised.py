"""What intake read differently from what was typed, kept so an analyst can check it.

The cell parsers (``cells.py``) accept what real sheets hold: dates typed as text with dots or slashes,
numbers stored as text with thousands separators, ids with stray spaces. Each such cell is read without a
problem, which is right, but silently, which is not: ``normalisation`` names what was done to a cell, and
``Normalised`` keeps, per kind, how many cells and the first ``KEPT`` of them (file, sheet, row, column,
the value as typed and as read). A 1,000,000-row sheet typed all in text dates keeps a count and a thousand
cells, never a million-row list.

Both loader paths (``workbook.read_sheet``'s column at a time and cell by cell) call ``normalisation`` on
the same cells and record them in the same order (file, sheet, row, then column), so they keep the same record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.core.i18n import lang, t
from jixiao.core.problems import show_value
from jixiao.intake.cells import is_rounded, without_invisible

KEPT = 1_000  # cells kept per kind: ``validate --details`` lists these, the run's workpapers the first few
MIDNIGHT = dt.time()

# kind -> (Chinese, English): what was done, as the summary names it; the order is the summary's
KINDS = {
    "date_text": ("以文本填写的日期(如 2022.5.8、2022/5/8、2022年5月8日),已读作日期",
                  "dates typed as text (2022.5.8, 2022/5/8, 2022年5月8日), read as dates"),
    "time_dropped": ("带时刻的日期,只取日期", "dates with a time of day, read as the date alone"),
    "month_text": ("月份的写法已统一为 YYYY-MM", "months written otherwise, read as YYYY-MM"),
    "number_text": ("以文本存储的数字(如 \"1,234.50\"、带空格或千位分隔符),已读作数字",
                    "numbers stored as text (\"1,234.50\", with spaces or thousands separators), read as numbers"),
    "rounded": ("小数位多于可记录精度(万元金额到分、分数到 0.0001 分)的数,已舍入",
                "numbers with more decimals than kept (万元 to the fen, scores to 0.0001), rounded"),
    "flag_word": ("是/否 已读作 1/0", "是/否 read as 1/0"),
    "trimmed": ("文本首尾或中间多余的空格(含全角空格、换行)已去掉", "text with spaces trimmed (leading, trailing, "
                                                       "repeated, full-width or line breaks)"),
    "invisible": ("文本中不可见的字符(零宽空格、零宽连接符、BOM、软连字符等,多为网页粘贴)已去掉",
                  "invisible characters in text (zero-width spaces and joiners, BOM, soft hyphens, often pasted "
                  "from the web) removed"),
    "as_text": ("填在编号列中的数字、或文本列中的日期,已读作文本(如 101.0 读作 \"101\")",
                "numbers in an id column or dates in a text column, read as text (101.0 as \"101\")"),
}
_SCALES = {"money": 1_000_000, "money_yuan": 100, "score": 10_000}  # units per number typed, as cells.py keeps


def normalisation(raw: object, kind: str, value: object) -> str | None:
    """The kind of normalisation that read ``raw`` (a cell of a ``kind`` column) as ``value``; None when the
    value is the one typed. Only for cells read without a problem (``value`` neither blank nor refused)."""
    typed = type(raw)
    if kind in ("id", "text"):
        if typed is str:
            if value != raw and without_invisible(raw) != raw:
                return "invisible"
            return "trimmed" if value != raw else None
        if kind == "text" and typed in (int, float):
            # a number in a free-text column (目标值 0.95, 计分参数 90) is read as the number written: nothing to
            # check. In an id column it is worth a look: 00123 typed as a number has lost its zeros.
            return None
        return "as_text"
    if kind == "date":
        if typed is str:
            return "date_text" if raw != value.isoformat() else None
        if typed is dt.datetime and raw.time() != MIDNIGHT:
            return "time_dropped"
        return None
    if kind == "month":
        return "month_text" if raw != value else None
    if kind in _SCALES and is_rounded(raw, kind):
        return "rounded"
    if typed is str:
        return "flag_word" if kind == "flag" and raw.strip() in ("是", "否") else "number_text"
    return None


def shown_read(kind: str, value: object) -> str:
    """The value as read, in the column's own unit (万元, 元, points), as a reader compares it with the typed one."""
    if kind in _SCALES:
        number = Decimal(int(value)) / _SCALES[kind]
        text = format(number, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == "month":
        return value
    return show_value(value)  # text quoted, so a space kept or trimmed shows


@dataclass
class Normalised:
    """Per kind of normalisation: how many cells, and the first ``KEPT`` (each a dict: file, sheet, row,
    column, typed, read), in file, sheet, row, column order."""

    counts: dict[str, int] = field(default_factory=dict)
    first: dict[str, list[dict]] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)  # a CSV file -> the text encoding it was read in

    def room(self, kind: str) -> bool:
        return len(self.first.get(kind, ())) < KEPT

    def count(self, kind: str, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n

    def keep(self, kind: str, file: str, sheet: str, row: int, column: str | None, raw: object, read: str) -> None:
        if self.room(kind):
            self.first.setdefault(kind, []).append({"file": file, "sheet": sheet, "row": int(row), "column": column,
                                                    "typed": show_value(raw, limit=80), "read": read})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self, kept: int | None = None) -> dict:
        """JSON-ready, kinds in the summary's order; ``kept`` cells per kind at most (all kept: None)."""
        kinds = [k for k in KINDS if k in self.counts]
        out = {"counts": {k: self.counts[k] for k in kinds},
               "first": {k: self.first.get(k, [])[:kept] for k in kinds}}
        if self.encodings:
            out["encodings"] = dict(self.encodings)
        return out

    @classmethod
    def from_dict(cls, data: dict | None) -> "Normalised":
        data = data or {}
        return cls(dict(data.get("counts", {})), {k: list(v) for k, v in data.get("first", {}).items()},
                   dict(data.get("encodings") or {}))


def cell_line(cell: dict) -> str:
    """One kept cell: where it is, as typed, as read."""
    zh = lang() != "en"
    sheet = (f",工作表 {cell['sheet']}" if zh else f", sheet {cell['sheet']}") if cell.get("sheet") else ""
    where = f"{cell['file']}{sheet},第 {cell['row']} 行" if zh else f"{cell['file']}{sheet}, row {cell['row']}"
    if cell.get("column"):
        where += t(f",列 {cell['column']}", f", column {cell['column']}")
    return t(f"{where}:填写为 {cell['typed']},读作 {cell['read']}",
             f"{where}: typed {cell['typed']}, read as {cell['read']}")


def summary_lines(normalised: Normalised, details: bool = False) -> list[str]:
    """The 已自动规范 summary ``jixiao validate`` prints: a line per kind with its count and first cell; with
    ``details`` every cell kept, and how many more there were."""
    if not normalised.total:
        return []
    lines = [t(f"已自动规范 {normalised.total:,} 个单元格(按下列方式读取,原文件未改动):",
               f"normalised automatically: {normalised.total:,} cell(s), read as follows (the files are unchanged):")]
    for kind, (zh, en) in KINDS.items():
        count = normalised.counts.get(kind, 0)
        if not count:
            continue
        cells = normalised.first.get(kind, [])
        if not details:
            example = t(f";例如 {cell_line(cells[0])}", f"; e.g. {cell_line(cells[0])}") if cells else ""
            lines.append(t(f"  {zh}:{count:,} 个{example}", f"  {en}: {count:,}{example}"))
            continue
        lines.append(t(f"  {zh}:{count:,} 个", f"  {en}: {count:,}"))
        lines.extend(f"    {cell_line(c)}" for c in cells)
        if count > len(cells):
            more = count - len(cells)
            lines.append(t(f"    …… 另有 {more:,} 个未列出(每类只保留前 {len(cells):,} 个)",
                           f"    … {more:,} more not listed (the first {len(cells):,} of each kind are kept)"))
    if not details:
        lines.append(t("  用 jixiao validate --details 逐个列出", "  jixiao validate --details lists each cell"))
    return lines
