"""Run parameters: params.yaml, flags over it, and the checks made before any kernel starts."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from jixiao.core.config import PROCESSED_DIR
from jixiao.contract.sheets import CONTRACT_LAYOUT, FILES, SHEETS, STAGE_ROLES, STAGES, ColumnIndex, Layout
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
    "milestone_stages": "the evaluation's milestone stages in order (default: 启动 … 终验, an IT project's seven)",
    "stage_roles": "which stage plays each role the report names: 启动, 初验, 终验 (default: first, last but one, last)",
    "sheets_absent": "sheets the evaluation lacks inside a present workbook, e.g. [好差评]: not required, shown as 不适用",
    "report": "the period report: template, final, reference_docx and the cover's 报告编号/委托单位/受委托单位/提交日期/评价基准日",
}
# a worked example whose rows are invented: every reader page says so (示例（模拟数据）)
PARAMS_KEYS["synthetic"] = "true when the raw folder's rows are synthetic (an example): every page and report says so"
NOTEBOOK_PARAMETERS = ("evaluation", "period", "span", "project", "raw_dir", "results_dir")

# Params and portfolio files are written by people, not generated: anything far larger is a mistake or an
# attack, and is refused before it is parsed (a 20 MB file of comments took 9 s; a 21 MB title stalled the run).
MAX_SETTINGS_BYTES = 1024 * 1024
MAX_TITLE = 200  # the project's title, printed on every page
MAX_NAME = 200  # a department's file name or header
MAX_TEXT = 4096  # any other text: a path (PATH_MAX), a period
# values (scalars, lists, mappings) in one file: PyYAML builds Python objects at ~100,000 values a second, so a
# 1 MB file of tiny values would take seconds; a real params file has a few dozen, a portfolio a few hundred
MAX_VALUES = 10_000
# YAML's C parser when PyYAML was built with it: ten times faster on a file near the size limit
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
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
    synthetic: bool = False  # params' synthetic: the rows are invented; pages and reports say 示例（模拟数据）

    @property
    def report_dir(self) -> Path:
        return self.out_dir / self.evaluation


class SettingsRefused(ParameterError):
    """A YAML file refused before or while it is parsed; ``message`` keeps both languages (a raw folder's
    published.yaml is reported as a validation problem, which is printed later in either)."""

    def __init__(self, message: tuple[str, str]):
        self.message = message
        super().__init__(message[1])

    def __str__(self) -> str:
        return t(*self.message)


def load_yaml(path: Path, limit: int = MAX_SETTINGS_BYTES) -> object:
    """A small YAML file written by hand, parsed safely and within bounds: at most ``limit`` bytes, UTF-8, no
    anchors or aliases (a few lines of them expand to gigabytes: "billion laughs"), no text longer than
    MAX_TEXT, at most MAX_VALUES values; raises ParameterError naming the file and, for a long text, the field.
    Each limit is checked before Python objects are built, so a refusal takes well under a second."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)  # never more, whatever the file's size says (it may be growing)
            size = max(os.fstat(fh.fileno()).st_size, len(raw))
    except OSError as exc:
        raise SettingsRefused((f"无法读取 {path}:{exc.strerror}", f"cannot read {path}: {exc.strerror}")) from None
    if len(raw) > limit:
        mb = f"{limit / 2**20:g} MB"
        raise SettingsRefused((f"{path} 有 {size:,} 字节;这个 YAML 文件应不超过 {limit:,} 字节({mb})",
                               f"{path} is {size:,} bytes; this YAML file must be at most {limit:,} bytes ({mb})"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsRefused((f"{path} 不是 UTF-8 文本(第 {exc.start} 字节);请另存为 UTF-8",
                               f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8")) from None
    try:
        values = 0
        for event in yaml.parse(text, Loader=_YAML_LOADER):
            values += isinstance(event, yaml.NodeEvent)
            if values > MAX_VALUES:
                raise SettingsRefused((f"{path} 有超过 {MAX_VALUES:,} 个值;这个 YAML 文件应是简短的设置",
                                       f"{path} holds more than {MAX_VALUES:,} values; this YAML file should be "
                                       "a short list of settings"))
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                line = event.start_mark.line + 1
                raise SettingsRefused((
                    f"{path} 第 {line} 行用了 YAML 锚点或别名(&、*);这里的 YAML 文件不允许,请直接写出每个值",
                    f"{path} line {line} uses a YAML anchor or alias (& or *); these YAML files may not: "
                    "write each value out"))
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise SettingsRefused((f"{path} 不是有效的 YAML:{exc}", f"{path} is not valid YAML: {exc}")) from None
    _check_lengths(path, data, "")
    return data


def _check_lengths(path: Path, value: object, field: str) -> None:
    """Every text of ``value`` (keys included) at most MAX_TEXT characters; the error names the field."""
    stack = [(field, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                _check_text(path, f"{where or '顶层'} 的键", key, MAX_TEXT, f"a key of {where or 'the top level'}")
                stack.append((f"{where}.{key}" if where else str(key), inner))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", inner) for i, inner in enumerate(item))
        else:
            _check_text(path, where, item, MAX_TEXT)


def _check_text(path: Path | str, field: str, value: object, limit: int, field_en: str | None = None) -> None:
    """A text at most ``limit`` characters; the refusal names the file and the field (``field_en`` in English,
    when its name is not the same in both)."""
    if isinstance(value, str) and len(value) > limit:
        raise SettingsRefused((f"{path}:{field} 长 {len(value):,} 个字符;应不超过 {limit} 个",
                               f"{path}: {field_en or field} is {len(value):,} characters long; "
                               f"expected at most {limit}"))


def check_title(title: str, where_zh: str, where_en: str) -> str:
    """The project's title as a title: one line (it heads every page and names the PDF) of at most
    MAX_TITLE characters."""
    if len(title) > MAX_TITLE:
        raise ParameterError(t(f"{where_zh} 长 {len(title):,} 个字符;标题应不超过 {MAX_TITLE} 个",
                               f"{where_en} is {len(title):,} characters long; a title has at most {MAX_TITLE}"))
    control = next((c for c in title if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c != "\u200d"), None)
    if control is not None:
        raise ParameterError(t(f"{where_zh} 含有换行或控制字符 U+{ord(control):04X};标题应是一行文字",
                               f"{where_en} holds a line break or control character U+{ord(control):04X}; "
                               "a title is one line of text"))
    return title


def read_settings(path: Path, known, what: tuple[str, str]) -> dict:
    """A YAML mapping of settings (a params or portfolio file), refused when unreadable, too large, with
    anchors or aliases, or with unknown keys; ``what``: the kind of file, in Chinese and English."""
    if not path.is_file():
        raise ParameterError(t(f"{what[0]} {path} 不存在", f"{what[1]} {path} does not exist"))
    data = load_yaml(path)
    data = {} if data is None else data
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
    check_title(project, f"{path}:project", f"{path}: project")
    layout = parse_layout(data.get("files"), data.get("columns"), path)
    layout = replace(layout, **parse_stages(data.get("milestone_stages"), data.get("stage_roles"), path),
                     sheets_absent=parse_sheets_absent(data.get("sheets_absent"), path))
    report = parse_report(data.get("report"), base, path)
    return RunParams(evaluation, project, raw_dir, span, parsed, out_dir, njobs, layout, report,
                     parse_synthetic(data.get("synthetic", False), path))


def parse_synthetic(value: object, path: Path | str = "params.yaml") -> bool:
    """params' ``synthetic``: true or false (default false)."""
    if not isinstance(value, bool):
        raise ParameterError(t(f"{path}:synthetic 应为 true 或 false(数据是否为模拟的示例数据),而不是 {value!r}",
                               f"{path}: synthetic must be true or false (whether the rows are a synthetic example), "
                               f"not {value!r}"))
    return value


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
        _check_text(path, f"files.{contract_file}", text, MAX_NAME)
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
            _check_text(path, f"columns.{contract_file}", str(own), MAX_NAME)
            _check_text(path, f"columns.{contract_file}.{own}", str(target), MAX_NAME)
            if not any(i.match(str(target)) for i in indexes):
                headers = "、".join(c.header for i in indexes for c in i.spec.columns)
                raise ParameterError(t(
                    f"{path}:columns 中 {contract_file} 的 {own!r} 对应到 {target!r},这不是 {contract_file} 的表头;"
                    f"应为 {headers} 之一(金额列可写作 …(万元) 或 …(元))",
                    f"{path}: columns of {contract_file} map {own!r} to {target!r}, which is not a header of "
                    f"{contract_file}; expected one of {headers} (a money column may be …(万元) or …(元))"))
        checked[contract_file] = {str(k): str(v) for k, v in mapping.items()}
    return Layout(files={k: str(v) for k, v in files.items()}, columns=checked)


def parse_stages(stages: object, roles: object, path: Path | str = "params.yaml") -> dict:
    """params' ``milestone_stages`` and ``stage_roles`` as Layout fields (``stages``, ``stage_roles``), checked."""
    if stages is None:
        stages = list(STAGES)
    if not isinstance(stages, list) or not stages:
        raise ParameterError(t(f"{path}:'milestone_stages' 应为阶段名称的列表(按先后顺序),例如 [申报, 审核, 拨付]",
                               f"{path}: 'milestone_stages' must be a list of stage names in order, e.g. [申报, 审核, 拨付]"))
    names = []
    for stage in stages:
        text = str(stage).strip() if isinstance(stage, (str, int)) and not isinstance(stage, bool) else ""
        if not text or len(text) > 50 or any(c in text for c in ",，、:;\n\"'"):
            raise ParameterError(t(f"{path}:milestone_stages 中的阶段 {stage!r} 不可用;应为不含逗号、顿号、冒号或引号的名称",
                                   f"{path}: the stage {stage!r} in milestone_stages is not allowed; expected a name "
                                   "without commas, colons or quotes"))
        if text in names:
            raise ParameterError(t(f"{path}:milestone_stages 中的阶段 {text} 出现了两次",
                                   f"{path}: the stage {text} appears twice in milestone_stages"))
        names.append(text)
    roles = roles or {}
    if not isinstance(roles, dict):
        raise ParameterError(t(f"{path}:'stage_roles' 应为映射:角色: 阶段,例如 {{初验: 主体完工, 终验: 竣工验收}}",
                               f"{path}: 'stage_roles' must be a mapping role: stage, e.g. {{初验: 主体完工, 终验: 竣工验收}}"))
    checked = {}
    for role, stage in roles.items():
        if role not in STAGE_ROLES:
            raise ParameterError(t(f"{path}:stage_roles 中的 {role!r} 不是角色;应为 {'、'.join(STAGE_ROLES)} 之一",
                                   f"{path}: {role!r} in stage_roles is not a role; expected one of "
                                   f"{', '.join(STAGE_ROLES)}"))
        if str(stage) not in names:
            raise ParameterError(t(f"{path}:stage_roles 中 {role} 对应的 {stage!r} 不在 milestone_stages 中;"
                                   f"应为 {'、'.join(names)} 之一",
                                   f"{path}: stage_roles maps {role} to {stage!r}, which is not in milestone_stages; "
                                   f"expected one of {'、'.join(names)}"))
        checked[str(role)] = str(stage)
    return {"stages": tuple(names), "stage_roles": checked}


def parse_sheets_absent(sheets: object, path: Path | str = "params.yaml") -> tuple[str, ...]:
    """params' ``sheets_absent`` (sheet names such as 好差评, or table keys such as public_reviews) as table keys."""
    if sheets is None:
        return ()
    if not isinstance(sheets, list):
        raise ParameterError(t(f"{path}:'sheets_absent' 应为工作表名称的列表,例如 [好差评]",
                               f"{path}: 'sheets_absent' must be a list of sheet names, e.g. [好差评]"))
    by_name = {s.sheet: s.key for s in SHEETS} | {s.key: s.key for s in SHEETS}
    keys = []
    for sheet in sheets:
        key = by_name.get(str(sheet).strip())
        if key is None:
            names = "、".join(s.sheet for s in SHEETS)
            raise ParameterError(t(f"{path}:sheets_absent 中的 {sheet!r} 不是合同的工作表;应为 {names} 之一",
                                   f"{path}: {sheet!r} in sheets_absent is not a contract sheet; expected one of {names}"))
        keys.append(key)
    return tuple(dict.fromkeys(keys))


def check_notebook_types(**given) -> dict:
    """Papermill only warns about unknown parameters and passes any type: refuse both. Returns the
    parameters as text: papermill's ``-p period 2019`` passes the year as a number, which is taken."""
    unknown = sorted(set(given) - set(NOTEBOOK_PARAMETERS))
    if unknown:
        raise ParameterError(t(f"未知的笔记本参数 {', '.join(unknown)};可用的参数:{', '.join(NOTEBOOK_PARAMETERS)}",
                               f"unknown notebook parameter(s) {', '.join(unknown)}; known: "
                               f"{', '.join(NOTEBOOK_PARAMETERS)}"))
    as_text = {}
    for key, value in given.items():
        if key in _YEAR_PARAMETERS and isinstance(value, int) and not isinstance(value, bool):
            if not 1000 <= value <= 9999:
                raise ParameterError(t(f"笔记本参数 {key} 的值 {value} 不是年份;应为年份(如 2020)或期间(如 2019-2021)",
                                       f"notebook parameter {key}: {value} is not a year; expected a year (such as "
                                       "2020) or a period (such as 2019-2021)"))
            value = str(value)
        if not isinstance(value, str):
            year = key in _YEAR_PARAMETERS
            hint = "年份(如 2020)或期间(如 2019-2021)" if year else "文字"
            hint_en = "a year (such as 2020) or a period (such as 2019-2021)" if year else "text"
            raise ParameterError(t(f"笔记本参数 {key} 应为{hint},收到 {type(value).__name__} 类型的值 {value!r};"
                                   f"用 papermill 传文字时请写 -r {key} {value}",
                                   f"notebook parameter {key} must be {hint_en}, got the {type(value).__name__} "
                                   f"{value!r}; pass text to papermill with -r {key} {value}"))
        if key == "project":
            check_title(value, "笔记本参数 project", "notebook parameter project")
        elif len(value) > MAX_TEXT:
            raise ParameterError(t(f"笔记本参数 {key} 长 {len(value):,} 个字符;应不超过 {MAX_TEXT} 个",
                                   f"notebook parameter {key} is {len(value):,} characters long; "
                                   f"expected at most {MAX_TEXT}"))
        as_text[key] = value
    return as_text


def check_notebook_parameters(**given) -> dict:
    """The notebook parameters (blanks already filled) as text, checked; raises ParameterError naming the first bad one."""
    given = check_notebook_types(**given)
    check_name(given["evaluation"])
    period, span = Period.parse(given["period"]), Period.parse(given["span"])
    period.require_within(span)
    return given
