"""A department's own workbooks: other file names, other headers, amounts in 元, declared once in params.

The Dongguan workbooks are rewritten as a department would send them (spending as 2021年支付明细.xlsx
headed 项目编号 / 付款金额(元) with every amount in 元, the subprojects as 项目清单.xlsx with its approved
amounts in 元 too); read through the params file's ``files`` and ``columns`` they must give exactly the
tables and figures of the contract layout.
"""

from __future__ import annotations

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from batchrun import jixiao
from conftest import DONGGUAN_RAW, write_workbook
from openpyxl import load_workbook

from jixiao.intake.folder import load_evaluation, read_raw
from jixiao.core.period import Period
from jixiao.sections import compute_period
from jixiao.contract.params import load_params, parse_layout
from jixiao.core.i18n import set_lang

FILES = {"spending.xlsx": "2021年支付明细.xlsx", "subprojects.xlsx": "项目清单.xlsx"}
COLUMNS = {"spending.xlsx": {"项目编号": "子项目编号", "付款金额(元)": "支付金额(元)", "付款日期": "支付日期"},
           "subprojects.xlsx": {"项目编号": "子项目编号", "批复金额(元)": "立项批复金额(元)"}}


def in_yuan(value):
    """万元 -> 元, exactly (the workbook holds what a department's system exports)."""
    yuan = Decimal(repr(value)) * 10_000
    return int(yuan) if yuan == yuan.to_integral_value() else float(yuan)


def rewrite(path: Path, target: Path, sheet: str, headers: dict[str, str], money: str | None) -> None:
    wb = load_workbook(path)
    ws = wb[sheet]
    columns = {c.value: c.column for c in ws[1]}
    for old, new in headers.items():
        ws.cell(1, columns[old], new)
    if money:
        for row in range(2, ws.max_row + 1):
            cell = ws.cell(row, columns[money])
            if cell.value is not None:
                cell.value = in_yuan(cell.value)
    wb.save(target)
    path.unlink()


