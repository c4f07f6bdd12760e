"""The layouts of the 项目支出绩效自评表, as data: which rows the form has, which columns, what each cell
holds and which cells merge. The writer (``output/selfeval_form.py``) knows no layout; a province's variant is
a new ``FormLayout`` in ``LAYOUTS``, chosen by the params file (``self_evaluation: {layout: …}``).

A form is a grid ``width`` columns wide. Every row of a block is a tuple of ``Cell``s whose spans add up to
``width``; a cell's ``text`` is printed as it is, its ``field`` names what the form's data puts there:

- ``project``, ``department``, ``implementer``: the header's values;
- ``funds.<row>.<column>``: the funds rows (``total``, ``fiscal``, ``other``) by column (``initial``, ``adjusted``,
  ``spent``, ``weight``, ``rate``, ``score``);
- ``goal.expected``, ``goal.achieved``: 年度总体目标;
- the indicator block repeats ``indicator_cells`` once per indicator, each field one of ``INDICATOR_FIELDS``;
- ``total.weight``, ``total.score``, ``total.grade``;
- ``execution.explanation``: why the execution rate is below ``note_below`` (a layout with the 90% note).

``label_column``: the first column of the funds, goal and indicator blocks, whose label merges down the block.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from jixiao.core.i18n import t

INDICATOR_FIELDS = ("level1", "level2", "level3", "nature", "target", "unit", "actual", "weight", "score", "reason")
FUNDS_ROWS = ("total", "fiscal", "other")
FUNDS_COLUMNS = ("initial", "adjusted", "spent", "weight", "rate", "score")


@dataclass(frozen=True)
class Cell:
    span: int = 1  # columns it covers (merged when more than one)
    text: str = ""  # printed as it is (a title, a column title)
    field: str = ""  # what the form's data puts here (see the module's docstring)
    heading: bool = False  # a column title or a label: bold, centred, shaded


@dataclass(frozen=True)
class FormLayout:
    name: str
    title: str
    width: int  # grid columns
    column_widths: tuple[float, ...]  # Excel character widths, one per grid column
    header_rows: tuple[tuple[Cell, ...], ...]  # 项目名称, 主管部门/实施单位
    funds_label: str
    funds_heading: tuple[Cell, ...]  # after the label column
    funds_rows: tuple[tuple[Cell, ...], ...]  # one per FUNDS_ROWS entry shown, after the label column
    goal_label: str
    goal_rows: tuple[tuple[Cell, ...], ...]
    indicator_label: str
    indicator_heading: tuple[Cell, ...]
    indicator_cells: tuple[Cell, ...]  # one row per indicator
    total_row: tuple[Cell, ...]
    subtitle: str = "({year}年度)"
    weight_title: str = "分值"  # how the form names an indicator's points
    note: str = ""  # printed under the form
    note_below: Fraction | None = None  # an execution rate below it needs its reason (``execution.explanation``)
    explanation_row: tuple[Cell, ...] = ()  # where that reason goes, shown only when it is needed
    label_column_width: int = 1

    def indicator_fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.indicator_cells if c.field)


def _h(text: str, span: int = 1) -> Cell:
    return Cell(span, text, heading=True)


def _f(field: str, span: int = 1) -> Cell:
    return Cell(span, field=field)


def _funds_row(label: str, key: str, spans: tuple[int, ...]) -> tuple[Cell, ...]:
    label_span, *value_spans = spans
    return (_h(label, label_span), *(_f(f"funds.{key}.{c}", s) for c, s in zip(FUNDS_COLUMNS, value_spans)))


_NATIONAL_FUNDS_SPANS = (2, 1, 1, 1, 1, 1, 1)  # after the label column: the row's name, then the six columns

# 《项目支出绩效评价管理办法》(财预〔2020〕10号) 附件 1 项目支出绩效自评表
NATIONAL = FormLayout(
    name="national",
    title="项目支出绩效自评表",
    width=9,
    column_widths=(14, 10, 12, 22, 13, 13, 11, 11, 26),
    header_rows=(
        (_h("项目名称", 2), _f("project", 7)),
        (_h("主管部门", 2), _f("department", 3), _h("实施单位", 2), _f("implementer", 2)),
    ),
    funds_label="项目资金(万元)",
    funds_heading=(_h("", 2), _h("年初预算数"), _h("全年预算数"), _h("全年执行数"), _h("分值"), _h("执行率"),
                   _h("得分")),
    funds_rows=(
        _funds_row("年度资金总额", "total", _NATIONAL_FUNDS_SPANS),
        _funds_row("其中:财政拨款", "fiscal", _NATIONAL_FUNDS_SPANS),
        _funds_row("其他资金", "other", _NATIONAL_FUNDS_SPANS),
    ),
    goal_label="年度总体目标",
    goal_rows=((_h("预期目标", 4), _h("实际完成情况", 4)), (_f("goal.expected", 4), _f("goal.achieved", 4))),
    indicator_label="绩效指标",
    indicator_heading=(_h("一级指标"), _h("二级指标"), _h("三级指标"), _h("年度指标值"), _h("实际完成值"), _h("分值"),
                       _h("得分"), _h("偏差原因分析及改进措施")),
    indicator_cells=(_f("level1"), _f("level2"), _f("level3"), _f("target"), _f("actual"), _f("weight"), _f("score"),
                     _f("reason")),
    total_row=(_h("总分", 6), _f("total.weight"), _f("total.score"), _f("total.grade")),
)

_PROVINCIAL_FUNDS_SPANS = (2, 2, 2, 1, 1, 1, 1)

# a province's variant: 权重 for 分值, 指标性质 and 度量单位 beside the target, and the 90% note
PROVINCIAL = FormLayout(
    name="provincial",
    title="项目支出绩效自评表",
    width=11,
    column_widths=(14, 10, 12, 22, 11, 12, 11, 12, 11, 11, 26),
    header_rows=(
        (_h("项目名称", 2), _f("project", 9)),
        (_h("主管部门", 2), _f("department", 4), _h("实施单位", 2), _f("implementer", 3)),
    ),
    funds_label="项目资金(万元)",
    funds_heading=(_h("", 2), _h("年初预算数", 2), _h("全年预算数", 2), _h("全年执行数"), _h("权重"), _h("执行率"),
                   _h("得分")),
    funds_rows=(
        _funds_row("年度资金总额", "total", _PROVINCIAL_FUNDS_SPANS),
        _funds_row("其中:财政拨款", "fiscal", _PROVINCIAL_FUNDS_SPANS),
        _funds_row("其他资金", "other", _PROVINCIAL_FUNDS_SPANS),
    ),
    goal_label="年度总体目标",
    goal_rows=((_h("预期目标", 5), _h("实际完成情况", 5)), (_f("goal.expected", 5), _f("goal.achieved", 5))),
    indicator_label="绩效指标",
    indicator_heading=(_h("一级指标"), _h("二级指标"), _h("三级指标"), _h("指标性质"), _h("年度指标值"), _h("度量单位"),
                       _h("实际完成值"), _h("权重"), _h("得分"), _h("偏差原因分析及改进措施")),
    indicator_cells=(_f("level1"), _f("level2"), _f("level3"), _f("nature"), _f("target"), _f("unit"), _f("actual"),
                     _f("weight"), _f("score"), _f("reason")),
    total_row=(_h("总分", 8), _f("total.weight"), _f("total.score"), _f("total.grade")),
    weight_title="权重",
    note="注:预算执行率未达到90%的需说明原因。",
    note_below=Fraction(9, 10),
    explanation_row=(_h("预算执行率未达到90%的原因", 3), _f("execution.explanation", 8)),
)

LAYOUTS: dict[str, FormLayout] = {layout.name: layout for layout in (NATIONAL, PROVINCIAL)}
DEFAULT_LAYOUT = NATIONAL.name


def layout_named(name: str) -> FormLayout:
    """The declared layout ``name``; a KeyError naming the known ones otherwise."""
    try:
        return LAYOUTS[name]
    except KeyError:
        known = "、".join(LAYOUTS)
        raise KeyError(t(f"未知的自评表格式 {name!r};应为以下之一:{known}",
                         f"unknown self-evaluation layout {name!r}; expected one of {known}")) from None


def check_layout(layout: FormLayout) -> list[str]:
    """What is wrong with a declaration (rows not ``width`` wide, unknown fields); empty when it is sound."""
    found = []
    after_label = layout.width - layout.label_column_width
    rows = {"header": layout.header_rows, "total": (layout.total_row,)}
    inner = {"funds heading": (layout.funds_heading,), "funds": layout.funds_rows, "goal": layout.goal_rows,
             "indicator heading": (layout.indicator_heading,), "indicator": (layout.indicator_cells,)}
    if layout.explanation_row:
        rows["explanation"] = (layout.explanation_row,)
    for name, block in rows.items():
        found += [f"{name} row {i}: spans add up to {sum(c.span for c in r)}, not {layout.width}"
                  for i, r in enumerate(block) if sum(c.span for c in r) != layout.width]
    for name, block in inner.items():
        found += [f"{name} row {i}: spans add up to {sum(c.span for c in r)}, not {after_label}"
                  for i, r in enumerate(block) if sum(c.span for c in r) != after_label]
    if len(layout.column_widths) != layout.width:
        found.append(f"{len(layout.column_widths)} column widths for {layout.width} columns")
    unknown = [f for f in layout.indicator_fields() if f not in INDICATOR_FIELDS]
    if unknown:
        found.append(f"unknown indicator fields: {', '.join(unknown)}")
    if len(layout.indicator_heading) != len(layout.indicator_cells):
        found.append("the indicator heading and cells differ in length")
    return found
