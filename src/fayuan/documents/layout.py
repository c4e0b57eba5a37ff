"""The words and their order, shared by the DOCX and PDF renderers.

Each document is built once as a list of simple blocks (title, paragraph, table, ...); `docx.py`
and `pdf.py` only turn blocks into their format, so both say exactly the same thing.

Free text (the rules' reasoning, opinions, reasons, notes) has no length limit and is never cut.
The notice's page 1 is the notice itself; the case's details, free text included, are its 附件
on the following pages, a table that flows on however long. A form is first laid out with every
text in its cell; when that would not fit one page,
the longest free texts are moved, one at a time, to a 续页 (continuation pages after the
document, GB/T 9704's 附件 convention): the cell then says 见续页一 and the 续页 prints the text
whole, however many pages it takes. So page 1 stays the complete form, every signature line in
place, and free text never makes a cell taller than a page (should anything else, a 3,000-character
name say, the PDF splits the row across pages). `*_layouts` give the candidates in order of
preference; `fitted` picks the first that fits by estimate (DOCX), the PDF renderer by measuring.

The page is GB/T 9704-2012's: A4, 版心 156 mm × 225 mm (top margin 37 mm, left 28 mm), text in
三号 (16 pt) on the standard grid of 22 lines of 28 characters (line pitch 28.95 pt), titles in
二号 (22 pt). The notice's issue date, under its seal, is written in Chinese numerals
(二〇二六年九月三十日), as the center's 文书 are; other dates in Arabic numerals (2026年9月30日).
Times are shown in China Standard Time (UTC+8), the time the regulation's deadlines are counted in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from fayuan.documents.data import (
    ApprovalFormData,
    BureauDecision,
    DirectorDecision,
    HandlerChangeFormData,
    NoticeData,
    PartyContact,
)
from fayuan.policy.decision import ARTICLE_ORDER, sort_articles

__all__ = [
    "CHINA_TZ",
    "GRID_CHARS",
    "GRID_LINES",
    "LINE_PITCH_PT",
    "MARGINS_MM",
    "PAGE_MM",
    "SEAL_DIAMETER_MM",
    "TEXT_HEIGHT_PT",
    "TEXT_WIDTH_PT",
    "TYPE_AREA_MM",
    "Block",
    "Cell",
    "Document",
    "PageBreak",
    "Para",
    "Signature",
    "Table",
    "Title",
    "approval_form_document",
    "approval_form_layouts",
    "estimated_height",
    "first_page",
    "fits_one_page",
    "fitted",
    "fitted_notice_document",
    "handler_change_form_document",
    "handler_change_form_layouts",
    "notice_document",
    "notice_layouts",
    "ordered_articles",
    "provisional_note",
    "signature",
    "zh_date",
    "zh_date_numerals",
    "zh_deadline",
    "zh_numeral",
]

CHINA_TZ = timezone(timedelta(hours=8), "CST")
# Without the policy's title, the generic name of every district's rules.
REGULATION_ZH = "本区法律援助案件指派工作制度"
WEEKDAYS_ZH = "一二三四五六日"
BLANK_DATE = "　　　　年　　月　　日"
BLANK_NAME = "　　　　　　"

Align = Literal["left", "center", "right", "justify"]

#: A4 and the GB/T 9704 margins, in millimetres: top 37, bottom 35, left 28, right 26, which
#: leave its 版心 (type area) of 156 mm × 225 mm.
PAGE_MM = (210.0, 297.0)
MARGINS_MM = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
TYPE_AREA_MM = (
    PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"],
    PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"],
)
PT_PER_MM = 72 / 25.4
TEXT_WIDTH_PT = TYPE_AREA_MM[0] * PT_PER_MM
TEXT_HEIGHT_PT = TYPE_AREA_MM[1] * PT_PER_MM
#: GB/T 9704's standard grid: 22 lines of 28 characters of 三号 a page. The line pitch is the
#: Word template's 28.95 pt (579 twips; 22 of them fill the 225 mm 版心); 28 characters of
#: 16 pt (448 pt) are 0.2 pt a character wider than the 156 mm (442.2 pt), so the DOCX's grid
#: narrows the pitch to 15.79 pt while the PDF, which cannot, sets 27 a line and justifies them.
GRID_LINES = 22
GRID_CHARS = 28
LINE_PITCH_PT = 28.95
CHAR_PITCH_PT = TEXT_WIDTH_PT / GRID_CHARS
#: The center's round seal (公章), 42 mm across; the PDF marks where it goes.
SEAL_DIAMETER_MM = 42.0
SEAL_LABEL = "（印章）"


# --- blocks ---------------------------------------------------------------------------------


def body_line(size: float) -> float:
    """A body line's height: the grid's 28.95 pt for 三号, else 1.75 em."""
    return LINE_PITCH_PT if size == 16.0 else size * 1.75


@dataclass(frozen=True)
class Title:
    """A title line in the title font (方正小标宋简体), centered."""

    text: str
    size: float = 22.0  # 二号
    leading: float = 0.0
    """Line height in points; 0 means the default (1.6 em)."""
    space_before: float = 0.0

    @property
    def line(self) -> float:
        return self.leading or self.size * 1.6


@dataclass(frozen=True)
class Para:
    """A paragraph in the body font (仿宋_GB2312)."""

    text: str
    indent: bool = True
    """First line indented by two characters (公文 body)."""
    align: Align = "justify"
    size: float = 16.0  # 三号
    space_before: float = 0.0
    """Extra space before, in points."""
    leading: float = 0.0
    """Line height in points; 0 means `body_line`."""
    face: Literal["body", "heading"] = "body"
    """"heading": the 附件 label, 黑体 in the DOCX (GB/T 9704 §8)."""

    @property
    def line(self) -> float:
        return self.leading or body_line(self.size)


@dataclass(frozen=True)
class Cell:
    text: str
    span: int = 1
    label: bool = False
    """A label cell: centered, no first-line indent."""


@dataclass(frozen=True)
class Table:
    """A ruled table. `widths` are fractions of the text width; rows hold cells with spans."""

    widths: tuple[float, ...]
    rows: tuple[tuple[Cell, ...], ...]
    size: float = 12.0  # 小四
    leading: float = 0.0
    """Line height in the cells; 0 means 1.5 em."""
    padding: float = 3.5
    """Space above and below the text of a cell, in points."""
    space_before: float = 2.0

    @property
    def line(self) -> float:
        return self.leading or self.size * 1.5


@dataclass(frozen=True)
class Signature:
    """The issuer over the date (GB/T 9704 落款): the date ends four characters from the right
    margin and the issuer is centered over it. `right_chars[i]` is line i's distance from the
    right margin, in characters of `size`."""

    lines: tuple[str, ...]
    right_chars: tuple[float, ...]
    size: float = 16.0
    space_before: float = 28.0
    seal: bool = False
    """Mark where the seal goes (印章): a light circle in the PDF, "（印章）" in the DOCX, over
    the issuer and date, which sit in its lower half (GB/T 9704 7.3.5.1)."""
    leading: float = 0.0
    """Line height in points; 0 means `body_line`."""

    @property
    def line(self) -> float:
        return self.leading or body_line(self.size)


def _width(text: str) -> float:
    """Width in em: ASCII is half a character, everything else (CJK, full-width) one."""
    return sum(0.5 if ord(ch) < 0x80 else 1.0 for ch in text)


def signature(
    issuer: str,
    when: str,
    size: float = 16.0,
    space_before: float = 28.0,
    right: float = 4.0,
    seal: bool = False,
    leading: float = 0.0,
) -> Signature:
    """`issuer` centered over `when`, which ends `right` characters from the margin."""
    issuer_right = right + (_width(when) - _width(issuer)) / 2
    shift = max(0.0, -issuer_right)  # an issuer too long to center: move both left
    right_chars = (issuer_right + shift, right + shift)
    return Signature((issuer, when), right_chars, size, space_before, seal, leading)


@dataclass(frozen=True)
class PageBreak:
    """What follows starts on a new page (the 续页 after a form or notice)."""


Block = Title | Para | Table | Signature | PageBreak


@dataclass(frozen=True)
class Document:
    title: str
    author: str
    subject: str
    blocks: tuple[Block, ...]
    issued_at: datetime | None = None
    """The document's date (a notice's issue date): the PDF's and DOCX's creation date."""

    @property
    def continued(self) -> bool:
        """True when the document has a 续页 (free text moved out of its cells)."""
        return any(isinstance(block, PageBreak) for block in self.blocks)


def _lines(text: str, size: float, width: float, indent_em: float = 0.0) -> int:
    """How many lines `text` takes at `size` in `width` points (CJK 1 em, ASCII half)."""
    per_line = max(1.0, width / size)
    return sum(
        max(1, math.ceil((_width(part) + (indent_em if i == 0 else 0.0)) / per_line))
        for i, part in enumerate(text.split("\n"))
    )


def first_page(document: Document) -> Document:
    """The document up to its first `PageBreak`: what should fit on page 1."""
    for i, block in enumerate(document.blocks):
        if isinstance(block, PageBreak):
            return replace(document, blocks=document.blocks[:i])
    return document


def estimated_height(document: Document) -> float:
    """The height of the blocks before the first `PageBreak`, in points, estimated from
    character widths.

    Good to a line or two: enough to see whether a document fits one page where the renderer
    cannot measure (Word lays out the DOCX itself)."""
    total = 0.0
    for block in first_page(document).blocks:
        if isinstance(block, Title):
            total += block.space_before + _lines(block.text, block.size, TEXT_WIDTH_PT) * block.line
        elif isinstance(block, Para):
            indent = 2.0 if block.indent else 0.0
            lines = _lines(block.text, block.size, TEXT_WIDTH_PT, indent)
            total += block.space_before + lines * block.line
        elif isinstance(block, Signature):
            total += block.space_before + len(block.lines) * block.line
        elif isinstance(block, Table):
            total += block.space_before
            for row in block.rows:
                col, tallest = 0, 1
                for cell in row:
                    width = TEXT_WIDTH_PT * sum(block.widths[col : col + cell.span]) - 10
                    tallest = max(tallest, _lines(cell.text, block.size, width))
                    col += cell.span
                total += tallest * block.line + 2 * block.padding + 0.5
    return total


FIT_SLACK_PT = 2.0
"""What an estimate must leave free of the 版心 to count as fitting (rounding, table rules)."""


def fits_one_page(document: Document) -> bool:
    """Whether the part before any 续页 fits one page, by `estimated_height`."""
    return estimated_height(document) <= TEXT_HEIGHT_PT - FIT_SLACK_PT


def fitted(layouts: Sequence[Document]) -> Document:
    """The first layout whose first page fits by estimate, else the last (the most moved out)."""
    for document in layouts:
        if fits_one_page(document):
            return document
    return layouts[-1]


# --- the 续页 -------------------------------------------------------------------------------

CONTINUED_MIN_LINES = 4
"""Only a free text longer than this (in lines of its cell) is worth moving to the 续页."""
CONTINUED_TEXT_SIZE = 12.0  # 小四, as in the form's cells
_DIGITS_ZH = "〇一二三四五六七八九"


def zh_numeral(n: int) -> str:
    """一, 二, ... 十, 十一, ... 二十一 ... 九十九 (and Arabic numerals beyond)."""
    if not 0 < n < 100:
        return str(n)
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_DIGITS_ZH[tens]}十")
    return head + (_DIGITS_ZH[units] if units else "")


class _Continuation:
    """The free texts of one layout. `text(key, heading, value)` gives what the cell prints:
    the value itself, or, when `key` is in `moved`, 见续页N, the value going whole to item N of
    the 续页. It also notes which texts are long enough to be worth moving."""

    def __init__(self, moved: Collection[str], cell_width: float) -> None:
        self.moved = frozenset(moved)
        self.cell_width = cell_width
        self.movable: list[tuple[int, int, str]] = []
        """(lines in the cell, order of appearance, key) of the long texts."""
        self.items: list[tuple[str, str]] = []
        """(heading, text) of the 续页, in the order their cells appear."""

    def text(self, key: str, heading: str, value: str) -> str:
        lines = _lines(value, CONTINUED_TEXT_SIZE, self.cell_width)
        if lines > CONTINUED_MIN_LINES:
            self.movable.append((lines, len(self.movable), key))
        if key not in self.moved:
            return value
        self.items.append((heading, value))
        return f"见续页{zh_numeral(len(self.items))}"

    def blocks(self, title: str, reference: str) -> list[Block]:
        """The 续页: a new page, its title and the document it continues, then each text whole."""
        if not self.items:
            return []
        blocks: list[Block] = [
            PageBreak(),
            Title(f"{title}（续页）", size=18.0),
            Para(reference, indent=False, align="center", size=12.0, space_before=2.0),
        ]
        for i, (heading, value) in enumerate(self.items, 1):
            blocks.append(
                Para(f"{zh_numeral(i)}、{heading}", False, "left", 14.0, space_before=10.0)
            )
            blocks.append(Para(value, indent=False, size=CONTINUED_TEXT_SIZE, space_before=2.0))
        return blocks


def _layouts(
    build: Callable[[Collection[str]], tuple[Document, list[tuple[int, int, str]]]],
) -> tuple[Document, ...]:
    """Every text in its cell, then the longest free text on the 续页, then the two longest, ...
    until every long one is moved (ties in the order they appear)."""
    first, movable = build(())
    order = [key for _, _, key in sorted(movable, key=lambda m: (-m[0], m[1]))]
    return (first, *(build(order[:k])[0] for k in range(1, len(order) + 1)))


# --- formatting -----------------------------------------------------------------------------


def _cst(dt: datetime) -> datetime:
    return dt.astimezone(CHINA_TZ) if dt.tzinfo is not None else dt


def zh_date(d: date | datetime) -> str:
    """2026年9月30日 (a datetime is first put in China Standard Time)."""
    if isinstance(d, datetime):
        d = _cst(d).date()
    return f"{d.year}年{d.month}月{d.day}日"


def zh_date_numerals(d: date | datetime) -> str:
    """二〇二六年九月三十日, 二〇二六年十二月一日: a 文书's date in Chinese numerals."""
    if isinstance(d, datetime):
        d = _cst(d).date()
    year = "".join(_DIGITS_ZH[int(ch)] for ch in str(d.year))
    return f"{year}年{zh_numeral(d.month)}月{zh_numeral(d.day)}日"


