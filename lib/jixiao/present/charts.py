"""Charts with Chinese labels, rendered to PNG under a strict glyph check (``present.parts.ChartPart`` names
the function here that draws it, and its data).

A chart whose text needs a glyph the font lacks raises ``MissingGlyphError``
instead of printing boxes into a reviewer's report.
"""

from __future__ import annotations

import functools
import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from jixiao.present.fonts import MissingGlyphError, use_cjk_font  # noqa: E402

PALETTE = ["#1f5fa6", "#e07b39", "#4c9a5b", "#c44e52", "#8172b2", "#937860", "#64b5cd"]


@functools.cache
def setup_style() -> None:
    family = use_cjk_font()
    sns.set_theme(style="whitegrid", palette=PALETTE, font=family,
                  rc={"axes.unicode_minus": False, "text.parse_math": False})


SCREEN_DPI = 110
PRINT_DPI = 300  # Word's copy of a chart (the report.docx prints it)


def _save(fig, fmt: str, dpi: int, close: bool) -> bytes:
    """``fig`` saved as ``fmt`` (and closed); a missing glyph is an error, not a warning."""
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # SVG: text as outlines (no font needed where it is shown), no date, stable ids: the same chart, the
            # same bytes
            with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "jixiao"}):
                fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight",
                            metadata={"Date": None} if fmt == "svg" else None)
    finally:
        if close:
            plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message) and "Glyph" in str(w.message)]
    if missing:
        raise MissingGlyphError("; ".join(dict.fromkeys(missing)))
    return buffer.getvalue()


def png(fig, dpi: int = SCREEN_DPI, close: bool = True) -> bytes:
    """Render ``fig`` to PNG bytes (and close it); a missing glyph is an error, not a warning."""
    return _save(fig, "png", dpi, close)


def svg(fig, close: bool = True) -> bytes:
    """Render ``fig`` to SVG bytes (and close it), its text drawn as outlines: the report's HTML and PDF print it
    sharp at any size; a missing glyph is an error, not a warning."""
    return _save(fig, "svg", 72, close)


def untitled(fig):
    """``fig`` without its axes' titles: in a report the caption below (图N …) names the chart, once."""
    for ax in fig.axes:
        ax.set_title("")
    return fig


