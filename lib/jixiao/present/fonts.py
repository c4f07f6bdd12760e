"""The Chinese font: Noto Sans CJK SC (SIL OFL 1.1), shipped by the pinned ``mplfonts`` wheel.

Nothing depends on fonts installed on the machine: matplotlib is given the file
directly, and PDFs get it through @font-face.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FAMILY = "Noto Sans CJK SC"
# the government format's faces for the period report, from the same wheel: the body in a serif (Song/Fang Song
# style) face, headings in 黑体; each embedded in the PDF under its own name (pdffonts shows which face)
SERIF_FONT_FILE = "NotoSerifCJKsc-Regular.otf"
HEI_FONT_FILE = "SimHei.ttf"
# the page embeds its own cut of the font as JixiaoCJK; the rest only matter for text added later
HTML_FONT_STACK = f'"JixiaoCJK", "{CJK_FAMILY}", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'


class MissingGlyphError(RuntimeError):
    """Text has a character the bundled CJK font cannot draw (it would print as a box)."""


@functools.cache
def cjk_font_path(font_file: str = CJK_FONT_FILE) -> Path:
    # found without importing mplfonts, which imports matplotlib: a re-run that only writes its index needs neither
    spec = importlib.util.find_spec("mplfonts")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    path = Path(folders[0] if folders else "mplfonts") / "fonts" / font_file
    if not path.is_file():
        raise FileNotFoundError(f"{font_file} not found in the mplfonts package ({path}); run `make setup`")
    return path


@functools.cache
def font_cmap(font_file: str = CJK_FONT_FILE) -> frozenset[int]:
    """The code points a bundled face draws."""
    from jixiao.core.fontfiles import code_points

    return code_points(cjk_font_path(font_file))


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


@functools.lru_cache(maxsize=64)
def _cut(chars: str, font_file: str = CJK_FONT_FILE) -> tuple[bytes, bytes]:
    """(OpenType, WOFF) cut of the face to ``chars``, by HarfBuzz's subsetter (uharfbuzz): about 0.02 s from the
    whole 16-23 MB face, where fontTools' subsetter took 0.3-0.5 s from a working cut made at set-up."""
    import io

    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    source = _face(font_file)
    wanted = hb.SubsetInput()
    wanted.sets(hb.SubsetInputSets.UNICODE).update(map(ord, chars))
    # every feature (the SC locl forms, proportional punctuation) and every name (PDF readers show the face's): each
    # set starts with HarfBuzz's defaults, so emptied, then inverted
    for everything in (hb.SubsetInputSets.LAYOUT_FEATURE_TAG, hb.SubsetInputSets.NAME_ID):
        wanted.sets(everything).clear()
        wanted.sets(everything).invert()
    # only the glyphs the text maps to (horizontal SC text needs no others); .notdef drawn; no hinting
    wanted.flags = hb.SubsetFlags.NO_LAYOUT_CLOSURE | hb.SubsetFlags.NOTDEF_OUTLINE | hb.SubsetFlags.NO_HINTING
    otf = hb.subset(source, wanted).blob.data
    with TTFont(io.BytesIO(otf), lazy=True) as font:  # WOFF (zlib): the tables as cut, compressed
        font.flavor = "woff"
        woff = io.BytesIO()
        font.save(woff)
    return otf, woff.getvalue()


@functools.cache
def _face(font_file: str):
    import uharfbuzz as hb

    return hb.Face(hb.Blob.from_file_path(str(cjk_font_path(font_file))))  # mapped, not read: 16-23 MB a face


def subset_cjk_font(text: str, font_file: str = CJK_FONT_FILE) -> tuple[bytes, bytes]:
    """The bundled font cut down to the characters of ``text`` (plus ASCII): (OpenType, WOFF) bytes.

    The OpenType cut feeds WeasyPrint, which with fontTools would otherwise walk all 65,535 glyphs
    of the CJK face (about 6 s a PDF); the WOFF cut is embedded in the HTML, so a reviewer's
    browser needs no Chinese font of its own. One cut serves both. Cuts are kept per character set
    in memory: the same section of another period mostly needs the same characters.
    """
    import string

    chars = "".join(sorted(set(text + string.printable)))
    return _cut(chars, font_file)
