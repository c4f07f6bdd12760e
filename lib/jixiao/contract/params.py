"""Run parameters: params.yaml, flags over it, and the checks made before any kernel starts."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import yaml

from jixiao.core.config import PROCESSED_DIR
from jixiao.contract.sheets import (
    CONTRACT_LAYOUT,
    FILES,
    RESPONDENTS,
    SHEETS,
    STAGE_ROLES,
    STAGES,
    TABLE_SUFFIXES,
    ColumnIndex,
    Layout,
    Source,
)
from jixiao.core.i18n import t
from jixiao.core.period import Period
from jixiao.core.problems import ParameterError
from jixiao.contract.rules import Rule, RuleError, parse_rule

PARAMS_KEYS = {
    "evaluation": "folder name of the evaluation under data/raw/ and the reports folder",
    "project": "the evaluated project's title, printed on every page",
    "raw_dir": "the folder of raw workbooks (relative to params.yaml's folder)",
    "span": "the evaluation's whole period, e.g. 2019-2021",
    "periods": "the periods to report: years and/or spans (default: each year of the span and the span)",
    "out_dir": "where reports go (relative to params.yaml's folder); each evaluation gets a subfolder",
    "jobs": "how many notebooks run at once (default: the machine's cores)",
    "files": "the department's own files: contract workbook (or sheet) -> a file name, {file, sheet, header_row} "
             "or a list of them (read as one table)",
    "columns": "the department's own headers, per contract workbook: the department's header -> a contract header",
    "milestone_stages": "the evaluation's milestone stages in order (default: 启动 … 终验, an IT project's seven)",
    "stage_roles": "which stage plays each role the report names: 启动, 初验, 终验 (default: first, last but one, last)",
    "sheets_absent": "sheets the evaluation lacks inside a present workbook, e.g. [好差评]: not required, shown as 不适用",
    "adjustments": "the evaluator's adjustments file (relative to the params file): rows excluded, cells corrected",
    "survey_respondents": "who answered the survey: {word: 群众, unit: 人, column: the department's header naming them}",
    "report": "the period report: template, final, reference_docx and the cover's 报告编号/委托单位/受委托单位/提交日期/评价基准日",
    "self_evaluation": "the annual 项目支出绩效自评表: layout (national, provincial), 分值, rule of budget execution, 主管部门 …",
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
            f"{what} 名称 {text!r} 不可用;只能用中文或英文字母、数字、'.'、'-' 或 '_'(不能有空格、斜杠或 '..',"
            "最多 100 个字符)",
            f"{what} name {text!r} is not allowed; expected letters of any script (Chinese too), digits, '.', '-' or '_' "
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
    self_evaluation: "SelfEvaluationSettings" = field(default_factory=lambda: SelfEvaluationSettings())
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
    layout = parse_respondents(data.get("survey_respondents"), layout, path)
    if data.get("adjustments") is not None:
        adjustments = inside(base, data["adjustments"], "adjustments")
        if not adjustments.is_file() or adjustments.suffix.lower() not in (".yaml", ".yml"):
            raise ParameterError(t(f"{path}:adjustments {data['adjustments']!r} 应为 {base} 中已有的 .yaml 文件",
                                   f"{path}: adjustments {data['adjustments']!r} must be an existing .yaml file in {base}"))
        layout = replace(layout, adjustments=str(adjustments))
    report = parse_report(data.get("report"), base, path)
    self_evaluation = parse_self_evaluation(data.get("self_evaluation"), path)
    if self_evaluation.weight != SelfEvaluationSettings().weight:  # the 年度指标 sheet's weights are checked with it
        weight = self_evaluation.weight
        layout = replace(layout, execution_weight=str(Decimal(weight.numerator) / weight.denominator))
    return RunParams(evaluation, project, raw_dir, span, parsed, out_dir, njobs, layout, report, self_evaluation,
                     parse_synthetic(data.get("synthetic", False), path))


def parse_synthetic(value: object, path: Path | str = "params.yaml") -> bool:
    """params' ``synthetic``: true or false (default false)."""
    if not isinstance(value, bool):
        raise ParameterError(t(f"{path}:synthetic 应为 true 或 false(数据是否为模拟的示例数据),而不是 {value!r}",
                               f"{path}: synthetic must be true or false (whether the rows are a synthetic example), "
                               f"not {value!r}"))
    return value


