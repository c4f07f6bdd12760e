"""``jixiao run``: every section notebook for every period, executed where its inputs changed, exported, indexed.

Order of work, so that nothing is exported from bad inputs or into a bad place: parameters (already
checked by ``load_params``), the output folder (writable, not locked by another run), the run keys
(``runkeys``: a section whose inputs, notebook, parameters and environment are unchanged is reused),
then, when anything is left to do, the inputs (validated: any error stops the run), each period's
results computed once (metrics.json and the section frames, ``results``), and the notebooks in a
process pool of warm kernels (``execute``). Each stage returns what the next takes: ``open_run`` an
``Opened`` evaluation (locked, planned), ``prepare`` its ``Prepared`` results and tasks, ``execute_runs``
what each ``Store`` wrote, ``finish`` the index and exit code. Every file is written under a temp name and renamed when
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
from dataclasses import dataclass
from pathlib import Path

from jixiao.core.atomic import atomic_write_bytes
from jixiao.core.config import NOTEBOOKS_DIR
from jixiao.core.i18n import t
from jixiao.contract.fingerprint import contract_inputs, input_files, sha256_file
from jixiao.contract.params import RunParams
from jixiao.output.index import CellResult, Status, write_index
from jixiao.run.execute import TaskKind, TaskOutput
from jixiao.run.runkeys import RunState, environment_digest, files_read, section_key
from jixiao.run.scheduler import LOCAL, SchedulerChoice

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


# --- one evaluation, stage by stage: open -> Opened (lock and plan), prepare -> Prepared (results
# written, tasks), execute_runs -> Executed (each output stored as it arrives), finish -> Finished ---------


class Terminated(Exception):
    """SIGTERM reached the run."""


class Interrupted(Exception):
    """The batch was stopped (Ctrl-C or SIGTERM) and said so; exit code 130."""


class Refused(Exception):
    """This evaluation will not run (its notebooks, output folder or inputs are wrong); the reasons have been
    said. Exit code 2."""


def _raise_terminated(signum, frame):
    raise Terminated()


def _say(text: str) -> None:
    print(text, file=sys.stderr)


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
    reports_due: list[str]  # periods whose report must be (re)built
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
    def nothing_to_do(self) -> bool:
        """No cell to execute, and the last finished run had these very inputs: its figures stand."""
        return not self.plan.stale and self.snapshot is not None and self.snapshot.get("run") == self.run_facts

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
    try:
        check_writable(request.report_dir)
        lock = Lock(request.report_dir).acquire()
    except (PermissionError, RunLocked) as exc:
        _say(t(f"错误:{exc}", f"error: {exc}"))
        raise Refused() from None
    remove_partials(request.report_dir)
    # no index while the tree is being rewritten: a reviewer must not take a half-done run for a finished one
    for stale in ("index.html", "index.json"):
        (request.report_dir / stale).unlink(missing_ok=True)
    inputs = input_files(request.params.raw_dir, request.params.layout)
    plan = make_plan(request.params, request.notebooks_dir, sections, environment, state, request.force,
                     request.pdf, inputs)
    executed = {period for period, _ in plan.stale}
    reports_due = [p.label for p in request.params.periods
                   if p.label in executed or not all(f.is_file() for f in
                                                     _report_files(request.report_dir / p.label, request.pdf))]
    return Opened(request, lock, state, environment, snapshot, sections, inputs, plan, reports_due, started)


@dataclass(frozen=True)
class Prepared:
    """An evaluation's inputs validated and its results written: the figures for the index, the warnings,
    the stale cells that have nothing to show (不适用) and the notebook tasks, longest first."""

    figures: dict[str, list[str]]  # period -> the index's key figures
    warnings: list[str]
    not_applicable: list[tuple[str, str]]  # (period, section)
    tasks: list


def reuse_last_figures(opened: Opened) -> Prepared:
    """Nothing to compute: the last finished run's figures and warnings stand."""
    warnings = opened.snapshot.get("warnings", [])
    for w in warnings:
        _say(f"  {w}")
    return Prepared(opened.snapshot["figures"], warnings, [], [])


