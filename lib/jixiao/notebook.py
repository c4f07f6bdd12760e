"""What a section notebook calls first: ``open_section`` gives the section's view of one period.

In the batch, the notebook is given ``results_dir`` (the period folder the batch wrote metrics.json and
the section frames into) and only displays them. Opened on its own (in Jupyter, or by papermill with
no ``results_dir``) it loads the validated inputs and computes the period itself, the same way.
Blank parameters take params.yaml's values (period: the whole span).
"""

from __future__ import annotations

from pathlib import Path

from jixiao.core.config import PARAMS_FILE, RAW_DIR
from jixiao.contract.params import check_notebook_parameters, check_notebook_types, load_params
from jixiao.core.period import Period
from jixiao.sections import SECTIONS, SectionView, get_section
from jixiao.sections.base import display

SECTION_TITLES = {s.key: s.title for s in SECTIONS}


def open_section(section: str, evaluation: str = "", period: str = "", span: str = "", project: str = "",
                raw_dir: str = "", results_dir: str = "") -> SectionView:
    """Check the notebook's parameters, then read the period's results from ``results_dir`` or compute them."""
    spec = get_section(section)
    given = check_notebook_types(evaluation=evaluation, period=period, span=span, project=project, raw_dir=raw_dir,
                                 results_dir=results_dir)  # papermill's -p period 2019 arrives as a number
    evaluation, period, span, project = given["evaluation"], given["period"], given["span"], given["project"]
    raw_dir, results_dir = given["raw_dir"], given["results_dir"]
    layout = None
    if not (evaluation and span):
        defaults = load_params(PARAMS_FILE)
        layout = defaults.layout
        evaluation = evaluation or defaults.evaluation
        span = span or defaults.span.label
        project = project or defaults.project
        raw_dir = raw_dir or str(defaults.raw_dir)
    period = period or span
    check_notebook_parameters(evaluation=evaluation, period=period, span=span, project=project, raw_dir=raw_dir,
                              results_dir=results_dir)
    p, s = Period.parse(period), Period.parse(span)
    project = project or evaluation
    if results_dir:
        from jixiao.contract.results import read_section_results

        metrics, frames = read_section_results(
            Path(results_dir), spec.key, {"evaluation": evaluation, "period": p.label, "span": s.label, "project": project})
        return SectionView(spec, evaluation, project, p, s, metrics, frames, source=str(results_dir))
    from jixiao.api import load  # what analysts call: jx.open(...).period(p).view(section)

    folder = Path(raw_dir) if raw_dir else RAW_DIR / evaluation
    return load(folder, name=evaluation, span=s, project=project, layout=layout).period(p).view(spec.key)


def heading(view: SectionView) -> None:
    """The line under the notebook's title: project, section, period and its end date."""
    from html import escape

    from IPython.display import HTML

    display(HTML(f"<p class='jx-subtitle'>{escape(view.project)} · {escape(view.section.title)} · "
                 f"报告期间 {escape(view.period.label)}(截至 {view.period.end.isoformat()})</p>"))
