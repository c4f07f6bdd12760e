"""Evaluations of any kind: the params file declares the milestone stages (``milestone_stages``), the stages
playing the roles the report names (``stage_roles``) and the sheets a present workbook lacks
(``sheets_absent``); validation, figures, scoring links, the published check, the page, the template,
``jixiao new`` and the run keys all follow them. Dongguan's seven stages stay the default."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from batchrun import jixiao
from conftest import write_workbook
from minimal import build, rows
from openpyxl import load_workbook

from jixiao.contract.params import load_params
from jixiao.contract.sheets import STAGES, Layout
from jixiao.core.i18n import set_lang
from jixiao.core.period import Period
from jixiao.core.problems import ERROR, ParameterError
from jixiao.intake.folder import read_raw
from jixiao.run.runkeys import section_key
from jixiao.sections import compute_period
from jixiao.sections.published import published_comparison

ROAD = ["启动", "招标", "开工", "主体完工", "竣工验收"]
ROAD_LAYOUT = Layout(stages=tuple(ROAD), stage_roles={"初验": "主体完工", "终验": "竣工验收"})
SPAN = Period(2020, 2021)


def road_milestones() -> list[list]:
    return [["子项目编号", "阶段", "计划完成日期", "实际完成日期"],
            ["A-1", "启动", "2020-01-31", "2020-01-20"],
            ["A-1", "开工", "2020-06-30", "2020-07-10"],
            ["A-1", "主体完工", "2021-06-30", "2021-06-01"],
            ["A-1", "竣工验收", "2021-10-31", "2021-11-20"],
            ["A-2", "启动", "2021-03-31", None],
            ["A-2", "主体完工", "2021-09-30", "2021-09-30"]]


def write_params(folder: Path, name: str, **extra) -> Path:
    path = folder / f"params.{name}.yaml"
    data = {"evaluation": name, "raw_dir": "raw", "span": "2020-2021", **extra}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def road(tmp_path):
    return build(tmp_path / "raw", {("milestones.xlsx", "进度"): road_milestones()})


# --- the params file ---------------------------------------------------------------------------


def test_params_declare_stages_roles_and_absent_sheets(road):
    params = load_params(write_params(road.parent, "road", milestone_stages=ROAD,
                                      stage_roles={"初验": "主体完工", "终验": "竣工验收"}, sheets_absent=["好差评"]))
    assert params.layout.stages == tuple(ROAD)
    assert params.layout.roles() == {"启动": "启动", "初验": "主体完工", "终验": "竣工验收"}
    assert params.layout.sheets_absent == ("public_reviews",)
    default = load_params(write_params(road.parent, "plain"))
    assert default.layout.stages == STAGES and default.layout.roles() == {"启动": "启动", "初验": "初验", "终验": "终验"}
    # the default roles of declared stages: the first starts, the last two accept
    assert Layout(stages=("申报", "审核", "拨付")).roles() == {"启动": "申报", "初验": "审核", "终验": "拨付"}


@pytest.mark.parametrize("extra, message", [
    ({"milestone_stages": ["启动", "启动"]}, "milestone_stages 中的阶段 启动 出现了两次"),
    ({"milestone_stages": "启动,招标"}, "'milestone_stages' 应为阶段名称的列表"),
    ({"milestone_stages": ROAD, "stage_roles": {"初验": "初验"}}, "stage_roles 中 初验 对应的 '初验' 不在 milestone_stages 中"),
    ({"stage_roles": {"验收": "终验"}}, "stage_roles 中的 '验收' 不是角色"),
    ({"sheets_absent": ["点评"]}, "sheets_absent 中的 '点评' 不是合同的工作表"),
])
def test_bad_declarations_are_refused_in_chinese(road, extra, message):
    with pytest.raises(ParameterError, match=message):
        load_params(write_params(road.parent, "bad", **extra))


# --- validation ----------------------------------------------------------------------------------


def test_the_stage_check_names_the_declared_stages_in_chinese_and_english(road):
    default = read_raw(road, (2020, 2021))
    wrong = [p for p in default.problems if p.severity == ERROR]
    assert [p.value for p in wrong] == ["开工", "主体完工", "竣工验收", "主体完工"]
    assert str(wrong[0]).endswith("应为以下阶段之一:" + "、".join(STAGES))

    declared = read_raw(road, (2020, 2021), ROAD_LAYOUT)
    assert not declared.errors
    bad = build(road.parent / "bad", {("milestones.xlsx", "进度"): [*road_milestones(), ["A-2", "验收", "2021-12-01", None]]})
    problem = next(p for p in read_raw(bad, (2020, 2021), ROAD_LAYOUT).problems if p.severity == ERROR)
    assert str(problem) == ("错误:milestones.xlsx,工作表 进度,第 8 行,列 阶段:发现 '验收';"
                            "应为以下阶段之一:启动、招标、开工、主体完工、竣工验收")
    set_lang("en")
    try:
        assert str(problem).endswith("found '验收'; expected one of the stages 启动、招标、开工、主体完工、竣工验收")
    finally:
        set_lang(None)


def test_a_declared_absent_sheet_is_neither_required_nor_an_error(tmp_path):
    folder = tmp_path / "raw"
    build(folder)
    write_workbook(folder / "survey.xlsx", {"问卷": rows("survey.xlsx", "问卷"), "选项": rows("survey.xlsx", "选项")})
    undeclared = read_raw(folder, (2020, 2021))
    assert any(p.severity == ERROR and p.sheet == "好差评" and "缺少工作表 好差评" in str(p) for p in undeclared.problems)

    layout = Layout(sheets_absent=("public_reviews",))
    declared = read_raw(folder, (2020, 2021), layout)
    assert not declared.errors
    assert declared.tables.public_reviews is None and declared.tables.survey_answers is not None
    assert any(p.sheet == "好差评" and "sheets_absent" in str(p) for p in declared.problems)
    results = compute_period(declared.tables, SPAN, SPAN, "道路", layout=layout)
    assert results.metrics["public_reviews"] is None and results.metrics["survey"] is not None
    assert results.metrics["declared"]["sheets_absent"] == ["好差评"]
    assert results.metrics["notes"]["public_reviews"].startswith("不适用：本次评价没有“好差评”")

    # a workbook that holds the sheet all the same: declared absent, it is not read
    build(tmp_path / "full")
    held = read_raw(tmp_path / "full", (2020, 2021), layout)
    assert held.tables.public_reviews is None and not held.errors


# --- figures, scoring links, the published check, the page ----------------------------------------


def test_figures_follow_the_declared_stages_in_order(road):
    tables = read_raw(road, (2020, 2021), ROAD_LAYOUT).tables
    whole = compute_period(tables, SPAN, SPAN, "道路", layout=ROAD_LAYOUT)
    assert list(whole.metrics["milestones"]) == ROAD
    assert whole.metrics["declared"]["milestone_stages"] == ROAD
    assert whole.metrics["milestones"]["主体完工"] == {"planned": 2, "done": 2, "rate": 1.0, "on_time": 2,
                                                    "on_time_strict": 1.0}
    assert whole.metrics["milestones"]["招标"] == {"planned": 0, "done": 0, "rate": None, "on_time": 0,
                                                 "on_time_strict": None}
    assert whole.frames["milestones"]["completion"]["stage"].tolist() == ROAD
    # the open list in the declared order
    assert whole.frames["milestones"]["open"]["stage"].tolist() == ["启动"]


def test_the_page_shows_a_dash_where_nothing_was_planned(road):
    from jixiao.api import load

    ev = load(road, span=SPAN, project="道路", layout=ROAD_LAYOUT)
    assert ev.stages == tuple(ROAD)
    view = ev.period("2020").milestones
    from jixiao.sections import milestones as page

    shown = page.completion(view)  # the block's parts, as a notebook shows them
    html = "".join(o._repr_html_() if hasattr(o, "_repr_html_") else str(getattr(o, "text", o)) for o in shown)
    assert "本次评价的进度阶段（按先后）：启动、招标、开工、主体完工、竣工验收" in html
    assert "子项目完成“主体完工”即为验收完成，完成“竣工验收”即为全部完成" in html and "最终验收按" not in html
    for stage in ROAD:
        assert f">{stage}<" in html
    assert ">可研报告编制<" not in html and ">初验<" not in html
    # nothing planned for 招标 in 2020: "—", not a row of zeros; 开工 was planned and done late
    import re

    cells = {stage: re.findall(r"<td[^>]*>([^<]*)</td>", html.split(f">{stage}</td>", 1)[1])[:2] for stage in ROAD}
    assert cells["招标"] == ["—", "—"] and cells["竣工验收"] == ["—", "—"]
    assert cells["开工"] == ["1", "1"]


def test_scoring_links_name_the_declared_stages(road):
    scoring = [["一级指标", "二级指标", "三级指标", "分值", "得分", "评分说明", "计分依据", "计分方法", "目标值", "计分参数"],
               ["产出", "产出质量", "主体完工率", 40, 40, "", "stage_completion_rate:主体完工", "比例", "100%", None],
               ["产出", "产出时效", "竣工率", 60, 30, "", "竣工验收完成率", "比例", "100%", None]]
    folder = build(road.parent / "scored", {("milestones.xlsx", "进度"): road_milestones(),
                                            ("scoring.xlsx", "指标"): scoring})
    loaded = read_raw(folder, (2020, 2021), ROAD_LAYOUT)
    assert not loaded.errors
    metrics = compute_period(loaded.tables, SPAN, SPAN, "道路", layout=ROAD_LAYOUT).metrics
    checks = {c["metric"]: c for c in metrics["scoring"]["checks"]}
    assert checks["stage_completion_rate:主体完工"]["computed"] == 40.0
    assert checks["stage_completion_rate:竣工验收"]["value"] == 1.0  # the Chinese name of a declared stage's figure
    # a default stage the evaluation did not declare is no figure of it
    undeclared = [[*scoring[0]], ["产出", "产出质量", "初验率", 40, 40, "", "stage_completion_rate:初验", "比例", "100%", None]]
    folder = build(road.parent / "undeclared", {("milestones.xlsx", "进度"): road_milestones(),
                                                ("scoring.xlsx", "指标"): undeclared})
    errors = read_raw(folder, (2020, 2021), ROAD_LAYOUT).errors
    assert len(errors) == 1 and "未知的计分依据" in str(errors[0]) and "stage_completion_rate:竣工验收" in str(errors[0])


def test_the_published_check_uses_the_stage_roles(road):
    tables = read_raw(road, (2020, 2021), ROAD_LAYOUT).tables
    metrics = compute_period(tables, SPAN, SPAN, "道路", layout=ROAD_LAYOUT).metrics
    published = {"milestones": {"started_subprojects": 2,
                                "accepted_subprojects": {"total": 2, "initial_acceptance": 1, "final_acceptance": 1}}}
    table = published_comparison(metrics, published)
    got = dict(zip(table["figure"], table["computed"]))
    assert got == {"已启动子项目（个，正文）": "1", "完成验收子项目（个）": "2", "其中仅主体完工（个）": "1",
                   "其中竣工验收（个）": "1"}
    # the default roles, for an evaluation that declares only its stages: the last two
    plain = replace(ROAD_LAYOUT, stage_roles={})
    metrics = compute_period(tables, SPAN, SPAN, "道路", layout=plain).metrics
    assert set(published_comparison(metrics, published)["figure"]) == {
        "已启动子项目（个，正文）", "完成验收子项目（个）", "其中仅主体完工（个）", "其中竣工验收（个）"}


# --- run keys, the template, jixiao new -------------------------------------------------------------


def test_a_run_key_changes_when_the_stages_change(road):
    keys = []
    for name, extra in (("a", {}), ("b", {"milestone_stages": ROAD}),
                        ("c", {"milestone_stages": ROAD, "stage_roles": {"初验": "开工"}}),
                        ("d", {"sheets_absent": ["好差评"]})):
        params = load_params(write_params(road.parent, name, **extra))
        keys.append(section_key(section="milestones", files=["milestones.xlsx"], inputs={}, notebook_digest="n",
                                parameters={}, environment="e", pdf=True, layout=params.layout.as_dict()))
    assert len(set(keys)) == 4
    assert Layout().as_dict() == {"files": {}, "columns": {}}  # the default keeps its earlier keys


def test_the_template_offers_the_declared_stages(tmp_path):
    from jixiao.intake.template import FIGURE_LIST_SHEET, write_templates

    write_templates(tmp_path, stages=ROAD)
    wb = load_workbook(tmp_path / "milestones.xlsx")
    ws = wb["进度"]
    (stage_list,) = [dv for dv in ws.data_validations.dataValidation if "B" in str(dv.sqref)]
    assert stage_list.formula1 == '"启动,招标,开工,主体完工,竣工验收"'
    assert ws["B2"].value == "启动"
    figures = [r[0].value for r in load_workbook(tmp_path / "scoring.xlsx")[FIGURE_LIST_SHEET].iter_rows(min_row=2)]
    assert "stage_completion_rate:主体完工" in figures and "stage_completion_rate:初验" not in figures


def test_jixiao_new_writes_the_stages_into_the_params_file(tmp_path):
    env = {"JIXIAO_ROOT": str(tmp_path)}
    made = jixiao("new", "road", "--span", "2022-2023", "--stages", "启动,招标,开工，主体完工、竣工验收", cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    settings = yaml.safe_load((tmp_path / "params.road.yaml").read_text(encoding="utf-8"))
    assert settings["milestone_stages"] == ROAD
    assert load_params(tmp_path / "params.road.yaml").layout.stages == tuple(ROAD)
    ws = load_workbook(tmp_path / "data" / "raw" / "road" / "milestones.xlsx")["进度"]
    assert any("主体完工" in str(dv.formula1) for dv in ws.data_validations.dataValidation)
    # the sample row of the new template (its first declared stage) is known as the sample it is
    fresh = jixiao("validate", "--params", tmp_path / "params.road.yaml", cwd=tmp_path, env=env)
    assert fresh.returncode == 2
    assert "错误:milestones.xlsx,工作表 进度,第 2 行:这是模板的示例行;应删除示例行,只填本评价的数据" in fresh.stdout.splitlines()
    twice = jixiao("new", "road2", "--span", "2022-2023", "--stages", "启动,启动", cwd=tmp_path, env=env)
    assert twice.returncode == 2 and "出现了两次" in twice.stderr
