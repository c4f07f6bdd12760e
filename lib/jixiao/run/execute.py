"""One notebook of one period: executed on the worker's warm kernel, exported to HTML (and PDF).

``run_task`` is what a batch worker runs. It never raises and writes nothing of the report: it
returns the files' bytes, and the batch writes them atomically, then the section's run key. So a
worker needs no access to the report folder (the period's results can travel with the task).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from enum import StrEnum
from html import escape
from pathlib import Path
from typing import ClassVar

from jixiao.core.scratch import scratch_dir
from jixiao.output.index import Status

KERNEL_START_ATTEMPTS = 3


class TaskKind(StrEnum):
    SECTION = "section"  # one section notebook of one period
    REPORT = "report"  # a period's whole report, once all its sections are stored


@dataclass(frozen=True)
class NotebookTask:
    kind: ClassVar[TaskKind] = TaskKind.SECTION

    evaluation: str
    period: str
    section: str
    title: str  # the page title: section title · project · period
    notebook: str  # the notebook file's text
    parameters: dict  # papermill parameters (results_dir may be replaced by the worker)
    footer_parameters: dict  # what the provenance footer lists
    inputs: dict  # input file -> SHA-256, for the footer
    results_dir: str = ""  # the period's results on a shared file system, or
    results: dict = field(default_factory=dict)  # relative path -> bytes, when they travel with the task
    pdf: bool = True
    synthetic: bool = False  # the params' synthetic: the page says 示例（模拟数据）


@dataclass
class TaskOutput:
    evaluation: str
    period: str
    section: str
    status: Status
    seconds: float
    error: str = ""
    files: dict = field(default_factory=dict)  # "ipynb" | "html" | "pdf" | "xlsx" -> bytes
    phases: dict = field(default_factory=dict)  # "execute" | "html" | "pdf" -> seconds
    parts: str = ""  # a page's: the digest of the parts it shows (``sections.parts_digest``), for early cut-off


@dataclass(frozen=True)
class ReportTask:
    """A period's whole report (``document``), built once all its sections are stored. ``files``: the
    period's metrics.json and executed section notebooks, so the worker needs no access to the report folder."""

    kind: ClassVar[TaskKind] = TaskKind.REPORT

    evaluation: str
    period: str
    span: str
    project: str
    run_time: str
    inputs: dict
    parameters: dict
    files: dict  # metrics.json and frames/* -> bytes
    pdf: bool = True
    leave_out: tuple = ()  # sections with nothing to show in this period: no chapter
    # the params' report block as it travels: template_text/template_name, reference_docx (bytes), cover, final,
    # published (published.yaml's bytes)
    report: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)  # section -> its error: its page failed, its chapter says so
    skip: tuple = ()  # outputs made from what has not changed (run.cutoff): they stand, not written again

    @property
    def section(self) -> str:
        """What names this task in outputs, progress and scheduler keys, beside the sections' names."""
        return TaskKind.REPORT.value


SPLIT_OFF = "docx"  # the output built on a worker of its own when a report is split: Word, ~1 s beside a PDF's ~2 s


def split_report(task: ReportTask) -> list[ReportTask]:
    """The report as two tasks for two workers, its Word file apart from the rest, when both its PDF and its Word
    file are due (after an edit, the report is often the last task running); else the task alone. Each half
    computes the parts itself: ~0.3 s twice against ~1 s saved."""
    from dataclasses import replace

    from jixiao.output.formats import formats_for

    due = [f.name for f in formats_for(task.period, task.span, task.pdf) if f.name not in task.skip]
    if SPLIT_OFF not in due or "pdf" not in due:
        return [task]
    return [replace(task, skip=(*task.skip, SPLIT_OFF)),
            replace(task, skip=tuple(name for name in due if name != SPLIT_OFF) + task.skip)]


def merge_report(outputs: list[TaskOutput]) -> TaskOutput:
    """One report's output from its halves (``split_report``, the first half first), as one task would have made
    it: when the first half failed (a template error, ``final`` refused) nothing is written; when only the Word
    file failed, the rest is written and the report is marked failed, with the Word file's error."""
    first, *rest = outputs
    if first.status is Status.FAILED or not rest:
        return first
    merged = TaskOutput(first.evaluation, first.period, first.section, first.status,
                        max(o.seconds for o in outputs), first.error, dict(first.files), dict(first.phases))
    for other in rest:
        merged.files.update(other.files)
        merged.phases.update({k: v for k, v in other.phases.items() if k not in ("placeholders", "report")})
        if other.status is Status.FAILED:
            merged.status, merged.error = Status.FAILED, other.error
    return merged