def zh_deadline(dt: datetime) -> str:
    """A deadline such as 2026年10月8日（星期四）24时; other times as 17时30分."""
    local = _cst(dt)
    day = f"{zh_date(local.date())}（星期{WEEKDAYS_ZH[local.weekday()]}）"
    if (local.hour, local.minute) == (23, 59):
        return f"{day}24时"
    if local.minute == 0:
        return f"{day}{local.hour}时"
    return f"{day}{local.hour}时{local.minute}分"


def _opt_date(d: date | None) -> str:
    return zh_date(d) if d is not None else BLANK_DATE


def _aided_text(names: Sequence[str], count: int) -> str:
    shown = "、".join(names)
    if not shown:
        return f"{count}人"
    if count > len(names):
        return f"{shown}等{count}人"
    return shown


def ordered_articles(articles: Sequence[str], always: Sequence[str] = ("第六条",)) -> list[str]:
    """The articles relied on, in the regulation's order (第四条 before 第十一条), `always`
    included (the notice is made under 第六条); any other wording follows, as given."""
    given = [*always, *articles]
    known = sort_articles({a for a in given if a in ARTICLE_ORDER})
    others = dict.fromkeys(a for a in given if a not in ARTICLE_ORDER)
    return [*known, *others]


def _is_criminal(category_zh: str) -> bool:
    return category_zh.startswith("刑事")


