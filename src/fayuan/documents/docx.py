"""DOCX documents (python-docx), laid out after GB/T 9704-2012 《党政机关公文格式》.

A4 in margins of 37/35/28/26 mm (版心 156 × 225 mm) with the standard document grid of 22 lines of
28 characters (``w:docGrid`` linesAndChars, line pitch 28.95 pt, the character pitch narrowed to
15.79 pt); titles in 方正小标宋简体 二号; text in 仿宋_GB2312 三号 on that grid, tables in 四号 or
小四 off it; the 附件 label in 黑体; page numbers "— 1 —" in 宋体 四号, odd pages at the right and
even pages at the left, a character in. The notice's seal place is marked （印章） above the
issuer. The core properties' created and modified dates are the document's own (a notice's issue
date). These fonts are not free and are not embedded: Word and WPS on
the center's machines have them (FACTS.md "Documents"); elsewhere Word substitutes. Each run
names its font in every slot, the East Asian one (``w:eastAsia``) included, since
``run.font.name`` alone sets only the Latin slots and Chinese text would fall back to the theme
font.

Which layout (long free text in its cell or on a 续页) is chosen by estimate, Word doing the
real layout; either way every text is printed whole, and table rows may break across pages.
"""

from __future__ import annotations

import io
from datetime import UTC
from typing import Any

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from fayuan.documents.data import ApprovalFormData, HandlerChangeFormData, NoticeData
from fayuan.documents.layout import (
    CHAR_PITCH_PT,
    LINE_PITCH_PT,
    MARGINS_MM,
    PAGE_MM,
    SEAL_LABEL,
    Document,
    PageBreak,
    Para,
    Signature,
    Table,
    Title,
    approval_form_layouts,
    fitted,
    fitted_notice_document,
    handler_change_form_layouts,
)

__all__ = [
    "BODY_FONT",
    "HEADING_FONT",
    "PAGE_NUMBER_FONT",
    "TITLE_FONT",
    "render_approval_form_docx",
    "render_document_docx",
    "render_handler_change_form_docx",
    "render_notice_docx",
]

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
PAGE_NUMBER_FONT = "宋体"
BODY_SIZE = 16.0  # 三号: the grid's size
SEAL_GREY = RGBColor(0x9E, 0x9E, 0x9E)

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def render_notice_docx(data: NoticeData) -> bytes:
    """《指派通知书》 (第六条) as DOCX bytes."""
    return render_document_docx(fitted_notice_document(data))


def render_approval_form_docx(data: ApprovalFormData) -> bytes:
    """普通案件/重大疑难案件指派审批表 (第五条) as DOCX bytes."""
    return render_document_docx(fitted(approval_form_layouts(data)))


def render_handler_change_form_docx(data: HandlerChangeFormData) -> bytes:
    """更换承办人审批表 (第十二条) as DOCX bytes."""
    return render_document_docx(fitted(handler_change_form_layouts(data)))


# --- fonts ----------------------------------------------------------------------------------


