"""The period report's print look, the government format the Word file has too: A4, margins top 37, bottom 35,
left 28, right 26 mm; the body 三号 (16 pt) in a serif CJK face, 一级标题 in 黑体, 二级 in 楷体, 三级 in the body's
face, bold; all black; footnotes at the foot of the page that cites them; no table below 9 pt (a table of many
columns is set in 9 pt and its longer texts wrap, so that it keeps within the text width); table cells centred,
numbers right-aligned, longer texts left-aligned.

The faces are the bundled ones (``present.fonts``): Noto Serif CJK SC for the body and SimHei for headings, each
embedded in the PDF under its own name, with Noto Sans CJK SC behind them for the few characters they lack. No
楷体 ships in the pinned wheels (nor as an OFL font on PyPI): the PDF sets 二级标题 in the serif face, while a
reader's browser, like Word, uses 楷体_GB2312 / KaiTi / STKaiti when it has one. A reader's browser uses
仿宋_GB2312 / 黑体 first when it has them.
"""

from __future__ import annotations

import re
from html import unescape

from jixiao.present.fonts import HEI_FONT_FILE, SERIF_FONT_FILE

SERIF, HEI = "JixiaoSerif", "JixiaoHei"
BODY_STACK = f'"仿宋_GB2312", "FangSong", "STFangsong", "{SERIF}", "JixiaoCJK", serif'
HEADING_STACK = f'"黑体", "SimHei", "{HEI}", "{SERIF}", "JixiaoCJK", sans-serif'
KAI_STACK = f'"楷体_GB2312", "KaiTi", "STKaiti", "{SERIF}", "JixiaoCJK", serif'  # 二级标题
HEADINGS = "h1, .jx-cover .jx-kind, .jx-cover .jx-project, caption, figcaption, table.jx-table th"

# the page's own styles (author level): colours, sizes, indents; the screen keeps its own measure
SCREEN_CSS = f"""
body {{ font-family: {BODY_STACK}; color: #000; }}
body h1, body h2, body h3, body h4, body h1.jx-chapter {{ color: #000; border: none; }}
body h1, body .jx-cover .jx-kind, body .jx-cover .jx-project {{ font-family: {HEADING_STACK}; font-weight: normal; }}
body h2 {{ font-family: {KAI_STACK}; font-weight: normal; }}
body nav.jx-contents h1 {{ font-family: {BODY_STACK}; }}  /* 目录 in the body's face, as Word's TOC heading */
body .jx-cover .jx-grade {{ color: #000; }}
@media screen {{ body .jx-cover {{ border-bottom: 1px solid #000; }} body span.jx-footnote {{ display: none; }} }}
@media print {{
  html {{ font-size: 16pt; }}
  body {{ font-size: 16pt; line-height: 1.6; }}
  html body {{ margin: 0; padding: 0; max-width: none; }}  /* the page's margins only (the screen's measure is PAGE_CSS's) */
  body > p {{ text-indent: 2em; text-align: justify; }}
  body h1, body h2, body h3, body h4 {{ font-size: 16pt; margin: .6em 0 .3em; padding: 0; }}
  body .jx-cover .jx-kind {{ font-size: 22pt; }}
  body .jx-cover .jx-project {{ font-size: 18pt; }}
  body .jx-cover table {{ font-size: 16pt; }}
  body nav.jx-contents h1 {{ text-align: center; }}
  body nav.jx-contents li {{ font-size: 12pt; line-height: 1.5; }}
  body nav.jx-contents li.jx-toc-chapter {{ font-weight: normal; margin-top: .2rem; }}
  body table.jx-table {{ font-size: 10.5pt; }}
  body table.jx-table.jx-many {{ font-size: 9pt; }}
  /* a table keeps within the text width, its columns as wide as their content needs (table_layout): texts wrap
     where they must, a number never */
  body table.jx-table.jx-fitted {{ table-layout: fixed; width: 100%; }}
  body table.jx-table th, body table.jx-table td {{ padding: .1rem .2rem; }}
  body table.jx-table.jx-fitted th, body table.jx-table.jx-fitted td.jx-text {{ white-space: normal; min-width: 0; }}
  body table.jx-table td.jx-text {{ text-align: center; }}
  body table.jx-table td.jx-long {{ text-align: left; }}
  body table.jx-table td.jx-num {{ white-space: nowrap; }}
  body h1.jx-annex {{ page-break-before: always; }}
  /* a bulleted list's items are body paragraphs, as in the Word file: a government document prints no bullet */
  body ul {{ list-style: none; padding-left: 0; margin-left: 0; }}
  body ul > li {{ text-indent: 2em; text-align: left; }}  /* a formula's spaces never stretch (= and ÷) */
  body table.jx-table caption, body figure.jx-figure figcaption {{ font-size: 14pt; font-weight: normal; }}
  body table.jx-table th {{ background: none; font-weight: normal; }}
  body table.jx-table th, body table.jx-table td {{ border-color: #000; vertical-align: middle; }}
  /* the list stays laid out (its anchors are the calls' link targets) but unseen and taking no room */
  body section.footnotes {{ visibility: hidden; height: 0; overflow: hidden; margin: 0; padding: 0; border: none; }}
  body sup.footnote-ref a {{ color: #000; text-decoration: none; }}
  body span.jx-footnote {{ float: footnote; font-size: 12pt; line-height: 1.4; text-indent: 0; text-align: left; }}
  body span.jx-footnote::footnote-call {{ content: ""; }}
  body span.jx-footnote::footnote-marker {{ content: attr(data-n) ". "; }}
}}
"""
# the PDF's faces (user level, as the page's own PDF_CSS sets its one face): the bundled cuts only, never the
# machine's fonts
PDF_CSS = f"""
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm; @footnote {{ border-top: .5pt solid #000; padding-top: 2mm; }} }}
* {{ font-family: "{SERIF}", "JixiaoCJK" !important; }}
{HEADINGS} {{ font-family: "{HEI}", "{SERIF}", "JixiaoCJK" !important; }}
nav.jx-contents h1 {{ font-family: "{SERIF}", "JixiaoCJK" !important; string-set: chapter "目录"; }}
"""