def department_folder(base: Path) -> Path:
    raw = base / "raw"
    shutil.copytree(DONGGUAN_RAW, raw)
    rewrite(raw / "spending.xlsx", raw / FILES["spending.xlsx"], "支出",
            {"子项目编号": "项目编号", "支付日期": "付款日期", "支付金额(万元)": "付款金额(元)"}, "支付金额(万元)")
    rewrite(raw / "subprojects.xlsx", raw / FILES["subprojects.xlsx"], "子项目",
            {"子项目编号": "项目编号", "立项批复金额(万元)": "批复金额(元)"}, "立项批复金额(万元)")
    params = {"evaluation": "dept", "project": "部门布局测试", "raw_dir": "raw", "span": "2019-2021",
              "periods": ["2019-2021"], "out_dir": "out", "files": FILES, "columns": COLUMNS}
    (base / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return raw


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    base = tmp_path_factory.mktemp("department")
    raw = department_folder(base)
    return base, raw


def test_department_layout_gives_the_contract_figures(department, dongguan, tmp_path):
    base, raw = department
    before = hashes(raw)
    params = load_params(base / "params.yaml")
    evaluation = load_evaluation(raw, tmp_path / "processed", span=(2019, 2021), layout=params.layout)
    assert evaluation.problems == []
    for key, frame in dongguan.tables.items():
        if frame is None:  # a workbook Dongguan does not have (the optional 年度指标)
            assert evaluation.tables[key] is None, key
            continue
        assert evaluation.tables[key].drop(columns="excel_row").equals(frame.drop(columns="excel_row")), key
    span = Period(2019, 2021)
    for period in (Period(2020, 2020), span):
        assert compute_period(evaluation.tables, period, span, "x").metrics == compute_period(dongguan.tables, period, span, "x").metrics
    assert set(evaluation.inputs) >= {"2021年支付明细.xlsx", "项目清单.xlsx"}
    # a notebook knows the raw folder, not the params: the cache remembers the layout it was read with
    again = load_evaluation(raw, tmp_path / "processed", span=(2019, 2021))
    assert again.tables["spending"]["amount"].tolist() == evaluation.tables["spending"]["amount"].tolist()
    assert hashes(raw) == before


def test_department_problems_name_its_own_file_and_headers(department, tmp_path):
    base, raw = department
    broken = tmp_path / "raw"
    shutil.copytree(raw, broken)
    wb = load_workbook(broken / FILES["spending.xlsx"])
    wb["支出"]["C5"] = "待定"
    wb["支出"]["A7"] = "DG-2099-999"
    wb.save(broken / FILES["spending.xlsx"])
    params = load_params(base / "params.yaml")
    found = [str(p) for p in read_raw(broken, (2019, 2021), params.layout).problems]
    assert found == [
        "错误:2021年支付明细.xlsx,工作表 支出,第 5 行,列 付款金额(元):发现 '待定';"
        "应为以元计的金额:纯数字,例如 12345.67(不带单位、不带 % 号)",
        "错误:2021年支付明细.xlsx,工作表 支出,第 7 行,列 项目编号:发现 'DG-2099-999';应为 项目清单.xlsx 中列出的子项目编号",
    ]


@pytest.mark.parametrize("lang, expected", [
    ("zh", ["错误:2021年指标评分.xlsx,工作表 指标,第 2 行,列 评分方法:发现 '线性';未知的计分方法;应为以下之一:比例、阶梯、扣分",
            "错误:2021年指标评分.xlsx,工作表 指标,第 3 行,列 考核目标:发现 '95';目标值“95”大于 1;"
            "百分数请带 % 号(如 95%),小数应在 0 到 1 之间"]),
    ("en", ["error: 2021年指标评分.xlsx, sheet 指标, row 2, column 评分方法: found '线性'; unknown scoring method; "
            "expected one of 比例、阶梯、扣分",
            "error: 2021年指标评分.xlsx, sheet 指标, row 3, column 考核目标: found '95'; target “95” is above 1; "
            "a percentage needs its % sign (such as 95%), a fraction lies between 0 and 1"]),
])
def test_malformed_scoring_rules_name_the_department_file_and_headers(tmp_path, lang, expected):
    # the rule checks once named scoring.xlsx and 计分方法 whatever the department's layout
    header = ["一级指标", "二级指标", "三级指标", "分值", "得分", "计分依据", "评分方法", "考核目标", "计分参数"]
    write_workbook(tmp_path / "2021年指标评分.xlsx", {"指标": [
        header, ["过程", "资金管理", "指标一", 50, 40, "five_star_rate", "线性", None, None],
        ["过程", "资金管理", "指标二", 50, 40, "five_star_rate", "比例", "95", None]]})
    layout = parse_layout({"scoring.xlsx": "2021年指标评分.xlsx"},
                          {"scoring.xlsx": {"评分方法": "计分方法", "考核目标": "目标值"}})
    set_lang(lang)
    try:
        found = [str(p) for p in read_raw(tmp_path, (2019, 2021), layout).problems if p.severity == "error"]
    finally:
        set_lang(None)
    assert found == expected


def test_validate_with_params_reads_the_department_layout(department, tmp_path):
    base, raw = department
    before = hashes(raw)
    result = jixiao("validate", "--params", base / "params.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [f"{raw}:有效(0 个警告)。"]
    # the folder alone finds the params file that names it, and so its layout
    found = jixiao("validate", raw)
    assert found.returncode == 0, found.stdout + found.stderr
    assert found.stdout.splitlines()[-1] == f"{raw}:有效(0 个警告)。"
    # a copy no params file names is read without the layout: the department's files are not read, and
    # validate says so
    alone = tmp_path / "raw"
    shutil.copytree(raw, alone)
    contract = jixiao("validate", alone, "--lang", "en")
    assert contract.returncode == 0
    lines = contract.stdout.splitlines()
    unread = ("is not one of the evaluation's workbooks and was not read; if it holds one, declare it under files "
              "in the params file (and check with jixiao validate --params)")
    assert f"warning: 2021年支付明细.xlsx: {unread}" in lines and f"warning: 项目清单.xlsx: {unread}" in lines
    assert "note: spending.xlsx: is absent: the 资金使用 section has no data" in lines
    assert hashes(raw) == before
