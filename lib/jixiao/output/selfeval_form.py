"""The 项目支出绩效自评表 of one year (``contract.selfeval``, computed by ``figures.selfeval``) as ``自评表.xlsx``, as a typed DataFrame, and as the
fields ``自评.…`` a report template may print.

The writer knows no layout: it walks a ``contract.selfeval_layouts.FormLayout`` block by block, merging each
cell over its span, and puts there what the cell's field names. Amounts are numbers in 万元 (``#,##0.00``),
rates numbers formatted ``0.00%``, scores ``0.00``; a value the data does not give is the text 【待填写】 on a
yellow ground, and a form with any of them says it is a draft on its last line. A4, fitted to the page width,
with its print area set.
"""

from __future__ import annotations

import io
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pyarrow as pa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from jixiao.contract.rules import describe_rule
from jixiao.contract.selfeval_layouts import FormLayout, layout_named
from jixiao.contract.targets import Value
from jixiao.core.atomic import atomic_write_bytes
from jixiao.contract.selfeval import Indicator, SelfEvaluationForm, is_pending
from jixiao.output.excel import FORMULA_START, display_width
from jixiao.present.format import fmt_pct, fmt_points, fmt_wan, fmt_weight
from jixiao.present.selfeval import FUNDS_LABELS, PLACEHOLDER, form_fields, shown_value
from jixiao.present.selfeval import plain_number as _plain

FILE_NAME = "自评表.xlsx"
SHEET_TITLE = "项目支出绩效自评表"

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
SCORE_FORMAT = "0.00"
WEIGHT_FORMAT = "General"
NUMBER_FORMAT = "#,##0.##"
_SIGN_FORMAT = {"≥": '"≥"', "≤": '"≤"', "=": ""}  # a national form prints the nature inside the target: ≥95.00%

_FONT = "宋体"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADING_FILL = PatternFill("solid", fgColor="F2F2F2")
_PENDING_FILL = PatternFill("solid", fgColor="FFF2CC")
_LINE_POINTS = 15  # the height of one line of 11-point text
_MONEY_COLUMNS = ("initial", "adjusted", "spent")
_CENTRED = ("level1", "level2", "nature", "unit", "total.grade")  # short words, as a printed form centres them


# --- cells --------------------------------------------------------------------------------------


def _value_of(form: SelfEvaluationForm, field: str, indicator: Indicator | None = None):
    """(value, kind) of a field: kind is text, money, rate, weight, score or value (a target or actual value)."""
    if indicator is not None:
        value = getattr(indicator, field)
        kind = {"weight": "weight", "score": "score", "target": "value", "actual": "value"}.get(field, "text")
        return value, kind
    if field in ("project", "department", "implementer"):
        return getattr(form, field), "text"
    if field.startswith("funds."):
        _, row, column = field.split(".")
        value = getattr(form.funds[row], column)
        kind = "money" if column in _MONEY_COLUMNS else column
        return value, kind
    if field == "goal.expected":
        return form.goal_expected, "text"
    if field == "goal.achieved":
        return form.goal_achieved, "text"
    if field == "total.weight":
        return form.total_weight, "weight"
    if field == "total.score":
        return form.total_score, "score"
    if field == "total.grade":
        return (form.grade if is_pending(form.grade) else f"评价等级:{form.grade}"), "text"
    if field == "execution.explanation":
        return form.explanation, "text"
    raise KeyError(f"no form field {field!r}")


def _number(value) -> float | int:
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return float(value)


def _put(cell, value, kind: str, nature: object = None) -> str:
    """Write one value; returns it as shown (for the row height)."""
    if is_pending(value):
        cell.value = PLACEHOLDER
        cell.fill = _PENDING_FILL
        return PLACEHOLDER
    if value is None:
        return ""
    if kind == "value":
        value: Value
        if not value.numeric:
            return _put_text(cell, value.text)
        cell.value = _number(value.number)
        sign = _SIGN_FORMAT.get(nature, "") if nature is not None else ""
        cell.number_format = sign + (RATE_FORMAT if value.percent else NUMBER_FORMAT)
        return fmt_pct(value.number) if value.percent else _plain(value.number)
    if kind == "money":
        cell.value = float(value)
        cell.number_format = MONEY_FORMAT
        return fmt_wan(value)
    if kind == "rate":
        cell.value = float(value)
        cell.number_format = RATE_FORMAT
        return fmt_pct(value)
    if kind == "score":
        cell.value = float(value)
        cell.number_format = SCORE_FORMAT
        return fmt_points(value)
    if kind == "weight":
        cell.value = _number(value)
        cell.number_format = WEIGHT_FORMAT
        return fmt_weight(float(value))
    return _put_text(cell, str(value))


def _put_text(cell, text: str) -> str:
    cell.value = text
    cell.data_type = "s"  # a department's text is never a formula
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True
    return text


# --- the sheet ----------------------------------------------------------------------------------


