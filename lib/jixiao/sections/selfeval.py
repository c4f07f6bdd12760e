"""The annual 项目支出绩效自评表 among a single year's results: computed once with the period's figures
(``compute_period``), kept as the fields ``自评.…`` in metrics.json and, exactly, as ``frames/selfeval.form.parquet``;
the report's tables (``selfeval.funds``, ``selfeval.indicators``) and ``<year>/自评表.xlsx`` are made from what was
stored, never from the raw files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from jixiao.contract.params import SelfEvaluationSettings
from jixiao.contract.selfeval_layouts import layout_named
from jixiao.core.period import Period
from jixiao.contract.selfeval import SelfEvaluationForm, form_from_record, form_record
from jixiao.figures.selfeval import self_evaluation_form
from jixiao.present.selfeval import TABLE_KEYS, form_fields, form_tables

FRAMES_KEY, FRAME_NAME = "selfeval", "form"  # frames/selfeval.form.parquet
FIELDS_KEY = "自评"


def is_form_period(period: Period, span: Period) -> bool:
    """A form is filed for each single year of the span (the whole span has its evaluation report instead)."""
    return period.first == period.last and period != span


def compute_form(tables, period: Period, span: Period, metrics: dict, *, project: str, stages,
                 settings: SelfEvaluationSettings | None) -> SelfEvaluationForm | None:
    """The year's form from the validated tables and the year's metrics; None for the whole span or a period of
    several years."""
    if not is_form_period(period, span) or tables.get("budget") is None:
        return None
    settings = settings or SelfEvaluationSettings()
    return self_evaluation_form(tables, period.first, metrics, settings, project=project, stages=tuple(stages),
                                note_below=layout_named(settings.layout).note_below)


def form_frame_stored(form: SelfEvaluationForm) -> pd.DataFrame:
    """The form as the one-row frame kept in frames/: its exact record as JSON (``contract.selfeval.form_record``)."""
    return pd.DataFrame({"year": [form.year], "record": [json.dumps(form_record(form), ensure_ascii=False)]})


def form_of(frames: dict) -> SelfEvaluationForm | None:
    frame = (frames or {}).get(FRAME_NAME)
    if frame is None or len(frame) == 0:
        return None
    return form_from_record(json.loads(frame["record"].iloc[0]))


def stored_form(period_dir) -> SelfEvaluationForm | None:
    """The form the batch stored with the period's results in ``period_dir``; None when it has none."""
    from jixiao.contract.results import read_section_results

    _, frames = read_section_results(Path(period_dir), FRAMES_KEY, {})
    return form_of(frames)


__all__ = ["FIELDS_KEY", "FRAMES_KEY", "FRAME_NAME", "TABLE_KEYS", "compute_form", "form_fields", "form_frame_stored",
           "form_of", "form_tables", "is_form_period", "stored_form"]