def prepare(opened: Opened, shared_filesystem: bool) -> Prepared:
    """Validate, compute each period once, write the results of periods with stale cells; raises Refused
    (said) on bad inputs."""
    from jixiao.core.problems import InputError
    from jixiao.intake.folder import load_evaluation
    from jixiao.contract.results import write_period_results
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
    warnings = [str(w) for w in evaluation.warnings]
    for w in warnings:
        _say(f"  {w}")
    stale = opened.plan.stale
    titles = {s.key: s.title for s in SECTIONS}
    figures, not_applicable, tasks = {}, [], []
    for period in params.periods:
        computed = compute_period(evaluation.tables, period, params.span, params.project, evaluation.published,
                                  params.layout)
        figures[period.label] = [f for s in SECTIONS for f in s.index_figures(computed.metrics)]
        empty = {s.key for s in SECTIONS if not s.applies_to(computed.metrics)}
        cells = [section for period_label, section in stale if period_label == period.label]
        if not cells:
            continue
        stamp = {"evaluation": params.evaluation, "period": period.label, "span": params.span.label,
                 "project": params.project, "inputs": evaluation.inputs}
        period_dir = opened.report_dir / period.label
        write_period_results(period_dir, computed, stamp)
        shipped = {} if shared_filesystem else _results_files(period_dir)
        for section in cells:
            if section in empty:  # nothing to show: no page, 不适用 in the index
                not_applicable.append((period.label, section))
                continue
            parameters = notebook_parameters(params, period.label)
            tasks.append(NotebookTask(
                evaluation=params.evaluation, period=period.label, section=section,
                title=f"{titles[section]} · {params.project} · {period.label}",
                notebook=(opened.request.notebooks_dir / f"{section}.ipynb").read_text(encoding="utf-8"),
                parameters={**parameters, "results_dir": str(period_dir) if shared_filesystem else ""},
                footer_parameters=parameters, inputs=evaluation.inputs, results=shipped, pdf=opened.request.pdf))
    # longest first, so no worker is left with a long notebook at the end while the others idle
    last_seconds = {cell: (opened.state.record(*cell) or {}).get("seconds") for cell in stale}
    cost = {s.key: s.cost for s in SECTIONS}
    tasks.sort(key=lambda task: -(last_seconds[(task.period, task.section)]
                                  or cost[task.section] * (2 if task.period == params.span.label else 1)))
    return Prepared(figures, warnings, not_applicable, tasks)


class Store:
    """Writes one evaluation's task outputs as they arrive, each atomically and its run record last, and keeps
    what was stored for the index."""

    def __init__(self, opened: Opened):
        self.opened = opened
        self.results: list[CellResult] = []
        self.reports: dict[str, dict] = {}  # period -> {"files", "built", "error"}: each period's whole report

    def begin(self, prepared: Prepared) -> None:
        """The stale cells' records go first: from here on their outputs are being replaced."""
        for cell in self.opened.plan.stale:
            self.opened.state.forget(*cell)
        for period, section in prepared.not_applicable:
            self.store(TaskOutput(self.opened.params.evaluation, period, section, Status.NOT_APPLICABLE, 0.0))

    def store(self, output) -> CellResult:
        """Write a task's files atomically, remove what a failure must not leave linked, then the run record."""
        folder = self.opened.report_dir / output.period
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
        self.opened.state.save(output.period, output.section, {
            "key": self.opened.plan.keys[(output.period, output.section)], "status": output.status,
            "seconds": output.seconds, "error": output.error, "files": files, "phases": output.phases})
        self.results.append(result)
        return result

    def store_report(self, output) -> None:
        """report.html (and report.pdf) atomically; a failed report leaves none beside the sections."""
        folder = self.opened.report_dir / output.period
        files = {}
        for kind, target in zip(("html", "pdf"), _report_files(folder, True)):
            if kind in output.files:
                atomic_write_bytes(target, output.files[kind])
                files[kind] = f"{output.period}/{target.name}"
            else:
                target.unlink(missing_ok=True)
        self.reports[output.period] = {"files": files, "built": True, "error": output.error}


def report_task(opened: Opened, period: str):
    """The report of ``period``, with its metrics.json and executed notebooks as bytes."""
    from jixiao.run.execute import ReportTask, now_text

    folder = opened.report_dir / period
    files = {name: (folder / name).read_bytes()
             for name in ["metrics.json", *(f"{s.key}.ipynb" for s in opened.sections)] if (folder / name).is_file()}
    leave_out = tuple(s.key for s in opened.sections
                      if (opened.state.record(period, s.key) or {}).get("status") == Status.NOT_APPLICABLE)
    params = opened.params
    return ReportTask(params.evaluation, period, params.span.label, params.project, now_text(),
                      opened.inputs, _footer_parameters(params), files, opened.request.pdf, leave_out)


@dataclass(frozen=True)
class Executed:
    """One evaluation after the batch: what it prepared (None when its inputs were refused) and stored."""

    opened: Opened
    prepared: Prepared | None
    store: Store


