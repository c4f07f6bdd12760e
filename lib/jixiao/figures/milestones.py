"""产出时效（进度）, the numbers: milestones planned in the period, done by its end, strictly on time,
and those still open."""

from __future__ import annotations

import pandas as pd

from jixiao.contract.sheets import STAGES
from jixiao.core.period import Period
from jixiao.figures.base import Computed, Figures, PeriodInputs
from jixiao.figures.common import nullable, ratio, rows_where


def milestone_status(milestones: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Milestones planned in ``period`` with columns subproject_id, stage, planned_date, actual_date,
    done (actual on or before the period's end) and on_time (actual on or before planned)."""
    planned = rows_where(milestones, (period.contains(d) for d in milestones["planned_date"])).copy()
    planned["done"] = [a is not None and a <= period.end for a in planned["actual_date"]]
    planned["on_time"] = [a is not None and a <= p and a <= period.end
                          for a, p in zip(planned["actual_date"], planned["planned_date"])]
    return planned.reset_index(drop=True)


def milestone_completion(milestones: pd.DataFrame, period: Period, stages: tuple[str, ...] = STAGES) -> pd.DataFrame:
    """Per stage of the evaluation (``stages``, params' milestone_stages), in their order: columns stage, planned,
    done, rate, on_time, on_time_rate (rates null where nothing was planned)."""
    status = milestone_status(milestones, period)
    rows = []
    for stage in stages:
        s = status[status["stage"] == stage]
        planned, done, on_time = len(s), int(s["done"].sum()), int(s["on_time"].sum())
        rows.append({"stage": stage, "planned": planned, "done": done, "rate": ratio(done, planned),
                     "on_time": on_time, "on_time_rate": ratio(on_time, planned)})
    return pd.DataFrame(rows)


def milestones_open(milestones: pd.DataFrame, subprojects: pd.DataFrame | None, period: Period,
                    stages: tuple[str, ...] = STAGES) -> pd.DataFrame:
    """Milestones planned in the period but not done by its end: subproject_id, name, stage, planned_date."""
    status = milestone_status(milestones, period)
    pending = status[~status["done"]][["subproject_id", "stage", "planned_date", "actual_date"]]
    if subprojects is not None:
        pending = pending.merge(subprojects[["subproject_id", "name"]], on="subproject_id", how="left")
    else:
        pending = pending.assign(name=None)
    order = {s: i for i, s in enumerate(stages)}
    pending = pending.assign(_o=pending["stage"].map(order)).sort_values(["_o", "planned_date", "subproject_id"])
    return pending.drop(columns="_o")[["subproject_id", "name", "stage", "planned_date", "actual_date"]].reset_index(drop=True)


def milestone_metrics(tables: dict, period: Period, stages: tuple[str, ...] = STAGES) -> dict | None:
    milestones = tables.get("milestones")
    if milestones is None:
        return None
    table = milestone_completion(milestones, period, stages)
    if table["planned"].sum() == 0:
        return None
    return {
        r.stage: {"planned": int(r.planned), "done": int(r.done), "rate": nullable(r.rate),
                  "on_time": int(r.on_time), "on_time_strict": nullable(r.on_time_rate)}
        for r in table.itertuples()
    }


def compute(inputs: PeriodInputs) -> Computed:
    """metrics.json ``milestones``. Frames: completion (stage, planned, done, rate, on_time, on_time_rate) and
    open (subproject_id, name, stage, planned_date, actual_date: planned in the period, not done by its end)."""
    tables, stages = inputs.tables, inputs.layout.stages
    figures = milestone_metrics(tables, inputs.period, stages)
    frames = {}
    if figures is not None:
        frames["completion"] = milestone_completion(tables.milestones, inputs.period, stages)
        frames["open"] = milestones_open(tables.milestones, tables.subprojects, inputs.period, stages)
    return Computed({"milestones": figures}, frames)


FIGURES = Figures(key="milestones", tables=("milestones", "subprojects"), compute=compute)
