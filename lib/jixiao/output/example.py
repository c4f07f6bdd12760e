"""A worked example tells the truth about itself: when the params declare the rows synthetic (``synthetic: true``),
every reader page, the report in HTML, PDF and Word, and the index say 示例（模拟数据） on the cover (or at the
top) and in the running header, and the cover's 报告编号 is the example's (示例-…), never the published report's."""

from __future__ import annotations

from html import escape

SYNTHETIC_MARK = "示例（模拟数据）"
EXAMPLE_NUMBER_PREFIX = "示例-"
BANNER_TEXT = "本页数据为模拟的示例数据，不是任何真实项目的记录。"
BANNER_CSS = (".jx-example { border: 1px solid #999; padding: .3rem .6rem; margin: 0 0 1rem; font-weight: bold; }\n"
              ".jx-cover .jx-example { display: inline-block; border: 1px solid #000; margin: 0 0 2rem; "
              "font-size: 1.2rem; letter-spacing: .1rem; }\n")
# a section page's PDF: the mark in the running header of every page
PAGE_PDF_CSS = f'@page {{ @top-center {{ content: "{SYNTHETIC_MARK}"; font-size: 9pt; }} }}\n'


def example_number(number: str) -> str:
    """The example's own report number: 示例-DGCZ-JX-2022-002 (示例 alone when the params give none)."""
    number = (number or "").strip()
    if number.startswith(EXAMPLE_NUMBER_PREFIX):
        return number
    return EXAMPLE_NUMBER_PREFIX + number if number else EXAMPLE_NUMBER_PREFIX.rstrip("-")


def example_cover(cover: dict) -> dict:
    """The params' cover data as the example prints it: its 报告编号 the example's."""
    number = (cover or {}).get("报告编号") or ""
    if isinstance(number, dict):  # given per period ({2019: …, 2019-2021: …})
        return {**cover, "报告编号": {p: example_number(str(v)) for p, v in number.items()}}
    return {**(cover or {}), "报告编号": example_number(str(number))}


def running_head(text: str) -> str:
    return f"{text} · {SYNTHETIC_MARK}"


def banner_html() -> str:
    """The line at the top of a reader page (and on a report's cover)."""
    return f'<p class="jx-example">{escape(SYNTHETIC_MARK)}：{escape(BANNER_TEXT)}</p>'


def cover_mark_html() -> str:
    return f'<p class="jx-example">{escape(SYNTHETIC_MARK)}</p>'


def mark_cover(body: str) -> str:
    """A report body whose cover (``<section class="jx-cover">``) opens with the mark."""
    opening = '<section class="jx-cover">'
    if opening in body:
        return body.replace(opening, opening + cover_mark_html(), 1)
    return banner_html() + body
