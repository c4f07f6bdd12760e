"""The Dask worker plugin (imported only when a Dask scheduler is used: importing distributed costs time)."""

from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin


class WarmKernelPlugin(WorkerPlugin):
    """Start the worker's warm kernel when it joins, stop it when it leaves."""

    name = "jixiao-warm-kernel"

    def setup(self, worker=None):
        from jixiao.run.worker import warm_up_worker

        warm_up_worker()

    def teardown(self, worker=None):
        from jixiao.run.kernel import warm_kernel

        warm_kernel().stop()
