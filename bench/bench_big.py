"""A 1,000,000-row evaluation end to end: peak memory of every process of the run, and an unchanged re-run.

    python bench/bench_big.py [--rows 1000000] [--jobs 2]

The Dongguan example with its spending.xlsx replaced by ``--rows`` synthetic payments (seeded: the
example's funded subproject ids, dates across its span, amounts of 1–1,000 元, so every figure stays plausible)
is validated (how many lines ``jixiao validate`` prints), run with ``jixiao run --force`` (all periods, HTML,
PDF, Excel), then run again unchanged. While the run works, every process under it (the parent, the pool's
workers, their kernels) is sampled for its kernel-kept high-water mark (VmHWM), and the largest is printed
per kind; the 2 GB budget of issue 18 is each process's, not their sum. Nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "lib"))


def make_spending(path: Path, ids: list[str], rows: int, seed: int = 20221) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("支出")
    ws.append(["子项目编号", "支付日期", "支付金额(万元)", "摘要"])
    start = dt.date(2019, 1, 1)
    for _ in range(rows):
        # 1 元 to 1,000 元 to the fen: few exact repeats (a repeat is warned as a row entered twice)
        ws.append([rng.choice(ids), start + dt.timedelta(days=rng.randint(0, 1094)), rng.randint(100, 100_000) / 1_000_000,
                   "进度款"])
    wb.save(path)


def kind_of(cmdline: str) -> str:
    if "ipykernel" in cmdline:
        return "kernels"
    if "multiprocessing" in cmdline or "spawn_main" in cmdline:
        return "workers"
    return "parent"


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def sample_peaks(pid: int, peaks: dict[str, float], stop: threading.Event) -> None:
    """Largest VmHWM (MiB) seen per kind of process, polled until ``stop``."""
    while not stop.is_set():
        for p in descendants(pid):
            try:
                status = Path(f"/proc/{p}/status").read_text()
                cmdline = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            hwm = next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0)
            kind = kind_of(cmdline)
            peaks[kind] = max(peaks.get(kind, 0.0), hwm)
        stop.wait(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    import yaml
    from openpyxl import load_workbook

    scratch = Path(tempfile.mkdtemp(prefix="jixiao-bench-big-"))
    try:
        raw = scratch / "raw"
        shutil.copytree(ROOT / "data" / "raw" / "dongguan-2019-2021", raw)
        sheet = load_workbook(raw / "subprojects.xlsx", read_only=True)["子项目"]
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        approved = next(i for i, h in enumerate(header) if str(h).startswith("立项批复金额"))
        # funded subprojects only: a payment to one without an approved amount is warned, row by row
        ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] and row[approved]]
        began = time.perf_counter()
        make_spending(raw / "spending.xlsx", ids, args.rows)
        print(f"jixiao big-input bench: {args.rows:,} payments (spending.xlsx {(raw / 'spending.xlsx').stat().st_size / 2**20:.0f} MB, "
              f"made in {time.perf_counter() - began:.0f} s), {os.cpu_count()} cores, --jobs {args.jobs}")
        params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
        params.update(evaluation="big", raw_dir="raw", out_dir="out")
        params.pop("report", None)  # the example's own report template names the example's figures
        (scratch / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
        env = {**os.environ, "JIXIAO_PROCESSED_DIR": str(scratch / "processed"), "MPLBACKEND": "Agg"}

        began = time.perf_counter()
        validated = subprocess.run([BIN / "jixiao", "validate", "--params", scratch / "params.yaml"], env=env,
                                   capture_output=True, text=True)
        lines = len(validated.stdout.splitlines())
        print(f"  validate:                   {time.perf_counter() - began:6.1f} s, exit {validated.returncode}, "
              f"{lines} lines printed")

        peaks: dict[str, float] = {}
        stop = threading.Event()
        began = time.perf_counter()
        run = subprocess.Popen([BIN / "jixiao", "run", "--params", scratch / "params.yaml", "--force", "--quiet",
                                "--jobs", str(args.jobs)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        sampler = threading.Thread(target=sample_peaks, args=(run.pid, peaks, stop), daemon=True)
        sampler.start()
        _, err = run.communicate()
        stop.set()
        sampler.join()
        seconds = time.perf_counter() - began
        shown = ", ".join(f"{k} {v:,.0f} MiB" for k, v in sorted(peaks.items()))
        print(f"  jixiao run --force:         {seconds:6.1f} s, exit {run.returncode}; peak RSS per process: {shown}")
        if run.returncode:
            print("    " + "\n    ".join(err.strip().splitlines()[-5:]))
        record = scratch / "out" / "big" / ".jixiao" / "run.json"
        if record.is_file():
            print(f"    run record {record.stat().st_size / 1024:.0f} KiB")

        began = time.perf_counter()
        again = subprocess.run([BIN / "jixiao", "run", "--params", scratch / "params.yaml", "--quiet"], env=env,
                               capture_output=True, text=True)
        print(f"  unchanged re-run:           {time.perf_counter() - began:6.2f} s, exit {again.returncode}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
