"""``jixiao run``: every section notebook for every period, executed where its inputs changed, exported, indexed.

Order of work, so that nothing is exported from bad inputs or into a bad place: parameters (already
checked by ``load_params``), the output folder (writable, not locked by another run), the run keys
(``runkeys``: a section whose inputs, notebook, parameters and environment are unchanged is reused),
then, when anything is left to do, the inputs (validated: any error stops the run), each period's
results computed once (metrics.json and the section frames, ``results``), and the notebooks in a
process pool of warm kernels (``execute``). Every file is written under a temp name and renamed when
complete, a section's run record last; a killed run leaves only hidden ``*.part`` files, which the
next run removes. A failing notebook does not stop the others: its executed notebook (with the
traceback) and HTML are kept and the index links them.

The heavy imports (pandas, the sections, papermill, nbconvert, WeasyPrint) happen only when a
section has to run, so a re-run that reuses everything finishes in well under a second.
"""

from __future__ import annotations

import fcntl
import functools
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.atomic import atomic_write_bytes
from jixiao.core.config import NOTEBOOKS_DIR, PROCESSED_DIR
from jixiao.contract.fingerprint import contract_inputs, input_files, sha256_file
from jixiao.core.i18n import t
from jixiao.output.index import NOT_APPLICABLE, CellResult, write_index
from jixiao.contract.params import RunParams
from jixiao.run.runkeys import RunState, environment_digest, files_read, section_key

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


def remove_partials(folder: Path) -> int:
    """Delete temp files a killed run left behind; they never have a final name."""
    count = 0
    for path in folder.rglob(".*.part*"):
        if path.is_file():
            path.unlink(missing_ok=True)
            count += 1
    return count


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

    @functools.cached_property
    def stale(self) -> list[tuple[str, str]]:
        return [cell for cell in self.keys if cell not in self.reused]


def notebook_parameters(params: RunParams, period: str) -> dict:
    return {"evaluation": params.evaluation, "period": period, "span": params.span.label,
            "project": params.project, "raw_dir": str(params.raw_dir)}


def make_plan(params: RunParams, notebooks_dir: Path, sections: list[SectionInfo], environment: str,
              state: RunState, force: bool, pdf: bool, found: dict[str, str]) -> Plan:
    """Each cell's key and the records that can be kept; ``found``: ``input_files`` of the raw folder."""
    inputs = contract_inputs(found, params.layout)
    notebook_digests = {s.key: sha256_file(notebooks_dir / f"{s.key}.ipynb") for s in sections}
    keys, reused = {}, {}
    for period in params.periods:
        for s in sections:
            key = section_key(section=s.key, files=files_read(s.reads, s.reads_published), inputs=inputs,
                              notebook_digest=notebook_digests[s.key],
                              parameters=notebook_parameters(params, period.label), environment=environment, pdf=pdf,
                              layout=params.layout.as_dict())
            keys[(period.label, s.key)] = key
            record = None if force else state.reusable(period.label, s.key, key, params.report_dir)
            if record is not None:
                reused[(period.label, s.key)] = record
    return Plan(inputs, keys, reused)


# --- one evaluation -------------------------------------------------------------------------------


class Terminated(Exception):
    """SIGTERM reached the run."""


def _raise_terminated(signum, frame):
    raise Terminated()


def _say(text: str) -> None:
    print(text, file=sys.stderr)


