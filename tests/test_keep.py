"""Never lose the user's work: a period's report is replaced only as a whole new set, the last one stays
after a failure or a refusal (and the index says so), and a report file the user edited is never
overwritten.

The batch runs for real (plan, validation, results, store, index) on a tiny evaluation, with the notebooks
and the report replaced by an engine that answers at once (what is tested is what the batch does with the
files, not how they are made); the last test builds a real report with ``final: true``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from concurrent.futures import Future
from pathlib import Path

import pytest
from minimal import build

from jixiao import cli
from jixiao.output.index import Status
from jixiao.run.execute import TaskKind, TaskOutput

EVALUATION = "keep"
PERIODS = ("2021", "2020-2021")
REPORT_NAMES = ("report.html", "report.pdf", "report.docx", "workpapers.html")


class Completed:
    def __init__(self, futures):
        self.pending = list(futures)

    def add(self, future) -> None:
        self.pending.append(future)

    def __iter__(self):
        while self.pending:
            yield self.pending.pop(0)


class Engine:
    """Runs a task at submission. A report's four formats name its project and the metrics.json it was
    given, so a rebuilt report differs from the last exactly when what it reports changed."""

    shared_filesystem = True
    report_error = ""  # every report fails with this line (a refusal, a template that cannot be read)

    def submit(self, task):
        future = Future()
        if task.kind is TaskKind.REPORT:
            if self.report_error:
                output = TaskOutput(task.evaluation, task.period, task.section, Status.FAILED, 0.0, self.report_error)
            else:
                digest = hashlib.sha256(task.files.get("metrics.json", b"")).hexdigest()
                text = f"{task.project} {digest}"
                output = TaskOutput(task.evaluation, task.period, task.section, Status.OK, 0.0, files={
                    "html": f"<html>{text}</html>".encode(), "pdf": f"%PDF {text}".encode(),
                    "docx": f"PK docx {text}".encode(), "workpapers": f"<html>底稿 {text}</html>".encode()})
        else:
            html = f"<html>{task.title} {task.parameters['project']}</html>"
            output = TaskOutput(task.evaluation, task.period, task.section, Status.OK, 0.0,
                                files={"ipynb": b"{}", "html": html.encode()})
        future.set_result(output)
        return future

    def as_completed(self, futures):
        return Completed(futures)

    def lost(self, exc):
        return None

    def worker_lost(self, exc):
        return False

    def shutdown(self) -> None:
        pass

    def kill(self) -> None:
        pass


@pytest.fixture
def engine(monkeypatch):
    made = Engine()
    monkeypatch.setattr("jixiao.run.scheduler.make_scheduler", lambda choice, jobs, kernels=True: made)
    return made


def workspace(folder: Path, project: str = "留存测试", report: dict | None = None) -> Path:
    if not (folder / "raw").exists():
        build(folder / "raw")
    settings = {"evaluation": EVALUATION, "project": project, "raw_dir": "raw", "span": "2020-2021",
                "periods": list(PERIODS), "out_dir": "out"}
    if report is not None:
        settings["report"] = report
    params = folder / "params.yaml"
    params.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
    return params


def run(params: Path) -> int:
    return cli.main(["run", "--params", str(params), "--quiet"])


def files_of(tree: Path) -> dict[str, bytes]:
    """Every file a reader sees (not the run's records, the lock, nor the index, which carries times)."""
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in sorted(tree.rglob("*"))
            if p.is_file() and ".jixiao" not in p.relative_to(tree).parts and p.name != ".jixiao-run.lock"
            and not p.name.startswith("index.")}


def reports(tree: Path) -> dict[str, bytes]:
    return {f"{period}/{name}": (tree / period / name).read_bytes() for period in PERIODS for name in REPORT_NAMES}


def index_reports(tree: Path) -> dict:
    return json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]


def test_an_edited_word_report_survives_an_unchanged_rerun_and_a_changed_one(tmp_path, engine, capsys):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    word = tree / "2021" / "report.docx"
    edited = word.read_bytes() + " 评价组补充的一段".encode()
    word.write_bytes(edited)
    before = files_of(tree)
    capsys.readouterr()

    assert run(params) == 0  # nothing changed: the edit stays, nothing new is written
    assert files_of(tree) == before
    entry = index_reports(tree)["2021"]
    assert entry["edited"] == {"docx": "2021/report.docx"} and "2021/report.docx 已被手工修改" in entry["note"]
    assert "2021/report.docx 已被手工修改" in (tree / "index.html").read_text(encoding="utf-8")
    assert "已被手工修改" not in capsys.readouterr().err  # said when a new version is written, not every run

    workspace(tmp_path, project="留存测试(新名称)")  # every page and report is made again
    assert run(params) == 0
    assert word.read_bytes() == edited
    entry = index_reports(tree)["2021"]
    beside = tree / entry["files"]["docx"]
    assert beside.parent == word.parent and beside.name.startswith("report.20") and beside.suffix == ".docx"
    assert "留存测试(新名称)" in beside.read_text(encoding="utf-8")
    assert "留存测试(新名称)" in (tree / "2021" / "report.html").read_text(encoding="utf-8")  # not edited: replaced
    [line] = [line for line in capsys.readouterr().err.splitlines() if "已被手工修改" in line]
    assert f"2021/report.docx 已被手工修改,未覆盖;本次生成的版本在 2021/{beside.name}" in line
    assert not (tree / "2021" / "上一版").exists()  # the replaced set went once the new one stood

    after = files_of(tree)
    assert run(params) == 0  # unchanged again: neither the user's file nor the new one is touched
    assert files_of(tree) == after


