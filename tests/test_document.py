"""Each period's whole report (report.html / report.pdf) and the year-over-year chapter (runs the batch once)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html import unescape

import yaml

import pytest
from batchrun import JOBS, jixiao
from conftest import DONGGUAN_PERIODS, PROJECT_ROOT
from pypdf import PdfReader
from helpers import assert_carries_its_own_font, copy_of

from jixiao.output.formats import build_report
from jixiao.present.fonts import MissingGlyphError
from jixiao.core.period import Period
from jixiao.contract.params import load_params
from jixiao.sections import compute_period

PERIODS = DONGGUAN_PERIODS
PARAMS = load_params(PROJECT_ROOT / "params.yaml")
PROJECT = PARAMS.project


@pytest.fixture
def tree(dongguan_batch):
    """The session's one run of params.yaml (conftest): read only."""
    result, tree = dongguan_batch
    assert result.returncode == 0, result.stderr[-3000:]
    assert tree.name == PARAMS.evaluation
    return tree


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


def test_every_period_has_a_report_and_the_index_links_it_first(tree):
    html = (tree / "index.html").read_text(encoding="utf-8")
    for period in PERIODS:
        assert (tree / period / "report.html").is_file() and (tree / period / "report.pdf").is_file()
        assert (tree / period / "report.docx").is_file() and (tree / period / "workpapers.html").is_file()
        row = re.search(rf"<tr><td><b>{re.escape(period)}</b>.*?</tr>", html, re.S).group(0)
        links = re.findall(r'href="([^"]+)"', row)
        assert links[:4] == [f"{period}/report.html", f"{period}/report.pdf", f"{period}/report.docx",
                             f"{period}/workpapers.html"], links
    reports = json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]
    assert reports["2019"]["files"] == {"html": "2019/report.html", "pdf": "2019/report.pdf",
                                        "docx": "2019/report.docx", "workpapers": "2019/workpapers.html",
                                        "selfeval": "2019/自评表.xlsx", "normalised": "2019/normalised-cells.csv"}
    assert reports["2019-2021"]["placeholders"] == 0  # Dongguan's own template: nothing left to write
    # a single year is the built-in 年度绩效自评报告: the form's cells to fill, 存在问题 and 改进措施 to write
    assert reports["2019"]["placeholders"] > 0
    assert "草稿" not in re.search(r"<tr><td><b>2019-2021</b>.*?</tr>", html, re.S).group(0)


def html_headings(html: str, level: int) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", h)) for h in re.findall(rf"<h{level}\b[^>]*>(.*?)</h{level}>", html, re.S)]


@pytest.mark.parametrize("period", PERIODS)
def test_the_pdf_has_cover_contents_with_page_numbers_and_bookmarks(tree, period):
    path = tree / period / "report.pdf"
    pages = pdf_pages(path)
    cover = pages[0]
    whole = period == PARAMS.span.label
    kind = "财政绩效评价报告" if whole else f"{period}年度绩效自评报告"
    assert kind in cover and PROJECT.replace(" ", "") in cover.replace(" ", "")
    from jixiao.output.example import SYNTHETIC_MARK, example_cover

    assert PARAMS.synthetic and SYNTHETIC_MARK in cover  # the shipped example says what it is
    for label, value in example_cover(PARAMS.report.cover).items():
        if whole or label not in ("报告编号", "评价基准日"):  # the span's number and date are not a year's
            assert f"{label} {value}" in cover, label
    assert f"报告编号 {PARAMS.report.cover['报告编号']}" not in cover  # never the published report's number
    if not whole:
        assert f"评价基准日 {period}年12月31日" in cover and PARAMS.report.cover["报告编号"] not in cover
    # the cover is the genre's: no evaluation folder, no tool, no run date
    assert PARAMS.evaluation not in cover and "jixiao" not in cover and "生成日期" not in cover
    marks = outline(path)
    html = (tree / period / "report.html").read_text(encoding="utf-8")
    chapters = [title for depth, title, _ in marks if depth == 0 and title != "目 录"]
    assert chapters == [h for h in html_headings(html, 1)[1:] if h != "目 录"]  # [0]: the cover's title
    assert chapters[0] == ("摘要" if whole else "一、项目基本情况") and chapters[-1] == "附件"
    if period == PARAMS.span.label:
        assert chapters[1:-1] == ["一、项目基本情况", "二、绩效评价结果", "三、项目绩效管理经验", "四、值得关注的问题",
                                  "五、绩效管理建议"]
    # the contents print each chapter's and section's page, and that page is where its bookmark points
    contents = next(p for p in pages[1:4] if "目 录" in p)
    for depth, title, page in marks:
        if title == "目 录":
            continue
        assert re.search(re.escape(title) + r" \.+ ?" + str(page) + r"\b", contents), (title, page)
        assert title.split("、")[-1][:6].replace(" ", "") in pages[page - 1].replace(" ", ""), (title, page)