def _director_text(d: DirectorDecision | None, cont: _Continuation, heading: str) -> str:
    if d is None:
        return f"□同意　□不同意\n\n负责人：{BLANK_NAME}　日期：{BLANK_DATE}"
    verdict = "同意" if d.approved else "不同意"
    lines = [f"决定：{verdict}"]
    if d.reason:
        lines.append(f"意见：{cont.text('director', heading, d.reason)}")
    lines.append(f"负责人：{d.name}　日期：{zh_date(d.decided_on)}")
    return "\n".join(lines)


def _bureau_text(b: BureauDecision | None, cont: _Continuation, heading: str) -> str:
    if b is None:
        return f"□同意　□不同意\n理由：\n\n决定人：{BLANK_NAME}　日期：{BLANK_DATE}"
    verdict = "同意" if b.approved else "不同意"
    lines = [f"决定：{verdict}"]
    if b.reason:
        lines.append(f"理由：{cont.text('bureau', heading, b.reason)}")
    lines.append(f"决定人：{b.decider}　日期：{zh_date(b.decided_on)}")
    return "\n".join(lines)


def _row(label: str, text: str) -> tuple[Cell, ...]:
    """A full-width row of a four-column form: label, then the value across three columns."""
    return (Cell(label, label=True), Cell(text, span=3))


