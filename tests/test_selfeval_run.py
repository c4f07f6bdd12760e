"""The annual 自评表 wired into the runs: ``<year>/自评表.xlsx`` from what the batch stored, the single-year
年度绩效自评报告 (its own 评价基准日 and 报告编号, the form as its centre, no near-empty page), the fields ``自评.…``
and ``jx.compare(..., what="自评")``. The Dongguan and county-education runs are one batch each (module fixtures)."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
import yaml
from batchrun import JOBS, jixiao
from conftest import DONGGUAN_YEARS, PROJECT_ROOT
from openpyxl import load_workbook
from pypdf import PdfReader

from jixiao.contract.fields import kind_of
from jixiao.contract.params import SelfEvaluationSettings, load_params, parse_report
from jixiao.core.problems import ParameterError
from jixiao.core.units import SCORE_SCALE
from jixiao.contract.results import write_period_results
from jixiao.contract.rules import round_half_up
from jixiao.core.period import Period
from jixiao.contract.selfeval import form_from_record, form_record
from jixiao.figures.selfeval import self_evaluation_form
from jixiao.output.fields import Field, Placeholders, listed
from jixiao.output.formats import BY_NAME, ReportBuild, formats_for
from jixiao.output.report import PLACEHOLDER_RE, cover_data
from jixiao.present.selfeval import PLACEHOLDER
from jixiao.sections import compute_period, period_parts

YEARS = {"params.yaml": tuple(map(int, DONGGUAN_YEARS)), "params.county-education.yaml": (2022, 2023)}
MIN_PAGE_CHARS = 200  # a page of three lines (about 120 characters with its running head) fails; a chart page passes
HEADINGS = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]


def _raw_rows(path: Path, sheet: str) -> list[dict]:
    ws = load_workbook(path, read_only=True)[sheet]
    header, *rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [dict(zip(header, r)) for r in rows if any(v is not None for v in r)]


def _exact(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def raw_year(params_file: str, year: int) -> dict:
    """The year's budget and payments in 万元 straight from the department's workbooks (through the params' own
    file and column names), and the score sheet's linked indicators."""
    settings = yaml.safe_load((PROJECT_ROOT / params_file).read_text(encoding="utf-8"))
    raw = PROJECT_ROOT / settings["raw_dir"]
    budget = [r for r in _raw_rows(raw / "budget.xlsx", "预算") if r["年度"] == year]
    spending_file = (settings.get("files") or {}).get("spending.xlsx", "spending.xlsx")
    renamed = (settings.get("columns") or {}).get("spending.xlsx") or {}  # the department's header -> the contract's
    wb = load_workbook(raw / spending_file, read_only=True)
    header, *rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    header = [renamed.get(h, h) for h in header]
    payments = [dict(zip(header, r)) for r in rows if any(v is not None for v in r)]
    amount = next(h for h in header if h.startswith("支付金额"))
    per_wan = Decimal(10_000) if amount.endswith("(元)") else Decimal(1)
    spent = sum((_exact(p[amount]) for p in payments if p["支付日期"].year == year), Decimal(0)) / per_wan
    scoring = _raw_rows(raw / "scoring.xlsx", "指标")
    return {"initial": sum((_exact(r["年初预算(万元)"]) for r in budget), Decimal(0)),
            "adjusted": sum((_exact(r["调整后预算(万元)"]) for r in budget), Decimal(0)), "spent": spent,
            "linked": {r["三级指标"]: r["计分依据"] for r in scoring if r.get("计分依据")}}


def run(tmp_path_factory, params_file: str, *extra):
    out = tmp_path_factory.mktemp("selfeval")
    args = ["run", "--params", PROJECT_ROOT / params_file, "--out", out, "--jobs", JOBS, "--quiet", *extra]
    for year in YEARS[params_file]:
        args += ["--period", year]
    result = jixiao(*args)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return out, out / load_params(PROJECT_ROOT / params_file).evaluation


@pytest.fixture(scope="module")
def dongguan_run(dongguan_batch):
    """The session's batch of params.yaml, which runs each of DONGGUAN_YEARS too: (out, tree), read only."""
    result, tree = dongguan_batch
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return tree.parent, tree


@pytest.fixture(scope="module")
def education_run(tmp_path_factory):
    return run(tmp_path_factory, "params.county-education.yaml", "--no-pdf")  # its tests read the 自评表 only


def _rows(ws) -> dict[str, int]:
    """The first row holding each text."""
    found = {}
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                found.setdefault(c.value, c.row)
    return found


