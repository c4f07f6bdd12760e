"""``jixiao watch``: run, then run again whenever a file the run reads is saved, on workers kept warm.

A ``jixiao run`` pays ~3 s before its first page (workers spawned, kernels started, imports) and ~1 s of
imports in its own process. While an evaluator drafts, most runs change a page or two and a report: the watch
keeps its process and its scheduler (``scheduler.KeptScheduler``) between runs, so a run costs what the edit
changed. Each run is an ordinary ``run_evaluations``: the same keys, early cut-off, atomic outputs and index.

What is watched is what a run reads: the params file, the department's files and published.yaml
(``input_paths``), the adjustments file, the report templates and reference document, and the section
notebooks. Files are compared by size and modification time, polled ten times a second: no dependency, and
it works on network drives where change notifications do not. The workers are started as soon as the first run
is done, whether or not it needed them, and the watch says it is watching once they are up: the first edit finds
them warm.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

from jixiao.core.i18n import t
from jixiao.core.problems import ParameterError
from jixiao.contract.fingerprint import input_paths
from jixiao.contract.params import RunParams
from jixiao.run.batch import Request, run_evaluations
from jixiao.run.scheduler import LOCAL, KeptScheduler, SchedulerChoice

POLL_SECONDS = 0.1  # a stat of a few dozen files: nothing next to a run
# a file saved in several writes (openpyxl writes its zip in place) is read once it has stood this long
SETTLE_SECONDS = 0.15


def watched_paths(params_file: Path, params: RunParams | None, notebooks_dir: Path) -> list[Path]:
    """Every file a run of ``params`` reads (only the params file itself while it does not load)."""
    from jixiao.sections import SECTIONS

    paths = [params_file]
    if params is not None:
        paths += input_paths(params.raw_dir, params.layout).values()
        paths += [p for p in (params.report.template, params.report.annual_template, params.report.reference_docx)
                  if p is not None]
        paths += [notebooks_dir / f"{s.key}.ipynb" for s in SECTIONS]
    return list(dict.fromkeys(Path(p) for p in paths))


def snapshot(paths: list[Path]) -> dict[Path, tuple[int, int] | None]:
    """Each path's (size, mtime in ns), None when it is missing."""
    out: dict[Path, tuple[int, int] | None] = {}
    for path in paths:
        try:
            stat = path.stat()
            out[path] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            out[path] = None
    return out


def wait_for_change(paths: list[Path], seen: dict, *, poll: float = POLL_SECONDS,
                    settle: float = SETTLE_SECONDS) -> tuple[dict, list[Path]]:
    """Block until a file of ``paths`` differs from ``seen`` and then stands unchanged for ``settle`` seconds;
    returns the new snapshot and the files that changed."""
    while True:
        now = snapshot(paths)
        if now != seen:
            while True:  # a save in progress: wait until it stands
                time.sleep(settle)
                later = snapshot(paths)
                if later == now:
                    return now, [p for p in paths if now.get(p) != seen.get(p)]
                now = later
        time.sleep(poll)


class WatchStop(Exception):
    """SIGTERM while watching: end as Ctrl-C does."""


def _stop(signum, frame):
    raise WatchStop()


def watch(params_file: Path, load: Callable[[], RunParams], *, notebooks_dir: Path, jobs: int | None,
          pdf: bool = True, force: bool = False, progress: bool = False, scheduler: SchedulerChoice = LOCAL,
          runs: int | None = None, say: Callable[[str], None] = print) -> int:
    """Run ``load()``'s evaluation, then again after every change to what it reads, until Ctrl-C or SIGTERM, or
    ``runs`` runs. ``force`` applies to the first run only. Params that do not load are said, and the watch waits
    for the next change. Returns the last run's exit code."""
    import os

    kept = KeptScheduler(scheduler, jobs or os.cpu_count() or 1)
    previous = signal.signal(signal.SIGTERM, _stop)
    code, done, params = 0, 0, None
    paths = watched_paths(params_file, None, notebooks_dir)
    try:
        while True:
            began = time.monotonic()
            seen = snapshot(paths)  # before the run reads anything: a save while it runs starts the next one
            try:
                params = load()
            except ParameterError as exc:
                say(t(f"错误:{exc}", f"error: {exc}"))
                code = 2
            else:
                paths = watched_paths(params_file, params, notebooks_dir)
                seen = {**snapshot(paths), **seen}
                outcome = run_evaluations([Request(params, notebooks_dir, force and done == 0, pdf)],
                                          jobs=jobs or params.jobs, scheduler=scheduler, progress=progress, kept=kept)
                code = outcome.exit_code
                if outcome.stopped and code == 130:
                    return code
            done += 1
            if runs is not None and done >= runs:
                return code
            kept.ready()  # a run with nothing to make started no worker: the first edit should find them warm
            say(t(f"本次用时 {time.monotonic() - began:.1f} 秒(退出码 {code});监视 {len(paths)} 个文件,"
                  "保存改动后自动重建(Ctrl-C 结束)",
                  f"this run took {time.monotonic() - began:.1f} s (exit {code}); watching {len(paths)} files, a "
                  "saved change rebuilds what it affects (Ctrl-C to end)"))
            seen, changed = wait_for_change(paths, seen)
            say(t(f"改动:{'、'.join(p.name for p in changed)}", f"changed: {', '.join(p.name for p in changed)}"))
    except (KeyboardInterrupt, WatchStop):
        say(t("已结束监视", "stopped watching"))
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)
        kept.shutdown()