@dataclass
class EvaluationRun:
    """One evaluation's part of a batch: its lock, plan, results and index."""

    params: RunParams
    notebooks_dir: Path
    force: bool = False
    pdf: bool = True
    state: RunState | None = None
    environment: str = ""
    snapshot: dict | None = None
    sections: list[SectionInfo] = field(default_factory=list)
    lock: Lock | None = None
    plan: Plan | None = None
    started: float = field(default_factory=time.monotonic)
    results: list[CellResult] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    inputs: dict = field(default_factory=dict)  # department file names -> SHA-256 (for the provenance)
    exit_code: int | None = None  # set when the evaluation was refused (2) or its index failed (1)
    reports: dict = field(default_factory=dict)  # period -> {"files", "built", "error"}: each period's whole report
    waiting: dict = field(default_factory=dict)  # period -> cells not stored yet (its report waits for them)

    @property
    def report_dir(self) -> Path:
        return self.params.report_dir

    @property
    def run_facts(self) -> dict:
        return {"inputs": self.plan.inputs, "parameters": _footer_parameters(self.params),
                "layout": self.params.layout.as_dict()}

    def open(self) -> bool:
        """Notebooks there, output folder writable and locked, plan made; False (exit_code 2) when refused."""
        self.state = RunState(self.report_dir)
        self.environment = environment_digest()
        self.snapshot = self.state.snapshot()
        if self.snapshot is None or self.snapshot.get("environment") != self.environment:
            self.snapshot, self.sections = None, registry_info()  # the library changed: ask the registry itself
        else:
            self.sections = [SectionInfo(**s) for s in self.snapshot["sections"]]
        missing = [s.key for s in self.sections if not (self.notebooks_dir / f"{s.key}.ipynb").is_file()]
        if missing:
            _say(t(f"错误:{self.notebooks_dir} 中缺少 notebook:{'、'.join(missing)}",
                   f"error: notebooks missing in {self.notebooks_dir}: {', '.join(missing)}"))
            self.exit_code = 2
            return False
        try:
            check_writable(self.report_dir)
            self.lock = Lock(self.report_dir).acquire()
        except (PermissionError, RunLocked) as exc:
            _say(t(f"错误:{exc}", f"error: {exc}"))
            self.exit_code = 2
            return False
        remove_partials(self.report_dir)
        # no index while the tree is being rewritten: a reviewer must not take a half-done run for a finished one
        for stale in ("index.html", "index.json"):
            (self.report_dir / stale).unlink(missing_ok=True)
        self.inputs = input_files(self.params.raw_dir, self.params.layout)
        self.plan = make_plan(self.params, self.notebooks_dir, self.sections, self.environment, self.state,
                              self.force, self.pdf, self.inputs)
        return True

    @property
    def nothing_to_do(self) -> bool:
        """No cell to execute, and the last finished run had these very inputs: its figures stand."""
        return not self.plan.stale and self.snapshot is not None and self.snapshot.get("run") == self.run_facts

    def reuse_last_figures(self) -> None:
        self.figures, self.warnings = self.snapshot["figures"], self.snapshot.get("warnings", [])
        for w in self.warnings:
            _say(f"  {w}")

    def prepare(self, shared_filesystem: bool) -> list | None:
        """Validate, compute each period once, write its results; the stale cells' tasks (None: refused)."""
        from jixiao.intake.folder import load_evaluation
        from jixiao.run.execute import NotebookTask, TaskOutput
        from jixiao.core.problems import InputError
        from jixiao.contract.results import write_period_results
        from jixiao.sections import SECTIONS, compute_period

        params = self.params
        try:
            evaluation = load_evaluation(params.raw_dir, PROCESSED_DIR / params.evaluation,
                                         span=(params.span.first, params.span.last), layout=params.layout)
        except InputError as exc:
            _say(t(f"错误:{params.raw_dir} 中的输入有错误,未导出任何内容:",
                   f"error: the inputs in {params.raw_dir} have errors; nothing was exported:"))
            for p in exc.problems:
                if p.severity == "error":
                    _say(f"  {p}")
            self.exit_code = 2
            return None
        self.warnings = [str(w) for w in evaluation.warnings]
        for w in self.warnings:
            _say(f"  {w}")
        stale = self.plan.stale
        titles = {s.key: s.title for s in SECTIONS}
        last_seconds = {cell: (self.state.record(*cell) or {}).get("seconds") for cell in stale}
        tasks = []
        for period in params.periods:
            computed = compute_period(evaluation.tables, period, params.span, params.project, evaluation.published)
            self.figures[period.label] = [f for s in SECTIONS for f in s.index_figures(computed.metrics)]
            not_applicable = {s.key for s in SECTIONS if not s.applies_to(computed.metrics)}
            if not any(cell[0] == period.label for cell in stale):
                continue
            stamp = {"evaluation": params.evaluation, "period": period.label, "span": params.span.label,
                     "project": params.project, "inputs": evaluation.inputs}
            period_dir = self.report_dir / period.label
            write_period_results(period_dir, computed, stamp)
            shipped = {} if shared_filesystem else _results_files(period_dir)
            for period_label, section in stale:
                if period_label != period.label:
                    continue
                self.state.forget(period_label, section)  # from here on its outputs are being replaced
                if section in not_applicable:  # nothing to show: no page, 不适用 in the index
                    self.store(TaskOutput(params.evaluation, period_label, section, NOT_APPLICABLE, 0.0))
                    continue
                parameters = notebook_parameters(params, period_label)
                tasks.append(NotebookTask(
                    evaluation=params.evaluation, period=period_label, section=section,
                    title=f"{titles[section]} · {params.project} · {period_label}",
                    notebook=(self.notebooks_dir / f"{section}.ipynb").read_text(encoding="utf-8"),
                    parameters={**parameters, "results_dir": str(period_dir) if shared_filesystem else ""},
                    footer_parameters=parameters, inputs=evaluation.inputs, results=shipped, pdf=self.pdf))
        # longest first, so no worker is left with a long notebook at the end while the others idle
        cost = {s.key: s.cost for s in SECTIONS}
        tasks.sort(key=lambda task: -(last_seconds[(task.period, task.section)]
                                      or cost[task.section] * (2 if task.period == params.span.label else 1)))
        return tasks

    @functools.cached_property
    def reports_due(self) -> list[str]:
        """Periods whose report must be (re)built: a section of theirs runs now, or a report file is missing."""
        executed = {period for period, _ in self.plan.stale}
        key = self.report_key
        return [p.label for p in self.params.periods
                if p.label in executed or not all(f.is_file() for f in _report_files(self.report_dir / p.label, self.pdf))
                or (self.state.record(p.label, "report") or {}).get("key") != key]

    @functools.cached_property
    def report_key(self) -> str:
        """What the reports depend on beyond their sections: the params' report block with its template and
        reference document, and published.yaml (the template's published.… fields)."""
        import hashlib
        import json

        digest = hashlib.sha256(json.dumps(self._report_settings(with_bytes=False), sort_keys=True, ensure_ascii=False,
                                           default=str).encode())
        for path in (self.params.report.template, self.params.report.reference_docx, self.params.raw_dir / "published.yaml"):
            digest.update(path.read_bytes() if path is not None and path.is_file() else b"-")
        return digest.hexdigest()

    def _report_settings(self, with_bytes: bool = True) -> dict:
        settings = self.params.report
        from jixiao.output.export import relative_to_project

        out = {"cover": dict(settings.cover), "final": settings.final,
               "template_name": relative_to_project(str(settings.template)) if settings.template else ""}
        if with_bytes:
            published = self.params.raw_dir / "published.yaml"
            out["template_text"] = settings.template.read_text(encoding="utf-8") if settings.template else None
            out["reference_docx"] = settings.reference_docx.read_bytes() if settings.reference_docx else None
            out["published"] = published.read_bytes() if published.is_file() else None
        return out

    def report_task(self, period: str):
        """The report of ``period``, with its metrics.json and executed notebooks as bytes."""
        from jixiao.run.execute import ReportTask, now_text

        folder = self.report_dir / period
        files = {name: (folder / name).read_bytes()
                 for name in ["metrics.json", *(f"{s.key}.ipynb" for s in self.sections)] if (folder / name).is_file()}
        leave_out = tuple(s.key for s in self.sections
                          if (self.state.record(period, s.key) or {}).get("status") == NOT_APPLICABLE)
        return ReportTask(self.params.evaluation, period, self.params.span.label, self.params.project, now_text(),
                          self.inputs, _footer_parameters(self.params), files, self.pdf, leave_out,
                          report=self._report_settings())

    def store_report(self, output) -> None:
        """report.html (and report.pdf) atomically; a failed report leaves none beside the sections."""
        folder = self.report_dir / output.period
        files = {}
        for kind, target in _report_targets(folder, True).items():
            if kind in output.files:
                atomic_write_bytes(target, output.files[kind])
                files[kind] = f"{output.period}/{target.name}"
            else:
                target.unlink(missing_ok=True)
        placeholders = int(output.phases.get("placeholders", 0))
        self.reports[output.period] = {"files": files, "built": True, "error": output.error, "placeholders": placeholders}
        if not output.error:
            self.state.save(output.period, "report", {"key": self.report_key, "placeholders": placeholders})
        else:
            self.state.forget(output.period, "report")

    def store(self, output) -> CellResult:
        """Write a task's files atomically, remove what a failure must not leave linked, then the run record."""
        folder = self.report_dir / output.period
        files = {}
        for kind in ("ipynb", "html", "pdf", "xlsx"):
            target = folder / f"{output.section}.{kind}"
            if kind in output.files:
                atomic_write_bytes(target, output.files[kind])
                files[kind] = f"{output.period}/{target.name}"
            else:
                target.unlink(missing_ok=True)  # the last run's file must not sit beside this one's failure
        result = CellResult(output.period, output.section, output.status, output.seconds, output.error, files,
                            phases=output.phases)
        self.state.save(output.period, output.section, {
            "key": self.plan.keys[(output.period, output.section)], "status": output.status,
            "seconds": output.seconds, "error": output.error, "files": files, "phases": output.phases})
        self.results.append(result)
        return result

    def finish(self, quiet_summary: bool = False) -> int:
        """The index and the snapshot for the next run; the exit code (0 ok, 1 a notebook or the index failed)."""
        from jixiao.run.execute import now_text

        params = self.params
        results = list(self.results)
        for (period, section), record in self.plan.reused.items():
            results.append(CellResult(period, section, record.get("status", "ok"), record.get("seconds", 0.0), "",
                                      record["files"], reused=True))
        order = {(p.label, s.key): i for i, (p, s) in enumerate((p, s) for p in params.periods for s in self.sections)}
        results.sort(key=lambda r: order[(r.period, r.section)])
        self.results = results
        for period in params.periods:
            if period.label not in self.reports:  # kept from an earlier run
                self.reports[period.label] = {"files": {kind: f"{period.label}/{f.name}" for kind, f in
                                                        _report_targets(self.report_dir / period.label, self.pdf).items()
                                                        if f.is_file()},
                                              "placeholders": (self.state.record(period.label, "report") or {}).get("placeholders", 0),
                                              "built": False, "error": ""}
        elapsed = time.monotonic() - self.started
        try:
            write_index(self.report_dir, evaluation=params.evaluation, project=params.project,
                        span=params.span.label, periods=[p.label for p in params.periods],
                        sections=[(s.key, s.title) for s in self.sections], figures=self.figures, results=results,
                        footer_parameters=_footer_parameters(params), inputs=self.inputs, elapsed=elapsed,
                        run_time=now_text(), reports=self.reports)
        except Exception as exc:  # e.g. a project title with a character the font cannot draw
            _say(t(f"失败:index.html:{type(exc).__name__}: {exc}", f"failed: index.html: {type(exc).__name__}: {exc}"))
            return 1
        self.state.save_snapshot({"environment": self.environment, "sections": [s.__dict__ for s in self.sections],
                                  "run": self.run_facts, "figures": self.figures, "warnings": self.warnings})
        failed = [r for r in results if r.status == "failed"]
        reused = len(self.plan.reused)
        if not quiet_summary:
            print(t(f"{len(results) - len(failed)}/{len(results)} 个章节报告已写入 {self.report_dir},用时 {elapsed:.1f} 秒"
                    f"(执行 {len(results) - reused} 个,沿用 {reused} 个);索引:{self.report_dir / 'index.html'}",
                    f"{len(results) - len(failed)} of {len(results)} section reports written to {self.report_dir} "
                    f"in {elapsed:.1f} s ({len(results) - reused} executed, {reused} reused); "
                    f"index: {self.report_dir / 'index.html'}"))
        for r in sorted(failed, key=lambda r: (r.period, r.section)):
            _say(t(f"失败:{r.period}/{r.section}:{r.error}", f"failed: {r.period}/{r.section}: {r.error}"))
        failed_reports = {p: r["error"] for p, r in self.reports.items() if r["error"]}
        for period, error in failed_reports.items():
            _say(t(f"失败:{period}/report:{error}", f"failed: {period}/report: {error}"))
        return 1 if failed or failed_reports else 0

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None