def _set_fonts(rpr_owner: Any, name: str) -> None:
    """Name `name` in all four font slots of a run or style (``w:rFonts``)."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(slot), name)
    rfonts.set(qn("w:hint"), "eastAsia")


def _run(paragraph: Any, text: str, font: str, size: float) -> Any:
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    _set_fonts(run._element, font)
    return run


#: What follows ``w:snapToGrid`` in ``w:pPr`` (CT_PPr's sequence; Word refuses another order).
_AFTER_SNAP_TO_GRID = (
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _spacing(paragraph: Any, line: float, before: float = 0.0, grid: bool = False) -> None:
    """Exact line height ("固定值") and space before, in points. Only `grid` paragraphs (三号
    text) keep to the document's character grid; a title or a table's 四号 would be spread out
    to its 15.79 pt pitch."""
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(0)
    if not grid:
        ppr = paragraph._p.get_or_add_pPr()
        snap = OxmlElement("w:snapToGrid")
        snap.set(qn("w:val"), "0")
        ppr.insert_element_before(snap, *_AFTER_SNAP_TO_GRID)  # the schema's order


# --- blocks ---------------------------------------------------------------------------------


def _title(doc: Any, block: Title) -> Any:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(p, block.line, before=block.space_before)
    _run(p, block.text, TITLE_FONT, block.size)
    return p


def _para(doc: Any, block: Para) -> Any:
    p = doc.add_paragraph()
    p.alignment = _ALIGN[block.align]
    _spacing(p, block.line, before=block.space_before, grid=block.size == BODY_SIZE)
    if block.indent:
        p.paragraph_format.first_line_indent = Pt(block.size * 2)
    _run(p, block.text, HEADING_FONT if block.face == "heading" else BODY_FONT, block.size)
    return p


def _signature(doc: Any, block: Signature) -> list[Any]:
    out = []
    if block.seal:
        # The seal's place: "（印章）" in light grey, centered over the date like the issuer, on a
        # line as tall as the space the seal needs above the issuer.
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _spacing(p, block.space_before)
        when_right = block.right_chars[-1]
        label_right = when_right + (len(block.lines[-1]) - len(SEAL_LABEL) * 10.5 / 16) / 2
        p.paragraph_format.right_indent = Pt(block.size * label_right)
        run = _run(p, SEAL_LABEL, BODY_FONT, 10.5)
        run.font.color.rgb = SEAL_GREY
        out.append(p)
    for i, (text, right) in enumerate(zip(block.lines, block.right_chars, strict=True)):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        before = block.space_before if i == 0 and not block.seal else 0.0
        _spacing(p, block.line, before=before, grid=block.size == BODY_SIZE)
        p.paragraph_format.right_indent = Pt(block.size * right)
        _run(p, text, BODY_FONT, block.size)
        out.append(p)
    return out


def _table(doc: Any, block: Table, text_width_mm: float) -> None:
    ncols = len(block.widths)
    table = doc.add_table(rows=len(block.rows), cols=ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Mm(text_width_mm * w) for w in block.widths]
    for row, cells in zip(table.rows, block.rows, strict=True):
        grid = row.cells  # one walk of the row: python-docx recomputes this on every access
        for c, cell_width in enumerate(widths):
            grid[c].width = cell_width
        col = 0
        for cell in cells:
            target = grid[col]
            if cell.span > 1:  # widths are set first, so the merged cell gets their sum
                target = target.merge(grid[col + cell.span - 1])
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            lines = cell.text.split("\n")
            for i, line in enumerate(lines):
                p = target.paragraphs[0] if i == 0 else target.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER if cell.label else WD_ALIGN_PARAGRAPH.LEFT
                before = block.padding if i == 0 else 0.0
                _spacing(p, block.line, before=before)
                if i == len(lines) - 1:
                    p.paragraph_format.space_after = Pt(block.padding)
                _run(p, line, BODY_FONT, block.size)
            col += cell.span
    # Fixed column widths in the grid too (Word reads tblGrid; LibreOffice reads the cells).
    for c, grid_col in enumerate(table._tbl.tblGrid.findall(qn("w:gridCol"))):
        grid_col.set(qn("w:w"), str(int(widths[c].twips)))


def _page_number(footer: Any, odd: bool) -> None:
    """ "— 1 —" in 宋体 四号 (GB/T 9704 7.5): odd pages at the right, even at the left, one
    character (14 pt) in from the 版心's edge."""
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:
        p.paragraph_format.right_indent = Pt(14)
    else:
        p.paragraph_format.left_indent = Pt(14)
    _run(p, "— ", PAGE_NUMBER_FONT, 14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    r.append(rpr)
    text = OxmlElement("w:t")
    text.text = "1" if odd else "2"
    r.append(text)
    field.append(r)
    p._p.append(field)
    _set_fonts(r, PAGE_NUMBER_FONT)
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), "28")
    rpr.append(sz)
    _run(p, " —", PAGE_NUMBER_FONT, 14)


def _document_grid(section: Any) -> None:
    """GB/T 9704's grid: 22 lines of 28 characters (linePitch in twips; charSpace in 1/4096 pt
    relative to the Normal style's 16 pt: 15.79 pt − 16 pt)."""
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH_PT * 20)))
    grid.set(qn("w:charSpace"), str(round((CHAR_PITCH_PT - BODY_SIZE) * 4096)))


def render_document_docx(document: Document) -> bytes:
    """Any laid-out `Document` as DOCX bytes."""
    doc = new_docx()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    text_width_mm = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]

    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 6)  # the number 7 mm below the 版心
    _document_grid(section)

    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_SIZE)
    _set_fonts(normal.element, BODY_FONT)

    props = doc.core_properties
    props.title, props.author, props.subject = document.title, document.author, document.subject
    props.comments = "fayuan 法律援助案件指派系统"
    props.language = "zh-CN"
    if document.issued_at is not None:
        issued = document.issued_at
        if issued.tzinfo is not None:  # core properties are in UTC (W3CDTF "Z")
            issued = issued.astimezone(UTC).replace(tzinfo=None)
        props.created = props.modified = issued

    new_page = False  # after a PageBreak, the next paragraph starts the page (no empty one)
    for block in document.blocks:
        if isinstance(block, PageBreak):
            new_page = True
            continue
        if isinstance(block, Table):
            if new_page:
                doc.add_paragraph().paragraph_format.page_break_before = True
            _table(doc, block, text_width_mm)
        else:
            if isinstance(block, Title):
                first = _title(doc, block)
            elif isinstance(block, Para):
                first = _para(doc, block)
            else:
                first = _signature(doc, block)[0]
            if new_page:
                first.paragraph_format.page_break_before = True
        new_page = False
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, odd=True)
    _page_number(section.even_page_footer, odd=False)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