COVER_KEYS = ("报告编号", "委托单位", "受委托单位", "提交日期", "评价基准日")
REPORT_KEYS = ("template", "final", "reference_docx", "annual_template", "outline", *COVER_KEYS)
# the built-in template's outline when the params name no template: national (财预〔2020〕10号) or the seed's own
OUTLINES = ("national", "seed")
# a cover entry may be given per period ({2019: …, 2019-2021: …}); 报告编号 and 评价基准日 given as one value are the
# whole span's (a single year prints its own, or none)
_PERIOD_LABEL = re.compile(r"[0-9]{4}(?:-[0-9]{4})?")


@dataclass(frozen=True)
class ReportSettings:
    """params' ``report:`` block: the template and reference document (paths inside the params' folder), whether
    the report is final (no placeholder may remain) and the cover's data."""

    template: Path | None = None
    final: bool = False
    reference_docx: Path | None = None
    cover: dict = field(default_factory=dict)  # label -> text, or period label -> text
    annual_template: Path | None = None  # the single years' template (default: the built-in 年度绩效自评报告)
    outline: str = "national"  # the built-in template's outline (when ``template`` is None): national or seed


TEMPLATE_ENCODING = "utf-8-sig"  # UTF-8, with or without the BOM Windows editors put first


def _check_template_encoding(target: Path, named: object, path: Path | str) -> None:
    """The template reads as UTF-8 (a BOM is fine) or as GB18030/GBK (Chinese Windows Notepad's default; the run
    says so), or the run is refused here, before anything is written: a report half-rebuilt from it would help
    no one."""
    data = target.read_bytes()
    try:
        data.decode(TEMPLATE_ENCODING)
        return
    except UnicodeDecodeError as exc:
        offset = exc.start
    try:
        data.decode("gb18030")
        return
    except UnicodeDecodeError:
        pass
    raise ParameterError(t(f"{path}:report.template {named!r} 既不是 UTF-8 也不是 GB18030/GBK 编码(第 {offset} 字节起"
                           "无法解码);请用“另存为”选 UTF-8 编码后重新运行",
                           f"{path}: report.template {named!r} is neither UTF-8 nor GB18030/GBK (undecodable from "
                           f"byte {offset}); save it as UTF-8 and run again"))


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
    for key, suffix in (("template", ".md"), ("reference_docx", ".docx"), ("annual_template", ".md")):
        if block.get(key) is not None:
            target = inside(base, block[key], f"report.{key}")
            if not target.is_file() or target.suffix.lower() != suffix:
                raise ParameterError(t(f"{path}:report.{key} {block[key]!r} 应为 {base} 中已有的 {suffix} 文件",
                                       f"{path}: report.{key} {block[key]!r} must be an existing {suffix} file in {base}"))
            files[key] = target
    if "template" in files:
        _check_template_encoding(files["template"], block["template"], path)
    if "annual_template" in files:
        _check_template_encoding(files["annual_template"], block["annual_template"], path)
    final = block.get("final", False)
    if not isinstance(final, bool):
        raise ParameterError(t(f"{path}:report.final 应为 true 或 false", f"{path}: report.final must be true or false"))
    outline = block.get("outline", OUTLINES[0])
    if outline not in OUTLINES:
        raise ParameterError(t(f"{path}:report.outline 应为 {' 或 '.join(OUTLINES)}(内置模板的大纲),而不是 {outline!r}",
                               f"{path}: report.outline must be {' or '.join(OUTLINES)} (the built-in template's "
                               f"outline), not {outline!r}"))
    cover = {}
    for k in COVER_KEYS:
        value = block.get(k)
        if isinstance(value, dict):
            by_period = {str(p): str(v) for p, v in value.items() if v not in (None, "")}
            bad = next((p for p in by_period if not _PERIOD_LABEL.fullmatch(p)), None)
            if bad is not None:
                raise ParameterError(t(f"{path}:report.{k} 的键 {bad!r} 应为年度或评价期,例如 {{2019: …, 2019-2021: …}}",
                                       f"{path}: report.{k}: the key {bad!r} must be a year or the span, such as "
                                       "{2019: …, 2019-2021: …}"))
            if by_period:
                cover[k] = by_period
        elif value not in (None, ""):
            cover[k] = str(value)
    for key, given in cover.items():  # printed on the cover as typed: a control character would reach the page raw
        for text in (given.values() if isinstance(given, dict) else [given]):
            control = next((c for c in text if unicodedata.category(c) == "Cc"), None)
            if control is not None:
                raise ParameterError(t(f"{path}:report.{key} 含有控制字符 {control!r}(U+{ord(control):04X});应为一行文字",
                                       f"{path}: report.{key} holds the control character {control!r} "
                                       f"(U+{ord(control):04X}); expected one line of text"))
    return ReportSettings(files.get("template"), final, files.get("reference_docx"), cover,
                          files.get("annual_template"), outline)