def now_text() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def run_task(task) -> TaskOutput:
    """Execute and export one notebook (or build one period's report); a failure is a result, never an exception."""
    if task.kind is TaskKind.REPORT:
        return run_report_task(task)
    started = time.monotonic()
    out = TaskOutput(task.evaluation, task.period, task.section, Status.OK, 0.0)
    scratch = scratch_dir("task")
    try:
        executed = _execute(task, scratch, out)
        if executed is not None:
            _export(task, executed, out, started, scratch)
    except Exception as exc:  # noqa: BLE001 - anything else (an export that fails) is this task's failure
        out.status, out.error = Status.FAILED, out.error or f"{type(exc).__name__}: {exc}"
        out.files.pop("pdf", None)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out.seconds = round(time.monotonic() - started, 2)
    return out


def _execute(task: NotebookTask, scratch: Path, out: TaskOutput):
    """Run the notebook; returns the executed notebook (with the traceback when it failed), or None."""
    import nbformat
    import papermill as pm

    from jixiao.run.kernel import warm_kernel

    source, target = scratch / f"{task.section}.ipynb", scratch / "executed.ipynb"
    source.write_text(task.notebook, encoding="utf-8")
    parameters = dict(task.parameters)
    if task.results:
        results_dir = scratch / "results"
        for name, data in task.results.items():
            path = results_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        parameters["results_dir"] = str(results_dir)
    kernel = warm_kernel()
    began = time.monotonic()
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        target.unlink(missing_ok=True)
        out.status, out.error = Status.OK, ""
        try:
            kernel.execute(str(source), str(target), parameters)
        except pm.PapermillExecutionError as exc:
            out.status, out.error = Status.FAILED, f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # noqa: BLE001 - a kernel that dies, or a notebook that cannot be read
            out.status, out.error = Status.FAILED, f"{type(exc).__name__}: {exc}"
            # kernels started side by side sometimes lose their ports before the first reply: try again
            if "Kernel died before replying" in str(exc) and attempt < KERNEL_START_ATTEMPTS:
                continue
        break
    out.phases["execute"] = round(time.monotonic() - began, 3)
    if not target.is_file() or target.stat().st_size == 0:
        out.status, out.error = Status.FAILED, out.error or "papermill wrote no notebook"
        return None
    out.files["ipynb"] = target.read_bytes()
    return nbformat.reads(out.files["ipynb"].decode("utf-8"), as_version=4)


def _export(task: NotebookTask, nb, out: TaskOutput, started: float, scratch: Path) -> None:
    from jixiao.output.export import notebook_body, provenance_footer, render_page

    began = time.monotonic()
    body = notebook_body(nb)
    if out.status is Status.FAILED:
        body = f'<div class="jx-failed"><h1>本节生成失败</h1><p>{escape(out.error)}</p></div>' + body
    footer = provenance_footer(task.footer_parameters, task.inputs, now_text(), time.monotonic() - started)
    pdf_css = ""
    if task.synthetic:
        from jixiao.output.example import BANNER_CSS, PAGE_PDF_CSS, banner_html

        body, pdf_css = f"<style>{BANNER_CSS}</style>{banner_html()}{body}", PAGE_PDF_CSS
    rendered = render_page(task.title, body, footer)  # one glyph check and font cut for the HTML and the PDF
    out.files["html"] = rendered.html.encode("utf-8")
    out.phases["html"] = round(time.monotonic() - began, 3)
    if out.status is Status.OK:
        from jixiao.output.excel import part_tables, tables_xlsx_bytes
        from jixiao.sections import parts_digest, section_parts

        began = time.monotonic()
        source = (f"评价 {task.evaluation} 的原始工作簿({'、'.join(sorted(task.inputs)) or '无'}),"
                  f"jixiao 按报告期间 {task.period} 计算")
        results = scratch / "results" if task.results else Path(task.parameters.get("results_dir") or task.results_dir)
        parts = section_parts(results, task.section, evaluation=task.evaluation,
                              project=task.parameters.get("project", ""))
        out.parts = parts_digest(parts)
        tables = part_tables(parts, source)
        if tables:
            out.files["xlsx"] = tables_xlsx_bytes(tables)
        out.phases["xlsx"] = round(time.monotonic() - began, 3)
    if task.pdf and out.status is Status.OK:
        began = time.monotonic()
        out.files["pdf"] = rendered.pdf(extra_css=pdf_css)
        out.phases["pdf"] = round(time.monotonic() - began, 3)


