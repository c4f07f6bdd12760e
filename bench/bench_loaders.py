"""Speed of the loaders, as ratios against a baseline measured in the same process.

    python bench/bench_loaders.py [--rows 200000] [--repeat 3]

1. jixiao's spending loader (python-calamine) against pandas.read_excel with openpyxl,
   on the same generated sheet; both frames are checked to hold the same payments.
2. a warm load from the processed cache (parquet) against a cold load from the workbooks.
Nothing here asserts a time: the numbers are for people, tests never time anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from openpyxl import Workbook


from jixiao.contract import SPENDING  # noqa: E402
from jixiao.evaluation import load_evaluation  # noqa: E402
from jixiao.workbook import open_workbook, read_sheet  # noqa: E402


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
        frame, problems = read_sheet(wb, SPENDING)
    finally:
        wb.close()
    assert not problems, problems[:3]
    return frame


def load_openpyxl(path: Path) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name="支出", engine="openpyxl")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