def check_form(tree: Path, params_file: str, year: int) -> None:
    metrics = json.loads((tree / str(year) / "metrics.json").read_text(encoding="utf-8"))
    fields = metrics["自评"]
    raw = raw_year(params_file, year)
    ws = load_workbook(tree / str(year) / "自评表.xlsx").active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:I1", "A2:I2"} <= merged
    assert (ws["A1"].value, ws["A2"].value) == ("项目支出绩效自评表", f"({year}年度)")
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.print_area == f"'{ws.title}'!$A$1:$I${ws.max_row}"
    at = _rows(ws)
    assert [ws.cell(at["一级指标"], c).value for c in range(2, 10)] == HEADINGS
    assert ws.cell(3, 3).value == fields["项目名称"] == metrics["project"]
    total = [ws.cell(at["年度资金总额"], c).value for c in range(4, 10)]
    rate = Fraction(raw["spent"]) / Fraction(raw["adjusted"])
    # the workbooks, by hand: 万元 sums of the year's budget rows and payments dated in it
    assert total == [float(raw["initial"]), float(raw["adjusted"]), float(raw["spent"]), 10, float(rate),
                     float(round_half_up(10 * min(rate, Fraction(1))))]
    # and metrics.json's fields, as the batch stored them
    assert total == [fields["年初预算数"], fields["全年预算数"], fields["全年执行数"], fields["分值"], fields["执行率"],
                     fields["得分"]]
    assert fields["执行率"] == float(Fraction(Decimal(repr(metrics["expenditure"]["spent"])))
                                    / Fraction(Decimal(repr(metrics["expenditure"]["budget"]))))
    # each indicator linked to a computed figure shows the year's figure, or 【待填写】 where the year has none
    stages, roles = metrics["milestones"] or {}, metrics["declared"]["stage_roles"]
    checked = 0
    for name, basis in raw["linked"].items():
        if name not in at or not str(basis).startswith(("stage_completion_rate:", "five_star_rate")):
            continue
        cell = ws.cell(at[name], 6).value
        if basis == "five_star_rate":
            reviews = metrics["public_reviews"]
            expected = Fraction(reviews["five_star"], reviews["total"]) if reviews and reviews["total"] else None
        else:
            stage = basis.split(":", 1)[1]
            stage = stage if stage in stages else roles.get(stage)
            s = stages.get(stage) or {}
            expected = Fraction(s["done"], s["planned"]) if s.get("planned") else None
        assert cell == (PLACEHOLDER if expected is None else float(expected)), name
        if expected is not None:
            assert fields["指标"][name]["实际完成值"] is not None
        checked += 1
    assert checked
    # no 年度指标 sheet: the weights are the department's to fill, so the form is a draft and says so
    assert fields["状态"] == "草稿" and ws.cell(ws.max_row, 1).value == f"草稿:尚有 {fields['待填写']} 处{PLACEHOLDER},填写后方为定稿。"


@pytest.mark.parametrize("year", YEARS["params.yaml"])
def test_each_dongguan_year_writes_its_form_from_what_the_batch_stored(dongguan_run, year):
    check_form(dongguan_run[1], "params.yaml", year)


@pytest.mark.parametrize("year", YEARS["params.county-education.yaml"])
def test_each_county_education_year_writes_its_form(education_run, year):
    check_form(education_run[1], "params.county-education.yaml", year)


def test_the_index_links_each_years_form_and_the_stored_record_is_the_form(dongguan_run):
    _, tree = dongguan_run
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]
    for year in YEARS["params.yaml"]:
        assert index[str(year)]["files"]["selfeval"] == f"{year}/自评表.xlsx"
        assert f'href="{year}/自评表.xlsx"' in (tree / "index.html").read_text(encoding="utf-8")
    assert not BY_NAME["selfeval"].applies("2019-2021", "2019-2021")  # the whole span files no 自评表
    assert [f.name for f in formats_for("2020", "2019-2021")][-1] == "selfeval"


def pdf_pages(path) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(path).pages]


