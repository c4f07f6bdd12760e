"""The batch trusts nothing on disk it did not verify, deletes only what it wrote, and says one line per failure.

These tests run the real batch (plan, validation, results, store, index) in this process on a tiny
evaluation, with the notebooks replaced by an in-process engine that returns small pages at once: what
is tested is the batch's bookkeeping, not the notebooks (test_batch, test_faults run those).
"""

from __future__ import annotations

import errno
import hashlib
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import InlineEngine
from minimal import build

from jixiao import cli

EVALUATION = "trust"


@pytest.fixture
def engine(monkeypatch):
    made = InlineEngine()
    monkeypatch.setattr("jixiao.run.scheduler.make_scheduler", lambda choice, jobs, kernels=True: made)
    return made


def workspace(folder: Path, project: str = "信任测试", periods=("2021", "2020-2021")) -> Path:
    if not (folder / "raw").exists():
        build(folder / "raw")
    params = folder / "params.yaml"
    params.write_text(json.dumps({"evaluation": EVALUATION, "project": project, "raw_dir": "raw",
                                  "span": "2020-2021", "periods": list(periods), "out_dir": "out"},
                                 ensure_ascii=False), encoding="utf-8")
    return params


def run(params: Path, *extra) -> int:
    return cli.main(["run", "--params", str(params), "--quiet", *extra])


def test_a_tampered_metrics_json_is_rebuilt_and_so_is_the_report(tmp_path, engine):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    metrics = tree / "2020-2021" / "metrics.json"
    good = metrics.read_bytes()
    report = (tree / "2020-2021" / "report.html").read_text(encoding="utf-8")
    assert hashlib.sha256(good).hexdigest() in report
    tampered = good.replace(b'"rate": 0.', b'"rate": 9.', 1)
    assert tampered != good and len(tampered) == len(good)
    metrics.write_bytes(tampered)
    (tree / "2020-2021" / "report.html").write_text("<html>edited</html>", encoding="utf-8")
    assert run(params) == 0
    assert metrics.read_bytes() == good
    # the edited report is the user's (run.outputs): left as it is, the rebuilt one beside it and linked
    assert (tree / "2020-2021" / "report.html").read_text(encoding="utf-8") == "<html>edited</html>"
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    rebuilt = tree / index["reports"]["2020-2021"]["files"]["html"]
    assert rebuilt.name != "report.html" and hashlib.sha256(good).hexdigest() in rebuilt.read_text(encoding="utf-8")


def test_an_edited_page_or_run_record_is_made_again(tmp_path, engine):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    page = tree / "2021" / "overview.html"
    good = page.read_bytes()
    page.write_bytes(good.replace("信任".encode(), "伪造".encode()))
    record = tree / ".jixiao" / "keys" / "2021" / "expenditure.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    data["seconds"] = 99.0
    record.write_text(json.dumps(data), encoding="utf-8")
    engine.submitted = 0
    assert run(params) == 0
    assert page.read_bytes() == good
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    executed = {(r["period"], r["section"]) for r in index["results"] if not r["reused"]}
    assert executed == {("2021", "overview"), ("2021", "expenditure")}


def test_an_interrupted_rerun_after_a_title_change_leaves_no_stale_report(tmp_path, engine):
    params = workspace(tmp_path, project="旧标题")
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    workspace(tmp_path, project="新标题")
    engine.interrupt_before_report = True  # every section rewritten, no report yet
    assert run(params) == 130
    for period in ("2021", "2020-2021"):
        report = tree / period / "report.html"
        assert not report.exists() or "旧标题" not in report.read_text(encoding="utf-8")
    engine.interrupt_before_report = False
    assert run(params) == 0
    for period in ("2021", "2020-2021"):
        assert "新标题" in (tree / period / "report.html").read_text(encoding="utf-8")
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    assert all(r["reused"] for r in index["results"])
    assert all(r["built"] for r in index["reports"].values())