_HEADING_TEXT = re.compile(r"<(h1|caption|figcaption|th)\b[^>]*>(.*?)</\1>|"
                           r'<(p|h1) class="jx-(?:kind|project)"[^>]*>(.*?)</\3>', re.S)


def heading_text(body: str) -> str:
    """What the 黑体 face sets: the text of 一级标题, captions, table headers and the cover's title lines."""
    parts = [m.group(2) if m.group(1) else m.group(4) for m in _HEADING_TEXT.finditer(body)]
    return unescape(re.sub(r"<[^>]+>", "", "".join(p or "" for p in parts)))


def faces(body: str) -> tuple:
    """``export.render_page``'s faces for a report body: the serif face for all its text, 黑体 for its headings."""
    return ((SERIF, SERIF_FONT_FILE, None), (HEI, HEI_FONT_FILE, heading_text(body)))


_NOTE = re.compile(r'<li id="fn-([^"]+)">(.*?)</li>', re.S)
_REF = re.compile(r'<sup class="footnote-ref" id="fnref-([^"]+)"><a href="#fn-\1">([^<]*)</a></sup>')


def footnotes_in_place(html: str) -> str:
    """Each footnote's text beside its first reference, as ``<span class="jx-footnote">`` (printed at the foot of
    that page: ``float: footnote``; the reference's own superscript is the call); the endnote list stays for the
    screen."""
    notes = {}
    for key, inner in _NOTE.findall(html):
        text = re.sub(r"</?p>", "", inner).strip()
        notes[key] = re.sub(r'<a href="#fnref-[^"]*" class="footnote">[^<]*</a>', "", text)
    seen = set()

    def place(m: re.Match) -> str:
        key, number = m.group(1), m.group(2)
        if key in seen or key not in notes:
            return m.group(0)
        seen.add(key)
        return (f'<sup class="footnote-ref jx-called" id="fnref-{key}"><a href="#fn-{key}">{number}</a></sup>'
                f'<span class="jx-footnote" data-n="{number}">{notes[key]}</span>')

    return _REF.sub(place, html)


