"""The input contract: which workbook holds which sheet, with which columns of which kind.

Each sheet is declared once here (kedro's data catalog in miniature); the loaders,
the validator, the template writer and the docs all read these declarations.

Kinds of column and what a loaded frame holds for them:

========  ==============================================================
id        text, trimmed; required
text      text, trimmed; blank allowed unless ``required``
money     integer fen (1 万元 = 1,000,000 fen) so sums are exact; >= 0; typed in 万元, or in 元
          when the header says so ("支付金额(元)")
score     integer ten-thousandths of a point (1 point = 10,000); >= 0
year      integer year
date      ``datetime.date`` (NaT-free: blank is ``None`` where allowed)
month     text ``YYYY-MM``
flag      integer 0 or 1
count     integer >= 0
order     integer
========  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.core.i18n import t

# the units live in core.units; re-exported here because the contract's kinds (money, score) are stated in them
from jixiao.core.units import FEN_PER_WAN, FEN_PER_YUAN, SCORE_SCALE, YUAN_PER_WAN  # noqa: F401

# a money column's unit comes from its header: "支付金额(万元)" or "支付金额" in 万元, "支付金额(元)" in 元
MONEY_UNITS = ("万元", "元")

# the default milestone stages (an IT project's), in order; a params file declares its own (``milestone_stages``)
STAGES: tuple[str, ...] = ("启动", "可研报告编制", "初步设计编制", "正式立项", "集成实施入场", "初验", "终验")
# the roles the genre names, which a params file maps to its own stages (``stage_roles``); by default the first
# stage starts a subproject, the last but one is its initial acceptance and the last its final acceptance
STAGE_ROLES: tuple[str, ...] = ("启动", "初验", "终验")

KINDS = ("id", "text", "money", "score", "year", "date", "month", "flag", "count", "order")


@dataclass(frozen=True)
class Column:
    name: str  # canonical English name, also accepted as a header
    header: str  # the Chinese header analysts type
    kind: str
    required: bool = True  # a blank cell is an error
    example: object = None  # the template's sample value
    may_be_absent: bool = False  # the whole column may be left out (descriptive or optional-feature columns)
    help: str = ""  # what the column means, for the template's header comment

    def example_in(self, first_year: int | None = None):
        """The sample value, its year moved to ``first_year`` (a template for 2022-2023 shows 2022-06-30,
        not the contract's 2021-06-30); unchanged without a year or for a column that holds none."""
        if first_year is None or self.example is None or self.kind not in ("date", "year", "month"):
            return self.example
        if self.kind == "year":
            return first_year
        return f"{first_year}{str(self.example)[4:]}"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(t(f"未知的列类型 {self.kind!r};应为 {'、'.join(KINDS)} 之一",
                               f"unknown column kind {self.kind!r}; expected one of {', '.join(KINDS)}"))


@dataclass(frozen=True)
class SheetSpec:
    key: str  # name of the table in an evaluation's Tables
    file: str
    sheet: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()  # columns whose combination is unique
    extra_columns: str | None = None  # kind of the free columns (survey questions), if any
    section: str = ""  # the report section that needs it
    optional: bool = False  # its workbook may be left out without a note; the blank templates give it headers only

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SUBPROJECTS = SheetSpec(
    key="subprojects",
    file="subprojects.xlsx",
    sheet="子项目",
    section="资金使用与进度",
    unique=("subproject_id",),
    columns=(
        Column("subproject_id", "子项目编号", "id", example="XM-001"),
        Column("name", "子项目名称", "text", example="一体化政务服务平台升级改造"),
        Column("domain", "领域", "text", example="基础平台"),
        Column("unit", "业务单位", "text", required=False, example="市政务服务数据管理局", may_be_absent=True),
        Column("approved_amount", "立项批复金额(万元)", "money", required=False, example=1200.5),
        # optional: with it, a period counts only the subprojects approved by its end
        Column("approval_date", "批复日期", "date", required=False, example="2020-05-20", may_be_absent=True,
               help="可选列。立项批复金额获批的日期：填写后，各报告期间只计期末前已批复的子项目；"
                    "整列不填，则各期按评价时已知的批复情况计。"),
    ),
)

BUDGET = SheetSpec(
    key="budget",
    file="budget.xlsx",
    sheet="预算",
    section="资金使用",
    unique=("subproject_id", "year"),
    columns=(
        Column("subproject_id", "子项目编号", "id", example="XM-001"),
        Column("year", "年度", "year", example=2021),
        Column("initial_budget", "年初预算(万元)", "money", example=1000),
        Column("adjusted_budget", "调整后预算(万元)", "money", example=800),
    ),
)

SPENDING = SheetSpec(
    key="spending",
    file="spending.xlsx",
    sheet="支出",
    section="资金使用",
    columns=(
        Column("subproject_id", "子项目编号", "id", example="XM-001"),
        Column("date", "支付日期", "date", example="2021-06-30"),
        Column("amount", "支付金额(万元)", "money", example=360.15),
        Column("memo", "摘要", "text", required=False, example="合同首付款", may_be_absent=True),
    ),
)

MILESTONES = SheetSpec(
    key="milestones",
    file="milestones.xlsx",
    sheet="进度",
    section="进度",
    unique=("subproject_id", "stage"),
    columns=(
        Column("subproject_id", "子项目编号", "id", example="XM-001"),
        Column("stage", "阶段", "text", example="启动"),
        Column("planned_date", "计划完成日期", "date", example="2021-03-31"),
        Column("actual_date", "实际完成日期", "date", required=False, example="2021-04-15"),
    ),
)

SURVEY_ANSWERS = SheetSpec(
    key="survey_answers",
    file="survey.xlsx",
    sheet="问卷",
    section="满意度",
    unique=("respondent",),
    extra_columns="text",
    columns=(Column("respondent", "单位名称", "id", example="市教育局"),),
)

SURVEY_OPTIONS = SheetSpec(
    key="survey_options",
    file="survey.xlsx",
    sheet="选项",
    section="满意度",
    unique=("question", "option"),
    columns=(
        Column("question", "题目", "text", example="您对项目的整体满意程度?"),
        Column("option", "选项", "text", example="十分满意"),
        Column("order", "顺序", "order", example=1),
        Column("positive", "是否满意", "flag", example=1),
    ),
)

PUBLIC_REVIEWS = SheetSpec(
    key="public_reviews",
    file="survey.xlsx",
    sheet="好差评",
    section="满意度",
    unique=("month",),
    columns=(
        Column("month", "月份", "month", example="2021-01"),
        Column("star_1", "1星", "count", example=3),
        Column("star_2", "2星", "count", example=2),
        Column("star_3", "3星", "count", example=10),
        Column("star_4", "4星", "count", example=25),
        Column("star_5", "5星", "count", example=12000),
    ),
)

# the score sheet's reasons, each optional (a department's own header maps onto them through ``columns:``): what the
# indicator means, how it is scored, and why points were lost; 附件 评分表 and the indicator analysis print them
SCORING_REASONS = (
    Column("explanation", "指标解释", "text", required=False, may_be_absent=True,
           help="what the indicator measures"),
    Column("standard", "评分标准", "text", required=False, may_be_absent=True,
           help="how the indicator is scored"),
    Column("deduction_reason", "扣分理由", "text", required=False, may_be_absent=True,
           help="why points were lost (a lost point without one is 【待撰写】 in the report)"),
)

SCORING = SheetSpec(
    key="scoring",
    file="scoring.xlsx",
    sheet="指标",
    section="评分",
    unique=("level1", "level2", "level3"),
    columns=(
        Column("level1", "一级指标", "text", example="决策"),
        Column("level2", "二级指标", "text", example="项目立项"),
        Column("level3", "三级指标", "text", example="立项依据充分性"),
        Column("weight", "分值", "score", example=5),
        Column("score", "得分", "score", example=4.5),
        Column("note", "评分说明", "text", required=False, example="依据充分,个别子项目论证不足",
               may_be_absent=True),
        # optional link of an indicator to a figure computed from the data (see jixiao.contract.rules)
        Column("calculation_basis", "计分依据", "text", required=False, may_be_absent=True),
        Column("method", "计分方法", "text", required=False, may_be_absent=True),
        Column("target", "目标值", "text", required=False, may_be_absent=True),
        Column("rule_params", "计分参数", "text", required=False, may_be_absent=True),
        *SCORING_REASONS,
    ),
)

# optional: the year's own targets of the 项目支出绩效自评表 (jixiao.contract.targets reads 指标性质 and the values)
ANNUAL_TARGETS = SheetSpec(
    key="annual_targets",
    file="annual_targets.xlsx",
    sheet="年度指标",
    section="绩效自评",
    unique=("year", "level3"),
    optional=True,
    columns=(
        Column("year", "年度", "year", example=2021),
        Column("level3", "三级指标", "text", example="立项依据充分性",
               help="评分表 scoring.xlsx 指标 工作表中的三级指标。"),
        Column("nature", "指标性质", "text", example="≥", help="≥、≤ 或 =。"),
        Column("target", "年度指标值", "text", example="95%",
               help="数值、百分数(如 95%)或文字(定性指标,指标性质为 =)。"),
        Column("unit", "度量单位", "text", required=False, example="%", may_be_absent=True),
        Column("weight", "分值", "score", example=10),
        Column("actual", "实际完成值", "text", required=False, may_be_absent=True,
               help="可选。由数据计算的指标(评分表的计分依据)不必填写。"),
        Column("score", "得分", "score", required=False, may_be_absent=True,
               help="可选。未由数据计算的指标的得分。"),
        Column("reason", "偏差原因", "text", required=False, may_be_absent=True,
               help="未完成年度指标值时必填(偏差原因分析及改进措施)。"),
    ),
)

# the template's sample survey: the one question of sheet 问卷 and its options in sheet 选项 (option, counts as satisfied)
SAMPLE_QUESTION = "您对项目的整体满意程度?"
SAMPLE_OPTIONS = (("十分满意", 1), ("较为满意", 1), ("一般", 0), ("不满意", 0))

SHEETS: tuple[SheetSpec, ...] = (
    SUBPROJECTS,
    BUDGET,
    SPENDING,
    MILESTONES,
    SURVEY_ANSWERS,
    SURVEY_OPTIONS,
    PUBLIC_REVIEWS,
    SCORING,
    ANNUAL_TARGETS,
)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
FILES: tuple[str, ...] = tuple(dict.fromkeys(s.file for s in SHEETS))
PUBLISHED_FILE = "published.yaml"


# the formats a department's table may come in: workbooks through calamine, text tables as CSV
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
TABLE_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv")
# who answered the survey and the word counting them, by default (an IT project surveys the units using it)
RESPONDENTS = ("单位", "个")


@dataclass(frozen=True)
class Source:
    """Where (part of) a contract table is in the department's files: a file of the raw folder, the sheet
    (None: the contract's sheet name, or the only sheet of a file read for one table; a CSV has none) and the
    header's row as the department sees it (None: found among the first rows)."""

    file: str
    sheet: str | None = None
    header_row: int | None = None

    def as_list(self) -> list:
        return [self.file, self.sheet, self.header_row]


@dataclass(frozen=True)
class Layout:
    """A department's own layout of the contract's workbooks, declared in the params file.

    ``files``: contract workbook -> the department's file name.
    ``columns``: contract workbook -> {the department's header: a contract header}; a money
    header may carry the unit the department typed (``支付金额(元)``).
    """

    files: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    stages: tuple[str, ...] = STAGES  # the evaluation's milestone stages, in order (params' milestone_stages)
    stage_roles: dict[str, str] = field(default_factory=dict)  # role (STAGE_ROLES) -> stage; blank: the default
    sheets_absent: tuple[str, ...] = ()  # sheets (keys) the evaluation lacks inside a present workbook
    # params' self_evaluation.分值 as text ("20"; None: the default 10): the 年度指标 weights of a year make 100 with it
    execution_weight: str | None = None
    # table key -> where it is, when the params file names a sheet, a header row or several files (``files``)
    sources: dict[str, tuple[Source, ...]] = field(default_factory=dict)
    adjustments: str | None = None  # the evaluator's adjustments file (absolute path), when the params file names one
    respondents: tuple[str, str] = RESPONDENTS  # the survey's respondents: their word and its counting unit

    def file(self, contract_file: str) -> str:
        """The department's file holding the contract workbook ``contract_file`` (the first, when several)."""
        if contract_file in self.files:
            return self.files[contract_file]
        for spec in SHEETS:
            if spec.file == contract_file and spec.key in self.sources:
                return self.sources[spec.key][0].file
        return contract_file

    def sources_of(self, spec: "SheetSpec") -> tuple[Source, ...]:
        """Where the table ``spec`` is read from: the declared sources, else the contract's sheet in its file."""
        return self.sources.get(spec.key) or (Source(self.files.get(spec.file, spec.file)),)

    def department_files(self) -> list[str]:
        """Every file of the raw folder a contract table is read from, in the contract's order, once each."""
        return list(dict.fromkeys(s.file for spec in SHEETS for s in self.sources_of(spec)))

    def tables_in(self, own: str) -> list[str]:
        """The contract tables (keys) read from the department's file ``own``."""
        return [spec.key for spec in SHEETS if any(s.file == own for s in self.sources_of(spec))]

    def aliases(self, contract_file: str) -> dict[str, str]:
        return self.columns.get(contract_file, {})

    def roles(self) -> dict[str, str]:
        """Every role of STAGE_ROLES -> the stage playing it: the declared ones, else the first stage starts,
        the last but one is the initial acceptance and the last the final one."""
        return default_roles(self.stages) | dict(self.stage_roles)

    def absent(self, key: str) -> bool:
        """True when the sheet ``key`` is declared absent (its workbook may be present)."""
        return key in self.sheets_absent

    def as_dict(self) -> dict:
        """Everything that changes what is read or computed (run keys and the processed cache include it)."""
        out: dict = {"files": dict(self.files), "columns": {k: dict(v) for k, v in self.columns.items()}}
        if self.stages != STAGES or self.stage_roles:  # the default layout keeps its earlier form (and keys)
            out["milestone_stages"] = list(self.stages)
            out["stage_roles"] = self.roles()
        if self.sheets_absent:
            out["sheets_absent"] = list(self.sheets_absent)
        if self.execution_weight is not None:
            out["self_evaluation_weight"] = self.execution_weight
        if self.sources:
            out["sources"] = {k: [s.as_list() for s in v] for k, v in self.sources.items()}
        if self.adjustments:
            out["adjustments"] = self.adjustments
        if self.respondents != RESPONDENTS:
            out["survey_respondents"] = list(self.respondents)
        return out

    @classmethod
    def from_dict(cls, data: dict | None) -> "Layout":
        """The layout ``as_dict`` recorded."""
        data = data or {}
        return cls(files=dict(data.get("files") or {}), columns={k: dict(v) for k, v in (data.get("columns") or {}).items()},
                   stages=tuple(data.get("milestone_stages") or STAGES), stage_roles=dict(data.get("stage_roles") or {}),
                   sheets_absent=tuple(data.get("sheets_absent") or ()),
                   execution_weight=data.get("self_evaluation_weight"),
                   sources={k: tuple(Source(*s) for s in v) for k, v in (data.get("sources") or {}).items()},
                   adjustments=data.get("adjustments"),
                   respondents=tuple(data.get("survey_respondents") or RESPONDENTS))


def default_roles(stages: tuple[str, ...] | list[str]) -> dict[str, str]:
    """启动: the first stage, 初验: the last but one (the last when there is one stage), 终验: the last."""
    stages = tuple(stages)
    return {"启动": stages[0], "初验": stages[-2] if len(stages) > 1 else stages[-1], "终验": stages[-1]}


CONTRACT_LAYOUT = Layout()


def split_unit(header: str) -> tuple[str, str | None]:
    """"支付金额(万元)" -> ("支付金额", "万元"); a header without a trailing (…) has no unit."""
    text = str(header).replace("（", "(").replace("）", ")").strip()
    if text.endswith(")") and "(" in text:
        at = text.rindex("(")
        if at > 0:
            return text[:at].strip(), text[at + 1:-1].strip()
    return text, None


@dataclass
class ColumnIndex:
    """Header text -> canonical name (and the unit its amounts are typed in) for one sheet,
    tolerant of spacing and full-width brackets; ``aliases`` are a department's own headers."""

    spec: SheetSpec
    aliases: dict[str, str] = field(default_factory=dict)  # department header -> contract header
    by_key: dict[str, tuple[str, str | None]] = field(init=False)
    by_base: dict[str, Column] = field(init=False)

    def __post_init__(self) -> None:
        self.by_key = {}
        self.by_base = {}
        for c in self.spec.columns:
            base, unit = split_unit(c.header)
            self.by_key[header_key(c.header)] = (c.name, unit)
            self.by_key[header_key(c.name)] = (c.name, unit)
            if c.kind == "money":
                self.by_base[header_key(base)] = c
                for other in MONEY_UNITS:
                    self.by_key[header_key(f"{base}({other})")] = (c.name, other)
                self.by_key.setdefault(header_key(base), (c.name, unit))
        self._aliases = {header_key(k): v for k, v in self.aliases.items()}

    def match(self, header: str) -> tuple[str, str | None] | None:
        """(canonical name, unit) of a header, or None."""
        target = self._aliases.get(header_key(header), header)
        return self.by_key.get(header_key(target))

    def canonical(self, header: str) -> str | None:
        found = self.match(header)
        return found[0] if found else None

    def wrong_unit(self, header: str) -> Column | None:
        """The money column a header names with a unit it cannot be read in ("支付金额(千元)")."""
        target = self._aliases.get(header_key(header), header)
        base, unit = split_unit(target)
        column = self.by_base.get(header_key(base))
        return column if column is not None and unit is not None and unit not in MONEY_UNITS else None


def header_key(text: str) -> str:
    """Compare headers the way a person reads them: spaces, width and case do not matter."""
    plain = str(text).replace("（", "(").replace("）", ")").replace("\u3000", " ")
    return "".join(plain.split()).casefold()
