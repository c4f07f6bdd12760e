"""One warm kernel per batch worker: started once, reset between notebooks, restarted after a failure.

Starting a kernel and importing pandas, matplotlib and jixiao in it costs about 2 s; a batch runs 20
notebooks or more. A ``WarmKernel`` keeps one kernel per worker process and runs each notebook
through papermill (engine ``jixiao-warm``, papermill's own nbclient engine handed the running kernel)
after ``clean_slate`` has emptied the user namespace, closed every figure and restored matplotlib's
settings, so nothing of one notebook is seen by the next. After any failure the kernel is replaced.

``warm_up`` and ``clean_slate`` run inside the kernel.
"""

from __future__ import annotations

import logging
import os
import signal
import warnings

from jixiao.core.scratch import scratch_dir

KERNEL_NAME = "python3"  # the interpreter's own kernel (the venv's python when run from it)
START_TIMEOUT = 60
CELL_TIMEOUT = 900
ENGINE = "jixiao-warm"

_saved_rc: dict | None = None


# What a section notebook imports, named rather than imported: the engine knows no domain module.
# Importing them once per kernel is what makes a warm kernel warm.
PRELOAD = ("IPython.display", "pandas", "jixiao.present.charts", "jixiao.notebook", "jixiao.contract.results")
SETUP = "jixiao.present.charts:setup_style"  # called once after the imports: the report's chart style


def warm_up(preload: tuple[str, ...] = PRELOAD, setup: str = SETUP) -> None:
    """In the kernel: import ``preload`` (module names), call ``setup`` ("module:function") once, and
    remember matplotlib's settings so ``clean_slate`` can restore them between notebooks."""
    global _saved_rc
    import importlib

    import matplotlib as mpl

    for name in preload:
        importlib.import_module(name)
    if setup:
        module, function = setup.split(":")
        getattr(importlib.import_module(module), function)()
    _saved_rc = dict(mpl.rcParams)


def clean_slate() -> None:
    """In the kernel: forget the last notebook (names, figures, matplotlib settings, execution count)."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython import get_ipython

    plt.close("all")
    if _saved_rc is not None:
        with warnings.catch_warnings():  # setting a deprecated key back to its own value is not news
            warnings.simplefilter("ignore")
            mpl.rcParams.update(_saved_rc)
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True, aggressive=False)


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine, run on a kernel that is already up (``km``, ``kc``)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                     start_timeout=60, execution_timeout=None, km=None, kc=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                 kernel_name=kernel_name, log=logging.getLogger("papermill"), log_output=log_output,
                                 stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, km=km, **final)
            client.kc = kc  # nbclient neither starts nor stops a kernel it did not create
            return client.execute()

    papermill_engines.register(ENGINE, WarmKernelEngine)


class WarmKernel:
    """A kernel kept between notebooks of one worker."""

    def __init__(self, preload: tuple[str, ...] = PRELOAD, setup: str = SETUP) -> None:
        self.preload, self.setup = tuple(preload), setup
        self.km = None
        self.kc = None
        self.notebooks_run = 0
        self.cwd = str(scratch_dir("kernel"))  # removed by a later run once this process is gone

    @property
    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    def launch(self) -> None:
        """Start the kernel process and return: it imports while this process does other work."""
        from jupyter_client.manager import KernelManager

        self.stop()
        env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        self.km = KernelManager(kernel_name=KERNEL_NAME)
        self.km.start_kernel(cwd=self.cwd, env=env)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.notebooks_run = 0

    def ready(self) -> None:
        """Wait for the launched kernel, then import what every section needs in it."""
        self.kc.wait_for_ready(timeout=START_TIMEOUT)
        self._run(f"import jixiao.run.kernel as _jx_kernel; _jx_kernel.warm_up({self.preload!r}, {self.setup!r}); "
                  "del _jx_kernel")

    def start(self) -> None:
        self.launch()
        self.ready()

    def _run(self, code: str) -> None:
        reply = self.kc.execute_interactive(code, timeout=START_TIMEOUT, store_history=False,
                                            output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RuntimeError(f"kernel set-up failed: {content.get('ename')}: {content.get('evalue')}")

    def execute(self, notebook_path: str, output_path: str, parameters: dict):
        """Run one notebook with papermill on this kernel, from a clean slate; returns papermill's result
        (or raises as papermill does). A kernel that failed or died is replaced before the next notebook."""
        import papermill as pm

        if not self.alive:
            self.start()
        elif self.notebooks_run:
            self._run("import jixiao.run.kernel as _jx_kernel; _jx_kernel.clean_slate()")
        self.notebooks_run += 1
        try:
            return pm.execute_notebook(notebook_path, output_path, parameters=parameters, engine_name=ENGINE,
                                       kernel_name=KERNEL_NAME, progress_bar=False, log_output=False,
                                       execution_timeout=CELL_TIMEOUT, km=self.km, kc=self.kc)
        except BaseException:
            self.stop()  # whatever the notebook left behind goes with its kernel
            raise

    def stop(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001 - a dead kernel's channels may already be gone
                pass
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001
                pass
        self.km = self.kc = None

    def kill_now(self) -> None:
        """SIGKILL the kernel's process group at once. Safe from another thread while this one runs a notebook
        (``stop`` is not: it closes channels and talks to the kernel that the running notebook is using, and
        can hang there)."""
        pgid = getattr(getattr(self.km, "provisioner", None), "pgid", None)
        if pgid:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:  # already gone
                pass
            try:
                self.km.cleanup_connection_file()
            except Exception:  # noqa: BLE001 - a file already removed
                pass


_kernel: WarmKernel | None = None


def warm_kernel() -> WarmKernel:
    """This process's warm kernel (created, with the papermill engine registered, on first use)."""
    global _kernel
    if _kernel is None:
        _register_engine()
        _kernel = WarmKernel()
    return _kernel
