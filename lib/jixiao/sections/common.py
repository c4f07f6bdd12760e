"""Helpers the section modules share: ranked places in words, charts on first use, published footnotes."""

from __future__ import annotations

from jixiao.present.parts import Note


def ranks(places: list[list[str]]) -> str:
    """Top places as prose: ties joined by '=' and marked 并列."""
    return "、".join(" = ".join(p) + ("（并列）" if len(p) > 1 else "") for p in places)


class _Charts:
    """``jixiao.present.charts`` imported on first use: computing a period must not pull in matplotlib."""

    def __getattr__(self, name: str):
        from jixiao.present import charts as module

        return getattr(module, name)


charts = _Charts()


def published_notes(view, *prefixes: str) -> list:
    """A footnote under the figures: each printed figure the data does not reproduce, both values and why."""
    if "published_differs" not in view.frames:
        return []
    rows = view.frames["published_differs"]
    if prefixes:
        rows = rows[rows["figure"].map(lambda f: str(f).startswith(prefixes))]
    return [Note(f"注：{r.figure}，已发布报告刊印 {r.published}，由数据计算为 {r.computed}，本页采用计算值。"
                 + (f"原因：{r.reason}" if r.reason else "原因见“评价概况”的核对表")) for r in rows.itertuples()]


def declared_absent(metrics, *tables: str) -> bool:
    """Whether the params file declares one of ``tables`` (contract table keys: public_reviews …) absent
    (sheets_absent, as metrics.json's ``declared`` names their sheets): its heading, words and rows are left out
    everywhere, not shown as 不适用."""
    from jixiao.contract.sheets import SHEETS_BY_KEY

    absent = set((metrics.get("declared") or {}).get("sheets_absent") or ())
    return any(SHEETS_BY_KEY[key].sheet in absent for key in tables)


def respondents(metrics) -> tuple[str, str]:
    """Who answered the survey and the word counting them (params' survey_respondents), as the whole span's
    metrics.json gives them; 单位, 个 by default."""
    from jixiao.contract.sheets import RESPONDENTS

    survey = metrics.get("survey") or {}
    return survey.get("respondent_word") or RESPONDENTS[0], survey.get("respondent_unit") or RESPONDENTS[1]
