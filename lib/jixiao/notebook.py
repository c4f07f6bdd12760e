"""What a section notebook calls first: ``jx.open_section`` gives the section's view of one period.

In the batch, the notebook is given ``results_dir`` (the period folder the batch wrote metrics.json and
the section frames into) and only displays them. Opened on its own (in Jupyter, or by papermill with
no ``results_dir``) it opens the evaluation exactly as ``jx.open`` does: by ``evaluation`` name (a folder
under data/raw/) or ``raw_dir``, with the params file that names that folder (its span, title, the
department's file names and headers); left blank, the evaluation of params.yaml. An evaluation that cannot
be found, or a folder whose params file names another evaluation, stops the notebook: it never falls back
to another evaluation's data. A parameter the notebook does not know (``-p perod 2020``) stops it too,
naming the nearest real one. These errors print as one line in the reader's language.
"""

from __future__ import annotations

import ast
import difflib
from pathlib import Path

from jixiao.api import open as open_evaluation
from jixiao.contract.params import NOTEBOOK_PARAMETERS, check_notebook_parameters, check_notebook_types
from jixiao.contract.results import read_section_results
from jixiao.core.i18n import t
from jixiao.core.period import Period
from jixiao.core.problems import InputError, ParameterError
from jixiao.sections import SECTIONS, SectionView, get_section
from jixiao.present.parts import show as show

SECTION_TITLES = {s.key: s.title for s in SECTIONS}
PAPERMILL_CELL = "# Parameters"  # how the cell papermill injects begins


def open_section(section: str, evaluation: str = "", period: str = "", span: str = "", project: str = "",
                 raw_dir: str = "", results_dir: str = "") -> SectionView:
    """Check the notebook's parameters, then read the period's results from ``results_dir`` or compute them."""
    _show_parameter_errors_in_one_line()
    refuse_unknown_parameters()
    spec = get_section(section)
    given = check_notebook_types(evaluation=evaluation, period=period, span=span, project=project, raw_dir=raw_dir,
                                 results_dir=results_dir)  # papermill's -p period 2019 arrives as a number
    if given["results_dir"]:
        return _from_results(spec, given)
    ev = _open(given["evaluation"], given["raw_dir"], given["span"])
    if ev.span is None:
        ev.period()  # raises: the span is unknown, and says how to give it
    period = given["period"] or ev.span.label
    check_notebook_parameters(evaluation=ev.name, period=period, span=ev.span.label, project=given["project"],
                              raw_dir=given["raw_dir"], results_dir="")
    view = ev.period(period).view(spec.key)
    if given["project"]:
        view.project = given["project"]
    return view


def _from_results(spec, given: dict) -> SectionView:
    """The batch's path: every parameter is given, and the period's results are on disk."""
    check_notebook_parameters(**given)
    p, s = Period.parse(given["period"]), Period.parse(given["span"])
    project = given["project"] or given["evaluation"]
    metrics, frames = read_section_results(
        Path(given["results_dir"]), spec.key,
        {"evaluation": given["evaluation"], "period": p.label, "span": s.label, "project": project})
    return SectionView(spec, given["evaluation"], project, p, s, metrics, frames, source=str(given["results_dir"]))


def _open(evaluation: str, raw_dir: str, span: str):
    """The evaluation as ``jx.open`` resolves it; a folder whose params file names another evaluation is refused."""
    ev = open_evaluation(raw_dir or evaluation or None, span=span or None)
    if evaluation and raw_dir and ev.name != evaluation:
        raise ParameterError(t(
            f"raw_dir {raw_dir} 属于评价 {ev.name}(参数文件 {ev.params_file}),与 evaluation {evaluation!r} 不符;"
            "请只给其中一个,或给出一致的两个",
            f"raw_dir {raw_dir} belongs to the evaluation {ev.name} (params file {ev.params_file}), not "
            f"{evaluation!r}; give one of them, or two that agree"))
    return ev


def injected_parameters(history: list[str]) -> list[str]:
    """The names papermill injected (its cell begins ``# Parameters``), in the order given."""
    names: list[str] = []
    for source in history:
        if not source.lstrip().startswith(PAPERMILL_CELL):
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        names += [target.id for node in tree.body if isinstance(node, ast.Assign)
                  for target in node.targets if isinstance(target, ast.Name)]
    return list(dict.fromkeys(names))


def refuse_unknown_parameters() -> None:
    """Papermill only warns about a parameter the notebook does not declare, and runs on with the default:
    stop instead, naming the nearest parameter the notebook has."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    unknown = [n for n in injected_parameters(list(shell.user_ns.get("In", []))) if n not in NOTEBOOK_PARAMETERS]
    if unknown:
        name = unknown[0]
        near = difflib.get_close_matches(name, NOTEBOOK_PARAMETERS, n=1)
        hint_zh = f"是不是 {near[0]}?" if near else ""
        hint_en = f"did you mean {near[0]}? " if near else ""
        raise ParameterError(t(f"笔记本没有参数 {name};{hint_zh}可用的参数:{'、'.join(NOTEBOOK_PARAMETERS)}",
                               f"the notebook has no parameter {name}; {hint_en}"
                               f"its parameters are {', '.join(NOTEBOOK_PARAMETERS)}"))


def _one_line(shell, etype, value, tb, tb_offset=None):
    """A parameter or input error is the reader's to fix, not a bug: its message, without a traceback.
    IPython discards what a custom handler returns, so the handler shows it (as ipykernel's error message,
    which papermill and nbconvert read like any other error)."""
    stb = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, stb)
    return stb


def _show_parameter_errors_in_one_line() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((ParameterError, InputError), _one_line)


def heading(view: SectionView) -> None:
    """The line under the notebook's title: project, section, period and its end date."""
    from html import escape

    from IPython.display import display

    from jixiao.present.parts import Shown

    line = f"{view.project} · {view.section.title} · 报告期间 {view.period.label}(截至 {view.period.end.isoformat()})"
    display(Shown(f"<p class='jx-subtitle'>{escape(line)}</p>", line))
