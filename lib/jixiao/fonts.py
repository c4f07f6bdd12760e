"""The Chinese font: Noto Sans CJK SC (SIL OFL 1.1), shipped by the pinned ``mplfonts`` wheel.

Nothing depends on fonts installed on the machine: matplotlib is given the file
directly, and PDFs get it through @font-face.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FAMILY = "Noto Sans CJK SC"
# the page embeds its own cut of the font as JixiaoCJK; the rest only matter for text added later
HTML_FONT_STACK = f'"JixiaoCJK", "{CJK_FAMILY}", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'


class MissingGlyphError(RuntimeError):
    """Text has a character the bundled CJK font cannot draw (it would print as a box)."""


@functools.cache
def cjk_font_path() -> Path:
    path = Path(str(resources.files("mplfonts") / "fonts" / CJK_FONT_FILE))
    if not path.is_file():
        raise FileNotFoundError(f"{CJK_FONT_FILE} not found in the mplfonts package ({path}); run `make setup`")
    return path


@functools.cache
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default; returns its family name."""
    import matplotlib as mpl
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False  # the CJK face has no U+2212 minus
    mpl.rcParams["text.parse_math"] = False  # names from the inputs may hold '$': show it, never parse it
    return family


def font_face_css(path: Path | None = None, family: str = "JixiaoCJK") -> str:
    """An @font-face rule naming the bundled font file (or a subset of it), for WeasyPrint."""
    return f'@font-face {{ font-family: "{family}"; src: url("{(path or cjk_font_path()).as_uri()}"); }}'


def subset_cjk_font(text: str) -> tuple[bytes, bytes]:
    """The bundled font cut down to the characters of ``text`` (plus ASCII): (OpenType, WOFF2) bytes.

    The OpenType cut feeds WeasyPrint, which with fontTools would otherwise walk all 65,535 glyphs
    of the CJK face (about 6 s a PDF); the WOFF2 cut is embedded in the HTML, so a reviewer's
    browser needs no Chinese font of its own. One cut serves both.
    """
    import io
    import string

    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]  # keep the SC locl forms and proportional punctuation
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    with TTFont(str(cjk_font_path()), lazy=True) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text + string.printable)
        subsetter.subset(font)
        otf, woff2 = io.BytesIO(), io.BytesIO()
        font.save(otf)
        font.flavor = "woff2"
        font.save(woff2)
    return otf.getvalue(), woff2.getvalue()
