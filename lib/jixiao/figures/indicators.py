"""Indicator scores recomputed from the data, beside the scores the evaluator entered.

Each linked row of the 指标 sheet (its 计分依据 names a figure of ``contract.rules.INDICATOR_FIGURES``) is
scored by its rule (``contract.rules.parse_rule``) from that figure of the period's metrics, exactly, and
laid beside its 得分: metrics.json's ``scoring.checks`` and ``checks_differ``, and the checks frame.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd

from jixiao.contract.rules import (
    STAGE_FIGURE_PREFIX,
    TOLERANCE,
    describe_rule,
    figure_key,
    indicator_figures,
    parse_rule,
    round_half_up,
)
from jixiao.contract.sheets import STAGES
from jixiao.core.units import SCORE_SCALE


def _exact(amount) -> Fraction | None:
    """An amount of metrics.json (万元, exact to the fen) as an exact Fraction."""
    if amount is None:
        return None
    return Fraction(Decimal(repr(amount))) if isinstance(amount, float) else Fraction(amount)


def _share(numerator, denominator) -> Fraction | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Fraction(numerator) / Fraction(denominator)


def figure_fractions(metrics: dict, stages: tuple[str, ...] | list[str] | None = None) -> dict[str, Fraction | None]:
    """Every figure of ``indicator_figures(stages)`` as an exact Fraction (None when its data is absent); ``stages``:
    the evaluation's milestone stages (default: metrics' ``declared.milestone_stages``, else the contract's seven)."""
    stage_names = stages
    e = metrics.get("expenditure") or {}
    stages = metrics.get("milestones") or {}
    survey = metrics.get("survey") or {}
    reviews = metrics.get("public_reviews") or {}
    planned = sum(s["planned"] for s in stages.values())
    questions = (survey.get("questions") or {}).values()
    figures = {
        "budget_execution_rate": _share(_exact(e.get("spent")), _exact(e.get("budget"))),
        "spend_rate_approved": _share(_exact(e.get("spent_to_end")), _exact(e.get("approved_total"))),
        "milestone_completion_rate": _share(sum(s["done"] for s in stages.values()), planned),
        "milestone_on_time_rate": _share(sum(s["on_time"] for s in stages.values()), planned),
        "survey_positive_share": _share(sum(q["positive"] for q in questions),
                                        sum(q["answered"] for q in questions)) if survey else None,
        "five_star_rate": _share(reviews.get("five_star"), reviews.get("total")),
    }
    for stage in stage_list(metrics, stage_names):
        s = stages.get(stage) or {}
        figures[f"{STAGE_FIGURE_PREFIX}{stage}"] = _share(s.get("done"), s.get("planned"))
    return figures


def stage_list(metrics: dict, stages=None) -> tuple[str, ...]:
    """The evaluation's milestone stages: ``stages`` when given, else those metrics.json records, else the default."""
    if stages is not None:
        return tuple(stages)
    return tuple((metrics.get("declared") or {}).get("milestone_stages") or STAGES)


# --- checks -------------------------------------------------------------------------------------


def linked_rows(scoring: pd.DataFrame | None) -> pd.DataFrame:
    """The 指标 rows whose 计分依据 is filled in (an empty frame when none is, or the column is absent)."""
    if scoring is None or "calculation_basis" not in scoring.columns:
        return pd.DataFrame()
    return scoring[scoring["calculation_basis"].notna()]


def _points(units) -> Fraction:
    return Fraction(int(units), SCORE_SCALE)


def _number(f: Fraction | None) -> float | None:
    return None if f is None else float(f)


CHECK_COLUMNS = ["excel_row", "indicator", "metric", "figure", "value", "method", "rule", "weight", "computed",
                 "entered", "differs"]


def _check_rows(scoring: pd.DataFrame | None, figures: dict, stages=STAGES) -> list[dict]:
    rows = []
    named = indicator_figures(stages)
    for r in linked_rows(scoring).itertuples():
        key = figure_key(r.calculation_basis, stages)
        rule = parse_rule(r.method, r.target, r.rule_params)
        value = figures.get(key)
        value = None if value is None else Fraction(value)
        entered = _points(r.score)
        computed = None if value is None else round_half_up(rule.score(_points(r.weight), value))
        rows.append({
            "excel_row": int(r.excel_row), "indicator": r.level3, "metric": key, "figure": named[key][0],
            "value": _number(value), "method": rule.method, "rule": describe_rule(rule),
            "weight": float(_points(r.weight)), "computed": _number(computed), "entered": float(entered),
            "differs": None if computed is None else abs(computed - entered) > TOLERANCE,
        })
    return rows


def score_check_table(scoring: pd.DataFrame | None, figures: dict, stages=STAGES) -> pd.DataFrame:
    """One row per linked indicator: columns excel_row, indicator, metric, figure (Chinese name), value,
    method, rule (as printed), weight, computed, entered, differs.  ``figures`` maps a key to a Fraction
    (``figure_fractions``) or a float; a figure with no data gives computed and differs None."""
    return pd.DataFrame(_check_rows(scoring, figures, stages), columns=CHECK_COLUMNS, dtype=object)


def score_checks(scoring: pd.DataFrame | None, figures: dict, stages=STAGES) -> list[dict] | None:
    """metrics.json's ``scoring.checks``: per linked indicator {indicator, metric, value, method, computed,
    entered, differs}; None when no row is linked."""
    rows = _check_rows(scoring, figures, stages)
    if not rows:
        return None
    keys = ["indicator", "metric", "value", "method", "computed", "entered", "differs"]
    return [{k: row[k] for k in keys} for row in rows]


def checks_differ(checks: list[dict] | None) -> int | None:
    """metrics.json's ``scoring.checks_differ``: how many linked indicators differ (None when none is linked)."""
    if checks is None:
        return None
    return sum(1 for c in checks if c["differs"])


def scoring_checks(scoring: pd.DataFrame | None, metrics: dict, stages=None) -> dict:
    """``{"checks": …, "checks_differ": …}`` for the whole-span metrics' ``scoring`` section; ``stages``: the
    evaluation's milestone stages (default: those metrics.json records)."""
    stages = stage_list(metrics, stages)
    checks = score_checks(scoring, figure_fractions(metrics, stages), stages)
    return {"checks": checks, "checks_differ": checks_differ(checks)}
