"""Speed of the loaders, as ratios against a baseline measured on the same machine.

    python bench/bench_loaders.py [--rows 200000] [--repeat 3] [--big-rows 1000000]

1. jixiao's spending loader (python-calamine) against pandas.read_excel with openpyxl,
   on the same generated sheet; both frames are checked to hold the same payments.
2. a warm load from the processed cache (parquet) against a cold load from the workbooks.
3. the same race at scale (--big-rows, 0 to skip): each contender in a child process of its
   own, once, so each one's peak memory (resident set) is its own; the children's frames are
   checked to hold the same payments (id, date, amount in fen). Where the loader's time goes
   is measured in a third child.
Nothing here asserts a time: the numbers are for people, tests never time anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from openpyxl import Workbook


from jixiao.contract.sheets import SPENDING  # noqa: E402
from jixiao.intake.folder import load_evaluation  # noqa: E402
from jixiao.intake.normalised import Normalised  # noqa: E402
from jixiao.intake.workbook import open_workbook, read_sheet  # noqa: E402


def make_spending(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("支出")
    ws.append(["子项目编号", "支付日期", "支付金额(万元)", "摘要"])
    start = dt.date(2019, 1, 1)
    for _ in range(rows):
        ws.append([f"XM-{rng.randint(1, 500):03d}", start + dt.timedelta(days=rng.randint(0, 1094)),
                   rng.randint(1, 10_000_00) / 100, "进度款"])
    wb.save(path)


def best_of(repeat: int, fn):
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), result


def load_calamine(path: Path) -> pd.DataFrame:
    wb = open_workbook(path)
    try:
        frame, problems = read_sheet(wb, SPENDING, normalised=Normalised())  # recording, as read_raw does
    finally:
        wb.close()
    assert not problems, problems[:3]
    return frame


def load_openpyxl(path: Path) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name="支出", engine="openpyxl")


def payments(frame: pd.DataFrame, contender: str) -> pd.DataFrame:
    """The payments a contender read, in one form: id, date, amount in fen."""
    if contender == "openpyxl":
        # the generated amounts have two decimals, so 万元 * 100 rounds exactly to whole 百元
        return pd.DataFrame({"id": frame["子项目编号"].astype(str),
                             "date": pd.to_datetime(frame["支付日期"]).dt.date,
                             "fen": frame["支付金额(万元)"].mul(100).round().astype("int64") * 10_000})
    return pd.DataFrame({"id": frame["subproject_id"], "date": frame["date"],
                         "fen": frame["amount"].astype("int64")})


def peak_mib() -> float:
    """This process's peak resident set. Linux's ru_maxrss would also count the parent's peak (carried
    over the exec that started this child), so the kernel's high-water mark of this process is read."""
    try:
        status = Path("/proc/self/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(contender: str, path: Path, out: Path) -> int:
    """One contender's load, in this (child) process: prints its time and peak memory as JSON."""
    if contender == "parts":  # where jixiao's time goes: the same steps as load_calamine, timed apart
        t0 = time.perf_counter()
        wb = open_workbook(path)
        t1 = time.perf_counter()
        wb.book.get_sheet_by_name(SPENDING.sheet)
        t2 = time.perf_counter()
        frame, _ = read_sheet(wb, SPENDING, normalised=Normalised())
        t3 = time.perf_counter()
        wb.close()
        print(json.dumps({"open": t1 - t0, "parse": t2 - t1, "read_sheet": t3 - t2}))
        return 0
    if contender == "none":  # the interpreter with pandas and jixiao imported: both contenders' floor
        print(json.dumps({"peak_mib": peak_mib()}))
        return 0
    load = load_openpyxl if contender == "openpyxl" else load_calamine
    t = time.perf_counter()
    frame = load(path)
    seconds = time.perf_counter() - t
    peak = peak_mib()
    payments(frame, contender).to_pickle(out)
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "rows": len(frame)}))
    return 0


def in_child(contender: str, path: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", contender, str(path), str(out)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def at_scale(scratch: Path, rows: int) -> None:
    path = scratch / "spending-big.xlsx"
    t = time.perf_counter()
    make_spending(path, rows, seed=11)
    print(f"generated {rows:,} payment rows in {time.perf_counter() - t:.1f} s")
    base = in_child("openpyxl", path, scratch / "openpyxl.pkl")
    ours = in_child("jixiao", path, scratch / "jixiao.pkl")
    parts = in_child("parts", path, scratch / "parts.pkl")
    floor = in_child("none", path, scratch / "none.pkl")
    ref, got = pd.read_pickle(scratch / "openpyxl.pkl"), pd.read_pickle(scratch / "jixiao.pkl")
    same_amounts = ref["fen"].tolist() == got["fen"].tolist()
    same_rows = ref["id"].tolist() == got["id"].tolist() and ref["date"].tolist() == got["date"].tolist()
    print(f"spending sheet, {rows:,} rows (once each, a child process each)")
    print(f"  baseline pandas+openpyxl : {base['seconds']:7.2f} s   peak RSS {base['peak_mib']:6.0f} MiB")
    print(f"  jixiao (calamine)        : {ours['seconds']:7.2f} s   peak RSS {ours['peak_mib']:6.0f} MiB")
    print(f"  ratio baseline / jixiao  : {base['seconds'] / ours['seconds']:7.1f}x   "
          f"same amounts: {same_amounts}   same ids and dates: {same_rows}")
    print(f"  jixiao's time: open and check the zip {parts['open']:.2f} s, calamine parses the sheet "
          f"{parts['parse']:.2f} s, rows to typed columns {parts['read_sheet'] - parts['parse']:.2f} s "
          f"(read_sheet {parts['read_sheet']:.2f} s less a parse)")
    print(f"  peak RSS of a child that only imports pandas and jixiao: {floor['peak_mib']:.0f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=3, metavar=("CONTENDER", "XLSX", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        contender, path, out = args.child
        return child(contender, Path(path), Path(out))
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        path = scratch / "spending.xlsx"
        t = time.perf_counter()
        make_spending(path, args.rows)
        print(f"generated {args.rows:,} payment rows in {time.perf_counter() - t:.1f} s")

        base, base_med, ref = best_of(args.repeat, lambda: load_openpyxl(path))
        ours, ours_med, got = best_of(args.repeat, lambda: load_calamine(path))
        same = (ref["支付金额(万元)"].mul(100).round().astype("int64") * 10_000).tolist() == got["amount"].tolist()
        print(f"spending sheet, {args.rows:,} rows (best of {args.repeat})")
        print(f"  baseline pandas+openpyxl : {base:7.2f} s  (median {base_med:.2f})")
        print(f"  jixiao (calamine)        : {ours:7.2f} s  (median {ours_med:.2f})")
        print(f"  ratio baseline / jixiao  : {base / ours:7.1f}x   same amounts: {same}")

        raw = scratch / "raw"
        raw.mkdir()
        path.rename(raw / "spending.xlsx")
        cold, _, _ = best_of(1, lambda: load_evaluation(raw, scratch / "cache", use_cache=True))
        warm, _, _ = best_of(args.repeat, lambda: load_evaluation(raw, scratch / "cache", use_cache=True))
        print("evaluation folder (spending only)")
        print(f"  cold: read, validate, write cache : {cold:7.2f} s")
        print(f"  warm: parquet cache               : {warm:7.2f} s")
        print(f"  ratio cold / warm                 : {cold / warm:7.1f}x")

        if args.big_rows:
            at_scale(scratch, args.big_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
