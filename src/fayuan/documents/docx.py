"""DOCX documents (python-docx), laid out after GB/T 9704-2012 《党政机关公文格式》.

A4 in margins of 37/35/28/26 mm; titles in 方正小标宋简体 二号; text in 仿宋_GB2312 at exact line
heights (the notice in 四号 so that it fits one page with its case table, form tables in 小四);
page numbers "— 1 —" in 宋体 四号. These fonts are not free and are not embedded: Word and WPS on
the center's machines have them (FACTS.md "Documents"); elsewhere Word substitutes. Each run
names its font in every slot, the East Asian one (``w:eastAsia``) included, since
``run.font.name`` alone sets only the Latin slots and Chinese text would fall back to the theme
font.

Which layout (long free text in its cell or on a 续页) is chosen by estimate, Word doing the
real layout; either way every text is printed whole, and table rows may break across pages.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from fayuan.documents.data import ApprovalFormData, HandlerChangeFormData, NoticeData
from fayuan.documents.layout import (
    MARGINS_MM,
    PAGE_MM,
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
    "PAGE_NUMBER_FONT",
    "TITLE_FONT",
    "render_approval_form_docx",
    "render_document_docx",
    "render_handler_change_form_docx",
    "render_notice_docx",
]

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
PAGE_NUMBER_FONT = "宋体"

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


def _run(paragraph: Any, text: str, font: str, size: float) -> None:
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    _set_fonts(run._element, font)


def _spacing(paragraph: Any, line: float, before: float = 0.0) -> None:
    """Exact line height ("固定值") and space before, in points."""
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(0)


# --- blocks ---------------------------------------------------------------------------------


def _title(doc: Any, block: Title) -> Any:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(p, block.line)
    _run(p, block.text, TITLE_FONT, block.size)
    return p


def _para(doc: Any, block: Para) -> Any:
    p = doc.add_paragraph()
    p.alignment = _ALIGN[block.align]
    _spacing(p, block.line, before=block.space_before)
    if block.indent:
        p.paragraph_format.first_line_indent = Pt(block.size * 2)
    _run(p, block.text, BODY_FONT, block.size)
    return p


def _signature(doc: Any, block: Signature) -> list[Any]:
    out = []
    for i, (text, right) in enumerate(zip(block.lines, block.right_chars, strict=True)):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _spacing(p, block.line, before=block.space_before if i == 0 else 0.0)
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


def _page_number_footer(section: Any) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "— ", PAGE_NUMBER_FONT, 14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    r.append(rpr)
    text = OxmlElement("w:t")
    text.text = "1"
    r.append(text)
    field.append(r)
    p._p.append(field)
    _set_fonts(r, PAGE_NUMBER_FONT)
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), "28")
    rpr.append(sz)
    _run(p, " —", PAGE_NUMBER_FONT, 14)


def render_document_docx(document: Document) -> bytes:
    """Any laid-out `Document` as DOCX bytes."""
    doc = new_docx()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    text_width_mm = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]

    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    _set_fonts(normal.element, BODY_FONT)

    props = doc.core_properties
    props.title, props.author, props.subject = document.title, document.author, document.subject
    props.comments = "fayuan"

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
    _page_number_footer(section)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
