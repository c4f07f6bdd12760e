"""The report from the sections' parts: one formatter, escaped fields, part keys checked before any data."""

from __future__ import annotations

import io
import re
import zipfile
from html import escape

import pytest

from jixiao.contract.fields import RATE, TEXT
from jixiao.contract.results import write_period_results
from jixiao.core.period import Period
from jixiao.output.fields import Field, md_text
from jixiao.output.report import Document, TableBlock, TemplateProblem, check_template
from jixiao.present import format as fmt
from jixiao.present.parts import Column, TablePart
from jixiao.sections import compute_period, declared_part_keys, period_parts

SPAN = Period(2019, 2021)
# markup of every kind a data string could smuggle into the report: HTML (closing the page's <title>), emphasis,
# a table pipe, a link, code, a pandoc raw OpenXML block and a bare Word element
HOSTILE = "测试</title><script>alert(3)</script>项目 *x* a|b [x](javascript:alert(1)) `y` `<w:p/>`{=openxml} <w:p>"


def _docx_text(data: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))
    from html import unescape

    return xml, unescape(text)


def test_a_rate_of_0_0005_prints_the_same_on_a_page_in_a_field_in_word_and_in_excel():
    from jixiao.output.docx import write_docx

    part = TablePart("x.rates", "比率", (Column("项目", TEXT), Column("比率", RATE)), [("甲", 0.0005), ("乙", 0.000049)])
    page = part.html()
    assert '<td class="jx-num">0.05%</td>' in page and '<td class="jx-num">0.0049%</td>' in page
    assert str(Field("expenditure.rate", RATE, 0.0005)) == "0.05%"
    assert str(Field("public_reviews.bad_rate", RATE, 0.000049)) == "0.0049%"
    doc = Document(title="t", project="p", cover=[], markdown="JXBLOCK0000\n", blocks=[TableBlock(part, "比率", 1)])
    _, text = _docx_text(write_docx(doc))
    assert "0.05%" in text and "0.0049%" in text and "0.050%" not in text
    # Excel keeps the number, shown with the decimals the page prints
    assert fmt.excel_format(RATE, [0.0005]) == "0.00%" and fmt.excel_format(RATE, [0.0005, 0.000049]) == "0.0000%"


def test_a_shown_output_carries_its_text_for_a_frontend_without_html(monkeypatch):
    """``papermill --log-output`` and a console print an output's text/plain: the parts' text, not an object's repr."""
    from IPython.core.formatters import DisplayFormatter

    from jixiao.present import parts as parts_module
    from jixiao.present.parts import ChartPart, Note

    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    table = TablePart("x.rates", "比率", (Column("项目", TEXT), Column("比率", RATE)), [("甲", 0.0005)])
    parts_module.show([Note("本期支出率 0.05%。"), table, ChartPart("x.chart", "比率图", "bar_chart", (["甲"], [0.05]), {"title": "比率图", "ylabel": "%"})])
    formats = [DisplayFormatter().format(output)[0] for output in shown]
    assert [f["text/plain"] for f in formats] == ["本期支出率 0.05%。", "比率\n项目  比率\n甲  0.05%\n\n〔图〕比率图"]
    assert all("text/html" in f for f in formats) and "Shown" not in repr(shown)


def test_every_declared_part_key_names_its_section_and_a_misspelt_one_is_caught_before_any_data():
    keys = declared_part_keys()
    assert {"expenditure.bands", "expenditure.by_year", "milestones.completion", "trends.stages"} <= set(keys)
    assert all(k.startswith(f"{s.key}.") for k, s in keys.items())
    check_template('{{ table("expenditure.bands") }}\n{{ chart("expenditure.bands") }}\n{{ section("trends") }}\n', "t.md")
    for text, near in (('# 一\n\n{{ table("expenditure.band") }}\n', "expenditure.bands"),
                       ('# 一\n\n{{ chart("trends.stage") }}\n', "trends.stages"),
                       ('# 一\n\n{{ section("expenditur") }}\n', "expenditure")):
        with pytest.raises(TemplateProblem) as caught:
            check_template(text, "模板.md")
        assert caught.value.file == "模板.md" and caught.value.line == 3 and near in str(caught.value), str(caught.value)


