"""Where notebooks run: this machine's process pool, a Dask LocalCluster, or an existing Dask scheduler.

Each task is one notebook of one period of one evaluation (``execute.NotebookTask``); it returns its
files as bytes (``execute.TaskOutput``) and the batch writes them, so a worker needs no access to the
report folder. On Dask the period's results travel with the task. A Dask worker that dies mid-task is
replaced (the nanny restarts it) and its task is tried again, at most twice, before the task is
reported failed; nothing of it is written meanwhile.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

from jixiao.core.i18n import t
from jixiao.core.problems import ParameterError
from jixiao.run.worker import warm_up_worker

DASK_ALLOWED_FAILURES = 2  # a task whose worker dies is retried at most twice


def _run_task(task):
    from jixiao.run.execute import run_task

    return run_task(task)


def _ready() -> None:
    """Nothing: a task that makes the pool start a worker (its initializer starts the warm kernel)."""


def _worker_init(parent: int | None = None, kernel: bool = True) -> None:
    """A local worker leads its own process group, ignores Ctrl-C (the main process handles it), dies if
    the main process is killed outright, and starts its warm kernel before the first task arrives."""
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
                from jixiao.run.kernel import warm_kernel

                warm_kernel().kill_now()  # the kernel leads its own session: the killpg below misses it
                os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch_parent, daemon=True).start()
    warm_up_worker(kernel)


class _Completed:
    """Futures as they finish; more may be added while iterating (as with distributed.as_completed)."""

    def __init__(self, futures):
        self.pending = set(futures)

    def add(self, future) -> None:
        self.pending.add(future)

    def __iter__(self):
        while self.pending:
            done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
            for future in done:
                self.pending.discard(future)
                yield future


class LocalScheduler:
    """A process pool of ``jobs`` workers (spawned: no state of this process leaks in), one warm kernel each."""

    shared_filesystem = True

    def __init__(self, jobs: int, kernels: bool = True):
        self.jobs = jobs
        self.closed = False
        self.pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(), kernels),
                                        mp_context=multiprocessing.get_context("spawn"))

    def submit(self, task):
        return self.pool.submit(_run_task, task)

    def warm(self) -> list:
        """Start every worker now (the pool starts one only as a task comes): one empty task each, done once its
        worker's kernel is up."""
        return [self.pool.submit(_ready) for _ in range(self.jobs)]

    def lost(self, exc: BaseException) -> str | None:
        """A broken pool (a worker killed outright) takes every task still out with it: the machinery is lost."""
        from concurrent.futures.process import BrokenProcessPool

        if not isinstance(exc, BrokenProcessPool):
            return None
        return t("本机进程池(有工作进程被终止)", "of the local process pool (a worker was killed)")

    def worker_lost(self, exc: BaseException) -> bool:
        return False  # the local pool does not retry: a lost worker breaks the pool (``lost``)

    def as_completed(self, futures):
        return _Completed(futures)

    @property
    def usable(self) -> bool:
        """Neither shut down nor broken (a worker killed outright breaks the whole pool)."""
        return not self.closed and not getattr(self.pool, "_broken", False)

    def shutdown(self) -> None:
        self.closed = True
        self.pool.shutdown()

    def kill(self) -> None:
        self.closed = True
        for pid in list(getattr(self.pool, "_processes", {}) or {}):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        manager = getattr(self.pool, "_executor_manager_thread", None)
        self.pool.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            # let the pool's manager thread finish now: left running into interpreter exit, it races the
            # exit hook that wakes it (a closed pipe) and Python prints a traceback after our one line
            manager.join(timeout=30)


