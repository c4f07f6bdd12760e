"""Early cut-off: what a run need not make again because what it is made from did not change.

A section page is made from its period's metrics.json and its own frames (the parts its blocks return), its
notebook, its parameters and the environment: ``page_key``. When a page's inputs changed (its run key) but its
page key did not, the page on disk stands (``kept_page``). When its period's results moved, the parts the page
shows are computed and compared (``parts_key``, ``kept_by_parts``): one survey answer edited re-renders only the
pages that show what moved, not every page of the period that reads the survey. A report's outputs each depend on part of what the report is made from (``output.formats``:
the parts, the template and cover, the reference document, the provenance): ``format_keys`` keys each output on
its own, and ``kept_formats`` says which of them stand, so a template edit rebuilds the report and not its
workpapers, and a changed input file whose figures did not move rebuilds the workpapers only.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.contract.fingerprint import sha256_file, sha256_json
from jixiao.output.index import Status
from jixiao.run.runkeys import all_unchanged, read_record


def _made_by(opened, section: str, parameters: dict, pdf: bool | None) -> dict:
    """What makes a page of its parts: its notebook, parameters, the environment and layout, whether with PDF, and
    whether its rows are synthetic (the page then says 示例（模拟数据）)."""
    return {"notebook": sha256_file(Path(opened.request.notebooks_dir) / f"{section}.ipynb"),
            "parameters": parameters, "environment": opened.environment,
            "pdf": opened.request.pdf if pdf is None else pdf, "layout": opened.params.layout.as_dict(),
            "synthetic": opened.params.synthetic}


def page_key(opened, period: str, section: str, parameters: dict, pdf: bool | None = None) -> str:
    """What a section page of ``period`` is made from, by its files: the period's metrics.json, the section's own
    frames, and ``_made_by`` (``pdf``: with or without its PDF, default as requested). Cheap: no part computed."""
    from jixiao.contract.results import FRAMES_DIR

    period_dir = Path(opened.report_dir) / period
    frames = sorted((period_dir / FRAMES_DIR).glob(f"{section}.*.parquet"))
    return sha256_json({"metrics": sha256_file(period_dir / "metrics.json"),
                        "frames": {p.name: sha256_file(p) for p in frames},
                        **_made_by(opened, section, parameters, pdf)})


def parts_key(opened, section: str, parameters: dict, parts: str, pdf: bool | None = None) -> str:
    """What a section page shows: the digest of its parts (``sections.parts_digest``) and ``_made_by``. A page
    whose period's metrics.json moved where the page shows nothing of it (another section's figure) has the same
    parts key."""
    return sha256_json({"parts": parts, **_made_by(opened, section, parameters, pdf)})


def section_parts_digest(opened, period: str, section: str) -> str | None:
    """The digest of the parts the section's page shows of ``period``'s results as they stand; None when its blocks
    raise (the page would show that failure)."""
    from jixiao.sections import parts_digest, section_parts

    try:
        return parts_digest(section_parts(Path(opened.report_dir) / period, section,
                                          evaluation=opened.params.evaluation, project=opened.params.project))
    except Exception:  # noqa: BLE001 - the notebook reports it, and the page is made again
        return None


def kept_page(opened, period: str, section: str, key: str, field: str = "page_key") -> dict | None:
    """The last record of the page when it was made from the same parts (its ``field``: ``page_key`` or
    ``parts_key``), finished well, and its files are as written; else None."""
    record = opened.state.record(period, section)
    if not record or record.get(field) != key or record.get("status") != Status.OK:
        return None
    if set(record.get("files", {}).values()) != set(record.get("digests") or {}):
        return None
    return record if all_unchanged(opened.report_dir, record.get("digests")) else None


def kept_by_parts(opened, period: str, section: str, parameters: dict) -> dict | None:
    """The last record of the page when what it shows did not change, though its period's results did; in a run
    without PDF, also a page made with its PDF. Only computed where the last record can be kept at all."""
    record = opened.state.record(period, section) or {}
    if not record.get("parts_key") or record.get("status") != Status.OK:
        return None
    digest = section_parts_digest(opened, period, section)
    if digest is None:
        return None
    variants = (None,) if opened.request.pdf else (None, True)
    return next((kept for pdf in variants
                 if (kept := kept_page(opened, period, section, parts_key(opened, section, parameters, digest, pdf),
                                       "parts_key")) is not None), None)


def format_keys(opened, period: str, report_settings_digest, not_applicable=frozenset(),
                pdf: bool | None = None) -> dict[str, str]:
    """Each output of ``period``'s report -> the key of what it depends on (``output.formats``);
    ``not_applicable``: sections found 不适用 in this run, before their records are stored; ``pdf``: the outputs
    of a run with (or without) PDF, default as requested."""
    from jixiao.output.formats import (COVER, PARTS, PROCESSING, PROVENANCE, PUBLISHED, REFERENCE_DOCX, SPAN, TEMPLATE,
                                       formats_for)
    from jixiao.output.methods import PROCESSING_FILE

    params = opened.params
    results = opened.state.results(period, opened.plan.results_keys[period]) or {}
    records = {s.key: opened.state.record(period, s.key) or {} for s in opened.sections}
    # the manifest names the inputs' SHA-256 (the provenance's, not the parts'): left out
    digests = {p: d.get("sha256") for p, d in sorted((results.get("digests") or {}).items()) if not p.endswith(".json")
               or p.endswith("/metrics.json")}
    parts = sha256_json({"results": digests,
                         "leave_out": sorted({k for k, r in records.items() if r.get("status") == Status.NOT_APPLICABLE}
                                             | set(not_applicable)),
                         "failed": sorted(k for k, r in records.items()
                                          if r.get("status") == Status.FAILED and k not in not_applicable),
                         "environment": opened.environment})
    reference = params.report.reference_docx
    published = params.raw_dir / "published.yaml"
    depends = {PARTS: parts, TEMPLATE: report_settings_digest, COVER: report_settings_digest,
               PUBLISHED: sha256_file(published) if published.is_file() else None,
               REFERENCE_DOCX: sha256_file(reference) if reference is not None and reference.is_file() else None,
               PROVENANCE: sha256_json({"inputs": opened.inputs, "facts": opened.run_facts}),
               SPAN: _span_digest(opened, period),
               PROCESSING: _processing_digest(Path(opened.report_dir) / PROCESSING_FILE)}
    # no output depends on whether the run makes PDFs: a run without them keeps the HTML and Word a full run made
    return {f.name: sha256_json({"format": [f.name, f.file], "depends": {d: depends[d] for d in f.depends}})
            for f in formats_for(period, params.span.label, opened.request.pdf if pdf is None else pdf)}


def _span_digest(opened, period: str) -> str | None:
    """The whole span's metrics.json, for a single year whose template prints whole-span figures (span.…)."""
    from jixiao.output.report import builtin_template, names_span_fields
    from jixiao.output.template_source import read_template

    params = opened.params
    path = Path(opened.report_dir) / params.span.label / "metrics.json"
    if period == params.span.label or not path.is_file():
        return None
    template = params.report.annual_template  # a year's report is written from it (or the built-in 年度 one)
    if template is None:
        text = builtin_template(annual=True)
    else:
        text = read_template(template)[0] if template.is_file() else None
    return sha256_file(path) if names_span_fields(text) else None


def _processing_digest(path: Path) -> str | None:
    """The run's intake record without the inputs' hashes (the provenance's): the warnings, the normalised cells
    and the adjustments, which an edit that moves no figure leaves as they were."""
    import json

    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    return sha256_json({k: v for k, v in record.items() if k != "inputs"})


def kept_formats(opened, period: str, keys: dict[str, str]) -> set[str]:
    """The outputs of ``period``'s report made from the same things as now, whose files are as written."""
    record = read_record(opened.state.dir / "reports" / f"{period}.json") or {}
    before = record.get("formats") or {}
    files, digests = record.get("files") or {}, record.get("digests") or {}
    kept = set()
    for name, key in keys.items():
        path = files.get(name)
        if before.get(name) == key and path and path in digests and all_unchanged(opened.report_dir, {path: digests[path]}):
            kept.add(name)
    return kept
