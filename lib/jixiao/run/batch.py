"""``jixiao run``: every section notebook for every period, executed where its inputs changed, exported, indexed.

Order of work, so that nothing is exported from bad inputs or into a bad place: parameters (already
checked by ``load_params``), the output folder (writable, not locked by another run), the run keys
(``runkeys``: a section whose inputs, notebook, parameters and environment are unchanged is reused),
then, when anything is left to do, the inputs (validated: any error stops the run), each period's
results computed once (metrics.json and the section frames, ``results``), and the notebooks in a
process pool of warm kernels (``execute``). Each stage returns what the next takes: ``open_run`` an
``Opened`` evaluation (locked, planned), ``prepare`` its ``Prepared`` results and tasks, ``execute_runs``
what each ``Store`` wrote, ``finish`` the index and exit code.

Nothing on disk is trusted unless a run record vouches for it (``runkeys``: size and mtime, else SHA-256):
a section page, a period's results or report that is not as written is made again. Every file is written
under a temp name (``.<name>.jixiao-<pid>-<random>.part``) and renamed when complete, its record last; a
killed run leaves only such temp files, which the next run removes, and nothing else is ever deleted.
A failing notebook does not stop the others: its executed notebook (with the traceback) and HTML are kept
and the index links them. Exit codes: 0 ok, 1 a part failed, 2 refused, 3 the machinery lost (scheduler,
workers beyond their retries, a full disk: one line each), 130 interrupted.

The heavy imports (pandas, the sections, papermill, nbconvert, WeasyPrint) happen only when a
section has to run, so a re-run that reuses everything finishes in well under a second.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import os
import signal
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.atomic import atomic_write_bytes
from jixiao.core.config import NOTEBOOKS_DIR, relative_to_project
from jixiao.core.i18n import t
from jixiao.core.problems import escape_controls
from jixiao.core.scratch import remove_temp_files, sweep_scratch
from jixiao.contract.fingerprint import contract_inputs, input_files, sha256_file, sha256_json
from jixiao.contract.params import RunParams
from jixiao.intake.glyphs import unprintable_settings
from jixiao.output.index import CellCounts, CellResult, Status, write_index
from jixiao.output.template_source import TemplateSourceError, read_reference_docx, read_template
from jixiao.run.execute import TaskKind, TaskOutput, merge_report, split_report
from jixiao.run.outputs import Ledger, Locked, Placed, ReportFiles, check_replaceable
from jixiao.run.runkeys import RunState, read_record, environment_digest, files_read, fingerprint, section_key
from jixiao.run.scheduler import LOCAL, KeptScheduler, SchedulerChoice

LOCK_NAME = ".jixiao-run.lock"


class RunLocked(RuntimeError):
    pass


class Lock:
    """An flock on ``<report folder>/.jixiao-run.lock``: released by the kernel even when the run is killed."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK_NAME
        self.fd: int | None = None

    def acquire(self) -> "Lock":
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(self.fd)
            raise RunLocked(t(f"另一个 jixiao 运行(pid {holder})正在写入 {self.path.parent},它持有锁 {self.path}。"
                              "请等它结束,或换一个 --out。",
                              f"another jixiao run (pid {holder}) is writing to {self.path.parent}; "
                              f"it holds the lock {self.path}. Wait for it to finish, or choose another --out.")) from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)
        return self

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "Lock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".jixiao-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise PermissionError(t(f"输出文件夹 {folder} 不可写({exc.strerror});请用 --out 换一个,或修正其权限",
                                f"the output folder {folder} is not writable ({exc.strerror}); "
                                "choose another with --out or fix its permissions")) from None


def remove_partials(folder: Path, include_own: bool = False) -> int:
    """Delete the temp files a killed run left behind (named as jixiao's, their owner gone); a user's own
    hidden files, whatever their name, stay."""
    return remove_temp_files(folder, include_own)


# --- the plan: which cells to run --------------------------------------------------------------------


@dataclass
class SectionInfo:
    """What the plan needs of a registry section: plain data, so it can come from the last run's snapshot."""

    key: str
    title: str
    reads: list[str]
    reads_published: bool


def registry_info() -> list[SectionInfo]:
    from jixiao.sections import SECTIONS

    return [SectionInfo(s.key, s.title, list(s.reads), s.reads_published) for s in SECTIONS]


@dataclass
class Plan:
    inputs: dict[str, str]  # contract file name -> SHA-256
    keys: dict[tuple[str, str], str]  # (period, section) -> key
    reused: dict[tuple[str, str], dict]  # (period, section) -> the record kept
    results_keys: dict[str, str]  # period -> the key of its results (metrics.json and frames)
    results_due: list[str]  # periods whose results must be (re)written: a cell runs, or they are not as written
    reports_due: list[str]  # periods whose report must be (re)built: a part changed, or it is not as written
    # early cut-off (run.cutoff), filled in once the results are written: each page's key of what it is made from,
    # and per period the key of each report output and the outputs that stand as they are
    page_keys: dict[tuple[str, str], str] = field(default_factory=dict)
    format_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    kept_formats: dict[str, set[str]] = field(default_factory=dict)
    kept_reports: list[str] = field(default_factory=list)  # every output stands: recorded under the new key

    @functools.cached_property
    def stale(self) -> list[tuple[str, str]]:
        return [cell for cell in self.keys if cell not in self.reused]


def notebook_parameters(params: RunParams, period: str) -> dict:
    return {"evaluation": params.evaluation, "period": period, "span": params.span.label,
            "project": params.project, "raw_dir": str(params.raw_dir)}


def report_settings(params: RunParams, with_bytes: bool = True) -> dict:
    """The params' ``report:`` block as a report task carries it: the cover's data, final, and (``with_bytes``)
    the template's text, the reference document and published.yaml (the template's published.… fields)."""
    settings = params.report
    out = {"cover": dict(settings.cover), "final": settings.final, "synthetic": params.synthetic,
           "outline": settings.outline,
           "template_name": relative_to_project(str(settings.template)) if settings.template else ""}
    if settings.annual_template:
        out["annual_template_name"] = relative_to_project(str(settings.annual_template))
    if with_bytes:
        published = params.raw_dir / "published.yaml"
        out["template_text"] = read_template(settings.template)[0] if settings.template else None
        if settings.template is None and settings.outline != "national":  # the seed's own outline, built in
            from jixiao.output.report import OUTLINES, builtin_template

            out["template_text"] = builtin_template(settings.outline)
            out["template_name"] = t(f"内置模板 {OUTLINES[settings.outline]}", f"built-in template {OUTLINES[settings.outline]}")
        out["annual_template_text"] = read_template(settings.annual_template)[0] if settings.annual_template else None
        try:
            out["reference_docx"] = read_reference_docx(settings.reference_docx) if settings.reference_docx else None
        except TemplateSourceError as exc:  # fails the Word file only; validate refuses it
            out["reference_docx"], out["reference_error"] = None, str(exc)
        out["published"] = published.read_bytes() if published.is_file() else None
    return out


