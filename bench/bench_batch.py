"""Speed of the batch, as ratios against the naive loop, both measured in this one process's run.

    python bench/bench_batch.py [--jobs 2]

1. The seed batch (params.yaml: 4 periods x 5 sections) as a papermill user would script it:
   `papermill` CLI, then `jupyter nbconvert --to html --no-input`, one notebook after another.
2. `jixiao run --force` on the same machine (HTML + PDF + Excel + index, --jobs workers).
3. An unchanged re-run (nothing to execute: its time, peak RSS and the size of its run record), and a
   re-run after one workbook changed.
4. Edit -> report by `jixiao run`: one survey answer edited, then the report template only; each with what was
   re-rendered (pages, and which outputs of which reports); then both again with --no-pdf, as while drafting.
   Each is a new process, its pool's start-up included.
5. The same two edits under `jixiao watch` (process, workers and kernels kept warm), with and without PDF, timed
   from the save to the watch's line that its run is done, against the goals (< 4 s and < 3 s on 2 cores).
Where the time goes comes from the run's index.json (each notebook's execute / HTML / Excel / PDF
seconds, as measured in the workers). Nothing here asserts a time: tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(cmd: list, env: dict, cwd: Path = ROOT) -> float:
    began = time.perf_counter()
    subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def peak_rss_mb(cmd: list, env: dict) -> float:
    """Peak resident memory of one run of ``cmd`` (measured in a fresh process, so no earlier run counts)."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "stderr=subprocess.DEVNULL, check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, *map(str, cmd)], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return int(out.split()[-1]) / 1024