def _pair(l1: str, v1: str, l2: str, v2: str) -> tuple[Cell, ...]:
    return (Cell(l1, label=True), Cell(v1), Cell(l2, label=True), Cell(v2))


FORM_WIDTHS = (0.22, 0.34, 0.14, 0.30)


# --- the notice -----------------------------------------------------------------------------

NOTICE_TITLE = "指派通知书"
ANNEX_TITLE = "法律援助案件基本情况"
"""The notice's 附件 (GB/T 9704 §8): every detail of the case, for the institution."""
ANNEX_WIDTHS = (0.19, 0.36, 0.17, 0.28)
ANNEX_TEXT_SIZE = 14.0  # 四号, in the 附件's table
PROVISIONAL_MARK = "（暂定）"
NOTE_SIZE = 14.0


def seal_space(line: float) -> float:
    """The space above the issuer's name that the seal needs: its circle stands on the bottom of
    the date's line (so it does not cross the 附注 below) with the issuer and date in its lower
    half, and its top lies within a line of the text above (GB/T 9704 7.3.5.1: 印章顶端应当上距
    正文一行之内)."""
    return SEAL_DIAMETER_MM * PT_PER_MM - 2 * line


def provisional_note(deadline: datetime) -> str:
    """The one-line note under a provisional deadline."""
    year = _cst(deadline).year
    return f"注：{year}年国务院节假日安排尚未公布，期限将于公布后重新计算。"