def report_settings_digest(params: RunParams, period: str | None = None) -> str:
    """What the reports depend on beyond their sections: the report block with its template and reference
    document, and published.yaml. ``period``: only what that period's report is written from: the whole span's
    template and outline, or a single year's ``annual_template`` (so a new span template rebuilds one report,
    not every year's)."""
    settings = report_settings(params, with_bytes=False)
    template, annual = params.report.template, params.report.annual_template
    if period is not None and period == params.span.label:
        settings.pop("annual_template_name", None)
        annual = None
    elif period is not None:  # a single year: its own template, or the built-in 年度 one
        settings.pop("template_name", None)
        settings.pop("outline", None)
        template = None
    files = (template, params.report.reference_docx, params.raw_dir / "published.yaml", *((annual,) if annual else ()))
    return sha256_json({"settings": settings,
                        "files": [sha256_file(f) if f is not None and f.is_file() else None for f in files]})


def report_key(state: RunState, plan: Plan, sections: list[SectionInfo], period: str, found: dict[str, str],
               pdf: bool, settings: str, span: str = "") -> str | None:
    """A period's report is keyed on what it assembles: its sections' keys and which of them have nothing to
    show, its metrics.json as recorded, the inputs its appendix lists, and its template and cover (``settings``:
    ``report_settings_digest``); a single year's also on the whole ``span``'s metrics.json (its template's
    ``span.…``). None while its results are not as written."""
    results = state.results(period, plan.results_keys[period])
    if results is None:
        return None
    leave_out = sorted(s.key for s in sections
                       if (state.record(period, s.key) or {}).get("status") == Status.NOT_APPLICABLE)
    from jixiao.output.formats import FORMATS

    return sha256_json({"sections": {s.key: plan.keys[(period, s.key)] for s in sections}, "leave_out": leave_out,
                        "metrics": results["digests"].get(f"{period}/metrics.json", {}).get("sha256"),
                        "inputs": found, "pdf": pdf, "report": settings,
                        "formats": [(f.name, f.file, f.periods) for f in FORMATS],
                        **({"span_metrics": _span_metrics_digest(state, plan, span)} if span and span != period else {})})


def _span_metrics_digest(state: RunState, plan: Plan, span: str) -> str | None:
    results = state.results(span, plan.results_keys[span]) if span in plan.results_keys else None
    return None if results is None else results["digests"].get(f"{span}/metrics.json", {}).get("sha256")


def make_plan(params: RunParams, notebooks_dir: Path, sections: list[SectionInfo], environment: str,
              state: RunState, force: bool, pdf: bool, found: dict[str, str]) -> Plan:
    """Each cell's key, the records that can be kept, and which results and reports must be made again;
    ``found``: ``input_files`` of the raw folder."""
    inputs = contract_inputs(found, params.layout)
    notebook_digests = {s.key: sha256_file(notebooks_dir / f"{s.key}.ipynb") for s in sections}
    keys, reused, results_keys = {}, {}, {}
    for period in params.periods:
        parameters = notebook_parameters(params, period.label)
        results_keys[period.label] = sha256_json({"inputs": inputs, "parameters": parameters, "environment": environment,
                                                  "layout": params.layout.as_dict(),
                                                  "self_evaluation": repr(params.self_evaluation)})
        for s in sections:
            def key_of(with_pdf: bool, s=s) -> str:
                return section_key(section=s.key, files=files_read(s.reads, s.reads_published), inputs=inputs,
                                   notebook_digest=notebook_digests[s.key],
                                   # a page of synthetic rows says so: its key changes with the flag (others' stay)
                                   parameters={**parameters, "synthetic": True} if params.synthetic else parameters,
                                   environment=environment, pdf=with_pdf, layout=params.layout.as_dict())

            key = key_of(pdf)
            record = None if force else state.reusable(period.label, s.key, key)
            if record is None and not force and not pdf:
                # a run without PDF takes a page made with its PDF as it stands: the same page, and its PDF current
                with_pdf = key_of(True)
                record = state.reusable(period.label, s.key, with_pdf)
                key = with_pdf if record is not None else key
            keys[(period.label, s.key)] = key
            if record is not None:
                reused[(period.label, s.key)] = record
    plan = Plan(inputs, keys, reused, results_keys, [], [])
    running = {period for period, _ in plan.stale}
    span = params.span.label
    # a single year's report reads the whole span's figures (span.…): due again when they are computed again
    span_due = span in results_keys and (force or span in running or state.results(span, results_keys[span]) is None)
    for period in params.periods:
        label = period.label
        if force or label in running or state.results(label, results_keys[label]) is None:
            plan.results_due.append(label)
            plan.reports_due.append(label)
            continue
        if span_due:
            plan.reports_due.append(label)
            continue
        settings = report_settings_digest(params, label)
        key = report_key(state, plan, sections, label, found, pdf, settings, span)
        if key is None or state.report(label, key) is None:
            # a run without PDF takes the report made with its PDF, as it does the pages
            made_with_pdf = None if pdf else report_key(state, plan, sections, label, found, True, settings, span)
            if made_with_pdf is None or state.report(label, made_with_pdf) is None:
                plan.reports_due.append(label)
    return plan


# --- one evaluation, stage by stage: open -> Opened (lock and plan), prepare -> Prepared (results
# written, tasks), execute_runs -> Executed (each output stored as it arrives), finish -> Finished ---------


class Terminated(Exception):
    """SIGTERM reached the run."""


class Interrupted(Exception):
    """The batch was stopped (Ctrl-C or SIGTERM) and said so; exit code 130."""


class Refused(Exception):
    """This evaluation will not run (its notebooks, output folder or inputs are wrong); the reasons have been
    said. Exit code 2."""


class MachineryLost(Exception):
    """What runs the batch is gone: the scheduler, or the disk's space. Its text is the one line the analyst
    reads; exit code 3. What was stored before stays recorded, so a re-run reuses it."""


class SchedulerLost(MachineryLost):
    def __init__(self, address: str, finished: int, total: int):
        super().__init__(t(f"错误:调度器 {address} 已丢失;{total} 个任务中已完成 {finished} 个。重新运行将沿用已完成的部分。",
                           f"error: the scheduler {address} was lost; {finished} of {total} tasks had finished. "
                           "Running again reuses what was finished."))


class OutputLocked(MachineryLost):
    """A report file the run must move or replace could not be, part-way through (``run.outputs.Locked``):
    that period's report was put back as it was."""


class DiskFull(MachineryLost):
    def __init__(self, folder: Path, needed: int):
        self.folder, self.needed = folder, needed
        mb = max(needed / 1e6, 0.1)
        super().__init__(t(f"错误:磁盘已满,无法写入 {folder}(还需约 {mb:.1f} MB)。腾出空间后重新运行,已完成的部分将沿用。",
                           f"error: the disk is full: cannot write to {folder} (about {mb:.1f} MB more needed). "
                           "Free some space and run again; what was finished is reused."))


