"""The processed cache: parquet + manifest, rebuilt only when an input changes; raw never written."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from conftest import DONGGUAN_RAW
from minimal import build, rows

from jixiao.intake.folder import load_evaluation
from jixiao.core.period import Period
from jixiao.sections import compute_period
from jixiao.core.problems import InputError


def digest_tree(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_cache_round_trip_gives_the_same_metrics(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(DONGGUAN_RAW, raw)
    before = digest_tree(raw)
    first = load_evaluation(raw, tmp_path / "cache", span=(2019, 2021))
    manifest = json.loads((tmp_path / "cache" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["key"]["inputs"]["spending.xlsx"] == before["spending.xlsx"]
    assert sorted(manifest["tables"]) == sorted(k for k, v in first.tables.items() if v is not None)
    second = load_evaluation(raw, tmp_path / "cache", span=(2019, 2021))
    span = Period(2019, 2021)
    for period in (span, Period(2020, 2020)):
        assert compute_period(first.tables, period, span).metrics == compute_period(second.tables, period, span).metrics
    assert digest_tree(raw) == before


def test_cache_is_reused_until_an_input_changes(tmp_path):
    raw = build(tmp_path / "raw")
    cache = tmp_path / "cache"
    load_evaluation(raw, cache)
    stamp = (cache / "spending.parquet").stat().st_mtime_ns
    load_evaluation(raw, cache)
    assert (cache / "spending.parquet").stat().st_mtime_ns == stamp  # reused, not rewritten
    r = rows("spending.xlsx", "支出")
    r[1][2] = 31
    build(raw, {("spending.xlsx", "支出"): r})
    again = load_evaluation(raw, cache)
    assert int(again.tables["spending"]["amount"].iloc[0]) == 31_000_000
    assert (cache / "spending.parquet").stat().st_mtime_ns != stamp


def test_bad_inputs_raise_with_every_error_and_write_no_cache(tmp_path):
    r = rows("spending.xlsx", "支出")
    r[1][2] = "x"
    r[2][0] = "Z-9"
    raw = build(tmp_path / "raw", {("spending.xlsx", "支出"): r})
    with pytest.raises(InputError) as exc:
        load_evaluation(raw, tmp_path / "cache")
    assert len([p for p in exc.value.problems if p.severity == "error"]) == 2
    assert not (tmp_path / "cache").exists()


def test_cache_files_are_written_whole(tmp_path):
    load_evaluation(build(tmp_path / "raw"), tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".")]


# --- nothing on disk is trusted that the load did not verify ---------------------------------


def test_a_tampered_parquet_is_detected_and_rebuilt(tmp_path, dongguan):
    import pandas as pd

    raw = tmp_path / "raw"
    shutil.copytree(DONGGUAN_RAW, raw)
    cache = tmp_path / "cache"
    load_evaluation(raw, cache, span=(2019, 2021))
    spending = pd.read_parquet(cache / "spending.parquet")
    spending["amount"] = spending["amount"] * 2
    spending.to_parquet(cache / "spending.parquet", index=False)
    again = load_evaluation(raw, cache, span=(2019, 2021))
    assert again.tables["spending"]["amount"].tolist() == dongguan.tables["spending"]["amount"].tolist()
    span = Period(2019, 2021)
    assert compute_period(again.tables, span, span).metrics == compute_period(dongguan.tables, span, span).metrics
    # rebuilt, so the next load reads the true amounts from the cache itself
    assert pd.read_parquet(cache / "spending.parquet")["amount"].tolist() == spending["amount"].floordiv(2).tolist()


def test_the_problems_are_cached_a_line_each_and_an_edited_file_is_rebuilt(tmp_path):
    spending = [*rows("spending.xlsx", "支出"), *[["A-1", "2021-03-01", 1, "进度款"]] * 3]  # a payment entered 3 times
    raw = build(tmp_path / "raw", {("spending.xlsx", "支出"): spending})
    cache = tmp_path / "cache"
    first = load_evaluation(raw, cache)
    warned = [str(p) for p in first.problems]
    assert warned and json.loads((cache / "manifest.json").read_text(encoding="utf-8"))["problems"]["count"] == len(warned)
    lines = (cache / "problems.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(warned)  # one JSON line a problem, streamed: no list of them in the manifest
    assert [str(p) for p in load_evaluation(raw, cache).problems] == warned  # read back as they were
    (cache / "problems.jsonl").write_text(lines[0] + "\n", encoding="utf-8")  # a problem removed by hand
    assert [str(p) for p in load_evaluation(raw, cache).problems] == warned  # not trusted: rebuilt from the raw folder
    assert len((cache / "problems.jsonl").read_text(encoding="utf-8").splitlines()) == len(warned)


def test_a_parquet_of_the_same_size_and_time_is_trusted_without_hashing(tmp_path, monkeypatch):
    from jixiao.intake import folder

    raw = build(tmp_path / "raw")
    load_evaluation(raw, tmp_path / "cache")
    hashed = []
    real = folder.hashlib.sha256
    monkeypatch.setattr(folder.hashlib, "sha256", lambda *a: hashed.append(a) or real(*a))
    load_evaluation(raw, tmp_path / "cache")
    assert hashed == [], "an unchanged cache was hashed again"


def test_a_manifest_naming_another_folder_or_a_missing_parquet_is_rebuilt(tmp_path):
    raw = build(tmp_path / "raw")
    cache = tmp_path / "cache"
    load_evaluation(raw, cache)
    (cache / "budget.parquet").unlink()
    assert load_evaluation(raw, cache).tables["budget"] is not None
    assert (cache / "budget.parquet").is_file()


def test_two_raw_folders_with_the_same_name_get_separate_caches(tmp_path):
    from jixiao.intake.folder import cache_dir

    first = build(tmp_path / "a" / "dept")
    r = rows("spending.xlsx", "支出")
    r[1][2] = 31
    second = build(tmp_path / "b" / "dept", {("spending.xlsx", "支出"): r})
    assert cache_dir(first) != cache_dir(second)
    for _ in range(2):  # built, then read back from each folder's own cache
        assert int(load_evaluation(first).tables["spending"]["amount"].iloc[0]) == 30_000_000
        assert int(load_evaluation(second).tables["spending"]["amount"].iloc[0]) == 31_000_000
    assert (cache_dir(first) / "manifest.json").is_file() and (cache_dir(second) / "manifest.json").is_file()
    stamp = (cache_dir(first) / "spending.parquet").stat().st_mtime_ns
    load_evaluation(first)
    assert (cache_dir(first) / "spending.parquet").stat().st_mtime_ns == stamp  # reused


def test_a_long_folder_name_still_makes_a_cache_folder(tmp_path):
    from jixiao.intake.folder import cache_dir

    raw = build(tmp_path / ("数字政府建设项目绩效评价" * 7))  # 252 bytes: its name and a digest would be 269
    assert len(cache_dir(raw).name.encode()) <= 255
    load_evaluation(raw)
    assert (cache_dir(raw) / "manifest.json").is_file()


LOADER = """
import sys
from pathlib import Path
from jixiao.intake.folder import load_evaluation
raw, cache, expected, times = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for _ in range(times):
    got = int(load_evaluation(raw, cache).tables["spending"]["amount"].iloc[0])
    if got != expected:
        sys.exit(f"{raw} loaded {got}, not {expected}")
