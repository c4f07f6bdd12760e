"""Run parameters: params.yaml, flags over it, and the checks made before any kernel starts."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from jixiao.core.config import PROCESSED_DIR
from jixiao.contract.sheets import CONTRACT_LAYOUT, FILES, SHEETS, ColumnIndex, Layout
from jixiao.core.i18n import t
from jixiao.core.period import Period
from jixiao.core.problems import ParameterError

PARAMS_KEYS = {
    "evaluation": "folder name of the evaluation under data/raw/ and the reports folder",
    "project": "the evaluated project's title, printed on every page",
    "raw_dir": "the folder of raw workbooks (relative to params.yaml's folder)",
    "span": "the evaluation's whole period, e.g. 2019-2021",
    "periods": "the periods to report: years and/or spans (default: each year of the span and the span)",
    "out_dir": "where reports go (relative to params.yaml's folder); each evaluation gets a subfolder",
    "jobs": "how many notebooks run at once (default: the machine's cores)",
    "files": "the department's own file names: contract workbook -> the department's file",
    "columns": "the department's own headers, per contract workbook: the department's header -> a contract header",
    "report": "the period report: template, final, reference_docx and the cover's 报告编号/委托单位/受委托单位/提交日期/评价基准日",
}
NOTEBOOK_PARAMETERS = ("evaluation", "period", "span", "project", "raw_dir", "results_dir")
_YEAR_PARAMETERS = ("period", "span")  # a bare year may arrive as a number

# letters (any script), digits, dot, dash, underscore; no separators, so a name can never leave its folder
_SAFE_NAME = re.compile(r"^[^\W_][\w.\-]*$")


def check_name(name: object, what: str = "evaluation") -> str:
    text = str(name) if name is not None else ""
    if not _SAFE_NAME.fullmatch(text) or ".." in text or len(text) > 100:
        raise ParameterError(t(
            f"{what} 名称 {text!r} 不可用;只能用字母、数字、'.'、'-' 或 '_'(不能有斜杠或 '..',最多 100 个字符)",
            f"{what} name {text!r} is not allowed; expected letters, digits, '.', '-' or '_' "
            "(no slashes or '..', at most 100 characters)"
        ))
    return text


def inside(base: Path, relative: object, what: str) -> Path:
    """``base / relative``, refused when it is absolute or climbs out of ``base``."""
    text = str(relative)
    if not text or os.path.isabs(text) or text.startswith("~"):
        raise ParameterError(t(f"{what} {text!r} 应为相对于 {base} 的路径", f"{what} {text!r} must be a path relative to {base}"))
    target = (base / text).resolve()
    if target != base.resolve() and base.resolve() not in target.parents:
        raise ParameterError(t(f"{what} {text!r} 指向 {base} 之外;应为其中的文件夹",
                               f"{what} {text!r} leads outside {base}; expected a folder inside it"))
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
    layout: Layout = CONTRACT_LAYOUT  # the department's own file names and headers (params' files, columns)
    report: "ReportSettings" = field(default_factory=lambda: ReportSettings())  # params' report: block

    @property
    def report_dir(self) -> Path:
        return self.out_dir / self.evaluation


def read_settings(path: Path, known, what: tuple[str, str]) -> dict:
    """A YAML mapping of settings (a params or portfolio file), refused when unreadable or with unknown keys;
    ``what``: the kind of file, in Chinese and English."""
    if not path.is_file():
        raise ParameterError(t(f"{what[0]} {path} 不存在", f"{what[1]} {path} does not exist"))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(t(f"{path} 不是有效的 YAML:{exc}", f"{path} is not valid YAML: {exc}")) from None
    if not isinstance(data, dict):
        raise ParameterError(t(f"{path} 应为参数的映射(键: 值)", f"{path} must be a mapping of parameters"))
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ParameterError(t(f"{path}:未知参数 {', '.join(unknown)};可用的参数:{', '.join(known)}",
                               f"{path}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(known)}"))
    return data


def load_params(path: Path, *, raw: str | None = None, out: str | None = None, periods: list[str] | None = None,
                jobs: int | None = None) -> RunParams:
    """params.yaml with flags over it; every value checked, every problem a ParameterError."""
    path = Path(path)
    data = read_settings(path, PARAMS_KEYS, ("参数文件", "parameters file"))
    base = path.resolve().parent
    evaluation = check_name(data.get("evaluation"))
    if "span" not in data:
        raise ParameterError(t(f"{path}:缺少 'span';应为整个评价期,例如 2019-2021",
                               f"{path}: 'span' is missing; expected the evaluation's whole period, e.g. 2019-2021"))
    span = Period.parse(data["span"])
    raw_dir = inside(base, data.get("raw_dir", f"data/raw/{evaluation}"), "raw_dir")
    if raw and Path(raw).resolve() != raw_dir:
        # a run takes its title, span and output folder from the params file: another folder's data must not
        # come out under this evaluation's name
        raise ParameterError(t(
            f"--raw {raw} 不是 {path.name} 的 raw_dir({raw_dir});每次评价用它自己的参数文件:"
            f"用 jixiao new 名称 --span 起-止 --project \"项目名称\" 生成一个,再用 --params 指定它",
            f"--raw {raw} is not the raw_dir of {path.name} ({raw_dir}); each evaluation runs under its own "
            f"params file: make one with jixiao new NAME --span FIRST-LAST --project \"TITLE\" and pass it with --params"))
    if not raw_dir.is_dir():
        raise ParameterError(t(f"原始数据文件夹 {raw_dir} 不存在;应在那里放评价的工作簿",
                               f"raw folder {raw_dir} does not exist; expected the evaluation's workbooks there"))
    out_dir = Path(out).resolve() if out else inside(base, data.get("out_dir", "reports"), "out_dir")
    report_dir = out_dir / evaluation
    for guarded, what in ((raw_dir, "the raw folder"), (PROCESSED_DIR.resolve(), "the processed cache")):
        if report_dir == guarded or guarded in report_dir.parents or report_dir in guarded.parents:
            what_zh = "原始数据文件夹" if what == "the raw folder" else "处理后数据缓存"
            raise ParameterError(t(f"输出文件夹 {report_dir} 与{what_zh} {guarded} 重叠;报告须写到别处(输入从不写入)",
                                   f"the output folder {report_dir} overlaps {what} {guarded}; "
                                   "reports must go elsewhere (inputs are never written)"))
    chosen = periods if periods else data.get("periods") or [*span.years, span.label]
    if not isinstance(chosen, list):
        raise ParameterError(t(f"{path}:'periods' 应为列表,例如 [2019, 2020, 2019-2020]",
                               f"{path}: 'periods' must be a list such as [2019, 2020, 2019-2020]"))
    parsed = list(dict.fromkeys(Period.parse(p) for p in chosen))
    for p in parsed:
        p.require_within(span)
    njobs = jobs if jobs is not None else data.get("jobs", os.cpu_count() or 1)
    if not isinstance(njobs, int) or isinstance(njobs, bool) or njobs < 1:
        raise ParameterError(t(f"jobs {njobs!r} 应为不小于 1 的整数", f"jobs {njobs!r} must be a whole number >= 1"))
    project = data.get("project", evaluation)
    if not isinstance(project, str):
        raise ParameterError(t("project 应为文本", "project must be text"))
    layout = parse_layout(data.get("files"), data.get("columns"), path)
    report = parse_report(data.get("report"), base, path)
    return RunParams(evaluation, project, raw_dir, span, parsed, out_dir, njobs, layout, report)


REPORT_KEYS = ("template", "final", "reference_docx", "报告编号", "委托单位", "受委托单位", "提交日期", "评价基准日")


@dataclass(frozen=True)
class ReportSettings:
    """params' ``report:`` block: the template and reference document (paths inside the params' folder), whether
    the report is final (no placeholder may remain) and the cover's data."""

    template: Path | None = None
    final: bool = False
    reference_docx: Path | None = None
    cover: dict = field(default_factory=dict)