@contextmanager
def disk_space(folder: Path, needed: int):
    """Turn the disk running out while writing to ``folder`` into DiskFull (one line, exit 3)."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(folder, needed) from None
        raise


def debugging() -> bool:
    """``--debug`` (JIXIAO_DEBUG=1): tracebacks as well as the one-line messages."""
    return os.environ.get("JIXIAO_DEBUG") == "1"


def _failure_text(exc: BaseException) -> str:
    return traceback.format_exc(limit=3) if debugging() else f"{type(exc).__name__}: {exc}"


def _raise_terminated(signum, frame):
    _ignore_further_stops()
    raise Terminated()


def _ignore_further_stops() -> None:
    """The run is stopping: a second SIGTERM (GNU ``timeout`` may send two) or Ctrl-C is the same request,
    not a new exception in the middle of the cleanup (``execute_runs`` restores the handlers after it)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _say(text: str) -> None:
    print(escape_controls(text), file=sys.stderr)


@dataclass(frozen=True)
class Request:
    """What was asked of one evaluation."""

    params: RunParams
    notebooks_dir: Path
    force: bool = False
    pdf: bool = True

    @property
    def report_dir(self) -> Path:
        return self.params.report_dir


@dataclass
class Opened:
    """One evaluation with its output folder locked and its plan made: what ``prepare`` and ``finish`` take."""

    request: Request
    lock: Lock
    state: RunState
    environment: str
    snapshot: dict | None  # the last finished run's, when made by this very library
    sections: list[SectionInfo]
    inputs: dict[str, str]  # department file names -> SHA-256 (for the provenance)
    plan: Plan
    started: float

    @property
    def params(self) -> RunParams:
        return self.request.params

    @property
    def report_dir(self) -> Path:
        return self.request.report_dir

    @property
    def run_facts(self) -> dict:
        return {"inputs": self.plan.inputs, "parameters": _footer_parameters(self.params),
                "layout": self.params.layout.as_dict()}

    @property
    def reports_due(self) -> list[str]:
        return self.plan.reports_due

    @property
    def nothing_to_do(self) -> bool:
        """No cell to execute, no results to write, and the last finished run had these very inputs: its
        figures stand."""
        return (not self.plan.stale and not self.plan.results_due and self.snapshot is not None
                and self.snapshot.get("run") == self.run_facts)

    def close(self) -> None:
        self.lock.release()


def open_run(request: Request) -> Opened:
    """Notebooks there, output folder writable and locked, plan made; raises Refused (said) otherwise."""
    started = time.monotonic()
    state = RunState(request.report_dir)
    environment = environment_digest()
    snapshot = state.snapshot()
    if snapshot is None or snapshot.get("environment") != environment:
        snapshot, sections = None, registry_info()  # the library changed: ask the registry itself
    else:
        sections = [SectionInfo(**s) for s in snapshot["sections"]]
    missing = [s.key for s in sections if not (request.notebooks_dir / f"{s.key}.ipynb").is_file()]
    if missing:
        _say(t(f"错误:{request.notebooks_dir} 中缺少 notebook:{'、'.join(missing)}",
               f"error: notebooks missing in {request.notebooks_dir}: {', '.join(missing)}"))
        raise Refused()
    refused = unprintable_settings(request.params.project, request.params.report.cover)
    if refused:  # the index and every page print the title: refused before any of them is replaced
        _say(t(f"错误:{refused}", f"error: {refused}"))
        raise Refused()
    try:  # before anything is written: a template that will not be read is one line
        for template in (request.params.report.template, request.params.report.annual_template):
            if template is not None:
                _, note = read_template(template)
                if note:
                    _say(t(f"注意:{note}", f"note: {note}"))
    except TemplateSourceError as exc:
        _say(t(f"错误:{exc}", f"error: {exc}"))
        raise Refused() from None
    try:
        check_writable(request.report_dir)
        lock = Lock(request.report_dir).acquire()
    except (PermissionError, RunLocked) as exc:
        _say(t(f"错误:{exc}", f"error: {exc}"))
        raise Refused() from None
    remove_partials(request.report_dir)
    sweep_scratch()
    try:
        inputs = input_files(request.params.raw_dir, request.params.layout)
        plan = make_plan(request.params, request.notebooks_dir, sections, environment, state, request.force,
                         request.pdf, inputs)
        check_replaceable(request.report_dir, plan, REPORT_NAMES)  # a locked file: refused, nothing touched
    except Locked as exc:
        lock.release()
        _say(str(exc))
        raise Refused() from None
    except BaseException:
        lock.release()
        raise
    return Opened(request, lock, state, environment, snapshot, sections, inputs, plan, started)


WARNINGS_SHOWN = 20  # a run names the first few; ``jixiao validate`` lists them all
NORMALISED_KEPT = 20  # cells kept per kind of normalisation in the run record and intake.json
WARNINGS_LISTED = 1_000  # warnings intake.json lists for the workpapers (its count says if there were more)
INTAKE_FILE = "intake.json"  # beside index.json: what intake warned of and normalised, for the workpapers


@dataclass(frozen=True)
class Warnings:
    """The inputs' warnings as a run keeps them: how many, and the first few (a million-row sheet may have
    a million, which neither the terminal nor the run record should hold)."""

    count: int
    first: list[str]

    def say(self) -> None:
        for w in self.first:
            _say(f"  {w}")
        if self.count > len(self.first):
            more = self.count - len(self.first)
            _say(t(f"  ……另有 {more} 条警告;jixiao validate 列出全部",
                   f"  … and {more} more warning(s); jixiao validate lists them all"))


@dataclass(frozen=True)
class Prepared:
    """An evaluation's inputs validated and its results written: the figures for the index, the warnings,
    the stale cells that have nothing to show (不适用) and the notebook tasks, longest first."""

    figures: dict[str, list[str]]  # period -> the index's key figures
    warnings: Warnings
    not_applicable: list[tuple[str, str]]  # (period, section)
    tasks: list
    normalised: dict | None = None  # Normalised.as_dict: counts per kind and the first NORMALISED_KEPT cells


def reuse_last_figures(opened: Opened) -> Prepared:
    """Nothing to compute: the last finished run's figures and warnings stand."""
    recorded = opened.snapshot.get("warnings") or {}
    warnings = Warnings(recorded.get("count", 0), recorded.get("first", [])) if isinstance(recorded, dict) else \
        Warnings(0, [])
    warnings.say()
    return Prepared(opened.snapshot["figures"], warnings, [], [], opened.snapshot.get("normalised"))


def reports_only(opened: Opened) -> Prepared:
    """No page to execute and the inputs as last run: the figures stand (nothing is validated or computed again),
    and of the reports due only the outputs whose parts changed are rebuilt (``_cut_off_report``)."""
    prepared = reuse_last_figures(opened)
    for period in list(opened.reports_due):
        _cut_off_report(opened, period, set())
    return prepared


