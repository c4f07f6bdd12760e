"""What the report's template may read beyond metrics.json's fields: the computed method sentences and what the
review of the data found, for the national outline's 二 (方法) and 七 (其他需要说明的问题).

- ``methods``: the sentences of 计算方法与口径 (``sections.methods``), printed in 二 and in the appendix alike;
- ``linked``: 三级指标 name -> the computed figure its 计分依据 names: ``figure`` (its name), ``method``,
  ``value``, ``computed``, ``entered`` (fields) and ``differs``;
- ``published_differences``: each figure of published.yaml the data does not reproduce: ``figure``,
  ``published``, ``computed``, ``reason`` (blank when published.yaml gives none);
- ``data_windows``: each data window that extends past the period's end (评价基准日): ``name``, ``first``,
  ``last`` (年月), ``base`` (the period's end), ``beyond`` (months past it), ``beyond_first``.
Every value from data is text (``DataText``) or a field, so it prints escaped.
"""

from __future__ import annotations

import re

from jixiao.output.fields import DataText, Field

_MONTH = re.compile(r"^\d{4}-\d{2}")
NAMES = ("methods", "linked", "published_differences", "data_windows")


def _month_text(month: str) -> str:
    year, number = str(month)[:7].split("-")
    return f"{int(year)}年{int(number)}月"


def _month_index(month: str) -> int:
    year, number = str(month)[:7].split("-")
    return int(year) * 12 + int(number) - 1


def linked_figures(metrics: dict, counter=None) -> dict:
    from jixiao.contract.fields import RATE, SCORE
    from jixiao.contract.rules import indicator_figures
    from jixiao.figures.indicators import stage_list

    checks = (metrics.get("scoring") or {}).get("checks") or []
    checks = list(checks.values()) if isinstance(checks, dict) else checks
    named = indicator_figures(stage_list(metrics))
    out = {}
    for i, c in enumerate(checks):
        key = f"scoring.checks.{i}"
        out[DataText(c.get("indicator") or "")] = {
            "figure": DataText(named.get(c.get("metric"), (c.get("metric") or "",))[0]),
            "method": DataText(c.get("method") or ""),
            "value": Field(f"{key}.value", RATE, c.get("value"), counter),
            "computed": Field(f"{key}.computed", SCORE, c.get("computed"), counter),
            "entered": Field(f"{key}.entered", SCORE, c.get("entered"), counter),
            "differs": bool(c.get("differs")),
        }
    return out


def published_differences(metrics: dict, published: dict | None) -> list[dict]:
    from jixiao.sections.published import published_comparison

    if not published or metrics.get("period") != metrics.get("span"):
        return []  # published.yaml is the whole evaluation's report
    try:
        comparison = published_comparison(metrics, published)
    except (KeyError, TypeError, ValueError, AttributeError):
        return []  # the overview page says what is wrong with published.yaml
    return [{"figure": DataText(r.figure), "published": DataText(r.published), "computed": DataText(r.computed),
             "reason": DataText(r.reason or "")}
            for r in comparison.itertuples() if not r.agrees]


def data_windows(metrics: dict) -> list[dict]:
    """Each metrics section whose ``months`` (first and last month of its rows) runs past the period's end."""
    from jixiao.contract.sheets import SHEETS_BY_KEY
    from jixiao.output.fields import date_text

    end = metrics.get("period_end")
    if not end:
        return []
    out = []
    for key, section in metrics.items():
        months = section.get("months") if isinstance(section, dict) else None
        if not isinstance(months, list) or len(months) != 2 or not all(_MONTH.match(str(m)) for m in months):
            continue
        beyond = _month_index(months[1]) - _month_index(str(end))
        if beyond <= 0:
            continue
        sheet = SHEETS_BY_KEY.get(key)
        first_beyond = _month_index(str(end)) + 1
        out.append({"name": DataText(f"“{sheet.sheet}”" if sheet else key), "first": DataText(_month_text(months[0])),
                    "last": DataText(_month_text(months[1])), "base": DataText(date_text(end)),
                    "beyond": beyond, "beyond_first": DataText(f"{first_beyond // 12}年{first_beyond % 12 + 1}月")})
    return out


def review_context(metrics: dict, published: dict | None, counter=None, processing: dict | None = None) -> dict:
    from jixiao.output.methods import method_lines

    return {"methods": [DataText(s) for s in method_lines(metrics, processing)],
            "linked": linked_figures(metrics, counter),
            "published_differences": published_differences(metrics, published),
            "data_windows": data_windows(metrics)}


def listed_review(metrics: dict, published: dict | None, processing: dict | None = None) -> list[tuple[str, str]]:
    """(name, value as printed) of what ``review_context`` gives, for ``jixiao fields``."""
    context = review_context(metrics, published, processing=processing)
    rows = [(f"methods[{i}]", str.__str__(s)) for i, s in enumerate(context["methods"])]
    for name, c in context["linked"].items():
        rows.append((f'linked["{str.__str__(name)}"]', f"{str.__str__(c['figure'])} {c['value'].text()}，计算得分 "
                     f"{c['computed'].text()}，评分表得分 {c['entered'].text()}" + ("，不一致" if c["differs"] else "")))
    for i, d in enumerate(context["published_differences"]):
        rows.append((f"published_differences[{i}]", f"{str.__str__(d['figure'])}：{str.__str__(d['published'])} → "
                     f"{str.__str__(d['computed'])}"))
    for i, w in enumerate(context["data_windows"]):
        rows.append((f"data_windows[{i}]", f"{str.__str__(w['name'])} {str.__str__(w['first'])}至{str.__str__(w['last'])}"
                     f"，晚于基准日 {w['beyond']} 个月"))
    return rows
