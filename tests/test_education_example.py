"""The second worked example, not an IT project: a county compulsory-education subsidy (SYNTHETIC data,
scripts/make_education_inputs.py, params.county-education.yaml), with its own milestone stages, no public
reviews (好差评 declared absent in a present survey.xlsx) and the payments in the department's own file in 元.
Built end to end as ``make report PARAMS=params.county-education.yaml`` does (without the PDFs: no test here
reads one), its figures checked by hand against the workbook rows."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import datetime
from decimal import Decimal

import yaml
from batchrun import JOBS, jixiao
from conftest import PROJECT_ROOT
from openpyxl import load_workbook

PARAMS = PROJECT_ROOT / "params.county-education.yaml"
SETTINGS = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
RAW = PROJECT_ROOT / SETTINGS["raw_dir"]
STAGES = ["申报", "审核", "拨付", "公示", "验收"]
PAYMENTS = "2022-2023年补助资金拨付明细.xlsx"


def sheet_rows(file: str, sheet: str) -> list[dict]:
    ws = load_workbook(RAW / file, read_only=True)[sheet]
    header, *rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [dict(zip(header, r)) for r in rows if any(v is not None for v in r)]


def test_the_generator_makes_the_committed_workbooks(tmp_path):
    made = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "make_education_inputs.py"), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    assert "SYNTHETIC" in made.stdout
    committed = sorted(p.name for p in RAW.glob("*.xlsx"))
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == committed
    for name in committed:
        assert hashlib.sha256((tmp_path / name).read_bytes()).digest() == hashlib.sha256((RAW / name).read_bytes()).digest(), name
    assert "SYNTHETIC" in (RAW / "README.md").read_text(encoding="utf-8")


def test_the_education_example_builds_end_to_end(tmp_path):
    assert SETTINGS["milestone_stages"] == STAGES and SETTINGS["sheets_absent"] == ["好差评"]
    checked = jixiao("validate", "--params", PARAMS)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "有效(0 个警告)" in checked.stdout.splitlines()[-1]

    out = tmp_path / "out"
    run = jixiao("run", "--params", PARAMS, "--out", out, "--period", "2023", "--period", "2022-2023", "--jobs", JOBS,
                 "--quiet", "--no-pdf")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    tree = out / SETTINGS["evaluation"]
    whole = json.loads((tree / "2022-2023" / "metrics.json").read_text(encoding="utf-8"))
    year = json.loads((tree / "2023" / "metrics.json").read_text(encoding="utf-8"))

    # its own stages, in its order, in metrics.json and on the milestones page; none of the default seven
    assert whole["declared"] == {"milestone_stages": STAGES, "stage_roles": {"启动": "申报", "初验": "验收", "终验": "验收"},
                                 "sheets_absent": ["好差评"]}
    assert list(whole["milestones"]) == STAGES and list(year["milestones"]) == STAGES
    page = (tree / "2022-2023" / "milestones.html").read_text(encoding="utf-8")
    assert "本次评价的进度阶段（按先后）：申报、审核、拨付、公示、验收" in page
    assert all(f">{stage}<" in page for stage in STAGES)
    assert not any(stage in page for stage in ("可研报告编制", "集成实施入场", "终验"))
    # 2023 planned only 验收: the other stages show "—", not zeros
    assert year["milestones"]["申报"]["planned"] == 0
    assert ">—<" in (tree / "2023" / "milestones.html").read_text(encoding="utf-8")

    # no public reviews: 不适用, never an error or empty rows
    assert whole["public_reviews"] is None
    assert whole["notes"]["public_reviews"].startswith("不适用：本次评价没有“好差评”")
    satisfaction = (tree / "2022-2023" / "satisfaction.html").read_text(encoding="utf-8")
    # declared absent: no heading, no 不适用, no word of it on the page (metrics.json's note says why)
    assert "好差评" not in satisfaction and "五星" not in satisfaction
    assert "Traceback" not in satisfaction and "Error" not in satisfaction
    assert "东莞" not in (tree / "2022-2023" / "report.html").read_text(encoding="utf-8")

    # by hand, from the workbook rows: the payments of 2023 (in 元, the department's own file) and the budget
    payments = sheet_rows(PAYMENTS, "拨付明细")
    paid_2023 = sum(Decimal(repr(r["拨付金额(元)"])) for r in payments if r["拨付日期"].year == 2023) / 10_000
    assert Decimal(repr(year["expenditure"]["spent"])) == paid_2023
    budget = sheet_rows("budget.xlsx", "预算")
    adjusted = sum(Decimal(repr(r["调整后预算(万元)"])) for r in budget)
    assert Decimal(repr(whole["expenditure"]["budget"])) == adjusted
    # the 验收 stage: planned in 2023 for every school, done where 实际完成日期 is filled in by 2023-12-31
    milestones = sheet_rows("milestones.xlsx", "进度")
    accepted = [r for r in milestones if r["阶段"] == "验收"]
    done = [r for r in accepted if isinstance(r["实际完成日期"], datetime) and r["实际完成日期"] <= datetime(2023, 12, 31)]
    assert whole["milestones"]["验收"]["planned"] == len(accepted) == 14
    assert whole["milestones"]["验收"]["done"] == len(done) < len(accepted)
    # the score check linked to a declared stage: computed as entered
    checks = {c["metric"]: c for c in whole["scoring"]["checks"]}
    assert checks["stage_completion_rate:验收"]["value"] == len(done) / len(accepted)
    assert whole["scoring"]["checks_differ"] == 0


def test_a_notebook_run_by_hand_sees_the_declared_stages(tmp_path):
    """papermill given only the evaluation's name: its params file's stages, as the batch and the API use them."""
    import jixiao as jx

    ev = jx.open(SETTINGS["evaluation"])
    assert ev.stages == tuple(STAGES) and ev.stage_roles == {"启动": "申报", "初验": "验收", "终验": "验收"}
    assert list(ev.period("2022").metrics["milestones"]) == STAGES
    out = tmp_path / "milestones-2022.ipynb"
    done = subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "papermill"), str(PROJECT_ROOT / "notebooks" / "milestones.ipynb"),
                           str(out), "-p", "evaluation", SETTINGS["evaluation"], "-p", "period", "2022",
                           "--no-progress-bar"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    shown = "\n".join("".join(v) if isinstance(v, list) else str(v) for cell in json.loads(out.read_text(encoding="utf-8"))["cells"]
                      for o in cell.get("outputs", []) for v in o.get("data", {}).values())
    assert "本次评价的进度阶段（按先后）：申报、审核、拨付、公示、验收" in shown and "可研报告编制" not in shown
