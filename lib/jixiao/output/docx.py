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
from jixiao.output.govprint import LONG_CELL, MANY_COLUMNS, NUMBER_CELL, column_widths
from jixiao.output.report import TOKEN_RE, ChartBlock, ContentsBlock, FailedBlock, TableBlock

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
FALLBACK = {"方正小标宋简体": "SimSun", "仿宋_GB2312": "FangSong", "黑体": "SimHei", "楷体_GB2312": "KaiTi"}
# the font table's next name for each face (w:altName), so that a reader without 楷体_GB2312 gets KaiTi, then
# STKaiti (macOS), and likewise for the others
ALT_NAMES = {"方正小标宋简体": "宋体", "SimSun": "STSong", "仿宋_GB2312": "仿宋", "FangSong": "STFangsong",
             "黑体": "SimHei", "SimHei": "STHeiti", "楷体_GB2312": "楷体", "KaiTi": "STKaiti"}
SIZE_ER = 22  # 二号 in points
SIZE_SAN = 16  # 三号
SIZE_TABLE = 10.5  # 五号, for tables
# what follows w:tblBorders in a table's properties (CT_TblPr's sequence): a strict reader (Word) rejects them out of order
TABLE_PROPERTIES_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                                  "w:tblDescription", "w:tblPrChange")
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
        if name in names:  # 四号 黑体, as the PDF's captions
            _style_font(styles[name], H1_FONT, 14, bold=False)
            styles[name].font.italic = False
            styles[name].paragraph_format.first_line_indent = Pt(0)
    if "TOC Heading" in names:  # pandoc's is Heading 1 in the theme's blue and font: the body's instead
        _style_font(styles["TOC Heading"], BODY_FONT, SIZE_SAN, bold=False)
        styles["TOC Heading"].font.italic = False
        styles["TOC Heading"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        styles["TOC Heading"].paragraph_format.first_line_indent = Pt(0)
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
    if style not in styles:  # a reference document without the caption style: 黑体 all the same
        for run in paragraph.runs:
            _run_font(run, H1_FONT)
    return paragraph


def _run_font(run, name: str) -> None:
    """``run`` in the face ``name`` (East Asian text) and its fallback (Latin), not bold."""
    from docx.oxml.ns import qn

    run.bold = False
    run.font.name = FALLBACK.get(name, name)
    fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _table(document, block: TableBlock, text_width_mm: float):
    """The table's part as a finished Word table, from its texts and column kinds as the PDF's table is: header row
    in 黑体 repeated on each page, no row split over two pages, cells centred vertically, numbers right-aligned, a
    column holding a longer text left-aligned and one of short texts centred, widths from ``govprint.column_widths``."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from jixiao.output.export import zh_text

    part = block.part
    header = [zh_text(str(h)) for h in part.headers]  # the punctuation the PDF's table has (zh_punctuation)
    body = [[text if column.right else zh_text(text) for text, column in zip(row, part.columns)]
            for row in part.texts()]
    size = SIZE_TABLE if len(header) <= MANY_COLUMNS else 9
    table = document.add_table(rows=1 + len(body), cols=len(header))
    _centred_with_borders(table)
    long = _long_columns(body)
    for r, (row, texts) in enumerate(zip(table.rows, [header, *body])):
        _row_kept_whole(row)
        for i, (cell, text) in enumerate(zip(row.cells, texts)):
            cell.text = text
            if r == 0:
                alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                alignment = _alignment(text, i in long, part.columns[i].right)
            _cell_format(cell, alignment, Pt(size))
            if r == 0:
                for run in cell.paragraphs[0].runs:  # 黑体, as the PDF's table headers
                    _run_font(run, H1_FONT)
    repeat = OxmlElement("w:tblHeader")  # the header row on every page the table spans
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    _set_widths(table, column_widths([header, *body], text_width_mm, size, padding_mm=3.0))
    return table


def _centred_with_borders(table) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "single")
        e.set(qn("w:sz"), "4")
        e.set(qn("w:color"), "000000")
        borders.append(e)
    table._tbl.tblPr.insert_element_before(borders, *TABLE_PROPERTIES_AFTER_BORDERS)


def _long_columns(body: list[list[str]]) -> set[int]:
    """The columns holding a text longer than a short name (left-aligned; the others are centred)."""
    return {i for row in body for i, text in enumerate(row)
            if len(text.strip()) > LONG_CELL and not NUMBER_CELL.match(text.strip())}


def _alignment(text: str, long_column: bool, number_column: bool):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if number_column or NUMBER_CELL.match(text.strip()):
        return WD_ALIGN_PARAGRAPH.RIGHT  # a number, or a number column's blank (—)
    return WD_ALIGN_PARAGRAPH.LEFT if long_column else WD_ALIGN_PARAGRAPH.CENTER


def _row_kept_whole(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    row_pr = row._tr.get_or_add_trPr()
    if row_pr.find(qn("w:cantSplit")) is None:
        row_pr.insert(0, OxmlElement("w:cantSplit"))


def _cell_format(cell, alignment, size=None) -> None:
    """``cell`` centred vertically, its paragraphs aligned as given, single-spaced without indent or spacing; its
    runs in ``size`` when given."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.shared import Pt

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for paragraph in cell.paragraphs:
        paragraph.alignment = alignment
        if size is None:
            continue
        form = paragraph.paragraph_format
        form.first_line_indent = Pt(0)
        form.line_spacing = 1.0
        form.space_before = form.space_after = Pt(0)
        for run in paragraph.runs:
            run.font.size = size


def _contents_field(document):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    heading = document.add_paragraph("目  录")
    styles = {s.name: s for s in document.styles}
    if "TOC Heading" in styles:
        heading.style = styles["TOC Heading"]
    heading.paragraph_format.page_break_before = True  # 目录 on its own page (after 摘要 when that comes first)
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
    paragraph.add_run("（打开文件时由 Word 更新目录；如未更新，右键此处选择“更新域”）")
    end = paragraph.add_run()
    e = OxmlElement("w:fldChar")
    e.set(qn("w:fldCharType"), "end")
    end._r.append(e)
    # the front matter (cover, contents and what precedes them) ends here: the body is a section of its own,
    # numbered from 1
    return [heading, paragraph, _section_break(document)]


def _page_numbers(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    sections = list(document.sections)
    for section in sections:  # footnotes numbered through the document, as in the HTML and PDF (pandoc: per section)
        for restart in section._sectPr.findall(f"{qn('w:footnotePr')}/{qn('w:numRestart')}"):
            restart.getparent().remove(restart)
    for section in sections[-1:]:  # the front matter's sections have none (they link to the cover's: none)
        section.footer.is_linked_to_previous = False
        if len(sections) > 1:
            number_type = section._sectPr.find(qn("w:pgNumType"))
            if number_type is None:
                number_type = OxmlElement("w:pgNumType")
                # in the schema's order: … pgMar, paperSrc, pgBorders, lnNumType, pgNumType, cols, … docGrid
                later = next((child for child in section._sectPr if child.tag in {
                    qn(f"w:{tag}") for tag in ("cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection",
                                               "bidi", "rtlGutter", "docGrid", "printerSettings")}), None)
                if later is not None:
                    later.addprevious(number_type)
                else:
                    section._sectPr.append(number_type)
            number_type.set(qn("w:start"), "1")
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


def _font_table(document) -> None:
    """The faces the styles name, each in the font table with its next name (``ALT_NAMES``) and the GB2312
    character set, so that Word and LibreOffice find a near face where the named one is missing."""
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    part = next((p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    known = {f.get(f"{{{w}}}name"): f for f in root.findall(f"{{{w}}}font")}
    for name, alt in ALT_NAMES.items():
        font = known.get(name)
        if font is None:
            font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        for child in list(font):
            if child.tag in (f"{{{w}}}altName", f"{{{w}}}charset", f"{{{w}}}family"):
                font.remove(child)
        # in the schema's order: altName, panose1, charset, family, pitch, sig …
        font.insert(0, etree.Element(f"{{{w}}}altName", {f"{{{w}}}val": alt}))
        at = 2 if font.find(f"{{{w}}}panose1") is not None else 1
        font.insert(at, etree.Element(f"{{{w}}}charset", {f"{{{w}}}val": "86"}))
        font.insert(at + 1, etree.Element(f"{{{w}}}family", {f"{{{w}}}val": "roman" if name not in ("黑体", "SimHei") else "modern"}))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _update_fields_on_open(document) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = document.settings.element
    e = OxmlElement("w:updateFields")
    e.set(qn("w:val"), "true")
    settings.append(e)


def write_docx(doc, reference_docx: bytes | None = None, synthetic: bool = False) -> bytes:
    """The Document as Word bytes; ``synthetic``: an example's, marked 示例（模拟数据） on the cover and in the header."""
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
    built = []  # the tables of the Document's parts, finished as they are built
    for paragraph in list(document.paragraphs):
        m = TOKEN_RE.fullmatch(paragraph.text.strip())
        if not m:
            continue
        block = doc.blocks[int(m.group(1))]
        anchor = paragraph._p
        if isinstance(block, TableBlock):
            caption = _caption(document, f"表{block.number} {block.caption}", "Table Caption")
            table = _table(document, block, _text_width_mm(document))
            built.append(table._tbl)
            caption.paragraph_format.keep_with_next = True
            anchor.addprevious(caption._p)
            anchor.addprevious(table._tbl)
        elif isinstance(block, ChartBlock):
            picture = document.add_paragraph()
            picture.alignment = 1
            from jixiao.present.charts import PRINT_DPI

            picture.add_run().add_picture(io.BytesIO(block.part.png(PRINT_DPI, titled=False)), width=Cm(15))
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
    if not any(isinstance(block, ContentsBlock) for block in doc.blocks):
        _contents_after_cover(document)  # as the PDF: a template without contents() has them after the cover
    _cover_section(document)
    _annex_on_new_page(document)
    _finish_tables(document, built)
    _bullets_as_paragraphs(document)
    _page_numbers(document)
    if synthetic:
        _example_mark(document)
    _core_title(document, f"{doc.project} {doc.title}".strip())
    _update_fields_on_open(document)
    if not reference_docx:
        _font_table(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- post-passes over the whole document: they compose with however the body and its tables were built ---


def _section_break(document):
    """An empty paragraph that ends a section (next page) laid out like the body's last section, with no header
    or footer of its own: it takes the previous section's, and the first section's is none."""
    import copy

    from docx.oxml.ns import qn

    paragraph = document.add_paragraph()
    section_pr = copy.deepcopy(document.element.body.sectPr)
    for ref in section_pr.findall(qn("w:headerReference")) + section_pr.findall(qn("w:footerReference")):
        section_pr.remove(ref)
    for child in section_pr.findall(qn("w:pgNumType")) + section_pr.findall(qn("w:titlePg")):
        section_pr.remove(child)
    paragraph._p.get_or_add_pPr().append(section_pr)
    return paragraph


def _contents_after_cover(document) -> None:
    """The contents (目录 and the TOC field, then a section break) after the cover's page break."""
    from docx.oxml.ns import qn

    for p in document.element.body.iterchildren(qn("w:p")):
        if any(br.get(qn("w:type")) == "page" for br in p.iter(qn("w:br"))):
            for part in reversed(_contents_field(document)):
                p.addnext(part._p)
            return


def _cover_section(document) -> None:
    """The cover's page break (the first page break of the body) becomes a section break: the cover is a
    section of its own."""
    from docx.oxml.ns import qn

    body = document.element.body
    for p in body.iterchildren(qn("w:p")):
        breaks = [br for br in p.iter(qn("w:br")) if br.get(qn("w:type")) == "page"]
        if not breaks:
            continue
        if "".join(t.text or "" for t in p.iter(qn("w:t"))).strip():
            return  # a page break inside text: not the cover's
        brk = _section_break(document)._p
        p.addprevious(brk)
        body.remove(p)
        following = brk.getnext()
        # the next section starts on a new page already: a page break before its first paragraph would leave a
        # blank page
        if following is not None and following.tag == qn("w:p") and following.pPr is not None:
            flag = following.pPr.find(qn("w:pageBreakBefore"))
            if flag is not None:
                following.pPr.remove(flag)
        return


def _annex_on_new_page(document) -> None:
    """附件 (or 附录) starts a page: the first heading that opens it."""
    styles = ("Heading 1", "Heading 2")
    for paragraph in document.paragraphs:
        if paragraph.style is not None and paragraph.style.name in styles and \
                paragraph.text.strip().startswith(("附件", "附录")):
            paragraph.paragraph_format.page_break_before = True
            return


CELL_MARGIN_TWIPS = 57  # 1 mm each side (Word's default is 1.9 mm): a wide table keeps its numbers on one line


def _fit_columns(table, cells: list, texts: list[list[str]], text_width_mm: float) -> None:
    """Column widths of a table the template wrote in Markdown (its rows' ``cells`` and their ``texts``), from its
    content as ours are (``_set_widths``), in the smallest size its text is set in."""
    if not texts or len({len(row) for row in texts}) > 1:
        return  # empty, or merged cells: leave the builder's widths
    sizes = [run.font.size.pt for row in cells for cell in row for p in cell.paragraphs for run in p.runs
             if run.font.size is not None]
    _set_widths(table, column_widths(texts, text_width_mm, min([10.5, *sizes]), padding_mm=3.0))


def _set_widths(table, widths: list[float]) -> None:
    """Fixed column widths in mm, in the grid and in every cell; cell margins of CELL_MARGIN_TWIPS."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table.autofit = False
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Mm(width)
    table_pr = table._tbl.tblPr
    # in the schema's order: … tblBorders, shd, tblLayout, tblCellMar, tblLook, tblCaption …
    for tag in ("w:tblLayout", "w:tblCellMar"):
        old = table_pr.find(qn(tag))
        if old is not None:
            table_pr.remove(old)
    layout, margins = OxmlElement("w:tblLayout"), OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    after = next((child for child in table_pr if child.tag in (qn("w:tblLook"), qn("w:tblCaption"),
                                                                 qn("w:tblDescription"))), None)
    for element in (layout, margins):
        if after is not None:
            after.addprevious(element)
        else:
            table_pr.append(element)
    layout.set(qn("w:type"), "fixed")


def _bullets_as_paragraphs(document) -> None:
    """A bulleted list's items as body paragraphs (first line indented two characters, as the PDF sets them): a
    government document prints no • before its items. Numbered lists keep their numbers."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return  # no list at all
    bullet_abstracts = {a.get(qn("w:abstractNumId")) for a in numbering.findall(qn("w:abstractNum"))
                        if (fmt := a.find(f"{qn('w:lvl')}/{qn('w:numFmt')}")) is not None
                        and fmt.get(qn("w:val")) == "bullet"}
    bullets = {n.get(qn("w:numId")) for n in numbering.findall(qn("w:num"))
               if n.find(qn("w:abstractNumId")).get(qn("w:val")) in bullet_abstracts}
    for paragraph in document.paragraphs:
        pPr = paragraph._p.pPr
        num = pPr.find(qn("w:numPr")) if pPr is not None else None
        if num is None or num.find(qn("w:numId")) is None or num.find(qn("w:numId")).get(qn("w:val")) not in bullets:
            continue
        pPr.remove(num)
        paragraph.paragraph_format.left_indent = Pt(0)
        paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号 (16 pt)


def _finish_tables(document, built: list) -> None:
    """A table the template wrote in Markdown (pandoc's) finished as ours (``_table``) are; ``built``: ours."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for table in document.tables:
        if any(table._tbl is tbl for tbl in built):
            continue
        rows = table.rows
        cells = [row.cells for row in rows]
        texts = [[cell.text for cell in row_cells] for row_cells in cells]
        long = _long_columns(texts[1:])
        for r, (row, row_cells) in enumerate(zip(rows, cells)):
            _row_kept_whole(row)
            for i, (cell, text) in enumerate(zip(row_cells, texts[r])):
                right = cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT  # pandoc's for a "--:" column
                _cell_format(cell, WD_ALIGN_PARAGRAPH.CENTER if r == 0 else _alignment(text, i in long, right))
        _fit_columns(table, cells, texts, _text_width_mm(document))


def _text_width_mm(document) -> float:
    section = document.sections[-1]
    return (section.page_width - section.left_margin - section.right_margin) / 36000


def _example_mark(document) -> None:
    """示例（模拟数据） above the cover's title and in every page's header."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from jixiao.output.example import SYNTHETIC_MARK

    first = document.paragraphs[0] if document.paragraphs else None
    mark = document.add_paragraph()
    run = mark.add_run(SYNTHETIC_MARK)
    run.font.size = Pt(SIZE_SAN)
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.paragraph_format.first_line_indent = Pt(0)
    if first is not None:
        first._p.addprevious(mark._p)
    head = document.sections[0].header
    head.is_linked_to_previous = False
    paragraph = head.paragraphs[0] if head.paragraphs else head.add_paragraph()
    paragraph.text = SYNTHETIC_MARK
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in list(document.sections)[1:]:
        section.header.is_linked_to_previous = True


def _core_title(document, title: str) -> None:
    """dc:title: what Word's file properties and a reader's window show."""
    document.core_properties.title = title


def docx_captions(data: bytes) -> list[str]:
    """The 表N / 图N captions of a Word report, in order (tests compare them with the HTML's)."""
    from docx import Document as WordDocument

    document = WordDocument(io.BytesIO(data))
    return [p.text for p in document.paragraphs if re.match(r"^[表图]\d+ ", p.text)]
