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
    assert {p: p.stat().st_mtime_ns for p in tree.rglob("*.pdf") if p.stem != "report"} == \
        {p: t for p, t in pdfs.items() if p.stem != "report"}
