"""The road-maintenance example of issue 24, run as a county analyst would: residents surveyed (群众, counted in
人), no 好差评 (declared absent), the evaluator's adjustments on record. Every page, the index, the report and
``jx.compare`` speak of the survey in the evaluation's own words and say nothing of what it lacks; the workpapers
list every warning, every normalised cell and every adjustment with its effect.

Every expected value is computed here from the rows ``roadfolder`` writes."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from batchrun import JOBS, jixiao
from roadfolder import ADJUSTMENTS, CSV, CSV_ROWS, SURVEY, road_department

import jixiao as jx
from jixiao.output.report import builtin_template

# a survey counted in units, or the public reviews: 委托单位/受委托单位 (the cover), 金额单位 (money), 实施单位 and
# 责任单位 (who carries the project out) are other words
FORBIDDEN = re.compile(r"(?<!委托)(?<!金额)(?<!实施)(?<!责任)单位|好差评|五星")
SPAN = "2019-2021"


def road_template() -> str:
    """The built-in template (the national outline: the survey in the evaluation's words, 计算方法与口径 from the one
    list of method sentences); a single year's report also names a whole-span value."""
    return builtin_template() + "\n整个评价期({{ span }})累计支出{{ span.expenditure.spent }}。\n"


def dec(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture(scope="module")
def road(tmp_path_factory):
    base = tmp_path_factory.mktemp("road")
    (base / "road.md").write_text(road_template(), encoding="utf-8")
    # a single year's report (the 年度绩效自评报告) names a whole-span value too
    (base / "road-annual.md").write_text(builtin_template(annual=True)
                                         + "\n整个评价期({{ span }})累计支出{{ span.expenditure.spent }}。\n", encoding="utf-8")
    params = road_department(base, report={"template": "road.md", "annual_template": "road-annual.md"})
    out = base / "out"
    # --no-pdf: no test here reads a PDF
    run = jixiao("run", "--params", params, "--out", out, "--period", "2021", "--period", SPAN, "--jobs", JOBS,
                 "--quiet", "--no-pdf", cwd=base)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return base, params, out / "roads"


def forbidden(text: str) -> list[str]:
    return [text[max(m.start() - 20, 0):m.end() + 20] for m in FORBIDDEN.finditer(text)]


def test_no_page_index_or_report_speaks_of_units_or_public_reviews(road):
    _, _, tree = road
    pages = sorted(tree.glob("*/*.html")) + [tree / "index.html"]
    assert {p.name for p in pages} >= {"satisfaction.html", "trends.html", "overview.html", "report.html",
                                       "workpapers.html", "index.html"}
    for page in pages:
        assert forbidden(page.read_text(encoding="utf-8")) == [], page
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    assert forbidden(json.dumps(index, ensure_ascii=False)) == []


def test_the_satisfaction_page_counts_residents_in_their_own_words(road):
    _, _, tree = road
    page = (tree / SPAN / "satisfaction.html").read_text(encoding="utf-8")
    answered = len(SURVEY) - 1
    liked = sum(1 for _, answer in SURVEY[1:] if answer == "满意")
    assert f"共 {answered} 人群众参与问卷调查" in page
    assert "选择该项的群众 ÷ 回答该题的群众" in page
    assert ">群众（人）<" in page and ">回答（人）<" in page
    share = f"{Decimal(liked * 100) / answered:.2f}%"
    assert f"合计占比 {share}" in page  # the overall share, with no score-sheet row linking it
    metrics = json.loads((tree / SPAN / "metrics.json").read_text(encoding="utf-8"))
    assert (metrics["survey"]["positive"], metrics["survey"]["answered"]) == (liked, answered)
    assert metrics["survey"]["positive_share"] == liked / answered
    index = (tree / "index.html").read_text(encoding="utf-8")
    assert f"问卷 {answered} 人群众" in index
    # the trends page numbers its blocks without a gap where the public reviews were
    trends = (tree / SPAN / "trends.html").read_text(encoding="utf-8")
    assert "四、预算可信度" in trends and "五、" not in trends


def test_compare_has_no_row_for_what_the_evaluation_lacks(road):
    base, params, _ = road
    ev = jx.open(base / "data" / "raw" / "roads", params=params)
    for table in (jx.compare(ev.period("2020"), ev.period("2021")), jx.compare(ev, ev)):
        assert [label for label in table.index if FORBIDDEN.search(label)] == []
    whole = jx.compare(ev, ev)
    assert whole.loc["问卷有效样本(群众,人)"].tolist()[:2] == [len(SURVEY) - 1] * 2
    assert "问卷合计占比" in whole.index


def test_the_workpapers_list_the_warnings_cells_and_adjustments_with_their_effects(road):
    _, _, tree = road
    html = (tree / SPAN / "workpapers.html").read_text(encoding="utf-8")
    assert "数据处理说明" in html
    # the warning: the payment dated after the span
    late = next(row for row, r in enumerate(CSV_ROWS, start=2) if not r[1].startswith(("2019", "2020", "2021")))
    assert "一、数据警告(1 条)" in html
    assert f"{CSV},第 {late} 行,列 支付日期:发现 {CSV_ROWS[late - 2][1]}" in html
    # the normalised cell: the date typed with slashes, in the page and in the CSV it links
    slashed = next(row for row, r in enumerate(CSV_ROWS, start=2) if "/" in r[1])
    assert "二、自动规范的单元格(1 个)" in html and 'href="normalised-cells.csv"' in html
    assert f"<td>{CSV}</td><td></td><td>{slashed}</td><td>支付日期</td>" in html
    rows = list(csv.reader(io.StringIO((tree / SPAN / "normalised-cells.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["处理", "文件", "工作表", "行", "列", "填写为", "读作"]
    assert [r[1:] for r in rows[1:]] == [[CSV, "", str(slashed), "支付日期", f"'{CSV_ROWS[slashed - 2][1]}'", "2021-08-01"]]
    # both adjustments, with their reasons, and their effect on 2021's payments: by hand from the rows
    assert f"三、评价人员的调整({len(ADJUSTMENTS)} 项)" in html
    for entry in ADJUSTMENTS:
        assert f"<td>{entry['reason']}</td>" in html
    assert "<td>审计报告第5页</td>" in html
    in_2021 = {row: dec(r[2]) for row, r in enumerate(CSV_ROWS, start=2) if r[1].startswith("2021")}
    excluded = next(a["row"] for a in ADJUSTMENTS if a.get("action") == "exclude")
    corrected = next(a for a in ADJUSTMENTS if a.get("column"))
    adjusted = sum(v for row, v in in_2021.items() if row != excluded) - in_2021[corrected["row"]] \
        + dec(f"{corrected['value']:.2f}")
    assert adjusted == dec("1000.00")
    unadjusted = sum(in_2021.values())
    assert f"<td>全部调整</td><td>2021 年实际支出(万元)</td><td>{adjusted:,.2f}</td><td>{unadjusted:,.2f}</td>" in html
    assert (f"<td>第 1 项</td><td>2021 年实际支出(万元)</td><td>{adjusted:,.2f}</td>"
            f"<td>{adjusted + in_2021[excluded]:,.2f}</td>") in html


def test_the_report_says_how_many_rows_were_adjusted_and_a_year_names_the_span(road):
    _, _, tree = road
    report = (tree / SPAN / "report.html").read_text(encoding="utf-8")
    assert "评价人员对部门提供的数据调整 2 行（剔除 1 行、更正 1 处）" in report
    assert "列于工作底稿的“数据处理说明”" in report and "workpapers.html" not in report
    assert "选择该选项的群众 ÷ 回答该题的群众" in report
    # a single year's report names the whole span's payments as such (span.expenditure.spent), not the year's
    year = (tree / "2021" / "report.html").read_text(encoding="utf-8")
    whole = json.loads((tree / SPAN / "metrics.json").read_text(encoding="utf-8"))["expenditure"]["spent"]
    assert f"累计支出{whole:,.2f}万元" in year
    fields = jixiao("fields", "--params", road[1], "--period", "2021", "--out", tree.parent, cwd=road[0])
    assert fields.returncode == 0, fields.stderr
    lines = fields.stdout.splitlines()
    assert "# 字段({{ 名称 }}):本年度 2021 的值" in lines
    assert f"span.expenditure.spent\t{whole:,.2f}万元" in lines


def test_a_template_depends_on_the_span_only_when_it_prints_its_figures():
    from jixiao.output.report import names_span_fields

    assert not names_span_fields("评价期为{{ span }}年,{% if span == period %}整个评价期{% endif %}")
    assert names_span_fields("三年内完成{{ span.expenditure.subprojects }}个")
    assert names_span_fields('{{ span["expenditure"].rate }}')


def test_methods_name_only_the_parts_the_period_has():
    from jixiao.output.methods import method_lines

    metrics = {"expenditure": {"rate": 0.5}, "survey": {"respondent_word": "学生家长", "respondent_unit": "人"},
               "public_reviews": None, "declared": {"sheets_absent": ["好差评"]}}
    lines = method_lines(metrics, {"adjustments": {"records": [{"action": "exclude"}, {"action": "exclude"},
                                                               {"action": "correct"}]}})
    text = "\n".join(lines)
    assert "选择该选项的学生家长 ÷ 回答该题的学生家长" in text
    assert forbidden(text) == [] and "期末完成率" not in text and "等级" not in text
    assert lines[-1].startswith("评价人员对部门提供的数据调整 3 行(剔除 2 行、更正 1 处)")
    assert method_lines({}, None)[-1].startswith("评价人员未对部门提供的数据作剔除或更正")


def test_a_rerun_with_nothing_changed_rebuilds_nothing(road):
    base, params, tree = road
    again = jixiao("run", "--params", params, "--out", tree.parent, "--period", "2021", "--period", SPAN, "--jobs", JOBS,
                   "--quiet", "--no-pdf", cwd=base)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    assert all(not r["built"] for r in index["reports"].values()), index["reports"]
    assert all(r["reused"] for r in index["results"] if r["status"] != "n/a")


def test_a_misspelt_span_field_is_caught_before_any_data_with_its_scope():
    from jixiao.output.report import TemplateProblem, check_template

    with pytest.raises(TemplateProblem, match=r"'span\.expenditure\.spnt'.*span\.expenditure\.spent"):
        check_template("# 一\n\n{{ span.expenditure.spnt }}\n", "road.md")