def notice_document(n: NoticeData, compact: bool = False) -> Document:
    """《指派通知书》 (第六条) after GB/T 9704-2012: page 1 the notice itself (title, number,
    addressee, text in 三号 on the 22-line grid, 附件说明, the issuer and date under the seal, the
    center's contact as 附注), then its 附件 on a new page: a table of the case for the
    institution (the aided persons' contacts, the opposing parties, the matter, the rule, any
    notes), printed whole however long.

    `compact` tightens the line spacing (GB/T 9704 7.3.5.4: 调整行距) so that a long notice
    (a group case, long names) still has its issuer, date and seal on page 1.
    """
    line = LINE_PITCH_PT * (0.82 if compact else 1.0)
    aided = _aided_text(n.aided_persons, n.aided_count)
    handler_word = "执业律师" if _is_criminal(n.category_zh) else "承办人"
    articles = ordered_articles(n.articles)
    deadline = zh_deadline(n.assignment_due_at)
    if n.deadline_provisional:
        deadline += PROVISIONAL_MARK

    if n.source_zh.startswith("通知"):
        organ = f"{n.organ_name or ''}{n.letter_number or ''}"
        opening = (
            f"本中心收到{organ}{n.source_zh}公函，决定为受援人{aided}提供法律援助"
            f"（案件编号：{n.case_number}）。"
        )
    else:
        opening = (
            f"受援人{aided}申请法律援助一案（案件编号：{n.case_number}），"
            "本中心已决定给予法律援助。"
        )
    regulation = f"《{n.regulation_title}》" if n.regulation_title else REGULATION_ZH
    opening += f"根据{regulation}{'、'.join(articles)}的规定，现指派你单位承办本案。"
    duty = (
        f"请你单位于{deadline}前安排{n.handlers_required}名{handler_word}承办本案，"
        "将承办人姓名书面告知本中心，并由承办人及时与受援人签订委托协议。"
    )
    if n.chosen_practitioner_name:
        duty += f"受援人选定由{n.chosen_practitioner_name}承办，请予安排。"
    duty += "委托协议签订后，不得随意更换承办人（第十二条）。"

    title_line = 22.0 * (1.3 if compact else 1.45)
    blocks: list[Block] = [
        Title(n.center_name, leading=title_line),
        Title(NOTICE_TITLE, leading=title_line),
        Para(n.notice_number, indent=False, align="center", leading=line),
        Para(f"{n.institution_name}：", False, "left", space_before=line / 2, leading=line),
        Para(opening, leading=line),
        Para(duty, leading=line),
    ]
    if n.deadline_provisional:
        note = provisional_note(n.assignment_due_at)
        blocks.append(Para(note, False, "left", NOTE_SIZE, leading=line))
    blocks += [
        Para(f"附件：{ANNEX_TITLE}", space_before=line * (0.5 if compact else 1.0), leading=line),
        signature(
            n.center_name,
            # GB/T 9704-2012 §7.3.5.1: 成文日期用阿拉伯数字将年、月、日标全，月、日不编虚位.
            zh_date(n.issued_at),
            space_before=seal_space(line),
            seal=True,
            leading=line,
        ),
    ]
    contact = "；".join(
        part
        for part in (
            f"联系人：{n.center_contact_person}" if n.center_contact_person else "",
            f"联系电话：{n.center_phone}" if n.center_phone else "",
            f"地址：{n.center_address}" if n.center_address else "",
        )
        if part
    )
    if contact:  # 附注: 居左空二字加圆括号编排在成文日期下一行 (GB/T 9704 7.3.6)
        blocks.append(Para(f"（{contact}）", align="left", leading=line))

    blocks += [PageBreak(), *_annex(n, articles)]
    document = Document(
        title=f"{NOTICE_TITLE} {n.notice_number}",
        author=n.center_name,
        subject=f"{n.case_number} {n.institution_name}",
        blocks=tuple(blocks),
        issued_at=n.issued_at,
    )
    return document


