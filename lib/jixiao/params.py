"""Run parameters: params.yaml, flags over it, and the checks made before any kernel starts."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .config import PROCESSED_DIR
from .period import Period
from .problems import ParameterError

PARAMS_KEYS = {
    "evaluation": "folder name of the evaluation under data/raw/ and the reports folder",
    "project": "the evaluated project's title, printed on every page",
    "raw_dir": "the folder of raw workbooks (relative to params.yaml's folder)",
    "span": "the evaluation's whole period, e.g. 2019-2021",
    "periods": "the periods to report: years and/or spans (default: each year of the span and the span)",
    "out_dir": "where reports go (relative to params.yaml's folder); each evaluation gets a subfolder",
    "jobs": "how many notebooks run at once (default: the machine's cores)",
}
NOTEBOOK_PARAMETERS = ("evaluation", "period", "span", "project", "raw_dir", "results_dir")
_YEAR_PARAMETERS = ("period", "span")  # a bare year may arrive as a number

# letters (any script), digits, dot, dash, underscore; no separators, so a name can never leave its folder
_SAFE_NAME = re.compile(r"^[^\W_][\w.\-]*$")


def check_name(name: object, what: str = "evaluation") -> str:
    text = str(name) if name is not None else ""
    if not _SAFE_NAME.fullmatch(text) or ".." in text or len(text) > 100:
        raise ParameterError(
            f"{what} name {text!r} is not allowed; expected letters, digits, '.', '-' or '_' "
            "(no slashes or '..', at most 100 characters)"
        )
    return text


def inside(base: Path, relative: object, what: str) -> Path:
    """``base / relative``, refused when it is absolute or climbs out of ``base``."""
    text = str(relative)
    if not text or os.path.isabs(text) or text.startswith("~"):
        raise ParameterError(f"{what} {text!r} must be a path relative to {base}")
    target = (base / text).resolve()
    if target != base.resolve() and base.resolve() not in target.parents:
        raise ParameterError(f"{what} {text!r} leads outside {base}; expected a folder inside it")
    return target


@dataclass
class RunParams:
    evaluation: str
    project: str
    raw_dir: Path
    span: Period
    periods: list[Period]
    out_dir: Path  # the folder that holds <evaluation>/
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)

    @property
    def report_dir(self) -> Path:
        return self.out_dir / self.evaluation


def load_params(path: Path, *, raw: str | None = None, out: str | None = None, periods: list[str] | None = None,
                jobs: int | None = None) -> RunParams:
    """params.yaml with flags over it; every value checked, every problem a ParameterError."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"parameters file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ParameterError(f"{path} must be a mapping of parameters")
    unknown = sorted(set(data) - set(PARAMS_KEYS))
    if unknown:
        raise ParameterError(f"{path}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(PARAMS_KEYS)}")
    base = path.resolve().parent
    evaluation = check_name(data.get("evaluation"))
    if "span" not in data:
        raise ParameterError(f"{path}: 'span' is missing; expected the evaluation's whole period, e.g. 2019-2021")
    span = Period.parse(data["span"])
    raw_dir = Path(raw).resolve() if raw else inside(base, data.get("raw_dir", f"data/raw/{evaluation}"), "raw_dir")
    if not raw_dir.is_dir():
        raise ParameterError(f"raw folder {raw_dir} does not exist; expected the evaluation's workbooks there")
    out_dir = Path(out).resolve() if out else inside(base, data.get("out_dir", "reports"), "out_dir")
    report_dir = out_dir / evaluation
    for guarded, what in ((raw_dir, "the raw folder"), (PROCESSED_DIR.resolve(), "the processed cache")):
        if report_dir == guarded or guarded in report_dir.parents or report_dir in guarded.parents:
            raise ParameterError(f"the output folder {report_dir} overlaps {what} {guarded}; "
                                 "reports must go elsewhere (inputs are never written)")
    chosen = periods if periods else data.get("periods") or [*span.years, span.label]
    if not isinstance(chosen, list):
        raise ParameterError(f"{path}: 'periods' must be a list such as [2019, 2020, 2019-2020]")
    parsed = list(dict.fromkeys(Period.parse(p) for p in chosen))
    for p in parsed:
        if p.first < span.first or p.last > span.last:
            raise ParameterError(f"period {p.label} lies outside the evaluation's span {span.label}")
    njobs = jobs if jobs is not None else data.get("jobs", os.cpu_count() or 1)
    if not isinstance(njobs, int) or isinstance(njobs, bool) or njobs < 1:
        raise ParameterError(f"jobs {njobs!r} must be a whole number >= 1")
    project = data.get("project", evaluation)
    if not isinstance(project, str):
        raise ParameterError("project must be text")
    return RunParams(evaluation, project, raw_dir, span, parsed, out_dir, njobs)


def check_notebook_types(**given) -> dict:
    """Papermill only warns about unknown parameters and passes any type: refuse both. Returns the
    parameters as text: papermill's ``-p period 2019`` passes the year as a number, which is taken."""
    unknown = sorted(set(given) - set(NOTEBOOK_PARAMETERS))
    if unknown:
        raise ParameterError(f"unknown notebook parameter(s) {', '.join(unknown)}; known: {', '.join(NOTEBOOK_PARAMETERS)}")
    as_text = {}
    for key, value in given.items():
        if key in _YEAR_PARAMETERS and isinstance(value, int) and not isinstance(value, bool):
            if not 1000 <= value <= 9999:
                raise ParameterError(f"笔记本参数 {key} 的值 {value} 不是年份;应为年份(如 2020)或期间(如 2019-2021)")
            value = str(value)
        if not isinstance(value, str):
            hint = "年份(如 2020)或期间(如 2019-2021)" if key in _YEAR_PARAMETERS else "文字"
            raise ParameterError(f"笔记本参数 {key} 应为{hint},收到 {type(value).__name__} 类型的值 {value!r};"
                                 f"用 papermill 传文字时请写 -r {key} {value}")
        as_text[key] = value
    return as_text


def check_notebook_parameters(**given) -> dict:
    """The notebook parameters (blanks already filled) as text, checked; raises ParameterError naming the first bad one."""
    given = check_notebook_types(**given)
    check_name(given["evaluation"])
    period, span = Period.parse(given["period"]), Period.parse(given["span"])
    if period.first < span.first or period.last > span.last:
        raise ParameterError(f"period {period.label} lies outside the evaluation's span {span.label}")
    return given
