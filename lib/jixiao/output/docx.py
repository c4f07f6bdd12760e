"""``<period>/report.docx``: the report's Document in Word, through pandoc, finished with python-docx.

Pandoc turns the template's Markdown into Word (headings as Word heading styles, footnotes as native Word
footnotes); every block token is then replaced by what the Document holds: a real Word table built from
the table's typed data (表N caption above, header row repeated on each page), a chart (图N caption below),
the contents as a TOC field that Word fills when it opens the file (``updateFields``). Without the params'
``reference_docx`` the common government format applies: A4, margins top 37, bottom 35, left 28, right
26 mm; title 方正小标宋简体 二号; body 仿宋_GB2312 三号; 一级标题 黑体, 二级 楷体_GB2312 (each with a
fallback named for systems without it); page numbers in the footer.
"""

from __future__ import annotations

import io
import re
import shutil

from jixiao.core.scratch import scratch_dir
from jixiao.output.report import TOKEN_RE, ChartBlock, ContentsBlock, FailedBlock, TableBlock

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
FALLBACK = {"方正小标宋简体": "SimSun", "仿宋_GB2312": "FangSong", "黑体": "SimHei", "楷体_GB2312": "KaiTi"}
SIZE_ER = 22  # 二号 in points
SIZE_SAN = 16  # 三号
SIZE_TABLE = 10.5  # 五号, for tables
PAGE_BREAK = '```{=openxml}\n<w:p><w:r><w:br w:type="page"/></w:r></w:p>\n```'


def _pandoc_markdown(doc) -> str:
    from jixiao.output.export import zh_text
    from jixiao.output.fields import md_text

    lines = []  # the cover's text is data or params: escaped, never markup
    lines.append(f'::: {{custom-style="Title"}}\n{md_text(doc.title)}\n:::\n')
    lines.append(f'::: {{custom-style="Subtitle"}}\n{md_text(doc.project)}\n:::\n')
    for label, value in doc.cover:
        if label != "项目名称":
            lines.append(f'::: {{custom-style="Cover Line"}}\n{md_text(label)}：{md_text(value)}\n:::\n')
    lines.append(PAGE_BREAK + "\n")
    body = []
    for line in doc.markdown.splitlines():
        body.append(line if TOKEN_RE.fullmatch(line.strip() or "-") else zh_text(line))
    return "\n".join(lines) + "\n" + "\n".join(body)


