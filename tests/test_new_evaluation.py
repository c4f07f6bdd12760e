"""``jixiao new`` then ``validate`` then ``run`` on a fresh clone: an evaluation under its own settings.

The clone is a scratch project root (JIXIAO_ROOT) holding nothing but what ``jixiao new`` writes; the
workbooks are then filled with the tiny evaluation of tests/minimal.py, its years moved into the new span,
the payments sent the department's way (its own file name and headers, amounts in 元) and declared in the
params file. The run's figures must be those of the same data in the contract's layout.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from decimal import Decimal

import yaml
from batchrun import JOBS, jixiao
from conftest import PROJECT_ROOT, write_workbook
from minimal import BASE

from jixiao.intake.cells import parse_money
from jixiao.contract.sheets import FEN_PER_WAN, FILES
from jixiao.intake.folder import read_raw
from jixiao.core.period import Period
from jixiao.sections import compute_period
from jixiao.present.format import fmt_wan
from jixiao.output.report import builtin_template

PROJECT = "某县数字政府建设项目"
PAYMENTS = "2023年支付明细.xlsx"
LAYOUT = """files:
  spending.xlsx: 2023年支付明细.xlsx
columns:
  spending.xlsx: {项目编号: 子项目编号, 付款金额(元): 支付金额(元)}
"""
SAMPLE = "这是模板的示例行;应删除示例行,只填本评价的数据"


def moved(value, years: int = 2):
    """The minimal evaluation's 2020-2021 moved to 2022-2023."""
    if isinstance(value, int) and value in (2020, 2021):
        return value + years
    if isinstance(value, str) and value[:4] in ("2020", "2021"):
        return str(int(value[:4]) + years) + value[4:]
    return value