def prepare(opened: Opened, shared_filesystem: bool) -> Prepared:
    """Validate, compute each period once, write the results of periods with stale cells; raises Refused
    (said) on bad inputs."""
    from jixiao.core.problems import InputError
    from jixiao.intake.folder import load_evaluation
    from jixiao.contract.results import FRAMES_DIR, metrics_json, write_period_results
    from jixiao.run.execute import NotebookTask
    from jixiao.sections import SECTIONS, compute_period

    params = opened.params
    try:
        evaluation = load_evaluation(params.raw_dir, span=(params.span.first, params.span.last), layout=params.layout)
    except InputError as exc:
        _say(t(f"错误:{params.raw_dir} 中的输入有错误,未导出任何内容:",
               f"error: the inputs in {params.raw_dir} have errors; nothing was exported:"))
        for p in exc.problems:
            if p.severity == "error":
                _say(f"  {p}")
        raise Refused() from None
    # the last index stays until the new one is written (``finish``): nothing is deleted before its replacement
    warnings = Warnings(len(evaluation.warnings), [str(w) for w in evaluation.warnings[:WARNINGS_SHOWN]])
    warnings.say()
    normalised = evaluation.normalised.as_dict(kept=NORMALISED_KEPT)
    # the workpapers list every cell intake kept (its first of each kind, the rest in their CSV)
    write_intake(opened, evaluation, warnings, evaluation.normalised.as_dict())
    stale = opened.plan.stale
    titles = {s.key: s.title for s in SECTIONS}
    figures, not_applicable, tasks = {}, [], []
    for period in params.periods:
        computed = compute_period(evaluation.tables, period, params.span, params.project, evaluation.published,
                                  params.layout, params.self_evaluation)
        figures[period.label] = [f for s in SECTIONS for f in s.index_figures(computed.metrics)]
        empty = {s.key for s in SECTIONS if not s.applies_to(computed.metrics)}
        cells = [section for period_label, section in stale if period_label == period.label]
        if period.label not in opened.plan.results_due:
            continue
        stamp = {"evaluation": params.evaluation, "period": period.label, "span": params.span.label,
                 "project": params.project, "inputs": evaluation.inputs}
        period_dir = opened.report_dir / period.label
        opened.state.forget_results(period.label)
        needed = len(metrics_json(computed.metrics)) + sum(int(frame.memory_usage().sum())
                                                           for frames in computed.frames.values()
                                                           for frame in frames.values())
        with disk_space(period_dir, needed):
            write_period_results(period_dir, computed, stamp)
        written = [period_dir / "metrics.json", *sorted((period_dir / FRAMES_DIR).iterdir())]
        with disk_space(period_dir, 4096):
            opened.state.save_results(period.label, {
                "key": opened.plan.results_keys[period.label],
                "digests": {p.relative_to(opened.report_dir).as_posix(): fingerprint(p) for p in written}})
        shipped = {} if shared_filesystem else _results_files(period_dir)
        for section in cells:
            if section in empty:  # nothing to show: no page, 不适用 in the index
                not_applicable.append((period.label, section))
                continue
            parameters = notebook_parameters(params, period.label)
            if _cut_off(opened, period.label, section, parameters):
                continue
            tasks.append(NotebookTask(
                evaluation=params.evaluation, period=period.label, section=section,
                title=f"{titles[section]} · {params.project} · {period.label}",
                notebook=(opened.request.notebooks_dir / f"{section}.ipynb").read_text(encoding="utf-8"),
                parameters={**parameters, "results_dir": str(period_dir) if shared_filesystem else ""},
                footer_parameters=parameters, inputs=evaluation.inputs, results=shipped, pdf=opened.request.pdf,
                synthetic=params.synthetic))
    for period in params.periods:  # a report none of whose sections runs now: only the outputs that changed
        if period.label in opened.plan.reports_due and not any(t.period == period.label for t in tasks):
            _cut_off_report(opened, period.label, {sec for p, sec in not_applicable if p == period.label})
    # longest first, so no worker is left with a long notebook at the end while the others idle
    last_seconds = {cell: (opened.state.record(*cell) or {}).get("seconds") for cell in stale}
    cost = {s.key: s.cost for s in SECTIONS}
    tasks.sort(key=lambda task: -(last_seconds[(task.period, task.section)]
                                  or cost[task.section] * (2 if task.period == params.span.label else 1)))
    return Prepared(figures, warnings, not_applicable, tasks, normalised)


def _cut_off(opened: Opened, period: str, section: str, parameters: dict) -> bool:
    """The page stands when what it is made from did not change (``run.cutoff``): its record takes the new key."""
    from jixiao.run.cutoff import kept_by_parts, kept_page, page_key

    key = page_key(opened, period, section, parameters)
    opened.plan.page_keys[(period, section)] = key
    if opened.request.force:  # every page anew
        return False
    record = kept_page(opened, period, section, key)
    if record is None and not opened.request.pdf:
        # a run without PDF keeps a page made with its PDF from the same parts: the PDF is current too
        record = kept_page(opened, period, section, page_key(opened, period, section, parameters, pdf=True))
    if record is None:  # the period's results moved: does the page show what moved?
        record = kept_by_parts(opened, period, section, parameters)
        if record is not None:  # its files key follows the results, for the next run's cheap check
            record = {**record, "page_key": page_key(opened, period, section, parameters,
                                                     pdf="pdf" in record.get("files", {}))}
    if record is None:
        return False
    record = {**record, "key": opened.plan.keys[(period, section)]}
    opened.state.save(period, section, record)
    opened.plan.reused[(period, section)] = record
    opened.plan.stale.remove((period, section))
    return True


def _cut_off_report(opened: Opened, period: str, not_applicable: set[str]) -> None:
    """Key each output of the period's report; when every one stands, the report is kept (its record takes the
    new key), else only the changed ones are rebuilt."""
    from jixiao.run.cutoff import format_keys, kept_formats

    digest = report_settings_digest(opened.params, period)
    keys = format_keys(opened, period, digest, not_applicable)
    kept = set() if opened.request.force else kept_formats(opened, period, keys)
    if not opened.request.pdf and not opened.request.force:
        # a run without PDF makes none, but a full run's PDF made from the same parts is current: it stays in the set
        made = {name: key for name, key in format_keys(opened, period, digest, not_applicable, pdf=True).items()
                if name not in keys}
        pdfs = kept_formats(opened, period, made)
        keys, kept = {**keys, **{name: made[name] for name in pdfs}}, kept | pdfs
    opened.plan.format_keys[period], opened.plan.kept_formats[period] = keys, kept
    if kept == set(keys):  # Store.begin records it once the 不适用 cells are stored
        opened.plan.reports_due.remove(period)
        opened.plan.kept_reports.append(period)