def _font(run_or_style_font, name: str) -> None:
    from docx.oxml.ns import qn

    run_or_style_font.name = FALLBACK.get(name, name)
    rpr = run_or_style_font.element.get_or_add_rPr() if hasattr(run_or_style_font, "element") else None
    if rpr is None:
        return
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def _style_font(style, name: str, size: float, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style.font.size = Pt(size)
    style.font.name = FALLBACK.get(name, name)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), FALLBACK.get(name, name))
    fonts.set(qn("w:eastAsia"), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _government_format(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    styles = {s.name: s for s in document.styles}  # by name (python-docx's lookup by id is deprecated)
    names = set(styles)
    for name in ("Normal", "Body Text", "First Paragraph", "Compact", "Footnote Text"):
        if name in names:
            _style_font(styles[name], BODY_FONT, SIZE_SAN if name != "Footnote Text" else 12)
    for name in ("Body Text", "First Paragraph"):
        if name in names:
            styles[name].paragraph_format.first_line_indent = Pt(SIZE_SAN * 2)
            styles[name].paragraph_format.line_spacing = Pt(28)
    if "Title" in names:
        _style_font(styles["Title"], TITLE_FONT, SIZE_ER, bold=False)
        styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if "Subtitle" in names:
        _style_font(styles["Subtitle"], TITLE_FONT, SIZE_SAN, bold=False)
        styles["Subtitle"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for level, font in ((1, H1_FONT), (2, H2_FONT), (3, BODY_FONT), (4, BODY_FONT)):
        name = f"Heading {level}"
        if name in names:
            _style_font(styles[name], font, SIZE_SAN, bold=level >= 3)
            styles[name].font.italic = False
    for name in ("Table Caption", "Image Caption", "Caption"):
        if name in names:
            _style_font(styles[name], BODY_FONT, 14, bold=True)  # 四号
            styles[name].font.italic = False
            styles[name].paragraph_format.first_line_indent = Pt(0)
    if "Cover Line" in names:
        _style_font(styles["Cover Line"], BODY_FONT, SIZE_SAN)
        styles["Cover Line"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        styles["Cover Line"].paragraph_format.first_line_indent = Pt(0)
        styles["Cover Line"].paragraph_format.space_after = Pt(8)
    if "Title" in names:
        styles["Title"].paragraph_format.space_before = Pt(150)
        styles["Title"].paragraph_format.space_after = Pt(24)
    if "Subtitle" in names:
        styles["Subtitle"].paragraph_format.space_after = Pt(60)


def _caption(document, text: str, style: str):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = document.add_paragraph(text)
    styles = {s.name: s for s in document.styles}
    if style in styles:
        paragraph.style = styles[style]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in paragraph.runs:
        run.bold = True
    return paragraph


def _table(document, block: TableBlock):
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    part = block.part
    headers, texts = part.headers, part.texts()
    table = document.add_table(rows=1 + len(texts), cols=len(headers))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "single")
        e.set(qn("w:sz"), "4")
        e.set(qn("w:color"), "000000")
        borders.append(e)
    table._tbl.tblPr.append(borders)
    for col, header in enumerate(headers):
        cell = table.rows[0].cells[col]
        cell.text = str(header)
        for run in cell.paragraphs[0].runs:
            run.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    header_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_pr.append(repeat)
    for r, row in enumerate(texts, start=1):
        for col, (text, column) in enumerate(zip(row, part.columns)):
            cell = table.rows[r].cells[col]
            cell.text = text
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT if column.right else WD_ALIGN_PARAGRAPH.LEFT
    # columns as wide as their longest cell (a CJK character counts two), over the text width of 156 mm
    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    need = [min(max([min(width(str(h)), 8)] + [width(c.text) for c in col.cells[1:]] + [4]), 36) + 6
            for h, col in zip(headers, table.columns)]  # prose wraps within 18 characters' width or so
    total = sum(need)
    table.autofit = False
    for col, n in zip(table.columns, need):
        col.width = Mm(156 * n / total)
        for cell in col.cells:
            cell.width = Mm(156 * n / total)
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.first_line_indent = Pt(0)
                paragraph.paragraph_format.line_spacing = 1.0
                for run in paragraph.runs:
                    run.font.size = Pt(SIZE_TABLE if len(headers) <= 7 else 9)
    return table


def _contents_field(document):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    heading = document.add_paragraph("目  录")
    styles = {s.name: s for s in document.styles}
    if "TOC Heading" in styles:
        heading.style = styles["TOC Heading"]
    paragraph = document.add_paragraph()
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, 'TOC \\o "1-2" \\h \\z \\u'), ("separate", None)):
        if kind:
            e = OxmlElement("w:fldChar")
            e.set(qn("w:fldCharType"), kind)
            run._r.append(e)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    paragraph.add_run("(打开文件时由 Word 更新目录;如未更新,右键此处选择“更新域”)")
    end = paragraph.add_run()
    e = OxmlElement("w:fldChar")
    e.set(qn("w:fldCharType"), "end")
    end._r.append(e)
    brk = document.add_paragraph()
    b = OxmlElement("w:br")
    b.set(qn("w:type"), "page")
    brk.add_run()._r.append(b)
    return [heading, paragraph, brk]


def _page_numbers(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for section in document.sections:
        paragraph = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run("— ")
        run = paragraph.add_run()
        for kind in ("begin", "instr", "separate", "text", "end"):
            if kind == "instr":
                e = OxmlElement("w:instrText")
                e.set(qn("xml:space"), "preserve")
                e.text = "PAGE"
            elif kind == "text":
                e = OxmlElement("w:t")
                e.text = "1"
            else:
                e = OxmlElement("w:fldChar")
                e.set(qn("w:fldCharType"), kind)
            run._r.append(e)
        paragraph.add_run(" —")


def _update_fields_on_open(document) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = document.settings.element
    e = OxmlElement("w:updateFields")
    e.set(qn("w:val"), "true")
    settings.append(e)


def write_docx(doc, reference_docx: bytes | None = None) -> bytes:
    """The Document as Word bytes."""
    import pypandoc
    from docx import Document as WordDocument
    from docx.shared import Cm

    scratch = scratch_dir("docx")  # owned scratch: a later run sweeps it if this build is killed
    try:
        out = scratch / "report.docx"
        args = []
        if reference_docx:
            ref = scratch / "reference.docx"
            ref.write_bytes(reference_docx)
            args.append(f"--reference-doc={ref}")
        pypandoc.convert_text(_pandoc_markdown(doc), "docx", format="markdown+east_asian_line_breaks-smart",
                              outputfile=str(out), extra_args=args)
        document = WordDocument(str(out))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not reference_docx:
        _government_format(document)
    for paragraph in list(document.paragraphs):
        m = TOKEN_RE.fullmatch(paragraph.text.strip())
        if not m:
            continue
        block = doc.blocks[int(m.group(1))]
        anchor = paragraph._p
        if isinstance(block, TableBlock):
            caption = _caption(document, f"表{block.number} {block.caption}", "Table Caption")
            table = _table(document, block)
            caption.paragraph_format.keep_with_next = True
            anchor.addprevious(caption._p)
            anchor.addprevious(table._tbl)
        elif isinstance(block, ChartBlock):
            picture = document.add_paragraph()
            picture.alignment = 1
            from jixiao.present.charts import PRINT_DPI

            picture.add_run().add_picture(io.BytesIO(block.part.png(PRINT_DPI)), width=Cm(15))
            picture.paragraph_format.keep_with_next = True
            picture.paragraph_format.first_line_indent = 0
            caption = _caption(document, f"图{block.number} {block.caption}", "Image Caption")
            anchor.addprevious(picture._p)
            anchor.addprevious(caption._p)
        elif isinstance(block, FailedBlock):
            from docx.shared import RGBColor

            mark = document.add_paragraph()
            run = mark.add_run(block.text)
            run.bold = True
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
            anchor.addprevious(mark._p)
        elif isinstance(block, ContentsBlock):
            for part in _contents_field(document):
                anchor.addprevious(part._p)
        anchor.getparent().remove(anchor)
    _page_numbers(document)
    _update_fields_on_open(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_captions(data: bytes) -> list[str]:
    """The 表N / 图N captions of a Word report, in order (tests compare them with the HTML's)."""
    from docx import Document as WordDocument

    document = WordDocument(io.BytesIO(data))
    return [p.text for p in document.paragraphs if re.match(r"^[表图]\d+ ", p.text)]
