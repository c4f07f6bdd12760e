"""``jixiao watch``: a run, then a run after each saved change to what the run reads, on workers kept warm; a
report after an edit split over two workers (its Word file apart) and merged as one task would have made it."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time

from batchrun import JIXIAO, JOBS
from conftest import PROJECT_ROOT

from jixiao.output.index import Status
from jixiao.run.execute import ReportTask, TaskOutput, merge_report, split_report
from jixiao.run.watch import snapshot, wait_for_change, watched_paths


def report_task(**changes) -> ReportTask:
    fields = dict(evaluation="e", period="2020-2021", span="2020-2021", project="某县项目", run_time="", inputs={},
                  parameters={}, files={})
    return ReportTask(**{**fields, **changes})


def test_a_report_with_its_pdf_and_word_due_is_split_word_apart_and_nothing_else_is():
    first, word = split_report(report_task())
    assert "docx" in first.skip and "docx" not in word.skip
    assert {"html", "pdf", "workpapers", "normalised"} <= set(word.skip)
    assert split_report(report_task(pdf=False)) == [report_task(pdf=False)]  # no PDF: Word is the long one
    kept_word = report_task(skip=("docx",))  # Word stands (made from what did not change)
    assert split_report(kept_word) == [kept_word]


def output(status=Status.OK, error="", **files) -> TaskOutput:
    return TaskOutput("e", "2020-2021", "report", status, 1.0, error, {k: v.encode() for k, v in files.items()},
                      {"placeholders": 2} if "html" in files else {})


def test_halves_merge_as_one_task_would_have_made_them():
    merged = merge_report([output(html="h", pdf="p", workpapers="w"), output(docx="d")])
    assert merged.status is Status.OK and sorted(merged.files) == ["docx", "html", "pdf", "workpapers"]
    assert merged.phases["placeholders"] == 2
    # only the Word file failed: the rest is written, the report is marked failed with the Word file's error
    word_failed = merge_report([output(html="h", pdf="p"), output(Status.FAILED, "report.docx:参考文档损坏")])
    assert word_failed.status is Status.FAILED and word_failed.error == "report.docx:参考文档损坏"
    assert sorted(word_failed.files) == ["html", "pdf"]
    # the template failed (both halves say so): nothing is written
    refused = merge_report([output(Status.FAILED, "模板第 3 行:未知字段"), output(Status.FAILED, "模板第 3 行:未知字段")])
    assert refused.status is Status.FAILED and refused.files == {} and refused.error == "模板第 3 行:未知字段"


def test_the_watch_sees_what_a_run_reads_and_waits_for_a_save_to_stand(tmp_path):
    from jixiao.contract.params import load_params
    from minimal import evaluation

    params_file = evaluation(tmp_path, "w", template="# 一、概况\n")
    params = load_params(params_file)
    paths = watched_paths(params_file, params, PROJECT_ROOT / "notebooks")
    names = {p.name for p in paths}
    assert {"params.yaml", "report.md", "survey.xlsx", "budget.xlsx", "published.yaml", "milestones.ipynb"} <= names
    assert not any("out" in p.parts for p in paths)  # its own outputs never start a run
    assert watched_paths(params_file, None, PROJECT_ROOT / "notebooks") == [params_file]  # params that do not load

    seen = snapshot(paths)
    found: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: found.put(wait_for_change(paths, seen, poll=0.02, settle=0.3)), daemon=True).start()
    template = tmp_path / "report.md"
    template.write_text("# 一、概况\n\n第一段", encoding="utf-8")
    time.sleep(0.1)  # a save in two writes: the change is taken once the file stands
    template.write_text("# 一、概况\n\n第一段。第二段。", encoding="utf-8")
    now, changed = found.get(timeout=10)
    assert changed == [template] and now[template] == (template.stat().st_size, template.stat().st_mtime_ns)
    template.unlink()  # a file removed is a change too
    assert wait_for_change(paths, now, poll=0.02, settle=0.02)[1] == [template]


def test_a_kept_scheduler_is_made_once_and_again_after_it_was_killed():
    from jixiao.run.scheduler import LOCAL, KeptScheduler

    kept = KeptScheduler(LOCAL, 1)
    try:
        engine = kept.get()
        assert kept.get() is engine
        engine.kill()  # what a run does when it is interrupted or loses a worker
        again = kept.get()
        assert again is not engine and again.usable
    finally:
        kept.shutdown()
    assert kept.engine is None


def lines_of(proc) -> queue.Queue:
    found: queue.Queue = queue.Queue()

    def read():
        for line in proc.stdout:
            found.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return found


def until(found: queue.Queue, text: str, seen: list, timeout: float = 180) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = found.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r} in {timeout} s; got:\n" + "\n".join(seen))


def test_watch_runs_then_rebuilds_what_a_saved_edit_changes_and_ends_on_sigterm(tmp_path):
    from minimal import evaluation
    from openpyxl import load_workbook

    params = evaluation(tmp_path, "w", template="# 一、概况\n\n支出率{{ expenditure.rate }}。\n",
                        periods=["2020-2021"])
    tree = tmp_path / "out" / "w"
    proc = subprocess.Popen([*JIXIAO, "watch", "--params", params, "--jobs", JOBS, "--quiet", "--no-pdf"],
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []
    try:
        found = lines_of(proc)
        until(found, "监视", seen)
        first = json.loads((tree / "index.json").read_text(encoding="utf-8"))
        assert first["executed"] > 0 and not list(tree.rglob("*.pdf"))

        wb = load_workbook(tmp_path / "raw" / "survey.xlsx")  # one survey answer
        ws = wb["问卷"]
        assert ws.cell(row=4, column=2).value == "满意"
        ws.cell(row=4, column=2).value = "一般"
        wb.save(tmp_path / "raw" / "survey.xlsx")
        assert until(found, "改动", seen).endswith("survey.xlsx")
        until(found, "监视", seen)
        index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
        again = {r["section"] for r in index["results"] if not r["reused"] and r["status"] != "n/a"}
        assert again and "expenditure" not in again and "satisfaction" in again, again

        (tmp_path / "report.md").write_text("# 一、资金\n\n支出{{ expenditure.spent }}。\n", encoding="utf-8")
        until(found, "改动", seen)
        done = until(found, "报告:重建", seen)
        assert "2020-2021(html、docx)" in done, done
        until(found, "监视", seen)
        assert "一、资金" in (tree / "2020-2021" / "report.html").read_text(encoding="utf-8")
        index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
        assert index["executed"] == 0  # a template edit runs no notebook

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        until(found, "已结束监视", seen, timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not [p for p in tree.rglob(".*.jixiao-*")]  # no temp file of the watch's runs is left


def test_watch_ends_on_ctrl_c_between_runs_with_the_last_runs_code(tmp_path):
    from minimal import evaluation

    params = evaluation(tmp_path, "w", periods=["2020"])
    proc = subprocess.Popen([*JIXIAO, "watch", "--params", params, "--jobs", "1", "--quiet", "--no-pdf"],
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []
    try:
        found = lines_of(proc)
        until(found, "监视", seen)
        params.write_text("evaluation: [不是名称", encoding="utf-8")  # params that no longer load: said, still watching
        until(found, "错误", seen)
        until(found, "监视", seen)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 2  # the last run's: its params were refused
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_after_an_edit_pages_and_reports_go_longest_first_by_last_times(tmp_path):
    from types import SimpleNamespace

    from jixiao.run.batch import longest_first
    from jixiao.run.execute import NotebookTask
    from jixiao.run.runkeys import RunState
    from jixiao.sections import SECTIONS

    state = RunState(tmp_path)
    state.save("2020", "satisfaction", {"seconds": 1.5})
    state.save("2020", "overview", {"seconds": 0.9})
    state.save_report("2020-2021", {"seconds": 2.4})
    run = SimpleNamespace(state=state, sections=SECTIONS)

    def page(period, section):
        return NotebookTask("e", period, section, "", "", {}, {}, {})

    tasks = [page("2020", "overview"), report_task(period="2021", span="2020-2021"), page("2020", "satisfaction"),
             report_task()]
    ordered = longest_first(run, tasks)
    # the span's report took longest last time; a report never timed counts as its period's pages together (no
    # page of 2021 timed: each section's declared cost), a page as its own last time
    never_timed = sum(s.cost for s in SECTIONS)
    assert never_timed > 2.4
    assert [(t.period, t.section) for t in ordered] == [("2021", "report"), ("2020-2021", "report"),
                                                          ("2020", "satisfaction"), ("2020", "overview")]


def test_a_kept_local_pool_starts_its_workers_before_any_task():
    """The pool starts a worker only as a task comes: the watch's pool starts them at once, so the first edit
    does not wait for kernels."""
    from jixiao.run.scheduler import LOCAL, KeptScheduler

    kept = KeptScheduler(LOCAL, 2)
    try:
        kept.get()
        starting = list(kept.warming)
        assert len(starting) == 2
        kept.ready()  # what the watch waits for before it says it is watching
        assert all(f.done() and f.exception() is None for f in starting) and kept.warming == []
        assert len(kept.engine.pool._processes) == 2
    finally:
        kept.shutdown()