def parse_layout(files: object, columns: object, path: Path | str = "params.yaml") -> Layout:
    """params' ``files`` and ``columns``, checked against the contract; a ParameterError names the bad entry.

    A ``files`` entry maps a contract workbook (or one of its sheets: 问卷, 选项, 好差评 …) to the department's
    file name, to ``{file, sheet, header_row}``, or to a list of them read as one table (their rows' union).
    Several contract tables may be read from one file, each from its own sheet."""
    files = files or {}
    columns = columns or {}
    if not isinstance(files, dict):
        raise ParameterError(t(f"{path}:'files' 应为映射:合同工作簿: 部门的文件名",
                               f"{path}: 'files' must be a mapping: contract workbook: the department's file name"))
    if not isinstance(columns, dict):
        raise ParameterError(t(f"{path}:'columns' 应为映射:合同工作簿: {{部门的表头: 合同的表头}}",
                               f"{path}: 'columns' must be a mapping: contract workbook: {{the department's header: "
                               "a contract header}"))
    by_sheet = {s.sheet: s for s in SHEETS} | {s.key: s for s in SHEETS}
    for key in columns:
        if key not in FILES:
            raise ParameterError(t(f"{path}:{key!r} 不是合同的工作簿;应为 {'、'.join(FILES)} 之一",
                                   f"{path}: {key!r} is not a contract workbook; expected one of {', '.join(FILES)}"))
    for key in files:
        if key not in FILES and key not in by_sheet:
            raise ParameterError(t(f"{path}:{key!r} 不是合同的工作簿;应为 {'、'.join(FILES)} 之一"
                                   f"(或其中的工作表 {'、'.join(s.sheet for s in SHEETS)})",
                                   f"{path}: {key!r} is not a contract workbook; expected one of {', '.join(FILES)} "
                                   f"(or one of their sheets {', '.join(s.sheet for s in SHEETS)})"))
    plain: dict[str, str] = {}
    sources: dict[str, tuple[Source, ...]] = {}
    for key, value in files.items():
        specs = [s for s in SHEETS if s.file == key] if key in FILES else [by_sheet[key]]
        if isinstance(value, str) or value is None or isinstance(value, (int, float)):
            name = _source_name(path, key, value)
            if key in FILES:
                plain[key] = name
            else:
                sources[specs[0].key] = (Source(name),)
            continue
        entries = value if isinstance(value, list) else [value]
        if not entries:
            raise ParameterError(t(f"{path}:files 中 {key} 的文件列表为空;应至少有一个文件",
                                   f"{path}: the list of files for {key} is empty; expected at least one file"))
        parsed = tuple(_source(path, key, entry) for entry in entries)
        if len(specs) > 1:
            if any(s.sheet is not None or s.header_row is not None for s in parsed) or len(parsed) > 1:
                names = "、".join(s.sheet for s in specs)
                raise ParameterError(t(
                    f"{path}:{key} 有多个工作表({names}),不能只写一个 sheet;请按工作表分别声明,例如 "
                    f"{specs[0].sheet}: {{file: 文件.xlsx, sheet: 部门的工作表}}",
                    f"{path}: {key} has several sheets ({names}), so one sheet cannot be given for it; declare each "
                    f"sheet apart, e.g. {specs[0].sheet}: {{file: file.xlsx, sheet: the department's sheet}}"))
            plain[key] = parsed[0].file
            continue
        sources[specs[0].key] = parsed
    layout = Layout(files=plain, sources=sources)
    _check_shared_sheets(layout, path)
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
    return replace(layout, columns=checked)