def write_intake(opened: Opened, evaluation, warnings: Warnings, normalised: dict) -> None:
    """``<out>/<evaluation>/intake.json``: the inputs' hashes, the warnings (count, first few) and the cells
    intake normalised (count per kind with its words, first few cells), where a reviewer's workpapers find
    them; a line on the terminal says how many cells were normalised and where they are listed."""
    import json

    from jixiao.intake.normalised import KINDS
    from jixiao.figures.adjustments import adjustment_effects

    params = opened.params
    adjusted = getattr(evaluation, "adjustments", None) or []
    record = {"evaluation": params.evaluation, "project": params.project, "span": params.span.label,
              "inputs": evaluation.inputs,
              "warnings": {"count": warnings.count, "first": warnings.first,
                           # every warning, for the workpapers' 数据处理说明 (a run with more names how many)
                           "listed": [str(w) for w in evaluation.warnings[:WARNINGS_LISTED]]},
              "normalised": {**normalised, "kinds": {k: {"zh": KINDS[k][0], "en": KINDS[k][1]}
                                                     for k in normalised["counts"]}},
              "adjustments": {"records": adjusted,
                              "effects": adjustment_effects(evaluation.tables, adjusted, params.span)}}
    with disk_space(opened.report_dir, 1 << 16):
        atomic_write_bytes(opened.report_dir / INTAKE_FILE,
                           json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
    if adjusted:
        _say(t(f"  已应用评价人员的 {len(adjusted)} 条调整(剔除或更正,原始文件未改动);调整前后及其影响见各期工作底稿的"
               f"“数据处理说明”({INTAKE_FILE})",
               f"  {len(adjusted)} adjustment(s) of the evaluator applied (rows excluded or cells corrected, the raw "
               f"files unchanged); before, after and their effect are in each period's workpapers ({INTAKE_FILE})"))
    total = sum(normalised["counts"].values())
    if total:
        _say(t(f"  已自动规范 {total:,} 个单元格(以文本填写的日期、去掉的空格、以文本存储的数字等);"
               f"见 {INTAKE_FILE},jixiao validate --details 逐个列出",
               f"  {total:,} cell(s) normalised automatically (dates typed as text, spaces trimmed, numbers stored as "
               f"text, …); see {INTAKE_FILE}, jixiao validate --details lists each cell"))


class Store:
    """Writes one evaluation's task outputs as they arrive, each atomically and its run record last, and keeps
    what was stored for the index."""

    def __init__(self, opened: Opened):
        self.opened = opened
        self.results: list[CellResult] = []
        self.reports: dict[str, dict] = {}  # period -> {"files", "built", "error"}: each period's whole report
        self.workers_lost = 0  # tasks whose worker died beyond its retries
        self.ledger = Ledger(opened.report_dir)  # what the run wrote: a report file otherwise is the user's

    def report_files(self, period: str) -> ReportFiles:
        return report_files(self.opened, period, self.ledger)

    def store(self, output) -> CellResult:
        """``write`` the task's outputs; a full disk is DiskFull."""
        folder = self.opened.report_dir / output.period
        with disk_space(folder, sum(len(data) for data in output.files.values()) + 4096):
            return self.write(output)

    def store_report(self, output) -> None:
        """``write_report``; a full disk is DiskFull."""
        folder = self.opened.report_dir / output.period
        with disk_space(folder, sum(len(data) for data in output.files.values()) + 4096):
            try:
                self.write_report(output)
            except Locked as exc:
                raise OutputLocked(str(exc)) from None

    def begin(self, prepared: Prepared) -> None:
        """The records of what is about to be replaced go first. A report whose pages are rewritten no longer
        matches them: it is moved to 上一版/ (an interrupted run leaves no report beside pages it does not
        match, and loses none); a report rebuilt over the same pages (a new template) stays until its
        replacement exists."""
        plan = self.opened.plan
        for cell in plan.stale:
            self.opened.state.forget(*cell)
        rewritten = set(plan.results_due) | {period for period, _ in plan.stale}
        for period in self.opened.reports_due:
            kept = self.opened.plan.kept_formats.get(period, set())  # outputs made from what has not changed
            if period not in rewritten or kept:  # it stands until its replacement (or its kept outputs) exist
                continue
            files = self.report_files(period)
            if not files.record.get("files"):
                continue
            try:
                files.move_aside()
            except Locked as exc:
                raise OutputLocked(str(exc)) from None
            self.opened.state.save_report(period, {**files.record, "key": None})  # says where, vouches for nothing
        for period, section in prepared.not_applicable:
            self.store(TaskOutput(self.opened.params.evaluation, period, section, Status.NOT_APPLICABLE, 0.0))
        for period in self.opened.plan.kept_reports:  # every output stands: the same record, under the new key
            opened = self.opened
            key = report_key(opened.state, opened.plan, opened.sections, period, opened.inputs, opened.request.pdf,
                             report_settings_digest(opened.params, period), opened.params.span.label)
            record = read_record(opened.state.dir / "reports" / f"{period}.json") or {}
            if key is not None and record:
                opened.state.save_report(period, {**record, "key": key, "formats": opened.plan.format_keys[period]})

    def parts_key(self, output) -> str | None:
        """The page's ``cutoff.parts_key``, from the digest of the parts its worker showed (None: a failed page)."""
        from jixiao.run.cutoff import parts_key

        if output.status is not Status.OK or not output.parts:
            return None
        return parts_key(self.opened, output.section, notebook_parameters(self.opened.params, output.period),
                         output.parts)

    def write(self, output) -> CellResult:
        """Write a task's files atomically, remove what a failure must not leave linked, then the run record."""
        folder = self.opened.report_dir / output.period
        files, digests = {}, {}
        for kind in ("ipynb", "html", "pdf", "xlsx"):
            target = folder / f"{output.section}.{kind}"
            if kind in output.files:
                atomic_write_bytes(target, output.files[kind])
                files[kind] = f"{output.period}/{target.name}"
                digests[files[kind]] = fingerprint(target, output.files[kind])
            else:
                target.unlink(missing_ok=True)  # the last run's file must not sit beside this one's failure
        result = CellResult(output.period, output.section, output.status, output.seconds, output.error, files,
                            phases=output.phases)
        self.opened.state.save(output.period, output.section, {
            "key": self.opened.plan.keys[(output.period, output.section)], "status": output.status,
            "seconds": output.seconds, "error": output.error, "files": files, "digests": digests,
            "phases": output.phases, "page_key": self.opened.plan.page_keys.get((output.period, output.section)),
            "parts_key": self.parts_key(output)})
        self.results.append(result)
        return result

    def write_report(self, output) -> None:
        """The period's report formats swapped in as a set (``run.outputs``), its record last; a failed or
        refused report touches nothing, and the index calls the last one 旧版 and says why."""
        opened = self.opened
        files = self.report_files(output.period)
        if output.status is not Status.OK or not output.files:
            placed = files.placed()
            self.reports[output.period] = report_entry(placed, files.record, built=True, error=output.error)
            return
        data = {kind: output.files[kind] for kind in REPORT_NAMES if kind in output.files}
        # made from what did not change: they stand untouched, part of the new set
        placed = files.replace(data, keep=opened.plan.kept_formats.get(output.period, set()))
        placeholders = int(output.phases.get("placeholders", 0))
        self.reports[output.period] = {**report_entry(placed, {"placeholders": placeholders}, built=True,
                                                      error=output.error),
                                       "rebuilt": [k for k in placed.files if k in output.files]}  # registry order
        key = report_key(opened.state, opened.plan, opened.sections, output.period, opened.inputs, opened.request.pdf,
                         report_settings_digest(opened.params, output.period), opened.params.span.label)
        # written last: it vouches for the files above (a None key is never reused, but says where they are)
        opened.state.save_report(output.period, {"key": key, "files": placed.files, "digests": placed.digests,
                                                 "placeholders": placeholders, "seconds": output.seconds,
                                                 "formats": self.format_keys(output.period)})

    def format_keys(self, period: str) -> dict[str, str]:
        """Each output's key (run.cutoff), for the next run's early cut-off."""
        from jixiao.run.cutoff import format_keys

        if period not in self.opened.plan.format_keys:
            self.opened.plan.format_keys[period] = format_keys(self.opened, period,
                                                               report_settings_digest(self.opened.params, period))
        return self.opened.plan.format_keys[period]


def report_files(opened: Opened, period: str, ledger: Ledger | None = None) -> ReportFiles:
    """``period``'s report files as its last record left them."""
    return ReportFiles(opened.report_dir, period, REPORT_NAMES, ledger or Ledger(opened.report_dir),
                       read_record(opened.state.dir / "reports" / f"{period}.json"))


def report_entry(placed: Placed, record: dict, *, built: bool, error: str) -> dict:
    """What the index says of a period's report: its files, and which version they are and why."""
    stale = ""
    if error and placed.files:
        stale = (t("旧版:数据已更新,本次未能重建,上一版/ 中为上次生成的报告(原因见下)",
                   "previous version: the data changed and the report could not be rebuilt; 上一版/ holds the "
                   "last one made (why: below)") if placed.previous else
                 t("旧版:本次未能重建,这是上次生成的报告(原因见下)",
                   "previous version: the report could not be rebuilt; this is the last one made (why: below)"))
    elif placed.previous and placed.files:
        stale = t("旧版:数据已更新,报告尚未重建;上一版/ 中为上次生成的报告",
                  "previous version: the data changed and the report is not rebuilt yet; 上一版/ holds the last one")
    return {"files": placed.files, "built": built, "error": error,
            "placeholders": int(record.get("placeholders", 0) or 0), "stale": stale, "edited": placed.edited,
            "note": placed.note()}


def report_task(opened: Opened, period: str):
    """The report of ``period``, with its metrics.json and frames as bytes (the parts are computed from them) and
    the sections whose page failed (their chapter is marked)."""
    from jixiao.run.execute import ReportTask, now_text

    folder = opened.report_dir / period
    files = _results_files(folder)
    files.update(_report_context_files(opened, period))
    records = {s.key: opened.state.record(period, s.key) or {} for s in opened.sections}
    leave_out = tuple(key for key, rec in records.items() if rec.get("status") == Status.NOT_APPLICABLE)
    failed = {key: rec.get("error") or "" for key, rec in records.items() if rec.get("status") == Status.FAILED}
    params = opened.params
    return ReportTask(params.evaluation, period, params.span.label, params.project, now_text(),
                      opened.inputs, _footer_parameters(params), files, opened.request.pdf, leave_out,
                      report=report_settings(params), failed=failed,
                      skip=tuple(sorted(opened.plan.kept_formats.get(period, ()))))


@dataclass(frozen=True)
class Executed:
    """One evaluation after the batch: what it prepared (None when its inputs were refused) and stored."""

    opened: Opened
    prepared: Prepared | None
    store: Store


@dataclass(frozen=True)
class Finished:
    exit_code: int  # 0 ok, 1 a notebook, report or the index failed, 2 refused, 3 workers lost beyond retries
    results: list[CellResult]


def finish(executed: Executed, quiet_summary: bool = False) -> Finished:
    """The index and the snapshot for the next run, and the summary."""
    from jixiao.run.execute import now_text

    opened, store = executed.opened, executed.store
    if executed.prepared is None:
        return Finished(2, list(store.results))
    params, plan = opened.params, opened.plan
    results = list(store.results)
    for (period, section), record in plan.reused.items():
        results.append(CellResult(period, section, Status(record.get("status", Status.OK)),
                                  record.get("seconds", 0.0), "", record["files"], reused=True))
    order = {(p.label, s.key): i for i, (p, s) in enumerate((p, s) for p in params.periods for s in opened.sections)}
    results.sort(key=lambda r: order[(r.period, r.section)])
    reports = dict(store.reports)
    for period in params.periods:
        if period.label not in reports:  # kept from an earlier run
            files = store.report_files(period.label)
            reports[period.label] = report_entry(files.placed(), files.record, built=False, error="")
    elapsed = time.monotonic() - opened.started
    try:
        with disk_space(opened.report_dir, 1 << 20):
            write_index(opened.report_dir, evaluation=params.evaluation, project=params.project,
                        span=params.span.label, periods=[p.label for p in params.periods],
                        sections=[(s.key, s.title) for s in opened.sections], figures=executed.prepared.figures,
                        results=results, footer_parameters=_footer_parameters(params), inputs=opened.inputs,
                        elapsed=elapsed, run_time=now_text(), reports=reports, synthetic=params.synthetic)
    except DiskFull:
        raise
    except Exception as exc:  # e.g. a project title with a character the font cannot draw
        _say(t(f"失败:index.html:{type(exc).__name__}: {exc}", f"failed: index.html: {type(exc).__name__}: {exc}"))
        return Finished(1, results)
    with disk_space(opened.state.dir, 1 << 16):
        opened.state.save_snapshot({"environment": opened.environment,
                                    "sections": [s.__dict__ for s in opened.sections], "run": opened.run_facts,
                                    "figures": executed.prepared.figures,
                                    "warnings": {"count": executed.prepared.warnings.count,
                                                 "first": executed.prepared.warnings.first},
                                    "normalised": executed.prepared.normalised or {"counts": {}, "first": {}}})
    failed = [r for r in results if r.status is Status.FAILED]
    count = CellCounts.of(results)  # the same counts as the index and the progress bar
    if not quiet_summary:
        na_zh = f",另 {count.not_applicable} 个不适用" if count.not_applicable else ""
        na_en = f", {count.not_applicable} not applicable" if count.not_applicable else ""
        print(t(f"{count.pages - len(failed)}/{count.pages} 个章节页已写入 {opened.report_dir}{na_zh},用时 {elapsed:.1f} 秒"
                f"(执行 {count.executed} 个,沿用 {count.reused} 个);索引:{opened.report_dir / 'index.html'}",
                f"{count.pages - len(failed)} of {count.pages} section pages written to {opened.report_dir}{na_en} "
                f"in {elapsed:.1f} s ({count.executed} executed, {count.reused} reused); "
                f"index: {opened.report_dir / 'index.html'}"))
        made = "、".join(f"{p.label}({'、'.join(reports[p.label]['rebuilt'])})" for p in params.periods
                        if reports[p.label].get("built") and reports[p.label].get("rebuilt"))
        print(t(f"报告:重建 {made or '无'};其余沿用", f"reports: rebuilt {made or 'none'}; the rest kept"))
    for r in sorted(failed, key=lambda r: (r.period, r.section)):
        _say(t(f"失败:{r.period}/{r.section}:{r.error}", f"failed: {r.period}/{r.section}: {r.error}"))
    for period, report in reports.items():
        if report.get("note") and report.get("built"):  # said once, when the new version is written beside
            _say(t(f"注意:{report['note']}", f"note: {report['note']}"))
    failed_reports = {p: r["error"] for p, r in reports.items() if r["error"]}
    for period, error in failed_reports.items():
        _say(t(f"失败:{period}/report:{error}", f"failed: {period}/report: {error}"))
    if store.workers_lost:
        _say(t(f"错误:{store.workers_lost} 个任务的工作进程在重试后仍然丢失;重新运行将沿用已完成的部分。",
               f"error: the workers of {store.workers_lost} task(s) were lost beyond their retries; "
               "running again reuses what was finished."))
        return Finished(3, results)
    return Finished(1 if failed or failed_reports else 0, results)


def _report_names() -> dict[str, str]:
    """Each output of a period's report (the registry, ``output.formats``) -> its file name."""
    from jixiao.output.formats import FORMATS

    return {f.name: f.file for f in FORMATS}


REPORT_NAMES = _report_names()


def _results_files(period_dir: Path) -> dict[str, bytes]:
    """metrics.json and frames/*, as bytes: what a worker without the report folder needs."""
    from jixiao.contract.results import FRAMES_DIR

    files = {"metrics.json": (period_dir / "metrics.json").read_bytes()}
    for path in sorted((period_dir / FRAMES_DIR).iterdir()):
        files[f"{FRAMES_DIR}/{path.name}"] = path.read_bytes()
    return files


def _report_context_files(opened: Opened, period: str) -> dict[str, bytes]:
    """What a period's report reads beside its own results: the whole span's metrics.json (a template's
    ``span.…``; a single year's only) and the run's intake record (the workpapers' 数据处理说明)."""
    from jixiao.output.formats import SPAN_METRICS
    from jixiao.output.methods import PROCESSING_FILE

    files = {}
    span = opened.report_dir / opened.params.span.label / "metrics.json"
    if period != opened.params.span.label and span.is_file():
        files[SPAN_METRICS] = span.read_bytes()
    intake = opened.report_dir / INTAKE_FILE
    if intake.is_file():
        files[PROCESSING_FILE] = intake.read_bytes()
    return files


def _footer_parameters(params: RunParams) -> dict:
    return {"evaluation": params.evaluation, "project": params.project, "span": params.span.label,
            "periods": ", ".join(p.label for p in params.periods), "raw_dir": str(params.raw_dir),
            "jobs": str(params.jobs)}


def _progress(enabled: bool):
    from tqdm import tqdm

    return tqdm(total=0, desc="jixiao run", unit="notebook", disable=not enabled, file=sys.stderr)


# --- many evaluations, one scheduler -------------------------------------------------------------------


def execute_runs(runs: list[Opened], *, jobs: int, scheduler: SchedulerChoice = LOCAL,
                 progress: bool = True, kept: KeptScheduler | None = None) -> list[Executed]:
    """Run every stale cell of ``runs`` on one scheduler, storing outputs as they arrive. The scheduler starts
    only when a cell has to run (bad inputs never start a kernel) and works while later evaluations are
    still being validated; ``kept``: a watch's scheduler, used and left running. One Executed per run, in order;
    raises Interrupted (said) on Ctrl-C or SIGTERM."""
    from jixiao.run.scheduler import make_scheduler

    def start(workers: int, kernels: bool = True):
        return kept.get() if kept is not None else make_scheduler(scheduler, workers, kernels)

    executed: list[Executed] = []
    finished = 0  # outputs received
    stored_bytes = stored_outputs = 0  # what was written so far: the measure of what the rest will need
    pending: dict = {}  # future -> (index in executed, task)
    waiting: dict = {}  # (index, period) -> cells not stored yet (the period's report waits for them)
    held: dict = {}  # (index, period) -> (report task, its output) made before the period's pages were stored
    halves: dict = {}  # (index, period) -> [[report task, its output or None], …]: a report, maybe split in two
    failed_pages: dict = {}  # (index, period) -> sections whose page failed in this run
    engine = None
    bar = None
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    previous_int = signal.getsignal(signal.SIGINT)
    try:
        for run in runs:
            store = Store(run)
            if run.nothing_to_do:  # the figures stand: at most a report to build (a new template, cover …)
                prepared = reports_only(run)
                if not run.reports_due:
                    executed.append(Executed(run, prepared, store))
                    continue
            if run.plan.stale and engine is None:
                stale_total = sum(len(r.plan.stale) for r in runs)
                engine = start(max(1, min(jobs, stale_total)))
            if engine is None and run.reports_due:
                engine = start(max(1, min(jobs, sum(len(r.reports_due) for r in runs))),
                               kernels=any(r.plan.stale for r in runs))
            if not run.nothing_to_do:
                try:
                    prepared = prepare(run, shared_filesystem=engine.shared_filesystem if engine else True)
                except Refused:
                    executed.append(Executed(run, None, store))
                    continue
            index = len(executed)
            executed.append(Executed(run, prepared, store))
            store.begin(prepared)
            if bar is None and prepared.tasks:
                bar = _progress(progress)
            for period in run.reports_due:
                waiting[(index, period)] = {(t.period, t.section) for t in prepared.tasks if t.period == period}
            # a report is made from the period's results, written by now, not from its pages, and stored once they
            # are. After an edit (a few stale pages) it is built beside them, all of them longest first, so the
            # whole span's report, the longest task, does not start last; in a full run it queues behind them, or
            # the reports' PDFs would hold the workers while pages wait.
            reports = [report_task(run, period) for period in run.reports_due]
            if len(prepared.tasks) < EDIT_PAGES * jobs:
                if getattr(engine, "jobs", jobs) > 1:  # its Word file on another worker than its PDF (a pool of one
                    # worker, as a template edit's cold run starts, would only build the parts twice)
                    reports = [half for report in reports for half in split_report(report)]
                ordered = longest_first(run, reports + prepared.tasks)
            else:
                ordered = prepared.tasks + reports
            for report in reports:
                halves.setdefault((index, report.period), []).append([report, None])
            for task in ordered:
                pending[engine.submit(task)] = (index, task)
            if bar is not None:  # notebooks only: a period's report is no notebook, and 不适用 cells run none
                bar.total = sum(t.kind is TaskKind.SECTION for _, t in pending.values()) + bar.n
                bar.refresh()
        if pending:
            futures = engine.as_completed(list(pending))
            for future in futures:
                index, task = pending.pop(future)
                run, store = executed[index].opened, executed[index].store
                try:
                    output = future.result()
                except Exception as exc:  # noqa: BLE001 - the scheduler lost, or a worker that died
                    address = engine.lost(exc)
                    if address is not None:  # every task still out fails the same way: one line for all
                        raise SchedulerLost(address, finished, finished + len(pending) + 1) from None
                    error = _failure_text(exc)
                    if engine.worker_lost(exc):
                        store.workers_lost += 1
                        error = t(f"工作进程在重试后仍然丢失({type(exc).__name__})",
                                  f"the worker was lost beyond its retries ({type(exc).__name__})")
                    output = TaskOutput(task.evaluation, task.period, task.section, Status.FAILED, 0.0, error)
                finished += 1
                key = (index, task.period)
                if task.kind is TaskKind.REPORT:
                    made = halves[key]
                    next(half for half in made if half[0] is task)[1] = output
                    if any(out is None for _, out in made):
                        continue  # its other half is still out
                    held[key] = (task, merge_report([out for _, out in made]))
                else:
                    store.store(output)
                    if output.status is Status.FAILED:
                        failed_pages.setdefault(key, set()).add(task.section)
                    stored_bytes += sum(len(data) for data in output.files.values())
                    stored_outputs += 1
                    if key in waiting:
                        waiting[key].discard((task.period, task.section))
                if key in held and not waiting.get(key):  # the report, and every page of its period, are in
                    report, made = held.pop(key)
                    if failed_pages.get(key, set()) - set(report.failed):  # a page failed: its chapter says so
                        report = report_task(run, task.period)
                        halves[key] = [[report, None]]
                        new = engine.submit(report)
                        pending[new] = (index, report)
                        futures.add(new)
                    else:
                        store.store_report(made)
                        stored_bytes += sum(len(data) for data in made.files.values())
                        stored_outputs += 1
                if task.kind is TaskKind.REPORT:
                    continue
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"{task.evaluation}/{task.period}/{task.section} {output.status}")
    except (KeyboardInterrupt, Terminated, MachineryLost) as exc:
        # stopped part-way: the workers go at once, and no temp file of this run stays behind
        _ignore_further_stops()
        if bar is not None:
            bar.close()
        if engine is not None:
            engine.kill()
        for run in runs:
            remove_partials(run.report_dir, include_own=True)
        if isinstance(exc, DiskFull):  # what the whole rest of the run needs, not only the write that failed
            outputs_to_come = len(pending) + len(held)
            each = stored_bytes / stored_outputs if stored_outputs else exc.needed
            raise DiskFull(exc.folder, exc.needed + int(outputs_to_come * each)) from None
        if isinstance(exc, MachineryLost):
            raise
        for run in runs:
            _say(t(f"已中断:{run.report_dir} 中的报告不完整;再次运行即可补全",
                   f"interrupted: the reports in {run.report_dir} are incomplete; run again to complete them"))
        raise Interrupted() from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        if previous_int is not None:  # None: a handler not set from Python, left as it is
            signal.signal(signal.SIGINT, previous_int)
        if bar is not None:
            bar.close()
    if engine is not None and kept is None:
        engine.shutdown()
    return executed


