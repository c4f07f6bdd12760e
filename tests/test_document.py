"""Each period's whole report (report.html / report.pdf) and the year-over-year chapter (runs the batch once)."""

from __future__ import annotations

import json
import re

import pytest
from batchrun import jixiao
from conftest import PROJECT_ROOT
from pypdf import PdfReader
from test_batch import assert_carries_its_own_font

from jixiao.output.document import (
    build_period_report,
    chapter_html,
    chinese_number,
    section_heading,
    Chapter,
    Numbers,
)
from jixiao.present.fonts import MissingGlyphError
from jixiao.core.period import Period
from jixiao.contract.params import load_params
from jixiao.sections import SECTIONS, compute_period

PERIODS = ("2019-2021", "2019")
PARAMS = load_params(PROJECT_ROOT / "params.yaml")
PROJECT = PARAMS.project


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    args = ["run", "--params", PROJECT_ROOT / "params.yaml", "--out", out, "--jobs", "2", "--quiet"]
    for p in PERIODS:
        args += ["--period", p]
    result = jixiao(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    return out / PARAMS.evaluation


def pdf_pages(path) -> list[str]:
    """Each page's text with runs of white space as one space (pypdf gives the font's spaces as tabs)."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(path).pages]


def outline(path) -> list[tuple[int, str, int]]:
    """(depth, title, page number from 1) of every PDF bookmark, in order."""
    reader = PdfReader(path)
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return out


def expected_sections(section, whole: bool) -> list[str]:
    """A section's block headings as the document numbers them: (一)(二) …, 附 headings unnumbered."""
    out, n = [], 0
    for block in section.blocks:
        if block.heading.startswith("附"):
            out.append(section_heading(block.heading, None))
        else:
            n += 1
            out.append(section_heading(block.heading, n))
    return out


def test_every_period_has_a_report_and_the_index_links_it_first(tree):
    html = (tree / "index.html").read_text(encoding="utf-8")
    for period in PERIODS:
        assert (tree / period / "report.html").is_file() and (tree / period / "report.pdf").is_file()
        row = re.search(rf"<tr><td><b>{re.escape(period)}</b>.*?</tr>", html, re.S).group(0)
        links = re.findall(r'href="([^"]+)"', row)
        assert links[:2] == [f"{period}/report.html", f"{period}/report.pdf"], links
    reports = json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]
    assert reports["2019"]["files"] == {"html": "2019/report.html", "pdf": "2019/report.pdf"}


@pytest.mark.parametrize("period", PERIODS)
def test_the_pdf_has_cover_contents_with_page_numbers_and_bookmarks(tree, period):
    path = tree / period / "report.pdf"
    pages = pdf_pages(path)
    metrics = json.loads((tree / period / "metrics.json").read_text(encoding="utf-8"))
    cover = pages[0]
    assert "绩效评价报告" in cover and PROJECT.replace(" ", "") in cover.replace(" ", "")
    assert f"报告期间 {period}" in cover and f"评价 {PARAMS.evaluation}" in cover
    assert re.search(r"生成日期 \d{4}年\d{1,2}月\d{1,2}日", cover)
    if period == "2019-2021":
        assert "绩效得分 77.20 分 · 等级 中" in cover
    else:
        assert metrics["scoring"] is None and "绩效得分" not in cover
    marks = outline(path)
    chapters = [(title, page) for depth, title, page in marks if depth == 0 and title != "目 录"]
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    not_applicable = {r["section"] for r in index["results"] if r["period"] == period and r["status"] == "n/a"}
    shown = [s for s in SECTIONS if s.key not in not_applicable]  # 不适用 in the index: no chapter
    assert (period == "2019-2021") == (not not_applicable)
    titles = [s.title for s in shown]
    assert [t for t, _ in chapters] == [f"{chinese_number(i)}、{t}" for i, t in enumerate(titles, 1)] + [
        "附录：数据来源与生成信息"]
    for i, section in enumerate(shown):
        inside = [title for depth, title, _ in marks[marks.index((0, chapters[i][0], chapters[i][1])) + 1:]
                  if depth == 1][: len(section.blocks)]
        assert inside == expected_sections(section, period == "2019-2021"), section.key
    # the contents print each chapter's and section's page, and that page is where its bookmark points
    contents = pages[1]
    assert contents.startswith("目 录") or "目 录" in contents[:20]
    for depth, title, page in marks:
        if title == "目 录":
            continue
        assert re.search(re.escape(title) + r" \.+ ?" + str(page) + r"\b", contents), (title, page)
        assert title.split("、")[-1][:6] in pages[page - 1].replace(" ", "") or title[:6] in pages[page - 1]


