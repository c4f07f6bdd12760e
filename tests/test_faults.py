"""Runs that go wrong: killed mid-way, unwritable output, two at once, parameters that try to escape."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batchrun import JIXIAO, JOBS, jixiao, worker_processes
from conftest import PROJECT_ROOT
from pypdf import PdfReader

from jixiao.run.batch import Lock
from jixiao.sections import SECTIONS as REGISTRY

SECTIONS = tuple(s.key for s in REGISTRY)


def params_file(folder, **overrides):
    if not (folder / "raw").exists():
        shutil.copytree(PROJECT_ROOT / "data/raw/dongguan-2019-2021", folder / "raw")
    data = {"evaluation": "fault", "project": "故障测试", "raw_dir": "raw",
            "span": "2019-2021", "periods": ["2019"], "out_dir": "out"}
    data.update(overrides)
    path = folder / "params.yaml"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def assert_no_partial_files(tree, allow_temp=False):
    """Every file under a final name is whole; temp files (hidden, *.part*) only where allowed."""
    for path in tree.rglob("*"):
        if path.is_dir() or path.name == ".jixiao-run.lock":
            continue
        if allow_temp and path.name.startswith(".") and ".part" in path.name:
            continue
        assert not path.name.startswith("."), f"temp file left behind: {path}"
        if path.suffix == ".pdf":
            PdfReader(path)  # raises on a truncated PDF
        elif path.suffix in (".ipynb", ".json"):
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".html":
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_run_leaves_no_partial_file_and_a_rerun_completes(tmp_path, sig):
    params = params_file(tmp_path)
    tree = tmp_path / "out" / "fault"
    proc = subprocess.Popen([*JIXIAO, "run", "--params", params, "--jobs", "1", "--quiet"], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(tree.glob("2019/*.html")):
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, sig)
    if sig == signal.SIGTERM:  # the run stops its workers and kernels itself: the pipes close with it
        _, err = proc.communicate(timeout=60)
    else:  # its orphaned workers and their kernels hold the pipes until they notice and end: wait for it only
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode != 0
    time.sleep(1.5)  # orphaned workers notice their parent is gone and end
    assert not (tree / "index.html").exists()
    # SIGKILL gives no chance to clean up: hidden temp files may stay until the next run removes them
    assert_no_partial_files(tree, allow_temp=sig == signal.SIGKILL)
    if sig == signal.SIGTERM:
        assert "已中断:" in err and "Traceback" not in err
    rerun = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert_no_partial_files(tree)
    for section in ("overview", "expenditure", "milestones"):  # 2019 has no survey, reviews or scores: 不适用
        for ext in ("ipynb", "html", "pdf"):
            assert (tree / "2019" / f"{section}.{ext}").is_file()
    assert (tree / "index.html").is_file()


def test_an_unwritable_output_folder_fails_before_any_kernel(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    started = time.monotonic()
    result = jixiao("run", "--params", params_file(tmp_path), "--out", blocker / "sub")
    assert result.returncode == 2
    assert f"错误:输出文件夹 {blocker / 'sub' / 'fault'} 不可写" in result.stderr
    assert time.monotonic() - started < 20 and "Traceback" not in result.stderr


def test_a_second_run_into_the_same_folder_refuses_naming_the_lock(tmp_path):
    params = params_file(tmp_path)
    folder = tmp_path / "out" / "fault"
    folder.mkdir(parents=True)
    with Lock(folder):
        result = jixiao("run", "--params", params)
    assert result.returncode == 2
    assert f"它持有锁 {folder / '.jixiao-run.lock'}" in result.stderr
    assert f"另一个 jixiao 运行(pid {os.getpid()})" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [".jixiao-run.lock"]


@pytest.mark.parametrize("overrides, message", [
    ({"evaluation": "../escape"}, "evaluation 名称 '../escape' 不可用"),
    ({"evaluation": "/etc"}, "evaluation 名称 '/etc' 不可用"),
    ({"out_dir": "../../elsewhere"}, "out_dir '../../elsewhere' 指向 "),
    ({"out_dir": "/tmp/x"}, "out_dir '/tmp/x' 应为相对于 "),
    ({"raw_dir": "../raw"}, "raw_dir '../raw' 指向 "),
    ({"periods": ["2019-20"]}, "期间 '2019-20' 格式有误"),
    ({"periods": ["2018"]}, "期间 2018 在评价期 2019-2021 之外"),
    ({"colour": "red"}, "未知参数 colour"),
    ({"raw_dir": "missing"}, "原始数据文件夹"),
    ({"files": {"spending.xlsx": "../x.xlsx"}}, "files 中 spending.xlsx 的文件名 '../x.xlsx' 不可用"),
    ({"columns": {"spending.xlsx": {"付款金额": "金额"}}}, "columns 中 spending.xlsx 的 '付款金额' 对应到 '金额'"),
    ({"files": {"payments.xlsx": "x.xlsx"}}, "'payments.xlsx' 不是合同的工作簿"),
])
def test_bad_parameters_are_refused_before_any_work(tmp_path, overrides, message):
    result = jixiao("run", "--params", params_file(tmp_path, **overrides))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_notebook_refuses_unknown_or_malformed_parameters():
    from jixiao.contract.params import check_notebook_parameters
    from jixiao.core.problems import ParameterError

    base = dict(evaluation="x", period="2019", span="2019-2021", project="", raw_dir="")
    check_notebook_parameters(**base)
    with pytest.raises(ParameterError, match="未知的笔记本参数 colour"):
        check_notebook_parameters(**base, colour="red")
    with pytest.raises(ParameterError, match="格式有误"):
        check_notebook_parameters(**{**base, "period": "19"})
    with pytest.raises(ParameterError, match="不可用"):
        check_notebook_parameters(**{**base, "evaluation": "a/../../b"})


def test_validate_exit_codes_and_no_traceback(tmp_path):
    clean = jixiao("validate", PROJECT_ROOT / "data/raw/dongguan-2019-2021", "--span", "2019-2021")
    assert clean.returncode == 0 and clean.stdout.strip().endswith("有效(0 个警告)。")
    missing = jixiao("validate", tmp_path / "nowhere")
    # validate DIR_OR_NAME looks for a folder, then a name under data/raw/: neither, and it says so (43eb6a1)
    assert missing.returncode == 2 and f"找不到评价 '{tmp_path / 'nowhere'}'" in missing.stderr, missing.stderr
    assert "Traceback" not in missing.stdout + missing.stderr


def test_module_entry_point_matches_the_console_script():
    result = subprocess.run([sys.executable, "-m", "jixiao.cli", "--version"], capture_output=True, text=True)
    from jixiao import __version__

    assert result.stdout.strip() == f"jixiao {__version__}"


def test_reports_are_never_written_into_the_raw_folder(tmp_path):
    params = params_file(tmp_path)
    (tmp_path / "fault").mkdir()
    before = sorted(p.name for p in (tmp_path / "raw").iterdir())
    result = jixiao("run", "--params", params, "--out", tmp_path / "raw")
    assert result.returncode == 2 and "与原始数据文件夹" in result.stderr and "重叠" in result.stderr
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == before


def test_raw_of_another_evaluation_is_refused(tmp_path):
    """--raw must be the params file's own raw_dir: no run carries another evaluation's title, span or folder."""
    params = params_file(tmp_path)
    (tmp_path / "other").mkdir()
    result = jixiao("run", "--params", params, "--raw", tmp_path / "other", "--out", tmp_path / "out")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"错误:--raw {tmp_path / 'other'} 不是 params.yaml 的 raw_dir({tmp_path / 'raw'});")
    assert "jixiao new" in result.stderr and "--params" in result.stderr
    assert not (tmp_path / "out").exists()
    # without --params the project's params.yaml is the one refusing: its reports are not touched
    reports = PROJECT_ROOT / "reports"
    before = sorted(str(p) for p in reports.rglob("*")) if reports.exists() else []
    default = jixiao("run", "--raw", tmp_path / "other", "--lang", "en")
    assert default.returncode == 2
    assert default.stderr.startswith(f"error: --raw {tmp_path / 'other'} is not the raw_dir of params.yaml ")
    assert (sorted(str(p) for p in reports.rglob("*")) if reports.exists() else []) == before
    same = jixiao("run", "--params", params, "--raw", tmp_path / "raw", "--out", tmp_path / "raw")
    assert same.returncode == 2 and "重叠" in same.stderr  # its own raw_dir is accepted (and then checked)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the pool's workers through /proc")
def test_a_killed_pool_worker_is_one_line_exit_3_and_a_rerun_completes(tmp_path):
    params = params_file(tmp_path)
    tree = tmp_path / "out" / "fault"
    proc = subprocess.Popen([*JIXIAO, "run", "--params", params, "--jobs", "1", "--quiet"], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(tree.glob("2019/*.html")):
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before a worker could be killed"
    os.kill(worker_processes(proc.pid)[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err[-2000:]
    assert err.strip().splitlines() == [line for line in err.strip().splitlines() if "本机进程池" in line]
    assert "重新运行将沿用已完成的部分" in err and "Traceback" not in err
    assert_no_partial_files(tree)
    rerun = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert (tree / "index.html").is_file()