def test_new_then_validate_then_run(tmp_path):
    root = tmp_path / "clone"
    root.mkdir()
    env = {"JIXIAO_ROOT": str(root)}
    made = jixiao("new", "county", "--span", "2022-2023", "--project", PROJECT, cwd=root, env=env)
    assert made.returncode == 0, made.stderr
    raw = root / "data" / "raw" / "county"
    params = root / "params.county.yaml"
    assert sorted(p.name for p in raw.iterdir()) == sorted(FILES)
    settings = yaml.safe_load(params.read_text(encoding="utf-8"))
    assert settings == {"evaluation": "county", "project": PROJECT, "raw_dir": "data/raw/county", "span": "2022-2023",
                        "periods": [2022, 2023, "2022-2023"], "out_dir": "reports",
                        "report": {"template": "report.county.md", "final": False}}
    assert (root / "report.county.md").read_text(encoding="utf-8") == builtin_template()  # the analyst's copy
    assert made.stdout.splitlines()[-4:] == [
        f"已写入 {params}",
        "下一步:在 data/raw/county/ 的工作簿中删去示例行、填入数据(部门自己的文件名、表头可在 params.county.yaml 的 "
        "files、columns 中声明),然后运行",
        "  .venv/bin/jixiao validate --params params.county.yaml",
        "  .venv/bin/jixiao run --params params.county.yaml",
    ]
    from openpyxl import load_workbook

    # the sample rows are dated inside the new span, like the rows they stand for (and are still found as samples)
    (sample,) = load_workbook(raw / "spending.xlsx")["支出"].iter_rows(min_row=2, max_row=2, values_only=True)
    (budget_sample,) = load_workbook(raw / "budget.xlsx")["预算"].iter_rows(min_row=2, max_row=2, values_only=True)
    assert sample[1].year == 2022 and budget_sample[1] == 2022
    again = jixiao("new", "county", "--span", "2022-2023", cwd=root, env=env)
    assert again.returncode == 2 and "已存在" in again.stderr

    fresh = jixiao("validate", "--params", params, cwd=root, env=env)
    assert fresh.returncode == 2
    assert f"错误:subprojects.xlsx,工作表 子项目,第 2 行:{SAMPLE}" in fresh.stdout.splitlines()
    assert fresh.stdout.splitlines()[-1] == f"{raw}:11 个错误,0 个警告;请改正错误后再运行。"

    contract = tmp_path / "contract"  # the same data in the contract's layout, for the expected figures
    for file, sheets in copy.deepcopy(BASE).items():
        content = {name: [[moved(v) for v in row] for row in rows] for name, rows in sheets.items()}
        write_workbook(contract / file, content)
        if file == "spending.xlsx":
            (raw / file).unlink()
            header, *rows = content["支出"]
            yuan = [[sid, day, float(Decimal(repr(amount)) * 10_000), memo] for sid, day, amount, memo in rows]
            write_workbook(raw / PAYMENTS, {"支出": [["项目编号", "支付日期", "付款金额(元)", "摘要"], *yuan]})
        else:
            write_workbook(raw / file, content)
    with open(params, "a", encoding="utf-8") as fh:
        fh.write(LAYOUT)
    filled = jixiao("validate", "--params", params, cwd=root, env=env)
    assert filled.returncode == 0 and filled.stdout.splitlines() == [f"{raw}:有效(0 个警告)。"], filled.stdout
    # by folder or by name, validate finds the params file that names the folder, as jx.open and the notebooks do
    # (without its files/columns the payments workbook would be missing)
    for given in (raw, "county"):
        found = jixiao("validate", given, cwd=root, env=env)
        assert found.returncode == 0 and found.stdout.splitlines() == [f"{given}:有效(0 个警告)。"], found.stdout
        assert found.stderr.splitlines() == [f"按参数文件 {params} 检查(评价期 2022-2023)"]

    out = tmp_path / "out"
    run = jixiao("run", "--params", params, "--out", out, "--period", "2022-2023", "--jobs", JOBS, "--quiet",
                 "--no-pdf", "--notebooks", PROJECT_ROOT / "notebooks", cwd=root, env=env)  # read in HTML and JSON
    assert run.returncode == 0, run.stderr[-3000:]
    tree = out / "county"
    overview = (tree / "2022-2023" / "overview.html").read_text(encoding="utf-8")
    assert PROJECT in overview and "东莞" not in overview
    assert PROJECT in (tree / "index.html").read_text(encoding="utf-8")
    # the built-in template's copy: a draft, its unwritten parts marked, until the analyst writes them
    report = json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]["2022-2023"]
    assert report["placeholders"] > 0 and "草稿" in (tree / "index.html").read_text(encoding="utf-8")
    html = (tree / "2022-2023" / "report.html").read_text(encoding="utf-8")
    assert "【待撰写:" in html
    # the national outline (财预〔2020〕10号): chapters 一 to 七 in order, each with something to write
    heads = [(m.start(), re.sub(r"<[^>]+>", "", m.group(1))) for m in re.finditer(r"<h1[^>]*>(.*?)</h1>", html, re.S)]
    numbered = [(at, text) for at, text in heads if re.match(r"^[一二三四五六七]、", text)]
    assert [text[0] for _, text in numbered] == list("一二三四五六七"), heads
    ends = [at for at, _ in numbered[1:]] + [next(at for at, text in heads if text == "附件")]
    for (at, text), end in zip(numbered, ends):
        chunk = html[at:end]
        assert "【待撰写" in chunk, text
    # the notebooks read the payments through the layout too (A-2's one payment: 102,500 元 = 10.25 万元)
    expenditure = (tree / "2022-2023" / "expenditure.html").read_text(encoding="utf-8")
    assert f">{fmt_wan(parse_money('10.25') / FEN_PER_WAN)}</td>" in expenditure
    assert not (root / "reports").exists()  # --out was honoured: nothing under the clone's reports
    span = Period(2022, 2023)
    expected = compute_period(read_raw(contract, (2022, 2023)).tables, span, span, PROJECT).metrics
    written = json.loads((tree / "2022-2023" / "metrics.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(expected, ensure_ascii=False))

    # by hand, as an analyst would: papermill given only the evaluation's name. Its span, title and the
    # department's layout come from its own params file, never params.yaml's (Dongguan's)
    by_hand = tmp_path / "by-hand-2023.ipynb"
    done = subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "papermill"), str(PROJECT_ROOT / "notebooks" / "expenditure.ipynb"),
                           str(by_hand), "-p", "evaluation", "county", "-p", "period", "2023", "--no-progress-bar"],
                          cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env, "JIXIAO_PROCESSED_DIR": str(tmp_path / "processed")})
    assert done.returncode == 0, done.stderr[-3000:]
    shown = "\n".join(str(v) for cell in json.loads(by_hand.read_text(encoding="utf-8"))["cells"]
                      for out in cell.get("outputs", []) for v in out.get("data", {}).values())
    year = compute_period(read_raw(contract, (2022, 2023)).tables, Period(2023, 2023), span, PROJECT).metrics
    assert PROJECT in shown and "东莞" not in shown
    assert f"本期实际支出 {fmt_wan(year['expenditure']['spent'])} 万元" in shown
    assert year["expenditure"]["spent"] > 0  # the payments were read through the layout (a miss would show 0.00)

