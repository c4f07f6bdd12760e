"""One look in PDF and Word: the government format read back from the files (sections, rows, properties, fonts,
footnotes at the foot of their page) and the example's 示例（模拟数据）."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from pypdf import PdfReader

from jixiao.contract.fields import SCORE, TEXT, WEIGHT
from jixiao.output.report import ContentsBlock, Document, TableBlock
from jixiao.present.parts import Column, TablePart

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SCORES = TableBlock(TablePart("scoring.评分明细", "三级指标评分明细",
                              (Column("一级指标", TEXT), Column("三级指标", TEXT), Column("分值", WEIGHT),
                               Column("得分", SCORE), Column("评分说明", TEXT)),
                              [("决策", "立项依据充分性", 3, 2.5, "【待撰写：评分说明】"),
                               ("效益", "可持续影响：网络与数据安全", 3, 1.5, "安全体系子项目均未启动")]),
                    "三级指标评分明细", number=1)
MARKDOWN = ("# 摘要\n\n摘要正文。\n\nJXBLOCK0001\n\n# 一、项目基本情况\n\n正文引用一个脚注[^a]。\n\nJXBLOCK0000\n\n"
            "# 附件\n\n## 附件1 评分表\n\n见上表。\n\n- 口径一。\n- 口径二。\n\n1. 第一步。\n2. 第二步。\n\n"
            "[^a]: 脚注的文字。\n")


def document() -> Document:
    return Document(title="财政绩效评价报告", project="某县某项目", cover=[("报告编号", "示例-X-1"), ("委托单位", "某局")],
                    markdown=MARKDOWN, blocks=[SCORES, ContentsBlock()])


@pytest.fixture(scope="module")
def word():
    from docx import Document as WordDocument

    from jixiao.output.docx import write_docx

    data = write_docx(document(), synthetic=True)
    return data, WordDocument(io.BytesIO(data))


def test_cover_and_contents_are_sections_of_their_own_without_page_numbers(word):
    data, doc = word
    body = doc.element.body
    breaks = [p for p in body.iter(f"{W}p") if p.find(f"{W}pPr/{W}sectPr") is not None]
    assert len(breaks) == 2 and len(doc.sections) == 3
    texts = [p.text for p in doc.paragraphs]
    # the first section ends after the cover, the second after the contents; the body starts on page 1
    cover_end = texts.index("报告编号：示例-X-1") + 2  # 委托单位, then the break
    assert doc.paragraphs[cover_end]._p is breaks[0]
    contents = texts.index("目  录")
    assert doc.paragraphs[contents].paragraph_format.page_break_before is True
    assert doc.paragraphs[contents + 2]._p is breaks[1] and texts[contents + 3] == "一、项目基本情况"
    for section_pr in (b.find(f"{W}pPr/{W}sectPr") for b in breaks):
        assert section_pr.find(f"{W}footerReference") is None and section_pr.find(f"{W}pgMar") is not None
    last = body.find(f"{W}sectPr")
    assert last.find(f"{W}footerReference") is not None and last.find(f"{W}pgNumType").get(f"{W}start") == "1"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    assert len(footers) == 1 and "PAGE" in footers[0]


def test_every_row_is_cant_split_cells_centred_numbers_right_and_widths_fill_the_text_width(word):
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    _, doc = word
    (table,) = doc.tables
    assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in table.rows)
    assert all(cell.vertical_alignment == WD_CELL_VERTICAL_ALIGNMENT.CENTER for row in table.rows for cell in row.cells)
    assert [c.paragraphs[0].alignment for c in table.rows[1].cells][2:4] == [WD_ALIGN_PARAGRAPH.RIGHT] * 2
    widths = [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.findall(f"{W}gridCol")]
    assert abs(sum(widths) - 156 * 1440 / 25.4) < 10  # A4 less 28 + 26 mm
    # the longest text (可持续影响：网络与数据安全) gets the most room; a number column is never narrower than its number
    assert widths.index(max(widths)) == 1 and min(widths[2:4]) * 25.4 / 1440 >= 4 * 1.1 * 10.5 * 0.3528 / 2
    # the table's properties in the schema's order (CT_TblPr), which Word holds a file to
    order = [child.tag.removeprefix(W) for child in table._tbl.tblPr]
    assert order == ["tblW", "jc", "tblBorders", "tblLayout", "tblCellMar", "tblLook"], order


def test_a_table_the_template_writes_is_finished_as_the_parts_tables_are():
    from docx import Document as WordDocument
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH as ALIGN

    from jixiao.output.docx import write_docx

    markdown = ("# 一、概况\n\n| 子项目 | 说明 | 金额(万元) |\n|---|---|--:|\n"
                "| 甲 | 平台建设已于年内完成验收并投入使用 | 12.50 |\n| 乙 | 未启动 | — |\n")
    data = write_docx(Document(title="财政绩效评价报告", project="某县某项目", cover=[], markdown=markdown, blocks=[]))
    (table,) = WordDocument(io.BytesIO(data)).tables
    assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in table.rows)
    assert all(cell.vertical_alignment == WD_CELL_VERTICAL_ALIGNMENT.CENTER for row in table.rows for cell in row.cells)
    # the header centred; short names centred, the column holding a longer text left, the amounts (and the
    # right-aligned column's —) right
    assert [[c.paragraphs[0].alignment for c in row.cells] for row in table.rows] == [
        [ALIGN.CENTER] * 3, [ALIGN.CENTER, ALIGN.LEFT, ALIGN.RIGHT], [ALIGN.CENTER, ALIGN.LEFT, ALIGN.RIGHT]]
    widths = [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.findall(f"{W}gridCol")]
    assert abs(sum(widths) - 156 * 1440 / 25.4) < 10 and widths.index(max(widths)) == 1
    assert table._tbl.tblPr.find(f"{W}tblLayout").get(f"{W}type") == "fixed"


def test_annex_starts_a_page_and_no_title_or_first_level_heading_is_bold_or_blue(word):
    _, doc = word
    annex = next(p for p in doc.paragraphs if p.text == "附件")
    assert annex.paragraph_format.page_break_before is True
    for name in ("Title", "Heading 1", "TOC Heading"):
        style = doc.styles[name]
        assert style.font.bold is False and str(style.font.color.rgb) == "000000", name
    assert doc.styles["TOC Heading"].element.rPr.rFonts.get(f"{W}eastAsia") == "仿宋_GB2312"


def test_a_bulleted_item_is_a_body_paragraph_and_a_numbered_one_keeps_its_number(word):
    from docx.shared import Pt

    _, doc = word
    items = {p.text: p for p in doc.paragraphs if p.text in ("口径一。", "口径二。", "第一步。", "第二步。")}
    assert len(items) == 4
    for text in ("口径一。", "口径二。"):  # no • in a government document: indented as the body is
        assert items[text]._p.pPr.find(f"{W}numPr") is None, text
        assert items[text].paragraph_format.first_line_indent == Pt(32)
    for text in ("第一步。", "第二步。"):
        assert items[text]._p.pPr.find(f"{W}numPr") is not None, text


def test_dc_title_is_the_reports_title_and_the_example_says_so_on_cover_and_header(word):
    data, doc = word
    assert doc.core_properties.title == "某县某项目 财政绩效评价报告"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "<dc:title>某县某项目 财政绩效评价报告</dc:title>" in z.read("docProps/core.xml").decode()
    assert doc.paragraphs[0].text == "示例（模拟数据）" and doc.paragraphs[1].text == "财政绩效评价报告"
    assert doc.sections[0].header.paragraphs[0].text == "示例（模拟数据）"
    assert all(s.header.is_linked_to_previous for s in doc.sections[1:])


def test_a_report_that_is_not_an_example_carries_no_mark():
    from docx import Document as WordDocument

    from jixiao.output.docx import write_docx

    doc = WordDocument(io.BytesIO(write_docx(document())))
    assert "示例（模拟数据）" not in [p.text for p in doc.paragraphs]
    assert not any(p.text for s in doc.sections for p in s.header.paragraphs)


@pytest.fixture(scope="module")
def pdf():
    from jixiao.output import govprint
    from jixiao.output.document import TEMPLATE_CSS, document_body, render_report
    from jixiao.output.example import BANNER_CSS, mark_cover

    # the call on the chapter's first page, pages of text after it: an endnote would print pages later
    filler = "\n\n".join(f"第{i}段正文，其后还有好几页。" * 6 for i in range(16))
    doc = Document(title="财政绩效评价报告", project="某县某项目", cover=[("报告编号", "示例-X-1")],
                   markdown=f"# 一、基本情况\n\n引用脚注的句子[^a]。\n\n- 列表的一项\n- 另一项\n\n{filler}\n\n[^a]: 脚注的文字。\n",
                   blocks=[])
    body = govprint.footnotes_in_place(mark_cover(document_body(doc)))
    html, data = render_report("某县某项目 财政绩效评价报告", body, "某县某项目 · 2020 · 示例（模拟数据）",
                               extra_css=TEMPLATE_CSS + BANNER_CSS + govprint.SCREEN_CSS, faces=govprint.faces(body),
                               pdf_css=govprint.PDF_CSS)
    return html, PdfReader(io.BytesIO(data))


def test_the_pdf_embeds_a_serif_face_for_the_body_and_a_hei_face_for_headings(pdf):
    _, reader = pdf
    names = {re.sub(r"^[A-Z]{6}\+", "", str(f.get_object()["/BaseFont"]).lstrip("/"))
             for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert "JixiaoSerif" in names and "JixiaoHei" in names
    assert all(n.startswith(("JixiaoSerif", "JixiaoHei")) for n in names), names  # no machine font, even for "•"
    box = reader.pages[1].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)


def test_a_footnote_prints_at_the_foot_of_the_page_that_cites_it(pdf):
    html, reader = pdf
    pages = [re.sub(r"\s+", "", p.extract_text()) for p in reader.pages]
    cited = [i for i, text in enumerate(pages) if "引用脚注的句子" in text]
    assert len(cited) == 1 and cited[0] < len(pages) - 1  # not the last page: the note is no endnote
    text = pages[cited[0]]
    assert "脚注的文字。" in text and text.index("引用脚注的句子") < text.index("脚注的文字。")
    assert sum("脚注的文字。" in t for t in pages) == 1
    # the screen keeps its list of notes at the end
    assert 'class="footnotes"' in html and 'class="jx-footnote"' in html


def test_the_pdf_cover_and_running_header_say_it_is_an_example(pdf):
    _, reader = pdf
    assert "示例（模拟数据）" in reader.pages[0].extract_text()
    assert all("示例（模拟数据）" in p.extract_text() for p in reader.pages[1:])


def test_params_declare_synthetic_rows_and_the_example_numbers_its_own_report(tmp_path):
    from jixiao.contract.params import load_params
    from jixiao.core.problems import ParameterError
    from jixiao.output.example import example_cover, example_number

    (tmp_path / "raw").mkdir()
    params = tmp_path / "params.yaml"
    params.write_text("evaluation: demo\nraw_dir: raw\nspan: 2020-2021\nsynthetic: true\n", encoding="utf-8")
    assert load_params(params).synthetic is True
    params.write_text("evaluation: demo\nraw_dir: raw\nspan: 2020-2021\n", encoding="utf-8")
    assert load_params(params).synthetic is False
    params.write_text("evaluation: demo\nraw_dir: raw\nspan: 2020-2021\nsynthetic: 是\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="synthetic"):
        load_params(params)
    assert example_number("DGCZ-JX-2022-002") == "示例-DGCZ-JX-2022-002" == example_number("示例-DGCZ-JX-2022-002")
    assert example_cover({"报告编号": "", "委托单位": "某局"}) == {"报告编号": "示例", "委托单位": "某局"}


def test_the_shipped_examples_declare_their_rows_synthetic():
    from conftest import PROJECT_ROOT

    from jixiao.contract.params import load_params

    for name in ("params.yaml", "params.county-education.yaml"):
        assert load_params(PROJECT_ROOT / name).synthetic is True, name
