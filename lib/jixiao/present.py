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


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, object]] | None = None, *, caption: str = ""):
    """A display table: ``columns`` maps a column to (Chinese header, formatter); text is HTML-escaped."""
    from IPython.display import HTML

    if columns:
        shown = pd.DataFrame({header: [fmt(v) if fmt else v for v in frame[col]]
                              for col, (header, fmt) in columns.items()})
    else:
        shown = frame
    html = shown.to_html(index=False, escape=True, border=0, classes="jx-table", na_rep=DASH)
    if caption:
        from html import escape

        html = html.replace('<table border="0" class="dataframe jx-table">',
                            f'<table border="0" class="dataframe jx-table"><caption>{escape(caption)}</caption>', 1)
    return HTML(html)


def note(text: str):
    """A sentence of prose computed from data; escaped, since names in it come from the inputs."""
    from html import escape

    from IPython.display import HTML

    return HTML(f'<p class="jx-note">{escape(text)}</p>')
