"""The run's index: a period x section grid with status, key figures, links, run time, executed or reused.

Written from plain data (the registry's titles and each period's key figures as text), so that a
re-run that reuses everything can write it without importing pandas or the sections.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from html import escape
from pathlib import Path

from jixiao.core.atomic import atomic_write_text


class Status(StrEnum):
    """How one section of one period (or a period's report) went. The values are what run records and
    index.json have always said, so records written before the enum existed still read."""

    OK = "ok"
    FAILED = "failed"
    NOT_APPLICABLE = "n/a"  # 不适用: the section has nothing for this period (no page; see the whole span)


@dataclass
class CellResult:
    period: str
    section: str
    status: Status
    seconds: float
    error: str = ""
    files: dict[str, str] = field(default_factory=dict)  # kind -> path relative to the report folder
    reused: bool = False  # True: the outputs of an earlier run with the same key were kept
    phases: dict[str, float] = field(default_factory=dict)  # execute / html / pdf seconds, when executed


@dataclass(frozen=True)
class CellCounts:
    """One count of a run's cells for the summary line, the index and index.json: pages (cells with a page),
    of which executed now or reused from the last run, and 不适用 cells (no page; never failures)."""

    pages: int
    executed: int
    reused: int
    not_applicable: int

    @classmethod
    def of(cls, results: list["CellResult"]) -> "CellCounts":
        pages = [r for r in results if r.status is not Status.NOT_APPLICABLE]
        reused = sum(r.reused for r in pages)
        return cls(len(pages), len(pages) - reused, reused, len(results) - len(pages))


# the index's cells wrap (a page's tables keep their numbers on one line), and the table scrolls inside its
# own box when a portfolio's many sections still make it wider than the screen: never cut at the edge
STYLE = ("<style>td.failed{background:#fdf0f0} td.ok{background:#f3faf4} td.na{background:#f6f6f6; color:#666}"
         " table.jx-table td{vertical-align:top; text-align:left}"
         " div.jx-scroll{overflow-x:auto; max-width:100%} table.jx-index th, table.jx-index td{white-space:normal;"
         " min-width:6.5em; word-break:break-word} table.jx-index{width:100%}</style>")


def write_index(report_dir: Path, *, evaluation: str, project: str, span: str, periods: list[str],
                sections: list[tuple[str, str]], figures: dict[str, list[str]], results: list[CellResult],
                footer_parameters: dict, inputs: dict, elapsed: float, run_time: str,
                reports: dict | None = None, synthetic: bool = False) -> None:
    """index.html and index.json. ``sections``: (key, title) in report order; ``figures``: period -> lines;
    ``reports``: period -> {"files": kind -> path, "error": text}, each period's whole report, linked first."""
    from jixiao.output.export import export_page, provenance_footer
    from jixiao.output.formats import FORMATS

    by_key = {(r.period, r.section): r for r in results}
    head = "".join(f"<th>{escape(title)}</th>" for _, title in sections)
    rows = []
    for period in periods:
        lines = "<br>".join(escape(f) for f in figures.get(period, []) if f)
        report = (reports or {}).get(period) or {}
        labels = {f.name: f.label for f in FORMATS}  # the report's outputs, in the registry's order
        whole = " · ".join(f'<a href="{escape(report["files"][kind])}">{labels[kind]}</a>'
                           for kind in labels if kind in report.get("files", {}))
        if report.get("placeholders") and report.get("files"):
            whole = (f"<span class='draft'>草稿(尚有 {int(report['placeholders'])} 处【待撰写】【待填写】【无数据】或【本章生成失败】)</span><br>"
                     + whole)
        if report.get("stale"):  # which version is linked, and why it is not this run's
            whole = f"<span class='stale'>{escape(report['stale'])}</span><br>" + whole
        if report.get("note"):  # the user's edited file, left as it is, and where this run's version is
            whole += f"<br><small class='note'>{escape(report['note'])}</small>"
        if report.get("error"):
            whole += f"<br><small class='err'>报告生成失败:{escape(report['error'][:300])}</small>"
        cells = [f"<td><b>{escape(period)}</b>" + (f"<br>{whole}" if whole else "") + f"<br><small>{lines}</small>"
                 f"<br><small><a href=\"{escape(period)}/metrics.json\">metrics.json</a></small></td>"]
        for key, _ in sections:
            r = by_key.get((period, key))
            if r is None:
                cells.append("<td>未运行</td>")
                continue
            if r.status is Status.NOT_APPLICABLE:
                cells.append(f"<td class='na'>不适用<br><small>本节内容不分年度，见"
                             f"<a href=\"{escape(span)}/{escape(key)}.html\">{escape(span)} 报告</a></small></td>")
                continue
            mark = "✓ 完成" if r.status is Status.OK else "× 失败"  # ✗ is not in the CJK face
            how = "沿用上次结果" if r.reused else "本次执行"
            links = " · ".join(f'<a href="{escape(r.files[kind])}">{kind.upper()}</a>'
                               for kind in ("html", "pdf", "xlsx", "ipynb") if kind in r.files)
            err = f"<br><small class='err'>{escape(r.error[:300])}</small>" if r.error else ""
            cells.append(f"<td class='{escape(r.status)}'>{mark}<br>{links}<br><small>{how} · {r.seconds:.1f} s"
                         f"</small>{err}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    failed = sum(r.status is Status.FAILED for r in results)
    count = CellCounts.of(results)
    summary = (f"<p>{count.pages - failed} / {count.pages} 个章节页生成成功"
               + (f"（另有 {count.not_applicable} 个不适用：单年度没有可列示的内容）" if count.not_applicable else "")
               + (f",<b>{failed} 个失败</b>" if failed else "")
               + f";本次执行 {count.executed} 个,沿用上次结果 {count.reused} 个;总用时 {elapsed:.1f} 秒。</p>")
    if synthetic:  # the example says what it is before anything else
        from jixiao.output.example import BANNER_CSS, banner_html

        summary = f"<style>{BANNER_CSS}</style>{banner_html()}{summary}"
    body = (f"<h1>{escape(project)}:绩效评价报告索引</h1>"
            f"<p class='jx-subtitle'>评价期 {escape(span)} · 评价 {escape(evaluation)}</p>{summary}{STYLE}"
            f"<div class='jx-scroll'><table class='jx-table jx-index'><thead><tr><th>期间</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")
    atomic_write_text(report_dir / "index.json", json.dumps(
        {"evaluation": evaluation, "elapsed_seconds": round(elapsed, 2), "executed": count.executed,
         "reused": count.reused, "not_applicable": count.not_applicable, "reports": reports or {}, "results": [asdict(r) for r in results]},
        ensure_ascii=False, indent=2))
    footer = provenance_footer(footer_parameters, inputs, run_time, elapsed)
    export_page(f"{project} 绩效评价报告索引", body, footer, report_dir / "index.html")