REPORT_KINDS = ("html", "pdf", "docx", "workpapers")


REPORT_NAMES = {"html": "report.html", "pdf": "report.pdf", "docx": "report.docx", "workpapers": "workpapers.html"}


def _report_targets(period_dir: Path, pdf: bool) -> dict[str, Path]:
    return {k: period_dir / REPORT_NAMES[k] for k in REPORT_KINDS if pdf or k != "pdf"}


def _report_files(period_dir: Path, pdf: bool) -> list[Path]:
    return list(_report_targets(period_dir, pdf).values())


def _results_files(period_dir: Path) -> dict[str, bytes]:
    """metrics.json and frames/*, as bytes: what a worker without the report folder needs."""
    from jixiao.contract.results import FRAMES_DIR

    files = {"metrics.json": (period_dir / "metrics.json").read_bytes()}
    for path in sorted((period_dir / FRAMES_DIR).iterdir()):
        files[f"{FRAMES_DIR}/{path.name}"] = path.read_bytes()
    return files


def _footer_parameters(params: RunParams) -> dict:
    return {"evaluation": params.evaluation, "project": params.project, "span": params.span.label,
            "periods": ", ".join(p.label for p in params.periods), "raw_dir": str(params.raw_dir),
            "jobs": str(params.jobs)}