def test_a_refused_report_keeps_the_last_one_and_the_index_marks_it_stale(tmp_path, engine, capsys):
    params = workspace(tmp_path, report={"final": False})
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    good = reports(tree)
    workspace(tmp_path, report={"final": True})  # the reports are due again, their pages are not
    engine.report_error = "final 为 true,但报告仍有 5 处占位(如 【待撰写:报告编号】),未发布;上次生成的报告保留"
    capsys.readouterr()
    assert run(params) == 1
    assert reports(tree) == good
    for period in PERIODS:
        entry = index_reports(tree)[period]
        assert entry["stale"].startswith("旧版") and entry["error"] == engine.report_error
        assert entry["files"]["docx"] == f"{period}/report.docx"
    page = (tree / "index.html").read_text(encoding="utf-8")
    assert page.count("旧版:本次未能重建") == len(PERIODS)
    err = capsys.readouterr().err
    assert "Error:" not in err and "Traceback" not in err


def test_a_failure_while_the_pages_change_keeps_every_report_aside_until_its_replacement(tmp_path, engine):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    good = reports(tree)
    workspace(tmp_path, project="新标题")  # the pages change: the last reports no longer match them
    engine.report_error = "报告模板有误"
    assert run(params) == 1
    for period in PERIODS:  # moved aside, not deleted, and the index links them as the previous version
        assert not (tree / period / "report.html").exists()
        assert {n: (tree / period / "上一版" / n).read_bytes() for n in REPORT_NAMES} == \
            {n: good[f"{period}/{n}"] for n in REPORT_NAMES}
        entry = index_reports(tree)[period]
        assert entry["files"]["html"] == f"{period}/上一版/report.html" and "上一版" in entry["stale"]
    engine.report_error = ""
    assert run(params) == 0
    for period in PERIODS:
        assert "新标题" in (tree / period / "report.docx").read_text(encoding="utf-8")
        assert not (tree / period / "上一版").exists() and index_reports(tree)[period]["stale"] == ""


def test_a_rename_failing_mid_swap_puts_that_report_back_as_it_was(tmp_path, engine, monkeypatch, capsys):
    params = workspace(tmp_path, report={"报告编号": "甲-1"})
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    good = reports(tree)
    workspace(tmp_path, report={"报告编号": "甲-2"})
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 6:  # the new set's second file, the last set already moved aside
            raise PermissionError(1, "Operation not permitted", str(dst))
        return real(src, dst)

    monkeypatch.setattr("jixiao.run.outputs.os.replace", replace)
    capsys.readouterr()
    assert run(params) == 3
    assert reports(tree) == good
    assert not list(tree.rglob("*.part")) and not (tree / "2021" / "上一版").exists()
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "无法替换" in line]
    assert "Traceback" not in err and "PermissionError" not in err


