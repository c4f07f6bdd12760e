"""``jixiao run --no-pdf``: pages and reports as HTML and Word only (an analyst's quick iteration); the index
links no PDF that was not made, and the next run without the option makes every PDF."""
from __future__ import annotations

import json
import re

from batchrun import JOBS, jixiao
from minimal import build


def test_no_pdf_writes_none_links_none_and_a_later_run_makes_them(tmp_path):
    build(tmp_path / "raw")
    params = tmp_path / "params.yaml"
    params.write_text(json.dumps({"evaluation": "np", "project": "某县道路项目", "raw_dir": "raw", "span": "2020-2021",
                                  "periods": ["2020-2021"], "out_dir": "out"}, ensure_ascii=False), encoding="utf-8")
    tree = tmp_path / "out" / "np"

    def links() -> set[str]:
        return set(re.findall(r'href="([^"]+)"', (tree / "index.html").read_text(encoding="utf-8")))

    quick = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet", "--no-pdf")
    assert quick.returncode == 0, quick.stderr[-2000:]
    assert sorted(p.name for p in tree.rglob("*.pdf")) == []
    assert (tree / "2020-2021" / "report.html").is_file() and (tree / "2020-2021" / "report.docx").is_file()
    assert (tree / "2020-2021" / "expenditure.html").is_file()
    assert not [link for link in links() if link.endswith(".pdf")]
    report = json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]["2020-2021"]
    assert "pdf" not in report["files"] and report["files"]["docx"] == "2020-2021/report.docx"

    full = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet")
    assert full.returncode == 0, full.stderr[-2000:]
    made = {p.relative_to(tree).as_posix() for p in tree.rglob("*.pdf")}
    pages = {p.relative_to(tree).with_suffix(".pdf").as_posix() for p in (tree / "2020-2021").glob("*.html")
             if p.stem not in ("report", "workpapers")}
    assert "2020-2021/report.pdf" in made and pages and pages <= made
    assert {"2020-2021/report.pdf", *pages} <= links()

    # drafting after a full run: the pages and the report made with their PDFs stand as they are (PDFs current)
    pdfs = {p: p.stat().st_mtime_ns for p in tree.rglob("*.pdf")}
    again = jixiao("run", "--params", params, "--jobs", JOBS, "--no-pdf")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "(执行 0 个," in again.stdout and "报告:重建 无;" in again.stdout, again.stdout
    assert {p: p.stat().st_mtime_ns for p in tree.rglob("*.pdf")} == pdfs
    assert {"2020-2021/report.pdf", *pages} <= links()

    # a workbook saved again, its values the same: the pages that read it stand (early cut-off), PDFs and all
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "raw" / "survey.xlsx")
    book.properties.title = "再次保存"  # the bytes change, the values do not
    book.save(tmp_path / "raw" / "survey.xlsx")
    saved = jixiao("run", "--params", params, "--jobs", JOBS, "--no-pdf")
    assert saved.returncode == 0, saved.stderr[-2000:]
    assert "(执行 0 个," in saved.stdout, saved.stdout
    # of the report, only the workpapers name the inputs' SHA-256: the HTML and Word file a full run made stand,
    # and so does its PDF (no output's key says whether the run makes PDFs)
    assert "报告:重建 2020-2021(workpapers);" in saved.stdout, saved.stdout
    assert {p: p.stat().st_mtime_ns for p in tree.rglob("*.pdf")} == pdfs
    assert "2020-2021/report.pdf" in links()


def test_params_turned_synthetic_mark_every_page_though_no_figure_moved(tmp_path):
    """The example mark is part of what makes a page: a page whose figures stand is made again when the params
    say its rows are invented (early cut-off keeps nothing made without the mark)."""
    build(tmp_path / "raw")
    params = tmp_path / "params.yaml"
    settings = {"evaluation": "mark", "project": "某县道路项目", "raw_dir": "raw", "span": "2020-2021",
                "periods": ["2020"], "out_dir": "out"}
    params.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
    tree = tmp_path / "out" / "mark"
    first = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet", "--no-pdf")
    assert first.returncode == 0, first.stderr[-2000:]
    pages = sorted(p for p in (tree / "2020").glob("*.html") if p.stem not in ("report", "workpapers"))
    assert pages and not any("示例（模拟数据）" in p.read_text(encoding="utf-8") for p in pages)
    params.write_text(json.dumps({**settings, "synthetic": True}, ensure_ascii=False), encoding="utf-8")
    marked = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet", "--no-pdf")
    assert marked.returncode == 0, marked.stderr[-2000:]
    assert f"(执行 {len(pages)} 个," in marked.stdout, marked.stdout
    assert all("示例（模拟数据）" in p.read_text(encoding="utf-8") for p in pages)