class DaskScheduler:
    """``address`` None: a LocalCluster of ``jobs`` single-threaded worker processes; else ``tcp://HOST:PORT``."""

    shared_filesystem = False

    def __init__(self, address: str | None, jobs: int):
        import logging

        import dask
        from distributed import Client, LocalCluster

        dask.config.set({"distributed.scheduler.allowed-failures": DASK_ALLOWED_FAILURES,
                         "distributed.worker.daemon": False})  # a worker starts kernels: it must not be a daemon
        self.cluster = None
        if address is None:
            self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
            self.address = self.cluster.scheduler_address
        else:
            self.client = Client(address, timeout=30)
            self.address = address
        if os.environ.get("JIXIAO_DEBUG") != "1":
            # a lost scheduler is one line of ours (batch.SchedulerLost), not the client's reconnect tracebacks
            for name in [n for n in logging.root.manager.loggerDict if n.startswith("distributed")] + ["distributed"]:
                logging.getLogger(name).setLevel(logging.CRITICAL)
        from jixiao.run.dask_plugin import WarmKernelPlugin

        self.client.register_plugin(WarmKernelPlugin(), name=WarmKernelPlugin.name)

    def submit(self, task):
        key = f"jixiao-{task.evaluation}-{task.period}-{task.section}-{time.monotonic_ns()}"
        return self.client.submit(_run_task, task, key=key, pure=False)

    def lost(self, exc: BaseException) -> str | None:
        """The scheduler's address when ``exc`` means the client lost it (every task still out then fails
        the same way), else None."""
        from distributed.scheduler import KilledWorker

        if isinstance(exc, KilledWorker):
            return None
        if self.client.status != "running" or type(exc).__name__ in ("FutureCancelledError", "CancelledError",
                                                                    "CommClosedError"):
            return self.address
        return None

    def worker_lost(self, exc: BaseException) -> bool:
        from distributed.scheduler import KilledWorker

        return isinstance(exc, KilledWorker)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(list(futures))

    def warm(self) -> list:
        """The cluster's workers are up, their kernels started by the plugin."""
        return []

    @property
    def usable(self) -> bool:
        return self.client.status == "running"

    def shutdown(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def kill(self) -> None:
        try:
            self.shutdown()
        except Exception:  # noqa: BLE001 - on the way out anyway
            pass


@dataclass(frozen=True)
class SchedulerChoice:
    """Where to run, as ``--scheduler`` said: ``local`` (the default), ``dask`` (a LocalCluster) or the
    address of an existing Dask scheduler (``tcp://HOST:PORT``)."""

    kind: str  # "local" | "dask" | "address"
    address: str | None = None


LOCAL = SchedulerChoice("local")


def parse_scheduler(spec: str | None) -> SchedulerChoice:
    """``--scheduler`` read once, before anything runs; raises ParameterError for anything else."""
    if spec is None or spec == "local":
        return LOCAL
    if spec == "dask":
        return SchedulerChoice("dask")
    if spec.startswith("tcp://"):
        return SchedulerChoice("address", spec)
    raise ParameterError(t(f"--scheduler {spec} 无效;应为 local、dask 或 tcp://主机:端口",
                           f"--scheduler {spec} is not known; expected local, dask or tcp://HOST:PORT"))


def make_scheduler(choice: SchedulerChoice, jobs: int, kernels: bool = True):
    """``kernels``: False when only reports are to be built (the local pool's workers then start no kernel)."""
    if choice.kind == "local":
        return LocalScheduler(jobs, kernels)
    return DaskScheduler(choice.address, jobs)


class KeptScheduler:
    """A scheduler kept from one run to the next (``jixiao watch``): its workers keep their warm kernels and
    imports, so a run after an edit costs what the edit changed, not the start-up (~3 s on 2 cores). Made on
    first need, and made again after a run lost or killed it."""

    def __init__(self, choice: SchedulerChoice, jobs: int):
        self.choice, self.jobs = choice, jobs
        self.engine = None
        self.warming: list = []

    def get(self):
        if self.engine is None or not self.engine.usable:
            self.engine = make_scheduler(self.choice, self.jobs)
            self.warming = self.engine.warm()
        return self.engine

    def ready(self, timeout: float = 120) -> None:
        """Wait until every worker is up, its kernel started (or ``timeout``; a worker that fails to start is
        the next run's to report)."""
        self.get()
        if self.warming:
            wait(self.warming, timeout=timeout)
        self.warming = []

    def shutdown(self) -> None:
        if self.engine is not None and self.engine.usable:
            self.engine.shutdown()
        self.engine = None
