"""The batch as a reviewer receives it: every notebook executed, exported, indexed (runs papermill)."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest
from batchrun import JOBS, jixiao
from conftest import DONGGUAN_PERIODS, DONGGUAN_RAW, FIGURES, PROJECT_ROOT
from helpers import assert_carries_its_own_font
from openpyxl import load_workbook
from pypdf import PdfReader

from jixiao.present.format import fmt_pct, fmt_points, fmt_wan
from jixiao.sections import SECTIONS as REGISTRY

SECTIONS = tuple(s.key for s in REGISTRY)
SECTION_TITLES = {s.key: s.title for s in REGISTRY}

PERIODS = DONGGUAN_PERIODS
# 2019 has no survey, no reviews and no score sheet: those sections are 不适用 there and get no page
APPLICABLE = {"2019-2021": SECTIONS, "2019": ("overview", "expenditure", "milestones")}


@pytest.fixture
def batch(dongguan_batch):
    """The session's one run of params.yaml (conftest): read only."""
    return dongguan_batch


def test_the_run_succeeds_and_writes_the_whole_tree(batch):
    result, tree = batch
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    for period in PERIODS:
        names = sorted(p.name for p in (tree / period).iterdir())
        # a single year shows no survey or score table (they cover the whole evaluation): no workbook for those
        assert names == sorted(["metrics.json", "frames", "report.html", "report.pdf", "report.docx", "workpapers.html",
                                "normalised-cells.csv"]
                               + [f"{s}.xlsx" for s in APPLICABLE[period]]
                               + (["自评表.xlsx"] if period != "2019-2021" else [])  # a single year's 自评表
                               + [f"{s}.{ext}" for s in APPLICABLE[period] for ext in ("html", "ipynb", "pdf")])
        assert (tree / period / "frames" / "manifest.json").is_file()
    assert (tree / "index.html").is_file() and (tree / "index.json").is_file()
    # no temp files left; the run records live in .jixiao/
    assert not [p for p in tree.rglob(".*") if p.name not in (".jixiao-run.lock", ".jixiao")]


def test_metrics_json_reproduces_the_report(batch):
    _, tree = batch
    m = json.loads((tree / "2019-2021" / "metrics.json").read_text(encoding="utf-8"))
    assert m["period"] == "2019-2021"
    e, f = m["expenditure"], FIGURES["funding"]
    assert (fmt_wan(e["budget"]), fmt_wan(e["spent"]), fmt_pct(e["rate"])) == (
        f["budget_arranged"], f["spent"], f["spend_rate"])
    assert e["subproject_bands"] == f["bands"] and e["no_funds_issued"] == f["no_funds_issued"]
    for stage, printed in FIGURES["milestones"].items():
        got = m["milestones"][stage]
        assert (got["planned"], got["done"], fmt_pct(got["rate"])) == (printed["planned"], printed["done"], printed["rate"])
    assert m["survey"]["respondents"] == FIGURES["survey"]["respondents"]
    r = m["public_reviews"]
    assert (r["total"], r["five_star"], r["bad"]) == (35806422, 35793910, 1738)
    assert fmt_pct(r["five_star_rate"]) == "99.97%"
    s = m["scoring"]
    assert (fmt_points(s["total"]), s["grade"]) == ("77.20", "中")
    assert {k: fmt_points(v["score"]) for k, v in s["levels"].items()} == {
        k: v["score"] for k, v in FIGURES["score_table"]["rows"].items()}


@pytest.mark.parametrize("period", PERIODS)
def test_the_api_gives_what_the_batch_wrote(batch, period):
    """``jx.open(...).period(p)`` is the batch's computation: the same metrics.json, the same frames."""
    import pandas as pd

    import jixiao as jx
    from jixiao.contract.results import metrics_json, read_section_results

    _, tree = batch
    ev = jx.open("dongguan-2019-2021")
    computed = ev.period(period)
    assert (tree / period / "metrics.json").read_text(encoding="utf-8") == metrics_json(computed.metrics)
    for key in SECTIONS:
        _, frames = read_section_results(tree / period, key, {"period": period})
        assert frames.keys() == computed.frames[key].keys()
        for name, frame in frames.items():
            pd.testing.assert_frame_equal(frame, computed.frames[key][name], check_dtype=False)


