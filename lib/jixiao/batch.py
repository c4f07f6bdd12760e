"""``jixiao run``: every section notebook for every period, in a process pool, exported and indexed.

Order of work, so that nothing is exported from bad inputs or into a bad place:
parameters (already checked by ``load_params``), the output folder (writable,
not locked by another run), the inputs (validated: any error stops the run), then
metrics.json per period, then the notebooks. Every file is written under a temp
name and renamed when complete; a killed run leaves only hidden ``*.part`` files,
which the next run removes. A failing notebook does not stop the others: its
executed notebook (with the traceback) and HTML are kept and the index links them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path

from .atomic import atomic_write_text
from .config import NOTEBOOKS_DIR, PROCESSED_DIR
from .evaluation import load_evaluation
from .metrics import compute_metrics
from .params import RunParams
from .problems import InputError

SECTIONS = ("overview", "expenditure", "milestones", "satisfaction", "scoring")
LOCK_NAME = ".jixiao-run.lock"
KERNEL_START_ATTEMPTS = 3


@dataclass
class SectionResult:
    period: str
    section: str
    status: str  # "ok" | "failed"
    seconds: float
    error: str = ""
    files: dict[str, str] = field(default_factory=dict)  # kind -> path relative to the report folder


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


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def run_section(notebook: str, report_dir: str, period: str, section: str, parameters: dict,
                inputs: dict) -> SectionResult:
    """Execute one notebook with papermill and export it; never raises (a failure is a result)."""
    import papermill as pm

    from .export import export_page, notebook_body, provenance_footer
    from .report import SECTION_TITLES

    started = time.monotonic()
    out_dir = Path(report_dir) / period
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{section}.ipynb"
    files: dict[str, str] = {}
    status, error = "ok", ""
    tmp = target.with_name(f".{target.name}.part.ipynb")
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        status, error = "ok", ""
        try:
            pm.execute_notebook(notebook, str(tmp), parameters=parameters, kernel_name="python3",
                                progress_bar=False, log_output=False, cwd=str(out_dir))
        except pm.PapermillExecutionError as exc:
            status, error = "failed", f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # a kernel that dies or a notebook that cannot be read
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            # kernels started side by side sometimes lose their ports before the first reply: try again
            if "Kernel died before replying" in str(exc) and attempt < KERNEL_START_ATTEMPTS:
                continue
        break
    if status == "failed" or not tmp.is_file():
        # a previous run's exports of this section must not sit beside the new failure
        for ext in ("pdf", "html", "ipynb"):
            (out_dir / f"{section}.{ext}").unlink(missing_ok=True)
    if not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        return SectionResult(period, section, "failed", time.monotonic() - started,
                             error or "papermill wrote no notebook", files)
    os.replace(tmp, target)
    files["ipynb"] = f"{period}/{target.name}"
    try:
        import nbformat

        nb = nbformat.read(target, as_version=4)
        title = f"{SECTION_TITLES.get(section, section)} · {parameters.get('project', '')} · {period}"
        body = notebook_body(nb)
        if status == "failed":
            body = (f'<div class="jx-failed"><h1>本节生成失败</h1><p>{escape(error)}</p></div>' + body)
        html_target, pdf_target = out_dir / f"{section}.html", out_dir / f"{section}.pdf"
        for stale in (html_target, pdf_target):  # an export that fails must not leave the last run's file linked
            stale.unlink(missing_ok=True)
        export_page(title, body, provenance_footer(parameters, inputs, _now(), time.monotonic() - started),
                    html_target, pdf_target if status == "ok" else None)
    except Exception as exc:
        status, error = "failed", error or f"export: {type(exc).__name__}: {exc}"
    for kind in ("html", "pdf"):
        if (out_dir / f"{section}.{kind}").is_file():
            files[kind] = f"{period}/{section}.{kind}"
    return SectionResult(period, section, status, round(time.monotonic() - started, 2), error, files)


class Terminated(Exception):
    """SIGTERM reached the run."""


def _raise_terminated(signum, frame):
    raise Terminated()


def _worker_init() -> None:
    """Each worker leads its own process group (with the kernels it starts), ignores Ctrl-C (the main
    process handles it) and dies with its kernels if the main process is killed outright."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # kernels inherit this stderr; their start-up chatter is not for the analyst (errors land in the notebook)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    parent = os.getppid()

    def watch_parent() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch_parent, daemon=True).start()


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    for pid in list(getattr(pool, "_processes", {}) or {}):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_batch(params: RunParams, notebooks_dir: Path | None = None, progress: bool = True) -> int:
    """The whole batch; returns the exit code (0 ok, 1 a notebook failed, 2 bad inputs or output folder)."""
    notebooks_dir = Path(notebooks_dir or NOTEBOOKS_DIR)
    report_dir = params.report_dir
    missing = [s for s in SECTIONS if not (notebooks_dir / f"{s}.ipynb").is_file()]
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
        return _run_locked(params, notebooks_dir, report_dir, progress)
    finally:
        lock.release()


