"""The bad-input corpus: every way an analyst's workbooks can be wrong, fed to ``jixiao validate`` and ``jixiao run``.

Each case (tests/badinputs.py) copies the valid Dongguan workbooks into a scratch folder and
breaks one thing. For every case:

* ``jixiao validate RAW --span 2019-2021`` exits 2 on an error (0 for warning-only and clean
  cases) and prints the exact problem line: file, sheet, row as Excel shows it, column header;
* ``jixiao run`` (error cases only) exits 2 before any notebook starts, exports nothing and
  caches nothing;
* no Traceback anywhere; the input files are byte-identical afterwards;
* bombs (zip and entity expansion) are refused fast and with bounded memory.

The commands run as subprocesses (the console script), each under a small wrapper that
reports the child's peak RSS. Validate and run of one case are started together.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from badinputs import CASES, CASES_BY_NAME, FORMULA, SPAN, Case, copy_reference
from batchrun import jixiao

from jixiao.intake.folder import cache_dir

_SCRIPT = Path(sys.executable).with_name("jixiao")
JIXIAO = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "jixiao.cli"]

# runs argv[3:], then writes "<wall seconds> <peak RSS of its children in KiB>" to argv[1]
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.monotonic()\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "t = time.monotonic() - t\n"
    "open(sys.argv[1], 'w').write(f'{t} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}')\n"
    "sys.exit(rc)\n"
)
TIMEOUT = 120  # a hang is a failure, not a stuck suite
BOMB_SECONDS = 5.0
MAX_RSS_MB = 500
LOCK_FILE = ".jixiao-run.lock"  # the run's flock file: not an export, not a temp file; it is allowed to stay

PARAMS = """evaluation: case
project: 测试
raw_dir: {raw}
span: 2019-2021
periods: [2019-2021]
out_dir: out
"""


@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str
    seconds: float
    rss_mb: float

    @property
    def out_lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def describe(self) -> str:
        return f"exit {self.rc}\n--- stdout\n{self.stdout[-4000:]}\n--- stderr\n{self.stderr[-4000:]}"


@dataclass
class Outcome:
    root: Path
    raw: Path
    processed: Path  # where a cache of ``raw`` would be: none may be written from bad inputs
    before: dict[str, str]
    after: dict[str, str]
    validate: Result
    run: Result | None


def tree_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (hidden ones too), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    """Files under ``folder`` other than the run lock (exports, metrics.json, index, hidden *.part files)."""
    if not folder.exists():
        return []
    return [str(p.relative_to(folder)) for p in sorted(folder.rglob("*")) if p.is_file() and p.name != LOCK_FILE]


def _start(args: list[str], cwd: Path, env: dict, stats: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", MEASURE, str(stats), *JIXIAO, *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            errors="replace")


def _finish(proc: subprocess.Popen, stats: Path) -> Result:
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"timed out after {TIMEOUT} s:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    seconds, rss_kib = stats.read_text().split()
    return Result(proc.returncode, stdout, stderr, float(seconds), int(rss_kib) / 1024)


_OUTCOMES: dict[str, Outcome] = {}


def outcome(case: Case, base: Path) -> Outcome:
    """Build the case once, run validate (and run, for an error case) side by side, keep the results."""
    if case.name in _OUTCOMES:
        return _OUTCOMES[case.name]
    root = base / case.name
    raw = root / case.folder
    copy_reference(raw)
    case.build(raw)
    before = tree_hashes(raw)
    (root / "params.yaml").write_text(PARAMS.format(raw=case.folder), encoding="utf-8")
    commands = {"validate": ["validate", str(raw), "--span", SPAN]}
    if case.expect == "error":
        commands["run"] = ["run", "--params", str(root / "params.yaml"), "--quiet"]
    if case.bomb:  # time and peak memory are measured on a process of its own, side by side, caching apart
        processed = root / "processed"
        processed.mkdir()
        env = {**os.environ, "JIXIAO_PROCESSED_DIR": str(processed)}
        procs = {name: (_start(args, root, env, root / f"{name}.stats"), root / f"{name}.stats")
                 for name, args in commands.items()}
        results = {name: _finish(proc, stats) for name, (proc, stats) in procs.items()}
    else:  # in this process (batchrun), as the command line runs it; the session's cache holds this folder's here
        processed = cache_dir(raw)
        results = {}
        for name, args in commands.items():
            began = time.monotonic()
            done = jixiao(*args, cwd=root)
            results[name] = Result(done.returncode, done.stdout, done.stderr, time.monotonic() - began, 0.0)
    _OUTCOMES[case.name] = Outcome(root, raw, processed, before, tree_hashes(raw), results["validate"],
                                   results.get("run"))
    return _OUTCOMES[case.name]


@pytest.fixture(autouse=True)
def processed_dir(tmp_path, monkeypatch):
    """Anything run in-process caches into a scratch folder, never the repo's data/processed."""
    folder = tmp_path / "processed"
    monkeypatch.setenv("JIXIAO_PROCESSED_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bad-inputs")


def _params(cases, only=None):
    chosen = [c for c in cases if only is None or only(c)]
    return [pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
            for c in chosen]


def _assert_lines(case: Case, lines: list[str], prefix: str, result: Result) -> None:
    for expected in case.lines:
        assert prefix + expected in lines, f"missing line:\n{prefix}{expected}\n{result.describe()}"
    for fragments in case.parts:
        first = prefix + fragments[0]
        hits = [ln for ln in lines if ln.startswith(first) and all(f in ln for f in fragments[1:])]
        assert hits, f"no line starting {first!r} containing {fragments[1:]}\n{result.describe()}"


