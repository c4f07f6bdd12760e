"""Drawn charts are kept on disk under the processed cache, keyed by the chart's spec, the resolution and the
drawing code: a report rebuilt in a new worker draws only the charts whose data changed."""

from __future__ import annotations

import pytest


@pytest.fixture
def chart_cache(tmp_path, monkeypatch):
    from jixiao.present import parts

    monkeypatch.setattr(parts, "chart_cache_dir", lambda: tmp_path / "_charts")
    monkeypatch.setattr(parts, "_PNG_CACHE", {})
    return tmp_path / "_charts"


def chart(values):
    from jixiao.present.parts import ChartPart

    return ChartPart("test.bars", "图 测试", "bar_chart", (["甲", "乙"], values), {"title": "", "ylabel": "万元"})


def test_a_drawn_chart_is_read_back_from_disk_not_drawn_again(chart_cache, monkeypatch):
    from jixiao.present import charts, parts

    first = chart([1.0, 2.0]).png()
    assert first.startswith(b"\x89PNG") and len(list(chart_cache.glob("*.png"))) == 1
    monkeypatch.setattr(parts, "_PNG_CACHE", {})  # a new worker: nothing in memory

    def no_drawing(*args, **kwargs):
        raise AssertionError("drawn again")

    monkeypatch.setattr(charts, "png", no_drawing)
    assert chart([1.0, 2.0]).png() == first


def test_other_data_or_another_resolution_is_drawn_anew(chart_cache):
    a = chart([1.0, 2.0]).png()
    b = chart([1.0, 3.0]).png()
    c = chart([1.0, 2.0]).png(dpi=300)
    assert len({a, b, c}) == 3 and len(list(chart_cache.glob("*.png"))) == 3
