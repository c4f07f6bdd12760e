"""Helpers the section modules share: money columns to 万元, and how a frame is shown."""

from __future__ import annotations

import pandas as pd

from ..metrics import wan


def in_wan(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``frame`` with each fen column ``old`` replaced by a 万元 column named ``columns[old]`` (…_wan)."""
    out = frame.copy()
    for old, new in columns.items():
        out[new] = [wan(v) for v in out[old]]
    return out.drop(columns=[c for c in columns if c not in columns.values()])


def ranks(places: list[list[str]]) -> str:
    """Top places as prose: ties joined by '=' and marked 并列."""
    return "、".join(" = ".join(p) + ("(并列)" if len(p) > 1 else "") for p in places)


class _Charts:
    """``jixiao.charts`` imported on first use: computing a period must not pull in matplotlib."""

    def __getattr__(self, name: str):
        from .. import charts as module

        return getattr(module, name)


charts = _Charts()