SOURCE_KEYS = ("file", "sheet", "header_row")


def _source_name(path: Path | str, key: str, value: object) -> str:
    """A department's file name given for ``key``: a file of the raw folder (no path) in a format read."""
    text = str(value) if value is not None else ""
    _check_text(path, f"files.{key}", text, MAX_NAME)
    if (not text.lower().endswith(TABLE_SUFFIXES) or "/" in text or "\\" in text or text.startswith(".")
            or len(text) > 200):
        formats = "、".join(TABLE_SUFFIXES)
        raise ParameterError(t(f"{path}:files 中 {key} 的文件名 {text!r} 不可用;应为原始数据文件夹中的文件名(不含路径),"
                               f"格式为 {formats} 之一",
                               f"{path}: the file name {text!r} given for {key} is not allowed; expected the name of "
                               f"a file in the raw folder (no path), one of {', '.join(TABLE_SUFFIXES)}"))
    return text


def _source(path: Path | str, key: str, entry: object) -> Source:
    """One ``{file, sheet, header_row}`` (or a bare file name) of ``files``' entry ``key``, checked."""
    if not isinstance(entry, dict):
        return Source(_source_name(path, key, entry))
    unknown = sorted(str(k) for k in set(entry) - set(SOURCE_KEYS))
    if unknown or "file" not in entry:
        raise ParameterError(t(f"{path}:files 中 {key} 的 {entry!r} 应为 {{file: 文件名, sheet: 工作表, header_row: 表头所在行}}"
                               "(sheet、header_row 可省略)",
                               f"{path}: {entry!r} given for {key} in files must be {{file: name, sheet: sheet, "
                               "header_row: the header's row}} (sheet and header_row optional)"))
    name = _source_name(path, key, entry["file"])
    sheet = entry.get("sheet")
    if sheet is not None:
        sheet = str(sheet).strip()
        _check_text(path, f"files.{key}.sheet", sheet, MAX_NAME)
        if not sheet:
            raise ParameterError(t(f"{path}:files 中 {key} 的 sheet 为空;应为工作表名称",
                                   f"{path}: the sheet given for {key} in files is blank; expected a sheet's name"))
        if name.lower().endswith(".csv"):
            raise ParameterError(t(f"{path}:files 中 {key} 的 {name} 是 CSV 文件,没有工作表;请删去 sheet: {sheet}",
                                   f"{path}: {name} given for {key} in files is a CSV file, which has no sheets; "
                                   f"remove sheet: {sheet}"))
    header_row = entry.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool)
                                   or not 1 <= header_row <= 1000):
        raise ParameterError(t(f"{path}:files 中 {key} 的 header_row {header_row!r} 应为表头所在的行号(1 到 1000)",
                               f"{path}: header_row {header_row!r} given for {key} in files must be the header's "
                               "row number (1 to 1000)"))
    return Source(name, sheet, header_row)