def test_a_single_year_without_survey_reviews_or_scores_has_no_stub_page(batch):
    _, tree = batch
    m = json.loads((tree / "2019" / "metrics.json").read_text(encoding="utf-8"))
    assert m["period"] == "2019" and m["survey"] is None and m["scoring"] is None and m["public_reviews"] is None
    assert m["notes"]["survey"] == "问卷调查与评分表不分年度，覆盖整个评价期（2019-2021）；单年度报告不单列，请见 2019-2021 报告。"
    status = {(r["period"], r["section"]): r["status"] for r in
              json.loads((tree / "index.json").read_text(encoding="utf-8"))["results"]}
    assert status[("2019", "satisfaction")] == status[("2019", "scoring")] == status[("2019", "trends")] == "n/a"
    assert status[("2019-2021", "satisfaction")] == status[("2019-2021", "scoring")] == "ok"
    assert not (tree / "2019" / "satisfaction.html").exists() and not (tree / "2019" / "scoring.pdf").exists()
    index = (tree / "index.html").read_text(encoding="utf-8")
    for key in ("satisfaction", "scoring", "trends"):
        assert f'不适用<br><small>本节内容不分年度，见<a href="2019-2021/{key}.html">2019-2021 报告</a>' in index
    # the session's batch runs the other years too (test_selfeval_run reads them): count 2019's row and the span's
    rows = dict(re.findall(r"<tr><td><b>(\d{4}(?:-\d{4})?)</b>(.*?)</tr>", index, re.S))
    assert "✓ 完成" in index and rows["2019"].count("不适用<br>") == 3 and "不适用<br>" not in rows["2019-2021"]


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("section", SECTIONS)
def test_html_is_chinese_self_contained_and_shows_no_code(batch, period, section):
    _, tree = batch
    if section not in APPLICABLE[period]:
        return
    html = (tree / period / f"{section}.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in html
    assert "open_section" not in html and "import " not in html and "jp-InputArea" not in html
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(\s*['\"]?https?:", html)
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    assert SECTION_TITLES[section] in html
    # provenance is an appendix at the end, paths relative to the project, never absolute
    body, footer = html.split('<section class="jx-provenance" id="jx-provenance">')
    assert footer.startswith("<h2>附录：数据来源与生成信息</h2>") and "</section>" in footer
    assert "jixiao" in footer and f"period = {period}；" in footer
    assert "raw_dir = data/raw/dongguan-2019-2021</td>" in footer and str(PROJECT_ROOT) not in html
    assert re.search(r"生成时间 \d{4}-\d\d-\d\dT", footer) and re.search(r"运行用时 [\d.]+ 秒", footer)
    for name in ("subprojects.xlsx", "budget.xlsx", "spending.xlsx", "milestones.xlsx", "survey.xlsx", "scoring.xlsx"):
        assert re.search(rf"输入 {re.escape(name)}</td><td>SHA-256 [0-9a-f]{{64}}", footer)
    assert not re.search(r"SHA-256|published\.yaml|data/raw|运行用时", body)
    if section != "overview":
        assert "data:image/png;base64," in html or "为空" in html or "不单列" in html
    assert_carries_its_own_font(html)


APPENDIX = "附录：数据来源与生成信息"
METADATA = ("jixiao", "生成", "参数", "输入", "运行用时", "数据来源与生成信息")  # provenance lines, old and new


def pdf_page_lines(pdf) -> list[tuple[list[str], int]]:
    """Each page's text lines (without its margin boxes) and how many charts it holds."""
    pages = []
    for page in PdfReader(pdf).pages:
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines() if line.strip()]
        # the margin boxes: the page number at its foot, an example's 示例（模拟数据） at its head
        pages.append(([line for line in lines if not re.fullmatch(r"\d+ / \d+|示例（模拟数据）", line)], len(page.images)))
    return pages


@pytest.mark.parametrize("period", PERIODS)
def test_no_pdf_page_is_near_blank_or_ends_with_a_heading(batch, period):
    """A bureau's reader never turns to a page holding only a footer or metadata, nor finds a heading alone
    at the foot of a page."""
    from jixiao.output.export import zh_punctuation

    _, tree = batch
    headings = {" ".join(zh_punctuation(text).split()) for s in REGISTRY for text in (s.title, *(b.heading for b in s.blocks))}
    headings.update((APPENDIX, "数据来源与生成信息"))
    for section in APPLICABLE[period]:
        for number, (lines, charts) in enumerate(pdf_page_lines(tree / period / f"{section}.pdf"), start=1):
            # the appendix (never split) is metadata, not report text
            body = [line for line in (lines[:lines.index(APPENDIX)] if APPENDIX in lines else lines)
                    if not line.startswith(METADATA)]
            where = f"{period}/{section}.pdf page {number}"
            assert len(body) >= 3 or charts, f"{where} holds only {lines}"
            assert lines[-1] not in headings, f"{where} ends with the heading {lines[-1]}"


@pytest.mark.parametrize("section", SECTIONS)
def test_pdf_is_a4_with_its_chinese_title_in_the_bundled_font(batch, section):
    _, tree = batch
    reader = PdfReader(tree / "2019-2021" / f"{section}.pdf")
    width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = "".join(page.extract_text() for page in reader.pages)
    assert SECTION_TITLES[section] in text
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("JixiaoCJK" in f for f in fonts), fonts


def test_index_links_every_export(batch):
    _, tree = batch
    html = (tree / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', html))
    for period in PERIODS:
        for section in APPLICABLE[period]:
            for ext in ("html", "pdf", "ipynb"):
                assert f"{period}/{section}.{ext}" in links
        assert f"{period}/metrics.json" in links
    assert all((tree / link).is_file() for link in links)
    assert "得分 77.20(中)" in html
    assert_carries_its_own_font(html)


def test_every_shown_table_is_in_the_section_workbook_with_typed_cells(batch):
    _, tree = batch
    m = json.loads((tree / "2019-2021" / "metrics.json").read_text(encoding="utf-8"))
    wb = load_workbook(tree / "2019-2021" / "expenditure.xlsx")
    assert wb.sheetnames == ["分年度预算与支出（各年度当年）", "分领域投资（截至 2021-12-31）与本期支出",
                             "子项目支出率分布（截至 2021-12-31）", "暂未下达资金的子项目（截至 2021-12-31）",
                             "各子项目支出率（截至 2021-12-31）"]
    ws = wb["分年度预算与支出（各年度当年）"]
    # the title, 单位, then the headers; 数据来源 below the table
    assert ws["A1"].value == "分年度预算与支出（各年度当年）" and ws["F2"].value == "单位:万元"
    # every header of bare numbers names its unit; a rate's cells carry their own (0.00%)
    assert [c.value for c in ws[3]] == ["年度", "年初预算（万元）", "调整后预算（万元）", "实际支出（万元）", "支出率", "预算调整率"]
    assert ws.freeze_panes == "A4"
    assert ws.cell(row=ws.max_row, column=1).value.startswith("数据来源:评价 dongguan-2019-2021 的原始工作簿")
    (total,) = [row for row in ws.iter_rows(min_row=4) if row[0].value == "合计"]
    assert (total[2].value, total[2].number_format) == (m["expenditure"]["budget"], "#,##0.00")
    assert (total[4].value, total[4].number_format) == (pytest.approx(m["expenditure"]["rate"], abs=1e-12), "0.00%")
    bands = wb["子项目支出率分布（截至 2021-12-31）"]
    counts = {row[0].value: row[1].value for row in bands.iter_rows(min_row=4) if row[1].value is not None}
    assert counts.pop("合计") == m["expenditure"]["subprojects"]  # the part's 合计 row reaches the workbook too
    assert counts == m["expenditure"]["subproject_bands"] and all(isinstance(v, int) for v in counts.values())
    links = set(re.findall(r'href="([^"]+)"', (tree / "index.html").read_text(encoding="utf-8")))
    assert {f"2019-2021/{s}.xlsx" for s in SECTIONS} <= links


def test_executed_notebooks_carry_the_injected_parameters(batch):
    _, tree = batch
    nb = nbformat.read(tree / "2019" / "expenditure.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'period = "2019"' in injected[0].source
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))


# one line: a title with a line break is refused before any work (tests/test_params.py), so the payload is the
# quote, the comment and the markup
HOSTILE_PROJECT = '东莞"; raise SystemExit("injected") # 第二行 <b>粗</b>'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A run with a notebook made to fail, a project title written to break code, and a script in a name."""
    base = tmp_path_factory.mktemp("hostile")
    raw = base / "raw"
    shutil.copytree(DONGGUAN_RAW, raw)
    wb = load_workbook(raw / "subprojects.xlsx")
    wb["子项目"]["B2"] = "<script>alert(1)</script>"
    wb["子项目"]["B3"] = '=HYPERLINK("http://x","y")'
    wb["子项目"]["B3"].data_type = "s"  # typed as text in the department's sheet, not a formula
    wb.save(raw / "subprojects.xlsx")
    notebooks = base / "notebooks"
    shutil.copytree(PROJECT_ROOT / "notebooks", notebooks)
    nb = nbformat.read(notebooks / "milestones.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("故意失败")'))
    nbformat.write(nb, notebooks / "milestones.ipynb")
    params = base / "params.yaml"
    params.write_text(json.dumps({"evaluation": "hostile", "project": HOSTILE_PROJECT, "raw_dir": "raw",
                                  "span": "2019-2021", "periods": ["2019-2021"], "out_dir": "out"},
                                 ensure_ascii=False), encoding="utf-8")
    result = jixiao("run", "--params", params, "--notebooks", notebooks, "--jobs", JOBS, "--quiet")
    return result, base / "out" / "hostile"


def test_a_failing_notebook_is_reported_and_the_others_still_export(hostile):
    result, tree = hostile
    assert result.returncode == 1
    assert "失败:2019-2021/milestones:RuntimeError: 故意失败" in result.stderr
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    status = {r["section"]: r["status"] for r in index["results"]}
    assert status == {"overview": "ok", "expenditure": "ok", "milestones": "failed", "satisfaction": "ok", "scoring": "ok",
                      "trends": "ok"}
    for section in ("overview", "expenditure", "satisfaction", "scoring"):
        assert (tree / "2019-2021" / f"{section}.pdf").is_file()
    failed_nb = nbformat.read(tree / "2019-2021" / "milestones.ipynb", as_version=4)
    errors = [o for c in failed_nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["evalue"] == "故意失败"
    assert not (tree / "2019-2021" / "milestones.pdf").exists()
    index_html = (tree / "index.html").read_text(encoding="utf-8")
    assert 'href="2019-2021/milestones.ipynb"' in index_html and "× 失败" in index_html
    assert "本节生成失败" in (tree / "2019-2021" / "milestones.html").read_text(encoding="utf-8")


def test_a_failed_sections_chapter_is_marked_in_the_html_pdf_and_word_report_and_the_index_says_draft(hostile):
    import io
    import zipfile

    from pypdf import PdfReader

    result, tree = hostile
    assert result.returncode == 1
    html = (tree / "2019-2021" / "report.html").read_text(encoding="utf-8")
    marks = re.findall(r'<div class="jx-failed"><p>(.*?)</p></div>', html)
    # the built-in template names the milestones table once: the mark stands there, naming the error and the log
    assert len(marks) == 1 and "本章生成失败" in marks[0] and "RuntimeError: 故意失败" in marks[0], marks
    assert "2019-2021/milestones.html" in marks[0]
    pdf = "".join(p.extract_text() for p in PdfReader(tree / "2019-2021" / "report.pdf").pages)
    assert "本章生成失败" in pdf and "故意失败" in pdf
    with zipfile.ZipFile(io.BytesIO((tree / "2019-2021" / "report.docx").read_bytes())) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "本章生成失败" in xml and "2019-2021/milestones.html" in xml
    report = json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]["2019-2021"]
    assert report["placeholders"] >= 1 and "草稿" in (tree / "index.html").read_text(encoding="utf-8")


def test_parameters_reach_the_notebook_as_data(hostile):
    _, tree = hostile
    nb = nbformat.read(tree / "2019-2021" / "overview.ipynb", as_version=4)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    html = (tree / "2019-2021" / "overview.html").read_text(encoding="utf-8")
    assert "东莞&quot;; raise SystemExit(&quot;injected&quot;) # 第二行 &lt;b&gt;粗&lt;/b&gt;" in html


def test_a_name_that_looks_like_a_formula_stays_text_in_the_workbook(hostile):
    _, tree = hostile
    wb = load_workbook(tree / "2019-2021" / "expenditure.xlsx")
    names = [c for row in wb["各子项目支出率（截至 2021-12-31）"].iter_rows(min_row=2) for c in row[1:2]]
    cell = next(c for c in names if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","y")'


def test_user_strings_are_escaped_in_exports_and_index(hostile):
    _, tree = hostile
    html = (tree / "2019-2021" / "expenditure.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    index = (tree / "index.html").read_text(encoding="utf-8")
    assert "<b>粗</b>" not in index and "&lt;b&gt;粗&lt;/b&gt;" in index


def test_a_notebook_opened_as_is_takes_params_yaml(tmp_path):
    """An analyst opening a notebook in Jupyter runs it with blank parameters: params.yaml fills them."""
    import papermill as pm

    out = tmp_path / "scoring.ipynb"
    nb = pm.execute_notebook(str(PROJECT_ROOT / "notebooks" / "scoring.ipynb"), str(out), kernel_name="python3",
                             progress_bar=False, cwd=str(tmp_path))
    shown = json.dumps([o for c in nb.cells for o in c.get("outputs", [])], ensure_ascii=False)
    assert "2019-2021 年度东莞市数字政府建设项目" in shown and "77.20" in shown