@pytest.mark.parametrize("period", PERIODS)
def test_every_page_after_the_cover_has_the_running_header_and_page_x_of_y(tree, period):
    pages = pdf_pages(tree / period / "report.pdf")
    total = len(pages)
    assert total > 3  # a single year's 年度绩效自评报告 is a few pages
    assert "第 1 页" not in pages[0] and f"{PROJECT} · {period}" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"{PROJECT} · {period}" in text, number
        assert f"第 {number} 页 共 {total} 页" in text, number


def html_captions(html: str) -> list[str]:
    return [unescape(c) for c in re.findall(r"<caption>([表]\d+ [^<]+)</caption>|<figcaption>(图\d+ [^<]+)</figcaption>", html)
            for c in c if c]


@pytest.mark.parametrize("period", PERIODS)
def test_tables_and_figures_are_numbered_and_captioned_in_order(tree, period):
    html = (tree / period / "report.html").read_text(encoding="utf-8")
    tables = re.findall(r'<table\b[^>]*class="[^"]*jx-table[^"]*"[^>]*>\s*(<caption>表(\d+) ([^<]+)</caption>)?', html)
    assert tables and all(caption for caption, _, _ in tables), "a table without its 表N caption"
    assert [int(n) for _, n, _ in tables] == list(range(1, len(tables) + 1))
    assert all(text.strip() for _, _, text in tables)
    figures = re.findall(r'<figure class="jx-figure"[^>]*><img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]*)">'
                         r"<figcaption>图(\d+) ([^<]+)</figcaption></figure>", html)
    assert len(figures) == html.count("<img ") and figures
    assert [int(n) for _, n, _ in figures] == list(range(1, len(figures) + 1))
    assert all(alt == title and title for alt, _, title in figures)  # the chart's own title
    if period == PARAMS.span.label:  # a single year's 年度绩效自评报告 shows its bands and stages, not years
        assert "分年度调整后预算与实际支出（万元）" in [title for _, _, title in figures]
    text = " ".join(pdf_pages(tree / period / "report.pdf"))
    assert f"表{len(tables)} " in text and f"图{len(figures)} " in text


@pytest.mark.parametrize("period", PERIODS)
def test_word_and_html_agree_on_numbers_captions_and_headings(tree, period):
    from docx import Document as WordDocument

    from jixiao.output.docx import docx_captions

    data = (tree / period / "report.docx").read_bytes()
    html = (tree / period / "report.html").read_text(encoding="utf-8")
    assert docx_captions(data) == html_captions(html) and docx_captions(data)
    word = WordDocument(io.BytesIO(data))
    h1 = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert h1 == [h for h in html_headings(html, 1)[1:] if h != "目 录"]
    h2 = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert h2 == html_headings(html, 2)
    # tables are Word tables, one per 表N, with the header row repeated on each page
    assert len(word.tables) == len([c for c in html_captions(html) if c.startswith("表")])
    assert all('w:tblHeader w:val="true"' in t.rows[0]._tr.xml for t in word.tables)
    # the government format: A4 and its margins
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)] == [37, 35, 28, 26]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        settings = z.read("word/settings.xml").decode()
        footer = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
    assert "updateFields" in settings and "PAGE" in footer
    # charts at print resolution: 300 dpi or more at the width they are placed
    from PIL import Image

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) == len([c for c in html_captions(html) if c.startswith("图")])
        for name in media:
            with Image.open(io.BytesIO(z.read(name))) as image:
                assert image.width / (15 / 2.54) >= 300, (name, image.width)