def test_validate_names_a_misspelt_part_key_before_any_data(tmp_path):
    """``jixiao validate --params`` checks the template's part keys against the registry: no run, no results."""
    from batchrun import jixiao
    from minimal import evaluation

    params = evaluation(tmp_path, "tpl", template='# 一、概况\n\n{{ table("expenditure.bnads") }}\n',
                        periods=["2020-2021"])
    checked = jixiao("validate", "--params", params)
    assert checked.returncode == 2, checked.stdout
    assert "report.md 第 3 行" in checked.stdout and "expenditure.bnads" in checked.stdout
    assert "expenditure.bands" in checked.stdout and not (tmp_path / "out").exists()


def test_markdown_escaping_leaves_the_text_as_it_reads():
    assert md_text("98.42%") == "98.42%" and md_text("2019-2021") == "2019-2021"
    assert md_text("- 列表") == "\\- 列表" and md_text("1. 列表") == "1\\. 列表"
    assert md_text("a\n\n# 标题") == "a \\# 标题"  # data never starts a block


@pytest.fixture(scope="module")
def hostile_period(dongguan, tmp_path_factory):
    """The whole span's results with the hostile string as the project, a domain (table cells and a list field)
    and a survey question (a table's and a chart's caption)."""
    results = compute_period(dongguan.tables, SPAN, SPAN, HOSTILE, dongguan.published)
    frames = results.frames
    domains = frames["expenditure"]["domains"]
    first = domains["domain"].iloc[0]
    domains.loc[domains.index[0], "domain"] = HOSTILE
    results.metrics["expenditure"]["investment_top3_to_end"][0] = [HOSTILE]
    named = results.metrics["expenditure"]["domains"]
    results.metrics["expenditure"]["domains"] = {HOSTILE if k == first else k: v for k, v in named.items()}
    shares = frames["satisfaction"]["survey_shares"]
    question = shares["question"].iloc[0]
    shares.loc[shares["question"] == question, "question"] = HOSTILE
    folder = tmp_path_factory.mktemp("hostile-report") / "2019-2021"
    write_period_results(folder, results, {"evaluation": "x", "period": "2019-2021"})
    assert first != HOSTILE and question != HOSTILE
    return folder


TEMPLATE = """# 一、概况

项目:{{ project }}。委托:{{ cover["委托单位"] }}。投资前列:{{ expenditure.investment_top3_to_end }}。

{% for name, domain in expenditure.domains.items() %}{{ name }};{% endfor %}

{{ table("expenditure.domains") }}

{{ table("satisfaction.question#1") }}
"""


def test_hostile_strings_are_text_in_every_field_cell_caption_and_cover_of_html_pdf_and_word(hostile_period):
    from pypdf import PdfReader

    from jixiao.output.formats import build_report

    doc, html, pdf, docx = build_report(hostile_period, project=HOSTILE, period="2019-2021", span="2019-2021",
                                        published=None, template_text=TEMPLATE, template_name="t.md",
                                        settings={"委托单位": HOSTILE})
    # HTML: no live script, link, emphasis or code; the string itself, escaped, wherever it was put
    assert "<script>" not in html and "javascript:alert(1)</a>" not in html and 'href="javascript' not in html
    assert "<em>" not in html and "<code>" not in html and "<w:p" not in html
    shown = escape(HOSTILE, quote=False)
    assert f"<title>{escape(HOSTILE)} 财政绩效评价报告" in html  # the page's title
    assert f'<p class="jx-project">{escape(HOSTILE)}</p>' in html  # the cover
    assert f"<td>委托单位</td><td>{escape(HOSTILE)}</td>" in html  # a cover field
    assert f"项目：{shown}。委托：{shown}。投资前列：{shown}" in html  # fields, the list field
    assert f"{shown}；" in html  # a name from the data, iterated
    # a table cell (jx-long: marked for print as a column of longer texts, output.govprint.table_layout)
    assert f'<td class="jx-text jx-wrap jx-long">{shown}</td>' in html
    assert f"<caption>表2 {shown}</caption>" in html  # a caption
    # Word: the text is there literally, and no element came from it
    xml, text = _docx_text(docx)
    assert text.count(HOSTILE) >= 6, text[:2000]  # the cover's project and 委托单位, 3 fields, a cell, a caption
    assert "<w:hyperlink" not in xml and "<w:i/>" not in xml and "javascript" not in "".join(re.findall(r"<[^>]+>", xml))
    assert xml.count("<w:p>") == 0 or "&lt;w:p&gt;" in xml
    # the PDF prints it as text too
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "alert(3)" in pdf_text and "[x](javascript:alert(1))" in pdf_text.replace("\n", "")