def _run_locked(params: RunParams, notebooks_dir: Path, report_dir: Path, progress: bool) -> int:
    started = time.monotonic()
    remove_partials(report_dir)
    # no index while the tree is being rewritten: a reviewer must not take a half-done run for a finished one
    for stale in ("index.html", "index.json"):
        (report_dir / stale).unlink(missing_ok=True)
    processed = PROCESSED_DIR / params.evaluation
    try:
        evaluation = load_evaluation(params.raw_dir, processed, span=(params.span.first, params.span.last),
                                     layout=params.layout)
    except InputError as exc:
        print(f"error: the inputs in {params.raw_dir} have errors; nothing was exported:", file=sys.stderr)
        for p in exc.problems:
            if p.severity == "error":
                print(f"  {p}", file=sys.stderr)
        return 2
    for w in evaluation.warnings:
        print(f"  {w}", file=sys.stderr)

    metrics_by_period = {}
    for period in params.periods:
        metrics = compute_metrics(evaluation.tables, period, params.span, params.project)
        metrics_by_period[period.label] = metrics
        atomic_write_text(report_dir / period.label / "metrics.json",
                          json.dumps(metrics, ensure_ascii=False, indent=2, allow_nan=False))

    tasks = []
    for period in params.periods:
        parameters = {"evaluation": params.evaluation, "period": period.label, "span": params.span.label,
                      "project": params.project, "raw_dir": str(params.raw_dir)}
        for section in SECTIONS:
            tasks.append((str(notebooks_dir / f"{section}.ipynb"), str(report_dir), period.label, section,
                          parameters, evaluation.inputs))
    results: list[SectionResult] = []
    bar = _progress(len(tasks), progress)
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    pool = ProcessPoolExecutor(max_workers=min(params.jobs, len(tasks)), initializer=_worker_init,
                               mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(run_section, *t): t for t in tasks}
        for future in as_completed(futures):
            t = futures[future]
            try:
                result = future.result()
            except Exception:
                result = SectionResult(t[2], t[3], "failed", 0.0, traceback.format_exc(limit=3))
            results.append(result)
            bar.update(1)
            bar.set_postfix_str(f"{result.period}/{result.section} {result.status}")
    except (KeyboardInterrupt, Terminated):
        bar.close()
        _kill_workers(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        remove_partials(report_dir)
        print(f"interrupted: the reports in {report_dir} are incomplete; run again to complete them", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        bar.close()
    pool.shutdown()
    elapsed = time.monotonic() - started
    try:
        write_index(report_dir, params, results, metrics_by_period, evaluation.inputs, elapsed)
    except Exception as exc:  # e.g. a project title with a character the font cannot draw
        print(f"failed: index.html: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    failed = [r for r in results if r.status != "ok"]
    print(f"{len(results) - len(failed)} of {len(results)} section reports written to {report_dir} "
          f"in {elapsed:.1f} s with {min(params.jobs, len(tasks))} worker(s); index: {report_dir / 'index.html'}")
    for r in sorted(failed, key=lambda r: (r.period, r.section)):
        print(f"failed: {r.period}/{r.section}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="jixiao run", unit="notebook", disable=not enabled, file=sys.stderr)


def write_index(report_dir: Path, params: RunParams, results: list[SectionResult], metrics_by_period: dict,
                inputs: dict, elapsed: float) -> None:
    """index.html: a period x section grid with status, key figures, links and run time (+ index.json)."""
    from .export import export_page, provenance_footer
    from .present import fmt_pct, fmt_points, fmt_wan
    from .report import SECTION_TITLES

    by_key = {(r.period, r.section): r for r in results}
    head = "".join(f"<th>{escape(SECTION_TITLES[s])}</th>" for s in SECTIONS)
    rows = []
    for period in params.periods:
        m = metrics_by_period[period.label]
        e, sc, rv = m.get("expenditure") or {}, m.get("scoring") or {}, m.get("public_reviews") or {}
        figures = [f"执行率 {fmt_pct(e.get('rate'))}" if e else "无资金数据",
                   f"支出 {fmt_wan(e.get('spent'))} 万元" if e else ""]
        if sc:
            figures.append(f"得分 {fmt_points(sc['total'])}({escape(sc['grade'])})")
        if rv:
            figures.append(f"五星好评率 {fmt_pct(rv['five_star_rate'])}")
        cells = [f"<td><b>{escape(period.label)}</b><br><small>{'<br>'.join(escape(f) for f in figures if f)}</small>"
                 f"<br><small><a href=\"{escape(period.label)}/metrics.json\">metrics.json</a></small></td>"]
        for section in SECTIONS:
            r = by_key.get((period.label, section))
            if r is None:
                cells.append("<td>未运行</td>")
                continue
            mark = "✓ 完成" if r.status == "ok" else "× 失败"  # ✗ is not in the CJK face
            links = " · ".join(f'<a href="{escape(r.files[kind])}">{kind.upper()}</a>'
                               for kind in ("html", "pdf", "ipynb") if kind in r.files)
            err = f"<br><small class='err'>{escape(r.error[:300])}</small>" if r.error else ""
            cells.append(f"<td class='{escape(r.status)}'>{mark}<br>{links}<br><small>{r.seconds:.1f} s</small>{err}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    failed = sum(r.status != "ok" for r in results)
    summary = (f"<p>{len(results) - failed} / {len(results)} 个报告生成成功"
               + (f",<b>{failed} 个失败</b>" if failed else "") + f";总用时 {elapsed:.1f} 秒。</p>")
    body = (f"<h1>{escape(params.project)}:绩效评价报告索引</h1>"
            f"<p class='jx-subtitle'>评价期 {escape(params.span.label)} · 评价 {escape(params.evaluation)}</p>{summary}"
            "<style>td.failed{background:#fdf0f0} td.ok{background:#f3faf4}"
            " table.jx-table td{vertical-align:top; text-align:left}</style>"
            f"<table class='jx-table'><thead><tr><th>期间</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    parameters = {"evaluation": params.evaluation, "project": params.project, "span": params.span.label,
                  "periods": ", ".join(p.label for p in params.periods), "raw_dir": str(params.raw_dir),
                  "jobs": str(params.jobs)}
    footer = provenance_footer(parameters, inputs, _now(), elapsed)
    atomic_write_text(report_dir / "index.json", json.dumps(
        {"evaluation": params.evaluation, "elapsed_seconds": round(elapsed, 2),
         "results": [asdict(r) for r in results]}, ensure_ascii=False, indent=2))
    export_page(f"{params.project} 绩效评价报告索引", body, footer, report_dir / "index.html")
