"""One period's whole report, ``<period>/report.html`` and ``report.pdf``, assembled from its executed sections.

Nothing is recomputed: every chapter is the outputs of that period's executed section notebook
(``<period>/<section>.ipynb``) as the batch stored it, in the registry's order. The assembly adds what a
reviewer's document has and a section page does not: a cover (project, period, evaluation, run date,
score and grade when the period has them), contents with page numbers, PDF bookmarks for every chapter
and section, chapters numbered 一、二、三 with sections (一)(二), every table and chart numbered and
captioned (表1 …, 图1 …), a running header (project · period) and 第 x 页 共 y 页 on every page after
the cover, and the provenance as a closing appendix. WeasyPrint does the page numbers, bookmarks and
running headers from CSS; the HTML carries its own cut of the CJK font, like every page.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from html import escape, unescape
from pathlib import Path

from jixiao.output.export import provenance_footer, render_page
from jixiao.output.report import NUMBERED_HEADING
from jixiao.present.tables import TABLE_MIME

CHINESE_NUMERALS = "一二三四五六七八九十"
FOOTER_CHARS = "第页共0123456789 ·.…•◦▪"  # the @page margin boxes, the contents' leaders and list markers

# on screen: the document's own parts (the page's PAGE_CSS styles the rest)
DOCUMENT_CSS = """
.jx-cover { text-align: center; }
@media screen { .jx-cover { padding: 4rem 0 3rem; border-bottom: 2px solid #1f5fa6; margin-bottom: 2rem; }
                h1.jx-chapter { margin-top: 2.5rem; } }
.jx-cover .jx-kind { font-size: 2.2rem; letter-spacing: .3rem; margin: 0 0 2.5rem; border: none; }
.jx-cover .jx-project { font-size: 1.5rem; font-weight: bold; margin: 0 0 2rem; }
.jx-cover table { margin: 0 auto; border-collapse: collapse; font-size: 1.05rem; }
.jx-cover td { padding: .3rem .8rem; text-align: left; }
.jx-cover td:first-child { color: #555; text-align: right; }
.jx-cover .jx-grade { font-size: 1.3rem; font-weight: bold; color: #1f5fa6; }
.jx-cover .jx-made { margin-top: 3rem; color: #777; font-size: .85rem; }
nav.jx-contents ol { list-style: none; padding-left: 0; }
nav.jx-contents li.jx-toc-chapter { margin-top: .4rem; font-weight: bold; }
nav.jx-contents li.jx-toc-section { padding-left: 2em; }
nav.jx-contents a { color: inherit; text-decoration: none; }
figure.jx-figure { margin: .8rem 0 1.4rem; }
figure.jx-figure figcaption, table.jx-table caption { font-weight: bold; }
figure.jx-figure figcaption { text-align: center; margin-top: .3rem; }
section.jx-appendix table.jx-table td { text-align: left; word-break: break-all; font-size: .8rem; }
section.jx-appendix footer.jx-provenance { border: none; margin-top: 0; font-size: inherit; color: inherit; }
section.jx-appendix footer.jx-provenance > p { display: none; }
"""
# in print: pages, margin boxes, contents page numbers, bookmarks, page breaks
DOCUMENT_PDF_CSS = """
@page { @top-left { content: "%(runhead)s"; font-size: 8.5pt; color: #777; }
        @top-right { content: string(chapter); font-size: 8.5pt; color: #777; }
        @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; font-size: 9pt; color: #777; } }
@page :first { @top-left { content: none; } @top-right { content: none; } @bottom-center { content: none; } }
.jx-cover { padding-top: 45mm; page-break-after: always; }
.jx-cover h1 { bookmark-level: none; }
nav.jx-contents { page-break-after: always; }
nav.jx-contents a::after { content: leader(".") target-counter(attr(href), page); }
nav.jx-contents li { font-size: 10.5pt; }
h1.jx-chapter, section.jx-appendix > h1 { page-break-before: always; margin-top: 0; string-set: chapter content(); }
h1.jx-chapter { bookmark-level: 1; }
h2 { bookmark-level: 2; page-break-after: avoid; }
h3, h4, h5, h6 { bookmark-level: none; }
table.jx-table { width: 100%%; }
figure.jx-figure { page-break-inside: avoid; }
figure.jx-figure img { max-height: 110mm; }
caption { page-break-after: avoid; }
"""


@dataclass
class Chapter:
    key: str
    title: str
    notebook: Path


class Numbers:
    """The running numbers of one document: tables, figures, chapters' sections (for anchors)."""

    def __init__(self) -> None:
        self.tables = 0
        self.figures = 0

    def table(self) -> int:
        self.tables += 1
        return self.tables

    def figure(self) -> int:
        self.figures += 1
        return self.figures


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (chapters and sections stay well below 100)."""
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CHINESE_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")




def section_heading(heading: str, number: int | None) -> str:
    """A notebook's ``## 一、X`` as the document prints it inside a chapter: ``(一)X``; 附 headings stay as they are."""
    bare = NUMBERED_HEADING.sub("", heading).strip()
    return bare if number is None else f"({chinese_number(number)}){bare}"


_TABLE_OPEN = re.compile(r'<table\b[^>]*\bclass="[^"]*\bjx-table\b[^"]*"[^>]*>(\s*<caption>(.*?)</caption>)?', re.S)


def _number_tables(html: str, numbers: Numbers, fallback: str) -> str:
    """Every jx-table gets ``<caption>表N …</caption>``: its own caption, else ``fallback``."""
    def caption(match: re.Match) -> str:
        opening = match.group(0)[: len(match.group(0)) - len(match.group(1) or "")]
        text = match.group(2) if match.group(1) else escape(fallback)
        return f"{opening}<caption>表{numbers.table()} {text}</caption>"

    return _TABLE_OPEN.sub(caption, html)


def _number_figures(html: str, numbers: Numbers, fallback: str) -> str:
    """A chart shown inside an HTML output (a table with its chart) becomes ``<figure>`` with 图N and its title."""
    def figure(m: re.Match) -> str:
        title = unescape(m.group(2) or "") or fallback
        number = numbers.figure()
        return (f'<figure class="jx-figure" id="figure-{number}"><img src="{m.group(1)}" alt="{escape(title)}">'
                f"<figcaption>图{number} {escape(title)}</figcaption></figure>")

    return re.sub(r'<img src="(data:image/png;base64,[^"]+)"(?: alt="([^"]*)")?>', figure, html)


def _markdown(text: str) -> str:
    import mistune

    return mistune.html(text)


def _outputs_html(outputs: list, numbers: Numbers, heading: str) -> str:
    parts = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":
                parts.append(f"<pre>{escape(''.join(output.get('text', '')))}</pre>")
            continue  # stderr is the kernel's chatter, never the reader's
        if kind == "error":
            parts.append(f'<div class="jx-failed"><p>{escape(output.get("ename", ""))}: '
                         f'{escape(output.get("evalue", ""))}</p></div>')
            continue
        data = output.get("data", {})
        if "image/png" in data:
            title = (output.get("metadata", {}).get("image/png", {}) or {}).get("alt") or heading
            number = numbers.figure()
            png = data["image/png"] if isinstance(data["image/png"], str) else "".join(data["image/png"])
            parts.append(f'<figure class="jx-figure" id="figure-{number}"><img src="data:image/png;base64,{png.strip()}" '
                         f'alt="{escape(title)}"><figcaption>图{number} {escape(title)}</figcaption></figure>')
        elif "text/html" in data:
            html = data["text/html"] if isinstance(data["text/html"], str) else "".join(data["text/html"])
            if "jx-subtitle" in html:
                continue  # the section page's own byline: the cover and running header say it here
            # a shown table's caption travels with its data too (its HTML may lack the <caption>)
            caption = (data.get(TABLE_MIME) or {}).get("caption") or heading
            parts.append(_number_figures(_number_tables(html, numbers, caption), numbers, caption))
        elif "text/plain" in data:
            text = data["text/plain"] if isinstance(data["text/plain"], str) else "".join(data["text/plain"])
            parts.append(f"<pre>{escape(text)}</pre>")
    return "".join(parts)


def chapter_html(number: int, chapter: Chapter, nb: dict | None, numbers: Numbers,
                 toc: list[tuple[int, str, str]]) -> str:
    """One chapter from one executed notebook: its markdown and outputs, code hidden, headings numbered.
    ``toc`` gets (level, anchor, text) for the chapter and each of its sections."""
    anchor = f"chapter-{number}"
    title = f"{chinese_number(number)}、{chapter.title}"
    toc.append((1, anchor, title))
    out = [f'<h1 class="jx-chapter" id="{anchor}">{escape(title)}</h1>']
    if nb is None:
        out.append(f'<p class="jx-note">本章没有生成:{escape(chapter.notebook.name)} 不存在(本期间这一节没有运行)。</p>')
        return "".join(out)
    errors = [o for c in nb.get("cells", []) if c.get("cell_type") == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    if errors:
        out.append('<div class="jx-failed"><p>本章生成失败,以下为执行到出错为止的内容:'
                   f'{escape(errors[0].get("ename", ""))}: {escape(errors[0].get("evalue", ""))}</p></div>')
    heading, sections, anchors = chapter.title, 0, 0
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "markdown":
            if any(t.startswith("papermill-error") for t in tags):
                continue  # papermill's own red banner; the chapter says it failed above
            text = []
            for line in source.splitlines():
                if line.startswith("# "):
                    continue  # the notebook's title: the chapter heading replaces it
                if line.startswith("## "):
                    if text:
                        out.append(_markdown("\n".join(text)))
                        text = []
                    raw = line[3:].strip()
                    appendix = raw.startswith(("附:", "附:"))
                    sections += 0 if appendix else 1
                    heading = section_heading(raw, None if appendix else sections)
                    anchors += 1
                    section_anchor = f"{anchor}-{anchors}"
                    toc.append((2, section_anchor, heading))
                    out.append(f'<h2 id="{section_anchor}">{escape(heading)}</h2>')
                else:
                    text.append(line)
            if any(t.strip() for t in text):
                out.append(_markdown("\n".join(text)))
        elif cell.get("cell_type") == "code":
            out.append(_outputs_html(cell.get("outputs", []), numbers, heading))
    return "".join(out)


def _cover(project: str, period: str, span: str, evaluation: str, run_time: str, metrics: dict) -> str:
    rows = [("评价项目", project), ("报告期间", period if period == span else f"{period}(评价期 {span})"),
            ("统计截止日", metrics.get("period_end") or ""), ("评价", evaluation), ("生成日期", _date_text(run_time))]
    scoring = metrics.get("scoring")
    score = ""
    if scoring:
        from jixiao.present.tables import fmt_points

        score = (f'<p class="jx-grade">绩效得分 {escape(fmt_points(scoring["total"]))} 分 · '
                 f'等级 {escape(str(scoring["grade"]))}</p>')
    cells = "".join(f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>" for k, v in rows if v)
    return (f'<section class="jx-cover"><h1 class="jx-kind">绩效评价报告</h1>'
            f'<p class="jx-project">{escape(project)}</p>{score}<table>{cells}</table>'
            f'<p class="jx-made">本报告由 jixiao 根据原始工作簿自动生成,各章即本期间各节执行结果</p></section>')


def _date_text(run_time: str) -> str:
    try:
        day = dt.date.fromisoformat(run_time[:10])
    except ValueError:
        return run_time
    return f"{day.year}年{day.month}月{day.day}日"


def _contents(toc: list[tuple[int, str, str]]) -> str:
    items = "".join(f'<li class="jx-toc-{"chapter" if level == 1 else "section"}"><a href="#{anchor}">{escape(text)}</a></li>'
                    for level, anchor, text in toc)
    return f'<nav class="jx-contents"><h1 id="contents">目 录</h1><ol>{items}</ol></nav>'


def _appendix(numbers: Numbers, chapters: list[Chapter], parameters: dict, inputs: dict, run_time: str,
              toc: list[tuple[int, str, str]]) -> str:
    """The provenance: the run's footer (version, commit, parameters, inputs' SHA-256, run time) and the
    executed notebook behind each chapter, with its SHA-256."""
    toc.append((1, "appendix", "附录：数据来源与生成信息"))
    footer = provenance_footer(parameters, inputs, run_time)
    footer = re.sub(r"<h2>.*?</h2>", "", footer, count=1)  # the appendix has its own heading (and bookmark) here
    footer = footer.replace("<table>", f'<table class="jx-table"><caption>表{numbers.table()} 生成信息</caption>', 1)
    rows = []
    for c in chapters:
        digest = hashlib.sha256(c.notebook.read_bytes()).hexdigest() if c.notebook.is_file() else "(不存在)"
        rows.append(f"<tr><td>{escape(c.title)}</td><td>{escape(c.notebook.name)}</td><td>SHA-256 {escape(digest)}</td></tr>")
    sources = (f'<table class="jx-table"><caption>表{numbers.table()} 各章来源(已执行的笔记本)</caption>'
               f"<thead><tr><th>章</th><th>笔记本</th><th>文件摘要</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return (f'<section class="jx-appendix"><h1 id="appendix">附录：数据来源与生成信息</h1>'
            f'<p class="jx-note">各章内容取自同一期间已执行的各节笔记本的输出,组装时不重新计算。</p>{footer}{sources}</section>')


def chapters_of(period_dir: Path, period: str, span: str, leave_out=frozenset()) -> list[Chapter]:
    """The registry's sections in order, each with its executed notebook in ``period_dir``; sections with
    nothing to show in this period (``leave_out``: 不适用 in the index) have no chapter."""
    from jixiao.sections import SECTIONS

    return [Chapter(s.key, s.title, Path(period_dir) / s.notebook) for s in SECTIONS if s.key not in leave_out]


def assemble(period_dir: Path, *, project: str, evaluation: str, period: str, span: str, run_time: str,
             inputs: dict, parameters: dict, leave_out=frozenset()) -> tuple[str, str]:
    """(title, body) of the period's report: cover, contents, chapters, appendix."""
    period_dir = Path(period_dir)
    metrics_path = period_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
    chapters = chapters_of(period_dir, period, span, leave_out)
    numbers, toc, parts = Numbers(), [], []
    for number, chapter in enumerate(chapters, start=1):
        nb = json.loads(chapter.notebook.read_text(encoding="utf-8")) if chapter.notebook.is_file() else None
        parts.append(chapter_html(number, chapter, nb, numbers, toc))
    appendix = _appendix(numbers, chapters, parameters, inputs, run_time, toc)
    body = (_cover(project, period, span, evaluation, run_time, metrics) + _contents(toc) + "".join(parts) + appendix)
    return f"{project} 绩效评价报告({period})", body


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render_report(title: str, body: str, runhead: str, pdf: bool = True, extra_css: str = "", *, faces: tuple = (),
                  pdf_css: str = "") -> tuple[str, bytes | None]:
    """The report as self-contained HTML (its own WOFF cut of the CJK font) and A4 PDF bytes from the same
    cut; raises MissingGlyphError when a character of it has no glyph in the font. ``faces`` and ``pdf_css``:
    further bundled faces and the PDF's own rules for them (``output.govprint``)."""
    rendered = render_page(title, body, screen_css=DOCUMENT_CSS + extra_css, margin_text=runhead + FOOTER_CHARS,
                           faces=faces)
    css = DOCUMENT_PDF_CSS % {"runhead": _css_string(runhead)} + pdf_css
    return rendered.html, (rendered.pdf(extra_css=css, balance_appendix=False) if pdf else None)


def build_period_report(period_dir: Path, *, project: str, evaluation: str, period: str, span: str, run_time: str,
                        inputs: dict, parameters: dict, pdf: bool = True, leave_out=frozenset()) -> tuple[str, bytes | None]:
    """(HTML, PDF bytes or None) of one period's report from its executed sections and metrics.json."""
    title, body = assemble(period_dir, project=project, evaluation=evaluation, period=period, span=span,
                           run_time=run_time, inputs=inputs, parameters=parameters, leave_out=leave_out)
    return render_report(title, body, f"{project} · {period}", pdf=pdf)


# --- the report from its template (output.report's document model) -------------------------------------

TEMPLATE_CSS = """
.jx-cover .jx-kind { font-size: 2.4rem; }
.jx-cover td:first-child { white-space: nowrap; }
section.footnotes { border-top: 1px solid #999; margin-top: 2rem; font-size: .85rem; }
section.footnotes a.footnote { display: none; }
sup.footnote-ref a { text-decoration: none; }
.jx-placeholder { background: #fff3cd; }
h4 { font-size: 1rem; margin: .8rem 0 .3rem; }
@media print {
  body h1.jx-chapter { page-break-before: auto; margin-top: 1.2rem; }   /* chapters run on: no near-empty pages */
  body nav.jx-contents { page-break-before: always; }
  h1, h2, h3, h4 { page-break-after: avoid; }
  body table.jx-table.jx-many { font-size: 7.5pt; }
  body table.jx-table.jx-many th { white-space: normal; min-width: 0; }
  body table.jx-table.jx-many th, body table.jx-table.jx-many td { padding: .15rem .25rem; }
}
"""


def _block_html(block) -> str:
    from jixiao.output.report import ChartBlock, TableBlock

    if isinstance(block, TableBlock):
        html = block.html if len(block.headers) <= 7 else block.html.replace("jx-table", "jx-table jx-many", 1)
        return re.sub(r"(<table\b[^>]*>)", lambda m: f"{m.group(1)}<caption>表{block.number} {escape(block.caption)}</caption>",
                      html, count=1)
    if isinstance(block, ChartBlock):
        png = base64.b64encode(block.png).decode()
        return (f'<figure class="jx-figure" id="figure-{block.number}"><img src="data:image/png;base64,{png}" '
                f'alt="{escape(block.title)}"><figcaption>图{block.number} {escape(block.title)}</figcaption></figure>')
    return "JXCONTENTS"


def document_body(doc) -> str:
    """The Document as the report's HTML body: cover, the template's text with its blocks, contents, footnotes."""
    import mistune

    from jixiao.output.export import zh_punctuation
    from jixiao.output.report import TOKEN_RE

    html = mistune.create_markdown(escape=False, plugins=["footnotes", "table"])(doc.markdown)
    html = re.sub(r'<a href="#fnref-[^"]*" class="footnote">[^<]*</a>', "", html)  # the back-link arrow: no glyph, no use on paper
    toc: list[tuple[int, str, str]] = []
    counter = {"h": 0}

    def heading(m: re.Match) -> str:
        level, text = int(m.group(1)), m.group(2)
        if level > 2:
            return m.group(0)
        counter["h"] += 1
        anchor = f"chapter-{counter['h']}" if level == 1 else f"section-{counter['h']}"
        toc.append((level, anchor, unescape(re.sub(r"<[^>]+>", "", text))))
        cls = ' class="jx-chapter"' if level == 1 else ""
        return f'<h{level}{cls} id="{anchor}">{text}</h{level}>'

    html = re.sub(r"<h([1-6])>(.*?)</h\1>", heading, html, flags=re.S)
    html = re.sub(r"<p>\s*(JXBLOCK\d{4})\s*</p>", lambda m: _block_html(doc.blocks[int(TOKEN_RE.match(m.group(1)).group(1))]), html)
    html = re.sub(r"(【(?:待撰写|无数据)[:：][^】]*】)", r'<span class="jx-placeholder">\1</span>', html)
    html = zh_punctuation(html)
    contents = zh_punctuation(_contents(toc))
    html = html.replace("JXCONTENTS", contents) if "JXCONTENTS" in html else contents + html
    cells = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in doc.cover if k != "项目名称")
    cover = (f'<section class="jx-cover"><h1 class="jx-kind">{escape(doc.title)}</h1>'
             f'<p class="jx-project">{escape(doc.project)}</p><table>{cells}</table></section>')
    return cover + html


def workpapers_html(period_dir: Path, *, project: str, period: str, parameters: dict, inputs: dict, run_time: str,
                    leave_out=frozenset(), synthetic: bool = False) -> str:
    """``<period>/workpapers.html`` (工作底稿): the provenance, the notebook behind each section and the check
    tables (与已发布报告核对, 由数据计算的指标得分核对), kept out of the reader's report."""
    from jixiao.output.export import page
    from jixiao.output.report import catalogue
    from jixiao.sections import SECTIONS

    sections = [s for s in SECTIONS if s.key not in leave_out]
    cat = catalogue(period_dir, sections)
    parts = [f"<h1>{escape(project)} 工作底稿({escape(period)})</h1>",
             "<p>本底稿列出报告的数据来源、生成信息和核对表,供评价人员复核;报告正文不含这些内容。</p>"]
    checks = [b for name, b in cat.tables.items() if "核对" in name]
    for i, block in enumerate(checks, 1):
        parts.append(f"<h2>核对表{i} {escape(block.caption)}</h2>{block.html}")
    parts.append(provenance_footer(parameters, inputs, run_time))
    rows = []
    for s in sections:
        path = Path(period_dir) / s.notebook
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "(不存在)"
        rows.append(f"<tr><td>{escape(s.title)}</td><td>{escape(path.name)}</td><td>SHA-256 {escape(digest)}</td></tr>")
    parts.append('<h2>各节来源(已执行的笔记本)</h2><table class="jx-table"><thead><tr><th>节</th><th>笔记本</th>'
                 f"<th>文件摘要</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    if synthetic:
        from jixiao.output.example import BANNER_CSS, banner_html

        parts.insert(0, f"<style>{BANNER_CSS}</style>{banner_html()}")
    return page(f"{project} 工作底稿({period})", "".join(parts), "")


def build_report(period_dir: Path, *, project: str, period: str, span: str, published: dict | None,
                 template_text: str | None, template_name: str, settings: dict, pdf: bool = True, docx: bool = True,
                 reference_docx: bytes | None = None, leave_out=frozenset(), synthetic: bool = False):
    """(Document, HTML, PDF bytes or None, DOCX bytes or None) of one period's report from its template;
    ``synthetic``: an example's (``output.example``): 示例（模拟数据） on the cover and in the running header."""
    from jixiao.output.report import build_document

    metrics_path = Path(period_dir) / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
    metrics.setdefault("project", project)
    metrics.setdefault("period", period)
    metrics.setdefault("span", span)
    runhead, extra_css = f"{project} · {period}", TEMPLATE_CSS
    if synthetic:
        from jixiao.output.example import BANNER_CSS, example_cover, running_head

        settings, runhead, extra_css = example_cover(settings), running_head(runhead), extra_css + BANNER_CSS
    doc = build_document(period_dir, metrics=metrics, published=published, template_text=template_text,
                         template_name=template_name, settings=settings, leave_out=leave_out)
    body = document_body(doc)
    if synthetic:
        from jixiao.output.example import mark_cover

        body = mark_cover(body)
    from jixiao.output import govprint

    body = govprint.footnotes_in_place(body)
    title = f"{project} {doc.title}({period})"
    html, pdf_data = render_report(title, body, runhead, pdf=pdf, extra_css=extra_css + govprint.SCREEN_CSS,
                                   faces=govprint.faces(body), pdf_css=govprint.PDF_CSS)
    docx_data = None
    if docx:
        from jixiao.output.docx import write_docx

        try:
            docx_data = write_docx(doc, reference_docx=reference_docx, synthetic=synthetic)
        except Exception as exc:  # noqa: BLE001 - a bad reference document fails the Word file only
            doc.word_error = word_failure(exc, reference_docx is not None)
    return doc, html, pdf_data, docx_data


def word_failure(exc: BaseException, with_reference: bool) -> str:
    """One line for a Word build that failed: pandoc's first line, not its Haskell backtrace."""
    from jixiao.core.i18n import t

    text = str(exc)
    text = text.split("during conversion:", 1)[-1].strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)[:200]
    if with_reference:
        return t(f"report.docx:参考文档(reference_docx)无法使用:{first}",
                 f"report.docx: the reference document (reference_docx) cannot be used: {first}")
    return t(f"report.docx:无法生成:{first}", f"report.docx: cannot be made: {first}")