@pytest.mark.parametrize("year", YEARS["params.yaml"])
def test_a_single_years_report_is_its_annual_self_evaluation(dongguan_run, year):
    _, tree = dongguan_run
    params = load_params(PROJECT_ROOT / "params.yaml")
    pages = pdf_pages(tree / str(year) / "report.pdf")
    cover = pages[0]
    assert f"{year}年度绩效自评报告" in cover
    assert f"评价基准日 {year}年12月31日" in cover
    span_number = params.report.cover["报告编号"]
    assert span_number not in " ".join(pages) and "报告编号 【待撰写:报告编号】" in cover  # none of its own given
    # the body's last page may be short: 附件 starts a page of its own (the government format)
    short = {i + 1: len(p) for i, p in enumerate(pages[1:], start=1)
             if len(p) < MIN_PAGE_CHARS and not (i + 1 < len(pages) and pages[i + 1].startswith("附件"))}
    assert short == {}, short
    text = " ".join(pages)
    for heading in ("二、项目支出绩效自评表", "三、年度预算执行情况", "五、评价结论", "六、存在问题", "七、改进措施"):
        assert heading in text, heading
    assert f"{year}年度绩效指标完成情况(自评表)".replace("(", "（").replace(")", "）") in text
    html = (tree / str(year) / "report.html").read_text(encoding="utf-8")
    assert "【待填写：自评.总分】" in html and "【待撰写：本年度预算执行" in html  # the page's full-width colon
    record = json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"][str(year)]
    assert record["placeholders"] > 0  # a draft: the department fills the form and writes 存在问题, 改进措施