@pytest.mark.parametrize("period", PERIODS)
def test_every_page_after_the_cover_has_the_running_header_and_page_x_of_y(tree, period):
    pages = pdf_pages(tree / period / "report.pdf")
    total = len(pages)
    assert total > 5
    assert "第 1 页" not in pages[0] and f"{PROJECT} · {period}" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"{PROJECT} · {period}" in text, number
        assert f"第 {number} 页 共 {total} 页" in text, number


@pytest.mark.parametrize("period", PERIODS)
def test_tables_and_figures_are_numbered_and_captioned_in_order(tree, period):
    html = (tree / period / "report.html").read_text(encoding="utf-8")
    tables = re.findall(r'<table\b[^>]*class="[^"]*jx-table[^"]*"[^>]*>\s*(<caption>表(\d+) ([^<]+)</caption>)?', html)
    assert tables and all(caption for caption, _, _ in tables), "a table without its 表N caption"
    assert [int(n) for _, n, _ in tables] == list(range(1, len(tables) + 1))
    assert all(text.strip() for _, _, text in tables)
    figures = re.findall(r'<figure class="jx-figure"[^>]*><img src="data:image/png;base64,[^"]+" alt="([^"]*)">'
                         r"<figcaption>图(\d+) ([^<]+)</figcaption></figure>", html)
    assert len(figures) == html.count("<img ") and figures
    assert [int(n) for _, n, _ in figures] == list(range(1, len(figures) + 1))
    assert all(alt == title and title for alt, _, title in figures)  # the chart's own title
    assert "分年度调整后预算与实际支出（万元）" in [title for _, _, title in figures]
    text = " ".join(pdf_pages(tree / period / "report.pdf"))
    assert f"表{len(tables)} " in text and f"图{len(figures)} " in text and "表1 主要指标" in text