def parse_report(block: object, base: Path, path: Path | str = "params.yaml") -> ReportSettings:
    """params' ``report:`` block, checked; a ParameterError names the bad entry."""
    if block is None:
        return ReportSettings()
    if not isinstance(block, dict):
        raise ParameterError(t(f"{path}:'report' 应为映射,例如 {{template: report.md, final: false}}",
                               f"{path}: 'report' must be a mapping such as {{template: report.md, final: false}}"))
    unknown = sorted(str(k) for k in set(block) - set(REPORT_KEYS))
    if unknown:
        raise ParameterError(t(f"{path}:report 中未知的项 {'、'.join(unknown)};可用的项:{'、'.join(REPORT_KEYS)}",
                               f"{path}: unknown report entries {', '.join(unknown)}; known: {', '.join(REPORT_KEYS)}"))
    files = {}
    for key, suffix in (("template", ".md"), ("reference_docx", ".docx")):
        if block.get(key) is not None:
            target = inside(base, block[key], f"report.{key}")
            if not target.is_file() or target.suffix.lower() != suffix:
                raise ParameterError(t(f"{path}:report.{key} {block[key]!r} 应为 {base} 中已有的 {suffix} 文件",
                                       f"{path}: report.{key} {block[key]!r} must be an existing {suffix} file in {base}"))
            files[key] = target
    final = block.get("final", False)
    if not isinstance(final, bool):
        raise ParameterError(t(f"{path}:report.final 应为 true 或 false", f"{path}: report.final must be true or false"))
    cover = {k: str(block[k]) for k in REPORT_KEYS[3:] if block.get(k) not in (None, "")}
    return ReportSettings(files.get("template"), final, files.get("reference_docx"), cover)