def _check_shared_sheets(layout: Layout, path: Path | str) -> None:
    """Two contract tables may share a file, never a sheet: each would read the other's rows."""
    seen: dict[tuple[str, str], str] = {}
    for spec in SHEETS:
        sources = layout.sources_of(spec)
        for source in sources:
            csv = source.file.lower().endswith(".csv")
            sheet = "" if csv else source.sheet or spec.sheet
            where = (source.file, sheet)
            if where in seen:
                shown = source.file + ("" if csv else f" 的工作表 {sheet}")
                shown_en = source.file + ("" if csv else f", sheet {sheet}")
                raise ParameterError(t(f"{path}:{seen[where]} 和 {spec.sheet} 都指向 {shown};"
                                       "每张表应在自己的文件或工作表中(用 sheet: 指明工作表)",
                                       f"{path}: {seen[where]} and {spec.sheet} both name {shown_en}; each table "
                                       "must be in a file or sheet of its own (name the sheet with sheet:)"))
            seen[where] = spec.sheet


def parse_respondents(block: object, layout: Layout, path: Path | str = "params.yaml") -> Layout:
    """params' ``survey_respondents`` (``{word: 群众, unit: 人, column: 受访者}``) into the layout: the words, and
    the department's column naming the respondents as an alias of 单位名称."""
    if block is None:
        return layout
    if not isinstance(block, dict) or set(block) - {"word", "unit", "column"}:
        raise ParameterError(t(f"{path}:'survey_respondents' 应为映射 {{word: 群众, unit: 人, column: 部门的列名}}"
                               "(各项均可省略)",
                               f"{path}: 'survey_respondents' must be a mapping {{word: 群众, unit: 人, column: "
                               "the department's header}} (each optional)"))
    words = []
    for key, default in zip(("word", "unit"), RESPONDENTS):
        value = block.get(key, default)
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if not text or len(text) > 20 or any(not c.isprintable() or c.isspace() for c in text):
            raise ParameterError(t(f"{path}:survey_respondents.{key} {value!r} 不可用;应为简短的词(如 群众、人)",
                                   f"{path}: survey_respondents.{key} {value!r} is not allowed; expected a short "
                                   "word (such as 群众 or 人)"))
        words.append(text)
    columns = {k: dict(v) for k, v in layout.columns.items()}
    if block.get("column") is not None:
        column = str(block["column"]).strip()
        _check_text(path, "survey_respondents.column", column, MAX_NAME)
        if not column:
            raise ParameterError(t(f"{path}:survey_respondents.column 为空;应为部门问卷中列出受访者的表头",
                                   f"{path}: survey_respondents.column is blank; expected the header of the "
                                   "department's survey naming the respondents"))
        columns.setdefault("survey.xlsx", {})[column] = "单位名称"
    return replace(layout, respondents=(words[0], words[1]), columns=columns)


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


# --- self_evaluation: the annual 项目支出绩效自评表 -------------------------------------------------

SELF_EVALUATION_KEYS = ("layout", "分值", "rule", "主管部门", "实施单位", "年度总体目标", "执行率说明")
SELF_EVALUATION_GOAL_KEYS = ("预期目标", "实际完成情况")
RULE_KEYS = ("计分方法", "目标值", "计分参数")


@dataclass(frozen=True)
class SelfEvaluationSettings:
    """params' ``self_evaluation:`` block. ``weight``: the 分值 of budget execution (default 10); ``rule``: how its
    execution rate becomes a score (``contract.rules``: default 比例 to 100%, i.e. 执行率 × 分值 capped at 分值);
    ``goals``: year -> {预期目标, 实际完成情况}; ``explanations``: year -> why execution fell short."""

    layout: str = "national"
    weight: Fraction = Fraction(10)
    rule: Rule = Rule("比例")
    department: str | None = None
    implementer: str | None = None
    goals: dict = field(default_factory=dict)
    explanations: dict = field(default_factory=dict)


