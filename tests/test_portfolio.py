"""A portfolio of evaluations on one scheduler: the local pool, a Dask cluster losing a worker, a LocalCluster of the
run's own."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from batchrun import JIXIAO, JOBS, jixiao
from conftest import PROJECT_ROOT
from openpyxl import load_workbook
from pypdf import PdfReader

SCRIPT = PROJECT_ROOT / "scripts" / "make_portfolio.py"


def make_portfolio(folder: Path, n: int, *, bad: str | None = None) -> Path:
    """``n`` synthetic evaluations, each reporting its whole span only (keeps the test short); ``bad``: the
    evaluation whose spending sheet gets an amount that is no number."""
    subprocess.run([sys.executable, SCRIPT, str(n), str(folder)], check=True, capture_output=True)
    for params_file in folder.glob("e*/params.yaml"):
        params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
        params["periods"] = [params["span"]]
        params_file.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    if bad:
        path = folder / bad / "raw" / "spending.xlsx"
        wb = load_workbook(path)
        wb.active["C2"] = "七百万"
        wb.save(path)
    return folder / "portfolio.yaml"


def metrics_files(reports: Path) -> dict[str, dict]:
    return {str(p.relative_to(reports)): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(reports.glob("*/*/metrics.json"))}


@pytest.fixture(scope="module")
def portfolio_run(tmp_path_factory):
    """The local pool's run of three evaluations, the third refused: (result, reports folder). --no-pdf: the tests
    reading it check the machinery (refusals, the index, the metrics Dask must equal); the Dask run reads every PDF."""
    base = tmp_path_factory.mktemp("portfolio")
    portfolio = make_portfolio(base, 3, bad="e03")
    return jixiao("run", "--portfolio", portfolio, "--jobs", JOBS, "--quiet", "--no-pdf"), base / "reports"


def test_a_refused_evaluation_is_named_and_the_others_run(portfolio_run):
    result, reports = portfolio_run
    assert result.returncode == 2, result.stderr[-2000:]
    assert "spending.xlsx" in result.stderr and "七百万" in result.stderr
    assert sorted(p.name for p in reports.iterdir() if p.is_dir()) == ["e01", "e02", "e03"]
    assert not list((reports / "e03").glob("*/*.html"))  # refused: nothing exported
    pages = list(reports.glob("e0[12]/*/expenditure.html"))
    assert len(pages) == 2 and all("支出率" in html.read_text(encoding="utf-8") for html in pages)  # the shipped results
    index = json.loads((reports / "index.json").read_text(encoding="utf-8"))
    assert [e["evaluation"] for e in index["evaluations"]] == ["e01", "e02"]
    assert [r["evaluation"] for r in index["refused"]] == ["e03"]


def test_the_portfolio_index_links_every_evaluation_and_sorts(portfolio_run):
    _, reports = portfolio_run
    html = (reports / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', html))
    for name in ("e01", "e02"):
        assert f"{name}/index.html" in links
        assert any(link.startswith(f"{name}/") and link.endswith(".html") and "index" not in link for link in links)
    assert all((reports / link).is_file() for link in links)
    index = json.loads((reports / "index.json").read_text(encoding="utf-8"))
    charted = [e for e in index["evaluations"] if e["score"] is not None and e["execution_rate"] is not None]
    assert "jx-sortable" in html and "data-sort=" in html
    assert charted and "data:image/png;base64," in html  # e02 has a score sheet
    assert "e03" in html and "未运行的评价" in html
    e01 = json.loads(next((reports / "e01").glob("*/metrics.json")).read_text(encoding="utf-8"))
    row = index["evaluations"][0]
    assert row["execution_rate"] == e01["expenditure"]["rate"]
    assert row["score"] == (e01["scoring"] or {}).get("total")


def test_on_a_dask_cluster_a_worker_killed_mid_run_is_replaced_and_the_metrics_are_the_local_pools(portfolio_run,
                                                                                                   tmp_path):
    """A Dask cluster of the bureau's (here a LocalCluster, given by its address) runs the local pool's portfolio:
    one of its workers killed while the run goes on is replaced, its task run again, and every figure is the local
    pool's."""
    import dask
    from distributed import Client, LocalCluster

    portfolio = make_portfolio(tmp_path, 3, bad="e03")
    reports = tmp_path / "reports"
    with dask.config.set({"distributed.scheduler.allowed-failures": 2}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        try:
            pids = list(client.run(os.getpid).values())
            proc = subprocess.Popen([*JIXIAO, "run", "--portfolio", portfolio, "--jobs", "2", "--quiet",
                                     "--scheduler", cluster.scheduler_address],
                                    cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and not list(reports.glob("*/.jixiao/keys/*/*.json")):
                time.sleep(0.1)
            assert proc.poll() is None, "the run ended before a worker could be killed"
            os.kill(pids[0], signal.SIGKILL)  # a worker busy with (or about to take) a notebook
            _, err = proc.communicate(timeout=300)
        finally:
            client.close()
            cluster.close()
    assert proc.returncode == 2, err[-3000:]  # e03 refused, as on the local pool; nothing else failed
    assert "spending.xlsx" in err and "七百万" in err
    local = metrics_files(portfolio_run[1])
    assert metrics_files(reports) == local and len(local) == 2
    for name in ("e01", "e02"):
        index = json.loads((reports / name / "index.json").read_text(encoding="utf-8"))
        assert all(r["status"] == "ok" for r in index["results"]), index["results"]
        for r in index["results"]:
            for rel in r["files"].values():
                if rel.endswith(".pdf"):
                    PdfReader(reports / name / rel)
        for html in (reports / name).glob("*/expenditure.html"):
            assert "支出率" in html.read_text(encoding="utf-8")  # the notebook saw the shipped results
    assert not [p for p in reports.rglob(".*.part*")]


def test_scheduler_dask_makes_a_local_cluster_of_jobs_workers_each_with_its_warm_kernel_and_closes_it():
    """``--scheduler dask``: the run's own LocalCluster of ``--jobs`` single-threaded workers, each starting its warm
    kernel as it joins (the plugin), closed with the run. (The test above runs notebooks on a Dask cluster.)"""
    from jixiao.run.scheduler import DaskScheduler, make_scheduler, parse_scheduler

    def kernel_alive() -> bool:
        from jixiao.run.kernel import warm_kernel

        return warm_kernel().alive

    engine = make_scheduler(parse_scheduler("dask"), 1)  # one: each worker costs a process and a kernel
    try:
        assert isinstance(engine, DaskScheduler) and engine.usable
        workers = engine.client.scheduler_info()["workers"].values()
        assert [w["nthreads"] for w in workers] == [1]
        assert list(engine.client.run(kernel_alive).values()) == [True]
    finally:
        engine.shutdown()
    assert not engine.usable and engine.cluster.status.name == "closed"
