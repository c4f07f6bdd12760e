"""Executed notebook -> reviewer's HTML (code hidden) and A4 PDF, each with a provenance footer.

The HTML is self-contained: charts are embedded PNG, the style is inline, and no
script or stylesheet is fetched from the network. The PDF is made in-process by
WeasyPrint from the same page, with the bundled CJK font given by @font-face, so
it never depends on the machine's fonts; a character the font lacks is an error.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from html import escape, unescape
from pathlib import Path

from jixiao.core.version import __version__
from jixiao.core.atomic import atomic_write_bytes, atomic_write_text
from jixiao.core.config import PROJECT_ROOT, relative_to_project
from jixiao.core.scratch import scratch_dir
from jixiao.present.fonts import (
    HTML_FONT_STACK,
    MissingGlyphError,
    cjk_font_path,
    font_cmap,
    font_face_css,
    subset_cjk_font,
)

# nbconvert and WeasyPrint are imported where they are used: the batch's parent process and a re-run
# that reuses every section need neither.

PAGE_CSS = """
body { font-family: %(fonts)s; color: #222; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #1f5fa6; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 1.6rem; color: #1f5fa6; }
h3 { font-size: 1.05rem; }
p, li { text-align: left; }
table.jx-table { border-collapse: collapse; margin: .8rem 0 1.2rem; font-size: .9rem; table-layout: auto; }
table.jx-table caption { text-align: left; font-weight: bold; margin-bottom: .3rem; }
table.jx-table th, table.jx-table td { border: 1px solid #bbb; padding: .2rem .5rem; white-space: nowrap; }
table.jx-table th { background: #eef3f9; text-align: center; }
table.jx-table td.jx-text { text-align: left; }
table.jx-table td.jx-num { text-align: right; }
table.jx-table td.jx-wrap { white-space: normal; min-width: 8em; }
table.jx-table.jx-wide { width: 100%%; }
table.jx-table th.jx-wrap { white-space: normal; min-width: 4em; }
img { max-width: 100%%; }
.jx-subtitle { color: #555; }
.jx-failed { border: 2px solid #c44e52; padding: .5rem 1rem; background: #fdf0f0; }
pre { white-space: pre-wrap; font-size: .8rem; }
section.jx-provenance { margin-top: 1.5rem; border-top: 1px solid #ccc; font-size: .75rem; color: #555; }
section.jx-provenance h2 { font-size: .95rem; margin: .4rem 0; color: #555; }
section.jx-provenance table { border-collapse: collapse; table-layout: fixed; width: 100%%; }
section.jx-provenance td { padding: 0 .5rem 0 0; vertical-align: top; word-break: break-all; }
section.jx-provenance td:first-child { white-space: nowrap; word-break: normal; }
"""
PDF_CSS = """
@page { size: A4; margin: 18mm 15mm 18mm 15mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #777; } }
* { font-family: "JixiaoCJK" !important; }
body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
h1, h2, h3, caption { break-after: avoid; page-break-after: avoid; }
.text_cell { break-after: avoid; page-break-after: avoid; }
table.jx-table { font-size: 8.5pt; page-break-inside: auto; }
table.jx-table th, table.jx-table td { padding: .1rem .4rem; line-height: 1.35; }
tr { page-break-inside: avoid; }
table.jx-short, div.jx-keep { break-inside: avoid; page-break-inside: avoid; }
p.jx-note { orphans: 3; widows: 3; }
.output_png img, div.jx-keep img { width: 86%; display: block; }
section.jx-provenance { break-before: avoid; break-inside: avoid; }
thead { display: table-header-group; }
img { max-width: 100%; page-break-inside: avoid; }
pre { font-family: "JixiaoCJK"; }
section.jx-provenance { font-size: 7pt; line-height: 1.3; }
.jx-break-before { break-before: page; page-break-before: always; }
"""


PAGE_NUMBER_CHARS = "0123456789 /"  # the @page footer's counters


@functools.cache
def git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if out.returncode != 0:
        return "unknown"
    dirty = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, timeout=10).stdout.strip()
    return out.stdout.strip() + ("+modified" if dirty else "")


def provenance_footer(parameters: dict, inputs: dict[str, str], run_time: str, seconds: float | None = None) -> str:
    """The appendix every export ends with (附录：数据来源与生成信息): version and commit, run time, the parameters
    (paths relative to the project) on one line, each input's SHA-256; compact, so that it shares the last page."""
    made = f"jixiao {__version__}（git {git_commit()}）；生成时间 {run_time}"
    if seconds is not None:
        made += f"；运行用时 {seconds:.1f} 秒"
    params = "；".join(f"{k} = {relative_to_project(str(v)) if k.endswith('_dir') else v}" for k, v in parameters.items())
    rows = [("生成", made), ("参数", params)] + [(f"输入 {name}", f"SHA-256 {digest}") for name, digest in inputs.items()]
    cells = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    # the labels' column as wide as its longest label, the values' the rest: a fixed layout, because WeasyPrint
    # measures an automatic one by breaking each value at every character it may break at (its digests and
    # parameters may break anywhere), which took a page's PDF 0.2 s
    label_em = max(sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in k) for k, _ in rows) + 0.8
    return (f'<section class="jx-provenance" id="jx-provenance"><h2>附录：数据来源与生成信息</h2>'
            f'<table><colgroup><col style="width: {label_em:.1f}em"><col></colgroup>{cells}</table></section>')


ZH = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”"


def zh_punctuation(html: str) -> str:
    """Full-width punctuation in Chinese prose: ``,;:()?!`` next to Chinese text (and an enumerator such as (1)
    before it) become ，；：（）？！, and a space between Chinese sentences goes (“。 所有” -> “。所有”). Numbers (80,692.06), ranges ([80%,90%)), times
    and text inside tags, styles and images are left alone."""
    # entities (&gt;) are markup too: their ; is never a Chinese semicolon
    parts = re.split(r"(<style>.*?</style>|<script.*?</script>|<[^>]+>|&#?\w+;)", html, flags=re.S)
    for i in range(0, len(parts), 2):
        parts[i] = zh_text(parts[i])
    return "".join(parts)


_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def zh_text(text: str) -> str:
    if not re.search(f"[{ZH}]", text):
        return text
    # an escaped character (&gt; &quot; &#39;) is one character, not an ampersand, letters and a semicolon:
    # it is held aside as a private-use mark while the punctuation changes, so its ; never becomes ；
    held = _CHARACTER_REFERENCE.findall(text)
    if held:
        mark = next(chr(c) for c in range(0xF0000, 0xFFFFE) if chr(c) not in text)
        text = _CHARACTER_REFERENCE.sub(mark, text)
    text = _zh_text(text)
    if held:
        first, *rest = text.split(mark)
        text = first + "".join(reference + after for reference, after in zip(held, rest))
    return text


def _zh_text(text: str) -> str:
    zh = f"[{ZH}]"

    def paren(m: re.Match) -> str:
        before = m.string[m.start() - 1] if m.start() else ""
        after = m.string[m.end()] if m.end() < len(m.string) else ""
        inner = m.group(1)
        # (万元) in Chinese, 评价(2019), and an enumerator before Chinese text: (1)产出数量
        if re.search(zh, inner) or re.match(zh, before or " ") or (re.fullmatch(r"\d{1,2}", inner)
                                                                   and re.match(zh, after or " ")):
            return f"（{inner}）"
        return m.group(0)

    text = re.sub(r"\(([^()\[\]]*)\)", paren, text)
    text = re.sub(f"(?<={zh})\\?", "？", text)
    text = re.sub(f"(?<={zh})!", "！", text)
    text = re.sub(f"(?<={zh}),|,(?={zh})", "，", text)
    text = re.sub(f"(?<={zh});|;(?=\\s*{zh})", "；", text)
    text = re.sub(f"(?<={zh}):", "：", text)
    text = re.sub(f"(?<=[。，；：！？、）”])[ \t\n]+(?={zh})", "", text)
    return text


def page(title: str, body: str, footer: str = "", font_css: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{font_css}{PAGE_CSS % {'fonts': HTML_FONT_STACK}}</style>\n</head>\n"
        f"<body>\n{body}\n{footer}\n</body>\n</html>\n"
    )


@functools.cache
def html_exporter():
    from nbconvert import HTMLExporter

    # made once per process: loading the template is most of an export's cost
    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, anchor_link_text="")


def notebook_body(nb) -> str:
    """The notebook's markdown and outputs as HTML, code and prompts hidden, stderr dropped."""
    import nbformat

    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    body, _ = html_exporter().from_notebook_node(nb)
    return zh_punctuation(body)


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` (other than white space) that the bundled font cannot draw."""
    cmap = font_cmap()
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap and ord(ch) >= 32})


class _GlyphLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "notdef" in message or "glyph" in message.lower():
            self.messages.append(message)


def page_text(html: str) -> str:
    """What a reader sees of ``html``: its text without tags, styles or images."""
    return unescape(re.sub(r"<style>.*?</style>|<img[^>]*>|<[^>]+>", " ", html, flags=re.S))


def check_glyphs(text: str, name: str) -> None:
    missing = missing_glyphs(text)
    if missing:
        raise MissingGlyphError(f"{name}: no glyph in {cjk_font_path().name} for {''.join(missing)!r}")


@dataclass(frozen=True)
class RenderedPage:
    """A page cut once: its self-contained HTML and the font cut its PDF is set in, so the HTML and the PDF
    of one page share one glyph check and one subset of the CJK font."""

    title: str
    html: str  # with its own cut of the CJK font, as WOFF
    plain: str  # the same page without the embedded font: what WeasyPrint lays out
    font: bytes  # the OTF cut for the PDF
    faces: tuple = ()  # (family, cut) of each further face the page names (``render_page``'s faces)

    def pdf(self, extra_css: str = "", balance_appendix: bool = True) -> bytes:
        """A4 PDF bytes (see ``pdf_bytes``); raises MissingGlyphError on tofu."""
        return pdf_bytes(self.plain, self.font, self.title, extra_css=extra_css, balance_appendix=balance_appendix,
                         faces=self.faces)


def render_page(title: str, body: str, footer: str = "", *, screen_css: str = "",
                margin_text: str = PAGE_NUMBER_CHARS, faces: tuple = ()) -> RenderedPage:
    """The page and its font cut; raises MissingGlyphError on tofu. ``screen_css``: a document's own styles;
    ``margin_text``: what the PDF's margin boxes print besides the page's text (page numbers, running heads);
    ``faces``: further bundled faces the page's styles name, each (family, font file, the text it sets or None for
    all of it), cut and embedded like the first; the first face then holds only what they cannot draw."""
    plain = page(title, body, footer, font_css=screen_css)
    text = page_text(plain) + title + margin_text
    check_glyphs(text, title)
    cuts = []
    for family, font_file, own_text in faces:
        drawn = font_cmap(font_file)
        chars = "".join(ch for ch in set(own_text if own_text is not None else text) if ord(ch) in drawn)
        cuts.append((family, *subset_cjk_font(chars, font_file)))
    if faces:  # the fallback face sets what the first further face lacks
        drawn = font_cmap(faces[0][1])
        text = "".join(ch for ch in set(text) if ord(ch) not in drawn)
    otf, woff = subset_cjk_font(text)
    embedded = "".join(f'@font-face {{ font-family: "{family}"; '
                       f'src: url(data:font/woff;base64,{base64.b64encode(w).decode()}) format("woff"); }}\n'
                       for family, w in [("JixiaoCJK", woff), *((f, w) for f, _, w in cuts)])
    return RenderedPage(title, page(title, body, footer, font_css=embedded + screen_css), plain, otf,
                        tuple((family, o) for family, o, _ in cuts))


def warm_up_pdf() -> None:
    """Render a one-line PDF: WeasyPrint's first document in a process costs about 0.7 s more than the next."""
    render_page("预热", "<p>预热</p>").pdf()


def export_page(title: str, body: str, footer: str, html_target: Path, pdf_target: Path | None = None) -> None:
    """``render_page`` written to ``html_target`` (and ``pdf_target``), each atomically."""
    rendered = render_page(title, body, footer)
    atomic_write_text(html_target, rendered.html)
    if pdf_target is not None:
        atomic_write_bytes(pdf_target, rendered.pdf())


def _page_texts(page) -> tuple[bool, bool]:
    """(holds appendix text, holds other text) for one laid-out WeasyPrint page (margin boxes excluded)."""
    appendix = other = False
    stack = [(page._page_box, False)]
    while stack:
        box, inside = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and element.get("id") == "jx-provenance":
            inside = True
        if type(box).__name__ == "MarginBox":
            continue
        text = getattr(box, "text", None)
        if text and text.strip():
            appendix, other = appendix or inside, other or not inside
        stack.extend((child, inside) for child in getattr(box, "children", []) or [])
    return appendix, other


def _last_page_is_appendix_only(document) -> bool:
    if len(document.pages) < 2:
        return False
    appendix, other = _page_texts(document.pages[-1])
    return appendix and not other


def _with_last_part_on_new_page(html: str) -> str | None:
    """``html`` with a page break before its last output (a chart, a table kept with its chart), so that it
    shares the appendix's page; before its last heading cell when it has no output; None when neither."""
    for pattern in (r'<div class="output_area[^"]*"', r'<div class="cell border-box-sizing text_cell[^"]*"'):
        found = list(re.finditer(pattern, html))
        if found:
            at = found[-1].start() + len('<div class="')
            return html[:at] + "jx-break-before " + html[at:]
    return None


def pdf_bytes(html: str, font: bytes, name: str, extra_css: str = "", balance_appendix: bool = True,
              faces: tuple = ()) -> bytes:
    """A4 PDF of ``html`` in the given font cut; ``balance_appendix``: never leave the appendix alone on the
    last page (a section page); ``extra_css``: a document's own page rules; ``faces``: (family, cut) of further
    faces its styles name."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    handler = _GlyphLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        scratch = scratch_dir("font")
        try:
            font_file = scratch / "cjk-subset.otf"
            font_file.write_bytes(font)
            face_css = font_face_css(font_file)
            for i, (family, cut) in enumerate(faces):
                face_file = scratch / f"face-{i}.otf"
                face_file.write_bytes(cut)
                face_css += font_face_css(face_file, family)
            fonts = FontConfiguration()  # @font-face only takes effect through a shared FontConfiguration
            stylesheet = CSS(string=face_css + PDF_CSS + extra_css, font_config=fonts)
            document = HTML(string=html, base_url=str(scratch)).render(stylesheets=[stylesheet], font_config=fonts)
            alone = balance_appendix and _last_page_is_appendix_only(document)
            moved = _with_last_part_on_new_page(html) if alone else None
            if moved is not None:  # bring the last heading and what follows onto the appendix's page
                document = HTML(string=moved, base_url=str(scratch)).render(stylesheets=[stylesheet],
                                                                             font_config=fonts)
            data = document.write_pdf(full_fonts=True)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        raise MissingGlyphError(f"{name}: " + "; ".join(dict.fromkeys(handler.messages)))
    return data
