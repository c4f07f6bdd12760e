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
    from fontTools.ttLib import TTFont

    with TTFont(str(cjk_font_path(font_file)), lazy=True) as font:
        return frozenset(font.getBestCmap())


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


FONT_CUT_VERSION = 3  # bump when the options below change: cached cuts are keyed on it


def _cut_key(chars: str, font_file: str = CJK_FONT_FILE) -> str:
    import hashlib

    path = cjk_font_path(font_file)
    return hashlib.sha256(f"{FONT_CUT_VERSION}\0{path.name}\0{path.stat().st_size}\0{chars}".encode()).hexdigest()


def _cache_dir() -> Path:
    from jixiao.core.config import PROCESSED_DIR

    return PROCESSED_DIR / "_fonts"


@functools.lru_cache(maxsize=64)
def _cut(chars: str, font_file: str = CJK_FONT_FILE) -> tuple[bytes, bytes]:
    cached = _cache_dir() / f"{_cut_key(chars, font_file)}"
    otf_file, woff_file = cached.with_suffix(".otf"), cached.with_suffix(".woff")
    if otf_file.is_file() and woff_file.is_file():
        return otf_file.read_bytes(), woff_file.read_bytes()
    otf, woff = _make_cut(chars, font_file)
    try:
        from jixiao.core.atomic import atomic_write_bytes

        atomic_write_bytes(otf_file, otf)
        atomic_write_bytes(woff_file, woff)  # written last: a cut is used only when both are there
    except OSError:
        pass  # a read-only cache costs time, never correctness
    return otf, woff


def _options():
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["*"]  # keep the SC locl forms and proportional punctuation
    options.layout_closure = False  # but only the glyphs the text maps to: horizontal SC text needs no others
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    return options


def _subset(source, chars: str, flavors: tuple[str | None, ...]) -> list[bytes]:
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    # recalcBBoxes=False: recomputing the bounds draws every glyph twice (two thirds of the time);
    # the full font's bounds are a valid, if loose, box for any cut of it
    with TTFont(source, lazy=True, recalcBBoxes=False) as font:
        subsetter = subset.Subsetter(_options())
        subsetter.populate(text=chars)
        subsetter.subset(font)
        out = []
        for flavor in flavors:
            font.flavor = flavor  # WOFF (zlib): within 15% of WOFF2, whose brotli pass took longer than the cut
            buffer = io.BytesIO()
            font.save(buffer)
            out.append(buffer.getvalue())
    return out


@functools.cache
def base_characters() -> frozenset[str]:
    """What the working cut holds: ASCII and Latin-1, the GB2312 characters (every common simplified
    hanzi), general and CJK punctuation, arrows, mathematical operators, check marks, full-width forms."""
    import string

    ranges = ((0xA0, 0x100), (0x2000, 0x2070), (0x2190, 0x2200), (0x2200, 0x2300), (0x2700, 0x27C0),
              (0x3000, 0x3040), (0xFF00, 0xFFF0))
    chars = set(string.printable) | {chr(c) for low, high in ranges for c in range(low, high)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def _setup_dir() -> Path:
    """Where ``make setup`` leaves the working cuts: inside the environment, beside the fonts it installed."""
    import sys

    return Path(sys.prefix) / "share" / "jixiao" / "fonts"


def _base_name(font_file: str) -> str:
    return f"base-{_cut_key(''.join(sorted(base_characters())), font_file)}.otf"


def make_working_cuts() -> None:
    """Make each bundled face's working cut once, at set-up (Sans 5 s, Serif 10 s on one core): a run, and
    the first run on a machine above all, then starts no worse than the next."""
    from jixiao.core.atomic import atomic_write_bytes

    folder = _setup_dir()
    for font_file in (CJK_FONT_FILE, SERIF_FONT_FILE, HEI_FONT_FILE):
        path = folder / _base_name(font_file)
        if not path.is_file():
            (data,) = _subset(str(cjk_font_path(font_file)), "".join(sorted(base_characters())), (None,))
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)


@functools.cache
def _base_font(font_file: str = CJK_FONT_FILE) -> bytes:
    """The working cut (about 7,800 glyphs of 65,535): a page's cut from it takes a third of the time a cut
    from the whole face does. Made at set-up (``make_working_cuts``); where set-up did not (a Dask worker's
    own environment), once per machine under ``data/processed/_fonts``, under a lock (workers starting
    together make one)."""
    import fcntl

    from jixiao.core.atomic import atomic_write_bytes

    chars = "".join(sorted(base_characters()))
    made = _setup_dir() / _base_name(font_file)
    if made.is_file():
        return made.read_bytes()
    path = _cache_dir() / _base_name(font_file)
    if path.is_file():
        return path.read_bytes()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.parent / ".base.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if path.is_file():
                return path.read_bytes()
            (data,) = _subset(str(cjk_font_path(font_file)), chars, (None,))
            atomic_write_bytes(path, data)
            return data
    except OSError:  # a read-only cache: make it in memory
        (data,) = _subset(str(cjk_font_path(font_file)), chars, (None,))
        return data


def _make_cut(chars: str, font_file: str = CJK_FONT_FILE) -> tuple[bytes, bytes]:
    import io

    if set(chars) <= base_characters():
        otf, woff = _subset(io.BytesIO(_base_font(font_file)), chars, (None, "woff"))
    else:  # a rare character (in a name, say): cut from the whole face
        otf, woff = _subset(str(cjk_font_path(font_file)), chars, (None, "woff"))
    return otf, woff


def subset_cjk_font(text: str, font_file: str = CJK_FONT_FILE) -> tuple[bytes, bytes]:
    """The bundled font cut down to the characters of ``text`` (plus ASCII): (OpenType, WOFF) bytes.

    The OpenType cut feeds WeasyPrint, which with fontTools would otherwise walk all 65,535 glyphs
    of the CJK face (about 6 s a PDF); the WOFF cut is embedded in the HTML, so a reviewer's
    browser needs no Chinese font of its own. One cut serves both. Cuts are kept per character set,
    in memory and under ``data/processed/_fonts``: the same section of another period, or a re-run,
    mostly needs the same characters.
    """
    import string

    chars = "".join(sorted(set(text + string.printable)))
    return _cut(chars, font_file)


def cut_is_cached(text: str) -> bool:
    """True when a cut for exactly these characters was made before (so they were checked then)."""
    import string

    chars = "".join(sorted(set(text + string.printable)))
    return _cache_dir().joinpath(_cut_key(chars)).with_suffix(".woff").is_file()