@dataclass(frozen=True)
class Finished:
    exit_code: int  # 0 ok, 1 a notebook, report or the index failed, 2 refused
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
            reports[period.label] = {"files": {f.suffix[1:]: f"{period.label}/{f.name}" for f in
                                               _report_files(opened.report_dir / period.label, opened.request.pdf)},
                                     "built": False, "error": ""}
    elapsed = time.monotonic() - opened.started
    try:
        write_index(opened.report_dir, evaluation=params.evaluation, project=params.project,
                    span=params.span.label, periods=[p.label for p in params.periods],
                    sections=[(s.key, s.title) for s in opened.sections], figures=executed.prepared.figures,
                    results=results, footer_parameters=_footer_parameters(params), inputs=opened.inputs,
                    elapsed=elapsed, run_time=now_text(), reports=reports)
    except Exception as exc:  # e.g. a project title with a character the font cannot draw
        _say(t(f"失败:index.html:{type(exc).__name__}: {exc}", f"failed: index.html: {type(exc).__name__}: {exc}"))
        return Finished(1, results)
    opened.state.save_snapshot({"environment": opened.environment, "sections": [s.__dict__ for s in opened.sections],
                                "run": opened.run_facts, "figures": executed.prepared.figures,
                                "warnings": executed.prepared.warnings})
    failed = [r for r in results if r.status is Status.FAILED]
    reused = len(plan.reused)
    if not quiet_summary:
        print(t(f"{len(results) - len(failed)}/{len(results)} 个章节报告已写入 {opened.report_dir},用时 {elapsed:.1f} 秒"
                f"(执行 {len(results) - reused} 个,沿用 {reused} 个);索引:{opened.report_dir / 'index.html'}",
                f"{len(results) - len(failed)} of {len(results)} section reports written to {opened.report_dir} "
                f"in {elapsed:.1f} s ({len(results) - reused} executed, {reused} reused); "
                f"index: {opened.report_dir / 'index.html'}"))
    for r in sorted(failed, key=lambda r: (r.period, r.section)):
        _say(t(f"失败:{r.period}/{r.section}:{r.error}", f"failed: {r.period}/{r.section}: {r.error}"))
    failed_reports = {p: r["error"] for p, r in reports.items() if r["error"]}
    for period, error in failed_reports.items():
        _say(t(f"失败:{period}/report:{error}", f"failed: {period}/report: {error}"))
    return Finished(1 if failed or failed_reports else 0, results)


def _report_files(period_dir: Path, pdf: bool) -> list[Path]:
    return [period_dir / f"report.{kind}" for kind in (("html", "pdf") if pdf else ("html",))]


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


def execute_runs(runs: list[Opened], *, jobs: int, scheduler: SchedulerChoice = LOCAL,
                 progress: bool = True) -> list[Executed]:
    """Run every stale cell of ``runs`` on one scheduler, storing outputs as they arrive. The scheduler starts
    only when a cell has to run (bad inputs never start a kernel) and works while later evaluations are
    still being validated. One Executed per run, in order; raises Interrupted (said) on Ctrl-C or SIGTERM."""
    from jixiao.run.scheduler import make_scheduler

    executed: list[Executed] = []
    pending: dict = {}  # future -> (index in executed, task)
    waiting: dict = {}  # (index, period) -> cells not stored yet (the period's report waits for them)
    engine = None
    bar = None
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        for run in runs:
            store = Store(run)
            if run.nothing_to_do and not run.reports_due:
                executed.append(Executed(run, reuse_last_figures(run), store))
                continue
            if run.plan.stale and engine is None:
                stale_total = sum(len(r.plan.stale) for r in runs)
                engine = make_scheduler(scheduler, max(1, min(jobs, stale_total)))
            if engine is None and run.reports_due:
                engine = make_scheduler(scheduler, max(1, min(jobs, len(run.reports_due))))
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
            for task in prepared.tasks:
                pending[engine.submit(task)] = (index, task)
            for period in run.reports_due:
                if not waiting[(index, period)]:  # nothing of it runs now, but its report is missing
                    report = report_task(run, period)
                    pending[engine.submit(report)] = (index, report)
            if bar is not None:
                bar.total = len(pending) + bar.n
                bar.refresh()
        if pending:
            futures = engine.as_completed(list(pending))
            for future in futures:
                index, task = pending.pop(future)
                run, store = executed[index].opened, executed[index].store
                try:
                    output = future.result()
                except Exception:  # noqa: BLE001 - a worker that died (on Dask: after its retries)
                    output = TaskOutput(task.evaluation, task.period, task.section, Status.FAILED, 0.0,
                                        traceback.format_exc(limit=3))
                if task.kind is TaskKind.REPORT:
                    store.store_report(output)
                    continue
                store.store(output)
                cells = waiting.get((index, task.period))
                if cells is not None:
                    cells.discard((task.period, task.section))
                    if not cells:  # the period's last section is stored: its report can be made
                        report = report_task(run, task.period)
                        new = engine.submit(report)
                        pending[new] = (index, report)
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
            remove_partials(run.report_dir)
            _say(t(f"已中断:{run.report_dir} 中的报告不完整;再次运行即可补全",
                   f"interrupted: the reports in {run.report_dir} are incomplete; run again to complete them"))
        raise Interrupted() from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        if bar is not None:
            bar.close()
    if engine is not None:
        engine.shutdown()
    return executed


def run_batch(params: RunParams, notebooks_dir: Path | None = None, progress: bool = True, force: bool = False,
              pdf: bool = True, scheduler: SchedulerChoice = LOCAL) -> int:
    """One evaluation; returns the exit code (0 ok, 1 a notebook failed, 2 bad inputs or output folder)."""
    try:
        opened = open_run(Request(params, Path(notebooks_dir or NOTEBOOKS_DIR), force, pdf))
    except Refused:
        return 2
    try:
        [executed] = execute_runs([opened], jobs=params.jobs, scheduler=scheduler, progress=progress)
        return finish(executed).exit_code
    except Interrupted:
        return 130
    finally:
        opened.close()
