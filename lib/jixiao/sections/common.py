"""Helpers the section modules share: money columns to 万元, and how a frame is shown."""

from __future__ import annotations

import pandas as pd

from jixiao.figures.metrics import wan


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
    """``jixiao.present.charts`` imported on first use: computing a period must not pull in matplotlib."""

    def __getattr__(self, name: str):
        from jixiao.present import charts as module

        return getattr(module, name)


charts = _Charts()


def published_notes(inputs, figures: dict, prefixes: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """In the whole-span run of an evaluation with published.yaml: frame published_differs (figure, published,
    computed, reason) of the printed figures whose label starts with one of ``prefixes`` and which the data
    does not reproduce, for the footnote of the page that shows them; {} otherwise."""
    if not (inputs.published and inputs.whole_span):
        return {}
    from jixiao.sections.published import published_comparison

    try:
        comparison = published_comparison({**inputs.metrics, **figures}, inputs.published)
    except (KeyError, TypeError, ValueError, AttributeError):
        return {}  # the overview says what is wrong with published.yaml
    differs = comparison[~comparison["agrees"].astype(bool)
                         & comparison["figure"].map(lambda f: str(f).startswith(prefixes))]
    return {"published_differs": differs.drop(columns="agrees").reset_index(drop=True)}


def show_published_notes(view, *prefixes: str) -> None:
    """A footnote under the figures: each printed figure the data does not reproduce, both values and why."""
    from jixiao.sections.base import display, note

    if "published_differs" not in view.frames:
        return
    rows = view.frames["published_differs"]
    if prefixes:
        rows = rows[rows["figure"].map(lambda f: str(f).startswith(prefixes))]
    for r in rows.itertuples():
        why = f"原因：{r.reason}" if r.reason else "原因见“评价概况”的核对表"
        display(note(f"注：{r.figure}，已发布报告刊印 {r.published}，由数据计算为 {r.computed}，本页采用计算值。{why}"))