def test_fields_list_the_forms_cells(dongguan_run):
    out, _ = dongguan_run
    listed_out = jixiao("fields", "--params", PROJECT_ROOT / "params.yaml", "--out", out, "--period", "2020")
    assert listed_out.returncode == 0, listed_out.stderr
    lines = dict(line.split("\t", 1) for line in listed_out.stdout.splitlines() if "\t" in line)
    metrics = json.loads((out / "dongguan-2019-2021" / "2020" / "metrics.json").read_text(encoding="utf-8"))
    rate = (Decimal(repr(metrics["自评"]["执行率"])) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert lines["自评.执行率"] == f"{rate}%"
    assert lines["自评.总分"] == "【待填写:自评.总分】"
    assert "selfeval.indicators" in lines and "selfeval.funds" in lines


# --- in-process: fields, cover, params, the record, a missed target, compare ----------------------------------


def test_a_null_form_cell_prints_to_be_filled_and_counts_as_a_placeholder():
    counter = Placeholders()
    shown = str(Field("自评.总分", kind_of("自评.总分"), None, counter))
    assert shown == "【待填写:自评.总分】" and counter.keys == ["自评.总分"] and PLACEHOLDER_RE.findall(shown)
    assert str(Field("expenditure.rate", kind_of("expenditure.rate"), None)) == "【无数据:expenditure.rate】"
    assert listed({"自评": {"总分": None, "执行率": 0.5}}) == [("自评.总分", "【待填写:自评.总分】"),
                                                              ("自评.执行率", "50.00%")]


def test_the_cover_of_a_year_has_its_own_number_and_date_never_the_spans():
    year = {"period": "2020", "span": "2019-2021", "period_end": "2020-12-31"}
    whole = {"period": "2019-2021", "span": "2019-2021", "period_end": "2021-12-31"}
    plain = {"报告编号": "X-2022-1", "评价基准日": "2022年6月30日", "委托单位": "某财政局"}
    assert (cover_data(plain, year)["报告编号"], cover_data(plain, year)["评价基准日"]) == ("", "2020年12月31日")
    assert cover_data(plain, year)["委托单位"] == "某财政局"
    assert (cover_data(plain, whole)["报告编号"], cover_data(plain, whole)["评价基准日"]) == ("X-2022-1", "2022年6月30日")
    by_period = {"报告编号": {"2020": "ZP-2020", "2019-2021": "X-2022-1"}}
    assert cover_data(by_period, year)["报告编号"] == "ZP-2020"
    assert cover_data(by_period, whole)["报告编号"] == "X-2022-1"
    assert cover_data(by_period, {**year, "period": "2021"})["报告编号"] == ""


def test_the_report_block_takes_numbers_per_period_and_an_annual_template(tmp_path):
    (tmp_path / "annual.md").write_text("# 一\n\n{{ 自评.总分 }}\n", encoding="utf-8")
    settings = parse_report({"报告编号": {2019: "ZP-2019", "2019-2021": "X-1"}, "annual_template": "annual.md"},
                            tmp_path)
    assert settings.cover["报告编号"] == {"2019": "ZP-2019", "2019-2021": "X-1"}
    assert settings.annual_template == tmp_path / "annual.md"
    with pytest.raises(ParameterError, match="2019年"):
        parse_report({"报告编号": {"2019年": "ZP"}}, tmp_path)


def test_the_stored_record_gives_the_form_back_exactly(dongguan):
    span = Period(2019, 2021)
    metrics = compute_period(dongguan.tables, Period(2020, 2020), span, "东莞").metrics
    form = self_evaluation_form(dongguan.tables, 2020, metrics, project="东莞")
    again = form_from_record(json.loads(json.dumps(form_record(form))))
    assert again == form and again.pending_cells() == form.pending_cells()
    assert list(again.funds) == ["total", "fiscal", "other"]


def _targets(year, rows):
    return pd.DataFrame({"excel_row": range(2, 2 + len(rows)), "year": [year] * len(rows),
                         "level3": [r[0] for r in rows], "nature": ["≥"] * len(rows), "target": [r[1] for r in rows],
                         "unit": ["%"] * len(rows), "weight": [r[2] * SCORE_SCALE for r in rows], "actual": [None] * len(rows),
                         "score": [None] * len(rows), "reason": [None] * len(rows)})


def test_a_missed_target_in_a_run_year_shows_the_reason_to_fill_and_the_draft_mark(tmp_path, dongguan):
    """2021 with its own 年度指标: a 99.99% 五星好评率 target the year misses."""
    span, year = Period(2019, 2021), Period(2021, 2021)
    targets = _targets(2021, [("子项目启动率", "0%", 30), ("终验通过率", "0%", 30), ("公众满意度", "99.99%", 30)])
    tables = dataclasses.replace(dongguan.tables, annual_targets=targets)
    computed = compute_period(tables, year, span, "东莞", None, None, SelfEvaluationSettings(department="某局"))
    reviews = computed.metrics["public_reviews"]
    assert Fraction(reviews["five_star"], reviews["total"]) < Fraction(9999, 10000)  # the target is missed
    folder = tmp_path / "2021"
    write_period_results(folder, computed, {"evaluation": "t", "period": "2021", "span": span.label, "project": "东莞",
                                            "inputs": {}})
    fields = computed.metrics["自评"]
    assert fields["指标"]["公众满意度"]["偏差原因"] is None and fields["状态"] == "草稿"
    assert fields["主管部门"] == "某局"
    parts = period_parts(folder, project="东莞")
    indicators = parts.tables["selfeval.indicators"]
    row = next(r for r in indicators.rows if r[2] == "公众满意度")
    assert row[-1] == PLACEHOLDER and indicators.texts()[indicators.rows.index(row)][-1] == PLACEHOLDER
    reached = next(r for r in indicators.rows if r[2] == "子项目启动率")
    assert reached[-1] is None  # a target reached needs no reason
    build = ReportBuild(folder, parts, "东莞", "2021", span.label, None, None, "", {})
    ws = load_workbook(io.BytesIO(BY_NAME["selfeval"].write(build))).active
    at = _rows(ws)
    assert ws.cell(at["公众满意度"], 9).value == PLACEHOLDER
    assert ws.cell(ws.max_row, 1).value.startswith("草稿:尚有")
    doc = build.doc
    assert doc.title == "2021年度绩效自评报告"
    assert "本表为草稿：尚有4处单元格" in doc.markdown and "【待填写:自评.实施单位】" in doc.placeholders
    # the indicators are all scored (linked to computed figures): the total stands, the missing reason keeps it a draft
    assert fields["待填写"] == 4 and fields["总分"] is not None and "【待填写:自评.总分】" not in doc.placeholders
    assert not [p for p in doc.placeholders if p.startswith("【无数据")]  # every field and table the year has


def test_the_builtin_annual_template_names_only_declared_fields_and_tables():
    from jixiao.output.report import builtin_template, check_template

    check_template(builtin_template(annual=True), "annual.md")


def test_compare_shows_two_years_forms_side_by_side():
    import jixiao as jx

    ev = jx.open("dongguan-2019-2021")
    side = jx.compare(ev, 2019, 2020, what="自评")
    first, second = ev.self_evaluation(2019).set_index(["部分", "项目"]), ev.self_evaluation(2020).set_index(["部分", "项目"])
    names = [c for c in side.columns.get_level_values(0).unique() if c != "差额"]
    assert len(names) == 2 and names[0].endswith("2019") and names[1].endswith("2020")
    total = ("项目资金", "年度资金总额")
    assert side.loc[total, (names[0], "全年执行数(万元)")] == first.loc[total, "全年执行数(万元)"]
    assert side.loc[total, (names[1], "执行率")] == second.loc[total, "执行率"]
    assert side.loc[total, ("差额", "得分")] == second.loc[total, "得分"] - first.loc[total, "得分"]
    with pytest.raises(ParameterError, match="没有自评表"):
        jx.compare(ev, 2019, "2019-2021", what="自评")
