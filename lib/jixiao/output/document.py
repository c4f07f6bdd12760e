"""One period's report, ``<period>/report.html`` and ``report.pdf``, from its Document (``output.report``), and
its workpapers.

The Document is the template rendered with the parts the sections compute from metrics.json and frames/
(``sections.period_parts``): nothing is read back from an executed notebook. This adds what a reviewer's
document has and a section page does not: a cover, contents with page numbers, PDF bookmarks, every table and
chart numbered and captioned (表1 …, 图1 …), a running header (project · period) and 第 x 页 共 y 页 on every
page after the cover, and a failed section's mark (本章生成失败, and where its log is). WeasyPrint does the
page numbers, bookmarks and running headers from CSS; the HTML carries its own cut of the CJK font.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import escape, unescape
from pathlib import Path

from jixiao.output.export import provenance_footer, render_page

NORMALISED_CSV = "normalised-cells.csv"  # every normalised cell, beside workpapers.html
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


def _contents(toc: list[tuple[int, str, str]]) -> str:
    items = "".join(f'<li class="jx-toc-{"chapter" if level == 1 else "section"}"><a href="#{anchor}">{escape(text)}</a></li>'
                    for level, anchor, text in toc)
    return f'<nav class="jx-contents"><h1 id="contents">目 录</h1><ol>{items}</ol></nav>'


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render_report(title: str, body: str, runhead: str, pdf: bool = True, extra_css: str = "", *, faces: tuple = (),
                  pdf_css: str = "") -> tuple[str, bytes | None]:
    """The report as self-contained HTML (its own WOFF cut of the CJK font) and A4 PDF bytes from the same
    cut; raises MissingGlyphError when a character of it has no glyph in the font. ``faces`` and ``pdf_css``:
    further bundled faces and the PDF's own rules for them (``output.govprint``)."""
    html, make_pdf = render_report_lazily(title, body, runhead, extra_css, faces=faces, pdf_css=pdf_css)
    return html, (make_pdf() if pdf else None)


def render_report_lazily(title: str, body: str, runhead: str, extra_css: str = "", *, faces: tuple = (),
                         pdf_css: str = ""):
    """(HTML, a function giving the PDF bytes from the same font cut): the PDF only when it is asked for."""
    rendered = render_page(title, body, screen_css=DOCUMENT_CSS + extra_css, margin_text=runhead + FOOTER_CHARS,
                           faces=faces)
    css = DOCUMENT_PDF_CSS % {"runhead": _css_string(runhead)} + pdf_css
    return rendered.html, lambda: rendered.pdf(extra_css=css, balance_appendix=False)


# --- the report from its template (output.report's document model) -------------------------------------

