"""The report's 计算方法与口径 and what the workpapers' 数据处理说明 is made from.

The appendix's lines say how each figure the report holds was computed, in the evaluation's own words (who
answered the survey: params' survey_respondents) and only for the parts the period has: a sheet the params file
declares absent (sheets_absent), or a part a single year does not show (the survey), leaves no line. Its last line says how many rows the evaluator adjusted and that the list
is in the workpapers. A template prints them with ``{{ methods() }}``.

The processing record is the run's ``intake.json`` (``run.batch.write_intake``), which the batch hands to each
period's report task beside its results (``PROCESSING_FILE``).
"""

from __future__ import annotations

import json
from pathlib import Path

PROCESSING_FILE = "intake.json"  # in the report task's folder: the run's intake record (warnings, cells, adjustments)


def read_processing(folder: Path) -> dict | None:
    """The intake record handed to a report task (None when the run had none, e.g. a report built by hand)."""
    path = Path(folder) / PROCESSING_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def adjustment_counts(processing: dict | None) -> tuple[int, int]:
    """(rows excluded, cells corrected) by the evaluator's adjustments file."""
    records = ((processing or {}).get("adjustments") or {}).get("records") or []
    excluded = sum(1 for r in records if r.get("action") == "exclude")
    return excluded, len(records) - excluded


def adjustments_sentence(processing: dict | None) -> str:
    """One sentence: how many rows the evaluator adjusted, and where the list is (the workpapers)."""
    excluded, corrected = adjustment_counts(processing)
    if not excluded and not corrected:
        return "评价人员未对部门提供的数据作剔除或更正;自动规范的单元格与数据警告列于工作底稿的“数据处理说明”。"
    done = "、".join(w for w in (f"剔除 {excluded} 行" if excluded else "", f"更正 {corrected} 处" if corrected else "") if w)
    return (f"评价人员对部门提供的数据调整 {excluded + corrected} 行({done}),原始文件未改动;每项调整的原因、依据及其对"
            "各项指标的影响列于工作底稿的“数据处理说明”。")


def method_lines(metrics: dict, processing: dict | None = None) -> list[str]:
    """计算方法与口径 for the parts this evaluation has, in its own words (``sections.methods``, the one source
    that 二 and the appendix both print), then one sentence on the evaluator's adjustments."""
    from jixiao.sections.methods import method_sentences

    return [*method_sentences(metrics), adjustments_sentence(processing)]
