"""The Python API for exploring one evaluation: ``import jixiao as jx; ev = jx.open("dongguan-2019-2021")``.

``jx.open`` reads and checks the evaluation's workbooks once (reusing the processed cache the batch
keeps) and gives an ``Evaluation``:

- ``ev.tables``: the validated tables as the library computes with them (``ev.tables.spending`` ...):
  canonical English columns plus ``excel_row``, money in integer fen, scores in ten-thousandths of a point;
- ``ev.sheet("spending")`` or ``ev.sheet("支出")``: a copy with the contract's Chinese headers
  (``支付金额(万元)``), money in 万元 and scores in points;
- ``ev.problems``: every validation problem, printed in Chinese;
- ``ev.normalised``: the cells read otherwise than typed (text dates, trimmed ids, numbers stored as text):
  ``.counts`` per kind and the ``.first`` cells of each, as ``jixiao validate --details`` lists them;
- ``ev.period("2020")``: that period's results, computed once: ``.metrics`` (metrics.json), and one
  attribute per report section (``.expenditure``) holding its frames and figures, which the section's
  display blocks take (``sections.expenditure.by_domain(ev.period("2020").expenditure)``).

Section notebooks reach the same code through ``jx.open_section`` (jixiao.notebook).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa

from jixiao.core.config import PARAMS_FILE, PROJECT_ROOT, RAW_DIR
from jixiao.contract.sheets import SHEETS, SHEETS_BY_KEY, Layout
from jixiao.core.units import points_decimal, wan_decimal
from jixiao.core.i18n import t
from jixiao.contract.params import RunParams, check_name, load_params, load_yaml
from jixiao.core.period import Period
from jixiao.core.problems import ERROR, NOTE, WARNING, InputError, ParameterError, Problem
from jixiao.present.format import fmt_count, fmt_pct, fmt_points, fmt_wan
from jixiao.sections import SECTIONS, SectionView, compute_period, get_section
from jixiao.contract.tables import Tables

__all__ = ["Evaluation", "PeriodReport", "Problems", "chinese_sheet", "compare", "load"]  # and open, left out of * (a builtin)

EXCEL_ROW_HEADER = "Excel 行号"
SHEET_BY_NAME = {s.sheet: s for s in SHEETS}


class Problems(list):
    """The validation problems (``jixiao.core.problems.Problem``) in file, sheet, row order; prints one per line."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if p.severity == WARNING]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self if p.severity == NOTE]

    def frame(self) -> pd.DataFrame:
        """Columns 级别, 文件, 工作表, 行, 列, 值, 说明: one row per problem."""
        return pd.DataFrame(
            [(p.severity, p.file, p.sheet, p.row, p.column, p.value, p.text) for p in self],
            columns=["级别", "文件", "工作表", "行", "列", "值", "说明"], dtype=object)

    def __str__(self) -> str:
        if not self:
            return t("没有问题", "no problems")
        return "\n".join(str(p) for p in self)

    __repr__ = __str__


MONEY_TYPE = pa.decimal128(18, 6)  # 万元 to the fen (1 fen = 0.000001 万元); (18, 6) still divides in Arrow
SCORE_TYPE = pa.decimal128(18, 4)  # points to the ten-thousandth, as scores are kept