def _text_by_year(value: object, where: str, path) -> dict[int, object]:
    if not isinstance(value, dict) or not all(re.fullmatch(r"[0-9]{4}", str(k)) for k in value):
        raise ParameterError(t(f"{path}:self_evaluation.{where} 应为按年度的映射,例如 {{2020: …}}",
                               f"{path}: self_evaluation.{where} must be a mapping by year, such as {{2020: …}}"))
    return {int(k): v for k, v in value.items()}


def parse_self_evaluation(block: object, path: Path | str = "params.yaml") -> SelfEvaluationSettings:
    """params' ``self_evaluation:`` block, checked; a ParameterError names the bad entry."""
    from jixiao.contract.selfeval_layouts import LAYOUTS

    if block is None:
        return SelfEvaluationSettings()
    if not isinstance(block, dict):
        raise ParameterError(t(f"{path}:'self_evaluation' 应为映射,例如 {{layout: national, 分值: 10}}",
                               f"{path}: 'self_evaluation' must be a mapping such as {{layout: national, 分值: 10}}"))
    unknown = sorted(str(k) for k in set(block) - set(SELF_EVALUATION_KEYS))
    if unknown:
        raise ParameterError(t(f"{path}:self_evaluation 中未知的项 {'、'.join(unknown)};可用的项:{'、'.join(SELF_EVALUATION_KEYS)}",
                               f"{path}: unknown self_evaluation entries {', '.join(unknown)}; "
                               f"known: {', '.join(SELF_EVALUATION_KEYS)}"))
    layout = str(block.get("layout", "national"))
    if layout not in LAYOUTS:
        raise ParameterError(t(f"{path}:self_evaluation.layout {layout!r} 未声明;应为 {'、'.join(LAYOUTS)} 之一",
                               f"{path}: self_evaluation.layout {layout!r} is not declared; expected one of "
                               f"{', '.join(LAYOUTS)}"))
    weight = block.get("分值", 10)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 100:
        raise ParameterError(t(f"{path}:self_evaluation.分值 {weight!r} 应为 0 到 100 之间的数",
                               f"{path}: self_evaluation.分值 {weight!r} must be a number between 0 and 100"))
    rule_block = block.get("rule") or {}
    if not isinstance(rule_block, dict) or set(rule_block) - set(RULE_KEYS):
        raise ParameterError(t(f"{path}:self_evaluation.rule 应为映射,其中的项为 {'、'.join(RULE_KEYS)}",
                               f"{path}: self_evaluation.rule must be a mapping of {', '.join(RULE_KEYS)}"))
    try:
        rule = parse_rule(rule_block.get("计分方法", "比例"), rule_block.get("目标值"), rule_block.get("计分参数"))
    except RuleError as exc:
        raise ParameterError(t(f"{path}:self_evaluation.rule:{exc.message[0]}",
                               f"{path}: self_evaluation.rule: {exc.message[1]}")) from None
    goals = _text_by_year(block.get("年度总体目标") or {}, "年度总体目标", path)
    for year, goal in goals.items():
        if not isinstance(goal, dict) or set(goal) - set(SELF_EVALUATION_GOAL_KEYS):
            raise ParameterError(t(f"{path}:self_evaluation.年度总体目标.{year} 应为映射,其中的项为 预期目标、实际完成情况",
                                   f"{path}: self_evaluation.年度总体目标.{year} must be a mapping of 预期目标, 实际完成情况"))
    texts = {k: block.get(k) for k in ("主管部门", "实施单位")}
    for key, value in texts.items():
        if value is not None:
            _check_text(path, f"self_evaluation.{key}", str(value), MAX_TITLE)
    return SelfEvaluationSettings(
        layout, Fraction(Decimal(str(weight))), rule,
        None if texts["主管部门"] is None else str(texts["主管部门"]),
        None if texts["实施单位"] is None else str(texts["实施单位"]),
        {y: {k: str(v) for k, v in g.items() if v is not None} for y, g in goals.items()},
        {y: str(v) for y, v in _text_by_year(block.get("执行率说明") or {}, "执行率说明", path).items() if v is not None})
