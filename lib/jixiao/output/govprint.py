"""The period report's print look, the government format the Word file has too: A4, margins top 37, bottom 35,
left 28, right 26 mm; the body 三号 (16 pt) in a serif CJK face, headings in 黑体, all black; footnotes at the foot
of the page that cites them; no table below 9 pt.

The faces are the bundled ones (``present.fonts``): Noto Serif CJK SC for the body and SimHei for headings, each
embedded in the PDF under its own name, with Noto Sans CJK SC behind them for the few characters they lack. A
reader's browser uses 仿宋_GB2312 / 黑体 first when it has them.
"""

from __future__ import annotations

import re
from html import unescape

from jixiao.present.fonts import HEI_FONT_FILE, SERIF_FONT_FILE

SERIF, HEI = "JixiaoSerif", "JixiaoHei"
BODY_STACK = f'"仿宋_GB2312", "FangSong", "STFangsong", "{SERIF}", "JixiaoCJK", serif'
HEADING_STACK = f'"黑体", "SimHei", "{HEI}", "{SERIF}", "JixiaoCJK", sans-serif'
HEADINGS = "h1, h2, .jx-cover .jx-kind, .jx-cover .jx-project, caption, figcaption"

# the page's own styles (author level): colours, sizes, indents; the screen keeps its own measure
SCREEN_CSS = f"""
body {{ font-family: {BODY_STACK}; color: #000; }}
body h1, body h2, body h3, body h4, body h1.jx-chapter {{ color: #000; border: none; }}
body h1, body h2, body .jx-cover .jx-kind, body .jx-cover .jx-project {{ font-family: {HEADING_STACK}; font-weight: normal; }}
body .jx-cover .jx-grade {{ color: #000; }}
@media screen {{ body .jx-cover {{ border-bottom: 1px solid #000; }} body span.jx-footnote {{ display: none; }} }}
@media print {{
  html {{ font-size: 16pt; }}
  body {{ font-size: 16pt; line-height: 1.6; }}
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
{HEADINGS}, nav.jx-contents h1 {{ font-family: "{HEI}", "{SERIF}", "JixiaoCJK" !important; }}
"""

_HEADING_TEXT = re.compile(r"<(h[1-4]|caption|figcaption)\b[^>]*>(.*?)</\1>|"
                           r'<(p|h1) class="jx-(?:kind|project)"[^>]*>(.*?)</\3>', re.S)


def heading_text(body: str) -> str:
    """What the 黑体 face sets: the text of headings, captions and the cover's title lines."""
    parts = [m.group(2) if m.group(1) else m.group(4) for m in _HEADING_TEXT.finditer(body)]
    return unescape(re.sub(r"<[^>]+>", "", "".join(p or "" for p in parts)))


def faces(body: str) -> tuple:
    """``export.render_page``'s faces for a report body: the serif face for all its text, 黑体 for its headings."""
    return ((SERIF, SERIF_FONT_FILE, None), (HEI, HEI_FONT_FILE, heading_text(body) + "目录"))


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