TEMPLATE_CSS = """
.jx-cover .jx-kind { font-size: 2.4rem; }
.jx-cover td:first-child { white-space: nowrap; }
section.footnotes { border-top: 1px solid #999; margin-top: 2rem; font-size: .85rem; }
section.footnotes a.footnote { display: none; }
sup.footnote-ref a { text-decoration: none; }
.jx-placeholder { background: #fff3cd; }
h4 { font-size: 1rem; margin: .8rem 0 .3rem; }
.jx-failed { border: 2px solid #c44e52; background: #fdecea; color: #8a1f11; padding: .5rem .8rem; font-weight: bold; }
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
    from jixiao.output import govprint
    from jixiao.output.report import ChartBlock, FailedBlock, TableBlock

    if isinstance(block, TableBlock):
        widths, long_columns = govprint.table_layout(block.part)
        html = block.part.html(caption=f"表{block.number} {block.caption}", widths=widths, long_columns=long_columns)
        many = len(block.part.columns) > govprint.MANY_COLUMNS
        return html.replace("jx-table", "jx-table jx-many", 1) if many else html
    if isinstance(block, ChartBlock):
        # SVG (its text as outlines), without the chart's own title: the caption below names it, once
        svg = base64.b64encode(block.part.svg(titled=False)).decode()
        return (f'<figure class="jx-figure" id="figure-{block.number}"><img src="data:image/svg+xml;base64,{svg}" '
                f'alt="{escape(block.caption)}"><figcaption>图{block.number} {escape(block.caption)}</figcaption></figure>')
    if isinstance(block, FailedBlock):
        return f'<div class="jx-failed"><p>{escape(block.text)}</p></div>'
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
        # 附件 (附录) starts a page in print (govprint's jx-annex)
        annex = " jx-annex" if re.match(r"(?:附件|附录)", text) else ""
        cls = f' class="jx-chapter{annex}"' if level == 1 else ""
        return f'<h{level}{cls} id="{anchor}">{text}</h{level}>'

    html = re.sub(r"<h([1-6])>(.*?)</h\1>", heading, html, flags=re.S)
    html = re.sub(r"<p>\s*(JXBLOCK\d{4})\s*</p>", lambda m: _block_html(doc.blocks[int(TOKEN_RE.match(m.group(1)).group(1))]), html)
    html = re.sub(r"(【(?:待撰写|待填写|无数据)[:：][^】]*】)", r'<span class="jx-placeholder">\1</span>', html)
    html = zh_punctuation(html)
    contents = zh_punctuation(_contents(toc))
    html = html.replace("JXCONTENTS", contents) if "JXCONTENTS" in html else contents + html
    cells = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in doc.cover if k != "项目名称")
    cover = (f'<section class="jx-cover"><h1 class="jx-kind">{escape(doc.title)}</h1>'
             f'<p class="jx-project">{escape(doc.project)}</p><table>{cells}</table></section>')
    return cover + html


def workpapers_html(period_dir: Path, parts, *, project: str, period: str, parameters: dict, inputs: dict,
                    run_time: str, processing: dict | None = None, synthetic: bool = False) -> str:
    """``<period>/workpapers.html`` (工作底稿): the provenance, the results behind each section, the check
    tables (与已发布报告核对, 由数据计算的指标得分核对) and, from the run's intake record (``processing``), the
    数据处理说明 (``processing_html``), kept out of the reader's report."""
    from jixiao.output.export import page
    from jixiao.sections import BY_KEY

    out = [f"<h1>{escape(project)} 工作底稿({escape(period)})</h1>",
           "<p>本底稿列出报告的数据来源、生成信息和核对表,供评价人员复核;报告正文不含这些内容。</p>"]
    checks = [p for p in parts.tables.values() if p.check]
    for i, table in enumerate(checks, 1):
        out.append(f"<h2>核对表{i} {escape(table.caption)}</h2>{table.html(caption='')}")
    for key, error in parts.failed.items():
        out.append(f'<div class="jx-failed"><p>{escape(BY_KEY[key].title)}({escape(key)}):本节生成失败,'
                   f"{escape(error)}</p></div>")
    if processing is not None:
        out.append(processing_html(processing))
    out.append(provenance_footer(parameters, inputs, run_time))
    rows = []
    for path in sorted([Path(period_dir) / "metrics.json", *(Path(period_dir) / "frames").glob("*.parquet")]):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            rows.append(f"<tr><td>{escape(path.relative_to(period_dir).as_posix())}</td><td>SHA-256 {escape(digest)}</td></tr>")
    out.append('<h2>各节来源(本期计算结果)</h2><table class="jx-table"><thead><tr><th>文件</th>'
               f"<th>文件摘要</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    if synthetic:
        from jixiao.output.example import BANNER_CSS, banner_html

        out.insert(0, f"<style>{BANNER_CSS}</style>{banner_html()}")
    return page(f"{project} 工作底稿({period})", "".join(out), "")


PROCESSING_TITLE = "数据处理说明"


def _effect_text(figure: str, value) -> str:
    """An adjusted figure as the report prints it: a rate in %, a count as a count, money in 万元."""
    from jixiao.present.format import fmt_count, fmt_pct, fmt_wan

    last = figure.split(".")[-1]
    if value is None:
        return "—"
    if "rate" in last:
        return fmt_pct(value)
    if last in ("subprojects", "no_funds_issued"):
        return fmt_count(value)
    return fmt_wan(value)


def _frame_table(frame, caption: str) -> str:
    if frame.empty:
        return ""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return (f'<table class="jx-table"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def processing_html(processing: dict) -> str:
    """工作底稿's 数据处理说明: every warning intake gave, every cell it normalised (a count per kind and the first
    of each; all of them in the CSV beside this file), every adjustment of the evaluator and its effect on the
    figures, from the run's intake record (``run.batch.write_intake``)."""
    from jixiao.intake.summary import FIRST_SHOWN, effect_label, processing_frames

    frames = processing_frames(processing)
    warnings = processing.get("warnings") or {}
    listed = list(warnings.get("listed") or warnings.get("first") or [])
    count = int(warnings.get("count") or len(listed))
    # long cells (an excluded row's values, a warning) wrap rather than push the table off the page
    out = ["<style>section.jx-processing table.jx-table td { white-space: normal; word-break: break-all; }</style>"
           '<section class="jx-processing">', f"<h2>{PROCESSING_TITLE}</h2>",
           "<p>以下为读取部门数据时的警告、自动规范的单元格和评价人员的调整(原始文件均未改动);报告中的数字是处理之后的结果。</p>",
           f"<h3>一、数据警告({count:,} 条)</h3>"]
    if listed:
        out.append('<ol class="jx-warnings">' + "".join(f"<li>{escape(w)}</li>" for w in listed) + "</ol>")
        if count > len(listed):
            out.append(f"<p>另有 {count - len(listed):,} 条警告未列出;jixiao validate 列出全部。</p>")
    else:
        out.append("<p>无。</p>")
    counts = frames["normalised_counts"]
    total = int(counts.iloc[:, 1].sum()) if not counts.empty else 0
    out.append(f"<h3>二、自动规范的单元格({total:,} 个)</h3>")
    if total:
        out.append(f"<p>各类的数量及每类的前 {FIRST_SHOWN} 个如下;全部单元格见"
                   f' <a href="{escape(NORMALISED_CSV)}">自动规范的单元格清单(CSV)</a>。</p>')
        out.append(_frame_table(counts, "自动规范的单元格:按类别计数"))
        out.append(_frame_table(frames["normalised_first"], f"自动规范的单元格:每类前 {FIRST_SHOWN} 个"))
        out.append(_frame_table(frames["encodings"], "CSV 文件的文字编码"))
    else:
        out.append("<p>无。</p>")
    adjustments = frames["adjustments"]
    out.append(f"<h3>三、评价人员的调整({len(adjustments)} 项)</h3>")
    if adjustments.empty:
        out.append("<p>无:报告的数字均由部门提供的原始数据计算。</p>")
        return "".join(out) + "</section>"
    out.append("<p>调整写在评价文件夹的调整文件中,原始文件未改动;每项调整的前后数值、原因和依据如下。</p>")
    out.append(_frame_table(adjustments, "评价人员的调整"))
    effects = (processing.get("adjustments") or {}).get("effects") or {}
    import pandas as pd

    rows = [["全部调整", effect_label(e["figure"]), _effect_text(e["figure"], e["with"]),
             _effect_text(e["figure"], e["without"])] for e in effects.get("all", [])]
    rows += [[f"第 {entry} 项", effect_label(e["figure"]), _effect_text(e["figure"], e["with"]),
              _effect_text(e["figure"], e["without"])] for entry, found in (effects.get("each") or {}).items() for e in found]
    if rows:
        out.append("<p>调整对各项指标的影响(调整后为报告所用的数字;调整前为不作该项调整时的数字):</p>")
        out.append(_frame_table(pd.DataFrame(rows, columns=["调整", "指标", "调整后", "调整前"]), "调整的影响"))
    else:
        out.append("<p>这些调整未改变任何预算执行指标。</p>")
    return "".join(out) + "</section>"


def _csv_cell(value) -> object:
    """A cell Excel shows as typed: text that Excel would take for a formula (=, +, -, @) is kept as text."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def normalised_csv(processing: dict | None) -> bytes:
    """Every normalised cell the run kept (processing's ``normalised.first``, all kinds) as a CSV that Excel opens
    (UTF-8 with BOM): 处理, 文件, 工作表, 行, 列, 填写为, 读作."""
    import csv
    import io

    from jixiao.intake.summary import processing_frames

    frame = processing_frames(processing or {}, first_shown=None)["normalised_first"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(frame.columns))
    writer.writerows([_csv_cell(v) for v in row] for row in frame.itertuples(index=False))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
