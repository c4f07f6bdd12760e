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
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_write_bytes
from .config import NOTEBOOKS_DIR, PROCESSED_DIR
from .fingerprint import input_files, sha256_file
from .index import NOT_APPLICABLE, CellResult, write_index
from .params import RunParams
from .runkeys import RunState, environment_digest, files_read, section_key

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
            raise RunLocked(f"another jixiao run (pid {holder}) is writing to {self.path.parent}; "
                            f"it holds the lock {self.path}. Wait for it to finish, or choose another --out.") from None
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
        raise PermissionError(f"the output folder {folder} is not writable ({exc.strerror}); "
                              "choose another with --out or fix its permissions") from None


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
    from .sections import SECTIONS

    return [SectionInfo(s.key, s.title, list(s.reads), s.reads_published) for s in SECTIONS]


@dataclass
class Plan:
    environment: str
    inputs: dict[str, str]
    sections: list[SectionInfo]
    keys: dict[tuple[str, str], str]  # (period, section) -> key
    reused: dict[tuple[str, str], dict]  # (period, section) -> the record kept

    @property
    def stale(self) -> list[tuple[str, str]]:
        return [cell for cell in self.keys if cell not in self.reused]


def notebook_parameters(params: RunParams, period: str) -> dict:
    return {"evaluation": params.evaluation, "period": period, "span": params.span.label,
            "project": params.project, "raw_dir": str(params.raw_dir)}


def make_plan(params: RunParams, notebooks_dir: Path, sections: list[SectionInfo], environment: str,
              state: RunState, force: bool, pdf: bool) -> Plan:
    inputs = input_files(params.raw_dir)
    notebook_digests = {s.key: sha256_file(notebooks_dir / f"{s.key}.ipynb") for s in sections}
    keys, reused = {}, {}
    for period in params.periods:
        for s in sections:
            key = section_key(section=s.key, files=files_read(s.reads, s.reads_published), inputs=inputs,
                              notebook_digest=notebook_digests[s.key],
                              parameters=notebook_parameters(params, period.label), environment=environment, pdf=pdf)
            keys[(period.label, s.key)] = key
            record = None if force else state.reusable(period.label, s.key, key, params.report_dir)
            if record is not None:
                reused[(period.label, s.key)] = record
    return Plan(environment, inputs, sections, keys, reused)


# --- the pool --------------------------------------------------------------------------------------


class Terminated(Exception):
    """SIGTERM reached the run."""


def _raise_terminated(signum, frame):
    raise Terminated()


