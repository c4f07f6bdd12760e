"""What a display block returns: typed parts, shown in a notebook and written into every document.

``Note`` is a sentence computed from data; ``TablePart`` a table with a stable key (``"<section>.<name>"``,
chosen in code, never from its caption), a caption, typed columns (``contract.fields`` kinds) and rows of
values; ``ChartPart`` a chart with its key, caption and what draws it (a ``present.charts`` function and its
data), rendered only where an output needs it. ``show(parts)`` displays them in a notebook (tables as HTML, a
table followed by its chart kept together); the report, the Word file and the workbooks read the same parts.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from jixiao.contract.fields import TEXT, Kind
from jixiao.present import format as fmt

WRAP_AFTER = 18  # a text column whose longest cell is longer than this many characters may wrap
PROSE_AFTER = 30
HEADER_NOWRAP = 6  # a header up to this many characters stays on one line
SHORT_TABLE_ROWS = 20


@dataclass(frozen=True)
class Note:
    text: str  # plain text from data: every writer escapes it

    def html(self) -> str:
        return f'<p class="jx-note">{escape(self.text)}</p>'

    def plain(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html()


@dataclass(frozen=True)
class Heading:
    """A heading a block prints itself (a block shown only for some periods has no notebook heading)."""

    text: str

    def html(self) -> str:
        return f"<h2>{escape(self.text)}</h2>"

    def plain(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html()


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = TEXT
    align: str = ""  # "left" | "right"; default: numbers right, text left

    @property
    def right(self) -> bool:
        return (self.align or ("right" if self.kind.kind in fmt.NUMERIC else "left")) == "right"


@dataclass(eq=False)
class TablePart:
    key: str
    caption: str
    columns: tuple[Column, ...]
    rows: list[tuple]  # typed values (numbers, dates, text; None for blank)
    may_split: bool = False  # a long list of figures may continue on the next page
    check: bool = False  # a check table: the workpapers carry it, the reader's report does not

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def texts(self) -> list[list[str]]:
        """Every cell as printed."""
        return [[fmt.cell(c.kind, v) for c, v in zip(self.columns, row)] for row in self.rows]

    def plain(self) -> str:
        """The caption, then the header and each row, cells two spaces apart."""
        return "\n".join([self.caption, *("  ".join(cells) for cells in [self.headers, *self.texts()])])

    def html(self, caption: str | None = None, widths: list[float] | None = None,
             long_columns: frozenset[int] = frozenset()) -> str:
        """The table as the page shows it; ``caption``: printed instead of its own (the report's 表N …); for
        print, ``widths``: each column's share of the text width (a ``colgroup``, the table ``jx-fitted``) and
        ``long_columns``: the text columns that hold a longer text (``jx-long``, read from the left)."""
        cells = self.texts()
        classes = []
        for i, column in enumerate(self.columns):
            wraps = column.kind.kind not in fmt.NUMERIC and max((len(r[i]) for r in cells), default=0) > WRAP_AFTER
            classes.append(("jx-num" if column.right else "jx-text") + (" jx-wrap" if wraps else ""))
        head = "".join(f'<th class="{cls.replace(" jx-wrap", "")}{" jx-wrap" if len(c.header) > HEADER_NOWRAP else ""}">'
                       f"{escape(c.header)}</th>" for c, cls in zip(self.columns, classes))
        cell_classes = [cls + (" jx-long" if i in long_columns and not column.right else "")
                        for i, (cls, column) in enumerate(zip(classes, self.columns))]
        body = "".join("<tr>" + "".join(f'<td class="{cls}">{escape(v)}</td>' for cls, v in zip(cell_classes, row))
                       + "</tr>\n" for row in cells)
        shown = self.caption if caption is None else caption
        cap = f"<caption>{escape(shown)}</caption>" if shown else ""
        extra = " jx-short" if len(cells) <= SHORT_TABLE_ROWS and not self.may_split else ""
        if any(max((len(r[i]) for r in cells), default=0) > PROSE_AFTER for i, cls in enumerate(classes) if "jx-wrap" in cls):
            extra += " jx-wide"  # prose gets the page's width to wrap in
        cols = ""
        if widths:
            total = sum(widths) or 1
            cols = "<colgroup>" + "".join(f'<col style="width: {100 * w / total:.2f}%">' for w in widths) + "</colgroup>"
        fitted = " jx-fitted" if widths else ""
        return (f'<table border="0" class="dataframe jx-table{fitted}{extra}">{cap}{cols}<thead><tr>{head}</tr></thead>'
                f"<tbody>\n{body}</tbody></table>")

    def _repr_html_(self) -> str:
        return self.html()

    def digest(self) -> str:
        return _digest(["table", self.key, self.caption, [(c.header, c.kind.kind, c.kind.unit, c.align) for c in self.columns],
                        self.rows, self.may_split, self.check])


def chart_cache_dir():
    """Drawn charts, under the processed cache (``JIXIAO_PROCESSED_DIR``)."""
    from jixiao.core.config import PROCESSED_DIR

    return PROCESSED_DIR / "_charts"


@functools.cache
def _drawing_code() -> str:
    """What a drawn chart depends on besides its spec: the drawing code, its fonts and matplotlib's version."""
    import matplotlib

    from jixiao.present import charts, fonts

    sources = [Path(m.__file__).read_bytes() for m in (charts, fonts)]
    return hashlib.sha256(b"".join(sources) + matplotlib.__version__.encode()).hexdigest()


@dataclass(eq=False)
class ChartPart:
    key: str
    caption: str
    draw: str  # the present.charts function that draws it
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def figure(self, titled: bool = True):
        """The chart drawn; ``titled=False``: without its title (a report's caption names it)."""
        from jixiao.present import charts

        fig = getattr(charts, self.draw)(*self.args, **self.kwargs)
        return fig if titled else charts.untitled(fig)

    def png(self, dpi: int | None = None, titled: bool = True) -> bytes:
        """The chart as PNG (110 dpi for screens, 300 for Word), cached by its spec's digest."""
        from jixiao.present import charts

        dpi = dpi or charts.SCREEN_DPI
        return self.rendered(f"png-{'t' if titled else 'u'}", dpi, lambda: charts.png(self.figure(titled), dpi))

    def svg(self, titled: bool = True) -> bytes:
        """The chart as SVG, its text as outlines (the report's HTML and PDF), cached as ``png`` is."""
        from jixiao.present import charts

        return self.rendered(f"svg-{'t' if titled else 'u'}", 72, lambda: charts.svg(self.figure(titled)))

    def rendered(self, kind: str, dpi: int, render) -> bytes:
        """``render()``'s bytes, kept in memory and on disk (``chart_cache_dir``) under the chart's spec, the
        resolution and the code that draws it: a report rebuilt for a new template, or in a new worker, draws
        only the charts whose data changed (drawing one costs a third of a second)."""
        key = _digest([self.digest(), kind, dpi, _drawing_code()])
        if key in _PNG_CACHE:
            return _PNG_CACHE[key]
        path = chart_cache_dir() / f"{key}.{kind.split('-')[0]}"
        try:
            data = path.read_bytes()
        except OSError:
            data = render()
            try:
                from jixiao.core.atomic import atomic_write_bytes

                atomic_write_bytes(path, data)
            except OSError:
                pass  # a read-only cache costs time, never correctness
        if len(_PNG_CACHE) > 64:
            _PNG_CACHE.clear()
        _PNG_CACHE[key] = data
        return data

    def html(self) -> str:
        import base64

        return (f'<img src="data:image/png;base64,{base64.b64encode(self.png()).decode()}" '
                f'alt="{escape(self.caption)}">')

    def plain(self) -> str:
        return f"〔图〕{self.caption}"

    def _repr_html_(self) -> str:
        return self.html()

    def digest(self) -> str:
        return _digest(["chart", self.key, self.caption, self.draw, self.args, self.kwargs])


_PNG_CACHE: dict = {}


def _plain(value):
    """A JSON form of a chart's or table's data, for its digest."""
    import datetime as dt

    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame
        return {"frame": [list(map(str, value.columns)), list(map(str, value.index)),
                          [[_plain(v) for v in row] for row in value.itertuples(index=False, name=None)]]}
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # a Series or array
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return "NaN"
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if fmt.blank(value):
        return None
    return str(value)


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(_plain(data), ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def table(key: str, frame, columns: dict[str, tuple[str, Kind]] | None = None, *, caption: str = "",
          align: dict[str, str] | None = None, may_split: bool = False, check: bool = False) -> TablePart:
    """A TablePart from ``frame``: ``columns`` maps a column to (Chinese header, kind); a column whose values
    are computed words should be made so in the frame first. Without ``columns``: every column, as text."""
    columns = columns or {str(c): (str(c), TEXT) for c in frame.columns}
    align = align or {}
    cols = tuple(Column(header, kind, align.get(name, "")) for name, (header, kind) in columns.items())
    rows = [tuple(_value(v, c.kind) for v, c in zip(values, cols))
            for values in zip(*(list(frame[name]) for name in columns))] if len(frame) else []
    return TablePart(key, caption, cols, rows, may_split=may_split, check=check)


def _value(value, kind: Kind):
    """A cell as a plain Python value of its kind (numpy and pandas types out; blanks None)."""
    k = kind.kind
    if k == "list":
        return [_value(v, kind) if not isinstance(v, str) else v for v in list(value)] \
            if hasattr(value, "__iter__") and not isinstance(value, str) else value
    if fmt.blank(value):
        return None
    if k in ("count", "year"):
        return int(value)
    if k in ("money", "rate", "score", "weight"):
        return float(value)
    if k == "date":
        import datetime as dt

        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        return value.date() if isinstance(value, dt.datetime) else value
    return value if isinstance(value, str) else str(value)


def _outputs(parts) -> list[list]:
    """The parts grouped as shown, one output each: a table followed by its chart is one (kept together on paper)."""
    out, parts = [], list(parts)
    i = 0
    while i < len(parts):
        if isinstance(parts[i], TablePart) and i + 1 < len(parts) and isinstance(parts[i + 1], ChartPart):
            out.append(parts[i:i + 2])
            i += 2
            continue
        out.append([parts[i]])
        i += 1
    return out


def _output_html(output: list) -> str:
    if len(output) == 2:
        return f'<div class="jx-keep">{output[0].html()}{output[1].html()}</div>'
    return output[0].html()


class Shown:
    """One output in a notebook: its HTML (the page's export reads it) and its plain text (what a frontend without
    HTML prints: ``papermill --log-output``, a console)."""

    def __init__(self, html: str, plain: str = ""):
        self._html, self._plain = html, plain

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return self._plain


def show(parts) -> None:
    """Display ``parts`` (a block's list, or one part) in the notebook."""
    from IPython.display import display

    if isinstance(parts, (Note, Heading, TablePart, ChartPart)):
        parts = [parts]
    for output in _outputs(parts or []):
        display(Shown(_output_html(output), "\n\n".join(part.plain() for part in output)))