EDIT_PAGES = 3  # fewer stale pages than this many per worker: an edit, whose reports are built beside its pages


def longest_first(run: Opened, tasks: list) -> list:
    """Pages and reports by the seconds each took last time (a page never made: its section's cost; a report
    never timed: its period's pages together), the longest first."""
    from jixiao.sections import SECTIONS

    cost = {s.key: s.cost for s in SECTIONS}

    def page_seconds(period: str, section: str) -> float:
        return (run.state.record(period, section) or {}).get("seconds") or cost.get(section, 1)

    def seconds(task) -> float:
        if task.kind is TaskKind.REPORT:
            record = read_record(run.state.dir / "reports" / f"{task.period}.json") or {}
            return record.get("seconds") or sum(page_seconds(task.period, s.key) for s in run.sections)
        return page_seconds(task.period, task.section)

    return sorted(tasks, key=lambda task: -seconds(task))


@dataclass(frozen=True)
class Evaluated:
    """One requested evaluation after ``run_evaluations``: its Opened and Finished, None where it was refused
    before either (its notebooks or output folder)."""

    request: Request
    opened: Opened | None
    finished: Finished | None

    @property
    def refused(self) -> bool:
        return self.finished is None or self.finished.exit_code == 2


@dataclass(frozen=True)
class Outcome:
    """What ``run_evaluations`` gives back: the exit code and each evaluation, in the order asked (none when the
    run was stopped: interrupted, 130, or the machinery lost, 3)."""

    exit_code: int
    evaluations: list[Evaluated]

    @property
    def stopped(self) -> bool:
        return not self.evaluations


