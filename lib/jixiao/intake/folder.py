"""Read an evaluation's raw folder: every sheet loaded, every rule checked, in one pass.

``validate(raw_dir)`` returns every problem; ``load_evaluation(raw_dir)`` returns the
tables (raising ``InputError`` when there are errors) and keeps a parquet copy of
them under ``data/processed/<folder>-<digest of its path>/``, rebuilt when an input or
the copy itself is not what was recorded.
A ``Layout`` (the params file's ``files`` and ``columns``) reads a department's own
file names and headers. Nothing here ever writes under the raw folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import statistics
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: loads are then not serialised, the hashes still catch a mix
    fcntl = None

from jixiao.core.version import __version__
from jixiao.core.atomic import atomic_path, atomic_write_bytes, atomic_write_text
from jixiao.intake.cells import PARSERS, CellError
from jixiao.core.config import PROCESSED_DIR
from jixiao.contract.sheets import (
    CONTRACT_LAYOUT,
    FILES,
    PUBLISHED_FILE,
    SAMPLE_OPTIONS,
    SAMPLE_QUESTION,
    SHEETS,
    SHEETS_BY_KEY,
    STAGES,
    TABLE_SUFFIXES,
    Layout,
    SheetSpec,
    split_unit,
)
from jixiao.contract.params import SettingsRefused, load_yaml
from jixiao.contract.rules import RuleError, figure_key, parse_rule
from jixiao.core.units import YUAN_PER_WAN, points, points_float, score_units, wan_decimal
from jixiao.core.problems import ERROR, NOTE, WARNING, InputError, Problem
from jixiao.contract.fingerprint import input_files, input_paths, sha256_file
from jixiao.contract.tables import Tables
from jixiao.intake.adjust import Adjusted, load_adjustments
from jixiao.intake.annual_targets import check_annual_targets
from jixiao.intake.normalised import Normalised
from jixiao.intake.workbook import UnreadableWorkbook, open_workbook, read_sheet

WRONG_FORMATS = (".xls", ".csv", ".xlsm", ".ods", ".et")
CACHE_FORMAT = 5  # bump when the processed layout changes
OVERPAID_RATIO = Decimal("1.5")  # payments above 150% of the approved amount (or adjusted budgets) are implausible
# a total this many times its basis reads as 元 typed under a 万元 header (1 万元 = 10,000 元)
YUAN_AS_WAN = (1_000, 100_000)
# an amount this many times its column's median reads as 元 typed under a 万元 header (see _check_yuan_amounts)
YUAN_AS_WAN_MEDIAN = 1_000
YUAN_CHECKED = (("subprojects", "approved_amount"), ("budget", "initial_budget"), ("budget", "adjusted_budget"))


@dataclass
class ValidatedInputs:
    """The validated tables of one evaluation folder (a table is None when its workbook is absent)."""

    name: str
    raw_dir: Path
    tables: Tables  # a mapping of sheet key -> frame is accepted and turned into Tables
    problems: list[Problem] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256
    published: dict | None = None
    layout: Layout = CONTRACT_LAYOUT  # what it was read through: the department's files, headers, stages
    normalised: Normalised = field(default_factory=Normalised)  # cells read otherwise than typed: counts, first few
    adjustments: list[dict] = field(default_factory=list)  # the evaluator's adjustments applied (adjust.Adjustment.record)

    def __post_init__(self) -> None:
        self.tables = Tables.from_mapping(self.tables)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def table(self, key: str) -> pd.DataFrame | None:
        return self.tables.get(key)


ORIGIN_STRIDE = 10 ** 9  # while rules run, a table read from several sources numbers source k's rows from k × this


def read_raw(raw_dir: Path, span: tuple[int, int] | None = None, layout: Layout | None = None) -> ValidatedInputs:
    """Read and check every workbook of ``raw_dir``; never raises for bad data.

    A table may come from several files or sheets (the params file's ``files``): it is their rows' union, each
    problem naming the file, sheet and row the department sees. The evaluator's adjustments (``adjustments``)
    are applied as the rows are read. Problems come in file, sheet, row order (the contract's order of files
    and sheets)."""
    raw_dir = Path(raw_dir)
    layout = layout or CONTRACT_LAYOUT
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame | None] = {s.key: None for s in SHEETS}
    if not raw_dir.is_dir():
        problems.append(Problem(ERROR, str(raw_dir), (
            "该文件夹不存在;应为存放评价工作簿的文件夹",
            "the folder does not exist; expected a folder of the contract's workbooks")))
        return ValidatedInputs(raw_dir.name, raw_dir, tables, problems)
    order: dict[tuple[str, str | None], int] = {}  # (file, sheet) -> rank, for sorting
    normalised = Normalised()
    adjusted = load_adjustments(layout)
    opened: dict[str, object] = {}  # department file -> Workbook, or None when absent or unreadable
    origins: dict[str, list[list]] = {}  # table read from several sources -> [file, sheet, rows] of each

    def workbook(own: str):
        if own not in opened:
            opened[own] = None
            path = raw_dir / own
            if path.is_file():
                try:
                    opened[own] = open_workbook(path, raw_dir)
                except UnreadableWorkbook as exc:
                    problems.append(Problem(ERROR, own, exc.message))
                else:
                    if opened[own].encoding:
                        normalised.encodings[own] = opened[own].encoding
                        problems.append(Problem(NOTE, own, (f"按 {opened[own].encoding} 编码读取",
                                                            f"read as {opened[own].encoding} text")))
        return opened[own]

    try:
        for file in FILES:
            specs = [s for s in SHEETS if s.file == file]
            owns = list(dict.fromkeys(src.file for spec in specs for src in layout.sources_of(spec)))
            for own in owns:
                order.setdefault((own, None), len(order))
            if not any((raw_dir / own).is_file() for own in owns):
                if not all(s.optional for s in specs):  # an optional workbook left out is no news
                    problems.extend(_absent(raw_dir, owns[0], file, specs))
                continue
            for spec in specs:
                sources = layout.sources_of(spec)
                for src in sources:
                    order.setdefault((src.file, src.sheet or spec.sheet), len(order))
                if layout.absent(spec.key):  # declared absent (sheets_absent): not required, not read
                    wb = workbook(sources[0].file)
                    if wb is not None:
                        problems.extend(_declared_absent(wb, spec, sources[0].file))
                    continue
                frames = []
                for src in sources:
                    own = src.file
                    if not (raw_dir / own).is_file():
                        problems.append(Problem(ERROR, own, (
                            f"不存在;参数文件 files 声明{spec.sheet}在这个文件中,应把它放进原始数据文件夹",
                            f"does not exist; the params file's files says {spec.sheet} is in it: expected it in "
                            "the raw folder")))
                        frames.append(None)
                        continue
                    wb = workbook(own)
                    if wb is None:
                        frames.append(None)
                        continue
                    shared = len(layout.tables_in(own)) > 1
                    frame, found = read_sheet(wb, spec, own, layout.aliases(file), normalised=normalised,
                                              sheet=src.sheet, header_row=src.header_row, alone=not shared,
                                              adjusted=adjusted)
                    rank = order[(src.file, src.sheet or spec.sheet)]
                    for p in found:
                        order.setdefault((own, p.sheet), rank)
                    problems.extend(found)
                    if frame is not None:
                        frame.attrs["file"] = own
                        order.setdefault((own, frame.attrs["sheet"]), rank)
                    frames.append(frame)
                tables[spec.key] = _union(spec, frames, origins)
                _place_corrections(adjusted, spec.key, frames)
    finally:
        for wb in opened.values():
            if wb is not None:
                wb.close()
    adjusted.unmet({f for f in opened if len(layout.tables_in(f)) > 1},
                   {f for f, wb in opened.items() if wb is not None})
    problems.extend(check_rules(tables, span, layout))
    problems.extend(_unread_workbooks(raw_dir, layout, order))
    published, published_problems = _read_published(raw_dir)
    problems.extend(published_problems)
    if origins:
        problems = [_from_origin(p, tables, origins) for p in problems]
        for key in origins:
            frame = tables[key]
            frame["excel_row"] = frame["excel_row"] % ORIGIN_STRIDE
            frame.attrs.pop("bad_cells", None)
    if adjusted.name:
        order.setdefault((adjusted.name, None), -1)  # the evaluator's own file first: its errors explain others
    return ValidatedInputs(raw_dir.name, raw_dir, tables, sort_problems(adjusted.problems + problems, order),
                           input_files(raw_dir, layout), published, layout, normalised, adjusted.records)


def _union(spec: SheetSpec, frames: list, origins: dict[str, list[list]]) -> pd.DataFrame | None:
    """One table from its sources' frames (None when any could not be read). Rows of source k are numbered
    k × ORIGIN_STRIDE + their row while the rules run, so every row stays one row (``_from_origin``)."""
    if any(f is None for f in frames):
        return None
    if len(frames) == 1:
        return frames[0]
    parts = []
    for k, frame in enumerate(frames):
        part = frame.copy()
        part["excel_row"] = part["excel_row"] + k * ORIGIN_STRIDE
        parts.append(part)
    union = pd.concat(parts, ignore_index=True)
    for name, dtype in frames[0].dtypes.items():  # an empty part must not turn a column of ints into floats
        if union[name].dtype != dtype:
            union[name] = union[name].astype(dtype)
    first = frames[0].attrs
    headers = {}
    for frame in frames:
        headers = {**frame.attrs.get("headers", {}), **headers}
    union.attrs = {"file": first["file"], "sheet": first["sheet"], "header_row": first.get("header_row"),
                   "headers": headers,
                   "bad_cells": [[int(r) + k * ORIGIN_STRIDE, n] for k, f in enumerate(frames)
                                 for r, n in f.attrs.get("bad_cells", [])],
                   "origins": [[f.attrs["file"], f.attrs["sheet"], len(f)] for f in frames]}
    origins[spec.key] = union.attrs["origins"]
    return union


def _place_corrections(adjusted: Adjusted, key: str, frames: list) -> None:
    """Each correction applied to table ``key``: its row's place in the table (the union's order)."""
    offset = 0
    for frame in frames:
        if frame is None:
            return
        for a in adjusted.entries:
            if a.table == key and a.action == "correct" and a.after_value is not None and a.position is None \
                    and a.file == frame.attrs.get("file") and (a.sheet_read or "") == (frame.attrs.get("sheet") or ""):
                at = (frame["excel_row"] == a.row).to_numpy().nonzero()[0]
                if len(at):
                    a.position = offset + int(at[0])
        offset += len(frame)


def _from_origin(problem: Problem, tables: dict, origins: dict[str, list[list]]) -> Problem:
    """A problem a rule found in a table of several sources, naming the source's file, sheet and row."""
    for key, sources in origins.items():
        attrs = tables[key].attrs
        rows = problem.rows or ((problem.row,) if problem.row is not None else ())
        if (problem.file, problem.sheet) != (attrs["file"], attrs["sheet"]) or not rows:
            continue
        where = [(int(r) // ORIGIN_STRIDE, int(r) % ORIGIN_STRIDE) for r in rows]
        if any(k >= len(sources) for k, _ in where):
            continue
        message, message_en = _origin_text(problem.message, sources), _origin_text(problem.message_en, sources)
        kinds = {k for k, _ in where}
        if len(kinds) == 1:
            k = kinds.pop()
            return replace(problem, file=sources[k][0], sheet=sources[k][1] or None, row=where[0][1],
                           rows=None if problem.rows is None else tuple(r for _, r in where),
                           message=message, message_en=message_en)
        files = "、".join(dict.fromkeys(sources[k][0] for k, _ in where))
        shown = "、".join(f"{sources[k][0]}{' ' + sources[k][1] if sources[k][1] else ''} 第 {r} 行" for k, r in where)
        shown_en = ", ".join(f"{sources[k][0]}{' ' + sources[k][1] if sources[k][1] else ''} row {r}" for k, r in where)
        return replace(problem, file=files, sheet=None, row=None, rows=None,
                       message=f"{message}({shown})", message_en=f"{message_en} ({shown_en})")
    return problem


def _origin_text(text: str | None, sources: list[list]) -> str | None:
    """Row numbers of a union's rule message (``与第 1000000003 行重复``) as the department's row and file."""
    if not text:
        return text

    def shown(m: re.Match) -> str:
        number = int(m.group(0))
        k, row = divmod(number, ORIGIN_STRIDE)
        if number < ORIGIN_STRIDE or k >= len(sources):
            return m.group(0)
        return f"{row}({sources[k][0]}{' ' + sources[k][1] if sources[k][1] else ''})"

    return re.sub(r"\d{10,}", shown, text)


def _declared_absent(wb, spec: SheetSpec, own: str) -> list[Problem]:
    """A sheet the params file declares absent: a note, which says so when the workbook holds it all the same."""
    held = spec.sheet in wb.book.sheet_names
    if held:
        return [Problem(NOTE, own, (f"参数文件声明本次评价没有该工作表(sheets_absent),未读取;报告中{spec.sheet}的部分为不适用",
                                    "the params file declares the evaluation has no such sheet (sheets_absent); it was "
                                    "not read, and its part of the report is not applicable"), sheet=spec.sheet)]
    return [Problem(NOTE, own, (f"本次评价没有该工作表(参数文件 sheets_absent 声明);报告中{spec.sheet}的部分为不适用",
                                "the evaluation has no such sheet (declared in the params file's sheets_absent); its "
                                "part of the report is not applicable"), sheet=spec.sheet)]


def _unread_workbooks(raw_dir: Path, layout: Layout, order: dict) -> list[Problem]:
    """Workbooks in the folder that no contract file names: a department's file whose name was not declared.
    (A CSV or another format is only a workbook of the evaluation when declared: a folder may hold others.)"""
    read = set(layout.department_files())
    problems = []
    for path in sorted(raw_dir.glob("*.xlsx")):
        if path.name not in read and not path.name.startswith("~$"):  # ~$ files are Excel's locks
            order.setdefault((path.name, None), len(order))
            problems.append(Problem(WARNING, path.name, (
                "不是本评价的工作簿,未读取;若它就是某个合同工作簿,请在参数文件的 files 中声明"
                "(并用 jixiao validate --params 检查)",
                "is not one of the evaluation's workbooks and was not read; if it holds one, declare it under "
                "files in the params file (and check with jixiao validate --params)")))
    return problems


def sort_problems(problems: list[Problem], order: dict[tuple[str, str | None], int]) -> list[Problem]:
    """File, sheet, row order; a problem of a whole file or sheet before its rows; otherwise as found."""
    last = len(order) + 1

    def key(p: Problem):
        rank = order.get((p.file, p.sheet), order.get((p.file, None), last))
        return (rank, -1 if p.row is None else p.row)

    return sorted(problems, key=key)


def _absent(raw_dir: Path, own: str, contract_file: str, specs: list[SheetSpec]) -> list[Problem]:
    stem = Path(own).stem
    for suffix in WRONG_FORMATS:
        other = raw_dir / f"{stem}{suffix}"
        if other.is_file() and other.name != own:
            if suffix in TABLE_SUFFIXES:  # read as it is, once the params file names it
                return [Problem(ERROR, other.name, (
                    f"是 {suffix} 文件,而本评价读取 {own};在参数文件的 files 中声明它即可按原样读取"
                    f"({contract_file}: {other.name})",
                    f"is a {suffix} file while the evaluation reads {own}; declare it under files in the params "
                    f"file and it is read as it is ({contract_file}: {other.name})"))]
            return [Problem(ERROR, other.name, (f"是 {suffix} 文件;应为 {own}(请另存为 Excel .xlsx 工作簿)",
                                                f"is a {suffix} file; expected {own} (save it as an Excel .xlsx workbook)"))]
    sections = "、".join(dict.fromkeys(s.section for s in specs))
    return [Problem(NOTE, own, (f"不存在:{sections}部分没有数据", f"is absent: the {sections} section has no data"))]


def _read_published(raw_dir: Path) -> tuple[dict | None, list[Problem]]:
    path = raw_dir / PUBLISHED_FILE
    if not path.is_file():
        return None, []
    if Path(raw_dir).resolve() not in path.resolve().parents:  # as for a workbook: only the folder's own files
        return None, [Problem(ERROR, PUBLISHED_FILE, (
            f"是指向原始数据文件夹之外的链接(→ {path.resolve()});应为文件夹中的文件本身",
            f"is a link leading outside the raw folder (→ {path.resolve()}); expected the file itself in the folder"))]
    try:
        data = load_yaml(path)  # bounded like a params file: no aliases, at most 1 MB
    except SettingsRefused as exc:
        return None, [Problem(ERROR, PUBLISHED_FILE, (f"无法读取({exc.message[0]});应为已发布的数据",
                                                      f"cannot be read ({exc.message[1]}); expected the published "
                                                      "figures"))]
    if not isinstance(data, dict):
        return None, [Problem(ERROR, PUBLISHED_FILE, ("应为已发布数据的映射(键: 值)", "expected a mapping of the published figures"))]
    return data, []


# --- rules across rows and sheets ---------------------------------------------------------


def check_rules(tables: dict[str, pd.DataFrame | None], span: tuple[int, int] | None = None,
                layout: Layout | None = None) -> list[Problem]:
    """Uniqueness, references, stages, survey answers, scores, plausibility of dates and amounts,
    template samples. No rule reads a cell already reported as an error."""
    layout = layout or CONTRACT_LAYOUT
    problems: list[Problem] = _check_samples(tables, layout.stages, span)
    sample_options = tables.get("survey_options")  # a sample question's column still has its options
    tables = {key: _without_samples(frame) for key, frame in tables.items()}  # no other rule reads a sample row
    for spec in SHEETS:
        frame = tables.get(spec.key)
        if frame is not None and spec.unique:
            problems.extend(_check_unique(frame, spec))
    problems.extend(_check_references(tables, layout))
    problems.extend(_check_yuan_amounts(tables))
    problems.extend(_check_overpaid(tables))
    problems.extend(_check_repeated_payments(tables.get("spending")))
    problems.extend(_check_stages(tables.get("milestones"), layout.stages))
    problems.extend(_check_survey(tables.get("survey_answers"), sample_options))
    problems.extend(_check_scores(tables.get("scoring")))
    problems.extend(_check_indicator_rules(tables.get("scoring"), layout.stages))
    problems.extend(check_annual_targets(tables.get("annual_targets"), tables.get("scoring"), span,
                                         layout.execution_weight))
    problems.extend(_check_span(tables, span))
    problems.extend(_check_dates(tables, span))
    return problems


def _sheet_name(frame: pd.DataFrame, spec: SheetSpec) -> str:
    return frame.attrs.get("sheet", spec.sheet)


def _file(frame: pd.DataFrame, spec: SheetSpec) -> str:
    return frame.attrs.get("file", spec.file)


def _header(frame: pd.DataFrame, spec: SheetSpec, name: str) -> str:
    """The column's header as the file types it (a department's own header, when it has one)."""
    return frame.attrs.get("headers", {}).get(name) or spec.column(name).header


def _without_samples(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None:
        return None
    samples = {int(r) for r, n in frame.attrs.get("bad_cells", []) if n == "*"}
    if not samples:
        return frame
    kept = frame[~frame["excel_row"].isin(samples)].copy()
    kept.attrs = dict(frame.attrs)
    return kept


def _bad_rows(frame: pd.DataFrame, *names: str) -> set[int]:
    """Rows with a cell of ``names`` (any column when none given) already reported as an error."""
    return {int(r) for r, n in frame.attrs.get("bad_cells", []) if not names or n in names or n == "*"}


def _wan(fen: int) -> str:
    text = f"{wan_decimal(fen):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _check_unique(frame: pd.DataFrame, spec: SheetSpec) -> list[Problem]:
    keys = list(spec.unique)
    valid = frame.dropna(subset=keys)
    dup = valid[valid.duplicated(subset=keys, keep=False)]
    problems = []
    headers = "、".join(_header(frame, spec, k) for k in keys)
    for _, group in dup.groupby(keys, sort=False):
        rows = group["excel_row"].tolist()
        first = rows[0]
        for row in rows[1:]:
            value = " / ".join(str(group.iloc[0][k]) for k in keys)
            problems.append(
                Problem(ERROR, _file(frame, spec), (f"与第 {first} 行重复;每个{headers}应只出现一次",
                                                    f"duplicates row {first}; expected each {headers} once"),
                        sheet=_sheet_name(frame, spec), row=int(row), column=_header(frame, spec, keys[0]), value=value)
            )
    return problems


def _sample_values(spec: SheetSpec, stages: tuple[str, ...] = STAGES, first_year: int | None = None) -> dict[str, object]:
    """The template's sample row of ``spec`` as loaded values, on the columns every sheet has (its 阶段 the
    evaluation's first stage, its dates in ``first_year`` when given, as the template writes them)."""
    out = {}
    for c in spec.columns:
        if c.may_be_absent or c.example is None:
            continue
        if c.name == "stage":
            out[c.name] = stages[0]
            continue
        try:
            out[c.name] = PARSERS[c.kind](c.example_in(first_year))
        except CellError:  # pragma: no cover - the contract's examples are valid
            continue
    return out


SAMPLE_MESSAGE = ("这是模板的示例行;应删除示例行,只填本评价的数据",
                  "this is the template's sample row; expected it deleted and only the evaluation's own rows kept")


def _check_samples(tables, stages: tuple[str, ...] = STAGES, span: tuple[int, int] | None = None) -> list[Problem]:
    """Rows left from ``jixiao template``'s samples: taken for data, they would enter every figure. A sample
    is dated in the contract's own year (``jixiao template``) or in the span's first (``jixiao new``)."""
    problems = []
    answers_left = False
    for spec in SHEETS:
        frame = tables.get(spec.key)
        if frame is None or spec.key == "survey_options":
            continue
        if spec.key == "survey_answers":
            if SAMPLE_QUESTION not in frame.columns:
                continue
            sample = {"respondent": spec.column("respondent").example, SAMPLE_QUESTION: SAMPLE_OPTIONS[0][0]}
            samples = [sample]
        else:
            samples = [_sample_values(spec, stages)]
            if span is not None:
                samples.append(_sample_values(spec, stages, span[0]))
        rows: list[int] = []
        for sample in samples:
            hits = frame
            for name, value in sample.items():
                hits = hits[hits[name].astype(object) == value]
            rows += [int(r) for r in hits["excel_row"] if int(r) not in rows]
        for row in sorted(rows):
            answers_left |= spec.key == "survey_answers"
            frame.attrs.setdefault("bad_cells", []).append([int(row), "*"])  # no other rule reads a sample
            problems.append(Problem(ERROR, _file(frame, spec), SAMPLE_MESSAGE, sheet=_sheet_name(frame, spec),
                                    row=int(row)))
    options = tables.get("survey_options")
    if answers_left and options is not None:  # the sample options go with the sample answer, not alone
        spec = SHEETS_BY_KEY["survey_options"]
        samples = {(SAMPLE_QUESTION, o, i, f) for i, (o, f) in enumerate(SAMPLE_OPTIONS, start=1)}
        for row, q, o, i, f in zip(options["excel_row"], options["question"], options["option"], options["order"],
                                   options["positive"]):
            if (q, o, None if pd.isna(i) else int(i), None if pd.isna(f) else int(f)) in samples:
                options.attrs.setdefault("bad_cells", []).append([int(row), "*"])
                problems.append(Problem(ERROR, _file(options, spec), SAMPLE_MESSAGE, sheet=_sheet_name(options, spec),
                                        row=int(row)))
    return problems


def _check_references(tables, layout: Layout) -> list[Problem]:
    subprojects = tables.get("subprojects")
    if subprojects is None:
        return []
    known = set(subprojects["subproject_id"].dropna())
    funded = set(subprojects.loc[subprojects["approved_amount"].fillna(0) > 0, "subproject_id"])
    bad_approval = _bad_rows(subprojects, "approved_amount")
    unknown_approval = set(subprojects.loc[subprojects["excel_row"].isin(bad_approval), "subproject_id"])
    problems = []
    sub_spec = SHEETS_BY_KEY["subprojects"]
    for row, amount in zip(subprojects["excel_row"], subprojects["approved_amount"]):
        if pd.notna(amount) and int(amount) == 0:
            problems.append(
                Problem(WARNING, _file(subprojects, sub_spec),
                        ("立项批复金额为 0,视为未批复:该子项目不计入支出进度分档",
                         "an approved amount of 0 is taken as not approved: the subproject "
                         "stays outside the spend-rate bands"), sheet=_sheet_name(subprojects, sub_spec), row=int(row),
                        column=_header(subprojects, sub_spec, "approved_amount"), value=0)
            )
    listed_in = layout.file("subprojects.xlsx")
    for key in ("budget", "spending", "milestones"):
        frame = tables.get(key)
        if frame is None:
            continue
        spec = SHEETS_BY_KEY[key]
        header = _header(frame, spec, "subproject_id")
        for row, sid in zip(frame["excel_row"], frame["subproject_id"]):
            if sid is not None and sid not in known:
                problems.append(
                    Problem(ERROR, _file(frame, spec), (f"应为 {listed_in} 中列出的子项目编号",
                                                        f"expected a 子项目编号 listed in {listed_in}"),
                            sheet=_sheet_name(frame, spec), row=int(row), column=header, value=sid)
                )
    spending = tables.get("spending")
    if spending is not None:
        spec = SHEETS_BY_KEY["spending"]
        for row, sid in zip(spending["excel_row"], spending["subproject_id"]):
            if sid in known and sid not in funded and sid not in unknown_approval:
                problems.append(
                    Problem(WARNING, _file(spending, spec), ("该笔支付所属的子项目没有立项批复金额(尚未批复)",
                                                             "a payment to a subproject with no 立项批复金额 (not yet approved)"),
                            sheet=_sheet_name(spending, spec), row=int(row),
                            column=_header(spending, spec, "subproject_id"), value=sid)
                )
    return problems


def _check_overpaid(tables) -> list[Problem]:
    """A subproject paid more than 150% of its approved amount (of its adjusted budgets when not approved)."""
    subprojects, spending = tables.get("subprojects"), tables.get("spending")
    if subprojects is None or spending is None:
        return []
    spec = SHEETS_BY_KEY["spending"]
    budget = tables.get("budget")
    unsure_ids = set(spending.loc[spending["excel_row"].isin(_bad_rows(spending, "amount", "subproject_id")),
                                  "subproject_id"].dropna())
    unsure_ids |= set(subprojects.loc[subprojects["excel_row"].isin(_bad_rows(subprojects, "approved_amount")),
                                      "subproject_id"].dropna())
    if budget is not None:
        unsure_ids |= set(budget.loc[budget["excel_row"].isin(_bad_rows(budget, "adjusted_budget", "subproject_id")),
                                     "subproject_id"].dropna())
    approved = {sid: int(a) for sid, a in zip(subprojects["subproject_id"], subprojects["approved_amount"])
                if sid is not None and pd.notna(a) and int(a) > 0}
    adjusted: dict[str, int] = {}
    if budget is not None:
        for sid, a in zip(budget["subproject_id"], budget["adjusted_budget"]):
            if sid is not None and pd.notna(a):
                adjusted[sid] = adjusted.get(sid, 0) + int(a)
    paid = spending.dropna(subset=["subproject_id", "amount"])
    problems = []
    for sid, group in paid.groupby("subproject_id", sort=False):
        if sid in unsure_ids:
            continue
        total = int(group["amount"].sum())
        if sid in approved:
            basis, basis_zh, basis_en = approved[sid], "立项批复金额", "its approved amount"
        elif adjusted.get(sid, 0) > 0:
            basis, basis_zh, basis_en = adjusted[sid], "调整后预算合计", "its adjusted budgets"
        else:
            continue
        if total <= OVERPAID_RATIO * basis:
            continue
        ratio = Decimal(total) / Decimal(basis)
        shown = ratio.quantize(Decimal(1) if ratio >= 100 else Decimal("0.1"), rounding=ROUND_HALF_UP)
        times = f"{shown:,}"
        if YUAN_AS_WAN[0] <= ratio <= YUAN_AS_WAN[1]:
            cause_zh = ";约为 10000 倍:金额像是以元填写,而表头要求万元"
            cause_en = "; near 10,000 times: the amounts look typed in 元 under a 万元 header"
        else:
            cause_zh = ";请核对金额、单位或是否重复录入"
            cause_en = "; check the amounts, their unit, or payments entered twice"
        header = _header(spending, spec, "amount")
        problems.append(Problem(
            WARNING, _file(spending, spec),
            (f"子项目 {sid} 的支付合计 {_wan(total)} 万元,是{basis_zh} {_wan(basis)} 万元的 {times} 倍"
             f"(超过 150%){cause_zh}",
             f"the payments to {sid} add up to {_wan(total)} 万元, {times} times {basis_en} of {_wan(basis)} 万元 "
             f"(over 150%){cause_en}"),
            sheet=_sheet_name(spending, spec), rows=tuple(int(r) for r in group["excel_row"]), column=header))
    return problems


def _check_yuan_amounts(tables) -> list[Problem]:
    """An approved amount or a budget at least 1,000 times its column's median (the lower median of the column's
    amounts above 0, at least two of them): 元 typed under a 万元 header, which multiplies it by 10,000.

    Measured against the column, not a fixed bound, because a bureau's projects range from a few 万元 to
    billions: a genuine large project is tens or hundreds of times the median, a 元 slip ten thousand times its
    own value. A column typed wholly in 元 moves its median too and is not caught here (nor is a column headed
    in 元, which is read in 元)."""
    problems = []
    for key, name in YUAN_CHECKED:
        frame = tables.get(key)
        if frame is None or name not in frame.columns:
            continue
        spec = SHEETS_BY_KEY[key]
        header = _header(frame, spec, name)
        if split_unit(header)[1] == "元":
            continue
        bad = _bad_rows(frame, name)
        amounts = [(int(row), int(a)) for row, a in zip(frame["excel_row"], frame[name])
                   if pd.notna(a) and int(a) > 0 and int(row) not in bad]
        if len(amounts) < 2:
            continue
        median = statistics.median_low(a for _, a in amounts)
        for row, amount in amounts:
            if amount < YUAN_AS_WAN_MEDIAN * median:
                continue
            ratio = Decimal(amount) / Decimal(median)
            times = f"{ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
            as_wan = _wan(_scaled_down(amount))
            problems.append(Problem(
                WARNING, _file(frame, spec),
                (f"是本列金额中位数 {_wan(median)} 万元的 {times} 倍(达到 {YUAN_AS_WAN_MEDIAN:,} 倍):像是以元填写,"
                 f"而表头要求万元;应为以万元计的金额(以元填写的话,即 {as_wan} 万元)",
                 f"{times} times the column's median of {_wan(median)} 万元 (at least {YUAN_AS_WAN_MEDIAN:,} times): "
                 f"it looks typed in 元 under a 万元 header; expected an amount in 万元 (typed in 元, it is "
                 f"{as_wan} 万元)"),
                sheet=_sheet_name(frame, spec), row=row, column=header, value=Decimal(_wan(amount).replace(",", ""))))
    return problems


def _scaled_down(fen: int) -> int:
    """An amount typed in 元 but read as 万元, in fen as it was meant (1 万元 = 10,000 元), rounded half-up."""
    return int((Decimal(fen) / YUAN_PER_WAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _check_repeated_payments(spending) -> list[Problem]:
    """Rows alike in subproject, date, amount and memo: one payment entered twice, most likely."""
    if spending is None:
        return []
    spec = SHEETS_BY_KEY["spending"]
    keys = ["subproject_id", "date", "amount", "memo"]
    rows = spending[~spending["excel_row"].isin(_bad_rows(spending))].dropna(subset=["subproject_id", "date", "amount"])
    first_at: dict[tuple, int] = {}
    problems = []
    for values in rows[["excel_row", *keys]].itertuples(index=False):
        row, key = int(values[0]), tuple(None if v is None or v is pd.NA else v for v in values[1:])
        if key not in first_at:
            first_at[key] = row
            continue
        present = spending.attrs.get("headers", dict.fromkeys(keys))
        heads = "、".join(_header(spending, spec, k) for k in keys if k in present)
        problems.append(Problem(
            WARNING, _file(spending, spec),
            (f"这两行完全相同({heads}都相同):同一笔支付录入了两次?",
             f"these two rows are the same ({heads} alike): one payment entered twice?"),
            sheet=_sheet_name(spending, spec), rows=(first_at[key], row)))
    return problems


def _check_stages(milestones, stages: tuple[str, ...] = STAGES) -> list[Problem]:
    """Every stage one of the evaluation's (params' milestone_stages, by default the contract's seven)."""
    if milestones is None:
        return []
    spec = SHEETS_BY_KEY["milestones"]
    problems = []
    for row, stage in zip(milestones["excel_row"], milestones["stage"]):
        if stage is not None and stage not in stages:
            problems.append(
                Problem(ERROR, _file(milestones, spec), (f"应为以下阶段之一:{'、'.join(stages)}",
                                                         f"expected one of the stages {'、'.join(stages)}"),
                        sheet=_sheet_name(milestones, spec), row=int(row), column=_header(milestones, spec, "stage"),
                        value=stage)
            )
    return problems


def _check_survey(answers, options) -> list[Problem]:
    if answers is None:
        return []
    spec = SHEETS_BY_KEY["survey_answers"]
    opt_spec = SHEETS_BY_KEY["survey_options"]
    sheet = _sheet_name(answers, spec)
    questions = [c for c in answers.columns if c not in ("excel_row", "respondent")]
    problems = []
    if options is None:
        if questions:
            problems.append(Problem(ERROR, _file(answers, spec), (
                f"需要工作表 {opt_spec.sheet} 才能读取工作表 {sheet} 的答案",
                f"sheet {opt_spec.sheet} is needed to read the answers of sheet {sheet}"), sheet=opt_spec.sheet))
        return problems
    allowed: dict[str, list[str]] = {}
    for q, o in zip(options["question"], options["option"]):
        if q is not None and o is not None:
            allowed.setdefault(q, []).append(o)
    for q in questions:
        if q not in allowed:
            problems.append(
                Problem(ERROR, _file(answers, spec), (
                    f"该题目在工作表 {opt_spec.sheet} 中没有选项;应在那里列出其选项",
                    f"this question has no options in sheet {opt_spec.sheet}; expected its options listed there"),
                    sheet=sheet, row=answers.attrs.get("header_row", 1), column=q)
            )
            continue
        choices = set(allowed[q])
        for row, answer in zip(answers["excel_row"], answers[q]):
            if answer is not None and answer not in choices:
                problems.append(
                    Problem(ERROR, _file(answers, spec), (f"应为以下选项之一:{'、'.join(allowed[q])}",
                                                          f"expected one of the options: {'、'.join(allowed[q])}"),
                            sheet=sheet, row=int(row), column=q, value=answer)
                )
    for q in allowed:
        if q not in questions:
            problems.append(Problem(WARNING, _file(options, opt_spec), (
                f"题目 {q!r} 有选项,但工作表 {sheet} 中没有这一列",
                f"question {q!r} has options but no column in sheet {sheet}"), sheet=_sheet_name(options, opt_spec)))
    return problems


def _check_scores(scoring) -> list[Problem]:
    if scoring is None:
        return []
    spec = SHEETS_BY_KEY["scoring"]
    sheet = _sheet_name(scoring, spec)
    problems = []
    for row, weight, score in zip(scoring["excel_row"], scoring["weight"], scoring["score"]):
        if pd.notna(weight) and pd.notna(score) and score > weight:
            problems.append(
                Problem(ERROR, _file(scoring, spec), (f"应为 0 到该指标分值 {points(weight)} 之间的得分",
                                                      f"expected a score between 0 and its weight {points(weight)}"),
                        sheet=sheet, row=int(row), column=_header(scoring, spec, "score"), value=points_float(score))
            )
    weights = scoring.loc[~scoring["excel_row"].isin(_bad_rows(scoring, "weight")), "weight"].dropna()
    if len(weights) and int(weights.sum()) != score_units(100) and not _bad_rows(scoring, "weight"):
        total = points(int(weights.sum()))
        problems.append(
            Problem(WARNING, _file(scoring, spec), (f"分值合计为 {total},不是 100", f"the weights add up to {total}, not 100"),
                    sheet=sheet, column=_header(scoring, spec, "weight"))
        )
    return problems


def _check_indicator_rules(scoring, stages: tuple[str, ...] = STAGES) -> list[Problem]:
    """计分依据 a known figure, 计分方法 a known method, 目标值 and 计分参数 well formed (jixiao.contract.rules)."""
    if scoring is None or "calculation_basis" not in scoring.columns:
        return []
    spec = SHEETS_BY_KEY["scoring"]
    sheet = _sheet_name(scoring, spec)
    problems = []

    def error(row, column, message, value):
        # the department's own file and header (a files:/columns: layout), as every other check names them
        problems.append(Problem(ERROR, _file(scoring, spec), message, sheet=sheet, row=int(row),
                                column=_header(scoring, spec, column), value=value))

    for r in scoring.itertuples():
        basis, method, target, params = r.calculation_basis, r.method, r.target, r.rule_params
        if basis is None:
            filled = next((c for c, v in (("method", method), ("target", target), ("rule_params", params))
                           if v is not None), None)
            if filled:
                error(r.excel_row, filled, ("填写了计分规则但计分依据为空;请填写计分依据,或清空本行的计分规则",
                                            "a scoring rule is filled in but the calculation basis is blank; fill in "
                                            "the basis, or clear this row's rule"), getattr(r, filled))
            continue
        try:
            figure_key(basis, stages)
        except RuleError as exc:
            error(r.excel_row, "calculation_basis", exc.message, basis)
        if method is None:
            error(r.excel_row, "method", ("填写了计分依据,应同时填写计分方法(比例、阶梯或扣分)",
                                          "the calculation basis is filled in; expected a scoring method too "
                                          "(比例, 阶梯 or 扣分)"), None)
            continue
        try:
            parse_rule(method, target, params)
        except RuleError as exc:
            error(r.excel_row, exc.column, exc.message,
                  {"method": method, "target": target, "rule_params": params}[exc.column])
    return problems


DATE_COLUMNS = (("spending", "date"), ("milestones", "planned_date"), ("milestones", "actual_date"),
                ("subprojects", "approval_date"))

def _check_span(tables, span: tuple[int, int] | None) -> list[Problem]:
    """Budget years and payment dates outside the evaluation's span (given): another evaluation's rows, or slips."""
    if span is None:
        return []
    label = f"{span[0]}-{span[1]}"
    problems = []
    budget = tables.get("budget")
    if budget is not None:
        spec = SHEETS_BY_KEY["budget"]
        for row, year in zip(budget["excel_row"], budget["year"]):
            if pd.notna(year) and not span[0] <= int(year) <= span[1]:
                problems.append(Problem(
                    WARNING, _file(budget, spec),
                    (f"年度在评价期 {label} 之外;应为 {span[0]} 至 {span[1]} 年(录入错误,或是别的评价的数据?)",
                     f"the year is outside the evaluation {label}; expected {span[0]} to {span[1]} "
                     "(a typing slip, or another evaluation's row?)"),
                    sheet=_sheet_name(budget, spec), row=int(row), column=_header(budget, spec, "year"), value=int(year)))
    spending = tables.get("spending")
    if spending is not None:
        spec = SHEETS_BY_KEY["spending"]
        first, last = dt.date(span[0], 1, 1), dt.date(span[1], 12, 31)
        for row, day in zip(spending["excel_row"], spending["date"]):
            if day is not None and not first <= day <= last:
                problems.append(Problem(
                    WARNING, _file(spending, spec),
                    (f"支付日期在评价期 {label} 之外;应在 {first.isoformat()} 至 {last.isoformat()} 之间"
                     "(录入错误,或是别的评价的数据?)",
                     f"the payment date is outside the evaluation {label}; expected one between {first.isoformat()} "
                     f"and {last.isoformat()} (a typing slip, or another evaluation's row?)"),
                    sheet=_sheet_name(spending, spec), row=int(row), column=_header(spending, spec, "date"), value=day))
    return problems


def _check_dates(tables, span: tuple[int, int] | None) -> list[Problem]:
    """Milestone dates (and, with no span given, payment dates) far outside the evaluation."""
    columns = [("milestones", "planned_date"), ("milestones", "actual_date")]
    if span is None:
        budget = tables.get("budget")
        years = budget["year"].dropna() if budget is not None else pd.Series([], dtype="Int64")
        if not len(years):
            return []
        span = (int(years.min()), int(years.max()))
        columns.insert(0, ("spending", "date"))
    earliest = dt.date(span[0] - 1, 1, 1)
    latest = dt.date(span[1] + 2, 12, 31)
    problems = []
    for key, column in columns:
        frame = tables.get(key)
        if frame is None:
            continue
        spec = SHEETS_BY_KEY[key]
        for row, value in zip(frame["excel_row"], frame[column]):
            if value is not None and not earliest <= value <= latest:
                problems.append(
                    Problem(WARNING, _file(frame, spec),
                            (f"日期远在评价期 {span[0]}-{span[1]} 之外;应在 {earliest.isoformat()} 至 "
                             f"{latest.isoformat()} 之间(录入错误?)",
                             f"the date is far outside the evaluation {span[0]}-{span[1]}; expected one between "
                             f"{earliest.isoformat()} and {latest.isoformat()} (a typing slip?)"),
                            sheet=_sheet_name(frame, spec), row=int(row), column=_header(frame, spec, column),
                            value=value)
                )
    return problems


# --- the processed cache -------------------------------------------------------------------
#
# A parquet copy of the validated tables, so a re-run does not parse the workbooks again. Nothing in it is
# trusted on sight: the manifest records each raw input's and each parquet's SHA-256 (with size and mtime, so
# that an untouched file is not hashed again), and any mismatch rebuilds the cache from the raw folder. Its
# folder is named after the raw folder's resolved path, not the evaluation's name, so two folders of the same
# name never share it; readers and writers hold a lock on it, so a load never sees another load's tables.

LOCK_NAME = "cache.lock"  # no leading dot: the cache folder holds no hidden files but an atomic write's


def cache_dir(raw_dir: Path, root: Path | None = None) -> Path:
    """The cache folder of ``raw_dir``: its name for a reader, a digest of its resolved path for uniqueness."""
    resolved = Path(raw_dir).resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    # 60 characters of the name: even in Chinese (3 bytes each) the folder's name stays under NAME_MAX (255 bytes)
    return Path(root if root is not None else PROCESSED_DIR) / f"{resolved.name[:60]}-{digest}"


@contextmanager
def _locked(folder: Path, exclusive: bool):
    """Hold the cache folder's lock: shared to read, exclusive to write (released when the process dies)."""
    try:
        handle = open(folder / LOCK_NAME, "a+b")
    except OSError:  # a cache another user made, read-only to us: read unlocked, the recorded hashes still hold
        if exclusive:
            raise
        yield
        return
    with handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _input_stats(raw_dir: Path, layout: Layout) -> dict[str, list[int]]:
    """Size and mtime of each input present (the files ``input_files`` hashes: every department file a table is
    read from, published.yaml and the adjustments file)."""
    return {name: found for name, path in input_paths(raw_dir, layout).items()
            if path.is_file() and (found := _stat(path))}


def _current_inputs(raw_dir: Path, layout: Layout, recorded: dict[str, str], stats: dict) -> dict[str, str]:
    """SHA-256 of each input present: the recorded one while size and mtime are those recorded, else hashed."""
    out = {}
    paths = input_paths(raw_dir, layout)
    for name, now in _input_stats(raw_dir, layout).items():
        if name in recorded and stats.get(name) == now:
            out[name] = recorded[name]
        else:
            out[name] = sha256_file(paths[name])
    return out


def load_evaluation(raw_dir: Path, processed_dir: Path | None = None, *, span: tuple[int, int] | None = None,
                    use_cache: bool = True, layout: Layout | None = None) -> ValidatedInputs:
    """The validated tables of ``raw_dir``; raises InputError listing every error.

    The tables are cached as parquet in ``processed_dir`` (default ``cache_dir(raw_dir)``:
    ``data/processed/<folder name>-<digest of its path>``) and reused while every input and every parquet
    is what the manifest recorded. ``layout`` reads a department's own file names and headers; when None,
    the layout the cache was built with is trusted as long as its inputs are unchanged (a notebook knows
    the raw folder, not the params file).
    """
    raw_dir = Path(raw_dir).resolve()
    processed_dir = Path(processed_dir) if processed_dir is not None else cache_dir(raw_dir)
    if use_cache and raw_dir.is_dir() and (processed_dir / "manifest.json").is_file():
        with _locked(processed_dir, exclusive=False):
            cached = _read_cache(raw_dir, processed_dir, span, layout)
        if cached is not None:
            return cached
    before = _input_stats(raw_dir, layout or CONTRACT_LAYOUT) if raw_dir.is_dir() else {}
    evaluation = read_raw(raw_dir, span, layout)
    if evaluation.errors:
        raise InputError(evaluation.problems)
    # an input rewritten while it was read: what was read may match neither hash, so nothing is cached
    if use_cache and _input_stats(raw_dir, layout or CONTRACT_LAYOUT) == before:
        processed_dir.mkdir(parents=True, exist_ok=True)
        with _locked(processed_dir, exclusive=True):
            _write_cache(evaluation, processed_dir, span, layout, before)
    return evaluation


def _manifest_key(span, layout: Layout | None, inputs: dict[str, str]) -> dict:
    layout = layout or CONTRACT_LAYOUT
    return {"format": CACHE_FORMAT, "jixiao": __version__, "span": list(span) if span else None,
            "layout": layout.as_dict(), "inputs": inputs}


def _read_cache(raw_dir: Path, processed_dir: Path, span, layout: Layout | None) -> ValidatedInputs | None:
    """The cached tables, or None when anything differs from what the manifest recorded."""
    try:
        manifest = json.loads((processed_dir / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("raw_dir") != str(raw_dir) or manifest["key"].get("format") != CACHE_FORMAT:
            return None
        if layout is None:
            recorded = manifest["key"].get("layout") or {}
            layout = Layout.from_dict(recorded)
        inputs = _current_inputs(raw_dir, layout, manifest["key"]["inputs"], manifest.get("input_stats", {}))
        key = _manifest_key(span, layout, inputs)
        if manifest["key"] != key:
            return None
        tables: dict[str, pd.DataFrame | None] = {}
        for spec in SHEETS:
            entry = manifest["tables"].get(spec.key)
            tables[spec.key] = None if entry is None else _read_table(processed_dir, entry, spec)
            if entry is not None and tables[spec.key] is None:
                return None
        problems = _read_problems(processed_dir, manifest["problems"])
        if problems is None:
            return None
        normalised = Normalised.from_dict(manifest.get("normalised"))
        adjustments = list(manifest.get("adjustments") or [])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    published, _ = _read_published(raw_dir)
    return ValidatedInputs(raw_dir.name, raw_dir, tables, problems, key["inputs"], published, layout, normalised,
                           adjustments)


PROBLEMS_FILE = "problems.jsonl"


def _write_problems(problems: list[Problem], processed_dir: Path) -> dict:
    """The problems one JSON line each, streamed: a million-row sheet with a warning on every row must not be
    held as one list of dicts and one JSON text beside the problems themselves. Returns the manifest's entry."""
    digest = hashlib.sha256()
    with atomic_path(processed_dir / PROBLEMS_FILE, suffix=".jsonl.part") as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            for p in problems:
                line = json.dumps(p.as_dict(), ensure_ascii=False) + "\n"
                digest.update(line.encode("utf-8"))
                fh.write(line)
    size, mtime_ns = _stat(processed_dir / PROBLEMS_FILE)
    return {"file": PROBLEMS_FILE, "sha256": digest.hexdigest(), "size": size, "mtime_ns": mtime_ns,
            "count": len(problems)}


def _read_problems(processed_dir: Path, entry: dict) -> list[Problem] | None:
    """The cached problems, None when the file is not the one the manifest recorded."""
    path = processed_dir / PROBLEMS_FILE
    if entry.get("file") != PROBLEMS_FILE or not path.is_file():
        return None
    if [*_stat(path)] != [entry["size"], entry["mtime_ns"]]:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            return None
    with open(path, encoding="utf-8") as fh:
        problems = [Problem(**json.loads(line)) for line in fh if line.strip()]
    return problems if len(problems) == entry["count"] else None


def _read_table(processed_dir: Path, entry: dict, spec: SheetSpec) -> pd.DataFrame | None:
    """One parquet, None when it is not the file the manifest recorded (edited, truncated, replaced)."""
    path = processed_dir / entry["file"]
    if Path(entry["file"]).name != entry["file"]:
        return None  # a manifest naming a file outside its folder was not written here
    data = path.read_bytes()
    if [len(data), path.stat().st_mtime_ns] != [entry["size"], entry["mtime_ns"]]:
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            return None
    # an Arrow buffer, not io.BytesIO: pyarrow reads a Python file object on its own IO threads, which may also
    # drop the last reference to it; a process that exits just then has such a thread take the GIL during
    # interpreter shutdown, and the C++ runtime aborts ("terminate called without an active exception")
    return _restore(pd.read_parquet(pa.BufferReader(data)), spec)


def _restore(frame: pd.DataFrame, spec: SheetSpec) -> pd.DataFrame:
    for col in spec.columns:
        if col.kind == "date":
            frame[col.name] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[col.name]]
            frame[col.name] = frame[col.name].astype(object)
        elif col.kind in ("id", "text", "month"):
            frame[col.name] = frame[col.name].astype(object).where(frame[col.name].notna(), None)
    if spec.extra_columns:
        for c in frame.columns:
            if c not in ("excel_row", *spec.column_names):
                frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    frame.attrs["sheet"] = frame.attrs.get("sheet", spec.sheet)
    return frame


def _write_cache(evaluation: ValidatedInputs, processed_dir: Path, span, layout: Layout | None,
                 input_stats: dict[str, list[int]]) -> None:
    tables = {}
    for key, frame in evaluation.tables.items():
        if frame is None:
            continue
        name = f"{key}.parquet"
        data = frame.to_parquet(index=False)
        atomic_write_bytes(processed_dir / name, data)
        size, mtime_ns = _stat(processed_dir / name)
        tables[key] = {"file": name, "sha256": hashlib.sha256(data).hexdigest(), "size": size, "mtime_ns": mtime_ns}
    manifest = {
        "key": _manifest_key(span, layout, evaluation.inputs),
        "raw_dir": str(evaluation.raw_dir),
        "input_stats": input_stats,
        "tables": tables,
        "problems": _write_problems(evaluation.problems, processed_dir),
        "normalised": evaluation.normalised.as_dict(),
        "adjustments": evaluation.adjustments,
    }
    # the manifest goes last: a run killed before it leaves parquets that no longer match it, so they are rebuilt
    atomic_write_text(processed_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
