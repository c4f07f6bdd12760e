"""Arithmetic every figure module shares: exact ratios, row selection, empty tables, ranked places."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jixiao.core.period import Period
from jixiao.core.units import is_missing


def nullable(value):
    """NaN (how a DataFrame stores a missing rate) -> None, so metrics.json stays valid JSON."""
    return None if value is None or (isinstance(value, float) and value != value) else value


def ratio(numerator, denominator) -> float | None:
    """numerator / denominator of two integers (fen, counts, score units); None when the denominator is 0 or
    missing."""
    if is_missing(denominator) or int(denominator) == 0:
        return None
    return int(numerator) / int(denominator)


def rows_where(frame: pd.DataFrame, mask) -> pd.DataFrame:
    """The rows where ``mask`` (one bool per row) holds; an empty table stays a table with its columns."""
    return frame.loc[np.asarray(list(mask), dtype=bool)]


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def spending_or_empty(spending: pd.DataFrame | None) -> pd.DataFrame:
    """The spending table, or one with no payments when spending.xlsx is absent."""
    return spending if spending is not None else empty_frame(["subproject_id", "date", "amount"])


def payments_in(spending: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The payments dated inside ``period``."""
    return rows_where(spending, (period.contains(d) for d in spending["date"]))


def top_ranks(values: pd.Series, n: int = 3) -> list[list[str]]:
    """The top ``n`` places of a labelled series, ties sharing a place: [["a"], ["b", "c"]]."""
    places: list[list[str]] = []
    for value in sorted(set(values.tolist()), reverse=True):
        places.append(sorted(values[values == value].index.tolist()))
        if sum(len(p) for p in places) >= n:
            break
    return places
