"""PDF documents (reportlab), with a free TrueType CJK font embedded as a subset.

The same layout as the DOCX (`fayuan.documents.layout`): A4 in the GB/T 9704 margins, page
numbers "— 1 —". The fonts GB/T 9704 names (方正小标宋, 仿宋_GB2312) are not free, so the PDF
embeds the font `fayuan.documents.fonts.find_cjk_font` finds, subset, and nothing else (not even
Helvetica); lines break between any two Chinese characters (``wordWrap='CJK'``) but never before
closing punctuation. Output is reproducible: the same data gives the same bytes (``invariant``).

Of a document's layouts (`fayuan.documents.layout`: long free text in its cell or on a 续页) the
PDF keeps the first whose page 1 it measures whole. Table rows may split across pages
(``splitInRow``), so even a cell taller than a page (a 3,000-character name, say) flows on
instead of failing with reportlab's ``LayoutError``.
"""

from __future__ import annotations

import io
import threading
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib import textsplit as _rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable
from reportlab.platypus import paragraph as _rl_paragraph

from fayuan.documents.data import ApprovalFormData, HandlerChangeFormData, NoticeData
from fayuan.documents.fonts import CJKFont, CJKFontError, find_cjk_font
from fayuan.documents.layout import (
    MARGINS_MM,
    TEXT_HEIGHT_PT,
    Block,
    Document,
    PageBreak,
    Para,
    Signature,
    Table,
    Title,
    approval_form_layouts,
    estimated_height,
    first_page,
    handler_change_form_layouts,
    notice_layouts,
)

__all__ = [
    "REQUIRED_GLYPHS",
    "cjk_font_name",
    "missing_glyphs",
    "render_approval_form_pdf",
    "render_document_pdf",
    "render_handler_change_form_pdf",
    "render_notice_pdf",
]

#: Characters every document uses; a font lacking one is refused (fonts-arphic-gbsn00lp has no 〇).
REQUIRED_GLYPHS = "〇〔〕（）：；、。□—\u00a0法律援助指派通知书年月日0123456789"

LEFT, RIGHT = MARGINS_MM["left"] * mm, MARGINS_MM["right"] * mm
TOP, BOTTOM = MARGINS_MM["top"] * mm, MARGINS_MM["bottom"] * mm
_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "justify": TA_JUSTIFY}

#: Chinese punctuation that must not begin a line. reportlab's list (Japanese-oriented) lacks the
#: full-width comma, colon and others; with them added, such a character hangs at the end of the
#: line before instead. This extends reportlab's list (two module globals: one-fragment paragraphs
#: break in textsplit, others in paragraph) once, for the whole process.
CANNOT_START_ZH = "，。、：；！？）》〉」』”’〕】％"
for _module in (_rl_textsplit, _rl_paragraph):
    _module.ALL_CANNOT_START += "".join(
        ch for ch in CANNOT_START_ZH if ch not in _module.ALL_CANNOT_START
    )

_lock = threading.Lock()
_registered: dict[tuple[str, int], str] = {}


def render_notice_pdf(data: NoticeData) -> bytes:
    """《指派通知书》 (第六条) as PDF bytes, its font embedded.

    A notice that runs onto a second page is laid out again with tighter lines, then with its
    long free text on a 续页, so that the issuer and date do not stand alone on page 2.
    """
    return _render_fitted(notice_layouts(data))


def render_approval_form_pdf(data: ApprovalFormData) -> bytes:
    """普通案件/重大疑难案件指派审批表 (第五条) as PDF bytes."""
    return _render_fitted(approval_form_layouts(data))


def render_handler_change_form_pdf(data: HandlerChangeFormData) -> bytes:
    """更换承办人审批表 (第十二条) as PDF bytes."""
    return _render_fitted(handler_change_form_layouts(data))


#: A layout estimated taller than this many pages is not worth rendering to measure.
HOPELESS_PAGES = 1.25


def _render_fitted(layouts: tuple[Document, ...]) -> bytes:
    """The first layout whose first page (all before its 续页) the PDF shows on one page, as
    measured; else the last one (the most text moved to the 续页)."""
    for document in layouts[:-1]:
        if estimated_height(document) > HOPELESS_PAGES * TEXT_HEIGHT_PT:
            continue
        pdf, pages = _render(first_page(document))
        if pages == 1:
            return _render(document)[0] if document.continued else pdf
    return _render(layouts[-1])[0]


# --- the font -------------------------------------------------------------------------------


def _load(font: CJKFont) -> str:
    key = (str(font.path), font.subfont_index)
    with _lock:
        name = _registered.get(key)
        if name is not None:
            return name
        name = f"FayuanCJK{len(_registered)}"
        try:
            ttf = TTFont(name, str(font.path), subfontIndex=font.subfont_index)
        except (TTFError, OSError, ValueError) as exc:
            raise CJKFontError(
                f"无法使用字体 {font.path}（第{font.subfont_index}个字面，来源：{font.source}）："
                f"{exc}。PDF 需要 TrueType（glyf）中文字体，"
                "不支持 CFF/OpenType 字体（如 Noto CJK）。\n"
                f"Cannot use font {font.path} (face {font.subfont_index}, from {font.source}): "
                f"{exc}. PDF documents need a TrueType (glyf) Chinese font; CFF fonts such as "
                "Noto CJK are not supported."
            ) from exc
        lacking = [ch for ch in REQUIRED_GLYPHS if ord(ch) not in ttf.face.charToGlyph]
        if lacking:
            raise CJKFontError(
                f"字体 {font.path} 缺少字符：{''.join(lacking)}。"
                f"请安装 fonts-wqy-zenhei 或设置 FAYUAN_PDF_FONT。\n"
                f"Font {font.path} lacks: {' '.join(f'U+{ord(c):04X}' for c in lacking)}. "
                "Install fonts-wqy-zenhei or set FAYUAN_PDF_FONT."
            )
        pdfmetrics.registerFont(ttf)
        _registered[key] = name
        return name


