"""Validation problems said once per rule: a sheet of 100,000 rows with the same slip on every row prints a
handful of lines (the first cells, then how many there are), not 100,000.

A rule is told by what a reader would call the same problem: severity, file, sheet, column and the message
with its numbers left out ("与第 5 行重复" and "与第 9 行重复" are one rule). Nothing here changes a
problem; ``jixiao validate --details`` prints them all.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Iterator

from jixiao.core.i18n import t
from jixiao.core.problems import Problem

SHOWN_PER_RULE = 5
_NUMBER = re.compile(r"\d[\d,.]*")


def rule_key(problem: Problem, templates: dict[str, str] | None = None) -> tuple:
    """What makes two problems the same rule; ``templates`` remembers each message's template, so 100,000
    problems with one message run the regular expression once."""
    template = None if templates is None else templates.get(problem.message)
    if template is None:
        template = _NUMBER.sub("#", problem.message)
        if templates is not None:
            templates[problem.message] = template
    return problem.severity, problem.file, problem.sheet, problem.column, template


def summary_lines(problems: Iterable[Problem], shown: int | None = SHOWN_PER_RULE) -> Iterator[str]:
    """Each problem as printed, in the order given, but no more than ``shown`` of one rule: after the last one
    shown, a line with the rule's count (``shown`` None: every problem)."""
    problems = list(problems)
    if shown is None:
        yield from (str(p) for p in problems)
        return
    templates: dict[str, str] = {}
    keys = [rule_key(p, templates) for p in problems]
    counts = Counter(keys)
    seen: Counter = Counter()
    for p, key in zip(problems, keys):
        seen[key] += 1
        if seen[key] <= shown:
            yield str(p)
        if seen[key] == shown and counts[key] > shown:
            more = counts[key] - shown
            yield t(f"  …… 同一问题共 {counts[key]:,} 处,以上是前 {shown} 处,另有 {more:,} 处未列出;"
                    "用 jixiao validate --details 列出全部",
                    f"  …… the same problem {counts[key]:,} times: the first {shown} above, {more:,} more not "
                    "listed; jixiao validate --details lists them all")


# --- 数据处理说明: what intake did, as tables a reviewer's workpapers show ---------------------------------

FIRST_SHOWN = 5  # normalised cells shown per kind in the workpapers (the rest are in intake.json)
EFFECT_WORDS = {"budget": ("调整后预算(万元)", "adjusted budget (万元)"), "spent": ("实际支出(万元)", "payments (万元)"),
                "rate": ("支出率", "execution rate"), "subprojects": ("子项目数", "subprojects"),
                "approved_total": ("立项批复金额合计(万元)", "approved total (万元)"),
                "spent_to_end": ("截至期末累计支出(万元)", "payments to the end (万元)"),
                "spend_rate_to_end": ("截至期末支出进度", "spend rate to the end"),
                "no_funds_issued": ("暂未下达资金的子项目数", "subprojects with no funds issued")}


def effect_label(figure: str) -> str:
    """``rate`` -> 支出率, ``by_year.2021.rate`` -> 2021 年支出率: the figure an adjustment changed, in words."""
    parts = figure.split(".")
    if len(parts) == 3 and parts[0] == "by_year":
        zh, en = EFFECT_WORDS.get(parts[2], (parts[2], parts[2]))
        return t(f"{parts[1]} 年{zh}", f"{parts[1]} {en}")
    zh, en = EFFECT_WORDS.get(figure, (figure, figure))
    return t(f"全期{zh}", f"whole period: {en}")


def processing_frames(intake: dict, first_shown: int = FIRST_SHOWN) -> dict:
    """The 数据处理说明 of a run's ``intake.json`` (its parsed record) as DataFrames with Chinese headers:
    ``warnings`` (every warning kept), ``normalised_counts`` (a count per kind), ``normalised_first`` (the first
    ``first_shown`` cells of each kind), ``encodings`` (each CSV's text encoding), ``adjustments`` (each of the
    evaluator's adjustments with its value before and after) and ``effects`` (the figures each adjustment, and
    all of them, changed: with it and without it)."""
    import pandas as pd

    warnings = intake.get("warnings") or {}
    normalised = intake.get("normalised") or {}
    kinds = normalised.get("kinds") or {}
    adjustments = intake.get("adjustments") or {}
    records = adjustments.get("records") or []
    effects = adjustments.get("effects") or {}

    def kind_word(kind: str) -> str:
        words = kinds.get(kind) or {}
        return t(words.get("zh", kind), words.get("en", kind))

    first_rows = [[kind_word(kind), c.get("file"), c.get("sheet") or "", c.get("row"), c.get("column") or "",
                   c.get("typed"), c.get("read")]
                  for kind, cells in (normalised.get("first") or {}).items() for c in cells[:first_shown]]
    adjustment_rows = [[r["entry"], r["file"], r.get("sheet") or "", r["row"], t(r["action_zh"], r["action_en"]),
                        r.get("column") or "", _shown(r.get("before")), r.get("after") or "", r["reason"],
                        r.get("source") or ""] for r in records]
    effect_rows = [[t("全部调整", "all adjustments"), effect_label(e["figure"]), e["with"], e["without"]]
                   for e in effects.get("all", [])]
    effect_rows += [[t(f"第 {entry} 条", f"adjustment {entry}"), effect_label(e["figure"]), e["with"], e["without"]]
                    for entry, found in (effects.get("each") or {}).items() for e in found]
    return {
        "warnings": pd.DataFrame({t("警告", "warning"): list(warnings.get("first") or [])}),
        "normalised_counts": pd.DataFrame(
            [[kind_word(k), n] for k, n in (normalised.get("counts") or {}).items()],
            columns=[t("处理", "normalisation"), t("单元格数", "cells")]),
        "normalised_first": pd.DataFrame(first_rows, columns=[
            t("处理", "normalisation"), t("文件", "file"), t("工作表", "sheet"), t("行", "row"), t("列", "column"),
            t("填写为", "typed"), t("读作", "read as")]),
        "encodings": pd.DataFrame(list((normalised.get("encodings") or {}).items()),
                                  columns=[t("文件", "file"), t("编码", "encoding")]),
        "adjustments": pd.DataFrame(adjustment_rows, columns=[
            t("序号", "entry"), t("文件", "file"), t("工作表", "sheet"), t("行", "row"), t("处理", "action"),
            t("列", "column"), t("调整前", "before"), t("调整后", "after"), t("原因", "reason"),
            t("依据", "source")]),
        "effects": pd.DataFrame(effect_rows, columns=[t("调整", "adjustment"), t("指标", "figure"),
                                                      t("调整后", "with"), t("调整前", "without")]),
    }


def _shown(before: object) -> str:
    """A corrected cell's value before, or an excluded row's cells (header: value, …)."""
    if isinstance(before, dict):
        return t("整行:", "the row: ") + t("、", ", ").join(f"{h} {v}" for h, v in before.items())
    return "" if before is None else str(before)
