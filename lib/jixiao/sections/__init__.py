"""The report's sections, in report order: one module each, one line each here.

Adding a section: write its numbers in ``figures/<key>.py`` (``FIGURES``, see ``figures/base.py``), its page
in ``sections/<key>.py`` declaring ``SECTION = Section(...)`` (see ``base.py``), ``notebooks/<key>.ipynb``
(paired ``.py``) calling its blocks, and add the module below. The batch, the index, the notebook checks
and the tests all read this list; each section's ``reads`` is derived here from what it computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from jixiao.contract.sheets import CONTRACT_LAYOUT, SHEETS_BY_KEY, Layout
from jixiao.core.period import Period
from jixiao.contract.tables import Tables
from jixiao.sections import expenditure, milestones, overview, satisfaction, scoring, selfeval, trends
from jixiao.sections.base import Block, PeriodInputs, Section, SectionResult, SectionView

DECLARED: tuple[Section, ...] = (
    overview.SECTION,
    expenditure.SECTION,
    milestones.SECTION,
    satisfaction.SECTION,
    scoring.SECTION,
    trends.SECTION,
)


def with_derived_inputs(sections: tuple[Section, ...]) -> tuple[Section, ...]:
    """Each section with ``reads`` = its figures' tables and every table of the sections it waits on (in
    Tables order), and ``reads_published`` also when a waited-on section reads published.yaml or its page
    footnotes published figures, so its run key changes whenever anything it is computed from does."""
    by_key = {s.key: s for s in sections}

    def closure(section: Section, seen: tuple[str, ...] = ()) -> list[Section]:
        if section.key in seen:
            raise ValueError(f"sections wait on each other: {' -> '.join((*seen, section.key))}")
        found = [section]
        for key in section.waits_on:
            found += closure(by_key[key], (*seen, section.key))
        return found

    derived = []
    for section in sections:
        needed = closure(section)
        tables = {t for s in needed for t in s.own_tables}
        published = any(s.reads_published or s.published_figures for s in needed)
        derived.append(replace(section, reads=tuple(t for t in Tables.names() if t in tables), reads_published=published))
    return tuple(derived)


SECTIONS: tuple[Section, ...] = with_derived_inputs(DECLARED)
# tables of a period in no section: a single year's 自评表 (``sections.selfeval``)
PERIOD_TABLES: tuple[str, ...] = selfeval.TABLE_KEYS
BY_KEY = {s.key: s for s in SECTIONS}

__all__ = ["BY_KEY", "PERIOD_TABLES", "SECTIONS", "Block", "PeriodInputs", "PeriodParts", "PeriodResults", "Section", "SectionResult",
           "SectionView", "compute_period", "declared_part_keys", "get_section", "period_parts"]


def get_section(key: str) -> Section:
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"no section {key!r}; the sections are {', '.join(BY_KEY)}") from None


@dataclass
class PeriodResults:
    """Everything one period's report shows: ``metrics`` (the metrics.json) and each section's frames."""

    metrics: dict
    frames: dict[str, dict] = field(default_factory=dict)  # section key -> frame name -> DataFrame


# metrics part -> the sheets it is computed from, for the parts a params file can declare absent
PARTS_FROM_SHEETS = {"milestones": ("milestones",), "survey": ("survey_answers", "survey_options"),
                     "public_reviews": ("public_reviews",), "scoring": ("scoring",)}


def not_applicable(metrics: dict, layout: Layout) -> dict[str, str]:
    """metrics notes for the null parts whose sheet the params file declares absent (sheets_absent): 不适用."""
    found = {}
    for part, keys in PARTS_FROM_SHEETS.items():
        absent = [SHEETS_BY_KEY[k].sheet for k in keys if layout.absent(k)]
        if absent and metrics.get(part) is None:
            found[part] = (f"不适用：本次评价没有“{'”“'.join(absent)}”（参数文件 sheets_absent 声明），"
                           "本部分不列示。")
    return found


def compute_order() -> list[Section]:
    """The registry in an order where every section comes after the sections it waits on."""
    done: list[Section] = []
    pending = list(SECTIONS)
    while pending:
        ready = [s for s in pending if set(s.waits_on) <= {d.key for d in done}]
        if not ready:
            raise ValueError(f"sections wait on each other: {', '.join(s.key for s in pending)}")
        done.append(ready[0])
        pending.remove(ready[0])
    return done


def compute_period(tables: Tables, period: Period, span: Period, project: str = "", published: dict | None = None,
                   layout: Layout | None = None, self_evaluation=None) -> PeriodResults:
    """Compute every section of one period once. metrics.json keeps the input contract's shape: project,
    period, span, period_end, declared (what the params file declares: the milestone stages in order, the stage
    playing each role, the sheets absent), then each section's parts in the order they are computed, then notes. ``layout``: what the
    evaluation's params file declares (its milestone stages); None: the contract's defaults."""
    layout = layout or CONTRACT_LAYOUT
    tables = Tables.from_mapping(tables)
    figures: dict = {}
    notes: dict = {}
    results: dict[str, SectionResult] = {}
    order = compute_order()
    for section in order:
        result = section.compute(PeriodInputs(tables, period, span, project, published, {**figures, "notes": notes},
                                                      layout))
        figures.update(result.figures)
        notes.update(result.notes)
        results[section.key] = result
    metrics = {"project": project, "period": period.label, "span": span.label, "period_end": period.end.isoformat(),
               "declared": {"milestone_stages": list(layout.stages), "stage_roles": layout.roles(),
                            "sheets_absent": [SHEETS_BY_KEY[k].sheet for k in layout.sheets_absent]}}
    for section in order:  # the contract's order: expenditure, milestones, survey, reviews, scoring, ...
        metrics.update(results[section.key].figures)
    metrics["notes"] = {k: notes[k] for s in order for k in results[s.key].notes}
    metrics["notes"].update(not_applicable(metrics, layout))
    frames = {s.key: results[s.key].frames for s in SECTIONS}
    # a single year's 自评表 (``self_evaluation``: params' block), from the year's figures just computed
    form = selfeval.compute_form(tables, period, span, metrics, project=project, stages=layout.stages,
                                 settings=self_evaluation)
    if form is not None:
        metrics[selfeval.FIELDS_KEY] = selfeval.form_fields(form)
        frames[selfeval.FRAMES_KEY] = {selfeval.FRAME_NAME: selfeval.form_frame_stored(form)}
    return PeriodResults(metrics, frames)


# --- a period's parts, from the results the batch wrote ------------------------------------------------


@dataclass
class PeriodParts:
    """Every part the period's sections show, computed from metrics.json and frames/ (never read back from an
    executed notebook): each section's blocks in order, the tables and charts by key, and the sections that
    failed (key -> what failed, and where its log is)."""

    metrics: dict
    sections: dict[str, list] = field(default_factory=dict)  # key -> [(Block, parts)]
    tables: dict = field(default_factory=dict)  # part key -> TablePart
    charts: dict = field(default_factory=dict)  # part key -> ChartPart
    failed: dict[str, str] = field(default_factory=dict)

    def digest(self) -> str:
        """What the documents built from these parts depend on: every part's digest, in order, and the failures."""
        import hashlib
        import json

        found = [[key, part_digests([p for _, parts in blocks for p in parts])] for key, blocks in self.sections.items()]
        return hashlib.sha256(json.dumps([found, self.failed], ensure_ascii=False).encode()).hexdigest()