"""


def test_concurrent_loads_sharing_a_cache_never_see_each_others_tables(tmp_path):
    import os
    import subprocess
    import sys

    first = build(tmp_path / "a")
    r = rows("spending.xlsx", "支出")
    r[1][2] = 31
    second = build(tmp_path / "b", {("spending.xlsx", "支出"): r})
    cache = tmp_path / "shared"  # the worst case: one cache folder given to two evaluations
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    loaders = [subprocess.Popen([sys.executable, "-c", LOADER, str(raw), str(cache), str(amount), "15"], env=env,
                                stderr=subprocess.PIPE, text=True)
               for raw, amount in ((first, 30_000_000), (second, 31_000_000))]
    for p in loaders:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]


def test_a_cache_whose_lock_cannot_be_opened_is_still_read(tmp_path, monkeypatch):
    from jixiao.intake import folder

    raw = build(tmp_path / "raw")
    cache = tmp_path / "cache"
    load_evaluation(raw, cache)
    stamp = (cache / "spending.parquet").stat().st_mtime_ns
    # as in a cache folder another user made, read-only to this one
    monkeypatch.setattr(folder, "LOCK_NAME", "no-such-folder/cache.lock")
    assert int(load_evaluation(raw, cache).tables["spending"]["amount"].iloc[0]) == 30_000_000
    assert (cache / "spending.parquet").stat().st_mtime_ns == stamp