@pytest.mark.parametrize("period", PERIODS)
def test_the_html_is_self_contained_hides_code_and_ends_with_the_provenance(tree, period):
    html = (tree / period / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in html and "open_section" not in html and "import " not in html
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(\s*['\"]?https?:", html)
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    assert_carries_its_own_font(html)
    appendix = html[html.index('<section class="jx-appendix">'):]
    assert f"参数 period</td><td>{period}" not in appendix  # the run's parameters, not a section's
    assert re.search(r"输入 budget.xlsx</td><td>SHA-256 [0-9a-f]{64}", appendix)
    import hashlib

    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    not_applicable = {r["section"] for r in index["results"] if r["period"] == period and r["status"] == "n/a"}
    for section in SECTIONS:
        if section.key in not_applicable:  # no page, no chapter
            assert not (tree / period / section.notebook).exists() and f"<td>{section.notebook}</td>" not in appendix
            continue
        notebook = (tree / period / section.notebook).read_bytes()
        assert f"SHA-256 {hashlib.sha256(notebook).hexdigest()}" in appendix, section.key


def test_the_year_over_year_chapter_is_in_the_whole_span_report_only(tree):
    whole = (tree / "2019-2021" / "report.html").read_text(encoding="utf-8")
    assert "六、历年对比" in whole and "各年末子项目支出率分布(占比)" in whole and "各月评价数(万条)与五星好评率" in whole
    single = (tree / "2019" / "report.html").read_text(encoding="utf-8")
    assert "历年对比" not in single  # 不适用 in a single year: no chapter
    assert (tree / "2019-2021" / "trends.html").is_file() and (tree / "2019-2021" / "trends.pdf").is_file()


def test_year_over_year_figures_equal_the_years_own_reports(dongguan):
    span = Period(2019, 2021)
    trends = compute_period(dongguan.tables, span, span, "东莞", dongguan.published).metrics["trends"]
    assert trends["years"] == [2019, 2020, 2021]
    months = {}
    for year in trends["years"]:
        own = compute_period(dongguan.tables, Period(year, year), span, "东莞", dongguan.published).metrics
        e, key = own["expenditure"], str(year)
        assert trends["expenditure_in_year"][key] == {
            "budget": e["budget"], "initial_budget": e["initial_budget_in_period"], "spent": e["spent"],
            "rate": e["rate"], "adjustment_rate": e["adjustment_rate_in_period"]}
        assert trends["bands_at_year_end"][key] == {"subprojects": e["subprojects"], "bands": e["subproject_bands"]}
        assert trends["milestones_in_year"][key] == {
            stage: {"planned": v["planned"], "done": v["done"], "rate": v["rate"]} for stage, v in own["milestones"].items()}
        r = own["public_reviews"]
        assert trends["public_reviews_in_year"][key] == (None if r is None else {
            k: r[k] for k in ("total", "five_star", "five_star_rate", "bad", "bad_rate")})
        if r is not None:
            months.update({m: v for m, v in trends["public_reviews_by_month"].items() if m.startswith(key)})
            in_year = [v for m, v in trends["public_reviews_by_month"].items() if m.startswith(key)]
            assert sum(v["total"] for v in in_year) == r["total"] and len(in_year) == r["month_count"]
            assert sum(v["five_star"] for v in in_year) == r["five_star"]
    # the years differ from one another: a comparison of equal columns would test nothing
    assert len({v["spent"] for v in trends["expenditure_in_year"].values()}) == 3
    assert trends["public_reviews_in_year"]["2019"] is None and months
    assert months == trends["public_reviews_by_month"]


def test_the_run_trends_equal_the_single_year_metrics_json(tree):
    trends = json.loads((tree / "2019-2021" / "metrics.json").read_text(encoding="utf-8"))["trends"]
    own = json.loads((tree / "2019" / "metrics.json").read_text(encoding="utf-8"))
    assert own["trends"] is None and "历年对比只在整个评价期" in own["notes"]["trends"]
    assert trends["expenditure_in_year"]["2019"]["spent"] == own["expenditure"]["spent"]
    assert trends["expenditure_in_year"]["2019"]["rate"] == own["expenditure"]["rate"]
    assert trends["bands_at_year_end"]["2019"]["bands"] == own["expenditure"]["subproject_bands"]
    assert trends["milestones_in_year"]["2019"]["启动"]["done"] == own["milestones"]["启动"]["done"]


def test_a_rerun_keeps_the_reports_and_a_missing_one_is_rebuilt(tree):
    pdf = tree / "2019" / "report.pdf"
    before = pdf.stat().st_mtime_ns
    (tree / "2019-2021" / "report.html").unlink()
    args = ["run", "--params", PROJECT_ROOT / "params.yaml", "--out", tree.parent, "--quiet"]
    for p in PERIODS:
        args += ["--period", p]
    result = jixiao(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert pdf.stat().st_mtime_ns == before
    assert (tree / "2019-2021" / "report.html").is_file()
    reports = json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]
    assert reports["2019"]["built"] is False and reports["2019-2021"]["built"] is True


def test_a_character_the_font_lacks_fails_the_report(tree):
    with pytest.raises(MissingGlyphError, match="🀄"):
        build_period_report(tree / "2019", project="东莞🀄", evaluation="x", period="2019", span="2019-2021",
                            run_time="2022-01-01T00:00:00", inputs={}, parameters={}, pdf=False)


def test_headings_take_the_documents_numbering():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 23)] == ["一", "九", "十", "十一", "二十", "二十三"]
    assert section_heading("三、子项目支出率分布", 3) == "(三)子项目支出率分布"
    assert section_heading("主要指标", 1) == "(一)主要指标"
    assert section_heading("附:各子项目支出率", None) == "附:各子项目支出率"


def test_a_failed_section_is_a_chapter_that_says_so(tmp_path):
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# 资金使用情况\n\n口径说明"},
        {"cell_type": "markdown", "metadata": {}, "source": "## 一、预算执行情况"},
        {"cell_type": "code", "metadata": {}, "source": "x", "outputs": [
            {"output_type": "display_data", "metadata": {}, "data": {"text/html": '<table class="dataframe jx-table"><tr><td>1</td></tr></table>'}},
            {"output_type": "error", "ename": "ValueError", "evalue": "坏数据", "traceback": []}]}]}
    toc = []
    html = chapter_html(2, Chapter("expenditure", "资金使用情况", tmp_path / "expenditure.ipynb"), nb, Numbers(), toc)
    assert "本章生成失败" in html and "ValueError: 坏数据" in html
    assert '<h1 class="jx-chapter" id="chapter-2">二、资金使用情况</h1>' in html
    assert "<caption>表1 (一)预算执行情况</caption>" in html and "口径说明" in html
    assert toc == [(1, "chapter-2", "二、资金使用情况"), (2, "chapter-2-1", "(一)预算执行情况")]
    assert "本章没有生成" in chapter_html(1, Chapter("x", "X", tmp_path / "x.ipynb"), None, Numbers(), [])
