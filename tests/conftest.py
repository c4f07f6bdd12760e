"""Shared fixtures. The processed cache of every test goes to a scratch folder, never data/processed."""

from __future__ import annotations

import functools
import os
import re
import tempfile
from pathlib import Path

os.environ["JIXIAO_PROCESSED_DIR"] = tempfile.mkdtemp(prefix="jixiao-test-processed-")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
import yaml  # noqa: E402
from openpyxl import Workbook  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DONGGUAN_RAW = PROJECT_ROOT / "data" / "raw" / "dongguan-2019-2021"
FIGURES = yaml.safe_load((Path(__file__).parent / "dongguan_figures.yaml").read_text(encoding="utf-8"))


# ``make test`` runs the suite in two processes: pytest-xdist, ``--dist loadfile`` as adjusted here. Each unit of work
# runs whole in one process. The tests reading the session's ``dongguan_batch`` (test_batch, test_document,
# test_selfeval_run) are one unit, so that the batch is run once. A file declaring a fixture shared beyond one test
# (scope module, class or session) is one unit, so that it is built once and its tests run in their order. Any other
# test is a unit of its own, so that slow independent tests (a papermill run, a batch each) spread over both
# processes. (xdist's own
# ``loadgroup`` cannot do this: its group marks are lost under pytest 9.2, pytest-xdist issue 1386.)
SHARED_BATCH = ("test_batch.py", "test_document.py", "test_selfeval_run.py")
# Units are handed out longest first, so that no process is left alone with a long one at the end: the shared batch,
# then the files whose tests run batches of their own, kill runs or start clusters (10-40 s a test, measured in
# `make test`), then the rest by their number of tests (xdist's own order).
SLOW_FILES = ("test_incremental.py", "test_portfolio.py", "test_faults.py", "test_report_parts.py",
              "test_new_evaluation.py", "test_watch.py", "test_no_pdf.py", "test_papermill_cli.py",
              "test_education_example.py", "test_keep.py", "test_national_outline.py", "test_road_example.py",
              "test_summary.py")


@functools.cache
def _shares_fixtures(path: Path) -> bool:
    return re.search(r'scope="(module|class|package|session)"', path.read_text(encoding="utf-8")) is not None


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # a plain pytest without xdist knows no such hook
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if Path(path).name in SHARED_BATCH:
                return "dongguan_batch"
            return path if _shares_fixtures(config.rootpath / path) else nodeid

        def _assign_work_unit(self, node) -> None:
            def weight(scope: str) -> tuple:
                name = Path(scope.split("::", 1)[0]).name
                return scope == "dongguan_batch", name in SLOW_FILES, len(self.workqueue[scope])

            self.workqueue.move_to_end(max(self.workqueue, key=weight), last=False)
            super()._assign_work_unit(node)

    return Scheduling(config, log)


def pytest_sessionfinish(session, exitstatus):
    from batchrun import shutdown_pools

    shutdown_pools()  # the session's warm workers (batchrun.kept_pool); they would also end with this process


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with the given sheets, each a list of rows (the first row being the header)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@pytest.fixture(scope="session")
def dongguan():
    from jixiao.intake.folder import load_evaluation

    return load_evaluation(DONGGUAN_RAW, use_cache=False, span=(2019, 2021))


@pytest.fixture(scope="session")
def dongguan_metrics(dongguan):
    from jixiao.core.period import Period
    from jixiao.sections import compute_period

    span = Period(2019, 2021)
    return compute_period(dongguan.tables, span, span, "东莞").metrics


DONGGUAN_PERIODS = ("2019-2021", "2019")  # the whole span and one year: what test_batch and test_document read
DONGGUAN_YEARS = ("2019", "2020", "2021")  # each year's 自评表 and annual report: what test_selfeval_run reads


@pytest.fixture(scope="session")
def dongguan_batch(tmp_path_factory):
    """``jixiao run`` of params.yaml for DONGGUAN_PERIODS and DONGGUAN_YEARS, once for the whole session: (result,
    tree). Read it only; a test that changes outputs or re-runs works on its own copy (``tree_copy``)."""
    from batchrun import JOBS, jixiao

    out = tmp_path_factory.mktemp("dongguan-batch")
    args = ["run", "--params", PROJECT_ROOT / "params.yaml", "--out", out, "--jobs", JOBS, "--quiet"]
    for period in dict.fromkeys(DONGGUAN_PERIODS + DONGGUAN_YEARS):
        args += ["--period", period]
    result = jixiao(*args)
    evaluation = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))["evaluation"]
    return result, out / evaluation
