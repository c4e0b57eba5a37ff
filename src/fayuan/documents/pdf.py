"""PDF documents (reportlab), their Chinese faces embedded as subsets.

The same layout as the DOCX (`fayuan.documents.layout`): A4, the GB/T 9704 版心 of 156 × 225 mm
(a frame without padding, so the margins are exactly 37/35/28/26 mm), page numbers "— 1 —" in
四号 宋体, odd pages at the right and even pages at the left, a character in. The faces GB/T 9704
names (方正小标宋, 仿宋_GB2312) are not free, so titles embed the Song face and text the Kai
face `fayuan.documents.fonts.find_pdf_fonts` finds (AR PL UMing, LXGW WenKai), subset, and nothing
else (not even Helvetica). A character the face lacks is taken, that character only, from the
other face or another installed one (`unprintable` says what none can show); lines break between
any two Chinese characters (``wordWrap='CJK'``) but never before closing punctuation.

Output is reproducible: the same data gives the same bytes (``invariant``), and the creation
and modification dates are the document's own (a notice's issue date), not the time it was
rendered.

Of a document's layouts (`fayuan.documents.layout`: long free text in its cell or on a 续页) the
PDF keeps the first whose page 1 it measures whole. Table rows may split across pages
(``splitInRow``), so even a cell taller than a page (a 3,000-character name, say) flows on
instead of failing with reportlab's ``LayoutError``.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
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
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Table as RLTable
from reportlab.platypus import paragraph as _rl_paragraph

from fayuan.documents.data import ApprovalFormData, HandlerChangeFormData, NoticeData
from fayuan.documents.fonts import CJKFont, CJKFontError, PDFFonts, find_pdf_fonts
from fayuan.documents.layout import (
    CHAR_PITCH_PT,
    CHINA_TZ,
    MARGINS_MM,
    SEAL_DIAMETER_MM,
    SEAL_LABEL,
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
    "SUBSTITUTES",
    "cjk_font_name",
    "missing_glyphs",
    "pdf_font_names",
    "render_approval_form_pdf",
    "render_document_pdf",
    "render_handler_change_form_pdf",
    "render_notice_pdf",
    "unprintable",
]

logger = logging.getLogger(__name__)

#: Characters every document uses; a face lacking one is refused (fonts-arphic-gbsn00lp has no 〇).
REQUIRED_GLYPHS = "〇〔〕（）：；、。□—\u00a0法律援助指派通知书年月日0123456789"
#: What to print for a character no installed face has: the nearest one they do have. (U+2212,
#: the minus of a score's negative part, is missing from AR PL UMing and WenQuanYi.)
SUBSTITUTES = {"\u2212": "-", "\u2013": "-", "\u2010": "-", "\u2011": "-", "\u00ad": "-"}

LEFT, RIGHT = MARGINS_MM["left"] * mm, MARGINS_MM["right"] * mm
TOP, BOTTOM = MARGINS_MM["top"] * mm, MARGINS_MM["bottom"] * mm
_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "justify": TA_JUSTIFY}
PAGE_NUMBER_SIZE = 14.0  # 四号
GRID_SIZE = 16.0  # 三号: the text set on the grid
SEAL_GREY = colors.Color(0.62, 0.62, 0.62)

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
_font_sets: dict[PDFFonts, _Faces] = {}


def render_notice_pdf(data: NoticeData) -> bytes:
    """《指派通知书》 (第六条) as PDF bytes, its faces embedded: the notice on page 1, its 附件
    (the case's details) after it.

    A notice whose issuer, date and seal would not stay on page 1 is laid out again with tighter
    lines (GB/T 9704 7.3.5.4).
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
    """The first layout whose first page (all before its 续页 or 附件) the PDF shows on one page,
    as measured; else the last one (the tightest, the most text moved to the 续页)."""
    for document in layouts[:-1]:
        if estimated_height(document) > HOPELESS_PAGES * TEXT_HEIGHT_PT:
            continue
        pdf, pages = _render(first_page(document))
        if pages == 1:
            return _render(document)[0] if document.continued else pdf
    return _render(layouts[-1])[0]


# --- the faces ------------------------------------------------------------------------------


def _load(font: CJKFont, required: str = REQUIRED_GLYPHS) -> str:
    """Register `font` with reportlab (once per process) and return its name; refuse a file that
    is no TrueType font or lacks one of `required`."""
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
        lacking = [ch for ch in required if ord(ch) not in ttf.face.charToGlyph]
        if lacking:
            raise CJKFontError(
                f"字体 {font.path} 缺少字符：{''.join(lacking)}。"
                "请安装 fonts-arphic-uming 和 fonts-lxgw-wenkai，或设置 FAYUAN_PDF_FONT。\n"
                f"Font {font.path} lacks: {' '.join(f'U+{ord(c):04X}' for c in lacking)}. "
                "Install fonts-arphic-uming and fonts-lxgw-wenkai or set FAYUAN_PDF_FONT."
            )
        pdfmetrics.registerFont(ttf)
        _registered[key] = name
        return name


def _has(name: str, ch: str) -> bool:
    return ord(ch) in _face(name).charToGlyph


def _face(name: str) -> Any:
    return pdfmetrics.getFont(name).face


@dataclass
class _Faces:
    """The registered title and text faces, and the per-character fallbacks (loaded only when a
    character is missing from both)."""

    title: str
    body: str
    candidates: tuple[CJKFont, ...]
    _extra: list[str] | None = field(default=None, repr=False)

    def extras(self) -> list[str]:
        if self._extra is None:  # two threads may both load: `_load` registers each face once
            names = []
            for font in self.candidates:
                try:
                    names.append(_load(font, required=""))
                except CJKFontError:
                    continue
            self._extra = names
        return self._extra

    def face_for(self, ch: str, primary: str) -> str | None:
        """The first face that has `ch`: `primary`, the other face, then the fallbacks."""
        other = self.body if primary == self.title else self.title
        for name in (primary, other):
            if _has(name, ch):
                return name
        for name in self.extras():
            if _has(name, ch):
                return name
        return None


def _faces() -> _Faces:
    found = find_pdf_fonts()
    faces = _font_sets.get(found)
    if faces is None:
        faces = _Faces(_load(found.title), _load(found.body), found.fallbacks)
        with _lock:
            _font_sets[found] = faces
        for warning in found.warnings:
            logger.warning("%s", warning)
    return faces


def pdf_font_names() -> tuple[str, str]:
    """Register the title and text faces (once per process) and return their reportlab names.

    Raises `CJKFontError`, in Chinese and English, when there is no usable font.
    """
    faces = _faces()
    return faces.title, faces.body


def cjk_font_name() -> str:
    """The text face's reportlab name (see `pdf_font_names`)."""
    return _faces().body


def missing_glyphs(text: str, role: str = "body") -> set[str]:
    """Characters of `text` the text (or, with role "title", the title) face itself lacks."""
    faces = _faces()
    name = faces.title if role == "title" else faces.body
    return {ch for ch in text if not ch.isspace() and not _has(name, ch)}


def unprintable(text: str) -> set[str]:
    """Characters of `text` that no installed face can show, even through `SUBSTITUTES`."""
    faces = _faces()
    return {
        ch
        for ch in text
        if not ch.isspace()
        and faces.face_for(ch, faces.body) is None
        and faces.face_for(SUBSTITUTES.get(ch, ch), faces.body) is None
    }


# --- flowables ------------------------------------------------------------------------------


def _markup(text: str, primary: str, faces: _Faces) -> str:
    """Paragraph markup for plain text: escaped, newlines kept, each ideographic space (U+3000,
    the blanks of a form) as two no-break spaces, which reportlab does not collapse, and each
    run of characters `primary` lacks in the face that has them."""
    out: list[str] = []
    for line_no, line in enumerate(text.split("\n")):
        if line_no:
            out.append("<br/>")
        runs: list[tuple[str, str]] = []
        for ch in line.replace("\u3000", "\u00a0\u00a0"):
            face = primary if ch in " \u00a0" else faces.face_for(ch, primary)
            if face is None and ch in SUBSTITUTES:
                ch = SUBSTITUTES[ch]
                face = faces.face_for(ch, primary)
            face = face or primary
            if runs and runs[-1][0] == face:
                runs[-1] = (face, runs[-1][1] + ch)
            else:
                runs.append((face, ch))
        for face, run in runs:
            if face == primary:
                out.append(escape(run))
            else:
                out.append(f'<font name="{face}">{escape(run)}</font>')
    return "".join(out)


def _style(font: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(
        f"s{font}-{size}-{leading}-{sorted(kw.items())}",
        fontName=font,
        fontSize=size,
        leading=leading,
        wordWrap="CJK",
        **kw,
    )


#: A row taller than this (in points) has its cells at the top, so that it can split inside.
TALL_ROW = 300.0


def _tables(block: Table, faces: _Faces, width: float) -> list[RLTable]:
    """The table as a stack of reportlab tables, one per run of rows with the same columns.

    A row taller than what is left of the page splits inside (``splitInRow``) once no split
    between rows will do: no cell, however long, stops the document.
    reportlab splits a row right only (1) without spans: each cell is made as wide as the
    columns it spans, and rows with the same widths share a table, the tables stacked without a
    gap into one ruled form; (2) with each cell's flowables in a list; and (3) with tall rows
    aligned at the top (it cannot split a middle-aligned cell beside a taller one).
    """
    font = faces.body
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
            para = Paragraph(_markup(cell.text, font, faces), label if cell.label else value)
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


#: Characters that must not end a line (opening brackets and quotes).
CANNOT_END_ZH = "（〔《〈「『“‘【"
_ATOM_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_/@")


@dataclass
class _GridLine:
    glyphs: list[tuple[str, str, float]]
    """(face, character, natural width) of each character."""
    indent: float
    last: bool
    """The end of a paragraph (or of a hard line): not justified."""


class _GridParagraph(Flowable):  # type: ignore[misc]
    """三号 text on GB/T 9704's grid: characters at the grid's pitch (15.79 pt, so 28 to a line
    of the 156 mm 版心, as Word's document grid sets them), every line but a paragraph's last
    justified to fill the 版心 (撑满版心) by the character spacing (reportlab's own justification
    only widens spaces, which Chinese has none of), lines on the 28.95 pt pitch.

    Lines break between any two characters except inside a run of Latin letters or digits
    (2026, 023-68200148); closing punctuation never begins a line (it is pulled onto the line
    before, which is then set a little tighter) and opening punctuation never ends one."""

    def __init__(
        self,
        text: str,
        faces: _Faces,
        size: float,
        leading: float,
        pitch: float,
        indent: float = 0.0,
        align: str = "justify",
        space_before: float = 0.0,
        lines: list[_GridLine] | None = None,
    ) -> None:
        super().__init__()
        self.text = text
        self.faces = faces
        self.size = size
        self.leading = leading
        self.pitch = pitch
        self.indent = indent
        self.align = align
        self.space_before = space_before
        self.lines = lines
        self._fixed = lines is not None  # a part of a split paragraph: its lines are set
        self._width = -1.0

    def getSpaceBefore(self) -> float:
        return self.space_before

    # -- breaking --

    def _glyphs(self, line: str) -> list[tuple[str, str, float]]:
        out = []
        body = self.faces.body
        for ch in line.replace("\u3000", "\u00a0\u00a0"):
            face = body if ch in " \u00a0" else self.faces.face_for(ch, body)
            if face is None and ch in SUBSTITUTES:
                ch = SUBSTITUTES[ch]
                face = self.faces.face_for(ch, body)
            face = face or body
            out.append((face, ch, pdfmetrics.stringWidth(ch, face, self.size)))
        return out

    def _atoms(self, glyphs: list[tuple[str, str, float]]) -> list[list[tuple[str, str, float]]]:
        atoms: list[list[tuple[str, str, float]]] = []
        for glyph in glyphs:
            if atoms and glyph[1] in _ATOM_CHARS and atoms[-1][-1][1] in _ATOM_CHARS:
                atoms[-1].append(glyph)
            else:
                atoms.append([glyph])
        return atoms

    def _span(self, glyphs: list[tuple[str, str, float]]) -> float:
        """The width of `glyphs` in grid cells: each character's advance plus the grid's
        spacing (15.79 − 16 pt), so that 28 cells of 三号 are the 版心's width."""
        return sum(w for _, _, w in glyphs) + (self.pitch - self.size) * len(glyphs)

    def _break(self, width: float) -> list[_GridLine]:
        lines: list[_GridLine] = []
        indent = self.indent
        for hard in self.text.split("\n"):
            atoms = self._atoms(self._glyphs(hard))
            current: list[tuple[str, str, float]] = []
            i = 0
            while i < len(atoms):
                atom = atoms[i]
                room = width - indent
                if not current or self._span(current + atom) <= room + 0.01:
                    if len(atom) > 1 and self._span(atom) > room and not current:
                        # a run longer than a line: break it anywhere
                        take = 1
                        while take < len(atom) and self._span(atom[: take + 1]) <= room:
                            take += 1
                        atoms[i : i + 1] = [atom[:take], atom[take:]]
                        atom = atoms[i]
                    current += atom
                    i += 1
                    continue
                if atom[0][1] in CANNOT_START_ZH and self._span(current + atom) <= room + self.size:
                    current += atom  # hang it, set tighter (Word's 禁则 push-in)
                    i += 1
                    continue
                # carry opening brackets at the end over to the next line
                carried = 0
                while carried < len(current) - 1 and current[-1 - carried][1] in CANNOT_END_ZH:
                    carried += 1
                if carried:
                    tail = current[-carried:]
                    current = current[:-carried]
                    atoms[i:i] = [tail]
                lines.append(_GridLine(current, indent, last=False))
                current, indent = [], 0.0
            lines.append(_GridLine(current, indent, last=True))
            indent = 0.0
        return lines

    # -- flowable --

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if not self._fixed and (self.lines is None or avail_width != self._width):
            self.lines = self._break(avail_width)
            self._width = avail_width
        assert self.lines is not None
        self.width = avail_width
        self.height = self.leading * len(self.lines)
        return avail_width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        assert self.lines is not None
        fit = int((avail_height + 1e-6) // self.leading)
        if fit < 1 or fit >= len(self.lines):
            return [] if fit < 1 else [self]
        parts = (self.lines[:fit], self.lines[fit:])
        out = []
        for n, lines in enumerate(parts):
            part = _GridParagraph(
                "",
                self.faces,
                self.size,
                self.leading,
                self.pitch,
                align=self.align,
                space_before=self.space_before if n == 0 else 0.0,
                lines=lines,
            )
            out.append(part)
        return out

    def draw(self) -> None:
        assert self.lines is not None
        canvas = self.canv
        tc_grid = self.pitch - self.size
        # The glyphs centred in their 28.95 pt line (ascent 0.88 em, descent 0.12 em).
        drop = (self.leading - self.size) / 2 + self.size * 0.88
        for n, line in enumerate(self.lines):
            if not line.glyphs:
                continue
            natural = sum(w for _, _, w in line.glyphs)
            room = self.width - line.indent
            count = len(line.glyphs)
            justify = self.align == "justify" and (not line.last or natural > room)
            if justify and count > 1:
                tc = (room - natural) / (count - 1)
            else:
                tc = tc_grid if natural + tc_grid * (count - 1) <= room else 0.0
            span = natural + tc * (count - 1)
            x = line.indent
            if not justify and self.align == "center":
                x = (self.width - span) / 2
            elif not justify and self.align == "right":
                x = self.width - span
            y = self.height - n * self.leading - drop
            text = canvas.beginText(x, y)
            text.setCharSpace(tc)
            face, run = line.glyphs[0][0], ""
            for glyph_face, ch, _ in line.glyphs:
                if glyph_face != face:
                    text.setFont(face, self.size)
                    text.textOut(run)
                    face, run = glyph_face, ""
                run += ch
            text.setFont(face, self.size)
            text.textOut(run)
            canvas.drawText(text)


class _SealMark(Flowable):  # type: ignore[misc]
    """The space above the issuer's name, and the seal's place drawn over the name and date: a
    light dashed circle (42 mm, the seal's size) marked （印章）, standing on the bottom of the
    date's line, so that name and date sit in its lower half (GB/T 9704 7.3.5.1) and the 附注
    below stays clear."""

    def __init__(
        self, height: float, centre_x: float, line: float, label_font: str, label: str
    ) -> None:
        super().__init__()
        self.height = height
        self.centre_x = centre_x
        self.line = line
        self.label_font = label_font
        self.label = label

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        canvas = self.canv
        radius = SEAL_DIAMETER_MM * mm / 2
        centre_y = radius - 2 * self.line  # standing on the date's line, two lines below
        canvas.saveState()
        canvas.setStrokeColor(SEAL_GREY)
        canvas.setFillColor(SEAL_GREY)
        canvas.setLineWidth(0.6)
        canvas.setDash(3, 2)
        canvas.circle(self.centre_x, centre_y, radius, stroke=1, fill=0)
        canvas.setFont(self.label_font, 10.5)
        canvas.drawCentredString(self.centre_x, centre_y + radius - 16, self.label)
        canvas.restoreState()


def _signature(block: Signature, faces: _Faces, width: float) -> list[Any]:
    font = faces.body
    out: list[Any] = []
    when, when_right = block.lines[-1], block.right_chars[-1]
    when_width = pdfmetrics.stringWidth(when, font, block.size)
    for i, (text, right) in enumerate(zip(block.lines, block.right_chars, strict=True)):
        indent = block.size * right
        if i < len(block.lines) - 1:
            # Centred on the date by the face's own widths (digits are not half an em in Kai).
            text_width = pdfmetrics.stringWidth(text, font, block.size)
            indent = max(0.0, block.size * when_right + (when_width - text_width) / 2)
        style = _style(
            font,
            block.size,
            block.line,
            alignment=TA_RIGHT,
            rightIndent=indent,
            spaceBefore=block.space_before if i == 0 and not block.seal else 0,
        )
        out.append(Paragraph(_markup(text, font, faces), style))
    if not block.seal:
        return out
    centre_x = width - block.size * when_right - when_width / 2
    mark = _SealMark(block.space_before, centre_x, block.line, font, SEAL_LABEL)
    return [KeepTogether([mark, *out])]


def _block(block: Block, faces: _Faces, width: float) -> list[Any]:
    if isinstance(block, Title):
        style = _style(
            faces.title,
            block.size,
            block.line,
            alignment=TA_CENTER,
            spaceBefore=block.space_before,
        )
        return [Paragraph(_markup(block.text, faces.title, faces), style)]
    if isinstance(block, Para) and block.size == GRID_SIZE:
        return [
            _GridParagraph(
                block.text,
                faces,
                block.size,
                block.line,
                CHAR_PITCH_PT,
                indent=block.size * 2 if block.indent else 0.0,
                align=block.align,
                space_before=block.space_before,
            )
        ]
    if isinstance(block, Para):
        style = _style(
            faces.body,
            block.size,
            block.line,
            alignment=_ALIGN[block.align],
            firstLineIndent=block.size * 2 if block.indent else 0,
            spaceBefore=block.space_before,
        )
        return [Paragraph(_markup(block.text, faces.body, faces), style)]
    if isinstance(block, Signature):
        return _signature(block, faces, width)
    if isinstance(block, PageBreak):
        return [RLPageBreak()]
    return [Spacer(1, block.space_before), *_tables(block, faces, width)]


def render_document_pdf(document: Document) -> bytes:
    """Any laid-out `Document` as PDF bytes (A4, faces embedded and subset)."""
    return _render(document)[0]


def _pdf_date(moment: datetime) -> str:
    """A PDF date string (D:YYYYMMDDHHmmSS+08'00'), in China Standard Time when aware."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA_TZ)
    offset = moment.utcoffset()
    if offset is None:
        return moment.strftime("D:%Y%m%d%H%M%S")
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return moment.strftime("D:%Y%m%d%H%M%S") + f"{sign}{hours:02d}'{rest:02d}'"


def _render(document: Document) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    faces = _faces()
    out = io.BytesIO()
    template = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=document.title,
        author=document.author,
        subject=document.subject,
        creator="fayuan 法律援助案件指派系统",
        lang="zh-CN",
        invariant=1,
        initialFontName=faces.body,
        initialFontSize=16,
    )
    width = A4[0] - LEFT - RIGHT
    # The 版心 exactly: no padding inside the frame.
    frame = Frame(
        LEFT,
        BOTTOM,
        width,
        A4[1] - TOP - BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="type-area",
    )
    stamp = _pdf_date(document.issued_at) if document.issued_at is not None else None

    def page(canvas: Any, doc: Any) -> None:
        if stamp is not None:
            canvas.setDateFormatter(lambda *_: stamp)
        # GB/T 9704 7.5: 四号半角宋体, "— 1 —", 7 mm below the 版心; odd pages at the right, even
        # pages at the left, one character in.
        canvas.saveState()
        canvas.setFont(faces.title, PAGE_NUMBER_SIZE)
        text = f"— {doc.page} —"
        y = BOTTOM - 7 * mm - PAGE_NUMBER_SIZE * 0.8
        if doc.page % 2:
            canvas.drawRightString(A4[0] - RIGHT - PAGE_NUMBER_SIZE, y, text)
        else:
            canvas.drawString(LEFT + PAGE_NUMBER_SIZE, y, text)
        canvas.restoreState()

    template.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=page)])
    flowables: list[Any] = []
    for block in document.blocks:
        flowables += _block(block, faces, width)
    template.build(flowables)
    return out.getvalue(), int(template.page)
