"""Incremental runs: a section is executed again only when something it depends on changed (runs papermill)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time

import nbformat
import pytest
from batchrun import JIXIAO, JOBS, jixiao
from conftest import DONGGUAN_RAW, PROJECT_ROOT
from openpyxl import load_workbook
from pypdf import PdfReader

from jixiao.present.format import fmt_pct
from jixiao.sections import SECTIONS as REGISTRY

SECTIONS = {s.key for s in REGISTRY}


def executed(tree) -> set[str]:
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    return {r["section"] for r in index["results"] if not r["reused"]}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    base = tmp_path_factory.mktemp("incremental")
    shutil.copytree(DONGGUAN_RAW, base / "raw")
    shutil.copytree(PROJECT_ROOT / "notebooks", base / "notebooks")
    params = base / "params.yaml"
    params.write_text(json.dumps({"evaluation": "inc", "project": "增量测试", "raw_dir": "raw", "span": "2019-2021",
                                  "periods": ["2021"], "out_dir": "out"}, ensure_ascii=False), encoding="utf-8")
    return base, params, base / "out" / "inc"


def run(base, params, *extra):
    result = jixiao("run", "--params", params, "--notebooks", base / "notebooks", "--jobs", JOBS, "--quiet", *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_reuse_one_input_one_notebook_and_force(workspace):
    base, params, tree = workspace
    run(base, params)
    assert executed(tree) == SECTIONS
    mtimes = {p: p.stat().st_mtime_ns for p in (tree / "2021").glob("*.pdf")}

    again = run(base, params)  # nothing changed: nothing executed, nothing rewritten
    cells = json.loads((tree / "index.json").read_text(encoding="utf-8"))["results"]
    pages = sum(r["status"] != "n/a" for r in cells)  # 2021 alone: the whole-span sections are 不适用
    assert pages < len(SECTIONS) == len(cells)
    assert executed(tree) == set() and f"(执行 0 个,沿用 {pages} 个)" in again.stdout
    assert f"另 {len(SECTIONS) - pages} 个不适用" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in (tree / "2021").glob("*.pdf")} == mtimes
    assert "沿用上次结果" in (tree / "index.html").read_text(encoding="utf-8")

    wb = load_workbook(base / "raw" / "survey.xlsx")  # one workbook: the sections that read it, and the overview
    ws = wb["好差评"]
    ws.cell(row=ws.max_row, column=6).value = int(ws.cell(row=ws.max_row, column=6).value) + 1
    wb.save(base / "raw" / "survey.xlsx")
    run(base, params)
    readers = {s.key for s in REGISTRY if "public_reviews" in s.reads}
    # only sections reading that table run again, and of those only the pages whose figures moved are re-rendered
    # (early cut-off: a reader whose metrics and frames are unchanged keeps its page)
    assert executed(tree) and executed(tree) <= readers and {"expenditure", "milestones"}.isdisjoint(readers)

    nb = nbformat.read(base / "notebooks" / "milestones.ipynb", as_version=4)  # one notebook: that section
    nb.cells.append(nbformat.v4.new_markdown_cell("附注:本节由测试改动。"))
    nbformat.write(nb, base / "notebooks" / "milestones.ipynb")
    run(base, params)
    assert executed(tree) == {"milestones"}
    # the page writes Chinese prose with full-width punctuation
    assert "附注：本节由测试改动。" in (tree / "2021" / "milestones.html").read_text(encoding="utf-8")

    run(base, params, "--force")
    assert executed(tree) == SECTIONS


def test_a_deleted_output_is_made_again(workspace):
    base, params, tree = workspace
    run(base, params)
    (tree / "2021" / "satisfaction.pdf").unlink()
    run(base, params)
    assert executed(tree) == {"satisfaction"} and (tree / "2021" / "satisfaction.pdf").is_file()


def test_a_kill_mid_run_never_leaves_a_record_of_unfinished_outputs(tmp_path):
    from minimal import build

    build(tmp_path / "raw")  # the tiny evaluation: what is tested is the bookkeeping, not the pages
    params = tmp_path / "params.yaml"
    params.write_text(json.dumps({"evaluation": "kill", "project": "中断测试", "raw_dir": "raw", "span": "2020-2021",
                                  "periods": ["2021", "2020-2021"], "out_dir": "out"}, ensure_ascii=False),
                      encoding="utf-8")
    tree = tmp_path / "out" / "kill"
    cells = 2 * len(SECTIONS)
    proc = subprocess.Popen([*JIXIAO, "run", "--params", params, "--jobs", "2", "--quiet"], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300

    def finished() -> int:  # records of executed sections (n/a records come at once, with no files)
        count = 0
        for path in tree.glob(".jixiao/keys/*/*.json"):
            try:
                count += json.loads(path.read_text(encoding="utf-8"))["status"] == "ok"
            except (OSError, ValueError, KeyError):
                pass
        return count

    while time.monotonic() < deadline and finished() < 2:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    # the parent is gone at once; its workers and kernels notice and end on their own, and may hold the pipes a
    # while longer (once, on a loaded machine, past a minute): what this test checks is on disk, not in the pipes
    proc.wait(timeout=60)
    proc.stdout.close()
    proc.stderr.close()
    records = list(tree.glob(".jixiao/keys/*/*.json"))
    assert finished() >= 2 and len(records) < cells, "the kill came too early or too late to test anything"
    for path in records:  # every record that says done describes whole files
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["status"] in ("ok", "n/a")  # n/a: a section with nothing for that year, no files
        for rel in record["files"].values():
            if rel.endswith(".pdf"):
                PdfReader(tree / rel)
            else:
                assert (tree / rel).stat().st_size > 0
    time.sleep(1.5)  # orphaned workers notice their parent is gone and end
    rerun = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    pages_done = sum(json.loads(p.read_text(encoding="utf-8"))["status"] == "ok" for p in records)
    # one count of the cells: a page executed now or reused, or 不适用 (no page, neither executed nor reused)
    assert index["reused"] == pages_done
    assert index["executed"] + index["reused"] + index["not_applicable"] == cells
    for r in index["results"]:  # every section that applies has its pages; one that does not has none
        kinds = ("ipynb", "html", "pdf") if r["status"] == "ok" else ()
        assert r["status"] in ("ok", "n/a") and sorted(r["files"]) == sorted(kinds + (("xlsx",) if "xlsx" in r["files"] else ()))
        for rel in r["files"].values():
            assert (tree / rel).is_file()
    for period in ("2021", "2020-2021"):
        for section in ("overview", "expenditure", "milestones"):
            for ext in ("ipynb", "html", "pdf"):
                assert (tree / period / f"{section}.{ext}").is_file()


def test_the_notebook_shows_the_batch_results_not_its_own(workspace, tmp_path):
    """In the batch a notebook displays metrics.json and the frames; it cannot disagree with them."""
    import papermill as pm

    base, params, tree = workspace
    run(base, params)
    results = tmp_path / "2021"
    shutil.copytree(tree / "2021", results)
    metrics = json.loads((results / "metrics.json").read_text(encoding="utf-8"))
    shown = fmt_pct(metrics["expenditure"]["rate"])
    metrics["expenditure"]["rate"] = 0.123456  # a value no computation gives: seen only if metrics.json is read
    (results / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    nb = pm.execute_notebook(str(PROJECT_ROOT / "notebooks" / "expenditure.ipynb"), str(tmp_path / "out.ipynb"),
                             parameters={"evaluation": "inc", "period": "2021", "span": "2019-2021",
                                         "project": "增量测试", "results_dir": str(results)},
                             kernel_name="python3", progress_bar=False)
    outputs = json.dumps([o for c in nb.cells for o in c.get("outputs", [])], ensure_ascii=False)
    assert "本期支出率 12.35%" in outputs and f"本期支出率 {shown}" not in outputs
    with pytest.raises(pm.PapermillExecutionError, match="不是 '另一个项目'"):
        pm.execute_notebook(str(PROJECT_ROOT / "notebooks" / "expenditure.ipynb"), str(tmp_path / "out2.ipynb"),
                            parameters={"evaluation": "inc", "period": "2021", "span": "2019-2021",
                                        "project": "另一个项目", "results_dir": str(results)},
                            kernel_name="python3", progress_bar=False)
