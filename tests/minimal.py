"""A tiny valid evaluation folder, built row by row so that a test can break exactly one thing."""

from __future__ import annotations

import copy
from pathlib import Path

from conftest import write_workbook

Q1 = "整体满意度?"
BASE: dict[str, dict[str, list[list]]] = {
    "subprojects.xlsx": {"子项目": [
        ["子项目编号", "子项目名称", "领域", "业务单位", "立项批复金额(万元)"],
        ["A-1", "平台建设", "基础平台", "市政数局", 100],
        ["A-2", "民生应用", "民生保障域", "市卫健局", 50.5],
        ["A-3", "未批复项目", "安全体系", "市政数局", None],
    ]},
    "budget.xlsx": {"预算": [
        ["子项目编号", "年度", "年初预算(万元)", "调整后预算(万元)"],
        ["A-1", 2020, 100, 60],
        ["A-2", 2021, 80, 40],
    ]},
    "spending.xlsx": {"支出": [
        ["子项目编号", "支付日期", "支付金额(万元)", "摘要"],
        ["A-1", "2020-05-01", 30, "首付款"],
        ["A-1", "2021-03-01", 30, "进度款"],
        ["A-2", "2021-06-30", 10.25, "首付款"],
    ]},
    "milestones.xlsx": {"进度": [
        ["子项目编号", "阶段", "计划完成日期", "实际完成日期"],
        ["A-1", "启动", "2020-01-31", "2020-01-20"],
        ["A-1", "初验", "2021-06-30", "2021-08-01"],
        ["A-2", "启动", "2021-03-31", None],
    ]},
    "survey.xlsx": {
        "问卷": [["单位名称", Q1], ["甲局", "满意"], ["乙局", "一般"], ["丙局", "满意"]],
        "选项": [["题目", "选项", "顺序", "是否满意"], [Q1, "满意", 1, 1], [Q1, "一般", 2, 0]],
        "好差评": [["月份", "1星", "2星", "3星", "4星", "5星"], ["2020-12", 1, 0, 2, 3, 94], ["2021-01", 0, 1, 0, 1, 198]],
    },
    "scoring.xlsx": {"指标": [
        ["一级指标", "二级指标", "三级指标", "分值", "得分", "评分说明"],
        ["决策", "项目立项", "立项依据", 40, 30, ""],
        ["产出", "产出数量", "完成率", 60, 50, ""],
    ]},
}


def build(folder: Path, changes: dict | None = None, drop: tuple[str, ...] = ()) -> Path:
    """Write BASE into ``folder``; ``changes`` maps (file, sheet) to replacement rows."""
    sheets = copy.deepcopy(BASE)
    for (file, sheet), rows in (changes or {}).items():
        sheets[file][sheet] = rows
    folder.mkdir(parents=True, exist_ok=True)
    for file, content in sheets.items():
        if file not in drop:
            write_workbook(folder / file, content)
    return folder


def evaluation(folder: Path, name: str, *, template: str | None = None, **settings) -> Path:
    """A minimal evaluation in ``folder``: BASE under raw/, ``template`` (its text) as report.md when given, and a
    params file for a 2020-2021 span with ``settings`` over the defaults; returns the params file."""
    import json

    build(folder / "raw")
    params = {"evaluation": name, "project": "某县项目", "raw_dir": "raw", "span": "2020-2021", "out_dir": "out"}
    if template is not None:
        (folder / "report.md").write_text(template, encoding="utf-8")
        params["report"] = {"template": "report.md"}
    path = folder / "params.yaml"
    path.write_text(json.dumps({**params, **settings}, ensure_ascii=False), encoding="utf-8")
    return path


def rows(file: str, sheet: str) -> list[list]:
    return copy.deepcopy(BASE[file][sheet])