def _worker_init(parent: int | None = None) -> None:
    """Each worker leads its own process group, ignores Ctrl-C (the main process handles it), dies if the
    main process is killed outright, and starts its warm kernel before the first task arrives."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # kernels inherit this stderr; their start-up chatter is not for the analyst (errors land in the notebook)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    # the parent's pid comes from the parent: a worker still starting up when the parent is killed already has
    # init (1) as its parent, and would otherwise take that for the parent and never notice
    parent = parent or os.getppid()

    def watch_parent() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                from .kernel import warm_kernel

                warm_kernel().stop()
                os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch_parent, daemon=True).start()
    from multiprocessing.util import Finalize

    from . import execute  # noqa: F401 - import the export stack while the parent validates
    from .export import _html_exporter
    from .kernel import warm_kernel

    kernel = warm_kernel()
    Finalize(kernel, kernel.stop, exitpriority=10)
    try:
        kernel.start()
    except Exception:  # noqa: BLE001 - the first task starts it again and reports what goes wrong
        kernel.stop()
    _html_exporter()
    from .export import warm_up_pdf

    warm_up_pdf()


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    for pid in list(getattr(pool, "_processes", {}) or {}):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="jixiao run", unit="notebook", disable=not enabled, file=sys.stderr)


# --- the run ---------------------------------------------------------------------------------------


def run_batch(params: RunParams, notebooks_dir: Path | None = None, progress: bool = True, force: bool = False,
              pdf: bool = True) -> int:
    """The whole batch; returns the exit code (0 ok, 1 a notebook failed, 2 bad inputs or output folder)."""
    notebooks_dir = Path(notebooks_dir or NOTEBOOKS_DIR)
    report_dir = params.report_dir
    state = RunState(report_dir)
    environment = environment_digest()
    snapshot = state.snapshot()
    if snapshot is None or snapshot.get("environment") != environment:
        snapshot, sections = None, registry_info()  # the library changed: ask the registry itself
    else:
        sections = [SectionInfo(**s) for s in snapshot["sections"]]
    missing = [s.key for s in sections if not (notebooks_dir / f"{s.key}.ipynb").is_file()]
    if missing:
        print(f"error: notebooks missing in {notebooks_dir}: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        check_writable(report_dir)
        lock = Lock(report_dir).acquire()
    except (PermissionError, RunLocked) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return _run_locked(params, notebooks_dir, report_dir, progress, force, pdf, state, environment, snapshot,
                           sections)
    finally:
        lock.release()


def _run_locked(params: RunParams, notebooks_dir: Path, report_dir: Path, progress: bool, force: bool,
                pdf: bool, state: RunState, environment: str, snapshot: dict | None,
                sections: list[SectionInfo]) -> int:
    from .execute import now_text

    started = time.monotonic()
    remove_partials(report_dir)
    # no index while the tree is being rewritten: a reviewer must not take a half-done run for a finished one
    for stale in ("index.html", "index.json"):
        (report_dir / stale).unlink(missing_ok=True)
    plan = make_plan(params, notebooks_dir, sections, environment, state, force, pdf)
    run_facts = {"inputs": plan.inputs, "parameters": _footer_parameters(params)}
    if not plan.stale and snapshot is not None and snapshot.get("run") == run_facts:
        # nothing to execute, and the last finished run had these very inputs: its figures stand
        results, figures, warnings = [], snapshot["figures"], snapshot.get("warnings", [])
        for w in warnings:
            print(f"  {w}", file=sys.stderr)
    else:
        outcome = _run_stale(params, notebooks_dir, report_dir, plan, state, progress, pdf)
        if isinstance(outcome, int):
            return outcome
        results, figures, warnings = outcome
    for (period, section), record in plan.reused.items():
        results.append(CellResult(period, section, record.get("status", "ok"), record.get("seconds", 0.0), "",
                                  record["files"], reused=True))
    order = {(p.label, s.key): i for i, (p, s) in enumerate((p, s) for p in params.periods for s in sections)}
    results.sort(key=lambda r: order[(r.period, r.section)])
    elapsed = time.monotonic() - started
    try:
        write_index(report_dir, evaluation=params.evaluation, project=params.project, span=params.span.label,
                    periods=[p.label for p in params.periods], sections=[(s.key, s.title) for s in sections],
                    figures=figures, results=results, footer_parameters=_footer_parameters(params),
                    inputs=plan.inputs, elapsed=elapsed, run_time=now_text())
    except Exception as exc:  # e.g. a project title with a character the font cannot draw
        print(f"failed: index.html: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    state.save_snapshot({"environment": environment, "sections": [s.__dict__ for s in sections], "run": run_facts,
                         "figures": figures, "warnings": warnings})
    failed = [r for r in results if r.status == "failed"]
    executed = len(results) - len(plan.reused)
    print(f"{len(results) - len(failed)} of {len(results)} section reports written to {report_dir} "
          f"in {elapsed:.1f} s ({executed} executed, {len(plan.reused)} reused); index: {report_dir / 'index.html'}")
    for r in sorted(failed, key=lambda r: (r.period, r.section)):
        print(f"failed: {r.period}/{r.section}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _footer_parameters(params: RunParams) -> dict:
    return {"evaluation": params.evaluation, "project": params.project, "span": params.span.label,
            "periods": ", ".join(p.label for p in params.periods), "raw_dir": str(params.raw_dir),
            "jobs": str(params.jobs)}


def _run_stale(params: RunParams, notebooks_dir: Path, report_dir: Path, plan: Plan, state: RunState,
               progress: bool, pdf: bool):
    """Validate, compute the periods once, run the stale cells; returns (results, figures, warnings) or an exit code."""
    from .evaluation import load_evaluation
    from .execute import NotebookTask, TaskOutput
    from .problems import InputError
    from .results import write_period_results
    from .sections import SECTIONS, compute_period

    processed = PROCESSED_DIR / params.evaluation
    try:
        evaluation = load_evaluation(params.raw_dir, processed, span=(params.span.first, params.span.last))
    except InputError as exc:
        print(f"error: the inputs in {params.raw_dir} have errors; nothing was exported:", file=sys.stderr)
        for p in exc.problems:
            if p.severity == "error":
                print(f"  {p}", file=sys.stderr)
        return 2
    warnings = [str(w) for w in evaluation.warnings]
    for w in warnings:
        print(f"  {w}", file=sys.stderr)

    stale = plan.stale
    # the workers start their kernels while this process computes the periods' results
    pool = ProcessPoolExecutor(max_workers=min(params.jobs, len(stale)), initializer=_worker_init,
                               initargs=(os.getpid(),), mp_context=multiprocessing.get_context("spawn")) if stale else None
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    bar = None
    results: list[CellResult] = []
    try:
        figures: dict[str, list[str]] = {}
        not_applicable: set[tuple[str, str]] = set()
        for period in params.periods:
            computed = compute_period(evaluation.tables, period, params.span, params.project, evaluation.published)
            figures[period.label] = [f for s in SECTIONS for f in s.index_figures(computed.metrics)]
            not_applicable.update((period.label, s.key) for s in SECTIONS if not s.applies_to(computed.metrics))
            if any(cell[0] == period.label for cell in stale):
                stamp = {"evaluation": params.evaluation, "period": period.label, "span": params.span.label,
                         "project": params.project, "inputs": evaluation.inputs}
                write_period_results(report_dir / period.label, computed, stamp)
        titles = {s.key: s.title for s in SECTIONS}
        futures = {}
        for period_label, section in stale:
            state.forget(period_label, section)  # from here on its outputs are being replaced
            if (period_label, section) in not_applicable:  # nothing to show: no page, 不适用 in the index
                output = TaskOutput(params.evaluation, period_label, section, NOT_APPLICABLE, 0.0)
                results.append(_store(report_dir, state, plan.keys[(period_label, section)], output))
                continue
            parameters = notebook_parameters(params, period_label)
            task = NotebookTask(
                evaluation=params.evaluation, period=period_label, section=section,
                title=f"{titles[section]} · {params.project} · {period_label}",
                notebook=(notebooks_dir / f"{section}.ipynb").read_text(encoding="utf-8"),
                parameters={**parameters, "results_dir": str(report_dir / period_label)},
                footer_parameters=parameters, inputs=evaluation.inputs, pdf=pdf)
            futures[pool.submit(_run_task, task)] = (period_label, section)
        bar = _progress(len(futures), progress and bool(futures))
        for future in as_completed(futures):
            period_label, section = futures[future]
            try:
                output = future.result()
            except Exception:  # noqa: BLE001 - a worker that died
                output = TaskOutput(params.evaluation, period_label, section, "failed", 0.0,
                                    traceback.format_exc(limit=3))
            results.append(_store(report_dir, state, plan.keys[(period_label, section)], output))
            bar.update(1)
            bar.set_postfix_str(f"{period_label}/{section} {output.status}")
    except (KeyboardInterrupt, Terminated):
        if bar is not None:
            bar.close()
        if pool is not None:
            _kill_workers(pool)
            pool.shutdown(wait=False, cancel_futures=True)
        remove_partials(report_dir)
        print(f"interrupted: the reports in {report_dir} are incomplete; run again to complete them", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if bar is not None:
            bar.close()
    if pool is not None:
        pool.shutdown()
    return results, figures, warnings


def _run_task(task):
    from .execute import run_task

    return run_task(task)


def _store(report_dir: Path, state: RunState, key: str, output) -> CellResult:
    """Write a task's files atomically, remove what a failure must not leave linked, then the run record."""
    folder = report_dir / output.period
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
    state.save(output.period, output.section, {"key": key, "status": output.status, "seconds": output.seconds,
                                                "error": output.error, "files": files, "phases": output.phases})
    return result
