"""A road-maintenance department's folder as it keeps its files (issue 24): subprojects and budgets on two named
sheets of one workbook, the payments over an old .xls and a GBK .csv (one payment entered twice, one date typed
with slashes), residents surveyed (群众, counted in 人), no 好差评, and the evaluator's adjustments file.

Copied from test_department_files.py's builder (a test module is not imported from another)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from conftest import write_workbook

DATA = Path(__file__).parent / "data"
XLS = "2019-2020年支付.xls"  # tests/data: made once with xlwt (not a dependency)
CSV = "2021年支付.csv"
# the 2021 payments as the department's system exported them (GBK); the department sees the header on row 1
CSV_ROWS = [("R-01", "2021-04-01", "200.00", "进度款"),   # row 2
            ("R-01", "2021-04-01", "200.00", "进度款"),   # row 3: the same payment entered twice
            ("R-02", "2021-05-06", "150.00", "进度款"),   # row 4
            ("R-03", "2021-06-30", "300.00", "首付款"),   # row 5
            ("R-03", "2021/8/1", "120.00", "进度款"),     # row 6: a date typed with slashes
            ("R-02", "2021-09-09", "50.00", "尾款"),      # row 7
            ("R-01", "2021-10-10", "80.00", "尾款"),      # row 8
            ("R-03", "2021-12-01", "120.50", "进度款"),   # row 9: 审减 to 100.00
            ("R-02", "2022-01-15", "30.00", "尾款")]      # row 10: dated after the span (a warning)
BUDGET = [("R-01", 2019, 250, 200), ("R-01", 2020, 300, 300), ("R-01", 2021, 400, 400),
          ("R-02", 2019, 100, 100), ("R-02", 2020, 150, 150), ("R-02", 2021, 300, 250),
          ("R-03", 2021, 500, 500)]
ADJUSTMENTS = [
    {"file": CSV, "row": 3, "action": "exclude", "reason": "重复录入"},
    {"file": CSV, "row": 9, "column": "支付金额(万元)", "value": 100.00, "reason": "审减", "source": "审计报告第5页"},
]
SURVEY = [["受访者", "养护效果?"], ["张三", "满意"], ["李四", "满意"], ["王五", "一般"]]
OPTIONS = [["题目", "选项", "顺序", "是否满意"], ["养护效果?", "满意", 1, 1], ["养护效果?", "一般", 2, 0]]


def road_department(base: Path, adjustments: list | None = ADJUSTMENTS, **params) -> Path:
    """The department's folder under ``base`` and its params file (returned)."""
    raw = base / "data" / "raw" / "roads"
    raw.mkdir(parents=True)
    write_workbook(raw / "项目台账.xlsx", {
        "项目清单": [["子项目编号", "子项目名称", "领域", "立项批复金额(万元)"],
                 ["R-01", "环城路养护", "道路", 1000], ["R-02", "滨河路养护", "道路", 600],
                 ["R-03", "新桥维修", "桥梁", 900]],
        # a title and a blank row above the header, as a department's sheet often has (header_row: 3)
        "年度预算": [["2019-2021年度道路养护预算表"], [], ["子项目编号", "年度", "年初预算(万元)", "调整后预算(万元)"],
                 *[list(r) for r in BUDGET]],
    })
    shutil.copy(DATA / XLS, raw / XLS)
    lines = ["子项目编号,支付日期,支付金额(万元),摘要", *(",".join(r) for r in CSV_ROWS)]
    (raw / CSV).write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    write_workbook(raw / "问卷调查.xlsx", {"问卷": SURVEY, "选项": OPTIONS})
    settings = {
        "evaluation": "roads", "project": "2019-2021年道路养护项目", "span": "2019-2021",
        "files": {"subprojects.xlsx": {"file": "项目台账.xlsx", "sheet": "项目清单"},
                  "budget.xlsx": {"file": "项目台账.xlsx", "sheet": "年度预算", "header_row": 3},
                  "spending.xlsx": [{"file": XLS}, {"file": CSV}],
                  "survey.xlsx": "问卷调查.xlsx"},
        "sheets_absent": ["好差评"],
        "survey_respondents": {"word": "群众", "unit": "人", "column": "受访者"},
        **params,
    }
    if adjustments is not None:
        (base / "adjustments.yaml").write_text(yaml.safe_dump(adjustments, allow_unicode=True), encoding="utf-8")
        settings["adjustments"] = "adjustments.yaml"
    path = base / "params.roads.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path
