"""Empty typed tables, as a header-only sheet loads."""

from __future__ import annotations

import pandas as pd

from jixiao.contract.sheets import SHEETS_BY_KEY
from jixiao.intake.workbook import DTYPES


def empty_like(key: str) -> pd.DataFrame:
    spec = SHEETS_BY_KEY[key]
    columns = {"excel_row": pd.Series([], dtype="int64")}
    columns.update({c.name: pd.Series([], dtype=DTYPES[c.kind]) for c in spec.columns})
    return pd.DataFrame(columns)