class _Sheet:
    """A cursor over the worksheet: each ``row`` call lays out one row of cells from column ``first``."""

    def __init__(self, ws, layout: FormLayout):
        self.ws, self.layout, self.row_at = ws, layout, 1

    def span_width(self, column: int, span: int) -> float:
        return sum(self.layout.column_widths[column - 1:column - 1 + span])

    def cell(self, column: int, span: int, *, text: str = "", heading: bool = False, field: bool = False,
             value=None, kind: str = "text", nature=None, rows: int = 1, centred: bool = False) -> int:
        """One (merged) cell at the cursor's row: a field's ``value`` or a fixed ``text``; returns the lines its text
        needs."""
        ws, row = self.ws, self.row_at
        target = ws.cell(row=row, column=column)
        if field:
            shown = _put(target, value, kind, nature)
        else:
            shown = _put_text(target, text) if text else ""
        last_column, last_row = column + span - 1, row + rows - 1
        if span > 1 or rows > 1:
            ws.merge_cells(start_row=row, start_column=column, end_row=last_row, end_column=last_column)
        numeric = isinstance(target.value, (int, float)) and not isinstance(target.value, bool)
        target.alignment = Alignment(horizontal="center" if heading or centred else ("right" if numeric else "left"),
                                     vertical="center", wrap_text=True)
        target.font = Font(name=_FONT, size=10, bold=heading)
        if heading:
            target.fill = _HEADING_FILL
        for r in range(row, last_row + 1):
            for c in range(column, last_column + 1):
                ws.cell(row=r, column=c).border = _BORDER
        width = self.span_width(column, span)
        # a 10-point character takes about 0.85 of the width unit (the default font's digit)
        return max(1, math.ceil(display_width(shown) * 0.85 / max(width - 1, 1))) if shown else 1

    def finish_row(self, lines: int) -> None:
        self.ws.row_dimensions[self.row_at].height = lines * _LINE_POINTS + 4
        self.row_at += 1


def _lay_row(sheet: _Sheet, cells, first: int, form: SelfEvaluationForm, indicator: Indicator | None = None) -> int:
    column, lines = first, 1
    for c in cells:
        if c.field:
            value, kind = _value_of(form, c.field, indicator)
            nature = indicator.nature if indicator is not None and c.field == "target" and not _has_nature(sheet) else None
            lines = max(lines, sheet.cell(column, c.span, field=True, value=value, kind=kind, nature=nature,
                                          centred=c.field in _CENTRED))
        else:
            lines = max(lines, sheet.cell(column, c.span, text=c.text, heading=c.heading))
        column += c.span
    return lines


def _has_nature(sheet: _Sheet) -> bool:
    return "nature" in sheet.layout.indicator_fields()


def _labelled_block(sheet: _Sheet, label: str, rows: list[tuple], form: SelfEvaluationForm) -> None:
    """A block whose label merges down its first column; ``rows``: (cells, indicator or None)."""
    layout = sheet.layout
    sheet.cell(1, layout.label_column_width, text=label, heading=True, rows=len(rows))
    for cells, indicator in rows:
        sheet.finish_row(_lay_row(sheet, cells, 1 + layout.label_column_width, form, indicator))