def _draw(fig) -> None:
    """Lay ``fig`` out to measure its texts; a missing glyph is said when it is saved (``png``, ``svg``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fig.canvas.draw()


def _extents(fig, texts) -> list:
    renderer = fig.canvas.get_renderer()
    return [text.get_window_extent(renderer) for text in texts]


def overlapping_labels(fig) -> list[tuple[str, str]]:
    """The pairs of visible value labels (the texts drawn inside an axes) whose boxes overlap, as their texts; and a
    label that sticks out above its axes is paired with "" (a chart must have none)."""
    _draw(fig)
    pairs = []
    for ax in fig.axes:
        texts = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]
        boxes = _extents(fig, texts)
        top = ax.get_window_extent().y1
        for i, (a, box) in enumerate(zip(texts, boxes)):
            if box.y1 > top + 0.5:
                pairs.append((a.get_text(), ""))
            for b, other in zip(texts[i + 1:], boxes[i + 1:]):
                if box.overlaps(other) and box.intersection(box, other).width > 0.5 and \
                        box.intersection(box, other).height > 0.5:
                    pairs.append((a.get_text(), b.get_text()))
    return pairs


def _fit_value_labels(fig, ax, labels) -> None:
    """Bar value labels that would overlap their neighbours are turned upright, then set smaller; the axes grow
    upwards so that every label stays inside them."""
    labels = [label for label in labels if label.get_text().strip()]
    if not labels:
        return

    def crowded() -> bool:
        boxes = _extents(fig, labels)
        return any(a.overlaps(b) and a.intersection(a, b).width > 0.5 for i, a in enumerate(boxes)
                   for b in boxes[i + 1:])

    def make_room() -> None:
        for _ in range(3):  # a taller y axis shortens the bars and so moves their labels: settle in a few steps
            _draw(fig)
            top = max(box.y1 for box in _extents(fig, labels))
            frame = ax.get_window_extent()
            if top <= frame.y1 - 2:
                return
            low, high = ax.get_ylim()
            needed = (top - frame.y0 + 4) / frame.height  # the labels' top as a share of the present height
            ax.set_ylim(low, low + (high - low) * needed)

    _draw(fig)
    if crowded():
        for label in labels:
            label.set_rotation(90)
        size = labels[0].get_fontsize()
        _draw(fig)
        while crowded() and size > 6:
            size -= 0.5
            for label in labels:
                label.set_fontsize(size)
            _draw(fig)
    make_room()


def show(fig):
    """``fig`` in an analyst's notebook, as the pages draw it: a PNG in which a glyph missing from the Chinese font
    is an error, not boxes."""
    from IPython.display import Image

    return Image(png(fig))


def _ylabel(ax, text: str) -> None:
    """Short Chinese units (个, 分, 万元) read upright, not turned on their side."""
    ax.set_ylabel(text, rotation=0 if len(text) <= 2 else 90, labelpad=14 if len(text) <= 2 else 4)


def new_figure(width: float = 7.5, height: float = 3.8):
    setup_style()
    return plt.subplots(figsize=(width, height))


def _thousands(ax) -> None:
    """A volume axis starts at zero and prints thousands separators (50,000, not 50000)."""
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:,.0f}" if float(y).is_integer() else f"{y:,.2f}")


def bar_chart(labels, values, *, title: str, ylabel: str, value_format: str = "{:,.2f}", color=None):
    fig, ax = new_figure()
    bars = ax.bar([str(x) for x in labels], values, color=color or PALETTE[0])
    texts = ax.bar_label(bars, labels=[value_format.format(v) for v in values], fontsize=9, padding=2)
    ax.set_title(title)
    _ylabel(ax, ylabel)
    ax.margins(y=0.15)
    _thousands(ax)
    if len(labels) > 4 and max((len(str(x)) for x in labels), default=0) > 4:
        plt.setp(ax.get_xticklabels(), rotation=20, ha="right", rotation_mode="anchor")
    _fit_value_labels(fig, ax, texts)
    return fig


def grouped_bars(frame: pd.DataFrame, category: str, series: dict[str, str], *, title: str, ylabel: str,
                 rotate: int = 0, labels: str = "{:,.0f}"):
    """Side-by-side bars, each labelled with its value (``labels``, a format) so that a bar too small to
    see at the scale of the others is still read: ``series`` maps a column of ``frame`` to its legend label."""
    long = frame.melt(id_vars=[category], value_vars=list(series), var_name="series", value_name="value")
    long["series"] = long["series"].map(series)
    fig, ax = new_figure()
    sns.barplot(data=long, x=category, y="value", hue="series", ax=ax)
    texts = []
    for container in ax.containers:
        # a bar with no value (nothing planned: NaN) says "—", as the table does, never 0
        texts += ax.bar_label(container, labels=["—" if b.get_height() != b.get_height() else labels.format(b.get_height())
                                                 for b in container], fontsize=8, padding=2)
    ax.set_title(title)
    ax.set_xlabel("")
    _ylabel(ax, ylabel)
    ax.margins(y=0.15)
    _thousands(ax)
    ax.legend(title="", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if rotate:
        plt.setp(ax.get_xticklabels(), rotation=rotate, ha="right", rotation_mode="anchor")
    _fit_value_labels(fig, ax, texts)
    return fig


def stacked_shares(frame: pd.DataFrame, *, title: str):
    """Horizontal 100% bars: one row per index label, one segment per column (shares 0..1)."""
    fig, ax = new_figure(7.5, 0.6 + 0.55 * max(len(frame), 1))
    left = pd.Series(0.0, index=frame.index)
    shares = []  # (label, its segment)
    for i, column in enumerate(frame.columns):
        values = frame[column].fillna(0.0)
        bars = ax.barh(frame.index, values * 100, left=left * 100, label=str(column), color=PALETTE[i % len(PALETTE)])
        for y, (x0, w, bar) in enumerate(zip(left, values, bars)):
            if w >= 0.06:
                shares.append((ax.text((x0 + w / 2) * 100, y, f"{w * 100:.2f}%", ha="center", va="center",
                                       color="white", fontsize=8), bar))
        left = left + values
    ax.set_xlim(0, 100)
    _draw(fig)
    renderer = fig.canvas.get_renderer()
    for text, bar in shares:  # a share wider than its segment is left unsaid (the table beside gives it)
        if text.get_window_extent(renderer).width > bar.get_window_extent(renderer).width - 2:
            text.set_visible(False)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0f}%")
    ax.set_title(title)
    ax.invert_yaxis()
    ax.legend(ncol=min(len(frame.columns), 5), loc="upper center", bbox_to_anchor=(0.5, -0.18 / len(frame) - 0.12),
              frameon=False)
    return fig


def line_chart(x, series: dict[str, list], *, title: str, ylabel: str):
    fig, ax = new_figure()
    for i, (label, values) in enumerate(series.items()):
        ax.plot([str(v) for v in x], values, marker="o", label=label, color=PALETTE[i % len(PALETTE)])
    ax.set_title(title)
    _ylabel(ax, ylabel)
    ax.tick_params(axis="x", labelrotation=60)
    _thousands(ax)
    ax.margins(y=0.1)
    if len(series) > 1:
        ax.legend()
    return fig


def bars_and_rate(x, bars: list, rate: list, *, title: str, bar_label: str, rate_label: str, ylabel: str,
                  rate_places: int = 2):
    """Bars of a volume on the left axis and a rate (fractions 0..1, None for none) as a line on the right."""
    fig, ax = new_figure(7.5, 3.8)
    labels = [str(v) for v in x]
    ax.bar(labels, bars, color=PALETTE[0], label=bar_label)
    _ylabel(ax, ylabel)
    right = ax.twinx()
    right.plot(labels, [None if r is None else r * 100 for r in rate], marker="o", color=PALETTE[1], label=rate_label)
    # ticks no closer than the printed precision, so that no two tick labels read the same
    from matplotlib.ticker import MaxNLocator

    right.yaxis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=2, steps=[1, 2, 2.5, 5, 10]))
    right.yaxis.set_major_formatter(lambda v, _: f"{v:.{rate_places}f}%")
    low, high = right.get_ylim()
    step = 10 ** -rate_places
    if high - low < 4 * step:
        middle = (high + low) / 2
        right.set_ylim(middle - 2 * step, middle + 2 * step)
    right.grid(False)
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=60 if len(labels) > 12 else 0)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    # the legend below the plot, never over the bars
    ax.legend(handles, [bar_label, rate_label], loc="upper center", bbox_to_anchor=(0.5, -0.28 if len(labels) > 12 else -0.12),
              ncol=2, fontsize=8, frameon=False)
    return fig
