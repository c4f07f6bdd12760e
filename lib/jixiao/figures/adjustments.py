"""What the evaluator's adjustments did to the figures: the budget execution figures with every adjustment, and
without each one (and without them all), computed by the very code the report's figures come from.

An adjustment's record (``jixiao.intake.adjust``) keeps what it changed: an excluded row as it would have been
read, a corrected cell's value before and after and the row's place in its table. Undoing one on the adjusted
tables gives the tables without it; the difference between ``expenditure_metrics`` of both is its effect.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from jixiao.contract.sheets import SHEETS_BY_KEY
from jixiao.core.period import Period
from jixiao.figures.expenditure import expenditure_metrics

# the expenditure figures an adjustment's effect is told in: whole-period and per-year budget execution
EFFECT_KEYS = ("budget", "spent", "rate", "subprojects", "approved_total", "spent_to_end", "spend_rate_to_end",
               "no_funds_issued")
EFFECT_ALONE_MAX = 50  # adjustments whose effects are computed one by one; beyond, only all of them together


def _typed(table: str, column: str, value: object) -> object:
    """A recorded (JSON) value back in the table's own type: dates are ``datetime.date``."""
    spec = SHEETS_BY_KEY[table]
    kind = next((c.kind for c in spec.columns if c.name == column), None)
    if kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def without(tables, records: list[dict]):
    """``tables`` (a mapping of key -> frame) with the adjustments ``records`` undone: excluded rows back,
    corrected cells back to their value before."""
    out = dict(tables.items())
    for table in dict.fromkeys(r["table"] for r in records if r.get("table")):
        frame = out.get(table)
        if frame is None:
            continue
        frame = frame.copy()
        mine = [r for r in records if r.get("table") == table]
        for r in mine:
            if r["action"] == "correct" and r.get("position") is not None and r.get("column_name") in frame.columns:
                frame.iat[int(r["position"]), frame.columns.get_loc(r["column_name"])] = _typed(
                    table, r["column_name"], r.get("before_value"))
        back = [{name: _typed(table, name, value) for name, value in (r.get("excluded") or {}).items()
                 if name in frame.columns} | {"excel_row": r["row"]}
                for r in mine if r["action"] == "exclude" and r.get("excluded")]
        if back:
            added = pd.DataFrame(back, columns=frame.columns)
            frame = pd.concat([frame, added.astype(frame.dtypes.to_dict())], ignore_index=True)
        out[table] = frame
    return out


def _figures(tables, span: Period) -> dict[str, object]:
    """The expenditure figures an effect is told in, flat: ``rate``, ``by_year.2021.rate`` …"""
    metrics = expenditure_metrics(tables, span) or {}
    flat = {k: metrics.get(k) for k in EFFECT_KEYS if k in metrics}
    for year in metrics.get("by_year", []):
        for k in ("budget", "spent", "rate"):
            flat[f"by_year.{year['year']}.{k}"] = year.get(k)
    return flat


def _differences(adjusted: dict, before: dict) -> list[dict]:
    return [{"figure": k, "with": adjusted.get(k), "without": before.get(k)}
            for k in dict.fromkeys([*adjusted, *before]) if adjusted.get(k) != before.get(k)]


def adjustment_effects(tables, records: list[dict], span: Period) -> dict:
    """``{"all": [...], "each": {entry: [...]}}``: the expenditure figures of the whole span that differ with the
    adjustments and without them (all of them; each alone undone, the others kept), each as
    ``{"figure", "with", "without"}``. Empty when nothing was adjusted."""
    if not records:
        return {"all": [], "each": {}}
    adjusted = _figures(tables, span)
    effects = {"all": _differences(adjusted, _figures(without(tables, records), span)), "each": {}}
    if len(records) <= EFFECT_ALONE_MAX:
        for r in records:
            effects["each"][r["entry"]] = _differences(adjusted, _figures(without(tables, [r]), span))
    return effects