def _progress(enabled: bool):
    from tqdm import tqdm

    return tqdm(total=0, desc="jixiao run", unit="notebook", disable=not enabled, file=sys.stderr)


# --- many evaluations, one scheduler -------------------------------------------------------------------


def execute_runs(runs: list[EvaluationRun], *, jobs: int, scheduler: str = "local", progress: bool = True) -> int | None:
    """Run every stale cell of ``runs`` on one scheduler, storing outputs as they arrive. The scheduler starts
    only when a cell has to run (bad inputs never start a kernel) and works while later evaluations are
    still being validated. Returns 130 when interrupted, else None (each run's exit_code tells refusals)."""
    from jixiao.run.execute import TaskOutput
    from jixiao.run.scheduler import make_scheduler

    pending: dict = {}  # future -> (run, task)
    engine = None
    bar = None
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        for run in runs:
            if run.exit_code is not None:
                continue
            if run.nothing_to_do and not run.reports_due:
                run.reuse_last_figures()
                continue
            if run.plan.stale and engine is None:
                stale_total = sum(len(r.plan.stale) for r in runs if r.exit_code is None)
                engine = make_scheduler(scheduler, max(1, min(jobs, stale_total)))
            if engine is None and run.reports_due:
                engine = make_scheduler(scheduler, max(1, min(jobs, len(run.reports_due))))
            tasks = run.prepare(shared_filesystem=engine.shared_filesystem if engine else True)
            if tasks is None:
                continue
            if bar is None and tasks:
                bar = _progress(progress)
            due = set(run.reports_due)
            run.waiting = {period: {(t.period, t.section) for t in tasks if t.period == period} for period in due}
            for task in tasks:
                pending[engine.submit(task)] = (run, task)
            for period in due:
                if not run.waiting[period]:  # nothing of it runs now, but its report is missing
                    report = run.report_task(period)
                    pending[engine.submit(report)] = (run, report)
            if bar is not None:
                bar.total = len(pending) + bar.n
                bar.refresh()
        if pending:
            futures = engine.as_completed(list(pending))
            for future in futures:
                run, task = pending.pop(future)
                try:
                    output = future.result()
                except Exception:  # noqa: BLE001 - a worker that died (on Dask: after its retries)
                    output = TaskOutput(task.evaluation, task.period, task.section, "failed", 0.0,
                                        traceback.format_exc(limit=3))
                if task.section == "report":
                    run.store_report(output)
                    continue
                run.store(output)
                waiting = run.waiting.get(task.period)
                if waiting is not None:
                    waiting.discard((task.period, task.section))
                    if not waiting:  # the period's last section is stored: its report can be made
                        report = run.report_task(task.period)
                        new = engine.submit(report)
                        pending[new] = (run, report)
                        futures.add(new)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"{task.evaluation}/{task.period}/{task.section} {output.status}")
    except (KeyboardInterrupt, Terminated):
        if bar is not None:
            bar.close()
        if engine is not None:
            engine.kill()
        for run in runs:
            if run.state is not None:
                remove_partials(run.report_dir)
                _say(t(f"已中断:{run.report_dir} 中的报告不完整;再次运行即可补全",
                       f"interrupted: the reports in {run.report_dir} are incomplete; run again to complete them"))
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if bar is not None:
            bar.close()
    if engine is not None:
        engine.shutdown()
    return None


def run_batch(params: RunParams, notebooks_dir: Path | None = None, progress: bool = True, force: bool = False,
              pdf: bool = True, scheduler: str = "local") -> int:
    """One evaluation; returns the exit code (0 ok, 1 a notebook failed, 2 bad inputs or output folder)."""
    run = EvaluationRun(params, Path(notebooks_dir or NOTEBOOKS_DIR), force, pdf)
    try:
        if not run.open():
            return run.exit_code
        interrupted = execute_runs([run], jobs=params.jobs, scheduler=scheduler, progress=progress)
        if interrupted is not None:
            return interrupted
        if run.exit_code is not None:
            return run.exit_code
        return run.finish()
    finally:
        run.close()