def cjk_font_name() -> str:
    """Register the CJK font with reportlab (once per process) and return its name.

    Raises `CJKFontError`, in Chinese and English, when there is no usable font.
    """
    return _load(find_cjk_font())


def missing_glyphs(text: str) -> set[str]:
    """Characters of `text` the embedded font cannot show (rare name characters, say)."""
    face = pdfmetrics.getFont(cjk_font_name()).face
    return {ch for ch in text if not ch.isspace() and ord(ch) not in face.charToGlyph}


# --- flowables ------------------------------------------------------------------------------


def _markup(text: str) -> str:
    """Paragraph markup for plain text: escaped, newlines kept, and each ideographic space
    (U+3000, the blanks of a form) as two no-break spaces, which reportlab does not collapse."""
    return "<br/>".join(escape(line).replace("\u3000", "\u00a0\u00a0") for line in text.split("\n"))


def _style(font: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(
        f"s{size}-{leading}-{sorted(kw.items())}",
        fontName=font,
        fontSize=size,
        leading=leading,
        wordWrap="CJK",
        **kw,
    )


#: A row taller than this (in points) has its cells at the top, so that it can split inside.
TALL_ROW = 300.0


def _tables(block: Table, font: str, width: float) -> list[RLTable]:
    """The table as a stack of reportlab tables, one per run of rows with the same columns.

    A row taller than what is left of the page splits inside (``splitInRow``) once no split
    between rows will do: no cell, however long, stops the document.
    reportlab splits a row right only (1) without spans: each cell is made as wide as the
    columns it spans, and rows with the same widths share a table, the tables stacked without a
    gap into one ruled form; (2) with each cell's flowables in a list; and (3) with tall rows
    aligned at the top (it cannot split a middle-aligned cell beside a taller one).
    """
    label = _style(font, block.size, block.line, alignment=TA_CENTER)
    value = _style(font, block.size, block.line, alignment=TA_LEFT)
    runs: list[tuple[tuple[float, ...], list[list[Any]], list[bool]]] = []
    for cells in block.rows:
        spans: list[float] = []
        row: list[Any] = []
        tall = False
        col = 0
        for cell in cells:
            spans.append(width * sum(block.widths[col : col + cell.span]))
            para = Paragraph(_markup(cell.text), label if cell.label else value)
            tall = tall or para.wrap(spans[-1] - 10, 1e9)[1] > TALL_ROW
            row.append([para])
            col += cell.span
        if runs and runs[-1][0] == tuple(spans):
            runs[-1][1].append(row)
            runs[-1][2].append(tall)
        else:
            runs.append((tuple(spans), [row], [tall]))
    tables = []
    for col_widths, rows, tall_rows in runs:
        commands: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), font),  # else empty cells name Helvetica
            ("GRID", (0, 0), (-1, -1), 0.75, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), block.padding),
            ("BOTTOMPADDING", (0, 0), (-1, -1), block.padding + 0.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ]
        commands += [("VALIGN", (0, r), (-1, r), "TOP") for r, t in enumerate(tall_rows) if t]
        table = RLTable(
            rows,
            colWidths=list(col_widths),
            hAlign="CENTER",
            splitByRow=1,
            splitInRow=1,  # any height: a minimum can leave the rest of a row nowhere to go
        )
        table.setStyle(TableStyle(commands))
        tables.append(table)
    return tables


def _block(block: Block, font: str, width: float) -> list[Any]:
    if isinstance(block, Title):
        style = _style(font, block.size, block.line, alignment=TA_CENTER)
        return [Paragraph(_markup(block.text), style)]
    if isinstance(block, Para):
        style = _style(
            font,
            block.size,
            block.line,
            alignment=_ALIGN[block.align],
            firstLineIndent=block.size * 2 if block.indent else 0,
            spaceBefore=block.space_before,
        )
        return [Paragraph(_markup(block.text), style)]
    if isinstance(block, Signature):
        out = []
        for i, (text, right) in enumerate(zip(block.lines, block.right_chars, strict=True)):
            style = _style(
                font,
                block.size,
                block.line,
                alignment=TA_RIGHT,
                rightIndent=block.size * right,
                spaceBefore=block.space_before if i == 0 else 0,
            )
            out.append(Paragraph(_markup(text), style))
        return out
    if isinstance(block, PageBreak):
        return [RLPageBreak()]
    return [Spacer(1, 2), *_tables(block, font, width)]


def render_document_pdf(document: Document) -> bytes:
    """Any laid-out `Document` as PDF bytes (A4, font embedded and subset)."""
    return _render(document)[0]


def _render(document: Document) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    font = cjk_font_name()
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=document.title,
        author=document.author,
        subject=document.subject,
        creator="fayuan",
        lang="zh-CN",
        invariant=1,
        initialFontName=font,
        initialFontSize=16,
    )
    width = A4[0] - LEFT - RIGHT
    flowables: list[Any] = []
    for block in document.blocks:
        flowables += _block(block, font, width)

    def page_number(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 14)
        canvas.drawCentredString(A4[0] / 2, BOTTOM - 7 * mm - 14, f"— {doc.page} —")
        canvas.restoreState()

    template.build(flowables, onFirstPage=page_number, onLaterPages=page_number)
    return out.getvalue(), int(template.page)
