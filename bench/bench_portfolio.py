"""Notebooks per second of a synthetic portfolio on the local pool and on a Dask LocalCluster, in one run.

    python bench/bench_portfolio.py [--jobs 2] [--sizes 5 20]

Each evaluation of scripts/make_portfolio.py reports its whole span (5 notebooks), so a portfolio of
N evaluations is 5N notebooks. Both schedulers get the same number of workers and a fresh output
folder; the growth from the smallest to the largest size shows what the per-run fixed costs are.
Nothing here asserts a time: tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def make(folder: Path, n: int) -> Path:
    import yaml

    subprocess.run([sys.executable, ROOT / "scripts" / "make_portfolio.py", str(n), str(folder)], check=True,
                   stdout=subprocess.DEVNULL)
    for params_file in folder.glob("e*/params.yaml"):
        params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
        params["periods"] = [params["span"]]
        params_file.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return folder / "portfolio.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 20])
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="jixiao-bench-portfolio-"))
    env = {**os.environ, "JIXIAO_PROCESSED_DIR": str(scratch / "processed"), "MPLBACKEND": "Agg"}
    print(f"jixiao portfolio bench: {os.cpu_count()} cores, {args.jobs} workers per scheduler")
    rates: dict[tuple[str, int], float] = {}
    for n in args.sizes:
        for scheduler in ("local", "dask"):
            portfolio = make(scratch / f"{scheduler}-{n}", n)
            began = time.perf_counter()
            subprocess.run([BIN / "jixiao", "run", "--portfolio", portfolio, "--jobs", str(args.jobs), "--quiet",
                            "--scheduler", scheduler], env=env, check=False, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            seconds = time.perf_counter() - began
            index = json.loads((portfolio.parent / "reports" / "index.json").read_text(encoding="utf-8"))
            notebooks = sum(e["sections"] for e in index["evaluations"])
            rates[(scheduler, n)] = notebooks / seconds
            print(f"  {n:3d} evaluations, {notebooks:4d} notebooks, {scheduler:5s}: {seconds:6.1f} s  "
                  f"{notebooks / seconds:5.2f} notebooks/s")
    small, large = min(args.sizes), max(args.sizes)
    if small != large:
        for scheduler in ("local", "dask"):
            print(f"  {scheduler}: {small} -> {large} evaluations, throughput {rates[(scheduler, small)]:.2f} -> "
                  f"{rates[(scheduler, large)]:.2f} notebooks/s")
    for n in args.sizes:
        print(f"  dask / local at {n} evaluations: {rates[('dask', n)] / rates[('local', n)]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
