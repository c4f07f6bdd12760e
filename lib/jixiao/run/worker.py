"""What a worker process does before its first task: start its warm kernel and load the export stack.

Shared by the local pool (``scheduler``) and the Dask plugin (``dask_plugin``), neither of which imports
the other for it.
"""

from __future__ import annotations


def warm_up_worker(kernel: bool = True) -> None:
    """Start the kernel and load the export stack, so the first notebook costs what the others do. ``kernel``:
    False when the run has no notebook to execute (a new template: reports only), where a kernel would only take
    a core from them; a notebook task that comes anyway starts it then."""
    from multiprocessing.util import Finalize

    from jixiao.core.scratch import sweep_scratch
    from jixiao.output.export import html_exporter, warm_up_pdf
    from jixiao.run.kernel import warm_kernel

    sweep_scratch()  # what killed workers on this machine left (the run's parent may be on another)

    def load_export_stack() -> None:
        html_exporter()
        warm_up_pdf()
        load_task_code()

    if not kernel:
        load_export_stack()
        return
    kernel = warm_kernel()
    Finalize(kernel, kernel.stop, exitpriority=10)
    try:
        kernel.launch()  # the kernel imports pandas and matplotlib while this process loads the export stack
        load_export_stack()
        kernel.ready()
    except Exception:  # noqa: BLE001 - the first task starts it again and reports what goes wrong
        kernel.stop()


# What a page or report task imports on its first use: about 1.5 s on one core. Loaded before the first task, so that
# the first edit a `jixiao watch` rebuilds (its workers idle since they started) costs what later ones do.
TASK_MODULES = ("papermill", "nbformat", "jixiao.run.execute", "jixiao.sections", "jixiao.output.formats",
                "jixiao.output.document", "jixiao.output.docx", "jixiao.output.excel", "jixiao.output.report",
                "docx", "openpyxl", "matplotlib.pyplot")


def load_task_code() -> None:
    import importlib

    for name in TASK_MODULES:
        importlib.import_module(name)
