"""jixiao (绩效): fiscal performance evaluation reports from a department's workbooks.

Exploring one evaluation: ``import jixiao as jx; ev = jx.open("dongguan-2019-2021")`` (see ``jixiao.api``).
"""

from jixiao.core.version import __version__ as __version__  # one version, kept in core

_API_NAMES = ("Evaluation", "PeriodReport", "Problems", "compare")
_NOTEBOOK_NAMES = ("open_section", "heading", "show")  # what a section notebook calls (jixiao.notebook)


def open(name_or_path=None, *, span=None, params=None):  # noqa: A001 (jx.open, as the README writes it)
    """Open an evaluation for exploration: its validated tables, problems and each period's results.

    ``name_or_path``: a folder name under data/raw/ or the path of a folder of workbooks; ``span``
    ("2019-2021") and ``params`` (its params file) as in ``jixiao.api.open``, whose docstring says more.
    """
    # imported here: the batch imports jixiao in processes that must stay free of pandas
    from jixiao.api import open as open_evaluation

    return open_evaluation(name_or_path, span=span, params=params)


def __getattr__(name: str):
    if name in _API_NAMES:
        from jixiao import api

        return getattr(api, name)
    if name in _NOTEBOOK_NAMES:
        from jixiao import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'jixiao' has no attribute {name!r}")
