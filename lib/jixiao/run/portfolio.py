"""A bureau's portfolio: many evaluations in one batch, on one scheduler, with one index across them.

The portfolio file (YAML) lists params files, relative to it, and the output folder::

    evaluations:            # params files, relative to this file; each as for --params
      - dongguan/params.yaml
      - county-edu/params.yaml
    out_dir: reports        # each evaluation writes to <out_dir>/<evaluation>/

Every evaluation is checked first; one with bad parameters or inputs is reported and skipped while
the others run. Exit code: 3 when the machinery was lost (the scheduler, workers beyond their retries, a
full disk), else 2 when any evaluation was refused, else 1 when a notebook failed, else 0.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path

from jixiao.core.atomic import atomic_write_text
from jixiao.core.i18n import t
from jixiao.core.problems import ParameterError
from jixiao.output.index import STYLE as INDEX_STYLE, Status
from jixiao.run.scheduler import LOCAL, SchedulerChoice

PORTFOLIO_KEYS = ("evaluations", "out_dir")


@dataclass
class Portfolio:
    path: Path
    params_files: list[Path]
    out_dir: Path


def load_portfolio(path: Path) -> Portfolio:
    """The portfolio file, checked: a list of params files inside its folder, and an output folder."""
    from jixiao.contract.params import inside, read_settings

    path = Path(path)
    data = read_settings(path, PORTFOLIO_KEYS, ("组合文件", "portfolio file"))
    listed = data.get("evaluations")
    if not isinstance(listed, list) or not listed:
        raise ParameterError(t(f"{path}:evaluations 应为参数文件的列表", f"{path}: 'evaluations' must be a list of params files"))
    base = path.resolve().parent
    files = [inside(base, item, "evaluations") for item in listed]
    out_dir = inside(base, data.get("out_dir", "reports"), "out_dir")
    return Portfolio(path, files, out_dir)


def run_portfolio(path: Path, *, jobs: int | None = None, scheduler: SchedulerChoice = LOCAL, progress: bool = True,
                  force: bool = False, pdf: bool = True, notebooks_dir: Path | None = None, kept=None) -> int:
    """Every evaluation of the portfolio on one scheduler; the portfolio index; the exit code. ``kept``: warm
    workers to run on, left running (``run.scheduler.KeptScheduler``)."""
    import sys
    import time

    from jixiao.run.batch import Request, disk_space, exit_code, run_evaluations
    from jixiao.core.config import NOTEBOOKS_DIR
    from jixiao.contract.params import load_params

    started = time.monotonic()
    portfolio = load_portfolio(path)
    jobs = jobs or os.cpu_count() or 1
    requests: list[Request] = []
    refused: list[dict] = []
    seen: dict[str, Path] = {}
    for params_file in portfolio.params_files:
        try:
            params = load_params(params_file, out=str(portfolio.out_dir), jobs=jobs)
        except ParameterError as exc:
            print(t(f"错误:{params_file}:{exc}", f"error: {params_file}: {exc}"), file=sys.stderr)
            refused.append({"params": str(params_file), "evaluation": None, "reason": str(exc)})
            continue
        if params.evaluation in seen:
            reason = t(f"评价名称 {params.evaluation} 与 {seen[params.evaluation]} 重复",
                       f"evaluation name {params.evaluation} is also used by {seen[params.evaluation]}")
            print(t(f"错误:{params_file}:{reason}", f"error: {params_file}: {reason}"), file=sys.stderr)
            refused.append({"params": str(params_file), "evaluation": params.evaluation, "reason": reason})
            continue
        seen[params.evaluation] = params_file
        requests.append(Request(params, Path(notebooks_dir or NOTEBOOKS_DIR), force, pdf))
    bad_inputs = t("输入或输出文件夹有误,见上方错误", "bad inputs or output folder: see the errors above")
    rows: list[dict] = []

    def write_index(evaluations) -> None:  # while every evaluation's folder is still locked
        for evaluation in evaluations:
            if evaluation.refused:
                refused.append({"params": str(seen[evaluation.request.params.evaluation]),
                                "evaluation": evaluation.request.params.evaluation, "reason": bad_inputs})
            else:
                rows.append(evaluation_row(evaluation.opened, evaluation.finished.results))
        with disk_space(portfolio.out_dir, 1 << 20):
            write_portfolio_index(portfolio.out_dir, rows, refused, time.monotonic() - started)

    outcome = run_evaluations(requests, jobs=jobs, scheduler=scheduler, progress=progress, then=write_index,
                              kept=kept)
    if outcome.stopped:
        return outcome.exit_code
    elapsed = time.monotonic() - started
    notebooks = sum(len(e.finished.results) for e in outcome.evaluations if e.finished is not None)
    failing = sum(row["sections_failed"] > 0 for row in rows)  # 不适用 is not a failure
    print(t(f"组合:{len(rows) - failing} 个评价已生成,{failing} 个有失败的章节,{len(refused)} 个被拒绝;"
            f"{notebooks} 个章节,用时 {elapsed:.1f} 秒;索引:{portfolio.out_dir / 'index.html'}",
            f"portfolio: {len(rows) - failing} evaluations reported, {failing} with failed sections, "
            f"{len(refused)} refused; {notebooks} sections in {elapsed:.1f} s; index: {portfolio.out_dir / 'index.html'}"))
    return exit_code([outcome.exit_code, *(2 for _ in refused)])


def verified_metrics(opened, period: str) -> dict:
    """``<period>/metrics.json`` as the run wrote it, or {} when the run did not write it or it was changed since."""
    key = opened.plan.results_keys.get(period)
    if key is None or opened.state.results(period, key) is None:
        return {}
    return json.loads((opened.report_dir / period / "metrics.json").read_text(encoding="utf-8"))


def evaluation_row(opened, results) -> dict:
    """One evaluation in the portfolio index: its whole-span figures and how its sections went."""
    params = opened.params
    span = params.span.label
    metrics = verified_metrics(opened, span)
    expenditure = metrics.get("expenditure") or {}
    scoring = metrics.get("scoring") or {}
    reviews = metrics.get("public_reviews") or {}
    stages = (metrics.get("milestones") or {}).values()
    planned, done = sum(s["planned"] for s in stages), sum(s["done"] for s in stages)
    whole = opened.report_dir / span
    report = next((f"{params.evaluation}/{span}/{name}" for name in ("report.html", "overview.html")
                   if (whole / name).is_file()), None)
    return {
        "evaluation": params.evaluation, "project": params.project, "span": span,
        "score": scoring.get("total"), "grade": scoring.get("grade"),
        "execution_rate": expenditure.get("rate"),
        "milestone_completion": done / planned if planned else None,
        "five_star_rate": reviews.get("five_star_rate"),
        "sections": len(results), "sections_failed": sum(r.status is Status.FAILED for r in results),
        "index": f"{params.evaluation}/index.html", "report": report,
    }


def _pct(value) -> str:
    from jixiao.present.format import fmt_pct

    return fmt_pct(value)


def _score_chart(rows: list[dict]) -> str:
    """Score against execution rate, one point per evaluation (an embedded PNG), or '' when no row has both."""
    import base64

    points = [r for r in rows if r["score"] is not None and r["execution_rate"] is not None]
    if not points:
        return ""
    from jixiao.present import charts

    fig, ax = charts.new_figure(7.0, 4.2)
    ax.scatter([r["execution_rate"] * 100 for r in points], [r["score"] for r in points], color=charts.PALETTE[0])
    for r in points:
        ax.annotate(r["evaluation"], (r["execution_rate"] * 100, r["score"]), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")
    ax.set_xlabel("预算执行率(%)")
    ax.set_ylabel("评价得分")
    ax.set_title("评价得分与预算执行率")
    for bound in (60, 80, 90):
        ax.axhline(bound, color="#bbb", linewidth=0.8, linestyle="--")
    png = charts.png(fig)
    return f'<p><img alt="评价得分与预算执行率" src="data:image/png;base64,{base64.b64encode(png).decode()}"></p>'


SORT_SCRIPT = """<script>
document.querySelectorAll("table.jx-sortable th").forEach(function (th, col) {
  th.style.cursor = "pointer";
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var down = th.getAttribute("data-dir") !== "down";
    th.closest("tr").querySelectorAll("th").forEach(function (h) { h.removeAttribute("data-dir"); });
    th.setAttribute("data-dir", down ? "down" : "up");
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute("data-sort"), y = b.cells[col].getAttribute("data-sort");
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : (x < y ? -1 : x > y ? 1 : 0);
      return down ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
</script>"""


PORTFOLIO_RECORD = ".jixiao-portfolio.json"  # beside the evaluations' folders: what the index was made from


def write_portfolio_index(out_dir: Path, rows: list[dict], refused: list[dict], elapsed: float) -> None:
    """<out_dir>/index.html (sortable by any column; a chart of score against execution rate) and index.json,
    keyed like a report on what it shows: kept when the rows are the same and its files are as written."""
    from jixiao.contract.fingerprint import sha256_json
    from jixiao.run.runkeys import all_unchanged, fingerprint, read_record, write_record

    record_path = out_dir / PORTFOLIO_RECORD
    key = sha256_json({"rows": rows, "refused": refused})
    record = read_record(record_path)
    if record is not None and record.get("key") == key and all_unchanged(out_dir, record.get("digests")):
        return
    record_path.unlink(missing_ok=True)
    _write_portfolio_index(out_dir, rows, refused, elapsed)
    files = [out_dir / "index.json", out_dir / "index.html"]
    write_record(record_path, {"key": key, "digests": {p.name: fingerprint(p) for p in files}})


def _write_portfolio_index(out_dir: Path, rows: list[dict], refused: list[dict], elapsed: float) -> None:
    from jixiao.run.execute import now_text
    from jixiao.output.export import export_page
    from jixiao.present.format import fmt_points

    out_dir.mkdir(parents=True, exist_ok=True)
    columns = [("project", "项目"), ("span", "评价期"), ("score", "得分"), ("grade", "等级"),
               ("execution_rate", "预算执行率"), ("milestone_completion", "节点完成率"),
               ("five_star_rate", "五星好评率"), ("sections_failed", "失败章节"), ("links", "报告")]
    shown = {"score": fmt_points, "execution_rate": _pct, "milestone_completion": _pct, "five_star_rate": _pct}
    body_rows = []
    for r in rows:
        cells = []
        for key, _ in columns:
            if key == "links":
                links = [f'<a href="{escape(r["index"])}">索引</a>']
                if r["report"]:
                    links.append(f'<a href="{escape(r["report"])}">整个评价期报告</a>')
                cells.append(f"<td data-sort=\"{escape(r['evaluation'])}\">{' · '.join(links)}</td>")
                continue
            value = r[key]
            text = shown[key](value) if key in shown else ("—" if value is None else str(value))
            sort = "" if value is None else str(value)
            cells.append(f'<td data-sort="{escape(sort)}">{escape(text)}</td>')
        body_rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{escape(title)}</th>" for _, title in columns)
    table = (f"{INDEX_STYLE}<div class='jx-scroll'><table class='jx-table jx-sortable jx-index'><thead><tr>{head}</tr>"
             f"</thead><tbody>{''.join(body_rows)}</tbody></table></div>")
    refused_html = ""
    if refused:
        items = "".join(f"<li>{escape(r['evaluation'] or r['params'])}:{escape(r['reason'])}</li>" for r in refused)
        refused_html = f"<h2>未运行的评价({len(refused)} 个)</h2><ul>{items}</ul>"
    body = (f"<h1>绩效评价组合索引</h1><p class='jx-subtitle'>{len(rows)} 个评价;点击表头可排序。"
            f"生成于 {escape(now_text())},用时 {elapsed:.1f} 秒。</p>{table}{_score_chart(rows)}{refused_html}{SORT_SCRIPT}")
    atomic_write_text(out_dir / "index.json", json.dumps({"evaluations": rows, "refused": refused,
                                                          "elapsed_seconds": round(elapsed, 2)},
                                                         ensure_ascii=False, indent=2))
    export_page("绩效评价组合索引", body, "", out_dir / "index.html")
