"""评价得分, the numbers: the score table by first- and second-level indicator, the grade, and the
indicators whose 计分依据 links them to a computed figure, recomputed by their rule.

Scores are kept in ten-thousandths of a point (``core.units.SCORE_SCALE``), so grades and achievement
levels are decided on exact integers.
"""

from __future__ import annotations

import pandas as pd

from jixiao.figures.indicators import figure_fractions, score_check_table, scoring_checks
from jixiao.core.units import SCORE_SCALE, points, points_float
from jixiao.figures.base import WHOLE_SPAN_ONLY, Computed, Figures, PeriodInputs
from jixiao.figures.common import nullable, ratio

GRADES = (("优", 90), ("良", 80), ("中", 60), ("差", 0))


ACHIEVEMENTS = (("全部完成", 90), ("大部分完成", 80), ("部分完成", 60), ("不太明显", 0))
# the achievement wording (预期产出目标…完成) grades output and effect goals: the first-level indicators 产出 and 效益
# of the national framework, not 决策 or 过程
ACHIEVEMENT_LEVELS = ("产出", "效益")


def grade(total_units: int) -> str:
    """优 >= 90, 良 80-90, 中 60-80, 差 < 60 (lower bounds inclusive), decided on exact units."""
    for name, bound in GRADES:
        if int(total_units) >= bound * SCORE_SCALE:
            return name
    return GRADES[-1][0]


def achievement(score_units: int, weight_units: int) -> str | None:
    """全部完成 >= 90%, 大部分完成 [80%,90%), 部分完成 [60%,80%), 不太明显 < 60% of the weight
    (None for a weight of 0, which has no rate)."""
    if int(weight_units) <= 0:
        return None
    for name, bound in ACHIEVEMENTS:
        if int(score_units) * 100 >= bound * int(weight_units):
            return name
    return ACHIEVEMENTS[-1][0]


def score_table(scoring: pd.DataFrame) -> pd.DataFrame:
    """First-level indicators in sheet order: columns level1, weight, score (units), rate, achievement."""
    grouped = scoring.groupby("level1", sort=False).agg(weight=("weight", "sum"), score=("score", "sum")).reset_index()
    grouped["weight"] = grouped["weight"].astype("int64")
    grouped["score"] = grouped["score"].astype("int64")
    grouped["rate"] = [ratio(s, w) for s, w in zip(grouped["score"], grouped["weight"])]
    grouped["achievement"] = [achievement(s, w) for s, w in zip(grouped["score"], grouped["weight"])]
    return grouped


def level2_table(scoring: pd.DataFrame) -> pd.DataFrame:
    """Second-level indicators: columns level1, level2, weight, score (units), rate."""
    grouped = scoring.groupby(["level1", "level2"], sort=False).agg(
        weight=("weight", "sum"), score=("score", "sum")).reset_index()
    grouped["rate"] = [ratio(s, w) for s, w in zip(grouped["score"], grouped["weight"])]
    return grouped


# the score sheet's optional reasons (contract.sheets.SCORING_REASONS), carried to the report as typed
REASON_COLUMNS = ("explanation", "standard", "deduction_reason")
INDICATOR_COLUMNS = ("level1", "level2", "level3", "weight", "score", "note", *REASON_COLUMNS)


