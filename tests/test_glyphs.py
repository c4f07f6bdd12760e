"""Chinese renders everywhere: a glyph the font lacks is an error in charts and PDFs, never a warning."""

from __future__ import annotations

import pytest

from jixiao.present import charts
from jixiao.core.atomic import atomic_write_bytes
from jixiao.output.export import MissingGlyphError, missing_glyphs, render_page

ALL_CHINESE = "评价得分总表一级指标优良中差≥≤—“”、,:;()%"
NO_GLYPH = "\U0001d11e"  # MUSICAL SYMBOL G CLEF: not in Noto Sans CJK SC


def test_chart_with_chinese_renders_without_missing_glyphs():
    fig = charts.bar_chart(["决策", "过程", "产出", "效益"], [14.0, 15.92, 23.88, 23.4], title="一级指标得分", ylabel="分")
    assert charts.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_with_a_missing_glyph_fails():
    fig = charts.bar_chart([f"决策{NO_GLYPH}"], [1.0], title="得分", ylabel="分")
    with pytest.raises(charts.MissingGlyphError, match="missing from"):
        charts.png(fig)


def test_bundled_font_covers_the_report_characters():
    assert missing_glyphs(ALL_CHINESE + "0123456789,.万元") == []
    assert missing_glyphs("东莞" + NO_GLYPH) == [NO_GLYPH]


def test_pdf_with_a_missing_glyph_fails_and_leaves_no_file(tmp_path):
    target = tmp_path / "x.pdf"
    with pytest.raises(MissingGlyphError):
        atomic_write_bytes(target, render_page("测试", f"<p>得分{NO_GLYPH}</p>").pdf())
    assert list(tmp_path.iterdir()) == []


def test_pdf_text_is_real_text_in_the_sc_face(tmp_path):
    from pypdf import PdfReader

    target = tmp_path / "x.pdf"
    atomic_write_bytes(target, render_page("测试", f"<h1>{ALL_CHINESE}</h1>").pdf())
    reader = PdfReader(target)
    assert "评价得分总表" in reader.pages[0].extract_text()
    fonts = [str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts and all(f.endswith("JixiaoCJK") or f.endswith("JixiaoCJK-Bold") for f in fonts)