def as_datetimes(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` with the table's date columns as datetime64 (NaT for a blank), so ``.dt`` works."""
    out = frame.copy()
    for column in SHEETS_BY_KEY[key].columns:
        if column.kind == "date" and column.name in out:
            out[column.name] = pd.to_datetime(pd.Series(list(out[column.name]), index=out.index, dtype=object))
    return out


def chinese_sheet(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """A copy of the table ``key`` as the contract's sheet reads: Chinese headers (``支付金额(万元)``), money in
    万元 and scores in points as exact decimals (pyarrow decimal128: a column's sum is exactly the sum of the
    cells), dates as datetime64, ``excel_row`` as ``Excel 行号``; survey questions keep their text."""
    spec = SHEETS_BY_KEY[key]
    out = as_datetimes(frame, key)
    for column in spec.columns:
        if column.name not in out:
            continue
        if column.kind in ("money", "score"):
            shown = wan_decimal if column.kind == "money" else points_decimal
            kind = MONEY_TYPE if column.kind == "money" else SCORE_TYPE
            out[column.name] = pd.array([shown(v) for v in out[column.name]], dtype=pd.ArrowDtype(kind))
    out = out.rename(columns={"excel_row": EXCEL_ROW_HEADER, **{c.name: c.header for c in spec.columns}})
    out.attrs = {}
    return out


class PeriodReport:
    """One period's results, computed once: ``metrics`` (the period's metrics.json), ``frames`` (section key ->
    frame name -> DataFrame) and one attribute per report section (``.overview``, ``.expenditure``,
    ``.milestones``, ``.satisfaction``, ``.scoring``): a ``SectionView`` with that section's ``frames``,
    ``frame(name)`` and the whole ``metrics``, which the section's display blocks take."""

    def __init__(self, evaluation: "Evaluation", period: Period, metrics: dict, frames: dict[str, dict]):
        self.evaluation = evaluation
        self.period = period
        self.metrics = metrics
        self.frames = frames

    def view(self, section: str) -> SectionView:
        """The section ``section`` (a registry key) of this period, as its notebook shows it."""
        spec = get_section(section)
        ev = self.evaluation
        return SectionView(spec, ev.name, ev.project, self.period, ev.span, self.metrics, self.frames[spec.key],
                           source=f"computed from {ev.raw_dir}")

    def __getattr__(self, name: str) -> SectionView:
        if name.startswith("_") or name not in {s.key for s in SECTIONS}:
            keys = [s.key for s in SECTIONS]
            raise AttributeError(t(f"{type(self).__name__} 没有属性 {name!r};章节有:{'、'.join(keys)}",
                                   f"{type(self).__name__} has no attribute {name!r}; the sections are "
                                   f"{', '.join(keys)}"))
        return self.view(name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(s.key for s in SECTIONS)})

    def __repr__(self) -> str:
        return f"<{self.evaluation.name} {self.period.label}: {', '.join(s.key for s in SECTIONS)}>"

    def key_figures(self) -> pd.DataFrame:
        """The period's key figures (``KEY_FIGURES``): columns 指标, 数值."""
        return pd.DataFrame([(label, value(self.metrics)) for label, value, _ in
                             _compared_figures(self.metrics, self.metrics)], columns=["指标", "数值"],
                            dtype=object)

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(f"<tr><td>{escape(label)}</td><td style='text-align:right'>{escape(fmt(value(self.metrics)))}</td></tr>"
                       for label, value, fmt in _compared_figures(self.metrics, self.metrics))
        sections = "、".join(f".{s.key}" for s in SECTIONS)
        return (f"<p><b>{escape(self.evaluation.project)}</b> · {escape(self.period.label)}"
                f"(截至 {escape(self.period.end.isoformat())})</p><table>{rows}</table><p>各章节:{escape(sections)}</p>")


class Evaluation:
    """One evaluation opened for exploration (see the module's docstring); made by ``jx.open``."""

    def __init__(self, name: str, raw_dir: Path, span: Period | None, project: str, problems: list[Problem],
                 tables: Tables | None, published: dict | None = None, periods: list[Period] | None = None,
                 params_file: Path | None = None, layout: Layout | None = None, normalised=None,
                 adjustments: list[dict] | None = None):
        self.name = name
        self._adjustments = adjustments or []  # the evaluator's adjustments applied (intake.adjust records)
        self.layout = layout or Layout()  # the params file's files, columns, milestone stages, absent sheets
        # the cells intake read otherwise than typed (jixiao.intake.normalised.Normalised: .counts, .first);
        # None when the inputs have errors
        self.normalised = normalised
        self.raw_dir = raw_dir
        self.span = span
        self.project = project
        self.problems = Problems(problems)
        self.published = published
        self.params_file = params_file
        self.periods = periods or ([*(Period(y, y) for y in span.years), span] if span else [])
        self._tables = tables  # what every period is computed from; never handed out
        self._copy: Tables | None = None
        self._computed: dict[Period, PeriodReport] = {}

    @property
    def respondents(self) -> tuple[str, str]:
        """Who answered the survey and the word counting them (params' survey_respondents; default 单位, 个)."""
        return tuple(self.layout.respondents)

    @property
    def adjustments(self) -> dict:
        """The evaluator's adjustments (params' ``adjustments``): ``records``, one per entry applied (the table and
        row, the value before and after, the reason), and ``effects`` on the whole span's expenditure figures
        (``all``: with against without every adjustment; ``each``: entry -> with against without that one)."""
        from jixiao.figures.adjustments import adjustment_effects

        if self._tables is None or self.span is None:
            return {"records": list(self._adjustments), "effects": {"all": [], "each": {}}}
        if getattr(self, "_effects", None) is None:
            self._effects = adjustment_effects(self._tables, self._adjustments, self.span)
        return {"records": list(self._adjustments), "effects": self._effects}

    @property
    def stages(self) -> tuple[str, ...]:
        """The evaluation's milestone stages in order (its params file's milestone_stages; default the contract's)."""
        return tuple(self.layout.stages)

    @property
    def stage_roles(self) -> dict[str, str]:
        """The stage playing each role the report names (启动, 初验, 终验)."""
        return self.layout.roles()

    @property
    def ok(self) -> bool:
        """True when the inputs have no errors (warnings allowed)."""
        return self._tables is not None

    def _require_valid(self) -> Tables:
        if self._tables is None:
            raise InputError(list(self.problems))
        return self._tables

    @property
    def tables(self) -> Tables:
        """The validated tables, one attribute per sheet (``None`` when its workbook is absent): canonical
        columns plus ``excel_row``, money in integer fen and scores in ten-thousandths of a point (exact sums),
        dates as datetime64. A copy: changing it never changes ``period()``'s results. Raises InputError when
        the inputs have errors."""
        if self._copy is None:
            self._copy = Tables(**{k: None if f is None else as_datetimes(f, k)
                                   for k, f in self._require_valid().items()})
        return self._copy

    def sheet(self, name: str) -> pd.DataFrame | None:
        """The table ``name`` (a key such as ``spending``, or its sheet name such as ``支出``) with the
        contract's Chinese headers, money in 万元 and scores in points; ``None`` when its workbook is absent."""
        spec = SHEET_BY_NAME.get(name) or SHEETS_BY_KEY.get(name)
        if spec is None:
            names = [f"{s.key}/{s.sheet}" for s in SHEETS]
            raise KeyError(t(f"没有名为 {name!r} 的表;可用:{'、'.join(names)}",
                             f"no table named {name!r}; the tables are {', '.join(names)}"))
        frame = self._require_valid().get(spec.key)
        return None if frame is None else chinese_sheet(frame, spec.key)

    def period(self, period: str | int | Period | None = None) -> PeriodReport:
        """The results of ``period`` (a year such as "2020" or 2020, a span such as "2019-2021"; default the
        whole span), computed on first use. Raises ParameterError outside the span, InputError on bad inputs."""
        tables = self._require_valid()
        if self.span is None:
            raise ParameterError(t(f"{self.name}:不知道评价期;请用 jx.open(..., span=\"2019-2021\") 指定",
                                   f"{self.name}: the evaluation's span is unknown; "
                                   "give it: jx.open(..., span=\"2019-2021\")"))
        if isinstance(period, Period):
            chosen = period
        else:
            chosen = Period.parse(period) if period not in (None, "") else self.span
        chosen.require_within(self.span)
        if chosen not in self._computed:
            results = compute_period(tables, chosen, self.span, self.project, self.published, self.layout,
                                     self._self_evaluation_settings())
            self._computed[chosen] = PeriodReport(self, chosen, results.metrics, results.frames)
        return self._computed[chosen]

    def self_evaluation_form(self, year: str | int):
        """The 项目支出绩效自评表 of ``year`` as data (``jixiao.contract.selfeval.SelfEvaluationForm``), in the layout and
        with the budget-execution rule of the params file's ``self_evaluation`` block (default: national, 10 points,
        执行率 × 分值 capped at 分值)."""
        from jixiao.contract.selfeval_layouts import layout_named
        from jixiao.figures.selfeval import self_evaluation_form

        chosen = Period.parse(year)
        if chosen.first != chosen.last:
            raise ParameterError(t(f"自评表按年度填报;应为评价期内的一个年度,而不是 {chosen.label}",
                                   f"the self-evaluation form is filed per year; expected one year, not {chosen.label}"))
        report = self.period(chosen)
        settings = self._self_evaluation_settings()
        return self_evaluation_form(self._require_valid(), chosen.first, report.metrics, settings, project=self.project,
                                    stages=self.stages, note_below=layout_named(settings.layout).note_below)

    def _self_evaluation_settings(self):
        """params' ``self_evaluation`` block (defaults without a params file)."""
        from jixiao.contract.params import SelfEvaluationSettings

        return load_params(self.params_file).self_evaluation if self.params_file else SelfEvaluationSettings()

    def self_evaluation(self, year: str | int) -> pd.DataFrame:
        """The 项目支出绩效自评表 of ``year`` as a table with typed columns (``jixiao.output.selfeval_form.form_frame``):
        one row per funds row, indicator and the total; 待填写 names what the data does not give."""
        from jixiao.output.selfeval_form import form_frame

        return form_frame(self.self_evaluation_form(year))

    def _repr_html_(self) -> str:
        from html import escape

        span = self.span.label if self.span else t("未知", "unknown")
        errors, warnings = len(self.problems.errors), len(self.problems.warnings)
        periods = "、".join(p.label for p in self.periods)
        return (f"<p><b>{escape(self.project)}</b>({escape(self.name)})</p>"
                f"<p>评价期 {escape(span)};期间 {escape(periods)};{errors} 个错误,{warnings} 个警告</p>"
                f"<p>原始数据 {escape(str(self.raw_dir))}" + (f";参数文件 {escape(str(self.params_file))}" if self.params_file else "")
                + "</p>")

    def __repr__(self) -> str:
        span = self.span.label if self.span else t("未知", "unknown")
        errors, warnings = len(self.problems.errors), len(self.problems.warnings)
        return (f"<{t('评价', 'evaluation')} {self.name}: {self.project}, {t('评价期', 'span')} {span}, "
                f"{t(f'{errors} 个错误,{warnings} 个警告', f'{errors} error(s), {warnings} warning(s)')}>")


def _part(metrics: dict, key: str) -> dict:
    return metrics.get(key) or {}


def _milestone_total(metrics: dict, field: str) -> int | None:
    stages = metrics.get("milestones")
    return None if not stages else sum(v[field] for v in stages.values())


def _completion(metrics: dict):
    planned, done = _milestone_total(metrics, "planned"), _milestone_total(metrics, "done")
    return None if not planned else done / planned


def _text(value) -> str:
    return "—" if value is None else str(value)


# label, value from a period's metrics.json, format as the report prints it
KEY_FIGURES = (
    ("调整后预算(万元)", lambda m: _part(m, "expenditure").get("budget"), fmt_wan),
    ("实际支出(万元)", lambda m: _part(m, "expenditure").get("spent"), fmt_wan),
    ("支出率", lambda m: _part(m, "expenditure").get("rate"), fmt_pct),
    ("已批复子项目(个)", lambda m: _part(m, "expenditure").get("subprojects"), fmt_count),
    ("暂未下达资金子项目(个)", lambda m: _part(m, "expenditure").get("no_funds_issued"), fmt_count),
    ("计划完成的进度节点(个)", lambda m: _milestone_total(m, "planned"), fmt_count),
    ("其中期末前完成(个)", lambda m: _milestone_total(m, "done"), fmt_count),
    ("节点期末完成率", _completion, fmt_pct),
    ("问卷有效样本(个)", lambda m: _part(m, "survey").get("respondents"), fmt_count),
    ("问卷合计占比", lambda m: _part(m, "survey").get("positive_share"), fmt_pct),
    ("“好差评”总数(条)", lambda m: _part(m, "public_reviews").get("total"), fmt_count),
    ("五星好评率", lambda m: _part(m, "public_reviews").get("five_star_rate"), fmt_pct),
    ("绩效得分", lambda m: _part(m, "scoring").get("total"), fmt_points),
    ("评价等级", lambda m: _part(m, "scoring").get("grade"), _text),
)


def _difference(x, y):
    """y − x, exact for the decimals metrics.json prints (26019.56 to 52674.35 is 26654.79, not …7999)."""
    if isinstance(x, int) and isinstance(y, int):
        return y - x
    return float(Decimal(repr(float(y))) - Decimal(repr(float(x))))


# the rows of a part the params file may declare absent (sheets_absent): left out when both sides declare it
_ROWS_OF_TABLES = {"“好差评”总数(条)": ("public_reviews",), "五星好评率": ("public_reviews",),
                   "问卷有效样本(个)": ("survey_answers", "survey_options"),
                   "问卷合计占比": ("survey_answers", "survey_options")}


def _compared_figures(first: dict, second: dict) -> list:
    """KEY_FIGURES as two periods compare them: the survey counted in its respondents' unit (params'
    survey_respondents, when both agree), and no row for a part both declare absent."""
    from jixiao.sections.common import declared_absent, respondents

    out = []
    for label, value, shown in KEY_FIGURES:
        tables = _ROWS_OF_TABLES.get(label, ())
        if tables and declared_absent(first, *tables) and declared_absent(second, *tables):
            continue
        if label == "问卷有效样本(个)":
            words = {respondents(m) for m in (first, second) if m.get("survey")}
            if len(words) == 1:
                word, unit = words.pop()
                label = f"问卷有效样本({word},{unit})"
            else:
                label = "问卷有效样本"
        out.append((label, value, shown))
    return out


def compare(a: "Evaluation | PeriodReport", b: "Evaluation | PeriodReport | str | int",
            c: "str | int | None" = None, *, what: str = "指标") -> pd.DataFrame:
    """Two evaluations (each over its whole span) or two periods side by side: the key figures
    (``KEY_FIGURES``) of each and their difference (second minus first; a rate's in fractions, None where
    either is missing or the figure is no number). Index 指标; columns the two periods' names and 差额.

    ``what="自评"``: two single years' 项目支出绩效自评表 side by side (``compare_forms``); the years may be given
    as ``compare(ev, 2019, 2020, what="自评")``."""
    if c is not None:  # compare(ev, 2019, 2020): two periods of one evaluation
        if not isinstance(a, Evaluation):
            raise ParameterError(t("compare(ev, 年度1, 年度2):第一个参数应为评价(jx.open(...))",
                                   "compare(ev, year1, year2): the first argument must be an evaluation (jx.open(...))"))
        a, b = a.period(b), a.period(c)
    first, second = (x.period() if isinstance(x, Evaluation) else x for x in (a, b))
    names = [f"{r.evaluation.name} {r.period.label}" for r in (first, second)]
    if names[0] == names[1]:
        names = [f"{names[0]} (1)", f"{names[1]} (2)"]
    if what == "自评":
        return compare_forms(first, second, names)
    if what != "指标":
        raise ParameterError(t(f"compare 的 what 应为 指标 或 自评,而不是 {what!r}",
                               f"compare: what must be 指标 or 自评, not {what!r}"))
    rows = []
    for label, value, _ in _compared_figures(first.metrics, second.metrics):
        x, y = value(first.metrics), value(second.metrics)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y))
        rows.append((label, x, y, _difference(x, y) if numbers else None))
    return pd.DataFrame(rows, columns=["指标", *names, "差额"], dtype=object).set_index("指标")


FORM_COMPARED = ("全年预算数(万元)", "全年执行数(万元)", "执行率", "年度指标值", "实际完成值", "分值", "得分")


def compare_forms(first: PeriodReport, second: PeriodReport, names: list[str] | None = None) -> pd.DataFrame:
    """Two single years' 自评表 side by side: one row per funds row, indicator and 总分 (部分, 项目; a row only one
    year has is blank in the other), for each year its budget, payments, 执行率, 年度指标值, 实际完成值, 分值 and
    得分 (columns: year, column), and 得分差额 (second minus first, exact; None where either is to be filled)."""
    from jixiao.output.selfeval_form import form_frame
    from jixiao.sections.selfeval import FRAMES_KEY, form_of

    names = names or [r.period.label for r in (first, second)]
    frames = []
    for report in (first, second):
        form = form_of(report.frames.get(FRAMES_KEY))
        if form is None:
            raise ParameterError(t(f"{report.period.label} 没有自评表:自评表按评价期内的单个年度填报",
                                   f"{report.period.label} has no self-evaluation form: it is filed for each single "
                                   "year of the span"))
        frames.append(form_frame(form).set_index(["部分", "项目"])[list(FORM_COMPARED)])
    side = pd.concat(frames, axis=1, keys=names, join="outer", sort=False)
    side[("差额", "得分")] = [None if pd.isna(x) or pd.isna(y) else y - x
                             for x, y in zip(side[(names[0], "得分")], side[(names[1], "得分")])]
    return side


def load(raw_dir: Path, *, name: str | None = None, span: Period | None = None, project: str = "",
         layout: Layout | None = None, periods: list[Period] | None = None,
         params_file: Path | None = None) -> Evaluation:
    """The evaluation in ``raw_dir``, checked with ``span`` and read through ``layout`` (None: the layout the
    processed cache was built with); never raises for bad data: the problems are in ``.problems``.
    Without a span, the span is the budget's years (else the payments' years) and dates are checked loosely."""
    from jixiao.intake.folder import load_evaluation

    raw_dir = Path(raw_dir).resolve()
    name = name or raw_dir.name
    try:
        # the cache is the raw folder's own (keyed by its path), whatever name the evaluation goes by
        loaded = load_evaluation(raw_dir, span=(span.first, span.last) if span else None, layout=layout)
    except InputError as exc:
        return Evaluation(name, raw_dir, span, project or name, exc.problems, None, periods=periods,
                          params_file=params_file, layout=layout)
    span = span or _span_of(loaded.tables)
    return Evaluation(name, raw_dir, span, project or name, loaded.problems, loaded.tables, loaded.published,
                      periods, params_file, layout or loaded.layout, loaded.normalised, loaded.adjustments)


def _span_of(tables: Tables) -> Period | None:
    """The budget's years, else the payments' years; None when neither has any."""
    if tables.budget is not None and tables.budget["year"].notna().any():
        years = tables.budget["year"].dropna()
        return Period(int(years.min()), int(years.max()))
    if tables.spending is not None and tables.spending["date"].notna().any():
        years = [d.year for d in tables.spending["date"].dropna()]
        return Period(min(years), max(years))
    return None


def open(name_or_path: str | os.PathLike | None = None, *, span: str | int | None = None,
         params: str | os.PathLike | None = None) -> Evaluation:
    """Open an evaluation for exploration.

    ``name_or_path``: a folder name under data/raw/ (``"dongguan-2019-2021"``) or the path of a folder of
    workbooks; left out, the evaluation of the project's params.yaml. ``params``: the evaluation's params
    file (default: the params.yaml or params.NAME.yaml, in the project or above the folder, whose raw_dir
    is this folder); it gives the span, the project's title and the department's file names and headers.
    ``span`` (``"2019-2021"``) overrides the params file's; with neither, the span is the budget's years.
    Bad parameters or a folder that does not exist raise ParameterError; bad data does not: see
    ``ev.problems`` (``ev.tables``, ``ev.sheet`` and ``ev.period`` then raise InputError).
    """
    chosen_span = Period.parse(span) if span not in (None, "") else None
    if params is not None:
        run = load_params(Path(params))
        if name_or_path not in (None, "") and evaluation_folder(name_or_path) != run.raw_dir:
            raise ParameterError(t(f"{name_or_path} 不是 {params} 的 raw_dir({run.raw_dir})",
                                   f"{name_or_path} is not the raw_dir of {params} ({run.raw_dir})"))
        return _from_params(run, Path(params), chosen_span)
    if name_or_path in (None, ""):
        return _from_params(load_params(PARAMS_FILE), PARAMS_FILE, chosen_span)
    folder = evaluation_folder(name_or_path)
    found = params_file_of(folder)
    if found is not None:
        return _from_params(load_params(found), found, chosen_span)
    return load(folder, span=chosen_span)


def _from_params(run: RunParams, path: Path, span: Period | None) -> Evaluation:
    span = span or run.span
    periods = [p for p in run.periods if p.within(span)]
    return load(run.raw_dir, name=run.evaluation, span=span, project=run.project, layout=run.layout,
                periods=periods, params_file=path.resolve())


def evaluation_folder(name_or_path: str | os.PathLike) -> Path:
    """An evaluation's raw folder: a name under data/raw/, else a path; a ParameterError naming what there is
    when neither is a folder."""
    text = os.fspath(name_or_path)
    try:
        named = RAW_DIR / check_name(text)
    except ParameterError:
        named = None
    if named is not None and named.is_dir():
        return named.resolve()
    path = Path(text).expanduser()
    if path.is_dir():
        return path.resolve()
    known = sorted(p.name for p in RAW_DIR.iterdir() if p.is_dir()) if RAW_DIR.is_dir() else []
    raise ParameterError(t(f"找不到评价 {text!r}:{RAW_DIR} 下没有这个文件夹,它也不是文件夹路径;"
                           f"{RAW_DIR} 下有:{'、'.join(known) or '(无)'}",
                           f"no evaluation {text!r}: no such folder under {RAW_DIR}, nor a folder path; "
                           f"{RAW_DIR} holds: {', '.join(known) or '(none)'}"))


def params_file_of(folder: Path) -> Path | None:
    """The params file whose raw_dir is ``folder``: params.<folder>.yaml, params.yaml, then any params.*.yaml,
    in the project's root and in the folders above ``folder`` (a params file's raw_dir lies inside its folder)."""
    places = list(dict.fromkeys([PROJECT_ROOT, *folder.parents[:3]]))
    for place in places:
        candidates = [place / f"params.{folder.name}.yaml", place / "params.yaml", *sorted(place.glob("params.*.yaml"))]
        for path in dict.fromkeys(candidates):
            if path.is_file() and _raw_dir_of(path) == folder:
                return path
    return None


def _raw_dir_of(path: Path) -> Path | None:
    try:
        data = load_yaml(path)  # any params.*.yaml lying about is read: bounded, as the one given would be
        raw = data.get("raw_dir") or f"data/raw/{data['evaluation']}"
        return (path.resolve().parent / str(raw)).resolve()
    except (OSError, ParameterError, AttributeError, KeyError, TypeError):
        return None  # not a params file of this folder; a broken one is reported when it is used
