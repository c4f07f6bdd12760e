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
