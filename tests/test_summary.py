"""Validation output stays readable however large the input: per rule, the first few cells and a count."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from jixiao.cli import main
from jixiao.core.problems import ERROR, WARNING, Problem
from jixiao.intake.summary import rule_key, summary_lines


def problem(row, message=("应为日期", "expected a date"), column="支付日期", severity=ERROR):
    return Problem(severity, "spending.xlsx", message, sheet="支出", row=row, column=column)


def test_a_rule_is_the_message_without_its_numbers():
    assert rule_key(problem(2, ("与第 5 行重复", "duplicates row 5"))) == rule_key(
        problem(9, ("与第 7 行重复", "duplicates row 7")))
    assert rule_key(problem(2)) != rule_key(problem(2, column="支付金额(万元)"))
    assert rule_key(problem(2)) != rule_key(problem(2, severity=WARNING))


def test_a_few_of_each_rule_then_a_count():
    problems = [problem(r) for r in range(2, 12)] + [problem(3, column="摘要")]
    lines = list(summary_lines(problems))
    assert lines[:5] == [str(p) for p in problems[:5]]
    assert lines[5] == ("  …… 同一问题共 10 处,以上是前 5 处,另有 5 处未列出;用 jixiao validate --details 列出全部")
    assert lines[6:] == [str(problems[-1])]
    assert list(summary_lines(problems, None)) == [str(p) for p in problems]
    assert list(summary_lines(problems[:5])) == [str(p) for p in problems[:5]]  # no count when all are shown


def test_the_count_in_english(monkeypatch):
    monkeypatch.setenv("JIXIAO_LANG", "en")
    lines = list(summary_lines([problem(r) for r in range(2, 9)]))
    assert lines[5] == ("  …… the same problem 7 times: the first 5 above, 2 more not listed; "
                        "jixiao validate --details lists them all")


ROWS = 100_000


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory):
    """A spending sheet of 100,000 payments, every one dated before the span: one warning per row."""
    raw = tmp_path_factory.mktemp("big") / "raw"
    raw.mkdir()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("支出")
    ws.append(["子项目编号", "支付日期", "支付金额(万元)", "摘要"])
    day = dt.date(2018, 6, 30)
    for i in range(ROWS):
        ws.append(["A-1", day, (i + 1) / 100, f"第{i}笔"])
    wb.save(raw / "spending.xlsx")
    return raw


def test_a_100000_row_sheet_with_one_warning_per_row_prints_a_handful_of_lines(big_folder, capsys):
    assert main(["validate", str(big_folder), "--span", "2019-2021"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) < 20, lines[:30]
    warnings = [line for line in lines if line.startswith("警告:spending.xlsx")]
    assert len(warnings) == 5 and warnings[0].startswith("警告:spending.xlsx,工作表 支出,第 2 行,列 支付日期:")
    assert "  …… 同一问题共 100,000 处,以上是前 5 处,另有 99,995 处未列出;用 jixiao validate --details 列出全部" in lines
    assert lines[-1] == f"{big_folder}:有效(100000 个警告)。"


def test_details_lists_every_problem(big_folder, capsys):
    assert main(["validate", str(big_folder), "--span", "2019-2021", "--details"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("警告:spending.xlsx,工作表 支出,") for line in lines) == ROWS