def test_the_docx_figures_and_footnotes_equal_metrics_and_published(tree):
    from docx import Document as WordDocument

    from jixiao.output.fields import format_value, percent_text
    from jixiao.contract.fields import kind_of

    period = PARAMS.span.label
    metrics = json.loads((tree / period / "metrics.json").read_text(encoding="utf-8"))
    published = yaml.safe_load((PARAMS.raw_dir / "published.yaml").read_text(encoding="utf-8"))
    data = (tree / period / "report.docx").read_bytes()
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(data)).paragraphs)
    e = metrics["expenditure"]
    sentence = f"支出率{percent_text(e['rate'])}"
    assert sentence in text and format_value(kind_of("expenditure.budget"), e["budget"]) in text
    pdf = " ".join(pdf_pages(tree / period / "report.pdf")).replace(" ", "")
    assert sentence in pdf
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        notes = re.sub(r"<[^>]+>", "", z.read("word/footnotes.xml").decode())
    # the footnotes say what the data shows and on what basis, never a reason from outside the data
    assert f"{e['budget'] / 10000:.2f}亿元" in notes
    assert f"实际启动{metrics['milestones']['启动']['done']}个" in notes
    assert percent_text(metrics["public_reviews"]["five_star_rate"]) in notes
    late = e["subprojects"] - metrics["milestones"]["正式立项"]["done"]
    assert f"另有{late}个子项目的正式立项节点晚于评价基准日" in notes
    assert "已发布报告" not in notes


