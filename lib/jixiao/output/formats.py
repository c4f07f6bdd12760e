"""The outputs of a period's report, one line each: its name, file, the index's link text, its writer, the
periods it is written for and what its bytes depend on.

The report task writes every format of the list (``run.execute``), the batch records, keeps and removes their
files and keys its reports on the list (``run.batch``), and the index links them in this order
(``output.index``). Adding an output (the annual 自评表) is one writer and one line in ``FORMATS``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from jixiao.output.document import NORMALISED_CSV  # beside workpapers.html

# what a format's bytes may depend on, besides the period's parts (sections.PeriodParts)
PARTS, TEMPLATE, COVER, PUBLISHED, REFERENCE_DOCX, PROVENANCE = (
    "parts", "template", "cover", "published", "reference_docx", "provenance")
# the whole span's metrics.json (a template's span.…) and the run's intake record (数据处理说明, the appendix's
# line on the evaluator's adjustments): handed to the report task beside the period's results
SPAN, PROCESSING = "span", "processing"
SPAN_METRICS = "span/metrics.json"  # in the report task's folder


@dataclass
class ReportBuild:
    """What one period's outputs are written from: its parts and settings; the Document and the rendered HTML
    (with its PDF) are made once, when a writer first needs them."""

    period_dir: Path
    parts: object  # sections.PeriodParts
    project: str
    period: str
    span: str
    published: dict | None = None
    template_text: str | None = None
    template_name: str = ""
    settings: dict = field(default_factory=dict)  # the cover's data
    reference_docx: bytes | None = None
    logs: dict = field(default_factory=dict)  # failed section -> where its log is
    parameters: dict = field(default_factory=dict)  # the run's, for the workpapers' provenance
    inputs: dict = field(default_factory=dict)
    run_time: str = ""
    synthetic: bool = False  # an example's (output.example): 示例（模拟数据） on the cover and in the running header

    @property
    def cover(self) -> dict:
        if not self.synthetic:
            return self.settings
        from jixiao.output.example import example_cover

        return example_cover(self.settings)

    @functools.cached_property
    def doc(self):
        from jixiao.output.report import build_document

        metrics = dict(self.parts.metrics)
        metrics.setdefault("project", self.project)
        metrics.setdefault("period", self.period)
        metrics.setdefault("span", self.span)
        return build_document(self.parts, metrics=metrics, published=self.published, template_text=self.template_text,
                              template_name=self.template_name, settings=self.cover, logs=self.logs,
                              span_metrics=self.span_metrics, processing=self.processing)

    @functools.cached_property
    def span_metrics(self) -> dict | None:
        """The whole span's metrics.json, when the batch handed it over (a single year's report); else None."""
        import json

        path = Path(self.period_dir) / SPAN_METRICS
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    @functools.cached_property
    def processing(self) -> dict | None:
        from jixiao.output.methods import read_processing

        return read_processing(self.period_dir)

    @functools.cached_property
    def rendered(self):
        """(HTML text, a function giving the PDF bytes) from one glyph check and one font cut."""
        from jixiao.output import govprint
        from jixiao.output.document import TEMPLATE_CSS, document_body, render_report_lazily

        title = f"{self.project} {self.doc.title}({self.period})"
        body, runhead, extra_css = document_body(self.doc), f"{self.project} · {self.period}", TEMPLATE_CSS
        if self.synthetic:
            from jixiao.output.example import BANNER_CSS, mark_cover, running_head

            body, runhead, extra_css = mark_cover(body), running_head(runhead), extra_css + BANNER_CSS
        body = govprint.footnotes_in_place(body)
        return render_report_lazily(title, body, runhead, extra_css + govprint.SCREEN_CSS, faces=govprint.faces(body),
                                    pdf_css=govprint.PDF_CSS)


def write_html(build: ReportBuild) -> bytes:
    return build.rendered[0].encode("utf-8")


def write_pdf(build: ReportBuild) -> bytes:
    return build.rendered[1]()


def write_docx(build: ReportBuild) -> bytes:
    from jixiao.output.docx import write_docx as word

    return word(build.doc, reference_docx=build.reference_docx, synthetic=build.synthetic)


def write_workpapers(build: ReportBuild) -> bytes:
    from jixiao.output.document import workpapers_html

    return workpapers_html(build.period_dir, build.parts, project=build.project, period=build.period,
                           parameters=build.parameters, inputs=build.inputs, run_time=build.run_time,
                           synthetic=build.synthetic, processing=build.processing).encode("utf-8")


def write_selfeval_form(build: ReportBuild) -> bytes:
    """The year's 项目支出绩效自评表 as the batch stored it with the period's results (``sections.selfeval``)."""
    from jixiao.output.selfeval_form import form_xlsx_bytes
    from jixiao.sections.selfeval import stored_form

    form = stored_form(build.period_dir)
    if form is None:
        raise ValueError(f"{build.period}:结果中没有自评表(frames/selfeval.form.parquet)")
    return form_xlsx_bytes(form)


def write_normalised_csv(build: ReportBuild) -> bytes:
    from jixiao.output.document import normalised_csv

    return normalised_csv(build.processing)


@dataclass(frozen=True)
class ReportFormat:
    name: str  # in run records and index.json
    file: str  # in the period's folder
    label: str  # the index's link
    write: Callable[[ReportBuild], bytes]
    periods: str = "all"  # "all" | "span" (the whole evaluation only) | "years" (each single year only)
    depends: tuple[str, ...] = (PARTS, TEMPLATE, COVER, PUBLISHED)
    pdf: bool = False  # written only when the run makes PDFs

    def applies(self, period: str, span: str, pdf: bool = True) -> bool:
        if self.pdf and not pdf:
            return False
        whole = period == span
        return self.periods == "all" or (self.periods == "span") == whole


FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat("html", "report.html", "报告 HTML", write_html, depends=(PARTS, TEMPLATE, COVER, PUBLISHED, SPAN, PROCESSING)),
    ReportFormat("pdf", "report.pdf", "报告 PDF", write_pdf, depends=(PARTS, TEMPLATE, COVER, PUBLISHED, SPAN, PROCESSING),
                 pdf=True),
    ReportFormat("docx", "report.docx", "报告 Word", write_docx,
                 depends=(PARTS, TEMPLATE, COVER, PUBLISHED, REFERENCE_DOCX, SPAN, PROCESSING)),
    ReportFormat("workpapers", "workpapers.html", "工作底稿", write_workpapers,
                 depends=(PARTS, PUBLISHED, PROVENANCE, PROCESSING)),
    # every normalised cell the run kept (the workpapers show the first of each kind and link this file)
    ReportFormat("normalised", NORMALISED_CSV, "自动规范的单元格 CSV", write_normalised_csv, depends=(PROCESSING,)),
    ReportFormat("selfeval", "自评表.xlsx", "自评表", write_selfeval_form, periods="years", depends=(PARTS,)),
)
BY_NAME = {f.name: f for f in FORMATS}


def formats_for(period: str, span: str, pdf: bool = True) -> tuple[ReportFormat, ...]:
    return tuple(f for f in FORMATS if f.applies(period, span, pdf))


def build_report(period_dir: Path, *, project: str, period: str, span: str, published: dict | None,
                 template_text: str | None, template_name: str, settings: dict, pdf: bool = True, docx: bool = True,
                 reference_docx: bytes | None = None, leave_out=frozenset(), failed: dict | None = None,
                 logs: dict | None = None, evaluation: str = "", parts=None, synthetic: bool = False):
    """(Document, HTML, PDF bytes or None, DOCX bytes or None) of one period's report from its template and the
    parts computed from ``period_dir``'s metrics.json and frames/ (``failed``: section -> what failed);
    ``synthetic``: an example's (``output.example``): 示例（模拟数据） on the cover and in the running header."""
    from jixiao.sections import period_parts

    if parts is None:
        parts = period_parts(period_dir, evaluation=evaluation, project=project, leave_out=leave_out, failed=failed)
    build = ReportBuild(Path(period_dir), parts, project, period, span, published, template_text, template_name,
                        settings or {}, reference_docx, logs or {}, synthetic=synthetic)
    docx_data = None
    if docx:
        try:
            docx_data = write_docx(build)
        except Exception as exc:  # noqa: BLE001 - a bad reference document fails the Word file only
            build.doc.word_error = word_failure(exc, reference_docx is not None)
    return build.doc, write_html(build).decode("utf-8"), write_pdf(build) if pdf else None, docx_data


def word_failure(exc: BaseException, with_reference: bool) -> str:
    """One line for a Word build that failed: pandoc's first line, not its Haskell backtrace."""
    from jixiao.core.i18n import t

    text = str(exc)
    text = text.split("during conversion:", 1)[-1].strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)[:200]
    if with_reference:
        return t(f"report.docx:参考文档(reference_docx)无法使用:{first}",
                 f"report.docx: the reference document (reference_docx) cannot be used: {first}")
    return t(f"report.docx:无法生成:{first}", f"report.docx: cannot be made: {first}")