def dead_pid() -> int:
    """The pid of a process that has ended (so its leftovers are debris)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_jixiao_temp_files_of_ended_processes_are_removed(tmp_path, engine):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    user = [tree / "notes" / ".review.participants.txt", tree / "2021" / ".draft.part", tree / ".x.part.bak"]
    for path in user:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("mine", encoding="utf-8")
    debris = tree / "2021" / f".overview.html.jixiao-{dead_pid()}-abcd1234.part"
    debris.write_text("half", encoding="utf-8")
    assert run(params) == 0
    assert all(path.read_text(encoding="utf-8") == "mine" for path in user)
    assert not debris.exists()


def test_a_refused_run_leaves_the_last_good_index(tmp_path, engine):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    index = {name: (tree / name).read_bytes() for name in ("index.html", "index.json")}
    (tmp_path / "raw" / "spending.xlsx").write_text("not a workbook", encoding="utf-8")
    assert run(params) == 2
    assert {name: (tree / name).read_bytes() for name in index} == index


def test_scratch_of_ended_processes_is_removed_by_the_next_run(tmp_path, engine, monkeypatch):
    from jixiao.core.scratch import scratch_dir

    params = workspace(tmp_path)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # a temp folder no other run sweeps
    pid = dead_pid()
    left = Path(tempfile.mkdtemp(prefix=f"jixiao-task-{pid}-"))
    (left / "executed.ipynb").write_text("{}", encoding="utf-8")
    (left / ".jixiao-scratch").write_text(json.dumps({"pid": pid, "start": None}), encoding="utf-8")
    mine = scratch_dir("task")  # this process is alive: its scratch stays
    other = Path(tempfile.mkdtemp(prefix="jixiao-notes-"))  # not a jixiao scratch name: stays
    # a user's folder that looks like scratch (letters, a number no process has, more): not ours, stays
    lookalike = Path(tempfile.gettempdir()) / f"jixiao-backup-{pid}-final"
    lookalike.mkdir()
    (lookalike / "notes.txt").write_text("mine", encoding="utf-8")
    try:
        assert run(params) == 0
        assert not left.exists() and mine.is_dir() and other.is_dir()
        assert (lookalike / "notes.txt").read_text(encoding="utf-8") == "mine"
    finally:
        for path in (left, mine, other, lookalike):
            if path.exists():
                shutil.rmtree(path)


def test_a_full_disk_gives_exit_3_and_one_line(tmp_path, engine, monkeypatch, capsys):
    params = workspace(tmp_path)
    capsys.readouterr()

    def full(target, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr("jixiao.run.batch.atomic_write_bytes", full)
    assert run(params) == 3
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "磁盘" in line]
    assert f"无法写入 {tmp_path / 'out' / EVALUATION}" in line and "MB" in line
    assert "Traceback" not in err and "Errno" not in err


def test_a_lost_scheduler_gives_one_line_and_a_rerun_reuses_what_finished(tmp_path, engine, capsys):
    params = workspace(tmp_path)
    engine.lose_after = 2
    capsys.readouterr()
    assert run(params) == 3
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "调度器" in line]
    assert "tcp://127.0.0.1:8786" in line and "已完成 2 个" in line and "重新运行将沿用已完成的部分" in line
    assert "Traceback" not in err and "ConnectionError" not in err
    engine.lose_after = None
    assert run(params) == 0
    index = json.loads((tmp_path / "out" / EVALUATION / "index.json").read_text(encoding="utf-8"))
    assert sum(r["reused"] for r in index["results"] if r["status"] == "ok") == 2


def test_workers_lost_beyond_retries_give_exit_3_and_no_traceback(tmp_path, engine, capsys):
    params = workspace(tmp_path)
    engine.raise_on_result = ChildProcessError("worker died")
    capsys.readouterr()
    assert run(params) == 3
    err = capsys.readouterr().err
    assert "工作进程在重试后仍然丢失" in err and "Traceback" not in err


def portfolio(tmp_path: Path) -> Path:
    workspace(tmp_path / "a")
    path = tmp_path / "portfolio.yaml"
    path.write_text("evaluations: [a/params.yaml]\nout_dir: reports\n", encoding="utf-8")
    return path


def test_the_portfolio_counts_only_failures_as_failures(tmp_path, engine, capsys):
    path = portfolio(tmp_path)
    assert cli.main(["run", "--portfolio", str(path), "--quiet"]) == 0
    index = json.loads((tmp_path / "reports" / "index.json").read_text(encoding="utf-8"))
    own = json.loads((tmp_path / "reports" / EVALUATION / "index.json").read_text(encoding="utf-8"))
    assert any(r["status"] == "n/a" for r in own["results"])  # 不适用 cells are there ...
    assert index["evaluations"][0]["sections_failed"] == 0  # ... and are no failures
    assert "1 个评价已生成" in capsys.readouterr().out
    engine.fail = ("overview",)
    assert cli.main(["run", "--portfolio", str(path), "--quiet", "--force"]) == 1
    out = capsys.readouterr().out
    assert "0 个评价已生成,1 个有失败的章节" in out


def test_run_records_hold_warning_counts_not_every_warning(tmp_path, engine, capsys):
    from minimal import rows

    spending = rows("spending.xlsx", "支出") + [["A-1", f"2019-01-{day:02d}", 1, "跨期"] for day in range(1, 31)]
    build(tmp_path / "raw", {("spending.xlsx", "支出"): spending})
    params = workspace(tmp_path)
    capsys.readouterr()
    assert run(params) == 0
    err = capsys.readouterr().err
    snapshot = json.loads((tmp_path / "out" / EVALUATION / ".jixiao" / "run.json").read_text(encoding="utf-8"))
    assert snapshot["warnings"]["count"] >= 30 and len(snapshot["warnings"]["first"]) == 20
    assert "另有" in err and len([line for line in err.splitlines() if "评价期" in line]) <= 20
    assert run(params) == 0  # a no-op re-run names the same few and the count
    assert "另有" in capsys.readouterr().err
    index = json.loads((tmp_path / "out" / EVALUATION / "index.json").read_text(encoding="utf-8"))
    assert index["executed"] == 0


def test_a_full_disk_says_about_how_much_the_rest_of_the_run_needs(tmp_path, engine, monkeypatch, capsys):
    from jixiao.core.atomic import atomic_write_bytes

    engine.padding = 1_000_000
    written = []

    def counted(target, data):
        written.append(len(data))
        atomic_write_bytes(target, data)

    monkeypatch.setattr("jixiao.run.batch.atomic_write_bytes", counted)
    assert run(workspace(tmp_path / "whole")) == 0
    whole = list(written)
    assert len(whole) > 8  # enough writes for the full disk to come part-way
    written.clear()
    room = sum(whole[:4])  # the disk fills after the fourth write

    def filling(target, data):
        if sum(written) + len(data) > room:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        counted(target, data)

    monkeypatch.setattr("jixiao.run.batch.atomic_write_bytes", filling)
    capsys.readouterr()
    assert run(workspace(tmp_path / "full")) == 3
    [line] = [line for line in capsys.readouterr().err.splitlines() if "磁盘" in line]
    estimate = float(re.search(r"还需约 ([0-9.]+) MB", line).group(1)) * 1e6
    needed = sum(whole) - room
    assert needed / 1.5 <= estimate <= needed * 1.5, (estimate, needed)


def test_a_full_disk_while_writing_an_index_gives_exit_3_for_a_portfolio_too(tmp_path, engine, monkeypatch, capsys):
    path = portfolio(tmp_path)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("jixiao.run.batch.write_index", full)
    capsys.readouterr()
    assert cli.main(["run", "--portfolio", str(path), "--quiet"]) == 3
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "磁盘" in line]
    assert f"无法写入 {tmp_path / 'reports' / EVALUATION}" in line and "Traceback" not in err


def test_the_portfolio_index_is_kept_while_it_matches_and_rebuilt_when_edited(tmp_path, engine):
    path = portfolio(tmp_path)
    index = tmp_path / "reports" / "index.json"
    assert cli.main(["run", "--portfolio", str(path), "--quiet"]) == 0
    good = index.read_bytes()
    assert sorted(p.name for p in (tmp_path / "reports").iterdir() if p.is_dir()) == [EVALUATION]
    assert cli.main(["run", "--portfolio", str(path), "--quiet"]) == 0
    assert index.read_bytes() == good  # same rows: the index of the run that made them stands
    index.write_bytes(good.replace(b'"sections_failed": 0', b'"sections_failed": 9'))
    assert cli.main(["run", "--portfolio", str(path), "--quiet"]) == 0
    assert b'"sections_failed": 9' not in index.read_bytes()


def test_an_unchanged_rerun_imports_no_pandas_matplotlib_or_exporters(tmp_path, engine):
    params = workspace(tmp_path)
    assert run(params) == 0
    code = ("import sys; from jixiao import cli; code = cli.main(['run', '--params', sys.argv[1], '--quiet']); "
            "print(code, sorted(m for m in ('pandas', 'matplotlib', 'nbconvert', 'weasyprint', 'jixiao.sections') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(params)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "0 []"


def test_run_records_and_intake_json_hold_the_normalised_counts_and_first_cells(tmp_path, engine, capsys):
    from minimal import rows

    spending = rows("spending.xlsx", "支出") + [["A-1", f"2021.1.{day}", 1, "进度款"] for day in range(1, 31)]
    build(tmp_path / "raw", {("spending.xlsx", "支出"): spending})
    params = workspace(tmp_path)
    capsys.readouterr()
    assert run(params) == 0
    assert "已自动规范 30 个单元格" in capsys.readouterr().err
    snapshot = json.loads((tmp_path / "out" / EVALUATION / ".jixiao" / "run.json").read_text(encoding="utf-8"))
    assert snapshot["normalised"]["counts"] == {"date_text": 30}
    assert len(snapshot["normalised"]["first"]["date_text"]) == 20  # the first few, never every cell
    intake = json.loads((tmp_path / "out" / EVALUATION / "intake.json").read_text(encoding="utf-8"))
    assert intake["normalised"]["counts"] == {"date_text": 30}
    assert intake["normalised"]["first"]["date_text"][0] == {
        "file": "spending.xlsx", "sheet": "支出", "row": 5, "column": "支付日期", "typed": "'2021.1.1'",
        "read": "2021-01-01"}
    assert intake["normalised"]["kinds"]["date_text"]["zh"].startswith("以文本填写的日期")
    assert intake["warnings"]["count"] == 0 and set(intake["inputs"]) >= {"spending.xlsx"}
    assert run(params) == 0  # a no-op re-run keeps the record
    snapshot = json.loads((tmp_path / "out" / EVALUATION / ".jixiao" / "run.json").read_text(encoding="utf-8"))
    assert snapshot["normalised"]["counts"] == {"date_text": 30}


DRIVER = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from helpers import InlineEngine
import jixiao.run.scheduler, jixiao.run.batch as batch
from jixiao import cli
engine = InlineEngine()
jixiao.run.scheduler.make_scheduler = lambda choice, jobs, kernels=True: engine
point = sys.argv[2]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if point == "results":  # results written, nothing stored yet
    batch.Store.begin = die
elif point == "sections":  # the third page half done: its temp file written, not renamed
    real, calls = batch.atomic_write_bytes, []
    def write(target, data):
        calls.append(target)
        if len(calls) == 5:
            with open(target.parent / f".{{target.name}}.jixiao-{{os.getpid()}}-abcd1234.part", "wb") as fh:
                fh.write(data[: len(data) // 2])
            die()
        real(target, data)
    batch.atomic_write_bytes = write
elif point == "report":  # every section stored, no report yet
    batch.Store.write_report = die
sys.exit(cli.main(["run", "--params", sys.argv[1], "--quiet"]))
"""