def _text(value) -> str | None:
    """A text cell as the report prints it: None when blank (None, NaN or white space only)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def indicator_table(scoring: pd.DataFrame) -> pd.DataFrame:
    """Third-level indicators in sheet order: level1, level2, level3, weight, score, lost (units), note,
    explanation, standard, deduction_reason (None when the sheet leaves them out or blank) and reason_missing:
    points were lost and no 扣分理由 says why (the report's 【待撰写】)."""
    rows = scoring.reindex(columns=list(INDICATOR_COLUMNS)).reset_index(drop=True)
    for column in ("note", *REASON_COLUMNS):
        rows[column] = pd.Series([_text(v) for v in rows[column]], index=rows.index, dtype=object)
    rows["weight"] = rows["weight"].astype("int64")
    rows["score"] = rows["score"].astype("int64")
    rows["lost"] = (rows["weight"] - rows["score"]).astype("int64")
    rows["reason_missing"] = [bool(lost > 0 and reason is None) for lost, reason in zip(rows["lost"], rows["deduction_reason"])]
    return rows


def indicator_metrics(scoring: pd.DataFrame) -> dict:
    """metrics.json's ``scoring.indicators`` (each third-level indicator with its reasons), ``unexplained_losses``
    and ``unexplained_indicators`` (those that lost points without a 扣分理由)."""
    rows = indicator_table(scoring)
    indicators = [{"level1": r.level1, "level2": r.level2, "level3": r.level3, "weight": points(r.weight),
                   "score": points(r.score), "lost": points(r.lost), "note": r.note, "explanation": r.explanation,
                   "standard": r.standard, "deduction_reason": r.deduction_reason,
                   "reason_missing": bool(r.reason_missing)} for r in rows.itertuples()]
    unexplained = [i["level3"] for i in indicators if i["reason_missing"]]
    return {"indicators": indicators, "unexplained_losses": len(unexplained), "unexplained_indicators": unexplained}


def scoring_metrics(scoring: pd.DataFrame | None) -> dict | None:
    if scoring is None or scoring.empty:
        return None
    table = score_table(scoring)
    total_units, weight_units = int(table["score"].sum()), int(table["weight"].sum())
    return {
        "levels": {r.level1: {"weight": points(r.weight), "score": points(r.score), "rate": nullable(r.rate),
                              "achievement": r.achievement} for r in table.itertuples()},
        "weight": points(weight_units),
        "total": points(total_units),
        "rate": ratio(total_units, weight_units),
        "grade": grade(total_units),
    }


def in_points(frame: pd.DataFrame, columns: tuple[str, ...] = ("weight", "score")) -> pd.DataFrame:
    """Score units (1/10,000 point) -> points as floats, exact to the unit (a float column stores as parquet)."""
    return frame.assign(**{c: [points_float(v) for v in frame[c]] for c in columns})


def compute(inputs: PeriodInputs) -> Computed:
    """Whole-span run only: metrics.json ``scoring``. Frames (points, not units): levels (level1, weight,
    score, rate, achievement), level2 (level1, level2, weight, score, rate), indicators (level1, level2, level3,
    weight, score, note, explanation, standard, deduction_reason, lost, reason_missing) and checks (indicator, metric, figure, value, rule, weight, computed, entered, differs:
    the indicators whose 计分依据 links them to a computed figure)."""
    if not inputs.whole_span:
        return Computed({"scoring": None}, {}, {"scoring": WHOLE_SPAN_ONLY})
    scoring = inputs.tables.scoring
    figures = scoring_metrics(scoring)
    frames = {}
    if figures is not None:
        frames["levels"] = in_points(score_table(scoring))
        frames["level2"] = in_points(level2_table(scoring))
        frames["indicators"] = in_points(indicator_table(scoring), ("weight", "score", "lost"))
        figures.update(indicator_metrics(scoring))
        stages = inputs.layout.stages
        figures.update(scoring_checks(scoring, dict(inputs.metrics), stages))
        checks = score_check_table(scoring, figure_fractions(dict(inputs.metrics), stages), stages)
        frames["checks"] = pd.DataFrame({
            "indicator": checks["indicator"].astype(object), "metric": checks["metric"].astype(object),
            "figure": checks["figure"].astype(object), "rule": checks["rule"].astype(object),
            **{c: [None if v is None else float(v) for v in checks[c]] for c in ("value", "weight", "computed", "entered")},
            "differs": [None if v is None else bool(v) for v in checks["differs"]],
        })
    return Computed({"scoring": figures}, frames)


# the computed checks read every other section's figures
FIGURES = Figures(key="scoring", tables=("scoring",), compute=compute, after=("expenditure", "milestones", "satisfaction"))
