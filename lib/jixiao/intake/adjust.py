"""The evaluator's adjustments: rows excluded and cells corrected, on record, never in the raw file.

The params file names an adjustments file (``adjustments: adjustments.yaml``), a list of entries in the
department's own terms: the file, optionally the sheet, the row number the department sees, and for a
correction the column under the department's header::

    - {file: 2021年支付.csv, row: 3, action: exclude, reason: 重复录入}
    - {file: 2021年支付.csv, row: 9, column: 支付金额(万元), value: 100.00, reason: 审减, source: 审计报告第5页}

Each entry is checked like an input cell (a row that does not exist or is blank, a header the sheet lacks, a
blank cell "corrected", a value its column cannot hold, an unknown action, no reason: an error naming the
adjustments file and the entry). The reader applies them to the rows as read, before any cell is converted,
so a corrected value is converted and checked as if typed. What each did (the table and row, the value before
and after, or the excluded row's cells) is kept as ``Adjusted.record``, for the run's intake.json and the
workpapers; the figures' change is computed from it (``jixiao.figures.adjustments``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from jixiao.contract.params import SettingsRefused, load_yaml
from jixiao.contract.sheets import SHEETS_BY_KEY, Layout, header_key
from jixiao.core.i18n import t
from jixiao.core.problems import ERROR, Problem, show_value
from jixiao.intake.cells import is_blank
from jixiao.intake.columns import BLANK_CELL, Failed, outcome

# the action's name -> the word the record uses; Chinese words are accepted as typed by an evaluator
ACTIONS = {"exclude": "exclude", "剔除": "exclude", "删除": "exclude",
           "correct": "correct", "更正": "correct", "修改": "correct"}
ACTION_WORDS = {"exclude": ("剔除", "excluded"), "correct": ("更正", "corrected")}
ENTRY_KEYS = ("file", "sheet", "row", "action", "column", "value", "reason", "source")


@dataclass
class Adjustment:
    """One entry of the adjustments file, and what it did once applied."""

    entry: int  # its place in the file, from 1
    file: str
    sheet: str | None
    row: int
    action: str  # "exclude" | "correct"
    column: str | None
    value: object
    reason: str
    source: str | None
    table: str | None = None  # the contract table (key) it changed
    sheet_read: str | None = None
    column_name: str | None = None  # the contract column a correction changed
    before: object = None  # the cell as typed (a correction) or the row's cells {header: value} (an exclusion)
    before_value: object = None  # as read (JSON-able: dates as ISO text, money in fen)
    after_value: object = None
    excluded: dict | None = None  # an excluded row, as it would have been read: column name -> value
    position: int | None = None  # a corrected row's place in its table
    met: bool = False  # reached by the reader (applied, or refused with a problem)

    def where(self) -> str:
        sheet = f" 工作表 {self.sheet}" if self.sheet else ""
        return f"{self.file}{sheet} 第 {self.row} 行"

    def where_en(self) -> str:
        sheet = f", sheet {self.sheet}" if self.sheet else ""
        return f"{self.file}{sheet}, row {self.row}"

    @property
    def record(self) -> dict:
        """JSON-ready: the entry as written and what it did."""
        zh, en = ACTION_WORDS[self.action]
        after = None if self.action == "exclude" else show_value(self.value)
        spec = SHEETS_BY_KEY.get(self.table) if self.table else None
        return {"entry": self.entry, "file": self.file, "sheet": self.sheet_read or self.sheet, "row": self.row,
                "action": self.action, "action_zh": zh, "action_en": en, "column": self.column,
                "reason": self.reason, "source": self.source, "table": self.table,
                "table_sheet": spec.sheet if spec else None, "column_name": self.column_name,
                "before": (self.before if isinstance(self.before, dict) else
                           None if self.before is None else show_value(self.before)),
                "after": after, "before_value": self.before_value, "after_value": self.after_value,
                "excluded": self.excluded, "position": self.position}


def _jsonable(value: object) -> object:
    if type(value) is Failed or value is BLANK_CELL:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@dataclass
class Adjusted:
    """The adjustments of one read: the entries, the problems found in them, and the rows the reader met."""

    name: str = ""  # the adjustments file's name, as problems give it
    entries: list[Adjustment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    last_rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (file, sheet) -> last row read

    @property
    def records(self) -> list[dict]:
        return [a.record for a in self.entries if a.met and not self._refused(a)]

    def _refused(self, adjustment: Adjustment) -> bool:
        return adjustment.entry in self._refused_entries

    def __post_init__(self) -> None:
        self._refused_entries: set[int] = set()

    def refuse(self, adjustment: Adjustment | None, message: tuple[str, str], column: str | None = None,
               value: object = None, entry: int | None = None) -> None:
        """An error naming the adjustments file and the entry (and the department's row it points at)."""
        number = adjustment.entry if adjustment is not None else entry
        if adjustment is not None:
            adjustment.met = True
            self._refused_entries.add(adjustment.entry)
            zh = f"第 {number} 条调整({adjustment.where()}):{message[0]}"
            en = f"adjustment {number} ({adjustment.where_en()}): {message[1]}"
        else:
            zh, en = f"第 {number} 条调整:{message[0]}", f"adjustment {number}: {message[1]}"
        self.problems.append(Problem(ERROR, self.name, (zh, en), column=column, value=value))

    def for_sheet(self, file: str, sheet: str, shared: bool) -> list[Adjustment]:
        """The entries pointing at ``sheet`` of the department's ``file``; ``shared``: the file holds several
        tables read, so an entry must name its sheet."""
        out = []
        for a in self.entries:
            if a.file != file or a.met:
                continue
            if a.sheet is None and shared:
                continue  # refused once every sheet is read (``unmet``)
            if a.sheet is not None and a.sheet.strip() != sheet.strip():
                continue
            out.append(a)
        return out

    def wrap(self, rows: Iterator[list], entries: list[Adjustment], *, file: str, sheet: str, table: str,
             first_row: int, header_row: int, header_positions: dict[str, int], targets: list,
             headers: list[str]) -> Iterator[list]:
        """``rows`` (the data rows from ``first_row``) with ``entries`` applied: an excluded row blanked (so the
        reader skips it), a corrected cell replaced; ``targets`` the columns read (workbook._Target)."""
        by_row: dict[int, list[Adjustment]] = {}
        by_pos = {tg.pos: tg for tg in targets if tg.pos is not None}
        for a in entries:
            a.table, a.sheet_read = table, sheet or None
            if a.row <= header_row:
                self.refuse(a, (f"第 {a.row} 行是表头或表头之上的行(表头在第 {header_row} 行);应为数据行",
                                f"row {a.row} is the header or above it (the header is row {header_row}); expected "
                                "a data row"), value=a.row)
                continue
            if a.action == "correct":
                pos = header_positions.get(header_key(" ".join(str(a.column).split())))
                target = by_pos.get(pos) if pos is not None else None
                if target is None:
                    shown = "、".join(headers)
                    self.refuse(a, (f"该工作表没有读取的列 {a.column!r};应为表头中的一列:{shown}",
                                    f"the sheet has no column {a.column!r} that is read; expected one of its "
                                    f"headers: {shown}"), column=a.column)
                    continue
                a.column_name = target.name
            by_row.setdefault(a.row, []).append(a)
        excel_row = first_row - 1
        for excel_row, row in enumerate(rows, start=first_row):
            found = by_row.get(excel_row)
            if found:
                row = self._apply(list(row), found, by_pos, targets)
            yield row
        self.last_rows[(file, sheet)] = excel_row

    def _apply(self, row: list, found: list[Adjustment], by_pos: dict, targets: list) -> list:
        if all(is_blank(v) for v in row):
            for a in found:
                self.refuse(a, ("该行是空行;应为有数据的行", "the row is blank; expected a row holding data"),
                            value=a.row)
            return row
        for a in sorted(found, key=lambda a: a.action != "correct"):  # corrections first, then an exclusion
            if a.action == "correct":
                pos = next(p for p, tg in by_pos.items() if tg.name == a.column_name)
                target = by_pos[pos]
                raw = row[pos] if pos < len(row) else None
                if is_blank(raw):
                    self.refuse(a, ("该单元格为空;调整只能更正已有的值(补填请在部门的文件中进行并说明)",
                                    "the cell is blank; an adjustment corrects a value that is there (a value "
                                    "missing is filled in the department's own file)"), column=a.column)
                    continue
                result = outcome(a.value, target.kind)
                if type(result) is Failed or result is BLANK_CELL:
                    expected = result.message if type(result) is Failed else ("应为一个值", "expected a value")
                    self.refuse(a, (f"更正后的值不可用:{expected[0]}", f"the corrected value cannot be used: "
                                                                   f"{expected[1]}"), column=a.column, value=a.value)
                    continue
                a.before, a.before_value, a.after_value = raw, _jsonable(outcome(raw, target.kind)), _jsonable(result)
                if pos >= len(row):
                    row.extend([None] * (pos + 1 - len(row)))
                row[pos] = a.value
                a.met = True
            else:
                a.before = {tg.header: show_value(row[tg.pos]) for tg in targets
                            if tg.pos is not None and tg.pos < len(row) and not is_blank(row[tg.pos])}
                a.excluded = {tg.name: _jsonable(outcome(row[tg.pos] if tg.pos is not None and tg.pos < len(row)
                                                         else None, tg.kind)) for tg in targets}
                a.met = True
                row = [None] * len(row)
        return row

    def unmet(self, shared_files: set[str], read_files: set[str]) -> None:
        """Entries no sheet reached: an ambiguous file, a file or sheet not read, a row past the last."""
        for a in self.entries:
            if a.met:
                continue
            if a.file not in read_files:
                self.refuse(a, (f"文件 {a.file} 不是本评价读取的文件(或无法读取);应为参数文件 files 中的文件",
                                f"{a.file} is not a file the evaluation reads (or it cannot be read); expected a "
                                "file of the params file's files"), value=a.file)
            elif a.sheet is None and a.file in shared_files:
                self.refuse(a, (f"{a.file} 中读取了多张表;应用 sheet: 写明工作表",
                                f"several tables are read from {a.file}; expected its sheet named with sheet:"))
            elif a.sheet is None and not any(f == a.file for f, _ in self.last_rows):
                self.refuse(a, ("未能应用:该文件的表未能读取(见它的错误)",
                                "not applied: the file's table could not be read (see its errors)"))
            elif not any(f == a.file and (a.sheet is None or s.strip() == a.sheet.strip())
                         for f, s in self.last_rows):
                self.refuse(a, (f"{a.file} 中没有读取工作表 {a.sheet}(或它未能读取);应为读取的工作表",
                                f"no sheet {a.sheet} of {a.file} is read (or it could not be read); expected a "
                                "sheet read"), value=a.sheet)
            else:
                last = max(r for (f, s), r in self.last_rows.items()
                           if f == a.file and (a.sheet is None or s.strip() == a.sheet.strip()))
                self.refuse(a, (f"没有第 {a.row} 行(数据到第 {last} 行为止);应为部门文件中看到的行号",
                                f"there is no row {a.row} (the data ends at row {last}); expected the row number "
                                "as the department's file shows it"), value=a.row)


def load_adjustments(layout: Layout) -> Adjusted:
    """The adjustments file the layout names, checked entry by entry (an empty Adjusted when none is named)."""
    if not layout.adjustments:
        return Adjusted()
    path = Path(layout.adjustments)
    adjusted = Adjusted(name=path.name)
    try:
        data = load_yaml(path)
    except SettingsRefused as exc:
        adjusted.problems.append(Problem(ERROR, path.name, (f"无法读取({exc.message[0]});应为调整的列表",
                                                             f"cannot be read ({exc.message[1]}); expected a list of "
                                                             "adjustments")))
        return adjusted
    if data is None:
        return adjusted
    if not isinstance(data, list):
        adjusted.problems.append(Problem(ERROR, path.name, (
            "应为调整的列表,每条一行,如 - {file: 支付.csv, row: 3, action: exclude, reason: 重复录入}",
            "expected a list of adjustments, one a line, e.g. - {file: 支付.csv, row: 3, action: exclude, "
            "reason: 重复录入}")))
        return adjusted
    files = set(layout.department_files())
    seen: dict[tuple, int] = {}
    for number, item in enumerate(data, start=1):
        entry = _entry(adjusted, number, item, files)
        if entry is None:
            continue
        key = (entry.file, entry.sheet, entry.row, entry.column if entry.action == "correct" else None)
        row_key = (entry.file, entry.sheet, entry.row, "row")
        clash = seen.get(key) or (seen.get(row_key) if entry.action == "correct" else None)
        if entry.action == "exclude":
            clash = clash or next((n for k, n in seen.items() if k[:3] == key[:3]), None)
        if clash:
            adjusted.refuse(None, (f"与第 {clash} 条调整指向同一行或同一单元格;每行每格应只调整一次",
                                   f"points at the same row or cell as adjustment {clash}; expected each adjusted "
                                   "once"), entry=number)
            continue
        seen[key] = number
        if entry.action == "exclude":
            seen[row_key] = number
        adjusted.entries.append(entry)
    return adjusted


def _entry(adjusted: Adjusted, number: int, item: object, files: set[str]) -> Adjustment | None:
    def refuse(zh: str, en: str, column: str | None = None, value: object = None) -> None:
        adjusted.refuse(None, (zh, en), column=column, value=value, entry=number)

    if not isinstance(item, dict):
        refuse("应为映射 {file: 文件, row: 行号, action: exclude 或 correct, reason: 原因, …}",
               "expected a mapping {file: name, row: number, action: exclude or correct, reason: why, …}", value=item)
        return None
    unknown = sorted(str(k) for k in set(item) - set(ENTRY_KEYS))
    if unknown:
        refuse(f"未知的项 {'、'.join(unknown)};可用的项:{'、'.join(ENTRY_KEYS)}",
               f"unknown key(s) {', '.join(unknown)}; known: {', '.join(ENTRY_KEYS)}", column=unknown[0])
        return None
    file = str(item.get("file") or "").strip()
    if not file:
        refuse("缺少 file;应为部门的文件名", "file is missing; expected the department's file name", column="file")
        return None
    if file not in files:
        refuse(f"文件 {file} 不是本评价读取的文件;应为 {'、'.join(sorted(files))} 之一",
               f"{file} is not a file the evaluation reads; expected one of {', '.join(sorted(files))}",
               column="file", value=file)
        return None
    row = item.get("row")
    if not isinstance(row, int) or isinstance(row, bool) or row < 1:
        refuse("row 应为部门文件中看到的行号(正整数)", "row must be the row number the department's file shows "
               "(a whole number from 1)", column="row", value=row)
        return None
    action_given = item.get("action")
    if action_given is None:
        action = "correct" if "column" in item or "value" in item else None
    else:
        action = ACTIONS.get(str(action_given).strip().lower())
    if action is None:
        refuse(f"action {action_given!r} 不可用;应为 exclude(剔除该行)或 correct(更正一个单元格)",
               f"action {action_given!r} is not known; expected exclude (the row left out) or correct (one cell "
               "corrected)", column="action", value=action_given)
        return None
    reason = str(item.get("reason") or "").strip()
    if not reason:
        refuse("缺少 reason;每条调整应写明原因", "reason is missing; every adjustment states why", column="reason")
        return None
    column, value = item.get("column"), item.get("value")
    if action == "correct":
        if column is None or not str(column).strip():
            refuse("更正应写明 column(部门文件中的表头)", "a correction names its column (the department's header)",
                   column="column")
            return None
        if "value" not in item or value is None or (isinstance(value, str) and not value.strip()):
            refuse("更正应写明 value(更正后的值)", "a correction gives its value (the value corrected)",
                   column="value")
            return None
    elif column is not None or "value" in item:
        refuse("剔除整行时不写 column 和 value;只更正一个单元格时用 action: correct",
               "an exclusion leaves out the whole row, with no column or value; to correct one cell use "
               "action: correct", column="column" if column is not None else "value")
        return None
    sheet = item.get("sheet")
    sheet = None if sheet is None or not str(sheet).strip() else str(sheet).strip()
    if sheet is not None and file.lower().endswith(".csv"):
        refuse(f"{file} 是 CSV 文件,没有工作表;应删去 sheet", f"{file} is a CSV file with no sheets; remove sheet",
               column="sheet", value=sheet)
        return None
    source = item.get("source")
    return Adjustment(number, file, sheet, row, action, None if column is None else str(column).strip(), value,
                      reason, None if source is None else str(source))


def adjustment_lines(records: list[dict]) -> list[str]:
    """The adjustments applied, one line each, as ``jixiao validate`` prints them after the normalised cells."""
    if not records:
        return []
    lines = [t(f"评价人员的调整 {len(records)} 条(读取时应用,原始文件未改动):",
               f"the evaluator's adjustments, {len(records)} (applied as read; the raw files are unchanged):")]
    for r in records:
        sheet = t(f" 工作表 {r['sheet']}", f", sheet {r['sheet']}") if r.get("sheet") else ""
        where = t(f"{r['file']}{sheet} 第 {r['row']} 行", f"{r['file']}{sheet}, row {r['row']}")
        source = t(f";依据 {r['source']}", f"; source: {r['source']}") if r.get("source") else ""
        if r["action"] == "exclude":
            what = t(f"整行剔除({r['reason']}{source})", f"row excluded ({r['reason']}{source})")
        else:
            what = t(f"列 {r['column']}:{r['before']} 更正为 {r['after']}({r['reason']}{source})",
                     f"column {r['column']}: {r['before']} corrected to {r['after']} ({r['reason']}{source})")
        lines.append(t(f"  第 {r['entry']} 条:{where},{what}", f"  adjustment {r['entry']}: {where}, {what}"))
    return lines
