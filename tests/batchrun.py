"""Run ``jixiao`` as a user would and read what it wrote."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_ROOT

JIXIAO = [sys.executable, "-m", "jixiao.cli"]

# ``--jobs`` of the batches the tests run. Under pytest-xdist (``make test``: two test processes) each batch takes one
# worker, one kernel: the test processes fill the cores, and two batches of two workers each would fight for them.
# A plain ``pytest`` keeps two. A test about two workers at once (the order the pool takes tasks in, a report split
# over two, Dask) passes "--jobs", "2" itself. The kills need no second worker: the run's parent writes every file.
JOBS = "1" if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1 else "2"


# Starting a pool worker and its kernel (imports of pandas, matplotlib, papermill, WeasyPrint) costs ~5 s of CPU, and
# a Python process importing pandas ~1.5 s; the suite runs ~50 batches and ~150 checks. So a plain ``jixiao run``,
# ``validate``, ``template`` or ``fields`` of a test runs in this process, through the command line's own ``main``; a
# run on workers kept for the whole session (``KeptScheduler``, what ``jixiao watch`` keeps between runs), one pool
# per --jobs asked for: the same parsing, messages, exit codes and files, without the start-up. A command that is
# about the process (its own environment, language, --debug, a Dask scheduler) runs as a subprocess, as do the tests
# that kill one or measure its memory (they call ``subprocess`` themselves), so the cold start stays tested.
IN_THIS_PROCESS = ("run", "validate", "template", "fields")
IN_SUBPROCESS = ("--lang", "--debug")
_pools: dict = {}


def kept_pool(jobs: int):
    if jobs not in _pools:
        from jixiao.run.scheduler import LOCAL, KeptScheduler

        _pools[jobs] = KeptScheduler(LOCAL, jobs)
    return _pools[jobs]


def shutdown_pools() -> None:
    for pool in _pools.values():
        pool.shutdown()


def _option(args: list[str], name: str, default: str) -> str:
    return args[args.index(name) + 1] if name in args else default


def _in_this_process(args: list[str], env: dict | None) -> bool:
    return (not env and bool(args) and args[0] in IN_THIS_PROCESS
            and not any(a.split("=")[0] in IN_SUBPROCESS for a in args)
            and _option(args, "--scheduler", "local") == "local")


def jixiao(*args, cwd: Path = PROJECT_ROOT, timeout: int = 900, env: dict | None = None,
           subprocess_only: bool = False) -> subprocess.CompletedProcess:
    """``jixiao *args`` in ``cwd``: its exit code, stdout and stderr. ``subprocess_only``: a cold process."""
    args = [str(a) for a in args]
    if subprocess_only or not _in_this_process(args, env):
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([*JIXIAO, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env=full_env)
    from jixiao.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args, kept=kept_pool(int(_option(args, "--jobs", JOBS))))
        except SystemExit as exc:  # argparse's refusals
            code = exc.code if isinstance(exc.code, int) else 2
    return subprocess.CompletedProcess([*JIXIAO, *args], code, out.getvalue(), err.getvalue())


def worker_processes(pid: int) -> list[int]:
    """The local pool's workers of the ``jixiao run`` in process ``pid`` (multiprocessing's spawned children); Linux
    only (read from /proc)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
