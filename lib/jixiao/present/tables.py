"""Numbers as the report prints them, and tables as the notebooks show them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

DASH = "—"


def _decimal(value) -> Decimal:
    return Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value)


def fmt_wan(value, places: int = 2) -> str:
    """万元 with thousands separators: 80692.06 -> '80,692.06'."""
    if value is None or pd.isna(value):
        return DASH
    q = _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:,.{places}f}"


def fmt_pct(rate, places: int = 2) -> str:
    """A fraction as a percentage, half-up: 0.984244 -> '98.42%'."""
    if rate is None or pd.isna(rate):
        return DASH
    q = (_decimal(rate) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:.{places}f}%"


def fmt_small_pct(rate) -> str:
    """The one rule for rates: two decimals, half-up; a rate under 0.1% keeps two significant digits instead
    (差评率 0.0049%, not 0.00%), so a small rate prints the same on every line of every page."""
    if rate is None or pd.isna(rate):
        return DASH
    percent = _decimal(rate) * 100
    if percent == 0 or abs(percent) >= Decimal("0.1"):
        return fmt_pct(rate)
    return fmt_pct(rate, 1 - percent.copy_abs().adjusted())


def round_pct(rate, places: int = 2) -> float | None:
    """The printed percentage as a number: 0.984244 -> 98.42."""
    if rate is None or pd.isna(rate):
        return None
    return float((_decimal(rate) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def fmt_points(value, places: int = 2) -> str:
    if value is None or pd.isna(value):
        return DASH
    return f"{_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):.{places}f}"


def fmt_weight(value) -> str:
    """Weights print without decimals when whole (20, not 20.00)."""
    if value is None or pd.isna(value):
        return DASH
    return str(int(value)) if float(value).is_integer() else fmt_points(value)


def fmt_count(value) -> str:
    if value is None or pd.isna(value):
        return DASH
    return f"{int(value):,}"


def fmt_date(value) -> str:
    return DASH if value is None or pd.isna(value) else value.isoformat()


TABLE_MIME = "application/vnd.jixiao.table+json"  # a shown table's values and kinds, beside its HTML


def _kind(fmt) -> str:
    """What a formatter says a column holds, for the Excel copy: numbers stay numbers there."""
    import functools

    base = fmt.func if isinstance(fmt, functools.partial) else fmt
    return {fmt_wan: "money", fmt_pct: "rate", fmt_small_pct: "rate", fmt_count: "count", fmt_points: "points", fmt_weight: "weight",
            fmt_date: "date"}.get(base, "text")


def _plain(value, kind: str):
    """A cell value as JSON: numbers as numbers, dates as ISO text, blanks as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "date":
        return value.isoformat()[:10]
    if kind == "count":
        return int(value)
    if kind in ("money", "rate", "points", "weight"):
        return float(value)
    return value if isinstance(value, str) else str(value)


class Table:
    """A table as the notebook shows it (HTML) and as data (``TABLE_MIME``: caption, headers, kinds, rows),
    from which the batch writes the section's Excel workbook."""

    def __init__(self, html: str, data: dict, chart: dict | None = None):
        self.html, self.data, self.chart = html, data, chart

    def _repr_html_(self) -> str:
        return self.html

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/html": self.html, TABLE_MIME: self.data}
        if self.chart:
            from jixiao.present.charts import PRINT_MIME

            bundle[PRINT_MIME] = self.chart
        return bundle


NUMERIC_KINDS = ("money", "rate", "count", "points", "weight")
WRAP_AFTER = 18  # a text column whose longest cell is longer than this many characters may wrap
PROSE_AFTER = 30
HEADER_NOWRAP = 6  # a header up to this many characters stays on one line
SHORT_TABLE_ROWS = 20


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, object]] | None = None, *, caption: str = "",
          align: dict[str, str] | None = None, may_split: bool = False) -> Table:
    """A display table: ``columns`` maps a column to (Chinese header, formatter); text is HTML-escaped.
    Numbers are right-aligned and Chinese text left-aligned (``align`` overrides a column: "left"/"right");
    short cells (ids, domains, ranges, dates, numbers) never wrap, long text may. A short table is kept on one
    page unless ``may_split`` (a list of figures that would otherwise leave its page nearly empty)."""
    from html import escape

    if columns:
        shown = pd.DataFrame({header: [fmt(v) if fmt else v for v in frame[col]]
                              for col, (header, fmt) in columns.items()})
        kinds = {header: _kind(fmt) for header, fmt in columns.values()}
        raw = {header: [_plain(v, kinds[header]) if kinds[header] != "text" else _plain(fmt(v) if fmt else v, "text")
                        for v in frame[col]] for col, (header, fmt) in columns.items()}
        aligned = {columns[c][0]: a for c, a in (align or {}).items() if c in columns}
    else:
        shown = frame
        kinds = {str(c): "text" for c in frame.columns}
        raw = {str(c): [_plain(v, "text") for v in frame[c]] for c in frame.columns}
        aligned = {str(c): a for c, a in (align or {}).items()}
    headers = list(kinds)
    def text(v) -> str:
        return DASH if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

    source = shown if columns else frame
    cells = {h: [text(v) for v in source[h if columns else c]] for h, c in zip(headers, source.columns)}
    classes = {}
    for h in headers:
        right = aligned.get(h, "right" if kinds[h] in NUMERIC_KINDS else "left") == "right"
        wraps = kinds[h] not in NUMERIC_KINDS and max((len(v) for v in cells[h]), default=0) > WRAP_AFTER
        classes[h] = ("jx-num" if right else "jx-text") + (" jx-wrap" if wraps else "")
    # a long header wraps (at its full-width brackets when it can) rather than widen the table past the page
    head = "".join(f'<th class="{classes[h].replace(" jx-wrap", "")}{" jx-wrap" if len(h) > HEADER_NOWRAP else ""}">'
                   f'{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="{classes[h]}">{escape(cells[h][i])}</td>'
                                    for h in headers) + "</tr>\n" for i in range(len(shown)))
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    short = " jx-short" if len(shown) <= SHORT_TABLE_ROWS and not may_split else ""  # kept on one page
    # prose (a column with a cell over PROSE_AFTER characters) gets the page's width to wrap in
    short += " jx-wide" if any(max((len(v) for v in cells[h]), default=0) > PROSE_AFTER for h in headers
                               if "jx-wrap" in classes[h]) else ""
    html = (f'<table border="0" class="dataframe jx-table{short}">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>\n{body}</tbody></table>")
    data = {"caption": caption, "headers": headers, "kinds": [kinds[h] for h in headers],
            "rows": [list(r) for r in zip(*(raw[h] for h in headers))]}
    return Table(html, data)


def with_chart(shown: Table, fig) -> Table:
    """A table and its chart (a matplotlib figure) as one output that is never split across pages; the chart's
    title travels as the image's alt text (the report's 图N caption), its data stays the table's (Excel)."""
    import base64
    from html import escape

    from jixiao.present import charts

    title = charts.title_of(fig) or shown.data["caption"]
    png, printed = charts.pngs(fig)
    img = f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="{escape(title)}">'
    return Table(f'<div class="jx-keep">{shown.html}{img}</div>', shown.data,
                 {"title": title, "png": base64.b64encode(printed).decode("ascii")})


def note(text: str):
    """A sentence of prose computed from data; escaped, since names in it come from the inputs."""
    from html import escape

    from IPython.display import HTML

    return HTML(f'<p class="jx-note">{escape(text)}</p>')