def write_form(ws, form: SelfEvaluationForm, layout: FormLayout) -> str:
    """Lay ``form`` out on ``ws`` in ``layout``; returns the print area."""
    sheet = _Sheet(ws, layout)
    width = layout.width
    last = get_column_letter(width)
    for col, w in enumerate(layout.column_widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    title = ws.cell(row=1, column=1, value=layout.title)
    title.font = Font(name=_FONT, size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 30
    subtitle = ws.cell(row=2, column=1, value=layout.subtitle.format(year=form.year))
    subtitle.font = Font(name=_FONT, size=11)
    subtitle.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.row_at = 3
    for cells in layout.header_rows:
        sheet.finish_row(_lay_row(sheet, cells, 1, form))
    _labelled_block(sheet, layout.funds_label,
                    [(layout.funds_heading, None), *((cells, None) for cells in layout.funds_rows)], form)
    _labelled_block(sheet, layout.goal_label, [(cells, None) for cells in layout.goal_rows], form)
    _labelled_block(sheet, layout.indicator_label,
                    [(layout.indicator_heading, None), *((layout.indicator_cells, i) for i in form.indicators)], form)
    sheet.finish_row(_lay_row(sheet, layout.total_row, 1, form))
    if layout.explanation_row and form.explanation is not None:
        sheet.finish_row(_lay_row(sheet, layout.explanation_row, 1, form))
    notes = [f"注:预算执行得分按“{describe_rule(form.rule)}”计算(得分 = 分值 × 系数,不超过分值);金额单位为万元。"]
    if layout.note:
        notes.append(layout.note)
    pending = form.pending_cells()
    if pending:
        notes.append(f"草稿:尚有 {len(pending)} 处{PLACEHOLDER},填写后方为定稿。")
    for text in notes:
        cell = ws.cell(row=sheet.row_at, column=1)
        _put_text(cell, text)
        cell.font = Font(name=_FONT, size=10, bold=text.startswith("草稿"), color="C00000" if text.startswith("草稿") else None)
        cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        ws.merge_cells(start_row=sheet.row_at, start_column=1, end_row=sheet.row_at, end_column=width)
        sheet.row_at += 1
    return f"A1:{last}{sheet.row_at - 1}"


def form_workbook(form: SelfEvaluationForm, layout: FormLayout | None = None) -> Workbook:
    layout = layout or layout_named(form.layout)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{form.year}年度自评表"
    area = write_form(ws, form, layout)
    ws.print_area = area
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the indicators need
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.sheet_view.showGridLines = False
    wb.properties.title = f"{form.year}年度{SHEET_TITLE}"
    return wb


def form_xlsx_bytes(form: SelfEvaluationForm, layout: FormLayout | None = None) -> bytes:
    """``自评表.xlsx`` of ``form`` (in its own layout unless another is given)."""
    buffer = io.BytesIO()
    form_workbook(form, layout).save(buffer)
    return buffer.getvalue()


def write_form_xlsx(folder: Path, form: SelfEvaluationForm, layout: FormLayout | None = None) -> Path:
    """Write ``<folder>/自评表.xlsx`` atomically; returns its path."""
    target = Path(folder) / FILE_NAME
    atomic_write_bytes(target, form_xlsx_bytes(form, layout))
    return target


# --- as a table and as fields ---------------------------------------------------------------------

MONEY_TYPE = pd.ArrowDtype(pa.decimal128(18, 6))  # 万元 to the fen, exact (as jx's sheets)
SCORE_TYPE = pd.ArrowDtype(pa.decimal128(18, 4))
FRAME_COLUMNS = {
    "部分": "string", "项目": "string", "一级指标": "string", "二级指标": "string", "指标性质": "string",
    "年度指标值": "string", "度量单位": "string", "实际完成值": "string",
    "年初预算数(万元)": MONEY_TYPE, "全年预算数(万元)": MONEY_TYPE, "全年执行数(万元)": MONEY_TYPE,
    "执行率": "Float64", "年度指标值(数值)": "Float64", "实际完成值(数值)": "Float64",
    "分值": SCORE_TYPE, "得分": SCORE_TYPE, "偏差原因分析及改进措施": "string", "待填写": "string",
}
_PENDING_NAMES = {"nature": "指标性质", "target": "年度指标值", "unit": "度量单位", "actual": "实际完成值",
                  "weight": "分值", "score": "得分", "reason": "偏差原因分析及改进措施", "initial": "年初预算数",
                  "adjusted": "全年预算数", "spent": "全年执行数", "rate": "执行率"}


def _text(value) -> str | None:
    return PLACEHOLDER if is_pending(value) else (None if value is None else str(value))


def _exact(value) -> Decimal | None:
    if value is None or is_pending(value):
        return None
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


def _float(value) -> float | None:
    return None if value is None or is_pending(value) else float(value)


def _pending_list(obj, names) -> str | None:
    found = [_PENDING_NAMES.get(n, n) for n in names if is_pending(getattr(obj, n))]
    return "、".join(found) or None


def form_frame(form: SelfEvaluationForm) -> pd.DataFrame:
    """The form as a table, one row per funds row, indicator and the total, with typed columns (``FRAME_COLUMNS``):
    amounts exact in 万元, rates and numeric values as fractions (0.9842), 分值 and 得分 exact; 待填写 names the row's
    cells the data does not give (they are null, or 【待填写】 in a text column)."""
    rows = []
    for key, funds in form.funds.items():
        rows.append({"部分": "项目资金", "项目": FUNDS_LABELS[key], "年初预算数(万元)": _exact(funds.initial),
                     "全年预算数(万元)": _exact(funds.adjusted), "全年执行数(万元)": _exact(funds.spent),
                     "执行率": _float(funds.rate), "分值": _exact(funds.weight), "得分": _exact(funds.score),
                     "待填写": _pending_list(funds, ("initial", "adjusted", "spent", "weight", "rate", "score"))})
    for ind in form.indicators:
        rows.append({"部分": "绩效指标", "项目": ind.level3, "一级指标": ind.level1, "二级指标": ind.level2,
                     "指标性质": _text(ind.nature), "年度指标值": shown_value(ind.target), "度量单位": _text(ind.unit),
                     "实际完成值": shown_value(ind.actual),
                     "年度指标值(数值)": None if is_pending(ind.target) or not ind.target.numeric else float(ind.target.number),
                     "实际完成值(数值)": None if is_pending(ind.actual) or not ind.actual.numeric else float(ind.actual.number),
                     "分值": _exact(ind.weight), "得分": _exact(ind.score), "偏差原因分析及改进措施": _text(ind.reason),
                     "待填写": _pending_list(ind, ("nature", "target", "unit", "actual", "weight", "score", "reason"))})
    rows.append({"部分": "总分", "项目": "总分", "分值": _exact(form.total_weight), "得分": _exact(form.total_score),
                 "待填写": "、".join(n for n, v in (("分值", form.total_weight), ("得分", form.total_score))
                                     if is_pending(v)) or None})
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS), dtype=object)
    return frame.astype({c: t for c, t in FRAME_COLUMNS.items()})


def selfeval_fields(form: SelfEvaluationForm) -> dict:
    """The form's cells as the fields ``自评.…`` (``present.selfeval.form_fields``)."""
    return form_fields(form)
