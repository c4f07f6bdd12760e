"""Read an evaluation's raw folder: every sheet loaded, every rule checked, in one pass.

``validate(raw_dir)`` returns every problem; ``load_evaluation(raw_dir)`` returns the
tables (raising ``InputError`` when there are errors) and keeps a parquet copy of
them under ``data/processed/<evaluation>/``, rebuilt only when an input changes.
Nothing here ever writes under the raw folder.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from . import __version__
from .atomic import atomic_write_bytes, atomic_write_text
from .config import PROCESSED_DIR
from .contract import (
    FILES,
    PUBLISHED_FILE,
    SCORE_SCALE,
    SHEETS,
    SHEETS_BY_KEY,
    STAGES,
    SheetSpec,
)
from .indicators import RuleError, figure_key, parse_rule
from .metrics import points
from .problems import ERROR, NOTE, WARNING, InputError, Problem
from .fingerprint import input_files, sha256_file  # noqa: F401 (sha256_file: part of this module's API)
from .tables import Tables
from .workbook import UnreadableWorkbook, open_workbook, read_sheet

WRONG_FORMATS = (".xls", ".csv", ".xlsm", ".ods", ".et")
CACHE_FORMAT = 1  # bump when the processed layout changes


@dataclass
class Evaluation:
    """The validated tables of one evaluation folder (a table is None when its workbook is absent)."""

    name: str
    raw_dir: Path
    tables: Tables  # a mapping of sheet key -> frame is accepted and turned into Tables
    problems: list[Problem] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256
    published: dict | None = None

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


def read_raw(raw_dir: Path, span: tuple[int, int] | None = None) -> Evaluation:
    """Read and check every workbook of ``raw_dir``; never raises for bad data."""
    raw_dir = Path(raw_dir)
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame | None] = {s.key: None for s in SHEETS}
    if not raw_dir.is_dir():
        problems.append(Problem(ERROR, str(raw_dir), "the folder does not exist; expected a folder of the contract's workbooks"))
        return Evaluation(raw_dir.name, raw_dir, tables, problems)
    for file in FILES:
        specs = [s for s in SHEETS if s.file == file]
        path = raw_dir / file
        if not path.is_file():
            problems.extend(_absent(raw_dir, file, specs))
            continue
        try:
            wb = open_workbook(path)
        except UnreadableWorkbook as exc:
            problems.append(Problem(ERROR, file, str(exc)))
            continue
        try:
            for spec in specs:
                frame, found = read_sheet(wb, spec)
                problems.extend(found)
                tables[spec.key] = frame
        finally:
            wb.close()
    problems.extend(check_rules(tables, span))
    published, published_problems = _read_published(raw_dir)
    problems.extend(published_problems)
    return Evaluation(raw_dir.name, raw_dir, tables, problems, input_files(raw_dir), published)


def _absent(raw_dir: Path, file: str, specs: list[SheetSpec]) -> list[Problem]:
    stem = Path(file).stem
    for suffix in WRONG_FORMATS:
        other = raw_dir / f"{stem}{suffix}"
        if other.is_file() and other.name != file:
            return [Problem(ERROR, other.name, f"is a {suffix} file; expected {file} (save it as an Excel .xlsx workbook)")]
    sections = "、".join(dict.fromkeys(s.section for s in specs))
    return [Problem(NOTE, file, f"is absent: the {sections} section has no data")]


def _read_published(raw_dir: Path) -> tuple[dict | None, list[Problem]]:
    path = raw_dir / PUBLISHED_FILE
    if not path.is_file():
        return None, []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, [Problem(ERROR, PUBLISHED_FILE, f"is not valid YAML ({exc}); expected the published figures")]
    if not isinstance(data, dict):
        return None, [Problem(ERROR, PUBLISHED_FILE, "expected a mapping of the published figures")]
    return data, []


# --- rules across rows and sheets ---------------------------------------------------------


def check_rules(tables: dict[str, pd.DataFrame | None], span: tuple[int, int] | None = None) -> list[Problem]:
    """Uniqueness, references, stages, survey answers, scores, plausibility of dates."""
    problems: list[Problem] = []
    for spec in SHEETS:
        frame = tables.get(spec.key)
        if frame is not None and spec.unique:
            problems.extend(_check_unique(frame, spec))
    problems.extend(_check_references(tables))
    problems.extend(_check_stages(tables.get("milestones")))
    problems.extend(_check_survey(tables.get("survey_answers"), tables.get("survey_options")))
    problems.extend(_check_scores(tables.get("scoring")))
    problems.extend(_check_indicator_rules(tables.get("scoring")))
    problems.extend(_check_dates(tables, span))
    return problems


def _sheet_name(frame: pd.DataFrame, spec: SheetSpec) -> str:
    return frame.attrs.get("sheet", spec.sheet)


def _check_unique(frame: pd.DataFrame, spec: SheetSpec) -> list[Problem]:
    keys = list(spec.unique)
    valid = frame.dropna(subset=keys)
    dup = valid[valid.duplicated(subset=keys, keep=False)]
    problems = []
    headers = "、".join(spec.column(k).header for k in keys)
    for _, group in dup.groupby(keys, sort=False):
        rows = group["excel_row"].tolist()
        first = rows[0]
        for row in rows[1:]:
            value = " / ".join(str(group.iloc[0][k]) for k in keys)
            problems.append(
                Problem(ERROR, spec.file, f"duplicates row {first}; expected each {headers} once",
                        sheet=_sheet_name(frame, spec), row=int(row), column=spec.column(keys[0]).header, value=value)
            )
    return problems


def _check_references(tables) -> list[Problem]:
    subprojects = tables.get("subprojects")
    if subprojects is None:
        return []
    known = set(subprojects["subproject_id"].dropna())
    funded = set(subprojects.loc[subprojects["approved_amount"].fillna(0) > 0, "subproject_id"])
    problems = []
    sub_spec = SHEETS_BY_KEY["subprojects"]
    for row, amount in zip(subprojects["excel_row"], subprojects["approved_amount"]):
        if pd.notna(amount) and int(amount) == 0:
            problems.append(
                Problem(WARNING, sub_spec.file, "an approved amount of 0 is taken as not approved: the subproject "
                        "stays outside the spend-rate bands", sheet=_sheet_name(subprojects, sub_spec), row=int(row),
                        column=sub_spec.column("approved_amount").header, value=0)
            )
    for key in ("budget", "spending", "milestones"):
        frame = tables.get(key)
        if frame is None:
            continue
        spec = SHEETS_BY_KEY[key]
        header = spec.column("subproject_id").header
        for row, sid in zip(frame["excel_row"], frame["subproject_id"]):
            if sid is not None and sid not in known:
                problems.append(
                    Problem(ERROR, spec.file, "expected a 子项目编号 listed in subprojects.xlsx",
                            sheet=_sheet_name(frame, spec), row=int(row), column=header, value=sid)
                )
    spending = tables.get("spending")
    if spending is not None:
        spec = SHEETS_BY_KEY["spending"]
        for row, sid in zip(spending["excel_row"], spending["subproject_id"]):
            if sid in known and sid not in funded:
                problems.append(
                    Problem(WARNING, spec.file, "a payment to a subproject with no 立项批复金额 (not yet approved)",
                            sheet=_sheet_name(spending, spec), row=int(row),
                            column=spec.column("subproject_id").header, value=sid)
                )
    return problems


def _check_stages(milestones) -> list[Problem]:
    if milestones is None:
        return []
    spec = SHEETS_BY_KEY["milestones"]
    problems = []
    for row, stage in zip(milestones["excel_row"], milestones["stage"]):
        if stage is not None and stage not in STAGES:
            problems.append(
                Problem(ERROR, spec.file, f"expected one of the stages {'、'.join(STAGES)}",
                        sheet=_sheet_name(milestones, spec), row=int(row), column=spec.column("stage").header,
                        value=stage)
            )
    return problems


def _check_survey(answers, options) -> list[Problem]:
    if answers is None:
        return []
    spec = SHEETS_BY_KEY["survey_answers"]
    sheet = _sheet_name(answers, spec)
    questions = [c for c in answers.columns if c not in ("excel_row", "respondent")]
    problems = []
    if options is None:
        if questions:
            problems.append(Problem(ERROR, spec.file, "sheet 选项 is needed to read the answers of sheet 问卷",
                                    sheet=SHEETS_BY_KEY["survey_options"].sheet))
        return problems
    allowed: dict[str, list[str]] = {}
    for q, o in zip(options["question"], options["option"]):
        if q is not None and o is not None:
            allowed.setdefault(q, []).append(o)
    for q in questions:
        if q not in allowed:
            problems.append(
                Problem(ERROR, spec.file, "this question has no options in sheet 选项; expected its options listed there",
                        sheet=sheet, row=answers.attrs.get("header_row", 1), column=q)
            )
            continue
        choices = set(allowed[q])
        for row, answer in zip(answers["excel_row"], answers[q]):
            if answer is not None and answer not in choices:
                problems.append(
                    Problem(ERROR, spec.file, f"expected one of the options: {'、'.join(allowed[q])}",
                            sheet=sheet, row=int(row), column=q, value=answer)
                )
    opt_spec = SHEETS_BY_KEY["survey_options"]
    for q in allowed:
        if q not in questions:
            problems.append(Problem(WARNING, opt_spec.file, f"question {q!r} has options but no column in sheet 问卷",
                                    sheet=_sheet_name(options, opt_spec)))
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
                Problem(ERROR, spec.file, f"expected a score between 0 and its weight {points(weight)}",
                        sheet=sheet, row=int(row), column=spec.column("score").header, value=int(score) / SCORE_SCALE)
            )
    weights = scoring["weight"].dropna()
    if len(weights) and int(weights.sum()) != 100 * SCORE_SCALE:
        problems.append(
            Problem(WARNING, spec.file, f"the weights add up to {points(int(weights.sum()))}, not 100",
                    sheet=sheet, column=spec.column("weight").header)
        )
    return problems


def _check_indicator_rules(scoring) -> list[Problem]:
    """计分依据 a known figure, 计分方法 a known method, 目标值 and 计分参数 well formed (jixiao.indicators)."""
    if scoring is None or "calculation_basis" not in scoring.columns:
        return []
    spec = SHEETS_BY_KEY["scoring"]
    sheet = _sheet_name(scoring, spec)
    problems = []

    def error(row, column, message, value):
        problems.append(Problem(ERROR, spec.file, message, sheet=sheet, row=int(row),
                                column=spec.column(column).header, value=value))

    for r in scoring.itertuples():
        basis, method, target, params = r.calculation_basis, r.method, r.target, r.rule_params
        if basis is None:
            filled = next((c for c, v in (("method", method), ("target", target), ("rule_params", params))
                           if v is not None), None)
            if filled:
                error(r.excel_row, filled, "填写了计分规则但计分依据为空;请填写计分依据,或清空本行的计分规则",
                      getattr(r, filled))
            continue
        try:
            figure_key(basis)
        except ValueError as exc:
            error(r.excel_row, "calculation_basis", str(exc), basis)
        if method is None:
            error(r.excel_row, "method", "填写了计分依据,应同时填写计分方法(比例、阶梯或扣分)", None)
            continue
        try:
            parse_rule(method, target, params)
        except RuleError as exc:
            error(r.excel_row, exc.column, str(exc), {"method": method, "target": target, "rule_params": params}[exc.column])
    return problems


DATE_COLUMNS = (("spending", "date"), ("milestones", "planned_date"), ("milestones", "actual_date"),
                ("subprojects", "approval_date"))


def _check_dates(tables, span: tuple[int, int] | None) -> list[Problem]:
    if span is None:
        budget = tables.get("budget")
        years = budget["year"].dropna() if budget is not None else pd.Series([], dtype="Int64")
        if not len(years):
            return []
        span = (int(years.min()), int(years.max()))
    earliest = dt.date(span[0] - 1, 1, 1)
    latest = dt.date(span[1] + 2, 12, 31)
    problems = []
    for key, column in DATE_COLUMNS:
        frame = tables.get(key)
        if frame is None:
            continue
        spec = SHEETS_BY_KEY[key]
        for row, value in zip(frame["excel_row"], frame[column]):
            if value is not None and not earliest <= value <= latest:
                problems.append(
                    Problem(WARNING, spec.file,
                            f"the date is far outside the evaluation {span[0]}-{span[1]}; expected one between "
                            f"{earliest.isoformat()} and {latest.isoformat()} (a typing slip?)",
                            sheet=_sheet_name(frame, spec), row=int(row), column=spec.column(column).header,
                            value=value)
                )
    return problems


# --- the processed cache -------------------------------------------------------------------


def load_evaluation(raw_dir: Path, processed_dir: Path | None = None, *, span: tuple[int, int] | None = None,
                    use_cache: bool = True) -> Evaluation:
    """The validated tables of ``raw_dir``; raises InputError listing every error.

    The tables are cached as parquet in ``processed_dir`` (default
    ``data/processed/<folder name>``) with a manifest of the inputs' SHA-256 and
    reused while no input has changed.
    """
    raw_dir = Path(raw_dir).resolve()
    processed_dir = Path(processed_dir) if processed_dir is not None else PROCESSED_DIR / raw_dir.name
    if use_cache and raw_dir.is_dir():
        cached = _read_cache(raw_dir, processed_dir, span)
        if cached is not None:
            return cached
    evaluation = read_raw(raw_dir, span)
    if evaluation.errors:
        raise InputError(evaluation.problems)
    if use_cache:
        _write_cache(evaluation, processed_dir, span)
    return evaluation


def _manifest_key(raw_dir: Path, span) -> dict:
    return {"format": CACHE_FORMAT, "jixiao": __version__, "span": list(span) if span else None,
            "inputs": input_files(raw_dir)}


def _read_cache(raw_dir: Path, processed_dir: Path, span) -> Evaluation | None:
    manifest_path = processed_dir / "manifest.json"
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    key = _manifest_key(raw_dir, span)
    if manifest.get("key") != key:
        return None
    tables: dict[str, pd.DataFrame | None] = {}
    try:
        for spec in SHEETS:
            name = manifest["tables"].get(spec.key)
            tables[spec.key] = _restore(pd.read_parquet(processed_dir / name), spec) if name else None
    except (OSError, ValueError, KeyError):
        return None
    problems = [Problem(**p) for p in manifest.get("problems", [])]
    published, _ = _read_published(raw_dir)
    return Evaluation(raw_dir.name, raw_dir, tables, problems, key["inputs"], published)


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
    frame.attrs["sheet"] = spec.sheet
    return frame


def _write_cache(evaluation: Evaluation, processed_dir: Path, span) -> None:
    processed_dir.mkdir(parents=True, exist_ok=True)
    names = {}
    for key, frame in evaluation.tables.items():
        if frame is None:
            continue
        names[key] = f"{key}.parquet"
        atomic_write_bytes(processed_dir / names[key], frame.to_parquet(index=False))
    manifest = {
        "key": _manifest_key(evaluation.raw_dir, span),
        "raw_dir": str(evaluation.raw_dir),
        "tables": names,
        "problems": [p.__dict__ | {"value": None if p.value is None else str(p.value)} for p in evaluation.problems],
    }
    # the manifest goes last: a run killed before it leaves a cache that is simply rebuilt
    atomic_write_text(processed_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