def _assert_bounded(case: Case, result: Result) -> None:
    if case.bomb:
        assert result.seconds < BOMB_SECONDS, f"took {result.seconds:.1f} s\n{result.describe()}"
        assert result.rss_mb < MAX_RSS_MB, f"peak RSS {result.rss_mb:.0f} MB\n{result.describe()}"


@pytest.mark.parametrize("case", _params(CASES))
def test_validate(case: Case, corpus: Path):
    o = outcome(case, corpus)
    r = o.validate
    assert "Traceback" not in r.stdout and "Traceback" not in r.stderr, r.describe()
    summary = r.out_lines[-1] if r.out_lines else ""
    if case.expect == "error":
        assert r.rc == 2, r.describe()
        assert summary.startswith(f"{o.raw}:") and summary.endswith(" 个警告;请改正错误后再运行。"), r.describe()
        assert any(ln.startswith("错误:") for ln in r.out_lines), r.describe()
    elif case.expect == "warning":
        assert r.rc == 0, r.describe()
        assert summary.startswith(f"{o.raw}:有效(") and summary.endswith(" 个警告)。") and "有效(0 " not in summary, \
            r.describe()
        assert not any(ln.startswith("错误:") for ln in r.out_lines), r.describe()
    else:
        assert r.rc == 0, r.describe()
        assert r.out_lines == [f"{o.raw}:有效(0 个警告)。"], r.describe()
    if case.exact:
        assert r.out_lines[:-1] == list(case.lines), r.describe()
    _assert_lines(case, r.out_lines, "", r)
    _assert_bounded(case, r)
    assert o.after == o.before, "validate changed or added input files"


@pytest.mark.parametrize("case", _params(CASES, only=lambda c: c.expect == "error"))
def test_run_refuses_before_any_notebook(case: Case, corpus: Path):
    o = outcome(case, corpus)
    r = o.run
    assert "Traceback" not in r.stdout and "Traceback" not in r.stderr, r.describe()
    assert r.rc == 2, r.describe()
    # stopped at the input check (not, say, at missing notebooks), and said why
    assert f"错误:{o.raw} 中的输入有错误,未导出任何内容:" in r.err_lines, r.describe()
    _assert_lines(case, r.err_lines, "  ", r)
    _assert_bounded(case, r)
    assert leftovers(o.root / "out") == [], r.describe()
    assert leftovers(o.processed) == [], "the processed cache was written from bad inputs"
    assert o.after == o.before, "run changed or added input files"


def test_header_only_sheet_loads_as_zero_rows(corpus: Path):
    """Current behaviour: a sheet with headers and no rows is no error; it loads as an empty typed frame."""
    from jixiao.contract.sheets import SHEETS_BY_KEY
    from jixiao.intake.folder import read_raw

    o = outcome(CASES_BY_NAME["header_only_sheet"], corpus)
    evaluation = read_raw(o.raw, (2019, 2021))
    assert evaluation.errors == [] and evaluation.warnings == []
    frame = evaluation.table("scoring")
    assert frame is not None and len(frame) == 0
    assert list(frame.columns) == ["excel_row", *SHEETS_BY_KEY["scoring"].column_names]
    assert tree_hashes(o.raw) == o.before


def test_formula_message_names_row_and_header(corpus: Path):
    o = outcome(CASES_BY_NAME["formula_no_cached_value"], corpus)
    line = f"错误:spending.xlsx,工作表 支出,第 2 行,列 支付金额(万元):{FORMULA}"
    assert line in o.validate.out_lines, o.validate.describe()


@pytest.mark.parametrize("how", ["--lang", "JIXIAO_LANG"])
def test_messages_in_english_on_request(how: str, corpus: Path):
    """The same problems, in English, with --lang en or JIXIAO_LANG=en."""
    o = outcome(CASES_BY_NAME["problems_in_row_order"], corpus)
    args = [*JIXIAO, "validate", str(o.raw), "--span", SPAN] + (["--lang", "en"] if how == "--lang" else [])
    env = {**os.environ, "JIXIAO_LANG": "en"} if how == "JIXIAO_LANG" else {**os.environ, "JIXIAO_LANG": ""}
    r = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", env=env, timeout=TIMEOUT)
    money = "expected an amount in 万元: a plain number such as 1234.56 (no unit, no % sign)"
    assert r.returncode == 2
    assert r.stdout.splitlines() == [
        f"error: spending.xlsx, sheet 支出, row 4, column 支付金额(万元): found '待定'; {money}",
        "error: spending.xlsx, sheet 支出, row 6, column 子项目编号: found 'DG-2099-999'; "
        "expected a 子项目编号 listed in subprojects.xlsx",
        f"error: spending.xlsx, sheet 支出, row 8, column 支付金额(万元): found '待定'; {money}",
        f"{o.raw}: 3 error(s), 0 warning(s); fix the errors and run again.",
    ]
    warned = outcome(CASES_BY_NAME["amounts_in_yuan_under_wan_header"], corpus)
    args = [*JIXIAO, "validate", str(warned.raw), "--span", SPAN] + (["--lang", "en"] if how == "--lang" else [])
    r = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", env=env, timeout=TIMEOUT)
    assert r.returncode == 0
    assert r.stdout.splitlines() == [
        "warning: spending.xlsx, sheet 支出, rows 2, 3, 4, 5, column 支付金额(万元): the payments to DG-2019-001 add up "
        "to 6,534,600 万元, 8,104 times its approved amount of 806.33 万元 (over 150%); near 10,000 times: the amounts "
        "look typed in 元 under a 万元 header",
        f"{warned.raw}: valid (1 warning(s)).",
    ]


def test_corpus_names_are_unique():
    assert len(CASES_BY_NAME) == len(CASES)
    assert all(c.expect in ("error", "warning", "clean") for c in CASES)