def tree_files(tree: Path) -> dict[str, bytes]:
    """What a reader gets: every file but the run's own records and the index (they carry times)."""
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in sorted(tree.rglob("*"))
            if p.is_file() and ".jixiao" not in p.relative_to(tree).parts and not p.name.startswith("index.")
            and p.name != ".jixiao-run.lock"}


@pytest.mark.parametrize("point", ["results", "sections", "report"])
def test_a_run_killed_at_any_point_then_rerun_equals_a_clean_run(tmp_path, engine, point):
    reference = workspace(tmp_path / "reference")
    assert run(reference) == 0
    shutil.copytree(tmp_path / "reference" / "raw", tmp_path / "killed" / "raw")  # the same bytes, the same inputs
    params = workspace(tmp_path / "killed")
    driver = DRIVER.format(tests=str(Path(__file__).parent))
    killed = subprocess.run([sys.executable, "-c", driver, str(params), point], capture_output=True, text=True,
                            timeout=120)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert run(params) == 0
    clean = tree_files(tmp_path / "reference" / "out" / EVALUATION)
    assert tree_files(tmp_path / "killed" / "out" / EVALUATION) == clean


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT])
def test_a_second_stop_while_cleaning_up_is_the_same_stop(tmp_path, engine, capsys, second):
    # GNU timeout's two SIGTERMs 10 ms apart, or Ctrl-C pressed twice: the second arrives during the cleanup
    params = workspace(tmp_path)
    capsys.readouterr()
    # the handlers the run finds are the ones it restores: start from Python's own, whatever ran before
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    engine.interrupt_before_report = True
    engine.kill = lambda: (os.kill(os.getpid(), second), time.sleep(0.05))
    assert run(params) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line] == [
        f"已中断:{tmp_path / 'out' / EVALUATION} 中的报告不完整;再次运行即可补全"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handlers are restored


def test_an_unprintable_title_is_refused_before_anything_is_replaced(tmp_path, engine, capsys):
    params = workspace(tmp_path)
    tree = tmp_path / "out" / EVALUATION
    assert run(params) == 0
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file() and ".jixiao" not in p.parts}
    workspace(tmp_path, project="信任测试😀")
    capsys.readouterr()
    assert run(params) == 2
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.strip()] == [
        "错误:参数 project 含有报告字体无法打印的字符 😀(U+1F600);应删去或换成常用字符"]
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file() and ".jixiao" not in p.parts} == before


@pytest.mark.parametrize("encoding, note", [("utf-8-sig", False), ("gbk", True)])
def test_a_bom_or_gbk_template_runs(tmp_path, engine, capsys, encoding, note):
    params = workspace(tmp_path)
    data = json.loads(params.read_text(encoding="utf-8"))
    (tmp_path / "report.md").write_bytes("# 一、概况\n\n支出率{{ expenditure.rate }}。\n".encode(encoding))
    data["report"] = {"template": "report.md"}
    params.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert run(params) == 0
    said = [line for line in capsys.readouterr().err.splitlines() if "GB18030" in line]
    assert said == (["注意:报告模板 report.md 以 GB18030(GBK)编码读取;建议另存为 UTF-8"] if note else [])
