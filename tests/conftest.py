"""Shared fixtures. The processed cache of every test goes to a scratch folder, never data/processed."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def dongguan_batch(tmp_path_factory):
    """``jixiao run`` of params.yaml for DONGGUAN_PERIODS, once for the whole session: (result, tree). Read it
    only; a test that changes outputs or re-runs works on its own copy (``tree_copy``)."""
    from batchrun import JOBS, jixiao

    out = tmp_path_factory.mktemp("dongguan-batch")
    args = ["run", "--params", PROJECT_ROOT / "params.yaml", "--out", out, "--jobs", JOBS, "--quiet"]
    for period in DONGGUAN_PERIODS:
        args += ["--period", period]
    result = jixiao(*args)
    evaluation = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))["evaluation"]
    return result, out / evaluation