def test_the_parts_of_a_period_are_computed_from_its_results_not_from_notebooks(hostile_period):
    parts = period_parts(hostile_period)
    assert not list(hostile_period.glob("*.ipynb"))
    assert parts.tables["expenditure.domains"].rows[0][0] == HOSTILE
    assert parts.charts["satisfaction.question#1"].caption == HOSTILE
    assert all(k.split("#")[0] in declared_part_keys() for k in [*parts.tables, *parts.charts])
    assert parts.failed == {} and len(parts.digest()) == 64


def test_early_cut_off_rerenders_only_what_its_parts_changed(tmp_path):
    """A survey answer edited: the single years' pages stand (their parts did not change) and of their reports
    only the workpapers (which list the inputs' SHA-256) are rebuilt; a template edit rebuilds the reports'
    text outputs, not the workpapers; the summary says what was rebuilt."""
    import json

    from openpyxl import load_workbook

    from batchrun import jixiao
    from minimal import build

    build(tmp_path / "raw")
    (tmp_path / "report.md").write_text("# 一、概况\n\n支出率{{ expenditure.rate }}。\n", encoding="utf-8")
    params = tmp_path / "params.yaml"
    params.write_text(json.dumps({"evaluation": "cut", "project": "某县项目", "raw_dir": "raw", "span": "2020-2021",
                                  "periods": [2020, 2021, "2020-2021"], "out_dir": "out",
                                  "report": {"template": "report.md", "annual_template": "report.md"}},
                                 ensure_ascii=False), encoding="utf-8")  # one template for the span and the years
    tree = tmp_path / "out" / "cut"

    def run():
        # two workers: after an edit the report is split over them (its Word file apart), then stored as one set
        done = jixiao("run", "--params", params, "--jobs", "2", "--quiet")
        assert done.returncode == 0, done.stderr[-2000:]
        index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
        pages = {(r["period"], r["section"]) for r in index["results"] if not r["reused"] and r["status"] != "n/a"}
        return done, pages, {p: r.get("rebuilt") if r["built"] else None for p, r in index["reports"].items()}

    run()
    mtimes = {p: (tree / p / "report.pdf").stat().st_mtime_ns for p in ("2020", "2021")}
    wb = load_workbook(tmp_path / "raw" / "survey.xlsx")
    ws = wb["问卷"]
    assert ws.cell(row=4, column=2).value == "满意"
    ws.cell(row=4, column=2).value = "一般"
    wb.save(tmp_path / "raw" / "survey.xlsx")
    done, pages, reports = run()
    # of the span's pages that read the survey, those that show what moved: the satisfaction page (the answers'
    # shares) and the overview (问卷合计占比). The scores (this folder computes none from the survey) and the years'
    # comparison (no survey) stand, though their period's metrics.json moved
    assert pages == {("2020-2021", "satisfaction"), ("2020-2021", "overview")}, pages
    assert reports["2020"] == reports["2021"] == ["workpapers"]
    assert set(reports["2020-2021"]) == {"html", "pdf", "docx", "workpapers", "normalised"}
    assert {p: (tree / p / "report.pdf").stat().st_mtime_ns for p in mtimes} == mtimes
    assert "报告:重建 2020(workpapers)、2021(workpapers)、2020-2021(" in done.stdout, done.stdout
    (tmp_path / "report.md").write_text("# 一、资金\n\n支出{{ expenditure.spent }}。\n", encoding="utf-8")
    done, pages, reports = run()
    assert pages == set()
    assert all(set(kinds) == {"html", "pdf", "docx"} for kinds in reports.values()), reports
    assert "一、资金" in (tree / "2020" / "report.html").read_text(encoding="utf-8")
    _, pages, reports = run()
    assert pages == set() and all(kinds is None for kinds in reports.values())