def until_watching(watcher: subprocess.Popen) -> list[str]:
    """The watch's lines up to the one that says it is watching again (its run is done)."""
    lines = []
    for line in watcher.stdout:
        lines.append(line.strip())
        if "监视" in line:
            return lines
    raise RuntimeError("the watch ended: " + "\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--edits-only", action="store_true",
                        help="leave out the naive loop (no ratio): the full run, then the re-runs and edits only")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "lib"))
    import yaml

    from jixiao.sections import SECTIONS

    scratch = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    env = {**os.environ, "JIXIAO_PROCESSED_DIR": str(scratch / "processed"), "MPLBACKEND": "Agg"}
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    raw = scratch / "raw"
    shutil.copytree(ROOT / params["raw_dir"], raw)
    template = (params.get("report") or {}).get("template")
    if template:  # the evaluation's own report template, copied with its raw folder
        params["report"]["template"] = str(Path("raw") / Path(template).relative_to(params["raw_dir"]))
    bench_params = scratch / "params.yaml"
    bench_params.write_text(yaml.safe_dump({**params, "raw_dir": "raw", "out_dir": "out"}, allow_unicode=True),
                            encoding="utf-8")
    periods = [str(p) for p in params["periods"]]
    sections = [s.key for s in SECTIONS]
    print(f"jixiao batch bench: {len(periods)} periods x {len(sections)} sections = {len(periods) * len(sections)} "
          f"notebooks, {os.cpu_count()} cores, --jobs {args.jobs}")

    # 1. the naive loop: what a papermill user writes first
    naive = None
    if not args.edits_only:
        naive_out = scratch / "naive"
        naive_out.mkdir()
        naive_env = {**env, "JIXIAO_PROCESSED_DIR": str(scratch / "processed-naive")}
        began = time.perf_counter()
        for period in periods:
            for section in sections:
                target = naive_out / f"{section}-{period}.ipynb"
                run([BIN / "papermill", ROOT / "notebooks" / f"{section}.ipynb", target, "-p", "period", period,
                     "--no-progress-bar"], naive_env)
                run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", target], naive_env)
        naive = time.perf_counter() - began
        print(f"  naive loop (papermill CLI + nbconvert --no-input, HTML only): {naive:6.1f} s")

    # 2. jixiao run, everything executed
    jixiao = [BIN / "jixiao", "run", "--params", bench_params, "--jobs", str(args.jobs), "--quiet"]
    full = run([*jixiao, "--force"], env)
    index = json.loads((scratch / "out" / params["evaluation"] / "index.json").read_text(encoding="utf-8"))
    print(f"  jixiao run --force (pages, Excel, reports with Word, index):          {full:6.1f} s   "
          + (f"ratio {naive / full:4.1f}x" if naive else "(no ratio: --edits-only)"))
    phases: dict[str, float] = {}
    for r in index["results"]:
        for k, v in r["phases"].items():
            phases[k] = phases.get(k, 0.0) + v
    busy = sum(phases.values())
    print("    worker time by phase (sum over notebooks): "
          + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(phases.items(), key=lambda kv: -kv[1]))
          + f"; {args.jobs} workers x {full:.1f} s wall = {args.jobs * full:.1f} s, of which "
          f"{args.jobs * full - busy:.1f} s outside the notebooks (start-up, kernels, validation, compute, index)")

    # 3. re-runs
    unchanged = run(jixiao, env)
    peak = peak_rss_mb(jixiao, env)
    record = (scratch / "out" / params["evaluation"] / ".jixiao" / "run.json").stat().st_size
    print(f"  unchanged re-run:                                          {unchanged:6.2f} s   "
          f"peak RSS {peak:.0f} MB, run record {record / 1024:.1f} KiB")
    from openpyxl import load_workbook

    wb = load_workbook(raw / "survey.xlsx")
    ws = wb["好差评"]
    ws.cell(row=ws.max_row, column=6).value = int(ws.cell(row=ws.max_row, column=6).value) + 1
    wb.save(raw / "survey.xlsx")
    one = run(jixiao, env)
    index = json.loads((scratch / "out" / params["evaluation"] / "index.json").read_text(encoding="utf-8"))
    executed = [f"{r['period']}/{r['section']}" for r in index["results"] if not r["reused"]]
    print(f"  re-run after survey.xlsx changed:                          {one:6.1f} s   "
          f"{len(executed)} sections executed ({', '.join(executed)})")

    # 4. edit -> report: one survey answer, then the report template only (early cut-off: run.cutoff)
    # a new process each: its pool's start (workers, kernels: ~3-4 s on 2 cores) is in these times; the goals are
    # for the watch below, which keeps them warm between saves
    def rerun(what: str, goal: float, *extra: str) -> None:
        began = time.perf_counter()
        done = subprocess.run([*map(str, jixiao), *extra], cwd=ROOT, env=env, check=False, capture_output=True,
                              text=True)
        took = time.perf_counter() - began
        index = json.loads((scratch / "out" / params["evaluation"] / "index.json").read_text(encoding="utf-8"))
        pages = [f"{r['period']}/{r['section']}" for r in index["results"] if not r["reused"] and r["status"] != "n/a"]
        rebuilt = {p: r.get("rebuilt") for p, r in index["reports"].items() if r.get("built")}
        print(f"  {what:<56} {took:6.1f} s   (cold start; goal under watch < {goal:.0f} s); pages {len(pages)} "
              f"({', '.join(pages) or 'none'}); "
              f"reports {rebuilt or 'none'} (exit {done.returncode})")

    wb = load_workbook(raw / "survey.xlsx")
    answer = wb["问卷"].cell(row=2, column=2)
    options = [r[1] for r in wb["选项"].iter_rows(min_row=2, values_only=True) if r[0] == wb["问卷"].cell(row=1, column=2).value]
    answer.value = next(o for o in options if o != answer.value)
    wb.save(raw / "survey.xlsx")
    rerun("edit -> report: one survey answer edited", 4)
    template = scratch / params["report"]["template"] if template else None
    if template is not None:
        template.write_text(template.read_text(encoding="utf-8") + "\n评价组补充的一句话。\n", encoding="utf-8")
        rerun("template-only edit", 3)
        # the same edits while drafting: --no-pdf (HTML and Word; the PDFs follow on the next run without it). What
        # the last run made with its PDFs stands
        rerun("--no-pdf after a full run, nothing changed", 1, "--no-pdf")
        answer.value = next(o for o in options if o != answer.value)
        wb.save(raw / "survey.xlsx")
        rerun("edit -> report, --no-pdf: one survey answer edited", 4, "--no-pdf")
        template.write_text(template.read_text(encoding="utf-8") + "\n又一句。\n", encoding="utf-8")
        rerun("template-only edit, --no-pdf", 3, "--no-pdf")

    # 5. the same edits under `jixiao watch`: its process, workers and kernels stay warm between runs; timed from the
    # save to the watch's line that the run is done (its polling and settling included)
    def answer_edit() -> None:
        answer.value = next(o for o in options if o != answer.value)
        wb.save(raw / "survey.xlsx")

    def template_edit() -> None:
        template.write_text(template.read_text(encoding="utf-8") + "\n监视时补充的一句。\n", encoding="utf-8")

    for extra in ((), ("--no-pdf",)):
        watcher = subprocess.Popen([str(BIN / "jixiao"), "watch", "--params", str(bench_params), "--jobs",
                                    str(args.jobs), "--quiet", *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            until_watching(watcher)
            edits = [("one survey answer edited", 4, answer_edit)]
            if template is not None:
                edits.append(("template-only edit", 3, template_edit))
            for what, goal, edit in edits:
                time.sleep(1)  # the workers idle, as between an analyst's saves
                began = time.perf_counter()
                edit()
                saved = time.perf_counter() - began
                lines = until_watching(watcher)
                took = time.perf_counter() - began
                made = next((line for line in lines if line.startswith("报告")), "")
                ran = next((float(m[1]) for line in lines if (m := re.search(r"本次用时 ([\d.]+) 秒", line))), 0.0)
                print(f"  watch{' --no-pdf' if extra else ''}: {what:<43} {took:6.1f} s   goal < {goal:.0f} s "
                      f"(the save {saved:.1f} s, noticing it {took - saved - ran:.1f} s, the run {ran:.1f} s); {made}")
        finally:
            watcher.terminate()
            watcher.wait(timeout=60)
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
