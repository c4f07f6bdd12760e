"""What the report can print: the characters of the bundled CJK font (the one every page, PDF and chart is
set in), read from its character map with fontTools, so that intake refuses a cell the run could not print
(an emoji in a domain name) and names the cell, rather than the run failing on it later without a place.

The font is found as ``present.fonts.cjk_font_path`` finds it (without importing matplotlib); intake may not
import ``present``, so the file name is repeated here and a test keeps the two equal.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"


def font_path() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    path = Path(folders[0] if folders else "mplfonts") / "fonts" / CJK_FONT_FILE
    return path if path.is_file() else None


@functools.cache
def printable() -> frozenset[int] | None:
    """The code points the bundled font draws; None when the font is not installed (``make setup`` says so)."""
    path = font_path()
    if path is None:
        return None
    from jixiao.core.fontfiles import code_points

    return code_points(path)


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` (other than white space) the bundled font cannot draw, in order, once each."""
    if text.isascii():
        return [c for c in dict.fromkeys(text) if not c.isspace() and not c.isprintable()]
    cmap = printable()
    if cmap is None:
        return []
    return [c for c in dict.fromkeys(text) if not c.isspace() and ord(c) not in cmap]


def unprintable_settings(project: str, cover: dict) -> str | None:
    """The first of the params' printed texts (the project's title, the cover's fields) holding a character the
    bundled font cannot draw, as a line naming it; None when every one prints."""
    from jixiao.core.i18n import t

    texts = [("project", project)]
    for key, value in cover.items():  # a cover entry may be given per period ({2019: …, 2019-2021: …})
        texts += [(f"report.{key}.{p}", v) for p, v in value.items()] if isinstance(value, dict) else [(f"report.{key}", value)]
    for where, text in texts:
        missing = unprintable(str(text))
        if missing:
            shown = "".join(missing[:5])
            codes = "、".join(f"U+{ord(c):04X}" for c in missing[:5])
            return t(f"参数 {where} 含有报告字体无法打印的字符 {shown}({codes});应删去或换成常用字符",
                     f"the parameter {where} holds character(s) the report's font cannot print: {shown} ({codes}); "
                     "expected them removed or replaced")
    return None