def parse_layout(files: object, columns: object, path: Path | str = "params.yaml") -> Layout:
    """params' ``files`` and ``columns``, checked against the contract; a ParameterError names the bad entry."""
    files = files or {}
    columns = columns or {}
    if not isinstance(files, dict):
        raise ParameterError(t(f"{path}:'files' 应为映射:合同工作簿: 部门的文件名",
                               f"{path}: 'files' must be a mapping: contract workbook: the department's file name"))
    if not isinstance(columns, dict):
        raise ParameterError(t(f"{path}:'columns' 应为映射:合同工作簿: {{部门的表头: 合同的表头}}",
                               f"{path}: 'columns' must be a mapping: contract workbook: {{the department's header: "
                               "a contract header}"))
    for key in (*files, *columns):
        if key not in FILES:
            raise ParameterError(t(f"{path}:{key!r} 不是合同的工作簿;应为 {'、'.join(FILES)} 之一",
                                   f"{path}: {key!r} is not a contract workbook; expected one of {', '.join(FILES)}"))
    own_names: dict[str, str] = {}
    for contract_file, own in files.items():
        text = str(own) if own is not None else ""
        if (not text.lower().endswith(".xlsx") or "/" in text or "\\" in text or text.startswith(".")
                or len(text) > 200):
            raise ParameterError(t(f"{path}:files 中 {contract_file} 的文件名 {text!r} 不可用;应为原始数据文件夹中的 .xlsx 文件名(不含路径)",
                                   f"{path}: the file name {text!r} given for {contract_file} is not allowed; "
                                   "expected the name of an .xlsx in the raw folder (no path)"))
        if text in own_names:
            raise ParameterError(t(f"{path}:{own_names[text]} 和 {contract_file} 指向同一个文件 {text}",
                                   f"{path}: {own_names[text]} and {contract_file} name the same file {text}"))
        own_names[text] = contract_file
    checked: dict[str, dict[str, str]] = {}
    for contract_file, mapping in columns.items():
        if not isinstance(mapping, dict):
            raise ParameterError(t(f"{path}:columns 中 {contract_file} 应为映射 {{部门的表头: 合同的表头}}",
                                   f"{path}: columns of {contract_file} must be a mapping {{the department's header: "
                                   "a contract header}"))
        indexes = [ColumnIndex(s) for s in SHEETS if s.file == contract_file]
        for own, target in mapping.items():
            if not any(i.match(str(target)) for i in indexes):
                headers = "、".join(c.header for i in indexes for c in i.spec.columns)
                raise ParameterError(t(
                    f"{path}:columns 中 {contract_file} 的 {own!r} 对应到 {target!r},这不是 {contract_file} 的表头;"
                    f"应为 {headers} 之一(金额列可写作 …(万元) 或 …(元))",
                    f"{path}: columns of {contract_file} map {own!r} to {target!r}, which is not a header of "
                    f"{contract_file}; expected one of {headers} (a money column may be …(万元) or …(元))"))
        checked[contract_file] = {str(k): str(v) for k, v in mapping.items()}
    return Layout(files={k: str(v) for k, v in files.items()}, columns=checked)


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
    period.require_within(span)
    return given
