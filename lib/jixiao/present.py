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
    return {fmt_wan: "money", fmt_pct: "rate", fmt_count: "count", fmt_points: "points", fmt_weight: "weight",
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

    def __init__(self, html: str, data: dict):
        self.html, self.data = html, data

    def _repr_html_(self) -> str:
        return self.html

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, TABLE_MIME: self.data}


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, object]] | None = None, *, caption: str = "") -> Table:
    """A display table: ``columns`` maps a column to (Chinese header, formatter); text is HTML-escaped."""
    from html import escape

    if columns:
        shown = pd.DataFrame({header: [fmt(v) if fmt else v for v in frame[col]]
                              for col, (header, fmt) in columns.items()})
        kinds = {header: _kind(fmt) for header, fmt in columns.values()}
        raw = {header: [_plain(v, kinds[header]) if kinds[header] != "text" else _plain(fmt(v) if fmt else v, "text")
                        for v in frame[col]] for col, (header, fmt) in columns.items()}
    else:
        shown = frame
        kinds = {str(c): "text" for c in frame.columns}
        raw = {str(c): [_plain(v, "text") for v in frame[c]] for c in frame.columns}
    html = shown.to_html(index=False, escape=True, border=0, classes="jx-table", na_rep=DASH)
    if caption:
        html = html.replace('<table border="0" class="dataframe jx-table">',
                            f'<table border="0" class="dataframe jx-table"><caption>{escape(caption)}</caption>', 1)
    headers = list(kinds)
    data = {"caption": caption, "headers": headers, "kinds": [kinds[h] for h in headers],
            "rows": [list(r) for r in zip(*(raw[h] for h in headers))]}
    return Table(html, data)


def note(text: str):
    """A sentence of prose computed from data; escaped, since names in it come from the inputs."""
    from html import escape

    from IPython.display import HTML

    return HTML(f'<p class="jx-note">{escape(text)}</p>')