def part_digests(parts: list) -> list:
    """Each part's key and digest, in order: what a page or a report shows of them."""
    from jixiao.present.parts import _digest

    return [[getattr(p, "key", ""), p.digest() if hasattr(p, "digest") else _digest(repr(p))] for p in parts]


def parts_digest(parts: list) -> str:
    """One digest of what ``parts`` show (a section's page, ``section_parts``)."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(part_digests(parts), ensure_ascii=False).encode()).hexdigest()


def declared_part_keys() -> dict[str, Section]:
    """Every table or chart key a template may name (``expenditure.bands``), with its section."""
    return {key: s for s in SECTIONS for key in s.part_keys}


def section_parts(period_dir, key: str, *, evaluation: str = "", project: str = "") -> list:
    """Every part section ``key`` shows for the period whose results are in ``period_dir``, in order."""
    import json
    from pathlib import Path

    from jixiao.contract.results import read_section_results

    metrics = json.loads((Path(period_dir) / "metrics.json").read_text(encoding="utf-8"))
    _, frames = read_section_results(Path(period_dir), key, {})
    section = get_section(key)
    view = SectionView(section, evaluation, project or metrics.get("project", ""), Period.parse(metrics["period"]),
                       Period.parse(metrics["span"]), metrics, frames)
    return [p for _, parts in section.blocks_parts(view) for p in parts]


def period_parts(period_dir, *, evaluation: str = "", project: str = "", leave_out=frozenset(),
                 failed: dict[str, str] | None = None) -> PeriodParts:
    """The parts of every section of the period whose results are in ``period_dir``; a section in ``failed``
    (its page failed) or whose blocks raise is listed as failed, with no parts."""
    import json
    from pathlib import Path

    from jixiao.contract.results import ResultsMismatch, read_section_results
    from jixiao.present.parts import ChartPart, TablePart

    period_dir = Path(period_dir)
    metrics = json.loads((period_dir / "metrics.json").read_text(encoding="utf-8"))
    out = PeriodParts(metrics)
    period, span = Period.parse(metrics["period"]), Period.parse(metrics["span"])
    for section in SECTIONS:
        if section.key in leave_out:
            continue
        if failed and section.key in failed:
            out.failed[section.key] = failed[section.key]
            out.sections[section.key] = []
            continue
        try:
            _, frames = read_section_results(period_dir, section.key, {})
            view = SectionView(section, evaluation, project or metrics.get("project", ""), period, span, metrics, frames)
            blocks = section.blocks_parts(view)
        except Exception as exc:  # noqa: BLE001 - the chapter says it failed; the others stand
            out.failed[section.key] = f"{type(exc).__name__}: {exc}"
            out.sections[section.key] = []
            continue
        out.sections[section.key] = blocks
        for _, parts in blocks:
            for part in parts:
                if isinstance(part, TablePart):
                    out.tables.setdefault(part.key, part)
                elif isinstance(part, ChartPart):
                    out.charts.setdefault(part.key, part)
    try:
        form = selfeval.stored_form(period_dir)
    except ResultsMismatch:  # no complete results: the sections above say so; no form to show
        form = None
    if form is not None:
        out.tables.update(selfeval.form_tables(form))
    return out