def _lock(path: Path):
    """Make ``path`` impossible to replace: immutable as root (chattr +i), read-only otherwise."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
            pytest.skip("chattr +i is not available here")
        return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)
    path.chmod(0o444)
    return lambda: path.chmod(0o644)


def test_a_locked_report_is_one_line_exit_2_and_nothing_is_touched(tmp_path, engine, capsys):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    before = {**files_of(tree), **{n: (tree / n).read_bytes() for n in ("index.html", "index.json")}}
    workspace(tmp_path, project="新标题")
    unlock = _lock(tree / "2020-2021" / "report.docx")
    try:
        capsys.readouterr()
        assert run(params) == 2
        err = capsys.readouterr().err
        after = {**files_of(tree), **{n: (tree / n).read_bytes() for n in ("index.html", "index.json")}}
    finally:
        unlock()
    assert after == before
    [line] = err.strip().splitlines()
    assert "无法替换" in line and "2020-2021/report.docx" in line and "Traceback" not in err


def test_final_with_a_placeholder_keeps_the_last_report_and_the_index_says_it_is_stale(tmp_path):
    from batchrun import JOBS, jixiao

    build(tmp_path / "raw")
    (tmp_path / "report.md").write_text("# 一、概况\n\n{{ 待撰写(\"背景\") }}\n\n支出率{{ expenditure.rate }}。\n",
                                        encoding="utf-8")

    def params(final: bool) -> Path:
        path = tmp_path / "params.yaml"
        path.write_text(json.dumps({"evaluation": "tpl", "project": "某县数字政府项目", "raw_dir": "raw",
                                    "span": "2020-2021", "periods": ["2020-2021"], "out_dir": "out",
                                    "report": {"template": "report.md", "final": final}}, ensure_ascii=False),
                        encoding="utf-8")
        return path

    draft = jixiao("run", "--params", params(False), "--jobs", JOBS, "--quiet")
    assert draft.returncode == 0, draft.stderr[-2000:]
    tree = tmp_path / "out" / "tpl"
    written = {n: (tree / "2020-2021" / n).read_bytes() for n in REPORT_NAMES}
    final = jixiao("run", "--params", params(True), "--jobs", JOBS, "--quiet")
    assert final.returncode == 1
    [line] = [line for line in final.stderr.splitlines() if "final" in line]
    assert "仍有 5 处占位" in line and "Error" not in line  # the cover's four blanks and the one in the text
    assert {n: (tree / "2020-2021" / n).read_bytes() for n in REPORT_NAMES} == written
    entry = json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]["2020-2021"]
    assert entry["stale"].startswith("旧版") and "仍有 5 处占位" in entry["error"]
    assert entry["files"]["docx"] == "2020-2021/report.docx"


def test_the_placeholders_a_template_makes_certain_are_counted_not_those_that_depend_on_data():
    from jixiao.output.unwritten import certain_placeholders

    text = ("# 一\n\n{{ 待撰写(\"背景\") }}【待撰写:手写的一处】\n{% if is_span %}{{ 待撰写(\"全期\") }}{% endif %}\n"
            "{% for s in milestones %}{{ 待撰写(s) }}{% endfor %}\n受{{ cover[\"委托单位\"] or 待撰写(\"委托单位\") }}委托,"
            "{{ cover[\"受委托单位\"] or 待撰写(\"受委托单位\") }}评价。\n")
    found = certain_placeholders(text, {"受委托单位": "某评价机构", "报告编号": ""})
    assert (found.in_text, found.cover) == (3, ("报告编号", "委托单位", "提交日期"))
    assert found.count == 6


def test_validate_warns_of_the_placeholders_a_final_report_would_still_have(tmp_path, capsys):
    params = workspace(tmp_path, report={"template": "report.md", "final": True, "报告编号": "甲-1",
                                         "委托单位": "某局", "受委托单位": "某机构"})
    (tmp_path / "report.md").write_text("# 一、概况\n\n{{ 待撰写(\"背景\") }}\n", encoding="utf-8")
    assert cli.main(["validate", "--params", str(params)]) == 0
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if "final" in line]
    assert line.startswith("警告:") and "至少有 2 处占位(正文 1 处【待撰写】,封面未填 提交日期)" in line
    assert "有效(1 个警告)" in out
    workspace(tmp_path, report={"template": "report.md", "final": False})
    assert cli.main(["validate", "--params", str(params)]) == 0
    assert "占位" not in capsys.readouterr().out  # a draft may have them


def test_an_undecodable_template_is_refused_in_one_line_with_every_report_kept_and_gbk_and_a_bom_are_read(
        tmp_path, engine, capsys):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    good = {**files_of(tree), **{n: (tree / n).read_bytes() for n in ("index.html", "index.json")}}
    template = "# 一、概况\n\n支出率{{ expenditure.rate }}。\n"
    (tmp_path / "report.md").write_bytes(template.encode("utf-8") + b"\x80\xff\n")  # neither UTF-8 nor GB18030
    workspace(tmp_path, report={"template": "report.md"})
    capsys.readouterr()
    assert run(params) == 2
    err = capsys.readouterr().err
    [line] = err.strip().splitlines()
    assert "report.md" in line and "既不是 UTF-8 也不是 GB18030/GBK" in line and "Traceback" not in err
    assert {**files_of(tree), **{n: (tree / n).read_bytes() for n in ("index.html", "index.json")}} == good
    from jixiao.contract.params import load_params
    from jixiao.run.batch import report_settings

    (tmp_path / "report.md").write_bytes(template.encode("gbk"))  # Chinese Windows Notepad's default: read
    assert report_settings(load_params(params))["template_text"] == template
    (tmp_path / "report.md").write_bytes(b"\xef\xbb\xbf" + template.encode("utf-8"))
    assert cli.main(["validate", "--params", str(params)]) == 0
    assert report_settings(load_params(params))["template_text"] == template  # no '\ufeff' reaches the renderer


def test_the_new_version_renamed_to_the_reports_name_is_taken_back_as_the_runs_own(tmp_path, engine):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    word = tree / "2021" / "report.docx"
    word.write_bytes(word.read_bytes() + "(改)".encode())
    workspace(tmp_path, project="第二版")
    assert run(params) == 0
    [beside] = (tree / "2021").glob("report.20*.docx")
    beside.replace(word)  # the user keeps the new version under the usual name
    assert run(params) == 0
    assert not list((tree / "2021").glob("report.20*.docx")) and "第二版" in word.read_text(encoding="utf-8")
    entry = index_reports(tree)["2021"]
    assert entry["files"]["docx"] == "2021/report.docx" and entry["edited"] == {} and entry["note"] == ""