@pytest.mark.parametrize("period", PERIODS)
def test_the_html_is_self_contained_and_the_provenance_is_in_the_workpapers(tree, period):
    html = (tree / period / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in html and "open_section" not in html and "import " not in html
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(\s*['\"]?https?:", html)
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    assert_carries_its_own_font(html)
    # one line in the appendix says where, naming no file (a reader's text names none)
    assert "SHA-256" not in html and "工作底稿" in html and "workpapers.html" not in html
    papers = (tree / period / "workpapers.html").read_text(encoding="utf-8")
    assert f"参数 period</td><td>{period}" not in papers  # the run's parameters, not a section's
    assert re.search(r"输入 budget.xlsx</td><td>SHA-256 [0-9a-f]{64}", papers)
    import hashlib

    # the results the report's parts are computed from, each with its digest
    results = [tree / period / "metrics.json", *sorted((tree / period / "frames").glob("*.parquet"))]
    assert len(results) > 5
    for path in results:
        assert f"SHA-256 {hashlib.sha256(path.read_bytes()).hexdigest()}" in papers, path.name
    if period == PARAMS.span.label:  # the check tables are the reviewer's, not the reader's
        assert "与已发布报告核对" in papers and "与已发布报告核对" not in html


def test_the_year_over_year_chapter_is_in_the_whole_span_report_only(tree):
    whole = (tree / "2019-2021" / "report.html").read_text(encoding="utf-8")
    assert "附件2 历年对比" in whole and "各年末子项目支出率分布（占比）" in whole and "历年各阶段期末完成率（%）" in whole
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


def test_a_rerun_keeps_the_reports_and_a_missing_one_is_rebuilt(tree, tmp_path):
    tree = copy_of(tree, tmp_path)  # this test deletes a report and runs again: not on the shared run
    pdf = tree / "2019" / "report.pdf"
    before = pdf.stat().st_mtime_ns
    (tree / "2019-2021" / "report.html").unlink()
    args = ["run", "--params", PROJECT_ROOT / "params.yaml", "--out", tree.parent, "--jobs", JOBS, "--quiet"]
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
        build_report(tree / "2019", project="东莞🀄", period="2019", span="2019-2021", published=None,
                     template_text="# 一\n\n{{ project }}\n", template_name="t.md", settings={}, pdf=False, docx=False)


def test_a_failed_section_is_marked_where_the_template_names_it_in_html_pdf_and_word(tree):
    """The live path: the report built from the period's parts with its milestones page failed."""
    template = ("# 一、资金\n\n{{ table(\"expenditure.bands\") }}\n\n# 二、进度\n\n{{ section(\"milestones\") }}\n\n"
                "{{ table(\"milestones.completion\") }}\n")
    doc, html, pdf, docx = build_report(
        tree / "2019-2021", project=PROJECT, period="2019-2021", span="2019-2021", published=None,
        template_text=template, template_name="t.md", settings={}, failed={"milestones": "RuntimeError: 故意失败"},
        logs={"milestones": "2019-2021/milestones.html"})
    assert doc.failed == ["milestones"] and sum("本章生成失败" in p for p in doc.placeholders) == 2
    marks = re.findall(r'<div class="jx-failed"><p>(.*?)</p></div>', html)
    assert len(marks) == 2 and all(m == marks[0] for m in marks)
    assert unescape(marks[0]).startswith("【本章生成失败：产出时效（进度）（milestones）未能生成")
    assert "RuntimeError: 故意失败" in unescape(marks[0]) and "日志见 2019-2021/milestones.html" in unescape(marks[0])
    assert "表1 子项目支出率分布" in unescape(html)  # the other chapters stand
    text = "".join(pdf_pages_bytes(pdf))
    flat = re.sub(r"\s+", "", text)  # a line may break anywhere in the mark
    assert "本章生成失败" in flat and "2019-2021/milestones.html" in flat
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert xml.count("本章生成失败") == 2 and "2019-2021/milestones.html" in xml


def pdf_pages_bytes(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


FIGURE = re.compile(r"(?<![\d.,])(\d[\d,]*(?:\.\d+)?)(万元|亿元|%|个|条|分|项|人)")


def allowed_figures(metrics: dict, published: dict) -> set[str]:
    """Every number the data lets the report print: metrics.json's fields as printed (and as 亿元), published.yaml's
    figures as printed, and the one difference the template states (已批复 less 正式立项 done)."""
    from jixiao.contract.fields import kind_of
    from jixiao.output.fields import Field, f_bare, f_yi, flatten, printed_text

    out = set()
    for key, value in flatten(metrics):
        kind = kind_of(key)
        if kind is None or value is None:
            continue
        values = value if kind.kind == "list" else [value]
        for v in values:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                field = Field(key, kind, v)
                out.add(f_bare(field))
                if kind.kind == "money":
                    out.add(f_yi(field)[:-2])
    for _, value in flatten(published):
        for v in (value if isinstance(value, list) else [value]):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                # as printed, and by the one rule (money and rates two decimals: 274,128.00万元, 100.00%)
                out.update({printed_text(v), f"{v:,}" if isinstance(v, int) else f"{v:,.2f}", f"{v:,.2f}"})
    out.add(str(metrics["expenditure"]["subprojects"] - metrics["milestones"]["正式立项"]["done"]))
    return out


def test_every_figure_in_the_word_text_equals_metrics_or_published_and_the_pdf_prints_the_same(tree):
    from docx import Document as WordDocument

    period = PARAMS.span.label
    metrics = json.loads((tree / period / "metrics.json").read_text(encoding="utf-8"))
    published = yaml.safe_load((PARAMS.raw_dir / "published.yaml").read_text(encoding="utf-8"))
    data = (tree / period / "report.docx").read_bytes()
    prose = "\n".join(p.text for p in WordDocument(io.BytesIO(data)).paragraphs)  # tables are the notebooks' data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        prose += "\n" + re.sub(r"<[^>]+>", "", z.read("word/footnotes.xml").decode())
    # the spend-rate bands' names ([90%,100%), <60%; in prose 90%（含）至100%, 低于60%, 100%及以上) are labels
    labels = re.compile(r"[\[［≥<＜]\s*\d+%(?:\s*[,，]\s*\d+%\s*[)）])?|\d+%（含）至\d+%|低于\d+%|\d+%及以上")
    prose = labels.sub("", prose)
    found = FIGURE.findall(prose)
    assert len(found) > 50
    allowed = allowed_figures(metrics, published)
    strays = [f"{n}{u}" for n, u in found if n not in allowed]
    assert not strays, strays
    # each page's margin boxes (running header, 第 x 页 共 y 页) close its text: without them a figure broken
    # over two pages (498 | 项) reads whole
    runhead = f"{PROJECT} · {period}".replace(" ", "")
    pages = [labels.sub("", re.sub(re.escape(runhead) + r".*?第\d+页共\d+页$", "", re.sub(r"\s+", "", page)))
             for page in pdf_pages(tree / period / "report.pdf")]
    pdf = "".join(pages)

    def broken_over_pages(number: str, unit: str) -> bool:  # 44 | the page's footnotes | 个 on the next page
        return any(number in page and after.startswith(unit) for page, after in zip(pages, pages[1:]))

    assert [f"{n}{u}" for n, u in found if f"{n}{u}" not in pdf and not broken_over_pages(n, u)] == []


def test_jixiao_fields_lists_every_name_a_template_may_use_with_its_value(tree):
    from jixiao.output.fields import percent_text

    metrics = json.loads((tree / "2019" / "metrics.json").read_text(encoding="utf-8"))
    result = jixiao("fields", "--params", PROJECT_ROOT / "params.yaml", "--period", "2019", "--out", tree.parent)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"expenditure.rate\t{percent_text(metrics['expenditure']['rate'])}" in lines
    assert "scoring.total\t【无数据:scoring.total】" not in lines  # a null group is not listed field by field
    assert any(line.startswith("expenditure.bands\t子项目支出率分布（截至 2019-12-31）") for line in lines)
    assert "expenditure.by_year\t分年度调整后预算与实际支出（万元）" in lines
    assert any(line.startswith("亿元\t万元换算为亿元") for line in lines)  # the filters described in Chinese
    assert any(line.startswith("published.funding.spend_rate\t") for line in lines)
