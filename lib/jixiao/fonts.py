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


FONT_CUT_VERSION = 2  # bump when the options below change: cached cuts are keyed on it


def _cut_key(chars: str) -> str:
    import hashlib

    path = cjk_font_path()
    return hashlib.sha256(f"{FONT_CUT_VERSION}\0{path.name}\0{path.stat().st_size}\0{chars}".encode()).hexdigest()


def _cache_dir() -> Path:
    from .config import PROCESSED_DIR

    return PROCESSED_DIR / "_fonts"


@functools.lru_cache(maxsize=64)
def _cut(chars: str) -> tuple[bytes, bytes]:
    cached = _cache_dir() / f"{_cut_key(chars)}"
    otf_file, woff_file = cached.with_suffix(".otf"), cached.with_suffix(".woff")
    if otf_file.is_file() and woff_file.is_file():
        return otf_file.read_bytes(), woff_file.read_bytes()
    otf, woff = _make_cut(chars)
    try:
        from .atomic import atomic_write_bytes

        atomic_write_bytes(otf_file, otf)
        atomic_write_bytes(woff_file, woff)  # written last: a cut is used only when both are there
    except OSError:
        pass  # a read-only cache costs time, never correctness
    return otf, woff


def _make_cut(chars: str) -> tuple[bytes, bytes]:
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]  # keep the SC locl forms and proportional punctuation
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    # recalcBBoxes=False: recomputing the bounds draws every glyph twice (two thirds of the time);
    # the full font's bounds are a valid, if loose, box for any cut of it
    with TTFont(str(cjk_font_path()), lazy=True, recalcBBoxes=False) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=chars)
        subsetter.subset(font)
        otf, woff = io.BytesIO(), io.BytesIO()
        font.save(otf)
        font.flavor = "woff"  # zlib: as small within 15% as WOFF2, whose brotli pass took longer than the cut
        font.save(woff)
    return otf.getvalue(), woff.getvalue()


def subset_cjk_font(text: str) -> tuple[bytes, bytes]:
    """The bundled font cut down to the characters of ``text`` (plus ASCII): (OpenType, WOFF) bytes.

    The OpenType cut feeds WeasyPrint, which with fontTools would otherwise walk all 65,535 glyphs
    of the CJK face (about 6 s a PDF); the WOFF cut is embedded in the HTML, so a reviewer's
    browser needs no Chinese font of its own. One cut serves both. Cuts are kept per character set,
    in memory and under ``data/processed/_fonts``: the same section of another period, or a re-run,
    mostly needs the same characters.
    """
    import string

    chars = "".join(sorted(set(text + string.printable)))
    return _cut(chars)


def cut_is_cached(text: str) -> bool:
    """True when a cut for exactly these characters was made before (so they were checked then)."""
    import string

    chars = "".join(sorted(set(text + string.printable)))
    return _cache_dir().joinpath(_cut_key(chars)).with_suffix(".woff").is_file()