class Unpublished(Exception):
    """``final: true`` and placeholders left: the report is not published (the batch keeps the last one)."""


def _report_failure(exc: Exception) -> str:
    """The analyst's line: the project's own refusals and template problems say what is wrong in words;
    only an unforeseen failure names its exception's class, for the bug report."""
    from jixiao.output.report import TemplateProblem

    return str(exc) if isinstance(exc, (Unpublished, TemplateProblem)) else f"{type(exc).__name__}: {exc}"


def report_template(settings: dict, whole: bool) -> tuple[str | None, str, bool]:
    """(template text, its name, whether it must be final) of the whole span's report (``whole``) or a single
    year's: params' ``template`` is the span's, ``annual_template`` the years' (None: the built-in one of the
    period's kind). ``final`` holds for a template the params give: the built-in 年度绩效自评报告 leaves 存在问题
    and 改进措施 to the department, so a year on it is a draft by design."""
    if whole:
        return settings.get("template_text"), settings.get("template_name", ""), bool(settings.get("final"))
    text = settings.get("annual_template_text")
    return text, settings.get("annual_template_name", ""), bool(settings.get("final")) and text is not None


def run_report_task(task: ReportTask) -> TaskOutput:
    """The period's report (HTML, PDF, Word) and workpapers as bytes, from the parts its sections compute from
    metrics.json and frames/."""
    started = time.monotonic()
    out = TaskOutput(task.evaluation, task.period, task.section, Status.OK, 0.0)
    scratch = scratch_dir("report")
    try:
        for name, data in task.files.items():
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            (scratch / name).write_bytes(data)
        import yaml

        from jixiao.core.i18n import t
        from jixiao.output.formats import ReportBuild, formats_for
        from jixiao.sections import period_parts

        settings = task.report or {}
        published = yaml.safe_load(settings["published"]) if settings.get("published") else None
        parts = period_parts(scratch, evaluation=task.evaluation, project=task.project,
                             leave_out=frozenset(task.leave_out), failed=task.failed)
        template_text, template_name, final = report_template(settings, task.period == task.span)
        build = ReportBuild(scratch, parts, task.project, task.period, task.span, published,
                            template_text, template_name, settings.get("cover", {}),
                            settings.get("reference_docx"),
                            {key: f"{task.period}/{key}.html、{task.period}/{key}.ipynb" for key in parts.failed},
                            task.parameters, task.inputs, task.run_time, synthetic=bool(settings.get("synthetic")))
        doc = build.doc
        if final and doc.placeholders:
            raise Unpublished(t(f"final 为 true,但报告仍有 {len(doc.placeholders)} 处占位(如 {doc.placeholders[0]}),"
                                "未发布;上次生成的报告保留",
                                f"final is true but the report still has {len(doc.placeholders)} placeholder(s) "
                                f"(e.g. {doc.placeholders[0]}); not published, the last report made is kept"))
        for output in formats_for(task.period, task.span, task.pdf):  # the registry: one writer per output
            if output.name in task.skip:
                continue
            began = time.monotonic()
            if output.name == "docx" and settings.get("reference_error"):  # refused by its guards: no Word file
                doc.word_error = f"report.docx:{settings['reference_error']}"
                continue
            try:
                out.files[output.name] = output.write(build)
            except Exception as exc:  # noqa: BLE001 - a bad reference document fails the Word file only
                if output.name != "docx":
                    raise
                from jixiao.output.formats import word_failure

                doc.word_error = word_failure(exc, build.reference_docx is not None)
                continue
            out.phases[output.name] = round(time.monotonic() - began, 3)
        out.phases["placeholders"] = len(doc.placeholders)
        if doc.word_error:  # the HTML and PDF are written; the Word file's failure is the report's one line
            out.status, out.error = Status.FAILED, doc.word_error
    except Exception as exc:  # noqa: BLE001 - say which report failed; the sections stand
        out.status, out.error, out.files = Status.FAILED, _report_failure(exc), {}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out.seconds = round(time.monotonic() - started, 2)
    out.phases["report"] = out.seconds
    return out
