"""The score sheet's reasons (指标解释, 评分标准, 扣分理由): optional columns, a department's own headers through
``columns:``, carried into the scoring frame and metrics; a lost point without 扣分理由 is flagged for 【待撰写】."""

from __future__ import annotations

import pandas as pd
from conftest import write_workbook

from jixiao.contract.fields import kind_of
from jixiao.contract.params import parse_layout
from jixiao.contract.sheets import SCORE_SCALE
from jixiao.figures.scoring import indicator_metrics, indicator_table
from jixiao.intake.folder import read_raw

HEADER = ["一级指标", "二级指标", "三级指标", "分值", "得分"]


def frame(rows, **reasons) -> pd.DataFrame:
    """A 指标 frame as the loader gives it: rows (三级指标, 分值, 得分), the reason columns given."""
    return pd.DataFrame({
        "level1": ["过程"] * len(rows), "level2": ["资金管理"] * len(rows), "level3": [r[0] for r in rows],
        "weight": pd.Series([round(r[1] * SCORE_SCALE) for r in rows], dtype="Int64"),
        "score": pd.Series([round(r[2] * SCORE_SCALE) for r in rows], dtype="Int64"),
        **reasons,
    })


def test_a_lost_point_without_a_reason_is_flagged_and_a_full_score_or_a_given_reason_is_not():
    scoring = frame([("甲", 4, 3.5), ("乙", 3, 3), ("丙", 5, 2.48), ("丁", 2, 1)],
                    deduction_reason=["个别支出缺少附件", None, "  ", float("nan")],
                    standard=["全部合规得满分", None, None, None])
    rows = indicator_table(scoring)
    assert rows["reason_missing"].tolist() == [False, False, True, True]
    assert rows["lost"].tolist() == [5000, 0, 25200, 10000]
    assert rows["deduction_reason"].tolist() == ["个别支出缺少附件", None, None, None]
    assert rows["explanation"].tolist() == [None] * 4  # the column was left out
    metrics = indicator_metrics(scoring)
    assert metrics["unexplained_losses"] == 2 and metrics["unexplained_indicators"] == ["丙", "丁"]
    assert metrics["indicators"][0] == {"level1": "过程", "level2": "资金管理", "level3": "甲", "weight": 4,
                                        "score": 3.5, "lost": 0.5, "note": None, "explanation": None,
                                        "standard": "全部合规得满分", "deduction_reason": "个别支出缺少附件",
                                        "reason_missing": False}


def test_a_sheet_without_the_reason_columns_flags_every_lost_point():
    metrics = indicator_metrics(frame([("甲", 4, 4), ("乙", 3, 2.5)]))
    assert [i["reason_missing"] for i in metrics["indicators"]] == [False, True]
    assert metrics["unexplained_indicators"] == ["乙"]


def test_the_reason_columns_are_read_under_their_own_and_a_departments_headers(tmp_path):
    write_workbook(tmp_path / "scoring.xlsx", {"指标": [
        HEADER + ["指标解释", "评分标准", "扣分理由"],
        ["过程", "资金管理", "资金使用合规性", 4, 3.5, "资金使用是否合规", "每发现一笔违规扣0.5分", "一笔支出缺少附件"]]})
    scoring = read_raw(tmp_path, (2019, 2021)).tables["scoring"]
    assert scoring.loc[0, ["explanation", "standard", "deduction_reason"]].tolist() == [
        "资金使用是否合规", "每发现一笔违规扣0.5分", "一笔支出缺少附件"]
    own = tmp_path / "own"
    own.mkdir()
    write_workbook(own / "scoring.xlsx", {"指标": [HEADER + ["扣分原因"], ["过程", "资金管理", "资金使用合规性", 4, 3.5, "一笔支出缺少附件"]]})
    layout = parse_layout(None, {"scoring.xlsx": {"扣分原因": "扣分理由"}})
    evaluation = read_raw(own, (2019, 2021), layout)
    assert [p for p in evaluation.problems if p.severity == "error"] == []
    assert evaluation.tables["scoring"].loc[0, "deduction_reason"] == "一笔支出缺少附件"


def test_the_reasons_are_declared_fields():
    assert kind_of("scoring.indicators.3.deduction_reason").kind == "text"
    assert kind_of("scoring.indicators.3.lost").kind == "score"
    assert kind_of("scoring.indicators.3.weight").kind == "weight"
    assert kind_of("scoring.unexplained_losses").unit == "个"


def test_dongguan_sheet_has_no_reasons_so_each_lost_point_awaits_one(dongguan_metrics):
    scoring = dongguan_metrics["scoring"]
    lost = [i["level3"] for i in scoring["indicators"] if i["score"] < i["weight"]]
    assert scoring["unexplained_indicators"] == lost and scoring["unexplained_losses"] == len(lost) == 20
    # the notes say only published figures or await the evaluator: no invented finding
    notes = [i["note"] for i in scoring["indicators"]]
    assert not any(word in note for note in notes for word in ("设计费", "市场参考价", "验收资料"))
    assert notes.count("【待撰写：评分说明】") == 12