def _annex(n: NoticeData, articles: Sequence[str]) -> list[Block]:
    """The 附件: "附件" top left (黑体), its title on the third line, then the case's table."""
    aided = _aided_text(n.aided_persons, n.aided_count)
    institution = n.institution_name
    if n.institution_address:
        institution += f"（{n.institution_address}）"
    due = f"{zh_deadline(n.assignment_due_at)}前"
    if n.deadline_provisional:
        due = f"{zh_deadline(n.assignment_due_at)}{PROVISIONAL_MARK}前\n"
        due += provisional_note(n.assignment_due_at)
    rows: list[tuple[Cell, ...]] = [
        _row("通知书文号", n.notice_number),
        _pair("案件编号", n.case_number, "案件类别", n.category_zh),
        _pair("案件来源", n.source_zh, "受援人数", f"{n.aided_count}人"),
    ]
    if n.organ_name or n.letter_number:
        rows.append(_pair("通知机关", n.organ_name or "", "公函文号", n.letter_number or ""))
    rows.append(_row("受援人", aided))
    contacts = [_contact_line(c) for c in n.aided_contacts]
    if any(contacts):
        rows.append(_row("联系方式", "\n".join(c for c in contacts if c)))
    if n.opposing_parties:
        rows.append(_row("对方当事人", "、".join(n.opposing_parties)))
    if n.case_summary:
        rows.append(_row("案情简要", n.case_summary))
    rows += [
        _row("承办机构", institution),
        _pair("承办人数", f"{n.handlers_required}名", "依据", "、".join(articles)),
    ]
    if n.chosen_practitioner_name:
        rows.append(_row("受援人选定", n.chosen_practitioner_name))
    rows += [_row("指派方式", n.rule_zh), _row("安排期限", due)]
    if n.notes:
        rows.append(_row("备注", n.notes))
    return [
        Para("附件", indent=False, align="left", face="heading"),
        Title(ANNEX_TITLE, space_before=LINE_PITCH_PT, leading=LINE_PITCH_PT * 1.25),
        Table(
            widths=ANNEX_WIDTHS,
            rows=tuple(rows),
            size=ANNEX_TEXT_SIZE,
            space_before=LINE_PITCH_PT / 2,
        ),
    ]