LONG_CELL = 6  # a text column with a cell longer than this many characters is left-aligned (shorter: centred)
TEXT_WIDTH_MM = 156  # A4 less the margins of 28 and 26 mm
CELL_PADDING_MM = 3.0  # a cell's left and right padding and a little air
NUMBER_CELL = re.compile(r"^[-+−]?[\d,，]+(?:\.\d+)?\s*(?:%|％|万元|元|亿元|分|个|条|项|人|个月)?$")


def text_units(text: str, latin: float = 1.3) -> float:
    """The width of ``text`` in half-ems: a CJK (full-width) character counts two, a Latin letter or digit
    ``latin`` (1.3 for Word: where 仿宋 is missing, as in LibreOffice, the fallback face's digits are wider than
    half an em; 1.1 for the PDF's serif face)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else latin for ch in text)


SHORT_UNITS = 12  # a cell up to six CJK characters wide (a name: 集成实施入场) is never broken


def least_units(text: str, numeric: bool, header: bool = False, latin: float = 1.3, header_units: float = 8) -> float:
    """What a cell needs so that no word breaks: a number whole, a run of Latin letters whole, a short text
    (``SHORT_UNITS``) whole and a longer one four CJK characters together; a header ``header_units`` (four CJK
    characters: 一级指标) together."""
    units = text_units(text, latin)
    if numeric:
        return units
    words = re.findall(r"[\x21-\x7e]+", text)
    longest = max([text_units(w, latin) for w in words] + [0])
    if header:
        return max(longest, min(units, header_units))
    return max(longest, units if units <= SHORT_UNITS else min(units, 8))


def column_widths(rows: list[list[str]], text_width_mm: float = TEXT_WIDTH_MM, size_pt: float = 10.5,
                  padding_mm: float = CELL_PADDING_MM, latin: float = 1.3) -> list[float]:
    """Column widths in mm from the content (``rows``: the header row first), filling ``text_width_mm``: each
    column at least its widest unbreakable word, number or short name; what room is left goes to the columns whose
    text would otherwise wrap most. Where a table of many columns cannot keep its headers' first four characters
    together, they break after three, then two. The PDF and the Word file share it, so their tables break their
    lines alike."""
    columns = max((len(r) for r in rows), default=0)
    mm_per_unit = size_pt * 0.3528 / 2
    for header_units in (8, 6, 4):
        least, want = [2.0] * columns, [2.0] * columns
        for r, row in enumerate(rows):
            for i, text in enumerate(row):
                text = text.strip()
                least[i] = max(least[i], least_units(text, r > 0 and bool(NUMBER_CELL.match(text)), r == 0,
                                                     latin, header_units))
                want[i] = max(want[i], min(text_units(text, latin), 40))
        least_mm = [u * mm_per_unit + padding_mm for u in least]
        if sum(least_mm) <= text_width_mm:
            break
    want_mm = [max(w * mm_per_unit + padding_mm, m) for w, m in zip(want, least_mm)]
    if sum(want_mm) <= text_width_mm:
        return [w * text_width_mm / sum(want_mm) for w in want_mm]
    if sum(least_mm) >= text_width_mm:
        return [m * text_width_mm / sum(least_mm) for m in least_mm]
    room = text_width_mm - sum(least_mm)
    extra = [w - m for w, m in zip(want_mm, least_mm)]
    return [m + room * e / sum(extra) for m, e in zip(least_mm, extra)]


MANY_COLUMNS = 7  # a table of more columns is set in 9 pt (jx-many), in the PDF and in Word


def table_layout(part) -> tuple[list[float], frozenset[int]]:
    """A report table's print layout from its own cells (``present.parts.TablePart``): each column's width
    (``column_widths``, as the Word file's) and the text columns that hold a longer text (``LONG_CELL``), which
    read from the left while a column of short texts (names, levels) is centred. Measured as printed, with the
    page's full-width punctuation."""
    from jixiao.output.export import zh_text

    texts = [[zh_text(t) for t in row] for row in part.texts()]
    long = frozenset(i for row in texts for i, text in enumerate(row)
                     if not part.columns[i].right and len(text.strip()) > LONG_CELL)
    widths = column_widths([[zh_text(h) for h in part.headers], *texts],
                           size_pt=9 if len(part.columns) > MANY_COLUMNS else 10.5, padding_mm=3.5, latin=1.1)
    return widths, long
