"""``jixiao template DIR``: the contract's six workbooks, blank but for one sample row.

Headers in bold and frozen, columns wide enough for their headers, and Excel data
validation where it helps an analyst type the right thing: a stage dropdown,
non-negative amounts and scores, real dates, 0/1 flags.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jixiao.core.atomic import atomic_path
from jixiao.contract.sheets import FILES, SAMPLE_OPTIONS, SAMPLE_QUESTION, SHEETS, STAGES, SheetSpec
from jixiao.core.i18n import t
from jixiao.contract.rules import METHODS, indicator_figures

MAX_ROW = 5000  # validation reaches this far down


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_row(ws, values) -> None:
    """Append a row; text that a spreadsheet could take for a formula (= + - @ at the start) is stored
    as a text cell, so it shows as typed and never runs."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"


def _validation(ws, column: int, dv: DataValidation) -> None:
    letter = get_column_letter(column)
    dv.add(f"{letter}2:{letter}{MAX_ROW}")
    dv.showErrorMessage = True
    ws.add_data_validation(dv)


def _fill_sheet(ws, spec: SheetSpec, stages: tuple[str, ...] = STAGES, first_year: int | None = None) -> None:
    headers = [c.header for c in spec.columns]
    sample = [stages[0] if c.name == "stage" else c.example_in(first_year) for c in spec.columns]
    if spec.key == "survey_answers":
        headers.append(SAMPLE_QUESTION)
        sample.append(SAMPLE_OPTIONS[0][0])
    write_row(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for cell, col in zip(ws[1], spec.columns):
        if col.help:
            cell.comment = Comment(col.help, "jixiao")
    if spec.key == "survey_options":
        for order, (option, positive) in enumerate(SAMPLE_OPTIONS, start=1):
            write_row(ws, [SAMPLE_QUESTION, option, order, positive])
    elif not spec.optional:  # an optional sheet (年度指标) comes with its headers only: left empty, it is valid
        write_row(ws, sample)
    ws.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, 2.2 * len(header) + 2)
    for i, col in enumerate(spec.columns, start=1):
        if col.kind == "date":
            for cell in ws[get_column_letter(i)][1:]:
                if isinstance(cell.value, str):
                    cell.value = dt.date.fromisoformat(cell.value)
                cell.number_format = "yyyy-mm-dd"
            _validation(ws, i, DataValidation(type="date", operator="greaterThan", formula1="1",
                                              allow_blank=True, error="请输入日期,例如 2021-06-30"))
        elif col.kind in ("money", "score"):
            _validation(ws, i, DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                              allow_blank=not col.required, error="请输入不小于 0 的数字(不带单位)"))
        elif col.kind == "count":
            _validation(ws, i, DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                              allow_blank=False, error="请输入不小于 0 的整数"))
        elif col.kind == "flag":
            _validation(ws, i, DataValidation(type="list", formula1='"1,0"', allow_blank=False, error="请输入 1 或 0"))
        elif col.kind == "year":
            _validation(ws, i, DataValidation(type="whole", operator="between", formula1="1900", formula2="2200",
                                              error="请输入年度,例如 2021"))
        elif col.name == "stage":
            _validation(ws, i, DataValidation(type="list", formula1=_stage_list(ws.parent, stages),
                                              allow_blank=False, error="请从下拉列表选择阶段"))
        elif col.name == "calculation_basis":
            _validation(ws, i, DataValidation(type="list", formula1=_figure_list(ws.parent, stages), allow_blank=True,
                                              error="请从下拉列表选择计分依据(见 README 的指标计分一节)"))
        elif col.name == "method":
            _validation(ws, i, DataValidation(type="list", formula1='"' + ",".join(METHODS) + '"',
                                              allow_blank=True, error="请从下拉列表选择计分方法:比例、阶梯或扣分"))


FIGURE_LIST_SHEET = "计分依据列表"
STAGE_LIST_SHEET = "阶段列表"
INLINE_LIST_LIMIT = 250  # Excel's inline list holds 255 characters


def _stage_list(wb, stages: tuple[str, ...]) -> str:
    """The evaluation's stages as a dropdown: inline when short, else on a hidden sheet; the formula."""
    inline = ",".join(stages)
    if len(inline) <= INLINE_LIST_LIMIT:
        return f'"{inline}"'
    ws = wb.create_sheet(STAGE_LIST_SHEET)
    write_row(ws, ["阶段"])
    for stage in stages:
        write_row(ws, [stage])
    ws.sheet_state = "hidden"
    return f"'{STAGE_LIST_SHEET}'!$A$2:$A${len(stages) + 1}"


def _figure_list(wb, stages: tuple[str, ...] = STAGES) -> str:
    """The figure keys on a hidden sheet (too many for an inline list's 255 characters); its range."""
    figures = indicator_figures(stages)
    ws = wb.create_sheet(FIGURE_LIST_SHEET)
    write_row(ws, ["计分依据", "名称", "计算方法"])
    for key, (name, how) in figures.items():
        write_row(ws, [key, name, how])
    ws.sheet_state = "hidden"
    return f"'{FIGURE_LIST_SHEET}'!$A$2:$A${len(figures) + 1}"


def write_templates(folder: Path, overwrite: bool = False, stages: tuple[str, ...] | list[str] = STAGES,
                    first_year: int | None = None) -> list[Path]:
    """Write the blank workbooks into ``folder``; refuses to overwrite unless asked. ``stages``: the evaluation's
    milestone stages (the 阶段 dropdown, the sample row and the stage figures 计分依据 offers); ``first_year``:
    the span's first year, which the sample rows' dates take (inside the span, like the rows they stand for)."""
    stages = tuple(stages)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    targets = [folder / f for f in FILES]
    existing = [t for t in targets if t.exists()]
    if existing and not overwrite:
        raise FileExistsError(t(f"{'、'.join(str(e) for e in existing)} 已存在;要覆盖请加 --force",
                                f"{', '.join(str(e) for e in existing)} already exist; use --force to overwrite"))
    for target in targets:
        wb = Workbook()
        wb.remove(wb.active)
        for spec in (s for s in SHEETS if s.file == target.name):
            _fill_sheet(wb.create_sheet(spec.sheet), spec, stages, first_year)
        with atomic_path(target) as tmp:
            wb.save(tmp)
    return targets