def _contact_line(c: PartyContact) -> str:
    parts = [f"电话：{c.phone}" if c.phone else "", f"地址：{c.address}" if c.address else ""]
    shown = "　".join(p for p in parts if p)
    return f"{c.name}　{shown}" if shown else ""


def notice_layouts(n: NoticeData) -> tuple[Document, ...]:
    """The notice's layouts in order of preference: normal, then compact. Nothing moves to a
    续页: every long text is in the 附件, whose table flows onto further pages."""
    return (notice_document(n), notice_document(n, compact=True))


def fitted_notice_document(n: NoticeData) -> Document:
    """The notice as `notice_layouts` first fits its page 1 (by `estimated_height`)."""
    return fitted(notice_layouts(n))


# --- the approval form (第五条) -------------------------------------------------------------


def approval_form_document(f: ApprovalFormData, moved: Collection[str] = ()) -> Document:
    """普通案件/重大疑难案件指派审批表 (第五条). `moved` names the free texts printed on the 续页
    instead of in their cells: "summary", "grounds", "explanation", "opinion", "override",
    "director", "conclusion", "bureau"."""
    return _approval_form(f, moved)[0]


def approval_form_layouts(f: ApprovalFormData) -> tuple[Document, ...]:
    """The form with every text in its cell, then with the longest ones on the 续页, one by one."""
    return _layouts(lambda moved: _approval_form(f, moved))


def _approval_form(
    f: ApprovalFormData, moved: Collection[str]
) -> tuple[Document, list[tuple[int, int, str]]]:
    cont = _Continuation(moved, TEXT_WIDTH_PT * sum(FORM_WIDTHS[1:]) - 10)
    due = f"{zh_deadline(f.assignment_due_at)}前" if f.assignment_due_at else ""
    rows: list[tuple[Cell, ...]] = [
        _pair("案件编号", f.case_number, "案件类别", f.category_zh),
        _pair("案件来源", f.source_zh, "受援人", f.aided_summary),
        _pair("承办人数", f"{f.handlers_required}名", "指派期限", due),
    ]
    if f.case_summary:
        rows.append(_row("案情摘要", cont.text("summary", "案情摘要", f.case_summary)))
    if f.kind == "major":
        grounds = "；".join(f.major_grounds)
        rows.append(_row("重大疑难情形", cont.text("grounds", "重大疑难情形", grounds)))

    engine = f.engine
    explanation = cont.text("explanation", "系统指派建议的理由", engine.explanation)
    rows.append(
        _row(
            "系统指派建议",
            f"承办机构：{engine.institution_name or '无可指派机构'}\n"
            f"指派方式：{engine.rule_zh}\n理由：{explanation}",
        )
    )
    o = f.officer
    if o is None:
        officer_text = f"拟指派：\n意见：\n\n经办人：{BLANK_NAME}　日期：{BLANK_DATE}"
    else:
        parts = [
            f"拟指派：{o.institution_name}",
            f"意见：{cont.text('opinion', '指派意见', o.opinion)}",
        ]
        if o.override_reason:
            override = cont.text("override", "与系统建议不同的理由", o.override_reason)
            parts.append(f"与系统建议不同的理由：{override}")
        parts.append(f"经办人：{o.officer_name}　日期：{zh_date(o.proposed_on)}")
        officer_text = "\n".join(parts)
    rows.append(_row("指派意见", officer_text))

    if f.kind == "ordinary":
        rows.append(_row("中心负责人决定", _director_text(f.director, cont, "中心负责人意见")))
        basis = "依据第五条，普通法律援助案件由负责指派工作的人员提出指派意见，报中心负责人决定。"
    else:
        d = f.discussion
        if d is None:
            discussion = f"日期：{BLANK_DATE}\n参加人员：\n结论：\n"
        else:
            conclusion = cont.text("conclusion", "中心集体讨论结论", d.conclusion)
            discussion = (
                f"日期：{zh_date(d.held_on)}\n参加人员：{'、'.join(d.participants)}\n"
                f"结论：{conclusion}"
            )
        rows.append(_row("中心集体讨论", discussion))
        r = f.bureau_report
        report = (
            f"报告文号：{r.number}　报送日期：{zh_date(r.reported_on)}"
            if r is not None
            else f"报告文号：{BLANK_NAME}　报送日期：{BLANK_DATE}"
        )
        rows.append(_row("报请区司法局", report))
        bureau = _bureau_text(f.bureau_decision, cont, "区司法局决定的理由")
        rows.append(_row("区司法局决定", bureau))
        basis = (
            "依据第五条，50人以上集团案件或对社会平安稳定有影响等重大疑难案件，"
            "由中心集体讨论后书面报请区司法局决定。"
        )

    blocks: list[Block] = [
        Title(f.title),
        Para(f.center_name, indent=False, align="center", size=14.0, space_before=6.0),
        Table(widths=FORM_WIDTHS, rows=tuple(rows)),
        Para(f"注：{basis}", indent=False, align="left", size=12.0, space_before=6.0),
        *cont.blocks(f.title, f"案件编号：{f.case_number}"),
    ]
    document = Document(
        title=f"{f.title} {f.case_number}",
        author=f.center_name,
        subject=f.case_number,
        blocks=tuple(blocks),
    )
    return document, cont.movable