def exit_code(codes) -> int:
    """One exit code for many parts: the machinery lost (3) over a refusal (2) over a failed part (1) over 0."""
    codes = set(codes)
    return next((code for code in (3, 2, 1) if code in codes), 0)


def run_evaluations(requests: list[Request], *, jobs: int, scheduler: SchedulerChoice = LOCAL, progress: bool = True,
                    then=None, kept: KeptScheduler | None = None) -> Outcome:
    """Open, execute on one scheduler, finish and close every evaluation asked for; ``then(evaluations)`` runs
    while their folders are still locked (a portfolio's index). The one path of ``jixiao run``, for one
    evaluation and for a portfolio alike, and of each run of ``jixiao watch`` (``kept``: its scheduler)."""
    opened: list[Opened | None] = []
    try:
        for request in requests:
            try:
                opened.append(open_run(request))
            except Refused:
                opened.append(None)
        executed = iter(execute_runs([run for run in opened if run is not None], jobs=jobs, scheduler=scheduler,
                                     progress=progress, kept=kept))
        evaluations = [Evaluated(request, run, None if run is None else finish(next(executed)))
                       for request, run in zip(requests, opened)]
        if then is not None:
            then(evaluations)
    except Interrupted:
        return Outcome(130, [])
    except MachineryLost as exc:
        say_lost(exc)
        return Outcome(3, [])
    finally:
        for run in opened:
            if run is not None:
                run.close()
    return Outcome(exit_code(2 if e.finished is None else e.finished.exit_code for e in evaluations), evaluations)


def run_batch(params: RunParams, notebooks_dir: Path | None = None, progress: bool = True, force: bool = False,
              pdf: bool = True, scheduler: SchedulerChoice = LOCAL, kept: KeptScheduler | None = None) -> int:
    """One evaluation; returns the exit code (0 ok, 1 a notebook failed, 2 bad inputs or output folder, 3 the
    machinery lost, 130 interrupted). ``kept``: warm workers to run on, left running."""
    request = Request(params, Path(notebooks_dir or NOTEBOOKS_DIR), force, pdf)
    return run_evaluations([request], jobs=params.jobs, scheduler=scheduler, progress=progress,
                           kept=kept).exit_code


def say_lost(exc: MachineryLost) -> None:
    """The one line for machinery lost (with the traceback under ``--debug``)."""
    if debugging():
        traceback.print_exception(exc, file=sys.stderr)
    _say(str(exc))