# --- the handler change form (第十二条) -----------------------------------------------------


def handler_change_form_document(f: HandlerChangeFormData, moved: Collection[str] = ()) -> Document:
    """更换承办人审批表 (第十二条). `moved` names the free texts printed on the 续页 instead of
    in their cells: "reason", "director", "bureau"."""
    return _handler_change_form(f, moved)[0]


def handler_change_form_layouts(f: HandlerChangeFormData) -> tuple[Document, ...]:
    """The form with every text in its cell, then with the longest ones on the 续页, one by one."""
    return _layouts(lambda moved: _handler_change_form(f, moved))


def _handler_change_form(
    f: HandlerChangeFormData, moved: Collection[str]
) -> tuple[Document, list[tuple[int, int, str]]]:
    cont = _Continuation(moved, TEXT_WIDTH_PT * sum(FORM_WIDTHS[1:]) - 10)
    times = f"第{f.change_number}次（原则上不超过{f.max_changes}次）"
    if f.over_cap:
        times += "，超过次数，须报区司法局批准"
    if f.consent:
        consent = "受援人同意更换承办人"
        consent += f"　日期：{zh_date(f.consent_on)}" if f.consent_on else ""
    else:
        consent = "受援人不同意更换承办人（不予更换）"
    rows: list[tuple[Cell, ...]] = [
        _pair("案件编号", f.case_number, "案件类别", f.category_zh),
        _pair("受援人", f.aided_summary, "申请日期", zh_date(f.requested_on)),
        _row("更换次数", times),
        _pair("原承办机构", f.current_institution, "原承办人", f.current_handler),
        _row("更换理由", cont.text("reason", "更换理由", f.reason)),
        _row("受援人意见", consent),
        _row("更换方式", f.mode_zh),
        _pair("新承办机构", f.new_institution or "", "新承办人", f.new_handler or ""),
        _row("中心负责人意见", _director_text(f.director, cont, "中心负责人意见")),
    ]
    if f.over_cap or f.bureau is not None:
        rows.append(_row("区司法局意见", _bureau_text(f.bureau, cont, "区司法局意见的理由")))
    else:
        rows.append(_row("区司法局意见", "未超过更换次数，无需报请区司法局批准。"))
    note = (
        "注：依据第十二条，签订委托协议后不得随意更换承办人；因利益冲突等正当理由需要更换的，"
        f"应当征得受援人同意后报中心批准；更换承办人原则上不超过{f.max_changes}次，"
        "再次更换须经区司法局书面批准。"
    )
    blocks: list[Block] = [
        Title("更换承办人审批表"),
        Para(f.center_name, indent=False, align="center", size=14.0, space_before=6.0),
        Table(widths=FORM_WIDTHS, rows=tuple(rows)),
        Para(note, indent=False, align="left", size=12.0, space_before=6.0),
        *cont.blocks("更换承办人审批表", f"案件编号：{f.case_number}　第{f.change_number}次更换"),
    ]
    document = Document(
        title=f"更换承办人审批表 {f.case_number} 第{f.change_number}次",
        author=f.center_name,
        subject=f.case_number,
        blocks=tuple(blocks),
    )
    return document, cont.movable
